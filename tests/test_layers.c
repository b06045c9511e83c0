/* tests/test_layers.c — the layer graph export (real/nn/layers.h) and the
 * per-layer timer: FLOPs, multiply-adds and bytes of a conv, a linear and
 * a small 3-layer model computed here by hand; the graph's edges in the
 * JSON and CSV; ResNet-50's multiply-adds against the published figure;
 * nn_model_forward_timed; `hetsim nn layers` and `hetsim calibrate
 * inference --per-layer`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "real/nn/layers.h"
#include "real/nn/zoo.h"
#include "tests/tests.h"

static nn_model *parse_ok(const char *layers)
{
	char text[4096];
	snprintf(text, sizeof text, "{\"name\": \"t\", \"layers\": [%s]}", layers);
	nn_model *m = NULL;
	io_err err = {0};
	if (nn_model_parse(&m, "layers.json", text, strlen(text), &err))
		ck_abort_msg("model did not load: %s\n%s", err.msg, text);
	return m;
}

static nn_layer_info info(const nn_model *m, int i)
{
	nn_layer_info li;
	nn_model_info(m, i, &li);
	return li;
}

static int lines_of(const char *text)
{
	int n = 0;
	for (const char *c = text; *c; c++)
		n += *c == '\n';
	return n;
}

/* A 3 x 3 conv, stride 2, pad 1: 3 x 32 x 32 -> 8 x 16 x 16, 256 output
 * positions x 8 channels x 3 x 9 = 55,296 multiply-adds; FLOPs 2 x that
 * + 8 x 256 for the bias. A grouped conv without bias, with a fused ReLU:
 * 4 x 10 x 10 -> 8 x 8 x 8, 64 x 8 x (4 / 2) x 9 = 9,216 multiply-adds,
 * + 512 for the ReLU. */
START_TEST(test_conv_figures_by_hand)
{
	nn_model *m = parse_ok(
		"{\"type\": \"input\", \"shape\": [3, 32, 32]},"
		"{\"name\": \"c\", \"type\": \"conv\", \"out\": 8, \"kernel\": 3,"
		" \"stride\": 2, \"pad\": 1},"
		"{\"name\": \"x2\", \"type\": \"input\", \"shape\": [4, 10, 10]},"
		"{\"name\": \"g\", \"type\": \"conv\", \"out\": 8, \"kernel\": 3,"
		" \"groups\": 2, \"bias\": false, \"relu\": true}");
	nn_layer_info c = info(m, 1), g = info(m, 3);
	ck_assert_int_eq(c.kind, NN_CONV);
	ck_assert_int_eq(c.ndim, 3);
	ck_assert_int_eq(c.shape[0], 8);
	ck_assert_int_eq(c.shape[1], 16);
	ck_assert_int_eq(c.shape[2], 16);
	ck_assert_double_eq(c.macs, 55296);
	ck_assert_double_eq(c.flops, 2 * 55296 + 8 * 256);
	ck_assert_int_eq(c.params, 8 * 3 * 9 + 8);
	ck_assert_int_eq(c.param_bytes, 4 * 224);
	ck_assert_int_eq(c.act_bytes, 4 * 8 * 16 * 16);
	ck_assert_int_eq(c.n_in, 1);
	ck_assert_int_eq(c.in[0], 0);
	ck_assert_double_eq(g.macs, 9216);
	ck_assert_double_eq(g.flops, 2 * 9216 + 512);
	ck_assert_int_eq(g.params, 8 * 2 * 9);
	ck_assert_int_eq(g.act_bytes, 4 * 512);
	ck_assert_int_eq(g.in[0], 2);
	nn_model_free(m);
}
END_TEST

/* A linear layer on 5 rows of 20 -> 5 x 7: 5 x 20 x 7 = 700 multiply-adds
 * + 35 bias additions; 7 x 20 + 7 parameters; without bias 1,400 FLOPs. */
START_TEST(test_linear_figures_by_hand)
{
	nn_model *m = parse_ok(
		"{\"type\": \"input\", \"shape\": [5, 20]},"
		"{\"name\": \"fc\", \"type\": \"linear\", \"out\": 7},"
		"{\"name\": \"fc2\", \"type\": \"linear\", \"input\": 0, \"out\": 7,"
		" \"bias\": false}");
	nn_layer_info fc = info(m, 1), nb = info(m, 2);
	ck_assert_double_eq(fc.macs, 700);
	ck_assert_double_eq(fc.flops, 1435);
	ck_assert_int_eq(fc.params, 147);
	ck_assert_int_eq(fc.param_bytes, 588);
	ck_assert_int_eq(fc.act_bytes, 4 * 35);
	ck_assert_double_eq(nb.flops, 1400);
	ck_assert_int_eq(nb.params, 140);
	ck_assert_int_eq(nb.in[0], 0);
	nn_model_free(m);
}
END_TEST

/* 16 -> linear 32 -> ReLU -> linear 4: FLOPs 2 x 512 + 32, 32, 2 x 128
 * + 4; multiply-adds 512 + 128; parameters 544 + 132; outputs 64 + 128
 * + 128 + 16 bytes. The JSON document holds exactly these, and the chain
 * of edges. */
START_TEST(test_three_layer_model_graph)
{
	nn_model *m = parse_ok(
		"{\"name\": \"x\", \"type\": \"input\", \"shape\": [16]},"
		"{\"name\": \"h\", \"type\": \"linear\", \"out\": 32},"
		"{\"name\": \"r\", \"type\": \"relu\"},"
		"{\"name\": \"y\", \"type\": \"linear\", \"out\": 4}");
	const double flops[] = {0, 1056, 32, 260}, macs[] = {0, 512, 0, 128};
	const int64_t params[] = {0, 544, 0, 132}, act[] = {64, 128, 128, 16};
	json_t *doc = nn_layers_json(m);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "format")),
			 "hetsim-layer-graph");
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "version")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "output")), 3);
	json_t *tot = json_object_get(doc, "totals");
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "flops")), 1348);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "macs")), 640);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "params")), 676);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "param_bytes")), 2704);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "act_bytes")), 336);
	json_t *layers = json_object_get(doc, "layers");
	ck_assert_int_eq((int)json_array_size(layers), 4);
	for (int i = 0; i < 4; i++) {
		json_t *l = json_array_get(layers, (size_t)i);
		ck_assert_int_eq(json_integer_value(json_object_get(l, "index")), i);
		ck_assert_int_eq(json_integer_value(json_object_get(l, "flops")),
				 (json_int_t)flops[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(l, "macs")),
				 (json_int_t)macs[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(l, "params")), params[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(l, "param_bytes")),
				 4 * params[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(l, "act_bytes")), act[i]);
		json_t *in = json_object_get(l, "inputs");
		ck_assert_int_eq((int)json_array_size(in), i ? 1 : 0);
		if (i)
			ck_assert_int_eq(json_integer_value(json_array_get(in, 0)), i - 1);
	}
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(layers, 2), "type")),
			 "relu");
	json_decref(doc);
	char row[256];
	nn_layer_csv(m, 3, row, sizeof row);
	ck_assert_str_eq(row, "3,y,linear,2,4,260,128,132,528,16");
	nn_model_free(m);
}
END_TEST

/* Edges of a branch and a join: two convs read the input, an add reads
 * both (CSV "1;2"); a name with a comma is quoted in the CSV. */
START_TEST(test_graph_edges)
{
	nn_model *m = parse_ok(
		"{\"type\": \"input\", \"shape\": [2, 4, 4]},"
		"{\"name\": \"left,branch\", \"type\": \"conv\", \"out\": 2, \"kernel\": 1},"
		"{\"name\": \"right\", \"type\": \"conv\", \"input\": 0, \"out\": 2,"
		" \"kernel\": 1},"
		"{\"name\": \"join\", \"type\": \"add\", \"inputs\": [1, \"right\"]}");
	nn_layer_info j = info(m, 3);
	ck_assert_int_eq(j.n_in, 2);
	ck_assert_int_eq(j.in[0], 1);
	ck_assert_int_eq(j.in[1], 2);
	ck_assert_int_eq(info(m, 2).in[0], 0);
	char row[256];
	nn_layer_csv(m, 3, row, sizeof row);
	ck_assert_str_eq(row, "3,join,add,1;2,2x4x4,32,0,0,0,128");
	nn_layer_csv(m, 1, row, sizeof row);
	ck_assert_msg(strncmp(row, "1,\"left,branch\",conv,0,", 23) == 0, "%s", row);
	json_t *doc = nn_layers_json(m);
	json_t *in = json_object_get(json_array_get(json_object_get(doc, "layers"), 3),
				     "inputs");
	ck_assert_int_eq((int)json_array_size(in), 2);
	ck_assert_int_eq(json_integer_value(json_array_get(in, 1)), 2);
	json_decref(doc);
	nn_model_free(m);
}
END_TEST

/* ResNet-50 at 224 x 224: 4.09 G multiply-adds (torchvision's model table,
 * ResNet50_Weights.IMAGENET1K_V1, "GFLOPS 4.09", which counts
 * multiply-adds of the convs and the classifier; He et al. 2016, Table 1,
 * gives 3.8 x 10^9 for the convs alone); the FLOPs are twice that plus
 * the bias, norm, ReLU, pooling and add passes (under 1 %). */
START_TEST(test_resnet50_macs_published)
{
	nn_model *m = NULL;
	io_err err = {0};
	if (nn_zoo_build(&m, "resnet50", 0, &err))
		ck_abort_msg("%s", err.msg);
	double macs = 0, flops = 0;
	for (int i = 0; i < nn_model_layers(m); i++) {
		nn_layer_info li = info(m, i);
		macs += li.macs;
		flops += li.flops;
		for (int k = 0; k < li.n_in; k++)
			ck_assert_int_lt(li.in[k], i);
	}
	ck_assert_msg(fabs(macs / 4.09e9 - 1) < 0.005, "%.6g multiply-adds", macs);
	ck_assert_msg(flops > 2 * macs && flops < 2.02 * macs, "%.6g FLOPs", flops);
	nn_model_free(m);
}
END_TEST

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* conv -> batch norm -> ReLU prepared for inference: the norm and the ReLU
 * are computed by the conv (fused_into), the timed pass gives the same
 * output as the untimed one, its layer times are >= 0 and add up to no
 * more than the pass took from outside. */
START_TEST(test_forward_timed)
{
	nn_model *m = parse_ok(
		"{\"type\": \"input\", \"shape\": [3, 16, 16]},"
		"{\"name\": \"c\", \"type\": \"conv\", \"out\": 8, \"kernel\": 3},"
		"{\"name\": \"bn\", \"type\": \"batchnorm\"}, {\"name\": \"r\", \"type\": \"relu\"},"
		"{\"type\": \"global_avgpool\"}, {\"type\": \"linear\", \"out\": 3}");
	ck_assert_int_eq(info(m, 2).fused_into, 2); /* not prepared yet */
	nn_backend *be = NULL;
	io_err err = {0};
	if (nn_backend_new(&be, "dnnl", 1, &err) || nn_model_init(m, 3, &err) ||
	    nn_model_prepare(m, be, 2, 0, &err))
		ck_abort_msg("%s", err.msg);
	ck_assert_int_eq(info(m, 1).fused_into, 1);
	ck_assert_int_eq(info(m, 2).fused_into, 1);
	ck_assert_int_eq(info(m, 3).fused_into, 1);
	ck_assert_int_eq(info(m, 4).fused_into, 4);
	float *x = nn_model_input(m, 0);
	for (int i = 0; i < 2 * 3 * 16 * 16; i++)
		x[i] = (float)((i * 37 % 101) - 50) / 50.0f;
	float first[6];
	ck_assert_int_eq(nn_model_forward(m, 0, &err), 0);
	memcpy(first, nn_model_output(m, NULL, NULL), sizeof first);
	double t[6], t0 = now_s();
	ck_assert_int_eq(nn_model_forward_timed(m, 0, t, &err), 0);
	double outside = now_s() - t0, sum = 0;
	for (int i = 0; i < 6; i++) {
		ck_assert(t[i] >= 0);
		sum += t[i];
	}
	ck_assert_msg(sum <= outside && sum > 0, "layers %g s, pass %g s", sum, outside);
	ck_assert_mem_eq(first, nn_model_output(m, NULL, NULL), sizeof first);
	nn_model_free(m);
	nn_backend_free(be);
}
END_TEST

static void expect_usage_error(const char *args, const char *prefix)
{
	char cmd[1024], errbuf[512];
	snprintf(cmd, sizeof cmd, "%s %s > /dev/null", test_bin(), args);
	ck_assert_msg(test_run(cmd, errbuf, sizeof errbuf) == 2, "%s", args);
	ck_assert_msg(strstr(errbuf, prefix) && lines_of(errbuf) == 1, "%s: %s", args, errbuf);
}

/* `hetsim nn layers`: CSV with one row per layer and the edges; --json the
 * document, whose totals equal the engine's; bad arguments: exit 2 and
 * one line. */
START_TEST(test_nn_layers_cli)
{
	char cmd[1024], errbuf[512];
	const char *out = test_write("nn_layers.txt", "");
	snprintf(cmd, sizeof cmd, "(%s nn layers tcn > %s)", test_bin(), out);
	ck_assert_int_eq(test_run(cmd, errbuf, sizeof errbuf), 0);
	char *text = test_slurp(out, NULL);
	nn_model *m = NULL;
	io_err err = {0};
	if (nn_zoo_build(&m, "tcn", 0, &err))
		ck_abort_msg("%s", err.msg);
	ck_assert_int_eq(lines_of(text), 1 + nn_model_layers(m));
	ck_assert_msg(strncmp(text, NN_LAYERS_CSV_HEADER "\n", strlen(NN_LAYERS_CSV_HEADER) + 1) ==
			      0,
		      "%.100s", text);
	/* block0: conv1 -> drop1 -> conv2 -> drop2, and the 1x1 downsample of
	 * the input, joined */
	ck_assert_ptr_nonnull(strstr(text, "\n6,block0.add,add,4;5,3x701,"));
	free(text);
	snprintf(cmd, sizeof cmd, "(%s nn layers resnet50 --json > %s)", test_bin(), out);
	ck_assert_int_eq(test_run(cmd, errbuf, sizeof errbuf), 0);
	json_error_t jerr;
	json_t *doc = json_load_file(out, 0, &jerr);
	ck_assert_msg(doc != NULL, "%s", jerr.text);
	nn_model *r = NULL;
	if (nn_zoo_build(&r, "resnet50", 0, &err))
		ck_abort_msg("%s", err.msg);
	double flops;
	int64_t params, act;
	nn_model_totals(r, &flops, &params, &act);
	json_t *tot = json_object_get(doc, "totals");
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "flops")), (json_int_t)flops);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "params")), params);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "act_bytes")), act);
	ck_assert_int_eq((int)json_array_size(json_object_get(doc, "layers")),
			 nn_model_layers(r));
	json_decref(doc);
	nn_model_free(r);
	nn_model_free(m);
	const char *bad[] = {"nn layers", "nn layers nosuch", "nn layers tcn --frob",
			     "nn layers tcn --batch 2", "nn layers tcn extra",
			     "nn layers firenet --size 10"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_usage_error(bad[i], "hetsim: nn: ");
}
END_TEST

/* `hetsim calibrate inference --per-layer`: a row per layer in layers.csv
 * and per layer and pass in layer_samples.csv; layers.json's per-layer
 * medians add up to its sum_layers_s, and that is close to the end-to-end
 * median (a loose band: the test machine is shared). */
START_TEST(test_calibrate_per_layer_cli)
{
	char cmd[2048], errbuf[512], dir[600], path[700];
	snprintf(dir, sizeof dir, "%s/calpl", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s calibrate inference --models tcn --batch 2 --runs 3 --per-layer --quiet "
		 "--out %s",
		 test_bin(), dir);
	ck_assert_msg(test_run(cmd, errbuf, sizeof errbuf) == 0, "%s", errbuf);
	nn_model *m = NULL;
	io_err err = {0};
	if (nn_zoo_build(&m, "tcn", 0, &err))
		ck_abort_msg("%s", err.msg);
	int L = nn_model_layers(m);
	snprintf(path, sizeof path, "%s/layers.csv", dir);
	char *text = test_slurp(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(lines_of(text), 1 + L);
	ck_assert_ptr_nonnull(strstr(text, "model,batch,threads," NN_LAYERS_CSV_HEADER
					   ",fused_into,time_s,gflop_per_s\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntcn,2,1,6,block0.add,add,4;5,"));
	free(text);
	snprintf(path, sizeof path, "%s/layer_samples.csv", dir);
	text = test_slurp(path, NULL);
	ck_assert_int_eq(lines_of(text), 1 + 3 * L);
	free(text);
	snprintf(path, sizeof path, "%s/layers.json", dir);
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	ck_assert_msg(doc != NULL, "%s", jerr.text);
	json_t *c = json_array_get(json_object_get(doc, "configs"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "runs")), 3);
	json_t *layers = json_object_get(json_object_get(c, "graph"), "layers");
	ck_assert_int_eq((int)json_array_size(layers), L);
	double sum = 0;
	for (int i = 0; i < L; i++) {
		json_t *l = json_array_get(layers, (size_t)i);
		sum += json_real_value(json_object_get(l, "time_s"));
		ck_assert_ptr_nonnull(json_object_get(l, "fused_into"));
	}
	double sum_s = json_real_value(json_object_get(c, "sum_layers_s"));
	double e2e = json_real_value(json_object_get(c, "end_to_end_s"));
	ck_assert_msg(fabs(sum - sum_s) <= 1e-9 * L + 1e-12 * sum_s, "%g vs %g", sum, sum_s);
	/* the two are timed in different passes of a sub-millisecond model: one
	 * preemption on a loaded machine moves either by 10x; what this catches
	 * is a unit or a missing layer (1000x) */
	ck_assert_msg(sum_s > 0.02 * e2e && sum_s < 50 * e2e, "layers %g s, end to end %g s",
		      sum_s, e2e);
	ck_assert(json_real_value(json_object_get(json_object_get(c, "flops_per_s"), "all")) > 0);
	json_decref(doc);
	nn_model_free(m);
}
END_TEST

Suite *suite_layers(void)
{
	Suite *s = suite_create("layers");
	TCase *tc = tcase_create("layers");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_conv_figures_by_hand);
	tcase_add_test(tc, test_linear_figures_by_hand);
	tcase_add_test(tc, test_three_layer_model_graph);
	tcase_add_test(tc, test_graph_edges);
	tcase_add_test(tc, test_resnet50_macs_published);
	tcase_add_test(tc, test_forward_timed);
	tcase_add_test(tc, test_nn_layers_cli);
	tcase_add_test(tc, test_calibrate_per_layer_cli);
	suite_add_tcase(s, tc);
	return s;
}
