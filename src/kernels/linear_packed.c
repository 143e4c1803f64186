/* The linear layer of inference, out[N,OC] = x[N,C] · w[OC,C]ᵀ + b, on a weight
 * packed once when a generation session starts.
 *
 * Why not fl_sgemm: decoding multiplies 1 to ~16 rows at a time. SGEMM repacks
 * the weight on every call, which for so few rows costs as much as the product.
 * Here the weight is packed once into 32-column panels, each panel stored as C
 * rows of 32 contiguous floats (zero-padded past OC), and a register tile of up
 * 8 rows x 32 columns streams a panel once per 8 rows; fewer rows walk
 * several panels at once.
 *
 * Why a fixed summation order matters: every output element is one fused
 * multiply-add chain over c = 0..C-1 in increasing order, whatever N is and
 * whichever thread runs it. A position therefore gets bit-identical values
 * whether it is decoded alone (ar), verified in a batch of drafts (spec) or
 * prefilled with the prompt, which is what makes greedy spec decoding
 * token-identical to greedy ar decoding.
 *
 * Draft steps may run on reduced-precision copies of the same panels (bfloat16,
 * or int8 with a scale per column, below): fewer bytes per step; bfloat16 and
 * float-input int8 keep the same order, int8 dot products sum exactly. Either
 * way a row's result does not depend on its batch.
 */
#include <stdint.h>
#include <math.h>
#include <string.h>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "kernels/kernels.h"
#include "kernels/linear_packed.h"


size_t fli_linear_pack_floats(int C, int OC) { return (size_t)panels_of(OC) * C * PANEL; }

void fli_linear_pack(float *packed, const float *w, int C, int OC) {
    const int np = panels_of(OC);
#pragma omp parallel for schedule(static)
    for (int p = 0; p < np; p++) {
        float *dst = packed + (size_t)p * C * PANEL;
        for (int c = 0; c < C; c++)
            for (int l = 0; l < PANEL; l++) {
                int o = p * PANEL + l;
                dst[(size_t)c * PANEL + l] = o < OC ? w[(size_t)o * C + c] : 0.0f;
            }
    }
}

/* Draft weights in bfloat16: the upper half of a float32, rounded to nearest
 * even. Only drafts use them (speculative decoding verifies every draft in
 * float32, so a draft's precision changes its acceptance, never the output);
 * half the bytes let a small decoder's weights stay in L2 across the draft
 * steps of a round, where float32 ones stream from L3 at each step.
 *
 * A panel row of 32 columns is 16 32-bit words, word l holding column l in its
 * low half and column 16 + l in its high half: a shift and a mask turn one
 * vector of words into the two vectors of floats, with no shuffles. */
static uint32_t float_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if (isnan(f)) return (u >> 16) | 0x40;   /* stay a NaN */
    u += 0x7fffu + ((u >> 16) & 1u);         /* round to nearest, ties to even */
    return u >> 16;
}

static inline float bits_to_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

size_t fli_linear_pack_bf16_words(int C, int OC) { return (size_t)panels_of(OC) * C * (PANEL / 2); }

void fli_linear_pack_bf16(uint32_t *packed, const float *w, int C, int OC) {
    const int np = panels_of(OC);
#pragma omp parallel for schedule(static)
    for (int p = 0; p < np; p++) {
        uint32_t *dst = packed + (size_t)p * C * (PANEL / 2);
        for (int c = 0; c < C; c++)
            for (int l = 0; l < PANEL / 2; l++) {
                int lo = p * PANEL + l, hi = lo + PANEL / 2;
                uint32_t wlo = lo < OC ? float_to_bf16(w[(size_t)lo * C + c]) : 0;
                uint32_t whi = hi < OC ? float_to_bf16(w[(size_t)hi * C + c]) : 0;
                dst[(size_t)c * (PANEL / 2) + l] = wlo | whi << 16;
            }
    }
}

/* Draft weights in int8 with one scale per output column (its largest |w| / 127,
 * rounded to nearest): a quarter of float32's bytes, so a draft step streams half
 * of what the bfloat16 copy does, for about 2 significant digits per weight. Like
 * bfloat16, only drafts use it: it changes how many drafts are accepted, never the
 * output.
 *
 * Two layouts, fixed by the instruction set (FLI_I8_DOT, kernels.h):
 *  - with integer dot products (AVX512-VNNI or AVX2: linear_packed_dot.c), each
 *    input row is quantised too and the sums are exact int32 dot products, four
 *    inputs a lane: a panel is C/4 (rounded up) quads of 32 columns x 4
 *    consecutive inputs (128 bytes), and then per column QMAX + 1 times its sum
 *    of weights (the input is stored as x + QMAX + 1 in a byte, so that much
 *    comes off each sum). A warm draft step spent ~75% of its time widening
 *    int8 to float (vpmovsxbd, one port, 8 per 128 weights);
 *  - without SIMD, a panel row is 32 bytes, columns in order; the product sums
 *    x * q in float over c as the other types do and multiplies by the column's
 *    scale once. */
size_t fli_linear_pack_i8_bytes(int C, int OC) {
    if (FLI_I8_DOT) return (size_t)panels_of(OC) * PANEL * ((size_t)quads_of(C) * 4 + sizeof(int32_t));
    return (size_t)panels_of(OC) * C * PANEL;
}
size_t fli_linear_pack_i8_scales(int OC) { return (size_t)panels_of(OC) * PANEL; }

/* Where weight (c, column l) of panel p goes. */
static size_t i8_index(int p, int c, int l, int C) {
    if (FLI_I8_DOT) return (((size_t)p * quads_of(C) + c / 4) * PANEL + l) * 4 + c % 4;
    return ((size_t)p * C + c) * PANEL + l;
}

void fli_linear_pack_i8(int8_t *packed, float *scale, const float *w, int C, int OC) {
    const int np = panels_of(OC);
    int32_t *colsum = FLI_I8_DOT ? (int32_t *)(packed + (size_t)np * PANEL * quads_of(C) * 4) : NULL;
    if (FLI_I8_DOT) memset(packed, 0, fli_linear_pack_i8_bytes(C, OC)); /* the quads' padding inputs */
#pragma omp parallel for schedule(static)
    for (int p = 0; p < np; p++) {
        for (int l = 0; l < PANEL; l++) {
            const int o = p * PANEL + l;
            float amax = 0.0f; /* a NaN weight is skipped here and packed as 0; an infinite one zeroes its column */
            for (int c = 0; o < OC && c < C; c++) {
                const float a = fabsf(w[(size_t)o * C + c]);
                amax = a > amax ? a : amax;
            }
            const float sc = amax > 0.0f && isfinite(amax) ? amax / 127.0f : 0.0f;
            scale[o] = sc;
            int32_t sum = 0;
            for (int c = 0; c < C; c++) {
                const float q = o < OC && sc > 0.0f ? rintf(w[(size_t)o * C + c] / sc) : 0.0f;
                const int8_t v = (int8_t)(q > 127.0f ? 127 : q < -127.0f ? -127 : q == q ? q : 0);
                packed[i8_index(p, c, l, C)] = v;
                sum += v;
            }
            if (FLI_I8_DOT) colsum[o] = (FLI_I8_QMAX + 1) * sum; /* the input offset's share of the column's sums */
        }
    }
}

size_t fli_linear_i8_scratch_bytes(int N, int C) {
    if (!FLI_I8_DOT) return 0;
    return fli_dot_rows_offset(N) + (size_t)N * quads_of(C) * 4;
}

/* Words per panel row, and columns l and 16 + l of panel row wc, per weight type. */
#define WORDS_f32 PANEL
#define LO_f32(wc, l) ((wc)[l])
#define HI_f32(wc, l) ((wc)[(l) + PANEL / 2])
#define WORDS_bf16 (PANEL / 2)
#define LO_bf16(wc, l) bits_to_float((wc)[l] << 16)
#define HI_bf16(wc, l) bits_to_float((wc)[l] & 0xffff0000u)
#define WORDS_i8 PANEL
#define LO_i8(wc, l) (wf[l])
#define HI_i8(wc, l) (wf[(l) + PANEL / 2])
/* Per panel row before its multiply-adds: nothing, or (int8) the row widened to
 * floats once for all NR inputs (GCC 12 vectorised the plain conversion four
 * floats at a time, or not at all). */
#define PREP_f32(wc)
#define PREP_bf16(wc)
#define PREP_i8(wc)                                                                                                    \
    float wf[PANEL] __attribute__((aligned(64)));                                                                      \
    widen_i8_row(wf, (wc))
static inline void widen_i8_row(float *restrict wf, const int8_t *restrict wc) {
#if defined(__AVX512F__)
    _mm512_store_ps(wf, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)wc))));
    _mm512_store_ps(wf + 16, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(wc + 16)))));
#elif defined(__AVX2__)
    for (int h = 0; h < PANEL; h += 8)
        _mm256_store_ps(wf + h, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(wc + h)))));
#else
    for (int l = 0; l < PANEL; l++) wf[l] = (float)wc[l];
#endif
}

/* NR rows against NG consecutive panels, NR * NG <= 8 so the NR x NG x 32
 * accumulators fit in the vector registers (16 zmm for the sums). Each weight
 * row is loaded once for NR inputs, and the NR * NG * 2 independent chains keep
 * the FMA units busy: a single chain waits for its previous FMA. One function
 * per shape and weight type (the macro below) so every trip count is a
 * constant and the accumulators stay in registers. Each element's chain runs
 * over c in increasing order in every shape. */
#define DEFINE_ROWS_PANELS(SFX, WT, NR, NG)                                                                      \
    static void rows_panels_##SFX##_##NR##x##NG(float *restrict out, int ldo, const float *restrict x,                 \
                                                const WT *restrict panels, const float *restrict sc,                  \
                                                const float *restrict b, int C, int o0, int OC) {                     \
        float acc[NR][NG][PANEL];                                                                                      \
        for (int m = 0; m < NR; m++)                                                                                   \
            for (int g = 0; g < NG; g++)                                                                               \
                for (int l = 0; l < PANEL; l++) acc[m][g][l] = 0.0f;                                                   \
        for (int c = 0; c < C; c++) {                                                                                  \
            float xv[NR];                                                                                              \
            for (int m = 0; m < NR; m++) xv[m] = x[(size_t)m * C + c];                                                 \
            for (int g = 0; g < NG; g++) {                                                                             \
                const WT *wc = panels + ((size_t)g * C + c) * WORDS_##SFX;                                             \
                PREP_##SFX(wc);                                                                                        \
                for (int m = 0; m < NR; m++)                                                                           \
                    _Pragma("omp simd") for (int l = 0; l < PANEL / 2; l++) {                                          \
                        acc[m][g][l] = fmaf(xv[m], LO_##SFX(wc, l), acc[m][g][l]);                                     \
                        acc[m][g][l + PANEL / 2] = fmaf(xv[m], HI_##SFX(wc, l), acc[m][g][l + PANEL / 2]);             \
                    }                                                                                                  \
            }                                                                                                          \
        }                                                                                                              \
        for (int m = 0; m < NR; m++)                                                                                   \
            for (int g = 0; g < NG; g++) {                                                                             \
                const int base = o0 + g * PANEL, nc = OC - base < PANEL ? OC - base : PANEL;                           \
                float *o = out + (size_t)m * ldo + base;                                                               \
                for (int l = 0; l < nc; l++)                                                                           \
                    o[l] = (sc ? acc[m][g][l] * sc[base + l] : acc[m][g][l]) + (b ? b[base + l] : 0.0f);               \
            }                                                                                                          \
    }


/* Rows [n0, n0 + NR) against the ng (1..4) panels from p0: WIDE panels at a
 * time, then one by one. */
#define ROWS_OVER_GROUP(SFX, NR, WIDE)                                                                                 \
    do {                                                                                                               \
        const float *xr = x + (size_t)n0 * C;                                                                          \
        float *o = out + (size_t)n0 * OC;                                                                              \
        int p = p0;                                                                                                    \
        for (; p + (WIDE) <= p0 + ng; p += (WIDE))                                                                     \
            rows_panels_##SFX##_##NR##x##WIDE(o, OC, xr, packed + (size_t)p * C * WORDS_##SFX, sc, b, C, p * PANEL,   \
                                              OC);                                                                     \
        for (; p < p0 + ng; p++)                                                                                       \
            rows_panels_##SFX##_##NR##x1(o, OC, xr, packed + (size_t)p * C * WORDS_##SFX, sc, b, C, p * PANEL, OC);   \
        n0 += (NR);                                                                                                    \
    } while (0)

/* The kernels of one weight type, and the forward over them: threads split
 * groups of panels (each weight column is read by one thread); inside, rows go
 * in tiles of 8, then 4, 2 and 1, each tile walking as many panels at once as
 * its accumulators allow. Tiny products (the tests' models, decoder steps of
 * small models) run without entering a parallel region at all: even a team of
 * one costs an allocation. */
#define DEFINE_LINEAR_PACKED(SFX, WT, FORWARD)                                                                   \
    DEFINE_ROWS_PANELS(SFX, WT, 8, 1)                                                                            \
    DEFINE_ROWS_PANELS(SFX, WT, 4, 2)                                                                            \
    DEFINE_ROWS_PANELS(SFX, WT, 4, 1)                                                                            \
    DEFINE_ROWS_PANELS(SFX, WT, 2, 4)                                                                            \
    DEFINE_ROWS_PANELS(SFX, WT, 2, 1)                                                                            \
    DEFINE_ROWS_PANELS(SFX, WT, 1, 4)                                                                            \
    DEFINE_ROWS_PANELS(SFX, WT, 1, 1)                                                                            \
    static void group_rows_##SFX(float *out, const float *x, const WT *packed, const float *sc, const float *b, int N, \
                                 int C, int OC, int p0, int ng) {                                                      \
        int n0 = 0;                                                                                                    \
        while (N - n0 >= 8) ROWS_OVER_GROUP(SFX, 8, 1);                                                                \
        if (N - n0 >= 4) ROWS_OVER_GROUP(SFX, 4, 2);                                                                   \
        if (N - n0 >= 2) ROWS_OVER_GROUP(SFX, 2, 4);                                                                   \
        if (N - n0 >= 1) ROWS_OVER_GROUP(SFX, 1, 4);                                                                   \
    }                                                                                                                  \
    static void FORWARD(float *out, const float *x, const WT *packed, const float *sc, const float *b, int N, int C,  \
                        int OC) {                                                                                      \
        const int np = panels_of(OC), ngroups = (np + GROUP - 1) / GROUP;                                              \
        if ((size_t)N * C * OC < 65536) {                                                                              \
            for (int gi = 0; gi < ngroups; gi++)                                                                       \
                group_rows_##SFX(out, x, packed, sc, b, N, C, OC, gi * GROUP,                                          \
                                 np - gi * GROUP < GROUP ? np - gi * GROUP : GROUP);                                   \
            return;                                                                                                    \
        }                                                                                                              \
        _Pragma("omp parallel for schedule(static)") for (int gi = 0; gi < ngroups; gi++)                              \
            group_rows_##SFX(out, x, packed, sc, b, N, C, OC, gi * GROUP,                                              \
                             np - gi * GROUP < GROUP ? np - gi * GROUP : GROUP);                                       \
    }

DEFINE_LINEAR_PACKED(f32, float, forward_f32)
DEFINE_LINEAR_PACKED(bf16, uint32_t, forward_bf16)
#if !FLI_I8_DOT
DEFINE_LINEAR_PACKED(i8, int8_t, forward_i8)
#endif

void fli_linear_packed_forward(float *out, const float *x, const float *packed, const float *b, int N, int C, int OC) {
    forward_f32(out, x, packed, NULL, b, N, C, OC);
}
void fli_linear_packed_bf16_forward(float *out, const float *x, const uint32_t *packed, const float *b, int N, int C,
                                    int OC) {
    forward_bf16(out, x, packed, NULL, b, N, C, OC);
}
void fli_linear_packed_i8_forward(float *out, const float *x, const int8_t *packed, const float *scale, const float *b,
                                  int N, int C, int OC, unsigned char *scratch) {
#if FLI_I8_DOT
    fli_linear_dot_forward(out, x, packed, scale, b, N, C, OC, scratch);
#else
    (void)scratch;
    forward_i8(out, x, packed, scale, b, N, C, OC);
#endif
}

const char *fli_compiled_simd(void) {
#if defined(__AVX512F__)
    return "avx512";
#elif defined(__AVX2__)
    return "avx2";
#else
    return "generic";
#endif
}
