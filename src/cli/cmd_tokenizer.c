/* futurelm tokenizer train|encode|decode|info */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "data/inputs.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/train.h"
#include "util/error.h"

static const char *USAGE =
    "usage: futurelm tokenizer train  --vocab-size K --input PATH... --out FILE\n"
    "       futurelm tokenizer encode --tokenizer TOK [--input FILE] [--json] [--allow-special] [--stats] [--verify]\n"
    "       futurelm tokenizer encode --tokenizer TOK --files-from LIST --binary OUT [--verify] [--stats]\n"
    "       futurelm tokenizer decode --tokenizer TOK [--input FILE]\n"
    "       futurelm tokenizer info   --tokenizer TOK\n"
    "\n"
    "TOK is a tiktoken rank file (e.g. data/gpt-tokenizer/r50k_base.tiktoken, GPT-2's vocabulary;\n"
    "'gpt2' and 'r50k_base' are shorthands for it), with its sidecar TOK.json when present.\n"
    "train   learns a byte-level BPE vocabulary of K tokens (256 bytes + merges + <|endoftext|>)\n"
    "        from text files, folders (*.txt, *.md, *.jsonl) or JSONL files; writes FILE and FILE.json.\n"
    "encode  reads text (stdin or --input) and prints ids separated by spaces (--json: a JSON array);\n"
    "        --allow-special turns '<|endoftext|>' in the text into its id; --stats prints speed to stderr.\n"
    "        --verify decodes the ids again and fails unless that gives back the input byte for byte.\n"
    "        --files-from LIST encodes every file named in LIST (one path a line) and writes, for each,\n"
    "        an int32 count and the int32 ids (little-endian) to OUT: the oracle tests use it.\n"
    "decode  reads ids (whitespace/comma separated, JSON array brackets allowed) and writes the bytes.\n";

static int fail(const char *msg) {
    fprintf(stderr, "futurelm: error: %s\n", msg);
    return 1;
}

/* Resolve the shorthand names of GPT-2's vocabulary. */
const char *cli_tokenizer_path(const char *name) {
    if (!strcmp(name, "gpt2") || !strcmp(name, "r50k_base")) {
        FILE *f = fopen(name, "rb");
        if (f) {
            fclose(f);
            return name;
        }
        return "data/gpt-tokenizer/r50k_base.tiktoken";
    }
    return name;
}

static int read_input(const char *path, char **data, size_t *len) {
    fl_error err = {0};
    if (path) {
        if (fl_read_file(path, data, len, &err)) return fail(err.msg);
        return 0;
    }
    fl_bytebuf b = {0};
    char chunk[1 << 16];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        if (fl_bytebuf_append(&b, chunk, n, &err)) {
            fl_bytebuf_free(&b);
            return fail(err.msg);
        }
    if (ferror(stdin)) {
        fl_bytebuf_free(&b);
        return fail("cannot read standard input");
    }
    if (fl_bytebuf_append(&b, "", 0, &err)) return fail(err.msg);
    *data = (char *)b.data, *len = b.len;
    return 0;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
    fl_bpe_trainer *tr;
    size_t bytes;
} train_ctx;

static fl_status feed_doc(const char *doc, size_t len, void *user, fl_error *err) {
    train_ctx *c = user;
    c->bytes += len;
    return fl_bpe_trainer_feed(c->tr, doc, len, err);
}

static int run_train(int argc, char **argv) {
    long vocab = -1;
    const char *out = NULL;
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    int ninputs = 0;
    if (!inputs) return fail("out of memory");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--vocab-size") && i + 1 < argc) {
            char *end;
            errno = 0;
            vocab = strtol(argv[++i], &end, 10);
            if (*end || errno || vocab <= 0 || vocab > 16000000) {
                free(inputs);
                fprintf(stderr, "futurelm: error: --vocab-size '%s' is not a positive integer\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--input") && i + 1 < argc) {
            inputs[ninputs++] = argv[++i];
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2)) inputs[ninputs++] = argv[++i];
        } else {
            free(inputs);
            fprintf(stderr, "futurelm: error: unknown or incomplete option '%s'\n%s", argv[i], USAGE);
            return 2;
        }
    }
    if (vocab < 0 || !out || !ninputs) {
        free(inputs);
        fprintf(stderr, "futurelm: error: tokenizer train needs --vocab-size, --input and --out\n%s", USAGE);
        return 2;
    }
    fl_error err = {0};
    if (vocab < 257) {
        free(inputs);
        fprintf(stderr,
                "futurelm: error: --vocab-size %ld is too small: a byte-level vocabulary needs 256 byte tokens + "
                "<|endoftext|>, so at least 257\n",
                vocab);
        return 1;
    }
    fl_input_list list;
    if (fl_inputs_collect(inputs, ninputs, &list, &err)) {
        free(inputs);
        return fail(err.msg);
    }
    free(inputs);
    train_ctx c = {0};
    int rc = 0;
    double t0 = now_s();
    if (fl_bpe_trainer_create(&c.tr, &err)) {
        fl_inputs_free(&list);
        return fail(err.msg);
    }
    size_t docs = 0;
    for (size_t i = 0; i < list.n && !rc; i++) {
        size_t nd;
        if (fl_inputs_read_docs(&list.files[i], feed_doc, &c, &nd, &err)) rc = fail(err.msg);
        docs += nd;
    }
    if (!rc && docs == 0) rc = fail("the inputs hold no text (every file is empty)");
    double t1 = now_s();
    if (!rc && fl_bpe_trainer_train(c.tr, (int)vocab, &err)) rc = fail(err.msg);
    double t2 = now_s();
    if (!rc && fl_bpe_trainer_write(c.tr, out, &err)) rc = fail(err.msg);
    if (!rc) {
        size_t distinct, chunks = fl_bpe_trainer_n_chunks(c.tr, &distinct);
        int ntok = fl_bpe_trainer_n_tokens(c.tr);
        fprintf(stderr,
                "futurelm: trained %d tokens + <|endoftext|> = %d from %zu files, %zu documents, %.1f MB "
                "(%zu chunks, %zu distinct): counting %.2f s, merging %.2f s\n",
                ntok, ntok + 1, list.n, docs, c.bytes / 1e6, chunks, distinct, t1 - t0, t2 - t1);
        if (ntok + 1 < vocab)
            fprintf(stderr, "futurelm: note: the text ran out of pairs to merge before --vocab-size %ld\n", vocab);
        printf("%s\n", out);
    }
    fl_bpe_trainer_free(c.tr);
    fl_inputs_free(&list);
    return rc;
}

typedef struct {
    const char *files_from, *binary;
    int verify;
} batch_opts;

static int parse_common(int argc, char **argv, const char **tok, const char **input, int *json, int *special,
                        int *stats, batch_opts *bo) {
    for (int i = 1; i < argc; i++) {
        if (bo && !strcmp(argv[i], "--files-from") && i + 1 < argc) {
            bo->files_from = argv[++i];
            continue;
        }
        if (bo && !strcmp(argv[i], "--binary") && i + 1 < argc) {
            bo->binary = argv[++i];
            continue;
        }
        if (bo && !strcmp(argv[i], "--verify")) {
            bo->verify = 1;
            continue;
        }
        if (!strcmp(argv[i], "--tokenizer") && i + 1 < argc) *tok = argv[++i];
        else if (!strcmp(argv[i], "--input") && i + 1 < argc) *input = argv[++i];
        else if (!strcmp(argv[i], "--json") && json) *json = 1;
        else if (!strcmp(argv[i], "--allow-special") && special) *special = 1;
        else if (!strcmp(argv[i], "--stats") && stats) *stats = 1;
        else {
            fprintf(stderr, "futurelm: error: unknown or incomplete option '%s'\n%s", argv[i], USAGE);
            return 2;
        }
    }
    if (!*tok) {
        fprintf(stderr, "futurelm: error: --tokenizer TOK is required\n%s", USAGE);
        return 2;
    }
    return 0;
}

/* decode(ids) == text[0..len)? */
static int round_trips(const fl_tokenizer *tok, const fl_tokvec *ids, const char *text, size_t len, fl_error *err) {
    fl_bytebuf back = {0};
    int ok = fl_tokenizer_decode(tok, ids->data, ids->len, &back, err) == FL_OK && back.len == len &&
             (len == 0 || !memcmp(back.data, text, len));
    fl_bytebuf_free(&back);
    return ok;
}

static int run_batch(const fl_tokenizer *tok, const batch_opts *bo, int special, int stats) {
    fl_error err = {0};
    char *list;
    size_t listlen;
    if (fl_read_file(bo->files_from, &list, &listlen, &err)) return fail(err.msg);
    size_t pl = strlen(bo->binary) + 16;
    char *tmp = malloc(pl);
    if (!tmp) {
        free(list);
        return fail("out of memory");
    }
    snprintf(tmp, pl, "%s.tmp", bo->binary);
    FILE *out = fopen(tmp, "wb");
    int rc = 0;
    if (!out) {
        fprintf(stderr, "futurelm: error: cannot create '%s': %s\n", tmp, strerror(errno));
        rc = 1;
    }
    size_t files = 0, bytes = 0, tokens = 0, bad = 0;
    double secs = 0;
    for (char *line = list; !rc && line < list + listlen;) {
        char *nl = memchr(line, '\n', (size_t)(list + listlen - line));
        if (!nl) nl = list + listlen;
        *nl = 0;
        if (*line) {
            char *text;
            size_t len;
            fl_tokvec ids = {0};
            if (fl_read_file(line, &text, &len, &err)) {
                rc = fail(err.msg);
                break;
            }
            double t0 = now_s();
            if (fl_tokenizer_encode(tok, text, len, special, &ids, &err)) rc = fail(err.msg);
            secs += now_s() - t0;
            if (!rc && bo->verify && !round_trips(tok, &ids, text, len, &err)) {
                fprintf(stderr, "futurelm: error: %s: decode(encode(text)) differs from the text\n", line);
                bad++;
            }
            int32_t n = (int32_t)ids.len;
            if (!rc && (fwrite(&n, 4, 1, out) != 1 || (ids.len && fwrite(ids.data, 4, ids.len, out) != ids.len)))
                rc = fail("cannot write the --binary output");
            files++, bytes += len, tokens += ids.len;
            fl_tokvec_free(&ids);
            free(text);
        }
        line = nl + 1;
    }
    if (out && fclose(out) && !rc) rc = fail("cannot write the --binary output");
    if (!rc && rename(tmp, bo->binary)) rc = fail("cannot rename the --binary output into place");
    if (rc) remove(tmp);
    if (!rc && bad) {
        fprintf(stderr, "futurelm: error: %zu of %zu files do not round-trip\n", bad, files);
        rc = 1;
    }
    if (!rc && stats)
        fprintf(stderr, "futurelm: encoded %zu files, %zu bytes into %zu tokens in %.3f s (%.1f MB/s, 1 thread)%s\n",
                files, bytes, tokens, secs, secs > 0 ? bytes / 1e6 / secs : 0.0,
                bo->verify ? "; every file round-trips" : "");
    free(tmp);
    free(list);
    return rc;
}

static int run_encode(int argc, char **argv) {
    const char *tokp = NULL, *input = NULL;
    int json = 0, special = 0, stats = 0;
    batch_opts bo = {0};
    int rc = parse_common(argc, argv, &tokp, &input, &json, &special, &stats, &bo);
    if (rc) return rc;
    if (!bo.files_from != !bo.binary) {
        fprintf(stderr, "futurelm: error: --files-from and --binary go together\n%s", USAGE);
        return 2;
    }
    fl_error err = {0};
    fl_tokenizer *tok;
    if (fl_tokenizer_load(cli_tokenizer_path(tokp), &tok, &err)) return fail(err.msg);
    if (bo.files_from) {
        rc = run_batch(tok, &bo, special, stats);
        fl_tokenizer_free(tok);
        return rc;
    }
    char *text;
    size_t len;
    if (read_input(input, &text, &len)) {
        fl_tokenizer_free(tok);
        return 1;
    }
    fl_tokvec ids = {0};
    double t0 = now_s();
    if (fl_tokenizer_encode(tok, text, len, special, &ids, &err)) rc = fail(err.msg);
    double t1 = now_s();
    if (!rc && bo.verify && !round_trips(tok, &ids, text, len, &err))
        rc = fail("decode(encode(text)) differs from the text");
    if (!rc) {
        char buf[16];
        if (json) putchar('[');
        for (size_t i = 0; i < ids.len; i++) {
            int n = snprintf(buf, sizeof buf, "%s%d", i ? (json ? "," : " ") : "", (int)ids.data[i]);
            fwrite(buf, 1, (size_t)n, stdout);
        }
        if (json) putchar(']');
        putchar('\n');
        if (fflush(stdout)) rc = fail("cannot write standard output");
        if (stats)
            fprintf(stderr, "futurelm: encoded %zu bytes into %zu tokens in %.3f s (%.1f MB/s, 1 thread)\n", len,
                    ids.len, t1 - t0, (t1 - t0) > 0 ? len / 1e6 / (t1 - t0) : 0.0);
    }
    fl_tokvec_free(&ids);
    free(text);
    fl_tokenizer_free(tok);
    return rc;
}

static int run_decode(int argc, char **argv) {
    const char *tokp = NULL, *input = NULL;
    int rc = parse_common(argc, argv, &tokp, &input, NULL, NULL, NULL, NULL);
    if (rc) return rc;
    fl_error err = {0};
    fl_tokenizer *tok;
    if (fl_tokenizer_load(cli_tokenizer_path(tokp), &tok, &err)) return fail(err.msg);
    char *text;
    size_t len;
    if (read_input(input, &text, &len)) {
        fl_tokenizer_free(tok);
        return 1;
    }
    fl_tokvec ids = {0};
    for (size_t i = 0; i < len && !rc;) {
        char c = text[i];
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ',' || c == '[' || c == ']') {
            i++;
            continue;
        }
        long v = 0;
        size_t j = i;
        while (j < len && text[j] >= '0' && text[j] <= '9' && v <= 100000000) v = v * 10 + (text[j++] - '0');
        if (j == i || v > 100000000) {
            fprintf(stderr, "futurelm: error: %s: byte %zu: expected a token id (a non-negative integer)\n",
                    input ? input : "stdin", i);
            rc = 1;
        } else if (fl_tokvec_push(&ids, (int32_t)v, &err)) {
            rc = fail(err.msg);
        }
        i = j;
    }
    fl_bytebuf out = {0};
    if (!rc && fl_tokenizer_decode(tok, ids.data, ids.len, &out, &err)) rc = fail(err.msg);
    if (!rc && out.len && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)))
        rc = fail("cannot write standard output");
    fl_bytebuf_free(&out);
    fl_tokvec_free(&ids);
    free(text);
    fl_tokenizer_free(tok);
    return rc;
}

static int run_info(int argc, char **argv) {
    const char *tokp = NULL, *input = NULL;
    int rc = parse_common(argc, argv, &tokp, &input, NULL, NULL, NULL, NULL);
    if (rc) return rc;
    fl_error err = {0};
    fl_tokenizer *tok;
    const char *path = cli_tokenizer_path(tokp);
    if (fl_tokenizer_load(path, &tok, &err)) return fail(err.msg);
    printf("{\"path\": \"%s\", \"vocab_size\": %d, \"ranks\": %d, \"eot\": %d, \"sha256\": \"%s\", \"special_tokens\": {",
           path, fl_tokenizer_vocab_size(tok), fl_tokenizer_n_ranks(tok), fl_tokenizer_eot(tok),
           fl_tokenizer_sha256(tok));
    for (int i = 0; i < fl_tokenizer_n_special(tok); i++)
        printf("%s\"%s\": %d", i ? ", " : "", fl_tokenizer_special_text(tok, i), fl_tokenizer_special_id(tok, i));
    printf("}}\n");
    fl_tokenizer_free(tok);
    return 0;
}

int cmd_tokenizer(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE, stdout);
            return 0;
        }
    if (!strcmp(argv[1], "train")) return run_train(argc - 1, argv + 1);
    if (!strcmp(argv[1], "encode")) return run_encode(argc - 1, argv + 1);
    if (!strcmp(argv[1], "decode")) return run_decode(argc - 1, argv + 1);
    if (!strcmp(argv[1], "info")) return run_info(argc - 1, argv + 1);
    fprintf(stderr, "futurelm: error: unknown tokenizer action '%s'\n%s", argv[1], USAGE);
    return 2;
}
