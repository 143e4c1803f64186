/* A small JSON reader (RFC 8259) for safetensors headers, state.json, config
 * files and manifests. It parses into one arena-backed tree: fl_json_free
 * releases everything. Depth is bounded so hostile input cannot overflow the
 * stack; numbers keep their text so integers above 2^53 survive. */
#ifndef FL_UTIL_JSON_H
#define FL_UTIL_JSON_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { FL_JSON_NULL, FL_JSON_BOOL, FL_JSON_NUMBER, FL_JSON_STRING, FL_JSON_ARRAY, FL_JSON_OBJECT } fl_json_type;

typedef struct fl_json fl_json;
struct fl_json {
    fl_json_type type;
    char *key;        /* member name when inside an object */
    char *str;        /* STRING: decoded UTF-8 (NUL-terminated; len gives the length) */
    size_t len;
    double num;       /* NUMBER */
    char *num_text;   /* NUMBER: the literal as written */
    int boolean;      /* BOOL */
    fl_json *child;   /* ARRAY/OBJECT: first element */
    fl_json *next;    /* next sibling */
    size_t count;     /* ARRAY/OBJECT: number of elements */
};

typedef struct fl_json_doc fl_json_doc;

/* Parse text[0..len). On failure returns NULL and writes a message with the byte offset. */
fl_json_doc *fl_json_parse(const char *text, size_t len, char *errbuf, size_t errlen);
const fl_json *fl_json_root(const fl_json_doc *doc);
void fl_json_free(fl_json_doc *doc);

const fl_json *fl_json_get(const fl_json *obj, const char *key);
/* The end of the JSON number that starts at p (p < end), following RFC 8259's
 * grammar exactly: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?; NULL when
 * the text there is not one ("0668", "-01", "1." and ".5" are not JSON). */
const char *fl_json_number_end(const char *p, const char *end);
/* Integer value of a NUMBER that is exactly an integer; returns 0 on success. */
int fl_json_int64(const fl_json *v, int64_t *out);

/* Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 when it is not one
 * (overlong forms, surrogates and code points above U+10FFFF are not). */
size_t fl_utf8_len(const unsigned char *s, size_t n);
/* Write text[0..n) as a JSON string literal (quotes included): escapes what
 * JSON requires and replaces bytes that are not valid UTF-8 with U+FFFD. */
void fl_json_write_string(FILE *f, const char *text, size_t n);
/* Write v as a JSON number with 9 significant digits (so every float reads
 * back exactly); NaN and infinities, which JSON cannot hold, as null. */
void fl_json_write_number(FILE *f, double v);
#endif
