/* Topic coherence of continuations (docs/design.md 4.4). */
#ifndef FL_EVAL_MEASURES_COHERENCE_H
#define FL_EVAL_MEASURES_COHERENCE_H
#include <stdint.h>

#include "eval/measures/windows.h"
#include "eval/metrics/tfidf.h"
#include "futurelm.h"
#include "tokenizer/tokenizer.h"

/* docs/design.md 4.4. Prompts are held-out windows: of each window's first T tokens,
 * the first half is the prompt and the second half the human continuation;
 * windows with an <|endoftext|> after their first token are dropped (the
 * continuation would be another document). The model continues each prompt for
 * as many tokens as the human did (stopping at <|endoftext|>), with the same
 * sampler for every model and prompt i seeded with seed + i. Scores: TF-IDF
 * cosine to the prompt (idf over the idf_docs windows), drift (first vs second
 * half of the continuation), and, when a topic classifier is given, agreement of
 * its class for prompt and continuation. The human continuation is scored alike. */
typedef struct {
    fl_gen_config gen;     /* default: temperature 0.8, top-k 50, seed 1 */
    int max_prompts;       /* default 32 */
    long idf_windows;      /* train windows the idf counts documents over (default 1024) */
    const char *dataset;   /* the topic classifier's labelled set (default "brown-coarse"; "none": no classifier) */
    const char *data_root; /* the folder holding it (NULL: the data search, util/datapath.h) */
    const char *folder;    /* a labelled folder of the user's own read instead (NULL: dataset) */
    uint64_t split_seed;   /* the classifier's document split (default 1337) */
} fl_coherence_opts;
void fl_coherence_opts_default(fl_coherence_opts *o);
typedef struct {
    double tfidf_cos, drift, agreement; /* means over prompts (agreement: NAN without a classifier) */
    double tfidf_sd, drift_sd;
} fl_coherence_row;
typedef struct {
    int prompts, dropped, prompt_len, cont_len;
    int excluded; /* prompts whose continuation ended (<|endoftext|>) before 2 tokens: no drift exists, so
                     the prompt is left out of both rows and the next one is used */
    fl_coherence_row model, human;
    char sample_prompt[600], sample_model[600], sample_human[600]; /* the first prompt, decoded */
} fl_coherence_result;
/* Prompts the windows give after filtering (eot: the tokenizer's, or -1). */
int fl_coherence_count_prompts(const fl_windows *w, int eot);
/* tok decodes the sample texts (may be NULL); clf may be NULL. */
fl_status fl_eval_coherence(fl_model *m, const fl_windows *w, int eot, const fl_idf *idf, const fl_topic_clf *clf,
                            const fl_tokenizer *tok, const fl_coherence_opts *o, fl_coherence_result *r,
                            fl_error *err);
/* The idf of coherence: windows as documents. */
fl_status fl_eval_idf(const fl_windows *w, int vocab_size, fl_idf **out, fl_error *err);
/* The idf every model of one measurement shares, from the options: the first
 * o->idf_windows train windows of context T (and N future tokens, so that the
 * windows are those the other measures read) of data_dir. `eval coherence` and
 * `compare` both build it here, so they score alike. */
fl_status fl_coherence_idf(const char *data_dir, int T, int N, int vocab_size, const fl_coherence_opts *o, fl_idf **out,
                           fl_error *err);
/* The classifier of coherence: fl_topic_clf on o->dataset's chunks of the
 * continuation length T - T/2 under o->data_root, split with o->split_seed. */
fl_status fl_coherence_classifier(const fl_tokenizer *tok, int T, int vocab_size, const fl_coherence_opts *o,
                                  fl_topic_clf **out, fl_error *err);

#endif
