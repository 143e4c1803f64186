#!/bin/sh
# Step times of data-parallel training on this host (docs/distributed.md):
# the same global batch (2 x train.batch_size windows) taken by
#   k1t1: 1 process, 1 thread, train.grad_accum=2
#   k2t1: 2 ranks (mpirun -np 2), 1 thread each
#   k1t2: 1 process, 2 threads, train.grad_accum=2
# in alternating rounds; prints each one's median step time over steps 3..N of
# every round (from metrics.jsonl's tokens_per_s) and the ratios to k1t1.
#   sh bench/dist_steps.sh DATA_DIR [ROUNDS] [STEPS] [--set k=v ...]
# Needs make and make MPI=1 (build/opt/futurelm, build/opt-mpi/futurelm).
set -eu
data=$1 rounds=${2:-3} steps=${3:-12}
shift 3 2>/dev/null || shift $#
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
S="--set train.max_steps=$steps --set train.eval_every=0 --set train.ckpt_every=0 --set train.warmup_steps=2 $*"
# shellcheck disable=SC2086
for r in $(seq "$rounds"); do
    build/opt/futurelm train --data "$data" --out "$out/k1t1-$r" $S --set train.threads=1 --set train.grad_accum=2 2>/dev/null
    mpirun -np 2 --oversubscribe --bind-to none --mca btl self,vader build/opt-mpi/futurelm train --data "$data" \
        --out "$out/k2t1-$r" $S --set train.threads=1 2>/dev/null
    build/opt/futurelm train --data "$data" --out "$out/k1t2-$r" $S --set train.threads=2 --set train.grad_accum=2 2>/dev/null
done
/usr/bin/python3 - "$out" <<'PY'
import glob, json, statistics, sys
med = {}
for c in ("k1t1", "k2t1", "k1t2"):
    t = []
    for f in glob.glob("%s/%s-*/metrics.jsonl" % (sys.argv[1], c)):
        for l in open(f):
            j = json.loads(l)
            if "tokens_per_s" in j and j["step"] >= 3: t.append(j["tokens"] / j["step"] / j["tokens_per_s"])
    med[c] = statistics.median(t)
for c in med: print("%s median step %.3f s  (%.2fx k1t1's time)" % (c, med[c], med[c] / med["k1t1"]))
PY
