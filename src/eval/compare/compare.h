/* `futurelm compare` as a library call: the paper's four claims side by side
 * at matched next-token loss. fl_compare_run picks each run's checkpoint
 * closest to a shared validation loss, reads identical windows for both, sets
 * up the IDF and the topic classifier once, runs every measure on both models
 * (and countdown pass@1 on a countdown pair, matched on its own loss), and
 * returns every number; the writers turn the result into a self-contained HTML
 * page (inline SVG) and a JSON file. */
#ifndef FL_EVAL_COMPARE_COMPARE_H
#define FL_EVAL_COMPARE_COMPARE_H
#include <stdio.h>

#include "eval/compare/match.h"
#include "eval/measures/coherence.h"
#include "eval/measures/countdown_pass.h"
#include "eval/measures/loss.h"
#include "eval/measures/smoothness.h"
#include "eval/measures/topic_probe.h"
#include "futurelm.h"

#define FL_COMPARE_MAX_SETS 3

typedef struct {
    const char *gpt_run, *ftp_run; /* required */
    const char *data;              /* data folder (NULL: the GPT checkpoint's state.json data_dir) */
    const char *datasets;          /* comma-separated topic probes, or "none"; NULL: every known set fetched */
    const char *data_root;         /* folder holding brown/ and spam-assassin/ (default "data") */
    long windows;                  /* validation windows (default 64) */
    double target;                 /* shared target loss; <= 0: the larger of the runs' best checkpoint losses */
    const char *cd_gpt, *cd_ftp;   /* countdown runs (both or neither) */
    const char *specs;             /* countdown held-out specs (NULL: the countdown data folder's test_specs.txt) */
    double cd_target;              /* as target, for the countdown runs */
    double max_gap;                /* a checkpoint further than this (nats) from the target is warned about
                                      (default 0.05): "matched loss" is then not matched */
    int refuse_gap;                /* 1: such a gap is an error instead of a warning */
    int B;                         /* windows a batch of ppl and smoothness (default 8) */
    fl_offsets_opts offsets;       /* the per-offset loss and bag-of-words probe (train_windows, bow_rows) */
    fl_coherence_opts coherence;   /* prompts (max_prompts), the idf's train windows, the classifier */
    fl_countdown_opts countdown;
    FILE *log;                     /* progress lines and notes (NULL: quiet) */
} fl_compare_opts;
void fl_compare_opts_default(fl_compare_opts *o);
/* The default list of topic probes (brown,brown-coarse,spam-assassin). */
extern const char *const fl_compare_default_datasets;

/* One side of the comparison: a run, its matched checkpoint and every result. */
typedef struct {
    const char *run, *label, *color; /* run points into the options */
    fl_run_metrics mt;
    fl_ckpt_pick pick;
    double gap;      /* |pick.val_loss - target|: how far "matched" is from the target */
    int gap_warned;  /* gap > max_gap */
    fl_ppl_result ppl;
    fl_offsets_result off;
    fl_smooth_result sm;
    fl_probe_eval_result probe[FL_COMPARE_MAX_SETS];
    fl_coherence_result coh;
    int has_cd;
    const char *run_cd;
    fl_run_metrics cd_mt;
    double cd_target;     /* the countdown runs' shared target loss */
    fl_ckpt_pick cd_pick; /* the countdown run's checkpoint closest to it */
    fl_countdown_result cd;
} fl_compare_side;

typedef struct {
    double target;
    fl_compare_side side[2]; /* GPT, FTP */
    char sets[FL_COMPARE_MAX_SETS][32];
    int n_sets;
} fl_compare_result;

fl_status fl_compare_run(const fl_compare_opts *o, fl_compare_result *r, fl_error *err);
void fl_compare_result_free(fl_compare_result *r);

/* The JSON file (one object, newline-terminated) and the HTML page (which names
 * json_name as where the numbers are). */
void fl_compare_write_json(FILE *f, const fl_compare_result *r);
void fl_compare_write_html(FILE *f, const fl_compare_result *r, const char *json_name);
/* Both files, written to temporary names and renamed at the end, so an error
 * never leaves a partial report under the final name. json_path NULL: the
 * report's name with .json for its extension. *json_out (may be NULL) receives
 * the JSON file's path, malloc'd. */
fl_status fl_compare_write(const fl_compare_result *r, const char *report_path, const char *json_path, char **json_out,
                           fl_error *err);

#endif
