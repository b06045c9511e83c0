/*
 * real/nn/backend.h — the operations of the NN engine and the two backends
 * that implement them: "ref" (real/nn/ref.c, plain C loops accumulating in
 * double: the oracle of the tests) and "dnnl" (real/nn/dnnl.c, oneDNN 2.6
 * through its C API; every oneDNN call of hetsim is in that file).
 *
 * Tensors are dense float32, row-major: activations N x C x [D x] [H x] W
 * (NCW, NCHW, NCDHW), convolution weights OC x IC/G x k... (a transposed
 * convolution's IC x OC/G x k..., as PyTorch stores them), linear weights
 * OUT x IN. Every operation writes (never adds to) its outputs unless its
 * description says otherwise; the model (real/nn/model.c) adds the
 * gradients of a tensor read by several layers.
 *
 * What runs where (oneDNN 2.6 primitives; "ref" = the reference loops of
 * ref.c, used by the dnnl backend too):
 *
 *   operation                 forward               backward
 *   conv 1D/2D/3D (grouped,   convolution direct,   convolution bwd data /
 *    depthwise, dilated)      bias + ReLU post-op   bwd weights (+ bias)
 *   transposed conv           deconvolution         deconvolution bwd
 *   max / avg pooling         pooling (workspace)   pooling bwd
 *   batch norm (train/infer)  batch_normalization   batch_normalization bwd
 *   layer norm                layer_normalization   layer_normalization bwd
 *   ReLU, LeakyReLU, GELU     eltwise (relu, relu   eltwise bwd
 *    (erf), sigmoid, tanh      alpha, gelu_erf, ...)
 *   linear, batched matmul    matmul (bias; sum     matmul
 *                             post-op to add)
 *   softmax (last axis)       softmax               softmax bwd
 *   upsample nearest/linear   resampling            resampling bwd
 *   cross-entropy, dropout,   ref (engine loops in real/nn/run.c: cheap,
 *    add, concat, reshapes,    memory-bound; oneDNN 2.6 has no dropout
 *    attention head split      and no cross-entropy)
 *
 * The dnnl backend caches every primitive (with its memory objects and
 * reorders) by the operation's shapes and parameters, so a layer called
 * again with the same batch creates nothing (a convolution's entry is per
 * weights buffer, so per layer). Convolutions let oneDNN pick blocked
 * layouts (format_tag any: nChw16c or nhwc on AVX-512) and reorder to and
 * from the engine's plain layout inside the call, except between two
 * convolutions of an inference pass (NN_CONV_Y_NATIVE below); a
 * convolution's weights are reordered once per weights version
 * (conv_fwd's wver), not per call.
 *
 * Threads: Debian's libdnnl 2.6 is built on OpenMP (libgomp: `ldd
 * /usr/lib/x86_64-linux-gnu/libdnnl.so.2`); nn_backend_new(.., threads)
 * sets the OpenMP thread count of the calling thread with
 * omp_set_num_threads (before each call, in case another backend changed
 * it); 0 keeps OpenMP's default (OMP_NUM_THREADS, else one per core). The
 * ref backend is single-threaded.
 */
#ifndef HETSIM_REAL_NN_BACKEND_H
#define HETSIM_REAL_NN_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "sim/io/io.h"

typedef struct nn_backend nn_backend;

/* A convolution (or, transposed != 0, a transposed convolution) of a batch
 * of n: spatial dims nd (1, 2 or 3) in the last nd entries of in/out/k/...
 * (index 3 - nd onwards); unused leading entries are 1 (k, stride, dil, in,
 * out) and 0 (pad). A transposed convolution's out is
 * (in - 1) stride - 2 pad + dil (k - 1) + out_pad + 1 (out_pad only enters
 * through out). dil 1 is a dense kernel. */
typedef struct nn_conv_p {
	int nd;
	int transposed;
	int64_t n, ic, oc, groups;
	int64_t in[3], out[3], k[3], stride[3], pad[3], dil[3];
} nn_conv_p;

typedef enum nn_pool_kind {
	NN_POOL_MAX,
	NN_POOL_AVG,      /* padding counted in the divisor (PyTorch default) */
	NN_POOL_AVG_EXCL, /* padding not counted */
} nn_pool_kind;

/* Pooling of n x c channels; spatial entries as in nn_conv_p. */
typedef struct nn_pool_p {
	int nd;
	nn_pool_kind kind;
	int64_t n, c;
	int64_t in[3], out[3], k[3], stride[3], pad[3];
} nn_pool_p;

/* Batch norm over n x c x sp (sp = product of the spatial dims). */
typedef struct nn_bn_p {
	int nd; /* spatial dims, 0-3 (0: N x C) */
	int64_t n, c, sp[3];
	float eps;
} nn_bn_p;

typedef enum nn_act_kind {
	NN_ACT_RELU,
	NN_ACT_LEAKY_RELU, /* x < 0: alpha x */
	NN_ACT_GELU,       /* x Phi(x), the erf form (PyTorch's default) */
	NN_ACT_SIGMOID,
	NN_ACT_TANH,
} nn_act_kind;

/* Batched matrix product: for b < batch, C_b = op(A_b) op(B_b) (+ bias,
 * a row of n, added to every row) (+ C_b when accumulate), op(A) m x k (A
 * stored k x m when trans_a), op(B) k x n (stored n x k when trans_b);
 * matrices contiguous, consecutive in a batch, B shared by the whole batch
 * when b_shared. */
typedef struct nn_gemm_p {
	int64_t batch, m, n, k;
	int trans_a, trans_b, b_shared, accumulate;
} nn_gemm_p;

/* Upsampling of n x c channels by integer factors: NN_UP_NEAREST copies,
 * NN_UP_LINEAR interpolates (bilinear in 2D, trilinear in 3D) with
 * half-pixel centres (PyTorch's align_corners=False). */
typedef enum nn_up_kind { NN_UP_NEAREST, NN_UP_LINEAR } nn_up_kind;
typedef struct nn_up_p {
	int nd;
	nn_up_kind kind;
	int64_t n, c, in[3], out[3];
} nn_up_p;

/* Flags of conv_fwd. NN_CONV_Y_NATIVE: y will be read by nothing but
 * conv_fwd calls of this backend given NN_CONV_X_NATIVE and y as their x,
 * before this call runs again; the backend may then keep y in its own
 * layout (the dnnl backend: the blocked layout its primitive chose) and
 * leave the buffer y unwritten. NN_CONV_X_NATIVE: x was the y of such a
 * call (or is plain: a backend that kept nothing reads the buffer). The
 * model sets them in inference passes for a convolution read only by
 * convolutions (real/nn/run.c), so consecutive convolutions skip the
 * reorders to and from the plain layout. */
enum {
	NN_CONV_RELU = 1,
	NN_CONV_Y_NATIVE = 2,
	NN_CONV_X_NATIVE = 4,
};

/* A workspace an operation may keep between its forward and backward
 * passes (the dnnl backend's max-pooling indices); owned by the caller,
 * freed with free(). */
typedef struct nn_ws {
	void *p;
	size_t size;
} nn_ws;

/* The operations. Each returns 0, or a negative IO_E* code with err
 * filled. */
typedef struct nn_backend_ops {
	/* y = conv(x, w) + b (b may be NULL), then ReLU with NN_CONV_RELU in
	 * flags. wver: the weights' version (0 = unknown): a backend may keep
	 * a copy of w in its own layout while (w, wver) is unchanged. The
	 * layout flags (NN_CONV_Y_NATIVE, NN_CONV_X_NATIVE) are below. */
	int (*conv_fwd)(nn_backend *be, const nn_conv_p *p, const float *x,
			const float *w, uint64_t wver, const float *b,
			float *y, int flags, io_err *err);
	int (*conv_bwd_data)(nn_backend *be, const nn_conv_p *p,
			     const float *dy, const float *w, uint64_t wver,
			     float *dx, io_err *err);
	/* dw, and db (sum of dy per output channel) when db != NULL */
	int (*conv_bwd_weights)(nn_backend *be, const nn_conv_p *p,
				const float *x, const float *dy, float *dw,
				float *db, io_err *err);
	/* training != 0: the backward pass will follow (ws filled) */
	int (*pool_fwd)(nn_backend *be, const nn_pool_p *p, const float *x,
			float *y, nn_ws *ws, int training, io_err *err);
	int (*pool_bwd)(nn_backend *be, const nn_pool_p *p, const float *x,
			const float *dy, float *dx, nn_ws *ws, io_err *err);
	/* training: normalise with the batch's mean and (biased) variance
	 * and write them to mean, var; else with the given mean, var. */
	int (*bn_fwd)(nn_backend *be, const nn_bn_p *p, const float *x,
		      const float *gamma, const float *beta, float *mean,
		      float *var, float *y, int training, io_err *err);
	/* global_stats: mean, var were constants of the forward pass
	 * (inference-mode backward) */
	int (*bn_bwd)(nn_backend *be, const nn_bn_p *p, const float *x,
		      const float *dy, const float *gamma, const float *mean,
		      const float *var, float *dx, float *dgamma,
		      float *dbeta, int global_stats, io_err *err);
	/* Layer norm of rows of cols; mean, var: [rows], written. */
	int (*ln_fwd)(nn_backend *be, int64_t rows, int64_t cols, float eps,
		      const float *x, const float *gamma, const float *beta,
		      float *mean, float *var, float *y, io_err *err);
	int (*ln_bwd)(nn_backend *be, int64_t rows, int64_t cols, float eps,
		      const float *x, const float *dy, const float *gamma,
		      const float *mean, const float *var, float *dx,
		      float *dgamma, float *dbeta, io_err *err);
	int (*act_fwd)(nn_backend *be, nn_act_kind kind, float alpha,
		       int64_t n, const float *x, float *y, io_err *err);
	/* from the forward input x */
	int (*act_bwd)(nn_backend *be, nn_act_kind kind, float alpha,
		       int64_t n, const float *x, const float *dy, float *dx,
		       io_err *err);
	int (*gemm)(nn_backend *be, const nn_gemm_p *p, const float *a,
		    const float *b, const float *bias, float *c, io_err *err);
	/* Softmax of rows of cols; backward from the forward output y. */
	int (*softmax_fwd)(nn_backend *be, int64_t rows, int64_t cols,
			   const float *x, float *y, io_err *err);
	int (*softmax_bwd)(nn_backend *be, int64_t rows, int64_t cols,
			   const float *y, const float *dy, float *dx,
			   io_err *err);
	int (*up_fwd)(nn_backend *be, const nn_up_p *p, const float *x,
		      float *y, io_err *err);
	int (*up_bwd)(nn_backend *be, const nn_up_p *p, const float *dy,
		      float *dx, io_err *err);
	void (*free)(nn_backend *be);
} nn_backend_ops;

struct nn_backend {
	const nn_backend_ops *ops;
	const char *name; /* "ref" or "dnnl" */
	int threads;      /* 0: the runtime's default */
	void *impl;
};

/* A backend by name ("ref" or "dnnl"), threads as above (>= 0). An unknown
 * name is IO_EINPUT naming the known ones. */
int nn_backend_new(nn_backend **out, const char *name, int threads,
		   io_err *err);
void nn_backend_free(nn_backend *be);

/* The two constructors behind nn_backend_new. */
int nn_ref_new(nn_backend **out, io_err *err);
int nn_dnnl_new(nn_backend **out, int threads, io_err *err);

/* The reference operations, for a backend that lacks one. */
extern const nn_backend_ops nn_ref_ops;

/* Helpers shared by the backends and the model. */
/* Product of the 3 spatial entries. */
static inline int64_t nn_sp3(const int64_t v[3])
{
	return v[0] * v[1] * v[2];
}
/* Out of memory: fill err, return IO_ENOMEM. */
int nn_nomem(io_err *err, const char *what);

#endif
