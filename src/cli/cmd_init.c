/* futurelm init: a freshly initialised checkpoint (model.safetensors + state.json). */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"

static const char ABOUT[] =
    "Writes a checkpoint folder CKPT (model.safetensors, and state.json at step 0) with docs/design.md's\n"
    "initialisation drawn from train.seed. Keys: model.*, ftp.*, train.seed (docs/training.md).\n"
    "CKPT may be new, an empty folder, or a checkpoint folder futurelm wrote (nothing in it but\n"
    "model.safetensors, optimizer.safetensors and state.json), which is replaced. Anything else there\n"
    "(a folder with other files, a plain file, a symbolic link) is refused and left untouched.";

static const char *const MODELS[] = {"gpt", "ftp", NULL};

int cmd_init(int argc, char **argv) {
    int model = 0;
    const char *out = NULL;
    cli_list cfg = {0}; /* --config and --set in command-line order: later ones override earlier ones */
    const cli_opt opts[] = {
        {"out", 0, CLI_STRING, &out, 0, 0, NULL, "CKPT", "the checkpoint folder to write", CLI_REQUIRED},
        {"model", 0, CLI_CHOICE, &model, 0, 0, MODELS, "gpt|ftp", "the model type, and the defaults it brings", 0},
        {"config", 0, CLI_LIST, &cfg, 0, 0, NULL, "FILE", "JSON config: {\"model.n_layer\": 4} or nested objects", 0},
        {"set", 0, CLI_LIST, &cfg, 0, 0, NULL, "key=value", "one config key (repeatable)", 0},
        {0},
    };
    const cli_spec spec = {"init", ABOUT, opts, NULL, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    cli_config cc;
    cli_config_init(&cc, model == 1 ? FL_MODEL_FTP : FL_MODEL_GPT);
    int rc = 0;
    if (!rc) rc = cli_config_apply_list(&cc, cfg.v, cfg.opt, cfg.n);
    fl_model *m = NULL;
    fl_error err = {0};
    if (!rc && fl_model_create(&cc.model, &m, &err)) rc = cli_error("%s", err.msg);
    if (!rc) {
        fl_model_init_weights(m, (uint64_t)cc.train.seed);
        fl_run_state state; /* a checkpoint before any training step */
        fl_run_state_init(&state);
        state.step = 0;
        state.tokens_seen = 0;
        if (fl_checkpoint_save(out, m, NULL, &state, &err))
            rc = cli_error("%s", err.msg);
        else
            printf("wrote %s (%s, %zu parameters)\n", out, cc.model.type == FL_MODEL_FTP ? "ftp" : "gpt",
                   fl_model_num_params(m));
    }
    fl_model_free(m);
    cli_config_free(&cc);
    cli_list_free(&cfg);
    return rc;
}
