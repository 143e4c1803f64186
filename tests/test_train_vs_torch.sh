#!/bin/sh
# 50 steps of `futurelm train` against the PyTorch reference trainer
# (tests/reference/train_reference.py): same initial weights (futurelm init, same seed),
# same batches (--dump-batches), same schedule, clipping and AdamW. Every step's loss
# must agree within 1e-3 relative, for GPT, for FTP and for FTP with an untied decoder
# embedding (ftp.tie_dec_embd=0).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
PY=${PYTHON:-/usr/bin/python3}
tiny_corpus 300 0.1
STEPS=50 B=4 LR=3e-3 MIN=3e-4 WARM=5 WD=0.1 CLIP=1.0
ARGS="--set model.vocab_size=300 --set model.block_size=24 --set model.n_layer=2 --set model.n_head=2
      --set model.n_embd=32 --set train.seed=7"
TRAIN="--set train.batch_size=$B --set train.max_steps=$STEPS --set train.lr=$LR --set train.min_lr=$MIN
       --set train.warmup_steps=$WARM --set train.weight_decay=$WD --set train.grad_clip=$CLIP
       --set train.eval_every=0 --set train.ckpt_every=0"
for model in gpt ftp ftp-untied; do
    type=${model%-untied} extra=""
    [ $type = ftp ] && extra="--set ftp.n_future=3 --set ftp.pseudo_len=2 --set ftp.dec_layers=1"
    [ $model = ftp-untied ] && extra="$extra --set ftp.tie_dec_embd=0"
    $FL init --model $type $ARGS $extra --out "$T/$model-init" >/dev/null &&
        $FL train --model $type --data "$T/data" --out "$T/$model" $ARGS $extra $TRAIN \
            --dump-batches "$T/$model.batches" 2>"$T/log" ||
        { echo "not ok - $model: futurelm init/train: $(tail -n 1 "$T/log")"; continue; }
    grep '"loss"' "$T/$model/metrics.jsonl" | sed 's/.*"step":\([0-9]*\),"loss":\([^,]*\),.*/\1 \2/' >"$T/c"
    "$PY" tests/reference/train_reference.py "$T/$model-init" "$T/$model.batches" $STEPS $B $LR $MIN $WARM $WD $CLIP \
        >"$T/t" 2>"$T/pylog" || { echo "not ok - $model: reference trainer failed: $(tail -n 1 "$T/pylog")"; continue; }
    torch_match "$model" $STEPS "$T/c" "$T/t"
done
