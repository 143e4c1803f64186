/* GGUF's container (gguf.h): a parser over bytes in memory that checks every
 * count, length and offset before using it, and the writer's pieces. */
#include "interop/gguf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define BAD(...) fl_fail(c->err, FL_ERR_FORMAT, __VA_ARGS__)

typedef struct {
    const unsigned char *b;
    size_t len, pos;
    const char *what;
    fl_error *err;
} cur;

static uint64_t get_le(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* Reads an n-byte little-endian integer (FIELD names it when the bytes run out). */
static fl_status rd(cur *c, int n, uint64_t *v, const char *field) {
    if (c->len - c->pos < (size_t)n)
        return BAD("%s is truncated: the file ends at byte %zu, inside %s", c->what, c->len, field);
    *v = get_le(c->b + c->pos, n);
    c->pos += (size_t)n;
    return FL_OK;
}

/* A string: its length, then that many bytes (checked against what is left). */
static fl_status rd_str(cur *c, const unsigned char **s, uint64_t *n, const char *field) {
    fl_status st = rd(c, 8, n, field);
    if (st) return st;
    if (*n > c->len - c->pos)
        return BAD("%s: %s says %llu bytes, past the end of the file (%zu bytes left)", c->what, field,
                   (unsigned long long)*n, c->len - c->pos);
    *s = c->b + c->pos;
    c->pos += (size_t)*n;
    return FL_OK;
}

static int scalar_size(uint32_t t) {
    static const int SIZE[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return t <= FL_GGUF_F64 ? SIZE[t] : 0;
}

/* Skips one value of type t (an array's elements, not nested arrays). */
static fl_status skip_value(cur *c, fl_gguf_kv *kv, const char *key) {
    if (kv->type == FL_GGUF_STRING) {
        const unsigned char *s;
        uint64_t n = 0;
        return rd_str(c, &s, &n, key);
    }
    if (kv->type != FL_GGUF_ARRAY) {
        if (!scalar_size(kv->type)) return BAD("%s: key '%s' has value type %u, which GGUF does not define", c->what,
                                                key, kv->type);
        uint64_t v = 0;
        return rd(c, scalar_size(kv->type), &v, key);
    }
    uint64_t t = 0, n = 0;
    fl_status st = rd(c, 4, &t, key);
    if (!st) st = rd(c, 8, &n, key);
    if (st) return st;
    kv->arr_type = (uint32_t)t, kv->arr_n = n, kv->val = c->b + c->pos;
    if (t == FL_GGUF_ARRAY) return BAD("%s: key '%s' is an array of arrays, which futurelm does not read", c->what, key);
    if (t == FL_GGUF_STRING) {
        for (uint64_t i = 0; i < n; i++) { /* each string takes 8 bytes at least: bounded by the file */
            const unsigned char *s;
            uint64_t sn = 0;
            if ((st = rd_str(c, &s, &sn, key))) return st;
        }
        return FL_OK;
    }
    int sz = scalar_size((uint32_t)t);
    if (!sz) return BAD("%s: key '%s' is an array of value type %llu, which GGUF does not define", c->what, key,
                        (unsigned long long)t);
    if (n > (c->len - c->pos) / (uint64_t)sz)
        return BAD("%s: key '%s' holds %llu elements, past the end of the file", c->what, key, (unsigned long long)n);
    c->pos += (size_t)(n * (uint64_t)sz);
    return FL_OK;
}

/* The key as a C string for messages (cut at 80 bytes). */
static void key_text(const unsigned char *k, uint64_t n, char out[84]) {
    size_t m = n < 80 ? (size_t)n : 80;
    memcpy(out, k, m);
    for (size_t i = 0; i < m; i++)
        if (out[i] < 32 || out[i] > 126) out[i] = '?';
    memcpy(out + m, n > 80 ? "..." : "", n > 80 ? 4 : 1);
}

static int cmp_kv(const void *a, const void *b) {
    const fl_gguf_kv *x = *(fl_gguf_kv *const *)a, *y = *(fl_gguf_kv *const *)b;
    size_t n = x->key_len < y->key_len ? (size_t)x->key_len : (size_t)y->key_len;
    int r = memcmp(x->key, y->key, n);
    return r ? r : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}
static int cmp_tensor(const void *a, const void *b) {
    return strcmp((*(fl_gguf_tensor *const *)a)->name, (*(fl_gguf_tensor *const *)b)->name);
}

/* Keys and tensor names must be unique: sorted, so a crafted file of many
 * entries costs n log n, not n^2. */
static fl_status check_unique(cur *c, fl_gguf *g) {
    size_t n = (size_t)(g->n_kv > g->n_tensors ? g->n_kv : g->n_tensors);
    void **p = malloc((n ? n : 1) * sizeof *p);
    if (!p) return fl_fail(c->err, FL_ERR_NOMEM, "out of memory");
    fl_status st = FL_OK;
    for (size_t i = 0; i < g->n_kv; i++) p[i] = &g->kv[i];
    qsort(p, (size_t)g->n_kv, sizeof *p, cmp_kv);
    for (size_t i = 1; !st && i < g->n_kv; i++)
        if (!cmp_kv(&p[i - 1], &p[i])) {
            char k[84];
            key_text(((fl_gguf_kv *)p[i])->key, ((fl_gguf_kv *)p[i])->key_len, k);
            st = BAD("%s: key '%s' appears twice", c->what, k);
        }
    for (size_t i = 0; i < g->n_tensors; i++) p[i] = &g->tensor[i];
    qsort(p, (size_t)g->n_tensors, sizeof *p, cmp_tensor);
    for (size_t i = 1; !st && i < g->n_tensors; i++)
        if (!cmp_tensor(&p[i - 1], &p[i])) st = BAD("%s: tensor '%s' appears twice", c->what, ((fl_gguf_tensor *)p[i])->name);
    free(p);
    return st;
}

static const char *type_name(uint32_t t) {
    static const char *const NAME[] = {"F32", "F16", "Q4_0", "Q4_1", "4", "5", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
                                       "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"};
    return t < sizeof NAME / sizeof *NAME ? NAME[t] : t == 30 ? "BF16" : "a quantised type";
}

static fl_status rd_tensor_info(cur *c, fl_gguf_tensor *t, uint64_t i) {
    const unsigned char *s;
    uint64_t n = 0, v = 0;
    char field[48];
    snprintf(field, sizeof field, "tensor info %llu", (unsigned long long)i);
    fl_status st = rd_str(c, &s, &n, field);
    if (st) return st;
    if (!n || n > FL_GGUF_MAX_NAME || memchr(s, 0, (size_t)n))
        return BAD("%s: %s has a name of %llu bytes; a name is 1 to %d bytes, no NUL", c->what, field,
                   (unsigned long long)n, FL_GGUF_MAX_NAME);
    memcpy(t->name, s, (size_t)n), t->name[n] = 0;
    if ((st = rd(c, 4, &v, t->name))) return st;
    if (!v || v > FL_GGUF_MAX_DIMS)
        return BAD("%s: tensor '%s' has %llu dimensions; GGUF allows 1 to %d", c->what, t->name,
                   (unsigned long long)v, FL_GGUF_MAX_DIMS);
    t->n_dims = (uint32_t)v, t->numel = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        if ((st = rd(c, 8, &t->dims[d], t->name))) return st;
        /* bounded by the file: no product below can overflow */
        if (!t->dims[d] || t->dims[d] > c->len || t->numel > c->len / t->dims[d])
            return BAD("%s: tensor '%s' dimension %u is %llu, not a size this file can hold", c->what, t->name, d,
                       (unsigned long long)t->dims[d]);
        t->numel *= t->dims[d];
    }
    if ((st = rd(c, 4, &v, t->name)) || (st = rd(c, 8, &t->offset, t->name))) return st;
    t->type = (uint32_t)v;
    if (t->type != FL_GGML_F32 && t->type != FL_GGML_F16)
        return BAD("%s: tensor '%s' has ggml type %u (%s); futurelm reads F32 and F16", c->what, t->name, t->type,
                   type_name(t->type));
    t->nbytes = t->numel * (t->type == FL_GGML_F32 ? 4 : 2);
    return FL_OK;
}

fl_status fl_gguf_parse(const unsigned char *b, size_t len, const char *what, fl_gguf *g, fl_error *err) {
    memset(g, 0, sizeof *g);
    cur cc = {b, len, 0, what, err}, *c = &cc;
    if (len < 4 || memcmp(b, "GGUF", 4)) return BAD("%s: not a GGUF file (its first 4 bytes are not \"GGUF\")", what);
    c->pos = 4;
    uint64_t v = 0;
    fl_status st = rd(c, 4, &v, "the header");
    if (st) return st;
    if (v != FL_GGUF_VERSION)
        return BAD("%s: GGUF version %llu; futurelm reads version %d", what, (unsigned long long)v, FL_GGUF_VERSION);
    g->version = (uint32_t)v;
    if ((st = rd(c, 8, &g->n_tensors, "the header")) || (st = rd(c, 8, &g->n_kv, "the header"))) return st;
    /* a key/value takes 13 bytes at least, a tensor info 25: counts beyond that are lies */
    if (g->n_kv > len / 13 || g->n_tensors > len / 25)
        return BAD("%s: the header counts %llu tensors and %llu keys, more than %zu bytes can hold", what,
                   (unsigned long long)g->n_tensors, (unsigned long long)g->n_kv, len);
    g->kv = calloc((size_t)g->n_kv + 1, sizeof *g->kv);
    g->tensor = calloc((size_t)g->n_tensors + 1, sizeof *g->tensor);
    if (!g->kv || !g->tensor) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    g->alignment = FL_GGUF_ALIGNMENT;
    for (uint64_t i = 0; !st && i < g->n_kv; i++) {
        fl_gguf_kv *kv = &g->kv[i];
        char k[84];
        st = rd_str(c, &kv->key, &kv->key_len, "a key");
        if (!st && !kv->key_len) st = BAD("%s: key/value %llu has an empty key", what, (unsigned long long)i);
        if (st) break;
        key_text(kv->key, kv->key_len, k);
        if ((st = rd(c, 4, &v, k))) break;
        kv->type = (uint32_t)v, kv->val = b + c->pos;
        if ((st = skip_value(c, kv, k))) break;
        if (kv->key_len == 17 && !memcmp(kv->key, "general.alignment", 17)) {
            uint64_t a = kv->type == FL_GGUF_U32 ? get_le(kv->val, 4) : 0;
            if (!a || (a & (a - 1)))
                st = BAD("%s: general.alignment must be a uint32 power of two", what);
            g->alignment = a;
        }
    }
    for (uint64_t i = 0; !st && i < g->n_tensors; i++) st = rd_tensor_info(c, &g->tensor[i], i);
    if (!st) st = check_unique(c, g);
    if (!st) {
        g->data_start = (c->pos + g->alignment - 1) / g->alignment * g->alignment;
        if (g->n_tensors && g->data_start > len)
            st = BAD("%s is truncated: its tensor data would start at byte %llu, past its end (%zu)", what,
                     (unsigned long long)g->data_start, len);
    }
    for (uint64_t i = 0; !st && i < g->n_tensors; i++) {
        fl_gguf_tensor *t = &g->tensor[i];
        uint64_t room = len - g->data_start;
        if (t->offset % g->alignment)
            st = BAD("%s: tensor '%s' is at offset %llu, not a multiple of the alignment %llu", what, t->name,
                     (unsigned long long)t->offset, (unsigned long long)g->alignment);
        else if (t->offset > room || t->nbytes > room - t->offset)
            st = BAD("%s: tensor '%s' (%llu bytes at offset %llu) runs past the end of the file", what, t->name,
                     (unsigned long long)t->nbytes, (unsigned long long)t->offset);
        else
            t->data = b + g->data_start + t->offset;
    }
    if (st) fl_gguf_free(g);
    return st;
}

void fl_gguf_free(fl_gguf *g) {
    free(g->kv), free(g->tensor);
    memset(g, 0, sizeof *g);
}

const fl_gguf_kv *fl_gguf_find_kv(const fl_gguf *g, const char *key) {
    size_t n = strlen(key);
    for (uint64_t i = 0; i < g->n_kv; i++)
        if (g->kv[i].key_len == n && !memcmp(g->kv[i].key, key, n)) return &g->kv[i];
    return NULL;
}

const fl_gguf_tensor *fl_gguf_find_tensor(const fl_gguf *g, const char *name) {
    for (uint64_t i = 0; i < g->n_tensors; i++)
        if (!strcmp(g->tensor[i].name, name)) return &g->tensor[i];
    return NULL;
}

int fl_gguf_kv_int(const fl_gguf_kv *kv, int64_t *out) {
    int sz = kv->type <= FL_GGUF_I64 && kv->type != FL_GGUF_F32 && kv->type != FL_GGUF_BOOL ? scalar_size(kv->type) : 0;
    if (!sz || kv->type == FL_GGUF_F64) return 0;
    uint64_t u = get_le(kv->val, sz);
    int is_signed = kv->type == FL_GGUF_I8 || kv->type == FL_GGUF_I16 || kv->type == FL_GGUF_I32 ||
                    kv->type == FL_GGUF_I64;
    if (is_signed && sz < 8 && (u >> (8 * sz - 1))) u |= ~(uint64_t)0 << (8 * sz); /* sign-extend */
    if (!is_signed && u > INT64_MAX) return 0;
    *out = (int64_t)u;
    return 1;
}

int fl_gguf_kv_str(const fl_gguf_kv *kv, const char **s, uint64_t *n) {
    if (kv->type != FL_GGUF_STRING) return 0;
    *n = get_le(kv->val, 8), *s = (const char *)kv->val + 8; /* the parser checked the length */
    return 1;
}

/* ---- writer */

static void put(fl_gguf_out *o, const void *p, size_t n) {
    fl_error e;
    if (!o->failed && fl_bytebuf_append(&o->b, p, n, &e)) o->failed = 1;
}
static void put_le(fl_gguf_out *o, uint64_t v, int n) {
    unsigned char p[8];
    for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
    put(o, p, (size_t)n);
}
static void put_string(fl_gguf_out *o, const char *s) {
    size_t n = strlen(s);
    put_le(o, n, 8), put(o, s, n);
}
static void put_key(fl_gguf_out *o, const char *key, uint32_t type) { put_string(o, key), put_le(o, type, 4); }

void fl_gguf_put_header(fl_gguf_out *o, uint64_t n_tensors, uint64_t n_kv) {
    put(o, "GGUF", 4), put_le(o, FL_GGUF_VERSION, 4), put_le(o, n_tensors, 8), put_le(o, n_kv, 8);
}
void fl_gguf_put_str(fl_gguf_out *o, const char *key, const char *val) {
    put_key(o, key, FL_GGUF_STRING), put_string(o, val);
}
void fl_gguf_put_u32(fl_gguf_out *o, const char *key, uint32_t val) { put_key(o, key, FL_GGUF_U32), put_le(o, val, 4); }
void fl_gguf_put_f32(fl_gguf_out *o, const char *key, float val) {
    uint32_t u;
    memcpy(&u, &val, 4);
    put_key(o, key, FL_GGUF_F32), put_le(o, u, 4);
}
void fl_gguf_put_bool(fl_gguf_out *o, const char *key, int val) { put_key(o, key, FL_GGUF_BOOL), put_le(o, !!val, 1); }
void fl_gguf_put_str_array(fl_gguf_out *o, const char *key, const char *blob, const size_t *off, uint64_t n) {
    put_key(o, key, FL_GGUF_ARRAY), put_le(o, FL_GGUF_STRING, 4), put_le(o, n, 8);
    for (uint64_t i = 0; i < n; i++) put_string(o, blob + off[i]);
}
void fl_gguf_put_i32_array(fl_gguf_out *o, const char *key, const int32_t *v, uint64_t n) {
    put_key(o, key, FL_GGUF_ARRAY), put_le(o, FL_GGUF_I32, 4), put_le(o, n, 8);
    for (uint64_t i = 0; i < n; i++) put_le(o, (uint32_t)v[i], 4);
}
void fl_gguf_put_tensor_info(fl_gguf_out *o, const char *name, uint32_t n_dims, const uint64_t *dims, uint32_t type,
                             uint64_t offset) {
    put_string(o, name), put_le(o, n_dims, 4);
    for (uint32_t d = 0; d < n_dims; d++) put_le(o, dims[d], 8);
    put_le(o, type, 4), put_le(o, offset, 8);
}
void fl_gguf_put_pad(fl_gguf_out *o, uint64_t alignment) {
    static const unsigned char z[64];
    while (!o->failed && o->b.len % alignment) {
        uint64_t k = alignment - o->b.len % alignment;
        put(o, z, (size_t)(k < 64 ? k : 64));
    }
}
