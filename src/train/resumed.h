/* What a resumed run recorded in its checkpoint's state.json, for a `train --resume`
 * that does not say it again: the data folder (no --data) and, for llm.c shards
 * without a manifest, the tokenizer. Paths come back as from the current folder
 * (fl_ckpt_find_recorded). */
#ifndef FL_TRAIN_RESUMED_H
#define FL_TRAIN_RESUMED_H
#include <stdio.h>

#include "data/manifest.h"
#include "futurelm.h"

/* The data folder of a resume. given NULL: the folder checkpoint or run `resume` recorded,
 * malloc'd into *data_dir and named on log (an error when it recorded none). given (--data):
 * *data_dir stays NULL, the folder given stands, and log gets one note when it is not the
 * recorded folder (by real path); never an error. */
fl_status fli_train_resume_data(const char *resume, const char *given, char **data_dir, FILE *log, fl_error *err);
/* The tokenizer path, sha256 and <|endoftext|> id `resume` recorded, into man. */
fl_status fli_train_recorded_tokenizer(const char *resume, fl_manifest *man, fl_error *err);
#endif
