# Shared by tests/test_mpi*.sh (sourced after tests/lib.sh):
#   MF                 the MPI build of futurelm (build/opt-mpi, made here with make MPI=1)
#   mpi NP CMD...      mpirun -np NP on this host, as root where we are root, oversubscribed
#   metrics_diff A B FROM rel|bits   compares the lines of metrics.jsonl B after step FROM
#                      with A's lines of the same step: rel prints the worst relative
#                      difference of the losses; bits prints "same" when every field but
#                      tokens_per_s is identical (else the first difference)
# Without Open MPI the test skips with its reason, unless FL_REQUIRE_MPI is set (.ci/run).
if ! command -v mpicc >/dev/null 2>&1 || ! command -v mpirun >/dev/null 2>&1; then
    if [ -n "${FL_REQUIRE_MPI:-}" ]; then
        bad "Open MPI (mpicc, mpirun) is not installed, and FL_REQUIRE_MPI says the MPI tests must run"
        exit 1
    fi
    echo "skip - Open MPI is not installed (apt-get install openmpi-bin libopenmpi-dev): MPI tests not run"
    exit 0
fi
# a make of its own: not the switches (SANITIZE=1, ...) of a make test that runs this script
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -j2 MPI=1 build/opt-mpi/futurelm >"$T/make-mpi.log" 2>&1 || {
    bad "make MPI=1 builds build/opt-mpi/futurelm"
    tail -n 20 "$T/make-mpi.log"
    exit 1
}
MF=build/opt-mpi/futurelm
# Open MPI refuses root unless both are set; the tests run as root in CI containers.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPI_BTL=${FL_MPI_BTL:-self,vader}
mpi() {
    _np=$1
    shift
    timeout 300 mpirun -np "$_np" --oversubscribe --bind-to none --mca btl "$MPI_BTL" "$@"
}
metrics_diff() {
    "${PYTHON:-/usr/bin/python3}" - "$@" <<'PY'
import json, sys
a, b, start, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def lines(p):
    out = {}
    for l in open(p):
        j = json.loads(l)
        out[(j["step"], "val_loss" in j)] = j
    return out
A, B = lines(a), lines(b)
keys = [k for k in B if k[0] > start]
if not keys or any(k not in A for k in keys):
    print("missing"); sys.exit()
worst = 0.0
for k in sorted(keys):
    x, y = A[k], B[k]
    if mode == "bits":
        for f in x:
            if f != "tokens_per_s" and x[f] != y.get(f):
                print("step %d %s: %r vs %r" % (k[0], f, x[f], y.get(f))); sys.exit()
        continue
    pairs = [(x[f], y[f]) for f in ("loss", "next_token_loss", "val_loss", "val_next_token_loss") if f in x]
    pairs += list(zip(x.get("val_offsets", []), y.get("val_offsets", [])))
    for u, v in pairs:
        worst = max(worst, abs(u - v) / max(abs(u), 1e-30))
print("same" if mode == "bits" else "%.3g" % worst)
PY
}
