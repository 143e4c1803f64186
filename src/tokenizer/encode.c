/* Byte-level BPE encoding and decoding, exactly as tiktoken does it: each
 * pre-token (pretok.c) is merged pair by pair, lowest rank first. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tokenizer_impl.h"
#include "util/error.h"

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
