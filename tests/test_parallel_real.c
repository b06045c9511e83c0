/* tests/test_parallel_real.c — data and model parallel inference as real
 * processes (real/parallel/parallel.h) and the partial execution under it
 * (nn_model_prepare_part, real/nn/nn.h): a model run as 2 or 3 parts in
 * sequence gives the whole model's output (the same bits on the ref
 * backend, 1e-5 relative on oneDNN), also where the split breaks a fused
 * ReLU, a folded batch norm and a conv-to-conv hand-over in oneDNN's
 * layout. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "real/nn/zoo.h"
#include "real/parallel/parallel.h"
#include "tests/tests.h"

enum { PBATCH = 2, PSEED = 11 };

static void ok(int rc, const io_err *err)
{
	if (rc)
		ck_abort_msg("%s", err->msg);
}

static nn_backend *backend(const char *name)
{
	nn_backend *be = NULL;
	io_err err = {0};
	ok(nn_backend_new(&be, name, 1, &err), &err);
	return be;
}

/* A fresh model: from the zoo (name) or from JSON text. */
static nn_model *model(const char *zoo, const char *text)
{
	nn_model *m = NULL;
	io_err err = {0};
	if (zoo)
		ok(nn_zoo_build(&m, zoo, 0, &err), &err);
	else if (text)
		ok(nn_model_parse(&m, "part.json", text, strlen(text), &err),
		   &err);
	ok(nn_model_init(m, PSEED, &err), &err);
	return m;
}

/* Input k's values: distinct, seeded. */
static float input_value(int k, int64_t i)
{
	return (float)sin(0.37 * (double)i + 1.3 * k) * (float)(1 + k);
}

/* The whole model's output (batch PBATCH) in a new buffer of *n floats. */
static float *run_whole(const char *zoo, const char *text, nn_backend *be,
			int64_t *n)
{
	nn_model *m = model(zoo, text);
	io_err err = {0};
	ok(nn_model_prepare(m, be, PBATCH, 0, &err), &err);
	for (int k = 0; k < nn_model_n_inputs(m); k++)
		for (int64_t i = 0; i < PBATCH * nn_model_input_elems(m, k); i++)
			nn_model_input(m, k)[i] = input_value(k, i);
	ok(nn_model_forward(m, 0, &err), &err);
	*n = PBATCH * nn_model_output_elems(m);
	float *out = malloc((size_t)*n * sizeof *out);
	memcpy(out, nn_model_output(m, NULL, NULL), (size_t)*n * sizeof *out);
	nn_model_free(m);
	return out;
}

/* The same run as parts: layer i in part owner[i] (0 .. parts-1, every
 * edge from a part to the same or a later one); each part its own model,
 * run in order, fed its inputs from the parts before it. */
static float *run_parts(const char *zoo, const char *text, nn_backend *be,
			const int *owner, int parts, int64_t *n)
{
	nn_model *pm[4] = {0};
	nn_model *probe = model(zoo, text);
	int L = nn_model_layers(probe);
	nn_model_free(probe);
	unsigned char *mask = malloc((size_t)L);
	io_err err = {0};
	for (int p = 0; p < parts; p++) {
		pm[p] = model(zoo, text);
		for (int i = 0; i < L; i++)
			mask[i] = owner[i] == p;
		ok(nn_model_prepare_part(pm[p], be, PBATCH, mask, &err), &err);
		for (int i = 0, k = 0; i < L; i++) {
			nn_layer_info li;
			nn_model_info(pm[p], i, &li);
			int64_t e = PBATCH * nn_model_act_elems(pm[p], i);
			float *dst = nn_model_act(pm[p], i);
			if (li.kind == NN_INPUT) {
				if (owner[i] == p)
					for (int64_t j = 0; j < e; j++)
						dst[j] = input_value(k, j);
				k++;
			} else if (owner[i] < p && dst) {
				memcpy(dst, nn_model_act(pm[owner[i]], i),
				       (size_t)e * sizeof *dst);
			}
		}
		ok(nn_model_forward_part(pm[p], &err), &err);
	}
	int o = nn_model_output_index(pm[0]);
	*n = PBATCH * nn_model_act_elems(pm[0], o);
	float *out = malloc((size_t)*n * sizeof *out);
	memcpy(out, nn_model_act(pm[owner[o]], o), (size_t)*n * sizeof *out);
	for (int p = 0; p < parts; p++)
		nn_model_free(pm[p]);
	free(mask);
	return out;
}

/* Whole = parts: bit for bit (tol 0) or within tol relative. */
static void check_split(const char *zoo, const char *text, const char *bk,
			const int *owner, int parts, double tol)
{
	nn_backend *be = backend(bk);
	int64_t n1, n2;
	float *whole = run_whole(zoo, text, be, &n1);
	float *split = run_parts(zoo, text, be, owner, parts, &n2);
	ck_assert_int_eq(n1, n2);
	for (int64_t i = 0; i < n1; i++) {
		if (tol == 0)
			ck_assert_msg(memcmp(&whole[i], &split[i], sizeof(float)) ==
					      0,
				      "%s: output %lld: whole %.9g, parts %.9g",
				      bk, (long long)i, whole[i], split[i]);
		else
			ck_assert_msg(fabs(whole[i] - split[i]) <=
					      tol * (fabs(whole[i]) + 1e-3),
				      "%s: output %lld: whole %.9g, parts %.9g",
				      bk, (long long)i, whole[i], split[i]);
	}
	free(whole);
	free(split);
	nn_backend_free(be);
}

/* landcover's layers (hetsim nn layers landcover): 0-8 the HSI branch, 9-17
 * the RGB branch, 18 fusion, 19-25 dense1 .. prob. */
static void landcover_owner(int *owner)
{
	for (int i = 0; i < 26; i++)
		owner[i] = i <= 8 ? 0 : i <= 17 ? 1 : 2;
}

START_TEST(test_part_landcover_equals_whole)
{
	int owner[26];
	landcover_owner(owner);
	check_split("landcover", NULL, "dnnl", owner, 3, 1e-5);
	/* also the HSI branch cut after pool1 (on ref: the same bits) */
	int o2[26];
	for (int i = 0; i < 26; i++)
		o2[i] = i <= 3 ? 0 : i <= 8 ? 1 : i <= 17 ? 2 : 3;
	check_split("landcover", NULL, "ref", o2, 4, 0);
	check_split("landcover", NULL, "dnnl", o2, 4, 1e-5);
}
END_TEST

/* conv -> ReLU (fused), conv -> batch norm -> ReLU (folded), conv -> conv
 * (oneDNN's layout in between): each pair split over two parts. */
static const char fused_text[] =
	"{\"name\": \"f\", \"layers\": ["
	"{\"name\": \"x\", \"type\": \"input\", \"shape\": [3, 12, 12]},"
	"{\"name\": \"c1\", \"type\": \"conv\", \"out\": 16, \"kernel\": 3, "
	"\"pad\": 1},"
	"{\"name\": \"r1\", \"type\": \"relu\"},"
	"{\"name\": \"c2\", \"type\": \"conv\", \"out\": 16, \"kernel\": 3, "
	"\"pad\": 1},"
	"{\"name\": \"bn\", \"type\": \"batchnorm\"},"
	"{\"name\": \"r2\", \"type\": \"relu\"},"
	"{\"name\": \"c3\", \"type\": \"conv\", \"out\": 16, \"kernel\": 1},"
	"{\"name\": \"c4\", \"type\": \"conv\", \"out\": 8, \"kernel\": 3, "
	"\"pad\": 1},"
	"{\"type\": \"global_avgpool\"},"
	"{\"name\": \"fc\", \"type\": \"linear\", \"out\": 5}]}";

START_TEST(test_part_split_fusions)
{
	/* c1 | r1 c2 | bn r2 c3 | c4 ...: every cut breaks a fusion or a
	 * hand-over in the backend's layout; the folded norm is split from
	 * its conv, so the whole model's (folded) output differs by rounding
	 * even on ref */
	const int owner[] = {0, 0, 1, 1, 2, 2, 2, 3, 3, 3};
	check_split(NULL, fused_text, "ref", owner, 4, 1e-5);
	check_split(NULL, fused_text, "dnnl", owner, 4, 1e-5);
	/* cuts that break no fusion: the same bits on ref */
	const int whole_fusions[] = {0, 0, 0, 1, 1, 1, 1, 1, 2, 2};
	check_split(NULL, fused_text, "ref", whole_fusions, 3, 0);
}
END_TEST

START_TEST(test_part_empty_refused)
{
	nn_model *m = model("landcover", NULL);
	nn_backend *be = backend("ref");
	unsigned char mask[26] = {0};
	io_err err = {0};
	ck_assert_int_ne(nn_model_prepare_part(m, be, 2, mask, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "no layer"));
	/* only the RGB branch: the HSI branch's buffers are not taken */
	for (int i = 9; i <= 17; i++)
		mask[i] = 1;
	ok(nn_model_prepare_part(m, be, 2, mask, &err), &err);
	ck_assert_ptr_null(nn_model_act(m, 1));
	ck_assert_ptr_nonnull(nn_model_act(m, 10));
	nn_model_free(m);
	nn_backend_free(be);
}
END_TEST


/* ------------------------------------------------ processes over TCP */

static const char *const lc_layers[26] = {
	"hsi",	    "hsi.conv1", "hsi.bn1",    "hsi.pool1",   "hsi.conv2",
	"hsi.bn2",  "hsi.pool2", "hsi.drop",   "hsi.flat",    "rgb",
	"rgb.conv1", "rgb.bn1",  "rgb.pool1",  "rgb.conv2",   "rgb.bn2",
	"rgb.pool2", "rgb.drop", "rgb.flat",   "fusion",      "dense1",
	"dense1.relu", "dense1.drop", "dense2", "dense2.relu", "dense3",
	"prob"};

static const char workers_json[] =
	"\"workers\": [{\"name\": \"w1\", \"role\": \"ps\"}, {\"name\": \"w2\", "
	"\"role\": \"worker\"}, {\"name\": \"w3\", \"role\": \"worker\"}, "
	"{\"name\": \"w4\", \"role\": \"merge\"}]";

/* A landcover plan: data over w2 w3 w4, or a model split (the seed's
 * baseline: HSI branch on w2, RGB on w3, the rest on w4) with layer skip
 * left out and layer rename given as "bogus", written to a file. */
static const char *plan_file(const char *name, const char *strategy,
			     int skip, const char *extra)
{
	static char text[8192];
	int n = snprintf(text, sizeof text,
			 "{\"version\": 1, \"model\": \"landcover\", \"size\": 0, "
			 "\"strategy\": \"%s\", \"batch\": 4, \"samples\": 10, "
			 "%s, ",
			 strategy, workers_json);
	if (strcmp(strategy, "data") == 0) {
		n += snprintf(text + n, sizeof text - (size_t)n,
			      "\"replicas\": [\"w2\", \"w3\", \"w4\"]");
	} else {
		n += snprintf(text + n, sizeof text - (size_t)n, "\"assign\": [");
		const char *sep = "";
		for (int i = 0; i < 26; i++) {
			if (i == skip)
				continue;
			const char *w = i <= 8 ? "w2" : i <= 17 ? "w3" : "w4";
			n += snprintf(text + n, sizeof text - (size_t)n,
				      "%s{\"layer\": \"%s\", \"worker\": \"%s\"}",
				      sep, lc_layers[i], w);
			sep = ", ";
		}
		n += snprintf(text + n, sizeof text - (size_t)n, "]");
	}
	snprintf(text + n, sizeof text - (size_t)n, "%s}", extra ? extra : "");
	return test_write(name, text);
}

static void load_plan(par_plan *p, const char *path)
{
	io_err err = {0};
	ok(par_plan_load(p, path, &err), &err);
}

/* One process's predictions for the run's samples (the same inputs:
 * par_input_fill), in a new buffer. */
static float *one_process(const char *bk, int64_t samples, int64_t batch,
			  uint64_t seed)
{
	nn_model *m = NULL;
	nn_backend *be = backend(bk);
	io_err err = {0};
	ok(nn_zoo_build(&m, "landcover", 0, &err), &err);
	ok(nn_model_init(m, seed, &err), &err);
	ok(nn_model_prepare(m, be, batch, 0, &err), &err);
	int64_t oe = nn_model_output_elems(m);
	float *out = malloc((size_t)(samples * oe) * sizeof *out);
	for (int64_t s0 = 0; s0 < samples; s0 += batch) {
		for (int k = 0; k < nn_model_n_inputs(m); k++) {
			int64_t e = nn_model_input_elems(m, k);
			for (int64_t s = 0; s < batch && s0 + s < samples; s++)
				par_input_fill(seed, k, s0 + s,
					       nn_model_input(m, k) + s * e, e);
		}
		ok(nn_model_forward(m, 0, &err), &err);
		int64_t rows = samples - s0 < batch ? samples - s0 : batch;
		memcpy(out + s0 * oe, nn_model_output(m, NULL, NULL),
		       (size_t)(rows * oe) * sizeof *out);
	}
	nn_model_free(m);
	nn_backend_free(be);
	return out;
}

static void run_ok(const char *plan, const char *bk, par_opts o,
		   par_result *r)
{
	par_plan p;
	load_plan(&p, plan);
	io_err err = {0};
	o.backend = bk;
	o.keep_predictions = 1;
	o.timeout_s = 30;
	ok(par_run(&p, &o, r, &err), &err);
	par_plan_free(&p);
	/* every child reaped */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}

/* A run of n samples in batches of b on backend bk gives one process's
 * predictions bit for bit (data: every replica runs the whole model as one
 * process does; model on ref: parts = whole, test_part_*), and its bytes
 * add up. */
static void check_predictions(const char *strategy, const char *bk, int n,
			      int b)
{
	par_result r;
	run_ok(plan_file("p.json", strategy, -1, NULL), bk,
	       (par_opts){.seed = 5, .samples = n, .batch = b}, &r);
	float *one = one_process(bk, n, b, 5);
	int nb = (n + b - 1) / b;
	ck_assert_int_eq(r.samples, n);
	ck_assert_int_eq(r.batches, nb);
	for (int64_t i = 0; i < n * r.output_elems; i++)
		ck_assert_msg(memcmp(&one[i], &r.pred[i], sizeof *one) == 0,
			      "%s: prediction %lld: %.9g, one process %.9g",
			      strategy, (long long)i, r.pred[i], one[i]);
	free(one);
	/* bytes: every byte sent is received */
	uint64_t sp = 0, rp = 0, sw = 0, rw = 0;
	for (int k = 0; k < r.n_nodes; k++) {
		sp += r.node[k].sent_payload;
		rp += r.node[k].recv_payload;
		sw += r.node[k].sent_wire;
		rw += r.node[k].recv_wire;
	}
	ck_assert_uint_eq(sp, rp);
	ck_assert_uint_eq(sw, rw);
	/* the driver sends every input once: n x (HSI 120,000 + RGB 7,500
	 * bytes), 2 messages per batch; receives n x 80 bytes of
	 * predictions, one message per batch */
	ck_assert_str_eq(r.node[0].name, "driver");
	ck_assert_uint_eq(r.node[0].sent_payload, n * 127500);
	ck_assert_uint_eq(r.node[0].sent_wire, n * 127500 + 2 * nb * PAR_HDR_BYTES);
	ck_assert_uint_eq(r.node[0].recv_payload, n * 80);
	ck_assert_uint_eq(r.node[0].recv_wire, n * 80 + nb * PAR_HDR_BYTES);
	if (strcmp(strategy, "model") == 0) {
		/* the cut edges hsi.flat -> fusion (16,384 bytes a sample, w2
		 * -> w4) and rgb.flat -> fusion (13,824, w3 -> w4) */
		ck_assert_str_eq(r.node[4].name, "w4");
		ck_assert_uint_eq(r.node[2].sent_payload, n * 16384);
		ck_assert_uint_eq(r.node[3].sent_payload, n * 13824);
		ck_assert_uint_eq(r.node[4].recv_payload, n * (16384 + 13824));
		ck_assert_uint_eq(r.node[4].recv_wire,
				  n * (16384 + 13824) + 2 * nb * PAR_HDR_BYTES);
		ck_assert_int_eq(r.node[2].layers, 9);
		ck_assert_int_eq(r.node[4].layers, 8);
	} else {
		/* replicas take batches 0, 1, 2 in turn (10 in 4s: 4, 4, 2
		 * samples); the ps does nothing */
		ck_assert_int_eq(n, 10);
		ck_assert_int_eq(b, 4);
		ck_assert_uint_eq(r.node[1].recv_wire, 0);
		ck_assert_uint_eq(r.node[2].recv_payload, 4 * 127500);
		ck_assert_uint_eq(r.node[4].recv_payload, 2 * 127500);
	}
	/* the traffic series adds up to the totals */
	for (int k = 0; k < r.n_nodes; k++) {
		const par_node_stats *st = &r.node[k];
		uint64_t in = 0, out = 0;
		for (int j = 0; j < st->n_bins; j++) {
			in += st->bin_in[j];
			out += st->bin_out[j];
		}
		ck_assert_uint_eq(in, st->recv_wire);
		ck_assert_uint_eq(out, st->sent_wire);
	}
	par_result_free(&r);
}

START_TEST(test_data_run_equals_one_process)
{
	check_predictions("data", "dnnl", 10, 4);
}
END_TEST

START_TEST(test_model_run_equals_one_process)
{
	check_predictions("model", "ref", 3, 2);
}
END_TEST

START_TEST(test_model_run_dnnl_within_tolerance)
{
	par_result r;
	run_ok(plan_file("p.json", "model", -1, NULL), "dnnl",
	       (par_opts){.seed = 9, .check = 1}, &r);
	/* the run's own check agrees */
	ck_assert(r.checked && r.check_max_abs <= 1e-5);
	float *one = one_process("dnnl", 10, 4, 9);
	for (int64_t i = 0; i < 10 * r.output_elems; i++)
		ck_assert_msg(fabs(one[i] - r.pred[i]) <= 1e-5,
			      "prediction %lld: %.9g, one process %.9g",
			      (long long)i, r.pred[i], one[i]);
	free(one);
	par_result_free(&r);
}
END_TEST

START_TEST(test_local_inputs_move_only_activations)
{
	/* the workers make their inputs: the driver sends nothing, w2 and
	 * w3 send the cut edges, the predictions are one process's */
	par_result r;
	run_ok(plan_file("p.json", "model", -1, NULL), "dnnl",
	       (par_opts){.seed = 9, .local_inputs = 1}, &r);
	float *one = one_process("dnnl", 10, 4, 9);
	for (int64_t i = 0; i < 10 * r.output_elems; i++)
		ck_assert_msg(fabs(one[i] - r.pred[i]) <= 1e-5,
			      "prediction %lld: %.9g, one process %.9g",
			      (long long)i, r.pred[i], one[i]);
	free(one);
	ck_assert_uint_eq(r.node[0].sent_wire, 0);
	ck_assert_uint_eq(r.node[2].recv_wire, 0);
	ck_assert_uint_eq(r.node[2].sent_wire, 10 * 16384 + 3 * PAR_HDR_BYTES);
	ck_assert_uint_eq(r.node[4].recv_payload, 10 * (16384 + 13824));
	ck_assert(r.node[2].input_s > 0);
	par_result_free(&r);
}
END_TEST

static double wall_of(const char *plan, double bw_Bps)
{
	par_result r;
	run_ok(plan, "dnnl",
	       (par_opts){.samples = 20, .batch = 10, .bandwidth_Bps = bw_Bps},
	       &r);
	double w = r.wall_s;
	par_result_free(&r);
	return w;
}

START_TEST(test_bandwidth_slows_transfer_bound_run)
{
	/* data: the driver sends 20 x 127,500 bytes; at 2 MB/s its link
	 * needs 1.275 s, far more than the computing (tens of ms) */
	const char *plan = plan_file("p.json", "data", -1, NULL);
	double fast = wall_of(plan, 0);
	double slow = wall_of(plan, 2e6);
	double link = (20 * 127500 + 4 * PAR_HDR_BYTES) / 2e6;
	ck_assert_msg(slow >= 0.95 * link, "paced run %.3f s, link %.3f s", slow,
		      link);
	ck_assert_msg(slow <= link + fast + 1.0 * TEST_SLOWDOWN,
		      "paced run %.3f s, link %.3f s, unpaced %.3f s", slow,
		      link, fast);
}
END_TEST

START_TEST(test_killed_worker_reported)
{
	const char *plan = plan_file("p.json", "model", -1, NULL);
	setenv("HETSIM_PARALLEL_REAL_CRASH", "w3:1", 1);
	par_plan p;
	load_plan(&p, plan);
	par_result r;
	io_err err = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = par_run(&p, &(par_opts){.backend = "dnnl", .timeout_s = 20},
			 &r, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unsetenv("HETSIM_PARALLEL_REAL_CRASH");
	par_plan_free(&p);
	par_result_free(&r);
	ck_assert_int_ne(rc, 0);
	ck_assert_msg(strstr(err.msg, "worker w3") &&
			      strstr(err.msg, "signal 9"),
		      "%s", err.msg);
	double s = (double)(t1.tv_sec - t0.tv_sec) +
		   (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	ck_assert_msg(s < 10, "took %.1f s to notice", s);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1); /* no child left */
	/* the command: exit status 1, the worker named */
	char cmd[1024], errbuf[1024];
	snprintf(cmd, sizeof cmd,
		 "HETSIM_PARALLEL_REAL_CRASH=w2:0 %s parallel-real %s "
		 "--timeout 20 --out %s/kill",
		 test_bin(), plan, test_tmpdir());
	ck_assert_int_eq(test_run(cmd, errbuf, sizeof errbuf), 1);
	ck_assert_msg(strstr(errbuf, "worker w2"), "%s", errbuf);
}
END_TEST

/* A bad plan: exit status 2 and an error naming the file and want. */
static void bad_plan(const char *path, const char *want)
{
	char cmd[1024], errbuf[1024];
	snprintf(cmd, sizeof cmd, "%s parallel-real %s --out %s/bad", test_bin(),
		 path, test_tmpdir());
	ck_assert_int_eq(test_run(cmd, errbuf, sizeof errbuf), 2);
	ck_assert_msg(strstr(errbuf, path) && strstr(errbuf, want),
		      "wanted %s in: %s", want, errbuf);
}

/* Options beyond the CLI's ranges are refused before anything forks:
 * they went through casts to time_t, int ms and int bins (a 1e-300 s bin
 * made a bin index beyond int: undefined behaviour). */
START_TEST(test_bad_options_refused)
{
	par_plan p;
	load_plan(&p, plan_file("opts.json", "data", -1, NULL));
	static const par_opts bad[] = {
		{.bin_s = 1e-300}, {.bin_s = NAN}, {.timeout_s = 1e300},
		{.timeout_s = 0.01}, {.bandwidth_Bps = -1}, {.threads = 1 << 30},
		{.samples = -5}};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		par_result r;
		io_err err = {0};
		ck_assert_int_eq(par_run(&p, &bad[k], &r, &err), IO_EINPUT);
		ck_assert_msg(strstr(err.msg, "parallel-real options"), "%zu: %s",
			      k, err.msg);
		par_result_free(&r);
		ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	}
	par_plan_free(&p);
}
END_TEST

START_TEST(test_bad_plans_located)
{
	/* the unmodified plan is fine (the checks below fail for their
	 * reason only) */
	par_plan p;
	load_plan(&p, plan_file("good.json", "model", -1, NULL));
	par_plan_free(&p);
	/* hetsim parallel's plan.json carries the member its strategy does
	 * not use as an empty array: accepted as absent */
	load_plan(&p, plan_file("empty_rep.json", "model", -1,
				", \"replicas\": []"));
	ck_assert_int_eq(p.strategy, PAR_MODEL);
	par_plan_free(&p);
	load_plan(&p, plan_file("empty_as.json", "data", -1,
				", \"assign\": []"));
	ck_assert_int_eq(p.strategy, PAR_DATA);
	par_plan_free(&p);
	bad_plan(plan_file("unassigned.json", "model", 5, NULL),
		 "layer \"hsi.bn2\" is not assigned");
	/* an unknown layer: a copy of "assign" with a misspelt layer */
	const char *t = test_write(
		"unknown_layer.json",
		"{\"version\": 1, \"model\": \"landcover\", \"strategy\": \"model\","
		" \"batch\": 4, \"samples\": 10, \"workers\": [{\"name\": \"w2\","
		" \"role\": \"worker\"}], \"assign\": [{\"layer\": \"hsi.conv9\","
		" \"worker\": \"w2\"}]}");
	bad_plan(t, "assign[0].layer: \"hsi.conv9\" is not a layer");
	t = test_write(
		"unknown_worker.json",
		"{\"version\": 1, \"model\": \"landcover\", \"strategy\": \"data\","
		" \"batch\": 4, \"samples\": 10, \"workers\": [{\"name\": \"w2\","
		" \"role\": \"worker\"}], \"replicas\": [\"w2\", \"w7\"]}");
	bad_plan(t, "replicas[1]: not a worker");
	bad_plan(plan_file("v2.json", "data", -1, ", \"version\": 2"),
		 "duplicate");
	t = test_write("v2b.json",
		       "{\"version\": 2, \"model\": \"landcover\", \"strategy\": "
		       "\"data\", \"batch\": 4, \"samples\": 10, \"workers\": "
		       "[{\"name\": \"w2\", \"role\": \"worker\"}], \"replicas\": "
		       "[\"w2\"]}");
	bad_plan(t, "\"version\": expected an integer 1 to 1");
	/* whole numbers written as reals are whole numbers (as in the
	 * experiment and parallel configs); fractions and 1e300 are not */
	t = test_write("real_batch.json",
		       "{\"version\": 1.0, \"model\": \"landcover\", \"strategy\": "
		       "\"data\", \"batch\": 4.0, \"samples\": 1e1, \"workers\": "
		       "[{\"name\": \"w2\", \"role\": \"worker\"}], \"replicas\": "
		       "[\"w2\"]}");
	load_plan(&p, t);
	ck_assert_int_eq(p.batch, 4);
	ck_assert_int_eq(p.samples, 10);
	par_plan_free(&p);
	t = test_write("frac_batch.json",
		       "{\"version\": 1, \"model\": \"landcover\", \"strategy\": "
		       "\"data\", \"batch\": 4.5, \"samples\": 10, \"workers\": "
		       "[{\"name\": \"w2\", \"role\": \"worker\"}], \"replicas\": "
		       "[\"w2\"]}");
	bad_plan(t, "\"batch\": expected an integer 1 to 1048576");
	t = test_write("huge_samples.json",
		       "{\"version\": 1, \"model\": \"landcover\", \"strategy\": "
		       "\"data\", \"batch\": 4, \"samples\": 1e300, \"workers\": "
		       "[{\"name\": \"w2\", \"role\": \"worker\"}], \"replicas\": "
		       "[\"w2\"]}");
	bad_plan(t, "\"samples\": expected an integer 1 to 2147483647");
	t = test_write("garbage.json", "{\"version\": 1,\n \"model\": lan");
	bad_plan(t, "garbage.json:2:");
	bad_plan(plan_file("extra.json", "data", -1, ", \"colour\": 1"),
		 "unknown key \"colour\"");
	/* a cycle: hsi.pool1 back on w2 after hsi.bn1 on w3 */
	char cyc[8192];
	char *text = test_slurp(plan_file("c.json", "model", -1, NULL), NULL);
	snprintf(cyc, sizeof cyc, "%s", text);
	free(text);
	char *b = strstr(cyc, "\"hsi.bn1\", \"worker\": \"w2\"");
	ck_assert_ptr_nonnull(b);
	memcpy(strstr(b, "w2"), "w3", 2);
	bad_plan(test_write("cycle.json", cyc), "read each other");
}
END_TEST

Suite *suite_parallel_real(void)
{
	Suite *s = suite_create("parallel_real");
	TCase *tc = tcase_create("part");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_part_landcover_equals_whole);
	tcase_add_test(tc, test_part_split_fusions);
	tcase_add_test(tc, test_part_empty_refused);
	suite_add_tcase(s, tc);
	TCase *tp = tcase_create("processes");
	tcase_set_timeout(tp, 120);
	tcase_add_test(tp, test_data_run_equals_one_process);
	tcase_add_test(tp, test_model_run_equals_one_process);
	tcase_add_test(tp, test_model_run_dnnl_within_tolerance);
	tcase_add_test(tp, test_local_inputs_move_only_activations);
	tcase_add_test(tp, test_bandwidth_slows_transfer_bound_run);
	tcase_add_test(tp, test_killed_worker_reported);
	tcase_add_test(tp, test_bad_plans_located);
	tcase_add_test(tp, test_bad_options_refused);
	suite_add_tcase(s, tp);
	return s;
}
