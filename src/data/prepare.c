#include "data/prepare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/inputs.h"
#include "data/manifest.h"
#include "data/shard.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/rng.h"

typedef struct {
    const fl_prepare_opts *o;
    const fl_tokenizer *tok;
    fl_dataset_writer *w;
    fl_rng rng;
    fl_tokvec ids;
    uint64_t src_docs[2], src_tokens[2]; /* current source */
} prep;

static fl_status on_doc(const char *doc, size_t len, void *user, fl_error *err) {
    prep *p = user;
    int s = fl_rng_uniform(&p->rng) < p->o->val_fraction ? 1 : 0;
    p->ids.len = 0;
    fl_status st = fl_tokvec_push(&p->ids, fl_tokenizer_eot(p->tok), err);
    if (!st) st = fl_tokenizer_encode(p->tok, doc, len, 0, &p->ids, err);
    if (!st) st = fl_dataset_writer_put_doc(p->w, s, p->ids.data, p->ids.len, err);
    if (st) return st;
    p->src_docs[s]++, p->src_tokens[s] += p->ids.len;
    return FL_OK;
}

void fl_prepare_opts_default(fl_prepare_opts *o) {
    memset(o, 0, sizeof *o);
    o->val_fraction = 0.1;
    o->seed = 1337;
    o->max_shard_tokens = FL_SHARD_MAX_TOKENS;
}

fl_status fl_prepare(const fl_prepare_opts *o, fl_prepare_result *res, fl_error *err) {
    memset(res, 0, sizeof *res);
    if (!(o->val_fraction >= 0 && o->val_fraction < 1))
        return fl_fail(err, FL_ERR_ARG, "--val-fraction %g must be in [0, 1)", o->val_fraction);
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
    prep p;
    memset(&p, 0, sizeof p);
    p.o = o, p.tok = tok;
    fl_rng_seed(&p.rng, o->seed);
    fl_dataset_info info = {o->out_dir,      o->tokenizer_path, fl_tokenizer_sha256(tok), fl_tokenizer_vocab_size(tok),
                            fl_tokenizer_eot(tok), o->val_fraction, o->seed,               o->max_shard_tokens};
    st = fl_dataset_writer_open(&info, &p.w, err);
    for (size_t i = 0; i < list.n && !st; i++) {
        size_t nd;
        p.src_docs[0] = p.src_docs[1] = p.src_tokens[0] = p.src_tokens[1] = 0;
        st = fl_inputs_read_docs(&list.files[i], on_doc, &p, &nd, err);
        if (!st)
            st = fl_dataset_writer_add_source(p.w, list.files[i].path, p.src_docs[0] + p.src_docs[1],
                                              p.src_tokens[0] + p.src_tokens[1], p.src_docs[1], p.src_tokens[1], err);
    }
    if (!st) {
        uint64_t d0, d1;
        fl_dataset_writer_counts(p.w, 0, &d0, NULL, NULL);
        fl_dataset_writer_counts(p.w, 1, &d1, NULL, NULL);
        if (d0 + d1 == 0) st = fl_fail(err, FL_ERR_FORMAT, "the inputs hold no text (every file is empty)");
    }
    if (!st) {
        for (int s = 0; s < 2; s++)
            fl_dataset_writer_counts(p.w, s, &res->documents[s], &res->tokens[s], &res->shards[s]);
        res->files = (int)list.n;
        st = fl_dataset_writer_finish(p.w, err);
        p.w = NULL;
        if (st) memset(res, 0, sizeof *res);
    }
    fl_dataset_writer_abort(p.w);
    fl_tokvec_free(&p.ids);
    fl_inputs_free(&list);
    fl_tokenizer_free(tok);
    return st;
}
