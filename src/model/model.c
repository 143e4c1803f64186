/* fl_model: the parameter table, initialisation, activation memory and the
 * public entry points. The maths lives in trunk.c (encoder), head.c (tied LM
 * head) and ftp.c (FTP projection + decoder). */
#include "model/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "model/head.h"
#include "util/error.h"
#include "util/mem.h"

/* ---------------------------------------------------------------- tensor table */

typedef struct {
    fl_model *m;
    float *init; /* per tensor: > 0 normal std, 0 zeros, -1 ones */
    int n;
    size_t offset;
    int counting; /* first pass only counts */
} table_builder;

enum { INIT_ZERO = 0, INIT_ONE = -1 };

static float *add(table_builder *tb, float init, int rows, int cols, const char *fmt, int layer) {
    size_t numel = (size_t)rows * (cols > 0 ? cols : 1);
    size_t off = tb->offset;
    tb->offset += fl_round_floats(numel);
    int i = tb->n++;
    if (tb->counting) return NULL;
    fl_model *m = tb->m;
    snprintf(m->names[i], FL_NAME_LEN, fmt, layer);
    fl_tensor *t = &m->tensors[i];
    t->name = m->names[i];
    t->ndim = cols > 0 ? 2 : 1;
    t->shape[0] = rows;
    t->shape[1] = cols > 0 ? cols : 0;
    t->numel = numel;
    t->data = m->params + off;
    t->grad = m->grads + off;
    t->decay = cols > 0;
    tb->init[i] = init;
    return t->data;
}

/* Registers every tensor in the order of docs/design.md 1.3 and points the typed
 * views at them. Pointer views of the gradient buffer are the same offsets. */
static void build_table(table_builder *tb) {
    fl_model *m = tb->m;
    const fl_model_config *c = &m->cfg;
    const int C = c->n_embd, L = c->n_layer;
    const float std = 0.02f, res_std = 0.02f / sqrtf(2.0f * L);
    int counting = tb->counting;
#define ADD(init, rows, cols, fmt, l) add(tb, (init), (rows), (cols), (fmt), (l))
    float *p;
    p = ADD(std, m->Vp, C, "wte", 0);
    if (!counting) m->wte = p;
    p = ADD(std, c->block_size, C, "wpe", 0);
    if (!counting) m->wpe = p;
    p = ADD(INIT_ONE, C, 0, "ln_f.weight", 0);
    if (!counting) m->lnf_w = p;
    p = ADD(INIT_ZERO, C, 0, "ln_f.bias", 0);
    if (!counting) m->lnf_b = p;
    for (int l = 0; l < L; l++) {
        block_weights w;
        memset(&w, 0, sizeof w);
        w.ln1_w = ADD(INIT_ONE, C, 0, "h.%d.ln_1.weight", l);
        w.ln1_b = ADD(INIT_ZERO, C, 0, "h.%d.ln_1.bias", l);
        w.ln2_w = ADD(INIT_ONE, C, 0, "h.%d.ln_2.weight", l);
        w.ln2_b = ADD(INIT_ZERO, C, 0, "h.%d.ln_2.bias", l);
        w.qkv_w = ADD(std, 3 * C, C, "h.%d.attn.c_attn.weight", l);
        w.qkv_b = ADD(INIT_ZERO, 3 * C, 0, "h.%d.attn.c_attn.bias", l);
        w.attn_proj_w = ADD(res_std, C, C, "h.%d.attn.c_proj.weight", l);
        w.attn_proj_b = ADD(INIT_ZERO, C, 0, "h.%d.attn.c_proj.bias", l);
        w.fc_w = ADD(std, 4 * C, C, "h.%d.mlp.c_fc.weight", l);
        w.fc_b = ADD(INIT_ZERO, 4 * C, 0, "h.%d.mlp.c_fc.bias", l);
        w.fc_proj_w = ADD(res_std, C, 4 * C, "h.%d.mlp.c_proj.weight", l);
        w.fc_proj_b = ADD(INIT_ZERO, C, 0, "h.%d.mlp.c_proj.bias", l);
        if (!counting) m->enc_w[l] = w;
    }
    if (c->type == FL_MODEL_FTP) {
        const int P = c->pseudo_len, N = c->n_future, Ld = c->dec_layers;
        const float dec_res_std = 0.02f / sqrtf(3.0f * Ld);
        p = ADD(std, P * C, C, "proj.weight", 0);
        if (!counting) m->proj_w = p;
        p = ADD(INIT_ZERO, P * C, 0, "proj.bias", 0);
        if (!counting) m->proj_b = p;
        p = ADD(std, N, C, "dec.wpe", 0);
        if (!counting) m->dec_wpe = p;
        p = ADD(INIT_ONE, C, 0, "dec.ln_f.weight", 0);
        if (!counting) m->dec_lnf_w = p;
        p = ADD(INIT_ZERO, C, 0, "dec.ln_f.bias", 0);
        if (!counting) m->dec_lnf_b = p;
        for (int l = 0; l < Ld; l++) {
            block_weights w;
            w.ln1_w = ADD(INIT_ONE, C, 0, "dec.h.%d.ln_1.weight", l);
            w.ln1_b = ADD(INIT_ZERO, C, 0, "dec.h.%d.ln_1.bias", l);
            w.lnx_w = ADD(INIT_ONE, C, 0, "dec.h.%d.ln_x.weight", l);
            w.lnx_b = ADD(INIT_ZERO, C, 0, "dec.h.%d.ln_x.bias", l);
            w.ln2_w = ADD(INIT_ONE, C, 0, "dec.h.%d.ln_2.weight", l);
            w.ln2_b = ADD(INIT_ZERO, C, 0, "dec.h.%d.ln_2.bias", l);
            w.qkv_w = ADD(std, 3 * C, C, "dec.h.%d.attn.c_attn.weight", l);
            w.qkv_b = ADD(INIT_ZERO, 3 * C, 0, "dec.h.%d.attn.c_attn.bias", l);
            w.attn_proj_w = ADD(dec_res_std, C, C, "dec.h.%d.attn.c_proj.weight", l);
            w.attn_proj_b = ADD(INIT_ZERO, C, 0, "dec.h.%d.attn.c_proj.bias", l);
            w.xq_w = ADD(std, C, C, "dec.h.%d.xattn.q.weight", l);
            w.xq_b = ADD(INIT_ZERO, C, 0, "dec.h.%d.xattn.q.bias", l);
            w.xkv_w = ADD(std, 2 * C, C, "dec.h.%d.xattn.kv.weight", l);
            w.xkv_b = ADD(INIT_ZERO, 2 * C, 0, "dec.h.%d.xattn.kv.bias", l);
            w.xproj_w = ADD(dec_res_std, C, C, "dec.h.%d.xattn.c_proj.weight", l);
            w.xproj_b = ADD(INIT_ZERO, C, 0, "dec.h.%d.xattn.c_proj.bias", l);
            w.fc_w = ADD(std, 4 * C, C, "dec.h.%d.mlp.c_fc.weight", l);
            w.fc_b = ADD(INIT_ZERO, 4 * C, 0, "dec.h.%d.mlp.c_fc.bias", l);
            w.fc_proj_w = ADD(dec_res_std, C, 4 * C, "dec.h.%d.mlp.c_proj.weight", l);
            w.fc_proj_b = ADD(INIT_ZERO, C, 0, "dec.h.%d.mlp.c_proj.bias", l);
            if (!counting) m->dec_w[l] = w;
        }
        /* Untied (ftp.tie_dec_embd = 0): the decoder's own input embedding, last in
         * the table, so the initialisation stream draws every other tensor exactly as
         * for the tied model of the same seed (design.md 1.2, 1.3). */
        p = c->tie_dec_embd ? NULL : ADD(std, m->Vp, C, "dec.wte", 0);
        if (!counting) m->dec_wte = p ? p : m->wte;
    }
#undef ADD
}

/* The gradient views are the parameter views shifted to the gradient buffer. */
static void grad_views(fl_model *m, const block_weights *w, block_weights *g, int n) {
    for (int l = 0; l < n; l++) {
        float *const *src = (float *const *)&w[l];
        float **dst = (float **)&g[l];
        for (size_t i = 0; i < sizeof(block_weights) / sizeof(float *); i++)
            dst[i] = src[i] ? m->grads + (src[i] - m->params) : NULL;
    }
}

fl_status fl_model_create(const fl_model_config *cfg, fl_model **out, fl_error *err) {
    *out = NULL;
    fl_status st = fl_model_config_validate(cfg, err);
    if (st) return st;
    fl_model *m = calloc(1, sizeof *m);
    if (!m) return fl_fail(err, FL_ERR_NOMEM, "out of memory creating the model");
    m->cfg = *cfg;
    if (m->cfg.type == FL_MODEL_FTP && m->cfg.dec_heads == 0) m->cfg.dec_heads = m->cfg.n_head;
    m->Vp = fl_padded_vocab(cfg->vocab_size);
    table_builder tb = {m, NULL, 0, 0, 1};
    build_table(&tb);
    m->num_tensors = tb.n;
    m->num_params = tb.offset;
    int L = cfg->n_layer, Ld = cfg->type == FL_MODEL_FTP ? cfg->dec_layers : 0;
    m->tensors = calloc((size_t)m->num_tensors, sizeof *m->tensors);
    m->names = calloc((size_t)m->num_tensors, sizeof *m->names);
    m->enc_w = calloc((size_t)L, sizeof *m->enc_w);
    m->enc_g = calloc((size_t)L, sizeof *m->enc_g);
    m->dec_w = calloc((size_t)(Ld ? Ld : 1), sizeof *m->dec_w);
    m->dec_g = calloc((size_t)(Ld ? Ld : 1), sizeof *m->dec_g);
    m->params = fl_alloc(m->num_params, sizeof(float));
    m->grads = fl_alloc(m->num_params, sizeof(float));
    float *init = calloc((size_t)m->num_tensors, sizeof *init);
    if (!m->tensors || !m->names || !m->enc_w || !m->enc_g || !m->dec_w || !m->dec_g || !m->params || !m->grads ||
        !init) {
        free(init);
        fl_model_free(m);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory allocating %zu parameters", tb.offset);
    }
    tb = (table_builder){m, init, 0, 0, 0};
    build_table(&tb);
    grad_views(m, m->enc_w, m->enc_g, L);
    grad_views(m, m->dec_w, m->dec_g, Ld);
    free(init);
    fl_rng_seed(&m->pos_rng, 0); /* a valid state even before fl_model_init_weights */
    *out = m;
    return FL_OK;
}

void fl_model_init_weights(fl_model *m, uint64_t seed) {
    table_builder tb = {m, NULL, 0, 0, 0};
    float *init = calloc((size_t)m->num_tensors, sizeof *init);
    if (!init) return;
    tb.init = init;
    build_table(&tb); /* re-derives the init kinds; views are unchanged */
    fl_rng rng;
    fl_rng_seed(&rng, seed);
    for (int i = 0; i < m->num_tensors; i++) {
        fl_tensor *t = &m->tensors[i];
        if (init[i] > 0.0f)
            for (size_t j = 0; j < t->numel; j++) t->data[j] = (float)(fl_rng_normal(&rng) * init[i]);
        else
            for (size_t j = 0; j < t->numel; j++) t->data[j] = init[i] == INIT_ONE ? 1.0f : 0.0f;
    }
    /* padding rows of the embeddings are never a token: keep them zero */
    const size_t pad = (size_t)(m->Vp - m->cfg.vocab_size) * m->cfg.n_embd * sizeof(float);
    memset(m->wte + (size_t)m->cfg.vocab_size * m->cfg.n_embd, 0, pad);
    if (m->dec_wte && m->dec_wte != m->wte) memset(m->dec_wte + (size_t)m->cfg.vocab_size * m->cfg.n_embd, 0, pad);
    fl_rng_seed(&m->pos_rng, seed ^ 0x5eedF7Full);
    free(init);
}

void fl_model_free(fl_model *m) {
    if (!m) return;
    fl_free(m->params);
    fl_free(m->grads);
    fl_free(m->act_mem);
    free(m->tensors);
    free(m->names);
    free(m->enc_w);
    free(m->enc_g);
    free(m->dec_w);
    free(m->dec_g);
    free(m->trunk.blocks);
    free(m->ftp.blocks);
    free(m);
}

const fl_model_config *fl_model_get_config(const fl_model *m) { return &m->cfg; }
size_t fl_model_num_params(const fl_model *m) {
    size_t n = 0;
    for (int i = 0; i < m->num_tensors; i++) n += m->tensors[i].numel;
    return n;
}
int fl_model_num_tensors(const fl_model *m) { return m->num_tensors; }
const fl_tensor *fl_model_tensor(const fl_model *m, int i) {
    return i >= 0 && i < m->num_tensors ? &m->tensors[i] : NULL;
}
const fl_tensor *fl_model_find_tensor(const fl_model *m, const char *name) {
    for (int i = 0; i < m->num_tensors; i++)
        if (!strcmp(m->tensors[i].name, name)) return &m->tensors[i];
    return NULL;
}
int fl_model_copy_weights(fl_model *dst, const fl_model *src) {
    int copied = 0;
    for (int i = 0; i < dst->num_tensors; i++) {
        const fl_tensor *b = &dst->tensors[i], *a = fl_model_find_tensor(src, b->name);
        /* A tied decoder read wte: copying it keeps the seeded decoder's inputs as
         * they were, rather than a fresh draw the trained decoder never saw. */
        if (!a && !strcmp(b->name, "dec.wte")) a = fl_model_find_tensor(src, "wte");
        if (a && a->numel == b->numel && a->shape[0] == b->shape[0])
            memcpy(b->data, a->data, a->numel * sizeof(float)), copied++;
    }
    return copied;
}
float *fl_model_params(fl_model *m) { return m->params; }
float *fl_model_grads(fl_model *m) { return m->grads; }
void fl_model_zero_grad(fl_model *m) { fli_zero_fill(m->grads, m->num_params); }

int fl_model_window_len(const fl_model *m, int T) { return T + (m->cfg.type == FL_MODEL_FTP ? m->cfg.n_future : 1); }

/* ---------------------------------------------------------------- activations */

/* Lays out (or, with mem == NULL, just measures) every activation buffer. */
static size_t layout(fl_model *m, float *mem, int B, int T) {
    const fl_model_config *c = &m->cfg;
    const size_t C = c->n_embd, BT = (size_t)B * T;
    fl_carver cv = {mem, 0};
    block_dims ed = {B, T, (int)C, c->n_head, 0, {NULL, FL_PHASE_ENCODER}};
    m->trunk.inputs = fl_carve(&cv, BT);
    m->trunk.encoded = fl_carve(&cv, BT * C);
    for (int l = 0; l < c->n_layer; l++) {
        float *blk = fl_carve(&cv, fli_block_acts_floats(&ed));
        if (blk) fli_block_acts_bind(&m->trunk.blocks[l], blk, &ed);
    }
    m->trunk.lnf = fl_carve(&cv, BT * C);
    m->trunk.lnf_mean = fl_carve(&cv, BT);
    m->trunk.lnf_rstd = fl_carve(&cv, BT);
    m->trunk.dresid = fl_carve(&cv, BT * C);
    m->dlnf = fl_carve(&cv, BT * C);
    m->row_w = fl_carve(&cv, BT);
    m->targets = fl_carve(&cv, BT);
    float *scratch = fl_carve(&cv, fli_block_scratch_floats(&ed));
    if (scratch) fli_block_scratch_bind(&m->enc_scratch, scratch, &ed);
    size_t head_rows = BT;
    if (c->type == FL_MODEL_FTP) {
        int K = c->positions > 0 && c->positions < T ? c->positions : T;
        m->R = B * K;
        head_rows = (size_t)m->R * c->n_future;
        float *ftp = fl_carve(&cv, fli_ftp_acts_floats(m, B, T, m->R));
        if (ftp) fli_ftp_acts_bind(m, ftp, B, T, m->R);
    }
    /* logits chunk: about 16M floats (64 MiB), never fewer than 32 rows. Each chunk's
     * three products pack the whole tied head again, so small chunks pay for it in
     * packing: 4M floats gave GPT-2's 50k vocabulary 83-row chunks, and its head phase
     * took 460-510 ms a step against 330-350 with one 256-row chunk (bench, B=4 T=64);
     * 13% less on the reference GPT's head, 5-10% on FTP's. */
    size_t chunk = (size_t)(16u << 20) / (size_t)m->Vp;
    if (chunk < 32) chunk = 32;
    if (chunk > head_rows) chunk = head_rows;
    m->chunk = (int)chunk;
    m->logits = fl_carve(&cv, chunk * m->Vp);
    m->losses = fl_carve(&cv, head_rows > BT ? head_rows : BT);
    return cv.floats;
}

fl_status fl_model_reserve(fl_model *m, int B, int T, fl_error *err) {
    if (B < 1 || T < 1 || T > m->cfg.block_size)
        return fl_fail(err, FL_ERR_ARG, "batch %d x context %d: need B >= 1 and 1 <= T <= model.block_size (%d)", B, T,
                       m->cfg.block_size);
    if (m->act_mem && m->B == B && m->T == T) return FL_OK;
    fl_free(m->act_mem);
    m->act_mem = NULL;
    free(m->trunk.blocks);
    free(m->ftp.blocks);
    m->trunk.blocks = calloc((size_t)m->cfg.n_layer, sizeof(block_acts));
    m->ftp.blocks = calloc((size_t)(m->cfg.type == FL_MODEL_FTP ? m->cfg.dec_layers : 1), sizeof(block_acts));
    if (!m->trunk.blocks || !m->ftp.blocks) return fl_fail(err, FL_ERR_NOMEM, "out of memory for activations");
    size_t n = layout(m, NULL, B, T);
    m->act_mem = fl_alloc(n, sizeof(float));
    if (!m->act_mem)
        return fl_fail(err, FL_ERR_NOMEM, "out of memory: activations for B=%d T=%d need %.1f MiB; lower train.batch_size",
                       B, T, n * 4.0 / (1 << 20));
    layout(m, m->act_mem, B, T);
    m->B = B;
    m->T = T;
    return FL_OK;
}

/* ---------------------------------------------------------------- passes */

static fl_status check_batch(fl_model *m, const int32_t *tokens, int B, int T, fl_error *err) {
    if (!m->act_mem || B != m->B || T != m->T)
        return fl_fail(err, FL_ERR_STATE, "fl_model_reserve(B=%d, T=%d) must be called before this pass", B, T);
    int W = fl_model_window_len(m, T);
    for (size_t i = 0; i < (size_t)B * W; i++)
        if (tokens[i] < 0 || tokens[i] >= m->cfg.vocab_size)
            return fl_fail(err, FL_ERR_ARG, "token id %d at position %zu is outside the vocabulary (0..%d)", tokens[i],
                           i, m->cfg.vocab_size - 1);
    return FL_OK;
}

fl_status fli_model_run(fl_model *m, const int32_t *tokens, int B, int T, int want_grad, const int32_t *positions, int K,
                    fl_losses *out, fl_error *err) {
    fl_status st = check_batch(m, tokens, B, T, err);
    if (st) return st;
    if (positions) {
        if (m->cfg.type != FL_MODEL_FTP || K < 1 || B * K > m->R)
            return fl_fail(err, FL_ERR_ARG, "explicit positions need an FTP model and 1 <= K <= %d", m->R / B);
        for (int i = 0; i < B * K; i++)
            if (positions[i] < 0 || positions[i] >= T)
                return fl_fail(err, FL_ERR_ARG, "position %d is outside 0..%d", positions[i], T - 1);
    }
    memset(out, 0, sizeof *out);
    const int W = fl_model_window_len(m, T);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) m->trunk.inputs[b * T + t] = tokens[(size_t)b * W + t];
    fli_trunk_forward(m, m->trunk.inputs, B, T);
    const int BT = B * T, C = m->cfg.n_embd;
    if (want_grad) memset(m->dlnf, 0, (size_t)BT * C * sizeof(float));
    if (m->cfg.type == FL_MODEL_GPT) {
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) m->targets[b * T + t] = tokens[(size_t)b * W + t + 1];
        /* Target t of window b counts when mask[b*W + t + 1] is set. Without a
         * mask every one counts and count = BT: the same operations as ever. */
        const uint8_t *mask = m->target_mask;
        int count = BT;
        if (mask) {
            count = 0;
            for (int b = 0; b < B; b++)
                for (int t = 0; t < T; t++) count += mask[(size_t)b * W + t + 1] != 0;
        }
        const float w = count ? 1.0f / (float)count : 0.0f;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                m->row_w[b * T + t] = !mask || mask[(size_t)b * W + t + 1] ? w : 0.0f;
        if (!count) want_grad = 0; /* nothing counts: loss 0, no gradient (header) */
        fli_lm_head(m, m->trunk.lnf, m->targets, m->row_w, m->losses, want_grad ? m->dlnf : NULL,
                want_grad ? fli_wte_grad(m) : NULL, BT);
        double sum = 0.0;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                if (!mask || mask[(size_t)b * W + t + 1]) sum += m->losses[b * T + t];
        out->loss = out->next_token_loss = out->offset_loss[0] = count ? (float)(sum / count) : 0.0f;
        out->n_offsets = 1;
    } else {
        want_grad = fli_ftp_head(m, tokens, B, T, want_grad, want_grad, positions, K, out);
    }
    if (!isfinite(out->loss)) return fl_fail(err, FL_ERR_NONFINITE, "the loss is not finite (%g)", (double)out->loss);
    if (want_grad && !m->frozen_trunk) fli_trunk_backward(m, B, T);
    return FL_OK;
}

fl_status fl_model_forward(fl_model *m, const int32_t *tokens, int B, int T, fl_losses *out, fl_error *err) {
    return fli_model_run(m, tokens, B, T, 0, NULL, 0, out, err);
}

fl_status fl_model_forward_backward(fl_model *m, const int32_t *tokens, int B, int T, fl_losses *out,
                                    fl_error *err) {
    return fli_model_run(m, tokens, B, T, 1, NULL, 0, out, err);
}

void fli_model_set_frozen(fl_model *m, int layers, int trunk) {
    m->frozen_layers = layers < 0 ? 0 : layers > m->cfg.n_layer ? m->cfg.n_layer : layers;
    m->frozen_trunk = trunk != 0;
}

void fl_model_set_target_mask(fl_model *m, const uint8_t *mask) { m->target_mask = mask; }

void fl_model_get_rng(const fl_model *m, uint64_t state[4]) { memcpy(state, m->pos_rng.s, sizeof m->pos_rng.s); }
void fl_model_set_rng(fl_model *m, const uint64_t state[4]) { memcpy(m->pos_rng.s, state, sizeof m->pos_rng.s); }

fl_status fl_model_next_logits(fl_model *m, const int32_t *tokens, int n, float *logits, fl_error *err) {
    if (n < 1 || n > m->cfg.block_size)
        return fl_fail(err, FL_ERR_ARG, "context of %d tokens: need 1..%d (model.block_size)", n, m->cfg.block_size);
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= m->cfg.vocab_size)
            return fl_fail(err, FL_ERR_ARG, "token id %d is outside the vocabulary (0..%d)", tokens[i],
                           m->cfg.vocab_size - 1);
    /* Reserve once for the longest context: with B = 1 every buffer laid out for
     * (1, T) also holds a shorter prefix, so generation allocates nothing per token. */
    if (!(m->act_mem && m->B == 1 && m->T >= n)) {
        fl_status st = fl_model_reserve(m, 1, m->cfg.block_size, err);
        if (st) return st;
    }
    memcpy(m->trunk.inputs, tokens, (size_t)n * sizeof *tokens);
    fli_trunk_forward(m, m->trunk.inputs, 1, n);
    const int C = m->cfg.n_embd;
    const float *h = m->trunk.lnf + (size_t)(n - 1) * C;
    if (m->cfg.type == FL_MODEL_FTP) h = fli_ftp_decoder_step0(m, h, tokens[n - 1]);
    fl_head_logits(m, h, 1, logits);
    for (int v = 0; v < m->cfg.vocab_size; v++)
        if (logits[v] != logits[v])
            return fl_fail(err, FL_ERR_NONFINITE,
                           "the model's logits are not finite (NaN at id %d): its weights overflow float arithmetic", v);
    return FL_OK;
}

const float *fl_model_hidden(const fl_model *m) { return m->act_mem ? m->trunk.lnf : NULL; }

fl_status fl_model_encode(fl_model *m, const int32_t *tokens, int B, int T, fl_error *err) {
    if (!m->act_mem || B != m->B || T != m->T)
        return fl_fail(err, FL_ERR_STATE, "fl_model_reserve(B=%d, T=%d) must be called before this pass", B, T);
    for (size_t i = 0; i < (size_t)B * T; i++)
        if (tokens[i] < 0 || tokens[i] >= m->cfg.vocab_size)
            return fl_fail(err, FL_ERR_ARG, "token id %d at position %zu is outside the vocabulary (0..%d)", tokens[i],
                           i, m->cfg.vocab_size - 1);
    memcpy(m->trunk.inputs, tokens, (size_t)B * T * sizeof *tokens);
    fli_trunk_forward(m, m->trunk.inputs, B, T);
    return FL_OK;
}

const float *fl_model_block_output(const fl_model *m, int layer) {
    if (!m->act_mem || layer < 0 || layer >= m->cfg.n_layer) return NULL;
    return m->trunk.blocks[layer].out;
}
