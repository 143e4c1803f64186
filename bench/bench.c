/* futurelm bench's measurements. Everything is timed with a monotonic wall
 * clock and summarised by the median, the statistic least moved by other
 * processes on a shared machine. */
#include "bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "kernels/gemm.h"
#include "train/freeze.h"
#include "util/error.h"
#include "util/mem.h"
#include "util/rng.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static void fill(float *p, size_t n, fl_rng *rng) {
    for (size_t i = 0; i < n; i++) p[i] = (float)fl_rng_uniform(rng) - 0.5f;
}

/* The five layers whose products bench_gemm times, at model width C and padded vocabulary Vp. */
typedef struct {
    const char *name;
    int in, out;
} gemm_layer;
static void layers_of(const fl_model_config *c, gemm_layer *l) {
    const int C = c->n_embd, Vp = fl_padded_vocab(c->vocab_size);
    const gemm_layer all[5] = {{"qkv", C, 3 * C}, {"attn.proj", C, C}, {"fc", C, 4 * C}, {"fc.proj", 4 * C, C},
                               {"lm_head", C, Vp}};
    memcpy(l, all, sizeof all);
}

/* Times products (layer l, product p) for every l in [l0, l1) and p in [p0, p1)
 * into out; returns the count (0 when out of memory). */
static int time_products(const fl_model_config *c, int rows, int reps, int l0, int l1, int p0, int p1,
                         bench_gemm_result *out) {
    gemm_layer layers[5];
    layers_of(c, layers);
    const int C = c->n_embd, Vp = fl_padded_vocab(c->vocab_size);
    if (reps < 1) reps = 1;
    double *t = malloc((size_t)reps * sizeof *t);
    size_t most = 0; /* the largest dY (rows x out) or product (rows x out, rows x in, out x in) */
    for (int l = l0; l < l1; l++) {
        size_t o = (size_t)layers[l].out, in = (size_t)layers[l].in, r = (size_t)rows;
        size_t m = r * o > o * in ? r * o : o * in; /* dW is out x in: larger than rows x out when rows < in */
        if (r * in > m) m = r * in;
        if (m > most) most = m;
    }
    /* W is each layer's out x in weight in turn: the head's Vp x C, or fc's 4C x C where that is larger */
    const size_t w_floats = (size_t)(Vp > 4 * C ? Vp : 4 * C) * C;
    float *X = fl_alloc((size_t)rows * 4 * C, sizeof(float)), *W = fl_alloc(w_floats, sizeof(float));
    float *dY = fl_alloc(most, sizeof(float)), *Y = fl_alloc(most, sizeof(float));
    int n = 0;
    if (t && X && W && dY && Y) {
        fl_rng rng;
        fl_rng_seed(&rng, 42);
        fill(X, (size_t)rows * 4 * C, &rng);
        fill(W, w_floats, &rng);
        fill(dY, most, &rng);
        for (int l = l0; l < l1; l++) {
            const int in = layers[l].in, o = layers[l].out;
            for (int p = p0; p < p1; p++) {
                int M, N, K;
                if (p == 0) M = rows, N = o, K = in;
                else if (p == 1) M = rows, N = in, K = o;
                else M = o, N = in, K = rows;
                for (int r = -1; r < reps; r++) { /* r = -1: warm-up (packing buffers, caches) */
                    double t0 = fl_wall_seconds();
                    if (p == 0) fl_sgemm(0, 1, M, N, K, X, in, W, in, 0.0f, Y, N);
                    else if (p == 1) fl_sgemm(0, 0, M, N, K, dY, o, W, in, 1.0f, Y, N);
                    else fl_sgemm(1, 0, M, N, K, dY, o, X, in, 1.0f, Y, N);
                    if (r >= 0) t[r] = fl_wall_seconds() - t0;
                }
                bench_gemm_result *res = &out[n++];
                snprintf(res->layer, sizeof res->layer, "%s", layers[l].name);
                res->product = p == 0 ? "fwd" : p == 1 ? "dX" : "dW";
                res->M = M, res->N = N, res->K = K;
                res->gflops = 2.0 * M * N * K / median(t, reps) * 1e-9;
            }
        }
    }
    free(t);
    fl_free(X);
    fl_free(W);
    fl_free(dY);
    fl_free(Y);
    return n;
}

int bench_gemm(const fl_model_config *c, int rows, int reps, bench_gemm_result *out) {
    return time_products(c, rows, reps, 0, 5, 0, 3, out);
}

double bench_gemm_again(const fl_model_config *c, int rows, int reps, int which) {
    bench_gemm_result r;
    if (which < 0 || which >= BENCH_GEMM_MAX) return 0;
    return time_products(c, rows, reps, which / 3, which / 3 + 1, which % 3, which % 3 + 1, &r) ? r.gflops : 0;
}

fl_status bench_train(const fl_model_config *c, int B, int T, int steps, fl_profile *prof, bench_train_result *r,
                      fl_error *err) {
    memset(r, 0, sizeof *r);
    if (steps < 1) return fl_fail(err, FL_ERR_ARG, "bench needs at least one step");
    fl_model *m = NULL;
    fl_adamw *opt = NULL;
    int32_t *tok = NULL;
    double *t = malloc((size_t)steps * sizeof *t);
    fl_status st = t ? FL_OK : fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!st) st = fl_model_create(c, &m, err);
    if (!st) st = fl_model_reserve(m, B, T, err);
    if (!st) st = fl_adamw_create(m, &opt, err);
    if (!st) {
        fl_model_init_weights(m, 1);
        const int W = fl_model_window_len(m, T);
        tok = malloc(sizeof *tok * (size_t)B * W);
        if (!tok) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
        fl_rng rng;
        fl_rng_seed(&rng, 7);
        for (int i = 0; tok && i < B * W; i++) tok[i] = (int32_t)fl_rng_below(&rng, (uint64_t)c->vocab_size);
    }
    fl_adamw_config oc;
    fl_adamw_config_default(&oc);
    int grads_zero = 0; /* as the trainer: AdamW zeroes the gradients for the next step */
    for (int s = -1; !st && s < steps; s++) { /* s = -1: untimed warm-up */
        fl_losses L;
        fl_profile *p = s >= 0 ? prof : NULL;
        fl_model_set_profile(m, p);
        double t0 = fl_wall_seconds();
        if (!grads_zero) fl_model_zero_grad(m);
        double tz = fl_wall_seconds();
        st = fl_model_forward_backward(m, tok, B, T, &L, err);
        if (st) break;
        double t1 = fl_wall_seconds();
        float coef = fl_train_clip_coef(fl_train_grad_norm(m, opt), 1.0f); /* as the trainer clips: in AdamW */
        double t2 = fl_wall_seconds();
        grads_zero = fl_train_adamw_step_scaled(opt, m, &oc, coef, 1);
        double t3 = fl_wall_seconds();
        if (p) { /* zeroing and the norm count as the optimizer's "other" */
            p->phase_seconds[FL_PHASE_OPTIMIZER] += (tz - t0) + (t3 - t1);
            p->seconds[FL_PHASE_OPTIMIZER][FL_PROF_ADAMW] += t3 - t2;
        }
        if (s >= 0) t[s] = t3 - t0;
        if (s == 0) r->loss_first = L.loss;
        r->loss_last = L.loss;
    }
    if (!st) {
        r->steps = steps;
        r->params = fl_model_num_params(m);
        r->ms_min = 1e300;
        for (int s = 0; s < steps; s++) r->ms_min = t[s] * 1e3 < r->ms_min ? t[s] * 1e3 : r->ms_min;
        r->ms_median = median(t, steps) * 1e3;
        r->tokens_per_s = (double)B * T / (r->ms_median * 1e-3);
        r->flops_per_step = fl_model_train_flops(c, B, T);
        r->gflops = r->flops_per_step / (r->ms_median * 1e-3) * 1e-9;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        r->peak_rss_mib = ru.ru_maxrss / 1024.0;
    }
    if (m) fl_model_set_profile(m, NULL);
    free(t);
    free(tok);
    fl_adamw_free(opt);
    fl_model_free(m);
    return st;
}
