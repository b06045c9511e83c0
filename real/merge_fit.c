/* real/merge_fit.c — OLS fit of the merge model (see merge_fit.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include "real/merge_fit.h"

void real_merge_model_free(real_merge_model *m)
{
	free(m->per_output_s);
	free(m->per_output_se);
	memset(m, 0, sizeof *m);
}

/* Say what is missing before GSL is asked (its messages would not). */
static int check_design(const double *counts, size_t n, int n_ops, io_err *err)
{
	size_t p = (size_t)n_ops + 1;
	if (n_ops < 1)
		return io_errf(err, IO_EINPUT, NULL, 0, "merge fit: no operation");
	if (n < p)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "merge fit: %zu runs for %zu unknowns (shared part + %d "
				 "per-output parts)", n, p, n_ops);
	int merged = 0;
	for (size_t i = 0; i < n && !merged; i++) {
		double k = 0;
		for (int o = 0; o < n_ops; o++) {
			double c = counts[i * (size_t)n_ops + (size_t)o];
			if (!(c >= 0) || !isfinite(c))
				return io_errf(err, IO_EINPUT, NULL, 0,
						 "merge fit: run %zu has a bad count", i + 1);
			k += c;
		}
		merged = k != 1;
	}
	if (!merged)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "merge fit: no merged run (every run has one output), so "
				 "the shared part cannot be told from the per-output parts");
	for (int o = 0; o < n_ops; o++) {
		int seen = 0;
		for (size_t i = 0; i < n && !seen; i++)
			seen = counts[i * (size_t)n_ops + (size_t)o] != 0;
		if (!seen)
			return io_errf(err, IO_EINPUT, NULL, 0,
					 "merge fit: operation %d appears in no run", o + 1);
	}
	return 0;
}

int real_merge_fit(const double *counts, const double *t, size_t n, int n_ops,
		   real_merge_model *m, io_err *err)
{
	memset(m, 0, sizeof *m);
	int rc = check_design(counts, n, n_ops, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(t[i]))
			return io_errf(err, IO_EINPUT, NULL, 0,
					 "merge fit: run %zu has no finite time", i + 1);
	size_t p = (size_t)n_ops + 1;
	gsl_matrix *X = gsl_matrix_alloc(n, p), *cov = gsl_matrix_alloc(p, p);
	gsl_vector *y = gsl_vector_alloc(n), *c = gsl_vector_alloc(p);
	gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, p);
	m->per_output_s = calloc((size_t)n_ops, sizeof *m->per_output_s);
	m->per_output_se = calloc((size_t)n_ops, sizeof *m->per_output_se);
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	if (!X || !cov || !y || !c || !w || !m->per_output_s || !m->per_output_se) {
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	double mean = 0;
	for (size_t i = 0; i < n; i++) {
		gsl_matrix_set(X, i, 0, 1.0);
		for (size_t o = 0; o < (size_t)n_ops; o++)
			gsl_matrix_set(X, i, o + 1, counts[i * (size_t)n_ops + o]);
		gsl_vector_set(y, i, t[i]);
		mean += t[i];
	}
	mean /= (double)n;
	if (gsl_multifit_linear_svd(X, w)) {
		rc = io_errf(err, IO_EINPUT, NULL, 0, "merge fit: SVD failed");
		goto out;
	}
	size_t rank = gsl_multifit_linear_rank(1e-10, w);
	if (rank < p) {
		rc = io_errf(err, IO_EINPUT, NULL, 0,
			       "merge fit: the runs do not identify the model (rank %zu "
			       "of %zu): merge different operations together", rank, p);
		goto out;
	}
	double chisq;
	if (gsl_multifit_linear(X, y, c, cov, &chisq, w)) {
		rc = io_errf(err, IO_EINPUT, NULL, 0, "merge fit: least squares failed");
		goto out;
	}
	int dof_ok = n > p;
	m->n_ops = n_ops;
	m->n = n;
	m->shared_s = gsl_vector_get(c, 0);
	m->shared_se = dof_ok ? sqrt(gsl_matrix_get(cov, 0, 0)) : NAN;
	for (size_t o = 0; o < (size_t)n_ops; o++) {
		m->per_output_s[o] = gsl_vector_get(c, o + 1);
		m->per_output_se[o] = dof_ok ? sqrt(gsl_matrix_get(cov, o + 1, o + 1)) : NAN;
	}
	m->residual_sd = dof_ok ? sqrt(chisq / (double)(n - p)) : NAN;
	double tss = 0;
	for (size_t i = 0; i < n; i++)
		tss += (t[i] - mean) * (t[i] - mean);
	m->r2 = tss > 0 ? 1 - chisq / tss : NAN;
out:
	gsl_set_error_handler(old);
	gsl_multifit_linear_free(w);
	gsl_matrix_free(X);
	gsl_matrix_free(cov);
	gsl_vector_free(y);
	gsl_vector_free(c);
	if (rc)
		real_merge_model_free(m);
	return rc;
}

double real_merge_predict(const real_merge_model *m, const double *counts)
{
	double t = m->shared_s;
	for (int o = 0; o < m->n_ops; o++)
		t += m->per_output_s[o] * counts[o];
	return t;
}

double real_merge_predict_separate(const real_merge_model *m,
				   const double *counts)
{
	double t = 0;
	for (int o = 0; o < m->n_ops; o++)
		t += (m->shared_s + m->per_output_s[o]) * counts[o];
	return t;
}

double real_merge_saving(const real_merge_model *m, const double *counts)
{
	double sep = real_merge_predict_separate(m, counts);
	return sep > 0 ? 1 - real_merge_predict(m, counts) / sep : NAN;
}

real_merge_error real_merge_evaluate(const real_merge_model *m,
				     const double *counts, const double *t,
				     size_t n)
{
	real_merge_error e = {.n = n, .mae_s = NAN, .mre = NAN, .bias_s = NAN,
			      .rmse_s = NAN};
	if (n == 0)
		return e;
	double abs_sum = 0, rel_sum = 0, sum = 0, sq = 0;
	for (size_t i = 0; i < n; i++) {
		double d = real_merge_predict(m, counts + i * (size_t)m->n_ops) - t[i];
		abs_sum += fabs(d);
		rel_sum += t[i] > 0 ? fabs(d) / t[i] : 0;
		sum += d;
		sq += d * d;
	}
	e.mae_s = abs_sum / (double)n;
	e.mre = rel_sum / (double)n;
	e.bias_s = sum / (double)n;
	e.rmse_s = sqrt(sq / (double)n);
	return e;
}

double real_pooled_sd(const double *t, const size_t *group, size_t n,
		      size_t n_groups, size_t *dof)
{
	double *sum = calloc(n_groups ? n_groups : 1, sizeof *sum);
	size_t *cnt = calloc(n_groups ? n_groups : 1, sizeof *cnt);
	double ss = 0;
	size_t df = 0;
	if (sum && cnt) {
		for (size_t i = 0; i < n; i++)
			if (group[i] < n_groups) {
				sum[group[i]] += t[i];
				cnt[group[i]]++;
			}
		for (size_t i = 0; i < n; i++) {
			size_t g = group[i];
			if (g < n_groups && cnt[g] >= 2) {
				double d = t[i] - sum[g] / (double)cnt[g];
				ss += d * d;
			}
		}
		for (size_t g = 0; g < n_groups; g++)
			if (cnt[g] >= 2)
				df += cnt[g] - 1;
	}
	free(sum);
	free(cnt);
	if (dof)
		*dof = df;
	return df ? sqrt(ss / (double)df) : NAN;
}
