/* Finite-difference checks of every kernel's backward, each kernel on its own,
 * so a wrong gradient is found at the kernel that has it.
 *
 * For a kernel y = f(x1, x2, ...) we take the scalar L = Σ y·R with a fixed
 * random R, run the backward with dy = R, and compare each analytic dL/dx_i
 * with the central difference (L(x_i + h) - L(x_i - h)) / 2h, L summed in
 * double. Outputs a perturbation does not touch are bit-identical in both
 * evaluations, so rounding enters only through the touched ones; with h = 1e-2
 * the observed worst error is 3e-5 of max|analytic| on every kernel (h = 3e-3
 * and 1e-3 give more rounding error, not less). The tolerance, 1e-3 of
 * max|analytic|, is 30x that, yet catches a GELU derivative with a 2 in place
 * of its 3 (an error of 0.5%). Up to 256 coordinates per tensor are probed. */
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels/kernels.h"
#include "util/rng.h"

#define FD_H 1e-2f
#define TOL 1e-3

typedef double (*loss_fn)(void *ctx);

static fl_rng rng;
static float *randn(size_t n, float scale) {
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = (float)fl_rng_normal(&rng) * scale;
    return p;
}
static float *zeros(size_t n) { return calloc(n, sizeof(float)); }
static double dot_d(const float *a, const float *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

/* Compares grad (analytic) with central differences of fn over x. */
static void probe(const char *name, float *x, const float *grad, size_t n, loss_fn fn, void *ctx) {
    double worst = 0, gmax = 0;
    for (size_t i = 0; i < n; i++) gmax = fmax(gmax, fabs(grad[i]));
    size_t step = n > 256 ? n / 256 : 1;
    for (size_t i = 0; i < n; i += step) {
        float keep = x[i];
        x[i] = keep + FD_H;
        double lp = fn(ctx);
        x[i] = keep - FD_H;
        double lm = fn(ctx);
        x[i] = keep;
        double fd = (lp - lm) / (2.0 * FD_H);
        worst = fmax(worst, fabs(fd - grad[i]));
    }
    char label[160];
    snprintf(label, sizeof label, "gradcheck %s (worst %.1e of max|grad|)", name, gmax > 0 ? worst / gmax : worst);
    check(gmax > 0 && worst <= TOL * gmax, label, "max|fd - analytic| %.3g vs max|analytic| %.3g", worst, gmax);
}

/* ---------------------------------------------------------------- embedding */
typedef struct { int R, S, C, V; int32_t *tok; float *wte, *wpe, *out, *Rw; } emb_ctx;
static double emb_loss(void *p) {
    emb_ctx *c = p;
    fli_embedding_forward(c->out, c->tok, c->wte, c->wpe, c->R, c->S, c->C);
    return dot_d(c->out, c->Rw, (size_t)c->R * c->S * c->C);
}
static void test_embedding(void) {
    emb_ctx c = {3, 5, 8, 11, NULL, NULL, NULL, NULL, NULL};
    size_t n = (size_t)c.R * c.S * c.C;
    c.tok = malloc(sizeof(int32_t) * c.R * c.S);
    for (int i = 0; i < c.R * c.S; i++) c.tok[i] = (int32_t)fl_rng_below(&rng, 4); /* repeats: scatter-add */
    c.wte = randn((size_t)c.V * c.C, 1);
    c.wpe = randn((size_t)c.S * c.C, 1);
    c.out = zeros(n);
    c.Rw = randn(n, 1);
    float *gte = zeros((size_t)c.V * c.C), *gpe = zeros((size_t)c.S * c.C);
    fli_embedding_backward(gte, gpe, c.Rw, c.tok, c.R, c.S, c.C);
    probe("embedding dwte", c.wte, gte, (size_t)c.V * c.C, emb_loss, &c);
    probe("embedding dwpe", c.wpe, gpe, (size_t)c.S * c.C, emb_loss, &c);
    free(c.tok), free(c.wte), free(c.wpe), free(c.out), free(c.Rw), free(gte), free(gpe);
}

/* ---------------------------------------------------------------- layernorm */
typedef struct { int N, C; float *x, *w, *b, *out, *mean, *rstd, *Rw; } ln_ctx;
static double ln_loss(void *p) {
    ln_ctx *c = p;
    fli_layernorm_forward(c->out, c->mean, c->rstd, c->x, c->w, c->b, c->N, c->C);
    return dot_d(c->out, c->Rw, (size_t)c->N * c->C);
}
static void test_layernorm(void) {
    ln_ctx c = {7, 37, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    size_t n = (size_t)c.N * c.C;
    c.x = randn(n, 2), c.w = randn(c.C, 1), c.b = randn(c.C, 1);
    c.out = zeros(n), c.mean = zeros(c.N), c.rstd = zeros(c.N), c.Rw = randn(n, 1);
    ln_loss(&c);
    float *dx = zeros(n), *dw = zeros(c.C), *db = zeros(c.C);
    fli_layernorm_backward(dx, dw, db, c.Rw, c.x, c.w, c.mean, c.rstd, c.N, c.C);
    probe("layernorm dx", c.x, dx, n, ln_loss, &c);
    probe("layernorm dw", c.w, dw, c.C, ln_loss, &c);
    probe("layernorm db", c.b, db, c.C, ln_loss, &c);
    free(c.x), free(c.w), free(c.b), free(c.out), free(c.mean), free(c.rstd), free(c.Rw), free(dx), free(dw), free(db);
}

/* ---------------------------------------------------------------- linear */
typedef struct { int N, C, OC; float *x, *w, *b, *out, *Rw; } lin_ctx;
static double lin_loss(void *p) {
    lin_ctx *c = p;
    fli_linear_forward(c->out, c->x, c->w, c->b, c->N, c->C, c->OC);
    return dot_d(c->out, c->Rw, (size_t)c->N * c->OC);
}
static void test_linear(void) {
    lin_ctx c = {9, 13, 21, NULL, NULL, NULL, NULL, NULL};
    c.x = randn((size_t)c.N * c.C, 1), c.w = randn((size_t)c.OC * c.C, 1), c.b = randn(c.OC, 1);
    c.out = zeros((size_t)c.N * c.OC), c.Rw = randn((size_t)c.N * c.OC, 1);
    float *dx = zeros((size_t)c.N * c.C), *dw = zeros((size_t)c.OC * c.C), *db = zeros(c.OC);
    fli_linear_backward(dx, dw, db, c.Rw, c.x, c.w, c.N, c.C, c.OC);
    probe("linear dx (dY·W)", c.x, dx, (size_t)c.N * c.C, lin_loss, &c);
    probe("linear dw (dYᵀ·X)", c.w, dw, (size_t)c.OC * c.C, lin_loss, &c);
    probe("linear db", c.b, db, c.OC, lin_loss, &c);
    free(c.x), free(c.w), free(c.b), free(c.out), free(c.Rw), free(dx), free(dw), free(db);
}

/* ---------------------------------------------------------------- attention */
typedef struct { attention_shape sh; float *q, *kv, *out, *lse, *Rw; } att_ctx;
/* q: [R,Sq,q_stride]; kv: [R,Sk,kv_stride] with k at 0 and v at C (self: q,k,v all in one qkv). */
static const float *att_k(att_ctx *c) { return c->sh.causal ? c->q + c->sh.H * c->sh.hs : c->kv; }
static const float *att_v(att_ctx *c) { return c->sh.causal ? c->q + 2 * c->sh.H * c->sh.hs : c->kv + c->sh.H * c->sh.hs; }
static double att_loss(void *p) {
    att_ctx *c = p;
    fli_attention_forward(c->out, c->lse, c->q, att_k(c), att_v(c), &c->sh);
    return dot_d(c->out, c->Rw, (size_t)c->sh.R * c->sh.Sq * c->sh.H * c->sh.hs);
}
static void test_attention(int causal) {
    att_ctx c;
    int R = 2, S = 6, Hh = 3, hs = 4, C = Hh * hs, P = 5;
    if (causal) c.sh = (attention_shape){R, S, S, Hh, hs, 3 * C, 3 * C, 1};
    else c.sh = (attention_shape){R, S, P, Hh, hs, C, 2 * C, 0};
    size_t nq = (size_t)R * S * c.sh.q_stride, nkv = causal ? 0 : (size_t)R * P * 2 * C, no = (size_t)R * S * C;
    c.q = randn(nq, 1), c.kv = causal ? NULL : randn(nkv, 1);
    c.out = zeros(no), c.lse = zeros((size_t)R * Hh * S), c.Rw = randn(no, 1);
    att_loss(&c);
    float *dq = zeros(nq), *dkv = causal ? NULL : zeros(nkv);
    if (causal)
        fli_attention_backward(dq, dq + C, dq + 2 * C, c.Rw, c.out, c.lse, c.q, c.q + C, c.q + 2 * C, &c.sh);
    else
        fli_attention_backward(dq, dkv, dkv + C, c.Rw, c.out, c.lse, c.q, c.kv, c.kv + C, &c.sh);
    if (causal) {
        probe("causal self-attention dq/dk/dv", c.q, dq, nq, att_loss, &c);
    } else {
        probe("cross-attention dq", c.q, dq, nq, att_loss, &c);
        probe("cross-attention dk/dv", c.kv, dkv, nkv, att_loss, &c);
    }
    free(c.q), free(c.kv), free(c.out), free(c.lse), free(c.Rw), free(dq), free(dkv);
}

/* ---------------------------------------------------------------- gelu, residual */
typedef struct { size_t n; float *x, *y, *out, *Rw; } ew_ctx;
static double gelu_loss(void *p) {
    ew_ctx *c = p;
    fli_gelu_forward(c->out, c->x, c->n);
    return dot_d(c->out, c->Rw, c->n);
}
static double res_loss(void *p) {
    ew_ctx *c = p;
    fli_residual_forward(c->out, c->x, c->y, c->n);
    return dot_d(c->out, c->Rw, c->n);
}
static void test_elementwise(void) {
    ew_ctx c = {200, randn(200, 2), randn(200, 1), zeros(200), randn(200, 1)};
    float *dx = zeros(c.n), *dy = zeros(c.n);
    fli_gelu_backward(dx, c.x, c.Rw, c.n);
    probe("gelu (tanh) dx", c.x, dx, c.n, gelu_loss, &c);
    memset(dx, 0, c.n * sizeof(float));
    fli_residual_backward(dx, dy, c.Rw, c.n);
    probe("residual da", c.x, dx, c.n, res_loss, &c);
    probe("residual db", c.y, dy, c.n, res_loss, &c);
    free(c.x), free(c.y), free(c.out), free(c.Rw), free(dx), free(dy);
}

/* ---------------------------------------------------------------- cross-entropy */
typedef struct { int N, V, Vp; float *logits, *losses, *w; int32_t *tgt; } ce_ctx;
static double ce_loss(void *p) {
    ce_ctx *c = p;
    fli_crossentropy_forward(c->losses, c->logits, c->tgt, c->N, c->V, c->Vp);
    return dot_d(c->losses, c->w, (size_t)c->N);
}
static void test_crossentropy(void) {
    ce_ctx c = {5, 23, 64, NULL, NULL, NULL, NULL};
    size_t n = (size_t)c.N * c.Vp;
    c.logits = randn(n, 2), c.losses = zeros(c.N), c.w = randn(c.N, 1);
    c.tgt = malloc(sizeof(int32_t) * c.N);
    for (int i = 0; i < c.N; i++) c.tgt[i] = (int32_t)fl_rng_below(&rng, (uint64_t)c.V);
    float *g = zeros(n);
    fli_crossentropy_backward(g, c.logits, c.tgt, c.w, c.N, c.V, c.Vp);
    probe("cross-entropy dlogits (padded vocabulary)", c.logits, g, n, ce_loss, &c);
    int pad_ok = 1; /* padded columns: no gradient, and changing them changes nothing */
    for (int r = 0; r < c.N; r++)
        for (int v = c.V; v < c.Vp; v++) pad_ok &= g[(size_t)r * c.Vp + v] == 0.0f;
    double before = ce_loss(&c);
    for (int r = 0; r < c.N; r++) c.logits[(size_t)r * c.Vp + c.V] = 1e4f;
    check(pad_ok && ce_loss(&c) == before, "cross-entropy ignores padded columns", "padding leaked into the softmax");
    float *g2 = zeros(n); /* in place (the fused head's form) gives the same gradient */
    memcpy(g2, c.logits, n * sizeof(float));
    fli_crossentropy_backward(g2, g2, c.tgt, c.w, c.N, c.V, c.Vp);
    fli_crossentropy_backward(g, c.logits, c.tgt, c.w, c.N, c.V, c.Vp);
    check(!memcmp(g, g2, n * sizeof(float)), "cross-entropy backward in place == out of place", "differs");
    free(c.logits), free(c.losses), free(c.w), free(c.tgt), free(g), free(g2);
}

/* ---------------------------------------------------------------- AdamW, clipping (known answers) */
static void test_adamw(void) {
    float p[4] = {1.0f, -2.0f, 0.5f, 0.0f}, g[4] = {0.1f, -0.3f, 0.0f, 2.0f}, m[4] = {0}, v[4] = {0};
    double pd[4] = {1.0, -2.0, 0.5, 0.0}, md[4] = {0}, vd[4] = {0};
    const double lr = 1e-2, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
    double worst = 0;
    for (long t = 1; t <= 5; t++) {
        fli_adamw_update(p, g, 1.0f, 0, m, v, 4, (float)lr, (float)b1, (float)b2, (float)eps, (float)wd, t);
        for (int i = 0; i < 4; i++) { /* the update written out in double */
            pd[i] *= 1 - lr * wd;
            md[i] = b1 * md[i] + (1 - b1) * g[i];
            vd[i] = b2 * vd[i] + (1 - b2) * (double)g[i] * g[i];
            double mh = md[i] / (1 - pow(b1, t)), vh = vd[i] / (1 - pow(b2, t));
            pd[i] -= lr * mh / (sqrt(vh) + eps);
            worst = fmax(worst, fabs(p[i] - pd[i]));
        }
    }
    check(worst < 1e-6, "AdamW matches the bias-corrected, decoupled-decay update", "max|d| %.3g", worst);
    /* the first step moves every coordinate with a gradient by about lr (Adam's sign-like first step) */
    float q[1] = {0}, gg[1] = {3.0f}, mm[1] = {0}, vv[1] = {0};
    fli_adamw_update(q, gg, 1.0f, 0, mm, vv, 1, 0.01f, 0.9f, 0.999f, 1e-8f, 0.0f, 1);
    check(fabs(q[0] + 0.01f) < 1e-6, "AdamW first step is -lr * sign(g)", "got %g", q[0]);
    /* zeroing the gradient in the same pass changes nothing else, bit for bit */
    enum { NZ = 100003 }; /* over the kernel's parallel threshold, odd */
    float *pz = malloc(sizeof(float) * 8 * NZ);
    float *gz = pz + NZ, *mz = pz + 2 * NZ, *vz = pz + 3 * NZ, *p2 = pz + 4 * NZ, *g2 = pz + 5 * NZ, *m2 = pz + 6 * NZ,
          *v2 = pz + 7 * NZ;
    for (int i = 0; i < NZ; i++) {
        pz[i] = p2[i] = (float)sin(i * 0.37);
        gz[i] = g2[i] = (float)cos(i * 1.3) * 1e-2f;
        mz[i] = m2[i] = gz[i] * 0.5f;
        vz[i] = v2[i] = gz[i] * gz[i] * 0.25f;
    }
    fli_adamw_update(pz, gz, 0.75f, 0, mz, vz, NZ, 3e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, 7);
    fli_adamw_update(p2, g2, 0.75f, 1, m2, v2, NZ, 3e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, 7);
    int same = !memcmp(pz, p2, sizeof(float) * NZ) && !memcmp(mz, m2, sizeof(float) * NZ) &&
               !memcmp(vz, v2, sizeof(float) * NZ);
    int zeroed = 1, kept = 1;
    for (int i = 0; i < NZ; i++) zeroed &= g2[i] == 0.0f, kept &= gz[i] == (float)cos(i * 1.3) * 1e-2f;
    check(same && zeroed && kept, "AdamW with zero_grad: the same p, m, v bits, g left zero (and untouched without)",
          "same %d zeroed %d kept %d", same, zeroed, kept);
    free(pz);
}

static void test_clip_pieces(void) {
    size_t n = 10000;
    float *g = malloc(n * sizeof *g);
    for (size_t i = 0; i < n; i++) g[i] = (i % 2) ? 0.5f : -0.5f;
    double ss = fli_sum_of_squares(g, n);
    check(ss == 2500.0, "sum of squares is exact on a known answer", "got %.17g", ss);
    fli_scale_inplace(g, n, 0.5f);
    check(g[0] == -0.25f && g[n - 1] == 0.25f, "gradient scaling", "got %g", g[0]);
    free(g);
    /* many blocks, a ragged tail: within 1e-13 of a long-double sum, and the same bits at
     * every thread count (the blocks' grouping depends on n only) */
    size_t big = 3000017;
    float *h = malloc(big * sizeof *h);
    long double ref = 0;
    for (size_t i = 0; i < big; i++) h[i] = (float)(fl_rng_uniform(&rng) - 0.5), ref += (long double)h[i] * h[i];
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    double one = fli_sum_of_squares(h, big);
#ifdef _OPENMP
    omp_set_num_threads(3);
#endif
    double three = fli_sum_of_squares(h, big);
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    double two = fli_sum_of_squares(h, big);
    check(fabsl(one - ref) < 1e-13L * ref, "sum of squares over 733 blocks matches a long-double sum", "rel %.3Lg",
          fabsl(one - ref) / ref);
    check(one == two && one == three, "sum of squares: the same bits at 1, 2 and 3 threads", "%.17g %.17g %.17g", one,
          two, three);
    /* zeroing: every element of a ragged length over several threads' pieces, and not one past it */
    for (size_t i = 0; i < big; i++) h[i] = 1.0f;
    fli_zero_fill(h, big - 1);
    int zero = 1;
    for (size_t i = 0; i + 1 < big; i++) zero &= h[i] == 0.0f;
    check(zero && h[big - 1] == 1.0f, "zero fill: all n elements, nothing after", "last %g", h[big - 1]);
    free(h);
}

int main(void) {
    fl_rng_seed(&rng, 42);
    test_embedding();
    test_layernorm();
    test_linear();
    test_attention(1);
    test_attention(0);
    test_elementwise();
    test_crossentropy();
    test_adamw();
    test_clip_pieces();
    return check_exit();
}
