/* Linear probes on frozen vectors: L2-regularised multinomial logistic
 * regression fitted by full-batch L-BFGS, the penalty chosen on a validation
 * split, and a percentile-bootstrap interval for the test accuracy.
 *
 * Why full-batch L-BFGS: the problems are small (thousands of rows, d in the
 * hundreds, K <= ~20), the objective is smooth and strictly convex for lambda > 0,
 * and a deterministic optimiser run to a tolerance gives the same probe for the
 * same data, so differences between models are not optimiser noise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics/probe.h"
#include "kernels/gemm.h"
#include "util/error.h"
#include "util/rng.h"

#define LBFGS_M 10

struct fl_logreg {
    int d, K, iters;
    double lambda;
    float *mean, *scale; /* standardisation: z = (x - mean) * scale */
    double *theta;       /* W [K, d] then b [K] */
};

void fl_probe_opts_default(fl_probe_opts *o) {
    memset(o, 0, sizeof *o);
    o->max_iter = 300;
    o->tol = 1e-5;
    o->n_lambdas = 7;
    for (int i = 0; i < 7; i++) o->lambdas[i] = pow(10.0, -5 + i); /* 1e-5 .. 1e1 */
    o->n_boot = 1000;
    o->conf = 0.95;
    o->seed = 1337;
}

int fl_logreg_classes(const fl_logreg *m) { return m->K; }
int fl_logreg_iterations(const fl_logreg *m) { return m->iters; }

void fl_logreg_free(fl_logreg *m) {
    if (!m) return;
    free(m->mean);
    free(m->scale);
    free(m->theta);
    free(m);
}

/* Standardised copy of X: z = (x - mean) * scale. */
static float *standardise(const float *X, int n, int d, const float *mean, const float *scale) {
    float *Z = malloc(sizeof(float) * (size_t)n * (size_t)d + 1);
    if (!Z) return NULL;
    for (size_t i = 0; i < (size_t)n; i++)
        for (int j = 0; j < d; j++) Z[i * d + j] = (X[i * d + j] - mean[j]) * scale[j];
    return Z;
}

/* Working memory of one objective evaluation. */
typedef struct {
    const float *Z;
    const int *y;
    int n, d, K;
    double lambda;
    float *Wf;     /* W as float, for the GEMMs */
    float *logits; /* [n, K], turned into P - Y in place */
    float *gW;     /* [K, d] */
} objective;

/* f(theta) = mean CE + lambda/2 |W|^2 and its gradient g. */
static double evaluate(objective *ob, const double *theta, double *g) {
    int n = ob->n, d = ob->d, K = ob->K;
    const double *W = theta, *b = theta + (size_t)K * d;
    for (size_t i = 0; i < (size_t)K * d; i++) ob->Wf[i] = (float)W[i];
    fl_sgemm(0, 1, n, K, d, ob->Z, d, ob->Wf, d, 0.0f, ob->logits, K);
    double loss = 0;
    double *gb = g + (size_t)K * d;
    for (int k = 0; k < K; k++) gb[k] = 0;
    for (int i = 0; i < n; i++) {
        float *row = ob->logits + (size_t)i * K;
        double mx = -INFINITY, s = 0;
        for (int k = 0; k < K; k++) {
            double v = row[k] + b[k];
            if (v > mx) mx = v;
        }
        for (int k = 0; k < K; k++) s += exp(row[k] + b[k] - mx);
        double lse = mx + log(s);
        loss += lse - (row[ob->y[i]] + b[ob->y[i]]);
        for (int k = 0; k < K; k++) {
            double p = exp(row[k] + b[k] - lse) - (k == ob->y[i]);
            row[k] = (float)(p / n);
            gb[k] += p / n;
        }
    }
    fl_sgemm(1, 0, K, d, n, ob->logits, K, ob->Z, d, 0.0f, ob->gW, d);
    double reg = 0;
    for (size_t i = 0; i < (size_t)K * d; i++) {
        g[i] = ob->gW[i] + ob->lambda * W[i];
        reg += W[i] * W[i];
    }
    return loss / n + 0.5 * ob->lambda * reg;
}

static double dot(const double *a, const double *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* L-BFGS (Nocedal & Wright, algorithm 7.4) with an Armijo backtracking line
 * search; theta is the starting point and the result. Returns iterations. */
static int lbfgs(objective *ob, double *theta, const fl_probe_opts *o, double *work) {
    size_t P = (size_t)ob->K * ob->d + ob->K;
    double *g = work, *dir = g + P, *xn = dir + P, *gn = xn + P, *S = gn + P, *Y = S + LBFGS_M * P;
    double rho[LBFGS_M], alpha[LBFGS_M];
    int head = 0, stored = 0, it;
    double f = evaluate(ob, theta, g);
    for (it = 0; it < o->max_iter; it++) {
        double gmax = 0;
        for (size_t i = 0; i < P; i++) gmax = fmax(gmax, fabs(g[i]));
        if (gmax < o->tol) break;
        /* two-loop recursion: dir = -H g */
        for (size_t i = 0; i < P; i++) dir[i] = -g[i];
        for (int k = 0; k < stored; k++) {
            int j = (head - 1 - k + LBFGS_M) % LBFGS_M;
            alpha[j] = rho[j] * dot(S + j * P, dir, P);
            for (size_t i = 0; i < P; i++) dir[i] -= alpha[j] * Y[j * P + i];
        }
        if (stored) {
            int j = (head - 1 + LBFGS_M) % LBFGS_M;
            double gamma = dot(S + j * P, Y + j * P, P) / dot(Y + j * P, Y + j * P, P);
            for (size_t i = 0; i < P; i++) dir[i] *= gamma;
        } else {
            /* first step: a unit-length move, a scale-free guess */
            double gn2 = sqrt(dot(g, g, P));
            for (size_t i = 0; i < P; i++) dir[i] /= gn2 > 1 ? gn2 : 1;
        }
        for (int k = stored - 1; k >= 0; k--) {
            int j = (head - 1 - k + LBFGS_M) % LBFGS_M;
            double beta = rho[j] * dot(Y + j * P, dir, P);
            for (size_t i = 0; i < P; i++) dir[i] += (alpha[j] - beta) * S[j * P + i];
        }
        double slope = dot(g, dir, P);
        if (!(slope < 0)) { /* not a descent direction (float noise): restart from steepest descent */
            stored = 0;
            for (size_t i = 0; i < P; i++) dir[i] = -g[i];
            slope = -dot(g, g, P);
        }
        double step = 1, fn = f;
        int found = 0;
        for (int ls = 0; ls < 40; ls++, step *= 0.5) {
            for (size_t i = 0; i < P; i++) xn[i] = theta[i] + step * dir[i];
            fn = evaluate(ob, xn, gn);
            if (fn <= f + 1e-4 * step * slope) {
                found = 1;
                break;
            }
        }
        if (!found) break; /* no decrease left at float precision: converged as far as it goes */
        double *s = S + (size_t)head * P, *y = Y + (size_t)head * P;
        for (size_t i = 0; i < P; i++) s[i] = xn[i] - theta[i], y[i] = gn[i] - g[i];
        double sy = dot(s, y, P);
        if (sy > 1e-12) { /* keep the pair only when it keeps H positive definite */
            rho[head] = 1 / sy;
            head = (head + 1) % LBFGS_M;
            if (stored < LBFGS_M) stored++;
        }
        memcpy(theta, xn, P * sizeof *theta);
        memcpy(g, gn, P * sizeof *g);
        double df = f - fn;
        f = fn;
        if (df <= 1e-12 * fmax(1, fabs(f))) break;
    }
    return it;
}

static fl_status check_labels(const int *y, int n, int K, fl_error *err) {
    for (int i = 0; i < n; i++)
        if (y[i] < 0 || y[i] >= K)
            return fl_fail(err, FL_ERR_ARG, "probe: row %d has label %d, outside 0..%d", i, y[i], K - 1);
    return FL_OK;
}

/* Fit from theta0 (NULL: zeros) on already-standardised rows. */
static fl_status fit_z(const float *Z, const int *y, int n, int d, int K, double lambda, const fl_probe_opts *o,
                       const double *theta0, fl_logreg *m, fl_error *err) {
    size_t P = (size_t)K * d + K;
    objective ob = {Z, y, n, d, K, lambda, NULL, NULL, NULL};
    ob.Wf = malloc(sizeof(float) * (size_t)K * d);
    ob.logits = malloc(sizeof(float) * (size_t)n * K);
    ob.gW = malloc(sizeof(float) * (size_t)K * d);
    double *work = malloc(sizeof(double) * P * (4 + 2 * LBFGS_M));
    fl_status st = FL_OK;
    if (!ob.Wf || !ob.logits || !ob.gW || !work) {
        st = fl_fail(err, FL_ERR_NOMEM, "probe: out of memory (%d rows x %d classes)", n, K);
    } else {
        if (theta0) {
            if (theta0 != m->theta) memcpy(m->theta, theta0, P * sizeof(double));
        } else
            memset(m->theta, 0, P * sizeof(double));
        m->iters = lbfgs(&ob, m->theta, o, work);
        m->lambda = lambda;
        for (size_t i = 0; i < P; i++)
            if (!isfinite(m->theta[i])) {
                st = fl_fail(err, FL_ERR_NONFINITE, "probe: the fit diverged (lambda %g); are the features finite?",
                             lambda);
                break;
            }
    }
    free(ob.Wf);
    free(ob.logits);
    free(ob.gW);
    free(work);
    return st;
}

static fl_logreg *alloc_model(int d, int K) {
    fl_logreg *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->d = d, m->K = K;
    m->mean = malloc(sizeof(float) * (size_t)d);
    m->scale = malloc(sizeof(float) * (size_t)d);
    m->theta = calloc((size_t)K * d + K, sizeof(double));
    if (!m->mean || !m->scale || !m->theta) {
        fl_logreg_free(m);
        return NULL;
    }
    return m;
}

/* Train-set mean and 1/std per feature (constant features get scale 1: they become 0). */
static void fit_scaler(const float *X, int n, int d, float *mean, float *scale) {
    for (int j = 0; j < d; j++) {
        double s = 0, ss = 0;
        for (int i = 0; i < n; i++) s += X[(size_t)i * d + j];
        double mu = s / n;
        for (int i = 0; i < n; i++) {
            double v = X[(size_t)i * d + j] - mu;
            ss += v * v;
        }
        double sd = sqrt(ss / n);
        mean[j] = (float)mu;
        scale[j] = sd > 1e-12 ? (float)(1 / sd) : 1.0f;
    }
}

static fl_status check_shape(int n, int d, int K, fl_error *err) {
    if (n < 1 || d < 1 || K < 2)
        return fl_fail(err, FL_ERR_ARG, "probe: needs at least 1 row, 1 feature and 2 classes (got %d, %d, %d)", n, d,
                       K);
    return FL_OK;
}

fl_status fl_logreg_fit(const float *X, const int *y, int n, int d, int K, double lambda, const fl_probe_opts *o,
                        fl_logreg **out, fl_error *err) {
    *out = NULL;
    fl_status st = check_shape(n, d, K, err);
    if (!st) st = check_labels(y, n, K, err);
    if (st) return st;
    fl_logreg *m = alloc_model(d, K);
    if (!m) return fl_fail(err, FL_ERR_NOMEM, "probe: out of memory");
    fit_scaler(X, n, d, m->mean, m->scale);
    float *Z = standardise(X, n, d, m->mean, m->scale);
    st = Z ? fit_z(Z, y, n, d, K, lambda, o, NULL, m, err) : fl_fail(err, FL_ERR_NOMEM, "probe: out of memory");
    free(Z);
    if (st) {
        fl_logreg_free(m);
        return st;
    }
    *out = m;
    return FL_OK;
}

/* Predictions from standardised rows; logp (may be NULL) gets log p(y_i) when y is given. */
static fl_status predict_z(const fl_logreg *m, const float *Z, int n, const int *y, int *pred, float *prob,
                           double *loglik, fl_error *err) {
    int d = m->d, K = m->K;
    float *Wf = malloc(sizeof(float) * (size_t)K * d), *L = malloc(sizeof(float) * (size_t)n * K + 1);
    if (!Wf || !L) {
        free(Wf);
        free(L);
        return fl_fail(err, FL_ERR_NOMEM, "probe: out of memory");
    }
    for (size_t i = 0; i < (size_t)K * d; i++) Wf[i] = (float)m->theta[i];
    fl_sgemm(0, 1, n, K, d, Z, d, Wf, d, 0.0f, L, K);
    const double *b = m->theta + (size_t)K * d;
    double ll = 0;
    for (int i = 0; i < n; i++) {
        double mx = -INFINITY, s = 0;
        int best = 0;
        for (int k = 0; k < K; k++) {
            double v = L[(size_t)i * K + k] + b[k];
            if (v > mx) mx = v, best = k;
        }
        for (int k = 0; k < K; k++) s += exp(L[(size_t)i * K + k] + b[k] - mx);
        double lse = mx + log(s);
        if (pred) pred[i] = best;
        if (prob)
            for (int k = 0; k < K; k++) prob[(size_t)i * K + k] = (float)exp(L[(size_t)i * K + k] + b[k] - lse);
        if (y) ll += L[(size_t)i * K + y[i]] + b[y[i]] - lse;
    }
    if (loglik) *loglik = n ? ll / n : 0;
    free(Wf);
    free(L);
    return FL_OK;
}

fl_status fl_logreg_predict(const fl_logreg *m, const float *X, int n, int *pred, float *prob, fl_error *err) {
    if (n <= 0) return FL_OK;
    float *Z = standardise(X, n, m->d, m->mean, m->scale);
    if (!Z) return fl_fail(err, FL_ERR_NOMEM, "probe: out of memory");
    fl_status st = predict_z(m, Z, n, NULL, pred, prob, NULL, err);
    free(Z);
    return st;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile q of sorted v[0..n) by linear interpolation between order statistics. */
static double quantile(const double *v, int n, double q) {
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1) return v[n - 1];
    if (i < 0) return v[0];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

fl_status fl_bootstrap_accuracy(const unsigned char *correct, int n, int n_boot, double conf, uint64_t seed, double *lo,
                                double *hi, fl_error *err) {
    if (n < 1 || n_boot < 1 || !(conf > 0 && conf < 1))
        return fl_fail(err, FL_ERR_ARG, "bootstrap: needs n >= 1, resamples >= 1 and 0 < conf < 1 (got %d, %d, %g)", n,
                       n_boot, conf);
    double *acc = malloc(sizeof(double) * (size_t)n_boot);
    if (!acc) return fl_fail(err, FL_ERR_NOMEM, "bootstrap: out of memory");
    fl_rng r;
    fl_rng_seed(&r, seed);
    for (int b = 0; b < n_boot; b++) {
        long hits = 0;
        for (int i = 0; i < n; i++) hits += correct[fl_rng_below(&r, (uint64_t)n)] != 0;
        acc[b] = (double)hits / n;
    }
    qsort(acc, (size_t)n_boot, sizeof *acc, cmp_double);
    *lo = quantile(acc, n_boot, (1 - conf) / 2);
    *hi = quantile(acc, n_boot, (1 + conf) / 2);
    free(acc);
    return FL_OK;
}

static double accuracy(const int *pred, const int *y, int n) {
    long hits = 0;
    for (int i = 0; i < n; i++) hits += pred[i] == y[i];
    return n ? (double)hits / n : 0;
}

fl_status fl_probe_run(const fl_probe_split *tr, const fl_probe_split *va, const fl_probe_split *te, int d, int K,
                       const fl_probe_opts *o, fl_probe_result *r, fl_logreg **model, fl_error *err) {
    memset(r, 0, sizeof *r);
    if (model) *model = NULL;
    static const fl_probe_split none = {NULL, NULL, 0};
    if (!te) te = &none;
    fl_status st = check_shape(tr->n, d, K, err);
    if (!st && va->n < 1) st = fl_fail(err, FL_ERR_ARG, "probe: the validation split has no rows");
    if (!st && (o->n_lambdas < 1 || o->n_lambdas > FL_PROBE_MAX_GRID))
        st = fl_fail(err, FL_ERR_ARG, "probe: the penalty grid has %d values (1..%d)", o->n_lambdas, FL_PROBE_MAX_GRID);
    if (!st) st = check_labels(tr->y, tr->n, K, err);
    if (!st) st = check_labels(va->y, va->n, K, err);
    if (!st) st = check_labels(te->y, te->n, K, err);
    if (st) return st;
    r->n_train = tr->n, r->n_val = va->n, r->n_test = te->n;
    fl_logreg *m = alloc_model(d, K);
    size_t P = (size_t)K * d + K;
    double *best = malloc(sizeof(double) * P);
    int nmax = tr->n > va->n ? tr->n : va->n;
    if (te->n > nmax) nmax = te->n;
    int *pred = malloc(sizeof(int) * (size_t)nmax);
    unsigned char *hit = malloc((size_t)te->n + 1);
    float *Ztr = NULL, *Zva = NULL, *Zte = NULL;
    if (m) {
        fit_scaler(tr->X, tr->n, d, m->mean, m->scale);
        Ztr = standardise(tr->X, tr->n, d, m->mean, m->scale);
        Zva = standardise(va->X, va->n, d, m->mean, m->scale);
        Zte = te->n ? standardise(te->X, te->n, d, m->mean, m->scale) : malloc(1);
    }
    if (!m || !best || !pred || !hit || !Ztr || !Zva || !Zte) st = fl_fail(err, FL_ERR_NOMEM, "probe: out of memory");
    /* Largest penalty first, each fit warm-started from the previous solution (the
     * regularisation path): cheaper, and the order is fixed, so still deterministic.
     * Sort a copy of the grid's indices by decreasing lambda. */
    int order[FL_PROBE_MAX_GRID];
    for (int i = 0; i < o->n_lambdas; i++) order[i] = i;
    for (int i = 1; i < o->n_lambdas; i++)
        for (int j = i; j > 0 && o->lambdas[order[j]] > o->lambdas[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1], order[j - 1] = t;
        }
    double best_acc = -1, best_ll = -INFINITY;
    for (int gi = 0; gi < o->n_lambdas && !st; gi++) {
        int li = order[gi];
        if (!(o->lambdas[li] >= 0)) {
            st = fl_fail(err, FL_ERR_ARG, "probe: penalty %g is negative", o->lambdas[li]);
            break;
        }
        st = fit_z(Ztr, tr->y, tr->n, d, K, o->lambdas[li], o, gi ? m->theta : NULL, m, err);
        double ll = 0;
        if (!st) st = predict_z(m, Zva, va->n, va->y, pred, NULL, &ll, err);
        if (st) break;
        double acc = accuracy(pred, va->y, va->n);
        r->grid_val_accuracy[li] = acc;
        /* Accuracy decides; on a tie the better validation log-likelihood (a
         * separable set ties at accuracy 1 for every penalty, and the largest one
         * would give needlessly flat probabilities); exact ties keep the larger penalty. */
        if (acc > best_acc || (acc == best_acc && ll > best_ll)) {
            best_acc = acc, best_ll = ll;
            r->lambda = o->lambdas[li];
            memcpy(best, m->theta, P * sizeof(double));
        }
    }
    if (!st) {
        memcpy(m->theta, best, P * sizeof(double));
        r->val_accuracy = best_acc;
        st = predict_z(m, Ztr, tr->n, NULL, pred, NULL, NULL, err);
        if (!st) r->train_accuracy = accuracy(pred, tr->y, tr->n);
        if (!st && te->n) st = predict_z(m, Zte, te->n, te->y, pred, NULL, &r->test_loglik, err);
    }
    if (!st && te->n) {
        for (int i = 0; i < te->n; i++) hit[i] = pred[i] == te->y[i];
        r->test_accuracy = accuracy(pred, te->y, te->n);
        st = fl_bootstrap_accuracy(hit, te->n, o->n_boot, o->conf, o->seed, &r->ci_lo, &r->ci_hi, err);
        /* chance: always answering the most frequent training class */
        int *cnt = calloc((size_t)K, sizeof(int)), top = 0;
        if (cnt) {
            for (int i = 0; i < tr->n; i++) cnt[tr->y[i]]++;
            for (int k = 1; k < K; k++)
                if (cnt[k] > cnt[top]) top = k;
            long h = 0;
            for (int i = 0; i < te->n; i++) h += te->y[i] == top;
            r->chance = (double)h / te->n;
            free(cnt);
        }
    }
    if (!st && model) *model = m;
    else fl_logreg_free(m);
    free(best);
    free(pred);
    free(hit);
    free(Ztr);
    free(Zva);
    free(Zte);
    return st;
}
