#!/bin/sh
# scripts/stargraph-table.js on hand-made `stargraph eval --json` files with hand-computed answers:
# exact-path accuracies GPT {0.4, 0.5, 0.6} (mean 0.5, s = 0.1, t(0.975, 2) = 4.3027, half-width
# 4.3027 * 0.1 / sqrt(3) = 0.2484) and FTP {0.5, 0.7, 0.9}, so the paired differences are
# {0.1, 0.2, 0.3}: mean 0.2 [-0.048, 0.448], FTP higher in 3 of 3; an interval past 1 is clipped.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
command -v node >/dev/null 2>&1 || { echo "skip - node is not installed: stargraph-table.js not checked"; exit 0; }
mk() { # model seed exact first rest
    printf '{"checkpoint": "x", "model": "%s", "step": 100, "stargraph": {"n": 1000, "nodes": 50, "exact": {"acc": %s, "lo": 0, "hi": 1, "correct": 0}, "first": {"acc": %s, "lo": 0, "hi": 1, "correct": 0, "chance": 0.5}, "rest": {"acc": %s, "lo": 0, "hi": 1, "correct": 0}, "verdicts": {"pass": 1}}}\n' \
        "$1" "$3" "$4" "$5" >"$T/$1_s$2.eval.json"
}
mk gpt 1 0.4 0.5 0.98; mk gpt 2 0.5 0.5 1.0; mk gpt 3 0.6 0.5 0.99
mk ftp 1 0.5 0.4 0.5; mk ftp 2 0.7 0.6 0.5; mk ftp 3 0.9 0.5 0.5
node scripts/stargraph-table.js "$T" >"$T/out" 2>&1
rc=$?
check "the table is written (exit 0)" '[ $rc -eq 0 ]'
check "one row per run" '[ "$(grep -c "^| [gf][pt][tp] seed" "$T/out")" -eq 6 ]'
check "GPT exact over 3 seeds: 0.500 [0.252, 0.748]" 'grep -q "^| gpt, 3 seed(s) | 0.500 \[0.252, 0.748\]" "$T/out"'
check "FTP exact over 3 seeds: 0.700 [0.203, 1.000] (clipped)" \
    'grep -q "^| ftp, 3 seed(s) | 0.700 \[0.203, 1.000\] (clipped)" "$T/out"'
check "paired FTP - GPT exact: 0.200 [-0.048, 0.448], higher in 3 of 3" \
    'grep -q "^| FTP - GPT, paired by seed (1, 2, 3) | 0.200 \[-0.048, 0.448\]; FTP higher in 3, lower in 0 of 3" "$T/out"'
check "first step ties: higher in 1, lower in 1" 'grep -q "FTP higher in 1, lower in 1 of 3 | " "$T/out"'
mk gpt 4 0.5 0.5 0.5
node scripts/stargraph-table.js "$T" >"$T/out" 2>&1
check "an unpaired seed is left out of the paired row" 'grep -q "paired by seed (1, 2, 3) " "$T/out"'
echo '{"nothing": 1}' >"$T/ftp_s5.eval.json"
node scripts/stargraph-table.js "$T" >"$T/out" 2>&1
rc=$?
check "a file that is not a stargraph eval is refused, named" '[ $rc -eq 1 ] && grep -q "ftp_s5.eval.json" "$T/out"'
