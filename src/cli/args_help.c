/* --help of the table-driven option parser (args.h): the usage line, the
 * description, each option with the default its destination holds, the notes. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"

/* The destination's value before parsing, as --help shows it; 0 when there is none to show. */
static int default_text(const cli_opt *o, char *buf, size_t n) {
    if (o->flags & (CLI_NO_DEFAULT | CLI_REQUIRED)) return 0;
    switch (o->kind) {
    case CLI_STRING: {
        const char *v = *(const char *const *)o->dest;
        return v ? (snprintf(buf, n, "%s%s%s", v[0] ? "" : "\"", v, v[0] ? "" : "\""), 1) : 0;
    }
    case CLI_INT: return snprintf(buf, n, "%d", *(const int *)o->dest), 1;
    case CLI_LONG: return snprintf(buf, n, "%ld", *(const long *)o->dest), 1;
    case CLI_U64: return snprintf(buf, n, "%llu", (unsigned long long)*(const uint64_t *)o->dest), 1;
    case CLI_FLOAT: return snprintf(buf, n, "%g", (double)*(const float *)o->dest), 1;
    case CLI_DOUBLE:
    case CLI_FRACTION: return snprintf(buf, n, "%g", *(const double *)o->dest), 1;
    case CLI_CHOICE: {
        int k = *(const int *)o->dest, m = 0;
        while (o->choices[m]) m++;
        return k >= 0 && k < m ? (snprintf(buf, n, "%s", o->choices[k]), 1) : 0;
    }
    default: return 0;
    }
}

static void print_opt(FILE *f, const char *lhs, const char *help, const char *def) {
    const int col = 26;
    int w = fprintf(f, "  %s", lhs);
    if (w > col) fprintf(f, "\n%*s", col + 1, ""), w = col;
    fprintf(f, "%*s ", col - w, "");
    for (const char *p = help ? help : ""; *p;) { /* continuation lines line up under the first */
        size_t len = strcspn(p, "\n");
        fwrite(p, 1, len, f);
        p += len;
        if (*p == '\n' && p[1]) fprintf(f, "\n%*s", col + 1, "");
        if (*p) p++;
    }
    if (def) fprintf(f, " (default %s)", def);
    fputc('\n', f);
}

void cli_args_help(const cli_spec *s, FILE *f) {
    fprintf(f, "usage: futurelm %s", s->name);
    for (const cli_pos *p = s->pos; p && p->metavar; p++)
        fprintf(f, p->required ? " %s%s" : " [%s%s]", p->metavar, p->list ? "..." : "");
    for (const cli_opt *o = s->opts; o && o->name; o++)
        if (o->flags & CLI_REQUIRED) fprintf(f, " --%s %s%s", o->name, o->metavar, o->kind == CLI_PATHS ? "..." : "");
    fprintf(f, " [options]\n\n");
    if (s->about) fprintf(f, "%s\n\n", s->about);
    fprintf(f, "options:\n");
    for (const cli_opt *o = s->opts; o && o->name; o++) {
        char lhs[96], def[96];
        int n = o->short_name ? snprintf(lhs, sizeof lhs, "-%c, ", o->short_name) : 0;
        const char *mv = o->metavar ? o->metavar : o->kind == CLI_CHOICE ? "NAME" : "VALUE";
        snprintf(lhs + n, sizeof lhs - (size_t)n, cli_opt_takes_value(o) ? "--%s %s%s" : "--%s", o->name, mv,
                 o->kind == CLI_PATHS ? "..." : "");
        print_opt(f, lhs, o->help, default_text(o, def, sizeof def) ? def : NULL);
    }
    print_opt(f, "-h, --help", "print this help and exit", NULL);
    if (s->epilog) fprintf(f, "\n%s", s->epilog);
}
