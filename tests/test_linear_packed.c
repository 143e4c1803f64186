/* The packed linear layer of inference (kernels/linear_packed.c), float32,
 * bfloat16 and int8 weights, against a double-precision product:
 *  - every output within the error bound of a float32 fused multiply-add chain,
 *    (C + 1) * 2^-24 * (sum_c |x_c w_oc| + |b_o|), over shapes that exercise
 *    every row tile (8, 4, 2, 1 rows), partial panels and the parallel path;
 *  - bfloat16 weights: the same bound against the product with the weights
 *    rounded to bfloat16 (the rounding is the only other difference), and the
 *    rounding itself on known answers: ties to even, infinities, NaN;
 *  - int8 weights: the product on the weights quantised by a quantiser written
 *    here (a scale per output column, max |w| / 127, round to nearest), within
 *    the chain's bound plus the one multiply by the scale; an all-zero column.
 *    Where the kernels quantise the input rows too (FLI_I8_DOT: an int8 dot
 *    product), the reference quantises them as kernels.h specifies, its sums are
 *    exact integers and the bound is the three roundings of the scales and bias;
 *    a row of zeros, and a row with an infinity or a NaN (all NaN out);
 *  - a row's bits do not depend on the rows it is computed with, nor on the
 *    number of threads (what makes greedy spec decoding equal greedy ar).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "check.h"
#include "kernels/kernels.h"

static uint64_t rng_state = 12345;
static float uniform(void) { /* [-1, 1) */
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng_state >> 40) * (1.0 / (1 << 23)) - 1.0);
}

/* bfloat16 by round-to-nearest-even, written independently of the kernel:
 * the nearest of the two neighbouring bfloat16 values, the even one on a tie. */
static float to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    uint32_t down = u & 0xffff0000u, up = down + 0x10000u;
    float fd, fu;
    memcpy(&fd, &down, 4);
    memcpy(&fu, &up, 4);
    /* past the largest bfloat16 the next value up is infinity, at 2^128 for rounding */
    double dd = fabs((double)f - fd), du = fabs((isinf(fu) ? ldexp(1.0, 128) : (double)fu) - f);
    uint32_t r = dd < du ? down : du < dd ? up : ((down >> 16) & 1 ? up : down);
    float out;
    memcpy(&out, &r, 4);
    return out;
}

/* Worst |out - ref| / bound over all outputs; ref in double on weights w. */
static double worst_vs_reference(const float *out, const float *x, const float *w, const float *b, int N, int C,
                                 int OC) {
    double worst = 0;
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++) {
            double ref = b ? b[o] : 0, mag = b ? fabs(b[o]) : 0;
            for (int c = 0; c < C; c++) {
                double t = (double)x[(size_t)n * C + c] * w[(size_t)o * C + c];
                ref += t;
                mag += fabs(t);
            }
            double bound = (C + 1) * ldexp(1.0, -24) * mag + 1e-30;
            double e = fabs(out[(size_t)n * OC + o] - ref) / bound;
            if (e > worst) worst = e;
        }
    return worst;
}

/* int8 weights, quantised independently of the kernel: q[o][c] and scale[o]. */
static void quantise_i8(const float *w, int C, int OC, int *q, double *scale) {
    for (int o = 0; o < OC; o++) { /* in float, as specified: the scale and each w / scale rounded once */
        float amax = 0;
        for (int c = 0; c < C; c++) amax = fmaxf(amax, fabsf(w[(size_t)o * C + c]));
        const float sc = amax / 127.0f;
        scale[o] = sc;
        for (int c = 0; c < C; c++) q[(size_t)o * C + c] = sc > 0 ? (int)lrintf(w[(size_t)o * C + c] / sc) : 0;
    }
}

/* An input row as the int8 dot-product kernels see it (kernels.h): the row's
 * scale max|x| / QMAX and x * (QMAX / max|x|) rounded to nearest even, in float. */
static double quantise_row(const float *x, int C, double *xq) {
    float amax = 0;
    for (int c = 0; c < C; c++) amax = fmaxf(amax, fabsf(x[c]));
    const float qmax = (float)FLI_I8_QMAX, inv = amax > 0 ? qmax / amax : 0.0f;
    for (int c = 0; c < C; c++) xq[c] = (double)rintf(x[c] * inv);
    return amax > 0 ? (double)(amax / qmax) : 0.0;
}

/* Worst |out - ref| / bound, ref = sum_c x q scale + b in double; the bound is the
 * float chain over c (C roundings), the multiply by the scale and the bias add.
 * With FLI_I8_DOT, x is quantised first and the sum is exact: only the two
 * multiplies by the scales and the bias add round. */
static double worst_vs_i8(const float *out, const float *x, const int *q, const double *scale, const float *b, int N,
                          int C, int OC) {
    double worst = 0, *xq = malloc(sizeof(double) * C);
    for (int n = 0; n < N; n++) {
        double xs = 1;
        if (FLI_I8_DOT) xs = quantise_row(x + (size_t)n * C, C, xq);
        else
            for (int c = 0; c < C; c++) xq[c] = x[(size_t)n * C + c];
        for (int o = 0; o < OC; o++) {
            double ref = 0, mag = 0;
            for (int c = 0; c < C; c++) {
                double t = xq[c] * q[(size_t)o * C + c];
                ref += t;
                mag += fabs(t);
            }
            ref = ref * xs * scale[o] + (b ? b[o] : 0);
            mag = mag * xs * scale[o] + (b ? fabs(b[o]) : 0);
            const double roundings = FLI_I8_DOT ? 3 : C + 2;
            double e = fabs(out[(size_t)n * OC + o] - ref) / (roundings * ldexp(1.0, -24) * mag + 1e-30);
            if (e > worst) worst = e;
        }
    }
    free(xq);
    return worst;
}

static void shapes(void) {
    static const int Ns[] = {1, 2, 3, 4, 5, 8, 13, 17};
    static const int Cs[] = {1, 7, 64, 130};
    static const int OCs[] = {1, 31, 33, 100, 160, 515};
    double worst32 = 0, worst16 = 0, worst8 = 0;
    int batch_same = 1, cases = 0;
    for (size_t ci = 0; ci < sizeof Cs / sizeof *Cs; ci++)
        for (size_t oi = 0; oi < sizeof OCs / sizeof *OCs; oi++) {
            const int C = Cs[ci], OC = OCs[oi], Nmax = 17;
            float *x = malloc(sizeof(float) * Nmax * C), *w = malloc(sizeof(float) * OC * C);
            float *w16 = malloc(sizeof(float) * OC * C), *b = malloc(sizeof(float) * OC);
            float *out = malloc(sizeof(float) * Nmax * OC), *one = malloc(sizeof(float) * OC);
            float *p32 = malloc(sizeof(float) * fli_linear_pack_floats(C, OC));
            uint32_t *p16 = malloc(sizeof(uint32_t) * fli_linear_pack_bf16_words(C, OC));
            int8_t *p8 = malloc(fli_linear_pack_i8_bytes(C, OC));
            float *s8 = malloc(sizeof(float) * fli_linear_pack_i8_scales(OC));
            unsigned char *scratch = aligned_alloc(64, (fli_linear_i8_scratch_bytes(Nmax, C) / 64 + 1) * 64);
            int *q = malloc(sizeof(int) * OC * C);
            double *scale = malloc(sizeof(double) * OC);
            for (int i = 0; i < Nmax * C; i++) x[i] = uniform();
            for (int i = 0; i < OC * C; i++) w[i] = uniform() * 0.5f, w16[i] = to_bf16(w[i]);
            if (OC > 1)
                for (int c = 0; c < C; c++) w[(size_t)(OC / 2) * C + c] = 0.0f; /* a zero column: scale 0 */
            for (int i = 0; i < OC * C; i++) w16[i] = to_bf16(w[i]);
            for (int i = 0; i < OC; i++) b[i] = uniform();
            fli_linear_pack(p32, w, C, OC);
            fli_linear_pack_bf16(p16, w, C, OC);
            fli_linear_pack_i8(p8, s8, w, C, OC);
            quantise_i8(w, C, OC, q, scale);
            for (size_t ni = 0; ni < sizeof Ns / sizeof *Ns; ni++) {
                const int N = Ns[ni];
                const float *bias = ni % 2 ? b : NULL;
                fli_linear_packed_forward(out, x, p32, bias, N, C, OC);
                worst32 = fmax(worst32, worst_vs_reference(out, x, w, bias, N, C, OC));
                for (int r = 0; r < N; r += 3) { /* row r alone gives the same bits */
                    fli_linear_packed_forward(one, x + (size_t)r * C, p32, bias, 1, C, OC);
                    batch_same &= !memcmp(one, out + (size_t)r * OC, sizeof(float) * OC);
                }
                fli_linear_packed_bf16_forward(out, x, p16, bias, N, C, OC);
                worst16 = fmax(worst16, worst_vs_reference(out, x, w16, bias, N, C, OC));
                for (int r = 0; r < N; r += 3) {
                    fli_linear_packed_bf16_forward(one, x + (size_t)r * C, p16, bias, 1, C, OC);
                    batch_same &= !memcmp(one, out + (size_t)r * OC, sizeof(float) * OC);
                }
                fli_linear_packed_i8_forward(out, x, p8, s8, bias, N, C, OC, scratch);
                worst8 = fmax(worst8, worst_vs_i8(out, x, q, scale, bias, N, C, OC));
                for (int r = 0; r < N; r += 3) {
                    fli_linear_packed_i8_forward(one, x + (size_t)r * C, p8, s8, bias, 1, C, OC, scratch);
                    batch_same &= !memcmp(one, out + (size_t)r * OC, sizeof(float) * OC);
                }
                cases++;
            }
            free(x), free(w), free(w16), free(b), free(out), free(one), free(p32), free(p16), free(p8), free(s8), free(scratch);
            free(q), free(scale);
        }
    check(worst32 <= 1, "float32 weights: every output within the fma-chain bound of a double product",
          "worst %.3g of the bound over %d shapes", worst32, cases);
    check(worst16 <= 1, "bfloat16 weights: every output within the same bound of the product on rounded weights",
          "worst %.3g of the bound over %d shapes", worst16, cases);
    check(worst8 <= 1, "int8 weights: every output within the chain's bound (plus the scale's rounding) of the "
          "product on independently quantised weights, a zero column included",
          "worst %.3g of the bound over %d shapes", worst8, cases);
    check(batch_same, "a row's bits do not depend on the rows batched with it (float32, bfloat16 and int8)",
          "a row differs between N=1 and a batch");
}

/* int8: a row of zeros gives the bias exactly; with FLI_I8_DOT, a row holding an
 * infinity or a NaN gives NaN everywhere (as a float product would somewhere),
 * and neither disturbs the finite row computed with them. */
static void i8_special_rows(void) {
    enum { N = 4, C = 21, OC = 40 };
    float x[N * C], w[OC * C], b[OC], out[N * OC], one[OC], s8[64];
    int8_t *p8 = malloc(fli_linear_pack_i8_bytes(C, OC));
    unsigned char *scratch = aligned_alloc(64, (fli_linear_i8_scratch_bytes(N, C) / 64 + 1) * 64);
    for (int i = 0; i < N * C; i++) x[i] = uniform();
    for (int i = 0; i < OC * C; i++) w[i] = uniform();
    for (int i = 0; i < OC; i++) b[i] = uniform();
    for (int c = 0; c < C; c++) x[c] = 0.0f;   /* row 0: zeros */
    x[C + 17] = INFINITY;                      /* row 1: an infinity in the vector tail */
    x[2 * C + 3] = NAN;                        /* row 2: a NaN */
    fli_linear_pack_i8(p8, s8, w, C, OC);
    fli_linear_packed_i8_forward(out, x, p8, s8, b, N, C, OC, scratch);
    int zero_ok = !memcmp(out, b, sizeof b), nan_ok = 1;
    for (int o = 0; o < OC && FLI_I8_DOT; o++) nan_ok &= isnan(out[OC + o]) && isnan(out[2 * OC + o]);
    fli_linear_packed_i8_forward(one, x + 3 * C, p8, s8, b, 1, C, OC, scratch);
    int finite_ok = !memcmp(one, out + 3 * OC, sizeof one);
    check(zero_ok && nan_ok && finite_ok,
          FLI_I8_DOT ? "int8 (inputs quantised): a zero row gives the bias; a row with an infinity or NaN gives NaN; "
                       "the finite row beside them is unchanged"
                     : "int8 (float inputs): a zero row gives the bias; the finite row beside it is unchanged",
          "zero row %s, non-finite rows %s, finite row %s", zero_ok ? "ok" : "differs", nan_ok ? "ok" : "not all NaN",
          finite_ok ? "ok" : "differs");
    free(p8), free(scratch);
}

/* C = 1, x = 1: each output is the packed weight itself. */
static void bf16_rounding(void) {
    const float in[] = {1.0f,
                        1.0f + 0x1p-8f,        /* halfway between 1 and 1 + 2^-7: ties to even, 1 */
                        1.0f + 3 * 0x1p-8f,    /* halfway between 1 + 2^-7 and 1 + 2^-6: to 1 + 2^-6 */
                        1.0f + 0x1p-8f + 0x1p-20f, /* just above halfway: up */
                        -2.5f,
                        3.0e38f,  /* large, finite */
                        0x1.fffffep+127f, /* FLT_MAX: past the largest bfloat16 plus half an ulp, +inf */
                        INFINITY,
                        -INFINITY,
                        NAN,
                        0x1p-130f}; /* subnormal: kept */
    const float want[] = {1.0f,      1.0f,     1.0f + 0x1p-6f, 1.0f + 0x1p-7f, -2.5f,     0x1.c4p+127f,
                          INFINITY,  INFINITY, -INFINITY,      NAN,            0x1p-130f};
    const int OC = (int)(sizeof in / sizeof *in);
    uint32_t packed[64];
    float out[16], one = 1.0f;
    fli_linear_pack_bf16(packed, in, 1, OC);
    fli_linear_packed_bf16_forward(out, &one, packed, NULL, 1, 1, OC);
    int good = 1, bad = -1;
    for (int o = 0; o < OC; o++) {
        int same = isnan(want[o]) ? isnan(out[o]) : out[o] == want[o] && signbit(out[o]) == signbit(want[o]);
        int independent = isnan(want[o]) || to_bf16(in[o]) == want[o];
        if (!(same && independent) && bad < 0) bad = o;
        good &= same && independent;
    }
    check(good, "bfloat16 rounding: nearest, ties to even, overflow to inf, inf, NaN and subnormals kept",
          "value %d: %a packed as %a, want %a", bad, bad >= 0 ? in[bad] : 0, bad >= 0 ? out[bad] : 0,
          bad >= 0 ? want[bad] : 0);
}

/* A product big enough for the parallel path gives the same bits on 1 and 2 threads. */
static void threads(void) {
#ifdef _OPENMP
    const int N = 9, C = 256, OC = 1000;
    float *x = malloc(sizeof(float) * N * C), *w = malloc(sizeof(float) * OC * C);
    float *a = malloc(sizeof(float) * N * OC), *b = malloc(sizeof(float) * N * OC);
    float *p32 = malloc(sizeof(float) * fli_linear_pack_floats(C, OC));
    uint32_t *p16 = malloc(sizeof(uint32_t) * fli_linear_pack_bf16_words(C, OC));
    for (int i = 0; i < N * C; i++) x[i] = uniform();
    for (int i = 0; i < OC * C; i++) w[i] = uniform();
    int8_t *p8 = malloc(fli_linear_pack_i8_bytes(C, OC));
    float *s8 = malloc(sizeof(float) * fli_linear_pack_i8_scales(OC));
    unsigned char *scratch = aligned_alloc(64, (fli_linear_i8_scratch_bytes(N, C) / 64 + 1) * 64);
    fli_linear_pack(p32, w, C, OC);
    fli_linear_pack_bf16(p16, w, C, OC);
    fli_linear_pack_i8(p8, s8, w, C, OC);
    int before = omp_get_max_threads(), same = 1;
    omp_set_num_threads(1);
    fli_linear_packed_forward(a, x, p32, NULL, N, C, OC);
    omp_set_num_threads(2);
    fli_linear_packed_forward(b, x, p32, NULL, N, C, OC);
    same &= !memcmp(a, b, sizeof(float) * N * OC);
    omp_set_num_threads(1);
    fli_linear_packed_bf16_forward(a, x, p16, NULL, N, C, OC);
    omp_set_num_threads(2);
    fli_linear_packed_bf16_forward(b, x, p16, NULL, N, C, OC);
    same &= !memcmp(a, b, sizeof(float) * N * OC);
    omp_set_num_threads(1);
    fli_linear_packed_i8_forward(a, x, p8, s8, NULL, N, C, OC, scratch);
    omp_set_num_threads(2);
    fli_linear_packed_i8_forward(b, x, p8, s8, NULL, N, C, OC, scratch);
    same &= !memcmp(a, b, sizeof(float) * N * OC);
    omp_set_num_threads(before);
    check(same, "1 and 2 threads give the same bits (float32, bfloat16 and int8)", "outputs differ");
    free(x), free(w), free(a), free(b), free(p32), free(p16), free(p8), free(s8), free(scratch);
#endif
}

int main(void) {
    shapes();
    bf16_rounding();
    i8_special_rows();
    threads();
    return check_exit();
}
