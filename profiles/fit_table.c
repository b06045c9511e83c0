/*
 * profiles/fit_table.c — `hetsim fit` (flags: sim/cli/fit.c): fit every
 * execution-time family to measured
 * samples, per group (task type x machine type), rank the fits, test them,
 * and write a profile, plots and a report.
 *
 *   hetsim fit SAMPLES.csv[.gz] --value COL [--group-by TASKCOL[,MACHINECOL]]
 *        [--task-cols C,C] [--machine-cols C,C] [--machine-name NAME]
 *        [--where COL=TEXT]... [--unit s|ms|us] [--family best|NAME]
 *        [--rank aic|ks] [--machines machines.csv] [--pet-prob COL]
 *        [-o profile.json] [--plot out.svg] [--report out.md] [--label TEXT]
 *        [--cite TEXT] [--machine-types PROFILE.json] [--quiet]
 *
 * Machine facts: --machines reads vcpu, memory, accelerator and price from a
 * machines.csv; --machine-types copies whole machine-type objects (power,
 * slots, ...) of the same name from an existing profile, and wins.
 *
 * Task type name: the task columns' values joined by "_"; machine type
 * name: the machine columns' values joined by "-" (or --machine-name).
 * The chosen family is the best by AIC (default) or by KS distance; NAME
 * forces one (a parametric family, or "empirical" / "replay": the samples
 * themselves). --pet-prob COL: each row is one bin of a PET histogram
 * (value = time, COL = its probability); no fitting.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/io/csv.h"
#include "profiles/fit.h"
#include "profiles/fit_table.h"
#include "profiles/gof.h"
#include "sim/base/out.h"
#include "sim/base/svg.h"

typedef prof_fit_args fit_args;

typedef struct group {
	char *task, *machine;
	double *x, *w; /* values; PET probabilities */
	size_t n, cap;
} group;

typedef struct groups {
	group *g;
	size_t n, cap;
	size_t *slots; /* hash index + 1, 0 = empty */
	size_t n_slots;
} groups;

typedef struct family_result {
	prof_fit fit;
	prof_model model;
	double ks_d, ks_p, ad, ad_p;
} family_result;

typedef struct group_result {
	family_result fam[PROF_FAM_COUNT];
	int order[PROF_FAM_COUNT]; /* ok families, best first */
	int n_ok;
	int chosen;                /* family index, -1: samples (empirical) */
	double resolution;         /* > 0: fitted interval-censored at it */
	double detected;           /* > 0: logged at it, fitted plainly */
	double sw_w, sw_p;
	int sw_rc;
} group_result;

/* ------------------------------------------------------------ groups */

static uint64_t hash_key(const char *task, const char *machine)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *c = task; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	h = (h ^ 0x1f) * 1099511628211ull;
	for (const char *c = machine; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	return h;
}

static int groups_rehash(groups *gs)
{
	size_t n = gs->n_slots ? gs->n_slots * 2 : 64;
	size_t *slots = calloc(n, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < gs->n; i++) {
		size_t h = hash_key(gs->g[i].task, gs->g[i].machine) & (n - 1);
		while (slots[h])
			h = (h + 1) & (n - 1);
		slots[h] = i + 1;
	}
	free(gs->slots);
	gs->slots = slots;
	gs->n_slots = n;
	return 0;
}

static group *groups_get(groups *gs, const char *task, const char *machine)
{
	if (2 * (gs->n + 1) > gs->n_slots && groups_rehash(gs))
		return NULL;
	size_t h = hash_key(task, machine) & (gs->n_slots - 1);
	while (gs->slots[h]) {
		group *g = &gs->g[gs->slots[h] - 1];
		if (strcmp(g->task, task) == 0 && strcmp(g->machine, machine) == 0)
			return g;
		h = (h + 1) & (gs->n_slots - 1);
	}
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? 2 * gs->cap : 16;
		group *g = realloc(gs->g, cap * sizeof *g);
		if (!g)
			return NULL;
		gs->g = g;
		gs->cap = cap;
	}
	group *g = &gs->g[gs->n];
	memset(g, 0, sizeof *g);
	g->task = strdup(task);
	g->machine = strdup(machine);
	if (!g->task || !g->machine)
		return NULL;
	gs->slots[h] = ++gs->n;
	return g;
}

static int group_add(group *g, double x, double w)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		double *nx = realloc(g->x, cap * sizeof *nx);
		if (!nx)
			return -1;
		g->x = nx;
		double *nw = realloc(g->w, cap * sizeof *nw);
		if (!nw)
			return -1;
		g->w = nw;
		g->cap = cap;
	}
	g->x[g->n] = x;
	g->w[g->n++] = w;
	return 0;
}

static void groups_free(groups *gs)
{
	for (size_t i = 0; i < gs->n; i++) {
		free(gs->g[i].task);
		free(gs->g[i].machine);
		free(gs->g[i].x);
		free(gs->g[i].w);
	}
	free(gs->g);
	free(gs->slots);
}

/* Join the named fields with sep into out. */
static void join_fields(char *const *fields, const int *idx, int n, char sep,
			char *out, size_t cap)
{
	size_t len = 0;
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		int w = snprintf(out + len, cap - len, "%s%s", i ? (char[]){sep, 0} : "",
				 fields[idx[i]]);
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
	}
}

/* The sample in field col of the current row, in seconds: a number from
 * 0 to IO_MAX_TIME_S (unit_s 1 for a probability). */
static int sample_value(const io_csv *r, int col, const char *name,
			double unit_s, double *out, io_err *err)
{
	const char *f = io_csv_fields(r)[col];
	double x;
	if (io_parse_double(f, &x) || x < 0 || !(x * unit_s <= IO_MAX_TIME_S))
		return io_csv_errf(r, err,
				     "bad %s \"%s\" (a finite number >= 0, "
				     "at most %g s)",
				     name, f, IO_MAX_TIME_S);
	*out = x * unit_s;
	return 0;
}

static int read_groups(const fit_args *a, groups *gs, size_t *rows_kept,
		       io_err *err)
{
	io_csv *r = NULL;
	int rc = io_csv_open(&r, a->csv, err);
	if (rc)
		return rc;
	int value_col, prob_col = -1, task_idx[PROF_FIT_MAX_COLS], machine_idx[PROF_FIT_MAX_COLS],
	    where_idx[PROF_FIT_MAX_WHERE];
	if ((rc = io_csv_read_header(r, err)) ||
	    (rc = io_csv_need_col(r, a->value, &value_col, err)) ||
	    (a->pet_prob && (rc = io_csv_need_col(r, a->pet_prob, &prob_col, err))))
		goto out;
	for (int i = 0; i < a->n_task_cols; i++)
		if ((rc = io_csv_need_col(r, a->task_cols[i], &task_idx[i], err)))
			goto out;
	for (int i = 0; i < a->n_machine_cols; i++)
		if ((rc = io_csv_need_col(r, a->machine_cols[i], &machine_idx[i], err)))
			goto out;
	for (int i = 0; i < a->n_where; i++)
		if ((rc = io_csv_need_col(r, a->where_col[i], &where_idx[i], err)))
			goto out;
	*rows_kept = 0;
	while ((rc = io_csv_next(r, err)) == 1) {
		char *const *fields = io_csv_fields(r);
		if ((rc = io_csv_check_width(r, err)))
			goto out;
		int keep = 1;
		for (int i = 0; i < a->n_where && keep; i++)
			keep = strcmp(fields[where_idx[i]], a->where_val[i]) == 0;
		if (!keep)
			continue;
		double x, w = 1;
		if ((rc = sample_value(r, value_col, a->value, a->unit_s, &x, err)) ||
		    (prob_col >= 0 &&
		     (rc = sample_value(r, prob_col, a->pet_prob, 1, &w, err))))
			goto out;
		char task[256] = "all", machine[256] = "any";
		if (a->n_task_cols)
			join_fields(fields, task_idx, a->n_task_cols, '_', task, sizeof task);
		if (a->machine_name)
			snprintf(machine, sizeof machine, "%s", a->machine_name);
		else if (a->n_machine_cols)
			join_fields(fields, machine_idx, a->n_machine_cols, '-',
				    machine, sizeof machine);
		group *g = groups_get(gs, task, machine);
		if (!g || group_add(g, x, w)) {
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			goto out;
		}
		(*rows_kept)++;
	}
	if (rc == 0 && gs->n == 0)
		rc = io_errf(err, IO_EINPUT, a->csv, 0,
			       "no rows (after --where filters)");
out:
	io_csv_close(r);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ fitting */

static double model_cdf(const void *ctx, double x)
{
	return prof_model_cdf(ctx, x);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static const group_result *rank_ctx;
static int rank_by_ks;

static int cmp_rank(const void *a, const void *b)
{
	const family_result *x = &rank_ctx->fam[*(const int *)a];
	const family_result *y = &rank_ctx->fam[*(const int *)b];
	double kx = rank_by_ks ? x->ks_d : x->fit.aic;
	double ky = rank_by_ks ? y->ks_d : y->fit.aic;
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

/* KS distance of a sample logged at resolution res (sorted) from a model:
 * at each distinct value v, the ECDF after v against the model's CDF at
 * v + res/2 and the ECDF before v against the CDF at v - res/2 (the
 * intervals the values stand for; the plain statistic would compare each
 * tie's jump with a continuous CDF). */
static double ks_censored(const double *x, size_t n, double res,
			  const prof_model *m)
{
	double d = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && x[j] == x[i])
			j++;
		double below = prof_model_cdf(m, x[i] - 0.5 * res);
		double upto = prof_model_cdf(m, x[i] + 0.5 * res);
		d = fmax(d, fabs(below - (double)i / (double)n));
		d = fmax(d, fabs(upto - (double)j / (double)n));
		i = j;
	}
	return d;
}

static void fit_group(const fit_args *a, group *g, group_result *res)
{
	memset(res, 0, sizeof *res);
	qsort(g->x, g->n, sizeof *g->x, cmp_double);
	res->sw_rc = prof_shapiro_wilk(g->x, g->n, &res->sw_w, &res->sw_p);
	double found = a->resolution_s == 0 || a->resolution_s == PROF_FIT_RES_AUTO
			       ? prof_fit_resolution(g->x, g->n)
			       : 0;
	res->resolution = a->resolution_s > 0 ? a->resolution_s
			  : a->resolution_s == PROF_FIT_RES_AUTO ? found
								 : 0;
	res->detected = a->resolution_s == 0 ? found : 0;
	for (int f = 0; f < PROF_FAM_COUNT; f++) {
		family_result *fr = &res->fam[f];
		int rc = res->resolution > 0
				 ? prof_fit_family_censored(g->x, g->n, (prof_family)f,
							    res->resolution, &fr->fit)
				 : prof_fit_family(g->x, g->n, (prof_family)f, &fr->fit);
		if (g->n < 2 || rc || !fr->fit.ok) {
			fr->fit.ok = 0;
			continue;
		}
		prof_fit_model(&fr->fit, &fr->model);
		fr->ks_d = res->resolution > 0
				   ? ks_censored(g->x, g->n, res->resolution, &fr->model)
				   : prof_ks_stat(g->x, g->n, model_cdf, &fr->model);
		fr->ks_p = prof_ks_pvalue(fr->ks_d, g->n);
		fr->ad = prof_ad_stat(g->x, g->n, model_cdf, &fr->model);
		fr->ad_p = prof_ad_pvalue(fr->ad, g->n);
		res->order[res->n_ok++] = f;
	}
	rank_ctx = res;
	rank_by_ks = a->rank_ks;
	qsort(res->order, (size_t)res->n_ok, sizeof res->order[0], cmp_rank);
	rank_ctx = NULL;
	int forced = prof_family_from_name(a->family);
	if (forced >= 0)
		res->chosen = res->fam[forced].fit.ok ? forced : -1;
	else if (strcmp(a->family, "best") == 0 && res->n_ok > 0)
		res->chosen = res->order[0];
	else
		res->chosen = -1;
}

static void params_text(const prof_fit *f, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; i < f->n_params && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s=%.5g",
					i ? " " : "", f->param_names[i], f->p[i]);
	if (f->shift > 0 && len < cap)
		snprintf(buf + len, cap - len, " shift=%.5g", f->shift);
}

static void print_group(const group *g, const group_result *res)
{
	printf("\n%s on %s: n=%zu, min %.6g, median %.6g, max %.6g s\n",
	       g->task, g->machine, g->n, g->x[0], g->x[g->n / 2], g->x[g->n - 1]);
	printf("  %-20s %-40s %9s %9s %9s %9s %12s\n", "family", "parameters",
	       "KS D", "KS p", "AD A2", "AD p", "AIC");
	for (int i = 0; i < res->n_ok; i++) {
		const family_result *fr = &res->fam[res->order[i]];
		char params[160];
		params_text(&fr->fit, params, sizeof params);
		printf("%s %-20s %-40s %9.4f %9.3g %9.3g %9.3g %12.6g\n",
		       res->order[i] == res->chosen ? "*" : " ",
		       prof_family_name(fr->fit.family), params, fr->ks_d,
		       fr->ks_p, fr->ad, fr->ad_p, fr->fit.aic);
	}
	for (int f = 0; f < PROF_FAM_COUNT; f++)
		if (!res->fam[f].fit.ok && res->fam[f].fit.why[0])
			printf("  %-20s not fitted: %s\n", prof_family_name((prof_family)f),
			       res->fam[f].fit.why);
		else if (res->fam[f].fit.ok && res->fam[f].fit.degenerate)
			printf("  %-20s %s\n", prof_family_name((prof_family)f),
			       res->fam[f].fit.note);
	if (res->detected > 0)
		printf("  the values look logged at a resolution of %g s: the plain "
		       "fits above treat ties as exact; --resolution auto (or %gs) fits "
		       "them interval-censored\n", res->detected, res->detected);
	if (res->resolution > 0)
		printf("  values logged at a resolution of %g s: interval-censored "
		       "likelihood (AIC of the intervals' probabilities; KS D "
		       "against the intervals)\n", res->resolution);
	if (res->sw_rc >= 0)
		printf("  Shapiro-Wilk W = %.5f, p = %.3g: %s at 5%%%s\n", res->sw_w,
		       res->sw_p, res->sw_p >= 0.05 ? "normal" : "not normal",
		       res->sw_rc == 1 ? " (on 5000 evenly spaced order statistics)" : "");
	else
		printf("  Shapiro-Wilk: not applicable (n < 3 or constant)\n");
}

/* ------------------------------------------------------------ outputs */

/* Machine facts from machines.csv (shared/data layout), by name: the
 * first row whose "machine" is name. A bad file is an error; a file
 * without the name, or without some of the columns, adds nothing. */
static json_t *machine_facts(const char *path, const char *name, io_err *err)
{
	/* machines.csv column, profile key, numeric; in the profile's order */
	static const struct {
		const char *col, *key;
		int numeric;
	} facts[] = {{"vcpu", "vcpu", 1},
		     {"memory_gib", "mem_gib", 1},
		     {"accelerator", "accelerator", 0},
		     {"price_usd_per_hour", "price_usd_h", 1}};
	json_t *mt = json_object();
	json_object_set_new(mt, "name", json_string(name));
	if (!path)
		return mt;
	io_csv *r = NULL;
	int c_name = -1, rc = io_csv_open(&r, path, err);
	if (!rc && !(rc = io_csv_read_header(r, err)))
		rc = io_csv_need_col(r, "machine", &c_name, err);
	while (!rc && (rc = io_csv_next(r, err)) == 1) {
		char *const *f = io_csv_fields(r);
		if ((rc = io_csv_check_width(r, err)))
			break;
		if (strcmp(f[c_name], name) != 0)
			continue;
		for (size_t k = 0; k < sizeof facts / sizeof facts[0] && !rc; k++) {
			int c = io_csv_col(r, facts[k].col);
			double v;
			if (c < 0 || !f[c][0])
				continue;
			if (!facts[k].numeric)
				json_object_set_new(mt, facts[k].key, json_string(f[c]));
			else if (io_parse_double(f[c], &v) || v < 0)
				rc = io_csv_errf(r, err, "bad %s \"%s\" (a number >= 0)",
						   facts[k].col, f[c]);
			else
				json_object_set_new(mt, facts[k].key, sim_json_num(v));
		}
		break;
	}
	io_csv_close(r);
	if (rc < 0) {
		json_decref(mt);
		return NULL;
	}
	return mt;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static json_t *exec_entry(const fit_args *a, const group *g,
			  const group_result *res)
{
	json_t *e = json_object();
	json_object_set_new(e, "task", json_string(g->task));
	json_object_set_new(e, "machine", json_string(g->machine));
	char source[512];
	if (a->pet_prob) {
		json_object_set_new(e, "model", json_string("pet"));
		json_t *bins = json_array();
		for (size_t i = 0; i < g->n; i++)
			json_array_append_new(bins, json_pack("[f,f]", g->x[i], g->w[i]));
		json_object_set_new(e, "bins", bins);
		snprintf(source, sizeof source, "%s: %zu bins", base(a->csv), g->n);
	} else if (res->chosen < 0) {
		const char *kind = strcmp(a->family, "replay") == 0 ? "replay" : "empirical";
		json_object_set_new(e, "model", json_string(kind));
		json_t *xs = json_array();
		for (size_t i = 0; i < g->n; i++)
			json_array_append_new(xs, sim_json_num(g->x[i]));
		json_object_set_new(e, "samples", xs);
		snprintf(source, sizeof source, "%s: n=%zu, measured samples", base(a->csv), g->n);
	} else {
		const family_result *fr = &res->fam[res->chosen];
		json_object_set_new(e, "model", json_string(prof_model_name(fr->fit.kind)));
		for (int i = 0; i < fr->fit.n_params; i++)
			json_object_set_new(e, fr->fit.param_names[i], sim_json_num(fr->fit.p[i]));
		if (fr->fit.shift > 0)
			json_object_set_new(e, "shift", sim_json_num(fr->fit.shift));
		int len = snprintf(source, sizeof source,
				   "%s: n=%zu, %s fit by maximum likelihood (best of %d by %s), "
				   "KS D=%.4f p=%.3g, AD=%.3g, AIC=%.6g",
				   base(a->csv), g->n, prof_family_name(fr->fit.family),
				   res->n_ok, a->rank_ks ? "KS D" : "AIC", fr->ks_d, fr->ks_p,
				   fr->ad, fr->fit.aic);
		if (res->resolution > 0 && len > 0 && (size_t)len < sizeof source)
			len += snprintf(source + len, sizeof source - (size_t)len,
					", interval-censored at %g s", res->resolution);
		if (fr->fit.degenerate && len > 0 && (size_t)len < sizeof source)
			snprintf(source + len, sizeof source - (size_t)len, "; %s",
				 fr->fit.note);
	}
	json_object_set_new(e, "source", json_string(source));
	return e;
}

static int write_profile(const fit_args *a, const groups *gs,
			 const group_result *res, io_err *err)
{
	json_t *root = json_object(), *mts = json_array(), *tts = json_array(),
	       *exec = json_array();
	char source[2048];
	snprintf(source, sizeof source,
		 "%s%shetsim fit of %s (value %s%s), %zu groups; machine facts from %s%s%s",
		 a->cite ? a->cite : "", a->cite ? ". " : "", base(a->csv), a->value,
		 a->unit_s == 1 ? " s" : a->unit_s == 1e-3 ? " ms" : " us",
		 gs->n, a->machines ? base(a->machines) : "(none given)",
		 a->machine_types ? " and " : "", a->machine_types ? base(a->machine_types) : "");
	json_object_set_new(root, "source", json_string(source));
	int rc = 0;
	io_jdoc types_doc = {0};
	if (a->machine_types)
		rc = io_jdoc_load(&types_doc, a->machine_types, err);
	for (size_t i = 0; i < gs->n && !rc; i++) {
		const group *g = &gs->g[i];
		int seen_m = 0, seen_t = 0;
		for (size_t j = 0; j < i; j++) {
			seen_m |= strcmp(gs->g[j].machine, g->machine) == 0;
			seen_t |= strcmp(gs->g[j].task, g->task) == 0;
		}
		if (!seen_m) {
			json_t *mt = machine_facts(a->machines, g->machine, err);
			if (!mt)
				rc = err->code;
			else {
				const json_t *from = NULL, *m;
				size_t k;
				if (types_doc.root)
					json_array_foreach(json_object_get(types_doc.root, "machine_types"), k, m)
						if (json_is_object(m) &&
						    json_equal(json_object_get(m, "name"),
							       json_object_get(mt, "name")))
							from = m;
				if (from)
					json_object_update(mt, (json_t *)from);
				json_array_append_new(mts, mt);
			}
		}
		if (!seen_t)
			json_array_append_new(tts, json_pack("{s:s}", "name", g->task));
		json_array_append_new(exec, exec_entry(a, g, &res[i]));
	}
	json_object_set_new(root, "machine_types", mts);
	json_object_set_new(root, "task_types", tts);
	json_object_set_new(root, "exec", exec);
	if (!rc)
		rc = sim_write_json(a->out, root, err);
	json_decref(root);
	io_jdoc_free(&types_doc);
	return rc;
}

static void plot_path(const char *plot, const group *g, int many, char *out,
		      size_t cap)
{
	if (!many) {
		snprintf(out, cap, "%s", plot);
		return;
	}
	const char *dot = strrchr(plot, '.');
	size_t stem = dot ? (size_t)(dot - plot) : strlen(plot);
	char name[300];
	snprintf(name, sizeof name, "%s-%s", g->task, g->machine);
	for (char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			*c = '_';
	snprintf(out, cap, "%.*s-%s%s", (int)stem, plot, name, dot ? dot : ".svg");
}

/* Histogram with the fitted densities above, ECDF against the fitted
 * CDFs below; the best four families. */
static int plot_group(const fit_args *a, const group *g, const group_result *res,
		      const char *path, io_err *err)
{
	enum { BINS = 40, GRID = 300, SHOW = 4 };
	double lo = g->x[0], hi = g->x[(size_t)((double)(g->n - 1) * 0.995)];
	if (!(hi > lo))
		hi = lo + (lo > 0 ? lo : 1);
	double width = (hi - lo) / BINS, dens[BINS] = {0}, ymax = 0;
	if (!(width >= DBL_MIN)) { /* subnormal samples: bins of 0 width */
		hi = lo + 1;
		width = (hi - lo) / BINS;
	}
	size_t in_range = 0;
	for (size_t i = 0; i < g->n; i++) {
		/* the bin as a double first: an outlier far beyond hi would
		 * overflow an int */
		double at = (g->x[i] - lo) / width;
		if (!(at >= 0 && at < BINS + 1))
			continue;
		int b = (int)at;
		if (b == BINS) {
			if (g->x[i] > hi)
				continue;
			b = BINS - 1; /* hi itself */
		}
		dens[b] += 1;
		in_range++;
	}
	for (int b = 0; b < BINS; b++) {
		dens[b] /= (double)g->n * width;
		if (dens[b] > ymax)
			ymax = dens[b];
	}
	double xs[GRID], ys[GRID];
	sim_svg *s = sim_svg_new(820, 760);
	if (!s)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	char title[400];
	snprintf(title, sizeof title, "%s on %s (n = %zu): histogram and fitted densities",
		 g->task, g->machine, g->n);
	sim_svg_panel top = sim_svg_axes(s, 80, 40, 700, 290, lo, hi, 0, ymax * 1.15,
					 title, "execution time (s)", "density (1/s)");
	for (int b = 0; b < BINS; b++)
		sim_svg_bar(s, &top, lo + b * width, lo + (b + 1) * width, dens[b], "#c6dbef");
	snprintf(title, sizeof title, "%s on %s: empirical CDF and fitted CDFs",
		 g->task, g->machine);
	sim_svg_panel bottom = sim_svg_axes(s, 80, 410, 700, 290, lo, hi, 0, 1, title,
					    "execution time (s)", "P(time <= x)");
	/* ECDF as a step line, thinned to at most 2000 points */
	size_t step = g->n > 1000 ? g->n / 1000 : 1, m = 0;
	double *ex = malloc(2 * (g->n / step + 2) * sizeof *ex);
	double *ey = malloc(2 * (g->n / step + 2) * sizeof *ey);
	if (!ex || !ey) {
		free(ex);
		free(ey);
		sim_svg_free(s);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	for (size_t i = 0; i < g->n && g->x[i] <= hi; i += step) {
		ex[m] = g->x[i];
		ey[m++] = (double)i / (double)g->n;
		ex[m] = g->x[i];
		ey[m++] = (double)(i + 1) / (double)g->n;
	}
	sim_svg_line(s, &bottom, ex, ey, m, "#000", 2.5, 0);
	sim_svg_legend(s, &bottom, 0, 1, "#000", 0, "measured (ECDF)");
	free(ex);
	free(ey);
	int shown = res->n_ok < SHOW ? res->n_ok : SHOW;
	for (int k = 0; k < shown; k++) {
		const family_result *fr = &res->fam[res->order[k]];
		for (int i = 0; i < GRID; i++) {
			xs[i] = lo + (hi - lo) * i / (GRID - 1);
			ys[i] = prof_model_pdf(&fr->model, xs[i]);
		}
		sim_svg_line(s, &top, xs, ys, GRID, sim_svg_color(k + 1), 2, k % 3);
		char label[96];
		snprintf(label, sizeof label, "%s (KS D %.3f)",
			 prof_family_name(fr->fit.family), fr->ks_d);
		sim_svg_legend(s, &top, k, 0, sim_svg_color(k + 1), k % 3, label);
		for (int i = 0; i < GRID; i++)
			ys[i] = prof_model_cdf(&fr->model, xs[i]);
		sim_svg_line(s, &bottom, xs, ys, GRID, sim_svg_color(k + 1), 2, k % 3);
		sim_svg_legend(s, &bottom, k + 1, 1, sim_svg_color(k + 1), k % 3,
			       prof_family_name(fr->fit.family));
	}
	snprintf(title, sizeof title,
		 "source: %s; %zu of %zu samples below the 99.5th percentile shown",
		 base(a->csv), in_range, g->n);
	sim_svg_text(s, 80, 750, "start", 11, title);
	int rc = sim_svg_write(s, path, err);
	sim_svg_free(s);
	return rc;
}

static int cmp_dbl(const void *a, const void *b)
{
	return cmp_double(a, b);
}

static int write_report(const fit_args *a, const groups *gs,
			const group_result *res, size_t rows, io_err *err)
{
	size_t cap = 8192 + gs->n * 300, len = 0;
	char *buf = malloc(cap);
	double *ks = malloc((gs->n + 1) * sizeof *ks);
	if (!buf || !ks) {
		free(buf);
		free(ks);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	int wins_aic[PROF_FAM_COUNT] = {0}, wins_ks[PROF_FAM_COUNT] = {0};
	size_t sw_tested = 0, sw_pass = 0, n_ks = 0;
	for (size_t i = 0; i < gs->n; i++) {
		const group_result *r = &res[i];
		if (r->n_ok == 0)
			continue;
		int best_aic = r->order[0], best_ks = r->order[0];
		for (int k = 0; k < r->n_ok; k++) {
			int f = r->order[k];
			if (r->fam[f].fit.aic < r->fam[best_aic].fit.aic)
				best_aic = f;
			if (r->fam[f].ks_d < r->fam[best_ks].ks_d)
				best_ks = f;
		}
		wins_aic[best_aic]++;
		wins_ks[best_ks]++;
		ks[n_ks++] = r->fam[best_aic].ks_d;
		if (r->sw_rc >= 0) {
			sw_tested++;
			sw_pass += r->sw_p >= 0.05;
		}
	}
	qsort(ks, n_ks, sizeof *ks, cmp_dbl);
	double median_ks = n_ks ? (n_ks % 2 ? ks[n_ks / 2]
					    : (ks[n_ks / 2 - 1] + ks[n_ks / 2]) / 2)
				: 0;
#define ADD(...) len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, __VA_ARGS__)
	ADD("## %s\n\n", a->label);
	ADD("`%s`, value `%s`, %zu samples in %zu groups (task type x machine type).\n\n",
	    base(a->csv), a->value, rows, gs->n);
	ADD("| family | best by AIC | best by KS D |\n|---|---:|---:|\n");
	for (int f = 0; f < PROF_FAM_COUNT; f++)
		ADD("| %s | %d | %d |\n", prof_family_name((prof_family)f), wins_aic[f],
		    wins_ks[f]);
	ADD("\nMedian KS D of the AIC-best fit: **%.4f**. Shapiro-Wilk at 5%%: **%zu of %zu** "
	    "groups are consistent with a normal distribution.\n\n",
	    median_ks, sw_pass, sw_tested);
	ADD("| task type | machine | n | median s | best (AIC) | KS D | KS p | AD p | SW W | SW p |\n"
	    "|---|---|---:|---:|---|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < gs->n && len < cap; i++) {
		const group *g = &gs->g[i];
		const group_result *r = &res[i];
		if (r->n_ok == 0) {
			ADD("| %s | %s | %zu | %.4g | none | | | | | |\n", g->task, g->machine,
			    g->n, g->x[g->n / 2]);
			continue;
		}
		int best = r->order[0];
		for (int k = 0; k < r->n_ok; k++)
			if (r->fam[r->order[k]].fit.aic < r->fam[best].fit.aic)
				best = r->order[k];
		const family_result *fr = &r->fam[best];
		ADD("| %s | %s | %zu | %.4g | %s | %.4f | %.3g | %.3g | ", g->task, g->machine,
		    g->n, g->x[g->n / 2], prof_family_name((prof_family)best), fr->ks_d,
		    fr->ks_p, fr->ad_p);
		if (r->sw_rc >= 0)
			ADD("%.4f | %.3g |\n", r->sw_w, r->sw_p);
		else
			ADD("n/a | n/a |\n");
	}
	ADD("\n");
	for (size_t i = 0; i < gs->n && len < cap; i++) {
		const group_result *r = &res[i];
		if (r->n_ok == 0)
			continue;
		int best = r->order[0];
		for (int k = 0; k < r->n_ok; k++)
			if (r->fam[r->order[k]].fit.aic < r->fam[best].fit.aic)
				best = r->order[k];
		if (r->resolution > 0)
			ADD("- %s on %s: values logged at %g s, fitted interval-censored\n",
			    gs->g[i].task, gs->g[i].machine, r->resolution);
		if (r->fam[best].fit.degenerate)
			ADD("- %s on %s: %s: %s\n", gs->g[i].task, gs->g[i].machine,
			    prof_family_name((prof_family)best), r->fam[best].fit.note);
	}
#undef ADD
	int rc = len >= cap ? io_errf(err, IO_ENOMEM, NULL, 0, "report too long")
			    : sim_write_text(a->report, buf, len, err);
	free(buf);
	free(ks);
	return rc;
}

int prof_fit_table(const prof_fit_args *a, io_err *err)
{
	groups gs = {0};
	size_t rows = 0;
	group_result *res = NULL;
	int rc = read_groups(a, &gs, &rows, err);
	if (!rc) {
		res = calloc(gs.n, sizeof *res);
		if (!res)
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	for (size_t i = 0; !rc && i < gs.n; i++) {
		if (a->pet_prob)
			continue; /* bins are written as they are */
		fit_group(a, &gs.g[i], &res[i]);
		if (!a->quiet)
			print_group(&gs.g[i], &res[i]);
		if (a->plot && res[i].n_ok > 0) {
			char path[1024];
			plot_path(a->plot, &gs.g[i], gs.n > 1, path, sizeof path);
			rc = plot_group(a, &gs.g[i], &res[i], path, err);
		}
	}
	if (!rc && a->out)
		rc = write_profile(a, &gs, res, err);
	if (!rc && a->report && !a->pet_prob)
		rc = write_report(a, &gs, res, rows, err);
	if (!rc && !a->quiet && a->out)
		printf("\nwrote %s (%zu groups from %zu samples)\n", a->out, gs.n, rows);
	free(res);
	groups_free(&gs);
	return rc;
}

json_t *prof_fit_exec_entry(const char *task, const char *machine,
			    const double *x, size_t n, const char *what,
			    const char *extra)
{
	prof_fit best = {0}, fit;
	int have = 0, n_ok = 0;
	for (int f = 0; f < PROF_FAM_COUNT && n >= 2; f++)
		if (!prof_fit_family(x, n, (prof_family)f, &fit) && fit.ok) {
			n_ok++;
			if (!have || fit.aic < best.aic) {
				best = fit;
				have = 1;
			}
		}
	json_t *e = json_object();
	if (!e)
		return NULL;
	json_object_set_new(e, "task", json_string(task));
	json_object_set_new(e, "machine", json_string(machine));
	char *source;
	if (have) {
		prof_model m;
		prof_fit_model(&best, &m);
		double ks = prof_ks_stat(x, n, model_cdf, &m);
		json_object_set_new(e, "model",
				    json_string(prof_model_name(best.kind)));
		for (int i = 0; i < best.n_params; i++)
			json_object_set_new(e, best.param_names[i],
					    sim_json_num(best.p[i]));
		if (best.shift > 0)
			json_object_set_new(e, "shift", sim_json_num(best.shift));
		source = sim_pathf("%s, %s fit by maximum likelihood (best of %d "
				   "by AIC), KS D=%.4f p=%.3g, median %.4g s%s%s%s",
				   what, prof_family_name(best.family), n_ok, ks,
				   prof_ks_pvalue(ks, n), x[n / 2], extra,
				   best.degenerate ? "; " : "", best.degenerate ? best.note : "");
	} else {
		json_object_set_new(e, "model", json_string("empirical"));
		json_t *xs = json_array();
		for (size_t i = 0; xs && i < n; i++)
			json_array_append_new(xs, sim_json_num(x[i]));
		json_object_set_new(e, "samples", xs);
		source = sim_pathf("%s, measured samples (no family fits)", what);
	}
	if (!source) {
		json_decref(e);
		return NULL;
	}
	json_object_set_new(e, "source", json_string(source));
	free(source);
	return e;
}
