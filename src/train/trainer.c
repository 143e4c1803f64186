#include "train/trainer.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "data/loader.h"
#include "data/manifest.h"
#include "ckpt/checkpoint.h"
#include "ckpt/run_dir.h"
#include "ckpt/run_state.h"
#include "dist/replica.h"
#include "interop/interop.h"
#include "train/freeze.h"
#include "train/loss_mask.h"
#include "train/resumed.h"
#include "util/error.h"
#include "util/fs.h"

typedef struct {
    fl_model *m;
    fl_adamw *adam;
    fl_train_config tc;
    fl_manifest man;
    fl_loader *train, *val;
    int32_t *tokens;
    uint8_t *mask;      /* [B*W] train.loss_after's target mask, rebuilt per batch; NULL when off */
    int B, T;
    long step;          /* optimizer steps done */
    long long tokens_seen;
    double last_val;    /* NaN until the first evaluation */
    fl_losses last_val_losses;
    FILE *metrics;
    const fl_train_options *opt;
    fl_loader_state pending; /* loader position from a resumed checkpoint */
    int resumed;
    char *metrics_path;
    char *rec_data, *rec_tokenizer; /* the paths state.json records (fl_ckpt_record_path) */
    fli_replica rep;    /* this process's part of a data-parallel run (one process: world 1) */
    fl_train_options own_opt; /* opt as given, with the log going nowhere (ranks > 0) or the recorded data folder */
    char *found_data;         /* a resume without data_dir: the checkpoint's recorded data folder, from here */
} session;

/* Every metrics line is flushed and checked: compare chooses checkpoints from
 * these lines, so one lost to a full disk fails the run instead of going
 * missing. The status names the file and the system's reason. */
static fl_status metrics_flushed(session *s, fl_error *err) {
    if (fflush(s->metrics) == 0 && !ferror(s->metrics)) return FL_OK;
    return fl_fail(err, FL_ERR_IO, "cannot write %s: %s (training stopped; the last checkpoint is in %s)",
                   s->metrics_path, strerror(errno ? errno : EIO), s->opt->run_dir);
}

/* At a checkpoint the lines before it reach the disk too (a device that cannot
 * sync, EINVAL, is not a failure). */
static fl_status metrics_synced(session *s, fl_error *err) {
    fl_status st = metrics_flushed(s, err);
    if (!st && fsync(fileno(s->metrics)) != 0 && errno != EINVAL && errno != EROFS)
        st = fl_fail(err, FL_ERR_IO, "cannot write %s: %s (training stopped; the last checkpoint is in %s)",
                     s->metrics_path, strerror(errno), s->opt->run_dir);
    return st;
}

/* ---------------------------------------------------------------- checkpoints */

/* The run state of this moment, as state.json records it. */
static fl_status record_state(const session *s, fl_run_state *rs, fl_error *err) {
    fl_run_state_init(rs);
    rs->step = s->step;
    rs->tokens_seen = s->tokens_seen;
    fl_loader_state ls;
    fl_loader_get_state(s->train, &ls);
    rs->has_loader = 1;
    rs->loader.seed = ls.seed, rs->loader.epoch = ls.epoch;
    rs->loader.cursor = ls.cursor, rs->loader.n_windows = ls.n_windows;
    rs->has_rng = 1;
    fl_model_get_rng(s->m, rs->rng);
    rs->tokenizer = s->rec_tokenizer[0] ? strdup(s->rec_tokenizer) : NULL; /* "": llm.c shards, no tokenizer */
    rs->no_manifest = s->man.absent;
    memcpy(rs->tokenizer_sha256, s->man.sha256, sizeof rs->tokenizer_sha256);
    rs->eot = s->man.eot;
    rs->data_dir = strdup(s->rec_data);
    rs->has_metrics = 1;
    rs->last_val_loss = s->last_val;
    rs->n_val_offsets = s->last_val_losses.n_offsets;
    for (int j = 0; j < rs->n_val_offsets; j++) rs->val_offsets[j] = s->last_val_losses.offset_loss[j];
    int lost = (s->rec_tokenizer[0] && !rs->tokenizer) || !rs->data_dir; /* a strdup that failed */
    fl_status st = lost ? fl_fail(err, FL_ERR_NOMEM, "out of memory writing state.json")
                        : fl_train_config_record(&s->tc, rs, err);
    if (st) fl_run_state_clear(rs);
    return st;
}

/* RUN/step_<step>, then RUN/latest pointing at it, then pruning to keep_last.
 * *where gets the checkpoint's path (malloc'd; the previous one is freed). */
static fl_status save(session *s, char **where, fl_error *err) {
    if (s->rep.d.rank) return FL_OK; /* rank 0 writes for all: every rank holds the same state */
    char name[32];
    snprintf(name, sizeof name, "step_%08ld", s->step);
    char *dir = fl_path_join(s->opt->run_dir, name);
    if (!dir) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_run_state rs;
    fl_status st = metrics_synced(s, err);
    if (!st) st = record_state(s, &rs, err);
    else fl_run_state_init(&rs);
    if (!st) st = fli_ckpt_save(dir, s->m, s->adam, &rs, err);
    fl_run_state_clear(&rs);
    if (!st) st = fl_ckpt_set_latest(s->opt->run_dir, name, err);
    if (st) {
        free(dir);
        return st;
    }
    fl_ckpt_prune(s->opt->run_dir, s->tc.keep_last, s->opt->log);
    free(*where);
    *where = dir;
    return FL_OK;
}

/* ---------------------------------------------------------------- evaluation */

/* The next batch of `from` into s->tokens, with its loss mask when
 * train.loss_after is on (the model reads s->mask: fl_model_set_target_mask). */
static void next_batch(session *s, fl_loader *from) {
    fl_loader_next(from, s->tokens);
    if (s->mask)
        fl_loss_mask_after(s->tokens, s->B, fl_model_window_len(s->m, s->T), s->tc.loss_after, s->man.eot, s->mask);
}

static fl_status evaluate(session *s, fl_losses *out, fl_error *err) {
    fl_loader_state zero = {0};
    fl_loader_get_state(s->val, &zero);
    zero.epoch = 0;
    zero.cursor = 0;
    fl_loader_set_state(s->val, &zero, err); /* every evaluation reads the same first windows */
    double sum[FL_MAX_FUTURE] = {0}, loss = 0, next = 0;
    int n = 0;
    uint64_t avail = fl_loader_batches_per_epoch(s->val);
    int batches = (uint64_t)s->tc.eval_batches < avail ? s->tc.eval_batches : (int)avail;
    fl_losses L;
    for (int b = 0; b < batches; b++) {
        if (!fli_replica_val_mine(&s->rep, b)) { /* another rank's batch */
            fl_loader_next(s->val, NULL);
            continue;
        }
        next_batch(s, s->val); /* validation loss is masked like training's */
        fl_status st = fl_model_forward(s->m, s->tokens, s->B, s->T, &L, err);
        if (st) return st;
        fli_replica_val_note(&s->rep, b, &L);
    }
    fl_status st = fli_replica_val_sum(&s->rep, batches, &loss, &next, sum, &L.n_offsets, err);
    if (st) return st;
    n = batches;
    memset(out, 0, sizeof *out);
    if (!n) return fl_fail(err, FL_ERR_ARG, "the validation split has no window of %d tokens", s->T);
    out->loss = (float)(loss / n);
    out->next_token_loss = (float)(next / n);
    out->n_offsets = L.n_offsets;
    for (int j = 0; j < L.n_offsets; j++) out->offset_loss[j] = (float)(sum[j] / n);
    return FL_OK;
}

/* ---------------------------------------------------------------- setup */

static fl_status apply_state(session *s, const char *ckpt, const char *const *overrides, int n_over,
                             fl_error *err) {
    fl_run_state rs;
    fl_run_state_init(&rs);
    fl_status st = fl_run_state_read(ckpt, &rs, err);
    if (!st) st = fl_train_config_apply(&s->tc, &rs, err);
    for (int i = 0; i < n_over && !st; i++) /* explicit --set train.* wins (e.g. more max_steps) */
        if (!strncmp(overrides[2 * i], "train.", 6)) st = fl_train_config_set(&s->tc, overrides[2 * i], overrides[2 * i + 1], err);
    if (st) {
        fl_run_state_clear(&rs);
        return st;
    }
    s->step = rs.step > 0 ? rs.step : 0;
    s->tokens_seen = rs.tokens_seen > 0 ? rs.tokens_seen : 0;
    s->resumed = 1;
    s->pending = (fl_loader_state){rs.loader.seed, rs.loader.epoch, rs.loader.cursor, rs.loader.n_windows};
    if (rs.has_rng) fl_model_set_rng(s->m, rs.rng);
    s->last_val = rs.last_val_loss;
    s->last_val_losses.n_offsets = rs.n_val_offsets;
    for (int j = 0; j < rs.n_val_offsets; j++) s->last_val_losses.offset_loss[j] = (float)rs.val_offsets[j];
    if (!rs.has_loader)
        st = fl_fail(err, FL_ERR_FORMAT, "%s/state.json has no loader position; cannot resume exactly", ckpt);
    fl_run_state_clear(&rs);
    return st;
}

/* FTP's loss is the gamma-weighted objective over N future tokens, a larger
 * number than GPT's for the same next-token skill, so its line also shows the
 * next-token loss, the one number both models' lines can be compared by. */
static void progress(session *s, double loss, double next, double tps, double eta, int skipped) {
    FILE *f = s->opt->log;
    char nt[48] = "";
    if (fl_model_get_config(s->m)->type == FL_MODEL_FTP) snprintf(nt, sizeof nt, " (next-token %.4f)", next);
    if (s->opt->progress_bar) {
        int width = 24, done = (int)(width * (double)s->step / s->tc.max_steps);
        fprintf(f, "\r[");
        for (int i = 0; i < width; i++) fputc(i < done ? '#' : '.', f);
        fprintf(f, "] %ld/%d loss %.4f%s  %.0f tok/s  ETA %.0fs%s   ", s->step, s->tc.max_steps, loss, nt, tps, eta,
                skipped ? "  (skipped: non-finite)" : "");
    } else {
        fprintf(f, "step %ld/%d loss %.4f%s lr %.3g %.0f tok/s ETA %.0fs%s\n", s->step, s->tc.max_steps, loss, nt,
                (double)fl_train_lr(&s->tc, (int)s->step - 1), tps, eta, skipped ? " (skipped: non-finite)" : "");
    }
    fflush(f);
}

/* --resume: the checkpoint's model, optimizer and run state. */
static fl_status resume(session *s, const char *const *over, int n_over, fl_error *err) {
    char *ck = fl_checkpoint_resolve(s->opt->resume);
    if (!ck) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_status st = fli_ckpt_load_model(ck, &s->m, err);
    if (!st) { /* a resume continues the checkpoint's model: a conflicting --model/--set is an error */
        const fl_model_config *have = fl_model_get_config(s->m);
        for (int i = 0; i < n_over && !st; i++) {
            if (!strncmp(over[2 * i], "train.", 6)) continue;
            fl_model_config want = *have;
            fl_error e2;
            if (fl_model_config_set(&want, over[2 * i], over[2 * i + 1], &e2) || memcmp(&want, have, sizeof want))
                st = fl_fail(err, FL_ERR_CONFIG,
                             "%s is a %s model whose config disagrees with %s=%s; a resume keeps the checkpoint's "
                             "model (drop that option, or start a new run with --init-from)",
                             ck, have->type == FL_MODEL_FTP ? "ftp" : "gpt", over[2 * i], over[2 * i + 1]);
        }
    }
    if (!st) st = apply_state(s, ck, over, n_over, err);
    if (!st) st = fl_adamw_create(s->m, &s->adam, err);
    if (!st) st = fli_ckpt_load_optimizer(ck, s->m, s->adam, err);
    if (!st) fprintf(s->opt->log, "resuming %s at step %ld\n", ck, s->step);
    free(ck);
    return st;
}

/* A new run: a model drawn from train.seed, with --init-from's same-named tensors copied in.
 * Its vocabulary is the data's unless the user chose one (a larger one is kept;
 * a smaller one is refused by setup). */
static fl_status fresh(session *s, const fl_model_config *mc, fl_error *err) {
    fl_model_config c = *mc;
    if (s->opt->vocab_from_data) c.vocab_size = s->man.vocab_size; /* exactly what the tokenizer can produce */
    fl_status st = fl_model_create(&c, &s->m, err);
    if (!st) fl_model_init_weights(s->m, (uint64_t)s->tc.seed);
    if (!st) st = fl_adamw_create(s->m, &s->adam, err);
    if (st || !s->opt->init_from) return st;
    fl_model *src;
    fl_interop_format from;
    st = fl_interop_load_model(s->opt->init_from, &src, &from, err); /* ours, HF, llm.c or GGUF */
    int copied = st ? 0 : fl_model_copy_weights(s->m, src);
    if (!st) fprintf(s->opt->log, "initialised %d tensors from %s (%s)\n", copied, s->opt->init_from,
                     fl_interop_format_name(from));
    fl_model_free(src);
    return st;
}

/* A new run starts in a new or empty folder: training on top of another run
 * would append to its metrics.jsonl and move its latest. */
static fl_status fresh_run_dir(const char *run_dir, fl_error *err) {
    struct stat sb;
    if (lstat(run_dir, &sb) != 0) return FL_OK; /* made below */
    DIR *d = S_ISDIR(sb.st_mode) ? opendir(run_dir) : NULL;
    int used = !d;
    for (struct dirent *e; d && !used && (e = readdir(d));) used = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d) closedir(d);
    if (!used) return FL_OK;
    return fl_fail(err, FL_ERR_ARG,
                   "%s already exists and is not an empty folder; continue that run with --resume %s, or choose a "
                   "new --out",
                   run_dir, run_dir);
}

static fl_status setup(session *s, const fl_model_config *mc, const char *const *over, int n_over, fl_error *err) {
    fl_status st = fli_replica_open(&s->rep, err);
    if (s->rep.quiet) s->own_opt = *s->opt, s->own_opt.log = s->rep.quiet, s->opt = &s->own_opt;
    if (!st && s->opt->resume)
        st = fli_train_resume_data(s->opt->resume, s->opt->data_dir, &s->found_data, s->opt->log, err);
    if (!st && s->found_data) { /* no --data: the recorded folder */
        if (s->opt != &s->own_opt) s->own_opt = *s->opt, s->opt = &s->own_opt;
        s->own_opt.data_dir = s->found_data;
    }
    const fl_train_options *o = s->opt;
    if (!st) st = o->resume ? FL_OK : fresh_run_dir(o->run_dir, err);
    /* a resume learns the vocabulary (for llm.c shards without a manifest) from its checkpoint */
    if (!st && !o->resume)
        st = fl_manifest_describe(o->data_dir, o->vocab_from_data ? 0 : mc->vocab_size, o->tokenizer, &s->man, err);
    if (!st) st = o->resume ? resume(s, over, n_over, err) : fresh(s, mc, err);
    if (st) return st;
    const fl_model_config *c = fl_model_get_config(s->m);
    if (o->resume && (st = fl_manifest_describe(o->data_dir, c->vocab_size, o->tokenizer, &s->man, err))) return st;
    if (o->resume && s->man.absent && !o->tokenizer && (st = fli_train_recorded_tokenizer(o->resume, &s->man, err)))
        return st;
    if (s->man.vocab_size > c->vocab_size)
        return fl_fail(err, FL_ERR_CONFIG,
                       "the data in %s was prepared with a vocabulary of %d tokens (ids 0..%d) but model.vocab_size "
                       "is %d; set model.vocab_size=%d, or leave it out (it defaults to the data's)",
                       o->data_dir, s->man.vocab_size, s->man.vocab_size - 1, c->vocab_size, s->man.vocab_size);
    if ((st = fl_train_config_validate(&s->tc, err))) return st;
    if ((st = fl_train_freeze_setup(s->m, s->adam, &s->tc, o->init_from != NULL, o->resume != NULL, o->log, err)))
        return st;
#ifdef _OPENMP
    if (s->tc.threads > 0) omp_set_num_threads(s->tc.threads);
#endif
    s->B = s->tc.batch_size;
    s->T = c->block_size;
    int extra = c->type == FL_MODEL_FTP ? c->n_future : 1;
    fl_loader_config lc = {s->B, s->T, extra, 0, 1, 1, (uint64_t)s->tc.seed, c->vocab_size};
    if ((st = fl_loader_open(o->data_dir, "train", &lc, &s->train, err))) return st;
    if (s->resumed && (st = fl_loader_set_state(s->train, &s->pending, err))) return st;
    if ((st = fli_replica_reserve(&s->rep, s->m, &s->tc, s->train, s->tc.eval_batches, err))) return st;
    lc.shuffle = 0;
    fl_error val_err; /* a note, not a failure: the caller's err (which may be NULL) is not touched */
    if (fl_loader_open(o->data_dir, "val", &lc, &s->val, &val_err) != FL_OK) {
        fprintf(o->log, "note: no usable validation split (%s); evaluation is off\n", val_err.msg);
        s->val = NULL;
    }
    if ((st = fl_model_reserve(s->m, s->B, s->T, err))) return st;
    s->tokens = malloc(sizeof(int32_t) * (size_t)s->B * fl_model_window_len(s->m, s->T));
    if (!s->tokens) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if ((st = fli_replica_agree(&s->rep, s->m, &s->tc, s->train, s->val, s->tokens, s->step, s->tokens_seen,
                                o->steps_this_run, s->man.sha256, err)))
        return st;
    if (s->tc.loss_after >= 0) { /* answer-only training: the mask's buffer is reserved once, here */
        if (s->tc.loss_after >= c->vocab_size)
            return fl_fail(err, FL_ERR_CONFIG, "train.loss_after=%d is not a token id (0..%d)", s->tc.loss_after,
                           c->vocab_size - 1);
        if (s->tc.loss_after == s->man.eot) /* it would open and close each answer at once: nothing counts */
            return fl_fail(err, FL_ERR_CONFIG, "train.loss_after=%d is the end-of-text id; name the token that "
                           "ends each prompt (e.g. '=')", s->tc.loss_after);
        s->mask = malloc((size_t)s->B * fl_model_window_len(s->m, s->T));
        if (!s->mask) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
        fl_model_set_target_mask(s->m, s->mask);
    }
    if (!s->rep.d.rank) fl_make_parents(o->run_dir), mkdir(o->run_dir, 0755); /* a failure: the fopen's below */
    if (!(s->rec_data = fl_ckpt_record_path(o->run_dir, o->data_dir)) ||
        !(s->rec_tokenizer = fl_ckpt_record_path(o->run_dir, s->man.tokenizer)))
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (!s->rep.d.rank) fli_ckpt_remove_stale(o->run_dir, o->log); /* a kill -9 of an earlier run */
    if (!(s->metrics_path = s->rep.d.rank ? strdup("/dev/null") : fl_path_join(o->run_dir, "metrics.jsonl")))
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    s->metrics = fopen(s->metrics_path, "a");
    if (!s->metrics) return fl_fail(err, FL_ERR_IO, "cannot open %s: %s", s->metrics_path, strerror(errno));
    char ranks[32] = ""; /* the global batch is B x accumulation x ranks */
    if (s->rep.d.world > 1) snprintf(ranks, sizeof ranks, " x %d ranks", s->rep.d.world);
    fprintf(o->log, "%s model: %zu parameters, vocabulary %d%s; %llu train windows of %d tokens (B=%d x %d accumulation%s); "
            "run dir %s\n", c->type == FL_MODEL_FTP ? "ftp" : "gpt", fl_model_num_params(s->m), c->vocab_size,
            !o->resume && o->vocab_from_data ? " (the data's)" : "",
            (unsigned long long)fl_loader_num_windows(s->train), s->T, s->B, s->tc.grad_accum,
            ranks, o->run_dir);
    return FL_OK;
}

static void teardown(session *s) {
    if (s->metrics) fclose(s->metrics);
    free(s->metrics_path);
    free(s->rec_data);
    free(s->rec_tokenizer);
    free(s->found_data);
    fl_loader_free(s->train);
    fl_loader_free(s->val);
    fl_adamw_free(s->adam);
    fl_model_free(s->m);
    free(s->tokens);
    free(s->mask);
    fli_replica_free(&s->rep);
}

fl_status fl_train_run(const fl_model_config *model_cfg, const fl_train_config *train_cfg,
                       const char *const *overrides, int n_overrides, const fl_train_options *opt, fl_error *err) {
    session s;
    memset(&s, 0, sizeof s);
    s.opt = opt;
    s.tc = *train_cfg;
    s.last_val = NAN;
    fl_status st = setup(&s, model_cfg, overrides, n_overrides, err);
    if (st) {
        teardown(&s);
        return st;
    }
    opt = s.opt;
    const fl_model_config *mc = fl_model_get_config(s.m);
    int nonfinite = 0, ran = 0;
    int grads_zero = 0; /* the last AdamW step left every gradient zero */
    double t0 = fl_wall_seconds();
    char *where = NULL; /* the newest checkpoint written */
    while (s.step < s.tc.max_steps) {
        double ts = fl_wall_seconds();
        if (!grads_zero) fl_model_zero_grad(s.m);
        double loss = 0, next = 0;
        fl_losses L;
        for (int a = 0; a < s.rep.M && !st; a++) {
            if (!fli_replica_mine(&s.rep, a)) { /* another rank's micro-batch */
                fl_loader_next(s.train, NULL);
                continue;
            }
            next_batch(&s, s.train);
            if (opt->dump_batches)
                fwrite(s.tokens, sizeof(int32_t), (size_t)s.B * fl_model_window_len(s.m, s.T), opt->dump_batches);
            st = fl_model_forward_backward(s.m, s.tokens, s.B, s.T, &L, err);
            if (st == FL_ERR_NONFINITE) st = FL_OK, L.loss = NAN; /* handled below */
            fli_replica_note(&s.rep, a, &L);
        }
        /* every rank's losses and the mean gradient: the same numbers on every rank */
        if (st || (st = fli_replica_step(&s.rep, s.m, opt->stop && *opt->stop, &loss, &next, err))) break;
        float norm = fl_train_grad_norm(s.m, s.adam); /* frozen tensors left out */
        int skipped = !isfinite(loss) || !isfinite(norm);
        float lr = fl_train_lr(&s.tc, (int)s.step);
        if (!skipped) { /* clipping and the next step's zeroing ride on AdamW's pass over the gradients */
            fl_adamw_config ac = {lr, s.tc.beta1, s.tc.beta2, 1e-8f, s.tc.weight_decay};
            grads_zero = fl_train_adamw_step_scaled(s.adam, s.m, &ac, fl_train_clip_coef(norm, s.tc.grad_clip), 1);
            nonfinite = 0;
        } else {
            grads_zero = 0; /* a skipped step leaves the gradients as they are */
            nonfinite++;
        }
        s.step++;
        ran++;
        long long per_step = (long long)s.B * s.T * s.rep.M;
        if (s.tokens_seen > LLONG_MAX - per_step) {
            st = fl_fail(err, FL_ERR_ARG, "the count of tokens seen would overflow at step %ld", s.step);
            break;
        }
        s.tokens_seen += per_step;
        double dt = fl_wall_seconds() - ts, tps = (double)per_step / dt;
        fprintf(s.metrics,
                "{\"step\":%ld,\"loss\":%.9g,\"next_token_loss\":%.9g,\"lr\":%.9g,\"grad_norm\":%.9g,\"tokens\":%lld,"
                "\"tokens_per_s\":%.1f,\"skipped\":%s}\n",
                s.step, loss, next, (double)lr, (double)norm, s.tokens_seen, tps, skipped ? "true" : "false");
        if ((st = metrics_flushed(&s, err))) break;
        double eta = (fl_wall_seconds() - t0) / ran * (s.tc.max_steps - s.step);
        progress(&s, loss, next, tps, eta, skipped);
        if (skipped) {
            fprintf(opt->log, "%sstep %ld: non-finite %s; update skipped (%d in a row)\n", opt->progress_bar ? "\n" : "",
                    s.step, isfinite(loss) ? "gradient" : "loss", nonfinite);
            if (nonfinite >= s.tc.max_nonfinite) {
                st = fl_fail(err, FL_ERR_NONFINITE,
                             "%d non-finite steps in a row at step %ld: lower train.lr or raise train.warmup_steps "
                             "(the last good checkpoint is in %s)",
                             nonfinite, s.step, opt->run_dir);
                break;
            }
        }
        int last = s.step == s.tc.max_steps || (opt->steps_this_run && ran >= opt->steps_this_run) ||
                   s.rep.stop; /* a signal seen by any rank, agreed at this step */
        if (s.val && ((s.tc.eval_every && s.step % s.tc.eval_every == 0) || last)) {
            fl_losses V;
            if ((st = evaluate(&s, &V, err))) break;
            s.last_val = V.next_token_loss;
            s.last_val_losses = V;
            fprintf(s.metrics, "{\"step\":%ld,\"val_loss\":%.9g,\"val_next_token_loss\":%.9g,\"val_offsets\":[", s.step,
                    (double)V.loss, (double)V.next_token_loss);
            for (int j = 0; j < V.n_offsets; j++) fprintf(s.metrics, "%s%.9g", j ? "," : "", (double)V.offset_loss[j]);
            fprintf(s.metrics, "]}\n");
            if ((st = metrics_flushed(&s, err))) break;
            fprintf(opt->log, "%sstep %ld: validation next-token loss %.4f%s", opt->progress_bar ? "\n" : "", s.step,
                    (double)V.next_token_loss, mc->type == FL_MODEL_FTP ? " (offsets" : "\n");
            if (mc->type == FL_MODEL_FTP) {
                for (int j = 0; j < V.n_offsets; j++) fprintf(opt->log, " %.3f", (double)V.offset_loss[j]);
                fprintf(opt->log, ")\n");
            }
        }
        if ((s.tc.ckpt_every && s.step % s.tc.ckpt_every == 0) || last) {
            if (!skipped || !last) {
                if ((st = save(&s, &where, err))) break;
            }
        }
        if (last) break;
    }
    if (opt->progress_bar) fprintf(opt->log, "\n");
    if (!st) {
        if (s.rep.stop) fprintf(opt->log, "stopped by signal after step %ld; ", s.step);
        if (where) fprintf(opt->log, "checkpoint: %s\n", where);
        if (isfinite(s.last_val)) fprintf(opt->log, "last validation next-token loss: %.4f\n", s.last_val);
    }
    free(where);
    if (s.metrics && fclose(s.metrics) != 0 && !st)
        st = fl_fail(err, FL_ERR_IO, "cannot write %s: %s", s.metrics_path, strerror(errno));
    s.metrics = NULL;
    if (!st) fli_dist_finalize(&s.rep.d); /* after a failure: exit, and mpirun ends the other ranks */
    teardown(&s);
    return st;
}
