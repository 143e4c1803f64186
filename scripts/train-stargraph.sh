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
# batch 32), JOBS (runs at a time, default 2, each single-threaded).
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
[ -x "$FL" ] || make -j2 >/dev/null
mkdir -p "$OUT"
[ -f "$OUT/data/manifest.json" ] ||
    $FL stargraph generate --degree 2 --path-len 5 --nodes 50 --count 200000 --test 1000 --seed 1 --out "$OUT/data"
EQ=53 # the id of '=' for M=50 (labels 0..49, then , | / = <|endoftext|>)
COMMON="--set model.vocab_size=55 --set model.block_size=46 --set model.n_layer=4 --set model.n_head=4
        --set model.n_embd=128 --set train.batch_size=32 --set train.lr=1e-3 --set train.min_lr=1e-4
        --set train.warmup_steps=200 --set train.loss_after=$EQ --set train.threads=1 --set train.eval_every=500
        --set train.eval_batches=16 --set train.ckpt_every=1000 --set train.keep_last=100 --set train.max_steps=$STEPS"
run() { # model seed
    extra=""
    [ "$1" = ftp ] && extra="--set ftp.n_future=9 --set ftp.pseudo_len=4 --set ftp.dec_layers=1"
    start=$(date +%s)
    # shellcheck disable=SC2086
    $FL train --model "$1" --data "$OUT/data" --out "$OUT/$1_s$2" $COMMON $extra --set train.seed="$2" \
        >"$OUT/$1_s$2.log" 2>&1 || { echo "training $1 seed $2 failed: see $OUT/$1_s$2.log" >&2; return 1; }
    echo "trained $1 seed $2 in $(( $(date +%s) - start )) s" >>"$OUT/$1_s$2.log"
    $FL stargraph eval "$OUT/$1_s$2" --data "$OUT/data" --threads 1 --json >"$OUT/$1_s$2.eval.json"
}
n=0
for seed in $SEEDS; do
    for model in $MODELS; do
        [ -f "$OUT/${model}_s$seed.eval.json" ] && continue
        run "$model" "$seed" &
        n=$((n + 1))
        [ $((n % JOBS)) -eq 0 ] && wait
    done
done
wait
node scripts/stargraph-table.js "$OUT"
