/* The blocked attention kernel against a plain double-precision reference, on
 * shapes chosen to cross every block edge of the kernel: head sizes that are
 * and are not multiples of the vector width (1, 3, 16, 17, 48, 64, 65) and one
 * too large for its stack budget (400, the per-pair fallback); sequence
 * lengths around the query and key block sizes (1, 5, 31, 33, 70, 130);
 * causal self-attention with the model's qkv strides and cross-attention with
 * Sq != Sk. Forward output and lse, and dq, dk, dv, must agree within 1e-5 of
 * max|ref| (float rounding over sums of at most ~400 terms; a wrong mask, a
 * missed block or a bad rescale is off by far more). The backward must add
 * into its gradient buffers, and results must be bit-identical at 1 and 2
 * threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "check.h"
#include "kernels/kernels.h"
#include "util/rng.h"

#define TOL 1e-5

static fl_rng rng;

static float *randn(size_t n) {
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = (float)fl_rng_normal(&rng);
    return p;
}

/* out, lse and (with dout) dq, dk, dv in double, straight from the definitions. */
static void reference(const attention_shape *sh, const float *q, const float *k, const float *v, const float *dout,
                      double *out, double *lse, double *dq, double *dk, double *dv) {
    const int R = sh->R, Sq = sh->Sq, Sk = sh->Sk, H = sh->H, hs = sh->hs, C = H * hs;
    const double scale = 1.0 / sqrt((double)hs);
    double *p = malloc((size_t)Sk * sizeof *p), *dp = malloc((size_t)Sk * sizeof *dp);
    for (int r = 0; r < R; r++)
        for (int h = 0; h < H; h++)
            for (int i = 0; i < Sq; i++) {
                const float *qi = q + ((size_t)r * Sq + i) * sh->q_stride + h * hs;
                int n = sh->causal ? i + 1 : Sk;
                double mx = -INFINITY, sum = 0;
                for (int j = 0; j < n; j++) {
                    const float *kj = k + ((size_t)r * Sk + j) * sh->kv_stride + h * hs;
                    double s = 0;
                    for (int d = 0; d < hs; d++) s += (double)qi[d] * kj[d];
                    p[j] = s * scale;
                    if (p[j] > mx) mx = p[j];
                }
                for (int j = 0; j < n; j++) sum += (p[j] = exp(p[j] - mx));
                for (int j = 0; j < n; j++) p[j] /= sum;
                lse[((size_t)r * H + h) * Sq + i] = mx + log(sum);
                double *o = out + ((size_t)r * Sq + i) * C + h * hs;
                for (int d = 0; d < hs; d++) {
                    double acc = 0;
                    for (int j = 0; j < n; j++) acc += p[j] * v[((size_t)r * Sk + j) * sh->kv_stride + h * hs + d];
                    o[d] = acc;
                }
                const float *g = dout + ((size_t)r * Sq + i) * C + h * hs;
                double D = 0;
                for (int d = 0; d < hs; d++) D += g[d] * o[d];
                for (int j = 0; j < n; j++) {
                    size_t kr = ((size_t)r * Sk + j) * sh->kv_stride + h * hs;
                    double s = 0;
                    for (int d = 0; d < hs; d++) s += (double)g[d] * v[kr + d];
                    dp[j] = p[j] * (s - D) * scale;
                    for (int d = 0; d < hs; d++) {
                        dv[kr + d] += p[j] * g[d];
                        dk[kr + d] += dp[j] * qi[d];
                        dq[((size_t)r * Sq + i) * sh->q_stride + h * hs + d] += dp[j] * k[kr + d];
                    }
                }
            }
    free(p);
    free(dp);
}

/* max |a - ref| / max |ref| */
static double rel_err(const float *a, const double *ref, size_t n) {
    double m = 0, e = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(ref[i]) > m) m = fabs(ref[i]);
        if (fabs(a[i] - ref[i]) > e) e = fabs(a[i] - ref[i]);
    }
    return e / (m > 0 ? m : 1);
}

static void run(float *out, float *lse, float *dq, float *dkv, const float *q, const float *kv, const float *dout,
                const attention_shape *sh, size_t nq, size_t nkv) {
    const int C = sh->H * sh->hs;
    const float *k = sh->causal ? q + C : kv, *v = sh->causal ? q + 2 * C : kv + C;
    float *dk = sh->causal ? dq + C : dkv, *dv = sh->causal ? dq + 2 * C : dkv + C;
    for (size_t i = 0; i < nq; i++) dq[i] = 0.25f; /* the backward must add to what is there */
    for (size_t i = 0; i < nkv; i++) dkv[i] = 0.25f;
    fli_attention_forward(out, lse, q, k, v, sh);
    fli_attention_backward(dq, dk, dv, dout, out, lse, q, k, v, sh);
}

static void one(int R, int Sq, int Sk, int H, int hs, int causal) {
    const int C = H * hs;
    attention_shape sh = {R, Sq, Sk, H, hs, causal ? 3 * C : C, causal ? 3 * C : 2 * C, causal};
    size_t nq = (size_t)R * Sq * sh.q_stride, nkv = causal ? 1 : (size_t)R * Sk * sh.kv_stride;
    size_t no = (size_t)R * Sq * C, nl = (size_t)R * H * Sq;
    float *q = randn(nq), *kv = randn(nkv), *dout = randn(no);
    float *out = malloc(no * sizeof *out), *lse = malloc(nl * sizeof *lse);
    float *dq = malloc(nq * sizeof *dq), *dkv = malloc(nkv * sizeof *dkv);
    double *rout = calloc(no, sizeof *rout), *rlse = calloc(nl, sizeof *rlse);
    double *rdq = malloc(nq * sizeof *rdq), *rdkv = malloc(nkv * sizeof *rdkv);
    for (size_t i = 0; i < nq; i++) rdq[i] = 0.25;
    for (size_t i = 0; i < nkv; i++) rdkv[i] = 0.25;
    const float *k = causal ? q + C : kv, *v = causal ? q + 2 * C : kv + C;
    double *rdk = causal ? rdq + C : rdkv, *rdv = causal ? rdq + 2 * C : rdkv + C;
    reference(&sh, q, k, v, dout, rout, rlse, rdq, rdk, rdv);
    run(out, lse, dq, dkv, q, kv, dout, &sh, nq, nkv);

    char name[160];
    snprintf(name, sizeof name, "attention %s R=%d Sq=%d Sk=%d H=%d hs=%d: out, lse, dq, dk, dv match the reference",
             causal ? "causal" : "cross", R, Sq, Sk, H, hs);
    double e_out = rel_err(out, rout, no), e_lse = rel_err(lse, rlse, nl);
    double e_dq = rel_err(dq, rdq, nq), e_dkv = causal ? 0 : rel_err(dkv, rdkv, nkv);
    check(e_out < TOL && e_lse < TOL && e_dq < TOL && e_dkv < TOL, name, "rel err out %.2g lse %.2g dq %.2g dkv %.2g",
          e_out, e_lse, e_dq, e_dkv);
#ifdef _OPENMP
    int saved = omp_get_max_threads();
    float *out2 = malloc(no * sizeof *out2), *lse2 = malloc(nl * sizeof *lse2);
    float *dq2 = malloc(nq * sizeof *dq2), *dkv2 = malloc(nkv * sizeof *dkv2);
    omp_set_num_threads(1);
    run(out, lse, dq, dkv, q, kv, dout, &sh, nq, nkv);
    omp_set_num_threads(2);
    run(out2, lse2, dq2, dkv2, q, kv, dout, &sh, nq, nkv);
    omp_set_num_threads(saved);
    snprintf(name, sizeof name, "attention %s R=%d Sq=%d Sk=%d H=%d hs=%d: 1 and 2 threads bit-identical",
             causal ? "causal" : "cross", R, Sq, Sk, H, hs);
    check(!memcmp(out, out2, no * sizeof *out) && !memcmp(lse, lse2, nl * sizeof *lse) &&
              !memcmp(dq, dq2, nq * sizeof *dq) && !memcmp(dkv, dkv2, nkv * sizeof *dkv),
          name, "results differ");
    free(out2), free(lse2), free(dq2), free(dkv2);
#endif
    free(q), free(kv), free(dout), free(out), free(lse), free(dq), free(dkv);
    free(rout), free(rlse), free(rdq), free(rdkv);
}

int main(void) {
    fl_rng_seed(&rng, 7);
    static const int head_sizes[] = {1, 3, 16, 17, 48, 64, 65, 400};
    for (size_t i = 0; i < sizeof head_sizes / sizeof *head_sizes; i++) {
        int hs = head_sizes[i];
        one(2, 33, 33, 2, hs, 1);
        one(2, 5, 70, 2, hs, 0);
    }
    static const int lengths[] = {1, 5, 31, 70, 130};
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
        one(3, lengths[i], lengths[i], 3, 64, 1);
        one(3, lengths[i], 9, 3, 48, 0);
        one(2, 8, lengths[i], 3, 32, 0);
    }
    return check_exit();
}
