/* How deep a speculative round drafts, chosen from what rounds cost and earn
 * on this machine (infer.h, fli_depth_*).
 *
 * A round of depth K pays K-1 draft steps and one verifying pass over K rows,
 * and delivers 1 + (accepted drafts) tokens. With a_i the rate at which draft
 * position i is accepted once the drafts before it were, it delivers on average
 *     E(K) = 1 + a_1 + a_1 a_2 + ... + a_1 ... a_(K-1)
 * tokens for drafts(K-1) + verify(K) seconds, and K = 1 is exactly an ar
 * step. Both costs are measured per depth: a round's first draft step finds
 * the draft weights cold (the verifying pass streamed the model through the
 * cache) and costs two to three later ones, so an average per step priced
 * shallow rounds too low (on the AVX2 path the text model's rounds settled at
 * depth 2, 1.41x ar, where depth 4 gave 1.65x). The policy takes the K with the most tokens per second, so where drafts
 * do not pay for themselves (a machine whose multi-row passes are slow, text
 * the decoder guesses badly) spec settles on K = 1 and runs at ar's speed.
 *
 * The estimates are moving averages, so they follow the text and the machine's
 * load. A depth deeper than the chosen one is not observed, so now and then a
 * probe round drafts the full depth (which measures every draft position's
 * acceptance: probing only one deeper cannot see that a depth of 4 pays where 3
 * does not, as on text whose fourth draft is nearly always right once the third
 * is). Probes come every PROBE_FIRST rounds at first; each probe after
 * which the best depth is still the same doubles the gap, up to PROBE_MAX, once
 * every deeper draft position has been judged SEEN_ENOUGH times, and a change
 * brings it back to PROBE_FIRST. Where drafting does not pay, the
 * probes thus cost well under 1% of ar's speed. A verify cost not measured yet
 * is interpolated between the nearest measured depths.
 *
 * Only the greedy sampler adapts (fli_depth_init): there the tokens do not
 * depend on the depth at all, while a sampling round's random draws do, and a
 * depth chosen from wall-clock times would make a seed's output vary. */
#include <string.h>

#include "infer/infer.h"

enum { PROBE_FIRST = 4, PROBE_MAX = 512, WARMUP = 3, SEEN_ENOUGH = 8 };
#define RATE 0.0625 /* weight of a new observation in the moving averages */
#define FAST 0.5    /* ... of a time below the average */

void fli_depth_init(fli_depth *d, int max_depth, int adapt) {
    memset(d, 0, sizeof *d);
    d->max = max_depth;
    d->adapt = adapt && max_depth > 1;
    d->gap = PROBE_FIRST;
    d->next_probe = WARMUP + 1 + PROBE_FIRST;
    for (int i = 1; i < FL_MAX_FUTURE; i++) d->acc[i] = 0.5; /* a neutral prior, then counts (fli_depth_verdict) */
}

/* A time's moving average. Noise on a shared machine only ever adds time (a
 * thread preempted, a cache flushed by another process), so a faster sample
 * moves the average half way to it at once (FAST) and a slower one slowly
 * (RATE), capped at twice the average: a
 * round stalled 10x, even the first one measured, cannot keep a depth from
 * being chosen for long. */
static double avg(double old, double x, long seen) {
    if (!seen || x < old) return seen ? old + FAST * (x - old) : x;
    if (x > 2.0 * old) x = 2.0 * old;
    return old + RATE * (x - old);
}

/* A moving average at index k of v[first..last] (seen[k] observations each):
 * measured, or interpolated linearly between the nearest measured indices. Past
 * them, through_zero extends the line through (0, 0) (a time proportional to k:
 * draft steps), otherwise the nearest measured value stands (verify passes). */
static double cost_at(const double *v, const long *seen, int first, int last, int k, int through_zero) {
    if (seen[k]) return v[k];
    int lo = k - 1, hi = k + 1;
    while (lo >= first && !seen[lo]) lo--;
    while (hi <= last && !seen[hi]) hi++;
    const int has_lo = lo >= first, has_hi = hi <= last;
    if (through_zero && !has_lo) return has_hi ? v[hi] * k / hi : 0.0; /* the origin is the point below */
    if (has_lo && has_hi) return v[lo] + (v[hi] - v[lo]) * (k - lo) / (hi - lo);
    if (has_lo) return through_zero ? v[lo] * k / lo : v[lo];
    return has_hi ? v[hi] : 0.0;
}

/* The verify time at depth K (rows 1..max) and the draft time of a round of
 * `steps` steps (1..max-1, none for an ar step). */
static double verify_cost(const fli_depth *d, int K) { return cost_at(d->ver, d->ver_n, 1, d->max, K, 0); }
static double draft_cost(const fli_depth *d, int steps) {
    return steps <= 0 ? 0.0 : cost_at(d->drf, d->drf_n, 1, d->max - 1, steps, 1);
}

int fli_depth_choose(fli_depth *d) {
    if (!d->adapt) return d->max;
    d->rounds++;
    /* warm up at full depth (draft and verify costs, acceptance), then one ar round (its cost) */
    if (d->rounds <= WARMUP) return d->max;
    if (!d->ver_n[1]) return 1;
    int best = 1;
    double best_rate = 1.0 / verify_cost(d, 1), tokens = 1.0, reach = 1.0;
    for (int K = 2; K <= d->max; K++) {
        reach *= d->acc[K - 1]; /* the chance that draft K-1 is reached and accepted */
        tokens += reach;
        double cost = draft_cost(d, K - 1) + verify_cost(d, K);
        if (cost > 0.0 && tokens / cost > best_rate) best_rate = tokens / cost, best = K;
    }
    if (d->rounds >= d->next_probe && best < d->max) {
        /* the gap grows only once every draft position past the best depth has SEEN_ENOUGH
         * verdicts: two unlucky rejections in the warm-up must not leave a depth unprobed for
         * hundreds of rounds (countdown's default spec sat at depth 2, 1.37x ar, where depth 4
         * gave 1.78x) */
        int unsure = 0;
        for (int i = best; i < d->max; i++) unsure |= d->acc_n[i] < SEEN_ENOUGH;
        d->gap = best == d->probed_best && !unsure ? (d->gap * 2 < PROBE_MAX ? d->gap * 2 : PROBE_MAX) : PROBE_FIRST;
        d->probed_best = best;
        d->next_probe = d->rounds + d->gap;
        return d->max;
    }
    return best;
}

void fli_depth_drafts(fli_depth *d, int steps, double seconds) {
    if (steps < 1 || steps >= FL_MAX_FUTURE) return;
    d->drf[steps] = avg(d->drf[steps], seconds, d->drf_n[steps]);
    d->drf_n[steps]++;
}

void fli_depth_verify(fli_depth *d, int K, double seconds) {
    if (K < 1 || K > d->max) return;
    d->ver[K] = avg(d->ver[K], seconds, d->ver_n[K]);
    d->ver_n[K]++;
}

void fli_depth_verdict(fli_depth *d, int pos, int accepted) {
    if (pos < 1 || pos >= FL_MAX_FUTURE) return;
    /* The first SEEN_ENOUGH verdicts count against the prior 0.5 held as two
     * verdicts, one each way ((accepted + 1) / (n + 2)): two rejections in the
     * warm-up read 0.25, not 0, which had priced a good position out of the
     * rounds until the next probe (12 of countdown's 200 rounds at depth 2).
     * Then a moving average. */
    double x = accepted ? 1.0 : 0.0;
    const long n = d->acc_n[pos];
    d->acc[pos] = n < SEEN_ENOUGH ? (d->acc[pos] * (n + 2) + x) / (n + 3) : d->acc[pos] + RATE * (x - d->acc[pos]);
    d->acc_n[pos]++;
}
