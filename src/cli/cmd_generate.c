/* futurelm generate CKPT: basic sampling (greedy, or temperature with top-k),
 * recomputing the prefix each token. FTP models sample from decoder step 0
 * (the 'ar' mode). The KV cache, the other samplers and the FTP block/spec modes
 * are issue 6's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "tokenizer/tokenizer.h"
#include "train/checkpoint.h"
#include "util/json.h"
#include "util/rng.h"

static int sample(const float *logits, int V, float temperature, int top_k, fl_rng *rng) {
    int best = 0;
    for (int v = 1; v < V; v++)
        if (logits[v] > logits[best]) best = v;
    if (temperature <= 0) return best;
    /* top-k threshold: the k-th largest logit (k = V when off) */
    float thresh = -INFINITY;
    if (top_k > 0 && top_k < V) {
        float *tmp = malloc(sizeof *tmp * (size_t)V);
        memcpy(tmp, logits, sizeof *tmp * (size_t)V);
        for (int i = 0; i < top_k; i++) { /* partial selection: k passes, fine for k << V */
            int arg = i;
            for (int v = i + 1; v < V; v++)
                if (tmp[v] > tmp[arg]) arg = v;
            float t = tmp[i];
            tmp[i] = tmp[arg];
            tmp[arg] = t;
        }
        thresh = tmp[top_k - 1];
        free(tmp);
    }
    double sum = 0;
    for (int v = 0; v < V; v++)
        if (logits[v] >= thresh) sum += exp((logits[v] - logits[best]) / temperature);
    double u = fl_rng_uniform(rng) * sum, acc = 0;
    for (int v = 0; v < V; v++)
        if (logits[v] >= thresh && (acc += exp((logits[v] - logits[best]) / temperature)) >= u) return v;
    return best;
}

int cmd_generate(int argc, char **argv) {
    const char *ckpt = NULL, *prompt = "", *tok_path = NULL;
    int max_tokens = 64, top_k = 0;
    float temperature = 0;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: futurelm generate CKPT [--prompt TEXT] [--max-tokens N] [--temperature T] [--top-k K]\n"
                   "                         [--seed S] [--tokenizer TOK]\n"
                   "Temperature 0 (the default) is greedy. The tokenizer defaults to the one the run was trained with.\n");
            return 0;
        }
        if (a[0] != '-') { ckpt = a; continue; }
        if (!v) return cli_error("%s needs a value", a);
        if (!strcmp(a, "--prompt")) prompt = v;
        else if (!strcmp(a, "--max-tokens")) max_tokens = atoi(v);
        else if (!strcmp(a, "--temperature")) temperature = (float)atof(v);
        else if (!strcmp(a, "--top-k")) top_k = atoi(v);
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--tokenizer")) tok_path = cli_tokenizer_path(v);
        else return cli_error("unknown option %s (see futurelm generate --help)", a);
        i++;
    }
    if (!ckpt) return cli_error("usage: futurelm generate CKPT [--prompt TEXT] ...");
    if (max_tokens < 0 || temperature < 0) return cli_error("--max-tokens and --temperature must be >= 0");
    char dir[4200];
    ckpt_resolve(ckpt, dir, sizeof dir);
    fl_error err = {0};
    fl_model *m;
    if (ckpt_load_model(dir, &m, &err)) return cli_error("%s", err.msg);
    char tokbuf[1024] = "";
    if (!tok_path) {
        char *state;
        if (!ckpt_read_state(dir, &state, &err)) {
            fl_json_doc *doc = fl_json_parse(state, strlen(state), NULL, 0);
            const fl_json *p = fl_json_get(fl_json_get(fl_json_root(doc), "tokenizer"), "path");
            if (p && p->type == FL_JSON_STRING) snprintf(tokbuf, sizeof tokbuf, "%s", p->str);
            fl_json_free(doc);
            free(state);
        }
        if (!tokbuf[0]) {
            fl_model_free(m);
            return cli_error("%s does not name its tokenizer; pass --tokenizer TOK", dir);
        }
        tok_path = tokbuf;
    }
    fl_tokenizer *tok;
    if (fl_tokenizer_load(tok_path, &tok, &err)) {
        fl_model_free(m);
        return cli_error("%s", err.msg);
    }
    const fl_model_config *c = fl_model_get_config(m);
    fl_tokvec ids = {0};
    int rc = 0;
    /* Training documents start with <|endoftext|>, so a prompt starts a document the same way. */
    if (fl_tokvec_push(&ids, fl_tokenizer_eot(tok), &err)) rc = cli_error("%s", err.msg);
    if (!rc && prompt[0] && fl_tokenizer_encode(tok, prompt, strlen(prompt), 1, &ids, &err)) rc = cli_error("%s", err.msg);
    float *logits = malloc(sizeof(float) * (size_t)fl_padded_vocab(c->vocab_size));
    fl_rng rng;
    fl_rng_seed(&rng, seed);
    fputs(prompt, stdout);
    for (int i = 0; i < max_tokens && !rc; i++) {
        int n = (int)ids.len < c->block_size ? (int)ids.len : c->block_size;
        if (fl_model_next_logits(m, ids.data + ids.len - n, n, logits, &err)) { rc = cli_error("%s", err.msg); break; }
        int next = sample(logits, c->vocab_size, temperature, top_k, &rng);
        if (fl_tokvec_push(&ids, next, &err)) { rc = cli_error("%s", err.msg); break; }
        if (next == fl_tokenizer_eot(tok)) break;
        fl_bytebuf out = {0};
        if (!fl_tokenizer_decode(tok, &ids.data[ids.len - 1], 1, &out, &err)) fwrite(out.data, 1, out.len, stdout);
        fl_bytebuf_free(&out);
        fflush(stdout);
    }
    printf("\n");
    free(logits);
    fl_tokvec_free(&ids);
    fl_tokenizer_free(tok);
    fl_model_free(m);
    return rc;
}
