/* Token ids as text, and lists of files through a tokenizer (text_io.h). */
#include "tokenizer/text_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"

fl_status fl_read_stream(FILE *f, const char *name, char **data, size_t *len, fl_error *err) {
    fl_bytebuf b = {0};
    char chunk[1 << 16];
    size_t n;
    fl_status st = FL_OK;
    while (!st && (n = fread(chunk, 1, sizeof chunk, f)) > 0) st = fl_bytebuf_append(&b, chunk, n, err);
    if (!st && ferror(f)) st = fl_fail(err, FL_ERR_IO, "cannot read %s", name);
    if (!st) st = fl_bytebuf_append(&b, "", 0, err); /* an empty stream still gives a string */
    if (st) {
        fl_bytebuf_free(&b);
        return st;
    }
    *data = (char *)b.data, *len = b.len;
    return FL_OK;
}

static int blank(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

fl_status fl_token_ids_parse(const char *text, size_t len, const char *name, fl_tokvec *ids, fl_error *err) {
    /* ids separated by blanks or commas, the whole list optionally in one pair of
     * brackets (a JSON array); a bracket anywhere else ("1,2,[3") is an error */
    size_t lo = 0, hi = len;
    while (lo < hi && blank(text[lo])) lo++;
    while (hi > lo && blank(text[hi - 1])) hi--;
    if (lo < hi && (text[lo] == '[') != (text[hi - 1] == ']'))
        return fl_fail(err, FL_ERR_FORMAT, "%s: unbalanced '[' ... ']' around the ids", name);
    if (lo < hi && text[lo] == '[') lo++, hi--;
    for (size_t i = lo; i < hi;) {
        char c = text[i];
        if (c == '[' || c == ']')
            return fl_fail(err, FL_ERR_FORMAT, "%s: byte %zu: a '%c' inside the list of ids", name, i, c);
        if (blank(c) || c == ',') {
            i++;
            continue;
        }
        long v = 0;
        size_t j = i;
        /* the bound stops the digits before a long could overflow; no vocabulary is that large */
        while (j < hi && text[j] >= '0' && text[j] <= '9' && v <= 100000000) v = v * 10 + (text[j++] - '0');
        if (j == i || v > 100000000)
            return fl_fail(err, FL_ERR_FORMAT, "%s: byte %zu: expected a token id (a non-negative integer)", name, i);
        fl_status st = fl_tokvec_push(ids, (int32_t)v, err);
        if (st) return st;
        i = j;
    }
    return FL_OK;
}

int fl_tokenizer_round_trips(const fl_tokenizer *tok, const fl_tokvec *ids, const char *text, size_t len,
                             fl_error *err) {
    fl_bytebuf back = {0};
    int ok = fl_tokenizer_decode(tok, ids->data, ids->len, &back, err) == FL_OK && back.len == len &&
             (len == 0 || !memcmp(back.data, text, len));
    fl_bytebuf_free(&back);
    return ok;
}

/* Encodes one file and appends its record to out. */
static fl_status encode_one(const fl_tokenizer *tok, const char *path, int special, int verify, FILE *out, FILE *log,
                            fl_encode_files_report *r, fl_error *err) {
    char *text;
    size_t len;
    fl_status st = fl_read_file(path, &text, &len, err);
    if (st) return st;
    fl_tokvec ids = {0};
    double t0 = fl_wall_seconds();
    st = fl_tokenizer_encode(tok, text, len, special, &ids, err);
    r->seconds += fl_wall_seconds() - t0;
    if (!st && verify && !fl_tokenizer_round_trips(tok, &ids, text, len, err)) {
        if (log) fprintf(log, "futurelm: error: %s: decode(encode(text)) differs from the text\n", path);
        r->bad++;
    }
    if (!st && ids.len > INT32_MAX) /* a record's count is an int32 */
        st = fl_fail(err, FL_ERR_ARG, "%s: %zu tokens, more than a --binary record holds", path, ids.len);
    int32_t n = (int32_t)ids.len;
    if (!st && (fwrite(&n, 4, 1, out) != 1 || (ids.len && fwrite(ids.data, 4, ids.len, out) != ids.len)))
        st = fl_fail(err, FL_ERR_IO, "cannot write the --binary output");
    r->files++, r->bytes += len, r->tokens += ids.len;
    fl_tokvec_free(&ids);
    free(text);
    return st;
}

fl_status fl_tokenizer_encode_files(const fl_tokenizer *tok, const char *list_path, const char *out_path,
                                    int allow_special, int verify, FILE *log, fl_encode_files_report *r,
                                    fl_error *err) {
    memset(r, 0, sizeof *r);
    char *list;
    size_t listlen;
    fl_status st = fl_read_file(list_path, &list, &listlen, err);
    if (st) return st;
    /* written aside and renamed into place when complete; the aside name is new
     * (O_EXCL), so no file of the user's is truncated or removed on an error */
    char *tmp = fl_path_fmt("%s.tmp-%ld", out_path, (long)getpid());
    if (!tmp) {
        free(list);
        return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!out) {
        st = fl_fail(err, FL_ERR_IO, "cannot create '%s': %s", tmp, strerror(errno));
        if (fd >= 0) close(fd), unlink(tmp);
        free(tmp), free(list);
        return st;
    }
    for (char *line = list; !st && line < list + listlen;) {
        char *nl = memchr(line, '\n', (size_t)(list + listlen - line));
        if (!nl) nl = list + listlen;
        *nl = 0;
        if (*line) st = encode_one(tok, line, allow_special, verify, out, log, r, err);
        line = nl + 1;
    }
    if (fclose(out) && !st) st = fl_fail(err, FL_ERR_IO, "cannot write the --binary output");
    if (!st && rename(tmp, out_path)) st = fl_fail(err, FL_ERR_IO, "cannot rename the --binary output into place");
    if (st) remove(tmp);
    free(tmp);
    free(list);
    return st;
}
