/* futurelm compare --gpt RUN... --ftp RUN... --report report.html (or the
 * single-pair form GPT_RUN FTP_RUN): parses the options
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
#include "util/datapath.h"

static const char ABOUT[] =
    "Compares GPT and FTP runs at matched next-token validation loss (docs/design.md 4), one run per seed:\n"
    "seed i of GPT (--gpt) is paired with seed i of FTP (--ftp); GPT_RUN FTP_RUN is the one-pair form. For each\n"
    "run the checkpoint (RUN/step_*) whose logged val_next_token_loss is closest to its pair's target, then\n"
    "ppl, per-offset loss and the future bag-of-words probe, smoothness, topic probes, coherence, (with\n"
    "countdown runs, paired the same way) countdown pass@1, and the top-layer instruments: logit lens, neural\n"
    "collapse, head directions and CKA between each pair's GPT and FTP (--no-toplayer skips them). Every\n"
    "metric is summarised over seeds: the mean with a 95% t-interval and the paired difference FTP - GPT with\n"
    "a sign count. A pair with a run more than --max-gap from its target is left out while another pair is\n"
    "at matched loss (docs/evaluation.md).\n"
    "Topic probes read --probe-data DIR when given; the shipped Brown/SpamAssassin sets are skipped on a\n"
    "corpus that does not include them (their numbers would measure transfer), and the report says so.\n"
    "Writes REPORT.html (self-contained, inline SVG charts) and a JSON file with every number.";

/* The runs: each list option's words (pointing into argv) and the positional pair. */
typedef struct {
    cli_list gpt, ftp, cd_gpt, cd_ftp, pos;
} run_lists;

/* A list's words as the library's array. */
static const char *const *words(const cli_list *l) { return (const char *const *)l->v; }

/* What the parser cannot check, then the comparison and the report: 0, 1 (an error) or 2 (a usage error). */
static int run(const cli_spec *spec, fl_compare_opts *o, const run_lists *l, const char *report, const char *json,
               const char *sets) {
    /* a target is a positive number; absent, the library chooses it */
    const char *names[2] = {"--target-loss", "--countdown-target-loss"};
    double *targets[2] = {&o->target, &o->cd_target};
    for (int i = 0; i < 2; i++)
        if (isnan(*targets[i])) *targets[i] = 0;
        else if (!(*targets[i] > 0)) return cli_usage_error(spec, "%s %g: need a positive number", names[i], *targets[i]);
    if (l->pos.n && (l->gpt.n || l->ftp.n))
        return cli_usage_error(spec, "give the runs as GPT_RUN FTP_RUN or with --gpt and --ftp, not both");
    if (l->pos.n && l->pos.n != 2)
        return cli_usage_error(spec, "%d runs given without --gpt/--ftp: the one-pair form is GPT_RUN FTP_RUN "
                                     "(several seeds: --gpt RUN... --ftp RUN...)",
                               l->pos.n);
    o->gpt_runs = l->pos.n ? words(&l->pos) : words(&l->gpt), o->n_gpt = l->pos.n ? 1 : l->gpt.n;
    o->ftp_runs = l->pos.n ? words(&l->pos) + 1 : words(&l->ftp), o->n_ftp = l->pos.n ? 1 : l->ftp.n;
    o->cd_gpt = words(&l->cd_gpt), o->n_cd_gpt = l->cd_gpt.n;
    o->cd_ftp = words(&l->cd_ftp), o->n_cd_ftp = l->cd_ftp.n;
    if (!o->n_gpt && !o->n_ftp) return cli_usage_error(spec, "no runs: give GPT_RUN FTP_RUN, or --gpt RUN... --ftp RUN...");
    if (o->n_gpt != o->n_ftp)
        return cli_usage_error(spec, "%d GPT runs (--gpt) and %d FTP runs (--ftp): give one of each per seed, in the "
                                     "same seed order",
                               o->n_gpt, o->n_ftp);
    if (o->n_cd_gpt != o->n_cd_ftp)
        return cli_usage_error(spec, "%d --countdown-gpt runs and %d --countdown-ftp runs: give one of each per seed",
                               o->n_cd_gpt, o->n_cd_ftp);
    /* NULL: the default list, which skips sets that were not fetched; a list given must exist */
    o->datasets = sets == fl_compare_default_datasets ? NULL : sets;
    o->coherence.data_root = o->data_root;
    o->log = stderr;
    fl_compare_result r;
    fl_error err = {0};
    char *json_path = NULL;
    int rc = 0;
    if (fl_compare_run(o, &r, &err)) return cli_error("%s", err.msg);
    if (fl_compare_write(&r, report, json, &json_path, &err)) rc = cli_error("%s", err.msg);
    else if (r.n_pairs == 1)
        fprintf(stderr, "compare: wrote %s and %s (target loss %.4f)\n", report, json_path, r.pairs[0].target);
    else fprintf(stderr, "compare: wrote %s and %s (%d seeds, %d in the statistics)\n", report, json_path, r.n_pairs, r.kept);
    free(json_path);
    fl_compare_result_free(&r);
    return rc;
}

int cmd_compare(int argc, char **argv) {
    fl_compare_opts o;
    fl_compare_opts_default(&o);
    const char *report = NULL, *json = NULL;
    const char *sets = fl_compare_default_datasets; /* shown as the default; argv's pointer when given */
    o.target = o.cd_target = NAN;             /* not given */
    run_lists l;
    memset(&l, 0, sizeof l);
    int no_top = 0;
    const cli_opt opts[] = {
        {"report", 0, CLI_STRING, &report, 0, 0, NULL, "FILE", "the HTML page to write", CLI_REQUIRED},
        {"gpt", 0, CLI_PATHS, &l.gpt, 0, 0, NULL, "RUN", "the GPT runs, one per seed", 0},
        {"ftp", 0, CLI_PATHS, &l.ftp, 0, 0, NULL, "RUN", "the FTP runs, as many, in the same seed order", 0},
        {"threads", 0, CLI_INT, &o.threads, 1, 4096, NULL, "N",
         "OpenMP threads for the evaluation; 1 because on a shared 2-core machine\n2 threads ran 3-27x slower than 1 "
         "while another process held a core", 0},
        {"json", 0, CLI_STRING, &json, 0, 0, NULL, "FILE", "the JSON file (default: REPORT.html with .json)", 0},
        {"target-loss", 0, CLI_DOUBLE, &o.target, 0, 0, NULL, "L",
         "every pair's target (default: each pair's larger best checkpoint loss)", CLI_NO_DEFAULT},
        {"max-gap", 0, CLI_DOUBLE, &o.max_gap, 0, 100, NULL, "NATS",
         "a run whose closest checkpoint is further than this from its pair's\ntarget is not at matched loss: its pair "
         "is left out (warned; all kept\nunder a warning when no pair is matched)", 0},
        {"refuse-gap", 0, CLI_FLAG, &o.refuse_gap, 0, 0, NULL, NULL, "make that gap an error instead", 0},
        {"no-toplayer", 0, CLI_FLAG, &no_top, 0, 0, NULL, NULL,
         "skip the logit lens, neural collapse, CKA and head directions (section 6)", 0},
        {"data", 0, CLI_STRING, &o.data, 0, 0, NULL, "DIR", "data folder (default: the GPT checkpoint's state.json data_dir)",
         0},
        {"windows", 0, CLI_LONG, &o.windows, 1, 1L << 30, NULL, "K", "validation windows", 0},
        {"probe-data", 0, CLI_STRING, &o.probe_data, 0, 0, NULL, "DIR",
         "your own labelled text for the topic probes and coherence's topic\nclassifier: DIR/LABEL/FILE, one folder a "
         "label (2 or more), each\nholding that label's text files (docs/evaluation.md)", 0},
        {"datasets", 0, CLI_STRING, &sets, 0, 0, NULL, "LIST",
         "comma-separated shipped topic probes, or 'none'; the default runs the\nfetched ones only when the run trained "
         "on one of them (its data's\nmanifest.json), and none with --probe-data", 0},
        {"data-root", 0, CLI_STRING, &o.data_root, 0, 0, NULL, "DIR", "folder holding brown/ and spam-assassin/ (default: the first of\n" FL_DATAPATH_ORDER_TEXT " holding each)", 0},
        {"prompts", 0, CLI_INT, &o.coherence.max_prompts, 1, 1L << 20, NULL, "K", "coherence prompts", 0},
        {"bow-rows", 0, CLI_INT, &o.offsets.bow_rows, 0, 1L << 30, NULL, "R",
         "future bag-of-words probe rows from each split", 0},
        {"countdown-gpt", 0, CLI_PATHS, &l.cd_gpt, 0, 0, NULL, "RUN",
         "countdown models, one per seed, compared at matched loss too:\neach pair's checkpoints closest to its own "
         "countdown target", 0},
        {"countdown-ftp", 0, CLI_PATHS, &l.cd_ftp, 0, 0, NULL, "RUN", "the FTP countdown runs (as many as --countdown-gpt)",
         0},
        {"countdown-target-loss", 0, CLI_DOUBLE, &o.cd_target, 0, 0, NULL, "L",
         "every countdown pair's target (default: each pair's larger best loss)", CLI_NO_DEFAULT},
        {"specs", 0, CLI_STRING, &o.specs, 0, 0, NULL, "FILE",
         "countdown held-out specs (default: the countdown data folder's test_specs.txt)", 0},
        {0},
    };
    const cli_pos pos[] = {{"GPT_RUN FTP_RUN", NULL, &l.pos, 0}, {0}};
    const cli_spec spec = {"compare", ABOUT, opts, pos, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    o.toplayer = !no_top;
    int rc = run(&spec, &o, &l, report, json, sets);
    cli_list *lists[] = {&l.gpt, &l.ftp, &l.cd_gpt, &l.cd_ftp, &l.pos};
    for (int i = 0; i < 5; i++) cli_list_free(lists[i]);
    return rc;
}
