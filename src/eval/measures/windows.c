/* The windows of docs/design.md 4.0 and the one batch loop of the measures. */
#include <stdlib.h>
#include <string.h>

#include "data/shard.h"
#include "eval/measures/windows.h"
#include "util/error.h"

int fl_eval_n_future(const fl_model *m, int gpt_n) {
    const fl_model_config *c = fl_model_get_config(m);
    if (c->type == FL_MODEL_FTP) return c->n_future;
    return gpt_n > 0 ? gpt_n : FL_EVAL_GPT_N_FUTURE;
}

fl_status fl_windows_load(const char *data_dir, const char *split, int T, int N, long max_windows, int vocab_size,
                          fl_windows *w, fl_error *err) {
    memset(w, 0, sizeof *w);
    if (T < 2 || N < 1) return fl_fail(err, FL_ERR_ARG, "windows need T >= 2 and N >= 1 (got T=%d, N=%d)", T, N);
    char **names = NULL;
    int n_names = 0;
    fl_status st = fl_shard_list(data_dir, split, &names, &n_names, err);
    if (st) return st;
    if (n_names == 0) st = fl_fail(err, FL_ERR_IO, "no %s shards (%s_*.bin) in %s", split, split, data_dir);
    /* Shards are mapped one at a time: the window count needs the total first. */
    fl_shard sh;
    uint64_t total = 0;
    for (int i = 0; i < n_names && !st; i++) {
        if (!(st = fl_shard_open(names[i], 0, &sh, err))) total += sh.n, fl_shard_close(&sh);
    }
    const uint64_t len = (uint64_t)T + N;
    uint64_t count = total >= len ? (total - len) / (uint64_t)T + 1 : 0;
    if (!st && count == 0)
        st = fl_fail(err, FL_ERR_ARG,
                     "the %s split of %s has %llu tokens, fewer than one window of T + N = %d + %d; use more data or a "
                     "smaller model.block_size",
                     split, data_dir, (unsigned long long)total, T, N);
    w->available = count;
    if (max_windows > 0 && count > (uint64_t)max_windows) count = (uint64_t)max_windows;
    if (!st && count > (uint64_t)(1 << 30)) count = 1 << 30;
    if (!st && !(w->tokens = malloc(count * len * sizeof(int32_t))))
        st = fl_fail(err, FL_ERR_NOMEM, "out of memory for %llu windows", (unsigned long long)count);
    /* Walk the stream once, copying every position that falls into a window
     * (windows overlap by N tokens, so a token may land in two). */
    uint64_t pos = 0, end = (count - 1) * (uint64_t)T + len;
    for (int i = 0; i < n_names && !st && pos < end; i++) {
        if ((st = fl_shard_open(names[i], vocab_size, &sh, err))) break;
        for (uint64_t j = 0; j < sh.n && pos < end; j++, pos++) {
            int32_t id = fl_shard_get(&sh, j);
            uint64_t k = pos / (uint64_t)T; /* the window starting at or before pos */
            for (uint64_t kk = k + 1; kk-- > 0;) {
                if (kk >= count) continue;
                uint64_t off = pos - kk * (uint64_t)T;
                if (off >= len) break;
                w->tokens[kk * len + off] = id;
            }
        }
        fl_shard_close(&sh);
    }
    fl_shard_list_free(names, n_names);
    if (st) {
        free(w->tokens);
        memset(w, 0, sizeof *w);
        return st;
    }
    w->n = (int)count;
    w->T = T;
    w->N = N;
    w->len = (int)len;
    w->stream_tokens = total;
    return FL_OK;
}

long fl_eval_default_windows(int T) { return T > 0 && T < FL_EVAL_WINDOW_TOKENS ? FL_EVAL_WINDOW_TOKENS / T : 1; }

void fl_windows_free(fl_windows *w) {
    free(w->tokens);
    memset(w, 0, sizeof *w);
}

fl_status fl_eval_check_windows(const fl_model *m, const fl_windows *w, fl_error *err) {
    const fl_model_config *c = fl_model_get_config(m);
    if (w->n < 1) return fl_fail(err, FL_ERR_ARG, "no windows to evaluate");
    if (w->T > c->block_size)
        return fl_fail(err, FL_ERR_ARG, "windows of context %d are longer than model.block_size %d", w->T,
                       c->block_size);
    if (c->type == FL_MODEL_FTP && w->N != c->n_future)
        return fl_fail(err, FL_ERR_ARG, "windows carry %d future tokens but the FTP model's ftp.n_future is %d", w->N,
                       c->n_future);
    return FL_OK;
}

fl_status fl_eval_batches(fl_model *m, fl_eval_pass pass, const int32_t *src, size_t stride, int n_rows, int T, int B,
                          fl_eval_batch_fn fn, void *ctx, fl_error *err) {
    if (B < 1) B = 1;
    if (B > n_rows) B = n_rows;
    if (n_rows < 1) return FL_OK;
    /* the forward pass reads a row's targets too: T + 1 (GPT) or T + N (FTP) tokens */
    const int len = pass == FL_EVAL_FORWARD ? fl_model_window_len(m, T) : T;
    int32_t *buf = malloc((size_t)B * len * sizeof *buf);
    if (!buf) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st = FL_OK;
    for (int r0 = 0; r0 < n_rows && !st; r0 += B) {
        int rows = n_rows - r0 < B ? n_rows - r0 : B;
        for (int i = 0; i < rows; i++)
            memcpy(buf + (size_t)i * len, src + (size_t)(r0 + i) * stride, (size_t)len * sizeof *buf);
        if ((st = fl_model_reserve(m, rows, T, err))) break;
        fl_losses l;
        if (pass == FL_EVAL_FORWARD) st = fl_model_forward(m, buf, rows, T, &l, err);
        else st = fl_model_encode(m, buf, rows, T, err);
        if (!st) st = fn(ctx, m, r0, rows, pass == FL_EVAL_FORWARD ? &l : NULL, err);
    }
    free(buf);
    return st;
}
