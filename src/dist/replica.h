/* Data parallelism for the trainer (docs/distributed.md): every rank holds
 * the whole model, a step's M = world x train.grad_accum micro-batches are
 * shared out (rank r takes micro-batches r*A .. r*A+A-1, the ones a single
 * process with grad_accum = M would take in that order), and after the
 * backward passes the ranks agree on one gradient, one loss and one stop
 * decision, so they never diverge. With one process every call is what the
 * trainer did before: the same arithmetic in the same order.
 *
 * All buffers are reserved by fli_replica_reserve; a training step allocates
 * nothing. */
#ifndef FL_DIST_REPLICA_H
#define FL_DIST_REPLICA_H
#include <stdint.h>
#include <stdio.h>

#include "data/loader.h"
#include "dist/dist.h"
#include "train/train_config.h"

typedef struct {
    fli_dist d;
    int A, M;          /* micro-batches a step: on this rank, on all ranks */
    size_t n_grads;
    float *scratch;    /* fli_dist_sum's */
    double *mine, *all; /* a step's [stop, losses A, next-token losses A], then every rank's */
    int val_per_rank;  /* validation batches a rank evaluates (the last rank may have fewer) */
    double *val_mine, *val_all;
    int stop;          /* every rank's stop flag, agreed by the last fli_replica_step */
    FILE *quiet;       /* ranks > 0: where their progress goes (/dev/null) */
} fli_replica;

/* Joins the process group (fli_dist_init). */
fl_status fli_replica_open(fli_replica *r, fl_error *err);
/* Buffers for a step and for `val_batches` validation batches; refuses a train
 * split with fewer windows than one global batch. */
fl_status fli_replica_reserve(fli_replica *r, fl_model *m, const fl_train_config *tc, const fl_loader *train,
                              int val_batches, fl_error *err);
/* What must be equal on every rank (model and train settings but train.threads,
 * the data, the parameters, the position in the data, steps_this_run), as
 * lines of text; rank 0's is compared with each rank's and the first
 * different line is named in the error every rank returns. `tokens` is a
 * batch buffer (the next batch is hashed, and the loader put back). */
fl_status fli_replica_agree(fli_replica *r, fl_model *m, const fl_train_config *tc, fl_loader *train,
                            const fl_loader *val, int32_t *tokens, long step, long long tokens_seen,
                            int steps_this_run, const char *tokenizer_sha256, fl_error *err);
void fli_replica_free(fli_replica *r);

/* Micro-batch a (0..M-1) of this step is this rank's. */
static inline int fli_replica_mine(const fli_replica *r, int a) { return a / r->A == r->d.rank; }
/* Records this rank's micro-batch a's losses. */
void fli_replica_note(fli_replica *r, int a, const fl_losses *L);
/* The step's agreement: every micro-batch loss gathered and averaged in
 * micro-batch order (*loss, *next: the numbers grad_accum = M gives), the
 * gradients summed over ranks and divided by M, the stop flags or'ed. */
fl_status fli_replica_step(fli_replica *r, fl_model *m, int stop, double *loss, double *next, fl_error *err);

/* Validation batch b is this rank's (batches are dealt round the ranks). */
static inline int fli_replica_val_mine(const fli_replica *r, int b) { return b % r->d.world == r->d.rank; }
void fli_replica_val_note(fli_replica *r, int b, const fl_losses *L);
/* Sums over `batches` batches, in batch order, of every rank's notes (the
 * caller divides): *loss, *next, sum[j] the losses, next-token losses and
 * offset losses added as one process adds them, *n_offsets their count. */
fl_status fli_replica_val_sum(fli_replica *r, int batches, double *loss, double *next, double sum[FL_MAX_FUTURE],
                              int *n_offsets, fl_error *err);
#endif
