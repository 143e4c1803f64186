/* ftp.tie_dec_embd = 0, the untied decoder input embedding (docs/design.md 1.2):
 * the tensor table and parameter count, the initialisation order (every other
 * tensor draws as for the tied model of the same seed), a checkpoint round trip,
 * a checkpoint written before the key existed (it loads tied), checkpoints whose
 * key and tensors disagree, and --init-from's rule (fl_model_copy_weights). The
 * maths of the untied model is checked against PyTorch in test_ftp_parity. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "futurelm.h"

static char tmpdir[64];

static fl_model *small(int tie, uint64_t seed) {
    fl_model_config cfg;
    fl_model_config_default(&cfg, FL_MODEL_FTP);
    cfg.vocab_size = 70, cfg.block_size = 16, cfg.n_layer = 1, cfg.n_head = 2, cfg.n_embd = 16;
    cfg.n_future = 3, cfg.pseudo_len = 2, cfg.dec_layers = 1, cfg.tie_dec_embd = tie;
    fl_model *m = NULL;
    fl_error err = {0};
    if (fl_model_create(&cfg, &m, &err)) {
        check(0, "a small FTP model builds", "%s", err.msg);
        exit(1);
    }
    fl_model_init_weights(m, seed);
    return m;
}

static int same_tensor(const fl_tensor *a, const fl_tensor *b) {
    return a && b && a->numel == b->numel && !memcmp(a->data, b->data, a->numel * sizeof(float));
}

/* Replaces the first occurrence of `from` in FILE's bytes by `to`, of the same length. */
static int edit_file(const char *path, const char *from, const char *to) {
    FILE *f = fopen(path, "r+b");
    if (!f) return -1;
    static char buf[1 << 16]; /* the header sits in the first few kilobytes */
    size_t n = fread(buf, 1, sizeof buf - 1, f), k = strlen(from);
    buf[n] = 0;
    char *at = NULL;
    for (size_t i = 0; i + k <= n && !at; i++)
        if (!memcmp(buf + i, from, k)) at = buf + i;
    int bad = !at || strlen(to) != k || fseek(f, at - buf, SEEK_SET) || fwrite(to, 1, k, f) != k;
    return fclose(f) || bad ? -1 : 0;
}

static void table_and_init(void) {
    fl_model *tied = small(1, 5), *untied = small(0, 5);
    const fl_model_config *c = fl_model_get_config(untied);
    const size_t VpC = (size_t)fl_padded_vocab(c->vocab_size) * c->n_embd;
    const int nt = fl_model_num_tensors(tied);
    const fl_tensor *d = fl_model_tensor(untied, nt);
    check(fl_model_num_tensors(untied) == nt + 1 && d && !strcmp(d->name, "dec.wte") && d->ndim == 2 &&
              d->shape[0] == fl_padded_vocab(c->vocab_size) && d->shape[1] == c->n_embd && d->decay,
          "untied: one more tensor, dec.wte [Vp,C], last in the table, weight-decayed like wte", "%d vs %d tensors",
          fl_model_num_tensors(untied), nt);
    check(fl_model_num_params(untied) == fl_model_num_params(tied) + VpC && !fl_model_find_tensor(tied, "dec.wte"),
          "the parameter count grows by Vp*C; a tied model has no dec.wte", "%zu vs %zu",
          fl_model_num_params(untied), fl_model_num_params(tied));
    int same = 1;
    for (int i = 0; i < nt; i++) same &= same_tensor(fl_model_tensor(tied, i), fl_model_tensor(untied, i));
    check(same, "same seed: every tensor but dec.wte draws bit for bit as in the tied model", "differ");
    const fl_tensor *wte = fl_model_find_tensor(untied, "wte");
    size_t real = (size_t)c->vocab_size * c->n_embd, zero_pad = 1;
    double ss = 0;
    for (size_t j = real; j < d->numel; j++) zero_pad &= d->data[j] == 0.0f;
    for (size_t j = 0; j < real; j++) ss += (double)d->data[j] * d->data[j];
    double sd = sqrt(ss / (double)real);
    check(!same_tensor(d, wte) && zero_pad && sd > 0.018 && sd < 0.022,
          "dec.wte is its own N(0, 0.02^2) draw with zero padding rows, like wte", "std %.4f, padding zero %d", sd,
          (int)zero_pad);
    fl_model_free(tied);
    fl_model_free(untied);
}

static char *in_tmp(const char *name) {
    static char buf[4][256];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    return p;
}

static void checkpoints(void) {
    fl_error err = {0};
    fl_model *m = small(0, 9), *back = NULL;
    fl_adamw *opt = NULL, *opt2 = NULL;
    fl_status st = fl_adamw_create(m, &opt, &err);
    const size_t n = fl_model_num_params(m);
    for (size_t i = 0; !st && i < n; i++) fl_adamw_m(opt)[i] = (float)i * 1e-4f, fl_adamw_v(opt)[i] = 1.0f / (float)(i + 1);
    if (!st) st = fl_checkpoint_save(in_tmp("untied"), m, opt, NULL, &err);
    if (!st) st = fl_checkpoint_load(in_tmp("untied"), &back, NULL, &err);
    if (!st) st = fl_adamw_create(back, &opt2, &err);
    if (!st) st = fl_checkpoint_load_optimizer(in_tmp("untied"), back, opt2, &err);
    if (check(st == FL_OK, "an untied checkpoint saves and loads with its optimizer", "%s", err.msg))
        check(fl_model_get_config(back)->tie_dec_embd == 0 && fl_model_num_params(back) == n &&
                  !memcmp(fl_model_params(back), fl_model_params(m), n * sizeof(float)) &&
                  !memcmp(fl_adamw_m(opt2), fl_adamw_m(opt), n * sizeof(float)) &&
                  !memcmp(fl_adamw_v(opt2), fl_adamw_v(opt), n * sizeof(float)),
              "it comes back untied, dec.wte and its moments bit for bit", "differs");
    fl_model_free(back), back = NULL;
    fl_adamw_free(opt2), opt2 = NULL;

    /* the key and the tensors must agree */
    const char *path = in_tmp("untied/model.safetensors");
    if (!edit_file(path, "\"ftp.tie_dec_embd\":\"0\"", "\"ftp.tie_dec_embd\":\"2\"")) {
        st = fl_checkpoint_load(in_tmp("untied"), &back, NULL, &err);
        check(st == FL_ERR_CONFIG && !back && strstr(err.msg, "ftp.tie_dec_embd"),
              "a checkpoint with ftp.tie_dec_embd=2 is refused naming the key", "status %d: %s", st, err.msg);
        edit_file(path, "\"ftp.tie_dec_embd\":\"2\"", "\"ftp.tie_dec_embd\":\"1\"");
        st = fl_checkpoint_load(in_tmp("untied"), &back, NULL, &err);
        char counts[64];
        snprintf(counts, sizeof counts, "holds %d tensors, the config needs %d", fl_model_num_tensors(m),
                 fl_model_num_tensors(m) - 1);
        check(st == FL_ERR_FORMAT && !back && strstr(err.msg, counts),
              "a tied config over an untied file's tensors is a format error", "status %d: %s", st, err.msg);
    } else {
        check(0, "the untied checkpoint records ftp.tie_dec_embd=0", "key not found in %s", path);
    }

    /* a tied checkpoint as written before the key existed: strip it (same length, JSON spaces) */
    fl_model *tied = small(1, 9);
    st = fl_checkpoint_save(in_tmp("old"), tied, NULL, NULL, &err);
    const char *old = in_tmp("old/model.safetensors");
    if (!st && !edit_file(old, ",\"ftp.tie_dec_embd\":\"1\"", "                       ")) {
        st = fl_checkpoint_load(in_tmp("old"), &back, NULL, &err);
        check(st == FL_OK && fl_model_get_config(back)->tie_dec_embd == 1 &&
                  fl_model_num_params(back) == fl_model_num_params(tied) &&
                  !memcmp(fl_model_params(back), fl_model_params(tied), fl_model_num_params(tied) * sizeof(float)),
              "a checkpoint without ftp.tie_dec_embd loads as tied, every weight intact", "%s", err.msg);
        fl_model_free(back), back = NULL;
    } else {
        check(0, "a tied checkpoint records ftp.tie_dec_embd=1", "%s", err.msg);
    }
    /* the key says untied but the file has no dec.wte */
    st = fl_checkpoint_save(in_tmp("lying"), tied, NULL, NULL, &err);
    if (!st) edit_file(in_tmp("lying/model.safetensors"), "\"ftp.tie_dec_embd\":\"1\"", "\"ftp.tie_dec_embd\":\"0\"");
    st = fl_checkpoint_load(in_tmp("lying"), &back, NULL, &err);
    check(st == FL_ERR_FORMAT && !back && strstr(err.msg, "dec.wte") && strstr(err.msg, "lying/model.safetensors"),
          "an untied config over a tied file is a format error naming the file and the missing tensor dec.wte",
          "status %d: %s", st, err.msg);
    fl_model_free(tied);
    fl_adamw_free(opt);
    fl_model_free(m);
}

static void init_from(void) {
    fl_model *tied = small(1, 3), *untied = small(0, 4), *dst = small(0, 5), *dst_tied = small(1, 6);
    const int nt = fl_model_num_tensors(dst);
    int copied = fl_model_copy_weights(dst, tied), same = 1;
    for (int i = 0; i < nt - 1; i++)
        same &= same_tensor(fl_model_tensor(dst, i), fl_model_find_tensor(tied, fl_model_tensor(dst, i)->name));
    check(copied == nt && same && same_tensor(fl_model_find_tensor(dst, "dec.wte"), fl_model_find_tensor(tied, "wte")),
          "--init-from a tied FTP into an untied one: every tensor copied, dec.wte from the source's wte",
          "copied %d of %d", copied, nt);
    copied = fl_model_copy_weights(dst, untied);
    check(copied == nt && same_tensor(fl_model_find_tensor(dst, "dec.wte"), fl_model_find_tensor(untied, "dec.wte")) &&
              !same_tensor(fl_model_find_tensor(dst, "dec.wte"), fl_model_find_tensor(untied, "wte")),
          "from an untied source, dec.wte is the source's own dec.wte", "copied %d of %d", copied, nt);
    copied = fl_model_copy_weights(dst_tied, untied);
    check(copied == fl_model_num_tensors(dst_tied) &&
              same_tensor(fl_model_find_tensor(dst_tied, "wte"), fl_model_find_tensor(untied, "wte")),
          "an untied source seeds a tied model with everything but its dec.wte", "copied %d", copied);
    fl_model_free(tied);
    fl_model_free(untied);
    fl_model_free(dst);
    fl_model_free(dst_tied);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fl_untied_XXXXXX");
    if (!mkdtemp(tmpdir)) return check(0, "a scratch folder", "mkdtemp failed"), 1;
    table_and_init();
    checkpoints();
    init_from();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_exit();
}
