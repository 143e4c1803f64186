/* The one wall clock (fl_wall_seconds of futurelm.h): the profile, the
 * generator's statistics and the benchmarks all time with it, so their
 * seconds are comparable. Monotonic, so a clock adjustment mid-run never
 * gives a negative or inflated interval. */
#include <time.h>

#include "futurelm.h"

double fl_wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
