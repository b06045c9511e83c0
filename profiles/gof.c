/* profiles/gof.c — goodness-of-fit statistics and p-values (see gof.h).
 *
 * One-sample Kolmogorov-Smirnov, P(D_n >= d), chosen by (n, d):
 *   d <= 0 (or NaN), n = 0     1
 *   d >= 1                     0
 *   n d <= 1/2                 1 (D_n >= 1/(2n) always)
 *   1/2 < n d <= 1             1 - n!/n^n (2nd - 1)^n, exact (Ruben &
 *                              Gambino 1982)
 *   d >= 1/2, or n d^2 >= 7.24 (n <= 1000), n d^2 >= 2.2 (n > 1000):
 *                              2 P(D_n+ >= d), the exact one-sided tail
 *                              (Smirnov 1944 / Birnbaum & Tingey 1951),
 *                              for n <= 1e6 (beyond, its n terms cost
 *                              too much: the Pelz-Good series below).
 *                              Exact for d >= 1/2 (the two one-sided
 *                              events are then disjoint); otherwise it
 *                              leaves out P(D+ >= d and D- >= d), about
 *                              2 exp(-8 n d^2): < 1e-24 at 7.24, < 1e-7
 *                              at 2.2 (the cut Simard & L'Ecuyer 2011 use).
 *   other n <= 1000            1 - K(n, d), K by Marsaglia, Tsang & Wang
 *                              2003 (the Durbin matrix raised to the n-th
 *                              power, exponent kept apart), exact to
 *                              ~1e-13
 *   other 1000 < n <= 100000
 *     with n d^1.5 <= 1.4      the same exact matrix method (Simard &
 *                              L'Ecuyer 2011: it is cheap there, k < 60,
 *                              and Pelz-Good is poor for such small d)
 *   every other n > 1000       1 - PG(n, d): the asymptotic Kolmogorov
 *                              series with its 1/sqrt(n), 1/n, 1/n^1.5
 *                              corrections (Pelz & Good 1976, in the
 *                              form of Simard & L'Ecuyer 2011, eq. (6));
 *                              about 5 digits for n > 1000.
 * This is Simard & L'Ecuyer's (2011) scheme, with the exact matrix method
 * (rather than Pomeranz's) for all n <= 1000.
 *
 * Anderson-Darling: A^2 as the textbook sum; CDF values are clamped into
 * [1e-300, 1 - 1e-16] (a point at or beyond the support's edge then adds
 * about ln 1e-16 = -37 times its weight instead of -inf). The p-value is
 * 1 - AD(n, A^2), AD = ADinf (the "short, practical" version) plus errfix,
 * transcribed from Marsaglia & Marsaglia 2004, J. Stat. Soft. 9(2); they
 * give its accuracy as about 5 digits. One change in the far tail:
 * errfix's polynomial for x > 0.8 is -0.0006/n at x = 1, not 0, so as
 * published (and in goftest's pAD, the same C code) the p-value never
 * falls below 0.0006/n however large A^2 is. Here the tail 1 - ADinf is
 * computed without cancellation (-expm1), and where the correction c would
 * exceed half of that tail t it is scaled down to c t / (2|c|): the
 * p-value is continuous, equals the published one wherever t >= 2|c|, and
 * goes to 0 with t (within a factor 1.5 of the asymptotic tail there).
 * Read any p-value below ~1e-3 as "far out in the tail", not as digits.
 *
 * Shapiro-Wilk: Royston 1995 (Applied Statistics algorithm AS R94), as in
 * R's swilk.c (what shapiro.test runs; scipy runs the same algorithm in
 * single precision), in double precision, except that the data are
 * centred before they are scaled by their range (the same W, less
 * rounding) and that any range > 0 is accepted (AS R94 wants > 1e-19).
 * Normal quantiles and tail from GSL. As in R: n = 3 takes the exact
 * p = 6/pi (asin(sqrt(W)) - pi/3); for 4 <= n <= 11 a W below the
 * approximation's range gets p = 1e-99; W = 1 gets p = 1. A non-finite
 * value makes the sample unusable (-1). For n > 5000, see
 * prof_shapiro_wilk and hazen_quantile.
 *
 * Two-sample Kolmogorov-Smirnov: D over the merged sample, each distinct
 * value consumed from both samples before comparing. p-value: exact
 * whenever the band of lattice cells to visit, max(na, nb) + 2 d na nb,
 * is at most KS2_EXACT_MAX_CELLS (2e7, ~0.1 s; equal samples of up to
 * ~30000 each at p ~ 0.05): the fraction of lattice paths that leave the
 * band (Hodges 1958; see ks2_exact), under the continuous null (with ties
 * the p-value is then conservative, as in R and scipy). Beyond that, the
 * one-sample p-value above at n = round(na nb / (na + nb)), as scipy's
 * ks_2samp(method = "asymp") does. Measured against the exact count near
 * 1e7 cells: within 2.5e-3 for unequal sizes (the bare Kolmogorov limit at
 * sqrt(n) d: up to 1e-2, and 5e-2 when one sample is tiny), but up to
 * ~1e-2 for equal sizes, whose coarse lattice no continuous law follows.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "profiles/gof.h"

#define KS_EXACT_MAX_N		1000
#define KS_MATRIX_SMALL_D_MAX_N 100000
/* The one-sided exact sum has n (1 - d) terms: ~30 ms at 1e6. */
#define KS_SMIRNOV_MAX_N 1000000
/* Above this many lattice cells (max(na,nb) + 2 d na nb) the two-sample
 * exact count is left for the asymptotic p-value. */
#define KS2_EXACT_MAX_CELLS 2e7
#define SW_MAX_N	    5000

/* CDF values for Anderson-Darling (see the header comment). */
#define AD_F_MIN 1e-300
#define AD_F_MAX (1.0 - 1e-16)

static double clamp01(double p)
{
	/* also maps NaN to 0: fmax returns the number when one is NaN */
	return fmin(fmax(p, 0.0), 1.0);
}

/* ---- one-sample Kolmogorov-Smirnov ---- */

double prof_ks_stat(const double *sorted, size_t n, prof_cdf_fn cdf,
		    const void *ctx)
{
	if (n == 0)
		return 0.0;
	/* D+ = max i/n - F(x_i), D- = max F(x_i) - (i-1)/n. With ties the
	 * extremes of a run of equal x are both visited, so this is exact. */
	double nd = (double)n, d = 0.0;
	for (size_t i = 0; i < n; i++) {
		double f = clamp01(cdf(ctx, sorted[i]));
		double plus = (double)(i + 1) / nd - f;
		double minus = f - (double)i / nd;
		d = fmax(d, fmax(plus, minus));
	}
	return d;
}

/* P(D_n+ >= d), exact (Birnbaum & Tingey 1951):
 *   d sum_{j=0}^{floor(n(1-d))} C(n,j) (1-d-j/n)^(n-j) (d+j/n)^(j-1).
 * All terms are positive; they are summed from their logarithms, the
 * binomial coefficient kept as a running log. */
static double smirnov_upper(size_t n, double d)
{
	double nd = (double)n;
	double jmax = floor(nd * (1.0 - d));
	double log_binom = 0.0, sum = 0.0;
	for (size_t j = 0; (double)j <= jmax; j++) {
		double jd = (double)j;
		double left = (nd * (1.0 - d) - jd) / nd;
		if (left > 0.0) {
			double lt = log_binom + (nd - jd) * log(left) +
				    (jd - 1.0) * log(d + jd / nd);
			sum += exp(lt);
		}
		log_binom += log((nd - jd) / (jd + 1.0));
	}
	return d * sum;
}

/* C = A B, all m x m, row-major. */
static void mat_mul(const double *a, const double *b, double *c, size_t m)
{
	memset(c, 0, m * m * sizeof *c);
	for (size_t i = 0; i < m; i++)
		for (size_t k = 0; k < m; k++) {
			double aik = a[i * m + k];
			if (aik == 0.0)
				continue;
			const double *brow = b + k * m;
			double *crow = c + i * m;
			for (size_t j = 0; j < m; j++)
				crow[j] += aik * brow[j];
		}
}

/* Scale a so that its largest |entry| is in [0.5, 1), adding the power of
 * two taken out to *e. Scaling by powers of two is exact; this is MTW's
 * 1e140 rescaling, done every step. */
static void mat_normalise(double *a, size_t m, int *e)
{
	double big = 0.0;
	for (size_t i = 0; i < m * m; i++)
		big = fmax(big, fabs(a[i]));
	if (big == 0.0 || !isfinite(big))
		return;
	int shift;
	frexp(big, &shift);
	for (size_t i = 0; i < m * m; i++)
		a[i] = ldexp(a[i], -shift);
	*e += shift;
}

/* P(D_n < d) by Marsaglia, Tsang & Wang 2003, "Evaluating Kolmogorov's
 * distribution", J. Stat. Soft. 8(18): with k = floor(nd) + 1, m = 2k - 1,
 * h = k - nd, P = n!/n^n (H^n)_{k,k} for the m x m matrix H of their
 * eq. (2). Returns -1 if memory runs out. */
static double mtw_cdf(size_t n, double d)
{
	double nd = (double)n * d;
	size_t k = (size_t)floor(nd) + 1, m = 2 * k - 1;
	double h = (double)k - nd;
	double *buf = malloc(4 * m * m * sizeof *buf);
	if (!buf)
		return -1.0;
	double *hmat = buf, *res = buf + m * m, *tmp = buf + 2 * m * m,
	       *base = buf + 3 * m * m;

	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++)
			hmat[i * m + j] = i + 1 >= j ? 1.0 : 0.0;
	for (size_t i = 0; i < m; i++) {
		hmat[i * m] -= pow(h, (double)(i + 1));
		hmat[(m - 1) * m + i] -= pow(h, (double)(m - i));
	}
	if (2.0 * h - 1.0 > 0.0)
		hmat[(m - 1) * m] += pow(2.0 * h - 1.0, (double)m);
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m && j <= i + 1; j++)
			/* divide by (i - j + 1)!, a factor at a time: 171!
			 * alone would overflow */
			for (size_t g = 2; g <= i + 1 - j; g++)
				hmat[i * m + j] /= (double)g;

	/* res = hmat^n by binary powering; res and base each carry a power of
	 * two apart from their entries. */
	int e_res = 0, e_base = 0;
	memcpy(base, hmat, m * m * sizeof *base);
	for (size_t i = 0; i < m * m; i++)
		res[i] = 0.0;
	for (size_t i = 0; i < m; i++)
		res[i * m + i] = 1.0;
	for (size_t p = n;;) {
		if (p & 1) {
			mat_mul(res, base, tmp, m);
			memcpy(res, tmp, m * m * sizeof *res);
			e_res += e_base;
			mat_normalise(res, m, &e_res);
		}
		p >>= 1;
		if (!p)
			break;
		mat_mul(base, base, tmp, m);
		memcpy(base, tmp, m * m * sizeof *base);
		e_base *= 2;
		mat_normalise(base, m, &e_base);
	}

	double s = res[(k - 1) * m + (k - 1)];
	int e = e_res;
	for (size_t i = 1; i <= n; i++) {
		s = s * (double)i / (double)n;
		if (s != 0.0 && fabs(s) < 0x1p-500) {
			s = ldexp(s, 500);
			e -= 500;
		}
	}
	free(buf);
	return ldexp(s, e);
}

/* Sum over k >= k0 of f(k) exp(-c k^2) style series stop when a term no
 * longer changes the sum. */
#define SERIES_MAX_TERMS 50
#define SERIES_EPS	 1e-16

/* P(D_n <= d) by Pelz & Good 1976, as written in Simard & L'Ecuyer 2011,
 * "Computing the two-sided Kolmogorov-Smirnov distribution", J. Stat.
 * Soft. 39(11), eq. (6): K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^1.5,
 * z = sqrt(n) d, each K a theta-type series that converges fast for the
 * z where it is used (z > ~0.2). */
static double pelz_good_cdf(size_t n, double d)
{
	const double pi2 = M_PI * M_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
	const double sqrt_half_pi = sqrt(M_PI / 2.0);
	double nd = (double)n, rn = sqrt(nd), z = rn * d;
	if (z < 0.04) /* K0 < exp(-770): the CDF is 0 to double precision */
		return 0.0;
	double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2, z7 = z6 * z,
	       z8 = z4 * z4, z10 = z8 * z2;

	/* sums over t = k + 1/2, k >= 0, of polynomials in t^2 times
	 * exp(-pi^2 t^2 / (2 z^2)) */
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	for (int k = 0; k < SERIES_MAX_TERMS; k++) {
		double t2 = (k + 0.5) * (k + 0.5), t4 = t2 * t2, t6 = t4 * t2;
		double q = exp(-pi2 * t2 / (2.0 * z2));
		if (q == 0.0)
			break;
		s0 += q;
		s1 += (pi2 * t2 - z2) * q;
		s2 += (6 * z6 + 2 * z4 + pi2 * (2 * z4 - 5 * z2) * t2 +
		       pi4 * (1 - 2 * z2) * t4) *
		      q;
		s3 += (-30 * z6 - 90 * z8 + pi2 * (135 * z4 - 96 * z6) * t2 +
		       pi4 * (212 * z4 - 60 * z2) * t4 +
		       pi6 * (5 - 30 * z2) * t6) *
		      q;
		if (q < SERIES_EPS * s0)
			break;
	}
	/* sums over integer k >= 1 */
	double u2 = 0, u3 = 0;
	for (int k = 1; k < SERIES_MAX_TERMS; k++) {
		double k2 = (double)k * k;
		double q = exp(-pi2 * k2 / (2.0 * z2));
		if (q == 0.0)
			break;
		u2 += pi2 * k2 * q;
		u3 += (3 * pi2 * k2 * z2 - pi4 * k2 * k2) * q;
		if (q < SERIES_EPS * (u2 > 0 ? u2 : 1.0))
			break;
	}
	double k0 = sqrt(2.0 * M_PI) / z * s0;
	double k1 = sqrt_half_pi / (3.0 * z4) * s1;
	double k2 = sqrt_half_pi / (36.0 * z7) * s2 -
		    sqrt_half_pi / (18.0 * z3) * u2;
	double k3 = sqrt_half_pi / (3240.0 * z10) * s3 +
		    sqrt_half_pi / (108.0 * z6) * u3;
	return k0 + k1 / rn + k2 / nd + k3 / (nd * rn);
}

/* ln(n! / n^n). lgamma(n + 1) - n ln n cancels to nothing for huge n;
 * Stirling's series is exact to double precision beyond 1000. */
static double log_nfact_over_npow(double n)
{
	if (n <= 1000.0)
		return lgamma(n + 1.0) - n * log(n);
	return -n + 0.5 * log(2.0 * M_PI * n) + 1.0 / (12.0 * n) -
	       1.0 / (360.0 * n * n * n);
}

double prof_ks_pvalue(double d, size_t n)
{
	if (n == 0 || !(d > 0.0))
		return 1.0;
	if (d >= 1.0)
		return 0.0;
	double nd = (double)n, t = nd * d;
	if (t <= 0.5)
		return 1.0;
	if (t <= 1.0) {
		/* Ruben & Gambino: P(D_n < d) = n!/n^n (2t - 1)^n */
		double lp = log_nfact_over_npow(nd) + nd * log(2.0 * t - 1.0);
		return clamp01(1.0 - exp(lp));
	}
	double nd2 = t * d;
	double tail_cut = n <= KS_EXACT_MAX_N ? 7.24 : 2.2;
	if (d >= 0.5 || nd2 >= tail_cut) {
		if (n <= KS_SMIRNOV_MAX_N)
			return clamp01(2.0 * smirnov_upper(n, d));
		/* too many terms: the asymptotic series, whose absolute error
		 * is below 1e-10 at such n; beyond z = 6 the p-value is below
		 * 2 exp(-72), and K0's series would need more terms */
		if (nd2 < 36.0)
			return clamp01(1.0 - pelz_good_cdf(n, d));
		return clamp01(2.0 * exp(-2.0 * nd2));
	}
	if (n <= KS_EXACT_MAX_N ||
	    (n <= KS_MATRIX_SMALL_D_MAX_N && nd * pow(d, 1.5) <= 1.4)) {
		double c = mtw_cdf(n, d);
		if (c >= 0.0)
			return clamp01(1.0 - c);
		/* out of memory: fall through to the asymptotic series */
	}
	return clamp01(1.0 - pelz_good_cdf(n, d));
}

/* ---- Anderson-Darling ---- */

double prof_ad_stat(const double *sorted, size_t n, prof_cdf_fn cdf,
		    const void *ctx)
{
	if (n == 0)
		return 0.0;
	/* sum_i (2i-1)[ln F_i + ln(1 - F_{n+1-i})]
	 *   = sum_i (2i-1) ln F_i + (2(n-i)+1) ln(1 - F_i), one CDF call
	 * per point. */
	double nd = (double)n, s = 0.0;
	for (size_t i = 1; i <= n; i++) {
		double f =
			fmin(fmax(cdf(ctx, sorted[i - 1]), AD_F_MIN), AD_F_MAX);
		s += (2.0 * (double)i - 1.0) * log(f) +
		     (2.0 * (nd - (double)i) + 1.0) * log1p(-f);
	}
	return -nd - s / nd;
}

/* The limiting distribution of A^2, Marsaglia & Marsaglia 2004, the
 * "short, practical version" of ADinf: |error| < 2e-6 for z < 2,
 * < 8e-7 for z > 4 (their numbers). */
/* 1 - ADinf(z), the asymptotic upper tail, without cancellation. */
static double ad_inf_tail(double z)
{
	if (z < 2.0)
		return 1.0 - exp(-1.2337141 / z) / sqrt(z) *
				     (2.00012 +
				      (.247105 -
				       (.0649821 -
					(.0347962 - (.011672 - .00168691 * z) * z) * z) *
					       z) *
					      z);
	return -expm1(-exp(
		1.0776 -
		(2.30695 -
		 (.43424 - (.082433 - (.008056 - .0003146 * z) * z) * z) * z) *
			z));
}

/* Marsaglia & Marsaglia 2004's errfix(n, x): the finite-n correction to
 * x = ADinf(z), so that AD(n, z) = x + errfix(n, x). */
static double ad_errfix(double n, double x)
{
	if (x > 0.8)
		return (-130.2137 +
			(745.2337 -
			 (1705.091 -
			  (1950.646 - (1116.360 - 255.7844 * x) * x) * x) *
				 x) *
				x) /
		       n;
	double c = 0.01265 + 0.1757 / n;
	if (x < c) {
		double t = x / c;
		t = sqrt(t) * (1.0 - t) * (49.0 * t - 102.0);
		return t * (0.0037 / (n * n) + 0.00078 / n + 0.00006) / n;
	}
	double t = (x - c) / (0.8 - c);
	t = -0.00022633 +
	    (6.54034 -
	     (14.6538 - (14.458 - (8.259 - 1.91864 * t) * t) * t) * t) *
		    t;
	return t * (0.04213 + 0.01365 / n) / n;
}

double prof_ad_pvalue(double a2, size_t n)
{
	if (n == 0 || !(a2 > 0.0))
		return 1.0;
	if (isinf(a2))
		return 0.0;
	double tail = ad_inf_tail(a2);
	double c = -ad_errfix((double)n, 1.0 - tail); /* p = tail + c */
	if (fabs(c) > tail / 2)
		c = c > 0 ? tail / 2 : -tail / 2;
	return clamp01(tail + c);
}

/* ---- Shapiro-Wilk (Royston 1995, AS R94) ---- */

/* cc[0] + cc[1] x + ... + cc[nord-1] x^(nord-1) */
static double sw_poly(const double *cc, int nord, double x)
{
	double p = cc[nord - 1];
	for (int j = nord - 2; j >= 0; j--)
		p = p * x + cc[j];
	return p;
}

/* The n/2 coefficients a_1 >= a_2 >= ... > 0 of the upper half of the
 * sample (the lower half takes -a_i), AS R94's approximation: Blom scores
 * m_i, then a_1 and (n > 5) a_2 from polynomials in 1/sqrt(n), the rest
 * m_i rescaled. */
static void sw_coefficients(double *a, size_t n)
{
	static const double c1[6] = {0.0,      0.221157, -0.147981,
				     -2.07119, 4.434685, -2.706056};
	static const double c2[6] = {0.0,	0.042981, -0.293762,
				     -1.752461, 5.682633, -3.582633};
	size_t half = n / 2;
	double an = (double)n;
	if (n == 3) {
		a[0] = sqrt(0.5);
		return;
	}
	double summ2 = 0.0;
	for (size_t i = 0; i < half; i++) {
		a[i] = gsl_cdf_ugaussian_Pinv(((double)(i + 1) - 0.375) /
					      (an + 0.25));
		summ2 += a[i] * a[i];
	}
	summ2 *= 2.0;
	double ssumm2 = sqrt(summ2), rsn = 1.0 / sqrt(an);
	double a1 = sw_poly(c1, 6, rsn) - a[0] / ssumm2;
	size_t first_scaled;
	double fac;
	if (n > 5) {
		double a2 = -a[1] / ssumm2 + sw_poly(c2, 6, rsn);
		fac = sqrt((summ2 - 2.0 * a[0] * a[0] - 2.0 * a[1] * a[1]) /
			   (1.0 - 2.0 * a1 * a1 - 2.0 * a2 * a2));
		a[1] = a2;
		first_scaled = 2;
	} else {
		fac = sqrt((summ2 - 2.0 * a[0] * a[0]) / (1.0 - 2.0 * a1 * a1));
		first_scaled = 1;
	}
	a[0] = a1;
	for (size_t i = first_scaled; i < half; i++)
		a[i] /= -fac;
}

/* W and its p-value for 3 <= n <= 5000 sorted, finite, non-constant x. */
static void sw_compute(const double *x, size_t n, double *w, double *p)
{
	static const double g[2] = {-2.273, 0.459};
	static const double c3[4] = {0.544, -0.39978, 0.025054, -6.714e-4};
	static const double c4[4] = {1.3822, -0.77857, 0.062767, -0.0020322};
	static const double c5[4] = {-1.5861, -0.31082, -0.083751, 0.0038915};
	static const double c6[3] = {-0.4803, -0.082676, 0.0030302};
	double a[SW_MAX_N / 2];
	double an = (double)n;
	sw_coefficients(a, n);

	double range = x[n - 1] - x[0], mean = 0.0;
	for (size_t i = 0; i < n; i++)
		mean += x[i];
	mean /= an;
	/* W is the squared correlation of x with the coefficients; AS R94
	 * keeps w1 = 1 - W apart to avoid rounding when W is near 1. */
	double ssa = 0.0, ssx = 0.0, sax = 0.0;
	for (size_t i = 0, j = n - 1; i < n; i++, j--) {
		double ai = i < j ? -a[i] : i > j ? a[j] : 0.0;
		double xi = (x[i] - mean) / range;
		ssa += ai * ai;
		ssx += xi * xi;
		sax += ai * xi;
	}
	double ssassx = sqrt(ssa * ssx);
	double w1 = (ssassx - sax) * (ssassx + sax) / (ssa * ssx);
	if (!(w1 > 0.0)) { /* a perfect fit, or rounding below it */
		*w = 1.0;
		*p = 1.0;
		return;
	}
	*w = 1.0 - w1;

	if (n == 3) { /* exact: 6/pi (asin(sqrt(W)) - pi/3) */
		*p = clamp01(6.0 / M_PI * (asin(sqrt(*w)) - M_PI / 3.0));
		return;
	}
	double y = log(w1), m, s;
	if (n <= 11) {
		double gamma = sw_poly(g, 2, an);
		if (y >= gamma) { /* W below the range of the fit: R's value */
			*p = 1e-99;
			return;
		}
		y = -log(gamma - y);
		m = sw_poly(c3, 4, an);
		s = exp(sw_poly(c4, 4, an));
	} else {
		double ln = log(an);
		m = sw_poly(c5, 4, ln);
		s = exp(sw_poly(c6, 3, ln));
	}
	*p = clamp01(gsl_cdf_gaussian_Q(y - m, s));
}

/* The sample quantile at probability q by linear interpolation between
 * order statistics placed at (i - 1/2)/n (Hazen; R's type 5, numpy's
 * "hazen"), so that n = 5000 gives back the sample itself. */
static double hazen_quantile(const double *sorted, size_t n, double q)
{
	double h = q * (double)n + 0.5; /* 1-based position */
	if (h <= 1.0)
		return sorted[0];
	if (h >= (double)n)
		return sorted[n - 1];
	size_t j = (size_t)floor(h);
	double frac = h - (double)j;
	return sorted[j - 1] + frac * (sorted[j] - sorted[j - 1]);
}

int prof_shapiro_wilk(const double *sorted, size_t n, double *w, double *p)
{
	*w = -1.0;
	*p = -1.0;
	if (n < 3)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(sorted[i]))
			return -1;
	const double *x = sorted;
	double *sub = NULL;
	size_t m = n;
	if (n > SW_MAX_N) {
		sub = malloc(SW_MAX_N * sizeof *sub);
		if (!sub)
			return -1;
		for (size_t i = 0; i < SW_MAX_N; i++)
			sub[i] = hazen_quantile(sorted, n,
						((double)i + 0.5) / SW_MAX_N);
		x = sub;
		m = SW_MAX_N;
	}
	int rc = -1;
	if (x[m - 1] - x[0] > 0.0) {
		sw_compute(x, m, w, p);
		rc = n > SW_MAX_N ? 1 : 0;
	}
	free(sub);
	return rc;
}

/* ---- two-sample Kolmogorov-Smirnov ---- */

double prof_ks2_stat(const double *a_sorted, size_t na, const double *b_sorted,
		     size_t nb)
{
	if (na == 0 || nb == 0)
		return 0.0;
	double fa = (double)na, fb = (double)nb, d = 0.0;
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		double v =
			b_sorted[j] < a_sorted[i] ? b_sorted[j] : a_sorted[i];
		/* both ECDFs step over every copy of v before they are
		 * compared; !(x > v) also consumes a NaN, so this ends */
		while (i < na && !(a_sorted[i] > v))
			i++;
		while (j < nb && !(b_sorted[j] > v))
			j++;
		d = fmax(d, fabs((double)i / fa - (double)j / fb));
	}
	/* once a sample is used up the gap only shrinks */
	return d;
}

/* P(D >= d) exactly, for the continuous null: the fraction of the
 * C(na+nb, na) monotone lattice paths from (0,0) to (n,m) (n the larger
 * size, m the smaller) that leave the band |i m - j n| < ceil(d n m)
 * (Hodges 1958). u[j] holds, for the current row i, the fraction of the
 * C(i+j, i) paths to (i, j) that stay inside, so that
 *   u(i,j) = (i u(i-1,j) + j u(i,j-1)) / (i + j)
 * never overflows nor underflows (R's psmirnov2x divides by C(i + n, i)
 * instead, which underflows once the samples reach the hundreds). Only
 * the band is visited: O(n + d n m) time, O(m) memory. Returns -1 if
 * memory runs out. */
static double ks2_exact(double d, size_t na, size_t nb)
{
	long long n = (long long)(na < nb ? nb : na);
	long long m = (long long)(na < nb ? na : nb);
	double *u = calloc((size_t)m + 1, sizeof *u);
	if (!u)
		return -1.0;
	/* D n m is an integer; allow for rounding in d */
	long long lim = (long long)ceil(d * (double)m * (double)n - 1e-7);
	if (lim <= 1) { /* D n m >= 1 always */
		free(u);
		return 1.0;
	}
	for (long long i = 0; i <= n; i++) {
		/* the row's band: i m - lim < j n < i m + lim, 0 <= j <= m */
		long long lo = i * m - lim, hi = i * m + lim;
		long long jlo = lo < 0 ? 0 : lo / n + 1;
		long long jhi = (hi - 1) / n;
		if (jhi > m)
			jhi = m;
		if (jlo > m || jlo > jhi) { /* the band has been left */
			free(u);
			return 1.0;
		}
		if (jlo > 0)
			u[jlo - 1] = 0.0; /* left of the band */
		double di = (double)i;
		for (long long j = jlo; j <= jhi; j++) {
			if (i == 0) {
				u[j] = 1.0;
				continue;
			}
			double dj = (double)j;
			double left = j > 0 ? u[j - 1] : 0.0;
			u[j] = (di * u[j] + dj * left) / (di + dj);
		}
	}
	double inside = u[m];
	free(u);
	return clamp01(1.0 - inside);
}

double prof_ks2_pvalue(double d, size_t na, size_t nb)
{
	if (na == 0 || nb == 0 || !(d > 0.0))
		return 1.0;
	if (d > 1.0)
		return 0.0;
	double big = (double)(na < nb ? nb : na);
	if (big + 2.0 * d * (double)na * (double)nb <= KS2_EXACT_MAX_CELLS) {
		double p = ks2_exact(d, na, nb);
		if (p >= 0.0)
			return p;
	}
	double ne = (double)na * (double)nb / ((double)na + (double)nb);
	size_t n_eff = (size_t)floor(ne + 0.5);
	return prof_ks_pvalue(d, n_eff ? n_eff : 1);
}
