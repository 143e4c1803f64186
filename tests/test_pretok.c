/* GPT-2's pre-tokenizer (tokenizer/pretok.c) on known splits: the pattern's
 * alternatives (contractions, letter/number/other runs with their leading space,
 * whitespace runs with the lookahead), Unicode's White_Space set exactly as
 * tiktoken's regex has it, and invalid UTF-8 bytes as "other" characters. */
#include <string.h>

#include "check.h"
#include "tokenizer/tokenizer.h"

static int splits_as(const char *text, size_t n, const char *const *want, int nwant) {
    const unsigned char *s = (const unsigned char *)text;
    int k = 0;
    for (size_t i = 0; i < n; k++) {
        size_t e = fl_pretok_next(s, n, i);
        if (k >= nwant || e - i != strlen(want[k]) || memcmp(s + i, want[k], e - i)) return 0;
        i = e;
    }
    return k == nwant;
}

static void test_pretok(void) {
    const char *a[] = {"Hello", " world", "'s", " ", " x"};
    check(splits_as("Hello world's  x", 16, a, 5), "pretok: words, contraction, double space", "split differs");
    const char *b[] = {"don", "'t", " I", "'m", " we", "'ll", " they", "'re"};
    check(splits_as("don't I'm we'll they're", 23, b, 8), "pretok: contractions", "split differs");
    const char *c[] = {"123", "abc", " 45", " !!?"};
    check(splits_as("123abc 45 !!?", 13, c, 4), "pretok: letters, numbers, punctuation runs", "split differs");
    const char *d[] = {"a", "\n\n", " b", "  \n"};
    check(splits_as("a\n\n b  \n", 8, d, 4), "pretok: whitespace runs (lookahead)", "split differs");
    /* U+0085 is Unicode White_Space (tiktoken splits it off); U+FEFF is not */
    const char *e[] = {"a", " ", "\xc2\x85", "b"};
    check(splits_as("a \xc2\x85" "b", 5, e, 4), "pretok: U+0085 is whitespace", "split differs");
    const char *f[] = {"a", " \xef\xbb\xbf", "b"};
    check(splits_as("a \xef\xbb\xbf" "b", 6, f, 3), "pretok: U+FEFF is not whitespace", "split differs");
    const char *g[] = {"caf\xc3\xa9", " \xe4\xb8\x96\xe7\x95\x8c", " \xd9\xa3"};
    check(splits_as("caf\xc3\xa9 \xe4\xb8\x96\xe7\x95\x8c \xd9\xa3", 15, g, 3), "pretok: non-ASCII letters and digits",
          "split differs");
    const char *h[] = {"a", "\xff\xfe", "b", " \x80"};
    check(splits_as("a\xff\xfe" "b \x80", 6, h, 4), "pretok: invalid UTF-8 bytes are 'other'", "split differs");
    /* U+001C..U+001F are not White_Space (Python's isspace says they are; tiktoken's
     * regex does not): tiktoken encodes "a\x1c's" as a | \x1c' | s */
    const char *u[] = {"a", "\x1c'", "s", " \x1d\x1e\x1f"};
    check(splits_as("a\x1c's \x1d\x1e\x1f", 8, u, 4), "pretok: U+001C..U+001F are 'other', not whitespace",
          "split differs");
}

int main(void) {
    test_pretok();
    return check_exit();
}
