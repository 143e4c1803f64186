/* futurelm --version (and `futurelm version`): the release and how this binary
 * was built, which is what a bug report or a speed question needs first: the
 * compiler, the SGEMM kernels compiled in and the one this CPU runs, the
 * instruction set the rest was compiled for, BLAS, OpenMP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/args.h"
#include "cli/cli.h"
#include "futurelm.h"
#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "kernels/sgemm_kernels.h"

#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "unknown"
#endif


static void print_version(FILE *f) {
    fprintf(f, "futurelm %s\n", FL_VERSION);
    fprintf(f, "compiler: %s\n", COMPILER);
    fprintf(f, "compiled for: %s (kernels outside the run-time-dispatched SGEMM)\n", fli_compiled_simd());
    const char *backend = fl_sgemm_backend();
    if (strncmp(backend, "futurelm-", 9)) {
        fprintf(f, "sgemm: BLAS %s\n", backend);
    } else {
        static const char *const NAMES[FL_SGEMM_N_KERNELS] = {"scalar", "AVX2", "AVX-512"};
        fprintf(f, "sgemm kernels compiled: ");
#ifdef FL_SGEMM_X86
        fprintf(f, "AVX-512, AVX2, scalar\n");
#else
        fprintf(f, "scalar\n");
#endif
        fprintf(f, "sgemm kernels this CPU runs:");
        for (int id = FL_SGEMM_N_KERNELS - 1; id >= 0; id--)
            if (fl_sgemm_kernel_available(id)) fprintf(f, " %s", NAMES[id]);
        fprintf(f, " (using %s)\nBLAS: none (our own SGEMM)\n", backend);
    }
#ifdef _OPENMP
    const char *wait = getenv("OMP_WAIT_POLICY"); /* main() made it passive unless the user set it */
    fprintf(f, "OpenMP: %d (up to %d threads here; set with OMP_NUM_THREADS or --threads); OMP_WAIT_POLICY %s\n",
            _OPENMP, omp_get_max_threads(), wait ? wait : "unset (the runtime's own)");
#else
    fprintf(f, "OpenMP: off (built with OPENMP=0: one thread)\n");
#endif
}

int cmd_version(int argc, char **argv) {
    const cli_opt opts[] = {{0}};
    const cli_spec spec = {"version", "Prints the release and how this binary was built (compiler, SGEMM kernels, "
                                      "BLAS, OpenMP); the same as futurelm --version.",
                           opts, NULL, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    print_version(stdout);
    return 0;
}
