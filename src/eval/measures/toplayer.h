/* Instruments for the top layer (issue 18): the logit lens per layer, neural
 * collapse of h_t grouped by the next token, linear CKA between every layer of
 * two checkpoints, and the head's reading of h_t's principal directions. Each
 * reads the validation windows of docs/design.md 4.0 through the one batch
 * loop (windows.h); docs/evaluation.md defines every number. */
#ifndef FL_EVAL_MEASURES_TOPLAYER_H
#define FL_EVAL_MEASURES_TOPLAYER_H
#include <stdio.h>

#include "eval/measures/checkpoint.h"
#include "eval/measures/measure.h"
#include "eval/metrics/collapse.h"

typedef enum { FL_TOP_LENS, FL_TOP_COLLAPSE, FL_TOP_CKA, FL_TOP_NEURONS } fl_top_kind;

typedef struct {
    fl_measure_opts base;  /* data, tokenizer, windows, context, batch, threads (fl_measure_opts_default) */
    long lens_positions;   /* lens: positions decoded at every layer (default 4096; 0 = every position) */
    int classes;           /* collapse: the K most frequent next tokens (default 64) */
    int per_class;         /* collapse: vectors a class at most, the first in window order (default 128) */
    long cka_positions;    /* cka: positions compared (default 1024; 0 = every position) */
    long neuron_positions; /* neurons: positions h_t is sampled at (default 4096; 0 = every position) */
    int directions;        /* neurons: principal directions decoded (default 8) */
    int coords;            /* neurons: highest-variance coordinates decoded too (default 0) */
    int tokens;            /* neurons: tokens listed a direction and sign (default 8) */
} fl_top_opts;
void fl_top_opts_default(fl_top_opts *o);

/* The positions a measure reads: flat position p = window * T + t is taken
 * when p % stride == 0, the first `want` of them; stride = total / want
 * (rounded down, at least 1) spreads them evenly over all the windows. want
 * 0 (or at least total) takes every position. */
long fl_top_stride(long total, long want);
/* The positions fl_top_stride picks (want: at most, 0 = all), how many into *n:
 * the vectors of levels from..L into out [L + 1 - from, *n ... sized
 * (L + 1 - from) * fl_top_count(w, want) rows of C], level by level. Level l < L
 * is the residual stream after block l + 1, level L the top (h_t, after ln_f). */
long fl_top_count(const fl_windows *w, long want);
fl_status fl_top_gather(fl_model *m, const fl_windows *w, int B, long want, int from, float *out, long *n,
                        fl_error *err);

/* ---- logit lens: block l's residual stream through ln_f and the tied head */
typedef struct {
    int levels, windows, T; /* levels = n_layer: after blocks 1..L (the last is the model's own h_t) */
    long positions;
    int has_decoder; /* FTP: rows levels..2*levels-1 decode through decoder step 0 (x_t its input) */
    double *loss;    /* [levels, or 2*levels for FTP]: mean -log p(x_{t+1}) */
    double *entropy; /* likewise: mean entropy of the decoded distribution, nats */
    double *agree;   /* likewise: share of positions whose argmax is the same decoder's at the last level */
} fl_lens_result;
fl_status fl_eval_lens(fl_model *m, const fl_windows *w, int B, long positions, fl_lens_result *r, fl_error *err);
void fl_lens_result_free(fl_lens_result *r);

/* ---- neural collapse of h_t grouped by x_{t+1} over the K most frequent next tokens */
typedef struct {
    fl_nc_stats nc;
    int32_t *tokens; /* [K]: the classes' token ids, most frequent first */
    long *count;     /* [K]: vectors each class contributed */
    double covered;  /* share of all positions whose next token is one of the K */
    int windows, T;
} fl_collapse_result;
fl_status fl_eval_collapse(fl_model *m, const fl_windows *w, int B, int K, int per_class, fl_collapse_result *r,
                           fl_error *err);
void fl_collapse_result_free(fl_collapse_result *r);

/* ---- linear CKA between level i of model a and level j of model b */
typedef struct {
    int levels_a, levels_b, windows, T; /* levels: after blocks 1..L, then the top (after ln_f) */
    long positions;
    double *cka; /* [levels_a, levels_b] */
} fl_cka_result;
fl_status fl_eval_cka(fl_model *a, fl_model *b, const fl_windows *w, int B, long positions, fl_cka_result *r,
                      fl_error *err);
void fl_cka_result_free(fl_cka_result *r);

/* ---- the tied head's reading of h_t's directions */
typedef struct {
    int index;        /* principal component number (0 = largest), or the coordinate */
    double variance;  /* of h_t along the direction */
    int32_t *pos_ids; /* [tokens]: largest w_v . u */
    float *pos_score;
    int32_t *neg_ids; /* [tokens]: largest w_v . (-u) */
    float *neg_score;
} fl_direction_row;
typedef struct {
    int n_dirs, n_coords, tokens, windows, T, C;
    long positions;
    double total_variance; /* trace of h_t's covariance */
    fl_direction_row *dirs;   /* [n_dirs] */
    fl_direction_row *coords; /* [n_coords], highest variance first */
} fl_neurons_result;
fl_status fl_eval_neurons(fl_model *m, const fl_windows *w, int B, long positions, int directions, int coords,
                          int tokens, fl_neurons_result *r, fl_error *err);
void fl_neurons_result_free(fl_neurons_result *r);

/* ---- `futurelm eval lens|collapse|cka|neurons` as one call */
typedef struct {
    fl_top_kind kind;
    fl_window_cover cover;
    fl_lens_result lens;
    fl_collapse_result col;
    fl_cka_result cka;
    fl_neurons_result neu;
} fl_top_result;
/* b: the second checkpoint (cka only; NULL otherwise). tok: for token text
 * (neurons and collapse; NULL prints ids only). */
fl_status fl_top_run(const fl_eval_ckpt *a, const fl_eval_ckpt *b, fl_top_kind kind, const fl_top_opts *o,
                     fl_top_result *r, fl_error *err);
void fl_top_result_free(fl_top_result *r);
void fl_top_write(FILE *f, int json, const fl_eval_ckpt *a, const fl_eval_ckpt *b, const fl_tokenizer *tok,
                  const fl_top_result *r);
/* The measure's own JSON object ({"positions":..} for r->kind), as fl_top_write's JSON holds it under
 * "lens", "collapse", "cka" or "neurons": compare's report embeds the same objects. tok and task name
 * tokens (either may be NULL). */
void fl_top_write_json_body(FILE *f, const fl_tokenizer *tok, const fl_task *task, const fl_top_result *r);

#endif
