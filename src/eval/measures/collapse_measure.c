/* Neural collapse of the top-layer vectors h_t (after ln_f) grouped by the
 * next token x_{t+1}, as Wu & Papyan ("Linguistic Collapse", 2024) group a
 * language model's last-layer features by the token they predict, restricted
 * to the K most frequent next tokens of the windows; the classifier is the
 * tied head's rows for those tokens (wte). The statistics are
 * eval/metrics/collapse.h's. */
#include <stdlib.h>
#include <string.h>

#include "eval/measures/toplayer.h"
#include "util/error.h"

typedef struct {
    const fl_windows *w;
    const int32_t *cls; /* [V]: a token's class, or -1 */
    long *have;         /* [K] */
    int per_class, C;
    float *X;
    int32_t *y;
    long n;
} col_ctx;

static fl_status col_batch(void *ctx, fl_model *m, int first, int rows, const fl_losses *l, fl_error *err) {
    (void)l, (void)err;
    col_ctx *s = ctx;
    const int T = s->w->T;
    const float *h = fl_model_hidden(m);
    for (int i = 0; i < rows; i++)
        for (int t = 0; t < T; t++) {
            const int k = s->cls[fl_window(s->w, first + i)[t + 1]];
            if (k < 0 || s->have[k] >= s->per_class) continue;
            memcpy(s->X + (size_t)s->n * s->C, h + ((size_t)i * T + t) * s->C, s->C * sizeof(float));
            s->y[s->n++] = k;
            s->have[k]++;
        }
    return FL_OK;
}

/* The K most frequent next tokens of the windows (ties: the lower id), into
 * r->tokens; returns how many appear at all when that is fewer. */
static int frequent(const fl_windows *w, int V, int K, fl_collapse_result *r, long *freq) {
    long total = 0, in = 0;
    for (int k = 0; k < w->n; k++)
        for (int t = 0; t < w->T; t++) freq[fl_window(w, k)[t + 1]]++, total++;
    int got = 0;
    for (; got < K; got++) {
        int best = -1;
        for (int v = 0; v < V; v++)
            if (freq[v] > 0 && (best < 0 || freq[v] > freq[best])) best = v;
        if (best < 0) break;
        r->tokens[got] = best;
        in += freq[best];
        freq[best] = -freq[best] - 1; /* taken: negative, and still recoverable */
    }
    r->covered = (double)in / (double)total;
    return got;
}

fl_status fl_eval_collapse(fl_model *m, const fl_windows *w, int B, int K, int per_class, fl_collapse_result *r,
                           fl_error *err) {
    memset(r, 0, sizeof *r);
    fl_status st = fl_eval_check_windows(m, w, err);
    if (st) return st;
    if (K < 2 || per_class < 1) return fl_fail(err, FL_ERR_ARG, "collapse needs at least 2 classes and 1 vector a class");
    const fl_model_config *c = fl_model_get_config(m);
    const int V = c->vocab_size, C = c->n_embd;
    r->windows = w->n, r->T = w->T;
    r->tokens = malloc((size_t)K * sizeof *r->tokens), r->count = calloc((size_t)K, sizeof *r->count);
    long *freq = calloc((size_t)V, sizeof *freq);
    int32_t *cls = malloc((size_t)V * sizeof *cls);
    float *X = malloc((size_t)K * per_class * C * sizeof *X), *W = malloc((size_t)K * C * sizeof *W);
    int32_t *y = malloc((size_t)K * per_class * sizeof *y);
    if (!r->tokens || !r->count || !freq || !cls || !X || !W || !y) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!st && (K = frequent(w, V, K, r, freq)) < 2)
        st = fl_fail(err, FL_ERR_ARG, "the windows' next tokens take %d value(s); collapse needs 2 classes", K);
    if (!st) {
        for (int v = 0; v < V; v++) cls[v] = -1;
        const float *wte = fl_model_find_tensor(m, "wte")->data;
        for (int k = 0; k < K; k++) {
            cls[r->tokens[k]] = k;
            memcpy(W + (size_t)k * C, wte + (size_t)r->tokens[k] * C, C * sizeof(float));
        }
        col_ctx s = {w, cls, r->count, per_class, C, X, y, 0};
        st = fl_eval_batches(m, FL_EVAL_ENCODE, w->tokens, (size_t)w->len, w->n, w->T, B, col_batch, &s, err);
        if (!st) st = fl_nc_compute(X, y, s.n, C, K, W, &r->nc, err);
    }
    free(freq), free(cls), free(X), free(W), free(y);
    if (st) fl_collapse_result_free(r);
    return st;
}

void fl_collapse_result_free(fl_collapse_result *r) {
    free(r->tokens), free(r->count);
    memset(r, 0, sizeof *r);
}
