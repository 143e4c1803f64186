/* Model files of other tools (docs/interop.md): llm.c's model file and Hugging
 * Face GPT-2 directories, read into an fl_model and written from one, and
 * `futurelm convert`, which detects a source's format from its content.
 * Only what DESIGN.md 1.1's GPT-2 can represent is accepted; anything else is
 * refused with an error naming the file and the key, never approximated. */
#ifndef FL_INTEROP_INTEROP_H
#define FL_INTEROP_INTEROP_H
#include <stddef.h>
#include <stdint.h>

#include "data/outdir.h"
#include "futurelm.h"

typedef enum { FL_FMT_UNKNOWN = 0, FL_FMT_FUTURELM, FL_FMT_LLMC, FL_FMT_HF, FL_FMT_GGUF, FL_FMT_GGUF_F16 } fl_interop_format;

/* "futurelm", "llmc", "hf", "gguf", "gguf-f16" (NULL for FL_FMT_UNKNOWN). */
const char *fl_interop_format_name(fl_interop_format f);
/* From the content: a file starting with llm.c's magic or "GGUF", a folder holding
 * config.json (Hugging Face), or a futurelm checkpoint (or run) folder. */
fl_interop_format fl_interop_detect(const char *path);

/* The weights of any model convert reads (format from the content, as above; a run
 * folder means its latest checkpoint): what `train --init-from` starts from.
 * *from (may be NULL) gets the detected format. */
fl_status fl_interop_load_model(const char *src, fl_model **out, fl_interop_format *from, fl_error *err);
/* Converts SRC into DST in format TO (FL_FMT_UNKNOWN: futurelm). A source
 * already in format TO is refused. DST appears whole or not at all.
 * *from (may be NULL) gets the detected source format. */
fl_status fl_interop_convert(const char *src, const char *dst, fl_interop_format to, fl_interop_format *from,
                             fl_error *err);
/* The same with a tokenizer file for the exports that carry one (HF, GGUF);
 * NULL: the one the source run recorded in state.json, if any. */
fl_status fl_interop_convert_tok(const char *src, const char *dst, fl_interop_format to, const char *tokenizer,
                                 fl_interop_format *from, fl_error *err);

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
/* tok (may be NULL) adds the tokenizer files (hf_tokenizer.c). */
fl_status fl_interop_hf_write(const char *dir, const fl_model *m, int eot, const fl_tokenizer *tok, fl_error *err);
/* IEEE half to float, exactly (every half is a float). */
float fl_interop_half_to_float(uint16_t h);

/* ---- A tokenizer as a byte-level BPE vocabulary (hf_tokenizer.c): what HF's
 * tokenizer files and GGUF's tokenizer.ggml.* hold. */
enum { FL_GGUF_TOKEN_NORMAL = 1, FL_GGUF_TOKEN_CONTROL = 3, FL_GGUF_TOKEN_UNUSED = 5 }; /* llama.cpp's token types */
typedef struct {
    int n;          /* ids 0..n-1 */
    char *blob;     /* every string below, NUL-terminated, back to back */
    size_t *tok;    /* [n] id's string: GPT-2's byte-to-unicode form of its bytes, a special token's text,
                       or "[PAD<id>]" where no token has the id ("[PAD<id>_]" ... if a token spells that) */
    int32_t *type;  /* [n] FL_GGUF_TOKEN_* */
    size_t *merge;  /* [n_merges] "a b" strings, highest priority first */
    int n_merges;
    int eot;        /* <|endoftext|>'s id, or -1 */
} fl_interop_vocab;
/* The vocabulary of n ids (n >= the tokenizer's vocab_size: the model's). A
 * token that is not the merge of two lower-ranked tokens is refused. */
fl_status fl_interop_vocab_build(const fl_tokenizer *t, int n, fl_interop_vocab *v, fl_error *err);
void fl_interop_vocab_free(fl_interop_vocab *v);
/* vocab.json, merges.txt, tokenizer.json, tokenizer_config.json, special_tokens_map.json into d. */
fl_status fl_interop_hf_tokenizer_write(const fl_outdir *d, const fl_interop_vocab *v, int block_size, fl_error *err);

/* ---- GGUF for llama.cpp's "gpt2" architecture (gguf_model.c): tensors named
 * token_embd, position_embd, blk.N.{attn_norm, attn_qkv, attn_output, ffn_norm,
 * ffn_up, ffn_down}, output_norm; the head tied (no output.weight). */
/* f16: 2-D weights as F16 (rounded to nearest even), vectors F32. tok is required. */
fl_status fl_interop_gguf_write(const char *path, const fl_model *m, const fl_tokenizer *tok, int f16, fl_error *err);
/* From bytes in memory (WHAT names them), F32 or F16. */
fl_status fl_interop_gguf_read_mem(const unsigned char *b, size_t len, const char *what, fl_model **out,
                                   fl_error *err);
fl_status fl_interop_gguf_read(const char *path, fl_model **out, fl_error *err);

#endif
