#!/bin/sh
# make demo's pipeline (scripts/demo.sh) at a tiny step count, into a scratch folder (runs/demo is
# left alone): every stage runs and prints what the README promises, and the report it writes
# parses and renders in headless Chromium without console errors. The text quality and the
# validation losses of the default 800 steps are not checked here: one run takes minutes (README.md
# quotes a run, with its losses).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

if [ ! -f data/moby-dick/text/moby-dick.txt ] && ! command -v npm >/dev/null 2>&1; then
    echo "skip - Moby-Dick is not fetched and npm is not there (scripts/get-data.sh moby-dick): demo not run"
    exit 0
fi
DEMO_STEPS=6 DEMO_TOKENS=12 DEMO_OUT="$T/demo" FL="$FL" sh scripts/demo.sh >"$T/out" 2>&1
rc=$?
check "the demo runs to the end at 6 steps (exit 0, the closing line)" \
    '[ $rc = 0 ] && grep -q "^== demo done in [0-9]* s" "$T/out"' || tail -n 5 "$T/out"
check "both models trained (a checkpoint each, GPT's validation loss echoed)" \
    '[ -s "$T/demo/gpt/step_00000006/model.safetensors" ] && [ -s "$T/demo/ftp/step_00000006/model.safetensors" ] &&
     grep -q "^GPT step 6: validation next-token loss" "$T/out"'
check "piped, FTP's progress is plain lines, thinned to the last step and the validations" \
    'grep -q "^step 6/6 loss" "$T/out" && ! grep -q "^step 5/6" "$T/out" && ! grep -q "$(printf "\r")" "$T/out"'
check "three sampled continuations a model, each after its prompt" \
    '[ "$(grep -c "^-- gpt: \(Call me Ishmael\.\|The whale\|Captain Ahab said\)" "$T/out")" = 3 ] &&
     [ "$(grep -c "^-- ftp: \(Call me Ishmael\.\|The whale\|Captain Ahab said\)" "$T/out")" = 3 ] &&
     grep -q "temperature 0.6, top-p 0.95, repetition penalty 1.1" "$T/out"'
check "per-offset losses: GPT's next-token loss next to FTP's k=1..4" \
    'grep -q "^  1  [0-9.]*  [0-9.]*$" "$T/out" && grep -q "^  4    -   *[0-9.]*$" "$T/out"'
check "FTP ar and spec with --stats: tokens/s of both, acceptance, the distribution note, greedy identical" \
    'grep -q "mode ar: .*generated 256 tokens .*tok/s" "$T/out" && grep -q "mode spec: .*generated 256 tokens .*tok/s" "$T/out" &&
     grep -q "token 2: [0-9]* of [0-9]* drafts accepted" "$T/out" && grep -q "output distribution is exactly ar" "$T/out" &&
     grep -q "256 greedy tokens identical" "$T/out"'
check "compare wrote report.html and report.json, and their paths are printed" \
    'grep -q "^report: $T/demo/report.html$" "$T/out" && grep -q "^json:   $T/demo/report.json$" "$T/out" &&
     [ -s "$T/demo/report.html" ] && [ "$(json "$T/demo/report.json" "j.format + (j.gpt.step > 0) + (j.ftp.step > 0)")" = futurelm-comparetruetrue ]'
check "one line per headline number, read from report.json (numbers, no NaN)" \
    'grep -q "^  perplexity  *[0-9.]*  *[0-9.]*$" "$T/out" && grep -q "^  coherence: drift  *[0-9.-]*  *[0-9.-]*$" "$T/out" &&
     [ "$(sed -n "/^headline numbers/,/^$/p" "$T/out" | grep -c "NaN")" = 0 ] &&
     [ "$(sed -n "/^headline numbers/,/^$/p" "$T/out" | grep -c "^  ")" = 8 ]'

if [ -s "$T/demo/report.html" ] && render_report "$T/demo/report.html"; then
    check "headless Chromium renders the demo's report without console errors" \
        '[ "$(grep -c "<svg" "$T/dom")" -ge 5 ] && render_clean' ||
        tail -n 5 "$T/chrome.log"
else
    echo "skip - headless Chromium is not installed (Debian package chromium): the demo's report rendering not checked"
fi
