#!/bin/sh
# Train a GPT and an FTP model with the same encoder on real text (State of the
# Union addresses + the Brown corpus), for the generation benchmark
# (bench/generate.sh) and the evaluations.
#
#   scripts/train-text.sh [OUT]        (default OUT=runs/text)
#
# Environment: GPT_STEPS (default 5000) and FTP_STEPS (default 4000) training steps
# (about 35 minutes on 2 cores; 500 / 800 take 7). SEED (default: none, train.seed's
# default): with SEED=S the runs are OUT/gpt-seedS and OUT/ftp-seedS, trained with
# train.seed=S, which changes the initialisation and the data order, never the data
# (the tokenizer and shards in OUT are shared by every seed).
# Every checkpoint is kept (and evaluated) so futurelm compare can pick the two
# at a matched loss. The two models train at the same time, one thread each: on a small shared
# machine two single-threaded runs lose far less to each other than two
# OpenMP teams do. Outputs OUT/{tokenizer.tiktoken,data,gpt,ftp}.
# The encoder is C=128, L=6, H=4, T=128 over a 4,096-token BPE vocabulary; the FTP
# head predicts N=4 tokens through P=4 pseudo-tokens and a 2-layer decoder.
# For the scale ladder and the design-knob table (docs/RESULTS.md): C sets the encoder
# width (model.n_embd, default 128; H=4 heads at every width); MODELS (default "gpt ftp")
# trains only the models named; FTP_SET adds --set flags to the FTP run only and FTP_TAG
# names that variant (runs OUT/ftp-TAG-seedS), e.g.
#   SEED=1 MODELS=ftp FTP_TAG=g1 FTP_SET="--set ftp.gamma=1" scripts/train-text.sh
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-runs/text}
GPT_STEPS=${GPT_STEPS:-5000}
FTP_STEPS=${FTP_STEPS:-4000}
FL=${FL:-./futurelm}
[ -x "$FL" ] || make -j2 >/dev/null
SEED=${SEED:-}
sfx=${SEED:+-seed$SEED}
C=${C:-128}
MODELS=${MODELS:-gpt ftp}
FTP_SET=${FTP_SET:-}
ftpname=ftp${FTP_TAG:+-$FTP_TAG}
case $C in '' | *[!0-9]*) echo "C=$C: need a positive integer (the encoder width)" >&2; exit 2 ;; esac
seedset=${SEED:+--set train.seed=$SEED}
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
COMMON="--set model.vocab_size=4096 --set model.block_size=128 --set model.n_layer=6 --set model.n_head=4
        --set model.n_embd=$C --set train.batch_size=16 --set train.warmup_steps=100
        --set train.lr=2e-3 --set train.min_lr=2e-4 --set train.eval_every=${EVERY:-250} --set train.eval_batches=16
        --set train.ckpt_every=${EVERY:-250} --set train.keep_last=1000"
gpt=
case " $MODELS " in *" gpt "*)
    OMP_NUM_THREADS=1 $FL train --model gpt --data "$OUT/data" --out "$OUT/gpt$sfx" $COMMON $seedset \
        --set train.max_steps=$GPT_STEPS >"$OUT/gpt$sfx.log" 2>&1 &
    gpt=$! ;;
esac
ftp=0
case " $MODELS " in *" ftp "*)
    # shellcheck disable=SC2086 # FTP_SET is a list of flags
    OMP_NUM_THREADS=1 $FL train --model ftp --data "$OUT/data" --out "$OUT/$ftpname$sfx" $COMMON $seedset \
        --set train.max_steps=$FTP_STEPS --set ftp.n_future=4 --set ftp.pseudo_len=4 --set ftp.dec_layers=2 \
        --set ftp.positions=32 $FTP_SET >"$OUT/$ftpname$sfx.log" 2>&1 || ftp=$? ;;
esac
[ -z "$gpt" ] || wait $gpt || { echo "GPT training failed: see $OUT/gpt$sfx.log" >&2; exit 1; }
[ $ftp = 0 ] || { echo "FTP training failed: see $OUT/$ftpname$sfx.log" >&2; exit 1; }
for m in $MODELS; do
    case $m in ftp) n=$ftpname ;; *) n=$m ;; esac
    tail -n 1 "$OUT/$n$sfx.log"
done
echo "== trained in $(( $(date +%s) - start )) s ($MODELS) in $OUT"
