/* futurelm convert against the outside layouts of tests/reference/make_hf_fixture.py:
 * a Hugging Face GPT-2 folder (both key spellings, mask buffers, lm_head present or
 * not) and an llm.c model file convert to checkpoints whose logits equal the
 * PyTorch reference's; the way back gives tensors (HF) and files (llm.c) equal bit
 * for bit; bad input is refused naming the file and the key, with nothing left
 * under the destination's name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interop/interop.h"
#include "tokenizer/tokenizer.h"
#include "parity.h"
#include "util/fs.h"

static char scratch[256];

static char *tmp_path(const char *name) { return fl_path_join(scratch, name); }

static char *fixture_path(const char *name) { return fl_path_join(fixture_dir(), name); }

static int exists(const char *p) {
    struct stat sb;
    return lstat(p, &sb) == 0;
}

/* Logits of every prefix of the reference tokens against the reference's, per row. */
static void check_logits(const char *ckpt, const fl_st_file *ref, const char *what) {
    fl_model *m;
    fl_error err = {0};
    if (fl_checkpoint_load(ckpt, &m, NULL, &err)) {
        check(0, what, "the checkpoint does not load: %s", err.msg);
        return;
    }
    const fl_st_tensor *tok = need(ref, "tokens"), *lg = need(ref, "logits");
    const int T = (int)tok->shape[0], V = (int)lg->shape[1];
    float *row = malloc(sizeof(float) * (size_t)fl_padded_vocab(V));
    double e = 0, r = 0;
    for (int n = 1; n <= T; n++) {
        if (fl_model_next_logits(m, tok->data, n, row, &err)) break;
        double e1, r1;
        max_err(row, (const float *)lg->data + (size_t)(n - 1) * V, (size_t)V, &e1, &r1);
        if (e1 > e) e = e1;
        if (r1 > r) r = r1;
    }
    char name[160];
    snprintf(name, sizeof name, "%s: logits of all %d prefixes within 1e-4 x max|ref| of the PyTorch reference", what, T);
    check(r > 0 && e <= 1e-4 * r, name, "max|d| %.3g, max|ref| %.3g", e, r);
    printf("# %s: max|d| %.3g (%.3g of max|ref|)\n", what, e, e / r);
    free(row);
    fl_model_free(m);
}

static int same_bytes(const fl_st_tensor *a, const fl_st_tensor *b) {
    if (a->dtype != b->dtype || a->ndim != b->ndim) return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return 0;
    return !memcmp(a->data, b->data, a->numel * fl_dtype_size(a->dtype));
}

/* Every weight of the original HF file is in the written one, bit for bit (the
 * mask buffers are constants and are not written; a tied lm_head is wte). */
static void check_hf_tensors(const char *orig_dir, const char *new_dir, const char *what) {
    char *a = fl_path_join(orig_dir, "model.safetensors"), *b = fl_path_join(new_dir, "model.safetensors");
    fl_st_file *fa = NULL, *fb = NULL;
    fl_error err = {0};
    int ok = !fl_st_open(a, &fa, &err) && !fl_st_open(b, &fb, &err), compared = 0;
    for (int i = 0; ok && i < fl_st_count(fa); i++) {
        const fl_st_tensor *t = fl_st_at(fa, i);
        const char *bare = strncmp(t->name, "transformer.", 12) ? t->name : t->name + 12;
        if (strstr(bare, "attn.bias") || strstr(bare, "attn.masked_bias")) continue;
        char want[160];
        snprintf(want, sizeof want, "transformer.%s", strcmp(bare, "lm_head.weight") ? bare : "wte.weight");
        const fl_st_tensor *u = fl_st_find(fb, want);
        ok = u && same_bytes(t, u);
        if (!ok) snprintf(err.msg, sizeof err.msg, "tensor %s differs or is missing", t->name);
        compared++;
    }
    char name[160];
    snprintf(name, sizeof name, "%s: back to HF, all %d weights equal bit for bit", what, compared);
    check(ok && compared > 0, name, "%s", err.msg);
    fl_st_close(fa), fl_st_close(fb);
    free(a), free(b);
}

static int files_equal(const char *a, const char *b) {
    char *x, *y;
    size_t nx, ny;
    fl_error err;
    if (fl_read_file(a, &x, &nx, &err)) return 0;
    if (fl_read_file(b, &y, &ny, &err)) return free(x), 0;
    int eq = nx == ny && !memcmp(x, y, nx);
    free(x), free(y);
    return eq;
}

/* convert SRC fails with a message holding both WANT1 and WANT2, and DST is not there. */
static void refused(const char *name, const char *src, fl_interop_format to, const char *want1, const char *want2) {
    char *dst = tmp_path("refused_out");
    fl_error err = {0};
    fl_status st = fl_interop_convert(src, dst, to, NULL, &err);
    check(st != FL_OK && strstr(err.msg, want1) && strstr(err.msg, want2) && !exists(dst), name, "status %d: %s%s",
          (int)st, err.msg, exists(dst) ? " (and the output exists)" : "");
    free(dst);
}

/* A copy of the HF fixture folder with config.json's text CFG (NULL: as is) and
 * model.safetensors rewritten by EDIT (NULL: as is). */
typedef void (*st_edit)(fl_st_out *t, int *n);
static char *hf_variant(const char *name, const char *cfg_from, const char *cfg_to, st_edit edit) {
    char *dir = tmp_path(name), *src = fixture_path("hf_gpt2");
    mkdir(dir, 0755);
    char *sc = fl_path_join(src, "config.json"), *dc = fl_path_join(dir, "config.json");
    char *ss = fl_path_join(src, "model.safetensors"), *ds = fl_path_join(dir, "model.safetensors");
    char *text;
    size_t len;
    fl_error err;
    if (!fl_read_file(sc, &text, &len, &err)) {
        char *at = cfg_from ? strstr(text, cfg_from) : NULL;
        FILE *f = fopen(dc, "w");
        if (at) fprintf(f, "%.*s%s%s", (int)(at - text), text, cfg_to, at + strlen(cfg_from));
        else fputs(text, f);
        fclose(f);
        free(text);
    }
    fl_st_file *in;
    if (!fl_st_open(ss, &in, &err)) {
        int n = fl_st_count(in);
        fl_st_out *t = calloc((size_t)n + 1, sizeof *t); /* room for one tensor an edit adds */
        for (int i = 0; i < n; i++) {
            const fl_st_tensor *s = fl_st_at(in, i);
            t[i] = (fl_st_out){.name = s->name, .dtype = s->dtype, .ndim = s->ndim, .data = s->data};
            memcpy(t[i].shape, s->shape, sizeof t[i].shape);
        }
        if (edit) edit(t, &n);
        fl_st_write(ds, t, n, NULL, 0, &err);
        free(t);
        fl_st_close(in);
    }
    free(src), free(sc), free(dc), free(ss), free(ds);
    return dir;
}

static int find_out(fl_st_out *t, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name)) return i;
    return -1;
}
static void drop_fc_bias(fl_st_out *t, int *n) {
    int i = find_out(t, *n, "transformer.h.1.mlp.c_fc.bias");
    if (i >= 0) t[i] = t[--*n];
}
static void transpose_c_attn(fl_st_out *t, int *n) { /* [C,3C] written as [3C,C]: ours, not HF's */
    int i = find_out(t, *n, "transformer.h.0.attn.c_attn.weight");
    if (i >= 0) {
        int64_t s = t[i].shape[0];
        t[i].shape[0] = t[i].shape[1], t[i].shape[1] = s;
    }
}
static void untied_head(fl_st_out *t, int *n) { /* a head of wte's shape holding other bytes */
    int i = find_out(t, *n, "transformer.h.0.mlp.c_fc.weight"), w = find_out(t, *n, "transformer.wte.weight");
    if (i >= 0 && w >= 0) {
        t[*n] = t[w];
        t[*n].name = "lm_head.weight";
        t[*n].data = t[i].data; /* C x 4C floats, more than V x C needs */
        (*n)++;
    }
}

/* An llm.c file with the int32 at byte offset AT set to V. */
static char *llmc_variant(const char *name, int at, int32_t v, long truncate_to) {
    char *src = fixture_path("gpt2_llmc.bin"), *dst = tmp_path(name), *data;
    size_t len;
    fl_error err;
    if (!fl_read_file(src, &data, &len, &err)) {
        memcpy(data + at, &v, 4);
        FILE *f = fopen(dst, "wb");
        fwrite(data, 1, truncate_to > 0 ? (size_t)truncate_to : len, f);
        fclose(f);
        free(data);
    }
    free(src);
    return dst;
}

/* Unused ids get "[PAD<id>]" names in vocab.json; a real token spelling one of them (here id 270's
 * "[PAD270]", built by merges as BPE would) must not share its key: the pad becomes "[PAD270_]". */
static void pad_names_distinct(void) {
    static const char *chain[] = {"[P", "[PA", "[PAD", "[PAD2", "[PAD27", "[PAD270", "[PAD270]"};
    fl_bytebuf r = {0};
    fl_error err = {0};
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int id = 0; id < 256 + 7; id++) {
        unsigned char raw[16];
        size_t n = 0;
        if (id < 256) raw[n++] = (unsigned char)id;
        else for (const char *c = chain[id - 256]; *c; c++) raw[n++] = (unsigned char)*c;
        char line[64];
        size_t o = 0;
        for (size_t i = 0; i < n; i += 3) { /* base64, as tiktoken files hold tokens */
            unsigned v = raw[i] << 16 | (i + 1 < n ? raw[i + 1] << 8 : 0) | (i + 2 < n ? raw[i + 2] : 0);
            line[o++] = b64[v >> 18 & 63], line[o++] = b64[v >> 12 & 63];
            line[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=', line[o++] = i + 2 < n ? b64[v & 63] : '=';
        }
        o += (size_t)snprintf(line + o, sizeof line - o, " %d\n", id);
        fl_bytebuf_append(&r, line, o, &err);
    }
    const char side[] = "{\"special_tokens\": {\"<|endoftext|>\": 263}, \"vocab_size\": 264}";
    fl_tokenizer *t = NULL;
    fl_interop_vocab v;
    fl_status st = fl_tokenizer_load_mem("pad-test", (const char *)r.data, r.len, side, sizeof side - 1, &t, &err);
    if (!st) st = fl_interop_vocab_build(t, 300, &v, &err);
    check(!st, "a tokenizer with a token spelling a pad name builds a vocabulary", "%s", err.msg);
    if (!st) {
        const char *real = v.blob + v.tok[262], *pad = v.blob + v.tok[270], *other = v.blob + v.tok[271];
        check(!strcmp(real, "[PAD270]") && !strcmp(pad, "[PAD270_]") && !strcmp(other, "[PAD271]") &&
                  v.type[270] == FL_GGUF_TOKEN_UNUSED,
              "an unused id whose pad name a real token spells is renamed; the others keep [PAD<id>]",
              "token 262 '%s', id 270 '%s', id 271 '%s'", real, pad, other);
        fl_interop_vocab_free(&v);
    }
    fl_tokenizer_free(t);
    free(r.data);
}

int main(void) {
    (void)fixture_config, (void)fixture_model, (void)check_grads, (void)check_adamw_steps; /* parity.h's other helpers */
    snprintf(scratch, sizeof scratch, "/tmp/fl_interop_%ld", (long)getpid());
    mkdir(scratch, 0755);
    pad_names_distinct();
    fl_st_file *ref = fixture_open("hf_gpt2_ref.safetensors", "make_hf_fixture.py");
    if (!ref) return 1;
    fl_error err = {0};
    const char *src_names[3] = {"hf_gpt2", "hf_gpt2_bare", "gpt2_llmc.bin"};
    const char *what[3] = {"HF 'transformer.' names + mask buffers", "HF bare names + lm_head + U8 mask",
                           "llm.c model file"};
    char *ck[3];
    for (int i = 0; i < 3; i++) {
        char *src = fixture_path(src_names[i]), name[32];
        snprintf(name, sizeof name, "ck%d", i);
        ck[i] = tmp_path(name);
        fl_interop_format from;
        fl_status st = fl_interop_convert(src, ck[i], FL_FMT_UNKNOWN, &from, &err);
        char label[160];
        snprintf(label, sizeof label, "%s converts to a futurelm checkpoint (detected as %s)", what[i],
                 fl_interop_format_name(from));
        if (check(st == FL_OK && from == (i < 2 ? FL_FMT_HF : FL_FMT_LLMC), label, "%s", err.msg))
            check_logits(ck[i], ref, what[i]);
        free(src);
    }
    /* back to HF from each, against the original */
    for (int i = 0; i < 2; i++) {
        char *src = fixture_path(src_names[i]), name[32];
        snprintf(name, sizeof name, "hf%d", i);
        char *out = tmp_path(name);
        if (check(fl_interop_convert(ck[i], out, FL_FMT_HF, NULL, &err) == FL_OK, "a checkpoint converts to HF",
                  "%s", err.msg))
            check_hf_tensors(src, out, what[i]);
        char *again = tmp_path("ck_again");
        check(fl_interop_convert(out, again, FL_FMT_UNKNOWN, NULL, &err) == FL_OK, "the written HF folder reads back",
              "%s", err.msg);
        free(src), free(out), free(again);
    }
    /* half precision in: F16 and BF16 widened exactly, as torch widens them */
    char *half = fixture_path("hf_gpt2_half"), *half_ref = fixture_path("hf_gpt2_half_f32");
    char *half_ck = tmp_path("ck_half"), *half_out = tmp_path("hf_half");
    if (check(fl_interop_convert(half, half_ck, FL_FMT_UNKNOWN, NULL, &err) == FL_OK &&
                  fl_interop_convert(half_ck, half_out, FL_FMT_HF, NULL, &err) == FL_OK,
              "an HF folder of F16 and BF16 weights (BOOL mask) converts, and back to HF", "%s", err.msg))
        check_hf_tensors(half_ref, half_out, "F16/BF16 widened to F32 (against torch's .float())");
    free(half), free(half_ref), free(half_ck), free(half_out);
    /* llm.c: file -> checkpoint -> file is the same bytes; checkpoint -> file -> checkpoint the same tensors */
    char *orig = fixture_path("gpt2_llmc.bin"), *back = tmp_path("back.bin"), *ck2 = tmp_path("ck_llmc2");
    char *bin_from_hf = tmp_path("from_hf.bin");
    check(fl_interop_convert(ck[2], back, FL_FMT_LLMC, NULL, &err) == FL_OK && files_equal(orig, back),
          "llm.c -> futurelm -> llm.c: the file is the same, byte for byte", "%s", err.msg);
    check(fl_interop_convert(ck[0], bin_from_hf, FL_FMT_LLMC, NULL, &err) == FL_OK && files_equal(orig, bin_from_hf),
          "HF -> futurelm -> llm.c equals the reference's own llm.c file, byte for byte", "%s", err.msg);
    char *m1 = fl_path_join(ck[2], "model.safetensors"), *m2 = fl_path_join(ck2, "model.safetensors");
    check(fl_interop_convert(back, ck2, FL_FMT_UNKNOWN, NULL, &err) == FL_OK && files_equal(m1, m2),
          "futurelm -> llm.c -> futurelm: model.safetensors the same, byte for byte", "%s", err.msg);
    refused("a destination in the source's own format is refused", ck[2], FL_FMT_FUTURELM, "already", "futurelm");

    /* bad input: each names the file and the key */
    char *d;
    refused("config.json of another architecture", d = hf_variant("arch", "\"gpt2\"", "\"llama\"", NULL),
            FL_FMT_UNKNOWN, "config.json", "model_type"), free(d);
    refused("a non-tanh activation", d = hf_variant("act", "gelu_new", "relu", NULL), FL_FMT_UNKNOWN, "config.json",
            "activation_function"), free(d);
    refused("another LayerNorm epsilon", d = hf_variant("eps", "1e-05", "1e-06", NULL), FL_FMT_UNKNOWN, "config.json",
            "layer_norm_epsilon"), free(d);
    refused("an MLP other than 4C", d = hf_variant("inner", "\"n_inner\": null", "\"n_inner\": 100", NULL),
            FL_FMT_UNKNOWN, "config.json", "n_inner"), free(d);
    refused("a config without n_head", d = hf_variant("nohead", "\"n_head\"", "\"n_heads\"", NULL), FL_FMT_UNKNOWN,
            "config.json", "n_head"), free(d);
    refused("a missing tensor", d = hf_variant("missing", NULL, NULL, drop_fc_bias), FL_FMT_UNKNOWN,
            "model.safetensors", "transformer.h.1.mlp.c_fc.bias"), free(d);
    refused("a wrong shape (our [out,in] instead of Conv1D's [in,out])",
            d = hf_variant("shape", NULL, NULL, transpose_c_attn), FL_FMT_UNKNOWN, "model.safetensors",
            "transformer.h.0.attn.c_attn.weight' has shape [96, 32], expected [32, 96]"), free(d);
    refused("an untied lm_head that differs from wte",
            d = hf_variant("untied", "\"gpt2\",", "\"gpt2\", \"tie_word_embeddings\": false,", untied_head),
            FL_FMT_UNKNOWN, "model.safetensors", "lm_head.weight"), free(d);
    d = llmc_variant("magic.bin", 0, 20240520, 0);
    refused("an llm.c file with a bad magic: the error names header[0]", d, FL_FMT_UNKNOWN, d,
            "header[0] (magic) is 20240520, not llm.c's model magic 20240326 (it is a token shard"), free(d);
    d = llmc_variant("v5.bin", 4, 5, 0);
    refused("an llm.c file with version 5 (bfloat16)", d, FL_FMT_UNKNOWN, d, "header[1] (version) is 5"), free(d);
    d = llmc_variant("short.bin", 4, 3, 5000);
    refused("a truncated llm.c file", d, FL_FMT_UNKNOWN, d, "truncated"), free(d);
    d = llmc_variant("heads.bin", 20, 5, 0);
    refused("an llm.c header with channels not a multiple of heads", d, FL_FMT_UNKNOWN, d, "num_heads"), free(d);
    refused("a missing source", "tests/no-such-file", FL_FMT_LLMC, "tests/no-such-file", "No such file");
    fl_model_config fc;
    fl_model_config_default(&fc, FL_MODEL_FTP);
    fc.vocab_size = 50, fc.block_size = 8, fc.n_layer = 1, fc.n_head = 2, fc.n_embd = 16, fc.n_future = 2;
    fc.pseudo_len = 1, fc.dec_layers = 1;
    fl_model *ftp;
    char *ftp_dir = tmp_path("ftp");
    if (!fl_model_create(&fc, &ftp, &err)) {
        fl_model_init_weights(ftp, 1);
        fl_checkpoint_save(ftp_dir, ftp, NULL, NULL, &err);
        fl_model_free(ftp);
    }
    refused("an FTP checkpoint to llm.c is refused, naming model.type", ftp_dir, FL_FMT_LLMC, "FTP", "model.type");
    refused("an FTP checkpoint to HF is refused, naming model.type", ftp_dir, FL_FMT_HF, "FTP", "model.type");
    free(ftp_dir);
    for (int i = 0; i < 3; i++) free(ck[i]);
    free(orig), free(back), free(ck2), free(bin_from_hf), free(m1), free(m2);
    fl_st_close(ref);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0) printf("# could not remove %s\n", scratch);
    return check_exit();
}
