#!/bin/sh
# Training command line: init/info, exact resume (k steps + resume k == 2k steps, bit for bit,
# both models), SIGINT writes a loadable checkpoint and exits 0, non-finite steps are skipped
# and stop the run with a clear message, bad options are refused.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
# waits (up to 60 s) until a file exists: signals are sent once training is under way
wait_for() { n=0; while [ ! -e "$1" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done; }

# a small corpus of our own text, cut into documents
tiny_corpus 400 0.2

SMALL="--set model.vocab_size=400 --set model.block_size=32 --set model.n_layer=2 --set model.n_head=2
       --set model.n_embd=32 --set train.batch_size=4 --set train.warmup_steps=2 --set train.max_steps=8
       --set train.eval_every=4 --set train.eval_batches=2 --set train.lr=3e-3 --set train.threads=2"
FTP="--set ftp.n_future=3 --set ftp.pseudo_len=2 --set ftp.dec_layers=1 --set ftp.positions=8"

losses() { grep '"loss"' "$1/metrics.jsonl" | sed 's/.*"step":\([0-9]*\),"loss":\([^,]*\),.*/\1 \2/'; }

for model in gpt ftp; do
    extra=""
    [ $model = ftp ] && extra=$FTP
    $FL train --model $model --data "$T/data" --out "$T/$model-full" $SMALL $extra 2>"$T/log" ||
        { bad "$model: 8 uninterrupted steps"; cat "$T/log"; continue; }
    $FL train --model $model --data "$T/data" --out "$T/$model-split" $SMALL $extra --steps 4 2>>"$T/log" &&
        $FL train --data "$T/data" --out "$T/$model-split" --resume "$T/$model-split" 2>>"$T/log" ||
        { bad "$model: 4 steps then resume"; cat "$T/log"; continue; }
    losses "$T/$model-full" >"$T/a"
    losses "$T/$model-split" >"$T/b"
    if [ "$(wc -l <"$T/a")" -eq 8 ] && cmp -s "$T/a" "$T/b"; then
        ok "$model: 4 steps + resume 4 == 8 uninterrupted steps, losses bit for bit ($(tail -n 1 "$T/a"))"
    else
        bad "$model: resumed losses differ"
        paste "$T/a" "$T/b"
    fi
    if $FL info "$T/$model-split" --json | grep -q '"step":8'; then ok "$model: info reports step 8"; else bad "$model: info"; fi
    n=$(ls -d "$T/$model-full"/step_* | wc -l)
    [ "$n" -le 3 ] && ok "$model: keep_last bounds the checkpoints ($n kept)" || bad "$model: $n checkpoints kept"
done

# GPT checkpoint initialises an FTP encoder
if $FL train --model ftp --data "$T/data" --out "$T/ftp-init" $SMALL $FTP --steps 1 --init-from "$T/gpt-full" 2>"$T/log" &&
    grep -q "initialised 28 tensors" "$T/log"; then
    ok "an FTP encoder initialised from a GPT checkpoint (every encoder tensor copied)"
else
    bad "init-from: $(cat "$T/log")"
fi

# SIGINT: finish the step, write a checkpoint, exit 0
$FL train --model gpt --data "$T/data" --out "$T/sig" $SMALL --set train.max_steps=100000 --set train.ckpt_every=0 \
    --set train.eval_every=0 2>"$T/siglog" &
pid=$!
wait_for "$T/sig/metrics.jsonl"
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
if [ $rc -eq 0 ] && grep -q "stopped by signal" "$T/siglog" && $FL info "$T/sig" >/dev/null 2>&1; then
    ok "SIGINT: checkpoint written and loadable, exit 0 ($(grep -o 'checkpoint: .*' "$T/siglog" | sed 's|.*/||'))"
else
    bad "SIGINT: rc $rc, $(tail -n 2 "$T/siglog")"
fi

# kill -9 at any moment: every checkpoint directory under a final name loads
$FL train --model gpt --data "$T/data" --out "$T/k9" $SMALL --set train.max_steps=100000 --set train.ckpt_every=1 \
    --set train.eval_every=0 2>/dev/null &
pid=$!
wait_for "$T/k9/latest"
sleep 1
kill -9 $pid
wait $pid 2>/dev/null
good=0 total=0
for d in "$T/k9"/step_*; do
    case "${d##*/}" in *.*) continue ;; esac # step_N.tmp-PID / .del-PID: never a final name
    total=$((total + 1))
    $FL info "$d" >/dev/null 2>&1 && good=$((good + 1))
done
if [ $total -gt 0 ] && [ $good -eq $total ] && $FL info "$T/k9" >/dev/null 2>&1; then
    ok "kill -9 mid-run: all $total checkpoints under final names load, and so does latest"
else
    bad "kill -9: $good of $total checkpoints load"
fi

# what a kill -9 leaves (NAME.tmp-PID, NAME.del-PID of a dead process) is cleaned up by the
# next run in the folder; a live process's is left alone
$FL train --model gpt --data "$T/data" --out "$T/st" $SMALL --set train.max_steps=2 --set train.ckpt_every=1 \
    --set train.eval_every=0 2>/dev/null
sh -c 'exit 0' &
dead=$!
wait $dead
mkdir "$T/st/step_00000009.tmp-$dead" "$T/st/step_00000001.del-$dead" "$T/st/step_00000008.tmp-$$"
echo x >"$T/st/step_00000009.tmp-$dead/model.safetensors"
echo step_00000009 >"$T/st/latest.tmp-$dead"
$FL train --data "$T/data" --out "$T/st" --resume "$T/st" --set train.max_steps=3 2>"$T/stlog"
check "stale checkpoint leftovers of a dead process are removed on the next run, a live one's kept" \
    '[ ! -e "$T/st/step_00000009.tmp-$dead" ] && [ ! -e "$T/st/step_00000001.del-$dead" ] &&
     [ ! -e "$T/st/latest.tmp-$dead" ] && [ -d "$T/st/step_00000008.tmp-$$" ] &&
     [ "$(grep -c "which is gone" "$T/stlog")" = 3 ] && $FL info "$T/st/step_00000003" >/dev/null 2>&1'

# state.json records any data path as valid JSON (here a tab, quotes and a backslash) and a resume reads it back
odd="$T/da	ta \"q\" \\x"
cp -r "$T/data" "$odd"
if $FL train --model gpt --data "$odd" --out "$T/odd" $SMALL --steps 1 2>"$T/e" &&
    $FL train --data "$odd" --out "$T/odd" --resume "$T/odd" --set train.max_steps=2 2>>"$T/e" &&
    grep -q '"data_dir": ".*da\\tta \\"q\\" \\\\x"' "$T/odd/step_00000002/state.json"; then
    ok "a data path with a tab, quotes and a backslash: state.json stays valid JSON, the resume reads it"
else
    bad "odd data path: $(tail -n 1 "$T/e")"
fi

# a run folder without latest (killed before it wrote one) opens its newest checkpoint
cp -r "$T/st" "$T/nolatest" && rm "$T/nolatest/latest"
$FL info "$T/nolatest" --json 2>"$T/e" | grep -q '"checkpoint":"[^"]*step_00000003"' &&
    ok "a run folder without latest: info opens its newest checkpoint" || bad "no latest: $(cat "$T/e")"

# gradient accumulation: two micro-batches a step
if $FL train --model gpt --data "$T/data" --out "$T/acc" $SMALL --set train.grad_accum=2 --set train.max_steps=2 \
    2>"$T/log" && grep -q '"step":2,.*"tokens":512,' "$T/acc/metrics.jsonl"; then
    ok "train.grad_accum=2: two micro-batches of 4x32 tokens a step (512 tokens after 2 steps)"
else
    bad "grad_accum: $(tail -n 1 "$T/log")"
fi

# non-finite: an absurd learning rate blows up; steps are skipped, the run stops with a message
$FL train --model gpt --data "$T/data" --out "$T/nan" $SMALL --set train.lr=1e30 --set train.min_lr=0 \
    --set train.warmup_steps=0 --set train.max_steps=50 --set train.max_nonfinite=3 2>"$T/nanlog"
rc=$?
if [ $rc -ne 0 ] && grep -q "non-finite steps in a row" "$T/nanlog"; then
    ok "non-finite steps skipped, the run stops after train.max_nonfinite with a clear message"
else
    bad "non-finite handling: rc $rc $(tail -n 1 "$T/nanlog")"
fi
if ls "$T/nan"/step_* >/dev/null 2>&1; then
    good=1
    for d in "$T/nan"/step_*; do $FL info "$d" >/dev/null 2>&1 || good=0; done
    [ $good = 1 ] && ok "every checkpoint of the blown-up run loads" || bad "a checkpoint of the blown-up run fails to load"
else
    ok "no checkpoint was written from non-finite weights"
fi

# bad input
$FL train --data "$T/data" --out "$T/x" --set model.n_head=5 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "futurelm: error: .*model.n_head" "$T/e" && ok "bad config refused naming the key" || bad "bad config: $(cat "$T/e")"
$FL train --data "$T/nope" --out "$T/x" 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "futurelm: error:" "$T/e" && ok "missing data dir refused" || bad "missing data: $(cat "$T/e")"
$FL info "$T/nope" 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "futurelm: error:" "$T/e" && ok "info on a missing checkpoint is an error, not a crash" || bad "info missing"
$FL train --data "$T/data" --out "$T/x" --set train.lrr=1 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "did you mean 'train.lr'" "$T/e" && ok "unknown key: the nearest key is suggested" || bad "unknown key: $(cat "$T/e")"
$FL train --data "$T/data" --out "$T/x" --set train.batch_size=two 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "train.batch_size" "$T/e" && ok "value of the wrong type refused" || bad "wrong type: $(cat "$T/e")"
$FL train --model ftp --data "$T/data" --out "$T/gpt-full" --resume "$T/gpt-full" 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "disagrees with model.type=ftp" "$T/e" && ok "resume with another model type refused" || bad "resume other model: $(cat "$T/e")"
$FL train --data "$T/data" --out "$T/gpt-full" --resume "$T/gpt-full" --set model.n_layer=3 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "model.n_layer=3" "$T/e" && ok "resume with another config refused" || bad "resume other config: $(cat "$T/e")"
ck=$(ls -d "$T/gpt-full"/step_* | tail -n 1)
cp -r "$ck" "$T/trunc"
size=$(wc -c <"$T/trunc/model.safetensors")
head -c $((size - 100)) "$ck/model.safetensors" >"$T/trunc/model.safetensors"
$FL info "$T/trunc" 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "futurelm: error: .*model.safetensors" "$T/e" && ok "truncated safetensors refused ($(sed 's/.*safetensors: //' "$T/e"))" || bad "truncated: $(cat "$T/e")"
printf 'garbage' | dd of="$T/trunc/model.safetensors" bs=1 seek=8 conv=notrunc 2>/dev/null
$FL info "$T/trunc" 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "futurelm: error:" "$T/e" && ok "corrupted safetensors header refused" || bad "corrupted: $(cat "$T/e")"
mkdir -p "$T/empty"
$FL train --data "$T/empty" --out "$T/x" 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "futurelm: error:" "$T/e" && ok "data directory without shards refused" || bad "no shards: $(cat "$T/e")"

# full disk while writing a checkpoint: a clear error, the previous checkpoint intact, no debris
if [ "$(id -u)" = 0 ] && mkdir -p "$T/small" && mount -t tmpfs -o size=900k tmpfs "$T/small" 2>/dev/null; then
    $FL train --model gpt --data "$T/data" --out "$T/small/run" $SMALL --set train.ckpt_every=2 \
        --set train.eval_every=0 2>"$T/e"
    rc=$?
    latest=$(cat "$T/small/run/latest" 2>/dev/null)
    debris=$(ls -d "$T/small/run"/*.tmp-* 2>/dev/null | wc -l)
    if [ $rc -ne 0 ] && grep -q "futurelm: error: .*No space left" "$T/e" && [ "$latest" = step_00000002 ] &&
        [ "$debris" -eq 0 ] && $FL info "$T/small/run" >/dev/null 2>&1; then
        ok "full disk: clear error, the previous checkpoint ($latest) still loads, no partial files"
    else
        bad "full disk: rc $rc, latest '$latest', $debris partial, $(tail -n 1 "$T/e")"
    fi
    umount "$T/small"
else
    echo "# full-disk test skipped: needs root and a tmpfs mount"
fi
