/* The linear layer of inference, out[N,OC] = x[N,C] · w[OC,C]ᵀ + b, on a weight
 * packed once when a generation session starts.
 *
 * Why not fl_sgemm: decoding multiplies 1 to ~16 rows at a time. SGEMM repacks
 * the weight on every call, which for so few rows costs as much as the product.
 * Here the weight is packed once into 32-column panels, each panel stored as C
 * rows of 32 contiguous floats (zero-padded past OC), and a register tile of up
 * 8 rows x 32 columns streams a panel once per 8 rows; fewer rows walk
 * several panels at once.
 *
 * Why a fixed summation order matters: every output element is one fused
 * multiply-add chain over c = 0..C-1 in increasing order, whatever N is and
 * whichever thread runs it. A position therefore gets bit-identical values
 * whether it is decoded alone (ar), verified in a batch of drafts (spec) or
 * prefilled with the prompt, which is what makes greedy spec decoding
 * token-identical to greedy ar decoding.
 */
#include <math.h>
#include <string.h>

#include "kernels/kernels.h"

enum { PANEL = 32, TILE_ROWS = 8 };

static int panels_of(int OC) { return (OC + PANEL - 1) / PANEL; }

size_t linear_pack_floats(int C, int OC) { return (size_t)panels_of(OC) * C * PANEL; }

void linear_pack(float *packed, const float *w, int C, int OC) {
    const int np = panels_of(OC);
#pragma omp parallel for schedule(static)
    for (int p = 0; p < np; p++) {
        float *dst = packed + (size_t)p * C * PANEL;
        for (int c = 0; c < C; c++)
            for (int l = 0; l < PANEL; l++) {
                int o = p * PANEL + l;
                dst[(size_t)c * PANEL + l] = o < OC ? w[(size_t)o * C + c] : 0.0f;
            }
    }
}

/* NR rows against NG consecutive panels, NR * NG <= 8 so the NR x NG x 32
 * accumulators fit in the vector registers (16 zmm for the sums). Each weight
 * row is loaded once for NR inputs, and the NR * NG * 2 independent chains keep
 * the FMA units busy: a single chain waits for its previous FMA. One function
 * per shape (the macro below) so every trip count is a constant and the
 * accumulators stay in registers. Each element's chain runs over c in
 * increasing order in every shape. */
#define DEFINE_ROWS_PANELS(NR, NG)                                                                                     \
    static void rows_panels_##NR##x##NG(float *restrict out, int ldo, const float *restrict x,                         \
                                        const float *restrict panels, const float *restrict b, int C, int o0,         \
                                        int OC) {                                                                      \
        float acc[NR][NG][PANEL];                                                                                      \
        for (int m = 0; m < NR; m++)                                                                                   \
            for (int g = 0; g < NG; g++)                                                                               \
                for (int l = 0; l < PANEL; l++) acc[m][g][l] = 0.0f;                                                   \
        for (int c = 0; c < C; c++) {                                                                                  \
            float xv[NR];                                                                                              \
            for (int m = 0; m < NR; m++) xv[m] = x[(size_t)m * C + c];                                                 \
            for (int g = 0; g < NG; g++) {                                                                             \
                const float *wc = panels + ((size_t)g * C + c) * PANEL;                                                \
                for (int m = 0; m < NR; m++)                                                                           \
                    _Pragma("omp simd") for (int l = 0; l < PANEL; l++) acc[m][g][l] =                                 \
                        fmaf(xv[m], wc[l], acc[m][g][l]);                                                              \
            }                                                                                                          \
        }                                                                                                              \
        for (int m = 0; m < NR; m++)                                                                                   \
            for (int g = 0; g < NG; g++) {                                                                             \
                const int base = o0 + g * PANEL, nc = OC - base < PANEL ? OC - base : PANEL;                           \
                float *o = out + (size_t)m * ldo + base;                                                               \
                for (int l = 0; l < nc; l++) o[l] = acc[m][g][l] + (b ? b[base + l] : 0.0f);                           \
            }                                                                                                          \
    }
DEFINE_ROWS_PANELS(8, 1)
DEFINE_ROWS_PANELS(4, 2)
DEFINE_ROWS_PANELS(4, 1)
DEFINE_ROWS_PANELS(2, 4)
DEFINE_ROWS_PANELS(2, 1)
DEFINE_ROWS_PANELS(1, 4)
DEFINE_ROWS_PANELS(1, 1)

enum { GROUP = 4 }; /* panels per work item */

/* Rows [n0, n0 + NR) against the ng (1..4) panels from p0: WIDE panels at a
 * time, then one by one. */
#define ROWS_OVER_GROUP(NR, WIDE)                                                                                      \
    do {                                                                                                               \
        const float *xr = x + (size_t)n0 * C;                                                                          \
        float *o = out + (size_t)n0 * OC;                                                                              \
        int p = p0;                                                                                                    \
        for (; p + (WIDE) <= p0 + ng; p += (WIDE))                                                                     \
            rows_panels_##NR##x##WIDE(o, OC, xr, packed + (size_t)p * C * PANEL, b, C, p * PANEL, OC);                \
        for (; p < p0 + ng; p++) rows_panels_##NR##x1(o, OC, xr, packed + (size_t)p * C * PANEL, b, C, p * PANEL, OC); \
        n0 += (NR);                                                                                                    \
    } while (0)

/* Every row against the ng (1..4) panels of one group from panel p0. */
static void group_rows(float *out, const float *x, const float *packed, const float *b, int N, int C, int OC, int p0,
                       int ng) {
    int n0 = 0;
    while (N - n0 >= 8) ROWS_OVER_GROUP(8, 1);
    if (N - n0 >= 4) ROWS_OVER_GROUP(4, 2);
    if (N - n0 >= 2) ROWS_OVER_GROUP(2, 4);
    if (N - n0 >= 1) ROWS_OVER_GROUP(1, 4);
}

void linear_packed_forward(float *out, const float *x, const float *packed, const float *b, int N, int C, int OC) {
    const int np = panels_of(OC), ngroups = (np + GROUP - 1) / GROUP;
    /* Threads split groups of panels (each weight column is read by one thread);
     * inside, rows go in tiles of 8, then 4, 2 and 1, each tile walking as many
     * panels at once as its accumulators allow. Tiny products (the tests' models,
     * decoder steps of small models) run without entering a parallel region at
     * all: even a team of one costs an allocation. */
    if ((size_t)N * C * OC < 65536) {
        for (int gi = 0; gi < ngroups; gi++)
            group_rows(out, x, packed, b, N, C, OC, gi * GROUP, np - gi * GROUP < GROUP ? np - gi * GROUP : GROUP);
        return;
    }
#pragma omp parallel for schedule(static)
    for (int gi = 0; gi < ngroups; gi++)
        group_rows(out, x, packed, b, N, C, OC, gi * GROUP, np - gi * GROUP < GROUP ? np - gi * GROUP : GROUP);
}
