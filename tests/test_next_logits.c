/* fl_model_next_logits (used by generate) equals the training forward's logits
 * at the last position: GPT's head, and FTP's decoder step 0; and the head's
 * own functions (model/head.h) agree with the training head. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "futurelm.h"
#include "model/head.h"
#include "model/model.h"

static void run(fl_model_type type) {
    fl_model_config cfg;
    fl_model_config_default(&cfg, type);
    cfg.vocab_size = 70, cfg.block_size = 12, cfg.n_layer = 2, cfg.n_head = 2, cfg.n_embd = 16;
    cfg.n_future = 3, cfg.pseudo_len = 2, cfg.dec_layers = 2;
    fl_model *m;
    fl_error err;
    if (fl_model_create(&cfg, &m, &err)) {
        check(0, "model", "%s", err.msg);
        return;
    }
    fl_model_init_weights(m, 5);
    const int T = 9, W = fl_model_window_len(m, T), Vp = fl_padded_vocab(cfg.vocab_size), N = cfg.n_future;
    int32_t tok[32];
    for (int i = 0; i < W; i++) tok[i] = (int32_t)((i * 37 + 11) % cfg.vocab_size);
    int rows = type == FL_MODEL_FTP ? T * N : T;
    float *full = calloc((size_t)rows * Vp, sizeof(float)), *next = calloc((size_t)Vp, sizeof(float));
    fl_losses L;
    fl_model_reserve(m, 1, T, &err);
    m->debug_logits = full;
    fl_model_forward(m, tok, 1, T, &L, &err);
    m->debug_logits = NULL;
    /* h_t exposed for the evaluations: for GPT, logits = h_t · wteᵀ exactly what the head computed */
    if (type == FL_MODEL_GPT) {
        const float *h = fl_model_hidden(m), *wte = fl_model_find_tensor(m, "wte")->data;
        double worst = 0;
        for (int t = 0; t < T; t++)
            for (int v = 0; v < cfg.vocab_size; v++) {
                double acc = 0;
                for (int c = 0; c < cfg.n_embd; c++) acc += (double)h[(size_t)t * cfg.n_embd + c] * wte[(size_t)v * cfg.n_embd + c];
                worst = fmax(worst, fabs(acc - full[(size_t)t * Vp + v]));
            }
        check(worst < 1e-5, "gpt: fl_model_hidden rows are the head's input h_t", "max|d| %.3g", worst);
        /* model/head.h, the one owner of the head: the same product as training's
         * (bit for bit at the same rows), padding -inf, and a loss whose mean is
         * the forward's */
        float *lg = calloc((size_t)T * Vp, sizeof(float));
        fl_head_logits(m, h, T, lg);
        int same = 1, inf = 1;
        double nll = 0;
        for (int t = 0; t < T; t++) {
            for (int v = 0; v < Vp; v++)
                if (v < cfg.vocab_size)
                    same &= lg[(size_t)t * Vp + v] == full[(size_t)t * Vp + v];
                else
                    inf &= isinf(lg[(size_t)t * Vp + v]) && lg[(size_t)t * Vp + v] < 0;
            nll += fl_head_nll(lg + (size_t)t * Vp, cfg.vocab_size, tok[t + 1]);
        }
        nll /= T;
        check(same && inf && fabs(nll - L.loss) < 1e-5 * L.loss,
              "gpt: fl_head_logits == the training head's logits, padding -inf; mean fl_head_nll == the loss",
              "same %d, padding %d, nll %.9g vs loss %.9g", same, inf, nll, (double)L.loss);
        free(lg);
    }
    fl_status st = fl_model_next_logits(m, tok, T, next, &err);
    const float *ref = full + (size_t)(type == FL_MODEL_FTP ? (T - 1) * N : T - 1) * Vp;
    double e = 0, r = 0;
    for (int v = 0; v < cfg.vocab_size; v++) e = fmax(e, fabs(next[v] - ref[v])), r = fmax(r, fabs(ref[v]));
    int pad = 1;
    for (int v = cfg.vocab_size; v < Vp; v++) pad &= isinf(next[v]) && next[v] < 0;
    char name[96];
    snprintf(name, sizeof name, "%s next-token logits == training forward's last position (max|d| %.2g)",
             type == FL_MODEL_FTP ? "ftp decoder step 0" : "gpt", e);
    check(st == FL_OK && e <= 1e-5 * r && pad, name, "max|d| %.3g of max|ref| %.3g (%s)", e, r, err.msg);
    free(full);
    free(next);
    fl_model_free(m);
}

int main(void) {
    run(FL_MODEL_GPT);
    run(FL_MODEL_FTP);
    return check_exit();
}
