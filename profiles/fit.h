/*
 * profiles/fit.h — maximum-likelihood fitting of execution-time families,
 * and the CDF / density of any execution-time model (for goodness of fit
 * and plots).
 *
 * Families and the profile model each fit becomes (parameters in the
 * profile's own names, see profile.h):
 *   normal               normal      mean, sd        (MLE: sample mean, sd
 *                                                      with divisor n; the
 *                                                      model truncates at 0)
 *   lognormal            lognormal   mu, sigma       (x > 0)
 *   gamma                gamma       shape, scale    (x > 0; numeric MLE)
 *   weibull              weibull     shape, scale    (x > 0; numeric MLE)
 *   exponential          exponential mean            (x >= 0)
 *   shifted_exponential  exponential mean, shift     (location just below
 *                                                      the minimum)
 *   shifted_lognormal    lognormal   mu, sigma, shift
 *   uniform              uniform     min, max        (MLE: the extremes)
 * The location of the shifted families is documented in fit.c.
 * Log-likelihoods are of the family's density at the data (the truncation
 * of the normal at 0 is ignored there, as in any normal fit); AIC = 2k - 2 ln
 * L, BIC = k ln n - 2 ln L, k = number of fitted parameters (location counts).
 */
#ifndef HETSIM_PROFILES_FIT_H
#define HETSIM_PROFILES_FIT_H

#include <stddef.h>
#include "profiles/profile.h"

typedef enum prof_family {
	PROF_FAM_NORMAL,
	PROF_FAM_LOGNORMAL,
	PROF_FAM_GAMMA,
	PROF_FAM_WEIBULL,
	PROF_FAM_EXPONENTIAL,
	PROF_FAM_SHIFTED_EXPONENTIAL,
	PROF_FAM_SHIFTED_LOGNORMAL,
	PROF_FAM_UNIFORM,
	PROF_FAM_COUNT
} prof_family;

typedef struct prof_fit {
	prof_family family;
	int ok; /* 0: the family does not apply (why says so) */
	char why[128];
	prof_model_kind kind;
	double p[4]; /* as prof_model.p for kind (see profile.c) */
	double shift;
	const char *param_names[4]; /* profile JSON names of p[0..n_params) */
	int n_params; /* of p (the shift is counted in k, not here) */
	int k;	      /* fitted parameters, for AIC / BIC */
	double se[4]; /* asymptotic standard errors of p, NAN if unknown */
	double loglik, aic, bic;
	/* The likelihood has no maximum inside the family's parameter space
	 * (e.g. a three-parameter lognormal whose likelihood only grows as
	 * the shift goes to the minimum: the fit then takes shift 0), or the
	 * best fit lies on its bound: note says which. The fit is still
	 * usable; callers must show the note. */
	int degenerate;
	char note[160];
	/* > 0: fitted to interval-censored data at this resolution (see
	 * prof_fit_family_censored) */
	double resolution;
} prof_fit;

const char *prof_family_name(prof_family f);
int prof_family_from_name(const char *name); /* -1 if unknown */

/* Fit family f to n samples sorted ascending (n >= 2, all finite).
 * Returns 0 with out->ok = 1, or 0 with out->ok = 0 and out->why when the
 * family cannot describe the data (e.g. a log family and a zero time, or a
 * constant sample); never returns NaN parameters. A failed fit has
 * loglik -INFINITY and aic = bic = INFINITY (ranks last). IO_EINPUT for
 * an unknown family or a NULL out. */
int prof_fit_family(const double *sorted, size_t n, prof_family f,
		    prof_fit *out);

/* Fit family f to n samples sorted ascending that were logged at a
 * resolution res > 0 (e.g. whole milliseconds, res = 0.001 s): each value
 * v stands for the interval [v - res/2, v + res/2) it was rounded from
 * (the lower end clipped at 0), and the likelihood is the product of the
 * model's probabilities of those intervals, maximised numerically (GSL's
 * Nelder-Mead simplex from the plain fit, on log scales, the shift of the
 * shifted families inside [0, smallest interval's upper end)). Unlike the
 * density's, this likelihood is bounded, so ties (half of a sample at one
 * value) cannot make a family with a free shift look perfect. loglik is
 * of the interval probabilities (AIC / BIC comparable between families
 * censored alike, not with plain fits); se are NAN; a shift on its lower
 * bound (0) is reported as degenerate. The uniform takes the extreme
 * intervals' ends. Same contract as prof_fit_family otherwise. */
int prof_fit_family_censored(const double *sorted, size_t n, prof_family f,
			     double res, prof_fit *out);

/* The resolution a sorted sample was logged at, if coarse enough to
 * matter, else 0: the largest unit u of the form {1, 2, 5} x 10^k
 * (1e-9 <= u <= 1e6) that at least 99% of the values are whole multiples
 * of, provided the sample repeats values (at most n / 2 distinct) and u
 * is at least 2% of the interquartile range (finer rounding changes a
 * fit by less than its noise). */
double prof_fit_resolution(const double *sorted, size_t n);

/* A model (no allocation: empirical kinds are not produced) from a fit;
 * kind PROF_NONE (mean INFINITY) when !f->ok. A gamma model made so has no
 * quantile table (sorted = NULL): prof_model_cdf / pdf work on it, but
 * prof_model_quantile needs the table that loading a profile builds. */
void prof_fit_model(const prof_fit *f, prof_model *m);

/* CDF and density of any model at x (empirical: of its interpolated ECDF;
 * density of an empirical model is its piecewise-constant derivative).
 * Point masses (constant, replay, pet) have density INFINITY at the atom
 * and 0 elsewhere; PROF_NONE has CDF 0 (the time is infinite). */
double prof_model_cdf(const prof_model *m, double x);
double prof_model_pdf(const prof_model *m, double x);

#endif
