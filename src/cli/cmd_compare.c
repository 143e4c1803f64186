/* futurelm compare GPT_RUN FTP_RUN --report report.html: the paper's four claims
 * side by side at matched next-token loss. Picks each run's checkpoint closest
 * to a shared validation loss, runs every evaluation on identical windows, and
 * writes a self-contained HTML page (inline SVG) plus a JSON file with every
 * number. Both are written to temporary names and renamed at the end, so an
 * error never leaves a partial report under the final name. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "eval/run.h"
#include "train/checkpoint.h"
#include "util/json.h"

static const char USAGE[] =
    "usage: futurelm compare GPT_RUN FTP_RUN --report REPORT.html [--json FILE] [--target-loss L]\n"
    "                        [--data DIR] [--windows K] [--datasets LIST] [--data-root DIR] [--prompts K]\n"
    "                        [--bow-rows R] [--countdown-gpt RUN --countdown-ftp RUN [--specs FILE]\n"
    "                        [--countdown-target-loss L]]\n"
    "\n"
    "Compares a GPT and an FTP run at matched next-token validation loss (DESIGN.md 4): for each run the\n"
    "checkpoint (RUN/step_*) whose logged val_next_token_loss is closest to the target, then ppl, per-offset\n"
    "loss and the future bag-of-words probe, smoothness, topic probes, coherence and (with countdown runs)\n"
    "countdown pass@1. Writes REPORT.html (self-contained, inline SVG charts) and a JSON file with every number.\n"
    "\n"
    "  --report FILE      the HTML page to write (required)\n"
    "  --json FILE        the JSON file (default: REPORT.html with .json)\n"
    "  --target-loss L    shared target (default: the larger of the two runs' best checkpoint losses)\n"
    "  --data DIR         data folder (default: the GPT checkpoint's state.json data_dir)\n"
    "  --windows K        validation windows (default 64)\n"
    "  --datasets LIST    comma-separated topic probes (default brown,brown-coarse,spam-assassin; the\n"
    "                     default skips sets not fetched; 'none' skips the probes)\n"
    "  --data-root DIR    folder holding brown/ and spam-assassin/ (default data)\n"
    "  --prompts K        coherence prompts (default 32)\n"
    "  --bow-rows R       future bag-of-words probe rows from each split (default 20000)\n"
    "  --countdown-gpt RUN, --countdown-ftp RUN   countdown models, compared at matched loss too: each run's\n"
    "                     checkpoint closest to a shared countdown target\n"
    "  --countdown-target-loss L   that target (default: the larger of the two runs' best checkpoint losses)\n"
    "  --specs FILE       countdown held-out specs (default: the countdown data folder's test_specs.txt)\n";

#define MAX_SETS 3
typedef struct {
    const char *run, *label, *color;
    const char *run_cd; /* the countdown run, when compared */
    fl_run_metrics mt;
    fl_ckpt_pick pick;
    fl_eval_ckpt ck;
    fl_ppl_result ppl;
    fl_offsets_result off;
    fl_smooth_result sm;
    fl_probe_eval_result probe[MAX_SETS];
    fl_coherence_result coh;
    int has_cd;
    fl_run_metrics cd_mt;
    double cd_target;     /* the countdown runs' shared target loss */
    fl_ckpt_pick cd_pick; /* the countdown run's checkpoint closest to it */
    fl_countdown_result cd;
} side;

typedef struct {
    const char *gpt, *ftp, *report, *json, *data, *datasets, *root, *cd_gpt, *cd_ftp, *specs;
    double target, cd_target;
    int has_target, has_cd_target;
    long windows, prompts, bow_rows;
} cmp_args;

/* A target loss: a positive, finite number. */
static int parse_target(const char *o, const char *v, double *out, int *has) {
    double x;
    if (cli_parse_double(o, v, -HUGE_VAL, HUGE_VAL, &x)) return 1;
    if (!(x > 0)) return cli_error("%s '%s': need a positive number", o, v);
    *out = x, *has = 1;
    return 0;
}

static int parse_num(const char *o, const char *v, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) return cli_error("%s '%s': need an integer in %ld..%ld", o, v, lo, hi);
    *out = x;
    return 0;
}

static int parse(int argc, char **argv, cmp_args *a) {
    memset(a, 0, sizeof *a);
    a->windows = 64, a->prompts = 32, a->bow_rows = 20000, a->root = "data";
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (o[0] != '-') {
            if (!a->gpt) a->gpt = o;
            else if (!a->ftp) a->ftp = o;
            else return cli_error("three runs given; usage: futurelm compare GPT_RUN FTP_RUN --report FILE");
            continue;
        }
        if (!v) return cli_error("%s needs a value (see futurelm compare --help)", o);
        i++;
        if (!strcmp(o, "--report")) a->report = v;
        else if (!strcmp(o, "--json")) a->json = v;
        else if (!strcmp(o, "--data")) a->data = v;
        else if (!strcmp(o, "--datasets")) a->datasets = v;
        else if (!strcmp(o, "--data-root")) a->root = v;
        else if (!strcmp(o, "--countdown-gpt")) a->cd_gpt = v;
        else if (!strcmp(o, "--countdown-ftp")) a->cd_ftp = v;
        else if (!strcmp(o, "--specs")) a->specs = v;
        else if (!strcmp(o, "--windows")) { if (parse_num(o, v, 1, 1L << 30, &a->windows)) return 1; }
        else if (!strcmp(o, "--prompts")) { if (parse_num(o, v, 1, 1L << 20, &a->prompts)) return 1; }
        else if (!strcmp(o, "--bow-rows")) { if (parse_num(o, v, 0, 1L << 30, &a->bow_rows)) return 1; }
        else if (!strcmp(o, "--target-loss")) { if (parse_target(o, v, &a->target, &a->has_target)) return 1; }
        else if (!strcmp(o, "--countdown-target-loss")) {
            if (parse_target(o, v, &a->cd_target, &a->has_cd_target)) return 1;
        } else return cli_error("unknown option %s (see futurelm compare --help)", o);
    }
    if (!a->gpt || !a->ftp || !a->report)
        return cli_error("compare needs GPT_RUN, FTP_RUN and --report FILE; see futurelm compare --help");
    if (!a->cd_gpt != !a->cd_ftp) return cli_error("give both --countdown-gpt and --countdown-ftp, or neither");
    return 0;
}

/* ---------------------------------------------------------------- evaluations */

static int fail(fl_error *err) { return cli_error("%s", err->msg); }

static int evaluate(side *s, const fl_windows *val, const fl_windows *train, const fl_tokenizer *tok,
                    const fl_idf *idf, const fl_topic_clf *clf, const cmp_args *a, char sets[][32], int n_sets) {
    fl_error err = {0};
    fprintf(stderr, "compare: %s (%s, val loss %.4f): ppl, offsets", s->label, s->pick.dir, s->pick.val_loss);
    if (fl_eval_ppl(s->ck.m, val, 8, &s->ppl, &err)) return fail(&err);
    fl_offsets_opts oo;
    fl_offsets_opts_default(&oo);
    oo.bow_rows = (int)a->bow_rows;
    if (fl_eval_offsets(s->ck.m, val, train, &oo, &s->off, &err)) return fail(&err);
    fprintf(stderr, ", smoothness");
    if (fl_eval_smoothness(s->ck.m, val, 8, 0, &s->sm, &err)) return fail(&err);
    for (int i = 0; i < n_sets; i++) {
        fprintf(stderr, ", probe %s", sets[i]);
        fl_probe_eval_opts po;
        fl_probe_eval_opts_default(&po);
        po.dataset = sets[i];
        po.data_root = a->root;
        if (fl_eval_probe(s->ck.m, tok, &po, &s->probe[i], &err))
            return cli_error("topic probe on %s: %s", sets[i], err.msg);
    }
    fprintf(stderr, ", coherence\n");
    fl_coherence_opts co;
    fl_coherence_opts_default(&co);
    co.max_prompts = (int)a->prompts;
    if (fl_eval_coherence(s->ck.m, val, fl_tokenizer_eot(tok), idf, clf, tok, &co, &s->coh, &err)) return fail(&err);
    return 0;
}

/* Countdown pass@1 of one side's checkpoint at the countdown target (s->cd_pick). */
static int countdown(side *s, const char *specs_path) {
    fl_eval_ckpt ck;
    fl_error err = {0};
    if (fl_eval_ckpt_open(s->cd_pick.dir, &ck, &err)) return fail(&err);
    char path[FL_EVAL_PATH + 32];
    if (specs_path) snprintf(path, sizeof path, "%s", specs_path);
    else snprintf(path, sizeof path, "%s/test_specs.txt", ck.data_dir);
    fl_cd_example *specs = NULL;
    long n = 0;
    int rc = 0;
    fl_countdown_opts o;
    fl_countdown_opts_default(&o);
    fprintf(stderr, "compare: countdown %s (val loss %.4f)\n", ck.dir, s->cd_pick.val_loss);
    if (fl_cd_read_specs(path, &specs, &n, &err) || fl_eval_countdown(ck.m, specs, n, &o, &s->cd, &err)) rc = fail(&err);
    s->has_cd = !rc;
    free(specs);
    fl_eval_ckpt_close(&ck);
    return rc;
}

/* ---------------------------------------------------------------- JSON */

static void json_side(FILE *f, const side *s, char sets[][32], int n_sets) {
    fprintf(f, "{\"run\":");
    fl_json_write_string(f, s->run, strlen(s->run));
    fprintf(f, ",\"checkpoint\":");
    fl_json_write_string(f, s->pick.dir, strlen(s->pick.dir));
    fprintf(f, ",\"step\":%ld,\"val_next_token_loss\":", s->pick.step);
    fl_json_num(f, s->pick.val_loss);
    fprintf(f, ",\"ppl\":");
    fl_json_ppl(f, &s->ppl);
    fprintf(f, ",\"offsets\":");
    fl_json_offsets(f, &s->off);
    fprintf(f, ",\"smoothness\":");
    fl_json_smooth(f, &s->sm);
    fprintf(f, ",\"probes\":{");
    for (int i = 0; i < n_sets; i++) {
        fprintf(f, "%s\"%s\":", i ? "," : "", sets[i]);
        fl_json_probe(f, &s->probe[i]);
    }
    fprintf(f, "},\"coherence\":");
    fl_json_coherence(f, &s->coh);
    if (s->has_cd) {
        fprintf(f, ",\"countdown\":{\"checkpoint\":");
        fl_json_write_string(f, s->cd_pick.dir, strlen(s->cd_pick.dir));
        fprintf(f, ",\"step\":%ld,\"val_next_token_loss\":", s->cd_pick.step);
        fl_json_num(f, s->cd_pick.val_loss);
        fprintf(f, ",\"target_loss\":");
        fl_json_num(f, s->cd_target);
        fprintf(f, ",\"result\":");
        fl_json_countdown(f, &s->cd);
        fputc('}', f);
    }
    fputc('}', f);
}

static void write_json(FILE *f, const side *g, const side *p, double target, char sets[][32], int n_sets) {
    fprintf(f, "{\"format\":\"futurelm-compare\",\"target_loss\":");
    fl_json_num(f, target);
    fprintf(f, ",\"gpt\":");
    json_side(f, g, sets, n_sets);
    fprintf(f, ",\"ftp\":");
    json_side(f, p, sets, n_sets);
    fprintf(f, "}\n");
}

/* ---------------------------------------------------------------- HTML */

static void curves(FILE *f, const side *s, int n, int val) {
    fl_svg_series sr[2];
    double *xs[2] = {0}, *ys[2] = {0};
    for (int i = 0; i < n; i++) {
        const fl_curve *c = val ? &s[i].mt.val : &s[i].mt.train;
        xs[i] = malloc((size_t)(c->n + 1) * sizeof(double));
        ys[i] = c->value;
        for (int k = 0; k < c->n && xs[i]; k++) xs[i][k] = (double)c->step[k];
        sr[i] = (fl_svg_series){s[i].label, s[i].color, xs[i], ys[i], xs[i] ? c->n : 0};
    }
    fl_svg_lines(f, val ? "Validation next-token loss" : "Training next-token loss", "step", "cross-entropy (nats)", sr,
                 n);
    for (int i = 0; i < n; i++) free(xs[i]);
}

/* Smoothness is drawn twice, raw and centred (docs/evaluation.md): the same three
 * charts of each, from these two accessors. */
static const fl_cos_stats *smooth_stats(const fl_smooth_result *r, int level, int centred) {
    return centred ? &r->centred[level] : &r->stats[level];
}
static const float *smooth_trace(const fl_smooth_result *r, int level, int centred) {
    return (centred ? r->centred_trace : r->trace) + (size_t)level * (r->T - 1);
}

/* The name of the k-th level from the top, as the charts and the table align
 * the two models (which may differ in depth): "top", "block L", "block L-1", ...
 * It is level levels - 1 - k of a model's fl_smooth_result. */
static void level_name(char *out, size_t n, int k) {
    if (k == 0) snprintf(out, n, "top");
    else if (k == 1) snprintf(out, n, "block L");
    else snprintf(out, n, "block L-%d", k - 1);
}

/* Mean by level, top-level histogram and the first window's top-level trace. */
static void smooth_charts(FILE *f, const side *g, const side *p, int centred) {
    const char *what = centred ? "centred " : "";
    char title[160];
    fputs(centred ? "<h3>Centred: cos(h<sub>t</sub> &minus; &mu;, h<sub>t+1</sub> &minus; &mu;)</h3>"
                  : "<h3>Raw: cos(h<sub>t</sub>, h<sub>t+1</sub>)</h3>",
          f);
    fputs("<div class=\"charts\">\n", f);
    int lv = g->sm.levels > p->sm.levels ? g->sm.levels : p->sm.levels;
    double *gm = calloc((size_t)lv, sizeof(double)), *pm = calloc((size_t)lv, sizeof(double));
    char(*names)[24] = calloc((size_t)lv, sizeof *names);
    const char **gn = calloc((size_t)lv, sizeof *gn);
    if (gm && pm && names && gn) {
        for (int k = 0; k < lv; k++) {
            int li = g->sm.levels - 1 - k, lj = p->sm.levels - 1 - k;
            gm[k] = li >= 0 ? fl_cos_stats_mean(smooth_stats(&g->sm, li, centred)) : NAN;
            pm[k] = lj >= 0 ? fl_cos_stats_mean(smooth_stats(&p->sm, lj, centred)) : NAN;
            level_name(names[k], sizeof names[k], k);
            gn[k] = names[k];
        }
        fl_svg_series sr[2] = {{"GPT", g->color, NULL, gm, lv}, {"FTP", p->color, NULL, pm, lv}};
        snprintf(title, sizeof title, "Mean %sadjacent cosine by level (top = after ln_f)", what);
        fl_svg_bars(f, title, centred ? "mean centred cosine" : "mean cosine", gn, lv, sr, 2, NULL, NULL, 0, 0);
    }
    free(gm), free(pm), free(names), free(gn);
    const fl_cos_stats *a = smooth_stats(&g->sm, g->sm.levels - 1, centred),
                       *b = smooth_stats(&p->sm, p->sm.levels - 1, centred);
    double x[FL_COS_MAX_BINS], ya[FL_COS_MAX_BINS], yb[FL_COS_MAX_BINS];
    for (int i = 0; i < a->n_bins; i++) {
        x[i] = fl_cos_bin_lo(a, i) + 1.0 / a->n_bins;
        ya[i] = a->n ? (double)a->counts[i] / a->n : 0;
        yb[i] = b->n ? (double)b->counts[i] / b->n : 0;
    }
    fl_svg_series hs[2] = {{"GPT", g->color, x, ya, a->n_bins}, {"FTP", p->color, x, yb, b->n_bins}};
    snprintf(title, sizeof title, "Histogram of top-level %sadjacent cosines", what);
    fl_svg_lines(f, title, "cosine (bin centre)", "share of pairs", hs, 2);
    int Tm = g->sm.T - 1;
    double *ta = malloc((size_t)Tm * sizeof(double)), *tb = malloc((size_t)Tm * sizeof(double));
    if (ta && tb) {
        const float *tg = smooth_trace(&g->sm, g->sm.levels - 1, centred), *tp = smooth_trace(&p->sm, p->sm.levels - 1, centred);
        for (int t = 0; t < Tm; t++) ta[t] = tg[t], tb[t] = tp[t];
        fl_svg_series ts[2] = {{"GPT", g->color, NULL, ta, Tm}, {"FTP", p->color, NULL, tb, Tm}};
        snprintf(title, sizeof title, "Trace along the first window (top level%s)", centred ? ", centred" : "");
        fl_svg_lines(f, title, "position t", centred ? "cos(h_t - mu, h_t+1 - mu)" : "cos(h_t, h_t+1)", ts, 2);
    }
    free(ta), free(tb);
    fputs("</div>\n", f);
}

/* Every level's raw and centred mean cosine and mean-vector share, both models. */
static void smooth_table(FILE *f, const side *s) {
    fputs("<table><tr><th>level</th>", f);
    for (int i = 0; i < 2; i++)
        fprintf(f, "<th>%s raw</th><th>%s centred</th><th>%s mean-vector share</th>", s[i].label, s[i].label,
                s[i].label);
    fputs("</tr>\n", f);
    int lv = s[0].sm.levels > s[1].sm.levels ? s[0].sm.levels : s[1].sm.levels;
    for (int k = 0; k < lv; k++) {
        char name[24];
        level_name(name, sizeof name, k);
        fprintf(f, "<tr><td>%s</td>", name);
        for (int i = 0; i < 2; i++) {
            int l = s[i].sm.levels - 1 - k;
            if (l < 0) fputs("<td></td><td></td><td></td>", f);
            else
                fprintf(f, "<td>%.4f</td><td>%.4f</td><td>%.4f</td>", fl_cos_stats_mean(&s[i].sm.stats[l]),
                        fl_cos_stats_mean(&s[i].sm.centred[l]), s[i].sm.mean_share[l]);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void html(FILE *f, side *s, double target, char sets[][32], int n_sets, const char *json_name) {
    const side *g = &s[0], *p = &s[1];
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>futurelm compare: GPT vs FTP</title>\n"
          "<style>body{font-family:sans-serif;max-width:1180px;margin:1em auto;color:#222}"
          "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
          "th{background:#eee}td:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:8px}"
          "pre{white-space:pre-wrap;background:#f6f6f6;padding:6px;max-width:1100px}</style></head><body>\n",
          f);
    fputs("<h1>GPT vs FTP at matched next-token loss</h1>\n<p>Target validation next-token loss ", f);
    fprintf(f, "<b>%.4f</b>. Every metric below is measured on the checkpoint of each run closest to it; numbers are "
               "in <code>",
            target);
    fl_html_text(f, json_name);
    fputs("</code>. Definitions: docs/evaluation.md.</p>\n<table><tr><th>model</th><th>run</th><th>checkpoint</th>"
          "<th>step</th><th>val loss (logged)</th><th>val loss (eval windows)</th><th>perplexity</th></tr>\n",
          f);
    for (int i = 0; i < 2; i++) {
        fprintf(f, "<tr><td>%s</td><td>", s[i].label);
        fl_html_text(f, s[i].run);
        fputs("</td><td>", f);
        fl_html_text(f, s[i].pick.dir);
        fprintf(f, "</td><td>%ld</td><td>%.4f</td><td>%.4f</td><td>%.2f</td></tr>\n", s[i].pick.step,
                s[i].pick.val_loss, s[i].ppl.loss, s[i].ppl.ppl);
    }
    fprintf(f, "</table><p>%d validation windows of %d tokens (+%d future tokens), identical for both models.</p>\n",
            g->ppl.windows, g->ppl.T, g->off.N);

    fputs("<h2>Training curves</h2><div class=\"charts\">\n", f);
    curves(f, s, 2, 0);
    curves(f, s, 2, 1);
    fputs("</div>\n", f);

    /* 4.1 */
    fputs("<h2>1. Future-token prediction</h2><div class=\"charts\">\n", f);
    {
        fl_svg_series sr[2] = {{"GPT", g->color, NULL, g->off.ce, g->off.N},
                               {"FTP", p->color, NULL, p->off.ce, p->off.N}};
        fl_svg_lines(f, "CE at offset k (GPT: position t+k-1; FTP: decoder step k-1)", "offset k", "cross-entropy (nats)", sr, 2);
    }
    fputs("</div>\n<table><tr><th>future bag-of-words probe</th><th>recall@N</th><th>log-likelihood</th>"
          "<th>unigram recall@N</th><th>unigram log-likelihood</th></tr>\n",
          f);
    for (int i = 0; i < 2; i++)
        if (s[i].off.has_bow)
            fprintf(f, "<tr><td>%s (val loss %.4f)</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>\n",
                    s[i].label, s[i].pick.val_loss, s[i].off.bow.recall, s[i].off.bow.loglik, s[i].off.bow.base_recall,
                    s[i].off.bow.base_loglik);
    fputs("</table>\n", f);

    /* 4.2 */
    fputs("<h2>2. Smoothness: cos(h<sub>t</sub>, h<sub>t+1</sub>)</h2>\n<p><b>Raw</b>: cos(h<sub>t</sub>, "
          "h<sub>t+1</sub>). <b>Centred</b>: cos(h<sub>t</sub> &minus; &mu;, h<sub>t+1</sub> &minus; &mu;), &mu; the "
          "level's mean vector over every position of the evaluated windows, so an offset every vector shares "
          "cancels. <b>Mean-vector share</b>: |&mu;|<sup>2</sup> / mean |h|<sup>2</sup>; near 1, the raw cosine "
          "mostly measures &mu;.</p>\n",
          f);
    smooth_charts(f, g, p, 0);
    smooth_charts(f, g, p, 1);
    smooth_table(f, s);

    /* 4.3 */
    fputs("<h2>3. Topic probes (frozen vectors, 95% bootstrap intervals)</h2>\n", f);
    if (n_sets == 0) fputs("<p>No labelled dataset was available (scripts/get-data.sh brown spam-assassin).</p>\n", f);
    else {
        double y[5][MAX_SETS], lo[5][MAX_SETS], hi[5][MAX_SETS];
        const char *gn[MAX_SETS];
        for (int d = 0; d < n_sets; d++) {
            gn[d] = sets[d];
            const fl_probe_result *r[4] = {&g->probe[d].mean, &g->probe[d].last, &p->probe[d].mean, &p->probe[d].last};
            for (int k = 0; k < 4; k++) y[k][d] = r[k]->test_accuracy, lo[k][d] = r[k]->ci_lo, hi[k][d] = r[k]->ci_hi;
            y[4][d] = g->probe[d].bow_acc, lo[4][d] = g->probe[d].bow_lo, hi[4][d] = g->probe[d].bow_hi;
        }
        fl_svg_series sr[5] = {{"GPT mean", g->color, NULL, y[0], n_sets},
                               {"GPT last", "#9ecae1", NULL, y[1], n_sets},
                               {"FTP mean", p->color, NULL, y[2], n_sets},
                               {"FTP last", "#fdae6b", NULL, y[3], n_sets},
                               {"bag of words", "#999", NULL, y[4], n_sets}};
        const double *los[5] = {lo[0], lo[1], lo[2], lo[3], lo[4]}, *his[5] = {hi[0], hi[1], hi[2], hi[3], hi[4]};
        fputs("<div class=\"charts\">", f);
        fl_svg_bars(f, "Test accuracy", "accuracy", gn, n_sets, sr, 5, los, his, 0, 1);
        fputs("</div><table><tr><th>dataset</th><th>classes</th><th>chunks train/val/test</th><th>GPT mean</th>"
              "<th>GPT last</th><th>FTP mean</th><th>FTP last</th><th>bag of words</th><th>chance</th></tr>\n",
              f);
        for (int d = 0; d < n_sets; d++) {
            fprintf(f, "<tr><td>%s</td><td>%d</td><td>%d/%d/%d</td>", sets[d], g->probe[d].n_classes,
                    g->probe[d].counts[0], g->probe[d].counts[1], g->probe[d].counts[2]);
            for (int k = 0; k < 5; k++)
                fprintf(f, "<td>%.3f [%.3f, %.3f]</td>", y[k][d], lo[k][d], hi[k][d]);
            fprintf(f, "<td>%.3f</td></tr>\n", g->probe[d].mean.chance);
        }
        fputs("</table>\n", f);
    }

    /* 4.4 */
    fputs("<h2>4. Topic coherence of continuations</h2><div class=\"charts\">\n", f);
    {
        const char *gn[3] = {"tf-idf cos", "drift", "agreement"};
        double yg[3] = {g->coh.model.tfidf_cos, g->coh.model.drift, g->coh.model.agreement};
        double yp[3] = {p->coh.model.tfidf_cos, p->coh.model.drift, p->coh.model.agreement};
        double yh[3] = {g->coh.human.tfidf_cos, g->coh.human.drift, g->coh.human.agreement};
        fl_svg_series sr[3] = {{"GPT", g->color, NULL, yg, 3}, {"FTP", p->color, NULL, yp, 3},
                               {"human", "#2ca02c", NULL, yh, 3}};
        fl_svg_bars(f, "TF-IDF cos(prompt, cont.), drift, topic agreement", "score", gn, 3, sr, 3, NULL, NULL, 0, 1);
    }
    fprintf(f, "</div><p>%d prompts of %d tokens, continuations of %d tokens.</p>\n", g->coh.prompts,
            g->coh.prompt_len, g->coh.cont_len);
    fputs("<p>First prompt:</p><pre>", f);
    fl_html_text(f, g->coh.sample_prompt);
    fputs("</pre><p>GPT:</p><pre>", f);
    fl_html_text(f, g->coh.sample_model);
    fputs("</pre><p>FTP:</p><pre>", f);
    fl_html_text(f, p->coh.sample_model);
    fputs("</pre><p>Human:</p><pre>", f);
    fl_html_text(f, g->coh.sample_human);
    fputs("</pre>\n", f);

    /* 4.5 */
    fputs("<h2>5. Countdown programs (pass@1, greedy)</h2>\n", f);
    if (!g->has_cd) fputs("<p>No countdown runs given (--countdown-gpt, --countdown-ftp).</p>\n", f);
    else {
        fprintf(f,
                "<p>The countdown runs are matched the same way on their own validation next-token loss: target "
                "<b>%.4f</b>, each run's checkpoint closest to it (loss in the table).</p>\n",
                g->cd_target);
        double y[2] = {g->cd.pass_rate, p->cd.pass_rate}, lo[2] = {g->cd.ci_lo, p->cd.ci_lo},
               hi[2] = {g->cd.ci_hi, p->cd.ci_hi};
        const char *gn[2] = {"GPT", "FTP"};
        double yg[2] = {y[0], NAN}, yp[2] = {NAN, y[1]}, lg[2] = {lo[0], NAN}, lp[2] = {NAN, lo[1]},
               hg[2] = {hi[0], NAN}, hp[2] = {NAN, hi[1]};
        fl_svg_series sr[2] = {{"GPT", g->color, NULL, yg, 2}, {"FTP", p->color, NULL, yp, 2}};
        const double *los[2] = {lg, lp}, *his[2] = {hg, hp};
        fputs("<div class=\"charts\">", f);
        fl_svg_bars(f, "Countdown pass@1", "pass rate", gn, 2, sr, 2, los, his, 0, 1);
        fputs("</div><table><tr><th>model</th><th>checkpoint</th><th>pass@1 [95% CI]</th><th>parse</th>"
              "<th>numbers</th><th>stack</th><th>value</th></tr>\n",
              f);
        for (int i = 0; i < 2; i++) {
            fprintf(f, "<tr><td>%s</td><td>", s[i].label);
            fl_html_text(f, s[i].cd_pick.dir);
            fprintf(f, " (step %ld, val loss %.4f)", s[i].cd_pick.step, s[i].cd_pick.val_loss);
            fprintf(f, "</td><td>%.3f [%.3f, %.3f] of %ld</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%ld</td></tr>\n",
                    s[i].cd.pass_rate, s[i].cd.ci_lo, s[i].cd.ci_hi, s[i].cd.n, s[i].cd.verdicts[FL_CD_ERR_PARSE],
                    s[i].cd.verdicts[FL_CD_ERR_NUMBERS], s[i].cd.verdicts[FL_CD_ERR_STACK],
                    s[i].cd.verdicts[FL_CD_ERR_VALUE]);
        }
        fputs("</table>\n", f);
    }
    fputs("</body></html>\n", f);
}

/* ---------------------------------------------------------------- main */

static int dir_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_compare(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE, stdout);
            return 0;
        }
    cmp_args a;
    if (parse(argc, argv, &a)) return 2;
    char json_path[FL_EVAL_PATH], tmp_html[FL_EVAL_PATH + 32], tmp_json[FL_EVAL_PATH + 32];
    if (a.json) snprintf(json_path, sizeof json_path, "%s", a.json);
    else {
        snprintf(json_path, sizeof json_path, "%s", a.report);
        char *dot = strrchr(json_path, '.'), *slash = strrchr(json_path, '/');
        if (dot && (!slash || dot > slash)) *dot = 0;
        strncat(json_path, ".json", sizeof json_path - strlen(json_path) - 1);
    }
    snprintf(tmp_html, sizeof tmp_html, "%s.tmp-%ld", a.report, (long)getpid());
    snprintf(tmp_json, sizeof tmp_json, "%s.tmp-%ld", json_path, (long)getpid());

    /* which labelled sets: the default list skips sets that were not fetched */
    char sets[MAX_SETS][32];
    int n_sets = 0;
    const char *list = a.datasets ? a.datasets : "brown,brown-coarse,spam-assassin";
    if (strcmp(list, "none")) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", list);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            if (n_sets == MAX_SETS) return cli_error("--datasets: at most %d sets", MAX_SETS);
            if (strcmp(tok, "brown") && strcmp(tok, "brown-coarse") && strcmp(tok, "spam-assassin"))
                return cli_error("--datasets: unknown set '%s' (brown, brown-coarse, spam-assassin or none)", tok);
            char d[FL_EVAL_PATH + 64];
            snprintf(d, sizeof d, "%s/%s", a.root, strncmp(tok, "brown", 5) ? "spam-assassin" : "brown");
            if (!dir_exists(d)) {
                if (a.datasets) return cli_error("--datasets %s: %s does not exist (scripts/get-data.sh %s)", tok, d, tok);
                fprintf(stderr, "futurelm: note: %s not found; skipping the %s probe\n", d, tok);
                continue;
            }
            snprintf(sets[n_sets++], sizeof sets[0], "%s", tok);
        }
    }

    side s[2];
    memset(s, 0, sizeof s);
    s[0].run = a.gpt, s[0].label = "GPT", s[0].color = "#1f77b4";
    s[1].run = a.ftp, s[1].label = "FTP", s[1].color = "#ff7f0e";
    fl_error err = {0};
    fl_windows val, train;
    memset(&val, 0, sizeof val), memset(&train, 0, sizeof train);
    fl_tokenizer *tok = NULL;
    fl_idf *idf = NULL;
    fl_topic_clf *clf = NULL;
    FILE *fh = NULL, *fj = NULL;
    int rc = 0;
    double target = a.target;
    for (int i = 0; i < 2 && !rc; i++)
        if (fl_run_metrics_read(s[i].run, &s[i].mt, &err)) rc = fail(&err);
    if (!rc && !a.has_target && fl_default_target(a.gpt, &s[0].mt, a.ftp, &s[1].mt, &target, &err)) rc = fail(&err);
    for (int i = 0; i < 2 && !rc; i++) {
        if (fl_pick_checkpoint(s[i].run, &s[i].mt, target, &s[i].pick, &err) ||
            fl_eval_ckpt_open(s[i].pick.dir, &s[i].ck, &err))
            rc = fail(&err);
        else if (fl_model_get_config(s[i].ck.m)->type != (i ? FL_MODEL_FTP : FL_MODEL_GPT))
            rc = cli_error("%s is a %s run, but compare takes the GPT run first and the FTP run second", s[i].run,
                           i ? "GPT" : "FTP");
    }
    if (!rc) {
        const fl_model_config *cg = fl_model_get_config(s[0].ck.m), *cf = fl_model_get_config(s[1].ck.m);
        if (cg->vocab_size != cf->vocab_size)
            rc = cli_error("the runs have different vocabularies (%d and %d tokens): compare models trained on the same "
                           "tokenizer and data",
                           cg->vocab_size, cf->vocab_size);
        int T = cg->block_size < cf->block_size ? cg->block_size : cf->block_size;
        const char *data = a.data ? a.data : s[0].ck.data_dir;
        if (!rc && !data[0]) rc = cli_error("%s does not name its data folder; pass --data DIR", s[0].ck.dir);
        if (!rc && (fl_windows_load(data, "val", T, cf->n_future, a.windows, cg->vocab_size, &val, &err) ||
                    fl_windows_load(data, "train", T, cf->n_future, 256, cg->vocab_size, &train, &err)))
            rc = fail(&err);
        if (!rc && fl_eval_ckpt_tokenizer(&s[0].ck, NULL, &tok, &err)) rc = fail(&err);
        if (!rc && fl_coherence_count_prompts(&val, fl_tokenizer_eot(tok)) == 0)
            rc = cli_error("no coherence prompts: all %d validation windows of %d tokens cross a document boundary; use "
                           "more windows (--windows) or data with longer documents",
                           val.n, T);
        if (!rc && fl_eval_idf(&train, cg->vocab_size, &idf, &err)) rc = fail(&err);
        char brown[FL_EVAL_PATH + 16];
        snprintf(brown, sizeof brown, "%s/brown", a.root);
        if (!rc && dir_exists(brown) &&
            fl_eval_topic_classifier(tok, a.root, "brown-coarse", T - T / 2, cg->vocab_size, 1337, &clf, &err)) {
            fprintf(stderr, "futurelm: note: no topic classifier for coherence (%s)\n", err.msg);
            clf = NULL;
        }
    }
    for (int i = 0; i < 2 && !rc; i++) rc = evaluate(&s[i], &val, &train, tok, idf, clf, &a, sets, n_sets);
    double cd_target = a.cd_target;
    if (!rc && a.cd_gpt) { /* the countdown runs, matched on their own loss the same way */
        s[0].run_cd = a.cd_gpt, s[1].run_cd = a.cd_ftp;
        for (int i = 0; i < 2 && !rc; i++)
            if (fl_run_metrics_read(s[i].run_cd, &s[i].cd_mt, &err)) rc = fail(&err);
        if (!rc && !a.has_cd_target &&
            fl_default_target(a.cd_gpt, &s[0].cd_mt, a.cd_ftp, &s[1].cd_mt, &cd_target, &err))
            rc = fail(&err);
        for (int i = 0; i < 2 && !rc; i++) {
            s[i].cd_target = cd_target;
            if (fl_pick_checkpoint(s[i].run_cd, &s[i].cd_mt, cd_target, &s[i].cd_pick, &err)) rc = fail(&err);
        }
        for (int i = 0; i < 2 && !rc; i++) rc = countdown(&s[i], a.specs);
    }
    if (!rc) {
        fh = fopen(tmp_html, "w");
        fj = fopen(tmp_json, "w");
        if (!fh || !fj) rc = cli_error("cannot write %s: %s", !fh ? tmp_html : tmp_json, strerror(errno));
    }
    if (!rc) {
        write_json(fj, &s[0], &s[1], target, sets, n_sets);
        html(fh, s, target, sets, n_sets, json_path);
        int bad = ferror(fh) | ferror(fj);
        bad |= fclose(fh) != 0, fh = NULL;
        bad |= fclose(fj) != 0, fj = NULL;
        if (bad) rc = cli_error("writing %s or %s failed (disk full?)", tmp_html, tmp_json);
        else if (rename(tmp_json, json_path))
            rc = cli_error("cannot rename %s into place: %s", json_path, strerror(errno));
        else if (rename(tmp_html, a.report))
            rc = cli_error("cannot rename %s into place: %s", a.report, strerror(errno)), unlink(json_path);
        else fprintf(stderr, "compare: wrote %s and %s (target loss %.4f)\n", a.report, json_path, target);
    }
    if (fh) fclose(fh);
    if (fj) fclose(fj);
    if (rc) unlink(tmp_html), unlink(tmp_json);
    for (int i = 0; i < 2; i++) {
        fl_run_metrics_free(&s[i].mt);
        fl_run_metrics_free(&s[i].cd_mt);
        fl_eval_ckpt_close(&s[i].ck);
        fl_smooth_result_free(&s[i].sm);
        for (int d = 0; d < n_sets; d++) fl_probe_eval_result_free(&s[i].probe[d]);
    }
    fl_topic_clf_free(clf);
    fl_idf_free(idf);
    fl_tokenizer_free(tok);
    fl_windows_free(&val);
    fl_windows_free(&train);
    return rc;
}
