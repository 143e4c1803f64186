/* Attention of a few new queries against a key/value cache: the inference form
 * of attention.c. Used for the encoder's causal self-attention over its cache,
 * the FTP decoder's causal self-attention over its steps, and the decoder's
 * cross-attention to the P pseudo-tokens.
 *
 * Each (query, head) walks its keys in blocks of up to 64: the block's scores,
 * one rescale of the running sum to the block's new maximum, the block's exps
 * in one vectorised pass (fl_expf), then the probability-weighted values. The
 * order depends only on the number of keys, so a query's output does not
 * depend on how many queries share the call or on the thread count (see
 * linear_packed.c for why that matters).
 *
 * Keys come in one of two layouts (fli_keys). Row-major, a key's score is a dot
 * product over its head's hs components, four keys' reductions at a time. The
 * encoder's cache is transposed instead: component d of every cached key is one
 * row of the cache, so a block's scores are hs vertical multiply-adds over
 * consecutive keys, with no horizontal sums (as dot products, attention was a
 * quarter of a four-row verification of a C=128 model at an 80-token context;
 * the pass took 617-679 us then, 557-595 us now). */
#include <math.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "kernels/kernels.h"
#include "kernels/vexp.h"

enum { KEY_BLOCK = 64 }; /* scores_transposed's AVX-512 path holds a block in four vectors */

/* Key j of a query: cached key j while j < direct, then cached key tail[j - direct]
 * (a row of a row-major cache, a column of a transposed one). A tree
 * node's keys (the cached prefix, then its ancestors in depth order) are thus
 * the same vectors in the same order as a chain's, and the same arithmetic
 * gives it bit-identical output. */
static inline size_t key_row(int j, int direct, const int *tail) {
    return (size_t)(j < direct ? j : tail[j - direct]);
}

/* Scores of keys j0 .. j0+nb-1 of a transposed head (component d of key r at
 * kt[d * ldt + r]): each one a multiply-add chain over d = 0..hs-1 from zero,
 * whether the key is a direct one (a lane of a vector over consecutive keys)
 * or a gathered one (a chain of its own), so both give the same bits. */
static void scores_transposed(float *restrict s, const float *restrict qi, const float *restrict kt, int ldt, int j0,
                              int nb, int direct, const int *tail, int hs) {
    const int nd = direct - j0 < nb ? (direct - j0 > 0 ? direct - j0 : 0) : nb; /* direct keys in the block */
#if defined(__AVX512F__)
    /* the block's (up to 64) sums in four registers, named one by one (GCC kept
     * an array of them on the stack): a loop over s[] in memory made each of
     * the hs steps a store and a reload on the chain */
    if (nd > 0) {
        const __mmask16 m0 = nd >= 16 ? 0xffff : (__mmask16)((1u << nd) - 1),
                        m1 = nd >= 32 ? 0xffff : nd > 16 ? (__mmask16)((1u << (nd - 16)) - 1) : 0,
                        m2 = nd >= 48 ? 0xffff : nd > 32 ? (__mmask16)((1u << (nd - 32)) - 1) : 0,
                        m3 = nd >= 64 ? 0xffff : nd > 48 ? (__mmask16)((1u << (nd - 48)) - 1) : 0;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int d = 0; d < hs; d++) {
            const __m512 qd = _mm512_set1_ps(qi[d]);
            const float *restrict kr = kt + (size_t)d * ldt + j0;
            a0 = _mm512_fmadd_ps(qd, _mm512_maskz_loadu_ps(m0, kr), a0);
            a1 = _mm512_fmadd_ps(qd, _mm512_maskz_loadu_ps(m1, kr + 16), a1);
            a2 = _mm512_fmadd_ps(qd, _mm512_maskz_loadu_ps(m2, kr + 32), a2);
            a3 = _mm512_fmadd_ps(qd, _mm512_maskz_loadu_ps(m3, kr + 48), a3);
        }
        _mm512_mask_storeu_ps(s, m0, a0);
        _mm512_mask_storeu_ps(s + 16, m1, a1);
        _mm512_mask_storeu_ps(s + 32, m2, a2);
        _mm512_mask_storeu_ps(s + 48, m3, a3);
    }
#else
    for (int j = 0; j < nd; j++) s[j] = 0.0f;
    for (int d = 0; d < hs; d++) {
        const float qd = qi[d];
        const float *restrict kr = kt + (size_t)d * ldt + j0;
#pragma omp simd
        for (int j = 0; j < nd; j++) s[j] = fmaf(qd, kr[j], s[j]);
    }
#endif
    for (int j = nd; j < nb; j++) {
        const float *kr = kt + key_row(j0 + j, direct, tail);
        float acc = 0.0f;
        for (int d = 0; d < hs; d++) acc = fmaf(qi[d], kr[(size_t)d * ldt], acc);
        s[j] = acc;
    }
}

/* Scores of keys j0 .. j0+nb-1 stored as rows (key r at k + r * stride). */
static void scores_rows(float *restrict s, const float *restrict qi, const float *k, int stride, int j0, int nb,
                        int direct, const int *tail, int hs) {
    int j = 0;
    /* four keys at a time: four independent reductions overlap, where one
     * key's horizontal sum would wait for the previous one */
    for (; j + 4 <= nb; j += 4) {
        const int jj = j0 + j;
        const float *k0 = k + key_row(jj, direct, tail) * stride, *k1 = k + key_row(jj + 1, direct, tail) * stride,
                    *k2 = k + key_row(jj + 2, direct, tail) * stride, *k3 = k + key_row(jj + 3, direct, tail) * stride;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
        for (int d = 0; d < hs; d++) {
            a0 += qi[d] * k0[d];
            a1 += qi[d] * k1[d];
            a2 += qi[d] * k2[d];
            a3 += qi[d] * k3[d];
        }
        s[j] = a0, s[j + 1] = a1, s[j + 2] = a2, s[j + 3] = a3;
    }
    for (; j < nb; j++) {
        const float *kj = k + key_row(j0 + j, direct, tail) * stride;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int d = 0; d < hs; d++) acc += qi[d] * kj[d];
        s[j] = acc;
    }
}

#if defined(__AVX512F__)
/* The probability-weighted values of a block for a head of 16 * NV (2 or 4)
 * components, o held in registers through the block: the same operations in
 * the same order as the loop in one_query, so the same bits, without a store
 * and reload of o on the chain every four keys. */
static inline __attribute__((always_inline)) void values_in_registers(float *restrict o, const float *restrict s,
                                                                      int nb, int j0, int direct, const int *tail,
                                                                      const float *v, int v_stride, const int NV) {
    __m512 o0 = _mm512_loadu_ps(o), o1 = _mm512_loadu_ps(o + 16);
    __m512 o2 = NV > 2 ? _mm512_loadu_ps(o + 32) : o0, o3 = NV > 2 ? _mm512_loadu_ps(o + 48) : o0;
    int j = 0;
#define WEIGHTED4(t)                                                                                                   \
    _mm512_fmadd_ps(p3, _mm512_loadu_ps(v3 + 16 * (t)),                                                                \
                    _mm512_fmadd_ps(p2, _mm512_loadu_ps(v2 + 16 * (t)),                                                \
                                    _mm512_fmadd_ps(p1, _mm512_loadu_ps(v1 + 16 * (t)),                                \
                                                    _mm512_mul_ps(p0, _mm512_loadu_ps(v0 + 16 * (t))))))
    for (; j + 4 <= nb; j += 4) {
        const float *v0 = v + key_row(j0 + j, direct, tail) * v_stride,
                    *v1 = v + key_row(j0 + j + 1, direct, tail) * v_stride,
                    *v2 = v + key_row(j0 + j + 2, direct, tail) * v_stride,
                    *v3 = v + key_row(j0 + j + 3, direct, tail) * v_stride;
        const __m512 p0 = _mm512_set1_ps(s[j]), p1 = _mm512_set1_ps(s[j + 1]), p2 = _mm512_set1_ps(s[j + 2]),
                     p3 = _mm512_set1_ps(s[j + 3]);
        o0 = _mm512_add_ps(o0, WEIGHTED4(0));
        o1 = _mm512_add_ps(o1, WEIGHTED4(1));
        if (NV > 2) {
            o2 = _mm512_add_ps(o2, WEIGHTED4(2));
            o3 = _mm512_add_ps(o3, WEIGHTED4(3));
        }
    }
#undef WEIGHTED4
    for (; j < nb; j++) {
        const float *vj = v + key_row(j0 + j, direct, tail) * v_stride;
        const __m512 p = _mm512_set1_ps(s[j]);
        o0 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj), o0);
        o1 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj + 16), o1);
        if (NV > 2) {
            o2 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj + 32), o2);
            o3 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj + 48), o3);
        }
    }
    _mm512_storeu_ps(o, o0);
    _mm512_storeu_ps(o + 16, o1);
    if (NV > 2) {
        _mm512_storeu_ps(o + 32, o2);
        _mm512_storeu_ps(o + 48, o3);
    }
}
#endif

/* One (query, head): o [hs] = softmax(q · keys * scale) · values, over `keys`
 * keys of which the first `direct` are cached keys 0..direct-1 and the rest tail[]. */
static void one_query(float *restrict o, const float *restrict qi, fli_keys ks, const float *v, int v_stride, int keys,
                      int direct, const int *tail, int hs, float scale) {
    float s[KEY_BLOCK];
    float mx = -INFINITY, l = 0.0f;
    for (int d = 0; d < hs; d++) o[d] = 0.0f;
    for (int j0 = 0; j0 < keys; j0 += KEY_BLOCK) {
        const int nb = keys - j0 < KEY_BLOCK ? keys - j0 : KEY_BLOCK;
        if (ks.transposed)
            scores_transposed(s, qi, ks.k, ks.stride, j0, nb, direct, tail, hs);
        else
            scores_rows(s, qi, ks.k, ks.stride, j0, nb, direct, tail, hs);
        float bmax = -INFINITY;
#pragma omp simd reduction(max : bmax)
        for (int j = 0; j < nb; j++) {
            s[j] *= scale;
            bmax = s[j] > bmax ? s[j] : bmax;
        }
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
        /* four values per pass over o: their weighted sum, then one add to o,
         * so o is loaded and stored once per four keys and the four products'
         * chains do not wait on o */
#if defined(__AVX512F__)
        if (hs == 32) {
            values_in_registers(o, s, nb, j0, direct, tail, v, v_stride, 2);
            continue;
        }
        if (hs == 64) {
            values_in_registers(o, s, nb, j0, direct, tail, v, v_stride, 4);
            continue;
        }
#endif
        int j = 0;
        for (; j + 4 <= nb; j += 4) {
            const float *v0 = v + key_row(j0 + j, direct, tail) * v_stride,
                        *v1 = v + key_row(j0 + j + 1, direct, tail) * v_stride,
                        *v2 = v + key_row(j0 + j + 2, direct, tail) * v_stride,
                        *v3 = v + key_row(j0 + j + 3, direct, tail) * v_stride;
            const float p0 = s[j], p1 = s[j + 1], p2 = s[j + 2], p3 = s[j + 3];
#pragma omp simd
            for (int d = 0; d < hs; d++) o[d] += fmaf(p3, v3[d], fmaf(p2, v2[d], fmaf(p1, v1[d], p0 * v0[d])));
        }
        for (; j < nb; j++) {
            const float *vj = v + key_row(j0 + j, direct, tail) * v_stride;
            const float p = s[j];
#pragma omp simd
            for (int d = 0; d < hs; d++) o[d] = fmaf(p, vj[d], o[d]);
        }
    }
    const float inv = 1.0f / l;
    for (int d = 0; d < hs; d++) o[d] *= inv;
}

/* Head h's keys: its columns of a row-major cache, its rows of a transposed one. */
static inline fli_keys head_keys(fli_keys ks, int h, int hs) {
    ks.k += ks.transposed ? (size_t)h * hs * ks.stride : (size_t)h * hs;
    return ks;
}

/* The (query, head) pairs of a call; small calls (one decoder row, short
 * caches) run without entering a parallel region: even a team of one costs an
 * allocation. */
#define FOR_EACH_QUERY_HEAD(WORK, BODY)                                                                                \
    do {                                                                                                               \
        if ((WORK) < 16384) {                                                                                          \
            for (int i = 0; i < nq; i++)                                                                               \
                for (int h = 0; h < H; h++) BODY;                                                                      \
        } else {                                                                                                       \
            _Pragma("omp parallel for schedule(static) collapse(2)") for (int i = 0; i < nq; i++) for (int h = 0;     \
                                                                                                   h < H; h++) BODY;  \
        }                                                                                                              \
    } while (0)

void fli_attention_cached(float *out, const float *q, int q_stride, fli_keys ks, const float *v, int v_stride, int nq,
                          int first, int nk, int causal, int H, int hs) {
    const int C = H * hs;
    const float scale = 1.0f / sqrtf((float)hs);
    FOR_EACH_QUERY_HEAD((long)nq * H * (causal ? first + nq : nk) * hs, {
        const int keys = causal ? first + i + 1 : nk;
        one_query(out + (size_t)i * C + h * hs, q + (size_t)i * q_stride + h * hs, head_keys(ks, h, hs), v + h * hs,
                  v_stride, keys, keys, NULL, hs, scale);
    });
}

void fli_attention_gathered(float *out, const float *q, int q_stride, fli_keys ks, const float *v, int v_stride,
                            int nq, int direct, const int *tail, int tail_stride, const int *n_tail, int H, int hs) {
    const int C = H * hs;
    const float scale = 1.0f / sqrtf((float)hs);
    FOR_EACH_QUERY_HEAD((long)nq * H * (direct + n_tail[0]) * hs, {
        one_query(out + (size_t)i * C + h * hs, q + (size_t)i * q_stride + h * hs, head_keys(ks, h, hs), v + h * hs,
                  v_stride, direct + n_tail[i], direct, tail + (size_t)i * tail_stride, hs, scale);
    });
}
