/* GPT-2's pre-tokenizer without a regex engine.
 *
 * The pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * is tried leftmost-first at each position, as fancy-regex (tiktoken) does. Because
 * its alternatives are so regular, the match at a position follows from the
 * classes of the first one or two characters:
 *   - an apostrophe followed by s t m d, or re ve ll: that contraction;
 *   - an optional space and then a run of one class (letters, numbers, or
 *     "other" = neither of those nor whitespace): the space belongs to the run;
 *   - whitespace: the longest run that is not followed by a non-space, i.e. the
 *     whole run at the end of the text, else the run minus its last character
 *     (that character then prefixes the next word), else one character.
 * Bytes that are not valid UTF-8 are treated as single "other" characters, so
 * any byte string splits (and still round-trips). */
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode_class.h"

/* Class of the character at s[i] and its length in bytes; strict UTF-8 decoding
 * (no overlongs, no surrogates, nothing above U+10FFFF). */
static inline int class_at(const unsigned char *s, size_t n, size_t i, size_t *clen) {
    unsigned c = s[i];
    if (c < 0x80) {
        static const unsigned char ascii[128] = {
            /* 0x00-0x1f: \t \n \v \f \r only. Unicode White_Space (what tiktoken's
             * regex means by \s) leaves out 0x1c-0x1f, which Python's str.isspace
             * counts: they are "other" characters here, as in tiktoken. */
            0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            /* 0x20-0x3f: space, digits */
            3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0,
            /* 0x40-0x5f: capitals */
            0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
            /* 0x60-0x7f: small letters */
            0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
        *clen = 1;
        return ascii[c];
    }
    unsigned cp;
    size_t need;
    if (c >= 0xc2 && c <= 0xdf) cp = c & 0x1f, need = 1;
    else if (c >= 0xe0 && c <= 0xef) cp = c & 0x0f, need = 2;
    else if (c >= 0xf0 && c <= 0xf4) cp = c & 0x07, need = 3;
    else goto invalid;
    if (i + need >= n) goto invalid;
    for (size_t k = 1; k <= need; k++) {
        unsigned cc = s[i + k];
        if ((cc & 0xc0) != 0x80) goto invalid;
        cp = cp << 6 | (cc & 0x3f);
    }
    if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
        goto invalid;
    *clen = need + 1;
    return fl_unicode_class(cp);
invalid:
    *clen = 1;
    return FL_UC_OTHER;
}

size_t fl_pretok_next(const unsigned char *s, size_t n, size_t i) {
    unsigned c0 = s[i];
    if (c0 == '\'' && i + 1 < n) {
        unsigned c1 = s[i + 1];
        if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
        if (i + 2 < n) {
            unsigned c2 = s[i + 2];
            if ((c1 == 'r' || c1 == 'v') && c2 == 'e') return i + 3;
            if (c1 == 'l' && c2 == 'l') return i + 3;
        }
    }
    size_t len;
    int cls = class_at(s, n, i, &len);
    size_t j = i;
    if (c0 == ' ' && i + 1 < n) {
        size_t len1;
        int cls1 = class_at(s, n, i + 1, &len1);
        if (cls1 != FL_UC_SPACE) {
            cls = cls1;
            j = i + 1;
        }
    }
    if (cls != FL_UC_SPACE) { /* ( ?)\p{L}+ | ( ?)\p{N}+ | ( ?)[^\s\p{L}\p{N}]+ */
        while (j < n && class_at(s, n, j, &len) == cls) j += len;
        return j;
    }
    /* \s+(?!\S) | \s+ */
    size_t last = i;
    j = i;
    while (j < n && class_at(s, n, j, &len) == FL_UC_SPACE) {
        last = j;
        j += len;
    }
    if (j == n) return n;
    return last > i ? last : j;
}
