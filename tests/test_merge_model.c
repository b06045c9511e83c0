/* tests/test_merge_model.c — the relative merge model (policies/merge.h):
 * order independence, the lower bound (never shorter than the longest
 * request), hand-computed runs per operation class (positive, negative
 * and no saving), the simulator's merged runs under the profile's
 * relative "merge" object, its errors, the fit recovering known fractions
 * from synthetic merged runs, and `hetsim merge fit / predict` on small
 * files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "policies/merge.h"
#include "profiles/profile.h"
#include "real/merge_fit.h"
#include "tests/tests.h"

/* ------------------------------------------------------ the formula */

/* Every permutation of 5 requests of different classes gives the same
 * run time (the old t(r1) + sum max(0, t_i - a) gave 4 different ones on
 * these times), built at once or one request at a time. */
START_TEST(test_run_time_does_not_depend_on_order)
{
	const double t[5] = {0.3, 8.0, 1.2, 0.25, 0.5};
	const double f[5] = {0.5, 0.1, 0.6, -0.4, 0.9};
	double ref = pol_merge_time(t, f, 5);
	int perm[5] = {0, 1, 2, 3, 4}, c[5] = {0}, n = 0;
	double pt[5], pf[5];
	/* Heap's algorithm over the 120 orders */
	for (int i = 1;;) {
		for (int j = 0; j < 5; j++) {
			pt[j] = t[perm[j]];
			pf[j] = f[perm[j]];
		}
		ck_assert_double_eq_tol(pol_merge_time(pt, pf, 5), ref, 1e-12);
		n++;
		while (i < 5 && c[i] >= i)
			c[i++] = 0;
		if (i == 5)
			break;
		int a = i % 2 ? c[i] : 0, tmp = perm[a];
		perm[a] = perm[i];
		perm[i] = tmp;
		c[i]++;
		i = 1;
	}
	ck_assert_int_eq(n, 120);
	/* 8.0 x 0.1 = 0.8 is the largest shared part: 0.8 + 0.15 + 7.2 +
	 * 0.48 + 0.35 + 0.05 */
	ck_assert_double_eq_tol(ref, 0.8 + 0.15 + 7.2 + 0.48 + 0.35 + 0.05, 1e-12);
}
END_TEST

/* T >= max t_i whatever the fractions (<= 1) and times; equality when the
 * longest request shares all of the others' time (fractions 1). */
START_TEST(test_never_shorter_than_the_longest_request)
{
	unsigned s = 12345;
	for (int trial = 0; trial < 20000; trial++) {
		double t[6], f[6], longest = 0;
		size_t k = 1 + (size_t)(trial % 6);
		for (size_t i = 0; i < k; i++) {
			s = s * 1103515245u + 12345u;
			t[i] = 0.01 + 10.0 * (double)(s >> 8) / (double)(1u << 24);
			s = s * 1103515245u + 12345u;
			f[i] = 1.0 - 3.0 * (double)(s >> 8) / (double)(1u << 24);
			if (t[i] > longest)
				longest = t[i];
		}
		double T = pol_merge_time(t, f, k);
		tck_assert_msg(T >= longest * (1 - 1e-12), "T %.17g < longest %.17g (k %zu)", T,
			      longest, k);
	}
	const double t[3] = {0.4, 3.0, 1.0}, ones[3] = {1, 1, 1};
	ck_assert_double_eq_tol(pol_merge_time(t, ones, 3), 3.0, 1e-15);
	/* one request: its own time, whatever its fraction */
	const double f1 = -0.7;
	ck_assert_double_eq(pol_merge_time(t + 1, &f1, 1), 3.0);
}
END_TEST

/* Hand-computed runs per class, with the fractions fitted to
 * merge_saving_v1-50 (videos 1-25, real time, rounded): bitrate 0.51,
 * resolution 0.58, MPEG-4 0.57. */
START_TEST(test_hand_computed_runs_per_class)
{
	/* two bitrate outputs of 0.26 s each: 0.51 x 0.26 once, 0.49 x
	 * 0.26 twice: 0.3874 s, a saving of 25.5% */
	const double tb[2] = {0.26, 0.26}, fb[2] = {0.51, 0.51};
	ck_assert_double_eq_tol(pol_merge_time(tb, fb, 2), 0.1326 + 2 * 0.1274, 1e-12);
	/* resolution 0.42 s (1920x1080) and 0.21 s (352x288): the larger
	 * shared part is 0.58 x 0.42 = 0.2436; own parts 0.1764 + 0.0882 */
	const double tr[2] = {0.42, 0.21}, fr[2] = {0.58, 0.58};
	ck_assert_double_eq_tol(pol_merge_time(tr, fr, 2), 0.2436 + 0.1764 + 0.0882, 1e-12);
	/* MPEG-4 (0.29 s, 0.57) with a bitrate output (0.26 s, 0.51):
	 * max(0.1653, 0.1326) + 0.1247 + 0.1274 */
	const double tm[2] = {0.29, 0.26}, fm[2] = {0.57, 0.51};
	ck_assert_double_eq_tol(pol_merge_time(tm, fm, 2), 0.1653 + 0.1247 + 0.1274, 1e-12);
	/* a class whose outputs slow the run down (fraction -0.2): VP9 8 s
	 * with a bitrate output: max(-1.6, 0.1326) + 9.6 + 0.1274 = 9.86 s,
	 * longer than the two alone (8.26 s): a negative saving */
	const double tv[2] = {8.0, 0.26}, fv[2] = {-0.2, 0.51};
	ck_assert_double_eq_tol(pol_merge_time(tv, fv, 2), 0.1326 + 9.6 + 0.1274, 1e-12);
	/* fraction 0: no saving, the sum */
	const double z[2] = {0, 0};
	ck_assert_double_eq_tol(pol_merge_time(tm, z, 2), 0.55, 1e-15);
}
END_TEST

/* ------------------------------------------------ in the simulator */

/* One machine, one slot; a takes 2 s (class "x", fraction fa), b 1 s
 * (class "y", fraction fb); the trace's fifth column is the segment. */
static const char *write_experiment(const char *fa, const char *fb, const char *trace,
				    const char *extra_class)
{
	test_write("mm_trace.csv", trace);
	char text[3072];
	snprintf(text, sizeof text,
		 "{\"profile\": {\"machine_types\": [{\"name\": \"m\"}],\n"
		 "  \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n"
		 "  \"exec\": [{\"task\": \"a\", \"machine\": \"m\", \"model\": "
		 "\"constant\", \"value\": 2},\n"
		 "   {\"task\": \"b\", \"machine\": \"m\", \"model\": "
		 "\"constant\", \"value\": 1}],\n"
		 "  \"merge\": {\"model\": \"relative\", \"classes\": [\n"
		 "    {\"class\": \"x\", \"shared_frac\": %s, \"tasks\": [\"a\"]},\n"
		 "    {\"class\": \"y\", \"shared_frac\": %s, \"shared_frac_cpu\": 0.1,\n"
		 "     \"tasks\": [\"b\"]}%s]}},\n"
		 " \"machines\": [{\"type\": \"m\", \"count\": 1}],\n"
		 " \"workload\": {\"arrival\": \"trace\", \"file\": "
		 "\"mm_trace.csv\", \"segments\": {\"count\": 10}},\n"
		 " \"merging\": {\"strategy\": \"always\", \"max_degree\": 5},\n"
		 " \"policy\": \"mct\", \"seed\": 1}\n",
		 fa, fb, extra_class);
	return test_write("mm_exp.json", text);
}

typedef struct sim_out {
	long merged;
	double saved_s, makespan_s;
	int rc;
	char err[2048];
} sim_out;

static void sim(const char *exp, sim_out *o)
{
	char cmd[2048], dir[600];
	snprintf(dir, sizeof dir, "%s/mm_out", test_tmpdir());
	snprintf(cmd, sizeof cmd, "rm -rf %s && %s run %s --quiet --out %s", dir,
		 test_bin(), exp, dir);
	memset(o, 0, sizeof *o);
	o->rc = test_run(cmd, o->err, sizeof o->err);
	if (o->rc)
		return;
	char path[700];
	snprintf(path, sizeof path, "%s/mct/summary.json", dir);
	json_error_t je;
	json_t *s = json_load_file(path, 0, &je);
	ck_assert_msg(s != NULL, "%s: %s", path, je.text);
	const json_t *m = json_object_get(s, "metrics");
	o->merged = (long)json_number_value(json_object_get(m, "merged_requests"));
	o->saved_s = json_number_value(json_object_get(m, "machine_time_saved_s"));
	o->makespan_s = json_number_value(json_object_get(m, "makespan_s"));
	json_decref(s);
}

/* a on segment 7 runs 0-2; the run on segment 9 (a and b, in either
 * order) waits and runs from 2. With fractions 0.9 and 0.9 it takes
 * max(1.8, 0.9) + 0.2 + 0.1 = 2.1 s whichever came first (the old form
 * with a shared part of 1.5 s: 2.5 s with a first, 1.5 s with b first,
 * shorter than a alone). */
START_TEST(test_simulated_run_is_order_independent_and_bounded)
{
	sim_out o;
	sim(write_experiment("0.9", "0.9", "0,a,,,7\n0.1,a,,,9\n0.2,b,,,9\n", ""), &o);
	ck_assert_msg(o.rc == 0, "%s", o.err);
	ck_assert_int_eq(o.merged, 1);
	ck_assert_double_eq_tol(o.makespan_s, 4.1, 1e-9);
	ck_assert_double_eq_tol(o.saved_s, 0.9, 1e-9); /* 3 s of work in 2.1 */
	sim(write_experiment("0.9", "0.9", "0,a,,,7\n0.1,b,,,9\n0.2,a,,,9\n", ""), &o);
	ck_assert_msg(o.rc == 0, "%s", o.err);
	ck_assert_int_eq(o.merged, 1);
	ck_assert_double_eq_tol(o.makespan_s, 4.1, 1e-9);
	ck_assert_double_eq_tol(o.saved_s, 0.9, 1e-9);
}
END_TEST

/* A negative fraction: a (-0.5) with b (0.8) takes max(-1, 0.8) + 3 +
 * 0.2 = 4 s, 1 s more than the two apart: saved -1 s. A type in no class
 * (here b, when only a is listed) shares nothing: the sum, 3 s. */
START_TEST(test_simulated_negative_saving_and_unlisted_type)
{
	sim_out o;
	sim(write_experiment("-0.5", "0.8", "0,a,,,7\n0.1,a,,,9\n0.2,b,,,9\n", ""), &o);
	ck_assert_msg(o.rc == 0, "%s", o.err);
	ck_assert_double_eq_tol(o.makespan_s, 6.0, 1e-9);
	ck_assert_double_eq_tol(o.saved_s, -1.0, 1e-9);
	const char *path = write_experiment("0.5", "0.8", "0,a,,,7\n0.1,a,,,9\n0.2,b,,,9\n", "");
	FILE *f = fopen(path, "r");
	char text[3072];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = 0;
	char *at = strstr(text, "\"tasks\": [\"b\"]");
	ck_assert_ptr_nonnull(at);
	memcpy(at, "\"tasks\": [   ]", 14);
	test_write("mm_exp.json", text);
	sim(path, &o);
	ck_assert_msg(o.rc == 0, "%s", o.err);
	/* max(1, 0) + 1 + 1 = 3 s */
	ck_assert_double_eq_tol(o.makespan_s, 5.0, 1e-9);
	ck_assert_double_eq_tol(o.saved_s, 0.0, 1e-9);
}
END_TEST

START_TEST(test_bad_relative_merge_objects)
{
	static const struct {
		const char *fa, *fb, *extra, *want;
	} cases[] = {
		{"1.5", "0.5", "", "between -10 and 1"},
		{"0.5", "\"x\"", "", "shared_frac"},
		{"0.5", "0.5", ",\n{\"class\": \"z\", \"shared_frac\": 0.2, \"tasks\": [\"a\"]}",
		 "second merge class"},
		{"0.5", "0.5", ",\n{\"class\": \"z\", \"shared_frac\": 0.2, \"tasks\": [\"q\"]}",
		 "unknown task type \"q\""},
		{"0.5", "0.5", ",\n{\"class\": \"z\", \"shared_frac\": 0.2, \"tasks\": [3]}",
		 "must be a string"},
		{"0.5", "0.5", ",\n{\"class\": \"z\", \"sharedfrac\": 0.2}", "sharedfrac"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sim_out o;
		sim(write_experiment(cases[i].fa, cases[i].fb, "0,a,,,7\n", cases[i].extra), &o);
		ck_assert_msg(o.rc == 2, "case %zu: exit %d", i, o.rc);
		ck_assert_msg(strstr(o.err, cases[i].want) && strstr(o.err, "mm_exp.json:"),
			      "case %zu: %s", i, o.err);
	}
	/* "time": "cpu" takes shared_frac_cpu, which class x lacks */
	sim_out o;
	const char *path = write_experiment("0.5", "0.5", "0,a,,,7\n", "");
	FILE *f = fopen(path, "r");
	char text[3072], out[3200];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = 0;
	char *at = strstr(text, "\"classes\"");
	snprintf(out, sizeof out, "%.*s\"time\": \"cpu\", %s", (int)(at - text), text, at);
	test_write("mm_exp.json", out);
	sim(path, &o);
	ck_assert_int_eq(o.rc, 2);
	ck_assert_msg(strstr(o.err, "shared_frac_cpu"), "%s", o.err);
}
END_TEST

/* The shipped example: the relative model of the lab data on this
 * machine's profile loads, every task type in its class's fraction. */
START_TEST(test_shipped_relative_profile_loads)
{
	prof_profile *p;
	io_err err = {0};
	ck_assert_msg(prof_load(&p, "experiments/merging/profile_relative.json", &err) == 0, "%s",
		      err.msg);
	ck_assert_ptr_nonnull(p->merge_frac);
	int b = prof_task_index(p, "bitrate_512k"), b2 = prof_task_index(p, "bitrate_1024k");
	int h = prof_task_index(p, "codec_h264"), v = prof_task_index(p, "codec_vp9");
	ck_assert(b >= 0 && b2 >= 0 && h >= 0 && v >= 0);
	ck_assert_double_eq(p->merge_frac[b], p->merge_frac[b2]);
	ck_assert(p->merge_frac[b] > 0.3 && p->merge_frac[b] < 0.7);
	ck_assert_double_eq(p->merge_frac[h], p->merge_frac[v]); /* both pooled */
	prof_free(p);
}
END_TEST

/* ------------------------------------------------------------ the fit */

/* Synthetic merged runs of 2-5 operations from 4 classes with known
 * fractions (one negative): the fit recovers them, exactly without
 * noise (up to the prior's pull, < 0.005) and within 0.03 with 2% noise
 * on every merged time. */
START_TEST(test_fit_recovers_known_fractions)
{
	enum { RUNS = 4000, CLASSES = 4 };
	const double truth[CLASSES] = {0.5, 0.25, 0.7, -0.3};
	size_t *start = malloc((RUNS + 1) * sizeof *start);
	int *cls = malloc(RUNS * 5 * sizeof *cls);
	double *t = malloc(RUNS * 5 * sizeof *t), *T = malloc(RUNS * sizeof *T);
	double *Tn = malloc(RUNS * sizeof *Tn);
	ck_assert(start && cls && t && T && Tn);
	unsigned s = 7;
#define NEXT_U() (s = s * 1103515245u + 12345u, (double)(s >> 8) / (double)(1u << 24))
	start[0] = 0;
	for (size_t r = 0; r < RUNS; r++) {
		size_t k = 2 + (size_t)(NEXT_U() * 4), a = start[r];
		double f[5];
		for (size_t i = 0; i < k; i++) {
			cls[a + i] = (int)(NEXT_U() * CLASSES);
			t[a + i] = 0.2 + 3 * NEXT_U();
			f[i] = truth[cls[a + i]];
		}
		start[r + 1] = a + k;
		T[r] = pol_merge_time(t + a, f, k);
		/* noise: uniform +-2%, mean 0 */
		Tn[r] = T[r] * (1 + 0.04 * (NEXT_U() - 0.5));
	}
#undef NEXT_U
	double frac[CLASSES];
	size_t n_out[CLASSES];
	real_merge_rel_fit_stats st;
	io_err err = {0};
	real_merge_runs runs = {RUNS, start, cls, t, T};
	ck_assert_msg(real_merge_rel_fit(&runs, CLASSES, frac, n_out, &st, &err) == 0, "%s",
		      err.msg);
	for (int c = 0; c < CLASSES; c++)
		ck_assert_msg(fabs(frac[c] - truth[c]) < 0.005, "class %d: %.4f, truth %.2f", c,
			      frac[c], truth[c]);
	ck_assert_double_lt(st.rmse_pts, 0.5);
	ck_assert_uint_eq(st.below_longest, 0);
	runs.merged = Tn;
	ck_assert_int_eq(real_merge_rel_fit(&runs, CLASSES, frac, n_out, &st, &err), 0);
	for (int c = 0; c < CLASSES; c++)
		ck_assert_msg(fabs(frac[c] - truth[c]) < 0.03, "noisy, class %d: %.4f, truth %.2f",
			      c, frac[c], truth[c]);
	/* its predictions are the formula's */
	double f0[5];
	for (size_t i = start[0]; i < start[1]; i++)
		f0[i] = frac[cls[i]];
	ck_assert_double_eq(real_merge_rel_predict(&runs, 0, frac),
			    pol_merge_time(t, f0, start[1]));
	/* a campaign whose single runs of class 3 were timed 25% slower than
	 * the same work inside merged runs: the merged runs it leads are
	 * 0.8 of the model's; the ratio fit finds 0.8 there, 1 elsewhere */
	double *Tc = malloc(RUNS * sizeof *Tc), ratio[CLASSES];
	ck_assert_ptr_nonnull(Tc);
	for (size_t r = 0; r < RUNS; r++)
		Tc[r] = T[r] * (cls[real_merge_longest(&runs, r)] == 3 ? 0.8 : 1.0);
	runs.merged = Tc;
	ck_assert_int_eq(real_merge_ratio_fit(&runs, CLASSES, frac, ratio, NULL, &st, &err), 0);
	for (int c = 0; c < CLASSES; c++) {
		ck_assert_msg(fabs(ratio[c] - (c == 3 ? 0.8 : 1.0)) < 0.01, "ratio %d: %.4f", c,
			      ratio[c]);
		ck_assert_msg(fabs(frac[c] - truth[c]) < 0.02, "with ratios, class %d: %.4f", c,
			      frac[c]);
	}
	ck_assert_double_lt(st.rmse_pts, 0.5);
	ck_assert_double_eq_tol(real_merge_ratio_predict(&runs, 1, frac, ratio), Tc[1],
				0.02 * Tc[1]);
	free(Tc);
	runs.merged = T;
	/* no merged run: said so */
	size_t one[2] = {0, 1};
	real_merge_runs single = {1, one, cls, t, T};
	ck_assert_int_eq(real_merge_rel_fit(&single, CLASSES, frac, NULL, &st, &err), IO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "no run merges"));
	free(start);
	free(cls);
	free(t);
	free(T);
	free(Tn);
}
END_TEST

START_TEST(test_op_classes_and_video_lists)
{
	char c[64];
	real_merge_op_class("b768", c, sizeof c);
	ck_assert_str_eq(c, "bitrate");
	real_merge_op_class("r20", c, sizeof c);
	ck_assert_str_eq(c, "framerate");
	real_merge_op_class("s1920x1080", c, sizeof c);
	ck_assert_str_eq(c, "resolution");
	real_merge_op_class("c:libvpx-vp9", c, sizeof c);
	ck_assert_str_eq(c, "codec:libvpx-vp9");
	real_merge_op_class("s19x", c, sizeof c);
	ck_assert_str_eq(c, "s19x");
	real_merge_op_class("brightness", c, sizeof c);
	ck_assert_str_eq(c, "brightness");
	ck_assert_int_eq(real_merge_video_in("1-25,40", 25), 1);
	ck_assert_int_eq(real_merge_video_in("1-25,40", 26), 0);
	ck_assert_int_eq(real_merge_video_in("1-25,40", 40), 1);
	ck_assert_int_eq(real_merge_video_in("odd", 7), 1);
	ck_assert_int_eq(real_merge_video_in("odd", 8), 0);
	ck_assert_int_eq(real_merge_video_in("even,3", 3), 1);
	ck_assert_int_eq(real_merge_video_in(NULL, 3), 1);
	ck_assert_int_eq(real_merge_video_in("3-1", 3), -1);
	ck_assert_int_eq(real_merge_video_in("1,", 3), -1);
	ck_assert_int_eq(real_merge_video_in("x", 3), -1);
}
END_TEST

/* ------------------------------------------------------------ the CLI */

/* Two segments (videos 1 and 2) with the single runs of three operations,
 * three merged runs and one that cannot be predicted (no ops). */
static const char singles_csv[] =
	"op,video,segment,real_s,user_s,sys_s,source_file,sheet,sheet_row\n"
	"b768,1,1,0.200,0.250,0.050,x,y,1\n"
	"s720x480,1,1,0.400,0.450,0.050,x,y,2\n"
	"r20,1,1,0.300,0.300,0.000,x,y,3\n"
	"b768,2,1,0.200,0.250,0.050,x,y,4\n"
	"s720x480,2,1,0.400,0.450,0.050,x,y,5\n"
	"r20,2,1,0.300,0.300,0.000,x,y,6\n";
static const char merged_csv[] =
	"merge_class,group,n_merged,ops,video,segment,merged_real_s,merged_user_s,"
	"merged_sys_s,separate_real_s,saving_real_pct,separate_cpu_s,saving_cpu_pct,"
	"match_status,source_file,sheet,sheet_row\n"
	"across_operations,vic_mixed,2,b768+s720x480,1,1,0.500,0.550,0.050,0.6,,0.8,,ok,f,s,1\n"
	"across_operations,vic_mixed,2,s720x480+r20,1,1,0.550,0.500,0.050,0.7,,0.8,,ok,f,s,2\n"
	"same_operation,framerate,2,,1,1,0.500,0.550,0.050,,,,,ops_not_recorded,f,s,3\n"
	"across_operations,vic_mixed,3,b768+s720x480+r20,2,1,0.650,0.700,0.050,0.9,,1.1,,ok,\"f,g\",s,4\n";

START_TEST(test_cli_merge_fit_and_predict)
{
	const char *singles = test_write("mm_singles.csv", singles_csv);
	const char *merged = test_write("mm_merged.csv", merged_csv);
	char cmd[3000], msg[4096], model[600], out[600];
	snprintf(model, sizeof model, "%s/mm_model.json", test_tmpdir());
	snprintf(out, sizeof out, "%s/mm_pred.csv", test_tmpdir());
	snprintf(cmd, sizeof cmd, "%s merge fit %s %s -o %s --quiet", test_bin(), merged,
		 singles, model);
	ck_assert_msg(test_run(cmd, msg, sizeof msg) == 0, "%s", msg);
	json_error_t je;
	json_t *m = json_load_file(model, 0, &je);
	ck_assert_msg(m != NULL, "%s", je.text);
	ck_assert_str_eq(json_string_value(json_object_get(m, "model")), "relative");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "n_runs")), 3);
	const json_t *classes = json_object_get(m, "classes");
	ck_assert_int_eq((int)json_array_size(classes), 4); /* 3 + pooled */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(classes, 3), "class")),
			 "*");
	json_decref(m);
	char tab[600];
	snprintf(tab, sizeof tab, "%s/mm_table.md", test_tmpdir());
	snprintf(cmd, sizeof cmd, "%s merge predict %s %s %s -o %s --videos 1 --table %s --quiet",
		 test_bin(), model, merged, singles, out, tab);
	ck_assert_msg(test_run(cmd, msg, sizeof msg) == 0, "%s", msg);
	FILE *f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	char line[1024];
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert_ptr_nonnull(strstr(line, ",sheet_row,predicted_merged_real_s,"
					   "predicted_saving_real_pct,predicted_merged_cpu_s,"
					   "predicted_saving_cpu_pct\n"));
	int rows = 0, empty = 0;
	while (fgets(line, sizeof line, f)) {
		rows++;
		empty += strstr(line, "ops_not_recorded,f,s,3,,,,\n") != NULL;
		if (rows == 1) { /* b768 + s720x480: never shorter than 0.4 */
			char *p = line;
			for (int i = 0; i < 17; i++)
				p = strchr(p, ',') + 1;
			ck_assert_double_ge(atof(p), 0.4 - 1e-9);
			ck_assert_double_le(atof(p), 0.6 + 1e-9);
		}
	}
	fclose(f);
	ck_assert_int_eq(rows, 3); /* video 1 only, the unpredictable row kept */
	ck_assert_int_eq(empty, 1);
	/* the table: measured savings of video 1's two pairs, 100 (0.6 -
	 * 0.5) / 0.6 = 16.67 and 100 (0.7 - 0.55) / 0.7 = 21.43 (from the
	 * singles, not the file's separate_real_s): mean 19.0 */
	f = fopen(tab, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(msg, 1, sizeof msg - 1, f);
	fclose(f);
	msg[n] = 0;
	ck_assert_msg(strstr(msg, "| vic_mixed | 2 | 2 | 19.0 |"), "%s", msg);
	/* --campaign-ratio: the model has the ratios, predict applies them
	 * unless --no-ratio */
	snprintf(cmd, sizeof cmd, "%s merge fit %s %s -o %s --quiet --campaign-ratio",
		 test_bin(), merged, singles, model);
	ck_assert_msg(test_run(cmd, msg, sizeof msg) == 0, "%s", msg);
	char *text = test_slurp(model, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "\"campaign_ratio\":") && strstr(text, "\"campaign_ratio_cpu\":"),
		      "%s", text);
	free(text);
	snprintf(cmd, sizeof cmd, "%s merge predict %s %s %s -o %s --quiet --campaign-ratio",
		 test_bin(), model, merged, singles, out);
	ck_assert_int_eq(test_run(cmd, msg, sizeof msg), 2);
	/* a merged row whose op has no single run: located */
	const char *bad = test_write("mm_merged_bad.csv",
				     "ops,video,segment,merged_real_s,merged_user_s,merged_sys_s\n"
				     "b768+s720x480,1,1,0.5,0.5,0.1\n"
				     "b768+s999x9,1,1,0.5,0.5,0.1\n");
	snprintf(cmd, sizeof cmd, "%s merge fit %s %s -o %s", test_bin(), bad, singles, model);
	ck_assert_int_eq(test_run(cmd, msg, sizeof msg), 2);
	ck_assert_msg(strstr(msg, "mm_merged_bad.csv:3: no single run of \"s999x9\""), "%s",
		      msg);
	/* bad flags and a bad video list */
	snprintf(cmd, sizeof cmd, "%s merge fit %s %s -o %s --videos 5-2", test_bin(), merged,
		 singles, model);
	ck_assert_int_eq(test_run(cmd, msg, sizeof msg), 2);
	ck_assert_msg(strstr(msg, "bad --videos"), "%s", msg);
	snprintf(cmd, sizeof cmd, "%s merge fit %s -o %s", test_bin(), merged, model);
	ck_assert_int_eq(test_run(cmd, msg, sizeof msg), 2);
	/* a merged file without merged runs: said so */
	const char *lone = test_write("mm_merged_lone.csv",
				      "ops,video,segment,merged_real_s,merged_user_s,merged_sys_s\n"
				      "b768,1,1,0.5,0.5,0.1\n");
	snprintf(cmd, sizeof cmd, "%s merge fit %s %s -o %s", test_bin(), lone, singles, model);
	ck_assert_int_eq(test_run(cmd, msg, sizeof msg), 2);
	ck_assert_msg(strstr(msg, "no run merges"), "%s", msg);
}
END_TEST

Suite *suite_merge_model(void)
{
	Suite *s = suite_create("merge_model");
	TCase *tc = tcase_create("merge_model");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_run_time_does_not_depend_on_order);
	tcase_add_test(tc, test_never_shorter_than_the_longest_request);
	tcase_add_test(tc, test_hand_computed_runs_per_class);
	tcase_add_test(tc, test_simulated_run_is_order_independent_and_bounded);
	tcase_add_test(tc, test_simulated_negative_saving_and_unlisted_type);
	tcase_add_test(tc, test_bad_relative_merge_objects);
	tcase_add_test(tc, test_shipped_relative_profile_loads);
	tcase_add_test(tc, test_fit_recovers_known_fractions);
	tcase_add_test(tc, test_op_classes_and_video_lists);
	tcase_add_test(tc, test_cli_merge_fit_and_predict);
	suite_add_tcase(s, tc);
	return s;
}
