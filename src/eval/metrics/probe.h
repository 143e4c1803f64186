/* The frozen-vector probe (docs/design.md 4.3): L2-penalised multinomial logistic
 * regression fitted by L-BFGS, the penalty chosen on a validation split, and the
 * percentile bootstrap of an accuracy. Inputs are plain arrays; no model. */
#ifndef FL_EVAL_METRICS_PROBE_H
#define FL_EVAL_METRICS_PROBE_H
#include <stdint.h>

#include "futurelm.h"

/* Multinomial logistic regression with an L2 penalty, for frozen-vector probes.
 * Features are standardised with the training rows' mean and standard deviation;
 * the objective is mean cross-entropy + lambda/2 * |W|^2 (biases unpenalised),
 * minimised by full-batch L-BFGS with a backtracking (Armijo) line search from
 * W = 0: deterministic, and bit-identical for any thread count. */
#define FL_PROBE_MAX_GRID 16
typedef struct {
    int max_iter;   /* L-BFGS iterations per fit (default 300) */
    double tol;     /* stop when the gradient's max-norm is below tol (default 1e-5) */
    int n_lambdas;  /* penalty grid, chosen on the validation split */
    double lambdas[FL_PROBE_MAX_GRID]; /* default 1e-5 .. 1e1, log-spaced, 7 values */
    int n_boot;     /* bootstrap resamples of the test set (default 1000) */
    double conf;    /* interval coverage (default 0.95) */
    uint64_t seed;  /* bootstrap seed */
} fl_probe_opts;
void fl_probe_opts_default(fl_probe_opts *o);

typedef struct fl_logreg fl_logreg;
/* X [n, d] row-major, y [n] in 0..K-1. */
fl_status fl_logreg_fit(const float *X, const int *y, int n, int d, int K, double lambda, const fl_probe_opts *o,
                        fl_logreg **out, fl_error *err);
/* pred [n] (argmax, lowest class on ties) and, when prob is non-NULL, prob [n, K]. */
fl_status fl_logreg_predict(const fl_logreg *m, const float *X, int n, int *pred, float *prob, fl_error *err);
int fl_logreg_classes(const fl_logreg *m);
int fl_logreg_iterations(const fl_logreg *m); /* L-BFGS iterations the fit took */
void fl_logreg_free(fl_logreg *m);

/* Percentile bootstrap of a mean accuracy: n_boot resamples (with replacement,
 * from fl_rng(seed)) of the per-example 0/1 outcomes; [lo, hi] are the
 * (1-conf)/2 and (1+conf)/2 quantiles of the resampled accuracies. */
fl_status fl_bootstrap_accuracy(const unsigned char *correct, int n, int n_boot, double conf, uint64_t seed, double *lo,
                                double *hi, fl_error *err);

typedef struct {
    const float *X; /* [n, d] */
    const int *y;   /* [n] */
    int n;
} fl_probe_split;

typedef struct {
    double lambda;                             /* chosen on val */
    double grid_val_accuracy[FL_PROBE_MAX_GRID]; /* one per grid value */
    double train_accuracy, val_accuracy;
    double test_accuracy, ci_lo, ci_hi;        /* test accuracy and its bootstrap interval */
    double test_loglik;                        /* mean log p(true class) on test */
    double chance;                             /* share of the most frequent train class in test */
    int n_train, n_val, n_test;
} fl_probe_result;

/* The whole probe of docs/design.md 4.3: fit on train for every lambda of the grid
 * (largest first, each fit warm-started from the last), keep the one with the
 * best validation accuracy (ties: the better validation log-likelihood, then the
 * larger penalty), score that fit on test with a bootstrap interval. test may be
 * NULL (then only the selection runs); model (may be NULL) receives the chosen fit. */
fl_status fl_probe_run(const fl_probe_split *train, const fl_probe_split *val, const fl_probe_split *test, int d, int K,
                       const fl_probe_opts *o, fl_probe_result *r, fl_logreg **model, fl_error *err);

#endif
