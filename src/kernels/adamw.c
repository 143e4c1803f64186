/* AdamW, step for step as torch.optim.AdamW computes it (so the reference
 * trainer and futurelm agree to rounding), on the gradient g * gscale (the
 * clipping coefficient, applied here instead of in a pass of its own: the same
 * float product, so the same bits; gscale 1 multiplies exactly):
 *   p *= 1 - lr * wd
 *   m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2
 *   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)          */
#include <math.h>

#include "kernels/kernels.h"

void fli_adamw_update(float *p, float *g, float gscale, int zero_grad, float *m, float *v, size_t n, float lr,
                      float beta1, float beta2, float eps, float weight_decay, long t) {
    /* scalars in double, as PyTorch computes them in Python floats */
    const double bc1 = 1.0 - pow((double)beta1, (double)t);
    const float bc2_sqrt = (float)sqrt(1.0 - pow((double)beta2, (double)t));
    const float step = (float)((double)lr / bc1);
    const float decay = (float)(1.0 - (double)lr * (double)weight_decay);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] * gscale;
        if (zero_grad) g[i] = 0.0f; /* loop-invariant: GCC unswitches it and vectorises both copies */
        float mi = beta1 * m[i] + (1.0f - beta1) * gi;
        float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - step * mi / (sqrtf(vi) / bc2_sqrt + eps);
    }
}
