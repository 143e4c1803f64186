/* futurelm SGEMM: packed panels, cache blocking, register-tiled micro-kernels.
 *
 * Loop nest (Goto/BLIS style), for C[M,N] = beta*C + op(A)·op(B):
 *
 *   for jc over N in NC columns:
 *     for pc over K in KC steps:                       (in increasing order)
 *       pack op(B)[pc:pc+kc, jc:jc+nc] into NR-wide micro-panels  (shared; two
 *         buffers used alternately, so the barrier below is the only one per block)
 *       barrier
 *       for each task (ic block of MC rows x range of micro-panels), handed out dynamically:
 *         pack op(A)[ic:ic+mc, pc:pc+kc] into MR-tall micro-panels  (private)
 *         for jr over the task's B micro-panels:   (one KC x NR panel stays in L1/L2)
 *           for ir over the A micro-panels:       (the MC x KC block stays in L2)
 *             micro-kernel: MR x NR tile += a_panel · b_panel
 *
 * Packing reads op(A) and op(B) through their transposes, so no transposed copy
 * of an operand is ever made, and pads edge panels with zeros so the micro-kernel
 * always runs a full tile and only its stores are clipped.
 *
 * Determinism: an element C[i,j] is computed as
 *   C = (first block: beta*C, or nothing when beta is 0) + S(0) + S(1) + ...
 * where S(p) is the fused-multiply-add sum over K block p, in increasing k, from
 * zero. KC is a constant of the chosen kernel, so this order depends on (M,N,K)
 * only. MC, NC and the split of tasks between threads do vary with the thread
 * count, but they only decide who computes a tile and when, never how.
 *
 * Kernels: AVX-512 12x32, AVX2+FMA 6x16, chosen at run time from the CPU; a
 * plain-C 4x16 kernel everywhere else. The choice (and so the rounding) is fixed
 * for a given machine.
 *
 * Scratch: each thread keeps its packing buffers in thread-local storage,
 * grown to what a call needs (bounded by the configuration's MC, KC, NC) and
 * reused after that, so once the largest shape has been seen the hot path never
 * allocates.
 */
#include "kernels/gemm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/sgemm_kernels.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* ------------------------------------------------------------ portable kernel */

enum { P_MR = 4, P_NR = 16 };

static void ukr_portable_4x16(int kc, const float *restrict a, const float *restrict b, float *restrict c, int ldc,
                              int mr, int nr, int accum) {
    float acc[P_MR][P_NR];
    for (int i = 0; i < P_MR; i++)
        for (int j = 0; j < P_NR; j++) acc[i][j] = 0.0f;
    for (int k = 0; k < kc; k++) {
        const float *bk = b + (size_t)k * P_NR;
        const float *ak = a + (size_t)k * P_MR;
        for (int i = 0; i < P_MR; i++) {
            float ai = ak[i];
            for (int j = 0; j < P_NR; j++) acc[i][j] += ai * bk[j];
        }
    }
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        if (accum)
            for (int j = 0; j < nr; j++) row[j] += acc[i][j];
        else
            for (int j = 0; j < nr; j++) row[j] = acc[i][j];
    }
}

/* ------------------------------------------------------------ configuration */

typedef struct {
    fl_sgemm_ukr ukr;
    int mr, nr; /* micro-tile */
    int kc;     /* K block: fixes the summation order, so never varies with threads */
    int mc;     /* max rows of op(A) per packed block (multiple of mr) */
    int nc;     /* max columns of op(B) per packed panel (multiple of nr) */
    /* optional 16x16 transpose for packing (see sgemm_kernels.h); NULL: scalar */
    void (*t16)(const float *src, long lds, int rows, float *dst, long ldd, int nout);
    const char *name;
} sgemm_cfg;

/* -DFL_SGEMM_MAX_KERNEL=1 hides the AVX-512 kernel, so that an AVX2 machine's
 * path can be built and measured on an AVX-512 one (docs/performance.md). */
#ifndef FL_SGEMM_MAX_KERNEL
#define FL_SGEMM_MAX_KERNEL (FL_SGEMM_N_KERNELS - 1)
#endif

static int cpu_has(int id) {
    if (id == FL_SGEMM_PORTABLE) return 1;
    if (id > FL_SGEMM_MAX_KERNEL) return 0;
#ifdef FL_SGEMM_X86
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (id == FL_SGEMM_AVX2) return avx2;
    if (id == FL_SGEMM_AVX512)
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
#endif
    return 0;
}

int fl_sgemm_kernel_available(int id) { return id >= 0 && id < FL_SGEMM_N_KERNELS && cpu_has(id); }

/* AVX-512 blocking; -D overrides are for tuning experiments only. KC is part of
 * the summation order, so changing it changes results (on every thread count alike). */
#ifndef FL_AVX512_KC
#define FL_AVX512_KC 512
#endif
#ifndef FL_AVX512_MC
#define FL_AVX512_MC 96
#endif
#ifndef FL_AVX512_NC
#define FL_AVX512_NC 3072
#endif

static sgemm_cfg cfg_of(int id) {
#ifdef FL_SGEMM_X86
    if (id == FL_SGEMM_AVX512) return (sgemm_cfg){fl_sgemm_ukr_avx512_12x32, 12,   32, FL_AVX512_KC, FL_AVX512_MC, FL_AVX512_NC,
                                   fl_sgemm_transpose16_avx512, "futurelm-avx512"};
    if (id == FL_SGEMM_AVX2) return (sgemm_cfg){fl_sgemm_ukr_avx2_6x16, 6, 16, 256, 96, 3072, NULL, "futurelm-avx2"};
#endif
    (void)id;
    return (sgemm_cfg){ukr_portable_4x16, P_MR, P_NR, 256, 96, 2048, NULL, "futurelm-portable"};
}

/* The best kernel this CPU runs. */
static int best_kernel(void) {
    for (int id = FL_SGEMM_N_KERNELS - 1; id > 0; id--)
        if (cpu_has(id)) return id;
    return FL_SGEMM_PORTABLE;
}

const char *fl_sgemm_kernel_name(int id) { return cfg_of(id).name; }

const char *fl_sgemm_backend(void) { return cfg_of(best_kernel()).name; }

/* ------------------------------------------------------------ scratch */

/* One packing buffer per thread, grown to the largest size asked for (which
 * the configuration bounds) and kept for the thread's lifetime. Two slots: the
 * calling thread's shared B panel, and every thread's private A block. */
typedef struct {
    float *p;
    size_t cap;
} scratch;

static _Thread_local scratch tl_a, tl_b;

static float *scratch_get(scratch *s, size_t nfloat) {
    if (s->cap >= nfloat) return s->p;
    size_t bytes = (nfloat * sizeof(float) + 63) & ~(size_t)63;
    float *p = aligned_alloc(64, bytes);
    if (!p) return NULL;
    free(s->p);
    s->p = p;
    s->cap = bytes / sizeof(float);
    return p;
}

/* ------------------------------------------------------------ packing */

/* Copy n floats, n a compile-time constant after inlining, so the compiler
 * emits a few vector moves instead of a memcpy call per k step. */
#define COPY_FIXED(dst, src, n)                                                                                       \
    do {                                                                                                              \
        for (int c_ = 0; c_ < (n); c_++) (dst)[c_] = (src)[c_];                                                       \
    } while (0)

/* op(A)[i0:i0+mc, k0:k0+kc] -> micro-panels of mr rows: dst[p*kc*mr + k*mr + r]. */
static void pack_a(const sgemm_cfg *cfg, int ta, const float *A, int lda, int i0, int mc, int k0, int kc, int mr,
                   float *restrict dst) {
    if (ta && mc % mr == 0 && (mr == 12 || mr == 6)) {
        /* A is K x M and every panel is full: walk each row of A once, left to
         * right, dealing its mc values out to the panels. */
        const int np = mc / mr;
        for (int k = 0; k < kc; k++) {
            const float *s = A + (size_t)(k0 + k) * lda + i0;
            float *dk = dst + (size_t)k * mr;
            if (mr == 12)
                for (int p = 0; p < np; p++) COPY_FIXED(dk + (size_t)p * kc * 12, s + p * 12, 12);
            else
                for (int p = 0; p < np; p++) COPY_FIXED(dk + (size_t)p * kc * 6, s + p * 6, 6);
        }
        return;
    }
    for (int p = 0; p < mc; p += mr) {
        int rows = mc - p < mr ? mc - p : mr;
        float *d = dst + (size_t)p * kc;
        if (!ta) {
            /* rows of A are contiguous in k: gather mr of them per k step */
            const float *src = A + (size_t)(i0 + p) * lda + k0;
            if (cfg->t16 && mr <= 16) {
                int k = 0;
                for (; k + 16 <= kc; k += 16) cfg->t16(src + k, lda, rows, d + (size_t)k * mr, mr, mr);
                for (; k < kc; k++) {
                    for (int r = 0; r < rows; r++) d[(size_t)k * mr + r] = src[(size_t)r * lda + k];
                    for (int r = rows; r < mr; r++) d[(size_t)k * mr + r] = 0.0f;
                }
            } else if (rows == mr) {
                /* blocks of 8 k: 8 contiguous reads per row, writes within a few lines */
                int k = 0;
                for (; k + 8 <= kc; k += 8)
                    for (int r = 0; r < mr; r++) {
                        const float *s = src + (size_t)r * lda + k;
                        for (int u = 0; u < 8; u++) d[(size_t)(k + u) * mr + r] = s[u];
                    }
                for (; k < kc; k++)
                    for (int r = 0; r < mr; r++) d[(size_t)k * mr + r] = src[(size_t)r * lda + k];
            } else {
                for (int k = 0; k < kc; k++) {
                    for (int r = 0; r < rows; r++) d[(size_t)k * mr + r] = src[(size_t)r * lda + k];
                    for (int r = rows; r < mr; r++) d[(size_t)k * mr + r] = 0.0f;
                }
            }
        } else {
            /* A is K x M: each k step is a contiguous run of rows */
            const float *src = A + (size_t)k0 * lda + i0 + p;
            if (rows == mr && mr == 12) {
                for (int k = 0; k < kc; k++) COPY_FIXED(d + (size_t)k * 12, src + (size_t)k * lda, 12);
            } else if (rows == mr && mr == 6) {
                for (int k = 0; k < kc; k++) COPY_FIXED(d + (size_t)k * 6, src + (size_t)k * lda, 6);
            } else {
                for (int k = 0; k < kc; k++) {
                    const float *s = src + (size_t)k * lda;
                    float *dk = d + (size_t)k * mr;
                    for (int r = 0; r < rows; r++) dk[r] = s[r];
                    for (int r = rows; r < mr; r++) dk[r] = 0.0f;
                }
            }
        }
    }
}

/* One micro-panel of op(B)[k0:k0+kc, j0:j0+cols] -> dst[k*nr + c], zero-padded to nr. */
static void pack_b_panel(const sgemm_cfg *cfg, int tb, const float *B, int ldb, int j0, int cols, int k0, int kc,
                         int nr, float *restrict dst) {
    if (!tb) {
        const float *src = B + (size_t)k0 * ldb + j0;
        if (cols == nr && nr == 32) {
            for (int k = 0; k < kc; k++) COPY_FIXED(dst + (size_t)k * 32, src + (size_t)k * ldb, 32);
            return;
        }
        if (cols == nr && nr == 16) {
            for (int k = 0; k < kc; k++) COPY_FIXED(dst + (size_t)k * 16, src + (size_t)k * ldb, 16);
            return;
        }
        for (int k = 0; k < kc; k++) {
            const float *s = src + (size_t)k * ldb;
            float *dk = dst + (size_t)k * nr;
            for (int c = 0; c < cols; c++) dk[c] = s[c];
            for (int c = cols; c < nr; c++) dk[c] = 0.0f;
        }
    } else {
        /* B is N x K: column j of op(B) is row j of B, contiguous in k. Work in
         * chunks of 8 k so the reads of each row stream while the writes stay in L1. */
        const float *src = B + (size_t)j0 * ldb + k0;
        int k16 = 0;
        if (cfg->t16 && nr % 16 == 0) {
            /* 16 columns at a time (missing ones come out as zeros) */
            for (; k16 + 16 <= kc; k16 += 16)
                for (int h = 0; h < nr; h += 16) {
                    int rows = cols - h < 0 ? 0 : cols - h > 16 ? 16 : cols - h;
                    cfg->t16(rows ? src + (size_t)h * ldb + k16 : src, ldb, rows, dst + (size_t)k16 * nr + h, nr, 16);
                }
        }
        for (int kb = k16; kb < kc; kb += 8) {
            int ke = kb + 8 < kc ? kb + 8 : kc;
            for (int c = 0; c < cols; c++) {
                const float *s = src + (size_t)c * ldb;
                for (int k = kb; k < ke; k++) dst[(size_t)k * nr + c] = s[k];
            }
            for (int k = kb; k < ke; k++)
                for (int c = cols; c < nr; c++) dst[(size_t)k * nr + c] = 0.0f;
        }
    }
}

/* ------------------------------------------------------------ driver */

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* Fallback when scratch cannot be allocated: unpacked, single-threaded, same
 * K blocking. Only reached when memory is exhausted. */
static void sgemm_unpacked(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                           float *C, int ldc, int kc_blk, int first_accum) {
    for (int k0 = 0; k0 < K; k0 += kc_blk) {
        int kc = K - k0 < kc_blk ? K - k0 : kc_blk;
        int accum = k0 > 0 || first_accum;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                float s = 0.0f;
                for (int k = k0; k < k0 + kc; k++) {
                    float a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                    float b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                    s += a * b;
                }
                float *c = &C[(size_t)i * ldc + j];
                *c = accum ? *c + s : s;
            }
    }
}

void fl_sgemm(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc) {
    fl_sgemm_kernel_ex(best_kernel(), trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc, NULL);
}

void fl_sgemm_ex(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc, const fl_sgemm_epilogue *epi) {
    fl_sgemm_kernel_ex(best_kernel(), trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc, epi);
}

void fl_sgemm_kernel(int kernel, int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc) {
    fl_sgemm_kernel_ex(kernel, trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc, NULL);
}

void fl_sgemm_kernel_ex(int kernel, int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                        const float *B, int ldb, float beta, float *C, int ldc, const fl_sgemm_epilogue *epi) {
    if (M <= 0 || N <= 0) return;
    if (epi && !epi->bias && !epi->residual && epi->op == FL_EPI_NONE) epi = NULL;
    /* beta outside {0,1}: scale once, then accumulate. */
    if (beta != 0.0f && beta != 1.0f) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] *= beta;
        beta = 1.0f;
    }
    if (K <= 0) {
        if (beta == 0.0f)
            for (int i = 0; i < M; i++) memset(C + (size_t)i * ldc, 0, (size_t)N * sizeof(float));
        if (epi) fl_sgemm_epilogue_apply(epi, C, ldc, 0, M, 0, N);
        return;
    }

    const sgemm_cfg cfg = cfg_of(fl_sgemm_kernel_available(kernel) ? kernel : FL_SGEMM_PORTABLE);
    const int MR = cfg.mr, NR = cfg.nr, KC = cfg.kc;
    const int first_accum = beta != 0.0f;

#ifdef _OPENMP
    int nthreads = 1;
    {
        double flops = 2.0 * M * N * K;
        nthreads = omp_in_parallel() ? 1 : omp_get_max_threads();
        /* below ~1 MFLOP the fork/join costs more than it saves */
        if (flops < 1.0e6) nthreads = 1;
        int most = ceil_div(M, MR) * ceil_div(N, NR);
        if (nthreads > most) nthreads = most;
        if (nthreads < 1) nthreads = 1;
    }
#endif

    /* Shared B panel: at most KC x NC, in the calling thread's scratch. */
    const int nc_max = N < cfg.nc ? ceil_div(N, NR) * NR : cfg.nc;
    const int kc_max = K < KC ? K : KC;
    /* Two B panels used alternately: packing the next one may start while
     * others still compute on the current one, so one barrier per K block. */
    const size_t bsize = (size_t)kc_max * nc_max;
    float *bp2 = scratch_get(&tl_b, 2 * bsize);
    if (!bp2) {
        sgemm_unpacked(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, KC, first_accum);
        if (epi) fl_sgemm_epilogue_apply(epi, C, ldc, 0, M, 0, N);
        return;
    }
    int failed = 0;

#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
#endif
    {
        int nth = 1;
#ifdef _OPENMP
        nth = omp_get_num_threads();
#endif
        /* Row blocks: as many as MC allows, rounded up to a multiple of the team
         * size so the threads get equal shares; mc a multiple of MR. */
        int n_ic = ceil_div(M, cfg.mc);
        n_ic = ceil_div(n_ic, nth) * nth;
        int mc = ceil_div(ceil_div(M, n_ic), MR) * MR;
        n_ic = ceil_div(M, mc);
        float *ap = scratch_get(&tl_a, (size_t)mc * kc_max);
        if (!ap) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            failed = 1;
        }
        int stop;
#ifdef _OPENMP
#pragma omp barrier
#pragma omp atomic read
#endif
        stop = failed;

        for (int jc = 0; jc < N && !stop; jc += nc_max) {
            const int nc = N - jc < nc_max ? N - jc : nc_max;
            const int n_jr = ceil_div(nc, NR);
            /* Split the panel's columns when there are too few row blocks. */
            int n_sub = n_ic >= 2 * nth ? 1 : ceil_div(2 * nth, n_ic);
            if (n_sub > n_jr) n_sub = n_jr;
            const int n_tasks = n_ic * n_sub;

            for (int pc = 0; pc < K; pc += KC) {
                const int kc = K - pc < KC ? K - pc : KC;
                const int accum = pc > 0 || first_accum;

                /* Work is handed out dynamically: on a shared machine one thread
                 * may run slower, and a static split would make the whole team
                 * wait for it at every barrier. Who does a task never changes
                 * how it is computed. The barrier that ends the packing loop
                 * also guarantees everyone is done with the panel packed two
                 * K blocks ago, the one about to be overwritten next time. */
                float *bp = bp2 + (((jc / nc_max) * ceil_div(K, KC) + pc / KC) & 1) * bsize;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 2)
#endif
                for (int q = 0; q < n_jr; q++) {
                    int cols = nc - q * NR < NR ? nc - q * NR : NR;
                    pack_b_panel(&cfg, trans_b, B, ldb, jc + q * NR, cols, pc, kc, NR, bp + (size_t)q * NR * kc);
                }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1) nowait
#endif
                for (int t = 0; t < n_tasks; t++) {
                    const int ib = t / n_sub, sb = t % n_sub;
                    const int ic = ib * mc;
                    const int mcur = M - ic < mc ? M - ic : mc;
                    const int q0 = (int)((long)n_jr * sb / n_sub), q1 = (int)((long)n_jr * (sb + 1) / n_sub);
                    pack_a(&cfg, trans_a, A, lda, ic, mcur, pc, kc, MR, ap);
                    for (int q = q0; q < q1; q++) {
                        const int j = jc + q * NR;
                        const int nr = N - j < NR ? N - j : NR;
                        const float *bq = bp + (size_t)q * NR * kc;
                        for (int ir = 0; ir < mcur; ir += MR) {
                            const int mr = mcur - ir < MR ? mcur - ir : MR;
                            cfg.ukr(kc, ap + (size_t)ir * kc, bq, C + (size_t)(ic + ir) * ldc + j, ldc, mr, nr, accum);
                        }
                    }
                    /* The task's block is final after its last K block: finish it while it
                     * is still in L2, a row of up to NC contiguous floats at a time (per
                     * NR-wide strip, aux's rows were 96 short streams the prefetcher missed,
                     * and the fused backward ran 35% slower than two separate passes). */
                    if (epi && pc + kc >= K) {
                        const int j0 = jc + q0 * NR, j1 = jc + q1 * NR < N ? jc + q1 * NR : N;
                        if (j1 > j0) fl_sgemm_epilogue_apply(epi, C, ldc, ic, mcur, j0, j1 - j0);
                    }
                }
            }
        }
    }
    if (failed) {
        sgemm_unpacked(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, KC, first_accum);
        if (epi) fl_sgemm_epilogue_apply(epi, C, ldc, 0, M, 0, N);
    }
}
