/* The tokenizer the encode/decode harnesses share, loaded once per process:
 * r50k_base (GPT-2's vocabulary) from data/gpt-tokenizer/ when the corpora are
 * fetched (FUZZ_TOKENIZER names another file), else a small byte-level BPE built
 * here (256 byte tokens, a few dozen English merges, <|endoftext|>), so the
 * harnesses run on a fresh clone too. */
#ifndef FL_FUZZ_TOK_H
#define FL_FUZZ_TOK_H
#include "fuzz_util.h"
#include "tokenizer/tokenizer.h"

static fl_tokenizer *fuzz_tok;

static inline fl_tokenizer *fuzz_small_tokenizer(void) {
    static const char *merges[] = {"th", "he", "in", "er", "an", " t", " a", "re", "on", "the", " the", "ing", "nd",
                                   "at", "en", "ou", "es", "is", " s", " w", "or", "ed", "it", " o", "'s", "  ",
                                   "\n\n", "12", "123", "\xc3\xa9", "\xe2\x80", "\xe2\x80\x94"};
    size_t n_merges = sizeof merges / sizeof merges[0];
    char *text = malloc((256 + n_merges) * 32);
    if (!text) abort();
    size_t at = 0;
    for (int r = 0; r < 256 + (int)n_merges; r++) {
        unsigned char b = (unsigned char)r;
        const unsigned char *tok = r < 256 ? &b : (const unsigned char *)merges[r - 256];
        size_t len = r < 256 ? 1 : strlen(merges[r - 256]);
        at += fl_base64_encode(tok, len, text + at);
        at += (size_t)sprintf(text + at, " %d\n", r);
    }
    fl_tokenizer *t = NULL;
    fl_error err = {0};
    if (fl_tokenizer_load_mem("fuzz-small", text, at, NULL, 0, &t, &err)) {
        fprintf(stderr, "fuzz: building the small vocabulary failed: %s\n", err.msg);
        abort();
    }
    free(text);
    return t;
}

static inline void fuzz_tok_init(void) {
    const char *path = getenv("FUZZ_TOKENIZER");
    if (!path) path = "data/gpt-tokenizer/r50k_base.tiktoken";
    fl_error err = {0};
    if (access(path, R_OK) == 0 && fl_tokenizer_load(path, &fuzz_tok, &err) == FL_OK) {
        fprintf(stderr, "fuzz: tokenizer %s (%d tokens)\n", path, fl_tokenizer_vocab_size(fuzz_tok));
    } else {
        fuzz_tok = fuzz_small_tokenizer();
        fprintf(stderr, "fuzz: %s not found; a small built-in vocabulary (%d tokens)\n", path,
                fl_tokenizer_vocab_size(fuzz_tok));
    }
}
#endif
