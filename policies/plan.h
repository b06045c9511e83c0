/*
 * policies/plan.h — a batch policy's scratch copy of the machines, so that
 * the decisions of one mapping event see each other: assigning a task here
 * does exactly what the engine will do (start it on a free slot, else put
 * it at the end of the local queue), and ready / completion times follow
 * sim_ready_s's rules on the copy.
 */
#ifndef HETSIM_POLICIES_PLAN_H
#define HETSIM_POLICIES_PLAN_H

#include "policies/policy.h"

typedef struct pol_plan {
	const sim_view *v;
	uint32_t n;
	sim_machine_view *mv; /* copies; run_end_s point into run_end */
	double *run_end;
	double *run_deadline; /* the running tasks' deadlines, INFINITY for
				 the plan's own (sim_ready_e2c_s) */
	size_t cap_machines, cap_slots;
} pol_plan;

/* (Re)load the copy from v; arrays grow as needed and are reused across
 * events. Returns 0, or -1 on no memory. */
int pol_plan_load(pol_plan *p, const sim_view *v);
void pol_plan_free(pol_plan *p);
/* As sim_accepts / sim_ready_s / sim_completion_s, on the copy. */
int pol_plan_accepts(const pol_plan *p, uint32_t tt, uint32_t m);
double pol_plan_ready_s(const pol_plan *p, uint32_t m);
double pol_plan_completion_s(const pol_plan *p, uint32_t tt, uint32_t m);
/* As sim_task_completion_s, on the copy: task t's own expected time. */
double pol_plan_task_completion_s(const pol_plan *p, const sim_task_view *t,
				  uint32_t m);
/* Record that a task of type tt goes to m (which must accept it). */
void pol_plan_assign(pol_plan *p, uint32_t tt, uint32_t m);
/* Record that a task expected to take etc_s goes to m (which must accept
 * it): task t with etc_s = sim_task_etc(v, t, m). */
void pol_plan_assign_s(pol_plan *p, uint32_t m, double etc_s);

#endif
