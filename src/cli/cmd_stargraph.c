/* futurelm stargraph generate|check|eval: the path-star planning task (src/tasks/stargraph.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/cli.h"
#include "cli/options.h"
#include "eval/measures/checkpoint.h"
#include "tasks/stargraph.h"
#include "util/fs.h"

static const char *USAGE =
    "usage: futurelm stargraph generate --count K --out DIR [--degree D] [--path-len L] [--nodes M]\n"
    "                                   [--test K2] [--seed S] [--val-fraction F] [--json]\n"
    "       futurelm stargraph check [--file FILE] ['a,b|c,d/s,g=n1,...' ...] [--nodes M] [--json]\n"
    "       futurelm stargraph eval CKPT|RUN_DIR [--data DIR] [--file FILE] [--max N] [--threads N] [--json]\n"
    "\n"
    "generate writes a data folder that `futurelm train --data DIR` reads: K graphs (each a document\n"
    "'<|endoftext|>' + its line) as train/val shards with manifest.json, plus DIR/test.txt (K2 held-out\n"
    "lines with their path, none the same graph and question as a training one), DIR/vocab.txt and\n"
    "DIR/stargraph.json. A line is 'a,b|c,d|...|y,z/start,goal=n1,...,nL': a centre with D arms of L\n"
    "nodes (centre included), labels distinct in 0..M-1, edges shuffled, the goal the end of one arm.\n"
    "  --degree D (default 2)  --path-len L (default 5)  --nodes M (default 50)\n"
    "  --test K2 (default 1000)  --seed S (default 1337)  --val-fraction F (default 0.1)\n"
    "Every document is 4D(L-1)+2L+4 tokens: make model.block_size a multiple of it, so each training\n"
    "window holds whole examples. Train with model.vocab_size = M + 5.\n"
    "check judges each line's path against its graph: pass, parse, wrong-start, repeated-node,\n"
    "missing-edge, wrong-length or wrong-goal. Exit status: 0 all pass, 3 some fail, 1-2 bad input.\n"
    "eval decodes greedily (FTP in ar mode) the held-out paths of DIR/test.txt (DIR: --data, default\n"
    "the checkpoint's data folder; or --file) and reports exact-path accuracy, first-step accuracy\n"
    "and the remaining steps given the true first step, each with a bootstrap 95% interval. Small\n"
    "models decode fastest with --threads 1 (OpenMP's default is every core).\n";

static int bad_option(const char *a) {
    fprintf(stderr, "futurelm: error: unknown or incomplete option '%s'\n%s", a, USAGE);
    return 2;
}

static int generate(int argc, char **argv) {
    fl_sg_data_opts o = {NULL, {2, 5, 50}, -1, 1000, 0.1, 1337};
    int json = 0, rc = 0;
    long v;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return fputs(USAGE, stdout), 0;
        else if (!strcmp(a, "--out") && has) o.out_dir = argv[++i];
        else if (!strcmp(a, "--count") && has) rc = cli_parse_long(a, argv[++i], 1, 1000000000L, &o.n_train);
        else if (!strcmp(a, "--test") && has) rc = cli_parse_long(a, argv[++i], 0, 10000000L, &o.n_test);
        else if (!strcmp(a, "--seed") && has) rc = cli_parse_u64(a, argv[++i], &o.seed);
        else if (!strcmp(a, "--val-fraction") && has) rc = cli_parse_fraction(a, argv[++i], &o.val_fraction) ? 2 : 0;
        else if (!strcmp(a, "--degree") && has) {
            rc = cli_parse_long(a, argv[++i], 2, FL_SG_MAX_DEGREE, &v);
            o.shape.degree = (int)v;
        } else if (!strcmp(a, "--path-len") && has) {
            rc = cli_parse_long(a, argv[++i], 3, FL_SG_MAX_PATH, &v);
            o.shape.path_len = (int)v;
        } else if (!strcmp(a, "--nodes") && has) {
            rc = cli_parse_long(a, argv[++i], 3, FL_SG_MAX_NODES, &v);
            o.shape.n_nodes = (int)v;
        } else if (!strcmp(a, "--json")) json = 1;
        else return bad_option(a);
    }
    if (rc) return rc;
    if (!o.out_dir || o.n_train < 0) {
        fprintf(stderr, "futurelm: error: stargraph generate needs --count and --out\n%s", USAGE);
        return 2;
    }
    fl_error err = {0};
    fl_sg_data_result r;
    if (fl_sg_write_data(&o, &r, &err)) return cli_error("%s", err.msg);
    int V = fl_sg_vocab_size(o.shape.n_nodes);
    if (json)
        printf("{\"out\": \"%s\", \"vocab_size\": %d, \"example_tokens\": %d, \"train\": {\"examples\": %ld, "
               "\"tokens\": %llu}, \"val\": {\"examples\": %ld, \"tokens\": %llu}, \"test\": %ld}\n",
               o.out_dir, V, r.example_tokens, r.train_examples, (unsigned long long)r.train_tokens, r.val_examples,
               (unsigned long long)r.val_tokens, r.test_examples);
    else
        printf("star-graph data in %s: train %ld examples (%llu tokens), val %ld examples (%llu tokens), %ld held-out "
               "in test.txt; %d tokens an example; train with --set model.vocab_size=%d and model.block_size a "
               "multiple of %d\n",
               o.out_dir, r.train_examples, (unsigned long long)r.train_tokens, r.val_examples,
               (unsigned long long)r.val_tokens, r.test_examples, r.example_tokens, V, r.example_tokens);
    return 0;
}

static void json_text(const char *s) {
    putchar('"');
    for (; *s; s++)
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if ((unsigned char)*s >= 0x20) putchar(*s);
    putchar('"');
}

/* One line: its verdict on stdout; a line whose graph does not parse is an
 * error (stderr, *bad). where names the line in messages ("FILE line 3"). */
static void check_line(const char *line, const char *where, int M, int json, int *failed, int *bad) {
    fl_sg_example ex;
    const char *path;
    fl_error err = {0};
    if (fl_sg_parse_graph(line, M, &ex, &path, &err)) {
        fprintf(stderr, "futurelm: error: %s, %s\n", where, err.msg);
        *bad = 1;
        return;
    }
    char why[200];
    fl_sg_verdict v = fl_sg_check_text(&ex, M, line, path, why, sizeof why);
    if (v != FL_SG_PASS) *failed = 1;
    if (json) {
        printf("{\"where\": ");
        json_text(where);
        printf(", \"verdict\": \"%s\", \"reason\": ", fl_sg_verdict_name(v));
        json_text(why);
        printf("}\n");
    } else {
        printf("%s: %s%s%s\n", where, fl_sg_verdict_name(v), v ? " - " : "", v ? why : "");
    }
}

static int check(int argc, char **argv) {
    int json = 0, failed = 0, bad = 0, lines = 0;
    long M = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--nodes") && i + 1 < argc) {
            if (cli_parse_long(argv[i], argv[i + 1], 3, FL_SG_MAX_NODES, &M)) return 2;
            i++;
        }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return fputs(USAGE, stdout), 0;
        else if (!strcmp(a, "--json")) continue;
        else if (!strcmp(a, "--nodes") && i + 1 < argc) i++;
        else if (!strcmp(a, "--file") && i + 1 < argc) {
            const char *path = argv[++i];
            FILE *f = fopen(path, "r");
            if (!f) return cli_error("cannot open '%s': %s", path, strerror(errno));
            char buf[FL_SG_MAX_EDGES * 14 + 256];
            long lineno = 0;
            while (fgets(buf, sizeof buf, f)) {
                lineno++;
                size_t n = strcspn(buf, "\r\n");
                char *where = fl_path_fmt("%s line %ld", path, lineno);
                if (!where) return fclose(f), cli_error("out of memory");
                if (buf[n] == 0 && !feof(f)) {
                    fprintf(stderr, "futurelm: error: %s: longer than %zu bytes\n", where, sizeof buf - 2);
                    bad = 1;
                    for (int ch = 0; ch != '\n' && ch != EOF;) ch = fgetc(f); /* skip the rest */
                } else if (buf[n] = 0, strspn(buf, " \t") != n) {
                    check_line(buf, where, (int)M, json, &failed, &bad);
                    lines++;
                }
                free(where);
            }
            fclose(f);
        } else if (!strncmp(a, "--", 2)) return bad_option(a);
        else check_line(a, a, (int)M, json, &failed, &bad), lines++;
    }
    if (!bad && lines == 0) {
        fprintf(stderr, "futurelm: error: stargraph check needs lines to check (arguments or --file)\n%s", USAGE);
        return 2;
    }
    return bad ? 1 : failed ? 3 : 0;
}

static int eval(int argc, char **argv) {
    const char *ckpt = NULL, *data = NULL, *file = NULL;
    int json = 0;
    fl_sg_eval_opts o;
    fl_sg_eval_opts_default(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return fputs(USAGE, stdout), 0;
        else if (!strcmp(a, "--data") && has) data = argv[++i];
        else if (!strcmp(a, "--file") && has) file = argv[++i];
        else if (!strcmp(a, "--max") && has) {
            if (cli_parse_long(a, argv[++i], 1, 100000000L, &o.max_examples)) return 2;
        } else if (!strcmp(a, "--threads") && has) {
            long t;
            if (cli_parse_long(a, argv[++i], 1, 4096, &t)) return 2;
#ifdef _OPENMP
            omp_set_num_threads((int)t);
#endif
        } else if (!strcmp(a, "--json")) json = 1;
        else if (!strncmp(a, "--", 2) || ckpt) return bad_option(a);
        else ckpt = a;
    }
    if (!ckpt) {
        fprintf(stderr, "futurelm: error: stargraph eval needs a checkpoint or run folder\n%s", USAGE);
        return 2;
    }
    fl_eval_ckpt ck;
    fl_error err = {0};
    if (fl_eval_ckpt_open(ckpt, &ck, &err)) return cli_error("%s", err.msg);
    int rc = 0;
    char *path = NULL;
    if (!file && !data && !ck.data_dir[0])
        rc = cli_error("%s/state.json does not name the data folder; pass --data DIR or --file FILE", ck.dir);
    else if (!file && !(path = fl_path_join(data ? data : ck.data_dir, "test.txt"))) rc = cli_error("out of memory");
    fl_sg_example *ex = NULL;
    long n = 0;
    /* labels are checked against the model's vocabulary by fl_sg_eval */
    if (!rc && fl_sg_read_file(file ? file : path, 0, &ex, &n, &err)) rc = cli_error("%s", err.msg);
    fl_sg_eval_result r;
    if (!rc && fl_sg_eval(ck.m, ex, n, &o, &r, &err)) rc = cli_error("%s", err.msg);
    if (!rc && json) {
        const fl_model_config *c = fl_model_get_config(ck.m);
        printf("{\"checkpoint\": ");
        json_text(ck.dir);
        printf(", \"model\": \"%s\", \"step\": %ld, \"stargraph\": ", c->type == FL_MODEL_FTP ? "ftp" : "gpt", ck.step);
        fl_sg_json(stdout, &r);
        printf("}\n");
    } else if (!rc) {
        const fl_sg_scores *s = &r.s;
        printf("%s: star-graph paths of %ld held-out examples (greedy)\n", ck.dir, s->exact.n);
        printf("  exact path                %.4f  95%% CI [%.4f, %.4f]  (%ld)\n", s->exact.acc, s->exact.lo,
               s->exact.hi, s->exact.correct);
        printf("  first step (arm)          %.4f  95%% CI [%.4f, %.4f]  (%ld; chance %.4f)\n", s->first.acc,
               s->first.lo, s->first.hi, s->first.correct, r.first_chance);
        printf("  rest given true 1st step  %.4f  95%% CI [%.4f, %.4f]  (%ld)\n", s->rest.acc, s->rest.lo, s->rest.hi,
               s->rest.correct);
        printf("  verdicts:");
        for (int v = 0; v < FL_SG_N_VERDICTS; v++)
            if (s->verdicts[v]) printf(" %s %ld", fl_sg_verdict_name((fl_sg_verdict)v), s->verdicts[v]);
        printf("\n");
        if (r.example_fail[0]) printf("  first failure: %s\n", r.example_fail);
    }
    free(ex);
    free(path);
    fl_eval_ckpt_close(&ck);
    return rc;
}

int cmd_stargraph(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "generate")) return generate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check")) return check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "eval")) return eval(argc - 1, argv + 1);
    fprintf(stderr, "futurelm: error: unknown stargraph command '%s' (generate, check or eval)\n%s", argv[1], USAGE);
    return 2;
}
