/* The tied language-model head (head.h): logits = x · wteᵀ, and for training
 * its fusion with cross-entropy and the backward over row chunks, so that at
 * most m->chunk rows of Vp logits exist at once (a 50k vocabulary over B*T*N
 * decoder rows would not fit). */
#include "model/head.h"

#include <math.h>
#include <string.h>

#include "model/model.h"
#include "model/timed.h"

void fl_head_mask_padding(float *logits, int n, int V, int Vp) {
    for (int i = 0; i < n; i++)
        for (int v = V; v < Vp; v++) logits[(size_t)i * Vp + v] = -INFINITY;
}

void fl_head_logits(const fl_model *m, const float *x, int n, float *logits) {
    const int C = m->cfg.n_embd;
    fl_sgemm(0, 1, n, m->Vp, C, x, C, m->wte, C, 0.0f, logits, m->Vp);
    fl_head_mask_padding(logits, n, m->cfg.vocab_size, m->Vp);
}

float fl_head_nll(const float *z, int V, int32_t y) {
    float mx = z[0];
    for (int v = 1; v < V; v++) mx = z[v] > mx ? z[v] : mx;
    double s = 0.0;
    for (int v = 0; v < V; v++) s += exp((double)z[v] - mx);
    return (float)(log(s) + mx - z[y]);
}

void fli_lm_head(fl_model *m, const float *x, const int32_t *targets, const float *row_w, float *losses, float *dx,
             float *dwte, int N) {
    const int C = m->cfg.n_embd, V = m->cfg.vocab_size, Vp = m->Vp;
    const prof_at at = {m->prof, FL_PHASE_LM_HEAD};
    const double t0 = prof_start(at.p);
    for (int r0 = 0; r0 < N; r0 += m->chunk) {
        int n = N - r0 < m->chunk ? N - r0 : m->chunk;
        const float *xc = x + (size_t)r0 * C;
        /* the padding columns stay 0 here: the cross-entropy kernels skip them */
        sgemm(at, 0, 1, n, Vp, C, xc, C, m->wte, C, 0.0f, m->logits, Vp);
        if (m->debug_logits) memcpy(m->debug_logits + (size_t)r0 * Vp, m->logits, (size_t)n * Vp * sizeof(float));
        if (!dx) {
            crossentropy(at, losses + r0, m->logits, targets + r0, n, V, Vp);
            continue;
        }
        /* loss and dlogits in one visit of each row, in place, the chunk still in cache */
        PROF_TIMED(at, FL_PROF_CROSSENTROPY,
                   fli_crossentropy_fused(losses + r0, m->logits, targets + r0, row_w + r0, n, V, Vp));
        sgemm(at, 0, 0, n, C, Vp, m->logits, Vp, m->wte, C, 1.0f, dx + (size_t)r0 * C, C);  /* dx += dlogits·wte */
        if (dwte) sgemm(at, 1, 0, Vp, C, n, m->logits, Vp, xc, C, 1.0f, dwte, C);           /* dwte += dlogitsᵀ·x */
    }
    prof_phase(at.p, at.phase, t0);
}
