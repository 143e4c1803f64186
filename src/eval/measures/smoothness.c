/* Smoothness (docs/design.md 4.2): adjacent-position cosines of the top-layer
 * vectors and of the residual stream after every encoder block, raw and
 * centred on each level's mean vector.
 *
 * The windows are encoded twice. Pass 1 takes the raw cosines and sums each
 * level's vectors into its mean mu; pass 2 takes the cosines of h - mu. A
 * centred pair's cosine needs mu·h_t and mu·h_t+1 of that very pair, and mu is
 * known only once every window has been seen; sums over the pairs cannot stand
 * in for them, because each pair is divided by its own two norms before the mean
 * and the histogram are taken. The alternative to a second pass is keeping every
 * vector (levels x windows x T x C floats: 2.6 GB for 13 levels of 64 windows of
 * T = 1024, C = 768, and unbounded with --windows 0). A second forward pass
 * costs time only, and the encoder is deterministic, so pass 2 sees exactly the
 * vectors pass 1 averaged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/measures/smoothness.h"
#include "util/error.h"

typedef struct {
    fl_smooth_result *r;
    int L, C;
    fl_vec_mean *means; /* [levels]: pass 1 sums every vector of each level */
    const double *mu;   /* [levels, C]: pass 2 subtracts each level's mean */
} smooth_ctx;

/* Level lev's vectors of the batch just encoded ([rows*T, C]). */
static const float *level_vectors(const fl_model *m, int lev, int L) {
    return lev < L ? fl_model_block_output(m, lev) : fl_model_hidden(m);
}

/* Adjacent cosines of one level over a batch of windows first..first+rows-1,
 * from the origin (mu NULL) or from mu; the traced window's cosines, in order,
 * into trace ([T-1]) when that window is in this batch. */
static void batch_cosines(fl_cos_stats *stats, float *trace, const float *x, int first, int rows, int trace_window,
                          int T, int C, const double *mu) {
    if (mu) fl_cos_adjacent_centred(stats, x, rows, T, C, C, mu, NULL);
    else fl_cos_adjacent(stats, x, rows, T, C, C, NULL);
    int tw = trace_window - first; /* the traced window's row in this batch, if there */
    if (tw < 0 || tw >= rows) return;
    /* the trace is the same computation on one window, kept in order */
    fl_cos_stats scratch;
    fl_cos_stats_init(&scratch, stats->n_bins, NULL);
    const float *xw = x + (size_t)tw * T * C;
    if (mu) fl_cos_adjacent_centred(&scratch, xw, 1, T, C, C, mu, trace);
    else fl_cos_adjacent(&scratch, xw, 1, T, C, C, trace);
}

static fl_status raw_pass(void *ctx, fl_model *m, int first, int rows, const fl_losses *l, fl_error *err) {
    (void)l, (void)err;
    smooth_ctx *s = ctx;
    fl_smooth_result *r = s->r;
    for (int lev = 0; lev <= s->L; lev++) {
        const float *x = level_vectors(m, lev, s->L);
        batch_cosines(&r->stats[lev], r->trace + (size_t)lev * (r->T - 1), x, first, rows, r->trace_window, r->T, s->C,
                      NULL);
        fl_vec_mean_add(&s->means[lev], x, (long)rows * r->T, s->C); /* every position, not only paired ones */
    }
    return FL_OK;
}

static fl_status centred_pass(void *ctx, fl_model *m, int first, int rows, const fl_losses *l, fl_error *err) {
    (void)l, (void)err;
    smooth_ctx *s = ctx;
    fl_smooth_result *r = s->r;
    for (int lev = 0; lev <= s->L; lev++)
        batch_cosines(&r->centred[lev], r->centred_trace + (size_t)lev * (r->T - 1), level_vectors(m, lev, s->L), first,
                      rows, r->trace_window, r->T, s->C, s->mu + (size_t)lev * s->C);
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
    const int levels = c->n_layer + 1, C = c->n_embd;
    r->levels = levels;
    r->T = w->T;
    r->windows = w->n;
    r->trace_window = trace_window;
    r->stats = calloc((size_t)levels, sizeof *r->stats);
    r->trace = calloc((size_t)levels * (w->T - 1), sizeof *r->trace);
    r->centred = calloc((size_t)levels, sizeof *r->centred);
    r->centred_trace = calloc((size_t)levels * (w->T - 1), sizeof *r->centred_trace);
    r->mean_share = calloc((size_t)levels, sizeof *r->mean_share);
    fl_vec_mean *means = calloc((size_t)levels, sizeof *means);
    double *sums = malloc((size_t)levels * C * sizeof *sums), *mu = malloc((size_t)levels * C * sizeof *mu);
    fl_status st = FL_OK;
    if (!r->stats || !r->trace || !r->centred || !r->centred_trace || !r->mean_share || !means || !sums || !mu)
        st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (int i = 0; i < levels && !st; i++) {
        fl_cos_stats_init(&r->stats[i], FL_SMOOTH_BINS, NULL);
        fl_cos_stats_init(&r->centred[i], FL_SMOOTH_BINS, NULL);
        fl_vec_mean_init(&means[i], sums + (size_t)i * C, C);
    }
    smooth_ctx s = {r, c->n_layer, C, means, mu};
    if (!st) st = fl_eval_batches(m, FL_EVAL_ENCODE, w->tokens, (size_t)w->len, w->n, w->T, B, raw_pass, &s, err);
    for (int i = 0; i < levels && !st; i++) {
        r->mean_share[i] = fl_vec_mean_share(&means[i]);
        fl_vec_mean_get(&means[i], mu + (size_t)i * C);
    }
    if (!st) st = fl_eval_batches(m, FL_EVAL_ENCODE, w->tokens, (size_t)w->len, w->n, w->T, B, centred_pass, &s, err);
    free(means);
    free(sums);
    free(mu);
    if (st) fl_smooth_result_free(r);
    return st;
}

void fl_smooth_level_name(char *out, size_t n, int level, int levels) {
    if (level == levels - 1) snprintf(out, n, "top");
    else snprintf(out, n, "block %d", level + 1);
}

void fl_smooth_result_free(fl_smooth_result *r) {
    free(r->stats);
    free(r->trace);
    free(r->centred);
    free(r->centred_trace);
    free(r->mean_share);
    memset(r, 0, sizeof *r);
}
