/* Directions in a vector space: the symmetric eigenproblem (cyclic Jacobi),
 * the top principal directions of a set of vectors, and the rows of a matrix
 * (a tied head) that a direction points at most strongly. Pure arrays. */
#ifndef FL_EVAL_METRICS_DIRECTIONS_H
#define FL_EVAL_METRICS_DIRECTIONS_H
#include <stdint.h>

#include "futurelm.h"

/* Eigen-decomposition of the symmetric n x n matrix A (row-major, destroyed):
 * eigenvalues into val[n] in decreasing order, the matching unit eigenvectors
 * into the rows of vec[n, n]. Cyclic Jacobi rotations until the off-diagonal
 * mass is below 1e-22 of the total (or 100 sweeps): exact to double rounding
 * for the sizes the measures use (K classes, or C <= a few thousand).
 * FL_ERR_NOMEM when its n-vector of scratch cannot be had. */
fl_status fl_sym_eigen(double *A, int n, double *val, double *vec, fl_error *err);

/* The k leading principal directions of X [n, d] (rows are samples): the unit
 * eigenvectors of the covariance (1/n) sum (x - mean)(x - mean)^T into dirs
 * [k, d] and their variances into var[k], largest first; each direction's sign
 * is chosen so its largest-magnitude coordinate is positive (a direction and
 * its negative are the same principal axis; the rule makes the output
 * reproducible). k <= d. */
fl_status fl_principal_directions(const float *X, long n, int d, int k, float *dirs, double *var, fl_error *err);

/* The k rows of W [rows, d] (row stride ld) with the largest dot product with
 * u [d], best first: their indices into top[k] and dot products into score[k].
 * Ties go to the lower index. k <= rows. */
void fl_top_rows(const float *W, int rows, int d, int ld, const float *u, int k, int32_t *top, float *score);

#endif
