#include "util/u64set.h"

#include <stdlib.h>

#include "util/error.h"
#include "util/rng.h"

int fl_u64set_has(const fl_u64set *s, uint64_t key) {
    if (!key) return s->has_zero;
    if (!s->cap) return 0;
    for (size_t i = fl_mix64(key) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->slot[i]) return 0;
        if (s->slot[i] == key) return 1;
    }
}

fl_status fl_u64set_add(fl_u64set *s, uint64_t key, fl_error *err) {
    if (!key) {
        s->n += !s->has_zero;
        s->has_zero = 1;
        return FL_OK;
    }
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        uint64_t *slot = calloc(cap, sizeof *slot);
        if (!slot) return fl_fail(err, FL_ERR_NOMEM, "out of memory for a key set of %zu entries", cap);
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slot[i]) continue;
            size_t j = fl_mix64(s->slot[i]) & (cap - 1);
            while (slot[j]) j = (j + 1) & (cap - 1);
            slot[j] = s->slot[i];
        }
        free(s->slot);
        s->slot = slot, s->cap = cap;
    }
    size_t i = fl_mix64(key) & (s->cap - 1);
    while (s->slot[i] && s->slot[i] != key) i = (i + 1) & (s->cap - 1);
    if (!s->slot[i]) s->slot[i] = key, s->n++;
    return FL_OK;
}

void fl_u64set_free(fl_u64set *s) {
    free(s->slot);
    *s = (fl_u64set){0};
}
