/* Shared by the tokenizer and data unit tests: a temporary folder, small file
 * helpers, a short corpus with contractions, digits and UTF-8, and a BPE
 * vocabulary trained on it. Header-only, like check.h. */
#ifndef FL_TESTS_TOKENIZER_FIXTURE_H
#define FL_TESTS_TOKENIZER_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tokenizer/tokenizer.h"
#include "tokenizer/train.h"

static char TMP[256];

static inline const char *tmp_path(const char *name) {
    static char buf[64][512];
    static int k = 0;
    k = (k + 1) % 64;
    snprintf(buf[k], sizeof buf[k], "%s/%s", TMP, name);
    return buf[k];
}

static inline void write_text(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(text, 1, len, f);
        fclose(f);
    }
}

static inline int exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* ------------------------------------------------------------ helpers */

static const char *CORPUS =
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of "
    "foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, "
    "it was the season of Darkness, it was the spring of hope, it was the winter of despair. We had everything "
    "before us, we had nothing before us; we were all going direct to Heaven, we were all going direct the other "
    "way. In 1775 there were 2 kings; it's said they'd been there. Caf\xc3\xa9 na\xc3\xafve \xe4\xb8\x96\xe7\x95\x8c!\n\n";

static inline fl_tokenizer *trained_tokenizer(int vocab, const char *path) {
    fl_error err = {0};
    fl_bpe_trainer *tr = NULL;
    fl_tokenizer *tok = NULL;
    if (fl_bpe_trainer_create(&tr, &err) || fl_bpe_trainer_feed(tr, CORPUS, strlen(CORPUS), &err) ||
        fl_bpe_trainer_train(tr, vocab, &err) || fl_bpe_trainer_write(tr, path, &err) ||
        fl_tokenizer_load(path, &tok, &err)) {
        printf("# trained tokenizer failed: %s\n", err.msg);
        tok = NULL;
    }
    fl_bpe_trainer_free(tr);
    return tok;
}

static inline int round_trip(const fl_tokenizer *tok, const unsigned char *s, size_t n, int special) {
    fl_tokvec ids = {0};
    fl_bytebuf back = {0};
    int ok = fl_tokenizer_encode(tok, s, n, special, &ids, NULL) == FL_OK &&
             fl_tokenizer_decode(tok, ids.data, ids.len, &back, NULL) == FL_OK && back.len == n &&
             (n == 0 || !memcmp(back.data, s, n));
    fl_tokvec_free(&ids);
    fl_bytebuf_free(&back);
    return ok;
}

/* The rank file of a vocabulary of the 256 single bytes (rank = byte) into buf
 * (at least 256 * 12 bytes); returns its length. */
static inline size_t byte_ranks(char *buf) {
    size_t at = 0;
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        char enc[8];
        fl_base64_encode(&c, 1, enc);
        at += (size_t)sprintf(buf + at, "%s %d\n", enc, b);
    }
    return at;
}

/* Creates TMP as /tmp/NAME.XXXXXX; non-zero (with a not ok line) when it cannot. */
static inline int fixture_tmp_open(const char *name) {
    snprintf(TMP, sizeof TMP, "/tmp/%s.XXXXXX", name);
    if (!mkdtemp(TMP)) {
        printf("not ok - cannot create a temporary folder\n");
        return 1;
    }
    return 0;
}

static inline void fixture_tmp_close(void) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", TMP);
    if (system(cmd) != 0) printf("# could not remove %s\n", TMP);
}
#endif
