/* Same seed and same thread count give bit-identical losses, for both models.
 * futurelm goes further: every reduction has a fixed order, so 1 and 2 threads
 * also agree bit for bit; that is checked too when OpenMP is on. */
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "check.h"
#include "futurelm.h"
#include "util/rng.h"

#define STEPS 6

static void train(fl_model_type type, int positions, float *losses, fl_profile *prof) {
    fl_model_config cfg;
    fl_model_config_default(&cfg, type);
    cfg.vocab_size = 101, cfg.block_size = 24, cfg.n_layer = 2, cfg.n_head = 2, cfg.n_embd = 32;
    cfg.n_future = 3, cfg.pseudo_len = 2, cfg.dec_layers = 1, cfg.positions = positions;
    const int B = 2, T = 24;
    fl_model *m;
    fl_adamw *opt;
    fl_error err;
    if (fl_model_create(&cfg, &m, &err) || fl_model_reserve(m, B, T, &err) || fl_adamw_create(m, &opt, &err)) {
        printf("not ok - setup: %s\n", err.msg);
        return;
    }
    fl_model_init_weights(m, 1234);
    fl_model_set_profile(m, prof);
    fl_adamw_config oc;
    fl_adamw_config_default(&oc);
    oc.lr = 3e-3f;
    int W = fl_model_window_len(m, T);
    int32_t tokens[2 * 64];
    fl_rng rng;
    fl_rng_seed(&rng, 99);
    for (int i = 0; i < B * W; i++) tokens[i] = (int32_t)fl_rng_below(&rng, 101);
    for (int s = 0; s < STEPS; s++) { /* one batch, seen again each step: the loss must fall */
        fl_losses L;
        fl_model_zero_grad(m);
        fl_model_forward_backward(m, tokens, B, T, &L, &err);
        fl_clip_grad_norm(m, 1.0f);
        fl_adamw_step(opt, m, &oc);
        losses[s] = L.loss;
    }
    fl_adamw_free(opt);
    fl_model_free(m);
}

static void compare(const char *what, fl_model_type type, int positions) {
    float a[STEPS], b[STEPS];
    train(type, positions, a, NULL);
    train(type, positions, b, NULL);
    char name[128];
    snprintf(name, sizeof name, "%s: same seed, same threads -> bit-identical losses", what);
    check(!memcmp(a, b, sizeof a) && a[STEPS - 1] < a[0], name, "%.9g vs %.9g", a[STEPS - 1], b[STEPS - 1]);
    /* The profile only reads the clock: the same losses, and every kernel
     * category the passes call has booked time inside its phase's total. */
    fl_profile p;
    memset(&p, 0, sizeof p);
    train(type, positions, b, &p);
    int booked = 1, nested = 1;
    const int phases[3] = {FL_PHASE_ENCODER, FL_PHASE_DECODER, FL_PHASE_LM_HEAD};
    for (int i = 0; i < 3; i++) {
        int ph = phases[i];
        if (ph == FL_PHASE_DECODER && type != FL_MODEL_FTP) continue;
        double ops = 0;
        for (int o = 0; o < FL_PROF_OPS; o++) ops += p.seconds[ph][o];
        nested &= ops <= p.phase_seconds[ph] * (1 + 1e-9);
        if (ph == FL_PHASE_LM_HEAD)
            booked &= p.seconds[ph][FL_PROF_GEMM] > 0 && p.seconds[ph][FL_PROF_CROSSENTROPY] > 0;
        else /* no GELU: training runs it in the fc product's epilogue, booked as gemm */
            booked &= p.seconds[ph][FL_PROF_GEMM] > 0 && p.seconds[ph][FL_PROF_ATTENTION] > 0 &&
                      p.seconds[ph][FL_PROF_LAYERNORM] > 0 && p.seconds[ph][FL_PROF_EMBEDDING] > 0;
    }
    if (type != FL_MODEL_FTP) booked &= p.phase_seconds[FL_PHASE_DECODER] == 0;
    snprintf(name, sizeof name, "%s: profiled -> the same losses; each phase's kernels booked within its total", what);
    check(!memcmp(a, b, sizeof a) && booked && nested, name, "losses %s, booked %d, nested %d",
          memcmp(a, b, sizeof a) ? "differ" : "equal", booked, nested);
#ifdef _OPENMP
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    train(type, positions, a, NULL);
    omp_set_num_threads(2);
    train(type, positions, b, NULL);
    omp_set_num_threads(saved);
    snprintf(name, sizeof name, "%s: 1 thread and 2 threads -> bit-identical losses", what);
    check(!memcmp(a, b, sizeof a), name, "%.9g vs %.9g", a[STEPS - 1], b[STEPS - 1]);
#endif
}

int main(void) {
    compare("gpt", FL_MODEL_GPT, 0);
    compare("ftp", FL_MODEL_FTP, 0);
    compare("ftp with ftp.positions=5", FL_MODEL_FTP, 5);
    return check_exit();
}
