/* Shared pieces of the libFuzzer harnesses (tests/fuzz/fuzz_*.c).
 *
 * A harness feeds its input to one parser and returns normally on a clean error
 * (a malformed input must be refused, never crash); FUZZ_CHECK aborts only on a
 * real bug: a broken round trip or an accepted value that breaks the parser's
 * own promises. Readers that take paths get the input through a file in one
 * scratch folder per process, removed at exit. State here is the harness's, not
 * the library's (which keeps none). */
#ifndef FL_FUZZ_UTIL_H
#define FL_FUZZ_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "futurelm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                                                        \
    do {                                                                                                             \
        if (!(cond)) {                                                                                               \
            fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);                         \
            fprintf(stderr, __VA_ARGS__);                                                                            \
            fprintf(stderr, "\n");                                                                                   \
            abort();                                                                                                 \
        }                                                                                                            \
    } while (0)

static char fuzz_dir_path[4096];
static char fuzz_files[8][64]; /* names written into the scratch folder, removed at exit */
static int fuzz_n_files;

static inline void fuzz_cleanup(void) {
    if (!fuzz_dir_path[0]) return;
    for (int i = 0; i < fuzz_n_files; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", fuzz_dir_path, fuzz_files[i]);
        unlink(p);
    }
    rmdir(fuzz_dir_path);
}

/* The scratch folder, created on first use under $FUZZ_TMPDIR, /dev/shm, $TMPDIR or /tmp. */
static inline const char *fuzz_dir(void) {
    if (!fuzz_dir_path[0]) {
        /* Memory-backed /dev/shm first: writing a file per input on a disk runs 20x slower. */
        const char *tmp = getenv("FUZZ_TMPDIR");
        if (!tmp || !tmp[0]) tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/futurelm-fuzz-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir_path)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_cleanup);
    }
    return fuzz_dir_path;
}

/* Write bytes as NAME in the scratch folder; returns its path (static buffer per name slot). */
static inline const char *fuzz_write(const char *name, const void *data, size_t size) {
    static char paths[8][4200];
    int slot = -1;
    for (int i = 0; i < fuzz_n_files; i++)
        if (!strcmp(fuzz_files[i], name)) slot = i;
    if (slot < 0) {
        if (fuzz_n_files == 8) abort();
        slot = fuzz_n_files++;
        snprintf(fuzz_files[slot], sizeof fuzz_files[slot], "%s", name);
    }
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(paths[slot], "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
        perror("fuzz: writing the input");
        abort();
    }
    return paths[slot];
}

/* Remove NAME from the scratch folder (so the next input starts without it). */
static inline void fuzz_remove(const char *name) {
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", fuzz_dir(), name);
    unlink(p);
}

/* A NUL-terminated copy of the input (parsers of C strings); the caller frees it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = 0;
    return s;
}

/* Valid UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF)? */
static inline int fuzz_utf8_valid(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], len, min, cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) len = 2, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF) len = 3, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4) len = 4, min = 0x10000;
        else return 0;
        if (i + len > n) return 0;
        cp = c & (0x7Fu >> len);
        for (unsigned k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

#endif
