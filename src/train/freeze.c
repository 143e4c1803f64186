/* Fine-tuning controls: per-tensor learning-rate scales, the model's backward
 * hooks, and the redraw of the top blocks (conventions in freeze.h). */
#include "train/freeze.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "util/error.h"

/* The encoder block a tensor belongs to ("h.<l>.<...>"), or -1. */
static int block_of(const char *name) {
    if (strncmp(name, "h.", 2) || name[2] < '0' || name[2] > '9') return -1;
    char *end;
    long l = strtol(name + 2, &end, 10);
    return *end == '.' && l < 1 << 20 ? (int)l : -1;
}

float fl_train_freeze_scale(const fl_model_config *mc, const fl_train_config *tc, const char *name) {
    const int L = mc->n_layer, enc = tc->freeze_encoder, k = enc ? L : tc->freeze_layers;
    const double d = tc->layer_lr_decay;
    if (!strcmp(name, "wte") || !strcmp(name, "wpe")) return k > 0 ? 0.0f : (float)pow(d, L);
    int l = block_of(name);
    if (l >= 0) return l < k ? 0.0f : (float)pow(d, L - 1 - l);
    if (!strncmp(name, "ln_f.", 5)) return enc ? 0.0f : 1.0f;
    return 1.0f; /* the FTP projection and decoder (dec.wte included when untied) */
}

static fl_status check(const fl_model_config *mc, const fl_train_config *tc, int init_from, int resumed,
                       fl_error *err) {
    const int L = mc->n_layer, k = tc->freeze_layers, r = tc->reinit_top;
    if (k > L)
        return fl_fail(err, FL_ERR_CONFIG, "train.freeze_layers=%d is more than the model's %d encoder blocks "
                       "(model.n_layer); use 0..%d", k, L, L);
    if (tc->freeze_encoder && mc->type != FL_MODEL_FTP)
        return fl_fail(err, FL_ERR_CONFIG, "train.freeze_encoder=1 needs an FTP model (it trains the decoder); a GPT "
                       "has only ln_f outside its encoder: use train.freeze_layers=k to freeze its lowest k blocks");
    if (r > L)
        return fl_fail(err, FL_ERR_CONFIG, "train.reinit_top=%d is more than the model's %d encoder blocks "
                       "(model.n_layer)", r, L);
    if (r && !init_from && !resumed)
        return fl_fail(err, FL_ERR_CONFIG, "train.reinit_top=%d redraws blocks of a model copied with --init-from; "
                       "without --init-from every block is freshly drawn already", r);
    if (r && (tc->freeze_encoder || k + r > L))
        return fl_fail(err, FL_ERR_CONFIG, "train.reinit_top=%d with train.freeze_%s would freeze redrawn blocks at "
                       "their random values; freeze at most the lowest %d blocks", r,
                       tc->freeze_encoder ? "encoder=1" : "layers", L - r);
    return FL_OK;
}

/* Blocks L-r..L-1 get exactly what a new run of train.seed draws for them. */
static fl_status redraw_top(fl_model *m, const fl_train_config *tc, fl_error *err) {
    const int L = fl_model_get_config(m)->n_layer;
    fl_model *fresh;
    fl_status st = fl_model_create(fl_model_get_config(m), &fresh, err);
    if (st) return st;
    fl_model_init_weights(fresh, (uint64_t)tc->seed);
    for (int i = 0; i < fl_model_num_tensors(m); i++) { /* one config: one table, same order */
        const fl_tensor *t = fl_model_tensor(m, i);
        if (block_of(t->name) >= L - tc->reinit_top)
            memcpy(t->data, fl_model_tensor(fresh, i)->data, t->numel * sizeof(float));
    }
    fl_model_free(fresh);
    return FL_OK;
}

fl_status fl_train_freeze_setup(fl_model *m, fl_adamw *o, const fl_train_config *tc, int init_from, int resumed,
                                FILE *log, fl_error *err) {
    const fl_model_config *mc = fl_model_get_config(m);
    const int L = mc->n_layer;
    fl_status st = check(mc, tc, init_from, resumed, err);
    if (!st && tc->reinit_top && init_from && !resumed) st = redraw_top(m, tc, err);
    if (st) return st;
    size_t trainable = 0;
    for (int i = 0; i < fl_model_num_tensors(m); i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        float s = fl_train_freeze_scale(mc, tc, t->name);
        fl_train_adamw_set_scale(o, i, s);
        if (s != 0.0f) trainable += t->numel;
    }
    fli_model_set_frozen(m, tc->freeze_encoder ? L : tc->freeze_layers, tc->freeze_encoder);
    if (log && (tc->freeze_layers || tc->freeze_encoder || tc->reinit_top || tc->layer_lr_decay != 1.0f)) {
        fprintf(log, "fine-tuning: %zu of %zu parameters train", trainable, fl_model_num_params(m));
        if (tc->freeze_encoder) fprintf(log, "; frozen: the encoder");
        else if (tc->freeze_layers)
            fprintf(log, "; frozen: wte, wpe and encoder blocks 0..%d", tc->freeze_layers - 1);
        if (tc->layer_lr_decay != 1.0f) fprintf(log, "; lr x %g per block down", (double)tc->layer_lr_decay);
        if (tc->reinit_top)
            fprintf(log, "; blocks %d..%d %s", L - tc->reinit_top, L - 1,
                    resumed ? "were redrawn at the start" : "redrawn");
        fprintf(log, "\n");
    }
    return FL_OK;
}
