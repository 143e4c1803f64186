#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *fl_status_name(fl_status s) {
    switch (s) {
    case FL_OK: return "ok";
    case FL_ERR_ARG: return "argument";
    case FL_ERR_CONFIG: return "config";
    case FL_ERR_NOMEM: return "out of memory";
    case FL_ERR_IO: return "io";
    case FL_ERR_FORMAT: return "format";
    case FL_ERR_NONFINITE: return "non-finite";
    case FL_ERR_STATE: return "state";
    }
    return "unknown";
}

fl_status fl_fail(fl_error *err, fl_status code, const char *fmt, ...) {
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void fl_sayf(char *why, size_t len, const char *fmt, ...) {
    if (!why || !len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
}
