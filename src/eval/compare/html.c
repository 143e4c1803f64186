/* Compare's HTML page: what was compared and how, the runs of every seed, the
 * summary table over seeds, the training curves, then the sections
 * (html_sections.c); inline SVG charts (svg.h), no scripts and no external
 * resources. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/compare/html.h"
#include "eval/compare/svg.h"

void fl_compare_html_stat(FILE *f, const fl_seed_stats *s) {
    if (s->n == 0) fputs("&ndash;", f);
    else if (!s->has_ci) fprintf(f, "%.4f (n=1: no interval)", s->mean);
    else fprintf(f, "%.4f [%.4f, %.4f]", s->mean, s->lo, s->hi);
}

void fl_compare_seed_chart(FILE *f, const fl_compare_result *r, const char *title, const char *ylabel,
                           const char *prefix, double ymin, double ymax, const double *ref) {
    enum { MAX_GROUPS = 64 };
    const fl_compare_metric *m[MAX_GROUPS];
    const char *gl[MAX_GROUPS];
    int k = 0;
    const size_t len = strlen(prefix);
    for (int i = 0; i < r->summary.n && k < MAX_GROUPS; i++)
        if (!strncmp(r->summary.m[i].name, prefix, len)) {
            m[k] = &r->summary.m[i];
            gl[k] = m[k]->name + len;
            k++;
        }
    if (!k) return;
    const int n = m[0]->n;
    double *buf = malloc((size_t)2 * k * (n + 3) * sizeof(double));
    if (!buf) return;
    fl_svg_seed_series sr[2];
    for (int i = 0; i < 2; i++) {
        double *v = buf + (size_t)i * k * (n + 3), *mean = v + (size_t)k * n, *lo = mean + k, *hi = lo + k;
        for (int g = 0; g < k; g++) {
            const fl_seed_stats *st = i ? &m[g]->f : &m[g]->g;
            memcpy(v + (size_t)g * n, i ? m[g]->ftp : m[g]->gpt, (size_t)n * sizeof(double));
            mean[g] = st->mean, lo[g] = st->has_ci ? st->lo : NAN, hi[g] = st->has_ci ? st->hi : NAN;
        }
        const fl_compare_side *s = &r->pairs[0].side[i];
        sr[i] = (fl_svg_seed_series){s->label, s->color, v, n, mean, lo, hi};
    }
    fl_svg_seeds(f, title, ylabel, gl, k, sr, 2, ymin, ymax, ref);
    free(buf);
}

/* Shades per seed: the first is the model's colour of the single-pair report. */
static const char *const shades[2][5] = {{"#1f77b4", "#6baed6", "#08519c", "#9ecae1", "#3182bd"},
                                         {"#ff7f0e", "#fdae6b", "#a63603", "#fd8d3c", "#e6550d"}};

/* Every kept run's training (val 0) or validation curve. */
static void curves(FILE *f, const fl_compare_result *r, int val) {
    enum { MAX_CURVES = 16 };
    fl_svg_series sr[MAX_CURVES] = {{0}};
    double *xs[MAX_CURVES] = {0};
    char names[MAX_CURVES][24];
    int ns = 0;
    for (int i = 0; i < r->n_pairs; i++)
        for (int k = 0; k < 2 && ns < MAX_CURVES; k++) {
            const fl_compare_side *s = &r->pairs[i].side[k];
            const fl_curve *c = val ? &s->mt.val : &s->mt.train;
            if (r->pairs[i].dropped) continue;
            xs[ns] = malloc((size_t)(c->n + 1) * sizeof(double));
            for (int j = 0; j < c->n && xs[ns]; j++) xs[ns][j] = (double)c->step[j];
            if (r->n_pairs > 1) snprintf(names[ns], sizeof names[ns], "%s seed %d", s->label, i + 1);
            else snprintf(names[ns], sizeof names[ns], "%s", s->label);
            sr[ns] = (fl_svg_series){names[ns], shades[k][i % 5], xs[ns], c->value, xs[ns] ? c->n : 0};
            ns++;
        }
    fl_svg_lines(f, val ? "Validation next-token loss" : "Training next-token loss", "step", "cross-entropy (nats)", sr,
                 ns);
    for (int i = 0; i < ns; i++) free(xs[i]);
}

/* Seed by seed: each run, its matched checkpoint, how far from the target, kept or left out. */
static void runs_table(FILE *f, const fl_compare_result *r) {
    fputs("<table><tr><th>seed</th><th>model</th><th>run</th><th>checkpoint</th><th>step</th><th>pair target</th>"
          "<th>val loss (logged)</th><th>best val loss</th><th>gap</th><th>val loss (eval windows)</th>"
          "<th>perplexity</th><th>in the statistics</th></tr>\n",
          f);
    for (int i = 0; i < r->n_pairs; i++)
        for (int k = 0; k < 2; k++) {
            const fl_compare_pair *p = &r->pairs[i];
            const fl_compare_side *s = &p->side[k];
            fprintf(f, "<tr><td>%d</td><td>%s</td><td>", i + 1, s->label);
            fl_html_text(f, s->run);
            fputs("</td><td>", f);
            fl_html_text(f, s->pick.dir);
            fprintf(f, "</td><td>%ld</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td%s>%.4f</td>", s->pick.step,
                    p->target, s->pick.val_loss, s->best, s->gap_warned ? " style=\"color:#b00\"" : "", s->gap);
            if (p->dropped) fputs("<td></td><td></td><td>no: not at matched loss</td></tr>\n", f);
            else fprintf(f, "<td>%.4f</td><td>%.2f</td><td>yes</td></tr>\n", s->ppl.loss, s->ppl.ppl);
        }
    fputs("</table>\n", f);
}

/* The gap warnings: pairs left out, or (none matched) every pair kept unmatched. */
static void gap_notes(FILE *f, const fl_compare_pair *p, int n, double max_gap, const char *what) {
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            const fl_compare_side *s = &p[i].side[k];
            if (!s->gap_warned) continue;
            fprintf(f, "<p style=\"color:#b00\"><b>%s</b> %s seed %d: the %s checkpoint's validation loss %.4f is "
                       "%.4f nats from the pair's target %.4f (the run's best: %.4f; --max-gap %.4f). ",
                    p[i].dropped ? "Left out:" : "Not at matched loss:", what, i + 1, s->label, s->pick.val_loss,
                    s->gap, p[i].target, s->best, max_gap);
            fputs(p[i].dropped ? "The pair is not in the statistics.</p>\n"
                               : "No pair is at matched loss, so every pair is kept. Keep more checkpoints or train "
                                 "the run further.</p>\n",
                  f);
        }
}

static void summary_table(FILE *f, const fl_compare_result *r) {
    fputs("<table><tr><th>metric</th><th>better</th><th>GPT mean [95% CI]</th><th>FTP mean [95% CI]</th>"
          "<th>FTP &minus; GPT [95% CI]</th><th>sign</th><th>GPT by seed</th><th>FTP by seed</th></tr>\n",
          f);
    const char *section = "";
    for (int i = 0; i < r->summary.n; i++) {
        const fl_compare_metric *m = &r->summary.m[i];
        if (strcmp(section, m->section))
            fprintf(f, "<tr><th colspan=\"8\" style=\"text-align:left\">%s</th></tr>\n", section = m->section);
        fputs("<tr><td>", f);
        fl_html_text(f, m->name);
        fprintf(f, "</td><td>%s</td><td>",
                m->better == FL_BETTER_HIGHER ? "higher" : m->better == FL_BETTER_LOWER ? "lower" : "");
        fl_compare_html_stat(f, &m->g);
        fputs("</td><td>", f);
        fl_compare_html_stat(f, &m->f);
        fputs("</td><td>", f);
        fl_compare_html_stat(f, &m->d.diff);
        fprintf(f, "</td><td>FTP higher in %d of %d</td>", m->d.higher, m->d.diff.n);
        for (int k = 0; k < 2; k++) {
            fputs("<td>", f);
            for (int j = 0; j < m->n; j++) {
                double v = k ? m->ftp[j] : m->gpt[j];
                if (isfinite(v)) fprintf(f, "%s%.4f", j ? " " : "", v);
                else fprintf(f, "%s&ndash;", j ? " " : "");
            }
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

void fl_compare_write_html(FILE *f, const fl_compare_result *r, const char *json_name) {
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>futurelm compare: GPT vs FTP</title>\n"
          "<style>body{font-family:sans-serif;max-width:1180px;margin:1em auto;color:#222}"
          "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
          "th{background:#eee}td:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:8px}"
          "pre{white-space:pre-wrap;background:#f6f6f6;padding:6px;max-width:1100px}</style></head><body>\n",
          f);
    const fl_compare_pair *p0 = &r->pairs[r->first];
    fputs("<h1>GPT vs FTP at matched next-token loss</h1>\n", f);
    if (r->n_pairs == 1) fprintf(f, "<p>Target validation next-token loss <b>%.4f</b>. ", p0->target);
    else
        fprintf(f, "<p><b>%d seeds</b> (%d in the statistics): seed i of GPT is paired with seed i of FTP, and each "
                   "pair is matched at its own target loss (in the table). ",
                r->n_pairs, r->kept);
    fputs("Every metric below is measured on the checkpoint of each run closest to its target; numbers are in <code>",
          f);
    fl_html_text(f, json_name);
    fputs("</code>. Definitions: docs/evaluation.md.</p>\n<p>Over seeds: the mean with a 95% Student t-interval "
          "(mean &plusmn; t<sub>0.975, n&minus;1</sub> s / &radic;n, s the standard deviation over seeds); FTP &minus; "
          "GPT is the difference within each pair, its mean and t-interval, and the count of pairs where FTP is "
          "higher. One seed gives no interval. A pair whose run is more than --max-gap from the pair's target is "
          "left out while another pair is at matched loss.</p>\n",
          f);
    gap_notes(f, r->pairs, r->n_pairs, r->max_gap, "text");
    gap_notes(f, r->cd, r->n_cd, r->max_gap, "countdown");
    runs_table(f, r);
    fprintf(f, "<p>%d validation windows of %d tokens (+%d future tokens), identical for every model.</p>\n",
            p0->side[0].ppl.windows, p0->side[0].ppl.T, p0->side[0].off.N);
    fputs("<h2>Summary over seeds</h2>\n", f);
    summary_table(f, r);
    fputs("<h2>Training curves</h2><div class=\"charts\">\n", f);
    curves(f, r, 0);
    curves(f, r, 1);
    fputs("</div>\n", f);
    fl_compare_html_sections(f, r);
    fputs("</body></html>\n", f);
}
