/* Prompt text in, generated text out: the loop `futurelm generate` runs over an
 * fl_generator, streaming text or writing one JSON line a prompt. A host
 * program gets the same output as the command line from the same calls. */
#ifndef FL_INFER_GENERATE_TEXT_H
#define FL_INFER_GENERATE_TEXT_H
#include <stdio.h>

#include "futurelm.h"
#include "tokenizer/tokenizer.h"

/* The text side of a model. A BPE tokenizer (fl_text_codec_bpe), or a task's
 * fixed word vocabulary that the caller supplies as two functions. */
typedef struct {
    /* Appends the ids of text[0..len) (plain text: special-token names are text). */
    fl_status (*encode)(void *user, const char *text, size_t len, fl_tokvec *ids, fl_error *err);
    /* Appends the bytes of ids[0..n); `lead`: the piece follows earlier output
     * (word vocabularies put a space before it so streamed words do not run together). */
    fl_status (*decode)(void *user, const int32_t *ids, size_t n, int lead, fl_bytebuf *out, fl_error *err);
    void *user;
    int vocab_size;
    int eot; /* <|endoftext|>, or -1 when the vocabulary has none */
} fl_text_codec;

/* A codec over a loaded tokenizer (which must outlive it). */
void fl_text_codec_bpe(fl_text_codec *c, fl_tokenizer *tok);

typedef struct {
    long max_tokens;       /* tokens to generate */
    int ignore_eot;        /* keep going past <|endoftext|> */
    int json;              /* one JSON object a prompt on out, instead of streamed text */
    int stats;             /* text mode: speed (and spec acceptance) to log */
    const char *checkpoint; /* named in the JSON */
    FILE *out, *log;       /* the text or JSON; warnings and statistics */
} fl_text_gen_opts;

/* Generates one continuation of prompt[0..plen) with g (made from gen over a
 * model with config c) and writes it. Seeds g with gen->sampler.seed first, so
 * each prompt gives what it would alone. */
fl_status fl_generate_text(fl_generator *g, const fl_model_config *c, const fl_gen_config *gen,
                           const fl_text_codec *codec, const fl_text_gen_opts *o, const char *prompt, size_t plen,
                           fl_error *err);
/* fl_generate_text for every line of f (without its line ending); `name` names f in errors. */
fl_status fl_generate_lines(fl_generator *g, const fl_model_config *c, const fl_gen_config *gen,
                            const fl_text_codec *codec, const fl_text_gen_opts *o, FILE *f, const char *name,
                            fl_error *err);
/* Generation statistics: text lines, or (json) one JSON object without a newline. */
void fl_gen_stats_print(FILE *f, const fl_gen_stats *s, fl_gen_mode mode, int json);
#endif
