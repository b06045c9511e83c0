/* real/nn/run.c — running a model (real/nn/nn.h): buffers, the forward
 * and backward passes layer by layer on the backend, cross-entropy and
 * the optimizers. The cheap memory-bound layers (add, concat, dropout,
 * reshapes, attention's head split) are loops here, the same for both
 * backends. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "real/nn/graph.h"
#include "sim/base/rng.h"
#include "sim/base/clock.h"

static int64_t layer_n(const nn_model *m, const nn_layer *l)
{
	return m->batch * l->elems;
}

/* --------------------------------------------------------- attention */

/* Sizes of an attention layer: R rows (batch x T), E, heads H, d = E/H. */
typedef struct att_dims {
	int64_t N, T, E, H, d, R, NH;
} att_dims;

static att_dims att_of(const nn_model *m, const nn_layer *l)
{
	att_dims a;
	a.N = m->batch;
	a.T = l->shape[0];
	a.E = l->shape[1];
	a.H = l->s.heads;
	a.d = a.E / a.H;
	a.R = a.N * a.T;
	a.NH = a.N * a.H;
	return a;
}

/* Offsets into an attention layer's tmp (floats): forward then backward
 * buffers. */
typedef struct att_buf {
	float *qkv, *qh, *kh, *vh, *probs, *ctxh, *ctxm;
	float *dctxm, *dctxh, *dprobs, *dscores, *dqh, *dkh, *dvh, *dqkv;
} att_buf;

static int64_t att_layout(const att_dims *a, float *base, att_buf *b,
			  int training)
{
	int64_t re = a->R * a->E, tt = a->NH * a->T * a->T, off = 0;
#define TAKE(field, n)                                                         \
	do {                                                                   \
		if (b)                                                         \
			b->field = base + off;                                 \
		off += (n);                                                    \
	} while (0)
	TAKE(qkv, 3 * re);
	TAKE(qh, re);
	TAKE(kh, re);
	TAKE(vh, re);
	TAKE(probs, tt);
	TAKE(ctxh, re);
	TAKE(ctxm, re);
	if (training) {
		TAKE(dctxm, re);
		TAKE(dctxh, re);
		TAKE(dprobs, tt);
		TAKE(dscores, tt);
		TAKE(dqh, re);
		TAKE(dkh, re);
		TAKE(dvh, re);
		TAKE(dqkv, 3 * re);
	}
#undef TAKE
	return off;
}

/* rows [N*T, stride] at column offset col (E wide) <-> heads [N, H, T, d],
 * times scale; to_heads chooses the direction. */
static void heads_copy(const att_dims *a, float *rows, int64_t stride,
		       int64_t col, float *heads, float scale, int to_heads)
{
	for (int64_t n = 0; n < a->N; n++)
		for (int64_t t = 0; t < a->T; t++) {
			float *r = rows + (n * a->T + t) * stride + col;
			for (int64_t h = 0; h < a->H; h++) {
				float *hd = heads + ((n * a->H + h) * a->T + t) *
							    a->d;
				float *rr = r + h * a->d;
				for (int64_t j = 0; j < a->d; j++) {
					if (to_heads)
						hd[j] = rr[j] * scale;
					else
						rr[j] = hd[j] * scale;
				}
			}
		}
}

/* ----------------------------------------------------------- preparing */

void nn_buffers_free(nn_model *m)
{
	for (int i = 0; i < m->n; i++) {
		nn_layer *l = &m->l[i];
		if (!l->alias) {
			free(l->out);
			free(l->grad);
		}
		free(l->save_mean);
		free(l->save_var);
		free(l->tmp);
		free(l->ws.p);
		l->out = l->grad = l->save_mean = l->save_var = l->tmp = NULL;
		l->ws.p = NULL;
		l->ws.size = 0;
		l->alias = l->fused_relu = l->fold_bn = l->fold_relu = 0;
		l->native_out = 0;
		l->fold_src_ver = UINT64_MAX; /* refold (fold_ver keeps going:
						 the backend keys on it) */
	}
	for (int i = 0; i < m->np; i++) {
		free(m->p[i].grad);
		m->p[i].grad = NULL;
	}
	free(m->scratch);
	m->scratch = NULL;
	free(m->part);
	m->part = NULL;
	m->prepared = 0;
}

/* Whether layers i and j may share an operation (a fused ReLU, a folded
 * batch norm): always in a whole model; in a part (nn_model_prepare_part)
 * only when both are in it, so no fusion crosses its border and layers
 * outside it alias nothing. */
static int fusable(const nn_model *m, int i, int j)
{
	return !m->part || (m->part[i] && m->part[j]);
}

/* Whether this process needs layer i's buffer: always in a whole model;
 * in a part when i is in it or a layer in it reads i. */
static int needed(const nn_model *m, int i)
{
	if (!m->part || m->part[i])
		return 1;
	for (int j = i + 1; j < m->n; j++)
		for (int k = 0; m->part[j] && k < m->l[j].s.n_in; k++)
			if (m->l[j].s.in[k] == i)
				return 1;
	return 0;
}

static float *falloc(int64_t n, int zero)
{
	size_t b = (size_t)(n > 0 ? n : 1) * sizeof(float);
	return zero ? calloc(1, b) : malloc(b);
}

/* The rows and columns of a last-dim layer (linear, layer norm, softmax)
 * over its input in. */
static void last_dim(const nn_model *m, nn_layer *l, const nn_layer *in)
{
	l->cols = in->shape[in->ndim - 1];
	l->rows = m->batch * (in->elems / l->cols);
}

static int prepare_layer(nn_model *m, nn_layer *l, io_err *err)
{
	const nn_layer *in = l->s.n_in ? &m->l[l->s.in[0]] : NULL;
	int train = m->flags & NN_TRAIN;
	int64_t n = layer_n(m, l);
	l->conv.n = l->pool.n = l->up.n = m->batch;
	if (l->s.kind == NN_BATCHNORM) {
		l->bn.nd = in->ndim - 1;
		l->bn.n = m->batch;
		l->bn.c = in->shape[0];
		for (int i = 0; i < 3; i++)
			l->bn.sp[i] = i < 3 - l->bn.nd
					      ? 1
					      : in->shape[1 + i - (3 - l->bn.nd)];
		l->bn.eps = (float)(l->s.eps > 0 ? l->s.eps : 1e-5);
	}
	if (in)
		last_dim(m, l, in);
	if (l->alias) {
		l->out = in->out;
		l->grad = in->grad;
	} else {
		if (!(l->out = falloc(n, 0)))
			goto nomem;
		if (train && (l->need_grad || l == &m->l[nn_output_index(m)]) &&
		    !(l->grad = falloc(n, 1)))
			goto nomem;
	}
	int64_t stats = l->s.kind == NN_BATCHNORM   ? l->bn.c
			: l->s.kind == NN_LAYERNORM ? l->rows
						    : 0;
	if (stats && (!(l->save_mean = falloc(stats, 1)) ||
		      !(l->save_var = falloc(stats, 1))))
		goto nomem;
	if (l->fold_bn &&
	    !(l->tmp = falloc(m->p[l->param0].n + l->s.out, 0)))
		goto nomem;
	if (l->s.kind == NN_ATTENTION) {
		att_dims a = att_of(m, l);
		if (!(l->tmp = falloc(att_layout(&a, NULL, NULL, train), 0)))
			goto nomem;
	}
	return 0;
nomem:
	return io_errf(err, IO_ENOMEM, NULL, 0,
		       "out of memory for the activations of layer %s at "
		       "batch %lld",
		       l->name, (long long)m->batch);
}

/* The one layer that reads layer i (consumers == 1), -1 if it is the
 * output. */
static int sole_reader(const nn_model *m, int i)
{
	if (i == nn_output_index(m) || m->l[i].consumers != 1)
		return -1;
	for (int j = i + 1; j < m->n; j++)
		for (int k = 0; k < m->l[j].s.n_in; k++)
			if (m->l[j].s.in[k] == i)
				return j;
	return -1;
}

/* For inference: fold each batch norm that alone reads a convolution into
 * it (conv -> norm -> ReLU, ResNet's pattern, becomes one oneDNN
 * convolution with bias and ReLU post-op, and two passes over the
 * activations fewer). The norm, and a ReLU that alone reads it, alias the
 * conv's output; a forward pass in training mode runs them in place. */
static void fold_batchnorms(nn_model *m)
{
	for (int i = 0; i < m->n; i++) {
		nn_layer *c = &m->l[i];
		int b = c->s.kind == NN_CONV && !c->fused_relu
				? sole_reader(m, i)
				: -1;
		if (b < 0 || m->l[b].s.kind != NN_BATCHNORM || !fusable(m, i, b))
			continue;
		c->fold_bn = b;
		m->l[b].alias = 1;
		int r = sole_reader(m, b);
		if (r >= 0 && m->l[r].s.kind == NN_RELU && fusable(m, b, r)) {
			c->fold_relu = 1;
			m->l[r].alias = 1;
		}
	}
}

/* The layer whose operation computes layer i: i, or for an alias (a
 * fused ReLU, a folded batch norm) its convolution. */
static int computed_by(const nn_model *m, int i)
{
	while (m->l[i].alias)
		i = m->l[i].s.in[0];
	return i;
}

/* For inference: a convolution whose output (and its aliases') only
 * convolutions read, and that is not the model's output, may leave it in
 * the backend's layout for them (NN_CONV_Y_NATIVE: ResNet's 1x1 -> 3x3 ->
 * 1x1 chains skip two reorders per step). */
static void mark_native(nn_model *m)
{
	for (int i = 0; i < m->n; i++) {
		nn_layer *l = &m->l[i];
		l->native_out = (l->s.kind == NN_CONV || l->s.kind == NN_DECONV) &&
				!l->alias;
	}
	m->l[computed_by(m, nn_output_index(m))].native_out = 0;
	for (int j = 0; j < m->n; j++) {
		const nn_layer *r = &m->l[j];
		if (r->alias || r->s.kind == NN_CONV || r->s.kind == NN_DECONV)
			continue; /* computed by its conv, or a conv itself */
		for (int k = 0; k < r->s.n_in; k++)
			m->l[computed_by(m, r->s.in[k])].native_out = 0;
	}
	/* a tensor that crosses a part's border is handed over plain */
	for (int j = 0; m->part && j < m->n; j++)
		for (int k = 0; k < m->l[j].s.n_in; k++) {
			int i = m->l[j].s.in[k];
			if (m->part[i] != m->part[j])
				m->l[computed_by(m, i)].native_out = 0;
		}
}

/* nn_model_prepare for the layers in part (copied; NULL: all). */
static int prepare(nn_model *m, nn_backend *be, int64_t batch, int flags,
		   const unsigned char *part, io_err *err)
{
	if (batch < 1 || batch > NN_MAX_DIM)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: batch %lld: expected 1 to %d",
			       m->name, (long long)batch, NN_MAX_DIM);
	if (m->n == 0)
		return io_errf(err, IO_EINPUT, NULL, 0, "model %s has no layer",
			       m->name);
	for (int i = 0; i < m->np; i++)
		if (!m->p[i].data)
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "model %s: no weights yet (nn_model_init "
				       "or nn_model_load_weights first)",
				       m->name);
	int64_t biggest = 0;
	for (int i = 0; i < m->n; i++) {
		int64_t e = m->l[i].elems, r;
		if (m->l[i].s.kind == NN_ATTENTION) /* its H x T x T scores */
			e = m->l[i].s.heads * m->l[i].shape[0] *
			    m->l[i].shape[0];
		if (__builtin_mul_overflow(e, batch, &r) || r > (1LL << 40))
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "model %s: layer %s at batch %lld is "
				       "too large",
				       m->name, m->l[i].name, (long long)batch);
		biggest = r > biggest ? r : biggest;
	}
	nn_buffers_free(m);
	if (part) {
		if (!(m->part = malloc((size_t)m->n)))
			return nn_nomem(err, "part");
		for (int i = 0; i < m->n; i++)
			m->part[i] = part[i] != 0;
	}
	m->be = be;
	m->batch = batch;
	m->flags = flags;
	m->forward_done = 0;
	int out = nn_output_index(m);
	/* fuse a conv with the ReLU that alone reads it; for inference also
	 * an add (ResNet's add + ReLU: one pass over the tensor, not three) */
	for (int i = 0; i < m->n; i++) {
		nn_layer *l = &m->l[i];
		l->fused_relu = (l->s.kind == NN_CONV || l->s.kind == NN_DECONV) &&
				l->s.relu;
		if (l->s.kind != NN_RELU)
			continue;
		nn_layer *c = &m->l[l->s.in[0]];
		if ((c->s.kind == NN_CONV || c->s.kind == NN_DECONV ||
		     (c->s.kind == NN_ADD && !(flags & NN_TRAIN))) &&
		    c->consumers == 1 && l->s.in[0] != out &&
		    fusable(m, i, l->s.in[0])) {
			c->fused_relu = 1;
			l->alias = 1;
		}
	}
	if (!(flags & NN_TRAIN)) {
		fold_batchnorms(m);
		mark_native(m);
	}
	/* which outputs need a gradient */
	for (int i = 0; i < m->n; i++) {
		nn_layer *l = &m->l[i];
		l->need_grad = (flags & NN_TRAIN) &&
			       (l->n_trainable > 0 ||
				(l->s.kind == NN_INPUT && (flags & NN_INPUT_GRAD)));
		for (int j = 0; j < l->s.n_in; j++)
			l->need_grad |= m->l[l->s.in[j]].need_grad;
	}
	int rc = 0;
	for (int i = 0; i < m->n && rc == 0; i++)
		if (needed(m, i))
			rc = prepare_layer(m, &m->l[i], err);
	if (rc == 0 && (flags & NN_TRAIN)) {
		for (int i = 0; i < m->np && rc == 0; i++)
			if (m->p[i].trainable &&
			    !(m->p[i].grad = falloc(m->p[i].n, 1)))
				rc = nn_nomem(err, "gradients");
		if (rc == 0 && !(m->scratch = falloc(biggest, 1)))
			rc = nn_nomem(err, "gradient scratch");
		m->scratch_n = biggest;
	}
	if (rc) {
		nn_buffers_free(m);
		return rc;
	}
	m->prepared = 1;
	return 0;
}

int nn_model_prepare(nn_model *m, nn_backend *be, int64_t batch, int flags,
		     io_err *err)
{
	return prepare(m, be, batch, flags, NULL, err);
}

int nn_model_prepare_part(nn_model *m, nn_backend *be, int64_t batch,
			  const unsigned char *part, io_err *err)
{
	int any = 0;
	for (int i = 0; i < m->n; i++)
		any |= part[i] != 0;
	if (!any)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: the part has no layer", m->name);
	return prepare(m, be, batch, 0, part, err);
}

float *nn_model_act(nn_model *m, int layer)
{
	return layer >= 0 && layer < m->n && m->prepared ? m->l[layer].out
							  : NULL;
}

int64_t nn_model_act_elems(const nn_model *m, int layer)
{
	return layer >= 0 && layer < m->n ? m->l[layer].elems : 0;
}

int64_t nn_model_batch(const nn_model *m)
{
	return m->batch;
}

/* Input layer k (in order of addition), NULL if none. */
static const nn_layer *input_layer(const nn_model *m, int k)
{
	for (int i = 0; i < m->n; i++)
		if (m->l[i].s.kind == NN_INPUT && k-- == 0)
			return &m->l[i];
	return NULL;
}

int nn_model_n_inputs(const nn_model *m)
{
	int n = 0;
	for (int i = 0; i < m->n; i++)
		n += m->l[i].s.kind == NN_INPUT;
	return n;
}

float *nn_model_input(nn_model *m, int k)
{
	const nn_layer *l = input_layer(m, k);
	return l ? l->out : NULL;
}

int64_t nn_model_input_elems(const nn_model *m, int k)
{
	const nn_layer *l = input_layer(m, k);
	return l ? l->elems : 0;
}

const float *nn_model_input_grad(const nn_model *m, int k)
{
	const nn_layer *l = input_layer(m, k);
	return l && l->need_grad ? l->grad : NULL;
}

const float *nn_model_output(const nn_model *m, int *ndim, int64_t *shape)
{
	const nn_layer *l = &m->l[nn_output_index(m)];
	if (ndim)
		*ndim = l->ndim;
	if (shape)
		memcpy(shape, l->shape, (size_t)l->ndim * sizeof *shape);
	return l->out;
}

int64_t nn_model_output_elems(const nn_model *m)
{
	return m->l[nn_output_index(m)].elems;
}

float *nn_model_output_grad(nn_model *m)
{
	return m->l[nn_output_index(m)].grad;
}

/* ------------------------------------------------------ the cheap loops */

/* Dropout's keep decision for element i of forward pass call: a hash of
 * (seed, layer, call, i), so backward regenerates it. */
static inline int drop_keep(uint64_t key, int64_t i, double p)
{
	uint64_t h = sim_splitmix64(key + (uint64_t)i * 0x9E3779B97F4A7C15ull);
	return (double)(h >> 11) * 0x1.0p-53 >= p;
}

static uint64_t drop_key(const nn_model *m, int layer, uint64_t call)
{
	return sim_splitmix64(sim_splitmix64(m->seed ^ 0xD0D0D0D0ull) +
			      (uint64_t)layer * 0x632BE59BD9B4E019ull + call);
}

static void dropout(const nn_model *m, const nn_layer *l, const float *x,
		    float *y, uint64_t call)
{
	double p = l->s.p > 0 ? l->s.p : 0.5;
	float scale = (float)(1 / (1 - p));
	uint64_t key = drop_key(m, (int)(l - m->l), call);
	int64_t n = layer_n(m, l);
	for (int64_t i = 0; i < n; i++)
		y[i] = drop_keep(key, i, p) ? x[i] * scale : 0;
}

/* Concat: each input's block of chunk_i floats per outer index. */
static void concat(const nn_model *m, const nn_layer *l)
{
	int ax = l->s.axis;
	int64_t outer = m->batch, inner = 1;
	for (int d = 0; d < ax; d++)
		outer *= l->shape[d];
	for (int d = ax + 1; d < l->ndim; d++)
		inner *= l->shape[d];
	int64_t row = l->shape[ax] * inner, off = 0;
	for (int i = 0; i < l->s.n_in; i++) {
		const nn_layer *x = &m->l[l->s.in[i]];
		int64_t chunk = x->shape[ax] * inner;
		for (int64_t o = 0; o < outer; o++)
			memcpy(l->out + o * row + off, x->out + o * chunk,
			       (size_t)chunk * sizeof(float));
		off += chunk;
	}
}

/* Batched transpose of the last two dims: src rows x cols -> cols x rows. */
static void transpose2(const float *src, float *dst, int64_t batch,
		       int64_t rows, int64_t cols)
{
	for (int64_t b = 0; b < batch; b++) {
		const float *s = src + b * rows * cols;
		float *d = dst + b * rows * cols;
		for (int64_t r = 0; r < rows; r++)
			for (int64_t c = 0; c < cols; c++)
				d[c * rows + r] = s[r * cols + c];
	}
}

/* Column sums of rows x cols into out[cols] (bias gradients). */
static int colsum(const float *x, int64_t rows, int64_t cols, float *out,
		  io_err *err)
{
	double *acc = calloc((size_t)cols, sizeof *acc);
	if (!acc)
		return nn_nomem(err, "bias gradient");
	for (int64_t r = 0; r < rows; r++)
		for (int64_t c = 0; c < cols; c++)
			acc[c] += x[r * cols + c];
	for (int64_t c = 0; c < cols; c++)
		out[c] = (float)acc[c];
	free(acc);
	return 0;
}

/* ------------------------------------------------------------- forward */

static const nn_param *par(const nn_model *m, const nn_layer *l, int k)
{
	return &m->p[l->param0 + k];
}

static nn_act_kind act_kind(nn_kind k)
{
	switch (k) {
	case NN_LEAKY_RELU:
		return NN_ACT_LEAKY_RELU;
	case NN_GELU:
		return NN_ACT_GELU;
	case NN_SIGMOID:
		return NN_ACT_SIGMOID;
	case NN_TANH:
		return NN_ACT_TANH;
	default:
		return NN_ACT_RELU;
	}
}

static float leak(const nn_layer *l)
{
	return (float)(l->s.alpha > 0 ? l->s.alpha : 0.01);
}

static int attention_fwd(nn_model *m, nn_layer *l, const float *x,
			 io_err *err)
{
	nn_backend *be = m->be;
	att_dims a = att_of(m, l);
	att_buf b;
	att_layout(&a, l->tmp, &b, m->flags & NN_TRAIN);
	const float *inw = par(m, l, 0)->data, *inb = par(m, l, 1)->data;
	const float *ow = par(m, l, 2)->data, *ob = par(m, l, 3)->data;
	nn_gemm_p g1 = {1, a.R, 3 * a.E, a.E, 0, 1, 1, 0};
	nn_gemm_p g2 = {a.NH, a.T, a.T, a.d, 0, 1, 0, 0};
	nn_gemm_p g3 = {a.NH, a.T, a.d, a.T, 0, 0, 0, 0};
	nn_gemm_p g4 = {1, a.R, a.E, a.E, 0, 1, 1, 0};
	int rc;
	if ((rc = be->ops->gemm(be, &g1, x, inw, inb, b.qkv, err)))
		return rc;
	heads_copy(&a, b.qkv, 3 * a.E, 0, b.qh, (float)(1 / sqrt((double)a.d)),
		   1);
	heads_copy(&a, b.qkv, 3 * a.E, a.E, b.kh, 1, 1);
	heads_copy(&a, b.qkv, 3 * a.E, 2 * a.E, b.vh, 1, 1);
	if ((rc = be->ops->gemm(be, &g2, b.qh, b.kh, NULL, b.probs, err)) ||
	    (rc = be->ops->softmax_fwd(be, a.NH * a.T, a.T, b.probs, b.probs,
				       err)) ||
	    (rc = be->ops->gemm(be, &g3, b.probs, b.vh, NULL, b.ctxh, err)))
		return rc;
	heads_copy(&a, b.ctxm, a.E, 0, b.ctxh, 1, 0);
	return be->ops->gemm(be, &g4, b.ctxm, ow, ob, l->out, err);
}

/* conv_fwd's flags for conv layer l (real/nn/backend.h): its ReLU, and in
 * an inference pass the layouts its input and output may stay in. */
static int conv_flags(const nn_model *m, const nn_layer *l, int relu,
		      int training)
{
	int f = relu ? NN_CONV_RELU : 0;
	if (!training && l->native_out)
		f |= NN_CONV_Y_NATIVE;
	if (!training && m->l[computed_by(m, l->s.in[0])].native_out)
		f |= NN_CONV_X_NATIVE;
	return f;
}

/* Conv layer l with its batch norm folded in (fold_batchnorms): weights
 * w gamma / sqrt(var + eps) per output channel, bias (b - mean) gamma /
 * sqrt(var + eps) + beta, computed in double into l->tmp whenever a
 * source's version changed (training-mode passes move the running
 * averages). */
static int conv_folded(nn_model *m, nn_layer *l, const float *x, io_err *err)
{
	const nn_layer *bn = &m->l[l->fold_bn];
	const nn_param *w = par(m, l, 0);
	const nn_param *b = l->s.no_bias ? NULL : par(m, l, 1);
	const nn_param *gamma = &m->p[bn->param0], *beta = gamma + 1;
	const nn_param *mean = gamma + 2, *var = gamma + 3;
	uint64_t v = w->version + (b ? b->version : 0) + gamma->version +
		     beta->version + mean->version + var->version;
	float *fw = l->tmp, *fb = l->tmp + w->n;
	if (v != l->fold_src_ver) {
		int64_t oc = l->s.out, per = w->n / oc;
		for (int64_t c = 0; c < oc; c++) {
			double scale = gamma->data[c] /
				       sqrt((double)var->data[c] + bn->bn.eps);
			for (int64_t k = 0; k < per; k++)
				fw[c * per + k] =
					(float)(w->data[c * per + k] * scale);
			fb[c] = (float)(beta->data[c] +
					((b ? b->data[c] : 0) - mean->data[c]) *
						scale);
		}
		l->fold_src_ver = v;
		l->fold_ver = nn_version_next();
	}
	return m->be->ops->conv_fwd(m->be, &l->conv, x, fw, l->fold_ver, fb,
				    l->out, conv_flags(m, l, l->fold_relu, 0),
				    err);
}

/* out = a + b, then max(., 0) when relu: in blocks of 16 so that -O2
 * vectorizes it (GCC's cheap cost model wants a known trip count; the
 * buffers are distinct layers' outputs, hence restrict). */
static void add2(float *restrict out, const float *restrict a,
		 const float *restrict b, int64_t n, int relu)
{
	int64_t k = 0;
	if (relu) {
		for (; k + 16 <= n; k += 16)
			for (int j = 0; j < 16; j++) {
				float v = a[k + j] + b[k + j];
				out[k + j] = v > 0 ? v : 0;
			}
		for (; k < n; k++) {
			float v = a[k] + b[k];
			out[k] = v > 0 ? v : 0;
		}
		return;
	}
	for (; k + 16 <= n; k += 16)
		for (int j = 0; j < 16; j++)
			out[k + j] = a[k + j] + b[k + j];
	for (; k < n; k++)
		out[k] = a[k] + b[k];
}

/* The sum of add layer l's inputs (x the first), and its fused ReLU. */
static void add_fwd(const nn_model *m, nn_layer *l, const float *x, int64_t n)
{
	float *out = l->out;
	int last = l->s.n_in - 1;
	add2(out, x, m->l[l->s.in[1]].out, n, l->fused_relu && last == 1);
	for (int j = 2; j <= last; j++) {
		const float *y = m->l[l->s.in[j]].out;
		for (int64_t k = 0; k < n; k++)
			out[k] += y[k];
	}
	if (l->fused_relu && last > 1)
		for (int64_t k = 0; k < n; k++)
			out[k] = out[k] > 0 ? out[k] : 0;
}

static int layer_fwd(nn_model *m, int i, int training, io_err *err)
{
	nn_layer *l = &m->l[i];
	nn_backend *be = m->be;
	const nn_backend_ops *op = be->ops;
	const float *x = l->s.n_in ? m->l[l->s.in[0]].out : NULL;
	int64_t n = layer_n(m, l);
	switch (l->s.kind) {
	case NN_INPUT:
		return 0;
	case NN_CONV:
	case NN_DECONV: {
		if (l->fold_bn && !training)
			return conv_folded(m, l, x, err);
		const nn_param *w = par(m, l, 0);
		const float *bias = l->s.no_bias ? NULL : par(m, l, 1)->data;
		return op->conv_fwd(be, &l->conv, x, w->data, w->version, bias,
				    l->out,
				    conv_flags(m, l, l->fused_relu, training),
				    err);
	}
	case NN_MAXPOOL:
	case NN_AVGPOOL:
	case NN_GLOBAL_AVGPOOL:
	case NN_GLOBAL_MAXPOOL:
		return op->pool_fwd(be, &l->pool, x, l->out, &l->ws,
				    m->flags & NN_TRAIN, err);
	case NN_BATCHNORM: {
		if (l->alias && !training) /* folded into its conv */
			return 0;
		/* (aliased in training mode: in place on the conv's output) */
		float *g = par(m, l, 0)->data, *bt = par(m, l, 1)->data;
		nn_param *rm = &m->p[l->param0 + 2], *rv = &m->p[l->param0 + 3];
		if (!training)
			return op->bn_fwd(be, &l->bn, x, g, bt, rm->data,
					  rv->data, l->out, 0, err);
		int rc = op->bn_fwd(be, &l->bn, x, g, bt, l->save_mean,
				    l->save_var, l->out, 1, err);
		if (rc)
			return rc;
		double mom = l->s.momentum > 0 ? l->s.momentum : 0.1;
		double cnt = (double)(l->bn.n * nn_sp3(l->bn.sp));
		double unbias = cnt > 1 ? cnt / (cnt - 1) : 1;
		for (int64_t c = 0; c < l->bn.c; c++) {
			rm->data[c] = (float)((1 - mom) * rm->data[c] +
					      mom * l->save_mean[c]);
			rv->data[c] = (float)((1 - mom) * rv->data[c] +
					      mom * l->save_var[c] * unbias);
		}
		rm->version = nn_version_next();
		rv->version = nn_version_next();
		return 0;
	}
	case NN_LAYERNORM:
		return op->ln_fwd(be, l->rows, l->cols,
				  (float)(l->s.eps > 0 ? l->s.eps : 1e-5), x,
				  par(m, l, 0)->data, par(m, l, 1)->data,
				  l->save_mean, l->save_var, l->out, err);
	case NN_RELU:
	case NN_LEAKY_RELU:
	case NN_GELU:
	case NN_SIGMOID:
	case NN_TANH:
		/* an alias is done by the conv it is fused with, except after
		 * a folded batch norm in training mode: then in place */
		if (l->alias && (!training || m->l[l->s.in[0]].s.kind !=
						      NN_BATCHNORM))
			return 0;
		return op->act_fwd(be, act_kind(l->s.kind), leak(l), n, x,
				   l->out, err);
	case NN_LINEAR: {
		nn_gemm_p g = {1, l->rows, l->s.out, l->cols, 0, 1, 1, 0};
		return op->gemm(be, &g, x, par(m, l, 0)->data,
				l->s.no_bias ? NULL : par(m, l, 1)->data,
				l->out, err);
	}
	case NN_MATMUL: {
		const nn_layer *b = &m->l[l->s.in[1]];
		const nn_layer *a = &m->l[l->s.in[0]];
		int d = a->ndim;
		int64_t M = a->shape[d - 2], K = a->shape[d - 1];
		nn_gemm_p g = {m->batch * (a->elems / (M * K)), M,
			       l->shape[d - 1], K, 0, l->s.trans_b, 0, 0};
		return op->gemm(be, &g, a->out, b->out, NULL, l->out, err);
	}
	case NN_ATTENTION:
		return attention_fwd(m, l, x, err);
	case NN_SOFTMAX:
		return op->softmax_fwd(be, l->rows, l->cols, x, l->out, err);
	case NN_CONCAT:
		concat(m, l);
		return 0;
	case NN_ADD:
		add_fwd(m, l, x, n);
		return 0;
	case NN_UPSAMPLE:
		return op->up_fwd(be, &l->up, x, l->out, err);
	case NN_DROPOUT:
		if (training) {
			l->drop_call = l->drop_calls++;
			dropout(m, l, x, l->out, l->drop_call);
		} else {
			memcpy(l->out, x, (size_t)n * sizeof(float));
		}
		return 0;
	case NN_FLATTEN:
	case NN_RESHAPE:
		memcpy(l->out, x, (size_t)n * sizeof(float));
		return 0;
	case NN_TRANSPOSE: {
		int64_t r = l->shape[l->ndim - 1], c = l->shape[l->ndim - 2];
		transpose2(x, l->out, n / (r * c), r, c);
		return 0;
	}
	default:
		return io_errf(err, IO_EINPUT, NULL, 0, "layer %s: no forward",
			       l->name);
	}
}

int nn_model_forward_timed(nn_model *m, int training, double *layer_s,
			   io_err *err)
{
	if (!m->prepared)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: not prepared (nn_model_prepare)",
			       m->name);
	double t = layer_s ? sim_clock_s() : 0;
	for (int i = 0; i < m->n; i++) {
		int rc = layer_fwd(m, i, training, err);
		if (rc)
			return rc;
		if (layer_s) {
			double t1 = sim_clock_s();
			layer_s[i] = t1 - t;
			t = t1;
		}
	}
	m->last_training = training;
	m->forward_done = 1;
	return 0;
}

int nn_model_forward(nn_model *m, int training, io_err *err)
{
	return nn_model_forward_timed(m, training, NULL, err);
}

int nn_model_forward_part(nn_model *m, io_err *err)
{
	if (!m->prepared)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: not prepared (nn_model_prepare_part)",
			       m->name);
	for (int i = 0; i < m->n; i++) {
		if (m->part && !m->part[i])
			continue;
		int rc = layer_fwd(m, i, 0, err);
		if (rc)
			return rc;
	}
	m->last_training = 0;
	m->forward_done = 1;
	return 0;
}

/* ------------------------------------------------------------ backward */

/* Where to write the gradient of layer j's output: its grad buffer if
 * nothing has been written there in this pass, else the scratch (added by
 * grad_done); NULL when layer j needs no gradient. */
static float *grad_dst(nn_model *m, int j)
{
	nn_layer *l = &m->l[j];
	if (!l->need_grad)
		return NULL;
	return l->grad_set ? m->scratch : l->grad;
}

static void grad_done(nn_model *m, int j, const float *dst)
{
	nn_layer *l = &m->l[j];
	if (!dst)
		return;
	if (dst != l->grad) {
		int64_t n = layer_n(m, l);
		for (int64_t k = 0; k < n; k++)
			l->grad[k] += dst[k];
	}
	l->grad_set = 1;
}

static float *junk(nn_model *m, float *dst)
{
	return dst ? dst : m->scratch;
}

static int attention_bwd(nn_model *m, nn_layer *l, const float *x,
			 float *dx, io_err *err)
{
	nn_backend *be = m->be;
	const nn_backend_ops *op = be->ops;
	att_dims a = att_of(m, l);
	att_buf b;
	att_layout(&a, l->tmp, &b, 1);
	nn_param *inw = &m->p[l->param0], *inb = &m->p[l->param0 + 1];
	nn_param *ow = &m->p[l->param0 + 2], *ob = &m->p[l->param0 + 3];
	const float *dy = l->grad;
	float scale = (float)(1 / sqrt((double)a.d));
	nn_gemm_p gow = {1, a.E, a.E, a.R, 1, 0, 0, 0};
	nn_gemm_p gdc = {1, a.R, a.E, a.E, 0, 0, 0, 0};
	nn_gemm_p gdp = {a.NH, a.T, a.T, a.d, 0, 1, 0, 0};
	nn_gemm_p gdv = {a.NH, a.T, a.d, a.T, 1, 0, 0, 0};
	nn_gemm_p gdq = {a.NH, a.T, a.d, a.T, 0, 0, 0, 0};
	nn_gemm_p gdk = {a.NH, a.T, a.d, a.T, 1, 0, 0, 0};
	nn_gemm_p giw = {1, 3 * a.E, a.E, a.R, 1, 0, 0, 0};
	nn_gemm_p gdx = {1, a.R, a.E, 3 * a.E, 0, 0, 0, 0};
	int rc;
	if ((rc = op->gemm(be, &gow, dy, b.ctxm, NULL, ow->grad, err)) ||
	    (rc = colsum(dy, a.R, a.E, ob->grad, err)) ||
	    (rc = op->gemm(be, &gdc, dy, ow->data, NULL, b.dctxm, err)))
		return rc;
	heads_copy(&a, b.dctxm, a.E, 0, b.dctxh, 1, 1);
	if ((rc = op->gemm(be, &gdp, b.dctxh, b.vh, NULL, b.dprobs, err)) ||
	    (rc = op->gemm(be, &gdv, b.probs, b.dctxh, NULL, b.dvh, err)) ||
	    (rc = op->softmax_bwd(be, a.NH * a.T, a.T, b.probs, b.dprobs,
				  b.dscores, err)) ||
	    (rc = op->gemm(be, &gdq, b.dscores, b.kh, NULL, b.dqh, err)) ||
	    (rc = op->gemm(be, &gdk, b.dscores, b.qh, NULL, b.dkh, err)))
		return rc;
	heads_copy(&a, b.dqkv, 3 * a.E, 0, b.dqh, scale, 0);
	heads_copy(&a, b.dqkv, 3 * a.E, a.E, b.dkh, 1, 0);
	heads_copy(&a, b.dqkv, 3 * a.E, 2 * a.E, b.dvh, 1, 0);
	if ((rc = op->gemm(be, &giw, b.dqkv, x, NULL, inw->grad, err)) ||
	    (rc = colsum(b.dqkv, a.R, 3 * a.E, inb->grad, err)))
		return rc;
	return dx ? op->gemm(be, &gdx, b.dqkv, inw->data, NULL, dx, err) : 0;
}

/* dy *= (y > 0), in place: the ReLU of a fused conv */
static void relu_mask(float *dy, const float *y, int64_t n)
{
	for (int64_t k = 0; k < n; k++)
		if (!(y[k] > 0))
			dy[k] = 0;
}

static int layer_bwd(nn_model *m, int i, io_err *err)
{
	nn_layer *l = &m->l[i];
	nn_backend *be = m->be;
	const nn_backend_ops *op = be->ops;
	int j0 = l->s.n_in ? l->s.in[0] : -1;
	const float *x = j0 >= 0 ? m->l[j0].out : NULL;
	const float *dy = l->grad;
	int64_t n = layer_n(m, l);
	float *dx = j0 >= 0 ? grad_dst(m, j0) : NULL;
	int rc = 0;
	switch (l->s.kind) {
	case NN_INPUT:
		return 0;
	case NN_CONV:
	case NN_DECONV: {
		nn_param *w = &m->p[l->param0];
		float *db = l->s.no_bias ? NULL : m->p[l->param0 + 1].grad;
		if (l->fused_relu)
			relu_mask(l->grad, l->out, n);
		rc = op->conv_bwd_weights(be, &l->conv, x, dy, w->grad, db, err);
		if (rc == 0 && dx)
			rc = op->conv_bwd_data(be, &l->conv, dy, w->data,
					       w->version, dx, err);
		break;
	}
	case NN_MAXPOOL:
	case NN_AVGPOOL:
	case NN_GLOBAL_AVGPOOL:
	case NN_GLOBAL_MAXPOOL:
		if (dx)
			rc = op->pool_bwd(be, &l->pool, x, dy, dx, &l->ws, err);
		break;
	case NN_BATCHNORM: {
		int global = !m->last_training;
		const float *mean = global ? m->p[l->param0 + 2].data
					   : l->save_mean;
		const float *var = global ? m->p[l->param0 + 3].data
					  : l->save_var;
		rc = op->bn_bwd(be, &l->bn, x, dy, par(m, l, 0)->data, mean,
				var, junk(m, dx), m->p[l->param0].grad,
				m->p[l->param0 + 1].grad, global, err);
		break;
	}
	case NN_LAYERNORM:
		rc = op->ln_bwd(be, l->rows, l->cols,
				(float)(l->s.eps > 0 ? l->s.eps : 1e-5), x, dy,
				par(m, l, 0)->data, l->save_mean, l->save_var,
				junk(m, dx), m->p[l->param0].grad,
				m->p[l->param0 + 1].grad, err);
		break;
	case NN_RELU:
	case NN_LEAKY_RELU:
	case NN_GELU:
	case NN_SIGMOID:
	case NN_TANH:
		if (l->alias) { /* dx is the conv's grad, which is dy */
			if (dx)
				relu_mask(dx, l->out, n);
			break;
		}
		if (dx)
			rc = op->act_bwd(be, act_kind(l->s.kind), leak(l), n, x,
					 dy, dx, err);
		break;
	case NN_LINEAR: {
		nn_gemm_p gw = {1, l->s.out, l->cols, l->rows, 1, 0, 0, 0};
		nn_gemm_p gx = {1, l->rows, l->cols, l->s.out, 0, 0, 0, 0};
		nn_param *w = &m->p[l->param0];
		rc = op->gemm(be, &gw, dy, x, NULL, w->grad, err);
		if (rc == 0 && !l->s.no_bias)
			rc = colsum(dy, l->rows, l->s.out,
				    m->p[l->param0 + 1].grad, err);
		if (rc == 0 && dx)
			rc = op->gemm(be, &gx, dy, w->data, NULL, dx, err);
		break;
	}
	case NN_MATMUL: {
		const nn_layer *a = &m->l[j0], *b = &m->l[l->s.in[1]];
		int d = a->ndim, tb = l->s.trans_b;
		int64_t M = a->shape[d - 2], K = a->shape[d - 1];
		int64_t N = l->shape[d - 1], B = m->batch * (a->elems / (M * K));
		/* dA = dC op(B)'; dB = A' dC (or dC' A when transposed) */
		nn_gemm_p ga = {B, M, K, N, 0, !tb, 0, 0};
		nn_gemm_p gb = tb ? (nn_gemm_p){B, N, K, M, 1, 0, 0, 0}
				  : (nn_gemm_p){B, K, N, M, 1, 0, 0, 0};
		if (dx)
			rc = op->gemm(be, &ga, dy, b->out, NULL, dx, err);
		grad_done(m, j0, dx);
		dx = NULL;
		float *db = grad_dst(m, l->s.in[1]);
		if (rc == 0 && db)
			rc = tb ? op->gemm(be, &gb, dy, a->out, NULL, db, err)
				: op->gemm(be, &gb, a->out, dy, NULL, db, err);
		grad_done(m, l->s.in[1], db);
		break;
	}
	case NN_ATTENTION:
		rc = attention_bwd(m, l, x, dx, err);
		break;
	case NN_SOFTMAX:
		if (dx)
			rc = op->softmax_bwd(be, l->rows, l->cols, l->out, dy, dx,
					     err);
		break;
	case NN_CONCAT: {
		int ax = l->s.axis;
		int64_t outer = m->batch, inner = 1, off = 0;
		for (int d = 0; d < ax; d++)
			outer *= l->shape[d];
		for (int d = ax + 1; d < l->ndim; d++)
			inner *= l->shape[d];
		int64_t row = l->shape[ax] * inner;
		grad_done(m, j0, NULL);
		dx = NULL;
		for (int k = 0; k < l->s.n_in; k++) {
			int j = l->s.in[k];
			int64_t chunk = m->l[j].shape[ax] * inner;
			float *g = grad_dst(m, j);
			for (int64_t o = 0; g && o < outer; o++)
				memcpy(g + o * chunk, dy + o * row + off,
				       (size_t)chunk * sizeof(float));
			grad_done(m, j, g);
			off += chunk;
		}
		break;
	}
	case NN_ADD:
		for (int k = 0; k < l->s.n_in; k++) {
			int j = l->s.in[k];
			float *g = k == 0 ? dx : grad_dst(m, j);
			if (g)
				memcpy(g, dy, (size_t)n * sizeof(float));
			grad_done(m, j, g);
		}
		dx = NULL;
		break;
	case NN_UPSAMPLE:
		if (dx)
			rc = op->up_bwd(be, &l->up, dy, dx, err);
		break;
	case NN_DROPOUT:
		if (!dx)
			break;
		if (m->last_training)
			dropout(m, l, dy, dx, l->drop_call);
		else
			memcpy(dx, dy, (size_t)n * sizeof(float));
		break;
	case NN_FLATTEN:
	case NN_RESHAPE:
		if (dx)
			memcpy(dx, dy, (size_t)n * sizeof(float));
		break;
	case NN_TRANSPOSE:
		if (dx) {
			int64_t r = l->shape[l->ndim - 2];
			int64_t c = l->shape[l->ndim - 1];
			transpose2(dy, dx, n / (r * c), r, c);
		}
		break;
	default:
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "layer %s: no backward", l->name);
	}
	if (rc == 0 && j0 >= 0)
		grad_done(m, j0, dx);
	return rc;
}

int nn_model_backward(nn_model *m, io_err *err)
{
	if (!m->prepared || !(m->flags & NN_TRAIN))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: not prepared for training", m->name);
	if (!m->forward_done)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: backward before forward", m->name);
	int out = nn_output_index(m);
	for (int i = 0; i < m->n; i++)
		m->l[i].grad_set = i == out;
	for (int i = m->n - 1; i >= 0; i--) {
		nn_layer *l = &m->l[i];
		if (!l->need_grad || !l->grad_set) {
			/* no path to the output: its parameters get 0 */
			for (int k = 0; k < l->n_params; k++) {
				nn_param *p = &m->p[l->param0 + k];
				if (p->grad)
					memset(p->grad, 0,
					       (size_t)p->n * sizeof(float));
			}
			continue;
		}
		int rc = layer_bwd(m, i, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* -------------------------------------------------------- loss, steps */

int nn_model_xent(nn_model *m, const int32_t *labels, double *loss,
		  int64_t *correct, io_err *err)
{
	if (!m->forward_done)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: loss before forward", m->name);
	const nn_layer *l = &m->l[nn_output_index(m)];
	int64_t K = l->elems, N = m->batch, ok = 0;
	double total = 0;
	for (int64_t n = 0; n < N; n++)
		if (labels[n] < 0 || labels[n] >= K)
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "label %d of sample %lld: expected 0 to "
				       "%lld",
				       labels[n], (long long)n, (long long)K - 1);
	for (int64_t n = 0; n < N; n++) {
		const float *z = l->out + n * K;
		double mx = z[0], s = 0;
		int64_t arg = 0;
		for (int64_t k = 1; k < K; k++)
			if (z[k] > mx) {
				mx = z[k];
				arg = k;
			}
		for (int64_t k = 0; k < K; k++)
			s += exp(z[k] - mx);
		s = s > 1 ? s : 1; /* the largest term is exp(0) */
		total += log(s) + mx - z[labels[n]];
		ok += arg == labels[n];
		if (l->grad)
			for (int64_t k = 0; k < K; k++)
				l->grad[n * K + k] =
					(float)((exp(z[k] - mx) / s -
						 (k == labels[n])) /
						(double)N);
	}
	*loss = total / (double)N;
	if (correct)
		*correct = ok;
	return 0;
}

int nn_model_step(nn_model *m, nn_optim *o, io_err *err)
{
	if (!m->prepared || !(m->flags & NN_TRAIN))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: not prepared for training", m->name);
	if (!(o->lr > 0) || o->momentum < 0 || o->momentum >= 1 ||
	    o->weight_decay < 0 || o->beta1 < 0 || o->beta1 >= 1 ||
	    o->beta2 < 0 || o->beta2 >= 1 || o->eps < 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "optimizer: lr must be > 0, momentum and betas "
			       "in [0, 1), weight decay and eps >= 0");
	int adam = o->kind == NN_ADAM;
	double b1 = o->beta1 > 0 ? o->beta1 : 0.9;
	double b2 = o->beta2 > 0 ? o->beta2 : 0.999;
	double eps = o->eps > 0 ? o->eps : 1e-8;
	o->t++;
	double c1 = 1 - pow(b1, (double)o->t), c2 = 1 - pow(b2, (double)o->t);
	for (int i = 0; i < m->np; i++) {
		nn_param *p = &m->p[i];
		if (!p->trainable)
			continue;
		int need_m1 = adam || o->momentum > 0;
		if (need_m1 && !p->m1 && !(p->m1 = falloc(p->n, 1)))
			return nn_nomem(err, "optimizer state");
		if (adam && !p->m2 && !(p->m2 = falloc(p->n, 1)))
			return nn_nomem(err, "optimizer state");
		for (int64_t k = 0; k < p->n; k++) {
			double g = p->grad[k] + o->weight_decay * p->data[k];
			if (adam) {
				p->m1[k] = (float)(b1 * p->m1[k] + (1 - b1) * g);
				p->m2[k] = (float)(b2 * p->m2[k] +
						   (1 - b2) * g * g);
				p->data[k] -= (float)(o->lr * (p->m1[k] / c1) /
						      (sqrt(p->m2[k] / c2) + eps));
			} else if (need_m1) {
				p->m1[k] = (float)(o->momentum * p->m1[k] + g);
				p->data[k] -= (float)(o->lr * p->m1[k]);
			} else {
				p->data[k] -= (float)(o->lr * g);
			}
		}
		p->version = nn_version_next();
	}
	return 0;
}
