/* What `futurelm compare` needs besides the evaluations: a run's training
 * curves, the checkpoint of each run closest to a shared validation loss
 * (DESIGN.md 4: claims are compared at matched next-token loss), and inline SVG
 * charts, so the report is one self-contained file with no scripts to fail. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/run.h"
#include "util/error.h"
#include "util/json.h"

static fl_status curve_push(fl_curve *c, long step, double v, int *cap, fl_error *err) {
    if (c->n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        long *s = realloc(c->step, (size_t)*cap * sizeof *s);
        if (s) c->step = s;
        double *x = realloc(c->value, (size_t)*cap * sizeof *x);
        if (x) c->value = x;
        if (!s || !x) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    c->step[c->n] = step;
    c->value[c->n++] = v;
    return FL_OK;
}

fl_status fl_run_metrics_read(const char *run_dir, fl_run_metrics *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    char path[FL_EVAL_PATH + 32];
    snprintf(path, sizeof path, "%s/metrics.jsonl", run_dir);
    FILE *f = fopen(path, "r");
    if (!f) return fl_fail(err, FL_ERR_IO, "cannot open %s: is %s a run directory written by futurelm train?", path, run_dir);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int cap_t = 0, cap_v = 0;
    fl_status st = FL_OK;
    while (!st && (len = getline(&line, &cap, f)) > 0) {
        fl_json_doc *doc = fl_json_parse(line, (size_t)len, NULL, 0);
        if (!doc) continue; /* a line cut by a crash is not worth failing the report */
        const fl_json *root = fl_json_root(doc), *s = fl_json_get(root, "step");
        const fl_json *val = fl_json_get(root, "val_next_token_loss"), *tr = fl_json_get(root, "next_token_loss");
        int64_t step;
        if (s && !fl_json_int64(s, &step)) {
            if (val && val->type == FL_JSON_NUMBER) st = curve_push(&r->val, (long)step, val->num, &cap_v, err);
            else if (tr && tr->type == FL_JSON_NUMBER) st = curve_push(&r->train, (long)step, tr->num, &cap_t, err);
        }
        fl_json_free(doc);
    }
    free(line);
    fclose(f);
    if (!st && r->val.n == 0)
        st = fl_fail(err, FL_ERR_FORMAT,
                     "%s has no validation loss lines (val_next_token_loss); train with train.eval_every > 0", path);
    if (st) fl_run_metrics_free(r);
    return st;
}

void fl_run_metrics_free(fl_run_metrics *r) {
    free(r->train.step), free(r->train.value), free(r->val.step), free(r->val.value);
    memset(r, 0, sizeof *r);
}

/* The validation loss logged at a step (the last such line: a resumed run may repeat a step). */
static int val_at(const fl_run_metrics *mt, long step, double *v) {
    int found = 0;
    for (int i = 0; i < mt->val.n; i++)
        if (mt->val.step[i] == step) *v = mt->val.value[i], found = 1;
    return found;
}

/* Calls fn for every RUN/step_N checkpoint that has a logged validation loss. */
typedef void (*ckpt_fn)(void *ctx, const char *name, long step, double loss);
static fl_status each_ckpt(const char *run_dir, const fl_run_metrics *mt, ckpt_fn fn, void *ctx, fl_error *err) {
    DIR *d = opendir(run_dir);
    if (!d) return fl_fail(err, FL_ERR_IO, "cannot open the run directory %s", run_dir);
    int seen = 0, usable = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char *end;
        if (strncmp(e->d_name, "step_", 5)) continue;
        long step = strtol(e->d_name + 5, &end, 10);
        if (*end || end == e->d_name + 5) continue; /* step_N.tmp-PID: a checkpoint being written */
        seen++;
        double v;
        if (val_at(mt, step, &v)) fn(ctx, e->d_name, step, v), usable++;
    }
    closedir(d);
    if (!usable)
        return fl_fail(err, FL_ERR_ARG,
                       "%s has %d checkpoints (step_*) but none at a step with a logged validation loss; train with "
                       "train.ckpt_every a multiple of train.eval_every",
                       run_dir, seen);
    return FL_OK;
}

typedef struct {
    double target, best_d;
    fl_ckpt_pick *out;
    const char *run;
} pick_ctx;
static void pick_one(void *ctx, const char *name, long step, double loss) {
    pick_ctx *p = ctx;
    double d = fabs(loss - p->target);
    if (d < p->best_d || (d == p->best_d && step > p->out->step)) {
        p->best_d = d;
        snprintf(p->out->dir, sizeof p->out->dir, "%s/%s", p->run, name);
        p->out->step = step;
        p->out->val_loss = loss;
    }
}

fl_status fl_pick_checkpoint(const char *run_dir, const fl_run_metrics *mt, double target, fl_ckpt_pick *out,
                             fl_error *err) {
    memset(out, 0, sizeof *out);
    out->step = -1;
    pick_ctx p = {target, INFINITY, out, run_dir};
    return each_ckpt(run_dir, mt, pick_one, &p, err);
}

static void min_one(void *ctx, const char *name, long step, double loss) {
    (void)name, (void)step;
    double *m = ctx;
    if (loss < *m) *m = loss;
}

fl_status fl_default_target(const char *run_a, const fl_run_metrics *a, const char *run_b, const fl_run_metrics *b,
                            double *target, fl_error *err) {
    double ma = INFINITY, mb = INFINITY;
    fl_status st = each_ckpt(run_a, a, min_one, &ma, err);
    if (!st) st = each_ckpt(run_b, b, min_one, &mb, err);
    if (!st) *target = ma > mb ? ma : mb;
    return st;
}

/* ---------------------------------------------------------------- SVG */

void fl_html_text(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            /* control bytes are not allowed in HTML text */
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t') fputc(*s, f);
        }
    }
}

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
