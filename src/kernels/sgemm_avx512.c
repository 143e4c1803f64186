/* AVX-512 SGEMM micro-kernel (see sgemm_kernels.h for the contract).
 * Compiled with a target attribute, so it builds without -march (PORTABLE=1)
 * and is only called after a run-time CPU check. */
#include "kernels/sgemm_kernels.h"

#ifdef FL_SGEMM_X86
#include <immintrin.h>

#define FL_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma,avx2,avx")))

/* acc += a * b in the accumulating (231) form. Written as a one-instruction asm
 * so the accumulator stays in its register: left to itself GCC picks the 132
 * form for some of them and then adds register moves (about one per ten FMAs),
 * which compete with the FMAs for the same two ports. Same rounding as
 * _mm512_fmadd_ps (one fused multiply-add). */
#define FMA231(acc, a, b) __asm__("vfmadd231ps %[vb], %[va], %[vc]" : [vc] "+v"(acc) : [va] "v"(a), [vb] "v"(b))

/* MR rows x NV*16 columns. Called with constant MR/NV, so the compiler fully
 * unrolls the tile loops and keeps acc[][] in zmm registers. Each packed A
 * value is broadcast straight from memory into the FMA. */
static inline __attribute__((always_inline)) FL_AVX512 void ukr_avx512(const int MR, const int NV, int kc,
                                                                      const float *restrict a,
                                                                      const float *restrict b, float *restrict c,
                                                                      int ldc, int mr, int nr, int accum) {
    __m512 acc[16][4]; /* fixed size (not a VLA) so it can live in registers */
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();

    /* Prefetch the C tile now; it is needed only after the K loop. */
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
        if (i < mr) {
            const char *row = (const char *)(c + (long)i * ldc);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) _mm_prefetch(row + 64 * v, _MM_HINT_T0);
        }
    }

    const int NR = NV * 16;
    int k = 0;
    for (; k + 2 <= kc; k += 2) {
#pragma GCC unroll 2
        for (int u = 0; u < 2; u++) {
            __m512 bv[4];
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) bv[v] = _mm512_load_ps(b + (long)(k + u) * NR + 16 * v);
#pragma GCC unroll 16
            for (int i = 0; i < MR; i++) {
                __m512 av = _mm512_set1_ps(a[(long)(k + u) * MR + i]);
#pragma GCC unroll 4
                for (int v = 0; v < NV; v++) FMA231(acc[i][v], av, bv[v]);
            }
        }
    }
    for (; k < kc; k++) {
        __m512 bv[4];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) bv[v] = _mm512_load_ps(b + (long)k * NR + 16 * v);
#pragma GCC unroll 16
        for (int i = 0; i < MR; i++) {
            __m512 av = _mm512_set1_ps(a[(long)k * MR + i]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) FMA231(acc[i][v], av, bv[v]);
        }
    }

    __mmask16 m[4];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
        int cols = nr - 16 * v;
        m[v] = cols >= 16 ? (__mmask16)0xFFFF : cols <= 0 ? (__mmask16)0 : (__mmask16)((1u << cols) - 1u);
    }
    if (nr == NR) {
#pragma GCC unroll 16
        for (int i = 0; i < MR; i++) {
            if (i < mr) {
                float *row = c + (long)i * ldc;
#pragma GCC unroll 4
                for (int v = 0; v < NV; v++) {
                    __m512 r = acc[i][v];
                    if (accum) r = _mm512_add_ps(_mm512_loadu_ps(row + 16 * v), r);
                    _mm512_storeu_ps(row + 16 * v, r);
                }
            }
        }
    } else {
#pragma GCC unroll 16
        for (int i = 0; i < MR; i++) {
            if (i < mr) {
                float *row = c + (long)i * ldc;
#pragma GCC unroll 4
                for (int v = 0; v < NV; v++) {
                    __m512 r = acc[i][v];
                    if (accum) r = _mm512_add_ps(_mm512_maskz_loadu_ps(m[v], row + 16 * v), r);
                    _mm512_mask_storeu_ps(row + 16 * v, m[v], r);
                }
            }
        }
    }
}

FL_AVX512 void fl_sgemm_ukr_avx512_12x32(int kc, const float *a, const float *b, float *c, int ldc, int mr, int nr,
                                         int accum) {
    ukr_avx512(12, 2, kc, a, b, c, ldc, mr, nr, accum);
}

/* Transpose a 16-column block: reads `rows` (<= 16) rows of 16 floats,
 * src[r*lds + k], missing rows read as zero, and writes 16 rows of `nout`
 * floats, dst[k*ldd + r] for r < nout. Unpack, 64-bit and 128-bit shuffles:
 * 48 shuffles per 256 elements instead of one scalar store each. */
FL_AVX512 void fl_sgemm_transpose16_avx512(const float *src, long lds, int rows, float *dst, long ldd, int nout) {
    __m512 r[16], a[16], b[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_loadu_ps(src + i * lds) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int i = 0; i < 16; i += 2) {
        a[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        a[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    /* b[4g + m] holds, in each 128-bit lane j, column 4j+m of rows 4g..4g+3 */
#pragma GCC unroll 4
    for (int g = 0; g < 4; g++) {
        b[4 * g + 0] = _mm512_shuffle_ps(a[4 * g + 0], a[4 * g + 2], 0x44);
        b[4 * g + 1] = _mm512_shuffle_ps(a[4 * g + 0], a[4 * g + 2], 0xEE);
        b[4 * g + 2] = _mm512_shuffle_ps(a[4 * g + 1], a[4 * g + 3], 0x44);
        b[4 * g + 3] = _mm512_shuffle_ps(a[4 * g + 1], a[4 * g + 3], 0xEE);
    }
    const __mmask16 m = nout >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nout) - 1u);
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        __m512 c0 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0x88), c1 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0xDD);
        __m512 d0 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0x88), d1 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0xDD);
        _mm512_mask_storeu_ps(dst + (long)(j + 0) * ldd, m, _mm512_shuffle_f32x4(c0, d0, 0x88));
        _mm512_mask_storeu_ps(dst + (long)(j + 8) * ldd, m, _mm512_shuffle_f32x4(c0, d0, 0xDD));
        _mm512_mask_storeu_ps(dst + (long)(j + 4) * ldd, m, _mm512_shuffle_f32x4(c1, d1, 0x88));
        _mm512_mask_storeu_ps(dst + (long)(j + 12) * ldd, m, _mm512_shuffle_f32x4(c1, d1, 0xDD));
    }
}

#else
typedef int fl_sgemm_avx512_unused; /* ISO C forbids an empty translation unit */
#endif
