/* GPT parity with the PyTorch reference (tests/reference/make_gpt_fixture.py):
 * logits, loss, every parameter gradient, and 10 AdamW steps with clipping. */
#include "parity.h"

int main(void) {
    fl_error err = {0};
    fl_st_file *f = fixture_open("gpt_small.safetensors", "make_gpt_fixture.py");
    if (!f) return 1;
    fl_model_config cfg = fixture_config(f, FL_MODEL_GPT);
    const int B = (int)meta_num(f, "batch_size"), T = cfg.block_size;
    fl_model *m = fixture_model(f, &cfg, B, "gpt");
    if (!m) return 1;
    const int Vp = m->Vp;

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
    check_adamw_steps(m, f, B, T, NULL, "gpt");
    free(logits);
    fl_model_free(m);
    fl_st_close(f);
    return check_exit();
}
