/* Countdown pass@1 (docs/design.md 4.5) of a model trained on the countdown task. */
#ifndef FL_EVAL_MEASURES_COUNTDOWN_PASS_H
#define FL_EVAL_MEASURES_COUNTDOWN_PASS_H
#include <stdint.h>

#include "futurelm.h"
#include "tasks/countdown.h"

/* docs/design.md 4.5: pass@1 on held-out countdown specs. The prompt is
 * `<|endoftext|> nums ... target T :`, as training documents start; the model
 * writes until '.' or <|endoftext|> or max_tokens, the checker gives the verdict. */
typedef struct {
    fl_gen_config gen;  /* default greedy, AR */
    int max_tokens;     /* default 2 * FL_CD_MAX_NUMS + 2 */
    long max_specs;     /* 0 = all */
    int n_boot;
    uint64_t boot_seed;
} fl_countdown_opts;
void fl_countdown_opts_default(fl_countdown_opts *o);
#define FL_CD_N_VERDICTS 5
typedef struct {
    long n, passed;
    double pass_rate, ci_lo, ci_hi;
    long verdicts[FL_CD_N_VERDICTS]; /* by fl_cd_verdict */
    char example_fail[256];          /* the first failing line, with its reason */
} fl_countdown_result;
fl_status fl_eval_countdown(fl_model *m, const fl_cd_example *specs, long n_specs, const fl_countdown_opts *o,
                            fl_countdown_result *r, fl_error *err);

#endif
