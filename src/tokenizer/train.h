/* Byte-level BPE trainer with GPT-2's pre-tokenizer.
 *
 * Feed text (any number of documents); the trainer splits it with the same
 * pre-tokenizer as the encoder and counts distinct chunks. Training then starts
 * from the 256 bytes (rank = byte value) and repeatedly merges the most frequent
 * adjacent pair, updating pair counts incrementally in the words that contain
 * it. Ties go to the pair with the smaller (left id, right id), so the result is
 * deterministic. A merge whose bytes already form a token reuses that token.
 * The output is a tiktoken rank file (rank = merge order) and a sidecar
 * FILE.json with the pattern and special tokens; <|endoftext|> = vocab_size - 1. */
#ifndef FL_TOKENIZER_TRAIN_H
#define FL_TOKENIZER_TRAIN_H
#include <stddef.h>

#include "futurelm.h"

typedef struct fl_bpe_trainer fl_bpe_trainer;

fl_status fl_bpe_trainer_create(fl_bpe_trainer **out, fl_error *err);
void fl_bpe_trainer_free(fl_bpe_trainer *tr);
/* Count the pre-token chunks of one document. */
fl_status fl_bpe_trainer_feed(fl_bpe_trainer *tr, const void *text, size_t len, fl_error *err);
/* Learn merges until the vocabulary (256 bytes + merges + <|endoftext|>) has
 * vocab_size tokens, or no pair is left. */
fl_status fl_bpe_trainer_train(fl_bpe_trainer *tr, int vocab_size, fl_error *err);
/* Tokens learnt so far (ranks, without the special token). */
int fl_bpe_trainer_n_tokens(const fl_bpe_trainer *tr);
size_t fl_bpe_trainer_n_chunks(const fl_bpe_trainer *tr, size_t *distinct);
/* Write PATH (rank file) and PATH.json, each via a temporary name and rename. */
fl_status fl_bpe_trainer_write(const fl_bpe_trainer *tr, const char *path, fl_error *err);

#endif
