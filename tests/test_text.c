/* TF-IDF, cosines, drift and the bag-of-words topic classifier on hand-computed cases. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "eval/metrics/tfidf.h"
#include "util/rng.h"

int main(void) {
    fl_error err = {0};
    /* V = 5; d0 = [0 1 1], d1 = [0 2], d2 = [3]; D = 3.
     * df = 2 1 1 1 0, idf(t) = ln((1 + 3) / (1 + df)) + 1. */
    int32_t d0[] = {0, 1, 1}, d1[] = {0, 2}, d2[] = {3};
    const int32_t *docs[] = {d0, d1, d2};
    int lens[] = {3, 2, 1};
    fl_idf *idf;
    fl_status st = fl_idf_fit(docs, lens, 3, 5, &idf, &err);
    double i0 = log(4.0 / 3) + 1, i1 = log(2.0) + 1, i4 = log(4.0) + 1;
    check(st == FL_OK && fl_idf_df(idf, 0) == 2 && fl_idf_df(idf, 1) == 1 && fl_idf_df(idf, 4) == 0,
          "document frequencies count each document once", "df %d %d %d", fl_idf_df(idf, 0), fl_idf_df(idf, 1),
          fl_idf_df(idf, 4));
    check(fabs(fl_idf_weight(idf, 0) - i0) < 1e-12 && fabs(fl_idf_weight(idf, 1) - i1) < 1e-12 &&
              fabs(fl_idf_weight(idf, 4) - i4) < 1e-12,
          "idf = ln((1+D)/(1+df)) + 1 (an unseen id gets the largest)", "%g %g %g", fl_idf_weight(idf, 0),
          fl_idf_weight(idf, 1), fl_idf_weight(idf, 4));
    fl_sparse_vec v;
    fl_tfidf(idf, d0, 3, &v, &err);
    double n0 = sqrt(i0 * i0 + 4 * i1 * i1);
    check(v.n == 2 && v.ids[0] == 0 && v.ids[1] == 1 && fabs(v.w[0] - i0 / n0) < 1e-6 && fabs(v.w[1] - 2 * i1 / n0) < 1e-6,
          "tf-idf of [0 1 1]: (idf0, 2 idf1) / norm, ids ascending", "n %d w %g %g", v.n, v.w[0], v.w[1]);
    fl_sparse_vec_free(&v);
    double c;
    fl_tfidf_cosine(idf, d0, 3, d1, 2, &c, &err);
    double n1 = sqrt(i0 * i0 + i1 * i1), want = (i0 / n0) * (i0 / n1);
    check(fabs(c - want) < 1e-6, "cosine([0 1 1], [0 2]) = idf0^2 / (|d0| |d1|)", "%.9f vs %.9f", c, want);
    fl_tfidf_cosine(idf, d0, 3, d2, 1, &c, &err);
    check(c == 0, "documents without a shared id have cosine 0", "%g", c);
    int32_t p[] = {1, 0, 1};
    fl_tfidf_cosine(idf, d0, 3, p, 3, &c, &err);
    check(fabs(c - 1) < 1e-6, "a reordering of a document has cosine 1", "%g", c);
    fl_tfidf_cosine(idf, d0, 3, d0, 0, &c, &err);
    check(c == 0, "an empty document has cosine 0", "%g", c);
    int32_t rep[] = {0, 1, 1, 0, 1, 1}, split[] = {0, 1, 2, 3};
    fl_tfidf_drift(idf, rep, 6, &c, &err);
    check(fabs(c - 1) < 1e-6, "drift of a text whose halves repeat is 1", "%g", c);
    fl_tfidf_drift(idf, split, 4, &c, &err);
    check(c == 0, "drift of a text whose halves share nothing is 0", "%g", c);
    int32_t badid[] = {7};
    st = fl_tfidf_cosine(idf, badid, 1, d0, 3, &c, &err);
    check(st == FL_ERR_ARG && strstr(err.msg, "outside the vocabulary"), "an id >= V is refused", "%s", err.msg);
    fl_idf_free(idf);

    /* topic classifier: class k writes mostly ids 10k..10k+9, everyone writes 30..39 */
    enum { NTR = 60, NVA = 30, NTE = 60, L = 30, V = 40 };
    static int32_t buf[NTR + NVA + NTE][L];
    static const int32_t *dp[NTR + NVA + NTE];
    static int ln[NTR + NVA + NTE], y[NTR + NVA + NTE];
    fl_rng r;
    fl_rng_seed(&r, 3);
    for (int i = 0; i < NTR + NVA + NTE; i++) {
        y[i] = i % 3;
        for (int j = 0; j < L; j++)
            buf[i][j] = fl_rng_uniform(&r) < 0.5 ? 30 + (int32_t)fl_rng_below(&r, 10)
                                                 : 10 * y[i] + (int32_t)fl_rng_below(&r, 10);
        dp[i] = buf[i], ln[i] = L;
    }
    fl_doc_split tr = {dp, ln, y, NTR}, va = {dp + NTR, ln + NTR, y + NTR, NVA},
                 te = {dp + NTR + NVA, ln + NTR + NVA, y + NTR + NVA, NTE};
    fl_probe_opts o;
    fl_probe_opts_default(&o);
    fl_topic_clf *clf;
    st = fl_topic_clf_fit(&tr, &va, 3, V, 40, &o, &clf, &err);
    double acc = 0, lo = 0, hi = 0;
    if (!st) st = fl_topic_clf_score(clf, &te, &o, &acc, &lo, &hi, &err);
    check(st == FL_OK && acc == 1.0, "the bag-of-words classifier separates topics written with different ids",
          "st %d (%s) acc %g", st, err.msg, acc);
    int cls = -1;
    float probs[3];
    int32_t topic2[] = {20, 21, 22, 23, 30, 31};
    if (!st) st = fl_topic_clf_predict(clf, topic2, 6, &cls, probs, &err);
    check(st == FL_OK && cls == 2 && probs[2] > 0.5f, "a new document in topic 2's ids is classified 2", "cls %d p %g",
          cls, probs[2]);
    fl_topic_clf_free(clf);
    /* only the 10 most frequent ids by df: the shared 30..39 carry no topic, so chance */
    st = fl_topic_clf_fit(&tr, &va, 3, V, 10, &o, &clf, &err);
    if (!st) st = fl_topic_clf_score(clf, &te, &o, &acc, &lo, &hi, &err);
    check(st == FL_OK && acc < 0.6, "restricted to the 10 highest-df ids (the shared ones), it is near chance",
          "acc %g", acc);
    fl_topic_clf_free(clf);
    return check_exit();
}
