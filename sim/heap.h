/*
 * sim/heap.h — the event queue: a binary min-heap ordered by (time, seq),
 * seq being a global insertion counter, so events at equal times pop in
 * the order they were pushed (FIFO ties, as libuv's timer heap) and a run is
 * deterministic. Events are cancellable through handles that stay safe to
 * use after the event fired (a generation count detects stale handles).
 * Nodes are recycled through a free list: no malloc per event once the
 * arrays have grown to the number of events pending at once.
 *
 * A pop leaves its slot at the root vacant (hole) until the next
 * operation: a push then fills it and sifts down once, where a pop
 * followed by a push would sift twice (an event loop pops an event and
 * its handler schedules the next one); any other operation, and
 * sim_heap_top, first refill it as a pop would have. Only the heap's
 * shape differs: with keys unique, the events pop in the same order.
 */
#ifndef HETSIM_SIM_HEAP_H
#define HETSIM_SIM_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* 0 is never a valid handle. */
typedef uint64_t sim_handle;

typedef struct sim_heap_entry {
	double time;
	uint64_t seq;
	uint32_t node;
} sim_heap_entry;

typedef struct sim_heap_node {
	void *data;
	uint32_t pos;  /* index in entries, or UINT32_MAX when free */
	uint32_t gen;  /* bumped on every release: stale handles miss */
	uint32_t kind;
	uint32_t next_free;
} sim_heap_node;

typedef struct sim_heap {
	sim_heap_entry *entries;
	sim_heap_node *nodes;
	uint32_t size, cap;         /* entries in use / allocated */
	uint32_t n_nodes, free_head;
	uint64_t seq;
	uint32_t hole; /* 1: entries[0] is vacant (popped), counted in size */
} sim_heap;

int sim_heap_init(sim_heap *h, uint32_t cap_hint);
void sim_heap_free(sim_heap *h);
/* Schedule an event; returns its handle, or 0 if memory ran out. */
sim_handle sim_heap_push(sim_heap *h, double time, uint32_t kind, void *data);
/* sim_heap_push into the vacant root: the caller knows that the last
 * operation was a pop (a handler scheduling its machine's next event),
 * and spares the push its test of which case it is in (one that goes
 * either way in an event loop: the handlers of arrivals push onto a
 * settled heap). */
sim_handle sim_heap_push_root(sim_heap *h, double time, uint32_t kind,
			      void *data);
/* Cancel a pending event; returns 1 if it was pending, 0 if it already
 * fired or was cancelled (or the handle is 0). */
int sim_heap_cancel(sim_heap *h, sim_handle handle);
/* Move a pending event to time, in place: it takes a fresh sequence
 * number, so it pops exactly where cancel + push would put it (after the
 * events already at that time), keeping its handle, kind and data; one
 * sift instead of a removal and an insertion. Returns 1 if it was pending,
 * 0 if it already fired or was cancelled (or the handle is 0). */
int sim_heap_move(sim_heap *h, sim_handle handle, double time);
static inline uint32_t sim_heap_size(const sim_heap *h)
{
	return h->size - h->hole;
}
/* Refill the vacant root (see above); sim_heap_top does it when needed. */
void sim_heap_settle(sim_heap *h);
/* The earliest pending event's entry (time, seq), or NULL if none. */
static inline const sim_heap_entry *sim_heap_top(sim_heap *h)
{
	if (h->hole)
		sim_heap_settle(h);
	return h->size ? &h->entries[0] : NULL;
}
/* sim_heap_top as a count: the events pending (the heap settled), the
 * earliest at entries[0] when there are any. */
static inline uint32_t sim_heap_settled_size(sim_heap *h)
{
	if (h->hole)
		sim_heap_settle(h);
	return h->size;
}
/* Remove the earliest event, the entry sim_heap_top has just returned
 * (not NULL), or entries[0] after sim_heap_settled_size (not 0): the heap
 * is settled and not empty, nothing to test. Its node
 * is released at once (a stale handle misses), its slot stays vacant until
 * the next call. */
static inline void sim_heap_pop_top(sim_heap *h, double *time,
				    uint32_t *kind, void **data)
{
	uint32_t node = h->entries[0].node;
	sim_heap_node *nd = &h->nodes[node];
	*time = h->entries[0].time;
	*kind = nd->kind;
	*data = nd->data;
	h->hole = 1; /* refilled by the next push, or by sim_heap_settle */
	nd->pos = UINT32_MAX;
	nd->gen = nd->gen + 1 ? nd->gen + 1 : 1;
	nd->next_free = h->free_head;
	h->free_head = node;
}
/* Remove the earliest event; returns 0 if the heap is empty (time, kind
 * and data 0 then). Inline: every event of a run goes through it (see
 * sim_heap_pop_top). */
static inline int sim_heap_pop(sim_heap *h, double *time, uint32_t *kind,
			       void **data)
{
	if (h->hole)
		sim_heap_settle(h);
	if (h->size == 0) {
		*time = 0; /* defined outputs for callers that do not look */
		*kind = 0;
		*data = NULL;
		return 0;
	}
	sim_heap_pop_top(h, time, kind, data);
	return 1;
}
/* Time of the earliest event (the heap must not be empty). */
static inline double sim_heap_top_time(sim_heap *h)
{
	return sim_heap_top(h)->time;
}

#endif
