#!/bin/sh
# GGUF (llama.cpp's gpt2) both ways and the tokenizer files of a Hugging Face export:
# - checkpoint -> GGUF -> checkpoint is bit for bit, and the GGUF's tensors equal the checkpoint's
#   under a GGUF reader written in the test (tests/gguf_check.py; F16: numpy's rounding, bit for bit);
# - Hugging Face's own GGUF parser (@huggingface/gguf) reads the header, metadata and tensor infos;
# - the tokenizer exported (vocab.json + merges.txt, tokenizer.json) gives the ids futurelm's gives:
#   tokenizers.js on tokenizer.json and a merge-list BPE written in the test on vocab.json + merges.txt,
#   for a trained vocabulary and for GPT-2's (when fetched);
# - damaged GGUF files are refused with a message, exit 1, nothing under --out.
# The node checks skip with a reason when tests/interop_js has no node_modules (npm ci there).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
PYTHON=${PYTHON:-/usr/bin/python3}
JS=tests/interop_js/check.mjs
have_js=1
[ -d tests/interop_js/node_modules/@huggingface/gguf ] && [ -d tests/interop_js/node_modules/@huggingface/tokenizers ] ||
    have_js=0
"$PYTHON" -c "import numpy" 2>/dev/null || { echo "ok - # SKIP numpy is not installed for $PYTHON"; exit 0; }

tiny_corpus 400 0.2
small="--set model.block_size=32 --set model.n_layer=2 --set model.n_head=2 --set model.n_embd=32"
# shellcheck disable=SC2086
$FL init --out "$T/ck" --set model.vocab_size=400 $small >/dev/null || { bad "init a tiny GPT"; exit 1; }

check "checkpoint -> GGUF with a trained tokenizer (exit 0)" \
    "$FL convert '$T/ck' --to gguf --tokenizer '$T/tok.tiktoken' --out '$T/m.gguf' >'$T/out' 2>&1 && grep -q '(gguf)' '$T/out'"
"$PYTHON" tests/gguf_check.py compare "$T/m.gguf" "$T/ck/model.safetensors" >"$T/cmp" 2>&1
check "the GGUF holds every tensor under llama.cpp's gpt2 name, dims reversed, bit for bit ($(tail -n 1 "$T/cmp"))" \
    "[ $? -eq 0 ]"
check "GGUF -> checkpoint: model.safetensors equal to the original byte for byte" \
    "$FL convert '$T/m.gguf' --out '$T/ck2' >/dev/null 2>&1 && cmp -s '$T/ck/model.safetensors' '$T/ck2/model.safetensors'"
check "... and back to GGUF: the same file byte for byte" \
    "$FL convert '$T/ck2' --to gguf --tokenizer '$T/tok.tiktoken' --out '$T/m2.gguf' >/dev/null 2>&1 && cmp -s '$T/m.gguf' '$T/m2.gguf'"
"$FL" convert "$T/ck" --to gguf-f16 --tokenizer "$T/tok.tiktoken" --out "$T/h.gguf" >/dev/null 2>&1
"$PYTHON" tests/gguf_check.py compare "$T/h.gguf" "$T/ck/model.safetensors" >"$T/cmp" 2>&1
check "gguf-f16: the matrices are numpy's float16 rounding of ours, bit for bit, vectors F32" "[ $? -eq 0 ]"
check "gguf-f16 -> checkpoint -> gguf-f16: the same file (half -> float -> half is exact)" \
    "$FL convert '$T/h.gguf' --out '$T/ck3' >/dev/null 2>&1 && $FL convert '$T/ck3' --to gguf-f16 --tokenizer '$T/tok.tiktoken' --out '$T/h2.gguf' >/dev/null 2>&1 && cmp -s '$T/h.gguf' '$T/h2.gguf'"

# the sample text: some of the corpus, accents, emoji, whitespace runs, digits, the special token
{ head -c 4000 README.md; printf '\n  caf\303\251 na\303\257ve  \t\n\n   x<|endoftext|>y 12345 \360\237\230\200!!  \n'; } >"$T/sample.txt"
same_ids() { # NAME TOKENIZER HF_DIR: futurelm's ids equal tokenizers.js's and the merge-list BPE's
    $FL tokenizer encode --tokenizer "$2" --allow-special --json --input "$T/sample.txt" >"$T/ids.fl" 2>&1
    if [ $have_js = 0 ]; then
        echo "ok - # SKIP $1: tests/interop_js has no node_modules (cd tests/interop_js && npm ci)"
        return
    fi
    node $JS tokenizers "$3" "$T/sample.txt" >"$T/ids.tj" 2>&1
    node $JS merges "$3" "$T/sample.txt" >"$T/ids.mg" 2>&1
    n=$(json "$T/ids.fl" 'j.length')
    check "$1: tokenizers.js on tokenizer.json gives futurelm's $n ids" "cmp -s '$T/ids.fl' '$T/ids.tj'"
    check "$1: a merge-list BPE on vocab.json + merges.txt gives futurelm's $n ids" "cmp -s '$T/ids.fl' '$T/ids.mg'"
}
check "checkpoint -> HF with the trained tokenizer: vocab.json, merges.txt, tokenizer.json, tokenizer_config.json" \
    "$FL convert '$T/ck' --to hf --tokenizer '$T/tok.tiktoken' --out '$T/hf' >/dev/null 2>&1 && [ -s '$T/hf/vocab.json' ] && [ -s '$T/hf/merges.txt' ] && [ -s '$T/hf/tokenizer.json' ] && [ -s '$T/hf/tokenizer_config.json' ]"
check "config.json records the end-of-text id as bos/eos_token_id (399)" \
    "[ \"\$(json '$T/hf/config.json' 'j.bos_token_id + \",\" + j.eos_token_id')\" = 399,399 ]"
same_ids "trained vocabulary" "$T/tok.tiktoken" "$T/hf"

if [ $have_js = 1 ]; then
    node $JS gguf "$T/m.gguf" >"$T/g.json" 2>&1
    check "@huggingface/gguf reads the header and keys (gpt2, 2 blocks, context 32, 400 tokens, eos 399)" \
        "[ \"\$(json '$T/g.json' '[j.metadata.version, j.metadata[\"general.architecture\"], j.metadata[\"gpt2.block_count\"], j.metadata[\"gpt2.context_length\"], j.metadata[\"tokenizer.ggml.tokens\"].length, j.metadata[\"tokenizer.ggml.eos_token_id\"]].join()')\" = 3,gpt2,2,32,400,399 ]"
    check "@huggingface/gguf reads the 28 tensor infos (token_embd [32, 400] F32, blk.0.ffn_up [32, 128])" \
        "[ \"\$(json '$T/g.json' 'const f = n => j.tensors.find(t => t.name === n); [j.tensors.length, f(\"token_embd.weight\").shape, f(\"token_embd.weight\").dtype, f(\"blk.0.ffn_up.weight\").shape].join(\"/\")')\" = 28/32,400/0/32,128 ]"
else
    echo "ok - # SKIP @huggingface/gguf: tests/interop_js has no node_modules (cd tests/interop_js && npm ci)"
fi

# a run records its tokenizer: the export finds it, and refuses a changed file
train_tiny gpt "$T/data" 400 32 2 1 "the tiny corpus"
check "a trained run -> GGUF with the tokenizer its state.json records (no --tokenizer)" \
    "$FL convert '$T/run-gpt' --to gguf --out '$T/run.gguf' >/dev/null 2>&1 && [ -s '$T/run.gguf' ]"
# given relative paths, state.json records them from the run folder (ckpt/run_dir.h): convert finds them
# by that rule from any folder, not from the current one
FLA=$(cd "$(dirname "$FL")" && pwd)/$(basename "$FL")
(cd "$T" && "$FLA" prepare --tokenizer tok.tiktoken --input docs --out rdata --val-fraction 0.2 >/dev/null 2>&1 &&
    "$FLA" train --data rdata --out runs/rel --set model.block_size=16 --set model.n_layer=1 \
    --set model.n_head=2 --set model.n_embd=16 --set train.max_steps=1 --set train.batch_size=2 >/dev/null 2>&1)
check "a run trained with relative paths -> GGUF from its parent folder, with its recorded tokenizer" \
    "grep -q '\"../../tok.tiktoken\"' '$T/runs/rel/step_00000001/state.json' && (cd '$T' && '$FLA' convert runs/rel --to gguf --out rel.gguf >/dev/null 2>&1) && [ -s '$T/rel.gguf' ]"
cp "$T/tok.tiktoken" "$T/tok.orig" && sed '$d' "$T/tok.orig" >"$T/tok.tiktoken"
refused "a recorded tokenizer that changed since: refused, naming the hash" "sha256" \
    $FL convert "$T/run-gpt" --to gguf --out "$T/x.gguf"
cp "$T/tok.orig" "$T/tok.tiktoken"
refused "GGUF without a known tokenizer: refused, naming --tokenizer" "--tokenizer" \
    $FL convert "$T/ck" --to gguf --out "$T/x.gguf"
# shellcheck disable=SC2086
$FL init --out "$T/ck300" --set model.vocab_size=300 $small >/dev/null
refused "a tokenizer larger than the model's vocabulary: refused, naming model.vocab_size" "model.vocab_size" \
    $FL convert "$T/ck300" --to gguf --tokenizer "$T/tok.tiktoken" --out "$T/x.gguf"
check "... and nothing written under --out" "[ ! -e '$T/x.gguf' ]"
# shellcheck disable=SC2086
$FL init --model ftp --out "$T/ftp" --set model.vocab_size=400 $small >/dev/null
refused "an FTP model to GGUF: refused, naming model.type" "model.type=ftp" \
    $FL convert "$T/ftp" --to gguf --tokenizer "$T/tok.tiktoken" --out "$T/x.gguf"
{ head -n 256 "$T/tok.tiktoken"; echo "YWJj 256"; } >"$T/notbpe.tiktoken" # "abc" with neither "ab" nor "bc"
refused "a rank that is no merge of two lower ranks: refused, naming the token" "token 256 is not the merge" \
    $FL convert "$T/ck" --to hf --tokenizer "$T/notbpe.tiktoken" --out "$T/x"
check "... and no HF folder written" "[ ! -e '$T/x' ]"

for k in magic:GGUF version:'version 2' truncated:'past the end' past_end:'past the end' type:Q4_0 \
    kv_count:'more than' tensor_count:'more than' arch:general.architecture; do
    kind=${k%%:*} want=${k#*:}
    "$PYTHON" tests/gguf_check.py damage "$T/m.gguf" "$kind" "$T/bad-$kind.gguf"
    $FL convert "$T/bad-$kind.gguf" --out "$T/o-$kind" >"$T/out" 2>&1
    check "a GGUF with a damaged $kind: exit 1, a message naming the file and '$want', nothing under --out" \
        "[ $? -eq 1 ] && grep -q 'bad-$kind.gguf.*$want' '$T/out' && [ ! -e '$T/o-$kind' ]"
done

R50K=data/gpt-tokenizer/r50k_base.tiktoken
if [ ! -f "$R50K" ]; then
    echo "ok - # SKIP GPT-2's tokenizer: $R50K is not fetched (scripts/get-data.sh)"
    exit 0
fi
# shellcheck disable=SC2086
$FL init --out "$T/g2" --set model.vocab_size=50257 $small >/dev/null
check "GPT-2's tokenizer -> HF: merges.txt is GPT-2's 50000 merges, 'Ġ t' first; vocab.json has 50257 tokens" \
    "$FL convert '$T/g2' --to hf --tokenizer gpt2 --out '$T/hf2' >/dev/null 2>&1 && [ \$(wc -l <'$T/hf2/merges.txt') -eq 50001 ] && sed -n 2p '$T/hf2/merges.txt' | grep -qx 'Ġ t' && [ \"\$(json '$T/hf2/vocab.json' 'Object.keys(j).length + \",\" + j[\"<|endoftext|>\"] + \",\" + j[\"Ġthe\"]')\" = 50257,50256,262 ]"
same_ids "GPT-2's tokenizer" "$R50K" "$T/hf2"
check "GPT-2's tokenizer -> GGUF: 50257 tokens, 50000 merges, bos = eos = 50256" \
    "$FL convert '$T/g2' --to gguf --tokenizer gpt2 --out '$T/g2.gguf' >/dev/null 2>&1 && $PYTHON -c \"
import sys; sys.path.insert(0, 'tests'); import gguf_check as g
_, kv, _, _ = g.parse(open('$T/g2.gguf', 'rb').read())
assert len(kv['tokenizer.ggml.tokens']) == 50257 and len(kv['tokenizer.ggml.merges']) == 50000
assert kv['tokenizer.ggml.bos_token_id'] == kv['tokenizer.ggml.eos_token_id'] == 50256
assert kv['tokenizer.ggml.token_type'][50256] == 3 and kv['tokenizer.ggml.tokens'][262] == 'Ġthe'\""
