/* policies/plan.c — a batch policy's scratch copy of the machines (see
 * plan.h). */
#include <stdlib.h>
#include <string.h>
#include "policies/plan.h"

/* Grow *arr to hold at least need elements of size elem; *cap counts them.
 * Never shrinks, so after the first events no call allocates. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 8;
	while (n < need)
		n *= 2;
	void *p = realloc(*arr, n * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = n;
	return 0;
}

int pol_plan_load(pol_plan *p, const sim_view *v)
{
	size_t slots = 0;
	for (uint32_t m = 0; m < v->n_machines; m++)
		slots += v->machines[m].slots;
	void *mv = p->mv, *run_end = p->run_end, *run_dl = p->run_deadline;
	if (grow(&mv, &p->cap_machines, v->n_machines, sizeof *p->mv))
		return -1;
	p->mv = mv;
	size_t cap_slots = p->cap_slots;
	if (grow(&run_end, &cap_slots, slots, sizeof *p->run_end))
		return -1;
	p->run_end = run_end;
	if (grow(&run_dl, &p->cap_slots, slots, sizeof *p->run_deadline))
		return -1;
	p->run_deadline = run_dl;
	p->v = v;
	p->n = v->n_machines;
	size_t off = 0;
	for (uint32_t m = 0; m < p->n; m++) {
		const sim_machine_view *src = &v->machines[m];
		sim_machine_view *dst = &p->mv[m];
		*dst = *src;
		if (src->slots)
			memcpy(p->run_end + off, src->run_end_s,
			       src->slots * sizeof *p->run_end);
		dst->run_end_s = p->run_end + off;
		for (uint32_t k = 0; k < src->slots; k++)
			p->run_deadline[off + k] = src->run_deadline_s
							   ? src->run_deadline_s[k]
							   : INFINITY;
		dst->run_deadline_s = p->run_deadline + off;
		/* The plan does not track starts or types of the tasks it
		 * assigns: rather no answer than a stale one. */
		dst->run_start_s = NULL;
		dst->run_type = NULL;
		off += src->slots;
	}
	return 0;
}

void pol_plan_free(pol_plan *p)
{
	free(p->mv);
	free(p->run_end);
	free(p->run_deadline);
	memset(p, 0, sizeof *p);
}

/* The engine's view with the machines replaced by the copies, so that the
 * sim_* formulas apply unchanged (one definition of ready time). */
static inline sim_view plan_view(const pol_plan *p)
{
	sim_view cv = *p->v;
	cv.machines = p->mv;
	cv.ready = NULL; /* the engine's, not the plan's */
	return cv;
}

int pol_plan_accepts(const pol_plan *p, uint32_t tt, uint32_t m)
{
	sim_view cv = plan_view(p);
	return sim_accepts(&cv, tt, m);
}

double pol_plan_ready_s(const pol_plan *p, uint32_t m)
{
	sim_view cv = plan_view(p);
	return sim_ready_s(&cv, m);
}

double pol_plan_completion_s(const pol_plan *p, uint32_t tt, uint32_t m)
{
	sim_view cv = plan_view(p);
	return sim_completion_s(&cv, tt, m);
}

double pol_plan_task_completion_s(const pol_plan *p, const sim_task_view *t,
				  uint32_t m)
{
	sim_view cv = plan_view(p);
	return sim_task_completion_s(&cv, t, m);
}

void pol_plan_assign(pol_plan *p, uint32_t tt, uint32_t m)
{
	sim_view cv = plan_view(p);
	pol_plan_assign_s(p, m, sim_etc(&cv, tt, m));
}

/* What the engine's place() does: start on the first free slot (run_end
 * -INFINITY) with expected end now + etc, else join the local queue. */
void pol_plan_assign_s(pol_plan *p, uint32_t m, double etc)
{
	sim_view cv = plan_view(p);
	sim_machine_view *mv = &p->mv[m];
	double *run_end = p->run_end + (mv->run_end_s - p->run_end);
	mv->version++;
	if (mv->busy < mv->slots) {
		for (uint32_t s = 0; s < mv->slots; s++)
			if (run_end[s] == -INFINITY) {
				run_end[s] = cv.now + etc;
				p->run_deadline[run_end + s - p->run_end] =
					INFINITY;
				break;
			}
		mv->busy++;
		return;
	}
	mv->queued++;
	mv->queued_expected_s += etc;
}
