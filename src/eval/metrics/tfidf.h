/* TF-IDF over token ids, the drift of a sequence, and the bag-of-words topic
 * classifier (TF-IDF features + the probe of probe.h). Inputs are token arrays. */
#ifndef FL_EVAL_METRICS_TFIDF_H
#define FL_EVAL_METRICS_TFIDF_H
#include <stdint.h>

#include "eval/metrics/probe.h"
#include "futurelm.h"

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
/* Drift of docs/design.md 4.4: TF-IDF cosine of a sequence's first and second halves. */
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

#endif
