/* Smoothness statistics (docs/design.md 4.2): cosines of adjacent vectors within
 * windows, summarised by mean, standard deviation and a fixed-bin histogram so
 * two models' distributions can be drawn on the same axis; raw (from the
 * origin) and centred (from the set's mean vector, which cancels a component
 * every vector shares). */
#include <math.h>
#include <string.h>

#include "eval/metrics/cosine.h"
#include "util/error.h"

double fl_cosine(const float *a, const float *b, int n) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    if (aa == 0 || bb == 0) return 0; /* a zero vector has no direction; 0 keeps means finite */
    return ab / (sqrt(aa) * sqrt(bb));
}

fl_status fl_cos_stats_init(fl_cos_stats *s, int n_bins, fl_error *err) {
    memset(s, 0, sizeof *s);
    if (n_bins < 1 || n_bins > FL_COS_MAX_BINS)
        return fl_fail(err, FL_ERR_ARG, "cosine histogram: %d bins (1..%d)", n_bins, FL_COS_MAX_BINS);
    s->n_bins = n_bins;
    return FL_OK;
}

void fl_cos_stats_add(fl_cos_stats *s, double c) {
    if (c != c) return; /* NaN: nothing to count */
    if (c > 1) c = 1;
    if (c < -1) c = -1;
    int bin = (int)floor((c + 1) / 2 * s->n_bins);
    if (bin >= s->n_bins) bin = s->n_bins - 1; /* exactly 1 goes to the last bin */
    if (bin < 0) bin = 0;
    s->counts[bin]++;
    s->n++;
    s->sum += c;
    s->sum_sq += c * c;
}

double fl_cosine_centred(const float *a, const float *b, const double *mu, int n) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) {
        /* subtract in double: when mu dominates, a[i] - mu[i] is a small
         * difference of large numbers, and float would lose its low bits */
        double da = a[i] - mu[i], db = b[i] - mu[i];
        ab += da * db;
        aa += da * da;
        bb += db * db;
    }
    if (aa == 0 || bb == 0) return 0; /* a vector equal to mu has no direction from it */
    return ab / (sqrt(aa) * sqrt(bb));
}

/* Adjacent pairs of every window, measured from mu (NULL: from the origin). */
static void adjacent_pairs(fl_cos_stats *s, const float *x, int W, int T, int C, int ld, const double *mu,
                           float *trace) {
    for (int w = 0; w < W; w++)
        for (int t = 0; t + 1 < T; t++) {
            const float *a = x + ((size_t)w * T + t) * ld;
            double c = mu ? fl_cosine_centred(a, a + ld, mu, C) : fl_cosine(a, a + ld, C);
            fl_cos_stats_add(s, c);
            if (trace) trace[(size_t)w * (T - 1) + t] = (float)c;
        }
}

void fl_cos_adjacent(fl_cos_stats *s, const float *x, int W, int T, int C, int ld, float *trace) {
    adjacent_pairs(s, x, W, T, C, ld, NULL, trace);
}

void fl_cos_adjacent_centred(fl_cos_stats *s, const float *x, int W, int T, int C, int ld, const double *mu,
                             float *trace) {
    adjacent_pairs(s, x, W, T, C, ld, mu, trace);
}

void fl_vec_mean_init(fl_vec_mean *m, double *sum, int C) {
    memset(sum, 0, (size_t)C * sizeof *sum);
    *m = (fl_vec_mean){.sum = sum, .C = C};
}

void fl_vec_mean_add(fl_vec_mean *m, const float *x, long rows, int ld) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + (size_t)r * ld;
        for (int i = 0; i < m->C; i++) {
            m->sum[i] += row[i];
            m->sum_sq += (double)row[i] * row[i];
        }
    }
    m->n += (uint64_t)rows;
}

void fl_vec_mean_get(const fl_vec_mean *m, double *mu) {
    for (int i = 0; i < m->C; i++) mu[i] = m->n ? m->sum[i] / (double)m->n : 0;
}

double fl_vec_mean_share(const fl_vec_mean *m) {
    if (!m->n) return NAN;
    if (m->sum_sq == 0) return 0; /* every row is zero: so is mu */
    double mu_sq = 0;
    for (int i = 0; i < m->C; i++) {
        double mu = m->sum[i] / (double)m->n;
        mu_sq += mu * mu;
    }
    return mu_sq / (m->sum_sq / (double)m->n);
}

double fl_cos_stats_mean(const fl_cos_stats *s) { return s->n ? s->sum / s->n : NAN; }

double fl_cos_stats_std(const fl_cos_stats *s) {
    if (!s->n) return NAN;
    double m = s->sum / s->n, v = s->sum_sq / s->n - m * m;
    return v > 0 ? sqrt(v) : 0;
}

double fl_cos_bin_lo(const fl_cos_stats *s, int i) { return -1 + 2.0 * i / s->n_bins; }
