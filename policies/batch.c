/* policies/batch.c — batch-mode heuristics (see batch.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policies/batch.h"
#include "policies/plan.h"

/* Phase-2 ranking key of a task: compared lexicographically, least
 * first. */
typedef struct rank_key {
	double k[3];
} rank_key;

struct best_two;
typedef void (*rank_fn)(const sim_task_view *t, const struct best_two *b,
			rank_key *key);

typedef struct batch_kind {
	const char *name;
	rank_fn rank; /* NULL: felare, which is not a MinMin-style policy */
} batch_kind;

typedef struct felare_item {
	double ratio, deadline_s;
	uint32_t task;
} felare_item;

typedef struct deferral {
	uint64_t id, count;
} deferral;

typedef struct batch_state {
	const batch_kind *kind;
	int drop_infeasible;
	int objective_cost; /* felare: minimise dollars instead of joules */
	pol_plan plan;
	uint8_t *settled;   /* [task] decided, or no machine accepts it */
	felare_item *order; /* [task] felare's serving order */
	size_t cap_tasks;
	/* felare's "cancel_after_deferrals" (0: never): the tasks of the
	 * batch found no room so far, by id ascending, and how often;
	 * def_next is the next event's list being built */
	uint64_t cancel_after;
	deferral *def, *def_next;
	size_t n_def, cap_def;
	/* felare's "evict" (FEE) and its "fairness_factor" */
	int evict;
	double fairness;
} batch_state;

/* Phase 1 for one task: the accepting machine of least completion (ties:
 * lowest index, or a random one under "tie_break": "random"), and the
 * least and next-least completion over every machine that can run the
 * task, full or not (for Sufferage: what the task
 * loses if it does not get its best machine, Maheswaran et al. 1999). */
struct best_two {
	int32_t m;   /* SIM_DEFER if no machine accepts the task */
	double best; /* completion on m */
	double any_best, any_second; /* over all runnable machines */
};
typedef struct best_two best_two;

static void rank_minmin(const sim_task_view *t, const best_two *b,
			rank_key *key)
{
	double best = b->best;
	*key = (rank_key){{best, 0, 0}};
}

static void rank_maxmin(const sim_task_view *t, const best_two *b,
			rank_key *key)
{
	double best = b->best;
	*key = (rank_key){{-best, 0, 0}};
}

/* any_second is INFINITY for a task only one machine can run: infinite
 * sufferage */
static void rank_sufferage(const sim_task_view *t, const best_two *b,
			rank_key *key)
{
	double best = b->best;
	*key = (rank_key){{-(b->any_second - b->any_best), best, 0}};
}

static void rank_msd(const sim_task_view *t, const best_two *b,
			rank_key *key)
{
	double best = b->best;
	*key = (rank_key){{t->deadline_s, best, 0}};
}

/* Least slack is greatest urgency 1 / slack; comparing slacks rather than
 * their inverses keeps slack 0 (urgency infinite) exact. A task without
 * deadline has slack INFINITY, after every finite one. Late tasks form a
 * class of their own, after everything. */
static void rank_mmu(const sim_task_view *t, const best_two *b,
			rank_key *key)
{
	double best = b->best;
	double slack = t->deadline_s - best;
	if (slack >= 0)
		*key = (rank_key){{0, slack, best}};
	else
		*key = (rank_key){{1, best, 0}};
}

static int key_less(const rank_key *a, const rank_key *b)
{
	for (int i = 0; i < 3; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i];
	return 0;
}

/* Room for n tasks in the scratch arrays; grows geometrically and never
 * shrinks, so a run stops allocating once its largest batch is seen. */
static int reserve_tasks(batch_state *s, uint32_t n)
{
	if (n <= s->cap_tasks)
		return 0;
	size_t cap = s->cap_tasks ? s->cap_tasks : 16;
	while (cap < n)
		cap *= 2;
	uint8_t *settled = realloc(s->settled, cap * sizeof *settled);
	if (!settled)
		return -1;
	s->settled = settled;
	felare_item *order = realloc(s->order, cap * sizeof *order);
	if (!order)
		return -1;
	s->order = order;
	s->cap_tasks = cap;
	return 0;
}

static best_two phase1(const pol_plan *p, const sim_task_view *t)
{
	best_two b = {SIM_DEFER, INFINITY, INFINITY, INFINITY};
	uint32_t tt = t->type, n_tied = 0;
	for (uint32_t m = 0; m < p->n; m++) {
		if (!sim_can_run(p->v, tt, m))
			continue;
		double c = pol_plan_task_completion_s(p, t, m);
		if (c < b.any_best) {
			b.any_second = b.any_best;
			b.any_best = c;
		} else if (c < b.any_second) {
			b.any_second = c;
		}
		if (!pol_plan_accepts(p, tt, m))
			continue;
		if (b.m < 0 || c < b.best) {
			b.best = c;
			b.m = (int32_t)m;
			n_tied = 1;
		} else if (c == b.best && p->v->tie_random &&
			   sim_tie_take(p->v, &n_tied)) {
			b.m = (int32_t)m;
		}
	}
	return b;
}

/* MinMin, MaxMin, Sufferage, MSD, MMU: rounds of phase 1 over the
 * remaining tasks and one assignment, O(B M) a round. */
static uint32_t rounds(batch_state *s, const sim_task_view *batch, uint32_t n,
		       sim_decision *out)
{
	memset(s->settled, 0, n * sizeof *s->settled);
	uint32_t nd = 0;
	for (;;) {
		uint32_t pick = n;
		int32_t pick_m = SIM_DEFER;
		rank_key pick_key = {{0, 0, 0}};
		for (uint32_t i = 0; i < n; i++) {
			if (s->settled[i])
				continue;
			best_two b = phase1(&s->plan, &batch[i]);
			if (b.m < 0) {
				/* machines only fill up during an event */
				s->settled[i] = 1;
				continue;
			}
			if (s->drop_infeasible &&
			    b.best > batch[i].deadline_s) {
				s->settled[i] = 1;
				out[nd++] = (sim_decision){i, SIM_DROP};
				continue;
			}
			rank_key key;
			s->kind->rank(&batch[i], &b, &key);
			/* strict: a full tie keeps the earlier task */
			if (pick == n || key_less(&key, &pick_key)) {
				pick = i;
				pick_m = b.m;
				pick_key = key;
			}
		}
		if (pick == n)
			return nd;
		pol_plan_assign_s(&s->plan, (uint32_t)pick_m,
				  sim_task_etc(s->plan.v, &batch[pick],
					       (uint32_t)pick_m));
		s->settled[pick] = 1;
		out[nd++] = (sim_decision){pick, pick_m};
	}
}

static int felare_before(const felare_item *a, const felare_item *b)
{
	if (a->ratio != b->ratio)
		return a->ratio < b->ratio;
	if (a->deadline_s != b->deadline_s)
		return a->deadline_s < b->deadline_s;
	return a->task < b->task;
}

static void sift_down(felare_item *a, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && felare_before(&a[child], &a[child + 1]))
			child++;
		if (!felare_before(&a[root], &a[child]))
			return;
		felare_item tmp = a[root];
		a[root] = a[child];
		a[child] = tmp;
		root = child;
	}
}

/* Heapsort: in place, because glibc's qsort may malloc a merge buffer on
 * every call; keys are unique (the task index ends them), so stability
 * does not matter. */
static void sort_items(felare_item *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (size_t end = n; end-- > 1;) {
		felare_item tmp = a[0];
		a[0] = a[end];
		a[end] = tmp;
		sift_down(a, 0, end);
	}
}

static double on_time_ratio(const sim_view *v, uint32_t tt)
{
	if (!v->type_arrived || !v->type_on_time)
		return 0;
	uint64_t arrived = v->type_arrived[tt];
	return (double)v->type_on_time[tt] / (double)(arrived ? arrived : 1);
}

/* What one task adds per second on machine m: the power above idle its
 * slot draws (the engine's linear model: busy - idle spread over the
 * slots), or the price of its slot's time. */
static double rate_on(const sim_view *v, uint32_t m, int cost)
{
	if (!v->profile)
		return 0;
	const prof_machine_type *mt =
		&v->profile->machines[v->machines[m].type];
	double per_machine = cost ? mt->price_usd_h / 3600.0
				  : mt->busy_w - mt->idle_w;
	return per_machine / v->machines[m].slots;
}

static int by_id(const void *a, const void *b)
{
	uint64_t x = ((const deferral *)a)->id, y = ((const deferral *)b)->id;
	return (x > y) - (x < y);
}

/* How often task id found no room at earlier events. */
static uint64_t deferrals_of(const batch_state *s, uint64_t id)
{
	const deferral key = {id, 0};
	const deferral *d = s->n_def ? bsearch(&key, s->def, s->n_def,
					       sizeof *s->def, by_id)
				     : NULL;
	return d ? d->count : 0;
}

/* The starving threshold of this event: fairness_factor x the mean
 * on-time ratio over the task types that have arrived so far (-1: no
 * history, nothing starves). */
static double starving_below(const batch_state *s, const sim_view *v)
{
	if (!v->type_arrived || !v->type_on_time)
		return -1;
	double sum = 0;
	uint32_t n = 0;
	for (uint32_t tt = 0; tt < v->n_task_types; tt++)
		if (v->type_arrived[tt]) {
			sum += on_time_ratio(v, tt);
			n++;
		}
	return n ? s->fairness * sum / n : -1;
}

static int starving(const sim_view *v, uint32_t tt, double below)
{
	return v->type_arrived && v->type_arrived[tt] &&
	       on_time_ratio(v, tt) < below;
}

/* FEE for task t of a starving type that found no machine with room: the
 * machine of least expected execution time for t (ties: lowest index, or
 * random under "tie_break": "random"), if the plan has not changed it in
 * this event, its queue's last task is evictable and of a type that is
 * not starving, and t then completes there by its deadline. Records the
 * swap on the plan and returns the machine, else SIM_DEFER. */
static int32_t fee_victim(batch_state *s, const sim_view *v,
			  const sim_task_view *t, double below)
{
	int32_t fast = SIM_DEFER;
	double fast_etc = INFINITY;
	uint32_t n_tied = 0;
	for (uint32_t m = 0; m < v->n_machines; m++) {
		if (!sim_can_run(v, t->type, m))
			continue;
		double etc = sim_task_etc(v, t, m);
		if (fast < 0 || etc < fast_etc) {
			fast = (int32_t)m;
			fast_etc = etc;
			n_tied = 1;
		} else if (etc == fast_etc && v->tie_random &&
			   sim_tie_take(v, &n_tied)) {
			fast = (int32_t)m;
		}
	}
	if (fast < 0 || !v->queue_tail)
		return SIM_DEFER;
	uint32_t m = (uint32_t)fast, tail_type;
	double tail_s;
	sim_machine_view *pm = &s->plan.mv[m];
	/* the plan's version moves with each of its assignments (and
	 * evictions): unchanged, m's queue is the engine's, tail included */
	if (pm->version != v->machines[m].version ||
	    !v->queue_tail(v->engine, m, &tail_type, &tail_s) ||
	    starving(v, tail_type, below))
		return SIM_DEFER;
	/* t's completion on m with the tail gone: one task fewer, listed or
	 * summed (sim_ready_s, sim_ready_e2c_s) */
	double sum = pm->queued_expected_s;
	pm->queued--;
	pm->queued_expected_s = pm->queued ? sum - tail_s : 0.0;
	double c = pol_plan_task_completion_s(&s->plan, t, m);
	pm->queued++;
	if (c > t->deadline_s) {
		pm->queued_expected_s = sum;
		return SIM_DEFER;
	}
	pm->queued_expected_s += fast_etc;
	pm->version++;
	return fast;
}

static uint32_t felare(batch_state *s, const sim_view *v,
		       const sim_task_view *batch, uint32_t n,
		       sim_decision *out)
{
	double below = s->evict ? starving_below(s, v) : -1;
	for (uint32_t i = 0; i < n; i++)
		s->order[i] = (felare_item){on_time_ratio(v, batch[i].type),
					    batch[i].deadline_s, i};
	sort_items(s->order, n);
	const pol_plan *p = &s->plan;
	uint32_t nd = 0;
	size_t n_next = 0;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = s->order[k].task;
		const sim_task_view *t = &batch[i];
		int32_t pick = SIM_DEFER;
		int accepted = 0;
		double pick_j = INFINITY, pick_c = INFINITY;
		uint32_t n_tied = 0;
		for (uint32_t m = 0; m < p->n; m++) {
			if (!pol_plan_accepts(p, t->type, m))
				continue;
			accepted = 1;
			double c = pol_plan_task_completion_s(p, t, m);
			if (c > t->deadline_s)
				continue;
			double joules = rate_on(v, m, s->objective_cost) *
					sim_task_etc(v, t, m);
			if (pick < 0 || joules < pick_j ||
			    (joules == pick_j && c < pick_c)) {
				pick = (int32_t)m;
				pick_j = joules;
				pick_c = c;
				n_tied = 1;
			} else if (joules == pick_j && c == pick_c &&
				   v->tie_random && sim_tie_take(v, &n_tied)) {
				pick = (int32_t)m;
			}
		}
		if (pick >= 0) {
			pol_plan_assign_s(&s->plan, (uint32_t)pick,
					  sim_task_etc(v, t, (uint32_t)pick));
			out[nd++] = (sim_decision){i, pick};
		} else if (accepted && s->drop_infeasible) {
			out[nd++] = (sim_decision){i, SIM_DROP};
		} else if (!accepted && s->evict &&
			   starving(v, t->type, below) &&
			   (pick = fee_victim(s, v, t, below)) >= 0) {
			out[nd++] = (sim_decision){i, sim_evict_onto(
							      (uint32_t)pick)};
		} else if (s->cancel_after) {
			/* E2C-Sim's ELARE / FELARE: a task deferred while no
			 * queue has room is cancelled at the cancel_after-th
			 * time */
			uint64_t c = deferrals_of(s, t->id) + !accepted;
			if (c >= s->cancel_after)
				out[nd++] = (sim_decision){i, SIM_DROP};
			else if (c > 0)
				s->def_next[n_next++] = (deferral){t->id, c};
		}
	}
	if (s->cancel_after) {
		deferral *old = s->def;
		s->def = s->def_next;
		s->def_next = old;
		s->n_def = n_next;
		qsort(s->def, n_next, sizeof *s->def, by_id);
	}
	return nd;
}

/* Room for n entries in both deferral lists (cancel_after only). */
static int reserve_deferrals(batch_state *s, size_t n)
{
	if (!s->cancel_after || n <= s->cap_def)
		return 0;
	size_t cap = s->cap_def ? s->cap_def : 64;
	while (cap < n)
		cap *= 2;
	deferral *a = realloc(s->def, cap * sizeof *a);
	if (!a)
		return -1;
	s->def = a;
	deferral *b = realloc(s->def_next, cap * sizeof *b);
	if (!b)
		return -1;
	s->def_next = b;
	s->cap_def = cap;
	return 0;
}

static uint32_t batch_map(void *state, const sim_view *v,
			  const sim_task_view *batch, uint32_t n,
			  sim_decision *out)
{
	batch_state *s = state;
	/* without init there is no kind; on no memory nothing is decided and
	 * every task waits for the next event */
	if (!s->kind || n == 0 || reserve_tasks(s, n) ||
	    reserve_deferrals(s, n) || pol_plan_load(&s->plan, v))
		return 0;
	return s->kind->rank ? rounds(s, batch, n, out)
			     : felare(s, v, batch, n, out);
}

static int batch_init(batch_state *s, const batch_kind *kind,
		      const io_jdoc *doc, const json_t *params, io_err *err)
{
	s->kind = kind;
	s->drop_infeasible = 0;
	s->objective_cost = 0;
	if (!params)
		return 0;
	static const char *const keys[] = {"name", "drop_infeasible",
					   "objective",
					   "cancel_after_deferrals", "evict",
					   "fairness_factor", NULL};
	s->fairness = 1.0;
	if (io_jcheck_keys(doc, params, keys, err) ||
	    io_jget_u64(doc, params, "cancel_after_deferrals", 0,
			&s->cancel_after, err) ||
	    io_jget_nonneg(doc, params, "fairness_factor", 0, &s->fairness,
			   err))
		return IO_EINPUT;
	const json_t *evict = json_object_get(params, "evict");
	if (evict && !json_is_boolean(evict))
		return io_jerr_at(err, doc, params, "evict", 0,
				  "evict must be true or false");
	s->evict = evict && json_is_true(evict);
	const json_t *ff = json_object_get(params, "fairness_factor");
	if ((s->evict || ff) && kind->rank)
		return io_jerr_at(err, doc, params,
				  evict ? "evict" : "fairness_factor", 0,
				  "\"evict\" and \"fairness_factor\" apply to "
				  "felare only");
	if (ff && !s->evict)
		return io_jerr(err, doc, ff,
			       "\"fairness_factor\" needs \"evict\": true");
	if (s->cancel_after && kind->rank)
		return io_jerr(err, doc,
			       json_object_get(params, "cancel_after_deferrals"),
			       "\"cancel_after_deferrals\" applies to felare only");
	const char *objective = NULL;
	if (io_jget_str(doc, params, "objective", 0, &objective, err))
		return IO_EINPUT;
	if (objective) {
		const json_t *node = json_object_get(params, "objective");
		if (kind->rank)
			return io_jerr(err, doc, node,
					 "\"objective\" applies to felare only");
		if (strcmp(objective, "cost") == 0)
			s->objective_cost = 1;
		else if (strcmp(objective, "energy") != 0)
			return io_jerr(err, doc, node,
					 "\"objective\" must be \"energy\" or \"cost\"");
	}
	const json_t *drop = json_object_get(params, "drop_infeasible");
	if (drop) {
		/* true/false have no line of their own: name the member */
		if (!json_is_boolean(drop))
			return io_jerr_at(err, doc, params, "drop_infeasible",
					    0,
					    "drop_infeasible must be true or "
					    "false");
		s->drop_infeasible = json_is_true(drop);
	}
	return 0;
}

static void batch_fini(void *state)
{
	batch_state *s = state;
	pol_plan_free(&s->plan);
	free(s->settled);
	free(s->order);
	free(s->def);
	free(s->def_next);
	s->settled = NULL;
	s->order = NULL;
	s->def = s->def_next = NULL;
	s->cap_tasks = s->cap_def = s->n_def = 0;
}

static int batch_sees_full(const void *state)
{
	const batch_state *s = state;
	return s->cancel_after > 0 || s->evict;
}

static void batch_label(const void *state, char *buf, size_t cap)
{
	const batch_state *s = state;
	char cancel[32] = "", evict[40] = "";
	if (s->cancel_after)
		snprintf(cancel, sizeof cancel, "(cancel%llu)",
			 (unsigned long long)s->cancel_after);
	if (s->evict)
		snprintf(evict, sizeof evict, "(evict%g)", s->fairness);
	snprintf(buf, cap, "%s%s%s%s%s", s->kind ? s->kind->name : "batch",
		 s->objective_cost ? "(cost)" : "",
		 s->drop_infeasible ? "(drop)" : "", cancel, evict);
}

/* One registry entry: its kind, and an init that records the kind in the
 * state (the only thing that differs between the batch policies). */
#define BATCH_POLICY(id, rank, text)                                           \
	static const batch_kind id##_kind = {#id, rank};                       \
	static int id##_init(void *state, const sim_view *v,                   \
			     const io_jdoc *doc, const json_t *params,       \
			     io_err *err)                                    \
	{                                                                      \
		return batch_init(state, &id##_kind, doc, params, err);        \
	}                                                                      \
	const sim_policy pol_##id = {                                          \
		.name = #id,                                                   \
		.summary = text,                                               \
		.state_size = sizeof(batch_state),                             \
		.init = id##_init,                                             \
		.on_batch = batch_map,                                         \
		.fini = batch_fini,                                            \
		.sees_full = batch_sees_full,                                  \
		.label = batch_label,                                          \
	}

BATCH_POLICY(minmin, rank_minmin,
	     "batch: least expected completion first (MinMin)");
BATCH_POLICY(maxmin, rank_maxmin,
	     "batch: greatest least-completion first (MaxMin)");
BATCH_POLICY(sufferage, rank_sufferage,
	     "batch: greatest loss if denied its best machine first");
BATCH_POLICY(msd, rank_msd,
	     "batch: soonest deadline first, on its least-completion machine");
BATCH_POLICY(mmu, rank_mmu,
	     "batch: most urgent (least slack) first; late tasks last");
BATCH_POLICY(felare, NULL,
	     "batch: least energy in time, lagging task types first");
