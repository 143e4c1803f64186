/* Multi-head scaled dot-product attention, one kernel for the three uses in
 * futurelm: GPT/encoder causal self-attention, the FTP decoder's causal
 * self-attention over its N steps, and its unmasked cross-attention to the P
 * pseudo-tokens.
 *
 * Memory: the forward keeps only the output and each softmax row's log-sum-exp
 * (online softmax, O(S) per head rather than an S x S probability matrix); the
 * backward recomputes the probabilities from q, k and the saved lse, O(S^2) work.
 * Work is split over (sequence, head) pairs; each pair writes only its own slice
 * of dq/dk/dv, so there are no races and the summation order is fixed.
 */
#include <math.h>

#include "kernels/kernels.h"

static inline float dot(const float *a, const float *b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

void attention_forward(float *out, float *lse, const float *q, const float *k, const float *v,
                       const attention_shape *sh) {
    const int R = sh->R, Sq = sh->Sq, Sk = sh->Sk, H = sh->H, hs = sh->hs, C = H * hs;
    const float scale = 1.0f / sqrtf((float)hs);
#pragma omp parallel for schedule(static) collapse(2)
    for (int r = 0; r < R; r++) {
        for (int h = 0; h < H; h++) {
            for (int i = 0; i < Sq; i++) {
                const float *qi = q + ((size_t)r * Sq + i) * sh->q_stride + h * hs;
                float *o = out + ((size_t)r * Sq + i) * C + h * hs;
                int nkeys = sh->causal ? i + 1 : Sk;
                float m = -INFINITY, l = 0.0f;
                for (int d = 0; d < hs; d++) o[d] = 0.0f;
                for (int j = 0; j < nkeys; j++) {
                    const float *kj = k + ((size_t)r * Sk + j) * sh->kv_stride + h * hs;
                    const float *vj = v + ((size_t)r * Sk + j) * sh->kv_stride + h * hs;
                    float s = dot(qi, kj, hs) * scale;
                    if (s > m) { /* new running maximum: rescale what we have */
                        float corr = expf(m - s);
                        l *= corr;
                        for (int d = 0; d < hs; d++) o[d] *= corr;
                        m = s;
                    }
                    float p = expf(s - m);
                    l += p;
                    for (int d = 0; d < hs; d++) o[d] += p * vj[d];
                }
                float inv = 1.0f / l;
                for (int d = 0; d < hs; d++) o[d] *= inv;
                lse[((size_t)r * H + h) * Sq + i] = m + logf(l);
            }
        }
    }
}

/* With P = softmax(S), S = scale * q kᵀ, O = P v:
 *   dv_j += Σ_i P_ij do_i
 *   dP_ij = do_i · v_j,  dS_ij = P_ij (dP_ij - D_i),  D_i = do_i · o_i
 *   dq_i += scale Σ_j dS_ij k_j,   dk_j += scale Σ_i dS_ij q_i            */
void attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *out, const float *lse,
                        const float *q, const float *k, const float *v, const attention_shape *sh) {
    const int R = sh->R, Sq = sh->Sq, Sk = sh->Sk, H = sh->H, hs = sh->hs, C = H * hs;
    const float scale = 1.0f / sqrtf((float)hs);
#pragma omp parallel for schedule(static) collapse(2)
    for (int r = 0; r < R; r++) {
        for (int h = 0; h < H; h++) {
            for (int i = 0; i < Sq; i++) {
                size_t qrow = ((size_t)r * Sq + i) * sh->q_stride + h * hs;
                const float *qi = q + qrow;
                float *dqi = dq + qrow;
                const float *doi = dout + ((size_t)r * Sq + i) * C + h * hs;
                const float *oi = out + ((size_t)r * Sq + i) * C + h * hs;
                float Di = dot(doi, oi, hs);
                float li = lse[((size_t)r * H + h) * Sq + i];
                int nkeys = sh->causal ? i + 1 : Sk;
                for (int j = 0; j < nkeys; j++) {
                    size_t krow = ((size_t)r * Sk + j) * sh->kv_stride + h * hs;
                    const float *kj = k + krow, *vj = v + krow;
                    float p = expf(dot(qi, kj, hs) * scale - li);
                    float ds = p * (dot(doi, vj, hs) - Di) * scale;
                    float *dkj = dk + krow, *dvj = dv + krow;
                    for (int d = 0; d < hs; d++) {
                        dqi[d] += ds * kj[d];
                        dkj[d] += ds * qi[d];
                        dvj[d] += p * doi[d];
                    }
                }
            }
        }
    }
}
