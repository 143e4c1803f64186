/* `futurelm convert`: the source's format from its content, one model in
 * memory, the destination written whole or not at all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ckpt/checkpoint.h"
#include "ckpt/run_dir.h"
#include "interop/interop.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/fs.h"

const char *fl_interop_format_name(fl_interop_format f) {
    static const char *const NAME[] = {NULL, "futurelm", "llmc", "hf", "gguf", "gguf-f16"};
    return f >= FL_FMT_FUTURELM && f <= FL_FMT_GGUF_F16 ? NAME[f] : NULL;
}

static int file_exists(const char *dir, const char *name) {
    char *p = fl_path_join(dir, name);
    struct stat sb;
    int ok = p && stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
    free(p);
    return ok;
}

fl_interop_format fl_interop_detect(const char *path) {
    struct stat sb;
    if (stat(path, &sb) != 0) return FL_FMT_UNKNOWN;
    if (S_ISREG(sb.st_mode)) {
        unsigned char b[4];
        FILE *f = fopen(path, "rb");
        size_t n = f ? fread(b, 1, 4, f) : 0;
        if (f) fclose(f);
        uint32_t magic = n == 4 ? (b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24) : 0;
        if (n == 4 && !memcmp(b, "GGUF", 4)) return FL_FMT_GGUF; /* its version is the reader's to check */
        return magic == FL_LLMC_MAGIC ? FL_FMT_LLMC : FL_FMT_UNKNOWN;
    }
    if (!S_ISDIR(sb.st_mode)) return FL_FMT_UNKNOWN;
    if (file_exists(path, "config.json")) return FL_FMT_HF;
    char *ck = fl_checkpoint_resolve(path); /* a run folder means its latest checkpoint */
    int ours = ck && file_exists(ck, "model.safetensors");
    free(ck);
    return ours ? FL_FMT_FUTURELM : FL_FMT_UNKNOWN;
}

/* The tokenizer an export carries: the one given, else the one the run
 * recorded (checked against the hash it recorded). NULL when neither. A
 * recorded path is relative to the run folder (ckpt/run_dir.h), so it is
 * found from checkpoint SRC by that rule, not from the current folder. */
static fl_status load_tokenizer(const char *given, const char *src, const fl_run_state *rs, fl_tokenizer **tok,
                                fl_error *err) {
    *tok = NULL;
    if (!given && !rs->tokenizer) return FL_OK;
    char *ck = given ? NULL : fl_checkpoint_resolve(src);
    char *found = ck ? fl_ckpt_find_recorded(ck, rs->tokenizer) : NULL;
    free(ck);
    const char *path = given ? given : found;
    if (!path) return fl_fail(err, FL_ERR_NOMEM, "out of memory");
    fl_error e2;
    fl_status st = fl_tokenizer_load(path, tok, &e2);
    if (st)
        fl_fail(err, e2.code, "%s%s; give the tokenizer with --tokenizer", given ? "" : "the run's tokenizer: ", e2.msg);
    const char *sha = st ? "" : fl_tokenizer_sha256(*tok);
    if (!st && !given && rs->tokenizer_sha256[0] && strcmp(sha, rs->tokenizer_sha256)) {
        st = fl_fail(err, FL_ERR_FORMAT, "%s is not the tokenizer the run recorded (sha256 %s, recorded %s); give the "
                     "right one with --tokenizer", path, sha, rs->tokenizer_sha256);
        fl_tokenizer_free(*tok), *tok = NULL; /* after the message: sha is the tokenizer's */
    }
    free(found);
    return st;
}

static fl_status load(const char *src, fl_interop_format from, const char *tokp, fl_model **m, int *eot,
                      fl_tokenizer **tok, fl_error *err) {
    *eot = -1;
    fl_run_state rs;
    fl_run_state_init(&rs);
    fl_status st;
    if (from == FL_FMT_LLMC) st = fl_interop_llmc_read(src, m, err);
    else if (from == FL_FMT_HF) st = fl_interop_hf_read(src, m, err);
    else if (from == FL_FMT_GGUF) st = fl_interop_gguf_read(src, m, err);
    else st = fl_checkpoint_load(src, m, &rs, err);
    *eot = rs.eot; /* the end-of-text id the run recorded: HF's config names it */
    if (!st) st = load_tokenizer(tokp, src, &rs, tok, err);
    fl_run_state_clear(&rs);
    return st;
}

/* Why SRC is not a model convert can read: the llm.c header's own words for a
 * file, else what a source may be. */
static fl_status unknown_source(const char *src, fl_error *err) {
    struct stat sb;
    if (stat(src, &sb) == 0 && S_ISREG(sb.st_mode)) {
        fl_model *m = NULL;
        fl_error e2;
        fl_status st = fl_interop_llmc_read(src, &m, &e2);
        fl_model_free(m);
        return fl_fail(err, st ? st : FL_ERR_FORMAT, "%s; nor is it a GGUF file (it does not start with \"GGUF\")",
                       e2.msg);
    }
    return fl_fail(err, FL_ERR_FORMAT,
                   "%s: %s; a source is an llm.c model file (magic %d), a GGUF file, a Hugging Face folder "
                   "(config.json + model.safetensors) or a futurelm checkpoint",
                   src, stat(src, &sb) ? strerror(errno) : "not a model in a known format", FL_LLMC_MAGIC);
}

fl_status fl_interop_load_model(const char *src, fl_model **out, fl_interop_format *from_out, fl_error *err) {
    *out = NULL;
    fl_interop_format from = fl_interop_detect(src);
    if (from_out) *from_out = from;
    if (from == FL_FMT_UNKNOWN) return unknown_source(src, err);
    if (from == FL_FMT_LLMC) return fl_interop_llmc_read(src, out, err);
    if (from == FL_FMT_HF) return fl_interop_hf_read(src, out, err);
    if (from == FL_FMT_GGUF) return fl_interop_gguf_read(src, out, err);
    char *ck = fl_checkpoint_resolve(src); /* a run folder means its latest checkpoint */
    fl_status st = ck ? fli_ckpt_load_model(ck, out, err) : fl_fail(err, FL_ERR_NOMEM, "out of memory");
    free(ck);
    return st;
}

fl_status fl_interop_convert(const char *src, const char *dst, fl_interop_format to, fl_interop_format *from_out,
                             fl_error *err) {
    return fl_interop_convert_tok(src, dst, to, NULL, from_out, err);
}

fl_status fl_interop_convert_tok(const char *src, const char *dst, fl_interop_format to, const char *tokp,
                                 fl_interop_format *from_out, fl_error *err) {
    fl_interop_format from = fl_interop_detect(src);
    if (from_out) *from_out = from;
    struct stat sb;
    fl_model *m = NULL;
    if (from == FL_FMT_UNKNOWN) return unknown_source(src, err);
    if (to == FL_FMT_UNKNOWN) to = FL_FMT_FUTURELM;
    if (to == from)
        return fl_fail(err, FL_ERR_ARG, "%s is already in %s's format; choose another --to", src,
                       fl_interop_format_name(from));
    /* an llm.c file is renamed into place; a folder of ours is never replaced by it */
    int one_file = to == FL_FMT_LLMC || to == FL_FMT_GGUF || to == FL_FMT_GGUF_F16;
    if (one_file && lstat(dst, &sb) == 0)
        return fl_fail(err, FL_ERR_IO, "%s exists; choose another --out (or remove it yourself)", dst);
    int eot;
    fl_tokenizer *tok = NULL;
    fl_status st = load(src, from, tokp, &m, &eot, &tok, err);
    if (!st && to == FL_FMT_LLMC) st = fl_interop_llmc_write(dst, m, err);
    if (!st && to == FL_FMT_HF) st = fl_interop_hf_write(dst, m, eot, tok, err);
    if (!st && (to == FL_FMT_GGUF || to == FL_FMT_GGUF_F16))
        st = fl_interop_gguf_write(dst, m, tok, to == FL_FMT_GGUF_F16, err);
    if (!st && to == FL_FMT_FUTURELM) st = fl_checkpoint_save(dst, m, NULL, NULL, err);
    fl_tokenizer_free(tok);
    fl_model_free(m);
    return st;
}
