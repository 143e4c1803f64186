/* The sampler chain, in one fixed order (documented in futurelm.h):
 *   repetition penalty -> temperature -> top-k -> top-p -> min-p -> seeded draw.
 * It returns the whole distribution rather than only a token because
 * speculative decoding needs both the draft's and the target's probabilities
 * of the same token (and their difference when a draft is rejected). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infer/infer.h"
#include "util/error.h"

void fl_sampler_config_default(fl_sampler_config *c) {
    memset(c, 0, sizeof *c);
    c->temperature = 0.0f;
    c->top_k = 0;
    c->top_p = 1.0f;
    c->min_p = 0.0f;
    c->repeat_penalty = 1.0f;
    c->repeat_window = 64;
    c->seed = 1;
}

fl_status fl_sampler_config_validate(const fl_sampler_config *c, fl_error *err) {
    if (!(c->temperature >= 0.0f) || !isfinite(c->temperature))
        return fl_fail(err, FL_ERR_ARG, "temperature %g: need a finite value >= 0 (0 = greedy)", c->temperature);
    if (c->top_k < 0) return fl_fail(err, FL_ERR_ARG, "top-k %d: need >= 0 (0 = off)", c->top_k);
    if (!(c->top_p > 0.0f && c->top_p <= 1.0f))
        return fl_fail(err, FL_ERR_ARG, "top-p %g: need 0 < top-p <= 1 (1 = off)", c->top_p);
    if (!(c->min_p >= 0.0f && c->min_p < 1.0f))
        return fl_fail(err, FL_ERR_ARG, "min-p %g: need 0 <= min-p < 1 (0 = off)", c->min_p);
    if (!(c->repeat_penalty > 0.0f) || !isfinite(c->repeat_penalty))
        return fl_fail(err, FL_ERR_ARG, "repeat penalty %g: need a finite value > 0 (1 = off; > 1 discourages repeats)",
                       c->repeat_penalty);
    if (c->repeat_window < 0) return fl_fail(err, FL_ERR_ARG, "repeat window %d: need >= 0 (0 = whole context)", c->repeat_window);
    return FL_OK;
}

fl_status fli_sampler_ws_init(sampler_ws *ws, int V, fl_error *err) {
    ws->V = V;
    ws->z = malloc(sizeof(float) * (size_t)V);
    ws->cands = malloc(sizeof(sampler_cand) * (size_t)V);
    ws->seen = calloc((size_t)V, 1);
    if (!ws->z || !ws->cands || !ws->seen) {
        fli_sampler_ws_free(ws);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory for the sampler");
    }
    return FL_OK;
}

void fli_sampler_ws_free(sampler_ws *ws) {
    free(ws->z);
    free(ws->cands);
    free(ws->seen);
    memset(ws, 0, sizeof *ws);
}

/* qsort has no context argument, so each id carries its probability. */
static int by_prob_desc(const void *a, const void *b) {
    const sampler_cand *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id); /* ties: lower id first, so the order is total */
}

/* The first index of the largest value (NaNs never win; all NaN: 0). Two
 * vector passes, the maximum and then where it is first: one compare-and-keep
 * pass waits on the previous comparison at every element. */
static int argmax_first(const float *z, int V) {
    float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
    for (int v = 0; v < V; v++) mx = z[v] > mx ? z[v] : mx;
    for (int v = 0; v < V; v++)
        if (z[v] == mx) return v;
    return 0;
}

/* The logits after the repetition penalty: logits themselves when there is
 * none, else ws->z, the penalty applied once per distinct recent token. */
static const float *penalised(const fl_sampler_config *c, const float *logits, int V, const int32_t *history,
                              int n_hist, sampler_ws *ws) {
    if (c->repeat_penalty == 1.0f || n_hist <= 0) return logits;
    float *z = ws->z;
    memcpy(z, logits, sizeof(float) * (size_t)V);
    int from = c->repeat_window > 0 && n_hist > c->repeat_window ? n_hist - c->repeat_window : 0;
    for (int i = from; i < n_hist; i++) {
        int t = history[i];
        if (t < 0 || t >= V || ws->seen[t]) continue;
        ws->seen[t] = 1;
        z[t] = z[t] > 0 ? z[t] / c->repeat_penalty : z[t] * c->repeat_penalty;
    }
    for (int i = from; i < n_hist; i++)
        if (history[i] >= 0 && history[i] < V) ws->seen[history[i]] = 0;
    return z;
}

/* The greedy choice: the most likely token after the penalty, lowest id on ties. */
int fli_sampler_greedy(const fl_sampler_config *c, const float *logits, int V, const int32_t *history, int n_hist,
                       sampler_ws *ws) {
    return argmax_first(penalised(c, logits, V, history, n_hist, ws), V);
}

void fli_sampler_probs(const fl_sampler_config *c, const float *logits, int V, const int32_t *history, int n_hist,
                   float *probs, sampler_ws *ws) {
    const float *z = penalised(c, logits, V, history, n_hist, ws);
    const int best = argmax_first(z, V);
    memset(probs, 0, sizeof(float) * (size_t)V);
    if (c->temperature == 0.0f) { /* greedy */
        probs[best] = 1.0f;
        return;
    }

    /* 2. temperature, then the softmax (in double for the normaliser) */
    double sum = 0.0;
    for (int v = 0; v < V; v++) {
        float p = expf((z[v] - z[best]) / c->temperature);
        probs[v] = p;
        sum += p;
    }
    for (int v = 0; v < V; v++) probs[v] = (float)(probs[v] / sum);

    /* 3-4. top-k and top-p need the tokens in order of probability */
    int keep = V;
    if ((c->top_k > 0 && c->top_k < V) || c->top_p < 1.0f) {
        sampler_cand *cs = ws->cands;
        for (int v = 0; v < V; v++) cs[v] = (sampler_cand){probs[v], v};
        qsort(cs, (size_t)V, sizeof *cs, by_prob_desc);
        if (c->top_k > 0 && c->top_k < keep) keep = c->top_k;
        if (c->top_p < 1.0f) {
            double cum = 0.0;
            for (int i = 0; i < keep; i++) {
                cum += cs[i].p;
                if (cum >= c->top_p) { keep = i + 1; break; }
            }
        }
        for (int i = keep; i < V; i++) probs[cs[i].id] = 0.0f;
    }
    /* 5. min-p, relative to the most likely token (which always survives) */
    if (c->min_p > 0.0f) {
        float cut = c->min_p * probs[best];
        for (int v = 0; v < V; v++)
            if (probs[v] < cut) probs[v] = 0.0f;
    }
    sum = 0.0;
    for (int v = 0; v < V; v++) sum += probs[v];
    for (int v = 0; v < V; v++) probs[v] = (float)(probs[v] / sum);
}

int fli_sampler_draw(const float *probs, int V, fl_rng *rng) {
    double u = fl_rng_uniform(rng), acc = 0.0, total = 0.0;
    for (int v = 0; v < V; v++) total += probs[v];
    u *= total; /* probabilities sum to 1 up to rounding; scale instead of trusting it */
    int last = 0;
    for (int v = 0; v < V; v++) {
        if (probs[v] <= 0.0f) continue;
        acc += probs[v];
        last = v;
        if (u < acc) return v;
    }
    return last;
}
