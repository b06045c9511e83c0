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
 * The time of a merged run (pol_merge_part, the profile's "merge" section,
 * profiles/profile.h) comes in two forms:
 *   relative  each task type has a shared fraction f <= 1 of its own time
 *             t: the part f t (process start-up, reading and decoding the
 *             input) is paid once per run, the rest (1 - f) t (filtering,
 *             encoding, writing its output) by every request. A run of
 *             requests with times t_i and fractions f_i takes
 *                 T = max_i f_i t_i + sum_i (1 - f_i) t_i,
 *             which does not depend on the order of the requests and is
 *             never shorter than any one request alone (T - t_j =
 *             max_i f_i t_i - f_j t_j + sum_{i != j} (1 - f_i) t_i >= 0).
 *             A negative f (the outputs slow each other down: memory,
 *             caches) makes T longer than the separate runs together.
 *             The fractions are relative to the requests' own times, so a
 *             fit from one machine transfers to a faster or slower one.
 *   absolute  (profiles without "shared_frac": the older form) one shared
 *             part a per machine type: the first request takes its time,
 *             each later one max(0, t_i - a).
 * Either way a request of a type already in the run adds nothing (its
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
#include "profiles/profile.h"

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

/* Time of one merged run of k >= 1 requests with single-run times t[i] and
 * shared fractions frac[i] <= 1 (the relative form above). */
double pol_merge_time(const double *t, const double *frac, size_t k);

/* A run built one request at a time on machine type mtype of profile p:
 * pol_merge_lead starts it with its first request (type, time t) and
 * returns its state (the largest shared part so far); pol_merge_part adds
 * a request of another type to it and returns the time that request adds
 * (relative form: the sum over the run is pol_merge_time's T; absolute
 * form: max(0, t - a), *state unused). */
double pol_merge_lead(const prof_profile *p, uint32_t type, double t);
double pol_merge_part(const prof_profile *p, uint32_t mtype, uint32_t type,
		      double t, double *state);

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
