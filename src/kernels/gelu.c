/* GELU, tanh approximation (GPT-2's), as a pass of its own (gelu_math.h has the
 * formula; training applies it in the fc product's epilogue instead, see
 * gemm.h). tanh is vexp.h's branch-free fl_tanhf so that each loop vectorises
 * (libm's tanhf was a scalar call and ~15% of a GPT training step). Elements
 * are independent, so any split over threads gives the same bits. */
#include <math.h>

#include "kernels/gelu_math.h"
#include "kernels/kernels.h"

/* Below this many elements a parallel region costs more than it saves (a
 * decoding step's GELU has a few hundred), so small calls stay on the caller's
 * thread. */
#define GELU_SERIAL 32768

static void gelu_span(float *out, const float *x, size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        out[i] = fl_gelu_f(x[i]);
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
    for (size_t i = 0; i < n; i++) dx[i] += fl_gelu_grad_f(x[i]) * dout[i];
}
