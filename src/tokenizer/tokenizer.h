/* Byte-level BPE, exactly as tiktoken does it.
 *
 * A tokenizer is a tiktoken rank file (one "base64(token bytes) rank" per line)
 * plus an optional JSON sidecar FILE.json: {"pattern": ..., "special_tokens":
 * {"<|endoftext|>": id}}. Without a sidecar the pattern is GPT-2's and the one
 * special token <|endoftext|> takes the id after the highest rank (50256 for
 * r50k_base, GPT-2's vocabulary). Only GPT-2's pattern is supported; it is
 * matched by a hand-written splitter over generated Unicode tables
 * (tokenizer/unicode_class.h), so no regex library is needed.
 *
 * A loaded tokenizer is immutable: any number of threads may encode with it. */
#ifndef FL_TOKENIZER_TOKENIZER_H
#define FL_TOKENIZER_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>

#include "futurelm.h"
#include "util/fs.h" /* fl_read_file */

/* GPT-2's pre-tokenizer pattern, as tiktoken's r50k_base writes it. */
#define FL_GPT2_PATTERN "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
#define FL_EOT_TEXT "<|endoftext|>"
#define FL_MAX_SPECIAL 16

/* Pre-tokenizer: the end of the GPT-2 pattern's match that starts at pos
 * (pos < len). Invalid UTF-8 bytes count as one "other" character each. */
size_t fl_pretok_next(const unsigned char *s, size_t len, size_t pos);

/* The tokenizer's public calls (load, free, vocab_size, eot, encode, decode and
 * the growable arrays they fill) are declared in futurelm.h; these are the rest. */

/* Same as fl_tokenizer_load, from memory; sidecar may be NULL. */
fl_status fl_tokenizer_load_mem(const char *name, const char *ranks, size_t ranks_len, const char *sidecar,
                                size_t sidecar_len, fl_tokenizer **out, fl_error *err);
/* Number of ranked (non-special) tokens. */
int fl_tokenizer_n_ranks(const fl_tokenizer *t);
int fl_tokenizer_n_special(const fl_tokenizer *t);
const char *fl_tokenizer_special_text(const fl_tokenizer *t, int i);
int fl_tokenizer_special_id(const fl_tokenizer *t, int i);
/* sha256 of the rank file's bytes, 64 hex digits. */
const char *fl_tokenizer_sha256(const fl_tokenizer *t);
/* Bytes of one id (special tokens give their text); NULL for an id not in the vocabulary. */
const unsigned char *fl_tokenizer_token_bytes(const fl_tokenizer *t, int id, size_t *len);
/* Rank of the byte string p[0..n) in the rank file, or -1 (special tokens have none):
 * what the Hugging Face and GGUF exports need to derive merges from ranks. */
int32_t fl_tokenizer_rank(const fl_tokenizer *t, const unsigned char *p, size_t n);

/* Base64 (RFC 4648, standard alphabet, padded), as tiktoken rank files use. */
size_t fl_base64_encode(const unsigned char *in, size_t n, char *out); /* out: 4*ceil(n/3)+1 bytes */
/* Returns the decoded length, or (size_t)-1 on malformed input. out: 3*(n/4) bytes. */
size_t fl_base64_decode(const char *in, size_t n, unsigned char *out);


#endif
