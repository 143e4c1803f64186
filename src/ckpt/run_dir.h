/* Run folders: RUN/step_NNNNNNNN checkpoints, RUN/latest naming the newest,
 * and what an interrupted writer leaves behind. Listing, pruning, `latest`
 * and cleaning all use one rule for which names are checkpoints. */
#ifndef FL_CKPT_RUN_DIR_H
#define FL_CKPT_RUN_DIR_H
#include <stddef.h>
#include <stdio.h>

#include "futurelm.h"

/* The one rule for a checkpoint's name: "step_" and 1 to 18 decimal digits,
 * nothing else. So step_N.tmp-PID (being written) and step_N.del-PID (being
 * deleted) are not checkpoints. Returns 1 and sets *step when name is one. */
int fl_ckpt_name_step(const char *name, long *step);

typedef struct {
    long step;
    char *name; /* "step_00000008" */
    char *dir;  /* RUN/step_00000008 */
} fl_ckpt_entry;

typedef struct {
    fl_ckpt_entry *at; /* oldest first: by step, then by name */
    int n;
} fl_ckpt_list;

/* Lists the checkpoints of run_dir: the folders whose names follow the rule.
 * A run folder that cannot be opened is an FL_ERR_IO error. */
fl_status fl_ckpt_list_run(const char *run_dir, fl_ckpt_list *out, fl_error *err);
void fl_ckpt_list_free(fl_ckpt_list *l);

/* Deletes all but the newest keep_last checkpoints of run_dir (train.keep_last). */
void fl_ckpt_prune(const char *run_dir, int keep_last);
/* Points RUN/latest at checkpoint `name`: a one-line file, replaced atomically. */
fl_status fl_ckpt_set_latest(const char *run_dir, const char *name, fl_error *err);

/* A path that state.json records (the data folder, the tokenizer) is relative
 * to the folder training ran in. Finds it for checkpoint DIR: as recorded when
 * it exists from here (or is absolute), else from the nearest folder above DIR
 * where it exists (training usually runs in an ancestor of its run folder),
 * else unchanged, for the caller's error to name. Returns a malloc'd string,
 * or NULL when memory runs out. */
char *fl_ckpt_find_recorded(const char *dir, const char *recorded);

/* Deletes a folder of plain files (a checkpoint is flat) and then the folder. */
void fl_remove_tree(const char *dir);
/* Deletes a checkpoint folder: renamed aside first, so no half-deleted one ever
 * stands under a final name. */
void ckpt_remove(const char *dir);
/* Removes what a killed writer leaves in a run folder: NAME.tmp-PID (a checkpoint
 * or latest being written) and NAME.del-PID (a checkpoint being deleted) whose
 * process no longer exists; logs each to log (may be NULL). Returns how many. */
int ckpt_remove_stale(const char *run_dir, FILE *log);

/* Fixed-buffer forms of fl_checkpoint_resolve and fl_ckpt_find_recorded, kept
 * only until src/eval/run_common.c switches to those; the result is cut at n. */
void ckpt_resolve(const char *path, char *out, size_t n);
void ckpt_find_recorded(const char *dir, const char *recorded, char *out, size_t n);
#endif
