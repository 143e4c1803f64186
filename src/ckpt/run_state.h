/* state.json, a checkpoint's run state (fl_run_state in futurelm.h): one
 * reader and one writer. The file is a JSON object:
 *   "format": "futurelm-state", "step": N, "tokens_seen": N,
 *   "loader": {"seed", "epoch", "cursor", "n_windows"}  decimal strings (64-bit values),
 *   "rng": [4 decimal strings], "tokenizer": {"path", "sha256", "eot"},
 *   "data_dir": "...", "train": {"train.KEY": number, ...},
 *   "metrics": {"last_val_loss": number or null, "last_val_offsets": [numbers]}
 * Each part is optional. The 64-bit values are strings because a JSON number
 * above 2^53 is not exact in many readers; the reader also takes numbers. */
#ifndef FL_CKPT_RUN_STATE_H
#define FL_CKPT_RUN_STATE_H
#include <stddef.h>
#include <stdio.h>

#include "futurelm.h"

/* Writes s as state.json text; returns 0, or -1 when the stream fails. */
int fl_run_state_write(const fl_run_state *s, FILE *f);
/* The same text in a malloc'd string, or NULL when memory runs out. */
char *fl_run_state_to_json(const fl_run_state *s);
/* Parses state.json text into s, replacing what s held. `what` names the file in
 * the error message for text that is not JSON. */
fl_status fl_run_state_parse(const char *text, size_t len, const char *what, fl_run_state *s, fl_error *err);
#endif
