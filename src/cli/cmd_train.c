/* futurelm train: a thin front end over fl_train_run (src/train/trainer.c). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "train/trainer.h"

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: futurelm train --data DATA_DIR --out RUN_DIR [--model gpt|ftp] [--config FILE]\n"
            "                      [--set key=value ...] [--resume CKPT|RUN_DIR] [--init-from CKPT] [--steps N]\n\n"
            "Trains a GPT or FTP model on shards made by 'futurelm prepare'. Keys: model.*, ftp.*, train.*\n"
            "(docs/training.md). Checkpoints go to RUN_DIR/step_NNNNNNNN with RUN_DIR/latest pointing at the\n"
            "newest; metrics to RUN_DIR/metrics.jsonl. Ctrl-C finishes the step, writes a checkpoint, exits 0.\n"
            "  --resume     continue a run exactly (a run dir means its latest checkpoint); --set train.* still applies\n"
            "  --init-from  copy same-named tensors from a checkpoint (a GPT checkpoint initialises an FTP encoder)\n"
            "  --steps N    stop after N steps of this invocation (with a checkpoint), keeping the schedule of max_steps\n"
            "  --dump-batches FILE  append every batch (int32 tokens) to FILE (used by the PyTorch reference test)\n");
}

int cmd_train(int argc, char **argv) {
    cli_config cc;
    fl_model_type type = FL_MODEL_GPT;
    for (int i = 1; i < argc - 1; i++)
        if (!strcmp(argv[i], "--model")) type = !strcmp(argv[i + 1], "ftp") ? FL_MODEL_FTP : FL_MODEL_GPT;
    cli_config_init(&cc, type);
    fl_train_options o = {0};
    o.log = stderr;
    o.progress_bar = isatty(2);
    o.stop = &stop_requested;
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            cli_config_free(&cc);
            return 0;
        }
        if (!v) { rc = cli_error("%s needs a value (see futurelm train --help)", a); break; }
        if (!strcmp(a, "--model")) {
            char kv[32];
            snprintf(kv, sizeof kv, "model.type=%s", v);
            if (strcmp(v, "gpt") && strcmp(v, "ftp")) rc = cli_error("--model must be gpt or ftp");
            else rc = cli_config_set(&cc, kv);
        } else if (!strcmp(a, "--config")) rc = cli_config_file(&cc, v);
        else if (!strcmp(a, "--set")) rc = cli_config_set(&cc, v);
        else if (!strcmp(a, "--data")) o.data_dir = v;
        else if (!strcmp(a, "--out")) o.run_dir = v;
        else if (!strcmp(a, "--resume")) o.resume = v;
        else if (!strcmp(a, "--init-from")) o.init_from = v;
        else if (!strcmp(a, "--steps")) o.steps_this_run = atoi(v);
        else if (!strcmp(a, "--dump-batches")) { /* for the PyTorch reference trainer test */
            if (!(o.dump_batches = fopen(v, "wb"))) rc = cli_error("cannot create %s", v);
        }
        else rc = cli_error("unknown option %s (see futurelm train --help)", a);
        i++;
    }
    if (!rc && (!o.data_dir || !o.run_dir)) rc = cli_error("--data and --out are required (see futurelm train --help)");
    if (!rc) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        fl_error err = {0};
        if (fl_train_run(&cc.model, &cc.train, cc.sets, cc.n_sets, &o, &err)) rc = cli_error("%s", err.msg);
    }
    if (o.dump_batches) fclose(o.dump_batches);
    cli_config_free(&cc);
    return rc;
}
