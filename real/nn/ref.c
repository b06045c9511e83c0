/* real/nn/ref.c — the reference backend (real/nn/backend.h): every
 * operation as the plain loops of its definition, sums in double, one
 * thread. It is the oracle the oneDNN backend is tested against, and
 * the fallback of operations oneDNN lacks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "real/nn/backend.h"

int nn_nomem(io_err *err, const char *what)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory (%s)", what);
}

static double *zeros(int64_t n)
{
	return calloc((size_t)(n > 0 ? n : 1), sizeof(double));
}

static void to_float(float *dst, const double *src, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		dst[i] = (float)src[i];
}

/* ---------------------------------------------------------- convolution */

/* The input position of output position o, kernel tap t, in dim d; -1
 * when it falls in the padding. */
static inline int64_t in_pos(const nn_conv_p *p, int d, int64_t o, int64_t t)
{
	int64_t i = o * p->stride[d] - p->pad[d] + t * p->dil[d];
	return i >= 0 && i < p->in[d] ? i : -1;
}

/* Calls body(x offset within channel, w offset within kernel) for every
 * valid tap of output position (od, oh, ow). */
#define FOR_TAPS(p, od, oh, ow, xo, wo, body)                                  \
	for (int64_t kd = 0; kd < (p)->k[0]; kd++) {                           \
		int64_t id = in_pos(p, 0, od, kd);                             \
		if (id < 0)                                                    \
			continue;                                              \
		for (int64_t kh = 0; kh < (p)->k[1]; kh++) {                   \
			int64_t ih = in_pos(p, 1, oh, kh);                     \
			if (ih < 0)                                            \
				continue;                                      \
			for (int64_t kw = 0; kw < (p)->k[2]; kw++) {           \
				int64_t iw = in_pos(p, 2, ow, kw);             \
				if (iw < 0)                                    \
					continue;                              \
				int64_t xo = (id * (p)->in[1] + ih) *          \
						     (p)->in[2] +              \
					     iw;                               \
				int64_t wo = (kd * (p)->k[1] + kh) *           \
						     (p)->k[2] +               \
					     kw;                               \
				body;                                          \
			}                                                      \
		}                                                              \
	}

#define FOR_OUT(p, od, oh, ow)                                                 \
	for (int64_t od = 0; od < (p)->out[0]; od++)                           \
		for (int64_t oh = 0; oh < (p)->out[1]; oh++)                   \
			for (int64_t ow = 0; ow < (p)->out[2]; ow++)

/* Plain (not transposed) convolution. */
static void conv_fwd_plain(const nn_conv_p *p, const float *x, const float *w,
			   const float *b, float *y, int relu)
{
	int64_t icg = p->ic / p->groups, ocg = p->oc / p->groups;
	int64_t isp = nn_sp3(p->in), osp = nn_sp3(p->out), ks = nn_sp3(p->k);
	for (int64_t n = 0; n < p->n; n++)
		for (int64_t oc = 0; oc < p->oc; oc++) {
			int64_t g = oc / ocg;
			float *yc = y + (n * p->oc + oc) * osp;
			int64_t o = 0;
			FOR_OUT(p, od, oh, ow)
			{
				double s = b ? b[oc] : 0;
				for (int64_t ci = 0; ci < icg; ci++) {
					const float *xc =
						x + (n * p->ic + g * icg + ci) *
							    isp;
					const float *wk =
						w + (oc * icg + ci) * ks;
					FOR_TAPS(p, od, oh, ow, xo, wo,
						 s += (double)xc[xo] * wk[wo]);
				}
				yc[o++] = (float)(relu && s < 0 ? 0 : s);
			}
		}
}

static int conv_bwd_data_plain(const nn_conv_p *p, const float *dy,
			       const float *w, float *dx, io_err *err)
{
	int64_t icg = p->ic / p->groups, ocg = p->oc / p->groups;
	int64_t isp = nn_sp3(p->in), osp = nn_sp3(p->out), ks = nn_sp3(p->k);
	double *acc = zeros(p->n * p->ic * isp);
	if (!acc)
		return nn_nomem(err, "conv backward");
	for (int64_t n = 0; n < p->n; n++)
		for (int64_t oc = 0; oc < p->oc; oc++) {
			int64_t g = oc / ocg;
			const float *dyc = dy + (n * p->oc + oc) * osp;
			int64_t o = 0;
			FOR_OUT(p, od, oh, ow)
			{
				double d = dyc[o++];
				for (int64_t ci = 0; ci < icg; ci++) {
					double *ac = acc + (n * p->ic + g * icg +
							    ci) * isp;
					const float *wk =
						w + (oc * icg + ci) * ks;
					FOR_TAPS(p, od, oh, ow, xo, wo,
						 ac[xo] += d * wk[wo]);
				}
			}
		}
	to_float(dx, acc, p->n * p->ic * isp);
	free(acc);
	return 0;
}

static int conv_bwd_weights_plain(const nn_conv_p *p, const float *x,
				  const float *dy, float *dw, float *db,
				  io_err *err)
{
	int64_t icg = p->ic / p->groups, ocg = p->oc / p->groups;
	int64_t isp = nn_sp3(p->in), osp = nn_sp3(p->out), ks = nn_sp3(p->k);
	double *acc = zeros(p->oc * icg * ks + p->oc);
	if (!acc)
		return nn_nomem(err, "conv backward");
	double *bacc = acc + p->oc * icg * ks;
	for (int64_t n = 0; n < p->n; n++)
		for (int64_t oc = 0; oc < p->oc; oc++) {
			int64_t g = oc / ocg;
			const float *dyc = dy + (n * p->oc + oc) * osp;
			int64_t o = 0;
			FOR_OUT(p, od, oh, ow)
			{
				double d = dyc[o++];
				bacc[oc] += d;
				for (int64_t ci = 0; ci < icg; ci++) {
					const float *xc =
						x + (n * p->ic + g * icg + ci) *
							    isp;
					double *ak = acc + (oc * icg + ci) * ks;
					FOR_TAPS(p, od, oh, ow, xo, wo,
						 ak[wo] += d * xc[xo]);
				}
			}
		}
	to_float(dw, acc, p->oc * icg * ks);
	if (db)
		to_float(db, bacc, p->oc);
	free(acc);
	return 0;
}

/* A transposed convolution t is the backward-data pass of the convolution
 * c that maps t's output to t's input, with the same weights: c's input
 * channels are t's output channels. */
static nn_conv_p as_conv(const nn_conv_p *t)
{
	nn_conv_p c = *t;
	c.transposed = 0;
	c.ic = t->oc;
	c.oc = t->ic;
	memcpy(c.in, t->out, sizeof c.in);
	memcpy(c.out, t->in, sizeof c.out);
	return c;
}

/* y[n][c][:] += b[c], then ReLU */
static void bias_relu(float *y, const float *b, int64_t n, int64_t c,
		      int64_t sp, int relu)
{
	for (int64_t i = 0; i < n * c; i++) {
		float *yc = y + i * sp;
		float add = b ? b[i % c] : 0;
		for (int64_t j = 0; j < sp; j++) {
			float v = yc[j] + add;
			yc[j] = relu && v < 0 ? 0 : v;
		}
	}
}

static int ref_conv_fwd(nn_backend *be, const nn_conv_p *p, const float *x,
			const float *w, uint64_t wver, const float *b,
			float *y, int flags, io_err *err)
{
	int relu = flags & NN_CONV_RELU; /* the layout flags: always plain */
	if (!p->transposed) {
		conv_fwd_plain(p, x, w, b, y, relu);
		return 0;
	}
	nn_conv_p c = as_conv(p);
	int rc = conv_bwd_data_plain(&c, x, w, y, err);
	if (rc == 0)
		bias_relu(y, b, p->n, p->oc, nn_sp3(p->out), relu);
	return rc;
}

static int ref_conv_bwd_data(nn_backend *be, const nn_conv_p *p,
			     const float *dy, const float *w, uint64_t wver,
			     float *dx, io_err *err)
{
	if (!p->transposed)
		return conv_bwd_data_plain(p, dy, w, dx, err);
	nn_conv_p c = as_conv(p);
	conv_fwd_plain(&c, dy, w, NULL, dx, 0);
	return 0;
}

static int ref_conv_bwd_weights(nn_backend *be, const nn_conv_p *p,
				const float *x, const float *dy, float *dw,
				float *db, io_err *err)
{
	if (!p->transposed)
		return conv_bwd_weights_plain(p, x, dy, dw, db, err);
	nn_conv_p c = as_conv(p);
	int rc = conv_bwd_weights_plain(&c, dy, x, dw, NULL, err);
	if (rc == 0 && db) {
		int64_t sp = nn_sp3(p->out);
		for (int64_t oc = 0; oc < p->oc; oc++) {
			double s = 0;
			for (int64_t n = 0; n < p->n; n++)
				for (int64_t j = 0; j < sp; j++)
					s += dy[(n * p->oc + oc) * sp + j];
			db[oc] = (float)s;
		}
	}
	return rc;
}

/* -------------------------------------------------------------- pooling */

/* The pooling window of output position o in dim d: [*lo, *hi) clipped to
 * the input; *padded_n: its length clipped to the padded input instead. */
static void window(const nn_pool_p *p, int d, int64_t o, int64_t *lo,
		   int64_t *hi)
{
	int64_t s = o * p->stride[d] - p->pad[d];
	*lo = s < 0 ? 0 : s;
	*hi = s + p->k[d] < p->in[d] ? s + p->k[d] : p->in[d];
}

/* The divisor of an average over the window at (od, oh, ow). */
static double avg_div(const nn_pool_p *p, const int64_t lo[3],
		      const int64_t hi[3])
{
	if (p->kind == NN_POOL_AVG)
		return (double)nn_sp3(p->k);
	return (double)((hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]));
}

/* Visit every output position with its window. */
#define FOR_WINDOWS(p, lo, hi, body)                                           \
	for (int64_t od = 0, o = 0; od < (p)->out[0]; od++)                    \
		for (int64_t oh = 0; oh < (p)->out[1]; oh++)                   \
			for (int64_t ow = 0; ow < (p)->out[2]; ow++, o++) {    \
				int64_t lo[3], hi[3];                          \
				window(p, 0, od, &lo[0], &hi[0]);              \
				window(p, 1, oh, &lo[1], &hi[1]);              \
				window(p, 2, ow, &lo[2], &hi[2]);              \
				body;                                          \
			}

#define FOR_IN_WINDOW(p, lo, hi, i, body)                                      \
	for (int64_t d = lo[0]; d < hi[0]; d++)                                \
		for (int64_t h = lo[1]; h < hi[1]; h++)                        \
			for (int64_t w = lo[2]; w < hi[2]; w++) {              \
				int64_t i = (d * (p)->in[1] + h) * (p)->in[2] + \
					    w;                                 \
				body;                                          \
			}

/* Index (within the channel) of the first maximum of the window. */
static int64_t argmax(const nn_pool_p *p, const float *xc, const int64_t lo[3],
		      const int64_t hi[3])
{
	int64_t best = -1;
	FOR_IN_WINDOW(p, lo, hi, i, if (best < 0 || xc[i] > xc[best]) best = i);
	return best;
}

static int ref_pool_fwd(nn_backend *be, const nn_pool_p *p, const float *x,
			float *y, nn_ws *ws, int training, io_err *err)
{
	int64_t isp = nn_sp3(p->in), osp = nn_sp3(p->out);
	for (int64_t c = 0; c < p->n * p->c; c++) {
		const float *xc = x + c * isp;
		float *yc = y + c * osp;
		FOR_WINDOWS(p, lo, hi, {
			if (p->kind == NN_POOL_MAX) {
				int64_t a = argmax(p, xc, lo, hi);
				yc[o] = a < 0 ? 0 : xc[a];
			} else {
				double s = 0;
				FOR_IN_WINDOW(p, lo, hi, i, s += xc[i]);
				yc[o] = (float)(s / avg_div(p, lo, hi));
			}
		});
	}
	return 0;
}

static int ref_pool_bwd(nn_backend *be, const nn_pool_p *p, const float *x,
			const float *dy, float *dx, nn_ws *ws, io_err *err)
{
	int64_t isp = nn_sp3(p->in), osp = nn_sp3(p->out);
	double *acc = zeros(isp);
	if (!acc)
		return nn_nomem(err, "pooling backward");
	for (int64_t c = 0; c < p->n * p->c; c++) {
		const float *xc = x + c * isp, *dyc = dy + c * osp;
		memset(acc, 0, (size_t)isp * sizeof *acc);
		FOR_WINDOWS(p, lo, hi, {
			if (p->kind == NN_POOL_MAX) {
				int64_t a = argmax(p, xc, lo, hi);
				if (a >= 0)
					acc[a] += dyc[o];
			} else {
				double g = dyc[o] / avg_div(p, lo, hi);
				FOR_IN_WINDOW(p, lo, hi, i, acc[i] += g);
			}
		});
		to_float(dx + c * isp, acc, isp);
	}
	free(acc);
	return 0;
}

/* ----------------------------------------------------------- batch norm */

static int ref_bn_fwd(nn_backend *be, const nn_bn_p *p, const float *x,
		      const float *gamma, const float *beta, float *mean,
		      float *var, float *y, int training, io_err *err)
{
	int64_t sp = nn_sp3(p->sp), m = p->n * sp;
	for (int64_t c = 0; c < p->c; c++) {
		double mu, v;
		if (training) {
			double s = 0, s2 = 0;
			for (int64_t n = 0; n < p->n; n++)
				for (int64_t j = 0; j < sp; j++)
					s += x[(n * p->c + c) * sp + j];
			mu = s / (double)m;
			for (int64_t n = 0; n < p->n; n++)
				for (int64_t j = 0; j < sp; j++) {
					double d = x[(n * p->c + c) * sp + j] -
						   mu;
					s2 += d * d;
				}
			v = s2 / (double)m;
			mean[c] = (float)mu;
			var[c] = (float)v;
		} else {
			mu = mean[c];
			v = var[c];
		}
		double rstd = 1 / sqrt(v + p->eps);
		for (int64_t n = 0; n < p->n; n++)
			for (int64_t j = 0; j < sp; j++) {
				int64_t i = (n * p->c + c) * sp + j;
				y[i] = (float)(gamma[c] * (x[i] - mu) * rstd +
					       beta[c]);
			}
	}
	return 0;
}

static int ref_bn_bwd(nn_backend *be, const nn_bn_p *p, const float *x,
		      const float *dy, const float *gamma, const float *mean,
		      const float *var, float *dx, float *dgamma,
		      float *dbeta, int global_stats, io_err *err)
{
	int64_t sp = nn_sp3(p->sp), m = p->n * sp;
	for (int64_t c = 0; c < p->c; c++) {
		double rstd = 1 / sqrt((double)var[c] + p->eps);
		double sdy = 0, sdyx = 0;
		for (int64_t n = 0; n < p->n; n++)
			for (int64_t j = 0; j < sp; j++) {
				int64_t i = (n * p->c + c) * sp + j;
				sdy += dy[i];
				sdyx += dy[i] * (x[i] - mean[c]) * rstd;
			}
		dgamma[c] = (float)sdyx;
		dbeta[c] = (float)sdy;
		for (int64_t n = 0; n < p->n; n++)
			for (int64_t j = 0; j < sp; j++) {
				int64_t i = (n * p->c + c) * sp + j;
				double g = gamma[c] * rstd;
				if (global_stats) {
					dx[i] = (float)(g * dy[i]);
					continue;
				}
				double xh = (x[i] - mean[c]) * rstd;
				dx[i] = (float)(g * (dy[i] - sdy / (double)m -
						     xh * sdyx / (double)m));
			}
	}
	return 0;
}

/* ----------------------------------------------------------- layer norm */

static int ref_ln_fwd(nn_backend *be, int64_t rows, int64_t cols, float eps,
		      const float *x, const float *gamma, const float *beta,
		      float *mean, float *var, float *y, io_err *err)
{
	for (int64_t r = 0; r < rows; r++) {
		const float *xr = x + r * cols;
		double s = 0, s2 = 0;
		for (int64_t j = 0; j < cols; j++)
			s += xr[j];
		double mu = s / (double)cols;
		for (int64_t j = 0; j < cols; j++)
			s2 += (xr[j] - mu) * (xr[j] - mu);
		double v = s2 / (double)cols, rstd = 1 / sqrt(v + eps);
		mean[r] = (float)mu;
		var[r] = (float)v;
		for (int64_t j = 0; j < cols; j++)
			y[r * cols + j] = (float)(gamma[j] * (xr[j] - mu) * rstd +
						  beta[j]);
	}
	return 0;
}

static int ref_ln_bwd(nn_backend *be, int64_t rows, int64_t cols, float eps,
		      const float *x, const float *dy, const float *gamma,
		      const float *mean, const float *var, float *dx,
		      float *dgamma, float *dbeta, io_err *err)
{
	double *acc = zeros(2 * cols);
	if (!acc)
		return nn_nomem(err, "layer norm backward");
	for (int64_t r = 0; r < rows; r++) {
		const float *xr = x + r * cols, *dyr = dy + r * cols;
		double rstd = 1 / sqrt((double)var[r] + eps), s = 0, sx = 0;
		for (int64_t j = 0; j < cols; j++) {
			double xh = (xr[j] - mean[r]) * rstd;
			double g = (double)dyr[j] * gamma[j];
			s += g;
			sx += g * xh;
			acc[j] += dyr[j] * xh;
			acc[cols + j] += dyr[j];
		}
		for (int64_t j = 0; j < cols; j++) {
			double xh = (xr[j] - mean[r]) * rstd;
			double g = (double)dyr[j] * gamma[j];
			dx[r * cols + j] = (float)(rstd * (g - s / (double)cols -
							   xh * sx / (double)cols));
		}
	}
	to_float(dgamma, acc, cols);
	to_float(dbeta, acc + cols, cols);
	free(acc);
	return 0;
}

/* ---------------------------------------------------------- activations */

static double act(nn_act_kind kind, double alpha, double x)
{
	switch (kind) {
	case NN_ACT_RELU:
		return x > 0 ? x : 0;
	case NN_ACT_LEAKY_RELU:
		return x > 0 ? x : alpha * x;
	case NN_ACT_GELU:
		return 0.5 * x * (1 + erf(x * M_SQRT1_2));
	case NN_ACT_SIGMOID:
		return 1 / (1 + exp(-x));
	case NN_ACT_TANH:
		return tanh(x);
	}
	return x;
}

/* d act / dx at x */
static double act_grad(nn_act_kind kind, double alpha, double x)
{
	switch (kind) {
	case NN_ACT_RELU:
		return x > 0 ? 1 : 0;
	case NN_ACT_LEAKY_RELU:
		return x > 0 ? 1 : alpha;
	case NN_ACT_GELU:
		return 0.5 * (1 + erf(x * M_SQRT1_2)) +
		       x * exp(-0.5 * x * x) * 0.5 * M_2_SQRTPI * M_SQRT1_2;
	case NN_ACT_SIGMOID: {
		double s = 1 / (1 + exp(-x));
		return s * (1 - s);
	}
	case NN_ACT_TANH: {
		double t = tanh(x);
		return 1 - t * t;
	}
	}
	return 1;
}

static int ref_act_fwd(nn_backend *be, nn_act_kind kind, float alpha,
		       int64_t n, const float *x, float *y, io_err *err)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = (float)act(kind, alpha, x[i]);
	return 0;
}

static int ref_act_bwd(nn_backend *be, nn_act_kind kind, float alpha,
		       int64_t n, const float *x, const float *dy, float *dx,
		       io_err *err)
{
	for (int64_t i = 0; i < n; i++)
		dx[i] = (float)(dy[i] * act_grad(kind, alpha, x[i]));
	return 0;
}

/* ------------------------------------------------------- matrix product */

static int ref_gemm(nn_backend *be, const nn_gemm_p *p, const float *a,
		    const float *b, const float *bias, float *c, io_err *err)
{
	for (int64_t t = 0; t < p->batch; t++) {
		const float *at = a + t * p->m * p->k;
		const float *bt = p->b_shared ? b : b + t * p->k * p->n;
		float *ct = c + t * p->m * p->n;
		for (int64_t i = 0; i < p->m; i++)
			for (int64_t j = 0; j < p->n; j++) {
				double s = bias ? bias[j] : 0;
				for (int64_t l = 0; l < p->k; l++) {
					float av = p->trans_a ? at[l * p->m + i]
							      : at[i * p->k + l];
					float bv = p->trans_b ? bt[j * p->k + l]
							      : bt[l * p->n + j];
					s += (double)av * bv;
				}
				if (p->accumulate)
					s += ct[i * p->n + j];
				ct[i * p->n + j] = (float)s;
			}
	}
	return 0;
}

/* -------------------------------------------------------------- softmax */

static int ref_softmax_fwd(nn_backend *be, int64_t rows, int64_t cols,
			   const float *x, float *y, io_err *err)
{
	for (int64_t r = 0; r < rows; r++) {
		const float *xr = x + r * cols;
		float *yr = y + r * cols;
		double mx = xr[0], s = 0;
		for (int64_t j = 1; j < cols; j++)
			mx = xr[j] > mx ? xr[j] : mx;
		for (int64_t j = 0; j < cols; j++)
			s += exp(xr[j] - mx);
		for (int64_t j = 0; j < cols; j++)
			yr[j] = (float)(exp(xr[j] - mx) / s);
	}
	return 0;
}

static int ref_softmax_bwd(nn_backend *be, int64_t rows, int64_t cols,
			   const float *y, const float *dy, float *dx,
			   io_err *err)
{
	for (int64_t r = 0; r < rows; r++) {
		const float *yr = y + r * cols, *dyr = dy + r * cols;
		double s = 0;
		for (int64_t j = 0; j < cols; j++)
			s += (double)yr[j] * dyr[j];
		for (int64_t j = 0; j < cols; j++)
			dx[r * cols + j] = (float)(yr[j] * (dyr[j] - s));
	}
	return 0;
}

/* ------------------------------------------------------------- upsample */

/* The source taps of output index o in dim d: up to 2 indices and their
 * weights; returns how many. */
static int up_taps(const nn_up_p *p, int d, int64_t o, int64_t idx[2],
		   double wt[2])
{
	int64_t f = p->out[d] / p->in[d];
	if (p->kind == NN_UP_NEAREST || f == 1) {
		idx[0] = o / f;
		wt[0] = 1;
		return 1;
	}
	double src = ((double)o + 0.5) / (double)f - 0.5;
	double lo = floor(src);
	int64_t i0 = (int64_t)lo, i1 = i0 + 1;
	idx[0] = i0 < 0 ? 0 : i0;
	idx[1] = i1 > p->in[d] - 1 ? p->in[d] - 1 : i1;
	wt[1] = src - lo;
	wt[0] = 1 - wt[1];
	return 2;
}

/* For every output position o and every source tap (i, weight w). */
#define FOR_UP(p, body)                                                        \
	for (int64_t od = 0, o = 0; od < (p)->out[0]; od++) {                  \
		int64_t xd[2], xh[2], xw[2];                                   \
		double wd[2], wh[2], ww[2];                                    \
		int nd_ = up_taps(p, 0, od, xd, wd);                           \
		for (int64_t oh = 0; oh < (p)->out[1]; oh++) {                 \
			int nh_ = up_taps(p, 1, oh, xh, wh);                   \
			for (int64_t ow = 0; ow < (p)->out[2]; ow++, o++) {    \
				int nw_ = up_taps(p, 2, ow, xw, ww);           \
				for (int a = 0; a < nd_; a++)                  \
					for (int b = 0; b < nh_; b++)          \
						for (int e = 0; e < nw_; e++) { \
							int64_t i =            \
								(xd[a] * (p)->in[1] + \
								 xh[b]) * (p)->in[2] + \
								xw[e];         \
							double w = wd[a] * wh[b] * \
								   ww[e];      \
							body;                  \
						}                              \
			}                                              \
		}                                                      \
	}

static int ref_up_fwd(nn_backend *be, const nn_up_p *p, const float *x,
		      float *y, io_err *err)
{
	int64_t isp = nn_sp3(p->in), osp = nn_sp3(p->out);
	for (int64_t c = 0; c < p->n * p->c; c++) {
		const float *xc = x + c * isp;
		float *yc = y + c * osp;
		double s = 0;
		int64_t last = 0;
		/* o only grows: each output's taps are summed then stored */
		FOR_UP(p, {
			if (o != last) {
				yc[last] = (float)s;
				s = 0;
				last = o;
			}
			s += w * xc[i];
		});
		yc[last] = (float)s;
	}
	return 0;
}

static int ref_up_bwd(nn_backend *be, const nn_up_p *p, const float *dy,
		      float *dx, io_err *err)
{
	int64_t isp = nn_sp3(p->in), osp = nn_sp3(p->out);
	double *acc = zeros(isp);
	if (!acc)
		return nn_nomem(err, "upsample backward");
	for (int64_t c = 0; c < p->n * p->c; c++) {
		const float *dyc = dy + c * osp;
		memset(acc, 0, (size_t)isp * sizeof *acc);
		FOR_UP(p, acc[i] += w * dyc[o]);
		to_float(dx + c * isp, acc, isp);
	}
	free(acc);
	return 0;
}

/* ------------------------------------------------------------- backend */

static void ref_free(nn_backend *be)
{
	free(be);
}

const nn_backend_ops nn_ref_ops = {
	.conv_fwd = ref_conv_fwd,
	.conv_bwd_data = ref_conv_bwd_data,
	.conv_bwd_weights = ref_conv_bwd_weights,
	.pool_fwd = ref_pool_fwd,
	.pool_bwd = ref_pool_bwd,
	.bn_fwd = ref_bn_fwd,
	.bn_bwd = ref_bn_bwd,
	.ln_fwd = ref_ln_fwd,
	.ln_bwd = ref_ln_bwd,
	.act_fwd = ref_act_fwd,
	.act_bwd = ref_act_bwd,
	.gemm = ref_gemm,
	.softmax_fwd = ref_softmax_fwd,
	.softmax_bwd = ref_softmax_bwd,
	.up_fwd = ref_up_fwd,
	.up_bwd = ref_up_bwd,
	.free = ref_free,
};

int nn_ref_new(nn_backend **out, io_err *err)
{
	nn_backend *be = calloc(1, sizeof *be);
	if (!be)
		return nn_nomem(err, "backend");
	be->ops = &nn_ref_ops;
	be->name = "ref";
	*out = be;
	return 0;
}
