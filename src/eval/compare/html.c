/* Compare's HTML page: every section of the report with inline SVG charts
 * (svg.h), no scripts and no external resources. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "eval/compare/compare.h"
#include "eval/compare/svg.h"

static void curves(FILE *f, const fl_compare_side *s, int n, int val) {
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
static void smooth_charts(FILE *f, const fl_compare_side *g, const fl_compare_side *p, int centred) {
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
static void smooth_table(FILE *f, const fl_compare_side *s) {
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

void fl_compare_write_html(FILE *f, const fl_compare_result *r, const char *json_name) {
    const fl_compare_side *s = r->side, *g = &s[0], *p = &s[1];
    const int n_sets = r->n_sets;
    const double target = r->target;
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
    fputs("</code>. Definitions: docs/evaluation.md.</p>\n", f);
    for (int i = 0; i < 2; i++)
        if (s[i].gap_warned)
            fprintf(f, "<p style=\"color:#b00\"><b>Not at matched loss:</b> the %s checkpoint's validation loss "
                       "%.4f is %.4f nats from the target. Keep more checkpoints or train the run further.</p>\n",
                    s[i].label, s[i].pick.val_loss, s[i].gap);
    fputs("<table><tr><th>model</th><th>run</th><th>checkpoint</th>"
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
        double y[5][FL_COMPARE_MAX_SETS], lo[5][FL_COMPARE_MAX_SETS], hi[5][FL_COMPARE_MAX_SETS];
        const char *gn[FL_COMPARE_MAX_SETS];
        for (int d = 0; d < n_sets; d++) {
            gn[d] = r->sets[d];
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
            fprintf(f, "<tr><td>%s</td><td>%d</td><td>%d/%d/%d</td>", r->sets[d], g->probe[d].n_classes,
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
    fprintf(f, "</div><p>%d prompts of %d tokens, continuations of %d tokens.", g->coh.prompts,
            g->coh.prompt_len, g->coh.cont_len);
    if (g->coh.excluded || p->coh.excluded)
        fprintf(f, " Left out because the model's continuation ended before 2 tokens (no drift to measure): GPT %d, "
                   "FTP %d prompts.",
                g->coh.excluded, p->coh.excluded);
    fputs("</p>\n", f);
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
