/* Linear layer y = x·wᵀ + b in PyTorch's [out, in] weight layout. All three
 * products go through fl_sgemm without materialising a transpose; the bias,
 * the block's residual add and the MLP's GELU ride on the product's epilogue
 * (gemm.h), so none makes a pass of its own over the N x OC output. */
#include "kernels/gemm.h"
#include "kernels/kernels.h"

void fli_linear_forward(float *out, const float *x, const float *w, const float *b, int N, int C, int OC) {
    const fl_sgemm_epilogue epi = {.bias = b};
    fl_sgemm_ex(0, 1, N, OC, C, x, C, w, C, 0.0f, out, OC, &epi);
}

void fli_linear_residual_forward(float *out, const float *res, const float *x, const float *w, const float *b, int N,
                                 int C, int OC) {
    const fl_sgemm_epilogue epi = {.bias = b, .residual = res, .ldres = OC};
    fl_sgemm_ex(0, 1, N, OC, C, x, C, w, C, 0.0f, out, OC, &epi);
}

void fli_linear_gelu_forward(float *pre, float *act, const float *x, const float *w, const float *b, int N, int C,
                             int OC) {
    const fl_sgemm_epilogue epi = {.bias = b, .op = FL_EPI_GELU, .aux = act, .ldaux = OC};
    fl_sgemm_ex(0, 1, N, OC, C, x, C, w, C, 0.0f, pre, OC, &epi);
}

#define BIAS_BLOCK 64
/* db += column sums of dout: each thread owns a block of output channels and
 * adds its rows in order, so the sum is the same for any thread count. */
static void bias_grad(float *db, const float *dout, int N, int OC) {
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

static void backward(float beta_dx, float *dx, float *dw, float *db, const float *dout, const float *x, const float *w,
                     int N, int C, int OC) {
    if (dx) fl_sgemm(0, 0, N, C, OC, dout, OC, w, C, beta_dx, dx, C);
    if (dw) fl_sgemm(1, 0, OC, C, N, dout, OC, x, C, 1.0f, dw, C);
    if (db) bias_grad(db, dout, N, OC);
}

void fli_linear_backward(float *dx, float *dw, float *db, const float *dout, const float *x, const float *w, int N, int C,
                     int OC) {
    backward(1.0f, dx, dw, db, dout, x, w, N, C, OC);
}

void fli_linear_backward_set(float *dx, float *dw, float *db, const float *dout, const float *x, const float *w, int N,
                             int C, int OC) {
    backward(0.0f, dx, dw, db, dout, x, w, N, C, OC);
}

void fli_linear_backward_gelu(float *dpre, float *dw, float *db, const float *dout, const float *x, const float *w,
                              const float *pre, int N, int C, int OC) {
    /* dpre = gelu'(pre) * (dout·w): the product overwrites dpre (beta 0) and its
     * epilogue applies the derivative, so d(gelu output) is never stored */
    const fl_sgemm_epilogue epi = {.op = FL_EPI_GELU_GRAD, .aux = (float *)pre, .ldaux = C};
    fl_sgemm_ex(0, 0, N, C, OC, dout, OC, w, C, 0.0f, dpre, C, &epi);
    if (dw) fl_sgemm(1, 0, OC, C, N, dout, OC, x, C, 1.0f, dw, C);
    if (db) bias_grad(db, dout, N, OC);
}
