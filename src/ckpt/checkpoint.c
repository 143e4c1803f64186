#include "ckpt/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#define MAX_STATE_BYTES (16 << 20) /* state.json is a few kilobytes; this bounds the read */

int fli_ckpt_config_meta(const fl_model_config *c, char buf[][48], const char **meta) {
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
        KV("ftp.tie_dec_embd", "%d", c->tie_dec_embd);
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
    int bad = fsync(fd) != 0, saved = errno; /* close it whatever fsync said */
    if (close(fd) != 0 && !bad) bad = 1, saved = errno;
    return bad ? fl_fail(err, FL_ERR_IO, "cannot write %s: %s", path, strerror(saved)) : FL_OK;
}

static int all_finite(const float *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(p[i])) return 0;
    return 1;
}

static int all_nonnegative(const float *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0) return 0;
    return 1;
}

/* The optimizer's step count: all digits, at most INT_MAX (training steps are ints). */
static int parse_steps(const char *v, long *out) {
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || errno || *end || x > INT_MAX) return 1;
    *out = x;
    return 0;
}

/* A lower bound on the parameters the config asks for (docs/design.md 2's tensors
 * less biases, layer norms and padding), against the floats the file holds, so
 * a small file whose metadata claims a huge model fails here, before that model
 * is allocated. The exact shapes are checked after, tensor by tensor. */
static fl_status fits_file(const fl_model_config *c, const fl_st_file *f, const char *path, fl_error *err) {
    double C = c->n_embd, need = ((double)c->vocab_size + c->block_size) * C + c->n_layer * 12.0 * C * C;
    double tensors = 4 + 12.0 * c->n_layer;
    if (c->type == FL_MODEL_FTP) {
        need += (double)c->pseudo_len * C * C + (double)c->n_future * C + c->dec_layers * 12.0 * C * C;
        tensors += 5 + 12.0 * c->dec_layers;
    }
    double have = 0;
    for (int i = 0; i < fl_st_count(f); i++) {
        const fl_st_tensor *t = fl_st_at(f, i);
        if (t->dtype == FL_DT_F32) have += (double)t->numel;
    }
    if (need > have || tensors > fl_st_count(f))
        return fl_fail(err, FL_ERR_FORMAT,
                       "%s: the config in its metadata needs at least %.0f parameters in %.0f tensors, but the file "
                       "holds %.0f in %d",
                       path, need, tensors, have, fl_st_count(f));
    return FL_OK;
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
        int nm = fli_ckpt_config_meta(fl_model_get_config(m), buf, meta);
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

fl_status fli_ckpt_save(const char *dir, const fl_model *m, fl_adamw *opt, const fl_run_state *state, fl_error *err) {
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
    /* a command never deletes what it did not write: whatever stands at DIR is
     * replaced only when it is an earlier checkpoint of ours, or an empty folder */
    struct stat sb;
    fl_status st = FL_OK;
    if (lstat(dir, &sb) == 0 && fl_ckpt_is_ours(dir) < 0)
        st = fl_fail(err, FL_ERR_IO,
                     "%s exists and is not a futurelm checkpoint folder (%s); refusing to replace it (choose another "
                     "path, or remove it yourself)",
                     dir, S_ISLNK(sb.st_mode)  ? "it is a symbolic link"
                          : !S_ISDIR(sb.st_mode) ? "it is not a folder"
                                                 : "it holds files other than a checkpoint's");
    if (st) {
        free(outs), free(tmp);
        return st;
    }
    fl_remove_tree(tmp); /* this pid's own leftover name; a link there is refused, and then so is the mkdir */
    if (mkdir(tmp, 0755) != 0) st = fl_fail(err, FL_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    if (!st) st = write_part(tmp, "model.safetensors", m, opt, outs, state, err);
    if (!st && opt) st = write_part(tmp, "optimizer.safetensors", m, opt, outs, state, err);
    if (!st) st = write_part(tmp, "state.json", m, opt, outs, state, err);
    free(outs);
    if (!st) {
        int fd = open(tmp, O_RDONLY);
        if (fd >= 0) fsync(fd), close(fd);
        /* an older checkpoint of the same name (checked above, and again here) is
         * moved aside first and removed only once the new one stands under the name,
         * so a failure in between leaves one of the two, never neither */
        char *aside = NULL;
        if (lstat(dir, &sb) == 0) {
            if (fl_ckpt_is_ours(dir) < 0)
                st = fl_fail(err, FL_ERR_IO, "cannot replace %s: it is not a checkpoint folder futurelm wrote", dir);
            else if (!(aside = fl_path_fmt("%s.del-%ld", dir, (long)getpid())))
                st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
            else if (rename(dir, aside) != 0)
                st = fl_fail(err, FL_ERR_IO, "cannot move %s aside: %s", dir, strerror(errno));
        }
        if (!st && rename(tmp, dir) != 0) {
            st = fl_fail(err, FL_ERR_IO, "cannot rename %s to %s: %s", tmp, dir, strerror(errno));
            if (aside && rename(aside, dir) != 0) /* the old one back under its name */
                st = fl_fail(err, FL_ERR_IO, "cannot rename %s to %s, and the previous checkpoint is in %s", tmp,
                             dir, aside);
        }
        if (!st && aside) fl_remove_tree(aside);
        free(aside);
    }
    if (st) fl_remove_tree(tmp);
    free(tmp);
    return st;
}

/* DIR/NAME opened as safetensors; *path (malloc'd, for messages) is set when it returns FL_OK. */
static fl_status open_in(const char *dir, const char *name, fl_st_file **f, char **path, fl_error *err) {
    if (!(*path = fl_path_join(dir, name))) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st = fl_st_open(*path, f, err);
    if (st) free(*path), *path = NULL;
    return st;
}

fl_status fli_ckpt_load_model(const char *dir, fl_model **out, fl_error *err) {
    *out = NULL;
    char *path;
    fl_st_file *f;
    fl_status st = open_in(dir, "model.safetensors", &f, &path, err);
    if (st) return st;
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
    /* ftp.tie_dec_embd came later than the other keys: a checkpoint without it was
     * written when the decoder always read wte, so it loads as tied (the default). */
    const char *tie = cfg.type == FL_MODEL_FTP ? fl_st_meta(f, "ftp.tie_dec_embd") : NULL;
    if (!st && tie) st = fl_model_config_set(&cfg, "ftp.tie_dec_embd", tie, err);
    if (!st) st = fl_model_config_validate(&cfg, err);
    if (!st) st = fits_file(&cfg, f, path, err); /* before a single parameter is allocated */
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
        else {
            memcpy(t->data, s->data, t->numel * sizeof(float));
            if (!all_finite(t->data, t->numel))
                st = fl_fail(err, FL_ERR_NONFINITE, "%s: tensor %s holds a NaN or infinite weight", path, t->name);
        }
    }
    if (!st && fl_st_count(f) != fl_model_num_tensors(m))
        st = fl_fail(err, FL_ERR_FORMAT, "%s: holds %d tensors, the config needs %d", path, fl_st_count(f),
                     fl_model_num_tensors(m));
    fl_st_close(f);
    free(path);
    if (st) fl_model_free(m), m = NULL;
    *out = m;
    return st;
}

fl_status fli_ckpt_load_optimizer(const char *dir, const fl_model *m, fl_adamw *opt, fl_error *err) {
    float *base = fl_model_params((fl_model *)m);
    char *path;
    fl_st_file *f;
    fl_status st = open_in(dir, "optimizer.safetensors", &f, &path, err);
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
        else {
            memcpy(mom + (t->data - base), s->data, t->numel * sizeof(float));
            if (!all_finite(mom + (t->data - base), t->numel))
                st = fl_fail(err, FL_ERR_NONFINITE, "%s: tensor %s holds a NaN or infinite value", path, name);
            else if (k >= nt && !all_nonnegative(mom + (t->data - base), t->numel))
                st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor %s holds a negative second moment", path, name);
        }
    }
    const char *steps = fl_st_meta(f, "steps");
    long t = 0;
    if (!st && steps && parse_steps(steps, &t))
        st = fl_fail(err, FL_ERR_FORMAT, "%s: metadata steps '%s' is not a step count (0..%d)", path, steps, INT_MAX);
    if (!st) fl_adamw_set_steps(opt, t);
    fl_st_close(f);
    free(path);
    return st;
}

fl_status fli_ckpt_read_state(const char *dir, char **json, fl_error *err) {
    *json = NULL;
    char *path = fl_path_join(dir, "state.json");
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    /* fstat before reading: a folder (ftell says 2^63 there) or a device is not a
     * state.json, and a real one is a few kilobytes; O_NONBLOCK so that a FIFO
     * named state.json is refused by fstat instead of blocking the open */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat sb;
    fl_status st = FL_OK;
    char *buf = NULL;
    if (fd < 0) st = fl_fail(err, FL_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    else if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        st = fl_fail(err, FL_ERR_FORMAT, "%s is not a regular file", path);
    else if (sb.st_size > MAX_STATE_BYTES)
        st = fl_fail(err, FL_ERR_FORMAT, "%s holds %lld bytes; a state.json is at most %d", path,
                     (long long)sb.st_size, MAX_STATE_BYTES);
    else if (!(buf = malloc((size_t)sb.st_size + 1)))
        st = fl_fail(err, FL_ERR_NOMEM, "out of memory reading %s", path);
    size_t got = 0;
    while (!st && got < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) st = fl_fail(err, FL_ERR_IO, "cannot read %s: %s", path, r < 0 ? strerror(errno) : "it shrank");
        else got += (size_t)r;
    }
    if (fd >= 0) close(fd);
    free(path);
    if (st) {
        free(buf);
        return st;
    }
    buf[got] = 0;
    *json = buf;
    return FL_OK;
}

/* ---------------------------------------------------------------- public API */

fl_status fl_checkpoint_load(const char *path, fl_model **model, fl_run_state *state, fl_error *err) {
    *model = NULL;
    if (state) fl_run_state_clear(state);
    char *dir = fl_checkpoint_resolve(path);
    if (!dir) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st = fli_ckpt_load_model(dir, model, err);
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
    fl_status st = fli_ckpt_load_optimizer(dir, m, opt, err);
    free(dir);
    return st;
}

fl_status fl_checkpoint_save(const char *dir, const fl_model *m, fl_adamw *opt, const fl_run_state *state,
                             fl_error *err) {
    return fli_ckpt_save(dir, m, opt, state, err);
}
