/* A checkpoint's state.json (fl_run_state_parse, and fl_run_state_read over a
 * folder holding the input): text that is not JSON is refused with a message,
 * parts of the wrong type are ignored. A state that parses keeps issue 14's
 * promise of typed, ranged fields (step and tokens_seen are -1 or a count, eot
 * -1 or an id, at most FL_MAX_FUTURE offsets, terminated strings), and survives
 * the writer: fl_run_state_to_json's text parses back to the same state (strings
 * that are valid UTF-8 byte for byte; others come back with U+FFFD). Its
 * train.* settings are then set as a resume sets them (refusal allowed). */
#include <math.h>

#include "fuzz_util.h"
#include "ckpt/run_state.h"
#include "train/train_config.h"

static int same_double(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

/* Equal strings, where the first is valid UTF-8: the writer (rightly) writes
 * JSON, so invalid bytes come back as U+FFFD and are compared no further. */
static int same_text(const char *a, const char *b) {
    if (!a || !b) return !a == !b;
    return !fuzz_utf8_valid((const unsigned char *)a, strlen(a)) || !strcmp(a, b);
}

static void same_state(const fl_run_state *a, const fl_run_state *b, const char *text) {
    FUZZ_CHECK(a->step == b->step && a->tokens_seen == b->tokens_seen, "step/tokens_seen change: %s", text);
    FUZZ_CHECK(a->has_loader == b->has_loader && (!a->has_loader || !memcmp(&a->loader, &b->loader, sizeof a->loader)),
               "the loader position changes: %s", text);
    FUZZ_CHECK(a->has_rng == b->has_rng && (!a->has_rng || !memcmp(a->rng, b->rng, sizeof a->rng)),
               "the generator state changes: %s", text);
    FUZZ_CHECK(same_text(a->tokenizer, b->tokenizer),
               "the tokenizer path changes: %s", text);
    FUZZ_CHECK(same_text(a->data_dir, b->data_dir),
               "the data folder changes: %s", text);
    FUZZ_CHECK(a->no_manifest == b->no_manifest, "data_manifest changes: %s", text);
    FUZZ_CHECK(same_text(a->tokenizer_sha256, b->tokenizer_sha256) && a->eot == b->eot, "the tokenizer id changes: %s",
               text);
    FUZZ_CHECK(a->n_train == b->n_train, "%d settings became %d: %s", a->n_train, b->n_train, text);
    for (int i = 0; i < a->n_train; i++)
        FUZZ_CHECK(same_text(a->train[i].key, b->train[i].key) && same_text(a->train[i].value, b->train[i].value),
                   "setting %s=%s changes: %s", a->train[i].key, a->train[i].value, text);
    FUZZ_CHECK(a->has_metrics == b->has_metrics, "the metrics appear or vanish: %s", text);
    /* Known and reported: offsets without a finite last_val_loss are read but not
     * written, so only a finite loss's metrics are compared. */
    if (a->has_metrics && isfinite(a->last_val_loss)) {
        FUZZ_CHECK(same_double(a->last_val_loss, b->last_val_loss) && a->n_val_offsets == b->n_val_offsets,
                   "the metrics change: %s", text);
        for (int i = 0; i < a->n_val_offsets; i++)
            FUZZ_CHECK(same_double(a->val_offsets[i], b->val_offsets[i]), "offset loss %d changes: %s", i, text);
    }
}

static void check_ranges(const fl_run_state *s) {
    FUZZ_CHECK(s->step >= -1, "step %ld accepted", s->step);
    FUZZ_CHECK(s->tokens_seen >= -1, "tokens_seen %lld accepted", s->tokens_seen);
    FUZZ_CHECK(s->eot >= -1, "eot %d accepted", s->eot);
    FUZZ_CHECK(s->n_train >= 0 && s->n_val_offsets >= 0 && s->n_val_offsets <= FL_MAX_FUTURE, "counts %d, %d",
               s->n_train, s->n_val_offsets);
    FUZZ_CHECK(memchr(s->tokenizer_sha256, 0, sizeof s->tokenizer_sha256), "the sha256 is not terminated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fl_run_state s, again;
    fl_run_state_init(&s);
    fl_run_state_init(&again);
    fl_error err = {0};
    if (fl_run_state_parse((const char *)data, size, "state.json", &s, &err) != FL_OK) {
        FUZZ_CHECK(err.msg[0], "a refused state without a message");
        fl_run_state_clear(&s);
        return 0;
    }
    check_ranges(&s);
    char *text = fl_run_state_to_json(&s);
    FUZZ_CHECK(text, "the writer failed");
    FUZZ_CHECK(fl_run_state_parse(text, strlen(text), "again", &again, &err) == FL_OK,
               "our own state.json does not parse (%s): %s", err.msg, text);
    same_state(&s, &again, text);
    fl_train_config tc;
    fl_train_config_default(&tc);
    for (int i = 0; i < s.n_train; i++) fl_train_config_set(&tc, s.train[i].key, s.train[i].value, &err);
    fuzz_write("state.json", data, size);
    FUZZ_CHECK(fl_run_state_read(fuzz_dir(), &again, &err) == FL_OK, "read refuses what parse took: %s", err.msg);
    same_state(&s, &again, "(read from a folder)");
    free(text);
    fl_run_state_clear(&s);
    fl_run_state_clear(&again);
    return 0;
}
