#include "data/shard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"

static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
    p[3] = (unsigned char)(v >> 24);
}
static uint32_t get32(const unsigned char *p) {
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void header(unsigned char *h, int width, uint64_t count) {
    memset(h, 0, FL_SHARD_HEADER_INTS * 4);
    put32(h, width == 2 ? FL_SHARD_MAGIC16 : FL_SHARD_MAGIC32);
    put32(h + 4, width == 2 ? FL_SHARD_VERSION16 : FL_SHARD_VERSION32);
    put32(h + 8, (uint32_t)count);
}

fl_status fl_shard_writer_open(fl_shard_writer *w, const char *path, int vocab_size, fl_error *err) {
    memset(w, 0, sizeof *w);
    if (vocab_size <= 0) return fl_fail(err, FL_ERR_ARG, "shard '%s': vocabulary size %d", path, vocab_size);
    w->width = fl_shard_width(vocab_size);
    w->vocab_size = vocab_size;
    size_t n = strlen(path) + 8;
    w->path = strdup(path);
    w->tmp = malloc(n);
    if (!w->path || !w->tmp) {
        fl_shard_writer_abort(w);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    snprintf(w->tmp, n, "%s.tmp", path);
    w->f = fopen(w->tmp, "wb");
    if (!w->f) {
        fl_status st = fl_fail(err, FL_ERR_IO, "cannot create '%s': %s", w->tmp, strerror(errno));
        fl_shard_writer_abort(w);
        return st;
    }
    unsigned char h[FL_SHARD_HEADER_INTS * 4];
    header(h, w->width, 0);
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h) {
        fl_status st = fl_fail(err, FL_ERR_IO, "cannot write '%s': %s", w->tmp, strerror(errno));
        fl_shard_writer_abort(w);
        return st;
    }
    return FL_OK;
}

fl_status fl_shard_writer_put(fl_shard_writer *w, const int32_t *ids, size_t n, fl_error *err) {
    unsigned char buf[8192];
    size_t per = sizeof buf / (size_t)w->width;
    if (w->count + n > FL_SHARD_MAX_TOKENS)
        return fl_fail(err, FL_ERR_ARG, "shard '%s' would exceed %d tokens", w->path, FL_SHARD_MAX_TOKENS);
    for (size_t i = 0; i < n; i += per) {
        size_t m = n - i < per ? n - i : per;
        for (size_t k = 0; k < m; k++) {
            int32_t id = ids[i + k];
            if (id < 0 || id >= w->vocab_size)
                return fl_fail(err, FL_ERR_ARG, "token id %d is outside the vocabulary (size %d) writing '%s'",
                               (int)id, w->vocab_size, w->path);
            unsigned char *p = buf + k * (size_t)w->width;
            p[0] = (unsigned char)id, p[1] = (unsigned char)(id >> 8);
            if (w->width == 4) p[2] = (unsigned char)(id >> 16), p[3] = (unsigned char)(id >> 24);
        }
        if (fwrite(buf, (size_t)w->width, m, w->f) != m)
            return fl_fail(err, FL_ERR_IO, "cannot write '%s': %s", w->tmp, strerror(errno));
    }
    w->count += n;
    return FL_OK;
}

fl_status fl_shard_writer_close(fl_shard_writer *w, fl_error *err) {
    unsigned char h[FL_SHARD_HEADER_INTS * 4];
    header(h, w->width, w->count);
    int ok = fflush(w->f) == 0 && fseek(w->f, 0, SEEK_SET) == 0 && fwrite(h, 1, sizeof h, w->f) == sizeof h &&
             fflush(w->f) == 0 && fsync(fileno(w->f)) == 0;
    ok &= fclose(w->f) == 0;
    w->f = NULL;
    if (!ok || rename(w->tmp, w->path) != 0) {
        fl_status st = fl_fail(err, FL_ERR_IO, "cannot finish '%s': %s", w->path, strerror(errno));
        fl_shard_writer_abort(w);
        return st;
    }
    free(w->path);
    free(w->tmp);
    w->path = w->tmp = NULL;
    return FL_OK;
}

void fl_shard_writer_abort(fl_shard_writer *w) {
    if (w->f) fclose(w->f);
    if (w->tmp) remove(w->tmp);
    free(w->path);
    free(w->tmp);
    memset(w, 0, sizeof *w);
}

fl_status fl_shard_write(const char *path, const int32_t *ids, size_t n, int vocab_size, fl_error *err) {
    fl_shard_writer w;
    fl_status st = fl_shard_writer_open(&w, path, vocab_size, err);
    if (st) return st;
    if ((st = fl_shard_writer_put(&w, ids, n, err))) {
        fl_shard_writer_abort(&w);
        return st;
    }
    return fl_shard_writer_close(&w, err);
}

fl_status fl_shard_open(const char *path, int vocab_size, fl_shard *s, fl_error *err) {
    memset(s, 0, sizeof *s);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fl_fail(err, FL_ERR_IO, "cannot open shard '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return fl_fail(err, FL_ERR_IO, "shard '%s' is not a regular file", path);
    }
    size_t size = (size_t)sb.st_size;
    if (size < FL_SHARD_HEADER_INTS * 4) {
        close(fd);
        return fl_fail(err, FL_ERR_FORMAT, "shard '%s' is truncated: %zu bytes, shorter than the 1024-byte header",
                       path, size);
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return fl_fail(err, FL_ERR_IO, "cannot map shard '%s': %s", path, strerror(errno));
    const unsigned char *h = map;
    uint32_t magic = get32(h), version = get32(h + 4), count = get32(h + 8);
    int width = 0;
    if (magic == FL_SHARD_MAGIC16 && version == FL_SHARD_VERSION16) width = 2;
    else if (magic == FL_SHARD_MAGIC32 && version == FL_SHARD_VERSION32) width = 4;
    fl_status st = FL_OK;
    if (!width)
        st = fl_fail(err, FL_ERR_FORMAT,
                     "'%s' is not a token shard: magic %u version %u (expected %d/%d for uint16 or %d/%d for uint32); "
                     "re-run futurelm prepare",
                     path, magic, version, FL_SHARD_MAGIC16, FL_SHARD_VERSION16, FL_SHARD_MAGIC32, FL_SHARD_VERSION32);
    else if ((uint64_t)size != FL_SHARD_HEADER_INTS * 4 + (uint64_t)count * width)
        st = fl_fail(err, FL_ERR_FORMAT,
                     "shard '%s' is %s: the header says %u tokens (%llu bytes) but the file has %zu bytes", path,
                     (uint64_t)size < FL_SHARD_HEADER_INTS * 4 + (uint64_t)count * width ? "truncated" : "too long",
                     count, (unsigned long long)(FL_SHARD_HEADER_INTS * 4 + (uint64_t)count * width), size);
    else if (width == 2 && vocab_size > 65536)
        st = fl_fail(err, FL_ERR_FORMAT, "shard '%s' holds uint16 ids but the vocabulary has %d tokens", path,
                     vocab_size);
    s->map = map, s->map_len = size, s->tokens = h + FL_SHARD_HEADER_INTS * 4, s->n = count, s->width = width;
    if (!st && vocab_size > 0)
        for (uint64_t i = 0; i < s->n; i++) {
            int32_t id = fl_shard_get(s, i);
            if (id < 0 || id >= vocab_size) {
                st = fl_fail(err, FL_ERR_FORMAT,
                             "shard '%s': token %llu has id %u, outside the vocabulary (size %d); was it prepared "
                             "with another tokenizer?",
                             path, (unsigned long long)i, (unsigned)id, vocab_size);
                break;
            }
        }
    if (st) fl_shard_close(s);
    return st;
}

void fl_shard_close(fl_shard *s) {
    if (s->map) munmap(s->map, s->map_len);
    memset(s, 0, sizeof *s);
}

static int cmp_path(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void fl_shard_list_free(char **paths, int n) {
    for (int i = 0; i < n; i++) free(paths[i]);
    free(paths);
}

/* Prepare's names, "<split>_" + at least one character + ".bin", or llm.c's,
 * "<something>_<split>" then "_..." or nothing, then ".bin" (tiny_shakespeare_val.bin,
 * fineweb_train_000001.bin): the split must be a whole word, so "train_value.bin" is
 * no val shard. */
static int split_name(const char *name, size_t len, const char *split, size_t pl) {
    if (len < 5 || strcmp(name + len - 4, ".bin")) return 0;
    if (len > pl + 5 && !strncmp(name, split, pl) && name[pl] == '_') return 1;
    for (size_t i = 1; i + pl + 4 <= len; i++)
        if (name[i - 1] == '_' && !strncmp(name + i, split, pl) && (name[i + pl] == '_' || i + pl == len - 4))
            return 1;
    return 0;
}

fl_status fl_shard_list(const char *dir, const char *split, char ***paths, int *n, fl_error *err) {
    *paths = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return fl_fail(err, FL_ERR_IO, "cannot open data folder '%s'; run futurelm prepare first", dir);
    const size_t pl = strlen(split);
    char **names = NULL;
    int count = 0, cap = 0;
    fl_status st = FL_OK;
    for (struct dirent *e; (e = readdir(d));) {
        const size_t len = strlen(e->d_name);
        if (!split_name(e->d_name, len, split, pl)) continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, (size_t)cap * sizeof *nn);
            if (!nn) {
                st = fl_fail(err, FL_ERR_NOMEM, "out of memory listing the shards of '%s'", dir);
                break;
            }
            names = nn;
        }
        if (!(names[count] = fl_path_join(dir, e->d_name))) {
            st = fl_fail(err, FL_ERR_NOMEM, "out of memory listing the shards of '%s'", dir);
            break;
        }
        count++;
    }
    closedir(d);
    if (st) {
        fl_shard_list_free(names, count);
        return st;
    }
    if (count) qsort(names, (size_t)count, sizeof *names, cmp_path);
    *paths = names;
    *n = count;
    return FL_OK;
}
