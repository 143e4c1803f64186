/* A small, fast, seedable generator (xoshiro256**) whose whole state is four
 * words, so a checkpoint can save and restore it exactly. No hidden globals:
 * every user owns its own fl_rng. */
#ifndef FL_UTIL_RNG_H
#define FL_UTIL_RNG_H
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} fl_rng;

/* splitmix64's finaliser: a fast, well-mixing 64-bit hash (seeds, hash tables). */
static inline uint64_t fl_mix64(uint64_t h) {
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

void fl_rng_seed(fl_rng *r, uint64_t seed);
uint64_t fl_rng_next(fl_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double fl_rng_uniform(fl_rng *r);
/* Uniform integer in [0, n), unbiased (rejection). */
uint64_t fl_rng_below(fl_rng *r, uint64_t n);
/* Standard normal (Box-Muller in double; one draw per call, no cached spare,
 * so the state alone determines the sequence). */
double fl_rng_normal(fl_rng *r);
#endif
