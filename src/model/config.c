/* Model configuration: defaults, dotted-key parsing and validation. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "futurelm.h"
#include "util/error.h"
#include "util/suggest.h"

int fl_padded_vocab(int vocab_size) { return (vocab_size + 63) / 64 * 64; }

void fl_model_config_default(fl_model_config *cfg, fl_model_type type) {
    memset(cfg, 0, sizeof *cfg);
    cfg->type = type;
    cfg->vocab_size = 8192;
    cfg->block_size = 256;
    cfg->n_layer = 6;
    cfg->n_head = 6;
    cfg->n_embd = 384;
    /* FTP defaults (our choice; the paper publishes only L_d = 3) */
    cfg->n_future = 8;
    cfg->pseudo_len = 8;
    cfg->gamma = 0.8f;
    cfg->dec_layers = 3;
    cfg->dec_heads = 0;
    cfg->positions = 0;
    cfg->tie_dec_embd = 1; /* the decoder reads the encoder's wte (design.md 1.2) */
}

static fl_status parse_int(const char *key, const char *value, int *out, fl_error *err) {
    errno = 0;
    char *end;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end != 0 || v < INT_MIN || v > INT_MAX)
        return fl_fail(err, FL_ERR_CONFIG, "%s: '%s' is not an integer", key, value);
    *out = (int)v;
    return FL_OK;
}

static fl_status parse_float(const char *key, const char *value, float *out, fl_error *err) {
    errno = 0;
    char *end;
    double v = strtod(value, &end);
    if (errno || end == value || *end != 0 || !isfinite(v))
        return fl_fail(err, FL_ERR_CONFIG, "%s: '%s' is not a finite number", key, value);
    *out = (float)v;
    return FL_OK;
}

fl_status fl_model_config_set(fl_model_config *cfg, const char *key, const char *value, fl_error *err) {
    static const struct {
        const char *key;
        size_t offset;
    } ints[] = {
        {"model.vocab_size", offsetof(fl_model_config, vocab_size)},
        {"model.block_size", offsetof(fl_model_config, block_size)},
        {"model.n_layer", offsetof(fl_model_config, n_layer)},
        {"model.n_head", offsetof(fl_model_config, n_head)},
        {"model.n_embd", offsetof(fl_model_config, n_embd)},
        {"ftp.n_future", offsetof(fl_model_config, n_future)},
        {"ftp.pseudo_len", offsetof(fl_model_config, pseudo_len)},
        {"ftp.dec_layers", offsetof(fl_model_config, dec_layers)},
        {"ftp.dec_heads", offsetof(fl_model_config, dec_heads)},
        {"ftp.positions", offsetof(fl_model_config, positions)},
        {"ftp.tie_dec_embd", offsetof(fl_model_config, tie_dec_embd)},
    };
    if (!strcmp(key, "model.type")) {
        if (!strcmp(value, "gpt")) cfg->type = FL_MODEL_GPT;
        else if (!strcmp(value, "ftp")) cfg->type = FL_MODEL_FTP;
        else return fl_fail(err, FL_ERR_CONFIG, "model.type: '%s' is not gpt or ftp", value);
        return FL_OK;
    }
    if (!strcmp(key, "ftp.gamma")) return parse_float(key, value, &cfg->gamma, err);
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (!strcmp(key, ints[i].key)) return parse_int(key, value, (int *)((char *)cfg + ints[i].offset), err);
    const char *names[sizeof ints / sizeof ints[0] + 2] = {"model.type", "ftp.gamma"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) names[i + 2] = ints[i].key;
    const char *near = fl_nearest(key, names, sizeof names / sizeof names[0]);
    if (near) return fl_fail(err, FL_ERR_CONFIG, "unknown key '%s'; did you mean '%s'?", key, near);
    return fl_fail(err, FL_ERR_CONFIG, "unknown key '%s' (the model.*, ftp.* and train.* keys are listed in docs/training.md)",
                   key);
}

#define REQUIRE(cond, ...)                                                                                           \
    do {                                                                                                             \
        if (!(cond)) return fl_fail(err, FL_ERR_CONFIG, __VA_ARGS__);                                                \
    } while (0)

fl_status fl_model_config_validate(const fl_model_config *c, fl_error *err) {
    REQUIRE(c->type == FL_MODEL_GPT || c->type == FL_MODEL_FTP, "model.type must be gpt or ftp");
    REQUIRE(c->vocab_size >= 2 && c->vocab_size <= (1 << 24), "model.vocab_size must be in 2..16777216 (got %d)",
            c->vocab_size);
    REQUIRE(c->block_size >= 1 && c->block_size <= (1 << 16), "model.block_size must be in 1..65536 (got %d)",
            c->block_size);
    REQUIRE(c->n_layer >= 1 && c->n_layer <= 1024, "model.n_layer must be in 1..1024 (got %d)", c->n_layer);
    REQUIRE(c->n_embd >= 1 && c->n_embd <= (1 << 15), "model.n_embd must be in 1..32768 (got %d)", c->n_embd);
    REQUIRE(c->n_head >= 1 && c->n_embd % c->n_head == 0,
            "model.n_head must be a positive divisor of model.n_embd (n_embd %d, n_head %d)", c->n_embd, c->n_head);
    if (c->type == FL_MODEL_GPT) return FL_OK;
    REQUIRE(c->n_future >= 1 && c->n_future <= FL_MAX_FUTURE, "ftp.n_future must be in 1..%d (got %d)",
            FL_MAX_FUTURE, c->n_future);
    REQUIRE(c->pseudo_len >= 1 && c->pseudo_len <= 1024, "ftp.pseudo_len must be in 1..1024 (got %d)",
            c->pseudo_len);
    REQUIRE(isfinite(c->gamma) && c->gamma > 0.0f && c->gamma <= 1.0f, "ftp.gamma must be in (0, 1] (got %g)",
            (double)c->gamma);
    REQUIRE(c->dec_layers >= 1 && c->dec_layers <= 1024, "ftp.dec_layers must be in 1..1024 (got %d)",
            c->dec_layers);
    int hd = c->dec_heads ? c->dec_heads : c->n_head;
    REQUIRE(c->dec_heads >= 0 && c->n_embd % hd == 0,
            "ftp.dec_heads must be a positive divisor of model.n_embd, or 0 for model.n_head (n_embd %d, dec_heads %d)",
            c->n_embd, c->dec_heads);
    REQUIRE(c->positions >= 0 && c->positions <= c->block_size,
            "ftp.positions must be in 0..model.block_size (0 = all positions; got %d, block_size %d)", c->positions,
            c->block_size);
    REQUIRE(c->tie_dec_embd == 0 || c->tie_dec_embd == 1,
            "ftp.tie_dec_embd must be 1 (the decoder reads wte) or 0 (its own dec.wte) (got %d)", c->tie_dec_embd);
    return FL_OK;
}
