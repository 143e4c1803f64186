/* train.* configuration keys (docs/design.md 3): defaults, parsing, validation, JSON. */
#ifndef FL_TRAIN_CONFIG_H
#define FL_TRAIN_CONFIG_H
#include <stdint.h>
#include <stdio.h>

#include "futurelm.h"

typedef struct {
    int batch_size, grad_accum;
    float lr, min_lr;
    int warmup_steps, max_steps;
    float weight_decay, beta1, beta2, grad_clip;
    int eval_every, eval_batches, ckpt_every, keep_last;
    long long seed;
    int threads;       /* 0: OpenMP's default */
    int max_nonfinite; /* stop after this many non-finite steps in a row */
    int loss_after;    /* token id: the loss counts only targets after it in their document; -1 off */
    /* fine-tuning controls (train/freeze.h) */
    int freeze_layers;    /* the lowest k encoder blocks and, when k >= 1, the embeddings are frozen */
    int freeze_encoder;   /* 1: only the FTP head (projection, decoder) trains */
    int reinit_top;       /* a --init-from run redraws its top m encoder blocks */
    float layer_lr_decay; /* block l of L: lr x decay^(L-1-l), embeddings decay^L, the rest 1 */
} fl_train_config;

void fl_train_config_default(fl_train_config *c);
fl_status fl_train_config_set(fl_train_config *c, const char *key, const char *value, fl_error *err);
fl_status fl_train_config_validate(const fl_train_config *c, fl_error *err);
/* Appends every train.* key with its value as text to a run state (state.json's
 * "train" part): floats with 9 significant digits, so they read back exactly. */
fl_status fl_train_config_record(const fl_train_config *c, fl_run_state *s, fl_error *err);
/* Sets every train.* setting a run state recorded (a resume). */
fl_status fl_train_config_apply(fl_train_config *c, const fl_run_state *s, fl_error *err);
/* Learning rate at 0-based step: linear warmup, then cosine decay to min_lr at max_steps. */
float fl_train_lr(const fl_train_config *c, int step);
#endif
