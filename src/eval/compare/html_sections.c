/* The first five sections of compare's page (docs/design.md 4.1-4.5): each claim's
 * metrics over seeds as charts of every seed beside the mean and its
 * interval, and the detail (histograms, traces, samples, bootstrap intervals)
 * of the first pair in the statistics. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/compare/html.h"
#include "eval/compare/svg.h"

/* Smoothness is drawn twice, raw and centred (docs/evaluation.md): the same
 * histogram and trace of each, from these two accessors. */
static const fl_cos_stats *smooth_stats(const fl_smooth_result *r, int level, int centred) {
    return centred ? &r->centred[level] : &r->stats[level];
}
static const float *smooth_trace(const fl_smooth_result *r, int level, int centred) {
    return (centred ? r->centred_trace : r->trace) + (size_t)level * (r->T - 1);
}

/* The top level's histogram and the first window's trace, for one pair. */
static void smooth_detail(FILE *f, const fl_compare_pair *pr, int seed, int centred) {
    const fl_compare_side *g = &pr->side[0], *p = &pr->side[1];
    const char *what = centred ? "centred " : "";
    char title[160];
    const fl_cos_stats *a = smooth_stats(&g->sm, g->sm.levels - 1, centred),
                       *b = smooth_stats(&p->sm, p->sm.levels - 1, centred);
    double x[FL_COS_MAX_BINS], ya[FL_COS_MAX_BINS], yb[FL_COS_MAX_BINS];
    for (int i = 0; i < a->n_bins; i++) {
        x[i] = fl_cos_bin_lo(a, i) + 1.0 / a->n_bins;
        ya[i] = a->n ? (double)a->counts[i] / a->n : 0;
        yb[i] = b->n ? (double)b->counts[i] / b->n : 0;
    }
    fl_svg_series hs[2] = {{"GPT", g->color, x, ya, a->n_bins}, {"FTP", p->color, x, yb, b->n_bins}};
    snprintf(title, sizeof title, "Histogram of top-level %sadjacent cosines (seed %d)", what, seed);
    fl_svg_lines(f, title, "cosine (bin centre)", "share of pairs", hs, 2);
    int Tm = g->sm.T - 1;
    double *ta = malloc((size_t)Tm * sizeof(double)), *tb = malloc((size_t)Tm * sizeof(double));
    if (ta && tb) {
        const float *tg = smooth_trace(&g->sm, g->sm.levels - 1, centred), *tp = smooth_trace(&p->sm, p->sm.levels - 1, centred);
        for (int t = 0; t < Tm; t++) ta[t] = tg[t], tb[t] = tp[t];
        fl_svg_series ts[2] = {{"GPT", g->color, NULL, ta, Tm}, {"FTP", p->color, NULL, tb, Tm}};
        snprintf(title, sizeof title, "Trace along the first window (top level%s, seed %d)", centred ? ", centred" : "",
                 seed);
        fl_svg_lines(f, title, "position t", centred ? "cos(h_t - mu, h_t+1 - mu)" : "cos(h_t, h_t+1)", ts, 2);
    }
    free(ta), free(tb);
}

/* Every level's raw and centred mean cosine and mean-vector share, one pair. */
static void smooth_table(FILE *f, const fl_compare_side *s) {
    fputs("<table><tr><th>level</th>", f);
    for (int i = 0; i < 2; i++)
        fprintf(f, "<th>%s raw</th><th>%s centred</th><th>%s mean-vector share</th>", s[i].label, s[i].label,
                s[i].label);
    fputs("</tr>\n", f);
    /* the same encoder in every run (compare checks), so level l is block l + 1 of both */
    for (int l = 0; l < s[0].sm.levels; l++) {
        char name[24];
        fl_smooth_level_name(name, sizeof name, l, s[0].sm.levels);
        fprintf(f, "<tr><td>%s</td>", name);
        for (int i = 0; i < 2; i++)
            fprintf(f, "<td>%.4f</td><td>%.4f</td><td>%.4f</td>", fl_cos_stats_mean(&s[i].sm.stats[l]),
                    fl_cos_stats_mean(&s[i].sm.centred[l]), s[i].sm.mean_share[l]);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void offsets(FILE *f, const fl_compare_result *r) {
    const fl_compare_side *g0 = &r->pairs[r->first].side[0];
    fputs("<h2>1. Future-token prediction</h2>\n<p>Cross-entropy at offset k: GPT from position t+k-1, FTP from "
          "decoder step k-1 (lower is better).</p><div class=\"charts\">\n",
          f);
    fl_compare_seed_chart(f, r, "CE at offset k (lower is better)",
                          "cross-entropy (nats)", FL_CMP_OFFSET, 0, 0, NULL);
    if (g0->off.has_bow) {
        double ref_r = g0->off.bow.base_recall, ref_l = g0->off.bow.base_loglik;
        fl_compare_seed_chart(f, r, "Future bag-of-words probe recall@N (higher is better)", "recall@N",
                              FL_CMP_BOW "recall@N", 0, 0, &ref_r);
        fl_compare_seed_chart(f, r, "Future bag-of-words probe log-likelihood (higher is better)", "log-likelihood",
                              FL_CMP_BOW "log-likelihood", 0, 0, &ref_l);
    }
    fputs("</div>\n", f);
    if (!g0->off.has_bow) return;
    fputs("<p>Reference line: the unigram baseline.</p><table><tr><th>future bag-of-words probe</th><th>recall@N</th>"
          "<th>log-likelihood</th><th>unigram recall@N</th><th>unigram log-likelihood</th></tr>\n",
          f);
    for (int i = 0; i < r->n_pairs; i++)
        for (int k = 0; k < 2 && !r->pairs[i].dropped; k++) {
            const fl_compare_side *s = &r->pairs[i].side[k];
            fprintf(f, "<tr><td>%s seed %d (val loss %.4f)</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>\n",
                    s->label, i + 1, s->pick.val_loss, s->off.bow.recall, s->off.bow.loglik, s->off.bow.base_recall,
                    s->off.bow.base_loglik);
        }
    fputs("</table>\n", f);
}

static void smoothness(FILE *f, const fl_compare_result *r) {
    const fl_compare_pair *p0 = &r->pairs[r->first];
    fputs("<h2>2. Smoothness: cos(h<sub>t</sub>, h<sub>t+1</sub>)</h2>\n<p><b>Raw</b>: cos(h<sub>t</sub>, "
          "h<sub>t+1</sub>). <b>Centred</b>: cos(h<sub>t</sub> &minus; &mu;, h<sub>t+1</sub> &minus; &mu;), &mu; the "
          "level's mean vector over every position of the evaluated windows, so an offset every vector shares "
          "cancels. <b>Mean-vector share</b>: |&mu;|<sup>2</sup> / mean |h|<sup>2</sup>; near 1, the raw cosine "
          "mostly measures &mu;. Higher cosine = smoother (the paper's claim 4.2). Levels: block 1 .. block L "
          "(the residual stream after each block), top (after ln_f).</p>\n<div class=\"charts\">\n",
          f);
    fl_compare_seed_chart(f, r, "Mean adjacent cosine by level", "mean cosine", FL_CMP_RAW, 0, 0, NULL);
    fl_compare_seed_chart(f, r, "Mean centred adjacent cosine by level", "mean centred cosine", FL_CMP_CENTRED, 0, 0,
                          NULL);
    fl_compare_seed_chart(f, r, "Mean-vector share by level", "share", FL_CMP_SHARE, 0, 1, NULL);
    fputs("</div>\n<h3>Raw: cos(h<sub>t</sub>, h<sub>t+1</sub>)</h3><div class=\"charts\">\n", f);
    smooth_detail(f, p0, r->first + 1, 0);
    fputs("</div>\n<h3>Centred: cos(h<sub>t</sub> &minus; &mu;, h<sub>t+1</sub> &minus; &mu;)</h3><div class=\"charts\">\n", f);
    smooth_detail(f, p0, r->first + 1, 1);
    fprintf(f, "</div>\n<p>Seed %d, level by level:</p>\n", r->first + 1);
    smooth_table(f, p0->side);
}

static void probes(FILE *f, const fl_compare_result *r) {
    const fl_compare_side *g = &r->pairs[r->first].side[0], *p = &r->pairs[r->first].side[1];
    fputs("<h2>3. Topic probes (frozen vectors)</h2>\n", f);
    /* what the probes read and whether the run trained on it, said where the numbers are */
    for (int i = 0; i < r->n_probe_notes; i++) {
        fputs("<p class=\"note\"><b>Note:</b> ", f);
        fl_html_text(f, r->probe_notes[i]);
        fputs(".</p>\n", f);
    }
    if (r->n_sets == 0) {
        if (!r->skipped_sets && !r->explicit_sets)
            fputs("<p>No labelled dataset was available (futurelm fetch brown spam-assassin, or "
                  "--probe-data DIR).</p>\n", f);
        else if (!r->skipped_sets) fputs("<p>No topic probe was asked for (--datasets none).</p>\n", f);
        return;
    }
    fputs("<p>Test accuracy, higher is better; the reference line is the bag-of-words classifier on the same "
          "chunks.</p><div class=\"charts\">",
          f);
    for (int d = 0; d < r->n_sets; d++) {
        char title[96], prefix[96];
        snprintf(title, sizeof title, "Topic probe %s: test accuracy", r->sets[d]);
        snprintf(prefix, sizeof prefix, FL_CMP_PROBE "%s, ", r->sets[d]);
        const double ref[2] = {g->probe[d].bow_acc, g->probe[d].bow_acc};
        fl_compare_seed_chart(f, r, title, "accuracy", prefix, 0, 1, ref);
    }
    fprintf(f, "</div><p>Seed %d with 95%% bootstrap intervals over its test chunks:</p><table><tr><th>dataset</th>"
               "<th>classes</th><th>chunks train/val/test</th><th>GPT mean</th><th>GPT last</th><th>FTP mean</th>"
               "<th>FTP last</th><th>bag of words</th><th>chance</th></tr>\n",
            r->first + 1);
    for (int d = 0; d < r->n_sets; d++) {
        fprintf(f, "<tr><td>%s", r->sets[d]);
        if (!strcmp(r->sets[d], FL_COMPARE_PROBE_DATA) && r->probe_data) { /* the user's folder and its labels */
            fputs(" (", f);
            fl_html_text(f, r->probe_data);
            fputs(": ", f);
            for (int k = 0; k < g->probe[d].n_classes; k++) fputs(k ? ", " : "", f), fl_html_text(f, g->probe[d].classes[k]);
            fputs(")", f);
        }
        fprintf(f, "</td><td>%d</td><td>%d/%d/%d</td>", g->probe[d].n_classes, g->probe[d].counts[0],
                g->probe[d].counts[1], g->probe[d].counts[2]);
        const fl_probe_result *pr[4] = {&g->probe[d].mean, &g->probe[d].last, &p->probe[d].mean, &p->probe[d].last};
        for (int k = 0; k < 4; k++) fprintf(f, "<td>%.3f [%.3f, %.3f]</td>", pr[k]->test_accuracy, pr[k]->ci_lo, pr[k]->ci_hi);
        fprintf(f, "<td>%.3f [%.3f, %.3f]</td><td>%.3f</td></tr>\n", g->probe[d].bow_acc, g->probe[d].bow_lo,
                g->probe[d].bow_hi, g->probe[d].mean.chance);
    }
    fputs("</table>\n", f);
}

static void coherence(FILE *f, const fl_compare_result *r) {
    const fl_compare_side *g = &r->pairs[r->first].side[0], *p = &r->pairs[r->first].side[1];
    const fl_coherence_row *h = &g->coh.human;
    /* three measures on three axes, each with its direction and the human continuation as the reference */
    fputs("<h2>4. Topic coherence of continuations</h2>\n<p>Each chart one measure; higher is better for all three; "
          "the reference line is the human continuation's score.</p><div class=\"charts\">\n",
          f);
    fl_compare_seed_chart(f, r, "TF-IDF cosine to the prompt (higher = closer to its topic)", "cosine", FL_CMP_TFIDF,
                          0, 0, &h->tfidf_cos);
    fl_compare_seed_chart(f, r, "Topic agreement with the prompt (higher is better)", "share of prompts", FL_CMP_AGREE,
                          0, 1, &h->agreement);
    fl_compare_seed_chart(f, r, "First/second-half TF-IDF cosine (higher = less drift)", "cosine", FL_CMP_DRIFT, 0, 0,
                          &h->drift);
    fprintf(f, "</div><p>%d prompts of %d tokens, continuations of %d tokens.", g->coh.prompts, g->coh.prompt_len,
            g->coh.cont_len);
    for (int i = 0; i < r->n_pairs; i++) {
        const fl_compare_pair *pr = &r->pairs[i];
        if (!pr->dropped && (pr->side[0].coh.excluded || pr->side[1].coh.excluded))
            fprintf(f, " Seed %d: left out because the model's continuation ended before 2 tokens (no drift to "
                       "measure): GPT %d, FTP %d prompts.",
                    i + 1, pr->side[0].coh.excluded, pr->side[1].coh.excluded);
    }
    fprintf(f, "</p>\n<p>First prompt (seed %d):</p><pre>", r->first + 1);
    fl_html_text(f, g->coh.sample_prompt);
    fputs("</pre><p>GPT:</p><pre>", f);
    fl_html_text(f, g->coh.sample_model);
    fputs("</pre><p>FTP:</p><pre>", f);
    fl_html_text(f, p->coh.sample_model);
    fputs("</pre><p>Human:</p><pre>", f);
    fl_html_text(f, g->coh.sample_human);
    fputs("</pre>\n", f);
}

static void countdown(FILE *f, const fl_compare_result *r) {
    fputs("<h2>5. Countdown programs (pass@1, greedy)</h2>\n", f);
    if (!r->n_cd) {
        fputs("<p>No countdown runs given (--countdown-gpt, --countdown-ftp).</p>\n", f);
        return;
    }
    fputs("<p>The countdown runs are matched the same way on their own validation next-token loss, pair by pair "
          "(target and loss in the table); higher pass@1 is better.</p><div class=\"charts\">",
          f);
    fl_compare_seed_chart(f, r, "Countdown pass@1", "pass rate", FL_CMP_PASS, 0, 1, NULL);
    fputs("</div><table><tr><th>seed</th><th>model</th><th>checkpoint</th><th>target</th><th>pass@1 [95% bootstrap CI]"
          "</th><th>parse</th><th>numbers</th><th>stack</th><th>value</th></tr>\n",
          f);
    for (int i = 0; i < r->n_cd; i++)
        for (int k = 0; k < 2; k++) {
            const fl_compare_side *s = &r->cd[i].side[k];
            fprintf(f, "<tr><td>%d</td><td>%s</td><td>", i + 1, s->label);
            fl_html_text(f, s->pick.dir);
            fprintf(f, " (step %ld, val loss %.4f)</td><td>%.4f</td>", s->pick.step, s->pick.val_loss, r->cd[i].target);
            if (r->cd[i].dropped) {
                fputs("<td colspan=\"5\">left out: not at matched loss</td></tr>\n", f);
                continue;
            }
            fprintf(f, "<td>%.3f [%.3f, %.3f] of %ld</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%ld</td></tr>\n",
                    s->cd.pass_rate, s->cd.ci_lo, s->cd.ci_hi, s->cd.n, s->cd.verdicts[FL_CD_ERR_PARSE],
                    s->cd.verdicts[FL_CD_ERR_NUMBERS], s->cd.verdicts[FL_CD_ERR_STACK], s->cd.verdicts[FL_CD_ERR_VALUE]);
        }
    fputs("</table>\n", f);
}

void fl_compare_html_sections(FILE *f, const fl_compare_result *r) {
    offsets(f, r);
    smoothness(f, r);
    probes(f, r);
    coherence(f, r);
    countdown(f, r);
    fl_compare_html_top(f, r);
}
