/* Performance measurement behind `futurelm bench`: SGEMM on a model's own
 * layer shapes, timed training steps, and the model-FLOP count used for MFU. */
#ifndef FL_BENCH_BENCH_H
#define FL_BENCH_BENCH_H
#include "futurelm.h"

/* One SGEMM product of a linear layer at R rows (docs/performance.md):
 * fwd Y = X·Wᵀ (M=R, N=out, K=in), dX = dY·W (M=R, N=in, K=out), dW = dYᵀ·X
 * (M=out, N=in, K=R). */
typedef struct {
    char layer[16];
    const char *product; /* "fwd", "dX", "dW" */
    int M, N, K;
    double gflops; /* median over the repetitions */
} bench_gemm_result;

#define BENCH_GEMM_MAX 15
/* Times the three products of qkv, attn.proj, fc, fc.proj and the LM head of
 * config c at `rows` rows; fills out[0..15) and returns the count (0 when out
 * of memory). */
int bench_gemm(const fl_model_config *c, int rows, int reps, bench_gemm_result *out);
/* Product `which` (an index into bench_gemm's results) timed again: its median
 * GFLOP/s over reps (0 when out of memory). MFU's peak measured alongside a
 * model's steps, where this machine's speed drifts by 10-30% within minutes. */
double bench_gemm_again(const fl_model_config *c, int rows, int reps, int which);

/* Model FLOPs of one training step (forward + backward) over B windows of T
 * tokens: every matrix product of the linear layers and the tied head, and the
 * attention products, counted as in docs/performance.md. */

typedef struct {
    int steps;
    double ms_median, ms_min;   /* per training step */
    double tokens_per_s;        /* B*T / median step time */
    double flops_per_step;      /* fl_model_train_flops */
    double gflops;              /* achieved model GFLOP/s at the median */
    double peak_rss_mib;        /* process high-water mark after the run */
    float loss_first, loss_last;
    size_t params;
} bench_train_result;

/* Times `steps` full training steps (zero grads, forward+backward, clip to 1,
 * AdamW) on a fixed random batch after one untimed warm-up step. With prof,
 * the timed steps are profiled (the optimizer phase is timed here). */
fl_status bench_train(const fl_model_config *c, int B, int T, int steps, fl_profile *prof, bench_train_result *r,
                      fl_error *err);
#endif
