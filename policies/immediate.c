/* policies/immediate.c — immediate-mode heuristics (see immediate.h). */
#include <stdio.h>
#include <stdlib.h>
#include "policies/immediate.h"
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h> /* mct_scan_avx */
#define MCT_HAS_AVX 1
#endif

static int32_t fcfs_map(void *state, const sim_view *v, const sim_task_view *t)
{
	for (uint32_t m = 0; m < v->n_machines; m++)
		if (sim_has_free_slot(v, m) && sim_can_run(v, t->type, m))
			return (int32_t)m;
	return SIM_DEFER;
}

const sim_policy pol_fcfs = {
	.name = "fcfs",
	.summary = "first free machine; otherwise wait in one FIFO queue",
	.on_arrival = fcfs_map,
};

/* fcfs_random: a uniformly random machine among those with a free slot
 * that can run the task (policy stream, so seeded), else the FIFO wait
 * queue: a load balancer that hands each request to any idle instance. */
static int32_t fcfs_random_map(void *state, const sim_view *v,
			       const sim_task_view *t)
{
	uint32_t n_free = 0;
	for (uint32_t m = 0; m < v->n_machines; m++)
		n_free += (uint32_t)(sim_has_free_slot(v, m) &&
				     sim_can_run(v, t->type, m));
	if (n_free == 0)
		return SIM_DEFER;
	unsigned long pick = gsl_rng_uniform_int(v->rng, n_free);
	for (uint32_t m = 0; m < v->n_machines; m++)
		if (sim_has_free_slot(v, m) && sim_can_run(v, t->type, m) &&
		    pick-- == 0)
			return (int32_t)m;
	return SIM_DEFER; /* not reached */
}

const sim_policy pol_fcfs_random = {
	.name = "fcfs_random",
	.summary = "a random free machine; otherwise wait in one FIFO queue",
	.on_arrival = fcfs_random_map,
};

/* fcfs_least: among the machines with a free slot that can run the task,
 * the least loaded one (fewest busy slots per slot), ties to the lowest
 * index; else the FIFO wait queue. */
static int32_t fcfs_least_map(void *state, const sim_view *v,
			      const sim_task_view *t)
{
	int32_t best = SIM_DEFER;
	double best_load = INFINITY;
	for (uint32_t m = 0; m < v->n_machines; m++) {
		const sim_machine_view *mv = &v->machines[m];
		if (!sim_has_free_slot(v, m) || !sim_can_run(v, t->type, m))
			continue;
		double load = (double)mv->busy / mv->slots;
		if (load < best_load) {
			best_load = load;
			best = (int32_t)m;
		}
	}
	return best;
}

const sim_policy pol_fcfs_least = {
	.name = "fcfs_least",
	.summary = "the least loaded free machine; otherwise one FIFO queue",
	.on_arrival = fcfs_least_map,
};

typedef struct rr_state {
	uint32_t next;
} rr_state;

static int32_t rr_map(void *state, const sim_view *v, const sim_task_view *t)
{
	rr_state *s = state;
	for (uint32_t i = 0; i < v->n_machines; i++) {
		uint32_t m = (s->next + i) % v->n_machines;
		if (sim_accepts(v, t->type, m)) {
			s->next = (m + 1) % v->n_machines;
			return (int32_t)m;
		}
	}
	return SIM_DEFER;
}

const sim_policy pol_rr = {
	.name = "rr",
	.summary = "round robin over the machines that accept the task",
	.state_size = sizeof(rr_state),
	.on_arrival = rr_map,
};

static int32_t random_map(void *state, const sim_view *v,
			  const sim_task_view *t)
{
	uint32_t accepting = 0;
	for (uint32_t m = 0; m < v->n_machines; m++)
		accepting += (uint32_t)sim_accepts(v, t->type, m);
	if (accepting == 0)
		return SIM_DEFER;
	unsigned long pick = gsl_rng_uniform_int(v->rng, accepting);
	for (uint32_t m = 0; m < v->n_machines; m++)
		if (sim_accepts(v, t->type, m) && pick-- == 0)
			return (int32_t)m;
	return SIM_DEFER; /* not reached */
}

const sim_policy pol_random = {
	.name = "random",
	.summary = "a uniformly random machine among those that accept the task",
	.on_arrival = random_map,
};

/* The accepting machine minimising key1, ties by key2, then by index (or
 * at random under "tie_break": "random"). */
typedef void (*keys_fn)(const sim_view *v, const sim_task_view *t,
			uint32_t m, double *key1, double *key2);

static inline __attribute__((always_inline)) int32_t
argmin_accepting(const sim_view *v, const sim_task_view *t,
				const uint32_t *candidates, uint32_t n,
				keys_fn keys)
{
	uint32_t tt = t->type;
	int32_t best = SIM_DEFER;
	double best1 = INFINITY, best2 = INFINITY;
	uint32_t n_tied = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t m = candidates ? candidates[i] : i;
		if (!sim_accepts(v, tt, m))
			continue;
		double k1, k2;
		keys(v, t, m, &k1, &k2);
		int tie = best >= 0 && k1 == best1 && k2 == best2;
		if (tie && v->tie_random) {
			if (sim_tie_take(v, &n_tied))
				best = (int32_t)m;
			continue;
		}
		if (best < 0 || k1 < best1 || (k1 == best1 && k2 < best2) ||
		    (tie && m < (uint32_t)best)) {
			best = (int32_t)m;
			best1 = k1;
			best2 = k2;
			n_tied = 1;
		}
	}
	return best;
}

static inline void met_keys(const sim_view *v, const sim_task_view *t,
			    uint32_t m, double *k1, double *k2)
{
	*k1 = sim_task_etc(v, t, m);
	*k2 = sim_ready_s(v, m);
}

static inline void mct_keys(const sim_view *v, const sim_task_view *t,
			    uint32_t m, double *k1, double *k2)
{
	*k1 = sim_task_completion_s(v, t, m);
	*k2 = 0;
}

static inline void olb_keys(const sim_view *v, const sim_task_view *t,
			    uint32_t m, double *k1, double *k2)
{
	*k1 = sim_ready_s(v, m);
	*k2 = 0;
}

static int32_t met_map(void *state, const sim_view *v, const sim_task_view *t)
{
	return argmin_accepting(v, t, NULL, v->n_machines, met_keys);
}

/* The hot path of the core benchmark: argmin_accepting with mct_keys,
 * reduced to one key (the second is always 0, and machines come in index
 * order, so a strict < keeps the lowest index on ties: same choices).
 * MCT keeps the expected times of the last task type seen, one per machine
 * (etc_m[m] = etc of that type on machine m), so that its scan reads two
 * arrays in machine order; a task with times of its own (size, replayed
 * times, clairvoyance) fills them afresh.
 *
 * The scan, end = max(from_s, now) + backlog_s + etc_m[m] and its first
 * least value, runs four machines at a time with AVX where the processor
 * has it (mct_scan_avx), else one at a time (mct_scan): the same
 * operations on the same values, so the same ends and the same choice.
 * HETSIM_NO_AVX set in the environment forces mct_scan (the tests run
 * both). */
struct mct_state;
/* The machine for t (mct_scan, mct_scan_avx). */
typedef int32_t (*mct_scan_fn)(const struct mct_state *s, const sim_view *v,
			       const sim_task_view *t);

typedef struct mct_state {
	double *etc_m;
	double *ends; /* mct_scan_avx's scratch: the ends of the groups of four */
	uint32_t type; /* the type etc_m is for; UINT32_MAX: none yet */
	mct_scan_fn scan;
} mct_state;

/* From machine `from` on, in index order: the first machine of least
 * finite end, or SIM_DEFER; best_end is the least end before `from`. */
static int32_t mct_scan_from(const sim_ready *r, const double *etc_m,
			     uint32_t from, uint32_t n, double now,
			     int32_t best, double best_end)
{
	for (uint32_t m = from; m < n; m++) {
		double start = r[m].from_s > now ? r[m].from_s : now;
		double end = start + r[m].backlog_s + etc_m[m];
		if (end < best_end) {
			best = (int32_t)m;
			best_end = end;
		}
	}
	return best;
}

/* No finite completion time, or no ready array: the exact rule (the
 * first accepting machine wins unless a later one ends strictly earlier).
 * Out of line, so that the scans save no registers. */
static __attribute__((noinline)) int32_t mct_exact(const sim_view *v,
						   const sim_task_view *t)
{
	int32_t best = SIM_DEFER;
	double best_end = INFINITY;
	const double *etc = sim_task_etc_row(v, t);
	for (uint32_t m = 0; m < v->n_machines; m++) {
		if (!sim_accepts(v, t->type, m))
			continue;
		double end = sim_ready_s(v, m) + etc[v->machines[m].type];
		if (best < 0 || end < best_end) {
			best = (int32_t)m;
			best_end = end;
		}
	}
	return best;
}

static int32_t mct_scan(const mct_state *s, const sim_view *v,
			const sim_task_view *t)
{
	int32_t best = mct_scan_from(v->ready, s->etc_m, 0, v->n_machines,
				     v->now, SIM_DEFER, INFINITY);
	return best >= 0 ? best : mct_exact(v, t);
}

#ifdef MCT_HAS_AVX
/* Four machines at a time: vmaxpd(from_s, now) and vmaxpd(backlog_s,
 * -INFINITY) = backlog_s on a pair of sim_ready each (machines m, m + 2 in
 * one, m + 1, m + 3 in the other: vhaddpd then adds each machine's two
 * into lanes in machine order), then + etc: the operations of mct_scan, on
 * the same values, in the same order. The least end is found by vminpd
 * (exact), then the lanes holding it: the first of them is the first
 * least end overall, the machine mct_scan picks. The scan is on the path
 * from a task's arrival to its start (all that follows waits for the
 * machine), so it is built for latency: the loads do not wait on
 * anything, the least of the groups is a tree, and the first lane holding
 * it is its bit in the mask, machines in order. */

/* The ends of the group of four machines from r on. */
__attribute__((target("avx"), always_inline)) static inline __m256d
mct_ends4(const sim_ready *r, const double *etc, __m256d lo)
{
	__m256d a = _mm256_max_pd(
		_mm256_insertf128_pd(_mm256_castpd128_pd256(
					     _mm_loadu_pd(&r[0].from_s)),
				     _mm_loadu_pd(&r[2].from_s), 1),
		lo);
	__m256d b = _mm256_max_pd(
		_mm256_insertf128_pd(_mm256_castpd128_pd256(
					     _mm_loadu_pd(&r[1].from_s)),
				     _mm_loadu_pd(&r[3].from_s), 1),
		lo);
	return _mm256_add_pd(_mm256_hadd_pd(a, b), _mm256_loadu_pd(etc));
}

/* The least of the four lanes, in every lane. */
__attribute__((target("avx"), always_inline)) static inline __m256d
mct_least4(__m256d x)
{
	x = _mm256_min_pd(x, _mm256_permute2f128_pd(x, x, 1));
	return _mm256_min_pd(x, _mm256_permute_pd(x, 5));
}

/* The lanes of end equal to least, as bits in machine order. */
__attribute__((target("avx"), always_inline)) static inline uint32_t
mct_hits4(__m256d end, __m256d least)
{
	return (uint32_t)_mm256_movemask_pd(
		_mm256_cmp_pd(end, least, _CMP_EQ_OQ));
}

/* Any number of machines: the ends kept in s->ends, the machines past the
 * last group of four in mct_scan_from. */
__attribute__((target("avx"))) static int32_t
mct_scan_avx(const mct_state *s, const sim_view *v, const sim_task_view *t)
{
	const sim_ready *r = v->ready;
	double *ends = s->ends;
	const uint32_t n = v->n_machines, groups = n / 4;
	const double now = v->now;
	const __m256d lo = _mm256_setr_pd(now, -INFINITY, now, -INFINITY);
	__m256d least = _mm256_set1_pd(INFINITY);
	for (uint32_t g = 0; g < groups; g++) {
		__m256d end = mct_ends4(r + 4 * g, s->etc_m + 4 * g, lo);
		_mm256_storeu_pd(ends + 4 * g, end);
		least = _mm256_min_pd(end, least);
	}
	least = mct_least4(least);
	double best_end = _mm256_cvtsd_f64(least);
	int32_t best = SIM_DEFER;
	if (best_end < INFINITY)
		for (uint32_t g = 0; best < 0; g++) {
			uint32_t hits = mct_hits4(_mm256_loadu_pd(ends + 4 * g), least);
			if (hits)
				best = (int32_t)(4 * g + (uint32_t)__builtin_ctz(hits));
		}
	if (n & 3u)
		best = mct_scan_from(r, s->etc_m, groups * 4, n, now, best,
				     best_end);
	return best >= 0 ? best : mct_exact(v, t);
}

/* 4 G machines (G = 1 .. MCT_UNROLLED): the same, unrolled, the ends kept
 * in registers. */
#define MCT_UNROLLED 4
__attribute__((target("avx"), always_inline)) static inline int32_t
mct_scan_avx_groups(const mct_state *s, const sim_view *v,
		    const sim_task_view *t, const uint32_t groups)
{
	if (__builtin_expect(v->n_machines != 4 * groups, 0))
		return mct_scan_avx(s, v, t); /* not the view of mct_init */
	const sim_ready *r = v->ready;
	const double now = v->now;
	const __m256d lo = _mm256_setr_pd(now, -INFINITY, now, -INFINITY);
	__m256d end[MCT_UNROLLED];
	end[0] = mct_ends4(r, s->etc_m, lo); /* groups >= 1 */
#pragma GCC unroll 4
	for (uint32_t g = 1; g < groups; g++)
		end[g] = mct_ends4(r + 4 * g, s->etc_m + 4 * g, lo);
	/* the least of the groups as a tree (no end is NaN: from_s and
	 * backlog_s are finite or INFINITY, etc_m is never NaN) */
	__m256d least = end[0];
	if (groups == 2)
		least = _mm256_min_pd(end[1], end[0]);
	else if (groups == 3)
		least = _mm256_min_pd(_mm256_min_pd(end[1], end[0]), end[2]);
	else if (groups == 4)
		least = _mm256_min_pd(_mm256_min_pd(end[1], end[0]),
				      _mm256_min_pd(end[3], end[2]));
	least = mct_least4(least);
	/* The lanes equal to the least, group g's in bits 4g .. 4g + 3: the
	 * lowest set bit is the first machine holding it, found without a
	 * branch on which one (that changes from task to task). */
	uint32_t hits = 0;
#pragma GCC unroll 4
	for (uint32_t g = 0; g < groups; g++)
		hits |= mct_hits4(end[g], least) << (4 * g);
	if (__builtin_expect(hits != 0 && _mm256_cvtsd_f64(least) < INFINITY,
			     1))
		return (int32_t)__builtin_ctz(hits);
	return mct_exact(v, t);
}

#define MCT_SCAN_GROUPS(g)                                                     \
	__attribute__((target("avx"))) static int32_t mct_scan_avx##g(         \
		const mct_state *s, const sim_view *v, const sim_task_view *t) \
	{                                                                      \
		return mct_scan_avx_groups(s, v, t, g);                        \
	}
MCT_SCAN_GROUPS(1)
MCT_SCAN_GROUPS(2)
MCT_SCAN_GROUPS(3)
MCT_SCAN_GROUPS(4)
#endif

static int mct_init(void *state, const sim_view *v, const io_jdoc *doc,
		    const json_t *params, io_err *err)
{
	mct_state *s = state;
	s->type = UINT32_MAX;
	size_t n = v->n_machines ? v->n_machines : 1;
	/* etc_m and the ends (n + 4 doubles: room for n rounded up) */
	s->etc_m = malloc((2 * n + 4) * sizeof *s->etc_m);
	if (!s->etc_m)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	s->ends = s->etc_m + n;
	s->scan = mct_scan;
#ifdef MCT_HAS_AVX
	if (__builtin_cpu_supports("avx") && !getenv("HETSIM_NO_AVX")) {
		static const mct_scan_fn unrolled[MCT_UNROLLED] = {
			mct_scan_avx1, mct_scan_avx2, mct_scan_avx3,
			mct_scan_avx4};
		uint32_t groups = v->n_machines / 4;
		s->scan = v->n_machines % 4 == 0 && groups >= 1 &&
					  groups <= MCT_UNROLLED
				  ? unrolled[groups - 1]
				  : mct_scan_avx;
	}
#endif
	return IO_OK;
}

static void mct_fini(void *state)
{
	mct_state *s = state;
	free(s->etc_m);
	s->etc_m = NULL;
}

static __attribute__((noinline)) int32_t mct_tied(const sim_view *v,
						  const sim_task_view *t)
{
	return argmin_accepting(v, t, NULL, v->n_machines, mct_keys);
}

/* A new task type, or a task with times of its own: MCT's kept times
 * (out of line: mct_map's common path saves no registers). */
static __attribute__((noinline)) void mct_keep(mct_state *s, const sim_view *v,
					       const double *etc, uint32_t type)
{
	uint32_t n = v->n_machines;
	for (uint32_t m = 0; m < n; m++)
		s->etc_m[m] = etc[v->machines[m].type];
	s->type = type;
}

/* mct_map's rare cases: ties at random, E2C's readiness, no ready array,
 * a new task type or times of the task's own. Out of line, so that the
 * common path saves no registers. */
static __attribute__((noinline)) int32_t
mct_map_other(mct_state *s, const sim_view *v, const sim_task_view *t,
	      const double *row)
{
	if (v->tie_random || v->readiness_e2c)
		return mct_tied(v, t);
	if (!v->ready)
		return mct_exact(v, t);
	int own = t->etc && t->etc != row;
	if (own || s->type != t->type) /* a task's own times are never kept
					  for the next */
		mct_keep(s, v, own ? t->etc : row, own ? UINT32_MAX : t->type);
	return s->scan(s, v, t);
}

static int32_t mct_map(void *state, const sim_view *v, const sim_task_view *t)
{
	/* sim_accepts and sim_completion_s over v->ready: the same values in
	 * the same operations. A machine that cannot run the type (etc
	 * INFINITY) or accepts nothing more (from_s INFINITY) ends at
	 * INFINITY, never below best_end. */
	mct_state *s = state;
	/* sim_task_etc_row, with the type's row found once */
	const double *row = v->etc + (size_t)t->type * v->n_machine_types;
	if (__builtin_expect(!(v->tie_random | v->readiness_e2c) && v->ready &&
				     s->type == t->type &&
				     (t->etc == row || !t->etc),
			     1)) /* the kept times are the task's */
		return s->scan(s, v, t);
	return mct_map_other(s, v, t, row);
}

static int32_t olb_map(void *state, const sim_view *v, const sim_task_view *t)
{
	return argmin_accepting(v, t, NULL, v->n_machines, olb_keys);
}

const sim_policy pol_met = {
	.name = "met",
	.summary = "least expected execution time (load-blind)",
	.on_arrival = met_map,
};
const sim_policy pol_mct = {
	.name = "mct",
	.summary = "least expected completion time (ready + execution)",
	.state_size = sizeof(mct_state),
	.init = mct_init,
	.on_arrival = mct_map,
	.fini = mct_fini,
};
const sim_policy pol_olb = {
	.name = "olb",
	.summary = "earliest ready machine (execution-time-blind)",
	.on_arrival = olb_map,
};

typedef struct kpb_state {
	double k_percent;
	uint32_t *best;   /* [task type][subset]: machines, fastest first */
	uint32_t *n_best; /* [task type]: subset size */
	uint32_t stride;  /* = n_machines */
} kpb_state;

static const sim_view *sort_view;
static uint32_t sort_type;

static int by_etc(const void *a, const void *b)
{
	uint32_t ma = *(const uint32_t *)a, mb = *(const uint32_t *)b;
	double ea = sim_etc(sort_view, sort_type, ma);
	double eb = sim_etc(sort_view, sort_type, mb);
	if (ea != eb)
		return ea < eb ? -1 : 1;
	return ma < mb ? -1 : ma > mb;
}

static int kpb_init(void *state, const sim_view *v, const io_jdoc *doc,
		    const json_t *params, io_err *err)
{
	kpb_state *s = state;
	s->k_percent = 30;
	if (params) {
		static const char *const keys[] = {"name", "k_percent", NULL};
		if (io_jcheck_keys(doc, params, keys, err) ||
		    io_jget_posnum(doc, params, "k_percent", 0, &s->k_percent,
				     err))
			return IO_EINPUT;
		if (s->k_percent > 100)
			return io_jerr(err, doc,
					 json_object_get(params, "k_percent"),
					 "k_percent must be in (0, 100]");
	}
	s->stride = v->n_machines;
	s->best = malloc((size_t)v->n_task_types * v->n_machines *
			 sizeof *s->best);
	s->n_best = malloc((size_t)v->n_task_types * sizeof *s->n_best);
	if (!s->best || !s->n_best)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	sort_view = v; /* qsort has no context argument in C11 */
	for (uint32_t tt = 0; tt < v->n_task_types; tt++) {
		uint32_t *row = s->best + (size_t)tt * s->stride, n = 0;
		for (uint32_t m = 0; m < v->n_machines; m++)
			if (sim_can_run(v, tt, m))
				row[n++] = m;
		sort_type = tt;
		qsort(row, n, sizeof *row, by_etc);
		uint32_t keep = (uint32_t)ceil(s->k_percent / 100.0 * n - 1e-9);
		s->n_best[tt] = keep < 1 ? 1 : keep;
	}
	sort_view = NULL;
	return 0;
}

static void kpb_fini(void *state)
{
	kpb_state *s = state;
	free(s->best);
	free(s->n_best);
}

static int32_t kpb_map(void *state, const sim_view *v, const sim_task_view *t)
{
	const kpb_state *s = state;
	return argmin_accepting(v, t, s->best + (size_t)t->type * s->stride,
				s->n_best[t->type], mct_keys);
}

static void kpb_label(const void *state, char *buf, size_t cap)
{
	const kpb_state *s = state;
	snprintf(buf, cap, "kpb(%g%%)", s->k_percent);
}

const sim_policy pol_kpb = {
	.name = "kpb",
	.summary = "MCT over the k% machines fastest for the task (k_percent)",
	.state_size = sizeof(kpb_state),
	.init = kpb_init,
	.on_arrival = kpb_map,
	.fini = kpb_fini,
	.label = kpb_label,
};
