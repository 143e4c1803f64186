/* futurelm eval lens|collapse|cka|neurons: the top-layer instruments, a
 * table of their own beside cmd_eval.c's (src/eval/measures/toplayer.h). */
#ifndef FL_CLI_CMD_EVAL_TOP_H
#define FL_CLI_CMD_EVAL_TOP_H
#include <stdio.h>

/* Whether `name` is one of these subcommands. */
int cmd_eval_top_has(const char *name);
/* Their lines of `futurelm eval --help`. */
void cmd_eval_top_overview(FILE *f);
/* Runs `futurelm eval NAME ...` (argv[1] is NAME); the exit code. */
int cmd_eval_top(int argc, char **argv);

#endif
