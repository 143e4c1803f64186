#define _XOPEN_SOURCE 700 /* realpath */
#include "ckpt/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/safetensors.h"
#include "util/error.h"

#define MAX_META 40

int ckpt_config_meta(const fl_model_config *c, char buf[][48], const char **meta) {
    int n = 0;
#define KV(k, ...)                                                                                                   \
    do {                                                                                                             \
        meta[2 * n] = (k);                                                                                           \
        snprintf(buf[n], 48, __VA_ARGS__);                                                                           \
        meta[2 * n + 1] = buf[n];                                                                                    \
        n++;                                                                                                         \
    } while (0)
    KV("format", "futurelm");
    KV("format_version", "1");
    KV("model_type", "%s", c->type == FL_MODEL_FTP ? "ftp" : "gpt");
    KV("model.vocab_size", "%d", c->vocab_size);
    KV("model.block_size", "%d", c->block_size);
    KV("model.n_layer", "%d", c->n_layer);
    KV("model.n_head", "%d", c->n_head);
    KV("model.n_embd", "%d", c->n_embd);
    if (c->type == FL_MODEL_FTP) {
        KV("ftp.n_future", "%d", c->n_future);
        KV("ftp.pseudo_len", "%d", c->pseudo_len);
        KV("ftp.gamma", "%.9g", (double)c->gamma);
        KV("ftp.dec_layers", "%d", c->dec_layers);
        KV("ftp.dec_heads", "%d", c->dec_heads);
        KV("ftp.positions", "%d", c->positions);
    }
#undef KV
    return n;
}

static fl_status write_text(const char *path, const char *text, fl_error *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fl_fail(err, FL_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    size_t n = strlen(text);
    const char *p = text;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            close(fd);
            return fl_fail(err, FL_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) return fl_fail(err, FL_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return FL_OK;
}

static void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[4200];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

/* Removes a checkpoint directory without ever exposing a half-deleted one under
 * its final name: rename it aside first (atomic), then delete. */
void ckpt_remove(const char *dir) {
    char aside[4200];
    snprintf(aside, sizeof aside, "%s.del-%ld", dir, (long)getpid());
    if (rename(dir, aside) == 0) remove_tree(aside);
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
    struct dirent *e;
    char p[4200];
    while ((e = readdir(d))) {
        long pid = leftover_pid(e->d_name);
        /* a live process (another writer, or this one) may still be using it */
        if (pid < 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        snprintf(p, sizeof p, "%s/%s", run_dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode))
            remove_tree(p);
        else
            unlink(p);
        if (log) fprintf(log, "note: removed %s, left by process %ld which is gone\n", p, pid);
        removed++;
    }
    closedir(d);
    return removed;
}

static int all_finite(const float *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(p[i])) return 0;
    return 1;
}

fl_status ckpt_save(const char *dir, const fl_model *m, fl_adamw *opt, const char *state_json, fl_error *err) {
    int nt = fl_model_num_tensors(m);
    fl_st_out *outs = calloc((size_t)nt, sizeof *outs);
    if (!outs) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (int i = 0; i < nt; i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        if (!all_finite(t->data, t->numel)) {
            free(outs);
            return fl_fail(err, FL_ERR_NONFINITE, "tensor %s is not finite; refusing to write a checkpoint", t->name);
        }
        outs[i].name = t->name;
        outs[i].dtype = FL_DT_F32;
        outs[i].ndim = t->ndim;
        outs[i].shape[0] = t->shape[0];
        outs[i].shape[1] = t->shape[1];
        outs[i].data = t->data;
    }
    char tmp[4096], path[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", dir, (long)getpid());
    remove_tree(tmp);
    if (mkdir(tmp, 0755) != 0) {
        free(outs);
        return fl_fail(err, FL_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    }
    char buf[MAX_META][48];
    const char *meta[2 * MAX_META];
    int nm = ckpt_config_meta(fl_model_get_config(m), buf, meta);
    snprintf(path, sizeof path, "%s/model.safetensors", tmp);
    fl_status st = fl_st_write(path, outs, nt, meta, nm, err);
    if (!st && opt) { /* one file: m.<name> and v.<name> for every parameter tensor */
        float *base = fl_model_params((fl_model *)m);
        fl_st_out *mo = calloc((size_t)nt * 2, sizeof *mo);
        char (*names)[64] = calloc((size_t)nt * 2, sizeof *names);
        if (!mo || !names) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
        for (int k = 0; !st && k < 2 * nt; k++) {
            const fl_tensor *t = fl_model_tensor(m, k % nt);
            const float *mom = k < nt ? fl_adamw_m(opt) : fl_adamw_v(opt);
            snprintf(names[k], sizeof names[k], "%s.%s", k < nt ? "m" : "v", t->name);
            mo[k] = outs[k % nt];
            mo[k].name = names[k];
            mo[k].data = mom + (t->data - base);
        }
        char steps[32];
        snprintf(steps, sizeof steps, "%ld", fl_adamw_steps_taken(opt));
        const char *om[4] = {"format", "futurelm-adamw", "steps", steps};
        snprintf(path, sizeof path, "%s/optimizer.safetensors", tmp);
        if (!st) st = fl_st_write(path, mo, 2 * nt, om, 2, err);
        free(mo);
        free(names);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/state.json", tmp);
        st = write_text(path, state_json ? state_json : "{}\n", err);
    }
    free(outs);
    if (!st) {
        int fd = open(tmp, O_RDONLY);
        if (fd >= 0) fsync(fd), close(fd);
        ckpt_remove(dir); /* an older checkpoint of the same name is replaced */
        if (rename(tmp, dir) != 0) st = fl_fail(err, FL_ERR_IO, "cannot rename %s to %s: %s", tmp, dir, strerror(errno));
    }
    if (st) remove_tree(tmp);
    return st;
}

fl_status ckpt_load_model(const char *dir, fl_model **out, fl_error *err) {
    *out = NULL;
    char path[4200];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    fl_st_file *f;
    fl_status st = fl_st_open(path, &f, err);
    if (st) return st;
    const char *fmt = fl_st_meta(f, "format"), *type = fl_st_meta(f, "model_type");
    if (!fmt || strcmp(fmt, "futurelm") || !type) {
        fl_st_close(f);
        return fl_fail(err, FL_ERR_FORMAT, "%s: not a futurelm checkpoint (no format=futurelm metadata)", path);
    }
    fl_model_config cfg;
    fl_model_config_default(&cfg, !strcmp(type, "ftp") ? FL_MODEL_FTP : FL_MODEL_GPT);
    static const char *keys[] = {"model.vocab_size", "model.block_size", "model.n_layer", "model.n_head",
                                 "model.n_embd", "ftp.n_future", "ftp.pseudo_len", "ftp.gamma",
                                 "ftp.dec_layers", "ftp.dec_heads", "ftp.positions"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !st; i++) {
        const char *v = fl_st_meta(f, keys[i]);
        if (v) st = fl_model_config_set(&cfg, keys[i], v, err);
        else if (i < 5 || cfg.type == FL_MODEL_FTP)
            st = fl_fail(err, FL_ERR_FORMAT, "%s: metadata lacks %s", path, keys[i]);
    }
    fl_model *m = NULL;
    if (!st) st = fl_model_create(&cfg, &m, err);
    for (int i = 0; !st && i < fl_model_num_tensors(m); i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        const fl_st_tensor *s = fl_st_find(f, t->name);
        if (!s) st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor %s is missing", path, t->name);
        else if (s->dtype != FL_DT_F32) st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor %s is not F32", path, t->name);
        else if (s->ndim != t->ndim || s->shape[0] != t->shape[0] || (t->ndim == 2 && s->shape[1] != t->shape[1]))
            st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor %s has a shape that disagrees with the config", path,
                         t->name);
        else memcpy(t->data, s->data, t->numel * sizeof(float));
    }
    if (!st && fl_st_count(f) != fl_model_num_tensors(m))
        st = fl_fail(err, FL_ERR_FORMAT, "%s: holds %d tensors, the config needs %d", path, fl_st_count(f),
                     fl_model_num_tensors(m));
    fl_st_close(f);
    if (st) {
        fl_model_free(m);
        return st;
    }
    *out = m;
    return FL_OK;
}

fl_status ckpt_load_optimizer(const char *dir, const fl_model *m, fl_adamw *opt, fl_error *err) {
    float *base = fl_model_params((fl_model *)m);
    char path[4200];
    snprintf(path, sizeof path, "%s/optimizer.safetensors", dir);
    fl_st_file *f;
    fl_status st = fl_st_open(path, &f, err);
    if (st) return st;
    for (int k = 0; k < 2 * fl_model_num_tensors(m) && !st; k++) {
        int nt = fl_model_num_tensors(m);
        const fl_tensor *t = fl_model_tensor(m, k % nt);
        char name[64];
        snprintf(name, sizeof name, "%s.%s", k < nt ? "m" : "v", t->name);
        const fl_st_tensor *s = fl_st_find(f, name);
        float *mom = k < nt ? fl_adamw_m(opt) : fl_adamw_v(opt);
        if (!s || s->dtype != FL_DT_F32 || s->numel != t->numel)
            st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor %s is missing or has the wrong size", path, name);
        else memcpy(mom + (t->data - base), s->data, t->numel * sizeof(float));
    }
    const char *steps = fl_st_meta(f, "steps");
    if (!st) fl_adamw_set_steps(opt, steps ? atol(steps) : 0);
    fl_st_close(f);
    return st;
}

fl_status ckpt_read_state(const char *dir, char **json, fl_error *err) {
    char path[4200];
    snprintf(path, sizeof path, "%s/state.json", dir);
    FILE *fp = fopen(path, "rb");
    if (!fp) return fl_fail(err, FL_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)(n > 0 ? n : 0) + 1);
    if (!buf || n < 0 || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        fclose(fp);
        return fl_fail(err, FL_ERR_IO, "cannot read %s", path);
    }
    buf[n] = 0;
    fclose(fp);
    *json = buf;
    return FL_OK;
}

void ckpt_find_recorded(const char *dir, const char *recorded, char *out, size_t n) {
    snprintf(out, n, "%s", recorded);
    if (!recorded[0] || recorded[0] == '/' || access(recorded, F_OK) == 0) return;
    char up[4200];
    if (!realpath(dir, up)) return;
    for (char *slash; (slash = strrchr(up, '/')) != NULL;) {
        *slash = 0; /* the next folder up ("" for the root) */
        char cand[8400];
        snprintf(cand, sizeof cand, "%s/%s", up, recorded);
        if (access(cand, F_OK) == 0) {
            snprintf(out, n, "%s", cand);
            return;
        }
    }
}

void ckpt_resolve(const char *path, char *out, size_t n) {
    char p[4200], name[256] = "";
    snprintf(p, sizeof p, "%s/latest", path);
    FILE *f = fopen(p, "r");
    if (f && fgets(name, sizeof name, f) && (name[strcspn(name, "\r\n")] = 0, name[0]))
        snprintf(out, n, "%s/%s", path, name);
    else
        snprintf(out, n, "%s", path);
    if (f) fclose(f);
}
