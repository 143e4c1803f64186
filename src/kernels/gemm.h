/* Single-precision matrix product, row-major, the one primitive under every
 * linear layer:
 *
 *     C[M,N] = beta * C + op(A) · op(B)
 *
 * op(A) is M x K: A is stored M x K (lda >= K) or, with trans_a, K x M (lda >= M).
 * op(B) is K x N: B is stored K x N (ldb >= N) or, with trans_b, N x K (ldb >= K).
 * beta is 0 (C is overwritten, its old contents ignored, NaNs included) or 1.
 *
 * The three products of a linear layer Y = X·Wᵀ map to it without transposes:
 *   forward  Y[n,o]  = X[n,c]·W[o,c]ᵀ      -> (0,1) M=n N=o K=c
 *   dX[n,c] += dY[n,o]·W[o,c]              -> (0,0) M=n N=c K=o, beta 1
 *   dW[o,c] += dY[n,o]ᵀ·X[n,c]             -> (1,0) M=o N=c K=n, beta 1
 *
 * Determinism contract: every element of C is summed over K in an order that
 * depends only on (M, N, K), never on the thread count, so results are
 * bit-identical for any OMP_NUM_THREADS and with OpenMP off.
 */
#ifndef FL_KERNELS_GEMM_H
#define FL_KERNELS_GEMM_H

void fl_sgemm(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc);

/* Name of the backend compiled in ("futurelm-avx512", "openblas", ...), for reports. */
const char *fl_sgemm_backend(void);

#endif
