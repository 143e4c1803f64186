/* state.json: the one reader and the one writer of fl_run_state. */
#include "ckpt/run_state.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/checkpoint.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

void fl_run_state_init(fl_run_state *s) {
    memset(s, 0, sizeof *s);
    s->step = -1;
    s->tokens_seen = -1;
    s->eot = -1;
    s->last_val_loss = NAN;
}

void fl_run_state_clear(fl_run_state *s) {
    for (int i = 0; i < s->n_train; i++) free(s->train[i].key), free(s->train[i].value);
    free(s->train);
    free(s->tokenizer);
    free(s->data_dir);
    fl_run_state_init(s);
}

fl_status fl_run_state_add_setting(fl_run_state *s, const char *key, const char *value, fl_error *err) {
    fl_run_setting *t = realloc(s->train, (size_t)(s->n_train + 1) * sizeof *t);
    if (!t) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    s->train = t;
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k), free(v);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    t[s->n_train].key = k;
    t[s->n_train].value = v;
    s->n_train++;
    return FL_OK;
}

/* ---------------------------------------------------------------- writing */

static void put_string(FILE *f, const char *s) { fl_json_write_string(f, s, strlen(s)); }

/* A JSON number literal (RFC 8259 section 6): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int is_json_number(const char *p) {
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9') while (*p >= '0' && *p <= '9') p++;
    else return 0;
    if (*p == '.') {
        if (*++p < '0' || *p > '9') return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'e' || *p == 'E') {
        if (*++p == '+' || *p == '-') p++;
        if (*p < '0' || *p > '9') return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == 0;
}

/* The layout (one part a line, the parts in a fixed order) is the one training
 * has always written, so that state.json stays byte-identical for the same run. */
int fl_run_state_write(const fl_run_state *s, FILE *f) {
    fputs("{\n  \"format\": \"futurelm-state\"", f);
    if (s->step >= 0) fprintf(f, ",\n  \"step\": %ld", s->step);
    if (s->tokens_seen >= 0) fprintf(f, ",\n  \"tokens_seen\": %lld", s->tokens_seen);
    if (s->has_loader)
        fprintf(f,
                ",\n  \"loader\": {\"seed\": \"%" PRIu64 "\", \"epoch\": \"%" PRIu64 "\", \"cursor\": \"%" PRIu64
                "\", \"n_windows\": \"%" PRIu64 "\"}",
                s->loader.seed, s->loader.epoch, s->loader.cursor, s->loader.n_windows);
    if (s->has_rng)
        fprintf(f, ",\n  \"rng\": [\"%" PRIu64 "\", \"%" PRIu64 "\", \"%" PRIu64 "\", \"%" PRIu64 "\"]", s->rng[0],
                s->rng[1], s->rng[2], s->rng[3]);
    if (s->tokenizer) {
        fputs(",\n  \"tokenizer\": {\"path\": ", f);
        put_string(f, s->tokenizer);
        fputs(", \"sha256\": ", f);
        put_string(f, s->tokenizer_sha256);
        if (s->eot >= 0) fprintf(f, ", \"eot\": %d", s->eot);
        fputs("}", f);
    }
    if (s->data_dir) {
        fputs(",\n  \"data_dir\": ", f);
        put_string(f, s->data_dir);
    }
    if (s->n_train > 0) {
        fputs(",\n  \"train\": {", f);
        for (int i = 0; i < s->n_train; i++) {
            if (i) fputc(',', f);
            put_string(f, s->train[i].key);
            fputc(':', f);
            /* a value that is not a number would make the file invalid JSON: quote it
             * (the reader then skips it, as it skips every part of the wrong type) */
            if (is_json_number(s->train[i].value)) fputs(s->train[i].value, f);
            else put_string(f, s->train[i].value);
        }
        fputs("}", f);
    }
    if (s->has_metrics) {
        fputs(",\n  \"metrics\": {\"last_val_loss\": ", f);
        fl_json_write_number(f, s->last_val_loss);
        if (isfinite(s->last_val_loss)) {
            fputs(", \"last_val_offsets\": [", f);
            for (int j = 0; j < s->n_val_offsets && j < FL_MAX_FUTURE; j++) {
                if (j) fputs(", ", f);
                fl_json_write_number(f, s->val_offsets[j]);
            }
            fputs("]", f);
        }
        fputs("}", f);
    }
    fputs("\n}\n", f);
    return ferror(f) ? -1 : 0;
}

char *fl_run_state_to_json(const fl_run_state *s) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    int bad = fl_run_state_write(s, f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---------------------------------------------------------------- reading */

/* A 64-bit value: a decimal string (as written) or a plain number. */
static uint64_t json_u64(const fl_json *v) {
    if (!v) return 0;
    if (v->type == FL_JSON_STRING) return strtoull(v->str, NULL, 10);
    if (v->type == FL_JSON_NUMBER) return (uint64_t)v->num;
    return 0;
}

static const fl_json *member(const fl_json *obj, const char *key, fl_json_type type) {
    const fl_json *v = fl_json_get(obj, key);
    return v && v->type == type ? v : NULL;
}

static fl_status dup_string(const fl_json *v, char **out, fl_error *err) {
    if (!v) return FL_OK;
    if (!(*out = strdup(v->str))) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    return FL_OK;
}

static fl_status from_json(const fl_json *root, fl_run_state *s, fl_error *err) {
    int64_t v;
    if (!fl_json_int64(fl_json_get(root, "step"), &v)) s->step = (long)v;
    if (!fl_json_int64(fl_json_get(root, "tokens_seen"), &v)) s->tokens_seen = v;
    const fl_json *ld = member(root, "loader", FL_JSON_OBJECT);
    if (ld) {
        s->has_loader = 1;
        s->loader.seed = json_u64(fl_json_get(ld, "seed"));
        s->loader.epoch = json_u64(fl_json_get(ld, "epoch"));
        s->loader.cursor = json_u64(fl_json_get(ld, "cursor"));
        s->loader.n_windows = json_u64(fl_json_get(ld, "n_windows"));
    }
    const fl_json *rng = member(root, "rng", FL_JSON_ARRAY);
    if (rng && rng->count == 4) {
        s->has_rng = 1;
        int i = 0;
        for (const fl_json *c = rng->child; c && i < 4; c = c->next) s->rng[i++] = json_u64(c);
    }
    const fl_json *tok = member(root, "tokenizer", FL_JSON_OBJECT);
    fl_status st = dup_string(member(tok, "path", FL_JSON_STRING), &s->tokenizer, err);
    const fl_json *sha = member(tok, "sha256", FL_JSON_STRING);
    if (sha && sha->len < sizeof s->tokenizer_sha256) memcpy(s->tokenizer_sha256, sha->str, sha->len + 1);
    if (!fl_json_int64(fl_json_get(tok, "eot"), &v) && v >= 0 && v <= INT32_MAX) s->eot = (int)v;
    if (!st) st = dup_string(member(root, "data_dir", FL_JSON_STRING), &s->data_dir, err);
    const fl_json *tr = member(root, "train", FL_JSON_OBJECT);
    for (const fl_json *c = tr ? tr->child : NULL; c && !st; c = c->next)
        if (c->type == FL_JSON_NUMBER) st = fl_run_state_add_setting(s, c->key, c->num_text, err);
    const fl_json *met = member(root, "metrics", FL_JSON_OBJECT);
    if (met) {
        s->has_metrics = 1;
        const fl_json *lv = member(met, "last_val_loss", FL_JSON_NUMBER);
        s->last_val_loss = lv ? lv->num : NAN;
        const fl_json *offs = member(met, "last_val_offsets", FL_JSON_ARRAY);
        for (const fl_json *c = offs ? offs->child : NULL; c && s->n_val_offsets < FL_MAX_FUTURE; c = c->next)
            s->val_offsets[s->n_val_offsets++] = c->type == FL_JSON_NUMBER ? c->num : NAN;
    }
    return st;
}

fl_status fl_run_state_parse(const char *text, size_t len, const char *what, fl_run_state *s, fl_error *err) {
    fl_run_state_clear(s);
    char msg[128];
    fl_json_doc *doc = fl_json_parse(text, len, msg, sizeof msg);
    if (!doc) return fl_fail(err, FL_ERR_FORMAT, "%s: %s", what, msg);
    fl_status st = from_json(fl_json_root(doc), s, err);
    fl_json_free(doc);
    if (st) fl_run_state_clear(s);
    return st;
}

fl_status fl_run_state_read(const char *dir, fl_run_state *s, fl_error *err) {
    fl_run_state_clear(s);
    char *text = NULL;
    fl_status st = ckpt_read_state(dir, &text, err);
    if (st) return st;
    char *what = fl_path_join(dir, "state.json"); /* named in a parse error */
    if (!what) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!st) st = fl_run_state_parse(text, strlen(text), what, s, err);
    free(what);
    free(text);
    return st;
}
