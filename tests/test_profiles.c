/* tests/test_profiles.c — profiles/profile.c: loading every model kind,
 * exact means, inverse-CDF sampling against GSL, empirical and replay
 * models from samples and from (gzip) CSV files, PET histograms inline and
 * from CSV, the real HEET and HCW'19 data, and bad input reported at the
 * right file and line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include "profiles/gof.h"
#include "profiles/profile.h"
#include "sim/base/rng.h"
#include "tests/tests.h"

static const char every_model[] =
	"{\"source\": \"unit test\", \"notes\": \"every model kind\",\n"
	" \"machine_types\": [\n"
	"  {\"name\": \"m\", \"vcpu\": 4, \"mem_gib\": 16, \"accelerator\": \"NVIDIA T4\",\n"
	"   \"price_usd_h\": 0.526, \"slots\": 2, \"power_w\": {\"idle\": 40, \"busy\": 110},\n"
	"   \"nic_gbps\": 25, \"source\": \"test\"},\n"
	"  {\"name\": \"bare\", \"accelerator\": null}],\n"
	" \"task_types\": [{\"name\": \"const\", \"kind\": \"k\"}, {\"name\": \"unif\"},\n"
	"  {\"name\": \"norm\"}, {\"name\": \"normneg\"}, {\"name\": \"logn\"},\n"
	"  {\"name\": \"gamma\"}, {\"name\": \"gammasmall\"}, {\"name\": \"weib\"},\n"
	"  {\"name\": \"exp\"}, {\"name\": \"exprate\"}, {\"name\": \"emp\"},\n"
	"  {\"name\": \"shifted\"}, {\"name\": \"replay\"}, {\"name\": \"pet\"}],\n"
	" \"exec\": [\n"
	"  {\"task\": \"const\", \"machine\": \"m\", \"model\": \"constant\", \"value\": 2.5, \"source\": \"s\"},\n"
	"  {\"task\": \"unif\", \"machine\": \"m\", \"model\": \"uniform\", \"min\": 1, \"max\": 3},\n"
	"  {\"task\": \"norm\", \"machine\": \"m\", \"model\": \"normal\", \"mean\": 1, \"sd\": 1},\n"
	"  {\"task\": \"normneg\", \"machine\": \"m\", \"model\": \"normal\", \"mean\": -1, \"sd\": 1},\n"
	"  {\"task\": \"logn\", \"machine\": \"m\", \"model\": \"lognormal\", \"mu\": -1, \"sigma\": 0.5},\n"
	"  {\"task\": \"gamma\", \"machine\": \"m\", \"model\": \"gamma\", \"shape\": 2.5, \"scale\": 0.4},\n"
	"  {\"task\": \"gammasmall\", \"machine\": \"m\", \"model\": \"gamma\", \"shape\": 0.3, \"scale\": 2},\n"
	"  {\"task\": \"weib\", \"machine\": \"m\", \"model\": \"weibull\", \"shape\": 1.5, \"scale\": 2},\n"
	"  {\"task\": \"exp\", \"machine\": \"m\", \"model\": \"exponential\", \"mean\": 0.5},\n"
	"  {\"task\": \"exprate\", \"machine\": \"m\", \"model\": \"exponential\", \"rate\": 4},\n"
	"  {\"task\": \"emp\", \"machine\": \"m\", \"model\": \"empirical\", \"samples\": [4, 1, 3, 2]},\n"
	"  {\"task\": \"shifted\", \"machine\": \"m\", \"model\": \"lognormal\", \"mu\": 0, \"sigma\": 0.25, \"shift\": 1.5},\n"
	"  {\"task\": \"replay\", \"machine\": \"m\", \"model\": \"replay\", \"samples\": [4, 1, 3, 2]},\n"
	"  {\"task\": \"pet\", \"machine\": \"m\", \"model\": \"pet\", \"bins\": [[30, 0.2], [10, 0.5], [20, 0.299]]},\n"
	"  {\"task\": \"const\", \"machine\": \"bare\", \"model\": \"constant\", \"value\": 0}\n"
	" ]}\n";

static prof_profile *load_text(const char *name, const char *text)
{
	prof_profile *p = NULL;
	io_err err = {0};
	int rc = prof_load(&p, test_write(name, text), &err);
	ck_assert_msg(rc == 0, "load failed: %s", err.msg);
	ck_assert_ptr_nonnull(p);
	return p;
}

static const prof_model *model_of(const prof_profile *p, const char *task)
{
	int t = prof_task_index(p, task);
	ck_assert_msg(t >= 0, "no task type %s", task);
	return prof_model_at(p, (uint32_t)t, 0);
}

#define ck_assert_rel(x, want, tol)                                        \
	do {                                                               \
		double x_ = (x), w_ = (want);                              \
		ck_assert_msg(fabs(x_ - w_) <= (tol) * fabs(w_),           \
			      "%s = %.17g, want %.17g (rel tol %g)", #x,   \
			      x_, w_, (double)(tol));                      \
	} while (0)

START_TEST(loads_machine_and_task_types_with_defaults)
{
	prof_profile *p = load_text("every.json", every_model);
	ck_assert_uint_eq(p->n_machines, 2);
	ck_assert_uint_eq(p->n_tasks, 14);
	const prof_machine_type *m = &p->machines[0];
	ck_assert_str_eq(m->name, "m");
	ck_assert_double_eq(m->vcpu, 4);
	ck_assert_double_eq(m->mem_gib, 16);
	ck_assert_str_eq(m->accelerator, "NVIDIA T4");
	ck_assert_double_eq(m->price_usd_h, 0.526);
	ck_assert_uint_eq(m->slots, 2);
	ck_assert_double_eq(m->idle_w, 40);
	ck_assert_double_eq(m->busy_w, 110);
	ck_assert_double_eq(m->nic_gbps, 25);
	const prof_machine_type *b = &p->machines[1];
	ck_assert_ptr_null(b->accelerator);
	ck_assert_uint_eq(b->slots, 1);
	ck_assert_double_eq(b->price_usd_h, 0);
	ck_assert_double_eq(b->busy_w, 0);
	ck_assert_str_eq(p->tasks[0].kind, "k");
	ck_assert_ptr_null(p->tasks[1].kind);
	ck_assert_int_eq(prof_machine_index(p, "bare"), 1);
	ck_assert_int_eq(prof_machine_index(p, "nope"), -1);
	ck_assert_int_eq(prof_task_index(p, "shifted"), 11);
	ck_assert_int_eq(prof_task_index(p, "nope"), -1);
	ck_assert_str_eq(prof_model_at(p, 0, 0)->source, "s");
	ck_assert_ptr_null(prof_model_at(p, 1, 0)->source);
	/* pairs without an exec entry cannot run */
	ck_assert(prof_can_run(p, 0, 1));
	ck_assert(!prof_can_run(p, 1, 1));
	ck_assert(isinf(prof_mean(p, 1, 1)));
	ck_assert(isinf(prof_sample(p, 1, 1, 0.5)));
	prof_free(p);
	prof_free(NULL);
}
END_TEST

START_TEST(means_match_closed_forms)
{
	prof_profile *p = load_text("every.json", every_model);
	double phi1 = exp(-0.5) / sqrt(2 * M_PI);
	ck_assert_rel(model_of(p, "const")->mean, 2.5, 1e-15);
	ck_assert_rel(model_of(p, "unif")->mean, 2.0, 1e-15);
	/* truncated normal: mu + sd phi(a) / (1 - Phi(a)), a = -mu/sd */
	ck_assert_rel(model_of(p, "norm")->mean,
		      1 + phi1 / gsl_cdf_ugaussian_Q(-1), 1e-12);
	ck_assert_rel(model_of(p, "normneg")->mean,
		      -1 + phi1 / gsl_cdf_ugaussian_Q(1), 1e-12);
	ck_assert_rel(model_of(p, "logn")->mean, exp(-1 + 0.125), 1e-14);
	ck_assert_rel(model_of(p, "gamma")->mean, 1.0, 1e-14);
	ck_assert_rel(model_of(p, "gammasmall")->mean, 0.6, 1e-14);
	ck_assert_rel(model_of(p, "weib")->mean, 2 * gsl_sf_gamma(1 + 1 / 1.5),
		      1e-13);
	ck_assert_rel(model_of(p, "exp")->mean, 0.5, 1e-15);
	ck_assert_rel(model_of(p, "exprate")->mean, 0.25, 1e-15);
	/* piecewise-linear quantile of 1,2,3,4: trapezoids, ends count half */
	ck_assert_rel(model_of(p, "emp")->mean, 2.5, 1e-15);
	ck_assert_rel(model_of(p, "shifted")->mean, 1.5 + exp(0.03125), 1e-14);
	/* replay: the plain sample mean */
	ck_assert_rel(model_of(p, "replay")->mean, 2.5, 1e-15);
	/* pet: sum t p / sum p, the probabilities summing to 0.999 */
	ck_assert_rel(model_of(p, "pet")->mean,
		      (10 * 0.5 + 20 * 0.299 + 30 * 0.2) / 0.999, 1e-14);
	ck_assert_double_eq(prof_mean(p, 0, 1), 0); /* const on bare */
	prof_free(p);
}
END_TEST

/* GSL's inverse CDF of the family of task, for the parameters above. */
static double gsl_quantile(const char *task, double u)
{
	if (!strcmp(task, "unif"))
		return gsl_cdf_flat_Pinv(u, 1, 3);
	if (!strcmp(task, "norm"))
		return 1 + gsl_cdf_ugaussian_Pinv(gsl_cdf_ugaussian_P(-1) +
						  u * gsl_cdf_ugaussian_Q(-1));
	if (!strcmp(task, "normneg"))
		return -1 + gsl_cdf_ugaussian_Pinv(gsl_cdf_ugaussian_P(1) +
						   u * gsl_cdf_ugaussian_Q(1));
	if (!strcmp(task, "logn"))
		return gsl_cdf_lognormal_Pinv(u, -1, 0.5);
	if (!strcmp(task, "gamma"))
		return gsl_cdf_gamma_Pinv(u, 2.5, 0.4);
	if (!strcmp(task, "gammasmall"))
		return gsl_cdf_gamma_Pinv(u, 0.3, 2);
	if (!strcmp(task, "weib"))
		return gsl_cdf_weibull_Pinv(u, 2, 1.5);
	if (!strcmp(task, "exp"))
		return gsl_cdf_exponential_Pinv(u, 0.5);
	if (!strcmp(task, "exprate"))
		return gsl_cdf_exponential_Pinv(u, 0.25);
	if (!strcmp(task, "shifted"))
		return 1.5 + gsl_cdf_lognormal_Pinv(u, 0, 0.25);
	ck_abort_msg("no GSL reference for %s", task);
	return 0;
}

static const char *const parametric[] = {
	"unif", "norm", "normneg", "logn", "gamma", "gammasmall",
	"weib", "exp", "exprate", "shifted", NULL};

START_TEST(quantiles_match_gsl_inverse_cdfs)
{
	prof_profile *p = load_text("every.json", every_model);
	const double us[] = {0.1, 0.5, 0.9};
	for (int i = 0; parametric[i]; i++)
		for (int k = 0; k < 3; k++) {
			double got = prof_model_quantile(model_of(p, parametric[i]),
							 us[k]);
			double want = gsl_quantile(parametric[i], us[k]);
			ck_assert_msg(fabs(got - want) <= 1e-9 * want,
				      "%s at u=%g: %.17g, GSL %.17g",
				      parametric[i], us[k], got, want);
		}
	ck_assert_double_eq(prof_model_quantile(model_of(p, "const"), 0.3), 2.5);
	prof_free(p);
}
END_TEST

START_TEST(quantiles_are_monotone_finite_and_nonnegative)
{
	prof_profile *p = load_text("every.json", every_model);
	for (uint32_t t = 0; t < p->n_tasks; t++) {
		const prof_model *m = prof_model_at(p, t, 0);
		double prev = -1;
		for (int i = 0; i <= 20000; i++) {
			double u = i / 20000.0; /* includes 0 and 1 (clamped) */
			double x = prof_model_quantile(m, u);
			tck_assert_msg(isfinite(x) && x >= 0, "%s u=%g: %g",
				      p->tasks[t].name, u, x);
			tck_assert_msg(x >= prev, "%s not monotone at u=%g",
				      p->tasks[t].name, u);
			prev = x;
		}
		/* out-of-range and NaN uniforms are clamped, never leak */
		const double odd[] = {-1, 2, NAN, 1e-300, 1 - 1e-17};
		for (int i = 0; i < 5; i++) {
			double x = prof_model_quantile(m, odd[i]);
			ck_assert_msg(isfinite(x) && x >= 0, "%s u=%g: %g",
				      p->tasks[t].name, odd[i], x);
		}
	}
	prof_free(p);
}
END_TEST

/* prof_model_bounds: for the closed-form models every draw lies within
 * the bounds (u over a fine grid, both ends and the clamped odd ones);
 * the others, and a negative shift, give none. */
START_TEST(model_bounds_hold_every_draw)
{
	prof_profile *p = load_text("every.json", every_model);
	static const char *const bounded[] = {"const", "unif", "norm", "normneg",
					      "logn", "shifted"};
	static const char *const unbounded[] = {"gamma", "weib", "exp", "emp",
						"replay", "pet"};
	for (size_t i = 0; i < sizeof bounded / sizeof bounded[0]; i++) {
		const prof_model *m = model_of(p, bounded[i]);
		double lo = NAN, hi = NAN;
		ck_assert_msg(prof_model_bounds(m, &lo, &hi), "%s", bounded[i]);
		ck_assert_msg(lo >= 0 && lo <= hi, "%s: [%g, %g]", bounded[i], lo, hi);
		for (int k = -2; k <= 200002; k++) {
			double u = k < 0 ? (k == -1 ? NAN : -1.0) : k / 200000.0;
			double x = prof_model_quantile(m, u);
			tck_assert_msg(x >= lo && x <= hi, "%s u=%g: %.17g not in "
				       "[%.17g, %.17g]", bounded[i], u, x, lo, hi);
		}
	}
	for (size_t i = 0; i < sizeof unbounded / sizeof unbounded[0]; i++) {
		double lo, hi;
		ck_assert_msg(!prof_model_bounds(model_of(p, unbounded[i]), &lo, &hi),
			      "%s", unbounded[i]);
	}
	prof_model neg = *model_of(p, "shifted");
	neg.shift = -0.5;
	double lo, hi;
	ck_assert(!prof_model_bounds(&neg, &lo, &hi));
	prof_free(p);
}
END_TEST

START_TEST(stratified_sample_means_match_exact_means)
{
	prof_profile *p = load_text("every.json", every_model);
	const int n = 200000;
	for (uint32_t t = 0; t < p->n_tasks; t++) {
		const prof_model *m = prof_model_at(p, t, 0);
		double sum = 0;
		for (int i = 0; i < n; i++)
			sum += prof_model_quantile(m, (i + 0.5) / n);
		ck_assert_msg(fabs(sum / n - m->mean) <= 0.01 * m->mean,
			      "%s: sample mean %g, exact %g", p->tasks[t].name,
			      sum / n, m->mean);
	}
	prof_free(p);
}
END_TEST

START_TEST(empirical_samples_interpolate_the_sorted_values)
{
	prof_profile *p = load_text("every.json", every_model);
	const prof_model *m = model_of(p, "emp");
	ck_assert_uint_eq(m->n, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_double_eq(m->sorted[i], i + 1); /* sorted on load */
	/* x(u) = x_k + f (x_k+1 - x_k), k + f = u (n - 1); u clamped to
	 * [2^-53, 1 - 2^-53] */
	double u0 = 0x1p-53, u1 = 1 - 0x1p-53;
	ck_assert_double_eq(prof_model_quantile(m, 0), 1 + 3 * u0);
	ck_assert_double_eq(prof_model_quantile(m, 1.0 / 3), 2);
	ck_assert_double_eq(prof_model_quantile(m, 0.5), 2.5);
	double h = 3 * u1;
	ck_assert_double_eq(prof_model_quantile(m, 1), 3 + (h - 2) * 1);
	ck_assert_double_eq(prof_model_quantile(m, 0.9), 3 + (3 * 0.9 - 2));
	prof_free(p);

	/* one sample is a constant; units scale the samples */
	p = load_text("one.json",
		"{\"machine_types\": [{\"name\": \"m\"}], \"task_types\": [{\"name\": \"t\"}],\n"
		" \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"empirical\",\n"
		"   \"samples\": [250], \"unit\": \"ms\"}]}\n");
	m = prof_model_at(p, 0, 0);
	ck_assert_uint_eq(m->n, 1);
	ck_assert_double_eq(m->mean, 0.25);
	ck_assert_double_eq(prof_model_quantile(m, 0.01), 0.25);
	ck_assert_double_eq(prof_model_quantile(m, 0.99), 0.25);
	prof_free(p);
}
END_TEST

static const char csv_text[] =
	"task, machine ,ms,note\n"   /* 1: blanks around names are trimmed */
	"a,m1,100,x\n"               /* 2 */
	"a,m2,7,x\n"                 /* 3 */
	"b,m1,40,x\n"                /* 4 */
	"a,m1,300,y\r\n"             /* 5: CRLF */
	"a,m1, 200 ,z\n"             /* 6 */
	"\n";                        /* a blank line at the end is fine */

static void write_gz_file(const char *name, const char *text)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
	gzFile gz = gzopen(path, "wb");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_eq(gzputs(gz, text), (int)strlen(text));
	ck_assert_int_eq(gzclose(gz), Z_OK);
}

START_TEST(empirical_from_csv_and_gzip_csv_with_where_and_unit)
{
	test_write("times.csv", csv_text);
	write_gz_file("times.csv.gz", csv_text);
	prof_profile *p = load_text("csv.json",
		"{\"machine_types\": [{\"name\": \"m1\"}, {\"name\": \"m2\"}],\n"
		" \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n"
		" \"exec\": [\n"
		"  {\"task\": \"a\", \"machine\": \"m1\", \"model\": \"empirical\", \"csv\": \"times.csv\",\n"
		"   \"column\": \"ms\", \"where\": {\"task\": \"a\", \"machine\": \"m1\"}, \"unit\": \"ms\"},\n"
		"  {\"task\": \"b\", \"machine\": \"m1\", \"model\": \"empirical\", \"csv\": \"times.csv\",\n"
		"   \"column\": \"ms\", \"where\": {\"task\": \"b\"}, \"unit\": \"ms\"},\n"
		"  {\"task\": \"a\", \"machine\": \"m2\", \"model\": \"empirical\", \"csv\": \"times.csv.gz\",\n"
		"   \"column\": \"ms\", \"where\": {\"machine\": \"m1\", \"note\": \"y\"}, \"unit\": \"us\"},\n"
		"  {\"task\": \"b\", \"machine\": \"m2\", \"model\": \"empirical\", \"csv\": \"times.csv.gz\",\n"
		"   \"column\": \"ms\", \"shift\": 1}\n"
		" ]}\n");
	const prof_model *am1 = prof_model_at(p, 0, 0);
	ck_assert_uint_eq(am1->n, 3);
	ck_assert_double_eq_tol(am1->sorted[0], 0.1, 1e-15);
	ck_assert_double_eq_tol(am1->sorted[1], 0.2, 1e-15);
	ck_assert_double_eq_tol(am1->sorted[2], 0.3, 1e-15);
	ck_assert_double_eq_tol(am1->mean, 0.2, 1e-15);
	ck_assert_double_eq_tol(prof_model_quantile(am1, 0.75), 0.25, 1e-15);
	const prof_model *bm1 = prof_model_at(p, 1, 0);
	ck_assert_uint_eq(bm1->n, 1);
	ck_assert_double_eq_tol(bm1->mean, 0.04, 1e-15);
	const prof_model *am2 = prof_model_at(p, 0, 1);
	ck_assert_uint_eq(am2->n, 1);
	ck_assert_double_eq_tol(am2->sorted[0], 300e-6, 1e-18);
	/* no where: every row, seconds by default, plus the shift */
	const prof_model *bm2 = prof_model_at(p, 1, 1);
	ck_assert_uint_eq(bm2->n, 5);
	ck_assert_double_eq(bm2->sorted[0], 7);
	ck_assert_double_eq(bm2->sorted[4], 300);
	ck_assert_double_eq(prof_model_quantile(bm2, 0.5), 1 + 100);
	prof_free(p);
}
END_TEST

/* HEET means in ms from shared/data/README.md (10,000 requests each). */
static const struct {
	const char *task, *machine;
	double mean_ms;
} heet_means[] = {
	{"image_classification", "t2.large", 74.05},
	{"image_classification", "c5.2xlarge", 26.92},
	{"image_classification", "g4dn.xlarge", 8.91},
	{"object_detection", "t2.large", 35.76},
	{"object_detection", "c5.2xlarge", 20.63},
	{"object_detection", "g4dn.xlarge", 12.46},
	{"question_answering", "t2.large", 36.12},
	{"question_answering", "c5.2xlarge", 16.16},
	{"question_answering", "g4dn.xlarge", 4.01},
	{"speech_recognition", "t2.large", 620.54},
	{"speech_recognition", "c5.2xlarge", 236.97},
	{"speech_recognition", "g4dn.xlarge", 20.39},
};

START_TEST(heet_csv_gives_the_published_speech_recognition_mean)
{
	if (access("profiles/data/heet_single.csv.gz", R_OK) != 0)
		return; /* run from a tree without the data: nothing to check */
	static const char text[] =
		"{\"machine_types\": [{\"name\": \"t2.large\"}],\n"
		" \"task_types\": [{\"name\": \"speech_recognition\"}],\n"
		" \"exec\": [{\"task\": \"speech_recognition\", \"machine\": \"t2.large\",\n"
		"   \"model\": \"empirical\", \"csv\": \"heet_single.csv.gz\",\n"
		"   \"column\": \"inference_ms\", \"unit\": \"ms\",\n"
		"   \"where\": {\"task_type\": \"speech_recognition\", \"machine\": \"t2.large\"}}]}\n";
	io_jdoc doc;
	io_err err = {0};
	/* the label places the document in profiles/data/, where the CSV is */
	ck_assert_int_eq(io_jdoc_parse(&doc, "profiles/data/inline.json", text,
					 strlen(text), &err), 0);
	prof_profile *p;
	int rc = prof_load_json(&p, &doc, doc.root, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	const prof_model *m = prof_model_at(p, 0, 0);
	ck_assert_uint_eq(m->n, 10000);
	ck_assert_msg(fabs(m->mean - 0.62054) <= 0.005 * 0.62054, "mean %g",
		      m->mean);
	for (uint32_t i = 1; i < m->n; i++)
		tck_assert(m->sorted[i - 1] <= m->sorted[i]);
	prof_free(p);
	io_jdoc_free(&doc);
}
END_TEST

START_TEST(shipped_heet_profile_matches_published_means)
{
	if (access("profiles/data/heet.json", R_OK) != 0 ||
	    access("profiles/data/heet_single.csv.gz", R_OK) != 0)
		return;
	prof_profile *p;
	io_err err = {0};
	int rc = prof_load(&p, "profiles/data/heet.json", &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	for (size_t i = 0; i < sizeof heet_means / sizeof heet_means[0]; i++) {
		int t = prof_task_index(p, heet_means[i].task);
		int mi = prof_machine_index(p, heet_means[i].machine);
		ck_assert(t >= 0 && mi >= 0);
		const prof_model *m = prof_model_at(p, (uint32_t)t, (uint32_t)mi);
		ck_assert_int_eq(m->kind, PROF_EMPIRICAL);
		ck_assert_uint_eq(m->n, 10000);
		double want = heet_means[i].mean_ms / 1000;
		ck_assert_msg(fabs(m->mean - want) <= 0.005 * want,
			      "%s on %s: mean %g s, published %g s",
			      heet_means[i].task, heet_means[i].machine,
			      m->mean, want);
	}
	prof_free(p);
}
END_TEST

/* ---- replay and PET ------------------------------------------------------ */

/* Critical value of the chi-square distribution with 2 degrees of freedom
 * at the 0.1% level: P(X > c) = exp(-c / 2) = 0.001, c = 2 ln 1000. */
#define CHI2_DF2_CRIT_001 13.815510557964274

/* Pearson's chi-square of counts against probabilities (summing to 1). */
static double chi_square(const long *count, const double *prob, int k,
			 long n)
{
	double x2 = 0;
	for (int i = 0; i < k; i++) {
		double want = prob[i] * (double)n;
		x2 += (count[i] - want) * (count[i] - want) / want;
	}
	return x2;
}

/* Counts of draws of m at n evenly spaced u = (i + 0.5) / n (even != 0)
 * or n uniforms from a seeded Mersenne Twister; values[k] are the
 * possible times. */
static void count_draws(const prof_model *m, const double *values, int k,
			long n, int even, long *count)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	ck_assert_ptr_nonnull(rng);
	gsl_rng_set(rng, 20190201);
	for (int i = 0; i < k; i++)
		count[i] = 0;
	for (long i = 0; i < n; i++) {
		double u = even ? (i + 0.5) / (double)n
				: gsl_rng_uniform_pos(rng);
		double x = prof_model_quantile(m, u);
		int j = 0;
		while (j < k && values[j] != x)
			j++;
		tck_assert_msg(j < k, "u=%g drew %g, not a possible value", u,
			      x);
		count[j]++;
	}
	gsl_rng_free(rng);
}

START_TEST(chi_square_critical_value_is_the_0_1_percent_point)
{
	ck_assert_double_eq_tol(gsl_cdf_chisq_Qinv(0.001, 2), CHI2_DF2_CRIT_001,
				1e-9);
}
END_TEST

START_TEST(replay_quantiles_pick_the_sorted_samples)
{
	prof_profile *p = load_text("every.json", every_model);
	const prof_model *m = model_of(p, "replay");
	ck_assert_int_eq(m->kind, PROF_REPLAY);
	ck_assert_uint_eq(m->n, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_double_eq(m->sorted[i], i + 1); /* sorted on load */
	/* x(u) = sorted[min(floor(u n), n - 1)]: [k/4, (k+1)/4) -> sorted[k] */
	const struct {
		double u, x;
	} cases[] = {{0, 1},    {0.1, 1},  {0.2499, 1}, {0.25, 2},
		     {0.4, 2},  {0.5, 3},  {0.74, 3},   {0.75, 4},
		     {0.99, 4}, {1.0, 4},  {-1, 1},     {2, 4}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(prof_model_quantile(m, cases[i].u) == cases[i].x,
			      "u=%g: %g, want %g", cases[i].u,
			      prof_model_quantile(m, cases[i].u), cases[i].x);
	prof_free(p);

	/* unit and shift; ties count once per sample */
	p = load_text("replay.json",
		"{\"machine_types\": [{\"name\": \"m\"}], \"task_types\": [{\"name\": \"t\"}],\n"
		" \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"replay\",\n"
		"   \"samples\": [500, 250, 250], \"unit\": \"ms\", \"shift\": 1}]}\n");
	m = prof_model_at(p, 0, 0);
	ck_assert_rel(m->mean, 1 + 1.0 / 3, 1e-15);
	ck_assert_double_eq_tol(prof_model_quantile(m, 0.6), 1.25, 1e-15);
	ck_assert_double_eq_tol(prof_model_quantile(m, 0.7), 1.5, 1e-15);
	ck_assert_double_eq_tol(prof_model_quantile(m, 1), 1.5, 1e-15);
	prof_free(p);
}
END_TEST

START_TEST(replay_draws_reproduce_the_sample_frequencies)
{
	prof_profile *p = load_text("replay.json",
		"{\"machine_types\": [{\"name\": \"m\"}], \"task_types\": [{\"name\": \"t\"}],\n"
		" \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"replay\",\n"
		"   \"samples\": [3, 1, 3, 2, 3]}]}\n");
	const prof_model *m = prof_model_at(p, 0, 0);
	const double values[] = {1, 2, 3}, freq[] = {0.2, 0.2, 0.6};
	const long n = 100000;
	long count[3];
	/* evenly spaced u: every count within one of n times its frequency */
	count_draws(m, values, 3, n, 1, count);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(fabs(count[i] - freq[i] * n) <= 1,
			      "%g drawn %ld times, want %g", values[i],
			      count[i], freq[i] * n);
	/* random u: chi-square, 2 degrees of freedom, 0.1% level */
	count_draws(m, values, 3, n, 0, count);
	double x2 = chi_square(count, freq, 3, n);
	ck_assert_msg(x2 < CHI2_DF2_CRIT_001, "chi-square %g >= %g", x2,
		      CHI2_DF2_CRIT_001);
	prof_free(p);
}
END_TEST

START_TEST(pet_bins_are_sorted_and_cumulated_on_load)
{
	prof_profile *p = load_text("every.json", every_model);
	const prof_model *m = model_of(p, "pet");
	ck_assert_int_eq(m->kind, PROF_PET);
	ck_assert_uint_eq(m->n, 3);
	ck_assert_double_eq(m->sorted[0], 10);
	ck_assert_double_eq(m->sorted[1], 20);
	ck_assert_double_eq(m->sorted[2], 30);
	ck_assert_rel(m->cum[0], 0.5 / 0.999, 1e-15);
	ck_assert_rel(m->cum[1], 0.799 / 0.999, 1e-15);
	ck_assert_double_eq(m->cum[2], 1.0); /* exactly */
	/* the first bin whose cumulative probability is >= u; no
	 * interpolation */
	double c0 = m->cum[0], c1 = m->cum[1];
	ck_assert_double_eq(prof_model_quantile(m, 0), 10);
	ck_assert_double_eq(prof_model_quantile(m, c0), 10);
	ck_assert_double_eq(prof_model_quantile(m, nextafter(c0, 1)), 20);
	ck_assert_double_eq(prof_model_quantile(m, 0.6), 20);
	ck_assert_double_eq(prof_model_quantile(m, c1), 20);
	ck_assert_double_eq(prof_model_quantile(m, nextafter(c1, 1)), 30);
	ck_assert_double_eq(prof_model_quantile(m, 1), 30);
	prof_free(p);

	/* equal times merged, zero bins dropped, unit and shift applied */
	p = load_text("pet.json",
		"{\"machine_types\": [{\"name\": \"m\"}], \"task_types\": [{\"name\": \"t\"}],\n"
		" \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"pet\", \"unit\": \"ms\",\n"
		"   \"shift\": 1, \"bins\": [[20, 1], [10, 0], [20, 1], [5, 2], [40, 0]]}]}\n");
	m = prof_model_at(p, 0, 0);
	ck_assert_uint_eq(m->n, 2);
	ck_assert_double_eq_tol(m->sorted[0], 0.005, 1e-18);
	ck_assert_double_eq_tol(m->sorted[1], 0.02, 1e-18);
	ck_assert_double_eq(m->cum[0], 0.5);
	ck_assert_double_eq(m->cum[1], 1.0);
	ck_assert_rel(m->mean, 1 + 0.0125, 1e-15);
	ck_assert_double_eq_tol(prof_model_quantile(m, 0.5), 1.005, 1e-15);
	ck_assert_double_eq_tol(prof_model_quantile(m, 0.51), 1.02, 1e-15);
	prof_free(p);
}
END_TEST

START_TEST(pet_draws_reproduce_the_normalised_bin_probabilities)
{
	prof_profile *p = load_text("every.json", every_model);
	const prof_model *m = model_of(p, "pet");
	const double values[] = {10, 20, 30};
	const double prob[] = {0.5 / 0.999, 0.299 / 0.999, 0.2 / 0.999};
	const long n = 100000;
	long count[3];
	for (int even = 1; even >= 0; even--) {
		count_draws(m, values, 3, n, even, count);
		double x2 = chi_square(count, prob, 3, n);
		/* 2 degrees of freedom, 0.1% level */
		ck_assert_msg(x2 < CHI2_DF2_CRIT_001,
			      "%s u: chi-square %g >= %g (counts %ld %ld %ld)",
			      even ? "evenly spaced" : "random", x2,
			      CHI2_DF2_CRIT_001, count[0], count[1], count[2]);
		if (even) /* a deterministic u gives each count to within 1 */
			for (int i = 0; i < 3; i++)
				ck_assert(fabs(count[i] - prob[i] * n) <= 1);
	}
	double sum = 0;
	for (long i = 0; i < n; i++)
		sum += prof_model_quantile(m, (i + 0.5) / (double)n);
	ck_assert_rel(sum / n, m->mean, 1e-4);
	prof_free(p);
}
END_TEST

static const char pet_csv_text[] =
	"system,machine,task_type,time,probability\n" /* 1 */
	"heterogeneous,0,0,2,0.25\n"                  /* 2 */
	"heterogeneous,0,0,4,0.5\n"                   /* 3 */
	"heterogeneous,0,1,6,0.9\n"                   /* 4 */
	"homogeneous,0,0,8,0.9\n"                     /* 5 */
	"heterogeneous,0,0,6,0.25\n"                  /* 6 */
	"heterogeneous,1,0,6,0.1\n";                  /* 7 */

START_TEST(pet_from_csv_with_where_filters)
{
	test_write("pet.csv", pet_csv_text);
	/* three requests on one file, one of them an empirical model */
	prof_profile *p = load_text("petcsv.json",
		"{\"machine_types\": [{\"name\": \"m0\"}, {\"name\": \"m1\"}],\n"
		" \"task_types\": [{\"name\": \"t0\"}, {\"name\": \"t1\"}],\n"
		" \"exec\": [\n"
		"  {\"task\": \"t0\", \"machine\": \"m0\", \"model\": \"pet\", \"csv\": \"pet.csv\",\n"
		"   \"time_column\": \"time\", \"prob_column\": \"probability\", \"unit\": \"ms\",\n"
		"   \"where\": {\"system\": \"heterogeneous\", \"machine\": \"0\", \"task_type\": \"0\"}},\n"
		"  {\"task\": \"t1\", \"machine\": \"m0\", \"model\": \"pet\", \"csv\": \"pet.csv\",\n"
		"   \"time_column\": \"time\", \"prob_column\": \"probability\",\n"
		"   \"where\": {\"task_type\": \"1\"}},\n"
		"  {\"task\": \"t0\", \"machine\": \"m1\", \"model\": \"empirical\", \"csv\": \"pet.csv\",\n"
		"   \"column\": \"time\", \"where\": {\"machine\": \"0\", \"task_type\": \"0\"}}\n"
		" ]}\n");
	const prof_model *m = prof_model_at(p, 0, 0);
	ck_assert_int_eq(m->kind, PROF_PET);
	ck_assert_uint_eq(m->n, 3);
	ck_assert_double_eq_tol(m->sorted[0], 0.002, 1e-18);
	ck_assert_double_eq_tol(m->sorted[2], 0.006, 1e-18);
	ck_assert_double_eq(m->cum[0], 0.25);
	ck_assert_double_eq(m->cum[1], 0.75);
	ck_assert_double_eq(m->cum[2], 1.0);
	ck_assert_double_eq_tol(m->mean, 0.004, 1e-15);
	/* one bin of probability 0.9: normalised to a constant */
	m = prof_model_at(p, 1, 0);
	ck_assert_uint_eq(m->n, 1);
	ck_assert_double_eq(m->cum[0], 1.0);
	ck_assert_double_eq(m->mean, 6);
	ck_assert_double_eq(prof_model_quantile(m, 0.3), 6);
	/* the empirical request saw rows 2, 3, 5 and 6 of the same pass */
	m = prof_model_at(p, 0, 1);
	ck_assert_int_eq(m->kind, PROF_EMPIRICAL);
	ck_assert_uint_eq(m->n, 4);
	ck_assert_ptr_null(m->cum);
	ck_assert_double_eq(m->sorted[3], 8);
	prof_free(p);
}
END_TEST

/* Means (sum t p / sum p) from the pet_hcw19.csv table of
 * shared/data/README.md, printed to 0.1: within 0.05 of the exact ones. */
static const struct {
	const char *system, *machine, *task_type;
	double mean;
} hcw19_means[] = {
	{"heterogeneous", "0", "0", 70.9},
	{"heterogeneous", "5", "3", 23.0},
	{"heterogeneous", "2", "7", 273.9},
	/* homo_2.etc: every machine has machine 0's heterogeneous PET */
	{"homogeneous", "4", "0", 70.9},
};

START_TEST(hcw19_pet_gives_the_published_means)
{
	/* shared/ sits beside the repository; tests run from its root */
	if (access("../shared/data/pet_hcw19.csv", R_OK) != 0)
		return;
	char text[4096];
	int used = snprintf(text, sizeof text,
			    "{\"machine_types\": [{\"name\": \"m\"}],\n"
			    " \"task_types\": [{\"name\": \"t0\"}, {\"name\": \"t1\"},"
			    " {\"name\": \"t2\"}, {\"name\": \"t3\"}],\n \"exec\": [\n");
	for (int i = 0; i < 4; i++)
		used += snprintf(text + used, sizeof text - (size_t)used,
				 "  {\"task\": \"t%d\", \"machine\": \"m\", \"model\": \"pet\",\n"
				 "   \"csv\": \"../shared/data/pet_hcw19.csv\",\n"
				 "   \"time_column\": \"time\", \"prob_column\": \"probability\",\n"
				 "   \"where\": {\"system\": \"%s\", \"machine\": \"%s\", \"task_type\": \"%s\"}}%s\n",
				 i, hcw19_means[i].system, hcw19_means[i].machine,
				 hcw19_means[i].task_type, i < 3 ? "," : "]}");
	ck_assert((size_t)used < sizeof text);
	io_jdoc doc;
	io_err err = {0};
	/* a label without a directory: the CSV path is taken as written */
	ck_assert_int_eq(io_jdoc_parse(&doc, "hcw19.json", text, strlen(text),
					 &err), 0);
	prof_profile *p;
	int rc = prof_load_json(&p, &doc, doc.root, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	for (uint32_t i = 0; i < 4; i++) {
		const prof_model *m = prof_model_at(p, i, 0);
		ck_assert_msg(fabs(m->mean - hcw19_means[i].mean) <= 0.05,
			      "%s machine %s task %s: mean %.4f, README %.1f",
			      hcw19_means[i].system, hcw19_means[i].machine,
			      hcw19_means[i].task_type, m->mean,
			      hcw19_means[i].mean);
		ck_assert_double_eq(m->cum[m->n - 1], 1.0);
		for (uint32_t k = 1; k < m->n; k++)
			ck_assert(m->sorted[k - 1] < m->sorted[k] &&
				  m->cum[k - 1] <= m->cum[k]);
	}
	ck_assert_uint_eq(prof_model_at(p, 0, 0)->n, 85); /* 85 rows */
	prof_free(p);
	io_jdoc_free(&doc);
}
END_TEST

START_TEST(model_names_round_trip)
{
	for (int k = PROF_CONSTANT; k <= PROF_PET; k++)
		ck_assert_int_eq(prof_model_from_name(prof_model_name(k)), k);
	ck_assert_str_eq(prof_model_name(PROF_LOGNORMAL), "lognormal");
	ck_assert_str_eq(prof_model_name(PROF_REPLAY), "replay");
	ck_assert_str_eq(prof_model_name(PROF_PET), "pet");
	ck_assert_int_eq(prof_model_from_name("zipf"), -1);
	ck_assert_int_eq(prof_model_from_name("none"), -1);
	ck_assert_int_eq(prof_model_from_name(NULL), -1);
}
END_TEST

/* ---- bad input ----------------------------------------------------------- */

/* A valid profile; each bad-input test replaces one line (numbers in the
 * comments). */
static const char *const good_lines[] = {
	"{\n",                                                          /* 1 */
	" \"machine_types\": [\n",                                      /* 2 */
	"   {\"name\": \"m1\", \"vcpu\": 2},\n",                        /* 3 */
	"   {\"name\": \"m2\"}],\n",                                    /* 4 */
	" \"task_types\": [\n",                                         /* 5 */
	"   {\"name\": \"t1\"},\n",                                     /* 6 */
	"   {\"name\": \"t2\"}],\n",                                    /* 7 */
	" \"exec\": [\n",                                               /* 8 */
	"   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"lognormal\", \"mu\": -2, \"sigma\": 0.5},\n", /* 9 */
	"   {\"task\": \"t2\", \"machine\": \"m2\", \"model\": \"constant\", \"value\": 1},\n", /* 10 */
	"   {\"task\": \"t2\", \"machine\": \"m1\",\n",                 /* 11 */
	"    \"model\": \"empirical\", \"csv\": \"data.csv\", \"column\": \"ms\", \"unit\": \"ms\"}\n", /* 12 */
	" ]}\n",                                                        /* 13 */
};
#define N_GOOD (sizeof good_lines / sizeof good_lines[0])

static const char *profile_with(int line, const char *replacement)
{
	static char text[4096];
	text[0] = 0;
	for (size_t i = 0; i < N_GOOD; i++)
		strcat(text, (int)i + 1 == line ? replacement : good_lines[i]);
	test_write("data.csv", "t,ms\nx,1\nx,2\n");
	return test_write("bad_profile.json", text);
}

/* Loading path must fail with IO_EINPUT and a message that starts with
 * "<file>:<line>: " (file NULL: the profile itself) and contains want. */
static void expect_bad(const char *path, const char *file, int line,
		       const char *want)
{
	prof_profile *p = (prof_profile *)1;
	io_err err = {0};
	char prefix[800];
	int rc = prof_load(&p, path, &err);
	ck_assert_msg(rc == IO_EINPUT, "rc %d (%s)", rc, err.msg);
	ck_assert_int_eq(err.code, IO_EINPUT);
	ck_assert_ptr_null(p);
	if (line > 0)
		snprintf(prefix, sizeof prefix, "%s:%d: ", file ? file : path, line);
	else
		snprintf(prefix, sizeof prefix, "%s: ", file ? file : path);
	ck_assert_msg(strncmp(err.msg, prefix, strlen(prefix)) == 0,
		      "want prefix [%s], got [%s]", prefix, err.msg);
	ck_assert_msg(strstr(err.msg, want) != NULL, "want [%s] in [%s]", want,
		      err.msg);
}

START_TEST(good_base_profile_loads)
{
	prof_profile *p;
	io_err err = {0};
	int rc = prof_load(&p, profile_with(0, ""), &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	ck_assert_double_eq(prof_mean(p, 1, 0), 0.0015);
	prof_free(p);
}
END_TEST

START_TEST(unknown_model_is_reported_at_its_entry)
{
	expect_bad(profile_with(12, "    \"model\": \"zipf\", \"csv\": \"data.csv\", \"column\": \"ms\"}\n"),
		   NULL, 11, "unknown model \"zipf\" (expected one of: constant,");
}
END_TEST

START_TEST(unknown_machine_in_exec_is_reported_at_its_entry)
{
	expect_bad(profile_with(10, "   {\"task\": \"t2\", \"machine\": \"m9\", \"model\": \"constant\", \"value\": 1},\n"),
		   NULL, 10, "unknown machine type \"m9\"");
	expect_bad(profile_with(10, "   {\"task\": \"t9\", \"machine\": \"m2\", \"model\": \"constant\", \"value\": 1},\n"),
		   NULL, 10, "unknown task type \"t9\"");
}
END_TEST

START_TEST(bad_parameters_are_reported_at_their_entry)
{
	expect_bad(profile_with(9, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"lognormal\", \"mu\": -2, \"sigma\": -0.5},\n"),
		   NULL, 9, "\"sigma\" must be > 0");
	expect_bad(profile_with(9, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"lognormal\", \"mu\": -2},\n"),
		   NULL, 9, "missing \"sigma\"");
	expect_bad(profile_with(9, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"normal\", \"mean\": 1, \"sd\": 0},\n"),
		   NULL, 9, "\"sd\" must be > 0");
	expect_bad(profile_with(9, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"uniform\", \"min\": 3, \"max\": 1},\n"),
		   NULL, 9, "\"max\" must be >= \"min\"");
	expect_bad(profile_with(9, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"exponential\", \"mean\": 1, \"rate\": 1},\n"),
		   NULL, 9, "not both");
	expect_bad(profile_with(9, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"gamma\", \"shape\": 2, \"scale\": \"big\"},\n"),
		   NULL, 9, "\"scale\" must be a number");
	expect_bad(profile_with(9, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"constant\", \"value\": 1, \"shift\": -1},\n"),
		   NULL, 9, "\"shift\" must be >= 0");
	expect_bad(profile_with(9, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"lognormal\", \"mu\": 800, \"sigma\": 1},\n"),
		   NULL, 9, "not finite");
	expect_bad(profile_with(9, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"empirical\", \"samples\": [1, -2]},\n"),
		   NULL, 9, "samples[1] must be a number >= 0");
	expect_bad(profile_with(9, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"empirical\", \"samples\": [1], \"unit\": \"h\"},\n"),
		   NULL, 9, "\"unit\"");
}
END_TEST

START_TEST(unknown_keys_are_reported_where_they_are)
{
	/* in an exec entry: the entry's line */
	expect_bad(profile_with(12, "    \"model\": \"empirical\", \"csv\": \"data.csv\", \"colum\": \"ms\"}\n"),
		   NULL, 11, "unknown key \"colum\"");
	/* a parameter of another family is a typo too */
	expect_bad(profile_with(10, "   {\"task\": \"t2\", \"machine\": \"m2\", \"model\": \"constant\", \"mean\": 1},\n"),
		   NULL, 10, "unknown key \"mean\" (expected one of: task, machine, model, shift, source, value)");
	/* in a machine type: the key's line */
	expect_bad(profile_with(4, "   {\"name\": \"m2\", \"vpcu\": 4}],\n"),
		   NULL, 4, "unknown key \"vpcu\"");
	expect_bad(profile_with(1, "{\"extra\": 1,\n"), NULL, 1,
		   "unknown key \"extra\"");
}
END_TEST

START_TEST(duplicate_pair_is_reported_at_the_second_entry)
{
	expect_bad(profile_with(10, "   {\"task\": \"t1\", \"machine\": \"m1\", \"model\": \"constant\", \"value\": 1},\n"),
		   NULL, 10, "duplicate exec entry for task \"t1\" on machine \"m1\" (first at line 9)");
}
END_TEST

START_TEST(duplicate_type_names_are_rejected)
{
	expect_bad(profile_with(4, "   {\"name\": \"m1\"}],\n"), NULL, 4,
		   "duplicate machine type \"m1\" (first at line 3)");
	expect_bad(profile_with(7, "   {\"name\": \"t1\"}],\n"), NULL, 7,
		   "duplicate task type \"t1\"");
}
END_TEST

START_TEST(task_type_without_machine_is_reported)
{
	/* t2 loses both entries */
	char text[4096] = "";
	for (size_t i = 0; i < N_GOOD; i++)
		if (i != 9 && i != 10 && i != 11)
			strcat(text, good_lines[i]);
	/* drop the trailing comma of the (now last) entry on line 9 */
	char *comma = strstr(text, "0.5},");
	comma[4] = ' ';
	expect_bad(test_write("orphan.json", text), NULL, 7,
		   "task type \"t2\" has no exec entry");
}
END_TEST

START_TEST(csv_missing_column_names_csv_header_line)
{
	const char *p = profile_with(12, "    \"model\": \"empirical\", \"csv\": \"data.csv\", \"column\": \"sec\"}\n");
	char csv[600];
	snprintf(csv, sizeof csv, "%s/data.csv", test_tmpdir());
	expect_bad(p, csv, 1, "no column \"sec\"");
	p = profile_with(12, "    \"model\": \"empirical\", \"csv\": \"data.csv\", \"column\": \"ms\", \"where\": {\"task\": \"x\"}}\n");
	expect_bad(p, csv, 1, "no column \"task\"");
}
END_TEST

START_TEST(csv_bad_number_names_csv_file_and_line)
{
	const char *p = profile_with(12, "    \"model\": \"empirical\", \"csv\": \"bad.csv\", \"column\": \"ms\", \"where\": {\"t\": \"x\"}}\n");
	/* the bad value is in a kept row on line 4; line 3 is filtered out
	 * by where, so its junk is not looked at */
	const char *csv = test_write("bad.csv", "t,ms\nx,1\ny,junk\nx,abc\n");
	expect_bad(p, csv, 4, "bad number \"abc\" in column ms");
	csv = test_write("bad.csv", "t,ms\nx,1\nx,-3\n");
	expect_bad(p, csv, 3, "negative");
	csv = test_write("bad.csv", "t,ms\nx,1\nx,2,3\n");
	expect_bad(p, csv, 3, "fields");
	/* decimal numbers only; no absurd times; RFC 4180; commas */
	csv = test_write("bad.csv", "t,ms\nx,1\nx,0x10\n");
	expect_bad(p, csv, 3, "bad number \"0x10\" in column ms");
	csv = test_write("bad.csv", "t,ms\nx,1\nx,inf\n");
	expect_bad(p, csv, 3, "bad number \"inf\" in column ms");
	csv = test_write("bad.csv", "t,ms\nx,1e200\n");
	expect_bad(p, csv, 2, "time 1e200 in column ms is larger than 1e+15");
	csv = test_write("bad.csv", "t,ms\nx,1\n\"x\"y,2\n");
	expect_bad(p, csv, 3, "malformed CSV");
	csv = test_write("bad.csv", "t;ms\nx;1\n");
	expect_bad(p, csv, 1, "fields are separated by ';'; hetsim reads comma-separated CSV");
}
END_TEST

/* A spreadsheet's "CSV UTF-8": BOM, quoted header and fields (one with a
 * comma and a doubled quote), CRLF. */
START_TEST(empirical_from_bom_quoted_csv_reads_like_plain)
{
	test_write("quoted.csv", "\xEF\xBB\xBF\"task\",\"machine\",\"ms\",\"note\"\r\n"
				 "\"a\",\"m1\",\"100\",\"x, \"\"quoted\"\"\"\r\n"
				 "a,m2,7,x\r\n"
				 "\"a\",m1,300,\"two\r\nlines\"\r\n");
	prof_profile *p = load_text("quoted.json",
		"{\"machine_types\": [{\"name\": \"m1\"}],\n"
		" \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n"
		" \"exec\": [\n"
		"  {\"task\": \"a\", \"machine\": \"m1\", \"model\": \"empirical\", \"csv\": \"quoted.csv\",\n"
		"   \"column\": \"ms\", \"where\": {\"machine\": \"m1\"}, \"unit\": \"ms\"},\n"
		"  {\"task\": \"b\", \"machine\": \"m1\", \"model\": \"empirical\", \"csv\": \"quoted.csv\",\n"
		"   \"column\": \"ms\", \"where\": {\"note\": \"x, \\\"quoted\\\"\"}}\n"
		" ]}\n");
	const prof_model *am1 = prof_model_at(p, 0, 0);
	ck_assert_uint_eq(am1->n, 2);
	ck_assert_double_eq_tol(am1->sorted[0], 0.1, 1e-15);
	ck_assert_double_eq_tol(am1->sorted[1], 0.3, 1e-15);
	const prof_model *bm1 = prof_model_at(p, 1, 0);
	ck_assert_uint_eq(bm1->n, 1);
	ck_assert_double_eq(bm1->sorted[0], 100);
	prof_free(p);
}
END_TEST

START_TEST(csv_without_matching_rows_or_file_is_reported)
{
	const char *p = profile_with(12, "    \"model\": \"empirical\", \"csv\": \"data.csv\", \"column\": \"ms\", \"where\": {\"t\": \"zz\"}}\n");
	expect_bad(p, NULL, 11, "no rows of data.csv match");
	p = profile_with(12, "    \"model\": \"empirical\", \"csv\": \"nothere.csv\", \"column\": \"ms\"}\n");
	char csv[600];
	snprintf(csv, sizeof csv, "%s/nothere.csv", test_tmpdir());
	expect_bad(p, csv, 0, "cannot open");
}
END_TEST

START_TEST(replay_and_pet_bad_input_is_reported_at_its_entry)
{
	/* the entry starts on line 11; its model is on line 12 */
	expect_bad(profile_with(12, "    \"model\": \"replay\", \"samples\": [1, -2]}\n"),
		   NULL, 11, "samples[1] must be a number >= 0");
	expect_bad(profile_with(12, "    \"model\": \"replay\", \"csv\": \"data.csv\"}\n"),
		   NULL, 11, "missing \"column\"");
	expect_bad(profile_with(12, "    \"model\": \"pet\", \"bins\": [[1, 0.5], [2, -0.1]]}\n"),
		   NULL, 11, "bins[1]: the probability must be a number >= 0");
	expect_bad(profile_with(12, "    \"model\": \"pet\", \"bins\": [[-1, 0.5]]}\n"),
		   NULL, 11, "bins[0]: the time must be a number >= 0");
	expect_bad(profile_with(12, "    \"model\": \"pet\", \"bins\": [[1, \"NaN\"]]}\n"),
		   NULL, 11, "bins[0]: the probability must be a number >= 0");
	expect_bad(profile_with(12, "    \"model\": \"pet\", \"bins\": [[1, 0], [2, 0]]}\n"),
		   NULL, 11, "pet probabilities are all 0");
	expect_bad(profile_with(12, "    \"model\": \"pet\", \"bins\": [[1, 0.5, 2]]}\n"),
		   NULL, 11, "bins[0] must be a pair [time, probability]");
	expect_bad(profile_with(12, "    \"model\": \"pet\", \"bins\": []}\n"),
		   NULL, 11, "\"bins\" must be a non-empty array");
	expect_bad(profile_with(12, "    \"model\": \"pet\", \"bins\": [[1, 1]], \"time_column\": \"t\"}\n"),
		   NULL, 11, "\"time_column\" goes with \"csv\", not \"bins\"");
	expect_bad(profile_with(12, "    \"model\": \"pet\", \"bins\": [[1, 1]], \"csv\": \"pet.csv\"}\n"),
		   NULL, 11, "give \"bins\" or \"csv\", not both");
	expect_bad(profile_with(12, "    \"model\": \"pet\"}\n"), NULL, 11,
		   "missing \"bins\" (or \"csv\", \"time_column\" and \"prob_column\")");
	expect_bad(profile_with(12, "    \"model\": \"pet\", \"csv\": \"pet.csv\", \"prob_column\": \"p\"}\n"),
		   NULL, 11, "missing \"time_column\"");
	expect_bad(profile_with(12, "    \"model\": \"pet\", \"samples\": [1]}\n"),
		   NULL, 11, "unknown key \"samples\"");
}
END_TEST

START_TEST(pet_csv_bad_values_name_the_csv_line)
{
	const char *p = profile_with(12, "    \"model\": \"pet\", \"csv\": \"pet.csv\", \"time_column\": \"time\",\n"
					 "     \"prob_column\": \"p\", \"where\": {\"t\": \"x\"}}\n");
	/* rows of t = y are filtered out: their junk is not looked at */
	const char *csv = test_write("pet.csv", "t,time,p\nx,1,0.5\ny,2,junk\nx,2,nan\n");
	expect_bad(p, csv, 4, "bad number \"nan\" in column p");
	csv = test_write("pet.csv", "t,time,p\nx,1,0.5\nx,2,-0.25\n");
	expect_bad(p, csv, 3, "negative probability -0.25 in column p");
	csv = test_write("pet.csv", "t,time,p\nx,-1,0.5\n");
	expect_bad(p, csv, 2, "negative time -1 in column time");
	csv = test_write("pet.csv", "t,time,prob\nx,1,0.5\n");
	expect_bad(p, csv, 1, "no column \"p\"");
	/* every kept row has probability 0: the entry is at fault */
	test_write("pet.csv", "t,time,p\nx,1,0\ny,2,1\nx,3,0\n");
	expect_bad(p, NULL, 11, "pet probabilities are all 0");
}
END_TEST

START_TEST(structural_errors_are_reported)
{
	expect_bad(test_write("arr.json", "\n[1, 2]\n"), NULL, 2,
		   "must be a JSON object");
	expect_bad(test_write("nomt.json", "{\"task_types\": [{\"name\": \"t\"}], \"exec\": []}"),
		   NULL, 1, "missing \"machine_types\"");
	expect_bad(test_write("empty.json", "{\"machine_types\": [{\"name\": \"m\"}],\n"
					    " \"task_types\": [], \"exec\": []}\n"),
		   NULL, 2, "\"task_types\" must not be empty");
	expect_bad(test_write("null.json", "{\"machine_types\": [{\"name\": \"m\"}],\n"
					   " \"exec\": [],\n \"task_types\": null}\n"),
		   NULL, 3, "\"task_types\" must be an array");
	expect_bad(profile_with(3, "   {\"name\": \"m1\", \"slots\": 0},\n"), NULL, 3,
		   "\"slots\"");
	expect_bad(profile_with(3, "   {\"name\": \"m1\", \"power_w\": {\"idle\": 50, \"busy\": 10}},\n"),
		   NULL, 3, "below idle");
	expect_bad(profile_with(3, "   {\"name\": \"m1\", \"accelerator\": true},\n"), NULL, 3,
		   "\"accelerator\" must be a string or null");
	expect_bad(profile_with(3, "   null,\n"), NULL, 3, "must be an object");
	expect_bad(profile_with(3, "   {\"name\": \"\"},\n"), NULL, 3, "must not be empty");
	expect_bad(profile_with(12, "    \"model\": \"empirical\", \"csv\": \"data.csv\", \"column\": \"ms\", \"where\": {\"t\": 1}}\n"),
		   NULL, 11, "where \"t\" must be a string");
	/* malformed JSON names its own line */
	expect_bad(profile_with(6, "   {\"name\": \"t1\"}\n"), NULL, 7, "");
}
END_TEST

static int cmp_dbl_asc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* 10^5 random draws of the ECDF model of the measured speech-recognition
 * times on c5.2xlarge (bimodal, rounded to ms) against the measured
 * samples: two-sample KS must not reject at the 0.1% level, and the
 * draws' quantiles match the source's to within 2 ms. */
START_TEST(ecdf_draws_reproduce_the_measured_distribution)
{
	if (access("profiles/data/heet_single.csv.gz", R_OK) != 0)
		return;
	const char *text =
		"{\"machine_types\": [{\"name\": \"c5.2xlarge\"}],\n"
		" \"task_types\": [{\"name\": \"sr\"}],\n"
		" \"exec\": [{\"task\": \"sr\", \"machine\": \"c5.2xlarge\", \"model\": \"empirical\",\n"
		"  \"csv\": \"heet_single.csv.gz\", \"column\": \"inference_ms\", \"unit\": \"ms\",\n"
		"  \"where\": {\"task_type\": \"speech_recognition\", \"machine\": \"c5.2xlarge\"}}]}\n";
	io_jdoc doc = {0};
	io_err err = {0};
	ck_assert_int_eq(io_jdoc_parse(&doc, "profiles/data/inline.json", text,
					 strlen(text), &err), 0);
	prof_profile *p = NULL;
	ck_assert_msg(prof_load_json(&p, &doc, doc.root, &err) == 0, "%s", err.msg);
	const prof_model *m = prof_model_at(p, 0, 0);
	enum { N = 100000 };
	static double draws[N];
	gsl_rng *r = sim_rng_new(31, 0);
	for (int i = 0; i < N; i++)
		draws[i] = prof_model_quantile(m, gsl_rng_uniform_pos(r));
	gsl_rng_free(r);
	qsort(draws, N, sizeof draws[0], cmp_dbl_asc);
	double d = prof_ks2_stat(draws, N, m->sorted, m->n);
	double pv = prof_ks2_pvalue(d, N, m->n);
	ck_assert_msg(pv > 0.001, "KS two-sample D = %g, p = %g", d, pv);
	for (double q = 0.05; q < 1; q += 0.1) {
		double src = m->sorted[(size_t)(q * (m->n - 1))];
		double got = draws[(size_t)(q * (N - 1))];
		ck_assert_msg(fabs(got - src) <= 0.002, "q %.2f: %g vs %g", q, got, src);
	}
	prof_free(p);
	io_jdoc_free(&doc);
}
END_TEST

/* Every shipped profile loads, and every model in it has a finite mean. */
START_TEST(shipped_profiles_load)
{
	const char *names[] = {"heet", "heet_fitted", "oilgas", "video_transcode",
			       "video_multiparam", "dnn_virt", "pet_hcw19"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char path[256];
		snprintf(path, sizeof path, "profiles/data/%s.json", names[i]);
		prof_profile *p = NULL;
		io_err err = {0};
		ck_assert_msg(prof_load(&p, path, &err) == 0, "%s", err.msg);
		for (uint32_t t = 0; t < p->n_tasks; t++)
			for (uint32_t m = 0; m < p->n_machines; m++)
				if (prof_can_run(p, t, m))
					ck_assert_msg(isfinite(prof_mean(p, t, m)),
						      "%s %u %u", path, t, m);
		prof_free(p);
	}
}
END_TEST

/* make profiles is reproducible: rebuilding from shared/data gives the
 * shipped files byte for byte (skipped without ../shared/data). */
START_TEST(make_profiles_rebuilds_the_shipped_files)
{
	if (access("../shared/data/machines.csv", R_OK) != 0)
		return;
	char cmd[1400];
	snprintf(cmd, sizeof cmd,
		 "sh profiles/build_profiles.sh %s ../shared/data '%s/prof' >/dev/null && "
		 "for f in heet_fitted oilgas video_transcode video_multiparam dnn_virt "
		 "pet_hcw19; do cmp profiles/data/$f.json '%s/prof/'$f.json >&2 || exit 1; "
		 "done && cmp profiles/data/FITS.md '%s/prof/FITS.md' >&2",
		 test_bin(), test_tmpdir(), test_tmpdir(), test_tmpdir());
	char err[2048];
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0,
		      "shipped profiles are stale (run make profiles): %s", err);
}
END_TEST

Suite *suite_profiles(void)
{
	Suite *s = suite_create("profiles");
	TCase *tc = tcase_create("models");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, loads_machine_and_task_types_with_defaults);
	tcase_add_test(tc, means_match_closed_forms);
	tcase_add_test(tc, quantiles_match_gsl_inverse_cdfs);
	tcase_add_test(tc, quantiles_are_monotone_finite_and_nonnegative);
	tcase_add_test(tc, model_bounds_hold_every_draw);
	tcase_add_test(tc, stratified_sample_means_match_exact_means);
	tcase_add_test(tc, empirical_samples_interpolate_the_sorted_values);
	tcase_add_test(tc, empirical_from_csv_and_gzip_csv_with_where_and_unit);
	tcase_add_test(tc, empirical_from_bom_quoted_csv_reads_like_plain);
	tcase_add_test(tc, heet_csv_gives_the_published_speech_recognition_mean);
	tcase_add_test(tc, shipped_heet_profile_matches_published_means);
	tcase_add_test(tc, chi_square_critical_value_is_the_0_1_percent_point);
	tcase_add_test(tc, replay_quantiles_pick_the_sorted_samples);
	tcase_add_test(tc, replay_draws_reproduce_the_sample_frequencies);
	tcase_add_test(tc, pet_bins_are_sorted_and_cumulated_on_load);
	tcase_add_test(tc, pet_draws_reproduce_the_normalised_bin_probabilities);
	tcase_add_test(tc, pet_from_csv_with_where_filters);
	tcase_add_test(tc, hcw19_pet_gives_the_published_means);
	tcase_add_test(tc, model_names_round_trip);
	tcase_add_test(tc, ecdf_draws_reproduce_the_measured_distribution);
	tcase_add_test(tc, shipped_profiles_load);
	tcase_add_test(tc, make_profiles_rebuilds_the_shipped_files);
	suite_add_tcase(s, tc);
	TCase *bad = tcase_create("bad input");
	tcase_set_timeout(bad, 60);
	tcase_add_test(bad, good_base_profile_loads);
	tcase_add_test(bad, unknown_model_is_reported_at_its_entry);
	tcase_add_test(bad, unknown_machine_in_exec_is_reported_at_its_entry);
	tcase_add_test(bad, bad_parameters_are_reported_at_their_entry);
	tcase_add_test(bad, unknown_keys_are_reported_where_they_are);
	tcase_add_test(bad, duplicate_pair_is_reported_at_the_second_entry);
	tcase_add_test(bad, duplicate_type_names_are_rejected);
	tcase_add_test(bad, task_type_without_machine_is_reported);
	tcase_add_test(bad, csv_missing_column_names_csv_header_line);
	tcase_add_test(bad, csv_bad_number_names_csv_file_and_line);
	tcase_add_test(bad, csv_without_matching_rows_or_file_is_reported);
	tcase_add_test(bad, replay_and_pet_bad_input_is_reported_at_its_entry);
	tcase_add_test(bad, pet_csv_bad_values_name_the_csv_line);
	tcase_add_test(bad, structural_errors_are_reported);
	suite_add_tcase(s, bad);
	return s;
}
