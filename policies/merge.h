/*
 * policies/merge.h — task merging: when a request may join a queued one.
 *
 * Merging (seed 000 §4.5; Denninnart & Amini Salehi, "Harnessing the
 * Potential of Function-Reuse in Multimedia Cloud Systems", IEEE TPDS 33(3),
 * 2022): transcoding requests on the same video segment can be served by one
 * ffmpeg run with several outputs, which decodes the segment once. A new
 * request is *compatible* with a task waiting in a machine's queue (not yet
 * started) when both work on the same input (merge key). Merged, the task's
 * time grows by the new request's own part only: its time less the shared
 * part (start-up + decode) of the machine type (profiles/profile.h,
 * "merge"); a request of a type already in the group adds nothing (its
 * output is one the run already makes).
 *
 * Only tasks in a machine's local queue are merge targets: their machine,
 * and so the effect of a merge on the queue, is known. Policies that keep
 * tasks in the mapper's queue until a slot frees (fcfs) never queue
 * locally, so nothing merges under them; mct, met, rr, random, olb, kpb and
 * the batch policies (which fill bounded local queues) do.
 *
 * Strategies, for a new request r and the most recently queued compatible
 * task L on machine m (only L is considered):
 *   never     no merging.
 *   always    merge r into L whenever L holds fewer than max_degree
 *             requests.
 *   adaptive  as always, but only if no deadline is lost by it: with the
 *             merge, L's expected completion grows by r's expected part,
 *             and so do those of the tasks queued behind L on m; the merge
 *             is declined if any of them (or r itself, which completes with
 *             L) would then end after its deadline while without the merge
 *             it would not (for r: while it would end in time). Expected
 *             completions replay m's queue in FIFO order on its slots from
 *             the running tasks' expected ends, with expected (mean) times.
 * max_degree (1..64, default 5) bounds the requests in one run: the
 * aggressiveness of merging (1 = never).
 */
#ifndef HETSIM_POLICIES_MERGE_H
#define HETSIM_POLICIES_MERGE_H

#include <stddef.h>
#include <stdint.h>

typedef enum pol_merge_strategy {
	POL_MERGE_NEVER = 0,
	POL_MERGE_ALWAYS,
	POL_MERGE_ADAPTIVE,
} pol_merge_strategy;

#define POL_MERGE_MAX_DEGREE 64
#define POL_MERGE_DEFAULT_DEGREE 5

/* "never" / "always" / "adaptive" -> strategy, or -1. */
int pol_merge_from_name(const char *name);
const char *pol_merge_name(pol_merge_strategy s);

/* A task in a machine's queue, in FIFO order: expected run time and
 * deadline (INFINITY: none). */
typedef struct pol_queued {
	double expected_s, deadline_s;
} pol_queued;

/* Expected completion times of a queue: slot_free[0..slots-1] are the
 * expected ends of the running tasks (or now for free slots), consumed;
 * end[i] receives queue entry i's expected end. */
void pol_merge_replay(double *slot_free, uint32_t slots, const pol_queued *q,
		      size_t n, double *end);

/* Adaptive test: may r (expected part extra_s, deadline r_deadline_s) join
 * entry leader of queue q (n entries) on a machine whose running slots end
 * at slot_free[0..slots-1]? scratch needs 2 * slots + 2 * n doubles.
 * Returns 1 if no deadline is lost by the merge. */
int pol_merge_adaptive_ok(const double *slot_free, uint32_t slots,
			  const pol_queued *q, size_t n, size_t leader,
			  double extra_s, double r_deadline_s,
			  double *scratch);

#endif
