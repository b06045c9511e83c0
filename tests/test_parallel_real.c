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
#include "real/nn/zoo.h"
#include "tests/tests.h"

enum { PBATCH = 3, PSEED = 11 };

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
	else
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
static void landcover_owner(int *owner, int opt)
{
	for (int i = 0; i < 26; i++)
		owner[i] = i <= 8 ? 0 : i <= 17 ? 1 : 2;
	if (opt) /* HSI's second block on its own part: 4 parts */
		for (int i = 4; i <= 8; i++)
			owner[i] = 3;
}

START_TEST(test_part_landcover_equals_whole)
{
	int owner[26];
	landcover_owner(owner, 0);
	check_split("landcover", NULL, "ref", owner, 3, 0);
	check_split("landcover", NULL, "dnnl", owner, 3, 1e-5);
	/* the HSI branch cut after pool1 (parts in order 0, 3, 1, 2: the
	 * order of their edges) */
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

Suite *suite_parallel_real(void)
{
	Suite *s = suite_create("parallel_real");
	TCase *tc = tcase_create("part");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_part_landcover_equals_whole);
	tcase_add_test(tc, test_part_split_fusions);
	tcase_add_test(tc, test_part_empty_refused);
	suite_add_tcase(s, tc);
	return s;
}
