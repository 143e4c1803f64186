/* The tied language-model head, logits = x · wteᵀ, fused with cross-entropy and
 * its backward, over row chunks so that at most m->chunk rows of Vp logits
 * exist at once (a 50k vocabulary over B*T*N decoder rows would not fit). */
#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "model/profile.h"

#include <string.h>

void lm_head(fl_model *m, const float *x, const int32_t *targets, const float *row_w, float *losses, float *dx,
             float *dwte, int N) {
    const int C = m->cfg.n_embd, V = m->cfg.vocab_size, Vp = m->Vp;
    fl_profile *p = m->prof;
    const double t0 = prof_start(p);
    for (int r0 = 0; r0 < N; r0 += m->chunk) {
        int n = N - r0 < m->chunk ? N - r0 : m->chunk;
        const float *xc = x + (size_t)r0 * C;
        PROF_OP(p, FL_PHASE_LM_HEAD, FL_PROF_GEMM, fl_sgemm(0, 1, n, Vp, C, xc, C, m->wte, C, 0.0f, m->logits, Vp));
        if (m->debug_logits) memcpy(m->debug_logits + (size_t)r0 * Vp, m->logits, (size_t)n * Vp * sizeof(float));
        PROF_OP(p, FL_PHASE_LM_HEAD, FL_PROF_CROSSENTROPY,
                crossentropy_forward(losses + r0, m->logits, targets + r0, n, V, Vp));
        if (!dx) continue;
        PROF_OP(p, FL_PHASE_LM_HEAD, FL_PROF_CROSSENTROPY, /* in place */
                crossentropy_backward(m->logits, m->logits, targets + r0, row_w + r0, n, V, Vp));
        PROF_OP(p, FL_PHASE_LM_HEAD, FL_PROF_GEMM, {
            fl_sgemm(0, 0, n, C, Vp, m->logits, Vp, m->wte, C, 1.0f, dx + (size_t)r0 * C, C);
            fl_sgemm(1, 0, Vp, C, n, m->logits, Vp, xc, C, 1.0f, dwte, C);
        });
    }
    prof_phase(p, FL_PHASE_LM_HEAD, t0);
}
