/* The kernels as the model's passes call them: each wrapper runs one kernel
 * and books its wall time under the kernel's op category of the pass's phase
 * (profile.h), so that a layer reads as its maths while the profile stays:
 *     layernorm / layernorm_grad        fli_layernorm_forward / _backward
 *     linear / linear_grad              fli_linear_forward / _backward
 *     attention / attention_grad        fli_attention_forward / _backward
 *     embedding / embedding_grad        fli_embedding_forward / _backward
 *     crossentropy / crossentropy_grad  fli_crossentropy_forward / _backward
 *     sgemm                             fl_sgemm (the tied head's products)
 * Work not wrapped here (residual adds, zeroing, gathers) falls in the phase's
 * "other" share. Only the model's pass files (block, trunk, ftp, head) include
 * this; the short names stay out of every other file. */
#ifndef FL_MODEL_TIMED_H
#define FL_MODEL_TIMED_H
#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "model/profile.h"

/* Times one statement (the variadic tail, so it may hold commas) as op `op` at `at`. */
#define PROF_TIMED(at, op, ...)                                                                                        \
    do {                                                                                                               \
        double prof_t0_ = prof_start((at).p);                                                                          \
        __VA_ARGS__;                                                                                                   \
        prof_op((at).p, (at).phase, (op), prof_t0_);                                                                   \
    } while (0)

static inline void layernorm(prof_at at, float *out, float *mean, float *rstd, const float *x, const float *w,
                             const float *b, int N, int C) {
    PROF_TIMED(at, FL_PROF_LAYERNORM, fli_layernorm_forward(out, mean, rstd, x, w, b, N, C));
}
static inline void layernorm_grad(prof_at at, float *dx, float *dw, float *db, const float *dout, const float *x,
                                  const float *w, const float *mean, const float *rstd, int N, int C) {
    PROF_TIMED(at, FL_PROF_LAYERNORM, fli_layernorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C));
}
static inline void linear(prof_at at, float *out, const float *x, const float *w, const float *b, int N, int C,
                          int OC) {
    PROF_TIMED(at, FL_PROF_GEMM, fli_linear_forward(out, x, w, b, N, C, OC));
}
static inline void linear_grad(prof_at at, float *dx, float *dw, float *db, const float *dout, const float *x,
                               const float *w, int N, int C, int OC) {
    PROF_TIMED(at, FL_PROF_GEMM, fli_linear_backward(dx, dw, db, dout, x, w, N, C, OC));
}
static inline void attention(prof_at at, float *out, float *lse, const float *q, const float *k, const float *v,
                             const attention_shape *sh) {
    PROF_TIMED(at, FL_PROF_ATTENTION, fli_attention_forward(out, lse, q, k, v, sh));
}
static inline void attention_grad(prof_at at, float *dq, float *dk, float *dv, const float *dout, const float *out,
                                  const float *lse, const float *q, const float *k, const float *v,
                                  const attention_shape *sh) {
    PROF_TIMED(at, FL_PROF_ATTENTION, fli_attention_backward(dq, dk, dv, dout, out, lse, q, k, v, sh));
}
static inline void embedding(prof_at at, float *out, const int32_t *tok, const float *wte, const float *wpe, int R,
                             int S, int C) {
    PROF_TIMED(at, FL_PROF_EMBEDDING, fli_embedding_forward(out, tok, wte, wpe, R, S, C));
}
static inline void embedding_grad(prof_at at, float *dwte, float *dwpe, const float *dout, const int32_t *tok, int R,
                                  int S, int C) {
    PROF_TIMED(at, FL_PROF_EMBEDDING, fli_embedding_backward(dwte, dwpe, dout, tok, R, S, C));
}
static inline void crossentropy(prof_at at, float *losses, const float *logits, const int32_t *targets, int N, int V,
                                int Vp) {
    PROF_TIMED(at, FL_PROF_CROSSENTROPY, fli_crossentropy_forward(losses, logits, targets, N, V, Vp));
}
static inline void crossentropy_grad(prof_at at, float *dlogits, const float *logits, const int32_t *targets,
                                     const float *weight, int N, int V, int Vp) {
    PROF_TIMED(at, FL_PROF_CROSSENTROPY, fli_crossentropy_backward(dlogits, logits, targets, weight, N, V, Vp));
}
static inline void sgemm(prof_at at, int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B,
                         int ldb, float beta, float *C, int ldc) {
    PROF_TIMED(at, FL_PROF_GEMM, fl_sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc));
}
#endif
