/* sim/base/mem.c — fresh memory faulted in at once (see mem.h). */
#include "sim/base/mem.h"

void sim_prefault_back(void *arg)
{
	const sim_prefault_list *l = arg;
	enum { SLICES = 64 };
	for (int s = SLICES; s-- > 0;)
		for (int i = 0; i < l->n; i++) {
			if (!l->p[i])
				continue;
			size_t a = l->size[i] / SLICES * (size_t)s;
			size_t b = s == SLICES - 1 ? l->size[i] : a + l->size[i] / SLICES;
			sim_prefault((char *)l->p[i] + a, b - a);
		}
}
