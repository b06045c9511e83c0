/* tests/test_heap.c — the event heap against a plain model of (time, seq)
 * pairs, and sim_heap_move (an event moved in place) against cancel +
 * push: the same events pop in the same order, ties included. */
#include <stdint.h>
#include "sim/base/rng.h"
#include "sim/heap.h"
#include "tests/tests.h"

enum { N_IDS = 300 };

/* Random pushes, pops, cancels and moves (earlier and later) on two heaps:
 * one moves with sim_heap_move, the other cancels and pushes again. Times
 * come from a few values, so most keys tie on time and the order rests on
 * the sequence numbers. */
static void check_moves_as_cancel_push(unsigned long seed, int ops)
{
	sim_heap a, b;
	ck_assert_int_eq(sim_heap_init(&a, 0), 0);
	ck_assert_int_eq(sim_heap_init(&b, 0), 0);
	sim_handle ha[N_IDS] = {0}, hb[N_IDS] = {0};
	double at[N_IDS];
	gsl_rng *r = sim_rng_new(seed, 0);
	double now = 0;
	int moves = 0, pops = 0;
	for (int i = 0; i < ops; i++) {
		uint32_t id = (uint32_t)gsl_rng_uniform_int(r, N_IDS);
		double t = now + (double)gsl_rng_uniform_int(r, 8);
		unsigned long op = gsl_rng_uniform_int(r, 10);
		if (op < 3) { /* schedule id (move it if pending) */
			if (ha[id] && sim_heap_cancel(&a, ha[id])) {
				tck_int_eq(sim_heap_move(&b, hb[id], t), 1);
				ha[id] = sim_heap_push(&a, t, id, (void *)(uintptr_t)(id + 1));
				moves++;
			} else {
				tck_int_eq(sim_heap_move(&b, hb[id], t), 0);
				ha[id] = sim_heap_push(&a, t, id, (void *)(uintptr_t)(id + 1));
				hb[id] = sim_heap_push(&b, t, id, (void *)(uintptr_t)(id + 1));
			}
			at[id] = t;
		} else if (op < 7) { /* move to a time before or after */
			if (!ha[id] || !sim_heap_cancel(&a, ha[id])) {
				tck_int_eq(sim_heap_move(&b, hb[id], t), 0);
				continue;
			}
			t = at[id] + (double)gsl_rng_uniform_int(r, 5) - 2;
			if (t < now)
				t = now;
			ha[id] = sim_heap_push(&a, t, id, (void *)(uintptr_t)(id + 1));
			tck_int_eq(sim_heap_move(&b, hb[id], t), 1);
			at[id] = t;
			moves++;
		} else if (op < 8) { /* cancel */
			tck_int_eq(sim_heap_cancel(&b, hb[id]),
					 sim_heap_cancel(&a, ha[id]));
		} else { /* pop */
			double ta, tb;
			uint32_t ka, kb;
			void *da, *db;
			int ga = sim_heap_pop(&a, &ta, &ka, &da);
			tck_int_eq(sim_heap_pop(&b, &tb, &kb, &db), ga);
			if (!ga)
				continue;
			tck_assert(ta == tb);
			tck_uint_eq(ka, kb);
			tck_ptr_eq(da, db);
			tck_assert(ta >= now);
			now = ta;
			pops++;
		}
		tck_uint_eq(sim_heap_size(&a), sim_heap_size(&b));
	}
	/* drain: the rest pops in the same order too */
	double ta, tb;
	uint32_t ka, kb;
	void *da, *db;
	while (sim_heap_pop(&a, &ta, &ka, &da)) {
		ck_assert_int_eq(sim_heap_pop(&b, &tb, &kb, &db), 1);
		ck_assert(ta == tb);
		ck_assert_uint_eq(ka, kb);
		ck_assert_ptr_eq(da, db);
	}
	ck_assert_uint_eq(sim_heap_size(&b), 0);
	/* the sequences did exercise moves and pops */
	ck_assert_int_gt(moves, ops / 10);
	ck_assert_int_gt(pops, ops / 10);
	gsl_rng_free(r);
	sim_heap_free(&a);
	sim_heap_free(&b);
}

START_TEST(heap_move_pops_as_cancel_and_push)
{
	for (unsigned long seed = 1; seed <= 8; seed++)
		check_moves_as_cancel_push(seed, 20000);
}
END_TEST

/* Equal times: a moved event goes after the ones already at its new time
 * (FIFO as if pushed now), whether it came from earlier or later. */
START_TEST(heap_move_takes_a_fresh_place_among_ties)
{
	sim_heap h;
	sim_heap_init(&h, 0);
	sim_handle early = sim_heap_push(&h, 1.0, 0, NULL);
	sim_heap_push(&h, 5.0, 1, NULL);
	sim_heap_push(&h, 5.0, 2, NULL);
	sim_handle late = sim_heap_push(&h, 9.0, 3, NULL);
	ck_assert_int_eq(sim_heap_move(&h, late, 5.0), 1);  /* down to 5 */
	ck_assert_int_eq(sim_heap_move(&h, early, 5.0), 1); /* up to 5 */
	uint32_t want[] = {1, 2, 3, 0}, kind;
	double t;
	void *d;
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(sim_heap_pop(&h, &t, &kind, &d), 1);
		ck_assert(t == 5.0);
		ck_assert_uint_eq(kind, want[i]);
	}
	/* stale handles (fired, cancelled, 0) move nothing */
	ck_assert_int_eq(sim_heap_move(&h, late, 1.0), 0);
	ck_assert_int_eq(sim_heap_move(&h, 0, 1.0), 0);
	sim_handle c = sim_heap_push(&h, 2.0, 4, NULL);
	ck_assert_int_eq(sim_heap_cancel(&h, c), 1);
	ck_assert_int_eq(sim_heap_move(&h, c, 1.0), 0);
	ck_assert_uint_eq(sim_heap_size(&h), 0);
	sim_heap_free(&h);
}
END_TEST

/* Against a plain model: each event's (time, seq), seq counting pushes
 * and moves as the heap does; a pop must give the least pending pair, and
 * sim_heap_top must show it. Pops and pushes interleave as in an event
 * loop (a push right after a pop refills the popped root), half the
 * pushes by sim_heap_push_root. */
START_TEST(heap_pops_the_least_time_and_seq_of_a_plain_model)
{
	enum { N = 200 };
	sim_heap h;
	sim_heap_init(&h, 0);
	sim_handle hd[N] = {0};
	double at[N];
	uint64_t sq[N];
	int pending[N] = {0};
	uint64_t seq = 0;
	uint32_t count = 0;
	double now = 0;
	gsl_rng *r = sim_rng_new(11, 0);
	for (int i = 0; i < 100000; i++) {
		uint32_t id = (uint32_t)gsl_rng_uniform_int(r, N);
		double t = now + (double)gsl_rng_uniform_int(r, 6);
		unsigned long op = gsl_rng_uniform_int(r, 12);
		if (op < 4 && !pending[id]) {
			/* sim_heap_push_root: into the popped root right
			 * after a pop, else as sim_heap_push */
			hd[id] = op & 1 ? sim_heap_push_root(&h, t, id, NULL)
					: sim_heap_push(&h, t, id, NULL);
			tck_assert(hd[id] != 0);
			at[id] = t, sq[id] = seq++, pending[id] = 1, count++;
		} else if (op < 6) {
			tck_int_eq(sim_heap_move(&h, hd[id], t), pending[id]);
			if (pending[id])
				at[id] = t, sq[id] = seq++;
		} else if (op < 7) {
			tck_int_eq(sim_heap_cancel(&h, hd[id]), pending[id]);
			count -= (uint32_t)pending[id];
			pending[id] = 0;
		} else {
			uint32_t best = N;
			for (uint32_t k = 0; k < N; k++)
				if (pending[k] &&
				    (best == N || at[k] < at[best] ||
				     (at[k] == at[best] && sq[k] < sq[best])))
					best = k;
			if (op == 7 && best < N) { /* peek */
				const sim_heap_entry *top = sim_heap_top(&h);
				ck_assert_ptr_nonnull(top);
				tck_assert(top->time == at[best]);
				tck_uint_eq(top->seq, sq[best]);
				continue;
			}
			double pt;
			uint32_t kind;
			void *d;
			tck_int_eq(sim_heap_pop(&h, &pt, &kind, &d), best < N);
			if (best == N)
				continue;
			tck_uint_eq(kind, best);
			tck_assert(pt == at[best]);
			pending[best] = 0, count--, now = pt;
		}
		tck_uint_eq(sim_heap_size(&h), count);
	}
	gsl_rng_free(r);
	sim_heap_free(&h);
}
END_TEST

Suite *suite_heap(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("move");
	tcase_add_test(tc, heap_move_pops_as_cancel_and_push);
	tcase_add_test(tc, heap_move_takes_a_fresh_place_among_ties);
	tcase_add_test(tc, heap_pops_the_least_time_and_seq_of_a_plain_model);
	suite_add_tcase(s, tc);
	return s;
}
