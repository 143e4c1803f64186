/* Linear centred kernel alignment (Kornblith, Norouzi, Lee & Hinton,
 * "Similarity of Neural Network Representations Revisited", ICML 2019)
 * between representations of the same n inputs. Pure arrays. */
#ifndef FL_EVAL_METRICS_CKA_H
#define FL_EVAL_METRICS_CKA_H

#include "futurelm.h"

/* Subtracts every column's mean from X [n, d] in place (means in double). */
void fl_cka_centre(float *X, int n, int d);

/* |Yc^T Xc|_F^2 of centred Xc [n, p] and Yc [n, q]; scratch holds p * q floats. */
double fl_cka_cross(const float *Xc, int p, const float *Yc, int q, int n, float *scratch);

/* Linear CKA of X [n, p] and Y [n, q] (not changed):
 *   |Yc^T Xc|_F^2 / (|Xc^T Xc|_F |Yc^T Yc|_F)  =  <Kx, Ky>_F / (|Kx|_F |Ky|_F),
 * Kx = Xc Xc^T the centred Gram; 0 when either side is constant. */
fl_status fl_cka_linear(const float *X, int p, const float *Y, int q, int n, double *cka, fl_error *err);

#endif
