/* Checkpoints and run state: the public fl_checkpoint_save / fl_checkpoint_load
 * round trip (tensors and moments bit for bit, every state field), state.json
 * as training has always written it, the one checkpoint-name rule of a run
 * folder (listing, latest, pruning), and training with err == NULL. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ckpt/run_dir.h"
#include "ckpt/run_state.h"
#include "data/manifest.h"
#include "futurelm.h"
#include "train/trainer.h"

static char tmpdir[256];

static char *path_in(const char *name) {
    static char buf[8][512]; /* a few paths alive at once */
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f) fputs(text, f), fclose(f);
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* Every field of two run states, compared exactly (NaN equals NaN). */
static int same_state(const fl_run_state *a, const fl_run_state *b) {
    int ok = a->step == b->step && a->tokens_seen == b->tokens_seen && a->has_loader == b->has_loader &&
             !memcmp(&a->loader, &b->loader, sizeof a->loader) && a->has_rng == b->has_rng &&
             !memcmp(a->rng, b->rng, sizeof a->rng) && !strcmp(a->tokenizer_sha256, b->tokenizer_sha256) &&
             a->eot == b->eot && a->n_train == b->n_train && a->has_metrics == b->has_metrics &&
             a->n_val_offsets == b->n_val_offsets && !!a->tokenizer == !!b->tokenizer && !!a->data_dir == !!b->data_dir;
    ok = ok && (a->last_val_loss == b->last_val_loss || (isnan(a->last_val_loss) && isnan(b->last_val_loss)));
    ok = ok && (!a->tokenizer || !strcmp(a->tokenizer, b->tokenizer)) && (!a->data_dir || !strcmp(a->data_dir, b->data_dir));
    for (int i = 0; ok && i < a->n_train; i++)
        ok = !strcmp(a->train[i].key, b->train[i].key) && !strcmp(a->train[i].value, b->train[i].value);
    for (int j = 0; ok && j < a->n_val_offsets; j++) ok = a->val_offsets[j] == b->val_offsets[j];
    return ok;
}

static void test_round_trip(void) {
    fl_model_config cfg;
    fl_model_config_default(&cfg, FL_MODEL_FTP);
    cfg.vocab_size = 70, cfg.block_size = 16, cfg.n_layer = 1, cfg.n_head = 2, cfg.n_embd = 16;
    cfg.n_future = 3, cfg.pseudo_len = 2, cfg.dec_layers = 1, cfg.positions = 4;
    fl_model *m = NULL, *back = NULL;
    fl_adamw *opt = NULL, *opt2 = NULL;
    fl_error err = {0};
    fl_status st = fl_model_create(&cfg, &m, &err);
    if (!st) st = fl_adamw_create(m, &opt, &err);
    if (!check(st == FL_OK, "a small FTP model and its optimizer", "%s", err.msg)) return;
    fl_model_init_weights(m, 7);
    size_t n = fl_model_num_params(m);
    for (size_t i = 0; i < n; i++) fl_adamw_m(opt)[i] = (float)i * 1e-3f, fl_adamw_v(opt)[i] = 1.0f / (float)(i + 1);
    fl_adamw_set_steps(opt, 5);

    fl_run_state s, got;
    fl_run_state_init(&s);
    fl_run_state_init(&got);
    s.step = 12, s.tokens_seen = 1LL << 40;
    s.has_loader = 1, s.loader.seed = 18446744073709551615ULL, s.loader.epoch = 2, s.loader.cursor = 3;
    s.loader.n_windows = 9007199254740993ULL; /* 2^53 + 1: not exact as a double */
    s.has_rng = 1;
    for (int i = 0; i < 4; i++) s.rng[i] = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1);
    s.tokenizer = strdup("a \"quoted\" dir\\with\nnewline/\x01tok.tiktoken");
    strcpy(s.tokenizer_sha256, "6b6cb97a3cc2722fd7646bed8adae54a59916c48834e2330d646eb3fd4623ca2");
    s.eot = 69;
    s.data_dir = strdup("donn\xc3\xa9" "es/\xe2\x82\xac");
    fl_run_state_add_setting(&s, "train.lr", "0.00300000003", &err);
    fl_run_state_add_setting(&s, "train.seed", "1337", &err);
    s.has_metrics = 1, s.last_val_loss = 5.76080894f, s.n_val_offsets = 3;
    s.val_offsets[0] = 5.76080894f, s.val_offsets[1] = 6.25, s.val_offsets[2] = 7.0;

    const char *dir = path_in("ckpt");
    st = fl_checkpoint_save(dir, m, opt, &s, &err);
    check(st == FL_OK && exists(path_in("ckpt/model.safetensors")) && exists(path_in("ckpt/optimizer.safetensors")) &&
              exists(path_in("ckpt/state.json")),
          "fl_checkpoint_save writes model, optimizer and state", "%s", err.msg);
    if (!st) st = fl_checkpoint_load(dir, &back, &got, &err);
    if (!st) st = fl_adamw_create(back, &opt2, &err);
    if (!st) st = fl_checkpoint_load_optimizer(dir, back, opt2, &err);
    if (check(st == FL_OK, "fl_checkpoint_load opens it", "%s", err.msg)) {
        check(!memcmp(fl_model_get_config(back), fl_model_get_config(m), sizeof cfg), "the config comes back from the metadata",
              "differs");
        check(fl_model_num_params(back) == n && !memcmp(fl_model_params(back), fl_model_params(m), n * sizeof(float)),
              "every weight comes back bit for bit", "differs");
        check(!memcmp(fl_adamw_m(opt2), fl_adamw_m(opt), n * sizeof(float)) &&
                  !memcmp(fl_adamw_v(opt2), fl_adamw_v(opt), n * sizeof(float)) && fl_adamw_steps_taken(opt2) == 5,
              "AdamW moments and step count come back bit for bit", "differs");
        check(same_state(&s, &got), "every run-state field comes back (64-bit values, escaped strings, UTF-8)",
              "step %ld tokens %lld n_windows %llu tokenizer '%s' data '%s'", got.step, got.tokens_seen,
              (unsigned long long)got.loader.n_windows, got.tokenizer ? got.tokenizer : "(null)",
              got.data_dir ? got.data_dir : "(null)");
    }
    fl_model_free(back);
    back = NULL;
    /* a run folder: the path resolves through RUN/latest */
    mkdir(path_in("run"), 0755);
    st = fl_checkpoint_save(path_in("run/step_00000012"), m, NULL, &s, &err);
    write_file(path_in("run/latest"), "step_00000012\n");
    if (!st) st = fl_checkpoint_load(path_in("run"), &back, &got, &err);
    check(st == FL_OK && got.step == 12 && !exists(path_in("run/step_00000012/optimizer.safetensors")),
          "a run folder opens its latest checkpoint; no optimizer file without an optimizer", "%s", err.msg);
    fl_model_free(back);
    back = NULL;
    /* no state.json: an empty state; broken JSON: an error that names the file */
    unlink(path_in("run/step_00000012/state.json"));
    st = fl_checkpoint_load(path_in("run"), &back, &got, &err);
    check(st == FL_OK && got.step == -1 && !got.has_loader && !got.tokenizer, "no state.json gives an empty state",
          "%s", err.msg);
    fl_model_free(back);
    back = NULL;
    write_file(path_in("run/step_00000012/state.json"), "{\"step\": ");
    st = fl_checkpoint_load(path_in("run"), &back, &got, &err);
    check(st == FL_ERR_FORMAT && !back && strstr(err.msg, "step_00000012/state.json"),
          "a state.json that is not JSON is an error naming it", "%d %s", st, err.msg);
    fl_run_state_clear(&s);
    fl_run_state_clear(&got);
    fl_adamw_free(opt);
    fl_adamw_free(opt2);
    fl_model_free(m);
}

/* state.json exactly as training and init wrote it before fl_run_state existed. */
static void test_old_files(void) {
    static const char old[] =
        "{\n  \"format\": \"futurelm-state\",\n  \"step\": 8,\n  \"tokens_seen\": 1024,\n"
        "  \"loader\": {\"seed\": \"1337\", \"epoch\": \"0\", \"cursor\": \"32\", \"n_windows\": \"4591\"},\n"
        "  \"rng\": [\"10346551672020025571\", \"12121436607758239157\", \"18005272028473119927\", "
        "\"15429570967679207590\"],\n"
        "  \"tokenizer\": {\"path\": \"tok.tiktoken\", \"sha256\": "
        "\"6b6cb97a3cc2722fd7646bed8adae54a59916c48834e2330d646eb3fd4623ca2\", \"eot\": 399},\n"
        "  \"data_dir\": \"data\",\n"
        "  \"train\": {\"train.batch_size\":4,\"train.lr\":0.00300000003,\"train.seed\":1337},\n"
        "  \"metrics\": {\"last_val_loss\": 5.76080894, \"last_val_offsets\": [5.76080894]}\n}\n";
    fl_run_state s;
    fl_run_state_init(&s);
    fl_error err = {0};
    fl_status st = fl_run_state_parse(old, strlen(old), "old", &s, &err);
    check(st == FL_OK && s.step == 8 && s.tokens_seen == 1024 && s.has_loader && s.loader.seed == 1337 &&
              s.loader.cursor == 32 && s.loader.n_windows == 4591 && s.has_rng && s.rng[0] == 10346551672020025571ULL &&
              s.rng[3] == 15429570967679207590ULL && s.tokenizer && !strcmp(s.tokenizer, "tok.tiktoken") &&
              s.eot == 399 && s.tokenizer_sha256[63] == '2' && s.data_dir && !strcmp(s.data_dir, "data") &&
              s.n_train == 3 && !strcmp(s.train[1].key, "train.lr") && !strcmp(s.train[1].value, "0.00300000003") &&
              s.has_metrics && s.last_val_loss == 5.76080894f && s.n_val_offsets == 1,
          "state.json as training wrote it reads into every field", "%s", err.msg);
    char *again = fl_run_state_to_json(&s);
    check(again && !strcmp(again, old), "and is written back byte for byte", "%s", again ? again : "(null)");
    free(again);
    static const char init[] = "{\"format\": \"futurelm-state\", \"step\": 0, \"tokens_seen\": 0}\n";
    st = fl_run_state_parse(init, strlen(init), "init", &s, &err);
    check(st == FL_OK && s.step == 0 && s.tokens_seen == 0 && !s.has_loader && !s.has_rng && !s.tokenizer &&
              !s.data_dir && !s.n_train && !s.has_metrics && s.eot == -1,
          "state.json as init wrote it: step and tokens only", "%s", err.msg);
    static const char noval[] = "{\"metrics\": {\"last_val_loss\": null}}";
    st = fl_run_state_parse(noval, strlen(noval), "noval", &s, &err);
    check(st == FL_OK && s.has_metrics && isnan(s.last_val_loss) && !s.has_loader && !s.has_rng && s.step == -1,
          "null loss is no evaluation", "%s", err.msg);
    char *text = fl_run_state_to_json(&s);
    check(text && strstr(text, "\"last_val_loss\": null}") && !strstr(text, "offsets"),
          "no evaluation writes null and no offsets", "%s", text ? text : "(null)");
    free(text);
    /* a setting that is not a JSON number would break the file: written as a string, skipped on reading */
    fl_run_state_clear(&s);
    fl_run_state_add_setting(&s, "train.lr", "nan", &err);
    fl_run_state_add_setting(&s, "train.seed", "-12", &err);
    text = fl_run_state_to_json(&s);
    fl_run_state back;
    fl_run_state_init(&back);
    st = text ? fl_run_state_parse(text, strlen(text), "settings", &back, &err) : FL_ERR_NOMEM;
    check(st == FL_OK && back.n_train == 1 && !strcmp(back.train[0].value, "-12"),
          "a setting that is not a number keeps the file valid JSON", "%s", text ? text : "(null)");
    free(text);
    fl_run_state_clear(&back);
    fl_run_state_clear(&s);
}

static void test_run_dir(void) {
    long step = -1;
    check(fl_ckpt_name_step("step_00000008", &step) && step == 8 && fl_ckpt_name_step("step_7", &step) && step == 7 &&
              !fl_ckpt_name_step("step_", &step) && !fl_ckpt_name_step("step_00000008.tmp-12", &step) &&
              !fl_ckpt_name_step("step_+5", &step) && !fl_ckpt_name_step("step_ 5", &step) &&
              !fl_ckpt_name_step("step_x", &step) && !fl_ckpt_name_step("step_1234567890123456789", &step) &&
              !fl_ckpt_name_step("latest", &step),
          "a checkpoint is named step_ and decimal digits, nothing else", "step %ld", step);
    const char *run = path_in("scan");
    mkdir(run, 0755);
    const char *dirs[] = {"step_00000003", "step_00000001", "step_2", "step_00000004.tmp-12", "step_00000005.del-3",
                          "step_x", "step_+6", "other"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s", run, dirs[i]);
        mkdir(p, 0755);
        /* the checkpoint folders look like ours (pruning counts and deletes only those) */
        snprintf(p, sizeof p, "%s/%s/model.safetensors", run, dirs[i]);
        if (i < 3) write_file(p, "");
    }
    write_file(path_in("scan/step_00000009"), "a file, not a checkpoint\n");
    fl_ckpt_list l;
    fl_error err = {0};
    fl_status st = fl_ckpt_list_run(run, &l, &err);
    check(st == FL_OK && l.n == 3 && l.at[0].step == 1 && l.at[1].step == 2 && l.at[2].step == 3 &&
              !strcmp(l.at[1].name, "step_2") && strstr(l.at[2].dir, "scan/step_00000003"),
          "listing: the three checkpoint folders, by step", "n %d", l.n);
    fl_ckpt_list_free(&l);
    char *r = fl_checkpoint_resolve(run);
    check(r && strstr(r, "scan/step_00000003"), "no latest: the newest checkpoint", "%s", r ? r : "(null)");
    free(r);
    write_file(path_in("scan/latest"), "step_00000001\n");
    r = fl_checkpoint_resolve(run);
    check(r && strstr(r, "scan/step_00000001"), "latest names the checkpoint", "%s", r ? r : "(null)");
    free(r);
    r = fl_checkpoint_resolve(path_in("ckpt"));
    check(r && !strcmp(r, path_in("ckpt")), "a checkpoint folder resolves to itself", "%s", r ? r : "(null)");
    free(r);
    /* latest names step 1 (a resume from an older step): it is never pruned, and
     * counts as one of the two kept, with the newest other one */
    fl_ckpt_prune(run, 2, NULL);
    check(exists(path_in("scan/step_00000001")) && !exists(path_in("scan/step_2")) &&
              exists(path_in("scan/step_00000003")) && exists(path_in("scan/step_00000004.tmp-12")) &&
              exists(path_in("scan/step_x")) && exists(path_in("scan/step_00000009")),
          "pruning keeps the latest and the newest other checkpoint, and touches nothing else", "see %s", run);
    st = fl_ckpt_list_run(path_in("no-such-run"), &l, &err);
    check(st == FL_ERR_IO && strstr(err.msg, "no-such-run"), "an unreadable run folder is an error naming it", "%s",
          err.msg);
}

/* A data folder with a train split and no val split: training then runs with
 * evaluation off, after a note that quotes why the val split is unusable. */
static int make_data(const char *dir) {
    fl_dataset_info info = {dir, "tok.tiktoken", "", 64, 63, 0.0, 1, 0};
    fl_dataset_writer *w;
    fl_error err = {0};
    if (fl_dataset_writer_open(&info, &w, &err)) return -1;
    int32_t doc[200];
    for (int i = 0; i < 200; i++) doc[i] = i == 199 ? 63 : (i * 7) % 63;
    for (int k = 0; k < 3; k++)
        if (fl_dataset_writer_put_doc(w, 0, doc, 200, &err)) return fl_dataset_writer_abort(w), -1;
    return fl_dataset_writer_finish(w, &err) ? -1 : 0;
}

static fl_status train_without_err(const char *data, const char *run, FILE *log) {
    fl_model_config mc;
    fl_model_config_default(&mc, FL_MODEL_GPT);
    mc.vocab_size = 64, mc.block_size = 8, mc.n_layer = 1, mc.n_head = 2, mc.n_embd = 16;
    fl_train_config tc;
    fl_train_config_default(&tc);
    tc.batch_size = 2, tc.max_steps = 2, tc.warmup_steps = 1, tc.eval_every = 0, tc.ckpt_every = 0, tc.threads = 1;
    fl_train_options o = {0};
    o.data_dir = data, o.run_dir = run, o.log = log;
    return fl_train_run(&mc, &tc, NULL, 0, &o, NULL); /* err == NULL: the API allows it */
}

static void test_train_null_err(void) {
    const char *data = path_in("data");
    if (!check(make_data(data) == 0, "a data folder with no val split", "cannot write %s", data)) return;
    fflush(stdout);
    pid_t pid = fork(); /* a crash would end the test program: run it in a child */
    if (pid == 0) {
        FILE *log = fopen(path_in("train.log"), "w");
        _exit(log && train_without_err(data, path_in("trun"), log) == FL_OK ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    char note[400] = "";
    FILE *f = fopen(path_in("train.log"), "r");
    if (f) {
        size_t k = fread(note, 1, sizeof note - 1, f);
        note[k] = 0;
        fclose(f);
    }
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0 && strstr(note, "no usable validation split"),
          "training with err == NULL and no val split: the note is printed, the run succeeds",
          "%s %d; log: %s", WIFSIGNALED(status) ? "killed by signal" : "exit", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), note);
    fl_model *m = NULL;
    fl_run_state s;
    fl_run_state_init(&s);
    fl_error err = {0};
    fl_status st = fl_checkpoint_load(path_in("trun"), &m, &s, &err);
    check(st == FL_OK && s.step == 2 && s.tokens_seen == 32 && s.has_loader && s.has_rng && s.data_dir &&
              !strcmp(s.data_dir, data) && s.tokenizer && !strcmp(s.tokenizer, "tok.tiktoken") && s.eot == 63 &&
              s.n_train == 22 && s.has_metrics && isnan(s.last_val_loss),
          "the run's checkpoint (through latest) holds its run state", "%s step %ld", err.msg, s.step);
    fl_run_state_clear(&s);
    fl_model_free(m);
    FILE *log = fopen("/dev/null", "w");
    st = train_without_err(path_in("no-such-data"), path_in("trun2"), log);
    check(st == FL_ERR_IO, "training with err == NULL on a missing data folder fails cleanly", "status %d", st);
    if (log) fclose(log);
}

/* Deleting and recording paths: nothing followed through a link, nothing deleted
 * that is not a checkpoint of ours, recorded paths relative to the run folder. */
static void test_paths(void) {
    const char *victim = path_in("victim"), *link = path_in("ln");
    mkdir(victim, 0755);
    write_file(path_in("victim/model.safetensors"), "x");
    check(symlink(victim, link) == 0 && fl_ckpt_is_ours(link) == -1 && fl_remove_tree(link) != 0 &&
              fli_ckpt_remove(link) != 0 && exists(path_in("victim/model.safetensors")),
          "a link to a checkpoint folder is not ours: neither removed nor followed", "see %s", link);
    write_file(path_in("victim/notes.txt"), "precious");
    check(fl_ckpt_is_ours(victim) == -1 && fli_ckpt_remove(victim) != 0 && exists(path_in("victim/notes.txt")),
          "a folder with other files is not a checkpoint of ours and is not removed", "see %s", victim);
    unlink(path_in("victim/notes.txt"));
    mkdir(path_in("empty"), 0755);
    check(fl_ckpt_is_ours(victim) == 1 && fl_ckpt_is_ours(path_in("empty")) == 0 &&
              fl_ckpt_is_ours(path_in("nothing")) == -1,
          "a checkpoint folder is ours (1), an empty one replaceable (0), nothing there is not (-1)", "%s", "");
    mkdir(path_in("rec"), 0755);
    mkdir(path_in("rec/run"), 0755);
    mkdir(path_in("rec/run/step_1"), 0755);
    mkdir(path_in("rec/data"), 0755);
    char *cwd = getcwd(NULL, 0);
    char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
    if (cwd && chdir(path_in("rec")) == 0) {
        a = fl_ckpt_record_path("run", "data");
        b = fl_ckpt_record_path("run", "run/step_1");
        c = fl_ckpt_record_path("run", "gpt2");
        d = fl_ckpt_find_recorded("run/step_1", "../data");
        e = fl_ckpt_find_recorded("run/step_1", "run"); /* no run/run: as recorded, from here */
        if (chdir(cwd) != 0) perror("chdir");
    }
    check(a && !strcmp(a, "../data") && b && !strcmp(b, "step_1") && c && !strcmp(c, "gpt2") && d &&
              strstr(d, "rec/run/../data") && e && !strcmp(e, "run"),
          "paths are recorded relative to the run folder and found from it, else from here", "%s %s %s %s %s",
          a ? a : "-", b ? b : "-", c ? c : "-", d ? d : "-", e ? e : "-");
    free(a), free(b), free(c), free(d), free(e), free(cwd);
    /* an old checkpoint's "data" is not searched for above it */
    mkdir(path_in("rec/run/step_1/x"), 0755);
    char *up = fl_ckpt_find_recorded(path_in("rec/run/step_1/x"), "data");
    check(up && !strcmp(up, "data"), "a relative path is never searched for in folders above", "%s", up ? up : "-");
    free(up);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fl_test_ckpt_XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    test_round_trip();
    test_old_files();
    test_run_dir();
    test_paths();
    test_train_null_err();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) return 1;
    return check_exit();
}
