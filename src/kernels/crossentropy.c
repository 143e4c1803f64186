/* Softmax cross-entropy over the real vocabulary. Logit rows are Vp wide (the
 * vocabulary padded to a multiple of 64 for aligned matrix products); columns
 * V..Vp-1 belong to no token and take no part in the softmax. */
#include <math.h>

#include "kernels/kernels.h"
#include "kernels/vexp.h"

/* max of one row's first V logits. */
static float row_max(const float *x, int V) {
    float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
    for (int i = 0; i < V; i++) mx = x[i] > mx ? x[i] : mx;
    return mx;
}

/* sum of exp(x - mx) over the first V logits, in double so the loss is
 * accurate to float precision even over 50k columns. The exp is vexp.h's
 * vectorisable fl_expf (libm's expf, one call per logit, cost more than the
 * LM head's matrix products); the vector lanes' partial sums are combined in
 * an order fixed by the build, never by the thread count. With e != NULL the
 * exponentials are also stored there (e may alias x). */
static double row_sumexp(const float *x, float mx, int V, float *e) {
    double sum = 0.0;
    if (e) {
#pragma omp simd reduction(+ : sum)
        for (int i = 0; i < V; i++) {
            float ei = fl_expf(x[i] - mx);
            e[i] = ei;
            sum += ei;
        }
    } else {
#pragma omp simd reduction(+ : sum)
        for (int i = 0; i < V; i++) sum += fl_expf(x[i] - mx);
    }
    return sum;
}

void fli_crossentropy_forward(float *losses, const float *logits, const int32_t *targets, int N, int V, int Vp) {
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        const float *x = logits + (size_t)n * Vp;
        float mx = row_max(x, V);
        double sum = row_sumexp(x, mx, V, NULL);
        losses[n] = (float)((double)mx + log(sum) - (double)x[targets[n]]);
    }
}

/* One row's loss and, in place, its gradient: the forward's max and sum of
 * exponentials (the same calls, so the same bits), the exponentials stored on
 * the way and then scaled, three sweeps over a row that stays in L1 instead
 * of the five of the two separate passes, with one exp per logit, not two. */
static float row_fused(float *x, int32_t y, float w, int V, int Vp) {
    float mx = row_max(x, V), xy = x[y];
    double sum = row_sumexp(x, mx, V, x);
    float loss = (float)((double)mx + log(sum) - (double)xy);
    float inv = (float)(1.0 / sum);
#pragma omp simd
    for (int i = 0; i < V; i++) x[i] = w * x[i] * inv;
    x[y] -= w;
    for (int i = V; i < Vp; i++) x[i] = 0.0f;
    return loss;
}

void fli_crossentropy_fused(float *losses, float *logits, const int32_t *targets, const float *weight, int N, int V,
                            int Vp) {
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) losses[n] = row_fused(logits + (size_t)n * Vp, targets[n], weight[n], V, Vp);
}

void fli_crossentropy_backward(float *dlogits, const float *logits, const int32_t *targets, const float *weight, int N,
                           int V, int Vp) {
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        const float *x = logits + (size_t)n * Vp;
        float *g = dlogits + (size_t)n * Vp;
        float mx = row_max(x, V);
        double sum = row_sumexp(x, mx, V, g); /* g = exp(x - mx); safe in place: x[i] read first */
        float inv = (float)(1.0 / sum), w = weight[n];
#pragma omp simd
        for (int i = 0; i < V; i++) g[i] = w * g[i] * inv;
        g[targets[n]] -= w;
        for (int i = V; i < Vp; i++) g[i] = 0.0f;
    }
}
