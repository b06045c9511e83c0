/*
 * tests/bench/bench_types.c — cost of many task types (make bench-types;
 * issue 12: 10^5 task types should load in about a second and well under
 * 100 MB, and a run over them should cost what its tasks cost).
 *
 * Profile: N task types on 3 machine types, one lognormal exec entry per
 * pair (3N entries, about 270 bytes of JSON per task type). Experiment: 4
 * machines of each type, Poisson arrivals, every type equally likely, MCT,
 * summary.json written (per task type: counts and response percentiles).
 * Each case runs in its own child process, and the peak resident memory is
 * reset (/proc/self/clear_refs) before each part, so that each peak is that
 * part's own:
 *   load      prof_load of the profile file: wall and CPU seconds, peak
 *             resident growth
 *   run       the experiment (which loads the profile again) with its
 *             outputs: wall seconds, peak resident growth over the process
 *             before it
 * Usage: bench_types [quick] [N]   (quick: up to 10^4 types; N: only that
 * many types, e.g. under perf record)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "profiles/profile.h"
#include "sim/sim.h"

typedef struct outcome {
	double load_wall_s, load_cpu_s, run_wall_s;
	long load_kib, run_kib;
	unsigned long long completed;
} outcome;

static long status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t k = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, key, k) == 0 && line[k] == ':') {
			v = atol(line + k + 1);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

static void reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

static double cpu_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fail(const char *what, const io_err *err)
{
	fprintf(stderr, "bench_types: %s: %s\n", what, err ? err->msg : "");
	_exit(1);
}

/* Profile and experiment files for n task types; paths in prof, exp. */
static void write_files(size_t n, const char *dir, char *prof, char *exp,
			size_t cap)
{
	snprintf(prof, cap, "%s/profile.json", dir);
	snprintf(exp, cap, "%s/experiment.json", dir);
	FILE *f = fopen(prof, "w");
	if (!f)
		fail(prof, NULL);
	fprintf(f, "{\"machine_types\": [{\"name\": \"m0\", \"power_w\": "
		   "{\"idle\": 10, \"busy\": 50}}, {\"name\": \"m1\"}, "
		   "{\"name\": \"m2\"}],\n\"task_types\": [\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "{\"name\": \"t%zu\"}%s\n", i, i + 1 < n ? "," : "");
	fprintf(f, "],\n\"exec\": [\n");
	for (size_t i = 0; i < n; i++)
		for (int m = 0; m < 3; m++)
			fprintf(f,
				"{\"task\": \"t%zu\", \"machine\": \"m%d\", "
				"\"model\": \"lognormal\", \"mu\": %g, "
				"\"sigma\": 0.3}%s\n",
				i, m, -3.0 + 0.5 * m + 0.1 * (double)(i % 7),
				i + 1 < n || m < 2 ? "," : "");
	fprintf(f, "]}\n");
	if (fclose(f))
		fail(prof, NULL);
	f = fopen(exp, "w");
	if (!f)
		fail(exp, NULL);
	fprintf(f,
		"{\"name\": \"types\", \"profile\": \"profile.json\",\n"
		" \"machines\": [{\"type\": \"m0\", \"count\": 4}, {\"type\": "
		"\"m1\", \"count\": 4}, {\"type\": \"m2\", \"count\": 4}],\n"
		" \"workload\": {\"arrival\": \"poisson\", \"rate_per_s\": "
		"100, "
		"\"tasks\": 100000},\n"
		" \"deadline\": {\"slack\": 10, \"reference\": \"fastest\"},\n"
		" \"policies\": [\"mct\"], \"seed\": 7,\n"
		" \"output\": {\"dir\": \"%s/out\", \"tasks_csv\": false}}\n",
		dir);
	if (fclose(f))
		fail(exp, NULL);
}

static outcome measure(size_t n, const char *dir)
{
	char prof[512], exp[512];
	write_files(n, dir, prof, exp, sizeof prof);
	outcome out = {0};
	io_err err = {0};
	prof_profile *p;
	reset_peak();
	long before = status_kib("VmRSS");
	double w0 = wall_now(), c0 = cpu_now();
	if (prof_load(&p, prof, &err))
		fail("load", &err);
	out.load_wall_s = wall_now() - w0;
	out.load_cpu_s = cpu_now() - c0;
	out.load_kib = status_kib("VmHWM") - before;
	prof_free(p);

	sim_experiment *x = NULL;
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	sim_result r;
	reset_peak();
	before = status_kib("VmRSS");
	w0 = wall_now();
	if (sim_experiment_load(&x, exp, &err) ||
	    sim_run_policy(x, 0, &o, &r, &err))
		fail("run", &err);
	sim_experiment_free(x);
	out.run_wall_s = wall_now() - w0;
	out.run_kib = status_kib("VmHWM") - before;
	out.completed = r.completed;
	return out;
}

static outcome run_case(size_t n)
{
	int fd[2];
	if (pipe(fd) != 0) {
		perror("pipe");
		exit(1);
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		char dir[] = "/tmp/hetsim-bench-types-XXXXXX";
		if (!mkdtemp(dir))
			fail("mkdtemp", NULL);
		outcome out = measure(n, dir);
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_types: could not remove %s\n",
				dir);
		_exit(write(fd[1], &out, sizeof out) == (ssize_t)sizeof out
			      ? 0
			      : 1);
	}
	close(fd[1]);
	outcome out;
	memset(&out, 0, sizeof out);
	ssize_t got = read(fd[0], &out, sizeof out);
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	if (got != (ssize_t)sizeof out || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "bench_types: case of %zu task types failed\n",
			n);
		exit(1);
	}
	return out;
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && strcmp(argv[1], "quick") == 0;
	size_t only = argc > 1 + quick ? (size_t)atol(argv[1 + quick]) : 0;
	size_t sizes[] = {1000, 10000, 100000};
	printf("%10s %12s %12s %12s %12s %12s %10s\n", "task types",
	       "load wall s", "load CPU s", "load MiB", "run wall s", "run MiB",
	       "tasks");
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = only ? only : sizes[i];
		if (quick && n > 10000)
			break;
		outcome o = run_case(n);
		printf("%10zu %12.3f %12.3f %12.1f %12.3f %12.1f %10llu\n", n,
		       o.load_wall_s, o.load_cpu_s, o.load_kib / 1024.0,
		       o.run_wall_s, o.run_kib / 1024.0, o.completed);
		fflush(stdout);
		if (only)
			break;
	}
	return 0;
}
