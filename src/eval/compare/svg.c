/* Inline SVG charts (lines, bars with intervals) for compare's report, so the
 * page is one self-contained file with no scripts to fail. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eval/compare/svg.h"
#include "util/json.h"

/* Model output is arbitrary bytes: an invalid UTF-8 sequence becomes U+FFFD, so
 * the page is valid UTF-8 whatever a model wrote. */
void fl_html_text_n(FILE *f, const char *s, size_t n) {
    for (size_t left = n; left; s++, left--) {
        if ((unsigned char)*s >= 0x80) {
            size_t len = fl_utf8_len((const unsigned char *)s, left);
            if (!len) fputs("\xEF\xBF\xBD", f);
            else fwrite(s, 1, len, f), s += len - 1, left -= len - 1;
            continue;
        }
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            /* control bytes (a token's NUL too) are not allowed in HTML text */
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t') fputc(*s, f);
        }
    }
}

void fl_html_text(FILE *f, const char *s) { fl_html_text_n(f, s, strlen(s)); }

enum { W = 560, H = 300, ML = 60, MR = 130, MT = 30, MB = 45 };

/* A "nice" tick step for a range: 1, 2 or 5 times a power of ten. */
static double tick_step(double span, int want) {
    double raw = span / want, p = pow(10.0, floor(log10(raw))), r = raw / p;
    return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * p;
}

static void axes(FILE *f, const char *title, const char *xlabel, const char *ylabel, double y0, double y1) {
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"11\">\n",
            W, H, W, H);
    fprintf(f, "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">", ML);
    fl_html_text(f, title);
    fprintf(f, "</text>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", ML, H - MB, W - MR, H - MB);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", ML, MT, ML, H - MB);
    double st = tick_step(y1 - y0, 5);
    for (double y = ceil(y0 / st) * st; y <= y1 + 1e-9 * fabs(y1); y += st) {
        double py = H - MB - (y - y0) / (y1 - y0) * (H - MT - MB);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>", ML, py, W - MR, py);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", ML - 4, py + 4, fabs(y) < st / 1e6 ? 0 : y);
    }
    if (xlabel) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (ML + W - MR) / 2, H - 8);
        fl_html_text(f, xlabel);
        fputs("</text>\n", f);
    }
    fprintf(f, "<text transform=\"translate(14 %d) rotate(-90)\" text-anchor=\"middle\">", (MT + H - MB) / 2);
    fl_html_text(f, ylabel);
    fputs("</text>\n", f);
}

static void legend(FILE *f, const fl_svg_series *s, int ns) {
    for (int i = 0; i < ns; i++) {
        int y = MT + 6 + 16 * i;
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">", W - MR + 10,
                y, s[i].color, W - MR + 24, y + 9);
        fl_html_text(f, s[i].name);
        fputs("</text>\n", f);
    }
}

static void range(const double *v, int n, double *lo, double *hi) {
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) *lo = v[i] < *lo ? v[i] : *lo, *hi = v[i] > *hi ? v[i] : *hi;
}

void fl_svg_lines(FILE *f, const char *title, const char *xlabel, const char *ylabel, const fl_svg_series *s, int ns) {
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int i = 0; i < ns; i++) {
        range(s[i].y, s[i].n, &y0, &y1);
        for (int k = 0; k < s[i].n; k++) {
            double x = s[i].x ? s[i].x[k] : k + 1;
            x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
        }
    }
    if (!(x0 <= x1)) x0 = 0, x1 = 1;
    if (!(y0 <= y1)) y0 = 0, y1 = 1;
    if (x1 == x0) x1 = x0 + 1;
    double pad = (y1 - y0) * 0.05;
    if (pad == 0) pad = fabs(y0) * 0.05 + 1e-3;
    y0 -= pad, y1 += pad;
    axes(f, title, xlabel, ylabel, y0, y1);
    double st = tick_step(x1 - x0, 6);
    /* an integer axis (steps, offsets k) gets integer ticks: never 1.5 */
    int integral = 1;
    for (int i = 0; i < ns && integral; i++)
        for (int k = 0; k < s[i].n && integral; k++) integral = !s[i].x || s[i].x[k] == floor(s[i].x[k]);
    if (integral && st < 1) st = 1;
    for (double x = ceil(x0 / st) * st; x <= x1 + 1e-9; x += st) {
        double px = ML + (x - x0) / (x1 - x0) * (W - ML - MR);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>", px, H - MB + 14,
                fabs(x) < st * 1e-6 ? 0 : x); /* no -3.5e-17 from accumulated steps */
    }
    for (int i = 0; i < ns; i++) {
        fprintf(f, "\n<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", s[i].color);
        for (int k = 0; k < s[i].n; k++) {
            if (!isfinite(s[i].y[k])) continue;
            double x = s[i].x ? s[i].x[k] : k + 1;
            fprintf(f, "%.1f,%.1f ", ML + (x - x0) / (x1 - x0) * (W - ML - MR),
                    H - MB - (s[i].y[k] - y0) / (y1 - y0) * (H - MT - MB));
        }
        fputs("\"/>", f);
        if (s[i].n <= 40) /* few points: mark them, they may be sparse (validation) */
            for (int k = 0; k < s[i].n; k++)
                if (isfinite(s[i].y[k]))
                    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>",
                            ML + ((s[i].x ? s[i].x[k] : k + 1) - x0) / (x1 - x0) * (W - ML - MR),
                            H - MB - (s[i].y[k] - y0) / (y1 - y0) * (H - MT - MB), s[i].color);
    }
    fputc('\n', f);
    legend(f, s, ns);
    fputs("</svg>\n", f);
}

void fl_svg_bars(FILE *f, const char *title, const char *ylabel, const char *const *groups, int ng,
                 const fl_svg_series *s, int ns, const double *const *lo, const double *const *hi, double ymin,
                 double ymax) {
    if (!(ymax > ymin)) {
        ymin = 0, ymax = -INFINITY;
        for (int i = 0; i < ns; i++) {
            range(s[i].y, s[i].n, &ymin, &ymax);
            if (hi && hi[i]) range(hi[i], s[i].n, &ymin, &ymax);
        }
        if (!(ymax > ymin)) ymax = ymin + 1;
        double pad = (ymax - ymin) * 0.05;
        ymax += pad;
        if (ymin < 0) ymin -= pad;
    }
    axes(f, title, NULL, ylabel, ymin, ymax);
    /* Bars start at zero, so a negative value (a centred cosine) points down;
     * a range that excludes zero starts them at its nearer end. */
    double base = ymin > 0 ? ymin : ymax < 0 ? ymax : 0;
    double pb = H - MB - (base - ymin) / (ymax - ymin) * (H - MT - MB);
    if (base != ymin)
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>\n", ML, pb, W - MR, pb);
    double gw = (double)(W - ML - MR) / (ng > 0 ? ng : 1), bw = gw * 0.8 / (ns > 0 ? ns : 1);
    for (int g = 0; g < ng; g++) {
        double gx = ML + g * gw;
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", gx + gw / 2, H - MB + 14);
        fl_html_text(f, groups[g]);
        fputs("</text>\n", f);
        for (int i = 0; i < ns; i++) {
            if (g >= s[i].n || !isfinite(s[i].y[g])) continue;
            double v = s[i].y[g] < ymin ? ymin : s[i].y[g] > ymax ? ymax : s[i].y[g];
            double x = gx + gw * 0.1 + i * bw, py = H - MB - (v - ymin) / (ymax - ymin) * (H - MT - MB);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%.4g</title></rect>",
                    x, py < pb ? py : pb, bw * 0.9, fabs(pb - py), s[i].color, s[i].y[g]);
            if (lo && hi && lo[i] && hi[i] && isfinite(lo[i][g]) && isfinite(hi[i][g])) {
                double pl = H - MB - (lo[i][g] - ymin) / (ymax - ymin) * (H - MT - MB);
                double ph = H - MB - (hi[i][g] - ymin) / (ymax - ymin) * (H - MT - MB), cx = x + bw * 0.45;
                fprintf(f, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fh%.1fM%.1f %.1fh%.1f\" stroke=\"#000\"/>", cx, pl, ph,
                        cx - 3, pl, 6.0, cx - 3, ph, 6.0);
            }
        }
        fputc('\n', f);
    }
    legend(f, s, ns);
    fputs("</svg>\n", f);
}

/* y of a value on an axis spanning [y0, y1]. */
static double py_of(double v, double y0, double y1) { return H - MB - (v - y0) / (y1 - y0) * (H - MT - MB); }

void fl_svg_seeds(FILE *f, const char *title, const char *ylabel, const char *const *groups, int ng,
                  const fl_svg_seed_series *s, int ns, double ymin, double ymax, const double *ref) {
    if (!(ymax > ymin)) {
        ymin = INFINITY, ymax = -INFINITY;
        for (int i = 0; i < ns; i++) {
            range(s[i].v, ng * s[i].n, &ymin, &ymax);
            range(s[i].lo, ng, &ymin, &ymax);
            range(s[i].hi, ng, &ymin, &ymax);
        }
        if (ref) range(ref, ng, &ymin, &ymax);
        if (!(ymax >= ymin)) ymin = 0, ymax = 1;
        double pad = (ymax - ymin) * 0.08;
        if (pad == 0) pad = fabs(ymin) * 0.05 + 1e-3;
        ymin -= pad, ymax += pad;
    }
    axes(f, title, NULL, ylabel, ymin, ymax);
    const double gw = (double)(W - ML - MR) / (ng > 0 ? ng : 1), sw = gw * 0.8 / (ns > 0 ? ns : 1);
    for (int g = 0; g < ng; g++) {
        const double gx = ML + g * gw;
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", gx + gw / 2, H - MB + 14);
        fl_html_text(f, groups[g]);
        fputs("</text>\n", f);
        if (ref && isfinite(ref[g]))
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#2ca02c\" "
                       "stroke-dasharray=\"4 3\"><title>reference %.4g</title></line>",
                    gx + gw * 0.05, py_of(ref[g], ymin, ymax), gx + gw * 0.95, py_of(ref[g], ymin, ymax), ref[g]);
        for (int i = 0; i < ns; i++) {
            /* seeds as hollow circles spread across the left of the slot, the mean as a
             * bar with its interval to their right */
            const double x = gx + gw * 0.1 + i * sw, dots = sw * 0.45, cx = x + sw * 0.7;
            for (int k = 0; k < s[i].n; k++) {
                double v = s[i].v[g * s[i].n + k];
                if (!isfinite(v)) continue;
                double dx = x + sw * 0.05 + (s[i].n > 1 ? dots * k / (s[i].n - 1) : dots / 2);
                fprintf(f, "<circle class=\"seed\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"none\" stroke=\"%s\">"
                           "<title>seed %d: %.4g</title></circle>",
                        dx, py_of(v, ymin, ymax), s[i].color, k + 1, v);
            }
            if (!isfinite(s[i].mean[g])) continue;
            if (isfinite(s[i].lo[g]) && isfinite(s[i].hi[g])) {
                double pl = py_of(s[i].lo[g], ymin, ymax), ph = py_of(s[i].hi[g], ymin, ymax);
                fprintf(f, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fh6M%.1f %.1fh6\" stroke=\"%s\"/>", cx, pl, ph, cx - 3, pl,
                        cx - 3, ph, s[i].color);
            }
            double pm = py_of(s[i].mean[g], ymin, ymax);
            fprintf(f, "<rect class=\"mean\" x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"3\" fill=\"%s\">"
                       "<title>mean %.4g</title></rect>",
                    cx - 6, pm - 1.5, s[i].color, s[i].mean[g]);
        }
        fputc('\n', f);
    }
    fl_svg_series leg[8];
    int nl = 0;
    for (int i = 0; i < ns && nl < 7; i++) leg[nl++] = (fl_svg_series){s[i].name, s[i].color, NULL, NULL, 0};
    if (ref) leg[nl++] = (fl_svg_series){"reference", "#2ca02c", NULL, NULL, 0};
    legend(f, leg, nl);
    fputs("</svg>\n", f);
}

/* A colour of the heat map's scale at u in [0, 1]: white, through mid blue, to dark blue. */
static void heat_colour(double u, char out[8]) {
    static const double stop[3][3] = {{247, 251, 255}, {107, 174, 214}, {8, 48, 107}};
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    const int k = u < 0.5 ? 0 : 1;
    const double w = u < 0.5 ? u * 2 : (u - 0.5) * 2;
    int c[3];
    for (int i = 0; i < 3; i++) c[i] = (int)lround(stop[k][i] + w * (stop[k + 1][i] - stop[k][i]));
    snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

void fl_svg_heatmap(FILE *f, const char *title, const char *xlabel, const char *ylabel, const char *const *rows,
                    int nr, const char *const *cols, int nc, const double *v, double vmin, double vmax) {
    enum { HL = 80, HT = 30, HB = 70, BAR = 90, HW = 560 };
    const int avail_w = HW - HL - BAR, cell = nr > 0 && nc > 0 ? (avail_w / nc < 36 ? avail_w / nc : 36) : 36;
    const int ph = cell * nr, hh = HT + ph + HB > 200 ? HT + ph + HB : 200, x0 = HL, y0 = HT;
    if (!(vmax > vmin)) vmax = vmin + 1;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"11\">\n<text x=\"%d\" y=\"18\" font-size=\"13\" "
               "font-weight=\"bold\">",
            HW, hh, HW, hh, 10);
    fl_html_text(f, title);
    fputs("</text>\n", f);
    for (int i = 0; i < nr; i++) {
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", x0 - 4, y0 + (i + 0.5) * cell + 4);
        fl_html_text(f, rows[i]);
        fputs("</text>", f);
        for (int j = 0; j < nc; j++) {
            const double x = v[(size_t)i * nc + j];
            char col[8] = "#ffffff";
            const double u = (x - vmin) / (vmax - vmin);
            if (isfinite(x)) heat_colour(u, col);
            fprintf(f, "<rect class=\"cell\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
                       "stroke=\"#fff\"><title>",
                    x0 + j * cell, y0 + i * cell, cell, cell, col);
            fl_html_text(f, rows[i]), fputs(" / ", f), fl_html_text(f, cols[j]);
            fprintf(f, ": %.4f</title></rect>", x);
            if (cell >= 30 && isfinite(x)) /* the value in the cell, dark on light, light on dark */
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"9\" fill=\"%s\">%.2f</text>",
                        x0 + (j + 0.5) * cell, y0 + (i + 0.5) * cell + 3, u > 0.6 ? "#fff" : "#000", x);
        }
        fputc('\n', f);
    }
    for (int j = 0; j < nc; j++) { /* column labels, turned so long level names fit */
        const double cx = x0 + (j + 0.5) * cell + 3, cy = y0 + ph + 8;
        fprintf(f, "<text transform=\"translate(%.1f %.1f) rotate(-45)\" text-anchor=\"end\">", cx, cy);
        fl_html_text(f, cols[j]);
        fputs("</text>", f);
    }
    fprintf(f, "\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x0 + nc * cell / 2, hh - 6);
    fl_html_text(f, xlabel);
    fprintf(f, "</text>\n<text transform=\"translate(12 %d) rotate(-90)\" text-anchor=\"middle\">", y0 + ph / 2);
    fl_html_text(f, ylabel);
    fputs("</text>\n", f);
    /* the colour scale: 20 steps from vmin (bottom) to vmax (top), labelled at both ends and the middle */
    const int bx = x0 + nc * cell + 24, bh = ph > 120 ? ph : 120, steps = 20;
    for (int k = 0; k < steps; k++) {
        char col[8];
        heat_colour((k + 0.5) / steps, col);
        fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"14\" height=\"%.1f\" fill=\"%s\"/>", bx,
                y0 + bh - (k + 1) * (double)bh / steps, (double)bh / steps + 0.5, col);
    }
    for (int k = 0; k <= 2; k++)
        fprintf(f, "<text class=\"scale\" x=\"%d\" y=\"%.1f\">%g</text>", bx + 18, y0 + bh - k * bh / 2.0 + 4,
                vmin + k * (vmax - vmin) / 2);
    fputs("\n</svg>\n", f);
}
