/* Checkpoints for evaluation: the model, and what the run's state.json says
 * about its data and tokenizer (read through the one run-state reader). */
#include <stdlib.h>
#include <string.h>

#include "ckpt/checkpoint.h"
#include "ckpt/run_dir.h"
#include "eval/measures/checkpoint.h"
#include "util/error.h"

/* A recorded path as found by the ckpt module's rule (relative to the run
 * folder, or as recorded from here; never searched for upwards), or "" when
 * nothing was recorded. NULL only when memory runs out. */
static char *found(const char *dir, const char *recorded) {
    return recorded ? fl_ckpt_find_recorded(dir, recorded) : strdup("");
}

/* state.json is optional (a hand-made checkpoint may have none): without it the
 * caller must say where the data and the tokenizer are. A state.json that is
 * there but broken is an error, not silently an empty record. */
fl_status fl_eval_ckpt_open(const char *path, fl_eval_ckpt *c, fl_error *err) {
    memset(c, 0, sizeof *c);
    c->step = -1;
    if (!(c->dir = fl_checkpoint_resolve(path))) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_run_state rs;
    fl_run_state_init(&rs);
    fl_status st = fl_checkpoint_load(c->dir, &c->m, &rs, err);
    if (!st) {
        c->data_dir = found(c->dir, rs.data_dir);
        c->tokenizer = found(c->dir, rs.tokenizer);
        if (!c->data_dir || !c->tokenizer) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    if (!st && (rs.tokenizer || rs.tokenizer_sha256[0])) /* the digest alone names a task too */
        c->task = fl_task_for_tokenizer(rs.tokenizer ? rs.tokenizer : "", rs.tokenizer_sha256[0] ? rs.tokenizer_sha256 : NULL);
    if (!st) c->step = rs.step;
    fl_run_state_clear(&rs);
    if (st) fl_eval_ckpt_close(c);
    return st;
}

void fl_eval_ckpt_close(fl_eval_ckpt *c) {
    fl_model_free(c->m);
    free(c->dir), free(c->data_dir), free(c->tokenizer);
    c->m = NULL;
    c->dir = c->data_dir = c->tokenizer = NULL;
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

