/* Star-graph lines (tasks/stargraph.h): parse a line, tokenize and detokenize, check
 * a path. Malformed lines are refused with a message. Round trips: a parsed line,
 * formatted again, parses to the same example and formats to the same text;
 * detokenized ids tokenize to the same ids; the reference path of a line the parser
 * accepts as a graph with a valid path passes the checker exactly when it is the
 * graph's start-to-goal path. */
#include "tasks/stargraph.h"
#include "fuzz_util.h"

enum { M = 64 }; /* labels 0..63: small enough for the fuzzer to hit edges that exist */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_cstr(data, size);
    fl_error err = {0};
    static fl_sg_example ex, ex2;
    char buf[8192], buf2[8192];
    if (fl_sg_parse_line(text, M, &ex, &err) == FL_OK) {
        FUZZ_CHECK(ex.n_edges >= 1 && ex.n_edges <= FL_SG_MAX_EDGES, "%d edges", ex.n_edges);
        FUZZ_CHECK(ex.path_len >= 0 && ex.path_len <= FL_SG_MAX_PATH, "path of %d", ex.path_len);
        FUZZ_CHECK(fl_sg_format_line(&ex, buf, sizeof buf), "a parsed line does not format");
        FUZZ_CHECK(fl_sg_parse_line(buf, M, &ex2, &err) == FL_OK, "our own line '%s' does not parse: %s", buf, err.msg);
        FUZZ_CHECK(fl_sg_format_line(&ex2, buf2, sizeof buf2) && !strcmp(buf, buf2), "'%s' formats as '%s'", buf, buf2);
        char why[200];
        fl_sg_verdict v = fl_sg_check(&ex, ex.path, ex.path_len, why, sizeof why);
        FUZZ_CHECK(v >= FL_SG_PASS && v < FL_SG_N_VERDICTS && fl_sg_verdict_name(v), "verdict %d", (int)v);
        FUZZ_CHECK(memchr(why, 0, sizeof why) && (v == FL_SG_PASS || why[0]), "a failing verdict without a reason");
        if (v == FL_SG_PASS)
            FUZZ_CHECK(ex.path_len >= 2 && ex.path[0] == ex.start && ex.path[ex.path_len - 1] == ex.goal,
                       "a passing path does not run from start to goal");
    } else {
        FUZZ_CHECK(err.msg[0], "a line refused without a message");
    }
    int32_t ids[1024], again[1024];
    int n = 0, m = 0;
    err.msg[0] = 0;
    if (fl_sg_tokenize(text, M, ids, 1024, &n, &err) == FL_OK) {
        for (int i = 0; i < n; i++) FUZZ_CHECK(ids[i] >= 0 && ids[i] < fl_sg_vocab_size(M), "token id %d", ids[i]);
        static char big[1024 * 16];
        FUZZ_CHECK(fl_sg_detokenize(ids, n, M, big, sizeof big), "detokenize of %d tokens does not fit", n);
        FUZZ_CHECK(fl_sg_tokenize(big, M, again, 1024, &m, &err) == FL_OK, "our own text does not tokenize: %s",
                   err.msg);
        FUZZ_CHECK(m == n && !memcmp(ids, again, sizeof *ids * (size_t)n), "'%s' tokenizes differently", big);
    } else {
        FUZZ_CHECK(err.msg[0], "a text refused without a message");
    }
    free(text);
    return 0;
}
