/* Cosines of vectors (docs/design.md 4.2): plain and centred, running statistics
 * with a histogram, and a set's mean vector. Inputs are plain arrays; no model. */
#ifndef FL_EVAL_METRICS_COSINE_H
#define FL_EVAL_METRICS_COSINE_H
#include <stdint.h>

#include "futurelm.h"

/* cos(a, b) = a·b / (|a| |b|), accumulated in double; 0 when either vector is zero. */
double fl_cosine(const float *a, const float *b, int n);

#define FL_COS_MAX_BINS 200
/* Running mean, standard deviation and fixed-bin histogram of cosines.
 * Bin i of n_bins covers [-1 + 2i/n_bins, -1 + 2(i+1)/n_bins); the last bin also
 * holds exactly 1 (values are clamped to [-1, 1] first, rounding can exceed it). */
typedef struct {
    int n_bins;
    uint64_t counts[FL_COS_MAX_BINS];
    uint64_t n;
    double sum, sum_sq;
} fl_cos_stats;

fl_status fl_cos_stats_init(fl_cos_stats *s, int n_bins, fl_error *err);
void fl_cos_stats_add(fl_cos_stats *s, double c);
/* Adjacent-position cosines cos(x[w,t], x[w,t+1]) for t = 0..T-2 in each of W
 * windows of T rows (row r of window w at x + (w*T + r)*ld, C floats, ld >= C):
 * pairs never cross a window boundary. When trace is non-NULL it receives every
 * cosine, window by window ([W*(T-1)]), for plotting one document's trace. */
void fl_cos_adjacent(fl_cos_stats *s, const float *x, int W, int T, int C, int ld, float *trace);
double fl_cos_stats_mean(const fl_cos_stats *s);
double fl_cos_stats_std(const fl_cos_stats *s); /* population standard deviation */
double fl_cos_bin_lo(const fl_cos_stats *s, int i);

/* Centred cosines. When every vector carries one large shared component, the
 * raw cosine of any two is near 1 whatever else differs, so it measures that
 * component rather than how the vectors move. Measured from the set's mean
 * vector mu instead of the origin, the shared component cancels. */

/* cos(a - mu, b - mu), accumulated in double (mu has n values); 0 when either
 * difference is zero, as fl_cosine. */
double fl_cosine_centred(const float *a, const float *b, const double *mu, int n);
/* fl_cos_adjacent of the vectors x[w,t] - mu: the same pairs, the same trace layout. */
void fl_cos_adjacent_centred(fl_cos_stats *s, const float *x, int W, int T, int C, int ld, const double *mu,
                             float *trace);

/* The mean vector of a set of rows, summed in double, and their summed squared
 * norms: the centre mu of the centred cosines, and the share of the rows' mean
 * square that mu accounts for, |mu|^2 / mean |x|^2 (= 1 - mean |x - mu|^2 / mean
 * |x|^2, in [0, 1]: 1 when every row is mu, 0 when mu is zero). */
typedef struct {
    double *sum; /* [C], the caller's storage */
    int C;
    uint64_t n;    /* rows added */
    double sum_sq; /* sum of |x|^2 over the rows */
} fl_vec_mean;
/* Zeroes sum[C] and starts an empty set. */
void fl_vec_mean_init(fl_vec_mean *m, double *sum, int C);
/* Adds rows 0..rows-1 of x (row r at x + r*ld, C floats each). */
void fl_vec_mean_add(fl_vec_mean *m, const float *x, long rows, int ld);
/* mu[C] = the mean row (zeros when no row was added). */
void fl_vec_mean_get(const fl_vec_mean *m, double *mu);
/* |mu|^2 / mean |x|^2; NAN when no row was added, 0 when every row is zero. */
double fl_vec_mean_share(const fl_vec_mean *m);

#endif
