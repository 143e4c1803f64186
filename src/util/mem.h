/* 64-byte aligned allocation: every tensor buffer starts on a cache line so
 * vector loads never split lines and kernels may assume alignment. */
#ifndef FL_UTIL_MEM_H
#define FL_UTIL_MEM_H
#include <stddef.h>

#define FL_ALIGN 64
/* Zero-filled, 64-byte aligned; NULL on failure or overflow. Free with fl_free. */
void *fl_alloc(size_t count, size_t size);
void fl_free(void *p);
/* Round n floats up so the next tensor starts on a 64-byte boundary. */
static inline size_t fl_round_floats(size_t n) { return (n + 15) & ~(size_t)15; }

/* Carves consecutive 64-byte aligned buffers out of one region. Started with
 * next == NULL it only measures (and hands out NULL), so a single list of carves
 * both sizes an arena and, run again on the memory, binds every buffer in it. */
typedef struct {
    float *next;
    size_t floats;
} fl_carver;

static inline void *fl_carve(fl_carver *c, size_t n) {
    n = fl_round_floats(n);
    void *p = c->next;
    if (c->next) c->next += n;
    c->floats += n;
    return p;
}
#endif
