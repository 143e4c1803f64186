/* Passes over a gradient buffer: pieces of global-norm clipping, and zeroing.
 * The norm is a sum over millions of values; doing it in double over fixed
 * 4096-element blocks, combined in block order, makes it accurate and identical
 * for every thread count. */
#include <string.h>

#include "kernels/kernels.h"

#define SQ_BLOCK 4096
#define SQ_LANES 32   /* independent partial sums in a block: several vectors of doubles (4 with AVX-512),
                         so the adds pipeline (8, one AVX-512 vector, waited on each add: 124M gradients
                         41-49 -> 36 ms on 2 threads) */
#define SQ_CHUNKS 64  /* the work is cut into at most this many runs of whole blocks */

/* One block: SQ_LANES running sums (element i goes to lane i % SQ_LANES), then the
 * lanes added in lane order. A fixed order, so a fixed result. */
static double block_sum(const float *g, size_t n) {
    double lane[SQ_LANES] = {0};
    size_t i = 0;
    for (; i + SQ_LANES <= n; i += SQ_LANES)
        for (int l = 0; l < SQ_LANES; l++) lane[l] += (double)g[i + l] * g[i + l];
    for (int l = 0; i < n; i++, l++) lane[l] += (double)g[i] * g[i];
    double s = 0.0;
    for (int l = 0; l < SQ_LANES; l++) s += lane[l];
    return s;
}

/* The blocks are dealt into SQ_CHUNKS runs whose bounds depend on n only; each run
 * adds its blocks in order, and the runs are added in order: the same sum for every
 * thread count, with no thread waiting on another (an `ordered` loop made the
 * threads take turns, and one serial chain of double adds ran at ~1 element a
 * cycle: 106 ms over 124M gradients on 2 threads, 38 ms now). */
double fli_sum_of_squares(const float *g, size_t n) {
    size_t nblocks = (n + SQ_BLOCK - 1) / SQ_BLOCK;
    size_t per = (nblocks + SQ_CHUNKS - 1) / SQ_CHUNKS;
    if (per == 0) per = 1;
    double part[SQ_CHUNKS] = {0};
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int c = 0; c < SQ_CHUNKS; c++) {
        size_t b0 = (size_t)c * per, b1 = b0 + per < nblocks ? b0 + per : nblocks;
        double s = 0.0;
        for (size_t blk = b0; blk < b1; blk++) {
            size_t i0 = blk * SQ_BLOCK, i1 = i0 + SQ_BLOCK < n ? i0 + SQ_BLOCK : n;
            s += block_sum(g + i0, i1 - i0);
        }
        part[c] = s;
    }
    double total = 0.0;
    for (int c = 0; c < SQ_CHUNKS; c++) total += part[c];
    return total;
}

void fli_scale_inplace(float *g, size_t n, float s) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) g[i] *= s;
}

/* One memset per thread over its share: a single-threaded memset of GPT-2 124M's
 * 0.5 GB of gradients took ~67 ms on 2 cores, the split one ~40 ms. */
void fli_zero_fill(float *g, size_t n) {
    const size_t per = 16384; /* 64 KiB pieces */
    const long pieces = (long)((n + per - 1) / per);
#pragma omp parallel for schedule(static) if (n > 65536)
    for (long c = 0; c < pieces; c++) {
        size_t i0 = (size_t)c * per, len = n - i0 < per ? n - i0 : per;
        memset(g + i0, 0, len * sizeof *g);
    }
}
