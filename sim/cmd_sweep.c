/*
 * sim/cmd_sweep.c — `hetsim sweep`: run an experiment over a design of
 * parameter values, in parallel, streaming one JSON line per (case, policy)
 * to a results file that a later run resumes.
 *
 *   hetsim sweep SWEEP.json [-j N] [--results FILE.jsonl] [--list]
 *   hetsim sweep --summarise RESULTS.jsonl --x PARAM --metric NAME
 *        [-o table.csv] [--plot out.svg]
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
 * is "c%04zu". A case's lines are written with one write(2) on an O_APPEND
 * descriptor, so workers never interleave and a case is in the file whole
 * or not at all — except after a kill in mid-write, which the next run
 * repairs: lines that do not parse, and the lines of cases that are not
 * complete, are removed (the file is rewritten atomically), so no line is
 * ever duplicated.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "sim/ci.h"
#include "sim/cmd.h"
#include "sim/out.h"
#include "sim/sim.h"

#define SWEEP_MAX_JOBS 256

typedef struct sweep_param {
	const char *path;   /* "a.b.c" of the experiment */
	const json_t *spec; /* array (grid) or {"min", "max", "integer"} */
	double min, max;
	int integer;
} sweep_param;

typedef struct sweep {
	prof_jdoc doc;
	char *base;        /* resolved path of the base experiment */
	const char *results;
	sweep_param *params;
	size_t n_params;
	json_t *points;    /* array of n_points arrays of n_params values */
	size_t n_points, reps, n_cases;
	uint64_t seed0;    /* the base experiment's seed */
	const char *policy_key; /* "policy" or "policies": what the base uses */
	const json_t *policies; /* the sweep's override, or NULL */
	size_t n_policies; /* lines per case */
} sweep;

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "hetsim: sweep: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see: hetsim help)\n");
	return 2;
}

static int fail(const prof_err *err)
{
	fprintf(stderr, "hetsim: %s\n", err->msg);
	return err->code == PROF_EINPUT ? 2 : 1;
}

static void case_id(char *buf, size_t cap, size_t i)
{
	snprintf(buf, cap, "c%04zu", i);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- design expansion ------------------------------------------------- */

static int expand_grid(sweep *sw, prof_err *err)
{
	size_t n = 1;
	for (size_t d = 0; d < sw->n_params; d++)
		n *= json_array_size(sw->params[d].spec);
	for (size_t p = 0; p < n; p++) {
		json_t *pt = json_array();
		size_t rest = p;
		/* the last parameter varies fastest */
		size_t *idx = calloc(sw->n_params, sizeof *idx);
		if (!pt || !idx) {
			free(idx);
			json_decref(pt);
			return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
		}
		for (size_t d = sw->n_params; d-- > 0;) {
			size_t k = json_array_size(sw->params[d].spec);
			idx[d] = rest % k;
			rest /= k;
		}
		for (size_t d = 0; d < sw->n_params; d++)
			json_array_append(pt, json_array_get(sw->params[d].spec, idx[d]));
		free(idx);
		json_array_append_new(sw->points, pt);
	}
	return 0;
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
static int expand_sampled(sweep *sw, size_t n, uint64_t seed, int lhs,
			  prof_err *err)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	size_t *perm = calloc(sw->n_params * n, sizeof *perm);
	if (!rng || !perm) {
		gsl_rng_free(rng);
		free(perm);
		return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
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

static void sweep_free(sweep *sw)
{
	free(sw->base);
	free(sw->params);
	json_decref(sw->points);
	prof_jdoc_free(&sw->doc);
}

static int load_param(sweep *sw, sweep_param *sp, const char *key,
		      const json_t *v, int grid, prof_err *err)
{
	const prof_jdoc *doc = &sw->doc;
	sp->path = key;
	sp->spec = v;
	if (!*key || strchr(key, '='))
		return prof_jerr(err, doc, v, "bad parameter path \"%s\"", key);
	if (grid) {
		if (!json_is_array(v) || json_array_size(v) == 0)
			return prof_jerr(err, doc, v,
					 "grid parameter \"%s\" needs a non-empty list of values",
					 key);
		return 0;
	}
	static const char *const keys[] = {"min", "max", "integer", NULL};
	if (!json_is_object(v))
		return prof_jerr(err, doc, v,
				 "parameter \"%s\" needs {\"min\": .., \"max\": ..}", key);
	int rc = prof_jcheck_keys(doc, v, keys, err);
	if (!rc)
		rc = prof_jget_num(doc, v, "min", 1, &sp->min, err);
	if (!rc)
		rc = prof_jget_num(doc, v, "max", 1, &sp->max, err);
	const json_t *integer = json_object_get(v, "integer");
	if (!rc && integer && !json_is_boolean(integer))
		rc = prof_jerr_at(err, doc, v, "integer", 0,
				  "\"integer\" must be true or false");
	sp->integer = json_is_true(integer);
	if (!rc && !(sp->min < sp->max))
		rc = prof_jerr(err, doc, v, "parameter \"%s\": min must be < max", key);
	if (!rc && sp->integer && ceil(sp->min) > floor(sp->max))
		rc = prof_jerr(err, doc, v, "parameter \"%s\": no integer in [min, max]",
			       key);
	return rc;
}

/* The --set overrides of case i (and policy entry pol of the sweep's
 * override list, or pol < 0). Returns the count; strings are malloc'd. */
static size_t case_sets(const sweep *sw, size_t i, long pol, char **sets)
{
	size_t n = 0;
	const json_t *pt = json_array_get(sw->points, i / sw->reps);
	for (size_t d = 0; d < sw->n_params; d++) {
		char *v = json_dumps(json_array_get(pt, d), JSON_COMPACT | JSON_ENCODE_ANY);
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

static int load_case(const sweep *sw, size_t i, long pol, sim_experiment **x,
		     prof_err *err)
{
	char **sets = calloc(sw->n_params + 4, sizeof *sets);
	if (!sets)
		return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
	size_t n = case_sets(sw, i, pol, sets);
	int rc = 0;
	for (size_t k = 0; k < n; k++)
		if (!sets[k])
			rc = prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = sim_experiment_load_set(x, sw->base, (const char *const *)sets, n, err);
	free_sets(sets, n);
	free(sets);
	return rc;
}

/* Load the experiment of one case as validation: an error becomes an error
 * of the sweep file at node. */
static int check_case(const sweep *sw, size_t i, long pol, const json_t *node,
		      size_t *n_policies, prof_err *err)
{
	prof_err inner = {0};
	sim_experiment *x = NULL;
	char id[32];
	case_id(id, sizeof id, i);
	if (load_case(sw, i, pol, &x, &inner))
		return prof_jerr(err, &sw->doc, node, "case %s: %s", id, inner.msg);
	if (n_policies)
		*n_policies = sim_experiment_policies(x);
	sim_experiment_free(x);
	return 0;
}

static int sweep_load(sweep *sw, const char *path, prof_err *err)
{
	memset(sw, 0, sizeof *sw);
	int rc = prof_jdoc_load(&sw->doc, path, err);
	if (rc)
		return rc;
	const prof_jdoc *doc = &sw->doc;
	const json_t *root = doc->root;
	static const char *const keys[] = {
		"name", "description", "base", "design", "samples", "seed",
		"parameters", "replications", "policies", "results", NULL};
	if (!json_is_object(root))
		return prof_jerr(err, doc, root, "a sweep must be a JSON object");
	rc = prof_jcheck_keys(doc, root, keys, err);
	const char *base = NULL, *design = "grid";
	if (!rc)
		rc = prof_jget_str(doc, root, "base", 1, &base, err);
	if (!rc)
		rc = prof_jget_str(doc, root, "design", 0, &design, err);
	if (!rc)
		rc = prof_jget_str(doc, root, "results", 0, &sw->results, err);
	int grid = strcmp(design, "grid") == 0, lhs = strcmp(design, "lhs") == 0;
	if (!rc && !grid && !lhs && strcmp(design, "random") != 0)
		rc = prof_jerr(err, doc, json_object_get(root, "design"),
			       "unknown design \"%s\" (grid, random or lhs)", design);
	uint64_t samples = 0, seed = 1, reps = 1;
	if (!rc)
		rc = prof_jget_u64(doc, root, "samples", !grid, &samples, err);
	if (!rc && grid && json_object_get(root, "samples"))
		rc = prof_jerr(err, doc, json_object_get(root, "samples"),
			       "\"samples\" is for the random and lhs designs");
	if (!rc && !grid && (samples < 1 || samples > 1000000))
		rc = prof_jerr(err, doc, json_object_get(root, "samples"),
			       "\"samples\" must be in 1..1000000");
	if (!rc)
		rc = prof_jget_u64(doc, root, "seed", 0, &seed, err);
	if (!rc)
		rc = prof_jget_u64(doc, root, "replications", 0, &reps, err);
	if (!rc && (reps < 1 || reps > 100000))
		rc = prof_jerr(err, doc, json_object_get(root, "replications"),
			       "\"replications\" must be in 1..100000");
	sw->reps = reps;
	const json_t *params = json_object_get(root, "parameters");
	if (!rc && (!json_is_object(params) || json_object_size(params) == 0))
		rc = prof_jerr(err, doc, params ? params : root,
			       "\"parameters\" must be a non-empty object");
	if (!rc) {
		sw->n_params = json_object_size(params);
		sw->params = calloc(sw->n_params, sizeof *sw->params);
		sw->points = json_array();
		if (!sw->params || !sw->points)
			rc = prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
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
		rc = prof_jerr(err, doc, sw->policies,
			       "\"policies\" must be a non-empty array");
	/* the base experiment: its seed and which policy key it uses */
	if (!rc) {
		const json_t *bnode = json_object_get(root, "base");
		sw->base = prof_jdoc_resolve(doc, base);
		prof_jdoc bdoc;
		prof_err inner = {0};
		if (!sw->base)
			return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
		if (prof_jdoc_load(&bdoc, sw->base, &inner))
			return prof_jerr(err, doc, bnode, "base experiment: %s", inner.msg);
		sw->seed0 = 1;
		if (!json_is_object(bdoc.root) ||
		    prof_jget_u64(&bdoc, bdoc.root, "seed", 0, &sw->seed0, &inner))
			rc = prof_jerr(err, doc, bnode, "base experiment: %s",
				       inner.msg[0] ? inner.msg : "not a JSON object");
		sw->policy_key = json_object_get(bdoc.root, "policy") ? "policy" : "policies";
		prof_jdoc_free(&bdoc);
	}
	if (!rc)
		rc = grid ? expand_grid(sw, err)
			  : expand_sampled(sw, samples, seed, lhs, err);
	sw->n_points = sw->points ? json_array_size(sw->points) : 0;
	sw->n_cases = sw->n_points * sw->reps;
	/* validate before anything runs: the first and the last case */
	if (!rc) {
		long last_pol = sw->policies ? (long)json_array_size(sw->policies) - 1 : -1;
		rc = check_case(sw, 0, sw->policies ? 0 : -1, params, &sw->n_policies, err);
		if (!rc)
			rc = check_case(sw, sw->n_cases - 1, last_pol, params, NULL, err);
		if (sw->policies)
			sw->n_policies = json_array_size(sw->policies);
	}
	return rc;
}

/* ---- running a case --------------------------------------------------- */

static json_t *case_params(const sweep *sw, size_t i)
{
	json_t *o = json_object();
	const json_t *pt = json_array_get(sw->points, i / sw->reps);
	for (size_t d = 0; d < sw->n_params; d++)
		json_object_set(o, sw->params[d].path, json_array_get(pt, d));
	return o;
}

static int append_line(FILE *f, const sweep *sw, size_t i, const sim_result *r)
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

/* Run case i and append its lines with one write(2). */
static int run_case(const sweep *sw, size_t i, int fd, prof_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
	size_t n_loads = sw->policies ? json_array_size(sw->policies) : 1;
	int rc = 0;
	for (size_t j = 0; j < n_loads && !rc; j++) {
		sim_experiment *x = NULL;
		rc = load_case(sw, i, sw->policies ? (long)j : -1, &x, err);
		if (rc)
			break;
		size_t n = sim_experiment_policies(x);
		sim_result *res = calloc(n, sizeof *res);
		sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
		o.quiet = 1;
		o.out_dir = "";
		o.tasks_csv = 0;
		if (!res)
			rc = prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
		if (!rc)
			rc = sim_run_experiment(x, &o, NULL, res, err);
		for (size_t k = 0; k < n && !rc; k++)
			if (append_line(f, sw, i, &res[k]))
				rc = prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
		free(res);
		sim_experiment_free(x);
	}
	if (fclose(f) != 0 && !rc)
		rc = prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
	if (!rc) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 || (size_t)w != len)
			rc = prof_errf(err, PROF_EIO, sw->results, 0, "write: %s",
				       w < 0 ? strerror(errno) : "short write");
	}
	free(buf);
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

/* Read the results file; mark done[i] for every complete case; drop torn
 * lines and the lines of incomplete cases (rewriting the file). */
static int scan_results(const sweep *sw, unsigned char *done, size_t *n_done,
			prof_err *err)
{
	*n_done = 0;
	FILE *f = fopen(sw->results, "rb");
	if (!f)
		return errno == ENOENT ? 0
				       : prof_errf(err, PROF_EIO, sw->results, 0, "%s",
						   strerror(errno));
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	char chunk[65536];
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + got + 1 > cap) {
			cap = 2 * (len + got + 1);
			char *nt = realloc(text, cap);
			if (!nt) {
				free(text);
				fclose(f);
				return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
			}
			text = nt;
		}
		memcpy(text + len, chunk, got);
		len += got;
	}
	fclose(f);
	size_t *count = calloc(sw->n_cases, sizeof *count);
	/* per line: case index (or -1 to keep unconditionally, -2 to drop) */
	size_t n_lines = 0, line_cap = 0, *line_case = NULL, *line_start = NULL;
	int rc = count ? 0 : prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
	int dirty = 0;
	for (size_t pos = 0; !rc && pos < len;) {
		char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t ci = (size_t)-2;
		json_t *v = nl ? json_loadb(text + pos, end - pos, 0, NULL) : NULL;
		const char *cs = json_string_value(json_object_get(v, "case"));
		if (cs && json_is_string(json_object_get(v, "policy")) &&
		    json_is_object(json_object_get(v, "metrics"))) {
			ci = case_index(cs, sw->n_cases);
			if (ci != (size_t)-1)
				count[ci]++;
		} else {
			dirty = 1;
		}
		json_decref(v);
		if (n_lines == line_cap) {
			line_cap = line_cap ? 2 * line_cap : 256;
			size_t *a = realloc(line_case, line_cap * sizeof *a);
			size_t *b = a ? realloc(line_start, line_cap * sizeof *b) : NULL;
			if (a)
				line_case = a;
			if (b)
				line_start = b;
			if (!a || !b) {
				rc = prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
				break;
			}
		}
		line_case[n_lines] = ci;
		line_start[n_lines++] = pos;
		pos = nl ? end + 1 : len;
	}
	for (size_t i = 0; !rc && i < sw->n_cases; i++) {
		if (count[i] >= sw->n_policies) {
			done[i] = 1;
			++*n_done;
		} else if (count[i] > 0) {
			dirty = 1;
		}
	}
	if (!rc && dirty) {
		size_t w = 0;
		for (size_t l = 0; l < n_lines; l++) {
			size_t ci = line_case[l];
			size_t end = l + 1 < n_lines ? line_start[l + 1] : len;
			if (ci == (size_t)-2 || (ci != (size_t)-1 && !done[ci]))
				continue;
			memmove(text + w, text + line_start[l], end - line_start[l]);
			w += end - line_start[l];
		}
		rc = sim_write_text(sw->results, text ? text : "", w, err);
	}
	free(line_case);
	free(line_start);
	free(count);
	free(text);
	return rc;
}

/* ---- workers and progress --------------------------------------------- */

typedef struct sweep_msg {
	uint32_t index;
	int32_t rc;
} sweep_msg;

static void progress(size_t done, size_t total, double t0, int tty)
{
	if (!tty)
		return;
	char bar[21];
	size_t fill = total ? done * 20 / total : 20;
	for (size_t k = 0; k < 20; k++)
		bar[k] = k < fill ? '#' : '.';
	bar[20] = 0;
	double el = now_s() - t0;
	long eta = done ? (long)(el / (double)done * (double)(total - done) + 0.5) : 0;
	fprintf(stderr, "\r[%s] %zu/%zu cases, ETA %02ld:%02ld", bar, done, total,
		eta / 60, eta % 60);
	fflush(stderr);
}

/* Workers take the next case from a counter shared by all of them, so a
 * worker that drew quick cases takes more (dynamic load balance). */
static void worker(const sweep *sw, const unsigned char *done,
		   size_t *next_case, pid_t parent, int fd, int msg_fd)
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
		prof_err err = {0};
		int rc = run_case(sw, i, fd, &err);
		if (rc) {
			char id[32];
			case_id(id, sizeof id, i);
			fprintf(stderr, "%shetsim: case %s: %s\n", isatty(2) ? "\n" : "",
				id, err.msg);
		}
		sweep_msg m = {(uint32_t)i, rc};
		if (write(msg_fd, &m, sizeof m) != (ssize_t)sizeof m)
			_exit(1);
	}
	_exit(0);
}

static int run_sweep(const sweep *sw, size_t jobs)
{
	prof_err err = {0};
	unsigned char *done = calloc(sw->n_cases ? sw->n_cases : 1, 1);
	size_t n_done = 0;
	if (!done)
		return 1;
	int rc = scan_results(sw, done, &n_done, &err);
	if (rc) {
		free(done);
		return fail(&err);
	}
	if (n_done)
		fprintf(stderr, "sweep: skipped %zu of %zu cases (already in %s)\n",
			n_done, sw->n_cases, sw->results);
	size_t todo = sw->n_cases - n_done;
	if (todo == 0) {
		free(done);
		return 0;
	}
	int fd = open(sw->results, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int pfd[2];
	if (fd < 0 || pipe(pfd) != 0) {
		fprintf(stderr, "hetsim: %s: %s\n", sw->results, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(done);
		return 1;
	}
	if (jobs > todo)
		jobs = todo;
	pid_t pids[SWEEP_MAX_JOBS];
	size_t n_pids = 0;
	size_t *next_case = mmap(NULL, sizeof *next_case, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (next_case == MAP_FAILED) {
		fprintf(stderr, "hetsim: sweep: mmap: %s\n", strerror(errno));
		close(fd);
		close(pfd[0]);
		close(pfd[1]);
		free(done);
		return 1;
	}
	*next_case = 0;
	pid_t parent = getpid();
	fflush(NULL);
	for (size_t k = 0; k < jobs; k++) {
		pid_t pid = fork();
		if (pid == 0) {
			close(pfd[0]);
			worker(sw, done, next_case, parent, fd, pfd[1]);
		}
		if (pid < 0) {
			fprintf(stderr, "hetsim: sweep: fork: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		pids[n_pids++] = pid;
	}
	close(pfd[1]);
	int tty = isatty(2);
	double t0 = now_s();
	size_t finished = 0, failed = 0;
	sweep_msg m;
	progress(0, todo, t0, tty);
	while (read(pfd[0], &m, sizeof m) == (ssize_t)sizeof m) {
		finished++;
		if (m.rc)
			failed++;
		if (tty) {
			progress(finished, todo, t0, tty);
		} else if (!m.rc) {
			char id[32];
			case_id(id, sizeof id, m.index);
			fprintf(stderr, "case %s done (%zu/%zu)\n", id, finished, todo);
		}
	}
	if (tty)
		fputc('\n', stderr);
	close(pfd[0]);
	for (size_t k = 0; k < n_pids; k++) {
		int st;
		if (waitpid(pids[k], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			rc = 1;
	}
	close(fd);
	munmap(next_case, sizeof *next_case);
	free(done);
	if (failed) {
		fprintf(stderr, "hetsim: sweep: %zu of %zu cases failed\n", failed, todo);
		rc = 1;
	} else if (!rc && finished != todo) {
		fprintf(stderr, "hetsim: sweep: only %zu of %zu cases reported\n",
			finished, todo);
		rc = 1;
	}
	return rc;
}

static int list_cases(const sweep *sw)
{
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

/* ---- summarising ------------------------------------------------------ */

typedef struct sweep_group {
	json_t *x;
	char policy[64];
	size_t policy_rank; /* order of first appearance */
	double *v;
	size_t n, cap;
} sweep_group;

static int by_policy_then_x(const void *pa, const void *pb)
{
	const sweep_group *a = pa, *b = pb;
	if (a->policy_rank != b->policy_rank)
		return a->policy_rank < b->policy_rank ? -1 : 1;
	if (json_is_number(a->x) && json_is_number(b->x)) {
		double x = json_number_value(a->x), y = json_number_value(b->x);
		return x < y ? -1 : x > y;
	}
	char *s = json_dumps(a->x, JSON_ENCODE_ANY), *t = json_dumps(b->x, JSON_ENCODE_ANY);
	int c = strcmp(s ? s : "", t ? t : "");
	free(s);
	free(t);
	return c;
}

static void csv_x(FILE *f, const json_t *x)
{
	if (json_is_string(x)) {
		fputs(json_string_value(x), f);
		return;
	}
	char *s = json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
	fputs(s ? s : "", f);
	free(s);
}

static int summarise(const char *path, const char *xp, const char *metric,
		     const char *csv_out, const char *plot_out)
{
	prof_err err = {0};
	prof_lines *r = NULL;
	sweep_group *g = NULL;
	size_t ng = 0, gcap = 0, n_pol = 0;
	int rc = prof_lines_open(&r, path, &err);
	char *line;
	size_t len;
	while (!rc && (rc = prof_lines_next(r, &line, &len, &err)) == 1) {
		rc = 0;
		long ln = prof_lines_lineno(r);
		json_error_t je;
		json_t *v = json_loadb(line, len, 0, &je);
		const json_t *x = json_object_get(json_object_get(v, "params"), xp);
		const char *pol = json_string_value(json_object_get(v, "policy"));
		const json_t *mv = json_object_get(json_object_get(v, "metrics"), metric);
		if (!v)
			rc = prof_errf(&err, PROF_EINPUT, path, ln, "%s", je.text);
		else if (!x)
			rc = prof_errf(&err, PROF_EINPUT, path, ln, "no parameter \"%s\"", xp);
		else if (!pol)
			rc = prof_errf(&err, PROF_EINPUT, path, ln, "no \"policy\"");
		else if (!mv)
			rc = prof_errf(&err, PROF_EINPUT, path, ln, "no metric \"%s\"", metric);
		size_t k = 0, rank = n_pol;
		for (size_t q = 0; !rc && q < ng; q++)
			if (strcmp(g[q].policy, pol) == 0)
				rank = g[q].policy_rank;
		while (!rc && k < ng && !(json_equal(g[k].x, (json_t *)x) &&
					  strcmp(g[k].policy, pol) == 0))
			k++;
		if (!rc && k == ng) {
			if (ng == gcap) {
				gcap = gcap ? 2 * gcap : 16;
				sweep_group *ngp = realloc(g, gcap * sizeof *ngp);
				if (!ngp)
					rc = prof_errf(&err, PROF_ENOMEM, NULL, 0, "out of memory");
				else
					g = ngp;
			}
			if (!rc) {
				memset(&g[ng], 0, sizeof g[ng]);
				g[ng].x = json_incref((json_t *)x);
				snprintf(g[ng].policy, sizeof g[ng].policy, "%s", pol);
				g[ng].policy_rank = rank;
				if (rank == n_pol)
					n_pol++;
				ng++;
			}
		}
		if (!rc && json_is_number(mv) && isfinite(json_number_value(mv))) {
			sweep_group *s = &g[k];
			if (s->n == s->cap) {
				s->cap = s->cap ? 2 * s->cap : 8;
				double *nv = realloc(s->v, s->cap * sizeof *nv);
				if (!nv)
					rc = prof_errf(&err, PROF_ENOMEM, NULL, 0, "out of memory");
				else
					s->v = nv;
			}
			if (!rc)
				s->v[s->n++] = json_number_value(mv);
		}
		json_decref(v);
	}
	if (rc > 0)
		rc = 0;
	prof_lines_close(r);
	if (!rc && ng == 0)
		rc = prof_errf(&err, PROF_EINPUT, path, 0, "no results");
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = rc ? NULL : open_memstream(&text, &tlen);
	if (!rc && !f)
		rc = prof_errf(&err, PROF_ENOMEM, NULL, 0, "out of memory");
	if (f) {
		qsort(g, ng, sizeof *g, by_policy_then_x);
		fputs("x,policy,metric,mean,ci95_low,ci95_high,n\n", f);
		for (size_t k = 0; k < ng; k++) {
			sim_ci c = sim_ci_mean(g[k].v, g[k].n);
			/* one value: no interval; a zero-width one keeps the table
			 * plottable */
			double h = isfinite(c.half) ? c.half : 0;
			if (g[k].n == 0)
				continue;
			csv_x(f, g[k].x);
			fprintf(f, ",%s,%s,%.10g,%.10g,%.10g,%zu\n", g[k].policy, metric,
				c.mean, c.mean - h, c.mean + h, g[k].n);
		}
		if (fclose(f) != 0)
			rc = prof_errf(&err, PROF_ENOMEM, NULL, 0, "out of memory");
	}
	char csv_path[1100] = "";
	if (!rc) {
		if (csv_out)
			snprintf(csv_path, sizeof csv_path, "%s", csv_out);
		else if (plot_out)
			snprintf(csv_path, sizeof csv_path, "%s.csv", plot_out);
		if (csv_path[0])
			rc = sim_write_text(csv_path, text, tlen, &err);
		else if (fwrite(text, 1, tlen, stdout) != tlen)
			rc = prof_errf(&err, PROF_EIO, NULL, 0, "cannot write to standard output");
	}
	free(text);
	for (size_t k = 0; k < ng; k++) {
		json_decref(g[k].x);
		free(g[k].v);
	}
	free(g);
	if (rc)
		return fail(&err);
	if (plot_out) {
		char *argv[] = {csv_path, "--x", "x", "--y", "mean", "--series", "policy",
				"--lo", "ci95_low", "--hi", "ci95_high",
				"--xlabel", (char *)xp, "--ylabel", (char *)metric,
				"-o", (char *)plot_out};
		return sim_cmd_plot((int)(sizeof argv / sizeof argv[0]), argv);
	}
	return 0;
}

/* ---- the command ------------------------------------------------------ */

int sim_cmd_sweep(int argc, char **argv)
{
	const char *path = NULL, *results = NULL, *summ = NULL, *xp = NULL,
		   *metric = NULL, *csv_out = NULL, *plot_out = NULL;
	size_t jobs = 1;
	int list = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--list") == 0) {
			list = 1;
			continue;
		}
		if (a[0] != '-' || !a[1]) {
			if (path)
				return bad("unexpected argument %s", a);
			path = a;
			continue;
		}
		if (!v)
			return bad("%s needs a value", a);
		i++;
		if (!strcmp(a, "-j")) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > SWEEP_MAX_JOBS)
				return bad("-j: \"%s\" is not in 1..256", v);
			jobs = (size_t)n;
		} else if (!strcmp(a, "--results")) results = v;
		else if (!strcmp(a, "--summarise") || !strcmp(a, "--summarize")) summ = v;
		else if (!strcmp(a, "--x")) xp = v;
		else if (!strcmp(a, "--metric")) metric = v;
		else if (!strcmp(a, "-o")) csv_out = v;
		else if (!strcmp(a, "--plot")) plot_out = v;
		else
			return bad("unknown option %s", a);
	}
	if (summ) {
		if (path || !xp || !metric)
			return bad("%s", "--summarise needs RESULTS.jsonl, --x and --metric");
		return summarise(summ, xp, metric, csv_out, plot_out);
	}
	if (!path)
		return bad("%s", "needs a sweep file");
	sweep sw;
	prof_err err = {0};
	int rc = sweep_load(&sw, path, &err);
	if (!rc && results)
		sw.results = results;
	if (!rc && !list && !sw.results)
		rc = prof_errf(&err, PROF_EINPUT, path, 0,
			       "no \"results\" file (give one, or --results)");
	if (rc) {
		sweep_free(&sw);
		return fail(&err);
	}
	if (list) {
		rc = list_cases(&sw);
	} else {
		char dir[1100];
		snprintf(dir, sizeof dir, "%s", sw.results);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = 0;
			rc = sim_mkdirs(dir, &err) ? fail(&err) : 0;
		}
		if (!rc)
			rc = run_sweep(&sw, jobs);
	}
	sweep_free(&sw);
	return rc;
}
