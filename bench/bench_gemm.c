/* SGEMM benchmark on the model's own shapes: futurelm's fl_sgemm against any
 * number of BLAS libraries loaded at run time, all timed in the same run.
 *
 *   bench_gemm [--rows R]... [--reps N] [--blas NAME=path/lib.so]... [--quick]
 *
 * For each linear layer (C=384: qkv 384->1152, attn proj 384->384, fc 384->1536,
 * fc proj 1536->384, LM head 384->8192) and each row count R (default 2048 =
 * B*T of the GPT config; 16384 = B*T*N of the FTP decoder), it times the three
 * training products:
 *   fwd  Y  = X·Wᵀ   (0,1) M=R N=out K=in  beta 0
 *   dX  += dY·W      (0,0) M=R N=in  K=out beta 1
 *   dW  += dYᵀ·X     (1,0) M=out N=in K=R  beta 1
 * Repetitions are interleaved (ours, blas1, blas2, ours, ...) so that noise from
 * other processes hits every implementation alike; it prints the median GFLOP/s
 * of each and ours/best-BLAS.
 *
 * BLAS libraries are dlopen()ed with RTLD_LOCAL, each in its own namespace, so
 * OpenBLAS and BLIS can be compared in one process without symbol clashes; each
 * must export cblas_sgemm. Their thread counts follow their own environment
 * variables (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, BLIS_NUM_THREADS). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/gemm.h"

#ifdef _OPENMP
#include <omp.h>
#endif

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*cblas_sgemm_fn)(int order, int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                               const float *B, int ldb, float beta, float *C, int ldc);

#define MAX_IMPL 6
typedef struct {
    const char *name;
    cblas_sgemm_fn fn; /* NULL: ours */
} impl;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void run(const impl *im, int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                float beta, float *C, int ldc) {
    if (!im->fn)
        fl_sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
    else
        im->fn(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static float *buf(size_t n) {
    float *p = aligned_alloc(64, ((n * sizeof(float)) + 63) & ~(size_t)63);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return p;
}

int main(int argc, char **argv) {
    impl impls[MAX_IMPL] = {{"futurelm", NULL}};
    int n_impl = 1, reps = 9, n_rows = 0, quick = 0;
    int rows[8];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--rows") && i + 1 < argc && n_rows < 8) {
            rows[n_rows++] = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--quick")) {
            quick = 1;
        } else if (!strcmp(argv[i], "--blas") && i + 1 < argc && n_impl < MAX_IMPL) {
            char *spec = argv[++i], *eq = strchr(spec, '=');
            const char *path = eq ? eq + 1 : spec;
            if (eq) *eq = '\0';
            void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
            cblas_sgemm_fn fn = h ? (cblas_sgemm_fn)dlsym(h, "cblas_sgemm") : NULL;
            if (!fn) {
                fprintf(stderr, "cannot load cblas_sgemm from %s: %s\n", path, dlerror());
                return 1;
            }
            impls[n_impl++] = (impl){spec, fn};
        } else {
            fprintf(stderr, "usage: %s [--rows R]... [--reps N] [--quick] [--blas NAME=lib.so]...\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    if (!n_rows) rows[n_rows++] = 2048;

    static const struct {
        const char *name;
        int in, out;
    } layers[] = {{"qkv", 384, 1152}, {"attn.proj", 384, 384}, {"fc", 384, 1536}, {"fc.proj", 1536, 384},
                  {"lm_head", 384, 8192}};
    static const char *prods[] = {"fwd  X·Wᵀ", "dX  dY·W", "dW  dYᵀ·X"};

    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    printf("# fl_sgemm backend %s, %d OpenMP thread(s), median of %d interleaved repetitions\n", fl_sgemm_backend(),
           threads, reps);
    printf("%-10s %6s %-11s %6s %6s %6s", "layer", "rows", "product", "M", "N", "K");
    for (int j = 0; j < n_impl; j++) printf(" %10s", impls[j].name);
    if (n_impl > 1) printf(" %8s", "ours/best");
    printf("   (GFLOP/s)\n");

    double log_ratio_sum = 0;
    int n_ratio = 0;
    for (int r = 0; r < n_rows; r++) {
        int R = rows[r];
        for (size_t l = 0; l < sizeof layers / sizeof *layers; l++) {
            int in = layers[l].in, out = layers[l].out;
            if (quick && l != 0 && l != 4) continue;
            float *X = buf((size_t)R * in), *W = buf((size_t)out * in), *dY = buf((size_t)R * out);
            float *Y = buf((size_t)R * out), *dX = buf((size_t)R * in), *dW = buf((size_t)out * in);
            for (int p = 0; p < 3; p++) {
                int ta = p == 2, tb = p == 0, M, N, K, lda, ldb, ldc;
                const float *A, *B;
                float *C, beta = p == 0 ? 0.0f : 1.0f;
                if (p == 0) { M = R, N = out, K = in, A = X, lda = in, B = W, ldb = in, C = Y, ldc = out; }
                else if (p == 1) { M = R, N = in, K = out, A = dY, lda = out, B = W, ldb = in, C = dX, ldc = in; }
                else { M = out, N = in, K = R, A = dY, lda = out, B = X, ldb = in, C = dW, ldc = in; }
                /* correctness cross-check against the first BLAS, with beta 0 */
                double maxrel = 0;
                if (n_impl > 1) {
                    float *c1 = buf((size_t)M * N), *c2 = buf((size_t)M * N);
                    run(&impls[0], ta, tb, M, N, K, A, lda, B, ldb, 0.0f, c1, N);
                    run(&impls[1], ta, tb, M, N, K, A, lda, B, ldb, 0.0f, c2, N);
                    double maxabs = 0, maxref = 0; /* norm-wise: max |ours - blas| / max |blas| */
                    for (size_t i = 0; i < (size_t)M * N; i++) {
                        double d = fabs((double)c1[i] - c2[i]);
                        if (d > maxabs) maxabs = d;
                        if (fabs((double)c2[i]) > maxref) maxref = fabs((double)c2[i]);
                    }
                    maxrel = maxabs / (maxref > 0 ? maxref : 1);
                    free(c1);
                    free(c2);
                }
                double t[MAX_IMPL][64];
                int nrep = reps > 64 ? 64 : reps;
                for (int j = 0; j < n_impl; j++) run(&impls[j], ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
                for (int rep = 0; rep < nrep; rep++)
                    for (int j = 0; j < n_impl; j++) {
                        double t0 = now();
                        run(&impls[j], ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
                        t[j][rep] = now() - t0;
                    }
                double gf[MAX_IMPL], best = 0;
                for (int j = 0; j < n_impl; j++) {
                    qsort(t[j], nrep, sizeof(double), cmp_double);
                    gf[j] = 2.0 * M * N * K / t[j][nrep / 2] * 1e-9;
                    if (j > 0 && gf[j] > best) best = gf[j];
                }
                printf("%-10s %6d %-11s %6d %6d %6d", layers[l].name, R, prods[p], M, N, K);
                for (int j = 0; j < n_impl; j++) printf(" %10.1f", gf[j]);
                if (n_impl > 1) {
                    printf(" %8.2f", gf[0] / best);
                    log_ratio_sum += log(gf[0] / best);
                    n_ratio++;
                    if (maxrel > 1e-4) printf("   MISMATCH vs %s: max rel diff %.2g", impls[1].name, maxrel);
                }
                printf("\n");
                fflush(stdout);
            }
            free(X);
            free(W);
            free(dY);
            free(Y);
            free(dX);
            free(dW);
        }
    }
    if (n_ratio) printf("# geometric mean ours/best-BLAS: %.3f over %d products\n", exp(log_ratio_sum / n_ratio), n_ratio);
    return 0;
}
