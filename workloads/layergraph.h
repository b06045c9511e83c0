/*
 * workloads/layergraph.h — a model's layer graph as a job for the
 * parallelization simulator (sim/parallel.h) and its planners
 * (policies/parallel.h): per layer, per sample, its FLOPs, parameter bytes
 * and output (activation) bytes, and the edges between layers.
 *
 * The file is what `hetsim nn layers MODEL --json` prints (the document of
 * real/nn/layers.h, "format": "hetsim-layer-graph", "version": 1), or the
 * "graph" of one configuration of a `hetsim calibrate inference
 * --per-layer` result (layers.json, real/infer.c), which adds fused_into,
 * time_s and flops_per_s to each layer. Read here:
 *   model, output (index of the output layer; default: the last layer),
 *   layers[i]: name (unique, non-empty), type, inputs (indices, or layer
 *   names), flops, macs, params, param_bytes, act_bytes (numbers >= 0)
 * and the members it may carry besides (format, version, per, flops,
 * totals, size; index, shape, fused_into, time_s, flops_per_s), which are
 * checked for type only where they are used. Any other member is an error,
 * as are a duplicate name, an input naming no layer or the layer itself,
 * and a cycle; each error names the file, line and layer. Inputs may point
 * forwards: the loader orders the layers topologically (stable: a file in
 * topological order keeps its order) and remaps indices, so lg_graph's
 * layers are always in topological order.
 *
 * Per-layer times (lg_times_load): a `calibrate inference --per-layer`
 * layers.json ("format": "hetsim-layer-times"): of the configurations of
 * this graph's model (matching threads and batch where given, else the one
 * with the largest batch, whose per-batch costs are best amortised), each
 * layer's time_s / batch, per sample, matched by layer name.
 */
#ifndef HETSIM_WORKLOADS_LAYERGRAPH_H
#define HETSIM_WORKLOADS_LAYERGRAPH_H

#include <stdint.h>
#include "sim/io/io.h"

/* Largest graph read (the zoo's models have a few hundred layers). */
#define LG_MAX_LAYERS 4096

typedef struct lg_layer {
	char *name, *type;
	uint32_t *inputs;   /* indices into lg_graph.layers, all lower */
	uint32_t n_inputs;
	double flops, macs, params, param_bytes, act_bytes; /* per sample */
} lg_layer;

typedef struct lg_graph {
	char *model;
	int64_t size;       /* the zoo size of the model (0 if not given) */
	uint32_t n;
	lg_layer *layers;   /* in topological order */
	uint32_t output;    /* the output layer */
} lg_graph;

/* Load a layer-graph file; on failure *g is left empty (lg_free-able). */
int lg_load(lg_graph *g, const char *path, io_err *err);
/* The same from a parsed document's value (a "graph" object). */
int lg_load_json(lg_graph *g, const io_jdoc *doc, const json_t *root,
		 io_err *err);
void lg_free(lg_graph *g);
/* Index of the layer called name, or -1. */
int lg_find(const lg_graph *g, const char *name);
/* Does layer i have no inputs (it receives the samples)? */
int lg_is_input(const lg_graph *g, uint32_t i);

/* Per-sample seconds of every layer (out[g->n]) from a calibration file
 * (see above). threads, batch: 0 for any. */
int lg_times_load(const lg_graph *g, const char *path, int threads,
		  int64_t batch, double *out, io_err *err);

#endif
