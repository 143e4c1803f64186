/* Continuing a prompt with a generator, for the measures that generate
 * (countdown pass@1, coherence). */
#ifndef FL_EVAL_MEASURES_CONTINUATION_H
#define FL_EVAL_MEASURES_CONTINUATION_H
#include <stdint.h>

#include "futurelm.h"

/* Generates up to cap tokens after prompt[0..n), stopping after `stop` (kept;
 * -1 for none) or at `eot` (dropped); *n_out is how many landed in out. */
fl_status fl_eval_continue(fl_generator *g, const int32_t *prompt, int n, int32_t stop, int32_t eot, int cap,
                           int32_t *out, int *n_out, fl_error *err);

#endif
