/* A prompt's continuation: the generator's rounds (one token, or up to
 * FL_MAX_FUTURE in the FTP modes) appended until a stop token, the end of
 * text or the cap. */
#include "eval/measures/continuation.h"

fl_status fl_eval_continue(fl_generator *g, const int32_t *prompt, int n, int32_t stop, int32_t eot, int cap,
                           int32_t *out, int *n_out, fl_error *err) {
    int dropped, got = 0;
    fl_status st = fl_generator_start(g, prompt, n, &dropped, err);
    int done = 0;
    while (!st && got < cap && !done) {
        int32_t round[FL_MAX_FUTURE + 1];
        int k, left = cap - got;
        if ((st = fl_generator_next(g, round, left < FL_MAX_FUTURE ? left : FL_MAX_FUTURE, &k, err))) break;
        for (int i = 0; i < k && !done; i++) {
            if (round[i] == eot) { done = 1; break; }
            out[got++] = round[i];
            if (round[i] == stop || got == cap) done = 1;
        }
    }
    *n_out = got;
    return st;
}
