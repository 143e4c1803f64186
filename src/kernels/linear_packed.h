/* The panel layout of the packed linear layer of inference (linear_packed.c),
 * shared with its int8 dot-product kernels (linear_packed_dot.c). Internal to
 * src/kernels/. */
#ifndef FL_KERNELS_LINEAR_PACKED_H
#define FL_KERNELS_LINEAR_PACKED_H
#include <stddef.h>
#include <stdint.h>

enum { PANEL = 32, GROUP = 4 }; /* output columns per panel; panels per work item of a thread */

static inline int panels_of(int OC) { return (OC + PANEL - 1) / PANEL; }
/* int8 dot-product layout: inputs in quads of 4 consecutive c (the last one zero-padded) */
static inline int quads_of(int C) { return (C + 3) / 4; }
/* A dot product's scratch (fli_linear_i8_scratch_bytes): N row scales, then from
 * this offset the N quantised rows of quads_of(C) * 4 bytes. */
static inline size_t fli_dot_rows_offset(int N) { return ((size_t)N * sizeof(float) + 63) / 64 * 64; }

/* fli_linear_packed_i8_forward where FLI_I8_DOT (kernels.h) is not 0. */
void fli_linear_dot_forward(float *out, const float *x, const int8_t *packed, const float *scale, const float *b, int N,
                            int C, int OC, unsigned char *scratch);
#endif
