#!/bin/sh
# Fine-tuning controls (train.freeze_layers, freeze_encoder, layer_lr_decay, reinit_top;
# docs/training.md "Fine-tuning") on the command line, against the PyTorch reference
# trainer (tests/reference/train_reference.py, which applies the documented convention from
# the tensor names): every step's loss within 1e-3 relative, as tests/test_train_vs_torch.sh;
# every tensor the convention freezes bit for bit as initialised with AdamW moments of exactly
# 0, every other one moved; a resume with freezing is exact and keeps it; bad values refused.
# (The model-level checks, gradients and moments of frozen tensors over 20 steps and the
# redraw of the top blocks, are tests/test_freeze.c's.)
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
PY=${PYTHON:-/usr/bin/python3}
REF=tests/reference/train_reference.py
tiny_corpus 300 0.1
STEPS=20 B=4 LR=3e-3 MIN=3e-4 WARM=5 WD=0.1 CLIP=1.0
ARGS="--set model.vocab_size=300 --set model.block_size=24 --set model.n_layer=3 --set model.n_head=2
      --set model.n_embd=32 --set train.seed=7"
FTP="--set ftp.n_future=3 --set ftp.pseudo_len=2 --set ftp.dec_layers=1"
TRAIN="--set train.batch_size=$B --set train.max_steps=$STEPS --set train.lr=$LR --set train.min_lr=$MIN
       --set train.warmup_steps=$WARM --set train.weight_decay=$WD --set train.grad_clip=$CLIP
       --set train.eval_every=0 --set train.ckpt_every=0"
losses() { grep '"loss"' "$1/metrics.jsonl" | sed 's/.*"step":\([0-9]*\),"loss":\([^,]*\),.*/\1 \2/'; }

# name, model type, extra model keys, freeze_layers, freeze_encoder, layer_lr_decay
parity() {
    name=$1 type=$2 extra=$3 k=$4 enc=$5 decay=$6
    ctl="--set train.freeze_layers=$k --set train.freeze_encoder=$enc --set train.layer_lr_decay=$decay"
    $FL init --model $type $ARGS $extra --out "$T/$name-init" >/dev/null &&
        $FL train --model $type --data "$T/data" --out "$T/$name" $ARGS $extra $TRAIN $ctl \
            --dump-batches "$T/$name.batches" 2>"$T/log" ||
        { bad "$name: futurelm init/train: $(tail -n 1 "$T/log")"; return; }
    grep -q "^fine-tuning: " "$T/log" && ok "$name: the log says what trains ($(grep '^fine-tuning' "$T/log"))" ||
        bad "$name: no fine-tuning line in the log"
    losses "$T/$name" >"$T/c"
    "$PY" $REF "$T/$name-init" "$T/$name.batches" $STEPS $B $LR $MIN $WARM $WD $CLIP $k $enc $decay \
        >"$T/t" 2>"$T/pylog" || { bad "$name: reference trainer failed: $(tail -n 1 "$T/pylog")"; return; }
    torch_match "$name" $STEPS "$T/c" "$T/t"
    out=$("$PY" $REF --frozen "$T/$name-init" "$T/$name/$(cat "$T/$name/latest")" $k $enc 2>&1) &&
        ok "$name: $out" || bad "$name: $out"
}
parity gpt-freeze1-decay gpt "" 1 0 0.8
parity gpt-decay gpt "" 0 0 0.7
parity ftp-encoder ftp "$FTP" 0 1 1
parity ftp-untied-freeze2 ftp "$FTP --set ftp.tie_dec_embd=0" 2 0 0.9

# Resume with freezing: 4 steps + resume 4 == 8 in one go, bit for bit; state.json keeps the keys
CTL="--set train.freeze_layers=1 --set train.layer_lr_decay=0.8"
R8="$ARGS $FTP $TRAIN --set train.max_steps=8 $CTL"
$FL train --model ftp --data "$T/data" --out "$T/full" $R8 2>"$T/log" &&
    $FL train --model ftp --data "$T/data" --out "$T/split" $R8 --steps 4 2>>"$T/log" &&
    $FL train --data "$T/data" --out "$T/split" --resume "$T/split" 2>>"$T/log" ||
    bad "resume with freezing: $(tail -n 1 "$T/log")"
losses "$T/full" >"$T/a"
losses "$T/split" >"$T/b"
[ "$(wc -l <"$T/a")" -eq 8 ] && cmp -s "$T/a" "$T/b" &&
    ok "freeze_layers=1 + layer_lr_decay=0.8: 4 steps + resume 4 == 8 steps, losses bit for bit" ||
    bad "resume with freezing: losses differ: $(paste "$T/a" "$T/b" | tr '\n' ' ')"
st="$T/split/$(cat "$T/split/latest")/state.json"
check "state.json records the fine-tuning keys" \
    'grep -q "\"train.freeze_layers\":1" "$st" && grep -q "\"train.layer_lr_decay\":0.800000012" "$st"'
$FL init --model ftp $ARGS $FTP --out "$T/r-init" >/dev/null
out=$("$PY" $REF --frozen "$T/r-init" "$T/split/$(cat "$T/split/latest")" 1 0 2>&1) &&
    ok "after the resume: $out" || bad "after the resume: $out"

# Bad values, each refused with a message naming the key
BAD="$ARGS $TRAIN --set train.max_steps=1"
refused "train.freeze_layers above model.n_layer is refused" "train.freeze_layers=4 is more than" \
    $FL train --model gpt --data "$T/data" --out "$T/b1" $BAD --set train.freeze_layers=4
refused "train.freeze_layers=-1 is refused" "train.freeze_layers must be" \
    $FL train --model gpt --data "$T/data" --out "$T/b2" $BAD --set train.freeze_layers=-1
for d in 0 1.5 -0.5; do
    refused "train.layer_lr_decay=$d is refused" "train.layer_lr_decay must be in (0, 1]" \
        $FL train --model gpt --data "$T/data" --out "$T/b3$d" $BAD --set train.layer_lr_decay=$d
done
refused "train.freeze_encoder on a GPT is refused" "train.freeze_encoder=1 needs an FTP model" \
    $FL train --model gpt --data "$T/data" --out "$T/b4" $BAD --set train.freeze_encoder=1
refused "train.freeze_encoder=2 is refused" "train.freeze_encoder must be 0 or 1" \
    $FL train --model ftp --data "$T/data" --out "$T/b5" $BAD $FTP --set train.freeze_encoder=2
refused "train.reinit_top without --init-from is refused" "without --init-from" \
    $FL train --model gpt --data "$T/data" --out "$T/b6" $BAD --set train.reinit_top=1
refused "train.reinit_top above model.n_layer is refused" "train.reinit_top=4 is more than" \
    $FL train --model gpt --data "$T/data" --out "$T/b7" $BAD --set train.reinit_top=4 --init-from "$T/gpt-decay"
refused "train.reinit_top over frozen blocks is refused" "would freeze redrawn blocks" \
    $FL train --model gpt --data "$T/data" --out "$T/b8" $BAD --set train.reinit_top=2 --set train.freeze_layers=2 \
    --init-from "$T/gpt-decay"
refused "train.reinit_top with train.freeze_encoder is refused" "would freeze redrawn blocks" \
    $FL train --model ftp --data "$T/data" --out "$T/b9" $BAD $FTP --set train.reinit_top=1 \
    --set train.freeze_encoder=1 --init-from "$T/gpt-decay"
if $FL train --model ftp --data "$T/data" --out "$T/ok1" $BAD $FTP --set train.reinit_top=1 --set train.freeze_layers=2 \
    --init-from "$T/gpt-decay" 2>"$T/log" && grep -q "blocks 2..2 redrawn" "$T/log"; then
    ok "an FTP from a GPT checkpoint with its top block redrawn and the two below frozen trains"
else
    bad "reinit_top=1 freeze_layers=2 from --init-from: $(tail -n 2 "$T/log")"
fi
