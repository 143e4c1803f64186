/* `futurelm eval`'s output of one measurement: the JSON object (the
 * checkpoint, then the result as output.h writes it) or the text lines. */
#include <stdio.h>
#include <string.h>

#include "eval/measures/measure.h"
#include "eval/measures/output.h"
#include "util/json.h"

static const char *const JSON_KEY[] = {"ppl", "offsets", "smoothness", "probe", "countdown", "coherence"};

void fl_measure_write_json(FILE *f, const fl_eval_ckpt *ck, const fl_measure_result *r) {
    const fl_model_config *c = fl_model_get_config(ck->m);
    fprintf(f, "{\"checkpoint\":");
    fl_json_write_string(f, ck->dir, strlen(ck->dir));
    fprintf(f, ",\"model\":\"%s\",\"step\":%ld,\"%s\":", c->type == FL_MODEL_FTP ? "ftp" : "gpt", ck->step,
            JSON_KEY[r->kind]);
    switch (r->kind) {
    case FL_MEASURE_PPL: fl_json_ppl(f, &r->ppl); break;
    case FL_MEASURE_OFFSETS: fl_json_offsets(f, &r->off); break;
    case FL_MEASURE_SMOOTHNESS: fl_json_smooth(f, &r->sm); break;
    case FL_MEASURE_PROBE:
        fputs("{\"dataset\":", f);
        fl_json_write_string(f, r->dataset, strlen(r->dataset));
        fputs(",\"result\":", f);
        fl_json_probe(f, &r->probe);
        fputc('}', f);
        break;
    case FL_MEASURE_COUNTDOWN: fl_json_countdown(f, &r->cd); break;
    case FL_MEASURE_COHERENCE: fl_json_coherence(f, &r->coh); break;
    }
    if (r->has_cover) { /* what the default (or --windows) measured: the share of the split it read */
        const fl_window_cover *v = &r->cover;
        fprintf(f, ",\"validation_windows\":{\"used\":%ld,\"available\":%ld,\"context\":%d,\"tokens_covered\":%llu,"
                   "\"split_tokens\":%llu}", v->n, v->available, v->T, (unsigned long long)v->covered,
                (unsigned long long)v->split_tokens);
    }
    fprintf(f, "}\n");
}

/* One line under a window measure's result, so a number from part of the split says so. */
static void text_cover(FILE *f, const fl_window_cover *v) {
    fprintf(f, "  validation windows: %ld of %ld (the first %llu of the split's %llu tokens%s)\n", v->n, v->available,
            (unsigned long long)v->covered, (unsigned long long)v->split_tokens,
            v->n < v->available ? "; --windows 0 reads them all" : "");
}

static void text_offsets(FILE *f, const char *dir, const fl_offsets_result *r) {
    fprintf(f, "%s (%s): cross-entropy at offset k over %d windows of %d\n", dir,
            r->type == FL_MODEL_FTP ? "FTP decoder step k-1" : "GPT next-token loss at position t+k-1", r->windows,
            r->T);
    for (int k = 0; k < r->N; k++) fprintf(f, "  k=%-2d %.4f\n", k + 1, r->ce[k]);
    if (r->has_bow)
        fprintf(f,
                "future bag-of-words probe (next %d tokens from h_t; %d train / %d test rows):\n"
                "  recall@%d %.4f (unigram baseline %.4f), log-likelihood %.4f (baseline %.4f)\n",
                r->N, r->bow.n_train, r->bow.n_test, r->N, r->bow.recall, r->bow.base_recall, r->bow.loglik,
                r->bow.base_loglik);
}

static void text_smooth(FILE *f, const char *dir, const fl_smooth_result *r) {
    fprintf(f,
            "%s: cos(h_t, h_t+1) within %d windows of %d; centred: each level's mean vector over all positions "
            "subtracted first\n",
            dir, r->windows, r->T);
    for (int l = r->levels - 1; l >= 0; l--) {
        char name[32];
        if (l == r->levels - 1) snprintf(name, sizeof name, "top (ln_f)");
        else snprintf(name, sizeof name, "block %d", l + 1);
        fprintf(f, "  %-11s mean %.4f  std %.4f   centred mean %.4f  std %.4f   mean-vector share %.4f\n", name,
                fl_cos_stats_mean(&r->stats[l]), fl_cos_stats_std(&r->stats[l]), fl_cos_stats_mean(&r->centred[l]),
                fl_cos_stats_std(&r->centred[l]), r->mean_share[l]);
    }
    const fl_cos_stats *top[2] = {&r->stats[r->levels - 1], &r->centred[r->levels - 1]};
    for (int k = 0; k < 2; k++) {
        fprintf(f, "histogram of the top level%s (%d bins over [-1, 1]): ", k ? ", centred" : "", FL_SMOOTH_BINS);
        for (int i = 0; i < top[k]->n_bins; i++)
            fprintf(f, "%llu%s", (unsigned long long)top[k]->counts[i], i + 1 < top[k]->n_bins ? " " : "\n");
    }
}

static void text_probe(FILE *f, const char *dir, const char *dataset, const fl_probe_eval_result *r) {
    fprintf(f, "%s: topic probe on %s (%d classes; chunks of %d tokens: train %d, val %d, test %d)\n", dir, dataset,
            r->n_classes, r->chunk_len, r->counts[0], r->counts[1], r->counts[2]);
    const char *name[2] = {"mean pool", "last position"};
    const fl_probe_result *p[2] = {&r->mean, &r->last};
    for (int i = 0; i < 2; i++)
        fprintf(f, "  %-13s test accuracy %.4f  95%% CI [%.4f, %.4f]  lambda %g\n", name[i], p[i]->test_accuracy,
                p[i]->ci_lo, p[i]->ci_hi, p[i]->lambda);
    fprintf(f, "  %-13s test accuracy %.4f  95%% CI [%.4f, %.4f]  lambda %g\n", "bag of words", r->bow_acc, r->bow_lo,
            r->bow_hi, r->bow_lambda);
    fprintf(f, "  chance (most frequent train class) %.4f\n", r->mean.chance);
}

static void text_countdown(FILE *f, const char *dir, const fl_countdown_result *r) {
    fprintf(f, "%s: countdown pass@1 %.4f (%ld of %ld specs), 95%% CI [%.4f, %.4f]\n", dir, r->pass_rate, r->passed,
            r->n, r->ci_lo, r->ci_hi);
    fprintf(f, "  verdicts:");
    for (int v = 0; v < FL_CD_N_VERDICTS; v++) fprintf(f, " %s %ld", fl_cd_verdict_name((fl_cd_verdict)v), r->verdicts[v]);
    fprintf(f, "\n");
    if (r->example_fail[0]) fprintf(f, "  first failure: %s\n", r->example_fail);
}

static void text_coherence(FILE *f, const char *dir, const fl_coherence_result *r, int has_clf) {
    fprintf(f, "%s: %d prompts of %d tokens (%d windows dropped at a document boundary), continuations of %d\n", dir,
            r->prompts, r->prompt_len, r->dropped, r->cont_len);
    if (r->excluded)
        fprintf(f, "  %d prompts left out: their continuation ended before 2 tokens (no drift to measure)\n",
                r->excluded);
    const fl_coherence_row *rows[2] = {&r->model, &r->human};
    for (int i = 0; i < 2; i++) {
        fprintf(f, "  %-6s tf-idf cos(prompt, continuation) %.4f  drift %.4f  topic agreement ", i ? "human" : "model",
                rows[i]->tfidf_cos, rows[i]->drift);
        if (has_clf) fprintf(f, "%.4f\n", rows[i]->agreement);
        else fprintf(f, "(no classifier)\n");
    }
}

void fl_measure_write_text(FILE *f, const fl_eval_ckpt *ck, const fl_measure_result *r) {
    switch (r->kind) {
    case FL_MEASURE_PPL:
        fprintf(f, "%s: next-token loss %.4f, perplexity %.2f (%d windows of %d, %ld positions)\n", ck->dir, r->ppl.loss,
                r->ppl.ppl, r->ppl.windows, r->ppl.T, r->ppl.positions);
        break;
    case FL_MEASURE_OFFSETS: text_offsets(f, ck->dir, &r->off); break;
    case FL_MEASURE_SMOOTHNESS: text_smooth(f, ck->dir, &r->sm); break;
    case FL_MEASURE_PROBE: text_probe(f, ck->dir, r->dataset, &r->probe); break;
    case FL_MEASURE_COUNTDOWN: text_countdown(f, ck->dir, &r->cd); break;
    case FL_MEASURE_COHERENCE: text_coherence(f, ck->dir, &r->coh, r->has_clf); break;
    }
    if (r->has_cover) text_cover(f, &r->cover);
}
