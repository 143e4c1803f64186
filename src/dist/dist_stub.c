/* The default build's process group: one process (dist.h). The MPI build
 * compiles dist_mpi.c instead (make MPI=1). */
#include "dist/dist.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* The size a launcher announced in the environment (Open MPI's mpirun, or a
 * PMI launcher such as MPICH's hydra or srun --mpi=pmi2); 1 when none did. */
static int launched_size(void) {
    const char *names[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *v = getenv(names[i]);
        if (v && atoi(v) > 1) return atoi(v);
    }
    return 1;
}

fl_status fli_dist_init(fli_dist *d, fl_error *err) {
    d->rank = 0, d->world = 1, d->mpi = 0;
    int k = launched_size();
    if (k > 1)
        return fl_fail(err, FL_ERR_ARG,
                       "this futurelm was built without MPI, but a launcher started it as one of %d ranks (each "
                       "would train its own copy into the same folder); build it with 'make MPI=1' (needs Open MPI: "
                       "apt-get install openmpi-bin libopenmpi-dev) and run that binary under mpirun",
                       k);
    return FL_OK;
}

void fli_dist_finalize(fli_dist *d) { (void)d; }

size_t fli_dist_scratch(const fli_dist *d, size_t n) {
    (void)d, (void)n;
    return 0;
}

fl_status fli_dist_sum(const fli_dist *d, float *buf, size_t n, float *scratch, fl_error *err) {
    (void)d, (void)buf, (void)n, (void)scratch, (void)err;
    return FL_OK;
}

fl_status fli_dist_gather(const fli_dist *d, const double *mine, int n, double *all, fl_error *err) {
    (void)d, (void)err;
    if (all != mine) memcpy(all, mine, sizeof *all * (size_t)n);
    return FL_OK;
}

fl_status fli_dist_bcast(const fli_dist *d, void *buf, size_t n, int root, fl_error *err) {
    (void)d, (void)buf, (void)n, (void)root, (void)err;
    return FL_OK;
}
