/* The linear layer of inference, out[N,OC] = x[N,C] · w[OC,C]ᵀ + b, on a weight
 * packed once when a generation session starts.
 *
 * Why not fl_sgemm: decoding multiplies 1 to ~16 rows at a time. SGEMM repacks
 * the weight on every call, which for so few rows costs as much as the product.
 * Here the weight is packed once into 32-column panels, each panel stored as C
 * rows of 32 contiguous floats (zero-padded past OC), and a register tile of up
 * to 8 rows x 32 columns streams a panel once per 8 rows.
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

/* One tile: rows x[0..mr) against one panel; out columns [0, nc). */
static inline void tile(float *restrict out, int ldo, const float *restrict x, const float *restrict panel,
                        const float *restrict b, int C, int mr, int nc) {
    float acc[TILE_ROWS][PANEL];
    for (int m = 0; m < TILE_ROWS; m++)
        for (int l = 0; l < PANEL; l++) acc[m][l] = 0.0f;
    if (mr == TILE_ROWS) { /* constant trip counts: the accumulators live in registers */
        for (int c = 0; c < C; c++) {
            const float *wc = panel + (size_t)c * PANEL;
            for (int m = 0; m < TILE_ROWS; m++) {
                float xv = x[(size_t)m * C + c];
#pragma omp simd
                for (int l = 0; l < PANEL; l++) acc[m][l] = fmaf(xv, wc[l], acc[m][l]);
            }
        }
    } else { /* same chain per element, fewer rows */
        for (int c = 0; c < C; c++) {
            const float *wc = panel + (size_t)c * PANEL;
            for (int m = 0; m < mr; m++) {
                float xv = x[(size_t)m * C + c];
#pragma omp simd
                for (int l = 0; l < PANEL; l++) acc[m][l] = fmaf(xv, wc[l], acc[m][l]);
            }
        }
    }
    for (int m = 0; m < mr; m++) {
        float *o = out + (size_t)m * ldo;
        if (b)
            for (int l = 0; l < nc; l++) o[l] = acc[m][l] + b[l];
        else
            for (int l = 0; l < nc; l++) o[l] = acc[m][l];
    }
}

void linear_packed_forward(float *out, const float *x, const float *packed, const float *b, int N, int C, int OC) {
    const int np = panels_of(OC);
    /* Threads split the panels (each weight column is read by one thread); rows
     * are walked in tiles inside, so a panel is streamed once per 8 rows. Tiny
     * products (the tests' models) stay on one thread: waking the team costs more. */
#pragma omp parallel for schedule(static) if ((size_t)N * C * OC >= 65536)
    for (int p = 0; p < np; p++) {
        const int o0 = p * PANEL, nc = OC - o0 < PANEL ? OC - o0 : PANEL;
        const float *panel = packed + (size_t)p * C * PANEL;
        for (int n0 = 0; n0 < N; n0 += TILE_ROWS) {
            int mr = N - n0 < TILE_ROWS ? N - n0 : TILE_ROWS;
            tile(out + (size_t)n0 * OC + o0, OC, x + (size_t)n0 * C, panel, b ? b + o0 : NULL, C, mr, nc);
        }
    }
}
