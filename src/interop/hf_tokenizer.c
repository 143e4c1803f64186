/* A futurelm tokenizer (tiktoken ranks) as the byte-level BPE vocabularies that
 * Hugging Face and llama.cpp read: token strings in GPT-2's byte-to-unicode
 * alphabet and a merge list derived from the ranks.
 *
 * tiktoken keeps no merge list: a piece is encoded by repeatedly joining the
 * adjacent pair whose concatenation has the lowest rank. A merge-list BPE (HF's
 * tokenizers, GPT2Tokenizer, llama.cpp) joins the listed pair of highest
 * priority. The two agree when each token of rank r is listed as the two parts
 * that tiktoken's own procedure reaches on the token's bytes using only ranks
 * below r, and the list is ordered by r: the way tiktoken's merges are recovered
 * by the HF converters. A token that this procedure does not split into exactly
 * two tokens has no merge that reproduces it, and the tokenizer is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/outdir.h"
#include "interop/interop.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/json.h"

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the
 * other 68 take the code points 256.. in byte order, so every byte is a visible
 * character. Writes its UTF-8 (1 or 2 bytes) and returns the length. */
static size_t byte_char(unsigned b, unsigned char out[2]) {
    unsigned cp = b;
    int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    if (!printable) {
        cp = 256;
        for (unsigned k = 0; k < b; k++) cp += !((k >= '!' && k <= '~') || (k >= 0xA1 && k <= 0xAC) || k >= 0xAE);
    }
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    out[0] = (unsigned char)(0xC0 | cp >> 6), out[1] = (unsigned char)(0x80 | (cp & 63));
    return 2;
}

static fl_status put_bytelevel(fl_bytebuf *b, const unsigned char *p, size_t n, fl_error *err) {
    for (size_t i = 0; i < n; i++) {
        unsigned char u[2];
        fl_status st = fl_bytebuf_append(b, u, byte_char(p[i], u), err);
        if (st) return st;
    }
    return FL_OK;
}

static int is_special(const fl_tokenizer *t, int id) {
    for (int i = 0; i < fl_tokenizer_n_special(t); i++)
        if (fl_tokenizer_special_id(t, i) == id) return 1;
    return 0;
}

/* Where tiktoken's procedure, allowed ranks below r only, splits the token
 * p[0..n) (2 <= n <= FL_MERGE_MAX_LEN); 0 when it does not end in two tokens.
 * st: boundaries, pr: the rank of the pair starting at each (n+1 scratch each);
 * a join recomputes only its neighbours, so a token costs O(n^2) comparisons. */
#define FL_MERGE_MAX_LEN 1024
static int32_t pair_rank(const fl_tokenizer *t, const unsigned char *p, const uint32_t *st, size_t np, size_t i,
                         int32_t r) {
    if (i + 2 >= np) return -1;
    int32_t q = fl_tokenizer_rank(t, p + st[i], st[i + 2] - st[i]);
    return q < r ? q : -1;
}

static size_t merge_split(const fl_tokenizer *t, const unsigned char *p, size_t n, int32_t r, uint32_t *st,
                          int32_t *pr) {
    size_t np = n + 1;
    for (size_t i = 0; i < np; i++) st[i] = (uint32_t)i;
    for (size_t i = 0; i < np; i++) pr[i] = pair_rank(t, p, st, np, i, r);
    for (;;) {
        int32_t best = -1;
        size_t bi = 0;
        for (size_t i = 0; i + 2 < np; i++)
            if (pr[i] >= 0 && (best < 0 || pr[i] < best)) best = pr[i], bi = i;
        if (best < 0) break;
        memmove(st + bi + 1, st + bi + 2, (np - bi - 2) * sizeof *st);
        memmove(pr + bi + 1, pr + bi + 2, (np - bi - 2) * sizeof *pr);
        np--;
        pr[bi] = pair_rank(t, p, st, np, bi, r);
        if (bi > 0) pr[bi - 1] = pair_rank(t, p, st, np, bi - 1, r);
    }
    if (np != 3 || fl_tokenizer_rank(t, p, st[1]) < 0 || fl_tokenizer_rank(t, p + st[1], n - st[1]) < 0) return 0;
    return st[1];
}

static fl_status add_string(fl_bytebuf *blob, size_t *off, const void *s, size_t n, int bytelevel, fl_error *err) {
    *off = blob->len;
    fl_status st = bytelevel ? put_bytelevel(blob, s, n, err) : fl_bytebuf_append(blob, s, n, err);
    return st ? st : fl_bytebuf_append(blob, "", 1, err);
}

void fl_interop_vocab_free(fl_interop_vocab *v) {
    free(v->blob), free(v->tok), free(v->type), free(v->merge);
    memset(v, 0, sizeof *v);
}

/* The name of unused id `id` in vocab.json / GGUF: "[PADid]", with '_' added while a real
 * token spells the same (its bytes are printable ASCII, which the byte-level mapping keeps
 * as they are) or a special token is that text: vocab.json's keys must stay distinct. */
static size_t pad_name(const fl_tokenizer *t, int id, char *buf, size_t cap) {
    size_t len = (size_t)snprintf(buf, cap, "[PAD%d]", id);
    for (int clash = 1; clash && len + 1 < cap;) {
        clash = fl_tokenizer_rank(t, (const unsigned char *)buf, len) >= 0;
        for (int i = 0; !clash && i < fl_tokenizer_n_special(t); i++) clash = !strcmp(fl_tokenizer_special_text(t, i), buf);
        if (clash) buf[len - 1] = '_', buf[len++] = ']', buf[len] = 0; /* "[PAD5]" -> "[PAD5_]" */
    }
    return len;
}

fl_status fl_interop_vocab_build(const fl_tokenizer *t, int n, fl_interop_vocab *v, fl_error *err) {
    memset(v, 0, sizeof *v);
    const int have = fl_tokenizer_vocab_size(t);
    if (n < have)
        return fl_fail(err, FL_ERR_ARG, "the tokenizer has %d ids, more than the model's vocabulary of %d "
                       "(model.vocab_size)", have, n);
    fl_bytebuf blob = {0};
    size_t maxlen = 1;
    for (int id = 0; id < have; id++) {
        size_t len = 0;
        if (fl_tokenizer_token_bytes(t, id, &len) && len > maxlen) maxlen = len;
    }
    v->n = n, v->eot = fl_tokenizer_eot(t);
    v->tok = malloc((size_t)n * sizeof *v->tok);
    v->type = malloc((size_t)n * sizeof *v->type);
    v->merge = malloc((size_t)n * sizeof *v->merge);
    if (maxlen > FL_MERGE_MAX_LEN) maxlen = FL_MERGE_MAX_LEN;
    uint32_t *scratch = malloc((maxlen + 1) * sizeof *scratch);
    int32_t *pr = malloc((maxlen + 1) * sizeof *pr);
    fl_status st = !v->tok || !v->type || !v->merge || !scratch || !pr ? fl_fail(err, FL_ERR_NOMEM, "out of memory")
                                                                       : FL_OK;
    for (int id = 0; !st && id < n; id++) {
        size_t len = 0;
        const unsigned char *p = id < have ? fl_tokenizer_token_bytes(t, id, &len) : NULL;
        if (p && is_special(t, id)) { /* its text as is: HF's added tokens, GGUF's control tokens */
            v->type[id] = FL_GGUF_TOKEN_CONTROL;
            st = add_string(&blob, &v->tok[id], p, len, 0, err);
            continue;
        }
        if (!p) { /* no token has this id (a gap, or the model's vocabulary beyond the tokenizer's) */
            char pad[48];
            v->type[id] = FL_GGUF_TOKEN_UNUSED;
            st = add_string(&blob, &v->tok[id], pad, pad_name(t, id, pad, sizeof pad), 0, err);
            continue;
        }
        v->type[id] = FL_GGUF_TOKEN_NORMAL;
        st = add_string(&blob, &v->tok[id], p, len, 1, err);
        if (st || len < 2) continue;
        if (len > FL_MERGE_MAX_LEN) {
            st = fl_fail(err, FL_ERR_FORMAT, "the tokenizer's token %d is %zu bytes; merges are derived for tokens "
                         "of at most %d", id, len, FL_MERGE_MAX_LEN);
            break;
        }
        size_t cut = merge_split(t, p, len, id, scratch, pr);
        if (!cut) {
            st = fl_fail(err, FL_ERR_FORMAT, "the tokenizer's token %d is not the merge of two tokens of lower rank, "
                         "so no merge list reproduces it (only BPE-trained ranks convert)", id);
            break;
        }
        v->merge[v->n_merges] = blob.len;
        st = put_bytelevel(&blob, p, cut, err);
        if (!st) st = fl_bytebuf_append(&blob, " ", 1, err);
        if (!st) st = put_bytelevel(&blob, p + cut, len - cut, err);
        if (!st) st = fl_bytebuf_append(&blob, "", 1, err);
        v->n_merges++;
    }
    free(scratch), free(pr);
    v->blob = (char *)blob.data;
    if (st) fl_interop_vocab_free(v);
    return st;
}

/* ---- The Hugging Face files */

static void json_str(FILE *f, const char *s) { fl_json_write_string(f, s, strlen(s)); }

/* {"token": id, ...} over the ids that are tokens (gaps left out). */
static void write_vocab_map(FILE *f, const fl_interop_vocab *v) {
    fputc('{', f);
    for (int id = 0, first = 1; id < v->n; id++) {
        if (v->type[id] == FL_GGUF_TOKEN_UNUSED) continue;
        fputs(first ? "" : ",", f), first = 0;
        json_str(f, v->blob + v->tok[id]);
        fprintf(f, ":%d", id);
    }
    fputc('}', f);
}

static void write_added_token(FILE *f, const fl_interop_vocab *v, int id) {
    fprintf(f, "{\"id\":%d,\"content\":", id);
    json_str(f, v->blob + v->tok[id]);
    fputs(",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}", f);
}

/* tokenizers' byte-level BPE (GPT-2's pre-tokenizer regex, byte-level decoder).
 * ignore_merges: a piece that is itself a token is that token, as tiktoken has it. */
static void write_tokenizer_json(FILE *f, const fl_interop_vocab *v) {
    fputs("{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[", f);
    for (int id = 0, first = 1; id < v->n; id++)
        if (v->type[id] == FL_GGUF_TOKEN_CONTROL) fputs(first ? "" : ",", f), first = 0, write_added_token(f, v, id);
    fputs("],\"normalizer\":null,"
          "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
          "\"post_processor\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":true},"
          "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
          "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
          "\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,\"ignore_merges\":true,\"vocab\":", f);
    write_vocab_map(f, v);
    fputs(",\"merges\":[", f);
    for (int i = 0; i < v->n_merges; i++) fputs(i ? "," : "", f), json_str(f, v->blob + v->merge[i]);
    fputs("]}}\n", f);
}

static void write_specials_map(FILE *f, const fl_interop_vocab *v) {
    const char *eot = v->eot >= 0 ? v->blob + v->tok[v->eot] : NULL;
    static const char *const KEY[] = {"bos_token", "eos_token", "unk_token"};
    for (int k = 0; k < 3 && eot; k++) fprintf(f, "\"%s\":", KEY[k]), json_str(f, eot), fputc(',', f);
}

static void write_tokenizer_config(FILE *f, const fl_interop_vocab *v, int block_size) {
    fputs("{\"tokenizer_class\":\"GPT2Tokenizer\",\"add_prefix_space\":false,\"add_bos_token\":false,", f);
    write_specials_map(f, v);
    fputs("\"added_tokens_decoder\":{", f);
    for (int id = 0, first = 1; id < v->n; id++)
        if (v->type[id] == FL_GGUF_TOKEN_CONTROL)
            fprintf(f, "%s\"%d\":", first ? "" : ",", id), first = 0, write_added_token(f, v, id);
    fprintf(f, "},\"model_max_length\":%d,\"clean_up_tokenization_spaces\":false}\n", block_size);
}

static void write_special_tokens_map(FILE *f, const fl_interop_vocab *v) {
    fputc('{', f);
    write_specials_map(f, v);
    fputs("\"pad_token\":null}\n", f);
}

static void write_merges_txt(FILE *f, const fl_interop_vocab *v) {
    fputs("#version: 0.2\n", f); /* GPT-2's merges.txt starts with this line, which readers skip */
    for (int i = 0; i < v->n_merges; i++) fputs(v->blob + v->merge[i], f), fputc('\n', f);
}

/* One file of the folder from a writer into a memory stream. */
static fl_status write_one(const fl_outdir *d, const char *name, int which, const fl_interop_vocab *v, int block_size,
                           fl_error *err) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    if (which == 0) write_vocab_map(f, v), fputc('\n', f);
    if (which == 1) write_merges_txt(f, v);
    if (which == 2) write_tokenizer_json(f, v);
    if (which == 3) write_tokenizer_config(f, v, block_size);
    if (which == 4) write_special_tokens_map(f, v);
    int bad = ferror(f);
    fclose(f);
    char *path = fl_outdir_path(d, name);
    fl_status st = bad || !path || !buf ? fl_fail(err, FL_ERR_NOMEM, "out of memory writing %s", name)
                                        : fl_write_file_sync(path, buf, len, err);
    free(path), free(buf);
    return st;
}

fl_status fl_interop_hf_tokenizer_write(const fl_outdir *d, const fl_interop_vocab *v, int block_size, fl_error *err) {
    static const char *const NAME[] = {"vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
                                       "special_tokens_map.json"};
    fl_status st = FL_OK;
    for (int i = 0; !st && i < 5; i++) st = write_one(d, NAME[i], i, v, block_size, err);
    return st;
}
