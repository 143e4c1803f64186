/* int8 x int8 draft products (fli_linear_packed_i8_forward where FLI_I8_DOT,
 * kernels.h, is not 0), on the quad layout of linear_packed.c: a panel is C/4
 * (rounded up) quads of 32 columns x 4 consecutive inputs, then per column
 * QMAX + 1 times its sum of weights (the offset below).
 *
 * Each input row is quantised once per call with its own scale, max |x| / QMAX
 * (FLI_I8_QMAX; a row of zeros: scale 0; a NaN or infinity anywhere: NaN, so the
 * row's outputs are NaN as a float product's would be), and stored as
 * x / scale rounded to nearest, plus QMAX + 1, in a byte; the offset's share,
 * stored with the panels, comes off the integer sums. Integer sums are exact, so a row's
 * output does not depend on the rows or threads it is computed with.
 *  - AVX512-VNNI (FLI_I8_DOT 1): QMAX 127; vpdpbusd, 64 multiply-adds an
 *    instruction, into 16 int32 sums.
 *  - AVX2 (FLI_I8_DOT 2): QMAX 63, so that vpmaddubsw's pairs of byte products
 *    (at most 2 * 127 * 127) cannot saturate 16 bits; vpmaddwd widens the pairs
 *    into 8 int32 sums: three instructions per 32 multiply-adds, where widening
 *    the weights to float took three per 8.
 * The widening float path was three quarters of a warm draft step. */
#include <math.h>
#include <string.h>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "kernels/kernels.h"
#include "kernels/linear_packed.h"

#if FLI_I8_DOT == 1
/* max |x| of a row; *bad: it holds a NaN or an infinity (max_ps alone would drop a NaN) */
static float row_amax(const float *r, int C, int *bad) {
    __m512 mx = _mm512_setzero_ps();
    __mmask16 nonfinite = 0;
    for (int c = 0; c < C; c += 16) {
        const __mmask16 in = C - c >= 16 ? 0xffff : (__mmask16)((1u << (C - c)) - 1);
        const __m512 a = _mm512_abs_ps(_mm512_maskz_loadu_ps(in, r + c));
        nonfinite |= _mm512_cmp_ps_mask(a, _mm512_set1_ps(INFINITY), _CMP_NLT_UQ);
        mx = _mm512_max_ps(mx, a);
    }
    *bad = nonfinite != 0;
    return _mm512_reduce_max_ps(mx);
}

/* q[0..C4) = clamp(round(x * inv)) + QMAX + 1, zeros past C */
static void store_row(const float *r, int C, int C4, float inv, uint8_t *q) {
    const __m512 vinv = _mm512_set1_ps(inv);
    for (int c = 0; c < C4; c += 16) {
        const __mmask16 in = C - c >= 16 ? 0xffff : C - c > 0 ? (__mmask16)((1u << (C - c)) - 1) : 0;
        __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(in, r + (c < C ? c : 0)), vinv));
        v = _mm512_max_epi32(_mm512_min_epi32(v, _mm512_set1_epi32(FLI_I8_QMAX)), _mm512_set1_epi32(-FLI_I8_QMAX));
        v = _mm512_add_epi32(v, _mm512_set1_epi32(FLI_I8_QMAX + 1));
        _mm_mask_storeu_epi8(q + c, C4 - c >= 16 ? 0xffff : (__mmask16)((1u << (C4 - c)) - 1), _mm512_cvtepi32_epi8(v));
    }
}

/* NR quantised rows (xq, ldx bytes apart; scales xs) against NG consecutive
 * panels: NR x NG x 2 int32 accumulators, one vpdpbusd per 16 columns x 4
 * inputs; then (sum - offset's share) * row scale * column scale + bias. */
#define DEFINE_ROWS_PANELS_DOT(NR, NG)                                                                                 \
    static void rows_panels_dot_##NR##x##NG(float *restrict out, int ldo, const uint8_t *restrict xq, int ldx,        \
                                            const float *restrict xs, const int8_t *restrict panels,                   \
                                            const int32_t *restrict colsum, const float *restrict sc,                  \
                                            const float *restrict b, int Q, int o0, int OC) {                          \
        __m512i acc[NR][NG][2];                                                                                        \
        for (int m = 0; m < NR; m++)                                                                                   \
            for (int g = 0; g < NG; g++) acc[m][g][0] = acc[m][g][1] = _mm512_setzero_si512();                        \
        for (int q = 0; q < Q; q++) {                                                                                  \
            __m512i wv[NG][2];                                                                                         \
            for (int g = 0; g < NG; g++) {                                                                             \
                const int8_t *wq = panels + (((size_t)g * Q + q) * PANEL) * 4;                                         \
                wv[g][0] = _mm512_loadu_si512((const void *)wq);                                                        \
                wv[g][1] = _mm512_loadu_si512((const void *)(wq + 64));                                                 \
            }                                                                                                          \
            for (int m = 0; m < NR; m++) {                                                                             \
                int32_t four;                                                                                          \
                memcpy(&four, xq + (size_t)m * ldx + (size_t)q * 4, 4);                                                \
                const __m512i xb = _mm512_set1_epi32(four);                                                            \
                for (int g = 0; g < NG; g++) {                                                                         \
                    acc[m][g][0] = _mm512_dpbusd_epi32(acc[m][g][0], xb, wv[g][0]);                                    \
                    acc[m][g][1] = _mm512_dpbusd_epi32(acc[m][g][1], xb, wv[g][1]);                                    \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        for (int m = 0; m < NR; m++)                                                                                   \
            for (int g = 0; g < NG; g++)                                                                               \
                for (int h = 0; h < 2; h++) {                                                                          \
                    const int base = o0 + g * PANEL + h * 16, nc = OC - base < 16 ? OC - base : 16;                    \
                    if (nc <= 0) continue;                                                                             \
                    const __mmask16 k = nc == 16 ? 0xffff : (__mmask16)((1u << nc) - 1);                               \
                    const __m512i off = _mm512_loadu_si512((const void *)(colsum + base));                             \
                    __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[m][g][h], off));                                \
                    v = _mm512_mul_ps(_mm512_mul_ps(v, _mm512_set1_ps(xs[m])), _mm512_maskz_loadu_ps(k, sc + base));   \
                    if (b) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, b + base));                                   \
                    _mm512_mask_storeu_ps(out + (size_t)m * ldo + base, k, v);                                         \
                }                                                                                                      \
    }
DEFINE_ROWS_PANELS_DOT(8, 1)
DEFINE_ROWS_PANELS_DOT(4, 2)
DEFINE_ROWS_PANELS_DOT(4, 1)
DEFINE_ROWS_PANELS_DOT(2, 4)
DEFINE_ROWS_PANELS_DOT(2, 1)
DEFINE_ROWS_PANELS_DOT(1, 4)
DEFINE_ROWS_PANELS_DOT(1, 1)

#define DOT_ROWS_OVER_GROUP(NR, WIDE)                                                                                  \
    do {                                                                                                               \
        int p = p0;                                                                                                    \
        for (; p + (WIDE) <= p0 + ng; p += (WIDE))                                                                     \
            rows_panels_dot_##NR##x##WIDE(out + (size_t)n0 * OC, OC, xq + (size_t)n0 * ldx, ldx, xs + n0,             \
                                          panels + (size_t)p * Q * PANEL * 4, colsum, sc, b, Q, p * PANEL, OC);        \
        for (; p < p0 + ng; p++)                                                                                       \
            rows_panels_dot_##NR##x1(out + (size_t)n0 * OC, OC, xq + (size_t)n0 * ldx, ldx, xs + n0,                  \
                                     panels + (size_t)p * Q * PANEL * 4, colsum, sc, b, Q, p * PANEL, OC);             \
        n0 += (NR);                                                                                                    \
    } while (0)

/* The rows of one group of panels: tiles of 8, 4, 2 and 1 rows, as the float
 * kernels go. */
static void group_rows_dot(float *out, const unsigned char *scratch, const int8_t *panels, const int32_t *colsum,
                           const float *sc, const float *b, int N, int C, int OC, int p0, int ng) {
    const float *xs = (const float *)scratch;
    const uint8_t *xq = scratch + fli_dot_rows_offset(N);
    const int Q = quads_of(C), ldx = Q * 4;
    int n0 = 0;
    while (N - n0 >= 8) DOT_ROWS_OVER_GROUP(8, 1);
    if (N - n0 >= 4) DOT_ROWS_OVER_GROUP(4, 2);
    if (N - n0 >= 2) DOT_ROWS_OVER_GROUP(2, 4);
    if (N - n0 >= 1) DOT_ROWS_OVER_GROUP(1, 4);
}
#elif FLI_I8_DOT == 2
static float row_amax(const float *r, int C, int *bad) {
    float amax = 0.0f;
    *bad = 0;
    for (int c = 0; c < C; c++) {
        const float a = fabsf(r[c]);
        *bad |= !(a <= 3.4028235e38f); /* NaN or infinity */
        amax = a > amax ? a : amax;
    }
    return amax;
}

static void store_row(const float *r, int C, int C4, float inv, uint8_t *q) {
    for (int c = 0; c < C4; c++) {
        float v = c < C ? rintf(r[c] * inv) : 0.0f;
        v = v == v ? v : 0.0f; /* a NaN (its row's scale is NaN): converting it to int is undefined */
        v = v > FLI_I8_QMAX ? FLI_I8_QMAX : v < -FLI_I8_QMAX ? -FLI_I8_QMAX : v;
        q[c] = (uint8_t)((int)v + FLI_I8_QMAX + 1);
    }
}

/* One row's 32 columns of panel p, 4 vectors of 8 int32 sums: out =
 * (sum - offset's share) * row scale * column scale + bias, nc columns. */
static void store_panel(float *o, const __m256i acc[4], const int32_t *colsum, const float *sc, const float *b,
                        float xs, int base, int OC) {
    for (int h = 0; h < 4; h++) {
        const int c0 = base + 8 * h, nc = OC - c0 < 8 ? OC - c0 : 8;
        if (nc <= 0) return;
        __m256i cs;
        float s8[8], b8[8];
        int32_t c8[8];
        if (nc == 8) {
            cs = _mm256_loadu_si256((const __m256i *)(colsum + c0));
            memcpy(s8, sc + c0, sizeof s8);
            if (b) memcpy(b8, b + c0, sizeof b8);
        } else { /* a partial panel: the padding columns read as zeros */
            memset(c8, 0, sizeof c8), memset(s8, 0, sizeof s8), memset(b8, 0, sizeof b8);
            memcpy(c8, colsum + c0, sizeof(int32_t) * nc), memcpy(s8, sc + c0, sizeof(float) * nc);
            if (b) memcpy(b8, b + c0, sizeof(float) * nc);
            cs = _mm256_loadu_si256((const __m256i *)c8);
        }
        __m256 v = _mm256_cvtepi32_ps(_mm256_sub_epi32(acc[h], cs));
        v = _mm256_mul_ps(_mm256_mul_ps(v, _mm256_set1_ps(xs)), _mm256_loadu_ps(s8));
        if (b) v = _mm256_add_ps(v, _mm256_loadu_ps(b8));
        float r[8];
        _mm256_storeu_ps(r, v);
        memcpy(o + c0, r, sizeof(float) * nc);
    }
}

/* acc += the 8 columns' dot products of a quad: pairs of byte products (16
 * bits), then pairs of those (32 bits). */
#define DOT8(acc, xb, w)                                                                                               \
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(xb, _mm256_loadu_si256((const __m256i *)(w))), \
                                                  ones))

/* R (1 or 2) rows against G (1 or 2) consecutive panels: R * G * 4 <= 8 sums of
 * the 16 vector registers, the rest for the weights and inputs. */
static inline __attribute__((always_inline)) void rows_panels_avx2(float *out, int ldo, const uint8_t *xq, int ldx,
                                                                   const float *xs, const int8_t *panels,
                                                                   const int32_t *colsum, const float *sc,
                                                                   const float *b, int Q, int o0, int OC, const int R,
                                                                   const int G) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i a[2][4], c[4]; /* a: row 0 (panels 0, 1); c: row 1, panel 0 */
    for (int h = 0; h < 4; h++) a[0][h] = a[1][h] = c[h] = _mm256_setzero_si256();
    const size_t pstride = (size_t)Q * PANEL * 4;
    for (int q = 0; q < Q; q++) {
        const int8_t *w0 = panels + (size_t)q * PANEL * 4, *w1 = w0 + pstride;
        int32_t f0, f1 = 0;
        memcpy(&f0, xq + (size_t)q * 4, 4);
        if (R > 1) memcpy(&f1, xq + ldx + (size_t)q * 4, 4);
        const __m256i x0 = _mm256_set1_epi32(f0), x1 = _mm256_set1_epi32(f1);
        DOT8(a[0][0], x0, w0), DOT8(a[0][1], x0, w0 + 32), DOT8(a[0][2], x0, w0 + 64), DOT8(a[0][3], x0, w0 + 96);
        if (G > 1)
            DOT8(a[1][0], x0, w1), DOT8(a[1][1], x0, w1 + 32), DOT8(a[1][2], x0, w1 + 64), DOT8(a[1][3], x0, w1 + 96);
        if (R > 1)
            DOT8(c[0], x1, w0), DOT8(c[1], x1, w0 + 32), DOT8(c[2], x1, w0 + 64), DOT8(c[3], x1, w0 + 96);
    }
    store_panel(out, a[0], colsum, sc, b, xs[0], o0, OC);
    if (G > 1) store_panel(out, a[1], colsum, sc, b, xs[0], o0 + PANEL, OC);
    if (R > 1) store_panel(out + ldo, c, colsum, sc, b, xs[1], o0, OC);
}
#undef DOT8

/* The rows of one group of panels: pairs of rows a panel at a time, a last row
 * two panels at a time. */
static void group_rows_dot(float *out, const unsigned char *scratch, const int8_t *panels, const int32_t *colsum,
                           const float *sc, const float *b, int N, int C, int OC, int p0, int ng) {
    const float *xs = (const float *)scratch;
    const uint8_t *xq = scratch + fli_dot_rows_offset(N);
    const int Q = quads_of(C), ldx = Q * 4;
    const size_t pstride = (size_t)Q * PANEL * 4;
    int n0 = 0;
    for (; N - n0 >= 2; n0 += 2)
        for (int p = p0; p < p0 + ng; p++)
            rows_panels_avx2(out + (size_t)n0 * OC, OC, xq + (size_t)n0 * ldx, ldx, xs + n0, panels + p * pstride,
                             colsum, sc, b, Q, p * PANEL, OC, 2, 1);
    if (n0 < N) {
        int p = p0;
        for (; p + 2 <= p0 + ng; p += 2)
            rows_panels_avx2(out + (size_t)n0 * OC, OC, xq + (size_t)n0 * ldx, ldx, xs + n0, panels + p * pstride,
                             colsum, sc, b, Q, p * PANEL, OC, 1, 2);
        for (; p < p0 + ng; p++)
            rows_panels_avx2(out + (size_t)n0 * OC, OC, xq + (size_t)n0 * ldx, ldx, xs + n0, panels + p * pstride,
                             colsum, sc, b, Q, p * PANEL, OC, 1, 1);
    }
}
#endif

#if FLI_I8_DOT
/* Each row's scale into the scratch's first N floats, its bytes after them. */
static void quantise_rows(unsigned char *scratch, const float *x, int N, int C) {
    float *xs = (float *)scratch;
    uint8_t *xq = scratch + fli_dot_rows_offset(N);
    const int C4 = quads_of(C) * 4;
    for (int n = 0; n < N; n++) {
        const float *r = x + (size_t)n * C;
        int bad;
        const float amax = row_amax(r, C, &bad), inv = (float)FLI_I8_QMAX / amax;
        /* a row below ~1e-37 (inv not finite) quantises as zeros, its outputs the bias */
        const int usable = amax > 0.0f && !bad && inv <= 3.4028235e38f;
        xs[n] = bad ? NAN : usable ? amax / (float)FLI_I8_QMAX : 0.0f;
        store_row(r, C, C4, usable ? inv : 0.0f, xq + (size_t)n * C4);
    }
}

void fli_linear_dot_forward(float *out, const float *x, const int8_t *packed, const float *scale, const float *b, int N,
                            int C, int OC, unsigned char *scratch) {
    quantise_rows(scratch, x, N, C);
    const int np = panels_of(OC), ngroups = (np + GROUP - 1) / GROUP;
    const int32_t *colsum = (const int32_t *)(packed + (size_t)np * PANEL * quads_of(C) * 4);
    if ((size_t)N * C * OC < 262144) { /* a quarter of the float kernels' work an instruction: a later team */
        for (int gi = 0; gi < ngroups; gi++)
            group_rows_dot(out, scratch, packed, colsum, scale, b, N, C, OC, gi * GROUP,
                           np - gi * GROUP < GROUP ? np - gi * GROUP : GROUP);
        return;
    }
#pragma omp parallel for schedule(static)
    for (int gi = 0; gi < ngroups; gi++)
        group_rows_dot(out, scratch, packed, colsum, scale, b, N, C, OC, gi * GROUP,
                       np - gi * GROUP < GROUP ? np - gi * GROUP : GROUP);
}
#endif
