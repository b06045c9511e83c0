/*
 * profiles/gof.h — goodness-of-fit statistics and their p-values.
 *
 *   Kolmogorov-Smirnov, one sample against a fully specified CDF: D_n and
 *     P(D_n >= d): exact for n <= 1000 (Marsaglia, Tsang & Wang 2003; in
 *     the far tail, n d^2 >= 7.24, twice the exact one-sided Smirnov
 *     tail); beyond, the asymptotic Kolmogorov series with Pelz & Good's
 *     finite-n corrections (Simard & L'Ecuyer 2011), ~1e-7 from exact at
 *     n = 1001 and closer above. gof.c's header lists every branch.
 *   Anderson-Darling A^2 against a fully specified CDF (CDF values
 *     clamped into [1e-300, 1 - 1e-16]), p-value from Marsaglia &
 *     Marsaglia 2004 (ADinf + errfix finite-n correction), ~5 digits; in
 *     the far tail the correction is damped so that p goes to 0 (gof.c).
 *   Shapiro-Wilk W for normality with Royston's 1995 approximation (AS R94,
 *     as R's shapiro.test) for 3 <= n <= 5000; for n > 5000 see
 *     prof_shapiro_wilk.
 *   Kolmogorov-Smirnov, two samples: D (ties: both ECDFs step past a
 *     value before they are compared) and its p-value under the
 *     continuous null: exact lattice-path count while max(na, nb) +
 *     2 d na nb <= 2e7, else the one-sample p-value at
 *     n = round(na nb / (na + nb)) (as scipy's "asymp").
 * All p-values are in [0, 1] and finite for any input (NaN statistic: 1).
 * Parameters estimated from the same data make the one-sample p-values
 * conservative (Lilliefors); hetsim reports them as is, as seed 000 does.
 */
#ifndef HETSIM_PROFILES_GOF_H
#define HETSIM_PROFILES_GOF_H

#include <stddef.h>

typedef double (*prof_cdf_fn)(const void *ctx, double x);

/* sorted: n >= 1 samples, ascending. */
double prof_ks_stat(const double *sorted, size_t n, prof_cdf_fn cdf,
		    const void *ctx);
double prof_ks_pvalue(double d, size_t n);
double prof_ad_stat(const double *sorted, size_t n, prof_cdf_fn cdf,
		    const void *ctx);
double prof_ad_pvalue(double a2, size_t n);
/* W and its p-value. n < 3, a constant sample or a non-finite value:
 * returns -1 (w and p set to -1). For n > 5000, computes W on 5000 evenly
 * spaced order statistics of the sample (the sample quantiles at
 * (i - 0.5) / 5000, linearly interpolated between order statistics placed
 * at (j - 0.5) / n: R's quantile type 5) and says so by returning 1
 * instead of 0. */
int prof_shapiro_wilk(const double *sorted, size_t n, double *w,
		      double *p);
double prof_ks2_stat(const double *a_sorted, size_t na,
		     const double *b_sorted, size_t nb);
double prof_ks2_pvalue(double d, size_t na, size_t nb);

#endif
