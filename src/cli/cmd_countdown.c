/* futurelm countdown generate|check: the toy coding task of docs/design.md 4.5
 * (src/tasks/countdown.h). Options parse with cli/args.h; the defaults --help
 * shows are fl_cd_data_opts_default's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "tasks/countdown.h"
#include "util/json.h"

static const char USAGE[] =
    "usage: futurelm countdown generate --n N --out DIR [options]\n"
    "       futurelm countdown check [--file FILE] ['nums 3 5 2 7 target 29 : 3 5 * 2 7 * + .' ...] [--json]\n"
    "futurelm countdown generate --help and futurelm countdown check --help list the options.\n";

static const char GEN_ABOUT[] =
    "Writes a data folder that `futurelm train --data DIR` reads: N examples (each a document\n"
    "'<|endoftext|> nums ... target T : program .') as train/val shards with manifest.json, plus\n"
    "DIR/test_specs.txt (M held-out specs with a reference solution, none sharing numbers and target\n"
    "with a training example) for pass@1, and DIR/vocab.txt (the fixed vocabulary). Models train with\n"
    "--set model.vocab_size=%d on this data. See docs/evaluation.md for the language.";

static int generate(int argc, char **argv) {
    fl_cd_data_opts o;
    fl_cd_data_opts_default(&o);
    int json = 0;
    const cli_opt opts[] = {
        {"n", 0, CLI_LONG, &o.data.n_train, 1, 1000000000L, NULL, "N", "training examples (train + val)", CLI_REQUIRED},
        {"out", 0, CLI_STRING, &o.data.out_dir, 0, 0, NULL, "DIR", "the data folder to create", CLI_REQUIRED},
        {"seed", 0, CLI_U64, &o.data.seed, 0, 0, NULL, "S", "generator seed", 0},
        {"val-fraction", 0, CLI_FRACTION, &o.data.val_fraction, 0, 0, NULL, "F", "share of examples drawn into val", 0},
        {"test", 0, CLI_LONG, &o.data.n_test, 0, 10000000L, NULL, "M", "held-out specs", 0},
        {"min-nums", 0, CLI_INT, &o.gen.min_nums, 1, FL_CD_MAX_NUMS, NULL, "A", "numbers a spec lists, at least", 0},
        {"max-nums", 0, CLI_INT, &o.gen.max_nums, 1, FL_CD_MAX_NUMS, NULL, "B", "numbers a spec lists, at most", 0},
        {"max-target", 0, CLI_LONG, &o.gen.max_target, 1, 999999999L, NULL, "X", "targets are in 1..X", 0},
        {"json", 0, CLI_FLAG, &json, 0, 0, NULL, NULL, "print the counts as one JSON object", 0},
        {0},
    };
    char about[sizeof GEN_ABOUT + 16];
    snprintf(about, sizeof about, GEN_ABOUT, FL_CD_VOCAB);
    const cli_spec spec = {"countdown generate", about, opts, NULL, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    if (o.gen.min_nums > o.gen.max_nums)
        return cli_usage_error(&spec, "--min-nums %d is above --max-nums %d", o.gen.min_nums, o.gen.max_nums);
    fl_error err = {0};
    fl_task_data_result r;
    if (fl_cd_write_data(&o, &r, &err)) return cli_error("%s", err.msg);
    if (json)
        printf("{\"out\": \"%s\", \"vocab_size\": %d, \"train\": {\"examples\": %ld, \"tokens\": %llu}, "
               "\"val\": {\"examples\": %ld, \"tokens\": %llu}, \"test_specs\": %ld}\n",
               o.data.out_dir, FL_CD_VOCAB, r.counts.train_examples, (unsigned long long)r.counts.train_tokens, r.counts.val_examples,
               (unsigned long long)r.counts.val_tokens, r.n_test);
    else
        printf("countdown data in %s: train %ld examples (%llu tokens), val %ld examples (%llu tokens), %ld held-out "
               "specs in test_specs.txt; train with --set model.vocab_size=%d\n",
               o.data.out_dir, r.counts.train_examples, (unsigned long long)r.counts.train_tokens, r.counts.val_examples,
               (unsigned long long)r.counts.val_tokens, r.n_test, FL_CD_VOCAB);
    return 0;
}

static int check_line(const char *line, int json, int *failed) {
    int32_t ids[256];
    int n, used;
    fl_cd_spec spec;
    fl_error err = {0};
    if (fl_cd_tokenize(line, ids, 256, &n, &err) || fl_cd_parse_spec(ids, n, &spec, &used, &err)) {
        fprintf(stderr, "futurelm: error: '%s': %s\n", line, err.msg);
        return 1;
    }
    char why[200];
    long value = 0;
    fl_cd_verdict v = fl_cd_check(&spec, ids + used, n - used, &value, why, sizeof why);
    if (v != FL_CD_PASS) *failed = 1;
    if (json) {
        printf("{\"line\": ");
        fl_json_write_string(stdout, line, strlen(line));
        printf(", \"verdict\": \"%s\", \"reason\": ", fl_cd_verdict_name(v));
        fl_json_write_string(stdout, why, strlen(why));
        printf("}\n");
    } else {
        printf("%s: %s%s%s\n", line, fl_cd_verdict_name(v), v ? " - " : "", v ? why : "");
    }
    return 0;
}

/* Every non-blank line of path, through check_line. */
static int check_file(const char *path, int json, int *failed, int *lines) {
    FILE *f = fopen(path, "r");
    if (!f) return cli_error("cannot open '%s': %s", path, strerror(errno));
    char buf[4096];
    int rc = 0;
    for (long lineno = 1; !rc && fgets(buf, sizeof buf, f); lineno++) {
        size_t n = strcspn(buf, "\r\n");
        if (buf[n] == 0 && !feof(f)) { /* no countdown line is this long: refuse it rather than cut it */
            rc = cli_error("%s line %ld: longer than %zu bytes", path, lineno, sizeof buf - 2);
            break;
        }
        buf[n] = 0;
        if (strspn(buf, " \t") == strlen(buf)) continue;
        rc = check_line(buf, json, failed);
        (*lines)++;
    }
    fclose(f);
    return rc;
}

static int check(int argc, char **argv) {
    int json = 0, rc = 0, failed = 0, lines = 0;
    /* lines and --file share one list, so they are checked in command-line order */
    cli_list items = {0};
    const cli_opt opts[] = {
        {"file", 0, CLI_LIST, &items, 0, 0, NULL, "FILE", "check every non-blank line of FILE", 0},
        {"json", 0, CLI_FLAG, &json, 0, 0, NULL, NULL, "one JSON object a line", 0},
        {0},
    };
    const cli_pos pos[] = {{"LINE", NULL, &items, 0}, {0}};
    const cli_spec spec = {"countdown check",
                           "Runs the interpreter on whole lines (spec and program) and prints pass or the reason it\n"
                           "fails (parse, numbers, stack, value). Exit status: 0 all pass, 3 some fail, 1-2 bad input.",
                           opts, pos, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    for (int i = 0; i < items.n && !rc; i++) {
        if (!strcmp(items.opt[i], "file")) rc = check_file(items.v[i], json, &failed, &lines);
        else rc = check_line(items.v[i], json, &failed), lines++;
    }
    cli_list_free(&items);
    if (!rc && lines == 0) return cli_usage_error(&spec, "countdown check needs lines to check (arguments or --file)");
    return rc ? rc : failed ? 3 : 0;
}

int cmd_countdown(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc < 2) fputs("futurelm: error: countdown needs an action (generate or check)\n", stderr);
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "generate")) return generate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check")) return check(argc - 1, argv + 1);
    fprintf(stderr, "futurelm: error: unknown countdown command '%s' (generate or check)\n%s", argv[1], USAGE);
    return 2;
}
