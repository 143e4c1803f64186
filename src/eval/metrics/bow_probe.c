/* The future bag-of-words probe (docs/design.md 4.1(b)): how much of the next N
 * tokens a single frozen vector predicts, through a linear softmax over the
 * vocabulary. Sized for V = 8192, d = 384 and ~100k rows on two cores: the two
 * products per batch (logits and dW) go through fl_sgemm; nothing else is
 * larger than a [batch, V] buffer. Deterministic: fixed row order per seed,
 * per-row loops, and an SGEMM whose sums do not depend on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics/bow_probe.h"
#include "kernels/gemm.h"
#include "util/error.h"
#include "util/rng.h"

void fl_bow_opts_default(fl_bow_opts *o) {
    o->epochs = 4;
    o->batch = 512;
    o->lr = 2e-3f;
    o->l2 = 1e-5f;
    o->seed = 1337;
}

static fl_status check_split(const fl_bow_split *s, int N, int V, const char *name, fl_error *err) {
    if (s->n < 1) return fl_fail(err, FL_ERR_ARG, "bag-of-words probe: the %s split has no rows", name);
    for (size_t i = 0; i < (size_t)s->n * N; i++)
        if (s->future[i] < 0 || s->future[i] >= V)
            return fl_fail(err, FL_ERR_ARG, "bag-of-words probe: %s row %zu has future token %d, outside 0..%d", name,
                           i / (size_t)N, (int)s->future[i], V - 1);
    return FL_OK;
}

/* Standardised rows idx[0..m) of X into Z [m, d]. */
/* Threads only pay off on big loops: a parallel region costs microseconds, far
 * more than a small probe's whole row loop when the cores are shared. */
#define PAR_MIN_WORK (1 << 18)

static void gather(const float *X, const int *idx, int m, int d, const float *mean, const float *scale, float *Z) {
#pragma omp parallel for schedule(static) if ((size_t)m * d > PAR_MIN_WORK)
    for (int i = 0; i < m; i++) {
        const float *x = X + (size_t)idx[i] * d;
        float *z = Z + (size_t)i * d;
        for (int j = 0; j < d; j++) z[j] = (x[j] - mean[j]) * scale[j];
    }
}

/* Row-wise log-softmax of L [m, V] + b in place. */
static void log_softmax(float *L, const float *b, int m, int V) {
#pragma omp parallel for schedule(static) if ((size_t)m * V > PAR_MIN_WORK)
    for (int i = 0; i < m; i++) {
        float *row = L + (size_t)i * V;
        float mx = -INFINITY;
        for (int v = 0; v < V; v++) {
            row[v] += b[v];
            if (row[v] > mx) mx = row[v];
        }
        double s = 0;
        for (int v = 0; v < V; v++) s += exp((double)(row[v] - mx));
        float lse = mx + (float)log(s);
        for (int v = 0; v < V; v++) row[v] -= lse;
    }
}

/* Top-n ids of scores[0..V) (ties: the lower id), written to top[0..n). */
static void top_n(const float *scores, int V, int n, int *top) {
    int k = 0;
    for (int v = 0; v < V; v++) {
        if (k == n && scores[v] <= scores[top[n - 1]]) continue;
        int j = k < n ? k++ : n - 1;
        while (j > 0 && scores[top[j - 1]] < scores[v]) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = v;
    }
}

/* |top ∩ distinct(fut)| / |distinct(fut)| for one row. */
static double row_recall(const int *top, int ntop, const int32_t *fut, int N) {
    int distinct = 0, found = 0;
    for (int j = 0; j < N; j++) {
        int seen = 0;
        for (int k = 0; k < j && !seen; k++) seen = fut[k] == fut[j];
        if (seen) continue;
        distinct++;
        for (int k = 0; k < ntop; k++)
            if (top[k] == fut[j]) {
                found++;
                break;
            }
    }
    return (double)found / distinct;
}

fl_status fl_bow_probe(const fl_bow_split *tr, const fl_bow_split *te, int d, int N, int V, const fl_bow_opts *o,
                       fl_bow_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    if (d < 1 || N < 1 || V < 2 || N > V)
        return fl_fail(err, FL_ERR_ARG, "bag-of-words probe: needs d >= 1, 1 <= N <= V, V >= 2 (got %d, %d, %d)", d, N,
                       V);
    if (o->epochs < 1 || o->batch < 1 || !(o->lr > 0) || !(o->l2 >= 0))
        return fl_fail(err, FL_ERR_ARG, "bag-of-words probe: epochs, batch and lr must be positive, l2 >= 0");
    fl_status st = check_split(tr, N, V, "train", err);
    if (!st) st = check_split(te, N, V, "test", err);
    if (st) return st;
    r->n_train = tr->n, r->n_test = te->n;
    int B = o->batch < tr->n ? o->batch : tr->n;
    int Bt = B < te->n ? B : te->n;
    if (Bt < 1) Bt = 1;
    int Bmax = B > Bt ? B : Bt;
    size_t Wn = (size_t)V * d;
    float *W = calloc(Wn, sizeof(float)), *mW = calloc(Wn, sizeof(float)), *vW = calloc(Wn, sizeof(float));
    float *gW = malloc(Wn * sizeof(float));
    float *b = calloc((size_t)V, sizeof(float)), *mb = calloc((size_t)V, sizeof(float));
    float *vb = calloc((size_t)V, sizeof(float)), *gb = malloc((size_t)V * sizeof(float));
    float *mean = malloc(sizeof(float) * (size_t)d), *scale = malloc(sizeof(float) * (size_t)d);
    float *Z = malloc(sizeof(float) * (size_t)Bmax * d), *L = malloc(sizeof(float) * (size_t)Bmax * V);
    int *idx = malloc(sizeof(int) * (size_t)(tr->n > te->n ? tr->n : te->n));
    double *uni = calloc((size_t)V, sizeof(double));
    int *top = malloc(sizeof(int) * (size_t)N);
    double *rowloss = malloc(sizeof(double) * (size_t)Bmax);
    if (!rowloss || !W || !mW || !vW || !gW || !b || !mb || !vb || !gb || !mean || !scale || !Z || !L || !idx || !uni || !top) {
        st = fl_fail(err, FL_ERR_NOMEM, "bag-of-words probe: out of memory (V %d x d %d)", V, d);
        goto done;
    }
    /* train statistics: feature mean / scale, and the unigram baseline */
    for (int j = 0; j < d; j++) {
        double s = 0, ss = 0;
        for (int i = 0; i < tr->n; i++) s += tr->X[(size_t)i * d + j];
        double mu = s / tr->n;
        for (int i = 0; i < tr->n; i++) {
            double x = tr->X[(size_t)i * d + j] - mu;
            ss += x * x;
        }
        double sd = sqrt(ss / tr->n);
        mean[j] = (float)mu, scale[j] = sd > 1e-12 ? (float)(1 / sd) : 1.0f;
    }
    for (size_t i = 0; i < (size_t)tr->n * N; i++) uni[tr->future[i]] += 1;
    /* The bias starts at the log unigram distribution (add-one smoothed): the
     * probe then starts as the baseline and only has to learn what x adds. */
    double tot = (double)tr->n * N + V;
    for (int v = 0; v < V; v++) b[v] = (float)log((uni[v] + 1) / tot);

    fl_rng rng;
    fl_rng_seed(&rng, o->seed);
    const float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    long step = 0;
    for (int ep = 0; ep < o->epochs; ep++) {
        for (int i = 0; i < tr->n; i++) idx[i] = i;
        for (int i = tr->n - 1; i > 0; i--) { /* Fisher-Yates from the probe's own seed */
            int j = (int)fl_rng_below(&rng, (uint64_t)i + 1), t = idx[i];
            idx[i] = idx[j], idx[j] = t;
        }
        double ep_loss = 0;
        for (int s0 = 0; s0 < tr->n; s0 += B) {
            int m = tr->n - s0 < B ? tr->n - s0 : B;
            gather(tr->X, idx + s0, m, d, mean, scale, Z);
            fl_sgemm(0, 1, m, V, d, Z, d, W, d, 0.0f, L, V);
            log_softmax(L, b, m, V);
            /* dL = (softmax - bag) / m, in place over the log-probabilities; row
             * losses summed afterwards in row order (a reduction's order would
             * depend on the thread count) */
#pragma omp parallel for schedule(static) if ((size_t)m * V > PAR_MIN_WORK)
            for (int i = 0; i < m; i++) {
                float *row = L + (size_t)i * V;
                const int32_t *fut = tr->future + (size_t)idx[s0 + i] * N;
                double li = 0;
                for (int j = 0; j < N; j++) li -= row[fut[j]];
                rowloss[i] = li / N;
                for (int v = 0; v < V; v++) row[v] = expf(row[v]) / m;
                for (int j = 0; j < N; j++) row[fut[j]] -= 1.0f / ((float)N * m);
            }
            for (int i = 0; i < m; i++) ep_loss += rowloss[i];
            fl_sgemm(1, 0, V, d, m, L, V, Z, d, 0.0f, gW, d);
            for (int v = 0; v < V; v++) {
                double s = 0;
                for (int i = 0; i < m; i++) s += L[(size_t)i * V + v];
                gb[v] = (float)s;
            }
            step++;
            float c1 = 1 - powf(beta1, (float)step), c2 = 1 - powf(beta2, (float)step);
            float lr = o->lr, l2 = o->l2;
#pragma omp parallel for schedule(static) if (Wn > PAR_MIN_WORK)
            for (size_t k = 0; k < Wn; k++) {
                float g = gW[k] + l2 * W[k];
                mW[k] = beta1 * mW[k] + (1 - beta1) * g;
                vW[k] = beta2 * vW[k] + (1 - beta2) * g * g;
                W[k] -= lr * (mW[k] / c1) / (sqrtf(vW[k] / c2) + eps);
            }
            for (int v = 0; v < V; v++) {
                mb[v] = beta1 * mb[v] + (1 - beta1) * gb[v];
                vb[v] = beta2 * vb[v] + (1 - beta2) * gb[v] * gb[v];
                b[v] -= lr * (mb[v] / c1) / (sqrtf(vb[v] / c2) + eps);
            }
        }
        r->train_loss = ep_loss / tr->n;
        if (!isfinite(r->train_loss)) {
            st = fl_fail(err, FL_ERR_NONFINITE, "bag-of-words probe: the loss is not finite (epoch %d); lower the "
                                                "learning rate or check the vectors", ep + 1);
            goto done;
        }
    }

    /* test: the probe, then the unigram baseline */
    for (int i = 0; i < te->n; i++) idx[i] = i;
    double rec = 0, ll = 0;
    for (int s0 = 0; s0 < te->n; s0 += Bt) {
        int m = te->n - s0 < Bt ? te->n - s0 : Bt;
        gather(te->X, idx + s0, m, d, mean, scale, Z);
        fl_sgemm(0, 1, m, V, d, Z, d, W, d, 0.0f, L, V);
        log_softmax(L, b, m, V);
        for (int i = 0; i < m; i++) { /* serial: the sums' order is fixed */
            const float *row = L + (size_t)i * V;
            const int32_t *fut = te->future + (size_t)(s0 + i) * N;
            top_n(row, V, N, top);
            rec += row_recall(top, N, fut, N);
            double li = 0;
            for (int j = 0; j < N; j++) li += row[fut[j]];
            ll += li / N;
        }
    }
    r->recall = rec / te->n, r->loglik = ll / te->n;
    for (int v = 0; v < V; v++) L[v] = (float)log((uni[v] + 1) / tot);
    top_n(L, V, N, top);
    rec = 0, ll = 0;
    for (int i = 0; i < te->n; i++) {
        const int32_t *fut = te->future + (size_t)i * N;
        rec += row_recall(top, N, fut, N);
        double li = 0;
        for (int j = 0; j < N; j++) li += L[fut[j]];
        ll += li / N;
    }
    r->base_recall = rec / te->n, r->base_loglik = ll / te->n;
done:
    free(W), free(mW), free(vW), free(gW), free(b), free(mb), free(vb), free(gb);
    free(mean), free(scale), free(Z), free(L), free(idx), free(uni), free(top), free(rowloss);
    return st;
}
