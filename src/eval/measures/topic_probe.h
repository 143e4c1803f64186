/* The topic probe of docs/design.md 4.3 on a model's pooled frozen vectors. */
#ifndef FL_EVAL_MEASURES_TOPIC_PROBE_H
#define FL_EVAL_MEASURES_TOPIC_PROBE_H
#include "eval/metrics/probe.h"
#include "futurelm.h"
#include "tokenizer/tokenizer.h"

/* docs/design.md 4.3 on a labelled dataset: chunks of chunk_len tokens, each pooled
 * (mean of its h_t, and its last h_t) into a probe row; plus the bag-of-words
 * baseline (fl_topic_clf on the same chunks). */
typedef struct {
    const char *dataset;   /* brown | brown-coarse | spam-assassin */
    const char *data_root; /* folder holding brown/ and spam-assassin/ (NULL: the data search, util/datapath.h) */
    const char *folder;    /* a labelled folder of the user's own (fl_text_set_load_folder), read
                              instead of dataset; NULL (the default): dataset */
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

#endif
