/* The fused elementwise work of the training step against the separate passes
 * it replaces, bit for bit:
 *   - the SGEMM epilogue (bias; residual; bias + GELU into aux; GELU' from aux), for
 *     every kernel the CPU has, over shapes around every tile and K-block edge,
 *     beta 0 and 1, padded leading dimensions, against the plain product
 *     followed by the bias loop and fli_gelu_forward / fli_gelu_backward;
 *   - the fused linear layers (fli_linear_gelu_forward, fli_linear_backward_gelu)
 *     against fli_linear_forward + fli_gelu_forward and fli_linear_backward +
 *     fli_gelu_backward, at an MLP-like shape, and bit-identical at 1 and 2 threads;
 *   - fli_crossentropy_fused against fli_crossentropy_forward + _backward.
 * Equality is exact (==, so only the sign of a zero may differ): every fused
 * element gets the same operations in the same order as the passes do
 * (gelu_math.h), so any difference is a bug, not rounding. The product itself
 * is checked against a double-precision reference by test_gemm.c. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels/gemm.h"
#include "kernels/kernels.h"

#if !defined(FL_BLAS_OPENBLAS) && !defined(FL_BLAS_BLIS)
#define TEST_KERNELS 1
#include "kernels/sgemm_kernels.h"
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

static int kernel = -1; /* -1: fl_sgemm_ex itself */

static void gemm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
                 float *C, int ldc, const fl_sgemm_epilogue *epi) {
#ifdef TEST_KERNELS
    if (kernel >= 0) {
        fl_sgemm_kernel_ex(kernel, ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc, epi);
        return;
    }
#endif
    fl_sgemm_ex(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc, epi);
}

static const char *kernel_name(void) {
#ifdef TEST_KERNELS
    if (kernel >= 0) return fl_sgemm_kernel_name(kernel);
#endif
    return fl_sgemm_backend();
}

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static float frand(void) { /* uniform in [-2, 2): GELU's curved part */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((double)(rng_state >> 40) / (double)(1u << 24) * 4.0 - 2.0);
}
static float *rand_buf(size_t n) {
    float *p = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = frand();
    return p;
}

/* First element where a and b differ, or -1: equal values, or the same bits
 * (the NaNs that beta 0 must leave in C's padding). */
static long first_diff(const float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!(a[i] == b[i]) && memcmp(&a[i], &b[i], sizeof *a)) return (long)i;
    return -1;
}

/* One shape and epilogue: fused vs the product then the passes. Returns 1 when equal. */
static int run_case(int ta, int tb, int M, int N, int K, int pad, float beta, int op, int with_bias, int with_res,
                    char *why, size_t len) {
    int lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad + 1, ldc = N + pad, ldx = N + 2 * pad;
    if (lda < 1) lda = 1;
    float *A = rand_buf((size_t)(ta ? K : M) * lda), *B = rand_buf((size_t)(tb ? N : K) * ldb);
    float *bias = rand_buf((size_t)N), *C0 = rand_buf((size_t)M * ldc), *X0 = rand_buf((size_t)M * ldx);
    float *res = rand_buf((size_t)M * ldx);
    float *C1 = malloc((size_t)M * ldc * sizeof(float)), *C2 = malloc((size_t)M * ldc * sizeof(float));
    float *X1 = malloc((size_t)M * ldx * sizeof(float)), *X2 = malloc((size_t)M * ldx * sizeof(float));
    if (beta == 0.0f)
        for (size_t i = 0; i < (size_t)M * ldc; i++) C0[i] = NAN;
    memcpy(C1, C0, (size_t)M * ldc * sizeof(float));
    memcpy(C2, C0, (size_t)M * ldc * sizeof(float));
    memcpy(X1, X0, (size_t)M * ldx * sizeof(float));
    memcpy(X2, X0, (size_t)M * ldx * sizeof(float));

    fl_sgemm_epilogue epi = {.bias = with_bias ? bias : NULL, .residual = with_res ? res : NULL, .ldres = ldx,
                             .op = op, .aux = X1, .ldaux = ldx};
    gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C1, ldc, &epi);

    gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C2, ldc, NULL);
    for (int i = 0; i < M; i++) {
        float *c = C2 + (size_t)i * ldc, *x = X2 + (size_t)i * ldx;
        if (with_bias)
            for (int j = 0; j < N; j++) c[j] += bias[j];
        if (with_res) /* the block's residual add: fli_residual_forward(out, res, out) */
            fli_residual_forward(c, res + (size_t)i * ldx, c, (size_t)N);
        if (op == FL_EPI_GELU) fli_gelu_forward(x, c, (size_t)N);
        if (op == FL_EPI_GELU_GRAD) { /* the pass adds into a zeroed gradient */
            float *d = malloc((size_t)N * sizeof(float));
            memset(d, 0, (size_t)N * sizeof(float));
            fli_gelu_backward(d, x, c, (size_t)N);
            memcpy(c, d, (size_t)N * sizeof(float));
            free(d);
        }
    }
    long dc = first_diff(C1, C2, (size_t)M * ldc), dx = first_diff(X1, X2, (size_t)M * ldx);
    if (dc >= 0) /* padding columns included: they must keep C0's bits */
        snprintf(why, len, "C[%ld,%ld] fused %.9g, passes %.9g", dc / ldc, dc % ldc, C1[dc], C2[dc]);
    else if (dx >= 0)
        snprintf(why, len, "aux[%ld,%ld] fused %.9g, passes %.9g", dx / ldx, dx % ldx, X1[dx], X2[dx]);
    free(A), free(B), free(bias), free(res), free(C0), free(C1), free(C2), free(X0), free(X1), free(X2);
    return dc < 0 && dx < 0;
}

static void test_epilogue_shapes(void) {
    /* around the tiles (MR 4/6/12, NR 16/32), MC 96, and one, two or three K blocks */
    static const int ms[] = {1, 13, 97, 200};
    static const int ns[] = {1, 17, 33, 130};
    static const int ks[] = {0, 1, 257, 1030};
    static const char *ops[] = {"bias", "bias+gelu", "gelu", "gelu'", "bias+residual", "residual+gelu'"};
    for (int o = 0; o < 6; o++) {
        int op = o == 1 || o == 2 ? FL_EPI_GELU : o == 3 || o == 5 ? FL_EPI_GELU_GRAD : FL_EPI_NONE;
        int with_bias = o < 2 || o == 4, with_res = o >= 4;
        int fails = 0, cases = 0;
        char first[400] = "", why[256];
        for (int t = 0; t < 3; t++) { /* the layer's three products: (0,1), (0,0), (1,0) */
            int ta = t == 2, tb = t == 0;
            for (int bi = 0; bi < 2; bi++)
                for (size_t mi = 0; mi < sizeof ms / sizeof *ms; mi++)
                    for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
                        for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++) {
                            int M = ms[mi], N = ns[ni], K = ks[ki], pad = (int)((mi + ni + ki) % 3) * 3;
                            cases++;
                            if (!run_case(ta, tb, M, N, K, pad, (float)bi, op, with_bias, with_res, why,
                                          sizeof why)) {
                                if (!fails)
                                    snprintf(first, sizeof first, "ta=%d tb=%d M=%d N=%d K=%d beta=%d: %s", ta, tb, M,
                                             N, K, bi, why);
                                fails++;
                            }
                        }
        }
        char name[160];
        snprintf(name, sizeof name, "%s epilogue %s == product then passes, %d shapes", kernel_name(), ops[o], cases);
        check(fails == 0, name, "%d of %d differ, first: %s", fails, cases, first);
    }
}

static void set_threads(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* The MLP's fused layers against the unfused sequence, at 1 and 2 threads. */
static void test_fused_mlp(void) {
    const int N = 300, C = 96, H = 4 * C; /* rows, width, hidden */
    float *x = rand_buf((size_t)N * C), *w = rand_buf((size_t)H * C), *b = rand_buf(H);
    float *pre1 = malloc((size_t)N * H * 4), *act1 = malloc((size_t)N * H * 4);
    float *pre2 = malloc((size_t)N * H * 4), *act2 = malloc((size_t)N * H * 4);
    float *pre3 = malloc((size_t)N * H * 4), *act3 = malloc((size_t)N * H * 4);
    fli_linear_forward(pre2, x, w, b, N, C, H);
    fli_gelu_forward(act2, pre2, (size_t)N * H);
    set_threads(1);
    fli_linear_gelu_forward(pre1, act1, x, w, b, N, C, H);
    set_threads(2);
    fli_linear_gelu_forward(pre3, act3, x, w, b, N, C, H);
    check(first_diff(pre1, pre2, (size_t)N * H) < 0 && first_diff(act1, act2, (size_t)N * H) < 0,
          "fli_linear_gelu_forward == fli_linear_forward + fli_gelu_forward", "differs");
    check(!memcmp(pre1, pre3, (size_t)N * H * 4) && !memcmp(act1, act3, (size_t)N * H * 4),
          "fli_linear_gelu_forward bit-identical at 1 and 2 threads", "differs");

    /* backward of out = linear(gelu(pre)) with weight wp [C, H] */
    float *wp = rand_buf((size_t)C * H), *dout = rand_buf((size_t)N * C);
    float *dpre[3], *dw[3], *db[3];
    for (int r = 0; r < 3; r++) {
        dpre[r] = calloc((size_t)N * H, 4);
        dw[r] = rand_buf((size_t)C * H);
        db[r] = rand_buf(C);
        if (r) memcpy(dw[r], dw[0], (size_t)C * H * 4), memcpy(db[r], db[0], (size_t)C * 4);
    }
    float *dact = calloc((size_t)N * H, 4);
    fli_linear_backward(dact, dw[0], db[0], dout, act1, wp, N, H, C);
    fli_gelu_backward(dpre[0], pre1, dact, (size_t)N * H);
    for (int r = 1; r < 3; r++) {
        set_threads(r);
        fli_linear_backward_gelu(dpre[r], dw[r], db[r], dout, act1, wp, pre1, N, H, C);
    }
    check(first_diff(dpre[0], dpre[1], (size_t)N * H) < 0 && !memcmp(dw[0], dw[1], (size_t)C * H * 4) &&
              !memcmp(db[0], db[1], (size_t)C * 4),
          "fli_linear_backward_gelu == fli_linear_backward + fli_gelu_backward", "differs");
    check(!memcmp(dpre[1], dpre[2], (size_t)N * H * 4) && !memcmp(dw[1], dw[2], (size_t)C * H * 4),
          "fli_linear_backward_gelu bit-identical at 1 and 2 threads", "differs");
    free(x), free(w), free(b), free(pre1), free(act1), free(pre2), free(act2), free(pre3), free(act3);
    free(wp), free(dout), free(dact);
    for (int r = 0; r < 3; r++) free(dpre[r]), free(dw[r]), free(db[r]);
}

static void test_crossentropy_fused(void) {
    const int N = 37, V = 1000, Vp = 1024;
    float *logits = rand_buf((size_t)N * Vp), *fused = malloc((size_t)N * Vp * 4), *grad = malloc((size_t)N * Vp * 4);
    float *weight = rand_buf(N), loss1[37], loss2[37];
    int32_t targets[37];
    for (int n = 0; n < N; n++) {
        targets[n] = (int32_t)((n * 7919) % V);
        for (int v = 0; v < V; v++) logits[(size_t)n * Vp + v] *= 4.0f; /* a spread like a trained head's */
    }
    memcpy(fused, logits, (size_t)N * Vp * 4);
    fli_crossentropy_forward(loss2, logits, targets, N, V, Vp);
    fli_crossentropy_backward(grad, logits, targets, weight, N, V, Vp);
    fli_crossentropy_fused(loss1, fused, targets, weight, N, V, Vp);
    long dl = first_diff(loss1, loss2, N);
    check(dl < 0 && !memcmp(loss1, loss2, sizeof loss1), "fli_crossentropy_fused loss == fli_crossentropy_forward's",
          "row %ld: %.9g vs %.9g", dl, loss1[dl < 0 ? 0 : dl], loss2[dl < 0 ? 0 : dl]);
    check(first_diff(fused, grad, (size_t)N * Vp) < 0, "fli_crossentropy_fused dlogits == fli_crossentropy_backward's",
          "element %ld differs", first_diff(fused, grad, (size_t)N * Vp));
    free(logits), free(fused), free(grad), free(weight);
}

int main(void) {
    printf("# sgemm backend: %s\n", fl_sgemm_backend());
    test_epilogue_shapes();
#ifdef TEST_KERNELS
    for (int id = 0; id < FL_SGEMM_N_KERNELS; id++) {
        if (!fl_sgemm_kernel_available(id) || !strcmp(fl_sgemm_kernel_name(id), fl_sgemm_backend())) continue;
        kernel = id;
        test_epilogue_shapes();
    }
    kernel = -1;
#endif
    test_fused_mlp();
    test_crossentropy_fused();
    return check_exit();
}
