/* futurelm prepare --tokenizer TOK --input PATH... --out DATA_DIR: parse, call fl_prepare, print the counts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "data/prepare.h"
#include "data/shard.h"

static const char ABOUT[] =
    "Tokenizes text files, folders (*.txt, *.text, *.md, *.jsonl, searched recursively) and JSONL\n"
    "files (one document per line's \"text\") into llm.c-format shards DATA_DIR/train_NNNNNN.bin and\n"
    "DATA_DIR/val_NNNNNN.bin plus DATA_DIR/manifest.json. Every document starts with <|endoftext|>.\n"
    "DATA_DIR must not exist (or be empty); output appears there only when complete.";

int cmd_prepare(int argc, char **argv) {
    fl_prepare_opts o;
    fl_prepare_opts_default(&o);
    int json = 0;
    const char *tok = NULL;
    cli_list inputs = {0};
    const cli_opt opts[] = {
        {"tokenizer", 0, CLI_STRING, &tok, 0, 0, NULL, "TOK",
         "a tiktoken rank file (+ TOK.json); 'gpt2': GPT-2's, where fetched", CLI_REQUIRED},
        {"input", 0, CLI_PATHS, &inputs, 0, 0, NULL, "PATH", "text files, folders or JSONL files", CLI_REQUIRED},
        {"out", 0, CLI_STRING, &o.out_dir, 0, 0, NULL, "DATA_DIR", "the shard folder to create", CLI_REQUIRED},
        {"val-fraction", 0, CLI_FRACTION, &o.val_fraction, 0, 0, NULL, "F",
         "share of documents drawn into val (the split is by document)", 0},
        {"seed", 0, CLI_U64, &o.seed, 0, 0, NULL, "S", "seed of that draw", 0},
        {"shard-tokens", 0, CLI_U64, &o.max_shard_tokens, 1, FL_SHARD_MAX_TOKENS, NULL, "N",
         "at most N tokens a shard (the default is also the maximum)", 0},
        {"json", 0, CLI_FLAG, &json, 0, 0, NULL, NULL, "print the counts as one JSON object", 0},
        {0},
    };
    const cli_spec spec = {"prepare", ABOUT, opts, NULL, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    o.tokenizer_path = tok; /* a shorthand (gpt2) is found by the loader */
    o.inputs = (char **)inputs.v;
    o.n_inputs = inputs.n;
    fl_error err = {0};
    fl_prepare_result r;
    if (fl_prepare(&o, &r, &err)) {
        fprintf(stderr, "futurelm: error: %s\n", err.msg);
        cli_list_free(&inputs);
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
    cli_list_free(&inputs);
    return 0;
}
