/*
 * policies/immediate.h — immediate-mode mapping heuristics: each task is
 * mapped once, on arrival (or when it reaches the head of the mapper's wait
 * queue). Definitions follow Maheswaran, Ali, Siegel, Hensgen & Freund,
 * "Dynamic mapping of a class of independent tasks onto heterogeneous
 * computing systems", JPDC 59(2), 1999, and Braun et al., JPDC 61(6), 2001,
 * with "machine" meaning one instance and "ready time" sim_ready_s().
 * Every policy only picks among machines that accept the task (can run its
 * type, and have a free slot or local-queue place); when there is none it
 * defers. Ties go to the lowest machine index, so runs are deterministic.
 *
 *   fcfs    first come, first served: the lowest-indexed machine with a free
 *           slot; when every slot is busy the task waits in the mapper's
 *           FIFO queue (local queues stay empty). With c identical machines
 *           this is the M/M/c discipline.
 *   fcfs_random  a load balancer's "random free": a uniformly random machine
 *           among those with a free slot that can run the task (policy RNG
 *           stream: seeded), else the FIFO queue as fcfs. The HEET mixed-load
 *           runs spread requests evenly over a pool's instances at low load
 *           (experiments/serving/README.md), which first-free does not.
 *   fcfs_least  the least loaded machine with a free slot (fewest busy
 *           slots per slot; ties to the lowest index), else the FIFO queue.
 *           With one slot per machine every free machine is equally loaded
 *           and this is fcfs; it differs on machines of several slots.
 *   rr      round robin: the next machine after the last one chosen, in
 *           index order, that accepts the task.
 *   random  uniformly among the machines that accept the task (policy RNG
 *           stream).
 *   met     minimum execution time: least expected execution time of the
 *           task (sim_task_etc: its type's mean times its size, or with
 *           "clairvoyant" its actual time); ties broken by earliest ready
 *           time. Load-blind.
 *   mct     minimum completion time: least ready time + expected execution
 *           time.
 *   olb     opportunistic load balancing: earliest ready time, whatever the
 *           execution time.
 *   kpb     k-percent best (parameter k_percent in (0, 100], default 30):
 *           MCT restricted to the ceil(k/100 * M) machines with the least
 *           expected execution time for the task's type (M = machines able
 *           to run it; chosen once, by the types' means). k = 100 is MCT;
 *           k <= 100/M is MET on availability.
 */
#ifndef HETSIM_POLICIES_IMMEDIATE_H
#define HETSIM_POLICIES_IMMEDIATE_H

#include "policies/policy.h"

extern const sim_policy pol_fcfs, pol_fcfs_random, pol_fcfs_least, pol_rr, pol_random, pol_met, pol_mct,
	pol_olb, pol_kpb;

#endif
