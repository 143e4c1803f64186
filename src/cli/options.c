#include "cli/options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

int cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "futurelm: error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

int cli_parse_long(const char *opt, const char *v, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long x = v ? strtol(v, &end, 10) : 0;
    /* strtol skips leading spaces; a value with them is refused like any other stray text */
    if (!v || errno || end == v || *end || isspace((unsigned char)v[0]) || x < lo || x > hi)
        return cli_error("%s '%s': need an integer in %ld..%ld", opt, v ? v : "", lo, hi);
    *out = x;
    return 0;
}

int cli_parse_double(const char *opt, const char *v, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double x = v ? strtod(v, &end) : 0;
    if (!v || errno || end == v || *end || isspace((unsigned char)v[0]) || !isfinite(x))
        return cli_error("%s '%s': need a number", opt, v ? v : "");
    if (x < lo || x > hi) return cli_error("%s '%s': need a number in [%g, %g]", opt, v, lo, hi);
    *out = x;
    return 0;
}

int cli_parse_fraction(const char *opt, const char *v, double *out) {
    double x = 0.0;
    if (cli_parse_double(opt, v, 0.0, 1.0, &x)) return 1;
    if (x >= 1.0) return cli_error("%s '%s': need a number in [0, 1)", opt, v);
    *out = x;
    return 0;
}

int cli_parse_u64(const char *opt, const char *v, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long x = v ? strtoull(v, &end, 10) : 0;
    if (!v || errno || end == v || *end || v[0] < '0' || v[0] > '9') /* strtoull takes " -5" as 2^64-5 */
        return cli_error("%s '%s': need a non-negative integer", opt, v ? v : "");
    *out = (uint64_t)x;
    return 0;
}

void cli_config_init(cli_config *c, fl_model_type type) {
    memset(c, 0, sizeof *c);
    fl_model_config_default(&c->model, type);
    fl_train_config_default(&c->train);
}

static int apply(cli_config *c, const char *key, const char *value, const char *origin) {
    fl_error err = {0};
    /* "model.n_layer= 1": the number parsers skip leading spaces, so refuse space
     * around a key or value here, for every key */
    size_t kl = strlen(key), vl = strlen(value);
    if (!kl || isspace((unsigned char)key[0]) || isspace((unsigned char)key[kl - 1]) ||
        (vl && (isspace((unsigned char)value[0]) || isspace((unsigned char)value[vl - 1]))))
        return cli_error("'%s=%s': no spaces around the key or the value (%s)", key, value, origin);
    fl_status st;
    if (!strncmp(key, "train.", 6)) st = fl_train_config_set(&c->train, key, value, &err);
    else st = fl_model_config_set(&c->model, key, value, &err);
    if (!strcmp(key, "model.vocab_size")) c->vocab_set = 1;
    if (st) return cli_error("%s (%s)", err.msg, origin);
    return 0;
}

static int walk(cli_config *c, const fl_json *obj, const char *prefix, const char *path) {
    for (const fl_json *v = obj->child; v; v = v->next) {
        char key[256];
        snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", v->key);
        if (v->type == FL_JSON_OBJECT) {
            if (walk(c, v, key, path)) return 1;
        } else if (v->type == FL_JSON_NUMBER) {
            if (apply(c, key, v->num_text, path)) return 1;
        } else if (v->type == FL_JSON_STRING) {
            if (apply(c, key, v->str, path)) return 1;
        } else {
            return cli_error("%s: key %s must be a number or a string", path, key);
        }
    }
    return 0;
}

int cli_config_file(cli_config *c, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return cli_error("cannot open config file %s", path);
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n > cap) {
            cap = (len + n) * 2;
            char *p = realloc(buf, cap);
            if (!p) { free(buf); fclose(f); return cli_error("out of memory"); }
            buf = p;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    char msg[160];
    fl_json_doc *doc = fl_json_parse(buf ? buf : "", len, msg, sizeof msg);
    free(buf);
    if (!doc) return cli_error("config file %s is not valid JSON: %s", path, msg);
    const fl_json *root = fl_json_root(doc);
    int rc = root->type == FL_JSON_OBJECT ? walk(c, root, "", path)
                                          : cli_error("config file %s must hold a JSON object", path);
    fl_json_free(doc);
    return rc;
}

int cli_config_set(cli_config *c, const char *kv) {
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) return cli_error("--set expects key=value (got '%s')", kv);
    if (c->n_sets >= CLI_MAX_SETS) return cli_error("too many --set options");
    char *key = strndup(kv, (size_t)(eq - kv)), *val = strdup(eq + 1);
    c->owned[c->n_owned++] = key;
    c->owned[c->n_owned++] = val;
    c->sets[2 * c->n_sets] = key;
    c->sets[2 * c->n_sets + 1] = val;
    c->n_sets++;
    return apply(c, key, val, "--set");
}

void cli_config_free(cli_config *c) {
    for (int i = 0; i < c->n_owned; i++) free(c->owned[i]);
}

int cli_config_apply_list(cli_config *c, const char *const *v, const char *const *opt, int n) {
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) rc = !strcmp(opt[i], "config") ? cli_config_file(c, v[i]) : cli_config_set(c, v[i]);
    return rc;
}
