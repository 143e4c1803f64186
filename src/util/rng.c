#include "util/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) { return fl_mix64(*x += 0x9E3779B97F4A7C15ull); }

void fl_rng_seed(fl_rng *r, uint64_t seed) {
    /* splitmix64 spreads any seed (0 included) over the four state words. */
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t fl_rng_next(fl_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double fl_rng_uniform(fl_rng *r) { return (double)(fl_rng_next(r) >> 11) * 0x1.0p-53; }

uint64_t fl_rng_below(fl_rng *r, uint64_t n) {
    if (n <= 1) return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = fl_rng_next(r);
    while (x >= limit);
    return x % n;
}

double fl_rng_normal(fl_rng *r) {
    double u1 = fl_rng_uniform(r), u2 = fl_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}
