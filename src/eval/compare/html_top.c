/* Section 6 of compare's page, the top-layer instruments (issue 18): the logit
 * lens by level (loss and entropy, both models, FTP by both of its paths), the
 * NC1-NC4 table, the CKA heat map between GPT's and FTP's levels, and the head's
 * tokens for each model's principal directions. Lens, NC and CKA are means over
 * the kept seeds (every seed's value is in the summary table and the JSON); the
 * directions are the first kept pair's, since tokens do not average. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/compare/html.h"
#include "eval/compare/svg.h"
#include "util/json.h"

/* A summary metric's mean for one model (NAN when absent). */
static double mean_of(const fl_compare_result *r, const char *prefix, int level, int ftp) {
    char name[96];
    snprintf(name, sizeof name, "%sblock %d", prefix, level + 1);
    const fl_compare_metric *m = fl_compare_summary_find(&r->summary, name);
    return !m ? NAN : ftp ? m->f.mean : m->g.mean;
}

/* The lens: one chart of loss, one of entropy, and their table, the means over the kept seeds. */
static void lens(FILE *f, const fl_compare_result *r) {
    const int L = r->pairs[r->first].side[0].lens.lens.levels;
    double *v = malloc((size_t)6 * (L ? L : 1) * sizeof *v);
    if (!v || !L) {
        free(v);
        return;
    }
    /* series: GPT through the tied head, FTP through the tied head, FTP through decoder step 0
     * (short names in the charts' legends, which hold about 17 characters) */
    static const char *const name[3] = {"GPT", "FTP (tied head)", "FTP (decoder step 0)"};
    static const char *const legend[3] = {"GPT", "FTP tied head", "FTP dec. step 0"};
    static const char *const colour[3] = {"#1f77b4", "#ff7f0e", "#a63603"};
    const char *prefix[2][3] = {{FL_CMP_LENS, FL_CMP_LENS, FL_CMP_OWN}, {FL_CMP_LENS_ENT, FL_CMP_LENS_ENT, FL_CMP_OWN_ENT}};
    for (int e = 0; e < 2; e++)
        for (int k = 0; k < 3; k++)
            for (int l = 0; l < L; l++) v[(size_t)(e * 3 + k) * L + l] = mean_of(r, prefix[e][k], l, k > 0);
    fputs("<h3>Logit lens</h3>\n<p>Block l's residual stream decoded as if it were the last: through ln_f and "
          "the tied head (for FTP also through decoder step 0, the path FTP predicts x<sub>t+1</sub> by). At "
          "block L the GPT curve and the FTP decoder-step-0 curve are each model's own next-token loss.</p>"
          "<div class=\"charts\">\n",
          f);
    for (int e = 0; e < 2; e++) {
        fl_svg_series s[3];
        for (int k = 0; k < 3; k++) s[k] = (fl_svg_series){legend[k], colour[k], NULL, v + (size_t)(e * 3 + k) * L, L};
        fl_svg_lines(f, e ? "Logit lens entropy by block" : "Logit lens loss by block", "block",
                     e ? "entropy (nats)" : "cross-entropy of x_t+1 (nats)", s, 3);
    }
    fputs("</div>\n<table class=\"lens\"><tr><th>level</th>", f);
    for (int e = 0; e < 2; e++)
        for (int k = 0; k < 3; k++) fprintf(f, "<th>%s %s</th>", name[k], e ? "entropy" : "loss");
    fputs("</tr>\n", f);
    for (int l = 0; l < L; l++) {
        fprintf(f, "<tr class=\"lens\"><td>block %d</td>", l + 1);
        for (int k = 0; k < 6; k++) fprintf(f, "<td>%.4f</td>", v[(size_t)k * L + l]);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    free(v);
}

static void collapse(FILE *f, const fl_compare_result *r) {
    const fl_collapse_result *g = &r->pairs[r->first].side[0].col.col, *p = &r->pairs[r->first].side[1].col.col;
    fprintf(f, "<h3>Neural collapse of h<sub>t</sub> by next token</h3>\n<p>The %d most frequent next tokens "
               "(%.1f%% of the positions), the first vectors of each in window order (seed %d: %ld GPT and %ld FTP "
               "vectors). Collapse: NC1 &rarr; 0, NC2 norm CV &rarr; 0, cosine mean &rarr; %.4f (the simplex) with "
               "std &rarr; 0, NC3 &rarr; 0, NC4 &rarr; 1. Mean [95%% CI] over the kept seeds.</p>\n"
               "<table class=\"nc\"><tr><th>statistic</th><th>GPT</th><th>FTP</th><th>FTP &minus; GPT</th></tr>\n",
            g->nc.K, 100 * g->covered, r->first + 1, g->nc.n, p->nc.n, g->nc.cos_simplex);
    for (int i = 0; i < r->summary.n; i++) {
        const fl_compare_metric *m = &r->summary.m[i];
        if (strncmp(m->name, FL_CMP_NC, strlen(FL_CMP_NC))) continue;
        fputs("<tr><td>", f);
        fl_html_text(f, m->name + strlen(FL_CMP_NC));
        fputs("</td><td>", f);
        fl_compare_html_stat(f, &m->g);
        fputs("</td><td>", f);
        fl_compare_html_stat(f, &m->f);
        fputs("</td><td>", f);
        fl_compare_html_stat(f, &m->d.diff);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void cka(FILE *f, const fl_compare_result *r) {
    int la, lb;
    const int n = fl_compare_cka_mean(r, NULL, &la, &lb);
    double *m = n ? malloc((size_t)la * lb * sizeof *m) : NULL;
    char(*names)[24] = malloc((size_t)(la > lb ? la : lb) * sizeof *names);
    const char **rows = malloc((size_t)(la > lb ? la : lb) * sizeof *rows);
    if (!m || !names || !rows) {
        free(m), free(names), free(rows);
        return;
    }
    fl_compare_cka_mean(r, m, NULL, NULL);
    /* the same encoder in every run (compare checks), so la == lb and one list names rows and columns */
    for (int l = 0; l < la; l++) fl_smooth_level_name(names[l], sizeof names[l], l, la), rows[l] = names[l];
    for (int l = la; l < lb; l++) fl_smooth_level_name(names[l], sizeof names[l], l, lb), rows[l] = names[l];
    fprintf(f, "<h3>Linear CKA between GPT and FTP</h3>\n<p>Every level of the GPT model (rows) against every level "
               "of the FTP model (columns) on the same %ld positions; %s. 1 = the same representation up to a "
               "rotation and scale.</p>\n",
            r->pairs[r->first].cka.cka.positions,
            n > 1 ? "the mean over the kept seeds (each seed's matrix in the JSON, its diagonal below)" : "one seed");
    fl_svg_heatmap(f, "Linear CKA, GPT levels x FTP levels", "FTP level", "GPT level", rows, la, rows, lb, m, 0, 1);
    fputs("<table class=\"cka\"><tr><th>same level</th>", f);
    for (int i = 0; i < r->n_pairs; i++)
        if (!r->pairs[i].dropped) fprintf(f, "<th>seed %d</th>", i + 1);
    fputs(n > 1 ? "<th>mean</th></tr>\n" : "</tr>\n", f);
    for (int l = 0; l < la && l < lb; l++) {
        fprintf(f, "<tr class=\"cka\"><td>%s</td>", names[l]);
        for (int i = 0; i < r->n_pairs; i++)
            if (!r->pairs[i].dropped) {
                const double *c = r->pairs[i].cka.cka.cka; /* NULL: this seed's CKA was not measured */
                if (c) fprintf(f, "<td>%.4f</td>", c[(size_t)l * lb + l]);
                else fputs("<td>-</td>", f);
            }
        if (n > 1) fprintf(f, "<td>%.4f</td>", m[(size_t)l * lb + l]);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    free(m), free(names), free(rows);
}

/* A token's text, escaped, with its spaces and newlines made visible (a BPE token often starts with
 * one) and a byte that is not part of a whole UTF-8 character (byte-level BPE splits them) as \xNN. */
static void token(FILE *f, const fl_tokenizer *tok, int32_t id) {
    size_t n = 0;
    const unsigned char *b = tok ? fl_tokenizer_token_bytes(tok, id, &n) : NULL;
    fputs("<code>", f);
    if (!b) fprintf(f, "#%d", (int)id);
    for (size_t i = 0; b && i < n;) {
        const size_t len = b[i] < 0x80 ? 1 : fl_utf8_len(b + i, n - i);
        if (b[i] == ' ' || b[i] == '\n') fputs(b[i] == ' ' ? "&#x2423;" : "&#x21B5;", f);
        else if (!len) fprintf(f, "<span class=\"byte\">\\x%02X</span>", b[i]);
        else fl_html_text_n(f, (const char *)b + i, len);
        i += len ? len : 1;
    }
    fputs("</code> ", f);
}

static void neurons(FILE *f, const fl_compare_result *r) {
    fprintf(f, "<h3>The tied head's tokens for h<sub>t</sub>'s principal directions (seed %d)</h3>\n<p>Each "
               "direction's share of h<sub>t</sub>'s variance and the tokens whose head rows point furthest along "
               "it (+) and against it (&minus;); &#x2423; is a space, &#x21B5; a newline, \\xNN a byte of a character "
               "split between tokens.</p>\n",
            r->first + 1);
    for (int k = 0; k < 2; k++) {
        const fl_compare_side *s = &r->pairs[r->first].side[k];
        const fl_neurons_result *n = &s->neu.neu;
        fprintf(f, "<table class=\"neurons\"><tr><th>%s direction</th><th>variance share</th><th>+ tokens</th>"
                   "<th>&minus; tokens</th></tr>\n",
                s->label);
        for (int d = 0; d < n->n_dirs; d++) {
            const fl_direction_row *row = &n->dirs[d];
            fprintf(f, "<tr><td>%d</td><td>%.4f</td><td style=\"text-align:left\">", row->index + 1,
                    n->total_variance > 0 ? row->variance / n->total_variance : 0);
            for (int t = 0; t < n->tokens; t++) token(f, r->tok, row->pos_ids[t]);
            fputs("</td><td style=\"text-align:left\">", f);
            for (int t = 0; t < n->tokens; t++) token(f, r->tok, row->neg_ids[t]);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
}

void fl_compare_html_top(FILE *f, const fl_compare_result *r) {
    fputs("<h2>6. Inside the top layer</h2>\n", f);
    if (!r->toplayer) {
        fputs("<p>Not measured (--no-toplayer).</p>\n", f);
        return;
    }
    fputs("<p>The instruments of <code>futurelm eval lens|collapse|cka|neurons</code> on the same validation "
          "windows as the rest of the report (docs/evaluation.md defines every number).</p>\n",
          f);
    lens(f, r);
    collapse(f, r);
    cka(f, r);
    neurons(f, r);
}
