/* The gradient sum of data-parallel training (src/dist/dist_mpi.c's ring)
 * against Open MPI's own MPI_Allreduce, over message sizes up to a GPT-2 124M
 * gradient's scale. Built by `make MPI=1 bench-allreduce`; run under mpirun:
 *   mpirun -np 2 build/opt-mpi/bench_allreduce [max_floats] [reps]
 * Prints, per size, the median seconds of each and the bus bandwidth
 * 2 (K-1)/K x bytes / t (what each rank's link carries; docs/distributed.md). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "dist/dist.h"

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    fli_dist d;
    fl_error err;
    if (fli_dist_init(&d, &err) || d.world < 2) {
        fprintf(stderr, "bench_allreduce: run it under mpirun with 2 or more ranks\n");
        return 1;
    }
    size_t max = argc > 1 ? strtoull(argv[1], NULL, 10) : (size_t)1 << 24;
    int reps = argc > 2 ? atoi(argv[2]) : 9;
    float *buf = malloc(sizeof(float) * max), *out = malloc(sizeof(float) * max);
    float *scratch = malloc(sizeof(float) * fli_dist_scratch(&d, max));
    double *t = malloc(sizeof(double) * (size_t)reps * 2);
    if (!buf || !out || !scratch || !t) return 1;
    for (size_t i = 0; i < max; i++) buf[i] = (float)(i % 97) * 1e-3f;
    if (!d.rank) printf("%12s %12s %12s %14s %14s\n", "floats", "ring s", "Allreduce s", "ring GB/s", "Allreduce GB/s");
    for (size_t n = (size_t)1 << 16; n <= max; n *= 4) {
        for (int r = -1; r < reps; r++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            if (fli_dist_sum(&d, buf, n, scratch, &err)) return 1;
            double t1 = MPI_Wtime();
            MPI_Barrier(MPI_COMM_WORLD);
            double t2 = MPI_Wtime();
            MPI_Allreduce(buf, out, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            double t3 = MPI_Wtime();
            if (r >= 0) t[r] = t1 - t0, t[reps + r] = t3 - t2; /* the first is a warm-up */
            for (size_t i = 0; i < n; i++) buf[i] *= 0.5f; /* keep the values bounded */
        }
        qsort(t, (size_t)reps, sizeof *t, cmp);
        qsort(t + reps, (size_t)reps, sizeof *t, cmp);
        double a = t[reps / 2], b = t[reps + reps / 2], bus = 2.0 * (d.world - 1) / d.world * 4.0 * (double)n / 1e9;
        if (!d.rank) printf("%12zu %12.6f %12.6f %14.2f %14.2f\n", n, a, b, bus / a, bus / b);
    }
    fli_dist_finalize(&d);
    return 0;
}
