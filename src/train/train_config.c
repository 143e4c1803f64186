#include "train/train_config.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/suggest.h"

void fl_train_config_default(fl_train_config *c) {
    memset(c, 0, sizeof *c);
    c->batch_size = 8;
    c->grad_accum = 1;
    c->lr = 6e-4f;
    c->min_lr = 6e-5f;
    c->warmup_steps = 100;
    c->max_steps = 1000;
    c->weight_decay = 0.1f;
    c->beta1 = 0.9f;
    c->beta2 = 0.95f;
    c->grad_clip = 1.0f;
    c->eval_every = 100;
    c->eval_batches = 20;
    c->ckpt_every = 500;
    c->keep_last = 3;
    c->seed = 1337;
    c->threads = 0;
    c->max_nonfinite = 5;
    c->loss_after = -1;
    c->layer_lr_decay = 1.0f;
}

typedef struct {
    const char *key;
    size_t off;
    char kind; /* i int, f float, l long long */
} key_def;

static const key_def KEYS[] = {
    {"train.batch_size", offsetof(fl_train_config, batch_size), 'i'},
    {"train.grad_accum", offsetof(fl_train_config, grad_accum), 'i'},
    {"train.lr", offsetof(fl_train_config, lr), 'f'},
    {"train.min_lr", offsetof(fl_train_config, min_lr), 'f'},
    {"train.warmup_steps", offsetof(fl_train_config, warmup_steps), 'i'},
    {"train.max_steps", offsetof(fl_train_config, max_steps), 'i'},
    {"train.weight_decay", offsetof(fl_train_config, weight_decay), 'f'},
    {"train.beta1", offsetof(fl_train_config, beta1), 'f'},
    {"train.beta2", offsetof(fl_train_config, beta2), 'f'},
    {"train.grad_clip", offsetof(fl_train_config, grad_clip), 'f'},
    {"train.eval_every", offsetof(fl_train_config, eval_every), 'i'},
    {"train.eval_batches", offsetof(fl_train_config, eval_batches), 'i'},
    {"train.ckpt_every", offsetof(fl_train_config, ckpt_every), 'i'},
    {"train.keep_last", offsetof(fl_train_config, keep_last), 'i'},
    {"train.seed", offsetof(fl_train_config, seed), 'l'},
    {"train.threads", offsetof(fl_train_config, threads), 'i'},
    {"train.max_nonfinite", offsetof(fl_train_config, max_nonfinite), 'i'},
    {"train.loss_after", offsetof(fl_train_config, loss_after), 'i'},
    {"train.freeze_layers", offsetof(fl_train_config, freeze_layers), 'i'},
    {"train.freeze_encoder", offsetof(fl_train_config, freeze_encoder), 'i'},
    {"train.reinit_top", offsetof(fl_train_config, reinit_top), 'i'},
    {"train.layer_lr_decay", offsetof(fl_train_config, layer_lr_decay), 'f'},
};

fl_status fl_train_config_set(fl_train_config *c, const char *key, const char *value, fl_error *err) {
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        if (strcmp(key, KEYS[i].key)) continue;
        char *end;
        errno = 0;
        void *dst = (char *)c + KEYS[i].off;
        /* strtod and strtoll skip leading spaces: "train.lr= 1e-3" is a typo, not a value */
        if (!value[0] || isspace((unsigned char)value[0]))
            return fl_fail(err, FL_ERR_CONFIG, "%s: '%s' is not a %s (no spaces around the value)", key, value,
                           KEYS[i].kind == 'f' ? "number" : "integer");
        if (KEYS[i].kind == 'f') {
            double v = strtod(value, &end);
            /* checked against float's range before the cast, which would give inf */
            if (errno || end == value || *end || !isfinite(v) || fabs(v) > FLT_MAX)
                return fl_fail(err, FL_ERR_CONFIG, "%s: '%s' is not a finite number in float's range (|x| <= %g)",
                               key, value, (double)FLT_MAX);
            *(float *)dst = (float)v;
        } else {
            long long v = strtoll(value, &end, 10);
            if (errno || end == value || *end || (KEYS[i].kind == 'i' && (v < -2147483647LL || v > 2147483647LL)))
                return fl_fail(err, FL_ERR_CONFIG, "%s: '%s' is not an integer", key, value);
            if (KEYS[i].kind == 'i') *(int *)dst = (int)v;
            else *(long long *)dst = v;
        }
        return FL_OK;
    }
    const char *names[sizeof KEYS / sizeof KEYS[0]];
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) names[i] = KEYS[i].key;
    const char *near = fl_nearest(key, names, sizeof names / sizeof names[0]);
    if (near) return fl_fail(err, FL_ERR_CONFIG, "unknown key '%s'; did you mean '%s'?", key, near);
    return fl_fail(err, FL_ERR_CONFIG, "unknown training key '%s' (see docs/training.md for the train.* keys)", key);
}

#define REQUIRE(cond, ...)                                                                                           \
    do {                                                                                                             \
        if (!(cond)) return fl_fail(err, FL_ERR_CONFIG, __VA_ARGS__);                                                \
    } while (0)

fl_status fl_train_config_validate(const fl_train_config *c, fl_error *err) {
    REQUIRE(c->batch_size >= 1, "train.batch_size must be >= 1");
    REQUIRE(c->grad_accum >= 1, "train.grad_accum must be >= 1");
    REQUIRE(c->lr > 0, "train.lr must be > 0");
    REQUIRE(c->min_lr >= 0 && c->min_lr <= c->lr, "train.min_lr must be in 0..train.lr");
    REQUIRE(c->warmup_steps >= 0, "train.warmup_steps must be >= 0");
    REQUIRE(c->max_steps >= 1, "train.max_steps must be >= 1");
    REQUIRE(c->weight_decay >= 0, "train.weight_decay must be >= 0");
    REQUIRE(c->beta1 >= 0 && c->beta1 < 1, "train.beta1 must be in [0, 1)");
    REQUIRE(c->beta2 >= 0 && c->beta2 < 1, "train.beta2 must be in [0, 1)");
    REQUIRE(c->grad_clip >= 0, "train.grad_clip must be >= 0 (0 turns clipping off)");
    REQUIRE(c->eval_every >= 0 && c->eval_batches >= 1, "train.eval_every must be >= 0 and train.eval_batches >= 1");
    REQUIRE(c->ckpt_every >= 0, "train.ckpt_every must be >= 0 (0: only at the end)");
    REQUIRE(c->keep_last >= 1, "train.keep_last must be >= 1");
    REQUIRE(c->threads >= 0, "train.threads must be >= 0 (0: all cores)");
    REQUIRE(c->max_nonfinite >= 1, "train.max_nonfinite must be >= 1");
    REQUIRE(c->loss_after >= -1, "train.loss_after must be -1 (off) or a token id");
    /* the model-dependent checks (k <= model.n_layer, ...) are fl_train_freeze_setup's */
    REQUIRE(c->freeze_layers >= 0, "train.freeze_layers must be >= 0 (the lowest k encoder blocks; 0: off)");
    REQUIRE(c->freeze_encoder == 0 || c->freeze_encoder == 1, "train.freeze_encoder must be 0 or 1");
    REQUIRE(c->reinit_top >= 0, "train.reinit_top must be >= 0 (the top m encoder blocks; 0: off)");
    REQUIRE(c->layer_lr_decay > 0 && c->layer_lr_decay <= 1,
            "train.layer_lr_decay must be in (0, 1] (1: off; e.g. 0.8 gives the block below the top 0.8 x train.lr)");
    return FL_OK;
}

fl_status fl_train_config_record(const fl_train_config *c, fl_run_state *s, fl_error *err) {
    fl_status st = FL_OK;
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0] && !st; i++) {
        const void *src = (const char *)c + KEYS[i].off;
        char v[40];
        if (KEYS[i].kind == 'f') snprintf(v, sizeof v, "%.9g", (double)*(const float *)src);
        else if (KEYS[i].kind == 'i') snprintf(v, sizeof v, "%d", *(const int *)src);
        else snprintf(v, sizeof v, "%lld", *(const long long *)src);
        st = fl_run_state_add_setting(s, KEYS[i].key, v, err);
    }
    return st;
}

fl_status fl_train_config_apply(fl_train_config *c, const fl_run_state *s, fl_error *err) {
    fl_status st = FL_OK;
    for (int i = 0; i < s->n_train && !st; i++) st = fl_train_config_set(c, s->train[i].key, s->train[i].value, err);
    return st;
}

float fl_train_lr(const fl_train_config *c, int step) {
    if (step < c->warmup_steps) return c->lr * (float)(step + 1) / (float)c->warmup_steps;
    if (c->max_steps <= c->warmup_steps) return c->lr;
    double progress = (double)(step - c->warmup_steps) / (double)(c->max_steps - c->warmup_steps);
    if (progress > 1) progress = 1;
    return (float)(c->min_lr + 0.5 * (c->lr - c->min_lr) * (1.0 + cos(3.14159265358979323846 * progress)));
}
