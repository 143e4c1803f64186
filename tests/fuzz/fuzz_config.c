/* Model and training configuration as users give it: `--set key=value` lines and
 * --config JSON files, through the CLI's own reader (src/cli/options.c, linked in
 * when fuzz.mk finds it; else the library's fl_model_config_set /
 * fl_train_config_set directly). Byte 0 picks GPT or FTP defaults; the rest is a
 * JSON file when it starts with '{', else one key=value a line. Bad keys and
 * values are refused with a message. A configuration that validates must
 * survive the round trips the program relies on: the model keys as a checkpoint
 * records them (fli_ckpt_config_meta) and the train keys as state.json records them
 * (fl_train_config_record, written and parsed as state.json, then
 * fl_train_config_apply) give the same configuration. */
#include "fuzz_util.h"
#include "ckpt/checkpoint.h"
#include "ckpt/run_state.h"
#include "train/train_config.h"
#include "util/json.h"
#ifdef FUZZ_CLI_OPTIONS
#include "cli/options.h"
#endif

typedef struct {
    fl_model_config model;
    fl_train_config train;
} configs;

static int set_one(configs *c, const char *key, const char *value) {
    fl_error err = {0};
    fl_status st = !strncmp(key, "train.", 6) ? fl_train_config_set(&c->train, key, value, &err)
                                               : fl_model_config_set(&c->model, key, value, &err);
    if (st) FUZZ_CHECK(err.msg[0], "'%s' refused without a message", key);
    return st != FL_OK;
}

#ifndef FUZZ_CLI_OPTIONS
/* The library calls the CLI's reader makes: nested objects give dotted keys. */
static int walk(configs *c, const fl_json *obj, const char *prefix) {
    for (const fl_json *v = obj->child; v; v = v->next) {
        char key[256];
        snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", v->key);
        if (v->type == FL_JSON_OBJECT && walk(c, v, key)) return 1;
        if (v->type == FL_JSON_NUMBER && set_one(c, key, v->num_text)) return 1;
        if (v->type == FL_JSON_STRING && set_one(c, key, v->str)) return 1;
        if (v->type != FL_JSON_OBJECT && v->type != FL_JSON_NUMBER && v->type != FL_JSON_STRING) return 1;
    }
    return 0;
}
#endif

/* Returns 0 when every setting was accepted. */
static int apply(configs *out, fl_model_type type, const char *text, size_t size) {
    const char *p = text;
    while (p < text + size && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) p++;
    int is_json = p < text + size && *p == '{';
#ifdef FUZZ_CLI_OPTIONS
    cli_config c;
    cli_config_init(&c, type);
    int rc = 0;
    if (is_json) {
        rc = cli_config_file(&c, fuzz_write("config.json", text, size));
    } else {
        for (const char *line = text; !rc && line < text + size;) {
            const char *nl = memchr(line, '\n', (size_t)(text + size - line));
            size_t len = nl ? (size_t)(nl - line) : (size_t)(text + size - line);
            char *kv = fuzz_cstr((const uint8_t *)line, len);
            rc = cli_config_set(&c, kv);
            free(kv);
            line += len + 1;
        }
    }
    out->model = c.model, out->train = c.train;
    cli_config_free(&c);
    return rc;
#else
    fl_model_config_default(&out->model, type);
    fl_train_config_default(&out->train);
    if (is_json) {
        fl_json_doc *doc = fl_json_parse(text, size, NULL, 0);
        const fl_json *root = doc ? fl_json_root(doc) : NULL;
        int rc = !root || root->type != FL_JSON_OBJECT || walk(out, root, "");
        fl_json_free(doc);
        return rc;
    }
    for (const char *line = text; line < text + size;) {
        const char *nl = memchr(line, '\n', (size_t)(text + size - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(text + size - line);
        char *kv = fuzz_cstr((const uint8_t *)line, len);
        char *eq = strchr(kv, '=');
        int bad = !eq || eq == kv;
        if (!bad) *eq = 0, bad = set_one(out, kv, eq + 1);
        free(kv);
        if (bad) return 1;
        line += len + 1;
    }
    return 0;
#endif
}

static void model_round_trip(const fl_model_config *m) {
    char buf[40][48];
    const char *meta[80];
    int n = fli_ckpt_config_meta(m, buf, meta);
    configs again;
    fl_model_config_default(&again.model, m->type);
    fl_train_config_default(&again.train);
    for (int i = 0; i < n; i++)
        if (!strncmp(meta[2 * i], "model.", 6) || !strncmp(meta[2 * i], "ftp.", 4))
            FUZZ_CHECK(!set_one(&again, meta[2 * i], meta[2 * i + 1]), "recorded %s=%s is refused", meta[2 * i],
                       meta[2 * i + 1]);
    const fl_model_config *a = m, *b = &again.model;
    FUZZ_CHECK(a->type == b->type && a->vocab_size == b->vocab_size && a->block_size == b->block_size &&
                   a->n_layer == b->n_layer && a->n_head == b->n_head && a->n_embd == b->n_embd,
               "the model keys do not survive a checkpoint's metadata");
    if (m->type == FL_MODEL_FTP)
        FUZZ_CHECK(a->n_future == b->n_future && a->pseudo_len == b->pseudo_len &&
                       !memcmp(&a->gamma, &b->gamma, sizeof a->gamma) && a->dec_layers == b->dec_layers &&
                       a->dec_heads == b->dec_heads && a->positions == b->positions &&
                       a->tie_dec_embd == b->tie_dec_embd,
                   "the ftp keys do not survive a checkpoint's metadata (gamma %.9g -> %.9g)", (double)a->gamma,
                   (double)b->gamma);
    fl_error err = {0};
    FUZZ_CHECK(fl_model_config_validate(b, &err) == FL_OK, "the recorded model config is invalid: %s", err.msg);
}

static void train_round_trip(const fl_train_config *t) {
    fl_run_state rs, back;
    fl_run_state_init(&rs);
    fl_run_state_init(&back);
    fl_error err = {0};
    FUZZ_CHECK(fl_train_config_record(t, &rs, &err) == FL_OK, "record: %s", err.msg);
    char *text = fl_run_state_to_json(&rs);
    FUZZ_CHECK(text, "the state writer failed");
    FUZZ_CHECK(fl_run_state_parse(text, strlen(text), "state.json", &back, &err) == FL_OK,
               "a validated train config is written as a state.json that does not parse (%s): %s", err.msg, text);
    FUZZ_CHECK(back.n_train == rs.n_train, "%d recorded settings read back as %d: %s", rs.n_train, back.n_train, text);
    fl_train_config again;
    fl_train_config_default(&again);
    FUZZ_CHECK(fl_train_config_apply(&again, &back, &err) == FL_OK, "recorded settings are refused (%s): %s",
               err.msg, text);
    FUZZ_CHECK(!memcmp(t, &again, sizeof *t), "the train keys do not survive state.json: %s", text);
    FUZZ_CHECK(fl_train_config_validate(&again, &err) == FL_OK, "the recorded train config is invalid: %s", err.msg);
    free(text);
    fl_run_state_clear(&rs);
    fl_run_state_clear(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    fl_model_type type = data[0] & 1 ? FL_MODEL_FTP : FL_MODEL_GPT;
    configs c;
    if (apply(&c, type, (const char *)data + 1, size - 1)) return 0;
    fl_error err = {0};
    if (fl_model_config_validate(&c.model, &err) == FL_OK) model_round_trip(&c.model);
    else FUZZ_CHECK(err.msg[0], "an invalid model config without a message");
    err.msg[0] = 0;
    if (fl_train_config_validate(&c.train, &err) == FL_OK) train_round_trip(&c.train);
    else FUZZ_CHECK(err.msg[0], "an invalid train config without a message");
    return 0;
}
