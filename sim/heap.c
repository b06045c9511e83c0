/* sim/heap.c — binary min-heap of events with FIFO ties (see heap.h). */
#include <stdlib.h>
#include "sim/heap.h"

#define NO_POS UINT32_MAX

static inline int entry_less(const sim_heap_entry *a, const sim_heap_entry *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* entry_less as a value, with no branch: which of two children is less is
 * a coin toss to the branch predictor (a sift down asks it at each level),
 * so it is computed rather than branched on. */
static inline int entry_less_flag(const sim_heap_entry *a,
				  const sim_heap_entry *b)
{
	return (a->time < b->time) | ((a->time == b->time) & (a->seq < b->seq));
}

static int grow(sim_heap *h)
{
	uint32_t cap = h->cap ? h->cap * 2 : 64;
	if (cap <= h->cap)
		return -1;
	sim_heap_entry *e = realloc(h->entries, (size_t)cap * sizeof *e);
	if (!e)
		return -1;
	h->entries = e;
	sim_heap_node *n = realloc(h->nodes, (size_t)cap * sizeof *n);
	if (!n)
		return -1;
	h->nodes = n;
	h->cap = cap;
	return 0;
}

int sim_heap_init(sim_heap *h, uint32_t cap_hint)
{
	*h = (sim_heap){.free_head = NO_POS};
	while (h->cap < cap_hint)
		if (grow(h) != 0)
			return -1;
	return 0;
}

void sim_heap_free(sim_heap *h)
{
	free(h->entries);
	free(h->nodes);
	*h = (sim_heap){.free_head = NO_POS};
}

static inline void place(sim_heap *h, uint32_t pos, sim_heap_entry e)
{
	h->entries[pos] = e;
	h->nodes[e.node].pos = pos;
}

static void sift_up(sim_heap *h, uint32_t pos, sim_heap_entry e)
{
	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;
		if (!entry_less(&e, &h->entries[parent]))
			break;
		place(h, pos, h->entries[parent]);
		pos = parent;
	}
	place(h, pos, e);
}

/* Inlined into remove_at (pop's hot path) as before sim_heap_move called
 * it too: out of line it costs the MCT path ~4 instructions a task. */
static inline __attribute__((always_inline)) void
sift_down(sim_heap *h, uint32_t pos, sim_heap_entry e)
{
	uint32_t n = h->size;
	for (;;) {
		uint32_t child = 2 * pos + 1;
		if (child >= n)
			break;
		/* the right child if it exists and is less (a child compared
		 * with itself is not) */
		uint32_t right = child + 1 < n ? child + 1 : child;
		child += (uint32_t)entry_less_flag(&h->entries[right],
						   &h->entries[child]);
		if (!entry_less(&h->entries[child], &e))
			break;
		place(h, pos, h->entries[child]);
		pos = child;
	}
	place(h, pos, e);
}

/* Take the entry at pos out, refilling the hole with the last entry. */
static void remove_at(sim_heap *h, uint32_t pos)
{
	sim_heap_entry last = h->entries[--h->size];
	if (pos == h->size)
		return;
	if (pos > 0 && entry_less(&last, &h->entries[(pos - 1) / 2]))
		sift_up(h, pos, last);
	else
		sift_down(h, pos, last);
}

static void release(sim_heap *h, uint32_t node)
{
	sim_heap_node *nd = &h->nodes[node];
	nd->pos = NO_POS;
	nd->gen = nd->gen + 1 ? nd->gen + 1 : 1;
	nd->next_free = h->free_head;
	h->free_head = node;
}

void sim_heap_settle(sim_heap *h)
{
	if (h->hole) {
		h->hole = 0;
		remove_at(h, 0);
	}
}

/* A node for a new event (NO_POS: out of memory). */
static inline uint32_t node_new(sim_heap *h, uint32_t kind, void *data)
{
	uint32_t node;
	if (h->free_head != NO_POS) {
		node = h->free_head;
		h->free_head = h->nodes[node].next_free;
	} else {
		if (h->n_nodes == h->cap && grow(h) != 0)
			return NO_POS;
		node = h->n_nodes++;
		h->nodes[node].gen = 1;
	}
	sim_heap_node *nd = &h->nodes[node];
	nd->data = data;
	nd->kind = kind;
	return node;
}

/* Into the popped root: one sift down. */
static inline sim_handle push_root(sim_heap *h, double time, uint32_t node)
{
	h->hole = 0;
	sift_down(h, 0, (sim_heap_entry){.time = time, .seq = h->seq++, .node = node});
	return ((uint64_t)h->nodes[node].gen << 32) | node;
}

sim_handle sim_heap_push(sim_heap *h, double time, uint32_t kind, void *data)
{
	uint32_t node = node_new(h, kind, data);
	if (node == NO_POS)
		return 0;
	if (h->hole)
		return push_root(h, time, node);
	if (h->size == h->cap && grow(h) != 0) {
		release(h, node);
		return 0;
	}
	sift_up(h, h->size++,
		(sim_heap_entry){.time = time, .seq = h->seq++, .node = node});
	return ((uint64_t)h->nodes[node].gen << 32) | node;
}

sim_handle sim_heap_push_root(sim_heap *h, double time, uint32_t kind,
			      void *data)
{
	if (__builtin_expect(!h->hole, 0)) /* not after a pop after all */
		return sim_heap_push(h, time, kind, data);
	/* the popped root's node is free: node_new takes it, never grows */
	uint32_t node = node_new(h, kind, data);
	return node == NO_POS ? 0 : push_root(h, time, node);
}

/* The node of a pending event's handle, or NO_POS. */
static inline uint32_t pending_node(const sim_heap *h, sim_handle handle)
{
	uint32_t node = (uint32_t)handle, gen = (uint32_t)(handle >> 32);
	if (gen == 0 || node >= h->n_nodes)
		return NO_POS;
	const sim_heap_node *nd = &h->nodes[node];
	return nd->gen != gen || nd->pos == NO_POS ? NO_POS : node;
}

int sim_heap_cancel(sim_heap *h, sim_handle handle)
{
	uint32_t node = pending_node(h, handle);
	if (node == NO_POS)
		return 0;
	sim_heap_settle(h);
	remove_at(h, h->nodes[node].pos);
	release(h, node);
	return 1;
}

int sim_heap_move(sim_heap *h, sim_handle handle, double time)
{
	uint32_t node = pending_node(h, handle);
	if (node == NO_POS)
		return 0;
	sim_heap_settle(h);
	uint32_t pos = h->nodes[node].pos;
	sim_heap_entry e = {.time = time, .seq = h->seq++, .node = node};
	/* the fresh seq is the largest: the key can only grow at equal time */
	if (pos > 0 && entry_less(&e, &h->entries[(pos - 1) / 2]))
		sift_up(h, pos, e);
	else
		sift_down(h, pos, e);
	return 1;
}
