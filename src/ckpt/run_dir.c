#define _XOPEN_SOURCE 700 /* realpath */
#include "ckpt/run_dir.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"

int fl_ckpt_name_step(const char *name, long *step) {
    if (strncmp(name, "step_", 5)) return 0;
    const char *d = name + 5;
    size_t n = strspn(d, "0123456789");
    if (n == 0 || n > 18 || d[n]) return 0; /* 18 digits always fit a 64-bit long */
    *step = strtol(d, NULL, 10);
    return 1;
}

static int cmp_entry(const void *a, const void *b) {
    const fl_ckpt_entry *x = a, *y = b;
    if (x->step != y->step) return x->step < y->step ? -1 : 1;
    return strcmp(x->name, y->name);
}

void fl_ckpt_list_free(fl_ckpt_list *l) {
    for (int i = 0; i < l->n; i++) free(l->at[i].name), free(l->at[i].dir);
    free(l->at);
    l->at = NULL;
    l->n = 0;
}

fl_status fl_ckpt_list_run(const char *run_dir, fl_ckpt_list *out, fl_error *err) {
    out->at = NULL;
    out->n = 0;
    DIR *d = opendir(run_dir);
    if (!d) return fl_fail(err, FL_ERR_IO, "cannot open the run directory %s: %s", run_dir, strerror(errno));
    int cap = 0;
    fl_status st = FL_OK;
    for (struct dirent *e; !st && (e = readdir(d));) {
        long step;
        if (!fl_ckpt_name_step(e->d_name, &step)) continue;
        char *dir = fl_path_join(run_dir, e->d_name);
        struct stat sb;
        if (dir && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) { /* a checkpoint is a folder */
            free(dir);
            continue;
        }
        char *name = strdup(e->d_name);
        if (out->n == cap) {
            cap = cap ? 2 * cap : 16;
            fl_ckpt_entry *at = realloc(out->at, (size_t)cap * sizeof *at);
            if (at) out->at = at;
            else cap = out->n;
        }
        if (!dir || !name || out->n == cap) {
            free(dir), free(name);
            st = fl_fail(err, FL_ERR_NOMEM, "out of memory listing %s", run_dir);
            break;
        }
        out->at[out->n++] = (fl_ckpt_entry){step, name, dir};
    }
    closedir(d);
    if (st) {
        fl_ckpt_list_free(out);
        return st;
    }
    if (out->n) qsort(out->at, (size_t)out->n, sizeof *out->at, cmp_entry);
    return FL_OK;
}

void fl_ckpt_prune(const char *run_dir, int keep_last) {
    fl_ckpt_list l;
    if (fl_ckpt_list_run(run_dir, &l, NULL)) return; /* nothing to prune */
    for (int i = 0; i < l.n - keep_last; i++) ckpt_remove(l.at[i].dir);
    fl_ckpt_list_free(&l);
}

fl_status fl_ckpt_set_latest(const char *run_dir, const char *name, fl_error *err) {
    char *tmp = fl_path_fmt("%s/latest.tmp-%ld", run_dir, (long)getpid());
    char *latest = fl_path_join(run_dir, "latest");
    fl_status st = FL_OK;
    if (!tmp || !latest) {
        st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    } else {
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%s\n", name) < 0 || fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, latest)) {
            st = fl_fail(err, FL_ERR_IO, "cannot update %s: %s", latest, strerror(errno));
            unlink(tmp);
        }
    }
    free(tmp);
    free(latest);
    return st;
}

/* The first line of RUN/latest (a checkpoint's name), malloc'd; NULL when
 * there is no such file or its first line is empty. */
static char *read_latest(const char *run) {
    char *p = fl_path_join(run, "latest");
    FILE *f = p ? fopen(p, "r") : NULL;
    free(p);
    if (!f) return NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    fclose(f);
    if (n > 0) line[strcspn(line, "\r\n")] = 0;
    if (n <= 0 || !line[0]) {
        free(line);
        return NULL;
    }
    return line;
}

char *fl_checkpoint_resolve(const char *path) {
    char *name = read_latest(path);
    if (name) {
        char *dir = fl_path_join(path, name);
        free(name);
        return dir;
    }
    /* no latest (a run killed before it wrote one): the newest checkpoint,
     * unless PATH is itself a checkpoint */
    char *model = fl_path_join(path, "model.safetensors");
    int is_ckpt = !model || access(model, F_OK) == 0;
    free(model);
    fl_ckpt_list l;
    if (!is_ckpt && fl_ckpt_list_run(path, &l, NULL) == FL_OK) {
        char *dir = l.n ? strdup(l.at[l.n - 1].dir) : NULL;
        fl_ckpt_list_free(&l);
        if (dir) return dir;
    }
    return strdup(path);
}

char *fl_ckpt_find_recorded(const char *dir, const char *recorded) {
    if (!recorded[0] || recorded[0] == '/' || access(recorded, F_OK) == 0) return strdup(recorded);
    char *up = realpath(dir, NULL);
    for (char *slash; up && (slash = strrchr(up, '/')) != NULL;) {
        *slash = 0; /* the next folder up ("" for the root) */
        char *cand = fl_path_join(up, recorded);
        if (!cand || access(cand, F_OK) == 0) {
            free(up);
            return cand;
        }
        free(cand);
    }
    free(up);
    return strdup(recorded);
}

void ckpt_resolve(const char *path, char *out, size_t n) {
    char *p = fl_checkpoint_resolve(path);
    snprintf(out, n, "%s", p ? p : path);
    free(p);
}

void ckpt_find_recorded(const char *dir, const char *recorded, char *out, size_t n) {
    char *p = fl_ckpt_find_recorded(dir, recorded);
    snprintf(out, n, "%s", p ? p : recorded);
    free(p);
}

/* ---------------------------------------------------------------- deleting */

void fl_remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char *p = fl_path_join(dir, e->d_name);
                if (p) unlink(p);
                free(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

void ckpt_remove(const char *dir) {
    char *aside = fl_path_fmt("%s.del-%ld", dir, (long)getpid());
    if (aside && rename(dir, aside) == 0) fl_remove_tree(aside);
    free(aside);
}

/* The pid in a "NAME.tmp-PID" / "NAME.del-PID" leftover, or -1 for any other name. */
static long leftover_pid(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot || (strncmp(dot, ".tmp-", 5) && strncmp(dot, ".del-", 5))) return -1;
    char *end;
    long pid = strtol(dot + 5, &end, 10);
    return *end || pid <= 0 ? -1 : pid;
}

int ckpt_remove_stale(const char *run_dir, FILE *log) {
    DIR *d = opendir(run_dir);
    if (!d) return 0;
    int removed = 0;
    for (struct dirent *e; (e = readdir(d));) {
        long pid = leftover_pid(e->d_name);
        /* a live process (another writer, or this one) may still be using it */
        if (pid < 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char *p = fl_path_join(run_dir, e->d_name);
        struct stat sb;
        if (!p || lstat(p, &sb) != 0) {
            free(p);
            continue;
        }
        if (S_ISDIR(sb.st_mode)) fl_remove_tree(p);
        else unlink(p);
        if (log) fprintf(log, "note: removed %s, left by process %ld which is gone\n", p, pid);
        free(p);
        removed++;
    }
    closedir(d);
    return removed;
}
