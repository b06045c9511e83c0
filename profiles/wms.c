/*
 * profiles/wms.c — workflow-system overhead models (see wms.h).
 *
 * Each DIST object is read by the profile loader itself (one model of a
 * one-task, one-machine profile built around a copy of it), so that every
 * model kind and every check of profile.h applies unchanged; its errors are
 * re-reported at the DIST's line in the WMS file.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "profiles/wms.h"

static const char *const phase_names[WMS_PHASES] = {
	"wms_delay", "queue_delay", "startup", "post_delay", "dispatch"};
static const char *const class_names[WMS_CLASSES] = {"compute", "transfer",
						     "auxiliary"};
static const char *const where_names[] = {"first", "last", "after_sinks",
					  "per_machine"};

const char *wms_phase_name(wms_phase ph)
{
	return ph < WMS_PHASES ? phase_names[ph] : "?";
}

const char *wms_class_name(wms_class c)
{
	return c < WMS_CLASSES ? class_names[c] : "?";
}

int wms_class_from_name(const char *name)
{
	for (int c = 0; c < WMS_CLASSES; c++)
		if (strcmp(name, class_names[c]) == 0)
			return c;
	return -1;
}

static void model_free(prof_model *pm)
{
	free(pm->sorted);
	free(pm->cum);
	free(pm->source);
	memset(pm, 0, sizeof *pm);
}

/* One DIST: wrapped into {"machine_types": [{"name": "wms"}],
 * "task_types": [{"name": "d"}], "exec": [DIST + task, machine]} and read
 * by prof_load_json; what: "phases.startup.*" for messages. */
static int read_dist(prof_model *out, const io_jdoc *doc, const json_t *dist,
		     const char *what, io_err *err)
{
	if (!json_is_object(dist))
		return io_jerr(err, doc, dist,
			       "%s must be a model object ({\"model\": ...})",
			       what);
	if (json_object_get(dist, "task") || json_object_get(dist, "machine"))
		return io_jerr(err, doc, dist,
			       "%s: a WMS model has no \"task\" or \"machine\"",
			       what);
	json_t *e = json_deep_copy(dist);
	json_t *w = json_pack("{s:[{s:s}], s:[{s:s}], s:[o]}", "machine_types",
			      "name", "wms", "task_types", "name", "d", "exec",
			      e);
	char *text = NULL;
	if (w && e) {
		json_object_set_new(e, "task", json_string("d"));
		json_object_set_new(e, "machine", json_string("wms"));
		text = json_dumps(w, 0);
	}
	json_decref(w);
	if (!text)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	io_jdoc tmp;
	memset(&tmp, 0, sizeof tmp);
	io_err inner = {0};
	/* labelled with the WMS file's path: csv paths resolve next to it */
	int rc = io_jdoc_parse(&tmp, doc->path ? doc->path : "wms", text,
			       strlen(text), &inner);
	free(text);
	prof_profile *p = NULL;
	if (!rc)
		rc = prof_load_json(&p, &tmp, tmp.root, &inner);
	io_jdoc_free(&tmp);
	if (rc) {
		if (rc == IO_ENOMEM)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		/* drop the "path:line: " of the wrapper */
		const char *msg = inner.msg, *c = strstr(msg, ": ");
		if (c && doc->path && strncmp(msg, doc->path, strlen(doc->path)) == 0) {
			const char *c2 = strstr(c + 2, ": ");
			msg = c2 && isdigit((unsigned char)c[2]) ? c2 + 2 : c + 2;
		}
		return io_jerr(err, doc, dist, "%s: %s", what, msg);
	}
	*out = p->models[0];
	memset(&p->models[0], 0, sizeof p->models[0]);
	prof_free(p);
	return 0;
}

static int read_phases(wms_model *m, const io_jdoc *doc, const json_t *ph,
		       io_err *err)
{
	if (!json_is_object(ph))
		return io_jerr(err, doc, ph, "\"phases\" must be an object");
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)ph, key, v) {
		int p = -1;
		for (int k = 0; k < WMS_PHASES; k++)
			if (strcmp(key, phase_names[k]) == 0)
				p = k;
		if (p < 0)
			return io_jerr_at(err, doc, ph, key, 0,
					  "unknown phase \"%s\" (wms_delay, "
					  "queue_delay, startup, post_delay, "
					  "dispatch)",
					  key);
		if (!json_is_object(v))
			return io_jerr(err, doc, v,
				       "phases.%s must be an object of job "
				       "classes", key);
		const json_t *def = json_object_get(v, "*");
		const char *ck;
		const json_t *dv;
		json_object_foreach((json_t *)v, ck, dv) {
			if (strcmp(ck, "*") != 0 && wms_class_from_name(ck) < 0)
				return io_jerr_at(err, doc, v, ck, 0,
						  "phases.%s: unknown job class "
						  "\"%s\" (compute, transfer, "
						  "auxiliary, *)", key, ck);
		}
		for (int c = 0; c < WMS_CLASSES; c++) {
			const json_t *d = json_object_get(v, class_names[c]);
			char what[64];
			snprintf(what, sizeof what, "phases.%s.%s", key,
				 d ? class_names[c] : "*");
			if (!d)
				d = def;
			if (d && read_dist(&m->phase[p][c], doc, d, what, err))
				return IO_EINPUT;
		}
	}
	return 0;
}

static int read_aux(wms_model *m, const io_jdoc *doc, const json_t *list,
		    io_err *err)
{
	if (!json_is_array(list))
		return io_jerr(err, doc, list, "\"aux_jobs\" must be an array");
	size_t n = json_array_size(list);
	m->aux = calloc(n ? n : 1, sizeof *m->aux);
	if (!m->aux)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	static const char *const keys[] = {"kind", "class", "where", "count",
					   "runtime", NULL};
	for (size_t i = 0; i < n; i++) {
		const json_t *a = json_array_get(list, i);
		if (!json_is_object(a))
			return io_jerr(err, doc, a,
				       "an aux_jobs entry must be an object");
		const char *kind = NULL, *cls = NULL, *where = NULL;
		uint64_t count = 1;
		if (io_jcheck_keys(doc, a, keys, err) ||
		    io_jget_str(doc, a, "kind", 1, &kind, err) ||
		    io_jget_str(doc, a, "class", 0, &cls, err) ||
		    io_jget_str(doc, a, "where", 1, &where, err) ||
		    io_jget_u64(doc, a, "count", 0, &count, err))
			return IO_EINPUT;
		wms_aux *x = &m->aux[m->n_aux++];
		x->kind = strdup(kind);
		if (!x->kind)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		int c = cls ? wms_class_from_name(cls) : WMS_AUXILIARY;
		if (c < 0)
			return io_jerr(err, doc, json_object_get(a, "class"),
				       "unknown job class \"%s\" (compute, "
				       "transfer, auxiliary)", cls);
		x->cls = (wms_class)c;
		int w = -1;
		for (int k = 0; k < 4; k++)
			if (strcmp(where, where_names[k]) == 0)
				w = k;
		if (w < 0)
			return io_jerr(err, doc, json_object_get(a, "where"),
				       "unknown \"where\" \"%s\" (first, last, "
				       "after_sinks, per_machine)", where);
		x->where = (wms_where)w;
		if (count < 1 || count > 1000000)
			return io_jerr(err, doc, json_object_get(a, "count"),
				       "\"count\" must be in 1..1000000");
		x->count = x->where == WMS_AFTER_SINKS ? (uint32_t)count : 1;
		const json_t *rt = json_object_get(a, "runtime");
		if (!rt)
			return io_jerr(err, doc, a,
				       "aux job \"%s\" has no \"runtime\"", kind);
		char what[96];
		snprintf(what, sizeof what, "aux_jobs[%zu].runtime", i);
		if (read_dist(&x->runtime, doc, rt, what, err))
			return IO_EINPUT;
	}
	return 0;
}

int wms_load_json(wms_model *m, const io_jdoc *doc, const json_t *node,
		  io_err *err)
{
	memset(m, 0, sizeof *m);
	if (!json_is_object(node))
		return io_jerr(err, doc, node, "a WMS model must be an object");
	static const char *const keys[] = {"wms",	 "source",  "phases",
					   "staging",	 "max_running",
					   "submit_slots", "aux_jobs",	 NULL};
	const char *name = NULL, *src = NULL, *staging = NULL;
	uint64_t maxr = 0, slots = 1;
	int rc = io_jcheck_keys(doc, node, keys, err);
	if (!rc)
		rc = io_jget_str(doc, node, "wms", 1, &name, err);
	if (!rc)
		rc = io_jget_str(doc, node, "source", 0, &src, err);
	if (!rc)
		rc = io_jget_str(doc, node, "staging", 0, &staging, err);
	if (!rc)
		rc = io_jget_u64(doc, node, "max_running", 0, &maxr, err);
	if (!rc && maxr > UINT32_MAX)
		rc = io_jerr(err, doc, json_object_get(node, "max_running"),
			     "\"max_running\" is too large");
	if (!rc)
		rc = io_jget_u64(doc, node, "submit_slots", 0, &slots, err);
	if (!rc && (slots < 1 || slots > WMS_MAX_SUBMIT_SLOTS))
		rc = io_jerr(err, doc, json_object_get(node, "submit_slots"),
			     "\"submit_slots\" must be in 1..%u",
			     (unsigned)WMS_MAX_SUBMIT_SLOTS);
	if (!rc && staging && strcmp(staging, "inside") != 0 &&
	    strcmp(staging, "outside") != 0)
		rc = io_jerr(err, doc, json_object_get(node, "staging"),
			     "\"staging\" must be \"inside\" or \"outside\"");
	if (!rc) {
		m->name = strdup(name);
		m->source = src ? strdup(src) : NULL;
		m->staging_inside = !staging || strcmp(staging, "inside") == 0;
		m->max_running = (uint32_t)maxr;
		m->submit_slots = (uint32_t)slots;
		if (!m->name || (src && !m->source))
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	const json_t *ph = json_object_get(node, "phases");
	if (!rc && ph)
		rc = read_phases(m, doc, ph, err);
	const json_t *aux = json_object_get(node, "aux_jobs");
	if (!rc && aux)
		rc = read_aux(m, doc, aux, err);
	if (rc)
		wms_free(m);
	return rc;
}

int wms_load(wms_model *m, const char *path, io_err *err)
{
	io_jdoc doc;
	memset(m, 0, sizeof *m);
	int rc = io_jdoc_load(&doc, path, err);
	if (rc)
		return rc;
	rc = wms_load_json(m, &doc, doc.root, err);
	io_jdoc_free(&doc);
	return rc;
}

int wms_builtin(wms_model *m, const char *system, io_err *err)
{
	memset(m, 0, sizeof *m);
	char word[64];
	size_t n = 0;
	while (system && system[n] && !isspace((unsigned char)system[n]) &&
	       n + 1 < sizeof word) {
		char c = (char)tolower((unsigned char)system[n]);
		if (!isalnum((unsigned char)c) && c != '_' && c != '-')
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "no built-in WMS model for \"%s\"",
				       system);
		word[n++] = c;
	}
	word[n] = 0;
	if (!n)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "no built-in WMS model for \"%s\"",
			       system ? system : "");
	char exe[4096], path[4400];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	const char *exe_dir = NULL;
	if (len > 0) {
		exe[len] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			exe_dir = exe;
		}
	}
	/* build/hetsim, an installed bin/hetsim, then the working directory */
	static const char *const rel[] = {"/../profiles/data",
					  "/../../profiles/data",
					  "/../share/hetsim/profiles", NULL};
	for (int k = 0; exe_dir && rel[k]; k++) {
		snprintf(path, sizeof path, "%s%s/wms_%s.json", exe_dir, rel[k],
			 word);
		if (access(path, R_OK) == 0)
			return wms_load(m, path, err);
	}
	snprintf(path, sizeof path, "profiles/data/wms_%s.json", word);
	if (access(path, R_OK) == 0)
		return wms_load(m, path, err);
	return io_errf(err, IO_EINPUT, NULL, 0,
		       "no built-in WMS model for \"%s\" (profiles/data/"
		       "wms_%s.json)", system, word);
}

void wms_free(wms_model *m)
{
	if (!m)
		return;
	for (int p = 0; p < WMS_PHASES; p++)
		for (int c = 0; c < WMS_CLASSES; c++)
			model_free(&m->phase[p][c]);
	for (uint32_t i = 0; i < m->n_aux; i++) {
		free(m->aux[i].kind);
		model_free(&m->aux[i].runtime);
	}
	free(m->aux);
	free(m->name);
	free(m->source);
	memset(m, 0, sizeof *m);
}

double wms_draw(const wms_model *m, wms_phase ph, wms_class c, double u)
{
	const prof_model *pm = &m->phase[ph][c];
	return pm->kind == PROF_NONE ? 0.0 : prof_model_quantile(pm, u);
}

int wms_has_phase(const wms_model *m, wms_phase ph)
{
	for (int c = 0; c < WMS_CLASSES; c++)
		if (m->phase[ph][c].kind != PROF_NONE)
			return 1;
	return 0;
}
