/* tests/test_policies.c — each immediate policy's decision on a
 * hand-built state of three machines, worked out by hand in the comments. */
#include <math.h>
#include <string.h>
#include "policies/immediate.h"
#include "sim/base/rng.h"
#include "tests/tests.h"

/*
 * now = 10; one task type T (index 0) and a second type U (index 1) that
 * only machine type 0 can run. One machine per type, one slot each, local
 * queues of 2 places.
 *   m0: idle                         ready 10   etc(T) 6   completion 16
 *   m1: running, expected end 12     ready 12   etc(T) 3   completion 15
 *   m2: running, end 11, one queued  ready 11 + 4 = 15
 *       task of expected 4 s                    etc(T) 1   completion 16
 * FCFS -> m0 (the only free slot)   MET -> m2 (least etc)
 * MCT  -> m1 (least completion)     OLB -> m0 (earliest ready)
 * KPB 34% -> ceil(1.02) = 2 best by etc {m2, m1}, MCT among them -> m1
 * KPB 30% -> ceil(0.9) = 1 best {m2} -> m2.  KPB 100% = MCT -> m1.
 */
typedef struct fixture {
	sim_machine_view mv[3];
	double run_end[3];
	double etc[2 * 3];
	sim_view v;
} fixture;

static void build(fixture *f)
{
	memset(f, 0, sizeof *f);
	f->run_end[0] = -INFINITY;
	f->run_end[1] = 12;
	f->run_end[2] = 11;
	for (uint32_t m = 0; m < 3; m++) {
		f->mv[m].type = m;
		f->mv[m].slots = 1;
		f->mv[m].queue_cap = 2;
		f->mv[m].run_end_s = &f->run_end[m];
	}
	f->mv[1].busy = 1;
	f->mv[2].busy = 1;
	f->mv[2].queued = 1;
	f->mv[2].queued_expected_s = 4;
	double etc[6] = {6, 3, 1, 2, INFINITY, INFINITY};
	memcpy(f->etc, etc, sizeof etc);
	f->v.now = 10;
	f->v.n_machines = 3;
	f->v.machines = f->mv;
	f->v.n_machine_types = 3;
	f->v.n_task_types = 2;
	f->v.etc = f->etc;
	f->v.rng = sim_rng_new(1, SIM_STREAM_POLICY);
}

static void release(fixture *f) { gsl_rng_free(f->v.rng); }

static int32_t decide(const sim_policy *p, fixture *f, uint32_t type,
		      const char *params)
{
	char state[256] = {0};
	tck_assert(p->state_size <= sizeof state);
	io_jdoc doc = {0};
	io_err err = {0};
	const json_t *node = NULL;
	if (params) {
		ck_assert_int_eq(io_jdoc_parse(&doc, "params", params,
						 strlen(params), &err), 0);
		node = doc.root;
	}
	if (p->init)
		tck_assert_msg(p->init(state, &f->v, &doc, node, &err) == 0, "%s",
			      err.msg);
	sim_task_view t = {.id = 1, .type = type, .arrival_s = 10,
			   .deadline_s = INFINITY};
	int32_t m = p->on_arrival(state, &f->v, &t);
	if (p->fini)
		p->fini(state);
	if (params)
		io_jdoc_free(&doc);
	return m;
}

START_TEST(ready_and_completion_times_as_worked_out)
{
	fixture f;
	build(&f);
	ck_assert_double_eq(sim_ready_s(&f.v, 0), 10);
	ck_assert_double_eq(sim_ready_s(&f.v, 1), 12);
	ck_assert_double_eq(sim_ready_s(&f.v, 2), 15);
	ck_assert_double_eq(sim_completion_s(&f.v, 0, 1), 15);
	/* an overrunning task is taken to end now */
	f.run_end[1] = 8;
	ck_assert_double_eq(sim_ready_s(&f.v, 1), 10);
	release(&f);
}
END_TEST

START_TEST(each_policy_picks_the_hand_computed_machine)
{
	fixture f;
	build(&f);
	ck_assert_int_eq(decide(&pol_fcfs, &f, 0, NULL), 0);
	ck_assert_int_eq(decide(&pol_met, &f, 0, NULL), 2);
	ck_assert_int_eq(decide(&pol_mct, &f, 0, NULL), 1);
	ck_assert_int_eq(decide(&pol_olb, &f, 0, NULL), 0);
	ck_assert_int_eq(decide(&pol_kpb, &f, 0, "{\"k_percent\": 34}"), 1);
	ck_assert_int_eq(decide(&pol_kpb, &f, 0, "{\"k_percent\": 30}"), 2);
	ck_assert_int_eq(decide(&pol_kpb, &f, 0, "{\"k_percent\": 100}"), 1);
	release(&f);
}
END_TEST

START_TEST(round_robin_cycles_over_accepting_machines)
{
	fixture f;
	build(&f);
	char state[64] = {0};
	sim_task_view t = {.type = 0};
	int seq[6];
	for (int i = 0; i < 6; i++)
		seq[i] = pol_rr.on_arrival(state, &f.v, &t);
	int want[6] = {0, 1, 2, 0, 1, 2};
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(seq[i], want[i]);
	/* m1 full (slot busy, 2 queued): skipped */
	f.mv[1].queued = 2;
	memset(state, 0, sizeof state);
	ck_assert_int_eq(pol_rr.on_arrival(state, &f.v, &t), 0);
	ck_assert_int_eq(pol_rr.on_arrival(state, &f.v, &t), 2);
	ck_assert_int_eq(pol_rr.on_arrival(state, &f.v, &t), 0);
	release(&f);
}
END_TEST

START_TEST(random_is_uniform_over_accepting_machines_only)
{
	fixture f;
	build(&f);
	f.mv[2].queued = 2; /* m2 full: never chosen */
	int count[3] = {0};
	sim_task_view t = {.type = 0};
	for (int i = 0; i < 30000; i++) {
		int32_t m = pol_random.on_arrival(NULL, &f.v, &t);
		tck_assert(m == 0 || m == 1);
		count[m]++;
	}
	ck_assert(fabs(count[0] / 30000.0 - 0.5) < 0.02);
	release(&f);
}
END_TEST

START_TEST(every_policy_defers_when_no_machine_accepts)
{
	fixture f;
	build(&f);
	for (uint32_t m = 0; m < 3; m++) {
		f.mv[m].busy = 1;
		f.mv[m].queued = 2;
		f.run_end[m] = 20;
	}
	for (const sim_policy *const *p = pol_all(); *p; p++)
		if ((*p)->on_arrival) /* immediate ones: batch in test_batch.c */
			ck_assert_msg(decide(*p, &f, 0, NULL) == SIM_DEFER, "%s",
				      (*p)->name);
	release(&f);
}
END_TEST

START_TEST(a_type_only_one_machine_runs_goes_there)
{
	fixture f;
	build(&f);
	/* U runs only on m0 (machine type 0) */
	for (const sim_policy *const *p = pol_all(); *p; p++)
		if ((*p)->on_arrival)
			ck_assert_msg(decide(*p, &f, 1, NULL) == 0, "%s", (*p)->name);
	/* m0 full too: everyone defers U */
	f.mv[0].busy = 1;
	f.mv[0].queued = 2;
	f.run_end[0] = 30;
	for (const sim_policy *const *p = pol_all(); *p; p++)
		if ((*p)->on_arrival)
			ck_assert_msg(decide(*p, &f, 1, NULL) == SIM_DEFER, "%s",
				      (*p)->name);
	release(&f);
}
END_TEST

START_TEST(fcfs_waits_rather_than_queue_locally)
{
	fixture f;
	build(&f);
	f.mv[0].busy = 1;
	f.run_end[0] = 13;
	/* every slot busy, queues have room: FCFS still defers */
	ck_assert_int_eq(decide(&pol_fcfs, &f, 0, NULL), SIM_DEFER);
	ck_assert_int_ge(decide(&pol_mct, &f, 0, NULL), 0);
	release(&f);
}
END_TEST

START_TEST(kpb_rejects_bad_parameters)
{
	fixture f;
	build(&f);
	const char *bad[] = {"{\"k_percent\": 0}", "{\"k_percent\": 150}",
			     "{\"k_percent\": \"x\"}", "{\"k\": 10}"};
	for (size_t i = 0; i < 4; i++) {
		char state[256] = {0};
		io_jdoc doc = {0};
		io_err err = {0};
		ck_assert_int_eq(io_jdoc_parse(&doc, "p.json", bad[i],
						 strlen(bad[i]), &err), 0);
		ck_assert_int_eq(pol_kpb.init(state, &f.v, &doc, doc.root, &err),
				 IO_EINPUT);
		ck_assert_msg(strstr(err.msg, "p.json:1:") != NULL, "%s", err.msg);
		pol_kpb.fini(state);
		io_jdoc_free(&doc);
	}
	release(&f);
}
END_TEST

START_TEST(registry_finds_every_policy_by_name)
{
	const char *names[] = {"fcfs", "rr", "random", "met", "mct", "olb", "kpb"};
	for (size_t i = 0; i < 7; i++) {
		const sim_policy *p = pol_find(names[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_str_eq(p->name, names[i]);
	}
	ck_assert_ptr_null(pol_find("nope"));
}
END_TEST

/* MCT scans the engine's per-machine ready array (sim_ready); KPB at 100%
 * applies the plain rule of policy.h (sim_accepts, sim_completion_s,
 * lowest index on ties) to the same machines. Over whole runs that reach
 * every case the array must follow (free slots, multi-slot machines,
 * tasks running past their expected end, full local queues, a type some
 * machines cannot run, several types) both must place every task alike:
 * identical tasks.csv.gz contents. */
START_TEST(mct_on_the_ready_array_places_every_task_as_the_plain_rule)
{
	const char *exp = test_write(
		"mct-eq.json",
		"{\"profile\": {\"machine_types\": [{\"name\": \"a\", \"slots\": 3},"
		" {\"name\": \"b\"}, {\"name\": \"c\", \"slots\": 2}],\n"
		" \"task_types\": [{\"name\": \"t\"}, {\"name\": \"u\"}, {\"name\": \"w\"}],\n"
		" \"exec\": [\n"
		"  {\"task\": \"t\", \"machine\": \"a\", \"model\": \"lognormal\", \"mu\": 0.3, \"sigma\": 1.2},\n"
		"  {\"task\": \"t\", \"machine\": \"b\", \"model\": \"lognormal\", \"mu\": -0.2, \"sigma\": 1.0},\n"
		"  {\"task\": \"t\", \"machine\": \"c\", \"model\": \"uniform\", \"min\": 0.5, \"max\": 2.5},\n"
		"  {\"task\": \"u\", \"machine\": \"a\", \"model\": \"exponential\", \"mean\": 1.5},\n"
		"  {\"task\": \"u\", \"machine\": \"c\", \"model\": \"constant\", \"value\": 1},\n"
		"  {\"task\": \"w\", \"machine\": \"b\", \"model\": \"gamma\", \"shape\": 2, \"scale\": 0.4}]},\n"
		" \"machines\": [{\"type\": \"a\", \"count\": 2}, {\"type\": \"b\", \"count\": 3,"
		" \"queue_capacity\": 1}, {\"type\": \"c\", \"count\": 2}],\n"
		" \"queue\": {\"capacity\": 3, \"when_full\": \"reject\"},\n"
		" \"workload\": {\"arrival\": \"poisson\", \"rate_per_s\": 12,"
		" \"mix\": {\"t\": 0.5, \"u\": 0.3, \"w\": 0.2}, \"tasks\": 20000},\n"
		" \"policies\": [\"mct\", {\"name\": \"kpb\", \"k_percent\": 100}],"
		" \"seed\": 11}\n");
	char cmd[4096], err[1024];
	const char *d = test_tmpdir();
	snprintf(cmd, sizeof cmd,
		 "%s run '%s' --out '%s/mct-eq' --quiet && "
		 "gzip -dc '%s/mct-eq/mct/tasks.csv.gz' > '%s/mct-eq.a' && "
		 "gzip -dc '%s/mct-eq/kpb-100/tasks.csv.gz' > '%s/mct-eq.b' && "
		 "test $(wc -l < '%s/mct-eq.a') -gt 20000 && "
		 "grep -q ',dropped,' '%s/mct-eq.a' && "
		 "cmp '%s/mct-eq.a' '%s/mct-eq.b'",
		 test_bin(), exp, d, d, d, d, d, d, d, d, d);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
}
END_TEST

/* MCT's scan of the ready array (four machines at a time where the
 * processor has AVX, the rest one by one) against the rule written out
 * here: the first machine, in index order, of least
 * max(from_s, now) + backlog_s + etc. 1 to 21 machines, so that every
 * count of machines past the last group of four comes up; ready times,
 * backlogs and times drawn from a few values so that ends tie within and
 * across groups; -INFINITY (a free slot), +INFINITY (full) and types a
 * machine cannot run (etc INFINITY) among them. Run twice: with the scan
 * this processor gets (four at a time with AVX) and with HETSIM_NO_AVX. */
START_TEST(mct_scan_picks_the_first_least_completion_time)
{
	enum { MAX_M = 21 };
	/* _i = 0: the scan this processor gets; 1: the one-by-one scan */
	if (_i == 1)
		setenv("HETSIM_NO_AVX", "1", 1);
	static const double from_vals[] = {-INFINITY, 9, 10, 11, 12.5, INFINITY};
	static const double backlog_vals[] = {0, 0, 0.5, 1, 2};
	static const double etc_vals[] = {1, 1.5, 2, 3, INFINITY};
	sim_machine_view mv[MAX_M];
	sim_ready ready[MAX_M];
	double run_end[MAX_M];
	double etc[2 * MAX_M];
	gsl_rng *rng = sim_rng_new(5, SIM_STREAM_POLICY);
	uint64_t checked = 0;
	for (int round = 0; round < 4000; round++) {
		uint32_t n = 1 + (uint32_t)gsl_rng_uniform_int(rng, MAX_M);
		memset(mv, 0, sizeof mv);
		for (uint32_t m = 0; m < n; m++) {
			ready[m].from_s = from_vals[gsl_rng_uniform_int(rng, 6)];
			ready[m].backlog_s =
				ready[m].from_s == -INFINITY
					? 0
					: backlog_vals[gsl_rng_uniform_int(rng, 5)];
			/* machine views that agree with the ready array (used by
			 * the exact rule when no end is finite) */
			mv[m].type = m;
			mv[m].slots = 1;
			mv[m].busy = ready[m].from_s != -INFINITY;
			mv[m].queue_cap = ready[m].from_s == INFINITY ? 0 : 8;
			mv[m].queued_expected_s = ready[m].backlog_s;
			mv[m].queued = ready[m].backlog_s > 0;
			run_end[m] = ready[m].from_s == INFINITY ? 12 : ready[m].from_s;
			mv[m].run_end_s = &run_end[m];
			/* type 0 varies per machine; type 1 is the same everywhere */
			etc[m] = etc_vals[gsl_rng_uniform_int(rng, 5)];
			etc[MAX_M + m] = 2;
		}
		sim_view v = {.now = 10, .n_machines = n, .machines = mv,
			      .ready = ready, .n_machine_types = MAX_M,
			      .n_task_types = 2, .etc = etc, .rng = rng};
		char state[256] = {0};
		io_jdoc doc = {0};
		io_err err = {0};
		ck_assert(pol_mct.state_size <= sizeof state);
		ck_assert_int_eq(pol_mct.init(state, &v, &doc, NULL, &err), 0);
		/* two tasks of each type: the second reuses MCT's kept times */
		for (uint32_t k = 0; k < 4; k++) {
			uint32_t type = k / 2;
			int32_t want = SIM_DEFER;
			double want_end = INFINITY;
			for (uint32_t m = 0; m < n; m++) {
				double start = ready[m].from_s > v.now
						       ? ready[m].from_s
						       : v.now;
				double end = start + ready[m].backlog_s +
					     etc[type * MAX_M + m];
				if (end < want_end) {
					want = (int32_t)m;
					want_end = end;
				}
			}
			sim_task_view t = {.id = k, .type = type,
					   .arrival_s = 10,
					   .deadline_s = INFINITY};
			int32_t got = pol_mct.on_arrival(state, &v, &t);
			if (want < 0) /* no finite end: the exact rule decides */
				continue;
			ck_assert_msg(got == want,
				      "round %d, %u machines, type %u: mct "
				      "picked %d, the first least end is at %d",
				      round, n, type, got, want);
			checked++;
		}
		pol_mct.fini(state);
	}
	ck_assert_uint_gt(checked, 10000);
	gsl_rng_free(rng);
	unsetenv("HETSIM_NO_AVX");
}
END_TEST

/* ------------------------------------------- E2C-Sim parity options */

/* "tie_break": three idle machines of equal expected time for T: every
 * score ties. "lowest" (default) takes m0 every time; "random" takes each
 * of the three about a third of the time, and the same seed repeats the
 * same choices. */
START_TEST(tie_break_random_spreads_equal_scores_evenly_and_repeats)
{
	const sim_policy *pols[] = {&pol_met, &pol_mct, &pol_olb};
	for (size_t k = 0; k < sizeof pols / sizeof pols[0]; k++) {
		fixture f;
		build(&f);
		for (uint32_t m = 0; m < 3; m++) {
			f.run_end[m] = -INFINITY;
			f.mv[m].busy = 0;
			f.mv[m].queued = 0;
			f.mv[m].queued_expected_s = 0;
			f.etc[m] = 3;
		}
		ck_assert_int_eq(decide(pols[k], &f, 0, NULL), 0);
		f.v.tie_random = 1;
		int count[3] = {0}, first[20];
		for (int i = 0; i < 3000; i++) {
			int32_t m = decide(pols[k], &f, 0, NULL);
			tck_assert(m >= 0 && m < 3);
			count[m]++;
			if (i < 20)
				first[i] = m;
		}
		/* binomial(3000, 1/3): sd 25.8; 900 is 3.9 sd below */
		for (int m = 0; m < 3; m++)
			ck_assert_msg(count[m] > 900 && count[m] < 1100,
				      "%s: m%d chosen %d times of 3000",
				      pols[k]->name, m, count[m]);
		release(&f);
		build(&f);
		for (uint32_t m = 0; m < 3; m++) {
			f.run_end[m] = -INFINITY;
			f.mv[m].busy = 0;
			f.mv[m].queued = 0;
			f.etc[m] = 3;
		}
		f.v.tie_random = 1;
		for (int i = 0; i < 20; i++)
			ck_assert_int_eq(decide(pols[k], &f, 0, NULL), first[i]);
		release(&f);
	}
}
END_TEST

/* A machine's local queue for sim_ready_e2c_s: expected times and
 * deadlines, head first. */
typedef struct fake_queue {
	uint32_t n[3];
	double expected[3][4], deadline[3][4];
} fake_queue;

static const void *fake_next(const void *engine, uint32_t m, const void *at,
			     double *expected_s, double *deadline_s)
{
	const fake_queue *q = engine;
	size_t i = at ? (size_t)((const double *)at - q->expected[m]) + 1 : 0;
	if (i >= q->n[m])
		return NULL;
	*expected_s = q->expected[m][i];
	*deadline_s = q->deadline[m][i];
	return &q->expected[m][i];
}

/*
 * "readiness": "e2c" on the worked-out state above (now 10). E2C drops
 * tasks at their deadlines, so its mappers count each at most until then:
 *   m2: running until 11, queued task of 4 s
 *       deadline none   -> 11 + 4 = 15 (as hetsim's)
 *       deadline 13     -> min(15, 13) = 13; MCT: m2 13 + 1 = 14 beats
 *                          m1's 15 (hetsim: m1)
 *       deadline 10.5   -> expired when its turn comes (11 >= 10.5):
 *                          skipped, ready 11 (not capped back to 10.5)
 *   m1: running until 12 with deadline 10.5 -> 10.5; deadline 9 (passed:
 *       dropped now) -> 10
 */
START_TEST(e2c_readiness_caps_at_deadlines_and_skips_expired)
{
	fixture f;
	build(&f);
	fake_queue q = {{0, 0, 1}, {{0}, {0}, {4}}, {{0}, {0}, {INFINITY}}};
	double run_dl[3] = {INFINITY, INFINITY, INFINITY};
	for (uint32_t m = 0; m < 3; m++)
		f.mv[m].run_deadline_s = &run_dl[m];
	f.v.queue_next = fake_next;
	f.v.engine = &q;
	ck_assert_double_eq(sim_ready_e2c_s(&f.v, 2), 15);
	ck_assert_double_eq(sim_ready_e2c_s(&f.v, 0), 10);
	ck_assert_double_eq(sim_ready_e2c_s(&f.v, 1), 12);
	q.deadline[2][0] = 13;
	ck_assert_double_eq(sim_ready_e2c_s(&f.v, 2), 13);
	ck_assert_int_eq(decide(&pol_mct, &f, 0, NULL), 1);
	f.v.readiness_e2c = 1;
	ck_assert_double_eq(sim_ready_s(&f.v, 2), 13);
	ck_assert_int_eq(decide(&pol_mct, &f, 0, NULL), 2);
	q.deadline[2][0] = 10.5;
	ck_assert_double_eq(sim_ready_s(&f.v, 2), 11);
	run_dl[1] = 10.5;
	ck_assert_double_eq(sim_ready_s(&f.v, 1), 10.5);
	run_dl[1] = 9;
	ck_assert_double_eq(sim_ready_s(&f.v, 1), 10);
	/* a task in the queue count beyond those listed (a batch plan's
	 * own) counts in full: 11 (the listed one skipped) + 2 */
	f.mv[2].queued = 2;
	f.mv[2].queued_expected_s = 6;
	ck_assert_double_eq(sim_ready_s(&f.v, 2), 13);
	release(&f);
}
END_TEST

Suite *suite_policies(void)
{
	Suite *s = suite_create("policies");
	TCase *tc = tcase_create("immediate");
	tcase_add_test(tc, ready_and_completion_times_as_worked_out);
	tcase_add_test(tc, each_policy_picks_the_hand_computed_machine);
	tcase_add_test(tc, round_robin_cycles_over_accepting_machines);
	tcase_add_test(tc, random_is_uniform_over_accepting_machines_only);
	tcase_add_test(tc, every_policy_defers_when_no_machine_accepts);
	tcase_add_test(tc, a_type_only_one_machine_runs_goes_there);
	tcase_add_test(tc, fcfs_waits_rather_than_queue_locally);
	tcase_add_test(tc, kpb_rejects_bad_parameters);
	tcase_add_test(tc, registry_finds_every_policy_by_name);
	tcase_add_test(tc, mct_on_the_ready_array_places_every_task_as_the_plain_rule);
	tcase_add_loop_test(tc, mct_scan_picks_the_first_least_completion_time,
			    0, 2);
	tcase_add_test(tc, tie_break_random_spreads_equal_scores_evenly_and_repeats);
	tcase_add_test(tc, e2c_readiness_caps_at_deadlines_and_skips_expired);
	suite_add_tcase(s, tc);
	return s;
}
