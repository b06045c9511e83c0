/*
 * profiles/pmf.h — execution-time distributions discretised on a grid, for
 * the probability that queued work finishes by a deadline (convolutions).
 *
 * A pmf of step h holds p[k] = P(k h <= X < (k + 1) h) for k < n, and the
 * mass at and beyond n h in tail (the grid is truncated at max_bins; mass
 * the functions below trim off the end, at most 1e-9 each time, goes to
 * tail too). A prof_pmf starts zeroed ({0}); every function reuses its
 * storage, and prof_pmf_free releases it.
 *
 * Convention (pmf.c): the density inside a bin is taken as uniform, i.e. a
 * pmf stands for the histogram density p[k] / h on [k h, (k + 1) h).
 *   - A continuous model's bins are exact: p[k] = F((k + 1) h) - F(k h)
 *     (bin 0 is F(h)). An empirical model's tied samples, a jump of its
 *     CDF, so land whole in the bin that holds them.
 *   - An atom at x (constant, replay, pet) is first smoothed to the uniform
 *     density on [x - h/2, x + h/2) and then binned exactly: its mass splits
 *     between the two bins that interval overlaps, in proportion, so the
 *     mean is kept exactly (an atom below h/2 goes to bin 0 whole).
 *   - The sum of two histogram variables has a piecewise-linear density;
 *     prof_pmf_convolve gives its exact bin masses, out[k] = (c[k - 1] +
 *     c[k]) / 2 with c the plain discrete convolution (the pair of bins
 *     i, j spreads as a triangle over [(i+j) h, (i+j+2) h), half in each
 *     bin). Means add exactly; each convolution adds h^2/6 to the variance
 *     (the triangle read back as two uniform bins), so no drift of one bin
 *     per convolution builds up: P(sum <= t) read off a convolution of m
 *     pmfs is unbiased in the mean, and smoothed over a few h.
 * prof_pmf_cdf interpolates linearly inside a bin (the uniform density):
 * exact at the grid points for a continuous model, so that F(t - h) <=
 * cdf(t) <= F(t + h); for an atom, within h/2 more (the smoothing).
 */
#ifndef HETSIM_PROFILES_PMF_H
#define HETSIM_PROFILES_PMF_H

#include <stdint.h>
#include "profiles/profile.h"

typedef struct prof_pmf {
	double h;     /* bin width, s */
	uint32_t n;   /* bins in p */
	uint32_t cap; /* allocated */
	double *p;    /* owned */
	double tail;  /* P(X >= n h) */
} prof_pmf;

/* Discretise model m (any kind) with step h over at most max_bins bins.
 * A pair that cannot run (PROF_NONE) gives n = 0, tail = 1. Returns 0,
 * IO_EINPUT (h not finite and > 0, max_bins 0, a model whose CDF is
 * NaN) or IO_ENOMEM. */
int prof_pmf_from_model(prof_pmf *out, const prof_model *m, double h,
			uint32_t max_bins);
/* out = a (+) b, truncated to max_bins (excess mass to tail). out may not
 * alias a or b; its storage is reused. Direct O(n_a n_b) sum (pmf.c says
 * why not an FFT). IO_EINPUT if the steps differ. */
int prof_pmf_convolve(prof_pmf *out, const prof_pmf *a, const prof_pmf *b,
		      uint32_t max_bins);
/* Remaining time of a task that has run for elapsed_s: X - e | X > e, from
 * the histogram density (exact for it; e < 0 counts as 0). When P(X > e)
 * is below 1e-8 (only trimmed mass left: the model says it should have
 * ended) the task is due: out is all in bin 0, i.e. it ends within the next
 * h, uniformly (mean h/2). Otherwise a's tail, renormalised, stays in the
 * tail: a task that has run past a grid cut at max_bins has an unknown
 * remaining time, counted as late. out may not alias a. */
int prof_pmf_residual(prof_pmf *out, const prof_pmf *a, double elapsed_s);
/* P(X <= t), linear inside a bin (t beyond the grid: 1 - tail). */
double prof_pmf_cdf(const prof_pmf *p, double t);
void prof_pmf_free(prof_pmf *p);

#endif
