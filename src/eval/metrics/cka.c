/* Linear CKA (cka.h). The Gram form costs n^2 d a representation and n^2 a
 * pair, against p q n a pair in feature space: the measure compares every
 * layer of one model with every layer of another, (L+1)^2 pairs of d = C, so
 * it forms each layer's Gram once and pairs them cheaply. */
#include <math.h>
#include <stdlib.h>

#include "eval/metrics/cka.h"
#include "kernels/gemm.h"
#include "util/error.h"

fl_status fl_cka_gram(const float *X, int n, int d, float *K, fl_error *err) {
    float *Xc = malloc((size_t)n * d * sizeof *Xc);
    if (!Xc) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (int j = 0; j < d; j++) {
        double mean = 0;
        for (int i = 0; i < n; i++) mean += X[(size_t)i * d + j];
        mean /= n;
        for (int i = 0; i < n; i++) Xc[(size_t)i * d + j] = (float)(X[(size_t)i * d + j] - mean);
    }
    fl_sgemm(0, 1, n, n, d, Xc, d, Xc, d, 0.0f, K, n); /* K = Xc Xc^T */
    free(Xc);
    return FL_OK;
}

double fl_cka_from_grams(const float *Kx, const float *Ky, int n) {
    double xy = 0, xx = 0, yy = 0;
    for (size_t i = 0; i < (size_t)n * n; i++) {
        xy += (double)Kx[i] * Ky[i];
        xx += (double)Kx[i] * Kx[i];
        yy += (double)Ky[i] * Ky[i];
    }
    return xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : 0;
}

fl_status fl_cka_linear(const float *X, int p, const float *Y, int q, int n, double *cka, fl_error *err) {
    float *Kx = malloc((size_t)n * n * sizeof *Kx), *Ky = malloc((size_t)n * n * sizeof *Ky);
    fl_status st = !Kx || !Ky ? fl_fail(err, FL_ERR_NOMEM, "out of memory") : FL_OK;
    if (!st) st = fl_cka_gram(X, n, p, Kx, err);
    if (!st) st = fl_cka_gram(Y, n, q, Ky, err);
    if (!st) *cka = fl_cka_from_grams(Kx, Ky, n);
    free(Kx), free(Ky);
    return st;
}
