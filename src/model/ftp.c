/* The FTP head (docs/design.md 1.2): for each chosen encoder position t, the state
 * vector h_t is projected to a pseudo-sequence s_t of P vectors; a small
 * decoder reads x_t..x_{t+N-1}, cross-attends to s_t only, and predicts
 * x_{t+1}..x_{t+N}; step j's cross-entropy is weighted by gamma^j.
 *
 * All decoder sequences of a batch are one stack of R independent sequences of
 * N rows, so every product is one large matrix multiply over R*N rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/timed.h"
#include "util/mem.h"

static block_dims dec_dims(const fl_model *m, int R) {
    const prof_at at = {m->prof, FL_PHASE_DECODER};
    block_dims d = {R, m->cfg.n_future, m->cfg.n_embd, m->cfg.dec_heads, m->cfg.pseudo_len, at};
    return d;
}

/* One list drives both sizing and binding. */
static size_t ftp_layout(fl_model *m, float *mem, int R) {
    const size_t C = m->cfg.n_embd, N = m->cfg.n_future, P = m->cfg.pseudo_len, RN = (size_t)R * N;
    ftp_acts *a = &m->ftp;
    block_dims d = dec_dims(m, R);
    fl_carver cv = {mem, 0};
    a->pos = fl_carve(&cv, (size_t)R);
    a->h_sel = fl_carve(&cv, (size_t)R * C);
    a->ctx = fl_carve(&cv, (size_t)R * P * C);
    a->tokens = fl_carve(&cv, RN);
    a->targets = fl_carve(&cv, RN);
    a->weights = fl_carve(&cv, RN);
    a->encoded = fl_carve(&cv, RN * C);
    for (int l = 0; l < m->cfg.dec_layers; l++) {
        float *blk = fl_carve(&cv, fli_block_acts_floats(&d));
        if (blk) fli_block_acts_bind(&a->blocks[l], blk, &d);
    }
    a->lnf = fl_carve(&cv, RN * C);
    a->lnf_mean = fl_carve(&cv, RN);
    a->lnf_rstd = fl_carve(&cv, RN);
    a->dresid = fl_carve(&cv, RN * C);
    a->dctx = fl_carve(&cv, (size_t)R * P * C);
    a->dh_sel = fl_carve(&cv, (size_t)R * C);
    float *scratch = fl_carve(&cv, fli_block_scratch_floats(&d));
    if (scratch) fli_block_scratch_bind(&m->dec_scratch, scratch, &d);
    return cv.floats;
}

size_t fli_ftp_acts_floats(const fl_model *m, int B, int T, int R) {
    (void)B;
    (void)T;
    return ftp_layout((fl_model *)m, NULL, R);
}

float *fli_ftp_acts_bind(fl_model *m, float *mem, int B, int T, int R) {
    (void)B;
    (void)T;
    return mem + ftp_layout(m, mem, R);
}

static int cmp_int(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* ---- one chunk of R decoder sequences, whose encoder rows are a->pos */

/* Gather: sequence i reads h at its encoder row, its N input tokens x_t..x_{t+N-1}
 * and its N targets x_{t+1}..x_{t+N} from the window's tokens. */
static void gather(fl_model *m, const int32_t *tokens, int T, int R) {
    const int C = m->cfg.n_embd, N = m->cfg.n_future, W = T + N;
    ftp_acts *a = &m->ftp;
    for (int i = 0; i < R; i++) {
        int row = a->pos[i], b = row / T, t = row % T;
        memcpy(a->h_sel + (size_t)i * C, m->trunk.lnf + (size_t)row * C, (size_t)C * sizeof(float));
        const int32_t *win = tokens + (size_t)b * W + t;
        for (int j = 0; j < N; j++) {
            a->tokens[i * N + j] = win[j];
            a->targets[i * N + j] = win[j + 1];
        }
    }
}

/* Whether decoder step j of the sequence at encoder row `row` has a counted
 * target x_{t+j+1} (always, without a target mask). */
static int counted(const fl_model *m, int T, int row, int j) {
    if (!m->target_mask) return 1;
    const int W = T + m->cfg.n_future, b = row / T, t = row % T;
    return m->target_mask[(size_t)b * W + t + j + 1] != 0;
}

/* Whether any of the N decoder steps at encoder row `row` has a counted target. */
static int any_counted(const fl_model *m, int T, int row) {
    for (int j = 0; j < m->cfg.n_future; j++)
        if (counted(m, T, row, j)) return 1;
    return 0;
}

/* Weighting: step j's cross-entropy counts gamma^j / denom, denom being the
 * batch's sum of gamma^j over counted terms (the batch's, not the chunk's, so
 * that the chunks' gradients add up to the batch's); uncounted terms weigh 0. */
static void weigh(fl_model *m, int T, int R, double denom) {
    const int N = m->cfg.n_future;
    float *w = m->ftp.weights;
    for (int i = 0; i < R; i++)
        for (int j = 0; j < N; j++)
            w[i * N + j] = counted(m, T, m->ftp.pos[i], j) ? (float)(pow(m->cfg.gamma, j) / denom) : 0.0f;
}

/* Forward: s_t = proj(h_t), then the decoder over the embedded inputs, cross-
 * attending to s_t, then its final LayerNorm into a->lnf. Returns the last
 * block's output (the final LayerNorm's input, which its backward needs). */
static const float *decoder_forward(fl_model *m, const block_dims *d) {
    const int C = m->cfg.n_embd, N = m->cfg.n_future, P = m->cfg.pseudo_len, R = d->R;
    ftp_acts *a = &m->ftp;
    linear(d->at, a->ctx, a->h_sel, m->proj_w, m->proj_b, R, C, P * C);
    embedding(d->at, a->encoded, a->tokens, m->dec_wte, m->dec_wpe, R, N, C);
    const float *x = a->encoded;
    for (int l = 0; l < m->cfg.dec_layers; l++) {
        fli_block_forward(&m->dec_w[l], &a->blocks[l], x, a->ctx, d);
        x = a->blocks[l].out;
    }
    layernorm(d->at, a->lnf, a->lnf_mean, a->lnf_rstd, x, m->dec_lnf_w, m->dec_lnf_b, R * N, C);
    return x;
}

/* Backward from dlnf (the head's gradient at a->lnf) to the decoder's
 * parameters and to dh_sel, the gradient at each sequence's h. x is
 * decoder_forward's result. The input embedding's gradient goes to dec_wte's:
 * when tied, that is wte's, where it joins the head's and the encoder's. */
static void decoder_backward(fl_model *m, const block_dims *d, const float *x, const float *dlnf) {
    const int C = m->cfg.n_embd, N = m->cfg.n_future, P = m->cfg.pseudo_len, R = d->R, RN = R * N;
    ftp_acts *a = &m->ftp;
    /* tied, dec_wte is wte: frozen with the encoder's embeddings */
    float *g_wte = m->dec_wte == m->wte ? fli_wte_grad(m) : m->grads + (m->dec_wte - m->params);
    memset(a->dresid, 0, (size_t)RN * C * sizeof(float));
    layernorm_grad(d->at, a->dresid, m->grads + (m->dec_lnf_w - m->params), m->grads + (m->dec_lnf_b - m->params), dlnf,
                   x, m->dec_lnf_w, a->lnf_mean, a->lnf_rstd, RN, C);
    memset(a->dctx, 0, (size_t)R * P * C * sizeof(float));
    for (int l = m->cfg.dec_layers - 1; l >= 0; l--) {
        const float *in = l == 0 ? a->encoded : a->blocks[l - 1].out;
        fli_block_backward(&m->dec_w[l], &m->dec_g[l], &a->blocks[l], &m->dec_scratch, a->dresid, in, a->ctx, a->dctx, d);
    }
    embedding_grad(d->at, g_wte, m->grads + (m->dec_wpe - m->params), a->dresid, a->tokens, R, N, C);
    memset(a->dh_sel, 0, (size_t)R * C * sizeof(float));
    float *dh = m->frozen_trunk ? NULL : a->dh_sel; /* a frozen encoder needs no gradient at h */
    linear_grad(d->at, dh, m->grads + (m->proj_w - m->params), m->grads + (m->proj_b - m->params), a->dctx,
                a->h_sel, m->proj_w, R, C, P * C);
}

/* Scatter: each sequence's dh_sel adds into the trunk's gradient at its row. */
static void scatter(fl_model *m, int R) {
    const int C = m->cfg.n_embd;
    const ftp_acts *a = &m->ftp;
    for (int i = 0; i < R; i++) {
        float *dst = m->dlnf + (size_t)a->pos[i] * C;
        const float *src = a->dh_sel + (size_t)i * C;
        for (int c = 0; c < C; c++) dst[c] += src[c];
    }
}

/* One chunk: gather, weigh, decoder forward, the tied head (loss, and with
 * grad its gradient at a->lnf), decoder backward, scatter.
 *
 * Forward and backward are fused per chunk because the decoder's activations
 * (ftp_acts) are reserved for m->R sequences only and the next chunk
 * overwrites them: a chunk's backward must run while they are still its own.
 * So memory stays at one chunk however many positions the loss covers, and the
 * result is exact, since sequences are independent and the weights use the
 * batch's count: the chunks' parameter gradients add up, and their gradients
 * at h add into m->dlnf, which fli_trunk_backward reads once after every chunk.
 * (In training one chunk is the whole batch, B*K sequences, or with
 * ftp.positions = 0 the B*T rows, fewer under a target mask; more than one
 * chunk is a forward-only pass over all T positions of a model reserved for K.) */
static void run_chunk(fl_model *m, const int32_t *tokens, int T, int R, double denom, int want_grad,
                      double *offset_sum) {
    const int N = m->cfg.n_future, C = m->cfg.n_embd, RN = R * N;
    ftp_acts *a = &m->ftp;
    block_dims d = dec_dims(m, R);
    double t0 = prof_start(d.at.p); /* decoder phase; the LM head books its own */

    gather(m, tokens, T, R);
    weigh(m, T, R, denom);
    const float *x = decoder_forward(m, &d);

    /* The decoder's head gradient lands in dec_scratch.dln, free until the blocks' backward. */
    float *dlnf = m->dec_scratch.dln;
    if (want_grad) memset(dlnf, 0, (size_t)RN * C * sizeof(float));
    prof_phase(d.at.p, d.at.phase, t0);
    fli_lm_head(m, a->lnf, a->targets, a->weights, m->losses, want_grad ? dlnf : NULL,
            want_grad ? fli_wte_grad(m) : NULL, RN);
    for (int i = 0; i < R; i++)
        for (int j = 0; j < N; j++)
            if (counted(m, T, a->pos[i], j)) offset_sum[j] += m->losses[i * N + j];
    if (!want_grad) return;

    t0 = prof_start(d.at.p);
    decoder_backward(m, &d, x, dlnf);
    if (!m->frozen_trunk) scatter(m, R); /* a frozen encoder reads no gradient at h */
    prof_phase(d.at.p, d.at.phase, t0);
}

/* The batch's normalisers: cnt[j], the counted targets of decoder step j over
 * the chosen sequences (rows pos[0..R) when pos, else all B*T), and the
 * weighted total denom = sum_j gamma^j cnt[j]. When every step counts the same
 * number c (always so without a mask), denom is computed as c * sum_j gamma^j,
 * the unmasked expression, so that NULL and an all-ones mask give the very
 * same bits; *uniform says so. */
static double normalisers(const fl_model *m, int B, int T, const int32_t *pos, int R, double *cnt, int *uniform) {
    const int N = m->cfg.n_future;
    const int rows = pos ? R : B * T;
    double gsum = 0.0, denom = 0.0;
    for (int j = 0; j < N; j++) {
        cnt[j] = 0;
        for (int i = 0; i < rows; i++) cnt[j] += counted(m, T, pos ? pos[i] : i, j);
        gsum += pow(m->cfg.gamma, j);
        denom += pow(m->cfg.gamma, j) * cnt[j];
    }
    *uniform = 1;
    for (int j = 1; j < N; j++) *uniform &= cnt[j] == cnt[0];
    return *uniform ? cnt[0] * gsum : denom;
}

int fli_ftp_head(fl_model *m, const int32_t *tokens, int B, int T, int train, int want_grad, const int32_t *positions,
             int K, fl_losses *out) {
    const int N = m->cfg.n_future;
    double offset_sum[FL_MAX_FUTURE] = {0}, cnt[FL_MAX_FUTURE];
    int uniform;
    ftp_acts *a = &m->ftp;
    if (!positions && train && m->cfg.positions > 0 && m->cfg.positions < T) {
        /* ftp.positions: K distinct positions per sequence, uniform without
         * replacement, drawn by rejecting repeats (no buffer; O(K^2) compares,
         * trivial next to the step), then sorted for memory locality. */
        K = m->cfg.positions;
        for (int b = 0; b < B; b++) {
            int32_t *sel = a->pos + b * K;
            for (int i = 0; i < K; i++) {
                int pick;
                for (;;) {
                    pick = (int)fl_rng_below(&m->pos_rng, (uint64_t)T);
                    int dup = 0;
                    for (int q = 0; q < i; q++) dup |= sel[q] == b * T + pick;
                    if (!dup) break;
                }
                sel[i] = b * T + pick;
            }
            qsort(sel, (size_t)K, sizeof *sel, cmp_int);
        }
        positions = a->pos;
    } else if (positions) {
        for (int b = 0; b < B; b++)
            for (int i = 0; i < K; i++) a->pos[b * K + i] = b * T + positions[b * K + i];
        positions = a->pos;
    }
    /* Without a mask: cnt[j] = the number of sequences, uniform, denom = count * sum_j gamma^j. */
    const double denom = normalisers(m, B, T, positions, B * K, cnt, &uniform);
    if (denom == 0) want_grad = 0; /* no counted target: loss 0, no gradient */
    if (positions) {
        run_chunk(m, tokens, T, B * K, denom, want_grad, offset_sum);
    } else {
        /* Every row, in chunks of m->R; under a target mask, only rows with at
         * least one counted target among their N steps. A skipped row would
         * weigh 0 at every step, so it adds nothing to the loss or to any
         * gradient: skipping it is exact, and with train.loss_after (an answer
         * of ~10 tokens after a ~36-token prompt, as in the star graph) it
         * saves most of the decoder's work. */
        int R = 0;
        for (int row = 0; row < B * T; row++) {
            if (!any_counted(m, T, row)) continue;
            a->pos[R++] = row;
            if (R == m->R) {
                run_chunk(m, tokens, T, R, denom, want_grad, offset_sum);
                R = 0;
            }
        }
        if (R > 0) run_chunk(m, tokens, T, R, denom, want_grad, offset_sum);
    }
    double gsum = 0.0, total = 0.0;
    for (int j = 0; j < N; j++) {
        out->offset_loss[j] = cnt[j] > 0 ? (float)(offset_sum[j] / cnt[j]) : 0.0f;
        if (cnt[j] > 0) /* uniform: the unmasked expression; otherwise over denom below */
            total += uniform ? pow(m->cfg.gamma, j) * offset_sum[j] / cnt[j] : pow(m->cfg.gamma, j) * offset_sum[j];
        gsum += pow(m->cfg.gamma, j);
    }
    out->n_offsets = N;
    out->loss = denom == 0 ? 0.0f : uniform ? (float)(total / gsum) : (float)(total / denom);
    out->next_token_loss = out->offset_loss[0];
    return want_grad;
}

const float *fli_ftp_decoder_step0(fl_model *m, const float *h, int32_t token) {
    const int C = m->cfg.n_embd, P = m->cfg.pseudo_len;
    ftp_acts *a = &m->ftp;
    /* one sequence of one step: every buffer reserved for R x N rows is large enough */
    block_dims d = {1, 1, C, m->cfg.dec_heads, P, {NULL, FL_PHASE_DECODER}};
    fli_linear_forward(a->ctx, h, m->proj_w, m->proj_b, 1, C, P * C);
    fli_embedding_forward(a->encoded, &token, m->dec_wte, m->dec_wpe, 1, 1, C);
    const float *x = a->encoded;
    for (int l = 0; l < m->cfg.dec_layers; l++) {
        block_acts acts;
        fli_block_acts_bind(&acts, (float *)a->blocks[l].ln1, &d); /* re-pack for S = 1 inside the same region */
        fli_block_forward(&m->dec_w[l], &acts, x, a->ctx, &d);
        x = acts.out;
    }
    fli_layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, x, m->dec_lnf_w, m->dec_lnf_b, 1, C);
    return a->lnf;
}
