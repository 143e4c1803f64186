/* SHA-256 (FIPS 180-4): the identity of a tokenizer file, so a checkpoint or a
 * data manifest can tell which vocabulary produced its ids (`sha256sum` agrees). */
#ifndef FL_TOKENIZER_SHA256_H
#define FL_TOKENIZER_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t total;
    unsigned char buf[64];
    size_t fill;
} fl_sha256;

void fl_sha256_init(fl_sha256 *s);
void fl_sha256_update(fl_sha256 *s, const void *data, size_t len);
/* Writes 64 lowercase hex digits and a NUL into hex[65]. */
void fl_sha256_hex(fl_sha256 *s, char hex[65]);

#endif
