/* Fine-tuning controls (docs/training.md, "Fine-tuning"): which tensors train and at
 * what learning rate, from the train.freeze_layers, train.freeze_encoder,
 * train.reinit_top and train.layer_lr_decay keys.
 *
 * Conventions (one place; docs/training.md states them for users):
 *  - freeze_layers = k freezes encoder blocks 0..k-1 and, for k >= 1, the embeddings
 *    wte and wpe (the stack's bottom, so the backward stops at block k). wte is also
 *    the tied LM head, and the tied FTP decoder's input embedding: frozen with them.
 *  - freeze_encoder = 1 (FTP only) freezes every encoder tensor (embeddings, blocks,
 *    ln_f): the projection and the decoder train (and dec.wte when untied). A GPT has
 *    nothing outside its encoder but ln_f, so it is refused.
 *  - layer_lr_decay = d: encoder block l of L trains at lr x d^(L-1-l), wte and wpe at
 *    lr x d^L, ln_f, the projection and the decoder at lr.
 *  - reinit_top = m: a new run from --init-from redraws encoder blocks L-m..L-1 with
 *    the design.md init of train.seed after the copy; a resume never redraws.
 * A frozen tensor gets no gradient, no AdamW moment or weight update, and is left
 * out of the gradient norm and clipping. */
#ifndef FL_TRAIN_FREEZE_H
#define FL_TRAIN_FREEZE_H
#include <stdio.h>

#include "futurelm.h"
#include "train/train_config.h"

/* The learning-rate multiplier of tensor `name` (0: frozen) for a model of config mc. */
float fl_train_freeze_scale(const fl_model_config *mc, const fl_train_config *tc, const char *name);

/* Checks the keys against the model, redraws the top blocks when `init_from` (a new
 * run copied from a checkpoint), then sets the model's backward hooks and the
 * optimizer's per-tensor scales. `resumed`: the run continues a checkpoint. With
 * anything to say, one line goes to log (may be NULL). Allocates only here. */
fl_status fl_train_freeze_setup(fl_model *m, fl_adamw *o, const fl_train_config *tc, int init_from, int resumed,
                                FILE *log, fl_error *err);

/* optimizer.c: a tensor's lr multiplier (0 freezes it; every tensor starts at 1), and
 * global-norm clipping over the tensors whose multiplier is not 0 (o NULL: all). */
void fl_train_adamw_set_scale(fl_adamw *o, int tensor, float scale);
float fl_train_adamw_scale(const fl_adamw *o, int tensor);
float fl_train_clip_trainable(fl_model *m, const fl_adamw *o, float max_norm);
/* The same in two parts, for a step that folds the clipping into AdamW (one pass over
 * the gradients fewer; the same bits as clip-then-step): the norm over those tensors,
 * the coefficient that clips it to max_norm (1 when it needs none, max_norm <= 0 or a
 * non-finite norm), and AdamW on gradient * gscale. zero_grads: AdamW also zeroes each
 * gradient it reads (the next step's fl_model_zero_grad, without a pass of its own);
 * it returns 1 when every gradient of the model is then zero (no frozen tensor was
 * skipped), so the caller may leave the next fl_model_zero_grad out. */
float fl_train_grad_norm(fl_model *m, const fl_adamw *o);
float fl_train_clip_coef(float norm, float max_norm);
int fl_train_adamw_step_scaled(fl_adamw *o, fl_model *m, const fl_adamw_config *c, float gscale, int zero_grads);
#endif
