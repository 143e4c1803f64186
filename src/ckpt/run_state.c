/* state.json: the one reader and the one writer of fl_run_state. */
#include "ckpt/run_state.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <stdint.h>
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
    /* each part of the tokenizer's identity is written when recorded, whether or
     * not the others are, so whatever was read is written back */
    if (s->tokenizer || s->tokenizer_sha256[0] || s->eot >= 0) {
        const char *sep = "";
        fputs(",\n  \"tokenizer\": {", f);
        if (s->tokenizer) fputs("\"path\": ", f), put_string(f, s->tokenizer), sep = ", ";
        if (s->tokenizer_sha256[0]) fprintf(f, "%s\"sha256\": ", sep), put_string(f, s->tokenizer_sha256), sep = ", ";
        if (s->eot >= 0) fprintf(f, "%s\"eot\": %d", sep, s->eot);
        fputs("}", f);
    }
    if (s->data_dir) {
        fputs(",\n  \"data_dir\": ", f);
        put_string(f, s->data_dir);
    }
    if (s->no_manifest) fputs(",\n  \"data_manifest\": false", f); /* llm.c shards: the vocabulary was the user's word */
    if (s->n_train > 0) {
        fputs(",\n  \"train\": {", f);
        for (int i = 0; i < s->n_train; i++) {
            if (i) fputc(',', f);
            put_string(f, s->train[i].key);
            fputc(':', f);
            /* a value that is not a number would make the file invalid JSON: quote it
             * (the reader then skips it, as it skips every part of the wrong type) */
            const char *v = s->train[i].value, *e = v + strlen(v);
            if (*v && fl_json_number_end(v, e) == e) fputs(v, f); /* a number stays a number */
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

/* Every part is typed and ranged: a part of the wrong type, or a number out of
 * range, is an error naming the file and the part, never a value cast out of
 * range. A part that is absent keeps its empty value. */
#define BAD(...) fl_fail(err, FL_ERR_FORMAT, __VA_ARGS__)
#define EXACT_MAX 9007199254740992.0 /* 2^53: every integer up to it is exact in a JSON number */

/* A 64-bit value: a decimal string of digits (as written; any 64-bit value) or an
 * integral JSON number in 0..2^53. */
static fl_status get_u64(const fl_json *v, const char *what, const char *name, uint64_t *out, fl_error *err) {
    if (v && v->type == FL_JSON_STRING) {
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v->str, &end, 10);
        if (v->str[0] >= '0' && v->str[0] <= '9' && !errno && !*end) {
            *out = x;
            return FL_OK;
        }
    } else if (v && v->type == FL_JSON_NUMBER && isfinite(v->num) && v->num >= 0 && v->num <= EXACT_MAX &&
               v->num == floor(v->num)) {
        *out = (uint64_t)v->num;
        return FL_OK;
    }
    return BAD("%s: %s must be a non-negative 64-bit integer (a decimal string)", what, name);
}

/* An integral JSON number in lo..hi. */
static fl_status get_int(const fl_json *v, const char *what, const char *name, int64_t lo, int64_t hi, int64_t *out,
                         fl_error *err) {
    int64_t x;
    if (fl_json_int64(v, &x) || x < lo || x > hi)
        return BAD("%s: %s must be an integer in %lld..%lld", what, name, (long long)lo, (long long)hi);
    *out = x;
    return FL_OK;
}

/* The member key of obj, NULL when absent; an error when present with another type. */
static fl_status typed(const fl_json *obj, const char *key, fl_json_type type, const fl_json **out, const char *what,
                       fl_error *err) {
    static const char *const NAMES[] = {[FL_JSON_STRING] = "a string", [FL_JSON_OBJECT] = "an object",
                                        [FL_JSON_ARRAY] = "an array", [FL_JSON_NUMBER] = "a number"};
    *out = fl_json_get(obj, key);
    if (*out && (*out)->type != type) return BAD("%s: \"%s\" must be %s", what, key, NAMES[type]);
    return FL_OK;
}

static fl_status dup_string(const fl_json *v, char **out, fl_error *err) {
    if (!v) return FL_OK;
    if (!(*out = strdup(v->str))) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    return FL_OK;
}

static fl_status read_loader(const fl_json *ld, const char *what, fl_run_state *s, fl_error *err) {
    static const char *const KEYS[] = {"seed", "epoch", "cursor", "n_windows"};
    uint64_t *dst[] = {&s->loader.seed, &s->loader.epoch, &s->loader.cursor, &s->loader.n_windows};
    fl_status st = FL_OK;
    s->has_loader = 1;
    for (int i = 0; i < 4 && !st; i++) {
        const fl_json *v = fl_json_get(ld, KEYS[i]);
        char name[32];
        snprintf(name, sizeof name, "loader.%s", KEYS[i]);
        if (v) st = get_u64(v, what, name, dst[i], err);
    }
    if (!st && s->loader.cursor > s->loader.n_windows)
        st = BAD("%s: loader.cursor %llu is past loader.n_windows %llu", what, (unsigned long long)s->loader.cursor,
                 (unsigned long long)s->loader.n_windows);
    return st;
}

static fl_status read_rng(const fl_json *rng, const char *what, fl_run_state *s, fl_error *err) {
    if (rng->count != 4) return BAD("%s: \"rng\" must hold 4 values (it holds %d)", what, (int)rng->count);
    int i = 0;
    fl_status st = FL_OK;
    for (const fl_json *c = rng->child; c && i < 4 && !st; c = c->next) st = get_u64(c, what, "rng", &s->rng[i++], err);
    if (!st && !(s->rng[0] | s->rng[1] | s->rng[2] | s->rng[3]))
        st = BAD("%s: \"rng\" is all zeros, which is no generator state", what);
    s->has_rng = !st;
    return st;
}

static fl_status read_tokenizer(const fl_json *tok, const char *what, fl_run_state *s, fl_error *err) {
    const fl_json *path = NULL, *sha = NULL;
    int64_t v = 0;
    fl_status st = typed(tok, "path", FL_JSON_STRING, &path, what, err);
    if (!st) st = typed(tok, "sha256", FL_JSON_STRING, &sha, what, err);
    /* 64 lowercase hex digits, or "" (not recorded): anything else would not survive
     * a rewrite unchanged (the writer escapes control bytes and replaces invalid UTF-8) */
    if (!st && sha && sha->len && (sha->len != 64 || strspn(sha->str, "0123456789abcdef") != 64))
        st = BAD("%s: tokenizer.sha256 is not 64 hex digits (a SHA-256)", what);
    if (!st && sha) memcpy(s->tokenizer_sha256, sha->str, sha->len + 1);
    if (!st && fl_json_get(tok, "eot")) st = get_int(fl_json_get(tok, "eot"), what, "tokenizer.eot", 0, INT32_MAX, &v, err);
    if (!st && fl_json_get(tok, "eot")) s->eot = (int)v;
    if (!st) st = dup_string(path, &s->tokenizer, err);
    return st;
}

static fl_status read_metrics(const fl_json *met, const char *what, fl_run_state *s, fl_error *err) {
    s->has_metrics = 1;
    const fl_json *lv = fl_json_get(met, "last_val_loss"), *offs = NULL;
    /* losses are floats (the trainer computes them in float and casts them back):
     * a number beyond float's range is refused before any cast, and each is read
     * as the float it names, so writing it again (9 digits) gives the same text */
    if (lv && !(lv->type == FL_JSON_NULL || (lv->type == FL_JSON_NUMBER && fabs(lv->num) <= FLT_MAX)))
        return BAD("%s: metrics.last_val_loss must be a number in float's range or null", what);
    s->last_val_loss = lv && lv->type == FL_JSON_NUMBER ? (float)lv->num : NAN;
    fl_status st = typed(met, "last_val_offsets", FL_JSON_ARRAY, &offs, what, err);
    if (!st && offs && offs->count > FL_MAX_FUTURE)
        st = BAD("%s: metrics.last_val_offsets holds %d values, more than %d", what, (int)offs->count, FL_MAX_FUTURE);
    for (const fl_json *c = offs ? offs->child : NULL; c && !st; c = c->next) {
        if (!(c->type == FL_JSON_NULL || (c->type == FL_JSON_NUMBER && fabs(c->num) <= FLT_MAX)))
            st = BAD("%s: metrics.last_val_offsets must hold numbers in float's range", what);
        else s->val_offsets[s->n_val_offsets++] = c->type == FL_JSON_NUMBER ? (float)c->num : NAN;
    }
    return st;
}

static fl_status from_json(const fl_json *root, const char *what, fl_run_state *s, fl_error *err) {
    if (root->type != FL_JSON_OBJECT) return BAD("%s: not a JSON object", what);
    const fl_json *ld = NULL, *rng = NULL, *tok = NULL, *dd = NULL, *tr = NULL, *met = NULL;
    int64_t v = 0;
    fl_status st = FL_OK;
    /* training steps are ints (train.max_steps), and tokens_seen grows from here */
    if (fl_json_get(root, "step")) st = get_int(fl_json_get(root, "step"), what, "step", 0, INT32_MAX, &v, err);
    if (!st && fl_json_get(root, "step")) s->step = (long)v;
    if (!st && fl_json_get(root, "tokens_seen"))
        st = get_int(fl_json_get(root, "tokens_seen"), what, "tokens_seen", 0, (int64_t)1 << 53, &v, err);
    if (!st && fl_json_get(root, "tokens_seen")) s->tokens_seen = v;
    if (!st) st = typed(root, "loader", FL_JSON_OBJECT, &ld, what, err);
    if (!st && ld) st = read_loader(ld, what, s, err);
    if (!st) st = typed(root, "rng", FL_JSON_ARRAY, &rng, what, err);
    if (!st && rng) st = read_rng(rng, what, s, err);
    if (!st) st = typed(root, "tokenizer", FL_JSON_OBJECT, &tok, what, err);
    if (!st && tok) st = read_tokenizer(tok, what, s, err);
    if (!st) st = typed(root, "data_dir", FL_JSON_STRING, &dd, what, err);
    if (!st) st = dup_string(dd, &s->data_dir, err);
    const fl_json *dm = NULL;
    if (!st) st = typed(root, "data_manifest", FL_JSON_BOOL, &dm, what, err);
    if (!st && dm) s->no_manifest = !dm->boolean;
    if (!st) st = typed(root, "train", FL_JSON_OBJECT, &tr, what, err);
    /* a setting is a number; a string is one the writer had to quote (not a
     * number) and is skipped, as the writer promises; anything else is an error */
    for (const fl_json *c = tr ? tr->child : NULL; c && !st; c = c->next) {
        if (c->type == FL_JSON_NUMBER) st = fl_run_state_add_setting(s, c->key, c->num_text, err);
        else if (c->type != FL_JSON_STRING) st = BAD("%s: train.\"%s\" must be a number", what, c->key);
    }
    if (!st) st = typed(root, "metrics", FL_JSON_OBJECT, &met, what, err);
    if (!st && met) st = read_metrics(met, what, s, err);
    return st;
}

fl_status fl_run_state_parse(const char *text, size_t len, const char *what, fl_run_state *s, fl_error *err) {
    fl_run_state_clear(s);
    char msg[128];
    fl_json_doc *doc = fl_json_parse(text, len, msg, sizeof msg);
    if (!doc) return fl_fail(err, FL_ERR_FORMAT, "%s: %s", what, msg);
    fl_status st = from_json(fl_json_root(doc), what, s, err);
    fl_json_free(doc);
    if (st) fl_run_state_clear(s);
    return st;
}

fl_status fl_run_state_read(const char *dir, fl_run_state *s, fl_error *err) {
    fl_run_state_clear(s);
    char *text = NULL;
    fl_status st = fli_ckpt_read_state(dir, &text, err);
    if (st) return st;
    char *what = fl_path_join(dir, "state.json"); /* named in a parse error */
    if (!what) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!st) st = fl_run_state_parse(text, strlen(text), what, s, err);
    free(what);
    free(text);
    return st;
}
