/* A generation session: the encoder's key/value cache, the FTP decoder's
 * per-slot caches, and the model's weights packed once for decoding.
 *
 * The encoder appends n tokens in one batched pass: each block writes the new
 * keys/values into the cache and attends over everything cached so far. The
 * FTP decoder keeps, for each slot (one encoder position), its pseudo-sequence's
 * cross-attention keys/values, computed once, and its own self-attention cache
 * over the decoder steps taken so far.
 *
 * Every kernel here computes a row the same way whatever rows share the call
 * (see linear_packed.c), so logits at a position are bit-identical whether it
 * was decoded alone or verified with a batch of drafts. All memory is
 * allocated at creation; appends and decoder steps allocate nothing. The draft
 * steps' reduced-precision weights and shortlist head are draft_weights.c's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infer/infer.h"
#include "infer/session_impl.h"
#include "kernels/kernels.h"
#include "model/head.h"
#include "model/model.h"
#include "util/error.h"
#include "util/mem.h"

/* One list of buffers sizes the arena and then binds it. */
static size_t layout(fl_session *s, float *mem) {
    const size_t C = s->C, T = s->T, L = s->L, R = s->rows, P = s->P, N = s->N, Ld = s->Ld;
    fl_carver cv = {mem, 0};
    s->head = fl_carve(&cv, fli_linear_pack_floats(s->C, s->Vp));
    for (int l = 0; l < s->L; l++) {
        packed_block *b = &s->enc[l];
        b->qkv = fl_carve(&cv, fli_linear_pack_floats(s->C, 3 * s->C));
        b->attn_proj = fl_carve(&cv, fli_linear_pack_floats(s->C, s->C));
        b->fc = fl_carve(&cv, fli_linear_pack_floats(s->C, 4 * s->C));
        b->fc_proj = fl_carve(&cv, fli_linear_pack_floats(4 * s->C, s->C));
    }
    s->kc = fl_carve(&cv, L * T * C);
    s->vc = fl_carve(&cv, L * T * C);
    s->x = fl_carve(&cv, T * C);
    s->ln = fl_carve(&cv, T * C);
    s->qkv = fl_carve(&cv, T * 3 * C);
    s->att = fl_carve(&cv, T * C);
    s->tmp = fl_carve(&cv, T * C);
    s->fch = fl_carve(&cv, T * 4 * C);
    s->h = fl_carve(&cv, T * C);
    s->mean = fl_carve(&cv, T);
    s->rstd = fl_carve(&cv, T);
    if (s->N > 0) {
        s->proj = fl_carve(&cv, fli_linear_pack_floats(s->C, s->P * s->C));
        for (int l = 0; l < s->Ld; l++) {
            packed_block *b = &s->dec[l];
            b->qkv = fl_carve(&cv, fli_linear_pack_floats(s->C, 3 * s->C));
            b->attn_proj = fl_carve(&cv, fli_linear_pack_floats(s->C, s->C));
            b->xq = fl_carve(&cv, fli_linear_pack_floats(s->C, s->C));
            b->xkv = fl_carve(&cv, fli_linear_pack_floats(s->C, 2 * s->C));
            b->xproj = fl_carve(&cv, fli_linear_pack_floats(s->C, s->C));
            b->fc = fl_carve(&cv, fli_linear_pack_floats(s->C, 4 * s->C));
            b->fc_proj = fl_carve(&cv, fli_linear_pack_floats(4 * s->C, s->C));
        }
        s->ctx = fl_carve(&cv, R * P * C);
        s->xk = fl_carve(&cv, R * Ld * P * C);
        s->xv = fl_carve(&cv, R * Ld * P * C);
        s->sk = fl_carve(&cv, R * Ld * N * C);
        s->sv = fl_carve(&cv, R * Ld * N * C);
        s->xkv_tmp = fl_carve(&cv, R * P * 2 * C);
        s->dx = fl_carve(&cv, R * C);
        s->dln = fl_carve(&cv, R * C);
        s->dqkv = fl_carve(&cv, R * 3 * C);
        s->datt = fl_carve(&cv, R * C);
        s->dtmp = fl_carve(&cv, R * C);
        s->dfch = fl_carve(&cv, R * 4 * C);
        s->dmean = fl_carve(&cv, R);
        s->drstd = fl_carve(&cv, R);
    }
    return cv.floats;
}

static void pack_block(packed_block *p, const block_weights *w, int C, int cross) {
    fli_linear_pack(p->qkv, w->qkv_w, C, 3 * C);
    fli_linear_pack(p->attn_proj, w->attn_proj_w, C, C);
    fli_linear_pack(p->fc, w->fc_w, C, 4 * C);
    fli_linear_pack(p->fc_proj, w->fc_proj_w, 4 * C, C);
    if (!cross) return;
    fli_linear_pack(p->xq, w->xq_w, C, C);
    fli_linear_pack(p->xkv, w->xkv_w, C, 2 * C);
    fli_linear_pack(p->xproj, w->xproj_w, C, C);
}

fl_status fl_session_create(const fl_model *m, int max_rows, fl_session **out, fl_error *err) {
    const fl_model_config *c = &m->cfg;
    *out = NULL;
    if (max_rows < 1 || max_rows > c->block_size)
        return fl_fail(err, FL_ERR_ARG, "session rows %d: need 1..%d (model.block_size)", max_rows, c->block_size);
    fl_session *s = calloc(1, sizeof *s);
    if (!s) return fl_fail(err, FL_ERR_NOMEM, "out of memory for a generation session");
    s->m = m;
    s->T = c->block_size;
    s->C = c->n_embd;
    s->H = c->n_head;
    s->L = c->n_layer;
    s->V = c->vocab_size;
    s->Vp = m->Vp;
    s->rows = max_rows;
    s->draft_precision = FL_DRAFT_F32;
    if (c->type == FL_MODEL_FTP) {
        s->N = c->n_future;
        s->P = c->pseudo_len;
        s->Ld = c->dec_layers;
        s->Hd = c->dec_heads;
    }
    s->enc = calloc((size_t)s->L, sizeof *s->enc);
    s->dec = calloc((size_t)(s->Ld > 0 ? s->Ld : 1), sizeof *s->dec);
    size_t n = layout(s, NULL);
    s->mem = s->enc && s->dec ? fl_alloc(n, sizeof(float)) : NULL;
    if (!s->mem) {
        fl_session_free(s);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory: a generation session needs %.1f MiB", n * 4.0 / (1 << 20));
    }
    layout(s, s->mem);
    fli_linear_pack(s->head, m->wte, s->C, s->Vp); /* wte has Vp rows, the padding zero */
    for (int l = 0; l < s->L; l++) pack_block(&s->enc[l], &m->enc_w[l], s->C, 0);
    if (s->N > 0) {
        fli_linear_pack(s->proj, m->proj_w, s->C, s->P * s->C);
        for (int l = 0; l < s->Ld; l++) pack_block(&s->dec[l], &m->dec_w[l], s->C, 1);
    }
    *out = s;
    return FL_OK;
}

void fl_session_free(fl_session *s) {
    if (!s) return;
    fl_session_set_draft_vocab(s, NULL, 0, NULL);
    fl_session_set_draft_precision(s, FL_DRAFT_F32, NULL);
    fl_free(s->mem);
    free(s->enc);
    free(s->dec);
    free(s);
}

int fl_session_len(const fl_session *s) { return s->len; }
void fl_session_truncate(fl_session *s, int len) {
    if (len >= 0 && len < s->len) s->len = len;
}
const float *fl_session_hidden(const fl_session *s) { return s->h; }

static void add_inplace(float *x, const float *y, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}

/* out = x · w with the float32 weight, or with its draft copy d when there is one. */
static void linear_either(float *out, const float *x, const float *w32, const draft_w *d, const float *b, int n, int C,
                          int OC) {
    if (d && d->i8)
        fli_linear_packed_i8_forward(out, x, d->i8, d->scale, b, n, C, OC, d->scratch);
    else if (d && d->bf16)
        fli_linear_packed_bf16_forward(out, x, d->bf16, b, n, C, OC);
    else
        fli_linear_packed_forward(out, x, w32, b, n, C, OC);
}


/* The tied head (model/head.h) over n rows of final-LayerNorm output (rows Vp
 * apart), on the packed weight so that a row's logits do not depend on its
 * batch; the padding columns -inf as fl_head_logits makes them. A draft (one
 * row, or a tree level's rows) uses the draft weights: the shortlist's columns
 * only when there is a shortlist, scattered into -inf elsewhere. */
static void session_head(const fl_session *s, const float *x, int n, int draft, float *logits) {
    if (draft && s->n_draft > 0) {
        linear_either(s->draft_logits, x, s->draft_head, &s->draft_head_d, NULL, n, s->C, s->n_draft);
        for (int r = 0; r < n; r++) {
            float *row = logits + (size_t)r * s->Vp;
            for (int v = 0; v < s->Vp; v++) row[v] = -INFINITY;
            for (int i = 0; i < s->n_draft; i++) row[s->draft_ids[i]] = s->draft_logits[(size_t)r * s->n_draft + i];
        }
        return;
    }
    linear_either(logits, x, s->head, draft ? &s->head_d : NULL, NULL, n, s->C, s->Vp);
    fl_head_mask_padding(logits, n, s->V, s->Vp);
}


/* The MLP half of a block, in place on x [n, C]; with d, on its draft copies. */
static void mlp(const block_weights *w, const packed_block *p, const draft_block *d, float *x, float *ln, float *fch,
                float *tmp, float *mean, float *rstd, int n, int C) {
    fli_layernorm_forward(ln, mean, rstd, x, w->ln2_w, w->ln2_b, n, C);
    linear_either(fch, ln, p->fc, d ? &d->fc : NULL, w->fc_b, n, C, 4 * C);
    fli_gelu_forward(fch, fch, (size_t)n * 4 * C);
    linear_either(tmp, fch, p->fc_proj, d ? &d->fc_proj : NULL, w->fc_proj_b, n, 4 * C, C);
    add_inplace(x, tmp, (size_t)n * C);
}

/* ---------------------------------------------------------------- FTP decoder */

/* One decoder step for `n` slots (slots[i], all at step `step`, input tokens[i]):
 * logits [n, Vp]. Step 0 also derives each slot's pseudo-sequence and
 * cross-attention keys/values from the state vectors h0 [n, C]. A draft step
 * (step >= 1) runs on the draft weights. Tree drafts (tree != NULL) attend
 * instead over gathered rows of the self-attention cache, row i's step + 1 rows
 * at tree[i * (FL_MAX_FUTURE + 1)] (in rows of C floats from the layer's cache
 * in slot 0), and cross-attend to slot xslot. */
static void decoder_step(fl_session *s, const int *slots, int n, int step, const int32_t *tokens, const float *h0,
                         int draft, float *logits, const int *tree, const int *n_tree, int xslot) {
    const fl_model *m = s->m;
    const int C = s->C, P = s->P, N = s->N, Hd = s->Hd, hs = C / Hd;
    const size_t slot_x = (size_t)s->Ld * P * C, slot_s = (size_t)s->Ld * N * C;
    if (step == 0) {
        /* Step 0 runs on consecutive slots (fl_session_append's outputs), so
         * their pseudo-sequences are consecutive rows [n * P, C] of ctx, and
         * each layer's cross-attention keys/values come from one product. */
        float *ctx = s->ctx + (size_t)slots[0] * P * C;
        fli_linear_packed_forward(ctx, h0, s->proj, m->proj_b, n, C, P * C);
        for (int l = 0; l < s->Ld; l++) {
            fli_linear_packed_forward(s->xkv_tmp, ctx, s->dec[l].xkv, m->dec_w[l].xkv_b, n * P, C, 2 * C);
            for (int i = 0; i < n; i++) {
                float *xk = s->xk + slots[i] * slot_x + (size_t)l * P * C;
                float *xv = s->xv + slots[i] * slot_x + (size_t)l * P * C;
                for (int p = 0; p < P; p++) {
                    const float *kv = s->xkv_tmp + ((size_t)i * P + p) * 2 * C;
                    memcpy(xk + (size_t)p * C, kv, (size_t)C * sizeof(float));
                    memcpy(xv + (size_t)p * C, kv + C, (size_t)C * sizeof(float));
                }
            }
        }
    }
    for (int i = 0; i < n; i++) {
        const float *e = m->dec_wte + (size_t)tokens[i] * C, *pe = m->dec_wpe + (size_t)step * C;
        for (int c = 0; c < C; c++) s->dx[(size_t)i * C + c] = e[c] + pe[c];
    }
    for (int l = 0; l < s->Ld; l++) {
        const block_weights *w = &m->dec_w[l];
        const packed_block *p = &s->dec[l];
        const draft_block *d = draft && s->draftw ? &s->draftw[l] : NULL;
        fli_layernorm_forward(s->dln, s->dmean, s->drstd, s->dx, w->ln1_w, w->ln1_b, n, C);
        linear_either(s->dqkv, s->dln, p->qkv, d ? &d->qkv : NULL, w->qkv_b, n, C, 3 * C);
        for (int i = 0; i < n; i++) {
            float *sk = s->sk + slots[i] * slot_s + (size_t)l * N * C, *sv = s->sv + slots[i] * slot_s + (size_t)l * N * C;
            memcpy(sk + (size_t)step * C, s->dqkv + (size_t)i * 3 * C + C, (size_t)C * sizeof(float));
            memcpy(sv + (size_t)step * C, s->dqkv + (size_t)i * 3 * C + 2 * C, (size_t)C * sizeof(float));
            if (tree)
                fli_attention_gathered(s->datt + (size_t)i * C, s->dqkv + (size_t)i * 3 * C, 3 * C,
                                       (fli_keys){s->sk + (size_t)l * N * C, C, 0}, s->sv + (size_t)l * N * C, C, 1, 0,
                                       tree + (size_t)i * (FL_MAX_FUTURE + 1), 0, n_tree + i, Hd, hs);
            else
                fli_attention_cached(s->datt + (size_t)i * C, s->dqkv + (size_t)i * 3 * C, 3 * C, (fli_keys){sk, C, 0},
                                     sv, C, 1, step, 0, 1, Hd, hs);
        }
        linear_either(s->dtmp, s->datt, p->attn_proj, d ? &d->attn_proj : NULL, w->attn_proj_b, n, C, C);
        add_inplace(s->dx, s->dtmp, (size_t)n * C);

        fli_layernorm_forward(s->dln, s->dmean, s->drstd, s->dx, w->lnx_w, w->lnx_b, n, C);
        linear_either(s->dqkv, s->dln, p->xq, d ? &d->xq : NULL, w->xq_b, n, C, C); /* queries, [n, C] */
        for (int i = 0; i < n; i++) {
            const int xs = tree ? xslot : slots[i];
            const float *xk = s->xk + xs * slot_x + (size_t)l * P * C;
            const float *xv = s->xv + xs * slot_x + (size_t)l * P * C;
            fli_attention_cached(s->datt + (size_t)i * C, s->dqkv + (size_t)i * C, C, (fli_keys){xk, C, 0}, xv, C, 1, 0,
                                 P, 0, Hd, hs);
        }
        linear_either(s->dtmp, s->datt, p->xproj, d ? &d->xproj : NULL, w->xproj_b, n, C, C);
        add_inplace(s->dx, s->dtmp, (size_t)n * C);

        mlp(w, p, d, s->dx, s->dln, s->dfch, s->dtmp, s->dmean, s->drstd, n, C);
    }
    fli_layernorm_forward(s->dln, s->dmean, s->drstd, s->dx, m->dec_lnf_w, m->dec_lnf_b, n, C);
    session_head(s, s->dln, n, draft, logits);
}

/* ---------------------------------------------------------------- encoder */

/* fl_session_append, or a tree's nodes (fli_session_append_tree, infer.h). */
static fl_status append(fl_session *s, const int32_t *tokens, int n, int n_out, float *logits, fli_tree *t,
                        fl_error *err) {
    const fl_model *m = s->m;
    const int C = s->C, T = s->T, hs = C / s->H, first = s->len;
    if (n < 1 || first + n > T)
        return fl_fail(err, FL_ERR_ARG, "appending %d tokens to %d cached: the context holds %d (model.block_size)", n,
                       first, T);
    if (n_out < 0 || n_out > n || n_out > s->rows)
        return fl_fail(err, FL_ERR_ARG, "asked for logits of %d positions: need 0..%d", n_out,
                       n < s->rows ? n : s->rows);
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= s->V)
            return fl_fail(err, FL_ERR_ARG, "token id %d is outside the vocabulary (0..%d)", tokens[i], s->V - 1);

    for (int i = 0; i < n; i++) {
        const float *e = m->wte + (size_t)tokens[i] * C, *pe = m->wpe + (size_t)(first + (t ? t->depth[i] : i)) * C;
        for (int c = 0; c < C; c++) s->x[(size_t)i * C + c] = e[c] + pe[c];
    }
    for (int l = 0; l < s->L; l++) {
        const block_weights *w = &m->enc_w[l];
        const packed_block *p = &s->enc[l];
        float *kc = s->kc + (size_t)l * T * C, *vc = s->vc + (size_t)l * T * C;
        fli_layernorm_forward(s->ln, s->mean, s->rstd, s->x, w->ln1_w, w->ln1_b, n, C);
        fli_linear_packed_forward(s->qkv, s->ln, p->qkv, w->qkv_b, n, C, 3 * C);
        for (int i = 0; i < n; i++) {
            const float *key = s->qkv + (size_t)i * 3 * C + C;
            for (int c = 0; c < C; c++) kc[(size_t)c * T + first + i] = key[c];
            memcpy(vc + (size_t)(first + i) * C, s->qkv + (size_t)i * 3 * C + 2 * C, (size_t)C * sizeof(float));
        }
        const fli_keys keys = {kc, T, 1};
        if (t)
            fli_attention_gathered(s->att, s->qkv, 3 * C, keys, vc, C, n, first, t->rows, FL_MAX_FUTURE + 1, t->n_rows,
                                   s->H, hs);
        else
            fli_attention_cached(s->att, s->qkv, 3 * C, keys, vc, C, n, first, 0, 1, s->H, hs);
        fli_linear_packed_forward(s->tmp, s->att, p->attn_proj, w->attn_proj_b, n, C, C);
        add_inplace(s->x, s->tmp, (size_t)n * C);
        mlp(w, p, NULL, s->x, s->ln, s->fch, s->tmp, s->mean, s->rstd, n, C);
    }
    fli_layernorm_forward(s->h, s->mean, s->rstd, s->x, m->lnf_w, m->lnf_b, n, C);
    s->len = first + n;
    s->n_last = n;
    if (n_out == 0) return FL_OK;

    const float *h_out = s->h + (size_t)(n - n_out) * C;
    if (s->N == 0) {
        session_head(s, h_out, n_out, 0, logits);
        return FL_OK;
    }
    int slots[64];
    for (int i0 = 0; i0 < n_out; i0 += 64) { /* slot i is the i-th output position */
        int k = n_out - i0 < 64 ? n_out - i0 : 64;
        for (int i = 0; i < k; i++) slots[i] = i0 + i;
        decoder_step(s, slots, k, 0, tokens + (n - n_out) + i0, h_out + (size_t)i0 * C, 0,
                     logits + (size_t)i0 * s->Vp, NULL, NULL, -1);
    }
    return FL_OK;
}

fl_status fl_session_append(fl_session *s, const int32_t *tokens, int n, int n_out, float *logits, fl_error *err) {
    return append(s, tokens, n, n_out, logits, NULL, err);
}
fl_status fli_session_append_tree(fl_session *s, const int32_t *tokens, fli_tree *t, float *logits, fl_error *err) {
    if (t->n > s->rows) return fl_fail(err, FL_ERR_ARG, "a tree of %d nodes: the session holds %d rows", t->n, s->rows);
    for (int i = 0; i < t->n; i++) { /* node i sees its ancestors' rows, root first, then its own */
        t->n_rows[i] = t->depth[i] + 1;
        for (int a = i, d = t->depth[i]; d >= 0; a = t->parent[a], d--) t->rows[i * (FL_MAX_FUTURE + 1) + d] = s->len + a;
    }
    return append(s, tokens, t->n, t->n, logits, t, err);
}

void fli_session_tree_commit(fl_session *s, int first, const int *path, int n) {
    const size_t C = s->C, T = s->T;
    /* path[d] >= d: a position is read before anything overwrites it */
    for (size_t r = 0; r < (size_t)s->L * C; r++) { /* the keys: a row per component, positions along it */
        float *row = s->kc + r * T;
        for (int d = 1; d < n; d++) row[first + d] = row[first + path[d]];
    }
    for (int l = 0; l < s->L; l++) { /* the values: a row per position */
        float *c = s->vc + (size_t)l * T * C;
        for (int d = 1; d < n; d++) memmove(c + (first + d) * C, c + (first + path[d]) * C, C * sizeof(float));
    }
    s->len = first + n;
}

void fli_session_draft_level(fl_session *s, int root_slot, fli_tree *t, int level, const int32_t *tokens,
                             float *logits) {
    const int a0 = t->level_start[level], n = t->level_start[level + 1] - a0, step = level + 1;
    int per_slot = s->Ld * s->N, slots[FLI_TREE_MAX]; /* per_slot: rows of C floats from slot to slot */
    for (int i = 0; i < n; i++) { /* node a's own row: slot a, step depth + 1 */
        int *rows = t->rows + (size_t)i * (FL_MAX_FUTURE + 1);
        slots[i] = a0 + i;
        rows[0] = root_slot * per_slot; /* step 0 of the position the round drafts from */
        for (int a = a0 + i, d = level; d >= 0; a = t->parent[a], d--) rows[d + 1] = a * per_slot + d + 1;
        t->n_rows[i] = step + 1;
    }
    decoder_step(s, slots, n, step, tokens, NULL, 1, logits, t->rows, t->n_rows, root_slot);
}

fl_status fl_session_decode(fl_session *s, int slot, int step, int32_t token, int draft, float *logits,
                            fl_error *err) {
    if (s->N == 0) return fl_fail(err, FL_ERR_ARG, "decoder steps need an FTP model; this is a GPT model");
    if (slot < 0 || slot >= s->rows) return fl_fail(err, FL_ERR_ARG, "decoder slot %d: need 0..%d", slot, s->rows - 1);
    if (step < 1 || step >= s->N)
        return fl_fail(err, FL_ERR_ARG, "decoder step %d: need 1..%d (ftp.n_future - 1)", step, s->N - 1);
    if (token < 0 || token >= s->V)
        return fl_fail(err, FL_ERR_ARG, "token id %d is outside the vocabulary (0..%d)", token, s->V - 1);
    decoder_step(s, &slot, 1, step, &token, NULL, draft, logits, NULL, NULL, -1);
    return FL_OK;
}
