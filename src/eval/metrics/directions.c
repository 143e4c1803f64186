/* The symmetric eigenproblem, principal directions and top rows of a
 * direction (directions.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics/directions.h"
#include "util/error.h"

/* One Jacobi rotation zeroing A[p][q] (Golub & Van Loan, Matrix Computations,
 * 8.5: the symmetric Schur decomposition), applied to A from both sides and to
 * the eigenvector rows V. */
static void rotate(double *A, double *V, int n, int p, int q) {
    const double apq = A[(size_t)p * n + q];
    if (apq == 0) return;
    const double tau = (A[(size_t)q * n + q] - A[(size_t)p * n + p]) / (2 * apq);
    const double t = (tau >= 0 ? 1 : -1) / (fabs(tau) + sqrt(1 + tau * tau));
    const double c = 1 / sqrt(1 + t * t), s = t * c;
    for (int k = 0; k < n; k++) { /* columns p, q */
        double akp = A[(size_t)k * n + p], akq = A[(size_t)k * n + q];
        A[(size_t)k * n + p] = c * akp - s * akq;
        A[(size_t)k * n + q] = s * akp + c * akq;
    }
    for (int k = 0; k < n; k++) { /* rows p, q */
        double apk = A[(size_t)p * n + k], aqk = A[(size_t)q * n + k];
        A[(size_t)p * n + k] = c * apk - s * aqk;
        A[(size_t)q * n + k] = s * apk + c * aqk;
    }
    A[(size_t)p * n + q] = A[(size_t)q * n + p] = 0; /* exactly, not to rounding */
    for (int k = 0; k < n; k++) {
        double vp = V[(size_t)p * n + k], vq = V[(size_t)q * n + k];
        V[(size_t)p * n + k] = c * vp - s * vq;
        V[(size_t)q * n + k] = s * vp + c * vq;
    }
}

fl_status fl_sym_eigen(double *A, int n, double *val, double *vec, fl_error *err) {
    int *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    double *V = malloc((size_t)(n > 0 ? n : 1) * n * sizeof *V);
    if (!order || !V) {
        free(order), free(V);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < (size_t)n * n; i++) V[i] = 0;
    for (int i = 0; i < n; i++) V[(size_t)i * n + i] = 1;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, total = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double a2 = A[(size_t)i * n + j] * A[(size_t)i * n + j];
                total += a2;
                if (i != j) off += a2;
            }
        if (off <= 1e-22 * total || total == 0) break;
        for (int p = 0; p < n - 1; p++)
            for (int q = p + 1; q < n; q++) rotate(A, V, n, p, q);
    }
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++) { /* insertion sort by eigenvalue, decreasing (stable) */
        int o = order[i], j = i;
        for (; j > 0 && A[(size_t)order[j - 1] * n + order[j - 1]] < A[(size_t)o * n + o]; j--) order[j] = order[j - 1];
        order[j] = o;
    }
    for (int i = 0; i < n; i++) {
        val[i] = A[(size_t)order[i] * n + order[i]];
        memcpy(vec + (size_t)i * n, V + (size_t)order[i] * n, (size_t)n * sizeof *vec);
    }
    free(order);
    free(V);
    return FL_OK;
}

fl_status fl_principal_directions(const float *X, long n, int d, int k, float *dirs, double *var, fl_error *err) {
    if (n < 1 || k < 1 || k > d) return fl_fail(err, FL_ERR_ARG, "principal directions: need n >= 1 and 1 <= k <= d");
    double *mean = calloc((size_t)d, sizeof *mean), *S = calloc((size_t)d * d, sizeof *S);
    double *val = malloc((size_t)d * sizeof *val), *vec = malloc((size_t)d * d * sizeof *vec);
    double *row = malloc((size_t)d * sizeof *row);
    fl_status st = FL_OK;
    if (!mean || !S || !val || !vec || !row) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (long i = 0; i < n && !st; i++)
        for (int j = 0; j < d; j++) mean[j] += X[(size_t)i * d + j];
    for (int j = 0; j < d && !st; j++) mean[j] /= (double)n;
    for (long i = 0; i < n && !st; i++) {
        for (int j = 0; j < d; j++) row[j] = X[(size_t)i * d + j] - mean[j];
        for (int a = 0; a < d; a++) /* upper triangle; mirrored below */
            for (int b = a; b < d; b++) S[(size_t)a * d + b] += row[a] * row[b];
    }
    for (int a = 0; a < d && !st; a++)
        for (int b = a; b < d; b++) S[(size_t)b * d + a] = S[(size_t)a * d + b] /= (double)n;
    if (!st) st = fl_sym_eigen(S, d, val, vec, err);
    for (int i = 0; i < k && !st; i++) {
        const double *v = vec + (size_t)i * d;
        int big = 0;
        for (int j = 1; j < d; j++)
            if (fabs(v[j]) > fabs(v[big])) big = j;
        const double sign = v[big] < 0 ? -1 : 1;
        for (int j = 0; j < d; j++) dirs[(size_t)i * d + j] = (float)(sign * v[j]);
        var[i] = val[i];
    }
    free(mean), free(S), free(val), free(vec), free(row);
    return st;
}

void fl_top_rows(const float *W, int rows, int d, int ld, const float *u, int k, int32_t *top, float *score) {
    int have = 0;
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int j = 0; j < d; j++) s += (double)W[(size_t)r * ld + j] * u[j];
        const float sf = (float)s;
        if (have == k && sf <= score[k - 1]) continue; /* not better than the worst kept (ties: lower index stays) */
        int i = have < k ? have++ : k - 1;
        for (; i > 0 && score[i - 1] < sf; i--) top[i] = top[i - 1], score[i] = score[i - 1];
        top[i] = r, score[i] = sf;
    }
}
