/*
 * real/parallel/plan.c — reading a parallel plan (the format in
 * real/parallel/parallel.h) and checking it against the zoo's model.
 */
#include <math.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "real/nn/zoo.h"
#include "real/parallel/parallel.h"

static const char *const strategy_names[] = {"data", "model", "model-opt",
					     "hybrid"};
static const char *const role_names[] = {"ps", "worker", "merge", "driver"};

const char *par_strategy_name(par_strategy s)
{
	return strategy_names[s];
}

static int bad(io_err *err, const char *path, const char *fmt, const char *a,
	       const char *b)
{
	char what[400];
	snprintf(what, sizeof what, fmt, a, b);
	return io_errf(err, IO_EINPUT, path, 0, "%s", what);
}

static int pick(const char *s, const char *const *names, int n)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int keys_only(json_t *o, const char *const *allowed, const char *path,
		     const char *where, io_err *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		int ok = 0;
		for (int i = 0; allowed[i]; i++)
			ok |= strcmp(k, allowed[i]) == 0;
		if (!ok)
			return bad(err, path, "%s: unknown key \"%s\"", where, k);
	}
	return 0;
}

static int get_int(json_t *root, const char *key, int64_t lo, int64_t hi,
		   int64_t *out, const char *path, io_err *err)
{
	json_t *v = json_object_get(root, key);
	if (!v)
		return bad(err, path, "\"%s\": missing%s", key, "");
	/* a JSON integer, or a real with no fraction (50.0, 1e6) as the
	 * experiment and parallel configs accept: range first (doubles are
	 * exact up to 2^53), then the cast */
	int ok = json_is_integer(v);
	int64_t x = ok ? (int64_t)json_integer_value(v) : 0;
	if (json_is_real(v)) {
		double r = json_real_value(v);
		if (fabs(r) <= 0x1p53 && r == floor(r)) {
			x = (int64_t)r;
			ok = 1;
		}
	}
	if (!ok || x < lo || x > hi) {
		char range[80];
		snprintf(range, sizeof range, "an integer %lld to %lld",
			 (long long)lo, (long long)hi);
		return bad(err, path, "\"%s\": expected %s", key, range);
	}
	*out = x;
	return 0;
}

static int find_worker(const par_plan *p, const char *name)
{
	for (int i = 0; name && i < p->n_workers; i++)
		if (strcmp(p->name[i], name) == 0)
			return i;
	return -1;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n >= PAR_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr("_.-", s[i]))
			return 0;
	return 1;
}

static int load_workers(par_plan *p, json_t *ws, const char *path,
			io_err *err)
{
	static const char *const keys[] = {"name", "role", NULL};
	if (!json_is_array(ws) || json_array_size(ws) < 1 ||
	    json_array_size(ws) > PAR_MAX_WORKERS) {
		char n[16];
		snprintf(n, sizeof n, "%d", PAR_MAX_WORKERS);
		return bad(err, path, "\"workers\": expected a list of 1 to %s "
				      "workers%s", n, "");
	}
	p->driver = -1;
	size_t i;
	json_t *w;
	json_array_foreach(ws, i, w) {
		char where[48];
		snprintf(where, sizeof where, "workers[%zu]", i);
		if (!json_is_object(w))
			return bad(err, path, "%s: expected an object%s", where, "");
		int rc = keys_only(w, keys, path, where, err);
		if (rc)
			return rc;
		const char *name = json_string_value(json_object_get(w, "name"));
		const char *role = json_string_value(json_object_get(w, "role"));
		if (!name || !valid_name(name))
			return bad(err, path, "%s.name: expected 1 to 31 of "
					      "[A-Za-z0-9_.-]%s", where, "");
		if (find_worker(p, name) >= 0)
			return bad(err, path, "%s.name: \"%s\" is listed twice",
				   where, name);
		int r = pick(role, role_names, 4);
		if (r < 0)
			return bad(err, path, "%s.role: expected ps, worker, merge "
					      "or driver%s", where, "");
		if (r == PAR_DRIVER && p->driver >= 0)
			return bad(err, path, "%s: a second driver (\"%s\")", where,
				   name);
		int k = p->n_workers++;
		snprintf(p->name[k], PAR_NAME_MAX, "%s", name);
		p->role[k] = (par_role)r;
		if (r == PAR_DRIVER)
			p->driver = k;
	}
	return 0;
}

static int load_replicas(par_plan *p, json_t *rs, const char *path,
			 io_err *err)
{
	if (!json_is_array(rs) || json_array_size(rs) < 1)
		return bad(err, path, "\"replicas\": expected a list of worker "
				      "names%s%s", "", "");
	size_t i;
	json_t *v;
	json_array_foreach(rs, i, v) {
		char where[48];
		snprintf(where, sizeof where, "replicas[%zu]", i);
		int w = find_worker(p, json_string_value(v));
		if (w < 0)
			return bad(err, path, "%s: not a worker of \"workers\"%s",
				   where, "");
		if (p->role[w] == PAR_DRIVER)
			return bad(err, path, "%s: \"%s\" is the driver", where,
				   p->name[w]);
		for (int j = 0; j < p->n_replicas; j++)
			if (p->replica[j] == w)
				return bad(err, path, "%s: \"%s\" is listed twice",
					   where, p->name[w]);
		p->replica[p->n_replicas++] = w;
	}
	return 0;
}

/* Whether the workers' stages form a cycle: worker a sends to b when a
 * layer of a is read by a layer of b. */
static int stages_cyclic(const par_plan *p, const nn_model *m, int *a_out,
			 int *b_out)
{
	int W = p->n_workers;
	unsigned char edge[PAR_MAX_WORKERS][PAR_MAX_WORKERS] = {{0}};
	for (int j = 0; j < p->n_layers; j++) {
		nn_layer_info li;
		nn_model_info(m, j, &li);
		for (int k = 0; k < li.n_in; k++)
			if (p->owner[li.in[k]] != p->owner[j])
				edge[p->owner[li.in[k]]][p->owner[j]] = 1;
	}
	/* transitive closure (W <= 32) */
	for (int k = 0; k < W; k++)
		for (int a = 0; a < W; a++)
			for (int b = 0; b < W; b++)
				if (edge[a][k] && edge[k][b])
					edge[a][b] = 1;
	for (int a = 0; a < W; a++)
		for (int b = 0; b < W; b++)
			if (a != b && edge[a][b] && edge[b][a]) {
				*a_out = a;
				*b_out = b;
				return 1;
			}
	return 0;
}

static int load_assign(par_plan *p, json_t *as, const nn_model *m,
		       const char *path, io_err *err)
{
	static const char *const keys[] = {"layer", "worker", NULL};
	if (!json_is_array(as))
		return bad(err, path, "\"assign\": expected a list of {\"layer\", "
				      "\"worker\"}%s%s", "", "");
	for (int i = 0; i < p->n_layers; i++)
		p->owner[i] = -1;
	size_t i;
	json_t *a;
	json_array_foreach(as, i, a) {
		char where[48];
		snprintf(where, sizeof where, "assign[%zu]", i);
		if (!json_is_object(a))
			return bad(err, path, "%s: expected an object%s", where, "");
		int rc = keys_only(a, keys, path, where, err);
		if (rc)
			return rc;
		const char *layer = json_string_value(json_object_get(a, "layer"));
		const char *wname = json_string_value(json_object_get(a, "worker"));
		int l = layer ? nn_model_find(m, layer) : -1;
		if (l < 0)
			return bad(err, path, "%s.layer: \"%s\" is not a layer of "
					      "the model (see hetsim nn layers)",
				   where, layer ? layer : "(missing)");
		int w = find_worker(p, wname);
		if (w < 0)
			return bad(err, path, "%s.worker: \"%s\" is not in "
					      "\"workers\"",
				   where, wname ? wname : "(missing)");
		if (p->role[w] == PAR_DRIVER || p->role[w] == PAR_PS)
			return bad(err, path, "%s.worker: \"%s\" is the driver or "
					      "the ps: layers go to workers",
				   where, wname);
		if (p->owner[l] >= 0)
			return bad(err, path, "%s.layer: \"%s\" is assigned twice",
				   where, layer);
		p->owner[l] = w;
	}
	for (int l = 0; l < p->n_layers; l++)
		if (p->owner[l] < 0) {
			nn_layer_info li;
			nn_model_info(m, l, &li);
			return bad(err, path, "\"assign\": layer \"%s\" is not "
					      "assigned%s", li.name, "");
		}
	int x, y;
	if (stages_cyclic(p, m, &x, &y))
		return bad(err, path, "\"assign\": workers %s and %s read each "
				      "other (the stages must form no cycle)",
			   p->name[x], p->name[y]);
	return 0;
}

static int load(par_plan *p, json_t *root, const char *path, io_err *err)
{
	static const char *const keys[] = {"version", "model", "size",
					   "strategy", "batch", "samples",
					   "workers", "assign", "replicas",
					   NULL};
	if (!json_is_object(root))
		return bad(err, path, "expected a JSON object%s%s", "", "");
	int rc = keys_only(root, keys, path, "plan", err);
	int64_t version = 0;
	if (rc || (rc = get_int(root, "version", 1, 1, &version, path, err)))
		return rc;
	const char *model = json_string_value(json_object_get(root, "model"));
	if (!model || !nn_zoo_find(model))
		return bad(err, path, "\"model\": \"%s\" is not a zoo model "
				      "(see hetsim nn list)%s",
			   model ? model : "(missing)", "");
	snprintf(p->model, sizeof p->model, "%s", model);
	p->size = 0;
	if (json_object_get(root, "size") &&
	    (rc = get_int(root, "size", 0, INT32_MAX, &p->size, path, err)))
		return rc;
	int s = pick(json_string_value(json_object_get(root, "strategy")),
		     strategy_names, 4);
	if (s < 0)
		return bad(err, path, "\"strategy\": expected data, model, "
				      "model-opt or hybrid%s%s", "", "");
	p->strategy = (par_strategy)s;
	if ((rc = get_int(root, "batch", 1, 1 << 20, &p->batch, path, err)) ||
	    (rc = get_int(root, "samples", 1, INT32_MAX, &p->samples, path,
			  err)) ||
	    (rc = load_workers(p, json_object_get(root, "workers"), path, err)))
		return rc;
	nn_model *m = NULL;
	if ((rc = nn_zoo_build(&m, p->model, p->size, err)))
		return io_errf(err, rc, path, 0, "\"size\": %s", err->msg);
	p->n_layers = nn_model_layers(m);
	json_t *as = json_object_get(root, "assign");
	json_t *rs = json_object_get(root, "replicas");
	/* hetsim parallel's plan.json (pp_plan_json) writes the member the
	 * strategy does not use as an empty array: the same as leaving it
	 * out */
	if (json_is_array(as) && json_array_size(as) == 0)
		as = NULL;
	if (json_is_array(rs) && json_array_size(rs) == 0)
		rs = NULL;
	if (p->strategy == PAR_DATA) {
		if (as)
			rc = bad(err, path, "\"assign\": strategy data takes "
					    "\"replicas\"%s%s", "", "");
		else
			rc = load_replicas(p, rs, path, err);
	} else if (rs) {
		rc = bad(err, path, "\"replicas\": strategy %s takes "
				    "\"assign\"%s", par_strategy_name(p->strategy),
			 "");
	} else if (!(p->owner = malloc((size_t)p->n_layers * sizeof *p->owner))) {
		rc = io_errf(err, IO_ENOMEM, path, 0, "out of memory");
	} else {
		rc = load_assign(p, as, m, path, err);
	}
	nn_model_free(m);
	return rc;
}

int par_plan_load(par_plan *p, const char *path, io_err *err)
{
	memset(p, 0, sizeof *p);
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return io_errf(err, IO_EINPUT, path, je.line, "%s", je.text);
	int rc = load(p, root, path, err);
	json_decref(root);
	if (rc)
		par_plan_free(p);
	return rc;
}

void par_plan_free(par_plan *p)
{
	free(p->owner);
	p->owner = NULL;
}
