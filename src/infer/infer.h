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
    float *z;            /* [V] the logits after the repetition penalty (filled only when there is one) */
    sampler_cand *cands; /* [V] tokens sorted by probability (top-k, top-p) */
    unsigned char *seen; /* [V] repetition-penalty marks, all zero between calls */
} sampler_ws;

fl_status fli_sampler_ws_init(sampler_ws *ws, int V, fl_error *err);
void fli_sampler_ws_free(sampler_ws *ws);

/* The distribution the sampler chain of fl_sampler_config draws from: probs[V]
 * (zero for filtered tokens, summing to 1; one-hot at temperature 0). history
 * [n_hist] is the context the token follows (for the repetition penalty); probs
 * must not overlap logits. */
void fli_sampler_probs(const fl_sampler_config *c, const float *logits, int V, const int32_t *history, int n_hist,
                   float *probs, sampler_ws *ws);
/* The token fli_sampler_probs makes certain at temperature 0, without building
 * the distribution or drawing from it. */
int fli_sampler_greedy(const fl_sampler_config *c, const float *logits, int V, const int32_t *history, int n_hist,
                       sampler_ws *ws);
/* One draw from probs (inverse CDF in id order). */
int fli_sampler_draw(const float *probs, int V, fl_rng *rng);

/* The draft depth of speculative rounds, adapted to the measured cost of draft
 * steps and verifying passes and to the measured acceptance (draft_depth.c). */
typedef struct {
    int max, adapt;                   /* the deepest round; 0: always max */
    long rounds;                      /* rounds chosen so far */
    long next_probe, gap;             /* the next probe round, and the gap to the one after */
    int probed_best;                  /* the best depth at the last probe */
    double drf[FL_MAX_FUTURE];        /* seconds of a round's k draft steps, k = 1..max-1 (moving average) */
    long drf_n[FL_MAX_FUTURE];
    double ver[FL_MAX_FUTURE + 1];    /* seconds of a verifying pass over K rows, K = 1..max */
    long ver_n[FL_MAX_FUTURE + 1];
    double acc[FL_MAX_FUTURE];        /* acceptance at draft position i once the drafts before it were */
    long acc_n[FL_MAX_FUTURE];
} fli_depth;

void fli_depth_init(fli_depth *d, int max_depth, int adapt);
/* The depth of the next round, 1..max (1: an ar step). */
int fli_depth_choose(fli_depth *d);
/* What a round measured: `steps` draft steps in `seconds`; a verifying pass over K rows; a verdict. */
void fli_depth_drafts(fli_depth *d, int steps, double seconds);
void fli_depth_verify(fli_depth *d, int K, double seconds);
void fli_depth_verdict(fli_depth *d, int pos, int accepted);
/* A generator's depth policy, for tests that set its measurements. */
fli_depth *fli_generator_depth(fl_generator *g);

/* A speculative round's draft tree (tree.c): node 0 is the round's first token,
 * every node at depth d has width[d] children, nodes are numbered level by
 * level (so a parent's number is below its children's), and a chain of K
 * tokens is the tree of widths 1, ..., 1. */
enum { FLI_TREE_MAX = 64 }; /* nodes */
typedef struct {
    int n, levels;                         /* nodes; depths 0..levels-1 */
    int level_start[FL_MAX_FUTURE + 1];    /* first node of each depth; [levels] = n */
    int parent[FLI_TREE_MAX], depth[FLI_TREE_MAX];
    int rows[FLI_TREE_MAX * (FL_MAX_FUTURE + 1)]; /* scratch: each node's gathered attention rows */
    int n_rows[FLI_TREE_MAX];
} fli_tree;

/* The tree of `levels` depths whose nodes at depth d have width[d] children;
 * its node count (more than FLI_TREE_MAX: the count, and t is not usable). */
int fli_tree_build(fli_tree *t, const int *width, int levels);

/* Session side (session.c). Appends the nodes' tokens at rows len..len+n-1,
 * node i at position len + depth[i], attending to the cache and its own
 * ancestors only; logits [n, Vp] of decoder step 0 at every node, in slots
 * 0..n-1. Then fli_session_tree_commit keeps the path path[0..n) (node numbers,
 * path[0] = 0) as positions first.. and cuts the cache after it. */
fl_status fli_session_append_tree(fl_session *s, const int32_t *tokens, fli_tree *t, float *logits, fl_error *err);
void fli_session_tree_commit(fl_session *s, int first, const int *path, int n);
/* Draft decoder step level + 1 for every node at depth `level` (their tokens
 * tokens[0..]) on the draft weights, from the position whose decoder state is
 * in root_slot: logits [nodes, Vp]. Node a keeps its step's keys in slot a. */
void fli_session_draft_level(fl_session *s, int root_slot, fli_tree *t, int level, const int32_t *tokens,
                             float *logits);
#endif
