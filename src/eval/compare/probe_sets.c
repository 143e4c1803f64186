/* Which labelled sets compare's topic probes and coherence's topic classifier
 * read (docs/evaluation.md, "Which labelled data"): the user's own folder
 * (--probe-data), else the shipped Brown/SpamAssassin sets, which are only the
 * run's own topics when the run trained on them. Whether it did is read from the
 * data folder's manifest.json: its "sources" list every file `prepare` read. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval/compare/compare.h"
#include "eval/measures/datasets.h"
#include "util/datapath.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

const char *const fl_compare_default_datasets = "brown,brown-coarse,spam-assassin";

enum { BROWN, SPAM, N_DIRS };
static const char *const DIR_NAME[N_DIRS] = {"brown", "spam-assassin"};
static const char *const SET_TITLE[N_DIRS] = {"Brown", "SpamAssassin"};

static int dir_of(const char *set) { return strncmp(set, "brown", 5) ? SPAM : BROWN; }

static int dir_exists(const char *p) {
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A line of r->probe_notes (dropped when the notes are full: four cases at most occur). */
static void note(fl_compare_result *r, const char *fmt, ...) FL_PRINTF(2, 3);
static void note(fl_compare_result *r, const char *fmt, ...) {
    if (r->n_probe_notes == FL_COMPARE_MAX_NOTES) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->probe_notes[r->n_probe_notes++], sizeof r->probe_notes[0], fmt, ap);
    va_end(ap);
}

/* "LABEL (N), ..." of the user's set, cut to fit n bytes. */
static void label_list(const fl_text_set *s, char *out, size_t n) {
    out[0] = 0;
    for (int c = 0; c < s->n_classes; c++) {
        int docs = 0;
        for (int i = 0; i < s->n; i++) docs += s->items[i].label == c;
        size_t at = strlen(out);
        int w = snprintf(out + at, n - at, "%s%s (%d)", c ? ", " : "", s->classes[c], docs);
        if (w < 0 || (size_t)w >= n - at) { /* cut at the last whole label */
            out[at] = 0;
            if (at + 6 <= n) memcpy(out + at, ", ...", 6);
            return;
        }
    }
}

fl_status fl_compare_pick_sets(const fl_compare_opts *o, fl_compare_result *r, fl_error *err) {
    r->explicit_sets = o->datasets != NULL;
    r->probe_data = o->probe_data;
    if (o->probe_data) {
        /* read once here, so a bad folder stops compare before any model is measured */
        fl_text_set s;
        fl_status st = fl_text_set_load_folder(o->probe_data, &s, err);
        if (st) return st;
        char labels[400];
        label_list(&s, labels, sizeof labels);
        note(r, "topic probes and coherence's topic classifier use --probe-data %s: %d labels, %d documents: %s",
             o->probe_data, s.n_classes, s.n, labels);
        fl_text_set_free(&s);
        snprintf(r->sets[r->n_sets++], sizeof r->sets[0], "%s", FL_COMPARE_PROBE_DATA);
    }
    /* with --probe-data the shipped sets run only when --datasets names them */
    const char *list = o->datasets ? o->datasets : o->probe_data ? "none" : fl_compare_default_datasets;
    if (!strcmp(list, "none")) return FL_OK;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (r->n_sets == FL_COMPARE_MAX_SETS)
            return fl_fail(err, FL_ERR_ARG, "--datasets: at most %d sets", FL_COMPARE_MAX_SETS - !!o->probe_data);
        if (strcmp(tok, "brown") && strcmp(tok, "brown-coarse") && strcmp(tok, "spam-assassin"))
            return fl_fail(err, FL_ERR_ARG, "--datasets: unknown set '%s' (brown, brown-coarse, spam-assassin or none)",
                           tok);
        char *d = NULL;
        fl_error nf = {0}; /* with no --data-root: where the data search looked, and the fetch command */
        if (fl_datapath_set_dir(o->data_root, DIR_NAME[dir_of(tok)], &d, &nf) == FL_ERR_NOMEM)
            return fl_fail(err, FL_ERR_NOMEM, "out of memory");
        int ok = dir_exists(d);
        fl_status st = FL_OK;
        if (!ok && o->datasets && d)
            st = fl_fail(err, FL_ERR_IO, "--datasets %s: %s does not exist (futurelm fetch %s)", tok, d,
                         DIR_NAME[dir_of(tok)]);
        else if (!ok && o->datasets) st = fl_fail(err, FL_ERR_IO, "--datasets %s: %s", tok, nf.msg);
        else if (!ok && o->log)
            fprintf(o->log, "futurelm: note: %s not found; skipping the %s probe\n", d ? d : DIR_NAME[dir_of(tok)], tok);
        else if (ok) snprintf(r->sets[r->n_sets++], sizeof r->sets[0], "%s", tok);
        free(d);
        if (st) return st;
    }
    return FL_OK;
}

/* Does the source path lie in the folder real_dir (resolved)? A path that no
 * longer resolves from here (prepared elsewhere, or moved) counts when its last
 * folders are NAME/text/, as scripts/get-data.sh lays the sets out. */
static int source_in(const char *path, const char *real_dir, const char *name) {
    char *rp = realpath(path, NULL);
    if (rp) {
        size_t n = real_dir ? strlen(real_dir) : 0;
        int in = n && !strncmp(rp, real_dir, n) && rp[n] == '/';
        free(rp);
        return in;
    }
    char tail[64];
    snprintf(tail, sizeof tail, "%s/text/", name);
    const char *hit = strstr(path, tail);
    return hit && (hit == path || hit[-1] == '/');
}

/* For each shipped folder, how many of the data folder's manifest sources lie
 * in it; returns the number of sources (0: none listed or no readable manifest). */
static int count_sources(const char *data, const char *root, int in[N_DIRS]) {
    in[BROWN] = in[SPAM] = 0;
    char *path = fl_path_join(data, "manifest.json"), *text = NULL;
    size_t len = 0;
    fl_error e;
    if (!path || fl_read_file(path, &text, &len, &e)) {
        free(path);
        return 0;
    }
    free(path);
    char msg[128];
    fl_json_doc *doc = fl_json_parse(text, len, msg, sizeof msg);
    const fl_json *root_obj = fl_json_root(doc);
    const fl_json *src = root_obj && root_obj->type == FL_JSON_OBJECT ? fl_json_get(root_obj, "sources") : NULL;
    char *real[N_DIRS];
    for (int d = 0; d < N_DIRS; d++) {
        char *p = NULL;
        fl_datapath_set_dir(root, DIR_NAME[d], &p, NULL); /* NULL when not found: matched by name alone */
        real[d] = p ? realpath(p, NULL) : NULL;
        free(p);
    }
    int n = 0;
    for (const fl_json *s = src && src->type == FL_JSON_ARRAY ? src->child : NULL; s; s = s->next) {
        const fl_json *p = s->type == FL_JSON_OBJECT ? fl_json_get(s, "path") : NULL;
        if (!p || p->type != FL_JSON_STRING) continue;
        n++;
        for (int d = 0; d < N_DIRS; d++) in[d] += source_in(p->str, real[d], DIR_NAME[d]);
    }
    for (int d = 0; d < N_DIRS; d++) free(real[d]);
    fl_json_free(doc);
    free(text);
    return n;
}

/* "Brown/SpamAssassin": the shipped sets among r->sets whose folder has (rel 1)
 * or has not (rel 0) sources in the training data; returns how many folders. */
static int titles(const fl_compare_result *r, const int in[N_DIRS], int related, char *out, size_t n) {
    int seen[N_DIRS] = {0}, k = 0;
    out[0] = 0;
    for (int i = 0; i < r->n_sets; i++) {
        if (!strcmp(r->sets[i], FL_COMPARE_PROBE_DATA)) continue;
        int d = dir_of(r->sets[i]);
        if (seen[d] || (in[d] > 0) != related) continue;
        seen[d] = 1;
        snprintf(out + strlen(out), n - strlen(out), "%s%s", k++ ? "/" : "", SET_TITLE[d]);
    }
    return k;
}

fl_status fl_compare_relate_sets(const fl_compare_opts *o, const char *data, fl_compare_result *r,
                                 fl_coherence_opts *co, int *want_clf, fl_error *err) {
    (void)err;
    *co = o->coherence;
    co->folder = o->probe_data;
    int in[N_DIRS];
    const int n = count_sources(data, o->data_root, in);
    char *where[N_DIRS] = {NULL, NULL}; /* each shipped set's folder, for the notes */
    for (int d = 0; d < N_DIRS; d++) fl_datapath_set_dir(o->data_root, DIR_NAME[d], &where[d], NULL);
    char *brown = NULL;
    fl_datapath_set_dir(co->data_root, DIR_NAME[dir_of(co->dataset)], &brown, NULL);
    const int clf_shipped = !o->probe_data && strcmp(co->dataset, "none") && dir_exists(brown);
    free(brown);
    const int clf_related = n == 0 || in[dir_of(co->dataset)] > 0;
    int shipped = 0;
    for (int i = 0; i < r->n_sets; i++) shipped += strcmp(r->sets[i], FL_COMPARE_PROBE_DATA) != 0;
    /* the classifier of topic agreement: the user's labels, or the shipped set when
     * the run trained on it, when compare cannot tell, or when --datasets asked
     * for the shipped sets; otherwise agreement is left out, as without a set */
    *want_clf = o->probe_data || (clf_shipped && (clf_related || (shipped && r->explicit_sets)));
    const char *clf_set = SET_TITLE[dir_of(co->dataset)];
    char names[64];
    if (n == 0) {
        /* no sources to read: the numbers are kept, with what cannot be told */
        if (shipped || (*want_clf && !o->probe_data))
            note(r, "compare cannot tell whether the shipped Brown/SpamAssassin sets are part of this run's training "
                    "data (%s/manifest.json lists no sources): if not, the topic probes measure transfer, not the "
                    "run's own topics; give --probe-data DIR for your own labels, or --datasets none to skip them",
                 data);
    } else if (shipped && !r->explicit_sets && !titles(r, in, 1, names, sizeof names)) {
        /* the default list on a corpus of its own: none of the shipped sets is among its inputs */
        titles(r, in, 0, names, sizeof names);
        note(r, "topic probes would use %s, which %s not part of this run's training data (none of the %d sources in "
                "%s/manifest.json lies in %s or %s): their numbers would measure transfer, not "
                "the run's own topics, so compare skips them%s; give --probe-data DIR for your own labels, or "
                "--datasets %s to run them anyway",
             names, strchr(names, '/') ? "are" : "is", n, data, where[BROWN] ? where[BROWN] : DIR_NAME[BROWN],
             where[SPAM] ? where[SPAM] : DIR_NAME[SPAM],
             clf_shipped ? " and coherence's topic agreement" : "", fl_compare_default_datasets);
        r->n_sets = 0;
        r->skipped_sets = 1;
    } else if (titles(r, in, 0, names, sizeof names)) {
        note(r, "topic probes use %s, which %s not part of this run's training data (no source in %s/manifest.json "
                "lies in %s's folder under %s): their numbers measure transfer, not the run's own topics%s; give "
                "--probe-data DIR for your own labels, or --datasets none to skip them",
             names, strchr(names, '/') ? "are" : "is", data, names,
             o->data_root ? o->data_root : "the data folders (futurelm fetch --help)",
             *want_clf && !o->probe_data && !clf_related ? " (coherence's topic agreement too: its classifier is "
                                                          "trained on the same text)" : "");
    }
    if (clf_shipped && !*want_clf && !r->skipped_sets)
        note(r, "coherence's topic agreement is left out: its classifier would be trained on %s (%s), which is not "
                "part of this run's training data; give --probe-data DIR for your own labels",
             clf_set, co->dataset);
    if (o->log)
        for (int i = 0; i < r->n_probe_notes; i++) fprintf(o->log, "futurelm: note: %s\n", r->probe_notes[i]);
    for (int d = 0; d < N_DIRS; d++) free(where[d]);
    return FL_OK;
}
