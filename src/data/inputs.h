/* Text inputs for the tokenizer trainer and `prepare`: files, folders and JSONL.
 *
 * A path names a file (used whatever its name; *.jsonl is read as JSON Lines)
 * or a folder, searched recursively in sorted order for *.txt, *.text, *.md
 * and *.jsonl (hidden entries skipped). A plain file is one document; each
 * non-blank JSONL line is an object whose "text" string is one document. */
#ifndef FL_DATA_INPUTS_H
#define FL_DATA_INPUTS_H
#include <stddef.h>

#include "futurelm.h"

typedef struct {
    char *path;
    int jsonl;
    int explicit_; /* named on the command line (an empty one is an error) */
} fl_input_file;

typedef struct {
    fl_input_file *files;
    size_t n, cap;
} fl_input_list;

/* Expand paths into files. Errors: a missing path, a folder with no text files. */
fl_status fl_inputs_collect(char *const *paths, int npaths, fl_input_list *out, fl_error *err);
void fl_inputs_free(fl_input_list *l);

/* Called once per document; a non-OK return stops the iteration. */
typedef fl_status (*fl_doc_fn)(const char *doc, size_t len, void *user, fl_error *err);

/* Read one file and hand its documents to fn; *ndocs counts them. Empty documents
 * are skipped; an explicitly named file without any document is an error. */
fl_status fl_inputs_read_docs(const fl_input_file *f, fl_doc_fn fn, void *user, size_t *ndocs, fl_error *err);

#endif
