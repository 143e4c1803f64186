#include "data/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"

static void remove_flat(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            size_t n = strlen(dir) + strlen(e->d_name) + 2;
            char *p = malloc(n);
            if (p) {
                snprintf(p, n, "%s/%s", dir, e->d_name);
                remove(p);
                free(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

static int dir_is_empty(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int empty = 1;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(d);
    return empty;
}

fl_status fl_outdir_begin(fl_outdir *d, const char *out, fl_error *err) {
    memset(d, 0, sizeof *d);
    struct stat sb;
    if (stat(out, &sb) == 0) {
        if (!(S_ISDIR(sb.st_mode) && dir_is_empty(out)))
            return fl_fail(err, FL_ERR_IO,
                           "output '%s' already exists and is not an empty folder; remove it or choose another --out",
                           out);
        d->replace_empty = 1;
    }
    size_t n = strlen(out) + 32;
    d->out = strdup(out);
    d->tmp = malloc(n);
    if (!d->out || !d->tmp) {
        fl_outdir_abort(d);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    snprintf(d->tmp, n, "%s.tmp.%ld", out, (long)getpid());
    remove_flat(d->tmp); /* a leftover of an earlier crashed run with the same pid */
    if (fl_make_parents(d->tmp) != 0 || mkdir(d->tmp, 0777) != 0) {
        fl_status st = fl_fail(err, FL_ERR_IO, "cannot create '%s': %s", d->tmp, strerror(errno));
        free(d->tmp), d->tmp = NULL; /* not ours: do not remove it */
        fl_outdir_abort(d);
        return st;
    }
    return FL_OK;
}

char *fl_outdir_path(const fl_outdir *d, const char *name) { return fl_path_join(d->tmp, name); }

fl_status fl_outdir_commit(fl_outdir *d, fl_error *err) {
    fl_status st = FL_OK;
    if (d->replace_empty && rmdir(d->out) != 0)
        st = fl_fail(err, FL_ERR_IO, "cannot replace the empty folder '%s': %s", d->out, strerror(errno));
    else if (rename(d->tmp, d->out) != 0)
        st = fl_fail(err, FL_ERR_IO, "cannot rename '%s' to '%s': %s", d->tmp, d->out, strerror(errno));
    if (st) {
        fl_outdir_abort(d);
        return st;
    }
    free(d->tmp), d->tmp = NULL;
    fl_outdir_abort(d);
    return FL_OK;
}

void fl_outdir_abort(fl_outdir *d) {
    if (d->tmp) remove_flat(d->tmp);
    free(d->tmp);
    free(d->out);
    memset(d, 0, sizeof *d);
}

fl_status fl_write_file_sync(const char *path, const void *data, size_t len, fl_error *err) {
    FILE *f = fopen(path, "wb");
    if (!f) return fl_fail(err, FL_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    int ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    if (!ok) return fl_fail(err, FL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    return FL_OK;
}
