/* sim/net.c — max-min fair sharing of NIC bandwidth between flows, solved
 * per connected component over node pairs with virtual clocks (see
 * net.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "sim/net.h"

enum { EV_LATENCY = 0, EV_PAIR = 1, EV_SOLVE = 2 };
#define NONE UINT32_MAX
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#define NOINLINE __attribute__((noinline))
#else
#define ALWAYS_INLINE inline
#define NOINLINE
#endif
#define CAP_BIT 0x80000000u /* marks a pair in the solver (see fill); links
			     and pairs number below it */

/* A flow waiting in a pair: ends when the pair's clock reaches key. */
typedef struct fentry {
	double key;
	uint64_t seq; /* FIFO among equal keys */
	uint64_t cookie;
	double bytes;
} fentry;

typedef struct pair {
	uint32_t src, dst;
	uint32_t count;           /* flows */
	uint32_t pos_up, pos_down; /* index in the links' pair lists */
	uint32_t stamp;           /* solve epoch in which its rate was fixed */
	uint32_t next_free;
	uint32_t apos;            /* index of its cap in the solver's active
				     list (capped pairs only) */
	int moved;                /* its earliest flow changed */
	double rate;              /* bytes/s of each of its flows */
	double cap;               /* Mathis bound on each flow's rate, bytes/s
				     (INFINITY without loss) */
	double clock, clock_t;    /* bytes served per flow as of clock_t */
	fentry *heap;             /* min-heap on (key, seq) */
	uint32_t hn, hcap;
	sim_handle ev;            /* its pending event, at ev_time */
	double ev_time;
	double due;               /* when heap[0] ends at the current rate:
				     ev_time <= due (see pair_schedule) */
} pair;

/* A pair on a link, with the pair's other link (the solver walks it). */
typedef struct lentry {
	uint32_t pair, other;
} lentry;

/* Link r: the uplink of node r / 2 if r is even, its downlink if odd. */
typedef struct link {
	double cap;
	lentry *pairs;
	uint32_t np, cap_pairs;
	uint64_t flows;   /* sum of the counts of its pairs */
	uint32_t stamp;
	int dirty;
	/* solver scratch */
	double left;      /* capacity not given to frozen flows */
	uint64_t unfrozen;
	uint32_t apos;    /* index in the solver's active list */
} link;

/* A transfer in its latency phase. Transfers started at the same time
 * end their latency together: they form one group (a list through next)
 * with one event. */
typedef struct wait {
	uint32_t src, dst, next; /* next in its group, or in the free list */
	double bytes;
	uint64_t cookie;
} wait;

struct sim_net {
	sim_heap *heap;
	uint32_t ev_base, n_nodes;
	double latency_s;
	int contention_free;
	sim_nic *nics;
	link *links;
	/* packet loss (Mathis) */
	double *loss;       /* per node, in [0, 1) */
	double rtt_s, mss_bytes;
	uint32_t lossy;     /* nodes with loss > 0 */
	uint32_t capped;    /* live pairs with a finite cap */
	/* pairs: pool, found through their links (pair_find) */
	pair *pairs;
	uint32_t n_pairs, cap_pairs, free_pair, live_pairs;
	/* latency waits */
	wait *waits;
	uint32_t n_waits, cap_waits, free_wait;
	uint32_t group_head, group_tail; /* the group started at group_t */
	double group_t;
	/* solver */
	uint32_t *dirty, n_dirty, cap_dirty;
	int solve_pending;
	uint32_t epoch;
	/* links (r) and capped pairs (CAP_BIT | pair) that
	 * still fill, and their fair shares (see fill) */
	uint32_t *active, cap_active;
	double *active_share;
	/* ended transfers of the current event */
	uint64_t *done;
	uint32_t n_done, cap_done;
	uint64_t seq;
	sim_net_stats st;
};

static inline uint32_t up_of(uint32_t node) { return 2 * node; }
static inline uint32_t down_of(uint32_t node) { return 2 * node + 1; }
/* A count of flows as a double: through int64_t, one instruction where
 * uint64_t takes a test for the top bit, the same value below 2^63 (a
 * count never gets there: each flow holds 40 bytes). */
static inline double as_double(uint64_t count) { return (double)(int64_t)count; }
static inline void *idx_ptr(uint32_t i) { return (void *)(uintptr_t)(i + 1); }
static inline uint32_t ptr_idx(void *p) { return (uint32_t)((uintptr_t)p - 1); }

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	uint64_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	if (c > UINT32_MAX)
		return -1;
	void *q = realloc(*p, (size_t)c * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = (uint32_t)c;
	return 0;
}

int sim_net_new(sim_net **out, sim_heap *heap, uint32_t ev_base,
		uint32_t n_nodes, const sim_nic *nics, double latency_s,
		int contention_free, io_err *err)
{
	*out = NULL;
	if (!isfinite(latency_s) || latency_s < 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "network: latency must be finite and >= 0");
	if (n_nodes == 0 || n_nodes > UINT32_MAX / 4)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "network: bad number of nodes %u", n_nodes);
	for (uint32_t i = 0; i < n_nodes; i++)
		if (!isfinite(nics[i].up_bps) || nics[i].up_bps <= 0 ||
		    !isfinite(nics[i].down_bps) || nics[i].down_bps <= 0)
			return io_errf(err, IO_EINPUT, NULL, 0,
					 "network: node %u: uplink and downlink "
					 "must be finite and > 0 bytes/s", i);
	sim_net *n = calloc(1, sizeof *n);
	if (!n)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	n->heap = heap;
	n->ev_base = ev_base;
	n->n_nodes = n_nodes;
	n->latency_s = latency_s;
	n->contention_free = contention_free;
	n->free_pair = n->free_wait = NONE;
	n->rtt_s = 2 * latency_s;
	n->mss_bytes = SIM_NET_MSS_BYTES;
	n->group_head = n->group_tail = NONE;
	n->nics = malloc((size_t)n_nodes * sizeof *n->nics);
	n->links = calloc((size_t)n_nodes * 2, sizeof *n->links);
	size_t nl = (size_t)n_nodes * 2;
	n->dirty = malloc(nl * sizeof *n->dirty);
	n->active = malloc(nl * sizeof *n->active);
	n->active_share = malloc(nl * sizeof *n->active_share);
	n->cap_active = (uint32_t)nl;
	n->loss = calloc(n_nodes, sizeof *n->loss);
	if (!n->nics || !n->links || !n->dirty ||
	    !n->active || !n->active_share || !n->loss) {
		sim_net_free(n);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	memcpy(n->nics, nics, (size_t)n_nodes * sizeof *nics);
	for (uint32_t i = 0; i < n_nodes; i++) {
		n->links[up_of(i)].cap = nics[i].up_bps;
		n->links[down_of(i)].cap = nics[i].down_bps;
	}
	*out = n;
	return 0;
}

void sim_net_free(sim_net *n)
{
	if (!n)
		return;
	for (uint32_t i = 0; n->links && i < 2 * n->n_nodes; i++)
		free(n->links[i].pairs);
	for (uint32_t i = 0; i < n->n_pairs; i++)
		free(n->pairs[i].heap);
	free(n->links);
	free(n->nics);
	free(n->pairs);
	free(n->waits);
	free(n->dirty);
	free(n->active);
	free(n->active_share);
	free(n->loss);
	free(n->done);
	free(n);
}

int sim_net_owns(const sim_net *n, uint32_t kind)
{
	return kind - n->ev_base < SIM_NET_EVENT_KINDS;
}

double sim_net_latency(const sim_net *n) { return n->latency_s; }

const sim_nic *sim_net_nic(const sim_net *n, uint32_t node)
{
	return &n->nics[node];
}

/* The Mathis et al. (1997) bound on one TCP flow's rate from src to dst,
 * MSS / (RTT sqrt(2p/3)) with p = 1 - (1 - p_src)(1 - p_dst); INFINITY
 * without loss. */
static double pair_cap(const sim_net *n, uint32_t src, uint32_t dst)
{
	if (!n->lossy)
		return INFINITY;
	double p = 1 - (1 - n->loss[src]) * (1 - n->loss[dst]);
	if (p <= 0)
		return INFINITY;
	return n->mss_bytes / (n->rtt_s * sqrt(2 * p / 3));
}

/* A flow's rate alone on the network: min(up_src, down_dst, cap). */
static double alone_rate(const sim_net *n, uint32_t src, uint32_t dst)
{
	double up = n->nics[src].up_bps, down = n->nics[dst].down_bps;
	double r = up < down ? up : down, c = pair_cap(n, src, dst);
	return c < r ? c : r;
}

double sim_net_estimate(const sim_net *n, uint32_t src, uint32_t dst,
			double bytes)
{
	if (src == dst)
		return 0;
	return n->latency_s + bytes / alone_rate(n, src, dst);
}

void sim_net_get_stats(const sim_net *n, sim_net_stats *s) { *s = n->st; }

/* ---- pairs and links -------------------------------------------------- */

static void mark_dirty(sim_net *n, uint32_t r)
{
	link *l = &n->links[r];
	if (l->dirty)
		return;
	l->dirty = 1;
	n->dirty[n->n_dirty++] = r; /* room: cap_dirty = 2 n_nodes */
}

static int link_add(link *l, uint32_t pi, uint32_t other, uint32_t *pos)
{
	if (grow((void **)&l->pairs, &l->cap_pairs, l->np + 1, sizeof *l->pairs))
		return -1;
	*pos = l->np;
	l->pairs[l->np++] = (lentry){.pair = pi, .other = other};
	return 0;
}

static void link_remove(sim_net *n, uint32_t r, uint32_t pos)
{
	link *l = &n->links[r];
	lentry last = l->pairs[--l->np];
	if (pos == l->np)
		return;
	l->pairs[pos] = last;
	pair *q = &n->pairs[last.pair];
	if (r & 1)
		q->pos_down = pos;
	else
		q->pos_up = pos;
}

/* The pair src -> dst, or NONE: found in the shorter of its two links'
 * lists (a pair is in both). A walk of O(pairs on a link), but no more
 * than each solve makes of the same lists, and no map to keep: the lists
 * are short where solves are cheap. */
static uint32_t pair_find(const sim_net *n, uint32_t src, uint32_t dst)
{
	const link *u = &n->links[up_of(src)], *d = &n->links[down_of(dst)];
	const link *l = u->np <= d->np ? u : d;
	uint32_t other = l == u ? down_of(dst) : up_of(src);
	for (uint32_t k = 0; k < l->np; k++)
		if (l->pairs[k].other == other)
			return l->pairs[k].pair;
	return NONE;
}

static uint32_t pair_get(sim_net *n, uint32_t src, uint32_t dst, double now)
{
	uint32_t pi = pair_find(n, src, dst);
	if (pi != NONE)
		return pi;
	if (n->free_pair != NONE) {
		pi = n->free_pair;
		n->free_pair = n->pairs[pi].next_free;
	} else {
		if (n->n_pairs >= CAP_BIT ||
		    grow((void **)&n->pairs, &n->cap_pairs, n->n_pairs + 1,
			 sizeof *n->pairs))
			return NONE;
		pi = n->n_pairs++;
		n->pairs[pi].heap = NULL;
		n->pairs[pi].hcap = 0;
		n->pairs[pi].stamp = 0; /* below every epoch to come */
	}
	/* what a solve or an event reads before writing; the rest (stamp: a
	 * past epoch, apos, ev_time, due) is set before it is read, and a
	 * recycled pair keeps its flow heap's room */
	pair *p = &n->pairs[pi];
	p->src = src;
	p->dst = dst;
	p->count = 0;
	p->next_free = NONE;
	p->moved = 0;
	p->rate = 0;
	p->cap = pair_cap(n, src, dst);
	p->clock = 0;
	p->clock_t = now;
	p->hn = 0;
	p->ev = 0;
	if (link_add(&n->links[up_of(src)], pi, down_of(dst), &p->pos_up))
		return NONE;
	if (link_add(&n->links[down_of(dst)], pi, up_of(src), &p->pos_down)) {
		link_remove(n, up_of(src), p->pos_up);
		return NONE;
	}
	if (n->contention_free)
		p->rate = alone_rate(n, src, dst);
	n->capped += isfinite(p->cap) != 0;
	n->live_pairs++;
	if (n->live_pairs > n->st.peak_pairs)
		n->st.peak_pairs = n->live_pairs;
	return pi;
}

static void pair_release(sim_net *n, uint32_t pi)
{
	pair *p = &n->pairs[pi];
	link_remove(n, up_of(p->src), p->pos_up);
	link_remove(n, down_of(p->dst), p->pos_down);
	p->next_free = n->free_pair;
	n->free_pair = pi;
	n->live_pairs--;
	n->capped -= isfinite(p->cap) != 0;
}

static inline int fentry_less(const fentry *a, const fentry *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static int fheap_push(pair *p, fentry e)
{
	if (grow((void **)&p->heap, &p->hcap, p->hn + 1, sizeof *p->heap))
		return -1;
	uint32_t i = p->hn++;
	while (i > 0) {
		uint32_t up = (i - 1) / 2;
		if (!fentry_less(&e, &p->heap[up]))
			break;
		p->heap[i] = p->heap[up];
		i = up;
	}
	p->heap[i] = e;
	return 0;
}

static fentry fheap_pop(pair *p)
{
	fentry top = p->heap[0], e = p->heap[--p->hn];
	uint32_t i = 0, n = p->hn;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && fentry_less(&p->heap[c + 1], &p->heap[c]))
			c++;
		if (!fentry_less(&p->heap[c], &e))
			break;
		p->heap[i] = p->heap[c];
		i = c;
	}
	if (n)
		p->heap[i] = e;
	return top;
}

static inline void pair_advance(pair *p, double now)
{
	if (now > p->clock_t) {
		p->clock += p->rate * (now - p->clock_t);
		p->clock_t = now;
	}
}

/* The heap operation of pair_schedule: p's event to t, moved there if
 * pending (always earlier), pushed if not. */
static NOINLINE int pair_post(sim_net *n, pair *p, uint32_t pi, double t)
{
	if (p->ev) {
		n->st.reschedules++;
		/* earlier: moved in place, in the order cancel + push give */
		if (sim_heap_move(n->heap, p->ev, t)) {
			p->ev_time = t;
			return 0;
		}
	}
	p->ev = sim_heap_push(n->heap, t, n->ev_base + EV_PAIR, idx_ptr(pi));
	p->ev_time = t;
	return p->ev ? 0 : -1;
}

/* (Re)schedule the completion of p's earliest flow. Lazily: an event
 * already pending at or before the new due time stays (when it fires
 * early, pair_event moves it to the due time then), so a rate that goes
 * down, or down and up again, costs no heap operation; only a completion
 * that comes earlier than the pending event moves it now. Inline: most
 * calls end before the heap. */
static ALWAYS_INLINE int pair_schedule(sim_net *n, pair *p, uint32_t pi)
{
	p->moved = 0;
	if (p->hn == 0)
		return 0;
	double left = p->heap[0].key - p->clock;
	double t = p->clock_t + (left > 0 ? left / p->rate : 0);
	p->due = t;
	if (p->ev && p->ev_time <= t)
		return 0;
	return pair_post(n, p, pi, t);
}

static int want_solve(sim_net *n, double now)
{
	if (n->solve_pending)
		return 0;
	n->solve_pending = 1;
	return sim_heap_push(n->heap, now, n->ev_base + EV_SOLVE, NULL) ? 0 : -1;
}

/* Flow of bytes joins the pair src -> dst at now. */
static int join(sim_net *n, double now, uint32_t src, uint32_t dst,
		double bytes, uint64_t cookie)
{
	uint32_t pi = pair_get(n, src, dst, now);
	if (pi == NONE)
		return IO_ENOMEM;
	pair *p = &n->pairs[pi];
	pair_advance(p, now);
	double old_head = p->hn ? p->heap[0].key : INFINITY;
	if (fheap_push(p, (fentry){.key = p->clock + bytes,
				   .seq = n->seq++,
				   .cookie = cookie,
				   .bytes = bytes}))
		return IO_ENOMEM;
	p->count++;
	if (p->heap[0].key != old_head)
		p->moved = 1;
	if (n->contention_free)
		return p->moved && pair_schedule(n, p, pi) ? IO_ENOMEM : 0;
	n->links[up_of(src)].flows++;
	n->links[down_of(dst)].flows++;
	mark_dirty(n, up_of(src));
	mark_dirty(n, down_of(dst));
	return 0; /* the caller solves */
}

int sim_net_start(sim_net *n, double now, uint32_t src, uint32_t dst,
		  double bytes, uint64_t cookie)
{
	n->st.started++;
	if (++n->st.active > n->st.peak_active)
		n->st.peak_active = n->st.active;
	if (n->latency_s <= 0) {
		/* solved once for everything started at this instant */
		if (join(n, now, src, dst, bytes, cookie))
			return IO_ENOMEM;
		return !n->contention_free && want_solve(n, now) ? IO_ENOMEM : 0;
	}
	uint32_t wi;
	if (n->free_wait != NONE) {
		wi = n->free_wait;
		n->free_wait = n->waits[wi].next;
	} else {
		if (grow((void **)&n->waits, &n->cap_waits, n->n_waits + 1,
			 sizeof *n->waits))
			return IO_ENOMEM;
		wi = n->n_waits++;
	}
	n->waits[wi] = (wait){.src = src, .dst = dst, .bytes = bytes,
			      .cookie = cookie, .next = NONE};
	if (n->group_tail != NONE && n->group_t == now) {
		n->waits[n->group_tail].next = wi;
		n->group_tail = wi;
		return 0;
	}
	n->group_head = n->group_tail = wi;
	n->group_t = now;
	return sim_heap_push(n->heap, now + n->latency_s,
			     n->ev_base + EV_LATENCY, idx_ptr(wi))
		       ? 0
		       : IO_ENOMEM;
}

/* ---- max-min solve ------------------------------------------------------ */

/* The solver's active list holds links (r < 2 n_nodes) and the caps of
 * capped pairs (CAP_BIT | pair index), each with its fair share; the
 * link or cap of least share fills next, the first in the list on a tie.
 * Removing an entry moves the last one into its place. The scan costs
 * O(n) a pick, O(n^2) a solve, at about 3 instructions an entry. (A heap
 * of positions on (share, position) picks the same entries in O(log n),
 * even a lazy one that sifts only when a share goes down, since shares
 * nearly always grow; but every removal and refresh then costs a sift of
 * tens of instructions, and on make bench-net's one-component case, 256
 * nodes with some 250 links filling, it took 25% more instructions than
 * the scan, which is still 57% of that case's. Finding the first pick
 * while component builds the list costs more than the scan it saves.)
 * The order of the list matters at ties only, but there it decides the
 * last bits: the link filled first takes its rates off its neighbours,
 * whose shares, equal in exact arithmetic, then round either way. With
 * equal NICs ties are the rule, so the order stays what it has been:
 * the dirty links, then breadth first (test_net's
 * schedule_bits_are_pinned). */

/* Position of the least share in share[0..na), the first on a tie: the
 * entry that fills next. A long list (a large component) is scanned in
 * two passes of two shares at a time: the least value (exact: a minimum
 * rounds nothing, and no share is NaN or -0), then the first position
 * holding it, the very position the one-pass scan finds. Short lists,
 * the common case, are scanned inline (fill_with). */
enum { LONG_LIST = 16 };
static NOINLINE uint32_t least_share_long(const double *share, uint32_t na)
{
	uint32_t i = 1;
	double s = share[0];
#if defined(__SSE2__)
	__m128d m0 = _mm_loadu_pd(share), m1 = _mm_loadu_pd(share + 2);
	for (i = 4; i + 4 <= na; i += 4) {
		m0 = _mm_min_pd(m0, _mm_loadu_pd(share + i));
		m1 = _mm_min_pd(m1, _mm_loadu_pd(share + i + 2));
	}
	m0 = _mm_min_pd(m0, m1);
	m0 = _mm_min_sd(m0, _mm_unpackhi_pd(m0, m0));
	s = _mm_cvtsd_f64(m0);
#endif
	for (; i < na; i++)
		if (share[i] < s)
			s = share[i];
#if defined(__SSE2__)
	m0 = _mm_set1_pd(s);
	for (i = 0; i + 2 <= na; i += 2) {
		int hit = _mm_movemask_pd(_mm_cmpeq_pd(_mm_loadu_pd(share + i), m0));
		if (hit)
			return i + (hit & 1 ? 0 : 1);
	}
	return na - 1; /* the last, odd one */
#else
	for (i = 0; share[i] != s; i++)
		;
	return i;
#endif
}

/* A cap (CAP_BIT | pair) joins the active list with its share. */
static inline void cap_add(sim_net *n, uint32_t *na, uint32_t pi, double share)
{
	n->pairs[pi].apos = *na;
	n->active[*na] = CAP_BIT | pi;
	n->active_share[(*na)++] = share;
}

/* Room for need entries in the active list. */
static int active_room(sim_net *n, uint32_t need)
{
	if (need <= n->cap_active)
		return 0;
	uint32_t cap = n->cap_active;
	if (grow((void **)&n->active, &cap, need, sizeof *n->active))
		return -1;
	double *s = realloc(n->active_share, (size_t)cap * sizeof *s);
	if (!s)
		return -1;
	n->active_share = s;
	n->cap_active = cap;
	return 0;
}

/* The links with flows reachable from the dirty ones through pairs
 * (breadth first, the dirty ones first in their order), stamped ep, each
 * with its filling state reset: they are the active list, in that order,
 * each with its fair share cap / flows (returns how many). The list is
 * its own queue. A dirty link without flows has no pairs, so nothing
 * reaches it and it reaches nothing: it is left out. */
static uint32_t component(sim_net *n, uint32_t ep)
{
	link *links = n->links;
	uint32_t *act = n->active;
	double *share = n->active_share;
	uint32_t na = 0;
	for (uint32_t i = 0; i < n->n_dirty; i++) {
		uint32_t r = n->dirty[i];
		link *l = &links[r];
		l->dirty = 0;
		if (!l->flows) /* dirty links are distinct: never stamped ep */
			continue;
		l->stamp = ep;
		l->left = l->cap;
		l->unfrozen = l->flows;
		l->apos = na;
		act[na] = r;
		share[na++] = l->cap / as_double(l->flows);
	}
	n->n_dirty = 0;
	for (uint32_t h = 0; h < na; h++) {
		const link *l = &links[act[h]];
		const lentry *pe = l->pairs, *end = pe + l->np;
		for (; pe < end; pe++) {
			uint32_t r = pe->other;
			link *o = &links[r];
			if (o->stamp == ep)
				continue;
			o->stamp = ep;
			o->left = o->cap;
			o->unfrozen = o->flows;
			o->apos = na;
			act[na] = r;
			share[na++] = o->cap / as_double(o->flows);
		}
	}
	return na;
}

/* Fix the rate s of pair pi's flows at now (its clock advanced under the
 * old rate) and reschedule its completion if it changed. */
static ALWAYS_INLINE int pair_set_rate(sim_net *n, pair *p, uint32_t pi,
				       double s, double now)
{
	if (p->rate != s) {
		pair_advance(p, now);
		p->rate = s;
		p->moved = 1;
	}
	return p->moved ? pair_schedule(n, p, pi) : 0;
}

/* Entry pos leaves the active list: the last one takes its place. With
 * no test for pos being the last (a branch that goes either way): the
 * entry then moves onto itself, and the one leaving keeps its own
 * position, which nothing reads again. */
static inline void active_drop(link *links, pair *pairs, uint32_t *act,
			       double *share, uint32_t *na, uint32_t pos,
			       const int capped)
{
	uint32_t last = --*na;
	uint32_t m = act[last];
	act[pos] = m;
	share[pos] = share[last];
	if (capped && (m & CAP_BIT))
		pairs[m & ~CAP_BIT].apos = pos;
	else
		links[m].apos = pos;
}

/* count flows fixed at rate s leave link r. */
static inline void link_take(link *links, pair *pairs, uint32_t *act,
			     double *share, uint32_t *na, uint32_t r,
			     uint32_t count, double s, const int capped)
{
	link *l = &links[r];
	l->left -= (double)count * s;
	l->unfrozen -= count;
	if (l->unfrozen == 0)
		active_drop(links, pairs, act, share, na, l->apos, capped);
	else
		share[l->apos] = (l->left > 0 ? l->left : 0) / as_double(l->unfrozen);
}

/* Progressive filling over the na entries of the active list (the links
 * of one component, from component, then the caps): the link of
 * least fair share fills first and fixes the rate of its pairs not yet
 * fixed, which take their bytes off their other link. A capped pair is
 * one more entry whose share is its cap: when the level reaches it first,
 * its flows stop there and take their bytes off both their links (the
 * cap acts as a private link of count x cap for the pair). A pair's rate
 * is final when it is fixed (stamp ep), so its clock is brought to now
 * under the old rate and its completion rescheduled right there. */
static ALWAYS_INLINE int fill_with(sim_net *n, uint32_t na, uint32_t ep,
				   double now, const int capped,
				   const int long_list)
{
	/* the caps, each pair once (from its uplink), in the order of the
	 * links (all links at first) */
	for (uint32_t i = 0, nl = na; capped && i < nl; i++) {
		const link *l = &n->links[n->active[i]];
		if (n->active[i] & 1)
			continue;
		for (uint32_t k = 0; k < l->np; k++) {
			uint32_t pi = l->pairs[k].pair;
			if (!isfinite(n->pairs[pi].cap))
				continue;
			if (active_room(n, na + 1))
				return -1;
			cap_add(n, &na, pi, n->pairs[pi].cap);
		}
	}
	/* the arrays in locals: pair_post, called in the loop, cannot move
	 * them, but the compiler does not know it */
	link *links = n->links;
	pair *pairs = n->pairs;
	uint32_t *act = n->active;
	double *share = n->active_share;
	double level = 0;
	while (na) {
		uint32_t best = 0;
		double s = share[0];
		if (long_list && na >= LONG_LIST) {
			best = least_share_long(share, na);
			s = share[best];
		} else {
			/* selects, not branches: which entry is least is
			 * a coin toss to the branch predictor */
			for (uint32_t i = 1; i < na; i++) {
				int lt = share[i] < s;
				s = lt ? share[i] : s;
				best = lt ? i : best;
			}
		}
		if (s < level) /* rounding: levels never go down */
			s = level;
		level = s;
		uint32_t e = act[best];
		active_drop(links, pairs, act, share, &na, best, capped);
		if (capped && (e & CAP_BIT)) { /* a pair reaches its cap */
			uint32_t pi = e & ~CAP_BIT;
			pair *p = &pairs[pi];
			p->stamp = ep;
			if (pair_set_rate(n, p, pi, s, now))
				return -1;
			link_take(links, pairs, act, share, &na, up_of(p->src),
				  p->count, s, 1);
			link_take(links, pairs, act, share, &na,
				  down_of(p->dst), p->count, s, 1);
			continue;
		}
		const lentry *pe = links[e].pairs, *end = pe + links[e].np;
		for (; pe < end; pe++) {
			uint32_t pi = pe->pair;
			pair *p = &pairs[pi];
			if (p->stamp == ep)
				continue;
			p->stamp = ep;
			if (pair_set_rate(n, p, pi, s, now))
				return -1;
			if (capped && isfinite(p->cap))
				active_drop(links, pairs, act, share, &na,
					    p->apos, 1);
			link_take(links, pairs, act, share, &na, pe->other,
				  p->count, s, capped);
		}
	}
	return 0;
}

/* fill_with compiled three times: without loss the caps cost nothing,
 * and a short list (the list only shrinks, save for the caps) never
 * asks whether it is long. */
static int fill_plain(sim_net *n, uint32_t na, uint32_t ep, double now)
{
	return fill_with(n, na, ep, now, 0, 0);
}

static int fill_plain_long(sim_net *n, uint32_t na, uint32_t ep, double now)
{
	return fill_with(n, na, ep, now, 0, 1);
}

static int fill_capped(sim_net *n, uint32_t na, uint32_t ep, double now)
{
	return fill_with(n, na, ep, now, 1, 1);
}

/* The general case: progressive filling over the component of the dirty
 * links. Out of line: the cheap cases of solve need none of its
 * registers. */
static NOINLINE int solve_component(sim_net *n, uint32_t ep,
						     double now)
{
	uint32_t na = component(n, ep);
	int rc = n->capped		 ? fill_capped(n, na, ep, now)
		 : na >= LONG_LIST ? fill_plain_long(n, na, ep, now)
				   : fill_plain(n, na, ep, now);
	return rc ? IO_ENOMEM : 0;
}

static int solve(sim_net *n, double now)
{
	if (!n->n_dirty)
		return 0;
	n->st.solves++;
	uint32_t ep = ++n->epoch;
	if (ep == 0) { /* wrapped: reset every stamp */
		for (uint32_t r = 0; r < 2 * n->n_nodes; r++)
			n->links[r].stamp = 0;
		for (uint32_t i = 0; i < n->n_pairs; i++)
			n->pairs[i].stamp = 0;
		ep = n->epoch = 1;
	}
	/* the common cases of a component of one pair: a pair alone on both
	 * its links (it joined them, or a flow of it ended), or alone on both
	 * after the last flow of a pair beside it on one link ended (that
	 * link's other end is then empty). Its flows share the smaller link
	 * equally, up to their cap: what progressive filling gives to the
	 * bit (the least of cap_up / count, cap_down / count and the cap) */
	if (n->n_dirty == 2) {
		link *a = &n->links[n->dirty[0]], *b = &n->links[n->dirty[1]];
		const link *x = a->np ? a : b, *y = a->np ? b : a;
		const link *o = x->np == 1 ? &n->links[x->pairs[0].other] : NULL;
		if (x->np == 0 || (o && o->np == 1 && (y->np == 0 || y == o))) {
			a->dirty = b->dirty = 0;
			n->n_dirty = 0;
			if (x->np == 0)
				return 0;
			uint32_t pi = x->pairs[0].pair;
			pair *p = &n->pairs[pi];
			double s = (x->cap < o->cap ? x->cap : o->cap) / (double)p->count;
			if (p->cap < s)
				s = p->cap;
			return pair_set_rate(n, p, pi, s, now) ? IO_ENOMEM : 0;
		}
	}
	return solve_component(n, ep, now);
}

/* ---- events ------------------------------------------------------------ */

static int done_push(sim_net *n, uint64_t cookie)
{
	if (grow((void **)&n->done, &n->cap_done, n->n_done + 1, sizeof *n->done))
		return -1;
	n->done[n->n_done++] = cookie;
	return 0;
}

/* p's earliest flow ends (and any whose key the clock has reached). */
static int pair_event(sim_net *n, double now, uint32_t pi)
{
	pair *p = &n->pairs[pi];
	p->ev = 0;
	if (now < p->due) { /* early (see pair_schedule): wait until due */
		n->st.reschedules++;
		p->ev = sim_heap_push(n->heap, p->due, n->ev_base + EV_PAIR,
				      idx_ptr(pi));
		p->ev_time = p->due;
		return p->ev ? 0 : IO_ENOMEM;
	}
	pair_advance(p, now);
	uint32_t ended = 0;
	do {
		fentry e = fheap_pop(p);
		if (e.key > p->clock)
			p->clock = e.key; /* rounding: it ends now */
		n->st.bytes_done += e.bytes;
		if (done_push(n, e.cookie))
			return IO_ENOMEM;
		ended++;
	} while (p->hn &&
		 p->heap[0].key <= p->clock + 1e-12 * (p->clock > 1 ? p->clock : 1));
	p->count -= ended;
	n->st.completed += ended;
	n->st.active -= ended;
	if (!n->contention_free) {
		n->links[up_of(p->src)].flows -= ended;
		n->links[down_of(p->dst)].flows -= ended;
		mark_dirty(n, up_of(p->src));
		mark_dirty(n, down_of(p->dst));
	}
	if (p->count == 0) {
		pair_release(n, pi);
	} else if (n->contention_free) {
		if (pair_schedule(n, p, pi))
			return IO_ENOMEM;
	} else {
		p->moved = 1;
	}
	/* solved now rather than by a solve event: ends rarely coincide */
	if (!n->contention_free && solve(n, now))
		return IO_ENOMEM;
	return (int)ended;
}

int sim_net_event(sim_net *n, double now, uint32_t kind, void *data,
		  const uint64_t **done)
{
	n->n_done = 0;
	*done = n->done;
	int rc = 0;
	switch (kind - n->ev_base) {
	case EV_LATENCY: {
		uint32_t wi = ptr_idx(data);
		if (wi == n->group_head) /* no more joining this group */
			n->group_head = n->group_tail = NONE;
		while (wi != NONE && rc == 0) {
			wait w = n->waits[wi];
			n->waits[wi].next = n->free_wait;
			n->free_wait = wi;
			rc = join(n, now, w.src, w.dst, w.bytes, w.cookie);
			wi = w.next;
		}
		if (rc == 0 && !n->contention_free)
			rc = solve(n, now);
		break;
	}
	case EV_PAIR:
		rc = pair_event(n, now, ptr_idx(data));
		break;
	case EV_SOLVE:
		n->solve_pending = 0;
		rc = solve(n, now);
		break;
	}
	*done = n->done;
	return rc;
}

/* ---- queries ------------------------------------------------------------ */

double sim_net_rate(const sim_net *n, uint32_t src, uint32_t dst)
{
	if (src >= n->n_nodes || dst >= n->n_nodes)
		return 0;
	uint32_t pi = pair_find(n, src, dst);
	return pi == NONE ? 0 : n->pairs[pi].rate;
}

uint32_t sim_net_flows(const sim_net *n, uint32_t src, uint32_t dst)
{
	if (src >= n->n_nodes || dst >= n->n_nodes)
		return 0;
	uint32_t pi = pair_find(n, src, dst);
	return pi == NONE ? 0 : n->pairs[pi].count;
}

double sim_net_flow_cap(const sim_net *n, uint32_t src, uint32_t dst)
{
	return src == dst ? INFINITY : pair_cap(n, src, dst);
}

double sim_net_loss(const sim_net *n, uint32_t node) { return n->loss[node]; }

/* ---- packet loss -------------------------------------------------------- */

/* Pair pi's cap after a change of loss, RTT or MSS: in contention-free
 * mode its rate follows at once; otherwise its links are marked for the
 * solve. */
static int recap_pair(sim_net *n, double now, uint32_t pi)
{
	pair *p = &n->pairs[pi];
	double c = pair_cap(n, p->src, p->dst);
	if (c == p->cap)
		return 0;
	n->capped += (isfinite(c) != 0) - (isfinite(p->cap) != 0);
	p->cap = c;
	if (n->contention_free)
		return pair_set_rate(n, p, pi, alone_rate(n, p->src, p->dst), now);
	mark_dirty(n, up_of(p->src));
	mark_dirty(n, down_of(p->dst));
	return 0;
}

static int recap_link(sim_net *n, double now, uint32_t r)
{
	const link *l = &n->links[r];
	for (uint32_t k = 0; k < l->np; k++)
		if (recap_pair(n, now, l->pairs[k].pair))
			return -1;
	return 0;
}

/* Recap the pairs from or to node (every pair if node == NONE), then
 * solve what changed, at now. */
static int recap(sim_net *n, double now, uint32_t node)
{
	int rc = 0;
	if (node != NONE)
		rc = recap_link(n, now, up_of(node)) ||
		     recap_link(n, now, down_of(node));
	for (uint32_t i = 0; node == NONE && !rc && i < n->n_nodes; i++)
		rc = recap_link(n, now, up_of(i)); /* every pair once */
	if (rc)
		return IO_ENOMEM;
	return n->contention_free ? 0 : solve(n, now);
}

int sim_net_set_loss(sim_net *n, double now, uint32_t node, double p)
{
	if (node >= n->n_nodes || !(p >= 0 && p < 1))
		return IO_EINPUT;
	if (p > 0 && !(n->rtt_s > 0))
		return IO_EINPUT; /* the Mathis bound needs a round trip */
	n->lossy += (p > 0) - (n->loss[node] > 0);
	n->loss[node] = p;
	return recap(n, now, node);
}

int sim_net_set_rtt(sim_net *n, double now, double rtt_s)
{
	if (!isfinite(rtt_s) || rtt_s <= 0)
		return IO_EINPUT;
	n->rtt_s = rtt_s;
	return recap(n, now, NONE);
}

int sim_net_set_mss(sim_net *n, double now, double mss_bytes)
{
	if (!isfinite(mss_bytes) || mss_bytes <= 0)
		return IO_EINPUT;
	n->mss_bytes = mss_bytes;
	return recap(n, now, NONE);
}
