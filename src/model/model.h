/* Internals of fl_model, shared by the model files (not part of the public API). */
#ifndef FL_MODEL_MODEL_H
#define FL_MODEL_MODEL_H
#include "futurelm.h"
#include "model/block.h"
#include "util/rng.h"

#define FL_NAME_LEN 48

/* Activations of the encoder trunk (GPT, or FTP's encoder) for B x T. */
typedef struct {
    int32_t *inputs;  /* [B*T] */
    float *encoded;   /* [B*T, C] token + position embedding */
    block_acts *blocks;
    float *lnf, *lnf_mean, *lnf_rstd; /* [B*T, C]: h_t, the semantic state vectors */
    float *dresid;    /* [B*T, C] residual-stream gradient */
} trunk_acts;

/* Activations of the FTP head for R = B*K decoder sequences of N steps. */
typedef struct {
    int32_t *pos;     /* [R] flat encoder row (b*T + t) of each decoder sequence */
    float *h_sel;     /* [R, C] gathered h_t */
    float *ctx;       /* [R, P*C] pseudo-sequences s_t */
    int32_t *tokens;  /* [R*N] decoder inputs x_t..x_{t+N-1} */
    int32_t *targets; /* [R*N] x_{t+1}..x_{t+N} */
    float *weights;   /* [R*N] loss weight of each row */
    float *encoded;   /* [R*N, C] */
    block_acts *blocks;
    float *lnf, *lnf_mean, *lnf_rstd; /* [R*N, C] */
    float *dresid;    /* [R*N, C] */
    float *dctx;      /* [R, P*C] */
    float *dh_sel;    /* [R, C] */
} ftp_acts;

struct fl_model {
    fl_model_config cfg;
    int Vp;
    /* one buffer of parameters, one of gradients, with a table of named views */
    float *params, *grads;
    size_t num_params;
    fl_tensor *tensors;
    int num_tensors;
    char (*names)[FL_NAME_LEN];
    /* typed views into the buffers */
    float *wte, *wpe, *lnf_w, *lnf_b;
    block_weights *enc_w, *enc_g; /* [n_layer] */
    float *proj_w, *proj_b, *dec_wpe, *dec_lnf_w, *dec_lnf_b;
    block_weights *dec_w, *dec_g; /* [dec_layers] */
    /* The FTP decoder's input embedding [Vp, C]: wte itself under ftp.tie_dec_embd = 1,
     * else the tensor dec.wte. Every reader of the decoder's inputs goes through this
     * view (and its gradient at the same offset), so tied models run as they always did. */
    float *dec_wte;

    /* activations, allocated once by fl_model_reserve */
    int B, T;        /* reserved batch and context */
    int R;           /* FTP decoder sequences per batch (B*K) */
    int chunk;       /* rows of logits materialised at once */
    float *act_mem;
    trunk_acts trunk;
    ftp_acts ftp;
    block_scratch enc_scratch, dec_scratch;
    float *logits;   /* [chunk, Vp] */
    float *losses;   /* [max rows] per-row cross-entropy */
    float *row_w;    /* [B*T] GPT row weights */
    int32_t *targets;/* [B*T] GPT targets */
    float *dlnf;     /* [B*T, C] gradient at h (GPT head / FTP projection) */
    fl_rng pos_rng;  /* draws ftp.positions subsets; saved by checkpoints */
    const uint8_t *target_mask; /* [B*W] borrowed (fl_model_set_target_mask); NULL = all */
    float *debug_logits; /* tests: when set, every logit row is copied here */
    fl_profile *prof;    /* opt-in timing (fl_model_set_profile); NULL = off */
    /* Fine-tuning (fli_model_set_frozen): the lowest frozen_layers encoder blocks and, when
     * > 0, the embeddings get no gradient, and the backward stops above them; frozen_trunk:
     * no encoder gradient at all (the trunk's backward is skipped). 0, 0: everything trains. */
    int frozen_layers, frozen_trunk;
};

/* Sets the fields above (the trainer's train.freeze_* keys; src/train/freeze.c). */
void fli_model_set_frozen(fl_model *m, int layers, int trunk);
/* wte's gradient, or NULL when it is frozen (the embeddings are; wte is also the tied head). */
static inline float *fli_wte_grad(fl_model *m) {
    return m->frozen_layers > 0 || m->frozen_trunk ? NULL : m->grads + (m->wte - m->params);
}

/* Tied LM head and cross-entropy over N rows of x [N,C], Vp logits per row,
 * materialising at most m->chunk rows of logits at once. losses[n] gets the
 * CE of row n. With dx (and dwte), backpropagates with per-row weights
 * row_w (dloss/dCE): dx += dlogits·wte, dwte += dlogitsᵀ·x. */
void fli_lm_head(fl_model *m, const float *x, const int32_t *targets, const float *row_w, float *losses, float *dx,
             float *dwte, int N);

/* Encoder trunk over B windows of T tokens: fills m->trunk up to lnf (h_t). */
void fli_trunk_forward(fl_model *m, const int32_t *inputs, int B, int T);
/* Backward from m->dlnf (gradient at h) down to the embeddings. */
void fli_trunk_backward(fl_model *m, int B, int T);

/* FTP head: loss terms and (with grad) backward into m->dlnf. With train and
 * ftp.positions = K < T it draws K positions per sequence; tests may instead
 * pass positions [B,K] (t indices, K <= the reserved K). Otherwise all T.
 * Honours m->target_mask; returns whether it backpropagated (0 when want_grad
 * is 0 or the mask leaves no counted target, so the trunk's backward is moot). */
int fli_ftp_head(fl_model *m, const int32_t *tokens, int B, int T, int train, int want_grad, const int32_t *positions,
              int K, fl_losses *out);

/* The body of fl_model_forward[_backward], with the FTP positions hook. */
fl_status fli_model_run(fl_model *m, const int32_t *tokens, int B, int T, int want_grad, const int32_t *positions, int K,
                    fl_losses *out, fl_error *err);
/* Decoder step 0 for one state vector h (its pseudo-sequence) and input token x_t:
 * returns the decoder's final-LayerNorm output row, ready for the tied head. */
const float *fli_ftp_decoder_step0(fl_model *m, const float *h, int32_t token);
size_t fli_ftp_acts_floats(const fl_model *m, int B, int T, int R);
float *fli_ftp_acts_bind(fl_model *m, float *mem, int B, int T, int R);

#endif
