/* The task objects and their lookup. Countdown's text is words separated by
 * spaces (tasks/countdown.h); a task is recognised by the tokenizer identity
 * its data manifest recorded, which state.json copies. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/countdown.h"
#include "tasks/task.h"

#include "data/manifest.h"
#include "util/error.h"

/* The longest countdown text one call encodes: far above any spec or program
 * (FL_CD_MAX_TOKENS), and what `generate --prompt` accepted before. */
#define CD_MAX_TEXT_TOKENS 4096

static fl_status cd_encode(const char *text, size_t len, fl_tokvec *ids, fl_error *err) {
    (void)len; /* fl_cd_tokenize reads to the NUL, as every caller's text ends */
    int32_t buf[CD_MAX_TEXT_TOKENS];
    int n = 0;
    fl_status st = fl_cd_tokenize(text, buf, CD_MAX_TEXT_TOKENS, &n, err);
    for (int i = 0; i < n && !st; i++) st = fl_tokvec_push(ids, buf[i], err);
    return st;
}

static fl_status cd_decode(const int32_t *ids, size_t n, int lead, fl_bytebuf *out, fl_error *err) {
    fl_status st = FL_OK;
    for (size_t i = 0; i < n && !st; i++) {
        const char *w = fl_cd_token_text(ids[i]);
        if (i > 0 || lead) st = fl_bytebuf_append(out, " ", 1, err);
        if (!st) st = fl_bytebuf_append(out, w, strlen(w), err);
    }
    return st;
}

static const fl_task TASKS[] = {
    {"countdown", FL_CD_TOKENIZER_ID, FL_CD_VOCAB, FL_CD_EOT, fl_cd_vocab_sha256, cd_encode, cd_decode},
};
#define N_TASKS (sizeof TASKS / sizeof TASKS[0])

const fl_task *fl_task_find(const char *name) {
    for (size_t i = 0; name && i < N_TASKS; i++)
        if (!strcmp(TASKS[i].name, name)) return &TASKS[i];
    return NULL;
}

const fl_task *fl_task_for_tokenizer(const char *path, const char *sha256) {
    for (size_t i = 0; i < N_TASKS; i++) {
        if (sha256 && sha256[0]) {
            char hex[65];
            TASKS[i].vocab_sha256(hex);
            if (!strcmp(hex, sha256)) return &TASKS[i];
        } else if (path && !strcmp(path, TASKS[i].identity)) {
            return &TASKS[i];
        }
    }
    return NULL;
}

fl_status fl_task_data_finish(fl_dataset_writer *w, const char *source, fl_status st, fl_u64set *held_out,
                              fl_task_counts *c, fl_error *err) {
    fl_u64set_free(held_out);
    *c = (fl_task_counts){0};
    uint64_t d[2] = {0, 0}, t[2] = {0, 0};
    if (!st) {
        fl_dataset_writer_counts(w, 0, &d[0], &t[0], NULL);
        fl_dataset_writer_counts(w, 1, &d[1], &t[1], NULL);
        st = fl_dataset_writer_add_source(w, source, d[0] + d[1], t[0] + t[1], d[1], t[1], err);
    }
    if (st) {
        fl_dataset_writer_abort(w);
        return st;
    }
    st = fl_dataset_writer_finish(w, err);
    if (!st) *c = (fl_task_counts){(long)d[0], (long)d[1], t[0], t[1]};
    return st;
}

fl_status fl_task_read_lines(const char *path, size_t item_size, fl_task_line_fn parse, const void *ctx,
                             const char *what, void **out, long *n, fl_error *err) {
    *out = NULL, *n = 0;
    char *text;
    size_t len;
    fl_status st = fl_read_file(path, &text, &len, err);
    if (st) return st;
    if (memchr(text, 0, len)) {
        free(text);
        return fl_fail(err, FL_ERR_FORMAT, "%s holds a NUL byte: not a file of %s", path, what);
    }
    unsigned char *v = NULL;
    long cap = 0, cnt = 0, lineno = 0;
    for (char *p = text; !st && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        lineno++;
        size_t m = strlen(p);
        if (m && p[m - 1] == '\r') p[--m] = 0;
        int blank = 1;
        for (const char *q = p; *q; q++) blank &= isspace((unsigned char)*q) != 0;
        if (!blank && cnt == cap) {
            long nc = cap ? 2 * cap : 256;
            unsigned char *nv = realloc(v, (size_t)nc * item_size);
            if (!nv) st = fl_fail(err, FL_ERR_NOMEM, "out of memory reading %s", path);
            else v = nv, cap = nc;
        }
        if (!blank && !st) {
            fl_error e = {0};
            if (parse(p, v + (size_t)cnt * item_size, ctx, &e))
                st = fl_fail(err, FL_ERR_FORMAT, "%s line %ld%s%s", path, lineno,
                             strncmp(e.msg, "column ", 7) ? ": " : ", ", e.msg);
            else cnt++;
        }
        if (!nl) break;
        p = nl + 1;
    }
    free(text);
    if (!st && cnt == 0) st = fl_fail(err, FL_ERR_FORMAT, "%s holds no %s", path, what);
    if (st) {
        free(v);
        return st;
    }
    *out = v, *n = cnt;
    return FL_OK;
}

fl_status fl_task_write_examples(fl_dataset_writer *w, const fl_task_data_opts *o, fl_rng *rdraw, fl_rng *rsplit,
                                 const fl_u64set *held_out, fl_task_draw_fn draw, const void *ctx, const char *what,
                                 fl_error *err) {
    int32_t ids[4096]; /* above any task document (a star graph of 16 arms of 24 nodes: 1,525) */
    fl_status st = FL_OK;
    long misses = 0;
    for (long i = 0; !st && i < o->n_train;) {
        int len = 0;
        uint64_t key = 0;
        if ((st = draw(ctx, rdraw, ids, (int)(sizeof ids / sizeof ids[0]), &len, &key, err))) break;
        if (fl_u64set_has(held_out, key)) {
            if (++misses > 1000000)
                st = fl_fail(err, FL_ERR_ARG, "the held-out %s leave no room for training ones; use a smaller --test",
                             what);
            continue;
        }
        misses = 0;
        int split = fl_rng_uniform(rsplit) < o->val_fraction ? 1 : 0;
        st = fl_dataset_writer_put_doc(w, split, ids, (size_t)len, err);
        i++;
    }
    return st;
}
