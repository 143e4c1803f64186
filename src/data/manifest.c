#define _XOPEN_SOURCE 700 /* realpath */
#include "data/manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/outdir.h"
#include "data/shard.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

static int get_int(const fl_json *obj, const char *key, int64_t *out) {
    const fl_json *v = obj ? fl_json_get(obj, key) : NULL;
    return v && v->type == FL_JSON_NUMBER && fl_json_int64(v, out) == 0 ? 0 : -1;
}


/* The manifest's "magic", when present, must be the shard magic of its token width. */
static int magic_matches(const fl_json *root, int width) {
    int64_t magic;
    if (!fl_json_get(root, "magic")) return 1;
    if (get_int(root, "magic", &magic)) return 0;
    return magic == (width == 2 ? FL_SHARD_MAGIC16 : FL_SHARD_MAGIC32);
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
    } else if (width != fl_shard_width((int)vocab) || !magic_matches(root, (int)width)) {
        /* prepare always writes the narrowest width the vocabulary allows, and the shard
         * header's magic says the same: a disagreement means the folder was mixed up */
        st = fl_fail(err, FL_ERR_FORMAT,
                     "'%s': token_bytes %lld and magic do not fit vocab_size %lld (expected %d-byte tokens, magic %d); "
                     "re-run futurelm prepare",
                     path, (long long)width, (long long)vocab, fl_shard_width((int)vocab),
                     fl_shard_width((int)vocab) == 2 ? FL_SHARD_MAGIC16 : FL_SHARD_MAGIC32);
    } else {
        m->vocab_size = (int)vocab, m->eot = (int)eot, m->token_bytes = (int)width;
        const fl_json *sha = fl_json_get(tok, "sha256"), *tp = fl_json_get(tok, "path");
        /* 64 lowercase hex digits or nothing: state.json's reader takes only that */
        if (sha && sha->type == FL_JSON_STRING && sha->len == 64 && strspn(sha->str, "0123456789abcdef") == 64)
            memcpy(m->sha256, sha->str, 65);
        if (tp && tp->type == FL_JSON_STRING) {
            /* relative to this folder (prepare since 2026-12), else from the folder prepare ran
             * in (older manifests), else the absolute path recorded beside it */
            char *found = fl_path_find_relative(dir, tp->str);
            const fl_json *ab = fl_json_get(tok, "absolute");
            if (found && access(found, F_OK) && ab && ab->type == FL_JSON_STRING && access(ab->str, F_OK) == 0) {
                free(found); /* the data folder moved without its tokenizer */
                found = strdup(ab->str);
            }
            if (!found) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
            else if (strlen(found) >= sizeof m->tokenizer)
                st = fl_fail(err, FL_ERR_ARG, "'%s': the tokenizer path '%s' is longer than %zu bytes", path, found,
                             sizeof m->tokenizer - 1);
            else memcpy(m->tokenizer, found, strlen(found) + 1);
            free(found);
        }
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

/* ---------------------------------------------------------------- writing */

static const char *SPLIT[2] = {"train", "val"};

typedef struct {
    char file[32];
    uint64_t tokens;
} shard_info;

struct fl_dataset_writer {
    fl_dataset_info info;
    char *tokenizer_path, *sha256;
    char *tokenizer_abs; /* realpath of the tokenizer when it is a file; NULL for a name (gpt2) */
    uint64_t max_tokens;
    fl_outdir dir;
    fl_shard_writer w[2];
    int open[2];
    shard_info *shards[2];
    int nshards[2], capshards[2];
    uint64_t docs[2], tokens[2];
    fl_bytebuf sources; /* the body of the "sources" array */
    int nsources;
};

static fl_status jstr(fl_bytebuf *b, const char *s, fl_error *err) {
    fl_status st = fl_bytebuf_append(b, "\"", 1, err);
    for (; *s && !st; s++) {
        unsigned char c = (unsigned char)*s;
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\', e[1] = (char)c;
            st = fl_bytebuf_append(b, e, 2, err);
        } else if (c < 0x20) {
            snprintf(e, sizeof e, "\\u%04x", c);
            st = fl_bytebuf_append(b, e, 6, err);
        } else {
            st = fl_bytebuf_append(b, s, 1, err);
        }
    }
    return st ? st : fl_bytebuf_append(b, "\"", 1, err);
}

static fl_status jprintf(fl_bytebuf *b, fl_error *err, const char *fmt, ...) FL_PRINTF(3, 4);
static fl_status jprintf(fl_bytebuf *b, fl_error *err, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) return fl_fail(err, FL_ERR_ARG, "manifest line too long");
    return fl_bytebuf_append(b, buf, (size_t)n, err);
}

fl_status fl_dataset_writer_open(const fl_dataset_info *info, fl_dataset_writer **out, fl_error *err) {
    *out = NULL;
    if (!(info->val_fraction >= 0 && info->val_fraction < 1))
        return fl_fail(err, FL_ERR_ARG, "--val-fraction %g must be in [0, 1)", info->val_fraction);
    if (info->vocab_size <= 0 || info->eot < 0 || info->eot >= info->vocab_size)
        return fl_fail(err, FL_ERR_ARG, "data folder '%s': vocabulary size %d with <|endoftext|> id %d", info->out_dir,
                       info->vocab_size, info->eot);
    fl_dataset_writer *w = calloc(1, sizeof *w);
    if (!w) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    w->info = *info;
    w->tokenizer_path = strdup(info->tokenizer_path ? info->tokenizer_path : "");
    w->sha256 = strdup(info->tokenizer_sha256 ? info->tokenizer_sha256 : "");
    w->max_tokens = info->max_shard_tokens ? info->max_shard_tokens : FL_SHARD_MAX_TOKENS;
    if (w->max_tokens > FL_SHARD_MAX_TOKENS) w->max_tokens = FL_SHARD_MAX_TOKENS;
    fl_status st = !w->tokenizer_path || !w->sha256 ? fl_fail(err, FL_ERR_NOMEM, "out of memory")
                                                     : fl_outdir_begin(&w->dir, info->out_dir, err);
    if (!st && w->tokenizer_path[0] && access(w->tokenizer_path, F_OK) == 0) {
        /* recorded relative to the data folder (its temporary sibling has the same parent),
         * so the folder moved or linked together with its tokenizer still finds it, and
         * absolute, for a data folder moved without it */
        char *rel = fl_path_relative(w->dir.tmp, w->tokenizer_path);
        w->tokenizer_abs = realpath(w->tokenizer_path, NULL);
        if (!rel || !w->tokenizer_abs) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
        if (rel) free(w->tokenizer_path), w->tokenizer_path = rel;
    }
    if (!st) st = fl_bytebuf_append(&w->sources, "", 0, err);
    if (st) {
        fl_dataset_writer_abort(w);
        return st;
    }
    *out = w;
    return FL_OK;
}

static fl_status next_shard(fl_dataset_writer *w, int s, fl_error *err) {
    if (w->nshards[s] == w->capshards[s]) {
        int cap = w->capshards[s] ? w->capshards[s] * 2 : 8;
        shard_info *n = realloc(w->shards[s], (size_t)cap * sizeof *n);
        if (!n) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
        w->shards[s] = n, w->capshards[s] = cap;
    }
    shard_info *si = &w->shards[s][w->nshards[s]];
    snprintf(si->file, sizeof si->file, "%s_%06d.bin", SPLIT[s], w->nshards[s]);
    si->tokens = 0;
    char *path = fl_outdir_path(&w->dir, si->file);
    fl_status st = path ? fl_shard_writer_open(&w->w[s], path, w->info.vocab_size, err)
                        : fl_fail(err, FL_ERR_NOMEM, "out of memory");
    free(path);
    if (st) return st;
    w->open[s] = 1;
    w->nshards[s]++;
    return FL_OK;
}

fl_status fl_dataset_writer_put_doc(fl_dataset_writer *w, int s, const int32_t *ids, size_t n, fl_error *err) {
    if (s != 0 && s != 1) return fl_fail(err, FL_ERR_ARG, "split %d is neither train (0) nor val (1)", s);
    w->docs[s]++, w->tokens[s] += n;
    while (n > 0) {
        fl_status st;
        if (w->open[s] && w->w[s].count >= w->max_tokens) {
            w->open[s] = 0;
            if ((st = fl_shard_writer_close(&w->w[s], err))) return st;
        }
        if (!w->open[s] && (st = next_shard(w, s, err))) return st;
        uint64_t room = w->max_tokens - w->w[s].count;
        size_t m = n < room ? n : (size_t)room;
        if ((st = fl_shard_writer_put(&w->w[s], ids, m, err))) return st;
        w->shards[s][w->nshards[s] - 1].tokens += m;
        ids += m, n -= m;
    }
    return FL_OK;
}

fl_status fl_dataset_writer_add_source(fl_dataset_writer *w, const char *path, uint64_t documents, uint64_t tokens,
                                       uint64_t val_documents, uint64_t val_tokens, fl_error *err) {
    fl_status st = w->nsources ? fl_bytebuf_append(&w->sources, ",\n", 2, err) : FL_OK;
    if (!st) st = jprintf(&w->sources, err, "    {\"path\": ");
    if (!st) st = jstr(&w->sources, path, err);
    if (!st)
        st = jprintf(&w->sources, err,
                     ", \"documents\": %llu, \"tokens\": %llu, \"val_documents\": %llu, \"val_tokens\": %llu}",
                     (unsigned long long)documents, (unsigned long long)tokens, (unsigned long long)val_documents,
                     (unsigned long long)val_tokens);
    w->nsources++;
    return st;
}

char *fl_dataset_writer_path(const fl_dataset_writer *w, const char *name) { return fl_outdir_path(&w->dir, name); }

fl_status fl_dataset_writer_put_file(fl_dataset_writer *w, const char *name, const void *data, size_t len,
                                     fl_error *err) {
    char *path = fl_outdir_path(&w->dir, name);
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st = fl_write_file_sync(path, data, len, err);
    free(path);
    return st;
}

void fl_dataset_writer_counts(const fl_dataset_writer *w, int s, uint64_t *documents, uint64_t *tokens, int *shards) {
    if (documents) *documents = w->docs[s];
    if (tokens) *tokens = w->tokens[s];
    if (shards) *shards = w->nshards[s];
}

fl_status fl_dataset_writer_finish(fl_dataset_writer *w, fl_error *err) {
    fl_status st = FL_OK;
    for (int s = 0; s < 2; s++)
        if (w->open[s]) {
            w->open[s] = 0;
            fl_status cs = fl_shard_writer_close(&w->w[s], err);
            if (!st) st = cs;
        }
    fl_bytebuf man = {0};
    int width = fl_shard_width(w->info.vocab_size);
    if (!st)
        st = jprintf(&man, err, "{\n  \"format\": \"futurelm-token-shards\",\n  \"version\": 1,\n  \"tokenizer\": {\"path\": ");
    if (!st) st = jstr(&man, w->tokenizer_path, err);
    if (!st && w->tokenizer_abs) { /* read back by fl_manifest_read: relative first, then absolute */
        st = jprintf(&man, err, ", \"relative_to\": \"manifest\", \"absolute\": ");
        if (!st) st = jstr(&man, w->tokenizer_abs, err);
    }
    if (!st)
        st = jprintf(&man, err,
                     ", \"sha256\": \"%s\", \"vocab_size\": %d, \"eot\": %d},\n  \"token_bytes\": %d,\n  \"magic\": %d,\n"
                     "  \"shard_version\": %d,\n  \"val_fraction\": %.9g,\n  \"seed\": %llu,\n  \"max_shard_tokens\": %llu,\n"
                     "  \"document_separator\": \"<|endoftext|> before every document\",\n  \"sources\": [\n",
                     w->sha256, w->info.vocab_size, w->info.eot, width,
                     width == 2 ? FL_SHARD_MAGIC16 : FL_SHARD_MAGIC32, width == 2 ? FL_SHARD_VERSION16 : FL_SHARD_VERSION32,
                     w->info.val_fraction, (unsigned long long)w->info.seed, (unsigned long long)w->max_tokens);
    if (!st) st = fl_bytebuf_append(&man, w->sources.data, w->sources.len, err);
    if (!st) st = jprintf(&man, err, "\n  ],\n  \"splits\": {\n");
    for (int s = 0; s < 2 && !st; s++) {
        st = jprintf(&man, err, "    \"%s\": {\"documents\": %llu, \"tokens\": %llu, \"shards\": [", SPLIT[s],
                     (unsigned long long)w->docs[s], (unsigned long long)w->tokens[s]);
        for (int k = 0; k < w->nshards[s] && !st; k++)
            st = jprintf(&man, err, "%s{\"file\": \"%s\", \"tokens\": %llu}", k ? ", " : "", w->shards[s][k].file,
                         (unsigned long long)w->shards[s][k].tokens);
        if (!st) st = jprintf(&man, err, "]}%s\n", s == 0 ? "," : "");
    }
    if (!st) st = jprintf(&man, err, "  }\n}\n");
    if (!st) st = fl_dataset_writer_put_file(w, "manifest.json", man.data, man.len, err);
    fl_bytebuf_free(&man);
    if (!st) st = fl_outdir_commit(&w->dir, err);
    fl_dataset_writer_abort(w); /* after a commit there is no temporary folder left to remove */
    return st;
}

void fl_dataset_writer_abort(fl_dataset_writer *w) {
    if (!w) return;
    for (int s = 0; s < 2; s++) {
        if (w->open[s]) fl_shard_writer_abort(&w->w[s]);
        free(w->shards[s]);
    }
    fl_outdir_abort(&w->dir);
    fl_bytebuf_free(&w->sources);
    free(w->tokenizer_path);
    free(w->tokenizer_abs);
    free(w->sha256);
    free(w);
}
