/* Neural-collapse statistics (Papyan, Han & Donoho, "Prevalence of neural
 * collapse during the terminal phase of deep learning training", PNAS 2020;
 * for language models, Wu & Papyan, "Linguistic Collapse: Neural Collapse in
 * (Large) Language Models", 2024) of vectors grouped into K classes, against
 * the K rows of a linear classifier. Pure arrays; docs/evaluation.md defines
 * every number. */
#ifndef FL_EVAL_METRICS_COLLAPSE_H
#define FL_EVAL_METRICS_COLLAPSE_H
#include <stdint.h>

#include "futurelm.h"

typedef struct {
    int K, d;
    long n;
    double nc1;           /* Tr(Sw Sb^+) / K; NaN when every class mean is the same (Sb = 0) */
    double norm_cv;       /* NC2 equinorm: std / mean of |mu_k - mu_G| */
    double cos_mean;      /* NC2: mean of cos(mu_k - mu_G, mu_l - mu_G) over pairs k < l */
    double cos_std;       /* NC2 equiangularity: their standard deviation */
    double cos_simplex;   /* -1/(K-1), the simplex's cosine cos_mean is compared with */
    double nc3;           /* | W/|W|_F - M/|M|_F |_F, M's rows mu_k - mu_G */
    double nc4;           /* share of vectors whose nearest class mean is the classifier's argmax */
    int sb_rank;          /* the rank of Sb the pseudo-inverse kept (at most K - 1) */
} fl_nc_stats;

/* X [n, d] with labels y[n] in 0..K-1 (every class at least one vector), W
 * [K, d] the classifier's rows (row k scores class k; no bias). K >= 2.
 * mu_G is the unweighted mean of the K class means, so the centred means sum
 * to zero whatever the class sizes (docs/evaluation.md says why). */
fl_status fl_nc_compute(const float *X, const int32_t *y, long n, int d, int K, const float *W, fl_nc_stats *s,
                        fl_error *err);

#endif
