/*
 * policies/batch.h — batch-mode mapping heuristics: at every mapping event
 * (policies/policy.h, "Batch mode") the policy sees every waiting task and maps
 * as many as it can. Each keeps a pol_plan (policies/plan.h) of the
 * machines, so that its decisions of one event see each other exactly as
 * the engine will carry them out.
 *
 * Notation, on the current plan: machine m "accepts" task i when
 * pol_plan_accepts holds (it can run the type, and a slot or a local-queue
 * place is free); C(i, m) = pol_plan_completion_s, i.e. sim_completion_s
 * (ready time + expected execution time) with the event's earlier decisions
 * counted; best(i) = min C(i, m) over the machines accepting i, reached at
 * bestm(i) (ties: lowest machine index); second(i) = the least C(i, m) over
 * the other accepting machines, INFINITY when there is no other. Deadlines
 * are met when the completion is <= the deadline (a task without one has
 * deadline INFINITY). A task no machine accepts cannot be placed in this
 * event (the plan's machines only fill up as the event goes on) and stays
 * in the batch queue for the next one.
 *
 * The MinMin family (Ibarra & Kim, "Heuristic algorithms for scheduling
 * independent tasks on nonidentical processors", JACM 24(2), 1977; Braun et
 * al., "A comparison of eleven static heuristics for mapping a class of
 * independent tasks onto heterogeneous distributed computing systems",
 * JPDC 61(6), 2001) works in rounds on the remaining tasks until no
 * remaining task has an accepting machine: phase 1 computes best(i) (and
 * second(i)) for every remaining task; phase 2 takes the task that ranks
 * first by the policy's key below, assigns it to bestm(i) on the plan and
 * emits (i, bestm(i)). Ranking keys are compared in order; a full tie goes
 * to the earlier task in the batch (arrival order).
 *
 *   minmin     least best(i).
 *   maxmin     greatest best(i).
 *   sufferage  greatest sufferage: the next-least minus the least
 *              completion time of task i over every machine that can run
 *              it, full or not (what i loses if it misses its best
 *              machine; infinite if only one machine can run it), then
 *              least best(i); i goes to its best accepting machine. Over
 *              the accepting machines alone the sufferage would collapse
 *              to MinMin whenever a single place is free. This is
 *              the one-task-per-round form (the rounds above with
 *              sufferage as the phase-2 key); Maheswaran, Ali, Siegel,
 *              Hensgen & Freund, "Dynamic mapping of a class of independent
 *              tasks onto heterogeneous computing systems", JPDC 59(2),
 *              1999, who define the heuristic, instead settle per-machine
 *              conflicts in passes over the batch, so several tasks can be
 *              assigned per pass.
 *   msd        minimum soonest deadline (MinCompletion-SoonestDeadline):
 *              earliest deadline, then least best(i).
 *   mmu        maximum urgency (MinCompletion-MaxUrgency), urgency =
 *              1 / slack with slack = deadline - best(i): among tasks
 *              with slack >= 0 the least slack first
 *              (slack 0 is infinitely urgent; a task without deadline has
 *              urgency 0 and comes after every one that has a deadline it
 *              can still meet), then least best(i); tasks with slack < 0
 *              (late wherever they go) come after all others, by least
 *              best(i).
 *              msd and mmu as in Amini Salehi et al., "Stochastic-based
 *              robust dynamic resource allocation for independent tasks in
 *              a heterogeneous computing system", JPDC 97, 2016, and the
 *              E2C simulator (Mokhtari, Denninnart & Amini Salehi, IPDPS
 *              workshops 2020), with expected rather than probabilistic
 *              completion times.
 *
 *   felare     energy-aware and fair, in the spirit of ELARE / FELARE
 *              (Mokhtari, Alamouti, Salehi et al., "FELARE: Fair scheduling
 *              of machine learning tasks on heterogeneous edge systems",
 *              IEEE CLOUD 2022); what is implemented is this. The batch is
 *              ordered once per event by the on-time ratio of the task's
 *              type so far, type_on_time / max(1, type_arrived) (lowest
 *              first: the most "suffering" type is served first; every
 *              ratio 0 when the view carries no history), then by earliest
 *              deadline, then by batch order. In that order each task goes
 *              to the accepting machine, among those with C(i, m) <= its
 *              deadline, of least expected dynamic energy (busy_w - idle_w
 *              of the machine's type, over its slots) * etc(i, m), or with
 *              {"objective": "cost"} of least expected price of the slot's
 *              time (price_usd_h / 3600 / slots) * etc(i, m); ties: least
 *              C(i, m),
 *              then lowest index (or a random one under the experiment's
 *              "tie_break": "random"). A task no accepting machine finishes
 *              by its deadline waits for the next event. With no power data
 *              (busy_w = idle_w everywhere) this is MCT among the machines
 *              that meet the deadline. {"cancel_after_deferrals": N}
 *              (default 0: never) cancels, as E2C-Sim's ELARE / FELARE do
 *              with N = 2, a task that has found no machine with room
 *              (every one that can run it busy with its queue full) at N
 *              mapping events: it is dropped (SIM_DROP, "policy"). felare
 *              then sees the batch at events where nothing has room too
 *              (sim_policy.sees_full). Counts are kept per waiting task, by
 *              id.
 *              {"evict": true, "fairness_factor": F} (default off; F
 *              defaults to 1, the "fairness_factor" of E2C-Sim's bundled
 *              config.json) adds E2C-Sim's FEE eviction. At each event a
 *              task type is starving when its on-time ratio (as above) is
 *              below F x the mean of the ratios of the types that have
 *              arrived so far (none starves without history, nor any
 *              under F = 0). When a task of a starving type, in its turn,
 *              finds no machine with room, it looks at its fastest machine
 *              (least expected execution time for it among the machines
 *              that can run it; ties as above): if that machine's local
 *              queue ends in a task queued before this event (not one
 *              placed by it, not a running one, not a merged run) of a type
 *              that is not starving, and the task completes there by its
 *              deadline with that tail gone, the tail is evicted (dropped,
 *              reason "evicted": outcome "evicted" in tasks.csv.gz,
 *              dropped_by.evicted in summary.json, shown only when
 *              nonzero) and the task queued in its place (the decision
 *              sim_evict_onto, policies/policy.h). At most one eviction
 *              per machine and event; otherwise the task waits (and
 *              counts a deferral under cancel_after_deferrals). Sources:
 *              the FELARE paper above (suffering task types served first,
 *              tail tasks of other types evicted from the fastest machine)
 *              as issue 19 reports E2C-Sim's FEE; E2C-Sim's source is not
 *              in ../shared, so the starving rule (F x the mean, over the
 *              types seen), the trigger (no machine with room) and the
 *              one-tail-per-machine limit are hetsim's reading, not
 *              checked against its code. Evicting walks the machine's
 *              queue once (O(queue length), at evictions only).
 *
 * Parameters (every batch policy): {"drop_infeasible": bool}, default
 * false. When true, a remaining task that has an accepting machine but
 * best(i) > its deadline is dropped (SIM_DROP) instead of being mapped. The
 * MinMin family checks this in phase 1 of every round (completions only
 * grow within an event, so such a task cannot be placed on time later in
 * the event), emitting the drops of a round in batch order before the
 * round's assignment; felare checks it when the task's turn comes.
 *
 * Cost per event: O(k B M) for k placements, B waiting tasks and M
 * machines (felare O(B log B + B M)); scratch arrays live in the policy's
 * state and are reused, so no allocation once they have grown. Should an
 * allocation fail, the event decides nothing (every task keeps waiting).
 */
#ifndef HETSIM_POLICIES_BATCH_H
#define HETSIM_POLICIES_BATCH_H

#include "policies/policy.h"

extern const sim_policy pol_minmin, pol_maxmin, pol_sufferage, pol_msd, pol_mmu,
	pol_felare;

#endif
