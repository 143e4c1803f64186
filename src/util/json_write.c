/* Writing JSON strings. Model output is arbitrary bytes (a token can end in the
 * middle of a UTF-8 character, and byte-level BPE can produce any byte), while
 * JSON text must be valid UTF-8: invalid sequences become U+FFFD, and control
 * characters, quotes and backslashes are escaped. */
#include <math.h>
#include <stdio.h>

#include "util/json.h"

size_t fl_utf8_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, min = 0x10000;
    else return 0;
    if (len > n) return 0;
    unsigned cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

void fl_json_write_string(FILE *f, const char *text, size_t n) {
    const unsigned char *s = (const unsigned char *)text;
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = fl_utf8_len(s + i, n - i);
        if (len == 0) {
            fputs("\xEF\xBF\xBD", f); /* U+FFFD for each invalid byte */
            i++;
            continue;
        }
        if (len > 1) {
            fwrite(s + i, 1, len, f);
        } else if (c == '"' || c == '\\') {
            fputc('\\', f), fputc((int)c, f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else if (c == '\r') {
            fputs("\\r", f);
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(f, "\\u%04x", c);
        } else {
            fputc((int)c, f);
        }
        i += len;
    }
    fputc('"', f);
}

void fl_json_write_number(FILE *f, double v) {
    if (isfinite(v)) fprintf(f, "%.9g", v);
    else fputs("null", f);
}
