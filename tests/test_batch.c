/* tests/test_batch.c — the batch planner (policies/plan.h) and each batch
 * policy's decisions on hand-built states, worked out by hand in the
 * comments; then properties of every batch policy on random states. */
#include <stddef.h>
#include <string.h>
#include "policies/batch.h"
#include "policies/plan.h"
#include "sim/base/rng.h"
#include "tests/tests.h"

enum { MAX_M = 3, MAX_SLOTS = 2, MAX_T = 3, MAX_B = 12 };
#define D SIM_DROP

typedef struct bfix {
	sim_machine_view mv[MAX_M];
	double run_end[MAX_M][MAX_SLOTS];
	double etc[MAX_T * MAX_M];
	prof_machine_type mtype[MAX_M];
	prof_profile prof;
	uint64_t arrived[MAX_T], on_time[MAX_T], failed[MAX_T];
	sim_view v;
} bfix;

/* n_m machines at now = 0, machine m of type m with one free slot and an
 * unbounded local queue; n_t task types, etc[tt * n_m + m]; no power drawn
 * above idle; no history (every on-time ratio 0). */
static void build(bfix *f, uint32_t n_m, uint32_t n_t, const double *etc)
{
	memset(f, 0, sizeof *f);
	for (uint32_t m = 0; m < n_m; m++) {
		for (uint32_t s = 0; s < MAX_SLOTS; s++)
			f->run_end[m][s] = -INFINITY;
		f->mv[m].type = m;
		f->mv[m].slots = 1;
		f->mv[m].queue_cap = SIM_UNBOUNDED;
		f->mv[m].run_end_s = f->run_end[m];
	}
	memcpy(f->etc, etc, (size_t)n_t * n_m * sizeof *etc);
	f->prof.machines = f->mtype;
	f->prof.n_machines = n_m;
	f->v.n_machines = n_m;
	f->v.machines = f->mv;
	f->v.n_machine_types = n_m;
	f->v.n_task_types = n_t;
	f->v.etc = f->etc;
	f->v.profile = &f->prof;
	f->v.type_arrived = f->arrived;
	f->v.type_on_time = f->on_time;
	f->v.type_failed = f->failed;
}

/* Run p once over the batch (params: JSON text or NULL), twice in fact: a
 * second event on the same view must decide the same (the plan is reloaded,
 * not carried over). Returns the number of decisions. */
static uint32_t run_batch(const sim_policy *p, const sim_view *v,
			  const sim_task_view *batch, uint32_t n,
			  const char *params, sim_decision *out)
{
	max_align_t state[32];
	memset(state, 0, sizeof state);
	tck_assert(p->state_size <= sizeof state);
	ck_assert_ptr_null(p->on_arrival);
	io_jdoc doc = {0};
	io_err err = {0};
	const json_t *node = NULL;
	if (params) {
		tck_int_eq(io_jdoc_parse(&doc, "params", params,
						 strlen(params), &err),
				 0);
		node = doc.root;
	}
	tck_assert_msg(p->init(state, v, &doc, node, &err) == 0, "%s", err.msg);
	uint32_t nd = p->on_batch(state, v, batch, n, out);
	sim_decision again[MAX_B];
	tck_uint_eq(p->on_batch(state, v, batch, n, again), nd);
	tck_assert(nd <= n);
	tck_assert(memcmp(out, again, nd * sizeof *out) == 0);
	p->fini(state);
	if (params)
		io_jdoc_free(&doc);
	return nd;
}

static void expect(const char *what, const sim_decision *got, uint32_t n_got,
		   const sim_decision *want, uint32_t n_want)
{
	ck_assert_msg(n_got == n_want, "%s: %u decisions, want %u", what, n_got,
		      n_want);
	for (uint32_t i = 0; i < n_want; i++)
		ck_assert_msg(got[i].task == want[i].task &&
				      got[i].machine == want[i].machine,
			      "%s: decision %u is (%u, %d), want (%u, %d)",
			      what, i, got[i].task, got[i].machine,
			      want[i].task, want[i].machine);
}

/* Run p and compare with the expected decisions. */
static void check_policy(const sim_policy *p, const sim_view *v,
			 const sim_task_view *batch, uint32_t n,
			 const char *params, const sim_decision *want,
			 uint32_t n_want)
{
	sim_decision got[MAX_B];
	uint32_t nd = run_batch(p, v, batch, n, params, got);
	char what[80];
	snprintf(what, sizeof what, "%s %s", p->name, params ? params : "");
	expect(what, got, nd, want, n_want);
}

/* ---- the planner ------------------------------------------------------ */

/*
 * now = 10, one task type T.
 *   m0 (type 0): 2 slots, slot 0 free, slot 1 running until 14; queue of 1
 *   m1 (type 1): 1 slot, free; no local queue
 *   etc(T) = 3 on type 0, 4 on type 1.
 * ready(m0) = 10 (a slot is free), completion 13.
 * assign T to m0: starts on slot 0 (the first free), run_end[0] = 13, busy
 *   2. ready = min(13, 14) = 13, completion 16; still accepts (queue room).
 * assign T to m0 again: queued 1, 3 s queued; ready = 13 + 3/2 = 14.5;
 *   accepts no more (both slots busy, queue full).
 * assign T to m1: starts, run_end = 14; ready 14; accepts no more.
 * The engine's view is untouched; reloading starts over from it.
 */
START_TEST(plan_mirrors_the_engine_bookkeeping)
{
	bfix f;
	double etc[2] = {3, 4};
	build(&f, 2, 1, etc);
	f.v.now = 10;
	f.mv[0].slots = 2;
	f.mv[0].busy = 1;
	f.run_end[0][1] = 14;
	f.mv[0].queue_cap = 1;
	f.mv[1].queue_cap = 0;
	pol_plan p = {0};
	ck_assert_int_eq(pol_plan_load(&p, &f.v), 0);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_double_eq(pol_plan_ready_s(&p, 0), 10);
	ck_assert_double_eq(pol_plan_completion_s(&p, 0, 0), 13);
	uint64_t version = p.mv[0].version;

	pol_plan_assign(&p, 0, 0);
	ck_assert_uint_eq(p.mv[0].busy, 2);
	ck_assert_double_eq(p.mv[0].run_end_s[0], 13);
	ck_assert_double_eq(p.mv[0].run_end_s[1], 14);
	ck_assert_double_eq(pol_plan_ready_s(&p, 0), 13);
	ck_assert_double_eq(pol_plan_completion_s(&p, 0, 0), 16);
	ck_assert(pol_plan_accepts(&p, 0, 0));
	ck_assert_uint_ne(p.mv[0].version, version);

	pol_plan_assign(&p, 0, 0);
	ck_assert_uint_eq(p.mv[0].busy, 2);
	ck_assert_uint_eq(p.mv[0].queued, 1);
	ck_assert_double_eq(p.mv[0].queued_expected_s, 3);
	ck_assert_double_eq(pol_plan_ready_s(&p, 0), 14.5);
	ck_assert(!pol_plan_accepts(&p, 0, 0));

	ck_assert(pol_plan_accepts(&p, 0, 1));
	pol_plan_assign(&p, 0, 1);
	ck_assert_uint_eq(p.mv[1].busy, 1);
	ck_assert_double_eq(pol_plan_ready_s(&p, 1), 14);
	ck_assert(!pol_plan_accepts(&p, 0, 1));

	/* the view is the engine's: untouched */
	ck_assert_uint_eq(f.mv[0].busy, 1);
	ck_assert_uint_eq(f.mv[0].queued, 0);
	ck_assert_double_eq(f.run_end[0][0], -INFINITY);
	ck_assert_uint_eq(f.mv[1].busy, 0);

	/* reload: back to the view; same arrays (no allocation) */
	const sim_machine_view *mv = p.mv;
	const double *run_end = p.run_end;
	ck_assert_int_eq(pol_plan_load(&p, &f.v), 0);
	ck_assert_ptr_eq(p.mv, mv);
	ck_assert_ptr_eq(p.run_end, run_end);
	ck_assert_uint_eq(p.mv[0].busy, 1);
	ck_assert_double_eq(pol_plan_ready_s(&p, 0), 10);
	ck_assert(pol_plan_accepts(&p, 0, 1));
	pol_plan_free(&p);
}
END_TEST

/* A task type no machine of a type can run is never accepted there; an
 * overrunning task is taken to end now, as in sim_ready_s; a plan grows
 * when the view gets larger. */
START_TEST(plan_follows_sim_ready_rules_and_grows)
{
	bfix f;
	double etc[2 * 3] = {1, 2, INFINITY, 3, 3, 3};
	build(&f, 1, 2, etc);
	pol_plan p = {0};
	ck_assert_int_eq(pol_plan_load(&p, &f.v), 0);
	ck_assert_uint_eq(p.n, 1);
	build(&f, 3, 2, etc);
	f.v.now = 5;
	f.mv[1].busy = 1;
	f.run_end[1][0] = 4; /* overran: taken to end now */
	f.mv[1].queued = 2;
	f.mv[1].queued_expected_s = 6;
	ck_assert_int_eq(pol_plan_load(&p, &f.v), 0);
	ck_assert_uint_eq(p.n, 3);
	ck_assert(!pol_plan_accepts(&p, 0, 2));
	ck_assert(pol_plan_accepts(&p, 1, 2));
	ck_assert_double_eq(pol_plan_ready_s(&p, 1), 5 + 6);
	ck_assert_double_eq(pol_plan_ready_s(&p, 1), sim_ready_s(&f.v, 1));
	ck_assert_double_eq(pol_plan_completion_s(&p, 1, 1),
			    sim_completion_s(&f.v, 1, 1));
	pol_plan_free(&p);
	pol_plan_free(&p); /* freeing twice is harmless */
}
END_TEST

/* ---- hand-computed batches -------------------------------------------- */

/*
 * Scenario A: now = 0, two idle machines m0, m1 (one slot, unbounded
 * queue), three tasks t0, t1, t2 in batch order (task i of type i):
 *          m0  m1   deadline
 *   t0      2   4       5
 *   t1      5   6       7
 *   t2      8   3      12
 *
 * MinMin.  R1: best t0 2 (m0), t1 5 (m0), t2 3 (m1) -> t0 to m0 (ends 2).
 *   R2: t1 m0 2+5=7, m1 6 -> 6; t2 m0 10, m1 3 -> 3 -> t2 to m1 (ends 3).
 *   R3: t1 m0 7, m1 3+6=9 -> t1 to m0.       (0,0) (2,1) (1,0)
 * MaxMin.  R1: greatest best is t1 5 -> m0 (ends 5).
 *   R2: t0 m0 7, m1 4 -> 4; t2 m0 13, m1 3 -> 3 -> t0 to m1 (ends 4).
 *   R3: t2 m0 5+8=13, m1 4+3=7 -> m1.        (1,0) (0,1) (2,1)
 * Sufferage.  R1: t0 4-2=2, t1 6-5=1, t2 8-3=5 -> t2 to m1 (ends 3).
 *   R2: t0 m0 2, m1 3+4=7 -> 5; t1 m0 5, m1 9 -> 4 -> t0 to m0 (ends 2).
 *   R3: t1 m0 7, m1 9 -> m0.                 (2,1) (0,0) (1,0)
 *   (differs from MinMin: t2 loses most if denied m1, so it goes first)
 * MSD.  R1: soonest deadline t0 (5) -> m0 (ends 2).
 *   R2: t1 best 6 (m1), t2 best 3 (m1); deadline 7 < 12 -> t1 to m1
 *   (ends 6).  R3: t2 m0 2+8=10, m1 6+3=9 -> m1.   (0,0) (1,1) (2,1)
 *   (MinMin took t2 second, by completion; MSD takes t1, by deadline)
 * MMU.  R1: slack t0 5-2=3, t1 7-5=2, t2 12-3=9 -> t1 (most urgent) to m0
 *   (ends 5).  R2: t0 m0 7, m1 4 -> slack 1; t2 m1 3 -> slack 9 -> t0 to
 *   m1 (ends 4).  R3: t2 m0 13, m1 7 -> m1.   (1,0) (0,1) (2,1)
 *   (MSD served t0, deadline 5, first; MMU t1, the least slack)
 * FELARE, no power drawn above idle (every energy 0: least completion
 *   among the machines meeting the deadline), no history: by deadline.
 *   t0: m0 2 -> m0 (ends 2). t1: m0 7, m1 6 -> m1 (ends 6). t2: m0 10,
 *   m1 9 -> m1.                              (0,0) (1,1) (2,1)
 */
static void scenario_a(bfix *f, sim_task_view *batch)
{
	double etc[3 * 2] = {2, 4, 5, 6, 8, 3};
	build(f, 2, 3, etc);
	double deadline[3] = {5, 7, 12};
	for (uint32_t i = 0; i < 3; i++)
		batch[i] = (sim_task_view){
			.id = i, .type = i, .deadline_s = deadline[i]};
}

START_TEST(each_batch_policy_decides_the_hand_computed_sequence)
{
	bfix f;
	sim_task_view b[3];
	scenario_a(&f, b);
	const sim_decision minmin[] = {{0, 0}, {2, 1}, {1, 0}};
	const sim_decision maxmin[] = {{1, 0}, {0, 1}, {2, 1}};
	const sim_decision sufferage[] = {{2, 1}, {0, 0}, {1, 0}};
	const sim_decision msd[] = {{0, 0}, {1, 1}, {2, 1}};
	const sim_decision mmu[] = {{1, 0}, {0, 1}, {2, 1}};
	const sim_decision felare[] = {{0, 0}, {1, 1}, {2, 1}};
	check_policy(&pol_minmin, &f.v, b, 3, NULL, minmin, 3);
	check_policy(&pol_maxmin, &f.v, b, 3, NULL, maxmin, 3);
	check_policy(&pol_sufferage, &f.v, b, 3, NULL, sufferage, 3);
	check_policy(&pol_msd, &f.v, b, 3, NULL, msd, 3);
	check_policy(&pol_mmu, &f.v, b, 3, NULL, mmu, 3);
	check_policy(&pol_felare, &f.v, b, 3, NULL, felare, 3);

	/* MMU with t2's deadline 3: slack 3-3 = 0, infinitely urgent.
	 * R1: slacks t0 3, t1 2, t2 0 -> t2 to m1 (ends 3). R2: t0 m0 2 ->
	 * slack 3; t1 m0 5 -> slack 2 -> t1 to m0 (ends 5). R3: t0 m0 7, m1 7
	 * -> m0 (late, but the only task left).      (2,1) (1,0) (0,0) */
	b[2].deadline_s = 3;
	const sim_decision mmu_zero_slack[] = {{2, 1}, {1, 0}, {0, 0}};
	check_policy(&pol_mmu, &f.v, b, 3, NULL, mmu_zero_slack, 3);
}
END_TEST

/*
 * Scenario A with t1's deadline 4: its least completion, 5, is late
 * everywhere.
 * Without drop_infeasible the MinMin family maps it like any task (MinMin,
 * MaxMin, Sufferage ignore deadlines: as in scenario A):
 *   MSD: t1 has the soonest deadline: R1 t1 to m0 (ends 5); R2 t0 m1 4,
 *     t2 m1 3, deadline 5 < 12 -> t0 to m1 (ends 4); R3 t2 m0 13, m1 7.
 *                                            (1,0) (0,1) (2,1)
 *   MMU: t1 is late (slack -1): last. R1 slacks t0 3, t2 9 -> t0 to m0;
 *     R2 t1 late, t2 slack 12-3=9 -> t2 to m1; R3 t1 m0 7, m1 9 -> m0.
 *                                            (0,0) (2,1) (1,0)
 *   FELARE leaves it waiting: t1 (deadline 4) first, m0 5 and m1 6 both
 *     late -> waits; t0 -> m0 (2); t2 m0 10, m1 3 -> m1.  (0,0) (2,1)
 * With drop_infeasible every policy drops t1 in its first round (first
 * decision), then maps t0 and t2 on the idle machines:
 *   MinMin, MSD, MMU: t0 (2, deadline 5, slack 3) before t2 -> m0; t2 -> m1
 *   MaxMin: t2 (3 > 2) first -> m1; then t0 m0 2.
 *   Sufferage: t2 (5 > 2) first -> m1; then t0 -> m0.
 *   FELARE: t1 dropped at its turn, then t0 -> m0, t2 -> m1.
 */
START_TEST(drop_infeasible_drops_a_task_late_everywhere)
{
	bfix f;
	sim_task_view b[3];
	scenario_a(&f, b);
	b[1].deadline_s = 4;
	const char *drop = "{\"drop_infeasible\": true}";
	const char *keep = "{\"name\": \"x\", \"drop_infeasible\": false}";
	const sim_decision minmin[] = {{0, 0}, {2, 1}, {1, 0}};
	const sim_decision maxmin[] = {{1, 0}, {0, 1}, {2, 1}};
	const sim_decision sufferage[] = {{2, 1}, {0, 0}, {1, 0}};
	const sim_decision msd[] = {{1, 0}, {0, 1}, {2, 1}};
	const sim_decision mmu[] = {{0, 0}, {2, 1}, {1, 0}};
	const sim_decision felare[] = {{0, 0}, {2, 1}};
	check_policy(&pol_minmin, &f.v, b, 3, keep, minmin, 3);
	check_policy(&pol_maxmin, &f.v, b, 3, NULL, maxmin, 3);
	check_policy(&pol_sufferage, &f.v, b, 3, keep, sufferage, 3);
	check_policy(&pol_msd, &f.v, b, 3, NULL, msd, 3);
	check_policy(&pol_mmu, &f.v, b, 3, keep, mmu, 3);
	check_policy(&pol_felare, &f.v, b, 3, NULL, felare, 2);

	const sim_decision t0_first[] = {{1, D}, {0, 0}, {2, 1}};
	const sim_decision t2_first[] = {{1, D}, {2, 1}, {0, 0}};
	check_policy(&pol_minmin, &f.v, b, 3, drop, t0_first, 3);
	check_policy(&pol_maxmin, &f.v, b, 3, drop, t2_first, 3);
	check_policy(&pol_sufferage, &f.v, b, 3, drop, t2_first, 3);
	check_policy(&pol_msd, &f.v, b, 3, drop, t0_first, 3);
	check_policy(&pol_mmu, &f.v, b, 3, drop, t0_first, 3);
	check_policy(&pol_felare, &f.v, b, 3, drop, t0_first, 3);
}
END_TEST

/*
 * Scenario B (FELARE): now = 0; m0 fast and power-hungry (idle 50 W, busy
 * 150 W: 100 W dynamic), m1 slow and frugal (idle 20 W, busy 30 W: 10 W).
 * Two task types A (0) and B (1); batch [a: A, deadline 10; b: B, deadline
 * 6].           m0  m1
 *   etc A        2   6
 *   etc B        2   5
 * History: A 9 of 10 on time (0.9), B 5 of 10 (0.5): B suffers, so b is
 * served first although it came second.
 *   b: m0 completes 2, 100*2 = 200 J; m1 completes 5 <= 6, 10*5 = 50 J ->
 *      m1, the slower machine, for a quarter of the energy (ends 5).
 *   a: m0 2 <= 10, 200 J; m1 5+6 = 11 > 10, out -> m0.   (1,1) (0,0)
 * History the other way round (A 5/10, B 9/10): a first.
 *   a: m0 200 J; m1 6 <= 10, 60 J -> m1 (ends 6).
 *   b: m0 2 <= 6, 200 J; m1 6+5 = 11 > 6 -> m0.          (0,1) (1,0)
 * No history: deadline order, b first: as the first case.
 * MinMin, for contrast: R1 a and b both best 2 on m0, tie to batch order:
 *   a to m0 (ends 2); R2 b m0 4, m1 5 -> m0.              (0,0) (1,0)
 * Within a type, the earlier deadline first: batch [x: A, deadline 20;
 * y: A, deadline 8], no history, local queues of 0 places:
 *   y: m0 2, 200 J; m1 6 <= 8, 60 J -> m1; x: m1 is full -> m0.
 *                                                         (1,1) (0,0)
 */
static void scenario_b(bfix *f, sim_task_view *batch)
{
	double etc[2 * 2] = {2, 6, 2, 5};
	build(f, 2, 2, etc);
	f->mtype[0].idle_w = 50;
	f->mtype[0].busy_w = 150;
	f->mtype[1].idle_w = 20;
	f->mtype[1].busy_w = 30;
	batch[0] = (sim_task_view){.id = 0, .type = 0, .deadline_s = 10};
	batch[1] = (sim_task_view){.id = 1, .type = 1, .deadline_s = 6};
}

START_TEST(felare_serves_the_suffering_type_on_the_frugal_machine)
{
	bfix f;
	sim_task_view b[2];
	scenario_b(&f, b);
	f.arrived[0] = f.arrived[1] = 10;
	f.on_time[0] = 9;
	f.on_time[1] = 5;
	const sim_decision b_first[] = {{1, 1}, {0, 0}};
	const sim_decision a_first[] = {{0, 1}, {1, 0}};
	const sim_decision minmin[] = {{0, 0}, {1, 0}};
	check_policy(&pol_felare, &f.v, b, 2, NULL, b_first, 2);
	check_policy(&pol_minmin, &f.v, b, 2, NULL, minmin, 2);
	f.on_time[0] = 5;
	f.on_time[1] = 9;
	check_policy(&pol_felare, &f.v, b, 2, NULL, a_first, 2);
	f.v.type_arrived = f.v.type_on_time = NULL;
	check_policy(&pol_felare, &f.v, b, 2, NULL, b_first, 2);

	b[0] = (sim_task_view){.id = 0, .type = 0, .deadline_s = 20};
	b[1] = (sim_task_view){.id = 1, .type = 0, .deadline_s = 8};
	f.mv[0].queue_cap = f.mv[1].queue_cap = 0;
	const sim_decision earlier_deadline_first[] = {{1, 1}, {0, 0}};
	check_policy(&pol_felare, &f.v, b, 2, NULL, earlier_deadline_first, 2);
}
END_TEST

/*
 * FELARE's objective. One task, deadline 10, etc 2 on m0 and 6 on m1 (both
 * in time). m0: dynamic 100 W, $3.60/h -> 200 J, $0.002; m1: dynamic 10 W,
 * $36/h -> 60 J, $0.06. Energy picks m1, cost picks m0. A second slot on
 * m1 halves its per-task power (5 W -> 30 J) and price, which changes
 * nothing here.
 */
START_TEST(felare_minimises_energy_or_cost_as_asked)
{
	bfix f;
	double etc[2] = {2, 6};
	build(&f, 2, 1, etc);
	f.mtype[0].busy_w = 100;
	f.mtype[0].price_usd_h = 3.6;
	f.mtype[1].busy_w = 10;
	f.mtype[1].price_usd_h = 36;
	sim_task_view b[1] = {{.id = 0, .type = 0, .deadline_s = 10}};
	const sim_decision to_m1[] = {{0, 1}}, to_m0[] = {{0, 0}};
	check_policy(&pol_felare, &f.v, b, 1, NULL, to_m1, 1);
	check_policy(&pol_felare, &f.v, b, 1, "{\"objective\": \"energy\"}", to_m1, 1);
	check_policy(&pol_felare, &f.v, b, 1, "{\"objective\": \"cost\"}", to_m0, 1);
	f.mv[1].slots = 2;
	check_policy(&pol_felare, &f.v, b, 1, "{\"objective\": \"cost\"}", to_m0, 1);
	check_policy(&pol_felare, &f.v, b, 1, NULL, to_m1, 1);
	/* the objective is felare's alone, and one of two words */
	const char *bad[] = {"{\"objective\": \"speed\"}"};
	max_align_t state[32];
	memset(state, 0, sizeof state);
	io_jdoc doc = {0};
	io_err err = {0};
	ck_assert_int_eq(io_jdoc_parse(&doc, "p.json", bad[0], strlen(bad[0]), &err), 0);
	ck_assert_int_eq(pol_felare.init(state, &f.v, &doc, doc.root, &err), IO_EINPUT);
	pol_felare.fini(state);
	io_jdoc_free(&doc);
	const char *cost = "{\"objective\": \"cost\"}";
	memset(state, 0, sizeof state);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_jdoc_parse(&doc, "p.json", cost, strlen(cost), &err), 0);
	ck_assert_int_eq(pol_minmin.init(state, &f.v, &doc, doc.root, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "felare only") != NULL, "%s", err.msg);
	pol_minmin.fini(state);
	io_jdoc_free(&doc);
}
END_TEST

/*
 * Sufferage: a task only one machine accepts has infinite sufferage and
 * goes before any other. Scenario A with t0 taking 4 on m0 and unable to
 * run on m1 (etc INFINITY):
 *   R1: t0 4 (only m0: sufferage inf), t1 5 (6-5=1), t2 3 (8-3=5) -> t0 to
 *       m0 (ends 4).
 *   R2: t1 m0 9, m1 6 -> 3; t2 m0 12, m1 3 -> 9 -> t2 to m1 (ends 3).
 *   R3: t1 m0 9, m1 3+6=9: tie -> m0 (lowest index).   (0,0) (2,1) (1,0)
 * MinMin takes t2 (3) first: R1 t2 to m1 (ends 3); R2 t0 m0 4, t1 m0 5,
 *   m1 9 -> t0 to m0 (ends 4); R3 t1 m0 9, m1 9 -> m0.  (2,1) (0,0) (1,0)
 */
START_TEST(sufferage_serves_a_single_machine_task_first)
{
	bfix f;
	sim_task_view b[3];
	scenario_a(&f, b);
	f.etc[0 * 2 + 1] = INFINITY;
	f.etc[0 * 2 + 0] = 4;
	const sim_decision sufferage[] = {{0, 0}, {2, 1}, {1, 0}};
	const sim_decision minmin[] = {{2, 1}, {0, 0}, {1, 0}};
	check_policy(&pol_sufferage, &f.v, b, 3, NULL, sufferage, 3);
	check_policy(&pol_minmin, &f.v, b, 3, NULL, minmin, 3);
}
END_TEST

/* ---- bounded queues --------------------------------------------------- */

/* Carry the decisions out on a fresh plan of v, in order, as the engine
 * does: each mapped task must be accepted where it goes at its turn, and no
 * task is decided twice. Leaves p as after the event; decided[i] is 1 for a
 * mapped task, 2 for a dropped one. */
static void carry_out(const char *what, pol_plan *p, const sim_view *v,
		      const sim_task_view *batch, uint32_t n,
		      const sim_decision *d, uint32_t nd, uint8_t *decided)
{
	tck_int_eq(pol_plan_load(p, v), 0);
	memset(decided, 0, n);
	for (uint32_t k = 0; k < nd; k++) {
		tck_assert_msg(d[k].task < n, "%s: task %u", what, d[k].task);
		tck_assert_msg(!decided[d[k].task], "%s: task %u twice", what,
			      d[k].task);
		if (d[k].machine == SIM_DROP) {
			decided[d[k].task] = 2;
			continue;
		}
		tck_assert_msg(d[k].machine >= 0 &&
				      (uint32_t)d[k].machine < v->n_machines,
			      "%s: machine %d", what, d[k].machine);
		uint32_t tt = batch[d[k].task].type, m = (uint32_t)d[k].machine;
		tck_assert_msg(pol_plan_accepts(p, tt, m),
			      "%s: decision %u overfills machine %u", what, k,
			      m);
		pol_plan_assign(p, tt, m);
		decided[d[k].task] = 1;
	}
}

static const sim_policy *const batch_policies[] = {
	&pol_minmin, &pol_maxmin, &pol_sufferage,
	&pol_msd,    &pol_mmu,	  &pol_felare,
};
enum { N_BATCH = sizeof batch_policies / sizeof batch_policies[0] };

START_TEST(no_decisions_when_every_machine_is_full)
{
	bfix f;
	sim_task_view b[3];
	scenario_a(&f, b);
	for (uint32_t m = 0; m < 2; m++) {
		f.mv[m].busy = 1;
		f.run_end[m][0] = 3;
		f.mv[m].queue_cap = 1;
		f.mv[m].queued = 1;
		f.mv[m].queued_expected_s = 2;
	}
	b[1].deadline_s = 0.5; /* late anywhere, but nowhere accepts it */
	sim_decision out[3];
	for (size_t i = 0; i < N_BATCH; i++) {
		const sim_policy *p = batch_policies[i];
		ck_assert_msg(run_batch(p, &f.v, b, 3, NULL, out) == 0, "%s",
			      p->name);
		ck_assert_msg(run_batch(p, &f.v, b, 3,
					"{\"drop_infeasible\": true}",
					out) == 0,
			      "%s", p->name);
	}
}
END_TEST

/* Scenario A with no local queues: two places in all. MinMin: R1 t0 to m0;
 * R2 m0 is full, t1 m1 6, t2 m1 3 -> t2 to m1; R3 nothing accepts t1, which
 * stays in the batch.                        (0,0) (2,1)
 * Every policy maps exactly two tasks, one per machine. */
START_TEST(decisions_never_overfill_a_machine)
{
	bfix f;
	sim_task_view b[3];
	scenario_a(&f, b);
	f.mv[0].queue_cap = f.mv[1].queue_cap = 0;
	const sim_decision minmin[] = {{0, 0}, {2, 1}};
	check_policy(&pol_minmin, &f.v, b, 3, NULL, minmin, 2);
	pol_plan p = {0};
	for (size_t i = 0; i < N_BATCH; i++) {
		const sim_policy *pol = batch_policies[i];
		sim_decision out[3];
		uint8_t decided[3];
		uint32_t nd = run_batch(pol, &f.v, b, 3, NULL, out);
		ck_assert_msg(nd == 2, "%s: %u decisions", pol->name, nd);
		carry_out(pol->name, &p, &f.v, b, 3, out, nd, decided);
		ck_assert_uint_eq(p.mv[0].busy + p.mv[1].busy, 2);
	}
	pol_plan_free(&p);
}
END_TEST

/* ---- properties on random states -------------------------------------- */

static double uniform(gsl_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * gsl_rng_uniform(r);
}

/* A random state: 1-3 machines of 1-2 slots, some busy (some overrunning),
 * local queues of 0, 1, 2 or unbounded places, partly filled when every
 * slot is busy; etc 1-10 s, one in five pairs unable to run; deadlines up
 * to 20 s away or none; random history. */
static uint32_t random_state(bfix *f, gsl_rng *r, sim_task_view *batch)
{
	uint32_t n_m = 1 + (uint32_t)gsl_rng_uniform_int(r, MAX_M);
	uint32_t n_t = 1 + (uint32_t)gsl_rng_uniform_int(r, MAX_T);
	double etc[MAX_T * MAX_M];
	for (uint32_t i = 0; i < n_t * n_m; i++)
		etc[i] =
			gsl_rng_uniform(r) < 0.2 ? INFINITY : uniform(r, 1, 10);
	build(f, n_m, n_t, etc);
	f->v.now = 10;
	static const uint32_t caps[] = {0, 1, 2, SIM_UNBOUNDED};
	for (uint32_t m = 0; m < n_m; m++) {
		sim_machine_view *mv = &f->mv[m];
		mv->slots = 1 + (uint32_t)gsl_rng_uniform_int(r, MAX_SLOTS);
		for (uint32_t s = 0; s < mv->slots; s++)
			if (gsl_rng_uniform(r) < 0.6) {
				f->run_end[m][s] = uniform(r, 8, 20);
				mv->busy++;
			}
		mv->queue_cap = caps[gsl_rng_uniform_int(r, 4)];
		if (mv->busy == mv->slots) {
			uint32_t most = mv->queue_cap < 3 ? mv->queue_cap : 3;
			mv->queued = (uint32_t)gsl_rng_uniform_int(r, most + 1);
			mv->queued_expected_s = mv->queued * uniform(r, 1, 5);
		}
		f->mtype[m].idle_w = uniform(r, 0, 50);
		f->mtype[m].busy_w = f->mtype[m].idle_w + uniform(r, 0, 100);
	}
	for (uint32_t t = 0; t < n_t; t++) {
		f->arrived[t] = gsl_rng_uniform_int(r, 20);
		f->on_time[t] =
			f->arrived[t]
				? gsl_rng_uniform_int(r, f->arrived[t] + 1)
				: 0;
	}
	uint32_t n = (uint32_t)gsl_rng_uniform_int(r, MAX_B + 1);
	for (uint32_t i = 0; i < n; i++)
		batch[i] = (sim_task_view){
			.id = i,
			.type = (uint32_t)gsl_rng_uniform_int(r, n_t),
			.arrival_s = 10,
			.deadline_s = gsl_rng_uniform(r) < 0.2
					      ? INFINITY
					      : uniform(r, 10, 30)};
	return n;
}

/* After the event: a task left in the batch has no accepting machine
 * (felare without drop_infeasible: or every accepting machine finishes it
 * late); a dropped task is late on every machine that still accepts it
 * (completions only grow within an event), and only drop_infeasible drops.
 */
static void check_after(const char *what, const pol_plan *p,
			const sim_task_view *batch, uint32_t n,
			const uint8_t *decided, int felare, int drop)
{
	for (uint32_t i = 0; i < n; i++) {
		if (decided[i] == 1)
			continue;
		tck_assert_msg(decided[i] == 0 || drop, "%s: dropped %u", what,
			      i);
		int waits_late = decided[i] == 2 || (felare && !drop);
		for (uint32_t m = 0; m < p->n; m++) {
			if (!pol_plan_accepts(p, batch[i].type, m))
				continue;
			double c = pol_plan_completion_s(p, batch[i].type, m);
			tck_assert_msg(waits_late, "%s: %u left, %u accepts it",
				      what, i, m);
			tck_assert_msg(c > batch[i].deadline_s,
				      "%s: %u not placed, on time on %u", what,
				      i, m);
		}
	}
}

START_TEST(random_states_give_valid_maximal_decisions)
{
	gsl_rng *r = sim_rng_new(7, SIM_STREAM_POLICY);
	pol_plan p = {0};
	for (int trial = 0; trial < 400; trial++) {
		bfix f;
		sim_task_view b[MAX_B];
		uint32_t n = random_state(&f, r, b);
		for (size_t i = 0; i < N_BATCH; i++) {
			for (int drop = 0; drop < 2; drop++) {
				const sim_policy *pol = batch_policies[i];
				char what[64];
				snprintf(what, sizeof what, "trial %d %s%s",
					 trial, pol->name, drop ? " drop" : "");
				sim_decision out[MAX_B];
				uint8_t decided[MAX_B];
				uint32_t nd = run_batch(
					pol, &f.v, b, n,
					drop ? "{\"drop_infeasible\": true}"
					     : NULL,
					out);
				carry_out(what, &p, &f.v, b, n, out, nd,
					  decided);
				check_after(what, &p, b, n, decided,
					    pol == &pol_felare, drop);
			}
		}
	}
	pol_plan_free(&p);
	gsl_rng_free(r);
}
END_TEST

/* ---- parameters and registry ------------------------------------------ */

START_TEST(batch_policies_reject_bad_parameters)
{
	bfix f;
	double etc[1] = {1};
	build(&f, 1, 1, etc);
	const char *bad[] = {"{\"k\": 1}", "{\"drop_infeasible\": \"yes\"}",
			     "{\"drop_infeasible\": 1}",
			     "{\"drop_infeasible\": null}"};
	for (size_t i = 0; i < N_BATCH; i++)
		for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++) {
			max_align_t state[32];
			memset(state, 0, sizeof state);
			io_jdoc doc = {0};
			io_err err = {0};
			ck_assert_int_eq(io_jdoc_parse(&doc, "p.json", bad[j],
							 strlen(bad[j]), &err),
					 0);
			ck_assert_int_eq(batch_policies[i]->init(state, &f.v,
								 &doc, doc.root,
								 &err),
					 IO_EINPUT);
			ck_assert_msg(strstr(err.msg, "p.json:1:") != NULL,
				      "%s: %s", batch_policies[i]->name,
				      err.msg);
			io_jdoc_free(&doc);
		}
}
END_TEST

START_TEST(labels_and_registry)
{
	bfix f;
	double etc[1] = {1};
	build(&f, 1, 1, etc);
	const char *names[] = {"minmin", "maxmin", "sufferage",
			       "msd",	 "mmu",	   "felare"};
	for (size_t i = 0; i < N_BATCH; i++) {
		const sim_policy *p = pol_find(names[i]);
		ck_assert_ptr_eq(p, batch_policies[i]);
		ck_assert_ptr_null(p->on_arrival);
		ck_assert_ptr_nonnull(p->on_batch);
		max_align_t state[32];
		memset(state, 0, sizeof state);
		io_jdoc doc = {0};
		io_err err = {0};
		const char *text =
			"{\"name\": \"x\", \"drop_infeasible\": true}";
		ck_assert_int_eq(io_jdoc_parse(&doc, "p.json", text,
						 strlen(text), &err),
				 0);
		ck_assert_int_eq(p->init(state, &f.v, &doc, doc.root, &err), 0);
		char label[64], want[64];
		p->label(state, label, sizeof label);
		snprintf(want, sizeof want, "%s(drop)", names[i]);
		ck_assert_str_eq(label, want);
		p->fini(state);
		memset(state, 0, sizeof state);
		ck_assert_int_eq(p->init(state, &f.v, NULL, NULL, &err), 0);
		p->label(state, label, sizeof label);
		ck_assert_str_eq(label, names[i]);
		p->fini(state);
		io_jdoc_free(&doc);
	}
}
END_TEST

Suite *suite_batch(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("batch");
	tcase_add_test(tc, plan_mirrors_the_engine_bookkeeping);
	tcase_add_test(tc, plan_follows_sim_ready_rules_and_grows);
	tcase_add_test(tc,
		       each_batch_policy_decides_the_hand_computed_sequence);
	tcase_add_test(tc, drop_infeasible_drops_a_task_late_everywhere);
	tcase_add_test(tc,
		       felare_serves_the_suffering_type_on_the_frugal_machine);
	tcase_add_test(tc, felare_minimises_energy_or_cost_as_asked);
	tcase_add_test(tc, sufferage_serves_a_single_machine_task_first);
	tcase_add_test(tc, no_decisions_when_every_machine_is_full);
	tcase_add_test(tc, decisions_never_overfill_a_machine);
	tcase_add_test(tc, random_states_give_valid_maximal_decisions);
	tcase_add_test(tc, batch_policies_reject_bad_parameters);
	tcase_add_test(tc, labels_and_registry);
	suite_add_tcase(s, tc);
	return s;
}
