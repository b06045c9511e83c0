/* sim/gantt_real.c — labelled data sets of Gantt charts: seed-001 labels,
 * splits, the manifest, and the conversion of real Pegasus runs (see
 * gantt.h). */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/base/out.h"
#include "sim/gantt.h"
#include "sim/io/csv.h"

/* ---- labels and splits ---------------------------------------------- */

/* s is digits, with one '.' and more digits after it when point is set. */
static int is_number(const char *s, int point)
{
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (point && *s == '.' && isdigit((unsigned char)s[1]))
		for (s++; isdigit((unsigned char)*s);)
			s++;
	return *s == 0;
}

const char *gantt_coarse_class(const char *label)
{
	if (!strcmp(label, "normal"))
		return "normal";
	if (!strncmp(label, "cpu_", 4) && is_number(label + 4, 0))
		return "cpu";
	if (!strncmp(label, "hdd_", 4) && is_number(label + 4, 0))
		return "hdd";
	if (!strncmp(label, "loss_", 5) && is_number(label + 5, 1))
		return "loss";
	return NULL;
}

const char *gantt_split(size_t k, size_t n)
{
	size_t tenth = n / 10;
	return k < n - 2 * tenth ? "train" : k < n - tenth ? "validation" : "test";
}

/* ---- the manifest --------------------------------------------------- */

typedef struct entry {
	char *file, *coarse, *label, *node, *split;
	int has_seed;
	uint64_t seed;
	double t0, t1;
} entry;

struct gantt_manifest {
	pthread_mutex_t lock;
	entry *e;
	size_t n, cap;
};

gantt_manifest *gantt_manifest_new(void)
{
	gantt_manifest *m = calloc(1, sizeof *m);
	if (m && pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

static void entry_free(entry *e)
{
	free(e->file);
	free(e->coarse);
	free(e->label);
	free(e->node);
	free(e->split);
}

void gantt_manifest_free(gantt_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		entry_free(&m->e[i]);
	free(m->e);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

size_t gantt_manifest_count(const gantt_manifest *m)
{
	return m->n;
}

static char *dup_or_null(const char *s, int *failed)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	*failed |= d == NULL;
	return d;
}

int gantt_manifest_add(gantt_manifest *m, const gantt_entry *e, io_err *err)
{
	if (!e->file || !e->coarse || !e->label || !e->split)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "manifest entry without file, class, label or "
			       "split");
	int failed = 0;
	entry x = {.file = dup_or_null(e->file, &failed),
		   .coarse = dup_or_null(e->coarse, &failed),
		   .label = dup_or_null(e->label, &failed),
		   .node = dup_or_null(e->anomaly_node, &failed),
		   .split = dup_or_null(e->split, &failed),
		   .has_seed = e->has_seed,
		   .seed = e->seed,
		   .t0 = e->anomaly_t0,
		   .t1 = e->anomaly_t1};
	pthread_mutex_lock(&m->lock);
	if (!failed && m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		entry *b = realloc(m->e, cap * sizeof *b);
		if (b) {
			m->e = b;
			m->cap = cap;
		} else {
			failed = 1;
		}
	}
	if (!failed)
		m->e[m->n++] = x;
	pthread_mutex_unlock(&m->lock);
	if (failed) {
		entry_free(&x);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	return 0;
}

static int by_file(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->file, ((const entry *)b)->file);
}

static void add_time(sim_text *t, double x)
{
	char buf[SIM_FMT_TIME_MAX];
	if (!isnan(x)) {
		sim_fmt_time(buf, x);
		sim_text_add(t, "%s", buf);
	}
	sim_text_add(t, ",");
}

int gantt_manifest_write(gantt_manifest *m, const char *path, io_err *err)
{
	qsort(m->e, m->n, sizeof *m->e, by_file);
	sim_text t = {0};
	sim_text_add(&t, GANTT_MANIFEST_HEADER "\n");
	for (size_t i = 0; i < m->n; i++) {
		const entry *e = &m->e[i];
		gantt_csv_field(&t, e->file);
		gantt_csv_field(&t, e->coarse);
		gantt_csv_field(&t, e->label);
		if (e->has_seed)
			sim_text_add(&t, "%llu", (unsigned long long)e->seed);
		sim_text_add(&t, ",");
		gantt_csv_field(&t, e->node ? e->node : "");
		add_time(&t, e->t0);
		add_time(&t, e->t1);
		sim_text_add(&t, "%s\n", e->split);
	}
	int rc = t.failed ? io_errf(err, IO_ENOMEM, NULL, 0, "out of memory")
			  : sim_write_text(path, t.buf, t.len, err);
	free(t.buf);
	return rc;
}

/* ---- real runs ------------------------------------------------------ */

#define RUNS_FILE "1000genome_runs_sample.csv"
#define JOBS_FILE "1000genome_jobs_sample.csv"

typedef struct real_run {
	char *campaign, *run_id, *label, *hosts;
	long long n_jobs, n_anomalous; /* n_anomalous < 0: not recorded */
	long long anomalous_seen;
	long line;
	gantt_run run;
	size_t cap;
} real_run;

typedef struct real_set {
	real_run *runs;
	size_t n;
	char *runs_path, *jobs_path;
} real_set;

static void real_free(real_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		real_run *r = &s->runs[i];
		free(r->campaign);
		free(r->run_id);
		free(r->label);
		free(r->hosts);
		gantt_free(&r->run);
	}
	free(s->runs);
	free(s->runs_path);
	free(s->jobs_path);
}

/* A name that becomes a path component: letters, digits, '.', '_', '-',
 * not starting with '.'. */
static int safe_name(const char *s)
{
	if (!*s || *s == '.')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return 0;
	return 1;
}

static int need_cols(io_csv *r, const char *const *names, int *cols, int n,
		     io_err *err)
{
	for (int i = 0; i < n; i++) {
		int rc = io_csv_need_col(r, names[i], &cols[i], err);
		if (rc)
			return rc;
	}
	return 0;
}

/* A count column: empty (-1 when allowed) or a whole number. */
static int parse_count(io_csv *r, const char *col, const char *v, int empty_ok,
		       long long *out, io_err *err)
{
	double x;
	if (!*v && empty_ok) {
		*out = -1;
		return 0;
	}
	if (io_parse_double(v, &x) || x < 0 || x > 1e15 || x != floor(x))
		return io_csv_errf(r, err, "%s \"%s\" is not a whole number >= 0",
				   col, v);
	*out = (long long)x;
	return 0;
}

enum { R_CAMPAIGN, R_RUN, R_LABEL, R_NJOBS, R_NANOM, R_HOSTS, R_NCOLS };

static int read_runs(real_set *s, io_err *err)
{
	static const char *const names[R_NCOLS] = {
		"campaign", "run_id", "anomaly_label", "n_jobs",
		"n_jobs_labelled_anomalous", "anomalous_hosts"};
	int col[R_NCOLS];
	io_csv *r;
	int rc = io_csv_open(&r, s->runs_path, err);
	if (rc)
		return rc;
	rc = io_csv_read_header(r, err);
	if (!rc)
		rc = need_cols(r, names, col, R_NCOLS, err);
	size_t cap = 0;
	while (!rc && (rc = io_csv_next(r, err)) == 1) {
		rc = io_csv_check_width(r, err);
		if (rc)
			break;
		char *const *f = io_csv_fields(r);
		if (!safe_name(f[col[R_CAMPAIGN]]) || !safe_name(f[col[R_RUN]])) {
			rc = io_csv_errf(r, err,
					 "campaign \"%s\" or run_id \"%s\": "
					 "letters, digits, '.', '_' and '-' "
					 "only (they name files)",
					 f[col[R_CAMPAIGN]], f[col[R_RUN]]);
			break;
		}
		if (!gantt_coarse_class(f[col[R_LABEL]])) {
			rc = io_csv_errf(r, err,
					 "anomaly_label \"%s\" is not a seed-001 "
					 "label (normal, cpu_K, hdd_K, loss_X)",
					 f[col[R_LABEL]]);
			break;
		}
		for (size_t i = 0; i < s->n; i++)
			if (!strcmp(s->runs[i].campaign, f[col[R_CAMPAIGN]]) &&
			    !strcmp(s->runs[i].run_id, f[col[R_RUN]]))
				rc = io_csv_errf(r, err,
						 "run %s/%s is listed twice (also "
						 "line %ld)",
						 f[col[R_CAMPAIGN]], f[col[R_RUN]],
						 s->runs[i].line);
		if (rc)
			break;
		if (s->n == cap) {
			size_t ncap = cap ? 2 * cap : 32;
			real_run *b = realloc(s->runs, ncap * sizeof *b);
			if (!b) {
				rc = io_errf(err, IO_ENOMEM, NULL, 0,
					     "out of memory");
				break;
			}
			s->runs = b;
			cap = ncap;
		}
		real_run *x = &s->runs[s->n++];
		memset(x, 0, sizeof *x);
		x->line = io_csv_line(r);
		x->campaign = strdup(f[col[R_CAMPAIGN]]);
		x->run_id = strdup(f[col[R_RUN]]);
		x->label = strdup(f[col[R_LABEL]]);
		x->hosts = strdup(f[col[R_HOSTS]]);
		if (!x->campaign || !x->run_id || !x->label || !x->hosts) {
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			break;
		}
		rc = parse_count(r, names[R_NJOBS], f[col[R_NJOBS]], 0,
				 &x->n_jobs, err);
		if (!rc)
			rc = parse_count(r, names[R_NANOM], f[col[R_NANOM]], 1,
					 &x->n_anomalous, err);
	}
	if (!rc && s->n == 0)
		rc = io_errf(err, IO_EINPUT, s->runs_path, 0, "no runs");
	io_csv_close(r);
	return rc;
}

enum {
	J_CAMPAIGN, J_RUN, J_LABEL, J_JOB_LABEL, J_NODE, J_TYPE, J_CLASS,
	J_HOST, J_READY, J_SUBMIT, J_SI0, J_SI1, J_X0, J_X1, J_SO0, J_SO1,
	J_POST, J_SI_DELAY, J_SO_DELAY, J_NCOLS
};

/* A time or duration column: empty is NAN. */
static int parse_time(io_csv *r, const char *col, const char *v, double *out,
		      io_err *err)
{
	*out = NAN;
	if (!*v)
		return 0;
	if (io_parse_double(v, out) || !(*out >= 0 && *out < IO_MAX_TIME_S))
		return io_csv_errf(r, err,
				   "%s \"%s\" is not a time in [0, %g) s", col,
				   v, IO_MAX_TIME_S);
	return 0;
}

/* Put [*a, *b] inside [lo, hi]; 1 if it moved. */
static int clamp_pair(double *a, double *b, double lo, double hi)
{
	double na = fmin(fmax(*a, lo), hi), nb = fmin(fmax(*b, na), hi);
	int moved = na != *a || nb != *b;
	*a = na;
	*b = nb;
	return moved;
}

/* The shared spec's mapping of one job row (see gantt.h). */
static int map_job(io_csv *r, char *const *f, const int *col, gantt_job *j,
		   gantt_real_stats *st, io_err *err)
{
	static const struct {
		int col;
		gantt_time t;
	} direct[] = {{J_READY, GANTT_READY},	 {J_SUBMIT, GANTT_SUBMIT},
		      {J_X0, GANTT_START},	 {J_X1, GANTT_END},
		      {J_POST, GANTT_POST_END}, {J_SI0, GANTT_STAGE_IN_START},
		      {J_SI1, GANTT_STAGE_IN_END}, {J_SO0, GANTT_STAGE_OUT_START},
		      {J_SO1, GANTT_STAGE_OUT_END}};
	static const char *const class_names[] = {"compute", "transfer",
						  "auxiliary"};
	for (int k = 0; k < GANTT_NTIMES; k++)
		j->t[k] = NAN;
	int rc = 0;
	for (size_t k = 0; !rc && k < sizeof direct / sizeof direct[0]; k++)
		rc = parse_time(r, io_csv_header(r)[col[direct[k].col]],
				f[col[direct[k].col]], &j->t[direct[k].t], err);
	double si_delay, so_delay;
	if (!rc)
		rc = parse_time(r, "stage_in_delay", f[col[J_SI_DELAY]],
				&si_delay, err);
	if (!rc)
		rc = parse_time(r, "stage_out_delay", f[col[J_SO_DELAY]],
				&so_delay, err);
	if (rc)
		return rc;
	int c = 0;
	while (c < 3 && strcmp(f[col[J_CLASS]], class_names[c]))
		c++;
	if (c == 3)
		return io_csv_errf(r, err,
				   "job_class \"%s\" is not compute, transfer "
				   "or auxiliary",
				   f[col[J_CLASS]]);
	j->cls = (gantt_class)c;
	double *t = j->t, start = t[GANTT_START], end = t[GANTT_END];
	if (isnan(start) || isnan(end) || end < start)
		return io_csv_errf(r, err,
				   "execute_start and execute_end must be given, "
				   "in order");
	for (int p = GANTT_STAGE_IN_START; p <= GANTT_STAGE_OUT_START; p += 4) {
		if (isnan(t[p]) != isnan(t[p + 1]))
			return io_csv_errf(r, err,
					   "a staging window with one end only");
		if (!isnan(t[p]))
			st->clamped += (size_t)clamp_pair(&t[p], &t[p + 1], start,
							  end);
	}
	/* poseidon2020: durations only (see gantt.h) */
	if (isnan(t[GANTT_STAGE_IN_START]) && si_delay > 0) {
		t[GANTT_STAGE_IN_START] = start;
		t[GANTT_STAGE_IN_END] = fmin(start + si_delay, end);
		st->placed++;
	}
	if (isnan(t[GANTT_STAGE_OUT_START]) && so_delay > 0) {
		t[GANTT_STAGE_OUT_START] =
			fmax(end - so_delay, isnan(t[GANTT_STAGE_IN_END])
						     ? start
						     : t[GANTT_STAGE_IN_END]);
		t[GANTT_STAGE_OUT_END] = end;
		st->placed++;
	}
	t[GANTT_COMPUTE_START] =
		isnan(t[GANTT_STAGE_IN_END]) ? start : t[GANTT_STAGE_IN_END];
	t[GANTT_COMPUTE_END] =
		isnan(t[GANTT_STAGE_OUT_START]) ? end : t[GANTT_STAGE_OUT_START];
	if (t[GANTT_COMPUTE_END] < t[GANTT_COMPUTE_START]) /* staging overlaps */
		t[GANTT_COMPUTE_END] = t[GANTT_COMPUTE_START];
	j->name = strdup(f[col[J_NODE]]);
	j->task_type = strdup(f[col[J_TYPE]]);
	j->machine = strdup(f[col[J_HOST]]);
	j->machine_type = strdup("");
	if (!j->name || !j->task_type || !j->machine || !j->machine_type)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	return 0;
}

static int read_jobs(real_set *s, gantt_real_stats *st, io_err *err)
{
	static const char *const names[J_NCOLS] = {
		"campaign",	   "run_id",	       "anomaly_label",
		"job_anomaly_label", "dag_node",       "job_type",
		"job_class",	   "host",	       "ready",
		"submit",	   "stage_in_start",   "stage_in_end",
		"execute_start",   "execute_end",      "stage_out_start",
		"stage_out_end",   "post_script_end",  "stage_in_delay",
		"stage_out_delay"};
	int col[J_NCOLS];
	io_csv *r;
	int rc = io_csv_open(&r, s->jobs_path, err);
	if (rc)
		return rc;
	rc = io_csv_read_header(r, err);
	if (!rc)
		rc = need_cols(r, names, col, J_NCOLS, err);
	real_run *run = NULL;
	while (!rc && (rc = io_csv_next(r, err)) == 1) {
		rc = io_csv_check_width(r, err);
		if (rc)
			break;
		char *const *f = io_csv_fields(r);
		/* rows come grouped by run: look further only on a change */
		if (!run || strcmp(run->campaign, f[col[J_CAMPAIGN]]) ||
		    strcmp(run->run_id, f[col[J_RUN]])) {
			run = NULL;
			for (size_t i = 0; i < s->n && !run; i++)
				if (!strcmp(s->runs[i].campaign, f[col[J_CAMPAIGN]]) &&
				    !strcmp(s->runs[i].run_id, f[col[J_RUN]]))
					run = &s->runs[i];
		}
		if (!run) {
			rc = io_csv_errf(r, err, "run %s/%s is not in %s",
					 f[col[J_CAMPAIGN]], f[col[J_RUN]],
					 s->runs_path);
			break;
		}
		if (strcmp(run->label, f[col[J_LABEL]])) {
			rc = io_csv_errf(r, err,
					 "anomaly_label \"%s\", but the runs "
					 "file says \"%s\" for run %s",
					 f[col[J_LABEL]], run->label, run->run_id);
			break;
		}
		gantt_run *g = &run->run;
		if (g->n == run->cap) {
			size_t ncap = run->cap ? 2 * run->cap : 64;
			gantt_job *b = realloc(g->jobs, ncap * sizeof *b);
			if (!b) {
				rc = io_errf(err, IO_ENOMEM, NULL, 0,
					     "out of memory");
				break;
			}
			g->jobs = b;
			run->cap = ncap;
		}
		gantt_job *j = &g->jobs[g->n];
		memset(j, 0, sizeof *j);
		j->index = (long long)g->n++;
		j->line = io_csv_line(r);
		const char *jl = f[col[J_JOB_LABEL]];
		run->anomalous_seen += *jl && strcmp(jl, "none") != 0;
		rc = map_job(r, f, col, j, st, err);
		st->jobs++;
	}
	io_csv_close(r);
	return rc < 0 ? rc : 0;
}

/* Each run's counts against the runs file, then its jobs as any jobs.csv's. */
static int check_runs(real_set *s, io_err *err)
{
	for (size_t i = 0; i < s->n; i++) {
		real_run *r = &s->runs[i];
		if ((long long)r->run.n != r->n_jobs)
			return io_errf(err, IO_EINPUT, s->runs_path, r->line,
				       "run %s: n_jobs %lld, but %s has %zu "
				       "rows of it",
				       r->run_id, r->n_jobs, s->jobs_path,
				       r->run.n);
		if (r->n_anomalous >= 0 && r->anomalous_seen != r->n_anomalous)
			return io_errf(err, IO_EINPUT, s->runs_path, r->line,
				       "run %s: n_jobs_labelled_anomalous %lld, "
				       "but %s labels %lld of its jobs",
				       r->run_id, r->n_anomalous, s->jobs_path,
				       r->anomalous_seen);
		int rc = gantt_finish(&r->run, s->jobs_path, err);
		if (rc)
			return rc;
	}
	return 0;
}

int gantt_chart_add(const char *out_dir, const char *jobs,
		    const gantt_png_opts *o, const gantt_entry *e,
		    gantt_manifest *m, io_err *err)
{
	char *png = sim_pathf("%s/%s", out_dir, e->file);
	if (!png)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	char *slash = strrchr(png, '/');
	*slash = 0; /* there is one: after out_dir */
	int rc = sim_mkdirs(png, err);
	*slash = '/';
	gantt_run run = {0};
	if (!rc)
		rc = gantt_load(&run, jobs, err);
	if (!rc)
		rc = gantt_write_png(&run, o, png, err);
	gantt_free(&run);
	if (!rc)
		rc = gantt_manifest_add(m, e, err);
	free(png);
	return rc;
}

/* Write one run's jobs.csv.gz, then chart and list it from that file as
 * any simulated run's. */
static int write_run(const real_run *r, const char *out_dir,
		     const gantt_png_opts *o, gantt_manifest *m, io_err *err)
{
	char *dir = sim_pathf("%s/real/%s", out_dir, r->campaign);
	char *rel = sim_pathf("real/%s/%s.png", r->campaign, r->run_id);
	char *jobs = sim_pathf("%s/%s.jobs.csv.gz", dir ? dir : "", r->run_id);
	int rc = dir && rel && jobs
			 ? 0
			 : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = sim_mkdirs(dir, err);
	if (!rc)
		rc = gantt_write_jobs(&r->run, jobs, err);
	if (!rc) {
		int known = !!strcmp(r->label, "normal") && *r->hosts;
		gantt_entry e = {.file = rel,
				 .coarse = gantt_coarse_class(r->label),
				 .label = r->label,
				 .anomaly_node = known ? r->hosts : NULL,
				 .anomaly_t0 = NAN,
				 .anomaly_t1 = NAN,
				 .split = "test"};
		rc = gantt_chart_add(out_dir, jobs, o, &e, m, err);
	}
	free(dir);
	free(rel);
	free(jobs);
	return rc;
}

int gantt_real_convert(const char *real_dir, const char *out_dir,
		       const gantt_png_opts *o, gantt_manifest *m,
		       gantt_real_stats *st, io_err *err)
{
	memset(st, 0, sizeof *st);
	real_set s = {.runs_path = sim_pathf("%s/%s", real_dir, RUNS_FILE),
		      .jobs_path = sim_pathf("%s/%s", real_dir, JOBS_FILE)};
	int rc = s.runs_path && s.jobs_path
			 ? 0
			 : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = read_runs(&s, err);
	if (!rc)
		rc = read_jobs(&s, st, err);
	if (!rc)
		rc = check_runs(&s, err);
	for (size_t i = 0; !rc && i < s.n; i++)
		rc = write_run(&s.runs[i], out_dir, o, m, err);
	if (!rc)
		st->runs = s.n;
	real_free(&s);
	return rc;
}
