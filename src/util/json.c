#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

/* Every node and string lives in a chain of arena blocks. */
typedef struct arena_block {
    struct arena_block *prev;
    size_t used, cap;
    char data[];
} arena_block;

struct fl_json_doc {
    arena_block *blocks;
    fl_json *root;
};

typedef struct {
    const char *p, *end, *start;
    fl_json_doc *doc;
    char *err;
    size_t errlen;
    int failed;
} parser;

static void *arena_get(fl_json_doc *doc, size_t n) {
    n = (n + 15) & ~(size_t)15;
    arena_block *b = doc->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        arena_block *nb = malloc(sizeof *nb + cap);
        if (!nb) return NULL;
        nb->prev = b;
        nb->used = 0;
        nb->cap = cap;
        doc->blocks = nb;
        b = nb;
    }
    void *r = b->data + b->used;
    b->used += n;
    memset(r, 0, n);
    return r;
}

static void fail(parser *ps, const char *what) {
    if (ps->failed) return;
    ps->failed = 1;
    if (ps->err) snprintf(ps->err, ps->errlen, "%s at byte %zu", what, (size_t)(ps->p - ps->start));
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static fl_json *new_node(parser *ps, fl_json_type t) {
    fl_json *n = arena_get(ps->doc, sizeof *n);
    if (!n) {
        fail(ps, "out of memory");
        return NULL;
    }
    n->type = t;
    return n;
}

static int hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses a string literal at ps->p (which points at the opening quote). */
static char *parse_string(parser *ps, size_t *len_out) {
    ps->p++; /* opening quote */
    const char *s = ps->p;
    size_t raw = 0;
    while (s + raw < ps->end && s[raw] != '"') {
        if (s[raw] == '\\') raw++;
        raw++;
    }
    if (s + raw >= ps->end) { fail(ps, "unterminated string"); return NULL; }
    char *out = arena_get(ps->doc, raw + 1);
    if (!out) { fail(ps, "out of memory"); return NULL; }
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) { fail(ps, "control character in string"); return NULL; }
        if (c != '\\') { out[n++] = (char)c; ps->p++; continue; }
        ps->p++;
        if (ps->p >= ps->end) break;
        char e = *ps->p++;
        switch (e) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (ps->end - ps->p < 4 || hex4(ps->p, &cp)) { fail(ps, "bad \\u escape"); return NULL; }
            ps->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
                unsigned lo;
                if (!hex4(ps->p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    ps->p += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD; /* lone surrogate */
            n += put_utf8(out + n, cp);
            break;
        }
        default: fail(ps, "bad escape"); return NULL;
        }
    }
    ps->p++; /* closing quote */
    out[n] = 0;
    *len_out = n;
    return out;
}


/* RFC 8259's number grammar, for the reader and for writers that must know
 * whether a text can stand as a number (see json.h). */
const char *fl_json_number_end(const char *p, const char *end) {
#define DIGIT(q) ((q) < end && *(q) >= '0' && *(q) <= '9')
    if (p < end && *p == '-') p++;
    if (!DIGIT(p)) return NULL;
    if (*p == '0') p++;
    else while (DIGIT(p)) p++;
    if (p < end && *p == '.') {
        p++;
        if (!DIGIT(p)) return NULL;
        while (DIGIT(p)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (!DIGIT(p)) return NULL;
        while (DIGIT(p)) p++;
    }
    if (DIGIT(p)) return NULL; /* "01": a zero followed by more digits */
    return p;
#undef DIGIT
}

static fl_json *parse_value(parser *ps, int depth);

static fl_json *parse_container(parser *ps, int depth, int is_object) {
    fl_json *node = new_node(ps, is_object ? FL_JSON_OBJECT : FL_JSON_ARRAY);
    if (!node) return NULL;
    ps->p++;
    skip_ws(ps);
    char close = is_object ? '}' : ']';
    if (ps->p < ps->end && *ps->p == close) { ps->p++; return node; }
    fl_json **tail = &node->child;
    for (;;) {
        skip_ws(ps);
        char *key = NULL;
        if (is_object) {
            size_t klen;
            if (ps->p >= ps->end || *ps->p != '"') { fail(ps, "expected a member name"); return NULL; }
            key = parse_string(ps, &klen);
            if (!key) return NULL;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') { fail(ps, "expected ':'"); return NULL; }
            ps->p++;
        }
        fl_json *v = parse_value(ps, depth + 1);
        if (!v) return NULL;
        v->key = key;
        *tail = v;
        tail = &v->next;
        node->count++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
        if (ps->p < ps->end && *ps->p == close) { ps->p++; return node; }
        fail(ps, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
        return NULL;
    }
}

static fl_json *parse_value(parser *ps, int depth) {
    if (depth > JSON_MAX_DEPTH) { fail(ps, "nesting too deep"); return NULL; }
    skip_ws(ps);
    if (ps->p >= ps->end) { fail(ps, "unexpected end of input"); return NULL; }
    char c = *ps->p;
    if (c == '{' || c == '[') return parse_container(ps, depth, c == '{');
    if (c == '"') {
        fl_json *n = new_node(ps, FL_JSON_STRING);
        if (!n) return NULL;
        n->str = parse_string(ps, &n->len);
        return n->str ? n : NULL;
    }
    size_t rest = (size_t)(ps->end - ps->p);
    if (rest >= 4 && !memcmp(ps->p, "true", 4)) { ps->p += 4; fl_json *n = new_node(ps, FL_JSON_BOOL); if (n) n->boolean = 1; return n; }
    if (rest >= 5 && !memcmp(ps->p, "false", 5)) { ps->p += 5; return new_node(ps, FL_JSON_BOOL); }
    if (rest >= 4 && !memcmp(ps->p, "null", 4)) { ps->p += 4; return new_node(ps, FL_JSON_NULL); }
    if (c == '-' || (c >= '0' && c <= '9')) {
        const char *q = fl_json_number_end(ps->p, ps->end);
        if (!q) { fail(ps, "bad number"); return NULL; }
        size_t n = (size_t)(q - ps->p);
        fl_json *node = new_node(ps, FL_JSON_NUMBER);
        if (!node) return NULL;
        node->num_text = arena_get(ps->doc, n + 1);
        if (!node->num_text) { fail(ps, "out of memory"); return NULL; }
        memcpy(node->num_text, ps->p, n);
        char *endp;
        node->num = strtod(node->num_text, &endp);
        if (endp != node->num_text + n) { fail(ps, "bad number"); return NULL; }
        ps->p = q;
        return node;
    }
    fail(ps, "unexpected character");
    return NULL;
}

fl_json_doc *fl_json_parse(const char *text, size_t len, char *errbuf, size_t errlen) {
    fl_json_doc *doc = calloc(1, sizeof *doc);
    if (!doc) {
        if (errbuf) snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    parser ps = {text, text + len, text, doc, errbuf, errlen, 0};
    doc->root = parse_value(&ps, 0);
    if (doc->root) {
        skip_ws(&ps);
        if (ps.p != ps.end) fail(&ps, "trailing characters after the JSON value");
    }
    if (ps.failed || !doc->root) {
        fl_json_free(doc);
        return NULL;
    }
    return doc;
}

const fl_json *fl_json_root(const fl_json_doc *doc) { return doc ? doc->root : NULL; }

void fl_json_free(fl_json_doc *doc) {
    if (!doc) return;
    arena_block *b = doc->blocks;
    while (b) {
        arena_block *p = b->prev;
        free(b);
        b = p;
    }
    free(doc);
}

const fl_json *fl_json_get(const fl_json *obj, const char *key) {
    if (!obj || obj->type != FL_JSON_OBJECT) return NULL;
    for (const fl_json *c = obj->child; c; c = c->next)
        if (c->key && !strcmp(c->key, key)) return c;
    return NULL;
}

int fl_json_int64(const fl_json *v, int64_t *out) {
    if (!v || v->type != FL_JSON_NUMBER) return -1;
    errno = 0;
    char *end;
    long long x = strtoll(v->num_text, &end, 10);
    if (errno || *end != 0) return -1;
    *out = (int64_t)x;
    return 0;
}
