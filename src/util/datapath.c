#include "util/datapath.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"

void fl_datapath_free(fl_datapath *p) {
    for (int i = 0; i < p->n; i++) free(p->dir[i]);
    p->n = 0;
}

static fl_status add(fl_datapath *p, char *dir, const char *from, fl_error *err) {
    if (!dir) {
        fl_datapath_free(p);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    p->dir[p->n] = dir;
    p->from[p->n++] = from;
    return FL_OK;
}

fl_status fl_datapath_init(fl_datapath *p, fl_error *err) {
    p->n = 0;
    const char *env = getenv("FUTURELM_DATA"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    fl_status st = FL_OK;
    if (env && env[0]) st = add(p, strdup(env), "$FUTURELM_DATA", err);
    /* the XDG base-directory spec: a relative XDG_DATA_HOME is invalid and ignored */
    if (!st && xdg && xdg[0] == '/') st = add(p, fl_path_join(xdg, "futurelm"), "$XDG_DATA_HOME/futurelm", err);
    else if (!st && home && home[0])
        st = add(p, fl_path_join(home, ".local/share/futurelm"), "the per-user folder", err);
    /* relative, so what a run records stays "data/..." as it always was in a checkout */
    if (!st) st = add(p, strdup("data"), "under the current folder", err);
    return st;
}

const char *fl_datapath_set_of(const char *name) {
    return fl_datapath_tokenizer_rel(name) ? "gpt-tokenizer" : name;
}

const char *fl_datapath_tokenizer_rel(const char *name) {
    return !strcmp(name, "gpt2") || !strcmp(name, "r50k_base") ? "gpt-tokenizer/r50k_base.tiktoken" : NULL;
}

fl_status fl_datapath_find(const char *rel, char **path, fl_error *err) {
    *path = NULL;
    fl_datapath p;
    fl_status st = fl_datapath_init(&p, err);
    if (st) return st;
    char tried[FL_ERROR_MSG_LEN] = "";
    for (int i = 0; i < p.n && !*path; i++) {
        char *cand = fl_path_join(p.dir[i], rel);
        if (!cand) {
            st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
            break;
        }
        if (access(cand, F_OK) == 0) *path = cand;
        else free(cand);
        size_t used = strlen(tried);
        snprintf(tried + used, sizeof tried - used, "%s%s (%s)", i ? ", " : "", p.dir[i], p.from[i]);
    }
    fl_datapath_free(&p);
    if (st || *path) return st;
    /* the set is REL's first component: the folder get-data.sh creates */
    size_t set_len = strcspn(rel, "/");
    /* the command first: a long folder list may be cut at the message's length, never the command */
    return fl_fail(err, FL_ERR_IO, "%s not found (fetch it with: futurelm fetch %.*s); looked in %s%s", rel,
                   (int)set_len, rel, tried,
                   getenv("FUTURELM_DATA") && getenv("FUTURELM_DATA")[0] ? "" : " ($FUTURELM_DATA is not set)");
}

fl_status fl_datapath_set_dir(const char *root, const char *set, char **dir, fl_error *err) {
    if (!root) return fl_datapath_find(set, dir, err);
    *dir = fl_path_join(root, set);
    return *dir ? FL_OK : fl_fail(err, FL_ERR_NOMEM, "out of memory");
}

fl_status fl_datapath_tokenizer(const char *name, char **path, fl_error *err) {
    *path = NULL;
    const char *rel = fl_datapath_tokenizer_rel(name);
    if (!rel || access(name, F_OK) == 0) return FL_OK; /* a file of that name here wins, as before */
    fl_status st = fl_datapath_find(rel, path, err);
    if (st) {
        char why[FL_ERROR_MSG_LEN];
        snprintf(why, sizeof why, "%s", err ? err->msg : "");
        return fl_fail(err, st, "tokenizer '%s' (GPT-2's vocabulary): %s", name, why);
    }
    return FL_OK;
}

/* DIR is a writable folder, or could be created as one (its nearest existing
 * ancestor is a writable folder); with create, it is then made. */
/* 0 when DIR is (or, with create, can be made) a folder we may write; else the
 * errno that says why, taken where the failing call set it (free and the other
 * calls after it may change errno). */
static int writable_dir(const char *dir, int create) {
    char *p = strdup(dir);
    struct stat s;
    int why = p ? 0 : ENOMEM;
    for (size_t n = p ? strlen(p) : 0; p; n = strlen(p)) {
        if (stat(p, &s) == 0) {
            why = !S_ISDIR(s.st_mode) ? ENOTDIR : access(p, W_OK | X_OK) == 0 ? 0 : errno;
            break;
        }
        while (n > 1 && p[n - 1] == '/') p[--n] = 0; /* "a/b/" -> "a/b" */
        char *slash = strrchr(p, '/');
        if (!slash) { /* a relative path with no existing component: the current folder */
            why = access(".", W_OK | X_OK) == 0 ? 0 : errno;
            break;
        }
        slash[slash == p] = 0; /* "/a" -> "/" */
    }
    free(p);
    if (!why && create) {
        char *probe = fl_path_join(dir, ".");
        if (!probe) why = ENOMEM;
        else if (fl_make_parents(probe) != 0 || stat(dir, &s) != 0) why = errno;
        else if (!S_ISDIR(s.st_mode)) why = ENOTDIR;
        free(probe);
    }
    return why;
}

fl_status fl_datapath_dest(const char *dest, int create, char **dir, fl_error *err) {
    *dir = NULL;
    if (dest) {
        int why = writable_dir(dest, create);
        if (why) return fl_fail(err, FL_ERR_IO, "--dest %s: cannot create or write that folder (%s)", dest, strerror(why));
        return (*dir = strdup(dest)) ? FL_OK : fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    fl_datapath p;
    fl_status st = fl_datapath_init(&p, err);
    if (st) return st;
    char tried[FL_ERROR_MSG_LEN / 2] = "";
    for (int i = 0; i < p.n && !*dir; i++) {
        if (writable_dir(p.dir[i], create) == 0) *dir = strdup(p.dir[i]);
        size_t used = strlen(tried);
        snprintf(tried + used, sizeof tried - used, "%s%s", i ? ", " : "", p.dir[i]);
    }
    fl_datapath_free(&p);
    return *dir ? FL_OK
                : fl_fail(err, FL_ERR_IO, "no writable data folder (tried %s); give one with --dest DIR", tried);
}

/* scripts/get-data.sh next to the running binary, in a checkout or an installed tree. */
static char *find_script(void) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return NULL;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash) return NULL;
    *slash = 0;
    static const char *const REL[] = {"scripts/get-data.sh", "../../scripts/get-data.sh", "../share/futurelm/get-data.sh"};
    for (size_t i = 0; i < sizeof REL / sizeof REL[0]; i++) {
        char *cand = fl_path_join(self, REL[i]);
        if (cand && access(cand, R_OK) == 0) return cand;
        free(cand);
    }
    return NULL;
}

fl_status fl_datapath_fetch(const char *const *names, int n, const char *dest, char **where, fl_error *err) {
    *where = NULL;
    char *script = find_script();
    if (!script)
        return fl_fail(err, FL_ERR_IO,
                       "cannot find get-data.sh next to this binary (scripts/ in a checkout, ../share/futurelm/ when "
                       "installed); from a checkout run: sh scripts/get-data.sh --dest DIR NAME...");
    char *dir = NULL;
    fl_status st = fl_datapath_dest(dest, 1, &dir, err);
    const char **argv = st ? NULL : calloc((size_t)n + 5, sizeof *argv);
    if (!st && !argv) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!st) {
        int k = 0;
        argv[k++] = "sh", argv[k++] = script, argv[k++] = "--dest", argv[k++] = dir;
        for (int i = 0; i < n; i++) argv[k++] = fl_datapath_set_of(names[i]);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            execv("/bin/sh", (char *const *)argv);
            _exit(127);
        }
        int status = 0;
        if (pid < 0) st = fl_fail(err, FL_ERR_IO, "cannot start %s: %s", script, strerror(errno));
        else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
            st = fl_fail(err, FL_ERR_IO, "%s failed (exit status %d; its message is above): what it completed is in %s", script,
                         WIFEXITED(status) ? WEXITSTATUS(status) : -1, dir);
    }
    free(argv);
    free(script);
    if (st) free(dir);
    else *where = dir;
    return st;
}
