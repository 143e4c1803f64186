/* Checkpoints for evaluation: the model, and what the run's state.json says
 * about its data and tokenizer. The ckpt module's run-state API is to replace
 * eval_read_state below. */
#include <stdlib.h>
#include <string.h>

#include "eval/measures/checkpoint.h"
#include "train/checkpoint.h"
#include "util/error.h"
#include "util/json.h"

/* Everything eval reads from DIR/state.json: the data folder and tokenizer
 * (recorded relative to where training ran; found from here or above the
 * checkpoint), the step, and the task the tokenizer identity names. state.json
 * is optional (fl_model checkpoints written by `init` have one too, but
 * hand-made ones may not): without it the caller must say where the data and
 * the tokenizer are. */
static void eval_read_state(fl_eval_ckpt *c) {
    char *state = NULL;
    fl_error ignore;
    if (ckpt_read_state(c->dir, &state, &ignore) != FL_OK) return;
    fl_json_doc *doc = fl_json_parse(state, strlen(state), NULL, 0);
    const fl_json *root = doc ? fl_json_root(doc) : NULL, *tok = fl_json_get(root, "tokenizer");
    const fl_json *d = fl_json_get(root, "data_dir"), *t = fl_json_get(tok, "path"), *h = fl_json_get(tok, "sha256");
    const fl_json *s = fl_json_get(root, "step");
    if (d && d->type == FL_JSON_STRING) ckpt_find_recorded(c->dir, d->str, c->data_dir, sizeof c->data_dir);
    if (t && t->type == FL_JSON_STRING) {
        ckpt_find_recorded(c->dir, t->str, c->tokenizer, sizeof c->tokenizer);
        c->task = fl_task_for_tokenizer(t->str, h && h->type == FL_JSON_STRING ? h->str : NULL);
    }
    int64_t v;
    if (s && !fl_json_int64(s, &v)) c->step = (long)v;
    fl_json_free(doc);
    free(state);
}

fl_status fl_eval_ckpt_open(const char *path, fl_eval_ckpt *c, fl_error *err) {
    memset(c, 0, sizeof *c);
    c->step = -1;
    ckpt_resolve(path, c->dir, sizeof c->dir);
    fl_status st = ckpt_load_model(c->dir, &c->m, err);
    if (st) return st;
    eval_read_state(c);
    return FL_OK;
}

void fl_eval_ckpt_close(fl_eval_ckpt *c) {
    fl_model_free(c->m);
    c->m = NULL;
}

fl_status fl_eval_ckpt_tokenizer(const fl_eval_ckpt *c, const char *override, fl_tokenizer **tok, fl_error *err) {
    const char *path = override && override[0] ? override : c->tokenizer;
    if (path == c->tokenizer && c->task)
        return fl_fail(err, FL_ERR_ARG,
                       "%s is a %s model (its run recorded the task's built-in vocabulary, not a tokenizer file); "
                       "this measure needs a text model",
                       c->dir, c->task->name);
    if (!path[0])
        return fl_fail(err, FL_ERR_ARG, "%s/state.json does not name a tokenizer; pass --tokenizer TOK", c->dir);
    fl_status st = fl_tokenizer_load(path, tok, err);
    if (st) return st;
    if (fl_tokenizer_vocab_size(*tok) > fl_model_get_config(c->m)->vocab_size) {
        int tv = fl_tokenizer_vocab_size(*tok);
        fl_tokenizer_free(*tok);
        *tok = NULL;
        return fl_fail(err, FL_ERR_ARG, "the tokenizer %s has %d tokens but the model in %s only %d", path, tv, c->dir,
                       fl_model_get_config(c->m)->vocab_size);
    }
    return FL_OK;
}

