#!/bin/sh
# Star-graph data on the command line: generate is deterministic for a seed, every
# held-out reference path passes the checker, a malformed line's error names its
# line, `futurelm train` runs 5 steps on the data (GPT and FTP), eval scores a
# checkpoint, and bad options are refused.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

GEN="--degree 2 --path-len 5 --nodes 50 --count 2000 --test 100"
$FL stargraph generate $GEN --seed 7 --out "$T/a" >/dev/null 2>"$T/log" &&
    $FL stargraph generate $GEN --seed 7 --out "$T/b" >/dev/null 2>>"$T/log" &&
    ok "stargraph generate writes a data folder" || { bad "stargraph generate writes a data folder: $(cat "$T/log")"; exit 1; }
if cmp -s "$T/a/train_000000.bin" "$T/b/train_000000.bin" && cmp -s "$T/a/val_000000.bin" "$T/b/val_000000.bin" &&
    cmp -s "$T/a/test.txt" "$T/b/test.txt" && cmp -s "$T/a/manifest.json" "$T/b/manifest.json"; then
    ok "same seed, same files"
else bad "same seed, same files"; fi
$FL stargraph generate $GEN --seed 8 --out "$T/c" >/dev/null 2>&1
if cmp -s "$T/a/train_000000.bin" "$T/c/train_000000.bin"; then bad "another seed, other data"; else ok "another seed, other data"; fi
$FL stargraph generate --count 300 --test 100 --seed 7 --out "$T/d" >/dev/null 2>&1
cmp -s "$T/a/test.txt" "$T/d/test.txt" && ok "the held-out examples do not depend on --count" ||
    bad "the held-out examples do not depend on --count"
[ "$(wc -l <"$T/a/test.txt")" -eq 100 ] && ok "100 held-out examples" || bad "100 held-out examples"
grep -q '"vocab_size": 55, "eot": 54' "$T/a/manifest.json" && ok "manifest names the M+5 = 55-token vocabulary" ||
    bad "manifest names the M+5 = 55-token vocabulary"
grep -q '"example_tokens": 46' "$T/a/stargraph.json" && ok "stargraph.json: 46 tokens an example for D=2 L=5" ||
    bad "stargraph.json: 46 tokens an example for D=2 L=5"
# every document is 46 tokens: <|endoftext|> (54) sits at every multiple of 46 and nowhere else
od -An -v -tu2 -j 1024 -w2 "$T/a/train_000000.bin" |
    awk '{ if (($1 == 54) != ((NR - 1) % 46 == 0)) bad++ } END { exit !(NR > 0 && NR % 46 == 0 && !bad) }' &&
    ok "training documents are whole 46-token examples, each opened by <|endoftext|>" ||
    bad "training documents are whole 46-token examples, each opened by <|endoftext|>"

# no held-out question (edge set, start, goal) occurs in training: a space small enough
# (D=2 L=3 M=6) that the generator draws repeats, rebuilt from the shard bytes
$FL stargraph generate --degree 2 --path-len 3 --nodes 6 --count 3000 --test 40 --seed 3 --out "$T/s" >/dev/null 2>&1
key() { # "a,b|c,d/s,g=..." -> the sorted edges, then "/s,g"
    awk -F'[/=]' '{ n = split($1, e, "|"); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (e[j] < e[i]) { x = e[i]; e[i] = e[j]; e[j] = x }
                   s = ""; for (i = 1; i <= n; i++) s = s e[i] "|"; print s "/" $2 }'
}
od -An -v -tu2 -j 1024 -w2 "$T/s/train_000000.bin" | awk '
    BEGIN { split(", | / =", w, " ") }
    { id = $1 + 0; if (id == 10) { if (line != "") print line; line = "" } else line = line (id < 6 ? id : w[id - 5]) }
    END { if (line != "") print line }' | key | sort -u >"$T/train.keys"
key <"$T/s/test.txt" | sort -u >"$T/test.keys"
[ "$(wc -l <"$T/test.keys")" -eq 40 ] && [ "$(wc -l <"$T/train.keys")" -gt 100 ] &&
    [ -z "$(comm -12 "$T/train.keys" "$T/test.keys")" ] &&
    ok "held-out examples share no question with the training data" ||
    bad "held-out examples share no question with the training data ($(wc -l <"$T/train.keys") train keys; $(comm -12 "$T/train.keys" "$T/test.keys" | head -2))"

$FL stargraph check --file "$T/a/test.txt" >"$T/check" 2>&1 &&
    [ "$(grep -c ': pass$' "$T/check")" -eq 100 ] && ok "check passes every held-out reference path" ||
    bad "check passes every held-out reference path: $(grep -v ': pass$' "$T/check" | head -3)"
# a wrong arm, a missing edge, and a malformed third line
{ echo '3,4|0,1|1,2|0,3/0,4=0,1,2'; echo '3,4|0,1|1,2|0,3/0,4=0,2,4'; echo '3,4|0,1|1,2|0;3/0,4=0,3,4';
  echo '3,4|0,1|1,2|0,3/0,4=0,3,4'; } >"$T/bad.txt"
$FL stargraph check --file "$T/bad.txt" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && grep -q "error: $T/bad.txt line 3, column 14: expected ',' between an edge's two nodes, found ';'" "$T/err" &&
    ok "a malformed line's error names its line and column (exit 1)" ||
    bad "a malformed line's error names its line and column (rc $rc: $(cat "$T/err"))"
grep -q "line 1: wrong-goal" "$T/out" && grep -q "line 2: missing-edge" "$T/out" && grep -q "line 4: pass" "$T/out" &&
    ok "check gives every other line its verdict" || bad "check gives every other line its verdict: $(cat "$T/out")"
$FL stargraph check '3,4|0,1|1,2|0,3/0,4=0,1,2' >"$T/out" 2>&1
[ $? -eq 3 ] && grep -q "wrong-goal - ends at 2, not at the goal 4" "$T/out" && ok "check exits 3 and says why a path fails" ||
    bad "check exits 3 and says why a path fails: $(cat "$T/out")"
$FL stargraph check '3,4|0,1|1,2|0,3/0,4=0,3,x' >"$T/out" 2>&1
[ $? -eq 3 ] && grep -q "parse - column 25: expected a node label, found 'x'" "$T/out" &&
    ok "a malformed path is a parse verdict with its column in the line" || bad "malformed path verdict: $(cat "$T/out")"
$FL stargraph check --json '3,4|0,1|1,2|0,3/0,4=0,3,4' >"$T/out" 2>&1 && grep -q '"verdict": "pass"' "$T/out" &&
    ok "check --json" || bad "check --json: $(cat "$T/out")"

for model in gpt ftp; do
    train_tiny $model "$T/a" 55 92 5 9 "star-graph data"
    $FL stargraph eval "$T/run-$model" --max 20 --json >"$T/eval.json" 2>"$T/log" &&
        [ "$(json "$T/eval.json" 'j.stargraph.n + " " + j.stargraph.first.chance')" = "20 0.5" ] &&
        [ "$(json "$T/eval.json" 'Object.values(j.stargraph.verdicts).reduce((a, b) => a + b, 0)')" = 20 ] &&
        ok "stargraph eval ($model) scores 20 held-out examples" ||
        bad "stargraph eval ($model) scores 20 held-out examples: $(cat "$T/log" "$T/eval.json" | head -c 400)"
done
$FL stargraph eval "$T/run-gpt" --max 5 --threads 1 >"$T/out" 2>&1 && grep -q "first step (arm)" "$T/out" &&
    ok "stargraph eval prints the three scores" || bad "stargraph eval prints the three scores: $(cat "$T/out")"

refused "generate without --out is refused" "missing --out DIR" $FL stargraph generate --count 10
refused "an existing non-empty --out is refused" "already exists" $FL stargraph generate --count 10 --out "$T/a"
refused "too few labels is refused" "need 9..65000 labels" $FL stargraph generate --count 10 --nodes 8 --out "$T/x"
refused "--degree 1 is refused" "degree" $FL stargraph generate --count 10 --degree 1 --out "$T/x"
refused "--path-len 2 is refused" "path-len" $FL stargraph generate --count 10 --path-len 2 --out "$T/x"
refused "more held-out examples than the space holds is refused" "distinct held-out" \
    $FL stargraph generate --count 10 --degree 2 --path-len 3 --nodes 5 --test 1000 --out "$T/x"
[ ! -e "$T/x" ] && ! ls "$T" | grep -q 'x.tmp' && ok "a refused generate leaves no folder behind" ||
    bad "a refused generate leaves no folder behind"
refused "check without lines is refused" "needs lines" $FL stargraph check
refused "eval refuses an empty test file" "holds no star-graph examples" $FL stargraph eval "$T/run-gpt" --file /dev/null
$FL stargraph eval "$T/run-gpt" --file "$T/bad.txt" >"$T/out" 2>&1
[ $? -ne 0 ] && grep -q "bad.txt line 1: its reference path fails: ends at 2" "$T/out" &&
    ok "eval refuses a test file whose reference path is wrong, naming the line" ||
    bad "eval refuses a test file whose reference path is wrong: $(cat "$T/out")"
$FL stargraph --help | grep -q "usage: futurelm stargraph generate" && ok "stargraph --help" || bad "stargraph --help"
