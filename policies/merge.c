/* policies/merge.c — merge strategies (see merge.h). */
#include <string.h>
#include "policies/merge.h"

static const char *const names[] = {"never", "always", "adaptive"};

int pol_merge_from_name(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (name && strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

const char *pol_merge_name(pol_merge_strategy s)
{
	return (unsigned)s < 3 ? names[s] : "?";
}

double pol_merge_time(const double *t, const double *frac, size_t k)
{
	double shared = k ? frac[0] * t[0] : 0.0, own = 0;
	for (size_t i = 0; i < k; i++) {
		double s = frac[i] * t[i];
		if (s > shared)
			shared = s;
		own += t[i] - s;
	}
	return shared + own;
}

double pol_merge_lead(const prof_profile *p, uint32_t type, double t)
{
	return p->merge_frac ? p->merge_frac[type] * t : 0.0;
}

double pol_merge_part(const prof_profile *p, uint32_t mtype, uint32_t type,
		      double t, double *state)
{
	if (!p->merge_frac) {
		double part = t - (p->merge_shared_s ? p->merge_shared_s[mtype] : 0.0);
		return part > 0 ? part : 0.0;
	}
	double s = p->merge_frac[type] * t, add = t - s;
	if (s > *state) {
		add += s - *state;
		*state = s;
	}
	return add;
}

/* Replay the queue with entry `longer` extra_s longer (longer >= n: none). */
static void replay(double *slot_free, uint32_t slots, const pol_queued *q,
		   size_t n, size_t longer, double extra_s, double *end)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t best = 0;
		for (uint32_t k = 1; k < slots; k++)
			if (slot_free[k] < slot_free[best])
				best = k;
		end[i] = slot_free[best] + q[i].expected_s +
			 (i == longer ? extra_s : 0);
		slot_free[best] = end[i];
	}
}

void pol_merge_replay(double *slot_free, uint32_t slots, const pol_queued *q,
		      size_t n, double *end)
{
	replay(slot_free, slots, q, n, n, 0, end);
}

int pol_merge_adaptive_ok(const double *slot_free, uint32_t slots,
			  const pol_queued *q, size_t n, size_t leader,
			  double extra_s, double r_deadline_s, double *scratch)
{
	double *free_a = scratch, *free_b = scratch + slots;
	double *end_a = scratch + 2 * (size_t)slots, *end_b = end_a + n;
	memcpy(free_a, slot_free, slots * sizeof *free_a);
	memcpy(free_b, slot_free, slots * sizeof *free_b);
	replay(free_a, slots, q, n, n, 0, end_a);
	replay(free_b, slots, q, n, leader, extra_s, end_b);
	if (end_b[leader] > r_deadline_s)
		return 0;
	for (size_t i = leader; i < n; i++)
		if (end_b[i] > q[i].deadline_s && end_a[i] <= q[i].deadline_s)
			return 0;
	return 1;
}
