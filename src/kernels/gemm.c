/* Portable SGEMM: cache-blocked loops the compiler can vectorise. Correct for
 * every shape and transpose; a hand-tuned backend may replace it. */
#include "kernels/gemm.h"

#include <stddef.h>

#define KC 256 /* K block: rows of op(B) kept hot in cache */
#define NC 512 /* N block: columns of C per task */

const char *fl_sgemm_backend(void) { return "futurelm-portable"; }

static inline float a_at(const float *A, int lda, int ta, int i, int k) {
    return ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
}

void fl_sgemm(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (beta == 0.0f) {
#pragma omp parallel for schedule(static)
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = 0.0f;
    }
    if (K <= 0) return;
    if (trans_b) {
        /* C[i,j] += dot(op(A) row i, B row j): contiguous dot products over K. */
#pragma omp parallel for schedule(static) collapse(2)
        for (int i = 0; i < M; i++) {
            for (int j0 = 0; j0 < N; j0 += 8) {
                int j1 = j0 + 8 < N ? j0 + 8 : N;
                for (int j = j0; j < j1; j++) {
                    const float *b = B + (size_t)j * ldb;
                    float acc = 0.0f;
                    if (!trans_a) {
                        const float *a = A + (size_t)i * lda;
                        for (int k = 0; k < K; k++) acc += a[k] * b[k];
                    } else {
                        for (int k = 0; k < K; k++) acc += A[(size_t)k * lda + i] * b[k];
                    }
                    C[(size_t)i * ldc + j] += acc;
                }
            }
        }
        return;
    }
    /* B not transposed: C row i += sum_k op(A)[i,k] * B row k (axpy form, vectorises over j). */
    for (int k0 = 0; k0 < K; k0 += KC) {
        int k1 = k0 + KC < K ? k0 + KC : K;
#pragma omp parallel for schedule(static) collapse(2)
        for (int i = 0; i < M; i++) {
            for (int j0 = 0; j0 < N; j0 += NC) {
                int j1 = j0 + NC < N ? j0 + NC : N;
                float *c = C + (size_t)i * ldc;
                for (int k = k0; k < k1; k++) {
                    float a = a_at(A, lda, trans_a, i, k);
                    const float *b = B + (size_t)k * ldb;
                    for (int j = j0; j < j1; j++) c[j] += a * b[j];
                }
            }
        }
    }
}
