/* The array statistics behind eval lens|collapse|cka|neurons on constructed
 * cases with known answers: the Jacobi eigensolver, neural collapse of a
 * perfectly collapsed set (NC1 = 0, simplex means, self-dual head) and of
 * random vectors with random labels (NC1's exact expectation, derived below),
 * and against a direct d x d pseudo-inverse; linear CKA's identities and its
 * expectation for independent features; a planted principal direction
 * decoded back to the planted rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/metrics/cka.h"
#include "eval/metrics/collapse.h"
#include "eval/metrics/directions.h"
#include "util/rng.h"

static void normals(fl_rng *r, float *x, size_t n, double scale) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(scale * fl_rng_normal(r));
}

static void test_eigen(void) {
    enum { N = 7 };
    fl_rng r;
    fl_rng_seed(&r, 1);
    double A[N * N], A0[N * N], val[N], vec[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j <= i; j++) A[i * N + j] = A[j * N + i] = fl_rng_normal(&r);
    memcpy(A0, A, sizeof A);
    fl_error err;
    fl_status st = fl_sym_eigen(A, N, val, vec, &err);
    double worst = 0, orth = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double rec = 0, id = 0;
            for (int k = 0; k < N; k++) rec += vec[k * N + i] * val[k] * vec[k * N + j], id += vec[i * N + k] * vec[j * N + k];
            worst = fmax(worst, fabs(rec - A0[i * N + j]));
            orth = fmax(orth, fabs(id - (i == j)));
        }
    int sorted = 1;
    for (int i = 1; i < N; i++) sorted &= val[i] <= val[i - 1];
    check(!st && worst < 1e-12 && orth < 1e-12 && sorted,
          "eigen: V^T diag(val) V rebuilds a random symmetric 7x7, V orthonormal, values decreasing",
          "rebuild %.3g orth %.3g", worst, orth);
}

/* K simplex means e_k - 1/K in d >= K dims, scaled by `scale`. */
static void simplex(float *mu, int K, int d, double scale) {
    memset(mu, 0, (size_t)K * d * sizeof *mu);
    for (int k = 0; k < K; k++)
        for (int j = 0; j < K; j++) mu[(size_t)k * d + j] = (float)(scale * ((j == k) - 1.0 / K));
}

static void test_collapsed(void) {
    enum { K = 5, D = 9, PER = 7 };
    float mu[K * D], W[K * D], X[K * PER * D];
    int32_t y[K * PER];
    simplex(mu, K, D, 3.0);
    /* a global offset: the statistics centre on the mean of the class means */
    for (int k = 0; k < K; k++) mu[k * D + D - 1] += 2.0f;
    for (int i = 0; i < K * PER; i++) {
        y[i] = i % K;
        memcpy(X + (size_t)i * D, mu + (size_t)y[i] * D, sizeof(float) * D);
    }
    simplex(W, K, D, 0.5); /* the head's rows: the centred means, another scale */
    fl_nc_stats s;
    fl_error err;
    fl_status st = fl_nc_compute(X, y, K * PER, D, K, W, &s, &err);
    check(!st && s.nc1 < 1e-12 && s.sb_rank == K - 1, "collapse: every vector on its class mean gives NC1 = 0, Sb of rank K-1",
          "st %d nc1 %g rank %d", st, s.nc1, s.sb_rank);
    check(s.norm_cv < 1e-6 && s.cos_std < 1e-6 && fabs(s.cos_mean + 1.0 / (K - 1)) < 1e-6 &&
              fabs(s.cos_simplex + 0.25) < 1e-15,
          "collapse: simplex means are equinorm (CV 0) and equiangular at -1/(K-1)", "cv %g std %g mean %g", s.norm_cv,
          s.cos_std, s.cos_mean);
    check(s.nc3 < 1e-6 && s.nc4 == 1.0, "collapse: a head of the centred means is self-dual (NC3 0) and agrees (NC4 1)",
          "nc3 %g nc4 %g", s.nc3, s.nc4);
    /* a head of random rows is not dual to the means */
    fl_rng r;
    fl_rng_seed(&r, 3);
    normals(&r, W, K * D, 1.0);
    fl_nc_compute(X, y, K * PER, D, K, W, &s, &err);
    check(s.nc3 > 0.5, "collapse: random head rows are far from the means (NC3 > 0.5)", "nc3 %g", s.nc3);
    /* every class mean the same: Sb = 0, and NC1 is undefined, not 0 */
    for (int i = 0; i < K * PER; i++)
        for (int j = 0; j < D; j++) X[(size_t)i * D + j] = (float)((i / K) % 2 ? 1 : -1) * (j == 0);
    st = fl_nc_compute(X, y, K * PER, D, K, W, &s, &err);
    check(!st && s.sb_rank == 0 && isnan(s.nc1), "collapse: coinciding class means give NC1 NaN (undefined), not 0",
          "rank %d nc1 %g", s.sb_rank, s.nc1);
    y[3] = K; /* a label outside the classes */
    st = fl_nc_compute(X, y, K * PER, D, K, W, &s, &err);
    check(st == FL_ERR_ARG && strstr(err.msg, "label 5 of vector 3"), "collapse: a label outside 0..K-1 is named", "%s", err.msg);
}

/* NC1 through the d x d route (Sw, Sb, Sb's pseudo-inverse from its own
 * eigenvectors), for comparison with the K x K Gram route of collapse.c. */
static double nc1_direct(const float *X, const int32_t *y, int n, int d, int K) {
    double *mu = calloc((size_t)K * d, sizeof *mu), *Sw = calloc((size_t)d * d, sizeof *Sw);
    double *Sb = calloc((size_t)d * d, sizeof *Sb), *val = malloc(d * sizeof *val), *vec = malloc((size_t)d * d * sizeof *vec);
    int *cnt = calloc(K, sizeof *cnt);
    for (int i = 0; i < n; i++) {
        cnt[y[i]]++;
        for (int j = 0; j < d; j++) mu[y[i] * d + j] += X[i * d + j];
    }
    for (int k = 0; k < K; k++)
        for (int j = 0; j < d; j++) mu[k * d + j] /= cnt[k];
    for (int i = 0; i < n; i++)
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
                Sw[a * d + b] += (X[i * d + a] - mu[y[i] * d + a]) * (X[i * d + b] - mu[y[i] * d + b]) / n;
    for (int j = 0; j < d; j++) {
        double g = 0;
        for (int k = 0; k < K; k++) g += mu[k * d + j] / K;
        for (int k = 0; k < K; k++) mu[k * d + j] -= g;
    }
    for (int k = 0; k < K; k++)
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++) Sb[a * d + b] += mu[k * d + a] * mu[k * d + b] / K;
    fl_error err;
    fl_sym_eigen(Sb, d, val, vec, &err);
    double tr = 0;
    for (int r = 0; r < d; r++) {
        if (val[r] <= 1e-12 * d * val[0]) continue;
        double q = 0;
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++) q += vec[r * d + a] * Sw[a * d + b] * vec[r * d + b];
        tr += q / val[r];
    }
    free(mu), free(Sw), free(Sb), free(val), free(vec), free(cnt);
    return tr / K;
}

static void test_random_collapse(void) {
    /* x ~ N(0, I_d), labels independent of x, m vectors a class. The class
     * means' scatter M^T M (M: means centred on their mean) is Wishart with K-1
     * degrees of freedom and covariance I/m, whose nonzero eigenvalues are those
     * of a (K-1)-dimensional Wishart with d degrees of freedom, so
     * E Tr((M^T M)^+) = (K-1) m / (d - (K-1) - 1) (the inverse-Wishart mean).
     * Sw is independent of the means (Gaussian scatter about the sample mean)
     * with E Sw = (m-1)/m I. Hence
     *   E NC1 = (1/K) (m-1)/m K E Tr((M^T M)^+) = (m-1)(K-1)/(d-K). */
    enum { K = 5, D = 64, M = 40, N = K * M, R = 60 };
    float *X = malloc(sizeof(float) * N * D), W[K * D];
    int32_t y[N];
    for (int i = 0; i < N; i++) y[i] = i % K;
    fl_rng r;
    fl_rng_seed(&r, 11);
    double sum = 0, sum2 = 0, worst = 0;
    fl_error err;
    for (int t = 0; t < R; t++) {
        normals(&r, X, (size_t)N * D, 1.0);
        normals(&r, W, K * D, 1.0);
        fl_nc_stats s;
        fl_nc_compute(X, y, N, D, K, W, &s, &err);
        sum += s.nc1, sum2 += s.nc1 * s.nc1;
        if (t < 3) worst = fmax(worst, fabs(s.nc1 / nc1_direct(X, y, N, D, K) - 1));
    }
    const double mean = sum / R, se = sqrt((sum2 / R - mean * mean) / (R - 1));
    const double expect = (M - 1.0) * (K - 1) / (D - K);
    check(worst < 1e-9, "collapse: NC1 by the K x K Gram route equals the d x d pseudo-inverse route", "rel %g", worst);
    check(fabs(mean - expect) < 4 * se,
          "collapse: random labels give mean NC1 (m-1)(K-1)/(d-K) = 2.644 within 4 standard errors over 60 draws",
          "mean %.4f se %.4f expected %.4f", mean, se, expect);
    free(X);
}

static void test_cka(void) {
    enum { N = 300, P = 12 };
    fl_rng r;
    fl_rng_seed(&r, 5);
    float *X = malloc(sizeof(float) * N * P), *Y = malloc(sizeof(float) * N * P);
    normals(&r, X, (size_t)N * P, 1.0);
    for (int i = 0; i < N; i++) X[i * P] += 4.0f; /* a mean the centring must remove */
    double c;
    fl_error err;
    fl_cka_linear(X, P, X, P, N, &c, &err);
    check(fabs(c - 1) < 1e-6, "cka: CKA(X, X) = 1", "%.9f", c);
    /* an orthogonal transform (a product of Givens rotations), scaled by 7 */
    memcpy(Y, X, sizeof(float) * N * P);
    for (int a = 0; a < P - 1; a++) {
        double th = 0.3 + a, cs = cos(th), sn = sin(th);
        for (int i = 0; i < N; i++) {
            float u = Y[i * P + a], v = Y[i * P + a + 1];
            Y[i * P + a] = (float)(cs * u - sn * v), Y[i * P + a + 1] = (float)(sn * u + cs * v);
        }
    }
    for (int i = 0; i < N * P; i++) Y[i] *= 7.0f;
    fl_cka_linear(X, P, Y, P, N, &c, &err);
    check(fabs(c - 1) < 1e-5, "cka: invariant to an orthogonal transform and isotropic scaling (CKA 1)", "%.9f", c);
    /* the Gram form <Kx, Ky> / (|Kx| |Ky|), Kx = H X X^T H, written out in double on a small case */
    {
        enum { n = 30, p = 4, q = 3 };
        double Kx[n * n] = {0}, Ky[n * n] = {0}, xy = 0, xx = 0, yy = 0, mx[p] = {0}, my[q] = {0};
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) mx[j] += X[i * P + j] / n;
            for (int j = 0; j < q; j++) my[j] += X[i * P + 5 + j] * X[i * P + 6 + j] / n;
        }
        float xs[n * p], ys[n * q];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) xs[i * p + j] = X[i * P + j];
            for (int j = 0; j < q; j++) ys[i * q + j] = X[i * P + 5 + j] * X[i * P + 6 + j]; /* nonlinear in X */
        }
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < p; j++) Kx[a * n + b] += (xs[a * p + j] - mx[j]) * (xs[b * p + j] - mx[j]);
                for (int j = 0; j < q; j++) Ky[a * n + b] += (ys[a * q + j] - my[j]) * (ys[b * q + j] - my[j]);
            }
        for (int i = 0; i < n * n; i++) xy += Kx[i] * Ky[i], xx += Kx[i] * Kx[i], yy += Ky[i] * Ky[i];
        double g = xy / sqrt(xx * yy), fcka;
        fl_cka_linear(xs, p, ys, q, n, &fcka, &err);
        check(fabs(g - fcka) < 1e-5 && g > 0.01, "cka: the feature-space form equals the centred-Gram form",
              "gram %.7f features %.7f", g, fcka);
    }
    /* an anisotropic scaling is not a similarity: CKA drops below 1 */
    for (int i = 0; i < N; i++) X[i * P + 1] *= 10.0f;
    double c2;
    fl_cka_linear(X, P, Y, P, N, &c2, &err);
    check(c2 < 0.9, "cka: stretching one axis by 10 lowers CKA below 0.9", "%.6f", c2);
    /* Independent X, Y [n, p] of i.i.d. N(0,1): each entry of Yc^T Xc sums n-1
     * independent products, so E|Yc^T Xc|^2 = (n-1) p^2, while |Xc^T Xc|^2 has p
     * diagonal entries ~ (n-1)^2 and p(p-1) off-diagonal ones of variance n-1:
     * (n-1) p (n-1+p-1). To first order CKA ~ p / (n+p-2); at n = 300, p = 12
     * that is 0.0387 (a simulation of 400 draws per size gave 0.0246 for 0.0245
     * at n=400, p=10, and 0.0386 for 0.0386 at n=500, p=20). */
    enum { R = 60 };
    double sum = 0, sum2 = 0;
    for (int t = 0; t < R; t++) {
        normals(&r, X, (size_t)N * P, 1.0);
        normals(&r, Y, (size_t)N * P, 1.0);
        fl_cka_linear(X, P, Y, P, N, &c, &err);
        sum += c, sum2 += c * c;
    }
    const double mean = sum / R, se = sqrt((sum2 / R - mean * mean) / (R - 1)), expect = (double)P / (N + P - 2);
    check(fabs(mean - expect) < 4 * se, "cka: independent features give mean CKA p/(n+p-2) = 0.0387 within 4 standard errors",
          "mean %.5f se %.5f expected %.5f", mean, se, expect);
    free(X), free(Y);
}

static void test_planted(void) {
    /* h = a u + small noise with a ~ N(0, 9); the head's rows 3, 17 and 42 are
     * u plus noise with growing weight, the others noise: the first principal
     * direction is u and its top rows are 42, 17, 3 in that order. */
    enum { N = 500, D = 16, V = 60 };
    fl_rng r;
    fl_rng_seed(&r, 9);
    float u[D], *X = malloc(sizeof(float) * N * D), *W = malloc(sizeof(float) * V * D), dirs[2 * D];
    double norm = 0;
    normals(&r, u, D, 1.0);
    for (int j = 0; j < D; j++) norm += u[j] * u[j];
    for (int j = 0; j < D; j++) u[j] /= (float)sqrt(norm);
    for (int i = 0; i < N; i++) {
        double a = 3 * fl_rng_normal(&r);
        for (int j = 0; j < D; j++) X[i * D + j] = (float)(a * u[j] + 0.1 * fl_rng_normal(&r));
    }
    normals(&r, W, (size_t)V * D, 0.1);
    const int planted[3] = {42, 17, 3};
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < D; j++) W[planted[k] * D + j] += (float)((3 - k) * u[j]);
    double var[2];
    fl_error err;
    fl_status st = fl_principal_directions(X, N, D, 2, dirs, var, &err);
    double align = 0;
    for (int j = 0; j < D; j++) align += dirs[j] * u[j];
    int32_t top[3];
    float score[3];
    float sgn[D];
    for (int j = 0; j < D; j++) sgn[j] = align < 0 ? -dirs[j] : dirs[j];
    fl_top_rows(W, V, D, D, sgn, 3, top, score);
    check(!st && fabs(fabs(align) - 1) < 1e-3 && var[0] > 100 * var[1],
          "neurons: the first principal direction is the planted one, its variance far above the next",
          "st %d |cos| %.6f var %g %g", st, fabs(align), var[0], var[1]);
    check(top[0] == 42 && top[1] == 17 && top[2] == 3 && score[0] > score[1] && score[1] > score[2],
          "neurons: the planted direction decodes to the planted rows 42, 17, 3 in order", "%d %d %d", top[0], top[1],
          top[2]);
    free(X), free(W);
}

/* `--dump DIR`: a clustered case with unequal classes, written to DIR/case.bin
 * (int32 n, d, K, q; float32 X [n, d]; int32 y [n]; float32 W [K, d]; float32
 * Y [n, q]), and this code's NC statistics and CKA(X, Y) printed, for
 * tests/reference/toplayer_reference.py to recompute (test_toplayer_reference.sh). */
static int dump(const char *dir) {
    enum { N = 300, D = 20, K = 6, Q = 7 };
    static float X[N * D], W[K * D], Y[N * Q], mu[K * D];
    int32_t y[N];
    fl_rng r;
    fl_rng_seed(&r, 77);
    normals(&r, mu, K * D, 2.0);
    normals(&r, W, K * D, 1.0);
    for (int i = 0; i < N; i++) {
        y[i] = i % 10 < 4 ? 0 : i % K; /* class 0 over-represented */
        for (int j = 0; j < D; j++) X[i * D + j] = mu[y[i] * D + j] + (float)fl_rng_normal(&r);
        for (int j = 0; j < Q; j++) Y[i * Q + j] = tanhf(X[i * D + j] * X[i * D + j + 1] * 0.3f) + 0.5f * (float)fl_rng_normal(&r);
    }
    for (int k = 0; k < K; k++)
        for (int j = 0; j < D; j++) W[k * D + j] += mu[k * D + j]; /* a head leaning towards the means */
    char path[1024];
    snprintf(path, sizeof path, "%s/case.bin", dir);
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    const int32_t hdr[4] = {N, D, K, Q};
    fwrite(hdr, sizeof hdr, 1, f), fwrite(X, sizeof X, 1, f), fwrite(y, sizeof y, 1, f);
    fwrite(W, sizeof W, 1, f), fwrite(Y, sizeof Y, 1, f);
    fclose(f);
    fl_nc_stats s;
    fl_error err;
    double cka;
    if (fl_nc_compute(X, y, N, D, K, W, &s, &err) || fl_cka_linear(X, D, Y, Q, N, &cka, &err)) return 1;
    printf("%.10g %.10g %.10g %.10g %.10g %.10g %.10g\n", s.nc1, s.norm_cv, s.cos_mean, s.cos_std, s.nc3, s.nc4, cka);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--dump")) return dump(argv[2]);
    test_eigen();
    test_collapsed();
    test_random_collapse();
    test_cka();
    test_planted();
    return check_exit();
}
