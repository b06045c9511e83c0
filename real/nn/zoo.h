/*
 * real/nn/zoo.h — the seeds' models, built by name (real/nn/zoo.c has the
 * architectures and their sources): ResNet-50, a YOLOv3-tiny detector, a
 * DistilBERT question-answering encoder, wav2vec2-base with a CTC head,
 * FireNet, the HAR network, the acoustic-impedance TCN, FCN-8s, the
 * multimodal land-cover CNN (seeds 002/003) and the Gantt-chart CNN (seed
 * 001). A built model has zero weights: nn_model_init(m, seed) draws
 * random ones (no trained weights exist here; the zoo measures times).
 *
 *   nn_model *m;
 *   nn_zoo_build(&m, "resnet50", 0, &err);   // 0: the default size
 *   nn_model_init(m, seed, &err);
 *
 * `hetsim nn list` prints the table below; `hetsim nn show NAME` a
 * model's per-layer FLOPs, parameters and activation bytes; `hetsim nn
 * layers NAME [--json]` its layer graph (real/nn/layers.h).
 */
#ifndef HETSIM_REAL_NN_ZOO_H
#define HETSIM_REAL_NN_ZOO_H

#include <stdint.h>
#include "real/nn/nn.h"

typedef struct nn_zoo_model {
	const char *name;      /* "resnet50" */
	const char *summary;   /* one line: what it is, its input */
	const char *source;    /* where the architecture comes from */
	/* The one size a caller may choose (sequence length, audio samples,
	 * image side), NULL when the input is fixed (linear layers over the
	 * flattened features depend on it). */
	const char *size_what;
	int64_t size_default, size_min, size_max, size_multiple;
} nn_zoo_model;

/* The models, in the order of the table; *n their number. */
const nn_zoo_model *nn_zoo_models(int *n);
/* By name, NULL if none. */
const nn_zoo_model *nn_zoo_find(const char *name);

/* Build model name with size (0: its default). An unknown name, or a size
 * out of range, not a multiple of size_multiple or given to a model
 * without one, is IO_EINPUT naming what is allowed. */
int nn_zoo_build(nn_model **out, const char *name, int64_t size,
		 io_err *err);

/* The Gantt-chart CNNs of seed 001 for charts of height x width pixels
 * (32 to 8192 each) and classes outputs (logits, 2 to 4096): variant
 * "simple" (the zoo's "gantt" at any size: 5 conv + 3 linear) or "vgg"
 * (a VGG-11-BN-style deeper network; zoo.c says what each is). Used by
 * the anomaly detector (real/detector.h). */
int nn_zoo_gantt(nn_model **out, const char *variant, int64_t height,
		 int64_t width, int64_t classes, io_err *err);

#endif
