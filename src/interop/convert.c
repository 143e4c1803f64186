/* `futurelm convert`: the source's format from its content, one model in
 * memory, the destination written whole or not at all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "interop/interop.h"
#include "util/error.h"
#include "util/fs.h"

const char *fl_interop_format_name(fl_interop_format f) {
    static const char *const NAME[] = {NULL, "futurelm", "llmc", "hf"};
    return f >= FL_FMT_FUTURELM && f <= FL_FMT_HF ? NAME[f] : NULL;
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
        return magic == FL_LLMC_MAGIC ? FL_FMT_LLMC : FL_FMT_UNKNOWN;
    }
    if (!S_ISDIR(sb.st_mode)) return FL_FMT_UNKNOWN;
    if (file_exists(path, "config.json")) return FL_FMT_HF;
    char *ck = fl_checkpoint_resolve(path); /* a run folder means its latest checkpoint */
    int ours = ck && file_exists(ck, "model.safetensors");
    free(ck);
    return ours ? FL_FMT_FUTURELM : FL_FMT_UNKNOWN;
}

static fl_status load(const char *src, fl_interop_format from, fl_model **m, int *eot, fl_error *err) {
    *eot = -1;
    if (from == FL_FMT_LLMC) return fl_interop_llmc_read(src, m, err);
    if (from == FL_FMT_HF) return fl_interop_hf_read(src, m, err);
    fl_run_state rs;
    fl_run_state_init(&rs);
    fl_status st = fl_checkpoint_load(src, m, &rs, err);
    *eot = rs.eot; /* the end-of-text id the run recorded: HF's config names it */
    fl_run_state_clear(&rs);
    return st;
}

fl_status fl_interop_convert(const char *src, const char *dst, fl_interop_format to, fl_interop_format *from_out,
                             fl_error *err) {
    fl_interop_format from = fl_interop_detect(src);
    if (from_out) *from_out = from;
    struct stat sb;
    fl_model *m = NULL;
    if (from == FL_FMT_UNKNOWN && stat(src, &sb) == 0 && S_ISREG(sb.st_mode)) /* the header's own words on why not */
        return fl_interop_llmc_read(src, &m, err);
    if (from == FL_FMT_UNKNOWN)
        return fl_fail(err, FL_ERR_FORMAT,
                       "%s: %s; a source is an llm.c model file (magic %d), a Hugging Face folder "
                       "(config.json + model.safetensors) or a futurelm checkpoint",
                       src, stat(src, &sb) ? strerror(errno) : "not a model in a known format", FL_LLMC_MAGIC);
    if (to == FL_FMT_UNKNOWN) to = FL_FMT_FUTURELM;
    if (to == from)
        return fl_fail(err, FL_ERR_ARG, "%s is already in %s's format; choose another --to", src,
                       fl_interop_format_name(from));
    /* an llm.c file is renamed into place; a folder of ours is never replaced by it */
    if (to == FL_FMT_LLMC && lstat(dst, &sb) == 0)
        return fl_fail(err, FL_ERR_IO, "%s exists; choose another --out (or remove it yourself)", dst);
    int eot;
    fl_status st = load(src, from, &m, &eot, err);
    if (!st && to == FL_FMT_LLMC) st = fl_interop_llmc_write(dst, m, err);
    if (!st && to == FL_FMT_HF) st = fl_interop_hf_write(dst, m, eot, err);
    if (!st && to == FL_FMT_FUTURELM) st = fl_checkpoint_save(dst, m, NULL, NULL, err);
    fl_model_free(m);
    return st;
}
