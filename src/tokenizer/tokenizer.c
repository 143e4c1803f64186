/* Byte-level BPE encoder/decoder over tiktoken rank files (see tokenizer.h). */
#include "tokenizer/tokenizer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/sha256.h"
#include "util/error.h"
#include "util/json.h"

/* ------------------------------------------------------------ small vectors */

fl_status fl_tokvec_push(fl_tokvec *v, int32_t id, fl_error *err) {
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        int32_t *d = realloc(v->data, cap * sizeof *d);
        if (!d) return fl_fail(err, FL_ERR_NOMEM, "out of memory growing a token buffer to %zu ids", cap);
        v->data = d, v->cap = cap;
    }
    v->data[v->len++] = id;
    return FL_OK;
}

void fl_tokvec_free(fl_tokvec *v) {
    free(v->data);
    v->data = NULL, v->len = v->cap = 0;
}

fl_status fl_bytebuf_append(fl_bytebuf *b, const void *data, size_t len, fl_error *err) {
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1) cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d) return fl_fail(err, FL_ERR_NOMEM, "out of memory growing a byte buffer to %zu bytes", cap);
        b->data = d, b->cap = cap;
    }
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
    return FL_OK;
}

void fl_bytebuf_free(fl_bytebuf *b) {
    free(b->data);
    b->data = NULL, b->len = b->cap = 0;
}

fl_status fl_read_file(const char *path, char **data, size_t *len, fl_error *err) {
    *data = NULL, *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return fl_fail(err, FL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n + 1 < cap) break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb, cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) return fl_fail(err, FL_ERR_NOMEM, "out of memory reading '%s'", path);
    if (bad) {
        free(buf);
        return fl_fail(err, FL_ERR_IO, "cannot read '%s' (is it a directory or unreadable?)", path);
    }
    buf[n] = 0;
    *data = buf, *len = n;
    return FL_OK;
}

/* ------------------------------------------------------------ base64 */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t fl_base64_encode(const unsigned char *in, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = i + 1 < n ? B64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

static int b64val(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

size_t fl_base64_decode(const char *in, size_t n, unsigned char *out) {
    if (n == 0 || n % 4) return (size_t)-1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int last = i + 4 == n;
        int a = b64val(in[i]), b = b64val(in[i + 1]);
        int c = (last && in[i + 2] == '=') ? -2 : b64val(in[i + 2]);
        int d = (last && in[i + 3] == '=') ? -2 : b64val(in[i + 3]);
        if (a < 0 || b < 0 || c == -1 || d == -1 || (c == -2 && d != -2)) return (size_t)-1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)(c < 0 ? 0 : c) << 6 | (uint32_t)(d < 0 ? 0 : d);
        out[o++] = (unsigned char)(v >> 16);
        if (c >= 0) out[o++] = (unsigned char)(v >> 8);
        if (d >= 0) out[o++] = (unsigned char)v;
    }
    return o;
}

/* ------------------------------------------------------------ the tokenizer */

typedef struct {
    uint32_t rank1; /* rank + 1; 0 = empty slot */
    uint32_t hash;  /* low bits of the key's hash, checked before the bytes */
} slot;

typedef struct {
    char *text;
    size_t len;
    int id;
} special;

struct fl_tokenizer {
    unsigned char *blob; /* every token's bytes, back to back */
    uint32_t *off;       /* [n_ids] offset into blob, by rank */
    uint32_t *len;       /* [n_ids] length (0: no token has this rank) */
    int n_ids;           /* highest rank + 1 */
    int n_ranks;         /* tokens in the rank file */
    slot *slots;
    size_t mask;
    int32_t byte_rank[256];
    special spec[FL_MAX_SPECIAL];
    int n_spec;
    int vocab_size;
    int eot;
    char sha[65];
};

static inline uint64_t hash_bytes(const unsigned char *p, size_t n) {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        h = (h ^ x) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8, n -= 8;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) x |= (uint64_t)p[i] << (8 * i);
    h = (h ^ x) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

/* Rank of the byte string p[0..n), or -1. */
static inline int32_t lookup(const fl_tokenizer *t, const unsigned char *p, size_t n) {
    uint64_t h = hash_bytes(p, n);
    uint32_t h32 = (uint32_t)(h >> 32);
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        slot s = t->slots[i];
        if (!s.rank1) return -1;
        if (s.hash == h32) {
            uint32_t r = s.rank1 - 1;
            if (t->len[r] == n && !memcmp(t->blob + t->off[r], p, n)) return (int32_t)r;
        }
    }
}

void fl_tokenizer_free(fl_tokenizer *t) {
    if (!t) return;
    free(t->blob);
    free(t->off);
    free(t->len);
    free(t->slots);
    for (int i = 0; i < t->n_spec; i++) free(t->spec[i].text);
    free(t);
}

static fl_status add_special(fl_tokenizer *t, const char *name, const char *text, size_t len, int64_t id,
                             fl_error *err) {
    if (t->n_spec == FL_MAX_SPECIAL)
        return fl_fail(err, FL_ERR_FORMAT, "%s: more than %d special tokens", name, FL_MAX_SPECIAL);
    if (len == 0) return fl_fail(err, FL_ERR_FORMAT, "%s: a special token is empty", name);
    if (id < 0 || id >= INT32_MAX)
        return fl_fail(err, FL_ERR_FORMAT, "%s: special token id %lld is out of range", name, (long long)id);
    if (id < t->n_ids && t->len[id])
        return fl_fail(err, FL_ERR_FORMAT, "%s: special token id %lld is also the rank of an ordinary token", name,
                       (long long)id);
    for (int i = 0; i < t->n_spec; i++)
        if (t->spec[i].id == id || (t->spec[i].len == len && !memcmp(t->spec[i].text, text, len)))
            return fl_fail(err, FL_ERR_FORMAT, "%s: special token %lld is listed twice", name, (long long)id);
    special *s = &t->spec[t->n_spec];
    s->text = malloc(len + 1);
    if (!s->text) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    memcpy(s->text, text, len);
    s->text[len] = 0;
    s->len = len;
    s->id = (int)id;
    t->n_spec++;
    return FL_OK;
}

static fl_status parse_sidecar(fl_tokenizer *t, const char *name, const char *js, size_t n, fl_error *err) {
    char msg[256];
    fl_json_doc *doc = fl_json_parse(js, n, msg, sizeof msg);
    if (!doc) return fl_fail(err, FL_ERR_FORMAT, "%s.json: not valid JSON (%s)", name, msg);
    fl_status st = FL_OK;
    const fl_json *root = fl_json_root(doc);
    const fl_json *pat = root && root->type == FL_JSON_OBJECT ? fl_json_get(root, "pattern") : NULL;
    const fl_json *sp = root && root->type == FL_JSON_OBJECT ? fl_json_get(root, "special_tokens") : NULL;
    if (!root || root->type != FL_JSON_OBJECT) {
        st = fl_fail(err, FL_ERR_FORMAT, "%s.json: expected a JSON object with \"pattern\" and \"special_tokens\"", name);
    } else if (pat && (pat->type != FL_JSON_STRING || strcmp(pat->str, FL_GPT2_PATTERN) != 0)) {
        st = fl_fail(err, FL_ERR_FORMAT,
                     "%s.json: unsupported pre-tokenizer pattern; only GPT-2's (r50k_base) pattern is implemented", name);
    } else if (sp && sp->type != FL_JSON_OBJECT) {
        st = fl_fail(err, FL_ERR_FORMAT, "%s.json: \"special_tokens\" must be an object of text -> id", name);
    } else if (sp) {
        for (const fl_json *m = sp->child; m && st == FL_OK; m = m->next) {
            int64_t id;
            if (m->type != FL_JSON_NUMBER || fl_json_int64(m, &id))
                st = fl_fail(err, FL_ERR_FORMAT, "%s.json: special token '%s' needs an integer id", name, m->key);
            else
                st = add_special(t, name, m->key, strlen(m->key), id, err);
        }
    }
    fl_json_free(doc);
    return st;
}

fl_status fl_tokenizer_load_mem(const char *name, const char *text, size_t n, const char *sidecar, size_t sidecar_len,
                                fl_tokenizer **out, fl_error *err) {
    *out = NULL;
    fl_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st = FL_OK;
    /* Pass 1: count lines, bound the blob and the highest rank. */
    size_t lines = 0;
    for (size_t i = 0; i < n; i++) lines += text[i] == '\n';
    lines++;
    t->blob = malloc(n / 4 * 3 + 16);
    uint32_t *ranks = malloc(lines * sizeof *ranks), *offs = malloc(lines * sizeof *offs),
             *lens = malloc(lines * sizeof *lens);
    if (!t->blob || !ranks || !offs || !lens) {
        st = fl_fail(err, FL_ERR_NOMEM, "out of memory loading '%s'", name);
        goto done;
    }
    size_t cnt = 0, blob = 0, lineno = 0;
    int64_t max_rank = -1;
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && text[e] != '\n') e++;
        lineno++;
        size_t le = e;
        while (le > i && (text[le - 1] == '\r' || text[le - 1] == ' ' || text[le - 1] == '\t')) le--;
        if (le > i) {
            size_t sp = i;
            while (sp < le && text[sp] != ' ') sp++;
            size_t r0 = sp;
            while (r0 < le && text[r0] == ' ') r0++;
            int64_t rank = 0;
            int ok = sp > i && r0 < le && r0 > sp;
            for (size_t k = r0; ok && k < le; k++) {
                if (text[k] < '0' || text[k] > '9' || rank > 100000000) ok = 0;
                else rank = rank * 10 + (text[k] - '0');
            }
            size_t blen = ok ? fl_base64_decode(text + i, sp - i, t->blob + blob) : (size_t)-1;
            if (!ok || blen == (size_t)-1 || blen == 0) {
                st = fl_fail(err, FL_ERR_FORMAT,
                             "%s:%zu: not a tiktoken rank line (expected 'BASE64 RANK' with a non-empty token)", name,
                             lineno);
                goto done;
            }
            if (rank >= (1 << 24)) {
                st = fl_fail(err, FL_ERR_FORMAT, "%s:%zu: rank %lld is too large (at most 16777215)", name, lineno,
                             (long long)rank);
                goto done;
            }
            ranks[cnt] = (uint32_t)rank, offs[cnt] = (uint32_t)blob, lens[cnt] = (uint32_t)blen;
            blob += blen;
            cnt++;
            if (rank > max_rank) max_rank = rank;
        }
        i = e + 1;
    }
    if (cnt == 0) {
        st = fl_fail(err, FL_ERR_FORMAT, "%s: no tokens (an empty or non-tiktoken file?)", name);
        goto done;
    }
    t->n_ids = (int)max_rank + 1;
    t->n_ranks = (int)cnt;
    t->off = calloc((size_t)t->n_ids, sizeof *t->off);
    t->len = calloc((size_t)t->n_ids, sizeof *t->len);
    size_t cap = 16;
    while (cap < cnt * 2) cap *= 2;
    t->slots = calloc(cap, sizeof *t->slots);
    t->mask = cap - 1;
    if (!t->off || !t->len || !t->slots) {
        st = fl_fail(err, FL_ERR_NOMEM, "out of memory loading '%s'", name);
        goto done;
    }
    for (size_t k = 0; k < cnt; k++) {
        uint32_t r = ranks[k];
        if (t->len[r]) {
            st = fl_fail(err, FL_ERR_FORMAT, "%s: rank %u appears twice", name, r);
            goto done;
        }
        t->off[r] = offs[k], t->len[r] = lens[k];
        const unsigned char *p = t->blob + offs[k];
        if (lookup(t, p, lens[k]) >= 0) {
            st = fl_fail(err, FL_ERR_FORMAT, "%s: the token of rank %u appears twice", name, r);
            goto done;
        }
        uint64_t h = hash_bytes(p, lens[k]);
        size_t i = h & t->mask;
        while (t->slots[i].rank1) i = (i + 1) & t->mask;
        t->slots[i].rank1 = r + 1;
        t->slots[i].hash = (uint32_t)(h >> 32);
    }
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        t->byte_rank[b] = lookup(t, &c, 1);
        if (t->byte_rank[b] < 0) {
            st = fl_fail(err, FL_ERR_FORMAT, "%s: not a byte-level vocabulary (no token for byte 0x%02x)", name, b);
            goto done;
        }
    }
    if (sidecar) {
        st = parse_sidecar(t, name, sidecar, sidecar_len, err);
        if (st) goto done;
    } else {
        st = add_special(t, name, FL_EOT_TEXT, strlen(FL_EOT_TEXT), t->n_ids, err);
        if (st) goto done;
    }
    t->vocab_size = t->n_ids;
    t->eot = -1;
    for (int i = 0; i < t->n_spec; i++) {
        if (t->spec[i].id + 1 > t->vocab_size) t->vocab_size = t->spec[i].id + 1;
        if (!strcmp(t->spec[i].text, FL_EOT_TEXT)) t->eot = t->spec[i].id;
    }
    fl_sha256 sh;
    fl_sha256_init(&sh);
    fl_sha256_update(&sh, text, n);
    fl_sha256_hex(&sh, t->sha);
done:
    free(ranks);
    free(offs);
    free(lens);
    if (st) {
        fl_tokenizer_free(t);
        return st;
    }
    *out = t;
    return FL_OK;
}

fl_status fl_tokenizer_load(const char *path, fl_tokenizer **out, fl_error *err) {
    *out = NULL;
    char *ranks = NULL, *side = NULL;
    size_t nr = 0, ns = 0;
    fl_status st = fl_read_file(path, &ranks, &nr, err);
    if (st) return st;
    size_t pl = strlen(path);
    char *sp = malloc(pl + 6);
    if (!sp) {
        free(ranks);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    memcpy(sp, path, pl);
    memcpy(sp + pl, ".json", 6);
    FILE *f = fopen(sp, "rb");
    if (f) {
        fclose(f);
        st = fl_read_file(sp, &side, &ns, err);
    }
    if (!st) st = fl_tokenizer_load_mem(path, ranks, nr, side, ns, out, err);
    free(sp);
    free(ranks);
    free(side);
    return st;
}

int fl_tokenizer_vocab_size(const fl_tokenizer *t) { return t->vocab_size; }
int fl_tokenizer_n_ranks(const fl_tokenizer *t) { return t->n_ranks; }
int fl_tokenizer_eot(const fl_tokenizer *t) { return t->eot; }
int fl_tokenizer_n_special(const fl_tokenizer *t) { return t->n_spec; }
const char *fl_tokenizer_special_text(const fl_tokenizer *t, int i) { return t->spec[i].text; }
int fl_tokenizer_special_id(const fl_tokenizer *t, int i) { return t->spec[i].id; }
const char *fl_tokenizer_sha256(const fl_tokenizer *t) { return t->sha; }

const unsigned char *fl_tokenizer_token_bytes(const fl_tokenizer *t, int id, size_t *len) {
    if (id >= 0 && id < t->n_ids && t->len[id]) {
        *len = t->len[id];
        return t->blob + t->off[id];
    }
    for (int i = 0; i < t->n_spec; i++)
        if (t->spec[i].id == id) {
            *len = t->spec[i].len;
            return (const unsigned char *)t->spec[i].text;
        }
    *len = 0;
    return NULL;
}

/* ------------------------------------------------------------ encoding */

typedef struct {
    uint32_t start;
    int32_t rank; /* rank of the merge of this part and the next one (INT32_MAX: none) */
} part;

#define NO_RANK INT32_MAX
/* Pieces longer than this use the heap-based merge (same result, O(n log n)). */
#ifndef FL_LONG_PIECE
#define FL_LONG_PIECE 128
#endif

static inline int32_t pair_rank(const fl_tokenizer *t, const unsigned char *p, const part *parts, size_t nparts,
                                size_t i) {
    if (i + 2 >= nparts) return NO_RANK;
    int32_t r = lookup(t, p + parts[i].start, parts[i + 2].start - parts[i].start);
    return r < 0 ? NO_RANK : r;
}

static inline fl_status reserve(fl_tokvec *v, size_t extra, fl_error *err) {
    if (v->len + extra <= v->cap) return FL_OK;
    size_t cap = v->cap ? v->cap : 1024;
    while (cap < v->len + extra) cap *= 2;
    int32_t *d = realloc(v->data, cap * sizeof *d);
    if (!d) return fl_fail(err, FL_ERR_NOMEM, "out of memory growing a token buffer to %zu ids", cap);
    v->data = d, v->cap = cap;
    return FL_OK;
}

/* Long pieces: the same merge order with a heap, O(n log n) instead of O(n^2),
 * so hostile input (a megabyte of letters without a space) cannot stall encoding.
 * Parts are named by their first byte; the pair (p, nxt[p]) spans
 * [p, nxt[nxt[p]]). A heap entry (rank, p, end) is current while p is alive and
 * its pair still ends at end (merges only ever grow parts). Ties go to the
 * smallest p, which is tiktoken's leftmost-first. */
typedef struct {
    int32_t rank;
    uint32_t p, end;
} mentry;

static inline int mless(mentry a, mentry b) { return a.rank != b.rank ? a.rank < b.rank : a.p < b.p; }

static void mpush(mentry *h, size_t *n, mentry e) {
    size_t i = (*n)++;
    while (i > 0 && mless(e, h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = e;
}

static mentry mpop(mentry *h, size_t *n) {
    mentry top = h[0], e = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && mless(h[c + 1], h[c])) c++;
        if (!mless(h[c], e)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = e;
    return top;
}

static fl_status encode_long(const fl_tokenizer *t, const unsigned char *p, size_t n, fl_tokvec *out, fl_error *err) {
    uint32_t *nxt = malloc((n + 1) * sizeof *nxt), *prv = malloc((n + 1) * sizeof *prv);
    unsigned char *alive = malloc(n + 1);
    mentry *heap = malloc(2 * (n + 1) * sizeof *heap); /* n pairs at first, at most 2 pushes a merge */
    if (!nxt || !prv || !alive || !heap) {
        free(nxt), free(prv), free(alive), free(heap);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory encoding a %zu-byte piece", n);
    }
    size_t nh = 0;
    for (size_t i = 0; i <= n; i++) nxt[i] = (uint32_t)(i + 1), prv[i] = (uint32_t)(i ? i - 1 : 0), alive[i] = 1;
    for (size_t i = 0; i + 1 < n; i++) {
        int32_t r = lookup(t, p + i, 2);
        if (r >= 0) mpush(heap, &nh, (mentry){r, (uint32_t)i, (uint32_t)(i + 2)});
    }
    while (nh > 0) {
        mentry e = mpop(heap, &nh);
        uint32_t a = e.p;
        if (!alive[a] || nxt[a] >= n || nxt[nxt[a]] != e.end) continue; /* stale */
        uint32_t b = nxt[a];
        alive[b] = 0;
        nxt[a] = nxt[b];
        if (nxt[a] < n) prv[nxt[a]] = a;
        if (nxt[a] < n) { /* the new part with its right neighbour */
            uint32_t end = nxt[nxt[a]];
            int32_t r = lookup(t, p + a, end - a);
            if (r >= 0) mpush(heap, &nh, (mentry){r, a, end});
        }
        if (a > 0) { /* its left neighbour with the new part */
            uint32_t l = prv[a];
            int32_t r = lookup(t, p + l, nxt[a] - l);
            if (r >= 0) mpush(heap, &nh, (mentry){r, l, nxt[a]});
        }
    }
    for (uint32_t i = 0; i < n; i = nxt[i]) out->data[out->len++] = lookup(t, p + i, nxt[i] - i);
    free(nxt), free(prv), free(alive), free(heap);
    return FL_OK;
}

/* tiktoken's byte_pair_merge: start from single bytes and repeatedly merge the
 * adjacent pair whose concatenation has the lowest rank (leftmost on ties). */
static fl_status encode_piece(const fl_tokenizer *t, const unsigned char *p, size_t n, fl_tokvec *out, fl_error *err) {
    fl_status st = reserve(out, n, err);
    if (st) return st;
    if (n == 1) {
        out->data[out->len++] = t->byte_rank[p[0]];
        return FL_OK;
    }
    int32_t whole = lookup(t, p, n);
    if (whole >= 0) {
        out->data[out->len++] = whole;
        return FL_OK;
    }
    if (n > FL_LONG_PIECE) return encode_long(t, p, n, out, err);
    part parts[FL_LONG_PIECE + 1];
    size_t np = n + 1;
    for (size_t i = 0; i < np; i++) parts[i].start = (uint32_t)i;
    for (size_t i = 0; i < np; i++) parts[i].rank = pair_rank(t, p, parts, np, i);
    for (;;) {
        int32_t best = NO_RANK;
        size_t bi = 0;
        for (size_t i = 0; i + 1 < np; i++)
            if (parts[i].rank < best) best = parts[i].rank, bi = i;
        if (best == NO_RANK) break;
        memmove(parts + bi + 1, parts + bi + 2, (np - bi - 2) * sizeof *parts);
        np--;
        parts[bi].rank = pair_rank(t, p, parts, np, bi);
        if (bi > 0) parts[bi - 1].rank = pair_rank(t, p, parts, np, bi - 1);
    }
    for (size_t i = 0; i + 1 < np; i++)
        out->data[out->len++] = lookup(t, p + parts[i].start, parts[i + 1].start - parts[i].start);
    return FL_OK;
}

static fl_status encode_ordinary(const fl_tokenizer *t, const unsigned char *s, size_t n, fl_tokvec *out,
                                 fl_error *err) {
    for (size_t i = 0; i < n;) {
        size_t e = fl_pretok_next(s, n, i);
        fl_status st = encode_piece(t, s + i, e - i, out, err);
        if (st) return st;
        i = e;
    }
    return FL_OK;
}

fl_status fl_tokenizer_encode(const fl_tokenizer *t, const void *text, size_t n, int allow_special, fl_tokvec *out,
                              fl_error *err) {
    const unsigned char *s = text;
    if (n > (size_t)UINT32_MAX - 2)
        return fl_fail(err, FL_ERR_ARG, "a text of %zu bytes is too large to encode in one call (at most 4 GB)", n);
    if (!allow_special || t->n_spec == 0) return encode_ordinary(t, s, n, out, err);
    size_t i = 0;
    while (i < n) {
        /* earliest occurrence of any special token text at or after i */
        size_t best = n;
        int which = -1;
        for (size_t k = i; k < n && which < 0; k++)
            for (int j = 0; j < t->n_spec; j++)
                if ((unsigned char)t->spec[j].text[0] == s[k] && n - k >= t->spec[j].len &&
                    !memcmp(s + k, t->spec[j].text, t->spec[j].len)) {
                    best = k, which = j;
                    break;
                }
        fl_status st = encode_ordinary(t, s + i, best - i, out, err);
        if (st) return st;
        if (which < 0) break;
        if ((st = fl_tokvec_push(out, t->spec[which].id, err))) return st;
        i = best + t->spec[which].len;
    }
    return FL_OK;
}

fl_status fl_tokenizer_decode(const fl_tokenizer *t, const int32_t *ids, size_t n, fl_bytebuf *out, fl_error *err) {
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const unsigned char *p = fl_tokenizer_token_bytes(t, ids[i], &len);
        if (!p)
            return fl_fail(err, FL_ERR_FORMAT, "token id %d (at position %zu) is not in the vocabulary (size %d)",
                           (int)ids[i], i, t->vocab_size);
        fl_status st = fl_bytebuf_append(out, p, len, err);
        if (st) return st;
    }
    return FL_OK;
}
