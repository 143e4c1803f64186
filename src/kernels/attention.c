/* Multi-head scaled dot-product attention, one kernel for the three uses in
 * futurelm: GPT/encoder causal self-attention, the FTP decoder's causal
 * self-attention over its N steps, and its unmasked cross-attention to the P
 * pseudo-tokens.
 *
 * Memory: the forward keeps only the output and each softmax row's log-sum-exp
 * (online softmax, O(S) per head rather than an S x S probability matrix); the
 * backward recomputes the probabilities from q, k and the saved lse, O(S^2) work.
 *
 * Work is split over (sequence, head) pairs; each pair is done by one thread,
 * writes only its own slice of out/lse/dq/dk/dv, and sums in an order that
 * depends on the shape alone, so results are bit-identical for any thread count.
 *
 * Within a pair the work is blocked (FlashAttention style): a block of BQ
 * queries meets a block of BK keys as small matrix products on local,
 * zero-padded copies, so each q/k/v row is loaded once per block rather than
 * once per (query, key) pair, and every inner loop is a run of vector FMAs:
 *   scores  S  = Q · Kᵀ      over keys (K is packed transposed: [hs][BK])
 *   output  O += P · V       over head channels (rows of V)
 *   dV += Pᵀ·dO, dK += dSᵀ·Q, dQ += dS·K       over head channels
 * The exp pass runs over a whole row of a block with the vectorisable fl_expf.
 * The local copies live on the stack (at most STACK_FLOATS floats per thread),
 * so the kernel allocates nothing; a head size too large for that budget
 * (over ~350) takes the plain per-pair loops at the end of this file. */
#include <math.h>
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/vexp.h"

#if defined(__AVX512F__) || defined(__FMA__)
#include <immintrin.h>
#elif defined(__SSE__)
#include <xmmintrin.h>
#endif

/* Vector width (floats) and the widest tile, in vectors, of the micro-kernel:
 * RT rows x CT vectors of accumulators must fit the register file
 * (AVX-512: 16 of 32 zmm; AVX2: 8 of 16 ymm). */
#if defined(__AVX512F__)
#define VL 16
#define CT 4
#elif defined(__AVX__)
#define VL 8
#define CT 2
#else
#define VL 4
#define CT 2
#endif
#define RT 4
#define BQ_MAX 32
#define STACK_FLOATS 32768 /* 128 KiB of per-thread scratch */

typedef float vf __attribute__((vector_size(VL * sizeof(float))));
#define INLINE static inline __attribute__((always_inline))

INLINE vf vload(const float *p) {
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}
INLINE void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }
INLINE vf vbcast(float x) {
    vf v = {0};
    return v + x;
}
/* A fused multiply-add: the build is -std=c11, where GCC does not contract a*b+c. */
INLINE vf vfma(vf a, vf b, vf c) {
#if defined(__AVX512F__)
    return _mm512_fmadd_ps(a, b, c);
#elif defined(__FMA__) && VL == 8
    return _mm256_fmadd_ps(a, b, c);
#else
    return a * b + c;
#endif
}

static int round_up(int x, int m) { return (x + m - 1) / m * m; }
static int min_int(int a, int b) { return a < b ? a : b; }

/* One register tile: for u < RT, C[u][0, g*VL) (+)= Σ_k A[u*sar + k*sak] · B[k][0, g*VL).
 * A is read a scalar at a time (broadcast), B a row of g vectors at a time;
 * g is a compile-time constant at every call, so c[][] lives in registers. */
INLINE void tile(float *C, int ldc, const float *A, int sar, int sak, const float *B, int ldb, int K, const int g,
                 int accumulate) {
    vf c[RT][CT];
    for (int u = 0; u < RT; u++)
        for (int v = 0; v < g; v++) c[u][v] = accumulate ? vload(C + (size_t)u * ldc + v * VL) : vbcast(0.0f);
    for (int k = 0; k < K; k++) {
        const float *b = B + (size_t)k * ldb, *a = A + (size_t)k * sak;
        vf bv[CT];
        for (int v = 0; v < g; v++) bv[v] = vload(b + v * VL);
        for (int u = 0; u < RT; u++) {
            vf au = vbcast(a[u * sar]);
            for (int v = 0; v < g; v++) c[u][v] = vfma(au, bv[v], c[u][v]);
        }
    }
    for (int u = 0; u < RT; u++)
        for (int v = 0; v < g; v++) vstore(C + (size_t)u * ldc + v * VL, c[u][v]);
}

/* C[rows, ncols] (+)= A[rows, K] · B[K, ncols] with A[i][k] at A[i*sar + k*sak]
 * (so A may be read transposed). rows is a multiple of RT and ncols of VL; the
 * caller's buffers are padded to that. The sum over k runs in increasing k. */
static void small_gemm(float *C, int ldc, const float *A, int sar, int sak, const float *B, int ldb, int rows, int K,
                       int ncols, int accumulate) {
    for (int i = 0; i < rows; i += RT) {
        for (int c0 = 0; c0 < ncols; c0 += CT * VL) {
            float *Ci = C + (size_t)i * ldc + c0;
            const float *Ai = A + (size_t)i * sar, *Bc = B + c0;
            switch (min_int((ncols - c0) / VL, CT)) {
#if CT >= 4
            case 4: tile(Ci, ldc, Ai, sar, sak, Bc, ldb, K, 4, accumulate); break;
            case 3: tile(Ci, ldc, Ai, sar, sak, Bc, ldb, K, 3, accumulate); break;
#endif
            case 2: tile(Ci, ldc, Ai, sar, sak, Bc, ldb, K, 2, accumulate); break;
            default: tile(Ci, ldc, Ai, sar, sak, Bc, ldb, K, 1, accumulate); break;
            }
        }
    }
}

/* ---------------------------------------------------------------- packing */

/* dst[jj][0, hsp) = src row jj (hs values, then zeros), rows n..nr zero. A row is
 * one head (64 floats at the reference shapes): vector moves in line rather than
 * a memcpy and a memset call per row. */
static void pack_rows(float *dst, int hsp, const float *src, size_t stride, int hs, int n, int nr) {
    const int hv = hs / VL * VL;
    for (int jj = 0; jj < nr; jj++) {
        float *d = dst + (size_t)jj * hsp;
        if (jj < n) {
            const float *s = src + jj * stride;
            for (int c = 0; c < hv; c += VL) vstore(d + c, vload(s + c));
            for (int c = hv; c < hs; c++) d[c] = s[c];
            for (int c = hs; c < hsp; c++) d[c] = 0.0f;
        } else {
            for (int c = 0; c < hsp; c += VL) vstore(d + c, vbcast(0.0f));
        }
    }
}

/* dst[d][jj] = src row jj, channel d, for jj < n; columns n..ncols zero. */
static void pack_transposed(float *dst, int ld, const float *src, size_t stride, int hs, int n, int ncols) {
    /* RT source rows at a time: each destination row gets RT adjacent stores */
    int jj = 0;
    for (; jj + RT <= n; jj += RT) {
        const float *s0 = src + jj * stride, *s1 = s0 + stride, *s2 = s1 + stride, *s3 = s2 + stride;
        int d = 0;
#if defined(__SSE__) && RT == 4
        /* 4 x 4 blocks through registers: 4 loads, 8 shuffles, 4 stores for 16
         * values instead of 16 scalar loads and stores (this loop was a sixth of
         * the FTP decoder's 8 x 8 attention) */
        for (; d + 4 <= hs; d += 4) {
            __m128 r0 = _mm_loadu_ps(s0 + d), r1 = _mm_loadu_ps(s1 + d), r2 = _mm_loadu_ps(s2 + d),
                   r3 = _mm_loadu_ps(s3 + d);
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            float *t = dst + (size_t)d * ld + jj;
            _mm_storeu_ps(t, r0);
            _mm_storeu_ps(t + ld, r1);
            _mm_storeu_ps(t + 2 * (size_t)ld, r2);
            _mm_storeu_ps(t + 3 * (size_t)ld, r3);
        }
#endif
        for (; d < hs; d++) {
            float *t = dst + (size_t)d * ld + jj;
            t[0] = s0[d], t[1] = s1[d], t[2] = s2[d], t[3] = s3[d];
        }
    }
    for (; jj < n; jj++) {
        const float *s = src + jj * stride;
        for (int d = 0; d < hs; d++) dst[(size_t)d * ld + jj] = s[d];
    }
    if (n < ncols) /* a few columns per channel: stores in line, not a memset call each */
        for (int d = 0; d < hs; d++)
            for (int jj = n; jj < ncols; jj++) dst[(size_t)d * ld + jj] = 0.0f;
}

/* Block sizes for a padded head size hsp: the largest key block (BK, a multiple
 * of VL, at most CT*VL) and query block (BQ, a power of two from BQ_MAX down to
 * RT) whose backward buffers fit STACK_FLOATS. 0 when none does. */
static int pick_blocks(int hsp, int *bk, int *bq) {
    for (int k = CT * VL; k >= VL; k -= VL)
        for (int q = BQ_MAX; q >= RT; q /= 2)
            if ((size_t)hsp * (5 * k + 3 * q) + (size_t)2 * q * k + 2 * q <= STACK_FLOATS) {
                *bk = k;
                *bq = q;
                return 1;
            }
    return 0;
}

static void forward_scalar(float *out, float *lse, const float *q, const float *k, const float *v,
                           const attention_shape *sh);
static void backward_scalar(float *dq, float *dk, float *dv, const float *dout, const float *out, const float *lse,
                            const float *q, const float *k, const float *v, const attention_shape *sh);

/* ---------------------------------------------------------------- forward */

/* One (sequence, head) pair. qb/kb/vb/ob point at its row 0, channel 0. */
static void forward_pair(float *ob, float *lb, const float *qb, const float *kb, const float *vb,
                         const attention_shape *sh, int BK, int BQ, float *scratch) {
    const int Sq = sh->Sq, Sk = sh->Sk, hs = sh->hs, hsp = round_up(hs, VL), C = sh->H * hs;
    const size_t qs = (size_t)sh->q_stride, kvs = (size_t)sh->kv_stride;
    const float scale = 1.0f / sqrtf((float)hs);
    float *Qp = scratch;                  /* [BQ][hsp] */
    float *Kt = Qp + (size_t)BQ * hsp;    /* [hs][BK]  */
    float *Vp = Kt + (size_t)hs * BK;     /* [BK][hsp] */
    float *O = Vp + (size_t)BK * hsp;     /* [BQ][hsp] unnormalised output */
    float *S = O + (size_t)BQ * hsp;      /* [BQ][BK]  scores, then probabilities */
    float *mx = S + (size_t)BQ * BK, *l = mx + BQ;
    for (int i0 = 0; i0 < Sq; i0 += BQ) {
        const int nq = min_int(BQ, Sq - i0), nqr = round_up(nq, RT);
        pack_rows(Qp, hsp, qb + i0 * qs, qs, hs, nq, nqr);
        memset(O, 0, (size_t)nqr * hsp * sizeof(float));
        for (int ii = 0; ii < nq; ii++) mx[ii] = -INFINITY, l[ii] = 0.0f;
        const int kend = sh->causal ? i0 + nq : Sk;
        for (int j0 = 0; j0 < kend; j0 += BK) {
            const int nb = min_int(BK, kend - j0), nbc = round_up(nb, VL);
            pack_transposed(Kt, BK, kb + j0 * kvs, kvs, hs, nb, nbc);
            pack_rows(Vp, hsp, vb + j0 * kvs, kvs, hs, nb, nb);
            small_gemm(S, BK, Qp, hsp, 1, Kt, BK, nqr, hs, nbc, 0);
            /* online softmax: fold this block into each row's running max and sum */
            for (int ii = 0; ii < nqr; ii++) {
                float *s = S + (size_t)ii * BK;
                int valid = ii >= nq ? 0 : sh->causal ? min_int(nb, i0 + ii - j0 + 1) : nb;
                if (valid <= 0) {
                    memset(s, 0, (size_t)nbc * sizeof(float));
                    continue;
                }
                /* whole padded row (nbc, a multiple of VL) so the loops are all
                 * full vectors; masked keys become -inf and exp gives 0 */
                float m = mx[ii];
#pragma omp simd reduction(max : m)
                for (int jj = 0; jj < nbc; jj++) {
                    float x = jj < valid ? s[jj] * scale : -INFINITY;
                    s[jj] = x;
                    m = x > m ? x : m;
                }
                float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
                for (int jj = 0; jj < nbc; jj++) {
                    s[jj] = fl_expf(s[jj] - m);
                    sum += s[jj];
                }
                if (m != mx[ii]) { /* new running maximum: rescale what we have */
                    float corr = fl_expf(mx[ii] - m);
                    float *o = O + (size_t)ii * hsp;
                    for (int d = 0; d < hsp; d++) o[d] *= corr;
                    l[ii] *= corr;
                    mx[ii] = m;
                }
                l[ii] += sum;
            }
            small_gemm(O, hsp, S, BK, 1, Vp, hsp, nqr, nb, hsp, 1);
        }
        for (int ii = 0; ii < nq; ii++) {
            const float inv = 1.0f / l[ii], *o = O + (size_t)ii * hsp;
            float *dst = ob + (size_t)(i0 + ii) * C;
            for (int d = 0; d < hs; d++) dst[d] = o[d] * inv;
            lb[i0 + ii] = mx[ii] + logf(l[ii]);
        }
    }
}

void fli_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v,
                       const attention_shape *sh) {
    const int R = sh->R, Sq = sh->Sq, Sk = sh->Sk, H = sh->H, hs = sh->hs, C = H * hs;
    int BK, BQ;
    if (!pick_blocks(round_up(hs, VL), &BK, &BQ)) {
        forward_scalar(out, lse, q, k, v, sh);
        return;
    }
#pragma omp parallel for schedule(static)
    for (long p = 0; p < (long)R * H; p++) {
        const int r = (int)(p / H), h = (int)(p % H);
        float scratch[STACK_FLOATS] __attribute__((aligned(64)));
        forward_pair(out + (size_t)r * Sq * C + h * hs, lse + (size_t)p * Sq,
                     q + (size_t)r * Sq * sh->q_stride + h * hs, k + (size_t)r * Sk * sh->kv_stride + h * hs,
                     v + (size_t)r * Sk * sh->kv_stride + h * hs, sh, BK, BQ, scratch);
    }
}

/* ---------------------------------------------------------------- backward */

/* Σ a[d] b[d] over one head, VL lanes at a time, the lanes then added in order:
 * a fixed order (so fixed bits), and not one serial chain of adds (hs adds of
 * 4 cycles' latency each, for every query of every pair: in the FTP decoder's
 * 8 x 8 attention that chain was the largest single cost of the backward). */
static float dot_rows(const float *a, const float *b, int hs) {
    vf acc = vbcast(0.0f);
    int d = 0;
    for (; d + VL <= hs; d += VL) acc = vfma(vload(a + d), vload(b + d), acc);
    float s = 0.0f;
    for (int l = 0; l < VL; l++) s += acc[l];
    for (; d < hs; d++) s += a[d] * b[d];
    return s;
}

/* With P = softmax(S), S = scale * q kᵀ, O = P v:
 *   dv_j += Σ_i P_ij do_i
 *   dP_ij = do_i · v_j,  dS_ij = P_ij (dP_ij - D_i),  D_i = do_i · o_i
 *   dq_i += scale Σ_j dS_ij k_j,   dk_j += scale Σ_i dS_ij q_i
 * Key blocks outermost: dk and dv of a block accumulate locally over all
 * query blocks, and dq gets one addition per key block. */
static void backward_pair(float *dqb, float *dkb, float *dvb, const float *dob, const float *ob, const float *lb,
                          const float *qb, const float *kb, const float *vb, const attention_shape *sh, int BK, int BQ,
                          float *scratch) {
    const int Sq = sh->Sq, Sk = sh->Sk, hs = sh->hs, hsp = round_up(hs, VL), C = sh->H * hs;
    const size_t qs = (size_t)sh->q_stride, kvs = (size_t)sh->kv_stride;
    const float scale = 1.0f / sqrtf((float)hs);
    float *Kt = scratch;                  /* [hs][BK] */
    float *Vt = Kt + (size_t)hs * BK;     /* [hs][BK] */
    float *Kp = Vt + (size_t)hs * BK;     /* [BK][hsp] */
    float *dK = Kp + (size_t)BK * hsp;    /* [BK][hsp] */
    float *dV = dK + (size_t)BK * hsp;    /* [BK][hsp] */
    float *Qp = dV + (size_t)BK * hsp;    /* [BQ][hsp] */
    float *dOp = Qp + (size_t)BQ * hsp;   /* [BQ][hsp] */
    float *dQ = dOp + (size_t)BQ * hsp;   /* [BQ][hsp] */
    float *P = dQ + (size_t)BQ * hsp;     /* [BQ][BK] scores, then probabilities */
    float *dS = P + (size_t)BQ * BK;      /* [BQ][BK] dP, then dS */
    float *D = dS + (size_t)BQ * BK, *L = D + BQ;
    for (int j0 = 0; j0 < Sk; j0 += BK) {
        const int nb = min_int(BK, Sk - j0), nbc = round_up(nb, VL), nbr = round_up(nb, RT);
        pack_transposed(Kt, BK, kb + j0 * kvs, kvs, hs, nb, nbc);
        pack_transposed(Vt, BK, vb + j0 * kvs, kvs, hs, nb, nbc);
        pack_rows(Kp, hsp, kb + j0 * kvs, kvs, hs, nb, nb);
        memset(dK, 0, (size_t)nbr * hsp * sizeof(float));
        memset(dV, 0, (size_t)nbr * hsp * sizeof(float));
        for (int i0 = sh->causal ? j0 : 0; i0 < Sq; i0 += BQ) { /* causal: queries before j0 see none of these keys */
            const int nq = min_int(BQ, Sq - i0), nqr = round_up(nq, RT);
            pack_rows(Qp, hsp, qb + i0 * qs, qs, hs, nq, nqr);
            pack_rows(dOp, hsp, dob + (size_t)i0 * C, (size_t)C, hs, nq, nqr);
            for (int ii = 0; ii < nq; ii++) {
                D[ii] = dot_rows(dOp + (size_t)ii * hsp, ob + (size_t)(i0 + ii) * C, hs);
                L[ii] = lb[i0 + ii];
            }
            small_gemm(P, BK, Qp, hsp, 1, Kt, BK, nqr, hs, nbc, 0);
            small_gemm(dS, BK, dOp, hsp, 1, Vt, BK, nqr, hs, nbc, 0);
            for (int ii = 0; ii < nqr; ii++) {
                float *p = P + (size_t)ii * BK, *ds = dS + (size_t)ii * BK;
                int valid = ii >= nq ? 0 : sh->causal ? min_int(nb, i0 + ii - j0 + 1) : nb;
                const float Li = ii < nq ? L[ii] : 0.0f, Di = ii < nq ? D[ii] : 0.0f;
#pragma omp simd
                for (int jj = 0; jj < nbc; jj++) { /* whole padded row, as in the forward */
                    float pj = jj < valid ? fl_expf(p[jj] * scale - Li) : 0.0f;
                    p[jj] = pj;
                    ds[jj] = pj * (ds[jj] - Di) * scale;
                }
            }
            small_gemm(dV, hsp, P, 1, BK, dOp, hsp, nbr, nq, hsp, 1);   /* dV += Pᵀ·dO */
            small_gemm(dK, hsp, dS, 1, BK, Qp, hsp, nbr, nq, hsp, 1);   /* dK += dSᵀ·Q */
            small_gemm(dQ, hsp, dS, BK, 1, Kp, hsp, nqr, nb, hsp, 0);   /* dQ  = dS·K  */
            for (int ii = 0; ii < nq; ii++) {
                float *dst = dqb + (size_t)(i0 + ii) * qs;
                const float *src = dQ + (size_t)ii * hsp;
                for (int d = 0; d < hs; d++) dst[d] += src[d];
            }
        }
        for (int jj = 0; jj < nb; jj++) {
            float *gk = dkb + (size_t)(j0 + jj) * kvs, *gv = dvb + (size_t)(j0 + jj) * kvs;
            const float *sk = dK + (size_t)jj * hsp, *sv = dV + (size_t)jj * hsp;
            for (int d = 0; d < hs; d++) {
                gk[d] += sk[d];
                gv[d] += sv[d];
            }
        }
    }
}

void fli_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *out, const float *lse,
                        const float *q, const float *k, const float *v, const attention_shape *sh) {
    const int R = sh->R, Sq = sh->Sq, Sk = sh->Sk, H = sh->H, hs = sh->hs, C = H * hs;
    int BK, BQ;
    if (!pick_blocks(round_up(hs, VL), &BK, &BQ)) {
        backward_scalar(dq, dk, dv, dout, out, lse, q, k, v, sh);
        return;
    }
#pragma omp parallel for schedule(static)
    for (long p = 0; p < (long)R * H; p++) {
        const int r = (int)(p / H), h = (int)(p % H);
        const size_t qoff = (size_t)r * Sq * sh->q_stride + h * hs, kvoff = (size_t)r * Sk * sh->kv_stride + h * hs;
        const size_t ooff = (size_t)r * Sq * C + h * hs;
        float scratch[STACK_FLOATS] __attribute__((aligned(64)));
        backward_pair(dq + qoff, dk + kvoff, dv + kvoff, dout + ooff, out + ooff, lse + (size_t)p * Sq, q + qoff,
                      k + kvoff, v + kvoff, sh, BK, BQ, scratch);
    }
}

/* ---------------------------------------------------------------- large heads */

/* Plain per-pair loops for head sizes whose blocks would not fit the stack
 * budget: one key at a time, online softmax, the same maths. */
static float dot(const float *a, const float *b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static void forward_scalar(float *out, float *lse, const float *q, const float *k, const float *v,
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
                    if (s > m) {
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

static void backward_scalar(float *dq, float *dk, float *dv, const float *dout, const float *out, const float *lse,
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
