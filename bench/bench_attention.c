/* Attention kernel benchmark at the reference shapes (C = 384, H = 6, hs = 64):
 *   gpt        causal self-attention, R = B = 8 sequences of T = 256
 *   ftp-self   FTP decoder causal self-attention, R = B*T = 2048 sequences of N = 8
 *   ftp-cross  FTP cross-attention, R = 2048, Sq = N = 8 queries, Sk = P = 8 keys
 * q, k, v are read with the strides the model uses (one qkv buffer of 3C per
 * row for self-attention; q of C and kv of 2C per row for cross-attention).
 *
 *   bench_attention [--reps N]      threads: OMP_NUM_THREADS
 *
 * GFLOP/s count model FLOPs: 4·hs per visible (query, key) pair and head for
 * the forward (q·k and p·v), 8·hs for the backward (dp, dv, dq, dk); the
 * backward's recomputation of q·k is not counted. Median of N repetitions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/kernels.h"
#include "util/mem.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static float *filled(size_t n, unsigned seed) {
    float *p = fl_alloc(n, sizeof(float));
    if (!p) {
        fprintf(stderr, "bench_attention: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) p[i] = (float)(((i + seed) * 2654435761u) % 2001) / 1000.0f - 1.0f;
    return p;
}

int main(int argc, char **argv) {
    int reps = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--reps N]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    const int C = 384, H = 6, hs = 64;
    struct {
        const char *name;
        int R, Sq, Sk, causal;
    } cases[] = {{"gpt", 8, 256, 256, 1}, {"ftp-self", 2048, 8, 8, 1}, {"ftp-cross", 2048, 8, 8, 0}};
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    printf("# attention, %d thread(s), median of %d; GFLOP/s = model FLOPs (fwd 4*hs, bwd 8*hs per pair and head)\n",
           threads, reps);
    printf("%-10s %5s %4s %4s %3s %3s %9s %9s %9s %9s\n", "case", "R", "Sq", "Sk", "H", "hs", "fwd ms", "fwd GF/s",
           "bwd ms", "bwd GF/s");
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int R = cases[c].R, Sq = cases[c].Sq, Sk = cases[c].Sk, causal = cases[c].causal;
        attention_shape sh = {R, Sq, Sk, H, hs, causal ? 3 * C : C, causal ? 3 * C : 2 * C, causal};
        size_t nq = (size_t)R * Sq * sh.q_stride, nkv = (size_t)R * Sk * sh.kv_stride;
        float *q = filled(nq, 1), *kv = causal ? q : filled(nkv, 2);
        const float *k = causal ? q + C : kv, *v = causal ? q + 2 * C : kv + C;
        float *out = filled((size_t)R * Sq * C, 3), *dout = filled((size_t)R * Sq * C, 4);
        float *lse = filled((size_t)R * H * Sq, 5);
        float *dq = filled(nq, 6), *dkv = causal ? dq : filled(nkv, 7);
        float *dk = causal ? dq + C : dkv, *dv = causal ? dq + 2 * C : dkv + C;
        double pairs = causal ? (double)R * H * Sq * (Sq + 1) / 2 : (double)R * H * Sq * Sk;
        double tf[64], tb[64];
        int n = reps < 64 ? reps : 64;
        fli_attention_forward(out, lse, q, k, v, &sh); /* warm-up */
        for (int r = 0; r < n; r++) {
            double t0 = now();
            fli_attention_forward(out, lse, q, k, v, &sh);
            double t1 = now();
            fli_attention_backward(dq, dk, dv, dout, out, lse, q, k, v, &sh);
            tb[r] = now() - t1;
            tf[r] = t1 - t0;
        }
        qsort(tf, (size_t)n, sizeof *tf, cmp_double);
        qsort(tb, (size_t)n, sizeof *tb, cmp_double);
        double f = tf[n / 2], b = tb[n / 2];
        printf("%-10s %5d %4d %4d %3d %3d %9.2f %9.1f %9.2f %9.1f\n", cases[c].name, R, Sq, Sk, H, hs, f * 1e3,
               4.0 * hs * pairs / f * 1e-9, b * 1e3, 8.0 * hs * pairs / b * 1e-9);
        fl_free(q);
        fl_free(out);
        fl_free(dout);
        fl_free(lse);
        fl_free(dq);
        if (!causal) {
            fl_free(kv);
            fl_free(dkv);
        }
    }
    return 0;
}
