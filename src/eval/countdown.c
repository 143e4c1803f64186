/* Countdown programs (DESIGN.md 4.5): the language, its fixed tokenizer, a
 * seeded generator of solvable specs with reference solutions, the checker that
 * scores a model's program, and the writer of a training data folder. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/manifest.h"
#include "eval/eval.h"
#include "tokenizer/sha256.h"
#include "util/error.h"

static const char *WORDS[FL_CD_VOCAB] = {"0", "1", "2", "3",      "4",      "5", "6", "7",           "8",
                                         "9", "+", "-", "*", "nums", "target", ":", ".", "<|endoftext|>"};

const char *fl_cd_token_text(int32_t id) { return id >= 0 && id < FL_CD_VOCAB ? WORDS[id] : "?"; }

static int is_digit_tok(int32_t t) { return t >= 0 && t <= 9; }
static int is_op_tok(int32_t t) { return t == FL_CD_PLUS || t == FL_CD_MINUS || t == FL_CD_TIMES; }

const char *fl_cd_verdict_name(fl_cd_verdict v) {
    switch (v) {
    case FL_CD_PASS: return "pass";
    case FL_CD_ERR_PARSE: return "parse";
    case FL_CD_ERR_NUMBERS: return "numbers";
    case FL_CD_ERR_STACK: return "stack";
    case FL_CD_ERR_VALUE: return "value";
    }
    return "unknown";
}

void fl_cd_gen_opts_default(fl_cd_gen_opts *o) {
    o->min_nums = 3;
    o->max_nums = 5;
    o->max_target = 999;
}

/* ---------------------------------------------------------------- text <-> tokens */

fl_status fl_cd_tokenize(const char *text, int32_t *ids, int cap, int *n, fl_error *err) {
    *n = 0;
    const char *p = text;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        const char *w = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        size_t len = (size_t)(p - w);
        int all_digits = 1;
        for (size_t i = 0; i < len; i++) all_digits &= isdigit((unsigned char)w[i]) != 0;
        if (all_digits) {
            for (size_t i = 0; i < len; i++) {
                if (*n >= cap) return fl_fail(err, FL_ERR_ARG, "countdown text is longer than %d tokens", cap);
                ids[(*n)++] = w[i] - '0';
            }
            continue;
        }
        int id = -1;
        for (int k = FL_CD_PLUS; k < FL_CD_VOCAB && id < 0; k++)
            if (strlen(WORDS[k]) == len && !memcmp(WORDS[k], w, len)) id = k;
        if (id < 0)
            return fl_fail(err, FL_ERR_FORMAT,
                           "'%.*s' is not a countdown word (numbers, + - *, nums, target, :, ., <|endoftext|>, "
                           "separated by spaces)",
                           (int)(len > 40 ? 40 : len), w);
        if (*n >= cap) return fl_fail(err, FL_ERR_ARG, "countdown text is longer than %d tokens", cap);
        ids[(*n)++] = id;
    }
    return FL_OK;
}

int fl_cd_detokenize(const int32_t *ids, int n, char *buf, size_t len) {
    size_t at = 0;
    int in_target = 0; /* the target's digits form one word; a program's digits are separate numbers */
    if (len == 0) return 0;
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        const char *w = fl_cd_token_text(ids[i]);
        int glue = in_target && is_digit_tok(ids[i]) && i > 0 && is_digit_tok(ids[i - 1]);
        int m = snprintf(buf + at, len - at, "%s%s", (at && !glue) ? " " : "", w);
        if (m < 0 || (size_t)m >= len - at) return 0;
        at += (size_t)m;
        if (ids[i] == FL_CD_TARGET) in_target = 1;
        else if (!is_digit_tok(ids[i])) in_target = 0;
    }
    return 1;
}

int fl_cd_encode_spec(const fl_cd_spec *s, int32_t *ids) {
    int n = 0;
    ids[n++] = FL_CD_NUMS;
    for (int i = 0; i < s->n; i++) ids[n++] = s->nums[i];
    ids[n++] = FL_CD_TARGET;
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%ld", s->target);
    for (int i = 0; i < nd; i++) ids[n++] = digits[i] - '0';
    ids[n++] = FL_CD_COLON;
    return n;
}

fl_status fl_cd_parse_spec(const int32_t *ids, int n, fl_cd_spec *s, int *used, fl_error *err) {
    memset(s, 0, sizeof *s);
    int i = 0;
    if (i < n && ids[i] == FL_CD_EOT) i++; /* a document's separator may come first */
    if (i >= n || ids[i] != FL_CD_NUMS) return fl_fail(err, FL_ERR_FORMAT, "a countdown spec starts with 'nums'");
    i++;
    while (i < n && is_digit_tok(ids[i])) {
        if (ids[i] == 0) return fl_fail(err, FL_ERR_FORMAT, "spec numbers are in 1..9 (found 0)");
        if (s->n == FL_CD_MAX_NUMS) return fl_fail(err, FL_ERR_FORMAT, "a spec lists at most %d numbers", FL_CD_MAX_NUMS);
        s->nums[s->n++] = ids[i++];
    }
    if (s->n == 0) return fl_fail(err, FL_ERR_FORMAT, "a countdown spec lists at least one number after 'nums'");
    if (i >= n || ids[i] != FL_CD_TARGET) return fl_fail(err, FL_ERR_FORMAT, "expected 'target' after the numbers");
    i++;
    int nd = 0;
    while (i < n && is_digit_tok(ids[i])) {
        if (++nd > FL_CD_MAX_TARGET_DIGITS)
            return fl_fail(err, FL_ERR_FORMAT, "a target has at most %d digits", FL_CD_MAX_TARGET_DIGITS);
        s->target = s->target * 10 + ids[i++];
    }
    if (nd == 0) return fl_fail(err, FL_ERR_FORMAT, "expected the target's digits after 'target'");
    if (i >= n || ids[i] != FL_CD_COLON) return fl_fail(err, FL_ERR_FORMAT, "expected ':' after the target");
    *used = i + 1;
    return FL_OK;
}

/* ---------------------------------------------------------------- checking */

static void say(char *why, size_t len, const char *fmt, ...) FL_PRINTF(3, 4);
#include <stdarg.h>
static void say(char *why, size_t len, const char *fmt, ...) {
    if (!why || !len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
}

static const char *times(int n, char *buf, size_t len) {
    if (n == 1) return "once";
    if (n == 2) return "twice";
    snprintf(buf, len, "%d times", n);
    return buf;
}

fl_cd_verdict fl_cd_check(const fl_cd_spec *spec, const int32_t *prog, int n, long *value, char *why, size_t why_len) {
    say(why, why_len, "ok");
    int end = -1;
    for (int i = 0; i < n && end < 0; i++)
        if (prog[i] == FL_CD_END) end = i;
    if (end < 0) {
        say(why, why_len, "no '.' ends the program");
        return FL_CD_ERR_PARSE;
    }
    if (end == 0) {
        say(why, why_len, "the program is empty");
        return FL_CD_ERR_PARSE;
    }
    for (int i = 0; i < end; i++)
        if (!is_digit_tok(prog[i]) && !is_op_tok(prog[i])) {
            say(why, why_len, "token %d ('%s') is neither a number nor + - *", i, fl_cd_token_text(prog[i]));
            return FL_CD_ERR_PARSE;
        }
    /* Numbers before the stack: a program with a number too many or too few usually
     * also leaves a bad stack, and "uses 3 twice" is the more useful diagnosis. */
    int want[10] = {0}, got[10] = {0};
    char t1[24], t2[24];
    for (int i = 0; i < spec->n; i++)
        if (spec->nums[i] >= 0 && spec->nums[i] <= 9) want[spec->nums[i]]++;
    for (int i = 0; i < end; i++)
        if (is_digit_tok(prog[i])) got[prog[i]]++;
    /* Extra uses (a reused or unlisted number) are reported before omissions: a
     * reuse usually causes an omission too, and is the actual mistake. */
    for (int d = 0; d <= 9; d++)
        if (got[d] > want[d]) {
            if (want[d] == 0) say(why, why_len, "uses %d, which is not listed", d);
            else say(why, why_len, "uses %d %s but it is listed %s", d, times(got[d], t1, sizeof t1), times(want[d], t2, sizeof t2));
            return FL_CD_ERR_NUMBERS;
        }
    for (int d = 0; d <= 9; d++)
        if (got[d] < want[d]) {
            if (got[d] == 0) say(why, why_len, "does not use %d", d);
            else say(why, why_len, "uses %d %s but it is listed %s", d, times(got[d], t1, sizeof t1), times(want[d], t2, sizeof t2));
            return FL_CD_ERR_NUMBERS;
        }
    long stack[FL_CD_MAX_NUMS];
    int depth = 0;
    for (int i = 0; i < end; i++) {
        if (is_digit_tok(prog[i])) {
            stack[depth++] = prog[i]; /* at most spec->n <= FL_CD_MAX_NUMS numbers, checked above */
            continue;
        }
        if (depth < 2) {
            say(why, why_len, "'%s' at token %d has %d operand%s, needs 2", fl_cd_token_text(prog[i]), i, depth,
                depth == 1 ? "" : "s");
            return FL_CD_ERR_STACK;
        }
        long b = stack[--depth], a = stack[depth - 1];
        stack[depth - 1] = prog[i] == FL_CD_PLUS ? a + b : prog[i] == FL_CD_MINUS ? a - b : a * b;
    }
    if (depth != 1) {
        say(why, why_len, "%d values are left on the stack, not 1", depth);
        return FL_CD_ERR_STACK;
    }
    if (value) *value = stack[0];
    if (stack[0] != spec->target) {
        say(why, why_len, "evaluates to %ld, not the target %ld", stack[0], spec->target);
        return FL_CD_ERR_VALUE;
    }
    return FL_CD_PASS;
}

/* ---------------------------------------------------------------- generating */

fl_status fl_cd_generate(fl_rng *rng, const fl_cd_gen_opts *o, fl_cd_example *ex, fl_error *err) {
    if (o->min_nums < 1 || o->max_nums > FL_CD_MAX_NUMS || o->min_nums > o->max_nums)
        return fl_fail(err, FL_ERR_ARG, "countdown specs list between 1 and %d numbers (asked %d..%d)", FL_CD_MAX_NUMS,
                       o->min_nums, o->max_nums);
    if (o->max_target < 1 || o->max_target > 999999999L)
        return fl_fail(err, FL_ERR_ARG, "countdown max target %ld must be in 1..999999999", o->max_target);
    /* Rejection: most random trees land in a useful range; a cap keeps a
     * pathological max_target from spinning forever. */
    for (int attempt = 0; attempt < 100000; attempt++) {
        memset(ex, 0, sizeof *ex);
        int k = o->min_nums + (int)fl_rng_below(rng, (uint64_t)(o->max_nums - o->min_nums + 1));
        ex->spec.n = k;
        for (int i = 0; i < k; i++) ex->spec.nums[i] = 1 + (int)fl_rng_below(rng, 9);
        /* The program uses the numbers in a shuffled order, so a model cannot
         * solve a spec by copying the list. */
        int order[FL_CD_MAX_NUMS];
        for (int i = 0; i < k; i++) order[i] = ex->spec.nums[i];
        for (int i = k - 1; i > 0; i--) {
            int j = (int)fl_rng_below(rng, (uint64_t)i + 1), t = order[i];
            order[i] = order[j], order[j] = t;
        }
        /* A random postfix tree: push while fewer than two values are stacked,
         * apply an operator when no number is left, otherwise a fair coin. */
        int left = k, depth = 0, used = 0, m = 0;
        while (left > 0 || depth > 1) {
            int push = depth < 2 || (left > 0 && fl_rng_below(rng, 2) == 0);
            if (push) {
                ex->prog[m++] = order[used++];
                left--, depth++;
            } else {
                ex->prog[m++] = FL_CD_PLUS + (int32_t)fl_rng_below(rng, 3);
                depth--;
            }
        }
        ex->prog[m++] = FL_CD_END;
        ex->prog_len = m;
        fl_cd_spec any = ex->spec;
        any.target = -1; /* the value is what we want; the target check is irrelevant here */
        long v = 0;
        fl_cd_check(&any, ex->prog, m, &v, NULL, 0);
        if (v >= 1 && v <= o->max_target) {
            ex->spec.target = v;
            return FL_OK;
        }
    }
    return fl_fail(err, FL_ERR_ARG, "could not draw a countdown spec with a target in 1..%ld", o->max_target);
}

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

typedef struct {
    uint64_t *slot; /* key + 1; 0 = empty */
    size_t cap, n;
} keyset;

static int keyset_has(const keyset *s, uint64_t key) {
    if (!s->cap) return 0;
    for (size_t i = fl_mix64(key) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->slot[i]) return 0;
        if (s->slot[i] == key + 1) return 1;
    }
}

static fl_status keyset_add(keyset *s, uint64_t key, fl_error *err) {
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *slot = calloc(cap, sizeof *slot);
        if (!slot) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i]) {
                size_t j = fl_mix64(s->slot[i] - 1) & (cap - 1);
                while (slot[j]) j = (j + 1) & (cap - 1);
                slot[j] = s->slot[i];
            }
        free(s->slot);
        s->slot = slot, s->cap = cap;
    }
    size_t i = fl_mix64(key) & (s->cap - 1);
    while (s->slot[i] && s->slot[i] != key + 1) i = (i + 1) & (s->cap - 1);
    if (!s->slot[i]) s->slot[i] = key + 1, s->n++;
    return FL_OK;
}

static int example_text(const fl_cd_example *ex, char *buf, size_t len) {
    int32_t ids[FL_CD_MAX_TOKENS];
    int n = fl_cd_encode_spec(&ex->spec, ids);
    memcpy(ids + n, ex->prog, sizeof(int32_t) * (size_t)ex->prog_len);
    return fl_cd_detokenize(ids, n + ex->prog_len, buf, len);
}

/* The vocabulary as a file: its bytes are the tokenizer's identity in the manifest. */
static void vocab_text(char *buf, size_t len) {
    size_t at = 0;
    for (int i = 0; i < FL_CD_VOCAB && at < len; i++) at += (size_t)snprintf(buf + at, len - at, "%d %s\n", i, WORDS[i]);
}

fl_status fl_cd_write_data(const fl_cd_data_opts *o, fl_cd_data_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    if (o->n_train < 1) return fl_fail(err, FL_ERR_ARG, "--n %ld: at least one training example is needed", o->n_train);
    if (o->n_test < 0) return fl_fail(err, FL_ERR_ARG, "--test %ld must not be negative", o->n_test);
    char vocab[512];
    vocab_text(vocab, sizeof vocab);
    fl_sha256 sh;
    char hex[65];
    fl_sha256_init(&sh);
    fl_sha256_update(&sh, vocab, strlen(vocab));
    fl_sha256_hex(&sh, hex);
    fl_dataset_info info = {o->out_dir, "countdown (built-in vocabulary, vocab.txt)", hex, FL_CD_VOCAB, FL_CD_EOT,
                            o->val_fraction, o->seed, 0};
    fl_dataset_writer *w;
    fl_status st = fl_dataset_writer_open(&info, &w, err);
    if (st) return st;
    keyset test = {0};
    FILE *f = NULL;
    char path[4200], line[256];
    /* Three independent streams from one seed (held-out specs, training
     * examples, the train/val draw), so the held-out set does not depend on --n. */
    fl_rng rtest, rtrain, rsplit;
    fl_rng_seed(&rtest, fl_mix64(o->seed ^ 0x7465737473706563ull));
    fl_rng_seed(&rtrain, fl_mix64(o->seed ^ 0x747261696e657865ull));
    fl_rng_seed(&rsplit, o->seed);
    fl_cd_example ex;
    f = fopen(fl_dataset_writer_file(w, "test_specs.txt", path, sizeof path), "wb");
    if (!f) st = fl_fail(err, FL_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    long misses = 0;
    while (!st && r->test_specs < o->n_test) {
        if ((st = fl_cd_generate(&rtest, &o->gen, &ex, err))) break;
        uint64_t key = spec_key(&ex.spec);
        if (keyset_has(&test, key)) {
            /* Distinct held-out specs; a space too small for n_test ends here. */
            if (++misses > 1000000)
                st = fl_fail(err, FL_ERR_ARG,
                             "only %ld distinct held-out specs found for --test %ld; ask for fewer or allow more "
                             "numbers / a larger --max-target",
                             r->test_specs, o->n_test);
            continue;
        }
        misses = 0;
        if ((st = keyset_add(&test, key, err))) break;
        example_text(&ex, line, sizeof line);
        if (fprintf(f, "%s\n", line) < 0) st = fl_fail(err, FL_ERR_IO, "cannot write '%s'", path);
        r->test_specs++;
    }
    if (f) {
        int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
        ok &= fclose(f) == 0;
        if (!ok && !st) st = fl_fail(err, FL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    }
    if (!st) {
        /* vocab.txt: the id of every word, for people and other tools */
        f = fopen(fl_dataset_writer_file(w, "vocab.txt", path, sizeof path), "wb");
        int ok = f && fputs(vocab, f) >= 0;
        if (f) ok &= fclose(f) == 0;
        if (!ok) st = fl_fail(err, FL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    }
    misses = 0;
    for (long i = 0; !st && i < o->n_train;) {
        if ((st = fl_cd_generate(&rtrain, &o->gen, &ex, err))) break;
        if (keyset_has(&test, spec_key(&ex.spec))) {
            if (++misses > 1000000)
                st = fl_fail(err, FL_ERR_ARG, "the held-out specs leave no room for training specs; use a smaller --test");
            continue;
        }
        misses = 0;
        int32_t ids[FL_CD_MAX_TOKENS];
        ids[0] = FL_CD_EOT; /* as prepare does: the separator opens every document */
        int n = 1 + fl_cd_encode_spec(&ex.spec, ids + 1);
        memcpy(ids + n, ex.prog, sizeof(int32_t) * (size_t)ex.prog_len);
        n += ex.prog_len;
        int s = fl_rng_uniform(&rsplit) < o->val_fraction ? 1 : 0;
        st = fl_dataset_writer_put_doc(w, s, ids, (size_t)n, err);
        i++;
    }
    if (!st) {
        uint64_t d[2], t[2];
        fl_dataset_writer_counts(w, 0, &d[0], &t[0], NULL);
        fl_dataset_writer_counts(w, 1, &d[1], &t[1], NULL);
        st = fl_dataset_writer_add_source(w, "countdown generator", d[0] + d[1], t[0] + t[1], d[1], t[1], err);
        r->train_examples = (long)d[0], r->val_examples = (long)d[1];
        r->train_tokens = t[0], r->val_tokens = t[1];
    }
    free(test.slot);
    if (st) {
        fl_dataset_writer_abort(w);
        memset(r, 0, sizeof *r);
        return st;
    }
    st = fl_dataset_writer_finish(w, err);
    if (st) memset(r, 0, sizeof *r);
    return st;
}

fl_status fl_cd_read_specs(const char *path, fl_cd_example **out, long *n, fl_error *err) {
    *out = NULL, *n = 0;
    char *text;
    size_t len;
    fl_status st = fl_read_file(path, &text, &len, err);
    if (st) return st;
    fl_cd_example *v = NULL;
    long cap = 0, cnt = 0, lineno = 0;
    for (char *p = text; !st && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        lineno++;
        int32_t ids[64];
        int m, used;
        fl_cd_example ex;
        memset(&ex, 0, sizeof ex);
        int blank = 1;
        for (char *q = p; *q; q++) blank &= isspace((unsigned char)*q) != 0;
        if (!blank) {
            st = fl_cd_tokenize(p, ids, 64, &m, err);
            if (!st) st = fl_cd_parse_spec(ids, m, &ex.spec, &used, err);
            if (!st && m - used > (int)(sizeof ex.prog / sizeof ex.prog[0]))
                st = fl_fail(err, FL_ERR_FORMAT, "the reference program is too long");
            if (!st) {
                ex.prog_len = m - used;
                memcpy(ex.prog, ids + used, sizeof(int32_t) * (size_t)ex.prog_len);
                char why[160];
                if (fl_cd_check(&ex.spec, ex.prog, ex.prog_len, NULL, why, sizeof why) != FL_CD_PASS)
                    st = fl_fail(err, FL_ERR_FORMAT, "its reference program fails: %s", why);
            }
            if (st) {
                char msg[FL_ERROR_MSG_LEN];
                snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
                st = fl_fail(err, FL_ERR_FORMAT, "%s line %ld: %s", path, lineno, msg);
                break;
            }
            if (cnt == cap) {
                cap = cap ? 2 * cap : 256;
                fl_cd_example *nv = realloc(v, (size_t)cap * sizeof *nv);
                if (!nv) {
                    st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
                    break;
                }
                v = nv;
            }
            v[cnt++] = ex;
        }
        if (!nl) break;
        p = nl + 1;
    }
    free(text);
    if (!st && cnt == 0) st = fl_fail(err, FL_ERR_FORMAT, "%s holds no countdown specs", path);
    if (st) {
        free(v);
        return st;
    }
    *out = v, *n = cnt;
    return FL_OK;
}
