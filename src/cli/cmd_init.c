/* futurelm init: a freshly initialised checkpoint (model.safetensors + state.json). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"

int cmd_init(int argc, char **argv) {
    fl_model_type type = FL_MODEL_GPT;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: futurelm init --model gpt|ftp [--config FILE] [--set key=value ...] --out CKPT\n"
                   "Writes a checkpoint directory with DESIGN.md's initialisation drawn from train.seed.\n");
            return 0;
        }
        if (!strcmp(argv[i], "--model") && i + 1 < argc) {
            if (strcmp(argv[i + 1], "gpt") && strcmp(argv[i + 1], "ftp")) return cli_error("--model must be gpt or ftp");
            type = !strcmp(argv[i + 1], "ftp") ? FL_MODEL_FTP : FL_MODEL_GPT;
        }
    }
    cli_config cc;
    cli_config_init(&cc, type);
    int rc = 0;
    for (int i = 1; i < argc && !rc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) rc = cli_error("%s needs a value (see futurelm init --help)", a);
        else if (!strcmp(a, "--model")) continue;
        else if (!strcmp(a, "--config")) rc = cli_config_file(&cc, v);
        else if (!strcmp(a, "--set")) rc = cli_config_set(&cc, v);
        else if (!strcmp(a, "--out")) out = v;
        else rc = cli_error("unknown option %s (see futurelm init --help)", a);
    }
    if (!rc && !out) rc = cli_error("--out CKPT is required");
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
    return rc;
}
