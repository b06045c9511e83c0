/*
 * tests/bench/bench_net.c — the max-min network alone (sim/net.h) under a
 * flow-start/end pattern like a DAG run's (make bench-net).
 *
 * A "job" on a destination node reads 1..3 inputs at once from other
 * nodes (one transfer each, started at the same instant, as the DAG engine
 * starts a job's stage-in); when all have ended, it computes for an
 * exponential time (mean THINK_S) and starts again on a new node. JOBS
 * jobs are kept going until TRANSFERS transfers have started. Nodes fall
 * in clusters: an input comes from the job's own cluster with probability
 * LOCAL, else from anywhere, so the connected components of links that
 * the solver works on range from one pair to the whole network. File
 * sizes are lognormal (mean 100 MB, cv 1) over NICs of 10 Gbit/s (some at
 * 1 Gbit/s, for bottlenecks); latency 0.1 ms. BACKGROUND other events sit
 * in the same heap after the run's end (an engine's pending events: a DAG
 * run at width 10^5 has 10^5), making every heap operation of the
 * network's as deep as in a wide run.
 *
 * Cases:
 *   1  16 nodes, one cluster, 40 jobs       the bench-dag platform
 *   2  64 nodes, clusters of 4, 100 jobs    many small components
 *   3  256 nodes, one cluster, 600 jobs     one large component
 *   4  case 1 with 10^5 background events   a wide DAG's heap
 *   5  case 2 with packet loss (0.1..5%) on every other node: Mathis caps
 *
 * Printed per case: transfers, solves, completion events moved, ns per
 * transfer (best of 3 runs; the machine is shared, so prefer instruction
 * counts: `valgrind --tool=callgrind --toggle-collect=run_case
 * build/bench_net CASE` counts the instructions of the run alone, and the
 * printed transfers divide them), and a digest: a hash of every transfer's
 * end time in end order. Two builds that print the same digests computed
 * the same schedules to the bit.
 *
 * Usage: bench_net [quick] [CASE]   quick: 10x fewer transfers
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sim/net.h"

#define THINK_S 2.0
#define REPEATS 3

enum { EV_JOB = 1, EV_BACKGROUND = 2, EV_NET = 8 };

typedef struct net_case {
	const char *what;
	uint32_t nodes, cluster, jobs, background;
	double local;
	int loss;
} net_case;

typedef struct job {
	uint32_t node, left; /* destination, transfers not ended */
} job;

typedef struct outcome {
	double wall_s;
	uint64_t transfers, events;
	sim_net_stats st;
	uint64_t digest;
} outcome;

/* splitmix64: the benchmark's own stream, the same on every build */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s) /* (0, 1) */
{
	return ((double)(rng_next(s) >> 11) + 0.5) * 0x1.0p-53;
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(rng_unit(s) * n);
}

static double rng_normal(uint64_t *s)
{
	return sqrt(-2 * log(rng_unit(s))) * cos(2 * M_PI * rng_unit(s));
}

static double file_bytes(uint64_t *s)
{
	/* lognormal of mean 1e8, cv 1: sigma^2 = ln 2 */
	double sigma = sqrt(log(2.0)), mu = log(1e8) - sigma * sigma / 2;
	return exp(mu + sigma * rng_normal(s));
}

static void die(const char *what)
{
	fprintf(stderr, "bench_net: %s\n", what);
	exit(1);
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Start job j's inputs on a fresh destination node. */
static uint64_t start_job(sim_net *net, const net_case *c, job *jobs,
			  uint32_t j, double now, uint64_t *rng)
{
	uint32_t dst = rng_below(rng, c->nodes);
	uint32_t base = dst - dst % c->cluster;
	uint32_t k = 1 + rng_below(rng, 3);
	jobs[j] = (job){.node = dst, .left = k};
	for (uint32_t i = 0; i < k; i++) {
		uint32_t src;
		do
			src = rng_unit(rng) < c->local
				      ? base + rng_below(rng, c->cluster)
				      : rng_below(rng, c->nodes);
		while (src == dst);
		if (sim_net_start(net, now, src, dst, file_bytes(rng),
				  (uint64_t)j * 4 + i))
			die("out of memory");
	}
	return k;
}

/* The run alone (callgrind --toggle-collect=run_case counts this). */
__attribute__((noinline)) static void run_case(const net_case *c,
					       uint64_t transfers,
					       outcome *o)
{
	sim_heap h;
	if (sim_heap_init(&h, 1024))
		die("out of memory");
	sim_nic *nics = malloc(c->nodes * sizeof *nics);
	job *jobs = malloc(c->jobs * sizeof *jobs);
	if (!nics || !jobs)
		die("out of memory");
	for (uint32_t i = 0; i < c->nodes; i++) {
		double bps = i % 8 == 7 ? 1.25e8 : 1.25e9;
		nics[i] = (sim_nic){.up_bps = bps, .down_bps = bps};
	}
	sim_net *net;
	io_err err = {0};
	if (sim_net_new(&net, &h, EV_NET, c->nodes, nics, 1e-4, 0, &err))
		die(err.msg);
	uint64_t rng = 42;
	static const double loss[] = {0.001, 0.005, 0.01, 0.02, 0.05};
	for (uint32_t i = 0; c->loss && i < c->nodes; i += 2)
		if (sim_net_set_loss(net, 0, i, loss[(i / 2) % 5]))
			die("set loss");
	for (uint32_t j = 0; j < c->jobs; j++)
		sim_heap_push(&h, THINK_S * rng_unit(&rng), EV_JOB,
			      (void *)(uintptr_t)j);
	for (uint32_t b = 0; b < c->background; b++)
		sim_heap_push(&h, 1e12 + b, EV_BACKGROUND, NULL);
	uint64_t started = 0, ended = 0, events = 0, digest = 0xcbf29ce484222325ull;
	double t;
	uint32_t kind;
	void *data;
	double t0 = wall_now();
	while ((started < transfers || ended < started) &&
	       sim_heap_pop(&h, &t, &kind, &data)) {
		events++;
		if (kind == EV_BACKGROUND)
			die("a background event fired");
		if (kind == EV_JOB) {
			if (started < transfers)
				started += start_job(net, c, jobs,
						     (uint32_t)(uintptr_t)data, t,
						     &rng);
			continue;
		}
		const uint64_t *done;
		int k = sim_net_event(net, t, kind, data, &done);
		if (k < 0)
			die("network event failed");
		for (int i = 0; i < k; i++) {
			uint64_t bits;
			memcpy(&bits, &t, sizeof bits);
			digest = (digest ^ bits ^ done[i]) * 0x100000001b3ull;
			ended++;
			uint32_t j = (uint32_t)(done[i] / 4);
			if (--jobs[j].left == 0)
				sim_heap_push(&h, t - THINK_S * log(rng_unit(&rng)),
					      EV_JOB, (void *)(uintptr_t)j);
		}
	}
	o->wall_s = wall_now() - t0;
	o->transfers = ended;
	o->events = events;
	o->digest = digest;
	sim_net_get_stats(net, &o->st);
	if (ended != started || o->st.active != 0)
		die("transfers left in flight");
	sim_net_free(net);
	sim_heap_free(&h);
	free(nics);
	free(jobs);
}

int main(int argc, char **argv)
{
	uint64_t transfers = 1000000;
	int only = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "quick") == 0)
			transfers /= 10;
		else if (atoi(argv[i]) > 0)
			only = atoi(argv[i]);
		else {
			fprintf(stderr, "usage: bench_net [quick] [CASE]\n");
			return 2;
		}
	}
	static const net_case cases[] = {
		{"16 nodes, one cluster", 16, 16, 40, 0, 1, 0},
		{"64 nodes, clusters of 4", 64, 4, 100, 0, 0.95, 0},
		{"256 nodes, one cluster", 256, 256, 600, 0, 1, 0},
		{"16 nodes, 10^5 background events", 16, 16, 40, 100000, 1, 0},
		{"64 nodes, clusters of 4, loss", 64, 4, 100, 0, 0.95, 1},
	};
	enum { N_CASES = sizeof cases / sizeof *cases };
	if (only > N_CASES) {
		fprintf(stderr, "bench_net: no case %d (1..%d)\n", only, N_CASES);
		return 2;
	}
	int repeats = only ? 1 : REPEATS;
	printf("hetsim network benchmark (sim/net.h): jobs reading 1-3 inputs, "
	       "files 100 MB, 10 Gbit/s NICs (1 in 8 at 1 Gbit/s)\n%s\n\n",
	       repeats > 1 ? "each case best of 3 runs" : "one run");
	for (int k = 0; k < N_CASES; k++) {
		if (only && only != k + 1)
			continue;
		outcome best = {0};
		for (int r = 0; r < repeats; r++) {
			outcome o;
			run_case(&cases[k], transfers, &o);
			if (r > 0 && o.digest != best.digest)
				die("two runs of a case differ");
			if (r == 0 || o.wall_s < best.wall_s)
				best = o;
		}
		printf("%d %-36s %8llu transfers %8llu solves %8llu moved  "
		       "%7.1f ns/transfer  digest %016llx\n",
		       k + 1, cases[k].what, (unsigned long long)best.transfers,
		       (unsigned long long)best.st.solves,
		       (unsigned long long)best.st.reschedules,
		       1e9 * best.wall_s / (double)best.transfers,
		       (unsigned long long)best.digest);
		fflush(stdout);
	}
	return 0;
}
