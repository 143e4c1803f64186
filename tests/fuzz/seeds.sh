#!/bin/sh
# Seed corpora for the fuzz harnesses, made by our own commands (never committed):
#   sh tests/fuzz/seeds.sh [OUT]        (default build/fuzz/seeds; make -f tests/fuzz/fuzz.mk seeds)
# Builds ./futurelm, trains a tiny tokenizer, prepares shards and a manifest, runs
# two-step GPT and FTP trainings (their model.safetensors, optimizer.safetensors
# and state.json), converts a GPT to llm.c's and HF's formats, generates countdown
# data, and writes a few config files and --set lines; each harness gets the files
# it parses in OUT/TARGET/.
set -e
cd "$(dirname "$0")/../.."
OUT=${1:-build/fuzz/seeds}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
make -j2 futurelm >/dev/null
FL=$PWD/futurelm
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
rm -rf "$OUT"
for t in json tokenizer_file tokenizer_encode tokenizer_decode shard manifest config countdown stargraph \
    safetensors checkpoint state_json llmc hf_config gguf; do
    mkdir -p "$OUT/$t"
done
n=0
seed() { # TARGET FILE: copy FILE in as the next seed of TARGET
    n=$((n + 1))
    cp "$2" "$OUT/$1/seed$n"
}

# --- text: a small corpus of our own documentation and code
mkdir -p "$W/docs" "$W/small"
i=0
for f in README.md docs/*.md src/util/*.c; do
    i=$((i + 1))
    cp "$f" "$W/docs/doc$i.txt"
done
head -c 3000 README.md >"$W/small/one.txt"
for f in README.md docs/design.md src/tokenizer/pretok.c; do
    [ -f "$f" ] || continue
    head -c 2000 "$f" >"$W/piece"
    seed tokenizer_encode "$W/piece"
done
printf 'Hello, world! <|endoftext|> caf\303\251 \346\235\261\344\272\254 \360\237\230\200 \001\034\037 \302\205 \377\376 it'"'"'s  \n\n\t 1234567 x' >"$W/piece"
seed tokenizer_encode "$W/piece"
for f in data/*/*.txt; do
    [ -f "$f" ] || continue
    head -c 1500 "$f" >"$W/piece"
    seed tokenizer_encode "$W/piece"
    [ $n -gt 30 ] && break
done

# --- tokenizer: a 300-token BPE of the corpus (and part of r50k_base when fetched)
$FL tokenizer train --vocab-size 300 --input "$W/docs" --out "$W/tok.tiktoken" >/dev/null 2>&1
seed tokenizer_file "$W/tok.tiktoken"
printf '{"special_tokens": {"<|endoftext|>": 300, "<|pad|>": 301}}' >"$W/side.json"
seed json "$W/side.json"
{ cat "$W/tok.tiktoken"; printf '\000'; cat "$W/side.json"; } >"$W/tok+side"
seed tokenizer_file "$W/tok+side"
[ -f "$W/tok.tiktoken.json" ] && seed json "$W/tok.tiktoken.json"
if [ -f data/gpt-tokenizer/r50k_base.tiktoken ]; then
    head -n 400 data/gpt-tokenizer/r50k_base.tiktoken >"$W/r50k-head"
    seed tokenizer_file "$W/r50k-head"
fi
$FL tokenizer encode --tokenizer "$W/tok.tiktoken" --input "$W/small/one.txt" >"$W/ids.txt" 2>/dev/null || true
perl -e 'local $/; my @v = split /[\s,]+/, <STDIN>; print pack("l<*", grep { /^-?\d+$/ } @v[0..199])' \
    <"$W/ids.txt" >"$W/ids.bin"
seed tokenizer_decode "$W/ids.bin"
perl -e 'print pack("l<*", 0, 1, 255, 256, 50255, 50256, 50257, -1, 2147483647)' >"$W/ids.bin"
seed tokenizer_decode "$W/ids.bin"

# --- data folders: prepare (the corpus, and a one-file corpus small enough to fuzz its shard)
$FL prepare --tokenizer "$W/tok.tiktoken" --input "$W/docs" --out "$W/data" --val-fraction 0.2 >/dev/null 2>&1
$FL prepare --tokenizer "$W/tok.tiktoken" --input "$W/small" --out "$W/smalldata" --val-fraction 0 >/dev/null 2>&1
for f in "$W"/smalldata/*.bin; do seed shard "$f"; done
seed manifest "$W/data/manifest.json"
seed json "$W/data/manifest.json"
seed manifest "$W/smalldata/manifest.json"

# --- countdown data
$FL countdown generate --n 40 --test 6 --seed 7 --out "$W/cd" >/dev/null 2>&1
for f in "$W"/cd/*.bin; do seed shard "$f"; done
seed manifest "$W/cd/manifest.json"
seed countdown "$W/cd/test_specs.txt"
head -n 1 "$W/cd/test_specs.txt" >"$W/line"
seed countdown "$W/line"
for l in 'nums 3 5 2 7 target 29 : 3 5 * 2 7 * + .' '<|endoftext|> nums 9 9 target 81 : 9 9 * .' \
    'nums 1 2 target 5 : 1 2 - .' 'nums 4 target 4 : 4 4 + .'; do
    printf '%s\n' "$l" >"$W/line"
    seed countdown "$W/line"
done

# --- star-graph lines (labels below the harness's 64)
$FL stargraph generate --degree 2 --path-len 4 --nodes 60 --count 20 --test 4 --seed 3 --out "$W/sg" >/dev/null 2>&1
head -n 3 "$W/sg/test.txt" 2>/dev/null | while IFS= read -r l; do
    printf '%s\n' "$l" >"$W/line"
    seed stargraph "$W/line"
done
printf '1,2|2,3|1,4|4,5/1,3=1,2,3\n' >"$W/line" && seed stargraph "$W/line"

# --- configs: --set lines (byte 0: 0 GPT, 1 FTP) and JSON files
small="model.vocab_size=300
model.block_size=16
model.n_layer=1
model.n_head=2
model.n_embd=16
train.batch_size=2
train.warmup_steps=1
train.max_steps=2
train.ckpt_every=1
train.eval_every=1
train.eval_batches=1
train.lr=1e-2"
{ printf '\000'; printf '%s\n' "$small"; } >"$W/set"
seed config "$W/set"
{ printf '\001'; printf '%s\nftp.n_future=3\nftp.pseudo_len=2\nftp.dec_layers=1\nftp.gamma=0.9\nftp.positions=4\n' "$small"; } >"$W/set"
seed config "$W/set"
{ printf '\000'; printf 'train.seed=-5\ntrain.weight_decay=0\ntrain.min_lr=0\ntrain.grad_clip=0.5\ntrain.beta2=0.999\n'; } >"$W/set"
seed config "$W/set"
printf '{"model.n_layer": 2, "model": {"n_embd": 64, "n_head": "4"}, "train": {"lr": 3e-4, "keep_last": 1}}' >"$W/cfg.json"
seed json "$W/cfg.json"
{ printf '\000'; cat "$W/cfg.json"; } >"$W/cfg"
seed config "$W/cfg"
printf '{"ftp": {"n_future": 4, "pseudo_len": 4, "gamma": 0.8, "dec_layers": 2, "dec_heads": 2}, "model.block_size": 64}' >"$W/cfg.json"
{ printf '\001'; cat "$W/cfg.json"; } >"$W/cfg"
seed config "$W/cfg"

# --- checkpoints: `init` and two-step trainings of a tiny GPT and FTP
sets=$(printf '%s\n' "$small" | sed 's/^/--set /')
# shellcheck disable=SC2086
$FL init --model gpt $sets --out "$W/init-gpt" >/dev/null 2>&1
# shellcheck disable=SC2086
$FL train --model gpt --data "$W/data" --out "$W/gpt" $sets >/dev/null 2>&1
# shellcheck disable=SC2086
$FL train --model ftp --data "$W/data" --out "$W/ftp" $sets --set ftp.n_future=2 --set ftp.pseudo_len=2 \
    --set ftp.dec_layers=1 >/dev/null 2>&1
for ck in "$W/init-gpt" "$W"/gpt/step_* "$W"/ftp/step_*; do
    [ -d "$ck" ] || continue
    for f in model.safetensors optimizer.safetensors; do
        [ -f "$ck/$f" ] && seed safetensors "$ck/$f"
    done
    # the checkpoint harness: model.safetensors, then (after a 4-byte little-endian
    # length of the model part) optimizer.safetensors when there is one
    opt=/dev/null
    [ -f "$ck/optimizer.safetensors" ] && opt=$ck/optimizer.safetensors
    perl -e 'my ($m, $o) = @ARGV; local $/; open(M, "<", $m) or die; my $a = <M>; open(O, "<", $o) or die;
             my $b = <O> // ""; print pack("L<", length $a), $a, $b' "$ck/model.safetensors" "$opt" >"$W/ck"
    seed checkpoint "$W/ck"
    if [ -f "$ck/state.json" ]; then
        seed state_json "$ck/state.json"
        seed json "$ck/state.json"
    fi
done
# --- other tools' model files (futurelm convert): llm.c's, and HF GPT-2's config.json
if $FL convert "$W/init-gpt" --to llmc --out "$W/gpt.bin" >/dev/null 2>&1; then
    seed llmc "$W/gpt.bin"
    head -c 1024 "$W/gpt.bin" >"$W/gpt-header" && seed llmc "$W/gpt-header"
fi
$FL convert "$W/init-gpt" --to hf --out "$W/hf" >/dev/null 2>&1 && seed hf_config "$W/hf/config.json"
if $FL convert "$W/init-gpt" --to gguf-f16 --tokenizer "$W/tok.tiktoken" --out "$W/gpt.gguf" >/dev/null 2>&1; then
    seed gguf "$W/gpt.gguf"
    head -c 4096 "$W/gpt.gguf" >"$W/gguf-head" && seed gguf "$W/gguf-head"
fi
for f in tests/fixtures/hf_gpt2*/config.json; do [ -f "$f" ] && seed hf_config "$f"; done
# the safetensors header alone, as JSON
f=$W/gpt/step_00000001/model.safetensors
[ -f "$f" ] && perl -e 'local $/; my $d = <STDIN>; my $n = unpack("Q<", substr($d, 0, 8)); print substr($d, 8, $n)' \
    <"$f" >"$W/header.json" && seed json "$W/header.json"
for t in "$OUT"/*; do
    echo "seeds: $(basename "$t"): $(ls "$t" | wc -l) files"
done
