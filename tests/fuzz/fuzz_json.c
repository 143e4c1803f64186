/* JSON reader (src/util/json.h): any bytes parse or fail cleanly. A parsed tree is
 * written back out (strings through fl_json_write_string, numbers as their
 * literal text) and must parse again into the same tree: same types, keys,
 * numbers and, for valid UTF-8, the same string bytes (invalid UTF-8 is written
 * as U+FFFD, so there only validity is checked). */
#include <math.h>

#include "fuzz_util.h"
#include "util/json.h"

static void write_tree(FILE *f, const fl_json *v) {
    switch (v->type) {
    case FL_JSON_NULL: fputs("null", f); break;
    case FL_JSON_BOOL: fputs(v->boolean ? "true" : "false", f); break;
    case FL_JSON_NUMBER: fputs(v->num_text, f); break;
    case FL_JSON_STRING: fl_json_write_string(f, v->str, v->len); break;
    case FL_JSON_ARRAY:
    case FL_JSON_OBJECT:
        fputc(v->type == FL_JSON_ARRAY ? '[' : '{', f);
        for (const fl_json *c = v->child; c; c = c->next) {
            if (c != v->child) fputc(',', f);
            if (v->type == FL_JSON_OBJECT) {
                fl_json_write_string(f, c->key, strlen(c->key));
                fputc(':', f);
            }
            write_tree(f, c);
        }
        fputc(v->type == FL_JSON_ARRAY ? ']' : '}', f);
        break;
    }
}

static void same_tree(const fl_json *a, const fl_json *b, int in_object) {
    FUZZ_CHECK(a->type == b->type, "type %d became %d", (int)a->type, (int)b->type);
    if (in_object) {
        FUZZ_CHECK(a->key && b->key, "an object member without a key");
        if (fuzz_utf8_valid((const unsigned char *)a->key, strlen(a->key)))
            FUZZ_CHECK(!strcmp(a->key, b->key), "key '%s' became '%s'", a->key, b->key);
    }
    switch (a->type) {
    case FL_JSON_NULL: break;
    case FL_JSON_BOOL: FUZZ_CHECK(a->boolean == b->boolean, "a boolean changed"); break;
    case FL_JSON_NUMBER:
        FUZZ_CHECK(!strcmp(a->num_text, b->num_text), "number '%s' became '%s'", a->num_text, b->num_text);
        FUZZ_CHECK(a->num == b->num || (isnan(a->num) && isnan(b->num)), "number '%s' read twice differs",
                   a->num_text);
        break;
    case FL_JSON_STRING:
        FUZZ_CHECK(a->str && b->str && a->str[a->len] == 0 && b->str[b->len] == 0, "a string is not NUL-terminated");
        FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)b->str, b->len), "written string is not valid UTF-8");
        if (fuzz_utf8_valid((const unsigned char *)a->str, a->len))
            FUZZ_CHECK(a->len == b->len && !memcmp(a->str, b->str, a->len), "a string of %zu bytes became %zu bytes",
                       a->len, b->len);
        break;
    case FL_JSON_ARRAY:
    case FL_JSON_OBJECT: {
        FUZZ_CHECK(a->count == b->count, "%zu elements became %zu", a->count, b->count);
        size_t n = 0;
        const fl_json *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next, n++) same_tree(x, y, a->type == FL_JSON_OBJECT);
        FUZZ_CHECK(!x && !y && n == a->count, "count %zu does not match the children", a->count);
        if (a->type == FL_JSON_OBJECT)
            for (x = a->child; x; x = x->next) FUZZ_CHECK(fl_json_get(a, x->key), "fl_json_get misses '%s'", x->key);
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char msg[200];
    fl_json_doc *doc = fl_json_parse((const char *)data, size, msg, sizeof msg);
    if (!doc) {
        FUZZ_CHECK(memchr(msg, 0, sizeof msg) && msg[0], "a parse failure without a message");
        return 0;
    }
    const fl_json *root = fl_json_root(doc);
    FUZZ_CHECK(root, "a parsed document without a root");
    int64_t i64;
    if (root->type == FL_JSON_NUMBER && !fl_json_int64(root, &i64)) {
        char back[32];
        snprintf(back, sizeof back, "%lld", (long long)i64);
        (void)back;
    }
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    if (!f) abort();
    write_tree(f, root);
    fclose(f);
    fl_json_doc *again = fl_json_parse(out, out_len, msg, sizeof msg);
    FUZZ_CHECK(again, "our own output does not parse: %s: %.200s", msg, out);
    same_tree(root, fl_json_root(again), 0);
    fl_json_free(again);
    free(out);
    fl_json_free(doc);
    return 0;
}
