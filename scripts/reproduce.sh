#!/bin/sh
# The paper's four claims on real text, from nothing to one report (issues 8, 21):
#  1. fetch SOTU + Brown (+ SpamAssassin for the topic probe), train a 4,096-token BPE,
#     and train a GPT and an FTP model with the same encoder (scripts/train-text.sh),
#     once per seed 1..SEEDS;
#  2. generate countdown data and train a GPT and an FTP model on it, once per seed
#     (scripts/train-countdown.sh);
#  3. futurelm compare over every seed: seed i of GPT paired with seed i of FTP, each pair
#     at matched next-token validation loss, every evaluation, plus countdown pass@1 (the
#     countdown pairs matched on their own loss); each metric's mean over seeds with a 95%
#     t-interval and the paired difference FTP - GPT, into OUT/report.html and
#     OUT/report.json, and the table of docs/RESULTS.md into OUT/results.md.
#
#   scripts/reproduce.sh [OUT]        (default OUT=runs/reproduce)
#
# A seed (train.seed) changes the initialisation and the data order, never the data: the
# tokenizer, the shards and the countdown data are made once and shared by every seed.
# Budget: about 60 minutes per seed on 2 cores (the runs train single-threaded, two at a
# time): text 35, countdown 20, plus compare (3 a seed). Environment: SEEDS (default 3),
# GPT_STEPS, FTP_STEPS (text, default 5000 / 4000), CD_STEPS (countdown, 2000), EVERY
# (text evaluation and checkpoint interval, 250); GPT_STEPS=500 FTP_STEPS=800 CD_STEPS=600
# EVERY=100 SEEDS=1 runs the whole pipeline in about 12 minutes.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-runs/reproduce}
SEEDS=${SEEDS:-3}
FL=${FL:-./futurelm}
[ -x "$FL" ] || make -j2 >/dev/null
export FL
case $SEEDS in '' | *[!0-9]* | 0) echo "SEEDS=$SEEDS: need a positive integer" >&2; exit 2 ;; esac
start=$(date +%s)
mkdir -p "$OUT"
sh scripts/get-data.sh sotu brown spam-assassin
s=1
while [ "$s" -le "$SEEDS" ]; do
    echo "== seed $s of $SEEDS: text models (log: $OUT/text/*-seed$s.log)"
    SEED=$s sh scripts/train-text.sh "$OUT/text"
    echo "== seed $s of $SEEDS: countdown models (log: $OUT/countdown/*-seed$s.log)"
    SEED=$s STEPS=${CD_STEPS:-2000} MODELS="gpt ftp" sh scripts/train-countdown.sh "$OUT/countdown"
    s=$((s + 1))
done
# the run lists, built in "$@" so that an OUT with spaces stays one word per run
set --
for flag in --gpt --ftp --countdown-gpt --countdown-ftp; do
    set -- "$@" "$flag"
    case $flag in --gpt) d=text/gpt ;; --ftp) d=text/ftp ;; --countdown-gpt) d=countdown/gpt ;; *) d=countdown/ftp ;; esac
    s=1
    while [ "$s" -le "$SEEDS" ]; do
        set -- "$@" "$OUT/$d-seed$s"
        s=$((s + 1))
    done
done
echo "== compare ($SEEDS seeds)"
"$FL" compare "$@" --report "$OUT/report.html"
node scripts/results-table.js "$OUT/report.json" >"$OUT/results.md"
echo "== reproduce done in $(( $(date +%s) - start )) s on $(nproc) cores: $OUT/report.html, $OUT/report.json"
