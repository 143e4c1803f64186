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
#endif
