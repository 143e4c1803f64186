/* Labelled text sets for the topic probe (docs/design.md 4.3, section 5): Brown's
 * genres and SpamAssassin's mailing-list topics as fetched by
 * scripts/get-data.sh (DIR/labels.tsv + DIR/text/FILE), cut into fixed-length
 * token chunks and split train/val/test by document. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval/measures/datasets.h"
#include "util/datapath.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/rng.h"

void fl_text_set_free(fl_text_set *s) {
    for (int i = 0; i < s->n; i++) {
        free(s->items[i].file);
        free(s->items[i].text);
    }
    for (int c = 0; c < s->n_classes; c++) free(s->classes[c]);
    free(s->items);
    free(s->classes);
    memset(s, 0, sizeof *s);
}

/* Split line (modified in place) at tabs into at most max fields; returns the count. */
static int fields(char *line, char **f, int max) {
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') *p = 0, f[n++] = p + 1;
    for (int i = 0; i < n; i++) { /* a CRLF file's \r is not part of the last field */
        size_t l = strlen(f[i]);
        if (l && f[i][l - 1] == '\r') f[i][l - 1] = 0;
    }
    return n;
}

static int contains_ci(const char *line, size_t len, const char *needle) {
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= len; i++) {
        size_t k = 0;
        while (k < m && tolower((unsigned char)line[i + k]) == needle[k]) k++;
        if (k == m) return 1;
    }
    return 0;
}

/* E-mail: drop the header block (up to the first blank line) and every line that
 * would name the list: addresses, URLs and the lists' footers. What is left is
 * what people wrote, which is what a topic probe should see. */
static size_t clean_mail(char *t, size_t len) {
    size_t body = 0;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '\n' && (i + 1 < len && (t[i + 1] == '\n' || (t[i + 1] == '\r' && i + 2 < len && t[i + 2] == '\n')))) {
            body = i + (t[i + 1] == '\n' ? 2 : 3);
            break;
        }
    static const char *const DROP[] = {"://", "www.", "@", "mailing list", "unsubscribe", "sponsored by", "listinfo"};
    size_t out = 0;
    for (size_t i = body; i < len;) {
        size_t e = i;
        while (e < len && t[e] != '\n') e++;
        int keep = 1;
        for (size_t k = 0; k < sizeof DROP / sizeof DROP[0] && keep; k++) keep = !contains_ci(t + i, e - i, DROP[k]);
        if (keep) {
            size_t l = e - i;
            if (l && t[i + l - 1] == '\r') l--;
            memmove(t + out, t + i, l);
            out += l;
            /* only a line that had a newline gets one: a last line without it
             * would otherwise put the newline at t[len], past the text */
            if (e < len) t[out++] = '\n';
        }
        i = e + 1;
    }
    /* out <= len: each kept line is written at or before where it was read. At
     * out == len nothing was dropped and t[len] is the reader's own terminator. */
    if (out < len) t[out] = 0;
    return out;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

fl_status fl_text_set_load(const char *dir, const char *label_column, int mail, fl_text_set *out, fl_error *err) {
    memset(out, 0, sizeof *out);
    char *path = fl_path_join(dir, "labels.tsv");
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    char *tsv;
    size_t len;
    fl_status st = fl_read_file(path, &tsv, &len, err);
    if (st) {
        char msg[FL_ERROR_MSG_LEN]; /* a copy: fl_fail writes into err->msg */
        snprintf(msg, sizeof msg, "%.400s", err ? err->msg : path);
        free(path);
        return fl_fail(err, st, "%s; fetch the shipped sets with: futurelm fetch brown spam-assassin", msg);
    }
    free(path);
    char *line = tsv, *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    char *head[32];
    int nh = fields(line, head, 32), col = -1;
    for (int i = 1; i < nh; i++)
        if (!strcmp(head[i], label_column)) col = i;
    if (nh < 2 || strcmp(head[0], "file") || col < 0) {
        char cols[256] = "";
        for (int i = 0; i < nh; i++)
            snprintf(cols + strlen(cols), sizeof cols - strlen(cols), "%s%s", i ? ", " : "", head[i]);
        free(tsv);
        return fl_fail(err, FL_ERR_FORMAT, "%s/labels.tsv has no label column '%s' after 'file' (its columns: %s)", dir,
                       label_column, cols);
    }
    /* first pass: rows with a label */
    char **labels = NULL;
    int cap = 0, lineno = 1;
    for (char *p = nl ? nl + 1 : NULL; p && *p && !st; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl) *nl = 0;
        lineno++;
        char *f[32];
        int nf = fields(p, f, 32);
        if (nf == 1 && !f[0][0]) continue; /* blank line */
        if (col >= nf || !f[col][0]) continue; /* unlabelled (e.g. spam, or ham without a list) */
        if (out->n == cap) {
            cap = cap ? 2 * cap : 256;
            fl_ltext *ni = realloc(out->items, sizeof *ni * (size_t)cap);
            char **nlab = realloc(labels, sizeof *nlab * (size_t)cap);
            if (ni) out->items = ni;
            if (nlab) labels = nlab;
            if (!ni || !nlab) {
                st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
                break;
            }
        }
        fl_ltext *it = &out->items[out->n];
        memset(it, 0, sizeof *it);
        labels[out->n] = f[col];
        it->file = strdup(f[0]);
        out->n++;
        if (!it->file) {
            st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
            break;
        }
        char *text, *fpath = fl_path_fmt("%s/text/%s", dir, f[0]);
        size_t tl;
        if (!fpath) {
            st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
            break;
        }
        st = fl_read_file(fpath, &text, &tl, err);
        if (st) {
            char msg[FL_ERROR_MSG_LEN];
            snprintf(msg, sizeof msg, "%.400s", err ? err->msg : fpath);
            free(fpath);
            st = fl_fail(err, st, "%s (listed on line %d of %s/labels.tsv)", msg, lineno, dir);
            break;
        }
        free(fpath);
        it->text = text;
        it->len = mail ? clean_mail(text, tl) : tl;
    }
    if (!st && out->n == 0)
        st = fl_fail(err, FL_ERR_FORMAT, "%s/labels.tsv labels no text in column '%s'", dir, label_column);
    /* classes: the distinct labels, sorted by name, so indices do not depend on row order */
    if (!st) {
        char **sorted = malloc(sizeof *sorted * (size_t)out->n);
        out->classes = malloc(sizeof *out->classes * (size_t)out->n);
        if (!sorted || !out->classes) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
        else {
            memcpy(sorted, labels, sizeof *sorted * (size_t)out->n);
            qsort(sorted, (size_t)out->n, sizeof *sorted, cmp_str);
            for (int i = 0; i < out->n && !st; i++)
                if (i == 0 || strcmp(sorted[i], sorted[i - 1])) {
                    if (!(out->classes[out->n_classes] = strdup(sorted[i])))
                        st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
                    else out->n_classes++;
                }
            for (int i = 0; i < out->n && !st; i++) {
                char **hit = bsearch(&labels[i], out->classes, (size_t)out->n_classes, sizeof(char *), cmp_str);
                out->items[i].label = (int)(hit - out->classes);
            }
        }
        free(sorted);
    }
    free(labels);
    free(tsv);
    if (st) fl_text_set_free(out);
    return st;
}

fl_status fl_text_set_load_named(const char *root, const char *name, fl_text_set *out, fl_error *err) {
    static const struct {
        const char *name, *dir, *column;
        int mail;
    } SETS[] = {{"brown", "brown", "genre", 0}, {"brown-coarse", "brown", "coarse", 0},
                {"spam-assassin", "spam-assassin", "topic", 1}};
    for (size_t i = 0; i < sizeof SETS / sizeof SETS[0]; i++)
        if (!strcmp(name, SETS[i].name)) {
            char *dir = NULL;
            fl_status st = fl_datapath_set_dir(root, SETS[i].dir, &dir, err);
            if (st) {
                memset(out, 0, sizeof *out);
                return st;
            }
            st = fl_text_set_load(dir, SETS[i].column, SETS[i].mail, out, err);
            free(dir);
            return st;
        }
    memset(out, 0, sizeof *out);
    return fl_fail(err, FL_ERR_ARG, "unknown dataset '%s' (brown, brown-coarse or spam-assassin)", name);
}

/* Names of the non-hidden entries of dir, sorted by strcmp (so the order never
 * depends on the locale or the file system); NULL with *n = -1 when dir cannot
 * be read. */
static char **list_dir(const char *dir, int *n) {
    *n = -1;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **v = NULL;
    int cap = 0, k = 0, ok = 1;
    for (struct dirent *e; ok && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue; /* ., .. and hidden files (.DS_Store, editors' swap files) */
        if (k == cap) {
            cap = cap ? 2 * cap : 16;
            char **nv = realloc(v, sizeof *nv * (size_t)cap);
            if (!nv) ok = 0;
            else v = nv;
        }
        if (ok && !(v[k] = strdup(e->d_name))) ok = 0;
        if (ok) k++;
    }
    closedir(d);
    if (!ok) {
        for (int i = 0; i < k; i++) free(v[i]);
        free(v);
        return NULL;
    }
    if (k) qsort(v, (size_t)k, sizeof *v, cmp_str);
    *n = k;
    return v ? v : malloc(1);
}

static void free_names(char **v, int n) {
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* One document of a label folder: read, and refused when it is empty or holds
 * a NUL byte (a binary file, which a tokenizer would read as noise). */
static fl_status read_doc(const char *path, fl_ltext *it, fl_error *err) {
    fl_status st = fl_read_file(path, &it->text, &it->len, err);
    if (st) {
        char msg[FL_ERROR_MSG_LEN]; /* a copy: fl_fail writes into err->msg */
        snprintf(msg, sizeof msg, "%.400s", err ? err->msg : path);
        return fl_fail(err, st, "--probe-data: %s", msg);
    }
    if (it->len == 0) return fl_fail(err, FL_ERR_FORMAT, "%s is empty: every file of a label folder is a document", path);
    if (memchr(it->text, 0, it->len))
        return fl_fail(err, FL_ERR_FORMAT, "%s holds a NUL byte: not a text file (remove it from the folder)", path);
    return FL_OK;
}

fl_status fl_text_set_load_folder(const char *dir, fl_text_set *out, fl_error *err) {
    memset(out, 0, sizeof *out);
    struct stat sb;
    if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
        return fl_fail(err, FL_ERR_IO, "--probe-data %s: not a folder (it holds one folder per label, of text files)",
                       dir);
    int nl;
    char **labels = list_dir(dir, &nl);
    if (nl < 0) return fl_fail(err, FL_ERR_IO, "--probe-data %s: cannot read the folder", dir);
    fl_status st = FL_OK;
    int cap = 0;
    for (int c = 0; c < nl && !st; c++) {
        char *ldir = fl_path_join(dir, labels[c]);
        if (!ldir) {
            st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
            break;
        }
        int nf = -1;
        char **files = NULL;
        if (stat(ldir, &sb) || !S_ISDIR(sb.st_mode))
            st = fl_fail(err, FL_ERR_FORMAT, "--probe-data: %s is not a folder: %s must hold only folders, one per label",
                         ldir, dir);
        else if (!(files = list_dir(ldir, &nf)) && nf < 0)
            st = fl_fail(err, FL_ERR_IO, "--probe-data: cannot read the label folder %s", ldir);
        else if (nf < FL_TEXT_SET_MIN_DOCS)
            st = fl_fail(err, FL_ERR_FORMAT,
                         "--probe-data: label '%s' has %d document%s (%s); a label needs at least %d files, one each "
                         "for the probe's train, validation and test splits",
                         labels[c], nf, nf == 1 ? "" : "s", ldir, FL_TEXT_SET_MIN_DOCS);
        else {
            char **nc = realloc(out->classes, sizeof *nc * (size_t)(out->n_classes + 1));
            if (!nc) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
            else out->classes = nc, nc[out->n_classes++] = labels[c], labels[c] = NULL;
        }
        for (int i = 0; i < nf && !st; i++) {
            if (out->n == cap) {
                cap = cap ? 2 * cap : 64;
                fl_ltext *ni = realloc(out->items, sizeof *ni * (size_t)cap);
                if (!ni) {
                    st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
                    break;
                }
                out->items = ni;
            }
            fl_ltext *it = &out->items[out->n++];
            memset(it, 0, sizeof *it);
            it->label = out->n_classes - 1;
            it->file = fl_path_fmt("%s/%s", out->classes[it->label], files[i]);
            char *fpath = fl_path_join(ldir, files[i]);
            if (!it->file || !fpath) st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
            else if (!stat(fpath, &sb) && !S_ISREG(sb.st_mode))
                st = fl_fail(err, FL_ERR_FORMAT, "--probe-data: %s is not a file: a label folder holds text files only",
                             fpath);
            else st = read_doc(fpath, it, err); /* one that cannot be stat'ed fails here, with the reader's reason */
            free(fpath);
        }
        if (files) free_names(files, nf);
        free(ldir);
    }
    if (!st && out->n_classes < 2)
        st = fl_fail(err, FL_ERR_FORMAT, "--probe-data %s: %d label folder%s; a topic probe needs at least 2 labels", dir,
                     out->n_classes, out->n_classes == 1 ? "" : "s");
    free_names(labels, nl);
    if (st) fl_text_set_free(out);
    return st;
}

fl_status fl_text_set_open(const char *folder, const char *data_root, const char *name, fl_text_set *out,
                           fl_error *err) {
    return folder ? fl_text_set_load_folder(folder, out, err) : fl_text_set_load_named(data_root, name, out, err);
}

void fl_chunked_free(fl_chunked *c) {
    for (int s = 0; s < 3; s++) {
        free(c->split[s].tokens);
        free(c->split[s].label);
        free(c->split[s].doc);
    }
    free(c->chunks);
    free(c->docs);
    memset(c, 0, sizeof *c);
}

static long lround_half_up(double x) { return (long)(x + 0.5); }

fl_status fl_chunk_texts(const fl_text_set *ts, const fl_tokenizer *tok, int L, int max_per_doc, double val_frac,
                         double test_frac, uint64_t seed, fl_chunked *out, fl_error *err) {
    memset(out, 0, sizeof *out);
    if (L < 1 || max_per_doc < 0) return fl_fail(err, FL_ERR_ARG, "chunks of %d tokens, at most %d a document", L, max_per_doc);
    if (!(val_frac > 0 && test_frac > 0 && val_frac + test_frac < 1))
        return fl_fail(err, FL_ERR_ARG, "val %g and test %g fractions must be positive with a sum below 1", val_frac,
                       test_frac);
    int K = ts->n_classes, n = ts->n;
    out->len = L, out->n_classes = K;
    fl_tokvec *ids = calloc((size_t)n, sizeof *ids);
    int *nch = calloc((size_t)n, sizeof(int)), *split = malloc(sizeof(int) * (size_t)n);
    int *docs_of = malloc(sizeof(int) * (size_t)n), *ndocs = calloc((size_t)K, sizeof(int));
    out->chunks = calloc((size_t)3 * K, sizeof(int));
    out->docs = calloc((size_t)3 * K, sizeof(int));
    fl_status st = FL_OK;
    if (!ids || !nch || !split || !docs_of || !ndocs || !out->chunks || !out->docs)
        st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n && !st; i++) {
        st = fl_tokenizer_encode(tok, ts->items[i].text, ts->items[i].len, 0, &ids[i], err);
        nch[i] = (int)(ids[i].len / (size_t)L);
        if (max_per_doc && nch[i] > max_per_doc) nch[i] = max_per_doc;
        if (nch[i]) ndocs[ts->items[i].label]++;
        split[i] = -1;
    }
    /* per class: shuffle its usable documents, deal val, test, then train */
    fl_rng rng;
    fl_rng_seed(&rng, seed);
    for (int c = 0; c < K && !st; c++) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (ts->items[i].label == c && nch[i]) docs_of[m++] = i;
        for (int i = m - 1; i > 0; i--) {
            int j = (int)fl_rng_below(&rng, (uint64_t)i + 1), t = docs_of[i];
            docs_of[i] = docs_of[j], docs_of[j] = t;
        }
        long nv = lround_half_up(val_frac * m), nt = lround_half_up(test_frac * m);
        if (nv < 1) nv = 1;
        if (nt < 1) nt = 1;
        if (m - nv - nt < 1) {
            char counts[300] = "";
            for (int k = 0; k < K; k++)
                snprintf(counts + strlen(counts), sizeof counts - strlen(counts), "%s%s %d", k ? ", " : "",
                         ts->classes[k], ndocs[k]);
            st = fl_fail(err, FL_ERR_ARG,
                         "the dataset is too small for a train/val/test split: class '%s' has %d document%s of at least "
                         "%d tokens and needs %ld (train 1, val %ld, test %ld); documents per class: %s",
                         ts->classes[c], m, m == 1 ? "" : "s", L, nv + nt + 1, nv, nt, counts);
            break;
        }
        for (int i = 0; i < m; i++) split[docs_of[i]] = i < nv ? 1 : i < nv + nt ? 2 : 0;
    }
    /* chunks in document order within each split */
    for (int s = 0; s < 3 && !st; s++) {
        int total = 0;
        for (int i = 0; i < n; i++)
            if (split[i] == s) total += nch[i];
        fl_chunk_split *cs = &out->split[s];
        cs->tokens = malloc(sizeof(int32_t) * (size_t)total * L + 1);
        cs->label = malloc(sizeof(int) * (size_t)total + 1);
        cs->doc = malloc(sizeof(int) * (size_t)total + 1);
        if (!cs->tokens || !cs->label || !cs->doc) {
            st = fl_fail(err, FL_ERR_NOMEM, "out of memory");
            break;
        }
        for (int i = 0; i < n; i++) {
            if (split[i] != s) continue;
            int c = ts->items[i].label;
            out->docs[s * K + c]++;
            for (int k = 0; k < nch[i]; k++) {
                memcpy(cs->tokens + (size_t)cs->n * L, ids[i].data + (size_t)k * L, sizeof(int32_t) * (size_t)L);
                cs->label[cs->n] = c;
                cs->doc[cs->n] = i;
                cs->n++;
                out->chunks[s * K + c]++;
            }
        }
    }
    if (ids)
        for (int i = 0; i < n; i++) fl_tokvec_free(&ids[i]);
    free(ids);
    free(nch);
    free(split);
    free(docs_of);
    free(ndocs);
    if (st) fl_chunked_free(out);
    return st;
}
