/* `futurelm prepare`: text -> train/val token shards plus manifest.json.
 *
 * Each document (a text file, or one JSONL line's "text") is encoded as
 * <|endoftext|> followed by its tokens (llm.c's convention: the separator opens
 * every document). A document goes to val when a draw from fl_rng(seed) is below
 * val_fraction, one draw per document in input order, so the split is by
 * document and reproducible. Shards hold at most max_shard_tokens tokens.
 * Everything is written into OUT.tmp.PID and renamed to OUT at the end: a
 * failure leaves no partial output under OUT. */
#ifndef FL_DATA_PREPARE_H
#define FL_DATA_PREPARE_H
#include <stdint.h>

#include "futurelm.h"

typedef struct {
    const char *tokenizer_path;
    char *const *inputs;
    int n_inputs;
    const char *out_dir;
    double val_fraction;
    uint64_t seed;
    uint64_t max_shard_tokens; /* 0: FL_SHARD_MAX_TOKENS */
} fl_prepare_opts;

typedef struct {
    uint64_t documents[2]; /* train, val */
    uint64_t tokens[2];
    int shards[2];
    int files;
} fl_prepare_result;

/* val_fraction 0.1, seed 1337, shards of FL_SHARD_MAX_TOKENS; no paths. */
void fl_prepare_opts_default(fl_prepare_opts *o);
fl_status fl_prepare(const fl_prepare_opts *o, fl_prepare_result *res, fl_error *err);

#endif
