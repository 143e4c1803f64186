/* Loading a checkpoint folder (fl_checkpoint_load, fl_checkpoint_load_optimizer):
 * the input is a 4-byte little-endian length L, then L bytes of
 * model.safetensors, then (when any are left) optimizer.safetensors. Anything
 * malformed is refused with a message; in particular a model whose config asks
 * for more than the file holds is refused before its buffers are allocated
 * (-rss_limit_mb catches the allocation otherwise). A model that loads keeps
 * issue 14's promises: its config validates and every weight is finite. A small
 * one then predicts from two tokens and its logits are finite; an optimizer that
 * loads has finite moments. */
#include <math.h>

#include "fuzz_util.h"

static void drop_files(void) {
    fuzz_remove("ck/model.safetensors");
    fuzz_remove("ck/optimizer.safetensors");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    size_t L = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 | (size_t)data[3] << 24;
    if (L > size - 4) L = size - 4;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/ck", fuzz_dir());
    mkdir(dir, 0755);
    drop_files();
    fuzz_write("ck/model.safetensors", data + 4, L);
    int has_opt = size - 4 - L > 0;
    if (has_opt) fuzz_write("ck/optimizer.safetensors", data + 4 + L, size - 4 - L);
    fl_model *m = NULL;
    fl_error err = {0};
    if (fl_checkpoint_load(dir, &m, NULL, &err) != FL_OK) {
        FUZZ_CHECK(!m && err.msg[0], "a refused checkpoint without a message");
        return 0;
    }
    const fl_model_config *c = fl_model_get_config(m);
    FUZZ_CHECK(fl_model_config_validate(c, &err) == FL_OK, "a loaded model's config is invalid: %s", err.msg);
    const float *w = fl_model_params(m);
    size_t np = fl_model_num_params(m);
    for (size_t i = 0; i < np; i++) FUZZ_CHECK(isfinite(w[i]), "weight %zu of %zu is %g after loading", i, np, w[i]);
    if (np <= 200000 && c->block_size >= 2) {
        int32_t toks[2] = {0, c->vocab_size - 1};
        float *logits = malloc(sizeof *logits * (size_t)fl_padded_vocab(c->vocab_size));
        if (!logits) abort();
        /* finite weights can still overflow (1e30 x 1e30): then the call must say so, never hand back NaNs */
        fl_status lst = fl_model_next_logits(m, toks, 2, logits, &err);
        FUZZ_CHECK(lst == FL_OK || lst == FL_ERR_NONFINITE, "next_logits: %s", err.msg);
        for (int i = 0; i < c->vocab_size && lst == FL_OK; i++)
            FUZZ_CHECK(!isnan(logits[i]), "logit %d is %g", i, logits[i]);
        free(logits);
    }
    if (has_opt) {
        fl_adamw *opt = NULL;
        FUZZ_CHECK(fl_adamw_create(m, &opt, &err) == FL_OK, "adamw: %s", err.msg);
        if (fl_checkpoint_load_optimizer(dir, m, opt, &err) == FL_OK) {
            const float *mo = fl_adamw_m(opt), *vo = fl_adamw_v(opt);
            for (size_t i = 0; i < np; i++)
                FUZZ_CHECK(isfinite(mo[i]) && isfinite(vo[i]) && vo[i] >= 0, "moment %zu is %g, %g", i, mo[i], vo[i]);
            FUZZ_CHECK(fl_adamw_steps_taken(opt) >= 0, "%ld optimizer steps", fl_adamw_steps_taken(opt));
        } else {
            FUZZ_CHECK(err.msg[0], "a refused optimizer without a message");
        }
        fl_adamw_free(opt);
    }
    fl_model_free(m);
    return 0;
}
