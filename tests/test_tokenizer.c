/* Unit tests of the tokenizer and the data pipeline (the pre-tokenizer's splits
 * are in test_pretok.c): BPE round trips over arbitrary bytes (invalid UTF-8 included), known GPT-2 ids
 * (when data/ has r50k_base) and the trainer; shards, prepare and the loader are
 * in test_data.c.
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

#include "tokenizer_fixture.h"

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
    size_t n = byte_ranks(ranks);
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

int main(void) {
    if (fixture_tmp_open("fl_test_tokenizer")) return 1;
    test_basics();
    test_trained();
    test_load_errors();
    test_r50k();
    fixture_tmp_close();
    return check_exit();
}
