/*
 * futurelm: a C engine for training, sampling and studying Future Token
 * Prediction (FTP) language models, with a GPT baseline trained by the same code.
 *
 * This is the whole public API. Handles are opaque; every fallible call returns
 * an fl_status and, when the caller passes a non-NULL fl_error, a sentence that
 * says what went wrong and what to do. The library keeps no global mutable state:
 * two models in one process never see each other.
 */
#ifndef FUTURELM_H
#define FUTURELM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status */

typedef enum {
    FL_OK = 0,
    FL_ERR_ARG,       /* a caller passed an impossible argument */
    FL_ERR_CONFIG,    /* a configuration key or value is invalid */
    FL_ERR_NOMEM,     /* an allocation failed */
    FL_ERR_IO,        /* a file could not be read or written */
    FL_ERR_FORMAT,    /* a file is not in the expected format */
    FL_ERR_NONFINITE, /* a loss or gradient is NaN or infinite */
    FL_ERR_STATE      /* a call came in the wrong order (e.g. backward before forward) */
} fl_status;

#define FL_ERROR_MSG_LEN 512
typedef struct {
    fl_status code;
    char msg[FL_ERROR_MSG_LEN];
} fl_error;

/* Short stable name of a status ("ok", "config", ...). */
const char *fl_status_name(fl_status s);

/* ---------------------------------------------------------------- config */

typedef enum { FL_MODEL_GPT = 0, FL_MODEL_FTP = 1 } fl_model_type;

#define FL_MAX_FUTURE 64 /* upper bound on ftp.n_future */

typedef struct {
    fl_model_type type;
    int vocab_size; /* model.vocab_size  V (real tokens; padded to Vp = ceil64(V)) */
    int block_size; /* model.block_size  T (maximum context) */
    int n_layer;    /* model.n_layer     L */
    int n_head;     /* model.n_head      H */
    int n_embd;     /* model.n_embd      C */
    /* FTP only (ignored for GPT) */
    int n_future;   /* ftp.n_future   N */
    int pseudo_len; /* ftp.pseudo_len P */
    float gamma;    /* ftp.gamma      distance discount, 0 < gamma <= 1 */
    int dec_layers; /* ftp.dec_layers L_d */
    int dec_heads;  /* ftp.dec_heads  H_d (0 = same as n_head) */
    int positions;  /* ftp.positions  K decoder positions per sequence in training (0 = all T) */
} fl_model_config;

/* Defaults of DESIGN.md: a small model of the given type. */
void fl_model_config_default(fl_model_config *cfg, fl_model_type type);
/* Set one dotted key ("model.n_layer", "ftp.gamma", ...) from text. */
fl_status fl_model_config_set(fl_model_config *cfg, const char *key, const char *value, fl_error *err);
/* Check every constraint; the message names the offending key. */
fl_status fl_model_config_validate(const fl_model_config *cfg, fl_error *err);
/* Vocabulary padded to a multiple of 64. */
int fl_padded_vocab(int vocab_size);

/* ---------------------------------------------------------------- model */

typedef struct fl_model fl_model;

typedef struct {
    const char *name; /* checkpoint key, e.g. "h.0.attn.c_attn.weight" */
    int ndim;         /* 1 or 2 */
    int shape[2];
    size_t numel;
    float *data;      /* into the model's single parameter buffer */
    float *grad;      /* into the model's single gradient buffer */
    int decay;        /* 1 when AdamW applies weight decay (2-D weights) */
} fl_tensor;

fl_status fl_model_create(const fl_model_config *cfg, fl_model **out, fl_error *err);
void fl_model_free(fl_model *m);
const fl_model_config *fl_model_get_config(const fl_model *m);

/* Draw the DESIGN.md 1.1 / 1.3 initialisation from a seed. */
void fl_model_init_weights(fl_model *m, uint64_t seed);

size_t fl_model_num_params(const fl_model *m);
int fl_model_num_tensors(const fl_model *m);
const fl_tensor *fl_model_tensor(const fl_model *m, int i);
const fl_tensor *fl_model_find_tensor(const fl_model *m, const char *name);
float *fl_model_params(fl_model *m); /* all parameters, contiguous */
float *fl_model_grads(fl_model *m);  /* all gradients, same layout */

/* Tokens of one training window: T + 1 for GPT, T + N for FTP. */
int fl_model_window_len(const fl_model *m, int T);

/* Allocate activations for batches of B windows of context T (T <= block_size).
 * Called once; the training step then allocates nothing. */
fl_status fl_model_reserve(fl_model *m, int B, int T, fl_error *err);

typedef struct {
    float loss;            /* the training objective (GPT: next-token CE; FTP: gamma-weighted) */
    float next_token_loss; /* mean next-token cross-entropy: the number compared across models */
    int n_offsets;         /* 1 for GPT, N for FTP */
    float offset_loss[FL_MAX_FUTURE]; /* mean CE of decoder step j (FTP); [0] = next token */
} fl_losses;

/* Forward pass over B windows (tokens is B x fl_model_window_len(T), int32 ids < V).
 * With want_grad, also runs the backward pass, adding into the gradient buffer. */
fl_status fl_model_forward(fl_model *m, const int32_t *tokens, int B, int T, fl_losses *out, fl_error *err);
fl_status fl_model_forward_backward(fl_model *m, const int32_t *tokens, int B, int T, fl_losses *out,
                                    fl_error *err);
void fl_model_zero_grad(fl_model *m);

/* The top-layer vectors h_t (after ln_f; FTP's semantic state vectors) of the last
 * forward pass: [B*T, n_embd], row b*T + t; valid until the next pass. NULL before any. */
const float *fl_model_hidden(const fl_model *m);

/* The model's own generator (draws ftp.positions); checkpoints save and restore it. */
void fl_model_get_rng(const fl_model *m, uint64_t state[4]);
void fl_model_set_rng(fl_model *m, const uint64_t state[4]);

/* Logits [Vp] of the next token after tokens[0..n) (1 <= n <= block_size), from the
 * last position: GPT's head, or FTP's decoder step 0. Recomputes the whole prefix;
 * reserves activations for (1, block_size) unless B = 1 and T >= n are reserved. */
fl_status fl_model_next_logits(fl_model *m, const int32_t *tokens, int n, float *logits, fl_error *err);

/* ---------------------------------------------------------------- optimizer */

typedef struct {
    float lr, beta1, beta2, eps, weight_decay;
} fl_adamw_config;

typedef struct fl_adamw fl_adamw;
void fl_adamw_config_default(fl_adamw_config *c);
fl_status fl_adamw_create(const fl_model *m, fl_adamw **out, fl_error *err);
void fl_adamw_free(fl_adamw *opt);
/* One AdamW step (bias-corrected, decoupled decay on 2-D weights) at learning rate cfg->lr. */
void fl_adamw_step(fl_adamw *opt, fl_model *m, const fl_adamw_config *cfg);
long fl_adamw_steps_taken(const fl_adamw *opt);
float *fl_adamw_m(fl_adamw *opt); /* first moments, laid out like the parameters */
float *fl_adamw_v(fl_adamw *opt); /* second moments */
void fl_adamw_set_steps(fl_adamw *opt, long steps);

/* Global L2 norm of all gradients; when max_norm > 0, scale them by
 * min(1, max_norm / (norm + 1e-6)) as torch.nn.utils.clip_grad_norm_ does.
 * Returns the norm before clipping (NaN/Inf when a gradient is not finite). */
float fl_clip_grad_norm(fl_model *m, float max_norm);

/* ---------------------------------------------------------------- profiling */

/* Where a training step's time goes, opt-in: a caller-owned fl_profile given to
 * fl_model_set_profile accumulates wall-clock seconds of every following
 * forward/backward pass, per phase and per op category, until it is set back
 * to NULL (off, the default: no timer is read). The model only adds to it, so
 * it may be shared across steps and reset by the caller with memset. */
typedef enum {
    FL_PROF_GEMM,         /* linear layers and the tied head's products (bias adds included) */
    FL_PROF_ATTENTION,
    FL_PROF_LAYERNORM,
    FL_PROF_GELU,
    FL_PROF_CROSSENTROPY,
    FL_PROF_EMBEDDING,
    FL_PROF_ADAMW,        /* filled by callers that time their optimizer step */
    FL_PROF_OTHER,        /* residual adds, zeroing, gathers: the phase time not in the others */
    FL_PROF_OPS
} fl_prof_op;
typedef enum {
    FL_PHASE_ENCODER,   /* embeddings, blocks and ln_f of the trunk, forward and backward */
    FL_PHASE_DECODER,   /* FTP: projection, decoder blocks and dec.ln_f, forward and backward */
    FL_PHASE_LM_HEAD,   /* tied head + cross-entropy (GPT's, or the FTP decoder's), both directions */
    FL_PHASE_OPTIMIZER, /* filled by callers: clipping and AdamW */
    FL_PHASES
} fl_prof_phase;
typedef struct {
    double seconds[FL_PHASES][FL_PROF_OPS]; /* time in each op category within each phase */
    double phase_seconds[FL_PHASES];        /* whole phases (>= the sum of their ops) */
} fl_profile;
void fl_model_set_profile(fl_model *m, fl_profile *p);
const char *fl_prof_op_name(int op);       /* "gemm", "attention", ... */
const char *fl_prof_phase_name(int phase); /* "encoder", "decoder", "lm_head", "optimizer" */
/* Wall-clock seconds from a monotonic clock, for callers timing with the profile. */
double fl_wall_seconds(void);

#ifdef __cplusplus
}
#endif
#endif /* FUTURELM_H */
