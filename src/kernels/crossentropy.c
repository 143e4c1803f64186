/* Softmax cross-entropy over the real vocabulary. Logit rows are Vp wide (the
 * vocabulary padded to a multiple of 64 for aligned matrix products); columns
 * V..Vp-1 belong to no token and take no part in the softmax. */
#include <math.h>

#include "kernels/kernels.h"

/* max and log-sum-exp of one row's first V logits, sums in double so the loss
 * is accurate to float precision even over 50k columns. */
static void row_stats(const float *x, int V, float *max_out, double *sum_out) {
    float mx = -INFINITY;
    for (int i = 0; i < V; i++) mx = x[i] > mx ? x[i] : mx;
    double sum = 0.0;
    for (int i = 0; i < V; i++) sum += expf(x[i] - mx);
    *max_out = mx;
    *sum_out = sum;
}

void crossentropy_forward(float *losses, const float *logits, const int32_t *targets, int N, int V, int Vp) {
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        const float *x = logits + (size_t)n * Vp;
        float mx;
        double sum;
        row_stats(x, V, &mx, &sum);
        losses[n] = (float)((double)mx + log(sum) - (double)x[targets[n]]);
    }
}

void crossentropy_backward(float *dlogits, const float *logits, const int32_t *targets, const float *weight, int N,
                           int V, int Vp) {
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        const float *x = logits + (size_t)n * Vp;
        float *g = dlogits + (size_t)n * Vp;
        float mx;
        double sum;
        row_stats(x, V, &mx, &sum);
        float inv = (float)(1.0 / sum), w = weight[n];
        for (int i = 0; i < V; i++) g[i] = w * expf(x[i] - mx) * inv; /* safe in place: x[i] read first */
        g[targets[n]] -= w;
        for (int i = V; i < Vp; i++) g[i] = 0.0f;
    }
}
