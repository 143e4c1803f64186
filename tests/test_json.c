/* The JSON reader takes exactly RFC 8259's grammar: known good and bad documents,
 * numbers in particular (a number the grammar forbids must not be read as another
 * one), depth bounded, strings written by fl_json_write_string read back, and the
 * compare report's HTML text is valid UTF-8 whatever the model wrote. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/compare/svg.h"
#include "util/json.h"

static int parses(const char *text) {
    char msg[128];
    fl_json_doc *d = fl_json_parse(text, strlen(text), msg, sizeof msg);
    fl_json_free(d);
    return d != NULL;
}

int main(void) {
    const char *good[] = {"0", "-0", "1", "-12", "0.5", "-0.5e-3", "1e5", "1E+5", "12.25e10", "[1, 2.5, -3e2]",
                          "{\"a\": {\"b\": [true, false, null]}}", "\"\\u00e9\\n\"", " [ ] ", "{}"};
    const char *bad[] = {"0668", "-01", "01", "1.", ".5", "-", "+1", "1e", "1e+", "1.e5", "0x10", "1..2", "--1",
                         "[1,]", "{\"a\" 1}", "[1 2]", "\"\\x\"", "tru", "[", "{\"a\":1,}", "1 2", "NaN", "Infinity"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char name[96];
        snprintf(name, sizeof name, "json: '%s' parses", good[i]);
        check(parses(good[i]), name, "refused");
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char name[96];
        snprintf(name, sizeof name, "json: '%s' is refused", bad[i]);
        check(!parses(bad[i]), name, "accepted");
    }
    /* numbers keep their text and value */
    char msg[128];
    fl_json_doc *d = fl_json_parse("[-0.5e-3, 9007199254740993]", 27, msg, sizeof msg);
    const fl_json *r = fl_json_root(d);
    int64_t big = 0;
    check(d && r->count == 2 && r->child->num == -0.5e-3 && !strcmp(r->child->num_text, "-0.5e-3") &&
              !fl_json_int64(r->child->next, &big) && big == 9007199254740993LL,
          "json: numbers keep their text, and integers above 2^53 survive", "%s", d ? "wrong values" : msg);
    fl_json_free(d);
    /* depth is bounded: deep nesting is an error, not a stack overflow */
    enum { DEEP = 100000 };
    char *deep = malloc(2 * DEEP + 1);
    memset(deep, '[', DEEP);
    memset(deep + DEEP, ']', DEEP);
    deep[2 * DEEP] = 0;
    check(!parses(deep), "json: 100,000 nested arrays are refused (depth bound)", "accepted");
    free(deep);
    /* what the writer writes, the reader reads: controls, quotes, invalid UTF-8 */
    const char raw[] = "tab\there \"q\" back\\slash \x01 \xff end";
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fl_json_write_string(f, raw, sizeof raw - 1);
    fclose(f);
    d = fl_json_parse(buf, len, msg, sizeof msg);
    r = fl_json_root(d);
    check(d && r->type == FL_JSON_STRING && !strncmp(r->str, "tab\there \"q\" back\\slash \x01 ", 26) &&
              strstr(r->str, "\xef\xbf\xbd end"),
          "json: a string written by fl_json_write_string reads back (invalid UTF-8 as U+FFFD)", "%s", buf);
    fl_json_free(d);
    free(buf);
    /* the report's HTML text: escaped, and valid UTF-8 whatever a model wrote */
    f = open_memstream(&buf, &len);
    fl_html_text(f, "a<\xc3\xa9>&\xff\xc3 \xe4\xb8\x96\x01");
    fclose(f);
    check(!strcmp(buf, "a&lt;\xc3\xa9&gt;&amp;\xef\xbf\xbd\xef\xbf\xbd \xe4\xb8\x96"),
          "html text: markup escaped, valid UTF-8 kept, invalid bytes as U+FFFD, controls dropped", "%s", buf);
    free(buf);
    return check_exit();
}
