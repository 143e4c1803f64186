#!/bin/sh
# The star-graph planning test (docs/design.md 4.6, docs/evaluation.md): generate the paper's hard
# setting (D=2 arms, L=5 nodes an arm, M=50 labels; 200,000 graphs, 1,000 held out), train GPT and
# FTP with the same encoder on the answer only (train.loss_after = the id of '='), one run per
# model and seed, and score each with `futurelm stargraph eval` (exact path, first step, rest given
# the true first step, with bootstrap intervals) into OUT/MODEL_sSEED.eval.json.
#
#   scripts/train-stargraph.sh [OUT]        (default OUT=runs/stargraph)
#
# Environment: MODELS (default "gpt ftp"), SEEDS (default "1 2 3"; a seed changes the
# initialisation and the data order, never the data), STEPS (default 15000: about 1.4 epochs at
# batch 32), JOBS (runs at a time, default 2, each single-threaded). The knob table (docs/RESULTS.md):
# FTP_SET adds --set flags to the FTP runs and FTP_TAG names that variant (runs OUT/ftp-TAG_sSEED);
# STOP_AT=N ends each run at step N of the STEPS-step schedule (train --steps: the cosine of
# train.max_steps=STEPS is kept, so a run stopped at N is comparable with a full run's step-N
# checkpoint), e.g.
#   MODELS=ftp SEEDS=1 FTP_TAG=g1 FTP_SET="--set ftp.gamma=1" STOP_AT=5000 scripts/train-stargraph.sh
# Measured on 2 cores (2026-12-01): a GPT step takes ~0.1 s on a free core, so 15,000 steps are
# ~25 min; FTP with N=9 (the whole 2L-1-token answer from one vector), P=4, one decoder layer
# ~0.2 s a step (the decoder runs only at rows whose N targets reach the answer), ~50 min. Encoder: C=128, L=4, H=4, T=46 (one example a window).
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-runs/stargraph}
MODELS=${MODELS:-gpt ftp}
SEEDS=${SEEDS:-1 2 3}
STEPS=${STEPS:-15000}
JOBS=${JOBS:-2}
FL=${FL:-./futurelm}
FTP_SET=${FTP_SET:-}
ftpname=ftp${FTP_TAG:+-$FTP_TAG}
STOP_AT=${STOP_AT:-}
case $STOP_AT in *[!0-9]*) echo "STOP_AT=$STOP_AT: need a step number" >&2; exit 2 ;; esac
stop=${STOP_AT:+--steps $STOP_AT}
[ -x "$FL" ] || make -j2 >/dev/null
mkdir -p "$OUT"
[ -f "$OUT/data/manifest.json" ] ||
    $FL stargraph generate --degree 2 --path-len 5 --nodes 50 --count 200000 --test 1000 --seed 1 --out "$OUT/data"
EQ=53 # the id of '=' for M=50 (labels 0..49, then , | / = <|endoftext|>)
COMMON="--set model.vocab_size=55 --set model.block_size=46 --set model.n_layer=4 --set model.n_head=4
        --set model.n_embd=128 --set train.batch_size=32 --set train.lr=1e-3 --set train.min_lr=1e-4
        --set train.warmup_steps=200 --set train.loss_after=$EQ --set train.threads=1 --set train.eval_every=500
        --set train.eval_batches=16 --set train.ckpt_every=1000 --set train.keep_last=100 --set train.max_steps=$STEPS"
name_of() { if [ "$1" = ftp ]; then echo "$ftpname"; else echo "$1"; fi; }
run() { # model seed
    extra=""
    [ "$1" = ftp ] && extra="--set ftp.n_future=9 --set ftp.pseudo_len=4 --set ftp.dec_layers=1 $FTP_SET"
    r=$OUT/$(name_of "$1")_s$2
    start=$(date +%s)
    # shellcheck disable=SC2086
    $FL train --model "$1" --data "$OUT/data" --out "$r" $COMMON $extra --set train.seed="$2" $stop \
        >"$r.log" 2>&1 || { echo "training $1 seed $2 failed: see $r.log" >&2; return 1; }
    echo "trained $1 seed $2 in $(( $(date +%s) - start )) s" >>"$r.log"
    $FL stargraph eval "$r" --data "$OUT/data" --threads 1 --json >"$r.eval.json"
}
n=0
for seed in $SEEDS; do
    for model in $MODELS; do
        [ -f "$OUT/$(name_of "$model")_s$seed.eval.json" ] && continue
        run "$model" "$seed" &
        n=$((n + 1))
        [ $((n % JOBS)) -eq 0 ] && wait
    done
done
wait
node scripts/stargraph-table.js "$OUT"
