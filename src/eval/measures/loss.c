/* Losses on validation windows: next-token loss (perplexity), per-offset loss
 * and the future bag-of-words probe of docs/design.md 4.1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/measures/loss.h"
#include "kernels/gemm.h"
#include "model/head.h"
#include "util/error.h"

/* Forward passes over windows in batches of B; fn sees each batch's losses. */
static fl_status forward_windows(fl_model *m, const fl_windows *w, int B, fl_eval_batch_fn fn, void *ctx,
                                 fl_error *err) {
    fl_status st = fl_eval_check_windows(m, w, err);
    if (st) return st;
    return fl_eval_batches(m, FL_EVAL_FORWARD, w->tokens, (size_t)w->len, w->n, w->T, B, fn, ctx, err);
}

typedef struct {
    double sum;
    long count;
    int T;
} ppl_acc;
static fl_status ppl_batch(void *ctx, fl_model *m, int first, int rows, const fl_losses *l, fl_error *err) {
    (void)m, (void)first, (void)err;
    ppl_acc *a = ctx;
    /* batches differ in size only at the end: weight by positions */
    a->sum += (double)l->next_token_loss * rows * a->T;
    a->count += (long)rows * a->T;
    return FL_OK;
}

fl_status fl_eval_ppl(fl_model *m, const fl_windows *w, int B, fl_ppl_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    ppl_acc a = {0, 0, w->T};
    fl_status st = forward_windows(m, w, B, ppl_batch, &a, err);
    if (st) return st;
    r->loss = a.sum / (double)a.count;
    r->ppl = exp(r->loss);
    r->windows = w->n;
    r->T = w->T;
    r->positions = a.count;
    return FL_OK;
}

fl_status fl_eval_gpt_position_losses(fl_model *m, const float *h, const int32_t *window, int T, float *loss,
                                      fl_error *err) {
    const fl_model_config *c = fl_model_get_config(m);
    const int C = c->n_embd, V = c->vocab_size, Vp = fl_padded_vocab(V);
    /* 32 rows a product, always: the SGEMM's summation order depends on the row
     * count, and these losses must not change with T */
    enum { CH = 32 };
    float *logits = malloc((size_t)CH * Vp * sizeof *logits);
    if (!logits) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (int t0 = 0; t0 < T; t0 += CH) {
        int rows = T - t0 < CH ? T - t0 : CH;
        fl_head_logits(m, h + (size_t)t0 * C, rows, logits);
        for (int i = 0; i < rows; i++) loss[t0 + i] = fl_head_nll(logits + (size_t)i * Vp, V, window[t0 + i + 1]);
    }
    free(logits);
    return FL_OK;
}

void fl_offsets_opts_default(fl_offsets_opts *o) {
    o->B = 8;
    o->train_windows = 256;
    o->bow_rows = 20000;
    fl_bow_opts_default(&o->bow);
}

/* ---- per-offset losses */
typedef struct {
    double sum[FL_MAX_FUTURE];
    double *pos_sum; /* GPT: CE summed over windows, per position */
    float *pos_loss;
    long rows;
    const fl_windows *w;
} off_acc;

static fl_status off_batch(void *ctx, fl_model *m, int first, int rows, const fl_losses *l, fl_error *err) {
    off_acc *a = ctx;
    a->rows += rows;
    if (fl_model_get_config(m)->type == FL_MODEL_FTP) {
        for (int j = 0; j < l->n_offsets; j++) a->sum[j] += (double)l->offset_loss[j] * rows;
        return FL_OK;
    }
    const int T = a->w->T, C = fl_model_get_config(m)->n_embd;
    const float *h = fl_model_hidden(m);
    fl_status st = FL_OK;
    for (int i = 0; i < rows && !st; i++) {
        st = fl_eval_gpt_position_losses(m, h + (size_t)i * T * C, fl_window(a->w, first + i), T, a->pos_loss, err);
        for (int t = 0; t < T; t++) a->pos_sum[t] += a->pos_loss[t];
    }
    return st;
}

/* ---- bag-of-words probe rows: h_t and x_{t+1..t+N}, spread evenly over the windows */
typedef struct {
    float *X;
    int32_t *future;
    int n, cap, stride, C, N;
    const fl_windows *w;
} bow_rows;

static fl_status bow_collect(void *ctx, fl_model *m, int first, int rows, const fl_losses *l, fl_error *err) {
    (void)l, (void)err;
    bow_rows *b = ctx;
    const int T = b->w->T;
    const float *h = fl_model_hidden(m);
    for (int i = 0; i < rows; i++)
        for (int t = 0; t < T && b->n < b->cap; t++) {
            long flat = (long)(first + i) * T + t;
            if (flat % b->stride) continue;
            memcpy(b->X + (size_t)b->n * b->C, h + ((size_t)i * T + t) * b->C, (size_t)b->C * sizeof(float));
            memcpy(b->future + (size_t)b->n * b->N, fl_window(b->w, first + i) + t + 1, (size_t)b->N * 4);
            b->n++;
        }
    return FL_OK;
}

static fl_status bow_gather(fl_model *m, const fl_windows *w, int cap, int B, bow_rows *b, fl_error *err) {
    const int C = fl_model_get_config(m)->n_embd;
    long total = (long)w->n * w->T;
    memset(b, 0, sizeof *b);
    b->cap = total < cap ? (int)total : cap;
    b->stride = (int)(total / b->cap);
    b->C = C;
    b->N = w->N;
    b->w = w;
    b->X = malloc((size_t)b->cap * C * sizeof(float));
    b->future = malloc((size_t)b->cap * w->N * sizeof(int32_t));
    if (!b->X || !b->future) return fl_fail(err, FL_ERR_NOMEM, "out of memory for %d probe rows", b->cap);
    return fl_eval_batches(m, FL_EVAL_ENCODE, w->tokens, (size_t)w->len, w->n, w->T, B, bow_collect, b, err);
}

fl_status fl_eval_offsets(fl_model *m, const fl_windows *val, const fl_windows *train, const fl_offsets_opts *o,
                          fl_offsets_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    const fl_model_config *c = fl_model_get_config(m);
    const int T = val->T, N = val->N;
    if (c->type == FL_MODEL_GPT && N > T)
        return fl_fail(err, FL_ERR_ARG, "--n-future %d is more than the context %d", N, T);
    off_acc a;
    memset(&a, 0, sizeof a);
    a.w = val;
    if (c->type == FL_MODEL_GPT) {
        a.pos_sum = calloc((size_t)T, sizeof(double));
        a.pos_loss = malloc((size_t)T * sizeof(float));
        if (!a.pos_sum || !a.pos_loss) {
            free(a.pos_sum), free(a.pos_loss);
            return fl_fail(err, FL_ERR_NOMEM, "out of memory");
        }
    }
    fl_status st = forward_windows(m, val, o->B, off_batch, &a, err);
    if (!st) {
        r->N = N;
        r->T = T;
        r->windows = val->n;
        r->type = c->type;
        if (c->type == FL_MODEL_FTP) {
            for (int j = 0; j < N; j++) r->ce[j] = a.sum[j] / (double)a.rows;
        } else {
            /* offset k: positions p = t + k - 1 for t = 0..T-k, i.e. p = k-1..T-1 */
            for (int k = 1; k <= N; k++) {
                double s = 0.0;
                for (int p = k - 1; p < T; p++) s += a.pos_sum[p];
                r->ce[k - 1] = s / ((double)a.rows * (T - k + 1));
            }
        }
    }
    free(a.pos_sum);
    free(a.pos_loss);
    if (st || o->bow_rows <= 0 || !train) return st;

    bow_rows tr, te;
    memset(&tr, 0, sizeof tr);
    memset(&te, 0, sizeof te);
    if ((st = bow_gather(m, train, o->bow_rows, o->B, &tr, err)) == FL_OK &&
        (st = bow_gather(m, val, o->bow_rows, o->B, &te, err)) == FL_OK) {
        fl_bow_split s_tr = {tr.X, tr.future, tr.n}, s_te = {te.X, te.future, te.n};
        st = fl_bow_probe(&s_tr, &s_te, c->n_embd, N, c->vocab_size, &o->bow, &r->bow, err);
        r->has_bow = st == FL_OK;
    }
    free(tr.X), free(tr.future), free(te.X), free(te.future);
    return st;
}
