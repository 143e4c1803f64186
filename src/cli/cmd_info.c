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
    char dir[4200];
    ckpt_resolve(path, dir, sizeof dir);
    fl_model *m;
    fl_error err = {0};
    if (ckpt_load_model(dir, &m, &err)) return cli_error("%s", err.msg);
    char *state = NULL;
    double step = 0, tokens = 0, val = -1;
    if (!ckpt_read_state(dir, &state, &err)) {
        fl_json_doc *doc = fl_json_parse(state, strlen(state), NULL, 0);
        const fl_json *r = fl_json_root(doc), *v;
        if ((v = fl_json_get(r, "step")) && v->type == FL_JSON_NUMBER) step = v->num;
        if ((v = fl_json_get(r, "tokens_seen")) && v->type == FL_JSON_NUMBER) tokens = v->num;
        if ((v = fl_json_get(fl_json_get(r, "metrics"), "last_val_loss")) && v->type == FL_JSON_NUMBER) val = v->num;
        fl_json_free(doc);
        free(state);
    }
    const fl_model_config *c = fl_model_get_config(m);
    char buf[40][48];
    const char *meta[80];
    int n = ckpt_config_meta(c, buf, meta);
    if (json) {
        printf("{\"checkpoint\":");
        fl_json_write_string(stdout, dir, strlen(dir));
        printf(",\"parameters\":%zu,\"step\":%.0f,\"tokens_seen\":%.0f,\"last_val_loss\":", fl_model_num_params(m),
               step, tokens);
        if (val >= 0) printf("%.6f", val);
        else printf("null");
        printf(",\"config\":{");
        for (int i = 2; i < n; i++) printf("%s\"%s\":\"%s\"", i > 2 ? "," : "", meta[2 * i], meta[2 * i + 1]);
        printf("}}\n");
    } else {
        printf("checkpoint   %s\n", dir);
        for (int i = 2; i < n; i++) printf("%-16s %s\n", meta[2 * i], meta[2 * i + 1]);
        printf("parameters   %zu\nstep         %.0f\ntokens seen  %.0f\n", fl_model_num_params(m), step, tokens);
        if (val >= 0) printf("last val loss %.4f (next token)\n", val);
        else printf("last val loss (none yet)\n");
    }
    fl_model_free(m);
    return 0;
}
