/* Neural-collapse statistics (collapse.h).
 *
 * NC1 = Tr(Sw Sb^+)/K needs the pseudo-inverse of the d x d between-class
 * scatter Sb = (1/K) M^T M (M [K, d], rows the centred class means), which has
 * rank at most K - 1 < d for the vocabulary-sized d of a language model. It is
 * never formed: with the K x K Gram matrix G = M M^T,
 *   (M^T M)^+ = M^T (G^+)^2 M     (both sides are U S^-2 U^T for M^T = U S V^T),
 * so Tr(Sw Sb^+) = K Tr((G^+)^2 A) with A = M Sw M^T = (1/n) sum_i p_i p_i^T,
 * p_i = M (x_i - mu_{y_i}). That costs n K d for the p_i and K^3 for G's
 * eigenvectors, instead of n d^2 and d^3. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics/collapse.h"
#include "eval/metrics/directions.h"
#include "util/error.h"

static double dot(const double *a, const double *b, int d) {
    double s = 0;
    for (int j = 0; j < d; j++) s += a[j] * b[j];
    return s;
}

/* NC1 from the centred means M [K, d] and class means mu [K, d]. */
static fl_status nc1(const float *X, const int32_t *y, long n, int d, int K, const double *M, const double *mu,
                     fl_nc_stats *s, fl_error *err) {
    double *G = malloc((size_t)K * K * sizeof *G), *A = calloc((size_t)K * K, sizeof *A);
    double *val = malloc((size_t)K * sizeof *val), *vec = malloc((size_t)K * K * sizeof *vec);
    double *diff = malloc((size_t)d * sizeof *diff), *p = malloc((size_t)K * sizeof *p);
    fl_status st = FL_OK;
    if (!G || !A || !val || !vec || !diff || !p) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (long i = 0; i < n && !st; i++) {
        for (int j = 0; j < d; j++) diff[j] = X[(size_t)i * d + j] - mu[(size_t)y[i] * d + j];
        for (int k = 0; k < K; k++) p[k] = dot(M + (size_t)k * d, diff, d);
        for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++) A[(size_t)a * K + b] += p[a] * p[b] / (double)n;
    }
    for (int a = 0; a < K && !st; a++)
        for (int b = 0; b < K; b++) G[(size_t)a * K + b] = dot(M + (size_t)a * d, M + (size_t)b * d, d);
    if (!st) st = fl_sym_eigen(G, K, val, vec, err);
    if (!st) {
        /* G^+ keeps the eigenvalues above K * 1e-12 of the largest: the
         * centring leaves one exact zero, which rounding makes ~1e-16 of it */
        double tr = 0;
        s->sb_rank = 0;
        for (int r = 0; r < K; r++) {
            if (!(val[r] > 1e-12 * K * val[0])) continue;
            s->sb_rank++;
            /* Tr((G^+)^2 A) = sum_r v_r^T A v_r / lambda_r^2 */
            const double *v = vec + (size_t)r * K;
            double q = 0;
            for (int a = 0; a < K; a++) q += v[a] * dot(A + (size_t)a * K, v, K);
            tr += q / (val[r] * val[r]);
        }
        s->nc1 = tr; /* Sb^+ = K (M^T M)^+, so Tr(Sw Sb^+) = K tr, and NC1 divides by K */
        /* class means that all coincide leave Sb = 0, whose pseudo-inverse is 0: NC1
         * would read 0, "perfect collapse", for vectors with no class structure at all */
        if (!s->sb_rank) s->nc1 = NAN;
    }
    free(G), free(A), free(val), free(vec), free(diff), free(p);
    return st;
}

/* NC2: norms and pairwise cosines of the centred means. */
static void nc2(const double *M, int d, int K, fl_nc_stats *s) {
    double sum = 0, sum2 = 0, cs = 0, cs2 = 0;
    for (int k = 0; k < K; k++) {
        double r = sqrt(dot(M + (size_t)k * d, M + (size_t)k * d, d));
        sum += r, sum2 += r * r;
    }
    const double mean = sum / K;
    s->norm_cv = mean > 0 ? sqrt(fmax(0, sum2 / K - mean * mean)) / mean : 0;
    long pairs = 0;
    for (int k = 0; k < K; k++)
        for (int l = k + 1; l < K; l++) {
            const double *a = M + (size_t)k * d, *b = M + (size_t)l * d;
            double den = sqrt(dot(a, a, d) * dot(b, b, d));
            double c = den > 0 ? dot(a, b, d) / den : 0;
            cs += c, cs2 += c * c, pairs++;
        }
    s->cos_mean = cs / pairs;
    s->cos_std = sqrt(fmax(0, cs2 / pairs - s->cos_mean * s->cos_mean));
    s->cos_simplex = -1.0 / (K - 1);
}

/* NC3 and NC4 against the classifier rows W. */
static void nc34(const float *X, const int32_t *y, long n, int d, int K, const float *W, const double *M,
                 const double *mu, fl_nc_stats *s) {
    (void)y;
    double wn = 0, mn = 0, dist = 0;
    for (size_t i = 0; i < (size_t)K * d; i++) wn += (double)W[i] * W[i], mn += M[i] * M[i];
    wn = sqrt(wn), mn = sqrt(mn);
    for (size_t i = 0; i < (size_t)K * d; i++) {
        double e = (wn > 0 ? W[i] / wn : 0) - (mn > 0 ? M[i] / mn : 0);
        dist += e * e;
    }
    s->nc3 = sqrt(dist);
    long agree = 0;
    for (long i = 0; i < n; i++) {
        const float *x = X + (size_t)i * d;
        int near = 0, arg = 0;
        double best_d = INFINITY, best_z = -INFINITY;
        for (int k = 0; k < K; k++) {
            double dd = 0, z = 0;
            for (int j = 0; j < d; j++) {
                double e = x[j] - mu[(size_t)k * d + j];
                dd += e * e, z += (double)W[(size_t)k * d + j] * x[j];
            }
            if (dd < best_d) best_d = dd, near = k;
            if (z > best_z) best_z = z, arg = k;
        }
        agree += near == arg;
    }
    s->nc4 = (double)agree / (double)n;
}

fl_status fl_nc_compute(const float *X, const int32_t *y, long n, int d, int K, const float *W, fl_nc_stats *s,
                        fl_error *err) {
    memset(s, 0, sizeof *s);
    s->K = K, s->d = d, s->n = n;
    if (K < 2 || d < 1 || n < K) return fl_fail(err, FL_ERR_ARG, "neural collapse: need K >= 2 classes and n >= K vectors");
    double *mu = calloc((size_t)K * d, sizeof *mu), *M = malloc((size_t)K * d * sizeof *M);
    long *count = calloc((size_t)K, sizeof *count);
    fl_status st = FL_OK;
    if (!mu || !M || !count) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (long i = 0; i < n && !st; i++) {
        if (y[i] < 0 || y[i] >= K) {
            st = fl_fail(err, FL_ERR_ARG, "neural collapse: label %d of vector %ld is outside 0..%d", (int)y[i], i, K - 1);
            break;
        }
        count[y[i]]++;
        for (int j = 0; j < d; j++) mu[(size_t)y[i] * d + j] += X[(size_t)i * d + j];
    }
    for (int k = 0; k < K && !st; k++)
        if (!count[k]) st = fl_fail(err, FL_ERR_ARG, "neural collapse: class %d has no vectors", k);
    if (!st) {
        for (int k = 0; k < K; k++)
            for (int j = 0; j < d; j++) mu[(size_t)k * d + j] /= (double)count[k];
        for (int j = 0; j < d; j++) {
            double g = 0;
            for (int k = 0; k < K; k++) g += mu[(size_t)k * d + j];
            g /= K;
            for (int k = 0; k < K; k++) M[(size_t)k * d + j] = mu[(size_t)k * d + j] - g;
        }
        st = nc1(X, y, n, d, K, M, mu, s, err);
    }
    if (!st) {
        nc2(M, d, K, s);
        nc34(X, y, n, d, K, W, M, mu, s);
    }
    free(mu), free(M), free(count);
    return st;
}
