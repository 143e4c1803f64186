/* Model-independent text measures for the coherence evaluation (docs/design.md 4.4)
 * and the bag-of-words baseline of the topic probe (4.3): TF-IDF over token
 * ids, cosines between documents, drift, and a TF-IDF topic classifier. Token
 * ids rather than words: every model in a comparison shares one tokenizer, and
 * ids need no second, language-specific word splitter. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics/tfidf.h"
#include "util/error.h"

struct fl_idf {
    int V, n_docs;
    int *df;
    double *idf;
};

static fl_status check_ids(const int32_t *doc, int len, int V, fl_error *err) {
    for (int i = 0; i < len; i++)
        if (doc[i] < 0 || doc[i] >= V)
            return fl_fail(err, FL_ERR_ARG, "TF-IDF: token id %d at position %d is outside the vocabulary (size %d)",
                           (int)doc[i], i, V);
    return FL_OK;
}

fl_status fl_idf_fit(const int32_t *const *docs, const int *lens, int n_docs, int V, fl_idf **out, fl_error *err) {
    *out = NULL;
    if (V < 1 || n_docs < 0) return fl_fail(err, FL_ERR_ARG, "TF-IDF: vocabulary %d, %d documents", V, n_docs);
    for (int d = 0; d < n_docs; d++) {
        fl_status st = check_ids(docs[d], lens[d], V, err);
        if (st) return st;
    }
    fl_idf *f = calloc(1, sizeof *f);
    int *last = f ? malloc(sizeof(int) * (size_t)V) : NULL;
    if (f) {
        f->df = calloc((size_t)V, sizeof(int));
        f->idf = malloc(sizeof(double) * (size_t)V);
    }
    if (!f || !last || !f->df || !f->idf) {
        free(last);
        fl_idf_free(f);
        return fl_fail(err, FL_ERR_NOMEM, "TF-IDF: out of memory");
    }
    f->V = V, f->n_docs = n_docs;
    for (int v = 0; v < V; v++) last[v] = -1;
    for (int d = 0; d < n_docs; d++)
        for (int i = 0; i < lens[d]; i++) {
            int32_t t = docs[d][i];
            if (last[t] != d) last[t] = d, f->df[t]++; /* each document counts once */
        }
    for (int v = 0; v < V; v++) f->idf[v] = log((1.0 + n_docs) / (1.0 + f->df[v])) + 1;
    free(last);
    *out = f;
    return FL_OK;
}

void fl_idf_free(fl_idf *f) {
    if (!f) return;
    free(f->df);
    free(f->idf);
    free(f);
}

double fl_idf_weight(const fl_idf *f, int32_t id) { return id >= 0 && id < f->V ? f->idf[id] : 0; }
int fl_idf_df(const fl_idf *f, int32_t id) { return id >= 0 && id < f->V ? f->df[id] : 0; }

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

fl_status fl_tfidf(const fl_idf *f, const int32_t *doc, int len, fl_sparse_vec *out, fl_error *err) {
    memset(out, 0, sizeof *out);
    fl_status st = check_ids(doc, len, f->V, err);
    if (st) return st;
    int32_t *s = malloc(sizeof(int32_t) * (size_t)len + 1);
    out->ids = malloc(sizeof(int32_t) * (size_t)len + 1);
    out->w = malloc(sizeof(float) * (size_t)len + 1);
    if (!s || !out->ids || !out->w) {
        free(s);
        fl_sparse_vec_free(out);
        return fl_fail(err, FL_ERR_NOMEM, "TF-IDF: out of memory");
    }
    memcpy(s, doc, sizeof(int32_t) * (size_t)len);
    qsort(s, (size_t)len, sizeof *s, cmp_i32);
    double norm = 0;
    for (int i = 0; i < len;) {
        int j = i;
        while (j < len && s[j] == s[i]) j++;
        double w = (j - i) * f->idf[s[i]];
        out->ids[out->n] = s[i];
        out->w[out->n++] = (float)w;
        norm += w * w;
        i = j;
    }
    norm = sqrt(norm);
    for (int i = 0; i < out->n; i++) out->w[i] = (float)(out->w[i] / norm);
    free(s);
    return FL_OK;
}

void fl_sparse_vec_free(fl_sparse_vec *v) {
    free(v->ids);
    free(v->w);
    memset(v, 0, sizeof *v);
}

double fl_sparse_cosine(const fl_sparse_vec *a, const fl_sparse_vec *b) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < a->n; i++) aa += (double)a->w[i] * a->w[i];
    for (int j = 0; j < b->n; j++) bb += (double)b->w[j] * b->w[j];
    for (int i = 0, j = 0; i < a->n && j < b->n;) {
        if (a->ids[i] < b->ids[j]) i++;
        else if (a->ids[i] > b->ids[j]) j++;
        else ab += (double)a->w[i++] * b->w[j++];
    }
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

fl_status fl_tfidf_cosine(const fl_idf *f, const int32_t *a, int na, const int32_t *b, int nb, double *cos,
                          fl_error *err) {
    fl_sparse_vec va, vb;
    *cos = 0;
    fl_status st = fl_tfidf(f, a, na, &va, err);
    if (st) return st;
    st = fl_tfidf(f, b, nb, &vb, err);
    if (!st) *cos = fl_sparse_cosine(&va, &vb);
    fl_sparse_vec_free(&va);
    fl_sparse_vec_free(&vb);
    return st;
}

fl_status fl_tfidf_drift(const fl_idf *f, const int32_t *a, int na, double *cos, fl_error *err) {
    *cos = 0;
    if (na < 2) return fl_fail(err, FL_ERR_ARG, "drift needs a text of at least 2 tokens (got %d)", na);
    return fl_tfidf_cosine(f, a, na / 2, a + na / 2, na - na / 2, cos, err);
}

/* ---------------------------------------------------------------- topic classifier */

struct fl_topic_clf {
    fl_idf *idf;
    int *feature; /* [V]: column of id v, or -1 */
    int k, K;
    fl_logreg *lr;
    double lambda;
};

void fl_topic_clf_free(fl_topic_clf *c) {
    if (!c) return;
    fl_idf_free(c->idf);
    free(c->feature);
    fl_logreg_free(c->lr);
    free(c);
}

double fl_topic_clf_lambda(const fl_topic_clf *c) { return c->lambda; }

/* Dense [n, k] features of documents: their TF-IDF vector's selected coordinates. */
static fl_status features(const fl_topic_clf *c, const fl_doc_split *s, float **X, fl_error *err) {
    *X = calloc((size_t)s->n * c->k + 1, sizeof(float));
    if (!*X) return fl_fail(err, FL_ERR_NOMEM, "topic classifier: out of memory");
    for (int i = 0; i < s->n; i++) {
        fl_sparse_vec v;
        fl_status st = fl_tfidf(c->idf, s->docs[i], s->lens[i], &v, err);
        if (st) {
            free(*X);
            *X = NULL;
            return st;
        }
        for (int j = 0; j < v.n; j++) {
            int col = c->feature[v.ids[j]];
            if (col >= 0) (*X)[(size_t)i * c->k + col] = v.w[j];
        }
        fl_sparse_vec_free(&v);
    }
    return FL_OK;
}

fl_status fl_topic_clf_fit(const fl_doc_split *tr, const fl_doc_split *va, int K, int V, int k_features,
                           const fl_probe_opts *o, fl_topic_clf **out, fl_error *err) {
    *out = NULL;
    if (k_features < 1) return fl_fail(err, FL_ERR_ARG, "topic classifier: %d features", k_features);
    fl_topic_clf *c = calloc(1, sizeof *c);
    if (!c) return fl_fail(err, FL_ERR_NOMEM, "topic classifier: out of memory");
    c->K = K;
    fl_status st = fl_idf_fit(tr->docs, tr->lens, tr->n, V, &c->idf, err);
    int *order = NULL;
    float *Xtr = NULL, *Xva = NULL;
    if (!st) {
        c->feature = malloc(sizeof(int) * (size_t)V);
        order = malloc(sizeof(int) * (size_t)V);
        if (!c->feature || !order) st = fl_fail(err, FL_ERR_NOMEM, "topic classifier: out of memory");
    }
    if (!st) {
        /* the k most frequent ids by document frequency (ties: lower id): a
         * counting sort keeps it O(V) and deterministic */
        int maxdf = tr->n;
        int *start = calloc((size_t)maxdf + 2, sizeof(int));
        if (!start) st = fl_fail(err, FL_ERR_NOMEM, "topic classifier: out of memory");
        else {
            for (int v = 0; v < V; v++) start[maxdf - c->idf->df[v] + 1]++;
            for (int i = 1; i <= maxdf + 1; i++) start[i] += start[i - 1];
            for (int v = 0; v < V; v++) order[start[maxdf - c->idf->df[v]]++] = v;
            free(start);
            for (int v = 0; v < V; v++) c->feature[v] = -1;
            c->k = 0;
            for (int i = 0; i < V && c->k < k_features && c->idf->df[order[i]] > 0; i++) c->feature[order[i]] = c->k++;
            if (c->k == 0) st = fl_fail(err, FL_ERR_ARG, "topic classifier: the training documents are empty");
        }
    }
    if (!st) st = features(c, tr, &Xtr, err);
    if (!st) st = features(c, va, &Xva, err);
    if (!st) {
        fl_probe_split ptr = {Xtr, tr->y, tr->n}, pva = {Xva, va->y, va->n};
        fl_probe_result r;
        st = fl_probe_run(&ptr, &pva, NULL, c->k, K, o, &r, &c->lr, err);
        c->lambda = r.lambda;
    }
    free(order);
    free(Xtr);
    free(Xva);
    if (st) {
        fl_topic_clf_free(c);
        return st;
    }
    *out = c;
    return FL_OK;
}

fl_status fl_topic_clf_predict(const fl_topic_clf *c, const int32_t *doc, int len, int *cls, float *probs,
                               fl_error *err) {
    const int32_t *docs[1] = {doc};
    fl_doc_split s = {docs, &len, NULL, 1};
    float *X;
    fl_status st = features(c, &s, &X, err);
    if (st) return st;
    st = fl_logreg_predict(c->lr, X, 1, cls, probs, err);
    free(X);
    return st;
}

fl_status fl_topic_clf_score(const fl_topic_clf *c, const fl_doc_split *te, const fl_probe_opts *o, double *acc,
                             double *lo, double *hi, fl_error *err) {
    *acc = *lo = *hi = 0;
    if (te->n < 1) return fl_fail(err, FL_ERR_ARG, "topic classifier: the test split has no documents");
    float *X;
    fl_status st = features(c, te, &X, err);
    if (st) return st;
    int *pred = malloc(sizeof(int) * (size_t)te->n);
    unsigned char *hit = malloc((size_t)te->n);
    if (!pred || !hit) st = fl_fail(err, FL_ERR_NOMEM, "topic classifier: out of memory");
    if (!st) st = fl_logreg_predict(c->lr, X, te->n, pred, NULL, err);
    if (!st) {
        long h = 0;
        for (int i = 0; i < te->n; i++) h += hit[i] = pred[i] == te->y[i];
        *acc = (double)h / te->n;
        st = fl_bootstrap_accuracy(hit, te->n, o->n_boot, o->conf, o->seed, lo, hi, err);
    }
    free(X);
    free(pred);
    free(hit);
    return st;
}
