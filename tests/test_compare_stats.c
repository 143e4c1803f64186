/* Seed statistics of compare (src/eval/metrics/seedstats.c) on hand-computed
 * numbers: Student t quantiles against published values, the t-interval of
 * {1, 2, 3}, n = 1 (no interval), and a paired difference with its sign count. */
#include <math.h>

#include "check.h"
#include "eval/metrics/seedstats.h"

static void test_quantiles(void) {
    /* t_{0.975, df} from standard tables (and the closed forms for df = 1, 2:
     * tan(pi (p - 1/2)) = 12.7062 and (2p - 1) / sqrt(2 p (1 - p)) = 4.3027) */
    const double df[] = {1, 2, 4, 9, 30}, want[] = {12.7062, 4.3027, 2.7764, 2.2622, 2.0423};
    for (int i = 0; i < 5; i++) {
        double q = fl_t_quantile(0.975, df[i]);
        char name[64];
        snprintf(name, sizeof name, "t_{0.975, %g} = %.4f", df[i], want[i]);
        check(fabs(q - want[i]) < 1e-3, name, "got %.6f", q);
    }
    const double pi = 3.14159265358979323846;
    check(fabs(fl_t_quantile(0.975, 1) - tan(pi * 0.475)) < 1e-9 &&
              fabs(fl_t_quantile(0.975, 2) - 0.95 / sqrt(2 * 0.975 * 0.025)) < 1e-9,
          "df 1 and 2 agree with their closed forms to 1e-9", "%.12f %.12f", fl_t_quantile(0.975, 1),
          fl_t_quantile(0.975, 2));
    check(fabs(fl_t_quantile(0.025, 4) + 2.7764) < 1e-3 && fl_t_quantile(0.5, 3) == 0 &&
              fabs(fl_t_cdf(fl_t_quantile(0.9, 7), 7) - 0.9) < 1e-10,
          "symmetric below 1/2, 0 at 1/2, the cdf inverts the quantile", "%g", fl_t_quantile(0.025, 4));
    check(fabs(fl_t_quantile(0.975, 1e6) - 1.959964) < 1e-4, "large df tends to the normal 1.95996", "%.6f",
          fl_t_quantile(0.975, 1e6));
    check(isnan(fl_t_quantile(1, 3)) && isnan(fl_t_quantile(0.9, 0)), "p = 1 or df = 0: NAN", "%g", fl_t_quantile(1, 3));
}

static void test_interval(void) {
    const double x[] = {1, 2, 3};
    fl_seed_stats s;
    fl_seed_stats_compute(x, 3, &s);
    /* mean 2, s = 1, half-width 4.3027 / sqrt 3 = 2.4841 */
    check(s.n == 3 && s.has_ci && s.mean == 2 && fabs(s.sd - 1) < 1e-15 && fabs(s.half - 2.4841) < 1e-4 &&
              fabs(s.lo - (2 - 2.4841)) < 1e-4 && fabs(s.hi - (2 + 2.4841)) < 1e-4,
          "{1,2,3}: mean 2, s 1, interval 2 +- 2.4841", "n %d mean %g sd %g half %g", s.n, s.mean, s.sd, s.half);
    const double one[] = {0.7};
    fl_seed_stats_compute(one, 1, &s);
    check(s.n == 1 && !s.has_ci && s.mean == 0.7 && s.lo == 0.7 && s.hi == 0.7 && isnan(s.half),
          "n = 1: the value, no interval", "has_ci %d", s.has_ci);
    const double some[] = {NAN, 4, INFINITY, 6};
    fl_seed_stats_compute(some, 4, &s);
    /* {4, 6}: mean 5, s = sqrt 2, half = 12.7062 * sqrt2 / sqrt2 = 12.7062 */
    check(s.n == 2 && s.mean == 5 && fabs(s.half - 12.7062) < 1e-3, "non-finite values left out: {4, 6} +- 12.706",
          "n %d mean %g half %g", s.n, s.mean, s.half);
    fl_seed_stats_compute(some, 1, &s);
    check(s.n == 0 && isnan(s.mean) && !s.has_ci, "no finite value: n 0, NAN mean", "n %d", s.n);
}

static void test_paired(void) {
    /* GPT {1.0, 2.0, 3.0, 4.0}, FTP {1.5, 2.0, 4.0, 3.5}: differences {0.5, 0, 1, -0.5},
     * mean 0.25, s^2 = (0.0625 + 0.0625 + 0.5625 + 0.5625) / 3 = 0.41667, s = 0.645497,
     * half = t_{0.975,3} 3.182446 * 0.645497 / 2 = 1.027130; FTP higher in 2, lower in 1, tied in 1. */
    const double g[] = {1.0, 2.0, 3.0, 4.0}, f[] = {1.5, 2.0, 4.0, 3.5};
    fl_paired_stats p;
    fl_paired_stats_compute(g, f, 4, &p);
    check(p.diff.n == 4 && fabs(p.diff.mean - 0.25) < 1e-12 && fabs(p.diff.sd - 0.645497) < 1e-6 &&
              fabs(p.diff.half - 1.027130) < 1e-5 && p.higher == 2 && p.lower == 1 && p.ties == 1,
          "paired difference: mean 0.25 +- 1.0271, FTP higher 2, lower 1, tied 1", "mean %g sd %g half %g %d/%d/%d",
          p.diff.mean, p.diff.sd, p.diff.half, p.higher, p.lower, p.ties);
    const double g2[] = {1, NAN, 3}, f2[] = {2, 5, 5};
    fl_paired_stats_compute(g2, f2, 3, &p);
    check(p.diff.n == 2 && p.diff.mean == 1.5 && p.higher == 2 && p.lower + p.ties == 0,
          "a pair with a missing value is left out of the difference and the count", "n %d mean %g", p.diff.n,
          p.diff.mean);
    /* 73/768 two ways (a sum of 768 ones over 768 shares, and the fraction): ~1e-17 apart, a tie;
     * 1e-8 apart at that size is a difference */
    double byparts = 0;
    for (int i = 0; i < 73; i++) byparts += 1.0 / 768;
    const double g3[] = {73.0 / 768, 0.5, 0.5}, f3[] = {byparts, 0.5 + 1e-8, 0.5 - 1e-8};
    fl_paired_stats_compute(g3, f3, 3, &p);
    check(byparts != 73.0 / 768 && p.ties == 1 && p.higher == 1 && p.lower == 1,
          "a difference below the 9 printed digits is a tie; one at the 8th digit is not", "%d/%d/%d", p.higher,
          p.lower, p.ties);
}

int main(void) {
    test_quantiles();
    test_interval();
    test_paired();
    return check_exit();
}
