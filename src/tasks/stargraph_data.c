/* The star-graph data folder (stargraph.h): train/val shards and manifest as
 * `futurelm train --data` reads them, the held-out test.txt, and its reader. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/manifest.h"
#include "tasks/stargraph.h"
#include "tokenizer/sha256.h"
#include "tokenizer/tokenizer.h"
#include "tasks/task.h"
#include "util/error.h"
#include "util/u64set.h"

/* An example's identity for held-out filtering: the question (start, goal) and
 * the edge set, whatever the edges' order. A sum of per-edge hashes is
 * order-free; a 64-bit collision only drops a training example, harmlessly. */
static uint64_t example_key(const fl_sg_example *ex) {
    uint64_t k = fl_mix64(((uint64_t)(uint32_t)ex->start << 32 | (uint32_t)ex->goal) ^ 0x5354415247524150ull);
    for (int i = 0; i < ex->n_edges; i++) k += fl_mix64((uint64_t)(uint32_t)ex->from[i] << 32 | (uint32_t)ex->to[i]);
    return k;
}

/* The vocabulary as text (its bytes are the tokenizer's identity in the manifest):
 * "id label" for the M labels, then the separators. malloc'd. */
static char *vocab_text(int M) {
    size_t len = (size_t)M * 13 + 128, at = 0;
    char *buf = malloc(len);
    if (!buf) return NULL;
    for (int i = 0; i < M; i++) at += (size_t)snprintf(buf + at, len - at, "%d %d\n", i, i);
    const char *sp[FL_SG_SPECIALS] = {",", "|", "/", "=", "<|endoftext|>"};
    for (int k = 0; k < FL_SG_SPECIALS; k++) at += (size_t)snprintf(buf + at, len - at, "%d %s\n", M + k, sp[k]);
    return buf;
}

/* test.txt: n_test distinct held-out examples, their keys into *test. */
static fl_status write_tests(const fl_sg_data_opts *o, fl_dataset_writer *w, fl_u64set *test, long *written,
                             fl_error *err) {
    fl_rng r;
    fl_rng_seed(&r, fl_mix64(o->data.seed ^ 0x7465737467726170ull));
    size_t cap = 4096;
    char *text = malloc(cap), line[FL_SG_MAX_EDGES * 14 + 256];
    size_t at = 0;
    if (!text) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    text[0] = 0;
    fl_status st = FL_OK;
    long misses = 0;
    fl_sg_example ex;
    while (!st && *written < o->data.n_test) {
        if ((st = fl_sg_generate(&r, &o->shape, &ex, err))) break;
        uint64_t key = example_key(&ex);
        if (fl_u64set_has(test, key)) {
            /* distinct held-out examples; a space too small for n_test ends here */
            if (++misses > 1000000)
                st = fl_fail(err, FL_ERR_ARG,
                             "only %ld distinct held-out examples found for --test %ld; ask for fewer or use more "
                             "--nodes",
                             *written, o->data.n_test);
            continue;
        }
        misses = 0;
        if ((st = fl_u64set_add(test, key, err))) break;
        fl_sg_format_line(&ex, line, sizeof line);
        size_t m = strlen(line) + 1;
        if (at + m + 1 > cap) {
            size_t nc = 2 * (at + m + 1);
            char *nt = realloc(text, nc);
            if (!nt) {
                st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
                break;
            }
            text = nt, cap = nc;
        }
        memcpy(text + at, line, m - 1);
        text[at + m - 1] = '\n', text[at + m] = 0;
        at += m;
        (*written)++;
    }
    if (!st) st = fl_dataset_writer_put_file(w, "test.txt", text, strlen(text), err);
    free(text);
    return st;
}

void fl_sg_data_opts_default(fl_sg_data_opts *o) {
    *o = (fl_sg_data_opts){{NULL, -1, 1000, 0.1, 1337}, {2, 5, 50}};
}

/* One training document for fl_task_write_examples: <|endoftext|> and the whole
 * line. Every document has the same length (fl_sg_example_tokens), so with
 * model.block_size a multiple of it every training window starts at an
 * <|endoftext|> and holds whole examples. */
static fl_status draw_example(const void *shape, fl_rng *rng, int32_t *ids, int cap, int *n, uint64_t *key,
                              fl_error *err) {
    fl_sg_example ex;
    fl_status st = fl_sg_generate(rng, shape, &ex, err);
    if (st) return st;
    const int M = ((const fl_sg_shape *)shape)->n_nodes;
    ids[0] = fl_sg_tok(M, FL_SG_EOT);
    int m = fl_sg_encode(&ex, M, 1, ids + 1, cap - 1);
    if (m < 0) return fl_fail(err, FL_ERR_ARG, "no room for a star-graph document");
    *n = 1 + m;
    *key = example_key(&ex);
    return FL_OK;
}

fl_status fl_sg_write_data(const fl_sg_data_opts *o, fl_task_data_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    fl_status st = fl_sg_shape_check(&o->shape, err);
    if (st) return st;
    if (o->data.n_train < 1) return fl_fail(err, FL_ERR_ARG, "--count %ld: at least one training example is needed", o->data.n_train);
    if (o->data.n_test < 0) return fl_fail(err, FL_ERR_ARG, "--test %ld must not be negative", o->data.n_test);
    int M = o->shape.n_nodes, D = o->shape.degree, L = o->shape.path_len;
    char *vocab = vocab_text(M);
    if (!vocab) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_sha256 sh;
    char hex[65];
    fl_sha256_init(&sh);
    fl_sha256_update(&sh, vocab, strlen(vocab));
    fl_sha256_hex(&sh, hex);
    fl_dataset_info info = {o->data.out_dir, "stargraph (built-in vocabulary, vocab.txt)", hex, fl_sg_vocab_size(M),
                            fl_sg_tok(M, FL_SG_EOT), o->data.val_fraction, o->data.seed, 0};
    fl_dataset_writer *w;
    if ((st = fl_dataset_writer_open(&info, &w, err))) {
        free(vocab);
        return st;
    }
    fl_u64set test = {0};
    st = write_tests(o, w, &test, &r->n_test, err);
    if (!st) st = fl_dataset_writer_put_file(w, "vocab.txt", vocab, strlen(vocab), err);
    free(vocab);
    r->example_tokens = fl_sg_example_tokens(D, L);
    if (!st) {
        char meta[512];
        snprintf(meta, sizeof meta,
                 "{\"task\": \"stargraph\", \"degree\": %d, \"path_len\": %d, \"nodes\": %d, \"vocab_size\": %d, "
                 "\"example_tokens\": %d, \"train_count\": %ld, \"test\": %ld, \"seed\": %llu}\n",
                 D, L, M, fl_sg_vocab_size(M), r->example_tokens, o->data.n_train, o->data.n_test,
                 (unsigned long long)o->data.seed);
        st = fl_dataset_writer_put_file(w, "stargraph.json", meta, strlen(meta), err);
    }
    /* Independent streams from one seed (held-out, training, the train/val draw),
     * so the held-out set does not depend on --count. */
    fl_rng rtrain, rsplit;
    fl_rng_seed(&rtrain, fl_mix64(o->data.seed ^ 0x747261696e677261ull));
    fl_rng_seed(&rsplit, o->data.seed);
    if (!st)
        st = fl_task_write_examples(w, &o->data, &rtrain, &rsplit, &test, draw_example, &o->shape,
                                    "examples", err);
    return fl_task_data_finish(w, "stargraph generator", st, &test, &r->counts, err);
}

/* One line of test.txt: a graph and its reference path, which must pass. */
static fl_status parse_example_line(const char *line, void *item, const void *ctx, fl_error *err) {
    fl_sg_example *ex = item;
    fl_status st = fl_sg_parse_line(line, *(const int *)ctx, ex, err);
    if (st) return st;
    char why[200];
    if (fl_sg_check(ex, ex->path, ex->path_len, why, sizeof why) != FL_SG_PASS)
        return fl_fail(err, FL_ERR_FORMAT, "its reference path fails: %s", why);
    return FL_OK;
}

fl_status fl_sg_read_file(const char *path, int n_nodes, fl_sg_example **out, long *n, fl_error *err) {
    return fl_task_read_lines(path, sizeof **out, parse_example_line, &n_nodes, "star-graph examples", (void **)out,
                              n, err);
}
