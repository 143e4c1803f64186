/* Minimal test harness. Each check prints one TAP-like line, "ok - name" or
 * "not ok - name: detail"; tests/run.sh counts them across every test program.
 * A program's exit status is non-zero when any of its checks failed. */
#ifndef FL_TESTS_CHECK_H
#define FL_TESTS_CHECK_H
#include <stdarg.h>
#include <stdio.h>

static int check_failures = 0;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline int check(int cond, const char *name, const char *fmt, ...) {
    if (cond) {
        printf("ok - %s\n", name);
    } else {
        check_failures++;
        printf("not ok - %s: ", name);
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
    }
    fflush(stdout);
    return cond;
}

static inline int check_exit(void) { return check_failures ? 1 : 0; }
#endif
