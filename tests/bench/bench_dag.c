/*
 * tests/bench/bench_dag.c — speed and memory of DAG workflows with network
 * transfers (make bench-dag; issue 7 (b), DESIGN §9: >= 1 M jobs/s).
 *
 * Scenario: a layered random DAG (width 1000, 1..3 parents from the two
 * levels above, one output file per job read by all its children,
 * lognormal file sizes of mean 100 MB, cv 1) on 16 heterogeneous machines
 * (4 types x 4 as in bench_core: lognormal times of mean 1, 1.5, 2, 3 s,
 * one slot each), 10 Gbit/s NICs shared max-min fairly, 0.1 ms latency.
 * Each case runs in its own child process: the DAG is generated first
 * (timed apart), then the peak resident memory is reset
 * (/proc/self/clear_refs) so that the peak of the run itself is measured.
 *   jobs/s        jobs / wall time of sim_dag_run (set-up, mapping,
 *                 sampling, transfers, max-min solves, events); also per
 *                 CPU second of the run (getrusage), steadier than wall time
 *                 on a shared machine
 *   DAG B/job     resident bytes of the DAG arrays per job
 *   engine peak   peak resident bytes the run added over the DAG (32 B
 *                 of fixed state per job, plus events, flows, queues)
 *   B/in-flight   the last two cases differ only in the DAG's width, so in
 *                 the jobs in flight (ready, not ended): the difference of
 *                 their engine peaks over the difference of their peaks in
 *                 flight is what a job in flight costs beyond its fixed
 *                 state
 * Usage: bench_dag [quick] [CASE]   (quick: 10x fewer jobs; CASE: run only
 * case number CASE, from 1, e.g. under perf record)
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "profiles/profile.h"
#include "sim/dag.h"
#include "sim/sim.h"
#include "workloads/dag.h"

typedef struct outcome {
	double gen_s, wall_s, cpu_s, makespan_s, bytes;
	long dag_kib, engine_kib;
	unsigned long long jobs, transfers, peak_in_flight, peak_flows, solves,
		events;
} outcome;

typedef struct bench_case {
	const char *what;
	unsigned long long jobs;
	uint32_t width;
	sim_dag_policy policy;
	int contention_free;
	int csv;
} bench_case;

static const char profile_json[] =
	"{\"machine_types\": [{\"name\": \"a\"}, {\"name\": \"b\"},"
	" {\"name\": \"c\"}, {\"name\": \"d\"}],\n"
	" \"task_types\": [{\"name\": \"t\"}],\n"
	" \"exec\": [\n"
	"  {\"task\": \"t\", \"machine\": \"a\", \"model\": \"lognormal\", \"mu\": -0.125, \"sigma\": 0.5},\n"
	"  {\"task\": \"t\", \"machine\": \"b\", \"model\": \"lognormal\", \"mu\": 0.28, \"sigma\": 0.5},\n"
	"  {\"task\": \"t\", \"machine\": \"c\", \"model\": \"lognormal\", \"mu\": 0.568, \"sigma\": 0.5},\n"
	"  {\"task\": \"t\", \"machine\": \"d\", \"model\": \"lognormal\", \"mu\": 0.973, \"sigma\": 0.5}]}\n";

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Current resident KiB. */
static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Peak resident KiB since the last reset (VmHWM), or ru_maxrss. */
static long peak_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld", &v) == 1)
			break;
	if (f)
		fclose(f);
	if (v < 0) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		v = ru.ru_maxrss;
	}
	return v;
}

/* CPU seconds (user + system) of this process so far. */
static double cpu_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

static void fail(const char *what, const io_err *err)
{
	fprintf(stderr, "bench_dag: %s: %s\n", what, err->msg);
	_exit(1);
}

static outcome run_case_child(const bench_case *bc)
{
	io_err err = {0};
	char path[256];
	snprintf(path, sizeof path, "/tmp/hetsim-bench-dag-%ld.json", (long)getpid());
	FILE *f = fopen(path, "w");
	if (!f || fputs(profile_json, f) == EOF || fclose(f) != 0) {
		perror(path);
		_exit(1);
	}
	prof_profile *p = NULL;
	if (prof_load(&p, path, &err))
		fail("profile", &err);
	unlink(path);
	long base = rss_kib();
	wl_dag_gen g = WL_DAG_GEN_DEFAULT;
	g.shape = WL_DAG_LAYERED;
	g.seed = 7;
	g.jobs = (uint32_t)bc->jobs;
	g.width = bc->width;
	g.fan_in_min = 1;
	g.fan_in_max = 3;
	g.span = 2;
	g.size_mean_bytes = 100e6;
	g.size_cv = 1;
	wl_dag *d = NULL;
	double t0 = wall_now();
	if (wl_dag_generate(&d, &g, &err))
		fail("generate", &err);
	outcome o = {.gen_s = wall_now() - t0};
	malloc_trim(0); /* what the generator freed must not count */
	o.dag_kib = rss_kib() - base;
	sim_dag_machine m[16];
	for (uint32_t k = 0; k < 16; k++)
		m[k] = (sim_dag_machine){.type = k / 4, .slots = 1,
					 .up_bps = 1.25e9, .down_bps = 1.25e9};
	sim_dag_config c = SIM_DAG_CONFIG_DEFAULT;
	c.profile = p;
	c.dag = d;
	c.machines = m;
	c.n_machines = 16;
	c.latency_s = 1e-4;
	c.contention_free = bc->contention_free;
	c.policy = bc->policy;
	c.seed = 7;
	char csv[256];
	if (bc->csv) {
		snprintf(csv, sizeof csv, "/tmp/hetsim-bench-dag-%ld.csv.gz",
			 (long)getpid());
		c.jobs_csv = csv;
	}
	long before = rss_kib();
	reset_peak();
	sim_dag_result r;
	double c0 = cpu_now();
	if (sim_dag_run(&c, &r, &err))
		fail("run", &err);
	o.cpu_s = cpu_now() - c0;
	o.engine_kib = peak_kib() - before;
	if (bc->csv)
		unlink(csv);
	o.wall_s = r.wall_s;
	o.makespan_s = r.makespan_s;
	o.bytes = r.bytes_transferred;
	o.jobs = r.jobs_done;
	o.transfers = r.transfers;
	o.peak_in_flight = r.peak_in_flight;
	o.peak_flows = r.peak_flows;
	o.solves = r.solves;
	o.events = r.events;
	sim_dag_result_free(&r);
	wl_dag_free(d);
	prof_free(p);
	return o;
}

static outcome run_case(const bench_case *bc)
{
	int fd[2];
	if (pipe(fd) != 0) {
		perror("pipe");
		exit(1);
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		outcome o = run_case_child(bc);
		if (write(fd[1], &o, sizeof o) != (ssize_t)sizeof o)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	outcome o;
	memset(&o, 0, sizeof o);
	ssize_t n = read(fd[0], &o, sizeof o);
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	if (n != (ssize_t)sizeof o || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "bench_dag: case failed\n");
		exit(1);
	}
	return o;
}

static void report(const bench_case *bc, const outcome *o)
{
	char what[64];
	snprintf(what, sizeof what, "%s, width %u", bc->what, bc->width);
	printf("%-40s %8llu jobs  gen %6.3f s  run %7.3f s  %6.3f M jobs/s"
	       "  (CPU %.3f s: %.3f M jobs/CPU-s)\n"
	       "%40s %9llu transfers (%.1f GB, peak %llu flows), %llu solves, "
	       "%llu events, makespan %.0f s\n"
	       "%40s DAG %5.1f B/job, engine peak %6.1f MiB (%.1f B/job), "
	       "peak in flight %llu jobs\n",
	       what, o->jobs, o->gen_s, o->wall_s,
	       (double)o->jobs / o->wall_s / 1e6, o->cpu_s,
	       (double)o->jobs / o->cpu_s / 1e6, "", o->transfers, o->bytes / 1e9,
	       o->peak_flows, o->solves, o->events, o->makespan_s, "",
	       (double)o->dag_kib * 1024.0 / (double)o->jobs,
	       (double)o->engine_kib / 1024.0,
	       (double)o->engine_kib * 1024.0 / (double)o->jobs,
	       o->peak_in_flight);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned long long scale = 1;
	size_t only = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "quick") == 0)
			scale = 10;
		else if (atoi(argv[i]) > 0)
			only = (size_t)atoi(argv[i]);
	}
	unsigned long long k100 = 100000ull / scale, m1 = 1000000ull / scale;
	printf("hetsim %s DAG benchmark: layered DAG (width 1000 unless said, "
	       "fan-in 1-3), 16 machines, 10 Gbit/s NICs, files 100 MB\n",
	       HETSIM_VERSION);
	uint32_t w2 = (uint32_t)(10000 / scale), w3 = (uint32_t)(100000 / scale);
	const bench_case cases[] = {
		{"EFT, max-min", k100, 1000, SIM_DAG_EFT, 0, 0},
		{"EFT, max-min", m1, 1000, SIM_DAG_EFT, 0, 0},
		{"EFT, contention-free", k100, 1000, SIM_DAG_EFT, 1, 0},
		{"EFT, max-min, jobs.csv.gz", k100, 1000, SIM_DAG_EFT, 0, 1},
		{"HEFT, max-min", k100, 1000, SIM_DAG_HEFT, 0, 0},
		{"HEFT, max-min", m1, 1000, SIM_DAG_HEFT, 0, 0},
		/* in flight ~ width: the memory that follows the jobs in flight */
		{"EFT, max-min", m1, w2, SIM_DAG_EFT, 0, 0},
		{"EFT, max-min", m1, w3, SIM_DAG_EFT, 0, 0},
	};
	enum { N_CASES = sizeof cases / sizeof *cases };
	outcome out[N_CASES];
	for (size_t i = 0; i < N_CASES; i++) {
		if (only && only != i + 1)
			continue;
		out[i] = run_case(&cases[i]);
		report(&cases[i], &out[i]);
	}
	if (!only) {
		const outcome *a = &out[N_CASES - 2], *b = &out[N_CASES - 1];
		printf("bytes per in-flight job (width %u -> %u, same jobs): "
		       "%.0f (engine peak %+.1f MiB for %+lld jobs in flight; "
		       "DESIGN target <= 256)\n",
		       w2, w3,
		       (double)(b->engine_kib - a->engine_kib) * 1024.0 /
			       (double)(b->peak_in_flight - a->peak_in_flight),
		       (double)(b->engine_kib - a->engine_kib) / 1024.0,
		       (long long)b->peak_in_flight - (long long)a->peak_in_flight);
	}
	return 0;
}
