/* real/nn/layers.c — the layer graph as JSON and CSV (real/nn/layers.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "real/nn/layers.h"

/* A count as a JSON integer (every figure is a whole number below 2^53). */
static json_t *count(double x)
{
	return json_integer((json_int_t)llround(x));
}

json_t *nn_layer_json(const nn_model *m, int i)
{
	nn_layer_info li;
	nn_model_info(m, i, &li);
	json_t *in = json_array(), *shape = json_array();
	for (int k = 0; in && k < li.n_in; k++)
		json_array_append_new(in, json_integer(li.in[k]));
	for (int d = 0; shape && d < li.ndim; d++)
		json_array_append_new(shape, json_integer(li.shape[d]));
	json_t *o = json_pack("{s:i,s:s,s:s,s:o*,s:o*,s:o,s:o,s:I,s:I,s:I}",
			      "index", i, "name", li.name, "type", li.type,
			      "inputs", in, "shape", shape, "flops",
			      count(li.flops), "macs", count(li.macs), "params",
			      (json_int_t)li.params, "param_bytes",
			      (json_int_t)li.param_bytes, "act_bytes",
			      (json_int_t)li.act_bytes);
	if (o && (!in || !shape)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

json_t *nn_layers_json(const nn_model *m)
{
	int n = nn_model_layers(m);
	double flops = 0, macs = 0;
	int64_t params = 0, act = 0;
	json_t *layers = json_array();
	for (int i = 0; layers && i < n; i++) {
		nn_layer_info li;
		nn_model_info(m, i, &li);
		flops += li.flops;
		macs += li.macs;
		params += li.params;
		act += li.act_bytes;
		if (json_array_append_new(layers, nn_layer_json(m, i))) {
			json_decref(layers);
			layers = NULL;
		}
	}
	json_t *totals = json_pack(
		"{s:o,s:o,s:I,s:I,s:I}", "flops", count(flops), "macs",
		count(macs), "params", (json_int_t)params, "param_bytes",
		(json_int_t)(4 * params), "act_bytes", (json_int_t)act);
	json_t *doc = json_pack(
		"{s:s,s:i,s:s,s:s,s:s,s:i,s:o*,s:o*}", "format",
		"hetsim-layer-graph", "version", 1, "model", nn_model_name(m),
		"per", "sample", "flops", "forward, multiply-add = 2", "output",
		nn_model_output_index(m), "totals", totals, "layers", layers);
	if (doc && (!totals || !layers)) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

/* name as a CSV field: quoted when it holds a comma, quote or line end */
static size_t csv_field(const char *s, char *buf, size_t cap)
{
	if (!strpbrk(s, ",\"\r\n"))
		return (size_t)snprintf(buf, cap, "%s", s);
	size_t k = 0;
#define PUT(c)                                                                 \
	do {                                                                   \
		if (k + 1 < cap)                                               \
			buf[k] = (c);                                          \
		k++;                                                           \
	} while (0)
	PUT('"');
	for (; *s; s++) {
		if (*s == '"')
			PUT('"');
		PUT(*s);
	}
	PUT('"');
#undef PUT
	if (cap)
		buf[k < cap ? k : cap - 1] = 0;
	return k;
}

size_t nn_layer_csv(const nn_model *m, int i, char *buf, size_t cap)
{
	nn_layer_info li;
	nn_model_info(m, i, &li);
	char name[2 * NN_NAME_MAX + 3],
		in[NN_MAX_IN * 8 + 1] = "", shape[NN_MAX_DIMS * 12 + 1] = "";
	csv_field(li.name, name, sizeof name);
	size_t k = 0;
	for (int j = 0; j < li.n_in; j++)
		k += (size_t)snprintf(in + k, sizeof in - k, "%s%d",
				      j ? ";" : "", li.in[j]);
	k = 0;
	for (int d = 0; d < li.ndim; d++)
		k += (size_t)snprintf(shape + k, sizeof shape - k, "%s%lld",
				      d ? "x" : "", (long long)li.shape[d]);
	return (size_t)snprintf(
		buf, cap, "%d,%s,%s,%s,%s,%.0f,%.0f,%lld,%lld,%lld", i, name,
		li.type, in, shape, li.flops, li.macs, (long long)li.params,
		(long long)li.param_bytes, (long long)li.act_bytes);
}
