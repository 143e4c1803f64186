/* Token generation over a session: the AR, BLOCK and SPEC modes of futurelm.h,
 * the sliding context window, and the statistics --stats prints.
 *
 * State between rounds: hist[0..hlen) holds every token so far (prompt and
 * output). The cache holds hist[base .. base + len) at positions 0..len-1, and
 * `target` holds the sampler distribution's logits for the token after the last
 * cached one, whose FTP decoder state sits in slot `slot`. `forced` >= 0 means
 * the last token of hist was chosen by a rejected speculative round and is not
 * cached yet.
 *
 * The window: the token at index i is conditioned on hist[fli_gen_window_base(i) .. i),
 * a function of i and of the prompt's length alone, so every mode sees exactly
 * the same context for the same token, and speculative rounds are cut short
 * rather than let a draft straddle a move of the window. The first window ends
 * at the prompt's end (a prompt longer than the context keeps its last T
 * tokens, all of them), and each move after that goes T/2 tokens forward. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infer/generator.h"
#include "model/model.h"
#include "util/error.h"

long fli_gen_window_base(const fl_generator *g, long i) {
    const long from = i - g->origin;
    if (from <= g->T) return g->origin;
    return g->origin + ((from - g->T - 1) / g->stride + 1) * g->stride;
}

fl_status fl_generator_create(const fl_model *m, const fl_gen_config *cfg, fl_generator **out, fl_error *err) {
    *out = NULL;
    fl_status st = fl_sampler_config_validate(&cfg->sampler, err);
    if (st) return st;
    const fl_model_config *c = fl_model_get_config(m);
    int depth = 1, levels = 0; /* levels: of the draft tree, 0 = a chain */
    while (levels < FL_MAX_FUTURE && cfg->draft_tree[levels] > 0) levels++;
    for (int d = levels; d < FL_MAX_FUTURE; d++)
        if (cfg->draft_tree[d] != 0)
            return fl_fail(err, FL_ERR_ARG, "draft tree width %d at depth %d: widths are >= 1, ended by 0",
                           cfg->draft_tree[d], d);
    if (!(cfg->draft_confidence >= 0.0f && cfg->draft_confidence < 1.0f))
        return fl_fail(err, FL_ERR_ARG, "draft confidence %g: need 0 <= c < 1 (0 = always draft the full depth)",
                       cfg->draft_confidence);
    if (cfg->draft_vocab < 0 || cfg->draft_vocab > c->vocab_size)
        return fl_fail(err, FL_ERR_ARG, "draft vocabulary %d: need 0..%d (0 = the whole vocabulary)", cfg->draft_vocab,
                       c->vocab_size);
    /* first, so that a bad value is named as such (not as a mode a GPT model lacks) */
    if (cfg->mode != FL_GEN_AR && cfg->mode != FL_GEN_BLOCK && cfg->mode != FL_GEN_SPEC)
        return fl_fail(err, FL_ERR_ARG, "unknown generation mode %d", (int)cfg->mode);
    if (cfg->mode != FL_GEN_AR) {
        if (c->type != FL_MODEL_FTP)
            return fl_fail(err, FL_ERR_ARG, "mode %s needs an FTP model; GPT models generate with mode ar",
                           cfg->mode == FL_GEN_SPEC ? "spec" : "block");
        depth = cfg->mode == FL_GEN_BLOCK || cfg->draft == 0 ? c->n_future : cfg->draft;
        if (cfg->mode == FL_GEN_SPEC && levels > 0) {
            if (cfg->draft && cfg->draft != levels + 1)
                return fl_fail(err, FL_ERR_ARG, "draft %d with a tree of %d levels of drafts: the tree drafts %d tokens "
                               "a path (give one of them)", cfg->draft, levels, levels + 1);
            depth = levels + 1;
        }
        if (cfg->mode == FL_GEN_SPEC && (depth < 2 || depth > c->n_future))
            return fl_fail(err, FL_ERR_ARG, "draft %d: need 2..%d (ftp.n_future of this model)", depth, c->n_future);
    }
    int width[FL_MAX_FUTURE];
    for (int d = 0; d < FL_MAX_FUTURE; d++) width[d] = d < levels ? cfg->draft_tree[d] : 1;
    fli_tree shape;
    const int nodes = cfg->mode == FL_GEN_SPEC ? fli_tree_build(&shape, width, depth) : 1;
    if (nodes > FLI_TREE_MAX || nodes > c->block_size)
        return fl_fail(err, FL_ERR_ARG, "a draft tree of %d nodes: at most %d (and model.block_size, %d)", nodes,
                       FLI_TREE_MAX, c->block_size);
    fl_generator *g = calloc(1, sizeof *g);
    if (!g) return fl_fail(err, FL_ERR_NOMEM, "out of memory for a generator");
    g->m = m;
    g->cfg = *cfg;
    g->T = c->block_size;
    g->V = c->vocab_size;
    g->Vp = fl_padded_vocab(c->vocab_size);
    g->depth = depth;
    g->stride = g->T / 2 > 0 ? g->T / 2 : 1;
    g->greedy = cfg->sampler.temperature == 0.0f;
    fl_rng_seed(&g->rng, cfg->sampler.seed);
    memcpy(g->width, width, sizeof width);
    /* Only SPEC needs logits at several positions (a tree's nodes); BLOCK needs the last one. */
    int rows = nodes;
    st = fl_session_create(m, rows, &g->s, err);
    if (!st) st = fli_sampler_ws_init(&g->ws, g->V, err);
    if (!st && cfg->mode == FL_GEN_SPEC) st = fl_session_set_draft_precision(g->s, cfg->draft_precision, err);
    if (!st && cfg->mode == FL_GEN_SPEC && cfg->draft_vocab > 0 && cfg->draft_vocab < g->V) {
        int32_t *first = NULL;
        if (!cfg->draft_ids) { /* the first ids: BPE ranks come roughly by frequency */
            first = malloc(sizeof(int32_t) * (size_t)cfg->draft_vocab);
            for (int i = 0; first && i < cfg->draft_vocab; i++) first[i] = i;
        }
        const int32_t *ids = cfg->draft_ids ? cfg->draft_ids : first;
        st = ids ? fl_session_set_draft_vocab(g->s, ids, cfg->draft_vocab, err)
                 : fl_fail(err, FL_ERR_NOMEM, "out of memory for the draft vocabulary");
        free(first);
        g->cfg.draft_ids = NULL; /* the session keeps its own copy */
    }
    if (!st) {
        g->logits = malloc(sizeof(float) * (size_t)rows * g->Vp);
        g->target = malloc(sizeof(float) * (size_t)g->Vp);
        g->p = malloc(sizeof(float) * (size_t)g->V);
        g->q = malloc(sizeof(float) * (size_t)(rows > depth ? rows : depth) * g->V);
        if (!g->logits || !g->target || !g->p || !g->q) st = fl_fail(err, FL_ERR_NOMEM, "out of memory for a generator");
    }
    if (st) {
        fl_generator_free(g);
        return st;
    }
    g->st.max_depth = cfg->mode == FL_GEN_SPEC ? depth : 0;
    /* only the greedy sampler adapts the depth: its tokens never depend on it (draft_depth.c) */
    fli_depth_init(&g->dp, depth, cfg->mode == FL_GEN_SPEC && !cfg->draft_fixed && cfg->sampler.temperature == 0.0f);
    *out = g;
    return FL_OK;
}

void fl_generator_free(fl_generator *g) {
    if (!g) return;
    fl_session_free(g->s);
    fli_sampler_ws_free(&g->ws);
    free(g->hist);
    free(g->logits);
    free(g->target);
    free(g->p);
    free(g->q);
    free(g);
}

void fl_generator_stats(const fl_generator *g, fl_gen_stats *st) { *st = g->st; }

fli_depth *fli_generator_depth(fl_generator *g) { return &g->dp; }

void fl_generator_seed(fl_generator *g, uint64_t seed) { fl_rng_seed(&g->rng, seed); }

static fl_status reserve_hist(fl_generator *g, long n, fl_error *err) {
    if (n <= g->hcap) return FL_OK;
    long cap = g->hcap ? g->hcap : 256;
    while (cap < n) cap *= 2;
    int32_t *h = realloc(g->hist, sizeof(int32_t) * (size_t)cap);
    if (!h) return fl_fail(err, FL_ERR_NOMEM, "out of memory for the token history");
    g->hist = h;
    g->hcap = cap;
    return FL_OK;
}

/* Recompute the cache for the window of the token at index hlen: one batched
 * pass; target and slot 0 then describe the last token. */
static fl_status refill(fl_generator *g, fl_error *err) {
    g->base = fli_gen_window_base(g, g->hlen);
    fl_session_truncate(g->s, 0);
    fl_status st = fl_session_append(g->s, g->hist + g->base, (int)(g->hlen - g->base), 1, g->target, err);
    g->slot = 0;
    g->forced = 0;
    return st;
}

fl_status fl_generator_start(fl_generator *g, const int32_t *prompt, int n, int *dropped, fl_error *err) {
    if (n < 1) return fl_fail(err, FL_ERR_ARG, "the prompt has no tokens; start it with <|endoftext|> at least");
    for (int i = 0; i < n; i++)
        if (prompt[i] < 0 || prompt[i] >= g->V)
            return fl_fail(err, FL_ERR_ARG, "prompt token %d is outside the vocabulary (0..%d)", prompt[i], g->V - 1);
    fl_status st = reserve_hist(g, n + g->depth + 1, err);
    if (st) return st;
    memcpy(g->hist, prompt, sizeof(int32_t) * (size_t)n);
    g->hlen = n;
    g->ended = 0;
    g->origin = n > g->T ? n - g->T : 0;
    memset(&g->st, 0, sizeof g->st);
    g->st.max_depth = g->cfg.mode == FL_GEN_SPEC ? g->depth : 0;
    double t0 = fl_wall_seconds();
    st = refill(g, err);
    g->st.prompt_seconds = fl_wall_seconds() - t0;
    g->st.prompt_tokens = n - g->base;
    if (dropped) *dropped = (int)g->base;
    g->started = !st;
    return st;
}

/* Probability of token y under softmax(logits[0..V)): the decoder's own confidence. */
float fli_gen_softmax_at(const float *logits, int V, int32_t y) {
    float mx = logits[0];
    for (int v = 1; v < V; v++) mx = logits[v] > mx ? logits[v] : mx;
    double sum = 0.0;
    for (int v = 0; v < V; v++) sum += expf(logits[v] - mx);
    return (float)(expf(logits[y] - mx) / sum);
}

/* Notes a NaN among the logits (fl_generator_next then fails): one vector pass. */
static void note_nonfinite(fl_generator *g, const float *logits) {
    int nan = 0;
#pragma omp simd reduction(| : nan)
    for (int v = 0; v < g->V; v++) nan |= logits[v] != logits[v];
    g->nonfinite |= nan;
}

/* The sampler distribution for the token at index i (history hist[0..i)). */
void fli_gen_probs_at(fl_generator *g, const float *logits, long i, float *probs) {
    note_nonfinite(g, logits);
    long from = fli_gen_window_base(g, i);
    fli_sampler_probs(&g->cfg.sampler, logits, g->V, g->hist + from, (int)(i - from), probs, &g->ws);
}

/* The greedy choice for the token at index i (temperature 0: what probs_at
 * makes certain, without the distribution, and no random draw). */
int32_t fli_gen_greedy_at(fl_generator *g, const float *logits, long i) {
    note_nonfinite(g, logits);
    long from = fli_gen_window_base(g, i);
    return fli_sampler_greedy(&g->cfg.sampler, logits, g->V, g->hist + from, (int)(i - from), &g->ws);
}

/* A token for index i: greedy, or drawn from the sampler distribution (left in probs). */
static int32_t sample_at(fl_generator *g, const float *logits, long i, float *probs) {
    if (g->greedy) return fli_gen_greedy_at(g, logits, i);
    fli_gen_probs_at(g, logits, i, probs);
    return fli_sampler_draw(probs, g->V, &g->rng);
}

fl_status fl_generator_next(fl_generator *g, int32_t *out, int cap, int *n_out, fl_error *err) {
    *n_out = 0;
    if (!g->started) return fl_fail(err, FL_ERR_STATE, "fl_generator_start must come before fl_generator_next");
    if (cap < 1) return fl_fail(err, FL_ERR_ARG, "cap %d: need >= 1", cap);
    if (g->ended) return FL_OK; /* the stop token came out: nothing follows it */
    double t0 = fl_wall_seconds();
    int emitted = 0;
    fl_status st = reserve_hist(g, g->hlen + g->depth + 2, err); /* y1 and the drafts go past hlen */
    if (st) goto done;

    for (;;) {
        /* y1: the token after the last cached one, unless a rejected round already chose it */
        if (!g->forced) {
            int y1 = sample_at(g, g->target, g->hlen, g->p);
            g->hist[g->hlen++] = y1;
            out[emitted++] = y1;
            if (fli_gen_is_stop(g, y1)) { /* the text is over: no drafts, no pass to cache it */
                g->ended = 1;
                goto done;
            }
        }
        if (fli_gen_window_base(g, g->hlen) != g->base) { /* the window moves: refill it, then go on */
            g->st.window_slides++;
            if ((st = refill(g, err))) goto done;
            g->st.encoder_passes++;
            if (emitted > 0) goto done;
            continue;
        }
        /* drafts y2..yK: limited by the mode's depth (in SPEC, what pays: draft_depth.c), the cap, and the window */
        int K = g->cfg.mode == FL_GEN_SPEC ? fli_depth_choose(&g->dp) : g->depth;
        if (K > cap - emitted + 1) K = cap - emitted + 1; /* y1 is out already, or was out last round */
        long room = (g->base + g->T) - (g->hlen - 1); /* tokens that fit from hist[hlen-1] on */
        if (K > room) K = (int)room;
        for (int k = 2; k <= K; k++)
            if (fli_gen_window_base(g, g->hlen + k - 1) != g->base) { K = k - 1; break; }
        if (K < 1) K = 1;

        if (g->cfg.mode == FL_GEN_SPEC) { /* draft a tree, verify it in one pass, keep the accepted path */
            st = fli_tree_round(g, K, out, &emitted, err);
            /* a round of depth 1 from a rejected round's token only caches it: go on to the next token */
            if (!st && emitted == 0 && !g->ended) continue;
            goto done;
        }
        for (int k = 2; k <= K; k++) { /* BLOCK: token k from decoder step k-1, on the model's own weights */
            const int32_t prev = g->hist[g->hlen + k - 3];
            if ((st = fl_session_decode(g->s, g->slot, k - 1, prev, 0, g->logits, err))) goto done;
            g->hist[g->hlen + k - 2] = sample_at(g, g->logits, g->hlen + k - 2, g->q);
            if (fli_gen_is_stop(g, g->hist[g->hlen + k - 2])) K = k; /* the last token of the text */
        }
        /* AR (K = 1) and BLOCK: every token stands; one pass catches the encoder up */
        for (int k = 2; k <= K; k++) {
            int32_t t = g->hist[g->hlen];
            g->hlen++;
            out[emitted++] = t;
        }
        if (K > 1 && fli_gen_is_stop(g, out[emitted - 1])) {
            g->ended = 1;
            goto done;
        }
        if ((st = fl_session_append(g->s, g->hist + g->hlen - K, K, 1, g->target, err))) goto done;
        g->slot = 0;
        g->forced = 0;
        g->st.encoder_passes++;
        goto done;
    }
done:
    if (!st && g->nonfinite)
        st = fl_fail(err, FL_ERR_NONFINITE,
                     "the model's logits are not finite (NaN): its weights overflow float arithmetic; this "
                     "checkpoint cannot generate");
    *n_out = emitted;
    g->st.generated_tokens += emitted;
    g->st.generate_seconds += fl_wall_seconds() - t0;
    return st;
}
