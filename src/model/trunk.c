/* The encoder trunk shared by GPT and FTP: embeddings, L blocks, final LayerNorm.
 * Its output lnf[b*T + t] is h_t, FTP's semantic state vector. */
#include <string.h>

#include "model/model.h"
#include "model/timed.h"

void fli_trunk_forward(fl_model *m, const int32_t *inputs, int B, int T) {
    const int C = m->cfg.n_embd;
    const prof_at at = {m->prof, FL_PHASE_ENCODER};
    block_dims d = {B, T, C, m->cfg.n_head, 0, at};
    trunk_acts *a = &m->trunk;
    const double t0 = prof_start(at.p);
    embedding(at, a->encoded, inputs, m->wte, m->wpe, B, T, C);
    const float *x = a->encoded;
    for (int l = 0; l < m->cfg.n_layer; l++) {
        fli_block_forward(&m->enc_w[l], &a->blocks[l], x, NULL, &d);
        x = a->blocks[l].out;
    }
    layernorm(at, a->lnf, a->lnf_mean, a->lnf_rstd, x, m->lnf_w, m->lnf_b, B * T, C);
    prof_phase(at.p, at.phase, t0);
}

void fli_trunk_backward(fl_model *m, int B, int T) {
    const int C = m->cfg.n_embd, L = m->cfg.n_layer;
    const size_t NC = (size_t)B * T * C;
    const prof_at at = {m->prof, FL_PHASE_ENCODER};
    block_dims d = {B, T, C, m->cfg.n_head, 0, at};
    trunk_acts *a = &m->trunk;
    const double t0 = prof_start(at.p);
    float *g_lnf_w = m->grads + (m->lnf_w - m->params), *g_lnf_b = m->grads + (m->lnf_b - m->params);
    memset(a->dresid, 0, NC * sizeof(float));
    layernorm_grad(at, a->dresid, g_lnf_w, g_lnf_b, m->dlnf, a->blocks[L - 1].out, m->lnf_w, a->lnf_mean, a->lnf_rstd,
                   B * T, C);
    /* Frozen lower blocks (and with them the embeddings) need no gradient, so the
     * pass stops at the lowest trainable block: nothing below it is computed. */
    for (int l = L - 1; l >= m->frozen_layers; l--) {
        const float *in = l == 0 ? a->encoded : a->blocks[l - 1].out;
        fli_block_backward(&m->enc_w[l], &m->enc_g[l], &a->blocks[l], &m->enc_scratch, a->dresid, in, NULL, NULL, &d);
    }
    if (!m->frozen_layers)
        embedding_grad(at, m->grads + (m->wte - m->params), m->grads + (m->wpe - m->params), a->dresid, a->inputs, B,
                       T, C);
    prof_phase(at.p, at.phase, t0);
}
