/* Linear layer y = x·wᵀ + b in PyTorch's [out, in] weight layout. All three
 * products go through fl_sgemm without materialising a transpose. */
#include "kernels/gemm.h"
#include "kernels/kernels.h"

void fli_linear_forward(float *out, const float *x, const float *w, const float *b, int N, int C, int OC) {
    fl_sgemm(0, 1, N, OC, C, x, C, w, C, 0.0f, out, OC);
    if (!b) return;
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        float *o = out + (size_t)n * OC;
        for (int j = 0; j < OC; j++) o[j] += b[j];
    }
}

#define BIAS_BLOCK 64
void fli_linear_backward(float *dx, float *dw, float *db, const float *dout, const float *x, const float *w, int N, int C,
                     int OC) {
    if (dx) fl_sgemm(0, 0, N, C, OC, dout, OC, w, C, 1.0f, dx, C);
    if (dw) fl_sgemm(1, 0, OC, C, N, dout, OC, x, C, 1.0f, dw, C);
    if (!db) return;
    /* Column sums: each thread owns a block of output channels, rows in order. */
    int nblocks = (OC + BIAS_BLOCK - 1) / BIAS_BLOCK;
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < nblocks; blk++) {
        int j0 = blk * BIAS_BLOCK, j1 = j0 + BIAS_BLOCK < OC ? j0 + BIAS_BLOCK : OC;
        float acc[BIAS_BLOCK] = {0};
        for (int n = 0; n < N; n++) {
            const float *d = dout + (size_t)n * OC;
            for (int j = j0; j < j1; j++) acc[j - j0] += d[j];
        }
        for (int j = j0; j < j1; j++) db[j] += acc[j - j0];
    }
}
