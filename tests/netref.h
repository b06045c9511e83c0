/* tests/netref.h — transfers and a brute-force max-min reference shared
 * by the network tests. */
#ifndef HETSIM_TESTS_NETREF_H
#define HETSIM_TESTS_NETREF_H

#include <stdint.h>
#include "sim/net.h"

typedef struct xfer {
	double start, bytes, end;
	uint32_t src, dst;
} xfer;

/* At every event (a start after its latency, an end), progressive filling
 * over single flows on the 2 nn links of nics, each flow capped at
 * capf[flow] (capf NULL or INFINITY: none); fills x[].end. */
void test_reference_max_min(const sim_nic *nics, uint32_t nn, double lat,
			    const double *capf, xfer *x, uint32_t n);

/* Event kinds test_net_run uses: sim_net's own from TEST_NET_BASE up. */
enum { TEST_NET_BASE = 8 };

/* A change of one node's loss at time t. */
typedef struct test_net_ctl {
	double t, p;
	uint32_t node;
} test_net_ctl;

/* A network to run transfers through (test_net_run). */
typedef struct test_net_setup {
	const sim_nic *nics;
	uint32_t n_nodes;
	double latency, rtt; /* rtt 0: the default */
	int cf;
	const double *loss; /* per node before the run, or NULL */
	const test_net_ctl *ctls;
	uint32_t n_ctls;
} test_net_setup;

/* Run transfers x[0..n) through sim_net (x[i] starts at x[i].start), with
 * r's losses and loss changes; fills x[].end and, if st, the stats. */
void test_net_run(const test_net_setup *r, xfer *x, uint32_t n, sim_net_stats *st);

#endif
