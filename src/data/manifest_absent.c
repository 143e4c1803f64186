/* A data folder without manifest.json: llm.c's shards as they are
 * (fl_manifest_describe in manifest.h). The manifest is what normally tells a
 * trainer the vocabulary; without it the user names the vocabulary, and every
 * id of both splits is checked against it before training starts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/manifest.h"
#include "data/shard.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/fs.h"

/* Opens (and so checks: header, size, every id) each shard of a split; the
 * widest token width seen is the folder's. */
static fl_status check_split(const char *dir, const char *split, int vocab_size, int *width, uint64_t *tokens,
                             fl_error *err) {
    char **paths;
    int n;
    fl_status st = fl_shard_list(dir, split, &paths, &n, err);
    if (st) return st;
    if (n == 0)
        st = fl_fail(err, FL_ERR_IO,
                     "'%s' has no manifest.json and no %s shard (a file named like '%s_*.bin' or '*_%s*.bin', "
                     "e.g. tiny_shakespeare_%s.bin)",
                     dir, split, split, split, split);
    for (int i = 0; i < n && !st; i++) {
        fl_shard sh;
        if ((st = fl_shard_open(paths[i], vocab_size, &sh, err))) break;
        if (sh.width > *width) *width = sh.width;
        *tokens += sh.n;
        fl_shard_close(&sh);
    }
    fl_shard_list_free(paths, n);
    return st;
}

/* The vocabulary of a tokenizer file: size, <|endoftext|> id, hash, path. */
static fl_status from_tokenizer(const char *path, fl_manifest *m, fl_error *err) {
    fl_tokenizer *tok;
    fl_status st = fl_tokenizer_load(path, &tok, err);
    if (st) return st;
    m->vocab_size = fl_tokenizer_vocab_size(tok);
    m->eot = fl_tokenizer_eot(tok);
    memcpy(m->sha256, fl_tokenizer_sha256(tok), 65);
    snprintf(m->tokenizer, sizeof m->tokenizer, "%s", path);
    fl_tokenizer_free(tok);
    return FL_OK;
}

fl_status fl_manifest_describe(const char *dir, int vocab_size, const char *tokenizer_path, fl_manifest *m,
                               fl_error *err) {
    struct stat sb;
    int found = stat(dir, &sb) == 0;
    if (!found || !S_ISDIR(sb.st_mode))
        return fl_fail(err, FL_ERR_IO, "cannot open data folder '%s': %s; run futurelm prepare first", dir,
                       found ? "not a folder" : strerror(errno));
    char *path = fl_path_join(dir, "manifest.json");
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    int present = stat(path, &sb) == 0 || errno != ENOENT; /* any other failure is read (and worded) below */
    free(path);
    if (present) {
        fl_status st = fl_manifest_read(dir, m, err);
        fl_manifest t;
        /* --tokenizer is for folders without a manifest; with one it must be the manifest's */
        if (!st && tokenizer_path && !(st = from_tokenizer(tokenizer_path, &t, err)) && m->sha256[0] &&
            strcmp(t.sha256, m->sha256))
            st = fl_fail(err, FL_ERR_CONFIG,
                         "--tokenizer %s is not the tokenizer %s/manifest.json records (%s, sha256 %.12s...); "
                         "leave --tokenizer out",
                         tokenizer_path, dir, m->tokenizer, m->sha256);
        return st;
    }
    memset(m, 0, sizeof *m);
    m->absent = 1;
    m->eot = -1;
    fl_status st = FL_OK;
    if (tokenizer_path) {
        st = from_tokenizer(tokenizer_path, m, err);
        if (!st && vocab_size > 0 && vocab_size < m->vocab_size)
            st = fl_fail(err, FL_ERR_CONFIG,
                         "model.vocab_size=%d is smaller than the vocabulary of tokenizer '%s' (%d tokens)",
                         vocab_size, tokenizer_path, m->vocab_size);
    } else if (vocab_size > 0) {
        m->vocab_size = vocab_size;
    } else {
        st = fl_fail(err, FL_ERR_CONFIG,
                     "'%s' has no manifest.json (llm.c's shards?), so the vocabulary is unknown: set "
                     "model.vocab_size=N (e.g. --set model.vocab_size=50257 for GPT-2's ids) or give --tokenizer",
                     dir);
    }
    if (st) return st;
    /* ids are checked against the model's vocabulary when one was set, else the tokenizer's */
    int limit = vocab_size > 0 ? vocab_size : m->vocab_size;
    int width = 0;
    if (!(st = check_split(dir, "train", limit, &width, &m->tokens[0], err)))
        st = check_split(dir, "val", limit, &width, &m->tokens[1], err);
    m->token_bytes = width;
    return st;
}
