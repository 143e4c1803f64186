/* GPT parity with the PyTorch reference (tests/reference/make_gpt_fixture.py):
 * logits, loss, every parameter gradient, and 10 AdamW steps with clipping. */
#include "parity.h"

int main(void) {
    char path[512];
    snprintf(path, sizeof path, "%s/gpt_small.safetensors", fixture_dir());
    fl_error err = {0};
    fl_st_file *f;
    if (fl_st_open(path, &f, &err)) {
        check(0, "gpt fixture loads", "%s (run tests/reference/make_gpt_fixture.py)", err.msg);
        return 1;
    }
    fl_model_config cfg;
    fl_model_config_default(&cfg, FL_MODEL_GPT);
    cfg.vocab_size = (int)meta_num(f, "vocab_size");
    cfg.block_size = (int)meta_num(f, "block_size");
    cfg.n_layer = (int)meta_num(f, "n_layer");
    cfg.n_head = (int)meta_num(f, "n_head");
    cfg.n_embd = (int)meta_num(f, "n_embd");
    const int B = (int)meta_num(f, "batch_size"), T = cfg.block_size, steps = (int)meta_num(f, "steps");
    fl_model *m;
    if (fl_model_create(&cfg, &m, &err) || fl_model_reserve(m, B, T, &err)) {
        check(0, "gpt model builds", "%s", err.msg);
        return 1;
    }
    if (load_params(m, f)) return 1;
    const int W = fl_model_window_len(m, T), Vp = m->Vp;

    /* one forward/backward, logits captured as they stream through the head */
    float *logits = calloc((size_t)B * T * Vp, sizeof(float));
    m->debug_logits = logits;
    fl_losses L;
    fl_model_zero_grad(m);
    fl_status st = fl_model_forward_backward(m, need(f, "tokens")->data, B, T, &L, &err);
    m->debug_logits = NULL;
    check(st == FL_OK, "gpt forward_backward runs", "%s", err.msg);
    double e, r;
    max_err(logits, need(f, "logits")->data, (size_t)B * T * Vp, &e, &r);
    check(e <= 1e-4 * r, "gpt logits within 1e-4 x max|ref|", "max|d| %.3g, max|ref| %.3g", e, r);
    printf("# gpt logits: max|d| %.3g (%.3g of max|ref|)\n", e, e / r);
    double ref_loss = ((const float *)need(f, "loss")->data)[0];
    check(fabs(L.loss - ref_loss) <= 1e-5, "gpt loss within 1e-5", "C %.7f, torch %.7f", L.loss, ref_loss);
    printf("# gpt loss: C %.7f torch %.7f |d| %.3g\n", L.loss, ref_loss, fabs(L.loss - ref_loss));
    check_grads(m, f, 1e-4, "gpt");

    /* 10 AdamW steps from the same weights, fresh batch each step */
    load_params(m, f);
    fl_adamw *opt;
    fl_adamw_create(m, &opt, &err);
    fl_adamw_config oc = {(float)meta_num(f, "lr"), (float)meta_num(f, "beta1"), (float)meta_num(f, "beta2"),
                          (float)meta_num(f, "eps"), (float)meta_num(f, "weight_decay")};
    const float clip = (float)meta_num(f, "grad_clip");
    const int32_t *batches = need(f, "train_tokens")->data;
    const float *ref_steps = need(f, "step_losses")->data;
    double worst = 0;
    int ok = 1;
    for (int s = 0; s < steps; s++) {
        fl_model_zero_grad(m);
        fl_model_forward_backward(m, batches + (size_t)s * B * W, B, T, &L, &err);
        fl_clip_grad_norm(m, clip);
        fl_adamw_step(opt, m, &oc);
        double d = fabs(L.loss - ref_steps[s]);
        if (!(d <= worst)) worst = d;
        if (!(d <= 1e-4)) ok = 0, printf("# step %d: C %.7f torch %.7f\n", s + 1, L.loss, ref_steps[s]);
    }
    check(ok, "gpt 10 AdamW step losses within 1e-4", "worst |d| %.3g", worst);
    printf("# gpt step losses: worst |d| %.3g over %d steps (final C %.6f torch %.6f)\n", worst, steps, L.loss,
           ref_steps[steps - 1]);
    fl_adamw_free(opt);
    free(logits);
    fl_model_free(m);
    fl_st_close(f);
    return check_exit();
}
