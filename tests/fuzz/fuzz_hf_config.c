/* Hugging Face GPT-2's config.json (fl_interop_hf_config_parse): any bytes are
 * refused with a message, or give a GPT config that validates, and the
 * config.json the writer makes of it parses back to the same config, tied. */
#include "fuzz_util.h"
#include "interop/interop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fl_error err = {0};
    fl_model_config c, again;
    int tied = -1, tied2 = -1;
    if (fl_interop_hf_config_parse((const char *)data, size, "config.json", &c, &tied, &err)) {
        FUZZ_CHECK(err.msg[0], "a refused config without a message");
        return 0;
    }
    FUZZ_CHECK(c.type == FL_MODEL_GPT && (tied == 0 || tied == 1), "type %d, tied %d", (int)c.type, tied);
    FUZZ_CHECK(fl_model_config_validate(&c, &err) == FL_OK, "an accepted config does not validate: %s", err.msg);
    char *text = fl_interop_hf_config_json(&c, c.vocab_size - 1);
    FUZZ_CHECK(text, "the writer failed");
    FUZZ_CHECK(fl_interop_hf_config_parse(text, strlen(text), "again", &again, &tied2, &err) == FL_OK,
               "our own config.json does not parse (%s): %s", err.msg, text);
    FUZZ_CHECK(!memcmp(&c, &again, sizeof c) && tied2 == 1, "the config changes through the writer: %s", text);
    free(text);
    return 0;
}
