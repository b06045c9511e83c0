/*
 * sim/stats.h — streaming statistics with memory independent of the number
 * of samples: count / sum / min / max and a log-linear histogram for
 * quantiles (HdrHistogram-style: each power of two split into 512 linear
 * sub-buckets, so a reported quantile is within 0.1% of the exact order
 * statistic, clamped to the observed [min, max]). Range 2^-30 .. 2^30 s
 * (about 1 ns .. 34 years); values outside land in the edge buckets.
 */
#ifndef HETSIM_SIM_STATS_H
#define HETSIM_SIM_STATS_H

#include <stdint.h>

#define SIM_HIST_SUB_BITS 9
#define SIM_HIST_MIN_EXP (-30)
#define SIM_HIST_MAX_EXP 30
#define SIM_HIST_BUCKETS                                                       \
	((SIM_HIST_MAX_EXP - SIM_HIST_MIN_EXP) << SIM_HIST_SUB_BITS)

typedef struct sim_stat {
	uint64_t n;
	double sum, min, max;
	uint64_t *buckets; /* SIM_HIST_BUCKETS counts, or NULL: no quantiles */
} sim_stat;

/* with_quantiles: allocate the histogram (about 240 KiB). */
int sim_stat_init(sim_stat *s, int with_quantiles);
void sim_stat_free(sim_stat *s);
void sim_stat_add(sim_stat *s, double x);
static inline double sim_stat_mean(const sim_stat *s)
{
	return s->n ? s->sum / (double)s->n : 0.0;
}
/* Quantile q in [0, 1] (nearest rank on the histogram); 0 if empty. */
double sim_stat_quantile(const sim_stat *s, double q);

#endif
