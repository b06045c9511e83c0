/*
 * sim/sweep/summarise.c — `hetsim sweep --summarise`: the mean and 95% CI
 * of a metric per (parameter value, policy) from a results file, as a CSV
 * table and a chart (sim/base/plot.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/base/out.h"
#include "sim/base/plot.h"
#include "sim/ci.h"
#include "sim/sweep/sweep.h"


typedef struct sweep_group {
	json_t *x;
	char policy[64];
	size_t policy_rank; /* order of first appearance */
	long line;          /* its first record's line */
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

/* Records of a results file that are the same (case, policy, replication)
 * are one record written twice (two runs on one file, before the lock):
 * identical ones count once, different ones are an error. seen maps the
 * key to [line, record]; *dup is set for a record to skip. */
static int check_duplicate(json_t *seen, json_t *v, const char *path, long ln,
			   int *dup, io_err *err)
{
	const char *c = json_string_value(json_object_get(v, "case"));
	*dup = 0;
	if (!c)
		return 0; /* not a sweep's record: nothing to match */
	const json_t *rv = json_object_get(v, "replication");
	char *rep = rv ? json_dumps(rv, JSON_COMPACT | JSON_ENCODE_ANY)
		       : strdup("(none)");
	const char *pol = json_string_value(json_object_get(v, "policy"));
	size_t klen = strlen(c) + strlen(pol) + (rep ? strlen(rep) : 0) + 3;
	char *key = malloc(klen);
	int rc = 0;
	if (!key || !rep) {
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	} else {
		snprintf(key, klen, "%s/%s/%s", c, pol, rep);
		const json_t *first = json_object_get(seen, key);
		if (!first)
			json_object_set_new(seen, key, json_pack("[IO]", (json_int_t)ln, v));
		else if (json_equal(json_array_get(first, 1), v))
			*dup = 1;
		else
			rc = io_errf(err, IO_EINPUT, path, ln,
				       "case %s, policy %s, replication %s is also "
				       "at line %lld, with other values (a file "
				       "written by two runs?)",
				       c, pol, rep,
				       (long long)json_integer_value(json_array_get(first, 0)));
	}
	free(key);
	free(rep);
	return rc;
}

/* --plot needs numbers on the x axis and a row to plot: checked before
 * anything is written. */
static int check_plottable(const sweep_group *g, size_t ng, const char *path,
			   const char *xp, io_err *err)
{
	size_t rows = 0;
	for (size_t k = 0; k < ng; k++) {
		if (!json_is_number(g[k].x)) {
			char val[80];
			sim_sweep_value_text(val, sizeof val, g[k].x);
			return io_errf(err, IO_EINPUT, path, g[k].line,
					 "--x \"%s\" value %s is not a number: it "
					 "cannot be plotted (--plot)", xp, val);
		}
		rows += g[k].n > 0;
	}
	return rows ? 0 : io_errf(err, IO_EINPUT, path, 0,
				    "no finite values of the metric to plot");
}

static int summarise(const char *path, const char *xp, const char *metric,
		     const char *csv_out, const char *plot_out)
{
	io_err err = {0};
	io_lines *r = NULL;
	sweep_group *g = NULL;
	size_t ng = 0, gcap = 0, n_pol = 0, n_dup = 0;
	json_t *seen = json_object();
	int rc = seen ? io_lines_open(&r, path, &err)
		      : io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
	char *line;
	size_t len;
	while (!rc && (rc = io_lines_next(r, &line, &len, &err)) == 1) {
		rc = 0;
		long ln = io_lines_lineno(r);
		json_error_t je;
		json_t *v = json_loadb(line, len, 0, &je);
		const json_t *x = json_object_get(json_object_get(v, "params"), xp);
		const char *pol = json_string_value(json_object_get(v, "policy"));
		const json_t *mv = json_object_get(json_object_get(v, "metrics"), metric);
		if (!v)
			rc = io_errf(&err, IO_EINPUT, path, ln, "%s", je.text);
		else if (!x)
			rc = io_errf(&err, IO_EINPUT, path, ln, "no parameter \"%s\"", xp);
		else if (!pol)
			rc = io_errf(&err, IO_EINPUT, path, ln, "no \"policy\"");
		else if (!mv)
			rc = io_errf(&err, IO_EINPUT, path, ln, "no metric \"%s\"", metric);
		int dup = 0;
		if (!rc)
			rc = check_duplicate(seen, v, path, ln, &dup, &err);
		if (dup) {
			n_dup++;
			json_decref(v);
			continue;
		}
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
					rc = io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
				else
					g = ngp;
			}
			if (!rc) {
				memset(&g[ng], 0, sizeof g[ng]);
				g[ng].x = json_incref((json_t *)x);
				snprintf(g[ng].policy, sizeof g[ng].policy, "%s", pol);
				g[ng].policy_rank = rank;
				g[ng].line = ln;
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
					rc = io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
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
	io_lines_close(r);
	json_decref(seen);
	if (!rc && ng == 0)
		rc = io_errf(&err, IO_EINPUT, path, 0, "no results");
	if (!rc && plot_out)
		rc = check_plottable(g, ng, path, xp, &err);
	if (!rc && n_dup)
		fprintf(stderr,
			"sweep: %s: %zu duplicate records (same case, policy, "
			"replication and values) counted once\n",
			path, n_dup);
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = rc ? NULL : open_memstream(&text, &tlen);
	if (!rc && !f)
		rc = io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
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
			rc = io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	/* with --plot, the table is published only once the plot is made:
	 * it is written beside its place first and the plot reads it there */
	char csv_path[1100] = "", tmp_path[1200] = "";
	if (!rc) {
		if (csv_out)
			snprintf(csv_path, sizeof csv_path, "%s", csv_out);
		else if (plot_out)
			snprintf(csv_path, sizeof csv_path, "%s.csv", plot_out);
		if (plot_out)
			snprintf(tmp_path, sizeof tmp_path, "%s.tmp-%ld", csv_path,
				 (long)getpid());
		if (csv_path[0])
			rc = sim_write_text(plot_out ? tmp_path : csv_path, text,
					    tlen, &err);
		else if (fwrite(text, 1, tlen, stdout) != tlen)
			rc = io_errf(&err, IO_EIO, NULL, 0, "cannot write to standard output");
	}
	free(text);
	for (size_t k = 0; k < ng; k++) {
		json_decref(g[k].x);
		free(g[k].v);
	}
	free(g);
	if (rc)
		return sim_sweep_fail(&err);
	if (plot_out) {
		sim_plot_spec sp = {.csv = tmp_path, .x = "x", .y = "mean",
				    .series = "policy", .lo = "ci95_low",
				    .hi = "ci95_high", .title = "", .xlabel = xp,
				    .ylabel = metric, .out = plot_out, .scale = 1};
		rc = sim_plot_table(&sp, &err) ? sim_sweep_fail(&err) : 0;
		if (!rc && rename(tmp_path, csv_path) != 0) {
			io_errf(&err, IO_EIO, csv_path, 0, "cannot write: %s",
				  strerror(errno));
			rc = sim_sweep_fail(&err);
		}
		unlink(tmp_path);
	}
	return rc;
}

int sim_sweep_summarise(const char *path, const char *summ, const char *xp,
			const char *metric, const char *csv_out,
			const char *plot_out)
{
	int rc = sim_sweep_fold_parts(path, summ);
	return rc ? rc : summarise(summ, xp, metric, csv_out, plot_out);
}
