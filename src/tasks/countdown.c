/* Countdown programs (docs/design.md 4.5): the language, its fixed tokenizer, a
 * seeded generator of solvable specs with reference solutions, the checker that
 * scores a model's program, and the vocabulary's identity. The data folder
 * writer is countdown_data.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/countdown.h"
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

static const char *times(int n, char *buf, size_t len) {
    if (n == 1) return "once";
    if (n == 2) return "twice";
    snprintf(buf, len, "%d times", n);
    return buf;
}

fl_cd_verdict fl_cd_check(const fl_cd_spec *spec, const int32_t *prog, int n, long *value, char *why, size_t why_len) {
    fl_sayf(why, why_len, "ok");
    int end = -1;
    for (int i = 0; i < n && end < 0; i++)
        if (prog[i] == FL_CD_END) end = i;
    if (end < 0) {
        fl_sayf(why, why_len, "no '.' ends the program");
        return FL_CD_ERR_PARSE;
    }
    if (end == 0) {
        fl_sayf(why, why_len, "the program is empty");
        return FL_CD_ERR_PARSE;
    }
    for (int i = 0; i < end; i++)
        if (!is_digit_tok(prog[i]) && !is_op_tok(prog[i])) {
            fl_sayf(why, why_len, "token %d ('%s') is neither a number nor + - *", i, fl_cd_token_text(prog[i]));
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
            if (want[d] == 0) fl_sayf(why, why_len, "uses %d, which is not listed", d);
            else fl_sayf(why, why_len, "uses %d %s but it is listed %s", d, times(got[d], t1, sizeof t1), times(want[d], t2, sizeof t2));
            return FL_CD_ERR_NUMBERS;
        }
    for (int d = 0; d <= 9; d++)
        if (got[d] < want[d]) {
            if (got[d] == 0) fl_sayf(why, why_len, "does not use %d", d);
            else fl_sayf(why, why_len, "uses %d %s but it is listed %s", d, times(got[d], t1, sizeof t1), times(want[d], t2, sizeof t2));
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
            fl_sayf(why, why_len, "'%s' at token %d has %d operand%s, needs 2", fl_cd_token_text(prog[i]), i, depth,
                depth == 1 ? "" : "s");
            return FL_CD_ERR_STACK;
        }
        long b = stack[--depth], a = stack[depth - 1];
        stack[depth - 1] = prog[i] == FL_CD_PLUS ? a + b : prog[i] == FL_CD_MINUS ? a - b : a * b;
    }
    if (depth != 1) {
        fl_sayf(why, why_len, "%d values are left on the stack, not 1", depth);
        return FL_CD_ERR_STACK;
    }
    if (value) *value = stack[0];
    if (stack[0] != spec->target) {
        fl_sayf(why, why_len, "evaluates to %ld, not the target %ld", stack[0], spec->target);
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

/* ---------------------------------------------------------------- identity */

/* The vocabulary as a file (vocab.txt): its bytes are the tokenizer's identity in the manifest. */
void fl_cd_vocab_text(char *buf, size_t len) {
    size_t at = 0;
    for (int i = 0; i < FL_CD_VOCAB && at < len; i++) at += (size_t)snprintf(buf + at, len - at, "%d %s\n", i, WORDS[i]);
}

void fl_cd_vocab_sha256(char hex[65]) {
    char vocab[512];
    fl_cd_vocab_text(vocab, sizeof vocab);
    fl_sha256 sh;
    fl_sha256_init(&sh);
    fl_sha256_update(&sh, vocab, strlen(vocab));
    fl_sha256_hex(&sh, hex);
}
