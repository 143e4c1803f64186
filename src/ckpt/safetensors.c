#include "ckpt/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

#define MAX_HEADER (100u << 20) /* a header over 100 MB is not a real file */

struct fl_st_file {
    unsigned char *bytes;
    size_t size;
    fl_json_doc *doc;
    fl_st_tensor *tensors;
    int n;
    const fl_json *meta;
};

static const struct {
    const char *name;
    fl_dtype t;
    size_t size;
} DTYPES[] = {{"F32", FL_DT_F32, 4}, {"I32", FL_DT_I32, 4}, {"I64", FL_DT_I64, 8}, {"F64", FL_DT_F64, 8},
              {"U8", FL_DT_U8, 1},   {"F16", FL_DT_F16, 2}, {"BF16", FL_DT_BF16, 2}, {"BOOL", FL_DT_BOOL, 1}};

size_t fl_dtype_size(fl_dtype t) {
    for (size_t i = 0; i < sizeof DTYPES / sizeof DTYPES[0]; i++)
        if (DTYPES[i].t == t) return DTYPES[i].size;
    return 0;
}
const char *fl_dtype_name(fl_dtype t) {
    for (size_t i = 0; i < sizeof DTYPES / sizeof DTYPES[0]; i++)
        if (DTYPES[i].t == t) return DTYPES[i].name;
    return "?";
}

static fl_status read_all(const char *path, unsigned char **out, size_t *size, fl_error *err) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return fl_fail(err, FL_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return fl_fail(err, FL_ERR_IO, "%s is not a regular file", path);
    }
    size_t n = (size_t)st.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(fp);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory reading %s (%zu bytes)", path, n);
    }
    if (fread(buf, 1, n, fp) != n) {
        free(buf);
        fclose(fp);
        return fl_fail(err, FL_ERR_IO, "short read on %s", path);
    }
    fclose(fp);
    *out = buf;
    *size = n;
    return FL_OK;
}

typedef struct {
    size_t begin, end;
    int idx;
} range;

static int cmp_range(const void *a, const void *b) {
    const range *x = a, *y = b;
    return (x->begin > y->begin) - (x->begin < y->begin);
}

static int cmp_tensor_name(const void *a, const void *b) {
    return strcmp((*(const fl_st_tensor *const *)a)->name, (*(const fl_st_tensor *const *)b)->name);
}

/* A JSON object may repeat a key, and a header naming one tensor twice would let
 * fl_st_find return either: refuse it (sorting names, so a hostile header of many
 * tensors costs n log n, not n^2). */
static fl_status no_duplicate_names(const fl_st_file *f, const char *path, fl_error *err) {
    if (f->n < 2) return FL_OK;
    const fl_st_tensor **by = malloc((size_t)f->n * sizeof *by);
    if (!by) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (int i = 0; i < f->n; i++) by[i] = &f->tensors[i];
    qsort(by, (size_t)f->n, sizeof *by, cmp_tensor_name);
    fl_status st = FL_OK;
    for (int i = 1; i < f->n && !st; i++)
        if (!strcmp(by[i - 1]->name, by[i]->name))
            st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor '%s' appears twice in the header", path, by[i]->name);
    free(by);
    return st;
}

static fl_status parse(fl_st_file *f, const char *path, fl_error *err) {
    if (f->size < 8) return fl_fail(err, FL_ERR_FORMAT, "%s: too short to be a safetensors file", path);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | f->bytes[i];
    if (hlen > MAX_HEADER || hlen > f->size - 8)
        return fl_fail(err, FL_ERR_FORMAT, "%s: header length %llu is past the end of the file", path,
                       (unsigned long long)hlen);
    char msg[160];
    f->doc = fl_json_parse((const char *)f->bytes + 8, (size_t)hlen, msg, sizeof msg);
    if (!f->doc) return fl_fail(err, FL_ERR_FORMAT, "%s: bad JSON header: %s", path, msg);
    const fl_json *root = fl_json_root(f->doc);
    if (root->type != FL_JSON_OBJECT) return fl_fail(err, FL_ERR_FORMAT, "%s: header is not a JSON object", path);
    const unsigned char *data = f->bytes + 8 + hlen;
    size_t data_size = f->size - 8 - (size_t)hlen;
    f->tensors = calloc(root->count ? root->count : 1, sizeof *f->tensors);
    range *ranges = calloc(root->count ? root->count : 1, sizeof *ranges);
    if (!f->tensors || !ranges) {
        free(ranges);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    fl_status st = FL_OK;
    for (const fl_json *e = root->child; e && !st; e = e->next) {
        if (!strcmp(e->key, "__metadata__")) {
            if (e->type != FL_JSON_OBJECT) st = fl_fail(err, FL_ERR_FORMAT, "%s: __metadata__ is not an object", path);
            else if (f->meta) st = fl_fail(err, FL_ERR_FORMAT, "%s: __metadata__ appears twice", path);
            f->meta = e;
            continue;
        }
        fl_st_tensor *t = &f->tensors[f->n];
        t->name = e->key;
        const fl_json *dt = fl_json_get(e, "dtype"), *shape = fl_json_get(e, "shape"),
                      *offs = fl_json_get(e, "data_offsets");
        if (!dt || dt->type != FL_JSON_STRING || !shape || shape->type != FL_JSON_ARRAY || !offs ||
            offs->type != FL_JSON_ARRAY || offs->count != 2) {
            st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor '%s' lacks dtype, shape or data_offsets", path, e->key);
            break;
        }
        size_t esize = 0;
        for (size_t i = 0; i < sizeof DTYPES / sizeof DTYPES[0]; i++)
            if (!strcmp(dt->str, DTYPES[i].name)) t->dtype = DTYPES[i].t, esize = DTYPES[i].size;
        if (!esize) {
            st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor '%s' has unsupported dtype %s", path, e->key, dt->str);
            break;
        }
        if (shape->count > FL_ST_MAX_DIMS) {
            st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor '%s' has too many dimensions", path, e->key);
            break;
        }
        size_t numel = 1;
        t->ndim = 0;
        for (const fl_json *d = shape->child; d; d = d->next) {
            int64_t v;
            if (fl_json_int64(d, &v) || v < 0 || (v > 0 && numel > SIZE_MAX / 16 / (size_t)v)) {
                st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor '%s' has a bad shape", path, e->key);
                break;
            }
            t->shape[t->ndim++] = v;
            numel *= (size_t)v;
        }
        if (st) break;
        int64_t b, en;
        if (fl_json_int64(offs->child, &b) || fl_json_int64(offs->child->next, &en) || b < 0 || en < b ||
            (uint64_t)en > data_size) {
            st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor '%s' has data offsets outside the file", path, e->key);
            break;
        }
        if ((size_t)(en - b) != numel * esize) {
            st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor '%s' holds %lld bytes but its shape needs %zu", path, e->key,
                         (long long)(en - b), numel * esize);
            break;
        }
        t->numel = numel;
        t->data = data + b;
        ranges[f->n] = (range){(size_t)b, (size_t)en, f->n};
        f->n++;
    }
    if (!st) st = no_duplicate_names(f, path, err);
    if (!st) {
        qsort(ranges, (size_t)f->n, sizeof *ranges, cmp_range);
        size_t pos = 0;
        for (int i = 0; i < f->n && !st; i++) {
            if (ranges[i].begin != pos)
                st = fl_fail(err, FL_ERR_FORMAT, "%s: tensor '%s' %s the previous one", path,
                             f->tensors[ranges[i].idx].name, ranges[i].begin > pos ? "leaves a gap after" : "overlaps");
            pos = ranges[i].end;
        }
        if (!st && pos != data_size)
            st = fl_fail(err, FL_ERR_FORMAT, "%s: %zu bytes after the last tensor are not described by the header",
                         path, data_size - pos);
    }
    free(ranges);
    return st;
}

fl_status fl_st_open(const char *path, fl_st_file **out, fl_error *err) {
    *out = NULL;
    fl_st_file *f = calloc(1, sizeof *f);
    if (!f) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st = read_all(path, &f->bytes, &f->size, err);
    if (!st) st = parse(f, path, err);
    if (st) {
        fl_st_close(f);
        return st;
    }
    *out = f;
    return FL_OK;
}

void fl_st_close(fl_st_file *f) {
    if (!f) return;
    fl_json_free(f->doc);
    free(f->tensors);
    free(f->bytes);
    free(f);
}

int fl_st_count(const fl_st_file *f) { return f->n; }
const fl_st_tensor *fl_st_at(const fl_st_file *f, int i) { return i >= 0 && i < f->n ? &f->tensors[i] : NULL; }
const fl_st_tensor *fl_st_find(const fl_st_file *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->tensors[i].name, name)) return &f->tensors[i];
    return NULL;
}
const char *fl_st_meta(const fl_st_file *f, const char *key) {
    const fl_json *v = fl_json_get(f->meta, key);
    return v && v->type == FL_JSON_STRING ? v->str : NULL;
}

/* ---------------------------------------------------------------- writing */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) { b->oom = 1; return; }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}
static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }
static void put_json_string(sbuf *b, const char *s) {
    puts_(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char tmp[8];
        if (c == '"' || c == '\\') { tmp[0] = '\\'; tmp[1] = (char)c; put(b, tmp, 2); }
        else if (c < 0x20) { snprintf(tmp, sizeof tmp, "\\u%04x", c); puts_(b, tmp); }
        else put(b, (const char *)&c, 1);
    }
    puts_(b, "\"");
}

static int write_fully(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n > (1u << 30) ? (1u << 30) : n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

fl_status fl_st_write(const char *path, const fl_st_out *tensors, int n, const char *const *meta_kv, int n_meta,
                      fl_error *err) {
    sbuf h = {0};
    puts_(&h, "{");
    if (n_meta > 0) {
        puts_(&h, "\"__metadata__\":{");
        for (int i = 0; i < n_meta; i++) {
            if (i) puts_(&h, ",");
            put_json_string(&h, meta_kv[2 * i]);
            puts_(&h, ":");
            put_json_string(&h, meta_kv[2 * i + 1]);
        }
        puts_(&h, "}");
    }
    size_t offset = 0;
    for (int i = 0; i < n; i++) {
        const fl_st_out *t = &tensors[i];
        size_t numel = 1;
        char tmp[64];
        if (n_meta > 0 || i) puts_(&h, ",");
        put_json_string(&h, t->name);
        snprintf(tmp, sizeof tmp, ":{\"dtype\":\"%s\",\"shape\":[", fl_dtype_name(t->dtype));
        puts_(&h, tmp);
        for (int d = 0; d < t->ndim; d++) {
            snprintf(tmp, sizeof tmp, "%s%lld", d ? "," : "", (long long)t->shape[d]);
            puts_(&h, tmp);
            numel *= (size_t)t->shape[d];
        }
        size_t bytes = numel * fl_dtype_size(t->dtype);
        snprintf(tmp, sizeof tmp, "],\"data_offsets\":[%zu,%zu]}", offset, offset + bytes);
        puts_(&h, tmp);
        offset += bytes;
    }
    puts_(&h, "}");
    while (!h.oom && h.len % 8) puts_(&h, " "); /* the format asks for 8-byte alignment of the data */
    if (h.oom) {
        free(h.s);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory writing %s", path);
    }

    char *tmp_path = fl_path_fmt("%s.tmp-%ld", path, (long)getpid());
    int fd = tmp_path ? open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    if (fd < 0) {
        fl_status st = tmp_path ? fl_fail(err, FL_ERR_IO, "cannot create %s: %s", tmp_path, strerror(errno))
                                : fl_fail(err, FL_ERR_NOMEM, "out of memory writing %s", path);
        free(h.s);
        free(tmp_path);
        return st;
    }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
    int bad = write_fully(fd, len8, 8) || write_fully(fd, h.s, h.len);
    for (int i = 0; i < n && !bad; i++) {
        size_t numel = 1;
        for (int d = 0; d < tensors[i].ndim; d++) numel *= (size_t)tensors[i].shape[d];
        bad = write_fully(fd, tensors[i].data, numel * fl_dtype_size(tensors[i].dtype));
    }
    free(h.s);
    if (!bad) bad = fsync(fd);
    int saved = errno;
    if (close(fd) != 0 && !bad) bad = 1, saved = errno;
    if (!bad && rename(tmp_path, path) != 0) bad = 1, saved = errno;
    if (bad) unlink(tmp_path);
    free(tmp_path);
    if (bad)
        return fl_fail(err, FL_ERR_IO, "cannot write %s: %s (nothing was written under that name)", path,
                       strerror(saved));
    return FL_OK;
}
