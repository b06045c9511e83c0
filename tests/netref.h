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

#endif
