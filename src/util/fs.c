#define _XOPEN_SOURCE 700 /* realpath */
#include "util/fs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

int fl_make_parents(const char *path) {
    char *p = strdup(path);
    if (!p) return errno = ENOMEM, -1;
    int rc = 0;
    /* each '/' after the first character ends one ancestor: create it if missing */
    for (char *s = p + 1; *s && !rc; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) rc = -1;
        *s = '/';
    }
    free(p);
    return rc;
}

char *fl_path_fmt(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return errno = EINVAL, NULL;
    char *p = malloc((size_t)n + 1);
    if (!p) return errno = ENOMEM, NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

char *fl_path_join(const char *dir, const char *name) { return fl_path_fmt("%s/%s", dir, name); }

fl_status fl_write_file_atomic(const char *path, const void *data, size_t len, fl_error *err) {
    char *tmp = fl_path_fmt("%s.tmp-%ld", path, (long)getpid());
    if (!tmp) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fl_status st = fl_fail(err, FL_ERR_IO, "cannot create '%s': %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    int ok = fwrite(data, 1, len, f) == len;
    ok &= fflush(f) == 0;
    ok &= fsync(fileno(f)) == 0;
    int saved = ok ? 0 : errno;
    if (fclose(f) != 0 && ok) ok = 0, saved = errno; /* always closed, whatever failed before */
    if (ok && rename(tmp, path) != 0) ok = 0, saved = errno;
    fl_status st = FL_OK;
    if (!ok) {
        st = fl_fail(err, FL_ERR_IO, "cannot write '%s': %s", path, strerror(saved ? saved : EIO));
        unlink(tmp);
    }
    free(tmp);
    return st;
}

fl_status fl_read_file(const char *path, char **data, size_t *len, fl_error *err) {
    *data = NULL, *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return fl_fail(err, FL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n + 1 < cap) break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb, cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) return fl_fail(err, FL_ERR_NOMEM, "out of memory reading '%s'", path);
    if (bad) {
        free(buf);
        return fl_fail(err, FL_ERR_IO, "cannot read '%s' (is it a directory or unreadable?)", path);
    }
    buf[n] = 0;
    *data = buf, *len = n;
    return FL_OK;
}

/* ---------------------------------------------------------------- recorded paths (fs.h) */

char *fl_path_relative(const char *base, const char *path) {
    if (!path[0]) return strdup(path);
    char *from = realpath(base, NULL), *to = realpath(path, NULL), *out = NULL;
    if (!from || !to) {
        free(from), free(to);
        return strdup(path); /* not a file here (a name such as gpt2): as given */
    }
    size_t common = 0; /* the longest shared run of whole components */
    for (size_t i = 0;; i++) {
        if ((from[i] == '/' || !from[i]) && (to[i] == '/' || !to[i])) common = i;
        if (!from[i] || !to[i] || from[i] != to[i]) break;
    }
    size_t ups = 0;
    for (const char *p = from + common; *p; p++)
        if (*p != '/' && (p[-1] == '/')) ups++;
    const char *rest = to + common + (to[common] == '/');
    size_t n = 3 * ups + strlen(rest) + 2;
    out = malloc(n);
    if (out) {
        out[0] = 0;
        for (size_t i = 0; i < ups; i++) strcat(out, "../");
        strcat(out, rest);
        size_t len = strlen(out);
        if (len && out[len - 1] == '/') out[len - 1] = 0; /* "../" alone: ".." */
        if (!out[0]) strcpy(out, ".");
    }
    free(from), free(to);
    return out;
}

char *fl_path_find_relative(const char *base, const char *recorded) {
    if (!recorded[0] || recorded[0] == '/') return strdup(recorded);
    char *cand = fl_path_join(base, recorded);
    if (cand && access(cand, F_OK) == 0) return cand;
    free(cand);
    return strdup(recorded);
}
