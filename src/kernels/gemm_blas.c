/* fl_sgemm over an external CBLAS (make BLAS=openblas or BLAS=blis): the same
 * contract as src/kernels/gemm.c, row-major, beta in {0,1}.
 *
 * Determinism: OpenBLAS and BLIS split work over M/N between threads (their
 * SGEMM has no split-K), so in practice results do not depend on the thread
 * count, but that is their property, not one we can enforce here; the test
 * suite checks it. */
#include "kernels/gemm.h"

#include <stddef.h>
#include <string.h>

#if defined(FL_BLAS_OPENBLAS)
#include <cblas.h>
#define FL_BLAS_NAME "openblas"
#elif defined(FL_BLAS_BLIS)
#include <cblas.h> /* BLIS's own cblas.h: the Makefile puts its directory first */
#define FL_BLAS_NAME "blis"
#else
#error "gemm_blas.c needs -DFL_BLAS_OPENBLAS or -DFL_BLAS_BLIS"
#endif

const char *fl_sgemm_backend(void) { return FL_BLAS_NAME; }

void fl_sgemm(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (beta == 0.0f) {
        /* The contract says old C is ignored, NaNs included. BLAS does not
         * read C when beta is 0, but clear it anyway so that K == 0 (where
         * some BLAS return early) and every library behave the same. */
        for (int i = 0; i < M; i++) memset(C + (size_t)i * ldc, 0, (size_t)N * sizeof(float));
    }
    if (K <= 0) return;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K,
                1.0f, A, lda, B, ldb, beta, C, ldc);
}

void fl_sgemm_ex(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc, const fl_sgemm_epilogue *epi) {
    fl_sgemm(trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc);
    /* the library owns the tiles, so the epilogue is one pass after it */
    if (epi && M > 0 && N > 0) fl_sgemm_epilogue_apply(epi, C, ldc, 0, M, 0, N);
}
