/* Results as JSON: one writer per result, shared by `futurelm eval --json` and
 * the JSON file of `futurelm compare`, so both carry the same numbers. */
#include <math.h>
#include <string.h>

#include "eval/measures/output.h"
#include "util/json.h"

void fl_json_num(FILE *f, double x) {
    if (isfinite(x)) fprintf(f, "%.9g", x);
    else fputs("null", f); /* JSON has no NaN */
}

static void key(FILE *f, int *first, const char *k) {
    fprintf(f, "%s\"%s\":", *first ? "" : ",", k);
    *first = 0;
}
static void knum(FILE *f, int *first, const char *k, double x) {
    key(f, first, k);
    fl_json_num(f, x);
}
static void kstr(FILE *f, int *first, const char *k, const char *s) {
    key(f, first, k);
    fl_json_write_string(f, s, strlen(s));
}

void fl_json_ppl(FILE *f, const fl_ppl_result *r) {
    int a = 1;
    fputc('{', f);
    knum(f, &a, "next_token_loss", r->loss);
    knum(f, &a, "perplexity", r->ppl);
    knum(f, &a, "windows", r->windows);
    knum(f, &a, "context", r->T);
    knum(f, &a, "positions", (double)r->positions);
    fputc('}', f);
}

void fl_json_offsets(FILE *f, const fl_offsets_result *r) {
    int a = 1;
    fputc('{', f);
    kstr(f, &a, "model", r->type == FL_MODEL_FTP ? "ftp" : "gpt");
    knum(f, &a, "n_future", r->N);
    knum(f, &a, "windows", r->windows);
    knum(f, &a, "context", r->T);
    key(f, &a, "offset_ce");
    fputc('[', f);
    for (int k = 0; k < r->N; k++) fputs(k ? "," : "", f), fl_json_num(f, r->ce[k]);
    fputc(']', f);
    if (r->has_bow) {
        key(f, &a, "bow_probe");
        int b = 1;
        fputc('{', f);
        knum(f, &b, "recall_at_n", r->bow.recall);
        knum(f, &b, "loglik", r->bow.loglik);
        knum(f, &b, "baseline_recall_at_n", r->bow.base_recall);
        knum(f, &b, "baseline_loglik", r->bow.base_loglik);
        knum(f, &b, "train_loss", r->bow.train_loss);
        knum(f, &b, "train_rows", r->bow.n_train);
        knum(f, &b, "test_rows", r->bow.n_test);
        fputc('}', f);
    }
    fputc('}', f);
}

/* "mean", "std", "hist_lo", "hist_counts" and "trace" of one level's cosines (raw or centred). */
static void cos_summary(FILE *f, int *first, const fl_cos_stats *s, const float *trace, int n_trace) {
    knum(f, first, "mean", fl_cos_stats_mean(s));
    knum(f, first, "std", fl_cos_stats_std(s));
    key(f, first, "hist_lo");
    fputc('[', f);
    for (int i = 0; i < s->n_bins; i++) fputs(i ? "," : "", f), fl_json_num(f, fl_cos_bin_lo(s, i));
    fputc(']', f);
    key(f, first, "hist_counts");
    fputc('[', f);
    for (int i = 0; i < s->n_bins; i++) fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)s->counts[i]);
    fputc(']', f);
    key(f, first, "trace");
    fputc('[', f);
    for (int t = 0; t < n_trace; t++) fputs(t ? "," : "", f), fl_json_num(f, trace[t]);
    fputc(']', f);
}

void fl_json_smooth(FILE *f, const fl_smooth_result *r) {
    int a = 1;
    fputc('{', f);
    knum(f, &a, "windows", r->windows);
    knum(f, &a, "context", r->T);
    knum(f, &a, "trace_window", r->trace_window);
    key(f, &a, "levels");
    fputc('[', f);
    for (int l = 0; l < r->levels; l++) {
        const fl_cos_stats *s = &r->stats[l];
        const size_t at = (size_t)l * (r->T - 1); /* the level's row of both traces */
        int b = 1;
        fprintf(f, "%s{", l ? "," : "");
        char name[32];
        fl_smooth_level_name(name, sizeof name, l, r->levels);
        kstr(f, &b, "level", name);
        knum(f, &b, "pairs", (double)s->n);
        cos_summary(f, &b, s, r->trace + at, r->T - 1);
        /* the same pairs with the level's mean vector subtracted (docs/evaluation.md) */
        key(f, &b, "centred");
        int c = 1;
        fputc('{', f);
        cos_summary(f, &c, &r->centred[l], r->centred_trace + at, r->T - 1);
        knum(f, &c, "mean_vector_share", r->mean_share[l]);
        fputs("}}", f);
    }
    fputs("]}", f);
}

static void probe_row(FILE *f, const fl_probe_result *p) {
    int a = 1;
    fputc('{', f);
    knum(f, &a, "test_accuracy", p->test_accuracy);
    knum(f, &a, "ci_lo", p->ci_lo);
    knum(f, &a, "ci_hi", p->ci_hi);
    knum(f, &a, "lambda", p->lambda);
    knum(f, &a, "train_accuracy", p->train_accuracy);
    knum(f, &a, "val_accuracy", p->val_accuracy);
    knum(f, &a, "test_loglik", p->test_loglik);
    knum(f, &a, "chance", p->chance);
    fputc('}', f);
}

void fl_json_probe(FILE *f, const fl_probe_eval_result *r) {
    int a = 1;
    fputc('{', f);
    knum(f, &a, "classes", r->n_classes);
    knum(f, &a, "chunk_len", r->chunk_len);
    key(f, &a, "class_names");
    fputc('[', f);
    for (int k = 0; k < r->n_classes; k++)
        fputs(k ? "," : "", f), fl_json_write_string(f, r->classes[k], strlen(r->classes[k]));
    fputc(']', f);
    fprintf(f, ",\"chunks\":{\"train\":%d,\"val\":%d,\"test\":%d}", r->counts[0], r->counts[1], r->counts[2]);
    fputs(",\"mean_pool\":", f);
    probe_row(f, &r->mean);
    fputs(",\"last_pool\":", f);
    probe_row(f, &r->last);
    fputs(",\"bag_of_words\":{", f);
    int b = 1;
    knum(f, &b, "test_accuracy", r->bow_acc);
    knum(f, &b, "ci_lo", r->bow_lo);
    knum(f, &b, "ci_hi", r->bow_hi);
    knum(f, &b, "lambda", r->bow_lambda);
    fputs("}}", f);
}

void fl_json_countdown(FILE *f, const fl_countdown_result *r) {
    int a = 1;
    fputc('{', f);
    knum(f, &a, "specs", (double)r->n);
    knum(f, &a, "passed", (double)r->passed);
    knum(f, &a, "pass_at_1", r->pass_rate);
    knum(f, &a, "ci_lo", r->ci_lo);
    knum(f, &a, "ci_hi", r->ci_hi);
    key(f, &a, "verdicts");
    fputc('{', f);
    for (int v = 0; v < FL_CD_N_VERDICTS; v++)
        fprintf(f, "%s\"%s\":%ld", v ? "," : "", fl_cd_verdict_name((fl_cd_verdict)v), r->verdicts[v]);
    fputc('}', f);
    kstr(f, &a, "first_failure", r->example_fail);
    fputc('}', f);
}

static void coh_row(FILE *f, const fl_coherence_row *r) {
    int a = 1;
    fputc('{', f);
    knum(f, &a, "tfidf_cosine", r->tfidf_cos);
    knum(f, &a, "tfidf_cosine_sd", r->tfidf_sd);
    knum(f, &a, "drift", r->drift);
    knum(f, &a, "drift_sd", r->drift_sd);
    knum(f, &a, "topic_agreement", r->agreement);
    fputc('}', f);
}

void fl_json_coherence(FILE *f, const fl_coherence_result *r) {
    int a = 1;
    fputc('{', f);
    knum(f, &a, "prompts", r->prompts);
    knum(f, &a, "dropped_windows", r->dropped);
    knum(f, &a, "excluded_short_continuations", r->excluded);
    knum(f, &a, "prompt_tokens", r->prompt_len);
    knum(f, &a, "continuation_tokens", r->cont_len);
    fputs(",\"model\":", f);
    coh_row(f, &r->model);
    fputs(",\"human\":", f);
    coh_row(f, &r->human);
    kstr(f, &a, "sample_prompt", r->sample_prompt);
    kstr(f, &a, "sample_model", r->sample_model);
    kstr(f, &a, "sample_human", r->sample_human);
    fputc('}', f);
}
