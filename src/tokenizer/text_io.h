/* Token ids as text, and whole lists of files through a tokenizer: what
 * `futurelm tokenizer encode/decode` needs besides encode and decode. */
#ifndef FL_TOKENIZER_TEXT_IO_H
#define FL_TOKENIZER_TEXT_IO_H
#include <stdio.h>

#include "tokenizer/tokenizer.h"

/* All of f (to its end) into *data, NUL-terminated, *len bytes (free()).
 * `name` names f in the error, e.g. "standard input". */
fl_status fl_read_stream(FILE *f, const char *name, char **data, size_t *len, fl_error *err);

/* Appends the ids written in text[0..len): non-negative integers separated by
 * whitespace or commas, JSON array brackets allowed. `name` names the text in errors. */
fl_status fl_token_ids_parse(const char *text, size_t len, const char *name, fl_tokvec *ids, fl_error *err);

/* Whether decode(ids) gives back text[0..len) byte for byte. */
int fl_tokenizer_round_trips(const fl_tokenizer *tok, const fl_tokvec *ids, const char *text, size_t len,
                             fl_error *err);

typedef struct {
    size_t files, bytes, tokens;
    size_t bad;     /* with verify: files that do not round-trip */
    double seconds; /* spent encoding */
} fl_encode_files_report;

/* Encodes every file named in list_path (one path a line) and writes, for each,
 * an int32 count and the int32 ids (little-endian) to out_path, which appears
 * only when complete. With verify, each file that does not round-trip is named
 * on log (when not NULL) and counted in r->bad; the output is still written. */
fl_status fl_tokenizer_encode_files(const fl_tokenizer *tok, const char *list_path, const char *out_path,
                                    int allow_special, int verify, FILE *log, fl_encode_files_report *r,
                                    fl_error *err);
#endif
