/* futurelm countdown generate|check: the toy coding task of DESIGN.md 4.5. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "tasks/countdown.h"

/* The help text; the defaults are printed from fl_cd_data_opts_default's values. */
static void usage(FILE *f) {
    fl_cd_data_opts d;
    fl_cd_data_opts_default(&d);
    fprintf(f,
            "usage: futurelm countdown generate --n N --out DIR [--seed S] [--val-fraction F] [--test M]\n"
            "                                   [--min-nums A] [--max-nums B] [--max-target X] [--json]\n"
            "       futurelm countdown check [--file FILE] ['nums 3 5 2 7 target 29 : 3 5 * 2 7 * + .' ...] [--json]\n"
            "\n"
            "generate writes a data folder that `futurelm train --data DIR` reads: N examples (each a document\n"
            "'<|endoftext|> nums ... target T : program .') as train/val shards with manifest.json, plus\n"
            "DIR/test_specs.txt (M held-out specs with a reference solution, none sharing numbers and target\n"
            "with a training example) for pass@1, and DIR/vocab.txt (the fixed %d-token vocabulary).\n"
            "  --n N            training examples (train + val)\n"
            "  --seed S         generator seed (default %llu)\n"
            "  --val-fraction F share of examples drawn into val (default %g)\n"
            "  --test M         held-out specs (default %ld)\n"
            "  --min-nums A, --max-nums B   numbers a spec lists (default %d..%d; at most %d)\n"
            "  --max-target X   targets are in 1..X (default %ld)\n"
            "check runs the interpreter on whole lines (spec and program) and prints pass or the reason it\n"
            "fails (parse, numbers, stack, value). Exit status: 0 all pass, 3 some fail, 1-2 bad input.\n"
            "Models train with model.vocab_size=%d on this data. See docs/evaluation.md for the language.\n",
            FL_CD_VOCAB, (unsigned long long)d.seed, d.val_fraction, d.n_test, d.gen.min_nums, d.gen.max_nums,
            FL_CD_MAX_NUMS, d.gen.max_target, FL_CD_VOCAB);
}

static int generate(int argc, char **argv) {
    fl_cd_data_opts o;
    fl_cd_data_opts_default(&o);
    int json = 0, rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        long v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--out") && has) {
            o.out_dir = argv[++i];
        } else if (!strcmp(a, "--n") && has) {
            rc = cli_parse_long(a, argv[++i], 1, 1000000000L, &o.n_train);
        } else if (!strcmp(a, "--test") && has) {
            rc = cli_parse_long(a, argv[++i], 0, 10000000L, &o.n_test);
        } else if (!strcmp(a, "--seed") && has) {
            rc = cli_parse_u64(a, argv[++i], &o.seed);
        } else if (!strcmp(a, "--val-fraction") && has) {
            if (cli_parse_fraction(a, argv[++i], &o.val_fraction)) rc = 2;
        } else if (!strcmp(a, "--min-nums") && has) {
            rc = cli_parse_long(a, argv[++i], 1, FL_CD_MAX_NUMS, &v);
            o.gen.min_nums = (int)v;
        } else if (!strcmp(a, "--max-nums") && has) {
            rc = cli_parse_long(a, argv[++i], 1, FL_CD_MAX_NUMS, &v);
            o.gen.max_nums = (int)v;
        } else if (!strcmp(a, "--max-target") && has) {
            rc = cli_parse_long(a, argv[++i], 1, 999999999L, &o.gen.max_target);
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else {
            fprintf(stderr, "futurelm: error: unknown or incomplete option '%s'\n", a), usage(stderr);
            rc = 2;
        }
    }
    if (rc) return rc;
    if (!o.out_dir || o.n_train < 0) {
        fprintf(stderr, "futurelm: error: countdown generate needs --n and --out\n"), usage(stderr);
        return 2;
    }
    if (o.gen.min_nums > o.gen.max_nums) {
        fprintf(stderr, "futurelm: error: --min-nums %d is above --max-nums %d\n", o.gen.min_nums, o.gen.max_nums);
        return 2;
    }
    fl_error err = {0};
    fl_cd_data_result r;
    if (fl_cd_write_data(&o, &r, &err)) {
        fprintf(stderr, "futurelm: error: %s\n", err.msg);
        return 1;
    }
    if (json)
        printf("{\"out\": \"%s\", \"vocab_size\": %d, \"train\": {\"examples\": %ld, \"tokens\": %llu}, "
               "\"val\": {\"examples\": %ld, \"tokens\": %llu}, \"test_specs\": %ld}\n",
               o.out_dir, FL_CD_VOCAB, r.train_examples, (unsigned long long)r.train_tokens, r.val_examples,
               (unsigned long long)r.val_tokens, r.test_specs);
    else
        printf("countdown data in %s: train %ld examples (%llu tokens), val %ld examples (%llu tokens), %ld held-out "
               "specs in test_specs.txt; train with --set model.vocab_size=%d\n",
               o.out_dir, r.train_examples, (unsigned long long)r.train_tokens, r.val_examples,
               (unsigned long long)r.val_tokens, r.test_specs, FL_CD_VOCAB);
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
        printf("{\"line\": \"");
        for (const char *p = line; *p; p++)
            if (*p == '"' || *p == '\\') printf("\\%c", *p);
            else if ((unsigned char)*p >= 0x20) putchar(*p);
        printf("\", \"verdict\": \"%s\", \"reason\": \"%s\"}\n", fl_cd_verdict_name(v), why);
    } else {
        printf("%s: %s%s%s\n", line, fl_cd_verdict_name(v), v ? " - " : "", v ? why : "");
    }
    return 0;
}

static int check(int argc, char **argv) {
    int json = 0, rc = 0, failed = 0, lines = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--json")) json = 1;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            continue;
        } else if (!strcmp(a, "--file") && i + 1 < argc) {
            const char *path = argv[++i];
            FILE *f = fopen(path, "r");
            if (!f) {
                fprintf(stderr, "futurelm: error: cannot open '%s': %s\n", path, strerror(errno));
                return 1;
            }
            char buf[4096];
            while (!rc && fgets(buf, sizeof buf, f)) {
                buf[strcspn(buf, "\r\n")] = 0;
                if (strspn(buf, " \t") == strlen(buf)) continue;
                rc = check_line(buf, json, &failed);
                lines++;
            }
            fclose(f);
        } else if (!strncmp(a, "--", 2)) {
            fprintf(stderr, "futurelm: error: unknown or incomplete option '%s'\n", a), usage(stderr);
            return 2;
        } else {
            rc = check_line(a, json, &failed);
            lines++;
        }
    }
    if (!rc && lines == 0) {
        fprintf(stderr, "futurelm: error: countdown check needs lines to check (arguments or --file)\n"), usage(stderr);
        return 2;
    }
    return rc ? rc : failed ? 3 : 0;
}

int cmd_countdown(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "generate")) return generate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check")) return check(argc - 1, argv + 1);
    fprintf(stderr, "futurelm: error: unknown countdown command '%s' (generate or check)\n", argv[1]), usage(stderr);
    return 2;
}
