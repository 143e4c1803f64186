/* `futurelm compare` as a library call: the paper's four claims side by side
 * at matched next-token loss, over several seeds. Seed i of GPT is paired with
 * seed i of FTP; fl_compare_run matches each pair at its own target (each run's
 * checkpoint closest to a shared validation loss), checks that every run trains
 * the same encoder, reads identical windows for every model, sets up the IDF and
 * the topic classifier once, runs every measure on every model (the top-layer
 * instruments too, and CKA between each pair's two models; countdown pass@1 on
 * countdown pairs, matched on their own loss), and summarises each
 * metric over the seeds (mean with a t-interval, the paired difference FTP - GPT,
 * summary.h). The writers turn the result into a self-contained HTML page
 * (inline SVG) and a JSON file. */
#ifndef FL_EVAL_COMPARE_COMPARE_H
#define FL_EVAL_COMPARE_COMPARE_H
#include <stdio.h>

#include "eval/compare/match.h"
#include "eval/compare/summary.h"
#include "eval/measures/coherence.h"
#include "eval/measures/countdown_pass.h"
#include "eval/measures/loss.h"
#include "eval/measures/smoothness.h"
#include "eval/measures/topic_probe.h"
#include "eval/measures/toplayer.h"
#include "futurelm.h"

#define FL_COMPARE_MAX_SETS 4   /* --probe-data and the three shipped sets */
#define FL_COMPARE_MAX_NOTES 4
/* The name the --probe-data set goes by in the report (r->sets, the JSON's probes, the summary). */
#define FL_COMPARE_PROBE_DATA "probe-data"

typedef struct {
    /* one run per seed; gpt_runs[i] is paired with ftp_runs[i] (n_gpt == n_ftp >= 1) */
    const char *const *gpt_runs, *const *ftp_runs;
    int n_gpt, n_ftp;
    const char *data;              /* data folder (NULL: the GPT checkpoint's state.json data_dir) */
    const char *datasets;          /* comma-separated topic probes, or "none"; NULL: every known set fetched
                                      (none with probe_data), skipped when the run did not train on any of them */
    const char *probe_data;        /* a labelled folder of the user's own (fl_text_set_load_folder): the topic
                                      probe and coherence's topic classifier read it (NULL: none) */
    const char *data_root;         /* folder holding brown/ and spam-assassin/ (NULL: the data search, util/datapath.h) */
    long windows;                  /* validation windows (default 64) */
    double target;                 /* shared target loss; <= 0: the larger of the runs' best checkpoint losses */
    const char *const *cd_gpt, *const *cd_ftp; /* countdown runs, paired the same way (n_cd_gpt == n_cd_ftp; 0: none) */
    int n_cd_gpt, n_cd_ftp;
    const char *specs;             /* countdown held-out specs (NULL: the countdown data folder's test_specs.txt) */
    double cd_target;              /* as target, for the countdown runs */
    double max_gap;                /* a checkpoint further than this (nats) from its pair's target is not at
                                      matched loss (default 0.05): its pair is left out of the statistics
                                      while another pair is matched, else every pair is kept under a warning */
    int refuse_gap;                /* 1: such a gap is an error instead */
    int threads;                   /* OpenMP threads for the evaluation (default 1: on a shared machine a
                                      second thread waiting on a busy core made compare 3-27x slower) */
    int B;                         /* windows a batch of ppl and smoothness (default 8) */
    fl_offsets_opts offsets;       /* the per-offset loss and bag-of-words probe (train_windows, bow_rows) */
    fl_coherence_opts coherence;   /* prompts (max_prompts), the idf's train windows, the classifier */
    fl_countdown_opts countdown;
    int toplayer;                  /* 1 (default): the top-layer instruments on every kept pair (toplayer.c) */
    fl_top_opts top;               /* their positions, classes, directions (fl_top_opts_default; base unused) */
    FILE *log;                     /* progress lines and notes (NULL: quiet) */
} fl_compare_opts;
void fl_compare_opts_default(fl_compare_opts *o);
/* The default list of topic probes (brown,brown-coarse,spam-assassin). */
extern const char *const fl_compare_default_datasets;

/* One side of a pair: a run, its matched checkpoint and every result (a text
 * run's measures, or a countdown run's pass@1). */
typedef struct {
    const char *run, *label, *color; /* run points into the options */
    fl_run_metrics mt;
    fl_ckpt_pick pick;
    double best;     /* the run's best validation loss over its saved checkpoints */
    double gap;      /* |pick.val_loss - target|: how far "matched" is from the target */
    int gap_warned;  /* gap > max_gap */
    double train_flops; /* model FLOPs of the steps to the matched checkpoint (fl_ckpt_train_flops; NaN: unknown) */
    fl_ppl_result ppl;
    fl_offsets_result off;
    fl_smooth_result sm;
    fl_probe_eval_result probe[FL_COMPARE_MAX_SETS];
    fl_coherence_result coh;
    fl_countdown_result cd;
    fl_top_result lens, col, neu; /* the logit lens, neural collapse, head directions (kind set; o->toplayer) */
} fl_compare_side;

/* Seed i: GPT run i against FTP run i at the pair's target. */
typedef struct {
    double target;
    fl_compare_side side[2]; /* GPT, FTP */
    fl_top_result cka;       /* linear CKA, GPT's levels (rows) against FTP's (columns), on the same windows */
    int dropped;             /* not at matched loss while another pair is: measured not, left out of the statistics */
} fl_compare_pair;

typedef struct {
    fl_compare_pair *pairs, *cd; /* text pairs, countdown pairs */
    int n_pairs, n_cd;
    int kept, cd_kept;           /* pairs in the statistics */
    int first, cd_first;         /* the first pair kept: its histograms, traces and samples are drawn */
    double max_gap;              /* the options' */
    char sets[FL_COMPARE_MAX_SETS][32]; /* the topic probes measured (FL_COMPARE_PROBE_DATA: --probe-data) */
    int n_sets;
    const char *probe_data;      /* the options' --probe-data folder (NULL: none) */
    int explicit_sets;           /* --datasets was given */
    int skipped_sets;            /* the default shipped sets were skipped: the run did not train on them */
    char probe_notes[FL_COMPARE_MAX_NOTES][900]; /* what the probes read and whether the run trained on it */
    int n_probe_notes;
    fl_compare_summary summary;  /* every metric over the kept pairs */
    int toplayer;                /* the top-layer instruments were run (the options') */
    fl_tokenizer *tok;           /* the runs' tokenizer, for token text in the report (owned) */
} fl_compare_result;

fl_status fl_compare_run(const fl_compare_opts *o, fl_compare_result *r, fl_error *err);
/* probe_sets.c. The sets the options name, checked before any model is measured
 * (a --probe-data folder is read and refused with a clear error). */
fl_status fl_compare_pick_sets(const fl_compare_opts *o, fl_compare_result *r, fl_error *err);
/* Once the data folder is known: whether the run trained on each shipped set
 * (data/manifest.json's sources), the policy of docs/evaluation.md (the default
 * shipped sets are skipped on a corpus of its own), r->probe_notes (also on
 * o->log), and the options of coherence's topic classifier (*co) and whether to
 * build it (*want_clf). */
fl_status fl_compare_relate_sets(const fl_compare_opts *o, const char *data, fl_compare_result *r,
                                 fl_coherence_opts *co, int *want_clf, fl_error *err);
/* Every metric of the report over the kept pairs (summary.c); fl_compare_run calls it. */
fl_status fl_compare_summarise(const fl_compare_result *r, fl_compare_summary *s, fl_error *err);
void fl_compare_result_free(fl_compare_result *r);

/* toplayer.c. The logit lens, neural collapse and head directions of one side's
 * model on the compare windows (o->top's positions and classes). */
fl_status fl_compare_top_side(const fl_compare_opts *o, fl_compare_side *s, fl_model *m, const fl_windows *val,
                              fl_error *err);
/* Linear CKA between a pair's GPT model (rows) and FTP model (columns) on the same windows. */
fl_status fl_compare_top_cka(const fl_compare_opts *o, fl_compare_pair *p, fl_model *gpt, fl_model *ftp,
                             const fl_windows *val, fl_error *err);
/* The mean CKA matrix over the kept pairs into out [levels_a * levels_b] (NULL: sizes only); returns
 * the pairs averaged (0: no CKA was run). */
int fl_compare_cka_mean(const fl_compare_result *r, double *out, int *levels_a, int *levels_b);
/* JSON: a side's ,"toplayer":{"lens":..,"collapse":..,"neurons":..}; a pair's ,"cka":{..}; the
 * report's ,"cka_mean":{..}. Nothing when the instruments were not run. */
void fl_compare_top_json_side(FILE *f, const fl_compare_result *r, const fl_compare_side *s);
void fl_compare_top_json_pair(FILE *f, const fl_compare_result *r, const fl_compare_pair *p);
void fl_compare_top_json(FILE *f, const fl_compare_result *r);

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
