/* A speculative round over a draft tree (SPEC mode; a chain is the tree of
 * widths 1, ..., 1).
 *
 * Drafting: the round's first token y1 is the root. Level by level, one
 * batched draft step of the decoder (step d + 1 for the nodes at depth d, from
 * the decoder state of the last cached position) gives each node's draft
 * distribution, and the node gets width[d] children: greedy, the decoder's top
 * choices (the first one what the greedy sampler would take); sampling,
 * independent draws from the sampler distribution q of that node. A node's
 * decoder step attends to its own ancestors' steps only (session.c keeps node
 * a's keys in slot a), so it is exactly the chain's step along its path.
 *
 * Verifying: one encoder pass over every node, node i at position len + depth
 * attending to the cache and its ancestors (a tree mask), with decoder step 0
 * at each node, gives the model's own distribution p after every node. From
 * the root down, the children of the current node are tried in order:
 *  - greedy: the child equal to p's greedy token is accepted, if there is one;
 *    otherwise p's token ends the round (so the tokens are ar's);
 *  - sampling: child c (drawn from q) is accepted with probability
 *    min(1, p(c) / q(c)); after a rejection p becomes max(0, p - q)
 *    renormalised and the next child is tried against it; if every child is
 *    rejected, the round ends with a draw from the last residual. Each child is
 *    a fresh draw from the same q, so every try is one step of the standard
 *    speculative-sampling rule against the current target, whose rejection
 *    branch samples that residual exactly: the token is distributed as p
 *    (SpecInfer's multi-candidate rule; Miao et al. 2024).
 * The accepted path's cache rows are then moved into place (session.c,
 * fli_session_tree_commit) and the next round drafts from the last accepted
 * node's decoder slot, which the verifying pass filled. */
#include <math.h>
#include <string.h>

#include "infer/generator.h"
#include "util/error.h"

int fli_tree_build(fli_tree *t, const int *width, int levels) {
    long n = 1, level_n = 1;
    for (int d = 0; d + 1 < levels; d++) {
        level_n *= width[d];
        n += level_n;
        if (n > FLI_TREE_MAX) return (int)(n < (1 << 30) ? n : (1 << 30));
    }
    t->levels = levels;
    t->n = 1;
    t->parent[0] = -1, t->depth[0] = 0, t->level_start[0] = 0;
    for (int d = 0; d + 1 < levels; d++) {
        const int from = t->level_start[d], to = t->n;
        t->level_start[d + 1] = to;
        for (int a = from; a < to; a++)
            for (int c = 0; c < width[d]; c++, t->n++) t->parent[t->n] = a, t->depth[t->n] = d + 1;
    }
    t->level_start[levels] = t->n;
    return t->n;
}

/* Writes the ancestors of node a (depths 1..depth[a]) into hist after the
 * root, so that the sampler sees a's path as its history. */
static void set_path(fl_generator *g, const int32_t *tok, int a) {
    for (; a > 0; a = g->tree.parent[a]) g->hist[g->hlen - 1 + g->tree.depth[a]] = tok[a];
}

/* The w best tokens of a draft row for greedy drafting: first the greedy
 * sampler's own choice (what a chain drafts), then the highest logits. */
static void top_children(fl_generator *g, const float *row, long i, int w, int32_t *kids) {
    kids[0] = fli_gen_greedy_at(g, row, i);
    for (int c = 1; c < w; c++) {
        int32_t best = -1;
        for (int v = 0; v < g->V; v++) {
            int taken = 0;
            for (int j = 0; j < c; j++) taken |= kids[j] == v;
            if (!taken && (best < 0 || row[v] > row[best])) best = v;
        }
        kids[c] = best < 0 ? kids[0] : best;
    }
}

/* Drafts the levels below the root; returns the levels kept (a confidence cut
 * ends the tree after a level none of whose drafts the decoder trusts). */
static int draft(fl_generator *g, int32_t *tok) {
    fli_tree *t = &g->tree;
    const float cut = g->cfg.draft_confidence;
    for (int d = 0; d + 1 < t->levels; d++) {
        const int a0 = t->level_start[d], a1 = t->level_start[d + 1], w = g->width[d];
        fli_session_draft_level(g->s, g->slot, t, d, tok + a0, g->logits);
        int trusted = 0;
        for (int a = a0; a < a1; a++) {
            const float *row = g->logits + (size_t)(a - a0) * g->Vp;
            const long i = g->hlen + d; /* the index of a's children in hist */
            int32_t *kids = tok + a1 + (a - a0) * w;
            set_path(g, tok, a);
            if (g->greedy) {
                top_children(g, row, i, w, kids);
            } else {
                float *q = g->q + (size_t)a * g->V;
                fli_gen_probs_at(g, row, i, q);
                for (int c = 0; c < w; c++) kids[c] = fli_sampler_draw(q, g->V, &g->rng);
            }
            for (int c = 0; c < w && cut > 0.0f && !trusted; c++) trusted = fli_gen_softmax_at(row, g->V, kids[c]) >= cut;
        }
        if (cut > 0.0f && !trusted) return d + 2;
        int all_stop = g->cfg.stop; /* every draft of the level ends the text: nothing deeper can be delivered */
        for (int k = a1; k < a1 + (a1 - a0) * w && all_stop; k++) all_stop = fli_gen_is_stop(g, tok[k]);
        if (all_stop) return d + 2;
    }
    return t->levels;
}

/* Sampling: tries the children [c0, c0 + w) of node a against p (the model's
 * distribution after a, in g->p); returns the accepted child, or -1 with the
 * final residual left in g->p. */
static int try_children(fl_generator *g, const int32_t *tok, int a, int c0, int w, const float *row) {
    const float *q = g->q + (size_t)a * g->V;
    for (int c = c0; c < c0 + w; c++) {
        const int32_t y = tok[c];
        if (q[y] > 0.0f && (g->p[y] >= q[y] || fl_rng_uniform(&g->rng) * q[y] < g->p[y])) return c;
        double mass = 0.0;
        for (int v = 0; v < g->V; v++) {
            float r = g->p[v] - q[v];
            g->p[v] = r > 0.0f ? r : 0.0f;
            mass += g->p[v];
        }
        if (!(mass > 0.0)) { /* p == q up to rounding: the residual is undefined, p itself stands */
            fli_gen_probs_at(g, row, g->hlen, g->p);
            continue;
        }
        for (int v = 0; v < g->V; v++) g->p[v] = (float)(g->p[v] / mass);
    }
    return -1;
}

fl_status fli_tree_round(fl_generator *g, int K, int32_t *out, int *emitted, fl_error *err) {
    fli_tree *t = &g->tree;
    const long len = g->hlen - g->base - 1; /* cached positions; hist[hlen-1] (the root) is not cached */
    const long room = (g->base + g->T) - (g->hlen - 1);
    while (K > 1 && fli_tree_build(t, g->width, K) > room) K--; /* the nodes' rows must fit the cache */
    fli_tree_build(t, g->width, K);
    int32_t tok[FLI_TREE_MAX];
    tok[0] = g->hist[g->hlen - 1];

    const double t_draft = fl_wall_seconds();
    const int levels = draft(g, tok);
    if (levels < t->levels) fli_tree_build(t, g->width, levels); /* a prefix of the level order */
    const double t_verify = fl_wall_seconds();
    fli_depth_drafts(&g->dp, levels - 1, t_verify - t_draft);
    /* A last level of stop tokens is verified by its parents' rows and never
     * needs a row of its own (what would follow it is never delivered): the
     * pass covers the levels above it, a prefix of the level order. */
    int rows_levels = levels, all_stop = levels > 1 && g->cfg.stop;
    for (int k = t->level_start[levels - 1]; k < t->n && all_stop; k++) all_stop = fli_gen_is_stop(g, tok[k]);
    if (all_stop) rows_levels = levels - 1;
    const int nodes = t->n;
    t->n = t->level_start[rows_levels];
    fl_status st = fli_session_append_tree(g->s, tok, t, g->logits, err);
    t->n = nodes;
    if (st) return st;
    g->st.encoder_passes++;

    int path[FL_MAX_FUTURE + 1], a = 0, stop = 0, kept = levels;
    path[0] = 0;
    for (int d = 1; d < levels && !stop && !g->ended; d++) {
        const float *row = g->logits + (size_t)a * g->Vp;
        const int w = g->width[d - 1], c0 = t->level_start[d] + (a - t->level_start[d - 1]) * w;
        int got = -1;
        int32_t y;
        g->st.drafted[d]++;
        if (g->greedy) {
            y = fli_gen_greedy_at(g, row, g->hlen);
            for (int c = c0; c < c0 + w && got < 0; c++)
                if (tok[c] == y) got = c;
        } else {
            fli_gen_probs_at(g, row, g->hlen, g->p);
            got = try_children(g, tok, a, c0, w, row);
            y = got >= 0 ? tok[got] : fli_sampler_draw(g->p, g->V, &g->rng);
        }
        fli_depth_verdict(&g->dp, d, got >= 0);
        g->hist[g->hlen++] = y;
        out[(*emitted)++] = y;
        if (got >= 0) {
            g->st.accepted[d]++;
            path[d] = a = got;
            kept = d + 1;
        } else {
            stop = kept = d; /* y is chosen but not cached: the next round starts from it */
        }
        g->ended = fli_gen_is_stop(g, y); /* the text is over: no more tokens from this round */
    }
    fli_depth_verify(&g->dp, rows_levels, fl_wall_seconds() - t_verify);
    if (kept > rows_levels) kept = rows_levels; /* an accepted stop token has no row: the text is over */
    /* kept: cached tokens of the round, the root and the accepted drafts */
    fli_session_tree_commit(g->s, (int)len, path, kept);
    g->slot = a;
    g->forced = stop > 0;
    if (!stop && !g->ended) memcpy(g->target, g->logits + (size_t)a * g->Vp, sizeof(float) * (size_t)g->Vp);
    return FL_OK;
}
