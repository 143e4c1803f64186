/* Pieces of compare's HTML page shared by html.c (the page, runs and summary
 * tables) and html_sections.c (the report's five sections). */
#ifndef FL_EVAL_COMPARE_HTML_H
#define FL_EVAL_COMPARE_HTML_H
#include <stdio.h>

#include "eval/compare/compare.h"

/* A chart of the summary metrics whose names start with prefix, one group each
 * (labelled by the rest of the name, or by title's metric when nothing is left):
 * GPT and FTP each with every seed as a point and the mean with its t-interval;
 * ref (may be NULL) one reference value per group. No such metric: no chart. */
void fl_compare_seed_chart(FILE *f, const fl_compare_result *r, const char *title, const char *ylabel,
                           const char *prefix, double ymin, double ymax, const double *ref);
/* "0.1234 [0.1000, 0.1468]", or "0.1234 (n=1: no interval)". */
void fl_compare_html_stat(FILE *f, const fl_seed_stats *s);
/* The report's sections 1-5, then 6 (html_top.c: the top-layer instruments). */
void fl_compare_html_sections(FILE *f, const fl_compare_result *r);
void fl_compare_html_top(FILE *f, const fl_compare_result *r);

#endif
