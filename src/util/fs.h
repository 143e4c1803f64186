/* File-system helpers shared by the commands that write folders. */
#ifndef FL_UTIL_FS_H
#define FL_UTIL_FS_H

/* Create every missing folder above `path` (not path itself), like mkdir -p
 * on its parent: `--out runs/new/ftp` should not need runs/new to exist.
 * Returns 0, or -1 with errno set by the mkdir that failed. */
int fl_make_parents(const char *path);

#endif
