/* A futurelm GPT as llama.cpp's "gpt2" architecture in GGUF, both ways.
 *
 * The layout needs no transposes: ggml's dims run innermost first, so our
 * row-major [out, in] matrix is dims {in, out} with the same bytes, which is
 * the shape llama.cpp's gpt2 loader asks for ({n_embd, 3 n_embd} for attn_qkv,
 * {n_embd, n_ff} for ffn_up, ...). Our wte has Vp rows (padding zero); the
 * file's token_embd has the vocabulary's V, one per token of the tokenizer
 * metadata, which llama.cpp requires. The head is tied, so there is no
 * output.weight (llama.cpp then uses token_embd). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interop/gguf.h"
#include "interop/interop.h"
#include "util/error.h"
#include "util/fs.h"

/* Our per-layer names after "h.N." and llama.cpp's after "blk.N.". */
static const char *const OURS[] = {"ln_1.",   "attn.c_attn.",  "attn.c_proj.", "ln_2.",
                                   "mlp.c_fc.", "mlp.c_proj."};
static const char *const THEIRS[] = {"attn_norm.", "attn_qkv.", "attn_output.", "ffn_norm.", "ffn_up.", "ffn_down."};

/* llama.cpp's name of our tensor (0 when ours has none). */
static int gguf_name(const char *ours, char *buf, size_t n) {
    if (!strcmp(ours, "wte")) return snprintf(buf, n, "token_embd.weight") > 0;
    if (!strcmp(ours, "wpe")) return snprintf(buf, n, "position_embd.weight") > 0;
    if (!strncmp(ours, "ln_f.", 5)) return snprintf(buf, n, "output_norm.%s", ours + 5) > 0;
    int l, end = 0;
    if (sscanf(ours, "h.%d.%n", &l, &end) != 1 || !end) return 0;
    for (size_t k = 0; k < sizeof OURS / sizeof *OURS; k++) {
        size_t kl = strlen(OURS[k]);
        if (!strncmp(ours + end, OURS[k], kl)) return snprintf(buf, n, "blk.%d.%s%s", l, THEIRS[k], ours + end + kl) > 0;
    }
    return 0;
}

/* Float to IEEE half, rounded to nearest even (overflow to infinity). */
static uint16_t float_to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000, m = x & 0x7fffff;
    int e = (int)((x >> 23) & 0xff);
    if (e == 0xff) return (uint16_t)(sign | 0x7c00 | (m ? 0x200 | m >> 13 : 0)); /* inf; nan stays a nan */
    int he = e - 127 + 15, shift = 13;
    if (he <= 0) { /* a half subnormal (or zero): the implicit bit joins the mantissa */
        if (he < -10) return (uint16_t)sign;
        m |= 0x800000, shift = 14 - he, he = 0;
    }
    uint32_t h = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) h++; /* a carry into the exponent is the right result */
    if (he >= 31) return (uint16_t)(sign | 0x7c00);
    return (uint16_t)(sign | (((uint32_t)he << 10) + h));
}

/* The tensor's GGUF layout: dims innermost first, wte cut to V rows. */
static void layout(const fl_model *m, const fl_tensor *t, int f16, uint64_t dims[2], uint32_t *nd, uint32_t *type,
                   uint64_t *bytes) {
    *nd = (uint32_t)t->ndim;
    dims[0] = (uint64_t)t->shape[t->ndim - 1], dims[1] = t->ndim == 2 ? (uint64_t)t->shape[0] : 1;
    if (!strcmp(t->name, "wte")) dims[1] = (uint64_t)fl_model_get_config(m)->vocab_size;
    *type = f16 && t->ndim == 2 ? FL_GGML_F16 : FL_GGML_F32; /* vectors stay F32, as llama.cpp's converters do */
    *bytes = dims[0] * dims[1] * (*type == FL_GGML_F16 ? 2 : 4);
}

static fl_status build_head(fl_gguf_out *o, const fl_model *m, const fl_interop_vocab *v, int f16) {
    const fl_model_config *c = fl_model_get_config(m);
    const int nt = fl_model_num_tensors(m);
    fl_gguf_put_header(o, (uint64_t)nt, v->eot >= 0 ? 19 : 17);
    fl_gguf_put_str(o, "general.architecture", "gpt2");
    fl_gguf_put_str(o, "general.name", "futurelm");
    fl_gguf_put_u32(o, "general.alignment", FL_GGUF_ALIGNMENT);
    fl_gguf_put_u32(o, "general.file_type", f16 ? 1 : 0); /* llama.cpp's ALL_F32 / MOSTLY_F16 */
    fl_gguf_put_u32(o, "gpt2.context_length", (uint32_t)c->block_size);
    fl_gguf_put_u32(o, "gpt2.embedding_length", (uint32_t)c->n_embd);
    fl_gguf_put_u32(o, "gpt2.block_count", (uint32_t)c->n_layer);
    fl_gguf_put_u32(o, "gpt2.feed_forward_length", 4 * (uint32_t)c->n_embd);
    fl_gguf_put_u32(o, "gpt2.attention.head_count", (uint32_t)c->n_head);
    fl_gguf_put_f32(o, "gpt2.attention.layer_norm_epsilon", 1e-5f); /* DESIGN.md 1.1's LayerNorm */
    fl_gguf_put_str(o, "tokenizer.ggml.model", "gpt2");
    fl_gguf_put_str(o, "tokenizer.ggml.pre", "gpt-2"); /* GPT-2's pre-tokenizer regex, the only one we have */
    fl_gguf_put_str_array(o, "tokenizer.ggml.tokens", v->blob, v->tok, (uint64_t)v->n);
    fl_gguf_put_i32_array(o, "tokenizer.ggml.token_type", v->type, (uint64_t)v->n);
    fl_gguf_put_str_array(o, "tokenizer.ggml.merges", v->blob, v->merge, (uint64_t)v->n_merges);
    fl_gguf_put_bool(o, "tokenizer.ggml.add_bos_token", 0); /* GPT-2 prompts carry no BOS */
    fl_gguf_put_bool(o, "tokenizer.ggml.add_eos_token", 0);
    if (v->eot >= 0) {
        fl_gguf_put_u32(o, "tokenizer.ggml.bos_token_id", (uint32_t)v->eot);
        fl_gguf_put_u32(o, "tokenizer.ggml.eos_token_id", (uint32_t)v->eot);
    }
    uint64_t off = 0;
    for (int i = 0; i < nt; i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        char name[64];
        uint64_t dims[2], bytes;
        uint32_t nd, type;
        gguf_name(t->name, name, sizeof name);
        layout(m, t, f16, dims, &nd, &type, &bytes);
        fl_gguf_put_tensor_info(o, name, nd, dims, type, off);
        off = (off + bytes + FL_GGUF_ALIGNMENT - 1) / FL_GGUF_ALIGNMENT * FL_GGUF_ALIGNMENT;
    }
    fl_gguf_put_pad(o, FL_GGUF_ALIGNMENT);
    return o->failed ? FL_ERR_NOMEM : FL_OK;
}

/* The tensors' bytes, each padded to the alignment. */
static int write_data(FILE *f, const fl_model *m, int f16) {
    static const unsigned char zero[FL_GGUF_ALIGNMENT];
    uint16_t buf[1024];
    for (int i = 0; i < fl_model_num_tensors(m); i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        uint64_t dims[2], bytes;
        uint32_t nd, type;
        layout(m, t, f16, dims, &nd, &type, &bytes);
        size_t n = (size_t)(dims[0] * dims[1]);
        if (type == FL_GGML_F32 && fwrite(t->data, 4, n, f) != n) return -1;
        for (size_t k = 0; type == FL_GGML_F16 && k < n; k += 1024) {
            size_t c = n - k < 1024 ? n - k : 1024;
            for (size_t j = 0; j < c; j++) buf[j] = float_to_half(t->data[k + j]);
            if (fwrite(buf, 2, c, f) != c) return -1;
        }
        size_t pad = (size_t)((FL_GGUF_ALIGNMENT - bytes % FL_GGUF_ALIGNMENT) % FL_GGUF_ALIGNMENT);
        if (fwrite(zero, 1, pad, f) != pad) return -1;
    }
    return 0;
}

fl_status fl_interop_gguf_write(const char *path, const fl_model *m, const fl_tokenizer *tok, int f16, fl_error *err) {
    const fl_model_config *c = fl_model_get_config(m);
    if (c->type != FL_MODEL_GPT)
        return fl_fail(err, FL_ERR_ARG, "llama.cpp's gpt2 holds a GPT; this is an FTP model (model.type=ftp)");
    if (!tok)
        return fl_fail(err, FL_ERR_ARG, "a GGUF file carries its tokenizer, and none is known: the source records "
                       "none, so give one with --tokenizer");
    fl_interop_vocab v;
    fl_status st = fl_interop_vocab_build(tok, c->vocab_size, &v, err);
    if (st) return st;
    fl_gguf_out o = {{0}, 0};
    if (build_head(&o, m, &v, f16)) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_interop_vocab_free(&v);
    char *tmp = st ? NULL : fl_path_fmt("%s.tmp-%ld", path, (long)getpid());
    FILE *f = tmp ? fopen(tmp, "wb") : NULL;
    if (!st && !f) st = fl_fail(err, FL_ERR_IO, "cannot create %s.tmp-*: %s", path, strerror(tmp ? errno : ENOMEM));
    if (f) {
        errno = 0; /* the message's reason is this write's, not an earlier call's */
        int ok = fwrite(o.b.data, 1, o.b.len, f) == o.b.len && write_data(f, m, f16) == 0;
        ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
        ok = (fclose(f) == 0) && ok;
        if (!ok || rename(tmp, path) != 0) {
            st = fl_fail(err, FL_ERR_IO, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
            remove(tmp);
        }
    }
    free(tmp);
    fl_bytebuf_free(&o.b);
    return st;
}

/* ---- reading */

#define BAD(...) fl_fail(err, FL_ERR_FORMAT, __VA_ARGS__)

static fl_status get_int(const fl_gguf *g, const char *key, const char *what, int *out, fl_error *err) {
    const fl_gguf_kv *kv = fl_gguf_find_kv(g, key);
    int64_t v;
    if (!kv) return BAD("%s: key '%s' is missing", what, key);
    if (!fl_gguf_kv_int(kv, &v) || v <= 0 || v > (1 << 24))
        return BAD("%s: key '%s' is not a positive integer of at most 2^24", what, key);
    *out = (int)v;
    return FL_OK;
}

/* general.architecture and the gpt2.* keys into a GPT config; what DESIGN.md
 * 1.1's GPT-2 cannot follow is refused, naming the key. */
static fl_status read_config(const fl_gguf *g, size_t len, const char *what, fl_model_config *c, fl_error *err) {
    const fl_gguf_kv *a = fl_gguf_find_kv(g, "general.architecture");
    const char *arch;
    uint64_t n;
    if (!a || !fl_gguf_kv_str(a, &arch, &n))
        return BAD("%s: key 'general.architecture' is missing or not a string", what);
    if (n != 4 || memcmp(arch, "gpt2", 4))
        return BAD("%s: general.architecture is not \"gpt2\"; futurelm reads llama.cpp's gpt2 models only", what);
    fl_model_config_default(c, FL_MODEL_GPT);
    int ff = 0, kvh = 0;
    fl_status st = get_int(g, "gpt2.context_length", what, &c->block_size, err);
    if (!st) st = get_int(g, "gpt2.embedding_length", what, &c->n_embd, err);
    if (!st) st = get_int(g, "gpt2.block_count", what, &c->n_layer, err);
    if (!st) st = get_int(g, "gpt2.attention.head_count", what, &c->n_head, err);
    if (!st) st = get_int(g, "gpt2.feed_forward_length", what, &ff, err);
    if (st) return st;
    if (ff != 4 * c->n_embd)
        return BAD("%s: gpt2.feed_forward_length is %d; futurelm's GPT-2 has 4 x embedding_length = %d", what, ff,
                   4 * c->n_embd);
    if (fl_gguf_find_kv(g, "gpt2.attention.head_count_kv") &&
        (get_int(g, "gpt2.attention.head_count_kv", what, &kvh, err) || kvh != c->n_head))
        return BAD("%s: gpt2.attention.head_count_kv differs from head_count (grouped-query attention is not GPT-2)",
                   what);
    const fl_gguf_kv *e = fl_gguf_find_kv(g, "gpt2.attention.layer_norm_epsilon");
    float eps = 0;
    if (e && e->type == FL_GGUF_F32) memcpy(&eps, e->val, 4); /* little-endian, as the whole format */
    if (eps != 1e-5f) return BAD("%s: gpt2.attention.layer_norm_epsilon is missing or not 1e-5", what);
    const fl_gguf_tensor *te = fl_gguf_find_tensor(g, "token_embd.weight");
    if (!te || te->n_dims != 2 || te->dims[1] > (1 << 24))
        return BAD("%s: tensor 'token_embd.weight' is missing or not a matrix of at most 2^24 rows", what);
    c->vocab_size = (int)te->dims[1];
    /* the tensors must hold the parameters the keys imply before any memory is taken for them */
    double C = c->n_embd, need = ((double)c->vocab_size + c->block_size + 2) * C + c->n_layer * (12 * C * C + 13 * C);
    if (2 * need > (double)len) /* F16, the smallest type read, takes 2 bytes a parameter */
        return BAD("%s: the keys imply %.0f parameters, more than the file can hold", what, need);
    return FL_OK;
}

/* Element i of an F32 or F16 tensor as a float (exact). */
static float element(const fl_gguf_tensor *t, uint64_t i) {
    float f;
    if (t->type == FL_GGML_F32) {
        memcpy(&f, t->data + 4 * i, 4);
        return f;
    }
    return fl_interop_half_to_float((uint16_t)(t->data[2 * i] | t->data[2 * i + 1] << 8));
}

static fl_status load_tensor(const fl_gguf *g, const fl_model *m, const fl_tensor *t, const char *what,
                             fl_error *err) {
    char name[64];
    uint64_t dims[2], bytes;
    uint32_t nd, type;
    gguf_name(t->name, name, sizeof name);
    layout(m, t, 0, dims, &nd, &type, &bytes);
    const fl_gguf_tensor *s = fl_gguf_find_tensor(g, name);
    if (!s) return BAD("%s: tensor '%s' is missing", what, name);
    if (s->n_dims != nd || s->dims[0] != dims[0] || (nd == 2 && s->dims[1] != dims[1]))
        return BAD("%s: tensor '%s' has dims {%llu%s%llu}, expected {%llu%s%llu}", what, name,
                   (unsigned long long)s->dims[0], s->n_dims > 1 ? ", " : "",
                   s->n_dims > 1 ? (unsigned long long)s->dims[1] : 0ULL, (unsigned long long)dims[0],
                   nd > 1 ? ", " : "", nd > 1 ? (unsigned long long)dims[1] : 0ULL);
    for (uint64_t i = 0; i < s->numel; i++) t->data[i] = element(s, i);
    return FL_OK;
}

/* Every tensor of the file is one of ours, or an output.weight equal to
 * token_embd (our head is wte itself, design.md 1.1). */
static fl_status check_known(const fl_gguf *g, const fl_model *m, const char *what, fl_error *err) {
    const fl_tensor *wte = fl_model_find_tensor(m, "wte");
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        const fl_gguf_tensor *s = &g->tensor[i];
        int known = 0;
        for (int k = 0; !known && k < fl_model_num_tensors(m); k++) {
            char name[64];
            gguf_name(fl_model_tensor(m, k)->name, name, sizeof name);
            known = !strcmp(name, s->name);
        }
        if (known) continue;
        if (strcmp(s->name, "output.weight"))
            return BAD("%s: tensor '%s' has no place in futurelm's GPT-2", what, s->name);
        int same = s->n_dims == 2 && s->dims[0] == (uint64_t)wte->shape[1] &&
                   s->dims[1] == (uint64_t)fl_model_get_config(m)->vocab_size;
        for (uint64_t j = 0; same && j < s->numel; j++) {
            float f = element(s, j);
            same = !memcmp(&f, &wte->data[j], 4);
        }
        if (!same)
            return BAD("%s: 'output.weight' differs from token_embd; futurelm's GPT-2 ties its head to wte "
                       "(DESIGN.md 1.1), so an untied head cannot be represented", what);
    }
    return FL_OK;
}

fl_status fl_interop_gguf_read_mem(const unsigned char *b, size_t len, const char *what, fl_model **out,
                                   fl_error *err) {
    *out = NULL;
    fl_gguf g;
    fl_status st = fl_gguf_parse(b, len, what, &g, err);
    if (st) return st;
    fl_model_config c;
    fl_model *m = NULL;
    fl_error e2; /* the config's own message, given the file's name */
    st = read_config(&g, len, what, &c, err);
    if (!st && (st = fl_model_create(&c, &m, &e2))) fl_fail(err, st, "%s: %s", what, e2.msg);
    if (!st) memset(fl_model_params(m), 0, fl_model_num_params(m) * sizeof(float)); /* wte's padding rows */
    for (int i = 0; !st && i < fl_model_num_tensors(m); i++) st = load_tensor(&g, m, fl_model_tensor(m, i), what, err);
    if (!st) st = check_known(&g, m, what, err);
    fl_gguf_free(&g);
    if (st) {
        fl_model_free(m);
        return st;
    }
    *out = m;
    return FL_OK;
}

fl_status fl_interop_gguf_read(const char *path, fl_model **out, fl_error *err) {
    char *b;
    size_t len;
    fl_status st = fl_read_file(path, &b, &len, err);
    if (st) return st;
    st = fl_interop_gguf_read_mem((const unsigned char *)b, len, path, out, err);
    free(b);
    return st;
}
