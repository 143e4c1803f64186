/* Decoding arbitrary id lists (the input as little-endian int32): an id outside
 * the vocabulary is an error with a message, never a read out of bounds; a list
 * of valid ids always decodes, to exactly the concatenation of their bytes. */
#include "fuzz_tok.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    fuzz_tok_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t n = size / 4;
    int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) abort();
    size_t expect = 0;
    int all_valid = 1;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = data + 4 * i;
        ids[i] = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        size_t len = 0;
        if (fl_tokenizer_token_bytes(fuzz_tok, ids[i], &len)) expect += len;
        else all_valid = 0;
    }
    fl_bytebuf out = {0};
    fl_error err = {0};
    fl_status st = fl_tokenizer_decode(fuzz_tok, ids, n, &out, &err);
    if (all_valid) {
        FUZZ_CHECK(st == FL_OK, "valid ids failed to decode: %s", err.msg);
        FUZZ_CHECK(out.len == expect, "decoded %zu bytes, expected %zu", out.len, expect);
    } else {
        FUZZ_CHECK(st != FL_OK && err.msg[0], "an invalid id decoded without an error");
    }
    fl_bytebuf_free(&out);
    free(ids);
    return 0;
}
