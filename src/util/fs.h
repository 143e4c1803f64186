/* File-system helpers shared by the commands that write folders. */
#ifndef FL_UTIL_FS_H
#define FL_UTIL_FS_H
#include <stddef.h>

#include "futurelm.h"

/* Create every missing folder above `path` (not path itself), like mkdir -p
 * on its parent: `--out runs/new/ftp` should not need runs/new to exist.
 * Returns 0, or -1 with errno set by the mkdir that failed. */
int fl_make_parents(const char *path);

/* A path built like printf ("%s/step_%08ld", run, step), in a buffer malloc'd
 * to fit: no fixed-size path buffers, so no path is ever truncated. The caller
 * frees it. NULL (errno ENOMEM) when memory runs out. */
char *fl_path_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* dir + "/" + name, malloc'd (fl_path_fmt("%s/%s", dir, name)). */
char *fl_path_join(const char *dir, const char *name);

/* A path recorded in a file that lives in folder BASE (a checkpoint's state.json, a data
 * folder's manifest.json) is relative to BASE, so BASE moved together with what it names
 * still finds it. fl_path_relative gives the form to record: PATH (as given, absolute or
 * from the current folder) relative to BASE when both exist; one that is not a file here
 * (a tokenizer name such as gpt2) as given. fl_path_find_relative reads it
 * back as a path from the current folder: BASE/RECORDED when that exists, else RECORDED
 * as written (files from before the rule recorded paths from the folder they were made
 * in). Never searched for in folders above. Both malloc'd; NULL when memory runs out. */
char *fl_path_relative(const char *base, const char *path);
char *fl_path_find_relative(const char *base, const char *recorded);

/* Read a whole file into memory (NUL-terminated for convenience). */
fl_status fl_read_file(const char *path, char **data, size_t *len, fl_error *err);

/* Writes data[0..len) to PATH atomically: into PATH.tmp-PID, flushed and
 * fsync'd, then renamed over PATH, so PATH is either the old file or the whole
 * new one, never a torn one. On failure the temporary file is removed and the
 * message names PATH and the reason. */
fl_status fl_write_file_atomic(const char *path, const void *data, size_t len, fl_error *err);

#endif
