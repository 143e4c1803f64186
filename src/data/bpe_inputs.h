/* Train a BPE vocabulary on input paths (files, folders, JSONL; data/inputs.h):
 * what `futurelm tokenizer train` runs. */
#ifndef FL_DATA_BPE_INPUTS_H
#define FL_DATA_BPE_INPUTS_H
#include <stddef.h>

#include "futurelm.h"

typedef struct {
    int tokens;             /* learned tokens (bytes + merges), <|endoftext|> not counted */
    size_t files, documents, bytes;
    size_t chunks, distinct; /* pre-tokenizer chunks counted, and how many differ */
    double count_seconds, merge_seconds;
} fl_bpe_inputs_report;

/* Reads every document under paths[0..n), learns vocab_size tokens (fewer when
 * the text runs out of pairs) and writes out_path and out_path.json. */
fl_status fl_bpe_train_inputs(char *const *paths, int n, int vocab_size, const char *out_path,
                              fl_bpe_inputs_report *r, fl_error *err);
#endif
