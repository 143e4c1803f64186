/* The tokenizer's insides, shared by its loader (tokenizer.c) and its encoder
 * (encode.c) and by nothing else: an open-addressing table from a token's bytes
 * to its rank, the ranks' bytes back to back, and the special tokens. */
#ifndef FL_TOKENIZER_IMPL_H
#define FL_TOKENIZER_IMPL_H
#include <stdint.h>
#include <string.h>

#include "tokenizer/tokenizer.h"

typedef struct {
    uint32_t rank1; /* rank + 1; 0 = empty slot */
    uint32_t hash;  /* low bits of the key's hash, checked before the bytes */
} slot;

typedef struct {
    char *text;
    size_t len;
    int id;
} special;

struct fl_tokenizer {
    unsigned char *blob; /* every token's bytes, back to back */
    uint32_t *off;       /* [n_ids] offset into blob, by rank */
    uint32_t *len;       /* [n_ids] length (0: no token has this rank) */
    int n_ids;           /* highest rank + 1 */
    int n_ranks;         /* tokens in the rank file */
    slot *slots;
    size_t mask;
    int32_t byte_rank[256];
    special spec[FL_MAX_SPECIAL];
    int n_spec;
    int vocab_size;
    int eot;
    char sha[65];
};

static inline uint64_t hash_bytes(const unsigned char *p, size_t n) {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        h = (h ^ x) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8, n -= 8;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) x |= (uint64_t)p[i] << (8 * i);
    h = (h ^ x) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

/* Rank of the byte string p[0..n), or -1. */
static inline int32_t lookup(const fl_tokenizer *t, const unsigned char *p, size_t n) {
    uint64_t h = hash_bytes(p, n);
    uint32_t h32 = (uint32_t)(h >> 32);
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        slot s = t->slots[i];
        if (!s.rank1) return -1;
        if (s.hash == h32) {
            uint32_t r = s.rank1 - 1;
            if (t->len[r] == n && !memcmp(t->blob + t->off[r], p, n)) return (int32_t)r;
        }
    }
}

#endif
