/* eval lens|collapse|cka|neurons on a tiny random model (src/eval/measures
 * /toplayer.h): the lens of the last block equals the model's own next-token
 * loss (fl_eval_ppl; for FTP through decoder step 0), and block 1's lens equals a hand recomputation (LayerNorm
 * and the head written out here); collapse picks the most frequent next tokens
 * and caps each class; CKA of a model with itself has a unit diagonal and is
 * symmetric, and a model and its copy give the same matrix; neurons' variances
 * are ordered and within the total. The array statistics are tested in
 * test_toplayer_metrics.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/measures/loss.h"
#include "eval/measures/toplayer.h"
#include "generate_model.h"
#include "util/rng.h"

static void random_windows(fl_windows *w, int n, int T, int N, int V, uint64_t seed) {
    fl_rng r;
    fl_rng_seed(&r, seed);
    memset(w, 0, sizeof *w);
    w->n = n, w->T = T, w->N = N, w->len = T + N;
    w->tokens = malloc((size_t)n * w->len * sizeof(int32_t));
    for (int i = 0; i < n * w->len; i++) w->tokens[i] = (int32_t)fl_rng_below(&r, (uint64_t)V);
}

/* Mean -log p(x_{t+1}) of block 1's stream decoded by hand: LayerNorm with
 * ln_f's weights (eps 1e-5, biased variance), then logits = wte rows . x. */
static double block1_by_hand(fl_model *m, const fl_windows *w) {
    const fl_model_config *c = fl_model_get_config(m);
    const int C = c->n_embd, V = c->vocab_size, T = w->T;
    const float *g = fl_model_find_tensor(m, "ln_f.weight")->data, *b = fl_model_find_tensor(m, "ln_f.bias")->data;
    const float *wte = fl_model_find_tensor(m, "wte")->data;
    double sum = 0, *z = malloc(V * sizeof *z), *y = malloc(C * sizeof *y);
    fl_error err;
    for (int k = 0; k < w->n; k++) {
        fl_model_reserve(m, 1, T, &err);
        fl_model_encode(m, fl_window(w, k), 1, T, &err);
        const float *x = fl_model_block_output(m, 0);
        for (int t = 0; t < T; t++) {
            double mu = 0, var = 0, mx = -INFINITY, s = 0;
            for (int j = 0; j < C; j++) mu += x[t * C + j] / (double)C;
            for (int j = 0; j < C; j++) var += (x[t * C + j] - mu) * (x[t * C + j] - mu) / C;
            for (int j = 0; j < C; j++) y[j] = (x[t * C + j] - mu) / sqrt(var + 1e-5) * g[j] + b[j];
            for (int v = 0; v < V; v++) {
                z[v] = 0;
                for (int j = 0; j < C; j++) z[v] += wte[(size_t)v * C + j] * y[j];
                mx = fmax(mx, z[v]);
            }
            for (int v = 0; v < V; v++) s += exp(z[v] - mx);
            sum += mx + log(s) - z[fl_window(w, k)[t + 1]];
        }
    }
    free(z), free(y);
    return sum / ((double)w->n * T);
}

static void test_lens(void) {
    const int V = 40, T = 12;
    fl_model *m = tiny(FL_MODEL_GPT, V, 16, 16, 4, 3.0f, 5, 1);
    fl_windows w;
    random_windows(&w, 5, T, 4, V, 21);
    fl_error err = {0};
    fl_lens_result r;
    fl_status st = fl_eval_lens(m, &w, 2, 0, &r, &err); /* batches of 2: a short last batch */
    fl_ppl_result p;
    fl_eval_ppl(m, &w, 3, &p, &err);
    check(!st && r.levels == 2 && r.positions == 5L * T && fabs(r.loss[1] - p.loss) < 1e-5 && r.agree[1] == 1.0,
          "lens: the last block through ln_f and the head is the model's own next-token loss",
          "st %d %s: lens %.7f ppl %.7f agree %g", st, err.msg, r.loss[1], p.loss, r.agree[1]);
    const double hand = block1_by_hand(m, &w);
    check(!st && fabs(r.loss[0] - hand) < 1e-5, "lens: block 1's loss equals LayerNorm and the head written out by hand",
          "lens %.7f hand %.7f", r.loss[0], hand);
    check(r.entropy[0] > 0 && r.entropy[0] < log(V) + 1e-9 && r.entropy[1] > 0 && r.entropy[1] < log(V) + 1e-9,
          "lens: entropies lie in (0, log V]", "%g %g", r.entropy[0], r.entropy[1]);
    fl_lens_result r2;
    fl_eval_lens(m, &w, 8, 7, &r2, &err);
    check(r2.positions == 7, "lens: --positions 7 decodes exactly 7 positions", "%ld", r2.positions);
    fl_lens_result_free(&r2);
    fl_lens_result_free(&r);
    fl_windows_free(&w);
    fl_model_free(m);
    /* FTP: decoder step 0 on the last block's stream is the model's own next-token loss */
    fl_model *f = tiny(FL_MODEL_FTP, V, 16, 16, 3, 3.0f, 8, 0);
    random_windows(&w, 5, T, 3, V, 22);
    st = fl_eval_lens(f, &w, 2, 0, &r, &err);
    fl_eval_ppl(f, &w, 3, &p, &err);
    check(!st && r.has_decoder && fabs(r.loss[3] - p.loss) < 1e-5 && r.agree[3] == 1.0 && fabs(r.loss[1] - p.loss) > 1e-3,
          "lens: FTP's last block through decoder step 0 is the model's own next-token loss (the tied head's is not)",
          "st %d %s: dec %.7f head %.7f ppl %.7f", st, err.msg, r.loss[3], r.loss[1], p.loss);
    fl_lens_result_free(&r);
    fl_windows_free(&w);
    fl_model_free(f);
}

static void test_collapse(void) {
    const int V = 30, T = 10;
    fl_model *m = tiny(FL_MODEL_GPT, V, 16, 16, 4, 3.0f, 6, 1);
    fl_windows w;
    random_windows(&w, 6, T, 1, V, 3);
    /* targets: token 7 at every even t, 4 at t = 1, 5 (mod 10), 2 elsewhere */
    for (int k = 0; k < w.n; k++)
        for (int t = 0; t < T; t++) w.tokens[k * w.len + t + 1] = t % 2 == 0 ? 7 : (t % 4 == 1 ? 4 : 2);
    fl_collapse_result r;
    fl_error err = {0};
    fl_status st = fl_eval_collapse(m, &w, 4, 3, 9, &r, &err);
    check(!st && r.tokens[0] == 7 && r.tokens[1] == 4 && r.tokens[2] == 2 && fabs(r.covered - 1) < 1e-12,
          "collapse: the classes are the most frequent next tokens, most frequent first", "st %d %s: %d %d %d", st,
          err.msg, r.tokens[0], r.tokens[1], r.tokens[2]);
    /* 30 positions of 7, 18 of 4 (t = 1, 5, 9), 12 of 2 (t = 3, 7): capped at 9 each */
    check(r.count[0] == 9 && r.count[1] == 9 && r.count[2] == 9 && r.nc.n == 27, "collapse: each class keeps at most --per-class vectors",
          "%ld %ld %ld", r.count[0], r.count[1], r.count[2]);
    fl_collapse_result_free(&r);
    st = fl_eval_collapse(m, &w, 4, 5, 9, &r, &err);
    check(!st && r.nc.K == 3, "collapse: asking for more classes than next tokens keeps those that occur", "st %d K %d", st, r.nc.K);
    fl_collapse_result_free(&r);
    fl_windows_free(&w);
    fl_model_free(m);
}

static void test_cka(void) {
    const int V = 40, T = 12;
    fl_model *a = tiny(FL_MODEL_GPT, V, 16, 16, 4, 3.0f, 5, 1), *b = tiny(FL_MODEL_GPT, V, 16, 16, 4, 3.0f, 5, 1);
    fl_model *f = tiny(FL_MODEL_FTP, V, 16, 16, 4, 3.0f, 8, 1);
    fl_windows w;
    random_windows(&w, 4, T, 4, V, 2);
    fl_cka_result r, r2, r3;
    fl_error err = {0};
    fl_status st = fl_eval_cka(a, a, &w, 3, 40, &r, &err);
    int diag = !st && r.levels_a == 3 && r.positions == 40, sym = diag;
    for (int i = 0; diag && i < 3; i++) {
        diag &= fabs(r.cka[i * 3 + i] - 1) < 1e-5;
        for (int j = 0; j < 3; j++) sym &= fabs(r.cka[i * 3 + j] - r.cka[j * 3 + i]) < 1e-6 && r.cka[i * 3 + j] <= 1 + 1e-6;
    }
    check(diag && sym, "cka: a model against itself has a unit diagonal, a symmetric matrix, entries <= 1", "st %d %s", st, err.msg);
    fl_eval_cka(a, b, &w, 3, 40, &r2, &err);
    int same = 1;
    for (int i = 0; i < 9; i++) same &= r2.cka[i] == r.cka[i];
    check(same, "cka: a model and an identical copy give the same matrix", "%g vs %g", r2.cka[1], r.cka[1]);
    st = fl_eval_cka(a, f, &w, 3, 0, &r3, &err);
    check(!st && r3.positions == 4L * T && r3.levels_b == 3, "cka: a GPT and an FTP model compare on the same windows, every position",
          "st %d %s", st, err.msg);
    fl_cka_result_free(&r), fl_cka_result_free(&r2), fl_cka_result_free(&r3);
    fl_windows_free(&w);
    fl_model_free(a), fl_model_free(b), fl_model_free(f);
}

static void test_neurons(void) {
    const int V = 40, T = 12, C = 16;
    fl_model *m = tiny(FL_MODEL_GPT, V, 16, C, 4, 3.0f, 5, 1);
    fl_windows w;
    random_windows(&w, 6, T, 4, V, 9);
    fl_neurons_result r;
    fl_error err = {0};
    fl_status st = fl_eval_neurons(m, &w, 4, 0, 4, 3, 5, &r, &err);
    double sum = 0;
    int ordered = !st && r.n_dirs == 4 && r.n_coords == 3;
    for (int k = 0; ordered && k < 4; k++) {
        sum += r.dirs[k].variance;
        if (k) ordered &= r.dirs[k].variance <= r.dirs[k - 1].variance;
        for (int i = 1; i < 5; i++) ordered &= r.dirs[k].pos_score[i] <= r.dirs[k].pos_score[i - 1];
    }
    for (int k = 1; ordered && k < 3; k++) ordered &= r.coords[k].variance <= r.coords[k - 1].variance;
    check(ordered && sum <= r.total_variance * (1 + 1e-9) && r.dirs[0].variance >= r.coords[0].variance * (1 - 1e-9),
          "neurons: variances decrease, sum within the total, the first axis at least the best coordinate's",
          "st %d %s", st, err.msg);
    fl_neurons_result_free(&r);
    fl_windows_free(&w);
    fl_model_free(m);
}

int main(void) {
    test_lens();
    test_collapse();
    test_cka();
    test_neurons();
    return check_exit();
}
