#!/bin/sh
# Train a GPT and an FTP model with the same encoder on real text (State of the
# Union addresses + the Brown corpus), for the generation benchmark
# (bench/generate.sh) and the evaluations.
#
#   scripts/train-text.sh [OUT]        (default OUT=runs/text)
#
# Environment: STEPS (default 1500) training steps per model; THREADS (default:
# OMP_NUM_THREADS or all cores). Outputs OUT/{tokenizer.tiktoken,data,gpt,ftp}.
# The encoder is C=192, L=6, H=6, T=128 over a 4,096-token BPE vocabulary; the FTP
# head predicts N=4 tokens through P=4 pseudo-tokens and a 2-layer decoder.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-runs/text}
STEPS=${STEPS:-1500}
FL=./futurelm
[ -x "$FL" ] || make -j2 >/dev/null
start=$(date +%s)
sh scripts/get-data.sh sotu brown
mkdir -p "$OUT"
if [ ! -f "$OUT/tokenizer.tiktoken" ]; then
    $FL tokenizer train --vocab-size 4096 --input data/sotu/text data/brown/text --out "$OUT/tokenizer.tiktoken"
fi
if [ ! -f "$OUT/data/manifest.json" ]; then
    $FL prepare --tokenizer "$OUT/tokenizer.tiktoken" --input data/sotu/text data/brown/text \
        --out "$OUT/data" --val-fraction 0.05
fi
COMMON="--set model.vocab_size=4096 --set model.block_size=128 --set model.n_layer=6 --set model.n_head=6
        --set model.n_embd=192 --set train.batch_size=16 --set train.max_steps=$STEPS --set train.warmup_steps=100
        --set train.lr=1.5e-3 --set train.min_lr=1.5e-4 --set train.eval_every=250 --set train.eval_batches=16
        --set train.ckpt_every=250 --set train.keep_last=8"
$FL train --model gpt --data "$OUT/data" --out "$OUT/gpt" $COMMON
$FL train --model ftp --data "$OUT/data" --out "$OUT/ftp" $COMMON --set ftp.n_future=4 --set ftp.pseudo_len=4 \
    --set ftp.dec_layers=2 --set ftp.positions=32
echo "== trained in $(( $(date +%s) - start )) s: $OUT/gpt, $OUT/ftp"
