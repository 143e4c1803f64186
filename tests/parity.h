/* Shared by the PyTorch parity tests: load a reference fixture written by
 * tests/reference/make_*_fixture.py, build the same model, compare tensors. */
#ifndef FL_TESTS_PARITY_H
#define FL_TESTS_PARITY_H
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "futurelm.h"
#include "io/safetensors.h"
#include "model/model.h"

static const char *fixture_dir(void) {
    const char *d = getenv("FL_FIXTURES");
    return d ? d : "tests/fixtures";
}

static double meta_num(const fl_st_file *f, const char *key) {
    const char *v = fl_st_meta(f, key);
    if (!v) {
        fprintf(stderr, "fixture lacks metadata key %s\n", key);
        exit(2);
    }
    return atof(v);
}

static const fl_st_tensor *need(const fl_st_file *f, const char *name) {
    const fl_st_tensor *t = fl_st_find(f, name);
    if (!t) {
        fprintf(stderr, "fixture lacks tensor %s\n", name);
        exit(2);
    }
    return t;
}

/* Copies every param.<name> of the fixture into the model; checks shapes. */
static int load_params(fl_model *m, const fl_st_file *f) {
    for (int i = 0; i < fl_model_num_tensors(m); i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        char key[128];
        snprintf(key, sizeof key, "param.%s", t->name);
        const fl_st_tensor *s = need(f, key);
        if (s->dtype != FL_DT_F32 || s->numel != t->numel) {
            printf("not ok - fixture tensor %s has the wrong size\n", key);
            return -1;
        }
        memcpy(t->data, s->data, t->numel * sizeof(float));
    }
    return 0;
}

/* max |a - b| and max |b| over n floats. */
static void max_err(const float *a, const float *b, size_t n, double *err, double *ref) {
    double e = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= e)) e = d; /* NaN counts as the worst */
        if (fabs((double)b[i]) > r) r = fabs((double)b[i]);
    }
    *err = e;
    *ref = r;
}

/* Every gradient tensor within rel_tol * max|ref|; prints the worst one. */
static void check_grads(fl_model *m, const fl_st_file *f, double rel_tol, const char *label) {
    double worst = 0;
    const char *worst_name = "";
    int all_ok = 1;
    for (int i = 0; i < fl_model_num_tensors(m); i++) {
        const fl_tensor *t = fl_model_tensor(m, i);
        char key[128];
        snprintf(key, sizeof key, "grad.%s", t->name);
        const fl_st_tensor *s = need(f, key);
        double e, r;
        max_err(t->grad, s->data, t->numel, &e, &r);
        double rel = r > 0 ? e / r : e;
        if (!(rel <= rel_tol)) {
            all_ok = 0;
            printf("# %s: gradient %s max|d| %.3g, max|ref| %.3g, ratio %.3g\n", label, t->name, e, r, rel);
        }
        if (!(rel <= worst)) worst = rel, worst_name = t->name;
    }
    char name[160];
    snprintf(name, sizeof name, "%s: every gradient within %.0e x max|ref| (worst %s at %.3g)", label, rel_tol,
             worst_name, worst);
    check(all_ok, name, "see the lines above");
}
#endif
