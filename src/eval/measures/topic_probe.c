/* Topic probe (docs/design.md 4.3) on a model's frozen vectors: each chunk of a
 * labelled dataset pooled into one row (mean of its h_t, and its last h_t), the
 * logistic-regression probe on both, and the bag-of-words baseline on the same
 * chunks so the three rows share one split. */
#include <stdlib.h>
#include <string.h>

#include "eval/measures/datasets.h"
#include "eval/measures/topic_probe.h"
#include "eval/measures/windows.h"
#include "eval/metrics/tfidf.h"
#include "util/error.h"

void fl_probe_eval_opts_default(fl_probe_eval_opts *o) {
    memset(o, 0, sizeof *o);
    o->dataset = "brown";
    o->data_root = NULL; /* the data search of util/datapath.h */
    o->max_per_doc = 8;
    o->val_frac = 0.2;
    o->test_frac = 0.2;
    o->seed = 1337;
    o->bow_features = 2000;
    o->B = 8;
    fl_probe_opts_default(&o->probe);
}

typedef struct {
    float *mean, *last; /* [n, C] */
    int C, T;
} pool_ctx;

static fl_status pool_batch(void *ctx, fl_model *m, int first, int rows, const fl_losses *l, fl_error *err) {
    (void)l, (void)err;
    pool_ctx *p = ctx;
    const float *h = fl_model_hidden(m);
    for (int i = 0; i < rows; i++) {
        float *mu = p->mean + (size_t)(first + i) * p->C;
        const float *x = h + (size_t)i * p->T * p->C;
        for (int c = 0; c < p->C; c++) {
            double s = 0.0;
            for (int t = 0; t < p->T; t++) s += x[(size_t)t * p->C + c];
            mu[c] = (float)(s / p->T);
        }
        memcpy(p->last + (size_t)(first + i) * p->C, x + (size_t)(p->T - 1) * p->C, (size_t)p->C * sizeof(float));
    }
    return FL_OK;
}

fl_status fl_eval_probe(fl_model *m, const fl_tokenizer *tok, const fl_probe_eval_opts *o, fl_probe_eval_result *r,
                        fl_error *err) {
    memset(r, 0, sizeof *r);
    const fl_model_config *c = fl_model_get_config(m);
    int len = o->chunk_len > 0 ? o->chunk_len : (c->block_size < 128 ? c->block_size : 128);
    if (len > c->block_size)
        return fl_fail(err, FL_ERR_ARG, "--chunk-len %d is longer than model.block_size %d", len, c->block_size);
    fl_text_set set;
    fl_status st = fl_text_set_open(o->folder, o->data_root, o->dataset, &set, err);
    if (st) return st;
    fl_chunked ch;
    memset(&ch, 0, sizeof ch);
    st = fl_chunk_texts(&set, tok, len, o->max_per_doc, o->val_frac, o->test_frac, o->seed, &ch, err);
    if (!st) {
        r->n_classes = set.n_classes;
        r->chunk_len = len;
        r->classes = calloc((size_t)set.n_classes, sizeof *r->classes);
        if (!r->classes) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
        for (int k = 0; k < set.n_classes && !st; k++)
            if (!(r->classes[k] = strdup(set.classes[k]))) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    fl_text_set_free(&set);
    float *mean[3] = {0}, *last[3] = {0};
    for (int s = 0; s < 3 && !st; s++) {
        const fl_chunk_split *sp = &ch.split[s];
        r->counts[s] = sp->n;
        mean[s] = malloc((size_t)(sp->n ? sp->n : 1) * c->n_embd * sizeof(float));
        last[s] = malloc((size_t)(sp->n ? sp->n : 1) * c->n_embd * sizeof(float));
        if (!mean[s] || !last[s]) { st = fl_fail(err, FL_ERR_NOMEM, "out of memory"); break; }
        pool_ctx p = {mean[s], last[s], c->n_embd, len};
        st = fl_eval_batches(m, FL_EVAL_ENCODE, sp->tokens, (size_t)len, sp->n, len, o->B, pool_batch, &p, err);
    }
    for (int pool = 0; pool < 2 && !st; pool++) {
        float **X = pool ? last : mean;
        fl_probe_split tr = {X[0], ch.split[0].label, ch.split[0].n}, va = {X[1], ch.split[1].label, ch.split[1].n},
                       te = {X[2], ch.split[2].label, ch.split[2].n};
        st = fl_probe_run(&tr, &va, &te, c->n_embd, r->n_classes, &o->probe, pool ? &r->last : &r->mean, NULL, err);
    }
    if (!st) {
        /* the baseline reads the same chunks as token bags */
        const int32_t **docs[3] = {0};
        int *lens = NULL;
        int most = ch.split[0].n > ch.split[1].n ? ch.split[0].n : ch.split[1].n;
        most = most > ch.split[2].n ? most : ch.split[2].n;
        lens = malloc((size_t)most * sizeof *lens);
        for (int s = 0; s < 3; s++) docs[s] = malloc((size_t)(ch.split[s].n ? ch.split[s].n : 1) * sizeof(int32_t *));
        if (!lens || !docs[0] || !docs[1] || !docs[2]) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
        for (int s = 0; s < 3 && !st; s++)
            for (int i = 0; i < ch.split[s].n; i++) docs[s][i] = ch.split[s].tokens + (size_t)i * len;
        for (int i = 0; i < most && !st; i++) lens[i] = len;
        fl_topic_clf *clf = NULL;
        if (!st) {
            fl_doc_split tr = {docs[0], lens, ch.split[0].label, ch.split[0].n},
                         va = {docs[1], lens, ch.split[1].label, ch.split[1].n},
                         te = {docs[2], lens, ch.split[2].label, ch.split[2].n};
            st = fl_topic_clf_fit(&tr, &va, r->n_classes, c->vocab_size, o->bow_features, &o->probe, &clf, err);
            if (!st) st = fl_topic_clf_score(clf, &te, &o->probe, &r->bow_acc, &r->bow_lo, &r->bow_hi, err);
            if (!st) r->bow_lambda = fl_topic_clf_lambda(clf);
        }
        fl_topic_clf_free(clf);
        free(lens);
        for (int s = 0; s < 3; s++) free(docs[s]);
    }
    for (int s = 0; s < 3; s++) free(mean[s]), free(last[s]);
    fl_chunked_free(&ch);
    if (st) fl_probe_eval_result_free(r);
    return st;
}

void fl_probe_eval_result_free(fl_probe_eval_result *r) {
    if (r->classes)
        for (int k = 0; k < r->n_classes; k++) free(r->classes[k]);
    free(r->classes);
    r->classes = NULL;
}
