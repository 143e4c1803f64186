#define _XOPEN_SOURCE 700 /* realpath */
#include "ckpt/run_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

int fl_ckpt_is_ours(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); /* fails on a link */
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return -1;
    }
    int files = 0, model = 0, foreign = 0;
    for (struct dirent *e; !foreign && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        struct stat fb;
        foreign = (strcmp(e->d_name, "model.safetensors") && strcmp(e->d_name, "optimizer.safetensors") &&
                   strcmp(e->d_name, "state.json")) ||
                  fstatat(fd, e->d_name, &fb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(fb.st_mode);
        model |= !strcmp(e->d_name, "model.safetensors");
        files++;
    }
    closedir(d); /* closes fd too */
    if (foreign) return -1;
    return !files ? 0 : model ? 1 : -1;
}

void fl_ckpt_prune(const char *run_dir, int keep_last, FILE *log) {
    fl_ckpt_list l;
    if (fl_ckpt_list_run(run_dir, &l, NULL)) return; /* nothing to prune */
    /* only checkpoint folders futurelm wrote count, and only they are deleted:
     * a step_* that is a link (say, from an unpacked archive) or holds other
     * files is the user's */
    /* the checkpoint `latest` names (the one just written, which after a resume from
     * an older step may be older than others in the folder) is never pruned */
    char *lp = fl_path_join(run_dir, "latest"), *latest = NULL;
    size_t llen = 0;
    if (lp && fl_read_file(lp, &latest, &llen, NULL) == FL_OK) latest[strcspn(latest, "\r\n")] = 0;
    free(lp);
    int ours = 0;
    for (int i = 0; i < l.n; i++) {
        int what = fl_ckpt_is_ours(l.at[i].dir);
        if (what == 1 && !(latest && !strcmp(latest, l.at[i].name))) { /* only whole checkpoints count */
            l.at[ours++] = l.at[i];
            continue;
        }
        if (what >= 0) { /* the latest, or an empty step_*: neither pruned nor counted */
            free(l.at[i].name), free(l.at[i].dir);
            continue;
        }
        struct stat sb;
        if (log)
            fprintf(log, "warning: %s is %s; pruning leaves it alone\n", l.at[i].dir,
                    lstat(l.at[i].dir, &sb) == 0 && S_ISLNK(sb.st_mode) ? "a symbolic link"
                                                                         : "not a checkpoint folder futurelm wrote");
        free(l.at[i].name), free(l.at[i].dir);
    }
    l.n = ours;
    /* keep_last counts the latest itself */
    int keep = latest ? keep_last - 1 : keep_last;
    if (keep < 0) keep = 0;
    for (int i = 0; i < l.n - keep; i++) fli_ckpt_remove(l.at[i].dir);
    free(latest);
    fl_ckpt_list_free(&l);
}

fl_status fl_ckpt_set_latest(const char *run_dir, const char *name, fl_error *err) {
    char *latest = fl_path_join(run_dir, "latest");
    char *line = fl_path_fmt("%s\n", name);
    fl_status st = latest && line ? fl_write_file_atomic(latest, line, strlen(line), err)
                                  : fl_fail(err, FL_ERR_NOMEM, "out of memory");
    free(latest);
    free(line);
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

/* realpath(dir)'s parent: the run folder of checkpoint DIR; NULL when DIR does not exist. */
static char *run_folder_of(const char *dir) {
    char *real = realpath(dir, NULL);
    char *slash = real ? strrchr(real, '/') : NULL;
    if (slash) slash[slash == real] = 0; /* "/ckpt" has the root as its run folder */
    return real;
}

/* `train --resume X` without --out (run_dir.h). */
char *fl_ckpt_run_of(const char *resume) {
    char *ck = fl_checkpoint_resolve(resume), *run = NULL;
    if (ck && strcmp(ck, resume)) {
        run = strdup(resume); /* the resolve went into it: a run folder */
    } else if (ck) {
        size_t n = strlen(ck);
        while (n > 1 && ck[n - 1] == '/') ck[--n] = 0;
        char *slash = strrchr(ck, '/');
        long step;
        if (fl_ckpt_name_step(slash ? slash + 1 : ck, &step)) {
            if (slash) slash[slash == ck] = 0;
            run = slash ? strdup(ck) : strdup(".");
        }
    }
    free(ck);
    return run;
}

char *fl_ckpt_find_recorded(const char *dir, const char *recorded) {
    if (!recorded[0] || recorded[0] == '/') return strdup(recorded);
    char *run = run_folder_of(dir);
    char *found = run ? fl_path_find_relative(run, recorded) : strdup(recorded);
    free(run);
    return found;
}

char *fl_ckpt_record_path(const char *run_dir, const char *path) {
    return path[0] == '/' ? strdup(path) : fl_path_relative(run_dir, path); /* an absolute one as the user gave it */
}

/* ---------------------------------------------------------------- deleting */

int fl_remove_tree(const char *dir) {
    /* O_NOFOLLOW: a link named DIR is refused, never followed; unlinkat removes
     * each entry itself (a link, not its target), relative to the folder opened */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return -1;
    }
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlinkat(fd, e->d_name, 0); /* a subfolder stays */
    closedir(d);
    return rmdir(dir);
}

int fli_ckpt_remove(const char *dir) {
    if (fl_ckpt_is_ours(dir) < 0) return -1;
    char *aside = fl_path_fmt("%s.del-%ld", dir, (long)getpid());
    int rc = aside && rename(dir, aside) == 0 ? fl_remove_tree(aside) : -1;
    free(aside);
    return rc;
}

/* The PID of a name our writers leave behind: step_N.tmp-PID, step_N.del-PID or
 * latest.tmp-PID, and nothing else (a user's notes.tmp-42 is the user's). */
static long leftover_pid(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot || (strncmp(dot, ".tmp-", 5) && strncmp(dot, ".del-", 5))) return -1;
    size_t base = (size_t)(dot - name);
    int ours = (base == 6 && !strncmp(name, "latest", 6) && dot[1] == 't');
    if (!ours && base > 5 && !strncmp(name, "step_", 5)) {
        ours = 1;
        for (size_t i = 5; i < base; i++) ours &= name[i] >= '0' && name[i] <= '9';
    }
    if (!ours) return -1;
    char *end;
    long pid = strtol(dot + 5, &end, 10);
    return *end || pid <= 0 ? -1 : pid;
}

int fli_ckpt_remove_stale(const char *run_dir, FILE *log) {
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
        /* not something a writer of ours leaves: a link, or a folder holding other files */
        if (S_ISLNK(sb.st_mode) || (S_ISDIR(sb.st_mode) && fl_ckpt_is_ours(p) < 0)) {
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
