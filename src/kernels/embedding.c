/* Token + position embedding. */
#include "kernels/kernels.h"

void fli_embedding_forward(float *out, const int32_t *tok, const float *wte, const float *wpe, int R, int S, int C) {
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)R * S; row++) {
        const float *te = wte + (size_t)tok[row] * C;
        const float *pe = wpe + (size_t)(row % S) * C;
        float *o = out + (size_t)row * C;
        for (int c = 0; c < C; c++) o[c] = te[c] + pe[c];
    }
}

/* Gradient scatter. Many rows hit the same wte row, so rows cannot be split
 * across threads without races or atomics; instead each thread owns a slice of
 * channels and walks all rows in order, which keeps the sum order fixed. */
#define EMB_CBLOCK 16
void fli_embedding_backward(float *dwte, float *dwpe, const float *dout, const int32_t *tok, int R, int S, int C) {
    int nblocks = (C + EMB_CBLOCK - 1) / EMB_CBLOCK;
    const long rows = (long)R * S;
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < nblocks; blk++) {
        int c0 = blk * EMB_CBLOCK, c1 = c0 + EMB_CBLOCK < C ? c0 + EMB_CBLOCK : C;
        for (long row = 0; row < rows; row++) {
            const float *d = dout + (size_t)row * C;
            if (dwte) {
                float *g = dwte + (size_t)tok[row] * C;
                for (int c = c0; c < c1; c++) g[c] += d[c];
            }
            if (dwpe) {
                float *g = dwpe + (size_t)(row % S) * C;
                for (int c = c0; c < c1; c++) g[c] += d[c];
            }
        }
    }
}
