/* workloads/layergraph.c — the layer-graph loader (see layergraph.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "workloads/layergraph.h"

static int nomem(io_err *err)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

void lg_free(lg_graph *g)
{
	if (!g)
		return;
	for (uint32_t i = 0; i < g->n; i++) {
		free(g->layers[i].name);
		free(g->layers[i].type);
		free(g->layers[i].inputs);
	}
	free(g->layers);
	free(g->model);
	memset(g, 0, sizeof *g);
}

int lg_find(const lg_graph *g, const char *name)
{
	for (uint32_t i = 0; i < g->n; i++)
		if (strcmp(g->layers[i].name, name) == 0)
			return (int)i;
	return -1;
}

int lg_is_input(const lg_graph *g, uint32_t i)
{
	return g->layers[i].n_inputs == 0;
}

static const char *const graph_keys[] = {
	"format", "version", "model", "per", "flops", "output", "totals",
	"layers", "size", NULL};
static const char *const layer_keys[] = {
	"index", "name", "type", "inputs", "shape", "flops", "macs", "params",
	"param_bytes", "act_bytes", "fused_into", "time_s", "flops_per_s",
	NULL};

/* Layer j's name in file order (names of the array lay, already checked
 * to be strings), or -1. */
static long find_raw(const json_t *lay, const char *name)
{
	for (size_t j = 0; j < json_array_size(lay); j++) {
		const char *s = json_string_value(
			json_object_get(json_array_get(lay, j), "name"));
		if (s && strcmp(s, name) == 0)
			return (long)j;
	}
	return -1;
}

/* The inputs of layer object o (file position i of n) as file positions
 * into in[] (capacity n). */
static int read_inputs(const io_jdoc *doc, const json_t *lay, const json_t *o,
		       size_t i, size_t n, uint32_t *in, uint32_t *n_in,
		       io_err *err)
{
	const json_t *a = json_object_get(o, "inputs");
	const char *name = json_string_value(json_object_get(o, "name"));
	if (!a)
		return io_jerr(err, doc, o, "layer \"%s\": missing \"inputs\"",
			       name);
	if (!json_is_array(a))
		return io_jerr_at(err, doc, o, "inputs", 0,
				  "layer \"%s\": \"inputs\" must be an array",
				  name);
	*n_in = 0;
	for (size_t k = 0; k < json_array_size(a); k++) {
		const json_t *v = json_array_get(a, k);
		long j = -1;
		if (json_is_integer(v)) {
			json_int_t x = json_integer_value(v);
			if (x < 0 || (size_t)x >= n)
				return io_jerr_at(err, doc, a, NULL, k,
						  "layer \"%s\": input %lld is "
						  "not a layer index (0..%zu)",
						  name, (long long)x, n - 1);
			j = (long)x;
		} else if (json_is_string(v)) {
			j = find_raw(lay, json_string_value(v));
			if (j < 0)
				return io_jerr_at(err, doc, a, NULL, k,
						  "layer \"%s\": input \"%s\" "
						  "names no layer",
						  name, json_string_value(v));
		} else {
			return io_jerr_at(err, doc, a, NULL, k,
					  "layer \"%s\": an input is a layer "
					  "index or name",
					  name);
		}
		if ((size_t)j == i)
			return io_jerr_at(err, doc, a, NULL, k,
					  "layer \"%s\" is its own input", name);
		for (uint32_t m = 0; m < *n_in; m++)
			if (in[m] == (uint32_t)j)
				return io_jerr_at(err, doc, a, NULL, k,
						  "layer \"%s\": input %ld "
						  "given twice",
						  name, j);
		in[(*n_in)++] = (uint32_t)j;
	}
	return 0;
}

static int read_layer(const io_jdoc *doc, const json_t *lay, size_t i,
		      lg_layer *L, io_err *err)
{
	const json_t *o = json_array_get(lay, i);
	const char *name = NULL, *type = NULL;
	if (!json_is_object(o))
		return io_jerr_at(err, doc, lay, NULL, i,
				  "layers[%zu] must be an object", i);
	if (io_jcheck_keys(doc, o, layer_keys, err) ||
	    io_jget_str(doc, o, "name", 1, &name, err) ||
	    io_jget_str(doc, o, "type", 1, &type, err) ||
	    io_jget_nonneg(doc, o, "flops", 1, &L->flops, err) ||
	    io_jget_nonneg(doc, o, "macs", 0, &L->macs, err) ||
	    io_jget_nonneg(doc, o, "params", 0, &L->params, err) ||
	    io_jget_nonneg(doc, o, "param_bytes", 1, &L->param_bytes, err) ||
	    io_jget_nonneg(doc, o, "act_bytes", 1, &L->act_bytes, err))
		return err->code;
	if (!*name)
		return io_jerr(err, doc, o, "layers[%zu]: empty name", i);
	long first = find_raw(lay, name);
	if (first >= 0 && (size_t)first != i)
		return io_jerr(err, doc, o, "layer name \"%s\" used twice "
			       "(layers[%ld] and [%zu])", name, first, i);
	if (!(L->name = strdup(name)) || !(L->type = strdup(type)))
		return nomem(err);
	return 0;
}

/* Kahn's algorithm, stable (the lowest ready file position first):
 * order[k] = file position of the k-th layer; an error names a layer on
 * a cycle. */
static int topo_order(const io_jdoc *doc, const json_t *lay, lg_layer *raw,
		      uint32_t n, uint32_t *order, io_err *err)
{
	uint32_t *indeg = calloc(n, sizeof *indeg);
	char *done = calloc(n, 1);
	if (!indeg || !done) {
		free(indeg);
		free(done);
		return nomem(err);
	}
	for (uint32_t i = 0; i < n; i++)
		indeg[i] = raw[i].n_inputs;
	uint32_t k = 0;
	int rc = 0;
	while (k < n) {
		uint32_t pick = n;
		for (uint32_t i = 0; i < n && pick == n; i++)
			if (!done[i] && indeg[i] == 0)
				pick = i;
		if (pick == n) {
			for (uint32_t i = 0; i < n; i++)
				if (!done[i]) {
					rc = io_jerr(err, doc,
						     json_array_get(lay, i),
						     "layer \"%s\" is on a "
						     "cycle of inputs",
						     raw[i].name);
					break;
				}
			break;
		}
		done[pick] = 1;
		order[k++] = pick;
		for (uint32_t i = 0; i < n; i++)
			for (uint32_t m = 0; m < raw[i].n_inputs; m++)
				if (raw[i].inputs[m] == pick)
					indeg[i]--;
	}
	free(indeg);
	free(done);
	return rc;
}

int lg_load_json(lg_graph *g, const io_jdoc *doc, const json_t *root,
		 io_err *err)
{
	memset(g, 0, sizeof *g);
	if (!json_is_object(root))
		return io_jerr(err, doc, root, "a layer graph is a JSON object");
	const char *model = "model", *format = NULL;
	double version = 1, size = 0;
	if (io_jcheck_keys(doc, root, graph_keys, err) ||
	    io_jget_str(doc, root, "format", 0, &format, err) ||
	    io_jget_num(doc, root, "version", 0, &version, err) ||
	    io_jget_str(doc, root, "model", 0, &model, err) ||
	    io_jget_nonneg(doc, root, "size", 0, &size, err))
		return err->code;
	if (format && strcmp(format, "hetsim-layer-graph") != 0)
		return io_jerr_at(err, doc, root, "format", 0,
				  "format \"%s\" is not \"hetsim-layer-graph\"",
				  format);
	if (version != 1)
		return io_jerr_at(err, doc, root, "version", 0,
				  "layer-graph version %g (this hetsim reads 1)",
				  version);
	const json_t *lay = json_object_get(root, "layers");
	if (!json_is_array(lay) || json_array_size(lay) == 0)
		return io_jerr(err, doc, lay ? lay : root,
			       "\"layers\" must be a non-empty array");
	if (json_array_size(lay) > LG_MAX_LAYERS)
		return io_jerr(err, doc, lay, "more than %d layers",
			       LG_MAX_LAYERS);
	uint32_t n = (uint32_t)json_array_size(lay);
	lg_layer *raw = calloc(n, sizeof *raw);
	uint32_t *order = calloc(n, sizeof *order), *pos = calloc(n, sizeof *pos);
	int rc = 0;
	if (!raw || !order || !pos || !(g->model = strdup(model))) {
		rc = nomem(err);
		goto fail;
	}
	g->size = (int64_t)size;
	g->layers = raw;
	g->n = n;
	for (uint32_t i = 0; i < n && !rc; i++) {
		rc = read_layer(doc, lay, i, &raw[i], err);
		size_t k = json_array_size(
			json_object_get(json_array_get(lay, i), "inputs"));
		if (!rc && !(raw[i].inputs = calloc(k ? k : 1, sizeof(uint32_t))))
			rc = nomem(err);
	}
	for (uint32_t i = 0; i < n && !rc; i++)
		rc = read_inputs(doc, lay, json_array_get(lay, i), i, n,
				 raw[i].inputs, &raw[i].n_inputs, err);
	if (!rc)
		rc = topo_order(doc, lay, raw, n, order, err);
	double out = n - 1;
	if (!rc && io_jget_nonneg(doc, root, "output", 0, &out, err))
		rc = err->code;
	if (!rc && (out >= n || out != floor(out))) /* range first: no cast */
		rc = io_jerr_at(err, doc, root, "output", 0,
				"\"output\" %g is not a layer index (0..%u)",
				out, n - 1);
	if (rc)
		goto fail;
	/* renumber into topological order */
	lg_layer *sorted = calloc(n, sizeof *sorted);
	if (!sorted) {
		rc = nomem(err);
		goto fail;
	}
	for (uint32_t k = 0; k < n; k++)
		pos[order[k]] = k;
	for (uint32_t k = 0; k < n; k++) {
		sorted[k] = raw[order[k]];
		for (uint32_t m = 0; m < sorted[k].n_inputs; m++)
			sorted[k].inputs[m] = pos[sorted[k].inputs[m]];
	}
	free(raw);
	g->layers = sorted;
	g->output = pos[(uint32_t)out];
	free(order);
	free(pos);
	return 0;
fail:
	free(order);
	free(pos);
	lg_free(g);
	return rc;
}

int lg_load(lg_graph *g, const char *path, io_err *err)
{
	io_jdoc doc;
	memset(g, 0, sizeof *g);
	int rc = io_jdoc_load(&doc, path, err);
	if (rc)
		return rc;
	rc = lg_load_json(g, &doc, doc.root, err);
	io_jdoc_free(&doc);
	return rc;
}

/* Does configuration c (an object of a layer-times file) match? */
static int config_matches(const json_t *c, const char *model, int threads,
			  int64_t batch)
{
	const char *m = json_string_value(json_object_get(c, "model"));
	json_int_t t = json_integer_value(json_object_get(c, "threads"));
	json_int_t b = json_integer_value(json_object_get(c, "batch"));
	return m && strcmp(m, model) == 0 && b > 0 &&
	       (threads == 0 || t == threads) && (batch == 0 || b == batch);
}

int lg_times_load(const lg_graph *g, const char *path, int threads,
		  int64_t batch, double *out, io_err *err)
{
	io_jdoc doc;
	int rc = io_jdoc_load(&doc, path, err);
	if (rc)
		return rc;
	const json_t *root = doc.root, *configs = json_object_get(root, "configs");
	const char *format = json_string_value(json_object_get(root, "format"));
	const json_t *best = NULL;
	if (!format || strcmp(format, "hetsim-layer-times") != 0 ||
	    !json_is_array(configs)) {
		rc = io_jerr(err, &doc, root,
			     "not a layer-times file (\"format\": "
			     "\"hetsim-layer-times\" with \"configs\", from "
			     "`hetsim calibrate inference --per-layer`)");
		goto done;
	}
	for (size_t i = 0; i < json_array_size(configs); i++) {
		const json_t *c = json_array_get(configs, i);
		if (config_matches(c, g->model, threads, batch) &&
		    (!best || json_integer_value(json_object_get(c, "batch")) >
				      json_integer_value(json_object_get(best, "batch"))))
			best = c;
	}
	if (!best) {
		rc = io_jerr(err, &doc, configs,
			     "no configuration of model \"%s\" (threads %d, "
			     "batch %lld; 0: any)",
			     g->model, threads, (long long)batch);
		goto done;
	}
	double b = (double)json_integer_value(json_object_get(best, "batch"));
	const json_t *lay = json_object_get(json_object_get(best, "graph"), "layers");
	for (uint32_t i = 0; i < g->n && !rc; i++) {
		const json_t *hit = NULL;
		for (size_t j = 0; j < json_array_size(lay) && !hit; j++) {
			const char *s = json_string_value(
				json_object_get(json_array_get(lay, j), "name"));
			if (s && strcmp(s, g->layers[i].name) == 0)
				hit = json_array_get(lay, j);
		}
		double t = -1;
		if (!hit)
			rc = io_jerr(err, &doc, best,
				     "layer \"%s\" has no time here",
				     g->layers[i].name);
		else if (io_jget_nonneg(&doc, hit, "time_s", 1, &t, err))
			rc = err->code;
		else
			out[i] = t / b;
	}
done:
	io_jdoc_free(&doc);
	return rc;
}
