/*
 * sim/sweep/sweep.c — sweeps (`hetsim sweep`, sim/cli/sweep.c): run an experiment over a design of
 * parameter values, in parallel, streaming one JSON line per (case, policy)
 * to a results file that a later run resumes.
 *
 *   hetsim sweep SWEEP.json [-j N] [--results FILE.jsonl] [--list]
 *        [--case-timeout SECONDS|none] [--force]
 *   hetsim sweep SWEEP.json --slice I/N [-j N] [--results FILE.jsonl]
 *   hetsim sweep SWEEP.json --merge [--results FILE.jsonl]
 *   hetsim sweep SWEEP.json --slurm [--slurm-tasks N] [--slurm-opt OPT]...
 *   mpirun -np K hetsim sweep SWEEP.json --mpi [--results FILE.jsonl]
 *   hetsim sweep [SWEEP.json] --summarise RESULTS.jsonl --x PARAM
 *        --metric NAME [-o table.csv] [--plot out.svg]
 *
 * A sweep file:
 *   {"base": "assistive_ml.json",       (relative to the sweep file)
 *    "design": "grid" | "random" | "lhs",
 *    "samples": 20, "seed": 1,          (random / lhs)
 *    "parameters": {"workload.rate_per_s": [50, 100]       (grid)
 *                   or {"min": 50, "max": 300, "integer": true}},
 *    "replications": 3,                 (seeds base seed + r)
 *    "policies": ["mct", "minmin"],     (instead of the base's)
 *    "results": "out/sweep.jsonl"}      (relative to the working directory)
 *
 * Case i is point i / replications, replication i % replications; its id
 * is "c%04zu". A grid is never expanded: point p is computed from p, and
 * the cases are counted first (more than 10^6 need --force). Every case's
 * experiment is built, not run, before anything runs (replications differ
 * only in the seed, so each point once, and each entry of "policies"
 * once), so a bad value fails at once naming its parameter and line.
 *
 * One run at a time per results file: RESULTS.lock (a slice: its part's
 * lock) carries an fcntl lock and the holder's pid for the whole run, and
 * for --merge. Each case has a time limit (--case-timeout): a worker that
 * exceeds it (stopped, hung) is killed, its case reported failed and a new
 * worker takes its place; the run ends with status 1 and a rerun resumes.
 * --summarise counts identical duplicate records (same case, policy and
 * replication) once and refuses conflicting ones. A case's lines are written with one write(2) on an O_APPEND
 * descriptor, so workers never interleave and a case is in the file whole
 * or not at all — except after a kill in mid-write, which the next run
 * repairs: lines that do not parse, and the lines of cases that are not
 * complete, are removed (the file is rewritten atomically), so no line is
 * ever duplicated.
 *
 * Slices, for clusters. O_APPEND is not atomic across the nodes of a
 * network file system, so `--slice I/N` (cases with i % N == I) writes its
 * own file RESULTS.part-I, resumable in the same way (it also skips the
 * cases already in RESULTS, which it only reads). `--merge`, and the start
 * of every run that is not a slice, folds the complete cases of the part
 * files into RESULTS — each case once, the file rewritten atomically — and
 * then removes the parts; a merge cut short is simply done again. `--slurm`
 * writes RESULTS.sbatch, a job array of one slice per task plus a merge job
 * that waits for them (--dependency=afterok). `--mpi`: see sim/sweep/mpi.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "sim/base/out.h"
#include "sim/sim.h"
#include "sim/sweep/sweep.h"
#include "sim/base/clock.h"

/* more cases than this need --force */
#define SWEEP_MAX_CASES 1000000
/* a run of more cases or simulated tasks than these says how big it is */
#define SWEEP_LONG_CASES 10000
#define SWEEP_LONG_TASKS 1e8
/* the default time limit of a case: SWEEP_FIRST_LIMIT_S until one has
 * ended, then max(SWEEP_MIN_LIMIT_S, SWEEP_LIMIT_FACTOR x the longest) */
#define SWEEP_FIRST_LIMIT_S 600.0
#define SWEEP_MIN_LIMIT_S   60.0
#define SWEEP_LIMIT_FACTOR  10.0
/* how often a local run looks for late or dead workers */
#define SWEEP_POLL_MS 200
/* checking this many points takes seconds: say so */
#define SWEEP_LONG_CHECK 100000

typedef struct sweep_param {
	const char *path;   /* "a.b.c" of the experiment */
	const json_t *spec; /* array (grid) or {"min", "max", "integer"} */
	double min, max;
	int integer;
} sweep_param;

struct sim_sweep {
	io_jdoc doc;
	char *base;        /* resolved path of the base experiment */
	const char *results;
	sweep_param *params;
	size_t n_params;
	int grid;          /* point p is computed from p (nothing expanded) */
	size_t *stride;    /* grid: points per step of parameter d */
	json_t *points;    /* random, lhs: n_points arrays of n_params values */
	size_t n_points, reps, n_cases;
	uint64_t seed0;    /* the base experiment's seed */
	const char *policy_key; /* "policy" or "policies": what the base uses */
	const json_t *policies; /* the sweep's override, or NULL */
	size_t n_policies; /* lines per case */
	double base_tasks; /* the base's workload.tasks, 0 if none */
};

int sim_sweep_status(const io_err *err)
{
	return err->code == IO_EINPUT ? 2 : 1;
}

int sim_sweep_fail(const io_err *err)
{
	fprintf(stderr, "hetsim: %s\n", err->msg);
	return sim_sweep_status(err);
}

static void case_id(char *buf, size_t cap, size_t i)
{
	snprintf(buf, cap, "c%04zu", i);
}

/* ---- design expansion ------------------------------------------------- */

/* Multiply *n by k; 0, or -1 (and *n = SIZE_MAX) on overflow. */
static int mul_count(size_t *n, size_t k)
{
	if (k && *n > SIZE_MAX / k) {
		*n = SIZE_MAX;
		return -1;
	}
	*n *= k;
	return 0;
}

/* A grid is never expanded: point p is p written in the mixed radix of the
 * parameters' list lengths, the last parameter varying fastest, so a grid
 * of 10^9 points costs no memory. Sets stride; -1 if the count overflows. */
static int grid_count(sim_sweep *sw)
{
	size_t n = 1;
	int rc = 0;
	for (size_t d = sw->n_params; d-- > 0;) {
		sw->stride[d] = n;
		rc |= mul_count(&n, json_array_size(sw->params[d].spec));
	}
	sw->n_points = n;
	return rc;
}

/* The value of parameter d at point p (borrowed); *index, if given, gets
 * its position in a grid list. */
static const json_t *point_value(const sim_sweep *sw, size_t p, size_t d,
				 size_t *index)
{
	if (!sw->grid)
		return json_array_get(json_array_get(sw->points, p), d);
	size_t k = p / sw->stride[d] % json_array_size(sw->params[d].spec);
	if (index)
		*index = k;
	return json_array_get(sw->params[d].spec, k);
}

static json_t *range_value(const sweep_param *sp, double u01)
{
	if (sp->integer) {
		double lo = ceil(sp->min), hi = floor(sp->max);
		double v = lo + floor(u01 * (hi - lo + 1));
		return json_integer((json_int_t)(v > hi ? hi : v));
	}
	return sim_json_num(sp->min + u01 * (sp->max - sp->min));
}

/* random: independent uniform points; lhs: dimension d of point i lies in
 * stratum perm_d[i] of n equal strata, the permutations independent. */
static int expand_sampled(sim_sweep *sw, size_t n, uint64_t seed, int lhs,
			  io_err *err)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	size_t *perm = calloc(sw->n_params * n, sizeof *perm);
	if (!rng || !perm) {
		gsl_rng_free(rng);
		free(perm);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	gsl_rng_set(rng, (unsigned long)seed);
	for (size_t d = 0; lhs && d < sw->n_params; d++) {
		size_t *pd = perm + d * n;
		for (size_t i = 0; i < n; i++)
			pd[i] = i;
		gsl_ran_shuffle(rng, pd, n, sizeof *pd);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *pt = json_array();
		for (size_t d = 0; d < sw->n_params; d++) {
			double u = gsl_rng_uniform(rng);
			if (lhs)
				u = ((double)perm[d * n + i] + u) / (double)n;
			json_array_append_new(pt, range_value(&sw->params[d], u));
		}
		json_array_append_new(sw->points, pt);
	}
	gsl_rng_free(rng);
	free(perm);
	return 0;
}

/* ---- loading ---------------------------------------------------------- */

static void sweep_free(sim_sweep *sw)
{
	free(sw->base);
	free(sw->params);
	free(sw->stride);
	json_decref(sw->points);
	io_jdoc_free(&sw->doc);
}

static int load_param(sim_sweep *sw, sweep_param *sp, const char *key,
		      const json_t *v, int grid, io_err *err)
{
	const io_jdoc *doc = &sw->doc;
	sp->path = key;
	sp->spec = v;
	if (!*key || strchr(key, '='))
		return io_jerr(err, doc, v, "bad parameter path \"%s\"", key);
	if (grid) {
		if (!json_is_array(v) || json_array_size(v) == 0)
			return io_jerr(err, doc, v,
					 "grid parameter \"%s\" needs a non-empty list of values",
					 key);
		return 0;
	}
	static const char *const keys[] = {"min", "max", "integer", NULL};
	if (!json_is_object(v))
		return io_jerr(err, doc, v,
				 "parameter \"%s\" needs {\"min\": .., \"max\": ..}", key);
	int rc = io_jcheck_keys(doc, v, keys, err);
	if (!rc)
		rc = io_jget_num(doc, v, "min", 1, &sp->min, err);
	if (!rc)
		rc = io_jget_num(doc, v, "max", 1, &sp->max, err);
	const json_t *integer = json_object_get(v, "integer");
	if (!rc && integer && !json_is_boolean(integer))
		rc = io_jerr_at(err, doc, v, "integer", 0,
				  "\"integer\" must be true or false");
	sp->integer = json_is_true(integer);
	if (!rc && !(sp->min < sp->max))
		rc = io_jerr(err, doc, v, "parameter \"%s\": min must be < max", key);
	if (!rc && !isfinite(sp->max - sp->min))
		rc = io_jerr(err, doc, v, "parameter \"%s\": max - min is not a finite number",
			       key);
	/* integers are drawn as doubles: beyond 2^53 they are not exact */
	if (!rc && sp->integer && (fabs(sp->min) > 0x1p53 || fabs(sp->max) > 0x1p53))
		rc = io_jerr(err, doc, v,
			       "parameter \"%s\": an integer range must lie within "
			       "+-9007199254740992 (2^53)",
			       key);
	if (!rc && sp->integer && ceil(sp->min) > floor(sp->max))
		rc = io_jerr(err, doc, v, "parameter \"%s\": no integer in [min, max]",
			       key);
	return rc;
}

/* {"path": value} of case i */
static json_t *case_params(const sim_sweep *sw, size_t i)
{
	json_t *o = json_object();
	for (size_t d = 0; d < sw->n_params; d++)
		json_object_set(o, sw->params[d].path,
				(json_t *)point_value(sw, i / sw->reps, d, NULL));
	return o;
}

/* Which parameters a case's experiment gets: all, none (the base alone),
 * or one, d >= 0 (to find which one makes a case bad). */
#define ALL_PARAMS (-1L)
#define NO_PARAMS  (-2L)

/* The --set overrides of case i (and policy entry pol of the sweep's
 * override list, or pol < 0) with the parameters which. Returns the count;
 * strings are malloc'd. */
static size_t case_sets(const sim_sweep *sw, size_t i, long pol, long which,
			char **sets)
{
	size_t n = 0;
	for (size_t d = 0; d < sw->n_params; d++) {
		if (which != ALL_PARAMS && which != (long)d)
			continue;
		char *v = json_dumps(point_value(sw, i / sw->reps, d, NULL),
				     JSON_COMPACT | JSON_ENCODE_ANY);
		size_t len = strlen(sw->params[d].path) + (v ? strlen(v) : 4) + 2;
		sets[n] = malloc(len);
		if (sets[n])
			snprintf(sets[n], len, "%s=%s", sw->params[d].path, v ? v : "null");
		free(v);
		n++;
	}
	char buf[64];
	snprintf(buf, sizeof buf, "seed=%llu",
		 (unsigned long long)(sw->seed0 + i % sw->reps));
	sets[n++] = strdup(buf);
	sets[n++] = strdup("replications=1");
	sets[n++] = strdup("output.dir=\"\"");
	if (pol >= 0) {
		const json_t *p = json_array_get(sw->policies, (size_t)pol);
		json_t *wrap = strcmp(sw->policy_key, "policy") == 0
				       ? json_incref((json_t *)p) : json_pack("[O]", p);
		char *v = json_dumps(wrap, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(wrap);
		size_t len = strlen(sw->policy_key) + (v ? strlen(v) : 4) + 2;
		sets[n] = malloc(len);
		if (sets[n])
			snprintf(sets[n], len, "%s=%s", sw->policy_key, v ? v : "null");
		free(v);
		n++;
	}
	return n;
}

static void free_sets(char **sets, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(sets[k]);
}

static int load_case(const sim_sweep *sw, size_t i, long pol, long which,
		     sim_experiment **x, io_err *err)
{
	char **sets = calloc(sw->n_params + 4, sizeof *sets);
	if (!sets)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	size_t n = case_sets(sw, i, pol, which, sets);
	int rc = 0;
	for (size_t k = 0; k < n; k++)
		if (!sets[k])
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = sim_experiment_load_set(x, sw->base, (const char *const *)sets, n, err);
	free_sets(sets, n);
	free(sets);
	return rc;
}

/* An error of a case's experiment without its "BASE:LINE: " prefix (the
 * sweep file's line takes its place). */
static const char *inner_text(const sim_sweep *sw, const char *msg)
{
	size_t n = strlen(sw->base);
	if (strncmp(msg, sw->base, n) != 0 || msg[n] != ':')
		return msg;
	msg += n + 1;
	msg += strspn(msg, "0123456789");
	msg += *msg == ':';
	return msg + strspn(msg, " ");
}

/* Can case i's experiment (policy entry pol, parameters which) be built?
 * Nothing runs. *inner gets the error; *n_policies, if given, the runs. */
static int try_case(const sim_sweep *sw, size_t i, long pol, long which,
		    io_err *inner, size_t *n_policies)
{
	sim_experiment *x = NULL;
	memset(inner, 0, sizeof *inner);
	int rc = load_case(sw, i, pol, which, &x, inner);
	if (!rc && n_policies)
		*n_policies = sim_experiment_policies(x);
	sim_experiment_free(x);
	return rc;
}

/* "value" of a JSON value, for messages (at most 60 bytes) */
void sim_sweep_value_text(char *buf, size_t cap, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(buf, cap, "%.60s", s ? s : "?");
	free(s);
}

/* Validate point p of the design (its first replication: the others differ
 * only in the seed) with policy entry pol. An error names the sweep file's
 * line of the parameter that is bad on its own (with the base's other
 * values) and its value, else the case's whole set of values. */
static int check_point(const sim_sweep *sw, size_t p, long pol, int base_ok,
		       io_err *err)
{
	io_err inner;
	size_t i = p * sw->reps;
	if (!try_case(sw, i, pol, ALL_PARAMS, &inner, NULL))
		return 0;
	const io_jdoc *doc = &sw->doc;
	char id[32], val[80];
	case_id(id, sizeof id, i);
	if (inner.code != IO_EINPUT) {
		*err = inner;
		return inner.code;
	}
	for (size_t d = 0; base_ok && d < sw->n_params; d++) {
		io_err alone;
		if (!try_case(sw, i, pol, (long)d, &alone, NULL))
			continue;
		size_t k = 0;
		const sweep_param *sp = &sw->params[d];
		sim_sweep_value_text(val, sizeof val, point_value(sw, p, d, &k));
		const char *what = inner_text(sw, alone.msg);
		return sw->grid ? io_jerr_at(err, doc, sp->spec, NULL, k,
					       "parameter \"%s\" value %s (case %s): %s",
					       sp->path, val, id, what)
				: io_jerr(err, doc, sp->spec,
					    "parameter \"%s\" value %s (case %s): %s",
					    sp->path, val, id, what);
	}
	json_t *params = case_params(sw, i);
	sim_sweep_value_text(val, sizeof val, params);
	json_decref(params);
	return io_jerr(err, doc, json_object_get(doc->root, "parameters"),
			 "parameters %s (case %s): %s", val, id,
			 inner_text(sw, inner.msg));
}

/* Validate every case before any runs: each policy entry of the sweep's
 * list with the first point, then every point. Sets sw->n_policies. */
static int check_cases(sim_sweep *sw, io_err *err)
{
	io_err inner;
	const io_jdoc *doc = &sw->doc;
	size_t n_pol = sw->policies ? json_array_size(sw->policies) : 0;
	int base_ok = !try_case(sw, 0, sw->policies ? 0 : -1, NO_PARAMS, &inner,
				&sw->n_policies);
	for (size_t j = 1; base_ok && j < n_pol; j++) {
		if (!try_case(sw, 0, (long)j, NO_PARAMS, &inner, NULL) ||
		    inner.code != IO_EINPUT)
			continue;
		char val[80];
		sim_sweep_value_text(val, sizeof val, json_array_get(sw->policies, j));
		return io_jerr_at(err, doc, sw->policies, NULL, j, "policy %s: %s",
				    val, inner_text(sw, inner.msg));
	}
	int rc = 0;
	if (sw->n_points >= SWEEP_LONG_CHECK)
		fprintf(stderr, "sweep: checking the experiments of %zu points\n",
			sw->n_points);
	for (size_t p = 0; !rc && p < sw->n_points; p++)
		rc = check_point(sw, p, sw->policies ? 0 : -1, base_ok, err);
	if (!rc && !base_ok) /* the runs a case makes: from a whole case */
		rc = try_case(sw, 0, sw->policies ? 0 : -1, ALL_PARAMS, &inner,
			      &sw->n_policies);
	if (sw->policies)
		sw->n_policies = n_pol;
	return rc;
}

static int sweep_load(sim_sweep *sw, const char *path, int force,
		      io_err *err)
{
	memset(sw, 0, sizeof *sw);
	int rc = io_jdoc_load(&sw->doc, path, err);
	if (rc)
		return rc;
	const io_jdoc *doc = &sw->doc;
	const json_t *root = doc->root;
	static const char *const keys[] = {
		"name", "description", "base", "design", "samples", "seed",
		"parameters", "replications", "policies", "results", NULL};
	if (!json_is_object(root))
		return io_jerr(err, doc, root, "a sweep must be a JSON object");
	rc = io_jcheck_keys(doc, root, keys, err);
	const char *base = NULL, *design = "grid";
	if (!rc)
		rc = io_jget_str(doc, root, "base", 1, &base, err);
	if (!rc)
		rc = io_jget_str(doc, root, "design", 0, &design, err);
	if (!rc)
		rc = io_jget_str(doc, root, "results", 0, &sw->results, err);
	int grid = strcmp(design, "grid") == 0, lhs = strcmp(design, "lhs") == 0;
	sw->grid = grid;
	if (!rc && !grid && !lhs && strcmp(design, "random") != 0)
		rc = io_jerr(err, doc, json_object_get(root, "design"),
			       "unknown design \"%s\" (grid, random or lhs)", design);
	uint64_t samples = 0, seed = 1, reps = 1;
	if (!rc)
		rc = io_jget_u64(doc, root, "samples", !grid, &samples, err);
	if (!rc && grid && json_object_get(root, "samples"))
		rc = io_jerr(err, doc, json_object_get(root, "samples"),
			       "\"samples\" is for the random and lhs designs");
	if (!rc && !grid && (samples < 1 || samples > 1000000))
		rc = io_jerr(err, doc, json_object_get(root, "samples"),
			       "\"samples\" must be in 1..1000000");
	if (!rc)
		rc = io_jget_u64(doc, root, "seed", 0, &seed, err);
	if (!rc)
		rc = io_jget_u64(doc, root, "replications", 0, &reps, err);
	if (!rc && (reps < 1 || reps > 100000))
		rc = io_jerr(err, doc, json_object_get(root, "replications"),
			       "\"replications\" must be in 1..100000");
	sw->reps = reps;
	const json_t *params = json_object_get(root, "parameters");
	if (!rc && (!json_is_object(params) || json_object_size(params) == 0))
		rc = io_jerr(err, doc, params ? params : root,
			       "\"parameters\" must be a non-empty object");
	if (!rc) {
		sw->n_params = json_object_size(params);
		sw->params = calloc(sw->n_params, sizeof *sw->params);
		sw->stride = calloc(sw->n_params, sizeof *sw->stride);
		sw->points = grid ? NULL : json_array();
		if (!sw->params || !sw->stride || (!grid && !sw->points))
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	if (!rc) {
		const char *key;
		json_t *v;
		size_t d = 0;
		/* jansson >= 2.8 iterates objects in insertion (file) order */
		json_object_foreach((json_t *)params, key, v) {
			if ((rc = load_param(sw, &sw->params[d++], key, v, grid, err)))
				break;
		}
	}
	sw->policies = json_object_get(root, "policies");
	if (!rc && sw->policies &&
	    (!json_is_array(sw->policies) || json_array_size(sw->policies) == 0))
		rc = io_jerr(err, doc, sw->policies,
			       "\"policies\" must be a non-empty array");
	/* the base experiment: its seed and which policy key it uses */
	if (!rc) {
		const json_t *bnode = json_object_get(root, "base");
		sw->base = io_jdoc_resolve(doc, base);
		io_jdoc bdoc;
		io_err inner = {0};
		if (!sw->base)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		if (io_jdoc_load(&bdoc, sw->base, &inner))
			return io_jerr(err, doc, bnode, "base experiment: %s", inner.msg);
		sw->seed0 = 1;
		if (!json_is_object(bdoc.root) ||
		    io_jget_u64(&bdoc, bdoc.root, "seed", 0, &sw->seed0, &inner))
			rc = io_jerr(err, doc, bnode, "base experiment: %s",
				       inner.msg[0] ? inner.msg : "not a JSON object");
		sw->policy_key = json_object_get(bdoc.root, "policy") ? "policy" : "policies";
		sw->base_tasks = json_number_value(json_object_get(
			json_object_get(bdoc.root, "workload"), "tasks"));
		io_jdoc_free(&bdoc);
	}
	/* count before expanding anything: a grid is never expanded, a
	 * random or lhs design only once it is known to be small enough */
	if (!rc) {
		size_t n = grid ? 0 : (size_t)samples;
		int over = grid ? grid_count(sw) : 0;
		if (!grid)
			sw->n_points = n;
		n = sw->n_points;
		over |= mul_count(&n, sw->reps);
		sw->n_cases = n;
		if (over)
			rc = io_jerr(err, doc, params,
				       "the sweep has more than %zu cases: too many to run",
				       (size_t)SIZE_MAX);
		else if (n > SWEEP_MAX_CASES && !force)
			rc = io_jerr(err, doc, params,
				       "the sweep has %zu cases (%zu points x %zu "
				       "replications), more than %d: give --force to "
				       "run it anyway",
				       n, sw->n_points, sw->reps, SWEEP_MAX_CASES);
	}
	if (!rc && !grid)
		rc = expand_sampled(sw, samples, seed, lhs, err);
	if (!rc)
		rc = check_cases(sw, err);
	return rc;
}

int sim_sweep_open(sim_sweep **out, const char *path, const char *results,
		   unsigned flags, io_err *err)
{
	sim_sweep *sw = calloc(1, sizeof *sw);
	*out = sw;
	if (!sw)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	int rc = sweep_load(sw, path, flags & SIM_SWEEP_FORCE, err);
	if (!rc && results)
		sw->results = results;
	if (!rc && (flags & SIM_SWEEP_NEED_RESULTS) && !sw->results)
		rc = io_errf(err, IO_EINPUT, path, 0,
			       "no \"results\" file (give one, or --results)");
	return rc;
}

void sim_sweep_close(sim_sweep *sw)
{
	if (sw)
		sweep_free(sw);
	free(sw);
}

size_t sim_sweep_n_cases(const sim_sweep *sw)
{
	return sw->n_cases;
}

const char *sim_sweep_results(const sim_sweep *sw)
{
	return sw->results;
}

void sim_sweep_announce(const sim_sweep *sw, size_t todo)
{
	double tasks = 0;
	long d_tasks = -1;
	for (size_t d = 0; d < sw->n_params; d++)
		if (strcmp(sw->params[d].path, "workload.tasks") == 0)
			d_tasks = (long)d;
	for (size_t p = 0; p < sw->n_points; p++)
		tasks += d_tasks < 0 ? sw->base_tasks
				     : json_number_value(point_value(
					       sw, p, (size_t)d_tasks, NULL));
	tasks *= (double)sw->reps * (double)sw->n_policies;
	if (todo < SWEEP_LONG_CASES && tasks < SWEEP_LONG_TASKS)
		return;
	fprintf(stderr, "sweep: %zu cases to run (of %zu) x %zu policies", todo,
		sw->n_cases, sw->n_policies);
	if (tasks > 0)
		fprintf(stderr, ", about %.3g simulated tasks in all", tasks *
			(double)todo / (double)(sw->n_cases ? sw->n_cases : 1));
	fputs(": a long run\n", stderr);
}

/* mkdir -p of the results file's directory */
int sim_sweep_mkdir(const sim_sweep *sw, io_err *err)
{
	char dir[1100];
	snprintf(dir, sizeof dir, "%s", sw->results);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	return sim_mkdirs(dir, err);
}

/* ---- the lock --------------------------------------------------------- */

/* Take the advisory lock (fcntl) of file, on file + ".lock", which then
 * holds our pid; *fd gets its descriptor (-1 on error). Another holder is
 * an error naming its pid. A lock file unlinked by its holder between our
 * open and our lock is not ours: open again. */
/* file + ".lock" into lock[cap]; -1 if it does not fit */
static int lock_name(char *lock, size_t cap, const char *file)
{
	int n = snprintf(lock, cap, "%s.lock", file);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int sim_sweep_lock(const char *file, int *fd, io_err *err)
{
	char lock[4200];
	*fd = -1;
	if (lock_name(lock, sizeof lock, file))
		return io_errf(err, IO_EINPUT, file, 0, "path too long");
	for (int tries = 0; tries < 100; tries++) {
		int f = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (f < 0)
			return io_errf(err, IO_EIO, lock, 0, "%s", strerror(errno));
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if (fcntl(f, F_SETLK, &fl) != 0) {
			int e = errno;
			char buf[32] = "";
			ssize_t n = e == EACCES || e == EAGAIN
					    ? pread(f, buf, sizeof buf - 1, 0) : -1;
			long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
			if (pid <= 0 && fcntl(f, F_GETLK, &fl) == 0 &&
			    fl.l_type != F_UNLCK)
				pid = (long)fl.l_pid;
			close(f);
			if (e != EACCES && e != EAGAIN)
				return io_errf(err, IO_EIO, lock, 0, "lock: %s",
						 strerror(e));
			return io_errf(err, IO_EIO, file, 0,
					 "in use by another hetsim sweep (pid %ld, lock "
					 "%s): wait for it to end, or stop it",
					 pid, lock);
		}
		struct stat held, named;
		if (fstat(f, &held) != 0 || stat(lock, &named) != 0 ||
		    held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
			close(f);
			continue;
		}
		char pid[32];
		int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)n, 0) != n) {
			int e = errno;
			unlink(lock);
			close(f);
			return io_errf(err, IO_EIO, lock, 0, "%s", strerror(e));
		}
		*fd = f;
		return 0;
	}
	return io_errf(err, IO_EIO, lock, 0, "cannot take the lock");
}

void sim_sweep_unlock(const char *file, int fd)
{
	if (fd < 0)
		return;
	char lock[4200];
	if (lock_name(lock, sizeof lock, file) == 0)
		unlink(lock); /* before the close: no one can lock it in between */
	close(fd);
}

/* Lock file (the results file or a part) for a run or a merge, making
 * its directory first. */
static int lock_results(const sim_sweep *sw, const char *file, int *lock,
			io_err *err)
{
	int rc = sim_sweep_mkdir(sw, err);
	return rc ? rc : sim_sweep_lock(file, lock, err);
}

/* ---- running a case --------------------------------------------------- */

static int append_line(FILE *f, const sim_sweep *sw, size_t i, const sim_result *r)
{
	char id[32];
	case_id(id, sizeof id, i);
	json_t *o = json_object(), *m = json_object();
	json_object_set_new(o, "case", json_string(id));
	json_object_set_new(o, "replication", json_integer((json_int_t)(i % sw->reps)));
	json_object_set_new(o, "params", case_params(sw, i));
	json_object_set_new(o, "policy", json_string(r->label));
	for (int k = 0; k < SIM_N_METRICS; k++)
		json_object_set_new(m, sim_metric_name(k), sim_json_num(sim_metric_value(r, k)));
	json_object_set_new(o, "metrics", m);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return -1;
	fputs(s, f);
	fputc('\n', f);
	free(s);
	return 0;
}

int sim_sweep_case_text(const sim_sweep *sw, size_t i, char **text, size_t *len,
			io_err *err)
{
	*text = NULL;
	*len = 0;
	FILE *f = open_memstream(text, len);
	if (!f)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	size_t n_loads = sw->policies ? json_array_size(sw->policies) : 1;
	int rc = 0;
	for (size_t j = 0; j < n_loads && !rc; j++) {
		sim_experiment *x = NULL;
		rc = load_case(sw, i, sw->policies ? (long)j : -1, ALL_PARAMS,
			       &x, err);
		if (rc)
			break;
		size_t n = sim_experiment_policies(x);
		sim_result *res = calloc(n, sizeof *res);
		sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
		o.quiet = 1;
		o.out_dir = "";
		o.tasks_csv = 0;
		if (!res)
			rc = io_errf(err, IO_ENOMEM, NULL, 0,
				       "out of memory");
		if (!rc)
			rc = sim_run_experiment(x, &o, NULL, res, err);
		for (size_t k = 0; k < n && !rc; k++)
			if (append_line(f, sw, i, &res[k]))
				rc = io_errf(err, IO_ENOMEM, NULL, 0,
					       "out of memory");
		free(res);
		sim_experiment_free(x);
	}
	if (fclose(f) != 0 && !rc)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (rc) {
		free(*text);
		*text = NULL;
		*len = 0;
	}
	return rc;
}

int sim_sweep_append(const char *path, int fd, const char *text, size_t len,
		     io_err *err)
{
	ssize_t w = write(fd, text, len);
	if (w < 0 || (size_t)w != len)
		return io_errf(err, IO_EIO, path, 0, "write: %s",
				 w < 0 ? strerror(errno) : "short write");
	return 0;
}

/* Run case i and append its lines to path (open as fd). */
static int run_case(const sim_sweep *sw, size_t i, const char *path, int fd,
		    io_err *err)
{
	char *text;
	size_t len;
	int rc = sim_sweep_case_text(sw, i, &text, &len, err);
	if (!rc)
		rc = sim_sweep_append(path, fd, text, len, err);
	free(text);
	return rc;
}

/* ---- resuming --------------------------------------------------------- */

/* Index of case id s, or (size_t)-1. */
static size_t case_index(const char *s, size_t n_cases)
{
	char *end;
	if (s[0] != 'c' || s[1] < '0' || s[1] > '9')
		return (size_t)-1;
	unsigned long long v = strtoull(s + 1, &end, 10);
	char id[32];
	if (*end || v >= n_cases)
		return (size_t)-1;
	case_id(id, sizeof id, (size_t)v);
	return strcmp(id, s) == 0 ? (size_t)v : (size_t)-1;
}

/* line_case of a line that parses but is of no case of this sweep (kept),
 * and of one that does not parse (dropped) */
#define LINE_FOREIGN ((size_t)-1)
#define LINE_TORN    ((size_t)-2)

/* A results file read whole, its lines attributed to cases. */
typedef struct results_text {
	char *text;
	size_t len, n_lines;
	size_t *line_case; /* case index, LINE_FOREIGN or LINE_TORN */
	size_t *line_start;
	size_t *count; /* lines per case */
	int dirty;     /* torn lines or incomplete cases */
} results_text;

static void results_free(results_text *t)
{
	free(t->text);
	free(t->line_case);
	free(t->line_start);
	free(t->count);
	memset(t, 0, sizeof *t);
}

static int complete(const sim_sweep *sw, const results_text *t, size_t ci)
{
	return ci < sw->n_cases && t->count[ci] >= sw->n_policies;
}

static int read_whole(const char *path, char **text, size_t *len, io_err *err)
{
	*text = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 0
				       : io_errf(err, IO_EIO, path, 0, "%s",
						   strerror(errno));
	size_t cap = 0, got;
	char chunk[65536];
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (*len + got + 1 > cap) {
			cap = 2 * (*len + got + 1);
			char *nt = realloc(*text, cap);
			if (!nt) {
				fclose(f);
				return io_errf(err, IO_ENOMEM, NULL, 0,
						 "out of memory");
			}
			*text = nt;
		}
		memcpy(*text + *len, chunk, got);
		*len += got;
	}
	int bad_read = ferror(f);
	fclose(f);
	return bad_read ? io_errf(err, IO_EIO, path, 0, "read error") : 0;
}

/* Read a results file (a missing one is empty) into t. */
static int results_read(const sim_sweep *sw, const char *path, results_text *t,
			io_err *err)
{
	memset(t, 0, sizeof *t);
	int rc = read_whole(path, &t->text, &t->len, err);
	t->count = calloc(sw->n_cases ? sw->n_cases : 1, sizeof *t->count);
	if (!rc && !t->count)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	size_t line_cap = 0;
	for (size_t pos = 0; !rc && pos < t->len;) {
		char *nl = memchr(t->text + pos, '\n', t->len - pos);
		size_t end = nl ? (size_t)(nl - t->text) : t->len;
		size_t ci = LINE_TORN;
		json_t *v = nl ? json_loadb(t->text + pos, end - pos, 0, NULL)
			       : NULL;
		const char *cs = json_string_value(json_object_get(v, "case"));
		if (cs && json_is_string(json_object_get(v, "policy")) &&
		    json_is_object(json_object_get(v, "metrics"))) {
			ci = case_index(cs, sw->n_cases);
			if (ci != LINE_FOREIGN)
				t->count[ci]++;
		} else {
			t->dirty = 1;
		}
		json_decref(v);
		if (t->n_lines == line_cap) {
			line_cap = line_cap ? 2 * line_cap : 256;
			size_t *a = realloc(t->line_case, line_cap * sizeof *a);
			if (a)
				t->line_case = a;
			size_t *b =
				a ? realloc(t->line_start, line_cap * sizeof *b)
				  : NULL;
			if (b)
				t->line_start = b;
			if (!a || !b) {
				rc = io_errf(err, IO_ENOMEM, NULL, 0,
					       "out of memory");
				break;
			}
		}
		t->line_case[t->n_lines] = ci;
		t->line_start[t->n_lines++] = pos;
		pos = nl ? end + 1 : t->len;
	}
	for (size_t i = 0; !rc && i < sw->n_cases; i++)
		if (t->count[i] > 0 && !complete(sw, t, i))
			t->dirty = 1;
	if (rc)
		results_free(t);
	return rc;
}

/* Set done[i] for each complete case of t; *n_new counts those not set. */
static void mark_done(const sim_sweep *sw, const results_text *t,
		      unsigned char *done, size_t *n_new)
{
	for (size_t i = 0; i < sw->n_cases; i++)
		if (!done[i] && complete(sw, t, i)) {
			done[i] = 1;
			++*n_new;
		}
}

/* Copy to f the lines of t's complete cases that are not in skip (if
 * given), and its lines of other sweeps if keep_foreign. */
static void put_lines(const sim_sweep *sw, const results_text *t,
		      const unsigned char *skip, int keep_foreign, FILE *f)
{
	for (size_t l = 0; l < t->n_lines; l++) {
		size_t ci = t->line_case[l];
		size_t end = l + 1 < t->n_lines ? t->line_start[l + 1] : t->len;
		if (ci == LINE_FOREIGN
			    ? keep_foreign
			    : complete(sw, t, ci) && !(skip && skip[ci]))
			fwrite(t->text + t->line_start[l], 1,
			       end - t->line_start[l], f);
	}
}

/* Read results file path; mark done[i] for each complete case (*n_new
 * counts the new ones); if repair, drop its torn lines and the lines of
 * incomplete cases (rewriting the file atomically). */
static int scan_file(const sim_sweep *sw, const char *path, unsigned char *done,
		     size_t *n_new, int repair, io_err *err)
{
	results_text t;
	int rc = results_read(sw, path, &t, err);
	if (rc)
		return rc;
	mark_done(sw, &t, done, n_new);
	if (repair && t.dirty) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (f)
			put_lines(sw, &t, NULL, 1, f);
		if (!f || fclose(f) != 0)
			rc = io_errf(err, IO_ENOMEM, NULL, 0,
				       "out of memory");
		if (!rc)
			rc = sim_write_text(path, text ? text : "", len, err);
		free(text);
	}
	results_free(&t);
	return rc;
}

typedef struct part_file {
	unsigned long slice;
	char *path;
} part_file;

static int by_slice(const void *pa, const void *pb)
{
	const part_file *a = pa, *b = pb;
	return a->slice < b->slice ? -1 : a->slice > b->slice;
}

static void free_parts(part_file *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(p[k].path);
	free(p);
}

/* The part files of slices, RESULTS.part-<I>, in the order of I. */
static int list_parts(const char *results, part_file **out, size_t *n,
		      io_err *err)
{
	*out = NULL;
	*n = 0;
	const char *slash = strrchr(results, '/');
	const char *base = slash ? slash + 1 : results;
	size_t dir_len = slash ? (size_t)(slash - results) : 0;
	char dir[1100], prefix[1100];
	snprintf(dir, sizeof dir, "%.*s", (int)dir_len, results);
	snprintf(prefix, sizeof prefix, "%s.part-", base);
	DIR *d = opendir(!slash ? "." : dir_len ? dir : "/");
	if (!d)
		return errno == ENOENT
			       ? 0
			       : io_errf(err, IO_EIO, slash ? dir : ".", 0,
					   "%s", strerror(errno));
	size_t cap = 0, plen = strlen(prefix);
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		const char *num = e->d_name + plen;
		if (strncmp(e->d_name, prefix, plen) != 0 || !*num ||
		    strspn(num, "0123456789") != strlen(num) || strlen(num) > 9)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			part_file *np = realloc(*out, cap * sizeof *np);
			if (!np) {
				rc = io_errf(err, IO_ENOMEM, NULL, 0,
					       "out of memory");
				break;
			}
			*out = np;
		}
		size_t len = strlen(results) + strlen(num) + 8;
		char *path = malloc(len);
		if (!path) {
			rc = io_errf(err, IO_ENOMEM, NULL, 0,
				       "out of memory");
			break;
		}
		snprintf(path, len, "%s.part-%s", results, num);
		(*out)[*n].slice = strtoul(num, NULL, 10);
		(*out)[(*n)++].path = path;
	}
	closedir(d);
	if (rc) {
		free_parts(*out, *n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	if (*n)
		qsort(*out, *n, sizeof **out, by_slice);
	return 0;
}

/* Fold the complete cases of the part files into the results file, each
 * case once (those already there win), write it atomically and remove the
 * parts. Cut short anywhere, it is simply done again: a part that outlives
 * the rewrite brings only cases that are then already in. */
static int merge_parts(const sim_sweep *sw, size_t *n_merged, size_t *n_parts,
		       io_err *err)
{
	part_file *parts;
	size_t np, ignore = 0;
	*n_merged = 0;
	int rc = list_parts(sw->results, &parts, &np, err);
	*n_parts = np;
	if (rc || np == 0)
		return rc;
	unsigned char *done = calloc(sw->n_cases ? sw->n_cases : 1, 1);
	int *locks = malloc(np * sizeof *locks);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!done || !f || !locks)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	/* a slice still running keeps its part: merge none of them */
	size_t n_locked = 0;
	for (; !rc && n_locked < np; n_locked++)
		if ((rc = sim_sweep_lock(parts[n_locked].path, &locks[n_locked], err)))
			break;
	results_text t;
	for (size_t k = 0; !rc && k <= np; k++) {
		const char *path = k == 0 ? sw->results : parts[k - 1].path;
		if ((rc = results_read(sw, path, &t, err)))
			break;
		put_lines(sw, &t, done, k == 0, f);
		mark_done(sw, &t, done, k == 0 ? &ignore : n_merged);
		results_free(&t);
	}
	if (f && fclose(f) != 0 && !rc)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = sim_write_text(sw->results, text ? text : "", len, err);
	for (size_t k = 0; !rc && k < np; k++)
		if (unlink(parts[k].path) != 0 && errno != ENOENT)
			rc = io_errf(err, IO_EIO, parts[k].path, 0,
				       "cannot remove: %s", strerror(errno));
	for (size_t k = 0; k < n_locked; k++)
		sim_sweep_unlock(parts[k].path, locks[k]);
	free(locks);
	free(text);
	free(done);
	free_parts(parts, np);
	return rc;
}

/* --merge: fold the parts in and report. */
int sim_sweep_merge_only(const sim_sweep *sw)
{
	io_err err = {0};
	size_t merged, parts, n_done = 0;
	unsigned char *done = calloc(sw->n_cases ? sw->n_cases : 1, 1);
	int lock = -1;
	int rc = done ? lock_results(sw, sw->results, &lock, &err)
		      : io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = merge_parts(sw, &merged, &parts, &err);
	if (!rc)
		rc = scan_file(sw, sw->results, done, &n_done, 1, &err);
	sim_sweep_unlock(sw->results, lock);
	free(done);
	if (rc)
		return sim_sweep_fail(&err);
	fprintf(stderr,
		"sweep: merged %zu cases from %zu part files into %s (%zu of "
		"%zu cases done)\n",
		merged, parts, sw->results, n_done, sw->n_cases);
	return 0;
}

int sim_sweep_resume(const sim_sweep *sw, unsigned char *done, size_t *n_done,
		     int *lock, io_err *err)
{
	size_t merged = 0, parts = 0;
	*n_done = 0;
	int rc = lock_results(sw, sw->results, lock, err);
	if (!rc)
		rc = merge_parts(sw, &merged, &parts, err);
	if (!rc && parts)
		fprintf(stderr,
			"sweep: merged %zu cases from %zu part files into %s\n",
			merged, parts, sw->results);
	if (!rc)
		rc = scan_file(sw, sw->results, done, n_done, 1, err);
	if (!rc && *n_done)
		fprintf(stderr,
			"sweep: skipped %zu of %zu cases (already in %s)\n",
			*n_done, sw->n_cases, sw->results);
	return rc;
}

/* The same for slice I of N, whose file is part: the results file is only
 * read (other slices may be reading it too), the part repaired; cases of
 * other slices are marked done. *todo counts what is left to run. */
static int resume_slice(const sim_sweep *sw, const char *part, size_t slice,
			size_t n_slices, unsigned char *done, size_t *todo,
			int *lock, io_err *err)
{
	size_t n_done = 0, in_slice = 0, skipped = 0;
	int rc = lock_results(sw, part, lock, err);
	if (!rc)
		rc = scan_file(sw, sw->results, done, &n_done, 0, err);
	if (!rc)
		rc = scan_file(sw, part, done, &n_done, 1, err);
	for (size_t i = 0; !rc && i < sw->n_cases; i++) {
		if (i % n_slices != slice) {
			done[i] = 1;
			continue;
		}
		in_slice++;
		skipped += done[i];
	}
	*todo = in_slice - skipped;
	if (!rc && skipped)
		fprintf(stderr,
			"sweep: slice %zu/%zu: skipped %zu of %zu cases "
			"(already in %s or %s)\n",
			slice, n_slices, skipped, in_slice, sw->results, part);
	return rc;
}

/* ---- workers and progress --------------------------------------------- */

/* A worker's message: case index started (START) or ended with rc. */
typedef struct sweep_msg {
	uint32_t index;
	int32_t rc;
	uint32_t slot; /* the worker's */
	uint32_t kind;
} sweep_msg;
enum { MSG_START, MSG_END };

void sim_sweep_limit_init(sim_sweep_limit *l, double timeout_s)
{
	l->timeout_s = timeout_s;
	l->longest_s = -1;
}

void sim_sweep_limit_case(sim_sweep_limit *l, double seconds)
{
	if (seconds > l->longest_s)
		l->longest_s = seconds;
}

double sim_sweep_limit_now(const sim_sweep_limit *l)
{
	if (l->timeout_s != SIM_SWEEP_TIMEOUT_AUTO)
		return l->timeout_s;
	if (l->longest_s < 0)
		return SWEEP_FIRST_LIMIT_S;
	double t = SWEEP_LIMIT_FACTOR * l->longest_s;
	return t > SWEEP_MIN_LIMIT_S ? t : SWEEP_MIN_LIMIT_S;
}

void sim_sweep_limit_text(const sim_sweep_limit *l, char *buf, size_t cap)
{
	double t = sim_sweep_limit_now(l);
	if (l->timeout_s != SIM_SWEEP_TIMEOUT_AUTO)
		snprintf(buf, cap, "the --case-timeout of %g s", t);
	else if (l->longest_s < 0)
		snprintf(buf, cap, "the default limit of %g s until a case has "
			 "ended (give --case-timeout SECONDS or none)", t);
	else
		snprintf(buf, cap, "the default limit of %g s (max(%g s, %g x the "
			 "longest case so far); give --case-timeout SECONDS or "
			 "none)", t, SWEEP_MIN_LIMIT_S, SWEEP_LIMIT_FACTOR);
}

double sim_sweep_now(void)
{
	return sim_clock_s();
}

static void case_error(size_t i, const char *msg)
{
	char id[32];
	case_id(id, sizeof id, i);
	fprintf(stderr, "%shetsim: case %s: %s\n", isatty(2) ? "\n" : "", id,
		msg);
}

static void progress_bar(const sim_sweep_progress *p)
{
	char bar[21];
	size_t fill = p->todo ? p->finished * 20 / p->todo : 20;
	for (size_t k = 0; k < 20; k++)
		bar[k] = k < fill ? '#' : '.';
	bar[20] = 0;
	double el = sim_clock_s() - p->t0;
	long eta = p->finished
			   ? (long)(el / (double)p->finished *
					    (double)(p->todo - p->finished) +
				    0.5)
			   : 0;
	fprintf(stderr, "\r[%s] %zu/%zu cases, ETA %02ld:%02ld", bar,
		p->finished, p->todo, eta / 60, eta % 60);
	fflush(stderr);
}

void sim_sweep_progress_start(sim_sweep_progress *p, size_t todo)
{
	memset(p, 0, sizeof *p);
	p->todo = todo;
	p->t0 = sim_clock_s();
	p->tty = isatty(2);
	if (p->tty)
		progress_bar(p);
}

void sim_sweep_progress_case(sim_sweep_progress *p, size_t i, int rc,
			     const char *msg)
{
	p->finished++;
	if (rc)
		p->failed++;
	if (msg)
		case_error(i, msg);
	if (p->tty) {
		progress_bar(p);
	} else if (!rc) {
		char id[32];
		case_id(id, sizeof id, i);
		fprintf(stderr, "case %s done (%zu/%zu)\n", id, p->finished,
			p->todo);
	}
}

int sim_sweep_progress_end(sim_sweep_progress *p)
{
	if (p->tty)
		fputc('\n', stderr);
	if (p->failed) {
		fprintf(stderr, "hetsim: sweep: %zu of %zu cases failed\n",
			p->failed, p->todo);
		return 1;
	}
	if (p->finished != p->todo) {
		fprintf(stderr,
			"hetsim: sweep: only %zu of %zu cases reported\n",
			p->finished, p->todo);
		return 1;
	}
	return 0;
}

/* Workers take the next case from a counter shared by all of them, so a
 * worker that drew quick cases takes more (dynamic load balance). Each
 * says when it starts a case and when it ends it, so that the parent can
 * time it. */
static void worker(const sim_sweep *sw, const unsigned char *done,
		   size_t *next_case, pid_t parent, const char *path, int fd,
		   int msg_fd, uint32_t slot)
{
#ifdef __linux__
	/* a worker whose parent is killed outright stops too */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(1);
	for (;;) {
		size_t i = __atomic_fetch_add(next_case, 1, __ATOMIC_RELAXED);
		if (i >= sw->n_cases)
			break;
		if (done[i])
			continue;
		sweep_msg m = {(uint32_t)i, 0, slot, MSG_START};
		if (write(msg_fd, &m, sizeof m) != (ssize_t)sizeof m)
			_exit(1);
		io_err err = {0};
		int rc = run_case(sw, i, path, fd, &err);
		if (rc)
			case_error(i, err.msg);
		m.rc = rc;
		m.kind = MSG_END;
		if (write(msg_fd, &m, sizeof m) != (ssize_t)sizeof m)
			_exit(1);
	}
	_exit(0);
}

/* The parent's view of a run: the workers, by slot, and the case each is
 * running since when. */
typedef struct local_run {
	const sim_sweep *sw;
	const unsigned char *done;
	size_t *next_case; /* shared with the workers */
	const char *path;
	int fd, pfd[2];
	pid_t parent;
	pid_t pid[SIM_SWEEP_MAX_JOBS]; /* 0: no worker in the slot */
	long running[SIM_SWEEP_MAX_JOBS]; /* case index, -1 between cases */
	double since[SIM_SWEEP_MAX_JOBS]; /* start of the case, or of the wait */
	size_t n_slots, live;
	sim_sweep_limit limit;
	sim_sweep_progress progress;
	int rc;
} local_run;

static int spawn(local_run *r, size_t k)
{
	pid_t pid = fork();
	if (pid == 0) {
		close(r->pfd[0]);
		worker(r->sw, r->done, r->next_case, r->parent, r->path, r->fd,
		       r->pfd[1], (uint32_t)k);
	}
	if (pid < 0) {
		fprintf(stderr, "hetsim: sweep: fork: %s\n", strerror(errno));
		r->rc = 1;
		return -1;
	}
	r->pid[k] = pid;
	r->running[k] = -1;
	r->since[k] = sim_clock_s();
	r->live++;
	return 0;
}

/* Read the messages waiting in the pipe (it is non-blocking). */
static void drain(local_run *r)
{
	sweep_msg m;
	while (read(r->pfd[0], &m, sizeof m) == (ssize_t)sizeof m) {
		if (m.slot >= r->n_slots)
			continue;
		if (m.kind == MSG_START) {
			r->running[m.slot] = (long)m.index;
			r->since[m.slot] = sim_clock_s();
			continue;
		}
		sim_sweep_limit_case(&r->limit, sim_clock_s() - r->since[m.slot]);
		r->running[m.slot] = -1;
		r->since[m.slot] = sim_clock_s();
		sim_sweep_progress_case(&r->progress, m.index, m.rc, NULL);
	}
}

/* Slot k's worker ended with wait status st (or was killed for its case
 * being late: late). A case it was running is reported failed, and while
 * cases remain a new worker takes its place. */
static void worker_ended(local_run *r, size_t k, int st, const char *late)
{
	char msg[400];
	r->pid[k] = 0;
	r->live--;
	if (r->running[k] >= 0) {
		if (late)
			snprintf(msg, sizeof msg, "%s", late);
		else if (WIFSIGNALED(st))
			snprintf(msg, sizeof msg, "its worker died (signal %d)",
				 WTERMSIG(st));
		else
			snprintf(msg, sizeof msg, "its worker exited (status %d)",
				 WEXITSTATUS(st));
		sim_sweep_progress_case(&r->progress, (size_t)r->running[k], 1, msg);
		r->running[k] = -1;
	} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		r->rc = 1;
	}
	if (late || !WIFEXITED(st) || WEXITSTATUS(st))
		if (__atomic_load_n(r->next_case, __ATOMIC_RELAXED) < r->sw->n_cases)
			spawn(r, k);
}

/* Kill the workers whose case (or wait between cases, which takes no
 * time) has run past the limit. */
static void kill_late(local_run *r)
{
	double limit = sim_sweep_limit_now(&r->limit), t = sim_clock_s();
	for (size_t k = 0; k < r->n_slots; k++) {
		if (!r->pid[k] || t - r->since[k] <= limit)
			continue;
		char why[300], late[400];
		int st;
		sim_sweep_limit_text(&r->limit, why, sizeof why);
		snprintf(late, sizeof late,
			 "no result within %s: its worker (pid %ld) was stopped "
			 "or hung and is killed", why, (long)r->pid[k]);
		kill(r->pid[k], SIGKILL);
		waitpid(r->pid[k], &st, 0);
		drain(r); /* it may have ended the case just now */
		if (r->running[k] < 0) {
			fprintf(stderr,
				"hetsim: sweep: no result within %s: worker (pid "
				"%ld) was stopped or hung between cases and is "
				"killed\n", why, (long)r->pid[k]);
			r->rc = 1;
		}
		worker_ended(r, k, st, late);
	}
}

/* Serve the workers until every one has ended: read their messages, time
 * their cases, reap them. */
static void serve_local(local_run *r)
{
	while (r->live > 0) {
		struct pollfd pf = {r->pfd[0], POLLIN, 0};
		poll(&pf, 1, SWEEP_POLL_MS);
		drain(r);
		int st;
		pid_t pid;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			drain(r); /* what it wrote before it ended */
			for (size_t k = 0; k < r->n_slots; k++)
				if (r->pid[k] == pid)
					worker_ended(r, k, st, NULL);
		}
		kill_late(r);
	}
	drain(r);
}

/* Run the todo cases not done with jobs forked workers, appending to path;
 * a case that runs past the limit (timeout_s) is killed and reported. */
static int run_local(const sim_sweep *sw, const char *path,
		     const unsigned char *done, size_t todo, size_t jobs,
		     double timeout_s)
{
	if (todo == 0)
		return 0;
	local_run *r = calloc(1, sizeof *r);
	if (!r) {
		fprintf(stderr, "hetsim: sweep: out of memory\n");
		return 1;
	}
	r->sw = sw;
	r->done = done;
	r->path = path;
	r->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (r->fd < 0 || pipe(r->pfd) != 0) {
		fprintf(stderr, "hetsim: %s: %s\n", path, strerror(errno));
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return 1;
	}
	fcntl(r->pfd[0], F_SETFL, O_NONBLOCK);
	sim_sweep_announce(sw, todo);
	r->n_slots = jobs > todo ? todo : jobs;
	r->next_case = mmap(NULL, sizeof *r->next_case, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->next_case == MAP_FAILED) {
		fprintf(stderr, "hetsim: sweep: mmap: %s\n", strerror(errno));
		close(r->fd);
		close(r->pfd[0]);
		close(r->pfd[1]);
		free(r);
		return 1;
	}
	*r->next_case = 0;
	r->parent = getpid();
	sim_sweep_limit_init(&r->limit, timeout_s);
	fflush(NULL);
	sim_sweep_progress_start(&r->progress, todo);
	for (size_t k = 0; k < r->n_slots; k++)
		if (spawn(r, k))
			break;
	serve_local(r);
	close(r->pfd[0]);
	close(r->pfd[1]);
	close(r->fd);
	munmap(r->next_case, sizeof *r->next_case);
	int rc = r->rc;
	if (r->progress.failed || !rc)
		rc |= sim_sweep_progress_end(&r->progress);
	else if (r->progress.tty)
		fputc('\n', stderr);
	free(r);
	return rc;
}

/* A local run, of the whole sweep or of slice I of N (n_slices > 0). */
int sim_sweep_run(const sim_sweep *sw, size_t jobs, size_t slice,
		  size_t n_slices, double timeout_s)
{
	io_err err = {0};
	unsigned char *done = calloc(sw->n_cases ? sw->n_cases : 1, 1);
	char part[1100];
	size_t n_done = 0, todo = 0;
	if (!done)
		return 1;
	snprintf(part, sizeof part, "%s.part-%zu", sw->results, slice);
	int lock = -1;
	int rc = n_slices ? resume_slice(sw, part, slice, n_slices, done, &todo,
					 &lock, &err)
			  : sim_sweep_resume(sw, done, &n_done, &lock, &err);
	if (!n_slices)
		todo = sw->n_cases - n_done;
	rc = rc ? sim_sweep_fail(&err)
		: run_local(sw, n_slices ? part : sw->results, done, todo,
			    jobs, timeout_s);
	sim_sweep_unlock(n_slices ? part : sw->results, lock);
	free(done);
	return rc;
}

int sim_sweep_list(const sim_sweep *sw)
{
	sim_sweep_announce(sw, sw->n_cases);
	for (size_t i = 0; i < sw->n_cases; i++) {
		char id[32];
		case_id(id, sizeof id, i);
		json_t *o = json_object();
		json_object_set_new(o, "case", json_string(id));
		json_object_set_new(o, "replication", json_integer((json_int_t)(i % sw->reps)));
		json_object_set_new(o, "params", case_params(sw, i));
		char *s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (s)
			puts(s);
		free(s);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- --summarise ----------------------------------------------------- */

/* Before --summarise: with the sweep file, fold in the parts of its slices;
 * without, say that some are left out. */
int sim_sweep_fold_parts(const char *path, const char *summ)
{
	io_err err = {0};
	int rc = 0;
	if (path) {
		sim_sweep *sw;
		size_t merged, parts;
		int lock = -1;
		rc = sim_sweep_open(&sw, path, summ, SIM_SWEEP_NEED_RESULTS, &err);
		if (!rc)
			rc = lock_results(sw, summ, &lock, &err);
		if (!rc)
			rc = merge_parts(sw, &merged, &parts, &err);
		sim_sweep_unlock(summ, lock);
		if (!rc && parts)
			fprintf(stderr,
				"sweep: merged %zu cases from %zu part files "
				"into %s\n",
				merged, parts, summ);
		sim_sweep_close(sw);
	} else {
		part_file *parts;
		size_t np;
		rc = list_parts(summ, &parts, &np, &err);
		if (!rc && np)
			fprintf(stderr,
				"hetsim: sweep: warning: %zu part files of %s "
				"are left "
				"out (give the sweep file to merge them)\n",
				np, summ);
		if (!rc)
			free_parts(parts, np);
	}
	return rc ? sim_sweep_fail(&err) : 0;
}

