/* Attention of a few new queries against a key/value cache: the inference form
 * of attention.c. Used for the encoder's causal self-attention over its cache,
 * the FTP decoder's causal self-attention over its steps, and the decoder's
 * cross-attention to the P pseudo-tokens.
 *
 * Each (query, head) walks its keys in blocks of up to 64: the block's scores
 * (vectorised dot products), one rescale of the running sum to the block's new
 * maximum, the block's exps in one vectorised pass (fl_expf), then the
 * probability-weighted values. The order depends only on the number of keys,
 * so a query's output does not depend on how many queries share the call or on
 * the thread count (see linear_packed.c for why that matters). */
#include <math.h>

#include "kernels/kernels.h"
#include "kernels/vexp.h"

enum { KEY_BLOCK = 64 };

/* Key j of a query: row j while j < direct, then row tail[j - direct]. A tree
 * node's keys (the cached prefix, then its ancestors in depth order) are thus
 * the same vectors in the same order as a chain's, and the same arithmetic
 * gives it bit-identical output. */
static inline size_t key_row(int j, int direct, const int *tail) {
    return (size_t)(j < direct ? j : tail[j - direct]);
}

static void one_query(float *restrict o, const float *restrict qi, const float *k, const float *v, int kv_stride,
                      int keys, int direct, const int *tail, int hs, float scale) {
    float s[KEY_BLOCK];
    float mx = -INFINITY, l = 0.0f;
    for (int d = 0; d < hs; d++) o[d] = 0.0f;
    for (int j0 = 0; j0 < keys; j0 += KEY_BLOCK) {
        const int nb = keys - j0 < KEY_BLOCK ? keys - j0 : KEY_BLOCK;
        float bmax = -INFINITY;
        int j = 0;
        /* four keys at a time: four independent reductions overlap, where one
         * key's horizontal sum would wait for the previous one */
        for (; j + 4 <= nb; j += 4) {
            const int jj = j0 + j;
            const float *k0 = k + key_row(jj, direct, tail) * kv_stride, *k1 = k + key_row(jj + 1, direct, tail) * kv_stride,
                        *k2 = k + key_row(jj + 2, direct, tail) * kv_stride,
                        *k3 = k + key_row(jj + 3, direct, tail) * kv_stride;
            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
            for (int d = 0; d < hs; d++) {
                a0 += qi[d] * k0[d];
                a1 += qi[d] * k1[d];
                a2 += qi[d] * k2[d];
                a3 += qi[d] * k3[d];
            }
            s[j] = a0 * scale, s[j + 1] = a1 * scale, s[j + 2] = a2 * scale, s[j + 3] = a3 * scale;
        }
        for (; j < nb; j++) {
            const float *kj = k + key_row(j0 + j, direct, tail) * kv_stride;
            float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
            for (int d = 0; d < hs; d++) acc += qi[d] * kj[d];
            s[j] = acc * scale;
        }
        for (j = 0; j < nb; j++) bmax = s[j] > bmax ? s[j] : bmax;
        if (bmax > mx) { /* new running maximum: rescale what is accumulated */
            const float corr = fl_expf(mx - bmax);
            l *= corr;
            for (int d = 0; d < hs; d++) o[d] *= corr;
            mx = bmax;
        }
        float bsum = 0.0f;
#pragma omp simd reduction(+ : bsum)
        for (int j = 0; j < nb; j++) {
            s[j] = fl_expf(s[j] - mx);
            bsum += s[j];
        }
        l += bsum;
        for (int j = 0; j < nb; j++) {
            const float *vj = v + key_row(j0 + j, direct, tail) * kv_stride;
            const float p = s[j];
#pragma omp simd
            for (int d = 0; d < hs; d++) o[d] = fmaf(p, vj[d], o[d]);
        }
    }
    const float inv = 1.0f / l;
    for (int d = 0; d < hs; d++) o[d] *= inv;
}

void fli_attention_cached(float *out, const float *q, int q_stride, const float *k, const float *v, int kv_stride, int nq,
                      int first, int nk, int causal, int H, int hs) {
    const int C = H * hs;
    const float scale = 1.0f / sqrtf((float)hs);
    /* Small calls (one decoder row, short caches) stay on one thread. */
    if ((long)nq * H * (causal ? first + nq : nk) * hs < 16384) {
        for (int i = 0; i < nq; i++)
            for (int h = 0; h < H; h++) {
                const int keys = causal ? first + i + 1 : nk;
                one_query(out + (size_t)i * C + h * hs, q + (size_t)i * q_stride + h * hs, k + h * hs, v + h * hs,
                          kv_stride, keys, keys, NULL, hs, scale);
            }
        return;
    }
#pragma omp parallel for schedule(static) collapse(2)
    for (int i = 0; i < nq; i++)
        for (int h = 0; h < H; h++) {
            const int keys = causal ? first + i + 1 : nk;
            one_query(out + (size_t)i * C + h * hs, q + (size_t)i * q_stride + h * hs, k + h * hs, v + h * hs,
                      kv_stride, keys, keys, NULL, hs, scale);
        }
}

void fli_attention_gathered(float *out, const float *q, int q_stride, const float *k, const float *v, int kv_stride,
                            int nq, int direct, const int *tail, int tail_stride, const int *n_tail, int H, int hs) {
    const int C = H * hs;
    const float scale = 1.0f / sqrtf((float)hs);
    const int parallel = (long)nq * H * (direct + n_tail[0]) * hs >= 16384; /* small calls stay on one thread */
    (void)parallel; /* read by the OpenMP clause only: unused in builds without OpenMP */
#pragma omp parallel for schedule(static) collapse(2) if (parallel)
    for (int i = 0; i < nq; i++)
        for (int h = 0; h < H; h++)
            one_query(out + (size_t)i * C + h * hs, q + (size_t)i * q_stride + h * hs, k + h * hs, v + h * hs,
                      kv_stride, direct + n_tail[i], direct, tail + (size_t)i * tail_stride, hs, scale);
}
