/* Shared declarations of the command-line front end. */
#ifndef FL_CLI_H
#define FL_CLI_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} cli_command;

/* One entry point per subcommand, each in src/cli/cmd_<name>.c. */
int cmd_info(int argc, char **argv);

#endif
