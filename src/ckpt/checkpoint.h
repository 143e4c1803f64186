/* Checkpoint directories (DESIGN.md 2): model.safetensors, optimizer.safetensors (m.<name>, v.<name>)
 * and state.json, written into DIR.tmp-<pid>, fsync'd, then renamed to DIR, so a
 * crash never leaves a half checkpoint under the final name. */
#ifndef FL_CKPT_CHECKPOINT_H
#define FL_CKPT_CHECKPOINT_H
#include <stddef.h>
#include <stdio.h>

#include "futurelm.h"

/* opt may be NULL (model only); state_json is written verbatim as state.json. */
fl_status ckpt_save(const char *dir, const fl_model *m, fl_adamw *opt, const char *state_json, fl_error *err);
/* Creates the model described by DIR/model.safetensors and loads its weights. */
fl_status ckpt_load_model(const char *dir, fl_model **out, fl_error *err);
/* Loads AdamW moments saved with the same tensor names. */
fl_status ckpt_load_optimizer(const char *dir, const fl_model *m, fl_adamw *opt, fl_error *err);
/* Deletes a checkpoint directory: renamed aside first, so no half-deleted one ever
 * stands under a final name. */
void ckpt_remove(const char *dir);
/* Removes what a killed writer leaves in a run folder: NAME.tmp-PID (a checkpoint
 * or latest being written) and NAME.del-PID (a checkpoint being deleted) whose
 * process no longer exists; logs each to log (may be NULL). Returns how many. */
int ckpt_remove_stale(const char *run_dir, FILE *log);
/* A run directory names its newest checkpoint in RUN/latest: resolve PATH to a
 * checkpoint directory (PATH itself when it has no latest file). */
void ckpt_resolve(const char *path, char *out, size_t n);
/* A path state.json records (the data folder, the tokenizer) is relative to the
 * folder training ran in. Resolve it for checkpoint DIR: as recorded when it
 * exists from here (or is absolute), else from the nearest folder above DIR
 * where it exists (training usually runs in an ancestor of its run folder), else
 * unchanged, for the caller's error to name. */
void ckpt_find_recorded(const char *dir, const char *recorded, char *out, size_t n);
/* Reads DIR/state.json into a malloc'd NUL-terminated string. */
fl_status ckpt_read_state(const char *dir, char **json, fl_error *err);
/* Writes the model's config keys as "key" "value" pairs into meta (at most 32 pairs). */
int ckpt_config_meta(const fl_model_config *c, char buf[][48], const char **meta);
#endif
