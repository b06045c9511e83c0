/* tests/test_anomaly.c — anomalies injected into workflow runs ("anomalies"
 * of an experiment, sim/engine.c "anomalies"): each model's known answer
 * on a one-job workflow (cpu: processor sharing of slots with the taken
 * cores, exact over a window that opens mid-phase; hdd: stage-in at the
 * disk's leftover bandwidth; loss: stage-in at streams x the Padhye et
 * al. rate, or at the Mathis rate), each
 * leaving the phases it should alone, a window after the run changing
 * nothing (the same jobs.csv bytes), and bad specs as located errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "sim/sim.h"
#include "tests/tests.h"

/* One job of 100 s reading a file of in_bytes from storage (none if 0). */
static const char *one_job_dax(const char *name, double in_bytes)
{
	char text[1024];
	if (in_bytes > 0)
		snprintf(text, sizeof text,
			 "<adag version=\"3.6\">\n<job id=\"a\" name=\"t\" "
			 "runtime=\"100\">\n<uses file=\"in\" link=\"input\" "
			 "size=\"%.17g\"/>\n</job>\n</adag>\n", in_bytes);
	else
		snprintf(text, sizeof text,
			 "<adag version=\"3.6\">\n<job id=\"a\" name=\"t\" "
			 "runtime=\"100\"/>\n</adag>\n");
	return test_write(name, text);
}

/* An experiment on one machine of `slots` slots, 1 GB/s NIC (8 Gb/s) and a
 * 1 GB/s storage node, latency 1 ms, no WMS overheads, policy fcfs. */
static const char *experiment(const char *name, const char *dax, int slots,
			      const char *anomalies)
{
	char text[4096];
	snprintf(text, sizeof text,
		 "{\"profile\": {\"machine_types\": [{\"name\": \"vm\", "
		 "\"slots\": %d, \"nic_gbps\": 8}], \"task_types\": [{\"name\": "
		 "\"job\"}], \"exec\": [{\"task\": \"job\", \"machine\": \"vm\", "
		 "\"model\": \"constant\", \"value\": 1}]},\n"
		 " \"machines\": [{\"type\": \"vm\", \"count\": 1}],\n"
		 " \"workload\": {\"workflow\": \"%s\", \"storage_gbps\": 8,"
		 " \"latency_s\": 0.001},\n"
		 " \"wms\": \"none\",\n"
		 "%s%s%s"
		 " \"policy\": \"fcfs\"}\n",
		 slots, dax, anomalies ? " \"anomalies\": " : "",
		 anomalies ? anomalies : "", anomalies ? ",\n" : "");
	return test_write(name, text);
}

/* Run an experiment; its makespan, jobs.csv text into *jobs if asked. */
static double run_makespan(const char *path, char **jobs)
{
	sim_experiment *x = NULL;
	io_err err = {0};
	ck_assert_msg(sim_experiment_load(&x, path, &err) == 0, "%s", err.msg);
	char dir[700];
	snprintf(dir, sizeof dir, "%s/run", test_tmpdir());
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	o.run_dir = dir;
	o.tasks_csv = 1;
	o.quiet = 1;
	sim_result res;
	ck_assert_msg(sim_run_policy(x, 0, &o, &res, &err) == 0, "%s", err.msg);
	sim_experiment_free(x);
	if (jobs) {
		char p[800];
		snprintf(p, sizeof p, "%s/jobs.csv.gz", dir);
		gzFile g = gzopen(p, "rb");
		ck_assert_ptr_nonnull(g);
		char *buf = calloc(1, 1 << 16);
		ck_assert_int_gt(gzread(g, buf, (1 << 16) - 1), 0);
		gzclose(g);
		*jobs = buf;
	}
	return res.makespan_s;
}

static double makespan_of(const char *dax, int slots, const char *anomalies)
{
	return run_makespan(experiment("x.json", dax, slots, anomalies), NULL);
}

#define NEAR(a, b) (fabs((a) - (double)(b)) <= 1e-6 * fmax(1, fabs((double)(b))))

/* cpu: rate min(1, slots / (jobs holding slots + cores)). Alone on one
 * slot with one core taken: 2x; on 2 slots with 2 taken: 1.5x; a window
 * opening at 50 s: 50 s at full speed, the other 50 s of work at half. */
START_TEST(cpu_slows_computation_by_processor_sharing)
{
	const char *dax = one_job_dax("cpu.dax", 0);
	ck_assert(NEAR(makespan_of(dax, 1, NULL), 100));
	double a = makespan_of(dax, 1, "[{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0}]");
	ck_assert_msg(NEAR(a, 200), "%.9g", a);
	a = makespan_of(dax, 2, "[{\"kind\": \"cpu\", \"cores\": 2, \"node\": 0}]");
	ck_assert_msg(NEAR(a, 150), "%.9g", a);
	a = makespan_of(dax, 2, "[{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0}]");
	ck_assert_msg(NEAR(a, 100), "one job and one hog on two cores: %.9g", a);
	a = makespan_of(dax, 1, "[{\"kind\": \"cpu\", \"cores\": 1, \"machines\": [0],"
			" \"start_s\": 50}]");
	ck_assert_msg(NEAR(a, 150), "%.9g", a);
	/* a window closing at 60 s: 50 s of work by then, the rest at 1 */
	a = makespan_of(dax, 1, "[{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0,"
			" \"start_s\": 10, \"end_s\": 60}]");
	ck_assert_msg(NEAR(a, 125), "%.9g", a);
	/* two windows open together add their cores */
	a = makespan_of(dax, 1, "[{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0},"
			" {\"kind\": \"cpu\", \"cores\": 2, \"node\": 0}]");
	ck_assert_msg(NEAR(a, 400), "%.9g", a);
}
END_TEST

/* Stage-in of 1e11 bytes at 1 GB/s: 100 s (+ 1 ms latency). cpu leaves it
 * alone (only the 100 s of computation grow, 4x with 3 cores taken of 1);
 * hdd: the transfer runs at min(network rate, (D - x) / open stage-ins).
 * 75 MB/s of stress on a 150 MB/s disk leaves 75 MB/s: the 1000 MB/s
 * transfer is disk-bound, 1e11 / 75e6 = 1333.33 s; on a 1200 MB/s disk
 * 1125 MB/s are left, more than the network gives: untouched.
 * Computation is left alone either way. (submit_mb 0: the submit host is
 * not stressed here; it has its own test.) */
START_TEST(cpu_leaves_staging_alone_and_hdd_slows_only_disk_bound_staging)
{
	const char *dax = one_job_dax("st.dax", 1e11);
	double n = makespan_of(dax, 1, NULL);
	ck_assert_msg(NEAR(n, 200.001), "%.9g", n);
	double c = makespan_of(dax, 1, "[{\"kind\": \"cpu\", \"cores\": 3, \"node\": 0}]");
	ck_assert_msg(NEAR(c, 100.001 + 400), "%.9g", c);
	double h = makespan_of(dax, 1, "[{\"kind\": \"hdd\", \"mb_per_s\": 75, "
			       "\"disk_mb_per_s\": 150, \"submit_mb\": 0, \"node\": 0}]");
	ck_assert_msg(NEAR(h, 1e11 / 75e6 + 100), "disk-bound: %.9g", h);
	h = makespan_of(dax, 1, "[{\"kind\": \"hdd\", \"mb_per_s\": 75, "
			"\"disk_mb_per_s\": 1200, \"submit_mb\": 0, \"node\": 0}]");
	ck_assert_msg(NEAR(h, 200.001), "network-bound: %.9g", h);
	/* no staging: hdd changes nothing */
	const char *bare = one_job_dax("bare.dax", 0);
	h = makespan_of(bare, 1, "[{\"kind\": \"hdd\", \"mb_per_s\": 100, "
			"\"submit_mb\": 0, \"node\": 0}]");
	ck_assert_msg(NEAR(h, 100), "%.9g", h);
}
END_TEST

/* Two jobs of 100 s, each reading its own file of 1e11 bytes, on one
 * machine of 2 slots: the 1 GB/s link gives each 500 MB/s (200.001 s).
 * With 700 MB/s of stress on a 1200 MB/s disk, 500 MB/s are left for the
 * two stage-ins together: 250 MB/s each, 1e11 / 250e6 = 400 s, end 500 s.
 * With one slot they run one after the other, each alone getting
 * min(1000, 500) MB/s: 200 s of stage-in, ends at 300 and 600 s. */
START_TEST(hdd_shares_the_disk_left_among_open_stage_ins)
{
	const char *dax = test_write("two.dax",
		"<adag version=\"3.6\">\n"
		"<job id=\"a\" name=\"t\" runtime=\"100\">\n"
		"<uses file=\"ia\" link=\"input\" size=\"1e11\"/>\n</job>\n"
		"<job id=\"b\" name=\"t\" runtime=\"100\">\n"
		"<uses file=\"ib\" link=\"input\" size=\"1e11\"/>\n</job>\n"
		"</adag>\n");
	const char *hdd = "[{\"kind\": \"hdd\", \"mb_per_s\": 700, "
			  "\"disk_mb_per_s\": 1200, \"submit_mb\": 0, \"node\": 0}]";
	double n = makespan_of(dax, 2, NULL);
	ck_assert_msg(NEAR(n, 300.001), "%.9g", n);
	double h = makespan_of(dax, 2, hdd);
	ck_assert_msg(NEAR(h, 500), "two sharing the disk: %.9g", h);
	h = makespan_of(dax, 1, hdd);
	ck_assert_msg(NEAR(h, 600), "one at a time: %.9g", h);
}
END_TEST

/* The submit host: each submission writes submit_mb synchronously, at
 * D - x under the stress instead of D, one job after the other. 30 MB on
 * a 150 MB/s disk with 75 MB/s taken: 0.4 s instead of 0.2 s, 0.2 s more
 * per job; two jobs ready at once: the second waits for the first's
 * write, so it is submitted 0.4 s late. */
START_TEST(hdd_on_the_submit_host_delays_submissions_in_turn)
{
	const char *one = one_job_dax("sub1.dax", 0);
	const char *hdd = "[{\"kind\": \"hdd\", \"mb_per_s\": 75, "
			  "\"submit_disk_mb_per_s\": 150, \"submit_mb\": 30, \"node\": 0}]";
	double h = makespan_of(one, 1, hdd);
	ck_assert_msg(NEAR(h, 100.2), "%.9g", h);
	const char *two = test_write("sub2.dax",
		"<adag version=\"3.6\">\n<job id=\"a\" name=\"t\" runtime=\"100\"/>\n"
		"<job id=\"b\" name=\"t\" runtime=\"100\"/>\n</adag>\n");
	h = makespan_of(two, 2, hdd);
	ck_assert_msg(NEAR(h, 100.4), "%.9g", h);
	/* a window opening at 0.1 s: the first write runs 0.1 s at
	 * 150 MB/s, its other 15 MB at 75 MB/s (0.1 s more); the second,
	 * after that 0.1 s, all inside: 0.2 s more, submitted at 0.3 s (the
	 * unstressed write time is part of the fitted wms_delay: only the
	 * extra queues) */
	h = makespan_of(two, 2, "[{\"kind\": \"hdd\", \"mb_per_s\": 75, "
			"\"submit_disk_mb_per_s\": 150, \"submit_mb\": 30, \"node\": 0, "
			"\"start_s\": 0.1}]");
	ck_assert_msg(NEAR(h, 100.3), "%.9g", h);
}
END_TEST

/* The submit host's queueing response: a write of 10 MB on a disk with
 * D_s = 100 MB/s free takes 0.1 s; with x MB/s of stress 10 / (100 - x)
 * s, the extra (beyond the 0.1 s inside the fitted wms_delay) delays the
 * one job: x = 10: 1/90 s; x = 50: 0.1 s; x = 90: 0.9 s; x = 99: 9.9 s;
 * x = 150 (saturated): D_s / 100 = 1 MB/s left, 9.9 s. Well below
 * saturation next to nothing, growing fast near it. */
START_TEST(hdd_on_the_submit_host_is_a_queueing_knee)
{
	const char *one = one_job_dax("knee.dax", 0);
	static const struct { double x, extra; } c[] = {
		{10, 10.0 / 90 - 0.1}, {50, 0.1}, {90, 0.9}, {99, 9.9}, {150, 9.9}};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char a[256];
		snprintf(a, sizeof a, "[{\"kind\": \"hdd\", \"mb_per_s\": %g, "
			 "\"disk_mb_per_s\": 1000, \"submit_disk_mb_per_s\": 100, "
			 "\"submit_mb\": 10, \"node\": 0}]", c[i].x);
		double h = makespan_of(one, 1, a);
		ck_assert_msg(NEAR(h, 100 + c[i].extra), "x %g: %.9g", c[i].x, h);
	}
}
END_TEST

/* cpu with "cpu_bound" f: only the CPU share of the computation is
 * shared, time (1 - f) + f max(1, (n + k) / c) per second of work. One
 * job of 100 s alone on one slot, one core taken: f = 0.25: 75 + 25 x 2
 * = 125 s; f = 0: 100 s; on 2 slots with 2 cores taken ((1 + 2) / 2 =
 * 1.5), f = 0.5: 50 + 50 x 1.5 = 125 s; a window opening at 50 s, f =
 * 0.25 on one slot: 50 s, then 50 x 1.25 = 62.5 s: 112.5 s. A type
 * that is not the workflow's, or a share outside [0, 1]: a located
 * error. */
START_TEST(cpu_slows_only_the_cpu_bound_share)
{
	const char *dax = one_job_dax("cb.dax", 0);
	static const struct { int slots; const char *spec; double want; } c[] = {
		{1, "[{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0}], "
		    "\"cpu_bound\": {\"t\": 0.25}", 125},
		{1, "[{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0}], "
		    "\"cpu_bound\": {\"t\": 0}", 100},
		{1, "[{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0}], "
		    "\"cpu_bound\": {\"t\": 1}", 200},
		{2, "[{\"kind\": \"cpu\", \"cores\": 2, \"node\": 0}], "
		    "\"cpu_bound\": {\"t\": 0.5}", 125},
		{1, "[{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0, "
		    "\"start_s\": 50}], \"cpu_bound\": {\"t\": 0.25}", 112.5}};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		double a = makespan_of(dax, c[i].slots, c[i].spec);
		ck_assert_msg(NEAR(a, c[i].want), "case %zu: %.9g", i, a);
	}
	static const struct { const char *spec, *want; } bad[] = {
		{"[], \"cpu_bound\": {\"nope\": 0.5}", "no task type \"nope\""},
		{"[], \"cpu_bound\": {\"t\": 1.5}", "in [0, 1]"},
		{"[], \"cpu_bound\": [0.5]", "must be an object"}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sim_experiment *x = NULL;
		io_err err = {0};
		const char *path = experiment("cbbad.json", dax, 1, bad[i].spec);
		ck_assert_int_ne(sim_experiment_load(&x, path, &err), 0);
		ck_assert_msg(strstr(err.msg, bad[i].want) && strstr(err.msg, "cbbad.json"),
			      "%s", err.msg);
	}
}
END_TEST

/* loss p on the machine, "tcp": "mathis": its stage-in flow is capped at
 * the Mathis rate MSS / (RTT sqrt(2p/3)), RTT = 2 x latency; computation
 * is left alone. */
START_TEST(loss_caps_staging_at_the_mathis_rate)
{
	const char *dax = one_job_dax("loss.dax", 1e9);
	double cap = 1460.0 / (0.002 * sqrt(2 * 0.01 / 3));
	double l = makespan_of(dax, 1, "[{\"kind\": \"loss\", \"percent\": 1, "
			       "\"tcp\": \"mathis\", \"node\": 0}]");
	ck_assert_msg(NEAR(l, 0.001 + 1e9 / cap + 100), "%.9g vs %.9g", l,
		      0.001 + 1e9 / cap + 100);
	const char *bare = one_job_dax("bare.dax", 0);
	l = makespan_of(bare, 1, "[{\"kind\": \"loss\", \"percent\": 5, \"node\": 0}]");
	ck_assert_msg(NEAR(l, 100), "%.9g", l);
}
END_TEST

/* The default TCP model, pftk: the flow runs at streams x B(p), Padhye et
 * al.'s rate with b = 2 and T0 = rto_s, by the formula written out here:
 * 1e9 bytes at loss 5 %, RTT 2 ms: one stream gives 1460 / (0.002
 * sqrt(0.2/3) + 0.2 min(1, 3 sqrt(0.0375)) 0.05 1.08) = 213.0 kB/s (below
 * the Mathis rate of any loss < 1 at this RTT: the network's MSS is
 * lowered); 8 streams (the default) 8 x that; rto_s 1 s slower. */
START_TEST(loss_caps_staging_at_the_pftk_rate)
{
	const char *dax = one_job_dax("pftk.dax", 1e9);
	const double rtt = 0.002, p = 0.05, b = 2;
	static const struct {
		const char *opts;
		double streams, t0;
	} cases[] = {
		{"", 8, 0.2},
		{", \"streams\": 1", 1, 0.2},
		{", \"streams\": 3, \"rto_s\": 1", 3, 1},
		{", \"tcp\": \"pftk\", \"streams\": 20", 20, 0.2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double one = 1460 / (rtt * sqrt(2 * b * p / 3) +
				     cases[i].t0 * fmin(1, 3 * sqrt(3 * b * p / 8)) *
					     p * (1 + 32 * p * p));
		double want = 0.001 + 1e9 / (cases[i].streams * one) + 100;
		char spec[256];
		snprintf(spec, sizeof spec, "[{\"kind\": \"loss\", \"percent\": 5%s, "
			 "\"node\": 0}]", cases[i].opts);
		double l = makespan_of(dax, 1, spec);
		ck_assert_msg(NEAR(l, want), "%s: %.9g vs %.9g", spec, l, want);
	}
	/* 0.1 %: 8 streams reach 29.6 MB/s, far below the 1 GB/s link: capped */
	double one = 1460 / (rtt * sqrt(2 * b * 0.001 / 3) +
			     0.2 * 3 * sqrt(3 * b * 0.001 / 8) * 0.001 * (1 + 32e-6));
	double l = makespan_of(dax, 1, "[{\"kind\": \"loss\", \"percent\": 0.1, \"node\": 0}]");
	ck_assert_msg(NEAR(l, 0.001 + 1e9 / (8 * one) + 100), "%.9g", l);
}
END_TEST

/* A window that opens after the run ends: the same jobs.csv and
 * summary.json, byte for byte, for each kind (the loss edge pending at the end must not move
 * the run's end either). */
START_TEST(a_window_after_the_run_changes_nothing)
{
	const char *dax = one_job_dax("late.dax", 1e9);
	char *normal = NULL, *late = NULL, path[800];
	double n = run_makespan(experiment("same.json", dax, 1, NULL), &normal);
	snprintf(path, sizeof path, "%s/run/summary.json", test_tmpdir());
	char *normal_summary = test_slurp(path, NULL);
	ck_assert_ptr_nonnull(normal_summary);
	static const char *const kinds[] = {
		"[{\"kind\": \"cpu\", \"cores\": 3, \"node\": 0, \"start_s\": 500}]",
		"[{\"kind\": \"hdd\", \"mb_per_s\": 100, \"node\": 0, \"start_s\": 500}]",
		("[{\"kind\": \"loss\", \"percent\": 5, \"node\": 0, \"start_s\": 500,"
		 " \"end_s\": 600}]")};
	for (int k = 0; k < 3; k++) {
		double m = run_makespan(experiment("same.json", dax, 1, kinds[k]), &late);
		ck_assert_msg(m == n, "%s: makespan %.17g, normal %.17g", kinds[k], m, n);
		ck_assert_msg(!strcmp(late, normal), "%s: jobs.csv differs", kinds[k]);
		char *summary = test_slurp(path, NULL);
		ck_assert_msg(summary && !strcmp(summary, normal_summary),
			      "%s: summary.json differs", kinds[k]);
		free(summary);
		free(late);
	}
	free(normal);
	free(normal_summary);
}
END_TEST

/* n independent jobs of 10 s, each staging in 100 MB from storage, on 4
 * machines of 64 slots under an hdd stress on all of them for the whole
 * run; its makespan, and the least CPU time (s) of 3 runs in *cpu_s. */
static double hdd_run(uint32_t n, int stress, double *cpu_s)
{
	size_t cap = 64 + (size_t)n * 100, len = 0;
	char *dax = malloc(cap);
	ck_assert_ptr_nonnull(dax);
	len += (size_t)snprintf(dax + len, cap - len, "<adag version=\"3.6\">\n");
	for (uint32_t j = 0; j < n; j++)
		len += (size_t)snprintf(dax + len, cap - len,
					"<job id=\"j%u\" name=\"t\" runtime=\"10\">"
					"<uses file=\"i%u\" link=\"input\" "
					"size=\"1e8\"/></job>\n", j, j);
	snprintf(dax + len, cap - len, "</adag>\n");
	const char *wf = test_write("many.dax", dax);
	free(dax);
	char text[4096];
	snprintf(text, sizeof text,
		 "{\"profile\": {\"machine_types\": [{\"name\": \"vm\", "
		 "\"slots\": 64, \"nic_gbps\": 8}], \"task_types\": [{\"name\": "
		 "\"job\"}], \"exec\": [{\"task\": \"job\", \"machine\": \"vm\", "
		 "\"model\": \"constant\", \"value\": 1}]},\n"
		 " \"machines\": [{\"type\": \"vm\", \"count\": 4}],\n"
		 " \"workload\": {\"workflow\": \"%s\", \"storage_gbps\": 80,"
		 " \"latency_s\": 0.001},\n \"wms\": \"none\",\n"
		 " \"anomalies\": [%s],\n \"policy\": \"fcfs\"}\n", wf,
		 stress ? "{\"kind\": \"hdd\", \"mb_per_s\": 700, "
			  "\"disk_mb_per_s\": 1200, \"submit_mb\": 0, "
			  "\"machines\": [0, 1, 2, 3]}" : "");
	sim_experiment *x = NULL;
	io_err err = {0};
	ck_assert_msg(sim_experiment_load(&x, test_write("many.json", text), &err) == 0,
		      "%s", err.msg);
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	o.out_dir = "";
	o.quiet = 1;
	sim_result res;
	*cpu_s = INFINITY;
	for (int k = 0; k < 3; k++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		ck_assert_msg(sim_run_policy(x, 0, &o, &res, &err) == 0, "%s", err.msg);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
		*cpu_s = fmin(*cpu_s, s);
	}
	sim_experiment_free(x);
	ck_assert_uint_eq(res.completed, n);
	return res.makespan_s;
}

/* hdd counts the stage-ins open on a machine at each stage-in's end: the
 * open ones of that machine, not every job (which made a run of N jobs
 * O(N^2): 16000 jobs took 35x the CPU time of the same run without the
 * stress, 0.37 s against 0.011 s). With the stress in effect (a longer
 * makespan), the run costs a small factor more than without it: under
 * 8x, with 5 ms for the timer's grain (measured 2.8-3.6x in `hetsim run`'s
 * wall_s, 0.022-0.025 s against 0.007-0.008 s, 2026-12-04; 3-5x here
 * with the other core busy: a bound of 4x failed once so). */
START_TEST(hdd_costs_a_bounded_factor_not_a_scan_of_every_job)
{
	double stressed_s, normal_s;
	double stressed = hdd_run(16000, 1, &stressed_s);
	double normal = hdd_run(16000, 0, &normal_s);
	ck_assert_msg(stressed > 1.2 * normal, "stress %.9g, none %.9g", stressed,
		      normal);
	ck_assert_msg(stressed_s < 8 * normal_s + 0.005,
		      "16000 jobs: %.3f s of CPU under hdd, %.3f s without",
		      stressed_s, normal_s);
}
END_TEST

/* The calibrated workflow experiments of experiments/anomaly (fitted on the
 * real runs, CALIBRATION.md) load and run: every job completes, the normal
 * makespan lies near the real normal run's (591 s and 2325 s; a wrong
 * file size or rate moves it far), and 5 % loss on every machine
 * stretches the 57-job run by the fitted model's factor (2.8, real 3.67)
 * past 2.2 (the one-connection Mathis cap of issue 14 gives 1.6). */
static sim_result run_exp(const char *path, const char *anomalies)
{
	sim_experiment *x = NULL;
	io_err err = {0};
	ck_assert_msg(sim_experiment_load(&x, path, &err) == 0, "%s", err.msg);
	if (anomalies) {
		/* a copy in the test folder: the workflow path made absolute,
		 * the anomalies appended */
		char *text = test_slurp(path, NULL), cwd[512];
		ck_assert_ptr_nonnull(text);
		ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
		sim_experiment_free(x);
		const char *wf = "\"1000genome_poseidon2020.wf.json\"";
		char *at = strstr(text, wf), *end = strrchr(text, '}');
		ck_assert(at && end && at < end);
		size_t n = strlen(text) + strlen(cwd) + strlen(anomalies) + 128;
		char *with = malloc(n);
		ck_assert_ptr_nonnull(with);
		*end = 0;
		snprintf(with, n, "%.*s\"%s/experiments/anomaly/%s%s, \"anomalies\": %s}\n",
			 (int)(at - text), text, cwd, wf + 1, at + strlen(wf), anomalies);
		free(text);
		const char *copy = test_write("cal.json", with);
		free(with);
		ck_assert_msg(sim_experiment_load(&x, copy, &err) == 0, "%s", err.msg);
	}
	char dir[700];
	snprintf(dir, sizeof dir, "%s/cal", test_tmpdir());
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	o.run_dir = dir;
	o.quiet = 1;
	sim_result res;
	ck_assert_msg(sim_run_policy(x, 0, &o, &res, &err) == 0, "%s", err.msg);
	sim_experiment_free(x);
	return res;
}

START_TEST(calibrated_workflows_run_near_the_real_normal_runs)
{
	sim_result p = run_exp("experiments/anomaly/1000genome_poseidon2020.json", NULL);
	ck_assert_uint_eq(p.completed, 57);
	ck_assert_msg(p.makespan_s > 450 && p.makespan_s < 750, "%.9g", p.makespan_s);
	sim_result f = run_exp("experiments/anomaly/1000genome_flowbench2022.json", NULL);
	ck_assert_uint_eq(f.completed, 137);
	ck_assert_msg(f.makespan_s > 1900 && f.makespan_s < 2900, "%.9g", f.makespan_s);
	sim_result l = run_exp("experiments/anomaly/1000genome_poseidon2020.json",
			       "[{\"kind\": \"loss\", \"percent\": 5, "
			       "\"machines\": [0, 1, 2, 3, 4]}]");
	ck_assert_msg(l.makespan_s > 2.2 * p.makespan_s, "%.9g vs %.9g",
		      l.makespan_s, p.makespan_s);
}
END_TEST

/* Bad anomaly specs: one error naming the file and the line. */
START_TEST(bad_anomaly_specs_are_located_errors)
{
	/* a copy: test_write's 16 path buffers turn over within the loop */
	char dax[512];
	snprintf(dax, sizeof dax, "%s", one_job_dax("bad.dax", 0));
	static const struct {
		const char *spec, *want;
	} cases[] = {
		{"{\"kind\": \"disk\", \"node\": 0}", "\"cpu\", \"hdd\" or \"loss\""},
		{"{\"kind\": \"cpu\", \"cores\": 1.5, \"node\": 0}", "whole number"},
		{"{\"kind\": \"cpu\", \"node\": 0}", "cores"},
		{"{\"kind\": \"cpu\", \"cores\": 1, \"percent\": 1, \"node\": 0}",
		 "not for a \"cpu\""},
		{"{\"kind\": \"hdd\", \"mb_per_s\": 200, \"node\": 0}", "below the disk"},
		{"{\"kind\": \"loss\", \"percent\": 100, \"node\": 0}", "(0, 100)"},
		{"{\"kind\": \"loss\", \"percent\": 1, \"node\": 3}", "index in 0..0"},
		{"{\"kind\": \"loss\", \"percent\": 1, \"machines\": []}", "non-empty"},
		{"{\"kind\": \"loss\", \"percent\": 1}", "\"machines\""},
		{"{\"kind\": \"loss\", \"percent\": 1, \"node\": 0, \"machines\": [0]}",
		 "one of them"},
		{"{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0, \"start_s\": 5,"
		 " \"end_s\": 5}", "start_s < end_s"},
		{"{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0, \"when\": 5}", "when"},
		{"{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0, \"disk_mb_per_s\": 9}",
		 "for \"hdd\""},
		{"{\"kind\": \"loss\", \"percent\": 1, \"node\": 0, \"submit_mb\": 9}",
		 "\"submit_mb\" is for \"hdd\""},
		{"{\"kind\": \"hdd\", \"mb_per_s\": 9, \"node\": 0, \"submit_mb\": -1}",
		 "submit_mb"},
		{"{\"kind\": \"hdd\", \"mb_per_s\": 9, \"node\": 0, \"submit_mb\": 1e12}",
		 "plausible"},
		{"{\"kind\": \"hdd\", \"mb_per_s\": 9, \"node\": 0, "
		 "\"submit_disk_mb_per_s\": 0}", "submit_disk_mb_per_s"},
		{"{\"kind\": \"hdd\", \"mb_per_s\": 9, \"node\": 0, "
		 "\"transfer_mb_per_s\": 1e12}", "at most 1e9"},
		{"{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0, "
		 "\"transfer_mb_per_s\": 9}", "\"transfer_mb_per_s\" is for \"hdd\""},
		{"{\"kind\": \"loss\", \"percent\": 1, \"node\": 0, \"tcp\": \"reno\"}",
		 "\"pftk\" or \"mathis\""},
		{"{\"kind\": \"cpu\", \"cores\": 1, \"node\": 0, \"streams\": 2}",
		 "for \"loss\""},
		{"{\"kind\": \"loss\", \"percent\": 1, \"node\": 0, \"tcp\": \"mathis\","
		 " \"rto_s\": 1}", "for \"tcp\": \"pftk\""},
		{"{\"kind\": \"loss\", \"percent\": 1, \"node\": 0, \"streams\": 0}",
		 "streams"},
	};
	char spec[512];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(spec, sizeof spec, "[\n%s]", cases[i].spec);
		const char *path = experiment("bad.json", dax, 1, spec);
		sim_experiment *x = NULL;
		io_err err = {0};
		ck_assert_msg(sim_experiment_load(&x, path, &err) == IO_EINPUT,
			      "%s: accepted", cases[i].spec);
		ck_assert_msg(strstr(err.msg, "bad.json:") && strstr(err.msg, cases[i].want),
			      "%s: [%s]", cases[i].spec, err.msg);
		/* the anomaly sits on line 7 of the file */
		ck_assert_msg(strstr(err.msg, "bad.json:7:") || strstr(err.msg, "bad.json:6:"),
			      "%s: [%s]", cases[i].spec, err.msg);
	}
	/* loss needs a round-trip time: latency 0 is refused at the anomaly */
	{
		char *text = test_slurp(experiment("lat.json", dax, 1,
						   "[\n{\"kind\": \"loss\", \"percent\": 1, "
						   "\"node\": 0}]"), NULL);
		ck_assert_ptr_nonnull(text);
		char *at = strstr(text, "\"latency_s\": 0.001");
		ck_assert_ptr_nonnull(at);
		memmove(at + 14, at + 18, strlen(at + 18) + 1); /* 0.001 -> 0 */
		const char *path = test_write("lat.json", text);
		free(text);
		sim_experiment *x = NULL;
		io_err err = {0};
		ck_assert_int_eq(sim_experiment_load(&x, path, &err), IO_EINPUT);
		ck_assert_msg(strstr(err.msg, "lat.json:6:") &&
				      strstr(err.msg, "round-trip"),
			      "[%s]", err.msg);
	}
	/* independent tasks take no anomalies */
	const char *t = test_write("tasks.json",
		"{\"profile\": {\"machine_types\": [{\"name\": \"vm\"}], \"task_types\": "
		"[{\"name\": \"job\"}], \"exec\": [{\"task\": \"job\", \"machine\": "
		"\"vm\", \"model\": \"constant\", \"value\": 1}]},\n"
		" \"machines\": [{\"type\": \"vm\"}],\n"
		" \"workload\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"tasks\": 3},\n"
		" \"anomalies\": [],\n \"policy\": \"fcfs\"}\n");
	sim_experiment *x = NULL;
	io_err err = {0};
	ck_assert_int_eq(sim_experiment_load(&x, t, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "tasks.json:4:") && strstr(err.msg, "workflow"),
		      "[%s]", err.msg);
}
END_TEST

Suite *suite_anomaly(void)
{
	Suite *s = suite_create("anomaly");
	TCase *tc = tcase_create("anomalies");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, cpu_slows_computation_by_processor_sharing);
	tcase_add_test(tc, cpu_slows_only_the_cpu_bound_share);
	tcase_add_test(tc, cpu_leaves_staging_alone_and_hdd_slows_only_disk_bound_staging);
	tcase_add_test(tc, hdd_shares_the_disk_left_among_open_stage_ins);
	tcase_add_test(tc, hdd_on_the_submit_host_delays_submissions_in_turn);
	tcase_add_test(tc, hdd_on_the_submit_host_is_a_queueing_knee);
	tcase_add_test(tc, loss_caps_staging_at_the_mathis_rate);
	tcase_add_test(tc, loss_caps_staging_at_the_pftk_rate);
	tcase_add_test(tc, calibrated_workflows_run_near_the_real_normal_runs);
	tcase_add_test(tc, a_window_after_the_run_changes_nothing);
	tcase_add_test(tc, hdd_costs_a_bounded_factor_not_a_scan_of_every_job);
	tcase_add_test(tc, bad_anomaly_specs_are_located_errors);
	suite_add_tcase(s, tc);
	return s;
}
