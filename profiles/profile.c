/* profiles/profile.c — profile JSON loading and inverse-CDF sampling (see
 * profile.h).
 *
 * Model parameters in prof_model.p, as prof_model_quantile reads them:
 *   constant     p0 value
 *   uniform      p0 min, p1 max
 *   normal       p0 mean, p1 sd, p2 Phi(-mean/sd), p3 Q(-mean/sd) = 1 - p2
 *   lognormal    p0 mu, p1 sigma
 *   gamma        p0 shape, p1 scale, p2 Phi^-1(2^-53), p3 1 / node spacing;
 *                sorted[] holds the quantile table (see gamma_table_build)
 *   weibull      p0 shape, p1 scale, p2 1 / shape
 *   exponential  p0 mean
 *   empirical    sorted[0..n-1], plus sorted[n] = sorted[n-1] so that the
 *                interpolation never needs a bounds check
 *   replay       sorted[0..n-1] (and the same padding)
 *   pet          sorted[0..n-1] bin times, cum[0..n-1] cumulative
 *                probabilities (see prof_model in profile.h). Until
 *                finish_model they hold the bins as read: times and raw
 *                probabilities, in input order.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include "sim/io/csv.h"
#include "profiles/e2c.h"
#include "profiles/profile.h"

/* u is kept in [2^-53, 1 - 2^-53]: the inverse CDFs are infinite at 0 and
 * 1, and these are the extreme uniforms a 53-bit generator produces. */
#define U_MIN 0x1p-53
#define U_MAX (1.0 - 0x1p-53)

/* A normal truncated at 0 whose mean lies further than this many sd below
 * 0 has (almost) no mass left to sample: Q(35) ~ 1e-268. */
#define NORMAL_MAX_TRUNC_SD 35.0

/* clang-format off */
static const char *const model_names[] = {
	[PROF_NONE] = "none",
	[PROF_CONSTANT] = "constant",
	[PROF_UNIFORM] = "uniform",
	[PROF_NORMAL] = "normal",
	[PROF_LOGNORMAL] = "lognormal",
	[PROF_GAMMA] = "gamma",
	[PROF_WEIBULL] = "weibull",
	[PROF_EXPONENTIAL] = "exponential",
	[PROF_EMPIRICAL] = "empirical",
	[PROF_REPLAY] = "replay",
	[PROF_PET] = "pet",
};
/* clang-format on */
#define N_MODEL_NAMES (sizeof model_names / sizeof model_names[0])

const char *prof_model_name(prof_model_kind k)
{
	return (unsigned)k < N_MODEL_NAMES ? model_names[k] : "unknown";
}

int prof_model_from_name(const char *name)
{
	/* "none" is not a model one can write: start after it */
	for (unsigned k = PROF_NONE + 1; name && k < N_MODEL_NAMES; k++)
		if (strcmp(name, model_names[k]) == 0)
			return (int)k;
	return -1;
}

/* ---- sampling ------------------------------------------------------------ */

/*
 * Gamma quantiles. gsl_cdf_gamma_Pinv is not used: it takes 0.5-200 us per
 * call and returns NaN ("failed to converge") for shape < 0.2 with small u
 * and for shape > 1e4 in the tails. Instead, at load, log x is tabulated
 * against z = Phi^-1(u) (smooth and nearly linear: Wilson-Hilferty) at
 * GAMMA_NODES points with its first two derivatives, which are known in
 * closed form; sampling is Phi^-1, a quintic Hermite interpolation and
 * exp, ~40 ns, accurate to ~1e-13 relative for shape 0.3..3000 and ~1e-10
 * down to shape 0.001 (checked against the exact solver below).
 *
 * The nodes come from gamma_log_quantile: safeguarded Halley iteration on
 * t = log x for P(a, x) = u, matching the smaller tail (Q(a, x) = q above
 * the median) so both ends keep full relative precision; it starts from
 * Wilson-Hilferty (a >= 1) or a tail series (a < 1) and needs 2-5
 * evaluations of the incomplete gamma function.
 */
#define GAMMA_NODES	512
#define GAMMA_MAX_SHAPE 1e5 /* GSL's incomplete gamma loses accuracy above */
#define LOG_SQRT_2PI	0.91893853320467274178

static double gamma_log_quantile(double u, double q, double a, double lga,
				 double p_at_1)
{
	int upper = u > 0.5;
	/* lower tail: P(a, x) ~ x^a / Gamma(a + 1) for small x */
	double t_low = (log(u) + lga + log(a)) / a;
	double t;
	if (a >= 1.0) {
		/* Wilson-Hilferty: (x / a)^(1/3) is nearly normal */
		double c = 1.0 / (9.0 * a);
		double w = 1.0 - c + gsl_cdf_ugaussian_Pinv(u) * sqrt(c);
		t = w > 0.0 ? log(a) + 3.0 * log(w) : t_low;
	} else if (u < p_at_1) {
		t = fmin(t_low, 0.0); /* x < 1 */
	} else {
		/* upper tail: Q(a, x) ~ x^(a-1) e^-x / Gamma(a), x >= 1 */
		double x = fmax(1.0, -log(q) - lga);
		x = fmax(1.0, -log(q) - lga + (a - 1.0) * log(x));
		t = log(x);
	}
	/* down here the tail series is exact */
	if (t < -700.0)
		return t_low;
	double lo = -746.0, hi = 709.0; /* exp(t) stays finite */
	if (!(t > lo && t < hi))
		t = 0.0;
	for (int i = 0; i < 200; i++) {
		double x = exp(t);
		/* g increases with t; g' = x pdf(x), g'' = g' (a - x) */
		double g = upper ? q - gsl_sf_gamma_inc_Q(a, x)
				 : gsl_sf_gamma_inc_P(a, x) - u;
		if (g == 0.0)
			return t;
		if (g > 0.0)
			hi = t;
		else
			lo = t;
		double r = g / exp(a * t - x - lga);
		double h = 0.5 * r * (a - x);
		double dt = fabs(h) < 0.5 ? r / (1.0 - h) : r;
		double next = t - dt;
		/* cubic convergence: the error after a step this small is far
		 * below double precision (the step may round to t itself) */
		if (fabs(dt) < 1e-8 && next >= lo && next <= hi)
			return next;
		if (!(next > lo && next < hi)) {
			next = 0.5 * (lo + hi); /* bisect */
			if (hi - lo < 1e-15 * fmax(1.0, fabs(next)))
				return next;
		}
		t = next;
	}
	return t;
}

/* Table of y = log x(z) for scale 1: per node y, h y', h^2 y'' (h the node
 * spacing in z), plus one padding node so the last interval needs no
 * bounds check. m->sorted holds it and m->n = GAMMA_NODES. */
static int gamma_table_build(prof_model *m)
{
	double a = m->p[0], lga = lgamma(a);
	double p_at_1 = gsl_sf_gamma_inc_P(a, 1.0);
	double zmin = gsl_cdf_ugaussian_Pinv(U_MIN);
	double zmax = gsl_cdf_ugaussian_Pinv(U_MAX);
	double h = (zmax - zmin) / (GAMMA_NODES - 1);
	double *tab = malloc(3 * (GAMMA_NODES + 1) * sizeof *tab);
	if (!tab)
		return -1;
	for (int k = 0; k < GAMMA_NODES; k++) {
		double z = zmin + k * h;
		double y = gamma_log_quantile(gsl_cdf_ugaussian_P(z),
					      gsl_cdf_ugaussian_Q(z), a, lga,
					      p_at_1);
		/* y' = phi(z) / (x pdf(x)), y'' = -y' (z + y' (a - x)), in
		 * logs so that tiny x do not underflow */
		double ex = exp(y);
		double d1 = exp(-0.5 * z * z - LOG_SQRT_2PI - a * y + ex + lga);
		double d2 = -d1 * (z + d1 * (a - ex));
		tab[3 * k] = y;
		tab[3 * k + 1] = h * d1;
		tab[3 * k + 2] = h * h * d2;
	}
	for (int i = 0; i < 3; i++)
		tab[3 * GAMMA_NODES + i] = tab[3 * (GAMMA_NODES - 1) + i];
	m->sorted = tab;
	m->n = GAMMA_NODES;
	m->p[2] = zmin;
	m->p[3] = 1.0 / h;
	return 0;
}

static double gamma_quantile(const prof_model *m, double u)
{
	double pos = (gsl_cdf_ugaussian_Pinv(u) - m->p[2]) * m->p[3];
	pos = fmin(fmax(pos, 0.0), GAMMA_NODES - 1.0); /* rounding only */
	uint32_t k = (uint32_t)pos;
	double f = pos - (double)k, g = 1.0 - f;
	const double *n0 = m->sorted + 3 * k, *n1 = n0 + 3;
	/* quintic Hermite basis, written symmetrically in f and g = 1 - f */
	double f3 = f * f * f, g3 = g * g * g;
	double y = g3 * (n0[0] * (1.0 + 3.0 * f + 6.0 * f * f) +
			 n0[1] * f * (1.0 + 3.0 * f) + n0[2] * 0.5 * f * f) +
		   f3 * (n1[0] * (1.0 + 3.0 * g + 6.0 * g * g) -
			 n1[1] * g * (1.0 + 3.0 * g) + n1[2] * 0.5 * g * g);
	return m->p[1] * exp(y);
}

/* u in [U_MIN, U_MAX]; fmax/fmin also turn a NaN u into U_MIN */
static inline double clamp_u(double u) { return fmin(fmax(u, U_MIN), U_MAX); }

double prof_normal_z(double u) { return gsl_cdf_ugaussian_Pinv(clamp_u(u)); }

double prof_model_quantile(const prof_model *m, double u)
{
	u = clamp_u(u);
	const double *p = m->p;
	double x;
	switch (m->kind) {
	case PROF_CONSTANT:
		x = p[0];
		break;
	case PROF_UNIFORM:
		x = p[0] + u * (p[1] - p[0]);
		break;
	case PROF_NORMAL:
		/* truncated at 0: map u onto the part of the CDF above 0; use
		 * the upper tail when the mean is negative, where Phi(a) is
		 * close to 1 and would lose the precision of u */
		if (p[0] >= 0.0)
			x = p[0] + p[1] * gsl_cdf_ugaussian_Pinv(
						  fmin(p[2] + u * p[3], U_MAX));
		else
			x = p[0] +
			    p[1] * gsl_cdf_ugaussian_Qinv((1.0 - u) * p[3]);
		x = fmax(x, 0.0);
		break;
	case PROF_LOGNORMAL:
		x = exp(p[0] + p[1] * gsl_cdf_ugaussian_Pinv(u));
		break;
	case PROF_GAMMA:
		x = gamma_quantile(m, u);
		break;
	case PROF_WEIBULL:
		/* = gsl_cdf_weibull_Pinv(u, scale, shape), without the
		 * division and argument checks */
		x = p[1] * pow(-log1p(-u), p[2]);
		break;
	case PROF_EXPONENTIAL:
		x = -p[0] * log1p(-u);
		break;
	case PROF_EMPIRICAL: {
		double h = u * (double)(m->n - 1);
		uint32_t k = (uint32_t)h;
		const double *s = m->sorted + k; /* s[1] exists: padding */
		x = s[0] + (h - (double)k) * (s[1] - s[0]);
		break;
	}
	case PROF_REPLAY: {
		/* u < 1, but u n may round up to n */
		double h = u * (double)m->n;
		uint32_t k = h < (double)m->n ? (uint32_t)h : m->n - 1;
		x = m->sorted[k];
		break;
	}
	case PROF_PET: {
		/* the first bin whose cumulative probability reaches u; one
		 * exists because cum[n-1] = 1 */
		uint32_t lo = 0, hi = m->n - 1;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (m->cum[mid] >= u)
				hi = mid;
			else
				lo = mid + 1;
		}
		x = m->sorted[lo];
		break;
	}
	default:
		return INFINITY; /* PROF_NONE: cannot run here */
	}
	return x + m->shift;
}

int prof_model_bounds(const prof_model *m, double *lo, double *hi)
{
	switch (m->kind) {
	case PROF_CONSTANT:
	case PROF_UNIFORM:
	case PROF_NORMAL:
	case PROF_LOGNORMAL:
		break;
	default:
		return 0;
	}
	if (!(m->shift >= 0))
		return 0;
	double a = prof_model_quantile(m, U_MIN), b = prof_model_quantile(m, U_MAX);
	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
	return 1;
}

/* ---- names ---------------------------------------------------------------- */

/* Name -> index of the task types and of the machine types: open addressing
 * with linear probing, at most half full; a slot holds index + 1, 0 is
 * empty. The names themselves stay in p->tasks and p->machines. */
typedef struct name_table {
	uint32_t *slot;
	size_t mask;
} name_table;

struct prof_index {
	name_table tasks, machines;
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h ^ (h >> 29);
}

static int names_init(name_table *t, size_t n)
{
	size_t size = 16;
	while (size < 2 * n)
		size *= 2;
	t->slot = calloc(size, sizeof *t->slot);
	t->mask = size - 1;
	return t->slot ? 0 : -1;
}

/* Slot of name: where it is, or the empty slot where it would go. names[i]
 * is the name of index i (a stride apart, as in the type arrays). */
static uint32_t *names_find(const name_table *t, const char *name,
			    const void *names, size_t stride)
{
	for (size_t k = name_hash(name) & t->mask;; k = (k + 1) & t->mask) {
		uint32_t v = t->slot[k];
		if (v == 0)
			return &t->slot[k];
		const char *have = *(char *const *)((const char *)names +
						    (v - 1) * stride);
		if (strcmp(have, name) == 0)
			return &t->slot[k];
	}
}

static int task_index(const prof_profile *p, const char *name)
{
	uint32_t v = *names_find(&p->index->tasks, name, p->tasks,
				 sizeof *p->tasks);
	return (int)v - 1;
}

static int machine_index(const prof_profile *p, const char *name)
{
	uint32_t v = *names_find(&p->index->machines, name, p->machines,
				 sizeof *p->machines);
	return (int)v - 1;
}

static void index_free(struct prof_index *ix)
{
	if (ix) {
		free(ix->tasks.slot);
		free(ix->machines.slot);
		free(ix);
	}
}

/* ---- loading ------------------------------------------------------------- */

/* An empirical, replay or pet model read from a CSV file. Requests naming
 * the same file are served by one pass over it. */
typedef struct csv_req {
	char *path;		 /* resolved */
	const char *column;	 /* of the values (pet: of the times) */
	const char *prob_column; /* pet: of the probabilities; else NULL */
	const json_t *where;	 /* object of column -> text, may be NULL */
	json_t *entry;		 /* exec entry (a reference held: the strings
				    above live in it) */
	const char *shown;	 /* file name as written in the profile */
	double unit_s;
	prof_model *model;
	double *v;	/* values (times) of the kept rows */
	double *w;	/* pet: their probabilities */
	size_t n, cap;	/* of v and w */
	int col;	/* index of column in the header */
	int prob_col;	/* index of prob_column */
	int *where_col; /* per where member */
	const char **where_val;
	size_t n_where;
	int done;
} csv_req;

/* The elements of an array member of the profile: in the document (arr),
 * or, when loading lean (see prof_load), still text from '[' to just past
 * ']', parsed one element at a time. */
typedef struct elems {
	const json_t *arr;
	const char *text, *end;
	size_t n;
} elems;

typedef struct loader {
	const io_jdoc *doc;
	prof_profile *p;
	io_err *err;
	const json_t **first_entry; /* per model slot, for duplicate errors */
	csv_req *reqs;
	size_t n_reqs, cap_reqs;
	/* lean loading: "task_types" and "exec" as text; errors are not
	 * reported (ld->err is already set), only returned */
	int lean;
	elems lean_tasks, lean_exec;
} loader;

#define EXEC_COMMON_KEYS "task", "machine", "model", "shift", "source"
static const char *const keys_constant[] = {EXEC_COMMON_KEYS, "value", NULL};
static const char *const keys_uniform[] = {EXEC_COMMON_KEYS, "min", "max",
					   NULL};
static const char *const keys_normal[] = {EXEC_COMMON_KEYS, "mean", "sd", NULL};
static const char *const keys_lognormal[] = {EXEC_COMMON_KEYS, "mu", "sigma",
					     NULL};
static const char *const keys_shape_scale[] = {EXEC_COMMON_KEYS, "shape",
					       "scale", NULL};
static const char *const keys_exponential[] = {EXEC_COMMON_KEYS, "mean", "rate",
					       NULL};
static const char *const keys_empirical[] = {
	EXEC_COMMON_KEYS, "samples", "csv", "column", "where", "unit", NULL};
/* clang-format off */
static const char *const keys_pet[] = {EXEC_COMMON_KEYS, "bins", "csv",
	"time_column", "prob_column", "where", "unit", NULL};
/* clang-format on */

static const char *const *const exec_keys[] = {
	[PROF_CONSTANT] = keys_constant,
	[PROF_UNIFORM] = keys_uniform,
	[PROF_NORMAL] = keys_normal,
	[PROF_LOGNORMAL] = keys_lognormal,
	[PROF_GAMMA] = keys_shape_scale,
	[PROF_WEIBULL] = keys_shape_scale,
	[PROF_EXPONENTIAL] = keys_exponential,
	[PROF_EMPIRICAL] = keys_empirical,
	[PROF_REPLAY] = keys_empirical,
	[PROF_PET] = keys_pet,
};

static int oom(loader *ld)
{
	return io_errf(ld->err, IO_ENOMEM, ld->doc->path, 0,
			 "out of memory");
}

/* strdup that tolerates NULL; sets *fail on a failed copy. */
static char *dup_or_null(const char *s, int *fail)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*fail = 1;
	return d;
}

/* A required array member; non-empty unless allow_empty. */
static const json_t *get_array(loader *ld, const json_t *obj, const char *key,
			       int allow_empty)
{
	const json_t *a = json_object_get(obj, key);
	if (!a) {
		io_jerr(ld->err, ld->doc, obj, "missing \"%s\"", key);
		return NULL;
	}
	if (!json_is_array(a)) {
		io_jerr_at(ld->err, ld->doc, obj, key, 0,
			     "\"%s\" must be an array", key);
		return NULL;
	}
	if (!allow_empty && json_array_size(a) == 0) {
		io_jerr(ld->err, ld->doc, a, "\"%s\" must not be empty", key);
		return NULL;
	}
	return a;
}

/* "name" of a machine or task type: required, non-empty. */
static int get_name(loader *ld, const json_t *obj, const char **name)
{
	int rc = io_jget_str(ld->doc, obj, "name", 1, name, ld->err);
	if (rc)
		return rc;
	if (!**name)
		return io_jerr(ld->err, ld->doc, json_object_get(obj, "name"),
				 "\"name\" must not be empty");
	return 0;
}

static int parse_machine(loader *ld, const json_t *arr, uint32_t i)
{
	static const char *const keys[] = {
		"name",	 "vcpu",    "mem_gib",	"accelerator", "price_usd_h",
		"slots", "power_w", "nic_gbps", "source",      NULL};
	static const char *const power_keys[] = {"idle", "busy", NULL};
	const io_jdoc *doc = ld->doc;
	io_err *err = ld->err;
	const json_t *o = json_array_get(arr, i);
	prof_machine_type *mt = &ld->p->machines[i];
	const char *name, *src = NULL;
	uint64_t slots = 1;
	int rc;
	if (!json_is_object(o))
		return io_jerr_at(err, doc, arr, NULL, i,
				    "a machine type must be an object");
	if ((rc = io_jcheck_keys(doc, o, keys, err)) ||
	    (rc = get_name(ld, o, &name)))
		return rc;
	int first = machine_index(ld->p, name);
	if (first >= 0)
		return io_jerr(err, doc, json_object_get(o, "name"),
				 "duplicate machine type \"%s\" "
				 "(first at line %ld)",
				 name,
				 io_jdoc_line(doc, json_array_get(arr, (size_t)first)));
	if ((rc = io_jget_nonneg(doc, o, "vcpu", 0, &mt->vcpu, err)) ||
	    (rc = io_jget_nonneg(doc, o, "mem_gib", 0, &mt->mem_gib, err)) ||
	    (rc = io_jget_nonneg(doc, o, "price_usd_h", 0, &mt->price_usd_h,
				   err)) ||
	    (rc = io_jget_nonneg(doc, o, "nic_gbps", 0, &mt->nic_gbps,
				   err)) ||
	    (rc = io_jget_u64(doc, o, "slots", 0, &slots, err)) ||
	    (rc = io_jget_str(doc, o, "source", 0, &src, err)))
		return rc;
	if (slots < 1 || slots > UINT32_MAX)
		return io_jerr(err, doc, json_object_get(o, "slots"),
				 "\"slots\" must be between 1 and %u",
				 (unsigned)UINT32_MAX);
	mt->slots = (uint32_t)slots;
	const json_t *acc = json_object_get(o, "accelerator");
	if (acc && !json_is_null(acc) && !json_is_string(acc))
		return io_jerr_at(err, doc, o, "accelerator", 0,
				    "\"accelerator\" must be a string or null");
	const json_t *pw = json_object_get(o, "power_w");
	if (pw) {
		if (!json_is_object(pw))
			return io_jerr_at(err, doc, o, "power_w", 0,
					    "\"power_w\" must be an object "
					    "{\"idle\": W, \"busy\": W}");
		if ((rc = io_jcheck_keys(doc, pw, power_keys, err)) ||
		    (rc = io_jget_nonneg(doc, pw, "idle", 0, &mt->idle_w,
					   err)) ||
		    (rc = io_jget_nonneg(doc, pw, "busy", 0, &mt->busy_w,
					   err)))
			return rc;
		if (mt->busy_w < mt->idle_w)
			return io_jerr(err, doc, pw,
					 "busy power %g W is below idle power "
					 "%g W",
					 mt->busy_w, mt->idle_w);
	}
	int fail = 0;
	mt->name = dup_or_null(name, &fail);
	mt->accelerator = dup_or_null(json_string_value(acc), &fail);
	if (fail)
		return oom(ld);
	*names_find(&ld->p->index->machines, name, ld->p->machines,
		    sizeof *ld->p->machines) = i + 1;
	return 0;
}

/* Element i of "task_types" (arr is NULL when loading lean). */
static int parse_task(loader *ld, const json_t *arr, size_t i,
		      const json_t *o)
{
	static const char *const keys[] = {"name", "kind", "source", NULL};
	const io_jdoc *doc = ld->doc;
	prof_task_type *tt = &ld->p->tasks[i];
	const char *name, *kind = NULL, *src = NULL;
	int rc;
	if (!json_is_object(o))
		return io_jerr_at(ld->err, doc, arr, NULL, i,
				    "a task type must be an object");
	if ((rc = io_jcheck_keys(doc, o, keys, ld->err)) ||
	    (rc = get_name(ld, o, &name)) ||
	    (rc = io_jget_str(doc, o, "kind", 0, &kind, ld->err)) ||
	    (rc = io_jget_str(doc, o, "source", 0, &src, ld->err)))
		return rc;
	int first = task_index(ld->p, name);
	if (first >= 0)
		return io_jerr(ld->err, doc, json_object_get(o, "name"),
				 "duplicate task type \"%s\" "
				 "(first at line %ld)",
				 name,
				 io_jdoc_line(doc, json_array_get(arr, (size_t)first)));
	int fail = 0;
	tt->name = dup_or_null(name, &fail);
	tt->kind = dup_or_null(kind, &fail);
	if (fail)
		return oom(ld);
	*names_find(&ld->p->index->tasks, name, ld->p->tasks,
		    sizeof *ld->p->tasks) = (uint32_t)i + 1;
	return 0;
}

/* "unit" of an entry backed by data, as seconds per unit. */
static int get_unit(loader *ld, const json_t *e, double *unit_s)
{
	const char *unit = "s";
	int rc = io_jget_str(ld->doc, e, "unit", 0, &unit, ld->err);
	if (rc)
		return rc;
	if (strcmp(unit, "s") == 0)
		*unit_s = 1.0;
	else if (strcmp(unit, "ms") == 0)
		*unit_s = 1e-3;
	else if (strcmp(unit, "us") == 0)
		*unit_s = 1e-6;
	else
		return io_jerr(ld->err, ld->doc, json_object_get(e, "unit"),
				 "\"unit\" must be \"s\", \"ms\" or \"us\"");
	return 0;
}

/* A JSON number >= 0 times scale, or NaN if v is not one. */
static double nonneg_number(const json_t *v, double scale)
{
	double x = json_is_number(v) ? json_number_value(v) * scale : NAN;
	return x >= 0.0 && x < INFINITY ? x : NAN;
}

static int parse_samples(loader *ld, const json_t *e, const json_t *samples,
			 double unit_s, prof_model *m)
{
	size_t n = json_array_size(samples);
	if (!json_is_array(samples) || n == 0)
		return io_jerr_at(ld->err, ld->doc, e, "samples", 0,
				    "\"samples\" must be a non-empty array of "
				    "times");
	if (n >= UINT32_MAX)
		return io_jerr(ld->err, ld->doc, samples, "too many samples");
	m->sorted = malloc((n + 1) * sizeof *m->sorted);
	if (!m->sorted)
		return oom(ld);
	for (size_t i = 0; i < n; i++) {
		double x = nonneg_number(json_array_get(samples, i), unit_s);
		if (isnan(x))
			return io_jerr_at(
				ld->err, ld->doc, samples, NULL, i,
				"samples[%zu] must be a number >= 0", i);
		m->sorted[i] = x;
	}
	m->n = (uint32_t)n;
	return 0;
}

/* Inline PET bins [[time, probability], ...], kept in input order until
 * finish_model: times in sorted, raw probabilities in cum. */
static int parse_bins(loader *ld, const json_t *e, const json_t *bins,
		      double unit_s, prof_model *m)
{
	size_t n = json_array_size(bins);
	if (!json_is_array(bins) || n == 0)
		return io_jerr_at(ld->err, ld->doc, e, "bins", 0,
				    "\"bins\" must be a non-empty array of "
				    "[time, probability]");
	if (n >= UINT32_MAX)
		return io_jerr(ld->err, ld->doc, bins, "too many bins");
	m->sorted = malloc(n * sizeof *m->sorted);
	m->cum = malloc(n * sizeof *m->cum);
	if (!m->sorted || !m->cum)
		return oom(ld);
	for (size_t i = 0; i < n; i++) {
		const json_t *b = json_array_get(bins, i);
		if (!json_is_array(b) || json_array_size(b) != 2)
			return io_jerr_at(ld->err, ld->doc, bins, NULL, i,
					    "bins[%zu] must be a pair [time, "
					    "probability]",
					    i);
		double t = nonneg_number(json_array_get(b, 0), unit_s);
		double q = nonneg_number(json_array_get(b, 1), 1.0);
		if (isnan(t) || isnan(q))
			return io_jerr_at(ld->err, ld->doc, bins, NULL, i,
					    "bins[%zu]: the %s must be a "
					    "number >= 0",
					    i,
					    isnan(t) ? "time" : "probability");
		m->sorted[i] = t;
		m->cum[i] = q;
	}
	m->n = (uint32_t)n;
	return 0;
}

/* A model backed by data comes inline (an array member) or from the rows
 * of a CSV file: empirical and replay from one column, pet from two. */
typedef struct data_form {
	const char *inline_key;	  /* "samples" or "bins" */
	const char *value_column; /* key naming the CSV column of the values */
	const char *prob_column;  /* key naming the probability column, or
				     NULL */
	int (*parse_inline)(loader *ld, const json_t *e, const json_t *arr,
			    double unit_s, prof_model *m);
} data_form;

static const data_form form_samples = {"samples", "column", NULL,
				       parse_samples};
static const data_form form_bins = {"bins", "time_column", "prob_column",
				    parse_bins};

/* Record a CSV-backed model; the file is read later, once for all entries
 * naming it. */
static int add_csv_req(loader *ld, const json_t *e, const data_form *form,
		       double unit_s, prof_model *m)
{
	const io_jdoc *doc = ld->doc;
	const char *csv, *column, *prob_column = NULL;
	int rc;
	if ((rc = io_jget_str(doc, e, "csv", 1, &csv, ld->err)) ||
	    (rc = io_jget_str(doc, e, form->value_column, 1, &column,
				ld->err)) ||
	    (form->prob_column &&
	     (rc = io_jget_str(doc, e, form->prob_column, 1, &prob_column,
				 ld->err))))
		return rc;
	const json_t *where = json_object_get(e, "where");
	if (where) {
		if (!json_is_object(where))
			return io_jerr_at(ld->err, doc, e, "where", 0,
					    "\"where\" must be an object "
					    "{\"column\": \"value\", ...}");
		const char *k;
		const json_t *v;
		json_object_foreach ((json_t *)where, k, v)
			if (!json_is_string(v))
				return io_jerr_at(ld->err, doc, where, k, 0,
						    "where \"%s\" must be a "
						    "string (rows are matched "
						    "as text)",
						    k);
	}
	if (ld->n_reqs == ld->cap_reqs) {
		size_t cap = ld->cap_reqs ? 2 * ld->cap_reqs : 8;
		csv_req *r = realloc(ld->reqs, cap * sizeof *r);
		if (!r)
			return oom(ld);
		ld->reqs = r;
		ld->cap_reqs = cap;
	}
	csv_req *q = &ld->reqs[ld->n_reqs];
	memset(q, 0, sizeof *q);
	q->path = io_jdoc_resolve(doc, csv);
	if (!q->path)
		return oom(ld);
	ld->n_reqs++;
	q->shown = csv;
	q->column = column;
	q->prob_column = prob_column;
	q->where = where;
	q->entry = json_incref((json_t *)e);
	q->unit_s = unit_s;
	q->model = m;
	q->n_where = where ? json_object_size(where) : 0;
	q->where_col = calloc(q->n_where + 1, sizeof *q->where_col);
	q->where_val = calloc(q->n_where + 1, sizeof *q->where_val);
	if (!q->where_col || !q->where_val)
		return oom(ld);
	return 0;
}

static int parse_data_model(loader *ld, const json_t *e, prof_model *m,
			    const data_form *form)
{
	const json_t *arr = json_object_get(e, form->inline_key);
	const json_t *csv = json_object_get(e, "csv");
	double unit_s = 1.0;
	int rc = get_unit(ld, e, &unit_s);
	if (rc)
		return rc;
	if (arr && csv)
		return io_jerr(ld->err, ld->doc, e,
				 "give \"%s\" or \"csv\", not both",
				 form->inline_key);
	if (arr) {
		const char *const csv_keys[] = {form->value_column,
						form->prob_column, "where"};
		for (size_t i = 0; i < 3; i++)
			if (csv_keys[i] && json_object_get(e, csv_keys[i]))
				return io_jerr(ld->err, ld->doc, e,
						 "\"%s\" goes with \"csv\", "
						 "not \"%s\"",
						 csv_keys[i], form->inline_key);
		return form->parse_inline(ld, e, arr, unit_s, m);
	}
	if (csv)
		return add_csv_req(ld, e, form, unit_s, m);
	if (form->prob_column)
		return io_jerr(ld->err, ld->doc, e,
				 "missing \"%s\" (or \"csv\", \"%s\" and "
				 "\"%s\")",
				 form->inline_key, form->value_column,
				 form->prob_column);
	return io_jerr(ld->err, ld->doc, e,
			 "missing \"%s\" (or \"csv\" and \"%s\")",
			 form->inline_key, form->value_column);
}

/* Family parameters of a parametric model into m->p. */
static int parse_params(loader *ld, const json_t *e, prof_model *m)
{
	const io_jdoc *doc = ld->doc;
	io_err *err = ld->err;
	double *p = m->p;
	int rc = 0;
	switch (m->kind) {
	case PROF_CONSTANT:
		return io_jget_nonneg(doc, e, "value", 1, &p[0], err);
	case PROF_UNIFORM:
		if ((rc = io_jget_nonneg(doc, e, "min", 1, &p[0], err)) ||
		    (rc = io_jget_nonneg(doc, e, "max", 1, &p[1], err)))
			return rc;
		if (p[1] < p[0])
			return io_jerr(err, doc, json_object_get(e, "max"),
					 "\"max\" must be >= \"min\"");
		return 0;
	case PROF_NORMAL: {
		if ((rc = io_jget_num(doc, e, "mean", 1, &p[0], err)) ||
		    (rc = io_jget_posnum(doc, e, "sd", 1, &p[1], err)))
			return rc;
		double a = -p[0] / p[1];
		if (a > NORMAL_MAX_TRUNC_SD)
			return io_jerr(err, doc, json_object_get(e, "mean"),
					 "normal mean %g is more than %g sd "
					 "below 0: nothing left to sample "
					 "after truncation at 0",
					 p[0], NORMAL_MAX_TRUNC_SD);
		p[2] = gsl_cdf_ugaussian_P(a);
		p[3] = gsl_cdf_ugaussian_Q(a);
		return 0;
	}
	case PROF_LOGNORMAL:
		if ((rc = io_jget_num(doc, e, "mu", 1, &p[0], err)))
			return rc;
		return io_jget_posnum(doc, e, "sigma", 1, &p[1], err);
	case PROF_GAMMA:
	case PROF_WEIBULL:
		if ((rc = io_jget_posnum(doc, e, "shape", 1, &p[0], err)) ||
		    (rc = io_jget_posnum(doc, e, "scale", 1, &p[1], err)))
			return rc;
		if (m->kind == PROF_WEIBULL) {
			p[2] = 1.0 / p[0];
			return 0;
		}
		if (p[0] > GAMMA_MAX_SHAPE)
			return io_jerr(err, doc, json_object_get(e, "shape"),
					 "gamma shape %g is above %g (a CV "
					 "below 0.3%%): use a normal model",
					 p[0], GAMMA_MAX_SHAPE);
		return gamma_table_build(m) ? oom(ld) : 0;
	case PROF_EXPONENTIAL: {
		const json_t *mean = json_object_get(e, "mean");
		const json_t *rate = json_object_get(e, "rate");
		if (mean && rate)
			return io_jerr(err, doc, e,
					 "give \"mean\" or \"rate\", not both");
		if (!mean && !rate)
			return io_jerr(err, doc, e,
					 "missing \"mean\" (or \"rate\")");
		if (mean)
			return io_jget_posnum(doc, e, "mean", 1, &p[0], err);
		double r = 0;
		if ((rc = io_jget_posnum(doc, e, "rate", 1, &r, err)))
			return rc;
		p[0] = 1.0 / r;
		return 0;
	}
	case PROF_EMPIRICAL:
	case PROF_REPLAY:
		return parse_data_model(ld, e, m, &form_samples);
	case PROF_PET:
		return parse_data_model(ld, e, m, &form_bins);
	default:
		return io_jerr(err, doc, e, "internal: bad model kind");
	}
}

/* "unknown model" message listing what exists. */
static int unknown_model(loader *ld, const json_t *node, const char *name)
{
	char list[256];
	size_t used = 0;
	list[0] = '\0';
	for (unsigned k = PROF_NONE + 1; k < N_MODEL_NAMES; k++) {
		int n = snprintf(list + used, sizeof list - used, "%s%s",
				 used ? ", " : "", model_names[k]);
		if (n < 0 || (size_t)n >= sizeof list - used)
			break;
		used += (size_t)n;
	}
	return io_jerr(ld->err, ld->doc, node,
			 "unknown model \"%s\" (expected one of: %s)", name,
			 list);
}

static int parse_exec_fields(loader *ld, const json_t *e)
{
	const io_jdoc *doc = ld->doc;
	io_err *err = ld->err;
	const char *task, *machine, *model, *src = NULL;
	int rc;
	if ((rc = io_jget_str(doc, e, "task", 1, &task, err)) ||
	    (rc = io_jget_str(doc, e, "machine", 1, &machine, err)) ||
	    (rc = io_jget_str(doc, e, "model", 1, &model, err)))
		return rc;
	int kind = prof_model_from_name(model);
	if (kind < 0)
		return unknown_model(ld, json_object_get(e, "model"), model);
	if ((rc = io_jcheck_keys(doc, e, exec_keys[kind], err)))
		return rc;
	int ti = prof_task_index(ld->p, task);
	if (ti < 0)
		return io_jerr(err, doc, json_object_get(e, "task"),
				 "unknown task type \"%s\"", task);
	int mi = prof_machine_index(ld->p, machine);
	if (mi < 0)
		return io_jerr(err, doc, json_object_get(e, "machine"),
				 "unknown machine type \"%s\"", machine);
	size_t slot = (size_t)ti * ld->p->n_machines + (size_t)mi;
	if (ld->first_entry[slot])
		return io_jerr(err, doc, e,
				 "duplicate exec entry for task \"%s\" on "
				 "machine \"%s\" (first at line %ld)",
				 task, machine,
				 io_jdoc_line(doc, ld->first_entry[slot]));
	/* lean: e is freed after this entry, but only messages read it, and
	 * the lean path writes none */
	ld->first_entry[slot] = ld->lean ? ld->doc->root : e;
	prof_model *m = &ld->p->models[slot];
	m->kind = (prof_model_kind)kind;
	if ((rc = io_jget_nonneg(doc, e, "shift", 0, &m->shift, err)) ||
	    (rc = io_jget_str(doc, e, "source", 0, &src, err)) ||
	    (rc = parse_params(ld, e, m)))
		return rc;
	int fail = 0;
	m->source = dup_or_null(src, &fail);
	return fail ? oom(ld) : 0;
}

/* Errors inside an exec entry are reported at the line where the entry
 * starts, whichever member is wrong: entries are one line each in profiles
 * that hetsim writes, and the entry is what a reader looks for. The field
 * checks report into a local io_err whose "file:line: " prefix is then
 * replaced. */
static int parse_exec(loader *ld, const json_t *exec, size_t i,
		      const json_t *e)
{
	if (!json_is_object(e))
		return io_jerr_at(ld->err, ld->doc, exec, NULL, i,
				    "an exec entry must be an object");
	io_err sub = {0}, *outer = ld->err;
	ld->err = &sub;
	int rc = parse_exec_fields(ld, e);
	ld->err = outer;
	if (!rc)
		return 0;
	const char *what = sub.msg, *path = ld->doc->path;
	size_t n = path ? strlen(path) : 0;
	if (path && sub.code == IO_EINPUT && strncmp(what, path, n) == 0 &&
	    what[n] == ':') {
		what += n + 1;
		while (*what >= '0' && *what <= '9')
			what++;
		if (*what == ':')
			what++;
		if (*what == ' ')
			what++;
		return io_jerr(outer, ld->doc, e, "%s", what);
	}
	return io_errf(outer, sub.code ? sub.code : rc, NULL, 0, "%s",
			 sub.msg);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sort the samples of an empirical or replay model, set the padding and
 * return their sum. */
static double sort_samples(prof_model *m)
{
	uint32_t n = m->n;
	double *s = m->sorted;
	qsort(s, n, sizeof *s, cmp_double);
	s[n] = s[n - 1];
	double sum = 0.0;
	for (uint32_t i = 0; i < n; i++)
		sum += s[i];
	return sum;
}

typedef struct pet_bin {
	double time, prob;
} pet_bin;

/* By time, then probability: a total order, so that merging equal times
 * adds their probabilities in the same order whatever the input order. */
static int cmp_bin(const void *a, const void *b)
{
	const pet_bin *x = a, *y = b;
	int c = cmp_double(&x->time, &y->time);
	return c ? c : cmp_double(&x->prob, &y->prob);
}

/* Turn the bins as read (times in sorted, raw probabilities in cum, any
 * order) into the stored form (see prof_model): sorted by time, equal
 * times merged, zero bins dropped, probabilities cumulative and
 * normalised by their sum. *mean gets sum t p / sum p. */
static int pet_finish(loader *ld, const json_t *e, prof_model *m, double *mean)
{
	uint32_t n = m->n, k = 0;
	pet_bin *b = malloc(n * sizeof *b);
	if (!b)
		return oom(ld);
	for (uint32_t i = 0; i < n; i++)
		b[i] = (pet_bin){m->sorted[i], m->cum[i]};
	qsort(b, n, sizeof *b, cmp_bin);
	for (uint32_t i = 0; i < n; i++) {
		if (b[i].prob == 0.0)
			continue; /* never drawn */
		if (k > 0 && m->sorted[k - 1] == b[i].time) {
			m->cum[k - 1] += b[i].prob;
		} else {
			m->sorted[k] = b[i].time;
			m->cum[k++] = b[i].prob;
		}
	}
	free(b);
	if (k == 0)
		return io_jerr(ld->err, ld->doc, e,
				 "pet probabilities are all 0: at least one "
				 "must be > 0");
	double total = 0.0, moment = 0.0;
	for (uint32_t i = 0; i < k; i++) {
		total += m->cum[i];
		moment += m->sorted[i] * m->cum[i];
	}
	if (!(total < INFINITY))
		return io_jerr(ld->err, ld->doc, e,
				 "pet probabilities sum to infinity");
	double run = 0.0;
	for (uint32_t i = 0; i < k; i++) {
		run += m->cum[i];
		m->cum[i] = run / total;
	}
	m->cum[k - 1] = 1.0; /* already, as run == total; made sure */
	m->n = k;
	*mean = moment / total;
	return 0;
}

/* Exact mean and a sanity check of the extremes; sorts empirical and
 * replay samples and PET bins. */
static int finish_model(loader *ld, const json_t *e, prof_model *m)
{
	const double *p = m->p;
	double mean = 0.0; /* every case sets it; -Wmaybe-uninitialized */
	int rc;
	switch (m->kind) {
	case PROF_CONSTANT:
		mean = p[0];
		break;
	case PROF_UNIFORM:
		mean = 0.5 * (p[0] + p[1]);
		break;
	case PROF_NORMAL: {
		/* mean of N(mu, sd) truncated to [0, inf): mu + sd * phi(a) /
		 * Q(a), a = -mu/sd; Q(a) is taken from the upper tail so the
		 * ratio stays accurate for large a */
		double a = -p[0] / p[1];
		double phi = exp(-0.5 * a * a) / sqrt(2.0 * M_PI);
		mean = p[0] + p[1] * phi / p[3];
		break;
	}
	case PROF_LOGNORMAL:
		mean = exp(p[0] + 0.5 * p[1] * p[1]);
		break;
	case PROF_GAMMA:
		mean = p[0] * p[1];
		break;
	case PROF_WEIBULL:
		mean = p[1] * exp(lgamma(1.0 + p[2]));
		break;
	case PROF_EXPONENTIAL:
		mean = p[0];
		break;
	case PROF_EMPIRICAL: {
		uint32_t n = m->n;
		const double *s = m->sorted;
		double sum = sort_samples(m);
		/* mean of the piecewise-linear quantile function that
		 * prof_model_quantile samples: trapezoids over n - 1 equal
		 * steps, i.e. the end points count half */
		mean = n == 1 ? s[0]
			      : (sum - 0.5 * (s[0] + s[n - 1])) / (n - 1);
		break;
	}
	case PROF_REPLAY:
		mean = sort_samples(m) / m->n;
		break;
	case PROF_PET:
		if ((rc = pet_finish(ld, e, m, &mean)))
			return rc;
		break;
	default:
		return io_jerr(ld->err, ld->doc, e,
				 "internal: bad model kind");
	}
	m->mean = mean + m->shift;
	double lo = prof_model_quantile(m, U_MIN);
	double hi = prof_model_quantile(m, U_MAX);
	if (!(m->mean < INFINITY) || !(hi < INFINITY) || !(lo >= 0.0))
		return io_jerr(ld->err, ld->doc, e,
				 "%s parameters give times that are not finite "
				 "(mean %g, largest %g)",
				 prof_model_name(m->kind), m->mean, hi);
	return 0;
}

/* Resolve the columns of every request in group against the header. */
static int bind_columns(const io_csv *r, csv_req **group, size_t ng,
			io_err *err)
{
	for (size_t g = 0; g < ng; g++) {
		csv_req *q = group[g];
		int rc = io_csv_need_col(r, q->column, &q->col, err);
		if (!rc && q->prob_column)
			rc = io_csv_need_col(r, q->prob_column, &q->prob_col,
					       err);
		if (rc)
			return rc;
		size_t w = 0;
		const char *k;
		const json_t *v;
		json_object_foreach ((json_t *)q->where, k, v) {
			if ((rc = io_csv_need_col(r, k, &q->where_col[w],
						    err)))
				return rc;
			q->where_val[w++] = json_string_value(v);
		}
	}
	return 0;
}

/* The number >= 0 in field col of the current row, times scale; what
 * ("time", "probability") names it in messages. A time beyond
 * IO_MAX_TIME_S is a typing error. */
static int row_number(const io_csv *r, int col, const char *column,
		      const char *what, double scale, double *out,
		      io_err *err)
{
	const char *f = io_csv_fields(r)[col];
	double x;
	if (io_parse_double(f, &x))
		return io_csv_errf(r, err, "bad number \"%s\" in column %s",
				     f, column);
	x *= scale;
	if (x < 0.0)
		return io_csv_errf(r, err, "negative %s %s in column %s",
				     what, f, column);
	if (!(x <= IO_MAX_TIME_S))
		return io_csv_errf(r, err,
				     "%s %s in column %s is larger than %g",
				     what, f, column, IO_MAX_TIME_S);
	*out = x;
	return 0;
}

static int take_row(const io_csv *r, csv_req *q, io_err *err)
{
	char *const *f = io_csv_fields(r);
	for (size_t w = 0; w < q->n_where; w++)
		if (strcmp(f[q->where_col[w]], q->where_val[w]) != 0)
			return 0;
	double x, prob = 0.0;
	int rc = row_number(r, q->col, q->column, "time", q->unit_s, &x, err);
	if (!rc && q->prob_column)
		rc = row_number(r, q->prob_col, q->prob_column, "probability",
				1.0, &prob, err);
	if (rc)
		return rc;
	if (q->n + 1 >= q->cap) { /* + 1: the padding sample */
		size_t cap = q->cap ? 2 * q->cap : 1024;
		double *v = realloc(q->v, cap * sizeof *v);
		if (v)
			q->v = v;
		double *w = v && q->prob_column ? realloc(q->w, cap * sizeof *w)
						: q->w;
		if (!v || (q->prob_column && !w))
			return io_errf(err, IO_ENOMEM, NULL, 0,
					 "out of memory");
		q->w = w;
		q->cap = cap;
	}
	if (q->prob_column)
		q->w[q->n] = prob;
	q->v[q->n++] = x;
	return 0;
}

/* One pass over a CSV file for every request in group. */
static int read_csv_group(loader *ld, csv_req **group, size_t ng)
{
	io_err *err = ld->err;
	io_csv *r;
	int rc = io_csv_open(&r, group[0]->path, err);
	if (rc)
		return rc;
	if (!(rc = io_csv_read_header(r, err)))
		rc = bind_columns(r, group, ng, err);
	while (!rc && (rc = io_csv_next(r, err)) == 1) {
		rc = io_csv_check_width(r, err);
		for (size_t g = 0; g < ng && !rc; g++)
			rc = take_row(r, group[g], err);
	}
	io_csv_close(r);
	return rc < 0 ? rc : 0;
}

/* Read every CSV named by an exec entry, each file once. */
static int load_csvs(loader *ld)
{
	csv_req **group = malloc((ld->n_reqs + 1) * sizeof *group);
	int rc = group ? 0 : oom(ld);
	for (size_t i = 0; !rc && i < ld->n_reqs; i++) {
		if (ld->reqs[i].done)
			continue;
		size_t ng = 0;
		for (size_t j = i; j < ld->n_reqs; j++)
			if (!ld->reqs[j].done &&
			    strcmp(ld->reqs[j].path, ld->reqs[i].path) == 0) {
				ld->reqs[j].done = 1;
				group[ng++] = &ld->reqs[j];
			}
		rc = read_csv_group(ld, group, ng);
	}
	for (size_t i = 0; !rc && i < ld->n_reqs; i++) {
		csv_req *q = &ld->reqs[i];
		if (q->n == 0) {
			rc = io_jerr(ld->err, ld->doc, q->entry,
				       q->where
					       ? "no rows of %s match \"where\""
					       : "no data rows in %s",
				       q->shown);
			break;
		}
		if (q->n >= UINT32_MAX) {
			rc = io_jerr(ld->err, ld->doc, q->entry,
				       "too many samples in %s", q->shown);
			break;
		}
		q->model->sorted = q->v; /* has room for the padding */
		q->model->cum = q->w;	 /* pet: raw probabilities */
		q->model->n = (uint32_t)q->n;
		q->v = NULL;
		q->w = NULL;
	}
	free(group);
	return rc;
}

static void free_reqs(loader *ld)
{
	for (size_t i = 0; i < ld->n_reqs; i++) {
		free(ld->reqs[i].path);
		free(ld->reqs[i].v);
		free(ld->reqs[i].w);
		free(ld->reqs[i].where_col);
		free(ld->reqs[i].where_val);
		json_decref(ld->reqs[i].entry);
	}
	free(ld->reqs);
	free(ld->first_entry);
}

static int load_profile_object(loader *ld, const json_t *root);

/* ---- lean loading ------------------------------------------------------
 *
 * jansson turns each small JSON object into about 1 KiB of nodes: a profile
 * of 10^5 task types on 3 machine types (300,000 exec entries, 27 MB of
 * text) took 314 MB as one document. prof_load therefore splits the text
 * itself: the root's members are parsed one by one, and the elements of
 * "task_types" and "exec" one at a time, each freed once used (an entry
 * backed by a CSV file is kept until the file is read). Every piece goes
 * through jansson (duplicate keys rejected) or, when flat, through
 * flat_object below, which reads it exactly as jansson would; what lies
 * between pieces must be whitespace and the right punctuation, so the
 * lean path accepts exactly the valid documents. It reports no error: on
 * any, prof_load loads the file again as one document, which reports the
 * first error as it always did (and a profile with "e2c_eet" is loaded
 * that way directly).
 */

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	return s;
}

/* Past the string starting at s ('"'), or NULL. */
static const char *skip_string(const char *s, const char *end)
{
	for (s++; s < end; s++) {
		if (*s == '\\')
			s++;
		else if (*s == '"')
			return s + 1;
	}
	return NULL;
}

/* Past the value starting at s, or NULL; the brackets are only counted:
 * jansson checks the value itself. */
static const char *skip_value(const char *s, const char *end)
{
	int depth = 0;
	do {
		if (s >= end)
			return NULL;
		char c = *s;
		if (c == '"') {
			s = skip_string(s, end);
			if (!s)
				return NULL;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth < 0)
				return NULL;
		} else if (depth == 0) { /* number, true, false, null */
			while (s < end && *s != ',' && *s != ']' && *s != '}' &&
			       *s != ' ' && *s != '\t' && *s != '\n' &&
			       *s != '\r')
				s++;
			return s;
		}
		s++;
	} while (depth > 0);
	return s;
}

static json_t *parse_piece(const char *s, const char *end)
{
	json_error_t je;
	return json_loadb(s, (size_t)(end - s),
			  JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
}

/* ---- flat elements without the JSON parser -----------------------------
 *
 * Nearly every element of "task_types" and "exec" is a flat object of short
 * strings and numbers ({"task": "t7", "machine": "gpu", "model":
 * "lognormal", "mu": -2.1, "sigma": 0.3}). Building it with jansson's API
 * costs about half of what json_loadb spends on it (most of a large
 * profile's load). flat_object reads only what it can read exactly as
 * json_loadb does: keys and strings of printable ASCII without escapes,
 * numbers in JSON's grammar made as jansson makes them (no '.', 'e' or 'E':
 * an integer by strtoll, so "-0" is 0; otherwise a real by strtod; out of
 * range: not read), no key twice. It declines anything else (NULL), and the
 * element goes to json_loadb as before, so every element, valid or not,
 * loads or fails exactly as it did.
 */

/* Past the string at s ('"') if flat_object reads it, else NULL. */
static const char *flat_string(const char *s, const char *end)
{
	for (s++; s < end; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"')
			return s + 1;
		if (c < 0x20 || c > 0x7e || c == '\\')
			return NULL;
	}
	return NULL;
}

static const char *skip_digits(const char *s, const char *end)
{
	while (s < end && *s >= '0' && *s <= '9')
		s++;
	return s;
}

/* The JSON number at s into *out (as jansson would make it); past it, or
 * NULL when flat_object does not read it. */
static const char *flat_number(const char *s, const char *end, json_t **out)
{
	const char *p = s + (s < end && *s == '-');
	int integer = 1;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		p = skip_digits(p, end);
	else
		return NULL;
	if (p < end && *p == '.') {
		const char *f = skip_digits(p + 1, end);
		if (f == p + 1)
			return NULL;
		p = f;
		integer = 0;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		p += p < end && (*p == '+' || *p == '-');
		const char *x = skip_digits(p, end);
		if (x == p)
			return NULL;
		p = x;
		integer = 0;
	}
	char text[64]; /* a copy ending in '\0': strtod reads no further */
	size_t n = (size_t)(p - s);
	if (n >= sizeof text)
		return NULL;
	memcpy(text, s, n);
	text[n] = '\0';
	/* all of it read, or declined (strtod follows the C library's locale,
	 * jansson reads '.' whatever the locale) */
	char *stop;
	errno = 0;
	if (integer) {
		long long v = strtoll(text, &stop, 10);
		*out = errno ? NULL : json_integer(v);
	} else {
		double v = strtod(text, &stop);
		*out = errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL)
			       ? NULL
			       : json_real(v);
	}
	if (*out && stop != text + n) {
		json_decref(*out);
		*out = NULL;
	}
	return *out ? p : NULL;
}

/* The flat object at s, *past set just past it; NULL if flat_object does
 * not read it (see above). */
static json_t *flat_object(const char *s, const char *end, const char **past)
{
	json_t *o = s < end && *s == '{' ? json_object() : NULL;
	if (!o)
		return NULL;
	s = skip_ws(s + 1, end);
	if (s < end && *s == '}') {
		*past = s + 1;
		return o;
	}
	for (;;) {
		const char *k_end = s < end && *s == '"' ? flat_string(s, end)
							 : NULL;
		char key[64];
		size_t k_len = k_end ? (size_t)(k_end - s) - 2 : sizeof key;
		if (k_len >= sizeof key)
			break;
		memcpy(key, s + 1, k_len);
		key[k_len] = '\0';
		s = skip_ws(k_end, end);
		if (json_object_get(o, key) || s >= end || *s != ':')
			break;
		s = skip_ws(s + 1, end);
		json_t *v = NULL;
		const char *v_end;
		if (s < end && *s == '"') {
			v_end = flat_string(s, end);
			if (v_end)
				v = json_stringn_nocheck(
					s + 1, (size_t)(v_end - s) - 2);
		} else {
			v_end = flat_number(s, end, &v);
		}
		if (!v || json_object_set_new_nocheck(o, key, v))
			break;
		s = skip_ws(v_end, end);
		if (s < end && *s == ',') {
			s = skip_ws(s + 1, end);
			continue;
		}
		if (s < end && *s == '}') {
			*past = s + 1;
			return o;
		}
		break;
	}
	json_decref(o);
	return NULL;
}

/* Count the elements of the array text [s, end) ('[' .. ']') and check the
 * punctuation between them. */
static int count_elems(const char *s, const char *end, size_t *n)
{
	*n = 0;
	s = skip_ws(s + 1, end);
	if (s < end && *s == ']')
		return s + 1 == end ? 0 : -1;
	for (;;) {
		const char *v = skip_value(s, end);
		if (!v)
			return -1;
		++*n;
		s = skip_ws(v, end);
		if (s < end && *s == ',') {
			s = skip_ws(s + 1, end);
			continue;
		}
		return s < end && *s == ']' && s + 1 == end ? 0 : -1;
	}
}

/* The root object of text, its members parsed except the arrays
 * "task_types" and "exec", which stay text (ld->lean_*; an empty array
 * stands in for each). NULL if the text is not one JSON object, or names
 * an E2C-Sim matrix. */
static json_t *lean_root(loader *ld, const char *text, const char *end)
{
	json_t *root = json_object();
	const char *s = skip_ws(text, end);
	if (!root || s >= end || *s != '{')
		goto fail;
	s = skip_ws(s + 1, end);
	if (s < end && *s == '}')
		s++;
	else
		for (;;) {
			const char *k_end = s < end && *s == '"'
						    ? skip_string(s, end)
						    : NULL;
			json_t *key = k_end ? parse_piece(s, k_end) : NULL;
			const char *name = json_string_value(key);
			const char *v = k_end ? skip_ws(k_end, end) : end;
			const char *v_end = NULL;
			if (v < end && *v == ':') {
				v = skip_ws(v + 1, end);
				v_end = skip_value(v, end);
			}
			elems *lean = !name ? NULL
				      : strcmp(name, "task_types") == 0
					      ? &ld->lean_tasks
				      : strcmp(name, "exec") == 0 ? &ld->lean_exec
								  : NULL;
			json_t *value = NULL;
			if (!v_end || !name || json_object_get(root, name) ||
			    strcmp(name, "e2c_eet") == 0)
				value = NULL;
			else if (lean && *v == '[')
				value = count_elems(v, v_end, &lean->n)
						? NULL
						: json_array();
			else
				value = parse_piece(v, v_end);
			if (value && lean && *v == '[') {
				lean->text = v;
				lean->end = v_end;
			}
			int bad = !value || json_object_set_new(root, name,
								 value);
			json_decref(key);
			if (bad)
				goto fail;
			s = skip_ws(v_end, end);
			if (s < end && *s == ',') {
				s = skip_ws(s + 1, end);
				continue;
			}
			if (s < end && *s == '}') {
				s++;
				break;
			}
			goto fail;
		}
	if (skip_ws(s, end) == end)
		return root;
fail:
	json_decref(root);
	return NULL;
}

/* An array member of root: its elements (in root, or lean text). */
static int get_elems(loader *ld, const json_t *root, const char *key,
		     int allow_empty, elems *out)
{
	const elems *lean = !ld->lean ? NULL
			    : strcmp(key, "exec") == 0 ? &ld->lean_exec
						       : &ld->lean_tasks;
	if (lean && lean->text) {
		*out = *lean;
		return !allow_empty && lean->n == 0 ? IO_EINPUT : 0;
	}
	const json_t *a = get_array(ld, root, key, allow_empty);
	*out = (elems){.arr = a, .n = json_array_size(a)};
	return a ? 0 : IO_EINPUT;
}

/* fn on each element (arr NULL when lean: the element is parsed, passed
 * and freed). */
static int each_elem(loader *ld, const elems *a,
		     int (*fn)(loader *ld, const json_t *arr, size_t i,
			       const json_t *o))
{
	const char *s = a->text ? a->text + 1 : NULL;
	for (size_t i = 0; i < a->n; i++) {
		if (!a->text) {
			int rc = fn(ld, a->arr, i, json_array_get(a->arr, i));
			if (rc)
				return rc;
			continue;
		}
		s = skip_ws(s, a->end);
		const char *v_end = NULL;
		json_t *o = flat_object(s, a->end, &v_end);
		if (!o) {
			v_end = skip_value(s, a->end);
			o = parse_piece(s, v_end); /* count_elems checked it */
		}
		int rc = o ? fn(ld, NULL, i, o) : IO_EINPUT;
		json_decref(o);
		if (rc)
			return rc;
		s = skip_ws(v_end, a->end) + 1; /* past ',' or ']' */
	}
	return 0;
}

/* One class of the relative "merge" object: its fraction for the task
 * types it lists. */
static int parse_merge_class(loader *ld, const json_t *c, const char *frac_key,
			     char *seen)
{
	static const char *const keys[] = {
		"class",  "shared_frac", "shared_frac_cpu", "tasks",
		"n_runs", "n_outputs",	 "rmse_pts",	    "rmse_pts_cpu",
		"below_longest", "campaign_ratio", "campaign_ratio_cpu", NULL};
	const io_jdoc *doc = ld->doc;
	prof_profile *p = ld->p;
	const char *name;
	double frac = 0;
	int rc;
	if ((rc = io_jcheck_keys(doc, c, keys, ld->err)) ||
	    (rc = io_jget_str(doc, c, "class", 1, &name, ld->err)))
		return rc;
	const json_t *tasks = json_object_get(c, "tasks");
	if (!tasks)
		return 0; /* a fitted class no task type belongs to */
	if (!json_is_array(tasks))
		return io_jerr(ld->err, doc, tasks,
			       "\"tasks\" must be an array of task type names");
	if ((rc = io_jget_num(doc, c, frac_key, 1, &frac, ld->err)))
		return rc;
	if (!(frac <= 1) || frac < -10)
		return io_jerr(ld->err, doc, json_object_get(c, frac_key),
			       "%s of class \"%s\" must be between -10 and 1 "
			       "(the part of a request's time a merged run pays "
			       "once), not %g", frac_key, name, frac);
	size_t i;
	const json_t *t;
	json_array_foreach(tasks, i, t)
	{
		int k = json_is_string(t) ? prof_task_index(p, json_string_value(t)) : -2;
		if (k == -2)
			return io_jerr_at(ld->err, doc, tasks, NULL, i,
					  "a task type name must be a string");
		if (k < 0)
			return io_jerr(ld->err, doc, t, "unknown task type \"%s\"",
				       json_string_value(t));
		if (seen[k])
			return io_jerr(ld->err, doc, t,
				       "task type \"%s\" is in a second merge class",
				       json_string_value(t));
		seen[k] = 1;
		p->merge_frac[k] = frac;
	}
	return 0;
}

/* The relative "merge" object (profile.h): a shared fraction per task
 * type. */
static int parse_merge_relative(loader *ld, const json_t *obj)
{
	static const char *const keys[] = {
		"model", "time", "classes", "n_runs", "train", "rmse_pts",
		"rmse_pts_cpu", "source", "notes", NULL};
	const io_jdoc *doc = ld->doc;
	prof_profile *p = ld->p;
	const char *model = NULL, *time = "real";
	int rc;
	if ((rc = io_jcheck_keys(doc, obj, keys, ld->err)) ||
	    (rc = io_jget_str(doc, obj, "model", 1, &model, ld->err)) ||
	    (rc = io_jget_str(doc, obj, "time", 0, &time, ld->err)))
		return rc;
	if (strcmp(model, "relative") != 0)
		return io_jerr(ld->err, doc, json_object_get(obj, "model"),
			       "merge model \"%s\": the object form is "
			       "\"relative\" (the absolute form is an array)", model);
	if (strcmp(time, "real") != 0 && strcmp(time, "cpu") != 0)
		return io_jerr(ld->err, doc, json_object_get(obj, "time"),
			       "merge \"time\" is \"real\" or \"cpu\", not \"%s\"",
			       time);
	const json_t *classes = json_object_get(obj, "classes");
	if (!json_is_array(classes))
		return io_jerr(ld->err, doc, classes ? classes : obj,
			       "the relative merge model needs \"classes\": an "
			       "array of {\"class\", \"shared_frac\", \"tasks\"}");
	p->merge_frac = calloc(p->n_tasks, sizeof *p->merge_frac);
	char *seen = calloc(p->n_tasks ? p->n_tasks : 1, 1);
	rc = (!p->merge_frac || !seen) ? oom(ld) : 0;
	const char *frac_key = strcmp(time, "cpu") == 0 ? "shared_frac_cpu"
							: "shared_frac";
	size_t i;
	const json_t *c;
	json_array_foreach(classes, i, c)
	{
		if (rc)
			break;
		if (!json_is_object(c))
			rc = io_jerr_at(ld->err, doc, classes, NULL, i,
					"a merge class must be an object");
		else
			rc = parse_merge_class(ld, c, frac_key, seen);
	}
	free(seen);
	return rc;
}

/* The "merge" array: the shared part of a run per machine type (or the
 * relative object). */
static int parse_merge(loader *ld, const json_t *arr)
{
	static const char *const keys[] = {
		"machine", "shared_s",	    "shared_se",  "per_output_s",
		"residual_sd", "r2",	    "n",	  "heldout_mae_s",
		"noise_sd_s",  "source",    NULL};
	const io_jdoc *doc = ld->doc;
	prof_profile *p = ld->p;
	if (json_is_object(arr))
		return parse_merge_relative(ld, arr);
	if (!json_is_array(arr))
		return io_jerr(ld->err, doc, arr,
				 "\"merge\" must be an array of "
				 "{\"machine\": NAME, \"shared_s\": S} or a "
				 "relative model object");
	p->merge_shared_s = calloc(p->n_machines, sizeof *p->merge_shared_s);
	char *seen = calloc(p->n_machines, 1);
	int rc = (!p->merge_shared_s || !seen) ? oom(ld) : 0;
	size_t i;
	const json_t *o;
	json_array_foreach(arr, i, o)
	{
		const char *name;
		double shared;
		if (rc)
			break;
		if (!json_is_object(o)) {
			rc = io_jerr_at(ld->err, doc, arr, NULL, i,
					  "a merge entry must be an object");
			break;
		}
		if ((rc = io_jcheck_keys(doc, o, keys, ld->err)) ||
		    (rc = io_jget_str(doc, o, "machine", 1, &name, ld->err)) ||
		    (rc = io_jget_nonneg(doc, o, "shared_s", 1, &shared,
					   ld->err)))
			break;
		int m = prof_machine_index(p, name);
		if (m < 0)
			rc = io_jerr(ld->err, doc, json_object_get(o, "machine"),
				       "unknown machine type \"%s\"", name);
		else if (seen[m])
			rc = io_jerr(ld->err, doc, o,
				       "a second merge entry for \"%s\"", name);
		else {
			seen[m] = 1;
			p->merge_shared_s[m] = shared;
		}
	}
	free(seen);
	return rc;
}

/* A profile object, after expanding an E2C-Sim EET matrix if it names
 * one (profiles/e2c.h). */
static int load_profile(loader *ld, const json_t *root)
{
	if (!json_is_object(root) || !json_object_get(root, "e2c_eet"))
		return load_profile_object(ld, root);
	json_t *expanded;
	int rc = prof_e2c_expand(ld->doc, root, &expanded, ld->err);
	if (rc)
		return rc;
	rc = load_profile_object(ld, expanded);
	json_decref(expanded);
	return rc;
}

static int load_profile_object(loader *ld, const json_t *root)
{
	static const char *const root_keys[] = {
		"machine_types", "task_types", "exec", "source", "notes", "merge",
		"e2c_eet", NULL};
	const io_jdoc *doc = ld->doc;
	prof_profile *p = ld->p;
	const char *text;
	int rc;
	if (!json_is_object(root))
		return io_jerr(ld->err, doc, root,
				 "a profile must be a JSON object");
	if ((rc = io_jcheck_keys(doc, root, root_keys, ld->err)) ||
	    (rc = io_jget_str(doc, root, "source", 0, &text, ld->err)) ||
	    (rc = io_jget_str(doc, root, "notes", 0, &text, ld->err)))
		return rc;
	const json_t *mts = get_array(ld, root, "machine_types", 0);
	elems tts, exec;
	if (!mts || (rc = get_elems(ld, root, "task_types", 0, &tts)) ||
	    (rc = get_elems(ld, root, "exec", 1, &exec)))
		return IO_EINPUT;
	size_t nm = json_array_size(mts), nt = tts.n;
	if (nm > INT32_MAX || nt > INT32_MAX ||
	    nm * nt > SIZE_MAX / 2 / sizeof(prof_model))
		return io_jerr(ld->err, doc, root, "too many types");
	p->machines = calloc(nm, sizeof *p->machines);
	p->tasks = calloc(nt, sizeof *p->tasks);
	p->models = calloc(nm * nt, sizeof *p->models);
	ld->first_entry = calloc(nm * nt, sizeof *ld->first_entry);
	p->index = calloc(1, sizeof *p->index);
	if (!p->machines || !p->tasks || !p->models || !ld->first_entry ||
	    !p->index || names_init(&p->index->tasks, nt) ||
	    names_init(&p->index->machines, nm))
		return oom(ld);
	p->n_machines = (uint32_t)nm; /* set now: prof_free walks them all */
	p->n_tasks = (uint32_t)nt;
	for (size_t i = 0; i < nm * nt; i++)
		p->models[i].mean = INFINITY;
	for (uint32_t i = 0; i < nm; i++)
		if ((rc = parse_machine(ld, mts, i)))
			return rc;
	if ((rc = each_elem(ld, &tts, parse_task)) ||
	    (rc = each_elem(ld, &exec, parse_exec)))
		return rc;
	for (uint32_t t = 0; t < nt; t++) {
		uint32_t m = 0;
		while (m < nm && !prof_can_run(p, t, m))
			m++;
		if (m == nm)
			return io_jerr(ld->err, doc, json_array_get(tts.arr, t),
					 "task type \"%s\" has no exec entry: "
					 "it cannot run on any machine type",
					 p->tasks[t].name);
	}
	if ((rc = load_csvs(ld)))
		return rc;
	const json_t *merge = json_object_get(root, "merge");
	if (merge && (rc = parse_merge(ld, merge)))
		return rc;
	for (size_t i = 0; i < nm * nt; i++)
		if (p->models[i].kind != PROF_NONE &&
		    (rc = finish_model(ld, ld->first_entry[i], &p->models[i])))
			return rc;
	return 0;
}

/* The profile in node of doc, by ld (its err and lean already set). */
static int load_doc(loader *ld, const io_jdoc *doc, const json_t *node,
		    prof_profile **out)
{
	*out = NULL;
	/* GSL's default error handler aborts the process (e.g. on an underflow
	 * inside an incomplete gamma function); parameters are validated here
	 * and results checked, so errors stay values. */
	gsl_set_error_handler_off();
	prof_profile *p = calloc(1, sizeof *p);
	ld->doc = doc;
	ld->p = p;
	if (!p || !(p->path = strdup(doc->path ? doc->path : "<profile>"))) {
		free(p);
		return io_errf(ld->err, IO_ENOMEM, doc->path, 0,
				 "out of memory");
	}
	int rc = load_profile(ld, node);
	free_reqs(ld);
	if (rc) {
		prof_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int prof_load_json(prof_profile **out, const io_jdoc *doc, const json_t *node,
		   io_err *err)
{
	loader ld = {.err = err};
	return load_doc(&ld, doc, node, out);
}

/* The lean way (see "lean loading" above); nonzero on any error, which it
 * does not describe. */
static int load_lean(prof_profile **out, const char *path)
{
	io_err quiet = {.code = IO_EINPUT}; /* set: nothing is written */
	loader ld = {.err = &quiet, .lean = 1};
	char *text;
	size_t len;
	*out = NULL;
	if (io_read_file(path, &text, &len, &quiet))
		return IO_EINPUT;
	if (len >= 3 && memcmp(text, IO_UTF8_BOM, 3) == 0)
		memset(text, ' ', 3); /* as io_jdoc_load does */
	json_t *root = lean_root(&ld, text, text + len);
	io_jdoc doc = {.root = root, .text = text, .len = len,
		       .path = (char *)path};
	int rc = root ? load_doc(&ld, &doc, root, out) : IO_EINPUT;
	json_decref(root);
	free(text);
	return rc;
}

int prof_load(prof_profile **out, const char *path, io_err *err)
{
	io_jdoc doc;
	if (load_lean(out, path) == 0)
		return 0;
	int rc = io_jdoc_load(&doc, path, err);
	if (rc)
		return rc;
	rc = prof_load_json(out, &doc, doc.root, err);
	io_jdoc_free(&doc);
	return rc;
}

void prof_free(prof_profile *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; p->machines && i < p->n_machines; i++) {
		free(p->machines[i].name);
		free(p->machines[i].accelerator);
	}
	for (uint32_t i = 0; p->tasks && i < p->n_tasks; i++) {
		free(p->tasks[i].name);
		free(p->tasks[i].kind);
	}
	if (p->models)
		for (size_t i = 0; i < (size_t)p->n_machines * p->n_tasks;
		     i++) {
			free(p->models[i].sorted);
			free(p->models[i].cum);
			free(p->models[i].source);
		}
	free(p->machines);
	free(p->tasks);
	free(p->models);
	free(p->merge_shared_s);
	free(p->merge_frac);
	free(p->path);
	index_free(p->index);
	free(p);
}

int prof_machine_index(const prof_profile *p, const char *name)
{
	if (p && name && p->index)
		return machine_index(p, name);
	for (uint32_t i = 0; p && name && i < p->n_machines; i++)
		if (p->machines[i].name &&
		    strcmp(p->machines[i].name, name) == 0)
			return (int)i;
	return -1;
}

int prof_task_index(const prof_profile *p, const char *name)
{
	if (p && name && p->index)
		return task_index(p, name);
	for (uint32_t i = 0; p && name && i < p->n_tasks; i++)
		if (p->tasks[i].name && strcmp(p->tasks[i].name, name) == 0)
			return (int)i;
	return -1;
}
