#!/bin/sh
# A data folder's manifest records its tokenizer relative to the folder itself
# (src/data/manifest.c, the rule of util/fs.h), so a data folder moved or linked
# together with its tokenizer still finds it, from any current folder; manifests
# written before the rule (path as from the folder prepare ran in) still read.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
FL=$(cd "$(dirname "$FL")" && pwd)/$(basename "$FL")
tiny_corpus 300 0.2
check "the manifest records the tokenizer relative to the data folder" \
    'grep -q "\"path\": \"../tok.tiktoken\", \"relative_to\": \"manifest\"" "$T/data/manifest.json"'
mkdir -p "$T/moved/deeper" "$T/elsewhere"
mv "$T/data" "$T/tok.tiktoken" "$T/tok.tiktoken.json" "$T/moved/deeper/"
ln -s "$T/moved/deeper" "$T/link"
SMALL="--set model.vocab_size=300 --set model.block_size=16 --set model.n_layer=1 --set model.n_head=2
       --set model.n_embd=16 --set train.batch_size=2 --set train.max_steps=2 --set train.eval_every=2
       --set train.eval_batches=1 --set train.warmup_steps=1 --set train.threads=1"
# shellcheck disable=SC2086
(cd "$T/elsewhere" && $FL train --data ../link/data --out run $SMALL >"$T/log" 2>&1)
check "train on the moved folder, through a link, from another folder" '[ $? = 0 ]'
(cd "$T" && $FL generate elsewhere/run --prompt "the model" --max-tokens 3 --temperature 0 >"$T/gen" 2>"$T/err")
check "the run finds the tokenizer: generate takes a text prompt from yet another folder" \
    '[ $? = 0 ] && [ -s "$T/gen" ] && [ ! -s "$T/err" ]'
# a manifest from before the rule: the path as from the folder prepare ran in, no relative_to
sed 's|"path": "../tok.tiktoken", "relative_to": "manifest", "absolute": "[^"]*"|"path": "moved/deeper/tok.tiktoken"|' \
    "$T/moved/deeper/data/manifest.json" >"$T/m" && cp "$T/m" "$T/moved/deeper/data/manifest.json"
# shellcheck disable=SC2086
(cd "$T" && $FL train --data moved/deeper/data --out old $SMALL >"$T/log" 2>&1 &&
    $FL generate old --prompt "the model" --max-tokens 3 --temperature 0 >"$T/gen" 2>"$T/err")
check "an old manifest's path, from the folder it names, still reads" '[ $? = 0 ] && [ -s "$T/gen" ] &&
    ! grep -q absolute "$T/moved/deeper/data/manifest.json"'
# a data folder moved without its tokenizer: the absolute path recorded beside the relative one
tiny_corpus 300 0.2
mkdir -p "$T/alone"
mv "$T/data" "$T/alone/"
# shellcheck disable=SC2086
(cd "$T/elsewhere" && $FL train --data ../alone/data --out run2 $SMALL >"$T/log" 2>&1 &&
    $FL generate run2 --prompt "the model" --max-tokens 3 --temperature 0 >"$T/gen" 2>"$T/err")
check "a data folder moved without its tokenizer finds it by the absolute path" '[ $? = 0 ] && [ -s "$T/gen" ]'
# a tokenizer name (gpt2) is recorded as given, with no relative or absolute form
printf 'hello world\n' >"$T/one.txt"
if $FL prepare --tokenizer gpt2 --input "$T/one.txt" --out "$T/g2" --val-fraction 0 >/dev/null 2>&1; then
    check "a named tokenizer is recorded by its name" 'grep -q "\"path\": \"gpt2\", \"sha256\"" "$T/g2/manifest.json"'
else
    ok "# skip: GPT-2's tokenizer not fetched (futurelm fetch gpt2)"
fi
