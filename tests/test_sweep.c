/* tests/test_sweep.c — `hetsim sweep`: design expansion (grid, random,
 * Latin hypercube), parallel runs that write every (case, policy) line
 * exactly once, resuming after a kill -9, bad sweep files, --summarise. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "tests/tests.h"

/* A small experiment: one machine type, exponential execution times. */
static const char experiment[] =
	"{\"profile\": {\"machine_types\": [{\"name\": \"m\"}],\n"
	"  \"task_types\": [{\"name\": \"t\"}],\n"
	"  \"exec\": [{\"task\": \"t\", \"machine\": \"m\",\n"
	"            \"model\": \"exponential\", \"mean\": 0.05}]},\n"
	" \"machines\": [{\"type\": \"m\", \"count\": 2}],\n"
	" \"workload\": {\"arrival\": \"poisson\", \"rate_per_s\": 10, \"tasks\": 200},\n"
	" \"policies\": [\"mct\", \"fcfs\"],\n"
	" \"seed\": 7,\n"
	" \"output\": {\"dir\": \"out/never\"}}\n";

static const char *path_in_tmp(const char *name)
{
	static char p[4][600];
	static int next;
	char *s = p[next++ % 4];
	snprintf(s, 600, "%s/%s", test_tmpdir(), name);
	return s;
}

/* Write the base experiment and a sweep file; returns the sweep's path. */
static const char *sweep_file(const char *name, const char *body)
{
	test_write("sw_exp.json", experiment);
	return test_write(name, body);
}

static int sweep_run(const char *args, char *err, size_t cap)
{
	char cmd[2600];
	snprintf(cmd, sizeof cmd, "%s sweep %s", test_bin(), args);
	return test_run(cmd, err, cap);
}

/* Lines of a file parsed as JSON (NULL entries for lines that do not
 * parse); returns the count, -1 if the file is missing. */
static int read_lines(const char *path, json_t **out, int cap)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[8192];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		/* a line without its newline (a torn write) counts as bad */
		if (n < cap)
			out[n] = strchr(line, '\n') ? json_loads(line, 0, NULL) : NULL;
		n++;
	}
	fclose(f);
	return n;
}

static void free_lines(json_t **v, int n)
{
	for (int i = 0; i < n; i++)
		json_decref(v[i]);
}

/* `sweep --list` of a sweep file: cases into v. */
static int list_cases(const char *sweep, json_t **v, int cap)
{
	char args[1400], err[2048];
	const char *out = path_in_tmp("list.jsonl");
	snprintf(args, sizeof args, "'%s' --list > '%s'", sweep, out);
	char cmd[2000];
	snprintf(cmd, sizeof cmd, "(%s sweep %s)", test_bin(), args);
	int st = test_run(cmd, err, sizeof err);
	ck_assert_msg(st == 0, "status %d: %s", st, err);
	return read_lines(out, v, cap);
}

START_TEST(grid_is_cartesian_product_times_replications)
{
	const char *s = sweep_file("grid.json",
		"{\"base\": \"sw_exp.json\", \"design\": \"grid\",\n"
		" \"parameters\": {\"workload.rate_per_s\": [5, 10, 20],\n"
		"                \"machines\": [[{\"type\": \"m\", \"count\": 1}],\n"
		"                               [{\"type\": \"m\", \"count\": 3}]]},\n"
		" \"replications\": 2}\n");
	json_t *v[64];
	int n = list_cases(s, v, 64);
	ck_assert_int_eq(n, 12);
	for (int i = 0; i < n; i++) {
		char id[16];
		snprintf(id, sizeof id, "c%04d", i);
		ck_assert_str_eq(json_string_value(json_object_get(v[i], "case")), id);
		ck_assert_int_eq(json_integer_value(json_object_get(v[i], "replication")), i % 2);
		/* the first parameter varies slowest */
		const json_t *p = json_object_get(v[i], "params");
		static const int rates[] = {5, 10, 20};
		ck_assert_int_eq(json_integer_value(json_object_get(p, "workload.rate_per_s")),
				 rates[i / 4]);
	}
	free_lines(v, n);
}
END_TEST

START_TEST(random_design_draws_samples_inside_the_ranges)
{
	const char *s = sweep_file("random.json",
		"{\"base\": \"sw_exp.json\", \"design\": \"random\", \"samples\": 7,\n"
		" \"seed\": 3,\n"
		" \"parameters\": {\"workload.rate_per_s\": {\"min\": 5, \"max\": 50},\n"
		"                \"workload.tasks\": {\"min\": 10, \"max\": 20, \"integer\": true}}}\n");
	json_t *v[64];
	int n = list_cases(s, v, 64);
	ck_assert_int_eq(n, 7);
	for (int i = 0; i < n; i++) {
		const json_t *p = json_object_get(v[i], "params");
		double r = json_number_value(json_object_get(p, "workload.rate_per_s"));
		const json_t *t = json_object_get(p, "workload.tasks");
		ck_assert(r >= 5 && r < 50);
		ck_assert(json_is_integer(t));
		ck_assert(json_integer_value(t) >= 10 && json_integer_value(t) <= 20);
	}
	free_lines(v, n);
}
END_TEST

START_TEST(lhs_hits_every_stratum_of_every_dimension_once)
{
	const char *s = sweep_file("lhs.json",
		"{\"base\": \"sw_exp.json\", \"design\": \"lhs\", \"samples\": 10,\n"
		" \"seed\": 11,\n"
		" \"parameters\": {\"workload.rate_per_s\": {\"min\": 5, \"max\": 25},\n"
		"                \"exec_rank_correlation\": {\"min\": 0, \"max\": 1}}}\n");
	json_t *v[64];
	int n = list_cases(s, v, 64);
	ck_assert_int_eq(n, 10);
	const char *keys[2] = {"workload.rate_per_s", "exec_rank_correlation"};
	const double lo[2] = {5, 0}, hi[2] = {25, 1};
	for (int d = 0; d < 2; d++) {
		int hits[10] = {0};
		for (int i = 0; i < n; i++) {
			double x = json_number_value(
				json_object_get(json_object_get(v[i], "params"), keys[d]));
			int k = (int)((x - lo[d]) / (hi[d] - lo[d]) * 10);
			ck_assert(k >= 0 && k < 10);
			hits[k]++;
		}
		for (int k = 0; k < 10; k++)
			ck_assert_msg(hits[k] == 1, "dimension %d stratum %d hit %d times",
				      d, k, hits[k]);
	}
	free_lines(v, n);
}
END_TEST

/* Every line parses, and each (case, policy) appears exactly once; returns
 * the number of lines. */
static int check_results(const char *path, int want_lines)
{
	static json_t *v[4096];
	int n = read_lines(path, v, 4096);
	ck_assert_int_eq(n, want_lines);
	for (int i = 0; i < n; i++) {
		ck_assert_msg(v[i] != NULL, "line %d does not parse", i + 1);
		const char *c = json_string_value(json_object_get(v[i], "case"));
		const char *p = json_string_value(json_object_get(v[i], "policy"));
		ck_assert(c && p);
		ck_assert(json_is_object(json_object_get(v[i], "metrics")));
		ck_assert(json_is_object(json_object_get(v[i], "params")));
		for (int j = 0; j < i; j++)
			tck_assert_msg(!(strcmp(c, json_string_value(json_object_get(v[j], "case"))) == 0 &&
					strcmp(p, json_string_value(json_object_get(v[j], "policy"))) == 0),
				      "(%s, %s) twice", c, p);
	}
	free_lines(v, n);
	return n;
}

static const char *small_sweep(const char *name, const char *results)
{
	char body[1200];
	snprintf(body, sizeof body,
		 "{\"base\": \"sw_exp.json\",\n"
		 " \"parameters\": {\"workload.rate_per_s\": [5, 10, 20]},\n"
		 " \"replications\": 2,\n"
		 " \"results\": \"%s\"}\n", results);
	return sweep_file(name, body);
}

START_TEST(parallel_sweep_writes_each_line_once_and_rerun_skips_all)
{
	const char *res = path_in_tmp("e2e.jsonl");
	const char *s = small_sweep("e2e.json", res);
	char args[1400], err[4096];
	snprintf(args, sizeof args, "'%s' -j 2", s);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(check_results(res, 6 * 2), 12);
	ck_assert_msg(strstr(err, "done (6/6)"), "progress: [%s]", err);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(strstr(err, "skipped 6 of 6"), "[%s]", err);
	check_results(res, 12);
	/* seeds: replication r runs the base seed + r, the same for every
	 * policy, so mct and fcfs of one case see the same arrivals */
}
END_TEST

START_TEST(summarise_writes_one_row_per_value_and_policy_and_a_plot)
{
	const char *res = path_in_tmp("summ.jsonl");
	const char *s = small_sweep("summ.json", res);
	char args[1800], err[4096];
	snprintf(args, sizeof args, "'%s'", s);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "%s", err);
	const char *csv = path_in_tmp("summ.csv"), *svg = path_in_tmp("summ.svg");
	snprintf(args, sizeof args,
		 "--summarise '%s' --x workload.rate_per_s --metric response_mean_s "
		 "-o '%s' --plot '%s'", res, csv, svg);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "%s", err);
	FILE *f = fopen(csv, "r");
	ck_assert(f != NULL);
	char line[512];
	int rows = 0;
	ck_assert(fgets(line, sizeof line, f));
	ck_assert_str_eq(line, "x,policy,metric,mean,ci95_low,ci95_high,n\n");
	while (fgets(line, sizeof line, f)) {
		rows++;
		ck_assert_msg(strstr(line, ",response_mean_s,") && strstr(line, ",2\n"),
			      "row [%s]", line);
	}
	fclose(f);
	ck_assert_int_eq(rows, 3 * 2);
	struct stat st;
	ck_assert(stat(svg, &st) == 0 && st.st_size > 0);
}
END_TEST

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

START_TEST(killed_sweep_resumes_without_duplicates)
{
	const char *res = path_in_tmp("kill.jsonl");
	char body[1200];
	snprintf(body, sizeof body,
		 "{\"base\": \"sw_exp.json\",\n"
		 " \"parameters\": {\"workload.rate_per_s\": [5, 6, 7, 8, 9, 10, 11, 12],\n"
		 "                \"workload.tasks\": [200000]},\n"
		 " \"replications\": 5,\n"
		 " \"results\": \"%s\"}\n", res);
	const char *s = sweep_file("kill.json", body);
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0); /* its own group: kill the workers too */
		freopen("/dev/null", "w", stderr);
		execl(test_bin(), "hetsim", "sweep", s, "-j", "2", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	struct timespec ms = {0, 5000000};
	for (int i = 0; i < 4000 && file_size(res) == 0; i++)
		nanosleep(&ms, NULL);
	ck_assert_msg(file_size(res) > 0, "no results written");
	kill(-pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	struct timespec settle = {0, 50000000};
	nanosleep(&settle, NULL); /* the group's workers die too */
	json_t *v[128];
	int before = read_lines(res, v, 128);
	free_lines(v, before < 128 ? before : 128);
	ck_assert_msg(before > 0 && before < 40 * 2, "%d lines at the kill", before);
	/* a torn write */
	FILE *f = fopen(res, "a");
	ck_assert(f != NULL);
	fputs("{\"case\":\"c0039\",\"replication\":4,\"par", f);
	fclose(f);
	char args[1400], err[4096];
	snprintf(args, sizeof args, "'%s' -j 3", s);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(strstr(err, "skipped "), "[%s]", err);
	check_results(res, 40 * 2);
}
END_TEST

/* status 2, one line "hetsim: <file>:<line>: ...want...", no results file */
static void expect_bad(const char *name, const char *body, int line,
		       const char *want)
{
	const char *res = path_in_tmp("bad.jsonl");
	unlink(res);
	char text[2000];
	snprintf(text, sizeof text, body, res);
	const char *s = sweep_file(name, text);
	char args[1400], err[2048], prefix[800];
	snprintf(args, sizeof args, "'%s'", s);
	int st = sweep_run(args, err, sizeof err);
	ck_assert_msg(st == 2, "status %d for %s: %s", st, name, err);
	char *nl = strchr(err, '\n');
	ck_assert_msg(nl && nl[1] == 0, "not exactly one line: [%s]", err);
	snprintf(prefix, sizeof prefix, "hetsim: %s:%d: ", s, line);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
		      "want prefix [%s], got [%s]", prefix, err);
	ck_assert_msg(strstr(err, want), "want [%s] in [%s]", want, err);
	ck_assert_msg(access(res, F_OK) != 0, "results file created for %s", name);
}

START_TEST(bad_sweep_files_fail_before_running)
{
	expect_bad("b1.json", "{\"base\": \"sw_exp.json\",\n \"paramters\": {},\n"
		   " \"results\": \"%s\"}\n", 2, "paramters");
	expect_bad("b2.json", "{\"base\": \"sw_exp.json\",\n \"design\": \"sobol\",\n"
		   " \"parameters\": {\"seed\": [1]}, \"results\": \"%s\"}\n", 2, "sobol");
	expect_bad("b3.json", "{\"base\": \"sw_exp.json\",\n"
		   " \"parameters\": {\"seed\": []}, \"results\": \"%s\"}\n", 2, "non-empty");
	expect_bad("b4.json", "{\"base\": \"sw_exp.json\", \"design\": \"lhs\", \"samples\": 4,\n"
		   " \"parameters\": {\"workload.rate_per_s\":\n"
		   "   {\"min\": 5, \"max\": 5}}, \"results\": \"%s\"}\n", 3, "min must be < max");
	expect_bad("b5.json", "{\"base\": \"sw_exp.json\",\n \"design\": \"random\",\n"
		   " \"parameters\": {\"seed\": {\"min\": 1, \"max\": 9}}, \"results\": \"%s\"}\n",
		   1, "samples");
	expect_bad("b6.json", "{\"design\": \"grid\",\n"
		   " \"base\": \"no_such.json\",\n"
		   " \"parameters\": {\"seed\": [1]}, \"results\": \"%s\"}\n", 2, "base");
	expect_bad("b7.json", "{\"base\": \"sw_exp.json\",\n"
		   " \"parameters\": {\"workload.rate_per_s\": [5, \"fast\"]},\n"
		   " \"results\": \"%s\"}\n", 2, "case c0001");
	expect_bad("b8.json", "{\"base\": \"sw_exp.json\",\n"
		   " \"parameters\": {\"workload.rate_per_s\": [5]},\n"
		   " \"policies\": [\"mct\", \"nosuch\"], \"results\": \"%s\"}\n", 3,
		   "policy \"nosuch\": unknown policy");
	/* ranges no double can draw from: a fuzzer's finds (an integer drawn
	 * near 1e64 overflowed the conversion; max - min overflowing to inf) */
	expect_bad("b9.json", "{\"base\": \"sw_exp.json\", \"design\": \"random\", \"samples\": 3,\n"
		   " \"parameters\": {\"queue.capacity\":\n"
		   "   {\"min\": 1, \"max\": 1e64, \"integer\": true}}, \"results\": \"%s\"}\n",
		   3, "2^53");
	expect_bad("b10.json", "{\"base\": \"sw_exp.json\", \"design\": \"random\", \"samples\": 3,\n"
		   " \"parameters\": {\"workload.rate_per_s\":\n"
		   "   {\"min\": -1e308, \"max\": 1e308}}, \"results\": \"%s\"}\n",
		   3, "not a finite number");
}
END_TEST

START_TEST(every_case_is_validated_naming_the_parameter_and_its_value)
{
	/* a bad value in the middle of a grid: neither the first nor the last
	 * case; it fails before anything runs, at its own line */
	expect_bad("mid.json", "{\"base\": \"sw_exp.json\",\n"
		   " \"parameters\": {\"workload.tasks\": [10, 20],\n"
		   "   \"workload.rate_per_s\": [5, 6,\n"
		   "       -3, 8]},\n"
		   " \"results\": \"%s\"}\n", 4,
		   "parameter \"workload.rate_per_s\" value -3 (case c0002): "
		   "\"rate_per_s\" must be > 0");
	/* a range that reaches bad values: the sampled value is named */
	expect_bad("range.json", "{\"base\": \"sw_exp.json\", \"design\": \"random\",\n"
		   " \"samples\": 50, \"parameters\": {\n"
		   "   \"workload.rate_per_s\": {\"min\": -5, \"max\": 5}},\n"
		   " \"results\": \"%s\"}\n", 3,
		   "parameter \"workload.rate_per_s\" value -");
	/* an array index past the end, in a middle case */
	expect_bad("idx.json", "{\"base\": \"sw_exp.json\",\n"
		   " \"parameters\": {\"workload.tasks\": [10, 20, 30],\n"
		   "   \"machines.0.count\": [1, 0, 2]},\n"
		   " \"results\": \"%s\"}\n", 3,
		   "parameter \"machines.0.count\" value 0 (case c0001)");
}
END_TEST

START_TEST(huge_sweeps_are_refused_without_force_before_expanding)
{
	/* 10^9 grid points: counted, not expanded (no memory, no time) */
	char body[2000] = "{\"base\": \"sw_exp.json\",\n \"parameters\": {";
	for (int d = 0; d < 9; d++)
		snprintf(body + strlen(body), sizeof body - strlen(body),
			 "%s\"workload.x%d\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]",
			 d ? ", " : "", d);
	strcat(body, "},\n \"results\": \"%s\"}\n");
	expect_bad("huge.json", body, 2,
		   "1000000000 cases (1000000000 points x 1 replications), more "
		   "than 1000000: give --force");
	/* so are 10^8 cases of a random design */
	expect_bad("huge_r.json", "{\"base\": \"sw_exp.json\", \"design\": \"random\",\n"
		   " \"samples\": 1000, \"replications\": 100000,\n"
		   " \"parameters\": {\"seed\": {\"min\": 1, \"max\": 9}},\n"
		   " \"results\": \"%s\"}\n", 3, "100000000 cases");
	/* 10^20 points cannot even be counted */
	char body2[3000] = "{\"base\": \"sw_exp.json\",\n \"parameters\": {";
	for (int d = 0; d < 20; d++)
		snprintf(body2 + strlen(body2), sizeof body2 - strlen(body2),
			 "%s\"workload.x%d\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]",
			 d ? ", " : "", d);
	strcat(body2, "},\n \"results\": \"%s\"}\n");
	expect_bad("huger.json", body2, 2, "too many to run");
	/* a sweep that is not too many cases but long says how long first */
	const char *s = sweep_file("long.json",
		"{\"base\": \"sw_exp.json\",\n"
		" \"parameters\": {\"workload.tasks\": [1000000000, 2000000000]}}\n");
	char args[1400], err[2048];
	const char *out = path_in_tmp("long.list");
	snprintf(args, sizeof args, "'%s' --list > '%s'", s, out);
	char cmd[2000];
	snprintf(cmd, sizeof cmd, "(%s sweep %s)", test_bin(), args);
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 0);
	ck_assert_msg(strcmp(err, "sweep: 2 cases to run (of 2) x 2 policies, about "
				  "6e+09 simulated tasks in all: a long run\n") == 0,
		      "[%s]", err);
}
END_TEST

/* A slow sweep (40 long cases) started in its own process group; returns
 * its pid once it holds the lock of res. */
static pid_t start_slow_sweep(const char *name, const char *res)
{
	char body[1200], lock[700];
	snprintf(body, sizeof body,
		 "{\"base\": \"sw_exp.json\",\n"
		 " \"parameters\": {\"workload.rate_per_s\": [5, 6, 7, 8, 9, 10, 11, 12],\n"
		 "                \"workload.tasks\": [200000]},\n"
		 " \"replications\": 5,\n"
		 " \"results\": \"%s\"}\n", res);
	const char *s = sweep_file(name, body);
	snprintf(lock, sizeof lock, "%s.lock", res);
	unlink(lock);
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		freopen("/dev/null", "w", stderr);
		execl(test_bin(), "hetsim", "sweep", s, "-j", "1", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	struct timespec ms = {0, 5000000};
	for (int i = 0; i < 4000 && access(lock, F_OK) != 0; i++)
		nanosleep(&ms, NULL);
	ck_assert_msg(access(lock, F_OK) == 0, "no lock file %s", lock);
	return pid;
}

static void stop_group(pid_t pid)
{
	int st;
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
}

START_TEST(second_sweep_on_one_results_file_is_refused_naming_the_first)
{
	const char *res = path_in_tmp("locked.jsonl");
	pid_t pid = start_slow_sweep("locked.json", res);
	const char *s = path_in_tmp("locked.json");
	char args[1400], err[4096], want[200];
	snprintf(want, sizeof want, "in use by another hetsim sweep (pid %ld, lock ",
		 (long)pid);
	static const char *const modes[] = {"", " --merge", " -j 2"};
	for (size_t k = 0; k < 3; k++) {
		snprintf(args, sizeof args, "'%s'%s", s, modes[k]);
		int st = sweep_run(args, err, sizeof err);
		ck_assert_msg(st == 1, "%s: status %d: [%s]", modes[k], st, err);
		char *nl = strchr(err, '\n');
		ck_assert_msg(nl && nl[1] == 0, "not one line: [%s]", err);
		ck_assert_msg(strstr(err, res) && strstr(err, want), "[%s]", err);
	}
	/* the lock dies with its holder */
	stop_group(pid);
	snprintf(args, sizeof args, "'%s' --merge", s);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "[%s]", err);
	check_results(res, (int)(read_lines(res, NULL, 0)));
}
END_TEST

START_TEST(summarise_counts_duplicate_records_once_and_refuses_conflicting_ones)
{
	const char *res = path_in_tmp("dup.jsonl"), *dup = path_in_tmp("dup2.jsonl");
	const char *s = small_sweep("dup.json", res);
	char args[1800], err[4096];
	snprintf(args, sizeof args, "'%s'", s);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "%s", err);
	char *text = test_slurp(res, NULL);
	ck_assert(text);
	FILE *f = fopen(dup, "w");
	ck_assert(f && fputs(text, f) >= 0 && fputs(text, f) >= 0 && fclose(f) == 0);
	const char *csv = path_in_tmp("dup.csv");
	snprintf(args, sizeof args,
		 "--summarise '%s' --x workload.rate_per_s --metric response_mean_s "
		 "-o '%s'", dup, csv);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(strstr(err, "12 duplicate records"), "[%s]", err);
	char *table = test_slurp(csv, NULL);
	ck_assert(table);
	/* 2 replications per (rate, policy), not 4 */
	ck_assert_msg(strstr(table, ",4\n") == NULL && strstr(table, ",2\n"), "[%s]", table);
	free(table);
	/* the same record with another value: refused, naming both lines */
	char *second = strchr(text, '\n') + 1;
	char *m = strstr(second, "\"response_mean_s\":");
	ck_assert(m);
	m[strlen("\"response_mean_s\":")] = '9';
	f = fopen(dup, "a");
	ck_assert(f && fputs(second, f) >= 0 && fclose(f) == 0);
	unlink(csv);
	int st = sweep_run(args, err, sizeof err);
	ck_assert_msg(st == 2, "status %d [%s]", st, err);
	char want[800];
	snprintf(want, sizeof want, "hetsim: %s:25: case c0000, policy ", dup);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0 &&
		      strstr(err, "is also at line 2, with other values"), "[%s]", err);
	ck_assert_msg(access(csv, F_OK) != 0, "table written");
	free(text);
	/* records without a replication are matched too */
	const char *nr = test_write("norep.jsonl",
		"{\"case\":\"c0000\",\"policy\":\"mct\",\"params\":{\"x\":1},\"metrics\":{\"m\":1}}\n"
		"{\"case\":\"c0000\",\"policy\":\"mct\",\"params\":{\"x\":1},\"metrics\":{\"m\":1}}\n");
	snprintf(args, sizeof args, "--summarise '%s' --x x --metric m -o '%s'", nr, csv);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "[%s]", err);
	table = test_slurp(csv, NULL);
	ck_assert_msg(table && strstr(table, "\n1,mct,m,1,1,1,1\n"), "[%s]", table);
	free(table);
}
END_TEST

START_TEST(summarise_plot_of_a_non_numeric_x_writes_nothing_and_names_the_input)
{
	const char *res = path_in_tmp("nx.jsonl");
	char body[1200];
	snprintf(body, sizeof body,
		 "{\"base\": \"sw_exp.json\",\n"
		 " \"parameters\": {\"output.tasks_csv\": [true, false]},\n"
		 " \"results\": \"%s\"}\n", res);
	const char *s = sweep_file("nx.json", body);
	char args[1800], err[4096];
	snprintf(args, sizeof args, "'%s'", s);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "%s", err);
	const char *csv = path_in_tmp("nx.csv"), *svg = path_in_tmp("nx.svg");
	FILE *f = fopen(csv, "w");
	ck_assert(f && fputs("old\n", f) >= 0 && fclose(f) == 0);
	unlink(svg);
	snprintf(args, sizeof args,
		 "--summarise '%s' --x output.tasks_csv --metric response_mean_s "
		 "-o '%s' --plot '%s'", res, csv, svg);
	int st = sweep_run(args, err, sizeof err);
	ck_assert_msg(st == 2, "status %d [%s]", st, err);
	char want[800];
	snprintf(want, sizeof want,
		 "hetsim: %s:1: --x \"output.tasks_csv\" value true is not a number", res);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0 && !strstr(err, csv),
		      "[%s]", err);
	char *kept = test_slurp(csv, NULL);
	ck_assert_msg(kept && strcmp(kept, "old\n") == 0, "table overwritten: [%s]", kept);
	free(kept);
	ck_assert_msg(access(svg, F_OK) != 0, "plot written");
	/* without --plot, a table of such values is fine */
	snprintf(args, sizeof args,
		 "--summarise '%s' --x output.tasks_csv --metric response_mean_s -o '%s'",
		 res, csv);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "[%s]", err);
}
END_TEST

/* The pids of the children of pid (Linux), up to cap; returns the count. */
static int children_of(pid_t pid, pid_t *out, int cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)pid,
		 (long)pid);
	FILE *f = fopen(path, "r");
	int n = 0;
	long c;
	while (f && n < cap && fscanf(f, "%ld", &c) == 1)
		out[n++] = (pid_t)c;
	if (f)
		fclose(f);
	return n;
}

START_TEST(stopped_worker_is_killed_at_the_case_timeout_and_a_rerun_resumes)
{
	const char *res = path_in_tmp("stop.jsonl");
	char body[1200];
	snprintf(body, sizeof body,
		 "{\"base\": \"sw_exp.json\",\n"
		 " \"parameters\": {\"workload.rate_per_s\": [5, 6, 7, 8, 9, 10],\n"
		 "                \"workload.tasks\": [100000]},\n"
		 " \"replications\": 2,\n"
		 " \"results\": \"%s\"}\n", res);
	const char *s = sweep_file("stop.json", body);
	const char *errf = path_in_tmp("stop.err");
	unlink(res);
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		freopen(errf, "w", stderr);
		execl(test_bin(), "hetsim", "sweep", s, "-j", "2", "--case-timeout",
		      "1", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	/* stop the first worker as soon as there is one */
	pid_t w[4];
	struct timespec ms = {0, 1000000};
	int n = 0;
	for (int i = 0; i < 5000 && n == 0; i++) {
		n = children_of(pid, w, 4);
		if (!n)
			nanosleep(&ms, NULL);
	}
	ck_assert_msg(n > 0, "no worker");
	kill(w[0], SIGSTOP);
	/* the sweep ends by itself: killed if it does not in 60 s */
	int st = 0;
	pid_t got = 0;
	struct timespec tick = {0, 50000000};
	for (int i = 0; i < 1200 && got == 0; i++) {
		got = waitpid(pid, &st, WNOHANG);
		if (!got)
			nanosleep(&tick, NULL);
	}
	if (!got) {
		kill(-pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	ck_assert_msg(got == pid, "the sweep hangs with a stopped worker");
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
	char *err = test_slurp(errf, NULL);
	char want[200];
	snprintf(want, sizeof want, "(pid %ld) was stopped or hung", (long)w[0]);
	ck_assert_msg(err && strstr(err, "no result within the --case-timeout of 1 s") &&
		      strstr(err, want), "[%s]", err);
	ck_assert_msg(strstr(err, "hetsim: case c0") || strstr(err, "between cases"),
		      "[%s]", err);
	free(err);
	/* the rerun runs what is missing, each line once */
	char args[1400], err2[4096];
	snprintf(args, sizeof args, "'%s' -j 2", s);
	ck_assert_msg(sweep_run(args, err2, sizeof err2) == 0, "%s", err2);
	check_results(res, 12 * 2);
}
END_TEST

START_TEST(case_timeout_values_are_checked)
{
	static const char *const bad_values[] = {"0", "-1", "abc", "1e99", ""};
	char args[600], err[2048];
	for (size_t k = 0; k < sizeof bad_values / sizeof bad_values[0]; k++) {
		snprintf(args, sizeof args, "x.json --case-timeout '%s'", bad_values[k]);
		int st = sweep_run(args, err, sizeof err);
		ck_assert_msg(st == 2 && strstr(err, "--case-timeout: ") &&
			      strstr(err, "seconds > 0 or \"none\""), "%s: %d [%s]",
			      bad_values[k], st, err);
	}
	const char *res = path_in_tmp("none.jsonl");
	const char *s = small_sweep("none.json", res);
	snprintf(args, sizeof args, "'%s' --case-timeout none", s);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "[%s]", err);
	check_results(res, 12);
}
END_TEST

/* `hetsim run` with args; stdout into out (cap bytes), stderr into err. */
static int hetsim_run_cmd(const char *args, char *out, size_t cap, char *err,
			  size_t ecap)
{
	const char *o = path_in_tmp("run.out");
	char cmd[2600];
	snprintf(cmd, sizeof cmd, "(%s run %s > '%s')", test_bin(), args, o);
	int st = test_run(cmd, err, ecap);
	FILE *f = fopen(o, "r");
	size_t n = f ? fread(out, 1, cap - 1, f) : 0;
	out[n] = 0;
	if (f)
		fclose(f);
	return st;
}

START_TEST(set_indexes_arrays_in_run_and_in_sweep_parameters)
{
	const char *e = test_write("sw_exp.json", experiment);
	char args[1400], out[4096], err[2048];
	snprintf(args, sizeof args, "'%s' --set machines.0.count=5 --set output.dir='\"\"'", e);
	int st = hetsim_run_cmd(args, out, sizeof out, err, sizeof err);
	ck_assert_msg(st == 0, "status %d: %s", st, err);
	ck_assert_msg(strstr(out, "5 machines"), "[%s]", out);
	static const char *const bad_sets[][2] = {
		{"machines.1.count=4", "index 1 is out of range (\"machines\" has 1 entries)"},
		{"machines.x.count=4", "\"machines\" is an array: index it with a number"},
		{"workload.0.x=3", "cannot index \"workload\" with 0: it is not an array"},
		{"workload.0=3", "cannot index \"workload\" with 0: it is not an array"},
		{"seed.x=1", "\"seed\" is not an object or an array"},
		{"machines..count=1", "empty path component"},
	};
	for (size_t k = 0; k < sizeof bad_sets / sizeof bad_sets[0]; k++) {
		snprintf(args, sizeof args, "'%s' --set '%s'", e, bad_sets[k][0]);
		st = hetsim_run_cmd(args, out, sizeof out, err, sizeof err);
		ck_assert_msg(st == 2, "%s: status %d: %s", bad_sets[k][0], st, err);
		char *nl = strchr(err, '\n');
		ck_assert_msg(nl && nl[1] == 0, "not one line: [%s]", err);
		ck_assert_msg(strstr(err, bad_sets[k][1]), "%s: [%s]", bad_sets[k][0], err);
	}
	/* a sweep varies the machine count through the same path */
	const char *res = path_in_tmp("setidx.jsonl");
	char body[1200];
	snprintf(body, sizeof body,
		 "{\"base\": \"sw_exp.json\",\n"
		 " \"parameters\": {\"machines.0.count\": [1, 4]},\n"
		 " \"results\": \"%s\"}\n", res);
	const char *s = sweep_file("setidx.json", body);
	snprintf(args, sizeof args, "'%s'", s);
	ck_assert_msg(sweep_run(args, err, sizeof err) == 0, "%s", err);
	json_t *v[8];
	int n = read_lines(res, v, 8);
	ck_assert_int_eq(n, 4);
	/* four machines finish sooner than one */
	double resp[2] = {0, 0};
	for (int i = 0; i < n; i++) {
		const char *c = json_string_value(json_object_get(v[i], "case"));
		if (strcmp(json_string_value(json_object_get(v[i], "policy")), "mct"))
			continue;
		resp[strcmp(c, "c0000") != 0] = json_number_value(
			json_object_get(json_object_get(v[i], "metrics"), "response_mean_s"));
	}
	ck_assert_msg(resp[1] > 0 && resp[1] < resp[0], "%g %g", resp[0], resp[1]);
	free_lines(v, n);
}
END_TEST

Suite *suite_sweep(void)
{
	Suite *s = suite_create("sweep");
	TCase *t = tcase_create("sweep");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, grid_is_cartesian_product_times_replications);
	tcase_add_test(t, random_design_draws_samples_inside_the_ranges);
	tcase_add_test(t, lhs_hits_every_stratum_of_every_dimension_once);
	tcase_add_test(t, parallel_sweep_writes_each_line_once_and_rerun_skips_all);
	tcase_add_test(t, summarise_writes_one_row_per_value_and_policy_and_a_plot);
	tcase_add_test(t, killed_sweep_resumes_without_duplicates);
	tcase_add_test(t, bad_sweep_files_fail_before_running);
	tcase_add_test(t, set_indexes_arrays_in_run_and_in_sweep_parameters);
	tcase_add_test(t, every_case_is_validated_naming_the_parameter_and_its_value);
	tcase_add_test(t, huge_sweeps_are_refused_without_force_before_expanding);
	tcase_add_test(t, second_sweep_on_one_results_file_is_refused_naming_the_first);
	tcase_add_test(t, summarise_counts_duplicate_records_once_and_refuses_conflicting_ones);
	tcase_add_test(t, summarise_plot_of_a_non_numeric_x_writes_nothing_and_names_the_input);
	tcase_add_test(t, stopped_worker_is_killed_at_the_case_timeout_and_a_rerun_resumes);
	tcase_add_test(t, case_timeout_values_are_checked);
	suite_add_tcase(s, t);
	return s;
}
