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
 * Packet loss. Each node has a packet-loss probability p_node in [0, 1)
 * (0 unless set; settable before and during a run, e.g. for an anomaly
 * window); a flow from A to B sees p = 1 - (1 - p_A)(1 - p_B) (a packet
 * survives both ends' links independently) and, being one TCP connection,
 * is capped at the Mathis et al. rate (Mathis, Semke, Mahdavi, Ott, "The
 * macroscopic behavior of the TCP congestion avoidance algorithm", ACM
 * CCR 27(3), 1997):
 *     cap = MSS / (RTT sqrt(2p/3)) = (MSS / RTT) C / sqrt(p),  C = sqrt(3/2)
 * C = sqrt(3/2) ~ 1.22 is the constant of the paper's own derivation
 * (periodic loss, an ACK for every segment), the form the model is
 * usually quoted in; delayed ACKs give sqrt(3/4) ~ 0.87, and the paper's
 * values of C for other ACK strategies and loss patterns span
 * 0.87..1.31. It models steady-state congestion avoidance only (no
 * timeouts), so it overstates throughput above a few percent loss. MSS
 * is SIM_NET_MSS_BYTES (1460, Ethernet's 1500-byte MTU less 40 bytes of
 * IP and TCP headers) and RTT is 2 x latency unless set; both are
 * settable. The cap joins max-min sharing as a private link of capacity
 * count x cap for each pair: progressive filling stops a pair's flows
 * when the level reaches their cap, and the rest of both their links goes
 * to the others. p = 0 leaves every result unchanged (no cap).
 * sim_net_estimate and contention-free mode apply the cap too. A change of
 * loss, RTT or MSS during a run takes effect at once: the flows' bytes so
 * far are kept and the affected component is solved again.
 *
 * Contention-free mode (contention_free = 1): every flow gets
 * min(up_A, down_B, cap) whatever else is running (the model of
 * list-scheduling papers such as HEFT's); no solving.
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
#define SIM_NET_MSS_BYTES 1460.0

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

/* Packet loss (see above), at time now (the caller's current time; any
 * time before the first transfer starts): node's loss probability p in
 * [0, 1); the round-trip time (s, finite, > 0; default 2 x latency);
 * the MSS (bytes, finite, > 0; default SIM_NET_MSS_BYTES). Each returns 0,
 * IO_EINPUT for a value out of range, a node out of range, or p > 0 while
 * the RTT is 0 (latency 0 and no RTT set: the bound would be infinite),
 * or IO_ENOMEM. Flows in progress change rate at now. */
int sim_net_set_loss(sim_net *n, double now, uint32_t node, double p);
int sim_net_set_rtt(sim_net *n, double now, double rtt_s);
int sim_net_set_mss(sim_net *n, double now, double mss_bytes);
double sim_net_loss(const sim_net *n, uint32_t node);
/* The Mathis cap on one flow from src to dst (bytes/s), INFINITY without
 * loss or if src == dst. */
double sim_net_flow_cap(const sim_net *n, uint32_t src, uint32_t dst);

/* Time of a transfer alone on the network: latency + bytes / min(up_src,
 * down_dst, cap); 0 if src == dst. */
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
