/* The future bag-of-words probe (docs/design.md 4.1(b)) on plain arrays of vectors
 * and future token ids; no model. */
#ifndef FL_EVAL_METRICS_BOW_PROBE_H
#define FL_EVAL_METRICS_BOW_PROBE_H
#include <stdint.h>

#include "futurelm.h"

/* The future bag-of-words probe of docs/design.md 4.1(b). From a vector x [d] a linear
 * map predicts a distribution p = softmax(W x + b) over the V token ids; its
 * target is the bag of the next N tokens (each of the N positions contributes
 * 1/N). Softmax over the bag rather than V independent sigmoids: one normalised
 * distribution whose log-likelihood reads like a cross-entropy, and whose top-N
 * is the probe's guess of the bag. Trained by mini-batch Adam over shuffled rows
 * (seeded), features standardised with train statistics. Reported on test:
 *   recall@N = mean over rows of |top-N(p) ∩ S| / |S|, S the distinct future ids;
 *   loglik   = mean over rows and the N positions of log p(x_{t+j}).
 * The same two numbers for the train set's unigram distribution are the baseline. */
typedef struct {
    int epochs;     /* default 4 */
    int batch;      /* rows per step (default 512) */
    float lr;       /* Adam learning rate (default 2e-3) */
    float l2;       /* L2 penalty on W added to the mean loss (default 1e-5) */
    uint64_t seed;  /* row order */
} fl_bow_opts;
void fl_bow_opts_default(fl_bow_opts *o);

typedef struct {
    const float *X;        /* [n, d] */
    const int32_t *future; /* [n, N]: the next N token ids of each row, each < V */
    int n;
} fl_bow_split;

typedef struct {
    double recall, loglik;           /* the probe, on test */
    double base_recall, base_loglik; /* train unigram distribution, on test */
    double train_loss;               /* mean training loss of the last epoch */
    int n_train, n_test;
} fl_bow_result;

fl_status fl_bow_probe(const fl_bow_split *train, const fl_bow_split *test, int d, int N, int V, const fl_bow_opts *o,
                       fl_bow_result *r, fl_error *err);

#endif
