#!/bin/sh
# Countdown data on the command line: generate is deterministic for a seed, its held-out specs
# all pass the checker and share no spec with training, `futurelm train` runs on the data,
# and bad options are refused.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

$FL countdown generate --n 3000 --test 100 --seed 7 --out "$T/a" >/dev/null 2>"$T/log" &&
    $FL countdown generate --n 3000 --test 100 --seed 7 --out "$T/b" >/dev/null 2>>"$T/log" &&
    ok "countdown generate writes a data folder" || { bad "countdown generate writes a data folder: $(cat "$T/log")"; exit 1; }
if cmp -s "$T/a/train_000000.bin" "$T/b/train_000000.bin" && cmp -s "$T/a/test_specs.txt" "$T/b/test_specs.txt" &&
    cmp -s "$T/a/manifest.json" "$T/b/manifest.json"; then ok "same seed, same files"; else bad "same seed, same files"; fi
$FL countdown generate --n 3000 --test 100 --seed 8 --out "$T/c" >/dev/null 2>&1
if cmp -s "$T/a/train_000000.bin" "$T/c/train_000000.bin"; then bad "another seed, other data"; else ok "another seed, other data"; fi
$FL countdown generate --n 500 --test 100 --seed 7 --out "$T/d" >/dev/null 2>&1
if cmp -s "$T/a/test_specs.txt" "$T/d/test_specs.txt"; then ok "the held-out specs do not depend on --n"; else bad "the held-out specs do not depend on --n"; fi
[ "$(wc -l <"$T/a/test_specs.txt")" -eq 100 ] && ok "100 held-out specs" || bad "100 held-out specs"
$FL countdown check --file "$T/a/test_specs.txt" >"$T/check" 2>&1 &&
    [ "$(grep -c ': pass$' "$T/check")" -eq 100 ] && ok "every held-out reference solution passes the checker" ||
    bad "every held-out reference solution passes the checker: $(grep -v ': pass$' "$T/check" | head -3)"
grep -q '"vocab_size": 18, "eot": 17' "$T/a/manifest.json" && ok "manifest names the 18-token vocabulary" ||
    bad "manifest names the 18-token vocabulary"

# no held-out spec (numbers as a multiset, and target) occurs in the training shards:
# rebuild every training spec from the shard bytes (uint16 ids after a 1024-byte header)
key() { # "nums 3 5 2 target 29 : ..." -> "2 3 5 / 29"
    awk '{ n = 0; for (i = 2; $i != "target"; i++) d[n++] = $i; t = $(i + 1);
           for (a = 0; a < n; a++) for (b = a + 1; b < n; b++) if (d[b] < d[a]) { x = d[a]; d[a] = d[b]; d[b] = x }
           s = ""; for (a = 0; a < n; a++) s = s d[a] " "; print s "/ " t }'
}
od -An -v -tu2 -j 1024 -w2 "$T/a/train_000000.bin" | awk '
    BEGIN { split("0 1 2 3 4 5 6 7 8 9 + - * nums target : . <|endoftext|>", w, " ") }
    { id = $1 + 0; if (id == 17) { if (line != "") print line; line = "" } else line = line (line == "" ? "" : " ") w[id + 1] }
    END { if (line != "") print line }' | sed 's/target \([0-9]\) \([0-9]\) \([0-9]\) :/target \1\2\3 :/; s/target \([0-9]\) \([0-9]\) :/target \1\2 :/' |
    key | sort -u >"$T/train.keys"
key <"$T/a/test_specs.txt" | sort -u >"$T/test.keys"
[ "$(wc -l <"$T/train.keys")" -gt 500 ] && [ -z "$(comm -12 "$T/train.keys" "$T/test.keys")" ] &&
    ok "held-out specs share no spec with the training data" ||
    bad "held-out specs share no spec with the training data ($(comm -12 "$T/train.keys" "$T/test.keys" | head -2))"

for model in gpt ftp; do train_tiny $model "$T/a" 18 32 3 3 "countdown data"; done

refused "generate without --out is refused" "missing --out" $FL countdown generate --n 10
refused "an existing non-empty --out is refused" "already exists" $FL countdown generate --n 10 --out "$T/a"
refused "--max-nums 6 is refused" "max-nums" $FL countdown generate --n 10 --out "$T/x" --max-nums 6
refused "--val-fraction 1 is refused" "val-fraction" $FL countdown generate --n 10 --out "$T/x" --val-fraction 1
refused "too many held-out specs for the spec space is refused" "distinct held-out specs" \
    $FL countdown generate --n 10 --out "$T/x" --test 100 --min-nums 2 --max-nums 2 --max-target 3
[ ! -e "$T/x" ] && ! ls "$T" | grep -q 'x.tmp' && ok "a refused generate leaves no folder behind" ||
    bad "a refused generate leaves no folder behind"
refused "check refuses an unknown word" "not a countdown word" $FL countdown check 'nums 3 5 target 8 : 3 5 / .'
$FL countdown check 'nums 3 5 target 8 : 3 5 + .' >/dev/null 2>&1 && ok "check exits 0 when every program passes" ||
    bad "check exits 0 when every program passes"
$FL countdown check 'nums 3 5 target 8 : 3 5 * .' >"$T/out" 2>&1
[ $? -eq 3 ] && grep -q "value - evaluates to 15" "$T/out" && ok "check exits 3 and says why a program fails" ||
    bad "check exits 3 and says why a program fails"
$FL countdown generate --help | grep -q "usage: futurelm countdown generate" && ok "countdown generate --help" ||
    bad "countdown generate --help"
