/* futurelm train: a thin front end over fl_train_run (src/train/trainer.c). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "ckpt/run_dir.h"
#include "train/trainer.h"

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static const char ABOUT[] =
    "Trains a GPT or FTP model on shards made by 'futurelm prepare', or on llm.c's shards as they are\n"
    "(*_train*.bin, *_val*.bin; vocabulary from model.vocab_size or --tokenizer; docs/interop.md).\n"
    "Keys: model.*, ftp.*, train.* (docs/training.md). Checkpoints go to RUN_DIR/step_NNNNNNNN with\n"
    "RUN_DIR/latest pointing at the newest; metrics to RUN_DIR/metrics.jsonl. Ctrl-C finishes the step,\n"
    "writes a checkpoint, exits 0.";

static const char *const MODELS[] = {"gpt", "ftp", NULL};

int cmd_train(int argc, char **argv) {
    fl_train_options o = {0};
    int model = -1; /* not given: gpt, or a resumed run's own type */
    cli_list cfg = {0}; /* --config and --set in command-line order: later ones override earlier ones */
    const char *dump = NULL, *tok = NULL;
    const cli_opt opts[] = {
        {"data", 0, CLI_STRING, &o.data_dir, 0, 0, NULL, "DATA_DIR",
         "token shards (futurelm prepare's, or llm.c's); required, except\nwith --resume: then the data the run recorded", 0},
        {"tokenizer", 0, CLI_STRING, &tok, 0, 0, NULL, "TOK",
         "for llm.c shards without manifest.json: the tokenizer\nthe ids come from (its vocabulary sizes the model)", 0},
        {"out", 0, CLI_STRING, &o.run_dir, 0, 0, NULL, "RUN_DIR",
         "the run folder (checkpoints, metrics); required, except with\n--resume: then the resumed run's folder", 0},
        {"model", 0, CLI_CHOICE, &model, 0, 0, MODELS, "gpt|ftp", "the model type, and the defaults it brings (gpt)",
         0},
        {"config", 0, CLI_LIST, &cfg, 0, 0, NULL, "FILE", "JSON config: {\"model.n_layer\": 4} or nested objects", 0},
        {"set", 0, CLI_LIST, &cfg, 0, 0, NULL, "key=value", "one config key (repeatable)", 0},
        {"resume", 0, CLI_STRING, &o.resume, 0, 0, NULL, "CKPT|RUN_DIR",
         "continue a run exactly (a run dir means its latest checkpoint);\n--set train.* still applies", 0},
        {"init-from", 0, CLI_STRING, &o.init_from, 0, 0, NULL, "MODEL",
         "copy same-named tensors from a model: a checkpoint or run,\na Hugging Face GPT-2 folder, an llm.c .bin or a GGUF\n(a GPT initialises an FTP encoder)", 0},
        {"steps", 0, CLI_INT, &o.steps_this_run, 0, 1e9, NULL, "N",
         "stop after N steps of this invocation (with a checkpoint),\nkeeping the schedule of max_steps; 0: to "
         "train.max_steps", 0},
        {"dump-batches", 0, CLI_STRING, &dump, 0, 0, NULL, "FILE",
         "append every batch (int32 tokens) to FILE (the PyTorch reference test)", 0},
        {0},
    };
    const cli_spec spec = {"train", ABOUT, opts, NULL, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    char *run_dir = NULL;
    if (!o.data_dir && !o.resume) {
        cli_list_free(&cfg);
        return cli_usage_error(&spec, "missing --data DATA_DIR");
    }
    if (!o.run_dir && !o.resume) {
        cli_list_free(&cfg);
        return cli_usage_error(&spec, "missing --out RUN_DIR (or --resume RUN_DIR to continue a run in its folder)");
    }
    if (!o.run_dir && !(o.run_dir = run_dir = fl_ckpt_run_of(o.resume))) {
        cli_list_free(&cfg);
        return cli_usage_error(&spec, "--resume %s: a checkpoint outside a run folder (not RUN/step_N); give --out RUN_DIR",
                               o.resume);
    }
    cli_config cc;
    cli_config_init(&cc, model == 1 ? FL_MODEL_FTP : FL_MODEL_GPT);
    int rc = model >= 0 ? cli_config_set(&cc, model == 1 ? "model.type=ftp" : "model.type=gpt") : 0;
    if (!rc) rc = cli_config_apply_list(&cc, cfg.v, cfg.opt, cfg.n);
    if (!rc && dump && !(o.dump_batches = fopen(dump, "wb"))) rc = cli_error("cannot create %s", dump);
    o.vocab_from_data = !cc.vocab_set;
    o.tokenizer = tok; /* a shorthand (gpt2) is found by the loader */
    o.log = stderr;
    o.progress_bar = isatty(2);
    o.stop = &stop_requested;
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
    cli_list_free(&cfg);
    free(run_dir);
    return rc;
}
