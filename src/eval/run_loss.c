/* Losses on validation windows: next-token loss (perplexity), per-offset loss
 * and the future bag-of-words probe of DESIGN.md 4.1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/run.h"
#include "kernels/gemm.h"
#include "util/error.h"

/* The model reads the first window_len(T) tokens of each window: T + 1 for GPT,
 * T + N for FTP, whose N must be the windows' N. */
static fl_status check_windows(const fl_model *m, const fl_windows *w, fl_error *err) {
    const fl_model_config *c = fl_model_get_config(m);
    if (w->n < 1) return fl_fail(err, FL_ERR_ARG, "no windows to evaluate");
    if (w->T > c->block_size)
        return fl_fail(err, FL_ERR_ARG, "windows of context %d are longer than model.block_size %d", w->T,
                       c->block_size);
    if (c->type == FL_MODEL_FTP && w->N != c->n_future)
        return fl_fail(err, FL_ERR_ARG, "windows carry %d future tokens but the FTP model's ftp.n_future is %d", w->N,
                       c->n_future);
    return FL_OK;
}

/* Forward over windows in batches of B; fn sees each batch's losses. */
typedef void (*batch_fn)(void *ctx, fl_model *m, const fl_windows *w, int first, int rows, const fl_losses *l);
static fl_status forward_windows(fl_model *m, const fl_windows *w, int B, batch_fn fn, void *ctx, fl_error *err) {
    fl_status st = check_windows(m, w, err);
    if (st) return st;
    if (B < 1) B = 1;
    if (B > w->n) B = w->n;
    const int T = w->T, W = fl_model_window_len(m, T);
    int32_t *buf = malloc((size_t)B * W * sizeof *buf);
    if (!buf) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (int r0 = 0; r0 < w->n && !st; r0 += B) {
        int rows = w->n - r0 < B ? w->n - r0 : B;
        for (int i = 0; i < rows; i++) memcpy(buf + (size_t)i * W, fl_window(w, r0 + i), (size_t)W * sizeof *buf);
        fl_losses l;
        if (!(st = fl_model_reserve(m, rows, T, err)) && !(st = fl_model_forward(m, buf, rows, T, &l, err)))
            fn(ctx, m, w, r0, rows, &l);
    }
    free(buf);
    return st;
}

typedef struct {
    double sum;
    long count;
} ppl_acc;
static void ppl_batch(void *ctx, fl_model *m, const fl_windows *w, int first, int rows, const fl_losses *l) {
    (void)m, (void)first;
    ppl_acc *a = ctx;
    /* batches differ in size only at the end: weight by positions */
    a->sum += (double)l->next_token_loss * rows * w->T;
    a->count += (long)rows * w->T;
}

fl_status fl_eval_ppl(fl_model *m, const fl_windows *w, int B, fl_ppl_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    ppl_acc a = {0, 0};
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
    const fl_tensor *wte = fl_model_find_tensor(m, "wte");
    if (!wte) return fl_fail(err, FL_ERR_STATE, "the model has no wte tensor");
    const int C = c->n_embd, V = c->vocab_size, Vp = wte->shape[0], CH = 32;
    float *logits = malloc((size_t)CH * Vp * sizeof *logits);
    if (!logits) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (int t0 = 0; t0 < T; t0 += CH) {
        int rows = T - t0 < CH ? T - t0 : CH;
        fl_sgemm(0, 1, rows, Vp, C, h + (size_t)t0 * C, C, wte->data, C, 0.0f, logits, Vp);
        for (int i = 0; i < rows; i++) {
            /* log-softmax over the real vocabulary only (padded rows are never targets) */
            const float *z = logits + (size_t)i * Vp;
            float mx = z[0];
            for (int v = 1; v < V; v++) mx = z[v] > mx ? z[v] : mx;
            double s = 0.0;
            for (int v = 0; v < V; v++) s += exp((double)z[v] - mx);
            loss[t0 + i] = (float)(log(s) + mx - z[window[t0 + i + 1]]);
        }
    }
    free(logits);
    return FL_OK;
}

void fl_offsets_opts_default(fl_offsets_opts *o) {
    o->B = 8;
    o->bow_rows = 20000;
    fl_bow_opts_default(&o->bow);
}

/* ---- per-offset losses */
typedef struct {
    double sum[FL_MAX_FUTURE];
    double *pos_sum; /* GPT: CE summed over windows, per position */
    float *pos_loss;
    long rows;
    fl_status st;
    fl_error *err;
} off_acc;

static void off_batch(void *ctx, fl_model *m, const fl_windows *w, int first, int rows, const fl_losses *l) {
    off_acc *a = ctx;
    a->rows += rows;
    if (fl_model_get_config(m)->type == FL_MODEL_FTP) {
        for (int j = 0; j < l->n_offsets; j++) a->sum[j] += (double)l->offset_loss[j] * rows;
        return;
    }
    const int T = w->T, C = fl_model_get_config(m)->n_embd;
    const float *h = fl_model_hidden(m);
    for (int i = 0; i < rows && !a->st; i++) {
        a->st = fl_eval_gpt_position_losses(m, h + (size_t)i * T * C, fl_window(w, first + i), T, a->pos_loss, a->err);
        for (int t = 0; t < T; t++) a->pos_sum[t] += a->pos_loss[t];
    }
}

/* ---- bag-of-words probe rows: h_t and x_{t+1..t+N}, spread evenly over the windows */
typedef struct {
    float *X;
    int32_t *future;
    int n, cap, stride, C, N;
    const fl_windows *w;
} bow_rows;

static fl_status bow_collect(void *ctx, const fl_model *m, int first, int rows, fl_error *err) {
    (void)err;
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
    return fl_eval_encode_rows(m, w->tokens, (size_t)w->len, w->n, w->T, B, bow_collect, b, err);
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
    a.err = err;
    if (c->type == FL_MODEL_GPT) {
        a.pos_sum = calloc((size_t)T, sizeof(double));
        a.pos_loss = malloc((size_t)T * sizeof(float));
        if (!a.pos_sum || !a.pos_loss) {
            free(a.pos_sum), free(a.pos_loss);
            return fl_fail(err, FL_ERR_NOMEM, "out of memory");
        }
    }
    fl_status st = forward_windows(m, val, o->B, off_batch, &a, err);
    if (!st) st = a.st;
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
