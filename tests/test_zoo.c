/* tests/test_zoo.c — the model zoo (real/nn/zoo.h): every model's
 * trainable parameter count and output shape against the published
 * architecture (the numbers below, each with where it comes from), a
 * forward pass at batch 1 on the oneDNN backend for the small models, the
 * zoo's errors, and `hetsim nn list/show`. The big models are built
 * (graph and zeroed parameters) but never run: CI time stays small. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profiles/profile.h"
#include "real/nn/zoo.h"
#include "tests/tests.h"

typedef struct expect {
	const char *name;
	int64_t params;
	int ndim;
	int64_t shape[NN_MAX_DIMS];
} expect;

/* Trainable parameters (batch norm's running statistics are buffers, not
 * counted, as in PyTorch's sum(p.numel() for p in model.parameters())). */
static const expect published[] = {
	/* torchvision resnet50: 25,557,032 (its docs' model table) */
	{"resnet50", 25557032, 1, {1000}},
	/* darknet yolov3-tiny.cfg, 80 classes: 8,852,366 (sum of its 13 conv
	 * layers, batch norm scale + shift where it has them); two heads of
	 * 255 channels at 13 x 13 and 26 x 26, flattened and joined */
	{"yolov3-tiny", 8852366, 1, {255 * (13 * 13 + 26 * 26)}},
	/* Hugging Face distilbert-base-uncased: DistilBertModel 66,362,880 +
	 * the QA head 768 x 2 + 2 (DistilBertForQuestionAnswering) */
	{"distilbert", 66364418, 2, {128, 2}},
	/* Hugging Face Wav2Vec2Model (base) 94,371,712 - masked_spec_embed
	 * 768 - pos_conv weight_g 128 + lm_head 768 x 32 + 32; 4 s of 16 kHz
	 * audio -> 199 frames */
	{"wav2vec2", 94395424, 2, {199, 32}},
	/* Dunnings & Breckon firenet.py: convs 4,864 + 131,200 + 33,024,
	 * dense 51,384,320 + 16,781,312 + 8,194 */
	{"firenet", 68342914, 1, {2}},
	/* the zoo's 561-256-128-64-6 (seed 000 gives no widths) */
	{"har", 185414, 1, {6}},
	/* Mustafa et al.'s TCN, channels 3,5,5,5,6,6,6,6, kernel 5, plus the
	 * 1x1 regression: blocks 72 + 230 + 260 + 260 + 378 + 3 x 372, 7 */
	{"tcn", 2323, 2, {1, 701}},
	/* voc-fcn8s with 5 classes: VGG-16 convs 14,714,688, fc6 102,764,544,
	 * fc7 16,781,312, scores 20,485 + 2,565 + 1,285, deconvs 400 + 400 +
	 * 6,400 */
	{"fcn8", 134292079, 3, {5, 512, 512}},
	/* the zoo's widths (seed 003 Figure 2 is not in the seed): HSI convs
	 * 1,024 + 23,072, RGB 448 + 13,856, BN 192, dense 1,933,568 + 32,896
	 * + 2,580 */
	{"landcover", 2007636, 1, {20}},
	/* the zoo's widths (seed 001 gives none): convs 392,608, BN 992,
	 * linear 16,777,472 + 32,896 + 516 */
	{"gantt", 17204484, 1, {4}},
};

static nn_model *build(const char *name)
{
	nn_model *m = NULL;
	io_err err = {0};
	if (nn_zoo_build(&m, name, 0, &err))
		ck_abort_msg("%s: %s", name, err.msg);
	return m;
}

START_TEST(test_zoo_params_and_output_shape)
{
	int n;
	const nn_zoo_model *z = nn_zoo_models(&n);
	ck_assert_int_eq(n, (int)(sizeof published / sizeof published[0]));
	const expect *e = &published[_i];
	ck_assert_str_eq(z[_i].name, e->name);
	nn_model *m = build(e->name);
	double flops;
	int64_t params, act;
	nn_model_totals(m, &flops, &params, &act);
	ck_assert_msg(params == e->params, "%s: %lld parameters, published %lld",
		      e->name, (long long)params, (long long)e->params);
	nn_layer_info li;
	nn_model_info(m, nn_model_layers(m) - 1, &li);
	ck_assert_int_eq(li.ndim, e->ndim);
	for (int d = 0; d < e->ndim; d++)
		ck_assert_int_eq(li.shape[d], e->shape[d]);
	ck_assert(flops > 0 && act > 0);
	nn_model_free(m);
}
END_TEST

/* ResNet-50's forward FLOPs: 4.1 G multiply-adds at 224 x 224 (He et al.
 * 2016, Table 1: 3.8 x 10^9 "FLOPs" counting the convs only, as
 * multiply-adds); the zoo counts every layer, a multiply-add as 2. */
START_TEST(test_resnet50_flops)
{
	nn_model *m = build("resnet50");
	double flops;
	int64_t params, act;
	nn_model_totals(m, &flops, &params, &act);
	ck_assert_msg(flops > 2 * 3.8e9 && flops < 2 * 4.2e9, "%.4g", flops);
	nn_model_free(m);
}
END_TEST

static const char *const small[] = {"firenet", "har", "tcn", "landcover", "gantt"};

/* A forward pass at batch 1 on oneDNN: the output is finite, a
 * softmax's sums to 1, and the same seed gives the same output. */
START_TEST(test_zoo_small_models_run)
{
	const char *name = small[_i];
	float *first = NULL;
	int64_t k = 0;
	for (int rep = 0; rep < 2; rep++) {
		nn_model *m = build(name);
		nn_backend *be = NULL;
		io_err err = {0};
		if (nn_backend_new(&be, "dnnl", 1, &err) || nn_model_init(m, 7, &err) ||
		    nn_model_prepare(m, be, 1, 0, &err))
			ck_abort_msg("%s: %s", name, err.msg);
		for (int i = 0; i < nn_model_n_inputs(m); i++) {
			float *x = nn_model_input(m, i);
			for (int64_t j = 0; j < nn_model_input_elems(m, i); j++)
				x[j] = (float)((j * 7919 + (int64_t)i) % 201) / 100.0f - 1.0f;
		}
		if (nn_model_forward(m, 0, &err))
			ck_abort_msg("%s: %s", name, err.msg);
		int ndim;
		int64_t shape[NN_MAX_DIMS];
		const float *y = nn_model_output(m, &ndim, shape);
		k = nn_model_output_elems(m);
		double sum = 0;
		for (int64_t j = 0; j < k; j++) {
			tck_assert_msg(isfinite(y[j]), "%s: output %lld = %g", name,
				      (long long)j, (double)y[j]);
			sum += y[j];
		}
		nn_layer_info li;
		nn_model_info(m, nn_model_layers(m) - 1, &li);
		if (!strcmp(li.type, "softmax"))
			ck_assert_msg(fabs(sum - 1) < 1e-4, "%s: softmax sums to %g", name, sum);
		if (rep == 0) {
			first = malloc((size_t)k * sizeof *first);
			ck_assert_ptr_nonnull(first);
			memcpy(first, y, (size_t)k * sizeof *first);
		} else
			ck_assert(memcmp(first, y, (size_t)k * sizeof *first) == 0);
		nn_model_free(m);
		nn_backend_free(be);
	}
	free(first);
}
END_TEST

START_TEST(test_zoo_errors)
{
	nn_model *m = (nn_model *)1;
	io_err err = {0};
	ck_assert_int_eq(nn_zoo_build(&m, "resnet5", 0, &err), IO_EINPUT);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(err.msg, "known: resnet50"));
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(nn_zoo_build(&m, "resnet50", 230, &err), IO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "multiple of 32"));
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(nn_zoo_build(&m, "firenet", 224, &err), IO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "fixed input size"));
	/* a chosen size changes what it should */
	ck_assert_int_eq(nn_zoo_build(&m, "distilbert", 384, &err), 0);
	nn_layer_info li;
	nn_model_info(m, nn_model_layers(m) - 1, &li);
	ck_assert_int_eq(li.shape[0], 384);
	nn_model_free(m);
}
END_TEST

START_TEST(test_nn_cli)
{
	char cmd[1024], errbuf[512];
	const char *out = test_write("nn_show.txt", "");
	snprintf(cmd, sizeof cmd, "(%s nn show tcn --batch 2 > %s)", test_bin(), out);
	ck_assert_int_eq(test_run(cmd, errbuf, sizeof errbuf), 0);
	char *text = test_slurp(out, NULL);
	ck_assert_ptr_nonnull(text);
	/* the first conv: 1 x 3 x 5 + 3 parameters; 2 x 3 x 701 floats out */
	ck_assert_ptr_nonnull(strstr(text, "block0.conv1"));
	ck_assert_ptr_nonnull(strstr(text, "16824"));
	ck_assert_ptr_nonnull(strstr(text, "2323"));
	free(text);
	snprintf(cmd, sizeof cmd, "(%s nn list > %s)", test_bin(), out);
	ck_assert_int_eq(test_run(cmd, errbuf, sizeof errbuf), 0);
	text = test_slurp(out, NULL);
	ck_assert_ptr_nonnull(strstr(text, "25557032"));
	free(text);
	const char *bad[] = {"nn show nosuch", "nn show tcn --batch 0", "nn show",
			     "nn show firenet --size 10", "nn frobnicate", "nn list x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(cmd, sizeof cmd, "%s %s > /dev/null", test_bin(), bad[i]);
		ck_assert_msg(test_run(cmd, errbuf, sizeof errbuf) == 2, "%s", bad[i]);
		int lines = 0;
		for (const char *c = errbuf; *c; c++)
			lines += *c == '\n';
		ck_assert_msg(strstr(errbuf, "hetsim: nn: ") && lines == 1, "%s: %s", bad[i],
			      errbuf);
	}
}
END_TEST

/* `hetsim calibrate inference` with a tiny model and 2 runs: the samples
 * and a profile that the simulator's loader reads; bad flags: exit 2, one
 * line. */
START_TEST(test_calibrate_inference_cli)
{
	char cmd[2048], errbuf[512], dir[600];
	snprintf(dir, sizeof dir, "%s/calinf", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s calibrate inference --models tcn,har --batch 1,2 --runs 2 --quiet --out %s",
		 test_bin(), dir);
	ck_assert_msg(test_run(cmd, errbuf, sizeof errbuf) == 0, "%s", errbuf);
	char path[700];
	snprintf(path, sizeof path, "%s/samples.csv", dir);
	char *text = test_slurp(path, NULL);
	ck_assert_ptr_nonnull(text);
	int lines = 0;
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	ck_assert_int_eq(lines, 1 + 2 * 2 * 2);
	ck_assert_ptr_nonnull(strstr(text, "\ntcn,2,1,2,"));
	free(text);
	snprintf(path, sizeof path, "%s/profile.json", dir);
	prof_profile *p = NULL;
	io_err err = {0};
	if (prof_load(&p, path, &err))
		ck_abort_msg("%s", err.msg);
	ck_assert_int_ge(prof_task_index(p, "tcn_b2_t1"), 0);
	ck_assert_int_ge(prof_task_index(p, "har_b1_t1"), 0);
	ck_assert_int_ge(prof_machine_index(p, "local"), 0);
	prof_free(p);
	const char *bad[] = {"--models nosuch", "--models tcn,", "--batch 0", "--batch 1,,2",
			     "--threads x", "--runs 0", "--budget-s -1", "--frob 1", "--runs"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(cmd, sizeof cmd, "%s calibrate inference %s --out %s/bad", test_bin(),
			 bad[i], dir);
		ck_assert_msg(test_run(cmd, errbuf, sizeof errbuf) == 2, "%s", bad[i]);
		lines = 0;
		for (const char *c = errbuf; *c; c++)
			lines += *c == '\n';
		ck_assert_msg(strstr(errbuf, "hetsim: calibrate: ") && lines == 1, "%s: %s",
			      bad[i], errbuf);
	}
}
END_TEST

Suite *suite_zoo(void)
{
	Suite *s = suite_create("zoo");
	TCase *tc = tcase_create("zoo");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_zoo_params_and_output_shape, 0,
			    (int)(sizeof published / sizeof published[0]));
	tcase_add_test(tc, test_resnet50_flops);
	tcase_add_loop_test(tc, test_zoo_small_models_run, 0,
			    (int)(sizeof small / sizeof small[0]));
	tcase_add_test(tc, test_zoo_errors);
	tcase_add_test(tc, test_nn_cli);
	tcase_add_test(tc, test_calibrate_inference_cli);
	suite_add_tcase(s, tc);
	return s;
}
