#!/bin/sh
# Defaults a new user meets (issue 20): --version, the vocabulary from the data,
# FTP's progress line, eval countdown on a text model, what the default
# evaluation windows cover, eval --threads, the OpenMP wait policy.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

# --version: the one FL_VERSION of futurelm.h, and the build facts
want=$(sed -n 's/^#define FL_VERSION "\(.*\)"$/\1/p' include/futurelm.h)
$FL --version >"$T/v" 2>"$T/err"
rc=$?
check "futurelm --version: exit 0, 'futurelm $want', compiler, SGEMM kernels, BLAS, OpenMP" \
    '[ $rc = 0 ] && [ -n "$want" ] && [ "$(head -n 1 "$T/v")" = "futurelm $want" ] && grep -q "^compiler: " "$T/v" &&
     grep -q "^sgemm" "$T/v" && grep -q "BLAS" "$T/v" && grep -q "^OpenMP: " "$T/v" && [ ! -s "$T/err" ]'
$FL version >"$T/v2" 2>&1
check "futurelm version prints the same" '[ $? = 0 ] && cmp -s "$T/v" "$T/v2"'
if grep -q "^OpenMP: off" "$T/v"; then
    ok "OpenMP wait policy: not applicable (built without OpenMP)"
else
    env -u OMP_WAIT_POLICY $FL --version >"$T/v" 2>&1
    check "OMP_WAIT_POLICY defaults to passive when the environment does not set it" 'grep -q "OMP_WAIT_POLICY passive" "$T/v"'
    OMP_WAIT_POLICY=active $FL --version >"$T/v" 2>&1
    check "a user's OMP_WAIT_POLICY is kept" 'grep -q "OMP_WAIT_POLICY active" "$T/v"'
fi

tiny_corpus 400 0.2
small="--set model.block_size=32 --set model.n_layer=1 --set model.n_head=2 --set model.n_embd=32
       --set train.batch_size=4 --set train.warmup_steps=1 --set train.max_steps=3 --set train.eval_every=3
       --set train.eval_batches=1 --set train.threads=1"
ftp="--set ftp.n_future=3 --set ftp.pseudo_len=2 --set ftp.dec_layers=1"

# model.vocab_size: the data's unless the user names one
# shellcheck disable=SC2086
$FL train --data "$T/data" --out "$T/gpt" $small >"$T/log" 2>&1
check "train without model.vocab_size takes the data's 400 (not 8192)" \
    '[ $? = 0 ] && grep -q "vocabulary 400 (the data.s)" "$T/log" && $FL info "$T/gpt" | grep -q "^model.vocab_size *400$"'
echo '{"model": {"vocab_size": 448}}' >"$T/v.json"
# shellcheck disable=SC2086
$FL train --data "$T/data" --out "$T/gpt448" --config "$T/v.json" $small >"$T/log" 2>&1
check "a model.vocab_size from --config is kept (448)" '[ $? = 0 ] && $FL info "$T/gpt448" | grep -q "^model.vocab_size *448$"'
# shellcheck disable=SC2086
refused "a model.vocab_size below the data's is refused, naming both fixes" \
    "vocabulary of 400 tokens (ids 0..399) but model.vocab_size is 300; set model.vocab_size=400, or leave it out" \
    $FL train --data "$T/data" --out "$T/gpt300" --set model.vocab_size=300 $small
check "the refused run left no folder" '[ ! -e "$T/gpt300" ]'

# FTP's progress line: the weighted objective and the next-token loss GPT's line shows
# shellcheck disable=SC2086
$FL train --model ftp --data "$T/data" --out "$T/ftp" $small $ftp >"$T/log" 2>&1
check "FTP's progress line shows the next-token loss beside its objective" \
    '[ $? = 0 ] && grep -q "^step 3/3 loss [0-9.]* (next-token [0-9.]*) lr " "$T/log"'
$FL train --data "$T/data" --out "$T/gpt2" $small >"$T/log" 2>&1
check "GPT's progress line is unchanged (its loss is the next-token loss)" \
    'grep -q "^step 3/3 loss [0-9.]* lr " "$T/log" && ! grep -q "next-token [0-9]" "$T/log"'
check "metrics.jsonl keeps loss and next_token_loss" \
    'grep "\"step\":3,\"loss\"" "$T/ftp/metrics.jsonl" | grep -q "\"next_token_loss\""'

# eval countdown on a text model: the run's recorded identity says why
$FL eval countdown "$T/gpt" >"$T/out" 2>&1
rc=$?
check "eval countdown on a text model: 'not a countdown model', not a missing test_specs.txt" \
    '[ $rc = 1 ] && grep -q "futurelm: error: .* is a text model, not a countdown model" "$T/out" && ! grep -q test_specs "$T/out"'

# default windows: a split this small is read whole, and the output says so
$FL eval ppl "$T/gpt" --json >"$T/p.json" 2>"$T/err"
check "eval ppl's default reads every window of a small split and reports it" \
    '[ $? = 0 ] && [ "$(json "$T/p.json" "j.validation_windows.used === j.validation_windows.available &&
       j.validation_windows.used === j.ppl.windows && j.validation_windows.used > 64 &&
       j.validation_windows.tokens_covered <= j.validation_windows.split_tokens" 2>/dev/null)" = true ]'
$FL eval ppl "$T/gpt" --windows 5 >"$T/out" 2>&1
check "--windows 5: 5 of how many, the 4*32 + 40 tokens their T+N windows span, how to read all" \
    'grep -q "validation windows: 5 of [0-9]* (the first 168 of the split.s [0-9]* tokens; --windows 0 reads them all)" "$T/out"'
$FL eval offsets "$T/gpt" --windows 5 --bow-rows 0 --json >"$T/o.json" 2>&1
check "eval offsets --json reports its windows too" '[ "$(json "$T/o.json" "j.validation_windows.used" 2>/dev/null)" = 5 ]'

# eval --threads: one by default, with the reason in --help
$FL eval ppl --help >"$T/h" 2>&1
check "eval ppl --help: --threads, default 1, says why" \
    'grep -q -- "--threads N.*(0 = OMP_NUM_THREADS" "$T/h" && grep -q "3-27x slower.*(default 1)" "$T/h"'
$FL eval ppl "$T/gpt" --threads 2 --windows 3 >"$T/out" 2>&1
check "eval ppl --threads 2 runs" '[ $? = 0 ] && grep -q "next-token loss" "$T/out"'
$FL eval ppl "$T/gpt" --threads -1 >"$T/out" 2>&1
check "eval --threads -1 is a usage error (exit 2)" '[ $? = 2 ] && grep -q "threads" "$T/out"'
