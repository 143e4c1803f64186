/* The draft weights of a generation session (fl_session_set_draft_precision,
 * fl_session_set_draft_vocab): reduced-precision copies of the FTP decoder and
 * the tied head that draft steps stream instead of the float32 weights, and the
 * shortlist head over the draft vocabulary. Drafts only propose tokens, so none
 * of this changes the output; verification always runs on the model's own
 * float32 weights (session.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infer/session_impl.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "util/error.h"
#include "util/mem.h"

/* Bytes of a draft copy of a C -> OC weight, a multiple of FL_ALIGN (so copies
 * carved one after another from fl_alloc's memory stay aligned). */
static size_t align_bytes(size_t n) { return (n + FL_ALIGN - 1) / FL_ALIGN * FL_ALIGN; }
static size_t draft_bytes(fl_draft_precision p, int C, int OC) {
    if (p == FL_DRAFT_BF16) return align_bytes(fli_linear_pack_bf16_words(C, OC) * sizeof(uint32_t));
    if (p == FL_DRAFT_INT8)
        return align_bytes(fli_linear_pack_i8_bytes(C, OC)) + align_bytes(fli_linear_pack_i8_scales(OC) * sizeof(float));
    return 0;
}
/* Packs w's draft copy at *next and moves *next past it. */
static void take_draft(draft_w *d, unsigned char **next, fl_draft_precision p, const float *w, int C, int OC,
                       unsigned char *scratch) {
    memset(d, 0, sizeof *d);
    d->scratch = scratch;
    if (p == FL_DRAFT_BF16) {
        d->bf16 = (uint32_t *)*next;
        fli_linear_pack_bf16(d->bf16, w, C, OC);
    } else if (p == FL_DRAFT_INT8) {
        d->i8 = (int8_t *)*next;
        d->scale = (float *)(*next + align_bytes(fli_linear_pack_i8_bytes(C, OC)));
        fli_linear_pack_i8(d->i8, d->scale, w, C, OC);
    }
    *next += draft_bytes(p, C, OC);
}

fl_status fl_session_set_draft_vocab(fl_session *s, const int32_t *ids, int n, fl_error *err) {
    if (n < 0 || n > s->V) return fl_fail(err, FL_ERR_ARG, "draft vocabulary of %d tokens: need 0..%d", n, s->V);
    free(s->draft_ids);
    fl_free(s->draft_head);
    fl_free(s->draft_head_mem);
    fl_free(s->draft_logits);
    s->draft_ids = NULL, s->draft_head = s->draft_logits = NULL, s->draft_head_mem = NULL, s->n_draft = 0;
    memset(&s->draft_head_d, 0, sizeof s->draft_head_d);
    if (n == 0) return FL_OK;
    unsigned char *seen = calloc((size_t)s->V, 1);
    s->draft_ids = malloc(sizeof(int32_t) * (size_t)n);
    float *rows = fl_alloc((size_t)n * s->C, sizeof(float));
    s->draft_head = fl_alloc(fli_linear_pack_floats(s->C, n), sizeof(float));
    s->draft_logits = fl_alloc((size_t)n * s->rows, sizeof(float)); /* tree drafts: a level's rows at once */
    const size_t reduced = draft_bytes(s->draft_precision, s->C, n);
    if (reduced) s->draft_head_mem = fl_alloc(reduced, 1);
    fl_status st = seen && s->draft_ids && rows && s->draft_head && s->draft_logits && (!reduced || s->draft_head_mem)
                       ? FL_OK
                       : fl_fail(err, FL_ERR_NOMEM, "out of memory for a draft vocabulary of %d tokens", n);
    for (int i = 0; i < n && !st; i++) {
        if (ids[i] < 0 || ids[i] >= s->V || seen[ids[i]])
            st = fl_fail(err, FL_ERR_ARG, "draft vocabulary: token id %d is %s", ids[i],
                         ids[i] < 0 || ids[i] >= s->V ? "outside the vocabulary" : "listed twice");
        else
            seen[ids[i]] = 1, s->draft_ids[i] = ids[i];
        if (!st) memcpy(rows + (size_t)i * s->C, s->m->wte + (size_t)ids[i] * s->C, sizeof(float) * (size_t)s->C);
    }
    if (!st) {
        fli_linear_pack(s->draft_head, rows, s->C, n);
        unsigned char *next = s->draft_head_mem;
        if (reduced) take_draft(&s->draft_head_d, &next, s->draft_precision, rows, s->C, n, s->draft_scratch);
        s->n_draft = n;
    }
    free(seen);
    fl_free(rows);
    if (st) fl_session_set_draft_vocab(s, NULL, 0, NULL);
    return st;
}

fl_status fl_session_set_draft_precision(fl_session *s, fl_draft_precision p, fl_error *err) {
    if (p != FL_DRAFT_F32 && p != FL_DRAFT_BF16 && p != FL_DRAFT_INT8)
        return fl_fail(err, FL_ERR_ARG, "draft precision %d: need FL_DRAFT_BF16, FL_DRAFT_F32 or FL_DRAFT_INT8", (int)p);
    free(s->draftw);
    fl_free(s->draft_mem);
    s->draftw = NULL, s->draft_mem = NULL, s->draft_scratch = NULL;
    memset(&s->head_d, 0, sizeof s->head_d);
    s->draft_precision = FL_DRAFT_F32;
    fl_status st = FL_OK;
    if (p != FL_DRAFT_F32 && s->N > 0) {
        const int C = s->C;
        const size_t per_block = draft_bytes(p, C, 3 * C) + 3 * draft_bytes(p, C, C) + draft_bytes(p, C, 4 * C) +
                                 draft_bytes(p, 4 * C, C);
        /* int8: one buffer for a product's quantised input rows, the widest (4C) of any draft product */
        const size_t scratch = p == FL_DRAFT_INT8 ? align_bytes(fli_linear_i8_scratch_bytes(s->rows, 4 * C)) : 0;
        const size_t n = draft_bytes(p, C, s->Vp) + (size_t)s->Ld * per_block + scratch;
        s->draftw = calloc((size_t)s->Ld, sizeof *s->draftw);
        s->draft_mem = fl_alloc(n, 1);
        if (!s->draftw || !s->draft_mem) {
            st = fl_fail(err, FL_ERR_NOMEM, "out of memory: %s draft weights need %.1f MiB",
                         p == FL_DRAFT_BF16 ? "bfloat16" : "int8", n / (double)(1 << 20));
            free(s->draftw);
            fl_free(s->draft_mem);
            s->draftw = NULL, s->draft_mem = NULL;
        } else {
            unsigned char *next = s->draft_mem;
            s->draft_scratch = scratch ? next : NULL;
            next += scratch;
            take_draft(&s->head_d, &next, p, s->m->wte, C, s->Vp, s->draft_scratch);
            for (int l = 0; l < s->Ld; l++) {
                const block_weights *w = &s->m->dec_w[l];
                draft_block *d = &s->draftw[l];
                take_draft(&d->qkv, &next, p, w->qkv_w, C, 3 * C, s->draft_scratch);
                take_draft(&d->attn_proj, &next, p, w->attn_proj_w, C, C, s->draft_scratch);
                take_draft(&d->xq, &next, p, w->xq_w, C, C, s->draft_scratch);
                take_draft(&d->xproj, &next, p, w->xproj_w, C, C, s->draft_scratch);
                take_draft(&d->fc, &next, p, w->fc_w, C, 4 * C, s->draft_scratch);
                take_draft(&d->fc_proj, &next, p, w->fc_proj_w, 4 * C, C, s->draft_scratch);
            }
            s->draft_precision = p;
        }
    }
    if (s->n_draft > 0) { /* repack the shortlist for the new precision */
        int n = s->n_draft;
        int32_t *ids = malloc(sizeof(int32_t) * (size_t)n);
        if (!ids) return fl_fail(err, FL_ERR_NOMEM, "out of memory for the draft vocabulary");
        memcpy(ids, s->draft_ids, sizeof(int32_t) * (size_t)n);
        fl_status st2 = fl_session_set_draft_vocab(s, ids, n, err);
        free(ids);
        if (!st) st = st2;
    }
    return st;
}
