/* Statistics over seeds (docs/evaluation.md, compare): a claim measured on n
 * independently trained runs per model is summarised by the mean with a 95%
 * Student t-interval over the seeds, and the paired difference FTP - GPT (seed i
 * of one model against seed i of the other) by the same interval and a sign
 * count. Plain arrays in, no model. */
#ifndef FL_EVAL_METRICS_SEEDSTATS_H
#define FL_EVAL_METRICS_SEEDSTATS_H

/* The p-quantile of Student's t distribution with df > 0 degrees of freedom
 * (0 < p < 1), computed from the distribution function (regularised incomplete
 * beta), not read from a table, so every df is exact to ~1e-10. NAN when the
 * arguments are out of range. */
double fl_t_quantile(double p, double df);
/* Student's t distribution function P(T <= t) for df > 0. */
double fl_t_cdf(double t, double df);

/* Mean of n values with its 95% t-interval: mean +- t_{0.975, n-1} s / sqrt(n),
 * s the sample standard deviation (n - 1 in the denominator). Non-finite values
 * (a measure a run could not compute) are left out and n counts the rest. With
 * n < 2 there is no interval: has_ci is 0 and lo = hi = mean (NAN when n = 0). */
typedef struct {
    int n, has_ci;
    double mean, sd, half, lo, hi;
} fl_seed_stats;
void fl_seed_stats_compute(const double *x, int n, fl_seed_stats *out);

/* The paired difference b[i] - a[i] over the pairs where both are finite: the
 * differences' mean and t-interval (diff), and how many are above, below and
 * equal to zero. Equal means within 1e-9 of the larger magnitude: the reports
 * print 9 significant digits, and two numbers they print alike (a recall of
 * 73/768 reached by two summation orders, 1e-17 apart) are not a sign. */
typedef struct {
    fl_seed_stats diff;
    int higher, lower, ties; /* b above a, below, equal */
} fl_paired_stats;
void fl_paired_stats_compute(const double *a, const double *b, int n, fl_paired_stats *out);

#endif
