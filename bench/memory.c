/* Peak memory of one training step against the documented formula
 * (docs/memory.md). Usage: bench_memory [gpt|ftp] [key=value ...] [B=8] [T=256]
 * Defaults: the reference config C=384 L=6 H=6 T=256 B=8 V=8192, FTP N=8 P=8 L_d=3.
 * Prints JSON: formula bytes (parameters, gradients, AdamW, activations) and peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "futurelm.h"

/* Floats of activations, from the formula of docs/memory.md (written from the
 * maths, not from the allocator, so the two can disagree). */
static double activation_floats(const fl_model_config *c, int B, int T) {
    double C = c->n_embd, H = c->n_head, BT = (double)B * T, L = c->n_layer;
    double Vp = fl_padded_vocab(c->vocab_size);
    double enc_block = 16 * C + H + 4;                 /* per row: ln1,qkv,atty,res,ln2,fc,gelu,out + stats */
    double trunk = BT * (L * enc_block + 5 * C + 5);   /* + embeddings, ln_f, dresid, dlnf, ids, weights */
    double scratch = BT * 13 * C;                      /* backward temporaries of one block */
    double rows = BT;
    if (c->type == FL_MODEL_FTP) {
        double K = c->positions > 0 && c->positions < T ? c->positions : T, R = B * K, N = c->n_future,
               P = c->pseudo_len, Hd = c->dec_heads ? c->dec_heads : H, Ld = c->dec_layers;
        double RN = R * N;
        double dec_block = RN * (20 * C + 2 * Hd + 6) + R * P * 2 * C;
        trunk += R * (2 * C + 1) + 2 * R * P * C      /* h_sel, dh_sel, pos, ctx, dctx */
                 + RN * (3 * C + 5)                     /* ids, targets, weights, embeddings, ln_f, dresid */
                 + Ld * dec_block;
        scratch = RN * 14 * C + R * P * 2 * C;          /* decoder scratch (larger) + encoder scratch */
        scratch += BT * 13 * C;
        rows = RN;
    }
    double chunk = (16u << 20) / Vp;
    if (chunk < 32) chunk = 32;
    if (chunk > rows) chunk = rows;
    return trunk + scratch + chunk * Vp + rows;
}

int main(int argc, char **argv) {
    fl_model_type type = argc > 1 && !strcmp(argv[1], "gpt") ? FL_MODEL_GPT : FL_MODEL_FTP;
    fl_model_config cfg;
    fl_model_config_default(&cfg, type);
    int B = 8, T = 256;
    fl_error err = {0};
    for (int i = 2; i < argc; i++) {
        char key[64];
        const char *eq = strchr(argv[i], '=');
        if (!eq || eq - argv[i] >= (long)sizeof key) return fprintf(stderr, "bad argument %s\n", argv[i]), 2;
        memcpy(key, argv[i], (size_t)(eq - argv[i]));
        key[eq - argv[i]] = 0;
        if (!strcmp(key, "B")) B = atoi(eq + 1);
        else if (!strcmp(key, "T")) T = atoi(eq + 1);
        else if (fl_model_config_set(&cfg, key, eq + 1, &err)) return fprintf(stderr, "%s\n", err.msg), 2;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double base = ru.ru_maxrss * 1024.0;
    fl_model *m;
    fl_adamw *opt;
    if (fl_model_create(&cfg, &m, &err) || fl_model_reserve(m, B, T, &err) || fl_adamw_create(m, &opt, &err))
        return fprintf(stderr, "%s\n", err.msg), 1;
    fl_model_init_weights(m, 1);
    int W = fl_model_window_len(m, T);
    int32_t *tok = malloc(sizeof *tok * (size_t)B * W);
    for (int i = 0; i < B * W; i++) tok[i] = (int32_t)((i * 7919u) % (unsigned)cfg.vocab_size);
    fl_losses L;
    fl_adamw_config oc;
    fl_adamw_config_default(&oc);
    for (int s = 0; s < 2; s++) {
        fl_model_zero_grad(m);
        if (fl_model_forward_backward(m, tok, B, T, &L, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
        fl_clip_grad_norm(m, 1.0f);
        fl_adamw_step(opt, m, &oc);
    }
    getrusage(RUSAGE_SELF, &ru);
    double peak = ru.ru_maxrss * 1024.0;
    double params = (double)fl_model_num_params(m) * 4;
    double acts = activation_floats(&cfg, B, T) * 4;
    double formula = 4 * params + acts; /* params, grads, AdamW m and v */
    printf("{\"model\":\"%s\",\"B\":%d,\"T\":%d,\"params\":%zu,\"param_state_MiB\":%.1f,\"activations_MiB\":%.1f,"
           "\"formula_MiB\":%.1f,\"baseline_rss_MiB\":%.1f,\"peak_rss_MiB\":%.1f,\"step_rss_MiB\":%.1f,"
           "\"ratio_measured_over_formula\":%.3f,\"loss\":%.4f}\n",
           type == FL_MODEL_FTP ? "ftp" : "gpt", B, T, fl_model_num_params(m), 4 * params / 1048576.0,
           acts / 1048576.0, formula / 1048576.0, base / 1048576.0, peak / 1048576.0, (peak - base) / 1048576.0,
           (peak - base) / formula, L.loss);
    free(tok);
    fl_adamw_free(opt);
    fl_model_free(m);
    return 0;
}
