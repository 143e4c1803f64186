/* LM-head neuron decoding: what the tied head reads from a direction u of the
 * top-layer space, as the vocabulary rows w_v with the largest w_v . u (the
 * "logit lens" of a single direction; Geva et al., "Transformer Feed-Forward
 * Layers Build Predictions by Promoting Concepts in the Vocabulary Space",
 * 2022, read value vectors this way). The directions are h_t's leading
 * principal axes and, when asked, its highest-variance coordinates. A
 * principal axis has no sign, so both ends are listed. */
#include <stdlib.h>
#include <string.h>

#include "eval/measures/toplayer.h"
#include "eval/metrics/directions.h"
#include "util/error.h"

static fl_status decode(const float *wte, int V, int C, const float *u, int tokens, int index, double var,
                        fl_direction_row *row, fl_error *err) {
    row->index = index, row->variance = var;
    row->pos_ids = malloc((size_t)tokens * sizeof *row->pos_ids);
    row->neg_ids = malloc((size_t)tokens * sizeof *row->neg_ids);
    row->pos_score = malloc((size_t)tokens * sizeof *row->pos_score);
    row->neg_score = malloc((size_t)tokens * sizeof *row->neg_score);
    float *neg = malloc((size_t)C * sizeof *neg);
    if (!row->pos_ids || !row->neg_ids || !row->pos_score || !row->neg_score || !neg) {
        free(neg);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    for (int j = 0; j < C; j++) neg[j] = -u[j];
    fl_top_rows(wte, V, C, C, u, tokens, row->pos_ids, row->pos_score);
    fl_top_rows(wte, V, C, C, neg, tokens, row->neg_ids, row->neg_score);
    free(neg);
    return FL_OK;
}

fl_status fl_eval_neurons(fl_model *m, const fl_windows *w, int B, long positions, int directions, int coords,
                          int tokens, fl_neurons_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    const fl_model_config *c = fl_model_get_config(m);
    const int C = c->n_embd, V = c->vocab_size;
    fl_status st = fl_eval_check_windows(m, w, err);
    if (st) return st;
    if (directions < 0 || directions > C || coords < 0 || coords > C || tokens < 1 || tokens > V)
        return fl_fail(err, FL_ERR_ARG, "neurons: need 0..%d directions and coordinates and 1..%d tokens", C, V);
    const long cap = fl_top_count(w, positions);
    float *X = malloc((size_t)cap * C * sizeof *X), *dirs = malloc((size_t)(directions ? directions : 1) * C * sizeof *dirs);
    float *e = calloc((size_t)C, sizeof *e);
    double *var = malloc((size_t)(directions ? directions : 1) * sizeof *var), *cvar = calloc((size_t)C, sizeof *cvar);
    int *order = malloc((size_t)C * sizeof *order);
    r->dirs = calloc((size_t)(directions ? directions : 1), sizeof *r->dirs);
    r->coords = calloc((size_t)(coords ? coords : 1), sizeof *r->coords);
    if (!X || !dirs || !e || !var || !cvar || !order || !r->dirs || !r->coords) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    long n = 0;
    if (!st) st = fl_top_gather(m, w, B, positions, c->n_layer, X, &n, err);
    r->tokens = tokens, r->windows = w->n, r->T = w->T, r->C = C, r->positions = n;
    if (!st && n < 2) st = fl_fail(err, FL_ERR_ARG, "neurons need at least 2 positions");
    for (int j = 0; j < C && !st; j++) { /* every coordinate's variance: their sum is the trace */
        double s = 0, s2 = 0;
        for (long i = 0; i < n; i++) s += X[(size_t)i * C + j];
        s /= (double)n;
        for (long i = 0; i < n; i++) s2 += (X[(size_t)i * C + j] - s) * (X[(size_t)i * C + j] - s);
        cvar[j] = s2 / (double)n;
        r->total_variance += cvar[j];
        order[j] = j;
    }
    if (!st && directions) st = fl_principal_directions(X, n, C, directions, dirs, var, err);
    const float *wte = fl_model_find_tensor(m, "wte")->data;
    for (int k = 0; k < directions && !st; k++, r->n_dirs++)
        st = decode(wte, V, C, dirs + (size_t)k * C, tokens, k, var[k], &r->dirs[k], err);
    for (int k = 0; k < coords && !st; k++) { /* selection of the k-th largest variance (ties: the lower index) */
        int best = k;
        for (int j = k + 1; j < C; j++)
            if (cvar[order[j]] > cvar[order[best]]) best = j;
        int t = order[k];
        order[k] = order[best], order[best] = t;
        e[order[k]] = 1;
        st = decode(wte, V, C, e, tokens, order[k], cvar[order[k]], &r->coords[k], err);
        e[order[k]] = 0;
        r->n_coords++; /* counted even on failure, so the free sees what was allocated */
    }
    free(X), free(dirs), free(e), free(var), free(cvar), free(order);
    if (st) fl_neurons_result_free(r);
    return st;
}

static void free_row(fl_direction_row *row) {
    free(row->pos_ids), free(row->neg_ids), free(row->pos_score), free(row->neg_score);
}

void fl_neurons_result_free(fl_neurons_result *r) {
    for (int k = 0; r->dirs && k < r->n_dirs; k++) free_row(&r->dirs[k]);
    for (int k = 0; r->coords && k < r->n_coords; k++) free_row(&r->coords[k]);
    free(r->dirs), free(r->coords);
    memset(r, 0, sizeof *r);
}
