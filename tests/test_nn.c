/* tests/test_nn.c — the NN engine (real/nn/): every layer's forward and
 * backward pass on the oneDNN backend against the reference loops,
 * finite-difference gradient checks of the reference backward passes,
 * dropout's mask, tiny networks that learn separable problems with SGD
 * and Adam, the model file's errors (file, line, layer) and limits, the
 * per-layer figures, and the weights file's round trip and errors.
 * Shapes are tiny: CI runs this suite three times, twice under
 * sanitizers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "real/nn/nn.h"
#include "sim/base/rng.h"
#include "tests/tests.h"

/* ------------------------------------------------------------ helpers */

static nn_model *parse_ok(const char *text)
{
	nn_model *m = NULL;
	io_err err = {0};
	int rc = nn_model_parse(&m, "nn.json", text, strlen(text), &err);
	if (rc)
		ck_abort_msg("model did not load: %s\n%s", err.msg, text);
	return m;
}

/* {"layers": [LAYERS]} in a static buffer */
static const char *model_text(const char *layers)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "{\"name\": \"t\", \"layers\": [%s]}", layers);
	return buf;
}

/* Uniform in [-1, 1) from (seed, i). */
static double unif(uint64_t seed, uint64_t i)
{
	uint64_t h = sim_splitmix64(sim_splitmix64(seed) + i);
	return (double)(h >> 11) * 0x1.0p-52 - 1;
}

/* n distinct values, |x| in [0.1, 1], gaps >= 0.9/n: no two inputs of a
 * max or a ReLU cross within a finite-difference step. */
static void fill_distinct(float *x, int64_t n, uint64_t seed)
{
	int64_t *perm = malloc((size_t)n * sizeof *perm);
	ck_assert_ptr_nonnull(perm);
	for (int64_t i = 0; i < n; i++)
		perm[i] = i;
	for (int64_t i = n - 1; i > 0; i--) {
		int64_t j = (int64_t)((unif(seed, (uint64_t)i) + 1) / 2 *
				      (double)(i + 1));
		j = j > i ? i : j;
		int64_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (int64_t i = 0; i < n; i++) {
		double mag = 0.1 + 0.9 * (double)perm[i] / (double)n;
		x[i] = (float)(unif(seed ^ 0x55, (uint64_t)i) < 0 ? -mag : mag);
	}
	free(perm);
}

static nn_backend *backend(const char *name)
{
	nn_backend *be = NULL;
	io_err err = {0};
	if (nn_backend_new(&be, name, 1, &err))
		ck_abort_msg("backend %s: %s", name, err.msg);
	return be;
}

static void ok(int rc, const io_err *err)
{
	if (rc)
		ck_abort_msg("%s", err->msg);
}

enum { BATCH = 3, SEED = 7 };

/* A model of text on backend be, weights from SEED, inputs distinct,
 * prepared with flags. */
static nn_model *setup_flags(const char *text, nn_backend *be, int flags)
{
	nn_model *m = parse_ok(text);
	io_err err = {0};
	ok(nn_model_init(m, SEED, &err), &err);
	/* norms' scale and shift away from 1 and 0, so their gradients
	 * matter */
	for (int i = 0; i < nn_model_n_params(m); i++) {
		nn_param *p = nn_model_param(m, i);
		const char *w = strrchr(p->name, '.') + 1;
		if (strcmp(w, "gamma") && strcmp(w, "beta") &&
		    strcmp(w, "running_mean") && strcmp(w, "running_var"))
			continue;
		for (int64_t k = 0; k < p->n; k++)
			p->data[k] = (float)(strcmp(w, "running_var") == 0
						     ? 0.5 + 0.4 * (unif(9, (uint64_t)k) + 1)
						     : unif((uint64_t)i, (uint64_t)k));
		p->version++;
	}
	ok(nn_model_prepare(m, be, BATCH, flags, &err), &err);
	for (int k = 0; k < nn_model_n_inputs(m); k++)
		fill_distinct(nn_model_input(m, k),
			      BATCH * nn_model_input_elems(m, k), 100 + k);
	return m;
}

/* The same, prepared for training with input gradients. */
static nn_model *setup(const char *text, nn_backend *be)
{
	return setup_flags(text, be, NN_TRAIN | NN_INPUT_GRAD);
}

/* L = sum(out * R), R from seed 3, in double. */
static double loss_of(nn_model *m, int training)
{
	io_err err = {0};
	ok(nn_model_forward(m, training, &err), &err);
	const float *y = nn_model_output(m, NULL, NULL);
	int64_t n = BATCH * nn_model_output_elems(m);
	double s = 0;
	for (int64_t i = 0; i < n; i++)
		s += (double)y[i] * unif(3, (uint64_t)i);
	return s;
}

static void forward_backward(nn_model *m, int training)
{
	io_err err = {0};
	loss_of(m, training);
	float *g = nn_model_output_grad(m);
	int64_t n = BATCH * nn_model_output_elems(m);
	for (int64_t i = 0; i < n; i++)
		g[i] = (float)unif(3, (uint64_t)i);
	ok(nn_model_backward(m, &err), &err);
}

/* max |a - b| / max |b| (b the reference) */
static double rel_err(const float *a, const float *b, int64_t n)
{
	double d = 0, mx = 0;
	for (int64_t i = 0; i < n; i++) {
		d = fmax(d, fabs((double)a[i] - b[i]));
		mx = fmax(mx, fabs((double)b[i]));
	}
	return mx > 0 ? d / mx : d;
}

/* --------------------------------------- every layer: dnnl against ref */

typedef struct nn_case {
	const char *what;
	const char *layers;
	int training; /* forward mode (batch norm: batch statistics) */
	int fd;       /* finite-difference check on ref */
} nn_case;

#define IN2(c, h, w) "{\"type\": \"input\", \"shape\": [" #c ", " #h ", " #w "]}"

static const nn_case cases[] = {
	{"conv2d", IN2(3, 6, 6) ", {\"type\": \"conv\", \"out\": 4, \"kernel\": 3, \"pad\": 1}", 1, 1},
	{"conv2d strided dilated",
	 IN2(2, 7, 7) ", {\"type\": \"conv\", \"out\": 3, \"kernel\": 3, \"stride\": 2, \"dilation\": 2, \"pad\": 2}", 1, 1},
	{"conv2d grouped, rectangular kernel",
	 IN2(4, 5, 6) ", {\"type\": \"conv\", \"out\": 6, \"groups\": 2, \"kernel\": [3, 2], \"pad\": [1, 0]}", 1, 1},
	{"conv2d depthwise",
	 IN2(4, 5, 5) ", {\"type\": \"conv\", \"out\": 4, \"groups\": 4, \"kernel\": 3, \"pad\": 1, \"bias\": false}", 1, 1},
	{"conv1d",
	 "{\"type\": \"input\", \"shape\": [3, 10]}, {\"type\": \"conv\", \"out\": 4, \"kernel\": 3, \"stride\": 2}", 1, 1},
	{"conv3d",
	 "{\"type\": \"input\", \"shape\": [2, 4, 5, 5]}, {\"type\": \"conv\", \"out\": 3, \"kernel\": 3, \"pad\": 1, \"stride\": [1, 2, 2]}", 1, 1},
	{"conv2d + fused relu flag",
	 IN2(3, 6, 6) ", {\"type\": \"conv\", \"out\": 4, \"kernel\": 3, \"pad\": 1, \"relu\": true}, {\"type\": \"linear\", \"out\": 3}", 1, 0},
	{"conv2d then relu layer (fused by prepare)",
	 IN2(3, 6, 6) ", {\"type\": \"conv\", \"out\": 4, \"kernel\": 3}, {\"type\": \"relu\"}, {\"type\": \"global_avgpool\"}", 1, 0},
	{"deconv2d output_padding",
	 IN2(3, 4, 4) ", {\"type\": \"deconv\", \"out\": 2, \"kernel\": 3, \"stride\": 2, \"pad\": 1, \"output_padding\": 1}", 1, 1},
	{"deconv2d grouped",
	 IN2(4, 3, 3) ", {\"type\": \"deconv\", \"out\": 4, \"groups\": 2, \"kernel\": 4, \"stride\": 2, \"pad\": 1}", 1, 1},
	{"deconv3d",
	 "{\"type\": \"input\", \"shape\": [2, 2, 3, 3]}, {\"type\": \"deconv\", \"out\": 2, \"kernel\": 2, \"stride\": 2}", 1, 1},
	{"maxpool2d padded", IN2(2, 5, 5) ", {\"type\": \"maxpool\", \"kernel\": 3, \"stride\": 2, \"pad\": 1}", 1, 1},
	{"maxpool1d", "{\"type\": \"input\", \"shape\": [2, 9]}, {\"type\": \"maxpool\", \"kernel\": 2}", 1, 1},
	{"maxpool3d", "{\"type\": \"input\", \"shape\": [2, 4, 4, 4]}, {\"type\": \"maxpool\", \"kernel\": 2}", 1, 1},
	{"avgpool2d", IN2(2, 6, 6) ", {\"type\": \"avgpool\", \"kernel\": 2}", 1, 1},
	{"avgpool2d padding counted",
	 IN2(2, 5, 5) ", {\"type\": \"avgpool\", \"kernel\": 3, \"stride\": 1, \"pad\": 1}", 1, 1},
	{"avgpool2d padding not counted",
	 IN2(2, 5, 5) ", {\"type\": \"avgpool\", \"kernel\": 3, \"stride\": 2, \"pad\": 1, \"count_pad\": false}", 1, 1},
	{"global_avgpool", IN2(3, 4, 4) ", {\"type\": \"global_avgpool\"}", 1, 1},
	{"global_maxpool", IN2(3, 4, 4) ", {\"type\": \"global_maxpool\"}", 1, 1},
	{"batchnorm2d training", IN2(3, 4, 4) ", {\"type\": \"batchnorm\"}", 1, 1},
	{"batchnorm2d inference", IN2(3, 4, 4) ", {\"type\": \"batchnorm\", \"eps\": 0.001}", 0, 1},
	{"batchnorm on N x C", "{\"type\": \"input\", \"shape\": [5]}, {\"type\": \"batchnorm\"}", 1, 1},
	{"layernorm", "{\"type\": \"input\", \"shape\": [3, 8]}, {\"type\": \"layernorm\"}", 1, 1},
	{"relu", IN2(2, 3, 4) ", {\"type\": \"relu\"}", 1, 1},
	{"leaky_relu", IN2(2, 3, 4) ", {\"type\": \"leaky_relu\", \"alpha\": 0.1}", 1, 1},
	{"gelu", IN2(2, 3, 4) ", {\"type\": \"gelu\"}", 1, 1},
	{"sigmoid", IN2(2, 3, 4) ", {\"type\": \"sigmoid\"}", 1, 1},
	{"tanh", IN2(2, 3, 4) ", {\"type\": \"tanh\"}", 1, 1},
	{"linear", "{\"type\": \"input\", \"shape\": [5]}, {\"type\": \"linear\", \"out\": 4}", 1, 1},
	{"linear on rows, no bias",
	 "{\"type\": \"input\", \"shape\": [3, 5]}, {\"type\": \"linear\", \"out\": 4, \"bias\": false}", 1, 1},
	{"matmul batched",
	 "{\"type\": \"input\", \"shape\": [2, 3, 4]}, {\"type\": \"input\", \"shape\": [2, 4, 5]}, {\"type\": \"matmul\", \"inputs\": [0, 1]}", 1, 1},
	{"matmul second transposed",
	 "{\"type\": \"input\", \"shape\": [2, 3, 4]}, {\"type\": \"input\", \"shape\": [2, 5, 4]}, {\"type\": \"matmul\", \"inputs\": [0, 1], \"transpose_b\": true}", 1, 1},
	{"matmul of a tensor with itself",
	 "{\"type\": \"input\", \"shape\": [3, 3]}, {\"type\": \"matmul\", \"inputs\": [0, 0]}", 1, 1},
	{"attention", "{\"type\": \"input\", \"shape\": [4, 8]}, {\"type\": \"attention\", \"heads\": 2}", 1, 1},
	{"softmax", "{\"type\": \"input\", \"shape\": [3, 5]}, {\"type\": \"softmax\"}", 1, 1},
	{"concat channels",
	 IN2(2, 3, 3) ", " IN2(4, 3, 3) ", {\"type\": \"concat\", \"inputs\": [0, 1]}", 1, 1},
	{"concat last axis, a tensor twice",
	 "{\"type\": \"input\", \"shape\": [2, 3]}, {\"type\": \"input\", \"shape\": [2, 4]}, {\"type\": \"concat\", \"inputs\": [0, 1, 0], \"axis\": 1}", 1, 1},
	{"add, a residual branch",
	 IN2(2, 4, 4) ", {\"type\": \"conv\", \"out\": 2, \"kernel\": 3, \"pad\": 1}, {\"type\": \"add\", \"inputs\": [0, 1]}", 1, 1},
	{"upsample nearest", IN2(2, 3, 3) ", {\"type\": \"upsample\", \"scale\": 2}", 1, 1},
	{"upsample bilinear", IN2(2, 3, 4) ", {\"type\": \"upsample\", \"scale\": [2, 3], \"mode\": \"bilinear\"}", 1, 1},
	{"upsample linear 1D", "{\"type\": \"input\", \"shape\": [2, 5]}, {\"type\": \"upsample\", \"scale\": 3, \"mode\": \"bilinear\"}", 1, 1},
	{"upsample trilinear", "{\"type\": \"input\", \"shape\": [1, 2, 3, 3]}, {\"type\": \"upsample\", \"scale\": 2, \"mode\": \"bilinear\"}", 1, 1},
	{"flatten, reshape, transpose",
	 IN2(2, 3, 4) ", {\"type\": \"flatten\"}, {\"type\": \"reshape\", \"shape\": [4, -1]}, {\"type\": \"transpose\"}, {\"type\": \"linear\", \"out\": 3}", 1, 1},
	{"dropout (forward)", IN2(2, 3, 4) ", {\"type\": \"dropout\", \"p\": 0.3}", 1, 0},
};

/* Gather the gradients to compare: inputs', then every trainable
 * parameter's. */
static int grads_of(nn_model *m, const float **g, int64_t *n, int cap)
{
	int k = 0;
	for (int i = 0; i < nn_model_n_inputs(m) && k < cap; i++, k++) {
		g[k] = nn_model_input_grad(m, i);
		n[k] = BATCH * nn_model_input_elems(m, i);
	}
	for (int i = 0; i < nn_model_n_params(m) && k < cap; i++) {
		nn_param *p = nn_model_param(m, i);
		if (!p->trainable)
			continue;
		g[k] = p->grad;
		n[k++] = p->n;
	}
	return k;
}

START_TEST(test_dnnl_matches_ref)
{
	const nn_case *c = &cases[_i];
	nn_backend *ref = backend("ref"), *dn = backend("dnnl");
	nn_model *a = setup(model_text(c->layers), dn);
	nn_model *b = setup(model_text(c->layers), ref);
	forward_backward(a, c->training);
	forward_backward(b, c->training);
	int64_t n = BATCH * nn_model_output_elems(a);
	double e = rel_err(nn_model_output(a, NULL, NULL),
			   nn_model_output(b, NULL, NULL), n);
	ck_assert_msg(e <= 1e-4, "%s: forward relative error %g", c->what, e);
	const float *ga[32], *gb[32];
	int64_t na[32], nb[32];
	int k = grads_of(a, ga, na, 32);
	ck_assert_int_eq(grads_of(b, gb, nb, 32), k);
	for (int i = 0; i < k; i++) {
		ck_assert_ptr_nonnull(ga[i]);
		e = rel_err(ga[i], gb[i], na[i]);
		ck_assert_msg(e <= 1e-4, "%s: gradient %d relative error %g",
			      c->what, i, e);
	}
	/* a second pass reuses the cached primitives: same results */
	forward_backward(a, c->training);
	forward_backward(b, c->training);
	e = rel_err(nn_model_output(a, NULL, NULL),
		    nn_model_output(b, NULL, NULL), n);
	ck_assert_msg(e <= 1e-4, "%s: second forward relative error %g",
		      c->what, e);
	nn_model_free(a);
	nn_model_free(b);
	nn_backend_free(ref);
	nn_backend_free(dn);
}
END_TEST

/* ------------------------------------------ finite differences on ref */

/* Central difference of loss_of at *x, step h. */
static double fd_at(nn_model *m, int training, float *x, uint64_t *version,
		    double h)
{
	float keep = *x;
	*x = (float)(keep + h);
	if (version)
		(*version)++;
	double up = loss_of(m, training);
	*x = (float)(keep - h);
	if (version)
		(*version)++;
	double down = loss_of(m, training);
	*x = keep;
	if (version)
		(*version)++;
	return (up - down) / (2 * h);
}

/* Compare analytic g[0..n) with finite differences at up to 12 spread
 * elements of x. */
static void fd_check(const char *what, nn_model *m, int training, float *x,
		     uint64_t *version, const float *g, int64_t n)
{
	const double h = 1e-3;
	double gmax = 0;
	for (int64_t i = 0; i < n; i++)
		gmax = fmax(gmax, fabs((double)g[i]));
	int64_t step = n > 12 ? n / 12 : 1;
	for (int64_t i = 0; i < n; i += step) {
		double fd = fd_at(m, training, x + i, version, h);
		double tol = 1e-2 * (fabs((double)g[i]) + 0.1 * gmax) + 1e-4;
		ck_assert_msg(fabs(fd - g[i]) <= tol,
			      "%s: element %lld: analytic %g, finite "
			      "difference %g",
			      what, (long long)i, (double)g[i], fd);
	}
}

START_TEST(test_gradients_by_finite_differences)
{
	const nn_case *c = &cases[_i];
	if (!c->fd)
		return;
	nn_backend *ref = backend("ref");
	nn_model *m = setup(model_text(c->layers), ref);
	forward_backward(m, c->training);
	for (int k = 0; k < nn_model_n_inputs(m); k++) {
		int64_t n = BATCH * nn_model_input_elems(m, k);
		float *g = malloc((size_t)n * sizeof *g);
		memcpy(g, nn_model_input_grad(m, k), (size_t)n * sizeof *g);
		char what[160];
		snprintf(what, sizeof what, "%s: input %d", c->what, k);
		fd_check(what, m, c->training, nn_model_input(m, k), NULL, g, n);
		free(g);
	}
	for (int i = 0; i < nn_model_n_params(m); i++) {
		nn_param *p = nn_model_param(m, i);
		if (!p->trainable)
			continue;
		float *g = malloc((size_t)p->n * sizeof *g);
		memcpy(g, p->grad, (size_t)p->n * sizeof *g);
		char what[200];
		snprintf(what, sizeof what, "%s: %s", c->what, p->name);
		fd_check(what, m, c->training, p->data, &p->version, g, p->n);
		free(g);
	}
	nn_model_free(m);
	nn_backend_free(ref);
}
END_TEST

/* Dropout: kept elements scaled by 1/(1-p), about p dropped, the
 * backward pass uses the forward pass's mask, inference is identity. */
START_TEST(test_dropout_mask)
{
	nn_backend *be = backend("dnnl");
	nn_model *m = setup(model_text("{\"type\": \"input\", \"shape\": [4000]},"
				       " {\"type\": \"dropout\", \"p\": 0.25}"),
			    be);
	io_err err = {0};
	forward_backward(m, 1);
	const float *x = nn_model_input(m, 0), *y = nn_model_output(m, NULL, NULL);
	const float *gx = nn_model_input_grad(m, 0);
	int64_t n = BATCH * 4000, dropped = 0;
	for (int64_t i = 0; i < n; i++) {
		if (y[i] == 0) {
			dropped++;
			tck_assert(gx[i] == 0);
		} else {
			ck_assert_float_eq_tol(y[i], x[i] / 0.75f, 1e-6);
			ck_assert_float_eq_tol(gx[i], (float)unif(3, (uint64_t)i) / 0.75f,
					       1e-6);
		}
	}
	/* binomial(12000, 0.25): sd 47 */
	ck_assert_msg(llabs(dropped - n / 4) < 250, "dropped %lld of %lld",
		      (long long)dropped, (long long)n);
	/* another pass draws another mask */
	int differs = 0;
	float *keep = malloc((size_t)n * sizeof *keep);
	memcpy(keep, y, (size_t)n * sizeof *keep);
	ok(nn_model_forward(m, 1, &err), &err);
	for (int64_t i = 0; i < n; i++)
		differs += (keep[i] == 0) != (y[i] == 0);
	ck_assert_int_gt(differs, 100);
	ok(nn_model_forward(m, 0, &err), &err);
	ck_assert_int_eq(memcmp(x, y, (size_t)n * sizeof *x), 0);
	free(keep);
	nn_model_free(m);
	nn_backend_free(be);
}
END_TEST

/* A conv read only by a ReLU is fused with it (oneDNN post-op): the
 * output must be the ReLU of the same conv alone, on both backends. */
START_TEST(test_conv_relu_fusion)
{
	const char *names[2] = {"dnnl", "ref"};
	for (int b = 0; b < 2; b++) {
		nn_backend *be = backend(names[b]);
		nn_model *fused = setup(model_text(IN2(3, 6, 6) ", {\"type\": "
						   "\"conv\", \"out\": 4, \"kernel\": 3},"
						   " {\"type\": \"relu\"}"),
					be);
		nn_model *plain = setup(model_text(IN2(3, 6, 6) ", {\"type\": "
						   "\"conv\", \"out\": 4, \"kernel\": 3}"),
					be);
		io_err err = {0};
		ok(nn_model_forward(fused, 0, &err), &err);
		ok(nn_model_forward(plain, 0, &err), &err);
		const float *y = nn_model_output(fused, NULL, NULL);
		const float *z = nn_model_output(plain, NULL, NULL);
		int64_t n = BATCH * nn_model_output_elems(plain), neg = 0;
		for (int64_t i = 0; i < n; i++) {
			neg += z[i] < 0;
			ck_assert_float_eq(y[i], z[i] > 0 ? z[i] : 0);
		}
		ck_assert_int_gt(neg, n / 4); /* the ReLU did something */
		nn_model_free(fused);
		nn_model_free(plain);
		nn_backend_free(be);
	}
}
END_TEST

/* A small ResNet block prepared for inference folds its batch norms into
 * the convs (conv -> bn -> relu; conv -> bn -> add): on both backends its
 * output equals the unfolded model's (prepared for training) on ref, in
 * inference mode, after a norm's scale changes (refolded), and in
 * training mode (the aliased norm and ReLU then run in place), whose
 * moved running averages the next inference pass must see. */
START_TEST(test_batchnorm_folding)
{
	const char *block = model_text(
		IN2(3, 6, 6) ", {\"type\": \"conv\", \"out\": 4, \"kernel\": 3, "
		"\"pad\": 1}, {\"name\": \"bn1\", \"type\": \"batchnorm\"}, "
		"{\"type\": \"relu\"}, {\"type\": \"conv\", \"out\": 4, "
		"\"kernel\": 1, \"bias\": false}, {\"type\": \"batchnorm\"}, "
		"{\"type\": \"conv\", \"input\": 0, \"out\": 4, \"kernel\": 1}, "
		"{\"type\": \"add\", \"inputs\": [5, 6]}, {\"type\": \"relu\"}");
	const char *names[2] = {"dnnl", "ref"};
	nn_backend *rbe = backend("ref");
	for (int b = 0; b < 2; b++) {
		nn_backend *be = backend(names[b]);
		nn_model *plain = setup(block, rbe);
		nn_model *fold = setup_flags(block, be, 0);
		int64_t n = BATCH * nn_model_output_elems(plain);
		for (int round = 0; round < 4; round++) {
			int training = round == 2;
			if (round == 1) /* a new scale: refold */
				for (int k = 0; k < 2; k++) {
					nn_model *mm = k ? plain : fold;
					nn_param *g = nn_model_param_by_name(
						mm, "bn1.gamma");
					g->data[1] *= -3;
					g->data[2] += 0.5f;
					g->version++;
				}
			io_err err = {0};
			ok(nn_model_forward(fold, training, &err), &err);
			ok(nn_model_forward(plain, training, &err), &err);
			double e = rel_err(nn_model_output(fold, NULL, NULL),
					   nn_model_output(plain, NULL, NULL), n);
			if (e > 1e-5)
				ck_abort_msg("%s, round %d: folded vs plain "
					     "relative error %g",
					     names[b], round, e);
		}
		nn_model_free(fold);
		nn_model_free(plain);
		nn_backend_free(be);
	}
	nn_backend_free(rbe);
}
END_TEST

/* A backend kept across models: the second model's weights may be
 * allocated where the first's were; its output must still be its own
 * (the backend's copies of weights are keyed by address and version, and
 * versions are never reused), equal to the reference backend's. */
START_TEST(test_backend_reused_across_models)
{
	const char *text = model_text(IN2(8, 10, 10) ", {\"type\": \"conv\", \"out\": 16,"
				      " \"kernel\": 3, \"pad\": 1}, {\"type\": \"conv\","
				      " \"out\": 8, \"kernel\": 1}, {\"type\": \"global_avgpool\"}");
	nn_backend *dn = backend("dnnl"), *rf = backend("ref");
	for (int round = 0; round < 3; round++) {
		nn_model *a = parse_ok(text), *b = parse_ok(text);
		io_err err = {0};
		ok(nn_model_init(a, 100 + (uint64_t)round, &err), &err);
		ok(nn_model_init(b, 100 + (uint64_t)round, &err), &err);
		ok(nn_model_prepare(a, dn, 2, 0, &err), &err);
		ok(nn_model_prepare(b, rf, 2, 0, &err), &err);
		for (int64_t i = 0; i < 2 * nn_model_input_elems(a, 0); i++)
			nn_model_input(a, 0)[i] = nn_model_input(b, 0)[i] =
				(float)unif(5, (uint64_t)i);
		ok(nn_model_forward(a, 0, &err), &err);
		ok(nn_model_forward(b, 0, &err), &err);
		double e = rel_err(nn_model_output(a, NULL, NULL), nn_model_output(b, NULL, NULL),
				   2 * nn_model_output_elems(b));
		ck_assert_msg(e < 1e-4, "model %d: dnnl vs ref relative error %g", round, e);
		nn_model_free(a);
		nn_model_free(b);
	}
	nn_backend_free(dn);
	nn_backend_free(rf);
}
END_TEST

/* An add read only by a ReLU applies it in its own pass when prepared for
 * inference: with 2 and with 3 inputs, the output equals the unfused
 * model's (prepared for training), and about half of it is 0. */
START_TEST(test_add_relu_fusion)
{
	static char texts[2][4096]; /* model_text's buffer is reused */
	snprintf(texts[0], sizeof texts[0], "%s",
		 model_text(IN2(2, 5, 5) ", {\"type\": \"conv\", \"out\": 2, \"kernel\": 1},"
				       " {\"type\": \"add\", \"inputs\": [0, 1]}, {\"type\": \"relu\"}"));
	snprintf(texts[1], sizeof texts[1], "%s",
		 model_text(IN2(2, 5, 5) ", {\"type\": \"conv\", \"out\": 2, \"kernel\": 1},"
				       " {\"type\": \"conv\", \"input\": 0, \"out\": 2, \"kernel\": 3,"
				       " \"pad\": 1}, {\"type\": \"add\", \"inputs\": [0, 1, 2]},"
				       " {\"type\": \"relu\"}"));
	nn_backend *be = backend("dnnl");
	for (int t = 0; t < 2; t++) {
		nn_model *fused = setup_flags(texts[t], be, 0);
		nn_model *plain = setup(texts[t], be);
		io_err err = {0};
		ok(nn_model_forward(fused, 0, &err), &err);
		ok(nn_model_forward(plain, 0, &err), &err);
		const float *y = nn_model_output(fused, NULL, NULL);
		const float *z = nn_model_output(plain, NULL, NULL);
		int64_t n = BATCH * nn_model_output_elems(plain), zero = 0;
		for (int64_t i = 0; i < n; i++) {
			zero += z[i] == 0;
			ck_assert_float_eq_tol(y[i], z[i], 1e-6);
		}
		ck_assert_msg(zero > n / 5 && zero < n - n / 5, "%lld of %lld are 0",
			      (long long)zero, (long long)n);
		nn_model_free(fused);
		nn_model_free(plain);
	}
	nn_backend_free(be);
}
END_TEST

/* Convolutions read only by convolutions keep oneDNN's layout between
 * them in inference passes (NN_CONV_Y_NATIVE / NN_CONV_X_NATIVE): c1 (read
 * by two convs), c2 (batch norm folded, ReLU fused, read by c4) and c4
 * (read by a deconv) stay blocked; d and c3 feed an add and are written
 * plain. The output equals the reference backend's, in inference passes,
 * in a training-mode pass between them (plain layouts again) and after
 * it, and at a second batch size on the same backend. */
START_TEST(test_conv_chain_native_layouts)
{
	const char *chain = model_text(
		IN2(16, 14, 14) ","
		"{\"name\": \"c1\", \"type\": \"conv\", \"out\": 32, \"kernel\": 3,"
		" \"pad\": 1, \"relu\": true},"
		"{\"name\": \"c2\", \"type\": \"conv\", \"out\": 32, \"kernel\": 1},"
		"{\"type\": \"batchnorm\"}, {\"type\": \"relu\"},"
		"{\"name\": \"c4\", \"type\": \"conv\", \"out\": 24, \"kernel\": 3,"
		" \"stride\": 2, \"pad\": 1},"
		"{\"name\": \"d\", \"type\": \"deconv\", \"out\": 16, \"kernel\": 2,"
		" \"stride\": 2},"
		"{\"name\": \"c3\", \"type\": \"conv\", \"input\": \"c1\", \"out\": 16,"
		" \"kernel\": 3, \"pad\": 1},"
		"{\"type\": \"add\", \"inputs\": [\"d\", \"c3\"]},"
		"{\"type\": \"global_avgpool\"}");
	nn_backend *dn = backend("dnnl"), *rf = backend("ref");
	nn_model *a = setup_flags(chain, dn, 0), *b = setup_flags(chain, rf, 0);
	int64_t n = BATCH * nn_model_output_elems(b);
	for (int round = 0; round < 5; round++) {
		int training = round == 2;
		io_err err = {0};
		if (round == 4) { /* another batch on the same backend */
			ok(nn_model_prepare(a, dn, 2 * BATCH, 0, &err), &err);
			ok(nn_model_prepare(b, rf, 2 * BATCH, 0, &err), &err);
			n = 2 * BATCH * nn_model_output_elems(b);
			for (int64_t i = 0; i < 2 * BATCH * nn_model_input_elems(a, 0); i++)
				nn_model_input(a, 0)[i] = nn_model_input(b, 0)[i] =
					(float)unif(11, (uint64_t)i);
		}
		ok(nn_model_forward(a, training, &err), &err);
		ok(nn_model_forward(b, training, &err), &err);
		double e = rel_err(nn_model_output(a, NULL, NULL),
				   nn_model_output(b, NULL, NULL), n);
		ck_assert_msg(e < 1e-4, "round %d: dnnl vs ref relative error %g", round, e);
	}
	nn_model_free(a);
	nn_model_free(b);
	nn_backend_free(dn);
	nn_backend_free(rf);
}
END_TEST

/* Cross-entropy of logits z against labels: mean of log sum exp z -
 * z[label] (by hand below), the gradient by finite differences of the
 * loss, and the count of samples whose largest logit is the label. */
START_TEST(test_cross_entropy)
{
	nn_backend *be = backend("ref");
	nn_model *m = setup(model_text("{\"type\": \"input\", \"shape\": [4]}"),
			    be);
	io_err err = {0};
	float *z = nn_model_input(m, 0);
	const int32_t labels[BATCH] = {0, 3, 1};
	double want = 0;
	int64_t right = 0;
	for (int n = 0; n < BATCH; n++) {
		double s = 0;
		int arg = 0;
		for (int k = 0; k < 4; k++) {
			s += exp(z[n * 4 + k]);
			arg = z[n * 4 + k] > z[n * 4 + arg] ? k : arg;
		}
		want += (log(s) - z[n * 4 + labels[n]]) / BATCH;
		right += arg == labels[n];
	}
	double loss;
	int64_t correct;
	ok(nn_model_forward(m, 1, &err), &err);
	ok(nn_model_xent(m, labels, &loss, &correct, &err), &err);
	ck_assert_double_eq_tol(loss, want, 1e-6);
	ck_assert_int_eq(correct, right);
	ok(nn_model_backward(m, &err), &err);
	const float *g = nn_model_input_grad(m, 0);
	for (int i = 0; i < BATCH * 4; i++) {
		float keep = z[i];
		double up, down;
		z[i] = keep + 1e-3f;
		ok(nn_model_xent(m, labels, &up, NULL, &err), &err);
		z[i] = keep - 1e-3f;
		ok(nn_model_xent(m, labels, &down, NULL, &err), &err);
		z[i] = keep;
		ck_assert_double_eq_tol(g[i], (up - down) / 2e-3, 1e-4);
	}
	const int32_t bad_labels[BATCH] = {0, 4, 1};
	ck_assert_int_eq(nn_model_xent(m, bad_labels, &loss, NULL, &err),
			 IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "label 4 of sample 1"), "%s", err.msg);
	nn_model_free(m);
	nn_backend_free(be);
}
END_TEST

/* ------------------------------------------------------------ learning */

/* Train m (2 classes) for steps on batches from gen, return the accuracy
 * on 1024 fresh samples. */
typedef void (*gen_fn)(float *x, int32_t *label, uint64_t i);

static double train(nn_model *m, nn_backend *be, gen_fn gen, nn_optim *o,
		    int steps)
{
	io_err err = {0};
	enum { B = 32 };
	ok(nn_model_prepare(m, be, B, NN_TRAIN, &err), &err);
	int64_t per = nn_model_input_elems(m, 0);
	int32_t labels[B];
	uint64_t next = 0;
	for (int s = 0; s < steps; s++) {
		for (int b = 0; b < B; b++)
			gen(nn_model_input(m, 0) + b * per, &labels[b], next++);
		double loss;
		ok(nn_model_forward(m, 1, &err), &err);
		ok(nn_model_xent(m, labels, &loss, NULL, &err), &err);
		ok(nn_model_backward(m, &err), &err);
		ok(nn_model_step(m, o, &err), &err);
	}
	int64_t right = 0;
	for (int t = 0; t < 1024 / B; t++) {
		for (int b = 0; b < B; b++)
			gen(nn_model_input(m, 0) + b * per, &labels[b],
			    (1ull << 40) + next++);
		double loss;
		int64_t c;
		ok(nn_model_forward(m, 0, &err), &err);
		ok(nn_model_xent(m, labels, &loss, &c, &err), &err);
		right += c;
	}
	return (double)right / 1024;
}

/* Points in the square, label: above the line x + 2y = 0.3, with a
 * margin of 0.05 around it. */
static void gen_points(float *x, int32_t *label, uint64_t i)
{
	double a, b;
	do {
		a = unif(11, i);
		b = unif(12, i);
		i += 1ull << 50;
	} while (fabs(a + 2 * b - 0.3) < 0.05);
	x[0] = (float)a;
	x[1] = (float)b;
	*label = a + 2 * b > 0.3;
}

/* 8 x 8 images of noise with a horizontal (0) or vertical (1) bar. */
static void gen_bars(float *x, int32_t *label, uint64_t i)
{
	int vertical = unif(21, i) > 0;
	int at = (int)((unif(22, i) + 1) * 4) % 8;
	for (int k = 0; k < 64; k++)
		x[k] = (float)(0.3 * unif(23 + i, (uint64_t)k));
	for (int k = 0; k < 8; k++)
		x[vertical ? k * 8 + at : at * 8 + k] += 1.0f;
	*label = vertical;
}

START_TEST(test_mlp_learns_with_adam)
{
	nn_backend *be = backend("dnnl");
	nn_model *m = parse_ok(model_text(
		"{\"type\": \"input\", \"shape\": [2]},"
		"{\"type\": \"linear\", \"out\": 16}, {\"type\": \"tanh\"},"
		"{\"type\": \"linear\", \"out\": 2}"));
	io_err err = {0};
	ok(nn_model_init(m, 1, &err), &err);
	nn_optim o = {.kind = NN_ADAM, .lr = 0.02};
	double acc = train(m, be, gen_points, &o, 300);
	ck_assert_msg(acc >= 0.99, "accuracy %g", acc);
	nn_model_free(m);
	nn_backend_free(be);
}
END_TEST

START_TEST(test_cnn_learns_with_sgd_momentum)
{
	nn_backend *be = backend("dnnl");
	nn_model *m = parse_ok(model_text(
		"{\"type\": \"input\", \"shape\": [1, 8, 8]},"
		"{\"type\": \"conv\", \"out\": 4, \"kernel\": 3, \"pad\": 1},"
		"{\"type\": \"batchnorm\"}, {\"type\": \"relu\"},"
		"{\"type\": \"maxpool\", \"kernel\": 2},"
		"{\"type\": \"flatten\"}, {\"type\": \"dropout\", \"p\": 0.1},"
		"{\"type\": \"linear\", \"out\": 2}"));
	io_err err = {0};
	ok(nn_model_init(m, 2, &err), &err);
	nn_optim o = {.kind = NN_SGD, .lr = 0.05, .momentum = 0.9};
	double acc = train(m, be, gen_bars, &o, 60);
	ck_assert_msg(acc >= 0.99, "accuracy %g", acc);
	nn_model_free(m);
	nn_backend_free(be);
}
END_TEST

/* ------------------------------------------------- bad model files */

typedef struct bad_case {
	const char *text;
	const char *want; /* in the message */
} bad_case;

static const bad_case bad[] = {
	{"{\"layers\": [", "nn.json:1"},
	{"[1, 2]", "a model is a JSON object"},
	{"{\"layers\": []}", "non-empty list"},
	{"{\"version\": 2, \"layers\": [{\"type\": \"input\", \"shape\": [3]}]}",
	 "version 2"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3]}], \"outptu\": 1}",
	 "outptu"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3]},\n"
	 "  {\"type\": \"convv\"}]}",
	 "nn.json:2: unknown layer type \"convv\""},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 8, 8]},\n"
	 "  {\"type\": \"conv\", \"out\": 4, \"kernal\": 3}]}",
	 "nn.json:2: unknown key \"kernal\""},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 8, 8]},\n\n"
	 "  {\"name\": \"c1\", \"type\": \"conv\", \"out\": 4, \"kernel\": 11}]}",
	 "nn.json:3: layer c1 (conv): kernel span 11 is larger than the padded input 8"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 8, 8]},\n"
	 "  {\"type\": \"conv\", \"out\": 4, \"kernel\": 3, \"groups\": 2}]}",
	 "groups 2 must divide the input channels 3"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 8, 8]},\n"
	 "  {\"type\": \"conv\", \"out\": 4, \"kernel\": [3, 3, 3]}]}",
	 "kernel has 3 values"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 8, 8]},\n"
	 "  {\"type\": \"conv\", \"out\": 4}]}",
	 "kernel is required"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4]},\n"
	 "  {\"type\": \"input\", \"shape\": [3, 5]},\n"
	 "  {\"type\": \"add\", \"inputs\": [0, 1]}]}",
	 "nn.json:3: layer layer2 (add): input layer1 is [3, 5], layer0 is [3, 4]: add needs equal shapes"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4]},\n"
	 "  {\"type\": \"input\", \"shape\": [5, 2]},\n"
	 "  {\"type\": \"matmul\", \"inputs\": [0, 1]}]}",
	 "do not multiply"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4]},\n"
	 "  {\"type\": \"concat\", \"inputs\": [0, \"nothing\"]}]}",
	 "nn.json:2: no layer \"nothing\" above this one"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4]},\n"
	 "  {\"type\": \"relu\", \"input\": 1}]}",
	 "index of a layer above"},
	{"{\"layers\": [{\"name\": \"a\", \"type\": \"input\", \"shape\": [3]},\n"
	 "  {\"name\": \"a\", \"type\": \"relu\"}]}",
	 "a layer of this name exists already"},
	{"{\"layers\": [{\"type\": \"relu\"}]}", "no layer above to read"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [12]},\n"
	 "  {\"type\": \"reshape\", \"shape\": [5, -1]}]}",
	 "does not hold the 12 elements"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4]},\n"
	 "  {\"type\": \"attention\", \"heads\": 3}]}",
	 "heads 3 must be >= 1 and divide E = 4"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4, 4]},\n"
	 "  {\"type\": \"maxpool\", \"kernel\": 2, \"pad\": 2}]}",
	 "pad 2 is more than kernel/2"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4, 4]},\n"
	 "  {\"type\": \"deconv\", \"out\": 2, \"kernel\": 3, \"stride\": 2, \"output_padding\": 1}]}",
	 "output_padding 1"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4]},\n"
	 "  {\"type\": \"dropout\", \"p\": 1.5}]}",
	 "p 1.5 out of range"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4]},\n"
	 "  {\"type\": \"linear\", \"out\": 2.5}]}",
	 "out must be an integer"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4]},\n"
	 "  {\"type\": \"upsample\", \"scale\": 2, \"mode\": \"cubic\"}]}",
	 "mode \"cubic\""},
	/* absurd sizes: caught when read, before any memory is taken */
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [1048576, 1048576]}]}",
	 "more than 268435456 elements per sample"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 99999999]}]}",
	 "sizes are integers in [1, 1048576]"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [1048576]},\n"
	 "  {\"type\": \"linear\", \"out\": 1048576}]}",
	 "nn.json:2: layer layer1 (linear): weight: more than 2147483648 parameters"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [4096, 64]},\n"
	 "  {\"type\": \"attention\", \"heads\": 64}]}",
	 "heads x T x T is more than"},
	{"{\"layers\": [{\"type\": \"input\", \"shape\": [3, 4, 4]},\n"
	 "  {\"type\": \"conv\", \"out\": 4, \"kernel\": 100000}]}",
	 "nn.json:2: kernel 100000 out of range [1, 1024]"},
};

START_TEST(test_bad_model_json)
{
	const bad_case *c = &bad[_i];
	nn_model *m = NULL;
	io_err err = {0};
	int rc = nn_model_parse(&m, "nn.json", c->text, strlen(c->text), &err);
	ck_assert_msg(rc == IO_EINPUT, "loaded: %s", c->text);
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(err.msg, c->want) != NULL,
		      "message \"%s\" lacks \"%s\"", err.msg, c->want);
	ck_assert_msg(strncmp(err.msg, "nn.json", 7) == 0,
		      "message \"%s\" does not name the file", err.msg);
}
END_TEST

/* A model too large for its batch is refused by prepare before it
 * allocates; one without weights too. */
START_TEST(test_absurd_batch_refused)
{
	nn_model *m = parse_ok(model_text(
		"{\"type\": \"input\", \"shape\": [64, 2048, 2048]},"
		"{\"type\": \"relu\"}"));
	nn_backend *be = backend("ref");
	io_err err = {0};
	ck_assert_int_eq(nn_model_prepare(m, be, 1, 0, &err), 0);
	ck_assert_int_eq(nn_model_prepare(m, be, 1 << 20, 0, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "too large"), "%s", err.msg);
	nn_model_free(m);
	m = parse_ok(model_text("{\"type\": \"input\", \"shape\": [4]},"
				"{\"type\": \"linear\", \"out\": 2}"));
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(nn_model_prepare(m, be, 1, 0, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "no weights yet"), "%s", err.msg);
	nn_model_free(m);
	nn_backend_free(be);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(nn_backend_new(&be, "cuda", 1, &err), IO_EINPUT);
	ck_assert_ptr_null(be);
	ck_assert_msg(strstr(err.msg, "known: ref, dnnl"), "%s", err.msg);
}
END_TEST

/* ---------------------------------------------------- per-layer figures */

/* ResNet-50's conv2_x 3x3 layer on 64 x 56 x 56 (He et al. 2016, table
 * 1): 64 x 64 x 9 weights + 64 biases = 36,928 parameters (PyTorch's
 * numel), 2 x 56^2 x 64 x 64 x 9 multiply-adds plus the biases. */
START_TEST(test_layer_figures)
{
	nn_model *m = parse_ok(model_text(
		"{\"type\": \"input\", \"shape\": [64, 56, 56]},"
		"{\"name\": \"c\", \"type\": \"conv\", \"out\": 64, \"kernel\": 3, \"pad\": 1},"
		"{\"type\": \"global_avgpool\"},"
		"{\"name\": \"fc\", \"type\": \"linear\", \"out\": 1000}"));
	nn_layer_info li;
	nn_model_info(m, 1, &li);
	ck_assert_str_eq(li.name, "c");
	ck_assert_str_eq(li.type, "conv");
	ck_assert_int_eq(li.params, 36928);
	ck_assert_int_eq(li.param_bytes, 4 * 36928);
	ck_assert_int_eq(li.act_bytes, 4 * 64 * 56 * 56);
	ck_assert_double_eq(li.flops, 2.0 * 56 * 56 * 64 * 64 * 9 + 56 * 56 * 64);
	nn_model_info(m, 3, &li);
	ck_assert_int_eq(li.params, 64 * 1000 + 1000);
	ck_assert_int_eq(li.ndim, 1);
	ck_assert_int_eq(li.shape[0], 1000);
	int64_t params;
	nn_model_totals(m, NULL, &params, NULL);
	ck_assert_int_eq(params, 36928 + 65000);
	nn_model_free(m);
}
END_TEST

/* ------------------------------------------------------ weights files */

static const char *wmodel =
	"{\"type\": \"input\", \"shape\": [3, 6, 6]},"
	"{\"name\": \"c1\", \"type\": \"conv\", \"out\": 4, \"kernel\": 3},"
	"{\"name\": \"bn\", \"type\": \"batchnorm\"}, {\"type\": \"relu\"},"
	"{\"type\": \"flatten\"}, {\"name\": \"fc\", \"type\": \"linear\", \"out\": 3}";

START_TEST(test_weights_round_trip)
{
	nn_backend *be = backend("dnnl");
	io_err err = {0};
	nn_model *a = setup(model_text(wmodel), be);
	forward_backward(a, 1); /* moves batch norm's running averages */
	nn_optim o = {.kind = NN_SGD, .lr = 0.1};
	ok(nn_model_step(a, &o, &err), &err);
	const char *path = test_write("w.bin", "");
	ok(nn_model_save_weights(a, path, &err), &err);
	nn_model *b = parse_ok(model_text(wmodel));
	ok(nn_model_init(b, 12345, &err), &err);
	ok(nn_model_load_weights(b, path, &err), &err);
	/* prepared like a (for training): an inference-prepared model folds
	 * its batch norm into the conv, equal only up to rounding */
	ok(nn_model_prepare(b, be, BATCH, NN_TRAIN, &err), &err);
	memcpy(nn_model_input(b, 0), nn_model_input(a, 0),
	       BATCH * 108 * sizeof(float));
	ok(nn_model_forward(a, 0, &err), &err);
	ok(nn_model_forward(b, 0, &err), &err);
	ck_assert_int_eq(memcmp(nn_model_output(a, NULL, NULL),
				nn_model_output(b, NULL, NULL),
				BATCH * 3 * sizeof(float)),
			 0);
	nn_model_free(a);
	nn_model_free(b);
	nn_backend_free(be);
}
END_TEST

/* Write bytes to a file under the test directory. */
static const char *write_bytes(const char *name, const unsigned char *b,
			       size_t n)
{
	const char *p = test_write(name, "");
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(b, 1, n, f), n);
	fclose(f);
	return p;
}

START_TEST(test_weights_errors)
{
	io_err err = {0};
	nn_model *a = parse_ok(model_text(wmodel));
	ok(nn_model_init(a, 1, &err), &err);
	const char *path = test_write("w.bin", "");
	ok(nn_model_save_weights(a, path, &err), &err);
	size_t n;
	unsigned char *b = (unsigned char *)test_slurp(path, &n);
	ck_assert_ptr_nonnull(b);
	struct {
		const char *want;
		size_t cut; /* 0: whole */
		size_t at;  /* byte to change (0: none) */
		unsigned char to;
	} bad_files[] = {
		{"weights format version 2; this hetsim reads version 1", 0, 8, 2},
		{"not a hetsim weights file", 0, 1, 'X'},
		{"truncated", 100, 0, 0},
		{"truncated", 0 /* n - 1 below */, 0, 0},
	};
	for (size_t i = 0; i < sizeof bad_files / sizeof *bad_files; i++) {
		unsigned char *c = malloc(n);
		memcpy(c, b, n);
		size_t len = bad_files[i].cut ? bad_files[i].cut : n;
		if (i == 3)
			len = n - 1;
		if (bad_files[i].at)
			c[bad_files[i].at] = bad_files[i].to;
		memset(&err, 0, sizeof err);
		ck_assert_int_eq(nn_model_load_weights(a, write_bytes("bad.bin", c, len),
						       &err),
				 IO_EINPUT);
		ck_assert_msg(strstr(err.msg, bad_files[i].want), "%s", err.msg);
		free(c);
	}
	/* a model whose conv has 5 outputs, not 4 */
	nn_model *c = parse_ok(model_text(
		"{\"type\": \"input\", \"shape\": [3, 6, 6]},"
		"{\"name\": \"c1\", \"type\": \"conv\", \"out\": 5, \"kernel\": 3}"));
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(nn_model_load_weights(c, path, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "tensor \"c1.weight\" is 4 x 3 x 3 x 3, "
				      "the model's is 5 x 3 x 3 x 3"),
		      "%s", err.msg);
	nn_model_free(c);
	/* a model with one more parameter than the file */
	c = parse_ok(model_text("{\"type\": \"input\", \"shape\": [3, 6, 6]},"
				"{\"name\": \"c1\", \"type\": \"conv\", \"out\": 4, "
				"\"kernel\": 3}, {\"name\": \"extra\", \"type\": "
				"\"layernorm\"}"));
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(nn_model_load_weights(c, path, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "is not a parameter of model") ||
			      strstr(err.msg, "missing"),
		      "%s", err.msg);
	nn_model_free(c);
	free(b);
	nn_model_free(a);
}
END_TEST

Suite *suite_nn(void)
{
	Suite *s = suite_create("nn");
	TCase *tc = tcase_create("nn");
	tcase_set_timeout(tc, 120);
	int nc = (int)(sizeof cases / sizeof *cases);
	tcase_add_loop_test(tc, test_dnnl_matches_ref, 0, nc);
	tcase_add_loop_test(tc, test_gradients_by_finite_differences, 0, nc);
	tcase_add_test(tc, test_dropout_mask);
	tcase_add_test(tc, test_conv_relu_fusion);
	tcase_add_test(tc, test_batchnorm_folding);
	tcase_add_test(tc, test_conv_chain_native_layouts);
	tcase_add_test(tc, test_add_relu_fusion);
	tcase_add_test(tc, test_backend_reused_across_models);
	tcase_add_test(tc, test_cross_entropy);
	tcase_add_test(tc, test_mlp_learns_with_adam);
	tcase_add_test(tc, test_cnn_learns_with_sgd_momentum);
	tcase_add_loop_test(tc, test_bad_model_json, 0,
			    (int)(sizeof bad / sizeof *bad));
	tcase_add_test(tc, test_absurd_batch_refused);
	tcase_add_test(tc, test_layer_figures);
	tcase_add_test(tc, test_weights_round_trip);
	tcase_add_test(tc, test_weights_errors);
	suite_add_tcase(s, tc);
	return s;
}
