/*
 * sim/stats.h — streaming statistics with memory independent of the number
 * of samples: count / sum / min / max and a log-linear histogram for
 * quantiles (HdrHistogram-style: each power of two split into 512 linear
 * sub-buckets, so a reported quantile is within 0.1% of the exact order
 * statistic, clamped to the observed [min, max]). Range 2^-30 .. 2^30 s
 * (about 1 ns .. 34 years); values outside land in the edge buckets.
 *
 * The histogram holds only what was hit, so that a run can keep one per
 * task type for 10^5 types: up to SIM_HIST_SPARSE_MAX distinct buckets
 * as a sorted list of (bucket, count) pairs (8 bytes each, none before the
 * first sample), beyond that one page of 512 counts (4 KiB) per power of
 * two that holds a sample. The whole SIM_HIST_BUCKETS range, 240 KiB, is
 * only ever allocated for data spanning all 60 powers of two. Quantiles
 * depend on the bucket counts alone, which both forms keep exactly, so
 * they do not depend on the form.
 */
#ifndef HETSIM_SIM_STATS_H
#define HETSIM_SIM_STATS_H

#include <stdint.h>
#include <string.h>

#define SIM_HIST_SUB_BITS 9
#define SIM_HIST_MIN_EXP  (-30)
#define SIM_HIST_MAX_EXP  30
#define SIM_HIST_PAGES	  (SIM_HIST_MAX_EXP - SIM_HIST_MIN_EXP)
#define SIM_HIST_BUCKETS  (SIM_HIST_PAGES << SIM_HIST_SUB_BITS)
/* counts in a page of the histogram (one power of two) */
#define SIM_HIST_PAGE_SIZE (1u << SIM_HIST_SUB_BITS)
/* Distinct buckets kept as a list before the histogram turns to pages. */
#define SIM_HIST_SPARSE_MAX 256

typedef struct sim_hist_entry {
	uint32_t bucket, count;
} sim_hist_entry;

typedef struct sim_stat {
	uint64_t n;
	double sum, min, max;
	/* histogram, when quantiles is set: the list (used of cap entries,
	 * ascending buckets) until paged is allocated, then paged only */
	sim_hist_entry *list;
	uint32_t used, cap;
	uint64_t **paged; /* SIM_HIST_PAGES pages of 512 counts, or NULL */
	uint8_t quantiles;
	uint8_t failed; /* a histogram allocation failed: quantiles are NaN */
} sim_stat;

/* with_quantiles: keep the histogram (it allocates as samples arrive).
 * Returns 0. */
int sim_stat_init(sim_stat *s, int with_quantiles);
void sim_stat_free(sim_stat *s);
/* The histogram's slow path (stats.c): b's first sample, or its page's. */
void sim_stat_hist_add(sim_stat *s, uint32_t b);

/* Bucket of x: from its binary exponent and top mantissa bits. */
static inline uint32_t sim_hist_bucket(double x)
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

/* sim_stat_add less the histogram. */
static inline void sim_stat_moments_add(sim_stat *s, double x)
{
	s->n++;
	s->sum += x;
	if (x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
}

/* One sample in bucket b of the histogram, if s keeps one. */
static inline void sim_stat_bucket_add(sim_stat *s, uint32_t b)
{
	if (s->quantiles && !s->failed) {
		uint64_t *page;
		/* the common case once a stat has many samples: its page is
		 * there */
		if (s->paged && (page = s->paged[b >> SIM_HIST_SUB_BITS]))
			page[b & (SIM_HIST_PAGE_SIZE - 1)]++;
		else
			sim_stat_hist_add(s, b);
	}
}

/* Adding never fails; if the histogram cannot grow, sim_stat_failed says
 * so afterwards (the count, sum, min and max stay right). Inline: the
 * engine adds a sample or two a task. */
static inline void sim_stat_add(sim_stat *s, double x)
{
	sim_stat_moments_add(s, x);
	/* likely: a statistic without quantiles takes sim_stat_moments_add */
	if (__builtin_expect(s->quantiles, 1))
		sim_stat_bucket_add(s, sim_hist_bucket(x));
}

/* src's samples added to dst: count, sum, extremes and histogram (the
 * same counts per bucket as adding each sample, so the same quantiles).
 * The sum is added as one number: a sum kept sample by sample may differ
 * in its last bits. If the histogram cannot grow, or src has none to
 * give, dst's quantiles fail (sim_stat_failed). */
void sim_stat_merge(sim_stat *dst, const sim_stat *src);

static inline int sim_stat_failed(const sim_stat *s)
{
	return s->failed;
}
static inline double sim_stat_mean(const sim_stat *s)
{
	return s->n ? s->sum / (double)s->n : 0.0;
}
/* Quantile q in [0, 1] (nearest rank on the histogram); 0 if empty or kept
 * without quantiles, NaN if the histogram failed. */
double sim_stat_quantile(const sim_stat *s, double q);
/* Bytes the histogram holds now (for tests and benchmarks). */
size_t sim_stat_hist_bytes(const sim_stat *s);

#endif
