/* safetensors files (https://huggingface.co/docs/safetensors): an 8-byte
 * little-endian header length, a JSON header naming each tensor's dtype, shape
 * and byte range, then the raw data. futurelm reads them strictly: offsets must
 * tile the data region exactly (no gaps, no overlaps, nothing past the end),
 * and byte counts must match dtype x shape. */
#ifndef FL_CKPT_SAFETENSORS_H
#define FL_CKPT_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

#include "futurelm.h"

#define FL_ST_MAX_DIMS 8

/* F16, BF16 and BOOL are read (Hugging Face files carry them) and written, but
 * no futurelm file uses them: every reader of ours still requires F32. */
typedef enum { FL_DT_F32, FL_DT_I32, FL_DT_I64, FL_DT_F64, FL_DT_U8, FL_DT_F16, FL_DT_BF16, FL_DT_BOOL } fl_dtype;

typedef struct {
    const char *name;
    fl_dtype dtype;
    int ndim;
    int64_t shape[FL_ST_MAX_DIMS];
    size_t numel;
    const void *data; /* into the loaded file; valid until fl_st_close */
} fl_st_tensor;

typedef struct fl_st_file fl_st_file;

fl_status fl_st_open(const char *path, fl_st_file **out, fl_error *err);
void fl_st_close(fl_st_file *f);
int fl_st_count(const fl_st_file *f);
const fl_st_tensor *fl_st_at(const fl_st_file *f, int i);
const fl_st_tensor *fl_st_find(const fl_st_file *f, const char *name);
/* A __metadata__ string value, or NULL. */
const char *fl_st_meta(const fl_st_file *f, const char *key);

/* Writing: tensors in the given order, metadata as string pairs; the file is
 * written to PATH.tmp-<pid>, fsync'd and renamed over PATH. */
typedef struct {
    const char *name;
    fl_dtype dtype;
    int ndim;
    int64_t shape[FL_ST_MAX_DIMS];
    const void *data;
} fl_st_out;

fl_status fl_st_write(const char *path, const fl_st_out *tensors, int n, const char *const *meta_kv, int n_meta,
                      fl_error *err);
size_t fl_dtype_size(fl_dtype t);
const char *fl_dtype_name(fl_dtype t);
#endif
