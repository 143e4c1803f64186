#!/bin/sh
# train.loss_after on the command line (the maths is tests/test_loss_mask.c's): on countdown
# data with the id of ':' (the program after it is the answer), GPT and FTP train, the loss
# differs from the unmasked one, state.json records the key, a resume keeps it, and values
# that are no token id, or the end-of-text id, are refused.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

$FL countdown generate --n 400 --test 10 --seed 3 --out "$T/cd" >/dev/null 2>&1 || { bad "countdown data"; exit 1; }
S="--set model.vocab_size=18 --set model.block_size=32 --set model.n_layer=1 --set model.n_head=2
   --set model.n_embd=16 --set train.batch_size=4 --set train.warmup_steps=1 --set train.max_steps=2
   --set train.eval_every=2 --set train.eval_batches=2 --set train.ckpt_every=2 --set train.lr=1e-2"
FTP="--set ftp.n_future=3 --set ftp.pseudo_len=2 --set ftp.dec_layers=1"
first() { sed -n 's/.*"step":1,"loss":\([^,]*\),.*/\1/p' "$1/metrics.jsonl"; }
$FL train --model gpt --data "$T/cd" --out "$T/plain" $S >/dev/null 2>&1 &&
    $FL train --model gpt --data "$T/cd" --out "$T/gpt" $S --set train.loss_after=15 >"$T/log" 2>&1 &&
    $FL train --model ftp --data "$T/cd" --out "$T/ftp" $S $FTP --set train.loss_after=15 >>"$T/log" 2>&1 &&
    ok "GPT and FTP train with train.loss_after" || bad "GPT and FTP train with train.loss_after: $(tail -2 "$T/log")"
check "the masked loss is not the unmasked one" '[ -n "$(first "$T/gpt")" ] && [ "$(first "$T/gpt")" != "$(first "$T/plain")" ]'
check "validation is masked too" 'grep -q val_loss "$T/gpt/metrics.jsonl" &&
    [ "$(grep val_loss "$T/gpt/metrics.jsonl")" != "$(grep val_loss "$T/plain/metrics.jsonl")" ]'
check "state.json records train.loss_after" 'grep -q "\"train.loss_after\":15" "$T/gpt/latest/state.json" 2>/dev/null ||
    grep -q "\"train.loss_after\":15" "$T/gpt/$(cat "$T/gpt/latest")/state.json"'
$FL train --data "$T/cd" --out "$T/gpt" --resume "$T/gpt" --set train.max_steps=3 >/dev/null 2>&1
check "a resume keeps train.loss_after" 'grep -q "\"train.loss_after\":15" "$T/gpt/step_00000003/state.json"'
for v in 18 17 -2 x; do
    $FL train --model gpt --data "$T/cd" --out "$T/bad$v" $S --set train.loss_after=$v >"$T/err" 2>&1
    rc=$?
    check "train.loss_after=$v is refused with a message" '[ $rc -ne 0 ] && grep -q "train.loss_after" "$T/err"'
done
