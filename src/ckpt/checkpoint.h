/* Checkpoint directories (docs/design.md 2): model.safetensors, optimizer.safetensors (m.<name>, v.<name>)
 * and state.json, written into DIR.tmp-<pid>, fsync'd, then renamed to DIR, so a
 * crash never leaves a half checkpoint under the final name. The public face of
 * this is fl_checkpoint_load / fl_checkpoint_save in futurelm.h. */
#ifndef FL_CKPT_CHECKPOINT_H
#define FL_CKPT_CHECKPOINT_H
#include <stddef.h>
#include <stdio.h>

#include "ckpt/run_dir.h"
#include "futurelm.h"

/* opt may be NULL (model only); state may be NULL (an empty state.json). DIR is
 * a checkpoint folder, used as given (no `latest` is followed). */
fl_status fli_ckpt_save(const char *dir, const fl_model *m, fl_adamw *opt, const fl_run_state *state, fl_error *err);
/* Creates the model described by DIR/model.safetensors and loads its weights. */
fl_status fli_ckpt_load_model(const char *dir, fl_model **out, fl_error *err);
/* Loads AdamW moments saved with the same tensor names. */
fl_status fli_ckpt_load_optimizer(const char *dir, const fl_model *m, fl_adamw *opt, fl_error *err);
/* Reads DIR/state.json into a malloc'd NUL-terminated string (fl_run_state_read
 * parses it). */
fl_status fli_ckpt_read_state(const char *dir, char **json, fl_error *err);
/* Writes the model's config keys as "key" "value" pairs into meta (at most 32 pairs). */
int fli_ckpt_config_meta(const fl_model_config *c, char buf[][48], const char **meta);
#endif
