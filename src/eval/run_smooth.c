/* Smoothness (DESIGN.md 4.2): adjacent-position cosines of the top-layer
 * vectors and of the residual stream after every encoder block. */
#include <stdlib.h>
#include <string.h>

#include "eval/run.h"
#include "util/error.h"

typedef struct {
    fl_smooth_result *r;
    int L, C;
} smooth_ctx;

static fl_status smooth_batch(void *ctx, const fl_model *m, int first, int rows, fl_error *err) {
    (void)err;
    smooth_ctx *s = ctx;
    fl_smooth_result *r = s->r;
    const int T = r->T;
    int tw = r->trace_window - first; /* the traced window's row in this batch, if there */
    for (int lev = 0; lev <= s->L; lev++) {
        const float *x = lev < s->L ? fl_model_block_output(m, lev) : fl_model_hidden(m);
        fl_cos_adjacent(&r->stats[lev], x, rows, T, s->C, s->C, NULL);
        if (tw >= 0 && tw < rows) {
            /* the trace is the same computation on one window, kept in order */
            fl_cos_stats scratch;
            fl_cos_stats_init(&scratch, r->stats[lev].n_bins, NULL);
            fl_cos_adjacent(&scratch, x + (size_t)tw * T * s->C, 1, T, s->C, s->C, r->trace + (size_t)lev * (T - 1));
        }
    }
    return FL_OK;
}

fl_status fl_eval_smoothness(fl_model *m, const fl_windows *w, int B, int trace_window, fl_smooth_result *r,
                             fl_error *err) {
    memset(r, 0, sizeof *r);
    const fl_model_config *c = fl_model_get_config(m);
    if (w->n < 1) return fl_fail(err, FL_ERR_ARG, "no windows to evaluate");
    if (w->T > c->block_size)
        return fl_fail(err, FL_ERR_ARG, "windows of context %d are longer than model.block_size %d", w->T,
                       c->block_size);
    if (trace_window < 0 || trace_window >= w->n)
        return fl_fail(err, FL_ERR_ARG, "--trace-window %d: need 0..%d (the windows evaluated)", trace_window,
                       w->n - 1);
    r->levels = c->n_layer + 1;
    r->T = w->T;
    r->windows = w->n;
    r->trace_window = trace_window;
    r->stats = calloc((size_t)r->levels, sizeof *r->stats);
    r->trace = calloc((size_t)r->levels * (w->T - 1), sizeof *r->trace);
    if (!r->stats || !r->trace) {
        fl_smooth_result_free(r);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < r->levels; i++) fl_cos_stats_init(&r->stats[i], FL_SMOOTH_BINS, NULL);
    smooth_ctx s = {r, c->n_layer, c->n_embd};
    fl_status st = fl_eval_encode_rows(m, w->tokens, (size_t)w->len, w->n, w->T, B, smooth_batch, &s, err);
    if (st) fl_smooth_result_free(r);
    return st;
}

void fl_smooth_result_free(fl_smooth_result *r) {
    free(r->stats);
    free(r->trace);
    memset(r, 0, sizeof *r);
}
