/* Shared option handling: --config FILE (JSON, dotted or nested keys) and
 * --set key=value, routed to the model (model.*, ftp.*) or training (train.*). */
#ifndef FL_CLI_OPTIONS_H
#define FL_CLI_OPTIONS_H
#include <stdint.h>

#include "futurelm.h"
#include "train/train_config.h"

#define CLI_MAX_SETS 128
typedef struct {
    fl_model_config model;
    fl_train_config train;
    const char *sets[2 * CLI_MAX_SETS]; /* key, value pairs given with --set (after the config file) */
    int n_sets;
    char *owned[2 * CLI_MAX_SETS];
    int n_owned;
    int vocab_set; /* model.vocab_size came from the user (--config or --set), not the default */
} cli_config;

void cli_config_init(cli_config *c, fl_model_type type);
/* Applies a JSON config file: {"model.n_layer": 4} or {"model": {"n_layer": 4}}. */
int cli_config_file(cli_config *c, const char *path);
/* Applies one "key=value". */
int cli_config_set(cli_config *c, const char *kv);
/* Applies a --config / --set list (cli/args.h) in command-line order, so later
 * entries override earlier ones; returns 0, or 1 after printing the error. */
int cli_config_apply_list(cli_config *c, const char *const *v, const char *const *opt, int n);
void cli_config_free(cli_config *c);
/* Prints "futurelm: error: ..." and returns 1. */
int cli_error(const char *fmt, ...);

/* Strict parsing of an option's value: the whole text must be a number in
 * range, or the error names the option, the value and the range (returns 1). */
int cli_parse_long(const char *opt, const char *v, long lo, long hi, long *out);
int cli_parse_double(const char *opt, const char *v, double lo, double hi, double *out);
int cli_parse_u64(const char *opt, const char *v, uint64_t *out);
/* A share in [0, 1), e.g. --val-fraction. */
int cli_parse_fraction(const char *opt, const char *v, double *out);
#endif
