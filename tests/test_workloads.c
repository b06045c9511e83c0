/* tests/test_workloads.c — arrival sources: Poisson and MMPP statistics
 * against their analytic values, determinism, trace replay and the errors
 * of bad workload JSON and bad trace rows (file:line). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <gsl/gsl_rng.h>
#include "profiles/profile.h"
#include "sim/base/rng.h"
#include "tests/tests.h"
#include "workloads/workload.h"

/* Three task types a, b, c that run on one machine type. */
static const char profile_json[] =
	"{\"machine_types\": [{\"name\": \"m\"}],\n"
	" \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}, "
	"{\"name\": \"c\"}],\n"
	" \"exec\": [\n"
	"  {\"task\": \"a\", \"machine\": \"m\", \"model\": \"constant\", "
	"\"value\": 1},\n"
	"  {\"task\": \"b\", \"machine\": \"m\", \"model\": \"constant\", "
	"\"value\": 2},\n"
	"  {\"task\": \"c\", \"machine\": \"m\", \"model\": \"constant\", "
	"\"value\": 3}]}\n";

static io_jdoc profile_doc;
static prof_profile *profile;
static io_err err;

static void setup_profile(void)
{
	memset(&err, 0, sizeof err);
	int rc = io_jdoc_parse(&profile_doc, "profile.json", profile_json,
				 strlen(profile_json), &err);
	ck_assert_msg(rc == IO_OK, "profile JSON: %s", err.msg);
	rc = prof_load_json(&profile, &profile_doc, profile_doc.root, &err);
	ck_assert_msg(rc == IO_OK, "profile: %s", err.msg);
}

static void teardown_profile(void)
{
	prof_free(profile);
	profile = NULL;
	io_jdoc_free(&profile_doc);
}

/* Build a source from the text of a workload object, written as the
 * "workload" of an experiment file in the test directory (so that a trace
 * path resolves there). The object's text starts on line 1. Returns the
 * code; err holds the message. */
static int make_source(const char *workload_text, uint64_t seed,
		       wl_source **out)
{
	memset(&err, 0, sizeof err);
	*out = NULL;
	size_t cap = strlen(workload_text) + 64;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	snprintf(text, cap, "{\"workload\": %s}", workload_text);
	char label[512];
	snprintf(label, sizeof label, "%s/exp.json", test_tmpdir());
	io_jdoc doc;
	int rc = io_jdoc_parse(&doc, label, text, strlen(text), &err);
	free(text);
	tck_assert_msg(rc == IO_OK, "experiment JSON: %s", err.msg);
	rc = wl_source_from_json(out, &doc,
				 json_object_get(doc.root, "workload"), profile,
				 seed, &err);
	io_jdoc_free(&doc);
	return rc;
}

static wl_source *must_make_source(const char *workload_text, uint64_t seed)
{
	wl_source *s;
	int rc = make_source(workload_text, seed, &s);
	tck_assert_msg(rc == IO_OK, "workload: %s", err.msg);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* Check's ck_assert records a mark point (a write to a file) even when it
 * passes; over 10^5 tasks that would dominate, so per-task checks use this,
 * which only calls into Check on a failure. */
#define require(cond, ...)                                                     \
	do {                                                                   \
		if (!(cond))                                                   \
			ck_abort_msg(__VA_ARGS__);                             \
	} while (0)

static int next_task(wl_source *s, wl_task *t)
{
	int rc = wl_next(s, t, &err);
	require(rc >= 0, "wl_next: %s", err.msg);
	return rc;
}

/* ------------------------------------------------- the arrival stream */

/* sim_mt is GSL's mt19937 drawn inline: the same outputs and the same
 * uniforms for every seed (0 included, which both take as 4357), over
 * several refills of the 624-word state. */
START_TEST(test_sim_mt_draws_what_gsl_mt19937_draws)
{
	static const uint64_t seeds[] = {0, 1, 4357, 0xFFFFFFFFu,
					 0x123456789ull};
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
		ck_assert_ptr_nonnull(r);
		gsl_rng_set(r, (unsigned long)(uint32_t)seeds[i]);
		sim_mt g;
		sim_mt_seed(&g, seeds[i]);
		for (int k = 0; k < 5000; k++) {
			unsigned long want = gsl_rng_get(r);
			uint32_t got = sim_mt_get(&g);
			require(got == want, "seed %llu draw %d: %lu, not %lu",
				(unsigned long long)seeds[i], k,
				(unsigned long)got, want);
			double u = gsl_rng_uniform_pos(r);
			double v = sim_mt_uniform_pos(&g);
			require(u == v, "seed %llu uniform %d: %a, not %a",
				(unsigned long long)seeds[i], k, v, u);
		}
		gsl_rng_free(r);
	}
}
END_TEST

/* The arrival times and types of a Poisson source are, bit for bit,
 * those of the documented draws from GSL's generator for the stream: per
 * task a gap -log(u1) / rate and a type, the first i with u2 < cum[i]
 * (u2 drawn also when one type is all the mix may give). Three forms: a
 * mix of three types, a mix of one (b) and the same stopped by a duration
 * instead of a count (the tasks before it, counted from the draws). */
START_TEST(test_poisson_draws_are_gsls_bit_for_bit)
{
	/* counts around the source's batch of 64 draws, and many batches */
	static const unsigned counts[] = {1, 63, 64, 65, 128, 3000};
	const uint64_t seed = 20261203;
	for (int form = 0; form < 3; form++) {
		unsigned want_n = counts[_i];
		char text[256];
		const char *mix = form == 0 ? "{\"a\": 1, \"b\": 2, \"c\": 3}"
					    : "{\"b\": 1}";
		const double cum3[3] = {1.0 / 6.0, 3.0 / 6.0, 1.0};
		const double cum1[3] = {0.0, 1.0, 1.0}; /* b, as a mix of 3 */
		const double *cum = form == 0 ? cum3 : cum1;
		/* form 2: a duration between the draws of task want_n - 1
		 * and of task want_n, found from the draws themselves */
		double duration = INFINITY;
		if (form == 2) {
			gsl_rng *d = sim_rng_new(seed, SIM_STREAM_ARRIVALS);
			ck_assert_ptr_nonnull(d);
			double at = 0.0, last = 0.0;
			for (unsigned k = 0; k <= want_n; k++) {
				last = at;
				at += -log(gsl_rng_uniform_pos(d)) / 37.5;
				gsl_rng_uniform_pos(d);
			}
			duration = 0.5 * (last + at);
			gsl_rng_free(d);
		}
		if (form < 2)
			snprintf(text, sizeof text,
				 "{\"arrival\": \"poisson\", \"rate_per_s\": 37.5, "
				 "\"mix\": %s, \"tasks\": %u, \"start_s\": 2.5}",
				 mix, want_n);
		else
			snprintf(text, sizeof text,
				 "{\"arrival\": \"poisson\", \"rate_per_s\": 37.5, "
				 "\"mix\": %s, \"duration_s\": %.17g, "
				 "\"start_s\": 2.5}",
				 mix, duration);
		wl_source *s = must_make_source(text, seed);
		gsl_rng *r = sim_rng_new(seed, SIM_STREAM_ARRIVALS);
		ck_assert_ptr_nonnull(r);
		double elapsed = 0.0;
		wl_task t;
		uint64_t n = 0;
		while (next_task(s, &t) == 1) {
			elapsed += -log(gsl_rng_uniform_pos(r)) / 37.5;
			double u = gsl_rng_uniform_pos(r);
			uint32_t type = 0;
			while (u >= cum[type])
				type++;
			require(t.id == n, "form %d: id %llu, not %llu", form,
				(unsigned long long)t.id, (unsigned long long)n);
			require(t.arrival_s == 2.5 + elapsed,
				"form %d: task %llu arrives at %a, not %a", form,
				(unsigned long long)n, t.arrival_s, 2.5 + elapsed);
			require(t.type == type, "form %d: task %llu type %u, not %u",
				form, (unsigned long long)n, t.type, type);
			n++;
		}
		ck_assert_msg(n == want_n, "form %d: %llu tasks, not %u", form,
			      (unsigned long long)n, want_n);
		ck_assert_int_eq(wl_next(s, &t, &err), 0); /* and stays exhausted */
		gsl_rng_free(r);
		wl_free(s);
	}
}
END_TEST

/* ------------------------------------------------------------- Poisson */

START_TEST(test_poisson_interarrival_mean_and_cv_match_exponential)
{
	wl_source *s = must_make_source(
		"{\"arrival\": \"poisson\", \"rate_per_s\": 50, "
		"\"tasks\": 200000}",
		11);
	ck_assert_double_eq_tol(wl_mean_rate(s), 50.0, 1e-12);
	ck_assert_uint_eq(wl_expected_tasks(s), 200000);
	wl_task t;
	double prev = 0.0, sum = 0.0, sumsq = 0.0;
	uint64_t n = 0;
	while (next_task(s, &t)) {
		double gap = t.arrival_s - prev;
		prev = t.arrival_s;
		sum += gap;
		sumsq += gap * gap;
		n++;
	}
	ck_assert_uint_eq(n, 200000);
	double mean = sum / (double)n;
	double var = (sumsq - sum * sum / (double)n) / (double)(n - 1);
	double cv = sqrt(var) / mean;
	ck_assert_msg(fabs(mean - 0.02) < 0.01 * 0.02, "mean gap %g", mean);
	ck_assert_msg(fabs(cv - 1.0) < 0.02, "cv %g", cv);
	wl_free(s);
}
END_TEST

/* Count types over n tasks into freq[3] (fractions). */
static void type_frequencies(wl_source *s, uint64_t n, double freq[3])
{
	uint64_t count[3] = {0, 0, 0};
	wl_task t;
	for (uint64_t i = 0; i < n; i++) {
		require(next_task(s, &t) == 1, "ended after %llu tasks",
			(unsigned long long)i);
		require(t.type < 3, "type %u", t.type);
		count[t.type]++;
	}
	for (int k = 0; k < 3; k++)
		freq[k] = (double)count[k] / (double)n;
}

START_TEST(test_poisson_mix_frequencies_match_weights)
{
	wl_source *s = must_make_source(
		"{\"arrival\": \"poisson\", \"rate_per_s\": 50,"
		" \"mix\": {\"a\": 1, \"b\": 2, \"c\": 1}, \"tasks\": 200000}",
		3);
	double f[3];
	type_frequencies(s, 200000, f);
	ck_assert_double_eq_tol(f[0], 0.25, 0.01);
	ck_assert_double_eq_tol(f[1], 0.50, 0.01);
	ck_assert_double_eq_tol(f[2], 0.25, 0.01);
	wl_free(s);
}
END_TEST

START_TEST(test_poisson_type_left_out_of_mix_never_arrives)
{
	wl_source *s = must_make_source(
		"{\"arrival\": \"poisson\", \"rate_per_s\": 50,"
		" \"mix\": {\"a\": 1, \"b\": 0, \"c\": 3}, \"tasks\": 200000}",
		4);
	double f[3];
	type_frequencies(s, 200000, f);
	ck_assert_double_eq_tol(f[0], 0.25, 0.01);
	ck_assert_double_eq(f[1], 0.0);
	ck_assert_double_eq_tol(f[2], 0.75, 0.01);
	wl_free(s);
}
END_TEST

START_TEST(test_poisson_default_mix_is_uniform_over_types)
{
	wl_source *s =
		must_make_source("{\"arrival\": \"poisson\", \"rate_per_s\": 5,"
				 " \"tasks\": 200000}",
				 5);
	double f[3];
	type_frequencies(s, 200000, f);
	for (int k = 0; k < 3; k++)
		ck_assert_double_eq_tol(f[k], 1.0 / 3.0, 0.01);
	wl_free(s);
}
END_TEST

/* Both sources must give bitwise the same first n tasks. */
static void assert_same_tasks(wl_source *x, wl_source *y, uint64_t n)
{
	wl_task a, b;
	for (uint64_t i = 0; i < n; i++) {
		require(next_task(x, &a) == 1 && next_task(y, &b) == 1,
			"ended after %llu tasks", (unsigned long long)i);
		require(a.id == b.id && a.id == i, "ids %llu, %llu",
			(unsigned long long)a.id, (unsigned long long)b.id);
		require(a.arrival_s == b.arrival_s, "task %llu: %.17g vs %.17g",
			(unsigned long long)i, a.arrival_s, b.arrival_s);
		require(a.type == b.type, "task %llu: type %u vs %u",
			(unsigned long long)i, a.type, b.type);
		require(isnan(a.deadline_s) && isnan(b.deadline_s),
			"generated tasks have no deadline");
		require(a.size == 1.0 && b.size == 1.0, "generated size 1");
	}
}

START_TEST(test_poisson_per_type_rates_equal_total_rate_and_mix)
{
	wl_source *per_type = must_make_source(
		"{\"arrival\": \"poisson\","
		" \"rate_per_s\": {\"a\": 12.5, \"b\": 25, \"c\": 12.5},"
		" \"tasks\": 20000}",
		21);
	wl_source *mixed = must_make_source(
		"{\"arrival\": \"poisson\", \"rate_per_s\": 50,"
		" \"mix\": {\"a\": 1, \"b\": 2, \"c\": 1}, \"tasks\": 20000}",
		21);
	ck_assert_double_eq(wl_mean_rate(per_type), 50.0);
	assert_same_tasks(per_type, mixed, 20000);
	wl_free(per_type);
	wl_free(mixed);
}
END_TEST

START_TEST(test_poisson_arrival_times_do_not_depend_on_mix)
{
	wl_source *one =
		must_make_source("{\"arrival\": \"poisson\", \"rate_per_s\": 7,"
				 " \"mix\": {\"a\": 1}, \"tasks\": 5000}",
				 99);
	wl_source *three =
		must_make_source("{\"arrival\": \"poisson\", \"rate_per_s\": 7,"
				 " \"tasks\": 5000}",
				 99);
	wl_task a, b;
	while (next_task(one, &a)) {
		require(next_task(three, &b) == 1, "three types ended first");
		require(a.type == 0, "type %u is not in the mix", a.type);
		require(a.arrival_s == b.arrival_s, "%.17g vs %.17g",
			a.arrival_s, b.arrival_s);
	}
	wl_free(one);
	wl_free(three);
}
END_TEST

START_TEST(test_poisson_tasks_count_ids_sequential_arrivals_nondecreasing)
{
	wl_source *s = must_make_source(
		"{\"arrival\": \"poisson\", \"rate_per_s\": 1000,"
		" \"tasks\": 12345}",
		1);
	wl_task t;
	uint64_t n = 0;
	double prev = 0.0;
	while (next_task(s, &t)) {
		require(t.id == n, "id %llu at %llu", (unsigned long long)t.id,
			(unsigned long long)n);
		require(t.arrival_s >= prev && isfinite(t.arrival_s),
			"arrival %g after %g", t.arrival_s, prev);
		require(isnan(t.deadline_s), "deadline %g", t.deadline_s);
		require(t.size == 1.0 && !t.exec_s, "size %g", t.size);
		prev = t.arrival_s;
		n++;
	}
	ck_assert_uint_eq(n, 12345);
	/* exhausted stays exhausted */
	ck_assert_int_eq(next_task(s, &t), 0);
	ck_assert_int_eq(next_task(s, &t), 0);
	wl_free(s);
}
END_TEST

START_TEST(test_poisson_duration_bounds_arrivals_and_count)
{
	/* N(T) ~ Poisson(rate T) = Poisson(50000): sd 223.6 */
	wl_source *s = must_make_source(
		"{\"arrival\": \"poisson\", \"rate_per_s\": 50,"
		" \"duration_s\": 1000}",
		8);
	ck_assert_uint_eq(wl_expected_tasks(s), 50000);
	wl_task t;
	uint64_t n = 0;
	while (next_task(s, &t)) {
		require(t.arrival_s < 1000.0, "arrival %g", t.arrival_s);
		n++;
	}
	ck_assert_msg(fabs((double)n - 50000.0) < 4.0 * sqrt(50000.0),
		      "count %llu", (unsigned long long)n);
	wl_free(s);
}
END_TEST

START_TEST(test_poisson_tasks_and_duration_whichever_first)
{
	wl_source *s = must_make_source(
		"{\"arrival\": \"poisson\", \"rate_per_s\": 50,"
		" \"duration_s\": 10, \"tasks\": 1000000}",
		8);
	/* the duration ends it long before a million tasks */
	ck_assert_uint_eq(wl_expected_tasks(s), 500);
	wl_task t;
	uint64_t n = 0;
	while (next_task(s, &t))
		n++;
	ck_assert_msg(n > 300 && n < 700, "count %llu", (unsigned long long)n);
	wl_free(s);

	s = must_make_source("{\"arrival\": \"poisson\", \"rate_per_s\": 50,"
			     " \"duration_s\": 1000, \"tasks\": 10}",
			     8);
	ck_assert_uint_eq(wl_expected_tasks(s), 10);
	n = 0;
	while (next_task(s, &t))
		n++;
	ck_assert_uint_eq(n, 10);
	wl_free(s);
}
END_TEST

START_TEST(test_start_s_offsets_the_time_origin)
{
	wl_source *base =
		must_make_source("{\"arrival\": \"poisson\", \"rate_per_s\": 3,"
				 " \"duration_s\": 100}",
				 17);
	wl_source *late =
		must_make_source("{\"arrival\": \"poisson\", \"rate_per_s\": 3,"
				 " \"duration_s\": 100, \"start_s\": 250}",
				 17);
	wl_task a, b;
	uint64_t n = 0;
	while (next_task(base, &a)) {
		require(next_task(late, &b) == 1, "late source ended first");
		require(b.arrival_s == a.arrival_s + 250.0, "%.17g vs %.17g",
			b.arrival_s, a.arrival_s);
		require(b.arrival_s < 350.0, "arrival %g", b.arrival_s);
		n++;
	}
	ck_assert_int_eq(next_task(late, &b), 0);
	ck_assert_uint_gt(n, 0);
	wl_free(base);
	wl_free(late);
}
END_TEST

START_TEST(test_same_seed_same_sequence_other_seed_differs)
{
	const char *w = "{\"arrival\": \"poisson\", \"rate_per_s\": 20,"
			" \"mix\": {\"a\": 1, \"b\": 1, \"c\": 2},"
			" \"tasks\": 1000}";
	wl_source *x = must_make_source(w, 42);
	wl_source *y = must_make_source(w, 42);
	assert_same_tasks(x, y, 1000);
	wl_free(x);
	wl_free(y);

	x = must_make_source(w, 42);
	y = must_make_source(w, 43);
	wl_task a, b;
	int differ = 0;
	for (int i = 0; i < 1000; i++) {
		next_task(x, &a);
		next_task(y, &b);
		differ += a.arrival_s != b.arrival_s;
	}
	ck_assert_int_gt(differ, 990);
	wl_free(x);
	wl_free(y);

	const char *m = "{\"arrival\": \"mmpp\", \"rates_per_s\": [5, 80],"
			" \"mean_sojourn_s\": [2, 1], \"tasks\": 5000}";
	x = must_make_source(m, 7);
	y = must_make_source(m, 7);
	assert_same_tasks(x, y, 5000);
	wl_free(x);
	wl_free(y);
}
END_TEST

/* ---------------------------------------------------------------- MMPP */

/* Long-run rate cases. The second has states much shorter than the slow
 * state's gaps: a simulation that kept a gap drawn in the old state across
 * a switch (instead of redrawing, which memorylessness allows) would be far
 * off there. ~10^4 and ~10^5 state cycles keep both estimates within ~0.5%
 * (1 sd). */
static const struct mmpp_case {
	const char *json;
	double rate[2], sojourn[2];
} mmpp_cases[] = {
	{"{\"arrival\": \"mmpp\", \"rates_per_s\": [50, 100],"
	 " \"mean_sojourn_s\": [0.2, 0.1], \"tasks\": 200000}",
	 {50, 100},
	 {0.2, 0.1}},
	{"{\"arrival\": \"mmpp\", \"rates_per_s\": [0.1, 1000],"
	 " \"mean_sojourn_s\": [1, 0.001], \"tasks\": 200000}",
	 {0.1, 1000},
	 {1, 0.001}},
};

START_TEST(test_mmpp_long_run_rate_matches_formula)
{
	const struct mmpp_case *c = &mmpp_cases[_i];
	wl_source *s = must_make_source(c->json, 5);
	double expect =
		(c->rate[0] * c->sojourn[0] + c->rate[1] * c->sojourn[1]) /
		(c->sojourn[0] + c->sojourn[1]);
	ck_assert_double_eq_tol(wl_mean_rate(s), expect, 1e-9 * expect);
	wl_task t;
	uint64_t n = 0;
	double last = 0.0;
	while (next_task(s, &t)) {
		require(t.arrival_s >= last, "arrival %g after %g", t.arrival_s,
			last);
		require(t.id == n, "id %llu", (unsigned long long)t.id);
		last = t.arrival_s;
		n++;
	}
	ck_assert_uint_eq(n, 200000);
	double rate = (double)n / last;
	ck_assert_msg(fabs(rate - expect) < 0.02 * expect, "rate %g vs %g",
		      rate, expect);
	wl_free(s);
}
END_TEST

/* Variance / mean of the counts in 1 s windows over [0, duration). */
static double dispersion_of_counts(wl_source *s, int windows)
{
	uint32_t *count = calloc((size_t)windows, sizeof *count);
	ck_assert_ptr_nonnull(count);
	wl_task t;
	while (next_task(s, &t)) {
		int w = (int)t.arrival_s;
		require(w >= 0 && w < windows, "arrival %g", t.arrival_s);
		count[w]++;
	}
	double sum = 0.0, sumsq = 0.0;
	for (int i = 0; i < windows; i++) {
		sum += count[i];
		sumsq += (double)count[i] * count[i];
	}
	free(count);
	double mean = sum / windows;
	double var = (sumsq - sum * sum / windows) / (windows - 1);
	return var / mean;
}

START_TEST(test_mmpp_counts_are_overdispersed_poisson_are_not)
{
	wl_source *s = must_make_source(
		"{\"arrival\": \"mmpp\", \"rates_per_s\": [10, 200],"
		" \"mean_sojourn_s\": [5, 5], \"duration_s\": 2000}",
		9);
	double bursty = dispersion_of_counts(s, 2000);
	wl_free(s);
	ck_assert_msg(bursty > 1.5, "MMPP dispersion %g", bursty);

	s = must_make_source("{\"arrival\": \"poisson\", \"rate_per_s\": 105,"
			     " \"duration_s\": 2000}",
			     9);
	double poisson = dispersion_of_counts(s, 2000);
	wl_free(s);
	/* sd of the sample dispersion is about sqrt(2 / 2000) = 3% */
	ck_assert_msg(fabs(poisson - 1.0) < 0.15, "Poisson dispersion %g",
		      poisson);
}
END_TEST

START_TEST(test_mmpp_expected_tasks_accounts_for_starting_in_state_0)
{
	/* Starting in the slow state, E N(10) = 105 * 10 - 190 * 0.5 *
	 * (1 - e^-4) / 0.4 = 816.85, not the stationary 1050. Check the
	 * formula against the mean count of many seeded runs. */
	const char *w = "{\"arrival\": \"mmpp\", \"rates_per_s\": [10, 200],"
			" \"mean_sojourn_s\": [5, 5], \"duration_s\": 10}";
	double exact = 1050.0 - 190.0 * 0.5 * -expm1(-4.0) / 0.4;
	wl_source *s = must_make_source(w, 1);
	ck_assert_uint_eq(wl_expected_tasks(s), (uint64_t)round(exact));
	wl_free(s);
	const int runs = 2000;
	double sum = 0.0, sumsq = 0.0;
	for (int r = 0; r < runs; r++) {
		s = must_make_source(w, 1000 + (uint64_t)r);
		wl_task t;
		double n = 0;
		while (next_task(s, &t))
			n++;
		sum += n;
		sumsq += n * n;
		wl_free(s);
	}
	double mean = sum / runs;
	double sd = sqrt((sumsq - sum * sum / runs) / (runs - 1));
	double se = sd / sqrt((double)runs);
	ck_assert_msg(fabs(mean - exact) < 5.0 * se,
		      "mean count %g vs %g (se %g)", mean, exact, se);
}
END_TEST

START_TEST(test_mmpp_mix_frequencies_match_weights)
{
	wl_source *s = must_make_source(
		"{\"arrival\": \"mmpp\", \"rates_per_s\": [10, 200],"
		" \"mean_sojourn_s\": [1, 1], \"mix\": {\"b\": 1, \"c\": 3},"
		" \"tasks\": 200000}",
		2);
	double f[3];
	type_frequencies(s, 200000, f);
	ck_assert_double_eq(f[0], 0.0);
	ck_assert_double_eq_tol(f[1], 0.25, 0.01);
	ck_assert_double_eq_tol(f[2], 0.75, 0.01);
	wl_free(s);
}
END_TEST

/* --------------------------------------------------------------- trace */

static const char trace_workload[] =
	"{\"arrival\": \"trace\", \"file\": \"trace.csv\"}";

START_TEST(test_trace_with_header_deadlines_and_sizes)
{
	test_write("trace.csv", "arrival_s,task_type,deadline_s,size\n"
				"0.5,a,2,100\n"
				"1,b,,\n"
				"\n"
				"  \n"
				"1,c,3\n"
				"2.5, a , 2.5 ,7.25\r\n");
	wl_source *s = must_make_source(trace_workload, 1);
	ck_assert_uint_eq(wl_expected_tasks(s), 0);
	ck_assert_double_eq(wl_mean_rate(s), 0.0);
	const struct {
		double arrival, deadline, size;
		uint32_t type;
	} want[] = {{0.5, 2, 100, 0},
		    {1, NAN, 1, 1},
		    {1, 3, 1, 2},
		    {2.5, 2.5, 7.25, 0}};
	wl_task t;
	for (uint64_t i = 0; i < 4; i++) {
		ck_assert_int_eq(next_task(s, &t), 1);
		ck_assert_uint_eq(t.id, i);
		ck_assert_double_eq(t.arrival_s, want[i].arrival);
		if (isnan(want[i].deadline))
			ck_assert(isnan(t.deadline_s));
		else
			ck_assert_double_eq(t.deadline_s, want[i].deadline);
		ck_assert_double_eq(t.size, want[i].size);
		ck_assert_uint_eq(t.type, want[i].type);
	}
	ck_assert_int_eq(next_task(s, &t), 0);
	ck_assert_int_eq(next_task(s, &t), 0);
	wl_free(s);
}
END_TEST

START_TEST(test_trace_without_header_and_start_offset)
{
	test_write("trace.csv", "0,c\n0,b\n4.5,a,10\n");
	wl_source *s = must_make_source(
		"{\"arrival\": \"trace\", \"file\": \"trace.csv\","
		" \"start_s\": 100}",
		1);
	wl_task t;
	ck_assert_int_eq(next_task(s, &t), 1);
	ck_assert_double_eq(t.arrival_s, 100.0);
	ck_assert_uint_eq(t.type, 2);
	ck_assert(isnan(t.deadline_s));
	ck_assert_int_eq(next_task(s, &t), 1);
	ck_assert_uint_eq(t.type, 1);
	ck_assert_int_eq(next_task(s, &t), 1);
	ck_assert_uint_eq(t.id, 2);
	ck_assert_double_eq(t.arrival_s, 104.5);
	ck_assert_double_eq(t.deadline_s, 110.0);
	ck_assert_int_eq(next_task(s, &t), 0);
	wl_free(s);
}
END_TEST

START_TEST(test_trace_gz_is_read)
{
	char path[600];
	snprintf(path, sizeof path, "%s/trace.csv.gz", test_tmpdir());
	gzFile gz = gzopen(path, "wb");
	ck_assert_ptr_nonnull(gz);
	gzputs(gz, "arrival_s,task_type\n");
	for (int i = 0; i < 1000; i++)
		gzprintf(gz, "%d.25,%c\n", i, "abc"[i % 3]);
	ck_assert_int_eq(gzclose(gz), Z_OK);
	wl_source *s = must_make_source(
		"{\"arrival\": \"trace\", \"file\": \"trace.csv.gz\"}", 1);
	wl_task t;
	uint64_t n = 0;
	while (next_task(s, &t)) {
		require(t.id == n, "id %llu", (unsigned long long)t.id);
		require(t.arrival_s == (double)n + 0.25, "arrival %g",
			t.arrival_s);
		require(t.type == n % 3, "type %u", t.type);
		n++;
	}
	ck_assert_uint_eq(n, 1000);
	wl_free(s);
}
END_TEST

/* Each bad trace: its text, the line of the error, and a part of the
 * message. Rows before the bad one must still be delivered. */
static const struct bad_trace {
	const char *text;
	long line;
	const char *says;
} bad_traces[] = {
	{"arrival_s,task_type\n1,a\n2\n", 3, "too few"},
	{"1,a\n\n2,a,5,1,9,3\n", 3, "too many"},
	{"1,a,,,2\n", 1, "a key needs"},
	{"1,a\nx,a\n", 2, "not a finite number"},
	{"inf,a\n", 1, "not a finite number"},
	{"1,a\nnan,b\n", 2, "not a finite number"},
	{",a\n", 1, "not a finite number"},
	{"1,a\n-2,a\n", 2, "negative"},
	{"arrival_s,task_type\n5,a\n3,b\n", 3,
	 "arrival_s 3 is before the previous row's 5"},
	{"1,a\n1,zz\n", 2, "unknown task type \"zz\""},
	{"4,a,3\n", 1, "deadline_s 3 is before arrival_s 4"},
	{"4,a,x\n", 1, "not a finite number"},
	{"4,a,,-1\n", 1, "size -1 is not positive"},
	{"4,a,,0\n", 1, "size 0 is not positive"},
	{"4,a,,1e\n", 1, "not a finite number"},
	{"arrival_s,task_type,sizes\n1,a,2\n", 1,
	 "header column 3 \"sizes\" is not a trace column"},
	{"arrival_s,task_type,size,size\n1,a,2\n", 1,
	 "header column 4 \"size\" repeats column 3"},
	{"arrival_s,size\n1,2\n", 1, "header column 2 is \"size\""},
	{"arrival_s,task_type,size\n1,a,2\n2,a,1,5\n", 3,
	 "too many fields: expected 2 to 3, the header's columns"},
	/* decimal numbers only, and no absurd times */
	{"0x10,a\n", 1, "arrival_s \"0x10\" is not a finite number"},
	{"1,a\ninfinity,a\n", 2, "not a finite number"},
	{"1e200,a\n", 1, "arrival_s 1e200 is larger than 1e+15"},
	{"1,a,1e300\n", 1, "deadline_s 1e300 is larger than 1e+15"},
	{"1,a,,2e15\n", 1, "size 2e15 is larger than 1e+15"},
	/* RFC 4180 and the separator */
	{"1,a\n2,\"a\"b\n", 2, "malformed CSV"},
	{"1,a\n\n3,\"a\n", 3, "a quoted field is not closed"},
	{"arrival_s;task_type\n1;a\n", 1,
	 "fields are separated by ';'; hetsim reads comma-separated CSV"},
};

/* A trace of no task is a mistake (a wrong or truncated file), not a
 * quiet run of nothing. */
START_TEST(test_trace_empty_or_header_only_is_an_error)
{
	const char *texts[] = {"", "\n \n", "arrival_s,task_type\n",
			       "\xEF\xBB\xBF\"arrival_s\",\"task_type\"\r\n\r\n"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		test_write("trace.csv", texts[i]);
		wl_source *s = must_make_source(trace_workload, 1);
		wl_task t;
		memset(&err, 0, sizeof err);
		ck_assert_int_eq(wl_next(s, &t, &err), IO_EINPUT);
		ck_assert_msg(strstr(err.msg, "trace.csv: no tasks") != NULL,
			      "case %zu: %s", i, err.msg);
		wl_free(s);
	}
}
END_TEST

/* "tasks": N on a trace (what `hetsim run --tasks N` sets) replays the
 * first N rows and stops, without reading further. */
START_TEST(test_trace_tasks_cap_replays_the_first_rows)
{
	test_write("trace.csv", "arrival_s,task_type\n0,a\n1,b\n2,c\nbad,row\n");
	wl_source *s = must_make_source(
		"{\"arrival\": \"trace\", \"file\": \"trace.csv\", \"tasks\": 2}", 1);
	wl_task t;
	ck_assert_int_eq(next_task(s, &t), 1);
	ck_assert_int_eq(next_task(s, &t), 1);
	ck_assert_double_eq(t.arrival_s, 1);
	ck_assert_int_eq(next_task(s, &t), 0);
	wl_free(s);
	char cmd[1200], msg[600];
	test_write("trace.csv", "arrival_s,task_type\n0,a\n1,b\n2,c\n3,a\n");
	const char *x = test_write(
		"cap.json",
		"{\"profile\": {\"machine_types\": [{\"name\": \"m\"}],"
		" \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"c\"}],"
		" \"exec\": [{\"task\": \"a\", \"machine\": \"m\", \"model\": \"constant\", \"value\": 0.1}, {\"task\": \"b\", \"machine\": \"m\", \"model\": \"constant\", \"value\": 0.1}, {\"task\": \"c\", \"machine\": \"m\", \"model\": \"constant\", \"value\": 0.1}]},"
		" \"machines\": [{\"type\": \"m\"}],"
		" \"workload\": {\"arrival\": \"trace\", \"file\": \"trace.csv\"},"
		" \"policies\": [\"fcfs\"], \"output\": {\"dir\": \"\"}}");
	snprintf(cmd, sizeof cmd, "%s run %s --tasks 3 | grep -q '^fcfs  *3 '",
		 test_bin(), x);
	ck_assert_msg(test_run(cmd, msg, sizeof msg) == 0, "%s", msg);
}
END_TEST

/* What a spreadsheet writes ("CSV UTF-8"): a BOM, quoted header and
 * fields, CRLF. */
START_TEST(test_trace_with_bom_quotes_and_crlf_reads_like_plain)
{
	test_write("trace.csv", "\xEF\xBB\xBF\"arrival_s\",\"task_type\",\"deadline_s\"\r\n"
				"\"0.5\",\"a\",\"2\"\r\n"
				"1,\"b\",\r\n"
				"1.5e0, c ,\" 4 \"\r\n");
	wl_source *s = must_make_source(trace_workload, 1);
	wl_task t;
	ck_assert_int_eq(next_task(s, &t), 1);
	ck_assert_double_eq(t.arrival_s, 0.5);
	ck_assert_uint_eq(t.type, 0);
	ck_assert_double_eq(t.deadline_s, 2);
	ck_assert_int_eq(next_task(s, &t), 1);
	ck_assert_uint_eq(t.type, 1);
	ck_assert(isnan(t.deadline_s));
	ck_assert_int_eq(next_task(s, &t), 1);
	ck_assert_double_eq(t.arrival_s, 1.5);
	ck_assert_uint_eq(t.type, 2);
	ck_assert_double_eq(t.deadline_s, 4);
	ck_assert_int_eq(next_task(s, &t), 0);
	wl_free(s);
}
END_TEST

START_TEST(test_trace_bad_row_names_file_and_line)
{
	const struct bad_trace *bad = &bad_traces[_i];
	test_write("trace.csv", bad->text);
	wl_source *s = must_make_source(trace_workload, 1);
	wl_task t;
	int rc;
	long good_rows = 0;
	while ((rc = wl_next(s, &t, &err)) == 1)
		good_rows++;
	ck_assert_msg(rc == IO_EINPUT, "case %d: rc %d", _i, rc);
	ck_assert_int_eq(err.code, IO_EINPUT);
	char where[64];
	snprintf(where, sizeof where, "trace.csv:%ld:", bad->line);
	ck_assert_msg(strstr(err.msg, where) != NULL,
		      "case %d: \"%s\" lacks %s", _i, err.msg, where);
	ck_assert_msg(strstr(err.msg, bad->says) != NULL,
		      "case %d: \"%s\" lacks \"%s\"", _i, err.msg, bad->says);
	/* the error does not turn into a quiet end of the trace */
	io_err again = {0};
	ck_assert_int_eq(wl_next(s, &t, &again), IO_EINPUT);
	ck_assert_msg(strstr(again.msg, where) != NULL, "again: %s", again.msg);
	wl_free(s);
}
END_TEST

START_TEST(test_trace_missing_file_fails_at_load_naming_it)
{
	wl_source *s;
	int rc = make_source(
		"{\"arrival\": \"trace\", \"file\": \"no_such_trace.csv\"}", 1,
		&s);
	ck_assert_int_eq(rc, IO_EINPUT);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err.msg, "no_such_trace.csv") != NULL, "%s",
		      err.msg);
}
END_TEST

/* ------------------------------------------------------- bad workloads */

/* Each bad workload: its text (the object starts on line 1), the line the
 * error must name, and a part of the message. */
static const struct bad_workload {
	const char *text;
	long line;
	const char *says;
} bad_workloads[] = {
	{"{\n \"arrival\": \"bursty\",\n \"tasks\": 5}", 2, "bursty"},
	{"{\"arrival\": \"poisson\",\n \"rate_per_s\": -3,\n \"tasks\": 5}", 2,
	 "rate_per_s"},
	{"{\"arrival\": \"poisson\", \"rate_per_s\": 3,\n \"tasks\": 5,\n"
	 " \"mix\": {\"a\": 1,\n   \"x\": 2}}",
	 4, "unknown task type \"x\""},
	{"{\"arrival\": \"poisson\",\n \"rate_per_s\": 3}", 1, "tasks"},
	{"{\"arrival\": \"poisson\", \"rate_per_s\": 3,\n \"tasks\": 5,\n"
	 " \"taks\": 5}",
	 3, "taks"},
	{"{\"arrival\": \"poisson\",\n \"rate_per_s\": {\"a\": 1},\n"
	 " \"mix\": {\"a\": 1},\n \"tasks\": 5}",
	 3, "mix"},
	{"{\"arrival\": \"poisson\",\n \"rate_per_s\": {\"a\": 1,\n"
	 " \"q\": 2}, \"tasks\": 5}",
	 3, "unknown task type \"q\""},
	{"{\"arrival\": \"poisson\",\n \"rate_per_s\": {\"a\": 1,\n"
	 " \"b\": 0}, \"tasks\": 5}",
	 3, "b"},
	{"{\"arrival\": \"poisson\", \"rate_per_s\": 3, \"tasks\": 5,\n"
	 " \"mix\": {\"a\": 0, \"b\": 0}}",
	 2, "mix"},
	{"{\"arrival\": \"poisson\", \"rate_per_s\": 3, \"tasks\": 5,\n"
	 " \"mix\": {\"a\": 1,\n \"b\": -1}}",
	 3, "b"},
	{"{\"arrival\": \"poisson\", \"rate_per_s\": 3,\n \"tasks\": -5}", 2,
	 "tasks"},
	{"{\"arrival\": \"poisson\", \"rate_per_s\": 3,\n \"tasks\": 2.5}", 2,
	 "tasks"},
	{"{\"arrival\": \"poisson\", \"rate_per_s\": 3,\n \"tasks\": 0}", 2,
	 "tasks"},
	{"{\"arrival\": \"poisson\", \"rate_per_s\": 3,\n \"duration_s\": 0}",
	 2, "duration_s"},
	{"{\"arrival\": \"poisson\", \"rate_per_s\": 3, \"tasks\": 1,\n"
	 " \"start_s\": -1}",
	 2, "start_s"},
	{"{\"arrival\": \"trace\", \"file\": \"t.csv\",\n"
	 " \"start_s\": 1e200}",
	 2, "\"start_s\" 1e+200 is larger than 1e+15"},
	{"{\"arrival\": \"mmpp\", \"mean_sojourn_s\": [1, 1], \"tasks\": 1,\n"
	 " \"rates_per_s\": [1, 2, 3]}",
	 2, "rates_per_s"},
	{"{\"arrival\": \"mmpp\", \"rates_per_s\": [1, 2], \"tasks\": 1,\n"
	 " \"mean_sojourn_s\": [1,\n 0]}",
	 3, "mean_sojourn_s"},
	{"{\"arrival\": \"mmpp\", \"rates_per_s\": [1, 2], \"tasks\": 1,\n"
	 " \"mean_sojourn_s\": 4}",
	 2, "mean_sojourn_s"},
	{"{\"arrival\": \"mmpp\",\n \"rates_per_s\": [1, 2],\n"
	 " \"mean_sojourn_s\": [1, 1]}",
	 1, "duration_s"},
	{"{\"arrival\": \"trace\",\n \"file\": \"t.csv\",\n \"tasks\": 0}", 3,
	 "tasks"},
	{"{\"arrival\": \"trace\"}", 1, "file"},
	{"{\"rate_per_s\": 3, \"tasks\": 1}", 1, "arrival"},
	{"[1, 2]", 1, "object"},
};

START_TEST(test_bad_workload_json_names_line)
{
	const struct bad_workload *bad = &bad_workloads[_i];
	wl_source *s;
	int rc = make_source(bad->text, 1, &s);
	ck_assert_msg(rc == IO_EINPUT, "case %d: rc %d", _i, rc);
	ck_assert_int_eq(err.code, IO_EINPUT);
	ck_assert_ptr_null(s);
	char where[64];
	snprintf(where, sizeof where, "exp.json:%ld:", bad->line);
	ck_assert_msg(strstr(err.msg, where) != NULL,
		      "case %d: \"%s\" lacks %s", _i, err.msg, where);
	ck_assert_msg(strstr(err.msg, bad->says) != NULL,
		      "case %d: \"%s\" lacks \"%s\"", _i, err.msg, bad->says);
}
END_TEST

Suite *suite_workloads(void)
{
	Suite *s = suite_create("workloads");
	TCase *gen = tcase_create("generated");
	tcase_add_checked_fixture(gen, setup_profile, teardown_profile);
	tcase_set_timeout(gen, 60);
	tcase_add_test(gen, test_sim_mt_draws_what_gsl_mt19937_draws);
	tcase_add_loop_test(gen, test_poisson_draws_are_gsls_bit_for_bit, 0, 6);
	tcase_add_test(gen,
		       test_poisson_interarrival_mean_and_cv_match_exponential);
	tcase_add_test(gen, test_poisson_mix_frequencies_match_weights);
	tcase_add_test(gen, test_poisson_type_left_out_of_mix_never_arrives);
	tcase_add_test(gen, test_poisson_default_mix_is_uniform_over_types);
	tcase_add_test(gen,
		       test_poisson_per_type_rates_equal_total_rate_and_mix);
	tcase_add_test(gen, test_poisson_arrival_times_do_not_depend_on_mix);
	tcase_add_test(
		gen,
		test_poisson_tasks_count_ids_sequential_arrivals_nondecreasing);
	tcase_add_test(gen, test_poisson_duration_bounds_arrivals_and_count);
	tcase_add_test(gen, test_poisson_tasks_and_duration_whichever_first);
	tcase_add_test(gen, test_start_s_offsets_the_time_origin);
	tcase_add_test(gen, test_same_seed_same_sequence_other_seed_differs);
	tcase_add_loop_test(gen, test_mmpp_long_run_rate_matches_formula, 0,
			    (int)(sizeof mmpp_cases / sizeof mmpp_cases[0]));
	tcase_add_test(gen, test_mmpp_counts_are_overdispersed_poisson_are_not);
	tcase_add_test(
		gen, test_mmpp_expected_tasks_accounts_for_starting_in_state_0);
	tcase_add_test(gen, test_mmpp_mix_frequencies_match_weights);
	suite_add_tcase(s, gen);

	TCase *trace = tcase_create("trace");
	tcase_add_checked_fixture(trace, setup_profile, teardown_profile);
	tcase_add_test(trace, test_trace_with_header_deadlines_and_sizes);
	tcase_add_test(trace, test_trace_without_header_and_start_offset);
	tcase_add_test(trace, test_trace_gz_is_read);
	tcase_add_loop_test(trace, test_trace_bad_row_names_file_and_line, 0,
			    (int)(sizeof bad_traces / sizeof bad_traces[0]));
	tcase_add_test(trace, test_trace_missing_file_fails_at_load_naming_it);
	tcase_add_test(trace, test_trace_empty_or_header_only_is_an_error);
	tcase_add_test(trace, test_trace_tasks_cap_replays_the_first_rows);
	tcase_add_test(trace, test_trace_with_bom_quotes_and_crlf_reads_like_plain);
	suite_add_tcase(s, trace);

	TCase *bad = tcase_create("bad_json");
	tcase_add_checked_fixture(bad, setup_profile, teardown_profile);
	tcase_add_loop_test(
		bad, test_bad_workload_json_names_line, 0,
		(int)(sizeof bad_workloads / sizeof bad_workloads[0]));
	suite_add_tcase(s, bad);
	return s;
}
