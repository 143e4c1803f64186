#include "dist/replica.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/mem.h"
#include "util/rng.h"

#define VAL_WIDTH (3 + FL_MAX_FUTURE) /* loss, next-token loss, n_offsets, offsets */

fl_status fli_replica_open(fli_replica *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    fl_status st = fli_dist_init(&r->d, err);
    if (!st && r->d.rank > 0 && !(r->quiet = fopen("/dev/null", "w")))
        st = fl_fail(err, FL_ERR_IO, "rank %d: cannot open /dev/null", r->d.rank);
    return st;
}

fl_status fli_replica_reserve(fli_replica *r, fl_model *m, const fl_train_config *tc, const fl_loader *train,
                              int val_batches, fl_error *err) {
    r->A = tc->grad_accum;
    r->M = r->A * r->d.world;
    uint64_t global = (uint64_t)r->M * (uint64_t)tc->batch_size;
    if (r->d.world > 1 && fl_loader_num_windows(train) < global)
        return fl_fail(err, FL_ERR_ARG,
                       "the train split has %llu windows, fewer than one global batch of %d ranks x "
                       "train.grad_accum %d x train.batch_size %d = %llu windows; lower train.batch_size or "
                       "train.grad_accum, use fewer ranks, or more data",
                       (unsigned long long)fl_loader_num_windows(train), r->d.world, r->A, tc->batch_size,
                       (unsigned long long)global);
    const fl_tensor *last = fl_model_tensor(m, fl_model_num_tensors(m) - 1);
    r->n_grads = (size_t)(last->grad - fl_model_grads(m)) + last->numel;
    r->val_per_rank = (val_batches + r->d.world - 1) / r->d.world;
    size_t step = (size_t)(1 + 2 * r->A), val = (size_t)r->val_per_rank * VAL_WIDTH, sc = fli_dist_scratch(&r->d, r->n_grads);
    r->mine = malloc(sizeof(double) * step * (size_t)(1 + r->d.world));
    r->val_mine = malloc(sizeof(double) * (val * (size_t)(1 + r->d.world) + 1));
    r->scratch = sc ? fl_alloc(sc, sizeof(float)) : NULL;
    if (!r->mine || !r->val_mine || (sc && !r->scratch)) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    r->all = r->mine + step;
    r->val_all = r->val_mine + val;
    return FL_OK;
}

void fli_replica_free(fli_replica *r) {
    free(r->mine);
    free(r->val_mine);
    fl_free(r->scratch);
    if (r->quiet) fclose(r->quiet);
    r->mine = r->val_mine = NULL, r->scratch = NULL, r->quiet = NULL;
}

void fli_replica_note(fli_replica *r, int a, const fl_losses *L) {
    int k = a - r->d.rank * r->A;
    r->mine[1 + k] = L->loss;
    r->mine[1 + r->A + k] = L->next_token_loss;
}

fl_status fli_replica_step(fli_replica *r, fl_model *m, int stop, double *loss, double *next, fl_error *err) {
    const int w = 1 + 2 * r->A;
    r->mine[0] = stop;
    fl_status st = fli_dist_gather(&r->d, r->mine, w, r->all, err);
    if (st) return st;
    *loss = 0, *next = 0;
    r->stop = 0;
    for (int q = 0; q < r->d.world; q++) {
        const double *v = r->all + (size_t)q * w;
        r->stop |= v[0] != 0;
        /* float / int as the single-process loop wrote it, summed in micro-batch order */
        for (int k = 0; k < r->A; k++) *loss += (float)v[1 + k] / r->M, *next += (float)v[1 + r->A + k] / r->M;
    }
    float *g = fl_model_grads(m);
    if ((st = fli_dist_sum(&r->d, g, r->n_grads, r->scratch, err))) return st;
    if (r->M > 1)
        for (size_t i = 0; i < r->n_grads; i++) g[i] /= (float)r->M;
    return FL_OK;
}

void fli_replica_val_note(fli_replica *r, int b, const fl_losses *L) {
    double *v = r->val_mine + (size_t)(b / r->d.world) * VAL_WIDTH;
    v[0] = L->loss, v[1] = L->next_token_loss, v[2] = L->n_offsets;
    for (int j = 0; j < L->n_offsets; j++) v[3 + j] = L->offset_loss[j];
}

fl_status fli_replica_val_sum(fli_replica *r, int batches, double *loss, double *next, double sum[FL_MAX_FUTURE],
                              int *n_offsets, fl_error *err) {
    int per = r->val_per_rank * VAL_WIDTH;
    fl_status st = per ? fli_dist_gather(&r->d, r->val_mine, per, r->val_all, err) : FL_OK;
    if (st) return st;
    *loss = 0, *next = 0, *n_offsets = 0;
    for (int j = 0; j < FL_MAX_FUTURE; j++) sum[j] = 0;
    for (int b = 0; b < batches; b++) { /* batch order, as one process adds them */
        const double *v = r->val_all + (size_t)(b % r->d.world) * per + (size_t)(b / r->d.world) * VAL_WIDTH;
        *loss += (float)v[0], *next += (float)v[1], *n_offsets = (int)v[2];
        for (int j = 0; j < *n_offsets; j++) sum[j] += (float)v[3 + j];
    }
    return FL_OK;
}

/* ---------------------------------------------------------------- start-up agreement */

typedef struct {
    char *s;
    size_t n, cap;
    int nomem;
} text;

static void line(text *t, const char *fmt, ...) {
    char one[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(one, sizeof one, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    size_t len = (size_t)k < sizeof one ? (size_t)k : sizeof one - 1;
    if (t->n + len + 2 > t->cap) {
        size_t cap = (t->cap + len + 2) * 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->nomem = 1;
            return;
        }
        t->s = s, t->cap = cap;
    }
    memcpy(t->s + t->n, one, len);
    t->n += len;
    t->s[t->n++] = '\n';
    t->s[t->n] = 0;
}

static uint64_t hash_words(uint64_t h, const uint32_t *w, size_t n) {
    for (size_t i = 0; i < n; i++) h = fl_mix64(h ^ w[i]);
    return h;
}

/* The next batch's tokens, hashed, with the loader put back where it was. */
static uint64_t next_batch_hash(fl_loader *l, int32_t *tokens, size_t n) {
    fl_loader_state keep;
    fl_loader_get_state(l, &keep);
    fl_loader_next(l, tokens);
    fl_loader_set_state(l, &keep, NULL);
    uint32_t *w = (uint32_t *)(void *)tokens;
    return hash_words(n, w, n);
}

static void describe(text *t, fl_model *m, const fl_train_config *tc, fl_loader *train, const fl_loader *val,
                     int32_t *tokens, long step, long long seen, int steps_this_run, const char *sha) {
    const fl_model_config *c = fl_model_get_config(m);
    line(t, "model.type=%s", c->type == FL_MODEL_FTP ? "ftp" : "gpt");
    line(t, "model: vocab_size=%d block_size=%d n_layer=%d n_head=%d n_embd=%d", c->vocab_size, c->block_size,
         c->n_layer, c->n_head, c->n_embd);
    if (c->type == FL_MODEL_FTP)
        line(t, "ftp: n_future=%d pseudo_len=%d gamma=%.9g dec_layers=%d dec_heads=%d positions=%d tie_dec_embd=%d",
             c->n_future, c->pseudo_len, (double)c->gamma, c->dec_layers, c->dec_heads, c->positions,
             c->tie_dec_embd);
    fl_run_state rs;
    fl_run_state_init(&rs);
    if (fl_train_config_record(tc, &rs, NULL)) t->nomem = 1;
    for (int i = 0; i < rs.n_train; i++)
        if (strcmp(rs.train[i].key, "train.threads")) line(t, "%s=%s", rs.train[i].key, rs.train[i].value);
    fl_run_state_clear(&rs);
    size_t n = (size_t)tc->batch_size * (size_t)fl_model_window_len(m, c->block_size);
    line(t, "train data: %llu tokens, %llu windows, next batch hash %016llx",
         (unsigned long long)fl_loader_num_tokens(train), (unsigned long long)fl_loader_num_windows(train),
         (unsigned long long)next_batch_hash(train, tokens, n));
    line(t, "validation data: %llu tokens", val ? (unsigned long long)fl_loader_num_tokens(val) : 0ull);
    line(t, "tokenizer sha256: %s", sha[0] ? sha : "(none)");
    size_t np = fl_model_num_params(m);
    line(t, "parameters: hash %016llx", (unsigned long long)hash_words(np, (const uint32_t *)(void *)fl_model_params(m), np));
    fl_loader_state ls;
    fl_loader_get_state(train, &ls);
    line(t, "position: step %ld, %lld tokens seen, epoch %llu, window %llu", step, seen,
         (unsigned long long)ls.epoch, (unsigned long long)ls.cursor);
    line(t, "--steps=%d", steps_this_run);
}

/* Line i of text s (its start; *len its length), or NULL past the end. */
static const char *nth(const char *s, int i, int *len) {
    for (; i > 0 && s; i--) s = (s = strchr(s, '\n')) ? s + 1 : NULL;
    if (!s || !*s) return NULL;
    const char *e = strchr(s, '\n');
    *len = e ? (int)(e - s) : (int)strlen(s);
    return s;
}

fl_status fli_replica_agree(fli_replica *r, fl_model *m, const fl_train_config *tc, fl_loader *train,
                            const fl_loader *val, int32_t *tokens, long step, long long tokens_seen,
                            int steps_this_run, const char *tokenizer_sha256, fl_error *err) {
    if (r->d.world == 1) return FL_OK;
    text mine = {0};
    describe(&mine, m, tc, train, val, tokens, step, tokens_seen, steps_this_run, tokenizer_sha256);
    uint64_t len = mine.n;
    fl_status st = mine.nomem ? fl_fail(err, FL_ERR_NOMEM, "out of memory") : FL_OK;
    /* every rank takes part in every collective below, whatever it found */
    if (!st) st = fli_dist_bcast(&r->d, &len, sizeof len, 0, err);
    char *root = st ? NULL : calloc(len + 1, 1);
    if (!st && !root) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!st) st = fli_dist_bcast(&r->d, r->d.rank ? root : mine.s, len, 0, err);
    char why[1024] = "";
    for (int i = 0; !st && r->d.rank && !why[0]; i++) {
        int la = 0, lb = 0;
        const char *a = nth(mine.s, i, &la), *b = nth(root, i, &lb);
        if (!a && !b) break;
        if (!a || !b || la != lb || memcmp(a, b, (size_t)la))
            snprintf(why, sizeof why, "rank %d has '%.*s' where rank 0 has '%.*s'", r->d.rank, a ? la : 0, a ? a : "",
                     b ? lb : 0, b ? b : "");
    }
    double bad = why[0] ? r->d.rank : -1;
    if (!st) st = fli_dist_gather(&r->d, &bad, 1, r->all, err);
    int first = -1;
    for (int q = 0; !st && q < r->d.world && first < 0; q++)
        if (r->all[q] >= 0) first = q;
    if (!st && first >= 0) st = fli_dist_bcast(&r->d, why, sizeof why, first, err);
    if (!st && first >= 0)
        st = fl_fail(err, FL_ERR_CONFIG, "the %d ranks were not started alike: %s; start every rank with the same "
                     "options, data and checkpoint (only train.threads may differ)", r->d.world, why);
    free(root);
    free(mine.s);
    return st;
}
