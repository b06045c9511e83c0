/*
 * real/nn/graph.h — inside a model (real/nn/nn.h), shared by the files
 * that build it (model.c), run it (run.c) and store its weights
 * (weights.c). Nothing outside real/nn/ includes it.
 */
#ifndef HETSIM_REAL_NN_GRAPH_H
#define HETSIM_REAL_NN_GRAPH_H

#include "real/nn/nn.h"

typedef struct nn_layer {
	nn_spec s;               /* as added; s.name points to name */
	char name[NN_NAME_MAX];
	int ndim;                /* output, per sample */
	int64_t shape[NN_MAX_DIMS];
	int64_t elems;
	double flops;
	double macs;             /* multiply-adds (in flops, twice) */
	int64_t n_trainable;
	int param0, n_params;    /* its parameters in the model's list */
	/* derived once the batch is known (nn_model_prepare) */
	nn_conv_p conv;
	nn_pool_p pool;
	nn_bn_p bn;
	nn_up_p up;
	int64_t rows, cols;      /* last-dim layers: rows per batch, cols */
	/* buffers, batch-sized */
	float *out, *grad;
	float *save_mean, *save_var;
	float *tmp;              /* attention intermediates */
	nn_ws ws;
	int alias;               /* a ReLU fused into its input: shares out
				    and grad with it */
	int fused_relu;          /* conv/deconv (and add, for inference):
				    ReLU applied by the op */
	int native_out;          /* conv/deconv, inference: read only by
				    convolutions, so its output may stay in
				    the backend's layout (NN_CONV_Y_NATIVE) */
	/* inference (prepared without NN_TRAIN): a conv read only by a batch
	 * norm runs with the norm folded into its weights and bias (in tmp,
	 * refolded when a source's version changes); the norm, and a ReLU
	 * that alone reads it, alias the conv's output */
	int fold_bn;             /* conv: the folded batch norm's index, 0 */
	int fold_relu;           /* conv: the ReLU after the norm is fused */
	uint64_t fold_src_ver;   /* conv: sum of the sources' versions */
	uint64_t fold_ver;       /* conv: version of the folded weights */
	int consumers;
	int need_grad;           /* d loss / d output is wanted */
	int grad_set;            /* during backward: grad holds a value */
	uint64_t drop_calls;     /* dropout: forward passes so far */
	uint64_t drop_call;      /* the one backward undoes */
} nn_layer;

struct nn_model {
	char name[NN_NAME_MAX];
	nn_layer *l;
	int n, cap;
	nn_param *p;
	int np, pcap;
	int output;              /* -1: the last layer */
	int64_t total_params;
	/* set by nn_model_prepare */
	nn_backend *be;
	int64_t batch;
	int flags;
	int prepared;
	int last_training;       /* the last forward pass's mode */
	int forward_done;
	uint64_t seed;
	/* partial execution (nn_model_prepare_part): part[i] != 0 for the
	 * layers this model computes; NULL: all of them */
	unsigned char *part;
	float *scratch;          /* gradient of a tensor read twice */
	int64_t scratch_n;
};

/* A version number for data that changed (nn_param's version, a folded
 * conv's weights), never handed out before in this process: a backend
 * keeps its copies of weights by (address, version), and weights freed
 * with one model and reallocated at the same address for another must
 * not look unchanged. */
uint64_t nn_version_next(void);

/* The output layer's index. */
int nn_output_index(const nn_model *m);
/* Free the batch-sized buffers and gradients (nn_model_prepare's). */
void nn_buffers_free(nn_model *m);
/* Allocate (zeroed) the data of every parameter that has none yet. */
int nn_params_alloc(nn_model *m, io_err *err);

#endif
