/* Future bag-of-words probe: it recovers a planted linear rule (the future tokens
 * are the top-N ids of a fixed linear map of x) and stays at the baseline when
 * the future does not depend on x. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/metrics/bow_probe.h"
#include "util/rng.h"

enum { D = 16, V = 64, N = 4, NTR = 4000, NTE = 1000 };

/* future[i] = the N ids with the largest (A x_i)[v], in a shuffled order */
static void planted(fl_rng *r, const float *A, float *X, int32_t *fut, int n, int random) {
    for (int i = 0; i < n; i++) {
        float *x = X + (size_t)i * D;
        for (int j = 0; j < D; j++) x[j] = (float)fl_rng_normal(r);
        float s[V];
        for (int v = 0; v < V; v++) {
            s[v] = 0;
            for (int j = 0; j < D; j++) s[v] += A[v * D + j] * x[j];
        }
        int32_t *f = fut + (size_t)i * N;
        for (int k = 0; k < N; k++) {
            int best = -1;
            for (int v = 0; v < V; v++) {
                int taken = 0;
                for (int q = 0; q < k; q++) taken |= f[q] == v;
                if (!taken && (best < 0 || s[v] > s[best])) best = v;
            }
            f[k] = random ? (int32_t)fl_rng_below(r, V) : best;
        }
    }
}

int main(void) {
    fl_rng r;
    fl_rng_seed(&r, 11);
    static float A[V * D], Xtr[NTR * D], Xte[NTE * D];
    static int32_t Ftr[NTR * N], Fte[NTE * N];
    for (int i = 0; i < V * D; i++) A[i] = (float)fl_rng_normal(&r);
    planted(&r, A, Xtr, Ftr, NTR, 0);
    planted(&r, A, Xte, Fte, NTE, 0);
    fl_bow_opts o;
    fl_bow_opts_default(&o);
    o.epochs = 30;
    o.batch = 128;
    o.lr = 1e-2f;
    fl_bow_split tr = {Xtr, Ftr, NTR}, te = {Xte, Fte, NTE};
    fl_bow_result res, res2;
    fl_error err = {0};
    fl_status st = fl_bow_probe(&tr, &te, D, N, V, &o, &res, &err);
    check(st == FL_OK && res.recall > 0.85, "the probe recovers a planted linear rule (recall@4 > 0.85)",
          "st %d (%s) recall %.3f", st, err.msg, res.recall);
    check(res.base_recall < 0.3 && res.loglik > res.base_loglik + 0.5,
          "the unigram baseline does far worse than the probe on a planted rule", "base recall %.3f, loglik %.3f vs %.3f",
          res.base_recall, res.loglik, res.base_loglik);
    /* a perfect bag of 4 distinct ids gives log(1/4) per position at best */
    check(res.loglik <= log(0.25) + 1e-6 && res.loglik > log(0.25) - 1.0,
          "log-likelihood is at most log(1/N) for N distinct future ids and close to it", "%.4f (bound %.4f)", res.loglik,
          log(0.25));
    st = fl_bow_probe(&tr, &te, D, N, V, &o, &res2, &err);
    check(st == FL_OK && res.recall == res2.recall && res.loglik == res2.loglik && res.train_loss == res2.train_loss,
          "the probe is deterministic for a seed", "%.17g vs %.17g", res.loglik, res2.loglik);

    /* future tokens independent of x: the probe cannot beat the baseline by much */
    planted(&r, A, Xtr, Ftr, NTR, 1);
    planted(&r, A, Xte, Fte, NTE, 1);
    o.epochs = 3;
    st = fl_bow_probe(&tr, &te, D, N, V, &o, &res, &err);
    check(st == FL_OK && res.recall < 0.15 && fabs(res.base_loglik - log(1.0 / V)) < 0.05 &&
              res.loglik < res.base_loglik + 0.02,
          "random futures: recall near N/V and no gain over the uniform baseline", "recall %.3f loglik %.3f base %.3f",
          res.recall, res.loglik, res.base_loglik);

    /* bad input */
    Ftr[5] = V;
    st = fl_bow_probe(&tr, &te, D, N, V, &o, &res, &err);
    check(st == FL_ERR_ARG && strstr(err.msg, "outside"), "a future id >= V is refused", "%s", err.msg);
    return check_exit();
}
