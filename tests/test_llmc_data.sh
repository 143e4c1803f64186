#!/bin/sh
# llm.c's shards as they are: a folder of llm.c-named shards (*_train*.bin, *_val*.bin) without
# manifest.json trains, its first losses equal the same run on the prepared folder holding the same
# tokens, state.json records that no manifest was there, and bad folders are refused naming the
# file or the key (no train shard, no val shard, a vocabulary below a shard's largest id, none given).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

tiny_corpus 400 0.2
# the prepared shards, renamed as llm.c names its own, and no manifest
mkdir "$T/llmc"
cp "$T/data/train_000000.bin" "$T/llmc/tiny_shakespeare_train.bin"
cp "$T/data/val_000000.bin" "$T/llmc/tiny_shakespeare_val.bin"

SMALL="--set model.block_size=32 --set model.n_layer=1 --set model.n_head=2 --set model.n_embd=32
       --set train.batch_size=4 --set train.warmup_steps=1 --set train.max_steps=3 --set train.eval_every=3
       --set train.eval_batches=1 --set train.threads=1"
losses() { grep '"loss"' "$1/metrics.jsonl" | sed 's/.*"step":\([0-9]*\),"loss":\([^,]*\),.*/\1 \2/'; }

# shellcheck disable=SC2086
$FL train --data "$T/data" --out "$T/prep" $SMALL >"$T/log" 2>&1 || { bad "prepared run: $(tail -n 2 "$T/log")"; }
# shellcheck disable=SC2086
if $FL train --data "$T/llmc" --out "$T/raw" --set model.vocab_size=400 $SMALL >"$T/log" 2>&1; then
    losses "$T/prep" >"$T/a"
    losses "$T/raw" >"$T/b"
    if [ "$(wc -l <"$T/a")" -eq 3 ] && cmp -s "$T/a" "$T/b"; then
        ok "llm.c-named shards without a manifest (model.vocab_size=400): the 3 losses equal the prepared run's ($(head -n 1 "$T/a"))"
    else
        bad "losses differ from the prepared run"; paste "$T/a" "$T/b"
    fi
    check "state.json records that the data had no manifest" "grep -q '\"data_manifest\": false' '$T/raw'/step_*/state.json"
    check "a prepared run's state.json says nothing of it" "! grep -q data_manifest '$T/prep'/step_*/state.json"
    if $FL train --data "$T/llmc" --out "$T/raw" --resume "$T/raw" --set train.max_steps=4 >"$T/log" 2>&1; then
        ok "a manifest-less run resumes (vocabulary from its checkpoint)"
    else
        bad "resume: $(tail -n 2 "$T/log")"
    fi
else
    bad "llm.c-named shards: $(tail -n 2 "$T/log")"
fi

# the vocabulary from the tokenizer instead: same model size, same losses
# shellcheck disable=SC2086
if $FL train --data "$T/llmc" --out "$T/rawtok" --tokenizer "$T/tok.tiktoken" $SMALL >"$T/log" 2>&1 &&
    losses "$T/rawtok" >"$T/c" && cmp -s "$T/a" "$T/c"; then
    ok "--tokenizer gives the vocabulary (and eot) of manifest-less shards: losses equal the prepared run's"
else
    bad "--tokenizer: $(tail -n 2 "$T/log")"
fi

# a resume without --tokenizer keeps the tokenizer the run recorded
sha=$(grep -o '"sha256": "[0-9a-f]*"' "$T"/rawtok/step_*/state.json | head -n 1 | sed 's/.*: //')
if $FL train --data "$T/llmc" --out "$T/rawtok" --resume "$T/rawtok" --set train.max_steps=4 >"$T/log" 2>&1 &&
    [ -n "$sha" ] && grep -q "\"sha256\": $sha" "$T/rawtok/step_00000004/state.json" &&
    grep -q '"path": ".*tok.tiktoken"' "$T/rawtok/step_00000004/state.json"; then
    ok "a manifest-less resume without --tokenizer keeps the recorded tokenizer (path and sha256)"
else
    bad "resume keeps the tokenizer: $(tail -n 2 "$T/log"; cat "$T"/rawtok/step_00000004/state.json 2>/dev/null | head -8)"
fi

# bad folders
refused "no vocabulary for manifest-less shards: the error names model.vocab_size" "model.vocab_size" \
    $FL train --data "$T/llmc" --out "$T/x1"
refused "a vocabulary below a shard's largest id: the error names the shard" "tiny_shakespeare_train.bin.*outside the vocabulary" \
    $FL train --data "$T/llmc" --out "$T/x2" --set model.vocab_size=100
mkdir "$T/noval"
cp "$T/data/train_000000.bin" "$T/noval/fineweb_train_000001.bin"
cp "$T/data/val_000000.bin" "$T/noval/train_value.bin" # "val" not a whole word: no val shard
refused "no val shard: refused, naming the split" "no val shard" \
    $FL train --data "$T/noval" --out "$T/x3" --set model.vocab_size=400
mkdir "$T/notrain"
cp "$T/data/val_000000.bin" "$T/notrain/fineweb_val_000000.bin"
refused "no train shard: refused, naming the split" "no train shard" \
    $FL train --data "$T/notrain" --out "$T/x4" --set model.vocab_size=400
cp "$T/data/val_000000.bin" "$T/llmc/bad_val_000001.bin"
printf 'XXXX' | dd of="$T/llmc/bad_val_000001.bin" conv=notrunc 2>/dev/null
refused "a bad val shard is an error naming it (not evaluation quietly off)" "bad_val_000001.bin" \
    $FL train --data "$T/llmc" --out "$T/x5" --set model.vocab_size=400
$FL tokenizer train --vocab-size 300 --input "$T/docs" --out "$T/other.tiktoken" >/dev/null 2>&1
refused "a prepared folder with another --tokenizer than its manifest's is refused" "not the tokenizer" \
    $FL train --data "$T/data" --out "$T/x6" --tokenizer "$T/other.tiktoken"
check "no run folder was left by the refused runs" "[ ! -e '$T/x1/metrics.jsonl' ] && [ ! -e '$T/x2/metrics.jsonl' ] && [ ! -e '$T/x5/metrics.jsonl' ]"
