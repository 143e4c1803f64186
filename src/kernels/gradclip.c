/* Pieces of global-norm gradient clipping. The norm is a sum over millions of
 * values; doing it in double over fixed 4096-element blocks, combined in block
 * order, makes it accurate and identical for every thread count. */
#include "kernels/kernels.h"

#define SQ_BLOCK 4096

double fli_sum_of_squares(const float *g, size_t n) {
    size_t nblocks = (n + SQ_BLOCK - 1) / SQ_BLOCK;
    double total = 0.0;
    /* ordered: each block's partial sum is added in block order */
#pragma omp parallel for schedule(static) ordered
    for (size_t blk = 0; blk < nblocks; blk++) {
        size_t i0 = blk * SQ_BLOCK, i1 = i0 + SQ_BLOCK < n ? i0 + SQ_BLOCK : n;
        double s = 0.0;
        for (size_t i = i0; i < i1; i++) s += (double)g[i] * g[i];
#pragma omp ordered
        total += s;
    }
    return total;
}

void fli_scale_inplace(float *g, size_t n, float s) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) g[i] *= s;
}
