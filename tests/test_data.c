/* Unit tests of the data pipeline: llm.c-format shards (both widths, bad
 * headers, atomic writes), the seeded resumable loader, and prepare (documents,
 * the by-document split, shard splitting, JSONL, the manifest). */
#include "check.h"
#include "data/loader.h"
#include "data/manifest.h"
#include "data/prepare.h"
#include "data/shard.h"
#include "tokenizer_fixture.h"
#include "util/rng.h"

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
    if (fixture_tmp_open("fl_test_data")) return 1;
    test_shards();
    test_loader();
    test_prepare();
    fixture_tmp_close();
    return check_exit();
}
