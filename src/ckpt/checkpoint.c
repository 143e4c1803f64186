#include "ckpt/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/run_state.h"
#include "ckpt/safetensors.h"
#include "util/error.h"
#include "util/fs.h"

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

static int all_finite(const float *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(p[i])) return 0;
    return 1;
}

/* optimizer.safetensors: m.<name> and v.<name> for every parameter tensor,
 * laid out like the model's (outs), and the step count for bias correction. */
static fl_status write_optimizer(const char *path, const fl_model *m, fl_adamw *opt, const fl_st_out *outs,
                                 fl_error *err) {
    int nt = fl_model_num_tensors(m);
    float *base = fl_model_params((fl_model *)m);
    fl_st_out *mo = calloc((size_t)nt * 2, sizeof *mo);
    char (*names)[64] = calloc((size_t)nt * 2, sizeof *names);
    fl_status st = !mo || !names ? fl_fail(err, FL_ERR_NOMEM, "out of memory") : FL_OK;
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
    if (!st) st = fl_st_write(path, mo, 2 * nt, om, 2, err);
    free(mo);
    free(names);
    return st;
}

/* Writes one file of the checkpoint being built in folder tmp. */
static fl_status write_part(const char *tmp, const char *name, const fl_model *m, fl_adamw *opt,
                            const fl_st_out *outs, const fl_run_state *state, fl_error *err) {
    char *path = fl_path_join(tmp, name);
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st;
    if (!strcmp(name, "model.safetensors")) {
        char buf[MAX_META][48];
        const char *meta[2 * MAX_META];
        int nm = ckpt_config_meta(fl_model_get_config(m), buf, meta);
        st = fl_st_write(path, outs, fl_model_num_tensors(m), meta, nm, err);
    } else if (!strcmp(name, "optimizer.safetensors")) {
        st = write_optimizer(path, m, opt, outs, err);
    } else {
        fl_run_state empty;
        fl_run_state_init(&empty);
        char *text = fl_run_state_to_json(state ? state : &empty);
        st = text ? write_text(path, text, err) : fl_fail(err, FL_ERR_NOMEM, "out of memory writing %s", path);
        free(text);
    }
    free(path);
    return st;
}

fl_status ckpt_save(const char *dir, const fl_model *m, fl_adamw *opt, const fl_run_state *state, fl_error *err) {
    int nt = fl_model_num_tensors(m);
    if (nt <= 0) return fl_fail(err, FL_ERR_ARG, "a model without tensors has no checkpoint");
    for (int i = 0; i < nt; i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        if (!all_finite(t->data, t->numel))
            return fl_fail(err, FL_ERR_NONFINITE, "tensor %s is not finite; refusing to write a checkpoint", t->name);
    }
    fl_st_out *outs = calloc((size_t)nt, sizeof *outs);
    char *tmp = fl_path_fmt("%s.tmp-%ld", dir, (long)getpid());
    if (!outs || !tmp) {
        free(outs), free(tmp);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < nt; i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        outs[i] = (fl_st_out){.name = t->name, .dtype = FL_DT_F32, .ndim = t->ndim, .data = t->data};
        outs[i].shape[0] = t->shape[0];
        outs[i].shape[1] = t->shape[1];
    }
    fl_remove_tree(tmp);
    fl_status st = FL_OK;
    if (mkdir(tmp, 0755) != 0) st = fl_fail(err, FL_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    if (!st) st = write_part(tmp, "model.safetensors", m, opt, outs, state, err);
    if (!st && opt) st = write_part(tmp, "optimizer.safetensors", m, opt, outs, state, err);
    if (!st) st = write_part(tmp, "state.json", m, opt, outs, state, err);
    free(outs);
    if (!st) {
        int fd = open(tmp, O_RDONLY);
        if (fd >= 0) fsync(fd), close(fd);
        ckpt_remove(dir); /* an older checkpoint of the same name is replaced */
        if (rename(tmp, dir) != 0) st = fl_fail(err, FL_ERR_IO, "cannot rename %s to %s: %s", tmp, dir, strerror(errno));
    }
    if (st) fl_remove_tree(tmp);
    free(tmp);
    return st;
}

fl_status ckpt_load_model(const char *dir, fl_model **out, fl_error *err) {
    *out = NULL;
    char *path = fl_path_join(dir, "model.safetensors");
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_st_file *f;
    fl_status st = fl_st_open(path, &f, err);
    if (st) {
        free(path);
        return st;
    }
    const char *fmt = fl_st_meta(f, "format"), *type = fl_st_meta(f, "model_type");
    if (!fmt || strcmp(fmt, "futurelm") || !type) {
        st = fl_fail(err, FL_ERR_FORMAT, "%s: not a futurelm checkpoint (no format=futurelm metadata)", path);
        fl_st_close(f);
        free(path);
        return st;
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
    free(path);
    if (st) {
        fl_model_free(m);
        return st;
    }
    *out = m;
    return FL_OK;
}

fl_status ckpt_load_optimizer(const char *dir, const fl_model *m, fl_adamw *opt, fl_error *err) {
    float *base = fl_model_params((fl_model *)m);
    char *path = fl_path_join(dir, "optimizer.safetensors");
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_st_file *f;
    fl_status st = fl_st_open(path, &f, err);
    if (st) {
        free(path);
        return st;
    }
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
    free(path);
    return st;
}

fl_status ckpt_read_state(const char *dir, char **json, fl_error *err) {
    char *path = fl_path_join(dir, "state.json");
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    FILE *fp = fopen(path, "rb");
    fl_status st = FL_OK;
    char *buf = NULL;
    if (!fp) {
        st = fl_fail(err, FL_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    } else {
        fseek(fp, 0, SEEK_END);
        long n = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
        if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
            free(buf);
            buf = NULL;
            st = fl_fail(err, FL_ERR_IO, "cannot read %s", path);
        } else {
            buf[n] = 0;
        }
        fclose(fp);
    }
    free(path);
    *json = buf;
    return st;
}

/* ---------------------------------------------------------------- public API */

fl_status fl_checkpoint_load(const char *path, fl_model **model, fl_run_state *state, fl_error *err) {
    *model = NULL;
    if (state) fl_run_state_clear(state);
    char *dir = fl_checkpoint_resolve(path);
    if (!dir) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st = ckpt_load_model(dir, model, err);
    if (!st && state) {
        /* no state.json (a hand-made checkpoint) is an empty state; an unreadable one is an error */
        char *sp = fl_path_join(dir, "state.json");
        if (!sp) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
        else if (access(sp, F_OK) == 0 || errno != ENOENT) st = fl_run_state_read(dir, state, err);
        free(sp);
        if (st) {
            fl_model_free(*model);
            *model = NULL;
        }
    }
    free(dir);
    return st;
}

fl_status fl_checkpoint_load_optimizer(const char *path, const fl_model *m, fl_adamw *opt, fl_error *err) {
    char *dir = fl_checkpoint_resolve(path);
    if (!dir) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st = ckpt_load_optimizer(dir, m, opt, err);
    free(dir);
    return st;
}

fl_status fl_checkpoint_save(const char *dir, const fl_model *m, fl_adamw *opt, const fl_run_state *state,
                             fl_error *err) {
    return ckpt_save(dir, m, opt, state, err);
}
