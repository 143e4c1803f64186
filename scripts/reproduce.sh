#!/bin/sh
# The paper's four claims on real text, from nothing to one report (issue 8):
#  1. fetch SOTU + Brown (+ SpamAssassin for the topic probe), train a 4,096-token BPE,
#     and train a GPT and an FTP model with the same encoder (scripts/train-text.sh);
#  2. generate countdown data and train a GPT and an FTP model on it
#     (scripts/train-countdown.sh);
#  3. futurelm compare: both text runs at matched next-token validation loss, every
#     evaluation, plus countdown pass@1, into OUT/report.html and OUT/report.json.
#
#   scripts/reproduce.sh [OUT]        (default OUT=runs/reproduce)
#
# Budget: about an hour on 2 cores (the runs train single-threaded, two at a time).
# Environment: GPT_STEPS, FTP_STEPS (text, default 500 / 800), CD_STEPS (countdown, 600).
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
STEPS=${CD_STEPS:-600} MODELS="gpt ftp" sh scripts/train-countdown.sh "$OUT/countdown"
echo "== compare"
"$FL" compare "$OUT/text/gpt" "$OUT/text/ftp" --report "$OUT/report.html" \
    --countdown-gpt "$OUT/countdown/gpt" --countdown-ftp "$OUT/countdown/ftp"
echo "== reproduce done in $(( $(date +%s) - start )) s on $(nproc) cores: $OUT/report.html, $OUT/report.json"
