#include "data/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/json.h"

static int get_int(const fl_json *obj, const char *key, int64_t *out) {
    const fl_json *v = obj ? fl_json_get(obj, key) : NULL;
    return v && v->type == FL_JSON_NUMBER && fl_json_int64(v, out) == 0 ? 0 : -1;
}

fl_status fl_manifest_read(const char *dir, fl_manifest *m, fl_error *err) {
    memset(m, 0, sizeof *m);
    size_t n = strlen(dir) + 16;
    char *path = malloc(n);
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    snprintf(path, n, "%s/manifest.json", dir);
    char *text;
    size_t len;
    fl_status st = fl_read_file(path, &text, &len, err);
    if (st) {
        free(path);
        return st;
    }
    char msg[200];
    fl_json_doc *doc = fl_json_parse(text, len, msg, sizeof msg);
    const fl_json *root = fl_json_root(doc);
    const fl_json *tok = root && root->type == FL_JSON_OBJECT ? fl_json_get(root, "tokenizer") : NULL;
    const fl_json *splits = root && root->type == FL_JSON_OBJECT ? fl_json_get(root, "splits") : NULL;
    const fl_json *fmt = root && root->type == FL_JSON_OBJECT ? fl_json_get(root, "format") : NULL;
    int64_t vocab, eot, width, seed = 0, d0 = 0, d1 = 0, t0 = 0, t1 = 0;
    if (!doc) {
        st = fl_fail(err, FL_ERR_FORMAT, "'%s' is not valid JSON (%s)", path, msg);
    } else if (!fmt || fmt->type != FL_JSON_STRING || strcmp(fmt->str, "futurelm-token-shards") ||
               !tok || tok->type != FL_JSON_OBJECT || get_int(tok, "vocab_size", &vocab) || get_int(tok, "eot", &eot) ||
               get_int(root, "token_bytes", &width) || vocab <= 0 || vocab > INT32_MAX || eot < 0 || eot >= vocab ||
               (width != 2 && width != 4)) {
        st = fl_fail(err, FL_ERR_FORMAT, "'%s' is not a futurelm prepare manifest; re-run futurelm prepare", path);
    } else {
        m->vocab_size = (int)vocab, m->eot = (int)eot, m->token_bytes = (int)width;
        const fl_json *sha = fl_json_get(tok, "sha256"), *tp = fl_json_get(tok, "path");
        if (sha && sha->type == FL_JSON_STRING && sha->len == 64) memcpy(m->sha256, sha->str, 65);
        if (tp && tp->type == FL_JSON_STRING) snprintf(m->tokenizer, sizeof m->tokenizer, "%s", tp->str);
        get_int(root, "seed", &seed);
        m->seed = (uint64_t)seed;
        const fl_json *vf = fl_json_get(root, "val_fraction");
        if (vf && vf->type == FL_JSON_NUMBER) m->val_fraction = vf->num;
        const fl_json *tr = splits ? fl_json_get(splits, "train") : NULL, *va = splits ? fl_json_get(splits, "val") : NULL;
        get_int(tr, "documents", &d0), get_int(tr, "tokens", &t0), get_int(va, "documents", &d1), get_int(va, "tokens", &t1);
        m->documents[0] = (uint64_t)d0, m->documents[1] = (uint64_t)d1;
        m->tokens[0] = (uint64_t)t0, m->tokens[1] = (uint64_t)t1;
    }
    fl_json_free(doc);
    free(text);
    free(path);
    return st;
}
