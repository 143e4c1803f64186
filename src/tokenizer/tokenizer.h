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

/* GPT-2's pre-tokenizer pattern, as tiktoken's r50k_base writes it. */
#define FL_GPT2_PATTERN "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
#define FL_EOT_TEXT "<|endoftext|>"
#define FL_MAX_SPECIAL 16

/* Growable arrays that encode/decode append to. Free with fl_tokvec_free / fl_bytebuf_free. */
typedef struct {
    int32_t *data;
    size_t len, cap;
} fl_tokvec;
typedef struct {
    unsigned char *data;
    size_t len, cap;
} fl_bytebuf;
fl_status fl_tokvec_push(fl_tokvec *v, int32_t id, fl_error *err);
void fl_tokvec_free(fl_tokvec *v);
fl_status fl_bytebuf_append(fl_bytebuf *b, const void *data, size_t len, fl_error *err);
void fl_bytebuf_free(fl_bytebuf *b);

/* Pre-tokenizer: the end of the GPT-2 pattern's match that starts at pos
 * (pos < len). Invalid UTF-8 bytes count as one "other" character each. */
size_t fl_pretok_next(const unsigned char *s, size_t len, size_t pos);

typedef struct fl_tokenizer fl_tokenizer;

/* Load FILE (a tiktoken rank file) and FILE.json when present. `name` is used in messages. */
fl_status fl_tokenizer_load(const char *path, fl_tokenizer **out, fl_error *err);
/* Same from memory; sidecar may be NULL. */
fl_status fl_tokenizer_load_mem(const char *name, const char *ranks, size_t ranks_len, const char *sidecar,
                                size_t sidecar_len, fl_tokenizer **out, fl_error *err);
void fl_tokenizer_free(fl_tokenizer *t);

/* Highest id (ranks and special tokens) + 1: the model's vocab_size. */
int fl_tokenizer_vocab_size(const fl_tokenizer *t);
/* Number of ranked (non-special) tokens. */
int fl_tokenizer_n_ranks(const fl_tokenizer *t);
/* Id of <|endoftext|>, or -1 when the tokenizer has none. */
int fl_tokenizer_eot(const fl_tokenizer *t);
int fl_tokenizer_n_special(const fl_tokenizer *t);
const char *fl_tokenizer_special_text(const fl_tokenizer *t, int i);
int fl_tokenizer_special_id(const fl_tokenizer *t, int i);
/* sha256 of the rank file's bytes, 64 hex digits. */
const char *fl_tokenizer_sha256(const fl_tokenizer *t);
/* Bytes of one id (special tokens give their text); NULL for an id not in the vocabulary. */
const unsigned char *fl_tokenizer_token_bytes(const fl_tokenizer *t, int id, size_t *len);

/* Append the ids of text[0..len) to out. With allow_special, occurrences of special
 * token texts become their ids; without, they are encoded as ordinary text
 * (tiktoken's encode_ordinary). Any byte string encodes, invalid UTF-8 included. */
fl_status fl_tokenizer_encode(const fl_tokenizer *t, const void *text, size_t len, int allow_special, fl_tokvec *out,
                              fl_error *err);
/* Append the bytes of ids to out; an id outside the vocabulary is an error. */
fl_status fl_tokenizer_decode(const fl_tokenizer *t, const int32_t *ids, size_t n, fl_bytebuf *out, fl_error *err);

/* Base64 (RFC 4648, standard alphabet, padded), as tiktoken rank files use. */
size_t fl_base64_encode(const unsigned char *in, size_t n, char *out); /* out: 4*ceil(n/3)+1 bytes */
/* Returns the decoded length, or (size_t)-1 on malformed input. out: 3*(n/4) bytes. */
size_t fl_base64_decode(const char *in, size_t n, unsigned char *out);

/* Read a whole file into memory (NUL-terminated for convenience). */
fl_status fl_read_file(const char *path, char **data, size_t *len, fl_error *err);

#endif
