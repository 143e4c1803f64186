#!/bin/sh
# Bad input gets a clear error and loses nothing: regressions of issue 14's reproductions
# that live in checkpoints, run folders and training (each failed before its fix; run with
# FL_BUILD=/path/to/old to see). Deletion: a command never deletes or renames what it did
# not write. Loading: state.json typed and ranged, sizes checked before allocating, every
# weight finite. Training: metrics write errors fail the run; numbers are strict.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

tiny="--set model.vocab_size=300 --set model.block_size=16 --set model.n_layer=1 --set model.n_head=1
      --set model.n_embd=16 --set train.batch_size=2 --set train.warmup_steps=1 --set train.eval_every=0"
err1() { [ "$1" -eq 1 ] && grep -q "^futurelm: error: .*$2" "$T/out"; }

# ---- 1. init --out P on an existing path: refused, nothing moved or deleted
mkdir -p "$T/victim" && echo precious >"$T/victim/notes.txt"
$FL init --out "$T/victim" $tiny >"$T/out" 2>&1; rc=$?
check "init --out on a folder of other files: refused, exit 1" 'err1 $rc "holds files other than a checkpoint"'
check "and the folder keeps its file (nothing under victim.del-*)" '[ "$(cat "$T/victim/notes.txt")" = precious ] && ! ls -d "$T"/victim.* >/dev/null 2>&1'
ln -s "$T/victim" "$T/link"
$FL init --out "$T/link" $tiny >"$T/out" 2>&1; rc=$?
check "init --out on a symbolic link to a folder: refused, the target's files kept" 'err1 $rc "symbolic link" && [ -L "$T/link" ] && [ -f "$T/victim/notes.txt" ]'
echo keep >"$T/plain"
$FL init --out "$T/plain" $tiny >"$T/out" 2>&1; rc=$?
check "init --out on a plain file: refused, the file not renamed" 'err1 $rc "not a folder" && [ "$(cat "$T/plain")" = keep ]'
$FL init --out "$T/ck" $tiny >/dev/null 2>&1 && $FL init --out "$T/ck" $tiny --set train.seed=7 >"$T/out" 2>&1; rc=$?
check "init --out on its own earlier checkpoint replaces it" '[ $rc -eq 0 ] && [ -f "$T/ck/model.safetensors" ] && ! ls -d "$T"/ck.* >/dev/null 2>&1'
mkdir "$T/empty"
$FL init --out "$T/empty" $tiny >/dev/null 2>&1
check "init --out on an empty folder writes the checkpoint there" '[ -f "$T/empty/model.safetensors" ]'
$FL init --help >"$T/out"; rc=$?
check "init --help says what an existing --out gets" '[ $rc -eq 0 ] && grep -q "refused and left untouched" "$T/out"'
$FL init $tiny >"$T/out" 2>&1; rc=$?
check "init without --out: usage error, exit 2" '[ $rc -eq 2 ] && grep -q "^futurelm: error: missing --out" "$T/out"'

# ---- 2. pruning never follows a symlinked step_* (a run folder unpacked from an archive)
tiny_corpus 300 0.2
$FL train --data "$T/data" --out "$T/run" $tiny --set train.max_steps=2 --set train.ckpt_every=1 >/dev/null 2>&1
mkdir -p "$T/v2" && echo precious >"$T/v2/notes.txt"
ln -s "$T/v2" "$T/run/step_00000000"
$FL train --data "$T/data" --out "$T/run" --resume "$T/run" --set train.max_steps=4 --set train.keep_last=1 >"$T/out" 2>&1; rc=$?
check "pruning leaves a symlinked step_* and its target alone, with a warning" '[ $rc -eq 0 ] && [ -L "$T/run/step_00000000" ] && [ -f "$T/v2/notes.txt" ] && grep -q "step_00000000 is a symbolic link; pruning leaves it alone" "$T/out"'
check "and prunes its own checkpoints to keep_last" '[ "$(ls -d "$T/run"/step_0000000[1-4] | wc -l)" -eq 1 ]'
$FL train --data "$T/data" --out "$T/run" $tiny --set train.max_steps=1 >"$T/out" 2>&1; rc=$?
check "train --out an existing run without --resume is refused (its metrics.jsonl untouched)" 'err1 $rc "already exists and is not an empty folder" && [ "$(grep -c "\"loss\"" "$T/run/metrics.jsonl")" -eq 4 ]'

# ---- 3. state.json typed and ranged (each was a crash, a wrong resume or undefined behaviour)
ck="$T/run/step_00000004"
cp "$ck/state.json" "$T/state.good"
bad_state() { # NAME SED-EXPRESSION EXPECTED-ERROR
    sed "$2" "$T/state.good" >"$ck/state.json"
    $FL train --data "$T/data" --out "$T/run" --resume "$ck" >"$T/out" 2>&1; rc=$?
    check "state.json with $1: a clear error, no crash" 'err1 $rc "$3"'
    [ -n "$FL_DEBUG" ] && cat "$T/out"
}
bad_state '"train": [1]' 's/"train": {[^}]*}/"train": [1]/' '"train" must be an object'
bad_state 'step -20' 's/"step": 4/"step": -20/' 'step must be an integer in 0'
bad_state 'tokens_seen near INT64_MAX' 's/"tokens_seen": [0-9]*/"tokens_seen": 9223372036854775000/' 'tokens_seen must be an integer'
bad_state 'a loader cursor of 1e300' 's/"cursor": "[0-9]*"/"cursor": 1e300/' 'loader.cursor must be a non-negative'
bad_state 'a loader cursor past n_windows' 's/"cursor": "[0-9]*"/"cursor": "99999999"/' 'loader.cursor 99999999 is past'
bad_state 'a last_val_offsets value of 1e300' 's/"last_val_offsets": \[[^]]*\]/"last_val_offsets": [1e300]/' 'last_val_offsets must hold numbers in float'
bad_state 'an rng of 3 values' 's/"rng": \["[0-9]*", /"rng": [/' '"rng" must hold 4 values'
rm "$ck/state.json" && mkdir "$ck/state.json"
$FL train --data "$T/data" --out "$T/run" --resume "$ck" >"$T/out" 2>&1; rc=$?
check "a state.json that is a folder: refused before reading" 'err1 $rc "state.json is not a regular file"'
$FL info "$ck" >"$T/out" 2>&1; rc=$?
check "info on it: the same error" 'err1 $rc "state.json is not a regular file"'
rmdir "$ck/state.json" && cp "$T/state.good" "$ck/state.json"

# ---- 4. a 216-byte model.safetensors whose metadata claims a huge model fails before allocating it
mkdir "$T/huge"
hdr='{"__metadata__":{"format":"futurelm","model_type":"gpt","model.vocab_size":"16000000","model.block_size":"65536","model.n_layer":"1024","model.n_head":"1","model.n_embd":"32768"}}'
len=$(printf %s "$hdr" | wc -c)
{ printf "\\$(printf %o $((len % 256)))\\$(printf %o $((len / 256)))\\000\\000\\000\\000\\000\\000"; printf %s "$hdr"; } >"$T/huge/model.safetensors"
$FL info "$T/huge" >"$T/out" 2>&1; rc=$?
check "a $(wc -c <"$T/huge/model.safetensors")-byte file claiming a huge config: refused before allocating" 'err1 $rc "needs at least .* parameters .* but the file holds 0"'

# ---- 5. non-finite weights and moments are refused, naming the tensor
cp -r "$ck" "$T/nan"
printf '\377\377\377\177' | dd of="$T/nan/model.safetensors" bs=1 seek=$(($(wc -c <"$T/nan/model.safetensors") - 4)) conv=notrunc 2>/dev/null
$FL info "$T/nan" >"$T/out" 2>&1; rc=$?
check "a NaN weight: a clear error naming the tensor" 'err1 $rc "tensor .* holds a NaN or infinite weight"'
cp -r "$ck" "$T/nanopt"
printf '\000\000\200\177' | dd of="$T/nanopt/optimizer.safetensors" bs=1 seek=$(($(wc -c <"$T/nanopt/optimizer.safetensors") - 4)) conv=notrunc 2>/dev/null
$FL train --data "$T/data" --out "$T/run" --resume "$T/nanopt" >"$T/out" 2>&1; rc=$?
check "an infinite AdamW moment: a clear error naming the tensor" 'err1 $rc "tensor v\..* holds a NaN or infinite value"'

# ---- 6. floats that overflow float, and spaces around a value, are refused
for kv in train.lr=1e39 train.weight_decay=-1e39 train.beta1=1e39 "model.n_layer= 1" "train.lr= 1e-3" "train.max_steps=2 "; do
    $FL train --data "$T/data" --out "$T/new" $tiny --set "$kv" >"$T/out" 2>&1; rc=$?
    check "--set '$kv' is refused" 'err1 $rc "" && [ ! -e "$T/new/metrics.jsonl" ]'
done

# ---- 7. --steps is strict
for v in abc -5 99999999999 " 3"; do
    $FL train --data "$T/data" --out "$T/new" $tiny --steps "$v" >"$T/out" 2>&1; rc=$?
    check "--steps '$v' is refused (exit 2)" '[ $rc -eq 2 ] && grep -q "^futurelm: error: --steps" "$T/out"'
done

# ---- 8. metrics.jsonl write errors fail the run. A full disk is simulated, without root,
# by pointing a resumed run's metrics.jsonl at /dev/full (appending follows the link, as it
# would for any file; every write there fails with ENOSPC).
if [ -w /dev/full ]; then
    mv "$T/run/metrics.jsonl" "$T/metrics.saved" && ln -s /dev/full "$T/run/metrics.jsonl"
    $FL train --data "$T/data" --out "$T/run" --resume "$T/run" --set train.max_steps=6 >"$T/out" 2>&1; rc=$?
    check "a metrics.jsonl write that fails (ENOSPC) stops the run with a clear error" 'err1 $rc "cannot write .*metrics.jsonl: No space left on device"'
    rm "$T/run/metrics.jsonl" && mv "$T/metrics.saved" "$T/run/metrics.jsonl"
fi

# ---- 9. recorded paths: relative to the run folder, never searched for upwards
case $FL in /*) AFL=$FL ;; *) AFL=$PWD/$FL ;; esac
mkdir -p "$T/w/runs" && cp -r "$T/data" "$T/w/data"
(cd "$T/w" && "$AFL" train --data data --out runs/r $tiny --set train.max_steps=1 >/dev/null 2>&1)
check "a relative --data is recorded relative to the run folder" 'grep -q "\"data_dir\": \"../../data\"" "$T/w/runs/r/step_00000001/state.json"'
(cd / && "$AFL" eval ppl "$T/w/runs/r" --windows 4 >"$T/out" 2>&1); rc=$?
check "and found from any folder" '[ $rc -eq 0 ]'
mkdir -p "$T/up/data" "$T/up/a/b" && cp -r "$T/w/runs/r" "$T/up/a/b/r" && cp "$T/data"/* "$T/up/data/"
sed 's|"data_dir": "[^"]*"|"data_dir": "data"|' "$T/w/runs/r/step_00000001/state.json" >"$T/s" && mv "$T/s" "$T/up/a/b/r/step_00000001/state.json"
(cd / && "$AFL" eval ppl "$T/up/a/b/r" --windows 4 >"$T/out" 2>&1); rc=$?
check "an old relative path is not searched for in folders above the checkpoint" '[ -f "$T/up/a/b/r/step_00000001/state.json" ] && [ $rc -ne 0 ] && ! grep -q "$T/up/data" "$T/out"'

# ---- 10. info: numbers as JSON numbers, ftp.gamma as 0.8, a complete --help
$FL init --model ftp --out "$T/ftp" $tiny >/dev/null 2>&1
$FL info "$T/ftp" --json >"$T/j" 2>&1
check "info --json gives numbers as numbers and ftp.gamma 0.8" '[ "$(json "$T/j" "typeof j.config[\"model.n_layer\"] + \" \" + j.config[\"ftp.gamma\"] + \" \" + j.config.model_type")" = "number 0.8 ftp" ]'
$FL info "$T/ftp" >"$T/out" 2>&1
check "info prints ftp.gamma 0.8" 'grep -q "^ftp.gamma  *0.8$" "$T/out"'
$FL info --help >"$T/out"; rc=$?
check "info --help is complete (usage, --json, what it prints)" '[ $rc -eq 0 ] && grep -q "usage: futurelm info CKPT|RUN_DIR" "$T/out" && grep -q -- "--json" "$T/out" && grep -q "tokens seen" "$T/out"'
$FL info >"$T/out" 2>&1; rc=$?
check "info without a checkpoint: usage error, exit 2" '[ $rc -eq 2 ] && grep -q "^futurelm: error: missing CKPT" "$T/out"'

# ---- 11. a safetensors header that names one tensor twice (a JSON object may repeat a key)
$FL init --model gpt --out "$T/dup" $tiny >/dev/null 2>&1
node -e '
const fs = require("fs"), f = process.argv[1], b = fs.readFileSync(f);
const n = Number(b.readBigUInt64LE(0)), h = b.subarray(8, 8 + n).toString("latin1");
const out = h.replace("\"h.0.ln_1.bias\"", "\"h.0.ln_1.weight\""); // same length: offsets stay valid
if (out === h) process.exit(1);
b.write(out, 8, "latin1"); fs.writeFileSync(f, b);' "$T/dup/model.safetensors"
$FL info "$T/dup" >"$T/out" 2>&1; rc=$?
check "a tensor named twice in the header is refused, naming it" '[ $rc -eq 1 ] && grep -q "tensor .h.0.ln_1.weight. appears twice" "$T/out"'

# ---- 12. the optimizer's step count is parsed strictly (it was read with atol: "2x" became 2)
$FL train --model gpt --data "$T/data" --out "$T/opt" $tiny --set train.max_steps=2 --set train.ckpt_every=2 >/dev/null 2>&1
node -e '
const fs = require("fs"), f = process.argv[1], b = fs.readFileSync(f);
const n = Number(b.readBigUInt64LE(0)), h = b.subarray(8, 8 + n).toString("latin1");
const out = h.replace(/"steps":"(\d)"/, (m, d) => "\"steps\":\"x\"");
if (out === h) process.exit(1);
b.write(out, 8, "latin1"); fs.writeFileSync(f, b);' "$T/opt/step_00000002/optimizer.safetensors"
patched=$?
$FL train --data "$T/data" --out "$T/opt" --resume "$T/opt" $tiny --set train.max_steps=3 >"$T/out" 2>&1; rc=$?
check "a non-numeric optimizer step count is refused on resume, naming the file" '[ $patched -eq 0 ] && [ $rc -ne 0 ] && grep -q "optimizer.safetensors: metadata steps .x. is not a step count" "$T/out"'

# ---- 13. pruning never deletes the checkpoint just written (a resume from an older step while
# newer ones are in the folder), and leftovers are removed only under our own names
$FL train --model gpt --data "$T/data" --out "$T/pr" $tiny --set train.max_steps=4 --set train.ckpt_every=1 \
    --set train.keep_last=10 >/dev/null 2>&1
$FL train --data "$T/data" --out "$T/pr" --resume "$T/pr/step_00000001" $tiny --set train.max_steps=4 \
    --set train.ckpt_every=1 --set train.keep_last=2 --steps 1 >/dev/null 2>&1
check "a resume from an older step keeps the checkpoint it just wrote (latest) through pruning" \
    '[ "$(cat "$T/pr/latest")" = step_00000002 ] && [ -f "$T/pr/step_00000002/model.safetensors" ]'
echo mine >"$T/pr/notes.tmp-999999"
mkdir -p "$T/pr/stuff.del-999998" && echo mine >"$T/pr/stuff.del-999998/f"
$FL train --data "$T/data" --out "$T/pr" --resume "$T/pr" $tiny --set train.max_steps=4 --set train.keep_last=2 \
    --steps 1 >/dev/null 2>&1
check "a user's notes.tmp-PID and stuff.del-PID in a run folder survive the leftover clean-up" \
    '[ -f "$T/pr/notes.tmp-999999" ] && [ -f "$T/pr/stuff.del-999998/f" ]'
