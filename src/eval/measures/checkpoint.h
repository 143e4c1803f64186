/* A checkpoint opened for evaluation (and generation): the model and what the
 * run's state.json recorded about its data and tokenizer, including which task
 * (tasks/task.h) the tokenizer identity names, so no caller sniffs a path. */
#ifndef FL_EVAL_MEASURES_CHECKPOINT_H
#define FL_EVAL_MEASURES_CHECKPOINT_H
#include "futurelm.h"
#include "tasks/task.h"
#include "tokenizer/tokenizer.h"

/* The checkpoint helpers (ckpt_resolve, ckpt_find_recorded) write into
 * caller buffers of this size. */
#define FL_EVAL_PATH 4200

typedef struct {
    char dir[FL_EVAL_PATH];       /* resolved checkpoint directory (RUN/latest followed) */
    fl_model *m;
    char data_dir[FL_EVAL_PATH];  /* state.json "data_dir" ("" when absent) */
    char tokenizer[FL_EVAL_PATH]; /* state.json "tokenizer"."path" ("" when absent) */
    long step;                    /* state.json "step" (-1 when absent) */
    const fl_task *task;          /* the task whose vocabulary the recorded tokenizer is, or NULL (a text model) */
} fl_eval_ckpt;

fl_status fl_eval_ckpt_open(const char *path, fl_eval_ckpt *c, fl_error *err);
void fl_eval_ckpt_close(fl_eval_ckpt *c);
/* The checkpoint's tokenizer (override: a path used instead of state.json's). */
fl_status fl_eval_ckpt_tokenizer(const fl_eval_ckpt *c, const char *override, fl_tokenizer **tok, fl_error *err);

#endif
