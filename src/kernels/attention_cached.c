/* Attention of a few new queries against a key/value cache: the inference form
 * of attention.c. Used for the encoder's causal self-attention over its cache,
 * the FTP decoder's causal self-attention over its steps, and the decoder's
 * cross-attention to the P pseudo-tokens.
 *
 * Each (query, head) is one online-softmax pass over its keys in increasing
 * order, so a query's output does not depend on how many queries share the call
 * or on the thread count (see linear_packed.c for why that matters). */
#include <math.h>

#include "kernels/kernels.h"

void attention_cached(float *out, const float *q, int q_stride, const float *k, const float *v, int kv_stride, int nq,
                      int first, int nk, int causal, int H, int hs) {
    const int C = H * hs;
    const float scale = 1.0f / sqrtf((float)hs);
#pragma omp parallel for schedule(static) collapse(2) if ((long)nq * H * (first + nq) * hs >= 16384)
    for (int i = 0; i < nq; i++) {
        for (int h = 0; h < H; h++) {
            const float *qi = q + (size_t)i * q_stride + h * hs;
            float *o = out + (size_t)i * C + h * hs;
            const int keys = causal ? first + i + 1 : nk;
            float mx = -INFINITY, l = 0.0f;
            for (int d = 0; d < hs; d++) o[d] = 0.0f;
            for (int j = 0; j < keys; j++) {
                const float *kj = k + (size_t)j * kv_stride + h * hs;
                const float *vj = v + (size_t)j * kv_stride + h * hs;
                float s = 0.0f;
                for (int d = 0; d < hs; d++) s += qi[d] * kj[d];
                s *= scale;
                if (s > mx) { /* new running maximum: rescale what is accumulated */
                    float corr = expf(mx - s);
                    l *= corr;
                    for (int d = 0; d < hs; d++) o[d] *= corr;
                    mx = s;
                }
                float p = expf(s - mx);
                l += p;
                for (int d = 0; d < hs; d++) o[d] += p * vj[d];
            }
            const float inv = 1.0f / l;
            for (int d = 0; d < hs; d++) o[d] *= inv;
        }
    }
}
