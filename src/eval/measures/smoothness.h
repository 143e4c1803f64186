/* Smoothness of docs/design.md 4.2 on a model's vectors. */
#ifndef FL_EVAL_MEASURES_SMOOTHNESS_H
#define FL_EVAL_MEASURES_SMOOTHNESS_H
#include "eval/measures/windows.h"
#include "eval/metrics/cosine.h"
#include "futurelm.h"

#define FL_SMOOTH_BINS 40
/* docs/design.md 4.2: adjacent-position cosines within windows of the top-layer
 * vectors (after ln_f) and of the residual stream after each block. Level 0..L-1
 * are blocks 1..L, level L is the top (after ln_f). Each level is measured twice:
 * raw, and centred, i.e. every vector minus that level's mean vector over all
 * T positions of all the windows (docs/evaluation.md). */
typedef struct {
    int levels, T, windows, trace_window;
    fl_cos_stats *stats; /* [levels] */
    float *trace;        /* [levels, T-1]: the cosines along window trace_window */
    fl_cos_stats *centred;   /* [levels]: the same pairs, centred */
    float *centred_trace;    /* [levels, T-1] */
    double *mean_share;      /* [levels]: |mean vector|^2 / mean |h|^2 (fl_vec_mean_share) */
} fl_smooth_result;
fl_status fl_eval_smoothness(fl_model *m, const fl_windows *w, int B, int trace_window, fl_smooth_result *r,
                             fl_error *err);
void fl_smooth_result_free(fl_smooth_result *r);

/* The name of smoothness level `level` of `levels`: "block 1" for level 0 (after the first block),
 * up the blocks, then "top" for the last (after ln_f). One rule for eval's JSON and compare's page
 * and results.md, so their level names agree. */
void fl_smooth_level_name(char *out, size_t n, int level, int levels);

#endif
