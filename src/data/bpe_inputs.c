/* Training a BPE vocabulary from input paths (bpe_inputs.h). */
#include "data/bpe_inputs.h"

#include <string.h>

#include "data/inputs.h"
#include "tokenizer/train.h"
#include "util/error.h"

typedef struct {
    fl_bpe_trainer *tr;
    size_t bytes;
} feed_ctx;

static fl_status feed_doc(const char *doc, size_t len, void *user, fl_error *err) {
    feed_ctx *c = user;
    c->bytes += len;
    return fl_bpe_trainer_feed(c->tr, doc, len, err);
}

fl_status fl_bpe_train_inputs(char *const *paths, int n, int vocab_size, const char *out_path,
                              fl_bpe_inputs_report *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    fl_input_list list;
    fl_status st = fl_inputs_collect(paths, n, &list, err);
    if (st) return st;
    feed_ctx c = {0};
    double t0 = fl_wall_seconds();
    if ((st = fl_bpe_trainer_create(&c.tr, err))) {
        fl_inputs_free(&list);
        return st;
    }
    for (size_t i = 0; i < list.n && !st; i++) {
        size_t nd = 0;
        st = fl_inputs_read_docs(&list.files[i], feed_doc, &c, &nd, err);
        r->documents += nd;
    }
    if (!st && r->documents == 0) st = fl_fail(err, FL_ERR_ARG, "the inputs hold no text (every file is empty)");
    double t1 = fl_wall_seconds();
    if (!st) st = fl_bpe_trainer_train(c.tr, vocab_size, err);
    double t2 = fl_wall_seconds();
    if (!st) st = fl_bpe_trainer_write(c.tr, out_path, err);
    if (!st) {
        r->chunks = fl_bpe_trainer_n_chunks(c.tr, &r->distinct);
        r->tokens = fl_bpe_trainer_n_tokens(c.tr);
        r->files = list.n;
        r->bytes = c.bytes;
        r->count_seconds = t1 - t0;
        r->merge_seconds = t2 - t1;
    }
    fl_bpe_trainer_free(c.tr);
    fl_inputs_free(&list);
    return st;
}
