/* futurelm info CKPT: config, parameter count, step, tokens seen, last validation loss. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "ckpt/checkpoint.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

static const char ABOUT[] =
    "Prints what a checkpoint holds: its folder, the model's config (model_type, model.*, and for FTP\n"
    "ftp.*), the parameter count, the training step, the tokens seen and the last validation next-token\n"
    "loss. A run folder means its latest checkpoint. Without state.json (a hand-made checkpoint) step\n"
    "and tokens are 0 and there is no loss; a state.json that cannot be read is an error.\n"
    "--json prints one object: {\"checkpoint\", \"parameters\", \"step\", \"tokens_seen\",\n"
    "\"last_val_loss\" (null before any evaluation), \"config\": {key: value}}, numbers as JSON numbers.";

/* A config value as text: ftp.gamma with the fewest digits that read back as the
 * same float (0.8, not the stored 0.800000012); the integer keys as stored. */
static const char *value_text(const char *key, const char *stored, char *buf, size_t n) {
    if (strcmp(key, "ftp.gamma")) return stored;
    float g = strtof(stored, NULL);
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(buf, n, "%.*g", digits, (double)g);
        if (strtof(buf, NULL) == g) break;
    }
    return buf;
}

int cmd_info(int argc, char **argv) {
    const char *path = NULL;
    int json = 0;
    const cli_opt opts[] = {
        {"json", 0, CLI_FLAG, &json, 0, 0, NULL, NULL, "print one JSON object instead of lines", 0},
        {0},
    };
    const cli_pos pos[] = {{"CKPT|RUN_DIR", &path, NULL, 1}, {0}};
    const cli_spec spec = {"info", ABOUT, opts, pos, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    char *dir = fl_checkpoint_resolve(path);
    if (!dir) return cli_error("out of memory");
    fl_model *m;
    fl_error err = {0};
    if (fli_ckpt_load_model(dir, &m, &err)) {
        free(dir);
        return cli_error("%s", err.msg);
    }
    fl_run_state rs;
    fl_run_state_init(&rs);
    char *sp = fl_path_join(dir, "state.json");
    fl_status st = FL_OK;
    if (!sp) st = fl_fail(&err, FL_ERR_NOMEM, "out of memory");
    else if (access(sp, F_OK) == 0 || errno != ENOENT) st = fl_run_state_read(dir, &rs, &err);
    free(sp);
    if (st) {
        fl_model_free(m);
        free(dir);
        return cli_error("%s", err.msg);
    }
    long step = rs.step > 0 ? rs.step : 0;
    long long tokens = rs.tokens_seen > 0 ? rs.tokens_seen : 0;
    double val = rs.last_val_loss >= 0 ? rs.last_val_loss : -1; /* NaN: no evaluation yet */
    fl_run_state_clear(&rs);
    const fl_model_config *c = fl_model_get_config(m);
    char buf[40][48], vbuf[32];
    const char *meta[80];
    int n = fli_ckpt_config_meta(c, buf, meta);
    if (json) {
        printf("{\"checkpoint\":");
        fl_json_write_string(stdout, dir, strlen(dir));
        printf(",\"parameters\":%zu,\"step\":%ld,\"tokens_seen\":%lld,\"last_val_loss\":", fl_model_num_params(m),
               step, tokens);
        if (val >= 0) printf("%.6f", val);
        else printf("null");
        printf(",\"config\":{");
        for (int i = 2; i < n; i++) { /* model_type is the one string; every other value is a number */
            const char *k = meta[2 * i], *v = value_text(k, meta[2 * i + 1], vbuf, sizeof vbuf);
            printf(strcmp(k, "model_type") ? "%s\"%s\":%s" : "%s\"%s\":\"%s\"", i > 2 ? "," : "", k, v);
        }
        printf("}}\n");
    } else {
        printf("checkpoint   %s\n", dir);
        for (int i = 2; i < n; i++)
            printf("%-16s %s\n", meta[2 * i], value_text(meta[2 * i], meta[2 * i + 1], vbuf, sizeof vbuf));
        printf("parameters   %zu\nstep         %ld\ntokens seen  %lld\n", fl_model_num_params(m), step, tokens);
        if (val >= 0) printf("last val loss %.4f (next token)\n", val);
        else printf("last val loss (none yet)\n");
    }
    fl_model_free(m);
    free(dir);
    return 0;
}
