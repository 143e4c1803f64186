/* AdamW state and global-norm clipping over a model's single gradient buffer,
 * with a learning-rate scale per tensor for fine-tuning (train/freeze.h). */
#include <math.h>
#include <stdlib.h>

#include "futurelm.h"
#include "kernels/kernels.h"
#include "train/freeze.h"
#include "util/error.h"
#include "util/mem.h"

struct fl_adamw {
    float *m, *v; /* laid out like the parameter buffer */
    size_t n;
    long t;       /* steps taken */
    float *scale; /* [tensors] lr multiplier; 0: frozen (no moment or parameter update) */
    int n_tensors;
};

void fl_adamw_config_default(fl_adamw_config *c) {
    c->lr = 6e-4f;
    c->beta1 = 0.9f;
    c->beta2 = 0.95f;
    c->eps = 1e-8f;
    c->weight_decay = 0.1f;
}

fl_status fl_adamw_create(const fl_model *model, fl_adamw **out, fl_error *err) {
    *out = NULL;
    fl_adamw *o = calloc(1, sizeof *o);
    if (!o) return fl_fail(err, FL_ERR_NOMEM, "out of memory for the optimizer");
    /* sized to the whole buffer (padding between tensors included), so the
     * update is one flat loop per tensor at the tensor's own offset */
    const fl_tensor *last = fl_model_tensor(model, fl_model_num_tensors(model) - 1);
    o->n = (size_t)(last->data - fl_model_params((fl_model *)model)) + last->numel;
    o->m = fl_alloc(o->n, sizeof(float));
    o->v = fl_alloc(o->n, sizeof(float));
    o->n_tensors = fl_model_num_tensors(model);
    o->scale = malloc((size_t)o->n_tensors * sizeof *o->scale);
    if (o->scale)
        for (int i = 0; i < o->n_tensors; i++) o->scale[i] = 1.0f;
    if (!o->m || !o->v || !o->scale) {
        size_t n = o->n;
        fl_adamw_free(o);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory for AdamW moments (%zu parameters)", n);
    }
    *out = o;
    return FL_OK;
}

void fl_adamw_free(fl_adamw *o) {
    if (!o) return;
    fl_free(o->m);
    fl_free(o->v);
    free(o->scale);
    free(o);
}

int fl_train_adamw_step_scaled(fl_adamw *o, fl_model *model, const fl_adamw_config *c, float gscale, int zero_grads) {
    o->t++;
    float *base = fl_model_params(model);
    int all_zeroed = zero_grads;
    for (int i = 0; i < fl_model_num_tensors(model); i++) {
        const fl_tensor *t = fl_model_tensor(model, i);
        size_t off = (size_t)(t->data - base);
        /* a frozen tensor keeps its weights and moments bit for bit (and its
         * gradient is not touched); a scale of 1 multiplies exactly, so an
         * unscaled run computes what it always did */
        if (o->scale[i] == 0.0f) {
            all_zeroed = 0;
            continue;
        }
        fli_adamw_update(t->data, t->grad, gscale, zero_grads, o->m + off, o->v + off, t->numel, c->lr * o->scale[i],
                         c->beta1, c->beta2, c->eps, t->decay ? c->weight_decay : 0.0f, o->t);
    }
    return all_zeroed;
}

void fl_adamw_step(fl_adamw *o, fl_model *model, const fl_adamw_config *c) {
    fl_train_adamw_step_scaled(o, model, c, 1.0f, 0);
}

long fl_adamw_steps_taken(const fl_adamw *o) { return o->t; }
void fl_adamw_set_steps(fl_adamw *o, long steps) { o->t = steps; }
float *fl_adamw_m(fl_adamw *o) { return o->m; }
float *fl_adamw_v(fl_adamw *o) { return o->v; }

void fl_train_adamw_set_scale(fl_adamw *o, int tensor, float scale) {
    if (tensor >= 0 && tensor < o->n_tensors) o->scale[tensor] = scale;
}
float fl_train_adamw_scale(const fl_adamw *o, int tensor) {
    return tensor >= 0 && tensor < o->n_tensors ? o->scale[tensor] : 0.0f;
}

/* The norm and the clipping skip frozen tensors (scale 0): their gradients are
 * never computed and stay 0, so the norm is the trainable parameters' either way,
 * but a frozen tensor is then not even read. */
float fl_train_grad_norm(fl_model *model, const fl_adamw *o) {
    double ss = 0.0;
    for (int i = 0; i < fl_model_num_tensors(model); i++) {
        const fl_tensor *t = fl_model_tensor(model, i);
        if (!o || o->scale[i] != 0.0f) ss += fli_sum_of_squares(t->grad, t->numel);
    }
    return (float)sqrt(ss);
}

float fl_train_clip_coef(float norm, float max_norm) {
    if (!(max_norm > 0.0f) || !isfinite(norm)) return 1.0f;
    float coef = max_norm / (norm + 1e-6f);
    return coef < 1.0f ? coef : 1.0f;
}

float fl_train_clip_trainable(fl_model *model, const fl_adamw *o, float max_norm) {
    float norm = fl_train_grad_norm(model, o), coef = fl_train_clip_coef(norm, max_norm);
    if (coef < 1.0f)
        for (int i = 0; i < fl_model_num_tensors(model); i++) {
            const fl_tensor *t = fl_model_tensor(model, i);
            if (!o || o->scale[i] != 0.0f) fli_scale_inplace(t->grad, t->numel, coef);
        }
    return norm;
}

float fl_clip_grad_norm(fl_model *model, float max_norm) { return fl_train_clip_trainable(model, NULL, max_norm); }
