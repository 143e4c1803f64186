/* Countdown programs: the checker on hand-written programs whose verdicts are
 * known, the tokenizer both ways, and the generator (solvable, deterministic). */
#include <string.h>

#include "check.h"
#include "tasks/countdown.h"
#include "tasks/task.h"

/* Check the program part of a whole line "nums ... target T : program". */
static fl_cd_verdict run(const char *line, long *value, char *why, size_t len) {
    int32_t ids[128];
    int n, used;
    fl_cd_spec spec;
    fl_error err = {0};
    if (fl_cd_tokenize(line, ids, 128, &n, &err) || fl_cd_parse_spec(ids, n, &spec, &used, &err)) {
        snprintf(why, len, "bad line: %.150s", err.msg);
        return (fl_cd_verdict)-1;
    }
    return fl_cd_check(&spec, ids + used, n - used, value, why, len);
}

static void verdict(const char *line, fl_cd_verdict want, const char *why_has, const char *name) {
    char why[200];
    long v = 0;
    fl_cd_verdict got = run(line, &v, why, sizeof why);
    check(got == want && strstr(why, why_has), name, "'%s': verdict %s (%s), expected %s with '%s'", line,
          fl_cd_verdict_name(got), why, fl_cd_verdict_name(want), why_has);
}

int main(void) {
    /* --- the checker */
    verdict("nums 3 5 2 7 target 29 : 3 5 * 2 7 * + .", FL_CD_PASS, "ok", "a program that evaluates to the target passes");
    verdict("nums 3 5 2 7 target 29 : 2 7 * 5 3 * + .", FL_CD_PASS, "ok", "numbers may be used in any order");
    verdict("nums 3 3 target 9 : 3 3 * .", FL_CD_PASS, "ok", "a repeated listed number is used as often as listed");
    verdict("nums 3 5 2 7 target 29 : 3 5 * 3 7 * + .", FL_CD_ERR_NUMBERS, "uses 3 twice",
            "a program that reuses a number fails (numbers)");
    verdict("nums 3 5 2 7 target 22 : 3 5 * 7 + .", FL_CD_ERR_NUMBERS, "does not use 2",
            "a program that omits a number fails (numbers), even at the right value");
    verdict("nums 3 5 2 7 target 29 : 3 5 * 2 7 * + 8 + .", FL_CD_ERR_NUMBERS, "8, which is not listed",
            "an unlisted number fails (numbers)");
    verdict("nums 3 3 target 3 : 3 .", FL_CD_ERR_NUMBERS, "uses 3 once but it is listed twice",
            "using a twice-listed number once fails (numbers)");
    verdict("nums 3 5 2 7 target 29 : 3 5 * 2 7 * .", FL_CD_ERR_STACK, "2 values are left",
            "a program leaving two values fails (stack)");
    verdict("nums 3 5 2 7 target 29 : 3 * 5 2 7 * + .", FL_CD_ERR_STACK, "has 1 operand",
            "an operator without two operands fails (stack)");
    verdict("nums 3 5 2 7 target 29 : 3 5 * 2 7 + + .", FL_CD_ERR_VALUE, "evaluates to 24",
            "a well-formed program with another value fails (value)");
    verdict("nums 3 5 target 2 : 3 5 - .", FL_CD_ERR_VALUE, "evaluates to -2", "subtraction is a - b (3 5 - = -2)");
    verdict("nums 3 5 target 2 : 5 3 - .", FL_CD_PASS, "ok", "5 3 - = 2 passes");
    verdict("nums 3 5 2 7 target 29 : 3 5 * 2 7 * +", FL_CD_ERR_PARSE, "no '.'", "a program without '.' fails (parse)");
    verdict("nums 3 5 2 7 target 29 : .", FL_CD_ERR_PARSE, "empty", "an empty program fails (parse)");
    verdict("nums 3 5 2 7 target 29 : 3 5 * target 2 7 * + .", FL_CD_ERR_PARSE, "'target'",
            "a keyword inside a program fails (parse)");
    verdict("nums 3 5 2 7 target 29 : 3 5 * 2 7 * + . 9 9 9", FL_CD_PASS, "ok",
            "tokens after the first '.' are ignored");
    long v = 0;
    char why[200];
    run("nums 3 5 2 7 target 29 : 3 5 * 2 7 * + .", &v, why, sizeof why);
    check(v == 29, "the checker reports the program's value", "%ld", v);

    /* --- tokenizer */
    int32_t ids[64];
    int n;
    fl_error err = {0};
    fl_status st = fl_cd_tokenize("<|endoftext|> nums 3 5 target 123 : 3 5 + .", ids, 64, &n, &err);
    int32_t want[] = {FL_CD_EOT, FL_CD_NUMS, 3, 5, FL_CD_TARGET, 1, 2, 3, FL_CD_COLON, 3, 5, FL_CD_PLUS, FL_CD_END};
    check(st == FL_OK && n == 13 && !memcmp(ids, want, sizeof want), "tokenize: ids documented in eval.h", "st %d n %d",
          st, n);
    char text[256];
    fl_cd_detokenize(ids, n, text, sizeof text);
    check(!strcmp(text, "<|endoftext|> nums 3 5 target 123 : 3 5 + ."), "detokenize joins only the target's digits",
          "'%s'", text);
    st = fl_cd_tokenize("nums 3 5 target 8 : 3 5 / .", ids, 64, &n, &err);
    check(st == FL_ERR_FORMAT && strstr(err.msg, "'/'"), "tokenize refuses an unknown word, naming it", "%s", err.msg);
    st = fl_cd_tokenize("nums 3 5 2 7 9 9 9 target 1 :", ids, 4, &n, &err);
    check(st != FL_OK, "tokenize refuses text longer than the buffer", "st %d", st);
    fl_cd_spec spec;
    int used;
    fl_cd_tokenize("nums 3 5 : 3 5 + .", ids, 64, &n, &err);
    check(fl_cd_parse_spec(ids, n, &spec, &used, &err) == FL_ERR_FORMAT && strstr(err.msg, "target"),
          "a spec without 'target' is refused", "%s", err.msg);
    fl_cd_tokenize("nums 3 0 target 3 :", ids, 64, &n, &err);
    check(fl_cd_parse_spec(ids, n, &spec, &used, &err) == FL_ERR_FORMAT, "a spec listing 0 is refused", "%s", err.msg);

    /* --- generator */
    fl_cd_gen_opts go;
    fl_cd_gen_opts_default(&go);
    fl_rng a, b;
    fl_rng_seed(&a, 42);
    fl_rng_seed(&b, 42);
    int solvable = 1, same = 1, range = 1, counts[FL_CD_MAX_NUMS + 1] = {0};
    for (int i = 0; i < 5000; i++) {
        fl_cd_example x, y;
        if (fl_cd_generate(&a, &go, &x, &err) || fl_cd_generate(&b, &go, &y, &err)) {
            solvable = 0;
            break;
        }
        same &= !memcmp(&x, &y, sizeof x);
        solvable &= fl_cd_check(&x.spec, x.prog, x.prog_len, NULL, why, sizeof why) == FL_CD_PASS;
        range &= x.spec.n >= 3 && x.spec.n <= 5 && x.spec.target >= 1 && x.spec.target <= 999;
        for (int k = 0; k < x.spec.n; k++) range &= x.spec.nums[k] >= 1 && x.spec.nums[k] <= 9;
        counts[x.spec.n]++;
    }
    check(solvable, "5000 generated specs are all solved by their reference program", "%s", why);
    check(same, "the generator is deterministic for a seed", "two streams from seed 42 differ");
    check(range && counts[3] > 1000 && counts[4] > 1000 && counts[5] > 1000,
          "specs list 3 to 5 numbers in 1..9 with targets in 1..999", "counts %d %d %d", counts[3], counts[4], counts[5]);
    fl_rng_seed(&b, 43);
    fl_cd_example x, y;
    fl_rng_seed(&a, 42);
    fl_cd_generate(&a, &go, &x, &err);
    fl_cd_generate(&b, &go, &y, &err);
    check(memcmp(&x, &y, sizeof x) != 0, "another seed gives other specs", "seeds 42 and 43 agree");
    go.min_nums = go.max_nums = 2;
    go.max_target = 5;
    int ok = 1;
    for (int i = 0; i < 200 && ok; i++)
        ok = fl_cd_generate(&a, &go, &x, &err) == FL_OK && x.spec.n == 2 && x.spec.target <= 5;
    check(ok, "generator options (2 numbers, targets up to 5) are honoured", "n %d target %ld", x.spec.n, x.spec.target);
    go.max_nums = 6;
    check(fl_cd_generate(&a, &go, &x, &err) == FL_ERR_ARG, "more than 5 numbers is refused", "%s", err.msg);

    /* the task object: found by name and by the identity a run records, never by a path's look */
    const fl_task *t = fl_task_find("countdown");
    char hex[65];
    fl_cd_vocab_sha256(hex);
    check(t && t->vocab_size == FL_CD_VOCAB && t->eot == FL_CD_EOT && !fl_task_find("countdownx") && !fl_task_find(NULL),
          "task: countdown found by its name only", "%p", (const void *)t);
    check(fl_task_for_tokenizer("anything", hex) == t && fl_task_for_tokenizer(FL_CD_TOKENIZER_ID, NULL) == t &&
              !fl_task_for_tokenizer(FL_CD_TOKENIZER_ID, "00") && !fl_task_for_tokenizer("countdown.tiktoken", NULL),
          "task: recognised by the recorded vocabulary digest, or without one by the exact identity", "%s", hex);
    fl_tokvec tids = {0};
    fl_bytebuf out = {0};
    const char *line = "nums 3 5 target 15 : 3 5 * .";
    fl_status tst = t->encode(line, strlen(line), &tids, &err);
    if (!tst) tst = t->decode(tids.data, tids.len, 0, &out, &err);
    check(tst == FL_OK && tids.len == 11 && out.len == 29 && !memcmp(out.data, "nums 3 5 target 1 5 : 3 5 * .", 29),
          "task: encode then decode gives the words back (the target's digits one token each)", "st %d n %zu", tst,
          (size_t)tids.len);
    check(t->encode("nums x", 6, &tids, &err) == FL_ERR_FORMAT, "task: a word outside the vocabulary is refused", "%s",
          err.msg);
    fl_tokvec_free(&tids);
    fl_bytebuf_free(&out);
    return check_exit();
}
