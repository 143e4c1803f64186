/* Countdown lines (tokenize, parse a spec, check a program) and the held-out
 * specs file (fl_cd_read_specs). Unknown words and malformed specs are refused
 * with a message. Round trips: detokenized ids tokenize to the same ids; a parsed
 * spec, encoded again, parses to the same spec; a program judged "pass" has the
 * target's value; every spec the file reader accepts passes its own check. */
#include "tasks/countdown.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_cstr(data, size);
    int32_t ids[256], again[256];
    int n = 0, m = 0, used = 0, used2 = 0;
    fl_error err = {0};
    if (fl_cd_tokenize(text, ids, 256, &n, &err) == FL_OK) {
        FUZZ_CHECK(n >= 0 && n <= 256, "%d tokens", n);
        for (int i = 0; i < n; i++) FUZZ_CHECK(ids[i] >= 0 && ids[i] < FL_CD_VOCAB, "token id %d", ids[i]);
        char buf[256 * 16];
        FUZZ_CHECK(fl_cd_detokenize(ids, n, buf, sizeof buf), "detokenize of %d tokens does not fit", n);
        FUZZ_CHECK(fl_cd_tokenize(buf, again, 256, &m, &err) == FL_OK, "our own text '%s' does not tokenize: %s",
                   buf, err.msg);
        FUZZ_CHECK(m == n && !memcmp(ids, again, sizeof *ids * (size_t)n), "'%s' tokenizes differently", buf);
        fl_cd_spec spec, spec2;
        if (fl_cd_parse_spec(ids, n, &spec, &used, &err) == FL_OK) {
            FUZZ_CHECK(used >= 1 && used <= n, "used %d of %d", used, n);
            FUZZ_CHECK(spec.n >= 1 && spec.n <= FL_CD_MAX_NUMS && spec.target >= 0, "spec of %d numbers", spec.n);
            int k = fl_cd_encode_spec(&spec, again);
            FUZZ_CHECK(k <= FL_CD_MAX_TOKENS, "an encoded spec of %d tokens", k);
            FUZZ_CHECK(fl_cd_parse_spec(again, k, &spec2, &used2, &err) == FL_OK && used2 == k,
                       "our own spec does not parse: %s", err.msg);
            FUZZ_CHECK(!memcmp(&spec, &spec2, sizeof spec), "a spec changes when encoded and parsed again");
            long value = -1;
            char why[160];
            fl_cd_verdict v = fl_cd_check(&spec, ids + used, n - used, &value, why, sizeof why);
            FUZZ_CHECK(v >= FL_CD_PASS && v <= FL_CD_ERR_VALUE && fl_cd_verdict_name(v), "verdict %d", (int)v);
            FUZZ_CHECK(memchr(why, 0, sizeof why) && why[0], "a verdict without a reason");
            if (v == FL_CD_PASS) FUZZ_CHECK(value == spec.target, "passed with value %ld, target %ld", value, spec.target);
        }
    } else {
        FUZZ_CHECK(err.msg[0], "refused without a message");
    }
    fl_cd_example *ex = NULL;
    long count = 0;
    err.msg[0] = 0;
    if (fl_cd_read_specs(fuzz_write("test_specs.txt", data, size), &ex, &count, &err) == FL_OK) {
        for (long i = 0; i < count; i++) {
            long value = -1;
            FUZZ_CHECK(ex[i].prog_len >= 0 && ex[i].prog_len <= 2 * FL_CD_MAX_NUMS, "program of %d", ex[i].prog_len);
            FUZZ_CHECK(fl_cd_check(&ex[i].spec, ex[i].prog, ex[i].prog_len, &value, NULL, 0) == FL_CD_PASS &&
                           value == ex[i].spec.target,
                       "accepted spec %ld fails its check", i);
        }
    } else {
        FUZZ_CHECK(err.msg[0] && !ex && count == 0, "refused specs without a message");
    }
    free(ex);
    free(text);
    return 0;
}
