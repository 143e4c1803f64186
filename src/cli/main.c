/* futurelm command line: a thin dispatcher over the library. Each subcommand
 * lives in its own file (src/cli/cmd_*.c) and is listed in the table below. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const cli_command COMMANDS[] = {
    {"init", "write a freshly initialised checkpoint from a config", cmd_init},
    {"train", "train a GPT or FTP model; stop and resume it exactly", cmd_train},
    {"generate", "sample from a checkpoint: KV cache, samplers, FTP ar/block/spec modes", cmd_generate},
    {"info", "print a checkpoint's config, size, step and last validation loss", cmd_info},
    {"tokenizer", "train a byte-level BPE vocabulary; encode or decode text", cmd_tokenizer},
    {"prepare", "tokenize text files, folders or JSONL into train/val token shards", cmd_prepare},
    {"countdown", "generate countdown-program training data; check programs", cmd_countdown},
    {"stargraph", "star-graph planning task: generate data, check paths, score a checkpoint", cmd_stargraph},
    {"bench", "time SGEMM and GPT/FTP training steps on this machine (tokens/s, MFU, profile)", cmd_bench},
    {"eval", "measure one checkpoint: ppl, offsets, smoothness, probe, countdown, coherence", cmd_eval},
    {"compare", "GPT vs FTP at matched next-token loss: every evaluation in one HTML report", cmd_compare},
};

static void usage(FILE *f) {
    fprintf(f, "usage: futurelm <command> [options]   (futurelm <command> --help for details)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(f, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(argv[1], COMMANDS[i].name)) return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "futurelm: error: unknown command '%s'; run 'futurelm --help' for the list\n", argv[1]);
    return 2;
}
