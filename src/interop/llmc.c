/* llm.c's model file (gpt2_124M.bin and what train_gpt2 writes) both ways; the
 * layout is in interop.h. Floats are copied as bytes: both files are
 * little-endian float32, so a round trip is bit for bit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interop/interop.h"
#include "util/error.h"
#include "util/fs.h"

/* llm.c's parameter arrays in file order: each names our tensor (a per-layer
 * one with %d) and is stacked over the layers when per_layer. */
static const struct {
    const char *name;
    int per_layer;
} ORDER[] = {
    {"wte", 0},
    {"wpe", 0},
    {"h.%d.ln_1.weight", 1},
    {"h.%d.ln_1.bias", 1},
    {"h.%d.attn.c_attn.weight", 1},
    {"h.%d.attn.c_attn.bias", 1},
    {"h.%d.attn.c_proj.weight", 1},
    {"h.%d.attn.c_proj.bias", 1},
    {"h.%d.ln_2.weight", 1},
    {"h.%d.ln_2.bias", 1},
    {"h.%d.mlp.c_fc.weight", 1},
    {"h.%d.mlp.c_fc.bias", 1},
    {"h.%d.mlp.c_proj.weight", 1},
    {"h.%d.mlp.c_proj.bias", 1},
    {"ln_f.weight", 0},
    {"ln_f.bias", 0},
};
enum { N_ORDER = sizeof ORDER / sizeof ORDER[0] };

static int32_t get_i32(const unsigned char *p) {
    return (int32_t)(p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}
static void put_i32(unsigned char *p, int32_t v) {
    uint32_t u = (uint32_t)v;
    p[0] = (unsigned char)u, p[1] = (unsigned char)(u >> 8), p[2] = (unsigned char)(u >> 16),
    p[3] = (unsigned char)(u >> 24);
}

fl_status fl_interop_llmc_header(const unsigned char *b, size_t len, const char *what, fl_llmc_header *h,
                                 fl_error *err) {
    int32_t magic = len >= 4 ? get_i32(b) : 0; /* the magic first: it says what the file is */
    if (magic != FL_LLMC_MAGIC)
        return fl_fail(err, FL_ERR_FORMAT, "%s: header[0] (magic) is %d, not llm.c's model magic %d%s", what,
                       (int)magic, FL_LLMC_MAGIC,
                       magic == 20240520 || magic == 20240801 ? " (it is a token shard: train on its folder with --data)"
                                                              : "");
    if (len < FL_LLMC_HEADER_BYTES)
        return fl_fail(err, FL_ERR_FORMAT, "%s: %zu bytes, shorter than llm.c's 1024-byte header", what, len);
    int32_t version = get_i32(b + 4);
    if (version != FL_LLMC_VERSION)
        return fl_fail(err, FL_ERR_FORMAT,
                       "%s: header[1] (version) is %d; only version %d (float32) is read%s", what, (int)version,
                       FL_LLMC_VERSION, version == 5 ? " (5 is bfloat16: export float32 from llm.c)" : "");
    static const char *const KEY[6] = {"maxT", "vocab_size", "num_layers", "num_heads", "channels",
                                       "padded_vocab_size"};
    int v[6];
    for (int i = 0; i < 6; i++) {
        int32_t x = get_i32(b + 8 + 4 * i);
        /* bounded so every size below fits in 64 bits with room to spare */
        if (x <= 0 || x > (1 << 24))
            return fl_fail(err, FL_ERR_FORMAT, "%s: header[%d] (%s) is %d, not a size", what, i + 2, KEY[i], (int)x);
        v[i] = (int)x;
    }
    *h = (fl_llmc_header){v[0], v[1], v[2], v[3], v[4], v[5]};
    if (h->padded_vocab < h->vocab)
        return fl_fail(err, FL_ERR_FORMAT, "%s: header[7] (padded_vocab_size) %d is below vocab_size %d", what,
                       h->padded_vocab, h->vocab);
    if (h->n_embd % h->n_head)
        return fl_fail(err, FL_ERR_FORMAT, "%s: header[6] (channels) %d is not a multiple of num_heads %d", what,
                       h->n_embd, h->n_head);
    return FL_OK;
}

uint64_t fl_interop_llmc_numel(const fl_llmc_header *h) {
    uint64_t C = (uint64_t)h->n_embd, L = (uint64_t)h->n_layer;
    return (uint64_t)h->padded_vocab * C + (uint64_t)h->max_t * C + L * (12 * C * C + 13 * C) + 2 * C;
}

/* Our tensor ORDER[k] of layer l. */
static const fl_tensor *tensor_of(const fl_model *m, int k, int l) {
    char name[64];
    snprintf(name, sizeof name, ORDER[k].name, l);
    return fl_model_find_tensor(m, name);
}

static fl_status read_params(FILE *f, const char *path, fl_model *m, const fl_llmc_header *h, fl_error *err) {
    const size_t C = (size_t)h->n_embd;
    for (int k = 0; k < N_ORDER; k++) {
        for (int l = 0; l < (ORDER[k].per_layer ? h->n_layer : 1); l++) {
            const fl_tensor *t = tensor_of(m, k, l);
            size_t n = k == 0 ? (size_t)h->vocab * C : t->numel; /* wte: the real rows; the padding follows */
            if (fread(t->data, sizeof(float), n, f) != n)
                return fl_fail(err, FL_ERR_IO, "%s: cannot read %s: %s", path, t->name,
                               feof(f) ? "unexpected end of file" : strerror(errno));
        }
        if (k != 0) continue;
        /* llm.c's padding rows stay zero in training; nonzero ones would be lost here */
        float row[256];
        for (size_t left = (size_t)(h->padded_vocab - h->vocab) * C; left > 0;) {
            size_t n = left < 256 ? left : 256;
            if (fread(row, sizeof(float), n, f) != n)
                return fl_fail(err, FL_ERR_IO, "%s: cannot read wte's padding rows", path);
            for (size_t i = 0; i < n; i++)
                if (row[i] != 0.0f)
                    return fl_fail(err, FL_ERR_FORMAT,
                                   "%s: wte's padding rows (%d..%d) are not zero; futurelm keeps them zero, so "
                                   "they cannot be carried over",
                                   path, h->vocab, h->padded_vocab - 1);
            left -= n;
        }
    }
    return FL_OK;
}

fl_status fl_interop_llmc_read(const char *path, fl_model **out, fl_error *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return fl_fail(err, FL_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    unsigned char hb[FL_LLMC_HEADER_BYTES];
    size_t got = fread(hb, 1, sizeof hb, f);
    fl_llmc_header h;
    fl_status st = fl_interop_llmc_header(hb, got, path, &h, err);
    struct stat sb;
    if (!st && fstat(fileno(f), &sb) != 0) st = fl_fail(err, FL_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
    uint64_t want = FL_LLMC_HEADER_BYTES + 4 * fl_interop_llmc_numel(&h);
    if (!st && (uint64_t)sb.st_size != want)
        st = fl_fail(err, FL_ERR_FORMAT, "%s is %s: the header implies %llu bytes, the file has %lld", path,
                     (uint64_t)sb.st_size < want ? "truncated" : "too long", (unsigned long long)want,
                     (long long)sb.st_size);
    fl_model_config c;
    fl_model_config_default(&c, FL_MODEL_GPT);
    c.vocab_size = h.vocab, c.block_size = h.max_t, c.n_layer = h.n_layer, c.n_head = h.n_head, c.n_embd = h.n_embd;
    fl_model *m = NULL;
    fl_error e2; /* the config's own message, given the file's name */
    if (!st && (st = fl_model_create(&c, &m, &e2))) fl_fail(err, st, "%s: %s", path, e2.msg);
    if (!st) {
        memset(fl_model_params(m), 0, fl_model_num_params(m) * sizeof(float)); /* our padding rows: zero */
        st = read_params(f, path, m, &h, err);
    }
    fclose(f);
    if (st) {
        fl_model_free(m);
        return st;
    }
    *out = m;
    return FL_OK;
}

/* Rows of zeros for the padding llm.c's files carry. */
static int write_zeros(FILE *f, size_t n) {
    static const float z[256];
    for (; n > 0;) {
        size_t k = n < 256 ? n : 256;
        if (fwrite(z, sizeof(float), k, f) != k) return -1;
        n -= k;
    }
    return 0;
}

fl_status fl_interop_llmc_write(const char *path, const fl_model *m, fl_error *err) {
    const fl_model_config *c = fl_model_get_config(m);
    if (c->type != FL_MODEL_GPT)
        return fl_fail(err, FL_ERR_ARG, "llm.c's format holds a GPT; this is an FTP model (model.type=ftp)");
    fl_llmc_header h = {c->block_size, c->vocab_size, c->n_layer, c->n_head, c->n_embd, (c->vocab_size + 127) / 128 * 128};
    unsigned char hb[FL_LLMC_HEADER_BYTES] = {0};
    const int v[8] = {FL_LLMC_MAGIC, FL_LLMC_VERSION, h.max_t, h.vocab, h.n_layer, h.n_head, h.n_embd, h.padded_vocab};
    for (int i = 0; i < 8; i++) put_i32(hb + 4 * i, v[i]);
    char *tmp = fl_path_fmt("%s.tmp-%ld", path, (long)getpid());
    if (!tmp) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fl_status st = fl_fail(err, FL_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    int ok = fwrite(hb, 1, sizeof hb, f) == sizeof hb;
    const size_t C = (size_t)c->n_embd;
    for (int k = 0; k < N_ORDER && ok; k++) {
        for (int l = 0; l < (ORDER[k].per_layer ? c->n_layer : 1) && ok; l++) {
            const fl_tensor *t = tensor_of(m, k, l);
            size_t n = k == 0 ? (size_t)c->vocab_size * C : t->numel;
            ok = fwrite(t->data, sizeof(float), n, f) == n;
        }
        if (k == 0 && ok) ok = write_zeros(f, (size_t)(h.padded_vocab - h.vocab) * C) == 0;
    }
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    fl_status st = FL_OK;
    if (!ok || rename(tmp, path) != 0) {
        st = fl_fail(err, FL_ERR_IO, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
        remove(tmp);
    }
    free(tmp);
    return st;
}
