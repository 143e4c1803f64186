/* Shared by the PyTorch parity tests: load a reference fixture written by
 * tests/reference/make_*_fixture.py, build the same model, compare tensors. */
#ifndef FL_TESTS_PARITY_H
#define FL_TESTS_PARITY_H
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "futurelm.h"
#include "ckpt/safetensors.h"
#include "model/model.h"

static const char *fixture_dir(void) {
    const char *d = getenv("FL_FIXTURES");
    return d ? d : "tests/fixtures";
}

static double meta_num(const fl_st_file *f, const char *key) {
    const char *v = fl_st_meta(f, key);
    if (!v) {
        fprintf(stderr, "fixture lacks metadata key %s\n", key);
        exit(2);
    }
    return atof(v);
}

/* Opens fixture FILE of the fixtures folder; on failure a not ok line saying which
 * reference script writes it, and NULL. */
static fl_st_file *fixture_open(const char *file, const char *script) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fixture_dir(), file);
    fl_error err = {0};
    fl_st_file *f;
    if (fl_st_open(path, &f, &err)) {
        char name[128];
        snprintf(name, sizeof name, "fixture %s loads", file);
        check(0, name, "%s (run tests/reference/%s)", err.msg, script);
        return NULL;
    }
    return f;
}

/* The model config a fixture was made with (its metadata), ftp.positions 0. */
static fl_model_config fixture_config(const fl_st_file *f, fl_model_type type) {
    fl_model_config cfg;
    fl_model_config_default(&cfg, type);
    cfg.vocab_size = (int)meta_num(f, "vocab_size");
    cfg.block_size = (int)meta_num(f, "block_size");
    cfg.n_layer = (int)meta_num(f, "n_layer");
    cfg.n_head = (int)meta_num(f, "n_head");
    cfg.n_embd = (int)meta_num(f, "n_embd");
    if (type == FL_MODEL_FTP) {
        cfg.n_future = (int)meta_num(f, "n_future");
        cfg.pseudo_len = (int)meta_num(f, "pseudo_len");
        cfg.gamma = (float)meta_num(f, "gamma");
        cfg.dec_layers = (int)meta_num(f, "dec_layers");
        cfg.dec_heads = (int)meta_num(f, "dec_heads");
        cfg.positions = 0;
        const char *tie = fl_st_meta(f, "tie_dec_embd"); /* absent: tied, as fixtures were before the key */
        cfg.tie_dec_embd = tie ? atoi(tie) : 1;
    }
    return cfg;
}

static int load_params(fl_model *m, const fl_st_file *f);
/* The fixture's model, reserved for (B, T) and loaded with its weights; a not ok
 * line and NULL when it cannot be built. */
static fl_model *fixture_model(const fl_st_file *f, const fl_model_config *cfg, int B, const char *label) {
    fl_error err = {0};
    fl_model *m = NULL;
    if (fl_model_create(cfg, &m, &err) || fl_model_reserve(m, B, cfg->block_size, &err)) {
        char name[96];
        snprintf(name, sizeof name, "%s model builds", label);
        check(0, name, "%s", err.msg);
        fl_model_free(m);
        return NULL;
    }
    if (load_params(m, f)) {
        fl_model_free(m);
        return NULL;
    }
    return m;
}

static const fl_st_tensor *need(const fl_st_file *f, const char *name) {
    const fl_st_tensor *t = fl_st_find(f, name);
    if (!t) {
        fprintf(stderr, "fixture lacks tensor %s\n", name);
        exit(2);
    }
    return t;
}

/* Copies every param.<name> of the fixture into the model; checks shapes. */
static int load_params(fl_model *m, const fl_st_file *f) {
    for (int i = 0; i < fl_model_num_tensors(m); i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        char key[128];
        snprintf(key, sizeof key, "param.%s", t->name);
        const fl_st_tensor *s = need(f, key);
        if (s->dtype != FL_DT_F32 || s->numel != t->numel) {
            printf("not ok - fixture tensor %s has the wrong size\n", key);
            return -1;
        }
        memcpy(t->data, s->data, t->numel * sizeof(float));
    }
    return 0;
}

/* max |a - b| and max |b| over n floats. */
static void max_err(const float *a, const float *b, size_t n, double *err, double *ref) {
    double e = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= e)) e = d; /* NaN counts as the worst */
        if (fabs((double)b[i]) > r) r = fabs((double)b[i]);
    }
    *err = e;
    *ref = r;
}

/* Every gradient tensor within rel_tol * max|ref|; prints the worst one. */
static void check_grads(fl_model *m, const fl_st_file *f, double rel_tol, const char *label) {
    double worst = 0;
    const char *worst_name = "";
    int all_ok = 1;
    for (int i = 0; i < fl_model_num_tensors(m); i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        char key[128];
        snprintf(key, sizeof key, "grad.%s", t->name);
        const fl_st_tensor *s = need(f, key);
        double e, r;
        max_err(t->grad, s->data, t->numel, &e, &r);
        double rel = r > 0 ? e / r : e;
        if (!(rel <= rel_tol)) {
            all_ok = 0;
            printf("# %s: gradient %s max|d| %.3g, max|ref| %.3g, ratio %.3g\n", label, t->name, e, r, rel);
        }
        if (!(rel <= worst)) worst = rel, worst_name = t->name;
    }
    char name[160];
    snprintf(name, sizeof name, "%s: every gradient within %.0e x max|ref| (worst %s at %.3g)", label, rel_tol,
             worst_name, worst);
    check(all_ok, name, "see the lines above");
}
/* From the fixture's weights, steps of clip + AdamW on the fixture's batches;
 * each step's loss within 1e-4 of PyTorch's. */
/* masks: NULL, or one B*W mask per step (fl_model_set_target_mask), the answer-only loss. */
static void check_adamw_steps(fl_model *m, const fl_st_file *f, int B, int T, const uint8_t *masks,
                              const char *label) {
    fl_error err = {0};
    load_params(m, f);
    fl_adamw *opt;
    if (fl_adamw_create(m, &opt, &err)) {
        check(0, label, "%s", err.msg);
        return;
    }
    fl_adamw_config oc = {(float)meta_num(f, "lr"), (float)meta_num(f, "beta1"), (float)meta_num(f, "beta2"),
                          (float)meta_num(f, "eps"), (float)meta_num(f, "weight_decay")};
    const float clip = (float)meta_num(f, "grad_clip");
    const int steps = (int)meta_num(f, "steps"), W = fl_model_window_len(m, T);
    const int32_t *batches = need(f, "train_tokens")->data;
    const float *ref_steps = need(f, "step_losses")->data;
    double worst = 0;
    int ok = 1;
    fl_losses L = {0};
    for (int s = 0; s < steps; s++) {
        if (masks) fl_model_set_target_mask(m, masks + (size_t)s * B * W);
        fl_model_zero_grad(m);
        fl_model_forward_backward(m, batches + (size_t)s * B * W, B, T, &L, &err);
        fl_clip_grad_norm(m, clip);
        fl_adamw_step(opt, m, &oc);
        double d = fabs(L.loss - ref_steps[s]);
        if (!(d <= worst)) worst = d;
        if (!(d <= 1e-4)) ok = 0, printf("# %s step %d: C %.7f torch %.7f\n", label, s + 1, L.loss, ref_steps[s]);
    }
    fl_model_set_target_mask(m, NULL);
    char name[128];
    snprintf(name, sizeof name, "%s %d %sAdamW step losses within 1e-4", label, steps, masks ? "masked " : "");
    check(ok, name, "worst |d| %.3g", worst);
    printf("# %s step losses: worst |d| %.3g over %d steps (final C %.6f torch %.6f)\n", label, worst, steps, L.loss,
           ref_steps[steps - 1]);
    fl_adamw_free(opt);
}
#endif
