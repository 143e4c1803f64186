/* Fine-tuning controls at the model and optimizer level (train/freeze.h):
 * - the learning-rate multipliers of the documented convention, by tensor name;
 * - over 20 AdamW steps, every frozen tensor's gradient stays exactly 0 and its
 *   weights and moments bit for bit as they were, and every trainable one moves;
 * - the hooks only skip work: a frozen model's first-step gradients of its trainable
 *   tensors are, bit for bit, those of the same model with nothing frozen;
 * - train.reinit_top redraws exactly the top blocks with train.seed's init after an
 *   --init-from copy, and a resume redraws nothing;
 * - the model-dependent refusals.
 * The parity of the trained tensors with PyTorch is tests/test_freeze.sh's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "futurelm.h"
#include "train/freeze.h"
#include "train/train_config.h"

enum { B = 2, T = 12, V = 90 };

static fl_model_config small(fl_model_type type, int tied) {
    fl_model_config c;
    fl_model_config_default(&c, type);
    c.vocab_size = V, c.block_size = T, c.n_layer = 3, c.n_head = 2, c.n_embd = 32;
    if (type == FL_MODEL_FTP)
        c.n_future = 3, c.pseudo_len = 2, c.dec_layers = 1, c.positions = 0, c.tie_dec_embd = tied;
    return c;
}

static fl_model *make(const fl_model_config *c, uint64_t seed) {
    fl_model *m;
    fl_error err;
    if (fl_model_create(c, &m, &err) || fl_model_reserve(m, B, T, &err)) {
        printf("not ok - model: %s\n", err.msg);
        exit(1);
    }
    fl_model_init_weights(m, seed);
    return m;
}

/* Batch s of a fixed pseudo-random token stream. */
static void batch(const fl_model *m, int s, int32_t *tok) {
    int n = B * fl_model_window_len(m, T);
    uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(s + 1);
    for (int i = 0; i < n; i++) x = x * 6364136223846793005ull + 1442695040888963407ull, tok[i] = (int)((x >> 33) % V);
}

static int zero_bits(const float *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, p + i, sizeof u);
        if (u) return 0;
    }
    return 1;
}

static size_t buffer_floats(fl_model *m) {
    const fl_tensor *last = fl_model_tensor(m, fl_model_num_tensors(m) - 1);
    return (size_t)(last->data - fl_model_params(m)) + last->numel;
}

static void scales(void) {
    fl_model_config c = small(FL_MODEL_FTP, 1);
    fl_train_config tc;
    fl_train_config_default(&tc);
    tc.layer_lr_decay = 0.5f;
    const char *names[6] = {"wte", "h.0.ln_1.weight", "h.1.mlp.c_fc.weight", "h.2.attn.c_attn.bias", "ln_f.weight",
                            "dec.h.0.ln_1.weight"};
    float got[6];
    for (int i = 0; i < 6; i++) got[i] = fl_train_freeze_scale(&c, &tc, names[i]);
    const float want[6] = {0.125f, 0.25f, 0.5f, 1.0f, 1.0f, 1.0f};
    check(!memcmp(got, want, sizeof got),
          "layer_lr_decay=0.5, L=3: wte 1/8, block 0 1/4, 1 1/2, 2 1, ln_f and decoder 1",
          "got %g %g %g %g %g %g", got[0], got[1], got[2], got[3], got[4], got[5]);
    tc.freeze_layers = 1;
    check(fl_train_freeze_scale(&c, &tc, "wpe") == 0 && fl_train_freeze_scale(&c, &tc, "h.0.attn.c_proj.weight") == 0 &&
              fl_train_freeze_scale(&c, &tc, "h.1.attn.c_proj.weight") == 0.5f,
          "freeze_layers=1 freezes the embeddings and block 0, not block 1", "differs");
    tc.freeze_layers = 0, tc.freeze_encoder = 1;
    check(fl_train_freeze_scale(&c, &tc, "ln_f.bias") == 0 && fl_train_freeze_scale(&c, &tc, "h.2.ln_2.bias") == 0 &&
              fl_train_freeze_scale(&c, &tc, "proj.weight") == 1 && fl_train_freeze_scale(&c, &tc, "dec.wte") == 1,
          "freeze_encoder freezes ln_f and every block; the projection and dec.wte train", "differs");
}

/* 20 steps of the trainer's sequence (zero, forward/backward, clip, AdamW) on a model
 * frozen by tc, next to the same model with nothing frozen for the first gradients. */
static void frozen_case(const char *what, const fl_model_config *c, const fl_train_config *tc) {
    fl_error err;
    fl_model *m = make(c, 11), *ref = make(c, 11);
    fl_adamw *o;
    if (fl_adamw_create(m, &o, &err) || fl_train_freeze_setup(m, o, tc, 0, 0, NULL, &err)) {
        check(0, what, "setup: %s", err.msg);
        return;
    }
    size_t n = buffer_floats(m);
    float *start = malloc(n * sizeof(float));
    memcpy(start, fl_model_params(m), n * sizeof(float));
    int32_t *tok = malloc(sizeof(int32_t) * B * fl_model_window_len(m, T));
    fl_adamw_config ac;
    fl_adamw_config_default(&ac);
    ac.lr = 3e-3f;
    int nt = fl_model_num_tensors(m), n_frozen = 0, same_grads = 1, bad_grad = 0, bad_state = 0, still = 0;
    for (int i = 0; i < nt; i++) n_frozen += fl_train_adamw_scale(o, i) == 0.0f;
    for (int s = 0; s < 20; s++) {
        fl_losses L;
        batch(m, s, tok);
        fl_model_zero_grad(m);
        if (fl_model_forward_backward(m, tok, B, T, &L, &err)) break;
        if (s == 0) {
            fl_model_zero_grad(ref);
            fl_model_forward_backward(ref, tok, B, T, &L, &err);
            for (int i = 0; i < nt; i++) {
                const fl_tensor *t = fl_model_tensor(m, i), *r = fl_model_tensor(ref, i);
                if (fl_train_adamw_scale(o, i) != 0.0f)
                    same_grads &= !memcmp(t->grad, r->grad, t->numel * sizeof(float));
            }
        }
        for (int i = 0; i < nt; i++) {
            const fl_tensor *t = fl_model_tensor(m, i);
            if (fl_train_adamw_scale(o, i) == 0.0f) bad_grad += !zero_bits(t->grad, t->numel);
        }
        fl_train_clip_trainable(m, o, 1.0f);
        fl_adamw_step(o, m, &ac);
        for (int i = 0; i < nt; i++) {
            const fl_tensor *t = fl_model_tensor(m, i);
            size_t off = (size_t)(t->data - fl_model_params(m));
            if (fl_train_adamw_scale(o, i) != 0.0f) continue;
            bad_state += memcmp(t->data, start + off, t->numel * sizeof(float)) != 0 ||
                         !zero_bits(fl_adamw_m(o) + off, t->numel) || !zero_bits(fl_adamw_v(o) + off, t->numel);
        }
    }
    for (int i = 0; i < nt; i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        size_t off = (size_t)(t->data - fl_model_params(m));
        if (fl_train_adamw_scale(o, i) != 0.0f) still += !memcmp(t->data, start + off, t->numel * sizeof(float));
    }
    char name[160];
    snprintf(name, sizeof name, "%s: %d frozen tensors: gradients exactly 0, weights and AdamW moments unchanged bit "
             "for bit over 20 steps; the %d others all moved", what, n_frozen, nt - n_frozen);
    check(n_frozen > 0 && !bad_grad && !bad_state && !still, name,
          "%d non-zero gradients, %d changed states, %d unmoved", bad_grad, bad_state, still);
    snprintf(name, sizeof name, "%s: the trainable tensors' gradients equal an unfrozen model's bit for bit", what);
    check(same_grads, name, "differ");
    free(tok);
    free(start);
    fl_adamw_free(o);
    fl_model_free(m);
    fl_model_free(ref);
}

static int same_tensor(fl_model *a, fl_model *b, int i) {
    const fl_tensor *x = fl_model_tensor(a, i), *y = fl_model_tensor(b, i);
    return !memcmp(x->data, y->data, x->numel * sizeof(float));
}

static void reinit(void) {
    fl_model_config c = small(FL_MODEL_GPT, 1);
    fl_error err;
    fl_train_config tc;
    fl_train_config_default(&tc);
    tc.seed = 5, tc.reinit_top = 1;
    for (int resumed = 0; resumed <= 1; resumed++) {
        fl_model *src = make(&c, 99), *m = make(&c, 5), *fresh = make(&c, 5);
        fl_model_copy_weights(m, src); /* what --init-from does */
        fl_adamw *o;
        fl_status st = fl_adamw_create(m, &o, &err);
        if (!st) st = fl_train_freeze_setup(m, o, &tc, 1, resumed, NULL, &err);
        int top_fresh = 1, rest_src = 1, n_top = 0;
        for (int i = 0; i < fl_model_num_tensors(m); i++) {
            int top = !strncmp(fl_model_tensor(m, i)->name, "h.2.", 4);
            n_top += top;
            if (top && !resumed) top_fresh &= same_tensor(m, fresh, i);
            else rest_src &= same_tensor(m, src, i);
        }
        if (!resumed)
            check(!st && n_top == 12 && top_fresh && rest_src,
                  "reinit_top=1 after --init-from: block 2's 12 tensors are train.seed's fresh init, the rest the "
                  "source's",
                  "%s top %d rest %d", st ? err.msg : "", top_fresh, rest_src);
        else
            check(!st && rest_src, "reinit_top=1 on a resume redraws nothing", "%s", st ? err.msg : "changed");
        fl_adamw_free(o);
        fl_model_free(src);
        fl_model_free(m);
        fl_model_free(fresh);
    }
}

static void refusals(void) {
    fl_model_config c = small(FL_MODEL_GPT, 1);
    fl_model *m = make(&c, 1);
    fl_adamw *o;
    fl_error err;
    fl_adamw_create(m, &o, &err);
    fl_train_config tc;
    fl_train_config_default(&tc);
    tc.freeze_layers = 4;
    fl_status st = fl_train_freeze_setup(m, o, &tc, 0, 0, NULL, &err);
    check(st == FL_ERR_CONFIG && strstr(err.msg, "train.freeze_layers=4"),
          "freeze_layers > n_layer is refused, naming it", "%s", err.msg);
    tc.freeze_layers = 3;
    st = fl_train_freeze_setup(m, o, &tc, 0, 0, NULL, &err);
    check(!st && fl_train_adamw_scale(o, 2) == 1.0f && !strcmp(fl_model_tensor(m, 2)->name, "ln_f.weight"),
          "freeze_layers = n_layer on a GPT leaves ln_f training", "%s", st ? err.msg : "ln_f frozen");
    fl_train_config_default(&tc);
    tc.freeze_encoder = 1;
    st = fl_train_freeze_setup(m, o, &tc, 0, 0, NULL, &err);
    check(st == FL_ERR_CONFIG && strstr(err.msg, "FTP"), "freeze_encoder on a GPT is refused", "%s", err.msg);
    fl_adamw_free(o);
    fl_model_free(m);
}

int main(void) {
    scales();
    fl_train_config tc;
    fl_train_config_default(&tc);
    fl_model_config gpt = small(FL_MODEL_GPT, 1), ftp = small(FL_MODEL_FTP, 1), untied = small(FL_MODEL_FTP, 0);
    tc.freeze_layers = 1, tc.layer_lr_decay = 0.8f;
    frozen_case("GPT freeze_layers=1 decay 0.8", &gpt, &tc);
    tc.freeze_layers = 2;
    frozen_case("FTP freeze_layers=2", &ftp, &tc);
    tc.freeze_layers = 0, tc.freeze_encoder = 1, tc.layer_lr_decay = 1.0f;
    frozen_case("FTP freeze_encoder", &ftp, &tc);
    frozen_case("FTP untied freeze_encoder", &untied, &tc);
    reinit();
    refusals();
    return check_exit();
}
