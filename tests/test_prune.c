/* tests/test_prune.c — discretised distributions (profiles/pmf.h) against
 * closed forms and Monte Carlo, and the pruning success probability
 * (policies/prune.h) against Monte Carlo of the queue it models, on
 * hand-built views; then its caches. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_rng.h>
#include "policies/prune.h"
#include "profiles/fit.h"
#include "profiles/pmf.h"
#include "sim/base/rng.h"
#include "tests/tests.h"

/* Task types on two machine types, "one" (1 slot) and "two" (2 slots,
 * somewhat different times), every kind of model a queue may hold. */
static const char profile_json[] =
	"{\"machine_types\": [{\"name\": \"one\"}, {\"name\": \"two\", "
	"\"slots\": 2}],\n"
	" \"task_types\": [{\"name\": \"logn\"}, {\"name\": \"gam\"}, "
	"{\"name\": \"emp\"}, {\"name\": \"expo\"}, {\"name\": \"unif\"}, "
	"{\"name\": \"const\"}, {\"name\": \"replay\"}, {\"name\": \"pet\"}, "
	"{\"name\": \"onlyone\"}],\n"
	" \"exec\": [\n"
	"  {\"task\": \"logn\", \"machine\": \"one\", \"model\": "
	"\"lognormal\", "
	"\"mu\": -0.6, \"sigma\": 0.35},\n"
	"  {\"task\": \"gam\", \"machine\": \"one\", \"model\": \"gamma\", "
	"\"shape\": 2, \"scale\": 0.3},\n"
	"  {\"task\": \"emp\", \"machine\": \"one\", \"model\": \"empirical\", "
	"\"samples\": [0.2, 0.35, 0.4, 0.55, 0.6, 0.8, 0.95, 1.1]},\n"
	"  {\"task\": \"expo\", \"machine\": \"one\", \"model\": "
	"\"exponential\", \"mean\": 1},\n"
	"  {\"task\": \"unif\", \"machine\": \"one\", \"model\": \"uniform\", "
	"\"min\": 0, \"max\": 2},\n"
	"  {\"task\": \"const\", \"machine\": \"one\", \"model\": "
	"\"constant\", "
	"\"value\": 1},\n"
	"  {\"task\": \"replay\", \"machine\": \"one\", \"model\": \"replay\", "
	"\"samples\": [0.3, 0.5, 0.5, 0.9]},\n"
	"  {\"task\": \"pet\", \"machine\": \"one\", \"model\": \"pet\", "
	"\"bins\": [[0.4, 0.5], [0.7, 0.3], [1.0, 0.2]]},\n"
	"  {\"task\": \"onlyone\", \"machine\": \"one\", \"model\": "
	"\"constant\", \"value\": 0.5},\n"
	"  {\"task\": \"logn\", \"machine\": \"two\", \"model\": "
	"\"lognormal\", "
	"\"mu\": -0.4, \"sigma\": 0.3},\n"
	"  {\"task\": \"gam\", \"machine\": \"two\", \"model\": \"gamma\", "
	"\"shape\": 3, \"scale\": 0.25},\n"
	"  {\"task\": \"emp\", \"machine\": \"two\", \"model\": \"empirical\", "
	"\"samples\": [0.3, 0.45, 0.5, 0.7, 0.75, 0.9, 1.2, 1.4]},\n"
	"  {\"task\": \"expo\", \"machine\": \"two\", \"model\": "
	"\"exponential\", \"mean\": 0.8},\n"
	"  {\"task\": \"unif\", \"machine\": \"two\", \"model\": \"uniform\", "
	"\"min\": 0.5, \"max\": 1.5},\n"
	"  {\"task\": \"const\", \"machine\": \"two\", \"model\": "
	"\"constant\", "
	"\"value\": 0.8},\n"
	"  {\"task\": \"replay\", \"machine\": \"two\", \"model\": \"replay\", "
	"\"samples\": [0.4, 0.6, 0.6, 1.0]},\n"
	"  {\"task\": \"pet\", \"machine\": \"two\", \"model\": \"pet\", "
	"\"bins\": [[0.5, 0.5], [0.8, 0.3], [1.1, 0.2]]}\n"
	" ]}\n";

enum { LOGN, GAM, EMP, EXPO, UNIF, CONST, REPLAY, PET, ONLYONE, N_TT };
enum { M_ONE, M_TWO, N_M, MAX_Q = 64, MC_RUNS = 100000 };

static prof_profile *load_profile(void)
{
	prof_profile *p = NULL;
	io_err err = {0};
	ck_assert_msg(prof_load(&p, test_write("prune.json", profile_json),
				&err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(prof_task_index(p, "pet"), PET);
	ck_assert_int_eq(prof_machine_index(p, "two"), M_TWO);
	return p;
}

static const prof_model *model(const prof_profile *p, uint32_t tt, uint32_t mt)
{
	return prof_model_at(p, tt, mt);
}

static double pmf_mean(const prof_pmf *x)
{
	double s = 0;
	for (uint32_t k = 0; k < x->n; k++)
		s += ((double)k + 0.5) * x->h * x->p[k];
	return s;
}

static double pmf_total(const prof_pmf *x)
{
	double s = x->tail;
	for (uint32_t k = 0; k < x->n; k++)
		s += x->p[k];
	return s;
}

/* ---- pmf ----------------------------------------------------------------- */

START_TEST(exponential_bins_are_exact_and_cdf_within_a_bin)
{
	prof_profile *p = load_profile();
	const prof_model *m = model(p, EXPO, M_ONE); /* mean 1 */
	const double h = 0.01;
	prof_pmf x = {0};
	ck_assert_int_eq(prof_pmf_from_model(&x, m, h, 100000), 0);
	for (uint32_t k = 0; k < x.n; k++) {
		double want = exp(-(double)k * h) - exp(-(double)(k + 1) * h);
		tck_assert_msg(fabs(x.p[k] - want) < 1e-15,
			      "bin %u: %.17g vs %.17g", k, x.p[k], want);
	}
	/* the grid stops once what is left is below 1e-9: that is the tail */
	ck_assert_msg(fabs(x.tail - exp(-(double)x.n * h)) < 1e-15, "tail %g",
		      x.tail);
	ck_assert(x.tail <= 1e-9 && x.tail > 1e-9 * exp(-h));
	ck_assert(fabs(pmf_total(&x) - 1.0) < 1e-12);
	/* exact at the grid points, linear in between: F(t - h) <= cdf(t) <=
	 * F(t + h) */
	for (double t = 0; t < 12; t += 0.0037) {
		double c = prof_pmf_cdf(&x, t);
		tck_assert(c >= -expm1(-fmax(t - h, 0)) - 1e-12);
		tck_assert(c <= -expm1(-(t + h)) + 1e-12);
	}
	for (uint32_t k = 0; k < 500; k += 7)
		ck_assert(fabs(prof_pmf_cdf(&x, k * h) +
			       expm1(-(double)k * h)) < 1e-12);
	/* cut at max_bins: the rest is the tail */
	ck_assert_int_eq(prof_pmf_from_model(&x, m, h, 100), 0);
	ck_assert_uint_eq(x.n, 100);
	ck_assert(fabs(x.tail - exp(-1.0)) < 1e-15);
	ck_assert(fabs(prof_pmf_cdf(&x, 5.0) + expm1(-1.0)) < 1e-12);
	prof_pmf_free(&x);
	prof_free(p);
}
END_TEST

START_TEST(point_masses_are_smoothed_over_one_bin_keeping_the_mean)
{
	prof_profile *p = load_profile();
	prof_pmf x = {0};
	/* constant 1 with h = 0.25: the box [0.875, 1.125) covers half of
	 * bin 3 [0.75, 1) and half of bin 4 [1, 1.25) */
	ck_assert_int_eq(
		prof_pmf_from_model(&x, model(p, CONST, M_ONE), 0.25, 1000), 0);
	ck_assert_uint_eq(x.n, 5);
	ck_assert(x.p[0] == 0 && x.p[1] == 0 && x.p[2] == 0);
	ck_assert(fabs(x.p[3] - 0.5) < 1e-15 && fabs(x.p[4] - 0.5) < 1e-15);
	ck_assert(fabs(prof_pmf_cdf(&x, 1.0) - 0.5) < 1e-15);
	ck_assert(prof_pmf_cdf(&x, 1.25) == 1.0 && prof_pmf_cdf(&x, 0.75) == 0);
	/* replay, pet, constant: the mean is kept exactly */
	const uint32_t atomic[] = {CONST, REPLAY, PET};
	for (size_t i = 0; i < 3; i++)
		for (double h = 0.003; h < 0.2; h *= 1.7) {
			const prof_model *m = model(p, atomic[i], M_ONE);
			ck_assert_int_eq(prof_pmf_from_model(&x, m, h, 100000),
					 0);
			ck_assert(fabs(pmf_total(&x) - 1.0) < 1e-12);
			ck_assert_msg(fabs(pmf_mean(&x) - m->mean) < 1e-12,
				      "type %u h %g: %.15g vs %.15g", atomic[i],
				      h, pmf_mean(&x), m->mean);
		}
	/* a pair that cannot run never finishes */
	ck_assert_int_eq(
		prof_pmf_from_model(&x, model(p, ONLYONE, M_TWO), 0.01, 100),
		0);
	ck_assert(x.n == 0 && x.tail == 1.0 && prof_pmf_cdf(&x, 1e9) == 0);
	ck_assert_int_eq(prof_pmf_from_model(&x, model(p, CONST, M_ONE), 0, 10),
			 IO_EINPUT);
	prof_pmf_free(&x);
	prof_free(p);
}
END_TEST

/* Erlang-2 of rate 1: the sum of two exponentials of mean 1. */
static double erlang2_cdf(double t)
{
	return t <= 0 ? 0 : 1.0 - exp(-t) * (1.0 + t);
}

START_TEST(two_exponentials_convolve_to_erlang2)
{
	prof_profile *p = load_profile();
	prof_pmf a = {0}, s = {0};
	ck_assert_int_eq(
		prof_pmf_from_model(&a, model(p, EXPO, M_ONE), 0.01, 4096), 0);
	ck_assert_int_eq(prof_pmf_convolve(&s, &a, &a, 4096), 0);
	double worst = 0;
	for (double t = 0; t <= 15; t += 0.05)
		worst = fmax(worst, fabs(prof_pmf_cdf(&s, t) - erlang2_cdf(t)));
	printf("pmf: exp(1) (+) exp(1) vs Erlang-2, h 0.01: max |dCDF| %.2e\n",
	       worst);
	ck_assert_msg(worst < 0.005, "%g", worst);
	/* means add exactly under the bin convention (up to the < 1e-9 of
	 * mass trimmed off each far end); mass is kept */
	ck_assert(fabs(pmf_mean(&s) - 2 * pmf_mean(&a)) < 1e-6);
	ck_assert(fabs(pmf_total(&s) - 1.0) < 1e-12);
	/* cut at 300 bins: the rest is in the tail */
	ck_assert_int_eq(prof_pmf_convolve(&s, &a, &a, 300), 0);
	ck_assert_uint_eq(s.n, 300);
	ck_assert(fabs(s.tail - (1 - erlang2_cdf(3.0))) < 0.005);
	ck_assert(fabs(pmf_total(&s) - 1.0) < 1e-12);
	ck_assert_int_eq(prof_pmf_convolve(&s, &a, &s, 300), IO_EINPUT);
	prof_pmf_free(&a);
	prof_pmf_free(&s);
	prof_free(p);
}
END_TEST

static double draw(const prof_model *m, gsl_rng *r)
{
	return prof_model_quantile(m, gsl_rng_uniform_pos(r));
}

START_TEST(gamma_plus_lognormal_matches_monte_carlo)
{
	prof_profile *p = load_profile();
	const prof_model *g = model(p, GAM, M_ONE), *l = model(p, LOGN, M_ONE);
	prof_pmf a = {0}, b = {0}, s = {0};
	ck_assert_int_eq(prof_pmf_from_model(&a, g, 0.005, 4096), 0);
	ck_assert_int_eq(prof_pmf_from_model(&b, l, 0.005, 4096), 0);
	ck_assert_int_eq(prof_pmf_convolve(&s, &a, &b, 4096), 0);
	enum { N = 200000 };
	double *x = malloc(N * sizeof *x);
	gsl_rng *r = sim_rng_new(7, SIM_STREAM_WORKLOAD_AUX);
	for (int i = 0; i < N; i++)
		x[i] = draw(g, r) + draw(l, r);
	double worst = 0;
	for (double t = 0.2; t < 3.0; t += 0.1) {
		int below = 0;
		for (int i = 0; i < N; i++)
			below += x[i] <= t;
		worst = fmax(worst,
			     fabs(prof_pmf_cdf(&s, t) - (double)below / N));
	}
	printf("pmf: gamma(2, 0.3) (+) lognormal(-0.6, 0.35) vs %d draws: max "
	       "|dCDF| %.4f\n",
	       N, worst);
	ck_assert_msg(worst < 0.01, "%g", worst);
	ck_assert(fabs(pmf_mean(&s) - g->mean - l->mean) < 1e-4);
	gsl_rng_free(r);
	free(x);
	prof_pmf_free(&a);
	prof_pmf_free(&b);
	prof_pmf_free(&s);
	prof_free(p);
}
END_TEST

START_TEST(residuals_memoryless_exponential_and_uniform_remainder)
{
	prof_profile *p = load_profile();
	prof_pmf x = {0}, r = {0};
	const double h = 0.01;
	ck_assert_int_eq(
		prof_pmf_from_model(&x, model(p, EXPO, M_ONE), h, 100000), 0);
	const double elapsed[] = {0, 0.7, 0.705, 2.3333};
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(prof_pmf_residual(&r, &x, elapsed[i]), 0);
		for (double t = 0; t < 8; t += 0.013)
			tck_assert_msg(fabs(prof_pmf_cdf(&r, t) + expm1(-t)) <
					      0.005,
				      "e %g t %g: %g", elapsed[i], t,
				      prof_pmf_cdf(&r, t));
	}
	/* uniform(0, 2) after 1.5 is uniform(0, 0.5); bins line up, so
	 * exactly */
	ck_assert_int_eq(
		prof_pmf_from_model(&x, model(p, UNIF, M_ONE), h, 100000), 0);
	ck_assert_int_eq(prof_pmf_residual(&r, &x, 1.5), 0);
	for (double t = 0; t <= 0.7; t += 0.0071)
		ck_assert_msg(fabs(prof_pmf_cdf(&r, t) - fmin(t / 0.5, 1)) <
				      1e-9,
			      "t %g: %g", t, prof_pmf_cdf(&r, t));
	/* after 1.505 (half a bin): uniform(0, 0.495), to within a bin */
	ck_assert_int_eq(prof_pmf_residual(&r, &x, 1.505), 0);
	for (double t = 0; t <= 0.7; t += 0.0071)
		ck_assert(fabs(prof_pmf_cdf(&r, t) - fmin(t / 0.495, 1)) <
			  h / 0.495 + 1e-9);
	ck_assert(fabs(pmf_total(&r) - 1.0) < 1e-12);
	/* past the end of the model: due now, within the next bin */
	ck_assert_int_eq(prof_pmf_residual(&r, &x, 2.5), 0);
	ck_assert(r.n == 1 && r.p[0] == 1.0 && r.tail == 0);
	prof_pmf_free(&x);
	prof_pmf_free(&r);
	prof_free(p);
}
END_TEST

/* ---- a hand-built view --------------------------------------------------- */

typedef struct pfix {
	prof_profile *prof;
	sim_machine_view mv[N_M];
	double run_end[N_M][2], run_start[N_M][2];
	uint32_t run_type[N_M][2];
	uint32_t queue[N_M][MAX_Q], qlen[N_M];
	double etc[N_TT * N_M];
	sim_view v;
} pfix;

static uint32_t fix_queue_types(const void *engine, uint32_t m, uint32_t *out,
				uint32_t cap)
{
	const pfix *f = engine;
	for (uint32_t i = 0; i < f->qlen[m] && i < cap; i++)
		out[i] = f->queue[m][i];
	return f->qlen[m];
}

/* now = 100; machine m of type m, idle, unbounded queue. */
static void fix_build(pfix *f)
{
	memset(f, 0, sizeof *f);
	f->prof = load_profile();
	for (uint32_t m = 0; m < N_M; m++) {
		f->mv[m].type = m;
		f->mv[m].slots = m == M_TWO ? 2 : 1;
		f->mv[m].queue_cap = SIM_UNBOUNDED;
		f->mv[m].run_end_s = f->run_end[m];
		f->mv[m].run_start_s = f->run_start[m];
		f->mv[m].run_type = f->run_type[m];
		f->run_end[m][0] = f->run_end[m][1] = -INFINITY;
		f->mv[m].version = 1;
	}
	for (uint32_t tt = 0; tt < N_TT; tt++)
		for (uint32_t m = 0; m < N_M; m++)
			f->etc[tt * N_M + m] = prof_mean(f->prof, tt, m);
	f->v.now = 100;
	f->v.n_machines = N_M;
	f->v.machines = f->mv;
	f->v.n_machine_types = N_M;
	f->v.n_task_types = N_TT;
	f->v.etc = f->etc;
	f->v.profile = f->prof;
	f->v.queue_types = fix_queue_types;
	f->v.engine = f;
}

static void fix_run(pfix *f, uint32_t m, uint32_t slot, uint32_t tt,
		    double start_s)
{
	if (f->run_end[m][slot] == -INFINITY)
		f->mv[m].busy++;
	f->run_type[m][slot] = tt;
	f->run_start[m][slot] = start_s;
	f->run_end[m][slot] = start_s + prof_mean(f->prof, tt, m);
	f->mv[m].version++;
}

static void fix_queue(pfix *f, uint32_t m, const uint32_t *types, uint32_t n)
{
	ck_assert(n <= MAX_Q);
	memcpy(f->queue[m], types, n * sizeof *types);
	f->qlen[m] = n;
	f->mv[m].queued = n;
	f->mv[m].version++;
}

static pol_prune *fix_pruner(const pfix *f, double h)
{
	pol_prune *pr = NULL;
	io_err err = {0};
	ck_assert_msg(pol_prune_new(&pr, f->prof, h, 4096, &err) == 0, "%s",
		      err.msg);
	return pr;
}

/* Remaining time of a task of model m that has run for e: X - e given
 * X > e, by inverse CDF above F(e). */
static double draw_residual(const prof_model *m, double e, gsl_rng *r)
{
	double fe = prof_model_cdf(m, e);
	double u = fe + (1 - fe) * gsl_rng_uniform_pos(r);
	return fmax(prof_model_quantile(m, fmin(u, 1 - 1e-16)) - e, 0.0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Monte Carlo of the finish time (after now) of a task of type tt appended
 * to machine m of f: fifo = 1 simulates the FIFO multi-slot service
 * (queued task i takes the slot that frees first); fifo = 0 draws the
 * approximation prune.h defines, min_s R_s + sum Q / slots + X. */
static void monte_carlo(const pfix *f, uint32_t m, uint32_t tt, int fifo,
			uint64_t seed, double *out, int n)
{
	const sim_machine_view *mv = &f->mv[m];
	gsl_rng *r = sim_rng_new(seed, SIM_STREAM_WORKLOAD_AUX);
	for (int i = 0; i < n; i++) {
		double free_at[2] = {0, 0};
		for (uint32_t s = 0; s < mv->slots; s++)
			if (f->run_end[m][s] != -INFINITY)
				free_at[s] = draw_residual(
					model(f->prof, f->run_type[m][s],
					      mv->type),
					f->v.now - f->run_start[m][s], r);
		double q = 0;
		for (uint32_t k = 0; k < f->qlen[m]; k++) {
			double x = draw(
				model(f->prof, f->queue[m][k], mv->type), r);
			uint32_t s = mv->slots > 1 && free_at[1] < free_at[0];
			if (fifo)
				free_at[s] += x;
			else
				q += x;
		}
		double start = mv->slots > 1 ? fmin(free_at[0], free_at[1])
					     : free_at[0];
		out[i] = start + q / mv->slots +
			 draw(model(f->prof, tt, mv->type), r);
	}
	gsl_rng_free(r);
}

static double frac_at_most(const double *x, int n, double t)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		k += x[i] <= t;
	return (double)k / n;
}

/* Deadlines (after now) at the levels' quantiles of the MC sample, and the
 * largest |engine - MC| over them. */
static double worst_vs_mc(pol_prune *pr, pfix *f, uint32_t m, uint32_t tt,
			  const double *x, int n, const char *what)
{
	double *sorted = malloc((size_t)n * sizeof *sorted);
	memcpy(sorted, x, (size_t)n * sizeof *x);
	qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
	const double levels[] = {0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95};
	double worst = 0;
	printf("prune %s:", what);
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		double t = sorted[(int)(levels[i] * n)];
		double mc = frac_at_most(x, n, t);
		double got = pol_prune_success(pr, &f->v, m, tt, f->v.now + t);
		printf(" %.3f/%.3f", got, mc);
		worst = fmax(worst, fabs(got - mc));
	}
	printf("  max |diff| %.4f\n", worst);
	free(sorted);
	return worst;
}

START_TEST(single_slot_success_matches_monte_carlo)
{
	static pfix f;
	fix_build(&f);
	/* running: a lognormal started 0.4 s ago (about its mean's
	 * 0.58 s); queued: gamma, empirical, lognormal; new: gamma */
	fix_run(&f, M_ONE, 0, LOGN, f.v.now - 0.4);
	const uint32_t q[] = {GAM, EMP, LOGN};
	fix_queue(&f, M_ONE, q, 3);
	pol_prune *pr = fix_pruner(&f, pol_prune_default_step(f.prof));
	double *x = malloc(MC_RUNS * sizeof *x);
	monte_carlo(&f, M_ONE, GAM, 1, 11, x, MC_RUNS);
	double worst = worst_vs_mc(pr, &f, M_ONE, GAM, x, MC_RUNS,
				   "1 slot, running logn, queue gam emp logn");
	ck_assert_msg(worst < 0.01, "%g", worst);
	/* an empirical task running, a different new type */
	fix_run(&f, M_ONE, 0, EMP, f.v.now - 0.5);
	monte_carlo(&f, M_ONE, EXPO, 1, 12, x, MC_RUNS);
	worst = worst_vs_mc(
		pr, &f, M_ONE, EXPO, x, MC_RUNS,
		"1 slot, running emp, queue gam emp logn, new expo");
	ck_assert_msg(worst < 0.01, "%g", worst);
	free(x);
	pol_prune_free(pr);
	prof_free(f.prof);
}
END_TEST

START_TEST(success_equals_the_explicit_convolution)
{
	static pfix f;
	fix_build(&f);
	fix_run(&f, M_ONE, 0, LOGN, f.v.now - 0.4);
	const uint32_t q[] = {GAM, EMP, LOGN};
	fix_queue(&f, M_ONE, q, 3);
	const double h = 0.01;
	pol_prune *pr = fix_pruner(&f, h);
	/* R (+) ((gam (+) emp (+) logn) (+) X), read at t */
	prof_pmf pm[5] = {{0}}, a = {0}, b = {0}, r = {0};
	const uint32_t types[] = {LOGN, GAM, EMP, LOGN, GAM};
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(prof_pmf_from_model(
					 &pm[i], model(f.prof, types[i], M_ONE),
					 h, 4096),
				 0);
	ck_assert_int_eq(prof_pmf_residual(&r, &pm[0], 0.4), 0);
	ck_assert_int_eq(prof_pmf_convolve(&a, &pm[1], &pm[2], 4096), 0);
	ck_assert_int_eq(prof_pmf_convolve(&b, &a, &pm[3], 4096), 0);
	ck_assert_int_eq(prof_pmf_convolve(&a, &b, &pm[4], 4096), 0);
	ck_assert_int_eq(prof_pmf_convolve(&b, &r, &a, 4096), 0);
	for (double t = 0.1; t < 6; t += 0.0123) {
		double want = prof_pmf_cdf(&b, t);
		double got =
			pol_prune_success(pr, &f.v, M_ONE, GAM, f.v.now + t);
		ck_assert_msg(fabs(got - want) < 1e-8, "t %g: %.12g vs %.12g",
			      t, got, want);
	}
	/* idle machine, nothing queued: the task's own CDF; edge cases */
	fix_queue(&f, M_ONE, q, 0);
	f.run_end[M_ONE][0] = -INFINITY;
	f.mv[M_ONE].busy = 0;
	f.mv[M_ONE].version++;
	for (double t = 0.05; t < 6; t += 0.05)
		ck_assert(fabs(pol_prune_success(pr, &f.v, M_ONE, EXPO,
						 f.v.now + t) +
			       expm1(-t)) < 1e-12);
	ck_assert(pol_prune_success(pr, &f.v, M_ONE, EXPO, f.v.now) == 0);
	ck_assert(pol_prune_success(pr, &f.v, M_ONE, EXPO, f.v.now - 1) == 0);
	ck_assert(pol_prune_success(pr, &f.v, M_ONE, EXPO, INFINITY) == 1);
	ck_assert(pol_prune_success(pr, &f.v, M_TWO, ONLYONE, f.v.now + 50) ==
		  0);
	for (int i = 0; i < 5; i++)
		prof_pmf_free(&pm[i]);
	prof_pmf_free(&a);
	prof_pmf_free(&b);
	prof_pmf_free(&r);
	pol_prune_free(pr);
	prof_free(f.prof);
}
END_TEST

START_TEST(two_slots_approximation_vs_fifo_monte_carlo)
{
	static pfix f;
	fix_build(&f);
	fix_run(&f, M_TWO, 0, LOGN, f.v.now - 0.2);
	fix_run(&f, M_TWO, 1, GAM, f.v.now - 0.5);
	pol_prune *pr = fix_pruner(&f, pol_prune_default_step(f.prof));
	double *x = malloc(MC_RUNS * sizeof *x);
	/* no queue: the task takes the first slot to free up, exactly */
	monte_carlo(&f, M_TWO, GAM, 1, 21, x, MC_RUNS);
	double worst = worst_vs_mc(pr, &f, M_TWO, GAM, x, MC_RUNS,
				   "2 slots, no queue, vs FIFO");
	ck_assert_msg(worst < 0.01, "%g", worst);
	/* a queue: the approximation's own definition to MC accuracy ... */
	const uint32_t q[] = {EMP, LOGN};
	fix_queue(&f, M_TWO, q, 2);
	monte_carlo(&f, M_TWO, GAM, 0, 22, x, MC_RUNS);
	worst = worst_vs_mc(
		pr, &f, M_TWO, GAM, x, MC_RUNS,
		"2 slots, queue emp logn, vs min R + sum Q / 2 + X");
	ck_assert_msg(worst < 0.01, "%g", worst);
	/* ... and against the real FIFO service, which it approximates
	 * (fluid list scheduling): over these cases, with times of CV ~0.3-1,
	 * it is off by 0.02 to 0.13 (pessimistic when the running tasks are
	 * alike, optimistic when one is nearly done), so 0.15 is a regression
	 * bound, not a guarantee. With near-constant times and a short queue
	 * the error is gross (a whole task spread over two slots): printed. */
	static const struct {
		const char *what;
		uint32_t run0, run1;
		double ago0, ago1;
		uint32_t n, q[6], tt;
		int asserted;
	} cases[] = {
		{"queue emp logn", LOGN, GAM, 0.2, 0.5, 2, {EMP, LOGN}, GAM, 1},
		{"queue emp", LOGN, GAM, 0.2, 0.5, 1, {EMP}, GAM, 1},
		{"queue emp logn gam",
		 LOGN,
		 GAM,
		 0.2,
		 0.5,
		 3,
		 {EMP, LOGN, GAM},
		 GAM,
		 1},
		{"queue of 6",
		 LOGN,
		 GAM,
		 0.2,
		 0.5,
		 6,
		 {EMP, LOGN, GAM, EMP, EXPO, UNIF},
		 GAM,
		 1},
		{"one nearly done, queue emp",
		 CONST,
		 GAM,
		 0.75,
		 0,
		 1,
		 {EMP},
		 GAM,
		 1},
		{"one nearly done, queue of 6",
		 CONST,
		 GAM,
		 0.75,
		 0,
		 6,
		 {EMP, LOGN, GAM, EMP, EXPO, UNIF},
		 GAM,
		 1},
		{"constants, queue const",
		 CONST,
		 GAM,
		 0.75,
		 0,
		 1,
		 {CONST},
		 CONST,
		 0},
	};
	char what[128];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fix_run(&f, M_TWO, 0, cases[i].run0, f.v.now - cases[i].ago0);
		fix_run(&f, M_TWO, 1, cases[i].run1, f.v.now - cases[i].ago1);
		fix_queue(&f, M_TWO, cases[i].q, cases[i].n);
		monte_carlo(&f, M_TWO, cases[i].tt, 1, 23 + i, x, MC_RUNS);
		snprintf(what, sizeof what, "2 slots, %s, vs FIFO",
			 cases[i].what);
		worst = worst_vs_mc(pr, &f, M_TWO, cases[i].tt, x, MC_RUNS,
				    what);
		if (cases[i].asserted)
			ck_assert_msg(worst < 0.15, "%s: %g", cases[i].what,
				      worst);
	}
	/* a free slot: the queue starts now, spread over both slots */
	f.run_end[M_TWO][1] = -INFINITY;
	f.mv[M_TWO].busy = 1;
	f.mv[M_TWO].version++;
	double p = pol_prune_success(pr, &f.v, M_TWO, GAM, f.v.now + 2);
	ck_assert(p > 0 && p < 1);
	free(x);
	pol_prune_free(pr);
	prof_free(f.prof);
}
END_TEST

/* ---- caching ------------------------------------------------------------- */

/* The same probe through a fresh engine (no cache). */
static double fresh(const pfix *f, double h, uint32_t m, uint32_t tt,
		    double deadline_s)
{
	pol_prune *pr = fix_pruner(f, h);
	double p = pol_prune_success(pr, &f->v, m, tt, deadline_s);
	pol_prune_free(pr);
	return p;
}

START_TEST(cached_queue_follows_pops_and_pushes)
{
	static pfix f;
	fix_build(&f);
	const double h = 0.01;
	pol_prune *pr = fix_pruner(&f, h);
	fix_run(&f, M_ONE, 0, LOGN, f.v.now - 0.3);
	fix_run(&f, M_TWO, 0, GAM, f.v.now - 0.1);
	fix_run(&f, M_TWO, 1, EMP, f.v.now - 0.6);
	/* successive queues of both machines, as an engine would change them:
	 * pushes at the tail, pops at the head, both at once, and one change
	 * that is neither (a rebuild) */
	static const uint32_t seq[][8] = {
		{3, LOGN, GAM, EMP},
		{4, LOGN, GAM, EMP, EXPO},
		{3, GAM, EMP, EXPO},
		{2, EMP, EXPO},
		{4, EMP, EXPO, PET, REPLAY},
		{3, EXPO, PET, REPLAY},
		{5, PET, REPLAY, GAM, GAM, UNIF},
		{4, REPLAY, CONST, GAM, UNIF},
		{0},
		{2, GAM, GAM},
		{7, GAM, GAM, GAM, GAM, GAM, GAM, GAM},
		{1, GAM},
	};
	double deadline = f.v.now + 2.5;
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		for (uint32_t m = 0; m < N_M; m++) {
			fix_queue(&f, m, seq[i] + 1, seq[i][0]);
			uint64_t before = pol_prune_convolutions(pr);
			double p =
				pol_prune_success(pr, &f.v, m, GAM, deadline);
			uint64_t convs = pol_prune_convolutions(pr) - before;
			double want = fresh(&f, h, m, GAM, deadline);
			ck_assert_msg(fabs(p - want) < 1e-9,
				      "step %zu machine %u: %.12g vs %.12g", i,
				      m, p, want);
			/* identical on a second probe, with no new work */
			ck_assert(pol_prune_success(pr, &f.v, m, GAM,
						    deadline) == p);
			ck_assert_uint_eq(pol_prune_convolutions(pr) - before,
					  convs);
			/* one push: extend the newer sum, join the parts, add X
			 */
			if (i == 1)
				ck_assert_uint_le(convs, 3);
			/* pops inside the older part: join and add X only */
			if (i == 3)
				ck_assert_uint_le(convs, 2);
		}
	}
	/* a version change makes the new queue count: longer queue, lower
	 * chance */
	double p1 = pol_prune_success(pr, &f.v, M_ONE, GAM, deadline);
	const uint32_t longer[] = {GAM, GAM, GAM};
	fix_queue(&f, M_ONE, longer, 3);
	double p3 = pol_prune_success(pr, &f.v, M_ONE, GAM, deadline);
	ck_assert_msg(p3 < p1 - 0.1, "%g %g", p1, p3);
	/* and so does time: the running task's residual follows now */
	f.v.now += 0.2;
	double later = pol_prune_success(pr, &f.v, M_ONE, GAM, deadline);
	ck_assert(later < p3);
	ck_assert(fabs(later - fresh(&f, h, M_ONE, GAM, deadline)) < 1e-9);
	/* far deadlines widen the grid's horizon (sums are rebuilt) */
	for (double far = 3; far < 40; far *= 1.6)
		for (uint32_t m = 0; m < N_M; m++) {
			double p = pol_prune_success(pr, &f.v, m, EXPO,
						     f.v.now + far);
			double want = fresh(&f, h, m, EXPO, f.v.now + far);
			ck_assert_msg(fabs(p - want) < 1e-9, "far %g: %g vs %g",
				      far, p, want);
		}
	pol_prune_free(pr);
	prof_free(f.prof);
}
END_TEST

/* Random engine-like histories (pushes at the tail, pops at the head,
 * both, arbitrary edits, new running tasks, time passing): the cached
 * answer always equals a fresh engine's. */
START_TEST(random_histories_match_a_fresh_engine)
{
	static pfix f;
	fix_build(&f);
	const double h = 0.01;
	pol_prune *pr = fix_pruner(&f, h);
	gsl_rng *r = sim_rng_new(5, SIM_STREAM_WORKLOAD_AUX);
	const uint32_t runnable =
		ONLYONE; /* types 0 .. ONLYONE-1 run anywhere */
	fix_run(&f, M_ONE, 0, LOGN, f.v.now - 0.1);
	fix_run(&f, M_TWO, 0, GAM, f.v.now - 0.2);
	fix_run(&f, M_TWO, 1, EMP, f.v.now - 0.3);
	for (int step = 0; step < 400; step++) {
		uint32_t m = (uint32_t)gsl_rng_uniform_int(r, N_M);
		uint32_t q[MAX_Q], n = f.qlen[m];
		memcpy(q, f.queue[m], n * sizeof *q);
		unsigned long op = gsl_rng_uniform_int(r, 6);
		uint32_t pops = op == 1 || op == 2
					? (uint32_t)gsl_rng_uniform_int(r, 3)
					: 0;
		if (pops > n)
			pops = n;
		memmove(q, q + pops, (n - pops) * sizeof *q);
		n -= pops;
		if ((op == 0 || op == 2) && n < MAX_Q - 3)
			for (uint64_t k = 1 + gsl_rng_uniform_int(r, 3); k > 0;
			     k--)
				q[n++] = (uint32_t)gsl_rng_uniform_int(
					r, runnable);
		if (op == 3 && n > 0) /* not a queue operation: a rebuild */
			q[gsl_rng_uniform_int(r, n)] =
				(uint32_t)gsl_rng_uniform_int(r, runnable);
		uint32_t slot = (uint32_t)gsl_rng_uniform_int(r, f.mv[m].slots);
		if (op == 4 && gsl_rng_uniform(r) < 0.3 &&
		    f.run_end[m][slot] != -INFINITY) { /* a slot frees up */
			f.run_end[m][slot] = -INFINITY;
			f.mv[m].busy--;
		} else if (op == 4)
			fix_run(&f, m, slot,
				(uint32_t)gsl_rng_uniform_int(r, runnable),
				f.v.now - 0.5 * gsl_rng_uniform(r));
		if (op == 5)
			f.v.now += 0.1 * gsl_rng_uniform(r);
		fix_queue(&f, m, q, n);
		uint32_t tt = (uint32_t)gsl_rng_uniform_int(r, runnable);
		double deadline = f.v.now + 0.2 + 6 * gsl_rng_uniform(r);
		double p = pol_prune_success(pr, &f.v, m, tt, deadline);
		double want = fresh(&f, h, m, tt, deadline);
		ck_assert_msg(fabs(p - want) < 1e-9,
			      "step %d op %lu: %.12g vs %.12g", step, op, p,
			      want);
	}
	gsl_rng_free(r);
	pol_prune_free(pr);
	prof_free(f.prof);
}
END_TEST

/* The process's CPU time: the probes' cost, not how busy the machine is */
static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

START_TEST(probes_on_a_ten_task_queue_are_fast)
{
	static pfix f;
	fix_build(&f);
	const double h = pol_prune_default_step(f.prof);
	pol_prune *pr = fix_pruner(&f, h);
	fix_run(&f, M_ONE, 0, LOGN, f.v.now - 0.3);
	const uint32_t q[] = {GAM, EMP,	   LOGN, EXPO, UNIF,
			      PET, REPLAY, GAM,	 EMP,  LOGN};
	fix_queue(&f, M_ONE, q, 10);
	const uint32_t probe_types[] = {GAM, EMP, LOGN, EXPO};
	enum { PROBES = 100000 };
	/* the farthest deadline first: the grid's horizon is then set */
	for (int i = 0; i < 4; i++)
		pol_prune_success(pr, &f.v, M_ONE, probe_types[i], f.v.now + 8);
	uint64_t built = pol_prune_convolutions(pr);
	/* one convolution per queued task but the first, one per type */
	ck_assert_uint_le(built, 9 + 4);
	double sum = 0, t0 = seconds();
	for (int i = 0; i < PROBES; i++)
		sum += pol_prune_success(pr, &f.v, M_ONE, probe_types[i & 3],
					 f.v.now + 3 + (i % 1000) * 0.005);
	double same_now = seconds() - t0;
	/* now moving on every probe: the residual is redone each time */
	t0 = seconds();
	for (int i = 0; i < PROBES; i++) {
		f.v.now = 100 + i * 1e-6;
		sum += pol_prune_success(pr, &f.v, M_ONE, probe_types[i & 3],
					 f.v.now + 3 + (i % 1000) * 0.005);
	}
	double moving_now = seconds() - t0;
	printf("prune: 10 queued, h %.4g s: %.0f ns per probe (same now), "
	       "%.0f ns (now moving); %llu convolutions\n",
	       h, 1e9 * same_now / PROBES, 1e9 * moving_now / PROBES,
	       (unsigned long long)pol_prune_convolutions(pr));
	ck_assert(isfinite(sum) && sum > 0);
	ck_assert_msg(same_now < 0.25 * TEST_SLOWDOWN, "%g s", same_now);
	ck_assert_msg(moving_now < 0.5 * TEST_SLOWDOWN, "%g s", moving_now);
	/* the probes themselves convolve nothing */
	ck_assert_uint_eq(pol_prune_convolutions(pr), built);
	pol_prune_free(pr);
	prof_free(f.prof);
}
END_TEST

START_TEST(default_step_and_bad_arguments)
{
	prof_profile *p = load_profile();
	double h = pol_prune_default_step(p);
	/* the smallest mean is replay's 0.55 s on "one": 0.011; the largest
	 * 99.9% quantile exp(1)'s 6.91 s: 8 x 6.91 / 4096 = 0.0135 */
	ck_assert_msg(fabs(h - 8 * 6.907755 / POL_PRUNE_DEFAULT_BINS) < 1e-5,
		      "%g", h);
	pol_prune *pr = NULL;
	io_err err = {0};
	ck_assert_int_eq(pol_prune_new(&pr, p, 0, 100, &err), IO_EINPUT);
	ck_assert_ptr_null(pr);
	ck_assert(strstr(err.msg, "step") != NULL);
	err = (io_err){0};
	ck_assert_int_eq(pol_prune_new(&pr, p, 0.01, 1, &err), IO_EINPUT);
	prof_free(p);
}
END_TEST

Suite *suite_prune(void)
{
	Suite *s = suite_create("prune");
	TCase *tc = tcase_create("pmf");
	tcase_add_test(tc, exponential_bins_are_exact_and_cdf_within_a_bin);
	tcase_add_test(tc,
		       point_masses_are_smoothed_over_one_bin_keeping_the_mean);
	tcase_add_test(tc, two_exponentials_convolve_to_erlang2);
	tcase_add_test(tc, gamma_plus_lognormal_matches_monte_carlo);
	tcase_add_test(tc,
		       residuals_memoryless_exponential_and_uniform_remainder);
	suite_add_tcase(s, tc);
	tc = tcase_create("success");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, single_slot_success_matches_monte_carlo);
	tcase_add_test(tc, success_equals_the_explicit_convolution);
	tcase_add_test(tc, two_slots_approximation_vs_fifo_monte_carlo);
	tcase_add_test(tc, cached_queue_follows_pops_and_pushes);
	tcase_add_test(tc, random_histories_match_a_fresh_engine);
	tcase_add_test(tc, probes_on_a_ten_task_queue_are_fast);
	tcase_add_test(tc, default_step_and_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}
