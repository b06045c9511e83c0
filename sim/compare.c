/*
 * sim/compare.c — `hetsim compare` (flags: sim/cli/compare.c): the metrics
 * of several runs side by side, and each run's difference from the first.
 *
 *   hetsim compare A/summary.json B/summary.json ... [--metrics M,M,...]
 *        [--csv out.csv] [--quiet]
 *
 * A summary is one run's (`hetsim run`: metrics at fixed paths such as
 * tasks.completed, or a flat "metrics": {name: number}, preferred when
 * present) or a replicated one ("metrics": {name: {"mean", "ci95_low",
 * "ci95_high", "values"}}, "seeds": [...]), shown as "mean ± half-width".
 * Columns are labelled by "policy", else by the file's directory name.
 *
 * When a later summary and the first both hold per-replication values of a
 * metric over the same seeds, their difference is paired (sim_ci_paired:
 * with common random numbers it is far tighter than the two intervals
 * suggest) and flagged "*" when its 95% interval excludes 0. Otherwise it is
 * the plain difference of the means, with no interval, and a footnote says
 * why. --csv writes the same table with numbers in separate columns.
 *
 * A summary inside a `hetsim run` output directory (sim/base/out.h) is checked
 * against the run's manifest.json, looked for one, two and three levels
 * up (<dir>/<policy>/summary.json, <dir>/<policy>/rep-NNN/summary.json):
 * the summary must be listed and every listed file must exist with its
 * listed size, else the set is mixed or incomplete and is refused. A
 * directory without manifest.json that still looks like a run's (it holds
 * comparison.csv or a .staging.* dir: a run killed while moving its files
 * into place, or one from before manifests) is refused too: rerun it.
 */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sim/ci.h"
#include "sim/compare.h"
#include "sim/base/out.h"

/* Where a run summary keeps each metric; also the order of the rows. */
static const struct run_metric {
	const char *name, *group, *key; /* group NULL: top level */
} run_metrics[] = {
	{"completed", "tasks", "completed"},
	{"dropped", "tasks", "dropped"},
	{"deadline_missed", "tasks", "deadline_missed"},
	{"deadline_met_fraction", "tasks", "deadline_met_fraction"},
	{"response_mean_s", "response_s", "mean"},
	{"response_p50_s", "response_s", "p50"},
	{"response_p95_s", "response_s", "p95"},
	{"response_p99_s", "response_s", "p99"},
	{"makespan_s", NULL, "makespan_s"},
	{"utilization_mean", NULL, "utilization_mean"},
	{"energy_j", NULL, "energy_j"},
	{"cost_usd", NULL, "cost_usd"},
	{"mean_in_system", NULL, "mean_in_system"},
	{"throughput_per_s", NULL, "throughput_per_s"},
};
#define N_RUN_METRICS (sizeof run_metrics / sizeof run_metrics[0])

typedef struct metric {
	const char *name; /* static, or a key inside the summary's JSON */
	double mean;
	double half;	/* of the 95% interval; NAN: none */
	double *values; /* per replication; NULL: none */
	size_t n_values;
} metric;

typedef struct summary {
	io_jdoc doc;
	char *label;
	const json_t *seeds; /* array, or NULL */
	metric *m;
	size_t n, cap;
} summary;

/* Why a difference is not paired (bits, collected per column). */
enum {
	UNPAIRED_NO_VALUES = 1,
	UNPAIRED_SEEDS = 2,
	UNPAIRED_COUNTS = 4,
};

typedef struct diff {
	int have; /* the metric is in both summaries */
	int paired;
	int excludes_zero;
	double d, half;
} diff;

typedef sim_compare_args compare_args;

static metric *find_metric(const summary *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->m[i].name, name) == 0)
			return &s->m[i];
	return NULL;
}

/* Takes ownership of values. */
static int add_metric(summary *s, const char *name, double mean, double half,
		      double *values, size_t n_values, io_err *err)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		metric *m = realloc(s->m, cap * sizeof *m);
		if (!m) {
			free(values);
			return io_errf(err, IO_ENOMEM, NULL, 0,
					 "out of memory");
		}
		s->m = m;
		s->cap = cap;
	}
	s->m[s->n++] = (metric){name, mean, half, values, n_values};
	return 0;
}

/* Member key of an object (key non-NULL) or element index of an array: a
 * number, or null (how a value that does not exist is written, e.g. the
 * mean response time of a run that completed nothing), read as NAN. */
static int number_at(const io_jdoc *doc, const json_t *container,
		     const char *key, size_t index, double *out, io_err *err)
{
	const json_t *v = key ? json_object_get(container, key)
			      : json_array_get(container, index);
	if (json_is_null(v)) {
		*out = NAN;
		return 0;
	}
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (key)
		return io_jerr_at(err, doc, container, key, 0,
				    "\"%s\" must be a number", key);
	return io_jerr_at(err, doc, container, NULL, index,
			    "element %zu must be a number", index);
}

/* "values" of a replicated metric entry; *values stays NULL if absent. */
static int read_values(const summary *s, const json_t *entry, const char *name,
		       double **values, size_t *n, io_err *err)
{
	const json_t *vals = json_object_get(entry, "values");
	*values = NULL;
	*n = 0;
	if (!vals)
		return 0;
	if (!json_is_array(vals))
		return io_jerr_at(err, &s->doc, entry, "values", 0,
				    "metric \"%s\": \"values\" must be an "
				    "array of numbers",
				    name);
	size_t len = json_array_size(vals);
	if (len == 0)
		return 0;
	double *x = malloc(len * sizeof *x);
	if (!x)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < len; i++) {
		int rc = number_at(&s->doc, vals, NULL, i, &x[i], err);
		if (rc) {
			free(x);
			return rc;
		}
	}
	*values = x;
	*n = len;
	return 0;
}

/* {"mean": x, "ci95_low": l, "ci95_high": h, "values": [...]}: what is
 * absent is computed from the values. */
static int read_replicated(summary *s, const json_t *metrics, const char *name,
			   const json_t *entry, io_err *err)
{
	double *vals, mean = NAN, lo = NAN, hi = NAN;
	size_t n;
	int rc = read_values(s, entry, name, &vals, &n, err);
	if (rc)
		return rc;
	int has_mean = json_object_get(entry, "mean") != NULL;
	int has_ci = json_object_get(entry, "ci95_low") &&
		     json_object_get(entry, "ci95_high");
	if (has_mean)
		rc = number_at(&s->doc, entry, "mean", 0, &mean, err);
	if (!rc && has_ci)
		rc = number_at(&s->doc, entry, "ci95_low", 0, &lo, err);
	if (!rc && has_ci)
		rc = number_at(&s->doc, entry, "ci95_high", 0, &hi, err);
	if (!rc && !has_mean && !vals)
		rc = io_jerr_at(err, &s->doc, metrics, name, 0,
				  "metric \"%s\" has neither \"mean\" nor "
				  "\"values\"",
				  name);
	if (rc) {
		free(vals);
		return rc;
	}
	sim_ci c = vals ? sim_ci_mean(vals, n) : (sim_ci){NAN, NAN, NAN, 0};
	return add_metric(s, name, has_mean ? mean : c.mean,
			  has_ci ? (hi - lo) / 2 : c.half, vals, n, err);
}

static int read_metrics_object(summary *s, const json_t *metrics, io_err *err)
{
	const char *name;
	json_t *v;
	json_object_foreach ((json_t *)metrics, name, v) {
		int rc;
		if (json_is_object(v)) {
			rc = read_replicated(s, metrics, name, v, err);
		} else if (json_is_number(v) || json_is_null(v)) {
			double x;
			rc = number_at(&s->doc, metrics, name, 0, &x, err);
			if (!rc)
				rc = add_metric(s, name, x, NAN, NULL, 0, err);
		} else {
			rc = io_jerr_at(err, &s->doc, metrics, name, 0,
					  "metric \"%s\" must be a number or "
					  "an object",
					  name);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* The metrics of a `hetsim run` summary that "metrics" did not give. */
static int read_run_paths(summary *s, io_err *err)
{
	const json_t *root = s->doc.root;
	for (size_t i = 0; i < N_RUN_METRICS; i++) {
		const struct run_metric *rm = &run_metrics[i];
		if (find_metric(s, rm->name))
			continue;
		const json_t *obj =
			rm->group ? json_object_get(root, rm->group) : root;
		if (!obj)
			continue;
		if (!json_is_object(obj))
			return io_jerr_at(err, &s->doc, root, rm->group, 0,
					    "\"%s\" must be an object",
					    rm->group);
		if (!json_object_get(obj, rm->key))
			continue;
		double x;
		int rc = number_at(&s->doc, obj, rm->key, 0, &x, err);
		if (!rc)
			rc = add_metric(s, rm->name, x, NAN, NULL, 0, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The name of the directory holding path ("out/mct/summary.json": "mct"),
 * or the file's own name without ".json" if the path names none. */
static char *dir_label(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t end = slash ? (size_t)(slash - path) : 0;
	while (end > 0 && path[end - 1] == '/')
		end--;
	size_t start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end > start)
		return strndup(path + start, end - start);
	const char *file = slash ? slash + 1 : path;
	size_t len = strlen(file);
	if (len > 5 && strcmp(file + len - 5, ".json") == 0)
		len -= 5;
	return strndup(file, len);
}

static int load_summary(summary *s, const char *path, io_err *err)
{
	int rc = io_jdoc_load(&s->doc, path, err);
	if (rc)
		return rc;
	const json_t *root = s->doc.root;
	if (!json_is_object(root))
		return io_jerr(err, &s->doc, root,
				 "a summary must be a JSON object");
	const char *policy = NULL;
	rc = io_jget_str(&s->doc, root, "policy", 0, &policy, err);
	if (rc)
		return rc;
	s->label = policy && *policy ? strdup(policy) : dir_label(path);
	if (!s->label)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	s->seeds = json_object_get(root, "seeds");
	if (s->seeds && !json_is_array(s->seeds))
		return io_jerr_at(err, &s->doc, root, "seeds", 0,
				    "\"seeds\" must be an array");
	const json_t *metrics = json_object_get(root, "metrics");
	if (metrics && !json_is_object(metrics))
		return io_jerr_at(err, &s->doc, root, "metrics", 0,
				    "\"metrics\" must be an object");
	if (metrics)
		rc = read_metrics_object(s, metrics, err);
	if (!rc)
		rc = read_run_paths(s, err);
	if (!rc && s->n == 0)
		rc = io_jerr(err, &s->doc, root,
			       "no recognisable metrics (neither \"metrics\" "
			       "nor those of a hetsim run summary)");
	return rc;
}

static void free_summary(summary *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->m[i].values);
	free(s->m);
	free(s->label);
	io_jdoc_free(&s->doc);
}

/* Two columns must not share a label: a later duplicate gets "#column". */
static int unique_labels(summary *s, int n, io_err *err)
{
	for (int j = 1; j < n; j++)
		for (int i = 0; i < j; i++) {
			if (strcmp(s[i].label, s[j].label) != 0)
				continue;
			size_t len = strlen(s[j].label) + 16;
			char *l = malloc(len);
			if (!l)
				return io_errf(err, IO_ENOMEM, NULL, 0,
						 "out of memory");
			snprintf(l, len, "%s#%d", s[j].label, j + 1);
			free(s[j].label);
			s[j].label = l;
			break;
		}
	return 0;
}

static int has_name(const char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

static int in_any(const summary *s, int ns, const char *name)
{
	for (int j = 0; j < ns; j++)
		if (find_metric(&s[j], name))
			return 1;
	return 0;
}

/* The rows: the metrics asked for, or every metric of any summary (a run's
 * in their usual order, then the others in order of appearance). */
static int pick_rows(char *wanted, const summary *s, int ns,
		     const char ***rows_out, size_t *n_rows, io_err *err)
{
	size_t cap = N_RUN_METRICS;
	for (int j = 0; j < ns; j++)
		cap += s[j].n;
	if (wanted)
		cap += strlen(wanted);
	const char **rows = malloc(cap * sizeof *rows);
	if (!rows)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	size_t n = 0;
	if (wanted) {
		for (char *tok = strtok(wanted, ","); tok;
		     tok = strtok(NULL, ",")) {
			if (in_any(s, ns, tok)) {
				rows[n++] = tok;
				continue;
			}
			free(rows);
			return io_errf(err, IO_EINPUT, s[0].doc.path, 0,
					 "unknown metric \"%s\" in --metrics: "
					 "no summary has it",
					 tok);
		}
		if (n == 0) {
			free(rows);
			return io_errf(err, IO_EINPUT, NULL, 0,
					 "compare: --metrics names no metric");
		}
	} else {
		for (size_t i = 0; i < N_RUN_METRICS; i++)
			if (in_any(s, ns, run_metrics[i].name))
				rows[n++] = run_metrics[i].name;
		for (int j = 0; j < ns; j++)
			for (size_t i = 0; i < s[j].n; i++)
				if (!has_name(rows, n, s[j].m[i].name))
					rows[n++] = s[j].m[i].name;
	}
	*rows_out = rows;
	*n_rows = n;
	return 0;
}

/* b - a for one metric; *why collects the reasons it is not paired. */
static diff diff_of(const summary *a, const summary *b, const char *name,
		    int *why)
{
	diff r = {0};
	r.half = NAN;
	const metric *ma = find_metric(a, name), *mb = find_metric(b, name);
	if (!ma || !mb)
		return r;
	r.have = 1;
	int reason = 0;
	if (!ma->values || !mb->values)
		reason = UNPAIRED_NO_VALUES;
	else if (ma->n_values != mb->n_values)
		reason = UNPAIRED_COUNTS;
	else if (!a->seeds || !b->seeds || !json_equal(a->seeds, b->seeds) ||
		 json_array_size(a->seeds) != ma->n_values)
		reason = UNPAIRED_SEEDS;
	if (reason) {
		*why |= reason;
		r.d = mb->mean - ma->mean;
		return r;
	}
	sim_ci c = sim_ci_paired(ma->values, mb->values, ma->n_values);
	r.paired = 1;
	r.d = c.mean;
	r.half = c.half;
	r.excludes_zero = c.mean - c.half > 0 || c.mean + c.half < 0;
	return r;
}

/* Integers in full, other numbers to 6 significant digits. */
static void fmt_num(char *buf, size_t cap, double x, int sign)
{
	if (isnan(x))
		snprintf(buf, cap, "nan");
	else if (isfinite(x) && x == rint(x) && fabs(x) < 1e15)
		snprintf(buf, cap, sign ? "%+.0f" : "%.0f", x);
	else
		snprintf(buf, cap, sign ? "%+.6g" : "%.6g", x);
}

/* "mean ± half", the mean rounded where the half-width has its second
 * significant digit. */
static void fmt_pm(char *buf, size_t cap, double mean, double half, int sign)
{
	char m[64];
	if (isnan(half)) {
		fmt_num(buf, cap, mean, sign);
	} else if (half > 1e-9 * fabs(mean) && isfinite(half) &&
		   isfinite(mean)) {
		int dec = 1 - (int)floor(log10(half));
		dec = dec < 0 ? 0 : dec > 12 ? 12 : dec;
		snprintf(buf, cap, sign ? "%+.*f ± %.*f" : "%.*f ± %.*f", dec,
			 mean, dec, half);
	} else {
		fmt_num(m, sizeof m, mean, sign);
		snprintf(buf, cap, "%s ± %.2g", m, half);
	}
}

/* Columns on a terminal: UTF-8 continuation bytes take none. */
static size_t display_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

static void print_table(char **cells, size_t n_lines, size_t n_cols)
{
	size_t *width = calloc(n_cols, sizeof *width);
	if (!width)
		return;
	for (size_t r = 0; r < n_lines; r++)
		for (size_t c = 0; c < n_cols; c++) {
			size_t w = display_width(cells[r * n_cols + c]);
			width[c] = w > width[c] ? w : width[c];
		}
	for (size_t r = 0; r < n_lines; r++) {
		for (size_t c = 0; c < n_cols; c++) {
			const char *cell = cells[r * n_cols + c];
			size_t pad = width[c] - display_width(cell);
			if (c == 0)
				printf("%s%*s", cell, (int)pad, "");
			else
				printf("  %*s%s", (int)pad, "", cell);
		}
		putchar('\n');
	}
	free(width);
}

/* The footnotes under the table (the CSV has none). */
static void print_notes(const summary *s, int ns, const int *why, int any_half,
			int any_paired)
{
	static const struct {
		int bit;
		const char *text;
	} reasons[] = {
		{UNPAIRED_NO_VALUES, "per-replication values absent"},
		{UNPAIRED_COUNTS, "numbers of values differ"},
		{UNPAIRED_SEEDS, "seeds differ or are not recorded"},
	};
	if (any_half)
		printf("±: half-width of the 95%% t interval over the "
		       "replications\n");
	if (any_paired)
		printf("*: the 95%% interval of the paired difference "
		       "excludes 0\n");
	for (int j = 1; j < ns; j++) {
		if (!why[j])
			continue;
		printf("note: %s - %s: unpaired difference of means, no "
		       "interval (",
		       s[j].label, s[0].label);
		const char *sep = "";
		for (size_t k = 0; k < sizeof reasons / sizeof reasons[0]; k++)
			if (why[j] & reasons[k].bit) {
				printf("%s%s", sep, reasons[k].text);
				sep = "; ";
			}
		printf(")\n");
	}
}

/* cells: (n_rows + 1) x n_cols strings, header first. */
static int build_cells(const summary *s, int ns, const char **rows,
		       size_t n_rows, const diff *d, char **cells,
		       int *any_half, int *any_paired)
{
	size_t n_cols = 2 * (size_t)ns;
	char buf[256];
	for (size_t r = 0; r <= n_rows; r++)
		for (size_t c = 0; c < n_cols; c++) {
			if (r == 0 && c == 0)
				snprintf(buf, sizeof buf, "metric");
			else if (c == 0)
				snprintf(buf, sizeof buf, "%s", rows[r - 1]);
			else if (r == 0 && c <= (size_t)ns)
				snprintf(buf, sizeof buf, "%s", s[c - 1].label);
			else if (r == 0)
				snprintf(buf, sizeof buf, "%s - %s",
					 s[c - (size_t)ns].label, s[0].label);
			else if (c <= (size_t)ns) {
				const metric *m =
					find_metric(&s[c - 1], rows[r - 1]);
				if (m) {
					fmt_pm(buf, sizeof buf, m->mean,
					       m->half, 0);
					*any_half |= !isnan(m->half);
				} else {
					snprintf(buf, sizeof buf, "-");
				}
			} else {
				const diff *x = &d[(r - 1) * (size_t)ns +
						   (c - (size_t)ns)];
				char v[200];
				if (!x->have)
					snprintf(buf, sizeof buf, "-");
				else if (!x->paired)
					fmt_num(buf, sizeof buf, x->d, 1);
				else if (isnan(x->half)) {
					fmt_num(v, sizeof v, x->d, 1);
					snprintf(buf, sizeof buf, "%s (n=1)  ",
						 v);
				} else {
					fmt_pm(v, sizeof v, x->d, x->half, 1);
					snprintf(buf, sizeof buf, "%s %s", v,
						 x->excludes_zero ? "*" : " ");
					*any_paired = 1;
				}
			}
			char *cell = strdup(buf);
			if (!cell)
				return -1;
			cells[r * n_cols + c] = cell;
		}
	return 0;
}

/* CSV fields have no quoting in hetsim: a label keeps none of ,"\r\n. */
static void csv_label(sim_text *t, const char *label, const char *suffix)
{
	for (const char *p = label; *p; p++)
		sim_text_add(t, "%c", strchr(",\"\r\n", *p) ? '_' : *p);
	sim_text_add(t, "%s", suffix);
}

static void csv_num(sim_text *t, double x)
{
	if (isnan(x))
		sim_text_add(t, ",");
	else
		sim_text_add(t, ",%.12g", x);
}

/* metric, then per summary: value and half-width, then per later summary:
 * difference, its half-width, paired (0/1), excludes 0 (0/1, empty
 * without an interval). Empty: no such value. */
static int write_csv(const char *path, const summary *s, int ns,
		     const char **rows, size_t n_rows, const diff *d,
		     io_err *err)
{
	sim_text t = {0};
	sim_text_add(&t, "metric");
	for (int j = 0; j < ns; j++) {
		sim_text_add(&t, ",");
		csv_label(&t, s[j].label, "");
		sim_text_add(&t, ",");
		csv_label(&t, s[j].label, "_ci95_half");
	}
	for (int j = 1; j < ns; j++) {
		static const char *const sfx[] = {"", "_ci95_half", "_paired",
						  "_excludes_0"};
		for (int k = 0; k < 4; k++) {
			sim_text_add(&t, ",");
			csv_label(&t, s[j].label, "-");
			csv_label(&t, s[0].label, sfx[k]);
		}
	}
	sim_text_add(&t, "\n");
	for (size_t r = 0; r < n_rows; r++) {
		sim_text_add(&t, "%s", rows[r]);
		for (int j = 0; j < ns; j++) {
			const metric *m = find_metric(&s[j], rows[r]);
			csv_num(&t, m ? m->mean : NAN);
			csv_num(&t, m ? m->half : NAN);
		}
		for (int j = 1; j < ns; j++) {
			const diff *x = &d[r * (size_t)ns + (size_t)j];
			csv_num(&t, x->have ? x->d : NAN);
			csv_num(&t, x->half);
			if (!x->have)
				sim_text_add(&t, ",,");
			else
				sim_text_add(&t, ",%d,", x->paired);
			if (x->have && !isnan(x->half))
				sim_text_add(&t, "%d", x->excludes_zero);
		}
		sim_text_add(&t, "\n");
	}
	int rc = t.failed
			 ? io_errf(err, IO_ENOMEM, NULL, 0, "out of memory")
			 : sim_write_text(path, t.buf, t.len, err);
	free(t.buf);
	return rc;
}

/* Does dir look like a run's output directory (see the top)? */
static int looks_like_run(const char *dir)
{
	char *p = sim_pathf("%s/comparison.csv", dir);
	int yes = p && access(p, F_OK) == 0;
	free(p);
	DIR *d = yes ? NULL : opendir(dir);
	struct dirent *de;
	while (d && !yes && (de = readdir(d)))
		yes = strncmp(de->d_name, SIM_STAGING_PREFIX,
			      strlen(SIM_STAGING_PREFIX)) == 0;
	if (d)
		closedir(d);
	return yes;
}

/* file (an absolute path) against the manifest in dir, rel its path
 * there. */
static int check_listed(const char *path, const char *dir, const char *rel,
			const char *manifest, io_err *err)
{
	sim_manifest_file *f = NULL;
	size_t n = 0;
	int rc = sim_manifest_files(manifest, &f, &n, err), found = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		found |= strcmp(f[i].path, rel) == 0;
		char *p = sim_pathf("%s/%s", dir, f[i].path);
		struct stat st;
		if (!p)
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		else if (stat(p, &st) != 0)
			rc = io_errf(err, IO_EINPUT, manifest, 0,
				       "%s is missing: the run's files are "
				       "incomplete (rerun it)",
				       f[i].path);
		else if ((long long)st.st_size != f[i].size_bytes)
			rc = io_errf(err, IO_EINPUT, manifest, 0,
				       "%s has %lld bytes, the manifest says "
				       "%lld: files of different runs are "
				       "mixed (rerun it)",
				       f[i].path, (long long)st.st_size,
				       f[i].size_bytes);
		free(p);
	}
	if (!rc && !found)
		rc = io_errf(err, IO_EINPUT, path, 0,
			       "not a file of the run that %s lists (left "
			       "from another run?)",
			       manifest);
	sim_manifest_free(f, n);
	return rc;
}

/* The run-set check of one summary (see the top). */
static int check_run_set(const char *path, io_err *err)
{
	char abs[PATH_MAX];
	if (!realpath(path, abs))
		return 0; /* load_summary says why it cannot be read */
	char *cut[3] = {NULL, NULL, NULL};
	int rc = 0;
	for (int level = 0; level < 3 && !rc; level++) {
		char *slash = strrchr(abs, '/');
		if (!slash || slash == abs)
			break;
		*slash = 0;
		cut[level] = slash;
		const char *dir = abs;
		char *manifest = sim_pathf("%s/%s", dir, SIM_MANIFEST);
		if (!manifest) {
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			break;
		}
		int has = access(manifest, F_OK) == 0;
		/* below dir, a run's shape: <policy>/[rep-NNN/]summary.json
		 * (cut[1] + 1 is the name of the summary's own directory) */
		int run_shape = level == 1 ||
				(level == 2 && strncmp(cut[1] + 1, "rep-", 4) == 0);
		if (has) {
			/* rel: the path below dir (restore the cut slashes) */
			for (int k = 0; k < level; k++)
				*cut[k] = '/';
			rc = check_listed(path, dir, slash + 1, manifest, err);
			free(manifest);
			return rc;
		}
		if (run_shape && looks_like_run(dir))
			rc = io_errf(err, IO_EINPUT, path, 0,
				       "%s looks like a hetsim run directory but "
				       "has no %s (a run interrupted while "
				       "writing its files, or one from an older "
				       "hetsim): rerun it",
				       dir, SIM_MANIFEST);
		free(manifest);
	}
	return rc;
}

static int compare(const compare_args *a, summary *s, io_err *err)
{
	int ns = a->n_paths, rc = 0;
	for (int j = 0; j < ns && !rc; j++)
		rc = check_run_set(a->paths[j], err);
	for (int j = 0; j < ns && !rc; j++)
		rc = load_summary(&s[j], a->paths[j], err);
	if (!rc)
		rc = unique_labels(s, ns, err);
	const char **rows = NULL;
	size_t n_rows = 0;
	if (!rc)
		rc = pick_rows(a->metrics, s, ns, &rows, &n_rows, err);
	if (rc)
		return rc;
	size_t n_cols = 2 * (size_t)ns;
	diff *d = calloc(n_rows * (size_t)ns, sizeof *d);
	int *why = calloc((size_t)ns, sizeof *why);
	char **cells = calloc((n_rows + 1) * n_cols, sizeof *cells);
	int any_half = 0, any_paired = 0;
	if (!d || !why || !cells)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t r = 0; !rc && r < n_rows; r++)
		for (int j = 1; j < ns; j++)
			d[r * (size_t)ns + (size_t)j] =
				diff_of(&s[0], &s[j], rows[r], &why[j]);
	if (!rc && !a->quiet) {
		if (build_cells(s, ns, rows, n_rows, d, cells, &any_half,
				&any_paired))
			rc = io_errf(err, IO_ENOMEM, NULL, 0,
				       "out of memory");
		else {
			print_table(cells, n_rows + 1, n_cols);
			print_notes(s, ns, why, any_half, any_paired);
		}
	}
	if (!rc && a->csv)
		rc = write_csv(a->csv, s, ns, rows, n_rows, d, err);
	if (cells)
		for (size_t i = 0; i < (n_rows + 1) * n_cols; i++)
			free(cells[i]);
	free(cells);
	free(why);
	free(d);
	free(rows);
	return rc;
}

int sim_compare(const sim_compare_args *a, io_err *err)
{
	summary *s = calloc((size_t)a->n_paths, sizeof *s);
	int rc = s ? compare(a, s, err)
		   : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (int j = 0; s && j < a->n_paths; j++)
		free_summary(&s[j]);
	free(s);
	return rc;
}
