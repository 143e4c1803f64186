/* The model-dependent half of the evaluation suite (DESIGN.md section 4): what
 * `futurelm eval` and `futurelm compare` run on a checkpoint. It feeds a model's
 * vectors and generations to the model-independent measures of eval.h.
 *
 *   run_common.c  checkpoints (model + state.json), windows of DESIGN.md 4.0
 *   run_loss.c    next-token loss, per-offset loss, future bag-of-words probe
 *   run_smooth.c  adjacent-position cosines of h_t and of every block's output
 *   run_probe.c   pooled frozen vectors -> topic probe, bag-of-words baseline
 *   run_gen.c     countdown pass@1, topic coherence of continuations
 *   run_json.c    every result as JSON (the CLI's --json and compare's file)
 *   report.c      compare: checkpoint choice at a shared loss, the HTML page
 *
 * No global mutable state; every random draw comes from an option's seed. */
#ifndef FL_EVAL_RUN_H
#define FL_EVAL_RUN_H
#include <stdio.h>

#include "eval/eval.h"

#define FL_EVAL_PATH 4200

/* ================================================================ run_common.c */

/* A checkpoint opened for evaluation: the model and what its state.json says
 * about the data it was trained on. */
typedef struct {
    char dir[FL_EVAL_PATH];       /* resolved checkpoint directory (RUN/latest followed) */
    fl_model *m;
    char data_dir[FL_EVAL_PATH];  /* state.json "data_dir" ("" when absent) */
    char tokenizer[FL_EVAL_PATH]; /* state.json "tokenizer"."path" ("" when absent) */
    long step;                    /* state.json "step" (-1 when absent) */
} fl_eval_ckpt;

fl_status fl_eval_ckpt_open(const char *path, fl_eval_ckpt *c, fl_error *err);
void fl_eval_ckpt_close(fl_eval_ckpt *c);
/* The checkpoint's tokenizer (override: a path used instead of state.json's). */
fl_status fl_eval_ckpt_tokenizer(const fl_eval_ckpt *c, const char *override, fl_tokenizer **tok, fl_error *err);

/* Windows of DESIGN.md 4.0: the split's shards (DATA_DIR/<split>_*.bin, in name
 * order) form one stream; window k is tokens [k*T, k*T + T + N), for every k
 * whose window fits (at most max_windows of them when > 0). Both models of a
 * comparison read the same windows: GPT uses the first T + 1 tokens of each,
 * FTP all T + N. */
typedef struct {
    int32_t *tokens; /* [n, len] */
    int n, T, N, len;
    uint64_t stream_tokens; /* tokens in the split */
} fl_windows;
fl_status fl_windows_load(const char *data_dir, const char *split, int T, int N, long max_windows, int vocab_size,
                          fl_windows *w, fl_error *err);
void fl_windows_free(fl_windows *w);
static inline const int32_t *fl_window(const fl_windows *w, int i) { return w->tokens + (size_t)i * w->len; }

/* The N a metric uses for a model: FTP's ftp.n_future, or for GPT (which has
 * none) the caller's choice (gpt_n > 0) or DESIGN's default 8. */
int fl_eval_n_future(const fl_model *m, int gpt_n);

/* Encode rows of T tokens each (src row i at src + i*stride) in batches of up to
 * B; calls fn(ctx, first_row, rows) after each batch, while fl_model_hidden and
 * fl_model_block_output hold that batch's vectors ([rows*T, C]). */
typedef fl_status (*fl_encode_fn)(void *ctx, const fl_model *m, int first, int rows, fl_error *err);
fl_status fl_eval_encode_rows(fl_model *m, const int32_t *src, size_t stride, int n_rows, int T, int B,
                              fl_encode_fn fn, void *ctx, fl_error *err);

/* ================================================================ run_loss.c */

typedef struct {
    double loss, ppl; /* mean next-token CE over every position of every window, exp(loss) */
    int windows, T;
    long positions;
} fl_ppl_result;
fl_status fl_eval_ppl(fl_model *m, const fl_windows *w, int B, fl_ppl_result *r, fl_error *err);

/* Next-token cross-entropy of each position of GPT windows, computed from h_t
 * and the tied head (log-softmax over the real vocabulary). loss [n_rows*T]. */
fl_status fl_eval_gpt_position_losses(fl_model *m, const float *h, const int32_t *window, int T, float *loss,
                                      fl_error *err);

/* DESIGN.md 4.1: (a) per-offset CE k = 1..N: FTP's decoder step k-1 at every
 * position; GPT's next-token loss at position t+k-1 for t = 0..T-k. (b) the
 * future bag-of-words probe on frozen h_t (train rows from train windows,
 * scored on the evaluation windows), unless bow_rows == 0. */
typedef struct {
    int B;           /* windows a batch (default 8) */
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

/* ================================================================ run_smooth.c */

#define FL_SMOOTH_BINS 40
/* DESIGN.md 4.2: adjacent-position cosines within windows of the top-layer
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

/* ================================================================ run_probe.c */

/* DESIGN.md 4.3 on a labelled dataset: chunks of chunk_len tokens, each pooled
 * (mean of its h_t, and its last h_t) into a probe row; plus the bag-of-words
 * baseline (fl_topic_clf on the same chunks). */
typedef struct {
    const char *dataset;   /* brown | brown-coarse | spam-assassin */
    const char *data_root; /* folder holding brown/ and spam-assassin/ (default "data") */
    int chunk_len;         /* tokens a chunk (0 = min(block_size, 128)) */
    int max_per_doc;       /* chunks a document (default 8; 0 = all) */
    double val_frac, test_frac; /* default 0.2, 0.2 */
    uint64_t seed;
    int bow_features;      /* baseline: the k most frequent ids (default 2000) */
    int B;
    fl_probe_opts probe;
} fl_probe_eval_opts;
void fl_probe_eval_opts_default(fl_probe_eval_opts *o);
typedef struct {
    int n_classes, chunk_len;
    char **classes;        /* [n_classes], owned */
    int counts[3];         /* chunks in train, val, test */
    fl_probe_result mean, last;
    double bow_acc, bow_lo, bow_hi, bow_lambda;
} fl_probe_eval_result;
fl_status fl_eval_probe(fl_model *m, const fl_tokenizer *tok, const fl_probe_eval_opts *o, fl_probe_eval_result *r,
                        fl_error *err);
void fl_probe_eval_result_free(fl_probe_eval_result *r);

/* ================================================================ run_gen.c */

/* DESIGN.md 4.5: pass@1 on held-out countdown specs. The prompt is
 * `<|endoftext|> nums ... target T :`, as training documents start; the model
 * writes until '.' or <|endoftext|> or max_tokens, the checker gives the verdict. */
typedef struct {
    fl_gen_config gen;  /* default greedy, AR */
    int max_tokens;     /* default 2 * FL_CD_MAX_NUMS + 2 */
    long max_specs;     /* 0 = all */
    int n_boot;
    uint64_t boot_seed;
} fl_countdown_opts;
void fl_countdown_opts_default(fl_countdown_opts *o);
#define FL_CD_N_VERDICTS 5
typedef struct {
    long n, passed;
    double pass_rate, ci_lo, ci_hi;
    long verdicts[FL_CD_N_VERDICTS]; /* by fl_cd_verdict */
    char example_fail[256];          /* the first failing line, with its reason */
} fl_countdown_result;
fl_status fl_eval_countdown(fl_model *m, const fl_cd_example *specs, long n_specs, const fl_countdown_opts *o,
                            fl_countdown_result *r, fl_error *err);

/* DESIGN.md 4.4. Prompts are held-out windows: of each window's first T tokens,
 * the first half is the prompt and the second half the human continuation;
 * windows with an <|endoftext|> after their first token are dropped (the
 * continuation would be another document). The model continues each prompt for
 * as many tokens as the human did (stopping at <|endoftext|>), with the same
 * sampler for every model and prompt i seeded with seed + i. Scores: TF-IDF
 * cosine to the prompt (idf over the idf_docs windows), drift (first vs second
 * half of the continuation), and, when a topic classifier is given, agreement of
 * its class for prompt and continuation. The human continuation is scored alike. */
typedef struct {
    fl_gen_config gen; /* default: temperature 0.8, top-k 50, seed 1 */
    int max_prompts;   /* default 32 */
} fl_coherence_opts;
void fl_coherence_opts_default(fl_coherence_opts *o);
typedef struct {
    double tfidf_cos, drift, agreement; /* means over prompts (agreement: NAN without a classifier) */
    double tfidf_sd, drift_sd;
} fl_coherence_row;
typedef struct {
    int prompts, dropped, prompt_len, cont_len;
    fl_coherence_row model, human;
    char sample_prompt[600], sample_model[600], sample_human[600]; /* the first prompt, decoded */
} fl_coherence_result;
/* Prompts the windows give after filtering (eot: the tokenizer's, or -1). */
int fl_coherence_count_prompts(const fl_windows *w, int eot);
/* tok decodes the sample texts (may be NULL); clf may be NULL. */
fl_status fl_eval_coherence(fl_model *m, const fl_windows *w, int eot, const fl_idf *idf, const fl_topic_clf *clf,
                            const fl_tokenizer *tok, const fl_coherence_opts *o, fl_coherence_result *r,
                            fl_error *err);
/* The classifier of coherence: fl_topic_clf on a labelled dataset's chunks. */
fl_status fl_eval_topic_classifier(const fl_tokenizer *tok, const char *data_root, const char *dataset, int chunk_len,
                                   int vocab_size, uint64_t seed, fl_topic_clf **out, fl_error *err);
/* The idf of coherence: windows as documents. */
fl_status fl_eval_idf(const fl_windows *w, int vocab_size, fl_idf **out, fl_error *err);

/* ================================================================ run_json.c */

/* One JSON object each (no trailing newline). Non-finite numbers become null. */
void fl_json_ppl(FILE *f, const fl_ppl_result *r);
void fl_json_offsets(FILE *f, const fl_offsets_result *r);
void fl_json_smooth(FILE *f, const fl_smooth_result *r);
void fl_json_probe(FILE *f, const fl_probe_eval_result *r);
void fl_json_countdown(FILE *f, const fl_countdown_result *r);
void fl_json_coherence(FILE *f, const fl_coherence_result *r);
void fl_json_num(FILE *f, double x);

/* ================================================================ report.c */

/* One training curve: (step, value) points. */
typedef struct {
    long *step;
    double *value;
    int n;
} fl_curve;
/* A run's metrics.jsonl: training loss (next_token_loss of every step) and the
 * validation next-token loss lines. */
typedef struct {
    fl_curve train, val;
} fl_run_metrics;
fl_status fl_run_metrics_read(const char *run_dir, fl_run_metrics *r, fl_error *err);
void fl_run_metrics_free(fl_run_metrics *r);

/* Checkpoints of a run (RUN/step_*) and the validation next-token loss logged at
 * each one's step; the checkpoint closest to target (ties: the later step). */
typedef struct {
    char dir[FL_EVAL_PATH];
    long step;
    double val_loss;
} fl_ckpt_pick;
fl_status fl_pick_checkpoint(const char *run_dir, const fl_run_metrics *mt, double target, fl_ckpt_pick *out,
                             fl_error *err);
/* The default shared target: the larger of the two runs' best validation losses
 * over their saved checkpoints, so that both runs reach it. */
fl_status fl_default_target(const char *run_a, const fl_run_metrics *a, const char *run_b, const fl_run_metrics *b,
                            double *target, fl_error *err);

/* Inline SVG charts for the report (self-contained, no scripts). */
typedef struct {
    const char *name;
    const char *color;
    const double *x, *y; /* x may be NULL: 1, 2, ... */
    int n;
} fl_svg_series;
void fl_svg_lines(FILE *f, const char *title, const char *xlabel, const char *ylabel, const fl_svg_series *s, int ns);
/* Bars with optional intervals (lo/hi may be NULL): groups x series. The axis
 * spans [ymin, ymax], or the data and zero when ymax <= ymin; bars start at zero
 * (a negative value points down). */
void fl_svg_bars(FILE *f, const char *title, const char *ylabel, const char *const *groups, int ng,
                 const fl_svg_series *s, int ns, const double *const *lo, const double *const *hi, double ymin,
                 double ymax);
/* HTML-escaped text. */
void fl_html_text(FILE *f, const char *s);

#endif
