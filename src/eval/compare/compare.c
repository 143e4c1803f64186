/* The compare pipeline: checkpoint matching pair by pair, the same-encoder
 * check, windows, the shared IDF and topic classifier, every measure on every
 * kept model, the countdown pairs, and the summary over seeds. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/compare/compare.h"
#include "eval/measures/checkpoint.h"
#include "util/error.h"
#include "util/fs.h"
#ifdef _OPENMP
#include <omp.h>
#endif

void fl_compare_opts_default(fl_compare_opts *o) {
    memset(o, 0, sizeof *o);
    o->data_root = NULL; /* the data search of util/datapath.h */
    o->windows = 64, o->B = 8, o->max_gap = 0.05, o->threads = 1;
    fl_offsets_opts_default(&o->offsets);
    fl_coherence_opts_default(&o->coherence);
    fl_countdown_opts_default(&o->countdown);
    o->toplayer = 1;
    fl_top_opts_default(&o->top);
}

/* A progress line or note on o->log. */
static void say(const fl_compare_opts *o, const char *fmt, ...) FL_PRINTF(2, 3);
static void say(const fl_compare_opts *o, const char *fmt, ...) {
    if (!o->log) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(o->log, fmt, ap);
    va_end(ap);
}

/* Wraps the message already in err with a prefix. */
static fl_status prefixed(fl_error *err, const char *what) {
    char msg[FL_ERROR_MSG_LEN];
    snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
    return fl_fail(err, err ? err->code : FL_ERR_ARG, "%s: %s", what, msg);
}

/* Everything every model is measured on, built once. */
typedef struct {
    fl_windows val, train;
    fl_tokenizer *tok;
    fl_idf *idf;
    fl_topic_clf *clf;
} shared_inputs;

static fl_status measure(const fl_compare_opts *o, const fl_compare_result *r, fl_compare_side *s, fl_model *m,
                         const shared_inputs *in, fl_error *err) {
    say(o, "compare: %s (%s, val loss %.4f): ppl, offsets", s->label, s->pick.dir, s->pick.val_loss);
    fl_status st = fl_eval_ppl(m, &in->val, o->B, &s->ppl, err);
    if (!st) st = fl_eval_offsets(m, &in->val, &in->train, &o->offsets, &s->off, err);
    if (!st) say(o, ", smoothness");
    if (!st) st = fl_eval_smoothness(m, &in->val, o->B, 0, &s->sm, err);
    for (int i = 0; i < r->n_sets && !st; i++) {
        say(o, ", probe %s", r->sets[i]);
        fl_probe_eval_opts po;
        fl_probe_eval_opts_default(&po);
        po.dataset = r->sets[i];
        po.data_root = o->data_root;
        po.folder = strcmp(r->sets[i], FL_COMPARE_PROBE_DATA) ? NULL : o->probe_data;
        if ((st = fl_eval_probe(m, in->tok, &po, &s->probe[i], err))) {
            char what[64];
            snprintf(what, sizeof what, "topic probe on %s", r->sets[i]);
            st = prefixed(err, what);
        }
    }
    if (!st) say(o, ", coherence\n");
    if (!st) st = fl_eval_coherence(m, &in->val, fl_tokenizer_eot(in->tok), in->idf, in->clf, in->tok, &o->coherence,
                                    &s->coh, err);
    return st;
}

/* Countdown pass@1 of one side's checkpoint (s->pick, at its pair's countdown target). */
static fl_status countdown(const fl_compare_opts *o, fl_compare_side *s, fl_error *err) {
    fl_eval_ckpt ck;
    fl_status st = fl_eval_ckpt_open(s->pick.dir, &ck, err);
    if (st) return st;
    char *path = o->specs ? strdup(o->specs) : fl_path_join(ck.data_dir, "test_specs.txt");
    fl_cd_example *specs = NULL;
    long n = 0;
    say(o, "compare: countdown %s (val loss %.4f)\n", ck.dir, s->pick.val_loss);
    if (!path) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!st) st = fl_cd_read_specs(path, &specs, &n, err);
    if (!st) st = fl_eval_countdown(ck.m, specs, n, &o->countdown, &s->cd, err);
    free(specs);
    free(path);
    fl_eval_ckpt_close(&ck);
    return st;
}

/* The keys that make two runs the same model: the encoder's for every run,
 * the FTP head's too between FTP runs (seeds differ in initialisation and data
 * order only). Printed as text, so one comparison covers ints and gamma. */
static const char *const enc_keys[] = {"model.vocab_size", "model.block_size", "model.n_layer", "model.n_head",
                                       "model.n_embd", "ftp.n_future", "ftp.pseudo_len", "ftp.gamma",
                                       "ftp.dec_layers", "ftp.dec_heads", "ftp.positions"};
enum { N_ENC_KEYS = 5, N_KEYS = sizeof enc_keys / sizeof *enc_keys };
static void key_value(const fl_model_config *c, int k, char *out, size_t n) {
    const int v[] = {c->vocab_size, c->block_size, c->n_layer, c->n_head, c->n_embd, c->n_future, c->pseudo_len, 0,
                     c->dec_layers, c->dec_heads, c->positions};
    if (k == 7) snprintf(out, n, "%g", (double)c->gamma);
    else snprintf(out, n, "%d", v[k]);
}
/* The first key (of the first n_keys) where a and b differ, naming both runs. */
static fl_status same_model(const fl_model_config *a, const char *run_a, const fl_model_config *b, const char *run_b,
                            int n_keys, const char *what, fl_error *err) {
    for (int k = 0; k < n_keys; k++) {
        char va[32], vb[32];
        key_value(a, k, va, sizeof va), key_value(b, k, vb, sizeof vb);
        if (strcmp(va, vb))
            return fl_fail(err, FL_ERR_ARG,
                           "%s %s and %s differ in %s (%s and %s): every seed must train the same %s, only "
                           "train.seed may differ",
                           what, run_a, run_b, enc_keys[k], va, vb, n_keys == N_ENC_KEYS ? "encoder" : "model");
    }
    return FL_OK;
}

/* How far the picked checkpoint is from the target: beyond o->max_gap "matched
 * loss" is not matched (the run never got there, or its checkpoints near it
 * were pruned), which --refuse-gap makes an error. */
static fl_status check_gap(const fl_compare_opts *o, fl_compare_side *s, double target, fl_error *err) {
    s->gap = fabs(s->pick.val_loss - target);
    if (!(s->gap > o->max_gap)) return FL_OK;
    s->gap_warned = 1;
    if (o->refuse_gap)
        return fl_fail(err, FL_ERR_ARG,
                       "%s: its closest checkpoint (%s, val loss %.4f; best %.4f) is %.4f nats from the target %.4f, "
                       "more than --max-gap %.4f; keep more checkpoints (train.keep_last), evaluate more often "
                       "(train.eval_every), or train the run further",
                       s->run, s->pick.dir, s->pick.val_loss, s->best, s->gap, target, o->max_gap);
    return FL_OK;
}

/* One pair matched at its target: metrics, target, picks and gaps; each model
 * opened once to check it is the kind its side says and the same model as the
 * first pair's (cfg[0..1], filled from pair 0). */
static fl_status match_pair(const fl_compare_opts *o, fl_compare_pair *p, double fixed_target, int i, int cd,
                            fl_model_config cfg[2], const char *first[2], fl_error *err) {
    fl_compare_side *s = p->side;
    fl_status st = FL_OK;
    for (int k = 0; k < 2 && !st; k++) {
        st = fl_run_metrics_read(s[k].run, &s[k].mt, err);
        if (!st) st = fl_best_checkpoint_loss(s[k].run, &s[k].mt, &s[k].best, err);
    }
    p->target = fixed_target > 0 ? fixed_target : s[0].best > s[1].best ? s[0].best : s[1].best;
    for (int k = 0; k < 2 && !st; k++) {
        st = fl_pick_checkpoint(s[k].run, &s[k].mt, p->target, &s[k].pick, err);
        if (!st) st = check_gap(o, &s[k], p->target, err);
        fl_eval_ckpt ck;
        if (!st) st = fl_eval_ckpt_open(s[k].pick.dir, &ck, err);
        if (st) break;
        const fl_model_config c = *fl_model_get_config(ck.m);
        fl_eval_ckpt_close(&ck);
        s[k].train_flops = fl_ckpt_train_flops(s[k].pick.dir, &c, s[k].pick.step);
        if (c.type != (k ? FL_MODEL_FTP : FL_MODEL_GPT))
            return fl_fail(err, FL_ERR_ARG, "%s is a %s run, but compare takes the GPT run first and the FTP run second (%s)",
                           s[k].run, k ? "GPT" : "FTP", cd ? "--countdown-gpt, --countdown-ftp" : "--gpt, --ftp");
        if (i == 0) cfg[k] = c, first[k] = s[k].run;
        else st = same_model(&cfg[k], first[k], &c, s[k].run, k ? N_KEYS : N_ENC_KEYS, k ? "the FTP runs" : "the GPT runs", err);
        if (!st && k == 1) st = same_model(&cfg[0], first[0], &c, s[1].run, N_ENC_KEYS, "the GPT and FTP runs", err);
    }
    return st;
}

/* Every pair of one kind (text or countdown) matched, then the drop policy: a
 * pair with a run beyond --max-gap is left out while another pair is at matched
 * loss; when none is, every pair is kept and the report says it is not matched. */
static fl_status match_pairs(const fl_compare_opts *o, fl_compare_pair *p, int n, double target, int cd, int *kept,
                             int *first, fl_error *err) {
    fl_model_config cfg[2];
    const char *first_run[2] = {NULL, NULL};
    fl_status st = FL_OK;
    for (int i = 0; i < n && !st; i++) st = match_pair(o, &p[i], target, i, cd, cfg, first_run, err);
    if (st) return st;
    *kept = 0;
    for (int i = 0; i < n; i++) *kept += !p[i].side[0].gap_warned && !p[i].side[1].gap_warned;
    const char *what = cd ? "countdown pair" : "pair";
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            const fl_compare_side *s = &p[i].side[k];
            if (!s->gap_warned) continue;
            p[i].dropped = *kept > 0;
            say(o, "futurelm: warning: %s: its closest checkpoint (val loss %.4f; best %.4f) is %.4f nats from the "
                   "target %.4f of %s %d, more than --max-gap %.4f: %s\n",
                s->run, s->pick.val_loss, s->best, s->gap, p[i].target, what, i + 1, o->max_gap,
                *kept ? "the pair is left out of the statistics"
                      : "no pair is at matched loss, so every pair is kept and the report says it is not matched");
        }
    if (!*kept) *kept = n;
    for (*first = 0; p[*first].dropped; ++*first) {}
    return FL_OK;
}

/* The windows, tokenizer, idf and classifier every model shares, from the first kept pair. */
static fl_status build_inputs(const fl_compare_opts *o, fl_compare_result *r, shared_inputs *in, fl_error *err) {
    const fl_compare_pair *p = &r->pairs[r->first];
    fl_eval_ckpt ck[2];
    memset(ck, 0, sizeof ck);
    fl_status st = FL_OK;
    for (int k = 0; k < 2 && !st; k++) st = fl_eval_ckpt_open(p->side[k].pick.dir, &ck[k], err);
    const fl_model_config *cf = st ? NULL : fl_model_get_config(ck[1].m);
    const char *data = o->data ? o->data : st ? "" : ck[0].data_dir;
    if (!st && !data[0]) st = fl_fail(err, FL_ERR_ARG, "%s does not name its data folder; pass --data DIR", ck[0].dir);
    /* same encoder everywhere (match_pairs), so one T and V */
    const int T = st ? 0 : cf->block_size, V = st ? 0 : cf->vocab_size;
    if (!st) st = fl_windows_load(data, "val", T, cf->n_future, o->windows, V, &in->val, err);
    if (!st) st = fl_windows_load(data, "train", T, cf->n_future, o->offsets.train_windows, V, &in->train, err);
    if (!st) st = fl_eval_ckpt_tokenizer(&ck[0], NULL, &in->tok, err);
    if (!st && fl_coherence_count_prompts(&in->val, fl_tokenizer_eot(in->tok)) == 0)
        st = fl_fail(err, FL_ERR_ARG,
                     "no coherence prompts: all %d validation windows of %d tokens cross a document boundary; use "
                     "more windows (--windows) or data with longer documents",
                     in->val.n, T);
    if (!st) st = fl_coherence_idf(data, T, cf->n_future, V, &o->coherence, &in->idf, err);
    /* The classifier is optional here: without its labelled set the report
     * still has every other coherence number. */
    fl_coherence_opts co;
    int want_clf = 0;
    if (!st) st = fl_compare_relate_sets(o, data, r, &co, &want_clf, err);
    if (!st && want_clf && fl_coherence_classifier(in->tok, T, V, &co, &in->clf, err)) {
        say(o, "futurelm: note: no topic classifier for coherence (%s)\n", err ? err->msg : "");
        in->clf = NULL;
    }
    for (int k = 0; k < 2; k++) fl_eval_ckpt_close(&ck[k]);
    return st;
}

/* Pairs of runs from the options' lists, labelled and coloured by model. */
static fl_compare_pair *new_pairs(const char *const *g, const char *const *f, int n) {
    fl_compare_pair *p = calloc((size_t)(n > 0 ? n : 1), sizeof *p);
    for (int i = 0; p && i < n; i++) {
        p[i].side[0] = (fl_compare_side){.run = g[i], .label = "GPT", .color = "#1f77b4"};
        p[i].side[1] = (fl_compare_side){.run = f[i], .label = "FTP", .color = "#ff7f0e"};
    }
    return p;
}

/* One kept pair: both models open together, every measure on each, then CKA between them. */
static fl_status measure_pair(const fl_compare_opts *o, fl_compare_result *r, fl_compare_pair *p,
                              const shared_inputs *in, fl_error *err) {
    fl_eval_ckpt ck[2];
    memset(ck, 0, sizeof ck);
    fl_status st = FL_OK;
    for (int k = 0; k < 2 && !st; k++) st = fl_eval_ckpt_open(p->side[k].pick.dir, &ck[k], err);
    for (int k = 0; k < 2 && !st; k++) {
        st = measure(o, r, &p->side[k], ck[k].m, in, err);
        if (!st && o->toplayer) {
            say(o, "compare: %s: logit lens, neural collapse, head directions\n", p->side[k].label);
            st = fl_compare_top_side(o, &p->side[k], ck[k].m, &in->val, err);
        }
    }
    if (!st && o->toplayer) {
        say(o, "compare: CKA between GPT and FTP\n");
        st = fl_compare_top_cka(o, p, ck[0].m, ck[1].m, &in->val, err);
    }
    for (int k = 0; k < 2; k++) fl_eval_ckpt_close(&ck[k]);
    return st;
}

static fl_status measure_pairs(const fl_compare_opts *o, fl_compare_result *r, const shared_inputs *in, fl_error *err) {
    fl_status st = FL_OK;
    for (int i = 0; i < r->n_pairs && !st; i++) {
        if (r->pairs[i].dropped) continue;
        if (r->n_pairs > 1) say(o, "compare: seed %d of %d\n", i + 1, r->n_pairs);
        st = measure_pair(o, r, &r->pairs[i], in, err);
    }
    for (int i = 0; i < r->n_cd && !st; i++)
        for (int k = 0; k < 2 && !st && !r->cd[i].dropped; k++) st = countdown(o, &r->cd[i].side[k], err);
    return st;
}

fl_status fl_compare_run(const fl_compare_opts *o, fl_compare_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    if (o->n_gpt < 1 || o->n_ftp < 1) return fl_fail(err, FL_ERR_ARG, "compare needs a GPT run and an FTP run");
    if (o->n_gpt != o->n_ftp)
        return fl_fail(err, FL_ERR_ARG, "%d GPT runs and %d FTP runs: give one run per seed of each, paired in order",
                       o->n_gpt, o->n_ftp);
    if (o->n_cd_gpt != o->n_cd_ftp)
        return fl_fail(err, FL_ERR_ARG, "%d --countdown-gpt runs and %d --countdown-ftp runs: give as many of each",
                       o->n_cd_gpt, o->n_cd_ftp);
#ifdef _OPENMP
    if (o->threads > 0) omp_set_num_threads(o->threads);
#endif
    r->n_pairs = o->n_gpt, r->n_cd = o->n_cd_gpt, r->max_gap = o->max_gap, r->toplayer = o->toplayer;
    r->pairs = new_pairs(o->gpt_runs, o->ftp_runs, r->n_pairs);
    r->cd = new_pairs(o->cd_gpt, o->cd_ftp, r->n_cd);
    fl_status st = !r->pairs || !r->cd ? fl_fail(err, FL_ERR_NOMEM, "out of memory") : FL_OK;
    if (!st) st = fl_compare_pick_sets(o, r, err);
    if (!st) st = match_pairs(o, r->pairs, r->n_pairs, o->target, 0, &r->kept, &r->first, err);
    if (!st && r->n_cd) st = match_pairs(o, r->cd, r->n_cd, o->cd_target, 1, &r->cd_kept, &r->cd_first, err);
    shared_inputs in;
    memset(&in, 0, sizeof in);
    if (!st) st = build_inputs(o, r, &in, err);
    if (!st) st = measure_pairs(o, r, &in, err);
    if (!st) st = fl_compare_summarise(r, &r->summary, err);
    fl_topic_clf_free(in.clf);
    fl_idf_free(in.idf);
    r->tok = in.tok; /* the report names tokens with it; freed with the result */
    fl_windows_free(&in.val);
    fl_windows_free(&in.train);
    if (st) fl_compare_result_free(r);
    return st;
}

static void free_pairs(fl_compare_pair *p, int n, int n_sets) {
    for (int i = 0; p && i < n; i++)
        for (int k = 0; k < 2; k++) {
            fl_compare_side *s = &p[i].side[k];
            fl_run_metrics_free(&s->mt);
            fl_ckpt_pick_free(&s->pick);
            fl_smooth_result_free(&s->sm);
            for (int d = 0; d < n_sets; d++) fl_probe_eval_result_free(&s->probe[d]);
            fl_top_result_free(&s->lens), fl_top_result_free(&s->col), fl_top_result_free(&s->neu);
        }
    for (int i = 0; p && i < n; i++) fl_top_result_free(&p[i].cka);
    free(p);
}

void fl_compare_result_free(fl_compare_result *r) {
    free_pairs(r->pairs, r->n_pairs, r->n_sets);
    free_pairs(r->cd, r->n_cd, 0);
    fl_compare_summary_free(&r->summary);
    fl_tokenizer_free(r->tok);
    memset(r, 0, sizeof *r);
}
