/* profiles/e2c.c — E2C-Sim EET matrix CSV to profile JSON (see e2c.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sim/io/csv.h"
#include "profiles/e2c.h"

typedef struct matrix {
	char **cols;	/* header names, cols[0] is the corner label */
	int n_cols;
	char **rows;	/* row names */
	long *row_line; /* line of each row in the file */
	double *cell;	/* [row * (n_cols - 1) + col - 1], NAN = cannot run */
	size_t n_rows, cap;
	long header_line;
} matrix;

static void matrix_free(matrix *m)
{
	for (int i = 0; i < m->n_cols; i++)
		free(m->cols[i]);
	for (size_t i = 0; i < m->n_rows; i++)
		free(m->rows[i]);
	free(m->cols);
	free(m->rows);
	free(m->row_line);
	free(m->cell);
}

static int oom(io_err *err)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

static int is_no_run(const char *f)
{
	return !f[0] || strcmp(f, "-") == 0 || strcasecmp(f, "inf") == 0 ||
	       strcasecmp(f, "infinity") == 0;
}

static int read_header(matrix *m, const io_csv *r, io_err *err)
{
	char *const *f = io_csv_fields(r);
	int n = io_csv_nfields(r);
	if (n < 2)
		return io_csv_errf(r, err,
				     "the header names no column after the "
				     "label column");
	m->cols = calloc((size_t)n, sizeof *m->cols);
	if (!m->cols)
		return oom(err);
	m->header_line = io_csv_line(r);
	m->n_cols = n;
	for (int i = 0; i < n; i++) {
		if (i > 0 && !f[i][0])
			return io_csv_errf(r, err,
					     "header column %d has no name",
					     i + 1);
		for (int k = 1; k < i; k++)
			if (strcmp(f[k], f[i]) == 0)
				return io_csv_errf(
					r, err,
					"header columns %d and %d are both "
					"\"%s\"",
					k + 1, i + 1, f[i]);
		if (!(m->cols[i] = strdup(f[i])))
			return oom(err);
	}
	return IO_OK;
}

static int read_row(matrix *m, const io_csv *r, double scale,
		    io_err *err)
{
	char *const *f = io_csv_fields(r);
	int n = io_csv_nfields(r);
	long line = io_csv_line(r);
	int rc = io_csv_check_width(r, err);
	if (rc)
		return rc;
	if (!f[0][0])
		return io_csv_errf(r, err,
				     "the row has no name in its first field");
	for (size_t k = 0; k < m->n_rows; k++)
		if (strcmp(m->rows[k], f[0]) == 0)
			return io_csv_errf(r, err,
					     "row \"%s\" again (first at line "
					     "%ld)",
					     f[0], m->row_line[k]);
	if (m->n_rows == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		size_t w = (size_t)m->n_cols - 1;
		if (cap > SIZE_MAX / sizeof(double) / w)
			return oom(err);
		char **rows = realloc(m->rows, cap * sizeof *rows);
		if (!rows)
			return oom(err);
		m->rows = rows;
		long *lines = realloc(m->row_line, cap * sizeof *lines);
		if (!lines)
			return oom(err);
		m->row_line = lines;
		double *cell = realloc(m->cell, cap * w * sizeof *cell);
		if (!cell)
			return oom(err);
		m->cell = cell;
		m->cap = cap;
	}
	double *row = m->cell + m->n_rows * ((size_t)m->n_cols - 1);
	for (int i = 1; i < n; i++) {
		double v = NAN;
		if (!is_no_run(f[i])) {
			if (io_parse_double(f[i], &v) != 0 || v < 0 ||
			    !(v * scale <= IO_MAX_TIME_S))
				return io_csv_errf(
					r, err,
					"column %d (\"%s\"): \"%s\" is not a "
					"time from 0 to %g s (or inf for "
					"cannot run)",
					i + 1, m->cols[i], f[i],
					IO_MAX_TIME_S);
			v *= scale;
		}
		row[i - 1] = v;
	}
	if (!(m->rows[m->n_rows] = strdup(f[0])))
		return oom(err);
	m->row_line[m->n_rows++] = line;
	return IO_OK;
}

static int read_matrix(matrix *m, const char *path, double scale,
		       io_err *err)
{
	io_csv *r;
	int rc = io_csv_open(&r, path, err);
	if (rc < 0)
		return rc;
	while ((rc = io_csv_next(r, err)) > 0) {
		if (m->cols)
			rc = read_row(m, r, scale, err);
		else if ((rc = read_header(m, r, err)) == 0)
			rc = io_csv_take_header(r, err);
		if (rc < 0)
			break;
	}
	if (rc == 0 && !m->n_rows)
		rc = io_errf(err, IO_EINPUT, path, m->header_line,
			       m->cols ? "no row after the header"
				       : "the file is empty");
	io_csv_close(r);
	return rc < 0 ? rc : IO_OK;
}

/* Machine type object for name: the root's entry of that name, or a new
 * {"name": name}. */
static json_t *machine_object(const json_t *given, const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach(given, i, o)
	{
		const json_t *nm = json_object_get(o, "name");
		if (json_is_string(nm) && strcmp(json_string_value(nm), name) == 0)
			return json_incref(o);
	}
	return json_pack("{s:s}", "name", name);
}

/* Every given machine type must be a column (or row) of the matrix. */
static int check_given(const io_jdoc *doc, const json_t *given,
		       char *const *names, size_t n, const char *file,
		       io_err *err)
{
	size_t i;
	json_t *o;
	json_array_foreach(given, i, o)
	{
		const json_t *nm = json_object_get(o, "name");
		if (!json_is_object(o) || !json_is_string(nm))
			return io_jerr_at(err, doc, given, NULL, i,
					    "a machine type must be an object "
					    "with a \"name\"");
		size_t k = 0;
		while (k < n && strcmp(names[k], json_string_value(nm)) != 0)
			k++;
		if (k == n)
			return io_jerr(err, doc, nm,
					 "machine type \"%s\" is not in %s",
					 json_string_value(nm), file);
	}
	return IO_OK;
}

/* Every task type must run somewhere: a row (or column) of inf is an
 * error at its line. */
static int check_runnable(const matrix *m, int machines_as_rows,
			  const char *path, io_err *err)
{
	size_t w = (size_t)m->n_cols - 1;
	size_t n_task = machines_as_rows ? w : m->n_rows;
	size_t n_mach = machines_as_rows ? m->n_rows : w;
	for (size_t t = 0; t < n_task; t++) {
		size_t k = 0;
		while (k < n_mach &&
		       isnan(machines_as_rows ? m->cell[k * w + t]
					      : m->cell[t * w + k]))
			k++;
		if (k == n_mach)
			return io_errf(
				err, IO_EINPUT, path,
				machines_as_rows ? m->header_line
						 : m->row_line[t],
				"task type \"%s\" cannot run on any machine "
				"type (every time is inf)",
				machines_as_rows ? m->cols[t + 1] : m->rows[t]);
	}
	return IO_OK;
}

static int options(const io_jdoc *doc, const json_t *o, const char **file,
		   double *noise, int *machines_as_rows, double *scale,
		   io_err *err)
{
	static const char *const keys[] = {"file", "noise", "orientation",
					   "unit", NULL};
	const char *orient = "tasks_as_rows", *unit = "s";
	int rc;
	if (!json_is_object(o))
		return io_jerr(err, doc, o,
				 "\"e2c_eet\" must be an object {\"file\": "
				 "\"eet.csv\", ...}");
	if ((rc = io_jcheck_keys(doc, o, keys, err)) ||
	    (rc = io_jget_str(doc, o, "file", 1, file, err)) ||
	    (rc = io_jget_nonneg(doc, o, "noise", 0, noise, err)) ||
	    (rc = io_jget_str(doc, o, "orientation", 0, &orient, err)) ||
	    (rc = io_jget_str(doc, o, "unit", 0, &unit, err)))
		return rc;
	if (*noise >= 1)
		return io_jerr(err, doc, json_object_get(o, "noise"),
				 "\"noise\" must be below 1 (a fraction of "
				 "the EET)");
	if (strcmp(orient, "tasks_as_rows") == 0)
		*machines_as_rows = 0;
	else if (strcmp(orient, "machines_as_rows") == 0)
		*machines_as_rows = 1;
	else
		return io_jerr(err, doc, json_object_get(o, "orientation"),
				 "unknown orientation \"%s\" (expected "
				 "tasks_as_rows or machines_as_rows)",
				 orient);
	if (strcmp(unit, "s") == 0)
		*scale = 1;
	else if (strcmp(unit, "ms") == 0)
		*scale = 1e-3;
	else if (strcmp(unit, "us") == 0)
		*scale = 1e-6;
	else
		return io_jerr(err, doc, json_object_get(o, "unit"),
				 "unknown unit \"%s\" (expected s, ms or us)",
				 unit);
	return IO_OK;
}

static json_t *exec_entry(const char *task, const char *machine, double eet,
			  double noise, const char *file, long line)
{
	char src[512];
	snprintf(src, sizeof src, "E2C-Sim EET %s:%ld", file, line);
	if (noise == 0)
		return json_pack("{s:s, s:s, s:s, s:f, s:s}", "task", task,
				 "machine", machine, "model", "constant",
				 "value", eet, "source", src);
	return json_pack("{s:s, s:s, s:s, s:f, s:f, s:s}", "task", task,
			 "machine", machine, "model", "uniform", "min",
			 eet * (1 - noise), "max", eet * (1 + noise), "source",
			 src);
}

static int build(const matrix *m, const json_t *root, const char *file,
		 double noise, int machines_as_rows, json_t *out)
{
	size_t w = (size_t)m->n_cols - 1;
	size_t n_task = machines_as_rows ? w : m->n_rows;
	size_t n_mach = machines_as_rows ? m->n_rows : w;
	char *const *tnames = machines_as_rows ? m->cols + 1 : m->rows;
	char *const *mnames = machines_as_rows ? m->rows : m->cols + 1;
	const json_t *given = json_object_get(root, "machine_types");
	json_t *mts = json_array(), *tts = json_array(), *exec = json_array();
	int ok = mts && tts && exec &&
		 json_object_set_new(out, "machine_types", mts) == 0 &&
		 json_object_set_new(out, "task_types", tts) == 0 &&
		 json_object_set_new(out, "exec", exec) == 0;
	for (size_t i = 0; ok && i < n_mach; i++)
		ok = json_array_append_new(
			     mts, machine_object(given ? given : json_null(),
						 mnames[i])) == 0;
	for (size_t t = 0; ok && t < n_task; t++)
		ok = json_array_append_new(tts, json_pack("{s:s}", "name",
							  tnames[t])) == 0;
	for (size_t t = 0; ok && t < n_task; t++)
		for (size_t k = 0; ok && k < n_mach; k++) {
			size_t r = machines_as_rows ? k : t;
			size_t c = machines_as_rows ? t : k;
			double v = m->cell[r * w + c];
			if (isnan(v))
				continue;
			ok = json_array_append_new(
				     exec,
				     exec_entry(tnames[t], mnames[k], v, noise,
						file, m->row_line[r])) == 0;
		}
	return ok ? IO_OK : IO_ENOMEM;
}

int prof_e2c_expand(const io_jdoc *doc, const json_t *root, json_t **out,
		    io_err *err)
{
	const json_t *opt = json_object_get(root, "e2c_eet");
	const char *file;
	double noise = 0, scale = 1;
	int machines_as_rows = 0, rc;
	*out = NULL;
	if ((rc = options(doc, opt, &file, &noise, &machines_as_rows, &scale,
			  err)))
		return rc;
	static const char *const replaced[] = {"task_types", "exec"};
	for (size_t i = 0; i < 2; i++)
		if (json_object_get(root, replaced[i]))
			return io_jerr_at(err, doc, root, replaced[i], 0,
					    "\"%s\" cannot be given with "
					    "\"e2c_eet\", which supplies it",
					    replaced[i]);
	const json_t *given = json_object_get(root, "machine_types");
	if (given && !json_is_array(given))
		return io_jerr(err, doc, given,
				 "\"machine_types\" must be an array");
	char *path = io_jdoc_resolve(doc, file);
	if (!path)
		return oom(err);
	matrix m = {0};
	rc = read_matrix(&m, path, scale, err);
	if (rc == IO_OK)
		rc = check_runnable(&m, machines_as_rows, path, err);
	if (rc == IO_OK && given)
		rc = check_given(doc, given,
				 machines_as_rows ? m.rows : m.cols + 1,
				 machines_as_rows ? m.n_rows
						  : (size_t)m.n_cols - 1,
				 path, err);
	if (rc == IO_OK) {
		json_t *o = json_object();
		const char *key;
		json_t *v;
		int ok = o != NULL;
		json_object_foreach((json_t *)root, key, v)
		if (ok && strcmp(key, "e2c_eet") != 0 &&
		    strcmp(key, "machine_types") != 0)
			ok = json_object_set(o, key, v) == 0;
		rc = ok ? build(&m, root, path, noise, machines_as_rows, o)
			: IO_ENOMEM;
		if (rc == IO_OK)
			*out = o;
		else {
			json_decref(o);
			rc = oom(err);
		}
	}
	matrix_free(&m);
	free(path);
	return rc;
}

/* machine_queue_size of config.json's "parameters" (a list of one object
 * in E2C-Sim's files, or the object itself), or -1 if absent. */
static int config_queue_size(const io_jdoc *cfg, double *out,
			     double *fairness, io_err *err)
{
	const json_t *par = json_object_get(cfg->root, "parameters");
	*out = -1;
	*fairness = -1;
	if (json_is_array(par))
		par = json_array_size(par) ? json_array_get(par, 0) : NULL;
	if (!par)
		return 0;
	if (!json_is_object(par))
		return io_jerr(err, cfg, par,
			       "\"parameters\" must be an object or a list of one");
	if (io_jget_nonneg(cfg, par, "machine_queue_size", 0, out, err) ||
	    io_jget_nonneg(cfg, par, "fairness_factor", 0, fairness, err))
		return IO_EINPUT;
	return 0;
}

/* E2C-Sim's fairness_factor (its FEE scheduler's starvation threshold)
 * into every felare policy of root with "evict": true and no
 * "fairness_factor" of its own. */
static int config_fairness(json_t *root, double fairness, io_err *err)
{
	json_t *list = json_object_get(root, "policies");
	if (!list)
		list = json_object_get(root, "policy");
	size_t n = json_is_array(list) ? json_array_size(list) : 1;
	for (size_t i = 0; list && i < n; i++) {
		json_t *pol = json_is_array(list) ? json_array_get(list, i)
						  : list;
		const json_t *name = json_object_get(pol, "name");
		if (!json_is_object(pol) || !json_is_string(name) ||
		    strcmp(json_string_value(name), "felare") ||
		    !json_is_true(json_object_get(pol, "evict")) ||
		    json_object_get(pol, "fairness_factor"))
			continue;
		if (json_object_set_new(pol, "fairness_factor",
					json_real(fairness)))
			return oom(err);
	}
	return 0;
}

/* config.json's "machines" as the experiment's "machines" and the
 * profile's "machine_types" (power), each set only where absent. */
static int config_machines(const io_jdoc *cfg, json_t *root, io_err *err)
{
	const json_t *ms = json_object_get(cfg->root, "machines");
	if (!json_is_array(ms) || json_array_size(ms) == 0)
		return io_jerr(err, cfg, ms ? ms : cfg->root,
			       "\"machines\" must be a non-empty list");
	json_t *machines = json_array(), *types = json_array();
	if (!machines || !types) {
		json_decref(machines);
		json_decref(types);
		return oom(err);
	}
	int rc = 0;
	for (size_t i = 0; !rc && i < json_array_size(ms); i++) {
		const json_t *m = json_array_get(ms, i);
		const char *name = NULL;
		double power = 0, idle = 0;
		uint64_t replicas = 1;
		if (!json_is_object(m)) {
			rc = io_jerr(err, cfg, m, "a machine must be an object");
			break;
		}
		if (io_jget_str(cfg, m, "name", 1, &name, err) ||
		    io_jget_nonneg(cfg, m, "power", 0, &power, err) ||
		    io_jget_nonneg(cfg, m, "idle_power", 0, &idle, err) ||
		    io_jget_u64(cfg, m, "replicas", 0, &replicas, err)) {
			rc = IO_EINPUT;
			break;
		}
		if (replicas < 1 || replicas > 1000000) {
			rc = io_jerr(err, cfg, json_object_get(m, "replicas"),
				     "\"replicas\" must be in 1..1000000");
			break;
		}
		json_t *entry = json_pack("{s:s, s:I}", "type", name, "count",
					  (json_int_t)replicas);
		json_t *type = json_pack("{s:s, s:{s:f, s:f}}", "name", name,
					 "power_w", "idle", idle, "busy", power);
		if (!entry || !type || json_array_append_new(machines, entry) ||
		    json_array_append_new(types, type))
			rc = oom(err);
	}
	json_t *profile = json_object_get(root, "profile");
	if (!rc && !json_object_get(root, "machines") &&
	    json_object_set(root, "machines", machines))
		rc = oom(err);
	if (!rc && json_is_object(profile) &&
	    json_object_get(profile, "e2c_eet") &&
	    !json_object_get(profile, "machine_types") &&
	    json_object_set(profile, "machine_types", types))
		rc = oom(err);
	json_decref(machines);
	json_decref(types);
	return rc;
}

int prof_e2c_config(const io_jdoc *doc, json_t *root, io_err *err)
{
	const json_t *node = json_object_get(root, "e2c_config");
	if (!node)
		return 0;
	if (!json_is_string(node))
		return io_jerr(err, doc, node,
			       "\"e2c_config\" must be a file name");
	char *path = io_jdoc_resolve(doc, json_string_value(node));
	if (!path)
		return oom(err);
	io_jdoc cfg = {0};
	int rc = io_jdoc_load(&cfg, path, err);
	free(path);
	if (!rc && !json_is_object(cfg.root))
		rc = io_jerr(err, &cfg, cfg.root,
			     "an E2C-Sim config must be a JSON object");
	double qsize = -1, fairness = -1;
	if (!rc)
		rc = config_queue_size(&cfg, &qsize, &fairness, err);
	if (!rc && fairness >= 0)
		rc = config_fairness(root, fairness, err);
	if (!rc)
		rc = config_machines(&cfg, root, err);
	if (!rc && qsize >= 0 && !json_object_get(root, "queue")) {
		if (qsize != floor(qsize) || qsize > 4e9)
			rc = io_jerr(err, &cfg, cfg.root,
				     "\"machine_queue_size\" must be a whole "
				     "number");
		else if (json_object_set_new(root, "queue",
					     json_pack("{s:I}", "capacity",
						       (json_int_t)qsize)))
			rc = oom(err);
	}
	io_jdoc_free(&cfg);
	return rc;
}
