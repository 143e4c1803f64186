/* futurelm tokenizer train|encode|decode|info: parse, call the tokenizer
 * library (tokenizer/, data/bpe_inputs.c), print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "data/bpe_inputs.h"
#include "tokenizer/text_io.h"
#include "tokenizer/tokenizer.h"
#include "util/datapath.h"
#include "util/error.h"

static const char TOK_HELP[] =
    "a tiktoken rank file with TOK.json; 'gpt2' and 'r50k_base' name GPT-2's\n"
    "vocabulary wherever it was fetched (futurelm fetch --help)";

static int fail(const char *msg) {
    fprintf(stderr, "futurelm: error: %s\n", msg);
    return 1;
}

/* The text of --input FILE, or of stdin without it. */
static int read_input(const char *path, char **data, size_t *len) {
    fl_error err = {0};
    if (path ? fl_read_file(path, data, len, &err) : fl_read_stream(stdin, "standard input", data, len, &err))
        return fail(err.msg);
    return 0;
}

static int run_train(int argc, char **argv) {
    long vocab = 0;
    const char *out = NULL;
    cli_list inputs = {0};
    const cli_opt opts[] = {
        {"vocab-size", 0, CLI_LONG, &vocab, 1, 16000000, NULL, "K", "tokens: 256 bytes + merges + <|endoftext|>",
         CLI_REQUIRED},
        {"input", 0, CLI_PATHS, &inputs, 0, 0, NULL, "PATH", "text files, folders (*.txt, *.md, *.jsonl) or JSONL files",
         CLI_REQUIRED},
        {"out", 0, CLI_STRING, &out, 0, 0, NULL, "FILE", "the rank file to write (and FILE.json)", CLI_REQUIRED},
        {0},
    };
    const cli_spec spec = {"tokenizer train", "Learns a byte-level BPE vocabulary of K tokens from text.", opts, NULL,
                           NULL};
    cli_args_status st = cli_args_parse(&spec, argc, argv);
    int rc = st != CLI_ARGS_OK ? cli_args_exit(st) : -1;
    if (rc < 0 && vocab < 257)
        rc = cli_usage_error(&spec,
                             "--vocab-size %ld is too small: a byte-level vocabulary needs 256 byte tokens + "
                             "<|endoftext|>, so at least 257",
                             vocab);
    if (rc >= 0) {
        cli_list_free(&inputs);
        return rc;
    }
    fl_error err = {0};
    fl_bpe_inputs_report r;
    if (fl_bpe_train_inputs((char *const *)inputs.v, inputs.n, (int)vocab, out, &r, &err)) {
        cli_list_free(&inputs);
        return fail(err.msg);
    }
    cli_list_free(&inputs);
    fprintf(stderr,
            "futurelm: trained %d tokens + <|endoftext|> = %d from %zu files, %zu documents, %.1f MB "
            "(%zu chunks, %zu distinct): counting %.2f s, merging %.2f s\n",
            r.tokens, r.tokens + 1, r.files, r.documents, r.bytes / 1e6, r.chunks, r.distinct, r.count_seconds,
            r.merge_seconds);
    if (r.tokens + 1 < vocab)
        fprintf(stderr, "futurelm: note: the text ran out of pairs to merge before --vocab-size %ld\n", vocab);
    printf("%s\n", out);
    return 0;
}

static int encode_batch(const fl_tokenizer *tok, const char *files_from, const char *binary, int special, int verify,
                        int stats) {
    fl_error err = {0};
    fl_encode_files_report r;
    if (fl_tokenizer_encode_files(tok, files_from, binary, special, verify, stderr, &r, &err)) return fail(err.msg);
    if (r.bad) {
        fprintf(stderr, "futurelm: error: %zu of %zu files do not round-trip\n", r.bad, r.files);
        return 1;
    }
    if (stats)
        fprintf(stderr, "futurelm: encoded %zu files, %zu bytes into %zu tokens in %.3f s (%.1f MB/s, 1 thread)%s\n",
                r.files, r.bytes, r.tokens, r.seconds, r.seconds > 0 ? r.bytes / 1e6 / r.seconds : 0.0,
                verify ? "; every file round-trips" : "");
    return 0;
}

static void print_ids(const fl_tokvec *ids, int json) {
    char buf[16];
    if (json) putchar('[');
    for (size_t i = 0; i < ids->len; i++) {
        int n = snprintf(buf, sizeof buf, "%s%d", i ? (json ? "," : " ") : "", (int)ids->data[i]);
        fwrite(buf, 1, (size_t)n, stdout);
    }
    if (json) putchar(']');
    putchar('\n');
}

static int run_encode(int argc, char **argv) {
    const char *tokp = NULL, *input = NULL, *files_from = NULL, *binary = NULL;
    int json = 0, special = 0, stats = 0, verify = 0;
    const cli_opt opts[] = {
        {"tokenizer", 0, CLI_STRING, &tokp, 0, 0, NULL, "TOK", TOK_HELP, CLI_REQUIRED},
        {"input", 0, CLI_STRING, &input, 0, 0, NULL, "FILE", "the text (default: stdin)", 0},
        {"json", 0, CLI_FLAG, &json, 0, 0, NULL, NULL, "print a JSON array instead of ids separated by spaces", 0},
        {"allow-special", 0, CLI_FLAG, &special, 0, 0, NULL, NULL, "turn '<|endoftext|>' in the text into its id", 0},
        {"stats", 0, CLI_FLAG, &stats, 0, 0, NULL, NULL, "print the speed to stderr", 0},
        {"verify", 0, CLI_FLAG, &verify, 0, 0, NULL, NULL, "decode the ids again; fail unless that gives back the input", 0},
        {"files-from", 0, CLI_STRING, &files_from, 0, 0, NULL, "LIST",
         "encode every file named in LIST (one path a line); needs --binary", 0},
        {"binary", 0, CLI_STRING, &binary, 0, 0, NULL, "OUT",
         "with --files-from: for each file an int32 count and the int32 ids\n(little-endian) to OUT (the oracle tests)", 0},
        {0},
    };
    const cli_spec spec = {"tokenizer encode", "Reads text and prints its token ids.", opts, NULL, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    if (!files_from != !binary) return cli_usage_error(&spec, "--files-from and --binary go together");
    fl_error err = {0};
    fl_tokenizer *tok;
    if (fl_tokenizer_load(tokp, &tok, &err)) return fail(err.msg);
    int rc = 0;
    char *text = NULL;
    size_t len;
    fl_tokvec ids = {0};
    if (files_from) {
        rc = encode_batch(tok, files_from, binary, special, verify, stats);
    } else if (read_input(input, &text, &len)) {
        rc = 1;
    } else {
        double t0 = fl_wall_seconds();
        if (fl_tokenizer_encode(tok, text, len, special, &ids, &err)) rc = fail(err.msg);
        double t1 = fl_wall_seconds();
        if (!rc && verify && !fl_tokenizer_round_trips(tok, &ids, text, len, &err))
            rc = fail("decode(encode(text)) differs from the text");
        if (!rc) {
            print_ids(&ids, json);
            if (fflush(stdout)) rc = fail("cannot write standard output");
            if (stats)
                fprintf(stderr, "futurelm: encoded %zu bytes into %zu tokens in %.3f s (%.1f MB/s, 1 thread)\n", len,
                        ids.len, t1 - t0, (t1 - t0) > 0 ? len / 1e6 / (t1 - t0) : 0.0);
        }
    }
    fl_tokvec_free(&ids);
    free(text);
    fl_tokenizer_free(tok);
    return rc;
}

static int run_decode(int argc, char **argv) {
    const char *tokp = NULL, *input = NULL;
    const cli_opt opts[] = {
        {"tokenizer", 0, CLI_STRING, &tokp, 0, 0, NULL, "TOK", TOK_HELP, CLI_REQUIRED},
        {"input", 0, CLI_STRING, &input, 0, 0, NULL, "FILE", "the ids (default: stdin)", 0},
        {0},
    };
    const cli_spec spec = {"tokenizer decode",
                           "Reads token ids (whitespace/comma separated, JSON array brackets allowed) and writes "
                           "the bytes.",
                           opts, NULL, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    fl_error err = {0};
    fl_tokenizer *tok;
    if (fl_tokenizer_load(tokp, &tok, &err)) return fail(err.msg);
    char *text;
    size_t len;
    if (read_input(input, &text, &len)) {
        fl_tokenizer_free(tok);
        return 1;
    }
    int rc = 0;
    fl_tokvec ids = {0};
    fl_bytebuf out = {0};
    if (fl_token_ids_parse(text, len, input ? input : "stdin", &ids, &err) ||
        fl_tokenizer_decode(tok, ids.data, ids.len, &out, &err))
        rc = fail(err.msg);
    if (!rc && out.len && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)))
        rc = fail("cannot write standard output");
    fl_bytebuf_free(&out);
    fl_tokvec_free(&ids);
    free(text);
    fl_tokenizer_free(tok);
    return rc;
}

static int run_info(int argc, char **argv) {
    const char *tokp = NULL;
    const cli_opt opts[] = {{"tokenizer", 0, CLI_STRING, &tokp, 0, 0, NULL, "TOK", TOK_HELP, CLI_REQUIRED}, {0}};
    const cli_spec spec = {"tokenizer info", "Prints a tokenizer's size, special tokens and SHA-256 as JSON.", opts,
                           NULL, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    fl_error err = {0};
    fl_tokenizer *tok;
    char *found = NULL; /* where a shorthand was found, for "path" */
    const char *path = tokp;
    if (fl_datapath_tokenizer(tokp, &found, &err) || fl_tokenizer_load(path = found ? found : tokp, &tok, &err)) {
        free(found);
        return fail(err.msg);
    }
    printf("{\"path\": \"%s\", \"vocab_size\": %d, \"ranks\": %d, \"eot\": %d, \"sha256\": \"%s\", \"special_tokens\": {",
           path, fl_tokenizer_vocab_size(tok), fl_tokenizer_n_ranks(tok), fl_tokenizer_eot(tok),
           fl_tokenizer_sha256(tok));
    for (int i = 0; i < fl_tokenizer_n_special(tok); i++)
        printf("%s\"%s\": %d", i ? ", " : "", fl_tokenizer_special_text(tok, i), fl_tokenizer_special_id(tok, i));
    printf("}}\n");
    fl_tokenizer_free(tok);
    free(found);
    return 0;
}

static const cli_command ACTIONS[] = {
    {"train", "learn a byte-level BPE vocabulary from text files, folders or JSONL", run_train},
    {"encode", "text to token ids (stdin or --input; --files-from for many files)", run_encode},
    {"decode", "token ids to bytes", run_decode},
    {"info", "a tokenizer's size, special tokens and SHA-256 (JSON)", run_info},
};

static void usage(FILE *f) {
    fprintf(f, "usage: futurelm tokenizer ACTION [options]   (futurelm tokenizer ACTION --help for details)\n\n"
               "actions:\n");
    for (size_t i = 0; i < sizeof ACTIONS / sizeof ACTIONS[0]; i++)
        fprintf(f, "  %-8s %s\n", ACTIONS[i].name, ACTIONS[i].summary);
}

int cmd_tokenizer(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc < 2) fputs("futurelm: error: tokenizer needs an action (train, encode, decode or info)\n", stderr);
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof ACTIONS / sizeof ACTIONS[0]; i++)
        if (!strcmp(argv[1], ACTIONS[i].name)) return ACTIONS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "futurelm: error: unknown tokenizer action '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
