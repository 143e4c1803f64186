/* One table-driven option parser for every subcommand.
 *
 * A command describes its options once, in a static cli_opt table, and that
 * table drives parsing, the errors and `--help`. Defaults are not written in
 * the table: --help prints each destination's value before parsing, which the
 * command fills from the library's *_default functions, so a default lives in
 * one place.
 *
 * cli_args_parse never exits: it returns CLI_ARGS_OK, CLI_ARGS_HELP (help was
 * printed to stdout) or CLI_ARGS_ERROR (a "futurelm: error: ..." line naming the
 * option, the value and the valid range was printed to stderr), and the command
 * returns cli_args_exit(status): 0 for --help, 2 for every usage error. */
#ifndef FL_CLI_ARGS_H
#define FL_CLI_ARGS_H
#include <stdint.h>
#include <stdio.h>

typedef enum {
    CLI_FLAG,     /* int *: set to 1; takes no value */
    CLI_STRING,   /* const char **: the value (the last one given wins) */
    CLI_INT,      /* int *: an integer in [lo, hi] */
    CLI_LONG,     /* long *: an integer in [lo, hi] */
    CLI_U64,      /* uint64_t *: a non-negative integer (in [lo, hi] when hi > 0) */
    CLI_FLOAT,    /* float *: a finite number (in [lo, hi] when lo < hi) */
    CLI_DOUBLE,   /* double *: a finite number (in [lo, hi] when lo < hi) */
    CLI_FRACTION, /* double *: a number in [0, 1) */
    CLI_CHOICE,   /* int *: the index of the value in choices */
    CLI_LIST,     /* cli_list *: every value, in order; several options may share one list */
    CLI_PATHS,    /* cli_list *: like CLI_LIST, and the words after the value up to the next "--" option too */
} cli_kind;

/* Values of CLI_LIST / CLI_PATHS options in command-line order. The strings
 * point into argv; opt[i] is the long name that gave v[i], so options sharing a
 * list (train's --config and --set) keep their relative order. */
typedef struct {
    const char **v;
    const char **opt;
    int n;
} cli_list;
void cli_list_free(cli_list *l);

/* Option flags. */
enum {
    CLI_REQUIRED = 1,   /* an error when absent; shown in the usage line */
    CLI_NO_DEFAULT = 2, /* the initial value is a sentinel ("not given"): --help does not print it */
};

typedef struct {
    const char *name;  /* long name without the dashes, e.g. "top-k"; NULL ends the table */
    char short_name;   /* e.g. 'k' for -k, or 0 */
    cli_kind kind;
    void *dest;
    double lo, hi;     /* range of numeric kinds (see cli_kind) */
    const char *const *choices; /* CLI_CHOICE: NULL-terminated names */
    const char *metavar;        /* the value's name in --help, e.g. "K" */
    const char *help;           /* may hold '\n' for more lines */
    int flags;
} cli_opt;

/* Positional arguments in order; the last may be repeatable (into a cli_list). */
typedef struct {
    const char *metavar;  /* NULL ends the table */
    const char **dest;    /* one word; or NULL with list set */
    cli_list *list;       /* every remaining word */
    int required;
} cli_pos;

typedef struct {
    const char *name;        /* "generate", "tokenizer encode": errors say "see futurelm NAME --help" */
    const char *about;       /* one paragraph under the usage line */
    const cli_opt *opts;
    const cli_pos *pos;      /* may be NULL */
    const char *epilog;      /* printed after the options, or NULL */
} cli_spec;

/* Every kind but CLI_FLAG takes a value. */
static inline int cli_opt_takes_value(const cli_opt *o) { return o->kind != CLI_FLAG; }

typedef enum { CLI_ARGS_OK = 0, CLI_ARGS_HELP = 1, CLI_ARGS_ERROR = 2 } cli_args_status;

/* Parses argv[1..argc) (argv[0] is the subcommand) into the table's destinations.
 * Unless it returns CLI_ARGS_OK, the lists it filled are already freed, so the
 * caller just returns cli_args_exit(status). */
cli_args_status cli_args_parse(const cli_spec *spec, int argc, char **argv);
/* A command's parsing step: parse, and on --help or a usage error return from the
 * command at once with its exit code (0 or 2). */
#define CLI_PARSE_OR_RETURN(spec, argc, argv)                                                                         \
    do {                                                                                                              \
        cli_args_status parse_status_ = cli_args_parse((spec), (argc), (argv));                                       \
        if (parse_status_ != CLI_ARGS_OK) return cli_args_exit(parse_status_);                                        \
    } while (0)
/* The exit code of a command whose parsing did not return CLI_ARGS_OK: 0 for help, 2 for errors. */
int cli_args_exit(cli_args_status st);
/* --help text: usage line, description, options with their current values as defaults. */
void cli_args_help(const cli_spec *spec, FILE *f);
/* A usage error after parsing (options that conflict, a value the library refuses):
 * prints "futurelm: error: MESSAGE (see futurelm NAME --help)" and returns 2. */
int cli_usage_error(const cli_spec *spec, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
