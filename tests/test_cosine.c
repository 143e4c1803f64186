/* Cosine statistics on vectors whose cosines are known. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "eval/eval.h"

int main(void) {
    float a[4] = {1, 2, 3, 4}, b[4] = {-1, -2, -3, -4}, c[4] = {2, -1, 0, 0}, z[4] = {0}, s[4] = {2, 4, 6, 8};
    float e1[2] = {1, 0}, d45[2] = {1, 1};
    check(fabs(fl_cosine(a, a, 4) - 1) < 1e-12, "identical vectors give cosine 1", "%.17g", fl_cosine(a, a, 4));
    check(fabs(fl_cosine(a, s, 4) - 1) < 1e-12, "a vector and its multiple give cosine 1", "%.17g", fl_cosine(a, s, 4));
    check(fabs(fl_cosine(a, b, 4) + 1) < 1e-12, "opposite vectors give cosine -1", "%.17g", fl_cosine(a, b, 4));
    check(fabs(fl_cosine(a, c, 4)) < 1e-12, "orthogonal vectors give cosine 0", "%.17g", fl_cosine(a, c, 4));
    check(fabs(fl_cosine(e1, d45, 2) - sqrt(0.5)) < 1e-12, "45 degrees gives 1/sqrt(2)", "%.17g",
          fl_cosine(e1, d45, 2));
    check(fl_cosine(a, z, 4) == 0, "a zero vector gives 0, not NaN", "%g", fl_cosine(a, z, 4));

    /* Two windows of T = 4 rows, C = 2, row stride 3 (a padded layout):
     * window 0: e1, e1, -e1, e2  -> cosines 1, -1, 0
     * window 1: e2, d45, d45, e1 -> cosines 1/sqrt2, 1, 1/sqrt2
     * The pair (window 0 last row, window 1 first row) is not counted. */
    float x[8 * 3];
    const float rows[8][2] = {{1, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, 1}, {1, 1}, {1, 1}, {1, 0}};
    for (int i = 0; i < 8; i++) x[i * 3] = rows[i][0], x[i * 3 + 1] = rows[i][1], x[i * 3 + 2] = 99;
    fl_cos_stats st;
    fl_error err;
    fl_cos_stats_init(&st, 4, &err); /* bins [-1,-.5) [-.5,0) [0,.5) [.5,1] */
    float trace[6];
    fl_cos_adjacent(&st, x, 2, 4, 2, 3, trace);
    double r = sqrt(0.5);
    double want_mean = (1 - 1 + 0 + r + 1 + r) / 6;
    check(st.n == 6, "pairs within windows only: 2 windows x 3 pairs", "%llu", (unsigned long long)st.n);
    check(fabs(fl_cos_stats_mean(&st) - want_mean) < 1e-9, "mean of the known cosines", "%.17g vs %.17g",
          fl_cos_stats_mean(&st), want_mean);
    check(st.counts[0] == 1 && st.counts[1] == 0 && st.counts[2] == 1 && st.counts[3] == 4,
          "known histogram: -1 | - | 0 | 1, .71, 1, .71", "%llu %llu %llu %llu", (unsigned long long)st.counts[0],
          (unsigned long long)st.counts[1], (unsigned long long)st.counts[2], (unsigned long long)st.counts[3]);
    float want_trace[6] = {1, -1, 0, (float)r, 1, (float)r};
    int same = 1;
    for (int i = 0; i < 6; i++) same &= fabsf(trace[i] - want_trace[i]) < 1e-6f;
    check(same, "the trace lists each window's cosines in order", "%g %g %g %g %g %g", trace[0], trace[1], trace[2],
          trace[3], trace[4], trace[5]);
    double var = 0;
    for (int i = 0; i < 6; i++) var += (want_trace[i] - want_mean) * (want_trace[i] - want_mean);
    check(fabs(fl_cos_stats_std(&st) - sqrt(var / 6)) < 1e-6, "standard deviation of the known cosines", "%g",
          fl_cos_stats_std(&st));
    check(fl_cos_bin_lo(&st, 0) == -1 && fl_cos_bin_lo(&st, 2) == 0, "bin edges start at -1, width 2/n_bins", "%g",
          fl_cos_bin_lo(&st, 2));
    fl_cos_stats_add(&st, 1.0000001); /* rounding above 1 lands in the last bin */
    check(st.counts[3] == 5, "a value rounded above 1 is clamped into the last bin", "%llu",
          (unsigned long long)st.counts[3]);
    check(fl_cos_stats_init(&st, 0, &err) == FL_ERR_ARG, "0 bins is refused", "accepted");
    return check_exit();
}
