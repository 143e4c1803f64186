/* Matching two runs at a shared validation loss (docs/design.md 4: claims are
 * compared at matched next-token loss): a run's training curves from
 * metrics.jsonl, and each run's checkpoint closest to the shared target. */
#ifndef FL_EVAL_COMPARE_MATCH_H
#define FL_EVAL_COMPARE_MATCH_H
#include "futurelm.h"

/* One training curve: (step, value) points. */
typedef struct {
    long *step;
    double *value;
    int n;
} fl_curve;
/* A run's metrics.jsonl: training loss (next_token_loss of every step) and the
 * validation next-token loss lines. */
typedef struct {
    fl_curve train, val;
} fl_run_metrics;
fl_status fl_run_metrics_read(const char *run_dir, fl_run_metrics *r, fl_error *err);
void fl_run_metrics_free(fl_run_metrics *r);

/* Checkpoints of a run (RUN/step_*) and the validation next-token loss logged at
 * each one's step; the checkpoint closest to target (ties: the later step). */
typedef struct {
    char *dir; /* RUN/step_N, malloc'd (fl_ckpt_pick_free) */
    long step;
    double val_loss;
} fl_ckpt_pick;
void fl_ckpt_pick_free(fl_ckpt_pick *p);
fl_status fl_pick_checkpoint(const char *run_dir, const fl_run_metrics *mt, double target, fl_ckpt_pick *out,
                             fl_error *err);
/* Model FLOPs (fl_model_train_flops) of the first `step` optimizer steps of the run
 * that wrote checkpoint DIR, from the batch its state.json records (train.batch_size
 * x train.grad_accum windows of block_size tokens): the compute spent to reach it.
 * NaN when the checkpoint records no batch (e.g. one from `futurelm init`). */
double fl_ckpt_train_flops(const char *dir, const fl_model_config *c, long step);
/* The lowest validation loss logged at any of a run's saved checkpoints. */
fl_status fl_best_checkpoint_loss(const char *run, const fl_run_metrics *mt, double *best, fl_error *err);
/* The default shared target: the larger of the two runs' best validation losses
 * over their saved checkpoints, so that both runs reach it. */
fl_status fl_default_target(const char *run_a, const fl_run_metrics *a, const char *run_b, const fl_run_metrics *b,
                            double *target, fl_error *err);

#endif
