/* Encoding arbitrary bytes (invalid UTF-8 included) with a real vocabulary
 * (fuzz_tok.h): the pre-tokenizer always advances within the text, every id is in
 * the vocabulary, and decode(encode(x)) == x, both as ordinary text and with
 * special tokens recognised. */
#include "fuzz_tok.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    fuzz_tok_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (size_t pos = 0; pos < size;) {
        size_t end = fl_pretok_next(data, size, pos);
        FUZZ_CHECK(end > pos && end <= size, "fl_pretok_next(%zu) returned %zu of %zu", pos, end, size);
        pos = end;
    }
    int V = fl_tokenizer_vocab_size(fuzz_tok);
    for (int allow_special = 0; allow_special < 2; allow_special++) {
        fl_tokvec ids = {0};
        fl_bytebuf out = {0};
        fl_error err = {0};
        FUZZ_CHECK(fl_tokenizer_encode(fuzz_tok, data, size, allow_special, &ids, &err) == FL_OK, "encode: %s",
                   err.msg);
        FUZZ_CHECK(ids.len <= size, "%zu ids for %zu bytes", ids.len, size);
        for (size_t i = 0; i < ids.len; i++)
            FUZZ_CHECK(ids.data[i] >= 0 && ids.data[i] < V, "id %d outside %d", ids.data[i], V);
        if (!allow_special)
            for (size_t i = 0; i < ids.len; i++)
                FUZZ_CHECK(ids.data[i] != fl_tokenizer_eot(fuzz_tok), "ordinary text encoded to <|endoftext|>");
        FUZZ_CHECK(fl_tokenizer_decode(fuzz_tok, ids.data, ids.len, &out, &err) == FL_OK, "decode: %s", err.msg);
        FUZZ_CHECK(out.len == size && (size == 0 || !memcmp(out.data, data, size)),
                   "decode(encode(x)) != x for %zu bytes (allow_special %d)", size, allow_special);
        fl_tokvec_free(&ids);
        fl_bytebuf_free(&out);
    }
    return 0;
}
