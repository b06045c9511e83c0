/*
 * policies/policy.h — the contract between the engine and mapping policies.
 *
 * Policies never touch the event heap or the machines: they see a read-only
 * view (sim_view) of the machines' state and of the expected execution times
 * (the profile's means: a mapper knows the distributions, not the draws) and
 * return a decision. The engine carries it out. A task's own expected times
 * (sim_task_view.etc, read through sim_task_etc) are its type's means times
 * its size (a trace's work column), or with the experiment's "clairvoyant"
 * the times it will actually take (sim/sim.h); which machines can run it
 * stays a matter of its type (sim_can_run).
 *
 * Immediate mode (this header's on_arrival): each task is mapped when it
 * arrives, or when it reaches the head of the mapper's FIFO wait queue. A
 * policy returns the index of a machine that accepts the task
 * (sim_accepts: it can run the task type and has a free slot or room in its
 * local queue), or SIM_DEFER when no machine accepts it or the policy wants
 * it to wait; a deferred task waits in the mapper queue (or is rejected when
 * the experiment says queue.when_full = "reject") and is offered again when
 * a machine frees a slot.
 *
 * Batch mode (on_batch, for policies that set it instead of on_arrival):
 * arriving tasks join an unbounded batch queue; at every mapping event (an
 * arrival or a completion) the policy sees the whole batch, in arrival
 * order, and returns decisions: map batch[i] to a machine, or drop it.
 * Tasks it does not decide on stay in the batch queue for the next event.
 * Decisions are carried out in the order given; a policy must account for
 * the places its own earlier decisions of the same event fill (policies/
 * plan.h mirrors the engine's bookkeeping for that). Each decision is
 * checked against the machines as the earlier ones left them: one the
 * engine finds invalid (machine full or unable to run the type), or any
 * other value than a machine index or SIM_DROP, leaves the task in the
 * batch queue. on_batch is never called with n = 0. init may fail after
 * allocating: fini is called in any case.
 *
 * Eviction (batch mode): the decision sim_evict_onto(m) for batch[i]
 * removes the last task of machine m's local queue (view.queue_tail: a
 * queued task, never a running one), drops it (SIM_DROP with reason
 * "evicted": outcome "evicted" in tasks.csv.gz, dropped_by.evicted in
 * summary.json, a key present only when nonzero so that runs without
 * evictions keep their summaries) and puts batch[i] at the end of m's
 * queue in its place.
 * The engine carries it out only when m can run batch[i]'s type and its
 * queue has an evictable tail (queue_tail returns 1); else batch[i] stays
 * in the batch queue. felare's "evict" (policies/batch.h) uses it; no
 * other policy does, and it costs the others nothing.
 */
#ifndef HETSIM_POLICIES_POLICY_H
#define HETSIM_POLICIES_POLICY_H

#include <math.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>
#include "profiles/profile.h"

enum { SIM_DEFER = -1, SIM_DROP = -2, SIM_EVICT_BASE = -3 };
#define SIM_UNBOUNDED UINT32_MAX

typedef struct sim_machine_view {
	uint32_t type;      /* machine type index in the profile */
	uint32_t slots;     /* tasks it runs at once */
	uint32_t busy;      /* tasks running */
	uint32_t queued;    /* tasks in its local queue */
	uint32_t queue_cap; /* SIM_UNBOUNDED for no bound */
	double queued_expected_s; /* sum of expected times of queued tasks */
	const double *run_end_s;  /* [slots] expected end of each running task
				     (start + expected time); -INFINITY if free */
	const double *run_start_s;  /* [slots] start of each running task */
	const uint32_t *run_type;   /* [slots] task type of each running task */
	/* [slots] deadline of each running task (INFINITY: none); NULL:
	 * unknown (a view built by hand) */
	const double *run_deadline_s;
	uint64_t version; /* changes whenever its running or queued tasks do */
} sim_machine_view;

/* What sim_ready_s and sim_accepts (less the task type) say of one machine,
 * kept up to date by the engine whenever the machine changes, for mappers
 * that scan every machine per task: its ready time is
 * max(from_s, now) + backlog_s, the same value sim_ready_s computes in the
 * same operations. from_s is -INFINITY when a slot is free (backlog_s is
 * then 0), +INFINITY when the machine accepts nothing more (every slot
 * busy and its queue full), else the earliest expected end of its running
 * tasks; backlog_s = queued_expected_s / slots. */
typedef struct sim_ready {
	double from_s, backlog_s;
} sim_ready;

typedef struct sim_view {
	double now;
	uint32_t n_machines;
	const sim_machine_view *machines;
	const sim_ready *ready; /* [n_machines], see sim_ready; NULL in a view
				   built by hand or a plan's copy (plan.h):
				   use sim_ready_s then */
	uint32_t n_machine_types, n_task_types;
	const double *etc; /* [task_type * n_machine_types + machine_type]:
			      expected execution time, INFINITY = cannot run */
	const prof_profile *profile;
	gsl_rng *rng; /* SIM_STREAM_POLICY: the only randomness a policy uses */
	/* history per task type [n_task_types], for fairness: tasks arrived,
	 * completed by their deadline, and dropped or completed late so far */
	const uint64_t *type_arrived, *type_on_time, *type_failed;
	/* Task types of machine m's local queue, head first: writes up to cap
	 * into out, returns the queue length. */
	uint32_t (*queue_types)(const void *engine, uint32_t m, uint32_t *out,
				uint32_t cap);
	const void *engine;
	/* Machine m's local queue, one task at a time, head first: at NULL
	 * gives the head; returns the task's handle (NULL past the end) and
	 * writes its expected time and deadline (INFINITY: none). NULL in a
	 * view built by hand. */
	const void *(*queue_next)(const void *engine, uint32_t m,
				  const void *at, double *expected_s,
				  double *deadline_s);
	/* Machine m's last queued task, the one sim_evict_onto(m) evicts:
	 * writes its type and expected time and returns 1; returns 0 when
	 * the queue is empty or its tail cannot be evicted (it leads a
	 * merged run). NULL in a view built by hand. */
	int (*queue_tail)(const void *engine, uint32_t m, uint32_t *type,
			  double *expected_s);
	/* The experiment's E2C-Sim parity options (sim/sim.h): "tie_break":
	 * "random" (equal scores: a uniformly random machine among them,
	 * drawn from rng; 0: the lowest index) and "readiness": "e2c" (ready
	 * times as E2C-Sim computes them, sim_ready_e2c_s). */
	int tie_random, readiness_e2c;
} sim_view;

typedef struct sim_task_view {
	uint64_t id;
	uint32_t type;
	double arrival_s;
	double deadline_s; /* INFINITY if none */
	double size;       /* work in units of its type's model (1: one) */
	/* [n_machine_types] its expected execution time on each machine type
	 * (INFINITY where its type cannot run); NULL: its type's row of etc */
	const double *etc;
} sim_task_view;

/* Expected execution time of task type tt on machine m. */
static inline double sim_etc(const sim_view *v, uint32_t tt, uint32_t m)
{
	return v->etc[(size_t)tt * v->n_machine_types + v->machines[m].type];
}
static inline int sim_can_run(const sim_view *v, uint32_t tt, uint32_t m)
{
	return isfinite(sim_etc(v, tt, m));
}
static inline int sim_has_free_slot(const sim_view *v, uint32_t m)
{
	return v->machines[m].busy < v->machines[m].slots;
}
/* m can take a task of type tt now: it can run it, and a slot or a queue
 * place is free. */
static inline int sim_accepts(const sim_view *v, uint32_t tt, uint32_t m)
{
	const sim_machine_view *mv = &v->machines[m];
	return sim_can_run(v, tt, m) &&
	       (mv->busy < mv->slots || mv->queued < mv->queue_cap);
}
/*
 * E2C-Sim's ready time ("readiness": "e2c"). E2C drops a task when its
 * deadline passes, queued or running, so its mappers count each task at
 * most until its deadline: a running task until min(expected end,
 * deadline), a queued one from the time the ones ahead leave it, skipped
 * if its deadline has passed by then (it will be dropped unstarted), else
 * until min(start + expected time, deadline). The machine is ready when
 * the last of them leaves. (This is the reading of E2C-Sim's MECT and
 * batch mappers stated in issue 19; E2C's source is not in ../shared.)
 * With several slots the earliest slot is taken and the queue spread over
 * the slots, as sim_ready_s does. Tasks in m's queue beyond those the
 * engine lists (a batch plan's own, policies/plan.h) count in full.
 */
static inline double sim_ready_e2c_s(const sim_view *v, uint32_t m)
{
	const sim_machine_view *mv = &v->machines[m];
	double now = v->now, t = now;
	if (mv->busy >= mv->slots) {
		t = INFINITY;
		for (uint32_t s = 0; s < mv->slots; s++) {
			double end = mv->run_end_s[s];
			if (mv->run_deadline_s && mv->run_deadline_s[s] < end)
				end = mv->run_deadline_s[s];
			if (end < t)
				t = end;
		}
		if (t < now)
			t = now;
	}
	uint32_t listed = 0;
	double listed_s = 0, e, d;
	if (v->queue_next)
		for (const void *q = v->queue_next(v->engine, m, NULL, &e, &d);
		     q && listed < mv->queued;
		     q = v->queue_next(v->engine, m, q, &e, &d)) {
			listed++;
			listed_s += e;
			if (t >= d)
				continue;
			t += e / mv->slots;
			if (t > d)
				t = d;
		}
	if (mv->queued > listed)
		t += (mv->queued_expected_s - listed_s) / mv->slots;
	return t;
}
/* On a tie with the best machine so far under "tie_break": "random",
 * whether the candidate replaces it; *n_tied counts the machines tied at
 * the best score so far (1 when a new best is found). Reservoir sampling:
 * each of the tied machines ends up chosen with equal probability. */
static inline int sim_tie_take(const sim_view *v, uint32_t *n_tied)
{
	++*n_tied;
	return gsl_rng_uniform_int(v->rng, *n_tied) == 0;
}
/*
 * Expected time at which m could start one more task: now if a slot is
 * free; otherwise the earliest expected end of a running task (not before
 * now: an overrunning task is taken to end now) plus the expected work
 * queued ahead, spread over the slots. Exact list-scheduling for one slot;
 * an estimate for several. With "readiness": "e2c", sim_ready_e2c_s.
 */
static inline double sim_ready_s(const sim_view *v, uint32_t m)
{
	const sim_machine_view *mv = &v->machines[m];
	if (__builtin_expect(v->readiness_e2c, 0))
		return sim_ready_e2c_s(v, m);
	if (mv->busy < mv->slots)
		return v->now;
	double first_end = mv->run_end_s[0];
	for (uint32_t s = 1; s < mv->slots; s++)
		if (mv->run_end_s[s] < first_end)
			first_end = mv->run_end_s[s];
	if (first_end < v->now)
		first_end = v->now;
	return first_end + mv->queued_expected_s / mv->slots;
}
/* Expected completion time of a task of type tt placed on m now. */
static inline double sim_completion_s(const sim_view *v, uint32_t tt,
				      uint32_t m)
{
	return sim_ready_s(v, m) + sim_etc(v, tt, m);
}
/* Task t's expected execution times, indexed by machine type: its own
 * (size, or clairvoyance), else its type's row of etc. Loops over the
 * machines read it once. */
static inline const double *sim_task_etc_row(const sim_view *v,
					     const sim_task_view *t)
{
	return t->etc ? t->etc : v->etc + (size_t)t->type * v->n_machine_types;
}
/* Expected execution time of task t on machine m: what mappers should
 * use. */
static inline double sim_task_etc(const sim_view *v, const sim_task_view *t,
				  uint32_t m)
{
	return sim_task_etc_row(v, t)[v->machines[m].type];
}
/* Expected completion time of task t placed on m now. */
static inline double sim_task_completion_s(const sim_view *v,
					   const sim_task_view *t, uint32_t m)
{
	return sim_ready_s(v, m) + sim_task_etc(v, t, m);
}

/* One batch-mode decision: batch[task] goes to machine (>= 0), is
 * dropped (SIM_DROP), or evicts a queued task (sim_evict_onto). */
typedef struct sim_decision {
	uint32_t task;
	int32_t machine;
} sim_decision;

/* The decision "batch[task] takes the place of machine m's last queued
 * task, which is evicted" (see "Eviction" above), and its machine back. */
static inline int32_t sim_evict_onto(uint32_t m)
{
	return SIM_EVICT_BASE - (int32_t)m;
}
static inline uint32_t sim_evict_machine(int32_t decision)
{
	return (uint32_t)(SIM_EVICT_BASE - decision);
}

typedef struct sim_policy {
	const char *name;    /* registry key, lower case */
	const char *summary; /* one line for `hetsim policies` */
	size_t state_size;   /* bytes of per-run state, zeroed before init */
	/* Read parameters (params may be NULL: defaults). Errors name the line
	 * in doc. May be NULL when the policy has no parameters. */
	int (*init)(void *state, const sim_view *v, const io_jdoc *doc,
		    const json_t *params, io_err *err);
	/* Immediate mode: the decision for one task, a machine index or
	 * SIM_DEFER. NULL for batch policies. */
	int32_t (*on_arrival)(void *state, const sim_view *v,
			      const sim_task_view *t);
	/* Batch mode: decisions for the n waiting tasks, written to out (room
	 * for n); returns how many. NULL for immediate policies. */
	uint32_t (*on_batch)(void *state, const sim_view *v,
			     const sim_task_view *batch, uint32_t n,
			     sim_decision *out);
	/* Release what init allocated; may be NULL. */
	void (*fini)(void *state);
	/* Batch mode: whether on_batch wants to see the batch at events where
	 * no machine has room (to cancel tasks, as felare's
	 * cancel_after_deferrals does); NULL or 0: it is not called then. */
	int (*sees_full)(const void *state);
	/* Label for tables, e.g. "kpb(30%)"; NULL: the name. */
	void (*label)(const void *state, char *buf, size_t cap);
} sim_policy;

/* The registry (policies/registry.c). */
const sim_policy *pol_find(const char *name);
/* NULL-terminated list of every registered policy, in display order. */
const sim_policy *const *pol_all(void);

#endif
