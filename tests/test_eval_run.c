/* The model-dependent evaluation (src/eval/measures, src/eval/compare) on constructed
 * cases whose answers are known: windows cut from shards of 0, 1, 2, ...;
 * GPT's per-offset loss against an independent recomputation from
 * fl_model_next_logits; the residual-stream accessor against h_t; the
 * smoothness trace against fl_cosine; the coherence prompt filter; checkpoint
 * choice at a target loss; SVG and HTML escaping. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "data/shard.h"
#include "eval/compare/match.h"
#include "eval/compare/svg.h"
#include "eval/measures/coherence.h"
#include "eval/measures/loss.h"
#include "eval/measures/smoothness.h"
#include "util/rng.h"

static char tmpdir[256];

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f) fputs(text, f), fclose(f);
}

static void test_windows(void) {
    int32_t ids[100];
    for (int i = 0; i < 100; i++) ids[i] = i;
    char p[400];
    fl_error err = {0};
    /* the stream crosses a shard boundary inside a window */
    snprintf(p, sizeof p, "%s/val_000000.bin", tmpdir);
    fl_shard_write(p, ids, 57, 400, &err);
    snprintf(p, sizeof p, "%s/val_000001.bin", tmpdir);
    fl_shard_write(p, ids + 57, 43, 400, &err);
    fl_windows w;
    fl_status st = fl_windows_load(tmpdir, "val", 10, 3, 0, 400, &w, &err);
    int good = st == FL_OK && w.n == 9 && w.len == 13 && w.stream_tokens == 100;
    for (int k = 0; good && k < w.n; k++)
        for (int j = 0; j < w.len; j++) good &= fl_window(&w, k)[j] == 10 * k + j;
    check(good, "windows: (100 - 13) / 10 + 1 = 9 windows of T+N = 13, window k = tokens 10k..10k+12 across shards",
          "st %d n %d: %s", st, w.n, err.msg);
    fl_windows_free(&w);
    st = fl_windows_load(tmpdir, "val", 10, 3, 4, 400, &w, &err);
    check(st == FL_OK && w.n == 4 && fl_window(&w, 3)[12] == 42, "windows: --windows 4 keeps the first four", "n %d", w.n);
    fl_windows_free(&w);
    st = fl_windows_load(tmpdir, "val", 90, 20, 0, 400, &w, &err);
    check(st == FL_ERR_ARG && strstr(err.msg, "100 tokens, fewer than one window of T + N = 90 + 20"),
          "windows: a split shorter than one window is an error with the counts", "%s", err.msg);
    st = fl_windows_load(tmpdir, "val", 10, 3, 0, 50, &w, &err);
    check(st != FL_OK, "windows: ids beyond the model's vocabulary are refused", "st %d", st);
    st = fl_windows_load(tmpdir, "train", 10, 3, 0, 400, &w, &err);
    check(st == FL_ERR_IO && strstr(err.msg, "no train shards"), "windows: a missing split is named", "%s", err.msg);
}

static fl_model *tiny(fl_model_type type) {
    fl_model_config c;
    fl_model_config_default(&c, type);
    c.vocab_size = 50, c.block_size = 16, c.n_layer = 2, c.n_head = 2, c.n_embd = 16;
    if (type == FL_MODEL_FTP) c.n_future = 3, c.pseudo_len = 2, c.dec_layers = 1;
    fl_model *m = NULL;
    fl_error err;
    if (fl_model_create(&c, &m, &err)) return NULL;
    fl_model_init_weights(m, 7);
    /* larger weights than the init so the positions' losses differ visibly */
    float *p = fl_model_params(m);
    for (size_t i = 0; i < fl_model_num_params(m); i++) p[i] *= 8.0f;
    return m;
}

static void random_windows(fl_windows *w, int n, int T, int N, int V, uint64_t seed) {
    fl_rng r;
    fl_rng_seed(&r, seed);
    w->n = n, w->T = T, w->N = N, w->len = T + N;
    w->tokens = malloc((size_t)n * w->len * sizeof(int32_t));
    for (int i = 0; i < n * w->len; i++) w->tokens[i] = (int32_t)fl_rng_below(&r, (uint64_t)V);
}

static void test_gpt_offsets(void) {
    fl_model *m = tiny(FL_MODEL_GPT);
    fl_windows w;
    const int T = 12, N = 4, V = 50, Vp = fl_padded_vocab(V);
    random_windows(&w, 3, T, N, V, 11);
    fl_offsets_opts o;
    fl_offsets_opts_default(&o);
    o.B = 2; /* a short last batch too */
    o.bow_rows = 0;
    fl_offsets_result r;
    fl_error err = {0};
    fl_status st = fl_eval_offsets(m, &w, NULL, &o, &r, &err);
    /* independently: the loss at position p is -log softmax(next_logits(x_0..x_p))[x_{p+1}] */
    double pos[12] = {0};
    float *logits = malloc((size_t)Vp * sizeof(float));
    for (int i = 0; i < w.n; i++)
        for (int p = 0; p < T; p++) {
            fl_model_next_logits(m, fl_window(&w, i), p + 1, logits, &err);
            double mx = -INFINITY, s = 0;
            for (int v = 0; v < V; v++) mx = logits[v] > mx ? logits[v] : mx;
            for (int v = 0; v < V; v++) s += exp(logits[v] - mx);
            pos[p] += log(s) + mx - logits[fl_window(&w, i)[p + 1]];
        }
    double worst = 0, spread = 0;
    for (int k = 1; k <= N; k++) {
        double e = 0;
        for (int p = k - 1; p < T; p++) e += pos[p];
        e /= (double)w.n * (T - k + 1);
        worst = fmax(worst, fabs(e - r.ce[k - 1]));
        spread = fmax(spread, fabs(r.ce[k - 1] - r.ce[0]));
    }
    check(st == FL_OK && r.N == N && worst < 1e-4 && spread > 1e-4,
          "GPT offsets: CE at offset k = mean loss at positions k-1..T-1, as recomputed prefix by prefix",
          "st %d (%s), worst diff %g, spread %g", st, err.msg, worst, spread);
    fl_ppl_result pr;
    st = fl_eval_ppl(m, &w, 2, &pr, &err);
    check(st == FL_OK && fabs(pr.loss - r.ce[0]) < 1e-4 && fabs(pr.ppl - exp(pr.loss)) < 1e-9 && pr.positions == 3 * T,
          "ppl: the model's next-token loss == offset 1, perplexity = exp(loss)", "%g vs %g", pr.loss, r.ce[0]);

    /* the residual stream after the last block, put through the model's own ln_f by hand, is h_t */
    fl_model_reserve(m, 1, T, &err);
    fl_model_encode(m, fl_window(&w, 0), 1, T, &err);
    const float *x = fl_model_block_output(m, 1), *h = fl_model_hidden(m);
    const fl_tensor *lw = fl_model_find_tensor(m, "ln_f.weight"), *lb = fl_model_find_tensor(m, "ln_f.bias");
    double d = 0;
    for (int t = 0; t < T; t++) {
        const float *row = x + t * 16;
        double mu = 0, var = 0;
        for (int c = 0; c < 16; c++) mu += row[c];
        mu /= 16;
        for (int c = 0; c < 16; c++) var += (row[c] - mu) * (row[c] - mu);
        var /= 16;
        for (int c = 0; c < 16; c++)
            d = fmax(d, fabs((row[c] - mu) / sqrt(var + 1e-5) * lw->data[c] + lb->data[c] - h[t * 16 + c]));
    }
    check(x && d < 1e-4 && !fl_model_block_output(m, 2) && !fl_model_block_output(m, -1),
          "fl_model_block_output: ln_f of the last block's output is h_t; out-of-range layers give NULL", "diff %g", d);

    /* smoothness: the traced window's cosines are fl_cosine of adjacent h_t */
    fl_smooth_result sr;
    st = fl_eval_smoothness(m, &w, 2, 2, &sr, &err);
    fl_model_reserve(m, 1, T, &err);
    fl_model_encode(m, fl_window(&w, 2), 1, T, &err);
    h = fl_model_hidden(m);
    d = 0;
    for (int t = 0; t < T - 1; t++) d = fmax(d, fabs(fl_cosine(h + t * 16, h + (t + 1) * 16, 16) - sr.trace[2 * (T - 1) + t]));
    check(st == FL_OK && sr.levels == 3 && sr.stats[2].n == (uint64_t)3 * (T - 1) && d < 1e-5,
          "smoothness: 3 levels, 3*(T-1) pairs, window 2's top trace == fl_cosine(h_t, h_t+1)", "st %d diff %g", st, d);

    /* centred: recomputed here from scratch, window by window: mu = the mean h_t
     * over all 3 windows x T positions, then cos(h_t - mu, h_t+1 - mu) along
     * window 2, and |mu|^2 / mean |h_t|^2 */
    float *hs = malloc((size_t)w.n * T * 16 * sizeof *hs);
    double mu[16] = {0}, sq = 0, mu_sq = 0;
    for (int i = 0; i < w.n; i++) {
        fl_model_encode(m, fl_window(&w, i), 1, T, &err);
        memcpy(hs + (size_t)i * T * 16, fl_model_hidden(m), (size_t)T * 16 * sizeof *hs);
    }
    for (int r = 0; r < w.n * T; r++)
        for (int c = 0; c < 16; c++) mu[c] += hs[r * 16 + c] / (double)(w.n * T), sq += (double)hs[r * 16 + c] * hs[r * 16 + c];
    for (int c = 0; c < 16; c++) mu_sq += mu[c] * mu[c];
    double dc = 0, moved = 0;
    for (int t = 0; t < T - 1; t++) {
        const float *a = hs + (size_t)(2 * T + t) * 16, *b = a + 16;
        double ab = 0, aa = 0, bb = 0;
        for (int c = 0; c < 16; c++)
            ab += (a[c] - mu[c]) * (b[c] - mu[c]), aa += (a[c] - mu[c]) * (a[c] - mu[c]), bb += (b[c] - mu[c]) * (b[c] - mu[c]);
        double want = ab / sqrt(aa * bb), got = sr.centred_trace[2 * (T - 1) + t];
        dc = fmax(dc, fabs(want - got));
        moved = fmax(moved, fabs(got - sr.trace[2 * (T - 1) + t])); /* centring changed something */
    }
    double share = mu_sq / (sq / (w.n * T));
    /* 1e-6 for both: the trace is kept in float (~6e-8), and batches of 2 there vs 1
     * here may round the encoder's float sums differently (measured: 1.4e-8 in all) */
    check(st == FL_OK && sr.centred[2].n == sr.stats[2].n && dc < 1e-6 && moved > 1e-3 &&
              fabs(sr.mean_share[2] - share) < 1e-6,
          "smoothness: window 2's centred top trace == cos(h_t - mu, h_t+1 - mu), mu over every window and position; "
          "mean-vector share",
          "diff %g (raw vs centred differ by %g), share %g vs %g", dc, moved, sr.mean_share[2], share);
    free(hs);
    fl_smooth_result_free(&sr);
    st = fl_eval_smoothness(m, &w, 2, 3, &sr, &err);
    check(st == FL_ERR_ARG, "smoothness: a trace window past the windows is refused", "st %d", st);
    free(logits);
    fl_windows_free(&w);
    fl_model_free(m);
}

static void test_ftp_offsets(void) {
    fl_model *m = tiny(FL_MODEL_FTP);
    fl_windows w;
    random_windows(&w, 2, 8, 3, 50, 5);
    fl_offsets_opts o;
    fl_offsets_opts_default(&o);
    o.bow_rows = 0;
    fl_offsets_result r;
    fl_error err = {0};
    fl_status st = fl_eval_offsets(m, &w, NULL, &o, &r, &err);
    fl_losses l;
    fl_model_reserve(m, 2, 8, &err);
    fl_model_forward(m, w.tokens, 2, 8, &l, &err);
    double d = 0;
    for (int j = 0; j < 3; j++) d = fmax(d, fabs(r.ce[j] - l.offset_loss[j]));
    check(st == FL_OK && r.N == 3 && d < 1e-5, "FTP offsets: decoder step k-1 losses of the forward pass", "diff %g", d);
    fl_windows_free(&w);
    random_windows(&w, 2, 8, 4, 50, 5);
    st = fl_eval_offsets(m, &w, NULL, &o, &r, &err);
    check(st == FL_ERR_ARG && strstr(err.msg, "ftp.n_future is 3"), "FTP offsets: windows with another N are refused",
          "%s", err.msg);
    fl_windows_free(&w);
    fl_model_free(m);
}

static void test_prompts(void) {
    /* T = 4, N = 2: window 0 starts with eot (a document start: kept), window 2 has eot at
     * position 1 (dropped), window 3's eot is in its future part, past the prompt and continuation (kept) */
    int32_t tok[4 * 6] = {9, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 1, 9, 2, 3, 4, 5, 1, 2, 3, 4, 5, 9};
    fl_windows w = {tok, 4, 4, 2, 6, 24, 4};
    check(fl_coherence_count_prompts(&w, 9) == 3 && fl_coherence_count_prompts(&w, -1) == 4,
          "coherence: windows with <|endoftext|> after their first token are dropped", "%d",
          fl_coherence_count_prompts(&w, 9));
}

/* A model that writes <|endoftext|> at once (its final LayerNorm outputs the eot
 * row of the tied head whatever the input) leaves no continuation to measure
 * drift on: each prompt is left out and counted, never a fatal error (a compare
 * run used to die here after 35 minutes). */
static void test_coherence_short(void) {
    fl_model *m = tiny(FL_MODEL_GPT);
    const int eot = 49, C = 16;
    float *wte = (float *)fl_model_find_tensor(m, "wte")->data;
    float *g = (float *)fl_model_find_tensor(m, "ln_f.weight")->data, *b = (float *)fl_model_find_tensor(m, "ln_f.bias")->data;
    for (int c = 0; c < C; c++) wte[eot * C + c] = 10.0f, g[c] = 0.0f, b[c] = 10.0f;
    fl_windows w;
    random_windows(&w, 8, 16, 1, 49, 3); /* ids below 49: no eot in any window */
    fl_error err = {0};
    fl_idf *idf = NULL;
    fl_coherence_opts o;
    fl_coherence_opts_default(&o);
    fl_coherence_result r;
    fl_status st = fl_eval_idf(&w, 50, &idf, &err);
    if (!st) st = fl_eval_coherence(m, &w, eot, idf, NULL, NULL, &o, &r, &err);
    check(st == FL_OK && r.prompts == 0 && r.excluded == 8 && isnan(r.model.drift),
          "coherence: continuations that end at once are left out and counted, not an error",
          "status %d (%s), prompts %d, excluded %d", st, err.msg, st ? -1 : r.prompts, st ? -1 : r.excluded);
    fl_idf_free(idf);
    fl_windows_free(&w);
    fl_model_free(m);
}

static void test_pick(void) {
    char run[400], p[500];
    snprintf(run, sizeof run, "%s/run", tmpdir);
    mkdir(run, 0755);
    const long steps[] = {100, 200, 300, 400};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/step_%08ld", run, steps[i]);
        mkdir(p, 0755);
    }
    snprintf(p, sizeof p, "%s/step_00000500.tmp-12", run); /* being written: ignored */
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/metrics.jsonl", run);
    write_text(p, "{\"step\":1,\"loss\":9,\"next_token_loss\":9}\n"
                  "{\"step\":100,\"val_loss\":6,\"val_next_token_loss\":6.0,\"val_offsets\":[6]}\n"
                  "{\"step\":200,\"val_loss\":5,\"val_next_token_loss\":5.0,\"val_offsets\":[5]}\n"
                  "{\"step\":300,\"val_loss\":4,\"val_next_token_loss\":4.5,\"val_offsets\":[4.5]}\n"
                  "{\"step\":350,\"val_loss\":4,\"val_next_token_loss\":4.1,\"val_offsets\":[4.1]}\n"
                  "{\"step\":400,\"val_loss\":4,\"val_next_token_loss\":4.0,\"val_offsets\":[4]}\n{\"step\":5");
    fl_run_metrics mt;
    fl_error err = {0};
    fl_status st = fl_run_metrics_read(run, &mt, &err);
    check(st == FL_OK && mt.train.n == 1 && mt.val.n == 5, "metrics.jsonl: train and validation lines; a cut line is skipped",
          "st %d train %d val %d", st, mt.train.n, mt.val.n);
    fl_ckpt_pick pk;
    st = fl_pick_checkpoint(run, &mt, 4.9, &pk, &err);
    check(st == FL_OK && pk.step == 200 && strstr(pk.dir, "step_00000200"), "pick: closest to 4.9 is step 200 (5.0)",
          "step %ld", pk.step);
    fl_ckpt_pick_free(&pk);
    st = fl_pick_checkpoint(run, &mt, 4.25, &pk, &err);
    check(st == FL_OK && pk.step == 400, "pick: a tie (4.5 and 4.0 around 4.25) goes to the later step; step 350 has no checkpoint",
          "step %ld", pk.step);
    fl_ckpt_pick_free(&pk);
    char run2[400];
    snprintf(run2, sizeof run2, "%s/run2", tmpdir);
    mkdir(run2, 0755);
    snprintf(p, sizeof p, "%s/step_00000100", run2);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/metrics.jsonl", run2);
    write_text(p, "{\"step\":100,\"val_next_token_loss\":4.7}\n");
    fl_run_metrics mt2;
    double target = 0;
    fl_run_metrics_read(run2, &mt2, &err);
    st = fl_default_target(run, &mt, run2, &mt2, &target, &err);
    check(st == FL_OK && target == 4.7, "default target: the larger of the best losses (4.0 and 4.7) = 4.7", "%g", target);
    fl_run_metrics_free(&mt2);
    snprintf(p, sizeof p, "%s/metrics.jsonl", run2);
    write_text(p, "{\"step\":50,\"val_next_token_loss\":4.7}\n");
    fl_run_metrics_read(run2, &mt2, &err);
    st = fl_pick_checkpoint(run2, &mt2, 4.0, &pk, &err);
    check(st == FL_ERR_ARG && strstr(err.msg, "1 checkpoints"), "pick: no checkpoint at a validated step is an error",
          "%s", err.msg);
    fl_run_metrics_free(&mt);
    fl_run_metrics_free(&mt2);
}

static void test_svg(void) {
    char path[400];
    snprintf(path, sizeof path, "%s/chart.svg", tmpdir);
    FILE *f = fopen(path, "w+");
    double y[3] = {1, 2, NAN}, x[3] = {0, 1, 2};
    fl_svg_series s = {"a<b & \"c\"", "#123456", x, y, 3};
    fl_svg_lines(f, "t", "x", "y", &s, 1);
    const char *g[3] = {"g1", "g2", "g3"};
    double lo[3] = {0.5, 1.5, 0}, hi[3] = {1.5, 2.5, 0};
    const double *los[1] = {lo}, *his[1] = {hi};
    fl_svg_bars(f, "bars", "v", g, 3, &s, 1, los, his, 0, 3);
    rewind(f);
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    int rects = 0;
    for (const char *q = buf; (q = strstr(q, "<rect x=")); q++) rects++;
    check(strstr(buf, "a&lt;b &amp; &quot;c&quot;") && !strstr(buf, "a<b") && !strstr(buf, "nan") &&
              strstr(buf, "<polyline") && rects == 2 + 2 /* two bars (NaN skipped) + two legend keys */,
          "svg: escaped legend, no NaN coordinates, a bar per finite value", "rects %d", rects);

    /* +0.5 and -0.5 on an automatic axis: both bars meet at the zero line, one
     * above and one below it, of equal height */
    f = fopen(path, "w+");
    double pm[2] = {0.5, -0.5};
    fl_svg_series sb = {"s", "#123456", NULL, pm, 2};
    fl_svg_bars(f, "signed", "v", g, 2, &sb, 1, NULL, NULL, 0, 0);
    rewind(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    double bx[2], by[2], bw[2], bh[2];
    const char *q = buf;
    int got = 0;
    for (; got < 2 && (q = strstr(q, "<rect x=")); q++)
        got += sscanf(q, "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\" height=\"%lf\"", &bx[got], &by[got], &bw[got],
                      &bh[got]) == 4;
    /* coordinates are printed to 0.1 px: y + height vs the other y is three roundings of up to
     * 0.05 px, the two heights two of them */
    check(got == 2 && fabs(by[0] + bh[0] - by[1]) < 0.16 && fabs(bh[0] - bh[1]) < 0.11 && bh[0] > 10,
          "svg bars: a positive and a negative value rise and fall from the same zero line", "got %d: y %g h %g, y %g h %g",
          got, got > 0 ? by[0] : 0, got > 0 ? bh[0] : 0, got > 1 ? by[1] : 0, got > 1 ? bh[1] : 0);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fl_test_eval_run.%d", (int)getpid());
    mkdir(tmpdir, 0755);
    test_windows();
    test_gpt_offsets();
    test_ftp_offsets();
    test_prompts();
    test_coherence_short();
    test_pick();
    test_svg();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_exit();
}
