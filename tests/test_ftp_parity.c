/* FTP parity with the PyTorch reference (tests/reference/make_ftp_fixture.py):
 * weighted and per-offset losses, every decoder logit, every gradient, 10 AdamW
 * steps, the loss over given positions, and ftp.positions sampling; for the tied
 * model (ftp_small) and for the untied one (ftp_untied, ftp.tie_dec_embd = 0,
 * whose decoder reads its own dec.wte). */
#include "parity.h"

/* "LABEL what", in a buffer that lives until the next call. */
static const char *named(const char *label, const char *what) {
    static char buf[160];
    snprintf(buf, sizeof buf, "%s %s", label, what);
    return buf;
}

static void ftp_parity(const char *file, const char *label) {
    fl_error err = {0};
    fl_st_file *f = fixture_open(file, "make_ftp_fixture.py");
    if (!f) return;
    fl_model_config cfg = fixture_config(f, FL_MODEL_FTP);
    const int B = (int)meta_num(f, "batch_size"), T = cfg.block_size;
    const int N = cfg.n_future, K = (int)meta_num(f, "K");
    fl_model *m = fixture_model(f, &cfg, B, label);
    if (!m) {
        fl_st_close(f);
        return;
    }
    const int Vp = m->Vp;
    const int32_t *tokens = need(f, "tokens")->data;
    const fl_tensor *dec_wte = fl_model_find_tensor(m, "dec.wte");
    check((dec_wte != NULL) == !cfg.tie_dec_embd, named(label, "has a dec.wte tensor exactly when untied"), "tie %d, dec.wte %s",
          cfg.tie_dec_embd, dec_wte ? "present" : "absent");

    float *logits = calloc((size_t)B * T * N * Vp, sizeof(float));
    m->debug_logits = logits;
    fl_losses L;
    fl_model_zero_grad(m);
    fl_status st = fl_model_forward_backward(m, tokens, B, T, &L, &err);
    m->debug_logits = NULL;
    check(st == FL_OK, named(label, "forward_backward runs"), "%s", err.msg);
    double e, r;
    max_err(logits, need(f, "logits")->data, (size_t)B * T * N * Vp, &e, &r);
    check(e <= 1e-4 * r, named(label, "decoder logits within 1e-4 x max|ref|"), "max|d| %.3g, max|ref| %.3g", e, r);
    printf("# %s logits: max|d| %.3g (%.3g of max|ref|)\n", label, e, e / r);
    double ref_loss = ((const float *)need(f, "loss")->data)[0];
    check(fabs(L.loss - ref_loss) <= 1e-5, named(label, "weighted loss within 1e-5"), "C %.7f torch %.7f", L.loss,
          ref_loss);
    printf("# %s loss: C %.7f torch %.7f |d| %.3g\n", label, L.loss, ref_loss, fabs(L.loss - ref_loss));
    const float *ref_off = need(f, "offset_losses")->data;
    double worst_off = 0;
    for (int j = 0; j < N; j++)
        if (fabs(L.offset_loss[j] - ref_off[j]) > worst_off) worst_off = fabs(L.offset_loss[j] - ref_off[j]);
    check(L.n_offsets == N && worst_off <= 1e-5, named(label, "per-offset losses within 1e-5"), "worst |d| %.3g",
          worst_off);
    check(L.next_token_loss == L.offset_loss[0], named(label, "next-token loss is the j=0 term"), "%g vs %g",
          L.next_token_loss, L.offset_loss[0]);
    check_grads(m, f, 1e-4, label);

    /* loss over explicit positions [B,K] */
    fl_losses Lp;
    const int32_t *pos = need(f, "positions")->data;
    st = fli_model_run(m, tokens, B, T, 0, pos, K, &Lp, &err);
    double ref_ploss = ((const float *)need(f, "positions_loss")->data)[0];
    check(st == FL_OK && fabs(Lp.loss - ref_ploss) <= 1e-5, named(label, "loss over given positions within 1e-5"),
          "C %.7f torch %.7f (%s)", Lp.loss, ref_ploss, err.msg);

    /* 10 AdamW steps */
    check_adamw_steps(m, f, B, T, NULL, label);

    /* ftp.positions = K: the training loss is the average over exactly the drawn
     * positions (K distinct per sequence), i.e. equals the loss at those positions. */
    fl_model_config pc = cfg;
    pc.positions = K;
    fl_model *mp;
    if (fl_model_create(&pc, &mp, &err) || fl_model_reserve(mp, B, T, &err)) {
        check(0, named(label, "model with positions builds"), "%s", err.msg);
        fl_model_free(mp);
        free(logits);
        fl_model_free(m);
        fl_st_close(f);
        return;
    }
    load_params(mp, f);
    fl_model_init_weights(m, 7); /* unrelated: only to leave m different */
    fl_losses Ld, Lr;
    fl_model_zero_grad(mp);
    fl_model_forward_backward(mp, tokens, B, T, &Ld, &err);
    int32_t drawn[1024];
    int distinct = 1;
    for (int b = 0; b < B; b++)
        for (int i = 0; i < K; i++) {
            int row = mp->ftp.pos[b * K + i];
            drawn[b * K + i] = row - b * T;
            if (row / T != b) distinct = 0;
            for (int q = 0; q < i; q++) distinct &= mp->ftp.pos[b * K + q] != row;
        }
    check(distinct, named(label, "ftp.positions draws K distinct positions inside each sequence"),
          "duplicates or out of range");
    fli_model_run(mp, tokens, B, T, 0, drawn, K, &Lr, &err);
    check(Ld.loss == Lr.loss && Ld.next_token_loss == Lr.next_token_loss,
          named(label, "ftp.positions training loss == loss recomputed over exactly the drawn positions"),
          "%.7f vs %.7f", Ld.loss, Lr.loss);
    fl_losses Lall;
    fl_model_forward(mp, tokens, B, T, &Lall, &err);
    check(fabs(Lall.loss - ref_loss) <= 1e-5, named(label, "ftp.positions model evaluates on all T positions"),
          "%.7f vs %.7f", Lall.loss, ref_loss);
    fl_model_free(mp);
    free(logits);
    fl_model_free(m);
    fl_st_close(f);
}

int main(void) {
    ftp_parity("ftp_small.safetensors", "ftp");
    ftp_parity("ftp_untied.safetensors", "ftp untied");
    return check_exit();
}
