/* Linear centred kernel alignment (Kornblith, Norouzi, Lee & Hinton,
 * "Similarity of Neural Network Representations Revisited", ICML 2019)
 * between representations of the same n inputs. Pure arrays. */
#ifndef FL_EVAL_METRICS_CKA_H
#define FL_EVAL_METRICS_CKA_H

#include "futurelm.h"

/* The centred Gram matrix K = Xc Xc^T [n, n] of X [n, d] (rows are the inputs,
 * Xc = X with every column's mean subtracted, i.e. H X X^T H with H = I - 11^T/n).
 * X is not changed. */
fl_status fl_cka_gram(const float *X, int n, int d, float *K, fl_error *err);

/* Linear CKA from two centred Grams of the same n inputs:
 *   <Kx, Ky>_F / (|Kx|_F |Ky|_F) = |Yc^T Xc|_F^2 / (|Xc^T Xc|_F |Yc^T Yc|_F),
 * summed in double; 0 when either Gram is zero. */
double fl_cka_from_grams(const float *Kx, const float *Ky, int n);

/* Linear CKA of X [n, p] and Y [n, q] (two Grams, then the above). */
fl_status fl_cka_linear(const float *X, int p, const float *Y, int q, int n, double *cka, fl_error *err);

#endif
