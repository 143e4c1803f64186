#include "util/fs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
