#!/bin/sh
# Train models on the countdown coding task (docs/design.md 4.5): generate the data,
# then an FTP model (and, with MODELS="gpt ftp", a GPT with the same encoder).
#
#   scripts/train-countdown.sh [OUT]      (default OUT=runs/countdown)
#
# Environment: STEPS (default 2000, about 10 minutes on 2 cores), MODELS (default "ftp"), EXAMPLES (default 200000),
# FTP_POSITIONS (default 0: the decoder trains on all 64 positions of each window; 16 = a random 16
# of them, a quarter of the decoder work per step but a much worse model: validation next-token
# loss 1.594 instead of 1.509 after 2000 steps; all positions took 23 minutes on one thread beside
# other work), SEED (default: none, train.seed's default; SEED=S trains OUT/MODEL-seedS with
# train.seed=S: another initialisation and data order, the same data). Every checkpoint (one per 250 steps) is kept, so `futurelm compare` can match losses.
# Each model trains single-threaded (runs in parallel when MODELS names both).
# The encoder is C=128, L=6, H=4, T=64 over the 18-word countdown vocabulary; the
# FTP head predicts N=4 tokens through P=4 pseudo-tokens and a 2-layer decoder.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-runs/countdown}
STEPS=${STEPS:-2000}
MODELS=${MODELS:-ftp}
EXAMPLES=${EXAMPLES:-200000}
FTP_POSITIONS=${FTP_POSITIONS:-0}
FL=${FL:-./futurelm}
SEED=${SEED:-}
sfx=${SEED:+-seed$SEED}
seedset=${SEED:+--set train.seed=$SEED}
start=$(date +%s)
mkdir -p "$OUT"
[ -f "$OUT/data/manifest.json" ] || $FL countdown generate --n "$EXAMPLES" --out "$OUT/data" --seed 1337
COMMON="--set model.vocab_size=18 --set model.block_size=64 --set model.n_layer=6 --set model.n_head=4
        --set model.n_embd=128 --set train.batch_size=32 --set train.max_steps=$STEPS --set train.warmup_steps=50
        --set train.lr=2e-3 --set train.min_lr=2e-4 --set train.eval_every=250 --set train.eval_batches=8
        --set train.ckpt_every=250 --set train.keep_last=1000"
pids=""
for model in $MODELS; do
    extra=""
    [ "$model" = ftp ] && extra="--set ftp.n_future=4 --set ftp.pseudo_len=4 --set ftp.dec_layers=2 --set ftp.positions=$FTP_POSITIONS"
    OMP_NUM_THREADS=1 $FL train --model "$model" --data "$OUT/data" --out "$OUT/$model$sfx" $COMMON $seedset $extra \
        >"$OUT/$model$sfx.log" 2>&1 &
    pids="$pids $!"
done
for p in $pids; do wait "$p" || { echo "training failed: see $OUT/*.log" >&2; exit 1; }; done
echo "== trained in $(( $(date +%s) - start )) s: $OUT ($MODELS${SEED:+, seed $SEED})"
