/* The labelled texts the topic probes and coherence's classifier read, and
 * their cutting into tokenized chunks split by document. */
#ifndef FL_EVAL_MEASURES_DATASETS_H
#define FL_EVAL_MEASURES_DATASETS_H
#include <stddef.h>
#include <stdint.h>

#include "futurelm.h"
#include "tokenizer/tokenizer.h"

/* Labelled texts of docs/design.md section 5: a folder with labels.tsv (a header row
 * naming its columns, the first being `file`) and text/<file>. */
typedef struct {
    char *file;
    char *text;
    size_t len;
    int label; /* index into classes */
} fl_ltext;
typedef struct {
    fl_ltext *items;
    int n;
    char **classes; /* sorted by name */
    int n_classes;
} fl_text_set;

/* Rows whose label_column is empty are skipped. With mail, texts are e-mails:
 * the header block and every line that names the list (addresses, URLs,
 * "mailing list", "unsubscribe", "sponsored by") are dropped, since those would
 * give the label away. */
fl_status fl_text_set_load(const char *dir, const char *label_column, int mail, fl_text_set *out, fl_error *err);
/* Named sets under data_root (NULL: wherever the data search of util/datapath.h
 * finds each): "brown" (15 genres), "brown-coarse" (4 groups),
 * "spam-assassin" (ham mailing-list topics). */
fl_status fl_text_set_load_named(const char *data_root, const char *name, fl_text_set *out, fl_error *err);
/* A labelled folder of the user's own (compare --probe-data): DIR holds one
 * folder per label, named by the label, each holding that label's documents,
 * one regular file each (any name; entries starting with '.' are skipped).
 * Labels and files are read in strcmp order. Errors, each naming the path:
 * DIR missing or not a folder, a plain file beside the label folders, a label
 * with fewer than FL_TEXT_SET_MIN_DOCS files (an empty folder included), fewer
 * than 2 labels, a file that cannot be read, is empty, holds a NUL byte (not
 * text) or is not a regular file. An item's `file` is "LABEL/NAME". */
fl_status fl_text_set_load_folder(const char *dir, fl_text_set *out, fl_error *err);
/* The probe split deals each label's documents to train, validation and test,
 * at least one each (fl_chunk_texts). */
#define FL_TEXT_SET_MIN_DOCS 3
/* folder (a --probe-data DIR) when not NULL, else the named set under data_root. */
fl_status fl_text_set_open(const char *folder, const char *data_root, const char *name, fl_text_set *out,
                           fl_error *err);
void fl_text_set_free(fl_text_set *s);

/* Fixed-length chunks of tokenized texts, split by document. */
typedef struct {
    int32_t *tokens; /* [n, len] */
    int *label;      /* [n] */
    int *doc;        /* [n] index into the fl_text_set */
    int n;
} fl_chunk_split;
typedef struct {
    int len;             /* tokens a chunk */
    fl_chunk_split split[3]; /* train, val, test */
    int n_classes;
    int *chunks;         /* [3 * n_classes]: chunks of class c in split s at s*n_classes + c */
    int *docs;           /* [3 * n_classes]: documents likewise */
} fl_chunked;

/* Tokenize every text (no special tokens), cut it into consecutive chunks of len
 * tokens (the remainder is dropped; at most max_per_doc chunks a document, 0 = no
 * limit), and split the documents of each class by a seeded shuffle: round(val *
 * n) to val and round(test * n) to test, at least one each, the rest (at least
 * one) to train. Splitting by document keeps chunks of one text out of two
 * splits. A class with too few documents is an error that gives the counts. */
fl_status fl_chunk_texts(const fl_text_set *s, const fl_tokenizer *tok, int len, int max_per_doc, double val_frac,
                         double test_frac, uint64_t seed, fl_chunked *out, fl_error *err);
void fl_chunked_free(fl_chunked *c);

#endif
