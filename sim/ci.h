/*
 * sim/ci.h — confidence intervals over replications.
 *
 * Replication r of every policy uses seed s_r, so with common random
 * numbers the policies' results are paired: compare them through the
 * per-replication differences, whose variance is usually far smaller than
 * the sum of the two variances.
 *   mean CI:    x̄ ± t_{0.975, n-1} s / sqrt(n)           (n >= 2)
 *   paired CI:  d̄ ± t_{0.975, n-1} s_d / sqrt(n), d_r = b_r - a_r
 * With n = 1 the half-width is NAN (no interval). Identical inputs give a
 * difference of exactly 0 with half-width 0.
 */
#ifndef HETSIM_SIM_CI_H
#define HETSIM_SIM_CI_H

#include <stddef.h>

typedef struct sim_ci {
	double mean;
	double half; /* half-width of the 95% interval; NAN if n < 2 */
	double sd;
	size_t n;
} sim_ci;

sim_ci sim_ci_mean(const double *x, size_t n);
/* CI of the mean of b[r] - a[r]. */
sim_ci sim_ci_paired(const double *a, const double *b, size_t n);
/* Student t quantile for a two-sided 95% interval with dof degrees. */
double sim_t975(size_t dof);

#endif
