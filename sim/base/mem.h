/* sim/base/mem.h — fresh memory faulted in at once. A large array
 * (malloc's fresh pages) costs a page fault per page at its first touch,
 * two where it is read before it is written (the shared zero page first,
 * then a copy); on virtual machines a fault costs microseconds. Asking the
 * kernel to map the whole array writable at once (MADV_POPULATE_WRITE,
 * Linux 5.14) costs about 40% less a page, and the array's first reads
 * then fault nothing. Speed only: the contents are unchanged, and
 * without the call (an older kernel, another system) nothing changes.
 * mem.c. */
#ifndef HETSIM_SIM_BASE_MEM_H
#define HETSIM_SIM_BASE_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23
#endif

/* Fault in the whole pages of [p, p + size) (arrays of 64 KiB or more). */
static inline void sim_prefault(void *p, size_t size)
{
#if defined(__linux__)
	if (!p || size < ((size_t)1 << 16))
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t b = ((uintptr_t)p + size) & ~(page - 1);
	if (b > a)
		(void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)size;
#endif
}

/* Arrays to fault in beside a pass that goes through them from their
 * ends back (sim_bg_start(bg, sim_prefault_back, list)): a slice of each
 * at a time (a 64th), the last slices first, so the faulting keeps ahead
 * of the pass where the pass does not take its pages first (which is as
 * right: the contents are the same either way). */
typedef struct sim_prefault_list {
	void *p[8];
	size_t size[8];
	int n;
} sim_prefault_list;
void sim_prefault_back(void *list);

#endif
