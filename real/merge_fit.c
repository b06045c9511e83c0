/* real/merge_fit.c — the merge models' fits (see merge_fit.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit.h>
#include "policies/merge.h"
#include "sim/io/csv.h"
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

/* ------------------------------------------------- relative model */

void real_merge_op_class(const char *token, char *out, size_t size)
{
	const char *name = token;
	size_t n = strspn(token + 1, "0123456789");
	if (token[0] == 'b' && n && !token[1 + n])
		name = "bitrate";
	else if (token[0] == 'r' && n && !token[1 + n])
		name = "framerate";
	else if (token[0] == 's' && n && token[1 + n] == 'x' &&
		 strspn(token + 2 + n, "0123456789") &&
		 !token[2 + n + strspn(token + 2 + n, "0123456789")])
		name = "resolution";
	if (strncmp(token, "c:", 2) == 0 && token[2])
		snprintf(out, size, "codec:%s", token + 2);
	else
		snprintf(out, size, "%s", name);
}

double real_merge_rel_predict(const real_merge_runs *runs, size_t r,
			      const double *frac)
{
	size_t a = runs->start[r], k = runs->start[r + 1] - a;
	double f[64] = {0}, *fv = k <= 64 ? f : malloc(k * sizeof *fv);
	if (!fv)
		return NAN;
	for (size_t i = 0; i < k; i++)
		fv[i] = frac[runs->cls[a + i]];
	double T = pol_merge_time(runs->t + a, fv, k);
	if (fv != f)
		free(fv);
	return T;
}

/* The operation of run r with the largest shared part under frac (the
 * first of equals). */
static size_t largest_shared(const real_merge_runs *runs, size_t r,
			     const double *frac)
{
	size_t best = runs->start[r];
	for (size_t i = best + 1; i < runs->start[r + 1]; i++)
		if (frac[runs->cls[i]] * runs->t[i] >
		    frac[runs->cls[best]] * runs->t[best])
			best = i;
	return best;
}

static double run_sum(const real_merge_runs *runs, size_t r)
{
	double s = 0;
	for (size_t i = runs->start[r]; i < runs->start[r + 1]; i++)
		s += runs->t[i];
	return s;
}

/* One least-squares solve of the saving for the classes not held at the
 * bound (held[c]), given the largest shared part of each run (largest[r])
 * and the ridge prior towards prior_frac; pooled: one fraction for all.
 * Returns 0, or -1 when the system is singular / no memory. */
static int solve_fracs(const real_merge_runs *runs, int nc, const size_t *largest,
		       const char *held, double prior_frac, int pooled, double *frac)
{
	int p = pooled ? 1 : nc;
	gsl_matrix *A = gsl_matrix_calloc((size_t)p, (size_t)p);
	gsl_vector *b = gsl_vector_calloc((size_t)p), *x = gsl_vector_alloc((size_t)p);
	double *row = calloc((size_t)p, sizeof *row);
	int rc = -1;
	if (!A || !b || !x || !row)
		goto out;
	for (size_t r = 0; r < runs->n; r++) {
		double S = run_sum(runs, r);
		double y = (S - runs->merged[r]) / S;
		memset(row, 0, (size_t)p * sizeof *row);
		for (size_t i = runs->start[r]; i < runs->start[r + 1]; i++) {
			if (i == largest[r])
				continue;
			int c = runs->cls[i];
			if (!pooled && held[c])
				y -= runs->t[i] / S; /* f = 1 */
			else
				row[pooled ? 0 : c] += runs->t[i] / S;
		}
		for (int c = 0; c < p; c++) {
			if (row[c] == 0)
				continue;
			gsl_vector_set(b, (size_t)c, gsl_vector_get(b, (size_t)c) + row[c] * y);
			for (int d = 0; d < p; d++)
				gsl_matrix_set(A, (size_t)c, (size_t)d,
					       gsl_matrix_get(A, (size_t)c, (size_t)d) +
						       row[c] * row[d]);
		}
	}
	for (int c = 0; c < p; c++) {
		double lambda = pooled ? 1e-9 : REAL_MERGE_PRIOR;
		if (!pooled && held[c]) { /* fixed at 1: an identity row */
			for (int d = 0; d < p; d++)
				gsl_matrix_set(A, (size_t)c, (size_t)d, 0);
			gsl_matrix_set(A, (size_t)c, (size_t)c, 1);
			gsl_vector_set(b, (size_t)c, 1);
			continue;
		}
		gsl_matrix_set(A, (size_t)c, (size_t)c, gsl_matrix_get(A, (size_t)c, (size_t)c) + lambda);
		gsl_vector_set(b, (size_t)c, gsl_vector_get(b, (size_t)c) + lambda * prior_frac);
	}
	if (gsl_linalg_cholesky_decomp1(A) || gsl_linalg_cholesky_solve(A, b, x))
		goto out;
	for (int c = 0; c < nc; c++)
		frac[c] = gsl_vector_get(x, pooled ? 0 : (size_t)c);
	rc = 0;
out:
	gsl_matrix_free(A);
	gsl_vector_free(b);
	gsl_vector_free(x);
	free(row);
	return rc;
}

/* Alternate the largest-shared-part choice and the solve until the choice
 * holds (see merge_fit.h). Returns the rounds, or -1. */
static int alternate(const real_merge_runs *runs, int nc, double prior_frac,
		     int pooled, size_t *largest, char *held, double *frac)
{
	for (int c = 0; c < nc; c++)
		held[c] = 0;
	for (int round = 1; round <= 100; round++) {
		int changed = round == 1;
		for (size_t r = 0; r < runs->n; r++) {
			size_t j = largest_shared(runs, r, frac);
			changed |= j != largest[r];
			largest[r] = j;
		}
		if (solve_fracs(runs, nc, largest, held, prior_frac, pooled, frac))
			return -1;
		for (int c = 0; c < nc; c++)
			if (frac[c] > 1) {
				frac[c] = 1;
				changed |= !held[c] && !pooled;
				held[c] = !pooled;
			}
		if (!changed)
			return round;
	}
	return 100;
}

int real_merge_rel_fit(const real_merge_runs *runs, int n_classes,
		       double *frac, size_t *n_shared_out,
		       real_merge_rel_fit_stats *st, io_err *err)
{
	memset(st, 0, sizeof *st);
	int merged = 0;
	for (size_t r = 0; r < runs->n; r++) {
		merged |= runs->start[r + 1] - runs->start[r] >= 2;
		if (!(runs->merged[r] > 0) || !isfinite(runs->merged[r]))
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "merge fit: run %zu has no positive time", r + 1);
		for (size_t i = runs->start[r]; i < runs->start[r + 1]; i++)
			if (!(runs->t[i] > 0) || !isfinite(runs->t[i]) ||
			    runs->cls[i] < 0 || runs->cls[i] >= n_classes)
				return io_errf(err, IO_EINPUT, NULL, 0,
					       "merge fit: run %zu has an operation "
					       "without a positive single-run time", r + 1);
	}
	if (!n_classes || !merged)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "merge fit: no run merges two or more operations");
	size_t *largest = calloc(runs->n, sizeof *largest);
	char *held = calloc((size_t)n_classes, 1);
	int rc = 0;
	if (!largest || !held) {
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	for (int c = 0; c < n_classes; c++)
		frac[c] = 0.5;
	int rounds = alternate(runs, n_classes, 0, 1, largest, held, frac);
	st->pooled_frac = frac[0];
	if (rounds >= 0)
		rounds = alternate(runs, n_classes, st->pooled_frac, 0, largest, held, frac);
	gsl_set_error_handler(old);
	if (rounds < 0) {
		rc = io_errf(err, IO_EINPUT, NULL, 0, "merge fit: the least-squares "
			     "system is singular");
		goto out;
	}
	st->rounds = rounds;
	if (n_shared_out)
		memset(n_shared_out, 0, (size_t)n_classes * sizeof *n_shared_out);
	double sq = 0;
	for (size_t r = 0; r < runs->n; r++) {
		double S = run_sum(runs, r), longest = 0;
		size_t j = largest_shared(runs, r, frac);
		for (size_t i = runs->start[r]; i < runs->start[r + 1]; i++) {
			if (runs->t[i] > longest)
				longest = runs->t[i];
			if (n_shared_out && i != j)
				n_shared_out[runs->cls[i]]++;
		}
		st->below_longest += runs->merged[r] < longest;
		double d = 100 * (real_merge_rel_predict(runs, r, frac) - runs->merged[r]) / S;
		sq += d * d;
	}
	st->rmse_pts = sqrt(sq / (double)runs->n);
out:
	free(largest);
	free(held);
	return rc;
}

/* ------------------------------------------------- data sets */

int real_merge_video_in(const char *list, long video)
{
	if (!list)
		return 1;
	const char *s = list;
	int in = 0;
	while (*s) {
		char *end;
		if (strncmp(s, "odd", 3) == 0 || strncmp(s, "even", 4) == 0) {
			int odd = s[0] == 'o';
			end = (char *)s + (odd ? 3 : 4);
			in |= video > 0 && (video % 2 == 1) == odd;
		} else {
		long a = strtol(s, &end, 10), b = a;
		if (end == s || a < 0)
			return -1;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a)
				return -1;
		}
		in |= video >= a && video <= b;
		}
		if (*end == ',' && end[1])
			s = end + 1;
		else if (*end)
			return -1;
		else
			s = end;
	}
	return in;
}

typedef struct single_key {
	char *key; /* "op\x1fvideo\x1fsegment" */
	double real, cpu;
	int count;
} single_key;

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const single_key *)a)->key, ((const single_key *)b)->key);
}

static char *make_key(const char *op, const char *video, const char *segment)
{
	size_t n = strlen(op) + strlen(video) + strlen(segment) + 3;
	char *k = malloc(n);
	if (k)
		snprintf(k, n, "%s\x1f%s\x1f%s", op, video, segment);
	return k;
}

static int parse_time(io_csv *r, char *const *f, int col, double *out, io_err *err)
{
	if (io_parse_double(f[col], out) || !(*out >= 0) || *out > IO_MAX_TIME_S)
		return io_csv_errf(r, err, "%s \"%s\" is not a time in seconds",
				   io_csv_header(r)[col], f[col]);
	return 0;
}

/* The singles, sorted by key and averaged per key. */
static int load_singles(const char *path, single_key **out, size_t *n_out,
			io_err *err)
{
	io_csv *r;
	int rc = io_csv_open(&r, path, err);
	if (rc)
		return rc;
	int c_op, c_v, c_s, c_real, c_user, c_sys;
	single_key *a = NULL;
	size_t n = 0, cap = 0;
	if ((rc = io_csv_read_header(r, err)) ||
	    (rc = io_csv_need_col(r, "op", &c_op, err)) ||
	    (rc = io_csv_need_col(r, "video", &c_v, err)) ||
	    (rc = io_csv_need_col(r, "segment", &c_s, err)) ||
	    (rc = io_csv_need_col(r, "real_s", &c_real, err)) ||
	    (rc = io_csv_need_col(r, "user_s", &c_user, err)) ||
	    (rc = io_csv_need_col(r, "sys_s", &c_sys, err)))
		goto out;
	while ((rc = io_csv_next(r, err)) == 1) {
		if ((rc = io_csv_check_width(r, err)))
			goto out;
		char *const *f = io_csv_fields(r);
		double real, user, sys;
		if ((rc = parse_time(r, f, c_real, &real, err)) ||
		    (rc = parse_time(r, f, c_user, &user, err)) ||
		    (rc = parse_time(r, f, c_sys, &sys, err)))
			goto out;
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 1024;
			single_key *b = realloc(a, nc * sizeof *b);
			if (!b) {
				rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
				goto out;
			}
			a = b;
			cap = nc;
		}
		a[n] = (single_key){make_key(f[c_op], f[c_v], f[c_s]), real, user + sys, 1};
		if (!a[n++].key) {
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	rc = 0;
	if (n)
		qsort(a, n, sizeof *a, cmp_key);
	size_t m = 0; /* merge equal keys: their mean */
	for (size_t i = 0; i < n; i++) {
		if (m && strcmp(a[m - 1].key, a[i].key) == 0) {
			a[m - 1].real += a[i].real;
			a[m - 1].cpu += a[i].cpu;
			a[m - 1].count++;
			free(a[i].key);
		} else
			a[m++] = a[i];
	}
	for (size_t i = 0; i < m; i++) {
		a[i].real /= a[i].count;
		a[i].cpu /= a[i].count;
	}
	n = m;
out:
	io_csv_close(r);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(a[i].key);
		free(a);
		a = NULL;
		n = 0;
	}
	*out = a;
	*n_out = n;
	return rc;
}

/* Index of name in *names (appending it if new); -1 out of memory. */
static int intern(char ***names, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp((*names)[i], name) == 0)
			return i;
	char **b = realloc(*names, (size_t)(*n + 1) * sizeof *b);
	if (!b)
		return -1;
	*names = b;
	if (!(b[*n] = strdup(name)))
		return -1;
	return (*n)++;
}

/* Room for one more run of up to k more operations. */
static int grow(real_merge_data *d, size_t *cap_runs, size_t *cap_ops, size_t k)
{
	size_t ops = d->start[d->n] + k;
	if (d->n + 2 > *cap_runs) {
		size_t c = 2 * *cap_runs + 64;
		void *p1 = realloc(d->start, c * sizeof *d->start);
		if (p1) d->start = p1;
		void *p2 = realloc(d->merged_real, c * sizeof *d->merged_real);
		if (p2) d->merged_real = p2;
		void *p3 = realloc(d->merged_cpu, c * sizeof *d->merged_cpu);
		if (p3) d->merged_cpu = p3;
		void *p4 = realloc(d->line, c * sizeof *d->line);
		if (p4) d->line = p4;
		void *p5 = realloc(d->group, c * sizeof *d->group);
		if (p5) d->group = p5;
		if (!p1 || !p2 || !p3 || !p4 || !p5)
			return -1;
		*cap_runs = c;
	}
	if (ops > *cap_ops) {
		size_t c = 2 * ops + 256;
		void *p1 = realloc(d->cls, c * sizeof *d->cls);
		if (p1) d->cls = p1;
		void *p2 = realloc(d->t_real, c * sizeof *d->t_real);
		if (p2) d->t_real = p2;
		void *p3 = realloc(d->t_cpu, c * sizeof *d->t_cpu);
		if (p3) d->t_cpu = p3;
		if (!p1 || !p2 || !p3)
			return -1;
		*cap_ops = c;
	}
	return 0;
}

int real_merge_data_load(const char *merged, const char *singles,
			 const char *videos, real_merge_data *d, io_err *err)
{
	memset(d, 0, sizeof *d);
	if (real_merge_video_in(videos, 0) < 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "bad video list \"%s\" (e.g. 1-25,40)", videos);
	single_key *keys;
	size_t n_keys;
	int rc = load_singles(singles, &keys, &n_keys, err);
	if (rc)
		return rc;
	io_csv *r = NULL;
	size_t cap_runs = 0, cap_ops = 0;
	d->start = calloc(1, sizeof *d->start);
	if (!d->start || (rc = io_csv_open(&r, merged, err)))
		goto out;
	int c_ops, c_v, c_s, c_real, c_user, c_sys;
	int c_group, c_status;
	if ((rc = io_csv_read_header(r, err)) ||
	    (rc = io_csv_need_col(r, "ops", &c_ops, err)) ||
	    (rc = io_csv_need_col(r, "video", &c_v, err)) ||
	    (rc = io_csv_need_col(r, "segment", &c_s, err)) ||
	    (rc = io_csv_need_col(r, "merged_real_s", &c_real, err)) ||
	    (rc = io_csv_need_col(r, "merged_user_s", &c_user, err)) ||
	    (rc = io_csv_need_col(r, "merged_sys_s", &c_sys, err)))
		goto out;
	c_group = io_csv_col(r, "group");
	c_status = io_csv_col(r, "match_status");
	while ((rc = io_csv_next(r, err)) == 1) {
		if ((rc = io_csv_check_width(r, err)))
			goto out;
		char *const *f = io_csv_fields(r);
		double video;
		if (io_parse_double(f[c_v], &video) || video != floor(video) ||
		    fabs(video) > 1e9) {
			rc = io_csv_errf(r, err, "video \"%s\" is not a whole number", f[c_v]);
			goto out;
		}
		if (!real_merge_video_in(videos, (long)video))
			continue;
		if (!f[c_ops][0] || (c_status >= 0 && strcmp(f[c_status], "ok") != 0)) {
			d->skipped++;
			continue;
		}
		double real, user, sys;
		if ((rc = parse_time(r, f, c_real, &real, err)) ||
		    (rc = parse_time(r, f, c_user, &user, err)) ||
		    (rc = parse_time(r, f, c_sys, &sys, err)))
			goto out;
		size_t k = 1;
		for (const char *c = f[c_ops]; *c; c++)
			k += *c == '+';
		if (grow(d, &cap_runs, &cap_ops, k)) {
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			goto out;
		}
		size_t at = d->start[d->n];
		char *ops = f[c_ops];
		for (char *tok = ops, *next; tok; tok = next) {
			next = strchr(tok, '+');
			if (next)
				*next++ = 0;
			if (!*tok) {
				rc = io_csv_errf(r, err, "an empty operation in ops");
				goto out;
			}
			char *key = make_key(tok, f[c_v], f[c_s]), cls[128];
			if (!key) {
				rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
				goto out;
			}
			single_key probe = {.key = key};
			single_key *hit = n_keys ? bsearch(&probe, keys, n_keys, sizeof *keys, cmp_key) : NULL;
			free(key);
			if (!hit) {
				rc = io_csv_errf(r, err, "no single run of \"%s\" on video %s "
						 "segment %s in %s", tok, f[c_v], f[c_s], singles);
				goto out;
			}
			if (!(hit->real > 0) || !(hit->cpu > 0)) {
				rc = io_csv_errf(r, err, "the single run of \"%s\" on video %s "
						 "segment %s takes no time", tok, f[c_v], f[c_s]);
				goto out;
			}
			real_merge_op_class(tok, cls, sizeof cls);
			int c = intern(&d->classes, &d->n_classes, cls);
			if (c < 0) {
				rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
				goto out;
			}
			d->cls[at] = c;
			d->t_real[at] = hit->real;
			d->t_cpu[at++] = hit->cpu;
		}
		int g = intern(&d->groups, &d->n_groups, c_group >= 0 ? f[c_group] : "");
		if (g < 0) {
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			goto out;
		}
		if (!(real > 0) || !(user + sys > 0)) {
			rc = io_csv_errf(r, err, "the merged run takes no time");
			goto out;
		}
		d->merged_real[d->n] = real;
		d->merged_cpu[d->n] = user + sys;
		d->line[d->n] = io_csv_line(r);
		d->group[d->n] = g;
		d->start[++d->n] = at;
	}
	if (rc > 0)
		rc = 0;
out:
	io_csv_close(r);
	for (size_t i = 0; i < n_keys; i++)
		free(keys[i].key);
	free(keys);
	if (rc)
		real_merge_data_free(d);
	return rc;
}

void real_merge_data_free(real_merge_data *d)
{
	free(d->start);
	free(d->cls);
	free(d->t_real);
	free(d->t_cpu);
	free(d->merged_real);
	free(d->merged_cpu);
	free(d->line);
	free(d->group);
	for (int i = 0; i < d->n_classes; i++)
		free(d->classes[i]);
	for (int i = 0; i < d->n_groups; i++)
		free(d->groups[i]);
	free(d->classes);
	free(d->groups);
	memset(d, 0, sizeof *d);
}

real_merge_runs real_merge_data_runs(const real_merge_data *d, int cpu)
{
	return (real_merge_runs){d->n, d->start, d->cls, cpu ? d->t_cpu : d->t_real,
				 cpu ? d->merged_cpu : d->merged_real};
}

/* ------------------------------------------------- campaign ratios */

size_t real_merge_longest(const real_merge_runs *runs, size_t r)
{
	size_t best = runs->start[r];
	for (size_t i = best + 1; i < runs->start[r + 1]; i++)
		if (runs->t[i] > runs->t[best])
			best = i;
	return best;
}

double real_merge_ratio_predict(const real_merge_runs *runs, size_t r,
				const double *frac, const double *ratio)
{
	return ratio[runs->cls[real_merge_longest(runs, r)]] *
	       real_merge_rel_predict(runs, r, frac);
}

/* One Gauss-Newton step for (ratio, frac) together: the residual of run r
 * is ratio_d (1 - sum_c frac_c x_rc) - y_r (d its longest class, x_rc its
 * class-c operations other than the largest shared part over the sum S,
 * y_r its time over S), with the priors ratio -> 1 and frac -> prior_frac.
 * Returns the largest change, or -1 (singular / no memory). */
static double ratio_step(const real_merge_runs *runs, int nc, double prior_frac,
			 double *frac, double *ratio)
{
	size_t p = 2 * (size_t)nc;
	gsl_matrix *A = gsl_matrix_calloc(p, p);
	gsl_vector *b = gsl_vector_calloc(p), *x = gsl_vector_alloc(p);
	double *row = calloc((size_t)nc, sizeof *row), change = -1;
	double *J = calloc(p, sizeof *J);
	if (!A || !b || !x || !row || !J)
		goto out;
	for (size_t r = 0; r < runs->n; r++) {
		double S = run_sum(runs, r);
		size_t j = largest_shared(runs, r, frac);
		int d = runs->cls[real_merge_longest(runs, r)];
		memset(row, 0, (size_t)nc * sizeof *row);
		double fx = 0;
		for (size_t i = runs->start[r]; i < runs->start[r + 1]; i++)
			if (i != j)
				row[runs->cls[i]] += runs->t[i] / S;
		for (int c = 0; c < nc; c++)
			fx += frac[c] * row[c];
		double e = ratio[d] * (1 - fx) - runs->merged[r] / S;
		memset(J, 0, p * sizeof *J);
		J[d] = 1 - fx;
		for (int c = 0; c < nc; c++)
			J[(size_t)nc + (size_t)c] = -ratio[d] * row[c];
		for (size_t u = 0; u < p; u++) {
			if (J[u] == 0)
				continue;
			gsl_vector_set(b, u, gsl_vector_get(b, u) - J[u] * e);
			for (size_t v = 0; v < p; v++)
				if (J[v] != 0)
					gsl_matrix_set(A, u, v, gsl_matrix_get(A, u, v) + J[u] * J[v]);
		}
	}
	for (int c = 0; c < nc; c++) {
		size_t u = (size_t)c, v = (size_t)nc + (size_t)c;
		gsl_matrix_set(A, u, u, gsl_matrix_get(A, u, u) + REAL_MERGE_PRIOR);
		gsl_vector_set(b, u, gsl_vector_get(b, u) - REAL_MERGE_PRIOR * (ratio[c] - 1));
		gsl_matrix_set(A, v, v, gsl_matrix_get(A, v, v) + REAL_MERGE_PRIOR);
		gsl_vector_set(b, v, gsl_vector_get(b, v) - REAL_MERGE_PRIOR * (frac[c] - prior_frac));
	}
	if (gsl_linalg_cholesky_decomp1(A) || gsl_linalg_cholesky_solve(A, b, x))
		goto out;
	change = 0;
	for (int c = 0; c < nc; c++) {
		double dr = gsl_vector_get(x, (size_t)c), df = gsl_vector_get(x, (size_t)(nc + c));
		ratio[c] = fmax(ratio[c] + dr, 1e-3);
		frac[c] = fmin(frac[c] + df, 1.0);
		change = fmax(change, fmax(fabs(dr), fabs(df)));
	}
out:
	gsl_matrix_free(A);
	gsl_vector_free(b);
	gsl_vector_free(x);
	free(row);
	free(J);
	return change;
}

int real_merge_ratio_fit(const real_merge_runs *runs, int n_classes,
			 double *frac, double *ratio, size_t *n_shared_out,
			 real_merge_rel_fit_stats *st, io_err *err)
{
	int rc = real_merge_rel_fit(runs, n_classes, frac, n_shared_out, st, err);
	if (rc)
		return rc;
	for (int c = 0; c < n_classes; c++)
		ratio[c] = 1;
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	double change = 1;
	int round;
	for (round = 0; round < 100 && change > 1e-9; round++)
		change = ratio_step(runs, n_classes, st->pooled_frac, frac, ratio);
	gsl_set_error_handler(old);
	if (change < 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "merge fit: the least-squares system of the ratios is singular");
	st->rounds += round;
	/* the statistics of the whole model on the measured times */
	double sq = 0;
	st->below_longest = 0;
	if (n_shared_out)
		memset(n_shared_out, 0, (size_t)n_classes * sizeof *n_shared_out);
	for (size_t r = 0; r < runs->n; r++) {
		double S = run_sum(runs, r);
		double d = 100 * (real_merge_ratio_predict(runs, r, frac, ratio) - runs->merged[r]) / S;
		sq += d * d;
		st->below_longest += runs->merged[r] < runs->t[real_merge_longest(runs, r)];
		size_t j = largest_shared(runs, r, frac);
		for (size_t i = runs->start[r]; n_shared_out && i < runs->start[r + 1]; i++)
			n_shared_out[runs->cls[i]] += i != j;
	}
	st->rmse_pts = runs->n ? sqrt(sq / (double)runs->n) : NAN;
	return 0;
}
