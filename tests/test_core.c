/* tests/test_core.c — the event heap, streaming statistics, and the engine
 * against queueing theory (M/M/1, M/M/c / Erlang C, Little's law), plus
 * determinism of whole runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "sim/engine.h"
#include "sim/exp_model.h"
#include "sim/heap.h"
#include "sim/base/out.h"
#include "sim/base/rng.h"
#include "sim/sim.h"
#include "sim/stats.h"
#include "tests/tests.h"

START_TEST(heap_pops_in_time_order)
{
	sim_heap h;
	ck_assert_int_eq(sim_heap_init(&h, 4), 0);
	gsl_rng *r = sim_rng_new(7, 0);
	for (int i = 0; i < 10000; i++)
		tck_assert(sim_heap_push(&h, gsl_rng_uniform(r) * 100, 0, NULL));
	double t, prev = -1;
	uint32_t kind;
	void *data;
	int n = 0;
	while (sim_heap_pop(&h, &t, &kind, &data)) {
		tck_assert(t >= prev);
		prev = t;
		n++;
	}
	ck_assert_int_eq(n, 10000);
	gsl_rng_free(r);
	sim_heap_free(&h);
}
END_TEST

START_TEST(heap_equal_times_pop_fifo)
{
	sim_heap h;
	sim_heap_init(&h, 0);
	static int ids[300];
	/* interleave three times so that FIFO must hold within each */
	for (int i = 0; i < 300; i++) {
		ids[i] = i;
		sim_heap_push(&h, (double)(i % 3), (uint32_t)i, &ids[i]);
	}
	double t;
	uint32_t kind;
	void *data;
	int last[3] = {-1, -1, -1};
	for (int i = 0; i < 300; i++) {
		ck_assert(sim_heap_pop(&h, &t, &kind, &data));
		int id = *(int *)data;
		ck_assert_int_eq((int)kind, id);
		ck_assert_double_eq(t, (double)(id % 3));
		ck_assert_int_gt(id, last[id % 3]); /* insertion order */
		last[id % 3] = id;
		if (i < 100)
			ck_assert_int_eq(id % 3, 0);
	}
	ck_assert(!sim_heap_pop(&h, &t, &kind, &data));
	sim_heap_free(&h);
}
END_TEST

START_TEST(heap_cancel_removes_exactly_that_event)
{
	sim_heap h;
	sim_heap_init(&h, 0);
	sim_handle hs[1000];
	for (int i = 0; i < 1000; i++)
		hs[i] = sim_heap_push(&h, (double)((i * 7919) % 1000), (uint32_t)i, NULL);
	for (int i = 0; i < 1000; i += 3)
		ck_assert_int_eq(sim_heap_cancel(&h, hs[i]), 1);
	/* a second cancel of the same handle is a no-op */
	ck_assert_int_eq(sim_heap_cancel(&h, hs[0]), 0);
	ck_assert_int_eq(sim_heap_cancel(&h, 0), 0);
	double t, prev = -1;
	uint32_t kind;
	void *data;
	int n = 0;
	while (sim_heap_pop(&h, &t, &kind, &data)) {
		ck_assert(kind % 3 != 0);
		ck_assert(t >= prev);
		prev = t;
		n++;
	}
	ck_assert_int_eq(n, 1000 - 334);
	/* handles of fired events are stale even after their nodes are reused */
	sim_handle fresh = sim_heap_push(&h, 1.0, 5, NULL);
	for (int i = 0; i < 1000; i++)
		tck_int_eq(sim_heap_cancel(&h, hs[i]), 0);
	ck_assert_int_eq(sim_heap_cancel(&h, fresh), 1);
	ck_assert_int_eq((int)sim_heap_size(&h), 0);
	sim_heap_free(&h);
}
END_TEST

START_TEST(heap_reuses_nodes_without_growing)
{
	sim_heap h;
	sim_heap_init(&h, 0);
	for (int i = 0; i < 50; i++)
		sim_heap_push(&h, i, 0, NULL);
	uint32_t cap = h.cap;
	double t;
	uint32_t kind;
	void *data;
	for (int i = 0; i < 100000; i++) { /* steady state: pop one, push one */
		sim_heap_pop(&h, &t, &kind, &data);
		sim_heap_push(&h, t + 50, 0, NULL);
	}
	ck_assert_uint_eq(h.cap, cap);
	ck_assert_uint_eq(h.n_nodes, 50);
	sim_heap_free(&h);
}
END_TEST

START_TEST(stats_quantiles_within_resolution)
{
	sim_stat s;
	ck_assert_int_eq(sim_stat_init(&s, 1), 0);
	for (int i = 1; i <= 100000; i++)
		sim_stat_add(&s, i * 1e-3); /* 1 ms .. 100 s uniform grid */
	ck_assert_double_eq_tol(sim_stat_mean(&s), 50.0005, 1e-9);
	double q50 = sim_stat_quantile(&s, 0.5), q99 = sim_stat_quantile(&s, 0.99);
	ck_assert(fabs(q50 - 50.0) / 50.0 < 1e-3);
	ck_assert(fabs(q99 - 99.0) / 99.0 < 1e-3);
	ck_assert_double_eq(sim_stat_quantile(&s, 1.0), 100.0);
	ck_assert_double_eq(sim_stat_quantile(&s, 0.0), 1e-3);
	sim_stat_free(&s);
}
END_TEST

/* sim_stat_merge (a run's response statistics from its types') is adding
 * src's samples to dst: the same count, min, max and quantiles, and the
 * sum up to rounding; for samples spread over many powers of two (so
 * that both the list and the paged forms are merged, into either form),
 * empty sources, and a source with no histogram (dst's quantiles fail). */
START_TEST(stats_merge_is_adding_the_samples)
{
	/* parts: 0 samples, 5 (a short list), 20000 (pages) */
	static const int sizes[] = {0, 5, 20000, 300, 0, 7};
	sim_stat merged, want;
	ck_assert_int_eq(sim_stat_init(&merged, 1), 0);
	ck_assert_int_eq(sim_stat_init(&want, 1), 0);
	uint64_t h = 777;
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		sim_stat part;
		ck_assert_int_eq(sim_stat_init(&part, 1), 0);
		for (int i = 0; i < sizes[k]; i++) {
			h = sim_splitmix64(h);
			/* odd parts: a dozen values, each many times (list
			 * counts above 1); even parts: values all over */
			double x = i % 97 == 0 ? 0.0
				   : k % 2     ? ldexp(1.0 + (double)(h % 4) * 0.25,
						       (int)(h % 3) + (int)k)
						 : ldexp(1.0 + (double)(h >> 12) * 0x1.0p-52,
							 (int)(h % 40) - 20 + (int)k);
			sim_stat_add(&part, x);
			sim_stat_add(&want, x);
		}
		sim_stat_merge(&merged, &part);
		sim_stat_free(&part);
		ck_assert_uint_eq(merged.n, want.n);
		ck_assert(merged.min == want.min && merged.max == want.max);
		ck_assert(fabs(merged.sum - want.sum) <= 1e-12 * want.sum);
		ck_assert(!sim_stat_failed(&merged));
		for (double q = 0; q <= 1.0; q += 0.01)
			ck_assert_msg(sim_stat_quantile(&merged, q) ==
					      sim_stat_quantile(&want, q),
				      "part %zu, q %g", k, q);
	}
	sim_stat none;
	ck_assert_int_eq(sim_stat_init(&none, 0), 0);
	sim_stat_add(&none, 1.0);
	sim_stat_merge(&merged, &none); /* buckets unknown */
	ck_assert(sim_stat_failed(&merged));
	ck_assert_uint_eq(merged.n, want.n + 1);
	sim_stat_free(&none);
	sim_stat_free(&merged);
	sim_stat_free(&want);
}
END_TEST

START_TEST(fmt_time_is_exact_fixed_point)
{
	char b[40];
	sim_fmt_time(b, 12.00025);
	ck_assert_str_eq(b, "12.000250");
	sim_fmt_time(b, 0);
	ck_assert_str_eq(b, "0.000000");
	sim_fmt_time(b, 0.9999996);
	ck_assert_str_eq(b, "1.000000");
	sim_fmt_time(b, 123456.5);
	ck_assert_str_eq(b, "123456.500000");
	sim_fmt_time(b, INFINITY);
	ck_assert_str_eq(b, "inf");
	sim_fmt_u64(b, 18446744073709551615ull);
	ck_assert_str_eq(b, "18446744073709551615");
}
END_TEST

/* Regression: a time of 1e200 s was written with "%.6f" (207 bytes) into
 * a 32-byte field of a 512-byte row: a stack overflow. */
START_TEST(fmt_time_of_any_double_is_bounded_and_reads_back)
{
	const double xs[] = {1e15, -1e15, 1e200, -1e200, 1.7976931348623157e308,
			     -1.7976931348623157e308, 4.9e-324, 999999999999999.9,
			     123456789012.25, -0.5};
	for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		char b[512];
		memset(b, 'x', sizeof b);
		size_t n = sim_fmt_time(b, xs[i]);
		ck_assert_msg(n < SIM_FMT_TIME_MAX && strlen(b) == n,
			      "%.17g: %zu bytes", xs[i], n);
		ck_assert_msg(b[SIM_FMT_TIME_MAX] == 'x', "%.17g overran", xs[i]);
		double back = strtod(b, NULL);
		ck_assert_msg(fabs(xs[i]) < 1e15 ? fabs(back - xs[i]) <= 1e-6 * (1 + fabs(xs[i]))
						  : back == xs[i],
			      "%.17g -> %s", xs[i], b);
	}
	char b[SIM_FMT_TIME_MAX];
	sim_fmt_time(b, 1234567.25); /* below 1e15: fixed point as before */
	ck_assert_str_eq(b, "1234567.250000");
	sim_fmt_time(b, 1e13);
	ck_assert_str_eq(b, "10000000000000.000000");
	sim_fmt_time(b, -INFINITY);
	ck_assert_str_eq(b, "-inf");
}
END_TEST

START_TEST(task_uniform_depends_only_on_seed_and_id)
{
	double a = sim_task_uniform(42, 1000), b = sim_task_uniform(42, 1000);
	ck_assert_double_eq(a, b);
	ck_assert(sim_task_uniform(43, 1000) != a);
	ck_assert(sim_task_uniform(42, 1001) != a);
	/* rho = 1: same on every machine type; rho = 0: independent */
	ck_assert_double_eq(sim_task_uniform_on(42, 1000, 3, 1.0), a);
	double sum = 0, sumsq = 0, cross = 0;
	int n = 200000;
	for (int i = 0; i < n; i++) {
		double u = sim_task_uniform(9, (uint64_t)i);
		double v = sim_task_uniform_on(9, (uint64_t)i, 1, 0.0);
		tck_assert(u > 0 && u < 1 && v > 0 && v < 1);
		sum += u;
		sumsq += u * u;
		cross += (u - 0.5) * (v - 0.5);
	}
	ck_assert(fabs(sum / n - 0.5) < 0.003);
	ck_assert(fabs(sumsq / n - 1.0 / 3) < 0.003);
	ck_assert(fabs(cross / n) < 0.002); /* independent: covariance ~ 0 */
}
END_TEST

/* An experiment with one task type of exponential service (mean 1 s) on
 * `machines` machines of `slots` slots each; Poisson arrivals. */
static const char *queue_experiment(const char *name, double lambda,
				    int machines, int slots,
				    const char *policy, long tasks,
				    uint64_t seed)
{
	char text[2048];
	snprintf(text, sizeof text,
		 "{\"profile\": {\"machine_types\": [{\"name\": \"m\", \"slots\": %d}],\n"
		 "  \"task_types\": [{\"name\": \"t\"}],\n"
		 "  \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"exponential\", \"mean\": 1}]},\n"
		 " \"machines\": [{\"type\": \"m\", \"count\": %d}],\n"
		 " \"workload\": {\"arrival\": \"poisson\", \"rate_per_s\": %.17g, \"tasks\": %ld},\n"
		 " \"policy\": \"%s\", \"seed\": %llu, \"output\": {\"dir\": \"\"}}\n",
		 slots, machines, lambda, tasks, policy, (unsigned long long)seed);
	return test_write(name, text);
}

static sim_result run_file(const char *path)
{
	io_err err = {0};
	sim_experiment *x = NULL;
	int rc = sim_experiment_load(&x, path, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	sim_result r;
	rc = sim_run_policy(x, 0, &o, &r, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	sim_experiment_free(x);
	return r;
}

/* Erlang C: probability that an arrival waits in M/M/c with load a = l/mu. */
static double erlang_c(int c, double a)
{
	double term = 1, sum = 1;
	for (int k = 1; k < c; k++) {
		term *= a / k;
		sum += term;
	}
	double last = term * a / c / (1 - a / c);
	return last / (sum + last);
}

START_TEST(mm1_mean_response_matches_theory)
{
	/* rho = 0.7, mu = 1: W = 1 / (mu - lambda) = 3.333 s */
	sim_result r = run_file(queue_experiment("mm1.json", 0.7, 1, 1, "fcfs",
						 1000000, 11));
	double w = 1.0 / (1.0 - 0.7);
	ck_assert_uint_eq(r.completed, 1000000);
	ck_assert_msg(fabs(r.response_mean_s - w) / w < 0.02,
		      "M/M/1 W = %g, theory %g", r.response_mean_s, w);
	/* waiting time in queue W_q = rho / (mu - lambda) */
	ck_assert(fabs(r.wait_mean_s - 0.7 * w) / (0.7 * w) < 0.03);
	/* response time of M/M/1 is exponential: median = W ln 2 */
	ck_assert(fabs(r.response_p50_s - w * log(2)) / (w * log(2)) < 0.03);
}
END_TEST

static void check_mmc(const sim_result *r, int c, double lambda)
{
	double wq = erlang_c(c, lambda) / (c - lambda), w = wq + 1.0;
	ck_assert_msg(fabs(r->response_mean_s - w) / w < 0.02,
		      "M/M/%d W = %g, Erlang C %g", c, r->response_mean_s, w);
	ck_assert_msg(fabs(r->wait_mean_s - wq) / wq < 0.05,
		      "M/M/%d Wq = %g, Erlang C %g", c, r->wait_mean_s, wq);
}

START_TEST(mmc_four_machines_matches_erlang_c)
{
	sim_result r = run_file(queue_experiment("mmc4.json", 2.8, 4, 1, "fcfs",
						 1000000, 12));
	check_mmc(&r, 4, 2.8);
}
END_TEST

START_TEST(mmc_one_machine_four_slots_matches_erlang_c)
{
	/* rr puts tasks in the machine's local FIFO queue: the same M/M/4 */
	sim_result r = run_file(queue_experiment("mmc4s.json", 2.8, 1, 4, "rr",
						 1000000, 13));
	check_mmc(&r, 4, 2.8);
}
END_TEST

/* A run whose tasks all complete has two events a task, an arrival and
 * an end: the count run_loop keeps (counted down to its looks at
 * tasks.csv.gz, every 2^16 events) says so, over several of those. */
START_TEST(events_are_an_arrival_and_an_end_a_task)
{
	static const long tasks[] = {1, 32767, 32768, 100001};
	for (size_t k = 0; k < sizeof tasks / sizeof tasks[0]; k++) {
		sim_result r = run_file(queue_experiment("events.json", 2.0, 4, 1,
							 "mct", tasks[k], 5));
		ck_assert_uint_eq(r.completed, (uint64_t)tasks[k]);
		ck_assert_msg(r.events == 2 * (uint64_t)tasks[k],
			      "%ld tasks: %llu events", tasks[k],
			      (unsigned long long)r.events);
	}
}
END_TEST

/* A draw beyond SIM_MAX_TIME_S is an input error even where most draws
 * are not: a lognormal whose mean is within the limit but whose upper
 * tail is not keeps the per-draw check (the models' bounds rule it out
 * only where every draw is within); one whose every draw is within runs
 * without it. */
START_TEST(draws_beyond_the_limit_are_caught_unless_ruled_out)
{
	for (int far = 0; far < 2; far++) {
		char text[1024];
		snprintf(text, sizeof text,
			 "{\"profile\": {\"machine_types\": [{\"name\": \"m\"}],\n"
			 "  \"task_types\": [{\"name\": \"t\"}],\n"
			 "  \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"lognormal\","
			 " \"mu\": %d, \"sigma\": 2}]},\n"
			 " \"machines\": [{\"type\": \"m\", \"count\": 2}],\n"
			 " \"workload\": {\"arrival\": \"poisson\", \"rate_per_s\": 1, \"tasks\": 2000},\n"
			 " \"policy\": \"mct\", \"seed\": 3, \"output\": {\"dir\": \"\"}}\n",
			 far ? 30 : 0);
		io_err err = {0};
		sim_experiment *x = NULL;
		int rc = sim_experiment_load(&x, test_write("far.json", text), &err);
		ck_assert_msg(rc == 0, "%s", err.msg);
		sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
		sim_result r;
		rc = sim_run_policy(x, 0, &o, &r, &err);
		if (far)
			ck_assert_msg(rc != 0 && strstr(err.msg, "drew an execution "
							 "time") && strstr(err.msg, "beyond the limit"),
				      "rc %d: %s", rc, err.msg);
		else
			ck_assert_msg(rc == 0 && r.completed == 2000, "%s", err.msg);
		sim_experiment_free(x);
	}
}
END_TEST

START_TEST(littles_law_holds_on_a_run)
{
	sim_result r = run_file(queue_experiment("little.json", 3.2, 4, 1,
						 "mct", 200000, 14));
	/* L = lambda W exactly over [0, last departure] when all tasks leave */
	double lambda = (double)r.arrived / r.makespan_s;
	double lw = lambda * r.response_mean_s;
	ck_assert_msg(fabs(r.mean_in_system - lw) / lw < 1e-9,
		      "L = %.12g, lambda W = %.12g", r.mean_in_system, lw);
	/* the measured arrival rate is the nominal one */
	ck_assert(fabs(lambda - 3.2) / 3.2 < 0.01);
}
END_TEST

static void run_to(const char *exp, const char *dir, uint64_t seed)
{
	io_err err = {0};
	sim_experiment *x = NULL;
	ck_assert_msg(sim_experiment_load(&x, exp, &err) == 0, "%s", err.msg);
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	o.out_dir = dir;
	o.has_seed = 1;
	o.seed = seed;
	o.quiet = 1;
	ck_assert_msg(sim_run_experiment(x, &o, NULL, NULL, &err) == 0, "%s",
		      err.msg);
	sim_experiment_free(x);
}

static int same_file(const char *a, const char *b)
{
	size_t na, nb;
	char *x = test_slurp(a, &na), *y = test_slurp(b, &nb);
	int same = x && y && na == nb && memcmp(x, y, na) == 0;
	free(x);
	free(y);
	return same;
}

START_TEST(same_seed_gives_byte_identical_outputs)
{
	const char *exp = "experiments/assistive_ml.json";
	char d1[600], d2[600], d3[600], a[700], b[700];
	snprintf(d1, sizeof d1, "%s/run1", test_tmpdir());
	snprintf(d2, sizeof d2, "%s/run2", test_tmpdir());
	snprintf(d3, sizeof d3, "%s/run3", test_tmpdir());
	run_to(exp, d1, 5);
	run_to(exp, d2, 5);
	run_to(exp, d3, 6);
	const char *files[] = {"mct/summary.json", "mct/tasks.csv.gz",
			       "random/summary.json", "random/tasks.csv.gz",
			       "comparison.csv"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(a, sizeof a, "%s/%s", d1, files[i]);
		snprintf(b, sizeof b, "%s/%s", d2, files[i]);
		ck_assert_msg(same_file(a, b), "%s differs between equal seeds",
			      files[i]);
		snprintf(b, sizeof b, "%s/%s", d3, files[i]);
		ck_assert_msg(!same_file(a, b), "%s equal for different seeds",
			      files[i]);
	}
}
END_TEST

/* A straight run (sim/engine.c: independent tasks with no deadline rule
 * and nothing dropped in queues) runs the loop's instance compiled without
 * those tests. The same experiment with drop.in_queue set, which changes
 * nothing without deadlines, runs the general instance: every task row is
 * the same. Machines of four types, one with two slots, one queue place
 * (so that tasks also wait for the mapper); immediate policies that start,
 * queue and defer. */
START_TEST(straight_run_schedules_as_the_general_loop)
{
	static const char *const policies[] = {"mct", "met", "olb", "rr",
					       "fcfs", "kpb-50"};
	char text[2048], dir[2][600], a[700], b[700];
	for (int general = 0; general < 2; general++) {
		snprintf(text, sizeof text,
			 "{\"profile\": {\"machine_types\": [{\"name\": \"a\"}, "
			 "{\"name\": \"b\"}, {\"name\": \"c\"}, {\"name\": \"d\"}],\n"
			 "  \"task_types\": [{\"name\": \"t\"}, {\"name\": \"u\"}],\n"
			 "  \"exec\": [\n"
			 "   {\"task\": \"t\", \"machine\": \"a\", \"model\": \"lognormal\", \"mu\": -0.125, \"sigma\": 0.5},\n"
			 "   {\"task\": \"t\", \"machine\": \"b\", \"model\": \"lognormal\", \"mu\": 0.28, \"sigma\": 0.5},\n"
			 "   {\"task\": \"t\", \"machine\": \"c\", \"model\": \"lognormal\", \"mu\": 0.568, \"sigma\": 0.5},\n"
			 "   {\"task\": \"t\", \"machine\": \"d\", \"model\": \"lognormal\", \"mu\": 0.973, \"sigma\": 0.5},\n"
			 "   {\"task\": \"u\", \"machine\": \"a\", \"model\": \"exponential\", \"mean\": 2},\n"
			 "   {\"task\": \"u\", \"machine\": \"b\", \"model\": \"exponential\", \"mean\": 1},\n"
			 "   {\"task\": \"u\", \"machine\": \"c\", \"model\": \"exponential\", \"mean\": 1},\n"
			 "   {\"task\": \"u\", \"machine\": \"d\", \"model\": \"exponential\", \"mean\": 3}]},\n"
			 " \"machines\": [{\"type\": \"a\", \"count\": 4}, {\"type\": \"b\", \"count\": 3},\n"
			 "  {\"type\": \"c\", \"count\": 2, \"slots\": 2}, {\"type\": \"d\", \"count\": 3}],\n"
			 " \"queue\": {\"capacity\": 1},\n"
			 " \"workload\": {\"arrival\": \"poisson\", \"rate_per_s\": 9, \"tasks\": 6000,\n"
			 "  \"mix\": {\"t\": 3, \"u\": 1}},\n"
			 " %s\"policies\": [\"mct\", \"met\", \"olb\", \"rr\", \"fcfs\",\n"
			 "  {\"name\": \"kpb\", \"k_percent\": 50}], \"seed\": 3,\n"
			 " \"output\": {\"dir\": \"\"}}\n",
			 general ? "\"drop\": {\"in_queue\": true}, " : "");
		const char *exp = test_write(general ? "general.json"
						     : "straight.json",
					     text);
		snprintf(dir[general], sizeof dir[general], "%s/%s",
			 test_tmpdir(), general ? "general" : "straight");
		run_to(exp, dir[general], 3);
	}
	for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
		snprintf(a, sizeof a, "%s/%s/tasks.csv.gz", dir[0], policies[i]);
		snprintf(b, sizeof b, "%s/%s/tasks.csv.gz", dir[1], policies[i]);
		ck_assert_msg(same_file(a, b),
			      "%s: the straight run's rows differ from the "
			      "general loop's",
			      policies[i]);
	}
}
END_TEST

/* A straight run with few slots keeps its task ends by slot, not in the
 * heap (sim/engine.c, slot_push): the same events in the same (time, seq)
 * order, so the same rows as with the heap (HETSIM_EVENTS=heap), with
 * MCT's scan four machines at a time (AVX, where the processor has it) or
 * not (HETSIM_NO_AVX). Constant
 * times and arrivals in bursts at equal times make ties the rule: ends at
 * equal times on different slots, and arrivals at the time of an end.
 * Machines of one, two and three slots; the wait queue (fcfs) too. */
START_TEST(straight_run_by_slots_schedules_as_the_heap)
{
	static const char *const policies[] = {"mct", "met", "olb", "rr",
					       "fcfs"};
	/* E2C-Sim's workload form: its rows carry nothing of their own (a
	 * trace's may), the run stays straight */
	static char rows[80000];
	size_t len = (size_t)snprintf(rows, sizeof rows,
				      "task_type,data_size,arrival_time,deadline\n");
	for (int k = 0; k < 3000; k++) /* bursts at whole seconds */
		len += (size_t)snprintf(rows + len, sizeof rows - len,
					"%s,1,%d,100000\n", k % 3 ? "t" : "u",
					k * 7 / 38);
	ck_assert(len < sizeof rows - 1);
	char trace[600];
	snprintf(trace, sizeof trace, "%s", test_write("bursts.csv", rows));
	char text[2048], dir[3][600], a[2048], b[2048];
	for (int heap = 0; heap < 3; heap++) { /* 2: by slot, MCT without AVX */
		snprintf(text, sizeof text,
			 "{\"profile\": {\"machine_types\": [{\"name\": \"a\", \"slots\": 2},"
			 " {\"name\": \"b\"}, {\"name\": \"c\", \"slots\": 3}],\n"
			 "  \"task_types\": [{\"name\": \"t\"}, {\"name\": \"u\"}],\n"
			 "  \"exec\": [\n"
			 "   {\"task\": \"t\", \"machine\": \"a\", \"model\": \"constant\", \"value\": 2},\n"
			 "   {\"task\": \"t\", \"machine\": \"b\", \"model\": \"constant\", \"value\": 1},\n"
			 "   {\"task\": \"t\", \"machine\": \"c\", \"model\": \"constant\", \"value\": 3},\n"
			 "   {\"task\": \"u\", \"machine\": \"a\", \"model\": \"constant\", \"value\": 1},\n"
			 "   {\"task\": \"u\", \"machine\": \"b\", \"model\": \"constant\", \"value\": 2},\n"
			 "   {\"task\": \"u\", \"machine\": \"c\", \"model\": \"constant\", \"value\": 1}]},\n"
			 " \"machines\": [{\"type\": \"a\", \"count\": 3}, {\"type\": \"b\", \"count\": 2},\n"
			 "  {\"type\": \"c\", \"count\": 1}],\n"
			 " \"queue\": {\"capacity\": 2},\n"
			 " \"workload\": {\"arrival\": \"e2c\", \"file\": \"%s\"},\n"
			 " \"policies\": [\"mct\", \"met\", \"olb\", \"rr\", \"fcfs\"],"
			 " \"seed\": 5, \"output\": {\"dir\": \"\"}}\n",
			 trace);
		const char *exp = test_write("bursts.json", text);
		snprintf(dir[heap], sizeof dir[heap], "%s/by-%d", test_tmpdir(),
			 heap);
		if (heap == 1)
			setenv("HETSIM_EVENTS", "heap", 1);
		if (heap == 2)
			setenv("HETSIM_NO_AVX", "1", 1);
		run_to(exp, dir[heap], 5);
		unsetenv("HETSIM_EVENTS");
		unsetenv("HETSIM_NO_AVX");
	}
	for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
		for (int other = 0; other < 3; other += 2) {
			snprintf(a, sizeof a, "%s/%s/tasks.csv.gz", dir[other],
				 policies[i]);
			snprintf(b, sizeof b, "%s/%s/tasks.csv.gz", dir[1],
				 policies[i]);
			ck_assert_msg(same_file(a, b),
				      "%s: the rows by slot%s differ from the "
				      "heap's",
				      policies[i], other ? " (MCT without AVX)" : "");
		}
}
END_TEST

START_TEST(policies_see_the_same_tasks_under_one_seed)
{
	/* common random numbers: every policy gets the same arrivals */
	const char *exp = "experiments/assistive_ml.json";
	io_err err = {0};
	sim_experiment *x = NULL;
	ck_assert_msg(sim_experiment_load(&x, exp, &err) == 0, "%s", err.msg);
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	o.out_dir = "";
	o.tasks = 3000;
	size_t n = sim_experiment_policies(x);
	sim_result rs[16];
	ck_assert(n <= 16);
	ck_assert_msg(sim_run_experiment(x, &o, NULL, rs, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(rs[i].arrived, 3000);
		ck_assert_uint_eq(rs[i].completed + rs[i].dropped, 3000);
	}
	sim_experiment_free(x);
}
END_TEST

START_TEST(outputs_are_written_atomically_and_listed)
{
	char d[600], p[700];
	snprintf(d, sizeof d, "%s/atomic", test_tmpdir());
	run_to("experiments/assistive_ml.json", d, 1);
	char cmd[2400];
	/* no temp files left behind */
	snprintf(cmd, sizeof cmd, "find '%s' -name '*.tmp.*' | grep -q .", d);
	ck_assert_int_ne(system(cmd), 0);
	snprintf(p, sizeof p, "%s/fcfs/tasks.csv.gz", d);
	snprintf(cmd, sizeof cmd,
		 "test \"$(zcat '%s' | head -1)\" = "
		 "'id,task_type,arrival_s,start_s,end_s,deadline_s,machine,machine_type,outcome,energy_j'"
		 " && test $(zcat '%s' | wc -l) = 20001",
		 p, p);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- a run's output set (sim/base/out.h) ---- */

/* `hetsim run` with a shell-quoted argument string; status, stderr in err. */
static int hetsim_run(const char *args, char *err, size_t cap)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "%s run %s", test_bin(), args);
	return test_run(cmd, err, cap);
}

static int exists(const char *fmt, const char *dir)
{
	char p[4096];
	snprintf(p, sizeof p, fmt, dir);
	return access(p, F_OK) == 0;
}

/* "seed" of a summary.json, -1 if unreadable */
static long summary_seed(const char *dir, const char *policy)
{
	char p[1200];
	snprintf(p, sizeof p, "%s/%s/summary.json", dir, policy);
	json_t *j = json_load_file(p, 0, NULL);
	long seed = j ? (long)json_integer_value(json_object_get(j, "seed")) : -1;
	json_decref(j);
	return seed;
}

/* A process id that is certainly not alive: a child that has exited and
 * been reaped. */
static long dead_pid(void)
{
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	ck_assert_int_gt(c, 0);
	waitpid(c, NULL, 0);
	return (long)c;
}

/* Regression: run_dir[1100] / rundir[1024] cut long --out paths, so both
 * policies wrote into one wrong directory. */
START_TEST(long_out_path_is_never_truncated)
{
	char base[2048], err[2048], args[4096];
	int n = snprintf(base, sizeof base, "%s/long", test_tmpdir());
	for (int k = 0; k < 6; k++) {
		base[n++] = '/';
		memset(base + n, 'd', 200);
		n += 200;
	}
	base[n] = 0;
	ck_assert_int_gt(n, 1200);
	snprintf(args, sizeof args,
		 "tests/golden/mixed.json --out '%s' --quiet "
		 "--set 'policies=[\"fcfs\",\"mct\"]'",
		 base);
	ck_assert_msg(hetsim_run(args, err, sizeof err) == 0, "%s", err);
	ck_assert(exists("%s/fcfs/summary.json", base));
	ck_assert(exists("%s/mct/summary.json", base));
	ck_assert(exists("%s/comparison.csv", base));
	ck_assert(exists("%s/manifest.json", base));
}
END_TEST

/* Regression: killed runs left "*.tmp.PID" files (and now staging dirs)
 * that nothing removed. The next run into the directory removes those of
 * dead processes, and nothing else. */
START_TEST(stale_temporaries_of_dead_runs_are_removed)
{
	char d[600], cmd[2400], err[2048], args[1400];
	snprintf(d, sizeof d, "%s/stale", test_tmpdir());
	long dead = dead_pid();
	snprintf(cmd, sizeof cmd,
		 "mkdir -p '%s/fcfs/rep-001' '%s/.staging.%ld/fcfs' && cd '%s' && "
		 "echo x > fcfs/summary.json.tmp.%ld && "
		 "echo x > fcfs/rep-001/tasks.csv.gz.tmp.%ld && "
		 "echo x > comparison.csv.tmp.%ld && "
		 "echo x > .staging.%ld/fcfs/summary.json && "
		 "echo mine > notes.txt.tmp.%ld && echo mine > keep.txt && "
		 "echo live > fcfs/tasks.csv.gz.tmp.1",
		 d, d, dead, d, dead, dead, dead, dead, dead);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(args, sizeof args,
		 "tests/golden/mixed.json --out '%s' --quiet --set 'policies=[\"fcfs\",\"mct\"]'",
		 d);
	ck_assert_msg(hetsim_run(args, err, sizeof err) == 0, "%s", err);
	snprintf(cmd, sizeof cmd,
		 "cd '%s' && test ! -e fcfs/summary.json.tmp.%ld && "
		 "test ! -e fcfs/rep-001/tasks.csv.gz.tmp.%ld && "
		 "test ! -e comparison.csv.tmp.%ld && test ! -e .staging.%ld && "
		 "test -z \"$(ls -d .staging.* 2>/dev/null)\"",
		 d, dead, dead, dead, dead);
	ck_assert_msg(system(cmd) == 0, "a dead run's temporary is left");
	/* not hetsim's, or of a live process: kept */
	snprintf(cmd, sizeof cmd,
		 "cd '%s' && test -e notes.txt.tmp.%ld && test -e keep.txt && "
		 "test -e fcfs/tasks.csv.gz.tmp.1",
		 d, dead);
	ck_assert_msg(system(cmd) == 0, "a file hetsim did not write was removed");
}
END_TEST

/* A manifest.json that hetsim did not write (e.g. --out . in a project
 * that has one) is neither replaced nor trusted: the run refuses first. */
START_TEST(foreign_manifest_json_is_never_replaced)
{
	char d[600], cmd[2400], err[2048], args[1400];
	snprintf(d, sizeof d, "%s/foreign", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "mkdir -p '%s' && echo '{\"name\": \"my app\"}' > '%s/manifest.json'",
		 d, d);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(args, sizeof args, "tests/golden/mixed.json --out '%s' --quiet", d);
	int st = hetsim_run(args, err, sizeof err);
	ck_assert_msg(st == 2 && strstr(err, "manifest.json: exists and is not"),
		      "%d: %s", st, err);
	snprintf(cmd, sizeof cmd,
		 "grep -q 'my app' '%s/manifest.json' && test ! -e '%s/fcfs'", d, d);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Regression: a run killed after its first policy left the new fcfs/
 * beside the old mct/ and comparison.csv, nothing marking the mix. Kill a
 * run the moment the new fcfs/summary.json appears (or whenever it ends):
 * what compare accepts is always one run's set, and the next run cleans
 * up. */
START_TEST(killed_run_never_leaves_a_mixed_set)
{
	char d[600], args[1600], err[2048];
	snprintf(d, sizeof d, "%s/killed", test_tmpdir());
	const char *common =
		"experiments/assistive_ml.json --quiet --tasks 150000 "
		"--set 'policies=[\"fcfs\",\"mct\"]'";
	snprintf(args, sizeof args, "%s --out '%s' --seed 5", common, d);
	ck_assert_msg(hetsim_run(args, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(summary_seed(d, "fcfs"), 5);
	pid_t c = fork();
	if (c == 0) {
		char out[700];
		snprintf(out, sizeof out, "%s", d);
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(test_bin(), "hetsim", "run", "experiments/assistive_ml.json",
		      "--quiet", "--tasks", "150000", "--set",
		      "policies=[\"fcfs\",\"mct\"]", "--out", out, "--seed",
		      "6", (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(c, 0);
	int st = 0;
	for (int i = 0; i < 60000; i++) {
		if (waitpid(c, &st, WNOHANG) == c)
			break;
		if (summary_seed(d, "fcfs") == 6) {
			kill(c, SIGKILL);
			waitpid(c, &st, 0);
			break;
		}
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	char cmd[2400];
	snprintf(cmd, sizeof cmd,
		 "%s compare '%s/fcfs/summary.json' '%s/mct/summary.json' --quiet",
		 test_bin(), d, d);
	int cst = test_run(cmd, err, sizeof err);
	if (cst == 0)
		ck_assert_int_eq(summary_seed(d, "fcfs"), summary_seed(d, "mct"));
	else
		ck_assert_msg(cst == 2 && strstr(err, "manifest"), "%d: %s", cst, err);
	/* the next run clears what the killed one left */
	snprintf(args, sizeof args, "%s --out '%s' --seed 7", common, d);
	ck_assert_msg(hetsim_run(args, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 0);
	snprintf(cmd, sizeof cmd,
		 "test -z \"$(find '%s' -name '*.tmp.*' -o -name '.staging.*')\"", d);
	ck_assert_msg(system(cmd) == 0, "leftovers of the killed run");
}
END_TEST

/* Regression: on a full disk the error named summary.json although the
 * gzip stream had used the space, and a part of the new set replaced the
 * old one. A 512 KiB tmpfs (as root), else a file-size limit: the error
 * names tasks.csv.gz and the previous set stays whole. */
START_TEST(full_disk_names_the_file_and_keeps_the_previous_set)
{
	char d[600], cmd[2400], err[2048];
	snprintf(d, sizeof d, "%s/full", test_tmpdir());
	mkdir(d, 0700);
	snprintf(cmd, sizeof cmd,
		 "mount -t tmpfs -o size=512k tmpfs '%s' 2>/dev/null", d);
	int mounted = system(cmd) == 0;
	const char *common =
		"experiments/assistive_ml.json --quiet "
		"--set 'policies=[\"fcfs\",\"mct\"]'";
	char args[1600];
	snprintf(args, sizeof args, "%s --out '%s' --seed 5 --no-tasks-csv --tasks 2000",
		 common, d);
	if (hetsim_run(args, err, sizeof err) != 0) {
		snprintf(cmd, sizeof cmd, "umount '%s' 2>/dev/null", d);
		ck_assert_msg(system(cmd) < 0, "first run: %s", err);
	}
	pid_t c = fork();
	if (c == 0) {
		if (!mounted) {
			struct rlimit rl = {256 << 10, 256 << 10};
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
		}
		char errpath[700];
		snprintf(errpath, sizeof errpath, "%s/full.err", test_tmpdir());
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execl(test_bin(), "hetsim", "run", "experiments/assistive_ml.json",
		      "--quiet", "--set", "policies=[\"fcfs\",\"mct\"]", "--out",
		      d, "--seed", "6", "--tasks", "300000", (char *)NULL);
		_exit(127);
	}
	int st = 0;
	waitpid(c, &st, 0);
	char errpath[700];
	snprintf(errpath, sizeof errpath, "%s/full.err", test_tmpdir());
	size_t n = 0;
	char *msg = test_slurp(errpath, &n);
	/* gather everything, unmount, then judge (a failed assertion ends
	 * the test's process: it must not leave the mount behind) */
	long seed_fcfs = summary_seed(d, "fcfs"), seed_mct = summary_seed(d, "mct");
	char cerr[2048];
	snprintf(cmd, sizeof cmd,
		 "%s compare '%s/fcfs/summary.json' '%s/mct/summary.json' --quiet",
		 test_bin(), d, d);
	int compare_st = test_run(cmd, cerr, sizeof cerr);
	snprintf(cmd, sizeof cmd,
		 "test -z \"$(find '%s' -name '*.tmp.*' -o -name '.staging.*' -o -name 'tasks.csv.gz')\"", d);
	int clean = system(cmd) == 0;
	if (mounted) {
		snprintf(cmd, sizeof cmd, "umount '%s'", d);
		ck_assert_int_eq(system(cmd), 0);
	}
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d: %s", st, msg);
	char want[800];
	snprintf(want, sizeof want, "hetsim: %s/fcfs/tasks.csv.gz: cannot write: ", d);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0 &&
			      !strstr(msg, "summary.json"),
		      "names the wrong file: %s", msg);
	free(msg);
	/* the previous set, whole; nothing of the failed run */
	ck_assert_int_eq(seed_fcfs, 5);
	ck_assert_int_eq(seed_mct, 5);
	ck_assert_msg(compare_st == 0, "%s", cerr);
	ck_assert_msg(clean, "leftovers of the failed run");
}
END_TEST

/* Peak resident memory (KiB) of `hetsim run ARGS...` in a child. */
static long run_maxrss_kib(const char *tasks)
{
	pid_t c = fork();
	if (c == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(test_bin(), "hetsim", "run", "experiments/assistive_ml.json",
		      "--policy", "mct", "--tasks", tasks, "--out", "", "--quiet",
		      (char *)NULL);
		_exit(127);
	}
	int st = 0;
	struct rusage ru;
	ck_assert_int_eq(wait4(c, &st, 0, &ru), c);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return ru.ru_maxrss;
}

/* Memory follows the tasks in flight, not the tasks of the run: ten
 * times the tasks (at a load the machines keep up with) must not cost
 * ten times the memory (tasks = 10^12 must not exhaust it). */
START_TEST(memory_does_not_grow_with_the_task_count)
{
	long small = run_maxrss_kib("100000"), big = run_maxrss_kib("1000000");
	ck_assert_msg(big < small + small / 2, "%ld KiB for 10^5 tasks, %ld for 10^6",
		      small, big);
}
END_TEST

START_TEST(golden_run_matches_pinned_outputs)
{
	const char *names[] = {"mixed", "batch"};
	for (size_t i = 0; i < 2; i++) {
		char dir[600], cmd[1600], diff[8192];
		snprintf(dir, sizeof dir, "%s/golden-%s", test_tmpdir(), names[i]);
		snprintf(cmd, sizeof cmd, "%s run tests/golden/%s.json --out '%s' --quiet",
			 test_bin(), names[i], dir);
		ck_assert_int_eq(test_run(cmd, diff, sizeof diff), 0);
		/* any change of results is a visible diff (make golden-update) */
		snprintf(cmd, sizeof cmd, "diff -r tests/golden/expected/%s '%s' >&2",
			 names[i], dir);
		ck_assert_msg(test_run(cmd, diff, sizeof diff) == 0, "golden %s diff:\n%s",
			      names[i], diff);
	}
}
END_TEST

/* One machine, one slot, every task takes exactly 1 s; arrivals and
 * deadlines from a trace; returns the parsed summary.json. */
static json_t *run_drop_case(const char *name, const char *trace,
			     const char *policy, const char *drop)
{
	char tname[64], ename[64], dir[600], path[700];
	snprintf(tname, sizeof tname, "%s.csv", name);
	snprintf(ename, sizeof ename, "%s.json", name);
	test_write(tname, trace);
	char text[2048];
	snprintf(text, sizeof text,
		 "{\"profile\": {\"machine_types\": [{\"name\": \"m\"}],\n"
		 "  \"task_types\": [{\"name\": \"t\"}],\n"
		 "  \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"constant\", \"value\": 1}]},\n"
		 " \"machines\": [{\"type\": \"m\"}],\n"
		 " \"workload\": {\"arrival\": \"trace\", \"file\": \"%s\"},\n"
		 " %s%s%s \"policy\": \"%s\"}\n",
		 tname, drop ? "\"drop\": " : "", drop ? drop : "", drop ? "," : "",
		 policy);
	const char *exp = test_write(ename, text);
	snprintf(dir, sizeof dir, "%s/%s", test_tmpdir(), name);
	run_to(exp, dir, 1);
	snprintf(path, sizeof path, "%s/%s/summary.json", dir, policy);
	json_error_t jerr;
	json_t *sum = json_load_file(path, 0, &jerr);
	ck_assert_msg(sum != NULL, "%s: %s", path, jerr.text);
	return sum;
}

static long long jget(const json_t *root, const char *a, const char *b)
{
	const json_t *v = json_object_get(root, a);
	if (b)
		v = json_object_get(v, b);
	ck_assert_msg(json_is_integer(v), "%s.%s", a, b ? b : "");
	return json_integer_value(v);
}

START_TEST(deadline_drops_happen_where_configured)
{
	/* a, b, c arrive at 0 (deadlines 10, 0.5, 10). a runs 0-1; b's
	 * deadline passes in the queue; c runs 1-2 (in_queue) or 2-3 */
	const char *trace = "arrival_s,task_type,deadline_s\n0,t,10\n0,t,0.5\n0,t,10\n";
	json_t *s0 = run_drop_case("nodrop", trace, "mct", NULL);
	ck_assert_int_eq(jget(s0, "tasks", "completed"), 3);
	ck_assert_int_eq(jget(s0, "tasks", "deadline_missed"), 1);
	ck_assert_double_eq_tol(json_real_value(json_object_get(s0, "makespan_s")), 3, 1e-12);
	json_decref(s0);
	json_t *s1 = run_drop_case("inqueue", trace, "mct", "{\"in_queue\": true}");
	ck_assert_int_eq(jget(s1, "tasks", "completed"), 2);
	ck_assert_int_eq(jget(s1, "tasks", "deadline_missed"), 0);
	const json_t *by = json_object_get(json_object_get(s1, "tasks"), "dropped_by");
	ck_assert_int_eq(json_integer_value(json_object_get(by, "queue")), 1);
	ck_assert_double_eq_tol(json_real_value(json_object_get(s1, "makespan_s")), 2, 1e-12);
	json_decref(s1);
	/* while running: a (deadline 0.5) is cut at 0.5, then b (deadline
	 * 10) runs 0.5-1.5 */
	json_t *s2 = run_drop_case("running", "arrival_s,task_type,deadline_s\n0,t,0.5\n0,t,10\n",
				   "mct", "{\"while_running\": true}");
	ck_assert_int_eq(jget(s2, "tasks", "completed"), 1);
	by = json_object_get(json_object_get(s2, "tasks"), "dropped_by");
	ck_assert_int_eq(json_integer_value(json_object_get(by, "running")), 1);
	ck_assert_double_eq_tol(json_real_value(json_object_get(s2, "makespan_s")), 1.5, 1e-12);
	/* the machine was busy 0.5 s (cut task) + 1 s */
	const json_t *pm = json_array_get(json_object_get(s2, "per_machine"), 0);
	ck_assert_double_eq_tol(json_real_value(json_object_get(pm, "utilization")), 1.0, 1e-12);
	json_decref(s2);
	/* at mapping: FCFS keeps b in the mapper queue (a holds the slot);
	 * at 1 s its deadline (0.5) has passed: dropped there; c runs 1-2 */
	json_t *s3 = run_drop_case("mapping", "arrival_s,task_type,deadline_s\n0,t,10\n0.1,t,0.5\n0.2,t,10\n",
				   "fcfs", "{\"at_mapping\": true}");
	ck_assert_int_eq(jget(s3, "tasks", "completed"), 2);
	by = json_object_get(json_object_get(s3, "tasks"), "dropped_by");
	ck_assert_int_eq(json_integer_value(json_object_get(by, "mapping")), 1);
	json_decref(s3);
}
END_TEST

/* FCFS with pruning that defers: b (deadline 0.5) cannot make it once a
 * holds the only machine until 1 s; it stays waiting while c, behind it,
 * runs 1-2; when the run ends b is counted as never mapped. */
/* A profile file is parsed once per process while it is unchanged (the
 * cases of a sweep), and again after it changes. */
START_TEST(profile_files_are_cached_until_they_change)
{
	const char *prof = test_write("cache_prof.json",
		"{\"machine_types\": [{\"name\": \"m\"}], \"task_types\": [{\"name\": \"t\"}],\n"
		" \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"constant\", \"value\": 1}]}\n");
	(void)prof;
	const char *exp = test_write("cache_exp.json",
		"{\"profile\": \"cache_prof.json\", \"machines\": [{\"type\": \"m\"}],\n"
		" \"workload\": {\"arrival\": \"poisson\", \"rate_per_s\": 0.5, \"tasks\": 10},\n"
		" \"policy\": \"mct\", \"output\": {\"dir\": \"\"}}\n");
	io_err err = {0};
	sim_experiment *a = NULL, *b = NULL, *c = NULL;
	ck_assert_msg(sim_experiment_load(&a, exp, &err) == 0, "%s", err.msg);
	ck_assert_msg(sim_experiment_load(&b, exp, &err) == 0, "%s", err.msg);
	ck_assert_ptr_eq(a->profile, b->profile);
	sim_experiment_free(a);
	sim_experiment_free(b);
	/* a changed file (other size) is read again, with its new values */
	test_write("cache_prof.json",
		"{\"machine_types\": [{\"name\": \"m\"}], \"task_types\": [{\"name\": \"t\"}],\n"
		" \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"constant\", \"value\": 2.5}]}\n");
	ck_assert_msg(sim_experiment_load(&c, exp, &err) == 0, "%s", err.msg);
	ck_assert_double_eq(prof_mean(c->profile, 0, 0), 2.5);
	sim_experiment_free(c);
}
END_TEST

START_TEST(deferred_hopeless_task_neither_starves_nor_vanishes)
{
	test_write("defer.csv", "arrival_s,task_type,deadline_s\n0,t,10\n0,t,0.5\n0.1,t,10\n");
	const char *exp = test_write("defer.json",
		"{\"profile\": {\"machine_types\": [{\"name\": \"m\"}],\n"
		"  \"task_types\": [{\"name\": \"t\"}],\n"
		"  \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"uniform\", \"min\": 0.9, \"max\": 1.1}]},\n"
		" \"machines\": [{\"type\": \"m\"}],\n"
		" \"workload\": {\"arrival\": \"trace\", \"file\": \"defer.csv\"},\n"
		" \"pruning\": {\"threshold\": 0.5, \"action\": \"defer\"},\n"
		" \"policy\": \"fcfs\"}\n");
	char dir[600], path[700];
	snprintf(dir, sizeof dir, "%s/defer", test_tmpdir());
	run_to(exp, dir, 1);
	snprintf(path, sizeof path, "%s/fcfs/summary.json", dir);
	json_error_t jerr;
	json_t *sum = json_load_file(path, 0, &jerr);
	ck_assert_msg(sum != NULL, "%s", jerr.text);
	ck_assert_int_eq(jget(sum, "tasks", "completed"), 2);
	ck_assert_int_eq(jget(sum, "tasks", "arrived"), 3);
	const json_t *by = json_object_get(json_object_get(sum, "tasks"), "dropped_by");
	ck_assert_int_eq(json_integer_value(json_object_get(by, "unmapped")), 1);
	json_decref(sum);
}
END_TEST

START_TEST(replications_pair_policies_and_identical_ones_differ_by_zero)
{
	/* kpb with k = 100% is MCT: over 4 paired replications every metric's
	 * difference is exactly 0 */
	const char *exp = test_write("reps.json",
		"{\"profile\": \"" "PROFILE" "\",\n"
		" \"machines\": [{\"type\": \"t2.large\", \"count\": 2}, {\"type\": \"g4dn.xlarge\"}],\n"
		" \"workload\": {\"arrival\": \"poisson\", \"rate_per_s\": 40, \"tasks\": 500},\n"
		" \"deadline\": {\"slack\": 5},\n"
		" \"policies\": [\"mct\", {\"name\": \"kpb\", \"k_percent\": 100}, \"rr\"],\n"
		" \"replications\": 4, \"seed\": 9}\n");
	/* point the profile at the shipped one */
	char cwd[400], cwd_profile[600], cmd[2000];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	snprintf(cwd_profile, sizeof cwd_profile, "%s/profiles/data/heet.json", cwd);
	snprintf(cmd, sizeof cmd, "sed -i 's|PROFILE|%s|' '%s'", cwd_profile, exp);
	ck_assert_int_eq(system(cmd), 0);
	char dir[600], path[700];
	snprintf(dir, sizeof dir, "%s/reps", test_tmpdir());
	run_to(exp, dir, 9);
	snprintf(path, sizeof path, "%s/kpb-100/summary.json", dir);
	json_error_t jerr;
	json_t *agg = json_load_file(path, 0, &jerr);
	ck_assert_msg(agg != NULL, "%s: %s", path, jerr.text);
	ck_assert_int_eq(json_integer_value(json_object_get(agg, "replications")), 4);
	const json_t *met = json_object_get(json_object_get(agg, "metrics"), "response_mean_s");
	ck_assert_int_eq((int)json_array_size(json_object_get(met, "values")), 4);
	ck_assert(json_real_value(json_object_get(met, "ci95_low")) <=
		  json_real_value(json_object_get(met, "ci95_high")));
	json_decref(agg);
	snprintf(path, sizeof path, "%s/rr/rep-003/summary.json", dir);
	agg = json_load_file(path, 0, &jerr);
	ck_assert_msg(agg != NULL, "%s: %s", path, jerr.text);
	ck_assert_int_eq(json_integer_value(json_object_get(agg, "seed")), 12);
	json_decref(agg);
	/* comparison.csv: kpb-100 rows have difference 0 and CI [0, 0] */
	snprintf(cmd, sizeof cmd,
		 "awk -F, '$1 == \"kpb(100%%)\" && ($6 != 0 || $7 != 0 || $8 != 0) {bad = 1} "
		 "$1 == \"kpb(100%%)\" {n++} END {exit bad || n != %d}' '%s/comparison.csv'",
		 SIM_N_METRICS, dir);
	ck_assert_int_eq(system(cmd), 0);
	/* rr differs from mct in the mean response time */
	snprintf(cmd, sizeof cmd,
		 "awk -F, '$1 == \"rr\" && $2 == \"response_mean_s\" && $6 != 0 {ok = 1} "
		 "END {exit !ok}' '%s/comparison.csv'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The shipped policy study at 1.5x oversubscription: MinMin, MSD and
 * MinMin with pruning meet strictly more deadlines than FCFS, the paired
 * 95% interval of the difference excluding 0. */
START_TEST(oversubscribed_batch_and_pruning_beat_fcfs)
{
	char dir[600], cmd[2400], err[2048];
	snprintf(dir, sizeof dir, "%s/study", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s run experiments/policies/study.json --quiet --out '%s' "
		 "--set workload.rate_per_s=238.5 --set workload.tasks=2000 "
		 "--set 'policies=[\"fcfs\", \"minmin\", \"msd\"]' && "
		 "%s run experiments/policies/study.json --quiet --out '%s/pruned' "
		 "--set workload.rate_per_s=238.5 --set workload.tasks=2000 "
		 "--set 'policies=[\"fcfs\", \"minmin\"]' "
		 "--set 'pruning={\"threshold\": 0.5}'",
		 test_bin(), dir, test_bin(), dir);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
	snprintf(cmd, sizeof cmd,
		 "awk -F, '$2 == \"deadline_met_fraction\" && $1 != \"fcfs\" "
		 "{n++; if ($7 <= 0) {print $1, $6, $7, $8 > \"/dev/stderr\"; bad = 1}} "
		 "END {exit bad || n != 3}' '%s/comparison.csv' '%s/pruned/comparison.csv'",
		 dir, dir);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "not better than fcfs: %s", err);
}
END_TEST

/* Two machines at $3.60/h (0.1 cent a second), idle 10 W, busy 30 W;
 * three 1 s tasks at 0, spread by round robin (two on machine 0, one on
 * machine 1): makespan 2 s. Exact seconds: cost 2 x 2 s x $0.001 = $0.004;
 * billed by the minute: 2 x 60 s -> $0.12. Energy: idle 10 W x 2 s x 2
 * + 20 W x 3 task-seconds = 100 J, per completed task 33.3 J. */
START_TEST(energy_and_billed_cost_follow_the_profile)
{
	const char *exp = test_write("bill.json",
		"{\"profile\": {\"machine_types\": [{\"name\": \"m\", \"price_usd_h\": 3.6,\n"
		"   \"power_w\": {\"idle\": 10, \"busy\": 30}}],\n"
		"  \"task_types\": [{\"name\": \"t\"}],\n"
		"  \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"constant\", \"value\": 1}]},\n"
		" \"machines\": [{\"type\": \"m\", \"count\": 2}],\n"
		" \"workload\": {\"arrival\": \"trace\", \"file\": \"bill.csv\"},\n"
		" \"policy\": \"rr\", \"output\": {\"dir\": \"\"}}\n");
	test_write("bill.csv", "0,t\n0,t\n0,t\n");
	sim_result r = run_file(exp);
	ck_assert_double_eq_tol(r.makespan_s, 2, 1e-12);
	ck_assert_double_eq_tol(r.cost_usd, 0.004, 1e-12);
	ck_assert_double_eq_tol(r.energy_j, 100, 1e-9);
	io_err err = {0};
	sim_experiment *x = NULL;
	const char *sets[] = {"billing_granularity_s=60"};
	ck_assert_msg(sim_experiment_load_set(&x, exp, sets, 1, &err) == 0, "%s", err.msg);
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	ck_assert_int_eq(sim_run_policy(x, 0, &o, &r, &err), 0);
	ck_assert_double_eq_tol(r.cost_usd, 0.12, 1e-12);
	sim_experiment_free(x);
}
END_TEST

Suite *suite_core(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("heap");
	tcase_add_test(tc, heap_pops_in_time_order);
	tcase_add_test(tc, heap_equal_times_pop_fifo);
	tcase_add_test(tc, heap_cancel_removes_exactly_that_event);
	tcase_add_test(tc, heap_reuses_nodes_without_growing);
	tcase_add_test(tc, stats_quantiles_within_resolution);
	tcase_add_test(tc, stats_merge_is_adding_the_samples);
	tcase_add_test(tc, fmt_time_is_exact_fixed_point);
	tcase_add_test(tc, fmt_time_of_any_double_is_bounded_and_reads_back);
	tcase_add_test(tc, task_uniform_depends_only_on_seed_and_id);
	suite_add_tcase(s, tc);
	TCase *q = tcase_create("queueing");
	tcase_set_timeout(q, 300);
	tcase_add_test(q, mm1_mean_response_matches_theory);
	tcase_add_test(q, mmc_four_machines_matches_erlang_c);
	tcase_add_test(q, mmc_one_machine_four_slots_matches_erlang_c);
	tcase_add_test(q, littles_law_holds_on_a_run);
	tcase_add_test(q, events_are_an_arrival_and_an_end_a_task);
	tcase_add_test(q, draws_beyond_the_limit_are_caught_unless_ruled_out);
	tcase_add_test(q, energy_and_billed_cost_follow_the_profile);
	suite_add_tcase(s, q);
	TCase *d = tcase_create("determinism");
	tcase_set_timeout(d, 300);
	tcase_add_test(d, same_seed_gives_byte_identical_outputs);
	tcase_add_test(d, policies_see_the_same_tasks_under_one_seed);
	tcase_add_test(d, straight_run_schedules_as_the_general_loop);
	tcase_add_test(d, straight_run_by_slots_schedules_as_the_heap);
	tcase_add_test(d, outputs_are_written_atomically_and_listed);
	tcase_add_test(d, golden_run_matches_pinned_outputs);
	tcase_add_test(d, long_out_path_is_never_truncated);
	tcase_add_test(d, memory_does_not_grow_with_the_task_count);
	tcase_add_test(d, stale_temporaries_of_dead_runs_are_removed);
	tcase_add_test(d, foreign_manifest_json_is_never_replaced);
	tcase_add_test(d, killed_run_never_leaves_a_mixed_set);
	tcase_add_test(d, full_disk_names_the_file_and_keeps_the_previous_set);
	tcase_add_test(d, deadline_drops_happen_where_configured);
	tcase_add_test(d, deferred_hopeless_task_neither_starves_nor_vanishes);
	tcase_add_test(d, profile_files_are_cached_until_they_change);
	tcase_add_test(d, replications_pair_policies_and_identical_ones_differ_by_zero);
	tcase_add_test(d, oversubscribed_batch_and_pruning_beat_fcfs);
	suite_add_tcase(s, d);
	return s;
}
