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

/* What DIR is to a command about to replace or delete it: 1 a checkpoint folder
 * futurelm wrote (a real folder, not a link, holding model.safetensors and
 * nothing but model.safetensors, optimizer.safetensors and state.json as plain
 * files), 0 an empty folder, -1 anything else (a link, a file, a folder with
 * other things in it, or nothing there): not ours to delete. */
int fl_ckpt_is_ours(const char *dir);
/* Deletes all but the newest keep_last checkpoints of run_dir (train.keep_last).
 * Only folders fl_ckpt_is_ours recognises count and are deleted; each other
 * step_* (a symbolic link, a folder with other files) is left alone, with a
 * warning on log (may be NULL). */
void fl_ckpt_prune(const char *run_dir, int keep_last, FILE *log);
/* Points RUN/latest at checkpoint `name`: a one-line file, replaced atomically. */
fl_status fl_ckpt_set_latest(const char *run_dir, const char *name, fl_error *err);

/* A path that state.json records (the data folder, the tokenizer) is relative
 * to the checkpoint's run folder (the folder holding the checkpoint folder), or
 * absolute: the rule of fl_path_relative / fl_path_find_relative (util/fs.h)
 * with the run folder as the base. Finds it for checkpoint DIR, as a path from
 * the current folder. Malloc'd; NULL when memory runs out. */
char *fl_ckpt_find_recorded(const char *dir, const char *recorded);
/* The run folder that `train --resume X` without --out continues in: X itself
 * when it is a run folder (X/latest or X/step_N), else the folder holding
 * checkpoint X when X is named like one (RUN/step_N). Malloc'd; NULL for a
 * checkpoint in no run folder (or when memory runs out). */
char *fl_ckpt_run_of(const char *resume);
/* The form of PATH (as the user gave it, from the current folder) to record in
 * a checkpoint of run_dir: an absolute PATH as given (the user chose it), else
 * fl_path_relative(run_dir, PATH). Malloc'd. */
char *fl_ckpt_record_path(const char *run_dir, const char *path);

/* Deletes the entries of a flat folder and then the folder; never follows a
 * symbolic link (DIR itself being a link is refused; a link inside is removed,
 * not its target) and leaves subfolders. Returns 0 when DIR is gone, else -1. */
int fl_remove_tree(const char *dir);
/* Deletes a checkpoint folder when fl_ckpt_is_ours says it is one (or empty):
 * renamed aside first, so no half-deleted one ever stands under a final name.
 * Returns 0, or -1 having deleted nothing it did not recognise. */
int fli_ckpt_remove(const char *dir);
/* Removes what a killed writer leaves in a run folder: NAME.tmp-PID (a checkpoint
 * or latest being written) and NAME.del-PID (a checkpoint being deleted) whose
 * process no longer exists; logs each to log (may be NULL). Returns how many. */
int fli_ckpt_remove_stale(const char *run_dir, FILE *log);

#endif
