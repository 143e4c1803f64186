/* Topic coherence of continuations (docs/design.md 4.4): held-out prompts
 * continued by the model, scored against the prompt by TF-IDF cosine, drift and
 * a topic classifier's agreement, the human continuation alike. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/measures/coherence.h"
#include "eval/measures/continuation.h"
#include "eval/measures/datasets.h"
#include "util/error.h"

void fl_coherence_opts_default(fl_coherence_opts *o) {
    memset(o, 0, sizeof *o);
    fl_sampler_config_default(&o->gen.sampler);
    /* our choice: sampled rather than greedy (greedy text of small models loops,
     * which would measure repetition, not topic), with a common top-k cut */
    o->gen.sampler.temperature = 0.8f;
    o->gen.sampler.top_k = 50;
    o->gen.sampler.seed = 1;
    o->gen.mode = FL_GEN_AR;
    o->max_prompts = 32;
    /* One default for every path: `eval coherence` counted the idf over 1024
     * train windows, `compare` over 256, so the two disagreed (issue 13). */
    o->idf_windows = 1024;
    o->dataset = "brown-coarse";
    o->data_root = NULL; /* the data search of util/datapath.h */
    o->split_seed = 1337;
}

static int keep_window(const int32_t *x, int T, int eot) {
    for (int t = 1; t < T; t++)
        if (x[t] == eot) return 0;
    return 1;
}

int fl_coherence_count_prompts(const fl_windows *w, int eot) {
    int n = 0;
    for (int i = 0; i < w->n; i++) n += keep_window(fl_window(w, i), w->T, eot);
    return n;
}

typedef struct {
    double s, ss, agree;
    int n;
} acc2;
static void acc_add(acc2 *a, double x) { a->s += x, a->ss += x * x, a->n++; }
static double acc_mean(const acc2 *a) { return a->n ? a->s / a->n : NAN; }
static double acc_sd(const acc2 *a) {
    if (!a->n) return NAN;
    double m = a->s / a->n, v = a->ss / a->n - m * m;
    return v > 0 ? sqrt(v) : 0.0;
}

static fl_status score(const fl_idf *idf, const fl_topic_clf *clf, const int32_t *p, int np, const int32_t *c, int nc,
                       acc2 *cos, acc2 *drift, acc2 *agree, fl_error *err) {
    double x;
    fl_status st = fl_tfidf_cosine(idf, p, np, c, nc, &x, err);
    if (st) return st;
    acc_add(cos, x);
    if ((st = fl_tfidf_drift(idf, c, nc, &x, err))) return st;
    acc_add(drift, x);
    if (clf) {
        int a, b;
        if ((st = fl_topic_clf_predict(clf, p, np, &a, NULL, err))) return st;
        if ((st = fl_topic_clf_predict(clf, c, nc, &b, NULL, err))) return st;
        acc_add(agree, a == b);
    }
    return FL_OK;
}

static void decode_to(const fl_tokenizer *tok, const int32_t *ids, int n, char *buf, size_t len) {
    buf[0] = 0;
    if (!tok) return;
    fl_bytebuf b = {0};
    fl_error e;
    if (!fl_tokenizer_decode(tok, ids, (size_t)n, &b, &e) && b.len) {
        size_t k = b.len < len - 1 ? b.len : len - 1;
        memcpy(buf, b.data, k);
        buf[k] = 0;
    }
    fl_bytebuf_free(&b);
}

fl_status fl_eval_coherence(fl_model *m, const fl_windows *w, int eot, const fl_idf *idf, const fl_topic_clf *clf,
                            const fl_tokenizer *tok, const fl_coherence_opts *o, fl_coherence_result *r,
                            fl_error *err) {
    memset(r, 0, sizeof *r);
    const int T = w->T, np = T / 2, nc = T - T / 2;
    if (T > fl_model_get_config(m)->block_size)
        return fl_fail(err, FL_ERR_ARG, "windows of context %d are longer than model.block_size %d", T,
                       fl_model_get_config(m)->block_size);
    int avail = fl_coherence_count_prompts(w, eot);
    if (avail == 0)
        return fl_fail(err, FL_ERR_ARG,
                       "no prompts left: all %d windows of %d tokens cross a document boundary (<|endoftext|>); use "
                       "data with longer documents, more windows (--windows) or a shorter context (--context)",
                       w->n, T);
    int32_t *cont = malloc((size_t)nc * sizeof *cont);
    fl_generator *g = NULL;
    fl_status st = !cont ? fl_fail(err, FL_ERR_NOMEM, "out of memory") : fl_generator_create(m, &o->gen, &g, err);
    acc2 mc = {0}, md = {0}, ma = {0}, hc = {0}, hd = {0}, ha = {0};
    for (int i = 0; i < w->n && !st && r->prompts < o->max_prompts; i++) {
        const int32_t *x = fl_window(w, i);
        if (!keep_window(x, T, eot)) {
            r->dropped++;
            continue;
        }
        int got;
        if ((st = fl_eval_continue(g, x, np, -1, eot, nc, cont, &got, err))) break;
        if (got < 2) { /* a continuation that stopped at once has no halves to compare */
            r->excluded++;
            continue;
        }
        if ((st = score(idf, clf, x, np, cont, got, &mc, &md, &ma, err))) break;
        if ((st = score(idf, clf, x, np, x + np, nc, &hc, &hd, &ha, err))) break;
        if (r->prompts == 0) {
            decode_to(tok, x, np, r->sample_prompt, sizeof r->sample_prompt);
            decode_to(tok, cont, got, r->sample_model, sizeof r->sample_model);
            decode_to(tok, x + np, nc, r->sample_human, sizeof r->sample_human);
        }
        r->prompts++;
    }
    fl_generator_free(g);
    free(cont);
    if (st) return st;
    r->prompt_len = np;
    r->cont_len = nc;
    r->model = (fl_coherence_row){acc_mean(&mc), acc_mean(&md), clf ? acc_mean(&ma) : NAN, acc_sd(&mc), acc_sd(&md)};
    r->human = (fl_coherence_row){acc_mean(&hc), acc_mean(&hd), clf ? acc_mean(&ha) : NAN, acc_sd(&hc), acc_sd(&hd)};
    return FL_OK;
}

fl_status fl_eval_idf(const fl_windows *w, int vocab_size, fl_idf **out, fl_error *err) {
    const int32_t **docs = malloc((size_t)w->n * sizeof *docs);
    int *lens = malloc((size_t)w->n * sizeof *lens);
    fl_status st = FL_OK;
    if (!docs || !lens) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (int i = 0; i < w->n && !st; i++) docs[i] = fl_window(w, i), lens[i] = w->T;
    if (!st) st = fl_idf_fit(docs, lens, w->n, vocab_size, out, err);
    free(docs);
    free(lens);
    return st;
}

fl_status fl_coherence_idf(const char *data_dir, int T, int N, int vocab_size, const fl_coherence_opts *o, fl_idf **out,
                           fl_error *err) {
    *out = NULL;
    fl_windows tw;
    fl_status st = fl_windows_load(data_dir, "train", T, N, o->idf_windows, vocab_size, &tw, err);
    if (!st) st = fl_eval_idf(&tw, vocab_size, out, err);
    fl_windows_free(&tw);
    return st;
}

/* The classifier's chunks: at most 8 a document, a 0.2 / 0.2 validation / test
 * share, its features the 2000 most frequent ids (as the topic probe's defaults). */
fl_status fl_coherence_classifier(const fl_tokenizer *tok, int T, int vocab_size, const fl_coherence_opts *o,
                                  fl_topic_clf **out, fl_error *err) {
    *out = NULL;
    const int chunk_len = T - T / 2; /* a continuation's length */
    fl_text_set set;
    fl_status st = fl_text_set_open(o->folder, o->data_root, o->dataset, &set, err);
    if (st) return st;
    fl_chunked ch;
    st = fl_chunk_texts(&set, tok, chunk_len, 8, 0.2, 0.2, o->split_seed, &ch, err);
    fl_text_set_free(&set);
    if (st) return st;
    const int32_t **docs[2] = {malloc((size_t)(ch.split[0].n + 1) * sizeof(int32_t *)),
                               malloc((size_t)(ch.split[1].n + 1) * sizeof(int32_t *))};
    int most = ch.split[0].n > ch.split[1].n ? ch.split[0].n : ch.split[1].n;
    int *lens = malloc((size_t)(most + 1) * sizeof *lens);
    if (!docs[0] || !docs[1] || !lens) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (int s = 0; s < 2 && !st; s++)
        for (int i = 0; i < ch.split[s].n; i++) docs[s][i] = ch.split[s].tokens + (size_t)i * chunk_len;
    for (int i = 0; i < most && !st; i++) lens[i] = chunk_len;
    fl_probe_opts po;
    fl_probe_opts_default(&po);
    if (!st) {
        fl_doc_split tr = {docs[0], lens, ch.split[0].label, ch.split[0].n},
                     va = {docs[1], lens, ch.split[1].label, ch.split[1].n};
        st = fl_topic_clf_fit(&tr, &va, ch.n_classes, vocab_size, 2000, &po, out, err);
    }
    free(docs[0]);
    free(docs[1]);
    free(lens);
    fl_chunked_free(&ch);
    return st;
}
