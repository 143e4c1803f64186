/* Training data loader over the token shards of one split (DATA_DIR/<split>_*.bin).
 *
 * The split's shards, in name order, form one stream of N tokens. Window k is
 * tokens [k*T, k*T + T + extra): T inputs and, for GPT, extra = 1 (the target of
 * the last input), for FTP extra = N future tokens. There are
 * W = floor((N - extra) / T) windows. Each epoch visits them in a random order,
 * a permutation drawn with fl_rng from (seed, epoch); a global batch is B*world
 * consecutive entries of that order and rank r takes entries r*B .. r*B+B-1, so
 * the ranks of a multi-process run see disjoint windows. The tail of an epoch too
 * short for a whole global batch is skipped. With shuffle off, windows come in
 * order (for evaluation).
 *
 * The whole position is the small plain struct fl_loader_state: saving it in a
 * checkpoint and setting it again resumes with exactly the same batches. */
#ifndef FL_DATA_LOADER_H
#define FL_DATA_LOADER_H
#include <stdint.h>

#include "futurelm.h"

typedef struct {
    int B;          /* windows a batch (per rank) */
    int T;          /* context */
    int extra;      /* 1 for GPT, ftp.n_future for FTP */
    int rank, world; /* 0 and 1 for one process */
    int shuffle;    /* 1: random order each epoch; 0: in order */
    uint64_t seed;
    int vocab_size; /* ids must be below this (0: do not check) */
} fl_loader_config;

typedef struct {
    uint64_t seed;
    uint64_t epoch;     /* epochs completed */
    uint64_t cursor;    /* windows of this epoch already handed out (all ranks together) */
    uint64_t n_windows; /* W when saved: restoring onto different data is an error */
} fl_loader_state;

typedef struct fl_loader fl_loader;

fl_status fl_loader_open(const char *dir, const char *split, const fl_loader_config *cfg, fl_loader **out,
                         fl_error *err);
void fl_loader_free(fl_loader *l);

/* Fill tokens[B * (T + extra)] with the next batch (row-major, one window a row).
 * tokens NULL: move past the batch without reading it (a data-parallel rank
 * stepping over the micro-batches of the other ranks). */
void fl_loader_next(fl_loader *l, int32_t *tokens);

void fl_loader_get_state(const fl_loader *l, fl_loader_state *s);
fl_status fl_loader_set_state(fl_loader *l, const fl_loader_state *s, fl_error *err);

uint64_t fl_loader_num_tokens(const fl_loader *l);
uint64_t fl_loader_num_windows(const fl_loader *l);
/* Batches of one rank in one epoch (floor(W / (B * world))). */
uint64_t fl_loader_batches_per_epoch(const fl_loader *l);
int fl_loader_num_shards(const fl_loader *l);

#endif
