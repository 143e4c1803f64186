/* Cosine statistics on vectors whose cosines are known. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "eval/metrics/cosine.h"
#include "util/rng.h"

/* A large shared direction (10, 0) plus small offsets that sum to zero, so the
 * mean vector is exactly (10, 0). Two windows of T = 3, C = 2, row stride 3:
 *   window 0: (11, 0) (10, 1) (9, 0)     offsets (1, 0) (0, 1) (-1, 0)
 *   window 1: (10, -1) (11, 1) (9, -1)   offsets (0, -1) (1, 1) (-1, -1)
 * Raw cosines are all between 0.97 and 1; centred ones are those of the offsets:
 * 0, 0 | cos((0,-1), (1,1)) = -1/sqrt2, cos((1,1), (-1,-1)) = -1.
 * Mean-vector share: |mu|^2 = 100, mean |x|^2 = (121+101+81+101+122+82)/6 = 608/6. */
static void test_centred_by_hand(void) {
    const float rows[6][2] = {{11, 0}, {10, 1}, {9, 0}, {10, -1}, {11, 1}, {9, -1}};
    float x[6 * 3];
    for (int i = 0; i < 6; i++) x[i * 3] = rows[i][0], x[i * 3 + 1] = rows[i][1], x[i * 3 + 2] = 99;
    double sum[2], mu[2];
    fl_vec_mean vm;
    fl_vec_mean_init(&vm, sum, 2);
    fl_vec_mean_add(&vm, x, 2, 3); /* the windows in two calls, as batches arrive */
    fl_vec_mean_add(&vm, x + 2 * 3, 4, 3);
    fl_vec_mean_get(&vm, mu);
    check(vm.n == 6 && mu[0] == 10 && mu[1] == 0, "mean vector over every row of every window: (10, 0)",
          "n %llu mu %g %g", (unsigned long long)vm.n, mu[0], mu[1]);
    check(fabs(fl_vec_mean_share(&vm) - 600.0 / 608) < 1e-12, "mean-vector share |mu|^2 / mean |x|^2 = 600/608",
          "%.17g", fl_vec_mean_share(&vm));

    fl_cos_stats raw, cen;
    fl_error err;
    fl_cos_stats_init(&raw, 4, &err);
    fl_cos_stats_init(&cen, 4, &err);
    float trace[4];
    fl_cos_adjacent(&raw, x, 2, 3, 2, 3, NULL);
    fl_cos_adjacent_centred(&cen, x, 2, 3, 2, 3, mu, trace);
    double r = sqrt(0.5);
    double want_raw = (10 / sqrt(101) + 10 / sqrt(101) + 109 / sqrt(101.0 * 122) + 98 / sqrt(122.0 * 82)) / 4;
    double want_mean = (0 + 0 - r - 1) / 4, want_var = (2 * want_mean * want_mean + (r + want_mean) * (r + want_mean) +
                                                        (1 + want_mean) * (1 + want_mean)) / 4;
    /* inputs are small integers (exact in float) and the sums run in double: 1e-12 is rounding room */
    check(fabs(fl_cos_stats_mean(&raw) - want_raw) < 1e-12 && want_raw > 0.98,
          "by hand: raw adjacent cosine near 1 (the shared direction)", "%.17g vs %.17g", fl_cos_stats_mean(&raw),
          want_raw);
    check(cen.n == 4 && fabs(fl_cos_stats_mean(&cen) - want_mean) < 1e-6 &&
              fabs(fl_cos_stats_std(&cen) - sqrt(want_var)) < 1e-6,
          "by hand: centred mean (0 + 0 - 1/sqrt2 - 1)/4 and its std, within 1e-6", "n %llu mean %.17g std %.17g",
          (unsigned long long)cen.n, fl_cos_stats_mean(&cen), fl_cos_stats_std(&cen));
    float want_trace[4] = {0, 0, (float)-r, -1};
    int same = 1;
    for (int i = 0; i < 4; i++) same &= fabsf(trace[i] - want_trace[i]) < 1e-6f;
    check(same && cen.counts[0] == 2 && cen.counts[1] == 0 && cen.counts[2] == 2 && cen.counts[3] == 0,
          "by hand: centred trace 0, 0 | -0.707, -1 (no pair across the windows), histogram 2 | 0 | 2 | 0",
          "trace %g %g %g %g", trace[0], trace[1], trace[2], trace[3]);
}

/* Raw and centred adjacent cosines (40 bins) of W windows of T rows of C <= 64
 * floats, centred on the rows' own mean vector; its mean-vector share too. */
static void raw_and_centred(const float *x, int W, int T, int C, fl_cos_stats *raw, fl_cos_stats *cen,
                            double *share) {
    double sum[64], mu[64];
    fl_vec_mean vm;
    fl_vec_mean_init(&vm, sum, C);
    fl_vec_mean_add(&vm, x, (long)W * T, C);
    fl_vec_mean_get(&vm, mu);
    *share = fl_vec_mean_share(&vm);
    fl_error err;
    fl_cos_stats_init(raw, 40, &err);
    fl_cos_stats_init(cen, 40, &err);
    fl_cos_adjacent(raw, x, W, T, C, C, NULL);
    fl_cos_adjacent_centred(cen, x, W, T, C, C, mu, NULL);
}

/* x[w,t] = 100 u + (-1)^t e_w, T even: the alternation cancels in the mean, so
 * mu = 100 u exactly and the centred vectors are +-e_w: every centred adjacent
 * cosine is -1, while the raw one is (100^2 - |e|^2) / (100^2 + |e|^2) (e_w is
 * orthogonal to u), just below 1. Small integers: exact in float. */
static void test_centred_alternating(void) {
    enum { W = 3, T = 6, C = 8 };
    float x[W * T * C];
    double want_raw = 0, mean_ee = 0;
    for (int w = 0; w < W; w++) {
        float e[C] = {0, (float)(w + 1), -1, 2, 0, 3, 0, (float)-w};
        double ee = 0;
        for (int c = 0; c < C; c++) ee += (double)e[c] * e[c];
        want_raw += (1e4 - ee) / (1e4 + ee) / W;
        mean_ee += ee / W;
        for (int t = 0; t < T; t++)
            for (int c = 0; c < C; c++) x[(w * T + t) * C + c] = (c == 0 ? 100.0f : 0.0f) + (t % 2 ? -e[c] : e[c]);
    }
    fl_cos_stats raw, cen;
    double share;
    raw_and_centred(x, W, T, C, &raw, &cen, &share);
    check(fabs(fl_cos_stats_mean(&raw) - want_raw) < 1e-12 && want_raw > 0.99,
          "alternating +-e on a large constant: raw cosine near 1, as computed", "%.17g vs %.17g",
          fl_cos_stats_mean(&raw), want_raw);
    check(fabs(fl_cos_stats_mean(&cen) + 1) < 1e-12 && cen.counts[0] == (uint64_t)W * (T - 1),
          "alternating +-e on a large constant: every centred cosine is -1", "mean %.17g, %llu in the lowest bin",
          fl_cos_stats_mean(&cen), (unsigned long long)cen.counts[0]);
    check(fabs(share - 1e4 / (1e4 + mean_ee)) < 1e-12, "alternating: mean-vector share 100^2 / (100^2 + mean |e|^2)",
          "%.17g", share);
}

/* x = 20 u + n, n ~ N(0, I) in C = 64 dimensions, 40 windows of 25: the raw
 * cosine is about 400 / (400 + 64) = 0.862, the centred one about 0 (minus
 * 1/999 for the sample mean). Each centred pair has standard deviation about
 * 1/sqrt(C) = 0.125, so the mean of 960 pairs about 0.004 (the pairs sharing a
 * vector are uncorrelated: flipping one outer vector's sign flips one cosine
 * only); the raw mean's spread is smaller still, and so is the share's (about
 * 0.004: mean |x|^2 and |mu|^2 each vary by about 1.3 on 464 and 400).
 * Tolerance 0.02, five of those standard deviations. */
static void test_centred_independent(void) {
    enum { W = 40, T = 25, C = 64 };
    static float x[W * T * C];
    fl_rng rng;
    fl_rng_seed(&rng, 42);
    for (int r = 0; r < W * T; r++)
        for (int c = 0; c < C; c++) x[r * C + c] = (float)((c == 0 ? 20 : 0) + fl_rng_normal(&rng));
    fl_cos_stats raw, cen;
    double share;
    raw_and_centred(x, W, T, C, &raw, &cen, &share);
    check(fabs(fl_cos_stats_mean(&raw) - 400.0 / 464) < 0.02 && fabs(fl_cos_stats_mean(&cen)) < 0.02 &&
              fabs(share - 400.0 / 464) < 0.02,
          "independent noise on a large constant: raw ~0.862, centred ~0, share ~0.862 (5 sd)",
          "raw %.4f centred %.4f share %.4f", fl_cos_stats_mean(&raw), fl_cos_stats_mean(&cen), share);
}

/* Every vector equal: centred, each is the zero vector, whose cosine is 0 by
 * convention (as fl_cosine); the mean accounts for all of the vectors. An
 * empty set has no mean. */
static void test_centred_degenerate(void) {
    float x[3 * 2] = {1, 2, 1, 2, 1, 2};
    double sum[2], mu[2];
    fl_vec_mean vm;
    fl_vec_mean_init(&vm, sum, 2);
    check(isnan(fl_vec_mean_share(&vm)), "an empty set has no mean-vector share (NaN)", "%g", fl_vec_mean_share(&vm));
    fl_vec_mean_add(&vm, x, 3, 2);
    fl_vec_mean_get(&vm, mu);
    fl_cos_stats cen;
    fl_error err;
    fl_cos_stats_init(&cen, 4, &err);
    fl_cos_adjacent_centred(&cen, x, 1, 3, 2, 2, mu, NULL);
    check(cen.n == 2 && fl_cos_stats_mean(&cen) == 0 && fabs(fl_vec_mean_share(&vm) - 1) < 1e-15,
          "identical vectors: centred cosines 0 (zero vectors), mean-vector share 1", "n %llu mean %g share %.17g",
          (unsigned long long)cen.n, fl_cos_stats_mean(&cen), fl_vec_mean_share(&vm));
}

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

    test_centred_by_hand();
    test_centred_alternating();
    test_centred_independent();
    test_centred_degenerate();
    return check_exit();
}
