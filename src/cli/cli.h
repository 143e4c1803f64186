/* Shared declarations of the command-line front end. */
#ifndef FL_CLI_H
#define FL_CLI_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} cli_command;

/* One entry point per subcommand, each in src/cli/cmd_<name>.c. */
int cmd_init(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_tokenizer(int argc, char **argv);
int cmd_prepare(int argc, char **argv);
int cmd_countdown(int argc, char **argv);
int cmd_stargraph(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_fetch(int argc, char **argv);

#endif
