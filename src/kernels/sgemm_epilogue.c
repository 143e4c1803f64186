/* The SGEMM epilogue (gemm.h): bias, residual and GELU on a finished block of C. The
 * driver calls it on each task's block (MC rows x the task's columns) right
 * after its last K block, while the block is still in L2, so the activations
 * never make a separate trip through memory; the BLAS backend calls it once
 * on the whole of C.
 * Elementwise, so neither the blocking nor the thread count changes a bit. */
#include <stddef.h>

#include "kernels/gelu_math.h"
#include "kernels/gemm.h"

void fl_sgemm_epilogue_apply(const fl_sgemm_epilogue *epi, float *C, int ldc, int i0, int rows, int j0, int cols) {
    const float *bias = epi->bias ? epi->bias + j0 : NULL;
    for (int i = i0; i < i0 + rows; i++) {
        float *restrict c = C + (size_t)i * ldc + j0;
        if (bias) {
#pragma omp simd
            for (int j = 0; j < cols; j++) c[j] += bias[j];
        }
        if (epi->residual) {
            const float *restrict r = epi->residual + (size_t)i * epi->ldres + j0;
#pragma omp simd
            for (int j = 0; j < cols; j++) c[j] = r[j] + c[j];
        }
        if (epi->op == FL_EPI_GELU) {
            float *restrict o = epi->aux + (size_t)i * epi->ldaux + j0;
#pragma omp simd
            for (int j = 0; j < cols; j++) o[j] = fl_gelu_f(c[j]);
        } else if (epi->op == FL_EPI_GELU_GRAD) {
            const float *restrict x = epi->aux + (size_t)i * epi->ldaux + j0;
#pragma omp simd
            for (int j = 0; j < cols; j++) c[j] *= fl_gelu_grad_f(x[j]);
        }
    }
}
