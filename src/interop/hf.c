/* Hugging Face GPT-2 directories (config.json + model.safetensors) both ways.
 * HF's names are ours plus ".weight" on the embeddings and, in most files, a
 * "transformer." prefix; its Conv1D layers store weights [in, out], the
 * transpose of our [out, in]; its wte has V rows where ours has Vp (padding
 * rows zero). The causal-mask buffers some files carry (attn.bias,
 * attn.masked_bias) are constants, not weights, and are skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/safetensors.h"
#include "data/outdir.h"
#include "interop/interop.h"
#include "util/error.h"
#include "util/fs.h"

#define BAD(...) fl_fail(err, FL_ERR_FORMAT, __VA_ARGS__)

static int is_embedding(const char *name) { return !strcmp(name, "wte") || !strcmp(name, "wpe"); }
/* The blocks' matrices are Conv1D in HF ([in, out]); the embeddings are not. */
static int is_conv1d(const fl_tensor *t) { return t->ndim == 2 && !is_embedding(t->name); }

/* HF's name of our tensor. */
static void hf_name(const char *prefix, const char *ours, char *buf, size_t n) {
    snprintf(buf, n, "%s%s%s", prefix, ours, is_embedding(ours) ? ".weight" : "");
}

/* HF's shape of our tensor (V rows for wte). */
static void hf_shape(const fl_model *m, const fl_tensor *t, int64_t shape[2]) {
    shape[0] = t->shape[0], shape[1] = t->ndim == 2 ? t->shape[1] : 0;
    if (!strcmp(t->name, "wte")) shape[0] = fl_model_get_config(m)->vocab_size;
    if (is_conv1d(t)) shape[0] = t->shape[1], shape[1] = t->shape[0];
}

/* The mask buffers: "h.<l>.attn.bias" and "h.<l>.attn.masked_bias". */
static int is_buffer(const char *name) {
    int l, end = 0;
    if (sscanf(name, "h.%d.attn.masked_bias%n", &l, &end) == 1 && end && !name[end]) return 1;
    end = 0;
    return sscanf(name, "h.%d.attn.bias%n", &l, &end) == 1 && end && !name[end];
}

/* Every tensor of the file is one we read, the head, or a buffer: anything else
 * is a part GPT-2 of DESIGN.md 1.1 does not have. */
static fl_status check_known(const fl_st_file *f, const char *prefix, const fl_model *m, const char *path,
                             fl_error *err) {
    size_t pl = strlen(prefix);
    for (int i = 0; i < fl_st_count(f); i++) {
        const char *name = fl_st_at(f, i)->name;
        if (!strcmp(name, "lm_head.weight")) continue;
        const char *rest = pl && !strncmp(name, prefix, pl) ? name + pl : name;
        if (is_buffer(rest)) continue;
        char ours[96];
        snprintf(ours, sizeof ours, "%s", rest);
        size_t n = strlen(ours);
        if (n > 7 && !strcmp(ours + n - 7, ".weight") && (!strncmp(ours, "wte.", 4) || !strncmp(ours, "wpe.", 4)))
            ours[n - 7] = 0;
        if (!fl_model_find_tensor(m, ours) || (pl && rest == name))
            return BAD("%s: tensor '%s' has no place in futurelm's GPT-2 (an unknown part, or a mixed key prefix)",
                       path, name);
    }
    return FL_OK;
}

float fl_interop_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 31, m = h & 1023, bits;
    if (e == 31) bits = sign | 0x7f800000u | m << 13; /* inf, nan */
    else if (e) bits = sign | (e + 112) << 23 | m << 13;
    else if (!m) bits = sign;
    else { /* subnormal: normalise */
        e = 113;
        while (!(m & 1024)) m <<= 1, e--;
        bits = sign | e << 23 | (m & 1023) << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Element i of a F32, F16 or BF16 tensor as a float (exact: each widens). */
static float element(const fl_st_tensor *s, size_t i) {
    const unsigned char *p = (const unsigned char *)s->data + i * fl_dtype_size(s->dtype);
    uint32_t bits;
    float f;
    if (s->dtype == FL_DT_F32) {
        memcpy(&f, p, 4);
        return f;
    }
    uint16_t h = (uint16_t)(p[0] | p[1] << 8);
    if (s->dtype == FL_DT_F16) return fl_interop_half_to_float(h);
    bits = (uint32_t)h << 16; /* bfloat16 is float's top half */
    memcpy(&f, &bits, 4);
    return f;
}

static fl_status load_tensor(const fl_st_file *f, const char *prefix, fl_model *m, const fl_tensor *t,
                             const char *path, fl_error *err) {
    char name[128];
    hf_name(prefix, t->name, name, sizeof name);
    const fl_st_tensor *s = fl_st_find(f, name);
    if (!s) return BAD("%s: tensor '%s' is missing", path, name);
    int64_t want[2];
    hf_shape(m, t, want);
    if (s->dtype != FL_DT_F32 && s->dtype != FL_DT_F16 && s->dtype != FL_DT_BF16)
        return BAD("%s: tensor '%s' is %s; F32, F16 and BF16 convert", path, name, fl_dtype_name(s->dtype));
    if (s->ndim != t->ndim || s->shape[0] != want[0] || (t->ndim == 2 && s->shape[1] != want[1]))
        return BAD("%s: tensor '%s' has shape [%lld%s%lld], expected [%lld%s%lld]", path, name,
                   (long long)s->shape[0], s->ndim > 1 ? ", " : "", s->ndim > 1 ? (long long)s->shape[1] : 0LL,
                   (long long)want[0], t->ndim > 1 ? ", " : "", t->ndim > 1 ? (long long)want[1] : 0LL);
    if (is_conv1d(t)) { /* [in, out] -> [out, in] */
        const int64_t in = want[0], outn = want[1];
        for (int64_t o = 0; o < outn; o++)
            for (int64_t i = 0; i < in; i++) t->data[o * in + i] = element(s, (size_t)(i * outn + o));
    } else {
        for (size_t i = 0; i < s->numel; i++) t->data[i] = element(s, i);
    }
    return FL_OK;
}

/* Our head is wte itself: a separate lm_head must equal it bit for bit. */
static fl_status check_head(const fl_st_file *f, const fl_model *m, int tied, const char *path, fl_error *err) {
    const fl_st_tensor *h = fl_st_find(f, "lm_head.weight");
    if (tied) return FL_OK; /* transformers ties it to wte whatever the file holds */
    const fl_tensor *wte = fl_model_find_tensor(m, "wte");
    const fl_model_config *c = fl_model_get_config(m);
    if (!h) return BAD("%s: config says tie_word_embeddings false but there is no 'lm_head.weight'", path);
    int same = (h->dtype == FL_DT_F32 || h->dtype == FL_DT_F16 || h->dtype == FL_DT_BF16) && h->ndim == 2 &&
               h->shape[0] == c->vocab_size && h->shape[1] == c->n_embd;
    for (size_t i = 0; same && i < h->numel; i++) {
        float v = element(h, i);
        same = !memcmp(&v, &wte->data[i], sizeof v);
    }
    if (!same)
        return BAD("%s: 'lm_head.weight' differs from the token embedding; futurelm's GPT-2 ties its head to wte "
                   "(DESIGN.md 1.1), so an untied head cannot be represented",
                   path);
    return FL_OK;
}

fl_status fl_interop_hf_read(const char *dir, fl_model **out, fl_error *err) {
    *out = NULL;
    char *cpath = fl_path_join(dir, "config.json"), *spath = fl_path_join(dir, "model.safetensors");
    char *text = NULL;
    size_t len = 0;
    fl_model_config c;
    int tied = 1;
    fl_st_file *f = NULL;
    fl_model *m = NULL;
    fl_status st = !cpath || !spath ? fl_fail(err, FL_ERR_NOMEM, "out of memory") : FL_OK;
    if (!st) st = fl_read_file(cpath, &text, &len, err);
    if (!st) st = fl_interop_hf_config_parse(text, len, cpath, &c, &tied, err);
    if (!st) st = fl_st_open(spath, &f, err);
    fl_error e2;
    if (!st && (st = fl_model_create(&c, &m, &e2))) fl_fail(err, st, "%s: %s", cpath, e2.msg);
    const char *prefix = f && fl_st_find(f, "transformer.wte.weight") ? "transformer." : "";
    if (!st) st = check_known(f, prefix, m, spath, err);
    if (!st) memset(fl_model_params(m), 0, fl_model_num_params(m) * sizeof(float)); /* wte's padding rows */
    for (int i = 0; !st && i < fl_model_num_tensors(m); i++)
        st = load_tensor(f, prefix, m, fl_model_tensor(m, i), spath, err);
    if (!st) st = check_head(f, m, tied, spath, err);
    fl_st_close(f);
    free(text), free(cpath), free(spath);
    if (st) {
        fl_model_free(m);
        return st;
    }
    *out = m;
    return FL_OK;
}

/* model.safetensors in HF's names ("transformer." prefix, as save_pretrained
 * writes) and layout; no lm_head (tied, as save_pretrained leaves it out). */
static fl_status write_tensors(const char *path, const fl_model *m, fl_error *err) {
    const int nt = fl_model_num_tensors(m);
    fl_st_out *outs = calloc((size_t)nt, sizeof *outs);
    char (*names)[128] = calloc((size_t)nt, sizeof *names);
    float *scratch = malloc(fl_model_num_params(m) * sizeof(float)); /* the transposed matrices */
    if (!outs || !names || !scratch) {
        free(outs), free(names), free(scratch);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    float *p = scratch;
    for (int i = 0; i < nt; i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        hf_name("transformer.", t->name, names[i], sizeof names[i]);
        outs[i] = (fl_st_out){.name = names[i], .dtype = FL_DT_F32, .ndim = t->ndim, .data = t->data};
        hf_shape(m, t, outs[i].shape);
        if (!is_conv1d(t)) continue;
        const int in = t->shape[1], o = t->shape[0];
        for (int r = 0; r < in; r++)
            for (int k = 0; k < o; k++) p[(size_t)r * o + k] = t->data[(size_t)k * in + r];
        outs[i].data = p;
        p += t->numel;
    }
    const char *meta[2] = {"format", "pt"}; /* what transformers' loader expects of a PyTorch file */
    fl_status st = fl_st_write(path, outs, nt, meta, 1, err);
    free(outs), free(names), free(scratch);
    return st;
}

fl_status fl_interop_hf_write(const char *dir, const fl_model *m, int eot, const fl_tokenizer *tok, fl_error *err) {
    const fl_model_config *c = fl_model_get_config(m);
    if (c->type != FL_MODEL_GPT)
        return fl_fail(err, FL_ERR_ARG, "Hugging Face's GPT-2 holds a GPT; this is an FTP model (model.type=ftp)");
    fl_interop_vocab v = {0};
    fl_status st = tok ? fl_interop_vocab_build(tok, c->vocab_size, &v, err) : FL_OK;
    if (st) return st;
    if (eot < 0 && tok) eot = fl_tokenizer_eot(tok);
    fl_outdir d;
    if ((st = fl_outdir_begin(&d, dir, err))) {
        fl_interop_vocab_free(&v);
        return st;
    }
    char *json = fl_interop_hf_config_json(c, eot);
    char *cpath = fl_outdir_path(&d, "config.json"), *spath = fl_outdir_path(&d, "model.safetensors");
    if (!json || !cpath || !spath) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!st) st = fl_write_file_sync(cpath, json, strlen(json), err);
    if (!st) st = write_tensors(spath, m, err);
    if (!st && tok) st = fl_interop_hf_tokenizer_write(&d, &v, c->block_size, err);
    fl_interop_vocab_free(&v);
    free(json), free(cpath), free(spath);
    if (st) {
        fl_outdir_abort(&d);
        return st;
    }
    return fl_outdir_commit(&d, err);
}
