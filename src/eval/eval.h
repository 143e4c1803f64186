/* The model-independent half of the evaluation suite (DESIGN.md section 4):
 * the statistics, probes, text measures, the countdown task and the labelled
 * datasets that `futurelm eval` and `futurelm compare` apply to a model's vectors
 * and generations. Nothing here knows about models: inputs are plain arrays.
 * Definitions of every metric are in docs/evaluation.md.
 *
 * One concern per file: cosine.c, probe.c (logistic regression, bootstrap),
 * bow_probe.c (future bag-of-words probe), text.c, countdown.c, datasets.c.
 * No global mutable state; every random draw comes from a caller's seed. */
#ifndef FL_EVAL_H
#define FL_EVAL_H
#include <stddef.h>
#include <stdint.h>

#include "futurelm.h"
#include "tokenizer/tokenizer.h"
#include "util/rng.h"

/* ================================================================ cosine.c */

/* cos(a, b) = a·b / (|a| |b|), accumulated in double; 0 when either vector is zero. */
double fl_cosine(const float *a, const float *b, int n);

#define FL_COS_MAX_BINS 200
/* Running mean, standard deviation and fixed-bin histogram of cosines.
 * Bin i of n_bins covers [-1 + 2i/n_bins, -1 + 2(i+1)/n_bins); the last bin also
 * holds exactly 1 (values are clamped to [-1, 1] first, rounding can exceed it). */
typedef struct {
    int n_bins;
    uint64_t counts[FL_COS_MAX_BINS];
    uint64_t n;
    double sum, sum_sq;
} fl_cos_stats;

fl_status fl_cos_stats_init(fl_cos_stats *s, int n_bins, fl_error *err);
void fl_cos_stats_add(fl_cos_stats *s, double c);
/* Adjacent-position cosines cos(x[w,t], x[w,t+1]) for t = 0..T-2 in each of W
 * windows of T rows (row r of window w at x + (w*T + r)*ld, C floats, ld >= C):
 * pairs never cross a window boundary. When trace is non-NULL it receives every
 * cosine, window by window ([W*(T-1)]), for plotting one document's trace. */
void fl_cos_adjacent(fl_cos_stats *s, const float *x, int W, int T, int C, int ld, float *trace);
double fl_cos_stats_mean(const fl_cos_stats *s);
double fl_cos_stats_std(const fl_cos_stats *s); /* population standard deviation */
double fl_cos_bin_lo(const fl_cos_stats *s, int i);

/* Centred cosines. When every vector carries one large shared component, the
 * raw cosine of any two is near 1 whatever else differs, so it measures that
 * component rather than how the vectors move. Measured from the set's mean
 * vector mu instead of the origin, the shared component cancels. */

/* cos(a - mu, b - mu), accumulated in double (mu has n values); 0 when either
 * difference is zero, as fl_cosine. */
double fl_cosine_centred(const float *a, const float *b, const double *mu, int n);
/* fl_cos_adjacent of the vectors x[w,t] - mu: the same pairs, the same trace layout. */
void fl_cos_adjacent_centred(fl_cos_stats *s, const float *x, int W, int T, int C, int ld, const double *mu,
                             float *trace);

/* The mean vector of a set of rows, summed in double, and their summed squared
 * norms: the centre mu of the centred cosines, and the share of the rows' mean
 * square that mu accounts for, |mu|^2 / mean |x|^2 (= 1 - mean |x - mu|^2 / mean
 * |x|^2, in [0, 1]: 1 when every row is mu, 0 when mu is zero). */
typedef struct {
    double *sum; /* [C], the caller's storage */
    int C;
    uint64_t n;    /* rows added */
    double sum_sq; /* sum of |x|^2 over the rows */
} fl_vec_mean;
/* Zeroes sum[C] and starts an empty set. */
void fl_vec_mean_init(fl_vec_mean *m, double *sum, int C);
/* Adds rows 0..rows-1 of x (row r at x + r*ld, C floats each). */
void fl_vec_mean_add(fl_vec_mean *m, const float *x, long rows, int ld);
/* mu[C] = the mean row (zeros when no row was added). */
void fl_vec_mean_get(const fl_vec_mean *m, double *mu);
/* |mu|^2 / mean |x|^2; NAN when no row was added, 0 when every row is zero. */
double fl_vec_mean_share(const fl_vec_mean *m);

/* ================================================================ probe.c */

/* Multinomial logistic regression with an L2 penalty, for frozen-vector probes.
 * Features are standardised with the training rows' mean and standard deviation;
 * the objective is mean cross-entropy + lambda/2 * |W|^2 (biases unpenalised),
 * minimised by full-batch L-BFGS with a backtracking (Armijo) line search from
 * W = 0: deterministic, and bit-identical for any thread count. */
#define FL_PROBE_MAX_GRID 16
typedef struct {
    int max_iter;   /* L-BFGS iterations per fit (default 300) */
    double tol;     /* stop when the gradient's max-norm is below tol (default 1e-5) */
    int n_lambdas;  /* penalty grid, chosen on the validation split */
    double lambdas[FL_PROBE_MAX_GRID]; /* default 1e-5 .. 1e1, log-spaced, 7 values */
    int n_boot;     /* bootstrap resamples of the test set (default 1000) */
    double conf;    /* interval coverage (default 0.95) */
    uint64_t seed;  /* bootstrap seed */
} fl_probe_opts;
void fl_probe_opts_default(fl_probe_opts *o);

typedef struct fl_logreg fl_logreg;
/* X [n, d] row-major, y [n] in 0..K-1. */
fl_status fl_logreg_fit(const float *X, const int *y, int n, int d, int K, double lambda, const fl_probe_opts *o,
                        fl_logreg **out, fl_error *err);
/* pred [n] (argmax, lowest class on ties) and, when prob is non-NULL, prob [n, K]. */
fl_status fl_logreg_predict(const fl_logreg *m, const float *X, int n, int *pred, float *prob, fl_error *err);
int fl_logreg_classes(const fl_logreg *m);
int fl_logreg_iterations(const fl_logreg *m); /* L-BFGS iterations the fit took */
void fl_logreg_free(fl_logreg *m);

/* Percentile bootstrap of a mean accuracy: n_boot resamples (with replacement,
 * from fl_rng(seed)) of the per-example 0/1 outcomes; [lo, hi] are the
 * (1-conf)/2 and (1+conf)/2 quantiles of the resampled accuracies. */
fl_status fl_bootstrap_accuracy(const unsigned char *correct, int n, int n_boot, double conf, uint64_t seed, double *lo,
                                double *hi, fl_error *err);

typedef struct {
    const float *X; /* [n, d] */
    const int *y;   /* [n] */
    int n;
} fl_probe_split;

typedef struct {
    double lambda;                             /* chosen on val */
    double grid_val_accuracy[FL_PROBE_MAX_GRID]; /* one per grid value */
    double train_accuracy, val_accuracy;
    double test_accuracy, ci_lo, ci_hi;        /* test accuracy and its bootstrap interval */
    double test_loglik;                        /* mean log p(true class) on test */
    double chance;                             /* share of the most frequent train class in test */
    int n_train, n_val, n_test;
} fl_probe_result;

/* The whole probe of DESIGN.md 4.3: fit on train for every lambda of the grid
 * (largest first, each fit warm-started from the last), keep the one with the
 * best validation accuracy (ties: the better validation log-likelihood, then the
 * larger penalty), score that fit on test with a bootstrap interval. test may be
 * NULL (then only the selection runs); model (may be NULL) receives the chosen fit. */
fl_status fl_probe_run(const fl_probe_split *train, const fl_probe_split *val, const fl_probe_split *test, int d, int K,
                       const fl_probe_opts *o, fl_probe_result *r, fl_logreg **model, fl_error *err);

/* ================================================================ bow_probe.c */

/* The future bag-of-words probe of DESIGN.md 4.1(b). From a vector x [d] a linear
 * map predicts a distribution p = softmax(W x + b) over the V token ids; its
 * target is the bag of the next N tokens (each of the N positions contributes
 * 1/N). Softmax over the bag rather than V independent sigmoids: one normalised
 * distribution whose log-likelihood reads like a cross-entropy, and whose top-N
 * is the probe's guess of the bag. Trained by mini-batch Adam over shuffled rows
 * (seeded), features standardised with train statistics. Reported on test:
 *   recall@N = mean over rows of |top-N(p) ∩ S| / |S|, S the distinct future ids;
 *   loglik   = mean over rows and the N positions of log p(x_{t+j}).
 * The same two numbers for the train set's unigram distribution are the baseline. */
typedef struct {
    int epochs;     /* default 4 */
    int batch;      /* rows per step (default 512) */
    float lr;       /* Adam learning rate (default 2e-3) */
    float l2;       /* L2 penalty on W added to the mean loss (default 1e-5) */
    uint64_t seed;  /* row order */
} fl_bow_opts;
void fl_bow_opts_default(fl_bow_opts *o);

typedef struct {
    const float *X;        /* [n, d] */
    const int32_t *future; /* [n, N]: the next N token ids of each row, each < V */
    int n;
} fl_bow_split;

typedef struct {
    double recall, loglik;           /* the probe, on test */
    double base_recall, base_loglik; /* train unigram distribution, on test */
    double train_loss;               /* mean training loss of the last epoch */
    int n_train, n_test;
} fl_bow_result;

fl_status fl_bow_probe(const fl_bow_split *train, const fl_bow_split *test, int d, int N, int V, const fl_bow_opts *o,
                       fl_bow_result *r, fl_error *err);

/* ================================================================ text.c */

/* TF-IDF over token ids. idf(t) = ln((1 + D) / (1 + df(t))) + 1 over a reference
 * set of D documents (df: documents containing t; the smoothed form scikit-learn
 * uses, so unseen ids get the largest weight rather than a division by zero);
 * a document's vector is raw count(t) * idf(t), L2-normalised, kept sparse
 * (ids ascending). */
typedef struct fl_idf fl_idf;
fl_status fl_idf_fit(const int32_t *const *docs, const int *lens, int n_docs, int V, fl_idf **out, fl_error *err);
void fl_idf_free(fl_idf *idf);
double fl_idf_weight(const fl_idf *idf, int32_t id);
int fl_idf_df(const fl_idf *idf, int32_t id);

typedef struct {
    int32_t *ids; /* ascending */
    float *w;
    int n;
} fl_sparse_vec;
fl_status fl_tfidf(const fl_idf *idf, const int32_t *doc, int len, fl_sparse_vec *out, fl_error *err);
void fl_sparse_vec_free(fl_sparse_vec *v);
double fl_sparse_cosine(const fl_sparse_vec *a, const fl_sparse_vec *b);
/* TF-IDF cosine of two token sequences (0 when either is empty). */
fl_status fl_tfidf_cosine(const fl_idf *idf, const int32_t *a, int na, const int32_t *b, int nb, double *cos,
                          fl_error *err);
/* Drift of DESIGN.md 4.4: TF-IDF cosine of a sequence's first and second halves. */
fl_status fl_tfidf_drift(const fl_idf *idf, const int32_t *a, int na, double *cos, fl_error *err);

/* Bag-of-words topic classifier: TF-IDF features restricted to the k ids with the
 * highest document frequency in its training documents (ties: lower id), then
 * the logistic-regression probe above (penalty chosen on val). */
typedef struct fl_topic_clf fl_topic_clf;
typedef struct {
    const int32_t *const *docs;
    const int *lens;
    const int *y;
    int n;
} fl_doc_split;
fl_status fl_topic_clf_fit(const fl_doc_split *train, const fl_doc_split *val, int K, int V, int k_features,
                           const fl_probe_opts *o, fl_topic_clf **out, fl_error *err);
/* Class of one document; probs [K] when non-NULL. */
fl_status fl_topic_clf_predict(const fl_topic_clf *c, const int32_t *doc, int len, int *cls, float *probs,
                               fl_error *err);
/* Accuracy on a labelled set, with a bootstrap interval as in fl_probe_run. */
fl_status fl_topic_clf_score(const fl_topic_clf *c, const fl_doc_split *test, const fl_probe_opts *o, double *acc,
                             double *lo, double *hi, fl_error *err);
double fl_topic_clf_lambda(const fl_topic_clf *c);
void fl_topic_clf_free(fl_topic_clf *c);

/* ================================================================ countdown.c */

/* The countdown language (DESIGN.md 4.5; docs/evaluation.md). Fixed vocabulary:
 *   ids 0..9   the digits '0'..'9' (a digit's id is its value)
 *   10 '+'  11 '-'  12 '*'  13 'nums'  14 'target'  15 ':'  16 '.'  17 <|endoftext|>
 * Text is words separated by spaces; a number word becomes one token per digit.
 * A spec is `nums a b c ... target T :` (3..5 numbers in 1..9, T >= 1); a program
 * is postfix over single-digit numbers and + - *, closed by `.`. */
enum {
    FL_CD_PLUS = 10,
    FL_CD_MINUS = 11,
    FL_CD_TIMES = 12,
    FL_CD_NUMS = 13,
    FL_CD_TARGET = 14,
    FL_CD_COLON = 15,
    FL_CD_END = 16,
    FL_CD_EOT = 17,
    FL_CD_VOCAB = 18
};
#define FL_CD_MAX_NUMS 5
#define FL_CD_MAX_TARGET_DIGITS 9
/* Longest example: eot nums 5x target 9 digits : 9-token program . */
#define FL_CD_MAX_TOKENS 32

typedef struct {
    int n;
    int nums[FL_CD_MAX_NUMS];
    long target;
} fl_cd_spec;

typedef struct {
    fl_cd_spec spec;
    int32_t prog[2 * FL_CD_MAX_NUMS]; /* reference postfix program, '.' included */
    int prog_len;
} fl_cd_example;

typedef struct {
    int min_nums, max_nums; /* default 3, 5 */
    long max_target;        /* targets are drawn in 1..max_target (default 999) */
} fl_cd_gen_opts;
void fl_cd_gen_opts_default(fl_cd_gen_opts *o);

/* One random solvable example: numbers uniform in 1..9, a random postfix tree over
 * them with uniform operators, redrawn until its value is in 1..max_target; the
 * program is then the reference solution. */
fl_status fl_cd_generate(fl_rng *rng, const fl_cd_gen_opts *o, fl_cd_example *ex, fl_error *err);

typedef enum {
    FL_CD_PASS = 0,
    FL_CD_ERR_PARSE,   /* not a program: a token other than a digit/operator before '.', or no '.' */
    FL_CD_ERR_NUMBERS, /* the numbers used are not exactly the listed ones (each once) */
    FL_CD_ERR_STACK,   /* an operator lacks operands, or more than one value is left */
    FL_CD_ERR_VALUE    /* a well-formed program whose value is not the target */
} fl_cd_verdict;
const char *fl_cd_verdict_name(fl_cd_verdict v); /* "pass", "parse", "numbers", "stack", "value" */

/* Check a program (the tokens after the spec's ':'; everything after the first '.'
 * is ignored). Checks in order parse, numbers, stack, value; *value (may be NULL)
 * receives the program's value when it has one; why (may be NULL) a sentence. */
fl_cd_verdict fl_cd_check(const fl_cd_spec *spec, const int32_t *prog, int n, long *value, char *why, size_t why_len);

/* Text <-> tokens. tokenize fails (FL_ERR_FORMAT, naming the word) on unknown words. */
fl_status fl_cd_tokenize(const char *text, int32_t *ids, int cap, int *n, fl_error *err);
/* Words joined by single spaces ("<|endoftext|>" for the separator); false when buf is too small. */
int fl_cd_detokenize(const int32_t *ids, int n, char *buf, size_t len);
/* Tokens of `nums ... target T :`; returns how many (at most FL_CD_MAX_TOKENS). */
int fl_cd_encode_spec(const fl_cd_spec *spec, int32_t *ids);
/* Parse a spec from tokens; *used is how many tokens it took (through ':'). */
fl_status fl_cd_parse_spec(const int32_t *ids, int n, fl_cd_spec *spec, int *used, fl_error *err);
/* Words of the vocabulary, by id ("0".."9", "+", ..., "<|endoftext|>"). */
const char *fl_cd_token_text(int32_t id);

/* `futurelm countdown generate`: n_train examples (documents `<|endoftext|> spec
 * program`) split into train/val shards with val_fraction (per-example draw, as
 * prepare does), plus n_test held-out specs in test_specs.txt that share no
 * spec (same multiset of numbers and target) with any training example, and
 * vocab.txt. The data folder is what `futurelm train --data` reads. */
typedef struct {
    const char *out_dir;
    long n_train;   /* examples in train + val */
    long n_test;    /* held-out specs */
    double val_fraction;
    uint64_t seed;
    fl_cd_gen_opts gen;
} fl_cd_data_opts;
typedef struct {
    long train_examples, val_examples, test_specs;
    uint64_t train_tokens, val_tokens;
} fl_cd_data_result;
fl_status fl_cd_write_data(const fl_cd_data_opts *o, fl_cd_data_result *r, fl_error *err);

/* Read test_specs.txt (one example a line, as written by fl_cd_write_data). */
fl_status fl_cd_read_specs(const char *path, fl_cd_example **out, long *n, fl_error *err);

/* ================================================================ datasets.c */

/* Labelled texts of DESIGN.md section 5: a folder with labels.tsv (a header row
 * naming its columns, the first being `file`) and text/<file>. */
typedef struct {
    char *file;
    char *text;
    size_t len;
    int label; /* index into classes */
} fl_ltext;
typedef struct {
    fl_ltext *items;
    int n;
    char **classes; /* sorted by name */
    int n_classes;
} fl_text_set;

/* Rows whose label_column is empty are skipped. With mail, texts are e-mails:
 * the header block and every line that names the list (addresses, URLs,
 * "mailing list", "unsubscribe", "sponsored by") are dropped, since those would
 * give the label away. */
fl_status fl_text_set_load(const char *dir, const char *label_column, int mail, fl_text_set *out, fl_error *err);
/* Named sets under data_root: "brown" (15 genres), "brown-coarse" (4 groups),
 * "spam-assassin" (ham mailing-list topics). */
fl_status fl_text_set_load_named(const char *data_root, const char *name, fl_text_set *out, fl_error *err);
void fl_text_set_free(fl_text_set *s);

/* Fixed-length chunks of tokenized texts, split by document. */
typedef struct {
    int32_t *tokens; /* [n, len] */
    int *label;      /* [n] */
    int *doc;        /* [n] index into the fl_text_set */
    int n;
} fl_chunk_split;
typedef struct {
    int len;             /* tokens a chunk */
    fl_chunk_split split[3]; /* train, val, test */
    int n_classes;
    int *chunks;         /* [3 * n_classes]: chunks of class c in split s at s*n_classes + c */
    int *docs;           /* [3 * n_classes]: documents likewise */
} fl_chunked;

/* Tokenize every text (no special tokens), cut it into consecutive chunks of len
 * tokens (the remainder is dropped; at most max_per_doc chunks a document, 0 = no
 * limit), and split the documents of each class by a seeded shuffle: round(val *
 * n) to val and round(test * n) to test, at least one each, the rest (at least
 * one) to train. Splitting by document keeps chunks of one text out of two
 * splits. A class with too few documents is an error that gives the counts. */
fl_status fl_chunk_texts(const fl_text_set *s, const fl_tokenizer *tok, int len, int max_per_doc, double val_frac,
                         double test_frac, uint64_t seed, fl_chunked *out, fl_error *err);
void fl_chunked_free(fl_chunked *c);

#endif
