/* Star-graph evaluation of a model (stargraph.h): greedy decoding through the
 * public generator (GPT, or FTP in ar mode: decoder step 0 is its next-token
 * distribution) and the three scores.
 *
 * Three decodings an example, each from a fresh start of the generator, all
 * greedy (temperature 0, lowest id on ties), every prompt opening with
 * <|endoftext|> as training documents do:
 *   free   prompt `edges/s,g=`; up to 2L-1 tokens, stopping at <|endoftext|>.
 *          Exact-path accuracy: the checker passes them.
 *   first  prompt `edges/s,g=s,`; one token. The start s (the path's first node)
 *          and its ',' are forced: the prompt names s, so copying it is not the
 *          decision under test. First-step accuracy: the token is n2, the first
 *          node of the goal's arm (chance 1/D).
 *   rest   prompt `edges/s,g=s,n2,` with the true n2 forced as well; up to
 *          2(L-2)-1 tokens, free-running (the model's own tokens are fed back,
 *          nothing more is forced). Remaining-steps accuracy: they are exactly
 *          n3,...,nL. Once on the right arm each step only has to follow the edge
 *          out of the previous node, so a model that has learnt that shortcut
 *          scores near 1 here while first sits near 1/D: the Clever-Hans
 *          signature of teacher forcing.
 * The free decoding is thus not teacher-forced at all; the other two only on the
 * prefix of the answer named above. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/stargraph.h"
#include "util/error.h"
#include "util/json.h"

void fl_sg_eval_opts_default(fl_sg_eval_opts *o) {
    memset(o, 0, sizeof *o);
    o->n_boot = 1000;
    o->boot_seed = 1337;
}

/* Up to cap greedy tokens after prompt, stopping at eot (dropped). */
static fl_status decode(fl_generator *g, const int32_t *prompt, int n, int32_t eot, int cap, int32_t *out,
                        int *n_out, fl_error *err) {
    int dropped, got = 0, done = 0;
    fl_status st = fl_generator_start(g, prompt, n, &dropped, err);
    while (!st && got < cap && !done) {
        int32_t round[FL_MAX_FUTURE + 1];
        int k, left = cap - got;
        if ((st = fl_generator_next(g, round, left < FL_MAX_FUTURE ? left : FL_MAX_FUTURE, &k, err))) break;
        for (int i = 0; i < k && !done; i++) {
            if (round[i] == eot) done = 1;
            else out[got++] = round[i];
            if (got == cap) done = 1;
        }
    }
    *n_out = got;
    return st;
}

#define SG_SLOTS (2 * FL_SG_MAX_PATH) /* tokens kept per decoding: at most 2L-1 */

fl_status fl_sg_eval(const fl_model *m, const fl_sg_example *ex, long n, const fl_sg_eval_opts *o,
                     fl_sg_eval_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    const fl_model_config *c = fl_model_get_config(m);
    int M = c->vocab_size - FL_SG_SPECIALS;
    if (M < 3)
        return fl_fail(err, FL_ERR_ARG,
                       "the model's vocabulary has %d tokens: a star-graph model has M + 5 (M node labels), so "
                       "evaluate one trained on `futurelm stargraph generate` data",
                       c->vocab_size);
    r->n_nodes = M;
    if (o->max_examples > 0 && n > o->max_examples) n = o->max_examples;
    if (n < 1) return fl_fail(err, FL_ERR_ARG, "no star-graph examples to evaluate (the test file is empty)");
    for (long i = 0; i < n; i++) {
        int need = 1 + 4 * ex[i].n_edges + 4 + 2 * ex[i].path_len - 1;
        if (ex[i].path_len < 3)
            return fl_fail(err, FL_ERR_ARG, "test example %ld has a path of %d nodes: scoring needs at least 3", i + 1,
                           ex[i].path_len);
        if (need > c->block_size)
            return fl_fail(err, FL_ERR_ARG,
                           "test example %ld is %d tokens with its path, longer than the model's context %d (train "
                           "with model.block_size >= %d)",
                           i + 1, need, c->block_size, need);
        for (int k = 0; k < ex[i].n_edges; k++)
            if (ex[i].from[k] >= M || ex[i].to[k] >= M)
                return fl_fail(err, FL_ERR_ARG, "test example %ld has label %d; the model knows labels 0..%d", i + 1,
                               (int)(ex[i].from[k] > ex[i].to[k] ? ex[i].from[k] : ex[i].to[k]), M - 1);
    }
    fl_gen_config gc;
    memset(&gc, 0, sizeof gc);
    fl_sampler_config_default(&gc.sampler);
    gc.sampler.temperature = 0.0f;
    gc.mode = FL_GEN_AR;
    int32_t *tok = malloc((size_t)n * 2 * SG_SLOTS * sizeof *tok);
    fl_sg_prediction *pred = calloc((size_t)n, sizeof *pred);
    int32_t *prompt = malloc((size_t)(c->block_size + 1) * sizeof *prompt);
    fl_generator *g = NULL;
    fl_status st = !tok || !pred || !prompt ? fl_fail(err, FL_ERR_NOMEM, "out of memory")
                                            : fl_generator_create(m, &gc, &g, err);
    const int32_t eot = fl_sg_tok(M, FL_SG_EOT), comma = fl_sg_tok(M, FL_SG_COMMA);
    for (long i = 0; i < n && !st; i++) {
        const fl_sg_example *e = &ex[i];
        fl_sg_prediction *p = &pred[i];
        int32_t *free_out = tok + (size_t)i * 2 * SG_SLOTS, *rest_out = free_out + SG_SLOTS, first = -1;
        prompt[0] = eot;
        int np = 1 + fl_sg_encode(e, M, 0, prompt + 1, c->block_size), got;
        if ((st = decode(g, prompt, np, eot, 2 * e->path_len - 1, free_out, &got, err))) break;
        p->free = free_out, p->n_free = got;
        prompt[np] = e->path[0], prompt[np + 1] = comma;
        if ((st = decode(g, prompt, np + 2, eot, 1, &first, &got, err))) break;
        p->first = got ? first : eot; /* eot: wrote nothing, which is never n2 */
        prompt[np + 2] = e->path[1], prompt[np + 3] = comma;
        if ((st = decode(g, prompt, np + 4, eot, 2 * (e->path_len - 2) - 1, rest_out, &got, err))) break;
        p->rest = rest_out, p->n_rest = got;
    }
    for (long i = 0; i < n; i++) {
        int deg = 0;
        for (int k = 0; k < ex[i].n_edges; k++) deg += ex[i].from[k] == ex[i].start;
        r->first_chance += 1.0 / (deg > 0 ? deg : 1) / (double)n;
    }
    if (!st) st = fl_sg_score_set(ex, pred, n, M, o->n_boot, o->boot_seed, &r->s, err);
    if (!st && r->s.first_fail >= 0) {
        const fl_sg_example *e = &ex[r->s.first_fail];
        const fl_sg_prediction *p = &pred[r->s.first_fail];
        char line[sizeof r->example_fail], got_text[4 * SG_SLOTS * 8], why[160];
        fl_sg_example shown = *e;
        shown.path_len = 0; /* the prompt only */
        if (!fl_sg_format_line(&shown, line, sizeof line)) snprintf(line, sizeof line, "(long prompt)");
        if (!fl_sg_detokenize(p->free, p->n_free, M, got_text, sizeof got_text)) snprintf(got_text, sizeof got_text, "?");
        fl_sg_verdict v = fl_sg_check_tokens(e, M, p->free, p->n_free, why, sizeof why);
        snprintf(r->example_fail, sizeof r->example_fail, "%.200s [model: %.150s] -> %s: %.120s", line, got_text, fl_sg_verdict_name(v),
                 why);
    }
    fl_generator_free(g);
    free(prompt);
    free(pred);
    free(tok);
    return st;
}

static void json_score(FILE *f, const char *name, const fl_sg_score *s) {
    fprintf(f, "\"%s\": {\"acc\": %.6f, \"lo\": %.6f, \"hi\": %.6f, \"correct\": %ld", name, s->acc, s->lo, s->hi,
            s->correct);
}

void fl_sg_json(FILE *f, const fl_sg_eval_result *r) {
    fprintf(f, "{\"n\": %ld, \"nodes\": %d, ", r->s.exact.n, r->n_nodes);
    json_score(f, "exact", &r->s.exact);
    fprintf(f, "}, ");
    json_score(f, "first", &r->s.first);
    fprintf(f, ", \"chance\": %.6f}, ", r->first_chance);
    json_score(f, "rest", &r->s.rest);
    fprintf(f, "}, \"verdicts\": {");
    for (int v = 0; v < FL_SG_N_VERDICTS; v++)
        fprintf(f, "%s\"%s\": %ld", v ? ", " : "", fl_sg_verdict_name((fl_sg_verdict)v), r->s.verdicts[v]);
    fprintf(f, "}, \"example_fail\": ");
    fl_json_write_string(f, r->example_fail, strlen(r->example_fail));
    fprintf(f, "}");
}
