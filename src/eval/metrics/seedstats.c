/* Student t quantiles and the seed statistics of compare (seedstats.h). */
#include <math.h>
#include <stddef.h>

#include "eval/metrics/seedstats.h"

/* The continued fraction of the regularised incomplete beta function I_x(a, b)
 * (the standard expansion in terms d_{2m}, d_{2m+1}), evaluated by the modified
 * Lentz method; converges fast for x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x) {
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    if (fabs(d) < tiny) d = tiny;
    d = 1 / d;
    double f = d;
    for (int m = 1; m <= 500; m++) {
        for (int odd = 0; odd < 2; odd++) {
            double num = odd ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
                             : m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            d = 1 + num * d;
            if (fabs(d) < tiny) d = tiny;
            c = 1 + num / c;
            if (fabs(c) < tiny) c = tiny;
            d = 1 / d;
            f *= c * d;
            if (odd && fabs(c * d - 1) < 1e-15) return f;
        }
    }
    return f;
}

/* I_x(a, b) = x^a (1-x)^b / (a B(a, b)) * cf, using the symmetry
 * I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges slowly. */
static double inc_beta(double a, double b, double x) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1) / (a + b + 2)) return exp(lfront) * beta_cf(a, b, x) / a;
    return 1 - exp(lfront) * beta_cf(b, a, 1 - x) / b;
}

double fl_t_cdf(double t, double df) {
    if (!(df > 0) || isnan(t)) return NAN;
    /* P(|T| > |t|) = I_{df/(df+t^2)}(df/2, 1/2) */
    double tail = 0.5 * inc_beta(df / 2, 0.5, df / (df + t * t));
    return t >= 0 ? 1 - tail : tail;
}

double fl_t_quantile(double p, double df) {
    if (!(p > 0 && p < 1) || !(df > 0)) return NAN;
    if (p == 0.5) return 0;
    if (p < 0.5) return -fl_t_quantile(1 - p, df);
    /* The cdf is increasing: bracket the quantile by doubling, then bisect
     * (60 halvings of the bracket reach double precision for any df). */
    double lo = 0, hi = 1;
    while (fl_t_cdf(hi, df) < p && hi < 1e300) lo = hi, hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (fl_t_cdf(mid, df) < p) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* The mean and t-interval of the values x[i] (or b[i] - a[i] when a is given)
 * over the i where they are finite: two passes, the sum of squared deviations
 * rather than sum x^2 - n mean^2, which cancels badly for close values. */
static void stats_of(const double *a, const double *b, int n, fl_seed_stats *out) {
    double sum = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        double v = a && !isfinite(a[i]) ? NAN : a ? b[i] - a[i] : b[i];
        if (isfinite(v)) sum += v, k++;
    }
    *out = (fl_seed_stats){.n = k, .mean = k ? sum / k : NAN, .sd = NAN, .half = NAN};
    out->lo = out->hi = out->mean;
    if (k < 2) return;
    double ss = 0;
    for (int i = 0; i < n; i++) {
        double v = a && !isfinite(a[i]) ? NAN : a ? b[i] - a[i] : b[i];
        if (isfinite(v)) ss += (v - out->mean) * (v - out->mean);
    }
    out->sd = sqrt(ss / (k - 1));
    out->half = fl_t_quantile(0.975, k - 1) * out->sd / sqrt((double)k);
    out->lo = out->mean - out->half, out->hi = out->mean + out->half;
    out->has_ci = 1;
}

void fl_seed_stats_compute(const double *x, int n, fl_seed_stats *out) { stats_of(NULL, x, n, out); }

void fl_paired_stats_compute(const double *a, const double *b, int n, fl_paired_stats *out) {
    out->higher = out->lower = out->ties = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(a[i]) || !isfinite(b[i])) continue; /* as stats_of leaves them out */
        double d = b[i] - a[i], tol = 1e-9 * fmax(fabs(a[i]), fabs(b[i]));
        out->higher += d > tol, out->lower += d < -tol, out->ties += fabs(d) <= tol;
    }
    stats_of(a, b, n, &out->diff);
}
