/* futurelm command line: a thin dispatcher over the library. Each subcommand
 * lives in its own file (src/cli/cmd_*.c) and is listed in the table below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/suggest.h"

static const cli_command COMMANDS[] = {
    {"init", "write a freshly initialised checkpoint from a config", cmd_init},
    {"train", "train a GPT or FTP model; stop and resume it exactly", cmd_train},
    {"generate", "sample from a checkpoint: KV cache, samplers, FTP ar/block/spec modes", cmd_generate},
    {"convert", "convert a GPT between futurelm, llm.c and Hugging Face GPT-2 files", cmd_convert},
    {"info", "print a checkpoint's config, size, step and last validation loss", cmd_info},
    {"tokenizer", "train a byte-level BPE vocabulary; encode or decode text", cmd_tokenizer},
    {"prepare", "tokenize text files, folders or JSONL into train/val token shards", cmd_prepare},
    {"countdown", "generate countdown-program training data; check programs", cmd_countdown},
    {"stargraph", "star-graph planning task: generate data, check paths, score a checkpoint", cmd_stargraph},
    {"bench", "time SGEMM and GPT/FTP training steps on this machine (tokens/s, MFU, profile)", cmd_bench},
    {"eval", "measure a checkpoint: ppl, offsets, smoothness, probe, coherence, countdown, lens, collapse, cka, neurons", cmd_eval},
    {"compare", "GPT vs FTP at matched next-token loss: every evaluation in one HTML report", cmd_compare},
    {"fetch", "download named tokenizers and corpora (gpt2, moby-dick, ...) into the data folder", cmd_fetch},
    {"version", "the release and how this binary was built (also --version)", cmd_version},
};

/* The map a newcomer sees first (as git and llama-cli print): the commands, then the shortest
 * path from nothing to a trained model and its samples. */
static void usage(FILE *f) {
    fprintf(f, "usage: futurelm <command> [options]   (futurelm <command> --help for details)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(f, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fputs("\nquick start (make demo does all this and more: GPT vs FTP, spec decoding, a report):\n"
          "  futurelm tokenizer train --vocab-size 1024 --input my_texts/ --out tok.tiktoken\n"
          "  futurelm prepare --tokenizer tok.tiktoken --input my_texts/ --out data\n"
          "  futurelm train --model ftp --data data --out run && futurelm generate run --prompt \"Once\"\n",
          f);
}

#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static const cli_command *find(const char *name) {
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(name, COMMANDS[i].name)) return &COMMANDS[i];
    return NULL;
}

/* OpenMP threads that wait by spinning collapse when another process holds a
 * core: a train at train.threads=2 ran at ~600 tokens/s against ~5,000 at one
 * thread (docs/training.md has the measurement). Passive waiting (sleep on a
 * futex) keeps two threads at least as fast as one, so it is the default unless
 * the environment sets OMP_WAIT_POLICY. GNU libgomp reads the variable when it
 * loads, before main, so setting it here is too late for this process: the
 * binary runs itself again, once, with the variable set (the variable makes the
 * second run skip this). If the exec fails, the run goes on with the runtime's
 * own policy. */
static void default_passive_waits(char **argv) {
#ifdef _OPENMP
    if (getenv("OMP_WAIT_POLICY")) return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1)) return;
    execv("/proc/self/exe", argv);
#else
    (void)argv;
#endif
}

int main(int argc, char **argv) {
    default_passive_waits(argv);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        (!strcmp(argv[1], "help") && argc == 2)) {
        /* no command: the same map on stderr, then the one error line every usage error ends
         * with (scripts grep for "futurelm: error:"), exit 2 */
        usage(argc < 2 ? stderr : stdout);
        if (argc < 2) fputs("futurelm: error: no command given (pick one of the commands above)\n", stderr);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) argv[1] = "version";
    if (!strcmp(argv[1], "help")) { /* futurelm help CMD == futurelm CMD --help */
        const cli_command *c = find(argv[2]);
        char help_flag[] = "--help";
        char *args[] = {argv[2], help_flag, NULL};
        if (c) return c->run(2, args);
        argv[1] = argv[2];
    }
    const cli_command *c = find(argv[1]);
    if (c) return c->run(argc - 1, argv + 1);
    const char *names[N_COMMANDS];
    for (size_t i = 0; i < N_COMMANDS; i++) names[i] = COMMANDS[i].name;
    const char *near = fl_nearest(argv[1], names, N_COMMANDS);
    fprintf(stderr, "futurelm: error: unknown command '%s'", argv[1]);
    if (near) fprintf(stderr, "; did you mean '%s'?", near);
    fprintf(stderr, " (run 'futurelm --help' for the list)\n");
    return 2;
}
