/*
 * profiles/pmf.c — discretised execution-time distributions (see pmf.h for
 * the bin convention and its rounding).
 *
 * Convolution is the direct sum. Grids here are a few hundred to a few
 * thousand bins and a pruning engine convolves once per queue change, not
 * per probe, so O(n_a n_b) costs well under a millisecond; an FFT (GSL's
 * gsl_fft_real) would only pay off for much longer grids, and its round-off
 * (~1e-16 of the largest bin, of either sign) would swamp the small tail
 * probabilities a deadline test reads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "profiles/fit.h"
#include "profiles/pmf.h"

/* Mass that may be cut off the end of a grid (into tail) to keep it short:
 * the far tail of a lognormal would otherwise fill max_bins with ~0s, and
 * every later convolution pays for each bin. A deadline probability is off
 * by at most this per pmf in a sum, far below what a threshold resolves. */
#define PMF_TRIM 1e-9
/* Below this survival probability a running task is due now: above the
 * trimmed mass of a few pmfs, so that a task past the end of its trimmed
 * grid is not left "in the tail" (unbounded) forever. */
#define PMF_DUE 1e-8

/* Room for n bins in out->p (contents undefined), growing by doubling but
 * never past limit (>= n): grids are bounded by max_bins. */
static int reserve_upto(prof_pmf *out, uint32_t n, uint32_t limit)
{
	if (n <= out->cap && out->p)
		return 0;
	uint32_t cap = out->cap ? out->cap : 16;
	while (cap < n)
		cap = cap > UINT32_MAX / 2 ? n : cap * 2;
	if (cap > limit)
		cap = limit;
	double *p = realloc(out->p, (size_t)cap * sizeof *p);
	if (!p)
		return IO_ENOMEM;
	out->p = p;
	out->cap = cap;
	return 0;
}

static int reserve(prof_pmf *out, uint32_t n)
{
	return reserve_upto(out, n, n);
}

/* Drop trailing bins into the tail while their total stays <= PMF_TRIM. */
static void trim(prof_pmf *x)
{
	double cut = 0;
	while (x->n > 0 && cut + x->p[x->n - 1] <= PMF_TRIM)
		cut += x->p[--x->n];
	x->tail += cut;
}

/* First bin with mass (n if none): loops start there, since shifted and
 * lognormal models leave long runs of empty leading bins. */
static uint32_t first_nonzero(const prof_pmf *x)
{
	uint32_t k = 0;
	while (k < x->n && x->p[k] == 0.0)
		k++;
	return k;
}

static double bins_sum(const prof_pmf *x)
{
	double s = 0;
	for (uint32_t k = 0; k < x->n; k++)
		s += x->p[k];
	return s;
}

/* ---- from a model -------------------------------------------------------- */

/* The kinds that are point masses only: each atom is smoothed (pmf.h). */
static int is_atomic(const prof_model *m)
{
	switch (m->kind) {
	case PROF_CONSTANT:
	case PROF_REPLAY:
	case PROF_PET:
		return 1;
	case PROF_UNIFORM:
		return !(m->p[1] > m->p[0]); /* min == max: a constant */
	case PROF_EMPIRICAL:
		return m->n == 1;
	default:
		return 0;
	}
}

/* Add an atom of mass w at x >= 0: the uniform density on [x - h/2,
 * x + h/2) binned exactly, i.e. the bins of u = x/h - 1/2 and u + 1 get
 * 1 - f and f, f = frac(u) (all to bin 0 below h/2). Mass past the grid
 * goes to the tail. */
static void add_atom(prof_pmf *x, double at, double w, uint32_t max_bins)
{
	double u = at / x->h - 0.5;
	if (!(u > 0.0)) {
		x->p[0] += w;
		return;
	}
	if (u >= (double)max_bins) {
		x->tail += w;
		return;
	}
	uint32_t k = (uint32_t)u;
	double f = u - (double)k;
	x->p[k] += w * (1.0 - f);
	if (k + 1 < max_bins)
		x->p[k + 1] += w * f;
	else
		x->tail += w * f;
}

/* The atoms of m in order: time (shifted) and probability of atom i. */
static uint32_t atom_count(const prof_model *m)
{
	return m->kind == PROF_REPLAY || m->kind == PROF_PET ? m->n : 1;
}

static void atom_at(const prof_model *m, uint32_t i, double *at, double *w)
{
	switch (m->kind) {
	case PROF_REPLAY:
		*at = m->sorted[i] + m->shift;
		*w = 1.0 / (double)m->n;
		return;
	case PROF_PET:
		*at = m->sorted[i] + m->shift;
		*w = m->cum[i] - (i ? m->cum[i - 1] : 0.0);
		return;
	case PROF_EMPIRICAL:
		*at = m->sorted[0] + m->shift;
		*w = 1.0;
		return;
	default: /* constant; uniform with min == max */
		*at = m->p[0] + m->shift;
		*w = 1.0;
		return;
	}
}

static int from_atoms(prof_pmf *out, const prof_model *m, uint32_t max_bins)
{
	uint32_t na = atom_count(m);
	if (na == 0 ||
	    ((m->kind == PROF_REPLAY || m->kind == PROF_PET ||
	      m->kind == PROF_EMPIRICAL) &&
	     !m->sorted) ||
	    (m->kind == PROF_PET && !m->cum))
		return IO_EINPUT;
	/* the last atom (they are sorted) bounds the grid */
	double last, w;
	atom_at(m, na - 1, &last, &w);
	if (!(last >= 0.0) || !isfinite(last))
		return IO_EINPUT;
	double top = last / out->h + 2.0;
	uint32_t n = top >= (double)max_bins ? max_bins : (uint32_t)top;
	if (n == 0)
		n = 1;
	if (reserve(out, n))
		return IO_ENOMEM;
	out->n = n;
	memset(out->p, 0, n * sizeof *out->p);
	for (uint32_t i = 0; i < na; i++) {
		double at;
		atom_at(m, i, &at, &w);
		add_atom(out, fmax(at, 0.0), w, n);
	}
	trim(out);
	return 0;
}

/* Bins of a model with a CDF: exact differences, stopping once what is
 * left is below PMF_TRIM (it goes to the tail) or at max_bins. */
static int from_cdf(prof_pmf *out, const prof_model *m, uint32_t max_bins)
{
	double lo = prof_model_cdf(m, 0.0);
	if (isnan(lo))
		return IO_EINPUT;
	uint32_t n = 0;
	for (;;) {
		if (reserve_upto(out, n + 1, max_bins))
			return IO_ENOMEM;
		double hi = prof_model_cdf(m, (double)(n + 1) * out->h);
		if (isnan(hi))
			return IO_EINPUT;
		/* bin 0 is F(h): it holds an atom at 0 (an empirical model
		 * with tied zeros) */
		out->p[n] = n == 0 ? hi : fmax(hi - lo, 0.0);
		n++;
		lo = hi;
		if (1.0 - hi <= PMF_TRIM || n >= max_bins)
			break;
	}
	out->n = n;
	out->tail = fmax(1.0 - lo, 0.0);
	return 0;
}

int prof_pmf_from_model(prof_pmf *out, const prof_model *m, double h,
			uint32_t max_bins)
{
	if (!out || !m || !(h > 0.0) || !isfinite(h) || max_bins == 0)
		return IO_EINPUT;
	out->h = h;
	out->n = 0;
	out->tail = 0.0;
	if (m->kind == PROF_NONE) {
		out->tail = 1.0; /* never finishes */
		return 0;
	}
	return is_atomic(m) ? from_atoms(out, m, max_bins)
			    : from_cdf(out, m, max_bins);
}

/* ---- convolution --------------------------------------------------------- */

/* Steps equal up to rounding (grids built from the same h are). */
static int same_step(double a, double b)
{
	return fabs(a - b) <= 1e-12 * fmax(a, b);
}

int prof_pmf_convolve(prof_pmf *out, const prof_pmf *a, const prof_pmf *b,
		      uint32_t max_bins)
{
	if (!out || !a || !b || out == a || out == b || max_bins == 0 ||
	    !same_step(a->h, b->h))
		return IO_EINPUT;
	out->h = a->h;
	/* both in the grid, or either in the tail */
	double tail = a->tail + b->tail - a->tail * b->tail;
	uint32_t la = first_nonzero(a), lb = first_nonzero(b);
	if (la == a->n || lb == b->n) {
		out->n = 0;
		out->tail = fmin(tail, 1.0);
		return 0;
	}
	/* c = a * b on [0, n_a + n_b - 1); out[k] = (c[k-1] + c[k]) / 2 on
	 * [0, n_a + n_b), cut at max_bins */
	uint64_t full = (uint64_t)a->n + b->n;
	uint32_t n = full > max_bins ? max_bins : (uint32_t)full;
	if (reserve_upto(out, n, max_bins))
		return IO_ENOMEM;
	double *c = out->p;
	memset(c, 0, n * sizeof *c);
	for (uint32_t i = la; i < a->n && i < n; i++) {
		double ai = a->p[i];
		if (ai == 0.0)
			continue;
		uint32_t jend = b->n < n - i ? b->n : n - i;
		const double *bp = b->p;
		double *ci = c + i;
		for (uint32_t j = lb; j < jend; j++)
			ci[j] += ai * bp[j];
	}
	/* the spread of the triangles, in place from the top: c[n-1] is 0
	 * when nothing was cut (c has n_a + n_b - 1 terms) */
	for (uint32_t k = n - 1; k > 0; k--)
		c[k] = 0.5 * (c[k] + c[k - 1]);
	c[0] *= 0.5;
	out->n = n;
	/* what was cut off the top: the in-grid total less what is kept */
	double kept = bins_sum(out);
	double dropped = bins_sum(a) * bins_sum(b) - kept;
	out->tail = fmin(fmax(tail + fmax(dropped, 0.0), 0.0), 1.0);
	trim(out);
	return 0;
}

/* ---- residual ------------------------------------------------------------ */

int prof_pmf_residual(prof_pmf *out, const prof_pmf *a, double elapsed_s)
{
	if (!out || !a || out == a || isnan(elapsed_s) || !(a->h > 0.0))
		return IO_EINPUT;
	out->h = a->h;
	double x = elapsed_s > 0.0 ? elapsed_s / a->h : 0.0;
	/* e = (K + phi) h: residual bin j is X in [(K + phi + j) h,
	 * (K + phi + j + 1) h), i.e. the share 1 - phi of X's bin K + j and
	 * phi of bin K + j + 1 (uniform density inside bins) */
	uint32_t K = x >= (double)a->n ? a->n : (uint32_t)x;
	double phi = K < a->n ? x - (double)K : 0.0;
	double above = 0; /* P(X >= (K + 1) h), summed from the small end */
	for (uint32_t k = a->n; k-- > K + 1;)
		above += a->p[k];
	double alive =
		a->tail + above + (K < a->n ? (1.0 - phi) * a->p[K] : 0.0);
	if (!(alive > PMF_DUE)) {
		/* due: it cannot run longer than its model allows */
		if (reserve(out, 1))
			return IO_ENOMEM;
		out->n = 1;
		out->p[0] = 1.0;
		out->tail = 0.0;
		return 0;
	}
	uint32_t n = a->n - K;
	if (reserve(out, n ? n : 1))
		return IO_ENOMEM;
	double inv = 1.0 / alive;
	for (uint32_t j = 0; j < n; j++) {
		double next = K + j + 1 < a->n ? a->p[K + j + 1] : 0.0;
		out->p[j] = ((1.0 - phi) * a->p[K + j] + phi * next) * inv;
	}
	out->n = n;
	out->tail = fmin(a->tail * inv, 1.0);
	trim(out);
	return 0;
}

/* ---- reading ------------------------------------------------------------- */

double prof_pmf_cdf(const prof_pmf *p, double t)
{
	if (isnan(t))
		return NAN;
	if (!(t > 0.0) || p->n == 0)
		return 0.0;
	double x = t / p->h;
	uint32_t K = x >= (double)p->n ? p->n : (uint32_t)x;
	double s = 0;
	for (uint32_t k = 0; k < K; k++)
		s += p->p[k];
	if (K < p->n)
		s += (x - (double)K) * p->p[K];
	return fmin(fmax(s, 0.0), 1.0);
}

void prof_pmf_free(prof_pmf *p)
{
	if (!p)
		return;
	free(p->p);
	memset(p, 0, sizeof *p);
}
