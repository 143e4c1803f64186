/* What one speculative round costs, part by part, on the kernels this binary
 * was built for: an ar step (one encoder row plus decoder step 0), one draft
 * step (a decoder step >= 1, bfloat16 and float32 weights), and the verifying
 * pass over K rows (the encoder and decoder step 0 on K positions) for K =
 * 1..ftp.n_future. Each figure is the median of REPS timings after the cache
 * holds PROMPT positions, so every pass attends over the same history.
 *
 *   make && cc -std=c11 -D_POSIX_C_SOURCE=200809L -O3 -march=native -fopenmp -Iinclude -Isrc \
 *       -o build/opt/spec_cost bench/spec_cost.c build/opt/libfuturelm.a -lm
 *   OMP_NUM_THREADS=1 build/opt/spec_cost STEP_DIR [REPS] [PROMPT]
 * (the path it names is fli_compiled_simd(), the library's: build both with the same -march).
 *
 * From these, a round of depth K costs (K-1) draft steps + verify(K) and
 * delivers 1 + (accepted drafts) tokens: spec beats ar only where
 * (1 + E[accepted]) * ar > (K-1) * draft + verify(K). */
#include <stdio.h>
#include <stdlib.h>

#include "futurelm.h"
#include "kernels/kernels.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}


static int die(const fl_error *err) {
    fprintf(stderr, "spec_cost: %s\n", err->msg);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: spec_cost STEP_DIR [REPS] [PROMPT]\n");
        return 2;
    }
    const int reps = argc > 2 ? atoi(argv[2]) : 200, prompt = argc > 3 ? atoi(argv[3]) : 48;
    fl_error err = {0};
    fl_model *m = NULL;
    if (fl_checkpoint_load(argv[1], &m, NULL, &err)) return die(&err);
    const fl_model_config *c = fl_model_get_config(m);
    const int N = c->n_future, Vp = fl_padded_vocab(c->vocab_size);
    if (c->type != FL_MODEL_FTP || N < 2) {
        fprintf(stderr, "spec_cost: %s is not an FTP model\n", argv[1]);
        return 2;
    }
    if (prompt + N + 1 > c->block_size || reps < 1) {
        fprintf(stderr, "spec_cost: need 1 <= REPS and PROMPT + %d <= %d\n", N + 1, c->block_size);
        return 2;
    }
    fl_session *s = NULL;
    if (fl_session_create(m, N, &s, &err)) return die(&err);
    int32_t *toks = malloc(sizeof(int32_t) * (size_t)c->block_size);
    float *logits = malloc(sizeof(float) * (size_t)N * Vp);
    double *t = malloc(sizeof(double) * (size_t)reps);
    if (!toks || !logits || !t) return fprintf(stderr, "spec_cost: out of memory\n"), 1;
    for (int i = 0; i < c->block_size; i++) toks[i] = (int32_t)((i * 7919 + 13) % c->vocab_size);
    if (fl_session_append(s, toks, prompt, 1, logits, &err)) return die(&err);

    double verify[FL_MAX_FUTURE + 1] = {0}, draft[2] = {0};
    for (int K = 1; K <= N; K++) { /* the verifying pass: K rows at once (K = 1 is an ar step) */
        for (int r = 0; r < reps; r++) {
            fl_session_truncate(s, prompt);
            double t0 = fl_wall_seconds();
            if (fl_session_append(s, toks + prompt, K, K, logits, &err)) return die(&err);
            t[r] = fl_wall_seconds() - t0;
        }
        verify[K] = median(t, reps);
    }
    for (int p = 0; p < 2; p++) { /* one draft step, bfloat16 then float32 weights */
        if (fl_session_set_draft_precision(s, p == 0 ? FL_DRAFT_BF16 : FL_DRAFT_F32, &err)) return die(&err);
        fl_session_truncate(s, prompt);
        if (fl_session_append(s, toks + prompt, 1, 1, logits, &err)) return die(&err);
        for (int r = 0; r < reps; r++) {
            double t0 = fl_wall_seconds();
            for (int step = 1; step < N; step++)
                if (fl_session_decode(s, 0, step, toks[step], 1, logits, &err)) return die(&err);
            t[r] = (fl_wall_seconds() - t0) / (N - 1);
        }
        draft[p] = median(t, reps);
    }
    printf("{\"kernels\":\"%s\",\"n_future\":%d,\"ar_us\":%.2f,\"draft_bf16_us\":%.2f,\"draft_f32_us\":%.2f,"
           "\"verify_us\":[",
           fli_compiled_simd(), N, 1e6 * verify[1], 1e6 * draft[0], 1e6 * draft[1]);
    for (int K = 1; K <= N; K++) printf("%s%.2f", K > 1 ? "," : "", 1e6 * verify[K]);
    printf("]}\n");
    fl_session_free(s);
    fl_model_free(m);
    free(toks);
    free(logits);
    free(t);
    return 0;
}
