/* The top-layer instruments of issue 18 in compare: the logit lens, neural
 * collapse and head directions of every kept model, and linear CKA between the
 * GPT and FTP model of every kept pair, all on the validation windows every
 * other measure of the report reads (so `futurelm eval lens|collapse|cka|neurons
 * --windows K` on the same checkpoints gives the same numbers). The JSON embeds
 * each measure's object exactly as `eval KIND --json` writes it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/compare/compare.h"
#include "eval/measures/output.h"

fl_status fl_compare_top_side(const fl_compare_opts *o, fl_compare_side *s, fl_model *m, const fl_windows *val,
                              fl_error *err) {
    const fl_top_opts *t = &o->top;
    s->lens.kind = FL_TOP_LENS, s->col.kind = FL_TOP_COLLAPSE, s->neu.kind = FL_TOP_NEURONS;
    fl_status st = fl_eval_lens(m, val, o->B, t->lens_positions, &s->lens.lens, err);
    if (!st) st = fl_eval_collapse(m, val, o->B, t->classes, t->per_class, &s->col.col, err);
    if (!st) st = fl_eval_neurons(m, val, o->B, t->neuron_positions, t->directions, t->coords, t->tokens, &s->neu.neu, err);
    return st;
}

fl_status fl_compare_top_cka(const fl_compare_opts *o, fl_compare_pair *p, fl_model *gpt, fl_model *ftp,
                             const fl_windows *val, fl_error *err) {
    p->cka.kind = FL_TOP_CKA;
    return fl_eval_cka(gpt, ftp, val, o->B, o->top.cka_positions, &p->cka.cka, err);
}

int fl_compare_cka_mean(const fl_compare_result *r, double *out, int *levels_a, int *levels_b) {
    int n = 0, la = 0, lb = 0;
    for (int i = 0; i < r->n_pairs; i++) {
        const fl_cka_result *c = &r->pairs[i].cka.cka;
        if (r->pairs[i].dropped || !c->cka) continue;
        la = c->levels_a, lb = c->levels_b; /* the same encoder in every run (compare checks) */
        if (out && !n) memset(out, 0, (size_t)la * lb * sizeof *out);
        if (out)
            for (int k = 0; k < la * lb; k++) out[k] += c->cka[k];
        n++;
    }
    if (out)
        for (int k = 0; k < la * lb && n; k++) out[k] /= n;
    if (levels_a) *levels_a = la;
    if (levels_b) *levels_b = lb;
    return n;
}

void fl_compare_top_json_side(FILE *f, const fl_compare_result *r, const fl_compare_side *s) {
    if (!r->toplayer || !s->lens.lens.loss) return;
    fputs(",\"toplayer\":{\"lens\":", f);
    fl_top_write_json_body(f, r->tok, NULL, &s->lens);
    fputs(",\"collapse\":", f);
    fl_top_write_json_body(f, r->tok, NULL, &s->col);
    fputs(",\"neurons\":", f);
    fl_top_write_json_body(f, r->tok, NULL, &s->neu);
    fputc('}', f);
}

void fl_compare_top_json_pair(FILE *f, const fl_compare_result *r, const fl_compare_pair *p) {
    if (!r->toplayer || !p->cka.cka.cka) return;
    fputs(",\"cka\":", f);
    fl_top_write_json_body(f, r->tok, NULL, &p->cka);
}

void fl_compare_top_json(FILE *f, const fl_compare_result *r) {
    int la, lb;
    const int n = r->toplayer ? fl_compare_cka_mean(r, NULL, &la, &lb) : 0;
    double *m = n ? malloc((size_t)la * lb * sizeof *m) : NULL;
    fputs(",\"cka_mean\":", f);
    if (!m) {
        fputs("null", f);
        return;
    }
    fl_compare_cka_mean(r, m, NULL, NULL);
    fprintf(f, "{\"pairs\":%d,\"rows\":\"gpt\",\"columns\":\"ftp\",\"matrix\":[", n);
    for (int i = 0; i < la; i++) {
        fputs(i ? ",[" : "[", f);
        for (int j = 0; j < lb; j++) fputs(j ? "," : "", f), fl_json_num(f, m[(size_t)i * lb + j]);
        fputc(']', f);
    }
    fputs("]}", f);
    free(m);
}
