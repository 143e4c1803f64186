/* Linear CKA (Kornblith et al., 2019) between the representation at every
 * level of model a and every level of model b, on the same positions of the
 * same windows: each level's vectors at the sampled positions, centred once,
 * then one n x Ca x Cb product a pair (eval/metrics/cka.h). The
 * windows are a's; b reads their first T tokens (an encoder pass needs no
 * targets), so a GPT and an FTP model compare on identical inputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/measures/toplayer.h"
#include "eval/metrics/cka.h"
#include "util/error.h"

/* Every level's vectors of model m at the sampled positions, columns centred,
 * into X [L + 1, n, C] (malloc'd), and each level's |Xc^T Xc|_F^2 into self. */
static fl_status level_features(fl_model *m, const fl_windows *w, int B, long want, float **X, double *self,
                                float *scratch, long *n, fl_error *err) {
    const fl_model_config *c = fl_model_get_config(m);
    const int levels = c->n_layer + 1, C = c->n_embd;
    *X = malloc((size_t)levels * fl_top_count(w, want) * C * sizeof **X);
    if (!*X) return fl_fail(err, FL_ERR_NOMEM, "out of memory (%d levels of %ld positions)", levels, fl_top_count(w, want));
    fl_status st = fl_top_gather(m, w, B, want, 0, *X, n, err);
    for (int l = 0; l < levels && !st; l++) {
        float *x = *X + (size_t)l * *n * C;
        fl_cka_centre(x, (int)*n, C);
        self[l] = fl_cka_cross(x, C, x, C, (int)*n, scratch);
    }
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
    if (n > 1L << 20) return fl_fail(err, FL_ERR_ARG, "CKA over %ld positions: pass --positions 1048576 or fewer", n);
    const int la = ca->n_layer + 1, lb = cb->n_layer + 1, Ca = ca->n_embd, Cb = cb->n_embd;
    const int big = Ca > Cb ? Ca : Cb;
    r->levels_a = la, r->levels_b = lb, r->windows = w->n, r->T = w->T, r->positions = n;
    r->cka = malloc((size_t)la * lb * sizeof *r->cka);
    double *sa = malloc((size_t)la * sizeof *sa), *sb = malloc((size_t)lb * sizeof *sb);
    float *scratch = malloc((size_t)big * big * sizeof *scratch), *xa = NULL, *xb = NULL;
    long na = 0, nb = 0;
    fl_status st = !r->cka || !sa || !sb || !scratch ? fl_fail(err, FL_ERR_NOMEM, "out of memory") : FL_OK;
    if (!st) st = level_features(a, w, B, positions, &xa, sa, scratch, &na, err);
    if (!st) st = level_features(b, w, B, positions, &xb, sb, scratch, &nb, err);
    for (int i = 0; i < la && !st; i++)
        for (int j = 0; j < lb; j++) {
            const double xy = fl_cka_cross(xa + (size_t)i * n * Ca, Ca, xb + (size_t)j * n * Cb, Cb, (int)n, scratch);
            r->cka[(size_t)i * lb + j] = sa[i] > 0 && sb[j] > 0 ? xy / sqrt(sa[i] * sb[j]) : 0;
        }
    free(sa), free(sb), free(scratch), free(xa), free(xb);
    if (st) fl_cka_result_free(r);
    return st;
}

void fl_cka_result_free(fl_cka_result *r) {
    free(r->cka);
    memset(r, 0, sizeof *r);
}
