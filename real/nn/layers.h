/*
 * real/nn/layers.h — a model's layer graph as data for other tools: the
 * per-layer costs that parallelization models (data parallel, pipelines
 * of stages, splits of the graph over workers) need, as a JSON document
 * or CSV rows. `hetsim nn layers MODEL [--json]` prints them; `hetsim
 * calibrate inference --per-layer` adds each layer's measured time
 * (real/infer.c).
 *
 * Per sample, forward pass (real/nn/nn.h says how each layer counts):
 *   flops        a multiply-add counts 2 FLOPs; conv: 2 out_positions x
 *                out x in/groups x k^d + one per output for the bias (and
 *                a fused ReLU); linear: 2 rows x in x out (+ bias);
 *                norms, pooling, activations: about one per element
 *   macs         the multiply-adds among the flops (conv, deconv, linear,
 *                matmul, attention; 0 elsewhere)
 *   params       trainable parameters (float32; batch norm's running
 *                statistics are buffers, not counted)
 *   param_bytes  4 x params: what a worker holding the layer stores and a
 *                parameter server exchanges per synchronisation
 *   act_bytes    the layer's output: what each edge from it carries
 *   inputs       the layers it reads (0-based indices, all lower): edges
 *
 * The JSON document (nn_layers_json), version 1:
 *
 *   {"format": "hetsim-layer-graph", "version": 1, "model": "tcn",
 *    "per": "sample", "flops": "forward, multiply-add = 2",
 *    "output": 27,                       (index of the output layer)
 *    "totals": {"flops": .., "macs": .., "params": .., "param_bytes": ..,
 *               "act_bytes": ..},        (sums over the layers)
 *    "layers": [{"index": 0, "name": "x", "type": "input", "inputs": [],
 *                "shape": [1, 701], "flops": 0, "macs": 0, "params": 0,
 *                "param_bytes": 0, "act_bytes": 2804}, ...]}
 *
 * Every count is an integer. The CSV (NN_LAYERS_CSV_HEADER) has the same
 * columns, inputs as indices joined by ';' and shape as "3x224x224".
 */
#ifndef HETSIM_REAL_NN_LAYERS_H
#define HETSIM_REAL_NN_LAYERS_H

#include <stddef.h>
#include <jansson.h>
#include "real/nn/nn.h"

/* The document above (a new reference), NULL when out of memory. */
json_t *nn_layers_json(const nn_model *m);
/* Layer i's entry of "layers" (a new reference), NULL when out of
 * memory. */
json_t *nn_layer_json(const nn_model *m, int i);

#define NN_LAYERS_CSV_HEADER                                                   \
	"layer,name,type,inputs,shape,flops,macs,params,param_bytes,act_bytes"
/* Layer i's CSV row (no newline) into buf; the length it needs (as
 * snprintf). */
size_t nn_layer_csv(const nn_model *m, int i, char *buf, size_t cap);

#endif
