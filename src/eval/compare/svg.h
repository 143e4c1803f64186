/* Inline SVG charts and HTML-escaped text for compare's report: one
 * self-contained file with no scripts to fail. */
#ifndef FL_EVAL_COMPARE_SVG_H
#define FL_EVAL_COMPARE_SVG_H
#include <stddef.h>
#include <stdio.h>

/* Inline SVG charts for the report (self-contained, no scripts). */
typedef struct {
    const char *name;
    const char *color;
    const double *x, *y; /* x may be NULL: 1, 2, ... */
    int n;
} fl_svg_series;
void fl_svg_lines(FILE *f, const char *title, const char *xlabel, const char *ylabel, const fl_svg_series *s, int ns);
/* Bars with optional intervals (lo/hi may be NULL): groups x series. The axis
 * spans [ymin, ymax], or the data and zero when ymax <= ymin; bars start at zero
 * (a negative value points down). */
void fl_svg_bars(FILE *f, const char *title, const char *ylabel, const char *const *groups, int ng,
                 const fl_svg_series *s, int ns, const double *const *lo, const double *const *hi, double ymin,
                 double ymax);
/* Values over seeds: for each group, every seed's value as a point and the mean
 * with its interval beside them. v holds group g's seed k at v[g * n + k]
 * (NAN: none); mean, lo, hi one per group (lo/hi NAN: no interval). */
typedef struct {
    const char *name, *color;
    const double *v;
    int n;
    const double *mean, *lo, *hi;
} fl_svg_seed_series;
/* The axis spans [ymin, ymax], or the data when ymax <= ymin; ref (may be NULL)
 * draws one dashed reference value per group (the human continuation's score). */
void fl_svg_seeds(FILE *f, const char *title, const char *ylabel, const char *const *groups, int ng,
                  const fl_svg_seed_series *s, int ns, double ymin, double ymax, const double *ref);
/* A heat map of v [nr, nc] (row-major; NAN: a white cell), rows labelled top to bottom, columns left
 * to right, coloured from vmin (white) to vmax (dark blue) beside a colour scale; each cell's value in
 * its tooltip, and printed in it when the cells are large enough. */
void fl_svg_heatmap(FILE *f, const char *title, const char *xlabel, const char *ylabel, const char *const *rows,
                    int nr, const char *const *cols, int nc, const double *v, double vmin, double vmax);
/* HTML-escaped text (fl_html_text_n: n bytes, which may hold a NUL). */
void fl_html_text(FILE *f, const char *s);
void fl_html_text_n(FILE *f, const char *s, size_t n);

#endif
