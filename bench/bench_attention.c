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
 * backward's recomputation of q·k is not counted. Median of N repetitions.
 *
 * Built with -DFL_BENCH_AB (bench/attention_ab.sh does this) it also links an
 * older copy of the kernel, renamed ab_old_attention_forward/backward, times the
 * two alternately in every repetition and prints new/old: on a VM whose speed
 * drifts by 10-20% between runs, only a ratio measured side by side resolves a
 * change of a few percent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/kernels.h"
#include "util/mem.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef FL_BENCH_AB
void ab_old_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v,
                              const attention_shape *sh);
void ab_old_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *out,
                               const float *lse, const float *q, const float *k, const float *v,
                               const attention_shape *sh);
#endif

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

typedef void (*forward_fn)(float *, float *, const float *, const float *, const float *, const attention_shape *);
typedef void (*backward_fn)(float *, float *, float *, const float *, const float *, const float *, const float *,
                            const float *, const float *, const attention_shape *);
typedef struct {
    const float *q, *k, *v;
    float *out, *lse;
    const float *dout;
    float *dq, *dk, *dv;
} attention_io;

/* One forward and one backward of a kernel, each timed. */
static void time_once(forward_fn fwd, backward_fn bwd, const attention_io *a, const attention_shape *sh, double *tf,
                      double *tb) {
    double t0 = now();
    fwd(a->out, a->lse, a->q, a->k, a->v, sh);
    double t1 = now();
    bwd(a->dq, a->dk, a->dv, a->dout, a->out, a->lse, a->q, a->k, a->v, sh);
    *tb = now() - t1;
    *tf = t1 - t0;
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
#ifdef FL_BENCH_AB
        double of[64], ob[64], worst = 0.0;
        {
            float *out_old = filled((size_t)R * Sq * C, 3), *lse_old = filled((size_t)R * H * Sq, 5);
            ab_old_attention_forward(out_old, lse_old, q, k, v, &sh);
            for (size_t i = 0; i < (size_t)R * Sq * C; i++) worst = fmax(worst, fabs((double)out[i] - out_old[i]));
            fl_free(out_old);
            fl_free(lse_old);
        }
#endif
        const attention_io io = {q, k, v, out, lse, dout, dq, dk, dv};
        for (int r = 0; r < n; r++) {
#ifdef FL_BENCH_AB
            time_once(ab_old_attention_forward, ab_old_attention_backward, &io, &sh, &of[r], &ob[r]);
#endif
            time_once(fli_attention_forward, fli_attention_backward, &io, &sh, &tf[r], &tb[r]);
        }
        qsort(tf, (size_t)n, sizeof *tf, cmp_double);
        qsort(tb, (size_t)n, sizeof *tb, cmp_double);
        double f = tf[n / 2], b = tb[n / 2];
        printf("%-10s %5d %4d %4d %3d %3d %9.2f %9.1f %9.2f %9.1f", cases[c].name, R, Sq, Sk, H, hs, f * 1e3,
               4.0 * hs * pairs / f * 1e-9, b * 1e3, 8.0 * hs * pairs / b * 1e-9);
#ifdef FL_BENCH_AB
        qsort(of, (size_t)n, sizeof *of, cmp_double);
        qsort(ob, (size_t)n, sizeof *ob, cmp_double);
        printf("   old fwd %.2f bwd %.2f ms, new/old fwd %.3f bwd %.3f, max|out new - old| %.2g", of[n / 2] * 1e3,
               ob[n / 2] * 1e3, f / of[n / 2], b / ob[n / 2], worst);
#endif
        printf("\n");
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
