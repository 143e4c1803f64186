/* Output folders that appear whole or not at all.
 *
 * A command that writes a folder of files (prepare's shards, countdown's data)
 * writes them into OUT.tmp.PID and renames that to OUT only when everything is
 * on disk, so a crash or an error never leaves a half-written folder under the
 * name a later `train --data OUT` would trust. OUT may exist only as an empty
 * folder (it is then replaced). */
#ifndef FL_DATA_OUTDIR_H
#define FL_DATA_OUTDIR_H
#include <stddef.h>

#include "futurelm.h"

typedef struct {
    char *out;  /* final name */
    char *tmp;  /* where the files are written meanwhile */
    int replace_empty; /* OUT existed as an empty folder */
} fl_outdir;

/* Refuse a non-empty OUT, create the temporary folder. */
fl_status fl_outdir_begin(fl_outdir *d, const char *out, fl_error *err);
/* "TMP/name" in buf (returns buf), for files written into the temporary folder. */
char *fl_outdir_path(const fl_outdir *d, const char *name); /* malloc'd; NULL when out of memory */
/* Rename the temporary folder to OUT. On failure the temporary folder is removed. */
fl_status fl_outdir_commit(fl_outdir *d, fl_error *err);
/* Remove the temporary folder and what is in it (one level: these folders are flat). */
void fl_outdir_abort(fl_outdir *d);

/* Write a whole file and fsync it (into a temporary folder: no rename needed). */
fl_status fl_write_file_sync(const char *path, const void *data, size_t len, fl_error *err);

#endif
