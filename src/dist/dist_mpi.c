/* The process group on Open MPI (make MPI=1; dist.h says what each call
 * promises). Only this file includes mpi.h. */
#include "dist/dist.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>

#include "util/error.h"

/* An MPI call that failed: MPI_COMM_WORLD returns errors (set below) instead
 * of aborting, so the message can say what was being done. The usual cause
 * is another rank that died: mpirun then ends the job and names it. */
static fl_status mpi_fail(fl_error *err, int rc, const char *what, int rank) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = 0;
    text[len] = 0;
    return fl_fail(err, FL_ERR_IO, "rank %d: MPI %s failed: %s (did another rank stop?)", rank, what,
                   len ? text : "unknown error");
}

fl_status fli_dist_init(fli_dist *d, fl_error *err) {
    d->rank = 0, d->world = 1, d->mpi = 0;
    /* Started directly, not by mpirun: one process, exactly the default
     * build's behaviour, without starting MPI's runtime at all. */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_SIZE")) return FL_OK;
    int done = 0;
    MPI_Finalized(&done);
    if (done) return fl_fail(err, FL_ERR_STATE, "MPI was already finalised in this process; start a new one");
    int up = 0, got = 0;
    MPI_Initialized(&up);
    /* FUNNELED: OpenMP threads compute, only the main thread calls MPI */
    if (!up && MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &got) != MPI_SUCCESS)
        return fl_fail(err, FL_ERR_IO, "MPI_Init failed: the Open MPI runtime could not start (is this the "
                       "mpirun of the Open MPI this futurelm was built with?)");
    d->mpi = !up;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->world);
    return FL_OK;
}

void fli_dist_finalize(fli_dist *d) {
    if (d->mpi) MPI_Finalize();
    d->mpi = 0;
}

/* Chunk c of K over n elements: the first n % K chunks hold one more. */
static void chunk(size_t n, int K, int c, size_t *off, size_t *len) {
    size_t base = n / (size_t)K, rem = n % (size_t)K, cc = (size_t)c;
    *off = cc * base + (cc < rem ? cc : rem);
    *len = base + (cc < rem);
}

size_t fli_dist_scratch(const fli_dist *d, size_t n) { return d->world > 1 ? n / (size_t)d->world + 1 : 0; }

/* A ring: in step s of the reduce-scatter, rank r sends chunk r-s to rank
 * r+1 and adds chunk r-s-1 from rank r-1 into its own; after K-1 steps rank
 * r holds the whole sum of chunk r+1, which the all-gather then passes round.
 * The order of each chunk's additions depends on K alone (not on timing, as
 * MPI_Allreduce's algorithm choice may), so a run is bit-reproducible. */
fl_status fli_dist_sum(const fli_dist *d, float *buf, size_t n, float *scratch, fl_error *err) {
    const int K = d->world, r = d->rank;
    if (K == 1) return FL_OK;
    if (n / (size_t)K + 1 > INT_MAX)
        return fl_fail(err, FL_ERR_ARG, "gradient of %zu floats is too large for one MPI message per rank", n);
    const int right = (r + 1) % K, left = (r + K - 1) % K;
    for (int s = 0; s < K - 1; s++) {
        size_t so, sl, ro, rl;
        chunk(n, K, ((r - s) % K + K) % K, &so, &sl);
        chunk(n, K, ((r - s - 1) % K + K) % K, &ro, &rl);
        int rc = MPI_Sendrecv(buf + so, (int)sl, MPI_FLOAT, right, 0, scratch, (int)rl, MPI_FLOAT, left, 0,
                              MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) return mpi_fail(err, rc, "gradient reduce-scatter", r);
        float *dst = buf + ro;
        for (size_t i = 0; i < rl; i++) dst[i] += scratch[i];
    }
    for (int s = 0; s < K - 1; s++) {
        size_t so, sl, ro, rl;
        chunk(n, K, ((r + 1 - s) % K + K) % K, &so, &sl);
        chunk(n, K, ((r - s) % K + K) % K, &ro, &rl);
        int rc = MPI_Sendrecv(buf + so, (int)sl, MPI_FLOAT, right, 1, buf + ro, (int)rl, MPI_FLOAT, left, 1,
                              MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) return mpi_fail(err, rc, "gradient all-gather", r);
    }
    return FL_OK;
}

fl_status fli_dist_gather(const fli_dist *d, const double *mine, int n, double *all, fl_error *err) {
    int rc = MPI_SUCCESS;
    if (d->world == 1) {
        for (int i = 0; i < n; i++) all[i] = mine[i];
    } else {
        rc = MPI_Allgather(mine, n, MPI_DOUBLE, all, n, MPI_DOUBLE, MPI_COMM_WORLD);
    }
    return rc == MPI_SUCCESS ? FL_OK : mpi_fail(err, rc, "all-gather", d->rank);
}

fl_status fli_dist_bcast(const fli_dist *d, void *buf, size_t n, int root, fl_error *err) {
    if (d->world == 1) return FL_OK;
    if (n > INT_MAX) return fl_fail(err, FL_ERR_ARG, "broadcast of %zu bytes is too large", n);
    int rc = MPI_Bcast(buf, (int)n, MPI_BYTE, root, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? FL_OK : mpi_fail(err, rc, "broadcast", d->rank);
}
