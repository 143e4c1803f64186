/* The compare pipeline: checkpoint matching, windows, the shared IDF and topic
 * classifier, every measure on both models, the countdown pair. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval/compare/compare.h"
#include "eval/measures/checkpoint.h"
#include "util/error.h"
#include "util/fs.h"

const char *const fl_compare_default_datasets = "brown,brown-coarse,spam-assassin";

void fl_compare_opts_default(fl_compare_opts *o) {
    memset(o, 0, sizeof *o);
    o->data_root = "data";
    o->windows = 64, o->B = 8, o->max_gap = 0.05;
    fl_offsets_opts_default(&o->offsets);
    fl_coherence_opts_default(&o->coherence);
    fl_countdown_opts_default(&o->countdown);
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

static int dir_exists(const char *p) {
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* "ROOT/brown" or "ROOT/spam-assassin": the folder a labelled set is read from. */
static char *set_dir(const char *root, const char *set) {
    return fl_path_join(root, strncmp(set, "brown", 5) ? "spam-assassin" : "brown");
}

/* Which labelled sets: the default list skips sets that were not fetched; a
 * list the caller gave must exist. */
static fl_status pick_sets(const fl_compare_opts *o, fl_compare_result *r, fl_error *err) {
    const char *list = o->datasets ? o->datasets : fl_compare_default_datasets;
    if (!strcmp(list, "none")) return FL_OK;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (r->n_sets == FL_COMPARE_MAX_SETS)
            return fl_fail(err, FL_ERR_ARG, "--datasets: at most %d sets", FL_COMPARE_MAX_SETS);
        if (strcmp(tok, "brown") && strcmp(tok, "brown-coarse") && strcmp(tok, "spam-assassin"))
            return fl_fail(err, FL_ERR_ARG, "--datasets: unknown set '%s' (brown, brown-coarse, spam-assassin or none)",
                           tok);
        char *d = set_dir(o->data_root, tok);
        if (!d) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
        int ok = dir_exists(d);
        fl_status st = FL_OK;
        if (!ok && o->datasets) st = fl_fail(err, FL_ERR_IO, "--datasets %s: %s does not exist (scripts/get-data.sh %s)", tok, d, tok);
        else if (!ok) say(o, "futurelm: note: %s not found; skipping the %s probe\n", d, tok);
        else snprintf(r->sets[r->n_sets++], sizeof r->sets[0], "%s", tok);
        free(d);
        if (st) return st;
    }
    return FL_OK;
}

/* Wraps the message already in err with a prefix. */
static fl_status prefixed(fl_error *err, const char *what) {
    char msg[FL_ERROR_MSG_LEN];
    snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
    return fl_fail(err, err ? err->code : FL_ERR_ARG, "%s: %s", what, msg);
}

/* Everything both models are measured on, built once. */
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

/* Countdown pass@1 of one side's checkpoint at the countdown target (s->cd_pick). */
static fl_status countdown(const fl_compare_opts *o, fl_compare_side *s, fl_error *err) {
    fl_eval_ckpt ck;
    fl_status st = fl_eval_ckpt_open(s->cd_pick.dir, &ck, err);
    if (st) return st;
    char *path = o->specs ? strdup(o->specs) : fl_path_join(ck.data_dir, "test_specs.txt");
    fl_cd_example *specs = NULL;
    long n = 0;
    say(o, "compare: countdown %s (val loss %.4f)\n", ck.dir, s->cd_pick.val_loss);
    if (!path) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!st) st = fl_cd_read_specs(path, &specs, &n, err);
    if (!st) st = fl_eval_countdown(ck.m, specs, n, &o->countdown, &s->cd, err);
    s->has_cd = !st;
    free(specs);
    free(path);
    fl_eval_ckpt_close(&ck);
    return st;
}

/* The countdown runs, matched on their own loss the same way as the text runs. */
static fl_status countdown_pair(const fl_compare_opts *o, fl_compare_result *r, fl_error *err) {
    fl_compare_side *s = r->side;
    s[0].run_cd = o->cd_gpt, s[1].run_cd = o->cd_ftp;
    fl_status st = FL_OK;
    for (int i = 0; i < 2 && !st; i++) st = fl_run_metrics_read(s[i].run_cd, &s[i].cd_mt, err);
    double target = o->cd_target;
    if (!st && !(target > 0)) st = fl_default_target(o->cd_gpt, &s[0].cd_mt, o->cd_ftp, &s[1].cd_mt, &target, err);
    for (int i = 0; i < 2 && !st; i++) {
        s[i].cd_target = target;
        st = fl_pick_checkpoint(s[i].run_cd, &s[i].cd_mt, target, &s[i].cd_pick, err);
    }
    for (int i = 0; i < 2 && !st; i++) st = countdown(o, &s[i], err);
    return st;
}

/* How far the picked checkpoint is from the target: beyond o->max_gap the report's
 * "matched loss" is not matched (the run never got there, or its checkpoints near
 * it were pruned), which is said, or refused with o->refuse_gap. */
static fl_status check_gap(const fl_compare_opts *o, fl_compare_side *s, double target, fl_error *err) {
    s->gap = fabs(s->pick.val_loss - target);
    if (!(s->gap > o->max_gap)) return FL_OK;
    s->gap_warned = 1;
    const char *why = "keep more checkpoints (train.keep_last), evaluate more often (train.eval_every), or train "
                      "the run further";
    if (o->refuse_gap)
        return fl_fail(err, FL_ERR_ARG,
                       "%s: its closest checkpoint (%s, val loss %.4f) is %.4f nats from the target %.4f, more than "
                       "--max-gap %.4f; %s",
                       s->run, s->pick.dir, s->pick.val_loss, s->gap, target, o->max_gap, why);
    say(o, "futurelm: warning: %s: its closest checkpoint (val loss %.4f) is %.4f nats from the target %.4f, more "
           "than %.4f: the comparison is not at matched loss; %s\n",
        s->run, s->pick.val_loss, s->gap, target, o->max_gap, why);
    return FL_OK;
}

/* Both checkpoints, matched at the shared target and checked to be a GPT and an FTP model. */
static fl_status open_pair(const fl_compare_opts *o, fl_compare_result *r, fl_eval_ckpt ck[2], fl_error *err) {
    fl_compare_side *s = r->side;
    fl_status st = FL_OK;
    for (int i = 0; i < 2 && !st; i++) st = fl_run_metrics_read(s[i].run, &s[i].mt, err);
    r->target = o->target;
    if (!st && !(o->target > 0)) st = fl_default_target(o->gpt_run, &s[0].mt, o->ftp_run, &s[1].mt, &r->target, err);
    for (int i = 0; i < 2 && !st; i++) {
        st = fl_pick_checkpoint(s[i].run, &s[i].mt, r->target, &s[i].pick, err);
        if (!st) st = check_gap(o, &s[i], r->target, err);
        if (!st) st = fl_eval_ckpt_open(s[i].pick.dir, &ck[i], err);
        if (!st && fl_model_get_config(ck[i].m)->type != (i ? FL_MODEL_FTP : FL_MODEL_GPT))
            st = fl_fail(err, FL_ERR_ARG, "%s is a %s run, but compare takes the GPT run first and the FTP run second",
                         s[i].run, i ? "GPT" : "FTP");
    }
    return st;
}

/* The windows, tokenizer, idf and classifier both models share. */
static fl_status build_inputs(const fl_compare_opts *o, const fl_eval_ckpt ck[2], shared_inputs *in, fl_error *err) {
    const fl_model_config *cg = fl_model_get_config(ck[0].m), *cf = fl_model_get_config(ck[1].m);
    if (cg->vocab_size != cf->vocab_size)
        return fl_fail(err, FL_ERR_ARG,
                       "the runs have different vocabularies (%d and %d tokens): compare models trained on the same "
                       "tokenizer and data",
                       cg->vocab_size, cf->vocab_size);
    const int T = cg->block_size < cf->block_size ? cg->block_size : cf->block_size, V = cg->vocab_size;
    const char *data = o->data ? o->data : ck[0].data_dir;
    if (!data[0]) return fl_fail(err, FL_ERR_ARG, "%s does not name its data folder; pass --data DIR", ck[0].dir);
    fl_status st = fl_windows_load(data, "val", T, cf->n_future, o->windows, V, &in->val, err);
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
    char *set = st || !strcmp(o->coherence.dataset, "none") ? NULL : set_dir(o->coherence.data_root, o->coherence.dataset);
    if (dir_exists(set) && fl_coherence_classifier(in->tok, T, V, &o->coherence, &in->clf, err)) {
        say(o, "futurelm: note: no topic classifier for coherence (%s)\n", err ? err->msg : "");
        in->clf = NULL;
    }
    free(set);
    return st;
}

fl_status fl_compare_run(const fl_compare_opts *o, fl_compare_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    if (!o->gpt_run || !o->ftp_run) return fl_fail(err, FL_ERR_ARG, "compare needs a GPT run and an FTP run");
    if (!o->cd_gpt != !o->cd_ftp)
        return fl_fail(err, FL_ERR_ARG, "give both --countdown-gpt and --countdown-ftp, or neither");
    r->side[0] = (fl_compare_side){.run = o->gpt_run, .label = "GPT", .color = "#1f77b4"};
    r->side[1] = (fl_compare_side){.run = o->ftp_run, .label = "FTP", .color = "#ff7f0e"};
    fl_status st = pick_sets(o, r, err);
    fl_eval_ckpt ck[2];
    memset(ck, 0, sizeof ck);
    shared_inputs in;
    memset(&in, 0, sizeof in);
    if (!st) st = open_pair(o, r, ck, err);
    if (!st) st = build_inputs(o, ck, &in, err);
    for (int i = 0; i < 2 && !st; i++) st = measure(o, r, &r->side[i], ck[i].m, &in, err);
    if (!st && o->cd_gpt) st = countdown_pair(o, r, err);
    for (int i = 0; i < 2; i++) fl_eval_ckpt_close(&ck[i]);
    fl_topic_clf_free(in.clf);
    fl_idf_free(in.idf);
    fl_tokenizer_free(in.tok);
    fl_windows_free(&in.val);
    fl_windows_free(&in.train);
    if (st) fl_compare_result_free(r);
    return st;
}

void fl_compare_result_free(fl_compare_result *r) {
    for (int i = 0; i < 2; i++) {
        fl_compare_side *s = &r->side[i];
        fl_run_metrics_free(&s->mt);
        fl_run_metrics_free(&s->cd_mt);
        fl_ckpt_pick_free(&s->pick);
        fl_ckpt_pick_free(&s->cd_pick);
        fl_smooth_result_free(&s->sm);
        for (int d = 0; d < r->n_sets; d++) fl_probe_eval_result_free(&s->probe[d]);
    }
}
