/* The linear layer of inference, out[N,OC] = x[N,C] · w[OC,C]ᵀ + b, on a weight
 * packed once when a generation session starts.
 *
 * Why not fl_sgemm: decoding multiplies 1 to ~16 rows at a time. SGEMM repacks
 * the weight on every call, which for so few rows costs as much as the product.
 * Here the weight is packed once into 32-column panels, each panel stored as C
 * rows of 32 contiguous floats (zero-padded past OC), and a register tile of up
 * 8 rows x 32 columns streams a panel once per 8 rows; single rows walk
 * four panels at once.
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

/* Eight rows against one panel: 16 independent accumulator chains keep the
 * FMA units busy while each weight row is loaded once for eight inputs. */
static inline void tile8(float *restrict out, int ldo, const float *restrict x, const float *restrict panel,
                         const float *restrict b, int C, int nc) {
    float acc[TILE_ROWS][PANEL];
    for (int m = 0; m < TILE_ROWS; m++)
        for (int l = 0; l < PANEL; l++) acc[m][l] = 0.0f;
    for (int c = 0; c < C; c++) {
        const float *wc = panel + (size_t)c * PANEL;
        for (int m = 0; m < TILE_ROWS; m++) {
            float xv = x[(size_t)m * C + c];
#pragma omp simd
            for (int l = 0; l < PANEL; l++) acc[m][l] = fmaf(xv, wc[l], acc[m][l]);
        }
    }
    for (int m = 0; m < TILE_ROWS; m++)
        for (int l = 0; l < nc; l++) out[(size_t)m * ldo + l] = acc[m][l] + (b ? b[l] : 0.0f);
}

/* One row against NG consecutive panels. A single row has only two
 * accumulator chains per panel, and each FMA waits for the previous one, so
 * several panels are walked together to give the FMA units independent work
 * (the order of each element's chain is unchanged). NG is a literal at every
 * call, so the accumulators stay in registers. */
static inline void row_panels(float *restrict out, const float *restrict x, const float *restrict panels,
                              const float *restrict b, int C, int o0, int OC, const int NG) {
    float acc[4][PANEL];
    for (int g = 0; g < NG; g++)
        for (int l = 0; l < PANEL; l++) acc[g][l] = 0.0f;
    for (int c = 0; c < C; c++) {
        const float xv = x[c];
        for (int g = 0; g < NG; g++) {
            const float *wc = panels + ((size_t)g * C + c) * PANEL;
#pragma omp simd
            for (int l = 0; l < PANEL; l++) acc[g][l] = fmaf(xv, wc[l], acc[g][l]);
        }
    }
    for (int g = 0; g < NG; g++) {
        int base = o0 + g * PANEL, nc = OC - base < PANEL ? OC - base : PANEL;
        for (int l = 0; l < nc; l++) out[base + l] = acc[g][l] + (b ? b[base + l] : 0.0f);
    }
}

enum { GROUP = 4 }; /* panels per work item */

void linear_packed_forward(float *out, const float *x, const float *packed, const float *b, int N, int C, int OC) {
    const int np = panels_of(OC), ngroups = (np + GROUP - 1) / GROUP;
    /* Threads split groups of panels (each weight column is read by one thread);
     * inside, full tiles of 8 rows take a panel at a time and leftover rows go
     * one by one across the group. Tiny products (the tests' models) stay on one
     * thread: waking the team costs more than the work. */
#pragma omp parallel for schedule(static) if ((size_t)N * C * OC >= 65536)
    for (int gi = 0; gi < ngroups; gi++) {
        const int p0 = gi * GROUP, ng = np - p0 < GROUP ? np - p0 : GROUP;
        int n0 = 0;
        for (; n0 + TILE_ROWS <= N; n0 += TILE_ROWS)
            for (int p = p0; p < p0 + ng; p++) {
                const int o0 = p * PANEL, nc = OC - o0 < PANEL ? OC - o0 : PANEL;
                tile8(out + (size_t)n0 * OC + o0, OC, x + (size_t)n0 * C, packed + (size_t)p * C * PANEL,
                      b ? b + o0 : NULL, C, nc);
            }
        for (; n0 < N; n0++) {
            const float *xr = x + (size_t)n0 * C, *pp = packed + (size_t)p0 * C * PANEL;
            float *o = out + (size_t)n0 * OC;
            switch (ng) {
            case 4: row_panels(o, xr, pp, b, C, p0 * PANEL, OC, 4); break;
            case 3: row_panels(o, xr, pp, b, C, p0 * PANEL, OC, 3); break;
            case 2: row_panels(o, xr, pp, b, C, p0 * PANEL, OC, 2); break;
            default: row_panels(o, xr, pp, b, C, p0 * PANEL, OC, 1); break;
            }
        }
    }
}
