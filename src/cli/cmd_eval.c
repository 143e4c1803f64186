/* futurelm eval ppl|offsets|smoothness|probe|countdown|coherence CKPT: one
 * measurement of DESIGN.md section 4 on one checkpoint. Parses the options into
 * fl_measure_opts, runs fl_measure_run (src/eval/measures/measure.h) and prints
 * the result; the numbers are defined in docs/evaluation.md. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "eval/measures/measure.h"

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

/* help: the text before "(default ...)", which usage() adds from the defaults. */
typedef struct {
    int mask; /* which subcommands accept it */
    const char *name, *arg, *help;
} eval_opt;
static const eval_opt OPTS[] = {
    {S_WIN | S_PRO | S_COH, "--tokenizer", "TOK", "tokenizer file (default: the one in the checkpoint's state.json)"},
    {S_WIN | S_CD, "--data", "DIR", "data folder with val_*.bin / train_*.bin (default: state.json's data_dir)"},
    {S_WIN, "--windows", "K", "evaluate at most K validation windows"},
    {S_WIN, "--context", "T", "window context T (default model.block_size)"},
    {S_WIN, "--n-future", "N", "GPT models: the N of the T+N windows and offsets (FTP uses its own)"},
    {S_WIN | S_PRO, "--batch", "B", "windows a forward pass"},
    {S_OFF, "--train-windows", "K", "train windows the bag-of-words probe learns from"},
    {S_OFF, "--bow-rows", "R", "rows (positions) of the probe from each split (0 = no probe)"},
    {S_OFF, "--bow-epochs", "E", "probe training epochs"},
    {S_SMO, "--trace-window", "I", "the window whose cosines are traced"},
    {S_PRO | S_COH, "--dataset", "NAME", "brown, brown-coarse or spam-assassin (coherence: the topic classifier's; "
                                         "'none' to skip)"},
    {S_PRO | S_COH, "--data-root", "DIR", "folder holding brown/ and spam-assassin/"},
    {S_PRO, "--chunk-len", "L", "tokens a chunk (default min(block_size, 128))"},
    {S_PRO, "--max-per-doc", "M", "chunks a document at most (0 = all)"},
    {S_PRO | S_COH, "--split-seed", "S", "seed of the document split"},
    {S_CD, "--specs", "FILE", "held-out specs (default DATA/test_specs.txt)"},
    {S_CD, "--max-specs", "K", "evaluate at most K specs (default all)"},
    {S_COH, "--prompts", "K", "prompts at most"},
    {S_CD | S_COH, "--temperature", "T", "sampling temperature (0 = greedy)"},
    {S_CD | S_COH, "--top-k", "K", "keep the K most likely tokens (0 = all)"},
    {S_CD | S_COH, "--seed", "S", "sampler seed"},
    {S_CD | S_COH, "--mode", "M", "generation mode: ar, or for FTP models block or spec"},
};
#define N_OPTS (int)(sizeof OPTS / sizeof OPTS[0])

/* The default of option i for subcommand c, printed from fl_measure_opts_default ("" when the help says it). */
static void default_of(const char *name, const eval_cmd *c, const fl_measure_opts *d, char *buf, size_t n) {
    const int coh = c->kind == FL_MEASURE_COHERENCE;
    const fl_gen_config *g = coh ? &d->coherence.gen : &d->countdown.gen;
    const char *modes[] = {"ar", "block", "spec"};
    buf[0] = 0;
    if (!strcmp(name, "--windows")) {
        long w = coh ? d->coherence_windows : d->windows;
        snprintf(buf, n, w ? "%ld; 0 = all" : "0 = all", w);
    } else if (!strcmp(name, "--n-future")) snprintf(buf, n, "%d", FL_EVAL_GPT_N_FUTURE);
    else if (!strcmp(name, "--batch")) snprintf(buf, n, "%d", d->B);
    else if (!strcmp(name, "--train-windows")) snprintf(buf, n, "%ld", d->offsets.train_windows);
    else if (!strcmp(name, "--bow-rows")) snprintf(buf, n, "%d", d->offsets.bow_rows);
    else if (!strcmp(name, "--bow-epochs")) snprintf(buf, n, "%d", d->offsets.bow.epochs);
    else if (!strcmp(name, "--trace-window")) snprintf(buf, n, "%d", d->trace_window);
    else if (!strcmp(name, "--dataset")) snprintf(buf, n, "%s", coh ? d->coherence.dataset : d->probe.dataset);
    else if (!strcmp(name, "--data-root")) snprintf(buf, n, "%s", coh ? d->coherence.data_root : d->probe.data_root);
    else if (!strcmp(name, "--max-per-doc")) snprintf(buf, n, "%d", d->probe.max_per_doc);
    else if (!strcmp(name, "--split-seed"))
        snprintf(buf, n, "%llu", (unsigned long long)(coh ? d->coherence.split_seed : d->probe.seed));
    else if (!strcmp(name, "--prompts")) snprintf(buf, n, "%d", d->coherence.max_prompts);
    else if (!strcmp(name, "--temperature")) snprintf(buf, n, "%g", g->sampler.temperature);
    else if (!strcmp(name, "--top-k")) snprintf(buf, n, "%d", g->sampler.top_k);
    else if (!strcmp(name, "--seed")) snprintf(buf, n, "%llu", (unsigned long long)g->sampler.seed);
    else if (!strcmp(name, "--mode")) snprintf(buf, n, "%s", modes[g->mode]);
}

static void usage(FILE *f, const eval_cmd *c) {
    if (!c) {
        fprintf(f, "usage: futurelm eval SUBCOMMAND CKPT|RUN_DIR [options] [--json]\n\n");
        for (int i = 0; i < N_CMDS; i++) fprintf(f, "  %-11s %s\n", CMDS[i].name, CMDS[i].help);
        fprintf(f, "\nfuturelm eval SUBCOMMAND --help lists its options. Windows (DESIGN.md 4.0): sequential windows of\n"
                   "T+N tokens from the validation shards, the same for GPT and FTP. docs/evaluation.md defines\n"
                   "every number. Threads: OMP_NUM_THREADS.\n");
        return;
    }
    fl_measure_opts d;
    fl_measure_opts_default(&d);
    fprintf(f, "usage: futurelm eval %s CKPT|RUN_DIR [options] [--json]\n\n%s.\n\n", c->name, c->help);
    for (int i = 0; i < N_OPTS; i++) {
        if (!(OPTS[i].mask & c->mask)) continue;
        char def[64];
        default_of(OPTS[i].name, c, &d, def, sizeof def);
        fprintf(f, "  %-15s %-5s %s%s%s%s\n", OPTS[i].name, OPTS[i].arg, OPTS[i].help, def[0] ? " (default " : "", def,
                def[0] ? ")" : "");
    }
    fprintf(f, "  %-21s %s\n", "--json", "print one JSON object instead of text");
}

typedef struct {
    const char *ckpt, *v[N_OPTS];
    int json;
} eval_args;

static const char *opt(const eval_args *a, const char *name) {
    for (int i = 0; i < N_OPTS; i++)
        if (!strcmp(OPTS[i].name, name)) return a->v[i];
    return NULL;
}

/* The option's integer in lo..hi into *out, which holds the default and keeps it when the option is absent. */
static int get_long(const eval_args *a, const char *name, long lo, long hi, long *out) {
    const char *s = opt(a, name);
    return s ? cli_parse_long(name, s, lo, hi, out) : 0;
}
static int get_int(const eval_args *a, const char *name, long lo, long hi, int *out) {
    long x = *out;
    return get_long(a, name, lo, hi, &x) ? 1 : (*out = (int)x, 0);
}
static int get_u64(const eval_args *a, const char *name, long hi, uint64_t *out) {
    long x = (long)*out;
    return get_long(a, name, 0, hi, &x) ? 1 : (*out = (uint64_t)x, 0);
}

static int parse(int argc, char **argv, const eval_cmd *c, eval_args *a) {
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--json")) { a->json = 1; continue; }
        if (o[0] != '-' || !o[1]) {
            if (a->ckpt) return cli_error("two checkpoints given ('%s' and '%s')", a->ckpt, o);
            a->ckpt = o;
            continue;
        }
        int k = -1;
        for (int j = 0; j < N_OPTS; j++)
            if (!strcmp(OPTS[j].name, o) && (OPTS[j].mask & c->mask)) k = j;
        if (k < 0) return cli_error("unknown option %s for eval %s (see futurelm eval %s --help)", o, c->name, c->name);
        if (i + 1 >= argc) return cli_error("%s needs a value (see futurelm eval %s --help)", o, c->name);
        a->v[k] = argv[++i];
    }
    if (!a->ckpt) return cli_error("no checkpoint given; usage: futurelm eval %s CKPT [options]", c->name);
    return 0;
}

/* The sampler of the generating evaluations, from --temperature/--top-k/--seed/--mode. */
static int gen_config(const eval_args *a, fl_gen_config *g) {
    const char *t = opt(a, "--temperature"), *s = opt(a, "--seed"), *m = opt(a, "--mode");
    if (t) {
        char *end;
        errno = 0;
        double x = strtod(t, &end);
        if (errno || end == t || *end || !isfinite(x)) return cli_error("--temperature '%s': need a number", t);
        g->sampler.temperature = (float)x;
    }
    if (get_int(a, "--top-k", 0, 1L << 30, &g->sampler.top_k)) return 1;
    if (s) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-') return cli_error("--seed '%s': need a non-negative integer", s);
        g->sampler.seed = v;
    }
    if (m) {
        if (!strcmp(m, "ar")) g->mode = FL_GEN_AR;
        else if (!strcmp(m, "block")) g->mode = FL_GEN_BLOCK;
        else if (!strcmp(m, "spec")) g->mode = FL_GEN_SPEC;
        else return cli_error("--mode '%s': need ar, block or spec", m);
    }
    fl_error err;
    if (fl_sampler_config_validate(&g->sampler, &err)) return cli_error("%s", err.msg);
    return 0;
}

/* The options into o, over its defaults; the context's range is the checkpoint's. */
static int options(const eval_args *a, const eval_cmd *c, const fl_eval_ckpt *ck, fl_measure_opts *o) {
    fl_measure_opts_default(o);
    o->data_dir = opt(a, "--data"), o->tokenizer = opt(a, "--tokenizer"), o->specs = opt(a, "--specs");
    const int coh = c->kind == FL_MEASURE_COHERENCE;
    if (get_long(a, "--windows", 0, 1L << 30, coh ? &o->coherence_windows : &o->windows) ||
        get_int(a, "--context", 2, fl_model_get_config(ck->m)->block_size, &o->context) ||
        get_int(a, "--n-future", 1, FL_MAX_FUTURE, &o->n_future) || get_int(a, "--batch", 1, 4096, &o->B) ||
        get_long(a, "--train-windows", 1, 1L << 30, &o->offsets.train_windows) ||
        get_int(a, "--bow-rows", 0, 1L << 30, &o->offsets.bow_rows) ||
        get_int(a, "--bow-epochs", 1, 1000, &o->offsets.bow.epochs) ||
        get_int(a, "--trace-window", 0, 1L << 30, &o->trace_window) ||
        get_int(a, "--chunk-len", 1, 1L << 20, &o->probe.chunk_len) ||
        get_int(a, "--max-per-doc", 0, 1L << 20, &o->probe.max_per_doc) ||
        get_u64(a, "--split-seed", 1L << 62, coh ? &o->coherence.split_seed : &o->probe.seed) ||
        get_long(a, "--max-specs", 0, 1L << 30, &o->countdown.max_specs) ||
        get_int(a, "--prompts", 1, 1L << 20, &o->coherence.max_prompts))
        return 1;
    o->offsets.B = o->probe.B = o->B;
    const char *ds = opt(a, "--dataset"), *root = opt(a, "--data-root");
    if (ds) o->probe.dataset = o->coherence.dataset = ds;
    if (root) o->probe.data_root = o->coherence.data_root = root;
    if (c->kind == FL_MEASURE_COUNTDOWN) return gen_config(a, &o->countdown.gen);
    if (coh) return gen_config(a, &o->coherence.gen);
    return 0;
}

int cmd_eval(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout, NULL);
        return argc < 2 ? 2 : 0;
    }
    const eval_cmd *c = NULL;
    for (int i = 0; i < N_CMDS; i++)
        if (!strcmp(argv[1], CMDS[i].name)) c = &CMDS[i];
    if (!c) {
        cli_error("unknown eval subcommand '%s' (ppl, offsets, smoothness, probe, countdown or coherence)", argv[1]);
        return 2;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout, c);
            return 0;
        }
    eval_args a;
    if (parse(argc - 1, argv + 1, c, &a)) return 2;
    fl_eval_ckpt ck;
    fl_error err = {0};
    if (fl_eval_ckpt_open(a.ckpt, &ck, &err)) return cli_error("%s", err.msg);
    fl_measure_opts o;
    fl_measure_result r;
    int rc = options(&a, c, &ck, &o);
    if (!rc && fl_measure_run(&ck, c->kind, &o, &r, &err)) rc = cli_error("%s", err.msg);
    else if (!rc) {
        if (a.json) fl_measure_write_json(stdout, &ck, &r);
        else fl_measure_write_text(stdout, &ck, &r);
        fl_measure_result_free(&r);
    }
    fl_eval_ckpt_close(&ck);
    return rc;
}
