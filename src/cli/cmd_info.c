/* futurelm info CKPT: config, parameter count, step, tokens seen, last validation loss. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "ckpt/checkpoint.h"
#include "util/json.h"

int cmd_info(int argc, char **argv) {
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: futurelm info CKPT|RUN_DIR [--json]\n");
            return 0;
        }
        if (!strcmp(argv[i], "--json")) json = 1;
        else path = argv[i];
    }
    if (!path) return cli_error("usage: futurelm info CKPT [--json]");
    char *dir = fl_checkpoint_resolve(path);
    if (!dir) return cli_error("out of memory");
    fl_model *m;
    fl_error err = {0};
    if (ckpt_load_model(dir, &m, &err)) {
        free(dir);
        return cli_error("%s", err.msg);
    }
    /* state.json is optional here: without it (or when it is unreadable) step
     * and tokens print as 0 and the loss as none */
    fl_run_state rs;
    fl_run_state_init(&rs);
    fl_run_state_read(dir, &rs, &err);
    long step = rs.step > 0 ? rs.step : 0;
    long long tokens = rs.tokens_seen > 0 ? rs.tokens_seen : 0;
    double val = rs.last_val_loss >= 0 ? rs.last_val_loss : -1; /* NaN: no evaluation yet */
    fl_run_state_clear(&rs);
    const fl_model_config *c = fl_model_get_config(m);
    char buf[40][48];
    const char *meta[80];
    int n = ckpt_config_meta(c, buf, meta);
    if (json) {
        printf("{\"checkpoint\":");
        fl_json_write_string(stdout, dir, strlen(dir));
        printf(",\"parameters\":%zu,\"step\":%ld,\"tokens_seen\":%lld,\"last_val_loss\":", fl_model_num_params(m),
               step, tokens);
        if (val >= 0) printf("%.6f", val);
        else printf("null");
        printf(",\"config\":{");
        for (int i = 2; i < n; i++) printf("%s\"%s\":\"%s\"", i > 2 ? "," : "", meta[2 * i], meta[2 * i + 1]);
        printf("}}\n");
    } else {
        printf("checkpoint   %s\n", dir);
        for (int i = 2; i < n; i++) printf("%-16s %s\n", meta[2 * i], meta[2 * i + 1]);
        printf("parameters   %zu\nstep         %ld\ntokens seen  %lld\n", fl_model_num_params(m), step, tokens);
        if (val >= 0) printf("last val loss %.4f (next token)\n", val);
        else printf("last val loss (none yet)\n");
    }
    fl_model_free(m);
    free(dir);
    return 0;
}
