/* A set of 64-bit keys (open addressing, linear probing, grown at half full):
 * the tasks' held-out filters ask "is this example one of the test set's?" for
 * every generated example. Any key may be stored, 0 and UINT64_MAX included. */
#ifndef FL_UTIL_U64SET_H
#define FL_UTIL_U64SET_H
#include <stddef.h>
#include <stdint.h>

#include "futurelm.h"

typedef struct {
    uint64_t *slot; /* 0 = empty; the key 0 itself is has_zero */
    size_t cap, n;
    int has_zero;
} fl_u64set; /* start zeroed: {0} is the empty set */

int fl_u64set_has(const fl_u64set *s, uint64_t key);
fl_status fl_u64set_add(fl_u64set *s, uint64_t key, fl_error *err);
void fl_u64set_free(fl_u64set *s);

#endif
