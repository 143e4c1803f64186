/* The countdown task (docs/design.md 4.5; docs/evaluation.md): its language, fixed
 * tokenizer, seeded generator, checker, and the writer of a training data
 * folder. `futurelm countdown`, `eval countdown`, `compare` and `generate` use it;
 * tasks/task.h describes it as a task object. */
#ifndef FL_TASKS_COUNTDOWN_H
#define FL_TASKS_COUNTDOWN_H
#include <stddef.h>
#include <stdint.h>

#include "futurelm.h"
#include "tasks/task.h"
#include "util/rng.h"

/* The countdown language (docs/design.md 4.5; docs/evaluation.md). Fixed vocabulary:
 *   ids 0..9   the digits '0'..'9' (a digit's id is its value)
 *   10 '+'  11 '-'  12 '*'  13 'nums'  14 'target'  15 ':'  16 '.'  17 <|endoftext|>
 * Text is words separated by spaces; a number word becomes one token per digit.
 * A spec is `nums a b c ... target T :` (3..5 numbers in 1..9, T >= 1); a program
 * is postfix over single-digit numbers and + - *, closed by `.`. */
enum {
    FL_CD_PLUS = 10,
    FL_CD_MINUS = 11,
    FL_CD_TIMES = 12,
    FL_CD_NUMS = 13,
    FL_CD_TARGET = 14,
    FL_CD_COLON = 15,
    FL_CD_END = 16,
    FL_CD_EOT = 17,
    FL_CD_VOCAB = 18
};
#define FL_CD_MAX_NUMS 5
#define FL_CD_MAX_TARGET_DIGITS 9
/* Longest example: eot nums 5x target 9 digits : 9-token program . */
#define FL_CD_MAX_TOKENS 32

typedef struct {
    int n;
    int nums[FL_CD_MAX_NUMS];
    long target;
} fl_cd_spec;

typedef struct {
    fl_cd_spec spec;
    int32_t prog[2 * FL_CD_MAX_NUMS]; /* reference postfix program, '.' included */
    int prog_len;
} fl_cd_example;

typedef struct {
    int min_nums, max_nums; /* default 3, 5 */
    long max_target;        /* targets are drawn in 1..max_target (default 999) */
} fl_cd_gen_opts;
void fl_cd_gen_opts_default(fl_cd_gen_opts *o);

/* One random solvable example: numbers uniform in 1..9, a random postfix tree over
 * them with uniform operators, redrawn until its value is in 1..max_target; the
 * program is then the reference solution. */
fl_status fl_cd_generate(fl_rng *rng, const fl_cd_gen_opts *o, fl_cd_example *ex, fl_error *err);

typedef enum {
    FL_CD_PASS = 0,
    FL_CD_ERR_PARSE,   /* not a program: a token other than a digit/operator before '.', or no '.' */
    FL_CD_ERR_NUMBERS, /* the numbers used are not exactly the listed ones (each once) */
    FL_CD_ERR_STACK,   /* an operator lacks operands, or more than one value is left */
    FL_CD_ERR_VALUE    /* a well-formed program whose value is not the target */
} fl_cd_verdict;
const char *fl_cd_verdict_name(fl_cd_verdict v); /* "pass", "parse", "numbers", "stack", "value" */

/* Check a program (the tokens after the spec's ':'; everything after the first '.'
 * is ignored). Checks in order parse, numbers, stack, value; *value (may be NULL)
 * receives the program's value when it has one; why (may be NULL) a sentence. */
fl_cd_verdict fl_cd_check(const fl_cd_spec *spec, const int32_t *prog, int n, long *value, char *why, size_t why_len);

/* Text <-> tokens. tokenize fails (FL_ERR_FORMAT, naming the word) on unknown words. */
fl_status fl_cd_tokenize(const char *text, int32_t *ids, int cap, int *n, fl_error *err);
/* Words joined by single spaces ("<|endoftext|>" for the separator); false when buf is too small. */
int fl_cd_detokenize(const int32_t *ids, int n, char *buf, size_t len);
/* Tokens of `nums ... target T :`; returns how many (at most FL_CD_MAX_TOKENS). */
int fl_cd_encode_spec(const fl_cd_spec *spec, int32_t *ids);
/* Parse a spec from tokens; *used is how many tokens it took (through ':'). */
fl_status fl_cd_parse_spec(const int32_t *ids, int n, fl_cd_spec *spec, int *used, fl_error *err);
/* Words of the vocabulary, by id ("0".."9", "+", ..., "<|endoftext|>"). */
const char *fl_cd_token_text(int32_t id);

/* The vocabulary's identity in a data manifest (and so in a run's state.json):
 * this tokenizer "path", and the sha256 of vocab.txt's bytes. */
#define FL_CD_TOKENIZER_ID "countdown (built-in vocabulary, vocab.txt)"
/* vocab.txt: "ID WORD" a line, in id order. */
void fl_cd_vocab_text(char *buf, size_t len);
void fl_cd_vocab_sha256(char hex[65]);

/* ---- countdown_data.c */

/* `futurelm countdown generate`: n_train examples (documents `<|endoftext|> spec
 * program`) split into train/val shards with val_fraction (per-example draw, as
 * prepare does), plus n_test held-out specs in test_specs.txt that share no
 * spec (same multiset of numbers and target) with any training example, and
 * vocab.txt. The data folder is what `futurelm train --data` reads. */
typedef struct {
    fl_task_data_opts data; /* out_dir, n_train, n_test (held-out specs), val_fraction, seed */
    fl_cd_gen_opts gen;
} fl_cd_data_opts;
/* Defaults: no out_dir, n_train -1 (the caller must give both), 500 held-out
 * specs, a 0.1 validation share, seed 1337, fl_cd_gen_opts_default. */
void fl_cd_data_opts_default(fl_cd_data_opts *o);
fl_status fl_cd_write_data(const fl_cd_data_opts *o, fl_task_data_result *r, fl_error *err);

/* Read test_specs.txt (one example a line, as written by fl_cd_write_data). */
fl_status fl_cd_read_specs(const char *path, fl_cd_example **out, long *n, fl_error *err);

#endif
