/* Every measure's result as JSON, shared by `futurelm eval --json` and the
 * JSON file of `futurelm compare`, so both carry the same numbers; and as the
 * text `futurelm eval` prints. */
#ifndef FL_EVAL_MEASURES_OUTPUT_H
#define FL_EVAL_MEASURES_OUTPUT_H
#include <stdio.h>

#include "eval/measures/coherence.h"
#include "eval/measures/countdown_pass.h"
#include "eval/measures/loss.h"
#include "eval/measures/smoothness.h"
#include "eval/measures/topic_probe.h"

/* One JSON object each (no trailing newline). Non-finite numbers become null. */
void fl_json_ppl(FILE *f, const fl_ppl_result *r);
void fl_json_offsets(FILE *f, const fl_offsets_result *r);
void fl_json_smooth(FILE *f, const fl_smooth_result *r);
void fl_json_probe(FILE *f, const fl_probe_eval_result *r);
void fl_json_countdown(FILE *f, const fl_countdown_result *r);
void fl_json_coherence(FILE *f, const fl_coherence_result *r);
void fl_json_num(FILE *f, double x);

#endif
