/* The positions the top-layer instruments read, and `futurelm eval
 * lens|collapse|cka|neurons` as one library call (toplayer.h). */
#include <stdlib.h>
#include <string.h>

#include "eval/measures/toplayer.h"
#include "util/error.h"

void fl_top_opts_default(fl_top_opts *o) {
    memset(o, 0, sizeof *o);
    fl_measure_opts_default(&o->base);
    /* the lens decodes every layer through the V x C head: 4096 positions of
     * 12 layers are 3.8e12 flops with GPT-2's head, under a minute on one core */
    o->lens_positions = 4096;
    o->classes = 64;
    o->per_class = 128;
    /* CKA's floor for unrelated isotropic features is p/(n+p-2) (docs/evaluation.md):
     * 0.16 at n = 4096, C = 768 (0.43 at 1024); 4096 positions of 13 levels are
     * 160 MB a 768-wide model, and 169 pairs of 2 n C^2 flops, under a minute */
    o->cka_positions = 4096;
    o->neuron_positions = 4096;
    o->directions = 8;
    o->coords = 0;
    o->tokens = 8;
}

long fl_top_stride(long total, long want) { return want <= 0 || want >= total ? 1 : total / want; }

long fl_top_count(const fl_windows *w, long want) {
    const long total = (long)w->n * w->T;
    return want <= 0 || want >= total ? total : want;
}

typedef struct {
    const fl_windows *w;
    long stride, want, n;
    int from, L, C;
    float *out;
} gather_ctx;

static fl_status gather_batch(void *ctx, fl_model *m, int first, int rows, const fl_losses *l, fl_error *err) {
    (void)l, (void)err;
    gather_ctx *g = ctx;
    const int T = g->w->T, C = g->C;
    for (int i = 0; i < rows; i++)
        for (int t = 0; t < T && g->n < g->want; t++) {
            if (((long)(first + i) * T + t) % g->stride) continue;
            for (int lev = g->from; lev <= g->L; lev++) {
                const float *x = lev < g->L ? fl_model_block_output(m, lev) : fl_model_hidden(m);
                memcpy(g->out + ((size_t)(lev - g->from) * g->want + g->n) * C, x + ((size_t)i * T + t) * C,
                       C * sizeof(float));
            }
            g->n++;
        }
    return FL_OK;
}

fl_status fl_top_gather(fl_model *m, const fl_windows *w, int B, long want, int from, float *out, long *n,
                        fl_error *err) {
    const fl_model_config *c = fl_model_get_config(m);
    const long total = (long)w->n * w->T;
    gather_ctx g = {w, fl_top_stride(total, want), fl_top_count(w, want), 0, from, c->n_layer, c->n_embd, out};
    fl_status st = fl_eval_batches(m, FL_EVAL_ENCODE, w->tokens, (size_t)w->len, w->n, w->T, B, gather_batch, &g, err);
    *n = g.n;
    /* never fewer than asked: stride = floor(total / want) leaves ceil(total / stride) >= want multiples */
    return st;
}

fl_status fl_top_run(const fl_eval_ckpt *a, const fl_eval_ckpt *b, fl_top_kind kind, const fl_top_opts *o,
                     fl_top_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    r->kind = kind;
    if ((kind == FL_TOP_CKA) != (b != NULL))
        return fl_fail(err, FL_ERR_ARG, kind == FL_TOP_CKA ? "cka compares two checkpoints" : "one checkpoint only");
    fl_windows w;
    fl_status st = fl_measure_windows(a, &o->base, &w, &r->cover, err);
    if (st) return st;
    const int B = o->base.B;
    switch (kind) {
    case FL_TOP_LENS: st = fl_eval_lens(a->m, &w, B, o->lens_positions, &r->lens, err); break;
    case FL_TOP_COLLAPSE: st = fl_eval_collapse(a->m, &w, B, o->classes, o->per_class, &r->col, err); break;
    case FL_TOP_CKA: st = fl_eval_cka(a->m, b->m, &w, B, o->cka_positions, &r->cka, err); break;
    case FL_TOP_NEURONS:
        st = fl_eval_neurons(a->m, &w, B, o->neuron_positions, o->directions, o->coords, o->tokens, &r->neu, err);
        break;
    }
    fl_windows_free(&w);
    return st;
}

void fl_top_result_free(fl_top_result *r) {
    fl_lens_result_free(&r->lens);
    fl_collapse_result_free(&r->col);
    fl_cka_result_free(&r->cka);
    fl_neurons_result_free(&r->neu);
}
