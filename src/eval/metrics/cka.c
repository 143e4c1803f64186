/* Linear CKA (cka.h) in feature space: |Yc^T Xc|_F^2 costs n p q a pair and
 * keeps n x d floats a representation, where the Gram form keeps n x n; the
 * measure compares every layer of one model with every layer of another on
 * thousands of positions (the floor p/(n+p-2) of docs/evaluation.md falls
 * with n), so memory linear in n is the one that scales. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics/cka.h"
#include "kernels/gemm.h"
#include "util/error.h"

void fl_cka_centre(float *X, int n, int d) {
    for (int j = 0; j < d; j++) {
        double mean = 0;
        for (int i = 0; i < n; i++) mean += X[(size_t)i * d + j];
        mean /= n;
        for (int i = 0; i < n; i++) X[(size_t)i * d + j] = (float)(X[(size_t)i * d + j] - mean);
    }
}

double fl_cka_cross(const float *Xc, int p, const float *Yc, int q, int n, float *scratch) {
    fl_sgemm(1, 0, p, q, n, Xc, p, Yc, q, 0.0f, scratch, q); /* Xc^T Yc [p, q] */
    double s = 0;
    for (size_t i = 0; i < (size_t)p * q; i++) s += (double)scratch[i] * scratch[i];
    return s;
}

fl_status fl_cka_linear(const float *X, int p, const float *Y, int q, int n, double *cka, fl_error *err) {
    const int big = p > q ? p : q;
    float *Xc = malloc((size_t)n * p * sizeof *Xc), *Yc = malloc((size_t)n * q * sizeof *Yc);
    float *scratch = malloc((size_t)big * big * sizeof *scratch);
    if (!Xc || !Yc || !scratch) {
        free(Xc), free(Yc), free(scratch);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    memcpy(Xc, X, (size_t)n * p * sizeof *Xc);
    memcpy(Yc, Y, (size_t)n * q * sizeof *Yc);
    fl_cka_centre(Xc, n, p);
    fl_cka_centre(Yc, n, q);
    const double xy = fl_cka_cross(Xc, p, Yc, q, n, scratch), xx = fl_cka_cross(Xc, p, Xc, p, n, scratch),
                 yy = fl_cka_cross(Yc, q, Yc, q, n, scratch);
    *cka = xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : 0;
    free(Xc), free(Yc), free(scratch);
    return FL_OK;
}
