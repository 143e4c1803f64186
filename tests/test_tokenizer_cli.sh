#!/bin/sh
# CLI checks of `futurelm tokenizer` and `futurelm prepare` that need no downloaded data:
# round trips through stdin/stdout, and bad input -> "futurelm: error: ..." with exit
# status 1 (never a crash) and no partial output.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
ok() { echo "ok - cli: $1"; }
nok() { echo "not ok - cli: $1: $2"; }

# expect_error NAME PATTERN COMMAND...: exit 1 (2 for usage errors), stderr starts with futurelm: error: and matches PATTERN
expect_error() {
    name=$1 pat=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if { [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]; } && grep -q '^futurelm: error: ' "$T/err" && grep -q -- "$pat" "$T/err"; then
        ok "$name"
    else
        nok "$name" "exit $rc, stderr: $(head -c 300 "$T/err")"
    fi
}

mkdir -p "$T/corpus/sub"
i=0
while [ $i -lt 30 ]; do
    printf 'Document %d: the quick brown fox jumps over the lazy dog. It'"'"'s %d o'"'"'clock; caf\303\251 na\303\257ve!\n\n' $i $((i * 7)) >"$T/corpus/sub/d$i.txt"
    i=$((i + 1))
done
printf '{"text": "json line one"}\n{"text": "json line two \\u00e9"}\n' >"$T/corpus/docs.jsonl"

if "$FL" tokenizer train --vocab-size 300 --input "$T/corpus" --out "$T/tok.tiktoken" >/dev/null 2>"$T/err" &&
    [ -s "$T/tok.tiktoken" ] && [ -s "$T/tok.tiktoken.json" ]; then
    ok "tokenizer train writes FILE and FILE.json"
else
    nok "tokenizer train" "$(cat "$T/err")"
fi

printf 'Hello world \377\376 caf\303\251 <|endoftext|> end' >"$T/in.bin"
"$FL" tokenizer encode --tokenizer "$T/tok.tiktoken" --input "$T/in.bin" >"$T/ids.txt" &&
    "$FL" tokenizer decode --tokenizer "$T/tok.tiktoken" --input "$T/ids.txt" >"$T/back.bin"
if cmp -s "$T/in.bin" "$T/back.bin"; then ok "encode | decode round-trips bytes (invalid UTF-8 included)"; else nok "round trip" "differs"; fi
"$FL" tokenizer encode --tokenizer "$T/tok.tiktoken" --json --allow-special <"$T/in.bin" >"$T/ids.json"
if grep -q '^\[.*,299,.*\]$' "$T/ids.json"; then ok "encode --json --allow-special gives <|endoftext|> = 299"; else nok "json/special" "$(cat "$T/ids.json")"; fi

expect_error "vocabulary smaller than 256 + specials" "at least 257" "$FL" tokenizer train --vocab-size 200 --input "$T/corpus" --out "$T/small.tiktoken"
[ -e "$T/small.tiktoken" ] && nok "small vocab leaves no file" "file exists"
expect_error "train: missing input" "nope.txt" "$FL" tokenizer train --vocab-size 300 --input "$T/nope.txt" --out "$T/x.tiktoken"
echo "1 2 300" >"$T/badids"
expect_error "decode: id outside the vocabulary" "300" "$FL" tokenizer decode --tokenizer "$T/tok.tiktoken" --input "$T/badids"
echo "1 x 2" >"$T/badids2"
expect_error "decode: not a number" "expected a token id" "$FL" tokenizer decode --tokenizer "$T/tok.tiktoken" --input "$T/badids2"
printf 'garbage here\n' >"$T/bad.tiktoken"
expect_error "a file that is not a rank file" "bad.tiktoken:1" "$FL" tokenizer encode --tokenizer "$T/bad.tiktoken" --input "$T/in.bin"
expect_error "missing tokenizer" "missing.tiktoken" "$FL" tokenizer encode --tokenizer "$T/missing.tiktoken" --input "$T/in.bin"

# prepare
if "$FL" prepare --tokenizer "$T/tok.tiktoken" --input "$T/corpus" --out "$T/data" --val-fraction 0.2 --seed 3 >"$T/out" 2>"$T/err" &&
    [ -s "$T/data/manifest.json" ] && [ -s "$T/data/train_000000.bin" ] && [ -s "$T/data/val_000000.bin" ]; then
    ok "prepare writes train/val shards and a manifest ($(cat "$T/out"))"
else
    nok "prepare" "$(cat "$T/err")"
fi
if grep -q '"sha256": "'"$(sha256sum "$T/tok.tiktoken" | cut -d' ' -f1)"'"' "$T/data/manifest.json"; then
    ok "manifest records the tokenizer's sha256"
else
    nok "manifest sha256" "missing"
fi
touch "$T/empty.txt"
mkdir -p "$T/notext"
echo x >"$T/notext/a.dat"
printf '{"text": 5}\n' >"$T/bad.jsonl"
printf 'not json\n' >"$T/bad2.jsonl"
expect_error "prepare: missing input" "nope" "$FL" prepare --tokenizer "$T/tok.tiktoken" --input "$T/nope" --out "$T/o1"
expect_error "prepare: empty input" "empty.txt" "$FL" prepare --tokenizer "$T/tok.tiktoken" --input "$T/empty.txt" --out "$T/o1"
expect_error "prepare: folder without text" "no text files" "$FL" prepare --tokenizer "$T/tok.tiktoken" --input "$T/notext" --out "$T/o1"
expect_error "prepare: JSONL text not a string" "bad.jsonl:1" "$FL" prepare --tokenizer "$T/tok.tiktoken" --input "$T/bad.jsonl" --out "$T/o1"
expect_error "prepare: JSONL line not JSON" "bad2.jsonl:1" "$FL" prepare --tokenizer "$T/tok.tiktoken" --input "$T/bad2.jsonl" --out "$T/o1"
expect_error "prepare: existing output" "already exists" "$FL" prepare --tokenizer "$T/tok.tiktoken" --input "$T/corpus" --out "$T/data"
expect_error "prepare: bad --val-fraction" "val-fraction" "$FL" prepare --tokenizer "$T/tok.tiktoken" --input "$T/corpus" --out "$T/o1" --val-fraction 1.5
if [ -e "$T/o1" ] || ls "$T" | grep -q '\.tmp\.'; then nok "failed prepares leave nothing behind" "$(ls "$T")"; else ok "failed prepares leave nothing behind"; fi
