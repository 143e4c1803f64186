/* Countdown pass@1 (docs/design.md 4.5): each held-out spec as a prompt, the
 * model's program checked by the task's interpreter, a bootstrap interval. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/measures/continuation.h"
#include "eval/measures/countdown_pass.h"
#include "eval/metrics/probe.h"
#include "util/error.h"

void fl_countdown_opts_default(fl_countdown_opts *o) {
    memset(o, 0, sizeof *o);
    fl_sampler_config_default(&o->gen.sampler);
    o->gen.sampler.temperature = 0.0f; /* pass@1 of the model's best guess */
    o->gen.mode = FL_GEN_AR;
    o->max_tokens = 2 * FL_CD_MAX_NUMS + 2;
    o->n_boot = 1000;
    o->boot_seed = 1337;
}

fl_status fl_eval_countdown(fl_model *m, const fl_cd_example *specs, long n_specs, const fl_countdown_opts *o,
                            fl_countdown_result *r, fl_error *err) {
    memset(r, 0, sizeof *r);
    const fl_model_config *c = fl_model_get_config(m);
    if (c->vocab_size != FL_CD_VOCAB)
        return fl_fail(err, FL_ERR_ARG,
                       "the model's vocabulary has %d tokens, not the countdown language's %d: evaluate a model "
                       "trained on `futurelm countdown generate` data (--set model.vocab_size=%d)",
                       c->vocab_size, FL_CD_VOCAB, FL_CD_VOCAB);
    if (o->max_specs > 0 && n_specs > o->max_specs) n_specs = o->max_specs;
    if (n_specs < 1) return fl_fail(err, FL_ERR_ARG, "no countdown specs to evaluate (the spec file is empty)");
    if (o->max_tokens < 1 || o->max_tokens > 1024)
        return fl_fail(err, FL_ERR_ARG, "max tokens %d: need 1..1024", o->max_tokens);
    unsigned char *correct = malloc((size_t)n_specs);
    int32_t *prog = malloc((size_t)o->max_tokens * sizeof *prog);
    fl_generator *g = NULL;
    fl_status st = !correct || !prog ? fl_fail(err, FL_ERR_NOMEM, "out of memory")
                                     : fl_generator_create(m, &o->gen, &g, err);
    for (long i = 0; i < n_specs && !st; i++) {
        int32_t prompt[FL_CD_MAX_TOKENS + 1];
        prompt[0] = FL_CD_EOT; /* training documents start with <|endoftext|> */
        int n = 1 + fl_cd_encode_spec(&specs[i].spec, prompt + 1), got;
        if (n > c->block_size) {
            st = fl_fail(err, FL_ERR_ARG, "spec %ld is %d tokens, longer than the model's context %d", i + 1, n,
                         c->block_size);
            break;
        }
        if ((st = fl_eval_continue(g, prompt, n, FL_CD_END, FL_CD_EOT, o->max_tokens, prog, &got, err))) break;
        char why[200] = "";
        fl_cd_verdict v = fl_cd_check(&specs[i].spec, prog, got, NULL, why, sizeof why);
        r->verdicts[v]++;
        correct[i] = v == FL_CD_PASS;
        r->passed += correct[i];
        if (v != FL_CD_PASS && !r->example_fail[0]) {
            int32_t all[FL_CD_MAX_TOKENS + 1024];
            memcpy(all, prompt + 1, (size_t)(n - 1) * sizeof *all);
            memcpy(all + n - 1, prog, (size_t)got * sizeof *all);
            char line[200];
            if (!fl_cd_detokenize(all, n - 1 + got, line, sizeof line)) snprintf(line, sizeof line, "(too long)");
            snprintf(r->example_fail, sizeof r->example_fail, "%s -> %s: %s", line, fl_cd_verdict_name(v), why);
        }
    }
    if (!st) {
        r->n = n_specs;
        r->pass_rate = (double)r->passed / (double)n_specs;
        st = fl_bootstrap_accuracy(correct, (int)n_specs, o->n_boot, 0.95, o->boot_seed, &r->ci_lo, &r->ci_hi, err);
    }
    fl_generator_free(g);
    free(correct);
    free(prog);
    return st;
}
