/* Linear CKA (Kornblith et al., 2019) between the representation at every
 * level of model a and every level of model b, on the same positions of the
 * same windows: each level's vectors at the sampled positions, their centred
 * Gram [n, n] once, then one inner product a pair (eval/metrics/cka.h). The
 * windows are a's; b reads their first T tokens (an encoder pass needs no
 * targets), so a GPT and an FTP model compare on identical inputs. */
#include <stdlib.h>
#include <string.h>

#include "eval/measures/toplayer.h"
#include "eval/metrics/cka.h"
#include "util/error.h"

/* Every level's centred Gram of model m, into grams [L + 1, n, n]. */
static fl_status level_grams(fl_model *m, const fl_windows *w, int B, long want, float *grams, long *n,
                             fl_error *err) {
    const fl_model_config *c = fl_model_get_config(m);
    const int levels = c->n_layer + 1, C = c->n_embd;
    float *X = malloc((size_t)levels * fl_top_count(w, want) * C * sizeof *X);
    if (!X) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st = fl_top_gather(m, w, B, want, 0, X, n, err);
    for (int l = 0; l < levels && !st; l++)
        st = fl_cka_gram(X + (size_t)l * *n * C, (int)*n, C, grams + (size_t)l * *n * *n, err);
    free(X);
    return st;
}

fl_status fl_eval_cka(fl_model *a, fl_model *b, const fl_windows *w, int B, long positions, fl_cka_result *r,
                      fl_error *err) {
    memset(r, 0, sizeof *r);
    const fl_model_config *ca = fl_model_get_config(a), *cb = fl_model_get_config(b);
    if (w->n < 1) return fl_fail(err, FL_ERR_ARG, "no windows to evaluate");
    if (w->T > ca->block_size || w->T > cb->block_size)
        return fl_fail(err, FL_ERR_ARG, "windows of context %d are longer than a model's block_size (%d and %d); "
                       "pass --context", w->T, ca->block_size, cb->block_size);
    if (ca->vocab_size != cb->vocab_size)
        return fl_fail(err, FL_ERR_ARG, "the two models read different vocabularies (%d and %d tokens): CKA needs "
                       "identical inputs", ca->vocab_size, cb->vocab_size);
    const long n = fl_top_count(w, positions);
    if (n < 2) return fl_fail(err, FL_ERR_ARG, "CKA needs at least 2 positions");
    /* a Gram a level and model: 4096 positions are 64 MB each, 1.7 GB for two 12-block models */
    if (n > 4096) return fl_fail(err, FL_ERR_ARG, "CKA over %ld positions would need Grams of %ld x %ld a level; pass --positions 4096 or fewer", n, n, n);
    const int la = ca->n_layer + 1, lb = cb->n_layer + 1;
    r->levels_a = la, r->levels_b = lb, r->windows = w->n, r->T = w->T, r->positions = n;
    float *ga = malloc((size_t)la * n * n * sizeof *ga), *gb = malloc((size_t)lb * n * n * sizeof *gb);
    r->cka = malloc((size_t)la * lb * sizeof *r->cka);
    long na = 0, nb = 0;
    fl_status st = !ga || !gb || !r->cka ? fl_fail(err, FL_ERR_NOMEM, "out of memory (Grams of %ld positions)", n) : FL_OK;
    if (!st) st = level_grams(a, w, B, positions, ga, &na, err);
    if (!st) st = level_grams(b, w, B, positions, gb, &nb, err);
    for (int i = 0; i < la && !st; i++)
        for (int j = 0; j < lb; j++)
            r->cka[(size_t)i * lb + j] = fl_cka_from_grams(ga + (size_t)i * n * n, gb + (size_t)j * n * n, (int)n);
    free(ga), free(gb);
    if (st) fl_cka_result_free(r);
    return st;
}

void fl_cka_result_free(fl_cka_result *r) {
    free(r->cka);
    memset(r, 0, sizeof *r);
}
