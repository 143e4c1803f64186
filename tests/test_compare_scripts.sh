#!/bin/sh
# scripts/reproduce.sh with SEEDS (issue 21), run against a stand-in futurelm that records
# its calls (no training): every seed trains GPT and FTP, text and countdown, with its own
# train.seed into its own run folders; the tokenizer, shards and countdown data are made
# once (a seed never changes the data); one compare pairs seed i of GPT with seed i of FTP.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
for d in sotu brown spam-assassin; do
    [ -d "data/$d" ] || { echo "skip - data/$d not fetched (scripts/get-data.sh): reproduce.sh not checked"; exit 0; }
done
# the stand-in: one line per call; the outputs later steps look for
cat >"$T/fl" <<'EOF2'
#!/bin/sh
echo "$*" >>"$CALLS"
out=""
prev=""
for a in "$@"; do [ "$prev" = --out ] && out=$a; prev=$a; done
case "$1 $2" in
"prepare "* | "countdown generate") mkdir -p "$out" && echo '{}' >"$out/manifest.json" ;;
"tokenizer train") : >"$out" ;;
"train "*) mkdir -p "$out" ;;
"compare "*)
    for a in "$@"; do [ "$prev" = --report ] && rep=$a; prev=$a; done
    echo '{"seeds":2,"pairs_kept":2,"countdown_seeds":2,"countdown_pairs_kept":2,"pairs":[],"countdown_pairs":[],
           "gpt":{"coherence":{"human":{}}},"summary":[]}' >"${rep%.html}.json" ;;
esac
EOF2
chmod +x "$T/fl"
export CALLS="$T/calls"
SEEDS=2 FL="$T/fl" GPT_STEPS=7 sh scripts/reproduce.sh "$T/out" >"$T/log" 2>&1
check "SEEDS=2: reproduce.sh runs to its end" '[ $? = 0 ] && grep -q "reproduce done" "$T/log"' || tail -n 5 "$T/log"
for s in 1 2; do
    for m in gpt ftp; do
        check "seed $s: text $m trains into text/$m-seed$s with train.seed=$s" \
            'grep "^train --model $m " "$CALLS" | grep -- "--out $T/out/text/$m-seed$s " | grep -q -- "--set train.seed=$s\( \|$\)"'
        check "seed $s: countdown $m trains into countdown/$m-seed$s with train.seed=$s" \
            'grep "^train --model $m " "$CALLS" | grep -- "--out $T/out/countdown/$m-seed$s " | grep -q -- "--set train.seed=$s\( \|$\)"'
    done
done
check "GPT_STEPS reaches the text GPT runs" '[ "$(grep -c "^train --model gpt .*/text/.*train.max_steps=7" "$CALLS")" = 2 ]'
check "the data is made once for every seed: one tokenizer, one prepare, one countdown generate (seed 1337)" \
    '[ "$(grep -c "^tokenizer train" "$CALLS")" = 1 ] && [ "$(grep -c "^prepare" "$CALLS")" = 1 ] &&
     [ "$(grep -c "^countdown generate" "$CALLS")" = 1 ] && grep -q "^countdown generate .*--seed 1337" "$CALLS"'
o=$T/out
check "one compare over every seed, seed i of GPT paired with seed i of FTP" \
    '[ "$(grep -c "^compare" "$CALLS")" = 1 ] && grep -qx "compare --gpt $o/text/gpt-seed1 $o/text/gpt-seed2 --ftp $o/text/ftp-seed1 $o/text/ftp-seed2 --countdown-gpt $o/countdown/gpt-seed1 $o/countdown/gpt-seed2 --countdown-ftp $o/countdown/ftp-seed1 $o/countdown/ftp-seed2 --report $o/report.html" "$CALLS"'
SEEDS=0 FL="$T/fl" sh scripts/reproduce.sh "$T/out0" >"$T/log" 2>&1
check "SEEDS=0 is refused (exit 2)" '[ $? = 2 ] && grep -q "SEEDS=0: need a positive integer" "$T/log"'
