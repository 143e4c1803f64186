/* Unit tests of the tokenizer and the data pipeline: pre-tokenizer splits, BPE
 * round trips over arbitrary bytes (invalid UTF-8 included), known GPT-2 ids
 * (when data/ has r50k_base), the trainer, shards, prepare and the loader.
 * Everything runs without network; files go to a temporary folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "data/loader.h"
#include "data/manifest.h"
#include "data/prepare.h"
#include "data/shard.h"
#include "tokenizer/sha256.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/train.h"
#include "util/rng.h"

static char TMP[256];

static const char *tmp_path(const char *name) {
    static char buf[64][512];
    static int k = 0;
    k = (k + 1) % 64;
    snprintf(buf[k], sizeof buf[k], "%s/%s", TMP, name);
    return buf[k];
}

static void write_text(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(text, 1, len, f);
        fclose(f);
    }
}

static int exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* ------------------------------------------------------------ pre-tokenizer */

static int splits_as(const char *text, size_t n, const char *const *want, int nwant) {
    const unsigned char *s = (const unsigned char *)text;
    int k = 0;
    for (size_t i = 0; i < n; k++) {
        size_t e = fl_pretok_next(s, n, i);
        if (k >= nwant || e - i != strlen(want[k]) || memcmp(s + i, want[k], e - i)) return 0;
        i = e;
    }
    return k == nwant;
}

static void test_pretok(void) {
    const char *a[] = {"Hello", " world", "'s", " ", " x"};
    check(splits_as("Hello world's  x", 16, a, 5), "pretok: words, contraction, double space", "split differs");
    const char *b[] = {"don", "'t", " I", "'m", " we", "'ll", " they", "'re"};
    check(splits_as("don't I'm we'll they're", 23, b, 8), "pretok: contractions", "split differs");
    const char *c[] = {"123", "abc", " 45", " !!?"};
    check(splits_as("123abc 45 !!?", 13, c, 4), "pretok: letters, numbers, punctuation runs", "split differs");
    const char *d[] = {"a", "\n\n", " b", "  \n"};
    check(splits_as("a\n\n b  \n", 8, d, 4), "pretok: whitespace runs (lookahead)", "split differs");
    /* U+0085 is Unicode White_Space (tiktoken splits it off); U+FEFF is not */
    const char *e[] = {"a", " ", "\xc2\x85", "b"};
    check(splits_as("a \xc2\x85" "b", 5, e, 4), "pretok: U+0085 is whitespace", "split differs");
    const char *f[] = {"a", " \xef\xbb\xbf", "b"};
    check(splits_as("a \xef\xbb\xbf" "b", 6, f, 3), "pretok: U+FEFF is not whitespace", "split differs");
    const char *g[] = {"caf\xc3\xa9", " \xe4\xb8\x96\xe7\x95\x8c", " \xd9\xa3"};
    check(splits_as("caf\xc3\xa9 \xe4\xb8\x96\xe7\x95\x8c \xd9\xa3", 15, g, 3), "pretok: non-ASCII letters and digits",
          "split differs");
    const char *h[] = {"a", "\xff\xfe", "b", " \x80"};
    check(splits_as("a\xff\xfe" "b \x80", 6, h, 4), "pretok: invalid UTF-8 bytes are 'other'", "split differs");
    /* U+001C..U+001F are not White_Space (Python's isspace says they are; tiktoken's
     * regex does not): tiktoken encodes "a\x1c's" as a | \x1c' | s */
    const char *u[] = {"a", "\x1c'", "s", " \x1d\x1e\x1f"};
    check(splits_as("a\x1c's \x1d\x1e\x1f", 8, u, 4), "pretok: U+001C..U+001F are 'other', not whitespace",
          "split differs");
}

/* ------------------------------------------------------------ helpers */

static const char *CORPUS =
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of "
    "foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, "
    "it was the season of Darkness, it was the spring of hope, it was the winter of despair. We had everything "
    "before us, we had nothing before us; we were all going direct to Heaven, we were all going direct the other "
    "way. In 1775 there were 2 kings; it's said they'd been there. Caf\xc3\xa9 na\xc3\xafve \xe4\xb8\x96\xe7\x95\x8c!\n\n";

static fl_tokenizer *trained_tokenizer(int vocab, const char *path) {
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

static int round_trip(const fl_tokenizer *tok, const unsigned char *s, size_t n, int special) {
    fl_tokvec ids = {0};
    fl_bytebuf back = {0};
    int ok = fl_tokenizer_encode(tok, s, n, special, &ids, NULL) == FL_OK &&
             fl_tokenizer_decode(tok, ids.data, ids.len, &back, NULL) == FL_OK && back.len == n &&
             (n == 0 || !memcmp(back.data, s, n));
    fl_tokvec_free(&ids);
    fl_bytebuf_free(&back);
    return ok;
}

/* ------------------------------------------------------------ tokenizer */

static void test_basics(void) {
    unsigned char raw[256];
    char enc[400];
    unsigned char dec[300];
    for (int i = 0; i < 256; i++) raw[i] = (unsigned char)(i * 7 + 3);
    int ok = 1;
    for (size_t n = 1; n < 40; n++) {
        size_t el = fl_base64_encode(raw, n, enc);
        ok &= fl_base64_decode(enc, el, dec) == n && !memcmp(dec, raw, n);
    }
    ok &= fl_base64_decode("IQ=", 3, dec) == (size_t)-1 && fl_base64_decode("I$==", 4, dec) == (size_t)-1;
    check(ok, "base64 round trip and rejects", "mismatch");
    fl_sha256 s;
    char hex[65];
    fl_sha256_init(&s);
    fl_sha256_update(&s, "abc", 3);
    fl_sha256_hex(&s, hex);
    check(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "sha256 of 'abc'", "%s",
          hex);
}

static void test_trained(void) {
    const char *path = tmp_path("small.tiktoken");
    fl_tokenizer *tok = trained_tokenizer(300, path);
    if (!check(tok != NULL, "train a 300-token vocabulary and load it", "failed")) return;
    check(fl_tokenizer_vocab_size(tok) == 300 && fl_tokenizer_eot(tok) == 299 && fl_tokenizer_n_ranks(tok) == 299,
          "trained vocabulary: 299 ranks + <|endoftext|> = 300", "vocab %d eot %d ranks %d",
          fl_tokenizer_vocab_size(tok), fl_tokenizer_eot(tok), fl_tokenizer_n_ranks(tok));
    check(exists(tmp_path("small.tiktoken.json")), "trainer writes the sidecar", "no sidecar");
    /* random bytes, biased towards UTF-8 lead/continuation bytes, spaces and letters */
    fl_rng r;
    fl_rng_seed(&r, 42);
    unsigned char buf[600];
    static const unsigned char alphabet[] = {' ', ' ', 'a', 'e', 't', 'h', '\'', 's', '\n', '1', 0xc3, 0xa9,
                                             0xe4, 0xb8, 0x96, 0xff, 0x80, 0xf0, 0x9f, 0x98, 0x80, 0,    '<', '|'};
    int all = 1, fails = 0;
    for (int t = 0; t < 2000; t++) {
        size_t n = (size_t)fl_rng_below(&r, sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = fl_rng_below(&r, 4) ? alphabet[fl_rng_below(&r, sizeof alphabet)] : (unsigned char)fl_rng_next(&r);
        if (!round_trip(tok, buf, n, 0) || !round_trip(tok, buf, n, 1)) all = 0, fails++;
    }
    check(all, "decode(encode(x)) == x for 2000 random byte strings (invalid UTF-8 included)", "%d failed", fails);
    check(round_trip(tok, (const unsigned char *)CORPUS, strlen(CORPUS), 0), "round trip of the training text",
          "differs");
    /* special tokens */
    const char *txt = "a<|endoftext|>b";
    fl_tokvec ids = {0};
    fl_tokenizer_encode(tok, txt, strlen(txt), 1, &ids, NULL);
    int found = 0;
    for (size_t i = 0; i < ids.len; i++) found += ids.data[i] == 299;
    check(found == 1 && ids.len == 3, "allow_special turns <|endoftext|> into its id", "%zu ids, %d eot", ids.len,
          found);
    ids.len = 0;
    fl_tokenizer_encode(tok, txt, strlen(txt), 0, &ids, NULL);
    found = 0;
    for (size_t i = 0; i < ids.len; i++) found += ids.data[i] == 299;
    check(found == 0 && ids.len > 3, "ordinary encoding treats <|endoftext|> as text", "%zu ids", ids.len);
    fl_bytebuf out = {0};
    int32_t badid = 300;
    fl_error err = {0};
    check(fl_tokenizer_decode(tok, &badid, 1, &out, &err) == FL_ERR_FORMAT && strstr(err.msg, "300"),
          "decode rejects an id outside the vocabulary", "%s", err.msg);
    fl_bytebuf_free(&out);
    fl_tokvec_free(&ids);
    fl_tokenizer_free(tok);

    /* trainer: too small a vocabulary */
    fl_bpe_trainer *tr;
    fl_bpe_trainer_create(&tr, &err);
    fl_bpe_trainer_feed(tr, "abc", 3, &err);
    check(fl_bpe_trainer_train(tr, 256, &err) == FL_ERR_ARG && strstr(err.msg, "257"),
          "trainer rejects a vocabulary smaller than 256 + specials", "%s", err.msg);
    /* trainer determinism: twice the same file */
    fl_bpe_trainer_free(tr);
    fl_tokenizer *t2 = trained_tokenizer(300, tmp_path("small2.tiktoken"));
    char *x, *y;
    size_t nx, ny;
    int same = t2 && !fl_read_file(path, &x, &nx, NULL) && !fl_read_file(tmp_path("small2.tiktoken"), &y, &ny, NULL) &&
               nx == ny && !memcmp(x, y, nx);
    check(same, "trainer is deterministic", "two runs differ");
    if (t2) free(x), free(y);
    fl_tokenizer_free(t2);
}

static void test_load_errors(void) {
    fl_tokenizer *tok;
    fl_error err = {0};
    char ranks[256 * 16 + 64];
    size_t n = 0;
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        char e[8];
        fl_base64_encode(&c, 1, e);
        n += (size_t)sprintf(ranks + n, "%s %d\n", e, b);
    }
    check(fl_tokenizer_load_mem("bytes", ranks, n, NULL, 0, &tok, &err) == FL_OK && fl_tokenizer_vocab_size(tok) == 257,
          "a bytes-only rank file loads (eot = 256)", "%s", err.msg);
    if (tok) {
        check(round_trip(tok, (const unsigned char *)"\xff\x00z", 3, 0), "bytes-only vocabulary round-trips",
              "differs");
        fl_tokenizer_free(tok);
    }
    check(fl_tokenizer_load_mem("bad", "IQ== 0\nnot base64! 1\n", 21, NULL, 0, &tok, &err) == FL_ERR_FORMAT &&
              strstr(err.msg, "bad:2"),
          "malformed rank line is reported with its line", "%s", err.msg);
    check(fl_tokenizer_load_mem("missing", ranks, n - 9, NULL, 0, &tok, &err) == FL_ERR_FORMAT &&
              strstr(err.msg, "0xff"),
          "a vocabulary without every byte is rejected", "%s", err.msg);
    const char *side = "{\"pattern\": \"\\\\w+\", \"special_tokens\": {}}";
    check(fl_tokenizer_load_mem("pat", ranks, n, side, strlen(side), &tok, &err) == FL_ERR_FORMAT &&
              strstr(err.msg, "pattern"),
          "an unsupported pattern is rejected", "%s", err.msg);
    check(fl_tokenizer_load(tmp_path("does-not-exist.tiktoken"), &tok, &err) == FL_ERR_IO &&
              strstr(err.msg, "does-not-exist"),
          "a missing tokenizer file is named", "%s", err.msg);
    char dup[64];
    int m = sprintf(dup, "IQ== 0\nIQ== 1\n");
    check(fl_tokenizer_load_mem("dup", dup, (size_t)m, NULL, 0, &tok, &err) == FL_ERR_FORMAT,
          "duplicate tokens are rejected", "%s", err.msg);
}

/* Known GPT-2 ids, when get-data.sh has fetched r50k_base. */
static void test_r50k(void) {
    const char *path = "data/gpt-tokenizer/r50k_base.tiktoken";
    if (!exists(path)) {
        printf("# skipping r50k_base checks: run scripts/get-data.sh gpt-tokenizer\n");
        return;
    }
    fl_tokenizer *tok;
    fl_error err = {0};
    if (!check(fl_tokenizer_load(path, &tok, &err) == FL_OK, "load r50k_base", "%s", err.msg)) return;
    struct {
        const char *text;
        int n;
        int ids[12];
    } cases[] = {
        {"hello", 1, {31373}},
        {"Hello, World! How are you today? \xf0\x9f\x8c\x8d", 12, {15496, 11, 2159, 0, 1374, 389, 345, 1909, 30, 12520, 234, 235}},
        {"a \xc2\x85" "b", 5, {64, 220, 126, 227, 65}},
        {"a a", 2, {64, 257}},
    };
    int ok = 1;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fl_tokvec ids = {0};
        fl_tokenizer_encode(tok, cases[c].text, strlen(cases[c].text), 0, &ids, NULL);
        ok &= (int)ids.len == cases[c].n && !memcmp(ids.data, cases[c].ids, ids.len * 4);
        fl_tokvec_free(&ids);
    }
    check(ok, "r50k_base known encodings (incl. U+0085 as tiktoken, not js-tiktoken)", "ids differ");
    check(fl_tokenizer_eot(tok) == 50256 && fl_tokenizer_vocab_size(tok) == 50257, "r50k_base <|endoftext|> = 50256",
          "eot %d", fl_tokenizer_eot(tok));
    fl_tokenizer_free(tok);
}

/* ------------------------------------------------------------ shards */

static void test_shards(void) {
    fl_error err = {0};
    int32_t ids[1000];
    for (int i = 0; i < 1000; i++) ids[i] = (i * 37) % 1000;
    const char *p16 = tmp_path("s16.bin"), *p32 = tmp_path("s32.bin");
    fl_shard s;
    int ok = fl_shard_write(p16, ids, 1000, 1000, &err) == FL_OK && fl_shard_open(p16, 1000, &s, &err) == FL_OK &&
             s.n == 1000 && s.width == 2;
    for (int i = 0; ok && i < 1000; i++) ok = fl_shard_get(&s, (uint64_t)i) == ids[i];
    fl_shard_close(&s);
    check(ok, "uint16 shard write/read", "%s", err.msg);
    for (int i = 0; i < 1000; i++) ids[i] = 70000 + i;
    ok = fl_shard_write(p32, ids, 1000, 100000, &err) == FL_OK && fl_shard_open(p32, 100000, &s, &err) == FL_OK &&
         s.n == 1000 && s.width == 4;
    for (int i = 0; ok && i < 1000; i++) ok = fl_shard_get(&s, (uint64_t)i) == ids[i];
    fl_shard_close(&s);
    check(ok, "uint32 shard (vocab > 65536) write/read, magic 20240801", "%s", err.msg);
    FILE *f = fopen(p32, "rb");
    int32_t head[3] = {0};
    if (f) {
        if (fread(head, 4, 3, f) != 3) head[0] = 0;
        fclose(f);
    }
    check(head[0] == 20240801 && head[1] == 7 && head[2] == 1000, "uint32 shard header", "%d %d %d", head[0], head[1],
          head[2]);
    check(fl_shard_open(p32, 70500, &s, &err) == FL_ERR_FORMAT && strstr(err.msg, "outside the vocabulary"),
          "a token id outside the vocabulary is rejected", "%s", err.msg);
    /* wrong magic */
    const char *pbad = tmp_path("bad.bin");
    char zeros[2048] = {0};
    write_text(pbad, zeros, sizeof zeros);
    check(fl_shard_open(pbad, 1000, &s, &err) == FL_ERR_FORMAT && strstr(err.msg, "magic"),
          "a shard with the wrong magic is rejected", "%s", err.msg);
    /* truncated */
    char *data;
    size_t len;
    fl_read_file(p16, &data, &len, NULL);
    write_text(pbad, data, len - 3);
    check(fl_shard_open(pbad, 1000, &s, &err) == FL_ERR_FORMAT && strstr(err.msg, "truncated"),
          "a truncated shard is rejected", "%s", err.msg);
    write_text(pbad, data, 100);
    check(fl_shard_open(pbad, 1000, &s, &err) == FL_ERR_FORMAT && strstr(err.msg, "truncated"),
          "a shard shorter than its header is rejected", "%s", err.msg);
    free(data);
    int32_t big = 5000;
    check(fl_shard_write(tmp_path("w.bin"), &big, 1, 1000, &err) == FL_ERR_ARG && !exists(tmp_path("w.bin")) &&
              !exists(tmp_path("w.bin.tmp")),
          "the writer refuses ids >= V and leaves no file", "%s", err.msg);
}

/* ------------------------------------------------------------ loader */

static int make_data(const char *dir, int nshards, int per) {
    mkdir(dir, 0777);
    int32_t *ids = malloc((size_t)per * sizeof *ids);
    int ok = ids != NULL;
    for (int s = 0; ok && s < nshards; s++) {
        for (int i = 0; i < per; i++) ids[i] = s * per + i;
        char p[600];
        snprintf(p, sizeof p, "%s/train_%06d.bin", dir, s);
        ok = fl_shard_write(p, ids, (size_t)per, 100000, NULL) == FL_OK;
    }
    free(ids);
    return ok;
}

static void test_loader(void) {
    const char *dir = tmp_path("loaddata");
    if (!check(make_data(dir, 3, 1000), "write loader shards", "failed")) return;
    fl_loader_config c = {.B = 4, .T = 16, .extra = 1, .rank = 0, .world = 1, .shuffle = 1, .seed = 7, .vocab_size = 100000};
    fl_loader *a, *b;
    fl_error err = {0};
    if (!check(fl_loader_open(dir, "train", &c, &a, &err) == FL_OK, "open loader", "%s", err.msg)) return;
    fl_loader_open(dir, "train", &c, &b, &err);
    check(fl_loader_num_tokens(a) == 3000 && fl_loader_num_windows(a) == (3000 - 1) / 16 && fl_loader_num_shards(a) == 3,
          "loader sees all shards as one stream", "tokens %llu windows %llu",
          (unsigned long long)fl_loader_num_tokens(a), (unsigned long long)fl_loader_num_windows(a));
    int L = c.T + c.extra, n = c.B * L;
    int32_t x[4 * 17], y[4 * 17];
    int windows_ok = 1, same = 1;
    for (int it = 0; it < 100; it++) {
        fl_loader_next(a, x);
        fl_loader_next(b, y);
        same &= !memcmp(x, y, sizeof x);
        for (int r = 0; r < c.B; r++) {
            windows_ok &= x[r * L] % c.T == 0; /* windows start at multiples of T */
            for (int i = 1; i < L; i++) windows_ok &= x[r * L + i] == x[r * L] + i;
        }
    }
    check(windows_ok, "windows are T+extra consecutive tokens (crossing shard boundaries)", "bad window");
    check(same, "same seed gives the same batches", "differ");
    /* state save/restore across an epoch boundary (W = 187, 46 batches an epoch) */
    fl_loader_state st;
    fl_loader_get_state(a, &st);
    int32_t *seq = malloc(sizeof(int32_t) * (size_t)n * 60);
    for (int it = 0; it < 60; it++) fl_loader_next(a, seq + (size_t)it * n);
    fl_loader *r;
    fl_loader_open(dir, "train", &c, &r, &err);
    int restored = fl_loader_set_state(r, &st, &err) == FL_OK;
    for (int it = 0; restored && it < 60; it++) {
        fl_loader_next(r, x);
        restored &= !memcmp(x, seq + (size_t)it * n, sizeof x);
    }
    check(restored, "state save/restore gives exactly the same batches (across epochs)", "%s", err.msg);
    fl_loader_state other = st;
    other.n_windows++;
    check(fl_loader_set_state(r, &other, &err) == FL_ERR_STATE, "restoring a state of other data is refused", "%s",
          err.msg);
    /* epoch coverage: one epoch visits distinct windows */
    fl_loader_config c1 = c;
    c1.seed = 99;
    fl_loader *e;
    fl_loader_open(dir, "train", &c1, &e, &err);
    uint64_t W = fl_loader_num_windows(e), nb = fl_loader_batches_per_epoch(e);
    char *seen = calloc(W, 1);
    int distinct = 1;
    for (uint64_t it = 0; it < nb; it++) {
        fl_loader_next(e, x);
        for (int q = 0; q < c.B; q++) {
            uint64_t w = (uint64_t)x[q * L] / (uint64_t)c.T;
            distinct &= !seen[w];
            seen[w] = 1;
        }
    }
    check(distinct, "an epoch visits each window at most once", "repeat");
    /* rank/world split: two ranks see disjoint windows */
    fl_loader_config c0 = c, cr = c;
    c0.world = cr.world = 2;
    cr.rank = 1;
    fl_loader *r0, *r1;
    fl_loader_open(dir, "train", &c0, &r0, &err);
    fl_loader_open(dir, "train", &cr, &r1, &err);
    memset(seen, 0, W);
    int disjoint = 1;
    for (uint64_t it = 0; it < fl_loader_batches_per_epoch(r0); it++) {
        fl_loader_next(r0, x);
        fl_loader_next(r1, y);
        for (int q = 0; q < c.B; q++) {
            uint64_t w0 = (uint64_t)x[q * L] / (uint64_t)c.T, w1 = (uint64_t)y[q * L] / (uint64_t)c.T;
            disjoint &= !seen[w0] && !seen[w1] && w0 != w1;
            seen[w0] = seen[w1] = 1;
        }
    }
    check(disjoint, "ranks of a world see disjoint windows", "overlap");
    /* too little data */
    fl_loader_config big = c;
    big.T = 4000;
    fl_loader *z = NULL;
    check(fl_loader_open(dir, "train", &big, &z, &err) == FL_ERR_ARG && strstr(err.msg, "fewer than one batch"),
          "a split too small for one batch is reported", "%s", err.msg);
    check(fl_loader_open(dir, "val", &c, &z, &err) == FL_ERR_IO && strstr(err.msg, "val_"),
          "a missing split is reported", "%s", err.msg);
    free(seen);
    free(seq);
    fl_loader_free(a), fl_loader_free(b), fl_loader_free(r), fl_loader_free(e), fl_loader_free(r0), fl_loader_free(r1);
}

/* ------------------------------------------------------------ prepare */

static void test_prepare(void) {
    const char *tokpath = tmp_path("prep.tiktoken");
    fl_tokenizer *tok = trained_tokenizer(400, tokpath);
    if (!tok) return;
    const char *in = tmp_path("in");
    mkdir(in, 0777);
    char p[600];
    for (int i = 0; i < 20; i++) {
        snprintf(p, sizeof p, "%s/doc%02d.txt", in, i);
        write_text(p, CORPUS, strlen(CORPUS) - (size_t)i);
    }
    snprintf(p, sizeof p, "%s/notes.bin", in); /* not a text extension: skipped */
    write_text(p, "\x01\x02", 2);
    const char *jl = tmp_path("docs.jsonl");
    const char *jtext = "{\"text\": \"first doc\"}\n\n{\"text\": \"second \\u00e9 doc\", \"id\": 2}\n";
    write_text(jl, jtext, strlen(jtext));
    char *inputs[2] = {(char *)in, (char *)jl};
    fl_prepare_opts o = {.tokenizer_path = tokpath, .inputs = inputs, .n_inputs = 2, .out_dir = tmp_path("out"),
                         .val_fraction = 0.25, .seed = 1, .max_shard_tokens = 500};
    fl_prepare_result res;
    fl_error err = {0};
    int ok = fl_prepare(&o, &res, &err) == FL_OK;
    check(ok, "prepare text files + JSONL", "%s", err.msg);
    if (!ok) {
        fl_tokenizer_free(tok);
        return;
    }
    check(res.documents[0] + res.documents[1] == 22 && res.documents[1] > 0 && res.documents[0] > 0,
          "prepare splits 22 documents by document into train and val", "train %llu val %llu",
          (unsigned long long)res.documents[0], (unsigned long long)res.documents[1]);
    check(res.shards[0] > 1 && exists(tmp_path("out/manifest.json")) && exists(tmp_path("out/train_000001.bin")),
          "prepare splits shards at --shard-tokens and writes a manifest", "%d shards", res.shards[0]);
    /* expected token total: each document = 1 + its tokens */
    uint64_t want = 0;
    for (int i = 0; i < 20; i++) {
        fl_tokvec ids = {0};
        fl_tokenizer_encode(tok, CORPUS, strlen(CORPUS) - (size_t)i, 0, &ids, NULL);
        want += 1 + ids.len;
        fl_tokvec_free(&ids);
    }
    const char *jd[2] = {"first doc", "second \xc3\xa9 doc"};
    for (int i = 0; i < 2; i++) {
        fl_tokvec ids = {0};
        fl_tokenizer_encode(tok, jd[i], strlen(jd[i]), 0, &ids, NULL);
        want += 1 + ids.len;
        fl_tokvec_free(&ids);
    }
    check(res.tokens[0] + res.tokens[1] == want, "token count = documents + their tokens", "%llu vs %llu",
          (unsigned long long)(res.tokens[0] + res.tokens[1]), (unsigned long long)want);
    /* the shards decode back to the documents, each after <|endoftext|> */
    fl_loader_config lc = {.B = 1, .T = 8, .extra = 1, .world = 1, .vocab_size = 400};
    fl_loader *l;
    check(fl_loader_open(tmp_path("out"), "val", &lc, &l, &err) == FL_OK, "loader reads prepared val shards", "%s",
          err.msg);
    fl_loader_free(l);
    fl_shard s;
    int first_eot = fl_shard_open(tmp_path("out/train_000000.bin"), 400, &s, &err) == FL_OK &&
                    fl_shard_get(&s, 0) == fl_tokenizer_eot(tok);
    fl_shard_close(&s);
    check(first_eot, "documents start with <|endoftext|>", "%s", err.msg);
    fl_manifest man;
    int mok = fl_manifest_read(tmp_path("out"), &man, &err) == FL_OK;
    check(mok && man.vocab_size == 400 && man.eot == 399 && man.token_bytes == 2 &&
              !strcmp(man.sha256, fl_tokenizer_sha256(tok)) && man.tokens[0] == res.tokens[0] &&
              man.documents[1] == res.documents[1] && man.seed == 1,
          "manifest reads back (vocab, eot, width, tokenizer sha256, counts)", "%s", err.msg);
    check(fl_manifest_read(TMP, &man, &err) == FL_ERR_IO && strstr(err.msg, "manifest.json"),
          "a folder without a manifest is reported", "%s", err.msg);
    /* the same seed gives the same split */
    o.out_dir = tmp_path("out2");
    fl_prepare_result res2;
    check(fl_prepare(&o, &res2, &err) == FL_OK && res2.documents[1] == res.documents[1] && res2.tokens[1] == res.tokens[1],
          "prepare is reproducible with a seed", "%s", err.msg);
    /* bad inputs: clear errors, no output left behind */
    o.out_dir = tmp_path("out3");
    char *missing[1] = {(char *)tmp_path("nope.txt")};
    o.inputs = missing, o.n_inputs = 1;
    check(fl_prepare(&o, &res2, &err) == FL_ERR_IO && strstr(err.msg, "nope.txt") && !exists(tmp_path("out3")),
          "missing input: named, no output", "%s", err.msg);
    write_text(tmp_path("empty.txt"), "", 0);
    char *empty[1] = {(char *)tmp_path("empty.txt")};
    o.inputs = empty;
    check(fl_prepare(&o, &res2, &err) == FL_ERR_FORMAT && strstr(err.msg, "empty") && !exists(tmp_path("out3")),
          "empty input: named, no output", "%s", err.msg);
    mkdir(tmp_path("notext"), 0777);
    write_text(tmp_path("notext/a.bin"), "xx", 2);
    char *notext[1] = {(char *)tmp_path("notext")};
    o.inputs = notext;
    check(fl_prepare(&o, &res2, &err) == FL_ERR_IO && strstr(err.msg, "no text files") && !exists(tmp_path("out3")),
          "folder without text: named, no output", "%s", err.msg);
    write_text(tmp_path("bad.jsonl"), "{\"text\": \"ok\"}\n{\"txt\": 1}\n", 26);
    char *badjl[1] = {(char *)tmp_path("bad.jsonl")};
    o.inputs = badjl;
    check(fl_prepare(&o, &res2, &err) == FL_ERR_FORMAT && strstr(err.msg, "bad.jsonl:2") && !exists(tmp_path("out3")),
          "JSONL line without text: file:line named, no output", "%s", err.msg);
    o.inputs = inputs, o.n_inputs = 2, o.out_dir = tmp_path("out");
    check(fl_prepare(&o, &res2, &err) == FL_ERR_IO && strstr(err.msg, "already exists"),
          "an existing output folder is not overwritten", "%s", err.msg);
    char tmpname[600];
    snprintf(tmpname, sizeof tmpname, "%s.tmp.%ld", tmp_path("out3"), (long)getpid());
    check(!exists(tmpname), "no temporary folder is left behind", "%s exists", tmpname);
    fl_tokenizer_free(tok);
}

int main(void) {
    snprintf(TMP, sizeof TMP, "/tmp/fl_test_tokenizer.XXXXXX");
    if (!mkdtemp(TMP)) {
        printf("not ok - cannot create a temporary folder\n");
        return 1;
    }
    test_pretok();
    test_basics();
    test_trained();
    test_load_errors();
    test_r50k();
    test_shards();
    test_loader();
    test_prepare();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", TMP);
    if (system(cmd) != 0) printf("# could not remove %s\n", TMP);
    return check_exit();
}
