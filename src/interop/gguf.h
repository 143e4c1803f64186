/* GGUF, the file format of ggml and llama.cpp (ggml's docs/gguf.md), version 3:
 *   "GGUF", uint32 version, uint64 tensor count, uint64 key/value count;
 *   each key/value: string key, uint32 value type, value (an array is uint32
 *   element type, uint64 count, elements; a string is uint64 length, bytes);
 *   each tensor: string name, uint32 n_dims, uint64 dims[n_dims] (innermost
 *   first: a row-major [rows, cols] matrix is dims {cols, rows}), uint32 ggml
 *   type, uint64 offset into the data; then padding to general.alignment (32
 *   when absent) and the data, each tensor at a multiple of the alignment.
 * Everything little-endian. The parser works on bytes in memory and checks
 * every count and offset against them, so any input is either parsed or refused
 * with a message. */
#ifndef FL_INTEROP_GGUF_H
#define FL_INTEROP_GGUF_H
#include <stddef.h>
#include <stdint.h>

#include "futurelm.h"

#define FL_GGUF_VERSION 3
#define FL_GGUF_ALIGNMENT 32
#define FL_GGUF_MAX_DIMS 4
#define FL_GGUF_MAX_NAME 63 /* ggml's GGML_MAX_NAME (64) with its NUL */

enum {
    FL_GGUF_U8 = 0, FL_GGUF_I8, FL_GGUF_U16, FL_GGUF_I16, FL_GGUF_U32, FL_GGUF_I32, FL_GGUF_F32, FL_GGUF_BOOL,
    FL_GGUF_STRING, FL_GGUF_ARRAY, FL_GGUF_U64, FL_GGUF_I64, FL_GGUF_F64
};
enum { FL_GGML_F32 = 0, FL_GGML_F16 = 1 }; /* the tensor types futurelm reads and writes */

typedef struct {
    const unsigned char *key; /* into the parsed bytes, not NUL-terminated */
    uint64_t key_len;
    uint32_t type;
    const unsigned char *val; /* the value's bytes (for an array: its first element) */
    uint32_t arr_type;        /* arrays only */
    uint64_t arr_n;
} fl_gguf_kv;

typedef struct {
    char name[FL_GGUF_MAX_NAME + 1];
    uint32_t n_dims;
    uint64_t dims[FL_GGUF_MAX_DIMS];
    uint32_t type;
    uint64_t offset, numel, nbytes;
    const unsigned char *data;
} fl_gguf_tensor;

typedef struct {
    uint32_t version;
    uint64_t n_kv, n_tensors, alignment, data_start;
    fl_gguf_kv *kv;
    fl_gguf_tensor *tensor;
} fl_gguf;

/* Parses b[0..len) (WHAT names it in errors). g points into b: keep b alive. */
fl_status fl_gguf_parse(const unsigned char *b, size_t len, const char *what, fl_gguf *g, fl_error *err);
void fl_gguf_free(fl_gguf *g);
const fl_gguf_kv *fl_gguf_find_kv(const fl_gguf *g, const char *key);
const fl_gguf_tensor *fl_gguf_find_tensor(const fl_gguf *g, const char *name);
/* A scalar of any integer type, as int64 (1 when it fits, else 0). */
int fl_gguf_kv_int(const fl_gguf_kv *kv, int64_t *out);
/* A string value: its bytes (not NUL-terminated) and length (1 when it is a string). */
int fl_gguf_kv_str(const fl_gguf_kv *kv, const char **s, uint64_t *n);

/* The writer: a header, key/values and tensor infos appended to a buffer.
 * Errors are sticky (failed), so a sequence of puts is checked once. */
typedef struct {
    fl_bytebuf b;
    int failed;
} fl_gguf_out;
void fl_gguf_put_header(fl_gguf_out *o, uint64_t n_tensors, uint64_t n_kv);
void fl_gguf_put_str(fl_gguf_out *o, const char *key, const char *val);
void fl_gguf_put_u32(fl_gguf_out *o, const char *key, uint32_t val);
void fl_gguf_put_f32(fl_gguf_out *o, const char *key, float val);
void fl_gguf_put_bool(fl_gguf_out *o, const char *key, int val);
/* An array of n strings, string i at blob + off[i] (NUL-terminated). */
void fl_gguf_put_str_array(fl_gguf_out *o, const char *key, const char *blob, const size_t *off, uint64_t n);
void fl_gguf_put_i32_array(fl_gguf_out *o, const char *key, const int32_t *v, uint64_t n);
void fl_gguf_put_tensor_info(fl_gguf_out *o, const char *name, uint32_t n_dims, const uint64_t *dims, uint32_t type,
                             uint64_t offset);
/* Zero bytes up to the next multiple of the alignment. */
void fl_gguf_put_pad(fl_gguf_out *o, uint64_t alignment);

#endif
