/* Model FLOPs of one training step (forward + backward = 3x forward), the count
 * that MFU (futurelm bench) and the compute-to-matched-loss of the experiments
 * (docs/RESULTS.md) are stated in. Matrix products only, 2 FLOPs a multiply-add;
 * LayerNorm, GELU, softmax and AdamW are left out, as in the usual 6N-per-token
 * rule this refines. Rows the FTP head skips under a target mask are counted
 * (the count is the model's, not one batch's).
 * Forward FLOPs, tripled for forward + backward (each product's backward is
 * two products of the same size):
 *   linear layers and the tied head: 2 * rows * in * out
 *   attention, per head of size hs: 4 * hs per visible (query, key) pair
 *   (q·k and p·v); causal over S steps sees S(S+1)/2 pairs per sequence. */
#include "futurelm.h"

double fl_model_train_flops(const fl_model_config *c, int B, int T) {
    const double C = c->n_embd, V = c->vocab_size, BT = (double)B * T;
    double fwd = c->n_layer * (2.0 * BT * 12.0 * C * C         /* qkv 3C², proj C², fc 4C², fc.proj 4C² */
                               + 4.0 * C * B * T * (T + 1) / 2); /* causal attention, all heads */
    if (c->type == FL_MODEL_GPT) return 3.0 * (fwd + 2.0 * BT * C * V);
    const double K = c->positions > 0 && c->positions < T ? c->positions : T, R = B * K, N = c->n_future,
                 P = c->pseudo_len, RN = R * N;
    fwd += 2.0 * R * C * P * C; /* projection h_t -> s_t */
    fwd += c->dec_layers * (2.0 * RN * 13.0 * C * C              /* qkv 3C², proj C², xq C², fc 4C², fc.proj 4C² */
                            + 2.0 * R * P * 2.0 * C * C           /* xkv over the P pseudo-tokens */
                            + 4.0 * C * R * N * (N + 1) / 2       /* causal self-attention over N steps */
                            + 4.0 * C * R * N * P);               /* cross-attention to P pseudo-tokens */
    fwd += 2.0 * RN * C * V;                                      /* decoder's tied head */
    return 3.0 * fwd;
}
