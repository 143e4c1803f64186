/* A tiny random model for the generation tests (test_generate*.c). */
#ifndef FL_TESTS_GENERATE_MODEL_H
#define FL_TESTS_GENERATE_MODEL_H
#include <stdlib.h>

#include "check.h"
#include "futurelm.h"

/* tie: ftp.tie_dec_embd (0: the decoder reads its own dec.wte) */
static fl_model *tiny(fl_model_type type, int V, int T, int C, int N, float scale, uint64_t seed, int tie) {
    fl_model_config cfg;
    fl_model_config_default(&cfg, type);
    cfg.vocab_size = V, cfg.block_size = T, cfg.n_layer = 2, cfg.n_head = 2, cfg.n_embd = C;
    cfg.n_future = N, cfg.pseudo_len = 3, cfg.dec_layers = 2, cfg.dec_heads = 2, cfg.tie_dec_embd = tie;
    fl_model *m;
    fl_error err;
    if (fl_model_create(&cfg, &m, &err)) {
        check(0, "create model", "%s", err.msg);
        exit(1);
    }
    fl_model_init_weights(m, seed);
    /* GPT-2's init is nearly uniform over the vocabulary; scaling the weights
     * makes the distributions peaked, so the decoder's drafts and the encoder's
     * verdicts disagree often enough for the tests to see mistakes. */
    if (scale != 1.0f)
        for (int i = 0; i < fl_model_num_tensors(m); i++) {
            const fl_tensor *t = fl_model_tensor(m, i);
            if (t->ndim == 2)
                for (size_t j = 0; j < t->numel; j++) t->data[j] *= scale;
        }
    return m;
}
#endif
