/* profiles/fit.c — maximum-likelihood fits of execution-time families, and
 * the CDF and density of every model kind (see fit.h).
 *
 * Estimators (n samples x_(1) <= ... <= x_(n), mean m):
 *   normal       mean m, sd with divisor n.
 *   lognormal    mu, sigma: mean and sd (divisor n) of ln x.
 *   exponential  mean m.
 *   uniform      min x_(1), max x_(n).
 *   gamma        shape k solves ln k - psi(k) = s, s = ln m - mean(ln x),
 *                by Newton from Minka's (2002) start; scale = m / k.
 *   weibull      shape k solves the profile-likelihood equation
 *                sum x^k ln x / sum x^k - 1/k - mean(ln x) = 0 by Newton
 *                inside a bracket (the left side increases with k);
 *                scale = (mean x^k)^(1/k).
 *   shifted_exponential
 *                location c = x_(1) - (m - x_(1)) / (n - 1) and mean
 *                theta = m - c = n (m - x_(1)) / (n - 1): the UMVU
 *                estimators (n (m - x_(1)) ~ Gamma(n - 1, theta) and
 *                E x_(1) = c + theta / n), less biased than the MLE
 *                (c = x_(1), which puts a zero time at the minimum).
 *                c is clamped to 0 (a profile shift is >= 0, and a time
 *                cannot start below 0): then it is the exponential fit.
 *   shifted_lognormal
 *                the likelihood of a three-parameter lognormal grows
 *                without bound as c -> x_(1), so c is not "the" MLE but
 *                its local maximum (Hill 1963; Cohen 1951 gives the
 *                equation): the first root, going from c = 0 up towards
 *                x_(1), of the derivative of the profile log-likelihood
 *                (the lognormal MLE of x - c) in c, where it changes sign
 *                from + to -. Found by scanning ln(x_(1) - c) down in
 *                steps of 0.5 from ln x_(1) (c = 0) to ln(x_(1) 1e-14)
 *                (closer, c would round to x_(1)) and refining the first
 *                sign change by Illinois regula falsi. If there is no
 *                such maximum, or it is less likely than c = 0, then
 *                c = 0 and the family is the lognormal (with k = 3).
 *                Compared (50 seeds, n = 1e4, location 1.5, sigma 0.5)
 *                with the simpler c = x_(1) - range / n: rms errors of
 *                sigma 1.5% against 23%, of c 0.013 against 0.15; c =
 *                x_(1) - a small gap makes ln(x_(1) - c) an outlier
 *                unless the true location is right at the minimum.
 *                Cohen & Whitten's modified MLE (F(x_(1)) = 1 / (n + 1))
 *                was tried too: it leans on x_(1) alone and does worse
 *                for n >= 100 (sigma 5.5% at n = 1e4).
 * Scale: everything is computed from logs, ratios x / m or differences,
 * so that seconds, microseconds and hours fit alike (no sums of raw
 * powers that could overflow).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include "profiles/fit.h"

#define LOG_2PI	    1.83787706640934548356
#define EULER_GAMMA 0.57721566490153286061
/* As profile.c: it refuses gamma shapes above this and normal means further
 * than this many sd below 0, so fits beyond them cannot become models. */
#define GAMMA_MAX_SHAPE	    1e5
#define NORMAL_MAX_TRUNC_SD 35.0
/* Newton on shapes stops at this relative step. */
#define SHAPE_TOL 1e-13
#define MAX_ITER  200
/* shifted_lognormal: smallest gap d = x_(1) - c relative to x_(1) (below,
 * c would round to x_(1)), and the scan step in ln d. */
#define SLN_MIN_GAP   1e-14
#define SLN_SCAN_STEP 0.5

/* clang-format off */
static const char *const family_names[PROF_FAM_COUNT] = {
	[PROF_FAM_NORMAL] = "normal",
	[PROF_FAM_LOGNORMAL] = "lognormal",
	[PROF_FAM_GAMMA] = "gamma",
	[PROF_FAM_WEIBULL] = "weibull",
	[PROF_FAM_EXPONENTIAL] = "exponential",
	[PROF_FAM_SHIFTED_EXPONENTIAL] = "shifted_exponential",
	[PROF_FAM_SHIFTED_LOGNORMAL] = "shifted_lognormal",
	[PROF_FAM_UNIFORM] = "uniform",
};
/* clang-format on */

const char *prof_family_name(prof_family f)
{
	return (unsigned)f < PROF_FAM_COUNT ? family_names[f] : "unknown";
}

int prof_family_from_name(const char *name)
{
	for (unsigned f = 0; name && f < PROF_FAM_COUNT; f++)
		if (strcmp(name, family_names[f]) == 0)
			return (int)f;
	return -1;
}

/* ---- fitting ------------------------------------------------------------- */

/* What every family needs from the sample. */
typedef struct sample {
	const double *x;
	size_t n;
	double dn;	 /* n as a double */
	double min, max; /* x_(1), x_(n) */
	double mean;
} sample;

static int fail(prof_fit *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof out->why, fmt, ap);
	va_end(ap);
	out->ok = 0;
	for (int i = 0; i < 4; i++) {
		out->p[i] = 0.0;
		out->se[i] = NAN; /* unknown, as fit.h says */
	}
	out->shift = 0.0;
	/* ranks last by AIC / BIC, and is no NaN */
	out->loglik = -INFINITY;
	out->aic = out->bic = INFINITY;
	return 0;
}

/* Mean and variance (divisor n) of ln((x - base) + d); base = d = 0 gives
 * ln x exactly. Taken about the log of the middle sample, so one pass
 * suffices without the cancellation of raw sums of squares. */
static void log_moments(const sample *s, double base, double d, double *mean,
			double *var)
{
	double ref = log((s->x[s->n / 2] - base) + d);
	double s1 = 0.0, s2 = 0.0;
	for (size_t i = 0; i < s->n; i++) {
		double t = log((s->x[i] - base) + d) - ref;
		s1 += t;
		s2 += t * t;
	}
	s1 /= s->dn;
	*mean = ref + s1;
	*var = fmax(s2 / s->dn - s1 * s1, 0.0);
}

static int fit_normal(const sample *s, prof_fit *out)
{
	double m2 = 0.0;
	for (size_t i = 0; i < s->n; i++) {
		double t = s->x[i] - s->mean;
		m2 += t * t;
	}
	double sd = sqrt(m2 / s->dn);
	if (!(sd > 0.0 && sd < INFINITY))
		return fail(out, "sd %g: no spread to fit", sd);
	double a = -s->mean / sd;
	if (a > NORMAL_MAX_TRUNC_SD)
		return fail(out,
			    "mean %g is more than %g sd below 0: "
			    "nothing left after truncation at 0",
			    s->mean, NORMAL_MAX_TRUNC_SD);
	out->p[0] = s->mean;
	out->p[1] = sd;
	out->p[2] = gsl_cdf_ugaussian_P(a);
	out->p[3] = gsl_cdf_ugaussian_Q(a);
	out->se[0] = sd / sqrt(s->dn);
	out->se[1] = sd / sqrt(2.0 * s->dn);
	out->loglik = -0.5 * s->dn * (LOG_2PI + 2.0 * log(sd) + 1.0);
	return 0;
}

/* Lognormal MLE of (x - base) + d (see log_moments). */
static int fit_lognormal_at(const sample *s, double base, double d,
			    prof_fit *out)
{
	double mu, var;
	log_moments(s, base, d, &mu, &var);
	double sigma = sqrt(var);
	if (!(sigma > 0.0))
		return fail(out, "the logs have no spread");
	out->p[0] = mu;
	out->p[1] = sigma;
	out->se[0] = sigma / sqrt(s->dn);
	out->se[1] = sigma / sqrt(2.0 * s->dn);
	/* sum of ln x is n mu */
	out->loglik = -s->dn * (0.5 * LOG_2PI + log(sigma) + 0.5 + mu);
	return 0;
}

/* f(k) = ln k - psi(k) and -f'(k) = psi_1(k) - 1/k. Above 10 from their
 * asymptotic series: GSL's psi is right, but ln k - psi(k) ~ 1/(2k) then
 * loses digits to cancellation (k = 1e5: 5e-6 from two numbers near 11.5). */
static void gamma_shape_eq(double k, double *f, double *neg_df)
{
	if (k >= 10.0) {
		double r = 1.0 / k, r2 = r * r;
		*f = r *
		     (0.5 +
		      r * (1.0 / 12 +
			   r2 * (-1.0 / 120 +
				 r2 * (1.0 / 252 +
				       r2 * (-1.0 / 240 + r2 * (1.0 / 132))))));
		*neg_df =
			r2 *
			(0.5 +
			 r * (1.0 / 6 +
			      r2 * (-1.0 / 30 +
				    r2 * (1.0 / 42 + r2 * (-1.0 / 30 +
							   r2 * (5.0 / 66))))));
		return;
	}
	*f = log(k) - gsl_sf_psi(k);
	*neg_df = gsl_sf_psi_1(k) - 1.0 / k;
}

static int fit_gamma(const sample *s, prof_fit *out)
{
	if (!(s->min > 0.0))
		return fail(out, "a time <= 0 (%g): gamma needs x > 0", s->min);
	/* s = ln m - mean(ln x) = mean(e - ln(1 + e)), e = x / m - 1 (the e
	 * sum to 0): every term >= 0 and small ones precise, so a CV of
	 * 1e-4 still gives s to ~1e-12 relative */
	double st = 0.0;
	for (size_t i = 0; i < s->n; i++) {
		double e = s->x[i] / s->mean - 1.0;
		st += e - log1p(e);
	}
	st /= s->dn;
	if (!(st > 0.0 && st < INFINITY))
		return fail(out, "ln(mean) - mean(ln x) = %g: out of range",
			    st);
	/* Minka's start is within 1.5%; f is convex and decreasing, so
	 * Newton converges monotonically after at most one overshoot */
	double k = (3.0 - st + sqrt((st - 3.0) * (st - 3.0) + 24.0 * st)) /
		   (12.0 * st);
	double f, ndf;
	int it;
	for (it = 0; it < MAX_ITER; it++) {
		gamma_shape_eq(k, &f, &ndf);
		double next = k + (f - st) / ndf;
		if (!(next > 0.0))
			next = 0.1 * k;
		double step = fabs(next - k);
		k = next;
		if (step <= SHAPE_TOL * k)
			break;
	}
	if (it == MAX_ITER || !(k > 0.0 && k < INFINITY))
		return fail(out, "gamma shape did not converge");
	if (k > GAMMA_MAX_SHAPE)
		return fail(out,
			    "gamma shape %g is above %g (CV below "
			    "0.3%%): use a normal model",
			    k, GAMMA_MAX_SHAPE);
	gamma_shape_eq(k, &f, &ndf);
	double theta = s->mean / k;
	out->p[0] = k;
	out->p[1] = theta;
	/* p[2], p[3] are the quantile table's (profile.c builds it at load);
	 * a fit has none */
	/* inverse of n [[psi_1, 1/theta], [1/theta, k/theta^2]]; its
	 * determinant (k psi_1 - 1) / theta^2 = k (-f') / theta^2 */
	double det = k * ndf, psi1 = ndf + 1.0 / k;
	out->se[0] = sqrt(k / (s->dn * det));
	out->se[1] = theta * sqrt(psi1 / (s->dn * det));
	out->loglik = s->dn * (-log(s->mean) - (k - 1.0) * st - k + k * log(k) -
			       lgamma(k));
	return 0;
}

static int fit_weibull(const sample *s, prof_fit *out)
{
	if (!(s->min > 0.0))
		return fail(out, "a time <= 0 (%g): weibull needs x > 0",
			    s->min);
	double lbar, lvar;
	log_moments(s, 0.0, 0.0, &lbar, &lvar);
	double lmax = log(s->max);
	/* with d = ln x - ln x_(n) <= 0 and w = e^(k d) <= 1 (no overflow):
	 * h(k) = sum w d / sum w + ln x_(n) - mean(ln x) - 1/k, increasing
	 * (h' = weighted variance of d + 1/k^2) from -inf to > 0 */
	double top = lmax - lbar, sum_w = 0.0;
	if (!(lvar > 0.0 && top > 0.0))
		return fail(out, "the logs have no spread");
	/* start: sd(ln x) = pi / (k sqrt 6) for a Weibull */
	double k = M_PI / sqrt(6.0 * lvar), lo = 0.0, hi = INFINITY;
	int it;
	for (it = 0; it < MAX_ITER; it++) {
		double s0 = 0.0, s1 = 0.0, s2 = 0.0;
		for (size_t i = 0; i < s->n; i++) {
			double d = log(s->x[i]) - lmax, w = exp(k * d);
			s0 += w;
			s1 += w * d;
			s2 += w * d * d;
		}
		sum_w = s0;
		double a = s1 / s0;
		double h = a + top - 1.0 / k;
		double dh = fmax(s2 / s0 - a * a, 0.0) + 1.0 / (k * k);
		if (h < 0.0)
			lo = k;
		else
			hi = k;
		double next = k - h / dh;
		if (!(next > lo && next < hi))
			next = hi < INFINITY ? 0.5 * (lo + hi) : 2.0 * k;
		double step = fabs(next - k);
		k = next;
		if (step <= SHAPE_TOL * k || h == 0.0)
			break;
	}
	if (it == MAX_ITER || !(k > 0.0 && k < INFINITY && sum_w > 0.0))
		return fail(out, "weibull shape did not converge");
	/* sum_w is of the last-but-one k; recompute at the final one */
	sum_w = 0.0;
	for (size_t i = 0; i < s->n; i++)
		sum_w += exp(k * (log(s->x[i]) - lmax));
	double scale = exp(lmax + log(sum_w / s->dn) / k);
	out->p[0] = k;
	out->p[1] = scale;
	out->p[2] = 1.0 / k;
	/* expected information per sample: [[(1 + G''(2)) / k^2, -(1 - g) /
	 * scale], [., (k / scale)^2]], G''(2) = (1 - g)^2 + pi^2 / 6 - 1, g
	 * Euler's constant; its determinant is pi^2 / (6 scale^2) */
	double one_g = 1.0 - EULER_GAMMA;
	out->se[0] = k * sqrt(6.0 / s->dn) / M_PI;
	out->se[1] = scale / k *
		     sqrt((1.0 + 6.0 * one_g * one_g / (M_PI * M_PI)) / s->dn);
	/* at the MLE, sum (x / scale)^k = n */
	out->loglik =
		s->dn * (log(k) - k * log(scale) + (k - 1.0) * lbar - 1.0);
	return 0;
}

/* Exponential of mean theta, fitted to x - shift; se_n is the n in the
 * standard error theta / sqrt(se_n). */
static int fit_exponential_at(const sample *s, double shift, double theta,
			      double se_n, prof_fit *out)
{
	if (!(s->min - shift >= 0.0))
		return fail(out,
			    "a time < 0 (%g): exponential needs "
			    "x >= 0",
			    s->min);
	if (!(theta > 0.0 && theta < INFINITY))
		return fail(out, "mean %g: nothing to fit", theta);
	out->shift = shift;
	out->p[0] = theta;
	out->se[0] = theta / sqrt(se_n);
	out->loglik = -s->dn * (log(theta) + 1.0);
	return 0;
}

static int fit_shifted_exponential(const sample *s, prof_fit *out)
{
	double c = s->min - (s->mean - s->min) / (s->dn - 1.0);
	if (!(c > 0.0)) {
		out->degenerate = 1;
		snprintf(out->note, sizeof out->note,
			 "degenerate: the location estimate %.4g is below 0: "
			 "shift 0, an exponential", c);
		return fit_exponential_at(s, 0.0, s->mean, s->dn, out);
	}
	/* UMVU: n (m - x_(1)) / theta ~ Gamma(n - 1), so theta's sd is
	 * theta / sqrt(n - 1) exactly */
	double theta = (s->mean - s->min) * s->dn / (s->dn - 1.0);
	return fit_exponential_at(s, c, theta, s->dn - 1.0, out);
}

/* d/dc of the profile log-likelihood of the location c, over n, at gap
 * d = x_(1) - c, times d (for scale; the sign is what matters). With
 * y = ln(x - c), w = 1 / (x - c) and mu, var the mean and variance of y,
 * it is mean(w (y - mu + var)) (Cohen 1951). One pass: the y are taken
 * about ref, the log of the middle sample's gap. */
static double sln_slope(const sample *s, double d)
{
	double ref = log((s->x[s->n / 2] - s->min) + d);
	double s1 = 0.0, s2 = 0.0, sw = 0.0, swy = 0.0;
	for (size_t i = 0; i < s->n; i++) {
		double t = (s->x[i] - s->min) + d;
		double y = log(t) - ref, w = d / t;
		s1 += y;
		s2 += y * y;
		sw += w;
		swy += w * y;
	}
	double m1 = s1 / s->dn, var = fmax(s2 / s->dn - m1 * m1, 0.0);
	return (swy - (m1 - var) * sw) / s->dn;
}

/* ln d of the first local maximum of the likelihood met going from c = 0
 * (d = x_(1) = e^ln_hi) up towards x_(1), or ln_hi when there is none
 * above d = e^ln_lo. */
static double sln_log_gap(const sample *s, double ln_hi, double ln_lo)
{
	double tb = ln_hi, gb = sln_slope(s, exp(tb));
	double ta = tb, ga = gb;
	while (!(gb > 0.0 && ga < 0.0)) {
		if (ta <= ln_lo)
			return ln_hi;
		tb = ta;
		gb = ga;
		ta = fmax(ta - SLN_SCAN_STEP, ln_lo);
		ga = sln_slope(s, exp(ta));
	}
	/* Illinois: regula falsi that halves the weight of an end that
	 * stays put, for superlinear convergence */
	int side = 0;
	for (int it = 0; it < MAX_ITER; it++) {
		double t = (ta * gb - tb * ga) / (gb - ga);
		if (!(t > ta && t < tb))
			t = 0.5 * (ta + tb);
		if (tb - ta < 1e-12 * fmax(1.0, fabs(t)))
			return t;
		double g = sln_slope(s, exp(t));
		if (g == 0.0)
			return t;
		if (g < 0.0) {
			ta = t;
			ga = g;
			if (side == -1)
				gb *= 0.5;
			side = -1;
		} else {
			tb = t;
			gb = g;
			if (side == 1)
				ga *= 0.5;
			side = 1;
		}
	}
	return 0.5 * (ta + tb);
}

static int fit_shifted_lognormal(const sample *s, prof_fit *out)
{
	if (!(s->min > 0.0))
		return fail(out,
			    "a time <= 0 (%g): the location must be "
			    ">= 0 and below every time",
			    s->min);
	fit_lognormal_at(s, 0.0, 0.0, out); /* c = 0 */
	double ln_hi = log(s->min);
	double ln_d = sln_log_gap(s, ln_hi, ln_hi + log(SLN_MIN_GAP));
	if (out->ok && ln_d < ln_hi) {
		prof_fit at_max = *out;
		double d = exp(ln_d);
		fit_lognormal_at(s, s->min, d, &at_max);
		if (at_max.ok && at_max.loglik > out->loglik) {
			*out = at_max;
			out->shift = fmax(s->min - d, 0.0);
		}
	}
	if (out->ok && out->shift == 0.0) {
		out->degenerate = 1;
		snprintf(out->note, sizeof out->note,
			 "degenerate: the likelihood has no local maximum in the "
			 "shift (it grows without bound towards the minimum): "
			 "shift 0, a lognormal");
	}
	/* given c, sigma / sqrt n and sigma / sqrt 2n would understate the
	 * uncertainty (c, mu and sigma are strongly correlated): unknown */
	out->se[0] = out->se[1] = NAN;
	return 0;
}

static int fit_uniform(const sample *s, prof_fit *out)
{
	if (!(s->min >= 0.0))
		return fail(out,
			    "a time < 0 (%g): uniform needs "
			    "min >= 0",
			    s->min);
	double range = s->max - s->min;
	out->p[0] = s->min;
	out->p[1] = s->max;
	/* exact sd of an extreme of n uniforms on a range r: r sqrt(n) /
	 * ((n + 1) sqrt(n + 2)) (the MLE is not asymptotically normal) */
	out->se[0] = out->se[1] =
		range * sqrt(s->dn / (s->dn + 2.0)) / (s->dn + 1.0);
	out->loglik = -s->dn * log(range);
	return 0;
}

static int fit_lognormal(const sample *s, prof_fit *out)
{
	if (!(s->min > 0.0))
		return fail(out, "a time <= 0 (%g): lognormal needs x > 0",
			    s->min);
	return fit_lognormal_at(s, 0.0, 0.0, out);
}

static int fit_exponential(const sample *s, prof_fit *out)
{
	return fit_exponential_at(s, 0.0, s->mean, s->dn, out);
}

static int (*const fitters[PROF_FAM_COUNT])(const sample *, prof_fit *) = {
	[PROF_FAM_NORMAL] = fit_normal,
	[PROF_FAM_LOGNORMAL] = fit_lognormal,
	[PROF_FAM_GAMMA] = fit_gamma,
	[PROF_FAM_WEIBULL] = fit_weibull,
	[PROF_FAM_EXPONENTIAL] = fit_exponential,
	[PROF_FAM_SHIFTED_EXPONENTIAL] = fit_shifted_exponential,
	[PROF_FAM_SHIFTED_LOGNORMAL] = fit_shifted_lognormal,
	[PROF_FAM_UNIFORM] = fit_uniform,
};

/* clang-format off */
static const struct family_info {
	prof_model_kind kind;
	int n_params, k;
	const char *names[2];
} family_info[PROF_FAM_COUNT] = {
	[PROF_FAM_NORMAL] = {PROF_NORMAL, 2, 2, {"mean", "sd"}},
	[PROF_FAM_LOGNORMAL] = {PROF_LOGNORMAL, 2, 2, {"mu", "sigma"}},
	[PROF_FAM_GAMMA] = {PROF_GAMMA, 2, 2, {"shape", "scale"}},
	[PROF_FAM_WEIBULL] = {PROF_WEIBULL, 2, 2, {"shape", "scale"}},
	[PROF_FAM_EXPONENTIAL] = {PROF_EXPONENTIAL, 1, 1, {"mean", NULL}},
	[PROF_FAM_SHIFTED_EXPONENTIAL] = {PROF_EXPONENTIAL, 1, 2,
					  {"mean", NULL}},
	[PROF_FAM_SHIFTED_LOGNORMAL] = {PROF_LOGNORMAL, 2, 3,
					{"mu", "sigma"}},
	[PROF_FAM_UNIFORM] = {PROF_UNIFORM, 2, 2, {"min", "max"}},
};
/* clang-format on */

int prof_fit_family(const double *sorted, size_t n, prof_family f,
		    prof_fit *out)
{
	if (!out)
		return IO_EINPUT;
	memset(out, 0, sizeof *out);
	out->family = f;
	if ((unsigned)f >= PROF_FAM_COUNT) {
		fail(out, "unknown family %d", (int)f);
		return IO_EINPUT;
	}
	/* GSL's default handler aborts (e.g. on an underflow in psi_1) */
	gsl_set_error_handler_off();
	const struct family_info *fi = &family_info[f];
	out->kind = fi->kind;
	out->n_params = fi->n_params;
	out->k = fi->k;
	out->param_names[0] = fi->names[0];
	out->param_names[1] = fi->names[1];
	out->ok = 1;
	if (n < 2 || !sorted)
		return fail(out, "n = %zu: need at least 2 samples", n);
	sample s = {.x = sorted, .n = n, .dn = (double)n};
	s.min = sorted[0];
	s.max = sorted[n - 1];
	/* mean about the middle sample: exact for a constant sample, and
	 * no large partial sums */
	double ref = sorted[n / 2], sum = 0.0;
	for (size_t i = 0; i < n; i++) {
		if (!(isfinite(sorted[i]) &&
		      (i == 0 || sorted[i] >= sorted[i - 1])))
			return fail(out,
				    "sample %zu (%g) is not finite or "
				    "not in ascending order",
				    i, sorted[i]);
		sum += sorted[i] - ref;
	}
	s.mean = ref + sum / s.dn;
	if (s.min == s.max)
		return fail(out,
			    "constant sample (all %g): use a constant "
			    "model",
			    s.min);
	fitters[f](&s, out);
	if (!out->ok)
		return 0;
	for (int i = 0; i < out->n_params; i++)
		if (!isfinite(out->p[i]))
			return fail(out, "%s came out %g", out->param_names[i],
				    out->p[i]);
	if (!(out->loglik > -INFINITY && out->loglik < INFINITY))
		return fail(out, "log-likelihood %g", out->loglik);
	out->aic = 2.0 * out->k - 2.0 * out->loglik;
	out->bic = out->k * log(s.dn) - 2.0 * out->loglik;
	return 0;
}

/* Mean of what prof_model_quantile draws from parameters p, without the
 * shift: profile.c's finish_model, which is static there. */
static double model_mean(prof_model_kind kind, const double *p)
{
	switch (kind) {
	case PROF_CONSTANT:
		return p[0];
	case PROF_UNIFORM:
		return 0.5 * (p[0] + p[1]);
	case PROF_NORMAL: {
		double a = -p[0] / p[1];
		double phi = exp(-0.5 * a * a) / sqrt(2.0 * M_PI);
		return p[0] + p[1] * phi / p[3];
	}
	case PROF_LOGNORMAL:
		return exp(p[0] + 0.5 * p[1] * p[1]);
	case PROF_GAMMA:
		return p[0] * p[1];
	case PROF_WEIBULL:
		return p[1] * exp(lgamma(1.0 + p[2]));
	case PROF_EXPONENTIAL:
		return p[0];
	default:
		return INFINITY;
	}
}

void prof_fit_model(const prof_fit *f, prof_model *m)
{
	memset(m, 0, sizeof *m);
	m->mean = INFINITY; /* as profile.c leaves a pair that cannot run */
	if (!f->ok)
		return;
	m->kind = f->kind;
	memcpy(m->p, f->p, sizeof m->p);
	m->shift = f->shift;
	m->mean = model_mean(m->kind, m->p) + m->shift;
}

/* ---- interval-censored fits ---------------------------------------------- */

/* The distinct values of a sorted sample and their counts, as intervals
 * [lo, hi) of the resolution. */
typedef struct censored {
	size_t m;
	double *lo, *hi, *count;
	double n;
	prof_family f;
	double c_max; /* the shift stays below the first interval's end */
} censored;

static double logistic(double z)
{
	return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

/* P(lo <= X < hi) of family cs->f at parameters th (the unconstrained
 * ones of censored_params), computed on the side of the median where it
 * does not cancel. */
static double interval_prob(const censored *cs, const double *th, double lo,
			    double hi)
{
	double c = 0, P_lo, P_hi, Q_lo, Q_hi;
	prof_family f = cs->f;
	if (f == PROF_FAM_SHIFTED_EXPONENTIAL)
		c = cs->c_max * logistic(th[1]);
	else if (f == PROF_FAM_SHIFTED_LOGNORMAL)
		c = cs->c_max * logistic(th[2]);
	lo -= c;
	hi -= c;
	if (hi <= 0)
		return 0;
	switch (f) {
	case PROF_FAM_NORMAL: {
		double sd = exp(th[1]);
		double a = (lo - th[0]) / sd, b = (hi - th[0]) / sd;
		P_lo = gsl_cdf_ugaussian_P(a), P_hi = gsl_cdf_ugaussian_P(b);
		Q_lo = gsl_cdf_ugaussian_Q(a), Q_hi = gsl_cdf_ugaussian_Q(b);
		break;
	}
	case PROF_FAM_LOGNORMAL:
	case PROF_FAM_SHIFTED_LOGNORMAL: {
		double sg = exp(th[1]);
		double a = lo > 0 ? (log(lo) - th[0]) / sg : -INFINITY;
		double b = (log(hi) - th[0]) / sg;
		P_lo = lo > 0 ? gsl_cdf_ugaussian_P(a) : 0, P_hi = gsl_cdf_ugaussian_P(b);
		Q_lo = lo > 0 ? gsl_cdf_ugaussian_Q(a) : 1, Q_hi = gsl_cdf_ugaussian_Q(b);
		break;
	}
	case PROF_FAM_GAMMA: {
		double k = exp(th[0]), sc = exp(th[1]);
		P_lo = lo > 0 ? gsl_cdf_gamma_P(lo, k, sc) : 0;
		Q_lo = lo > 0 ? gsl_cdf_gamma_Q(lo, k, sc) : 1;
		P_hi = gsl_cdf_gamma_P(hi, k, sc), Q_hi = gsl_cdf_gamma_Q(hi, k, sc);
		break;
	}
	case PROF_FAM_WEIBULL: {
		double k = exp(th[0]), sc = exp(th[1]);
		double za = lo > 0 ? pow(lo / sc, k) : 0, zb = pow(hi / sc, k);
		P_lo = -expm1(-za), P_hi = -expm1(-zb);
		Q_lo = exp(-za), Q_hi = exp(-zb);
		break;
	}
	case PROF_FAM_EXPONENTIAL:
	case PROF_FAM_SHIFTED_EXPONENTIAL: {
		double mean = exp(th[0]);
		double za = lo > 0 ? lo / mean : 0, zb = hi / mean;
		P_lo = -expm1(-za), P_hi = -expm1(-zb);
		Q_lo = exp(-za), Q_hi = exp(-zb);
		break;
	}
	default:
		return 0;
	}
	return P_hi < 0.5 ? P_hi - P_lo : Q_lo - Q_hi;
}

static double censored_nll(const gsl_vector *v, void *ctx)
{
	const censored *cs = ctx;
	double th[3] = {0};
	for (size_t i = 0; i < v->size; i++)
		th[i] = gsl_vector_get(v, i);
	double ll = 0;
	for (size_t j = 0; j < cs->m; j++) {
		double p = interval_prob(cs, th, cs->lo[j], cs->hi[j]);
		if (!(p > 0))
			return 1e300;
		ll += cs->count[j] * log(p);
	}
	return isfinite(ll) ? -ll : 1e300;
}

/* Unconstrained parameters th[] of family f from a plain fit pf (the
 * start), and their number. */
static int censored_start(const censored *cs, const prof_fit *pf, double *th)
{
	switch (cs->f) {
	case PROF_FAM_NORMAL:
		th[0] = pf->p[0], th[1] = log(pf->p[1]);
		return 2;
	case PROF_FAM_LOGNORMAL:
		th[0] = pf->p[0], th[1] = log(pf->p[1]);
		return 2;
	case PROF_FAM_GAMMA:
	case PROF_FAM_WEIBULL:
		th[0] = log(pf->p[0]), th[1] = log(pf->p[1]);
		return 2;
	case PROF_FAM_EXPONENTIAL:
		th[0] = log(pf->p[0]);
		return 1;
	case PROF_FAM_SHIFTED_EXPONENTIAL:
	case PROF_FAM_SHIFTED_LOGNORMAL: {
		/* the shift as a fraction of c_max, kept off the bounds */
		double u = fmin(fmax(pf->shift / cs->c_max, 0.05), 0.95);
		int k = cs->f == PROF_FAM_SHIFTED_EXPONENTIAL ? 1 : 2;
		if (k == 1)
			th[0] = log(fmax(pf->p[0] + pf->shift - u * cs->c_max, 1e-12 * cs->c_max));
		else
			th[0] = pf->p[0], th[1] = log(pf->p[1]);
		th[k] = log(u / (1 - u));
		return k + 1;
	}
	default:
		return 0;
	}
}

/* Nelder-Mead from th (np parameters); th gets the best point. */
static double censored_minimise(censored *cs, double *th, int np)
{
	gsl_multimin_function fn = {censored_nll, (size_t)np, cs};
	gsl_vector *x = gsl_vector_alloc((size_t)np), *step = gsl_vector_alloc((size_t)np);
	gsl_multimin_fminimizer *mm =
		gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, (size_t)np);
	double best = INFINITY;
	if (!x || !step || !mm)
		goto out;
	/* restarts: a simplex can stall on the ridge of (shift, scale) */
	for (int restart = 0; restart < 4; restart++) {
		for (int i = 0; i < np; i++) {
			gsl_vector_set(x, (size_t)i, th[i]);
			gsl_vector_set(step, (size_t)i, restart ? 0.05 : 0.3);
		}
		gsl_multimin_fminimizer_set(mm, &fn, x, step);
		for (int it = 0; it < 4000; it++) {
			if (gsl_multimin_fminimizer_iterate(mm))
				break;
			if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(mm), 1e-10) !=
			    GSL_CONTINUE)
				break;
		}
		double v = mm->fval;
		int better = v < best - 1e-9 * fabs(best);
		if (v < best) {
			best = v;
			for (int i = 0; i < np; i++)
				th[i] = gsl_vector_get(mm->x, (size_t)i);
		}
		if (restart && !better)
			break;
	}
out:
	gsl_multimin_fminimizer_free(mm);
	gsl_vector_free(x);
	gsl_vector_free(step);
	return best;
}

int prof_fit_family_censored(const double *sorted, size_t n, prof_family f,
			     double res, prof_fit *out)
{
	if (!(res > 0) || !isfinite(res)) {
		int rc = prof_fit_family(sorted, n, f, out);
		return rc ? rc : fail(out, "resolution %g: must be > 0", res);
	}
	/* the start: the plain fit to the intervals' midpoints (a value
	 * below res / 2, whose interval is clipped at 0, moves up to the
	 * middle of what is left, so the log families can start) */
	double *mid = malloc((n ? n : 1) * sizeof *mid);
	if (!mid)
		return fail(out, "out of memory");
	for (size_t i = 0; i < n; i++)
		mid[i] = sorted[i] >= 0.5 * res ? sorted[i]
						: 0.5 * (fmax(sorted[i] - 0.5 * res, 0.0) +
							 sorted[i] + 0.5 * res);
	int rc = prof_fit_family(mid, n, f, out);
	free(mid);
	if (rc || !out->ok)
		return rc;
	out->resolution = res;
	out->degenerate = 0;
	out->note[0] = 0;
	censored cs = {.f = f, .n = (double)n};
	cs.lo = malloc(3 * n * sizeof *cs.lo);
	if (!cs.lo)
		return fail(out, "out of memory");
	cs.hi = cs.lo + n;
	cs.count = cs.hi + n;
	for (size_t i = 0; i < n; i++) {
		if (cs.m && sorted[i] == sorted[i - 1]) {
			cs.count[cs.m - 1] += 1;
			continue;
		}
		cs.lo[cs.m] = fmax(sorted[i] - 0.5 * res, 0.0);
		cs.hi[cs.m] = sorted[i] + 0.5 * res;
		cs.count[cs.m++] = 1;
	}
	cs.c_max = cs.hi[0];
	if (f == PROF_FAM_UNIFORM) {
		double lo = cs.lo[0], hi = cs.hi[cs.m - 1];
		out->p[0] = lo;
		out->p[1] = hi;
		out->loglik = 0;
		for (size_t j = 0; j < cs.m; j++)
			out->loglik += cs.count[j] * log((cs.hi[j] - cs.lo[j]) / (hi - lo));
	} else {
		double th[3] = {0};
		int np = censored_start(&cs, out, th);
		double nll = censored_minimise(&cs, th, np);
		if (!(nll < 1e299)) {
			free(cs.lo);
			return fail(out, "no parameters give every interval a probability");
		}
		out->loglik = -nll;
		double c = 0, u = 0;
		switch (f) {
		case PROF_FAM_NORMAL: {
			double sd = exp(th[1]), a = -th[0] / sd;
			if (a > NORMAL_MAX_TRUNC_SD) {
				free(cs.lo);
				return fail(out, "mean %g is more than %g sd below 0", th[0],
					    NORMAL_MAX_TRUNC_SD);
			}
			out->p[0] = th[0], out->p[1] = sd;
			out->p[2] = gsl_cdf_ugaussian_P(a), out->p[3] = gsl_cdf_ugaussian_Q(a);
			break;
		}
		case PROF_FAM_LOGNORMAL:
			out->p[0] = th[0], out->p[1] = exp(th[1]);
			break;
		case PROF_FAM_SHIFTED_LOGNORMAL:
			u = logistic(th[2]);
			c = cs.c_max * u;
			out->p[0] = th[0], out->p[1] = exp(th[1]);
			break;
		case PROF_FAM_GAMMA:
			out->p[0] = exp(th[0]), out->p[1] = exp(th[1]);
			if (out->p[0] > GAMMA_MAX_SHAPE) {
				free(cs.lo);
				return fail(out, "shape %g above %g", out->p[0], GAMMA_MAX_SHAPE);
			}
			break;
		case PROF_FAM_WEIBULL:
			out->p[0] = exp(th[0]), out->p[1] = exp(th[1]), out->p[2] = 1 / out->p[0];
			break;
		case PROF_FAM_SHIFTED_EXPONENTIAL:
			u = logistic(th[1]);
			c = cs.c_max * u;
			/* fall through */
		case PROF_FAM_EXPONENTIAL:
			out->p[0] = exp(th[0]);
			break;
		default:
			break;
		}
		out->shift = c;
		if ((f == PROF_FAM_SHIFTED_EXPONENTIAL || f == PROF_FAM_SHIFTED_LOGNORMAL) &&
		    u < 1e-6) {
			out->degenerate = 1;
			out->shift = 0;
			snprintf(out->note, sizeof out->note,
				 "degenerate: the censored likelihood is largest at "
				 "shift 0 (the plain %s, with k counting the shift)",
				 f == PROF_FAM_SHIFTED_EXPONENTIAL ? "exponential" : "lognormal");
		}
	}
	free(cs.lo);
	for (int i = 0; i < 4; i++)
		out->se[i] = NAN;
	for (int i = 0; i < out->n_params; i++)
		if (!isfinite(out->p[i]))
			return fail(out, "%s came out %g", out->param_names[i], out->p[i]);
	out->aic = 2.0 * out->k - 2.0 * out->loglik;
	out->bic = out->k * log((double)n) - 2.0 * out->loglik;
	return 0;
}

double prof_fit_resolution(const double *sorted, size_t n)
{
	if (n < 4)
		return 0;
	size_t distinct = 1;
	for (size_t i = 1; i < n; i++)
		distinct += sorted[i] != sorted[i - 1];
	double iqr = sorted[(3 * n) / 4] - sorted[n / 4];
	if (distinct > n / 2)
		return 0;
	static const double mant[3] = {5, 2, 1};
	for (int e = 6; e >= -9; e--)
		for (int j = 0; j < 3; j++) {
			double u = mant[j] * pow(10.0, e);
			if (u < 0.02 * iqr)
				return 0;
			size_t whole = 0;
			for (size_t i = 0; i < n; i++) {
				double q = sorted[i] / u;
				whole += (sorted[i] == 0 || fabs(q) >= 0.5) &&
					 fabs(q - nearbyint(q)) <= 1e-6 * fabs(q);
			}
			if ((double)whole >= 0.99 * (double)n)
				return u;
		}
	return 0;
}

/* ---- CDF and density ----------------------------------------------------- */

static double std_normal_pdf(double z)
{
	return exp(-0.5 * z * z - 0.5 * LOG_2PI);
}

/* Number of sorted[0..n) that are <= x. */
static uint32_t count_at_most(const double *sorted, uint32_t n, double x)
{
	uint32_t lo = 0, hi = n; /* the answer is in [lo, hi] */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (sorted[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Gamma and Weibull densities at 0 (where x^(shape - 1) is 0^0 or 1/0). */
static double pdf_at_zero(double shape, double scale)
{
	if (shape == 1.0)
		return 1.0 / scale;
	return shape < 1.0 ? INFINITY : 0.0;
}

/* Density of a point mass at x: none, except the atom itself. */
static double atom_pdf(int at_atom)
{
	return at_atom ? INFINITY : 0.0;
}

/* CDF (want_pdf = 0) or density (1) of a model at x - shift. */
static double model_eval(const prof_model *m, double x, int want_pdf)
{
	if (isnan(x))
		return NAN;
	gsl_set_error_handler_off(); /* see prof_fit_family */
	const double *p = m->p;
	x -= m->shift;
	switch (m->kind) {
	case PROF_NONE:
		/* cannot run: the time is infinite, all mass beyond any x */
		return 0.0;
	case PROF_CONSTANT:
		/* a step; its density is a unit atom */
		return want_pdf ? atom_pdf(x == p[0]) : (x >= p[0] ? 1.0 : 0.0);
	case PROF_UNIFORM: {
		double w = p[1] - p[0];
		if (!(w > 0.0)) /* min == max: the constant p[0] */
			return want_pdf ? atom_pdf(x == p[0])
					: (x >= p[0] ? 1.0 : 0.0);
		if (want_pdf)
			return x >= p[0] && x <= p[1] ? 1.0 / w : 0.0;
		return fmin(fmax((x - p[0]) / w, 0.0), 1.0);
	}
	case PROF_NORMAL: {
		/* truncated at 0 as profile.c samples it: p[2] = Phi(a),
		 * p[3] = Q(a), a = -mean / sd */
		if (x < 0.0)
			return 0.0;
		double z = (x - p[0]) / p[1];
		if (want_pdf)
			return std_normal_pdf(z) / (p[1] * p[3]);
		/* the lower tail below the mean, the upper one above, so
		 * neither end loses digits to 1 - something */
		double c = z < 0.0 ? (gsl_cdf_ugaussian_P(z) - p[2]) / p[3]
				   : 1.0 - gsl_cdf_ugaussian_Q(z) / p[3];
		return fmin(fmax(c, 0.0), 1.0);
	}
	case PROF_LOGNORMAL: {
		if (!(x > 0.0))
			return 0.0;
		double z = (log(x) - p[0]) / p[1];
		if (want_pdf)
			return std_normal_pdf(z) / (p[1] * x);
		return gsl_cdf_ugaussian_P(z);
	}
	case PROF_GAMMA:
		/* exact, not through the quantile table in sorted */
		if (x < 0.0)
			return 0.0;
		if (want_pdf) {
			if (x == 0.0)
				return pdf_at_zero(p[0], p[1]);
			double t = x / p[1];
			return exp((p[0] - 1.0) * log(t) - t - lgamma(p[0])) /
			       p[1];
		}
		return gsl_cdf_gamma_P(x, p[0], p[1]);
	case PROF_WEIBULL: {
		if (x < 0.0)
			return 0.0;
		double t = pow(x / p[1], p[0]);
		if (want_pdf)
			return x == 0.0 ? pdf_at_zero(p[0], p[1])
					: p[0] / x * t * exp(-t);
		return -expm1(-t);
	}
	case PROF_EXPONENTIAL:
		if (x < 0.0)
			return 0.0;
		return want_pdf ? exp(-x / p[0]) / p[0] : -expm1(-x / p[0]);
	case PROF_EMPIRICAL: {
		/* the piecewise-linear ECDF that prof_model_quantile inverts:
		 * sorted[k] is the quantile at k / (n - 1); between tied
		 * samples the CDF jumps, and is right-continuous there */
		const double *s = m->sorted;
		uint32_t n = m->n;
		if (n == 0 || !s)
			return NAN;
		if (x < s[0])
			return 0.0;
		if (x >= s[n - 1])
			return want_pdf ? atom_pdf(n == 1 && x == s[0]) : 1.0;
		uint32_t k =
			count_at_most(s, n, x) - 1; /* s[k] <= x < s[k+1] */
		double w = s[k + 1] - s[k];
		if (want_pdf)
			return 1.0 / ((double)(n - 1) * w);
		return ((double)k + (x - s[k]) / w) / (double)(n - 1);
	}
	case PROF_REPLAY: {
		/* each sample a point mass 1/n: the step ECDF */
		if (m->n == 0 || !m->sorted)
			return NAN;
		uint32_t k = count_at_most(m->sorted, m->n, x);
		if (want_pdf)
			return atom_pdf(k > 0 && m->sorted[k - 1] == x);
		return (double)k / (double)m->n;
	}
	case PROF_PET: {
		/* point masses at the bin times; cum[n-1] = 1 */
		if (m->n == 0 || !m->sorted || !m->cum)
			return NAN;
		uint32_t k = count_at_most(m->sorted, m->n, x);
		if (want_pdf)
			return atom_pdf(k > 0 && m->sorted[k - 1] == x);
		return k > 0 ? m->cum[k - 1] : 0.0;
	}
	default:
		return NAN;
	}
}

double prof_model_cdf(const prof_model *m, double x)
{
	return model_eval(m, x, 0);
}

double prof_model_pdf(const prof_model *m, double x)
{
	return model_eval(m, x, 1);
}
