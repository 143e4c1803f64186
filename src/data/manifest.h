/* DATA_DIR/manifest.json: reading it (what a trainer needs to check before loading
 * shards: vocabulary size, <|endoftext|> id, tokenizer hash) and writing a whole
 * data folder (train/val shards + manifest), shared by `futurelm prepare` and
 * `futurelm countdown generate` so both produce exactly what `train --data` reads. */
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
    int absent;            /* 1: the folder had no manifest.json (llm.c's shards as they are) */
} fl_manifest;

fl_status fl_manifest_read(const char *dir, fl_manifest *m, fl_error *err);

/* What a trainer knows of DIR: its manifest.json when there is one; otherwise
 * (llm.c's shards as they are, m->absent = 1) the vocabulary of the tokenizer
 * at TOKENIZER_PATH (its size, <|endoftext|> id and hash) or, with none given,
 * VOCAB_SIZE (> 0; eot -1). Without a manifest both splits must have shards
 * and every id of every shard is checked here, so a bad val shard is an error
 * naming it rather than evaluation silently off. */
fl_status fl_manifest_describe(const char *dir, int vocab_size, const char *tokenizer_path, fl_manifest *m,
                               fl_error *err);

/* ---- writing a data folder.
 * Token streams go to DIR.tmp.PID/{train,val}_NNNNNN.bin (a new shard every
 * max_shard_tokens tokens); finish() writes manifest.json and renames the folder
 * to DIR, so a failure never leaves a partial DIR. */
typedef struct {
    const char *out_dir;
    const char *tokenizer_path;   /* recorded in the manifest */
    const char *tokenizer_sha256; /* 64 hex digits */
    int vocab_size;
    int eot;
    double val_fraction;
    uint64_t seed;
    uint64_t max_shard_tokens; /* 0: FL_SHARD_MAX_TOKENS */
} fl_dataset_info;

typedef struct fl_dataset_writer fl_dataset_writer;

fl_status fl_dataset_writer_open(const fl_dataset_info *info, fl_dataset_writer **out, fl_error *err);
/* One document's tokens (its separator included) into split 0 (train) or 1 (val). */
fl_status fl_dataset_writer_put_doc(fl_dataset_writer *w, int split, const int32_t *ids, size_t n, fl_error *err);
/* A "sources" entry of the manifest: where documents came from and how many went to val. */
fl_status fl_dataset_writer_add_source(fl_dataset_writer *w, const char *path, uint64_t documents, uint64_t tokens,
                                       uint64_t val_documents, uint64_t val_tokens, fl_error *err);
/* Path of an extra file to write into the folder before finish() (e.g. held-out specs). */
/* The path of NAME inside the folder being written (malloc'd; NULL when out of memory). */
char *fl_dataset_writer_path(const fl_dataset_writer *w, const char *name);
/* Writes data[0..len) as the file NAME inside the folder being written (flushed and fsync'd). */
fl_status fl_dataset_writer_put_file(fl_dataset_writer *w, const char *name, const void *data, size_t len,
                                     fl_error *err);
/* Totals so far: documents, tokens and shards of a split. */
void fl_dataset_writer_counts(const fl_dataset_writer *w, int split, uint64_t *documents, uint64_t *tokens,
                              int *shards);
/* Close the shards, write manifest.json, rename into place; frees w (also on failure). */
fl_status fl_dataset_writer_finish(fl_dataset_writer *w, fl_error *err);
/* Drop everything written; frees w. */
void fl_dataset_writer_abort(fl_dataset_writer *w);

#endif
