/* futurelm eval lens|collapse|cka|neurons CKPT [CKPT_B]: parses the options
 * into fl_top_opts (whose defaults --help shows), runs fl_top_run and prints
 * the result; the numbers are defined in docs/evaluation.md. */
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/cmd_eval_top.h"
#include "cli/options.h"
#include "eval/measures/toplayer.h"

enum { S_LENS = 1, S_COL = 2, S_CKA = 4, S_NEU = 8 };
typedef struct {
    const char *name;
    int mask;
    fl_top_kind kind;
    const char *help;
} top_cmd;
static const top_cmd CMDS[] = {
    {"lens", S_LENS, FL_TOP_LENS, "logit lens: every block's residual stream through ln_f and the tied head (loss, entropy)"},
    {"collapse", S_COL, FL_TOP_COLLAPSE, "neural collapse NC1-NC4 of h_t grouped by the next token, the most frequent tokens"},
    {"cka", S_CKA, FL_TOP_CKA, "linear CKA between every layer of CKPT and every layer of CKPT_B on identical windows"},
    {"neurons", S_NEU, FL_TOP_NEURONS, "the tied head's tokens for h_t's principal directions (and coordinates)"},
};
#define N_CMDS (int)(sizeof CMDS / sizeof CMDS[0])

int cmd_eval_top_has(const char *name) {
    for (int i = 0; i < N_CMDS; i++)
        if (!strcmp(name, CMDS[i].name)) return 1;
    return 0;
}

void cmd_eval_top_overview(FILE *f) {
    for (int i = 0; i < N_CMDS; i++) fprintf(f, "  %-11s %s\n", CMDS[i].name, CMDS[i].help);
}

static int table(const top_cmd *c, fl_top_opts *o, int *json, cli_opt *t) {
    fl_measure_opts *b = &o->base;
    long *positions = c->kind == FL_TOP_LENS ? &o->lens_positions
                      : c->kind == FL_TOP_CKA ? &o->cka_positions
                                              : &o->neuron_positions;
    const struct {
        int mask;
        cli_opt o;
    } all[] = {
        {S_COL | S_NEU, {"tokenizer", 0, CLI_STRING, &b->tokenizer, 0, 0, NULL, "TOK", "tokenizer for token text (default: the checkpoint's; ids when it has none)", 0}},
        {~0, {"data", 0, CLI_STRING, &b->data_dir, 0, 0, NULL, "DIR", "data folder with val_*.bin (default: state.json's data_dir)", 0}},
        {~0, {"windows", 0, CLI_LONG, &b->windows, 0, 1L << 30, NULL, "K", "validation windows at most (0 = all; default: as eval ppl)", CLI_NO_DEFAULT}},
        {~0, {"context", 0, CLI_INT, &b->context, 2, 1L << 30, NULL, "T", "window context T (default model.block_size)", CLI_NO_DEFAULT}},
        {~0, {"batch", 0, CLI_INT, &b->B, 1, 4096, NULL, "B", "windows a forward pass", 0}},
        {S_LENS | S_CKA | S_NEU, {"positions", 0, CLI_LONG, positions, 0, 1L << 40, NULL, "P", "positions read, spread evenly over the windows (0 = all)", 0}},
        {S_COL, {"classes", 0, CLI_INT, &o->classes, 2, 4096, NULL, "K", "the K most frequent next tokens are the classes", 0}},
        {S_COL, {"per-class", 0, CLI_INT, &o->per_class, 1, 1L << 20, NULL, "M", "vectors a class at most (the first in window order)", 0}},
        {S_NEU, {"directions", 0, CLI_INT, &o->directions, 0, 1L << 20, NULL, "K", "principal directions decoded", 0}},
        {S_NEU, {"coords", 0, CLI_INT, &o->coords, 0, 1L << 20, NULL, "K", "highest-variance coordinates decoded too", 0}},
        {S_NEU, {"tokens", 0, CLI_INT, &o->tokens, 1, 1L << 20, NULL, "M", "tokens listed at each end of a direction", 0}},
        {~0, {"threads", 0, CLI_INT, &b->threads, 0, 4096, NULL, "N", "OpenMP threads (0 = OMP_NUM_THREADS or every core)", 0}},
        {~0, {"json", 0, CLI_FLAG, json, 0, 0, NULL, NULL, "print one JSON object instead of text", 0}},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i].mask & c->mask) t[n++] = all[i].o;
    t[n] = (cli_opt){0};
    return n;
}

/* The tokenizer for token text: --tokenizer's (an error when it fails), else
 * the checkpoint's, else none (a task's run names tokens by its vocabulary;
 * otherwise ids are printed). */
static int tokenizer(const fl_eval_ckpt *ck, const char *path, fl_tokenizer **tok) {
    fl_error err = {0};
    *tok = NULL;
    if (!path && (!ck->tokenizer[0] || ck->task)) return 0;
    if (fl_eval_ckpt_tokenizer(ck, path, tok, &err) == FL_OK) return 0;
    if (path) return cli_error("%s", err.msg);
    fprintf(stderr, "futurelm: note: %s; token ids are printed instead of text\n", err.msg);
    return 0;
}

int cmd_eval_top(int argc, char **argv) {
    const top_cmd *c = NULL;
    for (int i = 0; i < N_CMDS; i++)
        if (!strcmp(argv[1], CMDS[i].name)) c = &CMDS[i];
    if (!c) return cli_error("unknown eval subcommand '%s'", argv[1]);
    fl_top_opts o;
    fl_top_opts_default(&o);
    int json = 0;
    cli_opt opts[20];
    table(c, &o, &json, opts);
    const char *ckpt = NULL, *ckpt_b = NULL;
    const cli_pos one[] = {{"CKPT|RUN_DIR", &ckpt, NULL, 1}, {0}};
    const cli_pos two[] = {{"CKPT|RUN_DIR", &ckpt, NULL, 1}, {"CKPT_B|RUN_DIR_B", &ckpt_b, NULL, 1}, {0}};
    char name[32], about[160];
    snprintf(name, sizeof name, "eval %s", c->name);
    snprintf(about, sizeof about, "%s.", c->help);
    const cli_spec spec = {name, about, opts, c->kind == FL_TOP_CKA ? two : one, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc - 1, argv + 1);
#ifdef _OPENMP
    if (o.base.threads > 0) omp_set_num_threads(o.base.threads);
#endif
    fl_error err = {0};
    fl_eval_ckpt a, b;
    if (fl_eval_ckpt_open(ckpt, &a, &err)) return cli_error("%s", err.msg);
    if (ckpt_b && fl_eval_ckpt_open(ckpt_b, &b, &err)) {
        fl_eval_ckpt_close(&a);
        return cli_error("%s", err.msg);
    }
    const int block = fl_model_get_config(a.m)->block_size;
    fl_tokenizer *tok = NULL;
    fl_top_result r;
    int rc = 0;
    if (o.base.context > block)
        rc = cli_usage_error(&spec, "--context %d: need an integer in 2..%d (model.block_size)", o.base.context, block);
    else if ((c->kind == FL_TOP_COLLAPSE || c->kind == FL_TOP_NEURONS) && (rc = tokenizer(&a, o.base.tokenizer, &tok)))
        ;
    else if (fl_top_run(&a, ckpt_b ? &b : NULL, c->kind, &o, &r, &err))
        rc = cli_error("%s", err.msg);
    else {
        fl_top_write(stdout, json, &a, ckpt_b ? &b : NULL, tok, &r);
        fl_top_result_free(&r);
    }
    fl_tokenizer_free(tok);
    if (ckpt_b) fl_eval_ckpt_close(&b);
    fl_eval_ckpt_close(&a);
    return rc;
}
