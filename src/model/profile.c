/* Names for the profile categories (the clock is fl_wall_seconds, src/util/clock.c). */
#include "futurelm.h"
#include "model/model.h"

const char *fl_prof_op_name(int op) {
    static const char *names[FL_PROF_OPS] = {"gemm", "attention", "layernorm", "gelu",
                                             "crossentropy", "embedding", "adamw", "other"};
    return op >= 0 && op < FL_PROF_OPS ? names[op] : "?";
}

const char *fl_prof_phase_name(int phase) {
    static const char *names[FL_PHASES] = {"encoder", "decoder", "lm_head", "optimizer"};
    return phase >= 0 && phase < FL_PHASES ? names[phase] : "?";
}

void fl_model_set_profile(fl_model *m, fl_profile *p) { m->prof = p; }
