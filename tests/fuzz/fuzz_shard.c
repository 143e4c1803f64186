/* Token shards (src/data/shard.h) and the loader over them (src/data/loader.h):
 * the input is written as a shard file and opened without and with a vocabulary
 * bound; a shard that opens must read back exactly the input's bytes after the
 * 1024-byte header, within its own bounds. The loader then runs over a folder
 * holding it (once as one shard, once as two copies, so windows cross shards):
 * every batch token is in range, and a position saved with get_state and set on a
 * second loader continues with exactly the same batches. The header's reserved
 * byte 12 (zero in real shards) picks B, T, extra and shuffling. */
#include "data/loader.h"
#include "data/shard.h"
#include "fuzz_util.h"

static void check_shard(const uint8_t *data, size_t size, const char *path, int vocab) {
    fl_shard s;
    fl_error err = {0};
    if (fl_shard_open(path, vocab, &s, &err)) {
        FUZZ_CHECK(err.msg[0], "a refused shard without a message");
        return;
    }
    FUZZ_CHECK(s.width == 2 || s.width == 4, "width %d", s.width);
    FUZZ_CHECK(1024 + s.n * (uint64_t)s.width == size, "%llu tokens of %d bytes in a %zu-byte file",
               (unsigned long long)s.n, s.width, size);
    for (uint64_t i = 0; i < s.n; i++) {
        const uint8_t *p = data + 1024 + i * (uint64_t)s.width;
        uint32_t want = p[0] | (uint32_t)p[1] << 8;
        if (s.width == 4) want |= (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        int32_t got = fl_shard_get(&s, i);
        FUZZ_CHECK((uint32_t)got == want, "token %llu reads %d, the file has %u", (unsigned long long)i, got, want);
        if (vocab > 0) FUZZ_CHECK(got >= 0 && got < vocab, "token %d passed the check for vocab %d", got, vocab);
    }
    fl_shard_close(&s);
}

static void check_loader(const char *dir, uint8_t knob, int vocab) {
    fl_loader_config cfg = {.B = 1 + (knob & 1), .T = 1 + (knob >> 1 & 7), .extra = 1 + (knob >> 4 & 3),
                            .rank = 0, .world = 1, .shuffle = knob >> 6 & 1, .seed = knob, .vocab_size = vocab};
    fl_loader *a = NULL, *b = NULL;
    fl_error err = {0};
    if (fl_loader_open(dir, "train", &cfg, &a, &err)) {
        FUZZ_CHECK(!a && err.msg[0], "a refused loader without a message");
        return;
    }
    uint64_t W = fl_loader_num_windows(a);
    FUZZ_CHECK(W >= 1 && W * cfg.T + cfg.extra <= fl_loader_num_tokens(a), "%llu windows over %llu tokens",
               (unsigned long long)W, (unsigned long long)fl_loader_num_tokens(a));
    size_t len = (size_t)cfg.B * (size_t)(cfg.T + cfg.extra);
    int32_t *x = malloc(len * sizeof *x), *y = malloc(len * sizeof *y);
    if (!x || !y) abort();
    fl_loader_next(a, x);
    fl_loader_state st;
    fl_loader_get_state(a, &st);
    FUZZ_CHECK(fl_loader_open(dir, "train", &cfg, &b, &err) == FL_OK, "the second open failed: %s", err.msg);
    FUZZ_CHECK(fl_loader_set_state(b, &st, &err) == FL_OK, "set_state of our own state failed: %s", err.msg);
    for (int k = 0; k < 3; k++) {
        fl_loader_next(a, x);
        fl_loader_next(b, y);
        FUZZ_CHECK(!memcmp(x, y, len * sizeof *x), "batch %d after a restored position differs", k);
        for (size_t i = 0; i < len; i++)
            FUZZ_CHECK(x[i] >= 0 && (vocab == 0 || x[i] < vocab), "batch token %d, vocab %d", x[i], vocab);
    }
    free(x);
    free(y);
    fl_loader_free(a);
    fl_loader_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int vocabs[] = {0, 512, 70000};
    fuzz_remove("train_000001.bin");
    const char *path = fuzz_write("train_000000.bin", data, size);
    for (int i = 0; i < 3; i++) check_shard(data, size, path, vocabs[i]);
    uint8_t knob = size > 12 ? data[12] : 0;
    check_loader(fuzz_dir(), knob, 0);
    check_loader(fuzz_dir(), knob, 512);
    fuzz_write("train_000001.bin", data, size);
    check_loader(fuzz_dir(), knob, 0);
    return 0;
}
