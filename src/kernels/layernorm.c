/* LayerNorm over the channel dimension, eps = 1e-5 (GPT-2's). */
#include <math.h>

#include "kernels/kernels.h"

#define LN_EPS 1e-5f

static void layernorm_row(float *o, float *mean, float *rstd, const float *xr, const float *w, const float *b, int C) {
    /* The sums are vector reductions: a serial chain of C dependent adds
     * costs more than the rest of the row when decoding one row at a time. */
    float mu = 0.0f;
#pragma omp simd reduction(+ : mu)
    for (int c = 0; c < C; c++) mu += xr[c];
    mu /= (float)C;
    float var = 0.0f; /* two-pass variance: no cancellation for large means */
#pragma omp simd reduction(+ : var)
    for (int c = 0; c < C; c++) {
        float d = xr[c] - mu;
        var += d * d;
    }
    var /= (float)C;
    float rs = 1.0f / sqrtf(var + LN_EPS);
    for (int c = 0; c < C; c++) o[c] = (xr[c] - mu) * rs * w[c] + b[c];
    if (mean) *mean = mu;
    if (rstd) *rstd = rs;
}

void fli_layernorm_forward(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b, int N,
                       int C) {
    /* A few rows (decoding) stay on the caller's thread: a parallel region
     * costs more than they do. Rows are independent either way. */
    if ((size_t)N * C < 16384) {
        for (int n = 0; n < N; n++)
            layernorm_row(out + (size_t)n * C, mean ? mean + n : NULL, rstd ? rstd + n : NULL, x + (size_t)n * C, w, b,
                          C);
        return;
    }
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++)
        layernorm_row(out + (size_t)n * C, mean ? mean + n : NULL, rstd ? rstd + n : NULL, x + (size_t)n * C, w, b, C);
}

/* dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dout * w.
 * Rows are independent for dx; dw and db sum over rows, so they get a second
 * pass in which each thread owns a block of channels (fixed summation order). */
#define LN_CBLOCK 32
void fli_layernorm_backward(float *dx, float *dw, float *db, const float *dout, const float *x, const float *w,
                        const float *mean, const float *rstd, int N, int C) {
    if (dx) {
#pragma omp parallel for schedule(static)
        for (int n = 0; n < N; n++) {
            const float *xr = x + (size_t)n * C, *d = dout + (size_t)n * C;
            float *g = dx + (size_t)n * C;
            float mu = mean[n], rs = rstd[n];
            float sum_dxhat = 0.0f, sum_dxhat_xhat = 0.0f;
            /* vector reductions, as in the forward: two serial chains of C adds
             * each were most of a row's time */
#pragma omp simd reduction(+ : sum_dxhat, sum_dxhat_xhat)
            for (int c = 0; c < C; c++) {
                float xhat = (xr[c] - mu) * rs, dxhat = d[c] * w[c];
                sum_dxhat += dxhat;
                sum_dxhat_xhat += dxhat * xhat;
            }
            float m1 = sum_dxhat / (float)C, m2 = sum_dxhat_xhat / (float)C;
            for (int c = 0; c < C; c++) {
                float xhat = (xr[c] - mu) * rs;
                g[c] += rs * (d[c] * w[c] - m1 - xhat * m2);
            }
        }
    }
    if (!dw && !db) return;
    int nblocks = (C + LN_CBLOCK - 1) / LN_CBLOCK;
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < nblocks; blk++) {
        int c0 = blk * LN_CBLOCK, c1 = c0 + LN_CBLOCK < C ? c0 + LN_CBLOCK : C;
        float accw[LN_CBLOCK] = {0}, accb[LN_CBLOCK] = {0};
        for (int n = 0; n < N; n++) {
            const float *xr = x + (size_t)n * C, *d = dout + (size_t)n * C;
            float mu = mean[n], rs = rstd[n];
            for (int c = c0; c < c1; c++) {
                accw[c - c0] += d[c] * (xr[c] - mu) * rs;
                accb[c - c0] += d[c];
            }
        }
        for (int c = c0; c < c1; c++) {
            if (dw) dw[c] += accw[c - c0];
            if (db) db[c] += accb[c - c0];
        }
    }
}
