/* GELU (tanh approximation, GPT-2's) and its derivative for one element, shared
 * by the standalone passes (gelu.c) and the SGEMM epilogue (gemm.c,
 * gemm_blas.c), so that a fused product gives the very bits of the separate
 * pass: the same operations in the same order (the build is ISO C, so no
 * FMA contraction differs between a vectorised and a scalar copy).
 *     gelu(x)  = 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
 *     gelu'(x) = 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) sqrt(2/pi) (1 + 3 0.044715 x^2) */
#ifndef FL_KERNELS_GELU_MATH_H
#define FL_KERNELS_GELU_MATH_H
#include "kernels/vexp.h"

#define FL_GELU_K 0.7978845608028654f /* sqrt(2/pi) */
#define FL_GELU_A 0.044715f

static inline float fl_gelu_f(float v) {
    return 0.5f * v * (1.0f + fl_tanhf(FL_GELU_K * (v + FL_GELU_A * v * v * v)));
}

static inline float fl_gelu_grad_f(float v) {
    float u = FL_GELU_K * (v + FL_GELU_A * v * v * v);
    float t = fl_tanhf(u);
    float sech2 = 1.0f - t * t;
    return 0.5f * (1.0f + t) + 0.5f * v * sech2 * FL_GELU_K * (1.0f + 3.0f * FL_GELU_A * v * v);
}

#endif
