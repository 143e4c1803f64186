/* Tasks: languages with their own fixed vocabulary (countdown today), which a
 * run trains on instead of a BPE tokenizer's text. A task object says how to
 * turn text into its token ids and back, and how the run recorded its
 * vocabulary (the manifest's and state.json's tokenizer identity), so that
 * `generate` and `eval` recognise a task's checkpoint by what the run wrote,
 * through fl_task_for_tokenizer, not by the look of a path. */
#ifndef FL_TASKS_TASK_H
#define FL_TASKS_TASK_H
#include <stddef.h>
#include <stdint.h>

#include "data/manifest.h"
#include "futurelm.h"
#include "tokenizer/tokenizer.h"
#include "util/rng.h"
#include "util/u64set.h"

typedef struct fl_task {
    const char *name;     /* what --tokenizer NAME and fl_task_find take, e.g. "countdown" */
    const char *identity; /* the tokenizer "path" the task's data manifest (and so state.json) records */
    int vocab_size, eot;
    /* The sha256 (64 hex digits and a NUL) the manifest records for the vocabulary. */
    void (*vocab_sha256)(char hex[65]);
    /* Text to ids, appended to ids; a clear FL_ERR_FORMAT on a word outside the vocabulary. */
    fl_status (*encode)(const char *text, size_t len, fl_tokvec *ids, fl_error *err);
    /* Ids to text, appended to out; lead: the text continues earlier output (countdown
     * puts a space before the first word, so streamed words do not run together). */
    fl_status (*decode)(const int32_t *ids, size_t n, int lead, fl_bytebuf *out, fl_error *err);
} fl_task;

/* The task called name, or NULL. */
const fl_task *fl_task_find(const char *name);
/* The task whose vocabulary a run recorded (the tokenizer path and sha256 of
 * its manifest or state.json; sha256 may be NULL when absent), or NULL: a text
 * run's tokenizer file. The digest decides when present; otherwise the path
 * must be the task's identity exactly. */
const fl_task *fl_task_for_tokenizer(const char *path, const char *sha256);

/* Ends a task's data folder (fl_dataset_writer from data/manifest.h): frees the
 * held-out set; when st, the generation's status, is FL_OK, records the generator
 * as the data's source, reports the train and val documents and tokens, and
 * finishes the folder; on any error the folder is removed and the counts are
 * zero. Returns the status. */
typedef struct {
    long train_examples, val_examples;
    uint64_t train_tokens, val_tokens;
} fl_task_counts;
fl_status fl_task_data_finish(fl_dataset_writer *w, const char *source, fl_status st, fl_u64set *held_out,
                              fl_task_counts *c, fl_error *err);

/* What every task's data writer is asked for. */
typedef struct {
    const char *out_dir; /* the data folder to create */
    long n_train;        /* examples in train + val */
    long n_test;         /* held-out examples */
    double val_fraction; /* share of the examples drawn into val */
    uint64_t seed;       /* one seed; the held-out, training and split streams derive from it */
} fl_task_data_opts;

/* What writing a task's data folder produced. */
typedef struct {
    fl_task_counts counts; /* train and val examples and tokens */
    long n_test;           /* held-out examples written */
    int example_tokens;    /* every document's length (0: they vary) */
} fl_task_data_result;

/* The training part of a task's data: o->n_train documents, each drawn by draw (its tokens,
 * <|endoftext|> first, into ids[0..cap), and its held-out key), skipped when the
 * key is in held_out, else put into val with probability o->val_fraction (one draw
 * of rsplit per kept example) or train. A million skips in a row is an error:
 * the held-out set has used up the space of examples ("held-out WHAT"). draw gets
 * ctx and rdraw, the training examples' own generator. */
typedef fl_status (*fl_task_draw_fn)(const void *ctx, fl_rng *rng, int32_t *ids, int cap, int *n, uint64_t *key,
                                     fl_error *err);
fl_status fl_task_write_examples(fl_dataset_writer *w, const fl_task_data_opts *o, fl_rng *rdraw, fl_rng *rsplit,
                                 const fl_u64set *held_out, fl_task_draw_fn draw, const void *ctx, const char *what,
                                 fl_error *err);

/* A task's file of examples, one a line (countdown's test_specs.txt, the star
 * graph's test.txt): every non-blank line, '\r' stripped, through parse into the
 * next of an array of item_size items (*out, malloc'd; *n of them). A parse error
 * becomes "PATH line N: its message" ("PATH line N, column C: ..." when the message
 * names a column), and so does a NUL byte; a file with no example is an error
 * naming what (e.g. "countdown specs"). */
typedef fl_status (*fl_task_line_fn)(const char *line, void *item, const void *ctx, fl_error *err);
fl_status fl_task_read_lines(const char *path, size_t item_size, fl_task_line_fn parse, const void *ctx,
                             const char *what, void **out, long *n, fl_error *err);

#endif
