/* Filling an fl_error: every failing path says what, where, and what to do. */
#ifndef FL_UTIL_ERROR_H
#define FL_UTIL_ERROR_H
#include <stddef.h>

#include "futurelm.h"

#if defined(__GNUC__)
#define FL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FL_PRINTF(a, b)
/* A reason into an optional caller buffer (why may be NULL or len 0: nothing is
 * written), for checkers that return a verdict and say why in words. */
void fl_sayf(char *why, size_t len, const char *fmt, ...) FL_PRINTF(3, 4);

#endif

/* Record code and message in err (if non-NULL) and return code, so callers can
 * write `return fl_fail(err, FL_ERR_IO, "cannot open %s", path);`. */
fl_status fl_fail(fl_error *err, fl_status code, const char *fmt, ...) FL_PRINTF(3, 4);

/* A reason into an optional caller buffer (why may be NULL or len 0: nothing is
 * written), for checkers that return a verdict and say why in words. */
void fl_sayf(char *why, size_t len, const char *fmt, ...) FL_PRINTF(3, 4);

#endif
