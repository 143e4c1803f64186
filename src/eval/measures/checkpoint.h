/* A checkpoint opened for evaluation (and generation): the model and what the
 * run's state.json recorded about its data and tokenizer, including which task
 * (tasks/task.h) the tokenizer identity names, so no caller sniffs a path. */
#ifndef FL_EVAL_MEASURES_CHECKPOINT_H
#define FL_EVAL_MEASURES_CHECKPOINT_H
#include "futurelm.h"
#include "tasks/task.h"
#include "tokenizer/tokenizer.h"

/* The paths are malloc'd and freed by fl_eval_ckpt_close; an absent one is "". */
typedef struct {
    char *dir;                    /* resolved checkpoint directory (RUN/latest followed) */
    fl_model *m;
    char *data_dir;               /* state.json "data_dir", found by the recorded-path rule ("" when absent) */
    char *tokenizer;              /* state.json "tokenizer"."path", likewise ("" when absent) */
    long step;                    /* state.json "step" (-1 when absent) */
    const fl_task *task;          /* the task whose vocabulary the recorded tokenizer is, or NULL (a text model) */
} fl_eval_ckpt;

fl_status fl_eval_ckpt_open(const char *path, fl_eval_ckpt *c, fl_error *err);
void fl_eval_ckpt_close(fl_eval_ckpt *c);
/* The checkpoint's tokenizer (override: a path used instead of state.json's). */
fl_status fl_eval_ckpt_tokenizer(const fl_eval_ckpt *c, const char *override, fl_tokenizer **tok, fl_error *err);

#endif
