/* futurelm compare GPT_RUN FTP_RUN --report report.html: parses the options,
 * runs the comparison (src/eval/compare: fl_compare_run) and writes the report
 * and its JSON file (fl_compare_write). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "eval/compare/compare.h"

/* The help text; every default is printed from fl_compare_opts_default's values. */
static void usage(FILE *f) {
    fl_compare_opts d;
    fl_compare_opts_default(&d);
    fprintf(f,
            "usage: futurelm compare GPT_RUN FTP_RUN --report REPORT.html [--json FILE] [--target-loss L]\n"
            "                        [--data DIR] [--windows K] [--datasets LIST] [--data-root DIR] [--prompts K]\n"
            "                        [--bow-rows R] [--countdown-gpt RUN --countdown-ftp RUN [--specs FILE]\n"
            "                        [--countdown-target-loss L]]\n"
            "\n"
            "Compares a GPT and an FTP run at matched next-token validation loss (DESIGN.md 4): for each run the\n"
            "checkpoint (RUN/step_*) whose logged val_next_token_loss is closest to the target, then ppl, per-offset\n"
            "loss and the future bag-of-words probe, smoothness, topic probes, coherence and (with countdown runs)\n"
            "countdown pass@1. Writes REPORT.html (self-contained, inline SVG charts) and a JSON file with every number.\n"
            "\n"
            "  --report FILE      the HTML page to write (required)\n"
            "  --json FILE        the JSON file (default: REPORT.html with .json)\n"
            "  --target-loss L    shared target (default: the larger of the two runs' best checkpoint losses)\n"
            "  --data DIR         data folder (default: the GPT checkpoint's state.json data_dir)\n"
            "  --windows K        validation windows (default %ld)\n"
            "  --datasets LIST    comma-separated topic probes (default %s; the\n"
            "                     default skips sets not fetched; 'none' skips the probes)\n"
            "  --data-root DIR    folder holding brown/ and spam-assassin/ (default %s)\n"
            "  --prompts K        coherence prompts (default %d)\n"
            "  --bow-rows R       future bag-of-words probe rows from each split (default %d)\n"
            "  --countdown-gpt RUN, --countdown-ftp RUN   countdown models, compared at matched loss too: each run's\n"
            "                     checkpoint closest to a shared countdown target\n"
            "  --countdown-target-loss L   that target (default: the larger of the two runs' best checkpoint losses)\n"
            "  --specs FILE       countdown held-out specs (default: the countdown data folder's test_specs.txt)\n",
            d.windows, fl_compare_default_datasets, d.data_root, d.coherence.max_prompts, d.offsets.bow_rows);
}

typedef struct {
    fl_compare_opts o;
    const char *report, *json;
} cmp_args;

/* A target loss: a positive, finite number. */
static int parse_target(const char *o, const char *v, double *out) {
    double x;
    if (cli_parse_double(o, v, -HUGE_VAL, HUGE_VAL, &x)) return 1;
    if (!(x > 0)) return cli_error("%s '%s': need a positive number", o, v);
    *out = x;
    return 0;
}

static int parse_int(const char *o, const char *v, long lo, long hi, int *out) {
    long x;
    if (cli_parse_long(o, v, lo, hi, &x)) return 1;
    *out = (int)x;
    return 0;
}

static int parse(int argc, char **argv, cmp_args *a) {
    memset(a, 0, sizeof *a);
    fl_compare_opts *o = &a->o;
    fl_compare_opts_default(o);
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (k[0] != '-') {
            if (!o->gpt_run) o->gpt_run = k;
            else if (!o->ftp_run) o->ftp_run = k;
            else return cli_error("three runs given; usage: futurelm compare GPT_RUN FTP_RUN --report FILE");
            continue;
        }
        if (!v) return cli_error("%s needs a value (see futurelm compare --help)", k);
        i++;
        int rc = 0;
        if (!strcmp(k, "--report")) a->report = v;
        else if (!strcmp(k, "--json")) a->json = v;
        else if (!strcmp(k, "--data")) o->data = v;
        else if (!strcmp(k, "--datasets")) o->datasets = v;
        else if (!strcmp(k, "--data-root")) o->data_root = o->coherence.data_root = v;
        else if (!strcmp(k, "--countdown-gpt")) o->cd_gpt = v;
        else if (!strcmp(k, "--countdown-ftp")) o->cd_ftp = v;
        else if (!strcmp(k, "--specs")) o->specs = v;
        else if (!strcmp(k, "--windows")) rc = cli_parse_long(k, v, 1, 1L << 30, &o->windows);
        else if (!strcmp(k, "--prompts")) rc = parse_int(k, v, 1, 1L << 20, &o->coherence.max_prompts);
        else if (!strcmp(k, "--bow-rows")) rc = parse_int(k, v, 0, 1L << 30, &o->offsets.bow_rows);
        else if (!strcmp(k, "--target-loss")) rc = parse_target(k, v, &o->target);
        else if (!strcmp(k, "--countdown-target-loss")) rc = parse_target(k, v, &o->cd_target);
        else return cli_error("unknown option %s (see futurelm compare --help)", k);
        if (rc) return rc;
    }
    if (!o->gpt_run || !o->ftp_run || !a->report)
        return cli_error("compare needs GPT_RUN, FTP_RUN and --report FILE; see futurelm compare --help");
    if (!o->cd_gpt != !o->cd_ftp) return cli_error("give both --countdown-gpt and --countdown-ftp, or neither");
    return 0;
}

int cmd_compare(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    cmp_args a;
    if (parse(argc, argv, &a)) return 2;
    a.o.log = stderr;
    fl_compare_result r;
    fl_error err = {0};
    char *json = NULL;
    int rc = 0;
    if (fl_compare_run(&a.o, &r, &err)) return cli_error("%s", err.msg);
    if (fl_compare_write(&r, a.report, a.json, &json, &err)) rc = cli_error("%s", err.msg);
    else fprintf(stderr, "compare: wrote %s and %s (target loss %.4f)\n", a.report, json, r.target);
    free(json);
    fl_compare_result_free(&r);
    return rc;
}
