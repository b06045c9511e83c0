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
