/* tests/netref.c — a brute-force max-min network for checking sim/net,
 * and the driver that runs transfers through sim/net itself
 * (tests/test_net.c, tests/test_dag.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "sim/heap.h"
#include "tests/netref.h"
#include "tests/tests.h"

enum { EV_START = 1, EV_CTL = 2 };

static double test_capf(const double *capf, uint32_t i)
{
	return capf ? capf[i] : INFINITY;
}

/* At every event, progressive filling over single flows, each capped at
 * capf[flow] (capf NULL or INFINITY: none); fills x[].end. */
void test_reference_max_min(const sim_nic *nics, uint32_t nn, double lat,
			    const double *capf, xfer *x, uint32_t n)
{
	double *left = malloc(n * sizeof *left), *rate = malloc(n * sizeof *rate);
	int *on = calloc(n, sizeof *on), *frozen = calloc(n, sizeof *frozen);
	double *cap = malloc(2 * nn * sizeof *cap);
	int *cnt = malloc(2 * nn * sizeof *cnt);
	for (uint32_t i = 0; i < n; i++) {
		left[i] = x[i].bytes;
		x[i].end = NAN;
	}
	double now = 0;
	for (;;) {
		for (uint32_t i = 0; i < n; i++)
			if (!on[i] && isnan(x[i].end) && x[i].start + lat <= now + 1e-12)
				on[i] = 1;
		for (uint32_t r = 0; r < 2 * nn; r++)
			cap[r] = r & 1 ? nics[r / 2].down_bps : nics[r / 2].up_bps;
		for (uint32_t i = 0; i < n; i++)
			frozen[i] = !on[i];
		for (;;) {
			memset(cnt, 0, 2 * nn * sizeof *cnt);
			double s = INFINITY, sc = INFINITY;
			for (uint32_t i = 0; i < n; i++)
				if (!frozen[i]) {
					cnt[2 * x[i].src]++;
					cnt[2 * x[i].dst + 1]++;
					if (test_capf(capf, i) < sc)
						sc = test_capf(capf, i);
				}
			int best = -1;
			for (uint32_t r = 0; r < 2 * nn; r++)
				if (cnt[r] && cap[r] / cnt[r] < s) {
					s = cap[r] / cnt[r];
					best = (int)r;
				}
			if (best < 0)
				break;
			for (uint32_t i = 0; i < n; i++) {
				int hit = sc < s ? test_capf(capf, i) == sc
						 : ((int)(2 * x[i].src) == best ||
						    (int)(2 * x[i].dst + 1) == best);
				if (frozen[i] || !hit)
					continue;
				frozen[i] = 1;
				rate[i] = sc < s ? sc : s;
				cap[2 * x[i].src] -= rate[i];
				cap[2 * x[i].dst + 1] -= rate[i];
			}
		}
		double next = INFINITY;
		for (uint32_t i = 0; i < n; i++) {
			if (on[i] && now + left[i] / rate[i] < next)
				next = now + left[i] / rate[i];
			if (!on[i] && isnan(x[i].end) && x[i].start + lat < next)
				next = x[i].start + lat;
		}
		if (!isfinite(next))
			break;
		for (uint32_t i = 0; i < n; i++)
			if (on[i]) {
				left[i] -= rate[i] * (next - now);
				if (left[i] <= 1e-9 * (1 + x[i].bytes)) {
					on[i] = 0;
					x[i].end = next;
				}
			}
		now = next;
	}
	free(left);
	free(rate);
	free(on);
	free(frozen);
	free(cap);
	free(cnt);
}

void test_net_run(const test_net_setup *r, xfer *x, uint32_t n, sim_net_stats *st)
{
	sim_heap h;
	ck_assert_int_eq(sim_heap_init(&h, 16), 0);
	sim_net *net;
	io_err err = {0};
	ck_assert_msg(sim_net_new(&net, &h, TEST_NET_BASE, r->n_nodes, r->nics,
				  r->latency, r->cf, &err) == 0,
		      "%s", err.msg);
	if (r->rtt > 0)
		ck_assert_int_eq(sim_net_set_rtt(net, 0, r->rtt), 0);
	for (uint32_t i = 0; r->loss && i < r->n_nodes; i++)
		ck_assert_int_eq(sim_net_set_loss(net, 0, i, r->loss[i]), 0);
	for (uint32_t i = 0; i < n; i++) {
		x[i].end = NAN;
		sim_heap_push(&h, x[i].start, EV_START, (void *)(uintptr_t)i);
	}
	for (uint32_t i = 0; i < r->n_ctls; i++)
		sim_heap_push(&h, r->ctls[i].t, EV_CTL, (void *)(uintptr_t)i);
	double t;
	uint32_t kind;
	void *data;
	while (sim_heap_pop(&h, &t, &kind, &data)) {
		uint32_t i = (uint32_t)(uintptr_t)data;
		if (kind == EV_START) {
			tck_int_eq(sim_net_start(net, t, x[i].src, x[i].dst,
						       x[i].bytes, i),
					 0);
			continue;
		}
		if (kind == EV_CTL) {
			ck_assert_int_eq(sim_net_set_loss(net, t, r->ctls[i].node,
							  r->ctls[i].p),
					 0);
			continue;
		}
		tck_assert(sim_net_owns(net, kind));
		const uint64_t *done;
		int k = sim_net_event(net, t, kind, data, &done);
		tck_int_ge(k, 0);
		for (int j = 0; j < k; j++) {
			tck_assert(isnan(x[done[j]].end));
			x[done[j]].end = t;
		}
	}
	if (st)
		sim_net_get_stats(net, st);
	sim_net_free(net);
	sim_heap_free(&h);
}
