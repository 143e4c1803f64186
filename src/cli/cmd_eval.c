/* futurelm eval ppl|offsets|smoothness|probe|countdown|coherence CKPT: one
 * measurement of DESIGN.md section 4 on one checkpoint. A thin front end over
 * src/eval/run*.c; the numbers are defined in docs/evaluation.md. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "eval/run.h"
#include "util/json.h"

enum { S_PPL = 1, S_OFF = 2, S_SMO = 4, S_PRO = 8, S_CD = 16, S_COH = 32, S_WIN = S_PPL | S_OFF | S_SMO | S_COH };

typedef struct {
    const char *name;
    int mask;
    const char *help;
} eval_cmd;
static const eval_cmd CMDS[] = {
    {"ppl", S_PPL, "next-token validation loss and perplexity"},
    {"offsets", S_OFF, "cross-entropy at offsets k = 1..N, and the future bag-of-words probe on h_t"},
    {"smoothness", S_SMO, "adjacent-position cosine of h_t and of every block's output, raw and mean-centred"},
    {"probe", S_PRO, "topic probe on pooled frozen vectors (mean, last) with a bag-of-words row"},
    {"countdown", S_CD, "pass@1 on held-out countdown specs (a model trained on countdown data)"},
    {"coherence", S_COH, "TF-IDF cosine, topic agreement and drift of continuations of held-out prompts"},
};

typedef struct {
    int mask; /* which subcommands accept it */
    const char *name, *arg, *help;
} eval_opt;
static const eval_opt OPTS[] = {
    {S_WIN | S_PRO | S_COH, "--tokenizer", "TOK", "tokenizer file (default: the one in the checkpoint's state.json)"},
    {S_WIN | S_CD, "--data", "DIR", "data folder with val_*.bin / train_*.bin (default: state.json's data_dir)"},
    {S_WIN, "--windows", "K", "evaluate at most K validation windows (default 64; 0 = all)"},
    {S_WIN, "--context", "T", "window context T (default model.block_size)"},
    {S_WIN, "--n-future", "N", "GPT models: the N of the T+N windows and offsets (default 8; FTP uses its own)"},
    {S_WIN | S_PRO, "--batch", "B", "windows a forward pass (default 8)"},
    {S_OFF, "--train-windows", "K", "train windows the bag-of-words probe learns from (default 256)"},
    {S_OFF, "--bow-rows", "R", "rows (positions) of the probe from each split (default 20000; 0 = no probe)"},
    {S_OFF, "--bow-epochs", "E", "probe training epochs (default 4)"},
    {S_SMO, "--trace-window", "I", "the window whose cosines are traced (default 0)"},
    {S_PRO | S_COH, "--dataset", "NAME", "brown, brown-coarse or spam-assassin (coherence: the topic classifier's; "
                                         "default brown-coarse, 'none' to skip)"},
    {S_PRO | S_COH, "--data-root", "DIR", "folder holding brown/ and spam-assassin/ (default data)"},
    {S_PRO, "--chunk-len", "L", "tokens a chunk (default min(block_size, 128))"},
    {S_PRO, "--max-per-doc", "M", "chunks a document at most (default 8; 0 = all)"},
    {S_PRO | S_COH, "--split-seed", "S", "seed of the document split (default 1337)"},
    {S_CD, "--specs", "FILE", "held-out specs (default DATA/test_specs.txt)"},
    {S_CD, "--max-specs", "K", "evaluate at most K specs (default all)"},
    {S_COH, "--prompts", "K", "prompts at most (default 32)"},
    {S_CD | S_COH, "--temperature", "T", "sampling temperature (countdown default 0 = greedy; coherence 0.8)"},
    {S_CD | S_COH, "--top-k", "K", "keep the K most likely tokens (coherence default 50)"},
    {S_CD | S_COH, "--seed", "S", "sampler seed (default 1)"},
    {S_CD | S_COH, "--mode", "M", "generation mode: ar (default), or for FTP models block or spec"},
};
#define N_OPTS (int)(sizeof OPTS / sizeof OPTS[0])

static void usage(FILE *f, const eval_cmd *c) {
    if (!c) {
        fprintf(f, "usage: futurelm eval SUBCOMMAND CKPT|RUN_DIR [options] [--json]\n\n");
        for (size_t i = 0; i < sizeof CMDS / sizeof CMDS[0]; i++) fprintf(f, "  %-11s %s\n", CMDS[i].name, CMDS[i].help);
        fprintf(f, "\nfuturelm eval SUBCOMMAND --help lists its options. Windows (DESIGN.md 4.0): sequential windows of\n"
                   "T+N tokens from the validation shards, the same for GPT and FTP. docs/evaluation.md defines\n"
                   "every number. Threads: OMP_NUM_THREADS.\n");
        return;
    }
    fprintf(f, "usage: futurelm eval %s CKPT|RUN_DIR [options] [--json]\n\n%s.\n\n", c->name, c->help);
    for (int i = 0; i < N_OPTS; i++)
        if (OPTS[i].mask & c->mask) fprintf(f, "  %-15s %-5s %s\n", OPTS[i].name, OPTS[i].arg, OPTS[i].help);
    fprintf(f, "  %-21s %s\n", "--json", "print one JSON object instead of text");
}

typedef struct {
    const char *ckpt, *v[N_OPTS];
    int json;
} eval_args;

static const char *opt(const eval_args *a, const char *name) {
    for (int i = 0; i < N_OPTS; i++)
        if (!strcmp(OPTS[i].name, name)) return a->v[i];
    return NULL;
}

static int get_long(const eval_args *a, const char *name, long lo, long hi, long def, long *out) {
    const char *s = opt(a, name);
    *out = def;
    if (!s) return 0;
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi)
        return cli_error("%s '%s': need an integer in %ld..%ld", name, s, lo, hi);
    *out = x;
    return 0;
}
static int get_double(const eval_args *a, const char *name, double def, double *out) {
    const char *s = opt(a, name);
    *out = def;
    if (!s) return 0;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(x)) return cli_error("%s '%s': need a number", name, s);
    *out = x;
    return 0;
}

static int parse(int argc, char **argv, const eval_cmd *c, eval_args *a) {
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--json")) { a->json = 1; continue; }
        if (o[0] != '-' || !o[1]) {
            if (a->ckpt) return cli_error("two checkpoints given ('%s' and '%s')", a->ckpt, o);
            a->ckpt = o;
            continue;
        }
        int k = -1;
        for (int j = 0; j < N_OPTS; j++)
            if (!strcmp(OPTS[j].name, o) && (OPTS[j].mask & c->mask)) k = j;
        if (k < 0) return cli_error("unknown option %s for eval %s (see futurelm eval %s --help)", o, c->name, c->name);
        if (i + 1 >= argc) return cli_error("%s needs a value (see futurelm eval %s --help)", o, c->name);
        a->v[k] = argv[++i];
    }
    if (!a->ckpt) return cli_error("no checkpoint given; usage: futurelm eval %s CKPT [options]", c->name);
    return 0;
}

/* The sampler of the generating evaluations, from --temperature/--top-k/--seed/--mode. */
static int gen_config(const eval_args *a, fl_gen_config *g) {
    double t;
    long k, mode = g->mode;
    if (get_double(a, "--temperature", g->sampler.temperature, &t) ||
        get_long(a, "--top-k", 0, 1L << 30, g->sampler.top_k, &k))
        return 1;
    g->sampler.temperature = (float)t;
    g->sampler.top_k = (int)k;
    const char *s = opt(a, "--seed"), *m = opt(a, "--mode");
    if (s) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-') return cli_error("--seed '%s': need a non-negative integer", s);
        g->sampler.seed = v;
    }
    if (m) {
        if (!strcmp(m, "ar")) mode = FL_GEN_AR;
        else if (!strcmp(m, "block")) mode = FL_GEN_BLOCK;
        else if (!strcmp(m, "spec")) mode = FL_GEN_SPEC;
        else return cli_error("--mode '%s': need ar, block or spec", m);
    }
    g->mode = (fl_gen_mode)mode;
    fl_error err;
    if (fl_sampler_config_validate(&g->sampler, &err)) return cli_error("%s", err.msg);
    return 0;
}

/* Validation (or train) windows of the checkpoint's data: T from --context, N
 * from the model (FTP) or --n-future (GPT). */
static int load_windows(const eval_args *a, const fl_eval_ckpt *ck, const char *split, long cap, fl_windows *w) {
    const fl_model_config *c = fl_model_get_config(ck->m);
    long T, N;
    if (get_long(a, "--context", 2, c->block_size, c->block_size, &T) ||
        get_long(a, "--n-future", 1, FL_MAX_FUTURE, 0, &N))
        return 1;
    if (c->type == FL_MODEL_FTP && N && N != c->n_future)
        return cli_error("--n-future %ld: an FTP model predicts its own ftp.n_future = %d tokens; leave it out", N,
                         c->n_future);
    const char *dir = opt(a, "--data") ? opt(a, "--data") : ck->data_dir;
    if (!dir[0]) return cli_error("%s/state.json does not name the data folder; pass --data DIR", ck->dir);
    fl_error err = {0};
    if (fl_windows_load(dir, split, (int)T, fl_eval_n_future(ck->m, (int)N), cap, c->vocab_size, w, &err))
        return cli_error("%s", err.msg);
    return 0;
}

static void header(FILE *f, const fl_eval_ckpt *ck, const char *what) {
    const fl_model_config *c = fl_model_get_config(ck->m);
    fprintf(f, "{\"checkpoint\":");
    fl_json_write_string(f, ck->dir, strlen(ck->dir));
    fprintf(f, ",\"model\":\"%s\",\"step\":%ld,\"%s\":", c->type == FL_MODEL_FTP ? "ftp" : "gpt", ck->step, what);
}

static int run_ppl(const eval_args *a, fl_eval_ckpt *ck) {
    long cap, B;
    if (get_long(a, "--windows", 0, 1L << 30, 64, &cap) || get_long(a, "--batch", 1, 4096, 8, &B)) return 1;
    fl_windows w;
    if (load_windows(a, ck, "val", cap, &w)) return 1;
    fl_ppl_result r;
    fl_error err = {0};
    int rc = fl_eval_ppl(ck->m, &w, (int)B, &r, &err) ? cli_error("%s", err.msg) : 0;
    if (!rc && a->json) header(stdout, ck, "ppl"), fl_json_ppl(stdout, &r), printf("}\n");
    else if (!rc)
        printf("%s: next-token loss %.4f, perplexity %.2f (%d windows of %d, %ld positions)\n", ck->dir, r.loss, r.ppl,
               r.windows, r.T, r.positions);
    fl_windows_free(&w);
    return rc;
}

static int run_offsets(const eval_args *a, fl_eval_ckpt *ck) {
    long cap, B, tcap, rows, epochs;
    if (get_long(a, "--windows", 0, 1L << 30, 64, &cap) || get_long(a, "--batch", 1, 4096, 8, &B) ||
        get_long(a, "--train-windows", 1, 1L << 30, 256, &tcap) ||
        get_long(a, "--bow-rows", 0, 1L << 30, 20000, &rows) || get_long(a, "--bow-epochs", 1, 1000, 4, &epochs))
        return 1;
    fl_windows w, tw;
    memset(&tw, 0, sizeof tw);
    if (load_windows(a, ck, "val", cap, &w)) return 1;
    if (rows > 0 && load_windows(a, ck, "train", tcap, &tw)) return fl_windows_free(&w), 1;
    fl_offsets_opts o;
    fl_offsets_opts_default(&o);
    o.B = (int)B;
    o.bow_rows = (int)rows;
    o.bow.epochs = (int)epochs;
    fl_offsets_result r;
    fl_error err = {0};
    int rc = fl_eval_offsets(ck->m, &w, rows > 0 ? &tw : NULL, &o, &r, &err) ? cli_error("%s", err.msg) : 0;
    if (!rc && a->json) {
        header(stdout, ck, "offsets"), fl_json_offsets(stdout, &r), printf("}\n");
    } else if (!rc) {
        printf("%s (%s): cross-entropy at offset k over %d windows of %d\n", ck->dir,
               r.type == FL_MODEL_FTP ? "FTP decoder step k-1" : "GPT next-token loss at position t+k-1", r.windows,
               r.T);
        for (int k = 0; k < r.N; k++) printf("  k=%-2d %.4f\n", k + 1, r.ce[k]);
        if (r.has_bow)
            printf("future bag-of-words probe (next %d tokens from h_t; %d train / %d test rows):\n"
                   "  recall@%d %.4f (unigram baseline %.4f), log-likelihood %.4f (baseline %.4f)\n",
                   r.N, r.bow.n_train, r.bow.n_test, r.N, r.bow.recall, r.bow.base_recall, r.bow.loglik,
                   r.bow.base_loglik);
    }
    fl_windows_free(&w);
    fl_windows_free(&tw);
    return rc;
}

static int run_smooth(const eval_args *a, fl_eval_ckpt *ck) {
    long cap, B, tw;
    if (get_long(a, "--windows", 0, 1L << 30, 64, &cap) || get_long(a, "--batch", 1, 4096, 8, &B) ||
        get_long(a, "--trace-window", 0, 1L << 30, 0, &tw))
        return 1;
    fl_windows w;
    if (load_windows(a, ck, "val", cap, &w)) return 1;
    fl_smooth_result r;
    fl_error err = {0};
    int rc = fl_eval_smoothness(ck->m, &w, (int)B, (int)tw, &r, &err) ? cli_error("%s", err.msg) : 0;
    if (!rc && a->json) {
        header(stdout, ck, "smoothness"), fl_json_smooth(stdout, &r), printf("}\n");
    } else if (!rc) {
        printf("%s: cos(h_t, h_t+1) within %d windows of %d; centred: each level's mean vector over all positions "
               "subtracted first\n",
               ck->dir, r.windows, r.T);
        for (int l = r.levels - 1; l >= 0; l--) {
            char name[32];
            if (l == r.levels - 1) snprintf(name, sizeof name, "top (ln_f)");
            else snprintf(name, sizeof name, "block %d", l + 1);
            printf("  %-11s mean %.4f  std %.4f   centred mean %.4f  std %.4f   mean-vector share %.4f\n", name,
                   fl_cos_stats_mean(&r.stats[l]), fl_cos_stats_std(&r.stats[l]), fl_cos_stats_mean(&r.centred[l]),
                   fl_cos_stats_std(&r.centred[l]), r.mean_share[l]);
        }
        const fl_cos_stats *top[2] = {&r.stats[r.levels - 1], &r.centred[r.levels - 1]};
        for (int k = 0; k < 2; k++) {
            printf("histogram of the top level%s (%d bins over [-1, 1]): ", k ? ", centred" : "", FL_SMOOTH_BINS);
            for (int i = 0; i < top[k]->n_bins; i++)
                printf("%llu%s", (unsigned long long)top[k]->counts[i], i + 1 < top[k]->n_bins ? " " : "\n");
        }
    }
    if (!rc) fl_smooth_result_free(&r);
    fl_windows_free(&w);
    return rc;
}

static int run_probe(const eval_args *a, fl_eval_ckpt *ck) {
    fl_probe_eval_opts o;
    fl_probe_eval_opts_default(&o);
    long L, M, B, seed;
    if (get_long(a, "--chunk-len", 1, 1L << 20, 0, &L) || get_long(a, "--max-per-doc", 0, 1L << 20, 8, &M) ||
        get_long(a, "--batch", 1, 4096, 8, &B) || get_long(a, "--split-seed", 0, 1L << 62, 1337, &seed))
        return 1;
    o.chunk_len = (int)L, o.max_per_doc = (int)M, o.B = (int)B, o.seed = (uint64_t)seed;
    if (opt(a, "--dataset")) o.dataset = opt(a, "--dataset");
    if (opt(a, "--data-root")) o.data_root = opt(a, "--data-root");
    fl_tokenizer *tok = NULL;
    fl_error err = {0};
    if (fl_eval_ckpt_tokenizer(ck, opt(a, "--tokenizer"), &tok, &err)) return cli_error("%s", err.msg);
    fl_probe_eval_result r;
    int rc = fl_eval_probe(ck->m, tok, &o, &r, &err) ? cli_error("%s", err.msg) : 0;
    if (!rc && a->json) {
        header(stdout, ck, "probe");
        fputs("{\"dataset\":", stdout);
        fl_json_write_string(stdout, o.dataset, strlen(o.dataset));
        fputs(",\"result\":", stdout);
        fl_json_probe(stdout, &r);
        printf("}}\n");
    } else if (!rc) {
        printf("%s: topic probe on %s (%d classes; chunks of %d tokens: train %d, val %d, test %d)\n", ck->dir,
               o.dataset, r.n_classes, r.chunk_len, r.counts[0], r.counts[1], r.counts[2]);
        printf("  %-13s test accuracy %.4f  95%% CI [%.4f, %.4f]  lambda %g\n", "mean pool", r.mean.test_accuracy,
               r.mean.ci_lo, r.mean.ci_hi, r.mean.lambda);
        printf("  %-13s test accuracy %.4f  95%% CI [%.4f, %.4f]  lambda %g\n", "last position", r.last.test_accuracy,
               r.last.ci_lo, r.last.ci_hi, r.last.lambda);
        printf("  %-13s test accuracy %.4f  95%% CI [%.4f, %.4f]  lambda %g\n", "bag of words", r.bow_acc, r.bow_lo,
               r.bow_hi, r.bow_lambda);
        printf("  chance (most frequent train class) %.4f\n", r.mean.chance);
    }
    if (!rc) fl_probe_eval_result_free(&r);
    fl_tokenizer_free(tok);
    return rc;
}

static int run_countdown(const eval_args *a, fl_eval_ckpt *ck) {
    fl_countdown_opts o;
    fl_countdown_opts_default(&o);
    long maxs;
    if (gen_config(a, &o.gen) || get_long(a, "--max-specs", 0, 1L << 30, 0, &maxs)) return 1;
    o.max_specs = maxs;
    char path[FL_EVAL_PATH + 32];
    const char *data = opt(a, "--data") ? opt(a, "--data") : ck->data_dir;
    if (opt(a, "--specs")) snprintf(path, sizeof path, "%s", opt(a, "--specs"));
    else if (data[0]) snprintf(path, sizeof path, "%s/test_specs.txt", data);
    else return cli_error("no spec file: pass --specs FILE (written by futurelm countdown generate)");
    fl_cd_example *specs = NULL;
    long n = 0;
    fl_error err = {0};
    if (fl_cd_read_specs(path, &specs, &n, &err)) return cli_error("%s", err.msg);
    fl_countdown_result r;
    int rc = fl_eval_countdown(ck->m, specs, n, &o, &r, &err) ? cli_error("%s", err.msg) : 0;
    if (!rc && a->json) {
        header(stdout, ck, "countdown"), fl_json_countdown(stdout, &r), printf("}\n");
    } else if (!rc) {
        printf("%s: countdown pass@1 %.4f (%ld of %ld specs), 95%% CI [%.4f, %.4f]\n", ck->dir, r.pass_rate, r.passed,
               r.n, r.ci_lo, r.ci_hi);
        printf("  verdicts:");
        for (int v = 0; v < FL_CD_N_VERDICTS; v++) printf(" %s %ld", fl_cd_verdict_name((fl_cd_verdict)v), r.verdicts[v]);
        printf("\n");
        if (r.example_fail[0]) printf("  first failure: %s\n", r.example_fail);
    }
    free(specs);
    return rc;
}

static int run_coherence(const eval_args *a, fl_eval_ckpt *ck) {
    fl_coherence_opts o;
    fl_coherence_opts_default(&o);
    long cap, K, seed;
    if (gen_config(a, &o.gen) || get_long(a, "--windows", 0, 1L << 30, 0, &cap) ||
        get_long(a, "--prompts", 1, 1L << 20, 32, &K) || get_long(a, "--split-seed", 0, 1L << 62, 1337, &seed))
        return 1;
    o.max_prompts = (int)K;
    fl_error err = {0};
    /* Reject what the generator would refuse before loading data */
    fl_generator *probe_gen = NULL;
    if (fl_generator_create(ck->m, &o.gen, &probe_gen, &err)) return cli_error("%s", err.msg);
    fl_generator_free(probe_gen);
    fl_tokenizer *tok = NULL;
    if (fl_eval_ckpt_tokenizer(ck, opt(a, "--tokenizer"), &tok, &err)) return cli_error("%s", err.msg);
    fl_windows w, tw;
    memset(&w, 0, sizeof w), memset(&tw, 0, sizeof tw);
    fl_idf *idf = NULL;
    fl_topic_clf *clf = NULL;
    int rc = load_windows(a, ck, "val", cap, &w) || load_windows(a, ck, "train", 1024, &tw);
    if (!rc && fl_eval_idf(&tw, fl_model_get_config(ck->m)->vocab_size, &idf, &err)) rc = cli_error("%s", err.msg);
    const char *ds = opt(a, "--dataset") ? opt(a, "--dataset") : "brown-coarse";
    const char *root = opt(a, "--data-root") ? opt(a, "--data-root") : "data";
    if (!rc && strcmp(ds, "none") &&
        fl_eval_topic_classifier(tok, root, ds, w.T - w.T / 2, fl_model_get_config(ck->m)->vocab_size,
                                 (uint64_t)seed, &clf, &err))
        rc = cli_error("topic classifier on %s: %s (pass --dataset none to skip topic agreement)", ds, err.msg);
    fl_coherence_result r;
    if (!rc && fl_eval_coherence(ck->m, &w, fl_tokenizer_eot(tok), idf, clf, tok, &o, &r, &err))
        rc = cli_error("%s", err.msg);
    if (!rc && a->json) {
        header(stdout, ck, "coherence"), fl_json_coherence(stdout, &r), printf("}\n");
    } else if (!rc) {
        printf("%s: %d prompts of %d tokens (%d windows dropped at a document boundary), continuations of %d\n",
               ck->dir, r.prompts, r.prompt_len, r.dropped, r.cont_len);
        const fl_coherence_row *rows[2] = {&r.model, &r.human};
        for (int i = 0; i < 2; i++) {
            printf("  %-6s tf-idf cos(prompt, continuation) %.4f  drift %.4f  topic agreement ", i ? "human" : "model",
                   rows[i]->tfidf_cos, rows[i]->drift);
            if (clf) printf("%.4f\n", rows[i]->agreement);
            else printf("(no classifier)\n");
        }
    }
    fl_topic_clf_free(clf);
    fl_idf_free(idf);
    fl_windows_free(&w);
    fl_windows_free(&tw);
    fl_tokenizer_free(tok);
    return rc;
}

int cmd_eval(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout, NULL);
        return argc < 2 ? 2 : 0;
    }
    const eval_cmd *c = NULL;
    for (size_t i = 0; i < sizeof CMDS / sizeof CMDS[0]; i++)
        if (!strcmp(argv[1], CMDS[i].name)) c = &CMDS[i];
    if (!c) {
        cli_error("unknown eval subcommand '%s' (ppl, offsets, smoothness, probe, countdown or coherence)", argv[1]);
        return 2;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout, c);
            return 0;
        }
    eval_args a;
    if (parse(argc - 1, argv + 1, c, &a)) return 2;
    fl_eval_ckpt ck;
    fl_error err = {0};
    if (fl_eval_ckpt_open(a.ckpt, &ck, &err)) return cli_error("%s", err.msg);
    int rc;
    switch (c->mask) {
    case S_PPL: rc = run_ppl(&a, &ck); break;
    case S_OFF: rc = run_offsets(&a, &ck); break;
    case S_SMO: rc = run_smooth(&a, &ck); break;
    case S_PRO: rc = run_probe(&a, &ck); break;
    case S_CD: rc = run_countdown(&a, &ck); break;
    default: rc = run_coherence(&a, &ck); break;
    }
    fl_eval_ckpt_close(&ck);
    return rc;
}
