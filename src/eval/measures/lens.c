/* The logit lens (nostalgebraist, "interpreting GPT: the logit lens", 2020;
 * Belrose et al., "Eliciting Latent Predictions from Transformers with the
 * Tuned Lens", 2023): the residual stream after every encoder block decoded as
 * if it were the last, through the final LayerNorm ln_f and the tied head.
 * After the last block this is exactly the model's own next-token
 * distribution for GPT (the trunk applies the same ln_f to the same rows);
 * for FTP it is what the tied head would read from h_t, which FTP's loss never
 * trains (its next token comes from decoder step 0). So for FTP each level is
 * also decoded the way FTP predicts x_{t+1}: the normed vector as the state
 * h_t of decoder step 0 (projection, pseudo-sequence, decoder blocks,
 * dec.ln_f; fli_ftp_decoder_step0, the row fl_model_next_logits uses) with
 * x_t as its input token, then the tied head. After the last block that is the
 * FTP model's own next-token loss. It costs the decoder's work for one row a
 * position and level, small beside the V x C head product. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/measures/toplayer.h"
#include "kernels/kernels.h"
#include "model/head.h"
#include "model/model.h"
#include "util/error.h"

enum { CH = 32 }; /* rows a head product: a fixed size, so a row's logits never depend on the batch */

typedef struct {
    fl_lens_result *r;
    const fl_windows *w;
    long stride, want, taken;
    int L, C, V, Vp;
    const float *lnw, *lnb;
    int32_t *pick;            /* [B*T]: the batch's chosen rows (i*T + t) */
    int32_t *last_arg;        /* [B*T]: the last level's argmax at each chosen row */
    float *x, *ln, *mean, *rstd, *logits;
    double *loss, *ent, *agree; /* sums over positions, per level */
    float *dx;                  /* FTP: [CH, C] decoder step 0's output rows (NULL for GPT) */
    int32_t *dec_arg;           /* FTP: [B*T] the last level's decoder argmax */
} lens_ctx;

/* -log p(y), entropy and argmax of the distribution softmax(z) over V tokens. */
static void decode_row(const float *z, int V, int32_t y, double *nll, double *ent, int32_t *arg) {
    int best = 0;
    for (int v = 1; v < V; v++)
        if (z[v] > z[best]) best = v;
    double s = 0, sz = 0;
    for (int v = 0; v < V; v++) {
        double e = exp((double)z[v] - z[best]);
        s += e, sz += e * ((double)z[v] - z[best]);
    }
    *ent = log(s) - sz / s; /* -sum p log p, with log p = (z - max) - log s */
    *nll = fl_head_nll(z, V, y);
    *arg = best;
}

/* Rows x [n, C] of chosen rows p0.. through the tied head: level lev's sums
 * (dec: the decoder-step-0 sums, after the tied-head ones in each array). */
static void head_rows(lens_ctx *s, fl_model *m, const float *x, int n, int p0, int first, int lev, int dec) {
    const int T = s->w->T, at = dec * s->L + lev;
    int32_t *last = dec ? s->dec_arg : s->last_arg;
    fl_head_logits(m, x, n, s->logits);
    for (int k = 0; k < n; k++) {
        const int row = s->pick[p0 + k], i = row / T, t = row % T;
        double nll, ent;
        int32_t arg;
        decode_row(s->logits + (size_t)k * s->Vp, s->V, fl_window(s->w, first + i)[t + 1], &nll, &ent, &arg);
        s->loss[at] += nll, s->ent[at] += ent;
        if (lev == s->L - 1) last[p0 + k] = arg;
        s->agree[at] += arg == last[p0 + k];
    }
}

static fl_status lens_batch(void *ctx, fl_model *m, int first, int rows, const fl_losses *l, fl_error *err) {
    (void)l, (void)err;
    lens_ctx *s = ctx;
    const int T = s->w->T, C = s->C;
    int np = 0;
    for (int i = 0; i < rows; i++)
        for (int t = 0; t < T && s->taken < s->want; t++)
            if (((long)(first + i) * T + t) % s->stride == 0) s->pick[np++] = i * T + t, s->taken++;
    for (int lev = s->L - 1; lev >= 0; lev--) { /* the last first: the others' agreement is with its argmax */
        const float *x = fl_model_block_output(m, lev);
        for (int p0 = 0; p0 < np; p0 += CH) {
            const int n = np - p0 < CH ? np - p0 : CH;
            for (int k = 0; k < n; k++) memcpy(s->x + (size_t)k * C, x + (size_t)s->pick[p0 + k] * C, C * sizeof(float));
            fli_layernorm_forward(s->ln, s->mean, s->rstd, s->x, s->lnw, s->lnb, n, C);
            head_rows(s, m, s->ln, n, p0, first, lev, 0);
            if (!s->dx) continue;
            for (int k = 0; k < n; k++) {
                const int row = s->pick[p0 + k];
                const float *d = fli_ftp_decoder_step0(m, s->ln + (size_t)k * C, fl_window(s->w, first + row / T)[row % T]);
                memcpy(s->dx + (size_t)k * C, d, C * sizeof(float));
            }
            head_rows(s, m, s->dx, n, p0, first, lev, 1);
        }
    }
    return FL_OK;
}

fl_status fl_eval_lens(fl_model *m, const fl_windows *w, int B, long positions, fl_lens_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    fl_status st = fl_eval_check_windows(m, w, err);
    if (st) return st;
    const fl_model_config *c = fl_model_get_config(m);
    const fl_tensor *lw = fl_model_find_tensor(m, "ln_f.weight"), *lb = fl_model_find_tensor(m, "ln_f.bias");
    if (!lw || !lb) return fl_fail(err, FL_ERR_ARG, "the model has no ln_f");
    if (B < 1) B = 1;
    const long total = (long)w->n * w->T;
    lens_ctx s = {.r = r, .w = w, .stride = fl_top_stride(total, positions), .want = fl_top_count(w, positions),
                  .L = c->n_layer, .C = c->n_embd, .V = c->vocab_size, .Vp = fl_padded_vocab(c->vocab_size),
                  .lnw = lw->data, .lnb = lb->data};
    const int L = c->n_layer, C = c->n_embd;
    const int ftp = c->type == FL_MODEL_FTP, rows = ftp ? 2 * L : L; /* FTP: the decoder's rows after the head's */
    r->levels = L, r->windows = w->n, r->T = w->T, r->has_decoder = ftp;
    r->loss = calloc(rows, sizeof *r->loss), r->entropy = calloc(rows, sizeof *r->entropy);
    r->agree = calloc(rows, sizeof *r->agree);
    if (ftp) {
        s.dx = malloc((size_t)CH * C * sizeof *s.dx), s.dec_arg = malloc((size_t)B * w->T * sizeof *s.dec_arg);
        if (!s.dx || !s.dec_arg) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    s.pick = malloc((size_t)B * w->T * sizeof *s.pick), s.last_arg = malloc((size_t)B * w->T * sizeof *s.last_arg);
    s.x = malloc((size_t)CH * C * sizeof *s.x), s.ln = malloc((size_t)CH * C * sizeof *s.ln);
    s.mean = malloc(CH * sizeof *s.mean), s.rstd = malloc(CH * sizeof *s.rstd);
    s.logits = malloc((size_t)CH * s.Vp * sizeof *s.logits);
    s.loss = r->loss, s.ent = r->entropy, s.agree = r->agree;
    if (st || !r->loss || !r->entropy || !r->agree || !s.pick || !s.last_arg || !s.x || !s.ln || !s.mean || !s.rstd || !s.logits)
        st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!st) st = fl_eval_batches(m, FL_EVAL_ENCODE, w->tokens, (size_t)w->len, w->n, w->T, B, lens_batch, &s, err);
    r->positions = s.taken;
    for (int lev = 0; lev < rows && !st; lev++)
        r->loss[lev] /= (double)s.taken, r->entropy[lev] /= (double)s.taken, r->agree[lev] /= (double)s.taken;
    free(s.dx), free(s.dec_arg), free(s.pick), free(s.last_arg), free(s.x), free(s.ln), free(s.mean), free(s.rstd), free(s.logits);
    if (st) fl_lens_result_free(r);
    return st;
}

void fl_lens_result_free(fl_lens_result *r) {
    free(r->loss), free(r->entropy), free(r->agree);
    memset(r, 0, sizeof *r);
}
