/* One pre-LN transformer block, shared by the GPT/FTP encoder and the FTP
 * decoder:
 *     x = x + attn(ln_1(x))                 causal self-attention
 *     x = x + xattn(ln_x(x), ctx)           decoder only: cross-attention to ctx
 *     x = x + mlp(ln_2(x))                  C -> 4C -> GELU -> C
 * The block runs over R independent sequences of S tokens (N = R*S rows).
 */
#ifndef FL_MODEL_BLOCK_H
#define FL_MODEL_BLOCK_H
#include <stddef.h>

#include "futurelm.h"
#include "model/profile.h"

/* Pointers into the parameter (or gradient) buffer. The x* members are NULL
 * for encoder blocks, which have no cross-attention. */
typedef struct {
    float *ln1_w, *ln1_b, *qkv_w, *qkv_b, *attn_proj_w, *attn_proj_b;
    float *lnx_w, *lnx_b, *xq_w, *xq_b, *xkv_w, *xkv_b, *xproj_w, *xproj_b;
    float *ln2_w, *ln2_b, *fc_w, *fc_b, *fc_proj_w, *fc_proj_b;
} block_weights;

/* Activations saved by the forward for the backward. */
typedef struct {
    float *ln1, *ln1_mean, *ln1_rstd, *qkv, *atty, *att_lse, *res_att;
    float *lnx, *lnx_mean, *lnx_rstd, *xq, *xkv, *xatty, *xatt_lse, *res_x;
    float *ln2, *ln2_mean, *ln2_rstd, *fch, *fch_gelu, *out;
} block_acts;

/* Backward temporaries, shared by all blocks of one stack. */
typedef struct {
    float *dln, *datty, *dqkv, *dfch, *dfch_gelu, *dxq, *dxkv;
} block_scratch;

typedef struct {
    int R, S, C, H;
    int P;      /* context tokens per sequence for cross-attention (0: none) */
    prof_at at; /* the model's profile (NULL: not timing) and the phase to book under */
} block_dims;

/* Floats of activations one block needs, and floats of scratch a stack needs. */
size_t fli_block_acts_floats(const block_dims *d);
size_t fli_block_scratch_floats(const block_dims *d);
/* Carve acts/scratch out of a float region (64-byte aligned pieces). */
float *fli_block_acts_bind(block_acts *a, float *mem, const block_dims *d);
float *fli_block_scratch_bind(block_scratch *s, float *mem, const block_dims *d);

/* in [N,C] -> a->out [N,C]; ctx [R,P,C] when the block cross-attends. */
void fli_block_forward(const block_weights *w, block_acts *a, const float *in, const float *ctx, const block_dims *d);
/* dresid holds d(out) on entry and d(in) on exit (the residual path is the
 * identity, so branches add into it in place). Parameter gradients add into g;
 * the gradient of ctx adds into dctx. */
void fli_block_backward(const block_weights *w, const block_weights *g, const block_acts *a, block_scratch *s,
                    float *dresid, const float *in, const float *ctx, float *dctx, const block_dims *d);
#endif
