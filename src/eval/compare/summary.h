/* The metrics of compare's report over seeds: for each, every pair's GPT and
 * FTP value, the mean of each model with its 95% t-interval, and the paired
 * difference FTP - GPT (seedstats.h). One list, built once, from which the
 * JSON, the HTML table and charts and scripts/results-table.js all read, so a
 * metric has one name everywhere. */
#ifndef FL_EVAL_COMPARE_SUMMARY_H
#define FL_EVAL_COMPARE_SUMMARY_H
#include <stddef.h>

#include "eval/metrics/seedstats.h"

/* Names (or name prefixes) of the metrics the report's charts gather, shared by
 * summary.c, which names them, and the page, which looks them up. */
#define FL_CMP_OFFSET "CE at offset "                 /* + "k=1" .. "k=N" */
#define FL_CMP_BOW "future bag-of-words probe "       /* + "recall@N", "log-likelihood" */
#define FL_CMP_RAW "adjacent cosine, "                /* + level name */
#define FL_CMP_CENTRED "centred adjacent cosine, "    /* + level name */
#define FL_CMP_SHARE "mean-vector share, "            /* + level name */
#define FL_CMP_PROBE "topic probe "                   /* + set + ", mean-pooled" / ", last position" */
#define FL_CMP_TFIDF "coherence: TF-IDF cosine to the prompt"
#define FL_CMP_AGREE "coherence: topic agreement"
#define FL_CMP_DRIFT "coherence: first/second-half cosine"
#define FL_CMP_PASS "countdown pass@1"
#define FL_CMP_TFLOPS "model TFLOPs of training to the matched checkpoint"
#define FL_CMP_LENS "logit lens loss (tied head), "           /* + "block 1" .. "block L" */
#define FL_CMP_LENS_ENT "logit lens entropy (tied head), "    /* + level */
#define FL_CMP_OWN "logit lens loss (own next-token path), " /* + level: FTP through decoder step 0 */
#define FL_CMP_OWN_ENT "logit lens entropy (own next-token path), "
#define FL_CMP_NC "neural collapse "                         /* + "NC1" ... (summary.c) */
#define FL_CMP_PC "h_t variance share, principal direction " /* + "1" .. */

typedef enum { FL_BETTER_NONE = 0, FL_BETTER_HIGHER = 1, FL_BETTER_LOWER = -1 } fl_better;

typedef struct {
    char name[80];       /* "CE at offset k=2", "adjacent cosine, block 1", ... */
    const char *section; /* "loss", "offsets", "smoothness", "probes", "coherence", "countdown", "toplayer" */
    fl_better better;    /* which way is better, where the paper says (smoothness: higher = smoother) */
    int n;               /* pairs (text or countdown), dropped ones included as NAN */
    double *gpt, *ftp;   /* [n], malloc'd; NAN for a dropped pair or a value that could not be computed */
    fl_seed_stats g, f;
    fl_paired_stats d;   /* FTP - GPT */
} fl_compare_metric;

typedef struct {
    fl_compare_metric *m;
    int n, cap;
} fl_compare_summary;
void fl_compare_summary_free(fl_compare_summary *s);
/* The metric named name, or NULL. */
const fl_compare_metric *fl_compare_summary_find(const fl_compare_summary *s, const char *name);

#endif
