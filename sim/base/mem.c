/* sim/base/mem.c — fresh memory faulted in at once (see mem.h). */
#include "sim/base/mem.h"
#include "sim/base/thread.h"

/* A half of sim_prefault_many's arrays: bytes [from, to) of their
 * concatenation. */
typedef struct prefault_half {
	void *const *p;
	const size_t *size;
	int n;
	size_t from, to;
} prefault_half;

static void prefault_half_run(void *arg)
{
	const prefault_half *h = arg;
	size_t at = 0;
	for (int i = 0; i < h->n; i++) {
		size_t a = at, b = at + (h->p[i] ? h->size[i] : 0);
		at = b;
		if (b <= h->from || a >= h->to)
			continue;
		size_t lo = a > h->from ? a : h->from, hi = b < h->to ? b : h->to;
		sim_prefault((char *)h->p[i] + (lo - a), hi - lo);
	}
}

void sim_prefault_many(void *const *p, const size_t *size, int n)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += p[i] ? size[i] : 0;
	prefault_half a = {p, size, n, 0, total / 2};
	prefault_half b = {p, size, n, total / 2, total};
	if (total < ((size_t)8 << 20)) {
		a.to = total;
		prefault_half_run(&a);
		return;
	}
	sim_par2(prefault_half_run, &a, &b);
}

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
