/* compare --probe-data's folder format (fl_text_set_load_folder): one folder a
 * label, each holding that label's text files; labels and documents in strcmp
 * order; and every bad folder refused with an error that names the path and
 * what is wrong (docs/evaluation.md, "Which labelled data"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "eval/measures/datasets.h"

static char root[64];

static void put(const char *rel, const char *text, size_t n) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "wb");
    fwrite(text, 1, n, f);
    fclose(f);
}
static void puts_(const char *rel, const char *text) { put(rel, text, strlen(text)); }
static void dir(const char *rel) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    mkdir(p, 0777);
}
static void rm(const char *rel) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s/%s", root, rel);
    if (system(cmd)) fprintf(stderr, "cannot remove %s\n", rel);
}

/* Loads root and expects an error whose message holds every fragment. */
static void refused(const char *name, fl_status code, const char *a, const char *b) {
    fl_text_set s;
    fl_error err = {0};
    fl_status st = fl_text_set_load_folder(root, &s, &err);
    check(st == code && strstr(err.msg, a) && (!b || strstr(err.msg, b)) && s.n == 0 && s.n_classes == 0, name,
          "status %d (want %d): %s", st, code, err.msg);
    if (!st) fl_text_set_free(&s);
}

int main(void) {
    snprintf(root, sizeof root, "/tmp/fl_test_datasets_folder.%d", (int)getpid());
    mkdir(root, 0777);
    /* labels "zeta" (4 files) and "alpha" (3), written in that order, plus hidden entries */
    dir("zeta"), dir("alpha"), dir(".git");
    const char *zeta[] = {"d.txt", "a.txt", "c.md", "b"};
    for (int i = 0; i < 4; i++) {
        char rel[64], text[64];
        snprintf(rel, sizeof rel, "zeta/%s", zeta[i]);
        snprintf(text, sizeof text, "zeta text %s", zeta[i]);
        puts_(rel, text);
    }
    puts_("alpha/3.txt", "third"), puts_("alpha/1.txt", "first"), puts_("alpha/2.txt", "second\r\nline");
    puts_("alpha/.swp", "editor's swap file"), puts_(".git/x", "not a label");

    fl_text_set s;
    fl_error err = {0};
    fl_status st = fl_text_set_load_folder(root, &s, &err);
    check(st == FL_OK && s.n == 7 && s.n_classes == 2 && !strcmp(s.classes[0], "alpha") && !strcmp(s.classes[1], "zeta"),
          "two labels from the folder names, sorted; hidden entries skipped", "st %d (%s) n %d classes %d", st, err.msg,
          s.n, s.n_classes);
    check(!st && !strcmp(s.items[0].file, "alpha/1.txt") && s.items[0].label == 0 && !strcmp(s.items[0].text, "first") &&
              s.items[0].len == 5 && !strcmp(s.items[3].file, "zeta/a.txt") && s.items[3].label == 1 &&
              !strcmp(s.items[6].file, "zeta/d.txt") && !strcmp(s.items[2].text, "third") && s.items[1].len == 12,
          "documents in name order, each with its label, text and length (bytes as written)", "first '%s'",
          st ? "" : s.items[0].file);
    if (!st) fl_text_set_free(&s);
    st = fl_text_set_open(root, "/nonexistent", "brown", &s, &err);
    check(st == FL_OK && s.n_classes == 2, "fl_text_set_open reads the folder when one is given", "%s", err.msg);
    if (!st) fl_text_set_free(&s);

    /* every bad folder: refused, naming the path and the problem */
    rm("alpha/3.txt");
    refused("a label with too few documents: named, with its count and the minimum", FL_ERR_FORMAT,
            "label 'alpha' has 2 documents", "at least 3 files");
    puts_("alpha/3.txt", "third");
    dir("empty");
    refused("an empty label folder: a label with 0 documents", FL_ERR_FORMAT, "label 'empty' has 0 documents", NULL);
    rm("empty");
    puts_("notes.txt", "a stray file");
    refused("a plain file beside the label folders", FL_ERR_FORMAT, "notes.txt is not a folder",
            "only folders, one per label");
    rm("notes.txt");
    rm("zeta");
    refused("a single label: a probe needs 2", FL_ERR_FORMAT, "1 label folder", "at least 2 labels");
    rm("alpha");
    refused("no label at all", FL_ERR_FORMAT, "0 label folders", "at least 2 labels");
    dir("alpha"), dir("beta");
    for (int i = 0; i < 3; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "alpha/%d.txt", i), puts_(rel, "alpha text");
        snprintf(rel, sizeof rel, "beta/%d.txt", i), puts_(rel, "beta text");
    }
    put("beta/1.txt", "bin\0ary", 7);
    refused("a file holding a NUL byte is not text", FL_ERR_FORMAT, "beta/1.txt holds a NUL byte", "not a text file");
    puts_("beta/1.txt", "");
    refused("an empty file", FL_ERR_FORMAT, "beta/1.txt is empty", NULL);
    puts_("beta/1.txt", "beta again");
    char p[256], q[256];
    snprintf(p, sizeof p, "%s/beta/1.txt", root), snprintf(q, sizeof q, "%s/gone.txt", root);
    remove(p);
    if (symlink(q, p)) perror("symlink");
    refused("an unreadable file (a dangling link): the reader's reason", FL_ERR_IO, "cannot open", "beta/1.txt");
    remove(p);
    dir("beta/1.txt");
    refused("a folder inside a label folder", FL_ERR_FORMAT, "beta/1.txt is not a file", NULL);
    rm("beta/1.txt");
    puts_("beta/1.txt", "beta again");
    st = fl_text_set_load_folder(root, &s, &err);
    check(st == FL_OK && s.n == 6, "the repaired folder loads", "%s", err.msg);
    if (!st) fl_text_set_free(&s);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd)) return 1;
    st = fl_text_set_load_folder(root, &s, &err);
    check(st == FL_ERR_IO && strstr(err.msg, root) && strstr(err.msg, "not a folder"), "a missing folder is named",
          "%s", err.msg);
    return check_exit();
}
