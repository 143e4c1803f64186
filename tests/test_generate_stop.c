/* Generation with a stop token (fl_gen_config.stop, what generate sets for
 * <|endoftext|>): the text ends there, and every mode computes nothing for
 * after it. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "futurelm.h"
#include "generate_model.h"

/* fl_gen_config.stop: a text ends at the stop token. Greedy, every mode: the
 * tokens are those of a run without it, up to and including the first stop
 * token, then no more (n_out 0); ar spends no pass on the stop token itself
 * (one pass per token after the first, none for the last). */
static void stop_token_ends_rounds(void) {
    const int V = 40, T = 24;
    fl_model *m = tiny(FL_MODEL_FTP, V, T, 32, 4, 3.0f, 21, 1);
    static const fl_gen_mode modes[4] = {FL_GEN_AR, FL_GEN_SPEC, FL_GEN_SPEC, FL_GEN_BLOCK};
    int cases = 0, same = 0, over = 0, ar_cases = 0, ar_passes_ok = 0, before_zero = 0;
    for (int p = 0; p < 12; p++)
        for (int mi = 0; mi < 4; mi++) {
            int32_t prompt[8], ref[40], got[48];
            for (int i = 0; i < 8; i++) prompt[i] = (int32_t)((p * 5 + i * 3 + 2) % V);
            fl_sampler_config sc;
            fl_sampler_config_default(&sc);
            fl_gen_config gc = {.sampler = sc, .mode = modes[mi], .draft = 4};
            if (mi == 2) gc.draft_tree[0] = 2, gc.draft_tree[1] = 1, gc.draft_tree[2] = 1;
            fl_generator *g;
            fl_error err;
            int n = 0, k, calls = 0;
            if (fl_generator_create(m, &gc, &g, &err) || fl_generator_start(g, prompt, 8, NULL, &err)) continue;
            while (n < 40 && !fl_generator_next(g, ref + n, 40 - n, &k, &err)) n += k;
            fl_generator_free(g);
            if (n < 40) continue;
            gc.stop = 1, gc.stop_token = ref[3 + p % 11];
            int first = 0;
            while (ref[first] != gc.stop_token) first++;
            if (fl_generator_create(m, &gc, &g, &err) || fl_generator_start(g, prompt, 8, NULL, &err)) continue;
            n = 0;
            while (calls++ < 60 && n < 48 && !fl_generator_next(g, got + n, 48 - n, &k, &err)) {
                n += k;
                before_zero += k == 0 && n <= first; /* only the stop token may end the tokens */
            }
            fl_gen_stats st;
            fl_generator_stats(g, &st);
            int after = fl_generator_next(g, got + n, 48 - n, &k, &err) || k != 0; /* nothing after the stop token */
            fl_generator_free(g);
            cases++;
            same += n == first + 1 && !memcmp(got, ref, sizeof(int32_t) * (size_t)n);
            over += after;
            if (modes[mi] == FL_GEN_AR) ar_cases++, ar_passes_ok += st.encoder_passes == first;
        }
    check(cases == 48 && same == cases && !over && !before_zero,
          "stop token: every mode (ar, spec chain and tree, block) delivers a run's tokens up to the first stop token, "
          "at least one a call, then none",
          "%d of %d cases as the run without a stop token; %d delivered more after it; %d calls gave no token before it",
          same, cases, over, before_zero);
    check(ar_cases == 12 && ar_passes_ok == ar_cases, "stop token: ar spends no encoder pass on the stop token",
          "%d of %d with one pass per token before it", ar_passes_ok, ar_cases);
    fl_model_free(m);
}

int main(void) {
    stop_token_ends_rounds();
    return check_exit();
}
