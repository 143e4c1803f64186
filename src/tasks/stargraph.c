/* The star-graph task (stargraph.h): the generator, the text format and its
 * tokenizer, the checker of a predicted path, and the three scores. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics/probe.h"
#include "tasks/stargraph.h"
#include "util/error.h"

static const char SPECIAL_CHARS[4] = {',', '|', '/', '='};
static const char EOT_TEXT[] = "<|endoftext|>";

const char *fl_sg_verdict_name(fl_sg_verdict v) {
    switch (v) {
    case FL_SG_PASS: return "pass";
    case FL_SG_ERR_PARSE: return "parse";
    case FL_SG_ERR_WRONG_START: return "wrong-start";
    case FL_SG_ERR_REPEATED: return "repeated-node";
    case FL_SG_ERR_MISSING_EDGE: return "missing-edge";
    case FL_SG_ERR_WRONG_LENGTH: return "wrong-length";
    case FL_SG_ERR_WRONG_GOAL: return "wrong-goal";
    case FL_SG_N_VERDICTS: break;
    }
    return "unknown";
}

fl_status fl_sg_shape_check(const fl_sg_shape *s, fl_error *err) {
    if (s->degree < 2 || s->degree > FL_SG_MAX_DEGREE)
        return fl_fail(err, FL_ERR_ARG, "--degree %d: a star graph has 2..%d arms", s->degree, FL_SG_MAX_DEGREE);
    /* L = 2 would leave nothing after the first step to score */
    if (s->path_len < 3 || s->path_len > FL_SG_MAX_PATH)
        return fl_fail(err, FL_ERR_ARG, "--path-len %d: an arm has 3..%d nodes (the centre included)", s->path_len,
                       FL_SG_MAX_PATH);
    long need = (long)s->degree * (s->path_len - 1) + 1;
    if (s->n_nodes < need || s->n_nodes > FL_SG_MAX_NODES)
        return fl_fail(err, FL_ERR_ARG,
                       "--nodes %d: %d arms of %d nodes use %ld distinct labels, so need %ld..%d labels", s->n_nodes,
                       s->degree, s->path_len, need, need, FL_SG_MAX_NODES);
    return FL_OK;
}

int fl_sg_example_tokens(int degree, int path_len) { return 4 * degree * (path_len - 1) + 2 * path_len + 4; }

/* ---------------------------------------------------------------- generating */

fl_status fl_sg_generate(fl_rng *rng, const fl_sg_shape *s, fl_sg_example *ex, fl_error *err) {
    fl_status st = fl_sg_shape_check(s, err);
    if (st) return st;
    memset(ex, 0, sizeof *ex);
    int D = s->degree, L = s->path_len, need = D * (L - 1) + 1;
    int32_t lab[FL_SG_MAX_EDGES + 1];
    /* Floyd's sampling: a uniform set of `need` labels with exactly `need` draws
     * (no rejection loop, so the stream advances the same for every outcome)... */
    for (int k = 0, j = s->n_nodes - need; j < s->n_nodes; j++, k++) {
        int32_t t = (int32_t)fl_rng_below(rng, (uint64_t)j + 1);
        for (int i = 0; i < k; i++)
            if (lab[i] == t) t = (int32_t)j;
        lab[k] = t;
    }
    /* ...and a uniform order, since Floyd's order is not: lab[0] is the centre,
     * arm a is lab[1 + a(L-1)] ... lab[(a+1)(L-1)], nearest the centre first. */
    for (int i = need - 1; i > 0; i--) {
        int j = (int)fl_rng_below(rng, (uint64_t)i + 1);
        int32_t t = lab[i];
        lab[i] = lab[j], lab[j] = t;
    }
    int e = 0;
    for (int a = 0; a < D; a++)
        for (int i = 0; i < L - 1; i++) {
            ex->from[e] = i == 0 ? lab[0] : lab[1 + a * (L - 1) + i - 1];
            ex->to[e] = lab[1 + a * (L - 1) + i];
            e++;
        }
    ex->n_edges = e;
    for (int i = e - 1; i > 0; i--) {
        int j = (int)fl_rng_below(rng, (uint64_t)i + 1);
        int32_t f = ex->from[i], t = ex->to[i];
        ex->from[i] = ex->from[j], ex->to[i] = ex->to[j];
        ex->from[j] = f, ex->to[j] = t;
    }
    int g = (int)fl_rng_below(rng, (uint64_t)D);
    ex->start = lab[0];
    ex->path_len = L;
    ex->path[0] = lab[0];
    for (int i = 1; i < L; i++) ex->path[i] = lab[1 + g * (L - 1) + i - 1];
    ex->goal = ex->path[L - 1];
    return FL_OK;
}

/* ---------------------------------------------------------------- text */

int fl_sg_format_line(const fl_sg_example *ex, char *buf, size_t len) {
    size_t at = 0;
    int m;
#define PUT(...)                                                                                                    \
    do {                                                                                                            \
        m = snprintf(buf + at, len - at, __VA_ARGS__);                                                              \
        if (m < 0 || (size_t)m >= len - at) return 0;                                                               \
        at += (size_t)m;                                                                                            \
    } while (0)
    if (len == 0) return 0;
    buf[0] = 0;
    for (int i = 0; i < ex->n_edges; i++) PUT("%s%d,%d", i ? "|" : "", (int)ex->from[i], (int)ex->to[i]);
    PUT("/%d,%d=", (int)ex->start, (int)ex->goal);
    for (int i = 0; i < ex->path_len; i++) PUT("%s%d", i ? "," : "", (int)ex->path[i]);
#undef PUT
    return 1;
}

static int label_limit(int n_nodes) { return n_nodes > 0 ? n_nodes : FL_SG_MAX_NODES; }

static int col(const char *line, const char *p) { return (int)(p - line) + 1; }

/* A decimal label below limit at *p (no sign, no leading zeros, so that text and
 * tokens map one to one); advances *p. */
static fl_status read_label(const char *line, const char **p, int limit, int32_t *out, fl_error *err) {
    const char *q = *p;
    if (*q < '0' || *q > '9') {
        if (!*q) return fl_fail(err, FL_ERR_FORMAT, "column %d: expected a node label, found the end of the line", col(line, q));
        return fl_fail(err, FL_ERR_FORMAT, "column %d: expected a node label, found '%c'", col(line, q), *q);
    }
    if (q[0] == '0' && q[1] >= '0' && q[1] <= '9')
        return fl_fail(err, FL_ERR_FORMAT, "column %d: a node label has no leading zeros", col(line, q));
    long v = 0;
    for (; *q >= '0' && *q <= '9'; q++) {
        v = v * 10 + (*q - '0');
        if (v >= limit) {
            while (q[1] >= '0' && q[1] <= '9') q++;
            return fl_fail(err, FL_ERR_FORMAT, "column %d: node label %.*s is not below %d", col(line, *p),
                           (int)(q - *p + 1 > 20 ? 20 : q - *p + 1), *p, limit);
        }
    }
    *out = (int32_t)v;
    *p = q;
    return FL_OK;
}

static fl_status expect(const char *line, const char **p, char c, const char *after, fl_error *err) {
    if (**p == c) {
        (*p)++;
        return FL_OK;
    }
    if (!**p)
        return fl_fail(err, FL_ERR_FORMAT, "column %d: expected '%c' %s, found the end of the line", col(line, *p), c,
                       after);
    return fl_fail(err, FL_ERR_FORMAT, "column %d: expected '%c' %s, found '%c'", col(line, *p), c, after, **p);
}

/* The unique path from start to goal, walked back from the goal along the only
 * incoming edge of each node (parse has checked in-degrees); its length, or -1. */
static int solve(const fl_sg_example *ex, int32_t *path, int cap) {
    int32_t back[FL_SG_MAX_EDGES + 1];
    int n = 0;
    int32_t cur = ex->goal;
    back[n++] = cur;
    while (cur != ex->start) {
        int e = -1;
        for (int i = 0; i < ex->n_edges && e < 0; i++)
            if (ex->to[i] == cur) e = i;
        if (e < 0 || n > ex->n_edges) return -1; /* unreachable, or a cycle */
        cur = ex->from[e];
        back[n++] = cur;
    }
    if (n > cap) return -1;
    for (int i = 0; i < n; i++) path[i] = back[n - 1 - i];
    return n;
}

fl_status fl_sg_parse_graph(const char *line, int n_nodes, fl_sg_example *ex, const char **path_text,
                            fl_error *err) {
    memset(ex, 0, sizeof *ex);
    if (path_text) *path_text = NULL;
    int limit = label_limit(n_nodes);
    const char *p = line;
    int edge_col[FL_SG_MAX_EDGES];
    fl_status st;
    for (;;) {
        if (ex->n_edges == FL_SG_MAX_EDGES)
            return fl_fail(err, FL_ERR_FORMAT, "column %d: more than %d edges", col(line, p), FL_SG_MAX_EDGES);
        int e = ex->n_edges;
        edge_col[e] = col(line, p);
        if ((st = read_label(line, &p, limit, &ex->from[e], err)) ||
            (st = expect(line, &p, ',', "between an edge's two nodes", err)) ||
            (st = read_label(line, &p, limit, &ex->to[e], err)))
            return st;
        ex->n_edges++;
        if (*p == '/') break;
        if (*p != '|') {
            if (!*p) return fl_fail(err, FL_ERR_FORMAT, "column %d: expected '|' or '/' after an edge, found the end of the line", col(line, p));
            return fl_fail(err, FL_ERR_FORMAT, "column %d: expected '|' or '/' after an edge, found '%c'", col(line, p), *p);
        }
        p++;
    }
    p++;
    const char *sc = p;
    if ((st = read_label(line, &p, limit, &ex->start, err)) ||
        (st = expect(line, &p, ',', "between the start and the goal", err)) ||
        (st = read_label(line, &p, limit, &ex->goal, err)) || (st = expect(line, &p, '=', "after the goal", err)))
        return st;
    /* The graph: a tree grown from its roots (in-degree <= 1, no loops), so the
     * path from start to goal, when there is one, is unique. */
    for (int i = 0; i < ex->n_edges; i++) {
        if (ex->from[i] == ex->to[i])
            return fl_fail(err, FL_ERR_FORMAT, "column %d: edge %d,%d is a loop", edge_col[i], (int)ex->from[i],
                           (int)ex->to[i]);
        for (int j = 0; j < i; j++)
            if (ex->to[j] == ex->to[i])
                return fl_fail(err, FL_ERR_FORMAT,
                               "column %d: node %d has a second incoming edge (the first at column %d); a star "
                               "graph is a tree",
                               edge_col[i], (int)ex->to[i], edge_col[j]);
    }
    if (ex->start == ex->goal)
        return fl_fail(err, FL_ERR_FORMAT, "column %d: the start and the goal are both %d", col(line, sc),
                       (int)ex->start);
    int32_t path[FL_SG_MAX_PATH];
    if (solve(ex, path, FL_SG_MAX_PATH) < 0)
        return fl_fail(err, FL_ERR_FORMAT,
                       "column %d: the edges hold no path of at most %d nodes from the start %d to the goal %d",
                       col(line, sc), FL_SG_MAX_PATH, (int)ex->start, (int)ex->goal);
    if (path_text) *path_text = p;
    return FL_OK;
}

/* node (',' node)* to the end of text, columns counted from line. */
static fl_status parse_nodes(const char *line, const char *p, int limit, int32_t *nodes, int cap, int *n,
                             fl_error *err) {
    fl_status st;
    *n = 0;
    for (;;) {
        if (*n == cap) return fl_fail(err, FL_ERR_FORMAT, "column %d: a path of more than %d nodes", col(line, p), cap);
        if ((st = read_label(line, &p, limit, &nodes[*n], err))) return st;
        (*n)++;
        if (!*p) return FL_OK;
        if ((st = expect(line, &p, ',', "between the path's nodes", err))) return st;
    }
}

fl_status fl_sg_parse_line(const char *line, int n_nodes, fl_sg_example *ex, fl_error *err) {
    const char *p;
    fl_status st = fl_sg_parse_graph(line, n_nodes, ex, &p, err);
    if (!st) st = parse_nodes(line, p, label_limit(n_nodes), ex->path, FL_SG_MAX_PATH, &ex->path_len, err);
    return st;
}

/* ---------------------------------------------------------------- tokens */

fl_status fl_sg_tokenize(const char *text, int n_nodes, int32_t *ids, int cap, int *n, fl_error *err) {
    *n = 0;
    int limit = label_limit(n_nodes);
    for (const char *p = text; *p;) {
        if (*n >= cap) return fl_fail(err, FL_ERR_ARG, "star-graph text is longer than %d tokens", cap);
        if (*p >= '0' && *p <= '9') {
            fl_status st = read_label(text, &p, limit, &ids[*n], err);
            if (st) return st;
            (*n)++;
            continue;
        }
        if (!strncmp(p, EOT_TEXT, sizeof EOT_TEXT - 1)) {
            ids[(*n)++] = fl_sg_tok(n_nodes, FL_SG_EOT);
            p += sizeof EOT_TEXT - 1;
            continue;
        }
        const char *c = memchr(SPECIAL_CHARS, *p, sizeof SPECIAL_CHARS);
        if (!c)
            return fl_fail(err, FL_ERR_FORMAT,
                           "column %d: '%c' is not part of the star-graph format (labels, ',' '|' '/' '=' and "
                           "<|endoftext|>, no spaces)",
                           col(text, p), *p);
        ids[(*n)++] = fl_sg_tok(n_nodes, (int)(c - SPECIAL_CHARS));
        p++;
    }
    return FL_OK;
}

int fl_sg_detokenize(const int32_t *ids, int n, int n_nodes, char *buf, size_t len) {
    size_t at = 0;
    if (len == 0) return 0;
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        int32_t t = ids[i];
        int m;
        if (t >= 0 && t < n_nodes) m = snprintf(buf + at, len - at, "%d", (int)t);
        else if (t == fl_sg_tok(n_nodes, FL_SG_EOT)) m = snprintf(buf + at, len - at, "%s", EOT_TEXT);
        else if (t >= n_nodes && t < fl_sg_tok(n_nodes, FL_SG_EOT))
            m = snprintf(buf + at, len - at, "%c", SPECIAL_CHARS[t - n_nodes]);
        else m = snprintf(buf + at, len - at, "?");
        if (m < 0 || (size_t)m >= len - at) return 0;
        at += (size_t)m;
    }
    return 1;
}

int fl_sg_encode(const fl_sg_example *ex, int n_nodes, int with_path, int32_t *ids, int cap) {
    int need = 4 * ex->n_edges + 4 + (with_path ? 2 * ex->path_len - 1 : 0);
    if (need > cap) return -1;
    int n = 0;
    for (int i = 0; i < ex->n_edges; i++) {
        if (i) ids[n++] = fl_sg_tok(n_nodes, FL_SG_BAR);
        ids[n++] = ex->from[i];
        ids[n++] = fl_sg_tok(n_nodes, FL_SG_COMMA);
        ids[n++] = ex->to[i];
    }
    ids[n++] = fl_sg_tok(n_nodes, FL_SG_SLASH);
    ids[n++] = ex->start;
    ids[n++] = fl_sg_tok(n_nodes, FL_SG_COMMA);
    ids[n++] = ex->goal;
    ids[n++] = fl_sg_tok(n_nodes, FL_SG_EQUALS);
    for (int i = 0; with_path && i < ex->path_len; i++) {
        if (i) ids[n++] = fl_sg_tok(n_nodes, FL_SG_COMMA);
        ids[n++] = ex->path[i];
    }
    return n;
}

/* ---------------------------------------------------------------- checking */

static int has_edge(const fl_sg_example *ex, int32_t a, int32_t b) {
    for (int i = 0; i < ex->n_edges; i++)
        if (ex->from[i] == a && ex->to[i] == b) return 1;
    return 0;
}

fl_sg_verdict fl_sg_check(const fl_sg_example *ex, const int32_t *nodes, int n, char *why, size_t why_len) {
    fl_sayf(why, why_len, "ok");
    int32_t truth[FL_SG_MAX_PATH];
    int L = solve(ex, truth, FL_SG_MAX_PATH);
    if (n < 1) {
        fl_sayf(why, why_len, "the path is empty");
        return FL_SG_ERR_PARSE;
    }
    if (nodes[0] != ex->start) {
        fl_sayf(why, why_len, "starts at %d, not at the start %d", (int)nodes[0], (int)ex->start);
        return FL_SG_ERR_WRONG_START;
    }
    /* Repeats before edges: a walk back along a directed tree's edges is always a
     * missing edge too, and "comes twice" is the more telling diagnosis. */
    for (int j = 1; j < n; j++)
        for (int i = 0; i < j; i++)
            if (nodes[i] == nodes[j]) {
                fl_sayf(why, why_len, "node %d comes twice (nodes %d and %d)", (int)nodes[j], i + 1, j + 1);
                return FL_SG_ERR_REPEATED;
            }
    for (int i = 0; i + 1 < n; i++)
        if (!has_edge(ex, nodes[i], nodes[i + 1])) {
            fl_sayf(why, why_len, "%d,%d (nodes %d and %d) is not an edge", (int)nodes[i], (int)nodes[i + 1], i + 1, i + 2);
            return FL_SG_ERR_MISSING_EDGE;
        }
    if (nodes[n - 1] == ex->goal) return FL_SG_PASS; /* the unique path: its length is L */
    if (n < L) {
        fl_sayf(why, why_len, "stops after %d nodes at %d; the path to the goal %d has %d", n, (int)nodes[n - 1],
            (int)ex->goal, L);
        return FL_SG_ERR_WRONG_LENGTH;
    }
    fl_sayf(why, why_len, "ends at %d, not at the goal %d (another arm)", (int)nodes[n - 1], (int)ex->goal);
    return FL_SG_ERR_WRONG_GOAL;
}

fl_sg_verdict fl_sg_check_tokens(const fl_sg_example *ex, int n_nodes, const int32_t *ids, int n, char *why,
                                 size_t why_len) {
    int32_t nodes[FL_SG_MAX_EDGES + 2];
    int k = 0, i = 0;
    int32_t comma = fl_sg_tok(n_nodes, FL_SG_COMMA), eot = fl_sg_tok(n_nodes, FL_SG_EOT);
    char tok[24];
    for (;;) {
        if (i == n || ids[i] == eot) {
            if (k == 0) {
                fl_sayf(why, why_len, "the path is empty");
                return FL_SG_ERR_PARSE;
            }
            fl_sayf(why, why_len, "the path ends with ','");
            return FL_SG_ERR_PARSE;
        }
        if (ids[i] < 0 || ids[i] >= n_nodes) {
            fl_sg_detokenize(ids + i, 1, n_nodes, tok, sizeof tok);
            fl_sayf(why, why_len, "token %d ('%s') where a node was expected", i + 1, tok);
            return FL_SG_ERR_PARSE;
        }
        if (k == (int)(sizeof nodes / sizeof nodes[0])) {
            fl_sayf(why, why_len, "a path of more than %d nodes", k);
            return FL_SG_ERR_PARSE;
        }
        nodes[k++] = ids[i++];
        if (i == n || ids[i] == eot) break;
        if (ids[i] != comma) {
            fl_sg_detokenize(ids + i, 1, n_nodes, tok, sizeof tok);
            fl_sayf(why, why_len, "token %d ('%s') after a node: expected ',' or the end", i + 1, tok);
            return FL_SG_ERR_PARSE;
        }
        i++;
    }
    return fl_sg_check(ex, nodes, k, why, why_len);
}

fl_sg_verdict fl_sg_check_text(const fl_sg_example *ex, int n_nodes, const char *line, const char *text, char *why,
                               size_t why_len) {
    int32_t nodes[FL_SG_MAX_EDGES + 2];
    int n;
    fl_error err = {0};
    if (parse_nodes(line, text, label_limit(n_nodes), nodes, (int)(sizeof nodes / sizeof nodes[0]), &n, &err)) {
        fl_sayf(why, why_len, "%s", err.msg);
        return FL_SG_ERR_PARSE;
    }
    return fl_sg_check(ex, nodes, n, why, why_len);
}

/* ---------------------------------------------------------------- scores */

static fl_status finish(fl_sg_score *s, const unsigned char *hit, long n, int n_boot, uint64_t seed, fl_error *err) {
    s->n = n;
    s->correct = 0;
    for (long i = 0; i < n; i++) s->correct += hit[i] != 0;
    s->acc = (double)s->correct / (double)n;
    return fl_bootstrap_accuracy(hit, (int)n, n_boot, 0.95, seed, &s->lo, &s->hi, err);
}

fl_status fl_sg_score_set(const fl_sg_example *ex, const fl_sg_prediction *pred, long n, int n_nodes, int n_boot,
                          uint64_t boot_seed, fl_sg_scores *out, fl_error *err) {
    memset(out, 0, sizeof *out);
    out->first_fail = -1;
    if (n < 1 || n > 100000000L) return fl_fail(err, FL_ERR_ARG, "scores need 1..100000000 predictions (got %ld)", n);
    unsigned char *hit = malloc(3 * (size_t)n);
    if (!hit) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    int32_t comma = fl_sg_tok(n_nodes, FL_SG_COMMA);
    for (long i = 0; i < n; i++) {
        const fl_sg_example *e = &ex[i];
        const fl_sg_prediction *p = &pred[i];
        fl_sg_verdict v = fl_sg_check_tokens(e, n_nodes, p->free, p->n_free, NULL, 0);
        out->verdicts[v]++;
        if (v != FL_SG_PASS && out->first_fail < 0) out->first_fail = i;
        hit[i] = v == FL_SG_PASS;
        hit[n + i] = e->path_len >= 2 && p->first == e->path[1];
        /* rest: n3 , n4 , ... , nL exactly, whatever follows */
        int want = 2 * (e->path_len - 2) - 1, ok = e->path_len >= 3 && p->n_rest >= want;
        for (int k = 0; ok && k < want; k++) ok = p->rest[k] == (k % 2 ? comma : e->path[2 + k / 2]);
        hit[2 * n + i] = (unsigned char)ok;
    }
    fl_status st = finish(&out->exact, hit, n, n_boot, boot_seed, err);
    /* the same resamples for all three (one seed), so their intervals are paired */
    if (!st) st = finish(&out->first, hit + n, n, n_boot, boot_seed, err);
    if (!st) st = finish(&out->rest, hit + 2 * n, n, n_boot, boot_seed, err);
    free(hit);
    return st;
}
