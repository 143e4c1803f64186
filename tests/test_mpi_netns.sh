#!/bin/sh
# Two "hosts" for real: two Linux network namespaces joined by a veth pair, one
# rank in each, Open MPI's TCP transport between them, and mpirun's remote
# launch through a stand-in for ssh (tests/mpi_netns_rsh.sh runs the command in
# the namespace that holds the address instead of logging in there). The two
# ranks must give the very losses, bit for bit, of two ranks on one host: the
# gradient sum's order depends on the number of ranks alone (src/dist/dist_mpi.c).
# Skips with the reason where namespaces cannot be made (not root, no iproute2,
# a container without the privilege).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
. tests/mpi_lib.sh

id=$$
NA=flmpia$id NB=flmpib$id
net=10.213.$((id % 250))
cleanup() {
    ip netns del "$NA" 2>/dev/null
    ip netns del "$NB" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # so that an interrupted test still removes its namespaces
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1 || ! ip netns add "$NA" 2>"$T/ns.err"; then
    echo "skip - network namespaces cannot be made here (needs root and iproute2: $(cat "$T/ns.err" 2>/dev/null)):" \
        "the two-host run is not checked"
    exit 0
fi
if ! { ip netns add "$NB" && ip link add "va$id" netns "$NA" type veth peer name "vb$id" netns "$NB" &&
    ip -n "$NA" addr add "$net.1/24" dev "va$id" && ip -n "$NB" addr add "$net.2/24" dev "vb$id" &&
    ip -n "$NA" link set lo up && ip -n "$NB" link set lo up &&
    ip -n "$NA" link set "va$id" up && ip -n "$NB" link set "vb$id" up; } 2>"$T/ns.err"; then
    echo "skip - the veth pair between two namespaces cannot be made ($(cat "$T/ns.err")): the two-host run is not checked"
    exit 0
fi

tiny_corpus 400 0.2
S="--set model.vocab_size=400 --set model.block_size=32 --set model.n_layer=2 --set model.n_head=2
   --set model.n_embd=32 --set train.batch_size=4 --set train.warmup_steps=5 --set train.max_steps=30
   --set train.eval_every=15 --set train.ckpt_every=15 --set train.eval_batches=3 --set train.lr=3e-3
   --set train.threads=1"
printf '%s slots=1\n%s slots=1\n' "$net.1" "$net.2" >"$T/hosts"
# the stand-in for ssh finds the namespace of an address from this list
printf '%s %s\n%s %s\n' "$net.1" "$NA" "$net.2" "$NB" >"$T/ns.map"
# shellcheck disable=SC2086
{
    mpi 2 "$MF" train --data "$T/data" --out "$T/one" $S >"$T/one.log" 2>&1
    check "2 ranks on one host run 30 steps" '[ $? = 0 ]' || tail -5 "$T/one.log"
    FL_NETNS_MAP="$T/ns.map" timeout 300 ip netns exec "$NA" mpirun -np 2 --hostfile "$T/hosts" --bind-to none \
        -x FL_NETNS_MAP --mca plm_rsh_agent "$PWD/tests/mpi_netns_rsh.sh" \
        --mca btl tcp,self --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24" \
        sh -c 'echo "rank $OMPI_COMM_WORLD_RANK in $(ip netns identify)" >"$0.$OMPI_COMM_WORLD_RANK"; exec "$@"' \
        "$T/where" "$MF" train --data "$T/data" --out "$T/two" $S >"$T/two.log" 2>&1
    check "2 ranks in 2 namespaces over TCP run 30 steps" '[ $? = 0 ]' || tail -15 "$T/two.log"
    check "rank 0 ran in $NA and rank 1 in $NB" \
        '[ "$(cat "$T/where.0")" = "rank 0 in $NA" ] && [ "$(cat "$T/where.1")" = "rank 1 in $NB" ]'
    # each step's ring sends half the gradient (4 bytes a parameter) each way over the veth
    params=$(sed -n 's/^gpt model: \([0-9]*\) parameters.*/\1/p' "$T/one.log")
    sent=$(ip -n "$NA" -s link show "va$id" | awk '/TX:/ { getline; print $1 }')
    check "the gradients went over the veth pair: $sent bytes sent by $NA, >= 30 steps x $params x 4 / 2" \
        '[ -n "$params" ] && [ -n "$sent" ] && [ "$sent" -ge $((30 * params * 2)) ]'
    check "the two-host run gives the single-host run's metrics bit for bit, and the same checkpoint" \
        '[ "$(metrics_diff "$T/one/metrics.jsonl" "$T/two/metrics.jsonl" 0 bits)" = same ] &&
         cmp -s "$T/one/step_00000030/model.safetensors" "$T/two/step_00000030/model.safetensors"'
}
