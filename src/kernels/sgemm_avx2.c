/* AVX2+FMA SGEMM micro-kernel, 6 x 16 (see sgemm_kernels.h for the contract).
 * Compiled with a target attribute and only called after a run-time CPU check. */
#include "kernels/sgemm_kernels.h"

#ifdef FL_SGEMM_X86
#include <immintrin.h>

#define FL_AVX2 __attribute__((target("avx2,fma,avx")))

enum { MR = 6, NV = 2, NR = 16 };

FL_AVX2 void fl_sgemm_ukr_avx2_6x16(int kc, const float *restrict a, const float *restrict b, float *restrict c,
                                    int ldc, int mr, int nr, int accum) {
    __m256 acc[MR][NV];
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) acc[i][v] = _mm256_setzero_ps();

#pragma GCC unroll 8
    for (int i = 0; i < MR; i++)
        if (i < mr) _mm_prefetch((const char *)(c + (long)i * ldc), _MM_HINT_T0);

    for (int k = 0; k < kc; k++) {
        __m256 b0 = _mm256_load_ps(b + (long)k * NR);
        __m256 b1 = _mm256_load_ps(b + (long)k * NR + 8);
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) {
            __m256 av = _mm256_broadcast_ss(a + (long)k * MR + i);
            acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
        }
    }

    if (nr == NR) {
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) {
            if (i < mr) {
                float *row = c + (long)i * ldc;
#pragma GCC unroll 2
                for (int v = 0; v < NV; v++) {
                    __m256 r = acc[i][v];
                    if (accum) r = _mm256_add_ps(_mm256_loadu_ps(row + 8 * v), r);
                    _mm256_storeu_ps(row + 8 * v, r);
                }
            }
        }
    } else {
        const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        __m256i m[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) m[v] = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr - 8 * v), iota);
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) {
            if (i < mr) {
                float *row = c + (long)i * ldc;
#pragma GCC unroll 2
                for (int v = 0; v < NV; v++) {
                    __m256 r = acc[i][v];
                    if (accum) r = _mm256_add_ps(_mm256_maskload_ps(row + 8 * v, m[v]), r);
                    _mm256_maskstore_ps(row + 8 * v, m[v], r);
                }
            }
        }
    }
}

#else
typedef int fl_sgemm_avx2_unused; /* ISO C forbids an empty translation unit */
#endif
