/* fl_sgemm against a double-precision reference, for every transpose pair,
 * beta 0 and 1, odd and edge-tile shapes, strided leading dimensions; plus the
 * determinism contract (bit-identical C for 1 and 2 OpenMP threads).
 *
 * Tolerance: for C[i,j] = beta*C0 + sum_k a_ik b_kj computed in float with any
 * summation order (blocked, fused or not), the standard bound is
 *     |C - C_exact| <= gamma_{K+2} * (|beta*C0| + sum_k |a_ik||b_kj|),
 * gamma_n = n*u/(1 - n*u), u = 2^-24. We check against that bound computed in
 * double for every element (with a factor of 2 for safety in gamma and the
 * reference's own double rounding, which is negligible). It is a worst case,
 * independent of the implementation, and not tuned to pass. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels/gemm.h"

/* With our own SGEMM (no BLAS=...), every kernel the CPU has is tested, not
 * only the one fl_sgemm picks. */
#if !defined(FL_BLAS_OPENBLAS) && !defined(FL_BLAS_BLIS)
#define TEST_KERNELS 1
#include "kernels/sgemm_kernels.h"
#endif

static int kernel = -1; /* -1: fl_sgemm itself */

static void gemm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
                 float *C, int ldc) {
#ifdef TEST_KERNELS
    if (kernel >= 0) {
        fl_sgemm_kernel(kernel, ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#endif
    fl_sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

static const char *kernel_name(void) {
#ifdef TEST_KERNELS
    if (kernel >= 0) return fl_sgemm_kernel_name(kernel);
#endif
    return fl_sgemm_backend();
}

#ifdef _OPENMP
#include <omp.h>
#endif

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static float frand(void) { /* uniform in [-1, 1) */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((double)(rng_state >> 40) / (double)(1u << 24) * 2.0 - 1.0);
}

static float *rand_buf(size_t n) {
    float *p = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = frand();
    return p;
}

/* One case: returns 1 when every element is within its bound. */
static int run_case(int ta, int tb, int M, int N, int K, int pad_a, int pad_b, int pad_c, float beta, char *why,
                    size_t why_len) {
    int lda = (ta ? M : K) + pad_a, ldb = (tb ? K : N) + pad_b, ldc = N + pad_c;
    if (lda < 1) lda = 1;
    if (ldb < 1) ldb = 1;
    size_t arows = ta ? (size_t)K : (size_t)M, brows = tb ? (size_t)N : (size_t)K;
    float *A = rand_buf(arows * lda), *B = rand_buf(brows * ldb), *C = rand_buf((size_t)M * ldc);
    size_t csize = (size_t)M * ldc;
    float *C0 = malloc((csize > 0 ? csize : 1) * sizeof(float));
    if (beta == 0.0f) /* old contents must be ignored, NaNs included */
        for (size_t i = 0; i < (size_t)M * ldc; i++) C[i] = NAN;
    memcpy(C0, C, (size_t)M * ldc * sizeof(float));

    gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);

    const double u = ldexp(1.0, -24);
    double n = K + 2.0, gamma = 2.0 * n * u / (1.0 - n * u);
    int ok = 1;
    for (int i = 0; i < M && ok; i++) {
        for (int j = 0; j < ldc && ok; j++) {
            size_t at = (size_t)i * ldc + j;
            if (j >= N) { /* padding columns must be untouched (bitwise, NaN included) */
                if (memcmp(&C[at], &C0[at], sizeof(float)) != 0) {
                    snprintf(why, why_len, "padding C[%d,%d] was written", i, j);
                    ok = 0;
                }
                continue;
            }
            double ref = beta == 0.0f ? 0.0 : (double)beta * C0[at];
            double mag = fabs(ref);
            for (int k = 0; k < K; k++) {
                double a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                double b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                ref += a * b;
                mag += fabs(a * b);
            }
            double err = fabs((double)C[at] - ref);
            if (!(err <= gamma * mag)) { /* also catches NaN */
                snprintf(why, why_len, "C[%d,%d] = %.9g, reference %.9g, error %.3g > bound %.3g", i, j, C[at], ref,
                         err, gamma * mag);
                ok = 0;
            }
        }
    }
    free(A);
    free(B);
    free(C);
    free(C0);
    return ok;
}

static void test_shapes(void) {
    /* Sizes around every tile and block edge of the kernels (MR 4/6/12, NR 16/32,
     * KC 256 or 512, MC up to 96) and a few model-like sizes. */
    static const int ms[] = {1, 2, 5, 11, 12, 13, 25, 97, 193, 200};
    static const int ns[] = {1, 3, 15, 16, 17, 31, 33, 64, 65, 130};
    static const int ks[] = {0, 1, 7, 64, 255, 256, 257, 513, 1030};
    char name[160], why[256];
    /* first[] holds a prefix plus why[] */
    for (int ta = 0; ta < 2; ta++) {
        for (int tb = 0; tb < 2; tb++) {
            for (int bi = 0; bi < 2; bi++) {
                float beta = bi ? 1.0f : 0.0f;
                int fails = 0, cases = 0;
                char first[512] = "";
                for (size_t mi = 0; mi < sizeof ms / sizeof *ms; mi++)
                    for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
                        for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++) {
                            int M = ms[mi], N = ns[ni], K = ks[ki];
                            /* keep the reference affordable: skip the biggest triples */
                            if ((long)M * N * K > 6000000L) continue;
                            int pad = (int)((mi + ni + ki) % 3) * 3; /* 0, 3 or 6 extra per row */
                            cases++;
                            if (!run_case(ta, tb, M, N, K, pad, pad + 1, pad, beta, why, sizeof why)) {
                                if (!fails)
                                    snprintf(first, sizeof first, "M=%d N=%d K=%d pad=%d: %s", M, N, K, pad, why);
                                fails++;
                            }
                        }
                snprintf(name, sizeof name, "%s trans_a=%d trans_b=%d beta=%d, %d shapes", kernel_name(), ta, tb, bi,
                         cases);
                check(fails == 0, name, "%d of %d shapes failed, first: %s", fails, cases, first);
            }
        }
    }
}

/* Model-sized products, one of each kind (the reference is O(MNK), so moderate sizes). */
static void test_model_shapes(void) {
    static const struct {
        int ta, tb, M, N, K;
        float beta;
        const char *what;
    } cs[] = {
        {0, 1, 300, 384, 384, 0.0f, "forward X·Wᵀ 300x384x384"},
        {0, 0, 300, 384, 1152, 1.0f, "dX += dY·W 300x384x1152"},
        {1, 0, 384, 160, 2048, 1.0f, "dW += dYᵀ·X 384x160x2048"},
        {0, 1, 37, 1000, 100, 0.0f, "LM-head-like 37x1000x100"},
    };
    char why[256];
    for (size_t i = 0; i < sizeof cs / sizeof *cs; i++) {
        int ok = run_case(cs[i].ta, cs[i].tb, cs[i].M, cs[i].N, cs[i].K, 0, 0, 0, cs[i].beta, why, sizeof why);
        char name[200];
        snprintf(name, sizeof name, "%s %s", kernel_name(), cs[i].what);
        check(ok, name, "%s", why);
    }
}

/* The same product at 1 and 2 threads (and whatever the default is) must be
 * bit-identical; run on shapes that split differently between thread counts. */
static void test_determinism(void) {
    static const int shapes[][5] = {
        {0, 1, 517, 389, 700}, {0, 0, 96, 1000, 513}, {1, 0, 389, 130, 1500}, {1, 1, 7, 300, 260}, {0, 1, 2048, 64, 384},
    };
    int all = 1;
    char why[200] = "";
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int ta = shapes[s][0], tb = shapes[s][1], M = shapes[s][2], N = shapes[s][3], K = shapes[s][4];
        int lda = ta ? M : K, ldb = tb ? K : N;
        float *A = rand_buf((size_t)M * K), *B = rand_buf((size_t)N * K);
        float *C0 = rand_buf((size_t)M * N);
        float *C1 = malloc((size_t)M * N * sizeof(float)), *C2 = malloc((size_t)M * N * sizeof(float));
        for (int beta = 0; beta < 2; beta++) {
            memcpy(C1, C0, (size_t)M * N * sizeof(float));
            memcpy(C2, C0, (size_t)M * N * sizeof(float));
#ifdef _OPENMP
            int saved = omp_get_max_threads();
            omp_set_num_threads(1);
#endif
            gemm(ta, tb, M, N, K, A, lda, B, ldb, (float)beta, C1, N);
#ifdef _OPENMP
            omp_set_num_threads(2);
#endif
            gemm(ta, tb, M, N, K, A, lda, B, ldb, (float)beta, C2, N);
#ifdef _OPENMP
            omp_set_num_threads(saved);
#endif
            if (memcmp(C1, C2, (size_t)M * N * sizeof(float)) != 0 && all) {
                all = 0;
                snprintf(why, sizeof why, "differs for ta=%d tb=%d M=%d N=%d K=%d beta=%d", ta, tb, M, N, K, beta);
            }
        }
        free(A);
        free(B);
        free(C0);
        free(C1);
        free(C2);
    }
    char name[200];
#ifdef _OPENMP
    snprintf(name, sizeof name, "%s bit-identical at 1 and 2 threads", kernel_name());
#else
    snprintf(name, sizeof name, "%s repeatable (built without OpenMP)", kernel_name());
#endif
    check(all, name, "%s", why);
}

static void test_all(void) {
    test_shapes();
    test_model_shapes();
    test_determinism();
}

int main(void) {
    printf("# sgemm backend: %s\n", fl_sgemm_backend());
    kernel = -1;
    test_all();
#ifdef TEST_KERNELS
    /* the other kernels this CPU can run (the best one was just tested as fl_sgemm) */
    for (int id = 0; id < FL_SGEMM_N_KERNELS; id++) {
        if (!fl_sgemm_kernel_available(id) || !strcmp(fl_sgemm_kernel_name(id), fl_sgemm_backend())) continue;
        kernel = id;
        test_all();
    }
#endif
    return check_exit();
}
