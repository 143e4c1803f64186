/* The process group of a data-parallel run (docs/distributed.md): who am I,
 * how many are we, and the few collectives training needs.
 *
 * Two implementations share this header: dist_mpi.c (make MPI=1, Open MPI)
 * and dist_stub.c (the default build: one process, every collective a copy).
 * Nothing else in the library includes mpi.h, so the trainer has no #ifdef.
 *
 * Every collective is deterministic: the same inputs give the same bits on
 * every rank and in every run, whatever the network or the timing, because
 * each element's sum is computed once, in an order fixed by the world size
 * alone, and then copied to the other ranks. */
#ifndef FL_DIST_DIST_H
#define FL_DIST_DIST_H
#include <stddef.h>

#include "futurelm.h"

typedef struct {
    int rank, world; /* 0 and 1 for a single process */
    int mpi;         /* 1: this process initialised MPI and must finalise it */
} fli_dist;

/* Joins the job that started this process: under mpirun (MPI build) the
 * rank and size of MPI_COMM_WORLD; otherwise one process. The default build
 * started by a launcher as one of several ranks is refused (it would train
 * that many unrelated copies into one folder). */
fl_status fli_dist_init(fli_dist *d, fl_error *err);
/* Leaves the job (MPI_Finalize) after a successful run. After a failure the
 * process just exits: mpirun then ends the other ranks. */
void fli_dist_finalize(fli_dist *d);

/* Floats fli_dist_sum needs as scratch for n elements (0 for one process). */
size_t fli_dist_scratch(const fli_dist *d, size_t n);
/* buf[n] <- the element-wise sum of every rank's buf[n], identical on every
 * rank (a ring reduce-scatter then all-gather: 2 (K-1)/K x 4n bytes sent by
 * each rank). scratch holds fli_dist_scratch(d, n) floats. */
fl_status fli_dist_sum(const fli_dist *d, float *buf, size_t n, float *scratch, fl_error *err);
/* all[world * n] <- every rank's mine[n], in rank order. */
fl_status fli_dist_gather(const fli_dist *d, const double *mine, int n, double *all, fl_error *err);
/* buf[n] <- root's buf[n] on every rank. */
fl_status fli_dist_bcast(const fli_dist *d, void *buf, size_t n, int root, fl_error *err);
#endif
