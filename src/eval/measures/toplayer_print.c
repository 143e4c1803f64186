/* `futurelm eval lens|collapse|cka|neurons`'s output: one JSON object, or
 * text lines; the numbers are defined in docs/evaluation.md. */
#include <stdio.h>
#include <string.h>

#include "eval/measures/output.h"
#include "eval/measures/smoothness.h"
#include "eval/measures/toplayer.h"
#include "util/json.h"

static void json_str(FILE *f, const char *s) { fl_json_write_string(f, s, strlen(s)); }

/* Who names tokens: the tokenizer, else the run's task (its fixed vocabulary), else neither. */
typedef struct {
    const fl_tokenizer *tok;
    const fl_task *task;
} namer;

/* A token's text as a JSON string (its bytes escaped), or "#id" when nothing names it. */
static void token_text(FILE *f, const namer *nm, int32_t id) {
    size_t n = 0;
    const unsigned char *b = nm->tok ? fl_tokenizer_token_bytes(nm->tok, id, &n) : NULL;
    if (b) {
        fl_json_write_string(f, (const char *)b, n);
        return;
    }
    fl_bytebuf buf = {0};
    fl_error err;
    if (nm->task && nm->task->decode(&id, 1, 0, &buf, &err) == FL_OK) fl_json_write_string(f, (const char *)buf.data, buf.len);
    else fprintf(f, "\"#%d\"", (int)id);
    fl_bytebuf_free(&buf);
}

static void json_tokens(FILE *f, const namer *tok, const int32_t *ids, const float *score, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s{\"id\":%d,\"text\":", i ? "," : "", (int)ids[i]);
        token_text(f, tok, ids[i]);
        fputs(",\"score\":", f);
        fl_json_num(f, score[i]);
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_rows(FILE *f, const namer *tok, const char *key, const fl_direction_row *rows, int n,
                      const fl_neurons_result *r) {
    fprintf(f, ",\"%s\":[", key);
    for (int k = 0; k < n; k++) {
        fprintf(f, "%s{\"index\":%d,\"variance\":", k ? "," : "", rows[k].index);
        fl_json_num(f, rows[k].variance);
        fputs(",\"share\":", f);
        fl_json_num(f, r->total_variance > 0 ? rows[k].variance / r->total_variance : 0);
        fputs(",\"positive\":", f);
        json_tokens(f, tok, rows[k].pos_ids, rows[k].pos_score, r->tokens);
        fputs(",\"negative\":", f);
        json_tokens(f, tok, rows[k].neg_ids, rows[k].neg_score, r->tokens);
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_levels(FILE *f, int levels) {
    fputc('[', f);
    for (int l = 0; l < levels; l++) {
        char name[32];
        fl_smooth_level_name(name, sizeof name, l, levels);
        fprintf(f, "%s", l ? "," : "");
        json_str(f, name);
    }
    fputc(']', f);
}

static void json_nums(FILE *f, const char *key, const double *x, int n) {
    fprintf(f, ",\"%s\":[", key);
    for (int i = 0; i < n; i++) fputs(i ? "," : "", f), fl_json_num(f, x[i]);
    fputc(']', f);
}

/* The measure's own object, {...}: what `eval KIND --json` holds under its key. */
static void json_body(FILE *f, const namer *tok, const fl_top_result *r) {
    fputc('{', f);
    if (r->kind == FL_TOP_LENS) {
        const fl_lens_result *l = &r->lens;
        fprintf(f, "\"positions\":%ld,\"levels\":%d", l->positions, l->levels);
        json_nums(f, "loss", l->loss, l->levels);
        json_nums(f, "entropy", l->entropy, l->levels);
        json_nums(f, "agree_last", l->agree, l->levels);
        if (l->has_decoder) { /* FTP: the same levels through decoder step 0 */
            fputs(",\"decoder_step0\":{\"levels\":", f);
            fprintf(f, "%d", l->levels);
            json_nums(f, "loss", l->loss + l->levels, l->levels);
            json_nums(f, "entropy", l->entropy + l->levels, l->levels);
            json_nums(f, "agree_last", l->agree + l->levels, l->levels);
            fputc('}', f);
        }
    } else if (r->kind == FL_TOP_COLLAPSE) {
        const fl_collapse_result *c = &r->col;
        const fl_nc_stats *s = &c->nc;
        fprintf(f, "\"classes\":%d,\"vectors\":%ld,\"dim\":%d,\"sb_rank\":%d,\"covered\":", s->K, s->n, s->d, s->sb_rank);
        const double v[] = {c->covered, s->nc1, s->norm_cv, s->cos_mean, s->cos_std, s->cos_simplex, s->nc3, s->nc4};
        const char *const name[] = {"nc1", "nc2_norm_cv", "nc2_cos_mean", "nc2_cos_std", "nc2_cos_simplex", "nc3", "nc4"};
        fl_json_num(f, v[0]);
        for (int i = 0; i < 7; i++) fprintf(f, ",\"%s\":", name[i]), fl_json_num(f, v[i + 1]);
        fputs(",\"tokens\":[", f);
        for (int k = 0; k < s->K; k++) {
            fprintf(f, "%s{\"id\":%d,\"text\":", k ? "," : "", (int)c->tokens[k]);
            token_text(f, tok, c->tokens[k]);
            fprintf(f, ",\"vectors\":%ld}", c->count[k]);
        }
        fputc(']', f);
    } else if (r->kind == FL_TOP_CKA) {
        const fl_cka_result *c = &r->cka;
        fprintf(f, "\"positions\":%ld,\"levels_a\":", c->positions);
        json_levels(f, c->levels_a);
        fputs(",\"levels_b\":", f);
        json_levels(f, c->levels_b);
        fputs(",\"matrix\":[", f);
        for (int i = 0; i < c->levels_a; i++) {
            fputs(i ? ",[" : "[", f);
            for (int j = 0; j < c->levels_b; j++) fputs(j ? "," : "", f), fl_json_num(f, c->cka[(size_t)i * c->levels_b + j]);
            fputc(']', f);
        }
        fputc(']', f);
    } else {
        const fl_neurons_result *n = &r->neu;
        fprintf(f, "\"positions\":%ld,\"dim\":%d,\"total_variance\":", n->positions, n->C);
        fl_json_num(f, n->total_variance);
        json_rows(f, tok, "directions", n->dirs, n->n_dirs, n);
        json_rows(f, tok, "coordinates", n->coords, n->n_coords, n);
    }
    fputc('}', f);
}

void fl_top_write_json_body(FILE *f, const fl_tokenizer *tok, const fl_task *task, const fl_top_result *r) {
    const namer nm = {tok, task};
    json_body(f, &nm, r);
}

static void write_json(FILE *f, const fl_eval_ckpt *a, const fl_eval_ckpt *b, const namer *tok,
                       const fl_top_result *r) {
    static const char *const KEY[] = {"lens", "collapse", "cka", "neurons"};
    fputs("{\"checkpoint\":", f);
    json_str(f, a->dir);
    fprintf(f, ",\"model\":\"%s\",\"step\":%ld", fl_model_get_config(a->m)->type == FL_MODEL_FTP ? "ftp" : "gpt", a->step);
    if (b) {
        fputs(",\"checkpoint_b\":", f);
        json_str(f, b->dir);
        fprintf(f, ",\"model_b\":\"%s\",\"step_b\":%ld", fl_model_get_config(b->m)->type == FL_MODEL_FTP ? "ftp" : "gpt",
                b->step);
    }
    fprintf(f, ",\"%s\":", KEY[r->kind]);
    json_body(f, tok, r);
    const fl_window_cover *v = &r->cover;
    fprintf(f, ",\"validation_windows\":{\"used\":%ld,\"available\":%ld,\"context\":%d,\"tokens_covered\":%llu,"
               "\"split_tokens\":%llu}}\n", v->n, v->available, v->T, (unsigned long long)v->covered,
            (unsigned long long)v->split_tokens);
}

static void text_tokens(FILE *f, const namer *tok, const int32_t *ids, int n) {
    for (int i = 0; i < n; i++) fputc(' ', f), token_text(f, tok, ids[i]);
}

static void text_rows(FILE *f, const namer *tok, const char *what, const fl_direction_row *rows, int n,
                      const fl_neurons_result *r) {
    for (int k = 0; k < n; k++) {
        fprintf(f, "  %s %d (variance %.4g, %.1f%% of the total)\n    +:", what, rows[k].index, rows[k].variance,
                r->total_variance > 0 ? 100 * rows[k].variance / r->total_variance : 0);
        text_tokens(f, tok, rows[k].pos_ids, r->tokens);
        fputs("\n    -:", f);
        text_tokens(f, tok, rows[k].neg_ids, r->tokens);
        fputc('\n', f);
    }
}

static void write_text(FILE *f, const fl_eval_ckpt *a, const fl_eval_ckpt *b, const namer *tok,
                       const fl_top_result *r) {
    if (r->kind == FL_TOP_LENS) {
        const fl_lens_result *l = &r->lens;
        fprintf(f, "%s: logit lens (each block's residual stream through ln_f and the tied head), %ld positions\n",
                a->dir, l->positions);
        for (int d = 0; d <= l->has_decoder; d++) {
            if (l->has_decoder) fprintf(f, " %s:\n", d ? "through decoder step 0 (x_t its input), then the head" : "tied head");
            for (int i = 0; i < l->levels; i++) {
                const int k = d * l->levels + i;
                fprintf(f, "  block %-3d loss %.4f  entropy %.4f  argmax = last block's %.4f%s\n", i + 1, l->loss[k],
                        l->entropy[k], l->agree[k], i + 1 == l->levels ? "  (the model's own h_t)" : "");
            }
        }
    } else if (r->kind == FL_TOP_COLLAPSE) {
        const fl_nc_stats *s = &r->col.nc;
        fprintf(f, "%s: neural collapse of h_t by next token, %d most frequent tokens (%.1f%% of positions), %ld vectors\n",
                a->dir, s->K, 100 * r->col.covered, s->n);
        fprintf(f, "  NC1 Tr(Sw Sb+)/K %.4f (Sb rank %d)\n  NC2 norm CV %.4f  cosine mean %.4f (simplex %.4f) std %.4f\n"
                   "  NC3 |W/|W| - M/|M|| %.4f\n  NC4 nearest mean = head argmax %.4f\n  tokens:",
                s->nc1, s->sb_rank, s->norm_cv, s->cos_mean, s->cos_simplex, s->cos_std, s->nc3, s->nc4);
        text_tokens(f, tok, r->col.tokens, s->K);
        fputc('\n', f);
    } else if (r->kind == FL_TOP_CKA) {
        const fl_cka_result *c = &r->cka;
        fprintf(f, "linear CKA over %ld positions: rows %s, columns %s\n%-9s", c->positions, a->dir, b->dir, "");
        char name[32];
        for (int j = 0; j < c->levels_b; j++) fl_smooth_level_name(name, sizeof name, j, c->levels_b), fprintf(f, " %8s", name);
        fputc('\n', f);
        for (int i = 0; i < c->levels_a; i++) {
            fl_smooth_level_name(name, sizeof name, i, c->levels_a);
            fprintf(f, "%-9s", name);
            for (int j = 0; j < c->levels_b; j++) fprintf(f, " %8.4f", c->cka[(size_t)i * c->levels_b + j]);
            fputc('\n', f);
        }
    } else {
        const fl_neurons_result *n = &r->neu;
        fprintf(f, "%s: the tied head's tokens for h_t's directions (%ld positions, total variance %.4g)\n", a->dir,
                n->positions, n->total_variance);
        text_rows(f, tok, "principal direction", n->dirs, n->n_dirs, n);
        text_rows(f, tok, "coordinate", n->coords, n->n_coords, n);
    }
    const fl_window_cover *v = &r->cover;
    fprintf(f, "  validation windows: %ld of %ld (the first %llu of the split's %llu tokens)\n", v->n, v->available,
            (unsigned long long)v->covered, (unsigned long long)v->split_tokens);
}

void fl_top_write(FILE *f, int json, const fl_eval_ckpt *a, const fl_eval_ckpt *b, const fl_tokenizer *tok,
                  const fl_top_result *r) {
    const namer nm = {tok, a->task};
    if (json) write_json(f, a, b, &nm, r);
    else write_text(f, a, b, &nm, r);
}
