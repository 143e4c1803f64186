#!/bin/sh
# The comparison behind docs/performance.md: futurelm's SGEMM against Debian's
# OpenBLAS (OpenMP and pthread builds) and BLIS, all in one process per run.
#   sh bench/run_gemm_compare.sh [BUILD_DIR]     (after `make build/opt/bench/bench_gemm`)
# Debian's OpenBLAS 0.3.21 does not recognise this CPU (Sapphire Rapids) and
# falls back to a slow generic kernel unless told OPENBLAS_CORETYPE=SkylakeX;
# BLIS 0.9 picks its Haswell (AVX2) kernels unless told BLIS_ARCH_TYPE=skx.
B=${1:-build/opt}/bench/bench_gemm
L=/usr/lib/$(cc -dumpmachine)
LIBS="--blas openblas-omp=$L/openblas-openmp/libopenblas.so.0 --blas openblas-pth=$L/openblas-pthread/libopenblas.so.0"
for v in openmp pthread serial; do
    [ -f "$L/blis-$v/libblis.so.4" ] && { LIBS="$LIBS --blas blis-$v=$L/blis-$v/libblis.so.4"; break; }
done
set -x
date -u
nproc; uptime
# the libraries as Debian ships them (no CPU override), 2 threads
OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 BLIS_NUM_THREADS=2 $B --reps 5 --quick $LIBS
export OPENBLAS_CORETYPE=SkylakeX BLIS_ARCH_TYPE=skx
# 2 threads with libgomp's default (spinning) waits, then with sleeping waits
# (OMP_WAIT_POLICY=passive), which matters when another process holds a core;
# then 1 thread.
OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 BLIS_NUM_THREADS=2 $B --reps 9 --rows 2048 $LIBS
OMP_WAIT_POLICY=passive OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 BLIS_NUM_THREADS=2 $B --reps 9 --rows 2048 $LIBS
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 BLIS_NUM_THREADS=1 $B --reps 9 --rows 2048 $LIBS
# the FTP decoder's row count (and K = 16384 for dW)
OMP_WAIT_POLICY=passive OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 BLIS_NUM_THREADS=2 $B --reps 5 --rows 16384 --quick $LIBS
uptime
