/* futurelm compare GPT_RUN FTP_RUN --report report.html: parses the options
 * (cli/args.h, defaults from fl_compare_opts_default), runs the comparison
 * (src/eval/compare: fl_compare_run) and writes the report and its JSON file
 * (fl_compare_write). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "eval/compare/compare.h"

static const char ABOUT[] =
    "Compares a GPT and an FTP run at matched next-token validation loss (docs/design.md 4): for each run the\n"
    "checkpoint (RUN/step_*) whose logged val_next_token_loss is closest to the target, then ppl, per-offset\n"
    "loss and the future bag-of-words probe, smoothness, topic probes, coherence and (with countdown runs)\n"
    "countdown pass@1. Writes REPORT.html (self-contained, inline SVG charts) and a JSON file with every number.";

int cmd_compare(int argc, char **argv) {
    fl_compare_opts o;
    fl_compare_opts_default(&o);
    const char *report = NULL, *json = NULL;
    const char *sets = fl_compare_default_datasets; /* shown as the default; argv's pointer when given */
    o.target = o.cd_target = NAN;             /* not given */
    const cli_opt opts[] = {
        {"report", 0, CLI_STRING, &report, 0, 0, NULL, "FILE", "the HTML page to write", CLI_REQUIRED},
        {"json", 0, CLI_STRING, &json, 0, 0, NULL, "FILE", "the JSON file (default: REPORT.html with .json)", 0},
        {"target-loss", 0, CLI_DOUBLE, &o.target, 0, 0, NULL, "L",
         "shared target (default: the larger of the two runs' best checkpoint losses)", CLI_NO_DEFAULT},
        {"max-gap", 0, CLI_DOUBLE, &o.max_gap, 0, 100, NULL, "NATS",
         "warn when a run's closest checkpoint is further than this from the target", 0},
        {"refuse-gap", 0, CLI_FLAG, &o.refuse_gap, 0, 0, NULL, NULL, "make that gap an error instead of a warning", 0},
        {"data", 0, CLI_STRING, &o.data, 0, 0, NULL, "DIR", "data folder (default: the GPT checkpoint's state.json data_dir)",
         0},
        {"windows", 0, CLI_LONG, &o.windows, 1, 1L << 30, NULL, "K", "validation windows", 0},
        {"datasets", 0, CLI_STRING, &sets, 0, 0, NULL, "LIST",
         "comma-separated topic probes; the default skips sets not fetched,\n'none' skips the probes", 0},
        {"data-root", 0, CLI_STRING, &o.data_root, 0, 0, NULL, "DIR", "folder holding brown/ and spam-assassin/", 0},
        {"prompts", 0, CLI_INT, &o.coherence.max_prompts, 1, 1L << 20, NULL, "K", "coherence prompts", 0},
        {"bow-rows", 0, CLI_INT, &o.offsets.bow_rows, 0, 1L << 30, NULL, "R",
         "future bag-of-words probe rows from each split", 0},
        {"countdown-gpt", 0, CLI_STRING, &o.cd_gpt, 0, 0, NULL, "RUN",
         "countdown models, compared at matched loss too: each run's\ncheckpoint closest to a shared countdown target",
         0},
        {"countdown-ftp", 0, CLI_STRING, &o.cd_ftp, 0, 0, NULL, "RUN", "the FTP countdown run (with --countdown-gpt)", 0},
        {"countdown-target-loss", 0, CLI_DOUBLE, &o.cd_target, 0, 0, NULL, "L",
         "that target (default: the larger of the two runs' best checkpoint losses)", CLI_NO_DEFAULT},
        {"specs", 0, CLI_STRING, &o.specs, 0, 0, NULL, "FILE",
         "countdown held-out specs (default: the countdown data folder's test_specs.txt)", 0},
        {0},
    };
    const cli_pos pos[] = {{"GPT_RUN", &o.gpt_run, NULL, 1}, {"FTP_RUN", &o.ftp_run, NULL, 1}, {0}};
    const cli_spec spec = {"compare", ABOUT, opts, pos, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    /* a target is a positive number; absent, the library chooses it */
    const char *names[2] = {"--target-loss", "--countdown-target-loss"};
    double *targets[2] = {&o.target, &o.cd_target};
    for (int i = 0; i < 2; i++)
        if (isnan(*targets[i])) *targets[i] = 0;
        else if (!(*targets[i] > 0)) return cli_usage_error(&spec, "%s %g: need a positive number", names[i], *targets[i]);
    if (!o.cd_gpt != !o.cd_ftp) return cli_usage_error(&spec, "give both --countdown-gpt and --countdown-ftp, or neither");
    /* NULL: the default list, which skips sets that were not fetched; a list given must exist */
    o.datasets = sets == fl_compare_default_datasets ? NULL : sets;
    o.coherence.data_root = o.data_root;
    o.log = stderr;
    fl_compare_result r;
    fl_error err = {0};
    char *json_path = NULL;
    int rc = 0;
    if (fl_compare_run(&o, &r, &err)) return cli_error("%s", err.msg);
    if (fl_compare_write(&r, report, json, &json_path, &err)) rc = cli_error("%s", err.msg);
    else fprintf(stderr, "compare: wrote %s and %s (target loss %.4f)\n", report, json_path, r.target);
    free(json_path);
    fl_compare_result_free(&r);
    return rc;
}
