/* Logistic-regression probe and bootstrap on constructed data whose answers are known. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/metrics/probe.h"
#include "util/rng.h"

/* n rows of d Gaussian features around the class centre (class k: +sep on feature k). */
static void clusters(fl_rng *r, float *X, int *y, int n, int d, int K, double sep, int random_labels) {
    for (int i = 0; i < n; i++) {
        int k = (int)fl_rng_below(r, (uint64_t)K);
        y[i] = k;
        for (int j = 0; j < d; j++) X[i * d + j] = (float)fl_rng_normal(r) + (j == k && !random_labels ? sep : 0) + 3;
        if (random_labels) y[i] = (int)fl_rng_below(r, (uint64_t)K);
    }
}

int main(void) {
    fl_probe_opts o;
    fl_probe_opts_default(&o);
    fl_error err = {0};
    fl_rng r;
    fl_rng_seed(&r, 5);
    enum { D = 8, NTR = 300, NVA = 100, NTE = 1000 };
    static float X[3][NTE * D];
    static int y[3][NTE];
    int ns[3] = {NTR, NVA, NTE};

    /* linearly separable: centres 12 standard deviations apart */
    for (int s = 0; s < 3; s++) clusters(&r, X[s], y[s], ns[s], D, 3, 12, 0);
    fl_probe_split tr = {X[0], y[0], NTR}, va = {X[1], y[1], NVA}, te = {X[2], y[2], NTE};
    fl_probe_result res;
    fl_status st = fl_probe_run(&tr, &va, &te, D, 3, &o, &res, NULL, &err);
    check(st == FL_OK && res.test_accuracy == 1.0 && res.train_accuracy == 1.0,
          "a linearly separable set gives probe accuracy 1", "st %d (%s) test %.4f train %.4f", st, err.msg,
          res.test_accuracy, res.train_accuracy);
    check(res.ci_lo == 1.0 && res.ci_hi == 1.0, "all-correct: the bootstrap interval is [1, 1]", "[%g, %g]", res.ci_lo,
          res.ci_hi);
    check(res.test_loglik > -0.05 && res.test_loglik <= 0, "separable: test log-likelihood near 0", "%g",
          res.test_loglik);

    /* random labels: about chance */
    for (int s = 0; s < 3; s++) clusters(&r, X[s], y[s], ns[s], D, 4, 0, 1);
    st = fl_probe_run(&tr, &va, &te, D, 4, &o, &res, NULL, &err);
    check(st == FL_OK && fabs(res.test_accuracy - 0.25) < 0.05, "random labels give about chance (0.25 of 4)",
          "test %.4f", res.test_accuracy);
    check(res.ci_lo <= res.test_accuracy && res.test_accuracy <= res.ci_hi && res.ci_lo < 0.25 + 0.05 &&
              res.ci_hi > 0.25 - 0.05,
          "the bootstrap interval contains the accuracy", "%.4f in [%.4f, %.4f]", res.test_accuracy, res.ci_lo,
          res.ci_hi);
    check(res.chance > 0.18 && res.chance < 0.32, "chance (most frequent train class) is about 1/4", "%g",
          res.chance);

    /* a noisy but learnable set: the chosen penalty is on the grid, val accuracy is the best of the grid */
    for (int s = 0; s < 3; s++) clusters(&r, X[s], y[s], ns[s], D, 3, 1.5, 0);
    st = fl_probe_run(&tr, &va, &te, D, 3, &o, &res, NULL, &err);
    double best = 0;
    for (int i = 0; i < o.n_lambdas; i++) best = fmax(best, res.grid_val_accuracy[i]);
    check(st == FL_OK && res.val_accuracy == best && res.test_accuracy > 0.6 && res.test_accuracy < 1,
          "overlapping classes: the penalty with the best validation accuracy is kept", "val %.3f best %.3f test %.3f",
          res.val_accuracy, best, res.test_accuracy);

    /* the optimum of a case solvable by hand: x = +1 (class 1), x = -1 (class 0), lambda 0.1.
     * By symmetry W = [-w, w], b0 = b1, and the loss log(1 + e^{-2w}) + lambda w^2 is minimal where
     * sigma(-2w) = lambda w. p(class 1 | x = 1) = sigma(2w). */
    {
        float x2[2] = {1, -1};
        int y2[2] = {1, 0};
        double lo = 0, hi = 20;
        for (int i = 0; i < 200; i++) {
            double w = (lo + hi) / 2;
            if (1 / (1 + exp(2 * w)) > 0.1 * w) lo = w;
            else hi = w;
        }
        double want = 1 / (1 + exp(-2 * lo));
        fl_logreg *m;
        float prob[4];
        int pred[2];
        st = fl_logreg_fit(x2, y2, 2, 1, 2, 0.1, &o, &m, &err);
        if (!st) st = fl_logreg_predict(m, x2, 2, pred, prob, &err);
        check(st == FL_OK && fabs(prob[1] - want) < 1e-4 && fabs(prob[2] - want) < 1e-4 && pred[0] == 1 && pred[1] == 0,
              "two points, lambda 0.1: p(true class) equals the hand-solved optimum", "p %.6f %.6f want %.6f",
              prob[1], prob[2], want);
        check(fabs(prob[0] + prob[1] - 1) < 1e-6, "probabilities sum to 1", "%g", prob[0] + prob[1]);
        fl_logreg_free(m);
    }

    /* determinism: the same data, the same probabilities bit for bit */
    {
        fl_logreg *a, *b;
        static float pa[NTE * 3], pb[NTE * 3];
        fl_logreg_fit(X[0], y[0], NTR, D, 3, 1e-3, &o, &a, &err);
        fl_logreg_fit(X[0], y[0], NTR, D, 3, 1e-3, &o, &b, &err);
        fl_logreg_predict(a, X[2], NTE, NULL, pa, &err);
        fl_logreg_predict(b, X[2], NTE, NULL, pb, &err);
        check(!memcmp(pa, pb, sizeof pa), "two fits of the same data agree bit for bit", "they differ");
        fl_logreg_free(a);
        fl_logreg_free(b);
    }

    /* bad input */
    int bad[2] = {0, 3};
    fl_logreg *m = NULL;
    st = fl_logreg_fit(X[0], bad, 2, D, 3, 1e-3, &o, &m, &err);
    check(st == FL_ERR_ARG && strstr(err.msg, "label 3"), "a label outside 0..K-1 is refused", "%s", err.msg);
    st = fl_logreg_fit(X[0], y[0], 2, D, 1, 1e-3, &o, &m, &err);
    check(st == FL_ERR_ARG, "one class is refused", "%s", err.msg);

    /* bootstrap: contains the accuracy and shrinks with n (about as 1/sqrt(n)) */
    {
        static unsigned char c[10000];
        double lo1, hi1, lo2, hi2;
        for (int i = 0; i < 10000; i++) c[i] = (i % 5) != 0; /* 80% correct */
        fl_bootstrap_accuracy(c, 100, 1000, 0.95, 1, &lo1, &hi1, &err);
        fl_bootstrap_accuracy(c, 10000, 1000, 0.95, 1, &lo2, &hi2, &err);
        check(lo1 < 0.8 && 0.8 < hi1 && lo2 < 0.8 && 0.8 < hi2, "bootstrap intervals contain the accuracy 0.8",
              "[%g, %g] [%g, %g]", lo1, hi1, lo2, hi2);
        /* normal approximation: 2 * 1.96 * sqrt(0.16 / n) = 0.157 at n = 100, 0.0157 at 10000 */
        check(fabs((hi1 - lo1) - 0.157) < 0.03 && fabs((hi2 - lo2) - 0.0157) < 0.003,
              "bootstrap widths match the binomial's 2 x 1.96 x sqrt(p(1-p)/n)", "%g %g", hi1 - lo1, hi2 - lo2);
        double lo3, hi3;
        fl_bootstrap_accuracy(c, 100, 1000, 0.95, 1, &lo3, &hi3, &err);
        check(lo3 == lo1 && hi3 == hi1, "bootstrap is deterministic for a seed", "differs");
    }
    return check_exit();
}
