/* Byte-level BPE training (see train.h). */
#include "tokenizer/train.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/rng.h"

static uint64_t hash_bytes(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull ^ n;
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        h = fl_mix64(h ^ x);
        p += 8, n -= 8;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) x |= (uint64_t)p[i] << (8 * i);
    return fl_mix64(h ^ x ^ 0x5555555555555555ull);
}

/* A growable byte arena with a hash set on top: distinct chunks (with counts)
 * and learnt tokens (with ids) both use it. */
typedef struct {
    unsigned char *bytes;
    size_t nbytes, capbytes;
    size_t *off;
    uint32_t *len;
    uint64_t *val; /* chunk count, or unused for tokens */
    uint64_t *hash;
    size_t n, cap;
    uint32_t *slots; /* index + 1 */
    size_t mask;
} bset;

static void bset_free(bset *s) {
    free(s->bytes), free(s->off), free(s->len), free(s->val), free(s->hash), free(s->slots);
    memset(s, 0, sizeof *s);
}

static long bset_find(const bset *s, const unsigned char *p, size_t n, uint64_t h) {
    if (!s->slots) return -1;
    for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
        uint32_t k = s->slots[i];
        if (!k) return -1;
        k--;
        if (s->hash[k] == h && s->len[k] == n && !memcmp(s->bytes + s->off[k], p, n)) return (long)k;
    }
}

static int bset_rehash(bset *s, size_t cap) {
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    free(s->slots);
    s->slots = slots;
    s->mask = cap - 1;
    for (size_t k = 0; k < s->n; k++) {
        size_t i = s->hash[k] & s->mask;
        while (s->slots[i]) i = (i + 1) & s->mask;
        s->slots[i] = (uint32_t)(k + 1);
    }
    return 0;
}

/* Add p[0..n) (must not be present); returns its index or -1 when out of memory. */
static long bset_add(bset *s, const unsigned char *p, size_t n, uint64_t h) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        size_t *off = realloc(s->off, cap * sizeof *off);
        if (off) s->off = off;
        uint32_t *len = realloc(s->len, cap * sizeof *len);
        if (len) s->len = len;
        uint64_t *val = realloc(s->val, cap * sizeof *val);
        if (val) s->val = val;
        uint64_t *hash = realloc(s->hash, cap * sizeof *hash);
        if (hash) s->hash = hash;
        if (!off || !len || !val || !hash) return -1;
        s->cap = cap;
    }
    if ((s->n + 1) * 2 > s->mask + 1 || !s->slots) {
        if (bset_rehash(s, s->slots ? (s->mask + 1) * 2 : 8192)) return -1;
    }
    if (s->nbytes + n > s->capbytes) {
        size_t cap = s->capbytes ? s->capbytes : 1 << 16;
        while (cap < s->nbytes + n) cap *= 2;
        unsigned char *b = realloc(s->bytes, cap);
        if (!b) return -1;
        s->bytes = b, s->capbytes = cap;
    }
    memcpy(s->bytes + s->nbytes, p, n);
    size_t k = s->n++;
    s->off[k] = s->nbytes, s->len[k] = (uint32_t)n, s->val[k] = 0, s->hash[k] = h;
    s->nbytes += n;
    size_t i = h & s->mask;
    while (s->slots[i]) i = (i + 1) & s->mask;
    s->slots[i] = (uint32_t)(k + 1);
    return (long)k;
}

typedef struct {
    int32_t a, b;
    int64_t count;
    int64_t before; /* count when first touched in the current merge */
    uint32_t stamp;
    uint32_t nw, cw;
    uint32_t *words; /* words that contain (or once contained) the pair */
} pair;

typedef struct {
    int64_t count;
    uint32_t pair;
} hentry;

struct fl_bpe_trainer {
    bset chunks;
    size_t total_chunks;
    bset tokens; /* learnt tokens; index = rank */
    /* training state */
    int32_t *sym;
    size_t *woff;
    uint32_t *wlen;
    uint32_t *wstamp;
    pair *pairs;
    size_t npairs, cappairs;
    uint64_t *pkeys;
    uint32_t *pvals;
    size_t pmask;
    hentry *heap;
    size_t nheap, capheap;
    uint32_t *touched;
    size_t ntouched, captouched;
};

fl_status fl_bpe_trainer_create(fl_bpe_trainer **out, fl_error *err) {
    *out = calloc(1, sizeof **out);
    return *out ? FL_OK : fl_fail(err, FL_ERR_NOMEM, "out of memory");
}

static void free_training(fl_bpe_trainer *tr) {
    for (size_t i = 0; i < tr->npairs; i++) free(tr->pairs[i].words);
    free(tr->sym), free(tr->woff), free(tr->wlen), free(tr->wstamp), free(tr->pairs);
    free(tr->pkeys), free(tr->pvals), free(tr->heap), free(tr->touched);
    tr->sym = NULL, tr->woff = NULL, tr->wlen = NULL, tr->wstamp = NULL, tr->pairs = NULL;
    tr->pkeys = NULL, tr->pvals = NULL, tr->heap = NULL, tr->touched = NULL;
    tr->npairs = tr->cappairs = tr->nheap = tr->capheap = tr->ntouched = tr->captouched = 0;
}

void fl_bpe_trainer_free(fl_bpe_trainer *tr) {
    if (!tr) return;
    free_training(tr);
    bset_free(&tr->chunks);
    bset_free(&tr->tokens);
    free(tr);
}

fl_status fl_bpe_trainer_feed(fl_bpe_trainer *tr, const void *text, size_t n, fl_error *err) {
    const unsigned char *s = text;
    for (size_t i = 0; i < n;) {
        size_t e = fl_pretok_next(s, n, i);
        if (e - i > 0xffffffu) return fl_fail(err, FL_ERR_FORMAT, "a pre-token chunk longer than 16 MB");
        uint64_t h = hash_bytes(s + i, e - i);
        long k = bset_find(&tr->chunks, s + i, e - i, h);
        if (k < 0 && (k = bset_add(&tr->chunks, s + i, e - i, h)) < 0)
            return fl_fail(err, FL_ERR_NOMEM, "out of memory counting pre-token chunks");
        tr->chunks.val[k]++;
        tr->total_chunks++;
        i = e;
    }
    return FL_OK;
}

size_t fl_bpe_trainer_n_chunks(const fl_bpe_trainer *tr, size_t *distinct) {
    if (distinct) *distinct = tr->chunks.n;
    return tr->total_chunks;
}

int fl_bpe_trainer_n_tokens(const fl_bpe_trainer *tr) { return (int)tr->tokens.n; }

/* ------------------------------------------------------------ pairs */

static inline uint64_t pkey(int32_t a, int32_t b) { return (uint64_t)(uint32_t)a << 32 | (uint32_t)b; }

static int pairs_rehash(fl_bpe_trainer *tr, size_t cap) {
    uint64_t *keys = malloc(cap * sizeof *keys);
    uint32_t *vals = malloc(cap * sizeof *vals);
    if (!keys || !vals) {
        free(keys), free(vals);
        return -1;
    }
    memset(keys, 0xff, cap * sizeof *keys);
    free(tr->pkeys), free(tr->pvals);
    tr->pkeys = keys, tr->pvals = vals, tr->pmask = cap - 1;
    for (size_t k = 0; k < tr->npairs; k++) {
        uint64_t key = pkey(tr->pairs[k].a, tr->pairs[k].b);
        size_t i = fl_mix64(key) & tr->pmask;
        while (tr->pkeys[i] != UINT64_MAX) i = (i + 1) & tr->pmask;
        tr->pkeys[i] = key, tr->pvals[i] = (uint32_t)k;
    }
    return 0;
}

/* Index of pair (a, b), created when missing; -1 when out of memory. */
static long pair_get(fl_bpe_trainer *tr, int32_t a, int32_t b) {
    uint64_t key = pkey(a, b);
    size_t i = fl_mix64(key) & tr->pmask;
    for (; tr->pkeys[i] != UINT64_MAX; i = (i + 1) & tr->pmask)
        if (tr->pkeys[i] == key) return tr->pvals[i];
    if (tr->npairs == tr->cappairs) {
        size_t cap = tr->cappairs * 2;
        pair *p = realloc(tr->pairs, cap * sizeof *p);
        if (!p) return -1;
        tr->pairs = p, tr->cappairs = cap;
    }
    if ((tr->npairs + 1) * 2 > tr->pmask + 1) {
        if (pairs_rehash(tr, (tr->pmask + 1) * 2)) return -1;
        return pair_get(tr, a, b);
    }
    size_t k = tr->npairs++;
    memset(&tr->pairs[k], 0, sizeof tr->pairs[k]);
    tr->pairs[k].a = a, tr->pairs[k].b = b;
    tr->pkeys[i] = key, tr->pvals[i] = (uint32_t)k;
    return (long)k;
}

static int pair_add_word(pair *p, uint32_t w) {
    if (p->nw && p->words[p->nw - 1] == w) return 0;
    if (p->nw == p->cw) {
        uint32_t cap = p->cw ? p->cw * 2 : 4;
        uint32_t *nw = realloc(p->words, cap * sizeof *nw);
        if (!nw) return -1;
        p->words = nw, p->cw = cap;
    }
    p->words[p->nw++] = w;
    return 0;
}

/* Heap order: larger count first, then smaller (a, b). */
static inline int hbefore(const fl_bpe_trainer *tr, hentry x, hentry y) {
    if (x.count != y.count) return x.count > y.count;
    const pair *p = &tr->pairs[x.pair], *q = &tr->pairs[y.pair];
    if (p->a != q->a) return p->a < q->a;
    return p->b < q->b;
}

static int heap_push(fl_bpe_trainer *tr, int64_t count, uint32_t pi) {
    if (tr->nheap == tr->capheap) {
        size_t cap = tr->capheap ? tr->capheap * 2 : 1 << 16;
        hentry *h = realloc(tr->heap, cap * sizeof *h);
        if (!h) return -1;
        tr->heap = h, tr->capheap = cap;
    }
    hentry e = {count, pi};
    size_t i = tr->nheap++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!hbefore(tr, e, tr->heap[up])) break;
        tr->heap[i] = tr->heap[up];
        i = up;
    }
    tr->heap[i] = e;
    return 0;
}

static hentry heap_pop(fl_bpe_trainer *tr) {
    hentry top = tr->heap[0], e = tr->heap[--tr->nheap];
    size_t i = 0, n = tr->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && hbefore(tr, tr->heap[c + 1], tr->heap[c])) c++;
        if (!hbefore(tr, tr->heap[c], e)) break;
        tr->heap[i] = tr->heap[c];
        i = c;
    }
    if (n) tr->heap[i] = e;
    return top;
}

/* Add delta to pair (a, b) of word w, remembering the pair as touched in this merge. */
static int pair_delta(fl_bpe_trainer *tr, int32_t a, int32_t b, int64_t delta, uint32_t w, uint32_t stamp) {
    long k = pair_get(tr, a, b);
    if (k < 0) return -1;
    pair *p = &tr->pairs[k];
    if (p->stamp != stamp) {
        p->stamp = stamp;
        p->before = p->count;
        if (tr->ntouched == tr->captouched) {
            size_t cap = tr->captouched ? tr->captouched * 2 : 1024;
            uint32_t *t = realloc(tr->touched, cap * sizeof *t);
            if (!t) return -1;
            tr->touched = t, tr->captouched = cap;
        }
        tr->touched[tr->ntouched++] = (uint32_t)k;
    }
    p->count += delta;
    if (delta > 0 && pair_add_word(p, w)) return -1;
    return 0;
}

static fl_status oom(fl_error *err) { return fl_fail(err, FL_ERR_NOMEM, "out of memory while training BPE"); }

fl_status fl_bpe_trainer_train(fl_bpe_trainer *tr, int vocab_size, fl_error *err) {
    if (vocab_size < 257)
        return fl_fail(err, FL_ERR_ARG,
                       "--vocab-size %d is too small: a byte-level vocabulary needs 256 byte tokens + 1 special "
                       "token (<|endoftext|>), so at least 257",
                       vocab_size);
    if (tr->chunks.n == 0) return fl_fail(err, FL_ERR_ARG, "no training text was given");
    free_training(tr);
    bset_free(&tr->tokens);
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        if (bset_add(&tr->tokens, &c, 1, hash_bytes(&c, 1)) < 0) return oom(err);
    }
    size_t nw = tr->chunks.n;
    tr->sym = malloc(tr->chunks.nbytes * sizeof *tr->sym + 1);
    tr->woff = malloc(nw * sizeof *tr->woff);
    tr->wlen = malloc(nw * sizeof *tr->wlen);
    tr->wstamp = calloc(nw, sizeof *tr->wstamp);
    tr->cappairs = 1 << 16;
    tr->pairs = malloc(tr->cappairs * sizeof *tr->pairs);
    if (!tr->sym || !tr->woff || !tr->wlen || !tr->wstamp || !tr->pairs || pairs_rehash(tr, 1 << 17)) return oom(err);
    size_t at = 0;
    uint32_t stamp = 1;
    for (size_t w = 0; w < nw; w++) {
        const unsigned char *p = tr->chunks.bytes + tr->chunks.off[w];
        uint32_t n = tr->chunks.len[w];
        tr->woff[w] = at, tr->wlen[w] = n;
        for (uint32_t i = 0; i < n; i++) tr->sym[at + i] = p[i];
        for (uint32_t i = 0; i + 1 < n; i++)
            if (pair_delta(tr, p[i], p[i + 1], (int64_t)tr->chunks.val[w], (uint32_t)w, stamp)) return oom(err);
        at += n;
    }
    for (size_t k = 0; k < tr->npairs; k++)
        if (tr->pairs[k].count > 0 && heap_push(tr, tr->pairs[k].count, (uint32_t)k)) return oom(err);
    tr->ntouched = 0;

    int target = vocab_size - 1; /* ranks; the last id is <|endoftext|> */
    unsigned char *tmp = NULL;
    size_t tmpcap = 0;
    while ((int)tr->tokens.n < target && tr->nheap > 0) {
        hentry top = heap_pop(tr);
        pair *p = &tr->pairs[top.pair];
        if (top.count != p->count) {
            if (top.count > p->count && p->count > 0 && heap_push(tr, p->count, top.pair)) return oom(err);
            continue; /* stale entry */
        }
        if (p->count <= 0) continue;
        int32_t a = p->a, b = p->b;
        /* the merged token's bytes */
        size_t la = tr->tokens.len[a], lb = tr->tokens.len[b];
        if (la + lb > tmpcap) {
            tmpcap = (la + lb) * 2;
            unsigned char *t = realloc(tmp, tmpcap);
            if (!t) {
                free(tmp);
                return oom(err);
            }
            tmp = t;
        }
        memcpy(tmp, tr->tokens.bytes + tr->tokens.off[a], la);
        memcpy(tmp + la, tr->tokens.bytes + tr->tokens.off[b], lb);
        uint64_t h = hash_bytes(tmp, la + lb);
        long z = bset_find(&tr->tokens, tmp, la + lb, h);
        if (z < 0 && (z = bset_add(&tr->tokens, tmp, la + lb, h)) < 0) {
            free(tmp);
            return oom(err);
        }
        /* rewrite every word that contains (a, b) */
        stamp++;
        tr->ntouched = 0;
        uint32_t *words = p->words, nwords = p->nw;
        p->words = NULL, p->nw = p->cw = 0;
        for (uint32_t wi = 0; wi < nwords; wi++) {
            uint32_t w = words[wi];
            if (tr->wstamp[w] == stamp) continue;
            tr->wstamp[w] = stamp;
            int32_t *s = tr->sym + tr->woff[w];
            uint32_t n = tr->wlen[w];
            int found = 0;
            for (uint32_t i = 0; i + 1 < n && !found; i++) found = s[i] == a && s[i + 1] == b;
            if (!found) continue;
            int64_t c = (int64_t)tr->chunks.val[w];
            int bad = 0;
            for (uint32_t i = 0; i + 1 < n; i++) bad |= pair_delta(tr, s[i], s[i + 1], -c, w, stamp);
            uint32_t o = 0;
            for (uint32_t i = 0; i < n; i++) {
                if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                    s[o++] = (int32_t)z;
                    i++;
                } else {
                    s[o++] = s[i];
                }
            }
            tr->wlen[w] = n = o;
            for (uint32_t i = 0; i + 1 < n; i++) bad |= pair_delta(tr, s[i], s[i + 1], c, w, stamp);
            if (bad) {
                free(words);
                free(tmp);
                return oom(err);
            }
        }
        free(words);
        p = &tr->pairs[top.pair]; /* pairs may have moved */
        for (size_t k = 0; k < tr->ntouched; k++) {
            pair *q = &tr->pairs[tr->touched[k]];
            if (q->count > q->before && heap_push(tr, q->count, tr->touched[k])) {
                free(tmp);
                return oom(err);
            }
        }
    }
    free(tmp);
    free_training(tr);
    return FL_OK;
}

/* ------------------------------------------------------------ output */

static fl_status json_escape(fl_bytebuf *b, const char *s, fl_error *err) {
    fl_status st = fl_bytebuf_append(b, "\"", 1, err);
    for (; *s && !st; s++) {
        char e[8];
        if (*s == '"' || *s == '\\') {
            e[0] = '\\', e[1] = *s;
            st = fl_bytebuf_append(b, e, 2, err);
        } else if ((unsigned char)*s < 0x20) {
            snprintf(e, sizeof e, "\\u%04x", (unsigned char)*s);
            st = fl_bytebuf_append(b, e, 6, err);
        } else {
            st = fl_bytebuf_append(b, s, 1, err);
        }
    }
    return st ? st : fl_bytebuf_append(b, "\"", 1, err);
}

fl_status fl_bpe_trainer_write(const fl_bpe_trainer *tr, const char *path, fl_error *err) {
    if (tr->tokens.n == 0) return fl_fail(err, FL_ERR_STATE, "nothing trained yet");
    fl_bytebuf rank = {0}, side = {0};
    fl_status st = FL_OK;
    char *b64 = NULL;
    size_t b64cap = 0;
    for (size_t k = 0; k < tr->tokens.n && !st; k++) {
        size_t n = tr->tokens.len[k];
        if (4 * (n / 3 + 1) + 1 > b64cap) {
            b64cap = 8 * (n / 3 + 1) + 1;
            char *nb = realloc(b64, b64cap);
            if (!nb) {
                st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
                break;
            }
            b64 = nb;
        }
        size_t bl = fl_base64_encode(tr->tokens.bytes + tr->tokens.off[k], n, b64);
        char num[32];
        int nl = snprintf(num, sizeof num, " %zu\n", k);
        st = fl_bytebuf_append(&rank, b64, bl, err);
        if (!st) st = fl_bytebuf_append(&rank, num, (size_t)nl, err);
    }
    free(b64);
    if (!st) {
        char buf[160];
        st = fl_bytebuf_append(&side, "{\n  \"pattern\": ", 15, err);
        if (!st) st = json_escape(&side, FL_GPT2_PATTERN, err);
        int n = snprintf(buf, sizeof buf,
                         ",\n  \"special_tokens\": {\"%s\": %zu},\n  \"vocab_size\": %zu,\n  \"trainer\": \"futurelm "
                         "byte-level BPE\"\n}\n",
                         FL_EOT_TEXT, tr->tokens.n, tr->tokens.n + 1);
        if (!st) st = fl_bytebuf_append(&side, buf, (size_t)n, err);
    }
    if (!st) st = fl_write_file_atomic(path, (const char *)rank.data, rank.len, err);
    if (!st) {
        size_t pl = strlen(path) + 6;
        char *sp = malloc(pl);
        if (!sp) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
        else {
            snprintf(sp, pl, "%s.json", path);
            st = fl_write_file_atomic(sp, (const char *)side.data, side.len, err);
            free(sp);
        }
    }
    fl_bytebuf_free(&rank);
    fl_bytebuf_free(&side);
    return st;
}
