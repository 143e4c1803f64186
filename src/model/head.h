/* The tied language-model head, logits = x · wteᵀ over the padded vocabulary
 * (Vp = V rounded up to 64 columns; wte's Vp - V padding rows are zero and
 * belong to no token). One owner for every path from hidden rows to logits or
 * losses: training's chunked head with its fused cross-entropy (fli_lm_head,
 * model.h), fl_model_next_logits, evaluation's per-position losses, and the
 * generation session (whose product is the packed, batch-invariant one of
 * linear_packed.c, but whose padding follows the rule here). */
#ifndef FL_MODEL_HEAD_H
#define FL_MODEL_HEAD_H
#include <stdint.h>

#include "futurelm.h"

/* logits [n, Vp] = x [n, C] · wteᵀ (fl_sgemm), with the padding columns -inf,
 * ready for a softmax or a sampler. Reads the model's own wte, so a
 * checkpoint's head and its hidden states always agree. */
void fl_head_logits(const fl_model *m, const float *x, int n, float *logits);

/* Columns V..Vp-1 of n rows (Vp apart) to -inf: no token, so no probability. */
void fl_head_mask_padding(float *logits, int n, int V, int Vp);

/* -log softmax(z)[y] over the real vocabulary z[0..V) alone, the exponentials
 * summed in double (evaluation's precision; training's cross-entropy kernel
 * is the vectorised float form of the same quantity). */
float fl_head_nll(const float *z, int V, int32_t y);
#endif
