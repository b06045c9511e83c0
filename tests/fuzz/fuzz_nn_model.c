/* tests/fuzz/fuzz_nn_model.c — NN model JSON (real/nn/nn.h): load; a model
 * small enough (FLOPs, parameters, activations) then gets random weights
 * and one training step on the reference backend, batch 2: forward,
 * cross-entropy or a unit output gradient, backward, SGD with momentum.
 * A rejected model must say why. Variant #1 prepares for inference and
 * runs forward only. */
#include <math.h>
#include <stdlib.h>
#include "real/nn/nn.h"
#include "tests/fuzz/fuzz.h"

static void run(nn_model *m, int train)
{
	nn_backend *be = NULL;
	io_err err = {0};
	int rc = nn_backend_new(&be, "ref", 0, &err);
	if (rc)
		fz_fail("ref backend: %s", err.msg);
	if ((rc = nn_model_init(m, 5, &err)) ||
	    (rc = nn_model_prepare(m, be, 2, train ? NN_TRAIN : 0, &err))) {
		fz_error(rc, &err, "nn_model_prepare");
		nn_backend_free(be);
		return;
	}
	for (int k = 0; k < nn_model_n_inputs(m); k++) {
		float *x = nn_model_input(m, k);
		int64_t n = 2 * nn_model_input_elems(m, k);
		for (int64_t i = 0; i < n; i++)
			x[i] = (float)sin(0.7 * (double)i + k);
	}
	if ((rc = nn_model_forward(m, train, &err)))
		fz_fail("forward of a loaded model failed: %s", err.msg);
	if (train) {
		int32_t labels[2] = {0, 1 % (int32_t)nn_model_output_elems(m)};
		double loss;
		if ((rc = nn_model_xent(m, labels, &loss, NULL, &err)))
			fz_fail("cross-entropy failed: %s", err.msg);
		nn_optim o = {.kind = NN_SGD, .lr = 0.01, .momentum = 0.9};
		if ((rc = nn_model_backward(m, &err)) ||
		    (rc = nn_model_step(m, &o, &err)))
			fz_fail("training step failed: %s", err.msg);
	}
	nn_backend_free(be);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned variant = fz_variant(&data, &size, 2);
	nn_model *m = NULL;
	io_err err = {0};
	int rc = nn_model_parse(&m, "model.json", (const char *)data, size,
				&err);
	if (rc) {
		fz_error(rc, &err, "nn_model_parse");
		if (m)
			fz_fail("nn_model_parse failed but returned a model");
		return 0;
	}
	double flops;
	int64_t params, act;
	nn_model_totals(m, &flops, &params, &act);
	if (flops < 4e6 && params < 1e6 && act < (1 << 22))
		run(m, variant == 0);
	nn_model_free(m);
	return 0;
}
