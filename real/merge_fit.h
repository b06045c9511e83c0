/*
 * real/merge_fit.h — the merge model of transcoding (seed 000 §4.5,
 * DESIGN.md §4 "Merging"), fitted from measured runs.
 *
 * A run on one segment with n_o outputs of operation o takes
 *     T = a + sum_o b_o n_o + noise,
 * a the shared part (process start-up, demuxing and decoding the input:
 * paid once however many outputs), b_o the per-output part of operation o
 * (filtering, encoding and muxing one output). A single run of o has
 * T = a + b_o; a merged run of k different operations a + sum of k b's.
 * Single runs alone cannot separate a from the b's (their design matrix has
 * the intercept equal to the sum of the op columns): merged runs, with
 * sum_o n_o > 1, make a identifiable.
 *
 * Fitted by ordinary least squares (GSL gsl_multifit_linear_tsvd), with
 * standard errors from sigma^2 (X'X)^-1, sigma^2 = RSS / (n - p), the
 * residual SD sigma and R^2 = 1 - RSS / TSS.
 *
 * Saving of a merged run (seed 000's "merge saving percentage"):
 *     saving = 1 - T_merged / sum of the separate runs' times
 *            = 1 - (a + sum b_o n_o) / sum_o n_o (a + b_o)
 *            = (k - 1) a / sum_o n_o (a + b_o),   k = sum_o n_o.
 */
#ifndef HETSIM_REAL_MERGE_FIT_H
#define HETSIM_REAL_MERGE_FIT_H

#include <stddef.h>
#include "sim/io/io.h"

typedef struct real_merge_model {
	int n_ops;
	double shared_s, shared_se;
	double *per_output_s, *per_output_se; /* [n_ops] */
	double residual_sd; /* NAN when n = p */
	double r2;
	size_t n; /* runs fitted */
} real_merge_model;

/* Fit from n runs: counts is n x n_ops row-major (outputs of each
 * operation in run i), t the times. IO_EINPUT when the model cannot be
 * identified (too few runs, an operation never run, no merged run) with a
 * message saying what data is missing. */
int real_merge_fit(const double *counts, const double *t, size_t n, int n_ops,
		   real_merge_model *m, io_err *err);
void real_merge_model_free(real_merge_model *m);

/* Predicted time of a run with these output counts ([n_ops]). */
double real_merge_predict(const real_merge_model *m, const double *counts);
/* Predicted sum of the separate (single) runs of the same outputs. */
double real_merge_predict_separate(const real_merge_model *m,
				   const double *counts);
/* Predicted saving, 1 - predict / predict_separate. */
double real_merge_saving(const real_merge_model *m, const double *counts);

/* Prediction errors on held-back runs. */
typedef struct real_merge_error {
	size_t n;
	double mae_s;   /* mean |predicted - measured| */
	double mre;     /* mean |predicted - measured| / measured */
	double bias_s;  /* mean (predicted - measured) */
	double rmse_s;
} real_merge_error;
real_merge_error real_merge_evaluate(const real_merge_model *m,
				     const double *counts, const double *t,
				     size_t n);

/* Pooled within-group SD of n values labelled group[i] in [0, n_groups):
 * sqrt(sum of squared deviations from each group's mean / sum (n_g - 1)),
 * over groups of >= 2 values; the repeat-to-repeat noise when a group is a
 * set of identical runs. NAN when no group has two values. *dof (may be
 * NULL) gets sum (n_g - 1). */
double real_pooled_sd(const double *t, const size_t *group, size_t n,
		      size_t n_groups, size_t *dof);

#endif
