#include "train/loss_mask.h"

#include <stddef.h>

void fl_loss_mask_after(const int32_t *tokens, int B, int W, int32_t after, int32_t eot, uint8_t *mask) {
    for (int b = 0; b < B; b++) {
        const int32_t *tok = tokens + (size_t)b * W;
        uint8_t *out = mask + (size_t)b * W;
        int on = 0; /* an `after` seen in the current document */
        for (int i = 0; i < W; i++) {
            out[i] = (uint8_t)on; /* decided by the tokens before i only */
            if (tok[i] == eot) on = 0; /* this end-of-text counted; the next document starts off */
            else if (tok[i] == after) on = 1;
        }
    }
}
