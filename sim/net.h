/*
 * sim/net.h — the network: transfers between nodes as flows that share NIC
 * bandwidth max-min fairly.
 *
 * Every node has a NIC with an uplink and a downlink capacity (bytes/s,
 * finite, > 0); one latency (s) applies to every pair of distinct nodes. A
 * transfer of b bytes from A to B waits the latency, then is a flow
 * constrained by A's uplink and B's downlink until its b bytes have gone
 * through; alone on an idle network it takes latency + b / min(up_A,
 * down_B). Concurrent flows share the links max-min fairly (progressive
 * filling: all rates grow together; a flow stops growing when one of its
 * two links is full; Bertsekas & Gallager, Data Networks, 6.5.2). The
 * allocation is recomputed whenever flows start or end, and only for the
 * connected component of the links whose flows changed (links joined
 * through flows): the max-min allocation of one component does not depend
 * on the others. Transfers started at one instant end their latency
 * together and join in one event, solved once; with latency 0 the starts
 * of one instant are solved together by a zero-delay "solve" event.
 *
 * Flows between the same two nodes always get the same rate, so they are
 * kept together as one "pair" with a virtual clock (bytes served to each of
 * its flows so far, as in fair queueing): a flow that joins when the clock
 * reads V and carries b bytes ends when it reads V + b. A change of rate
 * updates the pair's clock in O(1) and moves the pair's one completion
 * event (its earliest flow) through a cancellable heap handle, instead of
 * touching every flow. Lazily: when a completion moves later, its event
 * stays where it is and is moved when it fires; only a completion that
 * comes sooner costs a heap operation at once. The solver works on links
 * and pairs, never on single flows: its cost does not grow with the number
 * of flows.
 *
 * Contention-free mode (contention_free = 1): every flow gets
 * min(up_A, down_B) whatever else is running (the model of list-scheduling
 * papers such as HEFT's); no solving.
 *
 * The network schedules its events in the caller's heap with the kinds
 * ev_base .. ev_base + SIM_NET_EVENT_KINDS - 1; the caller passes each such
 * event it pops to sim_net_event, which returns the transfers that ended.
 * Transfers are identified by a caller-chosen 64-bit cookie. Memory: 40
 * bytes per transfer in progress (its entry in its pair's heap, or its
 * latency wait), pairs and waits from free lists: nothing is allocated
 * per transfer once the arrays have grown to the peak.
 */
#ifndef HETSIM_SIM_NET_H
#define HETSIM_SIM_NET_H

#include <stdint.h>
#include "sim/io/io.h"
#include "sim/heap.h"

#define SIM_NET_EVENT_KINDS 3

typedef struct sim_nic {
	double up_bps, down_bps; /* bytes per second */
} sim_nic;

typedef struct sim_net sim_net;

typedef struct sim_net_stats {
	uint64_t started, completed; /* transfers */
	uint64_t active, peak_active; /* transfers started, not yet ended */
	uint64_t peak_pairs;         /* node pairs with flows at once */
	uint64_t solves;             /* max-min recomputations */
	uint64_t reschedules;        /* completion events moved */
	double bytes_done;           /* bytes of the transfers that ended */
} sim_net_stats;

/* n_nodes NICs, latency_s >= 0. The heap must outlive the network. */
int sim_net_new(sim_net **out, sim_heap *heap, uint32_t ev_base,
		uint32_t n_nodes, const sim_nic *nics, double latency_s,
		int contention_free, io_err *err);
void sim_net_free(sim_net *n);

/* Is kind one of the network's event kinds? */
int sim_net_owns(const sim_net *n, uint32_t kind);

/* Start a transfer of bytes (finite, >= 0) from src to dst (src != dst)
 * at time now (the caller's current time). Returns 0, or IO_ENOMEM. */
int sim_net_start(sim_net *n, double now, uint32_t src, uint32_t dst,
		  double bytes, uint64_t cookie);

/* Handle a network event popped at time now. Returns how many transfers
 * ended with it (their cookies in *done, valid until the next call into
 * the network), or IO_ENOMEM. */
int sim_net_event(sim_net *n, double now, uint32_t kind, void *data,
		  const uint64_t **done);

/* Time of a transfer alone on the network: latency + bytes / min(up_src,
 * down_dst); 0 if src == dst. */
double sim_net_estimate(const sim_net *n, uint32_t src, uint32_t dst,
			double bytes);
/* Current rate (bytes/s) of each flow from src to dst, 0 if none: the
 * allocation as of the last solve. */
double sim_net_rate(const sim_net *n, uint32_t src, uint32_t dst);
/* Flows from src to dst in their bandwidth phase (latency waits not
 * counted). */
uint32_t sim_net_flows(const sim_net *n, uint32_t src, uint32_t dst);
void sim_net_get_stats(const sim_net *n, sim_net_stats *s);
double sim_net_latency(const sim_net *n);
const sim_nic *sim_net_nic(const sim_net *n, uint32_t node);

#endif
