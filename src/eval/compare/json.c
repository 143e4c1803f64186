/* Compare's JSON file (every number of the report) and the writing of both
 * files under temporary names, renamed into place at the end. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/compare/compare.h"
#include "eval/measures/output.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

static void json_str(FILE *f, const char *s) { fl_json_write_string(f, s, strlen(s)); }

/* A run's matched checkpoint: where it is, its loss, how far from the target. */
static void json_pick(FILE *f, const fl_compare_side *s) {
    fprintf(f, "\"run\":");
    json_str(f, s->run);
    fprintf(f, ",\"checkpoint\":");
    json_str(f, s->pick.dir);
    fprintf(f, ",\"step\":%ld,\"val_next_token_loss\":", s->pick.step);
    fl_json_num(f, s->pick.val_loss);
    fprintf(f, ",\"best_val_next_token_loss\":");
    fl_json_num(f, s->best);
    /* the gap of a logged (finite) loss to a finite target is finite */
    fprintf(f, ",\"gap_to_target\":%.9g,\"gap_warning\":%s,\"train_flops\":", s->gap, s->gap_warned ? "true" : "false");
    fl_json_num(f, s->train_flops); /* null when unknown */
}

/* One text run's numbers; cd (may be NULL) is the countdown run shown with it in
 * the single-pair fields ("gpt", "ftp") a version-1 reader knows. */
static void json_side(FILE *f, const fl_compare_side *s, const fl_compare_result *r, const fl_compare_pair *cd, int k,
                      int measured) {
    fputc('{', f);
    json_pick(f, s);
    if (measured) {
        fprintf(f, ",\"ppl\":");
        fl_json_ppl(f, &s->ppl);
        fprintf(f, ",\"offsets\":");
        fl_json_offsets(f, &s->off);
        fprintf(f, ",\"smoothness\":");
        fl_json_smooth(f, &s->sm);
        fprintf(f, ",\"probes\":{");
        for (int i = 0; i < r->n_sets; i++) {
            fprintf(f, "%s\"%s\":", i ? "," : "", r->sets[i]);
            fl_json_probe(f, &s->probe[i]);
        }
        fprintf(f, "},\"coherence\":");
        fl_json_coherence(f, &s->coh);
        fl_compare_top_json_side(f, r, s);
    }
    if (cd) {
        const fl_compare_side *c = &cd->side[k];
        fprintf(f, ",\"countdown\":{");
        json_pick(f, c);
        fprintf(f, ",\"target_loss\":");
        fl_json_num(f, cd->target);
        fprintf(f, ",\"result\":");
        fl_json_countdown(f, &c->cd);
        fputc('}', f);
    }
    fputc('}', f);
}

static void json_pairs(FILE *f, const fl_compare_result *r, const fl_compare_pair *p, int n, int cd) {
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s{\"seed_index\":%d,\"target_loss\":", i ? "," : "", i + 1);
        fl_json_num(f, p[i].target);
        fprintf(f, ",\"dropped\":%s", p[i].dropped ? "true" : "false");
        if (!cd) fl_compare_top_json_pair(f, r, &p[i]);
        for (int k = 0; k < 2; k++) {
            fprintf(f, ",\"%s\":", k ? "ftp" : "gpt");
            if (!cd) {
                json_side(f, &p[i].side[k], r, NULL, k, !p[i].dropped);
                continue;
            }
            fputc('{', f);
            json_pick(f, &p[i].side[k]);
            if (!p[i].dropped) fprintf(f, ",\"result\":"), fl_json_countdown(f, &p[i].side[k].cd);
            fputc('}', f);
        }
        fputc('}', f);
    }
}

/* Mean, sd and the t-interval (null without one: n < 2). */
static void json_stats(FILE *f, const fl_seed_stats *s) {
    fprintf(f, "\"n\":%d,\"mean\":", s->n);
    fl_json_num(f, s->mean);
    fprintf(f, ",\"sd\":");
    fl_json_num(f, s->sd);
    fprintf(f, ",\"ci_lo\":");
    fl_json_num(f, s->has_ci ? s->lo : NAN);
    fprintf(f, ",\"ci_hi\":");
    fl_json_num(f, s->has_ci ? s->hi : NAN);
}
static void json_values(FILE *f, const double *v, int n) {
    fprintf(f, "\"values\":[");
    for (int i = 0; i < n; i++) {
        if (i) fputc(',', f);
        fl_json_num(f, v[i]);
    }
    fputs("],", f);
}

static void json_summary(FILE *f, const fl_compare_summary *S) {
    for (int i = 0; i < S->n; i++) {
        const fl_compare_metric *m = &S->m[i];
        fprintf(f, "%s{\"metric\":", i ? "," : "");
        json_str(f, m->name);
        fprintf(f, ",\"section\":\"%s\",\"better\":%s,\"gpt\":{", m->section,
                m->better == FL_BETTER_HIGHER ? "\"higher\"" : m->better == FL_BETTER_LOWER ? "\"lower\"" : "null");
        json_values(f, m->gpt, m->n);
        json_stats(f, &m->g);
        fprintf(f, "},\"ftp\":{");
        json_values(f, m->ftp, m->n);
        json_stats(f, &m->f);
        fprintf(f, "},\"ftp_minus_gpt\":{");
        json_stats(f, &m->d.diff);
        fprintf(f, ",\"ftp_higher\":%d,\"ftp_lower\":%d,\"ties\":%d}}", m->d.higher, m->d.lower, m->d.ties);
    }
}

void fl_compare_write_json(FILE *f, const fl_compare_result *r) {
    const fl_compare_pair *p = &r->pairs[r->first], *cd = r->n_cd ? &r->cd[r->cd_first] : NULL;
    fprintf(f, "{\"format\":\"futurelm-compare\",\"version\":3,\"seeds\":%d,\"pairs_kept\":%d,"
               "\"countdown_seeds\":%d,\"countdown_pairs_kept\":%d,",
            r->n_pairs, r->kept, r->n_cd, r->cd_kept);
    /* the first kept pair in version 1's fields, so a single-pair reader still works */
    fprintf(f, "\"target_loss\":");
    fl_json_num(f, p->target);
    fprintf(f, ",\"gpt\":");
    json_side(f, &p->side[0], r, cd, 0, 1);
    fprintf(f, ",\"ftp\":");
    json_side(f, &p->side[1], r, cd, 1, 1);
    fprintf(f, ",\"pairs\":[");
    json_pairs(f, r, r->pairs, r->n_pairs, 0);
    fprintf(f, "],\"countdown_pairs\":[");
    json_pairs(f, r, r->cd, r->n_cd, 1);
    /* what the topic probes read, and the notes on it (docs/evaluation.md) */
    fprintf(f, "],\"probe_data\":");
    if (r->probe_data) json_str(f, r->probe_data);
    else fputs("null", f);
    fprintf(f, ",\"probe_sets_skipped\":%s,\"probe_notes\":[", r->skipped_sets ? "true" : "false");
    for (int i = 0; i < r->n_probe_notes; i++) fputs(i ? "," : "", f), json_str(f, r->probe_notes[i]);
    fprintf(f, "]");
    fl_compare_top_json(f, r);
    fprintf(f, ",\"summary\":[");
    json_summary(f, &r->summary);
    fprintf(f, "]}\n");
}

/* REPORT.html -> REPORT.json (the extension of the last path component replaced, or added). */
static char *default_json_path(const char *report) {
    const char *dot = strrchr(report, '.'), *slash = strrchr(report, '/');
    int stem = dot && (!slash || dot > slash) ? (int)(dot - report) : (int)strlen(report);
    return fl_path_fmt("%.*s.json", stem, report);
}

fl_status fl_compare_write(const fl_compare_result *r, const char *report_path, const char *json_path, char **json_out,
                           fl_error *err) {
    if (json_out) *json_out = NULL;
    char *json = json_path ? strdup(json_path) : default_json_path(report_path);
    char *tmp_html = fl_path_fmt("%s.tmp-%ld", report_path, (long)getpid());
    char *tmp_json = json ? fl_path_fmt("%s.tmp-%ld", json, (long)getpid()) : NULL;
    fl_status st = !json || !tmp_html || !tmp_json ? fl_fail(err, FL_ERR_NOMEM, "out of memory") : FL_OK;
    FILE *fh = NULL, *fj = NULL;
    if (!st) {
        fh = fopen(tmp_html, "w");
        fj = fopen(tmp_json, "w");
        if (!fh || !fj) st = fl_fail(err, FL_ERR_IO, "cannot write %s: %s", !fh ? tmp_html : tmp_json, strerror(errno));
    }
    if (!st) {
        fl_compare_write_json(fj, r);
        fl_compare_write_html(fh, r, json);
        int bad = ferror(fh) | ferror(fj);
        bad |= fclose(fh) != 0, fh = NULL;
        bad |= fclose(fj) != 0, fj = NULL;
        if (bad) st = fl_fail(err, FL_ERR_IO, "writing %s or %s failed (disk full?)", tmp_html, tmp_json);
        else if (rename(tmp_json, json))
            st = fl_fail(err, FL_ERR_IO, "cannot rename %s into place: %s", json, strerror(errno));
        else if (rename(tmp_html, report_path))
            st = fl_fail(err, FL_ERR_IO, "cannot rename %s into place: %s", report_path, strerror(errno)), unlink(json);
    }
    if (fh) fclose(fh);
    if (fj) fclose(fj);
    if (st && tmp_html) unlink(tmp_html);
    if (st && tmp_json) unlink(tmp_json);
    free(tmp_html);
    free(tmp_json);
    if (!st && json_out) *json_out = json;
    else free(json);
    return st;
}
