/* futurelm generate CKPT: sample text from a checkpoint, streaming tokens to
 * stdout as they are produced. Parses, opens the model and its vocabulary, and
 * calls fl_generate_text (src/infer/generate_text.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "eval/measures/checkpoint.h"
#include "infer/generate_text.h"
#include "infer/infer.h"
#include "tasks/task.h"
#include "tokenizer/text_io.h"
#include "tokenizer/tokenizer.h"

static const char ABOUT[] =
    "Samples a continuation of the prompt and streams it to stdout (the prompt is printed first).";

static const char EPILOG[] =
    "Samplers apply in this order: repetition penalty, temperature, top-k, top-p, min-p, seeded draw.\n"
    "Modes: ar samples every token from the model's next-token distribution (FTP: decoder step 0).\n"
    "block lets the FTP decoder write ftp.n_future tokens from one state vector, then the encoder\n"
    "catches up (faster, a different distribution). spec drafts with the decoder and verifies the drafts\n"
    "in one encoder pass, accepting by the speculative-sampling rule: the output has ar's distribution\n"
    "exactly, and at temperature 0 the same tokens as ar.\n"
    "\n"
    "The prompt starts with <|endoftext|>, as training documents do; an empty prompt samples a new\n"
    "document. The model sees at most model.block_size tokens: a longer prompt keeps its end (with a\n"
    "warning), and generation past the context moves the window forward by half a context at a time.\n"
    "Threads: OMP_NUM_THREADS.\n";

static const char *const MODES[] = {"ar", "block", "spec", NULL};    /* fl_gen_mode's order */
static const char *const PRECISIONS[] = {"int8", "f32", "bf16", NULL};       /* fl_draft_precision's order */

typedef struct {
    const char *ckpt, *prompt, *prompt_file, *prompts_file, *tok_path, *tree;
    fl_gen_config gen;
    fl_text_gen_opts out;
} gen_args;

/* Returns -1 to go on, else the exit code (0 after --help, 2 for a usage error).
 * Sampler values are range-checked by fl_sampler_config_validate, whose
 * messages give each one's valid range, so the table checks only that they are numbers. */
static int parse_args(int argc, char **argv, gen_args *a) {
    memset(a, 0, sizeof *a);
    fl_sampler_config *s = &a->gen.sampler;
    fl_sampler_config_default(s);
    a->out.max_tokens = 128;
    int mode = FL_GEN_AR, precision = FL_DRAFT_INT8;
    const cli_opt opts[] = {
        {"prompt", 0, CLI_STRING, &a->prompt, 0, 0, NULL, "TEXT", "the prompt (default: empty, i.e. the start of a new document)", 0},
        {"prompt-file", 0, CLI_STRING, &a->prompt_file, 0, 0, NULL, "FILE", "read the prompt from FILE ('-' reads stdin)", 0},
        {"prompts", 0, CLI_STRING, &a->prompts_file, 0, 0, NULL, "FILE",
         "one prompt per line of FILE ('-' reads stdin), each generated as if run\nalone (same seed), the model "
         "loaded once; with --json, one JSON line per prompt", 0},
        {"max-tokens", 0, CLI_LONG, &a->out.max_tokens, 0, 100000000, NULL, "N", "tokens to generate; past the context the window slides", 0},
        {"temperature", 0, CLI_FLOAT, &s->temperature, 0, 0, NULL, "T", "0 = greedy, deterministic; T > 0 samples", 0},
        {"top-k", 0, CLI_INT, &s->top_k, 0, 1 << 30, NULL, "K", "keep the K most likely tokens (0 = off)", 0},
        {"top-p", 0, CLI_FLOAT, &s->top_p, 0, 0, NULL, "P", "keep the smallest set with probability >= P, 0 < P <= 1 (1 = off)", 0},
        {"min-p", 0, CLI_FLOAT, &s->min_p, 0, 0, NULL, "M", "keep tokens at least M times as likely as the best, 0 <= M < 1 (0 = off)", 0},
        {"repeat-penalty", 0, CLI_FLOAT, &s->repeat_penalty, 0, 0, NULL, "R",
         "divide positive / multiply negative logits of recent tokens by R > 0\n(1 = off)", 0},
        {"repeat-window", 0, CLI_INT, &s->repeat_window, 0, 1 << 30, NULL, "W", "how many recent tokens the penalty looks at (0 = the context)", 0},
        {"seed", 0, CLI_U64, &s->seed, 0, 0, NULL, "S", "seed of the random draws", 0},
        {"mode", 0, CLI_CHOICE, &mode, 0, 0, MODES, "M", "FTP models: ar, block or spec; GPT models: ar", 0},
        {"draft", 0, CLI_INT, &a->gen.draft, 2, FL_MAX_FUTURE, NULL, "K",
         "spec: the most tokens proposed per encoder pass, 2..ftp.n_future (default\nn_future); greedy rounds "
         "draft as deep as pays on this machine (1 = an ar step)", CLI_NO_DEFAULT},
        {"draft-fixed", 0, CLI_FLAG, &a->gen.draft_fixed, 0, 0, NULL, NULL,
         "spec: every round drafts K tokens (sampling always does: its draws depend\non the depth)", 0},
        {"draft-confidence", 0, CLI_FLOAT, &a->gen.draft_confidence, 0, 0, NULL, "C",
         "spec: end a round's drafting after a draft the decoder gives probability\n< C (0: always draft K); "
         "saves decoder steps, never changes the output", 0},
        {"draft-vocab", 0, CLI_INT, &a->gen.draft_vocab, 0, 1 << 30, NULL, "S",
         "spec: drafts choose among the S most frequent tokens of the run's training\ndata (0 = all): a cheaper "
         "draft head; never changes the output", 0},
        {"draft-tree", 0, CLI_STRING, &a->tree, 0, 0, NULL, "W1,W2,..",
         "spec: draft a tree: each draft at depth d gets Wd children (the decoder's\ntop choices), depths 1..; one "
         "pass verifies every node (at most 64)", 0},
        {"draft-precision", 0, CLI_CHOICE, &precision, 0, 0, PRECISIONS, "P",
         "spec: weights of the draft steps, int8 (a copy of the decoder with a scale\nper output column, a quarter "
         "of the bytes per step), bf16 (half) or f32;\nnever changes the output", 0},
        {"stats", 0, CLI_FLAG, &a->out.stats, 0, 0, NULL, NULL, "print speed (and for spec, acceptance per draft depth) to stderr", 0},
        {"json", 0, CLI_FLAG, &a->out.json, 0, 0, NULL, NULL,
         "print one JSON object (prompt, text, token ids, stop reason, stats)\ninstead (with --prompts, one per line)", 0},
        {"ignore-eot", 0, CLI_FLAG, &a->out.ignore_eot, 0, 0, NULL, NULL, "keep going past <|endoftext|> (benchmarks); by default it ends the output", 0},
        {"tokenizer", 0, CLI_STRING, &a->tok_path, 0, 0, NULL, "TOK",
         "tokenizer file, 'gpt2', or 'countdown' (the countdown task's words);\ndefault: the one the checkpoint "
         "was trained with", 0},
        {0},
    };
    const cli_pos pos[] = {{"CKPT|RUN_DIR", &a->ckpt, NULL, 1}, {0}};
    const cli_spec spec = {"generate", ABOUT, opts, pos, EPILOG};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    a->gen.mode = (fl_gen_mode)mode;
    a->gen.draft_precision = (fl_draft_precision)precision;
    for (int d = 0; a->tree && *a->tree; d++) { /* "3,1,1": widths at depths 0, 1, 2 */
        char *end;
        long w = strtol(a->tree, &end, 10);
        if (d >= FL_MAX_FUTURE || w < 1 || w > FLI_TREE_MAX || end == a->tree || (*end && *end != ','))
            return cli_usage_error(&spec, "--draft-tree wants widths 1..%d separated by commas, e.g. 3,1,1",
                                   FLI_TREE_MAX);
        a->gen.draft_tree[d] = (int)w;
        a->tree = *end ? end + 1 : end;
    }
    if (!!a->prompt + !!a->prompt_file + !!a->prompts_file > 1)
        return cli_usage_error(&spec, "give the prompt with one of --prompt, --prompt-file and --prompts");
    fl_error err;
    if (fl_sampler_config_validate(&a->gen.sampler, &err)) return cli_usage_error(&spec, "%s", err.msg);
    return -1;
}

/* A task's fixed word vocabulary (tasks/task.h; the countdown words of docs/design.md 4.5) as a codec. */
static fl_status task_encode(void *user, const char *text, size_t len, fl_tokvec *ids, fl_error *err) {
    /* reads to the NUL (a --prompts line keeps its line ending there: whitespace to the task) */
    return ((const fl_task *)user)->encode(text, len, ids, err);
}
static fl_status task_decode(void *user, const int32_t *ids, size_t n, int lead, fl_bytebuf *out, fl_error *err) {
    return ((const fl_task *)user)->decode(ids, n, lead, out, err);
}

/* The vocabulary: --tokenizer (a task's name or a file), else what the run
 * recorded in state.json: the task its tokenizer identity names (ck->task),
 * or the tokenizer file (ck->tokenizer). */
static int load_vocab(const fl_eval_ckpt *ck, const char *path, fl_tokenizer **bpe, fl_text_codec *v) {
    fl_error err = {0};
    const fl_task *task = path ? fl_task_find(path) : ck->task;
    if (task) {
        *v = (fl_text_codec){task_encode, task_decode, (void *)task, task->vocab_size, task->eot};
        return 0;
    }
    if (!path) path = ck->tokenizer;
    if (!path[0]) return cli_error("%s does not name its tokenizer; pass --tokenizer TOK", ck->dir);
    if (fl_tokenizer_load(path, bpe, &err)) return cli_error("%s", err.msg);
    fl_text_codec_bpe(v, *bpe);
    return 0;
}

static char *read_prompt(const gen_args *a, size_t *plen) {
    if (!a->prompt_file) {
        const char *p = a->prompt ? a->prompt : "";
        *plen = strlen(p);
        char *copy = strdup(p);
        if (!copy) cli_error("out of memory");
        return copy;
    }
    FILE *f = strcmp(a->prompt_file, "-") ? fopen(a->prompt_file, "rb") : stdin;
    if (!f) return cli_error("cannot read the prompt file %s: %s", a->prompt_file, strerror(errno)), NULL;
    fl_error err = {0};
    char *text = NULL;
    fl_status st = fl_read_stream(f, a->prompt_file, &text, plen, &err);
    if (f != stdin) fclose(f);
    if (st) cli_error("%s", err.msg);
    return text;
}

/* The shortlist of --draft-vocab: the most frequent tokens of the run's training data. */
static int32_t *draft_shortlist(const fl_eval_ckpt *ck, int vocab_size, int n) {
    fl_error err = {0};
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)n);
    if (!ids) return NULL;
    if (ck->data_dir[0] && !fl_draft_vocab_from_data(ck->data_dir, vocab_size, n, 20000000, ids, &err)) return ids;
    fprintf(stderr, "futurelm: warning: %s; drafting over the first %d token ids instead\n",
            ck->data_dir[0] ? err.msg : "the checkpoint names no data folder", n);
    free(ids);
    return NULL;
}

int cmd_generate(int argc, char **argv) {
    gen_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    rc = 0;
    char *prompt = NULL;
    size_t plen = 0;
    FILE *lines = NULL;
    if (a.prompts_file) {
        lines = strcmp(a.prompts_file, "-") ? fopen(a.prompts_file, "rb") : stdin;
        if (!lines) return cli_error("cannot read the prompts file %s: %s", a.prompts_file, strerror(errno));
    } else if (!(prompt = read_prompt(&a, &plen))) {
        return 1;
    }
    fl_error err = {0};
    fl_eval_ckpt ck = {0}; /* the model, and the tokenizer and data folder its state.json names */
    fl_tokenizer *bpe = NULL;
    fl_text_codec voc;
    fl_generator *g = NULL;
    int32_t *draft_ids = NULL;
    if (fl_eval_ckpt_open(a.ckpt, &ck, &err)) { rc = cli_error("%s", err.msg); goto out; }
    if ((rc = load_vocab(&ck, a.tok_path, &bpe, &voc))) goto out;
    const fl_model_config *c = fl_model_get_config(ck.m);
    if (c->vocab_size < voc.vocab_size) {
        rc = cli_error("the tokenizer has %d tokens but the model only %d; pass the tokenizer it was trained with",
                       voc.vocab_size, c->vocab_size);
        goto out;
    }
    if (a.gen.mode != FL_GEN_SPEC && (a.gen.draft || a.gen.draft_fixed || a.gen.draft_confidence > 0.0f ||
                                      a.gen.draft_vocab > 0 || a.gen.draft_tree[0])) { /* the library ignores them */
        fprintf(stderr, "futurelm: error: --draft, --draft-fixed, --draft-confidence, --draft-vocab and --draft-tree "
                        "apply to --mode spec only; %s (see futurelm generate --help)\n",
                c->type == FL_MODEL_FTP ? "add --mode spec to draft with this FTP model"
                                        : "this is a GPT model, which has no decoder to draft with and generates "
                                          "with --mode ar");
        rc = 2;
        goto out;
    }
    if (a.gen.mode == FL_GEN_SPEC && a.gen.draft_vocab > 0 && a.gen.draft_vocab < c->vocab_size)
        a.gen.draft_ids = draft_ids = draft_shortlist(&ck, c->vocab_size, a.gen.draft_vocab);
    a.gen.stop = voc.eot >= 0 && !a.out.ignore_eot; /* no drafts or passes for after <|endoftext|> */
    a.gen.stop_token = voc.eot;
    fl_status cs = fl_generator_create(ck.m, &a.gen, &g, &err);
    if (cs == FL_ERR_ARG) { /* the flags do not fit this model: a usage error */
        fprintf(stderr, "futurelm: error: %s (see futurelm generate --help)\n", err.msg);
        rc = 2;
        goto out;
    }
    if (cs) { rc = cli_error("%s", err.msg); goto out; }
    a.out.checkpoint = ck.dir;
    a.out.out = stdout;
    a.out.log = stderr;
    fl_status st = lines ? fl_generate_lines(g, c, &a.gen, &voc, &a.out, lines, a.prompts_file, &err)
                         : fl_generate_text(g, c, &a.gen, &voc, &a.out, prompt, plen, &err);
    if (st) rc = cli_error("%s", err.msg);
out:
    if (lines && lines != stdin) fclose(lines);
    fl_generator_free(g);
    fl_tokenizer_free(bpe);
    free(draft_ids);
    fl_eval_ckpt_close(&ck);
    free(prompt);
    return rc;
}
