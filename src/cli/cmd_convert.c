/* futurelm convert SRC --out DST [--to futurelm|llmc|hf|gguf|gguf-f16] [--tokenizer TOK]: parse, call
 * fl_interop_convert_tok, print. */
#include <stdio.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "interop/interop.h"

static const char ABOUT[] =
    "Converts a GPT model between futurelm's checkpoints, llm.c's model file (gpt2_124M.bin: float32,\n"
    "version 3), Hugging Face GPT-2 folders (config.json + model.safetensors) and GGUF files for\n"
    "llama.cpp (architecture gpt2; gguf-f16 stores the matrices as F16). The source's format is read\n"
    "from its content. HF and GGUF exports carry the tokenizer: --tokenizer, else the one the run\n"
    "recorded (GGUF needs one). What futurelm's GPT-2 cannot represent (an untied head, another\n"
    "activation, a non-GPT-2 config) is refused, naming the key. DST appears whole or not at all.\n"
    "docs/interop.md.";

/* In fl_interop_format order after FL_FMT_UNKNOWN. */
static const char *const TO[] = {"futurelm", "llmc", "hf", "gguf", "gguf-f16", NULL};

int cmd_convert(int argc, char **argv) {
    const char *src = NULL, *dst = NULL, *tok = NULL;
    int to = 0; /* futurelm */
    const cli_opt opts[] = {
        {"out", 0, CLI_STRING, &dst, 0, 0, NULL, "DST", "where the converted model goes (a folder, or an llm.c or GGUF file)",
         CLI_REQUIRED},
        {"to", 0, CLI_CHOICE, &to, 0, 0, TO, "futurelm|llmc|hf|gguf|gguf-f16", "the format to write", 0},
        {"tokenizer", 0, CLI_STRING, &tok, 0, 0, NULL, "TOK",
         "the tokenizer HF and GGUF exports carry (a tiktoken rank file; 'gpt2' = GPT-2's)", 0},
        {0},
    };
    const cli_pos pos[] = {{"SRC", &src, NULL, 1}, {0}};
    const cli_spec spec = {"convert", ABOUT, opts, pos, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    fl_error err = {0};
    fl_interop_format from;
    fl_interop_format want = (fl_interop_format)(FL_FMT_FUTURELM + to);
    if (fl_interop_convert_tok(src, dst, want, tok, &from, &err))
        return cli_error("%s", err.msg);
    printf("converted %s (%s) to %s (%s)\n", src, fl_interop_format_name(from), dst, fl_interop_format_name(want));
    return 0;
}
