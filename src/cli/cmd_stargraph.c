/* futurelm stargraph generate|check|eval: the path-star planning task
 * (src/tasks/stargraph.h). Options parse with cli/args.h; the defaults --help
 * shows are fl_sg_data_opts_default's and fl_sg_eval_opts_default's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "eval/measures/checkpoint.h"
#include "tasks/stargraph.h"
#include "util/fs.h"
#include "util/json.h"

static const char USAGE[] =
    "usage: futurelm stargraph generate --count K --out DIR [options]\n"
    "       futurelm stargraph check [--file FILE] ['a,b|c,d/s,g=n1,...' ...] [--nodes M] [--json]\n"
    "       futurelm stargraph eval CKPT|RUN_DIR [--data DIR] [--file FILE] [--max N] [--threads N] [--json]\n"
    "futurelm stargraph ACTION --help lists each one's options.\n";

static int generate(int argc, char **argv) {
    fl_sg_data_opts o;
    fl_sg_data_opts_default(&o);
    int json = 0;
    const cli_opt opts[] = {
        {"count", 0, CLI_LONG, &o.data.n_train, 1, 1000000000L, NULL, "K", "graphs for train + val", CLI_REQUIRED | CLI_NO_DEFAULT},
        {"out", 0, CLI_STRING, &o.data.out_dir, 0, 0, NULL, "DIR", "the data folder to create", CLI_REQUIRED},
        {"degree", 0, CLI_INT, &o.shape.degree, 2, FL_SG_MAX_DEGREE, NULL, "D", "arms of the star", 0},
        {"path-len", 0, CLI_INT, &o.shape.path_len, 3, FL_SG_MAX_PATH, NULL, "L", "nodes an arm, the centre included", 0},
        {"nodes", 0, CLI_INT, &o.shape.n_nodes, 3, FL_SG_MAX_NODES, NULL, "M", "labels are drawn from 0..M-1", 0},
        {"test", 0, CLI_LONG, &o.data.n_test, 0, 10000000L, NULL, "K2", "held-out lines in DIR/test.txt", 0},
        {"seed", 0, CLI_U64, &o.data.seed, 0, 0, NULL, "S", "generator seed", 0},
        {"val-fraction", 0, CLI_FRACTION, &o.data.val_fraction, 0, 0, NULL, "F", "share of graphs drawn into val", 0},
        {"json", 0, CLI_FLAG, &json, 0, 0, NULL, NULL, "print the counts as one JSON object", 0},
        {0},
    };
    const cli_spec spec = {
        "stargraph generate",
        "Writes a data folder that `futurelm train --data DIR` reads: K graphs (each a document\n"
        "'<|endoftext|>' + its line) as train/val shards with manifest.json, plus DIR/test.txt (K2 held-out\n"
        "lines with their path, none the same graph and question as a training one), DIR/vocab.txt and\n"
        "DIR/stargraph.json. A line is 'a,b|c,d|...|y,z/start,goal=n1,...,nL': a centre with D arms of L\n"
        "nodes (centre included), labels distinct in 0..M-1, edges shuffled, the goal the end of one arm.\n"
        "Every document is 4D(L-1)+2L+4 tokens: make model.block_size a multiple of it, so each training\n"
        "window holds whole examples. Train with model.vocab_size = M + 5.",
        opts, NULL, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    fl_error err = {0};
    fl_task_data_result r;
    if (fl_sg_write_data(&o, &r, &err)) return cli_error("%s", err.msg);
    int V = fl_sg_vocab_size(o.shape.n_nodes);
    if (json) {
        printf("{\"out\": ");
        fl_json_write_string(stdout, o.data.out_dir, strlen(o.data.out_dir));
        printf(", \"vocab_size\": %d, \"example_tokens\": %d, \"train\": {\"examples\": %ld, \"tokens\": %llu}, "
               "\"val\": {\"examples\": %ld, \"tokens\": %llu}, \"test\": %ld}\n",
               V, r.example_tokens, r.counts.train_examples, (unsigned long long)r.counts.train_tokens, r.counts.val_examples,
               (unsigned long long)r.counts.val_tokens, r.n_test);
    } else {
        printf("star-graph data in %s: train %ld examples (%llu tokens), val %ld examples (%llu tokens), %ld held-out "
               "in test.txt; %d tokens an example; train with --set model.vocab_size=%d and model.block_size a "
               "multiple of %d\n",
               o.data.out_dir, r.counts.train_examples, (unsigned long long)r.counts.train_tokens, r.counts.val_examples,
               (unsigned long long)r.counts.val_tokens, r.n_test, r.example_tokens, V, r.example_tokens);
    }
    return 0;
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
        fl_json_write_string(stdout, where, strlen(where));
        printf(", \"verdict\": \"%s\", \"reason\": ", fl_sg_verdict_name(v));
        fl_json_write_string(stdout, why, strlen(why));
        printf("}\n");
    } else {
        printf("%s: %s%s%s\n", where, fl_sg_verdict_name(v), v ? " - " : "", v ? why : "");
    }
}

/* Every non-blank line of path; a line too long for any graph is an error naming its number. */
static int check_file(const char *path, int M, int json, int *failed, int *bad, int *lines) {
    FILE *f = fopen(path, "r");
    if (!f) return cli_error("cannot open '%s': %s", path, strerror(errno));
    char buf[FL_SG_MAX_EDGES * 14 + 256];
    for (long lineno = 1; fgets(buf, sizeof buf, f); lineno++) {
        size_t n = strcspn(buf, "\r\n");
        char *where = fl_path_fmt("%s line %ld", path, lineno);
        if (!where) return fclose(f), cli_error("out of memory");
        if (buf[n] == 0 && !feof(f)) {
            fprintf(stderr, "futurelm: error: %s: longer than %zu bytes\n", where, sizeof buf - 2);
            *bad = 1;
            for (int ch = 0; ch != '\n' && ch != EOF;) ch = fgetc(f); /* skip the rest */
        } else if (buf[n] = 0, strspn(buf, " \t") != n) {
            check_line(buf, where, M, json, failed, bad);
            (*lines)++;
        }
        free(where);
    }
    fclose(f);
    return 0;
}

static int check(int argc, char **argv) {
    int json = 0, failed = 0, bad = 0, lines = 0, rc = 0, M = 0;
    cli_list items = {0}; /* lines and --file in one list: checked in command-line order */
    const cli_opt opts[] = {
        {"file", 0, CLI_LIST, &items, 0, 0, NULL, "FILE", "check every non-blank line of FILE", 0},
        {"nodes", 0, CLI_INT, &M, 3, FL_SG_MAX_NODES, NULL, "M", "labels must be below M (default: any)", CLI_NO_DEFAULT},
        {"json", 0, CLI_FLAG, &json, 0, 0, NULL, NULL, "one JSON object a line", 0},
        {0},
    };
    const cli_pos pos[] = {{"LINE", NULL, &items, 0}, {0}};
    const cli_spec spec = {"stargraph check",
                           "Judges each line's path against its graph: pass, parse, wrong-start, repeated-node,\n"
                           "missing-edge, wrong-length or wrong-goal. Exit status: 0 all pass, 3 some fail, 1-2 bad input.",
                           opts, pos, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    for (int i = 0; i < items.n && !rc; i++) {
        if (!strcmp(items.opt[i], "file")) rc = check_file(items.v[i], M, json, &failed, &bad, &lines);
        else check_line(items.v[i], items.v[i], M, json, &failed, &bad), lines++;
    }
    cli_list_free(&items);
    if (rc) return rc;
    if (!bad && lines == 0) return cli_usage_error(&spec, "stargraph check needs lines to check (arguments or --file)");
    return bad ? 1 : failed ? 3 : 0;
}

static void print_scores(const fl_eval_ckpt *ck, const fl_sg_eval_result *r) {
    const fl_sg_scores *s = &r->s;
    printf("%s: star-graph paths of %ld held-out examples (greedy)\n", ck->dir, s->exact.n);
    printf("  exact path                %.4f  95%% CI [%.4f, %.4f]  (%ld)\n", s->exact.acc, s->exact.lo, s->exact.hi,
           s->exact.correct);
    printf("  first step (arm)          %.4f  95%% CI [%.4f, %.4f]  (%ld; chance %.4f)\n", s->first.acc, s->first.lo,
           s->first.hi, s->first.correct, r->first_chance);
    printf("  rest given true 1st step  %.4f  95%% CI [%.4f, %.4f]  (%ld)\n", s->rest.acc, s->rest.lo, s->rest.hi,
           s->rest.correct);
    printf("  verdicts:");
    for (int v = 0; v < FL_SG_N_VERDICTS; v++)
        if (s->verdicts[v]) printf(" %s %ld", fl_sg_verdict_name((fl_sg_verdict)v), s->verdicts[v]);
    printf("\n");
    if (r->example_fail[0]) printf("  first failure: %s\n", r->example_fail);
}

static int eval(int argc, char **argv) {
    const char *ckpt = NULL, *data = NULL, *file = NULL;
    int json = 0, threads = 0;
    fl_sg_eval_opts o;
    fl_sg_eval_opts_default(&o);
    const cli_opt opts[] = {
        {"data", 0, CLI_STRING, &data, 0, 0, NULL, "DIR", "the data folder whose test.txt to decode (default: the run's)", 0},
        {"file", 0, CLI_STRING, &file, 0, 0, NULL, "FILE", "decode the lines of FILE instead", 0},
        {"max", 0, CLI_LONG, &o.max_examples, 1, 100000000L, NULL, "N", "at most N examples (default: all)", CLI_NO_DEFAULT},
        {"threads", 0, CLI_INT, &threads, 1, 4096, NULL, "N",
         "OpenMP threads (default: OMP_NUM_THREADS); small models decode fastest with 1", CLI_NO_DEFAULT},
        {"json", 0, CLI_FLAG, &json, 0, 0, NULL, NULL, "print the result as one JSON object", 0},
        {0},
    };
    const cli_pos pos[] = {{"CKPT|RUN_DIR", &ckpt, NULL, 1}, {0}};
    const cli_spec spec = {"stargraph eval",
                           "Decodes greedily (FTP in ar mode) the held-out paths of DIR/test.txt and reports exact-path\n"
                           "accuracy, first-step accuracy (the choice of arm) and the remaining steps given the true\n"
                           "first step, each with a bootstrap 95% interval.",
                           opts, pos, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
#ifdef _OPENMP
    if (threads > 0) omp_set_num_threads(threads);
#endif
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
        printf("{\"checkpoint\": ");
        fl_json_write_string(stdout, ck.dir, strlen(ck.dir));
        printf(", \"model\": \"%s\", \"step\": %ld, \"stargraph\": ",
               fl_model_get_config(ck.m)->type == FL_MODEL_FTP ? "ftp" : "gpt", ck.step);
        fl_sg_json(stdout, &r);
        printf("}\n");
    } else if (!rc) {
        print_scores(&ck, &r);
    }
    free(ex);
    free(path);
    fl_eval_ckpt_close(&ck);
    return rc;
}

int cmd_stargraph(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc < 2) fputs("futurelm: error: stargraph needs an action (generate, check or eval)\n", stderr);
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "generate")) return generate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check")) return check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "eval")) return eval(argc - 1, argv + 1);
    fprintf(stderr, "futurelm: error: unknown stargraph command '%s' (generate, check or eval)\n%s", argv[1], USAGE);
    return 2;
}
