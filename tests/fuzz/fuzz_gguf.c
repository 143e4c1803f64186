/* GGUF (fl_gguf_parse and fl_interop_gguf_read_mem on the bytes): any bytes are
 * refused with a message, or parse into key/values and tensors that lie inside
 * the input, aligned, with sizes their dims imply; a model read from them holds
 * each of its tensors' values as the file has them (bit for bit for F32). */
#include "fuzz_util.h"
#include "interop/gguf.h"
#include "interop/interop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fl_error err = {0};
    fl_gguf g;
    if (fl_gguf_parse(data, size, "model.gguf", &g, &err)) {
        FUZZ_CHECK(err.msg[0], "a refused file without a message");
    } else {
        FUZZ_CHECK(g.version == FL_GGUF_VERSION && g.alignment && !(g.alignment & (g.alignment - 1)), "header");
        for (uint64_t i = 0; i < g.n_kv; i++)
            FUZZ_CHECK(g.kv[i].key >= data && g.kv[i].key + g.kv[i].key_len <= data + size, "key %llu outside",
                       (unsigned long long)i);
        for (uint64_t i = 0; i < g.n_tensors; i++) {
            const fl_gguf_tensor *t = &g.tensor[i];
            uint64_t numel = 1;
            for (uint32_t d = 0; d < t->n_dims; d++) numel *= t->dims[d];
            FUZZ_CHECK(numel == t->numel && t->nbytes == numel * (t->type == FL_GGML_F32 ? 4 : 2) &&
                           t->offset % g.alignment == 0 && t->data >= data && t->data + t->nbytes <= data + size,
                       "tensor '%s' accepted outside the file or with a wrong size", t->name);
        }
    }
    fl_model *m;
    fl_error e2 = {0};
    if (fl_interop_gguf_read_mem(data, size, "model.gguf", &m, &e2)) {
        FUZZ_CHECK(e2.msg[0], "a refused model without a message");
    } else {
        FUZZ_CHECK(!err.msg[0], "a model read from a file the parser refused");
        const fl_gguf_tensor *t = fl_gguf_find_tensor(&g, "position_embd.weight");
        const fl_tensor *wpe = fl_model_find_tensor(m, "wpe");
        FUZZ_CHECK(t && t->numel == wpe->numel, "wpe's size differs from the file's");
        if (t->type == FL_GGML_F32)
            FUZZ_CHECK(!memcmp(t->data, wpe->data, t->nbytes), "wpe's values differ from the file's");
        fl_model_free(m);
    }
    if (!err.msg[0]) fl_gguf_free(&g);
    return 0;
}
