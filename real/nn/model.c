/* real/nn/model.c — building a model (real/nn/nn.h): adding layers with
 * their shapes checked, parameters, per-layer figures, random weights. */
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "real/nn/graph.h"
#include "sim/base/rng.h"

static const char *const kind_names[NN_KIND_COUNT] = {
	[NN_INPUT] = "input",
	[NN_CONV] = "conv",
	[NN_DECONV] = "deconv",
	[NN_MAXPOOL] = "maxpool",
	[NN_AVGPOOL] = "avgpool",
	[NN_GLOBAL_AVGPOOL] = "global_avgpool",
	[NN_GLOBAL_MAXPOOL] = "global_maxpool",
	[NN_BATCHNORM] = "batchnorm",
	[NN_LAYERNORM] = "layernorm",
	[NN_RELU] = "relu",
	[NN_LEAKY_RELU] = "leaky_relu",
	[NN_GELU] = "gelu",
	[NN_SIGMOID] = "sigmoid",
	[NN_TANH] = "tanh",
	[NN_LINEAR] = "linear",
	[NN_MATMUL] = "matmul",
	[NN_ATTENTION] = "attention",
	[NN_SOFTMAX] = "softmax",
	[NN_CONCAT] = "concat",
	[NN_ADD] = "add",
	[NN_UPSAMPLE] = "upsample",
	[NN_DROPOUT] = "dropout",
	[NN_FLATTEN] = "flatten",
	[NN_RESHAPE] = "reshape",
	[NN_TRANSPOSE] = "transpose",
};

const char *nn_kind_name(nn_kind k)
{
	return (unsigned)k < NN_KIND_COUNT ? kind_names[k] : "?";
}

int nn_kind_from_name(const char *name)
{
	for (int k = 0; k < NN_KIND_COUNT; k++)
		if (strcmp(kind_names[k], name) == 0)
			return k;
	return -1;
}

uint64_t nn_version_next(void)
{
	static _Atomic uint64_t last;
	return atomic_fetch_add(&last, 1) + 1;
}

int nn_model_new(nn_model **out, const char *name, io_err *err)
{
	nn_model *m = calloc(1, sizeof *m);
	if (!m)
		return nn_nomem(err, "model");
	snprintf(m->name, sizeof m->name, "%s", name ? name : "model");
	m->output = -1;
	*out = m;
	return 0;
}

void nn_model_free(nn_model *m)
{
	if (!m)
		return;
	nn_buffers_free(m);
	for (int i = 0; i < m->np; i++) {
		free(m->p[i].data);
		free(m->p[i].m1);
		free(m->p[i].m2);
	}
	free(m->l);
	free(m->p);
	free(m);
}

const char *nn_model_name(const nn_model *m)
{
	return m->name;
}

int nn_model_layers(const nn_model *m)
{
	return m->n;
}

int nn_model_find(const nn_model *m, const char *name)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->l[i].name, name) == 0)
			return i;
	return -1;
}

int nn_output_index(const nn_model *m)
{
	return m->output >= 0 ? m->output : m->n - 1;
}

int nn_model_output_index(const nn_model *m)
{
	return nn_output_index(m);
}

int nn_model_set_output(nn_model *m, int layer, io_err *err)
{
	if (layer < 0 || layer >= m->n)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: no layer %d for the output", m->name,
			       layer);
	m->output = layer;
	return 0;
}

/* ------------------------------------------------------ checking a layer */

/* "layer NAME (TYPE): what" */
static int lerr(io_err *err, const nn_layer *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int lerr(io_err *err, const nn_layer *l, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return io_errf(err, IO_EINPUT, NULL, 0, "layer %s (%s): %s", l->name,
		       nn_kind_name(l->s.kind), what);
}

/* "[3, 32, 32]" */
static const char *shape_str(char *buf, size_t cap, int ndim,
			     const int64_t *shape)
{
	size_t k = (size_t)snprintf(buf, cap, "[");
	for (int i = 0; i < ndim && k < cap; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? ", " : "",
				      (long long)shape[i]);
	if (k < cap)
		snprintf(buf + k, cap - k, "]");
	return buf;
}

/* a * b if both are >= 0 and it is at most limit, else -1 */
static int64_t mul_cap(int64_t a, int64_t b, int64_t limit)
{
	int64_t r;
	if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r) || r > limit)
		return -1;
	return r;
}

static int64_t prod_cap(const int64_t *v, int n, int64_t limit)
{
	int64_t r = 1;
	for (int i = 0; i < n && r >= 0; i++)
		r = mul_cap(r, v[i], limit);
	return r;
}

/* The value of spatial size v for nd dims into the last nd entries of
 * out[3] (leading entries: fill); def when v is not given (def < 0:
 * required). Values must be in [lo, hi]. */
static int spatial(const nn_layer *l, const char *what, const nn_ivec *v,
		   int nd, int64_t def, int64_t lo, int64_t hi, int64_t fill,
		   int64_t out[3], io_err *err)
{
	for (int i = 0; i < 3; i++)
		out[i] = fill;
	if (v->n == 0 && def < 0)
		return lerr(err, l, "%s is required", what);
	if (v->n != 0 && v->n != 1 && v->n != nd)
		return lerr(err, l,
			    "%s has %d values: give one, or one per spatial "
			    "dim (%d)",
			    what, v->n, nd);
	for (int i = 0; i < nd; i++) {
		int64_t x = v->n == 0 ? def : v->n == 1 ? v->v[0] : v->v[i];
		if (x < lo || x > hi)
			return lerr(err, l, "%s %lld out of range [%lld, %lld]",
				    what, (long long)x, (long long)lo,
				    (long long)hi);
		out[3 - nd + i] = x;
	}
	return 0;
}

/* Register a parameter of layer l (memory comes with nn_model_init or
 * nn_model_load_weights). */
static int add_param(nn_model *m, nn_layer *l, const char *pname,
		     int trainable, int ndim, const int64_t *shape,
		     io_err *err)
{
	if (m->np == m->pcap) {
		int cap = m->pcap ? 2 * m->pcap : 16;
		nn_param *p = realloc(m->p, (size_t)cap * sizeof *p);
		if (!p)
			return nn_nomem(err, "parameters");
		m->p = p;
		m->pcap = cap;
	}
	int64_t n = prod_cap(shape, ndim, NN_MAX_PARAMS);
	if (n < 0 || (trainable && m->total_params + n > NN_MAX_PARAMS))
		return lerr(err, l, "%s: more than %lld parameters", pname,
			    (long long)NN_MAX_PARAMS);
	nn_param *p = &m->p[m->np];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s.%s", l->name, pname);
	p->layer = (int)(l - m->l);
	p->trainable = trainable;
	p->ndim = ndim;
	memcpy(p->shape, shape, (size_t)ndim * sizeof *shape);
	p->n = n;
	if (l->n_params == 0)
		l->param0 = m->np;
	l->n_params++;
	m->np++;
	if (trainable) {
		m->total_params += n;
		l->n_trainable += n;
	}
	return 0;
}

static int set_shape(nn_layer *l, int ndim, const int64_t *shape,
		     io_err *err)
{
	char b[128];
	if (ndim < 1 || ndim > NN_MAX_DIMS)
		return lerr(err, l, "output %s has %d dims (at most %d)",
			    shape_str(b, sizeof b, ndim, shape), ndim,
			    NN_MAX_DIMS);
	for (int i = 0; i < ndim; i++)
		if (shape[i] < 1 || shape[i] > NN_MAX_DIM)
			return lerr(err, l,
				    "output %s: sizes must be in [1, %d]",
				    shape_str(b, sizeof b, ndim, shape),
				    NN_MAX_DIM);
	int64_t e = prod_cap(shape, ndim, NN_MAX_SAMPLE_ELEMS);
	if (e < 0)
		return lerr(err, l,
			    "output %s is more than %lld elements per sample",
			    shape_str(b, sizeof b, ndim, shape),
			    (long long)NN_MAX_SAMPLE_ELEMS);
	l->ndim = ndim;
	memcpy(l->shape, shape, (size_t)ndim * sizeof *shape);
	l->elems = e;
	return 0;
}

/* Convolutions: shapes, parameters, FLOPs. */
static int add_conv(nn_model *m, nn_layer *l, const nn_layer *in,
		    io_err *err)
{
	const nn_spec *s = &l->s;
	char b[128];
	int nd = in->ndim - 1;
	if (nd < 1 || nd > 3)
		return lerr(err, l,
			    "input %s: expected C x W, C x H x W or "
			    "C x D x H x W",
			    shape_str(b, sizeof b, in->ndim, in->shape));
	int64_t ic = in->shape[0], g = s->groups ? s->groups : 1;
	if (s->out < 1 || s->out > NN_MAX_DIM)
		return lerr(err, l, "out %lld: expected 1 to %d channels",
			    (long long)s->out, NN_MAX_DIM);
	if (g < 1 || ic % g || s->out % g)
		return lerr(err, l,
			    "groups %lld must divide the input channels %lld "
			    "and out %lld",
			    (long long)g, (long long)ic, (long long)s->out);
	int64_t k[3], st[3], pad[3], dil[3], op[3], inr[3], outr[3];
	int rc;
	if ((rc = spatial(l, "kernel", &s->kernel, nd, -1, 1, NN_MAX_KERNEL,
			  1, k, err)) ||
	    (rc = spatial(l, "stride", &s->stride, nd, 1, 1, NN_MAX_KERNEL, 1,
			  st, err)) ||
	    (rc = spatial(l, "pad", &s->pad, nd, 0, 0, NN_MAX_KERNEL, 0, pad,
			  err)) ||
	    (rc = spatial(l, "dilation", &s->dilation, nd, 1, 1, NN_MAX_KERNEL,
			  1, dil, err)) ||
	    (rc = spatial(l, "output_padding", &s->out_pad, nd, 0, 0,
			  NN_MAX_KERNEL, 0, op, err)))
		return rc;
	if (s->kind == NN_CONV && s->out_pad.n)
		return lerr(err, l, "output_padding is for deconv only");
	for (int i = 0; i < 3; i++) {
		inr[i] = i < 3 - nd ? 1 : in->shape[1 + i - (3 - nd)];
		int64_t span = dil[i] * (k[i] - 1) + 1;
		if (s->kind == NN_CONV) {
			if (inr[i] + 2 * pad[i] < span)
				return lerr(err, l,
					    "kernel span %lld is larger than "
					    "the padded input %lld",
					    (long long)span,
					    (long long)(inr[i] + 2 * pad[i]));
			outr[i] = (inr[i] + 2 * pad[i] - span) / st[i] + 1;
		} else {
			if (op[i] > pad[i] ||
			    (op[i] >= st[i] && op[i] >= dil[i]))
				return lerr(err, l,
					    "output_padding %lld: at most pad "
					    "(%lld) and less than stride or "
					    "dilation",
					    (long long)op[i], (long long)pad[i]);
			outr[i] = (inr[i] - 1) * st[i] - 2 * pad[i] + span +
				  op[i];
			if (outr[i] < 1)
				return lerr(err, l,
					    "output size %lld < 1 (pad too "
					    "large)",
					    (long long)outr[i]);
		}
	}
	int64_t shape[NN_MAX_DIMS] = {s->out};
	for (int i = 0; i < nd; i++)
		shape[1 + i] = outr[3 - nd + i];
	if ((rc = set_shape(l, nd + 1, shape, err)))
		return rc;
	int64_t w[5] = {s->kind == NN_CONV ? s->out : ic,
			(s->kind == NN_CONV ? ic : s->out) / g};
	for (int i = 0; i < nd; i++)
		w[2 + i] = k[3 - nd + i];
	if ((rc = add_param(m, l, "weight", 1, nd + 2, w, err)))
		return rc;
	if (!s->no_bias && (rc = add_param(m, l, "bias", 1, 1, &s->out, err)))
		return rc;
	double ks = (double)(k[0] * k[1] * k[2]);
	double macs = s->kind == NN_CONV
			      ? (double)nn_sp3(outr) * (double)s->out *
					(double)(ic / g) * ks
			      : (double)nn_sp3(inr) * (double)ic *
					(double)(s->out / g) * ks;
	l->macs = macs;
	l->flops = 2 * macs + (s->no_bias ? 0 : (double)l->elems) +
		   (s->relu ? (double)l->elems : 0);
	/* the op's parameters, batch filled in by prepare */
	nn_conv_p *c = &l->conv;
	c->nd = nd;
	c->transposed = s->kind == NN_DECONV;
	c->ic = ic;
	c->oc = s->out;
	c->groups = g;
	memcpy(c->in, inr, sizeof inr);
	memcpy(c->out, outr, sizeof outr);
	memcpy(c->k, k, sizeof k);
	memcpy(c->stride, st, sizeof st);
	memcpy(c->pad, pad, sizeof pad);
	memcpy(c->dil, dil, sizeof dil);
	return 0;
}

static int add_pool(nn_layer *l, const nn_layer *in, io_err *err)
{
	const nn_spec *s = &l->s;
	char b[128];
	int nd = in->ndim - 1, global = s->kind == NN_GLOBAL_AVGPOOL ||
					s->kind == NN_GLOBAL_MAXPOOL;
	if (nd < 1 || nd > 3)
		return lerr(err, l,
			    "input %s: expected C x W, C x H x W or "
			    "C x D x H x W",
			    shape_str(b, sizeof b, in->ndim, in->shape));
	nn_pool_p *p = &l->pool;
	p->nd = nd;
	p->kind = s->kind == NN_MAXPOOL || s->kind == NN_GLOBAL_MAXPOOL
			  ? NN_POOL_MAX
		  : s->exclude_pad ? NN_POOL_AVG_EXCL
				   : NN_POOL_AVG;
	p->c = in->shape[0];
	for (int i = 0; i < 3; i++)
		p->in[i] = i < 3 - nd ? 1 : in->shape[1 + i - (3 - nd)];
	int rc;
	if (global) {
		memcpy(p->k, p->in, sizeof p->k);
		for (int i = 0; i < 3; i++) {
			p->stride[i] = p->out[i] = 1;
			p->pad[i] = 0;
		}
		l->flops = (double)in->elems;
		return set_shape(l, 1, &p->c, err);
	}
	if ((rc = spatial(l, "kernel", &s->kernel, nd, -1, 1, NN_MAX_KERNEL,
			  1, p->k, err)) ||
	    (rc = spatial(l, "stride", &s->stride, nd, 0, 0, NN_MAX_KERNEL, 1,
			  p->stride, err)) ||
	    (rc = spatial(l, "pad", &s->pad, nd, 0, 0, NN_MAX_KERNEL, 0,
			  p->pad, err)))
		return rc;
	int64_t shape[NN_MAX_DIMS] = {p->c};
	for (int i = 0; i < 3; i++) {
		if (p->stride[i] == 0) /* default: the kernel */
			p->stride[i] = p->k[i];
		if (2 * p->pad[i] > p->k[i])
			return lerr(err, l, "pad %lld is more than kernel/2",
				    (long long)p->pad[i]);
		if (p->in[i] + 2 * p->pad[i] < p->k[i])
			return lerr(err, l,
				    "kernel %lld is larger than the padded "
				    "input %lld",
				    (long long)p->k[i],
				    (long long)(p->in[i] + 2 * p->pad[i]));
		p->out[i] = (p->in[i] + 2 * p->pad[i] - p->k[i]) / p->stride[i] +
			    1;
		if (i >= 3 - nd)
			shape[1 + i - (3 - nd)] = p->out[i];
	}
	if ((rc = set_shape(l, nd + 1, shape, err)))
		return rc;
	l->flops = (double)l->elems * (double)nn_sp3(p->k);
	return 0;
}

/* Shapes of the remaining kinds. */
static int add_other(nn_model *m, nn_layer *l, nn_layer *const *in,
		     io_err *err)
{
	const nn_spec *s = &l->s;
	const nn_layer *a = in[0];
	int64_t shape[NN_MAX_DIMS];
	char b1[128], b2[128];
	int rc = 0;
	if (a)
		memcpy(shape, a->shape, sizeof shape);
	switch (s->kind) {
	case NN_BATCHNORM:
	case NN_LAYERNORM: {
		if (s->eps < 0 || s->eps > 1 || s->momentum < 0 ||
		    s->momentum > 1)
			return lerr(err, l, "eps and momentum must be in [0, 1]");
		int64_t c = s->kind == NN_BATCHNORM ? a->shape[0]
						    : a->shape[a->ndim - 1];
		if ((rc = set_shape(l, a->ndim, shape, err)) ||
		    (rc = add_param(m, l, "gamma", 1, 1, &c, err)) ||
		    (rc = add_param(m, l, "beta", 1, 1, &c, err)))
			return rc;
		if (s->kind == NN_BATCHNORM &&
		    ((rc = add_param(m, l, "running_mean", 0, 1, &c, err)) ||
		     (rc = add_param(m, l, "running_var", 0, 1, &c, err))))
			return rc;
		l->flops = 4.0 * (double)l->elems;
		return 0;
	}
	case NN_RELU:
	case NN_LEAKY_RELU:
	case NN_GELU:
	case NN_SIGMOID:
	case NN_TANH:
	case NN_SOFTMAX:
	case NN_DROPOUT:
		if (s->kind == NN_LEAKY_RELU && (s->alpha < 0 || s->alpha > 1e6))
			return lerr(err, l, "alpha must be >= 0");
		if (s->kind == NN_DROPOUT && (s->p < 0 || s->p >= 1))
			return lerr(err, l, "p must be in (0, 1)");
		rc = set_shape(l, a->ndim, shape, err);
		l->flops = (double)l->elems *
			   (s->kind == NN_SOFTMAX ? 3.0 : 1.0);
		return rc;
	case NN_LINEAR: {
		int64_t fin = a->shape[a->ndim - 1];
		if (s->out < 1 || s->out > NN_MAX_DIM)
			return lerr(err, l, "out %lld: expected 1 to %d",
				    (long long)s->out, NN_MAX_DIM);
		shape[a->ndim - 1] = s->out;
		int64_t w[2] = {s->out, fin};
		if ((rc = set_shape(l, a->ndim, shape, err)) ||
		    (rc = add_param(m, l, "weight", 1, 2, w, err)) ||
		    (!s->no_bias &&
		     (rc = add_param(m, l, "bias", 1, 1, &s->out, err))))
			return rc;
		l->macs = (double)(a->elems / fin) * (double)fin *
			  (double)s->out;
		l->flops = 2 * l->macs + (s->no_bias ? 0 : (double)l->elems);
		return 0;
	}
	case NN_MATMUL: {
		const nn_layer *bl = in[1];
		int d = a->ndim;
		if (d < 2 || bl->ndim != d)
			return lerr(err, l,
				    "inputs %s and %s: expected ... x M x K "
				    "and ... x K x N of the same rank",
				    shape_str(b1, sizeof b1, a->ndim, a->shape),
				    shape_str(b2, sizeof b2, bl->ndim,
					      bl->shape));
		int64_t M = a->shape[d - 2], K = a->shape[d - 1];
		int64_t K2 = bl->shape[d - (s->trans_b ? 1 : 2)];
		int64_t N = bl->shape[d - (s->trans_b ? 2 : 1)];
		int same = K == K2;
		for (int i = 0; i < d - 2; i++)
			same = same && a->shape[i] == bl->shape[i];
		if (!same)
			return lerr(err, l,
				    "inputs %s and %s do not multiply%s",
				    shape_str(b1, sizeof b1, a->ndim, a->shape),
				    shape_str(b2, sizeof b2, bl->ndim,
					      bl->shape),
				    s->trans_b ? " (second transposed)" : "");
		shape[d - 2] = M;
		shape[d - 1] = N;
		rc = set_shape(l, d, shape, err);
		l->macs = (double)(a->elems / (M * K)) * (double)M *
			  (double)N * (double)K;
		l->flops = 2 * l->macs;
		return rc;
	}
	case NN_ATTENTION: {
		if (a->ndim != 2)
			return lerr(err, l, "input %s: expected T x E",
				    shape_str(b1, sizeof b1, a->ndim, a->shape));
		int64_t T = a->shape[0], E = a->shape[1];
		if (s->heads < 1 || E % s->heads)
			return lerr(err, l,
				    "heads %lld must be >= 1 and divide E = "
				    "%lld",
				    (long long)s->heads, (long long)E);
		int64_t w3[2] = {3 * E, E}, b3 = 3 * E, w1[2] = {E, E};
		if ((rc = set_shape(l, 2, shape, err)) ||
		    (rc = add_param(m, l, "in_weight", 1, 2, w3, err)) ||
		    (rc = add_param(m, l, "in_bias", 1, 1, &b3, err)) ||
		    (rc = add_param(m, l, "out_weight", 1, 2, w1, err)) ||
		    (rc = add_param(m, l, "out_bias", 1, 1, &E, err)))
			return rc;
		/* attention scores per sample: heads x T x T */
		if (mul_cap(mul_cap(s->heads, T, NN_MAX_SAMPLE_ELEMS), T,
			    NN_MAX_SAMPLE_ELEMS) < 0)
			return lerr(err, l,
				    "heads x T x T is more than %lld per "
				    "sample",
				    (long long)NN_MAX_SAMPLE_ELEMS);
		double t = (double)T, e = (double)E;
		l->macs = t * e * 4 * e + 2 * t * t * e;
		l->flops = 2 * l->macs + 3.0 * (double)s->heads * t * t;
		return 0;
	}
	case NN_CONCAT: {
		int ax = s->axis;
		if (ax < 0 || ax >= a->ndim)
			return lerr(err, l, "axis %d: the inputs have %d dims",
				    ax, a->ndim);
		shape[ax] = 0;
		for (int i = 0; i < s->n_in; i++) {
			const nn_layer *x = in[i];
			int same = x->ndim == a->ndim;
			for (int d = 0; same && d < a->ndim; d++)
				same = d == ax || x->shape[d] == a->shape[d];
			if (!same)
				return lerr(err, l,
					    "input %s is %s, %s is %s: only "
					    "dim %d may differ",
					    x->name,
					    shape_str(b1, sizeof b1, x->ndim,
						      x->shape),
					    a->name,
					    shape_str(b2, sizeof b2, a->ndim,
						      a->shape),
					    ax);
			shape[ax] += x->shape[ax];
		}
		return set_shape(l, a->ndim, shape, err);
	}
	case NN_ADD:
		for (int i = 1; i < s->n_in; i++) {
			const nn_layer *x = in[i];
			if (x->ndim != a->ndim ||
			    memcmp(x->shape, a->shape,
				   (size_t)a->ndim * sizeof *a->shape))
				return lerr(err, l,
					    "input %s is %s, %s is %s: add "
					    "needs equal shapes",
					    x->name,
					    shape_str(b1, sizeof b1, x->ndim,
						      x->shape),
					    a->name,
					    shape_str(b2, sizeof b2, a->ndim,
						      a->shape));
		}
		rc = set_shape(l, a->ndim, shape, err);
		l->flops = (double)l->elems * (s->n_in - 1);
		return rc;
	case NN_UPSAMPLE: {
		int nd = a->ndim - 1;
		if (nd < 1 || nd > 3)
			return lerr(err, l, "input %s: expected C x spatial",
				    shape_str(b1, sizeof b1, a->ndim, a->shape));
		int64_t sc[3];
		if ((rc = spatial(l, "scale", &s->scale, nd, -1, 1, 64, 1, sc,
				  err)))
			return rc;
		nn_up_p *u = &l->up;
		u->nd = nd;
		u->kind = s->bilinear ? NN_UP_LINEAR : NN_UP_NEAREST;
		u->c = a->shape[0];
		for (int i = 0; i < 3; i++) {
			u->in[i] = i < 3 - nd ? 1 : a->shape[1 + i - (3 - nd)];
			u->out[i] = u->in[i] * sc[i];
			if (i >= 3 - nd)
				shape[1 + i - (3 - nd)] = u->out[i];
		}
		rc = set_shape(l, a->ndim, shape, err);
		l->flops = (double)l->elems * (s->bilinear ? 4.0 : 0.0);
		return rc;
	}
	case NN_FLATTEN:
		return set_shape(l, 1, &a->elems, err);
	case NN_RESHAPE: {
		if (s->ndim < 1 || s->ndim > NN_MAX_DIMS)
			return lerr(err, l, "shape needs 1 to %d dims",
				    NN_MAX_DIMS);
		int free_at = -1;
		int64_t known = 1;
		for (int i = 0; i < s->ndim; i++) {
			shape[i] = s->shape[i];
			if (shape[i] == -1 && free_at < 0)
				free_at = i;
			else if (shape[i] < 1 || shape[i] > NN_MAX_DIM)
				return lerr(err, l,
					    "shape: sizes are 1 to %d, one may "
					    "be -1",
					    NN_MAX_DIM);
			else
				known *= shape[i];
		}
		if (free_at >= 0 && a->elems % known == 0)
			shape[free_at] = a->elems / known;
		int64_t e = prod_cap(shape, s->ndim, NN_MAX_SAMPLE_ELEMS);
		if (e != a->elems)
			return lerr(err, l,
				    "shape %s does not hold the %lld elements "
				    "of %s",
				    shape_str(b1, sizeof b1, s->ndim, s->shape),
				    (long long)a->elems,
				    shape_str(b2, sizeof b2, a->ndim, a->shape));
		return set_shape(l, s->ndim, shape, err);
	}
	case NN_TRANSPOSE:
		if (a->ndim < 2)
			return lerr(err, l, "input %s: needs 2 dims or more",
				    shape_str(b1, sizeof b1, a->ndim, a->shape));
		shape[a->ndim - 2] = a->shape[a->ndim - 1];
		shape[a->ndim - 1] = a->shape[a->ndim - 2];
		return set_shape(l, a->ndim, shape, err);
	default:
		return lerr(err, l, "unknown layer type");
	}
}

/* How many inputs kind takes: exactly lo when lo == hi. */
static void arity(nn_kind k, int *lo, int *hi)
{
	*lo = *hi = 1;
	if (k == NN_INPUT)
		*lo = *hi = 0;
	else if (k == NN_MATMUL)
		*lo = *hi = 2;
	else if (k == NN_CONCAT || k == NN_ADD) {
		*lo = 2;
		*hi = NN_MAX_IN;
	}
}

int nn_model_add(nn_model *m, const nn_spec *s, io_err *err)
{
	if (m->prepared)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: layers cannot be added once "
			       "prepared",
			       m->name);
	if (m->n >= NN_MAX_LAYERS)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: more than %d layers", m->name,
			       NN_MAX_LAYERS);
	if ((unsigned)s->kind >= NN_KIND_COUNT)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "model %s: layer %d: unknown type %d", m->name,
			       m->n, (int)s->kind);
	if (m->n == m->cap) {
		int cap = m->cap ? 2 * m->cap : 16;
		nn_layer *l = realloc(m->l, (size_t)cap * sizeof *l);
		if (!l)
			return nn_nomem(err, "layers");
		m->l = l;
		m->cap = cap;
	}
	int idx = m->n, np0 = m->np;
	int64_t tp0 = m->total_params;
	nn_layer *l = &m->l[idx];
	memset(l, 0, sizeof *l);
	l->s = *s;
	if (s->name && *s->name) {
		if (strlen(s->name) >= NN_NAME_MAX)
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "layer %d: name longer than %d bytes",
				       idx, NN_NAME_MAX - 1);
		snprintf(l->name, sizeof l->name, "%s", s->name);
	} else {
		snprintf(l->name, sizeof l->name, "layer%d", idx);
	}
	l->s.name = l->name;
	if (nn_model_find(m, l->name) >= 0)
		return lerr(err, l, "a layer of this name exists already");
	/* inputs */
	int lo, hi;
	arity(s->kind, &lo, &hi);
	if (s->n_in < 0 || s->n_in > NN_MAX_IN)
		return lerr(err, l, "%d inputs (at most %d)", s->n_in,
			    NN_MAX_IN);
	if (s->n_in == 0 && lo == 1) {
		if (idx == 0)
			return lerr(err, l, "no layer above to read");
		l->s.n_in = 1;
		l->s.in[0] = idx - 1;
	}
	if (l->s.n_in < lo || l->s.n_in > hi)
		return lerr(err, l, "takes %d%s inputs, given %d", lo,
			    hi > lo ? " or more" : "", l->s.n_in);
	nn_layer *in[NN_MAX_IN] = {NULL};
	for (int i = 0; i < l->s.n_in; i++) {
		int j = l->s.in[i];
		if (j < 0 || j >= idx)
			return lerr(err, l,
				    "input %d is not a layer above this one",
				    j);
		in[i] = &m->l[j];
	}
	int rc;
	switch (s->kind) {
	case NN_INPUT:
		rc = set_shape(l, s->ndim, s->shape, err);
		break;
	case NN_CONV:
	case NN_DECONV:
		rc = add_conv(m, l, in[0], err);
		break;
	case NN_MAXPOOL:
	case NN_AVGPOOL:
	case NN_GLOBAL_AVGPOOL:
	case NN_GLOBAL_MAXPOOL:
		rc = add_pool(l, in[0], err);
		break;
	default:
		rc = add_other(m, l, in, err);
		break;
	}
	if (rc) {
		m->np = np0; /* forget its parameters */
		m->total_params = tp0;
		return rc;
	}
	for (int i = 0; i < l->s.n_in; i++)
		m->l[l->s.in[i]].consumers++;
	m->n++;
	return idx;
}

/* ---------------------------------------------------------- the figures */

void nn_model_info(const nn_model *m, int i, nn_layer_info *out)
{
	const nn_layer *l = &m->l[i];
	memset(out, 0, sizeof *out);
	out->name = l->name;
	out->type = nn_kind_name(l->s.kind);
	out->kind = l->s.kind;
	out->ndim = l->ndim;
	memcpy(out->shape, l->shape, sizeof out->shape);
	out->n_in = l->s.n_in;
	memcpy(out->in, l->s.in, sizeof out->in);
	out->flops = l->flops;
	out->macs = l->macs;
	out->params = l->n_trainable;
	out->param_bytes = 4 * l->n_trainable;
	out->act_bytes = 4 * l->elems;
	int j = i;
	while (m->prepared && m->l[j].alias)
		j = m->l[j].s.in[0];
	out->fused_into = j;
}

void nn_model_totals(const nn_model *m, double *flops, int64_t *params,
		     int64_t *act_bytes)
{
	double f = 0;
	int64_t p = 0, a = 0;
	for (int i = 0; i < m->n; i++) {
		f += m->l[i].flops;
		p += m->l[i].n_trainable;
		a += 4 * m->l[i].elems;
	}
	if (flops)
		*flops = f;
	if (params)
		*params = p;
	if (act_bytes)
		*act_bytes = a;
}

int nn_model_n_params(const nn_model *m)
{
	return m->np;
}

nn_param *nn_model_param(nn_model *m, int i)
{
	return i >= 0 && i < m->np ? &m->p[i] : NULL;
}

nn_param *nn_model_param_by_name(nn_model *m, const char *name)
{
	for (int i = 0; i < m->np; i++)
		if (strcmp(m->p[i].name, name) == 0)
			return &m->p[i];
	return NULL;
}

/* ------------------------------------------------------- random weights */

int nn_params_alloc(nn_model *m, io_err *err)
{
	for (int i = 0; i < m->np; i++) {
		nn_param *p = &m->p[i];
		if (p->data)
			continue;
		p->data = calloc((size_t)p->n, sizeof *p->data);
		if (!p->data)
			return io_errf(err, IO_ENOMEM, NULL, 0,
				       "out of memory for %s (%lld floats)",
				       p->name, (long long)p->n);
	}
	return 0;
}

/* The fan-in of layer l's weights: inputs per output. */
static double fan_in(const nn_model *m, const nn_layer *l)
{
	const nn_param *w = &m->p[l->param0];
	if (l->s.kind == NN_ATTENTION || l->s.kind == NN_LINEAR)
		return (double)w->shape[1];
	/* conv OC x IC/G x k; deconv IC x OC/G x k: PyTorch takes
	 * shape[1] x k for both */
	double f = (double)w->shape[1];
	for (int d = 2; d < w->ndim; d++)
		f *= (double)w->shape[d];
	return f;
}

int nn_model_init(nn_model *m, uint64_t seed, io_err *err)
{
	int rc = nn_params_alloc(m, err);
	if (rc)
		return rc;
	m->seed = seed;
	for (int i = 0; i < m->n; i++) {
		nn_layer *l = &m->l[i];
		if (!l->n_params)
			continue;
		gsl_rng *r = sim_rng_new(seed, (uint32_t)i);
		if (!r)
			return nn_nomem(err, "random stream");
		double bound = 0;
		if (l->s.kind == NN_CONV || l->s.kind == NN_DECONV ||
		    l->s.kind == NN_LINEAR || l->s.kind == NN_ATTENTION)
			bound = 1 / sqrt(fan_in(m, l));
		for (int j = l->param0; j < l->param0 + l->n_params; j++) {
			nn_param *p = &m->p[j];
			const char *what = strrchr(p->name, '.') + 1;
			float fill = strcmp(what, "gamma") == 0 ||
						     strcmp(what, "running_var") == 0
					     ? 1.0f
					     : 0.0f;
			for (int64_t k = 0; k < p->n; k++)
				p->data[k] = bound > 0
						     ? (float)((2 * gsl_rng_uniform(r) -
								1) *
							       bound)
						     : fill;
			p->version = nn_version_next();
		}
		gsl_rng_free(r);
	}
	return 0;
}
