/*
 * profiles/wms_fit.c — fitting workflow-system overhead models (see
 * wms_fit.h for what is fitted on what, and why).
 */
#include "profiles/wms_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "profiles/fit.h"
#include "profiles/fit_table.h"
#include "profiles/gof.h"
#include "sim/base/out.h"
#include "sim/io/csv.h"

const int WMS_FIT_K_CANDIDATES[WMS_FIT_N_K] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 0};

static const char *const phase_names[WMS_FIT_N_PHASES] = {"wms_delay", "queue_delay", "startup",
							  "post_delay"};
static const char *const class_names[WMS_FIT_N_CLASSES] = {"compute", "transfer", "auxiliary"};
static const char *const aux_names[WMS_FIT_N_AUX] = {"create_dir", "stage_out", "cleanup"};

const char *wms_fit_phase_name(wms_fit_phase p)
{
	return (unsigned)p < WMS_FIT_N_PHASES ? phase_names[p] : "?";
}

const char *wms_fit_class_name(wms_fit_class c)
{
	return (unsigned)c < WMS_FIT_N_CLASSES ? class_names[c] : "?";
}

const char *wms_fit_aux_name(wms_fit_aux a)
{
	return (unsigned)a < WMS_FIT_N_AUX ? aux_names[a] : "?";
}

static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

int wms_fit_class_from_name(const char *name)
{
	return name ? name_index(class_names, WMS_FIT_N_CLASSES, name) : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double wms_fit_median(double *x, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(x, n, sizeof *x, cmp_double);
	return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* ---- reading the jobs CSV --------------------------------------------- */

enum { C_CAMPAIGN, C_RUN, C_LABEL, C_TYPE, C_CLASS, C_HOST, C_SUBMIT, C_START, C_END,
       C_WMS, C_QUEUE, C_RUNTIME, C_POST, N_COLS };
static const char *const col_names[N_COLS] = {
	"campaign", "run_id",        "anomaly_label", "job_type",    "job_class",
	"host",     "submit",        "execute_start", "execute_end", "wms_delay",
	"queue_delay", "runtime",    "post_script_delay"};

typedef struct job_row {
	uint32_t run;
	int cls, aux;
	char *host;
	double submit, start, end, wms, queue, runtime, post;
} job_row;

static int push(wms_fit_values *v, double x, uint32_t run)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		double *nx = realloc(v->x, cap * sizeof *nx);
		if (!nx)
			return -1;
		v->x = nx;
		uint32_t *nr = realloc(v->run, cap * sizeof *nr);
		if (!nr)
			return -1;
		v->run = nr;
		v->cap = cap;
	}
	v->x[v->n] = x;
	v->run[v->n++] = run;
	return 0;
}

static int nomem(io_err *err)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

/* Index of the run (added if new); -1 out of memory. */
static long run_index(wms_fit_sample *s, char *const *f, const int *col)
{
	for (uint32_t i = s->n_runs; i-- > 0;)
		if (!strcmp(s->runs[i].id, f[col[C_RUN]]) &&
		    !strcmp(s->runs[i].campaign, f[col[C_CAMPAIGN]]))
			return i;
	if (s->n_runs == s->cap_runs) {
		uint32_t cap = s->cap_runs ? 2 * s->cap_runs : 16;
		wms_fit_run *nr = realloc(s->runs, cap * sizeof *nr);
		if (!nr)
			return -1;
		s->runs = nr;
		s->cap_runs = cap;
	}
	wms_fit_run *r = &s->runs[s->n_runs];
	memset(r, 0, sizeof *r);
	r->id = strdup(f[col[C_RUN]]);
	r->campaign = strdup(f[col[C_CAMPAIGN]]);
	r->label = strdup(f[col[C_LABEL]]);
	if (!r->id || !r->campaign || !r->label) {
		free(r->id);
		free(r->campaign);
		free(r->label);
		return -1;
	}
	r->normal = !strcmp(r->label, "normal");
	r->admit_p = r->normal ? 1.0 : NAN;
	return s->n_runs++;
}

/* A time or duration field: empty = NAN (not recorded); else a number in
 * [-1e15, 1e15]; durations are >= 0. */
static int field_num(io_csv *r, char *const *f, const int *col, int c, int duration,
		     double *out, io_err *err)
{
	const char *v = f[col[c]];
	if (!*v) {
		*out = NAN;
		return 0;
	}
	if (io_parse_double(v, out) || !(fabs(*out) < IO_MAX_TIME_S))
		return io_csv_errf(r, err, "%s: not a time in seconds: \"%s\"", col_names[c], v);
	if (duration && *out < 0)
		return io_csv_errf(r, err, "%s: negative duration %s", col_names[c], v);
	return 0;
}

static int read_rows(wms_fit_sample *s, io_csv *r, const char *skip_run,
		     job_row **rows, size_t *n_rows, io_err *err)
{
	int col[N_COLS];
	int rc = io_csv_read_header(r, err);
	for (int c = 0; !rc && c < N_COLS; c++)
		rc = io_csv_need_col(r, col_names[c], &col[c], err);
	size_t cap = 0;
	while (!rc) {
		int more = io_csv_next(r, err);
		if (more < 0)
			return more;
		if (!more)
			break;
		if ((rc = io_csv_check_width(r, err)))
			break;
		char *const *f = io_csv_fields(r);
		if (*n_rows == cap) {
			cap = cap ? 2 * cap : 256;
			job_row *nr = realloc(*rows, cap * sizeof *nr);
			if (!nr)
				return nomem(err);
			*rows = nr;
		}
		job_row *j = &(*rows)[*n_rows];
		memset(j, 0, sizeof *j);
		if (!*f[col[C_RUN]])
			return io_csv_errf(r, err, "run_id is empty");
		if (skip_run && !strcmp(f[col[C_RUN]], skip_run)) {
			s->n_skipped++;
			continue;
		}
		j->cls = wms_fit_class_from_name(f[col[C_CLASS]]);
		if (j->cls < 0)
			return io_csv_errf(r, err, "job_class \"%s\" is not compute, transfer "
					   "or auxiliary", f[col[C_CLASS]]);
		j->aux = name_index(aux_names, WMS_FIT_N_AUX, f[col[C_TYPE]]);
		long run = run_index(s, f, col);
		if (run < 0)
			return nomem(err);
		j->run = (uint32_t)run;
		j->host = strdup(f[col[C_HOST]]);
		if (!j->host)
			return nomem(err);
		(*n_rows)++;
		const int num[] = {C_SUBMIT, C_START, C_END, C_WMS, C_QUEUE, C_RUNTIME, C_POST};
		double *dst[] = {&j->submit, &j->start, &j->end, &j->wms, &j->queue, &j->runtime,
				 &j->post};
		for (size_t k = 0; !rc && k < sizeof num / sizeof *num; k++)
			rc = field_num(r, f, col, num[k], k >= 3, dst[k], err);
		if (!rc && isfinite(j->start) && isfinite(j->end) && j->end < j->start)
			rc = io_csv_errf(r, err, "execute_end %g is before execute_start %g",
					 j->end, j->start);
	}
	if (!rc && *n_rows == 0)
		rc = io_errf(err, IO_EINPUT, s->path, io_csv_header_line(r), "no job rows");
	return rc;
}

/* Did another job on j's host end in (submit, start + WAIT_TOL_S]? Then j
 * waited for that slot. The tolerance: a job's end is its JOB_SUCCESS
 * event, which DAGMan logs up to one log-scan interval (5 s) after the
 * slot was already handed to the next job (seen in the data: starts 1-2 s
 * before the end that freed their slot). */
#define WAIT_TOL_S 5.0
static int waited_for_slot(const job_row *rows, size_t n, size_t j)
{
	const job_row *a = &rows[j];
	if (!isfinite(a->submit) || !isfinite(a->start) || !*a->host)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const job_row *b = &rows[i];
		if (i != j && b->run == a->run && isfinite(b->end) && b->end > a->submit &&
		    b->end <= a->start + WAIT_TOL_S && !strcmp(b->host, a->host))
			return 1;
	}
	return 0;
}

/* Compute jobs' wms_delay of run r, sorted; count in *n. */
static double *run_wms(const job_row *rows, size_t n_rows, uint32_t r, size_t *n)
{
	double *x = malloc((n_rows ? n_rows : 1) * sizeof *x);
	*n = 0;
	for (size_t i = 0; x && i < n_rows; i++)
		if (rows[i].run == r && rows[i].cls == WMS_FIT_COMPUTE && isfinite(rows[i].wms))
			x[(*n)++] = rows[i].wms;
	if (x)
		qsort(x, *n, sizeof *x, cmp_double);
	return x;
}

/* Two-sample KS of each anomalous run's submit-host delays against the
 * normal run of its campaign. */
static int admit_runs(wms_fit_sample *s, const job_row *rows, size_t n_rows, io_err *err)
{
	for (uint32_t r = 0; r < s->n_runs; r++) {
		wms_fit_run *run = &s->runs[r];
		if (run->normal) {
			run->admitted = 1;
			continue;
		}
		long ref = -1;
		for (uint32_t q = 0; q < s->n_runs && ref < 0; q++)
			if (s->runs[q].normal && !strcmp(s->runs[q].campaign, run->campaign))
				ref = q;
		if (ref < 0)
			continue; /* no normal run to compare with: not used */
		size_t na, nb;
		double *a = run_wms(rows, n_rows, r, &na);
		double *b = run_wms(rows, n_rows, (uint32_t)ref, &nb);
		if (!a || !b) {
			free(a);
			free(b);
			return nomem(err);
		}
		if (na > 0 && nb > 0) {
			/* the best of shifts by -1, 0, +1 s: the data's resolution */
			run->admit_p = 0;
			for (int sh = -1; sh <= 1; sh++) {
				for (size_t i = 0; i < na; i++)
					a[i] += sh;
				double p = prof_ks2_pvalue(prof_ks2_stat(a, na, b, nb), na, nb);
				for (size_t i = 0; i < na; i++)
					a[i] -= sh;
				if (p > run->admit_p)
					run->admit_p = p;
			}
			run->admitted = run->admit_p >= WMS_FIT_ADMIT_P;
		}
		free(a);
		free(b);
	}
	return 0;
}

int wms_fit_sample_read(wms_fit_sample *s, const char *path, io_err *err)
{
	return wms_fit_sample_read_except(s, path, NULL, err);
}

int wms_fit_sample_read_except(wms_fit_sample *s, const char *path,
			       const char *skip_run, io_err *err)
{
	memset(s, 0, sizeof *s);
	s->path = strdup(path);
	if (!s->path)
		return nomem(err);
	io_csv *r = NULL;
	int rc = io_csv_open(&r, path, err);
	job_row *rows = NULL;
	size_t n_rows = 0;
	if (!rc)
		rc = read_rows(s, r, skip_run, &rows, &n_rows, err);
	io_csv_close(r);
	s->n_rows = n_rows;
	if (!rc)
		rc = admit_runs(s, rows, n_rows, err);
	for (size_t i = 0; !rc && i < n_rows; i++) {
		const job_row *j = &rows[i];
		const wms_fit_run *run = &s->runs[j->run];
		int c = j->cls, bad = 0;
		if (run->admitted) {
			if (isfinite(j->wms))
				bad |= push(&s->v[WMS_FIT_WMS_DELAY][c], j->wms, j->run);
			if (isfinite(j->post))
				bad |= push(&s->v[WMS_FIT_POST_DELAY][c], j->post, j->run);
		}
		if (run->normal && isfinite(j->queue)) {
			if (waited_for_slot(rows, n_rows, i))
				s->n_slot_wait++;
			else
				bad |= push(&s->v[WMS_FIT_QUEUE_DELAY][c], j->queue, j->run);
		}
		if (run->normal && j->aux >= 0 && isfinite(j->runtime))
			bad |= push(&s->aux[j->aux], j->runtime, j->run);
		if (j->aux >= 0)
			s->runs[j->run].aux_count[j->aux]++;
		if (bad)
			rc = nomem(err);
	}
	for (size_t i = 0; i < n_rows; i++)
		free(rows[i].host);
	free(rows);
	return rc;
}

static void values_free(wms_fit_values *v)
{
	free(v->x);
	free(v->run);
	memset(v, 0, sizeof *v);
}

void wms_fit_sample_free(wms_fit_sample *s)
{
	if (!s)
		return;
	for (int p = 0; p < WMS_FIT_N_PHASES; p++)
		for (int c = 0; c < WMS_FIT_N_CLASSES; c++)
			values_free(&s->v[p][c]);
	for (int a = 0; a < WMS_FIT_N_AUX; a++)
		values_free(&s->aux[a]);
	for (uint32_t r = 0; r < s->n_runs; r++) {
		free(s->runs[r].id);
		free(s->runs[r].campaign);
		free(s->runs[r].label);
	}
	free(s->runs);
	free(s->path);
	memset(s, 0, sizeof *s);
}

/* ---- fitting ------------------------------------------------------------ */

/* held[r] = 1 when run r is held out for v: the rank of r among the runs
 * with values in v (in run order) is 1 modulo WMS_FIT_HOLD_EVERY. */
static uint8_t *held_runs(const wms_fit_sample *s, const wms_fit_values *v)
{
	uint8_t *held = calloc(s->n_runs ? s->n_runs : 1, 1);
	if (!held)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (v->run[i] < s->n_runs)
			held[v->run[i]] = 1; /* has values */
	int rank = 0;
	for (uint32_t r = 0; r < s->n_runs; r++)
		if (held[r])
			held[r] = rank++ % WMS_FIT_HOLD_EVERY == 1;
	return held;
}

long wms_fit_select(const wms_fit_sample *s, const wms_fit_values *v, int held, double **x)
{
	*x = NULL;
	if (v->n == 0)
		return 0;
	uint8_t *h = held_runs(s, v);
	*x = malloc(v->n * sizeof **x);
	if (!*x || !h) {
		free(h);
		free(*x);
		*x = NULL;
		return -1;
	}
	long n = 0;
	for (size_t i = 0; i < v->n; i++)
		if (held < 0 || (v->run[i] < s->n_runs && h[v->run[i]] == held))
			(*x)[n++] = v->x[i];
	free(h);
	qsort(*x, (size_t)n, sizeof **x, cmp_double);
	return n;
}

static double model_cdf(const void *ctx, double x)
{
	return prof_model_cdf(ctx, x);
}

/* The family best by AIC on x (as prof_fit_exec_entry chooses it) as a
 * model; 0 when no family fits (the entry is then the samples). */
static int best_fit(const double *x, size_t n, prof_model *m)
{
	prof_fit best = {0}, fit;
	int have = 0;
	for (int f = 0; f < PROF_FAM_COUNT && n >= 2; f++)
		if (!prof_fit_family(x, n, (prof_family)f, &fit) && fit.ok &&
		    (!have || fit.aic < best.aic)) {
			best = fit;
			have = 1;
		}
	if (have)
		prof_fit_model(&best, m);
	return have;
}

static double mean_of(const double *x, long n)
{
	double sum = 0;
	for (long i = 0; i < n; i++)
		sum += x[i];
	return n > 0 ? sum / (double)n : NAN;
}

json_t *wms_fit_dist(const wms_fit_sample *s, const wms_fit_values *v, const char *what,
		     wms_fit_gof *g)
{
	double *all = NULL, *train = NULL, *test = NULL;
	long n = wms_fit_select(s, v, -1, &all);
	long nt = wms_fit_select(s, v, 0, &train);
	long nh = wms_fit_select(s, v, 1, &test);
	json_t *e = NULL;
	g->ks_held = g->model_mean_train_s = g->mean_held_s = g->mean_s = NAN;
	g->n_train = nt > 0 ? (size_t)nt : 0;
	g->n_held = nh > 0 ? (size_t)nh : 0;
	if (n >= 2 && nt >= 0 && nh >= 0) {
		prof_model m;
		g->mean_s = best_fit(all, (size_t)n, &m) ? m.mean : mean_of(all, n);
		/* held out: the family best on the training runs, tested on the
		 * held-out runs' values */
		if (nh > 0 && best_fit(train, (size_t)nt, &m)) {
			g->ks_held = prof_ks_stat(test, (size_t)nh, model_cdf, &m);
			g->model_mean_train_s = m.mean;
			g->mean_held_s = mean_of(test, nh);
		}
		char extra[200];
		if (isnan(g->ks_held))
			snprintf(extra, sizeof extra, ", no held-out test (%ld held-out values)", nh);
		else
			snprintf(extra, sizeof extra,
				 ", held out: KS D=%.3f, mean %.3g s against the model's %.3g s "
				 "(fit on %ld values, tested on %ld of other runs)",
				 g->ks_held, g->mean_held_s, g->model_mean_train_s, nt, nh);
		e = prof_fit_exec_entry("", "", all, (size_t)n, what, extra);
		if (e) {
			json_object_del(e, "task");
			json_object_del(e, "machine");
		}
	}
	free(all);
	free(train);
	free(test);
	return e;
}

/* Median over the normal runs of the count of aux jobs of kind a. */
static int median_count(const wms_fit_sample *s, wms_fit_aux a)
{
	double *c = malloc((s->n_runs ? s->n_runs : 1) * sizeof *c);
	size_t n = 0;
	for (uint32_t r = 0; c && r < s->n_runs; r++)
		if (s->runs[r].normal)
			c[n++] = s->runs[r].aux_count[a];
	int m = n ? (int)lround(wms_fit_median(c, n)) : 0;
	free(c);
	return m;
}

int wms_fit_from_sample(const wms_fit_sample *s, json_t **phases, json_t **aux_jobs,
			wms_fit_means *means, FILE *report, io_err *err)
{
	wms_fit_means mloc;
	if (!means)
		means = &mloc;
	*phases = json_object();
	*aux_jobs = json_array();
	if (!*phases || !*aux_jobs)
		goto oom;
	for (int p = 0; p < WMS_FIT_N_PHASES; p++) {
		json_t *ph = NULL;
		for (int c = 0; c < WMS_FIT_N_CLASSES; c++) {
			means->phase_s[p][c] = NAN;
			char what[256];
			snprintf(what, sizeof what, "%s of %s jobs, %s", phase_names[p],
				 class_names[c], s->path);
			wms_fit_gof g;
			json_t *d = wms_fit_dist(s, &s->v[p][c], what, &g);
			if (!d)
				continue;
			means->phase_s[p][c] = g.mean_s;
			if (!ph && (!(ph = json_object()) || json_object_set_new(*phases, phase_names[p], ph)))
				goto oom;
			if (c == WMS_FIT_COMPUTE &&
			    json_object_set_new(ph, "*", json_deep_copy(d)))
				goto oom;
			if (json_object_set_new(ph, class_names[c], d))
				goto oom;
			if (report)
				fprintf(report,
					"%-11s %-9s n=%-4zu %-11s mean %6.2f s | held out: n=%-4zu "
					"KS D %5.3f, mean %6.2f s vs %6.2f s\n",
					phase_names[p], class_names[c], s->v[p][c].n,
					json_string_value(json_object_get(d, "model")), g.mean_s,
					g.n_held, g.ks_held, g.mean_held_s, g.model_mean_train_s);
		}
	}
	static const char *const where[WMS_FIT_N_AUX] = {"first", "after_sinks", "last"};
	static const char *const cls[WMS_FIT_N_AUX] = {"auxiliary", "transfer", "auxiliary"};
	for (int a = 0; a < WMS_FIT_N_AUX; a++) {
		means->aux_runtime_s[a] = NAN;
		means->aux_count[a] = 0;
		char what[256];
		snprintf(what, sizeof what, "runtime of %s jobs, %s", aux_names[a], s->path);
		wms_fit_gof g;
		json_t *d = wms_fit_dist(s, &s->aux[a], what, &g);
		if (!d)
			continue;
		double mean = g.mean_s;
		int count = a == WMS_FIT_AUX_STAGE_OUT ? median_count(s, (wms_fit_aux)a) : 1;
		means->aux_runtime_s[a] = mean;
		means->aux_count[a] = count;
		json_t *j = json_object();
		if (!j || json_array_append_new(*aux_jobs, j)) {
			json_decref(d);
			goto oom;
		}
		json_object_set_new(j, "kind", json_string(aux_names[a]));
		json_object_set_new(j, "class", json_string(cls[a]));
		json_object_set_new(j, "where", json_string(where[a]));
		if (a == WMS_FIT_AUX_STAGE_OUT)
			json_object_set_new(j, "count", json_integer(count));
		json_object_set_new(j, "runtime", d);
		if (report)
			fprintf(report, "aux %-11s x%d n=%-4zu mean runtime %.2f s\n", aux_names[a],
				count, s->aux[a].n, mean);
	}
	return 0;
oom:
	json_decref(*phases);
	json_decref(*aux_jobs);
	*phases = *aux_jobs = NULL;
	return nomem(err);
}

/* ---- search on makespans -------------------------------------------------- */

static int used(const wms_fit_search_args *a, size_t i)
{
	return (long)i != a->exclude && (!a->use || a->use[i]);
}

/* h >= 0 with makespan(h) = recorded for trace i at k (0 when even h = 0
 * is too long; the cap when even the cap is too short). */
static int root_h(const wms_fit_search_args *a, size_t i, int k, double *h, size_t *sims,
		  io_err *err)
{
	double rec = a->recorded_s[i], m;
	int rc = a->makespan(a->ctx, i, 0, k, &m, err);
	++*sims;
	if (rc)
		return rc;
	if (m >= rec) {
		*h = 0;
		return 0;
	}
	double lo = 0, hi = 1;
	for (;;) {
		if ((rc = a->makespan(a->ctx, i, hi, k, &m, err)))
			return rc;
		++*sims;
		if (m >= rec || hi >= 1e6)
			break;
		lo = hi;
		hi *= 4;
	}
	if (m < rec) {
		*h = hi;
		return 0;
	}
	for (int it = 0; it < 40 && hi - lo > 1e-4 * (1 + hi); it++) {
		double mid = 0.5 * (lo + hi);
		if ((rc = a->makespan(a->ctx, i, mid, k, &m, err)))
			return rc;
		++*sims;
		if (m >= rec)
			hi = mid;
		else
			lo = mid;
	}
	*h = 0.5 * (lo + hi);
	return 0;
}

static double k_log(int k)
{
	return log(k > 0 ? (double)k : 4096.0);
}

int wms_fit_search(const wms_fit_search_args *a, wms_fit_result *r, io_err *err)
{
	memset(r, 0, sizeof *r);
	size_t n = 0;
	for (size_t i = 0; i < a->n_traces; i++)
		n += used(a, i);
	if (n == 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "no trace left to fit the overhead on");
	double *h = malloc(n * sizeof *h), *e = malloc(n * sizeof *e);
	if (!h || !e) {
		free(h);
		free(e);
		return nomem(err);
	}
	int rc = 0, have = 0;
	r->n_used = n;
	int nk = a->k_unlimited ? 1 : WMS_FIT_N_K;
	for (int c = 0; !rc && c < nk; c++) {
		int k = a->k_unlimited ? 0 : WMS_FIT_K_CANDIDATES[c];
		double hk = 0;
		if (a->fit_h) {
			size_t m = 0;
			for (size_t i = 0; !rc && i < a->n_traces; i++)
				if (used(a, i))
					rc = root_h(a, i, k, &h[m++], &r->n_sims, err);
			if (rc)
				break;
			hk = wms_fit_median(h, n);
		}
		size_t m = 0;
		for (size_t i = 0; !rc && i < a->n_traces; i++) {
			if (!used(a, i))
				continue;
			double sim;
			rc = a->makespan(a->ctx, i, hk, k, &sim, err);
			r->n_sims++;
			e[m++] = fabs(log(sim / a->recorded_s[i]));
		}
		if (rc)
			break;
		double score = wms_fit_median(e, n);
		int better;
		if (!have)
			better = 1;
		else if (score < r->score - 1e-3)
			better = 1;
		else if (score > r->score + 1e-3)
			better = 0;
		else if (a->prior_k >= 0)
			better = fabs(k_log(k) - k_log(a->prior_k)) <
				 fabs(k_log(r->k) - k_log(a->prior_k));
		else
			better = k_log(k) > k_log(r->k);
		if (better) {
			r->k = k;
			r->h_s = hk;
			r->score = score;
			have = 1;
		}
	}
	free(h);
	free(e);
	return rc;
}
