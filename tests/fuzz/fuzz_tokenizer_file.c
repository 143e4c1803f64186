/* Tokenizer files (fl_tokenizer_load_mem): a tiktoken rank file and, after the
 * input's first NUL byte, its JSON sidecar. Malformed files must be refused with
 * a message. A tokenizer that loads must keep its promises: every id it encodes is
 * in its vocabulary, <|endoftext|> (when present) is one of its ids, and a fixed
 * text, with and without special tokens, decodes back to itself. */
#include "fuzz_util.h"
#include "tokenizer/tokenizer.h"

static const char TEXT[] = "Hello, world! It's 2024: don't panic.\n\n\tnaive caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac "
                           "\xf0\x9f\x98\x80 x<|endoftext|>y  \xff\xfe end\r\n";

static void round_trip(const fl_tokenizer *t, int allow_special) {
    fl_tokvec ids = {0};
    fl_bytebuf out = {0};
    fl_error err = {0};
    size_t n = sizeof TEXT - 1;
    FUZZ_CHECK(fl_tokenizer_encode(t, TEXT, n, allow_special, &ids, &err) == FL_OK, "encode failed: %s", err.msg);
    int V = fl_tokenizer_vocab_size(t);
    for (size_t i = 0; i < ids.len; i++) {
        size_t len = 0;
        FUZZ_CHECK(ids.data[i] >= 0 && ids.data[i] < V, "id %d outside the vocabulary of %d", ids.data[i], V);
        FUZZ_CHECK(fl_tokenizer_token_bytes(t, ids.data[i], &len) && len > 0, "id %d has no bytes", ids.data[i]);
    }
    FUZZ_CHECK(fl_tokenizer_decode(t, ids.data, ids.len, &out, &err) == FL_OK, "decode failed: %s", err.msg);
    FUZZ_CHECK(out.len == n && !memcmp(out.data, TEXT, n), "decode(encode(text)) differs (allow_special %d)",
               allow_special);
    fl_tokvec_free(&ids);
    fl_bytebuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    const char *nul = memchr(text, 0, size);
    size_t ranks_len = nul ? (size_t)(nul - text) : size;
    fl_tokenizer *t = NULL;
    fl_error err = {0};
    fl_status st = fl_tokenizer_load_mem("fuzz.tiktoken", text, ranks_len, nul ? nul + 1 : NULL,
                                         nul ? size - ranks_len - 1 : 0, &t, &err);
    if (st) {
        FUZZ_CHECK(!t && err.msg[0], "a failed load without a message, or with a tokenizer");
        return 0;
    }
    int V = fl_tokenizer_vocab_size(t), eot = fl_tokenizer_eot(t);
    FUZZ_CHECK(V >= fl_tokenizer_n_ranks(t) && V >= 256, "vocab_size %d below %d ranks", V, fl_tokenizer_n_ranks(t));
    FUZZ_CHECK(eot == -1 || (eot >= 0 && eot < V), "eot %d outside the vocabulary of %d", eot, V);
    FUZZ_CHECK(strlen(fl_tokenizer_sha256(t)) == 64, "the sha256 is not 64 hex digits");
    for (int i = 0; i < fl_tokenizer_n_special(t); i++) {
        int id = fl_tokenizer_special_id(t, i);
        FUZZ_CHECK(id >= 0 && id < V, "special token %d has id %d outside %d", i, id, V);
    }
    round_trip(t, 0);
    round_trip(t, 1);
    fl_tokenizer_free(t);
    return 0;
}
