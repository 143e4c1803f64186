/* The evaluation windows of docs/design.md 4.0 and the one batch loop every
 * measure runs its model through. */
#ifndef FL_EVAL_MEASURES_WINDOWS_H
#define FL_EVAL_MEASURES_WINDOWS_H
#include <stddef.h>
#include <stdint.h>

#include "futurelm.h"

/* Windows of docs/design.md 4.0: the split's shards (DATA_DIR/<split>_*.bin, in name
 * order) form one stream; window k is tokens [k*T, k*T + T + N), for every k
 * whose window fits (at most max_windows of them when > 0). Both models of a
 * comparison read the same windows: GPT uses the first T + 1 tokens of each,
 * FTP all T + N. */
typedef struct {
    int32_t *tokens; /* [n, len] */
    int n, T, N, len;
    uint64_t stream_tokens; /* tokens in the split */
    uint64_t available;     /* windows the split holds (n is this, or max_windows when fewer) */
} fl_windows;
fl_status fl_windows_load(const char *data_dir, const char *split, int T, int N, long max_windows, int vocab_size,
                          fl_windows *w, fl_error *err);
void fl_windows_free(fl_windows *w);
static inline const int32_t *fl_window(const fl_windows *w, int i) { return w->tokens + (size_t)i * w->len; }

/* The default number of evaluation windows: as many as hold FL_EVAL_WINDOW_TOKENS
 * tokens of context, so a validation split up to that size is read whole. The
 * first 64 windows of one run's split (8k of its 92k tokens) gave a loss of
 * 5.119 where every window gave 5.314: a small default measures the split's
 * first documents, not the split. 2^17 tokens keep a default eval to seconds on
 * the models this engine trains (a forward pass, no backward). */
#define FL_EVAL_WINDOW_TOKENS 131072
/* FL_EVAL_WINDOW_TOKENS / T windows (at least 1): eval's default, for compare to follow. */
long fl_eval_default_windows(int T);

/* GPT has no ftp.n_future: the N of its windows and offsets unless the caller picks one. */
#define FL_EVAL_GPT_N_FUTURE 8
/* The N a metric uses for a model: FTP's ftp.n_future, or for GPT the caller's
 * choice (gpt_n > 0) or FL_EVAL_GPT_N_FUTURE. */
int fl_eval_n_future(const fl_model *m, int gpt_n);

/* What a batch runs: the encoder only (h_t and every block's output), or the
 * full forward pass with its losses. */
typedef enum { FL_EVAL_ENCODE, FL_EVAL_FORWARD } fl_eval_pass;

/* The one batch loop. Rows of src (row i at src + i*stride) go through the
 * model in batches of up to B rows of context T: FL_EVAL_ENCODE reads the first
 * T tokens of a row, FL_EVAL_FORWARD the first fl_model_window_len(m, T) (its
 * targets included). After each batch fn(ctx, m, first_row, rows, losses)
 * runs while fl_model_hidden and fl_model_block_output hold that batch's
 * vectors ([rows*T, C]); losses is NULL for FL_EVAL_ENCODE. */
typedef fl_status (*fl_eval_batch_fn)(void *ctx, fl_model *m, int first, int rows, const fl_losses *l, fl_error *err);
fl_status fl_eval_batches(fl_model *m, fl_eval_pass pass, const int32_t *src, size_t stride, int n_rows, int T, int B,
                          fl_eval_batch_fn fn, void *ctx, fl_error *err);

/* Refuses windows a model cannot read: none, longer than model.block_size, or
 * (FTP) carrying another N than ftp.n_future. */
fl_status fl_eval_check_windows(const fl_model *m, const fl_windows *w, fl_error *err);

#endif
