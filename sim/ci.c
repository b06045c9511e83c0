/* sim/ci.c — Student t confidence intervals (see ci.h). */
#include <math.h>
#include <gsl/gsl_cdf.h>
#include "sim/ci.h"

double sim_t975(size_t dof)
{
	if (dof == 0)
		return NAN;
	return gsl_cdf_tdist_Pinv(0.975, (double)dof);
}

/* Element i of the sample: b[i] - a[i], or b[i] when a is NULL. */
static double sample_at(const double *a, const double *b, size_t i)
{
	return a ? b[i] - a[i] : b[i];
}

/* Two passes (mean, then squared deviations) rather than running sums:
 * the variance of nearly equal values must not come out negative or as
 * rounding noise. A constant sample is special-cased so that its mean is
 * exactly that constant and its sd exactly 0 (sum / n can be off by an
 * ulp). */
static sim_ci ci_of(const double *a, const double *b, size_t n)
{
	sim_ci c = {.mean = NAN, .half = NAN, .sd = NAN, .n = n};
	if (n == 0)
		return c;
	double first = sample_at(a, b, 0), sum = 0;
	int constant = 1;
	for (size_t i = 0; i < n; i++) {
		double x = sample_at(a, b, i);
		sum += x;
		constant &= x == first;
	}
	if (constant) {
		c.mean = first;
		if (n >= 2) {
			c.sd = 0;
			c.half = 0;
		}
		return c;
	}
	c.mean = sum / (double)n;
	if (n < 2)
		return c;
	double ss = 0;
	for (size_t i = 0; i < n; i++) {
		double dx = sample_at(a, b, i) - c.mean;
		ss += dx * dx;
	}
	c.sd = sqrt(ss / (double)(n - 1));
	c.half = sim_t975(n - 1) * c.sd / sqrt((double)n);
	return c;
}

sim_ci sim_ci_mean(const double *x, size_t n)
{
	return ci_of(NULL, x, n);
}

sim_ci sim_ci_paired(const double *a, const double *b, size_t n)
{
	return ci_of(a, b, n);
}
