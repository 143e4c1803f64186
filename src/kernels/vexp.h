/* exp(x) (and tanh) for float, written so that GCC/Clang vectorise a loop that calls it
 * (no libm call, no branches: the compiler turns it into a handful of FMAs
 * and integer ops per 16 lanes). libm's expf is a scalar call; in the
 * attention softmax, the cross-entropy over an 8192-wide vocabulary and the
 * GELU's tanh it was a fifth of a training step.
 *
 * Method (Cephes' expf): x = n ln2 + r with n = round(x / ln2) and |r| <= ln2/2
 * (ln2 split in two so that n ln2 is exact), exp(r) by a degree-7 polynomial,
 * then 2^n is added into the exponent bits. Relative error <= 2 ulp over the
 * whole range (tests/test_vexp.c checks it against libm). Inputs below
 * FL_EXP_LO (exp < 4e-38, under every softmax row's largest term by far more
 * than float precision) give exactly 0, so exp(-inf) = 0 as a mask needs;
 * inputs above 88 saturate at exp(88). NaN is not propagated (no caller
 * feeds one: a NaN loss is caught by the model's finiteness check). */
#ifndef FL_KERNELS_VEXP_H
#define FL_KERNELS_VEXP_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#define FL_EXP_LO (-86.0f)

static inline float fl_expf(float x) {
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float xc = x < FL_EXP_LO ? FL_EXP_LO : x;
    xc = xc > 88.0f ? 88.0f : xc;
    float t = fmaf(xc, 1.44269504088896341f, magic); /* n in the low mantissa bits */
    float n = t - magic;
    float r = fmaf(n, -0.693359375f, xc); /* ln2 = 0.693359375 - 2.12194440e-4, first part exact */
    r = fmaf(n, 2.12194440e-4f, r);
    float p = 1.9875691500E-4f;
    p = fmaf(p, r, 1.3981999507E-3f);
    p = fmaf(p, r, 8.3334519073E-3f);
    p = fmaf(p, r, 4.1665795894E-2f);
    p = fmaf(p, r, 1.6666665459E-1f);
    p = fmaf(p, r, 5.0000001201E-1f);
    p = fmaf(p, r * r, r + 1.0f);
    /* add n to the exponent field, in unsigned arithmetic: the same bits as the
     * signed form for every finite x, and no signed overflow for a NaN x, whose t
     * holds no integer (the NaN itself is passed through below) */
    uint32_t ti, pi;
    memcpy(&ti, &t, sizeof ti);
    memcpy(&pi, &p, sizeof pi);
    pi += (ti - 0x4B400000u) << 23;
    /* 0 below FL_EXP_LO, x itself for a NaN, else 2^n p; chosen with bit masks,
     * not `?:` on the computed value: GCC if-converts that select only with
     * AVX-512's mask registers, and for AVX2 left the whole loop scalar (a
     * decoding step's GELU was then 13% of its time, not 2%) */
    uint32_t xi;
    memcpy(&xi, &x, sizeof xi);
    const uint32_t keep = 0u - (uint32_t)(x >= FL_EXP_LO), nan = 0u - (uint32_t)(x != x);
    pi = (pi & keep & ~nan) | (xi & nan);
    float out;
    memcpy(&out, &pi, sizeof out);
    return out;
}

/* tanh(x) = sign(x) (1 - 2 / (exp(2|x|) + 1)), vectorisable like fl_expf.
 * Absolute error <= ~3e-7 (it is computed as a difference from 1, so tiny |x|
 * lose relative accuracy, not absolute): exact enough for the GELU, whose
 * output 0.5 x (1 + tanh) and derivative only ever use tanh next to 1. */
static inline float fl_tanhf(float x) {
    /* fl_expf saturates at exp(88) itself: a second clamp here (at 44) let GCC
     * thread the two into branches, and the loop stayed scalar for AVX2 */
    float e = fl_expf(2.0f * fabsf(x));
    float t = 1.0f - 2.0f / (e + 1.0f);
    /* -t for x < 0, by flipping the sign bit (vectorises on AVX2, as above) */
    uint32_t ti;
    memcpy(&ti, &t, sizeof ti);
    ti ^= (0u - (uint32_t)(x < 0.0f)) & 0x80000000u;
    memcpy(&t, &ti, sizeof t);
    return t;
}

#endif
