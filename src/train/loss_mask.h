/* train.loss_after: the per-token loss mask of answer-only training (the
 * star-graph task trains on the path after '=', not on the edge list). */
#ifndef FL_TRAIN_LOSS_MASK_H
#define FL_TRAIN_LOSS_MASK_H
#include <stdint.h>

/* For B windows of W tokens, mask[b*W + i] = 1 when token i counts as a target:
 * an `after` token occurred earlier in the same document within the window
 * (after the window's last end-of-text before i), up to and including the next
 * end-of-text; 0 otherwise. The `after` token itself does not count (it is the
 * prompt's last token), and a document whose `after` lies before the window's
 * start counts nothing in that window. eot < 0: no document boundaries. */
void fl_loss_mask_after(const int32_t *tokens, int B, int W, int32_t after, int32_t eot, uint8_t *mask);
#endif
