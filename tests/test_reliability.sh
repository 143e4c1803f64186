#!/bin/sh
# Bad input gets a clear error and loses nothing: regressions of issue 14's reproductions
# that live in data preparation and tokenization (each failed before its fix).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

# An empty input folder: qsort(NULL, 0) aborted prepare and tokenizer train under UBSan.
mkdir -p "$T/empty"
$FL prepare --tokenizer gpt2 --input "$T/empty" --out "$T/p" >"$T/out" 2>&1
rc=$?
check "prepare on an empty folder: exit 1 with a futurelm: error: line" '[ $rc -eq 1 ] && grep -q "^futurelm: error: .*holds no text files" "$T/out"'
check "prepare on an empty folder writes nothing" '[ ! -e "$T/p" ]'
$FL tokenizer train --vocab-size 300 --input "$T/empty" --out "$T/t.tiktoken" >"$T/out" 2>&1
rc=$?
check "tokenizer train on an empty folder: exit 1 with a futurelm: error: line" '[ $rc -eq 1 ] && grep -q "^futurelm: error: " "$T/out"'

# A manifest whose token width disagrees with its vocabulary (and so with its shards'
# magic) is refused, naming the file, instead of reading the shards with the wrong width.
tiny_corpus 300 0.2
sed 's/"token_bytes": 2/"token_bytes": 4/' "$T/data/manifest.json" >"$T/m" && mv "$T/m" "$T/data/manifest.json"
$FL train --model gpt --data "$T/data" --out "$T/run" --set model.vocab_size=300 --set model.block_size=16 \
    --set model.n_layer=1 --set model.n_head=1 --set model.n_embd=16 --set train.max_steps=1 >"$T/out" 2>&1
rc=$?
check "a manifest with token_bytes 4 for a 300-token vocabulary is refused" '[ $rc -ne 0 ] && grep -q "manifest.json.*token_bytes 4" "$T/out"'
check "the refused run leaves no run folder" '[ ! -e "$T/run/latest" ]'

# Token ids for decode: blanks or commas, the whole list optionally in one [ ... ]; a bracket
# anywhere else was silently skipped ("1,2,[3" decoded as 1 2 3).
printf '1,2,[3' | $FL tokenizer decode --tokenizer "$T/tok.tiktoken" >"$T/out" 2>&1
rc=$?
check "decode refuses '1,2,[3' naming the byte" '[ $rc -eq 1 ] && grep -q "byte 4: a .\[. inside the list of ids" "$T/out"'
printf '[1,2' | $FL tokenizer decode --tokenizer "$T/tok.tiktoken" >"$T/out" 2>&1
check "decode refuses an unbalanced [" '[ $? -eq 1 ] && grep -q "unbalanced" "$T/out"'
printf ' [1, 2, 3] ' | $FL tokenizer decode --tokenizer "$T/tok.tiktoken" >"$T/a" 2>&1 &&
    printf '1 2 3' | $FL tokenizer decode --tokenizer "$T/tok.tiktoken" >"$T/b" 2>&1
check "decode reads a JSON array and a plain list alike" 'cmp -s "$T/a" "$T/b"'

# A command or task run without its action is a usage error like any other: exit 2 and a
# "futurelm: error:" line before the usage screen (it printed only the usage).
for c in "" countdown tokenizer stargraph eval; do
    $FL $c >"$T/out" 2>"$T/err"
    rc=$?
    check "futurelm $c with no action: exit 2 and a futurelm: error: line" '[ $rc -eq 2 ] && grep -q "^futurelm: error: " "$T/err"'
done

# generate --prompt-file on a folder (or any read error) gave an empty prompt with exit 0.
$FL init --model gpt --out "$T/g" --set model.vocab_size=300 --set model.block_size=16 --set model.n_layer=1 \
    --set model.n_head=1 --set model.n_embd=16 >/dev/null 2>&1
$FL generate "$T/g" --tokenizer "$T/tok.tiktoken" --prompt-file "$T" --max-tokens 3 >"$T/out" 2>&1
rc=$?
check "generate --prompt-file DIR: exit 1 with a futurelm: error: line naming it" '[ $rc -eq 1 ] && grep -q "^futurelm: error: .*$T" "$T/out"'

# tokenizer encode --binary OUT wrote through a fixed OUT.tmp: a user's file of that name was
# truncated, and removed on an error. The aside name is now new (OUT.tmp-PID, O_EXCL).
echo "$T/docs/doc1.txt" >"$T/list"
echo "the user's" >"$T/ids.bin.tmp"
$FL tokenizer encode --tokenizer "$T/tok.tiktoken" --files-from "$T/list" --binary "$T/ids.bin" >/dev/null 2>&1
check "encode --binary leaves a user's OUT.tmp alone" '[ -s "$T/ids.bin" ] && [ "$(cat "$T/ids.bin.tmp")" = "the user'"'"'s" ]'
