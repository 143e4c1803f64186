/* The generator's state, shared by generate.c (the modes, the window) and
 * tree.c (a speculative round over a draft tree). Not part of the public API. */
#ifndef FL_INFER_GENERATOR_H
#define FL_INFER_GENERATOR_H
#include "infer/infer.h"

struct fl_generator {
    const fl_model *m;
    fl_gen_config cfg;
    fl_session *s;
    int T, V, Vp, depth, stride;
    int nonfinite; /* a logit row held a NaN: the model overflows (fl_generator_next fails) */
    fl_rng rng;
    int32_t *hist;
    long hlen, hcap;
    long base;
    long origin; /* where the first window starts: 0, or the prompt's length - T */
    int slot;
    int forced; /* 1 when hist's last token is not cached yet */
    int ended;  /* the stop token was delivered (fl_gen_config.stop): nothing more until the next start */
    int greedy; /* temperature 0: tokens by greedy_at, no distributions, no draws */
    int started;
    float *logits; /* [rows, Vp] from the last append (SPEC: a row per tree node) */
    float *target; /* [Vp] */
    float *p, *q;  /* [V] target probabilities, [rows, V] draft probabilities (a row per tree node) */
    int width[FL_MAX_FUTURE]; /* SPEC: children per node at each depth (all 1: a chain) */
    fli_tree tree;            /* SPEC: this round's draft tree */
    sampler_ws ws;
    fli_depth dp; /* SPEC: the depth of each round */
    fl_gen_stats st;
};

/* First context index of the window that conditions the token at index i. */
long fli_gen_window_base(const fl_generator *g, long i);
/* The sampler distribution for the token at index i (history hist[0..i)). */
void fli_gen_probs_at(fl_generator *g, const float *logits, long i, float *probs);
/* The greedy choice for the token at index i (temperature 0). */
int32_t fli_gen_greedy_at(fl_generator *g, const float *logits, long i);
/* Probability of token y under softmax(logits[0..V)): the decoder's own confidence. */
float fli_gen_softmax_at(const float *logits, int V, int32_t y);
/* y ends the text (fl_gen_config.stop). */
static inline int fli_gen_is_stop(const fl_generator *g, int32_t y) { return g->cfg.stop && y == g->cfg.stop_token; }

/* A SPEC round (tree.c): hist[hlen-1] is the round's first token, not cached;
 * drafts a tree of up to K tokens a path from the decoder state in g->slot,
 * verifies it in one encoder pass, and emits the accepted tokens into out,
 * counting them in *emitted. */
fl_status fli_tree_round(fl_generator *g, int K, int32_t *out, int *emitted, fl_error *err);
#endif
