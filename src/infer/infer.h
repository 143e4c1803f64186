/* Internals of generation shared by src/infer/ (not part of the public API). */
#ifndef FL_INFER_INFER_H
#define FL_INFER_INFER_H
#include "futurelm.h"
#include "util/rng.h"

typedef struct {
    float p;
    int32_t id;
} sampler_cand;

/* Work space of the sampler chain for a vocabulary of V tokens, allocated once. */
typedef struct {
    int V;
    float *z;            /* [V] adjusted logits */
    sampler_cand *cands; /* [V] tokens sorted by probability (top-k, top-p) */
    unsigned char *seen; /* [V] repetition-penalty marks, all zero between calls */
} sampler_ws;

fl_status fli_sampler_ws_init(sampler_ws *ws, int V, fl_error *err);
void fli_sampler_ws_free(sampler_ws *ws);

/* The distribution the sampler chain of fl_sampler_config draws from: probs[V]
 * (zero for filtered tokens, summing to 1; one-hot at temperature 0). history
 * [n_hist] is the context the token follows (for the repetition penalty). */
void fli_sampler_probs(const fl_sampler_config *c, const float *logits, int V, const int32_t *history, int n_hist,
                   float *probs, sampler_ws *ws);
/* One draw from probs (inverse CDF in id order). */
int fli_sampler_draw(const float *probs, int V, fl_rng *rng);
#endif
