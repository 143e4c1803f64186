/* The draft shortlist for speculative decoding: the most frequent tokens of a
 * run's training data. Drafts outside it are impossible, so the better it
 * covers what the model writes, the more drafts survive verification. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/shard.h"
#include "futurelm.h"
#include "util/error.h"

typedef struct {
    uint64_t count;
    int32_t id;
} counted;

static int by_count_desc(const void *a, const void *b) {
    const counted *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

fl_status fl_draft_vocab_from_data(const char *data_dir, int vocab_size, int n, long max_tokens, int32_t *ids,
                                   fl_error *err) {
    if (n < 1 || n > vocab_size) return fl_fail(err, FL_ERR_ARG, "draft vocabulary of %d tokens: need 1..%d", n, vocab_size);
    char **names = NULL; /* in shard order, so a token cap reads a fixed prefix */
    int nn = 0;
    fl_status st = fl_shard_list(data_dir, "train", &names, &nn, err);
    if (st) return st;
    counted *c = calloc((size_t)vocab_size, sizeof *c);
    if (!c) st = fl_fail(err, FL_ERR_NOMEM, "out of memory counting tokens");
    if (!st && nn == 0) st = fl_fail(err, FL_ERR_IO, "no train_*.bin shards in '%s' to rank tokens", data_dir);
    uint64_t seen = 0;
    for (int i = 0; i < nn && !st && (max_tokens <= 0 || seen < (uint64_t)max_tokens); i++) {
        fl_shard sh;
        if ((st = fl_shard_open(names[i], vocab_size, &sh, err))) break;
        for (uint64_t t = 0; t < sh.n && (max_tokens <= 0 || seen < (uint64_t)max_tokens); t++, seen++)
            c[fl_shard_get(&sh, t)].count++;
        fl_shard_close(&sh);
    }
    if (!st) {
        for (int v = 0; v < vocab_size; v++) c[v].id = v;
        qsort(c, (size_t)vocab_size, sizeof *c, by_count_desc);
        for (int i = 0; i < n; i++) ids[i] = c[i].id;
    }
    fl_shard_list_free(names, nn);
    free(c);
    return st;
}
