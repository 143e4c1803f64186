/* One measurement on one checkpoint, as `futurelm eval SUBCOMMAND` runs it:
 * the windows, tokenizer, idf and classifier it needs are read from the
 * checkpoint's run (or the options' overrides), the measure runs, and the
 * result prints as text or JSON. Every default is in fl_measure_opts_default
 * and the options structs it fills. */
#ifndef FL_EVAL_MEASURES_MEASURE_H
#define FL_EVAL_MEASURES_MEASURE_H
#include <stdio.h>

#include "eval/measures/checkpoint.h"
#include "eval/measures/coherence.h"
#include "eval/measures/countdown_pass.h"
#include "eval/measures/loss.h"
#include "eval/measures/smoothness.h"
#include "eval/measures/topic_probe.h"

typedef enum {
    FL_MEASURE_PPL,
    FL_MEASURE_OFFSETS,
    FL_MEASURE_SMOOTHNESS,
    FL_MEASURE_PROBE,
    FL_MEASURE_COUNTDOWN,
    FL_MEASURE_COHERENCE
} fl_measure_kind;

typedef struct {
    const char *data_dir;     /* NULL: the checkpoint's state.json data_dir */
    const char *tokenizer;    /* NULL: the checkpoint's state.json tokenizer */
    long windows;             /* validation windows at most (default -1: fl_eval_default_windows(T); 0 = all) */
    long coherence_windows;   /* coherence's validation windows at most (default 0 = all) */
    int context;              /* window context T (0 = model.block_size) */
    int n_future;             /* GPT: the N of the windows and offsets (0 = FL_EVAL_GPT_N_FUTURE); FTP: 0 or its own */
    int B;                    /* windows a forward pass (default 8; offsets and probe use theirs, set alike) */
    int trace_window;         /* smoothness: the window whose cosines are traced (default 0) */
    fl_offsets_opts offsets;  /* train_windows, bow_rows, bow.epochs */
    fl_probe_eval_opts probe; /* dataset, data_root, chunk_len, max_per_doc, seed */
    const char *specs;        /* countdown: held-out specs (NULL: DATA/test_specs.txt) */
    fl_countdown_opts countdown;
    fl_coherence_opts coherence;
    int threads;              /* OpenMP threads the caller should run with (default 1; 0 = OpenMP's own default) */
} fl_measure_opts;
void fl_measure_opts_default(fl_measure_opts *o);

/* What part of the validation split a window measure read: n of the split's
 * available windows of context T, the first `covered` of its split_tokens. */
typedef struct {
    long n, available;
    int T;
    uint64_t covered, split_tokens;
} fl_window_cover;

typedef struct {
    fl_measure_kind kind;
    int has_cover;         /* ppl, offsets, smoothness, coherence: cover is filled */
    fl_window_cover cover;
    fl_ppl_result ppl;
    fl_offsets_result off;
    fl_smooth_result sm;
    fl_probe_eval_result probe;
    const char *dataset; /* probe: the set's name */
    fl_countdown_result cd;
    fl_coherence_result coh;
    int has_clf; /* coherence: topic agreement was measured */
} fl_measure_result;

/* The validation windows a window measure of ck reads (o's data, context,
 * windows and n_future, as fl_measure_run resolves them), and what they cover. */
fl_status fl_measure_windows(const fl_eval_ckpt *ck, const fl_measure_opts *o, fl_windows *w, fl_window_cover *cover,
                             fl_error *err);

fl_status fl_measure_run(const fl_eval_ckpt *ck, fl_measure_kind kind, const fl_measure_opts *o, fl_measure_result *r,
                         fl_error *err);
void fl_measure_result_free(fl_measure_result *r);

/* `eval --json`: {"checkpoint", "model", "step", "<measure>": result}, newline-terminated. */
void fl_measure_write_json(FILE *f, const fl_eval_ckpt *ck, const fl_measure_result *r);
/* `eval`'s text lines. */
void fl_measure_write_text(FILE *f, const fl_eval_ckpt *ck, const fl_measure_result *r);

#endif
