/* futurelm generate CKPT: sample text from a checkpoint, streaming tokens to
 * stdout as they are produced. A thin front end over fl_generator (src/infer/). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "eval/measures/checkpoint.h"
#include "tasks/task.h"
#include "tokenizer/tokenizer.h"
#include "util/json.h"

static const char USAGE[] =
    "usage: futurelm generate CKPT|RUN_DIR [--prompt TEXT | --prompt-file FILE|- | --prompts FILE|-]\n"
    "                         [--max-tokens N]\n"
    "                         [--temperature T] [--top-k K] [--top-p P] [--min-p M] [--repeat-penalty R]\n"
    "                         [--repeat-window W] [--seed S] [--mode ar|block|spec] [--draft K]\n"
    "                         [--draft-confidence C] [--draft-vocab S] [--draft-precision bf16|f32]\n"
    "                         [--stats] [--json] [--ignore-eot] [--tokenizer TOK]\n"
    "\n"
    "Samples a continuation of the prompt and streams it to stdout (the prompt is printed first).\n"
    "\n"
    "  --prompt TEXT        the prompt (default: empty, i.e. the start of a new document)\n"
    "  --prompt-file FILE   read the prompt from FILE ('-' reads stdin)\n"
    "  --prompts FILE       one prompt per line of FILE ('-' reads stdin), each generated as if run alone\n"
    "                       (same seed), the model loaded once; with --json, one JSON line per prompt\n"
    "  --max-tokens N       tokens to generate (default 128); past the context the window slides\n"
    "  --temperature T      0 = greedy (default), deterministic; T > 0 samples\n"
    "  --top-k K            keep the K most likely tokens (0 = off)\n"
    "  --top-p P            keep the smallest set with probability >= P, 0 < P <= 1 (1 = off)\n"
    "  --min-p M            keep tokens at least M times as likely as the best, 0 <= M < 1 (0 = off)\n"
    "  --repeat-penalty R   divide positive / multiply negative logits of recent tokens by R > 0 (1 = off)\n"
    "  --repeat-window W    how many recent tokens the penalty looks at (default 64; 0 = the context)\n"
    "  --seed S             seed of the random draws (default 1)\n"
    "  --mode M             FTP models: ar (default), block or spec; GPT models: ar\n"
    "  --draft K            spec: tokens proposed per encoder pass, 2..ftp.n_future (default n_future)\n"
    "  --draft-confidence C spec: end a round's drafting after a draft the decoder gives probability < C\n"
    "                       (default 0: always draft K); saves decoder steps, never changes the output\n"
    "  --draft-vocab S      spec: drafts choose among the S most frequent tokens of the run's training\n"
    "                       data (0 = all): a cheaper draft head; never changes the output\n"
    "  --draft-precision P  spec: weights of the draft steps, bf16 (default: a bfloat16 copy of the\n"
    "                       decoder, half the bytes per step) or f32; never changes the output\n"
    "  --stats              print speed (and for spec, acceptance per draft depth) to stderr\n"
    "  --json               print one JSON object (prompt, text, token ids, stop reason, stats) instead\n"
    "                       (with --prompts, one per line)\n"
    "  --ignore-eot         keep going past <|endoftext|> (benchmarks); by default it ends the output\n"
    "  --tokenizer TOK      tokenizer file, 'gpt2', or 'countdown' (the countdown task's words); default:\n"
    "                       the one the checkpoint was trained with\n"
    "\n"
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

/* Sampler values are range-checked by fl_sampler_config_validate, whose
 * messages give each one's valid range. */
static int parse_float(const char *opt, const char *v, float *out) {
    double x;
    if (cli_parse_double(opt, v, -HUGE_VAL, HUGE_VAL, &x)) return 1;
    *out = (float)x;
    return 0;
}

static char *read_all(FILE *f, size_t *len) {
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        char *nb = realloc(buf, 2 * cap + 1);
        if (!nb) { free(buf); return NULL; }
        buf = nb, cap *= 2;
    }
    if (buf) buf[n] = 0, *len = n;
    return buf;
}

typedef struct {
    const char *ckpt, *prompt, *prompt_file, *prompts_file, *tok_path;
    long max_tokens;
    fl_gen_config gen;
    int stats, json, ignore_eot;
} gen_args;

static int parse_args(int argc, char **argv, gen_args *a) {
    memset(a, 0, sizeof *a);
    a->max_tokens = 128;
    fl_sampler_config_default(&a->gen.sampler);
    a->gen.mode = FL_GEN_AR;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long x = 0;
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            fputs(USAGE, stdout);
            exit(0);
        }
        if (!strcmp(o, "--stats")) { a->stats = 1; continue; }
        if (!strcmp(o, "--json")) { a->json = 1; continue; }
        if (!strcmp(o, "--ignore-eot")) { a->ignore_eot = 1; continue; }
        if (o[0] != '-' || !o[1]) {
            if (a->ckpt) return cli_error("two checkpoints given ('%s' and '%s'); see futurelm generate --help", a->ckpt, o);
            a->ckpt = o;
            continue;
        }
        if (!v) return cli_error("%s needs a value (see futurelm generate --help)", o);
        i++;
        if (!strcmp(o, "--prompt")) a->prompt = v;
        else if (!strcmp(o, "--prompt-file")) a->prompt_file = v;
        else if (!strcmp(o, "--prompts")) a->prompts_file = v;
        else if (!strcmp(o, "--tokenizer")) a->tok_path = cli_tokenizer_path(v);
        else if (!strcmp(o, "--max-tokens")) { if (cli_parse_long(o, v, 0, 100000000, &a->max_tokens)) return 1; }
        else if (!strcmp(o, "--temperature")) { if (parse_float(o, v, &a->gen.sampler.temperature)) return 1; }
        else if (!strcmp(o, "--top-p")) { if (parse_float(o, v, &a->gen.sampler.top_p)) return 1; }
        else if (!strcmp(o, "--min-p")) { if (parse_float(o, v, &a->gen.sampler.min_p)) return 1; }
        else if (!strcmp(o, "--repeat-penalty")) { if (parse_float(o, v, &a->gen.sampler.repeat_penalty)) return 1; }
        else if (!strcmp(o, "--top-k")) { if (cli_parse_long(o, v, 0, 1 << 30, &x)) return 1; a->gen.sampler.top_k = (int)x; }
        else if (!strcmp(o, "--repeat-window")) { if (cli_parse_long(o, v, 0, 1 << 30, &x)) return 1; a->gen.sampler.repeat_window = (int)x; }
        else if (!strcmp(o, "--draft-vocab")) { if (cli_parse_long(o, v, 0, 1 << 30, &x)) return 1; a->gen.draft_vocab = (int)x; }
        else if (!strcmp(o, "--draft-confidence")) { if (parse_float(o, v, &a->gen.draft_confidence)) return 1; }
        else if (!strcmp(o, "--draft")) { if (cli_parse_long(o, v, 2, FL_MAX_FUTURE, &x)) return 1; a->gen.draft = (int)x; }
        else if (!strcmp(o, "--seed")) { if (cli_parse_u64(o, v, &a->gen.sampler.seed)) return 1; }
        else if (!strcmp(o, "--draft-precision")) {
            if (!strcmp(v, "bf16")) a->gen.draft_precision = FL_DRAFT_BF16;
            else if (!strcmp(v, "f32")) a->gen.draft_precision = FL_DRAFT_F32;
            else return cli_error("--draft-precision '%s': need bf16 or f32", v);
        } else if (!strcmp(o, "--mode")) {
            if (!strcmp(v, "ar")) a->gen.mode = FL_GEN_AR;
            else if (!strcmp(v, "block")) a->gen.mode = FL_GEN_BLOCK;
            else if (!strcmp(v, "spec")) a->gen.mode = FL_GEN_SPEC;
            else return cli_error("--mode '%s': need ar, block or spec", v);
        } else {
            return cli_error("unknown option %s (see futurelm generate --help)", o);
        }
    }
    if (!a->ckpt) return cli_error("no checkpoint given; usage: futurelm generate CKPT [--prompt TEXT] ...");
    if (!!a->prompt + !!a->prompt_file + !!a->prompts_file > 1)
        return cli_error("give the prompt with one of --prompt, --prompt-file and --prompts");
    fl_error err;
    if (fl_sampler_config_validate(&a->gen.sampler, &err)) return cli_error("%s", err.msg);
    return 0;
}

/* The text side of a model: a BPE tokenizer, or a task's fixed vocabulary
 * (tasks/task.h; the countdown words of DESIGN.md 4.5), which a run trained on
 * the task's data records in its state.json. */
typedef struct {
    fl_tokenizer *bpe; /* NULL: task */
    const fl_task *task;
    int vocab_size, eot;
} gen_vocab;

/* --tokenizer (a task's name, or a file), else the run's recorded tokenizer:
 * the task its identity names (ck->task), or the file. */
static int load_vocab(const fl_eval_ckpt *ck, const char *path, gen_vocab *v) {
    fl_error err = {0};
    memset(v, 0, sizeof *v);
    v->task = path ? fl_task_find(path) : ck->task;
    if (!path) path = ck->tokenizer;
    if (v->task) {
        v->vocab_size = v->task->vocab_size;
        v->eot = v->task->eot;
        return 0;
    }
    if (!path[0]) return cli_error("%s does not name its tokenizer; pass --tokenizer TOK", ck->dir);
    if (fl_tokenizer_load(path, &v->bpe, &err)) return cli_error("%s", err.msg);
    v->vocab_size = fl_tokenizer_vocab_size(v->bpe);
    v->eot = fl_tokenizer_eot(v->bpe);
    return 0;
}

static fl_status vocab_encode(const gen_vocab *v, const char *text, size_t len, fl_tokvec *ids, fl_error *err) {
    if (v->bpe) return fl_tokenizer_encode(v->bpe, text, len, 0, ids, err);
    return v->task->encode(text, len, ids, err);
}

/* Bytes of ids[0..n); a task's words follow earlier output after a space when `lead`. */
static fl_status vocab_decode(const gen_vocab *v, const int32_t *ids, size_t n, int lead, fl_bytebuf *out,
                              fl_error *err) {
    if (v->bpe) return fl_tokenizer_decode(v->bpe, ids, n, out, err);
    return v->task->decode(ids, n, lead, out, err);
}

static void print_stats(FILE *f, const fl_gen_stats *s, const char *mode, int json) {
    double ptps = s->prompt_seconds > 0 ? s->prompt_tokens / s->prompt_seconds : 0;
    double gtps = s->generate_seconds > 0 ? s->generated_tokens / s->generate_seconds : 0;
    double per_pass = s->encoder_passes > 0 ? (double)s->generated_tokens / s->encoder_passes : 0;
    if (json) {
        fprintf(f, "{\"mode\":\"%s\",\"prompt_tokens\":%ld,\"prompt_seconds\":%.6f,\"prompt_tokens_per_s\":%.2f,"
                   "\"generated_tokens\":%ld,\"generate_seconds\":%.6f,\"generated_tokens_per_s\":%.2f,"
                   "\"encoder_passes\":%ld,\"tokens_per_encoder_pass\":%.4f,\"window_slides\":%ld",
                mode, s->prompt_tokens, s->prompt_seconds, ptps, s->generated_tokens, s->generate_seconds, gtps,
                s->encoder_passes, per_pass, s->window_slides);
        if (s->max_depth > 0) {
            fprintf(f, ",\"draft\":%d,\"acceptance\":[", s->max_depth);
            for (int d = 1; d < s->max_depth; d++)
                fprintf(f, "%s{\"depth\":%d,\"drafted\":%ld,\"accepted\":%ld,\"rate\":%.4f}", d > 1 ? "," : "", d + 1,
                        s->drafted[d], s->accepted[d], s->drafted[d] ? (double)s->accepted[d] / s->drafted[d] : 0.0);
            fprintf(f, "]");
        }
        fprintf(f, "}");
        return;
    }
    fprintf(f, "mode %s: prompt %ld tokens in %.3f s (%.1f tok/s); generated %ld tokens in %.3f s (%.1f tok/s)\n",
            mode, s->prompt_tokens, s->prompt_seconds, ptps, s->generated_tokens, s->generate_seconds, gtps);
    fprintf(f, "encoder passes %ld, %.2f tokens per pass, window slides %ld\n", s->encoder_passes, per_pass,
            s->window_slides);
    if (s->max_depth > 0) {
        fprintf(f, "acceptance by draft position (token k of a round; token 1 is always the model's own):\n");
        for (int d = 1; d < s->max_depth; d++)
            fprintf(f, "  token %d: %ld of %ld drafts accepted (%.1f%%)\n", d + 1, s->accepted[d], s->drafted[d],
                    s->drafted[d] ? 100.0 * s->accepted[d] / s->drafted[d] : 0.0);
    }
}

/* What every prompt of one invocation shares: the model, its vocabulary, the generator. */
typedef struct {
    const gen_args *a;
    const char *dir;
    const fl_model_config *c;
    gen_vocab *voc;
    fl_generator *g;
} gen_ctx;

static const char *const mode_names[] = {"ar", "block", "spec"};

/* Generate one continuation of prompt[0..plen) and print it (text, or one JSON line). */
static int generate_one(const gen_ctx *x, const char *prompt, size_t plen) {
    const gen_args *a = x->a;
    const int eot = x->voc->eot;
    fl_error err = {0};
    fl_tokvec ids = {0}, outv = {0};
    fl_bytebuf piece = {0}, text = {0};
    int rc = 0;
    /* Training documents start with <|endoftext|>, so a prompt starts a document the same way.
     * The prompt is plain text: special-token names in it are encoded as text. */
    if ((eot >= 0 && fl_tokvec_push(&ids, eot, &err)) || vocab_encode(x->voc, prompt, plen, &ids, &err)) {
        rc = cli_error("%s", err.msg);
        goto out;
    }
    if (ids.len == 0) {
        rc = cli_error("the prompt is empty and the tokenizer has no <|endoftext|> to start a document; give --prompt");
        goto out;
    }
    fl_generator_seed(x->g, a->gen.sampler.seed); /* every prompt as if it ran alone */
    int dropped = 0;
    if (fl_generator_start(x->g, ids.data, (int)ids.len, &dropped, &err)) { rc = cli_error("%s", err.msg); goto out; }
    if (dropped > 0)
        fprintf(stderr,
                "futurelm: warning: the prompt is %zu tokens, more than the context of %d (model.block_size); "
                "the model sees its last %zu\n",
                ids.len, x->c->block_size, ids.len - (size_t)dropped);

    if (!a->json) fwrite(prompt, 1, plen, stdout), fflush(stdout);
    const char *stop = "max_tokens";
    int32_t round[FL_MAX_FUTURE + 1];
    while ((long)outv.len < a->max_tokens && !rc) {
        int n;
        long left = a->max_tokens - (long)outv.len;
        if (fl_generator_next(x->g, round, left < FL_MAX_FUTURE ? (int)left : FL_MAX_FUTURE, &n, &err)) {
            rc = cli_error("%s", err.msg);
            break;
        }
        int end = 0;
        for (int i = 0; i < n && !end; i++) {
            if (eot >= 0 && round[i] == eot && !a->ignore_eot) {
                stop = "eot";
                end = 1;
                break;
            }
            if (fl_tokvec_push(&outv, round[i], &err)) { rc = cli_error("%s", err.msg); break; }
            if (!a->json) {
                piece.len = 0;
                if (!vocab_decode(x->voc, &round[i], 1, !x->voc->bpe, &piece, &err))
                    fwrite(piece.data, 1, piece.len, stdout);
            }
        }
        if (!a->json) fflush(stdout);
        if (end) break;
    }
    if (rc) goto out;

    fl_gen_stats st;
    fl_generator_stats(x->g, &st);
    /* A spec or block round can run past <|endoftext|>; what came after it was
     * never output, so the speed counts the tokens delivered and the stop
     * token, over all the time spent. */
    st.generated_tokens = (long)outv.len + (!strcmp(stop, "eot") ? 1 : 0);
    if (a->json) {
        if (outv.len && vocab_decode(x->voc, outv.data, outv.len, 0, &text, &err)) {
            rc = cli_error("%s", err.msg);
            goto out;
        }
        printf("{\"checkpoint\":");
        fl_json_write_string(stdout, x->dir, strlen(x->dir));
        printf(",\"model\":\"%s\",\"mode\":\"%s\",\"prompt\":", x->c->type == FL_MODEL_FTP ? "ftp" : "gpt",
               mode_names[a->gen.mode]);
        fl_json_write_string(stdout, prompt, plen);
        printf(",\"text\":");
        fl_json_write_string(stdout, text.len ? (const char *)text.data : "", text.len);
        printf(",\"prompt_token_ids\":[");
        for (size_t i = 0; i < ids.len; i++) printf("%s%d", i ? "," : "", ids.data[i]);
        printf("],\"token_ids\":[");
        for (size_t i = 0; i < outv.len; i++) printf("%s%d", i ? "," : "", outv.data[i]);
        printf("],\"stop\":\"%s\",\"prompt_tokens_dropped\":%d,", stop, dropped);
        if (a->gen.mode == FL_GEN_SPEC)
            printf("\"draft_precision\":\"%s\",", a->gen.draft_precision == FL_DRAFT_F32 ? "f32" : "bf16");
        printf("\"stats\":");
        print_stats(stdout, &st, mode_names[a->gen.mode], 1);
        printf("}\n");
        fflush(stdout);
    } else {
        printf("\n");
        fflush(stdout); /* the text ends before the statistics start on a shared terminal */
        if (a->stats) print_stats(stderr, &st, mode_names[a->gen.mode], 0);
    }
out:
    fl_tokvec_free(&ids);
    fl_tokvec_free(&outv);
    fl_bytebuf_free(&piece);
    fl_bytebuf_free(&text);
    return rc;
}

/* --prompts: every line of f (without its line ending) is a prompt. */
static int generate_lines(const gen_ctx *x, FILE *f, const char *name) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    long count = 0;
    while (!rc && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        rc = generate_one(x, line, (size_t)n);
        count++;
    }
    if (!rc && ferror(f)) rc = cli_error("reading the prompts from %s: %s", name, strerror(errno));
    if (!rc && count == 0) rc = cli_error("%s has no prompts (one per line)", name);
    free(line);
    return rc;
}

int cmd_generate(int argc, char **argv) {
    gen_args a;
    if (parse_args(argc, argv, &a)) return 1;

    char *prompt = NULL;
    size_t plen = 0;
    FILE *lines = NULL;
    if (a.prompts_file) {
        lines = strcmp(a.prompts_file, "-") ? fopen(a.prompts_file, "rb") : stdin;
        if (!lines) return cli_error("cannot read the prompts file %s: %s", a.prompts_file, strerror(errno));
    } else if (a.prompt_file) {
        FILE *f = strcmp(a.prompt_file, "-") ? fopen(a.prompt_file, "rb") : stdin;
        if (!f) return cli_error("cannot read the prompt file %s: %s", a.prompt_file, strerror(errno));
        prompt = read_all(f, &plen);
        if (f != stdin) fclose(f);
        if (!prompt) return cli_error("out of memory reading the prompt file %s", a.prompt_file);
    } else {
        const char *p = a.prompt ? a.prompt : "";
        plen = strlen(p);
        prompt = malloc(plen + 1);
        if (!prompt) return cli_error("out of memory");
        memcpy(prompt, p, plen + 1);
    }

    fl_error err = {0};
    fl_eval_ckpt ck = {0}; /* the model, and the tokenizer and data folder its state.json names */
    gen_vocab voc = {0};
    fl_generator *g = NULL;
    int32_t *draft_ids = NULL;
    int rc = 0;
    if (fl_eval_ckpt_open(a.ckpt, &ck, &err)) { rc = cli_error("%s", err.msg); goto out; }
    if ((rc = load_vocab(&ck, a.tok_path, &voc))) goto out;
    const fl_model_config *c = fl_model_get_config(ck.m);
    if (c->vocab_size < voc.vocab_size) {
        rc = cli_error("the tokenizer has %d tokens but the model only %d; pass the tokenizer it was trained with",
                       voc.vocab_size, c->vocab_size);
        goto out;
    }
    if (a.gen.mode == FL_GEN_SPEC && a.gen.draft_vocab > 0 && a.gen.draft_vocab < c->vocab_size) {
        /* the shortlist: the most frequent tokens of the run's training data */
        const char *data_dir = ck.data_dir;
        draft_ids = malloc(sizeof(int32_t) * (size_t)a.gen.draft_vocab);
        if (!draft_ids) { rc = cli_error("out of memory"); goto out; }
        if (data_dir[0] && !fl_draft_vocab_from_data(data_dir, c->vocab_size, a.gen.draft_vocab, 20000000, draft_ids, &err))
            a.gen.draft_ids = draft_ids;
        else
            fprintf(stderr, "futurelm: warning: %s; drafting over the first %d token ids instead\n",
                    data_dir[0] ? err.msg : "the checkpoint names no data folder", a.gen.draft_vocab);
    }
    if (fl_generator_create(ck.m, &a.gen, &g, &err)) { rc = cli_error("%s", err.msg); goto out; }
    const gen_ctx x = {&a, ck.dir, c, &voc, g};
    rc = lines ? generate_lines(&x, lines, a.prompts_file) : generate_one(&x, prompt, plen);
out:
    if (lines && lines != stdin) fclose(lines);
    fl_generator_free(g);
    fl_tokenizer_free(voc.bpe);
    free(draft_ids);
    fl_eval_ckpt_close(&ck);
    free(prompt);
    return rc;
}
