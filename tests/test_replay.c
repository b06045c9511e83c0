/*
 * tests/test_replay.c — per-task execution data from traces: the size
 * column scales the drawn time, exec_s and exec_s:<type> replay measured
 * times, and "clairvoyant" lets policies plan with the actual times.
 * Schedules are checked against hand-computed ones (tasks.csv.gz, start and
 * end of every task) and, for 2 x 10^4 tasks, against an MCT oracle that
 * shares no code with hetsim (tests/oracle/mct.awk).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "profiles/profile.h"
#include "sim/base/rng.h"
#include "sim/sim.h"
#include "tests/tests.h"

static io_err err;

/* Two machine types, two task types, constant times per unit of work:
 * a takes 2 s on cpu and 1 s on gpu, b 3 s on cpu and cannot run on gpu.
 * Busy power 30 W, idle 10 W: a task's energy is 20 W x its time. */
#define PROFILE_AB                                                             \
	"{\"machine_types\": [\n"                                              \
	"   {\"name\": \"cpu\", \"power_w\": {\"idle\": 10, \"busy\": 30}},\n" \
	"   {\"name\": \"gpu\", \"power_w\": {\"idle\": 10, \"busy\": 30}}],\n" \
	"  \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n"          \
	"  \"exec\": [\n"                                                      \
	"   {\"task\": \"a\", \"machine\": \"cpu\", \"model\": \"constant\", \"value\": 2},\n" \
	"   {\"task\": \"a\", \"machine\": \"gpu\", \"model\": \"constant\", \"value\": 1},\n" \
	"   {\"task\": \"b\", \"machine\": \"cpu\", \"model\": \"constant\", \"value\": 3}]}"

/* An experiment on PROFILE_AB (or another profile text) with one cpu and
 * one gpu machine, the trace file, the policy and extra top-level members
 * (each ending with a comma, or ""). Returns the experiment's path. */
static const char *write_experiment(const char *name, const char *profile,
				    const char *machines, const char *trace_file,
				    const char *policy, const char *extra)
{
	char text[8192], file[128];
	snprintf(text, sizeof text,
		 "{\"name\": \"%s\", \"profile\": %s,\n"
		 " \"machines\": %s,\n"
		 " \"workload\": {\"arrival\": \"trace\", \"file\": \"%s\"},\n"
		 " %s \"policy\": \"%s\", \"seed\": 5,\n"
		 " \"output\": {\"dir\": \"\", \"tasks_csv\": true}}\n",
		 name, profile, machines, trace_file, extra, policy);
	snprintf(file, sizeof file, "%s.json", name);
	return test_write(file, text);
}

static const char one_cpu_one_gpu[] =
	"[{\"type\": \"cpu\"}, {\"type\": \"gpu\"}]";

/* Run the experiment's only policy into tmp/<name>/; *res gets the result.
 * Returns the path of its tasks.csv.gz (static storage). */
static const char *run(const char *exp, const char *name, sim_result *res)
{
	static char csv[700];
	char dir[600];
	snprintf(dir, sizeof dir, "%s/%s", test_tmpdir(), name);
	sim_experiment *x = NULL;
	ck_assert_msg(sim_experiment_load(&x, exp, &err) == 0, "%s", err.msg);
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	o.run_dir = dir;
	o.quiet = 1;
	ck_assert_msg(sim_run_policy(x, 0, &o, res, &err) == 0, "%s", err.msg);
	sim_experiment_free(x);
	snprintf(csv, sizeof csv, "%s/tasks.csv.gz", dir);
	return csv;
}

/* One task's row of tasks.csv.gz. */
typedef struct row {
	int seen;
	double start_s, end_s, deadline_s, energy_j;
	int machine;
	char outcome[16];
} row;

/* Read tasks.csv.gz into rows[id] (ids below n; every one must appear). */
static void read_rows(const char *path, row *rows, size_t n)
{
	memset(rows, 0, n * sizeof *rows);
	gzFile g = gzopen(path, "rb");
	ck_assert_msg(g != NULL, "%s", path);
	char line[1024];
	ck_assert(gzgets(g, line, sizeof line) != NULL); /* header */
	size_t count = 0;
	while (gzgets(g, line, sizeof line)) {
		/* id,task_type,arrival_s,start_s,end_s,deadline_s,machine,
		 * machine_type,outcome,energy_j */
		char *field[10];
		int k = 0;
		for (char *p = line, *f = line; k < 10; p++) {
			if (*p == ',' || *p == '\n' || *p == 0) {
				int end = *p != ',';
				*p = 0;
				field[k++] = f;
				f = p + 1;
				if (end)
					break;
			}
		}
		tck_int_eq(k, 10);
		size_t id = strtoul(field[0], NULL, 10);
		tck_assert_msg(id < n && !rows[id].seen, "id %zu", id);
		row *r = &rows[id];
		r->seen = 1;
		r->start_s = field[3][0] ? atof(field[3]) : NAN;
		r->end_s = field[4][0] ? atof(field[4]) : NAN;
		r->deadline_s = field[5][0] ? atof(field[5]) : INFINITY;
		r->machine = field[6][0] ? atoi(field[6]) : -1;
		snprintf(r->outcome, sizeof r->outcome, "%s", field[8]);
		r->energy_j = atof(field[9]);
		count++;
	}
	gzclose(g);
	ck_assert_uint_eq(count, n);
}

/* A hand-computed schedule: each task's machine, start and end. */
typedef struct planned {
	int machine;
	double start_s, end_s;
} planned;

static void check_schedule(const char *csv, const planned *w, size_t n,
			   row *rows)
{
	read_rows(csv, rows, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(rows[i].machine == w[i].machine,
			      "task %zu on machine %d, want %d", i,
			      rows[i].machine, w[i].machine);
		/* tasks.csv has 6 decimals; every time here has fewer */
		ck_assert_msg(rows[i].start_s == w[i].start_s &&
				      rows[i].end_s == w[i].end_s,
			      "task %zu runs %g-%g, want %g-%g", i,
			      rows[i].start_s, rows[i].end_s, w[i].start_s,
			      w[i].end_s);
	}
}

/* MCT on expected times size x the type's mean: a (2 s cpu, 1 s gpu) of
 * size 3 expects 6 / 3, so goes to gpu 0-3; a of size 0.5 to cpu 0-1
 * (1 < 3 + 0.5); b of size 2 (cpu only) waits for cpu: 1-7; a of size 4 at
 * 2: cpu 7 + 8, gpu 3 + 4, so gpu 3-7. Slack deadlines scale with size:
 * arrival + 2 x size x the fastest mean. */
START_TEST(size_scales_time_and_deadline_hand_schedule)
{
	test_write("size.csv", "arrival_s,task_type,size\n"
			       "0,a,3\n0,a,0.5\n0.5,b,2\n2,a,4\n");
	const char *exp = write_experiment(
		"size", PROFILE_AB, one_cpu_one_gpu, "size.csv", "mct",
		"\"deadline\": {\"slack\": 2, \"reference\": \"fastest\"},");
	sim_result r;
	const char *csv = run(exp, "size", &r);
	const planned w[] = {{1, 0, 3}, {0, 0, 1}, {0, 1, 7}, {1, 3, 7}};
	row rows[4];
	check_schedule(csv, w, 4, rows);
	ck_assert_double_eq(r.makespan_s, 7);
	const double deadline[] = {6, 1, 12.5, 10};
	for (int i = 0; i < 4; i++) {
		ck_assert_double_eq(rows[i].deadline_s, deadline[i]);
		ck_assert_str_eq(rows[i].outcome, "completed");
	}
}
END_TEST

/* A random model: a task of size 2.5 takes exactly 2.5 x what the same
 * task of size 1 takes (the same common random number). One machine,
 * FCFS, every task at 0: the makespan is the sum of the times. */
START_TEST(size_scales_the_random_draw_exactly)
{
	const char *profile =
		"{\"machine_types\": [{\"name\": \"cpu\"}],"
		" \"task_types\": [{\"name\": \"a\"}],"
		" \"exec\": [{\"task\": \"a\", \"machine\": \"cpu\", \"model\":"
		" \"lognormal\", \"mu\": -1, \"sigma\": 0.8}]}";
	char one[4096] = "arrival_s,task_type\n", big[4096] =
		"arrival_s,task_type,size\n";
	for (int i = 0; i < 50; i++) {
		strcat(one, "0,a\n");
		strcat(big, "0,a,2.5\n");
	}
	test_write("draw1.csv", one);
	test_write("draw25.csv", big);
	const char *m = "[{\"type\": \"cpu\"}]";
	sim_result r1, r25;
	const char *e1 = write_experiment("draw1", profile, m, "draw1.csv",
					  "fcfs", "");
	row a[50], b[50];
	read_rows(run(e1, "draw1", &r1), a, 50);
	const char *e25 = write_experiment("draw25", profile, m, "draw25.csv",
					   "fcfs", "");
	read_rows(run(e25, "draw25", &r25), b, 50);
	ck_assert_double_eq_tol(r25.makespan_s / r1.makespan_s, 2.5, 1e-12);
	for (int i = 0; i < 50; i++) {
		double t1 = a[i].end_s - a[i].start_s;
		double t25 = b[i].end_s - b[i].start_s;
		ck_assert_msg(t1 > 0 && fabs(t25 - 2.5 * t1) < 1e-5,
			      "task %d: %g vs 2.5 x %g", i, t25, t1);
	}
}
END_TEST

/* exec_s replays on every machine type, exec_s:gpu on gpu; empty cells
 * fall back to exec_s, then to size x the model. Not clairvoyant: MCT
 * plans with size x the means (a: cpu 2, gpu 1). */
static const char replay_trace[] = "arrival_s,task_type,size,exec_s,exec_s:gpu\n"
				   "0,a,,5,\n"
				   "0,a,2,,0.25\n"
				   "1,b,,7,\n"
				   "1,a,3,,\n";

/* Task 0 expects gpu 1 < cpu 2: gpu, runs exec_s 5 (0-5). Task 1 expects
 * cpu 4, gpu (expected end 1) + 2 = 3: gpu, queued; runs 0.25 (size does
 * not scale a replayed time): 5-5.25. Task 2 (b, cpu only) runs 7: 1-8.
 * Task 3 expects cpu (expected end 4) + 6 = 10, gpu 1 + 2 (queued) + 3 = 6:
 * gpu, runs 3 x 1 (no replayed time): 5.25-8.25. */
START_TEST(exec_s_replays_times_exactly_hand_schedule)
{
	test_write("replay.csv", replay_trace);
	const char *exp = write_experiment("replay", PROFILE_AB,
					   one_cpu_one_gpu, "replay.csv",
					   "mct", "");
	sim_result r;
	const char *csv = run(exp, "replay", &r);
	const planned w[] = {{1, 0, 5}, {1, 5, 5.25}, {0, 1, 8}, {1, 5.25, 8.25}};
	row rows[4];
	check_schedule(csv, w, 4, rows);
	ck_assert_double_eq(r.makespan_s, 8.25);
	/* energy above idle follows the replayed time: 20 W x time */
	const double energy[] = {100, 5, 140, 60};
	for (int i = 0; i < 4; i++)
		ck_assert_double_eq_tol(rows[i].energy_j, energy[i], 1e-9);
	/* the run's energy: idle 10 W x 2 machines x 8.25 s + 20 W x busy */
	ck_assert_double_eq_tol(r.energy_j, 10 * 2 * 8.25 + 20 * 15.25, 1e-9);
}
END_TEST

/* The same trace, clairvoyant: MCT sees the actual times. Task 0 takes 5
 * on both: tie, lowest index, cpu 0-5. Task 1: cpu 5 + 4 = 9, gpu 0.25:
 * gpu 0-0.25. Task 2 (cpu only): 5-12. Task 3: cpu 12 + 6, gpu (idle) 1 +
 * 3: gpu 1-4. */
START_TEST(clairvoyant_mct_plans_with_actual_times_hand_schedule)
{
	test_write("clair.csv", replay_trace);
	const char *exp = write_experiment("clair", PROFILE_AB,
					   one_cpu_one_gpu, "clair.csv", "mct",
					   "\"clairvoyant\": true,");
	sim_result r;
	const char *csv = run(exp, "clair", &r);
	const planned w[] = {{0, 0, 5}, {1, 0, 0.25}, {0, 5, 12}, {1, 1, 4}};
	row rows[4];
	check_schedule(csv, w, 4, rows);
	ck_assert_double_eq(r.makespan_s, 12);
}
END_TEST

/* Batch mode (MinMin), no local queues (capacity 0), so tasks 2 and 3 wait
 * in the batch queue until both machines end at 10.
 * Clairvoyant: task 0 takes 10 on both, tie, cpu 0-10; task 1 gpu 0-10.
 * At 10 cpu's end comes first (started first): task 2 would end at 11 on
 * cpu, task 3 at 19: task 2 on cpu 10-11; then gpu: task 3, 10-11.
 * Blind (means a: cpu 2, gpu 1): task 0 to gpu, 1 to cpu; at 10 gpu ends
 * first: both expect 11 there, the earlier task wins: task 2 on gpu
 * (really 9) 10-19, task 3 on cpu (really 9) 10-19. */
START_TEST(clairvoyant_minmin_batch_hand_schedule)
{
	test_write("batch.csv", "arrival_s,task_type,exec_s,exec_s:cpu,exec_s:gpu\n"
				"0,a,10,,\n"
				"0,a,10,,\n"
				"0,a,,1,9\n"
				"0,a,,9,1\n");
	row rows[4];
	sim_result r;
	const char *exp = write_experiment(
		"batch_c", PROFILE_AB, one_cpu_one_gpu, "batch.csv", "minmin",
		"\"clairvoyant\": true, \"queue\": {\"capacity\": 0},");
	const planned wc[] = {{0, 0, 10}, {1, 0, 10}, {0, 10, 11}, {1, 10, 11}};
	check_schedule(run(exp, "batch_c", &r), wc, 4, rows);
	ck_assert_double_eq(r.makespan_s, 11);
	exp = write_experiment("batch_b", PROFILE_AB, one_cpu_one_gpu,
			       "batch.csv", "minmin",
			       "\"queue\": {\"capacity\": 0},");
	const planned wb[] = {{1, 0, 10}, {0, 0, 10}, {1, 10, 19}, {0, 10, 19}};
	check_schedule(run(exp, "batch_b", &r), wb, 4, rows);
	ck_assert_double_eq(r.makespan_s, 19);
}
END_TEST

/* Batch policies plan with size x the means too. MinMin, no local queues:
 * a of size 10 expects cpu 20, gpu 10: gpu 0-10; size 1 takes cpu 0-2;
 * sizes 4 and 0.5 wait. At 2 cpu frees: 2 + 8 against 2 + 1: the small one
 * first, 2-3, then the other 3-11. (With the types' means alone both would
 * expect 4 and the earlier, size 4, would go first.) */
START_TEST(batch_policies_see_size_scaled_expectations)
{
	test_write("bsize.csv", "arrival_s,task_type,size\n"
				"0,a,10\n0,a,1\n0,a,4\n0,a,0.5\n");
	const char *exp = write_experiment("bsize", PROFILE_AB,
					   one_cpu_one_gpu, "bsize.csv",
					   "minmin",
					   "\"queue\": {\"capacity\": 0},");
	sim_result r;
	const planned w[] = {{1, 0, 10}, {0, 0, 2}, {0, 3, 11}, {0, 2, 3}};
	row rows[4];
	check_schedule(run(exp, "bsize", &r), w, 4, rows);
	ck_assert_double_eq(r.makespan_s, 11);
}
END_TEST

/* Merged runs (profiles/profile.h "merge"): a request's time is its size
 * x the draw, or its replayed time, and it adds that less the run's shared
 * part (1 s here, whatever the sizes); what MCT expects a merged request to
 * add is its own expected time (size x the mean, or clairvoyant the actual)
 * less the shared part. Two cpus; a takes 3 s, b 2 s, c 5 s per unit.
 * Tasks 0 and 1 run 0-3 on cpus 0 and 1. Task 2 (a, size 2: 6 s) ties at
 * 3 + 6 and queues on cpu 0, leading a run on input 1 that task 3 (b, size
 * 3: 6 s, adds 5) and task 4 (c, replayed 4 s, adds 3) join: 3-17, saving
 * 1 s each. Task 5 (a, size 4: 12 s) expects cpu 0 at 3 + 15 (clairvoyant
 * 14) + 12, cpu 1 at 3 + 12: cpu 1, 3-15. Task 6 (a, 3 s) expects cpu 0 at
 * 3 + 15 (14) + 3 = 21 (20), cpu 1 at 18: cpu 1, 15-18. (Expecting the
 * types' parts alone, b's 2 - 1 and c's 5 - 1, it would see cpu 0 at 17
 * and go there.) */
START_TEST(merged_runs_add_scaled_and_replayed_parts)
{
	test_write("msize.csv", "arrival_s,task_type,size,key,exec_s\n"
				"0,a,1,,\n0,a,1,,\n0,a,2,1,\n0,b,3,1,\n"
				"0,c,,1,4\n0,a,4,,\n0,a,1,,\n");
	for (int clairvoyant = 0; clairvoyant < 2; clairvoyant++) {
		char text[4096], name[32];
		snprintf(name, sizeof name, "msize%d", clairvoyant);
		snprintf(text, sizeof text,
			 "{\"profile\": {\"machine_types\": [{\"name\": \"cpu\"}],"
			 " \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"c\"}],"
			 " \"exec\": ["
			 "{\"task\": \"a\", \"machine\": \"cpu\", \"model\": \"constant\", \"value\": 3},"
			 "{\"task\": \"b\", \"machine\": \"cpu\", \"model\": \"constant\", \"value\": 2},"
			 "{\"task\": \"c\", \"machine\": \"cpu\", \"model\": \"constant\", \"value\": 5}],"
			 " \"merge\": [{\"machine\": \"cpu\", \"shared_s\": 1}]},"
			 " \"machines\": [{\"type\": \"cpu\", \"count\": 2}],"
			 " \"workload\": {\"arrival\": \"trace\", \"file\": \"msize.csv\","
			 " \"segments\": {\"count\": 2}},"
			 " \"merging\": {\"strategy\": \"always\"}, \"clairvoyant\": %s,"
			 " \"policy\": \"mct\", \"output\": {\"dir\": \"\"}}\n",
			 clairvoyant ? "true" : "false");
		char file[48];
		snprintf(file, sizeof file, "%s.json", name);
		const char *exp = test_write(file, text);
		sim_result r;
		const planned w[] = {{0, 0, 3},	 {1, 0, 3},  {0, 3, 17},
				     {0, 3, 17}, {0, 3, 17}, {1, 3, 15},
				     {1, 15, 18}};
		row rows[7];
		check_schedule(run(exp, name, &r), w, 7, rows);
		ck_assert_double_eq(r.makespan_s, 18);
		ck_assert_uint_eq(r.merged, 2);
		ck_assert_double_eq(r.saved_s, 2);
	}
}
END_TEST

/* ------------------------------------------------------ the MCT oracle */

static uint64_t mix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

#define ORACLE_TASKS 20000
static const char *const oracle_types[] = {"cpu", "gpu", "tpu", "fpga"};
static const char oracle_machines[] = "cpu,cpu,gpu,gpu,tpu,fpga";
/* unit times (s) of task types x, y, z on cpu, gpu, tpu, fpga */
static const double oracle_unit[3][4] = {{1.5, 0.5, 0.75, 1.25},
					 {2.25, 0.625, 1.0, 0.875},
					 {0.5, 1.5, 2.0, 0.25}};

static const char *oracle_profile(char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(
		buf, cap,
		"{\"machine_types\": [{\"name\": \"cpu\"}, {\"name\": \"gpu\"},"
		" {\"name\": \"tpu\"}, {\"name\": \"fpga\"}],"
		" \"task_types\": [{\"name\": \"x\"}, {\"name\": \"y\"},"
		" {\"name\": \"z\"}], \"exec\": [");
	for (int t = 0; t < 3; t++)
		for (int m = 0; m < 4; m++)
			n += (size_t)snprintf(
				buf + n, cap - n,
				"%s{\"task\": \"%c\", \"machine\": \"%s\","
				" \"model\": \"constant\", \"value\": %.17g}",
				t + m ? ", " : "", "xyz"[t], oracle_types[m],
				oracle_unit[t][m]);
	snprintf(buf + n, cap - n, "]}");
	return buf;
}

/* A time in (0, 2.5]: dyadic (k / 64, sums exact, ties frequent) or with
 * three decimals (rounded in binary). */
static void put_time(FILE *f, uint64_t *st, int dyadic)
{
	uint64_t k = 1 + mix64(st) % 160;
	if (dyadic)
		fprintf(f, "%.17g", (double)k / 64);
	else
		fprintf(f, "%.3f", (double)k / 64 + (double)(mix64(st) % 1000) / 1e6);
}

/* 2 x 10^4 tasks, a little more than the machines can take (queues grow),
 * each row mixing the three sources of a time: per-type cells, the exec_s
 * cell, size x the unit time (some rows have no size: 1). */
static void write_oracle_trace(const char *path, int dyadic, uint64_t seed)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s", path);
	fprintf(f, "arrival_s,task_type,size,exec_s");
	for (int m = 0; m < 4; m++)
		fprintf(f, ",exec_s:%s", oracle_types[m]);
	fputc('\n', f);
	uint64_t st = seed, ticks = 0;
	for (int i = 0; i < ORACLE_TASKS; i++) {
		ticks += mix64(&st) % 60; /* gaps of k / 256 s, or k x 4.3 ms */
		if (dyadic)
			fprintf(f, "%.17g,", (double)ticks / 256);
		else
			fprintf(f, "%.4f,", (double)ticks * 0.0043);
		fprintf(f, "%c,", "xyz"[mix64(&st) % 3]);
		if (mix64(&st) % 4)
			fprintf(f, "%.17g", (double)(1 + mix64(&st) % 12) / 4);
		fputc(',', f);
		if (mix64(&st) % 3 == 0)
			put_time(f, &st, dyadic);
		for (int m = 0; m < 4; m++) {
			fputc(',', f);
			if (mix64(&st) % 2)
				put_time(f, &st, dyadic);
		}
		fputc('\n', f);
	}
	ck_assert_int_eq(fclose(f), 0);
}

/* Run the oracle on the trace: out[id] = its machine; returns the
 * makespan as the oracle printed it. */
static void run_oracle(const char *trace, int *machine_of, char *makespan,
		       size_t cap)
{
	char units[1024], cmd[4096], out[700];
	size_t n = 0;
	for (int t = 0; t < 3; t++)
		for (int m = 0; m < 4; m++)
			n += (size_t)snprintf(units + n, sizeof units - n,
					      "%s%c:%s:%.17g", n ? " " : "",
					      "xyz"[t], oracle_types[m],
					      oracle_unit[t][m]);
	snprintf(out, sizeof out, "%s.oracle", trace);
	snprintf(cmd, sizeof cmd,
		 "(awk -v machines=%s -v units='%s' -f tests/oracle/mct.awk '%s' > '%s')",
		 oracle_machines, units, trace, out);
	char msg[512];
	ck_assert_msg(test_run(cmd, msg, sizeof msg) == 0, "oracle: %s", msg);
	FILE *f = fopen(out, "r");
	ck_assert(f != NULL);
	char line[256];
	int count = 0;
	makespan[0] = 0;
	while (fgets(line, sizeof line, f)) {
		int id, m;
		if (sscanf(line, "makespan %63s", makespan) == 1)
			continue;
		tck_assert_msg(sscanf(line, "%d %d", &id, &m) == 2, "%s", line);
		tck_assert(id == count && id < ORACLE_TASKS);
		machine_of[id] = m;
		count++;
	}
	fclose(f);
	ck_assert_int_eq(count, ORACLE_TASKS);
	ck_assert(makespan[0] && strlen(makespan) < cap);
}

/* hetsim's MCT with clairvoyant on the trace; its makespan (%.17g) and
 * each task's machine must be the oracle's. Without clairvoyance they must
 * not be (else the test could not tell the option's effect). */
static void compare_with_oracle(const char *name, int dyadic, uint64_t seed)
{
	char trace_name[64], trace[600], prof[4096], machines[256];
	snprintf(trace_name, sizeof trace_name, "%s.csv", name);
	snprintf(trace, sizeof trace, "%s/%s", test_tmpdir(), trace_name);
	write_oracle_trace(trace, dyadic, seed);
	static int oracle_machine[ORACLE_TASKS];
	static row rows[ORACLE_TASKS];
	char want[64];
	run_oracle(trace, oracle_machine, want, sizeof want);
	snprintf(machines, sizeof machines,
		 "[{\"type\": \"cpu\", \"count\": 2}, {\"type\": \"gpu\", \"count\": 2},"
		 " {\"type\": \"tpu\"}, {\"type\": \"fpga\"}]");
	for (int clairvoyant = 1; clairvoyant >= 0; clairvoyant--) {
		char run_name[80], got[64];
		snprintf(run_name, sizeof run_name, "%s_%d", name, clairvoyant);
		const char *exp = write_experiment(
			run_name, oracle_profile(prof, sizeof prof), machines,
			trace_name, "mct",
			clairvoyant ? "\"clairvoyant\": true," : "");
		sim_result r;
		read_rows(run(exp, run_name, &r), rows, ORACLE_TASKS);
		snprintf(got, sizeof got, "%.17g", r.makespan_s);
		int differ = 0;
		for (int i = 0; i < ORACLE_TASKS; i++)
			differ += rows[i].machine != oracle_machine[i];
		printf("replay %s: %s MCT makespan %s (oracle %s), %d of %d "
		       "tasks on another machine\n",
		       name, clairvoyant ? "clairvoyant" : "blind", got, want,
		       differ, ORACLE_TASKS);
		if (clairvoyant) {
			ck_assert_msg(strcmp(got, want) == 0,
				      "%s: makespan %s, oracle %s", name, got,
				      want);
			ck_assert_msg(differ == 0,
				      "%s: %d tasks on another machine than "
				      "the oracle's",
				      name, differ);
		} else {
			ck_assert_msg(strcmp(got, want) != 0 && differ > 0,
				      "%s: blind MCT matches the oracle", name);
		}
	}
}

START_TEST(clairvoyant_mct_matches_oracle_dyadic_times_with_ties)
{
	compare_with_oracle("oracle_dyadic", 1, 12);
}
END_TEST

START_TEST(clairvoyant_mct_matches_oracle_decimal_times)
{
	compare_with_oracle("oracle_decimal", 0, 34);
}
END_TEST

/* Random models, no replayed times: what clairvoyant MCT plans with is the
 * common random number's draw, and the time the task then takes is the
 * same draw. The draws (from hetsim's profile and rng modules: the
 * oracle's input, not its schedule) are written into a trace for the
 * oracle; hetsim reads the trace without them. */
START_TEST(clairvoyant_plans_with_the_draw_it_executes)
{
	const char *profile_text =
		"{\"machine_types\": [{\"name\": \"cpu\"}, {\"name\": \"gpu\"}],"
		" \"task_types\": [{\"name\": \"x\"}, {\"name\": \"y\"}],"
		" \"exec\": ["
		"{\"task\": \"x\", \"machine\": \"cpu\", \"model\": \"lognormal\", \"mu\": 0, \"sigma\": 0.5},"
		"{\"task\": \"x\", \"machine\": \"gpu\", \"model\": \"gamma\", \"shape\": 2, \"scale\": 0.3},"
		"{\"task\": \"y\", \"machine\": \"cpu\", \"model\": \"uniform\", \"min\": 0.2, \"max\": 1.4},"
		"{\"task\": \"y\", \"machine\": \"gpu\", \"model\": \"weibull\", \"shape\": 1.5, \"scale\": 1.1}]}";
	const char *ppath = test_write("draw_profile.json", profile_text);
	prof_profile *p = NULL;
	ck_assert_msg(prof_load(&p, ppath, &err) == 0, "%s", err.msg);
	enum { N = 3000 };
	char trace[600], full[600];
	snprintf(trace, sizeof trace, "%s/draws.csv", test_tmpdir());
	snprintf(full, sizeof full, "%s/draws_full.csv", test_tmpdir());
	FILE *t = fopen(trace, "w"), *o = fopen(full, "w");
	ck_assert(t && o);
	fprintf(t, "arrival_s,task_type\n");
	fprintf(o, "arrival_s,task_type,exec_s:cpu,exec_s:gpu\n");
	uint64_t st = 77;
	double at = 0;
	for (uint64_t id = 0; id < N; id++) {
		at += (double)(mix64(&st) % 100) / 400;
		uint32_t type = (uint32_t)(mix64(&st) % 2);
		fprintf(t, "%.17g,%s\n", at, p->tasks[type].name);
		fprintf(o, "%.17g,%s", at, p->tasks[type].name);
		for (uint32_t mt = 0; mt < 2; mt++) {
			double u = sim_task_uniform_on(5, id, mt, 1.0);
			fprintf(o, ",%.17g", prof_sample(p, type, mt, u));
		}
		fputc('\n', o);
	}
	ck_assert(fclose(t) == 0 && fclose(o) == 0);
	prof_free(p);
	static int oracle_machine[N];
	static row rows[N];
	char want[64], got[64];
	char units[] = "x:cpu:0 x:gpu:0 y:cpu:0 y:gpu:0"; /* unused: all given */
	char cmd[2048], msg[512], out[700];
	snprintf(out, sizeof out, "%s.oracle", full);
	snprintf(cmd, sizeof cmd,
		 "(awk -v machines=cpu,gpu,gpu -v units='%s' -f tests/oracle/mct.awk '%s' > '%s')",
		 units, full, out);
	ck_assert_msg(test_run(cmd, msg, sizeof msg) == 0, "oracle: %s", msg);
	FILE *f = fopen(out, "r");
	ck_assert(f != NULL);
	char line[256];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		int id, m;
		if (sscanf(line, "makespan %63s", want) == 1)
			continue;
		tck_assert(sscanf(line, "%d %d", &id, &m) == 2 && id == n);
		oracle_machine[n++] = m;
	}
	fclose(f);
	ck_assert_int_eq(n, N);
	char prof_ref[700];
	snprintf(prof_ref, sizeof prof_ref, "\"%s\"", "draw_profile.json");
	const char *exp = write_experiment(
		"draws", prof_ref,
		"[{\"type\": \"cpu\"}, {\"type\": \"gpu\", \"count\": 2}]",
		"draws.csv", "mct", "\"clairvoyant\": true,");
	sim_result r;
	read_rows(run(exp, "draws", &r), rows, N);
	snprintf(got, sizeof got, "%.17g", r.makespan_s);
	ck_assert_msg(strcmp(got, want) == 0, "makespan %s, oracle %s", got,
		      want);
	for (int i = 0; i < N; i++)
		tck_assert_msg(rows[i].machine == oracle_machine[i],
			      "task %d on %d, oracle %d", i, rows[i].machine,
			      oracle_machine[i]);
}
END_TEST

/* ---------------------------------------------------------- bad input */

/* `hetsim run` on a bad trace or option: exit status 1 or 2, one line on
 * stderr that holds want. */
static void expect_run_error(const char *name, const char *trace,
			     const char *extra, const char *want)
{
	char tname[64], cmd[1400], msg[2048];
	snprintf(tname, sizeof tname, "%s.csv", name);
	test_write(tname, trace);
	const char *exp = write_experiment(name, PROFILE_AB, one_cpu_one_gpu,
					   tname, "mct", extra);
	snprintf(cmd, sizeof cmd, "%s run '%s' --out '%s/%s.out' --quiet",
		 test_bin(), exp, test_tmpdir(), name);
	int st = test_run(cmd, msg, sizeof msg);
	ck_assert_msg(st == 1 || st == 2, "%s: status %d: %s", name, st, msg);
	char *nl = strchr(msg, '\n');
	ck_assert_msg(nl && nl[1] == 0, "%s: not one line: [%s]", name, msg);
	ck_assert_msg(strstr(msg, want) != NULL, "%s: want [%s] in [%s]",
		      name, want, msg);
}

START_TEST(bad_sizes_times_and_options_are_located_errors)
{
	expect_run_error("size0", "arrival_s,task_type,size\n0,a,1\n1,a,0\n",
			 "", "size0.csv:3: size 0 is not positive");
	expect_run_error("sizeneg", "0,a,,-2\n", "",
			 "sizeneg.csv:1: size -2 is not positive");
	expect_run_error("sizeinf", "arrival_s,task_type,size\n0,a,inf\n", "",
			 "sizeinf.csv:2: size \"inf\" is not a finite number");
	expect_run_error("sizebig", "0,b,,5e14\n", "",
			 "task 0 (type \"b\", size 5e+14) takes 1.5e+15 s on "
			 "machine type \"cpu\" (size x the drawn time)");
	expect_run_error("execneg",
			 "arrival_s,task_type,exec_s:gpu\n0,a,1\n0,a,-1\n", "",
			 "execneg.csv:3: exec_s:gpu -1 is negative");
	expect_run_error("execallneg", "arrival_s,task_type,exec_s\n0,a,-0.5\n",
			 "", "execallneg.csv:2: exec_s -0.5 is negative");
	expect_run_error("execinf", "arrival_s,task_type,exec_s:cpu\n0,a,inf\n",
			 "", "execinf.csv:2: exec_s:cpu \"inf\" is not a finite");
	expect_run_error("exectype",
			 "arrival_s,task_type,exec_s:cpu,exec_s:tpu\n0,a,1,2\n",
			 "", "exectype.csv:1: header column 4 \"exec_s:tpu\": "
			     "the profile has no machine type \"tpu\"");
	expect_run_error("execcannot",
			 "arrival_s,task_type,exec_s:gpu\n0,a,1\n0,b,2\n", "",
			 "execcannot.csv:3: exec_s:gpu 2: task type \"b\" cannot "
			 "run on machine type \"gpu\"");
	expect_run_error("execnohdr", "arrival_s,task_type,exec_s,exec_s\n0,a,1,2\n",
			 "", "header column 4 \"exec_s\" repeats column 3");
	expect_run_error("clairstr", "0,a\n", "\"clairvoyant\": \"yes\",",
			 "\"clairvoyant\" must be true or false");
	expect_run_error("clairnum", "0,a\n", "\"clairvoyant\": 1,",
			 "\"clairvoyant\" must be true or false");
}
END_TEST

/* An exec_s cell for a type the task cannot run on is fine when it comes
 * from the all-types exec_s column: it applies where the type can run. */
START_TEST(exec_s_applies_only_where_the_type_can_run)
{
	test_write("execall.csv", "arrival_s,task_type,exec_s\n0,b,4\n0,b,\n");
	const char *exp = write_experiment("execall", PROFILE_AB,
					   one_cpu_one_gpu, "execall.csv",
					   "mct", "");
	sim_result r;
	const planned w[] = {{0, 0, 4}, {0, 4, 7}};
	row rows[2];
	check_schedule(run(exp, "execall", &r), w, 2, rows);
}
END_TEST

/* `hetsim sweep` sets "clairvoyant" like any other key, and checks it. */
START_TEST(sweep_sets_clairvoyant)
{
	test_write("sweepc.csv", replay_trace);
	write_experiment("sweepc_base", PROFILE_AB, one_cpu_one_gpu,
			 "sweepc.csv", "mct", "");
	char res[600], body[1400], cmd[2000], msg[2048];
	snprintf(res, sizeof res, "%s/sweepc.jsonl", test_tmpdir());
	snprintf(body, sizeof body,
		 "{\"base\": \"sweepc_base.json\","
		 " \"parameters\": {\"clairvoyant\": [false, true]},"
		 " \"results\": \"%s\"}\n",
		 res);
	const char *sweep = test_write("sweepc.json", body);
	snprintf(cmd, sizeof cmd, "%s sweep '%s' -j 1", test_bin(), sweep);
	ck_assert_msg(test_run(cmd, msg, sizeof msg) == 0, "%s", msg);
	char *text = test_slurp(res, NULL);
	ck_assert(text != NULL);
	/* one line per case: blind 8.25 (as exec_s_replays_...), clairvoyant 12 */
	int found_blind = 0, found_clair = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		json_error_t jerr;
		json_t *j = json_loads(line, 0, &jerr);
		ck_assert_msg(j != NULL, "%s", jerr.text);
		const json_t *c = json_object_get(json_object_get(j, "params"),
						  "clairvoyant");
		double makespan = json_number_value(json_object_get(
			json_object_get(j, "metrics"), "makespan_s"));
		ck_assert(json_is_boolean(c));
		if (json_is_true(c)) {
			ck_assert_double_eq(makespan, 12);
			found_clair++;
		} else {
			ck_assert_double_eq(makespan, 8.25);
			found_blind++;
		}
		json_decref(j);
	}
	free(text);
	ck_assert(found_blind == 1 && found_clair == 1);
	/* a bad value fails before anything runs, naming the key */
	snprintf(body, sizeof body,
		 "{\"base\": \"sweepc_base.json\","
		 " \"parameters\": {\"clairvoyant\": [\"yes\"]},"
		 " \"results\": \"%s.bad\"}\n",
		 res);
	sweep = test_write("sweepc_bad.json", body);
	snprintf(cmd, sizeof cmd, "%s sweep '%s' -j 1", test_bin(), sweep);
	ck_assert_int_ne(test_run(cmd, msg, sizeof msg), 0);
	ck_assert_msg(strstr(msg, "\"clairvoyant\" must be true or false"),
		      "%s", msg);
}
END_TEST

/* Events at one instant go in the order they were scheduled: a task's
 * completion, scheduled when it started, comes before the next arrival,
 * drawn after it. So a task arriving as another ends finds its machine
 * free: fcfs (first free machine) puts each task of the trace on the gpu
 * (index 0, 1 s), never on the cpu (2 s): 0-1, 1-2, 2-3. The other order
 * would send tasks 1 and 2 to the cpu. */
START_TEST(completion_before_arrival_at_one_instant)
{
	test_write("instant.csv", "arrival_s,task_type\n0,a\n1,a\n2,a\n");
	const char *exp = write_experiment(
		"instant", PROFILE_AB, "[{\"type\": \"gpu\"}, {\"type\": \"cpu\"}]",
		"instant.csv", "fcfs", "");
	sim_result r;
	const char *csv = run(exp, "instant", &r);
	const planned w[] = {{0, 0, 1}, {0, 1, 2}, {0, 2, 3}};
	row rows[3];
	check_schedule(csv, w, 3, rows);
	ck_assert_double_eq(r.makespan_s, 3);
}
END_TEST

Suite *suite_replay(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("replay");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, size_scales_time_and_deadline_hand_schedule);
	tcase_add_test(tc, size_scales_the_random_draw_exactly);
	tcase_add_test(tc, exec_s_replays_times_exactly_hand_schedule);
	tcase_add_test(tc, completion_before_arrival_at_one_instant);
	tcase_add_test(tc, clairvoyant_mct_plans_with_actual_times_hand_schedule);
	tcase_add_test(tc, clairvoyant_minmin_batch_hand_schedule);
	tcase_add_test(tc, batch_policies_see_size_scaled_expectations);
	tcase_add_test(tc, merged_runs_add_scaled_and_replayed_parts);
	tcase_add_test(tc, clairvoyant_mct_matches_oracle_dyadic_times_with_ties);
	tcase_add_test(tc, clairvoyant_mct_matches_oracle_decimal_times);
	tcase_add_test(tc, clairvoyant_plans_with_the_draw_it_executes);
	tcase_add_test(tc, bad_sizes_times_and_options_are_located_errors);
	tcase_add_test(tc, exec_s_applies_only_where_the_type_can_run);
	tcase_add_test(tc, sweep_sets_clairvoyant);
	suite_add_tcase(s, tc);
	return s;
}
