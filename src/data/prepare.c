#include "data/prepare.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/inputs.h"
#include "data/shard.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/rng.h"

static const char *SPLIT[2] = {"train", "val"};

typedef struct {
    char file[32];
    uint64_t tokens;
} shard_info;

typedef struct {
    const fl_prepare_opts *o;
    const fl_tokenizer *tok;
    const char *tmpdir;
    uint64_t max_tokens;
    fl_rng rng;
    fl_tokvec ids;
    fl_shard_writer w[2];
    int open[2];
    shard_info *shards[2];
    int nshards[2], capshards[2];
    uint64_t docs[2], tokens[2];
    uint64_t src_docs[2], src_tokens[2]; /* current source */
} prep;

static fl_status next_shard(prep *p, int s, fl_error *err) {
    if (p->nshards[s] == p->capshards[s]) {
        int cap = p->capshards[s] ? p->capshards[s] * 2 : 8;
        shard_info *n = realloc(p->shards[s], (size_t)cap * sizeof *n);
        if (!n) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
        p->shards[s] = n, p->capshards[s] = cap;
    }
    shard_info *si = &p->shards[s][p->nshards[s]];
    snprintf(si->file, sizeof si->file, "%s_%06d.bin", SPLIT[s], p->nshards[s]);
    si->tokens = 0;
    size_t n = strlen(p->tmpdir) + sizeof si->file + 2;
    char *path = malloc(n);
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    snprintf(path, n, "%s/%s", p->tmpdir, si->file);
    fl_status st = fl_shard_writer_open(&p->w[s], path, fl_tokenizer_vocab_size(p->tok), err);
    free(path);
    if (st) return st;
    p->open[s] = 1;
    p->nshards[s]++;
    return FL_OK;
}

static fl_status put_tokens(prep *p, int s, const int32_t *ids, size_t n, fl_error *err) {
    while (n > 0) {
        fl_status st;
        if (p->open[s] && p->w[s].count >= p->max_tokens) {
            p->open[s] = 0;
            if ((st = fl_shard_writer_close(&p->w[s], err))) return st;
        }
        if (!p->open[s] && (st = next_shard(p, s, err))) return st;
        uint64_t room = p->max_tokens - p->w[s].count;
        size_t m = n < room ? n : (size_t)room;
        if ((st = fl_shard_writer_put(&p->w[s], ids, m, err))) return st;
        p->shards[s][p->nshards[s] - 1].tokens += m;
        ids += m, n -= m;
    }
    return FL_OK;
}

static fl_status on_doc(const char *doc, size_t len, void *user, fl_error *err) {
    prep *p = user;
    int s = fl_rng_uniform(&p->rng) < p->o->val_fraction ? 1 : 0;
    p->ids.len = 0;
    fl_status st = fl_tokvec_push(&p->ids, fl_tokenizer_eot(p->tok), err);
    if (!st) st = fl_tokenizer_encode(p->tok, doc, len, 0, &p->ids, err);
    if (!st) st = put_tokens(p, s, p->ids.data, p->ids.len, err);
    if (st) return st;
    p->docs[s]++, p->tokens[s] += p->ids.len;
    p->src_docs[s]++, p->src_tokens[s] += p->ids.len;
    return FL_OK;
}

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
#include <stdarg.h>
static fl_status jprintf(fl_bytebuf *b, fl_error *err, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) return fl_fail(err, FL_ERR_ARG, "manifest line too long");
    return fl_bytebuf_append(b, buf, (size_t)n, err);
}

static fl_status write_file_sync(const char *path, const void *data, size_t len, fl_error *err) {
    FILE *f = fopen(path, "wb");
    if (!f) return fl_fail(err, FL_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    int ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    if (!ok) return fl_fail(err, FL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    return FL_OK;
}

/* Remove the temporary directory and everything prepare put in it. */
static void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            size_t n = strlen(dir) + strlen(e->d_name) + 2;
            char *p = malloc(n);
            if (p) {
                snprintf(p, n, "%s/%s", dir, e->d_name);
                remove(p);
                free(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

static int dir_is_empty(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int empty = 1;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(d);
    return empty;
}

fl_status fl_prepare(const fl_prepare_opts *o, fl_prepare_result *res, fl_error *err) {
    memset(res, 0, sizeof *res);
    if (!(o->val_fraction >= 0 && o->val_fraction < 1))
        return fl_fail(err, FL_ERR_ARG, "--val-fraction %g must be in [0, 1)", o->val_fraction);
    struct stat sb;
    int out_exists = stat(o->out_dir, &sb) == 0;
    if (out_exists && !(S_ISDIR(sb.st_mode) && dir_is_empty(o->out_dir)))
        return fl_fail(err, FL_ERR_IO, "output '%s' already exists and is not an empty folder; remove it or choose another --out",
                       o->out_dir);
    fl_tokenizer *tok = NULL;
    fl_status st = fl_tokenizer_load(o->tokenizer_path, &tok, err);
    if (st) return st;
    if (fl_tokenizer_eot(tok) < 0) {
        fl_tokenizer_free(tok);
        return fl_fail(err, FL_ERR_FORMAT, "tokenizer '%s' has no <|endoftext|> token to separate documents",
                       o->tokenizer_path);
    }
    fl_input_list list;
    if ((st = fl_inputs_collect(o->inputs, o->n_inputs, &list, err))) {
        fl_tokenizer_free(tok);
        return st;
    }
    size_t tl = strlen(o->out_dir) + 32;
    char *tmpdir = malloc(tl);
    fl_bytebuf man = {0}, srcs = {0};
    prep p;
    memset(&p, 0, sizeof p);
    p.o = o, p.tok = tok, p.tmpdir = tmpdir;
    p.max_tokens = o->max_shard_tokens ? o->max_shard_tokens : FL_SHARD_MAX_TOKENS;
    if (p.max_tokens > FL_SHARD_MAX_TOKENS) p.max_tokens = FL_SHARD_MAX_TOKENS;
    fl_rng_seed(&p.rng, o->seed);
    int made_tmp = 0;
    if (!tmpdir) {
        st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(tmpdir, tl, "%s.tmp.%ld", o->out_dir, (long)getpid());
    remove_tree(tmpdir); /* a leftover of an earlier crashed run with the same pid */
    if (mkdir(tmpdir, 0777) != 0) {
        st = fl_fail(err, FL_ERR_IO, "cannot create '%s': %s", tmpdir, strerror(errno));
        goto done;
    }
    made_tmp = 1;
    if ((st = fl_bytebuf_append(&srcs, "", 0, err))) goto done;
    for (size_t i = 0; i < list.n && !st; i++) {
        size_t nd;
        p.src_docs[0] = p.src_docs[1] = p.src_tokens[0] = p.src_tokens[1] = 0;
        st = fl_inputs_read_docs(&list.files[i], on_doc, &p, &nd, err);
        if (st) break;
        if (i) st = fl_bytebuf_append(&srcs, ",\n", 2, err);
        if (!st) st = jprintf(&srcs, err, "    {\"path\": ");
        if (!st) st = jstr(&srcs, list.files[i].path, err);
        if (!st)
            st = jprintf(&srcs, err, ", \"documents\": %llu, \"tokens\": %llu, \"val_documents\": %llu, \"val_tokens\": %llu}",
                         (unsigned long long)(p.src_docs[0] + p.src_docs[1]),
                         (unsigned long long)(p.src_tokens[0] + p.src_tokens[1]), (unsigned long long)p.src_docs[1],
                         (unsigned long long)p.src_tokens[1]);
    }
    if (!st && p.docs[0] + p.docs[1] == 0)
        st = fl_fail(err, FL_ERR_FORMAT, "the inputs hold no text (every file is empty)");
    for (int s = 0; s < 2; s++)
        if (p.open[s]) {
            p.open[s] = 0;
            fl_status cs = fl_shard_writer_close(&p.w[s], err);
            if (!st) st = cs;
        }
    if (st) goto done;
    /* manifest */
    st = jprintf(&man, err, "{\n  \"format\": \"futurelm-token-shards\",\n  \"version\": 1,\n  \"tokenizer\": {\"path\": ");
    if (!st) st = jstr(&man, o->tokenizer_path, err);
    if (!st)
        st = jprintf(&man, err,
                     ", \"sha256\": \"%s\", \"vocab_size\": %d, \"eot\": %d},\n  \"token_bytes\": %d,\n  \"magic\": %d,\n"
                     "  \"shard_version\": %d,\n  \"val_fraction\": %.9g,\n  \"seed\": %llu,\n  \"max_shard_tokens\": %llu,\n"
                     "  \"document_separator\": \"<|endoftext|> before every document\",\n  \"sources\": [\n",
                     fl_tokenizer_sha256(tok), fl_tokenizer_vocab_size(tok), fl_tokenizer_eot(tok),
                     fl_shard_width(fl_tokenizer_vocab_size(tok)),
                     fl_shard_width(fl_tokenizer_vocab_size(tok)) == 2 ? FL_SHARD_MAGIC16 : FL_SHARD_MAGIC32,
                     fl_shard_width(fl_tokenizer_vocab_size(tok)) == 2 ? FL_SHARD_VERSION16 : FL_SHARD_VERSION32,
                     o->val_fraction, (unsigned long long)o->seed, (unsigned long long)p.max_tokens);
    if (!st) st = fl_bytebuf_append(&man, srcs.data, srcs.len, err);
    if (!st) st = jprintf(&man, err, "\n  ],\n  \"splits\": {\n");
    for (int s = 0; s < 2 && !st; s++) {
        st = jprintf(&man, err, "    \"%s\": {\"documents\": %llu, \"tokens\": %llu, \"shards\": [", SPLIT[s],
                     (unsigned long long)p.docs[s], (unsigned long long)p.tokens[s]);
        for (int k = 0; k < p.nshards[s] && !st; k++)
            st = jprintf(&man, err, "%s{\"file\": \"%s\", \"tokens\": %llu}", k ? ", " : "", p.shards[s][k].file,
                         (unsigned long long)p.shards[s][k].tokens);
        if (!st) st = jprintf(&man, err, "]}%s\n", s == 0 ? "," : "");
    }
    if (!st) st = jprintf(&man, err, "  }\n}\n");
    if (!st) {
        size_t n = strlen(tmpdir) + 32;
        char *mp = malloc(n);
        if (!mp) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
        else {
            snprintf(mp, n, "%s/manifest.json", tmpdir);
            st = write_file_sync(mp, man.data, man.len, err);
            free(mp);
        }
    }
    if (!st && out_exists && rmdir(o->out_dir) != 0)
        st = fl_fail(err, FL_ERR_IO, "cannot replace the empty folder '%s': %s", o->out_dir, strerror(errno));
    if (!st && rename(tmpdir, o->out_dir) != 0)
        st = fl_fail(err, FL_ERR_IO, "cannot rename '%s' to '%s': %s", tmpdir, o->out_dir, strerror(errno));
    if (!st) {
        made_tmp = 0;
        for (int s = 0; s < 2; s++) {
            res->documents[s] = p.docs[s];
            res->tokens[s] = p.tokens[s];
            res->shards[s] = p.nshards[s];
        }
        res->files = (int)list.n;
    }
done:
    for (int s = 0; s < 2; s++) {
        if (p.open[s]) fl_shard_writer_abort(&p.w[s]);
        free(p.shards[s]);
    }
    if (made_tmp) remove_tree(tmpdir);
    free(tmpdir);
    fl_tokvec_free(&p.ids);
    fl_bytebuf_free(&man);
    fl_bytebuf_free(&srcs);
    fl_inputs_free(&list);
    fl_tokenizer_free(tok);
    return st;
}
