/* Reading DATA_DIR/manifest.json written by `futurelm prepare`: what a trainer needs
 * to check before loading shards (vocabulary size, <|endoftext|> id, tokenizer hash). */
#ifndef FL_DATA_MANIFEST_H
#define FL_DATA_MANIFEST_H
#include <stdint.h>

#include "futurelm.h"

typedef struct {
    int vocab_size;
    int eot;
    int token_bytes;       /* 2 (uint16 shards) or 4 (uint32) */
    char sha256[65];       /* of the tokenizer's rank file */
    char tokenizer[512];   /* path the data was prepared with (may be truncated) */
    uint64_t documents[2]; /* train, val */
    uint64_t tokens[2];
    uint64_t seed;
    double val_fraction;
} fl_manifest;

fl_status fl_manifest_read(const char *dir, fl_manifest *m, fl_error *err);

#endif
