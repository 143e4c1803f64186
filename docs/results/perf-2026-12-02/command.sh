#!/bin/sh
# Issue 17's table, one run of each on this machine (session 2026-12-02, r8).
cd /work/main
L=/usr/lib/x86_64-linux-gnu
set -x
date -u; uptime; lscpu | grep -E "Model name|^CPU\(s\)"; grep -o -m1 avx512f /proc/cpuinfo; grep -o -m1 avx512_vnni /proc/cpuinfo
git log --oneline -1
# 1. SGEMM against the best BLAS, 2 threads
OPENBLAS_CORETYPE=SkylakeX BLIS_ARCH_TYPE=skx OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 BLIS_NUM_THREADS=2 \
  build/opt/bench/bench_gemm --reps 7 --rows 2048 --blas openblas-pth=$L/openblas-pthread/libopenblas.so.0 --blas blis-omp=$L/blis-openmp/libblis.so.4
# 2. training vs PyTorch, AVX-512
/usr/bin/python3 bench/vs_torch.py --threads 2 --steps 5
# 3. MFU at the reference configs, AVX-512
./futurelm bench --threads 2 --steps 5 --profile
# 4. GPT-2 124M, then llm.c's train_gpt2 (its Makefile build), then futurelm again
S="--model gpt --batch 4 --set model.vocab_size=50257 --set model.n_layer=12 --set model.n_head=12 --set model.n_embd=768 --set model.block_size=64"
./futurelm bench --threads 2 --steps 5 --profile $S
(cd /tmp/llmc && OMP_NUM_THREADS=2 timeout 200 stdbuf -oL ./train_gpt2_make | head -40)
./futurelm bench --threads 2 --steps 5 $S
# 5. the AVX2 path (AVX-512 kernel hidden, -march=haswell; torch held to AVX2 and OpenBLAS Haswell)
OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 /usr/bin/python3 bench/vs_torch.py --threads 2 --steps 3 --futurelm /tmp/fl-avx2/futurelm
/tmp/fl-avx2/futurelm bench --threads 2 --steps 5 --profile
OPENBLAS_CORETYPE=Haswell OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 \
  /tmp/fl-avx2/build/opt-portable/bench/bench_gemm --reps 7 --rows 2048 --blas openblas-pth=$L/openblas-pthread/libopenblas.so.0
# 6. generation, 1 thread: AVX-512 (VNNI) and the AVX2 path
cd /tmp/treebench
OMP_NUM_THREADS=1 FL=/work/main/futurelm PROMPTS=specs.txt STOP_AT_EOT=1 REPEAT=3 DRAFT_F32=0 TREES="2,1,1" sh /work/main/bench/generate.sh - countdown/ftp 48 "3 4"
OMP_NUM_THREADS=1 FL=/work/main/futurelm REPEAT=3 DRAFT_F32=0 DRAFT_VOCAB=512 TREES="1,2,1" sh /work/main/bench/generate.sh - text/ftp 112 "4"
OMP_NUM_THREADS=1 FL=/tmp/fl-avx2/futurelm PROMPTS=specs.txt STOP_AT_EOT=1 REPEAT=3 DRAFT_F32=0 TREES="" sh /work/main/bench/generate.sh - countdown/ftp 48 "4"
OMP_NUM_THREADS=1 FL=/tmp/fl-avx2/futurelm REPEAT=3 DRAFT_F32=0 TREES="" sh /work/main/bench/generate.sh - text/ftp 112 "4"
# 7. the AVX-512 generation benches once more (their spread)
OMP_NUM_THREADS=1 FL=/work/main/futurelm PROMPTS=specs.txt STOP_AT_EOT=1 REPEAT=5 DRAFT_F32=0 TREES="" sh /work/main/bench/generate.sh - countdown/ftp 48 "4"
OMP_NUM_THREADS=1 FL=/work/main/futurelm REPEAT=5 DRAFT_F32=0 DRAFT_VOCAB=512 TREES="" sh /work/main/bench/generate.sh - text/ftp 112 "4"
date -u; uptime
