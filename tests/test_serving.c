/* tests/test_serving.c — the serving model (sim/serving.h) and the load
 * balancers fcfs_random / fcfs_least (policies/immediate.h): each option on
 * a hand-built case with a hand-computed answer, defaults unchanged, bad
 * options located, and its fitter (`hetsim fit --serving`,
 * profiles/serving_fit.h) recovering known parameters from synthetic runs,
 * writing JSON as the Python fitter it replaced did, and refusing bad rows
 * with located errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "profiles/serving_fit.h"
#include "sim/sim.h"
#include "tests.h"

#define NMAX 512

/* tasks.csv.gz rows of one run */
typedef struct rows {
	int n;
	double arrival[NMAX], start[NMAX], end[NMAX];
	int machine[NMAX];
} rows;

static char last_policy[32]; /* of the last experiment() written */

/* Two task types a, b and machine type m (slots per machine given), times
 * constant: a 1 s, b 1 s. */
static const char *experiment(const char *name, const char *trace,
			      int machines, int slots, const char *policy,
			      const char *serving, unsigned seed)
{
	char text[4096];
	test_write("trace.csv", trace);
	snprintf(last_policy, sizeof last_policy, "%s", policy);
	snprintf(text, sizeof text,
		 "{\"profile\": {\"machine_types\": [{\"name\": \"m\", "
		 "\"slots\": %d}],\n"
		 "  \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n"
		 "  \"exec\": [{\"task\": \"a\", \"machine\": \"m\", \"model\": "
		 "\"constant\", \"value\": 1},\n"
		 "             {\"task\": \"b\", \"machine\": \"m\", \"model\": "
		 "\"constant\", \"value\": 1}]},\n"
		 " \"machines\": [{\"type\": \"m\", \"count\": %d}],\n"
		 " \"workload\": {\"arrival\": \"trace\", \"file\": "
		 "\"trace.csv\"},\n"
		 " \"policy\": \"%s\", \"seed\": %u%s%s}\n",
		 slots, machines, policy, seed, serving ? ",\n \"serving\": " : "",
		 serving ? serving : "");
	return test_write(name, text);
}

static void read_rows(const char *path, rows *r)
{
	gzFile f = gzopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char line[1024];
	r->n = 0;
	ck_assert(gzgets(f, line, sizeof line) != NULL); /* header */
	while (gzgets(f, line, sizeof line) && r->n < NMAX) {
		long id;
		char type[64];
		double a, s, e;
		int m;
		tck_assert_msg(sscanf(line, "%ld,%63[^,],%lf,%lf,%lf,,%d", &id,
				     type, &a, &s, &e, &m) == 6,
			      "row %s", line);
		tck_assert(id >= 0 && id < NMAX);
		r->arrival[id] = a;
		r->start[id] = s;
		r->end[id] = e;
		r->machine[id] = m;
		r->n++;
	}
	gzclose(f);
}

/* Run exp's only policy into a fresh dir; its tasks.csv.gz into r (NULL:
 * not read); returns the result. */
static char last_dir[600]; /* run()'s output directory */

static sim_result run(const char *exp, rows *r)
{
	static int k;
	char *dir = last_dir;
	snprintf(last_dir, sizeof last_dir, "%s/out%d", test_tmpdir(), k++);
	io_err err = {0};
	sim_experiment *x = NULL;
	ck_assert_msg(sim_experiment_load(&x, exp, &err) == 0, "%s", err.msg);
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	o.out_dir = dir;
	o.quiet = 1;
	o.tasks_csv = 1;
	ck_assert_msg(sim_run_experiment(x, &o, NULL, NULL, &err) == 0, "%s",
		      err.msg);
	sim_result res;
	sim_run_opts o2 = SIM_RUN_OPTS_DEFAULT;
	ck_assert_msg(sim_run_policy(x, 0, &o2, &res, &err) == 0, "%s",
		      err.msg);
	if (r) {
		char p[700];
		snprintf(p, sizeof p, "%s/%s/tasks.csv.gz", dir, last_policy);
		read_rows(p, r);
	}
	sim_experiment_free(x);
	return res;
}

#define NEAR(x, y) (fabs((x) - (y)) < 1e-9)

START_TEST(client_delay_shifts_responses_exactly)
{
	const char *tr = "arrival_s,task_type\n0,a\n5,b\n";
	rows r0, r1;
	sim_result s0 = run(experiment("d0.json", tr, 1, 1, "fcfs", NULL, 1),
			    &r0);
	sim_result s1 = run(experiment("d1.json", tr, 1, 1, "fcfs",
				       "{\"client_delay\": 0.25}", 1),
			    &r1);
	ck_assert_int_eq(r1.n, 2);
	/* the instance's times stay; the response arrives 0.25 s later */
	for (int i = 0; i < 2; i++) {
		ck_assert(NEAR(r1.start[i], r0.start[i]));
		ck_assert_msg(NEAR(r1.end[i], r0.end[i] + 0.25), "end %g",
			      r1.end[i]);
	}
	ck_assert(NEAR(s0.response_mean_s, 1.0));
	ck_assert(NEAR(s1.response_mean_s, 1.25));
	ck_assert(NEAR(s1.makespan_s, 6.25));
}
END_TEST

START_TEST(client_delay_does_not_occupy_but_hold_does)
{
	/* two requests at 0 and 0.1 on one instance (each 1 s) */
	const char *tr = "arrival_s,task_type\n0,a\n0.1,a\n";
	rows r;
	run(experiment("h0.json", tr, 1, 1, "fcfs",
		       "{\"client_delay\": 0.25}", 1), &r);
	/* the second starts when the first's 1 s is over, not after 1.25 */
	ck_assert(NEAR(r.start[1], 1.0));
	ck_assert(NEAR(r.end[1], 2.25));
	run(experiment("h1.json", tr, 1, 1, "fcfs",
		       "{\"hold\": {\"samples\": [500], \"unit\": \"ms\"}}", 1),
	    &r);
	/* the instance is taken 1 + 0.5 s per request */
	ck_assert(NEAR(r.end[0], 1.5));
	ck_assert(NEAR(r.start[1], 1.5));
	ck_assert(NEAR(r.end[1], 3.0));
}
END_TEST

START_TEST(delay_samples_are_drawn_from_the_set_and_seeded)
{
	char tr[8192] = "arrival_s,task_type\n";
	for (int i = 0; i < 300; i++)
		snprintf(tr + strlen(tr), sizeof tr - strlen(tr), "%d,a\n",
			 2 * i);
	const char *srv = "{\"client_delay\": {\"samples\": [3, 1, 2], "
			  "\"unit\": \"ms\"}}";
	rows r, r2, r3;
	run(experiment("s0.json", tr, 1, 1, "fcfs", srv, 1), &r);
	run(experiment("s1.json", tr, 1, 1, "fcfs", srv, 1), &r2);
	run(experiment("s2.json", tr, 1, 1, "fcfs", srv, 2), &r3);
	int seen[4] = {0}, differ = 0;
	for (int i = 0; i < 300; i++) {
		double d = (r.end[i] - r.start[i] - 1.0) * 1e3;
		int k = (int)lround(d);
		ck_assert_msg(k >= 1 && k <= 3 && fabs(d - k) < 1e-6,
			      "delay %g ms", d);
		seen[k]++;
		ck_assert(r.end[i] == r2.end[i]); /* same seed, same draws */
		differ += r.end[i] != r3.end[i];
	}
	for (int k = 1; k <= 3; k++) /* about 100 each */
		ck_assert_msg(seen[k] > 60, "sample %d drawn %d times", k,
			      seen[k]);
	ck_assert(differ > 100);
}
END_TEST

START_TEST(mix_factor_depends_on_the_previous_type)
{
	const char *tr = "arrival_s,task_type\n0,a\n10,b\n20,b\n30,a\n";
	const char *srv =
		"{\"mix\": [{\"machine\": \"m\", \"task\": \"a\", \"after\": "
		"null, \"factor\": 3},\n"
		"  {\"machine\": \"m\", \"task\": \"b\", \"after\": \"a\", "
		"\"factor\": 2}]}";
	rows r;
	run(experiment("x0.json", tr, 1, 1, "fcfs", srv, 1), &r);
	/* a first on the instance: 3 x 1; b after a: 2 x 1; b after b and a
	 * after b: not listed, 1 */
	ck_assert_msg(NEAR(r.end[0], 3.0), "%g", r.end[0]);
	ck_assert_msg(NEAR(r.end[1], 12.0), "%g", r.end[1]);
	ck_assert_msg(NEAR(r.end[2], 21.0), "%g", r.end[2]);
	ck_assert_msg(NEAR(r.end[3], 31.0), "%g", r.end[3]);
}
END_TEST

START_TEST(random_free_picks_only_free_instances_and_is_seeded)
{
	/* 4 instances, 10 s each; 4 requests at 0..3 take one each, the 5th
	 * (at 4) waits for the first to free, at 10 */
	const char *tr =
		"arrival_s,task_type\n0,a\n1,a\n2,a\n3,a\n4,a\n";
	int first_machine_seen[4] = {0};
	for (unsigned seed = 1; seed <= 24; seed++) {
		char name[32];
		snprintf(name, sizeof name, "r%u.json", seed);
		const char *exp = experiment(
			name, tr, 4, 1, "fcfs_random",
			"{\"mix\": [{\"machine\": \"m\", \"task\": \"a\", "
			"\"after\": null, \"factor\": 10}, {\"machine\": "
			"\"m\", \"task\": \"a\", \"after\": \"a\", "
			"\"factor\": 10}]}",
			seed);
		rows r, again;
		run(exp, &r);
		run(exp, &again);
		int used = 0;
		for (int i = 0; i < 4; i++) {
			ck_assert(NEAR(r.start[i], i)); /* never waited */
			ck_assert(!(used & 1 << r.machine[i]));
			used |= 1 << r.machine[i];
		}
		ck_assert(NEAR(r.start[4], 10.0));
		ck_assert_int_eq(r.machine[4], r.machine[0]);
		for (int i = 0; i < 5; i++)
			ck_assert_int_eq(r.machine[i], again.machine[i]);
		first_machine_seen[r.machine[0]]++;
	}
	for (int m = 0; m < 4; m++) /* 24 draws: each machine first sometimes */
		ck_assert_msg(first_machine_seen[m] > 0, "machine %d never", m);
}
END_TEST

START_TEST(least_loaded_spreads_over_multi_slot_machines)
{
	const char *tr = "arrival_s,task_type\n0,a\n0.1,a\n0.2,a\n";
	rows f, l;
	run(experiment("l0.json", tr, 2, 2, "fcfs", NULL, 1), &f);
	run(experiment("l1.json", tr, 2, 2, "fcfs_least", NULL, 1), &l);
	/* first free: both slots of machine 0 first */
	ck_assert_int_eq(f.machine[0], 0);
	ck_assert_int_eq(f.machine[1], 0);
	ck_assert_int_eq(f.machine[2], 1);
	/* least loaded: 0, then the idle 1, then 0 (ties: lowest index) */
	ck_assert_int_eq(l.machine[0], 0);
	ck_assert_int_eq(l.machine[1], 1);
	ck_assert_int_eq(l.machine[2], 0);
}
END_TEST

START_TEST(random_queue_serves_waiting_requests_out_of_order)
{
	/* one instance, 1 s each; 8 requests at 0..0.7: 7 wait */
	const char *tr = "arrival_s,task_type\n0,a\n0.1,a\n0.2,a\n0.3,a\n"
			 "0.4,a\n0.5,a\n0.6,a\n0.7,a\n";
	rows fifo, r;
	run(experiment("q0.json", tr, 1, 1, "fcfs", "{\"queue\": \"fifo\"}",
		       1), &fifo);
	for (int i = 0; i < 8; i++)
		ck_assert(NEAR(fifo.start[i], i));
	int out_of_order = 0;
	for (unsigned seed = 1; seed <= 5; seed++) {
		char name[32];
		snprintf(name, sizeof name, "q%u.json", seed);
		run(experiment(name, tr, 1, 1, "fcfs",
			       "{\"queue\": \"random\"}", seed), &r);
		int slot_used[8] = {0};
		for (int i = 0; i < 8; i++) {
			/* every request runs once, back to back */
			double s = r.start[i];
			ck_assert(fabs(s - lround(s)) < 1e-9);
			ck_assert(!slot_used[lround(s)]++);
			out_of_order += !NEAR(s, i);
		}
		ck_assert(NEAR(r.start[0], 0)); /* found the instance free */
	}
	ck_assert(out_of_order > 10);
}
END_TEST

/* "retry" on one instance (each request 1 s): requests at 0, 0.1 and
 * 0.9. Request 0 finds the instance free and takes it at once (no idle
 * time); with the retry hold 0.25 s (the top-level "hold" of 5 s is
 * replaced) it frees at 1.25. Then request 1 has waited 1.15 s, request 2
 * 0.35 s: with hot_s 0.5 only request 2 is hot, and with backoff 10^6 it
 * polls 10^6 times as often, so it gets the instance (probability
 * 1 - 10^-6) at 1.25 + idle, idle 0 as poll_s is 0: 1.25-2.5; request 1
 * 2.5-3.75. FIFO serves 1 before 2. */
START_TEST(retry_serves_hot_requests_first)
{
	const char *tr = "arrival_s,task_type\n0,a\n0.1,a\n0.9,a\n";
	rows r;
	for (unsigned seed = 1; seed <= 3; seed++) {
		run(experiment("rt0.json", tr, 1, 1, "fcfs",
			       "{\"hold\": 5, \"retry\": {\"poll_s\": 0, "
			       "\"hot_s\": 0.5, \"backoff\": 1e6, \"hold\": "
			       "0.25}}",
			       seed),
		    &r);
		ck_assert(NEAR(r.start[0], 0) && NEAR(r.end[0], 1.25));
		ck_assert_msg(NEAR(r.start[2], 1.25) && NEAR(r.end[2], 2.5),
			      "request 2: %g-%g", r.start[2], r.end[2]);
		ck_assert_msg(NEAR(r.start[1], 2.5) && NEAR(r.end[1], 3.75),
			      "request 1: %g-%g", r.start[1], r.end[1]);
	}
	run(experiment("rt1.json", tr, 1, 1, "fcfs", "{\"hold\": 0.25}", 1),
	    &r);
	ck_assert(NEAR(r.start[1], 1.25) && NEAR(r.start[2], 2.5));
}
END_TEST

/* The retry tests' idle time: requests at 0 and 0.1 on one instance, 1 s
 * each; the second starts at 1, and whatever it ends past 2 the instance
 * stood idle. Its mean over 300 seeds must be `mean` within 4 standard
 * errors (the idle time is exponential: sd = mean). */
static void check_idle_mean(const char *tr, const char *retry, double mean,
			    size_t c)
{
	double sum = 0;
	const int n = 300;
	for (int seed = 1; seed <= n; seed++) {
		rows r;
		run(experiment("ri.json", tr, 1, 1, "fcfs", retry, (unsigned)seed), &r);
		ck_assert(NEAR(r.end[0], 1.0));
		ck_assert(NEAR(r.start[1], 1.0));
		double idle = r.end[1] - 2.0;
		ck_assert(idle >= 0);
		sum += idle;
	}
	double got = sum / n, se = mean / sqrt(n);
	ck_assert_msg(fabs(got - mean) < 4 * se, "case %zu: mean idle %g, not %g", c, got,
		      mean);
}

/* The idle time of a freed instance: requests at 0 and 0.1 (1 s each,
 * hold 0): request 1 gets the instance at 1 after an idle time that is
 * exponential with mean poll_s / W: W = 1 while it is hot (mean 0.2 s
 * with poll_s 0.2), 1 / backoff once it is not (hot_s 0: mean 0.8 s with
 * backoff 4). Over 300 seeds the mean is within 4 standard errors (the
 * standard deviation of an exponential is its mean); request 0, which
 * found the instance free, never idles. */
START_TEST(retry_idle_time_has_mean_poll_over_w)
{
	const char *tr = "arrival_s,task_type\n0,a\n0.1,a\n";
	static const struct {
		const char *retry;
		double mean;
	} cases[] = {
		{"{\"retry\": {\"poll_s\": 0.2, \"hot_s\": 100, \"backoff\": 4, "
		 "\"hold\": 0}}",
		 0.2},
		{"{\"retry\": {\"poll_s\": 0.2, \"hot_s\": 0, \"backoff\": 4, "
		 "\"hold\": 0}}",
		 0.8},
	};
	for (size_t c = 0; c < 2; c++)
		check_idle_mean(tr, cases[c].retry, cases[c].mean, c);
}
END_TEST

/* "retry" with a growing back-off, the idle time's known mean: requests
 * at 0 and 0.1 (1 s each, hold 0); the instance frees at 1, when request
 * 1 has waited 0.9 s. With poll_s 0.1 and growth 2 it has made
 * floor(log2(1 + 0.9 x 1 / 0.1)) = 3 attempts: weight 2^-3, mean idle
 * 0.1 x 8 = 0.8 s; with cap_s 0.4 its interval is capped: weight 0.25,
 * mean 0.4 s; growth 1 is a poll every poll_s: mean 0.1 s. */
START_TEST(retry_growth_idle_time_has_the_known_mean)
{
	const char *tr = "arrival_s,task_type\n0,a\n0.1,a\n";
	static const struct {
		const char *retry;
		double mean;
	} cases[] = {
		{"{\"retry\": {\"poll_s\": 0.1, \"growth\": 2, \"cap_s\": 100, "
		 "\"hold\": 0}}",
		 0.8},
		{"{\"retry\": {\"poll_s\": 0.1, \"growth\": 2, \"cap_s\": 0.4, "
		 "\"hold\": 0}}",
		 0.4},
		{"{\"retry\": {\"poll_s\": 0.1, \"growth\": 1, \"cap_s\": 5, "
		 "\"hold\": 0}}",
		 0.1},
	};
	for (size_t c = 0; c < 3; c++)
		check_idle_mean(tr, cases[c].retry, cases[c].mean, c);
}
END_TEST

/* The growing back-off favours the younger request: requests at 0, 0.1
 * and 0.9 on one instance (1 s each, retry hold 0.25): at 1.25 request 1
 * has waited 1.15 s, request 2 0.35 s; with poll_s 0.001 and growth 1000
 * they have made 2 and 1 attempts (floor(log(1 + age x 999 / 0.001) /
 * log 1000)), weights 10^-6 and 10^-3, so request 2 goes first with
 * probability 0.999 (FIFO: request 1 first). */
START_TEST(retry_growth_serves_the_younger_first)
{
	const char *tr = "arrival_s,task_type\n0,a\n0.1,a\n0.9,a\n";
	for (unsigned seed = 1; seed <= 3; seed++) {
		rows r;
		run(experiment("rg2.json", tr, 1, 1, "fcfs",
			       "{\"retry\": {\"poll_s\": 0.001, \"growth\": "
			       "1000, \"cap_s\": 1e6, \"hold\": 0.25}}",
			       seed),
		    &r);
		ck_assert(NEAR(r.end[0], 1.25));
		ck_assert_msg(r.start[2] < r.start[1], "seed %u: %g, %g", seed,
			      r.start[2], r.start[1]);
	}
}
END_TEST

START_TEST(empty_serving_keeps_outputs_byte_identical)
{
	char tr[4096] = "arrival_s,task_type\n";
	for (int i = 0; i < 100; i++)
		snprintf(tr + strlen(tr), sizeof tr - strlen(tr), "%g,%s\n",
			 0.3 * i, i % 3 ? "a" : "b");
	char p0[700], p1[700];
	run(experiment("e0.json", tr, 2, 1, "fcfs", NULL, 1), NULL);
	snprintf(p0, sizeof p0, "%s/fcfs/tasks.csv.gz", last_dir);
	run(experiment("e1.json", tr, 2, 1, "fcfs",
		       "{\"queue\": \"fifo\", \"mix\": []}", 1), NULL);
	snprintf(p1, sizeof p1, "%s/fcfs/tasks.csv.gz", last_dir);
	size_t n0, n1;
	char *a = test_slurp(p0, &n0), *b = test_slurp(p1, &n1);
	ck_assert(a && b);
	ck_assert_msg(n0 == n1 && memcmp(a, b, n0) == 0,
		      "tasks.csv.gz differ");
	free(a);
	free(b);
}
END_TEST

static void bad(const char *serving, const char *want)
{
	const char *exp = experiment("bad.json", "arrival_s,task_type\n0,a\n",
				     1, 1, "fcfs", serving, 1);
	io_err err = {0};
	sim_experiment *x = NULL;
	int rc = sim_experiment_load(&x, exp, &err);
	ck_assert_msg(rc != 0, "accepted %s", serving);
	ck_assert_msg(strstr(err.msg, want) != NULL, "message: %s", err.msg);
	/* located: the experiment file and a line (or the file it names) */
	ck_assert_msg(strstr(err.msg, "bad.json:") != NULL ||
			      strstr(err.msg, "no_such") != NULL,
		      "no file in: %s", err.msg);
}

START_TEST(bad_options_are_located_errors)
{
	bad("{\"queue\": \"lifo\"}", "\"queue\" must be");
	bad("{\"client_delay\": -1}", "\"client_delay\" must be");
	bad("{\"hold\": {\"samples\": [1, \"x\"]}}", "sample 1");
	bad("{\"hold\": {\"samples\": []}}", "non-empty");
	bad("{\"hold\": {\"samples\": [1], \"unit\": \"h\"}}", "\"unit\"");
	bad("{\"mix\": [{\"machine\": \"m\", \"task\": \"z\", \"after\": "
	    "null, \"factor\": 1}]}",
	    "task type \"z\"");
	bad("{\"mix\": [{\"machine\": \"m\", \"task\": \"a\", \"after\": "
	    "null, \"factor\": 0}]}",
	    "factor");
	bad("{\"mix\": [{\"machine\": \"m\", \"task\": \"a\", \"factor\": "
	    "1}]}",
	    "\"after\"");
	bad("{\"delay\": 1}", "delay");
	bad("{\"retry\": 1}", "\"retry\" must be an object");
	bad("{\"retry\": {\"poll_s\": 0.01, \"hot_s\": 0.1, \"backoff\": 0.5, "
	    "\"hold\": 0}}",
	    "\"backoff\", a number in [1,");
	bad("{\"retry\": {\"poll_s\": -1, \"hot_s\": 0.1, \"backoff\": 2, "
	    "\"hold\": 0}}",
	    "\"poll_s\", a number in [0,");
	bad("{\"retry\": {\"poll_s\": 0.01, \"hot_s\": 0.1, \"backoff\": 2}}",
	    "\"hold\"");
	bad("{\"retry\": {\"poll_s\": 0.01, \"hot_s\": 0.1, \"backoff\": 2, "
	    "\"hold\": 0, \"jitter\": 1}}",
	    "jitter");
	bad("{\"retry\": {\"poll_s\": 0.01, \"growth\": 0.5, \"cap_s\": 1, "
	    "\"hold\": 0}}",
	    "\"growth\", a number in [1,");
	bad("{\"retry\": {\"poll_s\": 0.01, \"growth\": 2, \"cap_s\": "
	    "0.001, \"hold\": 0}}",
	    "\"cap_s\", a number in [0.01,");
	bad("{\"retry\": {\"poll_s\": 0.01, \"growth\": 2, \"hold\": 0}}",
	    "\"cap_s\"");
	bad("{\"retry\": {\"poll_s\": 0, \"growth\": 2, \"cap_s\": 1, "
	    "\"hold\": 0}}",
	    "needs \"poll_s\" > 0");
	bad("{\"retry\": {\"poll_s\": 0.01, \"growth\": 2, \"cap_s\": 1, "
	    "\"backoff\": 2, \"hold\": 0}}",
	    "not both");
	bad("[]", "\"serving\" must be an object");
	bad("{\"file\": \"no_such_serving.json\"}", "no_such_serving.json");
}
END_TEST

static const char mixed_header[] =
	"experiment,n_t2_large,n_c5_2xlarge,n_g4dn_xlarge,run,task_id,"
	"task_type,machine,instance,arrival_ms,inference_ms,completion_ms\n";

/* Run `hetsim fit --serving DATA --runs RUNS -o DIR --quiet`; its exit
 * status, stderr in errbuf. */
static int fit_serving(const char *data, const char *runs, const char *dir,
		       char *errbuf, size_t errlen)
{
	char cmd[2000];
	snprintf(cmd, sizeof cmd,
		 "%s fit --serving %s --runs %s -o %s --quiet", test_bin(),
		 data, runs, dir);
	return test_run(cmd, errbuf, errlen);
}

static json_t *load_json(const char *dir, const char *name)
{
	char p[700];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	char *text = test_slurp(p, NULL);
	ck_assert_msg(text != NULL, "%s not written", p);
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	free(text);
	ck_assert_msg(j != NULL, "%s: %s", p, je.text);
	return j;
}

/* `hetsim fit --serving` on synthetic runs of known parameters: one
 * g4dn.xlarge instance; bursts of three requests at the same ms (image,
 * image, question answering): the first finds the instance free, the
 * others wait. image_classification takes 12 ms after question_answering,
 * else 8 ms; the hold is 2 ms and the client delay 10 ms. Run 3 (not
 * fitted) has other times; the gzip copy of the file gives the same
 * outputs. */
START_TEST(fitter_recovers_known_parameters)
{
	char path[600], gz[600];
	snprintf(path, sizeof path, "%s/synthetic.csv", test_tmpdir());
	/* the gzip copy has the same name (in its own directory), as the
	 * outputs name their source; the reader (zlib) tells it by content */
	snprintf(gz, sizeof gz, "%s/gz", test_tmpdir());
	mkdir(gz, 0755);
	snprintf(gz, sizeof gz, "%s/gz/synthetic.csv", test_tmpdir());
	FILE *f = fopen(path, "w");
	gzFile g = gzopen(gz, "wb");
	ck_assert(f != NULL && g != NULL);
	fputs(mixed_header, f);
	gzputs(g, mixed_header);
	const double hold = 2, delay = 10;
	for (int run_no = 1; run_no <= 3; run_no++) {
		double free_at = 0; /* when the instance is free (the data's
				       view: its previous completion) */
		int prev_qa = -1, id = 0;
		for (int burst = 0; burst < 200; burst++) {
			double a = 1000.0 * burst;
			for (int j = 0; j < 3; j++) {
				int qa = j == 2;
				double inf = qa ? 4 : prev_qa == 1 ? 12 : 8;
				if (run_no == 3)
					inf *= 5;
				double start = a > free_at ? a : free_at;
				double c = start + inf + hold +
					   (a >= free_at ? delay : 0);
				free_at = c;
				char line[300];
				snprintf(line, sizeof line,
					 "synthetic,0,0,1,%d,%d,%s,g4dn.xlarge,"
					 "triton_g4dn_xlarge_1,%.0f,%.0f,%.0f\n",
					 run_no, ++id,
					 qa ? "question_answering"
					    : "image_classification",
					 a, inf, c);
				fputs(line, f);
				gzputs(g, line);
				prev_qa = qa;
			}
		}
	}
	fclose(f);
	ck_assert_int_eq(gzclose(g), Z_OK);
	char out[600], out_gz[600], errbuf[512];
	snprintf(out, sizeof out, "%s/fitted", test_tmpdir());
	snprintf(out_gz, sizeof out_gz, "%s/fitted_gz", test_tmpdir());
	ck_assert_msg(fit_serving(path, "1-2", out, errbuf, sizeof errbuf) == 0,
		      "%s", errbuf);
	ck_assert_msg(fit_serving(gz, "1-2", out_gz, errbuf, sizeof errbuf) == 0,
		      "%s", errbuf);
	const char *names[2] = {"serving.json", "profile.json"};
	for (int k = 0; k < 2; k++) {
		char a[700], b[700];
		snprintf(a, sizeof a, "%s/%s", out, names[k]);
		snprintf(b, sizeof b, "%s/%s", out_gz, names[k]);
		char *ta = test_slurp(a, NULL), *tb = test_slurp(b, NULL);
		ck_assert(ta && tb);
		ck_assert_msg(strcmp(ta, tb) == 0, "%s differs from the plain "
						   "file's", b);
		free(ta);
		free(tb);
	}
	json_t *j = load_json(out, "serving.json");
	json_t *h = json_array_get(
		json_object_get(json_object_get(j, "hold"), "samples"), 0);
	ck_assert_msg(json_number_value(h) == hold, "hold %g",
		      json_number_value(h));
	json_t *d = json_object_get(json_object_get(j, "client_delay"),
				    "samples");
	ck_assert_int_eq(json_array_size(d), SERVING_FIT_NQ);
	for (size_t i = 0; i < json_array_size(d); i++)
		tck_assert_msg(json_number_value(json_array_get(d, i)) == delay,
			      "client delay %g",
			      json_number_value(json_array_get(d, i)));
	ck_assert_str_eq(json_string_value(json_object_get(j, "queue")), "fifo");
	/* image_classification: per run 199 after question_answering (12),
	 * 200 after itself and 1 first (8): mean 9.99, factors 12 / 9.99 and
	 * 8 / 9.99 (after itself and after null) */
	int found = 0;
	json_t *mix = json_object_get(j, "mix"), *e;
	size_t i;
	json_array_foreach(mix, i, e)
	{
		const char *task = json_string_value(json_object_get(e, "task"));
		const char *after = json_string_value(json_object_get(e, "after"));
		double fct = json_number_value(json_object_get(e, "factor"));
		if (strcmp(task, "image_classification"))
			continue;
		int after_qa = after && !strcmp(after, "question_answering");
		double want = after_qa ? 12 / 9.99 : 8 / 9.99;
		ck_assert_msg(fabs(fct - want) < 1e-5, "after %s: %g, not %g",
			      after ? after : "null", fct, want);
		/* first of each run: after null */
		ck_assert_int_eq(json_integer_value(json_object_get(e, "n")),
				 after_qa ? 398 : after ? 400 : 2);
		found++;
	}
	ck_assert_int_eq(found, 3);
	json_decref(j);
	/* the profile: question_answering always 4 ms; image_classification
	 * 8 ms (402 of 800) or 12 ms, median 8; run 3 (x5) not read */
	j = load_json(out, "profile.json");
	json_t *ex = json_object_get(j, "exec");
	ck_assert_int_eq(json_array_size(ex), 2);
	json_array_foreach(ex, i, e)
	{
		const char *task = json_string_value(json_object_get(e, "task"));
		json_t *s = json_object_get(e, "samples");
		ck_assert_int_eq(json_array_size(s), SERVING_FIT_NQ);
		double lo = json_number_value(json_array_get(s, 0));
		double mid = json_number_value(json_array_get(s, 500));
		double hi = json_number_value(json_array_get(s, 1000));
		if (!strcmp(task, "question_answering"))
			ck_assert(lo == 4 && hi == 4);
		else
			ck_assert_msg(lo == 8 && mid == 8 && hi == 12,
				      "%g %g %g", lo, mid, hi);
	}
	ck_assert_int_eq(json_array_size(json_object_get(j, "machine_types")), 3);
	json_decref(j);
}
END_TEST

/* Waiting requests served out of arrival order: bursts of 4 at one
 * instance, the first finds it free (inference 50 ms, hold 2, delay 10),
 * the other three (arriving 1, 2, 3 ms after it) are served last-come
 * first: more than 5% overtaken, so the queue is "random". */
START_TEST(fitter_finds_an_out_of_order_queue)
{
	char path[600], out[600], errbuf[512];
	snprintf(path, sizeof path, "%s/lifo.csv", test_tmpdir());
	snprintf(out, sizeof out, "%s/lifo_fit", test_tmpdir());
	FILE *f = fopen(path, "w");
	ck_assert(f != NULL);
	fputs(mixed_header, f);
	int id = 0;
	for (int burst = 0; burst < 100; burst++) {
		long a0 = 1000L * burst;
		long c = a0 + 50 + 2 + 10;
		fprintf(f, "lifo,0,1,0,1,%d,object_detection,c5.2xlarge,i1,"
			   "%ld,50,%ld\n",
			++id, a0, c);
		for (int k = 3; k >= 1; k--) { /* served: 3, 2, 1 */
			c += 50 + 2;
			fprintf(f, "lifo,0,1,0,1,%d,object_detection,"
				   "c5.2xlarge,i1,%ld,50,%ld\n",
				++id, a0 + k * 20, c);
		}
	}
	fclose(f);
	ck_assert_msg(fit_serving(path, "1", out, errbuf, sizeof errbuf) == 0,
		      "%s", errbuf);
	json_t *j = load_json(out, "serving.json");
	ck_assert_str_eq(json_string_value(json_object_get(j, "queue")),
			 "random");
	json_decref(j);
}
END_TEST

/* The retry fit recovers what the simulator was run with: one
 * g4dn.xlarge instance serving image_classification in 100 ms (constant),
 * "retry" poll_s 0.1, hot_s 1, backoff 5, hold 0.02, no client delay;
 * three runs (seeds 1-3) of 30 s at 12 requests/s (more than the 8.3/s
 * the instance serves: a queue builds) then 40 s at 3/s (it drains).
 * The simulator's tasks.csv.gz rows become the data's rows (arrival,
 * inference = the 100 ms, completion = end, whole ms). hot_s and backoff
 * are maximum-likelihood picks from grids that hold the true values;
 * the hold is a trimmed mean, the poll time a median: both within 10%
 * (ms rounding, finite runs). */
START_TEST(fitter_recovers_the_retry_client_from_simulated_runs)
{
	char tr[65536] = "arrival_s,task_type\n";
	uint64_t x = 12345;
	double t = 0;
	while (t < 70) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		double u = ((double)(x >> 11) + 0.5) * 0x1.0p-53;
		t += -log(u) / (t < 30 ? 12.0 : 3.0);
		snprintf(tr + strlen(tr), sizeof tr - strlen(tr),
			 "%.6f,image_classification\n", t);
	}
	test_write("rtrace.csv", tr);
	char data[600];
	snprintf(data, sizeof data, "%s/retry_sim.csv", test_tmpdir());
	FILE *f = fopen(data, "w");
	ck_assert(f != NULL);
	fputs(mixed_header, f);
	for (unsigned seed = 1; seed <= 3; seed++) {
		char text[2048], dir[600];
		snprintf(dir, sizeof dir, "%s/rsim%u", test_tmpdir(), seed);
		snprintf(text, sizeof text,
			 "{\"profile\": {\"machine_types\": [{\"name\": "
			 "\"g4dn.xlarge\"}],\n"
			 "  \"task_types\": [{\"name\": "
			 "\"image_classification\"}],\n"
			 "  \"exec\": [{\"task\": \"image_classification\", "
			 "\"machine\": \"g4dn.xlarge\", \"model\": "
			 "\"constant\", \"value\": 0.1}]},\n"
			 " \"machines\": [{\"type\": \"g4dn.xlarge\", "
			 "\"count\": 1}],\n"
			 " \"workload\": {\"arrival\": \"trace\", \"file\": "
			 "\"rtrace.csv\"},\n"
			 " \"policy\": \"fcfs\", \"seed\": %u,\n"
			 " \"serving\": {\"retry\": {\"poll_s\": 0.1, "
			 "\"hot_s\": 1, \"backoff\": 5, \"hold\": 0.02}},\n"
			 " \"output\": {\"dir\": \"%s\"}}\n",
			 seed, dir);
		const char *exp = test_write("rsim.json", text);
		io_err err = {0};
		sim_experiment *xp = NULL;
		ck_assert_msg(sim_experiment_load(&xp, exp, &err) == 0, "%s",
			      err.msg);
		sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
		o.out_dir = dir;
		o.quiet = 1;
		o.tasks_csv = 1;
		ck_assert_msg(sim_run_experiment(xp, &o, NULL, NULL, &err) == 0,
			      "%s", err.msg);
		sim_experiment_free(xp);
		char p[700], line[512];
		snprintf(p, sizeof p, "%s/fcfs/tasks.csv.gz", dir);
		gzFile g = gzopen(p, "rb");
		ck_assert_msg(g != NULL, "%s", p);
		ck_assert(gzgets(g, line, sizeof line) != NULL);
		int n = 0;
		while (gzgets(g, line, sizeof line)) {
			long id;
			char type[64];
			double a, st, e;
			ck_assert(sscanf(line, "%ld,%63[^,],%lf,%lf,%lf", &id,
					 type, &a, &st, &e) == 5);
			fprintf(f,
				"sim,0,0,1,%u,%ld,%s,g4dn.xlarge,i1,%.0f,100,"
				"%.0f\n",
				seed, id, type, a * 1e3, e * 1e3);
			n++;
		}
		gzclose(g);
		ck_assert_int_gt(n, 400);
	}
	fclose(f);
	char out[600], errbuf[512];
	snprintf(out, sizeof out, "%s/retry_fit", test_tmpdir());
	ck_assert_msg(fit_serving(data, "1-3", out, errbuf, sizeof errbuf) == 0,
		      "%s", errbuf);
	json_t *j = load_json(out, "serving.json");
	json_t *rt = json_object_get(j, "retry");
	double poll = json_number_value(json_object_get(rt, "poll_s")),
	       hot = json_number_value(json_object_get(rt, "hot_s")),
	       backoff = json_number_value(json_object_get(rt, "backoff")),
	       hold = json_number_value(json_object_get(rt, "hold"));
	ck_assert_msg(hot == 1 && backoff == 5, "hot_s %g, backoff %g", hot,
		      backoff);
	ck_assert_msg(fabs(hold - 0.02) < 0.1 * 0.02, "hold %g", hold);
	ck_assert_msg(fabs(poll - 0.1) < 0.1 * 0.1, "poll_s %g", poll);
	json_decref(j);
}
END_TEST

/* Bad input: one located error line, exit status 2, nothing written. */
START_TEST(fitter_refuses_bad_input_with_located_errors)
{
	static const struct {
		const char *body, *runs, *want;
	} cases[] = {
		{"experiment,run\nx,1\n", "1", ":1: no column \"n_t2_large\""},
		{"x,0,0,1,1,1,object_detection,g4dn.xlarge,i,5,3,9\n"
		 "x,0,0,1,1,2,object_detection,g4dn.xlarge,i,5,3x,9\n",
		 "1", ":3: inference_ms \"3x\" is not an integer"},
		{"x,0,0,1,1,1,object_detection,g4dn.xlarge,i,5,3,9\n"
		 "x,0,0,1,one,2,object_detection,g4dn.xlarge,i,5,3,9\n",
		 "1", ":3: run \"one\" is not an integer"},
		{"x,0,0,1,1,1,object_detection,g4dn.xlarge,i,5,3,4\n", "1",
		 ":2: negative inference_ms or completion before arrival"},
		{"x,0,0,1,1,1,object_detection,g4dn.xlarge,i,5,3\n", "1",
		 ":2: the row has 11 fields"},
		{"x,0,0,1,1,1,object_detection,g4dn.xlarge,i,5,3,9\n", "2",
		 "no row of runs 2"},
		{"x,0,0,1,1,1,object_detection,g4dn.xlarge,i,5,3,9\n", "1-x",
		 "--runs: \"1-x\" is not a run list"},
		{"x,0,0,1,1,1,object_detection,g4dn.xlarge,i,5,3,9\n", "3-1",
		 "--runs: no run named"},
		{"x,0,0,1,1,1,object_detection,tpu,i,5,3,9\n"
		 "x,0,0,1,1,2,object_detection,tpu,i,6,3,20\n", "1",
		 "machine type tpu is not in"},
		{"x,0,0,1,1,1,object_detection,g4dn.xlarge,i,5,3,9\n", "1",
		 "no request that waited long enough"},
		/* a mix factor over a mean of 0 (was NaN, then "out of
		 * memory" from json_real) */
		{"x,0,0,1,1,1,image_classification,g4dn.xlarge,i,0,0,5\n"
		 "x,0,0,1,1,2,image_classification,g4dn.xlarge,i,10,0,45\n"
		 "x,0,0,1,1,3,image_classification,g4dn.xlarge,i,20,0,55\n"
		 "x,0,0,1,1,4,image_classification,g4dn.xlarge,i,30,0,35\n", "1",
		 "every inference_ms of task type image_classification on "
		 "machine type g4dn.xlarge is 0"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char path[600], out[600], errbuf[512];
		snprintf(path, sizeof path, "%s/bad%zu.csv", test_tmpdir(), k);
		snprintf(out, sizeof out, "%s/bad%zu_fit", test_tmpdir(), k);
		FILE *f = fopen(path, "w");
		ck_assert(f != NULL);
		if (k)
			fputs(mixed_header, f);
		fputs(cases[k].body, f);
		fclose(f);
		int rc = fit_serving(path, cases[k].runs, out, errbuf,
				     sizeof errbuf);
		ck_assert_msg(rc == 2, "case %zu: exit %d (%s)", k, rc, errbuf);
		ck_assert_msg(strstr(errbuf, cases[k].want) != NULL,
			      "case %zu: \"%s\" lacks \"%s\"", k, errbuf,
			      cases[k].want);
		if (cases[k].want[0] == ':')
			ck_assert_msg(strstr(errbuf, path) != NULL,
				      "case %zu: \"%s\" names no file", k,
				      errbuf);
		char p[700];
		snprintf(p, sizeof p, "%s/serving.json", out);
		ck_assert_msg(access(p, F_OK) != 0, "case %zu wrote %s", k, p);
	}
}
END_TEST

/* The JSON layout of the fitted files is Python's json.dump(indent=1)
 * (what the fitter replaced wrote, so older fits compare byte for byte):
 * the expected text is Python 3.11's output for the same value. */
START_TEST(fitter_json_is_laid_out_as_python_writes_it)
{
	json_t *j = json_pack(
		"{s:[f,f,f,f,f,f,f,f,f,f,f,f], s:s, s:[], s:{}, s:n, s:b}", "a",
		1e-05, 0.0001, 1e16, 1e15, 1.5, 0.1, 123456789.123, -0.0, 7.0,
		2.5e-07, -3.25e+20, 1.0 / 3, "s",
		"x\xc3\xa9\xf0\x9f\x98\x80\x01\"\\/", "e", "o", "n", "t", 1);
	ck_assert(j != NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert(f != NULL);
	ck_assert_int_eq(serving_fit_write_json(f, j), 0);
	fclose(f);
	ck_assert_str_eq(buf, "{\n"
			      " \"a\": [\n"
			      "  1e-05,\n"
			      "  0.0001,\n"
			      "  1e+16,\n"
			      "  1000000000000000.0,\n"
			      "  1.5,\n"
			      "  0.1,\n"
			      "  123456789.123,\n"
			      "  -0.0,\n"
			      "  7.0,\n"
			      "  2.5e-07,\n"
			      "  -3.25e+20,\n"
			      "  0.3333333333333333\n"
			      " ],\n"
			      " \"s\": \"x\\u00e9\\ud83d\\ude00\\u0001\\\"\\\\/\",\n"
			      " \"e\": [],\n"
			      " \"o\": {},\n"
			      " \"n\": null,\n"
			      " \"t\": true\n"
			      "}\n");
	free(buf);
	json_decref(j);
}
END_TEST

Suite *suite_serving(void)
{
	Suite *s = suite_create("serving");
	TCase *tc = tcase_create("serving");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, client_delay_shifts_responses_exactly);
	tcase_add_test(tc, client_delay_does_not_occupy_but_hold_does);
	tcase_add_test(tc, delay_samples_are_drawn_from_the_set_and_seeded);
	tcase_add_test(tc, mix_factor_depends_on_the_previous_type);
	tcase_add_test(tc, random_free_picks_only_free_instances_and_is_seeded);
	tcase_add_test(tc, least_loaded_spreads_over_multi_slot_machines);
	tcase_add_test(tc, random_queue_serves_waiting_requests_out_of_order);
	tcase_add_test(tc, retry_serves_hot_requests_first);
	tcase_add_test(tc, retry_idle_time_has_mean_poll_over_w);
	tcase_add_test(tc, retry_growth_idle_time_has_the_known_mean);
	tcase_add_test(tc, retry_growth_serves_the_younger_first);
	tcase_add_test(tc, empty_serving_keeps_outputs_byte_identical);
	tcase_add_test(tc, bad_options_are_located_errors);
	tcase_add_test(tc, fitter_recovers_known_parameters);
	tcase_add_test(tc, fitter_finds_an_out_of_order_queue);
	tcase_add_test(tc, fitter_recovers_the_retry_client_from_simulated_runs);
	tcase_add_test(tc, fitter_refuses_bad_input_with_located_errors);
	tcase_add_test(tc, fitter_json_is_laid_out_as_python_writes_it);
	suite_add_tcase(s, tc);
	return s;
}
