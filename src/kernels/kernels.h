/* The model's building blocks. Every kernel has its forward and its backward
 * in the same file (src/kernels/<op>.c). Conventions:
 *  - row-major float32; "rows" N is the number of token positions (B*T or similar);
 *  - backward functions ADD into gradient buffers (parameter and input grads),
 *    so several consumers of one tensor accumulate naturally; callers zero them;
 *  - every reduction is ordered so results are bit-identical for any thread count.
 */
#ifndef FL_KERNELS_H
#define FL_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/* ---- embedding.c: out[r,s,:] = wte[tok[r,s],:] + wpe[s,:]  (R sequences of S tokens) */
void fli_embedding_forward(float *out, const int32_t *tok, const float *wte, const float *wpe, int R, int S, int C);
void fli_embedding_backward(float *dwte, float *dwpe, const float *dout, const int32_t *tok, int R, int S, int C);

/* ---- layernorm.c: out = (x - mean) * rstd * w + b over the last dim, eps 1e-5.
 * mean and rstd [N] are saved for the backward. */
void fli_layernorm_forward(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b, int N,
                       int C);
void fli_layernorm_backward(float *dx, float *dw, float *db, const float *dout, const float *x, const float *w,
                        const float *mean, const float *rstd, int N, int C);

/* ---- linear.c: out[N,OC] = x[N,C] · w[OC,C]ᵀ + b (b may be NULL). */
void fli_linear_forward(float *out, const float *x, const float *w, const float *b, int N, int C, int OC);
/* dx += dout·w, dw += doutᵀ·x, db += Σ_n dout (any of dx, dw, db may be NULL to skip it). */
void fli_linear_backward(float *dx, float *dw, float *db, const float *dout, const float *x, const float *w, int N, int C,
                     int OC);
/* The same, but dx = dout·w is OVERWRITTEN (a product with beta 0): for a scratch
 * gradient that has no other contributor, instead of zeroing it first. */
void fli_linear_backward_set(float *dx, float *dw, float *db, const float *dout, const float *x, const float *w, int N,
                             int C, int OC);
/* out = res + (x·wᵀ + b), the residual add in the product's epilogue (res [N,OC];
 * the same bits as fli_linear_forward then fli_residual_forward(out, res, out)). */
void fli_linear_residual_forward(float *out, const float *res, const float *x, const float *w, const float *b, int N,
                                 int C, int OC);
/* The MLP's fc with its GELU fused into the product's epilogue: pre = x·wᵀ + b
 * (kept for the backward) and act = gelu(pre), both [N,OC]. */
void fli_linear_gelu_forward(float *pre, float *act, const float *x, const float *w, const float *b, int N, int C,
                             int OC);
/* The backward of y = linear(gelu(pre)) with x = gelu(pre) [N,C]: dpre = gelu'(pre)
 * * (dout·w), OVERWRITTEN (not added: the GELU's derivative is applied in the
 * product's epilogue), dw += doutᵀ·x, db += Σ_n dout (dw, db may be NULL). */
void fli_linear_backward_gelu(float *dpre, float *dw, float *db, const float *dout, const float *x, const float *w,
                              const float *pre, int N, int C, int OC);

/* ---- linear_packed.c: the vector instructions the kernels outside the run-time-dispatched
 * SGEMM (packed linears, attention, elementwise) were compiled for, fixed by -march:
 * "avx512", "avx2" or "generic", what a speed measurement ran on. */
const char *fli_compiled_simd(void);

/* ---- linear_packed.c: the inference form of fli_linear_forward, on a weight packed
 * once by fli_linear_pack (fli_linear_pack_floats(C, OC) floats). Every output element is
 * summed in the same order for any N and thread count, so a row's result does
 * not depend on which rows it is batched with. */
size_t fli_linear_pack_floats(int C, int OC);
void fli_linear_pack(float *packed, const float *w, int C, int OC);
void fli_linear_packed_forward(float *out, const float *x, const float *packed, const float *b, int N, int C, int OC);
/* The same panels and summation order on a bfloat16 copy of the weight
 * (fli_linear_pack_bf16_words(C, OC) words, two weights a word), for draft steps:
 * half the bytes to stream, about 3 significant digits per weight. */
size_t fli_linear_pack_bf16_words(int C, int OC);
void fli_linear_pack_bf16(uint32_t *packed, const float *w, int C, int OC);
void fli_linear_packed_bf16_forward(float *out, const float *x, const uint32_t *packed, const float *b, int N, int C,
                                int OC);
/* The same on an int8 copy with a float scale per output column
 * (fli_linear_pack_i8_bytes(C, OC) bytes, fli_linear_pack_i8_scales(OC) floats):
 * a quarter of the bytes, about 2 significant digits per weight; draft steps only.
 * Where FLI_I8_DOT is not 0 (integer dot products: 1 with AVX512-VNNI, 2 with
 * AVX2) each input row is quantised too: q = x * (FLI_I8_QMAX / max|x|) rounded
 * to nearest even, the sums exact in int32, out = sum * (max|x| / FLI_I8_QMAX) *
 * scale + b; scratch holds the quantised rows (fli_linear_i8_scratch_bytes(N, C)
 * bytes, 64-aligned; 0 and unused without a SIMD path, where the weights are
 * widened to float and x stays float). */
#if defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define FLI_I8_DOT 1
#define FLI_I8_QMAX 127
#elif defined(__AVX2__)
#define FLI_I8_DOT 2
#define FLI_I8_QMAX 63 /* vpmaddubsw adds two byte products in 16 bits: 2 * 127 * 127 fits, 2 * 255 * 127 not */
#else
#define FLI_I8_DOT 0
#define FLI_I8_QMAX 0
#endif
size_t fli_linear_pack_i8_bytes(int C, int OC);
size_t fli_linear_pack_i8_scales(int OC);
size_t fli_linear_i8_scratch_bytes(int N, int C);
void fli_linear_pack_i8(int8_t *packed, float *scale, const float *w, int C, int OC);
void fli_linear_packed_i8_forward(float *out, const float *x, const int8_t *packed, const float *scale, const float *b,
                                  int N, int C, int OC, unsigned char *scratch);

/* ---- attention.c: multi-head scaled dot-product attention over R independent
 * sequences, Sq queries and Sk keys each, H heads of size hs (C = H*hs).
 * Row s of sequence r starts at q + (r*Sq + s)*q_stride (likewise k, v with kv_stride
 * and Sk); head h is the slice [h*hs, (h+1)*hs). With causal, query s sees keys 0..s
 * (requires Sq == Sk). out is [R,Sq,C] (heads concatenated); lse [R,H,Sq] keeps each
 * softmax row's log-sum-exp so the backward recomputes probabilities in O(S) memory. */
typedef struct {
    int R, Sq, Sk, H, hs;
    int q_stride, kv_stride;
    int causal;
} attention_shape;
void fli_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v,
                       const attention_shape *sh);
/* dq, dk, dv use the same strides as q, k, v (they may alias one qkv gradient buffer). */
void fli_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *out, const float *lse,
                        const float *q, const float *k, const float *v, const attention_shape *sh);

/* ---- attention_cached.c: nq new queries (rows q + i*q_stride, heads concatenated)
 * against cached keys and values (value j at v + j*v_stride). With causal, query i
 * sits at position first + i and sees keys 0..first+i; otherwise it sees keys
 * 0..nk-1. out is [nq, H*hs]. Forward only (inference).
 * Keys are row-major (key j at k + j*stride, heads concatenated) or transposed
 * (component c = h*hs + d of key j at k[c*stride + j]: the encoder's cache, whose
 * scores are then vertical multiply-adds over consecutive keys). */
typedef struct {
    const float *k;
    int stride;
    int transposed;
} fli_keys;
void fli_attention_cached(float *out, const float *q, int q_stride, fli_keys k, const float *v, int v_stride, int nq,
                          int first, int nk, int causal, int H, int hs);
/* The same over gathered keys (tree drafts, src/infer/tree.c): query i sees
 * keys 0..direct-1, then keys tail[i*tail_stride + 0 .. n_tail[i]-1], in that
 * order; with the same keys in the same order its output is bit-identical to
 * fli_attention_cached's. */
void fli_attention_gathered(float *out, const float *q, int q_stride, fli_keys k, const float *v, int v_stride,
                            int nq, int direct, const int *tail, int tail_stride, const int *n_tail, int H, int hs);

/* ---- gelu.c: tanh approximation, elementwise over n values. */
void fli_gelu_forward(float *out, const float *x, size_t n);
void fli_gelu_backward(float *dx, const float *x, const float *dout, size_t n);

/* ---- residual.c: out = a + b; backward adds dout into da and db. */
void fli_residual_forward(float *out, const float *a, const float *b, size_t n);
void fli_residual_backward(float *da, float *db, const float *dout, size_t n);

/* ---- crossentropy.c: softmax cross-entropy over the first V of Vp logit columns
 * (columns >= V are padding: excluded from the softmax, given zero gradient).
 * losses[n] = -log softmax(logits[n,:V])[target[n]]. */
void fli_crossentropy_forward(float *losses, const float *logits, const int32_t *targets, int N, int V, int Vp);
/* dlogits[n,:] = weight[n] * (softmax - onehot(target)) ; dlogits may alias logits
 * (the fused, in-place form used by the chunked LM head). Padded columns get 0. */
void fli_crossentropy_backward(float *dlogits, const float *logits, const int32_t *targets, const float *weight, int N,
                           int V, int Vp);
/* Both in one visit of each row, in place: losses[n] as the forward gives it and
 * logits[n,:] replaced by the backward's dlogits, the same bits as the two calls
 * (each row's max and exponentials computed once, not twice, while the row is
 * in L1). */
void fli_crossentropy_fused(float *losses, float *logits, const int32_t *targets, const float *weight, int N, int V,
                            int Vp);

/* ---- adamw.c: one bias-corrected AdamW step over n parameters (PyTorch's update order:
 * decoupled decay p *= 1 - lr*wd, then the Adam step) on the gradient g * gscale. t is
 * the 1-based step number. zero_grad: g is left all zeros (the next step's zeroing,
 * done while each gradient is in cache anyway); 0 leaves g as it was. */
void fli_adamw_update(float *p, float *g, float gscale, int zero_grad, float *m, float *v, size_t n, float lr,
                      float beta1, float beta2, float eps, float weight_decay, long t);

/* ---- gradclip.c, passes over a gradient buffer: the sum of squares of g[0..n) in
 * double, in fixed-size blocks combined in order (thread-count independent);
 * in-place scaling; zeroing, split over the threads. */
double fli_sum_of_squares(const float *g, size_t n);
void fli_scale_inplace(float *g, size_t n, float s);
void fli_zero_fill(float *g, size_t n);

#endif
