/*
 * tests/bench/bench_out.c — speed of the streamed gzip writer (make
 * bench-out): how many tasks.csv.gz rows per second sim_gzout takes, and
 * how much of it the calling (simulation) thread pays.
 *
 * The rows are tasks.csv.gz-like (formatted with sim_fmt_time and
 * sim_fmt_u64 from a fixed LCG, about 70 bytes each), made before timing.
 * Cases, each the best of 3:
 *   zlib level 1 on the calling thread (gzwrite of 64 KiB pieces): how
 *     tasks.csv.gz was written before the writer thread;
 *   sim_gzout, row by row: open to close (close waits for the last
 *     blocks), then the CPU time of the calling thread (copying rows) and
 *     of the writer thread (compressing): the writer keeps up with the
 *     simulator while its rows per CPU second exceed the core's tasks/s
 *     (make bench). On a loaded machine the writer competes for the cores
 *     and the wall times say little; the CPU times stay.
 * Usage: bench_out [quick]   (quick: 10x fewer rows)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "sim/base/out.h"
#include "sim/sim.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* n rows into one text; row i ends at ends[i]. */
static char *make_rows(size_t n, size_t *len, size_t **ends)
{
	size_t cap = n * 128, at = 0;
	char *t = malloc(cap);
	*ends = malloc(n * sizeof **ends);
	if (!t || !*ends) {
		fprintf(stderr, "bench_out: out of memory\n");
		exit(1);
	}
	uint64_t s = 7;
	double now = 0;
	for (size_t i = 0; i < n; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		now += (double)(s >> 40) / 16777216.0 * 0.25;
		double run = (double)(s >> 44) / 1048576.0 * 3;
		char *r = t + at;
		size_t k = sim_fmt_u64(r, i + 1);
		memcpy(r + k, ",t,", 3);
		k += 3;
		k += sim_fmt_time(r + k, now);
		r[k++] = ',';
		k += sim_fmt_time(r + k, now);
		r[k++] = ',';
		k += sim_fmt_time(r + k, now + run);
		r[k++] = ',';
		r[k++] = ',';
		k += sim_fmt_u64(r + k, s >> 60);
		memcpy(r + k, ",a,completed,", 13);
		k += 13;
		k += sim_fmt_time(r + k, run * 0.5);
		r[k++] = '\n';
		at += k;
		(*ends)[i] = at;
	}
	*len = at;
	return t;
}

static void report(const char *what, size_t rows, size_t bytes, double wall_s,
		   long long gz_bytes)
{
	printf("%-30s %8zu rows %7.3f s %6.2f M rows/s %5.0f MB/s  gz %4.1f%%\n",
	       what, rows, wall_s, (double)rows / wall_s / 1e6,
	       (double)bytes / wall_s / 1e6,
	       100.0 * (double)gz_bytes / (double)bytes);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 && strcmp(argv[1], "quick") == 0 ? 100000 : 1000000;
	size_t len, *ends;
	char *text = make_rows(n, &len, &ends);
	char path[256];
	snprintf(path, sizeof path, "/tmp/hetsim-bench-out-%ld.csv.gz",
		 (long)getpid());
	printf("hetsim %s gzip writer benchmark: %zu rows, %.1f MB of text\n",
	       HETSIM_VERSION, n, (double)len / 1e6);

	double best = 1e30;
	for (int rep = 0; rep < 3; rep++) {
		double t0 = clock_s(CLOCK_MONOTONIC);
		gzFile gz = gzopen(path, "wb1");
		if (!gz) {
			perror(path);
			return 1;
		}
		gzbuffer(gz, 1 << 17);
		for (size_t at = 0; at < len; at += 65536) {
			unsigned k = (unsigned)(len - at < 65536 ? len - at : 65536);
			if (gzwrite(gz, text + at, k) != (int)k) {
				fprintf(stderr, "bench_out: gzwrite failed\n");
				return 1;
			}
		}
		if (gzclose(gz) != Z_OK) {
			fprintf(stderr, "bench_out: gzclose failed\n");
			return 1;
		}
		double dt = clock_s(CLOCK_MONOTONIC) - t0;
		best = dt < best ? dt : best;
	}
	report("zlib level 1, calling thread", n, len, best, file_size(path));
	unlink(path);

	best = 1e30;
	double caller_cpu = 0, writer_cpu = 0;
	for (int rep = 0; rep < 3; rep++) {
		io_err err = {0};
		sim_gzout *o = NULL;
		double t0 = clock_s(CLOCK_MONOTONIC);
		double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
		double p0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		if (sim_gzout_open(&o, path, &err)) {
			fprintf(stderr, "bench_out: %s\n", err.msg);
			return 1;
		}
		size_t from = 0;
		for (size_t i = 0; i < n; i++) {
			sim_gzout_write(o, text + from, ends[i] - from);
			from = ends[i];
		}
		if (sim_gzout_close(o, 1, &err)) {
			fprintf(stderr, "bench_out: %s\n", err.msg);
			return 1;
		}
		double dt = clock_s(CLOCK_MONOTONIC) - t0;
		if (dt < best) {
			best = dt;
			caller_cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
			writer_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - p0 -
				     caller_cpu;
		}
	}
	report("sim_gzout (writer thread)", n, len, best, file_size(path));
	/* CPU times do not depend much on what else the machine runs */
	printf("  calling thread: %.3f s CPU (%.0f ns/row: copying rows, "
	       "waiting)\n"
	       "  writer thread:  %.3f s CPU (%.0f ns/row, %.0f MB/s: "
	       "compressing, writing): keeps up with %.2f M rows/s\n",
	       caller_cpu, caller_cpu / (double)n * 1e9, writer_cpu,
	       writer_cpu / (double)n * 1e9, (double)len / writer_cpu / 1e6,
	       (double)n / writer_cpu / 1e6);
	unlink(path);
	free(text);
	free(ends);
	return 0;
}
