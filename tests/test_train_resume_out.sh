#!/bin/sh
# train --resume without --out continues in the resumed run's folder (a run folder, or the
# folder holding a RUN/step_N checkpoint), exactly as with --out naming that folder; --out
# naming another folder still starts the continuation there; a checkpoint in no run folder,
# or neither option, is a usage error.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
FL=$(cd "$(dirname "$FL")" && pwd)/$(basename "$FL") # absolute: one run starts in $T
tiny_corpus 400 0.2
SMALL="--set model.vocab_size=400 --set model.block_size=32 --set model.n_layer=1 --set model.n_head=2
       --set model.n_embd=32 --set train.batch_size=4 --set train.warmup_steps=2 --set train.max_steps=8
       --set train.eval_every=4 --set train.eval_batches=2 --set train.lr=3e-3"
losses() { grep '"loss"' "$1/metrics.jsonl" | sed 's/.*"step":\([0-9]*\),"loss":\([^,]*\),.*/\1 \2/'; }

# shellcheck disable=SC2086
$FL train --data "$T/data" --out "$T/full" $SMALL 2>"$T/log" || { bad "8 uninterrupted steps: $(tail -n 2 "$T/log")"; exit 1; }
losses "$T/full" >"$T/a"
for form in run ckpt; do
    # shellcheck disable=SC2086
    $FL train --data "$T/data" --out "$T/$form" $SMALL --steps 4 2>"$T/log" || { bad "$form: 4 steps"; continue; }
    target="$T/$form"
    [ $form = ckpt ] && target="$T/$form/step_00000004"
    if (cd "$T" && $FL train --data data --resume "${target#"$T"/}") 2>"$T/log"; then
        losses "$T/$form" >"$T/b"
        check "--resume $(basename "$target") without --out continues in $form: 4 + 4 steps == 8, bit for bit" \
            '[ "$(wc -l <"$T/a")" -eq 8 ] && cmp -s "$T/a" "$T/b"'
        check "... and its latest is step 8" '[ "$(cat "$T/$form/latest")" = step_00000008 ]'
    else
        bad "--resume $(basename "$target") without --out: $(tail -n 2 "$T/log")"
    fi
done
# --out elsewhere: today's behaviour, the continuation goes to the new folder, the old one is untouched
before=$(ls "$T/run" | tr '\n' ' ')
$FL train --data "$T/data" --resume "$T/run/step_00000004" --out "$T/other" --set train.max_steps=6 2>"$T/log" || cat "$T/log"
check "--resume CKPT --out OTHER writes OTHER (latest step 6) and leaves the resumed run as it was" \
    '[ "$(cat "$T/other/latest" 2>/dev/null)" = step_00000006 ] && [ "$(ls "$T/run" | tr "\n" " ")" = "$before" ]'
$FL init --out "$T/lone" --set model.vocab_size=400 --set model.block_size=32 --set model.n_layer=1 \
    --set model.n_head=2 --set model.n_embd=32 >/dev/null 2>&1
$FL train --data "$T/data" --resume "$T/lone" 2>"$T/e"
rc=$?
check "--resume of a checkpoint in no run folder, without --out: exit 2, asks for --out" \
    '[ $rc -eq 2 ] && grep -q "futurelm: error: .*give --out RUN_DIR" "$T/e" && [ ! -e "$T/step_00000001" ]'
$FL train --data "$T/data" 2>"$T/e"
rc=$?
check "neither --out nor --resume: exit 2, missing --out RUN_DIR" '[ $rc -eq 2 ] && grep -q "missing --out RUN_DIR" "$T/e"'
# --resume without --data: the data folder the run recorded (relative to the run folder), from anywhere
# shellcheck disable=SC2086
$FL train --data "$T/data" --out "$T/nodata" $SMALL --steps 4 2>"$T/log" || bad "nodata: 4 steps"
mkdir -p "$T/far/away"
if (cd "$T/far/away" && $FL train --resume ../../nodata) 2>"$T/log"; then
    losses "$T/nodata" >"$T/b"
    check "--resume RUN alone (no --data, no --out) trains on the recorded data: 4 + 4 steps == 8, bit for bit" \
        '[ "$(wc -l <"$T/a")" -eq 8 ] && cmp -s "$T/a" "$T/b" && grep -q "resuming on the data the run recorded" "$T/log"'
else
    bad "--resume RUN without --data: $(tail -n 2 "$T/log")"
fi
$FL train --out "$T/x" 2>"$T/e"
rc=$?
check "neither --data nor --resume: exit 2, missing --data DATA_DIR" '[ $rc -eq 2 ] && grep -q "missing --data DATA_DIR" "$T/e"'
# --resume with --data: the folder the run recorded (another path to it) is taken silently; another
# folder gets one note naming both (the recorded one is now the link, as the last resume gave it),
# and the resume goes on with the one given
ln -s "$T/data" "$T/data-link"
$FL train --resume "$T/nodata" --data "$T/data-link" --set train.max_steps=9 2>"$T/log"
check "--resume --data through a link to the recorded folder: no note" \
    '[ $? = 0 ] && ! grep -q "note: the run was trained on" "$T/log"'
cp -r "$T/data" "$T/data-copy"
$FL train --resume "$T/nodata" --data "$T/data-copy" --set train.max_steps=10 2>"$T/log"
check "--resume --data OTHER: one note names the recorded folder and the one given, and it trains" \
    '[ $? = 0 ] && [ "$(grep -c "note: the run was trained on .*/data-link (as recorded); resuming on .*/data-copy" "$T/log")" = 1 ] &&
     [ "$(cat "$T/nodata/latest")" = step_00000010 ]'
