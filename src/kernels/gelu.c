/* GELU, tanh approximation (GPT-2's): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 * tanh is vexp.h's branch-free fl_tanhf so that each loop vectorises (libm's
 * tanhf was a scalar call and ~15% of a GPT training step). Elements are
 * independent, so any split over threads gives the same bits. */
#include <math.h>

#include "kernels/kernels.h"
#include "kernels/vexp.h"

#define GELU_K 0.7978845608028654f /* sqrt(2/pi) */
#define GELU_A 0.044715f

/* Below this many elements a parallel region costs more than it saves (a
 * decoding step's GELU has a few hundred), so small calls stay on the caller's
 * thread. */
#define GELU_SERIAL 32768

static void gelu_span(float *out, const float *x, size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        out[i] = 0.5f * v * (1.0f + fl_tanhf(GELU_K * (v + GELU_A * v * v * v)));
    }
}

void fli_gelu_forward(float *out, const float *x, size_t n) {
    if (n < GELU_SERIAL) {
        gelu_span(out, x, n);
        return;
    }
    const size_t chunk = 4096, nchunks = (n + chunk - 1) / chunk;
#pragma omp parallel for schedule(static)
    for (size_t k = 0; k < nchunks; k++) {
        size_t i0 = k * chunk, len = n - i0 < chunk ? n - i0 : chunk;
        gelu_span(out + i0, x + i0, len);
    }
}

void fli_gelu_backward(float *dx, const float *x, const float *dout, size_t n) {
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float u = GELU_K * (v + GELU_A * v * v * v);
        float t = fl_tanhf(u);
        float sech2 = 1.0f - t * t;
        float grad = 0.5f * (1.0f + t) + 0.5f * v * sech2 * GELU_K * (1.0f + 3.0f * GELU_A * v * v);
        dx[i] += grad * dout[i];
    }
}
