/* The prompt-to-text loop of `futurelm generate` (generate_text.h). */
#include "infer/generate_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "util/error.h"
#include "util/json.h"

static fl_status bpe_encode(void *user, const char *text, size_t len, fl_tokvec *ids, fl_error *err) {
    return fl_tokenizer_encode(user, text, len, 0, ids, err);
}

static fl_status bpe_decode(void *user, const int32_t *ids, size_t n, int lead, fl_bytebuf *out, fl_error *err) {
    (void)lead; /* BPE pieces carry their own spaces */
    return fl_tokenizer_decode(user, ids, n, out, err);
}

void fl_text_codec_bpe(fl_text_codec *c, fl_tokenizer *tok) {
    memset(c, 0, sizeof *c);
    c->encode = bpe_encode;
    c->decode = bpe_decode;
    c->user = tok;
    c->vocab_size = fl_tokenizer_vocab_size(tok);
    c->eot = fl_tokenizer_eot(tok);
}

static const char *const MODE_NAMES[] = {"ar", "block", "spec"};


void fl_gen_stats_print(FILE *f, const fl_gen_stats *s, fl_gen_mode m, int json) {
    const char *mode = MODE_NAMES[m];
    double ptps = s->prompt_seconds > 0 ? s->prompt_tokens / s->prompt_seconds : 0;
    double gtps = s->generate_seconds > 0 ? s->generated_tokens / s->generate_seconds : 0;
    double per_pass = s->encoder_passes > 0 ? (double)s->generated_tokens / s->encoder_passes : 0;
    if (json) {
        fprintf(f, "{\"mode\":\"%s\",\"prompt_tokens\":%ld,\"prompt_seconds\":%.6f,\"prompt_tokens_per_s\":%.2f,"
                   "\"generated_tokens\":%ld,\"generate_seconds\":%.6f,\"generated_tokens_per_s\":%.2f,"
                   "\"encoder_passes\":%ld,\"tokens_per_encoder_pass\":%.4f,\"window_slides\":%ld",
                mode, s->prompt_tokens, s->prompt_seconds, ptps, s->generated_tokens, s->generate_seconds, gtps,
                s->encoder_passes, per_pass, s->window_slides);
        if (s->max_depth > 0) {
            fprintf(f, ",\"draft\":%d,\"acceptance\":[", s->max_depth);
            for (int d = 1; d < s->max_depth; d++)
                fprintf(f, "%s{\"depth\":%d,\"drafted\":%ld,\"accepted\":%ld,\"rate\":%.4f}", d > 1 ? "," : "", d + 1,
                        s->drafted[d], s->accepted[d], s->drafted[d] ? (double)s->accepted[d] / s->drafted[d] : 0.0);
            fprintf(f, "]");
        }
        fprintf(f, "}");
        return;
    }
    fprintf(f, "mode %s: prompt %ld tokens in %.3f s (%.1f tok/s); generated %ld tokens in %.3f s (%.1f tok/s)\n",
            mode, s->prompt_tokens, s->prompt_seconds, ptps, s->generated_tokens, s->generate_seconds, gtps);
    fprintf(f, "encoder passes %ld, %.2f tokens per pass, window slides %ld; kernels built for %s\n",
            s->encoder_passes, per_pass, s->window_slides, fli_compiled_simd());
    if (s->max_depth > 0) {
        fprintf(f, "acceptance by draft position (token k of a round; token 1 is always the model's own):\n");
        for (int d = 1; d < s->max_depth; d++)
            fprintf(f, "  token %d: %ld of %ld drafts accepted (%.1f%%)\n", d + 1, s->accepted[d], s->drafted[d],
                    s->drafted[d] ? 100.0 * s->accepted[d] / s->drafted[d] : 0.0);
    }
}

static void write_json(const fl_model_config *c, const fl_gen_config *gen, const fl_text_gen_opts *o,
                       const char *prompt, size_t plen, const fl_bytebuf *text, const fl_tokvec *ids,
                       const fl_tokvec *outv, const char *stop, int dropped, const fl_gen_stats *st) {
    FILE *f = o->out;
    fprintf(f, "{\"checkpoint\":");
    fl_json_write_string(f, o->checkpoint ? o->checkpoint : "", o->checkpoint ? strlen(o->checkpoint) : 0);
    fprintf(f, ",\"model\":\"%s\",\"mode\":\"%s\",\"prompt\":", c->type == FL_MODEL_FTP ? "ftp" : "gpt",
            MODE_NAMES[gen->mode]);
    fl_json_write_string(f, prompt, plen);
    fprintf(f, ",\"text\":");
    fl_json_write_string(f, text->len ? (const char *)text->data : "", text->len);
    fprintf(f, ",\"prompt_token_ids\":[");
    for (size_t i = 0; i < ids->len; i++) fprintf(f, "%s%d", i ? "," : "", ids->data[i]);
    fprintf(f, "],\"token_ids\":[");
    for (size_t i = 0; i < outv->len; i++) fprintf(f, "%s%d", i ? "," : "", outv->data[i]);
    fprintf(f, "],\"stop\":\"%s\",\"prompt_tokens_dropped\":%d,", stop, dropped);
    if (gen->mode == FL_GEN_SPEC)
        fprintf(f, "\"draft_precision\":\"%s\",\"draft_depth\":\"%s\",",
                gen->draft_precision == FL_DRAFT_F32 ? "f32" : gen->draft_precision == FL_DRAFT_INT8 ? "int8" : "bf16",
                gen->draft_fixed || gen->sampler.temperature != 0.0f ? "fixed" : "adaptive");
    fprintf(f, "\"simd\":\"%s\",\"stats\":", fli_compiled_simd());
    fl_gen_stats_print(f, st, gen->mode, 1);
    fprintf(f, "}\n");
    fflush(f);
}

fl_status fl_generate_text(fl_generator *g, const fl_model_config *c, const fl_gen_config *gen,
                           const fl_text_codec *codec, const fl_text_gen_opts *o, const char *prompt, size_t plen,
                           fl_error *err) {
    const int eot = codec->eot;
    fl_tokvec ids = {0}, outv = {0};
    fl_bytebuf piece = {0}, text = {0};
    fl_status st = FL_OK;
    /* Training documents start with <|endoftext|>, so a prompt starts a document the same way.
     * The prompt is plain text: special-token names in it are encoded as text. */
    if ((eot >= 0 && (st = fl_tokvec_push(&ids, eot, err))) ||
        (st = codec->encode(codec->user, prompt, plen, &ids, err)))
        goto out;
    if (ids.len == 0) {
        st = fl_fail(err, FL_ERR_ARG,
                     "the prompt is empty and the tokenizer has no <|endoftext|> to start a document; give --prompt");
        goto out;
    }
    fl_generator_seed(g, gen->sampler.seed); /* every prompt as if it ran alone */
    int dropped = 0;
    if ((st = fl_generator_start(g, ids.data, (int)ids.len, &dropped, err))) goto out;
    if (dropped > 0)
        fprintf(o->log,
                "futurelm: warning: the prompt is %zu tokens, more than the context of %d (model.block_size): the "
                "model sees its last %zu, and the first %d (counting the <|endoftext|> that starts it) do not "
                "reach it\n",
                ids.len, c->block_size, ids.len - (size_t)dropped, dropped);

    if (!o->json) fwrite(prompt, 1, plen, o->out), fflush(o->out);
    const char *stop = "max_tokens";
    int32_t round[FL_MAX_FUTURE + 1];
    while ((long)outv.len < o->max_tokens) {
        int n;
        long left = o->max_tokens - (long)outv.len;
        if ((st = fl_generator_next(g, round, left < FL_MAX_FUTURE ? (int)left : FL_MAX_FUTURE, &n, err))) goto out;
        int end = 0;
        for (int i = 0; i < n && !end; i++) {
            if (eot >= 0 && round[i] == eot && !o->ignore_eot) {
                stop = "eot";
                end = 1;
                break;
            }
            if ((st = fl_tokvec_push(&outv, round[i], err))) goto out;
            if (!o->json) {
                piece.len = 0;
                fl_error ignored; /* a token with no text of its own prints nothing */
                if (!codec->decode(codec->user, &round[i], 1, 1, &piece, &ignored))
                    fwrite(piece.data, 1, piece.len, o->out);
            }
        }
        if (!o->json) fflush(o->out);
        if (end) break;
    }

    fl_gen_stats gs;
    fl_generator_stats(g, &gs);
    /* The speed counts the tokens delivered and the stop token over all the
     * time spent (with --ignore-eot a round can run past <|endoftext|>; what
     * follows it is not output and not counted). */
    gs.generated_tokens = (long)outv.len + (!strcmp(stop, "eot") ? 1 : 0);
    if (o->json) {
        if (outv.len && (st = codec->decode(codec->user, outv.data, outv.len, 0, &text, err))) goto out;
        write_json(c, gen, o, prompt, plen, &text, &ids, &outv, stop, dropped, &gs);
    } else {
        fprintf(o->out, "\n");
        fflush(o->out); /* the text ends before the statistics start on a shared terminal */
        if (o->stats) fl_gen_stats_print(o->log, &gs, gen->mode, 0);
    }
out:
    fl_tokvec_free(&ids);
    fl_tokvec_free(&outv);
    fl_bytebuf_free(&piece);
    fl_bytebuf_free(&text);
    return st;
}

fl_status fl_generate_lines(fl_generator *g, const fl_model_config *c, const fl_gen_config *gen,
                            const fl_text_codec *codec, const fl_text_gen_opts *o, FILE *f, const char *name,
                            fl_error *err) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    fl_status st = FL_OK;
    long count = 0;
    while (!st && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        st = fl_generate_text(g, c, gen, codec, o, line, (size_t)n, err);
        count++;
    }
    if (!st && ferror(f)) st = fl_fail(err, FL_ERR_IO, "reading the prompts from %s: %s", name, strerror(errno));
    if (!st && count == 0) st = fl_fail(err, FL_ERR_ARG, "%s has no prompts (one per line)", name);
    free(line);
    return st;
}
