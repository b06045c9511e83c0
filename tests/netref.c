/* tests/netref.c — a brute-force max-min network for checking sim/net
 * (tests/test_net.c, tests/test_dag.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tests/netref.h"

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
