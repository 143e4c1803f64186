/* Opt-in timing of model passes (the fl_profile of futurelm.h). Every timed
 * region reads the clock only when a profile is set; with none (the default)
 * it costs one NULL test. The profile belongs to the caller and is reached
 * through the model (or a block's dims), never through global state. The
 * model's passes time their kernels through model/timed.h. */
#ifndef FL_MODEL_PROFILE_H
#define FL_MODEL_PROFILE_H
#include "futurelm.h"

/* Where timed work books its seconds: the profile (NULL: not timing) and the phase. */
typedef struct {
    fl_profile *p;
    int phase;
} prof_at;

static inline double prof_start(const fl_profile *p) { return p ? fl_wall_seconds() : 0.0; }
static inline void prof_op(fl_profile *p, int phase, int op, double t0) {
    if (p) p->seconds[phase][op] += fl_wall_seconds() - t0;
}
static inline void prof_phase(fl_profile *p, int phase, double t0) {
    if (p) p->phase_seconds[phase] += fl_wall_seconds() - t0;
}
#endif
