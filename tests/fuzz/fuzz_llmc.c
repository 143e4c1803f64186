/* llm.c's model file (fl_interop_llmc_header on the bytes, fl_interop_llmc_read on
 * a file holding them): any bytes are refused with a message, or give a header of
 * positive sizes whose parameter count matches the file, and a model that the
 * writer puts back and the reader reads again to the same parameters, bit for bit. */
#include "fuzz_util.h"
#include "interop/interop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fl_error err = {0};
    fl_llmc_header h;
    if (fl_interop_llmc_header(data, size, "model.bin", &h, &err) == FL_OK) {
        FUZZ_CHECK(h.max_t > 0 && h.vocab > 0 && h.n_layer > 0 && h.n_head > 0 && h.n_embd > 0 &&
                       h.padded_vocab >= h.vocab && h.n_embd % h.n_head == 0,
                   "header %d %d %d %d %d %d accepted", h.max_t, h.vocab, h.n_layer, h.n_head, h.n_embd,
                   h.padded_vocab);
    } else {
        FUZZ_CHECK(err.msg[0], "a refused header without a message");
    }
    const char *path = fuzz_write("model.bin", data, size);
    fl_model *m;
    if (fl_interop_llmc_read(path, &m, &err)) {
        FUZZ_CHECK(err.msg[0], "a refused file without a message");
        return 0;
    }
    FUZZ_CHECK(size == FL_LLMC_HEADER_BYTES + 4 * fl_interop_llmc_numel(&h), "a file of %zu bytes read", size);
    char back[4200];
    snprintf(back, sizeof back, "%s/back.bin", fuzz_dir());
    FUZZ_CHECK(fl_interop_llmc_write(back, m, &err) == FL_OK, "the writer refuses what the reader took: %s", err.msg);
    fl_model *again;
    FUZZ_CHECK(fl_interop_llmc_read(back, &again, &err) == FL_OK, "our own llm.c file does not read: %s", err.msg);
    unlink(back);
    FUZZ_CHECK(fl_model_num_params(m) == fl_model_num_params(again) &&
                   !memcmp(fl_model_params(m), fl_model_params(again), fl_model_num_params(m) * sizeof(float)),
               "the parameters change through the writer");
    fl_model_free(m);
    fl_model_free(again);
    return 0;
}
