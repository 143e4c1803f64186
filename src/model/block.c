#include "model/block.h"

#include <string.h>

#include "model/timed.h"
#include "util/mem.h"

typedef struct {
    float **slot;
    size_t floats;
} piece;

static float *bind(piece *p, int n, float *mem) {
    for (int i = 0; i < n; i++) {
        if (p[i].slot) *p[i].slot = mem;
        mem += fl_round_floats(p[i].floats);
    }
    return mem;
}

static size_t total(const piece *p, int n) {
    size_t s = 0;
    for (int i = 0; i < n; i++) s += fl_round_floats(p[i].floats);
    return s;
}

/* The single list of activation tensors: sizing and binding both read it. */
static int acts_pieces(piece *p, block_acts *a, const block_dims *d) {
    size_t N = (size_t)d->R * d->S, C = d->C, H = d->H, Nc = (size_t)d->R * d->P;
    int x = d->P > 0, n = 0;
#define PIECE(field, count) p[n++] = (piece){a ? &a->field : NULL, (count)}
    PIECE(ln1, N * C); PIECE(ln1_mean, N); PIECE(ln1_rstd, N);
    PIECE(qkv, N * 3 * C); PIECE(atty, N * C); PIECE(att_lse, N * H); PIECE(res_att, N * C);
    if (x) {
        PIECE(lnx, N * C); PIECE(lnx_mean, N); PIECE(lnx_rstd, N);
        PIECE(xq, N * C); PIECE(xkv, Nc * 2 * C); PIECE(xatty, N * C); PIECE(xatt_lse, N * H); PIECE(res_x, N * C);
    }
    PIECE(ln2, N * C); PIECE(ln2_mean, N); PIECE(ln2_rstd, N);
    PIECE(fch, N * 4 * C); PIECE(fch_gelu, N * 4 * C); PIECE(out, N * C);
#undef PIECE
    return n;
}

static int scratch_pieces(piece *p, block_scratch *s, const block_dims *d) {
    size_t N = (size_t)d->R * d->S, C = d->C, Nc = (size_t)d->R * d->P;
    int n = 0;
#define PIECE(field, count) p[n++] = (piece){s ? &s->field : NULL, (count)}
    /* no dfch_gelu: the fused MLP backward never stores d(gelu output) (it stays NULL) */
    PIECE(dln, N * C); PIECE(datty, N * C); PIECE(dqkv, N * 3 * C); PIECE(dfch, N * 4 * C);
    if (d->P > 0) { PIECE(dxq, N * C); PIECE(dxkv, Nc * 2 * C); }
#undef PIECE
    return n;
}

size_t fli_block_acts_floats(const block_dims *d) {
    piece p[32];
    return total(p, acts_pieces(p, NULL, d));
}
size_t fli_block_scratch_floats(const block_dims *d) {
    piece p[16];
    return total(p, scratch_pieces(p, NULL, d));
}
float *fli_block_acts_bind(block_acts *a, float *mem, const block_dims *d) {
    piece p[32];
    memset(a, 0, sizeof *a);
    return bind(p, acts_pieces(p, a, d), mem);
}
float *fli_block_scratch_bind(block_scratch *s, float *mem, const block_dims *d) {
    piece p[16];
    memset(s, 0, sizeof *s);
    return bind(p, scratch_pieces(p, s, d), mem);
}

/* The layer's recipe. Every kernel call goes through model/timed.h (a wrapper,
 * or PROF_TIMED for the fused linear layers, booked as gemm), which books its
 * time under the kernel's category of d->at's phase. */
void fli_block_forward(const block_weights *w, block_acts *a, const float *in, const float *ctx, const block_dims *d) {
    const int N = d->R * d->S, C = d->C;
    const prof_at at = d->at;
    attention_shape self = {d->R, d->S, d->S, d->H, C / d->H, 3 * C, 3 * C, 1};

    /* res_att = in + attn_proj(attn(qkv(ln_1(in)))) */
    layernorm(at, a->ln1, a->ln1_mean, a->ln1_rstd, in, w->ln1_w, w->ln1_b, N, C);
    linear(at, a->qkv, a->ln1, w->qkv_w, w->qkv_b, N, C, 3 * C);
    attention(at, a->atty, a->att_lse, a->qkv, a->qkv + C, a->qkv + 2 * C, &self);
    PROF_TIMED(at, FL_PROF_GEMM, /* the residual add in the product's epilogue */
               fli_linear_residual_forward(a->res_att, in, a->atty, w->attn_proj_w, w->attn_proj_b, N, C, C));

    const float *x = a->res_att;
    if (d->P > 0) { /* res_x = res_att + xproj(xattn(xq(ln_x(res_att)), xkv(ctx))) */
        attention_shape cross = {d->R, d->S, d->P, d->H, C / d->H, C, 2 * C, 0};
        layernorm(at, a->lnx, a->lnx_mean, a->lnx_rstd, x, w->lnx_w, w->lnx_b, N, C);
        linear(at, a->xq, a->lnx, w->xq_w, w->xq_b, N, C, C);
        linear(at, a->xkv, ctx, w->xkv_w, w->xkv_b, d->R * d->P, C, 2 * C);
        attention(at, a->xatty, a->xatt_lse, a->xq, a->xkv, a->xkv + C, &cross);
        PROF_TIMED(at, FL_PROF_GEMM,
                   fli_linear_residual_forward(a->res_x, x, a->xatty, w->xproj_w, w->xproj_b, N, C, C));
        x = a->res_x;
    }

    /* out = x + fc_proj(gelu(fc(ln_2(x)))) */
    layernorm(at, a->ln2, a->ln2_mean, a->ln2_rstd, x, w->ln2_w, w->ln2_b, N, C);
    /* fch = fc(ln_2(x)) and fch_gelu = gelu(fch) in one product (the GELU in its epilogue) */
    PROF_TIMED(at, FL_PROF_GEMM, fli_linear_gelu_forward(a->fch, a->fch_gelu, a->ln2, w->fc_w, w->fc_b, N, C, 4 * C));
    PROF_TIMED(at, FL_PROF_GEMM,
               fli_linear_residual_forward(a->out, x, a->fch_gelu, w->fc_proj_w, w->fc_proj_b, N, 4 * C, C));
}

static void zero(float *p, size_t n) { memset(p, 0, n * sizeof *p); }

/* linear_grad for a scratch dx with no other contributor: the product
 * overwrites it, so it needs no zeroing pass (nor the read of the zeros). */
static void linear_grad_set(prof_at at, float *dx, float *dw, float *db, const float *dout, const float *x,
                            const float *w, int N, int C, int OC) {
    PROF_TIMED(at, FL_PROF_GEMM, fli_linear_backward_set(dx, dw, db, dout, x, w, N, C, OC));
}

/* The recipe backwards, branch by branch. The backward kernels add into their
 * outputs, so a scratch gradient that attention adds into is zeroed just
 * before; one that a single product fills is overwritten by it (beta 0); the
 * branches' input gradients add into dresid in place. */
void fli_block_backward(const block_weights *w, const block_weights *g, const block_acts *a, block_scratch *s,
                    float *dresid, const float *in, const float *ctx, float *dctx, const block_dims *d) {
    const int N = d->R * d->S, C = d->C;
    const size_t NC = (size_t)N * C;
    const prof_at at = d->at;
    const float *x_mlp = d->P > 0 ? a->res_x : a->res_att; /* input of the MLP branch */

    /* MLP branch: out = x_mlp + fc_proj(gelu(fc(ln_2(x_mlp)))) */
    /* dfch = gelu'(fch) * (dresid·fc_proj_w), the derivative applied in the product's epilogue */
    PROF_TIMED(at, FL_PROF_GEMM, fli_linear_backward_gelu(s->dfch, g->fc_proj_w, g->fc_proj_b, dresid, a->fch_gelu,
                                                          w->fc_proj_w, a->fch, N, 4 * C, C));
    linear_grad_set(at, s->dln, g->fc_w, g->fc_b, s->dfch, a->ln2, w->fc_w, N, C, 4 * C);
    layernorm_grad(at, dresid, g->ln2_w, g->ln2_b, s->dln, x_mlp, w->ln2_w, a->ln2_mean, a->ln2_rstd, N, C);

    if (d->P > 0) { /* cross-attention branch: res_x = res_att + xproj(xattn(ln_x(res_att), ctx)) */
        attention_shape cross = {d->R, d->S, d->P, d->H, C / d->H, C, 2 * C, 0};
        size_t Nc2 = (size_t)d->R * d->P * 2 * C;
        linear_grad_set(at, s->datty, g->xproj_w, g->xproj_b, dresid, a->xatty, w->xproj_w, N, C, C);
        zero(s->dxq, NC);
        zero(s->dxkv, Nc2);
        attention_grad(at, s->dxq, s->dxkv, s->dxkv + C, s->datty, a->xatty, a->xatt_lse, a->xq, a->xkv, a->xkv + C,
                       &cross);
        linear_grad(at, dctx, g->xkv_w, g->xkv_b, s->dxkv, ctx, w->xkv_w, d->R * d->P, C, 2 * C);
        linear_grad_set(at, s->dln, g->xq_w, g->xq_b, s->dxq, a->lnx, w->xq_w, N, C, C);
        layernorm_grad(at, dresid, g->lnx_w, g->lnx_b, s->dln, a->res_att, w->lnx_w, a->lnx_mean, a->lnx_rstd, N, C);
    }

    /* self-attention branch: res_att = in + attn_proj(attn(qkv(ln_1(in)))) */
    attention_shape self = {d->R, d->S, d->S, d->H, C / d->H, 3 * C, 3 * C, 1};
    linear_grad_set(at, s->datty, g->attn_proj_w, g->attn_proj_b, dresid, a->atty, w->attn_proj_w, N, C, C);
    zero(s->dqkv, NC * 3);
    attention_grad(at, s->dqkv, s->dqkv + C, s->dqkv + 2 * C, s->datty, a->atty, a->att_lse, a->qkv, a->qkv + C,
                   a->qkv + 2 * C, &self);
    linear_grad_set(at, s->dln, g->qkv_w, g->qkv_b, s->dqkv, a->ln1, w->qkv_w, N, C, 3 * C);
    layernorm_grad(at, dresid, g->ln1_w, g->ln1_b, s->dln, in, w->ln1_w, a->ln1_mean, a->ln1_rstd, N, C);
}
