/* workloads/wfformat.c — WfCommons WfFormat JSON loader (see wfformat.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "workloads/wfformat.h"

typedef struct wf_state {
	const io_jdoc *doc;
	wl_workflow *w;
	io_err *err;
	const json_t **task_node; /* per job: its specification entry */
	uint8_t *has_runtime;     /* per job */
} wf_state;

static int nomem(io_err *err)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

/* Member key of obj, which must be of JSON type `type` ("an object", "an
 * array": `what`); required: it must be present. */
static int get_typed(wf_state *s, const json_t *obj, const char *key,
		     int required, json_type type, const char *what,
		     const json_t **out)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v)
		return required ? io_jerr(s->err, s->doc, obj,
					  "missing \"%s\"", key)
				: 0;
	if (json_typeof(v) != type)
		return io_jerr_at(s->err, s->doc, obj, key, 0,
				  "\"%s\" must be %s", key, what);
	*out = v;
	return 0;
}

static int get_obj(wf_state *s, const json_t *obj, const char *key,
		   int required, const json_t **out)
{
	return get_typed(s, obj, key, required, JSON_OBJECT, "an object", out);
}

static int get_arr(wf_state *s, const json_t *obj, const char *key,
		   int required, const json_t **out)
{
	return get_typed(s, obj, key, required, JSON_ARRAY, "an array", out);
}

/* A string member, strdup'd into *out (NULL when absent). */
static int dup_str(wf_state *s, const json_t *obj, const char *key,
		   char **out)
{
	const char *v = NULL;
	if (io_jget_str(s->doc, obj, key, 0, &v, s->err))
		return s->err->code;
	if (v && !(*out = strdup(v)))
		return nomem(s->err);
	return 0;
}

/* Element i of array arr as a string. */
static int elem_str(wf_state *s, const json_t *arr, size_t i, const char *what,
		    const char **out)
{
	const json_t *v = json_array_get(arr, i);
	if (!json_is_string(v))
		return io_jerr_at(s->err, s->doc, arr, NULL, i,
				  "%s must be strings", what);
	*out = json_string_value(v);
	return 0;
}

static int read_header(wf_state *s, const json_t *root)
{
	const char *version = NULL;
	if (io_jget_str(s->doc, root, "schemaVersion", 1, &version, s->err))
		return s->err->code;
	if (strncmp(version, "1.", 2) != 0 || !isdigit((unsigned char)version[2]))
		return io_jerr_at(s->err, s->doc, root, "schemaVersion", 0,
				  "schemaVersion '%s' is not supported (1.x)",
				  version);
	if (!(s->w->version = strdup(version)))
		return nomem(s->err);
	if (dup_str(s, root, "name", &s->w->name))
		return s->err->code;
	const json_t *rs;
	if (get_obj(s, root, "runtimeSystem", 0, &rs))
		return s->err->code;
	if (rs && (dup_str(s, rs, "name", &s->w->wms_name) ||
		   dup_str(s, rs, "version", &s->w->wms_version)))
		return s->err->code;
	return 0;
}

static int read_files(wf_state *s, const json_t *files)
{
	wl_dag *d = s->w->dag;
	for (size_t i = 0; files && i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		const char *id;
		double size = 0;
		if (!json_is_object(f))
			return io_jerr_at(s->err, s->doc, files, NULL, i,
					  "a file must be an object");
		if (io_jget_str(s->doc, f, "id", 1, &id, s->err))
			return s->err->code;
		if (wl_dag_find_file(d, id) >= 0)
			return io_jerr(s->err, s->doc, f,
				       "file '%s' is defined twice", id);
		const json_t *sz = json_object_get(f, "sizeInBytes");
		if (!sz)
			return io_jerr(s->err, s->doc, f,
				       "file '%s' has no sizeInBytes", id);
		if (json_is_number(sz) && json_number_value(sz) < 0)
			return io_jerr_at(s->err, s->doc, f, "sizeInBytes", 0,
					  "file '%s': sizeInBytes %g is negative",
					  id, json_number_value(sz));
		if (io_jget_nonneg(s->doc, f, "sizeInBytes", 1, &size, s->err) ||
		    wl_dag_add_file(d, id, size, NULL, s->err))
			return s->err->code;
	}
	return 0;
}

/* Category of a task: "category" if given, else its name less a trailing
 * "_ID<digits>" or "_<digits>" (WfCommons' "<category>_ID0000001"). */
static int task_type(wf_state *s, const json_t *t, const char *id,
		     uint32_t *type)
{
	const char *cat = NULL, *name = NULL;
	if (io_jget_str(s->doc, t, "category", 0, &cat, s->err) ||
	    io_jget_str(s->doc, t, "name", 0, &name, s->err))
		return s->err->code;
	char buf[256];
	if (!cat) {
		snprintf(buf, sizeof buf, "%s", name ? name : id);
		size_t n = strlen(buf), k = n;
		while (k && isdigit((unsigned char)buf[k - 1]))
			k--;
		if (k < n && k >= 3 && !strncmp(buf + k - 3, "_ID", 3))
			buf[k - 3] = 0;
		else if (k < n && k >= 2 && buf[k - 1] == '_')
			buf[k - 1] = 0;
		cat = buf;
	}
	int64_t ty = wl_workflow_type(s->w, cat);
	if (ty < 0)
		return nomem(s->err);
	*type = (uint32_t)ty;
	return 0;
}

static int read_tasks(wf_state *s, const json_t *tasks)
{
	wl_dag *d = s->w->dag;
	size_t n = json_array_size(tasks);
	s->task_node = calloc(n ? n : 1, sizeof *s->task_node);
	s->has_runtime = calloc(n ? n : 1, 1);
	if (!s->task_node || !s->has_runtime)
		return nomem(s->err);
	for (size_t i = 0; i < n; i++) {
		const json_t *t = json_array_get(tasks, i);
		const char *id;
		uint32_t type = 0, j = 0;
		if (!json_is_object(t))
			return io_jerr_at(s->err, s->doc, tasks, NULL, i,
					  "a task must be an object");
		if (io_jget_str(s->doc, t, "id", 1, &id, s->err))
			return s->err->code;
		if (wl_dag_find_job(d, id) >= 0)
			return io_jerr(s->err, s->doc, t,
				       "task '%s' is defined twice", id);
		long line = io_jdoc_line(s->doc, t);
		if (task_type(s, t, id, &type) ||
		    wl_dag_add_job(d, id, type, &j, s->err) ||
		    wl_dag_set_line(d, j, line > 0 ? (uint32_t)line : 0, s->err))
			return s->err->code;
		s->task_node[j] = t;
	}
	return 0;
}

/* parents, children, inputFiles, outputFiles of job j. */
static int read_links(wf_state *s, uint32_t j)
{
	static const char *const keys[] = {"parents", "children", "inputFiles",
					   "outputFiles"};
	wl_dag *d = s->w->dag;
	const json_t *t = s->task_node[j];
	for (int k = 0; k < 4; k++) {
		const json_t *arr;
		if (get_arr(s, t, keys[k], 0, &arr))
			return s->err->code;
		for (size_t i = 0; arr && i < json_array_size(arr); i++) {
			const char *ref;
			if (elem_str(s, arr, i, keys[k], &ref))
				return s->err->code;
			int64_t x = k < 2 ? wl_dag_find_job(d, ref)
					  : wl_dag_find_file(d, ref);
			if (x < 0)
				return io_jerr_at(s->err, s->doc, arr, NULL, i,
						  "%s: '%s' is not a %s of the "
						  "workflow", keys[k], ref,
						  k < 2 ? "task" : "file");
			uint32_t o = (uint32_t)x;
			int rc = k == 0	  ? wl_dag_add_parent(d, j, o, s->err)
				 : k == 1 ? wl_dag_add_parent(d, o, j, s->err)
				 : k == 2 ? wl_dag_add_input(d, j, o, s->err)
					  : wl_dag_add_output(d, j, o, s->err);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int read_machines(wf_state *s, const json_t *ms, wl_strtab *names)
{
	wl_workflow *w = s->w;
	size_t n = ms ? json_array_size(ms) : 0;
	if (!n)
		return 0;
	w->machines = calloc(n, sizeof *w->machines);
	if (!w->machines)
		return nomem(s->err);
	for (size_t i = 0; i < n; i++) {
		const json_t *m = json_array_get(ms, i), *cpu;
		const char *name;
		wl_wf_machine *wm = &w->machines[w->n_machines];
		if (!json_is_object(m))
			return io_jerr_at(s->err, s->doc, ms, NULL, i,
					  "a machine must be an object");
		if (io_jget_str(s->doc, m, "nodeName", 1, &name, s->err) ||
		    get_obj(s, m, "cpu", 0, &cpu))
			return s->err->code;
		if (wl_strtab_find(names, name) >= 0)
			return io_jerr(s->err, s->doc, m,
				       "machine '%s' is listed twice", name);
		if (wl_strtab_intern(names, name) < 0 ||
		    !(wm->name = strdup(name)))
			return nomem(s->err);
		w->n_machines++;
		wm->speed_mhz = NAN;
		uint64_t cores = 0;
		if (cpu && (io_jget_u64(s->doc, cpu, "coreCount", 0, &cores,
					s->err) ||
			    io_jget_posnum(s->doc, cpu, "speedInMHz", 0,
					   &wm->speed_mhz, s->err)))
			return s->err->code;
		if (cores > UINT32_MAX)
			return io_jerr_at(s->err, s->doc, cpu, "coreCount", 0,
					  "coreCount is too large");
		wm->cores = (uint32_t)cores;
	}
	return 0;
}

/* Per-job array of n, set to dflt, allocated on first use. */
static int per_job_u32(uint32_t **a, uint32_t n)
{
	if (*a)
		return 0;
	*a = malloc((size_t)(n ? n : 1) * sizeof **a);
	if (!*a)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		(*a)[i] = WL_NONE;
	return 0;
}

static int per_job_dbl(double **a, uint32_t n)
{
	if (*a)
		return 0;
	*a = malloc((size_t)(n ? n : 1) * sizeof **a);
	if (!*a)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		(*a)[i] = NAN;
	return 0;
}

static int read_exec_task(wf_state *s, const json_t *tasks, size_t i,
			  const wl_strtab *machines)
{
	wl_workflow *w = s->w;
	wl_dag *d = w->dag;
	const json_t *t = json_array_get(tasks, i), *ms;
	const char *id;
	if (!json_is_object(t))
		return io_jerr_at(s->err, s->doc, tasks, NULL, i,
				  "a task must be an object");
	if (io_jget_str(s->doc, t, "id", 1, &id, s->err))
		return s->err->code;
	int64_t j = wl_dag_find_job(d, id);
	if (j < 0)
		return io_jerr_at(s->err, s->doc, t, "id", 0,
				  "'%s' is not a task of workflow.specification",
				  id);
	if (s->has_runtime[j])
		return io_jerr(s->err, s->doc, t,
			       "task '%s' has two execution entries", id);
	const json_t *rt = json_object_get(t, "runtimeInSeconds");
	if (!rt)
		return io_jerr(s->err, s->doc, t,
			       "task '%s' has no runtimeInSeconds", id);
	if (json_is_number(rt) && json_number_value(rt) < 0)
		return io_jerr_at(s->err, s->doc, t, "runtimeInSeconds", 0,
				  "task '%s': runtimeInSeconds %g is negative",
				  id, json_number_value(rt));
	double runtime = 0;
	if (io_jget_nonneg(s->doc, t, "runtimeInSeconds", 1, &runtime, s->err))
		return s->err->code;
	if (runtime > IO_MAX_TIME_S)
		return io_jerr_at(s->err, s->doc, t, "runtimeInSeconds", 0,
				  "task '%s': runtimeInSeconds %g is too large",
				  id, runtime);
	if (wl_dag_set_runtime(d, (uint32_t)j, runtime, s->err))
		return s->err->code;
	s->has_runtime[j] = 1;
	if (json_object_get(t, "avgCPU")) {
		double cpu = NAN;
		if (io_jget_nonneg(s->doc, t, "avgCPU", 0, &cpu, s->err))
			return s->err->code;
		if (per_job_dbl(&w->job_avg_cpu, d->n_jobs))
			return nomem(s->err);
		w->job_avg_cpu[j] = cpu;
	}
	if (get_arr(s, t, "machines", 0, &ms))
		return s->err->code;
	if (ms && json_array_size(ms)) {
		const char *name;
		if (elem_str(s, ms, 0, "machines", &name))
			return s->err->code;
		int64_t m = wl_strtab_find(machines, name);
		if (m < 0)
			return io_jerr_at(s->err, s->doc, ms, NULL, 0,
					  "machine '%s' is not in "
					  "workflow.execution.machines", name);
		if (per_job_u32(&w->job_machine, d->n_jobs))
			return nomem(s->err);
		w->job_machine[j] = (uint32_t)m;
	}
	return 0;
}

static int read_execution(wf_state *s, const json_t *wf)
{
	const json_t *ex, *tasks, *ms;
	if (get_obj(s, wf, "execution", 0, &ex))
		return s->err->code;
	if (!ex)
		return io_jerr(s->err, s->doc, wf,
			       "no \"execution\": the tasks have no runtimes");
	if (io_jget_nonneg(s->doc, ex, "makespanInSeconds", 1,
			   &s->w->makespan_s, s->err) ||
	    get_arr(s, ex, "tasks", 1, &tasks) ||
	    get_arr(s, ex, "machines", 0, &ms))
		return s->err->code;
	wl_strtab names = {0};
	int rc = read_machines(s, ms, &names);
	for (size_t i = 0; !rc && i < json_array_size(tasks); i++)
		rc = read_exec_task(s, tasks, i, &names);
	wl_strtab_free(&names);
	if (rc)
		return rc;
	for (uint32_t j = 0; j < s->w->dag->n_jobs; j++)
		if (!s->has_runtime[j])
			return io_jerr(s->err, s->doc, s->task_node[j],
				       "task '%s' has no runtime (no entry in "
				       "workflow.execution.tasks)",
				       wl_dag_job_name(s->w->dag, j));
	return 0;
}

static int read_doc(wf_state *s)
{
	const json_t *root = s->doc->root, *wf, *spec, *tasks, *files;
	if (!json_is_object(root))
		return io_jerr(s->err, s->doc, root,
			       "a WfFormat file is a JSON object");
	if (read_header(s, root) || get_obj(s, root, "workflow", 1, &wf))
		return s->err->code;
	if (!json_object_get(wf, "specification") &&
	    (json_object_get(wf, "tasks") || json_object_get(wf, "jobs")))
		return io_jerr(s->err, s->doc, wf,
			       "this is the WfFormat layout before 1.5 "
			       "(workflow.%s); only workflow.specification "
			       "is read",
			       json_object_get(wf, "tasks") ? "tasks" : "jobs");
	if (get_obj(s, wf, "specification", 1, &spec) ||
	    get_arr(s, spec, "tasks", 1, &tasks) ||
	    get_arr(s, spec, "files", 0, &files))
		return s->err->code;
	if (!json_array_size(tasks))
		return io_jerr_at(s->err, s->doc, spec, "tasks", 0,
				  "workflow.specification.tasks is empty");
	if (read_files(s, files) || read_tasks(s, tasks))
		return s->err->code;
	for (uint32_t j = 0; j < s->w->dag->n_jobs; j++)
		if (read_links(s, j))
			return s->err->code;
	if (read_execution(s, wf))
		return s->err->code;
	return wl_dag_finalize(s->w->dag, s->err);
}

static int load_doc(wl_workflow **out, const io_jdoc *doc, io_err *err)
{
	wf_state s = {.doc = doc, .err = err};
	s.w = wl_workflow_new(doc->path, WL_WF_WFFORMAT);
	int rc = s.w ? read_doc(&s) : nomem(err);
	free(s.task_node);
	free(s.has_runtime);
	if (rc) {
		wl_workflow_free(s.w);
		return rc;
	}
	*out = s.w;
	return 0;
}

int wl_wfformat_parse(wl_workflow **out, const char *label, const char *text,
		      size_t len, io_err *err)
{
	io_jdoc doc;
	*out = NULL;
	int rc = io_jdoc_parse(&doc, label, text, len, err);
	if (rc)
		return rc;
	rc = load_doc(out, &doc, err);
	io_jdoc_free(&doc);
	return rc;
}

/* A whole file, gunzipped if it is gzip (zlib reads plain files too). */
static int read_gz(const char *path, char **text, size_t *len, io_err *err)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return io_errf(err, IO_EINPUT, path, 0, "cannot open: %s",
				 strerror(errno));
	size_t cap = 0, n = 0;
	char *buf = NULL;
	for (;;) {
		if (io_reserve(&buf, &cap, n + (1 << 16) + 1, 1 << 16)) {
			free(buf);
			gzclose(gz);
			return io_errf(err, IO_ENOMEM, path, 0, "out of memory");
		}
		int got = gzread(gz, buf + n, 1 << 16);
		if (got < 0) {
			int zerr;
			const char *msg = gzerror(gz, &zerr);
			io_errf(err, IO_EINPUT, path, 0, "cannot read: %s", msg);
			free(buf);
			gzclose(gz);
			return err->code;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	gzclose(gz);
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

int wl_wfformat_load(wl_workflow **out, const char *path, io_err *err)
{
	char *text = NULL;
	size_t len = 0;
	*out = NULL;
	int rc = read_gz(path, &text, &len, err);
	if (rc)
		return rc;
	rc = wl_wfformat_parse(out, path, text, len, err);
	free(text);
	return rc;
}
