/*
 * policies/prune.h — the success-probability engine of probabilistic task
 * pruning (Mokhtari, Denninnart & Amini Salehi, "Autonomous task dropping
 * mechanism to achieve robustness in heterogeneous computing systems",
 * IPDPSW 2020; Denninnart et al., "Efficient task pruning mechanism to
 * improve robustness of heterogeneous computing systems", JPDC 2020).
 *
 * The chance that a task of type tt appended now to machine m's local
 * queue completes by its deadline is, on a machine with one slot,
 *     P(R + Q_1 + ... + Q_k + X <= deadline - now)
 * with R the remaining time of the running task given the time it has
 * already run, Q_i the queued tasks' times and X the new task's, all
 * independent and each from its (task type, machine type) model. The sum
 * is computed on a grid (profiles/pmf.h: its rounding is unbiased in the
 * mean and smooths over a few grid steps); this is exact up to that.
 *
 * Several slots (an approximation, the probabilistic counterpart of
 * sim_ready_s, which the other mappers use):
 *     P(min_s R_s + (Q_1 + ... + Q_k) / slots + X <= deadline - now)
 * The new task is taken to start when the first running task ends
 * (P(min > t) = prod_s P(R_s > t), exact) plus the queued work spread
 * evenly over the slots. With an empty queue this is exact (the task takes
 * the first slot to free up); with a queue it is a fluid approximation of
 * list scheduling, whose mean matches sim_ready_s and whose spread is that
 * of the queued work's mean over the slots. Against a simulated FIFO
 * two-slot machine (tests/test_prune.c) it is off by 0.02 to 0.13 in
 * probability: pessimistic when the running tasks are alike (the real
 * queue rebalances the slots), optimistic when one is nearly done; with
 * near-constant times and a short queue it can be far off (a whole task
 * spread over two slots). A machine with a free slot starts the queue now:
 * start delay 0.
 *
 * Cost. One pmf per (task type, machine type) is built at pol_prune_new.
 * Per machine the engine keeps the queued work's distribution keyed by the
 * machine's version: when the version changes it reads the queue's types
 * and matches them to the cached list. Tasks that left the head and tasks
 * that joined the tail are absorbed incrementally (a two-stack queue of
 * partial convolutions: suffix sums for the older part, one running sum for
 * the newer part), so each queue change costs O(1) convolutions amortised,
 * not a re-convolution of the whole queue; any other change rebuilds. Per
 * (machine, task type) it keeps the prefix sums of (queued work) (+) X for
 * the version, built on the type's first probe, and per machine the start
 * delay for (version, now). A probe is then one O(bins of the start delay)
 * pass over those prefix sums, whatever the queue length. Sums are cut at
 * the farthest bin a probe has read so far (a power of two, growing up to
 * max_bins, the sums rebuilt when it grows): exact for P(sum <= t) within
 * it, and it keeps a heavy-tailed model's long grid out of every
 * convolution.
 */
#ifndef HETSIM_POLICIES_PRUNE_H
#define HETSIM_POLICIES_PRUNE_H

#include <stdint.h>
#include "profiles/profile.h"
#include "policies/policy.h"

/* Bins per pmf that pol_prune_default_step is chosen for. */
#define POL_PRUNE_DEFAULT_BINS 4096u

typedef struct pol_prune pol_prune;

/* h: grid step (s); max_bins per pmf (sums are cut there too, the excess
 * counted as late). Builds one pmf per (task type, machine type). Returns
 * 0, IO_EINPUT (h not finite and > 0, max_bins not in [2, 2^28], a model
 * that cannot be discretised: err names it) or IO_ENOMEM. */
int pol_prune_new(pol_prune **out, const prof_profile *p, double h,
		  uint32_t max_bins, io_err *err);
void pol_prune_free(pol_prune *pr);

/*
 * P(a task of type tt appended now to machine m's queue finishes by
 * deadline_s), from the view: running tasks (run_type, run_start_s per
 * busy slot; free slots have run_end_s == -INFINITY), queued task types
 * (v->queue_types), machine type and slots. 0 if m cannot run tt or the
 * deadline is not after now, 1 for an infinite deadline. NAN when it
 * cannot be computed: no memory, or a view without run_start_s / run_type
 * / queue_types where they are needed (pol_plan's copies have none).
 * The caches trust v->machines[m].version: a view whose queue or running
 * set changes must change it (the engine does).
 */
double pol_prune_success(pol_prune *pr, const sim_view *v, uint32_t m,
			 uint32_t tt, double deadline_s);

/*
 * A grid step for p: 1/50 of the smallest mean execution time over the
 * pairs that can run (so the fastest task spans ~50 bins and the grid's
 * smoothing, a few h, is a few per cent of it), but not below
 * 8 x (largest 99.9% quantile over the pairs) / POL_PRUNE_DEFAULT_BINS, so
 * that a grid of POL_PRUNE_DEFAULT_BINS covers a queue of eight of the
 * slowest tasks (each pair's 99.9% quantile within 512 bins). 1e-6 s if
 * every time is 0.
 */
double pol_prune_default_step(const prof_profile *p);

/* Convolutions done so far (tests and benchmarks check the caching). */
uint64_t pol_prune_convolutions(const pol_prune *pr);

#endif
