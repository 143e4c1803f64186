/* The table-driven option parser (args.h). Value checks reuse cli_parse_* of
 * options.c so every subcommand words a bad number the same way. */
#include "cli/args.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "util/suggest.h"

void cli_list_free(cli_list *l) {
    free(l->v);
    free(l->opt);
    memset(l, 0, sizeof *l);
}

/* Grows by one; the arrays stay sized to n so cli_list_free is all a caller needs. */
static int list_push(cli_list *l, const char *opt, const char *v) {
    const char **nv = realloc(l->v, sizeof *nv * (size_t)(l->n + 1));
    if (!nv) return cli_error("out of memory");
    l->v = nv;
    const char **no = realloc(l->opt, sizeof *no * (size_t)(l->n + 1));
    if (!no) return cli_error("out of memory");
    l->opt = no;
    l->v[l->n] = v;
    l->opt[l->n] = opt;
    l->n++;
    return 0;
}

int cli_args_exit(cli_args_status st) { return st == CLI_ARGS_ERROR ? 2 : 0; }

int cli_usage_error(const cli_spec *spec, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "futurelm: error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see futurelm %s --help)\n", spec->name);
    va_end(ap);
    return 2;
}


static const cli_opt *find_long(const cli_spec *s, const char *name, size_t len) {
    for (const cli_opt *o = s->opts; o && o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, name, len)) return o;
    return NULL;
}

static const cli_opt *find_short(const cli_spec *s, char c) {
    for (const cli_opt *o = s->opts; o && o->name; o++)
        if (o->short_name && o->short_name == c) return o;
    return NULL;
}

static int unknown_option(const cli_spec *s, const char *arg) {
    const char *names[128];
    size_t n = 0;
    for (const cli_opt *o = s->opts; o && o->name && n < 128; o++) names[n++] = o->name;
    char word[64];
    const char *w = arg + (arg[1] == '-' ? 2 : 1);
    size_t wl = strcspn(w, "=");
    snprintf(word, sizeof word, "%.*s", (int)(wl < 63 ? wl : 63), w);
    const char *near = fl_nearest(word, names, n);
    if (near) return cli_usage_error(s, "unknown option %s; did you mean --%s?", arg, near);
    return cli_usage_error(s, "unknown option %s", arg);
}

/* Stores v into o's destination; the error names the option and the valid range. */
static int store(const cli_opt *o, const char *v) {
    char opt[80];
    snprintf(opt, sizeof opt, "--%s", o->name);
    long x;
    double d;
    uint64_t u;
    int ranged = o->lo < o->hi;
    switch (o->kind) {
    case CLI_FLAG: *(int *)o->dest = 1; return 0;
    case CLI_STRING: *(const char **)o->dest = v; return 0;
    case CLI_INT:
    case CLI_LONG:
        if (cli_parse_long(opt, v, ranged ? (long)o->lo : (o->kind == CLI_INT ? -2147483647L - 1 : -0x7fffffffffffffffL - 1),
                           ranged ? (long)o->hi : (o->kind == CLI_INT ? 2147483647L : 0x7fffffffffffffffL), &x))
            return 1;
        if (o->kind == CLI_INT) *(int *)o->dest = (int)x;
        else *(long *)o->dest = x;
        return 0;
    case CLI_U64:
        if (cli_parse_u64(opt, v, &u)) return 1;
        if (o->hi > 0 && ((double)u < o->lo || (double)u > o->hi))
            return cli_error("%s '%s': need an integer in %.0f..%.0f", opt, v, o->lo, o->hi);
        *(uint64_t *)o->dest = u;
        return 0;
    case CLI_FLOAT:
    case CLI_DOUBLE:
        /* a float's default range is float's own, so the cast below never gives inf */
        if (cli_parse_double(opt, v, ranged ? o->lo : o->kind == CLI_FLOAT ? -FLT_MAX : -HUGE_VAL,
                             ranged ? o->hi : o->kind == CLI_FLOAT ? FLT_MAX : HUGE_VAL, &d))
            return 1;
        if (o->kind == CLI_FLOAT) *(float *)o->dest = (float)d;
        else *(double *)o->dest = d;
        return 0;
    case CLI_FRACTION: return cli_parse_fraction(opt, v, (double *)o->dest);
    case CLI_CHOICE: {
        for (int i = 0; o->choices[i]; i++)
            if (!strcmp(o->choices[i], v)) {
                *(int *)o->dest = i;
                return 0;
            }
        char want[256] = "";
        size_t n = 0;
        for (int i = 0; o->choices[i]; i++) n++;
        for (size_t i = 0; i < n; i++) {
            size_t at = strlen(want);
            snprintf(want + at, sizeof want - at, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", o->choices[i]);
        }
        return cli_error("%s '%s': need %s", opt, v, want);
    }
    case CLI_LIST:
    case CLI_PATHS: return list_push((cli_list *)o->dest, o->name, v);
    }
    return 1;
}

static int missing_required(const cli_spec *s, const unsigned char *given) {
    int i = 0;
    for (const cli_opt *o = s->opts; o && o->name; o++, i++)
        if ((o->flags & CLI_REQUIRED) && !given[i])
            return cli_usage_error(s, "missing --%s %s", o->name, o->metavar ? o->metavar : "");
    return 0;
}

static cli_args_status parse(const cli_spec *s, int argc, char **argv) {
    unsigned char given[128] = {0}; /* which options appeared (a table has far fewer than 128) */
    const cli_pos *pos = s->pos;
    int npos = 0, options_done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || !a[1]) { /* a positional ("-" is one: stdin) */
            const cli_pos *p = pos && pos[npos].metavar ? &pos[npos] : NULL;
            if (!p) return cli_usage_error(s, "unexpected argument '%s'", a), CLI_ARGS_ERROR;
            if (p->list) {
                if (list_push(p->list, p->metavar, a)) return CLI_ARGS_ERROR;
            } else {
                *p->dest = a;
                npos++;
            }
            continue;
        }
        if (!strcmp(a, "--")) { options_done = 1; continue; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            cli_args_help(s, stdout);
            return CLI_ARGS_HELP;
        }
        const cli_opt *o;
        const char *v = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            o = find_long(s, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
            if (eq) v = eq + 1;
        } else {
            o = a[2] ? NULL : find_short(s, a[1]);
        }
        if (!o) return unknown_option(s, a), CLI_ARGS_ERROR;
        given[o - s->opts < 128 ? o - s->opts : 127] = 1;
        if (!cli_opt_takes_value(o)) {
            if (v) return cli_usage_error(s, "--%s takes no value", o->name), CLI_ARGS_ERROR;
            *(int *)o->dest = 1;
            continue;
        }
        if (!v) {
            if (i + 1 >= argc) return cli_usage_error(s, "%s needs a value", a), CLI_ARGS_ERROR;
            v = argv[++i];
        }
        if (store(o, v)) return CLI_ARGS_ERROR;
        if (o->kind == CLI_PATHS) /* --input a b c: the words up to the next option */
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2))
                if (store(o, argv[++i])) return CLI_ARGS_ERROR;
    }
    for (; pos && pos[npos].metavar; npos++)
        if (pos[npos].required && !(pos[npos].list && pos[npos].list->n))
            return cli_usage_error(s, "missing %s", pos[npos].metavar), CLI_ARGS_ERROR;
    if (missing_required(s, given)) return CLI_ARGS_ERROR;
    return CLI_ARGS_OK;
}

/* On --help or an error the command returns at once, so the lists parsing filled
 * are freed here: a command needs no clean-up on that path. */
cli_args_status cli_args_parse(const cli_spec *s, int argc, char **argv) {
    cli_args_status st = parse(s, argc, argv);
    if (st == CLI_ARGS_OK) return st;
    for (const cli_opt *o = s->opts; o && o->name; o++)
        if (o->kind == CLI_LIST || o->kind == CLI_PATHS) cli_list_free((cli_list *)o->dest);
    for (const cli_pos *p = s->pos; p && p->metavar; p++)
        if (p->list) cli_list_free(p->list);
    return st;
}
