/* The training loop behind `futurelm train`: data, schedule, gradient
 * accumulation, clipping, evaluation, metrics, checkpoints and exact resume. */
#ifndef FL_TRAIN_TRAINER_H
#define FL_TRAIN_TRAINER_H
#include <signal.h>
#include <stdio.h>

#include "futurelm.h"
#include "train/train_config.h"

typedef struct {
    const char *data_dir;      /* NULL with resume: the data folder the resumed checkpoint recorded */
    const char *run_dir;
    const char *resume;        /* checkpoint dir, or a run dir (its latest checkpoint), or NULL */
    const char *init_from;     /* copy same-named tensors from this checkpoint (GPT -> FTP encoder) */
    int steps_this_run;        /* stop (with a checkpoint) after this many steps; 0: to max_steps */
    const char *tokenizer;     /* for a folder without manifest.json (llm.c's shards): the ids' tokenizer, or NULL */
    int vocab_from_data;       /* a new run's model.vocab_size is the data manifest's (the user set none) */
    volatile sig_atomic_t *stop; /* set by a signal handler: finish the step, checkpoint, return */
    FILE *log;                 /* progress and messages (stderr) */
    int progress_bar;          /* 1: live bar (terminal), 0: plain lines */
    FILE *dump_batches;        /* tests: every batch's int32 tokens appended here, or NULL */
} fl_train_options;

/* model_cfg: used for a fresh run; ignored when resuming (the checkpoint's config rules).
 * train_cfg: for a resume, keys the user set explicitly (set_mask) override the saved ones. */
fl_status fl_train_run(const fl_model_config *model_cfg, const fl_train_config *train_cfg,
                       const char *const *overrides, int n_overrides, const fl_train_options *opt, fl_error *err);
#endif
