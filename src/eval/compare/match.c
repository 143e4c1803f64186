/* Checkpoint matching for `futurelm compare`: a run's training curves and the
 * checkpoint of each run closest to a shared validation loss. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/run_dir.h"
#include "ckpt/run_state.h"
#include "eval/compare/match.h"
#include "train/train_config.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

static fl_status curve_push(fl_curve *c, long step, double v, int *cap, fl_error *err) {
    if (c->n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        long *s = realloc(c->step, (size_t)*cap * sizeof *s);
        if (s) c->step = s;
        double *x = realloc(c->value, (size_t)*cap * sizeof *x);
        if (x) c->value = x;
        if (!s || !x) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    c->step[c->n] = step;
    c->value[c->n++] = v;
    return FL_OK;
}

fl_status fl_run_metrics_read(const char *run_dir, fl_run_metrics *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    char *path = fl_path_join(run_dir, "metrics.jsonl");
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    FILE *f = fopen(path, "r");
    if (!f) {
        fl_status st = fl_fail(err, FL_ERR_IO, "cannot open %s: is %s a run directory written by futurelm train?", path,
                               run_dir);
        free(path);
        return st;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int cap_t = 0, cap_v = 0;
    fl_status st = FL_OK;
    while (!st && (len = getline(&line, &cap, f)) > 0) {
        fl_json_doc *doc = fl_json_parse(line, (size_t)len, NULL, 0);
        if (!doc) continue; /* a line cut by a crash is not worth failing the report */
        const fl_json *root = fl_json_root(doc), *s = fl_json_get(root, "step");
        const fl_json *val = fl_json_get(root, "val_next_token_loss"), *tr = fl_json_get(root, "next_token_loss");
        int64_t step;
        if (s && !fl_json_int64(s, &step)) {
            if (val && val->type == FL_JSON_NUMBER) st = curve_push(&r->val, (long)step, val->num, &cap_v, err);
            else if (tr && tr->type == FL_JSON_NUMBER) st = curve_push(&r->train, (long)step, tr->num, &cap_t, err);
        }
        fl_json_free(doc);
    }
    free(line);
    fclose(f);
    if (!st && r->val.n == 0)
        st = fl_fail(err, FL_ERR_FORMAT,
                     "%s has no validation loss lines (val_next_token_loss); train with train.eval_every > 0", path);
    free(path);
    if (st) fl_run_metrics_free(r);
    return st;
}

void fl_run_metrics_free(fl_run_metrics *r) {
    free(r->train.step), free(r->train.value), free(r->val.step), free(r->val.value);
    memset(r, 0, sizeof *r);
}

/* The validation loss logged at a step (the last such line: a resumed run may repeat a step). */
static int val_at(const fl_run_metrics *mt, long step, double *v) {
    int found = 0;
    for (int i = 0; i < mt->val.n; i++)
        if (mt->val.step[i] == step) *v = mt->val.value[i], found = 1;
    return found;
}

/* Calls fn for every RUN/step_N checkpoint that has a logged validation loss. */
typedef fl_status (*ckpt_fn)(void *ctx, const char *name, long step, double loss, fl_error *err);
/* Checkpoints come from the ckpt module's run-folder listing (one rule for what a
 * checkpoint's name is, oldest first); pick_one breaks ties by step itself. */
static fl_status each_ckpt(const char *run_dir, const fl_run_metrics *mt, ckpt_fn fn, void *ctx, fl_error *err) {
    fl_ckpt_list l;
    fl_status st = fl_ckpt_list_run(run_dir, &l, err);
    if (st) return st;
    int usable = 0;
    for (int i = 0; i < l.n && !st; i++) {
        double v;
        if (!val_at(mt, l.at[i].step, &v)) continue;
        usable++;
        st = fn(ctx, l.at[i].name, l.at[i].step, v, err);
    }
    const int seen = l.n;
    fl_ckpt_list_free(&l);
    if (!st && !usable)
        st = fl_fail(err, FL_ERR_ARG,
                     "%s has %d checkpoints (step_*) but none at a step with a logged validation loss; train with "
                     "train.ckpt_every a multiple of train.eval_every",
                     run_dir, seen);
    return st;
}

typedef struct {
    double target, best_d;
    fl_ckpt_pick *out;
    const char *run;
} pick_ctx;
static fl_status pick_one(void *ctx, const char *name, long step, double loss, fl_error *err) {
    pick_ctx *p = ctx;
    double d = fabs(loss - p->target);
    if (d < p->best_d || (d == p->best_d && step > p->out->step)) {
        char *dir = fl_path_join(p->run, name);
        if (!dir) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
        free(p->out->dir);
        p->best_d = d;
        p->out->dir = dir;
        p->out->step = step;
        p->out->val_loss = loss;
    }
    return FL_OK;
}

fl_status fl_pick_checkpoint(const char *run_dir, const fl_run_metrics *mt, double target, fl_ckpt_pick *out,
                             fl_error *err) {
    memset(out, 0, sizeof *out);
    out->step = -1;
    pick_ctx p = {target, INFINITY, out, run_dir};
    fl_status st = each_ckpt(run_dir, mt, pick_one, &p, err);
    if (st) fl_ckpt_pick_free(out);
    return st;
}

void fl_ckpt_pick_free(fl_ckpt_pick *p) {
    free(p->dir);
    p->dir = NULL;
}

static fl_status min_one(void *ctx, const char *name, long step, double loss, fl_error *err) {
    (void)name, (void)step, (void)err;
    double *m = ctx;
    if (loss < *m) *m = loss;
    return FL_OK;
}

fl_status fl_best_checkpoint_loss(const char *run, const fl_run_metrics *mt, double *best, fl_error *err) {
    *best = INFINITY;
    return each_ckpt(run, mt, min_one, best, err);
}

fl_status fl_default_target(const char *run_a, const fl_run_metrics *a, const char *run_b, const fl_run_metrics *b,
                            double *target, fl_error *err) {
    double ma, mb;
    fl_status st = fl_best_checkpoint_loss(run_a, a, &ma, err);
    if (!st) st = fl_best_checkpoint_loss(run_b, b, &mb, err);
    if (!st) *target = ma > mb ? ma : mb;
    return st;
}

double fl_ckpt_train_flops(const char *dir, const fl_model_config *c, long step) {
    fl_run_state rs;
    fl_run_state_init(&rs);
    fl_error err;
    fl_train_config tc;
    fl_train_config_default(&tc);
    /* a run records every train.* setting; a checkpoint from `futurelm init` none */
    int known = fl_run_state_read(dir, &rs, &err) == FL_OK && rs.n_train > 0 &&
                fl_train_config_apply(&tc, &rs, &err) == FL_OK;
    fl_run_state_clear(&rs);
    if (!known || step < 0) return NAN;
    return (double)step * tc.grad_accum * fl_model_train_flops(c, tc.batch_size, c->block_size);
}
