/* `futurelm eval SUBCOMMAND` as a library call: what each measure reads from
 * the checkpoint's run, in the order the errors should come. */
#include <stdlib.h>
#include <string.h>

#include "eval/measures/measure.h"
#include "util/error.h"
#include "util/fs.h"

void fl_measure_opts_default(fl_measure_opts *o) {
    memset(o, 0, sizeof *o);
    o->windows = -1; /* fl_eval_default_windows of the context, resolved when it is known */
    o->coherence_windows = 0;
    /* one thread: on a shared machine 2 OpenMP threads ran eval 3-27x slower than 1
     * while another process held a core (issue 20), and one is never that slow */
    o->threads = 1;
    o->B = 8;
    fl_offsets_opts_default(&o->offsets);
    fl_probe_eval_opts_default(&o->probe);
    fl_countdown_opts_default(&o->countdown);
    fl_coherence_opts_default(&o->coherence);
}

/* Validation (or train) windows of the checkpoint's data: T from o->context,
 * N from the model (FTP) or o->n_future (GPT); a negative cap is the default
 * (fl_eval_default_windows). When r is given, what the windows cover goes there. */
static fl_status load_windows(const fl_eval_ckpt *ck, const fl_measure_opts *o, const char *split, long cap,
                              fl_windows *w, fl_measure_result *r, fl_error *err) {
    const fl_model_config *c = fl_model_get_config(ck->m);
    const int T = o->context > 0 ? o->context : c->block_size;
    memset(w, 0, sizeof *w);
    if (cap < 0) cap = fl_eval_default_windows(T);
    if (c->type == FL_MODEL_FTP && o->n_future && o->n_future != c->n_future)
        return fl_fail(err, FL_ERR_ARG, "--n-future %d: an FTP model predicts its own ftp.n_future = %d tokens; leave it out",
                       o->n_future, c->n_future);
    const char *dir = o->data_dir ? o->data_dir : ck->data_dir;
    if (!dir[0]) return fl_fail(err, FL_ERR_ARG, "%s/state.json does not name the data folder; pass --data DIR", ck->dir);
    fl_status st = fl_windows_load(dir, split, T, fl_eval_n_future(ck->m, o->n_future), cap, c->vocab_size, w, err);
    if (!st && r) {
        r->has_cover = 1;
        r->cover = (fl_window_cover){w->n, (long)w->available, w->T, (uint64_t)(w->n - 1) * w->T + w->len,
                                     w->stream_tokens};
    }
    return st;
}

fl_status fl_measure_windows(const fl_eval_ckpt *ck, const fl_measure_opts *o, fl_windows *w, fl_window_cover *cover,
                             fl_error *err) {
    fl_measure_result r;
    memset(&r, 0, sizeof r);
    fl_status st = load_windows(ck, o, "val", o->windows, w, &r, err);
    if (!st && cover) *cover = r.cover;
    return st;
}

static fl_status offsets(const fl_eval_ckpt *ck, const fl_measure_opts *o, fl_measure_result *r, fl_error *err) {
    fl_windows w, tw;
    memset(&tw, 0, sizeof tw);
    const int bow = o->offsets.bow_rows > 0;
    fl_status st = load_windows(ck, o, "val", o->windows, &w, r, err);
    if (st) return st;
    if (bow) st = load_windows(ck, o, "train", o->offsets.train_windows, &tw, NULL, err);
    if (!st) st = fl_eval_offsets(ck->m, &w, bow ? &tw : NULL, &o->offsets, &r->off, err);
    fl_windows_free(&w);
    fl_windows_free(&tw);
    return st;
}

/* Whether the run trained on countdown, from what it recorded (the tokenizer
 * identity state.json copies from the data manifest, fl_task_for_tokenizer):
 * a text run fails here with that reason, before any spec file is looked for.
 * A checkpoint that recorded no tokenizer cannot tell; fl_eval_countdown then
 * checks the vocabulary. */
static fl_status countdown_model(const fl_eval_ckpt *ck, fl_error *err) {
    if (ck->task == fl_task_find("countdown") || (!ck->task && !ck->tokenizer[0])) return FL_OK;
    if (ck->task)
        return fl_fail(err, FL_ERR_ARG, "%s is a %s model, not a countdown model (its run recorded the %s task's "
                       "vocabulary); eval countdown needs a model trained on `futurelm countdown generate` data",
                       ck->dir, ck->task->name, ck->task->name);
    return fl_fail(err, FL_ERR_ARG, "%s is a text model, not a countdown model (its run recorded the tokenizer %s); "
                   "eval countdown needs a model trained on `futurelm countdown generate` data",
                   ck->dir, ck->tokenizer);
}

static fl_status countdown(const fl_eval_ckpt *ck, const fl_measure_opts *o, fl_measure_result *r, fl_error *err) {
    fl_status st = countdown_model(ck, err);
    if (st) return st;
    const char *data = o->data_dir ? o->data_dir : ck->data_dir;
    char *path = NULL;
    if (o->specs) path = strdup(o->specs);
    else if (data[0]) path = fl_path_join(data, "test_specs.txt");
    else return fl_fail(err, FL_ERR_ARG, "no spec file: pass --specs FILE (written by futurelm countdown generate)");
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_cd_example *specs = NULL;
    long n = 0;
    st = fl_cd_read_specs(path, &specs, &n, err);
    if (!st) st = fl_eval_countdown(ck->m, specs, n, &o->countdown, &r->cd, err);
    free(specs);
    free(path);
    return st;
}

/* Wraps the message already in err with a prefix and a suffix. */
static fl_status rewrap(fl_error *err, const char *pre, const char *post) {
    char msg[FL_ERROR_MSG_LEN];
    snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
    return fl_fail(err, err ? err->code : FL_ERR_ARG, "%s%s%s", pre, msg, post);
}

static fl_status coherence(const fl_eval_ckpt *ck, const fl_measure_opts *o, fl_measure_result *r, fl_error *err) {
    const fl_coherence_opts *co = &o->coherence;
    const int V = fl_model_get_config(ck->m)->vocab_size;
    /* Reject what the generator would refuse before loading data */
    fl_generator *probe_gen = NULL;
    fl_status st = fl_generator_create(ck->m, &co->gen, &probe_gen, err);
    if (st) return st;
    fl_generator_free(probe_gen);
    fl_tokenizer *tok = NULL;
    if ((st = fl_eval_ckpt_tokenizer(ck, o->tokenizer, &tok, err))) return st;
    fl_windows w;
    fl_idf *idf = NULL;
    fl_topic_clf *clf = NULL;
    st = load_windows(ck, o, "val", o->coherence_windows, &w, r, err);
    if (!st) st = fl_coherence_idf(o->data_dir ? o->data_dir : ck->data_dir, w.T, w.N, V, co, &idf, err);
    if (!st && strcmp(co->dataset, "none") && (st = fl_coherence_classifier(tok, w.T, V, co, &clf, err))) {
        char pre[96];
        snprintf(pre, sizeof pre, "topic classifier on %s: ", co->dataset);
        st = rewrap(err, pre, " (pass --dataset none to skip topic agreement)");
    }
    if (!st) st = fl_eval_coherence(ck->m, &w, fl_tokenizer_eot(tok), idf, clf, tok, co, &r->coh, err);
    r->has_clf = clf != NULL;
    fl_topic_clf_free(clf);
    fl_idf_free(idf);
    fl_windows_free(&w);
    fl_tokenizer_free(tok);
    return st;
}

fl_status fl_measure_run(const fl_eval_ckpt *ck, fl_measure_kind kind, const fl_measure_opts *o, fl_measure_result *r,
                         fl_error *err) {
    memset(r, 0, sizeof *r);
    r->kind = kind;
    fl_windows w;
    fl_tokenizer *tok = NULL;
    fl_status st;
    switch (kind) {
    case FL_MEASURE_PPL:
    case FL_MEASURE_SMOOTHNESS:
        if ((st = load_windows(ck, o, "val", o->windows, &w, r, err))) return st;
        if (kind == FL_MEASURE_PPL) st = fl_eval_ppl(ck->m, &w, o->B, &r->ppl, err);
        else st = fl_eval_smoothness(ck->m, &w, o->B, o->trace_window, &r->sm, err);
        fl_windows_free(&w);
        return st;
    case FL_MEASURE_OFFSETS: return offsets(ck, o, r, err);
    case FL_MEASURE_PROBE:
        r->dataset = o->probe.dataset;
        if ((st = fl_eval_ckpt_tokenizer(ck, o->tokenizer, &tok, err))) return st;
        st = fl_eval_probe(ck->m, tok, &o->probe, &r->probe, err);
        fl_tokenizer_free(tok);
        return st;
    case FL_MEASURE_COUNTDOWN: return countdown(ck, o, r, err);
    case FL_MEASURE_COHERENCE: return coherence(ck, o, r, err);
    }
    return fl_fail(err, FL_ERR_ARG, "unknown measure %d", (int)kind);
}

void fl_measure_result_free(fl_measure_result *r) {
    fl_smooth_result_free(&r->sm);
    fl_probe_eval_result_free(&r->probe);
}
