/* Compare's JSON file (every number of the report) and the writing of both
 * files under temporary names, renamed into place at the end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/compare/compare.h"
#include "eval/measures/output.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

static void json_side(FILE *f, const fl_compare_side *s, const fl_compare_result *r) {
    fprintf(f, "{\"run\":");
    fl_json_write_string(f, s->run, strlen(s->run));
    fprintf(f, ",\"checkpoint\":");
    fl_json_write_string(f, s->pick.dir, strlen(s->pick.dir));
    fprintf(f, ",\"step\":%ld,\"val_next_token_loss\":", s->pick.step);
    fl_json_num(f, s->pick.val_loss);
    /* the gap of a logged (finite) loss to a finite target is finite */
    fprintf(f, ",\"gap_to_target\":%.9g,\"gap_warning\":%s", s->gap, s->gap_warned ? "true" : "false");
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
    if (s->has_cd) {
        fprintf(f, ",\"countdown\":{\"checkpoint\":");
        fl_json_write_string(f, s->cd_pick.dir, strlen(s->cd_pick.dir));
        fprintf(f, ",\"step\":%ld,\"val_next_token_loss\":", s->cd_pick.step);
        fl_json_num(f, s->cd_pick.val_loss);
        fprintf(f, ",\"target_loss\":");
        fl_json_num(f, s->cd_target);
        fprintf(f, ",\"result\":");
        fl_json_countdown(f, &s->cd);
        fputc('}', f);
    }
    fputc('}', f);
}

void fl_compare_write_json(FILE *f, const fl_compare_result *r) {
    fprintf(f, "{\"format\":\"futurelm-compare\",\"target_loss\":");
    fl_json_num(f, r->target);
    fprintf(f, ",\"gpt\":");
    json_side(f, &r->side[0], r);
    fprintf(f, ",\"ftp\":");
    json_side(f, &r->side[1], r);
    fprintf(f, "}\n");
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
