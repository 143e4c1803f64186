/* futurelm prepare --tokenizer TOK --input PATH... --out DATA_DIR [--val-fraction F] [--seed S] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "data/prepare.h"

static const char *USAGE =
    "usage: futurelm prepare --tokenizer TOK --input PATH... --out DATA_DIR [--val-fraction F] [--seed S]\n"
    "                        [--shard-tokens N] [--json]\n"
    "\n"
    "Tokenizes text files, folders (*.txt, *.text, *.md, *.jsonl, searched recursively) and JSONL\n"
    "files (one document per line's \"text\") into llm.c-format shards DATA_DIR/train_NNNNNN.bin and\n"
    "DATA_DIR/val_NNNNNN.bin plus DATA_DIR/manifest.json. Every document starts with <|endoftext|>.\n"
    "  --val-fraction F  share of documents drawn into val (default 0.1; the split is by document)\n"
    "  --seed S          seed of that draw (default 1337)\n"
    "  --shard-tokens N  at most N tokens a shard (default and maximum 100000000)\n"
    "TOK: a tiktoken rank file (+ TOK.json); 'gpt2' = data/gpt-tokenizer/r50k_base.tiktoken.\n"
    "DATA_DIR must not exist (or be empty); output appears there only when complete.\n";

int cmd_prepare(int argc, char **argv) {
    fl_prepare_opts o = {0};
    o.val_fraction = 0.1;
    o.seed = 1337;
    int json = 0;
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    if (!inputs) {
        fprintf(stderr, "futurelm: error: out of memory\n");
        return 1;
    }
    int n = 0, rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(USAGE, stdout);
            free(inputs);
            return 0;
        } else if (!strcmp(a, "--tokenizer") && has) {
            o.tokenizer_path = cli_tokenizer_path(argv[++i]);
        } else if (!strcmp(a, "--out") && has) {
            o.out_dir = argv[++i];
        } else if (!strcmp(a, "--input") && has) {
            inputs[n++] = argv[++i];
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2)) inputs[n++] = argv[++i];
        } else if (!strcmp(a, "--val-fraction") && has) {
            if (cli_parse_fraction(a, argv[++i], &o.val_fraction)) rc = 2;
        } else if ((!strcmp(a, "--seed") || !strcmp(a, "--shard-tokens")) && has) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || errno || argv[i][0] == '-' || !argv[i][0] ||
                (!strcmp(a, "--shard-tokens") && (v == 0 || v > 100000000ull))) {
                fprintf(stderr, "futurelm: error: %s '%s' is not a valid %s\n", a, argv[i],
                        !strcmp(a, "--seed") ? "non-negative integer" : "token count (1..100000000)");
                rc = 2;
            } else if (!strcmp(a, "--seed")) {
                o.seed = v;
            } else {
                o.max_shard_tokens = v;
            }
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else {
            fprintf(stderr, "futurelm: error: unknown or incomplete option '%s'\n%s", a, USAGE);
            rc = 2;
        }
    }
    if (!rc && (!o.tokenizer_path || !o.out_dir || n == 0)) {
        fprintf(stderr, "futurelm: error: prepare needs --tokenizer, --input and --out\n%s", USAGE);
        rc = 2;
    }
    if (rc) {
        free(inputs);
        return rc;
    }
    o.inputs = inputs;
    o.n_inputs = n;
    fl_error err = {0};
    fl_prepare_result r;
    if (fl_prepare(&o, &r, &err)) {
        fprintf(stderr, "futurelm: error: %s\n", err.msg);
        free(inputs);
        return 1;
    }
    if (json)
        printf("{\"out\": \"%s\", \"files\": %d, \"train\": {\"documents\": %llu, \"tokens\": %llu, \"shards\": %d}, "
               "\"val\": {\"documents\": %llu, \"tokens\": %llu, \"shards\": %d}}\n",
               o.out_dir, r.files, (unsigned long long)r.documents[0], (unsigned long long)r.tokens[0], r.shards[0],
               (unsigned long long)r.documents[1], (unsigned long long)r.tokens[1], r.shards[1]);
    else
        printf("prepared %s from %d files: train %llu documents, %llu tokens, %d shards; val %llu documents, %llu "
               "tokens, %d shards\n",
               o.out_dir, r.files, (unsigned long long)r.documents[0], (unsigned long long)r.tokens[0], r.shards[0],
               (unsigned long long)r.documents[1], (unsigned long long)r.tokens[1], r.shards[1]);
    if (r.documents[1] == 0 && o.val_fraction > 0)
        fprintf(stderr, "futurelm: note: no document was drawn into val (the split is by document); use more "
                        "documents or a larger --val-fraction\n");
    free(inputs);
    return 0;
}
