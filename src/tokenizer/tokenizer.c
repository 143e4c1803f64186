/* Byte-level BPE encoder/decoder over tiktoken rank files (see tokenizer.h). */
#include "tokenizer/tokenizer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/sha256.h"
#include "tokenizer/tokenizer_impl.h"
#include "util/datapath.h"
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

static fl_status load_file(const char *path, fl_tokenizer **out, fl_error *err) {
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

/* A shorthand ('gpt2', 'r50k_base') is GPT-2's rank file wherever the data search
 * of util/datapath.h finds it, so every command (and a checkpoint that recorded
 * the name) means the same file from any folder. */
fl_status fl_tokenizer_load(const char *path, fl_tokenizer **out, fl_error *err) {
    char *found = NULL;
    *out = NULL;
    fl_status st = fl_datapath_tokenizer(path, &found, err);
    if (!st) st = load_file(found ? found : path, out, err);
    free(found);
    return st;
}

int fl_tokenizer_vocab_size(const fl_tokenizer *t) { return t->vocab_size; }
int fl_tokenizer_n_ranks(const fl_tokenizer *t) { return t->n_ranks; }
int fl_tokenizer_eot(const fl_tokenizer *t) { return t->eot; }
int fl_tokenizer_n_special(const fl_tokenizer *t) { return t->n_spec; }
const char *fl_tokenizer_special_text(const fl_tokenizer *t, int i) { return t->spec[i].text; }
int fl_tokenizer_special_id(const fl_tokenizer *t, int i) { return t->spec[i].id; }
const char *fl_tokenizer_sha256(const fl_tokenizer *t) { return t->sha; }

int32_t fl_tokenizer_rank(const fl_tokenizer *t, const unsigned char *p, size_t n) { return lookup(t, p, n); }

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

