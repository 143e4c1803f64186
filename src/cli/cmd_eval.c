/* futurelm eval ppl|offsets|smoothness|probe|countdown|coherence CKPT: one
 * measurement of docs/design.md section 4 on one checkpoint (lens, collapse,
 * cka and neurons are cmd_eval_top.c's). Parses the options
 * (cli/args.h) into fl_measure_opts, whose defaults --help shows, runs
 * fl_measure_run (src/eval/measures/measure.h) and prints the result; the
 * numbers are defined in docs/evaluation.md. */
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/cmd_eval_top.h"
#include "cli/options.h"
#include "eval/measures/measure.h"
#include "util/datapath.h"

enum { S_PPL = 1, S_OFF = 2, S_SMO = 4, S_PRO = 8, S_CD = 16, S_COH = 32, S_WIN = S_PPL | S_OFF | S_SMO | S_COH };

typedef struct {
    const char *name;
    int mask;
    fl_measure_kind kind;
    const char *help;
} eval_cmd;
static const eval_cmd CMDS[] = {
    {"ppl", S_PPL, FL_MEASURE_PPL, "next-token validation loss and perplexity"},
    {"offsets", S_OFF, FL_MEASURE_OFFSETS, "cross-entropy at offsets k = 1..N, and the future bag-of-words probe on h_t"},
    {"smoothness", S_SMO, FL_MEASURE_SMOOTHNESS, "adjacent-position cosine of h_t and of every block's output, raw and mean-centred"},
    {"probe", S_PRO, FL_MEASURE_PROBE, "topic probe on pooled frozen vectors (mean, last) with a bag-of-words row"},
    {"countdown", S_CD, FL_MEASURE_COUNTDOWN, "pass@1 on held-out countdown specs (a model trained on countdown data)"},
    {"coherence", S_COH, FL_MEASURE_COHERENCE, "TF-IDF cosine, topic agreement and drift of continuations of held-out prompts"},
};
#define N_CMDS (int)(sizeof CMDS / sizeof CMDS[0])

static void overview(FILE *f) {
    fprintf(f, "usage: futurelm eval SUBCOMMAND CKPT|RUN_DIR [options] [--json]\n\n");
    for (int i = 0; i < N_CMDS; i++) fprintf(f, "  %-11s %s\n", CMDS[i].name, CMDS[i].help);
    cmd_eval_top_overview(f);
    fprintf(f, "\nfuturelm eval SUBCOMMAND --help lists its options. Windows (docs/design.md 4.0): sequential windows of\n"
               "T+N tokens from the validation shards, the same for GPT and FTP. docs/evaluation.md defines\n"
               "every number. Threads: --threads N (default 1).\n");
}

#define STR_(x) #x
#define STR(x) STR_(x)
static const char *const MODES[] = {"ar", "block", "spec", NULL}; /* fl_gen_mode's order */

/* What the options write besides fl_measure_opts. */
typedef struct {
    const char *ckpt;
    int json, mode;
} eval_extra;

/* Subcommand c's option table over o's fields (which hold the defaults --help prints). */
static int table(const eval_cmd *c, fl_measure_opts *o, eval_extra *x, cli_opt *t) {
    const int coh = c->kind == FL_MEASURE_COHERENCE;
    fl_coherence_opts *co = &o->coherence;
    fl_gen_config *g = coh ? &co->gen : &o->countdown.gen;
    x->mode = (int)g->mode;
    const struct {
        int mask;
        cli_opt o;
    } all[] = {
        {S_WIN | S_PRO | S_COH, {"tokenizer", 0, CLI_STRING, &o->tokenizer, 0, 0, NULL, "TOK", "tokenizer file (default: the one in the checkpoint's state.json)", 0}},
        {S_WIN | S_CD, {"data", 0, CLI_STRING, &o->data_dir, 0, 0, NULL, "DIR", "data folder with val_*.bin / train_*.bin (default: state.json's data_dir)", 0}},
        {S_WIN, {"windows", 0, CLI_LONG, coh ? &o->coherence_windows : &o->windows, 0, 1L << 30, NULL, "K",
                 coh ? "evaluate at most K validation windows (0 = all)"
                     : "evaluate at most K validation windows (0 = all; default: as many as hold\n" STR(FL_EVAL_WINDOW_TOKENS)
                       " tokens of context, so a split of that size is read whole;\nthe output says how many of the split's windows it used)",
                 coh ? 0 : CLI_NO_DEFAULT}},
        {S_WIN, {"context", 0, CLI_INT, &o->context, 2, 1L << 30, NULL, "T", "window context T (default model.block_size)", CLI_NO_DEFAULT}},
        {S_WIN, {"n-future", 0, CLI_INT, &o->n_future, 1, FL_MAX_FUTURE, NULL, "N", "GPT models: the N of the T+N windows and offsets (default " STR(FL_EVAL_GPT_N_FUTURE) "; FTP uses its own)", CLI_NO_DEFAULT}},
        {S_WIN | S_PRO, {"batch", 0, CLI_INT, &o->B, 1, 4096, NULL, "B", "windows a forward pass", 0}},
        {S_OFF, {"train-windows", 0, CLI_LONG, &o->offsets.train_windows, 1, 1L << 30, NULL, "K", "train windows the bag-of-words probe learns from", 0}},
        {S_OFF, {"bow-rows", 0, CLI_INT, &o->offsets.bow_rows, 0, 1L << 30, NULL, "R", "rows (positions) of the probe from each split (0 = no probe)", 0}},
        {S_OFF, {"bow-epochs", 0, CLI_INT, &o->offsets.bow.epochs, 1, 1000, NULL, "E", "probe training epochs", 0}},
        {S_SMO, {"trace-window", 0, CLI_INT, &o->trace_window, 0, 1L << 30, NULL, "I", "the window whose cosines are traced", 0}},
        {S_PRO | S_COH, {"dataset", 0, CLI_STRING, coh ? &co->dataset : &o->probe.dataset, 0, 0, NULL, "NAME", coh ? "the topic classifier's set: brown, brown-coarse, spam-assassin or 'none'" : "brown, brown-coarse or spam-assassin", 0}},
        {S_PRO | S_COH, {"data-root", 0, CLI_STRING, coh ? &co->data_root : &o->probe.data_root, 0, 0, NULL, "DIR", "folder holding brown/ and spam-assassin/ (default: the first of\n" FL_DATAPATH_ORDER_TEXT " holding each)", 0}},
        {S_PRO, {"chunk-len", 0, CLI_INT, &o->probe.chunk_len, 1, 1L << 20, NULL, "L", "tokens a chunk (default min(block_size, 128))", CLI_NO_DEFAULT}},
        {S_PRO, {"max-per-doc", 0, CLI_INT, &o->probe.max_per_doc, 0, 1L << 20, NULL, "M", "chunks a document at most (0 = all)", 0}},
        {S_PRO | S_COH, {"split-seed", 0, CLI_U64, coh ? &co->split_seed : &o->probe.seed, 0, (double)(1L << 62), NULL, "S", "seed of the document split", 0}},
        {S_CD, {"specs", 0, CLI_STRING, &o->specs, 0, 0, NULL, "FILE", "held-out specs (default DATA/test_specs.txt)", 0}},
        {S_CD, {"max-specs", 0, CLI_LONG, &o->countdown.max_specs, 0, 1L << 30, NULL, "K", "evaluate at most K specs (0 = all)", 0}},
        {S_COH, {"prompts", 0, CLI_INT, &co->max_prompts, 1, 1L << 20, NULL, "K", "prompts at most", 0}},
        {S_CD | S_COH, {"temperature", 0, CLI_FLOAT, &g->sampler.temperature, 0, 0, NULL, "T", "sampling temperature (0 = greedy)", 0}},
        {S_CD | S_COH, {"top-k", 0, CLI_INT, &g->sampler.top_k, 0, 1L << 30, NULL, "K", "keep the K most likely tokens (0 = all)", 0}},
        {S_CD | S_COH, {"seed", 0, CLI_U64, &g->sampler.seed, 0, 0, NULL, "S", "sampler seed", 0}},
        {S_CD | S_COH, {"mode", 0, CLI_CHOICE, &x->mode, 0, 0, MODES, "M", "generation mode: ar, or for FTP models block or spec", 0}},
        {~0, {"threads", 0, CLI_INT, &o->threads, 0, 4096, NULL, "N",
              "OpenMP threads (0 = OMP_NUM_THREADS or every core); one by default because on a\nshared machine 2 threads "
              "ran 3-27x slower than 1 while another process held a core", 0}},
        {~0, {"json", 0, CLI_FLAG, &x->json, 0, 0, NULL, NULL, "print one JSON object instead of text", 0}},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i].mask & c->mask) t[n++] = all[i].o;
    t[n] = (cli_opt){0};
    return n;
}

int cmd_eval(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc < 2) fputs("futurelm: error: eval needs an action (ppl, offsets, smoothness, probe, coherence, countdown, lens, collapse, cka or neurons)\n", stderr);
        overview(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (cmd_eval_top_has(argv[1])) return cmd_eval_top(argc, argv);
    const eval_cmd *c = NULL;
    for (int i = 0; i < N_CMDS; i++)
        if (!strcmp(argv[1], CMDS[i].name)) c = &CMDS[i];
    if (!c) {
        cli_error("unknown eval subcommand '%s' (ppl, offsets, smoothness, probe, countdown, coherence, lens, collapse, cka or neurons)", argv[1]);
        return 2;
    }
    fl_measure_opts o;
    fl_measure_opts_default(&o);
    eval_extra x = {0};
    cli_opt opts[32];
    table(c, &o, &x, opts);
    const cli_pos pos[] = {{"CKPT|RUN_DIR", &x.ckpt, NULL, 1}, {0}};
    char name[32], about[160];
    snprintf(name, sizeof name, "eval %s", c->name);
    snprintf(about, sizeof about, "%s.", c->help);
    const cli_spec spec = {name, about, opts, pos, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc - 1, argv + 1);
    fl_gen_config *g = c->kind == FL_MEASURE_COHERENCE ? &o.coherence.gen : &o.countdown.gen;
    g->mode = (fl_gen_mode)x.mode;
    fl_error err = {0};
    if (fl_sampler_config_validate(&g->sampler, &err)) return cli_usage_error(&spec, "%s", err.msg);
    o.offsets.B = o.probe.B = o.B;
#ifdef _OPENMP
    if (o.threads > 0) omp_set_num_threads(o.threads);
#endif
    fl_eval_ckpt ck;
    if (fl_eval_ckpt_open(x.ckpt, &ck, &err)) return cli_error("%s", err.msg);
    const int block = fl_model_get_config(ck.m)->block_size;
    int rc = 0;
    fl_measure_result r;
    if (o.context > block)
        rc = cli_usage_error(&spec, "--context %d: need an integer in 2..%d (model.block_size)", o.context, block);
    else if (fl_measure_run(&ck, c->kind, &o, &r, &err))
        rc = cli_error("%s", err.msg);
    else {
        if (x.json) fl_measure_write_json(stdout, &ck, &r);
        else fl_measure_write_text(stdout, &ck, &r);
        fl_measure_result_free(&r);
    }
    fl_eval_ckpt_close(&ck);
    return rc;
}
