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
    M_PROBE_LAST, M_TFIDF, M_AGREE, M_DRIFT, M_PASS, M_LENS, M_LENS_ENT, M_OWN, M_OWN_ENT, M_NC, M_PC, M_TFLOPS
} metric_kind;

/* The neural-collapse statistics the summary lists, in order (their names in nc_names). */
static double nc_value(const fl_nc_stats *c, int i) {
    const double v[] = {c->nc1, c->norm_cv, c->cos_mean, c->cos_std, c->nc3, c->nc4};
    return v[i];
}
static const char *const nc_names[] = {"NC1 Tr(Sw Sb+)/K", "NC2 norm CV", "NC2 cosine mean", "NC2 cosine std",
                                       "NC3 self-duality", "NC4 nearest-mean agreement"};
enum { N_NC = sizeof nc_names / sizeof *nc_names, N_PC = 3 /* principal directions summarised */ };

/* Level l of the lens; own: each model's own next-token path (GPT: the tied head; FTP: decoder step 0). */
static double lens_value(const fl_lens_result *l, int lev, int own, int entropy) {
    if (lev >= l->levels) return NAN;
    const int k = (own && l->has_decoder ? l->levels : 0) + lev;
    return entropy ? l->entropy[k] : l->loss[k];
}

static double value(const fl_compare_side *s, metric_kind k, int arg) {
    switch (k) {
    case M_VAL: return s->pick.val_loss;
    case M_TFLOPS: return s->train_flops * 1e-12;
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
    case M_LENS: case M_LENS_ENT: case M_OWN: case M_OWN_ENT:
        return lens_value(&s->lens.lens, arg, k == M_OWN || k == M_OWN_ENT, k == M_LENS_ENT || k == M_OWN_ENT);
    case M_NC: return s->col.col.nc.K ? nc_value(&s->col.col.nc, arg) : NAN;
    case M_PC: {
        const fl_neurons_result *n = &s->neu.neu;
        return arg < n->n_dirs && n->total_variance > 0 ? n->dirs[arg].variance / n->total_variance : NAN;
    }
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

/* The top-layer instruments: the lens at every level by both paths, NC1-NC4, the leading directions' shares. */
static fl_status summarise_top(fl_compare_summary *S, const fl_compare_result *r, fl_error *err) {
    const fl_compare_pair *p = r->pairs;
    const int n = r->n_pairs;
    const fl_compare_side *g = &p[r->first].side[0];
    static const metric_kind lens[4] = {M_LENS, M_OWN, M_LENS_ENT, M_OWN_ENT};
    static const char *const lens_name[4] = {FL_CMP_LENS, FL_CMP_OWN, FL_CMP_LENS_ENT, FL_CMP_OWN_ENT};
    fl_status st = FL_OK;
    for (int k = 0; k < 4 && !st; k++)
        for (int l = 0; l < g->lens.lens.levels && !st; l++)
            st = add(S, p, n, "toplayer", FL_BETTER_NONE, lens[k], l, err, "%sblock %d", lens_name[k], l + 1);
    for (int i = 0; i < N_NC && !st; i++)
        st = add(S, p, n, "toplayer", FL_BETTER_NONE, M_NC, i, err, FL_CMP_NC "%s", nc_names[i]);
    for (int i = 0; i < N_PC && i < g->neu.neu.n_dirs && !st; i++)
        st = add(S, p, n, "toplayer", FL_BETTER_NONE, M_PC, i, err, FL_CMP_PC "%d", i + 1);
    return st;
}

fl_status fl_compare_summarise(const fl_compare_result *r, fl_compare_summary *S, fl_error *err) {
    memset(S, 0, sizeof *S);
    const fl_compare_pair *p = r->pairs;
    const int n = r->n_pairs;
    const fl_compare_side *g = &p[r->first].side[0];
    fl_status st = add(S, p, n, "loss", FL_BETTER_NONE, M_VAL, 0, err, "val next-token loss of the checkpoint (logged)");
    if (!st) st = add(S, p, n, "loss", FL_BETTER_LOWER, M_TFLOPS, 0, err, "%s", FL_CMP_TFLOPS);
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
    if (!st && r->toplayer) st = summarise_top(S, r, err);
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
