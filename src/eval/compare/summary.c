/* Compare's metrics over seeds (summary.h): the list of every number the
 * report summarises, each pair's value of it, and its statistics. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/compare/compare.h"
#include "util/error.h"

/* What a metric reads from one side of a pair; arg is the offset, level or set. */
typedef enum {
    M_VAL, M_LOSS, M_PPL, M_OFFSET, M_BOW_RECALL, M_BOW_LOGLIK, M_RAW, M_CENTRED, M_SHARE, M_PROBE_MEAN,
    M_PROBE_LAST, M_TFIDF, M_AGREE, M_DRIFT, M_PASS
} metric_kind;

static double value(const fl_compare_side *s, metric_kind k, int arg) {
    switch (k) {
    case M_VAL: return s->pick.val_loss;
    case M_LOSS: return s->ppl.loss;
    case M_PPL: return s->ppl.ppl;
    case M_OFFSET: return arg < s->off.N ? s->off.ce[arg] : NAN;
    case M_BOW_RECALL: return s->off.has_bow ? s->off.bow.recall : NAN;
    case M_BOW_LOGLIK: return s->off.has_bow ? s->off.bow.loglik : NAN;
    case M_RAW: return arg < s->sm.levels ? fl_cos_stats_mean(&s->sm.stats[arg]) : NAN;
    case M_CENTRED: return arg < s->sm.levels ? fl_cos_stats_mean(&s->sm.centred[arg]) : NAN;
    case M_SHARE: return arg < s->sm.levels ? s->sm.mean_share[arg] : NAN;
    case M_PROBE_MEAN: return s->probe[arg].mean.test_accuracy;
    case M_PROBE_LAST: return s->probe[arg].last.test_accuracy;
    case M_TFIDF: return s->coh.model.tfidf_cos;
    case M_AGREE: return s->coh.model.agreement;
    case M_DRIFT: return s->coh.model.drift;
    case M_PASS: return s->cd.pass_rate;
    }
    return NAN;
}

/* One metric over the pairs (text or countdown): a dropped pair is NAN, so the
 * statistics leave it out and the JSON still has a slot per seed. */
static fl_status add(fl_compare_summary *S, const fl_compare_pair *pairs, int n, const char *section, fl_better better,
                     metric_kind k, int arg, fl_error *err, const char *fmt, ...) FL_PRINTF(9, 10);
static fl_status add(fl_compare_summary *S, const fl_compare_pair *pairs, int n, const char *section, fl_better better,
                     metric_kind k, int arg, fl_error *err, const char *fmt, ...) {
    if (S->n == S->cap) {
        int cap = S->cap ? 2 * S->cap : 32;
        fl_compare_metric *m = realloc(S->m, (size_t)cap * sizeof *m);
        if (!m) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
        S->m = m, S->cap = cap;
    }
    fl_compare_metric *m = &S->m[S->n];
    memset(m, 0, sizeof *m);
    m->gpt = malloc((size_t)n * sizeof(double));
    m->ftp = malloc((size_t)n * sizeof(double));
    if (!m->gpt || !m->ftp) {
        free(m->gpt), free(m->ftp);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    S->n++;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->name, sizeof m->name, fmt, ap);
    va_end(ap);
    m->section = section, m->better = better, m->n = n;
    for (int i = 0; i < n; i++) {
        m->gpt[i] = pairs[i].dropped ? NAN : value(&pairs[i].side[0], k, arg);
        m->ftp[i] = pairs[i].dropped ? NAN : value(&pairs[i].side[1], k, arg);
    }
    fl_seed_stats_compute(m->gpt, n, &m->g);
    fl_seed_stats_compute(m->ftp, n, &m->f);
    fl_paired_stats_compute(m->gpt, m->ftp, n, &m->d);
    return FL_OK;
}

fl_status fl_compare_summarise(const fl_compare_result *r, fl_compare_summary *S, fl_error *err) {
    memset(S, 0, sizeof *S);
    const fl_compare_pair *p = r->pairs;
    const int n = r->n_pairs;
    const fl_compare_side *g = &p[r->first].side[0];
    fl_status st = add(S, p, n, "loss", FL_BETTER_NONE, M_VAL, 0, err, "val next-token loss of the checkpoint (logged)");
    if (!st) st = add(S, p, n, "loss", FL_BETTER_LOWER, M_LOSS, 0, err, "next-token loss on the eval windows");
    if (!st) st = add(S, p, n, "loss", FL_BETTER_LOWER, M_PPL, 0, err, "perplexity on the eval windows");
    for (int k = 0; k < g->off.N && !st; k++)
        st = add(S, p, n, "offsets", FL_BETTER_LOWER, M_OFFSET, k, err, FL_CMP_OFFSET "k=%d", k + 1);
    if (!st && g->off.has_bow) {
        st = add(S, p, n, "offsets", FL_BETTER_HIGHER, M_BOW_RECALL, 0, err, FL_CMP_BOW "recall@N");
        if (!st) st = add(S, p, n, "offsets", FL_BETTER_HIGHER, M_BOW_LOGLIK, 0, err,
                          FL_CMP_BOW "log-likelihood");
    }
    /* every run has the same encoder (compare checks), so level l is the same block in every model */
    for (int l = 0; l < g->sm.levels && !st; l++) {
        char lv[24];
        fl_smooth_level_name(lv, sizeof lv, l, g->sm.levels);
        st = add(S, p, n, "smoothness", FL_BETTER_HIGHER, M_RAW, l, err, FL_CMP_RAW "%s", lv);
        if (!st) st = add(S, p, n, "smoothness", FL_BETTER_HIGHER, M_CENTRED, l, err, FL_CMP_CENTRED "%s", lv);
        if (!st) st = add(S, p, n, "smoothness", FL_BETTER_NONE, M_SHARE, l, err, FL_CMP_SHARE "%s", lv);
    }
    for (int d = 0; d < r->n_sets && !st; d++) {
        st = add(S, p, n, "probes", FL_BETTER_HIGHER, M_PROBE_MEAN, d, err, FL_CMP_PROBE "%s, mean-pooled", r->sets[d]);
        if (!st) st = add(S, p, n, "probes", FL_BETTER_HIGHER, M_PROBE_LAST, d, err, FL_CMP_PROBE "%s, last position",
                          r->sets[d]);
    }
    if (!st) st = add(S, p, n, "coherence", FL_BETTER_HIGHER, M_TFIDF, 0, err, "%s", FL_CMP_TFIDF);
    if (!st) st = add(S, p, n, "coherence", FL_BETTER_HIGHER, M_AGREE, 0, err, "%s", FL_CMP_AGREE);
    if (!st) st = add(S, p, n, "coherence", FL_BETTER_HIGHER, M_DRIFT, 0, err, "%s", FL_CMP_DRIFT);
    if (!st && r->n_cd) st = add(S, r->cd, r->n_cd, "countdown", FL_BETTER_HIGHER, M_PASS, 0, err, "%s", FL_CMP_PASS);
    if (st) fl_compare_summary_free(S);
    return st;
}

void fl_compare_summary_free(fl_compare_summary *s) {
    for (int i = 0; i < s->n; i++) free(s->m[i].gpt), free(s->m[i].ftp);
    free(s->m);
    memset(s, 0, sizeof *s);
}

const fl_compare_metric *fl_compare_summary_find(const fl_compare_summary *s, const char *name) {
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->m[i].name, name)) return &s->m[i];
    return NULL;
}
