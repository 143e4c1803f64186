#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *fl_alloc(size_t count, size_t size) {
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    size_t bytes = count * size;
    bytes = (bytes + FL_ALIGN - 1) & ~(size_t)(FL_ALIGN - 1);
    if (bytes == 0) bytes = FL_ALIGN;
    void *p = aligned_alloc(FL_ALIGN, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

void fl_free(void *p) { free(p); }
