/* policies/registry.c — every policy, by name (pol_find / pol_all). */
#include <string.h>
#include "policies/batch.h"
#include "policies/immediate.h"

static const sim_policy *const registry[] = {
	&pol_fcfs, &pol_rr,  &pol_random, &pol_met,    &pol_mct,
	&pol_olb,  &pol_kpb, &pol_minmin, &pol_maxmin, &pol_sufferage,
	&pol_msd,  &pol_mmu, &pol_felare, &pol_fcfs_random, &pol_fcfs_least,
	NULL,
};

const sim_policy *const *pol_all(void) { return registry; }

const sim_policy *pol_find(const char *name)
{
	for (const sim_policy *const *p = registry; *p; p++)
		if (strcmp((*p)->name, name) == 0)
			return *p;
	return NULL;
}
