#include "data/inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static fl_status add_file(fl_input_list *l, const char *path, int explicit_, fl_error *err) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        fl_input_file *f = realloc(l->files, cap * sizeof *f);
        if (!f) return fl_fail(err, FL_ERR_NOMEM, "out of memory listing inputs");
        l->files = f, l->cap = cap;
    }
    char *p = strdup(path);
    if (!p) return fl_fail(err, FL_ERR_NOMEM, "out of memory listing inputs");
    l->files[l->n].path = p;
    l->files[l->n].jsonl = ends_with(path, ".jsonl");
    l->files[l->n].explicit_ = explicit_;
    l->n++;
    return FL_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static fl_status walk(fl_input_list *l, const char *dir, int depth, fl_error *err) {
    if (depth > 64) return fl_fail(err, FL_ERR_IO, "'%s': folders nested too deeply (a link loop?)", dir);
    DIR *d = opendir(dir);
    if (!d) return fl_fail(err, FL_ERR_IO, "cannot open folder '%s': %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    fl_status st = FL_OK;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = fl_fail(err, FL_ERR_NOMEM, "out of memory listing '%s'", dir);
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name))) {
            st = fl_fail(err, FL_ERR_NOMEM, "out of memory listing '%s'", dir);
            break;
        }
        n++;
    }
    closedir(d);
    if (!st && n) qsort(names, n, sizeof *names, cmp_str); /* qsort(NULL, 0) is undefined */
    for (size_t i = 0; i < n && !st; i++) {
        char *p = fl_path_join(dir, names[i]);
        if (!p) {
            st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
            break;
        }
        struct stat sb;
        if (stat(p, &sb) == 0) {
            if (S_ISDIR(sb.st_mode))
                st = walk(l, p, depth + 1, err);
            else if (S_ISREG(sb.st_mode) && (ends_with(p, ".txt") || ends_with(p, ".text") || ends_with(p, ".md") ||
                                             ends_with(p, ".jsonl")))
                st = add_file(l, p, 0, err);
        }
        free(p);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return st;
}

fl_status fl_inputs_collect(char *const *paths, int npaths, fl_input_list *out, fl_error *err) {
    memset(out, 0, sizeof *out);
    if (npaths == 0) return fl_fail(err, FL_ERR_ARG, "no --input given; name at least one file or folder of text");
    fl_status st = FL_OK;
    for (int i = 0; i < npaths && !st; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0) {
            st = fl_fail(err, FL_ERR_IO, "input '%s' does not exist (%s)", paths[i], strerror(errno));
        } else if (S_ISDIR(sb.st_mode)) {
            size_t before = out->n;
            st = walk(out, paths[i], 0, err);
            if (!st && out->n == before)
                st = fl_fail(err, FL_ERR_IO,
                             "input folder '%s' holds no text files (*.txt, *.text, *.md, *.jsonl); point --input at "
                             "the files or the right folder",
                             paths[i]);
        } else if (S_ISREG(sb.st_mode)) {
            st = add_file(out, paths[i], 1, err);
        } else {
            st = fl_fail(err, FL_ERR_IO, "input '%s' is neither a file nor a folder", paths[i]);
        }
    }
    if (st) fl_inputs_free(out);
    return st;
}

void fl_inputs_free(fl_input_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->files[i].path);
    free(l->files);
    memset(l, 0, sizeof *l);
}

/* One JSONL line: hand its "text" to fn. */
static fl_status jsonl_line(const fl_input_file *f, size_t lineno, const char *line, size_t n, fl_doc_fn fn, void *user,
                            size_t *ndocs, fl_error *err) {
    size_t a = 0;
    while (a < n && (line[a] == ' ' || line[a] == '\t' || line[a] == '\r' || line[a] == '\n')) a++;
    if (a == n) return FL_OK;
    char msg[200];
    fl_json_doc *doc = fl_json_parse(line + a, n - a, msg, sizeof msg);
    const fl_json *root = fl_json_root(doc);
    const fl_json *t = root && root->type == FL_JSON_OBJECT ? fl_json_get(root, "text") : NULL;
    fl_status st = FL_OK;
    if (!doc)
        st = fl_fail(err, FL_ERR_FORMAT, "%s:%zu: not valid JSON (%s)", f->path, lineno, msg);
    else if (!t || t->type != FL_JSON_STRING)
        st = fl_fail(err, FL_ERR_FORMAT, "%s:%zu: each JSONL line needs a string field \"text\"", f->path, lineno);
    else if (t->len > 0) {
        st = fn(t->str, t->len, user, err);
        if (!st) (*ndocs)++;
    }
    fl_json_free(doc);
    return st;
}

fl_status fl_inputs_read_docs(const fl_input_file *f, fl_doc_fn fn, void *user, size_t *ndocs, fl_error *err) {
    *ndocs = 0;
    fl_status st = FL_OK;
    if (f->jsonl) { /* streamed line by line: JSONL files may be larger than memory */
        FILE *fp = fopen(f->path, "rb");
        if (!fp) return fl_fail(err, FL_ERR_IO, "cannot open '%s': %s", f->path, strerror(errno));
        char *line = NULL;
        size_t cap = 0, lineno = 0;
        ssize_t n;
        while (!st && (n = getline(&line, &cap, fp)) >= 0)
            st = jsonl_line(f, ++lineno, line, (size_t)n, fn, user, ndocs, err);
        if (!st && ferror(fp)) st = fl_fail(err, FL_ERR_IO, "cannot read '%s'", f->path);
        free(line);
        fclose(fp);
    } else {
        char *data;
        size_t len;
        if ((st = fl_read_file(f->path, &data, &len, err))) return st;
        if (len > 0) {
            st = fn(data, len, user, err);
            if (!st) *ndocs = 1;
        }
        free(data);
    }
    if (!st && *ndocs == 0 && f->explicit_)
        st = fl_fail(err, FL_ERR_FORMAT, "input '%s' is empty (no text to use)", f->path);
    return st;
}
