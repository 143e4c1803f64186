/* The loss mask of answer-only training (fl_model_set_target_mask, train.loss_after):
 * - the mask builder on hand-made rows, and against the PyTorch reference's builder;
 * - masked losses, per-offset losses and every gradient against PyTorch
 *   (tests/reference/make_mask_fixture.py), GPT and FTP, and 10 masked AdamW steps;
 * - FTP masked over given positions, and over all T in several chunks;
 * - an all-ones mask gives the very bits of no mask (losses and gradients);
 * - a mask that counts nothing gives loss 0 and adds nothing to the gradient. */
#include "parity.h"
#include "train/loss_mask.h"

/* ---------------------------------------------------------------- the builder */

static void check_row(const int32_t *tok, const uint8_t *want, int W, int32_t eot, const char *name) {
    uint8_t got[16];
    fl_loss_mask_after(tok, 1, W, 1, eot, got);
    int ok = !memcmp(got, want, (size_t)W);
    char buf[64] = {0};
    for (int i = 0; i < W; i++) buf[i] = (char)('0' + got[i]);
    check(ok, name, "got %s", buf);
}

static void builder_cases(void) {
    /* eot = 0, the `after` token = 1 */
    check_row((const int32_t[]){5, 1, 7, 8, 0, 9, 1, 6}, (const uint8_t[]){0, 0, 1, 1, 1, 0, 0, 1}, 8, 0,
              "mask: the answer after '=' and its eot count, the next document's prompt does not");
    check_row((const int32_t[]){1, 4, 4, 4, 4, 4, 4, 4}, (const uint8_t[]){0, 1, 1, 1, 1, 1, 1, 1}, 8, 0,
              "mask: '=' first, the answer runs to the window's end");
    check_row((const int32_t[]){3, 4, 0, 5, 6, 0, 7, 8}, (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0}, 8, 0,
              "mask: no '=' at all counts nothing");
    check_row((const int32_t[]){7, 8, 0, 2, 1, 3, 0, 4}, (const uint8_t[]){0, 0, 0, 0, 0, 1, 1, 0}, 8, 0,
              "mask: an answer whose '=' lies before the window does not count; a later document's does");
    check_row((const int32_t[]){2, 1, 3, 1, 4, 0, 5, 6}, (const uint8_t[]){0, 0, 1, 1, 1, 1, 0, 0}, 8, 0,
              "mask: a second '=' in one document keeps counting up to the eot");
    check_row((const int32_t[]){2, 1, 3, 0, 4, 5}, (const uint8_t[]){0, 0, 1, 1, 1, 1}, 6, -1,
              "mask: without an end-of-text id the answer never ends");
    /* two windows at once: each row starts off */
    const int32_t two[8] = {1, 2, 3, 4, 5, 6, 1, 7};
    const uint8_t want[8] = {0, 1, 1, 1, 0, 0, 0, 1};
    uint8_t got[8];
    fl_loss_mask_after(two, 2, 4, 1, 0, got);
    check(!memcmp(got, want, 8), "mask: each window of a batch starts with nothing counted", "differs");
}

/* ---------------------------------------------------------------- fixtures */

static fl_model *build(const fl_st_file *f, int type, int positions, int B) {
    fl_model_config cfg = fixture_config(f, type);
    cfg.positions = positions;
    fl_model *m = fixture_model(f, &cfg, B, type == FL_MODEL_FTP ? "ftp" : "gpt");
    if (!m) exit(1);
    return m;
}

/* The fixture's int32 0/1 mask tensor as bytes. */
static uint8_t *mask_bytes(const fl_st_file *f, const char *name, size_t *n) {
    const fl_st_tensor *t = need(f, name);
    uint8_t *out = malloc(t->numel);
    for (size_t i = 0; i < t->numel; i++) out[i] = (uint8_t)((const int32_t *)t->data)[i];
    *n = t->numel;
    return out;
}

/* Losses and gradients of one pass with mask (NULL or not), into L and grads. */
static void pass(fl_model *m, const int32_t *tokens, const uint8_t *mask, int B, int T, fl_losses *L, float *grads) {
    fl_error err = {0};
    fl_model_set_target_mask(m, mask);
    fl_model_zero_grad(m);
    if (fl_model_forward_backward(m, tokens, B, T, L, &err)) check(0, "masked pass runs", "%s", err.msg);
    memcpy(grads, fl_model_grads(m), m->num_params * sizeof(float));
    fl_model_set_target_mask(m, NULL);
}

/* All-ones equals NULL bit for bit; all-zeros gives 0 and leaves the gradient alone. */
static void identity_cases(fl_model *m, const int32_t *tokens, int B, int T, const char *label) {
    const int W = fl_model_window_len(m, T);
    uint8_t *ones = malloc((size_t)B * W), *zeros = calloc((size_t)B * W, 1);
    memset(ones, 1, (size_t)B * W);
    float *g0 = malloc(m->num_params * sizeof(float)), *g1 = malloc(m->num_params * sizeof(float));
    fl_losses L0, L1;
    uint64_t rng[4];
    fl_model_get_rng(m, rng); /* ftp.positions draws the same positions in both passes */
    pass(m, tokens, NULL, B, T, &L0, g0);
    fl_model_set_rng(m, rng);
    pass(m, tokens, ones, B, T, &L1, g1);
    char name[160];
    snprintf(name, sizeof name, "%s: an all-ones mask gives the bits of no mask (losses and every gradient)", label);
    check(!memcmp(&L0, &L1, sizeof L0) && !memcmp(g0, g1, m->num_params * sizeof(float)), name,
          "loss %.9g vs %.9g", L0.loss, L1.loss);

    fl_error err = {0};
    fl_model_set_target_mask(m, zeros);
    int untouched = fl_model_forward_backward(m, tokens, B, T, &L1, &err) == FL_OK; /* adds into g0's grads */
    untouched &= !memcmp(g1, fl_model_grads(m), m->num_params * sizeof(float));
    int zero = L1.loss == 0 && L1.next_token_loss == 0;
    for (int j = 0; j < L1.n_offsets; j++) zero &= L1.offset_loss[j] == 0;
    snprintf(name, sizeof name, "%s: a mask that counts nothing gives loss 0 and adds nothing to the gradient", label);
    check(zero && untouched, name, "loss %g, gradient %s", L1.loss, untouched ? "unchanged" : "changed");
    fl_model_set_target_mask(m, NULL);
    free(ones), free(zeros), free(g0), free(g1);
}

/* Masked loss, offsets and every gradient against the fixture; the forward-only loss agrees. */
static void parity(fl_model *m, const fl_st_file *f, int B, int T, const char *label) {
    const int32_t *tokens = need(f, "tokens")->data;
    size_t n;
    uint8_t *mask = mask_bytes(f, "mask", &n);
    uint8_t *built = malloc(n);
    fl_loss_mask_after(tokens, B, fl_model_window_len(m, T), (int32_t)meta_num(f, "after"),
                       (int32_t)meta_num(f, "eot"), built);
    char name[160];
    snprintf(name, sizeof name, "%s: fl_loss_mask_after builds the reference's mask on the fixture's windows", label);
    check(!memcmp(mask, built, n), name, "differs");

    fl_error err = {0};
    fl_losses L, Lf;
    fl_model_set_target_mask(m, mask);
    fl_model_zero_grad(m);
    fl_status st = fl_model_forward_backward(m, tokens, B, T, &L, &err);
    double ref_loss = ((const float *)need(f, "loss")->data)[0];
    snprintf(name, sizeof name, "%s: masked loss within 1e-5", label);
    check(st == FL_OK && fabs(L.loss - ref_loss) <= 1e-5, name, "C %.7f torch %.7f (%s)", L.loss, ref_loss, err.msg);
    printf("# %s masked loss: C %.7f torch %.7f\n", label, L.loss, ref_loss);
    if (fl_st_find(f, "offset_losses")) {
        const float *ref_off = need(f, "offset_losses")->data;
        double worst = 0;
        for (int j = 0; j < L.n_offsets; j++) worst = fmax(worst, fabs(L.offset_loss[j] - ref_off[j]));
        snprintf(name, sizeof name, "%s: masked per-offset losses within 1e-5", label);
        check(worst <= 1e-5 && L.next_token_loss == L.offset_loss[0], name, "worst |d| %.3g", worst);
    }
    check_grads(m, f, 1e-4, label); /* the masked gradients: the fixture's are masked */
    fl_model_forward(m, tokens, B, T, &Lf, &err);
    snprintf(name, sizeof name, "%s: the masked forward's loss equals forward_backward's", label);
    check(Lf.loss == L.loss, name, "%.9g vs %.9g", Lf.loss, L.loss);
    fl_model_set_target_mask(m, NULL);
    free(mask), free(built);
}

int main(void) {
    builder_cases();
    fl_st_file *g = fixture_open("gpt_mask.safetensors", "make_mask_fixture.py"), *f = fixture_open("ftp_mask.safetensors", "make_mask_fixture.py");
    if (!g || !f) return 1;

    const int B = (int)meta_num(g, "batch_size"), Tg = (int)meta_num(g, "block_size");
    fl_model *gm = build(g, FL_MODEL_GPT, 0, B);
    parity(gm, g, B, Tg, "gpt");
    size_t nm;
    uint8_t *gmasks = mask_bytes(g, "train_mask", &nm);
    check_adamw_steps(gm, g, B, Tg, gmasks, "gpt");
    free(gmasks);
    identity_cases(gm, need(g, "tokens")->data, B, Tg, "gpt");
    fl_model_free(gm);

    const int T = (int)meta_num(f, "block_size"), K = (int)meta_num(f, "K");
    fl_model *fm = build(f, FL_MODEL_FTP, 0, B);
    parity(fm, f, B, T, "ftp");
    const int32_t *tokens = need(f, "tokens")->data;
    size_t n;
    uint8_t *mask = mask_bytes(f, "mask", &n);
    fl_error err = {0};
    fl_losses Lp;
    fl_model_set_target_mask(fm, mask);
    fl_status st = fli_model_run(fm, tokens, B, T, 0, need(f, "positions")->data, K, &Lp, &err);
    double ref_p = ((const float *)need(f, "positions_loss")->data)[0];
    const float *ref_poff = need(f, "positions_offset_losses")->data;
    double worst = 0;
    for (int j = 0; j < Lp.n_offsets; j++) worst = fmax(worst, fabs(Lp.offset_loss[j] - ref_poff[j]));
    check(st == FL_OK && fabs(Lp.loss - ref_p) <= 1e-5 && worst <= 1e-5,
          "ftp: masked loss and offsets over given positions within 1e-5", "C %.7f torch %.7f, offsets %.3g",
          Lp.loss, ref_p, worst);
    fl_model_set_target_mask(fm, NULL);
    uint8_t *fmasks = mask_bytes(f, "train_mask", &n);
    check_adamw_steps(fm, f, B, T, fmasks, "ftp");
    free(fmasks);
    load_params(fm, f);
    identity_cases(fm, tokens, B, T, "ftp");
    fl_model_free(fm);

    /* ftp.positions = K: training draws K positions (all-ones vs NULL over the same
     * draw); a forward over all T runs in chunks of B*K sequences, whose masked
     * normalisers must be the batch's. */
    fl_model *km = build(f, FL_MODEL_FTP, K, B);
    identity_cases(km, tokens, B, T, "ftp positions=K");
    load_params(km, f);
    fl_losses Lc;
    fl_model_set_target_mask(km, mask);
    st = fl_model_forward(km, tokens, B, T, &Lc, &err);
    double ref_loss = ((const float *)need(f, "loss")->data)[0];
    check(st == FL_OK && fabs(Lc.loss - ref_loss) <= 1e-5,
          "ftp: a masked forward over all T in several chunks equals the one-pass reference", "C %.7f torch %.7f",
          Lc.loss, ref_loss);
    fl_model_free(km);
    free(mask);
    fl_st_close(g);
    fl_st_close(f);
    return check_exit();
}
