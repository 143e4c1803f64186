/* Hugging Face GPT-2's config.json (GPT2Config) both ways. Reading refuses
 * every field whose value DESIGN.md 1.1 cannot follow, naming it: a model
 * that computed something else would load and quietly give other logits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interop/interop.h"
#include "util/error.h"
#include "util/json.h"

#define BAD(...) fl_fail(err, FL_ERR_FORMAT, __VA_ARGS__)

/* A required positive integer field. */
static fl_status need_int(const fl_json *root, const char *key, const char *what, int *out, fl_error *err) {
    const fl_json *v = fl_json_get(root, key);
    int64_t x;
    if (!v) return BAD("%s: \"%s\" is missing (GPT-2's config.json has it)", what, key);
    if (v->type != FL_JSON_NUMBER || fl_json_int64(v, &x) || x <= 0 || x > (1 << 24))
        return BAD("%s: \"%s\" must be a positive integer", what, key);
    *out = (int)x;
    return FL_OK;
}

/* An optional boolean that must have the value GPT-2 (and so futurelm) uses. */
static fl_status want_bool(const fl_json *root, const char *key, int want, const char *why, const char *what,
                           fl_error *err) {
    const fl_json *v = fl_json_get(root, key);
    if (!v || v->type == FL_JSON_NULL) return FL_OK;
    if (v->type != FL_JSON_BOOL) return BAD("%s: \"%s\" must be true or false", what, key);
    if (v->boolean != want) return BAD("%s: \"%s\" is %s; futurelm's GPT-2 %s", what, key, v->boolean ? "true" : "false", why);
    return FL_OK;
}

/* Names of the tanh GELU of DESIGN.md 1.1 in transformers' ACT2FN. */
static int tanh_gelu(const char *s) {
    return !strcmp(s, "gelu_new") || !strcmp(s, "gelu_pytorch_tanh") || !strcmp(s, "gelu_fast");
}

static fl_status check_fields(const fl_json *root, const char *what, fl_error *err) {
    const fl_json *mt = fl_json_get(root, "model_type"), *ar = fl_json_get(root, "architectures");
    if (!mt || mt->type != FL_JSON_STRING || strcmp(mt->str, "gpt2"))
        return BAD("%s: \"model_type\" is %s, not \"gpt2\": only GPT-2 converts", what,
                   !mt ? "missing" : mt->type == FL_JSON_STRING ? mt->str : "not a string");
    if (ar && ar->type != FL_JSON_ARRAY) return BAD("%s: \"architectures\" must be a list", what);
    for (const fl_json *a = ar ? ar->child : NULL; a; a = a->next)
        if (a->type != FL_JSON_STRING || (strcmp(a->str, "GPT2LMHeadModel") && strcmp(a->str, "GPT2Model")))
            return BAD("%s: \"architectures\" names %s; only GPT2LMHeadModel (or GPT2Model) converts", what,
                       a->type == FL_JSON_STRING ? a->str : "a non-string");
    const fl_json *act = fl_json_get(root, "activation_function");
    if (act && (act->type != FL_JSON_STRING || !tanh_gelu(act->str)))
        return BAD("%s: \"activation_function\" is %s; futurelm's GPT-2 uses the tanh GELU (gelu_new)", what,
                   act->type == FL_JSON_STRING ? act->str : "not a string");
    const fl_json *eps = fl_json_get(root, "layer_norm_epsilon");
    if (eps && (eps->type != FL_JSON_NUMBER || fabs(eps->num - 1e-5) > 1e-12))
        return BAD("%s: \"layer_norm_epsilon\" must be 1e-05, futurelm's LayerNorm epsilon", what);
    fl_status st = want_bool(root, "scale_attn_weights", 1, "scales scores by 1/sqrt(head size)", what, err);
    if (!st) st = want_bool(root, "scale_attn_by_inverse_layer_idx", 0, "does not scale by layer", what, err);
    if (!st) st = want_bool(root, "add_cross_attention", 0, "has no cross-attention", what, err);
    if (!st) st = want_bool(root, "is_encoder_decoder", 0, "is a decoder only", what, err);
    return st;
}

fl_status fl_interop_hf_config_parse(const char *text, size_t len, const char *what, fl_model_config *cfg,
                                     int *tied, fl_error *err) {
    char msg[160];
    fl_json_doc *doc = fl_json_parse(text, len, msg, sizeof msg);
    if (!doc) return BAD("%s: not JSON (%s)", what, msg);
    const fl_json *root = fl_json_root(doc);
    fl_status st = root->type == FL_JSON_OBJECT ? check_fields(root, what, err) : BAD("%s: not a JSON object", what);
    fl_model_config c;
    fl_model_config_default(&c, FL_MODEL_GPT);
    if (!st) st = need_int(root, "vocab_size", what, &c.vocab_size, err);
    if (!st) st = need_int(root, "n_positions", what, &c.block_size, err);
    if (!st) st = need_int(root, "n_embd", what, &c.n_embd, err);
    if (!st) st = need_int(root, "n_layer", what, &c.n_layer, err);
    if (!st) st = need_int(root, "n_head", what, &c.n_head, err);
    const fl_json *inner = st ? NULL : fl_json_get(root, "n_inner");
    int64_t x;
    if (inner && inner->type != FL_JSON_NULL &&
        (inner->type != FL_JSON_NUMBER || fl_json_int64(inner, &x) || x != 4 * (int64_t)c.n_embd))
        st = BAD("%s: \"n_inner\" must be null or 4 * n_embd (%d): futurelm's MLP is C -> 4C -> C", what, 4 * c.n_embd);
    const fl_json *ctx = st ? NULL : fl_json_get(root, "n_ctx");
    if (ctx && (ctx->type != FL_JSON_NUMBER || fl_json_int64(ctx, &x) || x != c.block_size))
        st = BAD("%s: \"n_ctx\" disagrees with \"n_positions\" (%d)", what, c.block_size);
    const fl_json *tw = st ? NULL : fl_json_get(root, "tie_word_embeddings");
    if (tw && tw->type != FL_JSON_BOOL) st = BAD("%s: \"tie_word_embeddings\" must be true or false", what);
    *tied = !tw || tw->boolean;
    fl_json_free(doc);
    fl_error e2;
    if (!st && fl_model_config_validate(&c, &e2)) st = BAD("%s: %s", what, e2.msg);
    if (!st) *cfg = c;
    return st;
}

char *fl_interop_hf_config_json(const fl_model_config *c, int eot) {
    char ids[96] = "";
    if (eot >= 0) snprintf(ids, sizeof ids, "  \"bos_token_id\": %d,\n  \"eos_token_id\": %d,\n", eot, eot);
    const char *fmt =
        "{\n"
        "  \"architectures\": [\"GPT2LMHeadModel\"],\n"
        "  \"model_type\": \"gpt2\",\n"
        "  \"vocab_size\": %d,\n"
        "  \"n_positions\": %d,\n"
        "  \"n_ctx\": %d,\n"
        "  \"n_embd\": %d,\n"
        "  \"n_layer\": %d,\n"
        "  \"n_head\": %d,\n"
        "  \"n_inner\": null,\n"
        "  \"activation_function\": \"gelu_new\",\n"
        "  \"layer_norm_epsilon\": 1e-05,\n"
        "  \"initializer_range\": 0.02,\n"
        "  \"resid_pdrop\": 0.0,\n"
        "  \"embd_pdrop\": 0.0,\n"
        "  \"attn_pdrop\": 0.0,\n"
        "  \"scale_attn_weights\": true,\n"
        "  \"scale_attn_by_inverse_layer_idx\": false,\n"
        "  \"reorder_and_upcast_attn\": false,\n"
        "%s"
        "  \"tie_word_embeddings\": true,\n"
        "  \"torch_dtype\": \"float32\"\n"
        "}\n";
    int n = snprintf(NULL, 0, fmt, c->vocab_size, c->block_size, c->block_size, c->n_embd, c->n_layer, c->n_head, ids);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s) snprintf(s, (size_t)n + 1, fmt, c->vocab_size, c->block_size, c->block_size, c->n_embd, c->n_layer, c->n_head, ids);
    return s;
}
