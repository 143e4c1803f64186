#!/bin/sh
# futurelm convert from the command line: the PyTorch reference's HF folder and llm.c file convert,
# the checkpoint seeds an FTP encoder through --init-from (training on llm.c shards
# with no manifest), usage errors exit 2 and failures 1 with nothing under --out.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
PYTHON=${PYTHON:-/usr/bin/python3}
"$PYTHON" tests/reference/make_hf_fixture.py "$T/fx" >/dev/null 2>&1 || { bad "make_hf_fixture.py runs"; exit 1; }

check "HF folder -> futurelm checkpoint (exit 0, says what it detected)" \
    "$FL convert '$T/fx/hf_gpt2' --out '$T/ck' >'$T/out' 2>&1 && grep -q '(hf) to .* (futurelm)' '$T/out'"
check "futurelm info reads the converted checkpoint" "$FL info '$T/ck' --json | grep -q '\"model.vocab_size\":97'"
check "checkpoint -> llm.c -> HF from the command line" \
    "$FL convert '$T/ck' --to llmc --out '$T/m.bin' >/dev/null 2>&1 && $FL convert '$T/m.bin' --to hf --out '$T/hf' >/dev/null 2>&1 && [ -s '$T/hf/config.json' ] && [ -s '$T/hf/model.safetensors' ]"
check "the llm.c file written from HF equals the reference's own" "cmp -s '$T/m.bin' '$T/fx/gpt2_llmc.bin'"

# an FTP encoder initialised from the converted GPT, trained on llm.c-named shards (ids < 97, no manifest)
mkdir "$T/shards"
perl -e 'my ($n) = @ARGV; my @h = (20240520, 1, $n, (0) x 253); print pack("l<256", @h);
         print pack("S<*", map { ($_ * 7 + int($_ / 5)) % 97 } 0 .. $n - 1)' 4000 >"$T/shards/toy_train.bin"
perl -e 'my ($n) = @ARGV; my @h = (20240520, 1, $n, (0) x 253); print pack("l<256", @h);
         print pack("S<*", map { ($_ * 5 + 3) % 97 } 0 .. $n - 1)' 600 >"$T/shards/toy_val.bin"
if $FL train --model ftp --data "$T/shards" --out "$T/ftp" --init-from "$T/ck" --set model.vocab_size=97 \
    --set model.block_size=16 --set model.n_layer=2 --set model.n_head=4 --set model.n_embd=32 \
    --set ftp.n_future=2 --set ftp.pseudo_len=1 --set ftp.dec_layers=1 --set train.batch_size=2 \
    --set train.max_steps=2 --set train.warmup_steps=1 --set train.eval_every=2 --set train.eval_batches=1 \
    --set train.threads=1 >"$T/log" 2>&1 && grep -q "initialised 28 tensors" "$T/log"; then
    ok "an FTP encoder initialised from the converted GPT-2 (all 28 of its tensors), trained on manifest-less llm.c shards"
else
    bad "init-from a converted checkpoint: $(tail -n 2 "$T/log")"
fi
# --init-from reads the HF folder and the llm.c file as they are: the same start, so the same run
for src in hf_gpt2 gpt2_llmc.bin; do
    n=$(echo "$src" | tr -c 'a-z0-9\n' _)
    if $FL train --model ftp --data "$T/shards" --out "$T/ftp-$n" --init-from "$T/fx/$src" --set model.vocab_size=97 \
        --set model.block_size=16 --set model.n_layer=2 --set model.n_head=4 --set model.n_embd=32 \
        --set ftp.n_future=2 --set ftp.pseudo_len=1 --set ftp.dec_layers=1 --set train.batch_size=2 \
        --set train.max_steps=2 --set train.warmup_steps=1 --set train.eval_every=2 --set train.eval_batches=1 \
        --set train.threads=1 >"$T/log" 2>&1 && grep -q "initialised 28 tensors from .*$src (" "$T/log" &&
        cmp -s "$T/ftp/step_00000002/model.safetensors" "$T/ftp-$n/step_00000002/model.safetensors"; then
        ok "--init-from $src directly: 28 tensors, and the run equals the one from the converted checkpoint bit for bit"
    else
        bad "--init-from $src: $(tail -n 2 "$T/log")"
    fi
done

$FL convert "$T/fx/hf_gpt2" >"$T/out" 2>&1
check "no --out: a usage error (exit 2)" "[ $? -eq 2 ] && grep -q 'out' '$T/out'"
$FL convert "$T/fx/hf_gpt2" --out "$T/x" --to onnx >"$T/out" 2>&1
check "an unknown --to: a usage error (exit 2)" "[ $? -eq 2 ]"
$FL convert "$T/ftp" --to hf --out "$T/x" >"$T/out" 2>&1
check "an FTP checkpoint to HF: exit 1, naming model.type, nothing under --out" \
    "[ $? -eq 1 ] && grep -q 'model.type=ftp' '$T/out' && [ ! -e '$T/x' ]"
sed 's/gelu_new/gelu/' "$T/fx/hf_gpt2/config.json" >"$T/c" && cp -r "$T/fx/hf_gpt2" "$T/badhf" && cp "$T/c" "$T/badhf/config.json"
$FL convert "$T/badhf" --out "$T/y" >"$T/out" 2>&1
check "an exact-erf GELU is refused: exit 1, naming the file and activation_function, nothing under --out" \
    "[ $? -eq 1 ] && grep -q 'badhf/config.json.*activation_function' '$T/out' && [ ! -e '$T/y' ]"
