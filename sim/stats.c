/* sim/stats.c — streaming mean / min / max and log-linear histogram. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/stats.h"

int sim_stat_init(sim_stat *s, int with_quantiles)
{
	memset(s, 0, sizeof *s);
	s->min = INFINITY;
	s->max = -INFINITY;
	if (with_quantiles) {
		s->buckets = calloc(SIM_HIST_BUCKETS, sizeof *s->buckets);
		if (!s->buckets)
			return -1;
	}
	return 0;
}

void sim_stat_free(sim_stat *s)
{
	free(s->buckets);
	s->buckets = NULL;
}

/* Bucket of x: from its binary exponent and top mantissa bits. */
static inline uint32_t bucket_of(double x)
{
	if (!(x >= 0x1.0p-30))
		return 0;
	if (x >= 0x1.0p30)
		return SIM_HIST_BUCKETS - 1;
	/* x is a normal double: x = 1.f 2^(E - 1023) with E its biased
	 * exponent field and f its 52 fraction bits, of which the top
	 * SIM_HIST_SUB_BITS are the sub-bucket (the bits frexp and a multiply
	 * would give, without the call) */
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	int e = (int)(bits >> 52) - 1023;
	uint32_t sub = (uint32_t)((bits >> (52 - SIM_HIST_SUB_BITS)) &
				  ((1u << SIM_HIST_SUB_BITS) - 1));
	return ((uint32_t)(e - SIM_HIST_MIN_EXP) << SIM_HIST_SUB_BITS) + sub;
}

/* Midpoint of bucket b. */
static double bucket_mid(uint32_t b)
{
	int e = (int)(b >> SIM_HIST_SUB_BITS) + SIM_HIST_MIN_EXP;
	double sub = (double)(b & ((1u << SIM_HIST_SUB_BITS) - 1));
	return ldexp(1.0 + (sub + 0.5) / (1u << SIM_HIST_SUB_BITS), e);
}

void sim_stat_add(sim_stat *s, double x)
{
	s->n++;
	s->sum += x;
	if (x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
	if (s->buckets)
		s->buckets[bucket_of(x)]++;
}

double sim_stat_quantile(const sim_stat *s, double q)
{
	if (s->n == 0 || !s->buckets)
		return 0.0;
	if (q <= 0)
		return s->min;
	if (q >= 1)
		return s->max;
	uint64_t rank = (uint64_t)ceil(q * (double)s->n); /* 1-based */
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (uint32_t b = 0; b < SIM_HIST_BUCKETS; b++) {
		seen += s->buckets[b];
		if (seen >= rank) {
			double v = bucket_mid(b);
			return v < s->min ? s->min : v > s->max ? s->max : v;
		}
	}
	return s->max;
}
