#!/bin/sh
# Tokenizer benchmarks (1 thread): GPT-2 (r50k_base) encoding throughput on the SOTU
# corpus as one 10.8 MB text and file by file, on Moby-Dick, and BPE training time on
# SOTU to 8,192 tokens. Needs data/ (scripts/get-data.sh sotu moby-dick gpt-tokenizer).
#   bench/tokenizer.sh [FUTURELM_BINARY]
cd "$(dirname "$0")/.." || exit 1
FL=${1:-./futurelm}
DATA=${FL_DATA_DIR:-data}
for n in sotu moby-dick gpt-tokenizer; do
    [ -f "$DATA/$n/.complete" ] || sh scripts/get-data.sh "$n" || exit 1
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OMP_NUM_THREADS=1
find "$DATA/sotu/text" -type f | LC_ALL=C sort >"$T/sotu.list"
xargs cat <"$T/sotu.list" >"$T/sotu.txt"
echo "# $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
for i in 1 2 3; do
    "$FL" tokenizer encode --tokenizer "$DATA/gpt-tokenizer/r50k_base.tiktoken" --input "$T/sotu.txt" --stats 2>&1 >/dev/null |
        sed 's/^futurelm: /encode SOTU as one text: /'
done
"$FL" tokenizer encode --tokenizer "$DATA/gpt-tokenizer/r50k_base.tiktoken" --files-from "$T/sotu.list" --binary "$T/ids.bin" --stats 2>&1 |
    sed 's/^futurelm: /encode SOTU file by file: /'
"$FL" tokenizer encode --tokenizer "$DATA/gpt-tokenizer/r50k_base.tiktoken" --input "$DATA/moby-dick/text/moby-dick.txt" --stats 2>&1 >/dev/null |
    sed 's/^futurelm: /encode Moby-Dick: /'
start=$(date +%s.%N)
"$FL" tokenizer train --vocab-size 8192 --input "$DATA/sotu/text" --out "$T/sotu8k.tiktoken" 2>&1 >/dev/null | sed 's/^futurelm: /train: /'
end=$(date +%s.%N)
echo "train SOTU -> 8192 tokens: $(echo "$end - $start" | bc 2>/dev/null || echo "?") s wall (including reading the files)"
