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

/* Elementwise work done on C as each block is finished, while it is still in
 * cache, instead of as a separate pass over memory. After C = beta*C + op(A)·op(B):
 *   bias (if not NULL):      C[i,j] += bias[j]
 *   residual (if not NULL):  C[i,j] = residual[i,j] + C[i,j]
 *   then op FL_EPI_GELU:     aux[i,j] = gelu(C[i,j])             (C keeps the pre-activation)
 *        op FL_EPI_GELU_GRAD: C[i,j] *= gelu'(aux[i,j])          (aux holds the pre-activation)
 * residual and aux are M x N with leading dimensions ldres and ldaux. Every
 * element gets the same operations as the separate passes (gelu_math.h; a
 * bias add after the full sum), so fused and unfused results are
 * bit-identical, for any thread count. */
enum { FL_EPI_NONE = 0, FL_EPI_GELU = 1, FL_EPI_GELU_GRAD = 2 };
typedef struct {
    const float *bias;
    const float *residual;
    int ldres;
    int op;
    float *aux;
    int ldaux;
} fl_sgemm_epilogue;

/* fl_sgemm followed by the epilogue (NULL: none, exactly fl_sgemm). */
void fl_sgemm_ex(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc, const fl_sgemm_epilogue *epi);

/* The epilogue on the block C[i0:i0+rows, j0:j0+cols] (for the SGEMM backends). */
void fl_sgemm_epilogue_apply(const fl_sgemm_epilogue *epi, float *C, int ldc, int i0, int rows, int j0, int cols);

/* Name of the backend compiled in ("futurelm-avx512", "openblas", ...), for reports. */
const char *fl_sgemm_backend(void);

#endif
