/* Model files of other tools (docs/interop.md): llm.c's model file and Hugging
 * Face GPT-2 directories, read into an fl_model and written from one, and
 * `futurelm convert`, which detects a source's format from its content.
 * Only what DESIGN.md 1.1's GPT-2 can represent is accepted; anything else is
 * refused with an error naming the file and the key, never approximated. */
#ifndef FL_INTEROP_INTEROP_H
#define FL_INTEROP_INTEROP_H
#include <stddef.h>
#include <stdint.h>

#include "futurelm.h"

typedef enum { FL_FMT_UNKNOWN = 0, FL_FMT_FUTURELM, FL_FMT_LLMC, FL_FMT_HF } fl_interop_format;

/* "futurelm", "llmc", "hf" (NULL for FL_FMT_UNKNOWN). */
const char *fl_interop_format_name(fl_interop_format f);
/* From the content: a file starting with llm.c's magic, a folder holding
 * config.json (Hugging Face), or a futurelm checkpoint (or run) folder. */
fl_interop_format fl_interop_detect(const char *path);

/* Converts SRC into DST in format TO (FL_FMT_UNKNOWN: futurelm). A source
 * already in format TO is refused. DST appears whole or not at all.
 * *from (may be NULL) gets the detected source format. */
fl_status fl_interop_convert(const char *src, const char *dst, fl_interop_format to, fl_interop_format *from,
                             fl_error *err);

/* ---- llm.c's model file (train_gpt2.c): 256 int32 header (magic 20240326,
 * version 3 = float32, maxT, V, L, NH, C, Vp), then the float32 parameters:
 * wte [Vp,C], wpe [maxT,C], then each per-layer array stacked over L layers
 * (ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b, fcw, fcb, fcprojw,
 * fcprojb), then lnfw, lnfb. Matrices are [out, in], as ours. */
#define FL_LLMC_MAGIC 20240326
#define FL_LLMC_VERSION 3
#define FL_LLMC_HEADER_BYTES 1024

typedef struct {
    int max_t, vocab, n_layer, n_head, n_embd, padded_vocab;
} fl_llmc_header;

/* Parses and checks the header in bytes[0..len) (len >= 1024; WHAT names the
 * file in errors). */
fl_status fl_interop_llmc_header(const unsigned char *bytes, size_t len, const char *what, fl_llmc_header *h,
                                 fl_error *err);
/* The parameter count (floats after the header) a valid header implies. */
uint64_t fl_interop_llmc_numel(const fl_llmc_header *h);
fl_status fl_interop_llmc_read(const char *path, fl_model **out, fl_error *err);
/* Vp is V rounded up to 128, as llm.c pads; the padding rows are written zero. */
fl_status fl_interop_llmc_write(const char *path, const fl_model *m, fl_error *err);

/* ---- Hugging Face GPT-2 (GPT2LMHeadModel.save_pretrained): config.json +
 * model.safetensors, Conv1D weights stored [in, out]. */
/* Reads config.json text into cfg (a GPT config); every field the
 * architecture cannot follow is refused, naming it. */
fl_status fl_interop_hf_config_parse(const char *text, size_t len, const char *what, fl_model_config *cfg,
                                     int *tied, fl_error *err);
/* config.json text for cfg (malloc'd, NUL-terminated; NULL when out of memory).
 * eot >= 0 is written as bos_token_id and eos_token_id. */
char *fl_interop_hf_config_json(const fl_model_config *cfg, int eot);
fl_status fl_interop_hf_read(const char *dir, fl_model **out, fl_error *err);
fl_status fl_interop_hf_write(const char *dir, const fl_model *m, int eot, fl_error *err);

#endif
