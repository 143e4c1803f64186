#!/bin/sh
# tests/test_mpi_netns.sh's stand-in for ssh, given to mpirun as plm_rsh_agent:
#   mpi_netns_rsh.sh [ssh options] HOST COMMAND...
# runs COMMAND (joined into one line and run by sh, as ssh runs it on the far
# side) in the network namespace that $FL_NETNS_MAP lists for HOST ("ADDRESS
# NAMESPACE" lines).
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
host=$1
shift
ns=$(awk -v h="$host" '$1 == h { print $2 }' "${FL_NETNS_MAP:?}")
[ -n "$ns" ] || { echo "mpi_netns_rsh.sh: no namespace for host $host in $FL_NETNS_MAP" >&2; exit 255; }
exec ip netns exec "$ns" sh -c "$*"
