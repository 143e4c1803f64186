/* What a resumed run recorded (resumed.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "train/resumed.h"

#include <stdlib.h>
#include <string.h>

#include "ckpt/checkpoint.h"
#include "ckpt/run_dir.h"
#include "ckpt/run_state.h"
#include "util/error.h"

/* The resumed checkpoint's folder (*ck, malloc'd) and its state.json. */
static fl_status read_resumed(const char *resume, char **ck, fl_run_state *rs, fl_error *err) {
    fl_run_state_init(rs);
    *ck = fl_checkpoint_resolve(resume);
    return *ck ? fl_run_state_read(*ck, rs, err) : fl_fail(err, FL_ERR_NOMEM, "out of memory");
}

/* A resume on llm.c shards without --tokenizer keeps the tokenizer the run
 * recorded (the folder has no manifest to say it again). */
fl_status fli_train_recorded_tokenizer(const char *resume, fl_manifest *man, fl_error *err) {
    char *ck;
    fl_run_state rs;
    fl_status st = read_resumed(resume, &ck, &rs, err);
    char *path = !st && rs.tokenizer ? fl_ckpt_find_recorded(ck, rs.tokenizer) : NULL; /* as from here */
    if (path) snprintf(man->tokenizer, sizeof man->tokenizer, "%s", path);
    free(path);
    if (!st) memcpy(man->sha256, rs.tokenizer_sha256, sizeof man->sha256), man->eot = rs.eot;
    fl_run_state_clear(&rs);
    free(ck);
    return st;
}

/* A resume without --data trains on the folder the checkpoint recorded (state.json's data_dir,
 * relative to the run folder), so `train --resume RUN` alone continues; with --data, the folder
 * given stands, and a note says when it is another one than the recorded (compared by real path,
 * so a link to it is silent). One read of state.json for either. */
fl_status fli_train_resume_data(const char *resume, const char *given, char **data_dir, FILE *log, fl_error *err) {
    *data_dir = NULL;
    char *ck, *rec = NULL;
    fl_run_state rs;
    fl_error quiet = {0}; /* with --data, a state.json that cannot be read is the resume's own error, later */
    fl_status st = read_resumed(resume, &ck, &rs, given ? &quiet : err);
    int recorded = !st && rs.data_dir && rs.data_dir[0];
    if (recorded && !(rec = fl_ckpt_find_recorded(ck, rs.data_dir))) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (given) {
        if (rec && log) {
            char *a = realpath(rec, NULL), *b = realpath(given, NULL);
            if (!a || !b || strcmp(a, b)) /* a folder gone, or another one: say so, and go on with the one given */
                fprintf(log, "note: the run was trained on %s (as recorded); resuming on %s\n", rec, given);
            free(a), free(b);
        }
        free(rec);
        st = FL_OK;
    } else {
        if (!st && !recorded)
            st = fl_fail(err, FL_ERR_ARG, "%s records no data folder; give --data DATA_DIR", resume);
        if (!st && log) fprintf(log, "resuming on the data the run recorded: %s\n", rec);
        if (st) free(rec);
        else *data_dir = rec;
    }
    fl_run_state_clear(&rs);
    free(ck);
    return st;
}
