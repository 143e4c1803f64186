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

typedef void (*fl_sgemm_ukr)(int kc, const float *a, const float *b, float *c, int ldc, int mr, int nr, int accum);

#if defined(__x86_64__) && defined(__GNUC__)
#define FL_SGEMM_X86 1
/* 12 x 32 tile: 24 zmm accumulators. */
void fl_sgemm_ukr_avx512_12x32(int kc, const float *a, const float *b, float *c, int ldc, int mr, int nr, int accum);
/* 6 x 16 tile: 12 ymm accumulators. */
void fl_sgemm_ukr_avx2_6x16(int kc, const float *a, const float *b, float *c, int ldc, int mr, int nr, int accum);
#endif

#endif
