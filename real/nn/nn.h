/*
 * real/nn/nn.h — hetsim's neural-network engine: models as graphs of
 * layers, built in C (nn_model_add) or read from a JSON description
 * (nn_model_load), run forward and backward on a backend
 * (real/nn/backend.h: "dnnl" = oneDNN, "ref" = the reference loops), and
 * trained with SGD (momentum) or Adam. It exists to measure execution
 * times on this machine (DNN inference and CNN training of the seeds), so
 * weights are random from a seed; they can be saved and loaded.
 *
 * Tensors are float32, batch first: a layer's output is N x (its
 * per-sample shape), at most NN_MAX_DIMS dims per sample (C, D, H, W).
 * Convolutions and pooling take C x W (1D), C x H x W (2D) or C x D x H x W
 * (3D); linear, layer norm and softmax act on the last dim.
 *
 * A model file:
 *
 *   {"name": "tiny", "version": 1,
 *    "layers": [
 *      {"name": "x", "type": "input", "shape": [3, 32, 32]},
 *      {"name": "c1", "type": "conv", "out": 16, "kernel": 3, "pad": 1,
 *       "relu": true},
 *      {"type": "maxpool", "kernel": 2, "stride": 2},
 *      {"name": "skip", "type": "conv", "input": "x", "out": 16,
 *       "kernel": 1, "stride": 2},
 *      {"type": "add", "inputs": [2, "skip"]},
 *      {"type": "global_avgpool"},
 *      {"name": "fc", "type": "linear", "out": 10}],
 *    "output": "fc"}
 *
 * "version" (optional) must be 1. "output" (optional) names the output
 * layer, by default the last. Each layer has a "type" and optionally a
 * "name" (unique, at most 63 bytes; default "layer<index>") and its
 * inputs: "input" (one) or "inputs" (a list), each a layer name or the
 * 0-based index of an earlier layer; by default the previous layer. A
 * layer may only read layers above it, so the list is in order. Keys a
 * type does not take are errors. Sizes are integers; a number of values
 * for a spatial size ("kernel": 3 or [3, 3]) is one for all dims or one
 * per dim. Types and their keys (defaults in brackets):
 *
 *   input          shape: per-sample dims, e.g. [3, 224, 224]
 *   conv           out, kernel, stride [1], pad [0], dilation [1],
 *                  groups [1] (= in channels and out: depthwise),
 *                  bias [true], relu [false] (fused ReLU)
 *   deconv         transposed conv: the same keys and output_padding [0]
 *                  (at most pad, less than stride or dilation); weights
 *                  in x out/groups x k, out = (in - 1) stride - 2 pad +
 *                  dilation (k - 1) + output_padding + 1
 *   maxpool, avgpool  kernel, stride [kernel], pad [0] (at most kernel/2);
 *                  avgpool: count_pad [true] (padding in the divisor)
 *   global_avgpool, global_maxpool   C x spatial -> C
 *   batchnorm      eps [1e-5], momentum [0.1]; on C or C x spatial
 *   layernorm      eps [1e-5]; normalises the last dim
 *   relu, gelu, sigmoid, tanh; leaky_relu: alpha [0.01]
 *   linear         out, bias [true]; on the last dim: ... x IN -> ... x OUT
 *   matmul         2 inputs ... x M x K and ... x K x N (transpose_b
 *                  [false]: the second is ... x N x K) -> ... x M x N
 *   attention      heads; T x E -> T x E: multi-head self-attention (in
 *                  projection 3E x E + 3E, out projection E x E + E, as
 *                  PyTorch's nn.MultiheadAttention), softmax(QK'/sqrt(d))V
 *   softmax        over the last dim
 *   concat         inputs, axis [0] (per-sample dim, 0 = channels)
 *   add            2 or more inputs of the same shape
 *   upsample       scale (integers >= 1), mode ["nearest"] or "bilinear"
 *                  (linear in every spatial dim, half-pixel centres)
 *   dropout        p [0.5], in [0, 1); only when training (scaled 1/(1-p))
 *   flatten        -> one dim;  reshape: shape (one entry may be -1)
 *   transpose      swaps the last two dims
 *
 * Bad input — malformed JSON, an unknown type or key, a missing or
 * misspelled input, shapes that do not fit (channels, a kernel larger than
 * its padded input, concat and add of unequal shapes), sizes beyond the
 * limits below — is an error naming the file, line and layer, found when
 * the model is read: before any memory for activations is taken and
 * before any computation.
 *
 * Per-layer figures (nn_layer_info), per sample: forward FLOPs counting a
 * multiply-add as 2 (conv: 2 out_positions out in/groups k^d, plus one
 * per output for the bias and one for a fused ReLU; linear: 2 rows in out
 * plus rows out for the bias; matmul 2 M N K per matrix; elementwise
 * layers, norms, pooling: about one per element read; attention its 4
 * projections, 2 batched products and softmax), the multiply-adds among
 * them, parameter bytes (trainable, float32) and activation bytes (the
 * output). real/nn/layers.h exports them with the graph's edges for the
 * parallelization models.
 *
 * Weights file (nn_model_save_weights), version 1, all integers little-
 * endian:
 *   "HSNNWTS\0" (8 bytes), u32 version (1), u32 count, then count tensors:
 *   u32 name length L (1-255), L bytes name ("layer.param": c1.weight,
 *   c1.bias, bn.gamma, bn.beta, bn.running_mean, bn.running_var, ...), u32
 *   ndim (1-5), ndim u64 dims, prod(dims) float32 values; then "HSNNEND\0".
 * Loading checks the magic, the version, that every tensor names a
 * parameter of the model with the same shape and that every parameter is
 * given.
 */
#ifndef HETSIM_REAL_NN_NN_H
#define HETSIM_REAL_NN_NN_H

#include <stddef.h>
#include <stdint.h>
#include "real/nn/backend.h"
#include "sim/io/io.h"

#define NN_MAX_DIMS 4    /* per sample */
#define NN_MAX_IN 16     /* inputs of one layer */
#define NN_NAME_MAX 64   /* layer names: at most 63 bytes */
/* Limits (larger is an input error, not an attempt): */
#define NN_MAX_LAYERS 100000
#define NN_MAX_DIM (1 << 20)             /* any size, channels, features */
#define NN_MAX_KERNEL 1024               /* kernel, stride, pad, dilation */
#define NN_MAX_SAMPLE_ELEMS (1LL << 28)  /* one layer's output per sample */
#define NN_MAX_PARAMS (1LL << 31)        /* floats in all parameters */

typedef enum nn_kind {
	NN_INPUT,
	NN_CONV,
	NN_DECONV,
	NN_MAXPOOL,
	NN_AVGPOOL,
	NN_GLOBAL_AVGPOOL,
	NN_GLOBAL_MAXPOOL,
	NN_BATCHNORM,
	NN_LAYERNORM,
	NN_RELU,
	NN_LEAKY_RELU,
	NN_GELU,
	NN_SIGMOID,
	NN_TANH,
	NN_LINEAR,
	NN_MATMUL,
	NN_ATTENTION,
	NN_SOFTMAX,
	NN_CONCAT,
	NN_ADD,
	NN_UPSAMPLE,
	NN_DROPOUT,
	NN_FLATTEN,
	NN_RESHAPE,
	NN_TRANSPOSE,
	NN_KIND_COUNT
} nn_kind;

/* The JSON name of a kind ("conv"), and back (-1 if unknown). */
const char *nn_kind_name(nn_kind k);
int nn_kind_from_name(const char *name);

/* A spatial size: n = 0 the default, 1 the same for every dim, else one
 * per spatial dim (v[0] the first: D of DHW, H of HW). */
typedef struct nn_ivec {
	int n;
	int64_t v[3];
} nn_ivec;

/* One layer to add. Zero means the default for every field (so a zeroed
 * spec plus kind and the required sizes is a valid layer). */
typedef struct nn_spec {
	nn_kind kind;
	const char *name;     /* NULL: "layer<index>" */
	int n_in;             /* 0: the previous layer */
	int in[NN_MAX_IN];    /* indices of earlier layers */
	int64_t out;          /* conv, deconv: channels; linear: features */
	nn_ivec kernel, stride, pad, dilation, out_pad, scale;
	int64_t groups;       /* 0: 1 */
	int no_bias;
	int relu;             /* conv, deconv: fused ReLU */
	int exclude_pad;      /* avgpool: padding not in the divisor */
	int bilinear;         /* upsample */
	int64_t heads;        /* attention */
	int trans_b;          /* matmul */
	int axis;             /* concat */
	double alpha;         /* leaky_relu; 0: 0.01 */
	double eps;           /* batchnorm, layernorm; 0: 1e-5 */
	double momentum;      /* batchnorm; 0: 0.1 */
	double p;             /* dropout; 0: 0.5 */
	int ndim;             /* input, reshape */
	int64_t shape[NN_MAX_DIMS];
} nn_spec;

typedef struct nn_model nn_model;

/* A parameter (or a buffer: trainable 0, e.g. batch norm's running
 * mean). grad is allocated by nn_model_prepare for training. version
 * changes whenever data changes (backends cache reordered weights by
 * (data, version)); the engine takes each new value from a process-wide
 * counter, so no two buffers' lives share one. Code that writes data
 * itself must change version too (++ does). */
typedef struct nn_param {
	char name[2 * NN_NAME_MAX]; /* "layer.weight" */
	int layer;
	int trainable;
	int ndim;
	int64_t shape[5];
	int64_t n;
	float *data, *grad;
	float *m1, *m2; /* optimizer state (momentum; Adam's moments) */
	uint64_t version;
} nn_param;

/* Per-layer figures, per sample (see the top), and the layer's place in
 * the graph. */
typedef struct nn_layer_info {
	const char *name;
	const char *type;
	nn_kind kind;
	int ndim;
	int64_t shape[NN_MAX_DIMS]; /* output, per sample */
	int n_in;
	int in[NN_MAX_IN];   /* the layers it reads (indices, all lower):
				the graph's edges, each carrying the
				producer's act_bytes per sample */
	double flops;        /* forward, a multiply-add = 2 */
	double macs;         /* the multiply-adds among them (conv, deconv,
				linear, matmul, attention; else 0) */
	int64_t params;      /* trainable parameters (floats) */
	int64_t param_bytes; /* 4 x params */
	int64_t act_bytes;   /* the output */
	/* After nn_model_prepare: the layer whose operation computes this
	 * one in an inference pass (a ReLU fused into its conv, a batch norm
	 * folded into its conv: the conv), else the layer itself. */
	int fused_into;
} nn_layer_info;

int nn_model_new(nn_model **out, const char *name, io_err *err);
void nn_model_free(nn_model *m);
const char *nn_model_name(const nn_model *m);

/* Add a layer after checking it against the layers before it (shapes,
 * limits); returns its index, or a negative IO_E* code with err saying
 * "layer NAME (TYPE): what". Its parameters are allocated (zero). */
int nn_model_add(nn_model *m, const nn_spec *s, io_err *err);
/* Index of the layer called name, -1 if none. */
int nn_model_find(const nn_model *m, const char *name);
/* The output layer (default: the last added); its index. */
int nn_model_set_output(nn_model *m, int layer, io_err *err);
int nn_model_output_index(const nn_model *m);

/* Read a model file (the format at the top). */
int nn_model_load(nn_model **out, const char *path, io_err *err);
/* The same from text in memory (label names it in messages). */
int nn_model_parse(nn_model **out, const char *label, const char *text,
		   size_t len, io_err *err);

int nn_model_layers(const nn_model *m);
void nn_model_info(const nn_model *m, int layer, nn_layer_info *out);
/* Sums over the layers, per sample. */
void nn_model_totals(const nn_model *m, double *flops, int64_t *params,
		     int64_t *act_bytes);

/* Random weights from seed: conv, deconv, linear and attention weights
 * and biases uniform in +-1/sqrt(fan_in) (PyTorch's default), norms'
 * scale 1 and shift 0, running mean 0 and variance 1. Layer i draws from
 * its own stream (sim/base/rng.h), so adding a layer changes no other's
 * weights. The seed also drives dropout. */
int nn_model_init(nn_model *m, uint64_t seed, io_err *err);

/* Parameters, in layer order. */
int nn_model_n_params(const nn_model *m);
nn_param *nn_model_param(nn_model *m, int i);
/* The parameter called name ("c1.weight"), NULL if none. */
nn_param *nn_model_param_by_name(nn_model *m, const char *name);

enum {
	NN_TRAIN = 1,      /* keep what backward needs; gradients */
	NN_INPUT_GRAD = 2, /* also gradients of the inputs (tests) */
};
/* Make the model ready to run batches of n on be: activations (and, with
 * NN_TRAIN, gradients and optimizer state) allocated. The model keeps be
 * (not owned). Conv/deconv layers read only by a ReLU are fused with it
 * (oneDNN post-op); outputs are unchanged. Without NN_TRAIN (inference),
 * a batch norm that alone reads a conv is folded into the conv's weights
 * and bias (and a ReLU that alone reads the norm fused too): inference
 * outputs then equal the unfolded ones up to float rounding (about 1e-6
 * relative); a training-mode forward pass still normalises with the
 * batch's statistics. Also without NN_TRAIN, an add read only by a ReLU
 * applies it in the same pass, and a convolution read only by
 * convolutions hands its output over in the backend's layout
 * (NN_CONV_Y_NATIVE in real/nn/backend.h) in inference passes. */
int nn_model_prepare(nn_model *m, nn_backend *be, int64_t batch, int flags,
		     io_err *err);
int64_t nn_model_batch(const nn_model *m);

/* Input layers in order of addition: buffer of input k (batch x
 * per-sample elements), NULL if none. */
int nn_model_n_inputs(const nn_model *m);
float *nn_model_input(nn_model *m, int k);
int64_t nn_model_input_elems(const nn_model *m, int k); /* per sample */
/* Its gradient after nn_model_backward (NN_INPUT_GRAD), else NULL. */
const float *nn_model_input_grad(const nn_model *m, int k);

/* Forward pass; training: batch norm uses (and updates the running
 * averages from) the batch's statistics, dropout drops. */
int nn_model_forward(nn_model *m, int training, io_err *err);
/* The same, and the wall time (CLOCK_MONOTONIC) of each layer's step in
 * layer_s[i] (nn_model_layers entries): from the end of the step before
 * to the end of its own, so the times add up to the pass. A layer that
 * another computes (nn_layer_info's fused_into) takes about 0. */
int nn_model_forward_timed(nn_model *m, int training, double *layer_s,
			   io_err *err);
/* The output (batch x per-sample elements); its per-sample shape. */
const float *nn_model_output(const nn_model *m, int *ndim, int64_t *shape);
int64_t nn_model_output_elems(const nn_model *m); /* per sample */
/* The gradient of the loss with respect to the output, to be filled
 * before nn_model_backward (or by nn_model_xent). NULL unless NN_TRAIN. */
float *nn_model_output_grad(nn_model *m);

/* Softmax cross-entropy of the output (batch x K logits, K its elements)
 * against labels[batch] in [0, K): mean loss in *loss, the number of
 * samples whose largest logit is the label in *correct (may be NULL);
 * sets the output gradient (softmax - one-hot) / batch when training. */
int nn_model_xent(nn_model *m, const int32_t *labels, double *loss,
		  int64_t *correct, io_err *err);

/* Backward pass from the output gradient: every trainable parameter's
 * grad is overwritten with d loss / d parameter. */
int nn_model_backward(nn_model *m, io_err *err);

typedef enum nn_optim_kind { NN_SGD, NN_ADAM } nn_optim_kind;
typedef struct nn_optim {
	nn_optim_kind kind;
	double lr;
	double momentum;     /* SGD: v = momentum v + g; w -= lr v */
	double weight_decay; /* added to g as weight_decay w */
	double beta1, beta2, eps; /* Adam (Kingma & Ba 2015); 0: 0.9,
				     0.999, 1e-8 */
	int64_t t;           /* steps taken (Adam's bias correction) */
} nn_optim;
/* One step of o on every trainable parameter from its grad. */
int nn_model_step(nn_model *m, nn_optim *o, io_err *err);

/* Partial execution: one process runs a subset of the layers (a part of
 * a model split over processes, real/parallel/), for inference.
 *
 *   nn_model_prepare_part(m, be, batch, part, &err);  // part[i]: layer i
 *   for each layer i outside the part that a layer in it reads:
 *       copy batch x act elems into nn_model_act(m, i)
 *   nn_model_forward_part(m, &err);
 *   for each layer j in the part read outside it (or the output):
 *       read batch x act elems from nn_model_act(m, j)
 *
 * The model is prepared as nn_model_prepare(.., 0) (inference) with two
 * differences: no fusion crosses the part's border (a ReLU outside the
 * part is not fused into a conv in it, nor a batch norm folded, and the
 * other way round), and every tensor that crosses it stays in the plain
 * layout (batch first, C-order), so what one part hands another is the
 * layer's output as the whole model computes it. Buffers are allocated
 * only for the layers in the part and those they read. Running the parts
 * of a split in order of their edges gives the whole model's output: the
 * same bits on the "ref" backend; on "dnnl" the same up to float rounding
 * where a fusion was broken (tests/test_parallel_real.c checks 1e-5
 * relative). part is copied (nn_model_layers entries); a part with no
 * layer is an error. An input layer in the part takes its data from
 * nn_model_act (as nn_model_input). nn_model_prepare drops the part. */
int nn_model_prepare_part(nn_model *m, nn_backend *be, int64_t batch,
			  const unsigned char *part, io_err *err);
/* Forward pass (inference) of the part's layers, in index order. */
int nn_model_forward_part(nn_model *m, io_err *err);
/* Layer i's output buffer (batch x its per-sample elements), NULL when
 * not allocated (outside the part and not read by it) or out of range. */
float *nn_model_act(nn_model *m, int layer);
int64_t nn_model_act_elems(const nn_model *m, int layer); /* per sample */

/* Weights (every parameter and buffer) in the versioned file format at
 * the top; the write is atomic (sim/base/out.h). */
int nn_model_save_weights(const nn_model *m, const char *path, io_err *err);
int nn_model_load_weights(nn_model *m, const char *path, io_err *err);

#endif
