/* safetensors files (fl_st_open): malformed headers, offsets that overlap, leave
 * gaps or run past the end, and byte counts that disagree with dtype x shape are
 * refused with a message. A file that opens describes tensors that lie inside
 * it (every byte is read, so a wrong bound is an out-of-bounds read), each found
 * by its name; written again with fl_st_write, it opens to the same tensors. */
#include "fuzz_util.h"
#include "ckpt/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fl_st_file *f = NULL, *g = NULL;
    fl_error err = {0};
    if (fl_st_open(fuzz_write("in.safetensors", data, size), &f, &err) != FL_OK) {
        FUZZ_CHECK(!f && err.msg[0], "a refused file without a message");
        return 0;
    }
    int n = fl_st_count(f);
    FUZZ_CHECK(n >= 0, "%d tensors", n);
    fl_st_out *outs = calloc((size_t)n + 1, sizeof *outs);
    if (!outs) abort();
    unsigned sum = 0;
    for (int i = 0; i < n; i++) {
        const fl_st_tensor *t = fl_st_at(f, i);
        FUZZ_CHECK(t && t->name && t->ndim >= 0 && t->ndim <= FL_ST_MAX_DIMS, "tensor %d", i);
        size_t numel = 1;
        for (int d = 0; d < t->ndim; d++) {
            FUZZ_CHECK(t->shape[d] >= 0, "%s: dimension %lld", t->name, (long long)t->shape[d]);
            numel *= (size_t)t->shape[d];
        }
        FUZZ_CHECK(numel == t->numel, "%s: numel %zu, shape gives %zu", t->name, t->numel, numel);
        size_t bytes = t->numel * fl_dtype_size(t->dtype);
        FUZZ_CHECK(bytes <= size, "%s: %zu bytes in a %zu-byte file", t->name, bytes, size);
        const unsigned char *p = t->data;
        for (size_t k = 0; k < bytes; k++) sum += p[k];
        FUZZ_CHECK(fl_st_find(f, t->name) == t, "fl_st_find('%s') finds another tensor", t->name);
        FUZZ_CHECK(fl_dtype_name(t->dtype), "%s: a dtype without a name", t->name);
        outs[i] = (fl_st_out){t->name, t->dtype, t->ndim, {0}, t->data};
        memcpy(outs[i].shape, t->shape, sizeof t->shape);
    }
    (void)fl_st_meta(f, "format");
    (void)fl_st_meta(f, "model.n_embd");
    const char *out = fuzz_write("out.safetensors", "", 0);
    FUZZ_CHECK(fl_st_write(out, outs, n, NULL, 0, &err) == FL_OK, "writing what opened failed: %s", err.msg);
    FUZZ_CHECK(fl_st_open(out, &g, &err) == FL_OK, "our own file does not open: %s", err.msg);
    FUZZ_CHECK(fl_st_count(g) == n, "%d tensors became %d", n, fl_st_count(g));
    for (int i = 0; i < n; i++) {
        const fl_st_tensor *a = fl_st_at(f, i), *b = fl_st_find(g, a->name);
        FUZZ_CHECK(b && b->dtype == a->dtype && b->ndim == a->ndim && b->numel == a->numel &&
                       !memcmp(a->shape, b->shape, sizeof a->shape[0] * (size_t)a->ndim) &&
                       !memcmp(a->data, b->data, a->numel * fl_dtype_size(a->dtype)),
                   "tensor %s changes when written again", a->name);
    }
    fl_st_close(g);
    fl_st_close(f);
    free(outs);
    (void)sum;
    return 0;
}
