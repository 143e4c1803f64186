/* What a generation session holds (session.c builds and runs it;
 * draft_weights.c keeps its reduced-precision draft copies). Internal: only
 * src/infer/ includes it. */
#ifndef FL_INFER_SESSION_IMPL_H
#define FL_INFER_SESSION_IMPL_H
#include <stdint.h>

#include "futurelm.h"

typedef struct {
    float *qkv, *attn_proj, *fc, *fc_proj; /* every block */
    float *xq, *xkv, *xproj;               /* decoder blocks: cross-attention */
} packed_block;

/* A weight's reduced-precision copy for draft steps (fl_session_set_draft_precision):
 * bfloat16 words, or int8 with a scale per output column; all NULL when drafts run
 * on the float32 weights. */
typedef struct {
    uint32_t *bf16;
    int8_t *i8;
    float *scale;
    unsigned char *scratch; /* int8: the session's one buffer for quantised inputs (draft_scratch) */
} draft_w;

/* A decoder block's draft copies. No xkv: drafts are steps >= 1, which reuse
 * step 0's cross-attention keys. */
typedef struct {
    draft_w qkv, attn_proj, xq, xproj, fc, fc_proj;
} draft_block;

struct fl_session {
    const fl_model *m;
    int T, C, H, L, V, Vp, rows;
    int N, P, Ld, Hd; /* FTP decoder (0 for GPT) */
    int len;          /* positions cached */
    int n_last;       /* rows of h from the last append */
    float *mem;
    packed_block *enc, *dec;
    float *head; /* wte packed as the tied LM head */
    float *proj; /* FTP projection */
    float *kc, *vc; /* encoder cache: keys [L, C, T] (transposed: fli_keys), values [L, T, C] */
    /* encoder scratch for up to T rows */
    float *x, *ln, *qkv, *att, *tmp, *fch, *h, *mean, *rstd;
    /* FTP decoder: per-slot caches and scratch for up to `rows` rows */
    float *ctx;      /* [rows, P*C] */
    float *xk, *xv;  /* [rows, Ld, P, C] */
    float *sk, *sv;  /* [rows, Ld, N, C] */
    float *xkv_tmp;  /* [rows*P, 2C] */
    float *dx, *dln, *dqkv, *datt, *dtmp, *dfch, *dmean, *drstd;
    /* the draft shortlist's head (fl_session_set_draft_vocab) */
    int n_draft;
    int32_t *draft_ids;
    float *draft_head, *draft_logits;
    /* reduced-precision drafting (fl_session_set_draft_precision): the decoder
     * blocks, the full head, the shortlist's head, each in one arena; NULL /
     * empty in float32 drafting */
    fl_draft_precision draft_precision;
    draft_block *draftw;
    draft_w head_d, draft_head_d;
    unsigned char *draft_mem, *draft_head_mem;
    unsigned char *draft_scratch; /* in draft_mem: int8 drafts' quantised input rows (fli_linear_i8_scratch_bytes) */
};

#endif
