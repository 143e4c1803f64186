/* futurelm bench: SGEMM on the model's own shapes, then timed training steps of
 * the reference GPT and FTP configs, MFU against the best SGEMM of the same run
 * (and against that product timed again around each model's steps),
 * peak RSS, and (--profile) where each step's time goes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench/bench.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "kernels/gemm.h"

static const char ABOUT[] =
    "Times training at the reference configs (GPT: C=384 L=6 H=6 T=256 V=8192; FTP: the same encoder,\n"
    "N=8 P=8 L_d=3, all T positions) with batch B: median ms/step over N steps (after one warm-up\n"
    "step), tokens/s (B*T per step), model FLOPs utilisation and peak RSS. First it times SGEMM on the\n"
    "model's shapes (fwd, dX, dW of qkv, attn.proj, fc, fc.proj, lm_head at B*T rows); MFU's peak is\n"
    "the best SGEMM GFLOP/s measured in the same run, and again that product timed just before and\n"
    "after each model's steps (a second MFU, robust to a machine whose speed drifts). FLOP counts:\n"
    "docs/performance.md.\n"
    "--config/--set change both configs (model.* and ftp.* keys), e.g. GPT-2 124M at llm.c's CPU shape:\n"
    "  futurelm bench --model gpt --batch 4 --set model.vocab_size=50257 --set model.n_layer=12\n"
    "      --set model.n_head=12 --set model.n_embd=768 --set model.block_size=64";

static const char *const MODELS[] = {"gpt", "ftp", "both", NULL};

static void print_profile_text(const fl_profile *p, int steps) {
    printf("  %-10s %8s", "phase", "total");
    for (int o = 0; o < FL_PROF_OPS; o++) printf(" %12s", fl_prof_op_name(o));
    printf("   (ms per step)\n");
    for (int ph = 0; ph < FL_PHASES; ph++) {
        double known = 0;
        for (int o = 0; o < FL_PROF_OTHER; o++) known += p->seconds[ph][o];
        printf("  %-10s %8.1f", fl_prof_phase_name(ph), p->phase_seconds[ph] * 1e3 / steps);
        for (int o = 0; o < FL_PROF_OPS; o++) {
            double s = o == FL_PROF_OTHER ? p->phase_seconds[ph] - known : p->seconds[ph][o];
            printf(" %12.1f", s * 1e3 / steps);
        }
        printf("\n");
    }
}

static void print_profile_json(const fl_profile *p, int steps) {
    printf(",\"profile_ms_per_step\":{");
    for (int ph = 0; ph < FL_PHASES; ph++) {
        double known = 0;
        for (int o = 0; o < FL_PROF_OTHER; o++) known += p->seconds[ph][o];
        printf("%s\"%s\":{\"total\":%.3f", ph ? "," : "", fl_prof_phase_name(ph), p->phase_seconds[ph] * 1e3 / steps);
        for (int o = 0; o < FL_PROF_OPS; o++) {
            double s = o == FL_PROF_OTHER ? p->phase_seconds[ph] - known : p->seconds[ph][o];
            printf(",\"%s\":%.3f", fl_prof_op_name(o), s * 1e3 / steps);
        }
        printf("}");
    }
    printf("}");
}

int cmd_bench(int argc, char **argv) {
    int steps = 5, threads = 0, B = 8, gemm_reps = 5, no_gemm = 0, profile = 0, json = 0, model = 2;
    cli_list cfg = {0}; /* --config and --set in command-line order, applied to both configs */
    const cli_opt opts[] = {
        {"model", 0, CLI_CHOICE, &model, 0, 0, MODELS, "M", "gpt, ftp or both", 0},
        {"steps", 0, CLI_INT, &steps, 1, 1000000, NULL, "N", "timed steps a model (the median is reported)", 0},
        {"threads", 0, CLI_INT, &threads, 1, 1000000, NULL, "N", "OpenMP threads (default: OMP_NUM_THREADS)",
         CLI_NO_DEFAULT},
        {"batch", 0, CLI_INT, &B, 1, 1000000, NULL, "B", "sequences a step", 0},
        {"gemm-reps", 0, CLI_INT, &gemm_reps, 1, 1000000, NULL, "N", "SGEMM repetitions a shape (median)", 0},
        {"no-gemm", 0, CLI_FLAG, &no_gemm, 0, 0, NULL, NULL, "skip the SGEMM timings (MFU is then not shown)", 0},
        {"profile", 0, CLI_FLAG, &profile, 0, 0, NULL, NULL, "add time per phase and op category", 0},
        {"json", 0, CLI_FLAG, &json, 0, 0, NULL, NULL, "print one JSON object instead of text", 0},
        {"config", 0, CLI_LIST, &cfg, 0, 0, NULL, "FILE", "JSON config of model.* / ftp.* keys for both models", 0},
        {"set", 0, CLI_LIST, &cfg, 0, 0, NULL, "key=value", "one model.* or ftp.* key (repeatable)", 0},
        {0},
    };
    const cli_spec spec = {"bench", ABOUT, opts, NULL, NULL};
    CLI_PARSE_OR_RETURN(&spec, argc, argv);
    const int want_gpt = model != 1, want_ftp = model != 0;
#ifdef _OPENMP
    if (threads > 0) omp_set_num_threads(threads);
    threads = omp_get_max_threads();
#else
    threads = 1;
#endif
    /* the same list over each model type's defaults; bench times its own fixed optimiser
     * (clip 1, AdamW defaults), so a train.* key would be silently unused, and model.type
     * would turn the GPT into an FTP: refuse them */
    for (int i = 0; i < cfg.n; i++)
        if (!strcmp(cfg.opt[i], "set") && (!strncmp(cfg.v[i], "train.", 6) || !strncmp(cfg.v[i], "model.type=", 11))) {
            int rc = cli_error("--set %s: bench takes model.* and ftp.* keys only (its optimiser is fixed; --model "
                               "chooses the models)", cfg.v[i]);
            cli_list_free(&cfg);
            return rc;
        }
    cli_config gc, fc;
    cli_config_init(&gc, FL_MODEL_GPT);
    cli_config_init(&fc, FL_MODEL_FTP);
    int bad = cli_config_apply_list(&gc, cfg.v, cfg.opt, cfg.n) || cli_config_apply_list(&fc, cfg.v, cfg.opt, cfg.n);
    const fl_model_config gpt = gc.model, ftp = fc.model;
    cli_config_free(&gc);
    cli_config_free(&fc);
    cli_list_free(&cfg);
    if (bad) return 1;
    fl_error verr = {0}; /* refuse a bad shape before minutes of SGEMM timings, not after */
    if ((want_gpt && fl_model_config_validate(&gpt, &verr)) || (want_ftp && fl_model_config_validate(&ftp, &verr)))
        return cli_error("%s", verr.msg);
    const int T = gpt.block_size;

    bench_gemm_result g[BENCH_GEMM_MAX];
    int ng = no_gemm ? 0 : bench_gemm(&gpt, B * T, gemm_reps, g);
    double peak = 0;
    int best = -1; /* the sweep's fastest product, timed again around each model's steps */
    for (int i = 0; i < ng; i++)
        if (g[i].gflops > peak) peak = g[i].gflops, best = i;
    if (json) {
        printf("{\"threads\":%d,\"sgemm_backend\":\"%s\",\"batch\":%d,\"T\":%d,\"gemm_rows\":%d,\"gemm\":[", threads,
               fl_sgemm_backend(), B, T, B * T);
        for (int i = 0; i < ng; i++)
            printf("%s{\"layer\":\"%s\",\"product\":\"%s\",\"M\":%d,\"N\":%d,\"K\":%d,\"gflops\":%.2f}", i ? "," : "",
                   g[i].layer, g[i].product, g[i].M, g[i].N, g[i].K, g[i].gflops);
        printf("],\"peak_gflops\":%.2f,\"peak_definition\":\"best SGEMM GFLOP/s measured in this run\",\"models\":[",
               peak);
    } else {
        printf("futurelm bench: %d thread(s), SGEMM %s, batch %d x T %d\n", threads, fl_sgemm_backend(), B, T);
        if (ng) {
            printf("\nSGEMM on the model's shapes, %d rows, median of %d (GFLOP/s)\n", B * T, gemm_reps);
            for (int i = 0; i < ng; i++)
                printf("  %-10s %-4s %5d x %5d x %5d  %7.1f\n", g[i].layer, g[i].product, g[i].M, g[i].N, g[i].K,
                       g[i].gflops);
            printf("peak = best SGEMM measured in this run: %.1f GFLOP/s\n", peak);
        }
    }
    double gpt_ms = 0, ftp_ms = 0;
    int first = 1, rc = 0;
    for (int which = 0; which < 2 && !rc; which++) {
        const fl_model_config *c = which ? &ftp : &gpt;
        if (!(which ? want_ftp : want_gpt)) continue;
        fl_profile prof;
        memset(&prof, 0, sizeof prof);
        bench_train_result r;
        fl_error err = {0};
        /* The peak again just before and after the steps: on a machine whose speed drifts
         * (this project's VMs: 10-30% within minutes), the sweep's peak alone can come from
         * a fast minute and the steps from a slow one, or the other way round. */
        const double before = best >= 0 ? bench_gemm_again(&gpt, B * T, gemm_reps, best) : 0;
        if (bench_train(c, B, T, steps, profile ? &prof : NULL, &r, &err)) {
            rc = cli_error("%s", err.msg);
            break;
        }
        const double after = best >= 0 ? bench_gemm_again(&gpt, B * T, gemm_reps, best) : 0;
        const double alongside = before > 0 && after > 0 ? 0.5 * (before + after) : 0;
        const char *name = which ? "ftp" : "gpt";
        double mfu = peak > 0 ? r.gflops / peak : 0, mfu_alongside = alongside > 0 ? r.gflops / alongside : 0;
        if (which) ftp_ms = r.ms_median;
        else gpt_ms = r.ms_median;
        if (json) {
            printf("%s{\"model\":\"%s\",\"vocab_size\":%d,\"n_embd\":%d,\"n_layer\":%d,\"n_head\":%d,", first ? "" : ",",
                   name, c->vocab_size, c->n_embd, c->n_layer, c->n_head);
            if (which)
                printf("\"n_future\":%d,\"pseudo_len\":%d,\"dec_layers\":%d,", c->n_future, c->pseudo_len,
                       c->dec_layers);
            printf("\"params\":%zu,\"steps\":%d,\"ms_per_step\":%.2f,\"ms_min\":%.2f,"
                   "\"tokens_per_s\":%.1f,\"gflop_per_step\":%.2f,\"gflops\":%.2f,\"mfu\":%.4f,\"peak_rss_mib\":%.1f,"
                   "\"loss_first\":%.4f,\"loss_last\":%.4f",
                   r.params, r.steps, r.ms_median, r.ms_min, r.tokens_per_s,
                   r.flops_per_step * 1e-9, r.gflops, mfu, r.peak_rss_mib, r.loss_first, r.loss_last);
            if (alongside > 0)
                printf(",\"peak_before_gflops\":%.2f,\"peak_after_gflops\":%.2f,\"mfu_alongside\":%.4f", before, after,
                       mfu_alongside);
            if (profile) print_profile_json(&prof, steps);
            printf("}");
        } else {
            char shape[96];
            int n = snprintf(shape, sizeof shape, "V=%d C=%d L=%d H=%d", c->vocab_size, c->n_embd, c->n_layer,
                             c->n_head);
            if (which) snprintf(shape + n, sizeof shape - (size_t)n, " N=%d P=%d L_d=%d", c->n_future, c->pseudo_len,
                                c->dec_layers);
            printf("\n%s (%zu parameters, %s): %.1f ms/step (median of %d, min %.1f), %.0f tokens/s\n", name, r.params,
                   shape, r.ms_median, steps, r.ms_min, r.tokens_per_s);
            printf("  %.1f model GFLOP/step, %.1f GFLOP/s", r.flops_per_step * 1e-9, r.gflops);
            if (peak > 0) printf(", MFU %.1f%% of the %.1f GFLOP/s SGEMM peak", 100 * mfu, peak);
            if (alongside > 0)
                printf("\n  MFU %.1f%% of %.1f GFLOP/s, the mean of that product (%s %s) timed again just before "
                       "(%.1f)\n  and after (%.1f) the steps",
                       100 * mfu_alongside, alongside, g[best].layer, g[best].product, before, after);
            printf("\n  peak RSS %.0f MiB; loss %.4f -> %.4f\n", r.peak_rss_mib, r.loss_first, r.loss_last);
            if (profile) print_profile_text(&prof, steps);
        }
        first = 0;
    }
    if (json) {
        printf("]");
        if (gpt_ms > 0 && ftp_ms > 0) printf(",\"ftp_over_gpt_step_time\":%.3f", ftp_ms / gpt_ms);
        printf("}\n");
    } else if (gpt_ms > 0 && ftp_ms > 0) {
        printf("\nFTP / GPT step time: %.2f\n", ftp_ms / gpt_ms);
    }
    return rc;
}
