/* Token shards in llm.c's format, so data prepared by either tool feeds the other:
 * a header of 256 int32 (magic, version, token count, then zeros) followed by the
 * tokens: uint16 (magic 20240520, version 1) or, for vocabularies over 65,536,
 * uint32 (magic 20240801, version 7). Everything little-endian. */
#ifndef FL_DATA_SHARD_H
#define FL_DATA_SHARD_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "futurelm.h"

#define FL_SHARD_MAGIC16 20240520
#define FL_SHARD_VERSION16 1
#define FL_SHARD_MAGIC32 20240801
#define FL_SHARD_VERSION32 7
#define FL_SHARD_HEADER_INTS 256
#define FL_SHARD_MAX_TOKENS 100000000 /* at most this many tokens a shard (prepare splits) */

/* Bytes a token takes for a vocabulary of this size (2 up to 65,536, else 4). */
static inline int fl_shard_width(int vocab_size) { return vocab_size > 65536 ? 4 : 2; }

/* Streaming writer: tokens go to PATH.tmp, close() fixes the header, fsyncs and
 * renames to PATH; abort() removes the temporary file. */
typedef struct {
    FILE *f;
    char *path, *tmp;
    int width;
    int vocab_size;
    uint64_t count;
} fl_shard_writer;

fl_status fl_shard_writer_open(fl_shard_writer *w, const char *path, int vocab_size, fl_error *err);
fl_status fl_shard_writer_put(fl_shard_writer *w, const int32_t *ids, size_t n, fl_error *err);
fl_status fl_shard_writer_close(fl_shard_writer *w, fl_error *err);
void fl_shard_writer_abort(fl_shard_writer *w);

/* A whole shard in one call (tests, tools). */
fl_status fl_shard_write(const char *path, const int32_t *ids, size_t n, int vocab_size, fl_error *err);

/* A shard mapped read-only. Opening checks magic, version, file size and (when
 * vocab_size > 0) that every id is below vocab_size. */
typedef struct {
    void *map;
    size_t map_len;
    const unsigned char *tokens;
    uint64_t n;
    int width;
} fl_shard;

fl_status fl_shard_open(const char *path, int vocab_size, fl_shard *s, fl_error *err);
void fl_shard_close(fl_shard *s);
static inline int32_t fl_shard_get(const fl_shard *s, uint64_t i) {
    const unsigned char *p = s->tokens + i * (uint64_t)s->width;
    if (s->width == 2) return (int32_t)(p[0] | (uint32_t)p[1] << 8);
    return (int32_t)(p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* The shards of one split of a data folder: every "<split>_<something>.bin"
 * (prepare's names) or "<something>_<split>[_<something>].bin" (llm.c's), as "dir/name" paths sorted by name (the order every reader walks them in, so
 * a token cap or a window index means the same tokens everywhere). *paths and
 * *n are set even when none match (n = 0; the caller words that error); free
 * with fl_shard_list_free. The one place that decides what a shard's name is. */
fl_status fl_shard_list(const char *dir, const char *split, char ***paths, int *n, fl_error *err);
void fl_shard_list_free(char **paths, int n);

#endif
