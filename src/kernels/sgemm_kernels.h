/* Internal to the SGEMM: micro-kernel signature and the per-ISA kernels.
 *
 * A micro-kernel computes one MR x NR tile of C from packed panels:
 *   a: kc steps of MR floats (op(A) rows r = 0..MR-1 at step k: a[k*MR + r]),
 *   b: kc steps of NR floats (op(B) columns c = 0..NR-1 at step k: b[k*NR + c]),
 * both zero-padded past the real rows/columns and 64-byte aligned.
 * It sums acc = sum_k a[k]*b[k] from zero in increasing k with one fused
 * multiply-add per step, then writes the top-left mr x nr part of the tile:
 * C = acc when accum is 0 (old C never read), C = C + acc otherwise.
 * The order of operations for an element depends only on kc, never on mr/nr
 * or on where the tile lies, which is what makes the result independent of
 * how the work is split between threads. */
#ifndef FL_KERNELS_SGEMM_KERNELS_H
#define FL_KERNELS_SGEMM_KERNELS_H
#include "kernels/gemm.h"

typedef void (*fl_sgemm_ukr)(int kc, const float *a, const float *b, float *c, int ldc, int mr, int nr, int accum);

#if defined(__x86_64__) && defined(__GNUC__)
#define FL_SGEMM_X86 1
/* 12 x 32 tile: 24 zmm accumulators. */
void fl_sgemm_ukr_avx512_12x32(int kc, const float *a, const float *b, float *c, int ldc, int mr, int nr, int accum);
/* dst[k*ldd + r] = src[r*lds + k] for k < 16, r < nout (rows >= `rows` read as 0). */
void fl_sgemm_transpose16_avx512(const float *src, long lds, int rows, float *dst, long ldd, int nout);
/* 6 x 16 tile: 12 ymm accumulators. */
void fl_sgemm_ukr_avx2_6x16(int kc, const float *a, const float *b, float *c, int ldc, int mr, int nr, int accum);
#endif

/* Kernel choice, for tests and benchmarks; fl_sgemm uses the best the CPU has. */
enum { FL_SGEMM_PORTABLE = 0, FL_SGEMM_AVX2 = 1, FL_SGEMM_AVX512 = 2, FL_SGEMM_N_KERNELS = 3 };
int fl_sgemm_kernel_available(int kernel);
const char *fl_sgemm_kernel_name(int kernel);
/* fl_sgemm with a given kernel (the portable one if the CPU lacks it). */
void fl_sgemm_kernel(int kernel, int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc);
/* The same with an epilogue (gemm.h; NULL: none). */
void fl_sgemm_kernel_ex(int kernel, int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                        const float *B, int ldb, float beta, float *C, int ldc, const fl_sgemm_epilogue *epi);

#endif
