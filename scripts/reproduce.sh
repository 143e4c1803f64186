#!/bin/sh
# The paper's four claims on real text, from nothing to one report (issue 8):
#  1. fetch SOTU + Brown (+ SpamAssassin for the topic probe), train a 4,096-token BPE,
#     and train a GPT and an FTP model with the same encoder (scripts/train-text.sh);
#  2. generate countdown data and train a GPT and an FTP model on it
#     (scripts/train-countdown.sh);
#  3. futurelm compare: both text runs at matched next-token validation loss, every
#     evaluation, plus countdown pass@1 (the countdown runs matched on their own loss),
#     into OUT/report.html and OUT/report.json, and
#     the table of docs/RESULTS.md into OUT/results.md.
#
#   scripts/reproduce.sh [OUT]        (default OUT=runs/reproduce)
#
# Budget: about 60 minutes on 2 cores (the runs train single-threaded, two at a time):
# text 35, countdown 20, compare 3. Environment: GPT_STEPS, FTP_STEPS (text, default
# 5000 / 4000), CD_STEPS (countdown, 2000); GPT_STEPS=500 FTP_STEPS=800 CD_STEPS=600
# EVERY=100 runs the whole pipeline in about 12 minutes.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-runs/reproduce}
FL=${FL:-./futurelm}
[ -x "$FL" ] || make -j2 >/dev/null
export FL
start=$(date +%s)
mkdir -p "$OUT"
sh scripts/get-data.sh sotu brown spam-assassin
echo "== text models (log: $OUT/text/*.log)"
sh scripts/train-text.sh "$OUT/text"
echo "== countdown models (log: $OUT/countdown/*.log)"
STEPS=${CD_STEPS:-2000} MODELS="gpt ftp" sh scripts/train-countdown.sh "$OUT/countdown"
echo "== compare"
"$FL" compare "$OUT/text/gpt" "$OUT/text/ftp" --report "$OUT/report.html" \
    --countdown-gpt "$OUT/countdown/gpt" --countdown-ftp "$OUT/countdown/ftp"
node scripts/results-table.js "$OUT/report.json" >"$OUT/results.md"
echo "== reproduce done in $(( $(date +%s) - start )) s on $(nproc) cores: $OUT/report.html, $OUT/report.json"
