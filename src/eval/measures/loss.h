/* Losses on validation windows: next-token loss (perplexity), per-offset loss
 * and the future bag-of-words probe of docs/design.md 4.1. */
#ifndef FL_EVAL_MEASURES_LOSS_H
#define FL_EVAL_MEASURES_LOSS_H
#include "eval/measures/windows.h"
#include "eval/metrics/bow_probe.h"
#include "futurelm.h"

typedef struct {
    double loss, ppl; /* mean next-token CE over every position of every window, exp(loss) */
    int windows, T;
    long positions;
} fl_ppl_result;
fl_status fl_eval_ppl(fl_model *m, const fl_windows *w, int B, fl_ppl_result *r, fl_error *err);

/* Next-token cross-entropy of each position of one GPT window, computed from
 * h_t ([T, C]) and the tied head (log-softmax over the real vocabulary). loss [T].
 * This is eval's own copy of the LM head + log-softmax: the one place to switch
 * when model/ exports that computation. */
fl_status fl_eval_gpt_position_losses(fl_model *m, const float *h, const int32_t *window, int T, float *loss,
                                      fl_error *err);

/* docs/design.md 4.1: (a) per-offset CE k = 1..N: FTP's decoder step k-1 at every
 * position; GPT's next-token loss at position t+k-1 for t = 0..T-k. (b) the
 * future bag-of-words probe on frozen h_t (train rows from train windows,
 * scored on the evaluation windows), unless bow_rows == 0. */
typedef struct {
    int B;           /* windows a batch (default 8) */
    long train_windows; /* train windows the probe learns from (default 256) */
    int bow_rows;    /* probe rows from each of train and test (default 20000; 0 = no probe) */
    fl_bow_opts bow;
} fl_offsets_opts;
void fl_offsets_opts_default(fl_offsets_opts *o);
typedef struct {
    int N, windows, T;
    fl_model_type type;
    double ce[FL_MAX_FUTURE];
    int has_bow;
    fl_bow_result bow;
} fl_offsets_result;
/* train may be NULL when o->bow_rows == 0. */
fl_status fl_eval_offsets(fl_model *m, const fl_windows *val, const fl_windows *train, const fl_offsets_opts *o,
                          fl_offsets_result *r, fl_error *err);

#endif
