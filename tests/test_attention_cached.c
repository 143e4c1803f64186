/* Decoding attention (kernels/attention_cached.c): a few new queries against a
 * key/value cache, against a double-precision softmax(q k / sqrt(hs)) v.
 * Head sizes with and without a vectorised path of their own (8, 16, 32, 48,
 * 64, 65), key counts around the 64-key block (1, 5, 63, 64, 65, 130), both
 * key layouts (row-major, and the encoder's transposed cache), 1 to 4 causal
 * queries. Beyond the values (within 1e-5 of max |ref|):
 *  - a query gives the same bits alone as batched with others;
 *  - the tree form (fli_attention_gathered: the cached prefix, then the
 *    query's own keys by index) gives the same bits as the chain's direct keys,
 *    which is what makes greedy tree drafting token-identical to ar. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels/kernels.h"
#include "util/rng.h"

static fl_rng rng;

static void fill(float *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (float)fl_rng_normal(&rng);
}

/* Query i (keys 0 .. first + i) of head h, in double. */
static void reference(double *o, const float *q, const float *k, const float *v, int C, int keys, int h, int hs) {
    double *p = malloc(sizeof(double) * keys), mx = -INFINITY, sum = 0;
    for (int j = 0; j < keys; j++) {
        double s = 0;
        for (int d = 0; d < hs; d++) s += (double)q[h * hs + d] * k[(size_t)j * C + h * hs + d];
        p[j] = s / sqrt((double)hs);
        mx = p[j] > mx ? p[j] : mx;
    }
    for (int j = 0; j < keys; j++) sum += p[j] = exp(p[j] - mx);
    for (int d = 0; d < hs; d++) {
        double acc = 0;
        for (int j = 0; j < keys; j++) acc += p[j] * v[(size_t)j * C + h * hs + d];
        o[d] = acc / sum;
    }
    free(p);
}

static void one(int hs, int total, int nq, int transposed, double *worst, int *same_alone, int *same_tree) {
    const int H = 2, C = H * hs, T = total, first = total - nq;
    float *q = malloc(sizeof(float) * nq * 3 * C), *k = malloc(sizeof(float) * T * C), *v = malloc(sizeof(float) * T * C);
    float *kt = malloc(sizeof(float) * C * T), *out = malloc(sizeof(float) * nq * C);
    float *alone = malloc(sizeof(float) * C), *tree = malloc(sizeof(float) * nq * C);
    double *ref = malloc(sizeof(double) * hs);
    fill(q, (size_t)nq * 3 * C), fill(k, (size_t)T * C), fill(v, (size_t)T * C);
    for (int j = 0; j < T; j++)
        for (int c = 0; c < C; c++) kt[(size_t)c * T + j] = k[(size_t)j * C + c];
    const fli_keys keys = transposed ? (fli_keys){kt, T, 1} : (fli_keys){k, C, 0};
    fli_attention_cached(out, q, 3 * C, keys, v, C, nq, first, 0, 1, H, hs);
    double mag = 0, err = 0;
    for (int i = 0; i < nq; i++)
        for (int h = 0; h < H; h++) {
            reference(ref, q + (size_t)i * 3 * C, k, v, C, first + i + 1, h, hs);
            for (int d = 0; d < hs; d++) {
                mag = fmax(mag, fabs(ref[d]));
                err = fmax(err, fabs(out[(size_t)i * C + h * hs + d] - ref[d]));
            }
        }
    *worst = fmax(*worst, err / (mag + 1e-30));
    for (int i = 0; i < nq; i++) { /* alone: query i with its own key count */
        fli_attention_cached(alone, q + (size_t)i * 3 * C, 3 * C, keys, v, C, 1, first + i, 0, 1, H, hs);
        *same_alone &= !memcmp(alone, out + (size_t)i * C, sizeof(float) * C);
    }
    int *tail = malloc(sizeof(int) * nq * nq), *n_tail = malloc(sizeof(int) * nq);
    for (int i = 0; i < nq; i++) { /* a chain as a tree: query i's own keys are first .. first + i */
        n_tail[i] = i + 1;
        for (int a = 0; a <= i; a++) tail[i * nq + a] = first + a;
    }
    fli_attention_gathered(tree, q, 3 * C, keys, v, C, nq, first, tail, nq, n_tail, H, hs);
    *same_tree &= !memcmp(tree, out, sizeof(float) * nq * C);
    free(q), free(k), free(v), free(kt), free(out), free(alone), free(tree), free(ref), free(tail), free(n_tail);
}

int main(void) {
    fl_rng_seed(&rng, 7);
    static const int hss[] = {8, 16, 32, 48, 64, 65}, totals[] = {1, 5, 63, 64, 65, 130};
    double worst = 0;
    int same_alone = 1, same_tree = 1, cases = 0;
    for (size_t a = 0; a < sizeof hss / sizeof *hss; a++)
        for (size_t b = 0; b < sizeof totals / sizeof *totals; b++)
            for (int nq = 1; nq <= 4 && nq <= totals[b]; nq++)
                for (int tr = 0; tr < 2; tr++, cases++) one(hss[a], totals[b], nq, tr, &worst, &same_alone, &same_tree);
    check(worst <= 1e-5, "cached attention within 1e-5 of max |ref| (double softmax), both key layouts",
          "worst %.3g over %d cases", worst, cases);
    check(same_alone, "a query gives the same bits alone as in a batch of queries", "a query's output differs");
    check(same_tree, "the tree form (prefix + gathered keys) gives the chain's bits", "tree and chain differ");
    return check_exit();
}
