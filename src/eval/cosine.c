/* Smoothness statistics (DESIGN.md 4.2): cosines of adjacent vectors within
 * windows, summarised by mean, standard deviation and a fixed-bin histogram so
 * two models' distributions can be drawn on the same axis. */
#include <math.h>
#include <string.h>

#include "eval/eval.h"
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

void fl_cos_adjacent(fl_cos_stats *s, const float *x, int W, int T, int C, int ld, float *trace) {
    for (int w = 0; w < W; w++)
        for (int t = 0; t + 1 < T; t++) {
            const float *a = x + ((size_t)w * T + t) * ld;
            double c = fl_cosine(a, a + ld, C);
            fl_cos_stats_add(s, c);
            if (trace) trace[(size_t)w * (T - 1) + t] = (float)c;
        }
}

double fl_cos_stats_mean(const fl_cos_stats *s) { return s->n ? s->sum / s->n : NAN; }

double fl_cos_stats_std(const fl_cos_stats *s) {
    if (!s->n) return NAN;
    double m = s->sum / s->n, v = s->sum_sq / s->n - m * m;
    return v > 0 ? sqrt(v) : 0;
}

double fl_cos_bin_lo(const fl_cos_stats *s, int i) { return -1 + 2.0 * i / s->n_bins; }
