/* Countdown data folders (docs/design.md 4.5): the writer of `futurelm countdown
 * generate` (train/val shards, held-out specs that share no spec with a
 * training example, vocab.txt) and the reader of its test_specs.txt. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/manifest.h"
#include "tasks/countdown.h"
#include "tokenizer/tokenizer.h"
#include "tasks/task.h"
#include "util/error.h"
#include "util/u64set.h"

/* A spec's identity for held-out filtering: the multiset of its numbers and its
 * target, packed without loss (sorted digits 4 bits each, count, target). */
static uint64_t spec_key(const fl_cd_spec *s) {
    int d[FL_CD_MAX_NUMS];
    for (int i = 0; i < s->n; i++) d[i] = s->nums[i];
    for (int i = 1; i < s->n; i++)
        for (int j = i; j > 0 && d[j - 1] > d[j]; j--) {
            int t = d[j];
            d[j] = d[j - 1], d[j - 1] = t;
        }
    uint64_t k = (uint64_t)s->n;
    for (int i = 0; i < s->n; i++) k = k << 4 | (uint64_t)d[i];
    return k << 30 | (uint64_t)s->target; /* 3 + 20 + 30 bits */
}

static int example_text(const fl_cd_example *ex, char *buf, size_t len) {
    int32_t ids[FL_CD_MAX_TOKENS];
    int n = fl_cd_encode_spec(&ex->spec, ids);
    memcpy(ids + n, ex->prog, sizeof(int32_t) * (size_t)ex->prog_len);
    return fl_cd_detokenize(ids, n + ex->prog_len, buf, len);
}

void fl_cd_data_opts_default(fl_cd_data_opts *o) {
    memset(o, 0, sizeof *o);
    fl_cd_gen_opts_default(&o->gen);
    o->data.val_fraction = 0.1;
    o->data.seed = 1337;
    o->data.n_test = 500;
    o->data.n_train = -1;
}

/* One training document for fl_task_write_examples: <|endoftext|> (as prepare
 * does: the separator opens every document), the spec and its program. */
static fl_status draw_example(const void *gen, fl_rng *rng, int32_t *ids, int cap, int *n, uint64_t *key,
                              fl_error *err) {
    fl_cd_example ex;
    fl_status st = fl_cd_generate(rng, gen, &ex, err);
    if (st) return st;
    if (cap < FL_CD_MAX_TOKENS + 1) return fl_fail(err, FL_ERR_ARG, "no room for a countdown document");
    ids[0] = FL_CD_EOT;
    *n = 1 + fl_cd_encode_spec(&ex.spec, ids + 1);
    memcpy(ids + *n, ex.prog, sizeof(int32_t) * (size_t)ex.prog_len);
    *n += ex.prog_len;
    *key = spec_key(&ex.spec);
    return FL_OK;
}

fl_status fl_cd_write_data(const fl_cd_data_opts *o, fl_task_data_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    if (o->data.n_train < 1) return fl_fail(err, FL_ERR_ARG, "--n %ld: at least one training example is needed", o->data.n_train);
    if (o->data.n_test < 0) return fl_fail(err, FL_ERR_ARG, "--test %ld must not be negative", o->data.n_test);
    char vocab[512], hex[65];
    fl_cd_vocab_text(vocab, sizeof vocab);
    fl_cd_vocab_sha256(hex);
    fl_dataset_info info = {o->data.out_dir, FL_CD_TOKENIZER_ID, hex, FL_CD_VOCAB, FL_CD_EOT,
                            o->data.val_fraction, o->data.seed, 0};
    fl_dataset_writer *w;
    fl_status st = fl_dataset_writer_open(&info, &w, err);
    if (st) return st;
    fl_u64set test = {0};
    FILE *f = NULL;
    char line[256];
    char *path = fl_dataset_writer_path(w, "test_specs.txt");
    /* Three independent streams from one seed (held-out specs, training
     * examples, the train/val draw), so the held-out set does not depend on --n. */
    fl_rng rtest, rtrain, rsplit;
    fl_rng_seed(&rtest, fl_mix64(o->data.seed ^ 0x7465737473706563ull));
    fl_rng_seed(&rtrain, fl_mix64(o->data.seed ^ 0x747261696e657865ull));
    fl_rng_seed(&rsplit, o->data.seed);
    fl_cd_example ex;
    f = path ? fopen(path, "wb") : NULL;
    if (!f) st = path ? fl_fail(err, FL_ERR_IO, "cannot create '%s': %s", path, strerror(errno))
                      : fl_fail(err, FL_ERR_NOMEM, "out of memory");
    long misses = 0;
    while (!st && r->n_test < o->data.n_test) {
        if ((st = fl_cd_generate(&rtest, &o->gen, &ex, err))) break;
        uint64_t key = spec_key(&ex.spec);
        if (fl_u64set_has(&test, key)) {
            /* Distinct held-out specs; a space too small for n_test ends here. */
            if (++misses > 1000000)
                st = fl_fail(err, FL_ERR_ARG,
                             "only %ld distinct held-out specs found for --test %ld; ask for fewer or allow more "
                             "numbers / a larger --max-target",
                             r->n_test, o->data.n_test);
            continue;
        }
        misses = 0;
        if ((st = fl_u64set_add(&test, key, err))) break;
        example_text(&ex, line, sizeof line);
        if (fprintf(f, "%s\n", line) < 0) st = fl_fail(err, FL_ERR_IO, "cannot write '%s'", path);
        r->n_test++;
    }
    if (f) {
        int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
        ok &= fclose(f) == 0;
        if (!ok && !st) st = fl_fail(err, FL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    }
    free(path);
    /* vocab.txt: the id of every word, for people and other tools */
    if (!st) st = fl_dataset_writer_put_file(w, "vocab.txt", vocab, strlen(vocab), err);
    if (!st)
        st = fl_task_write_examples(w, &o->data, &rtrain, &rsplit, &test, draw_example, &o->gen,
                                    "specs", err);
    return fl_task_data_finish(w, "countdown generator", st, &test, &r->counts, err);
}

/* One line of test_specs.txt: a spec and its reference program, which must pass. */
static fl_status parse_spec_line(const char *line, void *item, const void *ctx, fl_error *err) {
    (void)ctx;
    fl_cd_example *ex = item;
    memset(ex, 0, sizeof *ex);
    int32_t ids[64];
    int m, used;
    fl_status st = fl_cd_tokenize(line, ids, 64, &m, err);
    if (!st) st = fl_cd_parse_spec(ids, m, &ex->spec, &used, err);
    if (!st && m - used > (int)(sizeof ex->prog / sizeof ex->prog[0]))
        st = fl_fail(err, FL_ERR_FORMAT, "the reference program is too long");
    if (st) return st;
    ex->prog_len = m - used;
    memcpy(ex->prog, ids + used, sizeof(int32_t) * (size_t)ex->prog_len);
    char why[160];
    if (fl_cd_check(&ex->spec, ex->prog, ex->prog_len, NULL, why, sizeof why) != FL_CD_PASS)
        return fl_fail(err, FL_ERR_FORMAT, "its reference program fails: %s", why);
    return FL_OK;
}

fl_status fl_cd_read_specs(const char *path, fl_cd_example **out, long *n, fl_error *err) {
    return fl_task_read_lines(path, sizeof **out, parse_spec_line, NULL, "countdown specs", (void **)out, n, err);
}
