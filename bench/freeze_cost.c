/* Step time saved by freezing (docs/training.md, "Fine-tuning"): one model with
 * nothing frozen and one frozen by train.* keys, the same weights and batches,
 * whole training steps (zero, forward/backward, clip, AdamW) alternated A, B, A, B
 * so that a loaded machine slows both alike; prints the median step times and
 * their ratio. Not part of the build:
 *   cc -O3 -march=native -fopenmp -Iinclude -Isrc bench/freeze_cost.c build/opt/libfuturelm.a -lm -o /tmp/fc
 *   OMP_NUM_THREADS=1 /tmp/fc gpt train.freeze_layers=3
 *   OMP_NUM_THREADS=1 /tmp/fc ftp train.freeze_encoder=1 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "futurelm.h"
#include "train/freeze.h"
#include "train/train_config.h"

enum { B = 8, T = 64, REPS = 15 };

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 2) return fprintf(stderr, "usage: %s gpt|ftp [train.key=value ...]\n", argv[0]), 2;
    fl_model_config c;
    fl_model_config_default(&c, strcmp(argv[1], "ftp") ? FL_MODEL_GPT : FL_MODEL_FTP);
    c.vocab_size = 300, c.block_size = T, c.n_layer = 6, c.n_head = 4, c.n_embd = 128;
    c.n_future = 4, c.pseudo_len = 4, c.dec_layers = 2, c.positions = 0;
    fl_train_config plain, frozen;
    fl_train_config_default(&plain);
    frozen = plain;
    fl_error err;
    for (int i = 2; i < argc; i++) {
        char key[64];
        const char *eq = strchr(argv[i], '=');
        if (!eq || eq - argv[i] >= (long)sizeof key) return fprintf(stderr, "%s: need key=value\n", argv[i]), 2;
        snprintf(key, sizeof key, "%.*s", (int)(eq - argv[i]), argv[i]);
        if (fl_train_config_set(&frozen, key, eq + 1, &err)) return fprintf(stderr, "%s\n", err.msg), 2;
    }
    fl_model *m[2];
    fl_adamw *o[2];
    for (int k = 0; k < 2; k++)
        if (fl_model_create(&c, &m[k], &err) || fl_model_reserve(m[k], B, T, &err) ||
            (fl_model_init_weights(m[k], 1), fl_adamw_create(m[k], &o[k], &err)) ||
            fl_train_freeze_setup(m[k], o[k], k ? &frozen : &plain, 0, 0, NULL, &err))
            return fprintf(stderr, "%s\n", err.msg), 1;
    int W = fl_model_window_len(m[0], T);
    int32_t *tok = malloc(sizeof(int32_t) * B * W);
    fl_adamw_config ac;
    fl_adamw_config_default(&ac);
    double t[2][REPS];
    for (int r = 0; r < REPS + 2; r++) /* two warm-up rounds */
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < B * W; i++) tok[i] = (int32_t)((i * 7919 + r * 104729) % c.vocab_size);
            fl_losses L;
            double t0 = fl_wall_seconds();
            fl_model_zero_grad(m[k]);
            fl_model_forward_backward(m[k], tok, B, T, &L, &err);
            fl_train_clip_trainable(m[k], o[k], 1.0f);
            fl_adamw_step(o[k], m[k], &ac);
            if (r >= 2) t[k][r - 2] = fl_wall_seconds() - t0;
        }
    qsort(t[0], REPS, sizeof(double), cmp);
    qsort(t[1], REPS, sizeof(double), cmp);
    printf("%s", argv[1]);
    for (int i = 2; i < argc; i++) printf(" %s", argv[i]);
    printf(": median step %.1f ms unfrozen, %.1f ms frozen: %.2fx faster\n", 1e3 * t[0][REPS / 2],
           1e3 * t[1][REPS / 2], t[0][REPS / 2] / t[1][REPS / 2]);
    return 0;
}
