/* The data folder's manifest.json (fl_manifest_read): any bytes are refused with a
 * message or give a manifest that keeps the reader's promises: vocab_size >= 1,
 * eot in the vocabulary, token_bytes the width the vocabulary needs, and strings
 * NUL-terminated within their fields. */
#include "data/manifest.h"
#include "data/shard.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_write("manifest.json", data, size);
    fl_manifest m;
    fl_error err = {0};
    if (fl_manifest_read(fuzz_dir(), &m, &err)) {
        FUZZ_CHECK(err.msg[0], "a refused manifest without a message");
        return 0;
    }
    FUZZ_CHECK(m.vocab_size >= 1, "vocab_size %d", m.vocab_size);
    FUZZ_CHECK(m.eot >= 0 && m.eot < m.vocab_size, "eot %d outside vocab_size %d", m.eot, m.vocab_size);
    FUZZ_CHECK(m.token_bytes == fl_shard_width(m.vocab_size), "token_bytes %d for vocab_size %d", m.token_bytes,
               m.vocab_size);
    FUZZ_CHECK(memchr(m.sha256, 0, sizeof m.sha256) && memchr(m.tokenizer, 0, sizeof m.tokenizer),
               "a string field is not terminated");
    FUZZ_CHECK(m.sha256[0] == 0 || strlen(m.sha256) <= 64, "sha256 of %zu characters", strlen(m.sha256));
    return 0;
}
