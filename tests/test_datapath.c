/* Where named data are found (util/datapath.h): $FUTURELM_DATA, then
 * $XDG_DATA_HOME/futurelm (a relative XDG_DATA_HOME ignored, ~/.local/share/futurelm
 * without it), then ./data; each named corpus (brown) and the gpt2 shorthand
 * through that order, an explicit --data-root as before, a missing set naming
 * every folder tried and the fetch command, and fetch's destination: the first
 * writable folder, nothing created by a dry run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "eval/measures/datasets.h"
#include "util/datapath.h"

static char top[128];

static void mk(const char *rel) { /* mkdir -p TOP/REL */
    char p[512];
    snprintf(p, sizeof p, "%s/%s", top, rel);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') *s = 0, mkdir(p, 0777), *s = '/';
    mkdir(p, 0777);
}
static void put(const char *rel, const char *text) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", top, rel);
    FILE *f = fopen(p, "wb");
    if (f) fputs(text, f), fclose(f);
}
/* a Brown-shaped set under TOP/ROOT/brown whose one genre is GENRE */
static void brown(const char *root, const char *genre) {
    char d[256], t[256];
    snprintf(d, sizeof d, "%s/brown/text", root);
    mk(d);
    snprintf(d, sizeof d, "%s/brown/labels.tsv", root);
    snprintf(t, sizeof t, "file\tgenre\tcoarse\nca01.txt\t%s\tpress\n", genre);
    put(d, t);
    snprintf(d, sizeof d, "%s/brown/text/ca01.txt", root);
    put(d, "some text of the set");
}
static const char *genre_found(const char *root) {
    static char g[64];
    fl_text_set s;
    fl_error err = {0};
    if (fl_text_set_load_named(root, "brown", &s, &err)) return snprintf(g, sizeof g, "error: %.50s", err.msg), g;
    snprintf(g, sizeof g, "%s", s.n_classes == 1 ? s.classes[0] : "?");
    fl_text_set_free(&s);
    return g;
}
static void env(const char *k, const char *rel) { /* rel NULL: unset; "/..." as is; else TOP/rel */
    char p[512];
    if (!rel) unsetenv(k);
    else snprintf(p, sizeof p, "%s%s%s", rel[0] == '/' ? "" : top, rel[0] == '/' ? "" : "/", rel), setenv(k, p, 1);
}

int main(void) {
    snprintf(top, sizeof top, "/tmp/fl_test_datapath.%d", (int)getpid());
    mk("cwd");
    if (chdir(top) || chdir("cwd")) return 1;
    env("HOME", "home");
    env("XDG_DATA_HOME", "xdg");
    env("FUTURELM_DATA", "fd");
    fl_error err = {0};

    brown("cwd/data", "cwd");
    check(!strcmp(genre_found(NULL), "cwd"), "brown: ./data when nothing else holds it", "got %s", genre_found(NULL));
    brown("home/.local/share/futurelm", "home");
    check(!strcmp(genre_found(NULL), "cwd"), "~/.local/share/futurelm is not searched while XDG_DATA_HOME is set",
          "got %s", genre_found(NULL));
    setenv("XDG_DATA_HOME", "relative/xdg", 1);
    check(!strcmp(genre_found(NULL), "home"), "a relative XDG_DATA_HOME is ignored: ~/.local/share/futurelm",
          "got %s", genre_found(NULL));
    env("XDG_DATA_HOME", "xdg");
    brown("xdg/futurelm", "xdg");
    check(!strcmp(genre_found(NULL), "xdg"), "$XDG_DATA_HOME/futurelm before ./data", "got %s", genre_found(NULL));
    brown("fd", "fd");
    check(!strcmp(genre_found(NULL), "fd"), "$FUTURELM_DATA before the per-user folder", "got %s", genre_found(NULL));
    check(!strcmp(genre_found("data"), "cwd"), "an explicit root (--data-root data) is used as given",
          "got %s", genre_found("data"));
    char *path = NULL;
    fl_status st = fl_datapath_find("spam-assassin", &path, &err);
    char want[1024];
    snprintf(want, sizeof want,
             "spam-assassin not found (fetch it with: futurelm fetch spam-assassin); looked in %s/fd ($FUTURELM_DATA), "
             "%s/xdg/futurelm ($XDG_DATA_HOME/futurelm), data (under the current folder)",
             top, top);
    check(st == FL_ERR_IO && !path && !strcmp(err.msg, want), "a missing set names every folder and the fetch command",
          "%s", err.msg);
    fl_text_set s;
    st = fl_text_set_load_named(NULL, "spam-assassin", &s, &err);
    check(st == FL_ERR_IO && strstr(err.msg, "futurelm fetch spam-assassin"), "... as the named-set loader says",
          "%s", err.msg);

    /* the gpt2 shorthand: a file of that name here wins, as before; else the search */
    mk("xdg/futurelm/gpt-tokenizer");
    put("xdg/futurelm/gpt-tokenizer/r50k_base.tiktoken", "");
    st = fl_datapath_tokenizer("gpt2", &path, &err);
    snprintf(want, sizeof want, "%s/xdg/futurelm/gpt-tokenizer/r50k_base.tiktoken", top);
    check(!st && path && !strcmp(path, want), "gpt2 is the rank file of the first folder holding gpt-tokenizer/",
          "%s", path ? path : err.msg);
    free(path);
    put("cwd/gpt2", "");
    st = fl_datapath_tokenizer("gpt2", &path, &err);
    check(!st && !path, "a file named gpt2 in the current folder is used as it is", "%s", path ? path : "");
    st = fl_datapath_tokenizer("my.tiktoken", &path, &err);
    check(!st && !path, "a tokenizer file name is never searched for", "%s", path ? path : "");
    env("XDG_DATA_HOME", "xdg2");
    st = fl_datapath_tokenizer("r50k_base", &path, &err);
    check(st == FL_ERR_IO && strstr(err.msg, "tokenizer 'r50k_base'") && strstr(err.msg, "futurelm fetch gpt-tokenizer"),
          "a missing r50k_base names the fetch command", "%s", err.msg);

    /* fetch's destination */
    char *dir = NULL;
    env("FUTURELM_DATA", "new/fd");
    st = fl_datapath_dest(NULL, 0, &dir, &err);
    snprintf(want, sizeof want, "%s/new/fd", top);
    struct stat sb;
    check(!st && dir && !strcmp(dir, want) && stat(want, &sb) != 0, "dest: $FUTURELM_DATA, created only when asked",
          "%s", dir ? dir : err.msg);
    free(dir);
    st = fl_datapath_dest(NULL, 1, &dir, &err);
    check(!st && stat(want, &sb) == 0 && S_ISDIR(sb.st_mode), "... and created when asked", "%s", err.msg);
    free(dir);
    put("file", "x");
    env("FUTURELM_DATA", "file/fd"); /* under a plain file: cannot be a folder */
    st = fl_datapath_dest(NULL, 0, &dir, &err);
    snprintf(want, sizeof want, "%s/xdg2/futurelm", top);
    check(!st && dir && !strcmp(dir, want), "dest: the per-user folder when $FUTURELM_DATA cannot be one", "%s",
          dir ? dir : err.msg);
    free(dir);
    snprintf(want, sizeof want, "%s/file/x", top);
    st = fl_datapath_dest(want, 0, &dir, &err);
    check(st == FL_ERR_IO && !dir && strstr(err.msg, "/file/x: cannot create") && strstr(err.msg, "(Not a directory)"),
          "--dest under a file is refused, saying why (the failing call's errno)", "%s", err.msg);

    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", top);
    return check_exit();
}
