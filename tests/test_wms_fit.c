/* tests/test_wms_fit.c — profiles/wms_fit.c and `hetsim calibrate
 * workflow`: phase fits recover the distribution their values were drawn
 * from, the jobs CSV reader leaves out slot waits and anomalous runs whose
 * submit host differs, its errors are located, the makespan search
 * recovers a known per-job overhead and max_running, never simulates the
 * excluded trace, and the written model has the spec's shape with DISTs a
 * profile loads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>
#include "profiles/profile.h"
#include "profiles/wms_fit.h"
#include "tests/tests.h"

#define SHARED "../shared/data/"

/* A sample with values of (wms_delay, compute) drawn by draw(r) over
 * n_runs runs in turn. */
static void fill(wms_fit_sample *s, int n_runs, size_t n, double (*draw)(gsl_rng *))
{
	memset(s, 0, sizeof *s);
	s->path = strdup("test");
	s->runs = calloc((size_t)n_runs, sizeof *s->runs);
	s->n_runs = s->cap_runs = (uint32_t)n_runs;
	for (int r = 0; r < n_runs; r++) {
		s->runs[r].id = strdup("run");
		s->runs[r].campaign = strdup("c");
		s->runs[r].label = strdup("normal");
		s->runs[r].normal = s->runs[r].admitted = 1;
	}
	wms_fit_values *v = &s->v[WMS_FIT_WMS_DELAY][WMS_FIT_COMPUTE];
	v->x = malloc(n * sizeof *v->x);
	v->run = malloc(n * sizeof *v->run);
	v->n = v->cap = n;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 7);
	for (size_t i = 0; i < n; i++) {
		v->x[i] = draw(g);
		v->run[i] = (uint32_t)(i % (size_t)n_runs);
	}
	gsl_rng_free(g);
}

static double draw_shifted_exp(gsl_rng *g)
{
	return 5.0 + gsl_ran_exponential(g, 1.5);
}

static double draw_lognormal(gsl_rng *g)
{
	return gsl_ran_lognormal(g, 2.0, 0.4);
}

static double num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	ck_assert_msg(json_is_number(v), "no number %s", k);
	return json_number_value(v);
}

START_TEST(phase_fit_recovers_a_shifted_exponential)
{
	wms_fit_sample s;
	fill(&s, 6, 3000, draw_shifted_exp);
	wms_fit_gof g;
	json_t *e = wms_fit_dist(&s, &s.v[WMS_FIT_WMS_DELAY][WMS_FIT_COMPUTE], "t", &g);
	double ks = g.ks_held, mean = g.mean_s;
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(json_string_value(json_object_get(e, "model")), "exponential");
	ck_assert_msg(fabs(num(e, "mean") - 1.5) < 0.08, "mean %g", num(e, "mean"));
	ck_assert_msg(fabs(num(e, "shift") - 5.0) < 0.01, "shift %g", num(e, "shift"));
	ck_assert_msg(fabs(mean - 6.5) < 0.1, "sample mean %g", mean);
	/* held out: runs 1 and 4 of 6; a right model passes on them */
	ck_assert_msg(ks < 0.04, "held-out D %g", ks);
	ck_assert_ptr_null(json_object_get(e, "task"));
	ck_assert_ptr_null(json_object_get(e, "machine"));
	ck_assert(strstr(json_string_value(json_object_get(e, "source")), "held out: KS D="));
	ck_assert_int_eq(g.n_held, 1000);
	ck_assert_msg(fabs(g.mean_held_s - g.model_mean_train_s) < 0.15, "held-out mean %g vs %g",
		      g.mean_held_s, g.model_mean_train_s);
	json_decref(e);
	wms_fit_sample_free(&s);
}
END_TEST

START_TEST(phase_fit_recovers_a_lognormal_and_holds_out_runs)
{
	wms_fit_sample s;
	fill(&s, 3, 3000, draw_lognormal);
	double *train, *test;
	long nt = wms_fit_select(&s, &s.v[WMS_FIT_WMS_DELAY][WMS_FIT_COMPUTE], 0, &train);
	long nh = wms_fit_select(&s, &s.v[WMS_FIT_WMS_DELAY][WMS_FIT_COMPUTE], 1, &test);
	ck_assert_int_eq(nt, 2000); /* runs 0 and 2 */
	ck_assert_int_eq(nh, 1000); /* run 1 */
	free(train);
	free(test);
	wms_fit_gof g;
	json_t *e = wms_fit_dist(&s, &s.v[WMS_FIT_WMS_DELAY][WMS_FIT_COMPUTE], "t", &g);
	double ks = g.ks_held, mean = g.mean_s;
	ck_assert_ptr_nonnull(e);
	const char *m = json_string_value(json_object_get(e, "model"));
	ck_assert_str_eq(m, "lognormal"); /* maybe shifted: AIC may take a shift */
	double shift = json_object_get(e, "shift") ? num(e, "shift") : 0;
	double med = shift + exp(num(e, "mu")); /* e^2 = 7.389 */
	ck_assert_msg(fabs(med - exp(2.0)) < 0.1, "median %g", med);
	ck_assert_msg(fabs(mean - exp(2.0 + 0.08)) < 0.15, "mean %g", mean);
	ck_assert_msg(ks < 0.04, "held-out D %g", ks);
	json_decref(e);
	wms_fit_sample_free(&s);
}
END_TEST

/* Run A (normal): j1, j2 start at 25 on host h1; j3 is submitted at 10
 * and starts at 50, right when j1 ends on h1: a slot wait. 20 more jobs
 * on other hosts. Run B (anomalous, same campaign) has wms delays of
 * 50 s: its submit host differs, its submit-host phases are not used.
 * Run C (anomalous) matches A. */
static const char *jobs_csv(void)
{
	static char b[8192];
	int n = snprintf(b, sizeof b,
			 "campaign,run_id,anomaly_label,job_type,job_class,host,submit,"
			 "execute_start,execute_end,wms_delay,queue_delay,runtime,"
			 "post_script_delay\n"
			 "c,A,normal,individuals,compute,h1,5,25,50,5,20,25,5\n"
			 "c,A,normal,individuals,compute,h1,5,25,80,5,20,55,5\n"
			 "c,A,normal,individuals,compute,h1,10,50,90,6,40,40,5\n"
			 "c,A,normal,cleanup,auxiliary,m,100,101,105,5,1,4,5\n");
	for (int i = 0; i < 20; i++)
		n += snprintf(b + n, sizeof b - (size_t)n,
			      "c,A,normal,frequency,compute,w%d,5,%d,90,%d,%d,30,5\n"
			      "c,B,hdd_100,frequency,compute,w%d,50,70,90,%d,20,20,5\n"
			      "c,C,cpu_2,frequency,compute,w%d,5,25,50,%d,20,25,5\n",
			      i, 6 + i % 3, 5 + i % 2, 1 + i % 3, i, 50 + i % 4, i, 5 + (i + 1) % 2);
	return b;
}

START_TEST(reader_leaves_out_slot_waits_and_a_differing_submit_host)
{
	wms_fit_sample s;
	io_err err = {0};
	ck_assert_msg(wms_fit_sample_read(&s, test_write("jobs.csv", jobs_csv()), &err) == 0, "%s",
		      err.msg);
	ck_assert_int_eq(s.n_rows, 64);
	ck_assert_int_eq(s.n_runs, 3);
	ck_assert_int_eq(s.n_slot_wait, 1);
	/* queue delays: the normal run's compute jobs that did not wait */
	ck_assert_int_eq(s.v[WMS_FIT_QUEUE_DELAY][WMS_FIT_COMPUTE].n, 22);
	ck_assert_msg(s.runs[0].admitted && !s.runs[1].admitted && s.runs[2].admitted,
		      "admitted %d %d %d (p %g %g)", s.runs[0].admitted, s.runs[1].admitted,
		      s.runs[2].admitted, s.runs[1].admit_p, s.runs[2].admit_p);
	/* wms delays: A's 23 and C's 20 */
	ck_assert_int_eq(s.v[WMS_FIT_WMS_DELAY][WMS_FIT_COMPUTE].n, 43);
	ck_assert_int_eq(s.aux[WMS_FIT_AUX_CLEANUP].n, 1);
	ck_assert_double_eq(s.aux[WMS_FIT_AUX_CLEANUP].x[0], 4);
	wms_fit_sample_free(&s);
}
END_TEST

/* --exclude-run: the reader drops every row of the run, as if the file had
 * none of them: without C (cpu_2, 20 rows), 44 rows of 2 runs, wms delays
 * of A alone (23); without B the same 43 as with every run (B's submit
 * host is not admitted anyway) over 2 runs. */
START_TEST(reader_leaves_out_one_run_on_request)
{
	wms_fit_sample s;
	io_err err = {0};
	const char *path = test_write("jobs.csv", jobs_csv());
	ck_assert_msg(wms_fit_sample_read_except(&s, path, "C", &err) == 0, "%s", err.msg);
	ck_assert_int_eq(s.n_rows, 44);
	ck_assert_int_eq(s.n_skipped, 20);
	ck_assert_int_eq(s.n_runs, 2);
	for (uint32_t r = 0; r < s.n_runs; r++)
		ck_assert_str_ne(s.runs[r].id, "C");
	ck_assert_int_eq(s.v[WMS_FIT_WMS_DELAY][WMS_FIT_COMPUTE].n, 23);
	wms_fit_sample_free(&s);
	ck_assert_msg(wms_fit_sample_read_except(&s, path, "B", &err) == 0, "%s", err.msg);
	ck_assert_int_eq(s.n_rows, 44);
	ck_assert_int_eq(s.n_runs, 2);
	ck_assert_int_eq(s.v[WMS_FIT_WMS_DELAY][WMS_FIT_COMPUTE].n, 43);
	wms_fit_sample_free(&s);
	/* an unknown run leaves everything in */
	ck_assert_msg(wms_fit_sample_read_except(&s, path, "Z", &err) == 0, "%s", err.msg);
	ck_assert_int_eq(s.n_rows, 64);
	ck_assert_int_eq(s.n_skipped, 0);
	wms_fit_sample_free(&s);
}
END_TEST

START_TEST(reader_errors_name_file_and_line)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"campaign,run_id\nc,A\n", ":1: no column \"anomaly_label\""},
		{"campaign,run_id,anomaly_label,job_type,job_class,host,submit,execute_start,"
		 "execute_end,wms_delay,queue_delay,runtime,post_script_delay\n"
		 "c,A,normal,x,compute,h,1,2,3,4,5,6,7\n"
		 "c,A,normal,x,computer,h,1,2,3,4,5,6,7\n",
		 ":3: job_class \"computer\""},
		{"campaign,run_id,anomaly_label,job_type,job_class,host,submit,execute_start,"
		 "execute_end,wms_delay,queue_delay,runtime,post_script_delay\n"
		 "c,A,normal,x,compute,h,1,2,3,4,abc,6,7\n",
		 ":2: queue_delay: not a time"},
		{"campaign,run_id,anomaly_label,job_type,job_class,host,submit,execute_start,"
		 "execute_end,wms_delay,queue_delay,runtime,post_script_delay\n"
		 "c,A,normal,x,compute,h,1,2,3,-4,5,6,7\n",
		 ":2: wms_delay: negative duration"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		wms_fit_sample s;
		io_err err = {0};
		const char *p = test_write("bad.csv", bad[i].text);
		ck_assert_int_eq(wms_fit_sample_read(&s, p, &err), IO_EINPUT);
		ck_assert_msg(strstr(err.msg, "bad.csv") && strstr(err.msg, bad[i].want),
			      "case %zu: %s", i, err.msg);
		wms_fit_sample_free(&s);
	}
}
END_TEST

START_TEST(cli_malformed_csv_is_a_located_error)
{
	const char *p = test_write("broken.csv",
				   "campaign,run_id,anomaly_label,job_type,job_class,host,submit,"
				   "execute_start,execute_end,wms_delay,queue_delay,runtime,"
				   "post_script_delay\nc,A,normal,x,compute,h,1,2,3,4,5,6\n");
	char cmd[1024], err[1024];
	snprintf(cmd, sizeof cmd, "%s calibrate workflow --system pegasus --anomaly-sample %s "
		 "--out %s/m.json", test_bin(), p, test_tmpdir());
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "broken.csv:2: the row has 12 fields, the header has 13"),
		      "%s", err);
}
END_TEST

/* A broken trace among the traces: its loader's located error, exit 2. */
START_TEST(cli_bad_trace_is_a_located_error)
{
	char dir[600], cmd[1400], err[1024];
	snprintf(dir, sizeof dir, "%s/traces", test_tmpdir());
	snprintf(cmd, sizeof cmd, "(mkdir -p %s && printf '{\"name\": \"x\",\\n oops}' > "
		 "%s/bad.json)", dir, dir);
	ck_assert_int_eq(test_run(cmd, NULL, 0), 0);
	snprintf(cmd, sizeof cmd, "%s calibrate workflow --system makeflow --traces %s --out "
		 "%s/m.json", test_bin(), dir, test_tmpdir());
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "bad.json:2: "), "%s", err);
}
END_TEST

/* ---- the search ------------------------------------------------------- */

/* Trace 0: 40 parallel jobs, makespan 100 + 40 h / min(k, 48);
 * trace 1: a chain of 5, 50 + 5 h (k does not matter);
 * trace 2: 20 parallel jobs then a chain of 3, 200 + 20 h / min(k, 48) + 3 h. */
typedef struct toy {
	int calls[3];
	long forbidden;
} toy;

static int toy_makespan(void *ctx, size_t i, double h, int k, double *m, io_err *err)
{
	toy *t = ctx;
	tck_assert_msg((long)i != t->forbidden, "the excluded trace %zu was simulated", i);
	t->calls[i]++;
	double slots = k > 0 && k < 48 ? k : 48;
	*m = i == 0 ? 100 + 40 * h / slots : i == 1 ? 50 + 5 * h : 200 + 20 * h / slots + 3 * h;
	return 0;
}

START_TEST(search_recovers_overhead_and_max_running)
{
	/* recorded from h = 10, k = 4 */
	double rec[3] = {100 + 40 * 10 / 4.0, 50 + 5 * 10, 200 + 20 * 10 / 4.0 + 30};
	toy t = {{0}, -1};
	wms_fit_search_args a = {.n_traces = 3, .recorded_s = rec, .exclude = -1, .fit_h = 1,
				 .prior_k = -1, .makespan = toy_makespan, .ctx = &t};
	wms_fit_result r;
	io_err err = {0};
	ck_assert_int_eq(wms_fit_search(&a, &r, &err), 0);
	ck_assert_int_eq(r.k, 4);
	ck_assert_msg(fabs(r.h_s - 10) < 0.01, "h %g", r.h_s);
	ck_assert_msg(r.score < 1e-3, "score %g", r.score);
	ck_assert_int_eq(r.n_used, 3);
	/* k fixed at 0 (unlimited): h alone, the median of the traces' roots
	 * at 48 slots (120, 10, 80 / (3 + 20 / 48)) */
	a.k_unlimited = 1;
	ck_assert_int_eq(wms_fit_search(&a, &r, &err), 0);
	ck_assert_int_eq(r.k, 0);
	ck_assert_msg(fabs(r.h_s - 80 / (3 + 20 / 48.0)) < 0.01, "h %g", r.h_s);
}
END_TEST

START_TEST(leave_one_out_never_simulates_the_excluded_trace)
{
	/* trace 2 recorded from a different h: left out, the others give
	 * h = 10 exactly; if it were used the median h would move */
	double rec[3] = {100 + 40 * 10 / 4.0, 50 + 5 * 10, 200 + 20 * 30 / 4.0 + 90};
	toy t = {{0}, 2};
	wms_fit_search_args a = {.n_traces = 3, .recorded_s = rec, .exclude = 2, .fit_h = 1,
				 .prior_k = 4, .makespan = toy_makespan, .ctx = &t};
	wms_fit_result r;
	io_err err = {0};
	ck_assert_int_eq(wms_fit_search(&a, &r, &err), 0);
	ck_assert_int_eq(t.calls[2], 0);
	ck_assert(t.calls[0] > 0 && t.calls[1] > 0);
	ck_assert_int_eq(r.n_used, 2);
	ck_assert_msg(fabs(r.h_s - 10) < 0.01, "h %g", r.h_s);
	/* with one trace, every k fits: the prior breaks the tie */
	int use[3] = {1, 0, 0};
	a.use = use;
	a.exclude = -1;
	a.prior_k = 8;
	t.forbidden = -1;
	ck_assert_int_eq(wms_fit_search(&a, &r, &err), 0);
	ck_assert_int_eq(r.k, 8);
	ck_assert_msg(fabs(100 + 40 * r.h_s / 8 - rec[0]) < 0.01, "h %g", r.h_s);
	/* nothing left */
	use[0] = 0;
	ck_assert_int_eq(wms_fit_search(&a, &r, &err), IO_EINPUT);
}
END_TEST

/* The command on the shared data: --exclude T --predict T says it was
 * left out and predicts it differently from the in-sample fit (blast is
 * the only Makeflow trace: without it the model is the pooled prior). */
START_TEST(cli_leave_one_out_excludes_the_predicted_trace)
{
	char cmd[2048], out[2][512];
	const char *t = "blast-chameleon-small-001.json";
	for (int loo = 0; loo < 2; loo++) {
		snprintf(cmd, sizeof cmd,
			 "(%s calibrate workflow --system makeflow --traces " SHARED
			 "workflows/wfformat %s%s --predict %s --quiet > %s/pred%d.txt)",
			 test_bin(), loo ? "--exclude " : "", loo ? t : "", t, test_tmpdir(), loo);
		ck_assert_int_eq(test_run(cmd, NULL, 0), 0);
		snprintf(cmd, sizeof cmd, "%s/pred%d.txt", test_tmpdir(), loo);
		char *s = test_slurp(cmd, NULL);
		ck_assert_ptr_nonnull(s);
		snprintf(out[loo], sizeof out[loo], "%s", s);
		free(s);
	}
	double rec, zero, sim[2];
	int ex[2];
	char name[256];
	for (int loo = 0; loo < 2; loo++)
		ck_assert_int_eq(sscanf(out[loo], "predict %255s recorded %lf zero_overhead %lf "
					"simulated %lf excluded %d", name, &rec, &zero, &sim[loo],
					&ex[loo]), 5);
	ck_assert_int_eq(ex[0], 0);
	ck_assert_int_eq(ex[1], 1);
	ck_assert_msg(fabs(sim[0] - rec) / rec < 0.01, "in-sample %g vs %g", sim[0], rec);
	ck_assert_msg(fabs(sim[1] - rec) / rec > 0.2, "leave-one-out %g vs %g", sim[1], rec);
}
END_TEST

/* `hetsim calibrate workflow` recovers a known dispatch time d = 12 s
 * from makespans simulated by hand for a serial submit host: 6
 * independent jobs of 5 s on 8 cores (the last dispatched at 6 d, makespan
 * 6 d + 5 = 77 s) and a chain of 3 jobs of 10 s (3 (d + 10) = 66 s); the
 * model written replays both within 0.01 s through the run engine. */
START_TEST(cli_fit_recovers_a_known_dispatch_time)
{
	char dir[600], cmd[2400], err[1024], model[700];
	snprintf(dir, sizeof dir, "%s/dispatch_traces", test_tmpdir());
	snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
	ck_assert_int_eq(test_run(cmd, NULL, 0), 0);
	static const struct {
		const char *name;
		int n, chain;
		double runtime_s, makespan_s;
	} c[] = {{"wide", 6, 0, 5, 77}, {"chain", 3, 1, 10, 66}};
	for (int k = 0; k < 2; k++) {
		char tasks[2048] = "", exec[2048] = "", path[800];
		size_t lt = 0, le = 0;
		for (int j = 0; j < c[k].n; j++) {
			char par[32] = "";
			if (c[k].chain && j)
				snprintf(par, sizeof par, "\"j%d\"", j - 1);
			lt += (size_t)snprintf(tasks + lt, sizeof tasks - lt,
					       "%s{\"name\": \"j%d\", \"id\": \"j%d\", "
					       "\"parents\": [%s]}", j ? ",\n" : "", j, j, par);
			le += (size_t)snprintf(exec + le, sizeof exec - le,
					       "%s{\"id\": \"j%d\", \"runtimeInSeconds\": %g, "
					       "\"machines\": [\"n1\"]}", j ? ",\n" : "", j,
					       c[k].runtime_s);
		}
		snprintf(path, sizeof path, "%s/%s.json", dir, c[k].name);
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "{\"name\": \"%s\", \"schemaVersion\": \"1.5\",\n"
			"\"runtimeSystem\": {\"name\": \"Makeflow\"},\n"
			"\"workflow\": {\"specification\": {\"tasks\": [%s], \"files\": []},\n"
			"\"execution\": {\"makespanInSeconds\": %g, \"tasks\": [%s],\n"
			"\"machines\": [{\"nodeName\": \"n1\", \"cpu\": {\"coreCount\": 8}}]}}}\n",
			c[k].name, tasks, c[k].makespan_s, exec);
		fclose(f);
	}
	snprintf(model, sizeof model, "%s/wms_known_d.json", test_tmpdir());
	snprintf(cmd, sizeof cmd, "%s calibrate workflow --system makeflow --traces %s --out %s "
		 "--quiet", test_bin(), dir, model);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
	json_error_t je;
	json_t *m = json_load_file(model, 0, &je);
	ck_assert_msg(m, "%s", je.text);
	const json_t *d = json_object_get(json_object_get(json_object_get(m, "phases"),
							  "dispatch"), "*");
	double dv = json_number_value(json_object_get(d, "value"));
	ck_assert_msg(fabs(dv - 12) < 0.01, "dispatch %g s, want 12", dv);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "max_running")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "submit_slots")), 1);
	ck_assert_ptr_null(json_object_get(json_object_get(m, "phases"), "startup"));
	json_decref(m);
	for (int k = 0; k < 2; k++) {
		char out[800];
		snprintf(out, sizeof out, "%s/known_d_%s", test_tmpdir(), c[k].name);
		snprintf(cmd, sizeof cmd, "%s replay %s/%s.json --wms %s --out %s --quiet",
			 test_bin(), dir, c[k].name, model, out);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
		snprintf(cmd, sizeof cmd, "%s/summary.json", out);
		json_t *s = json_load_file(cmd, 0, &je);
		ck_assert_msg(s, "%s", je.text);
		double ms = json_number_value(json_object_get(json_object_get(s, "metrics"),
							      "makespan_s"));
		ck_assert_msg(fabs(ms - c[k].makespan_s) < 0.01, "%s: replayed %g, recorded %g",
			      c[k].name, ms, c[k].makespan_s);
		json_decref(s);
	}
}
END_TEST

/* The model written for Pegasus: the spec's members, and every DIST loads
 * as a profile execution-time model. */
/* The fitter recovers a d that the simulator itself put into a trace: the
 * shared epigenomics trace (41 jobs, one 48-core host) replayed with a
 * model of d = 10 s and nothing else gives a makespan M; the same trace
 * with M as its recorded makespan, fitted alone (no phases), gives back
 * d = 10 s. */
START_TEST(cli_fit_recovers_d_from_a_trace_the_simulator_made)
{
	const char *src = "../shared/data/workflows/wfformat/"
			  "epigenomics-chameleon-hep-1seq-100k-001.json";
	char dir[600], cmd[2400], err[1024], path[800], model[700];
	const char *known = test_write(
		"wms_d10.json", "{\"wms\": \"known\", \"phases\": {\"dispatch\": "
				"{\"*\": {\"model\": \"constant\", \"value\": 10}}}}\n");
	snprintf(cmd, sizeof cmd, "%s replay %s --wms %s --out %s/sim_d10 --quiet", test_bin(),
		 src, known, test_tmpdir());
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
	snprintf(path, sizeof path, "%s/sim_d10/summary.json", test_tmpdir());
	json_error_t je;
	json_t *sum = json_load_file(path, 0, &je);
	ck_assert_msg(sum, "%s", je.text);
	double made = json_number_value(json_object_get(json_object_get(sum, "metrics"),
							"makespan_s"));
	json_decref(sum);
	ck_assert_msg(made > 41 * 10, "makespan %g s", made);
	json_t *tr = json_load_file(src, 0, &je);
	ck_assert_msg(tr, "%s", je.text);
	json_object_set_new(json_object_get(json_object_get(tr, "workflow"), "execution"),
			    "makespanInSeconds", json_real(made));
	snprintf(dir, sizeof dir, "%s/made_traces", test_tmpdir());
	snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
	ck_assert_int_eq(test_run(cmd, NULL, 0), 0);
	snprintf(path, sizeof path, "%s/epigenomics_d10.json", dir);
	ck_assert_int_eq(json_dump_file(tr, path, 0), 0);
	json_decref(tr);
	snprintf(model, sizeof model, "%s/wms_made.json", test_tmpdir());
	snprintf(cmd, sizeof cmd, "%s calibrate workflow --system pegasus --traces %s --out %s "
		 "--quiet", test_bin(), dir, model);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
	json_t *m = json_load_file(model, 0, &je);
	ck_assert_msg(m, "%s", je.text);
	double dv = json_number_value(json_object_get(
		json_object_get(json_object_get(json_object_get(m, "phases"), "dispatch"), "*"),
		"value"));
	ck_assert_msg(fabs(dv - 10) < 0.01, "dispatch %g s, want 10 (makespan %g s)", dv, made);
	json_decref(m);
}
END_TEST

START_TEST(written_model_has_the_spec_shape_and_loadable_dists)
{
	char cmd[2048], path[600];
	snprintf(path, sizeof path, "%s/wms_pegasus.json", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s calibrate workflow --system pegasus --anomaly-sample " SHARED
		 "anomaly_sample --traces " SHARED "workflows/wfformat --out %s --quiet",
		 test_bin(), path);
	ck_assert_int_eq(test_run(cmd, NULL, 0), 0);
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	ck_assert_msg(m, "%s", je.text);
	ck_assert_str_eq(json_string_value(json_object_get(m, "wms")), "Pegasus");
	ck_assert(json_is_string(json_object_get(m, "source")));
	ck_assert_str_eq(json_string_value(json_object_get(m, "staging")), "inside");
	ck_assert(json_integer_value(json_object_get(m, "max_running")) >= 0);
	const json_t *ph = json_object_get(m, "phases");
	const char *need[] = {"wms_delay", "queue_delay", "post_delay"};
	json_t *exec = json_array();
	for (int i = 0; i < 3; i++) {
		const json_t *p = json_object_get(ph, need[i]);
		ck_assert_msg(json_object_get(p, "*"), "%s has no \"*\"", need[i]);
		const char *cls;
		json_t *d;
		json_object_foreach((json_t *)p, cls, d) {
			ck_assert_msg(!strcmp(cls, "*") || wms_fit_class_from_name(cls) >= 0, "%s", cls);
			json_t *e = json_deep_copy(d);
			json_object_set_new(e, "task", json_string("t"));
			json_object_set_new(e, "machine", json_string("m"));
			json_t *prof = json_pack("{s:[{s:s}], s:[{s:s}], s:[o]}", "machine_types",
						 "name", "m", "task_types", "name", "t", "exec", e);
			char *text = json_dumps(prof, 0);
			prof_profile *pr = NULL;
			io_err err = {0};
			ck_assert_msg(prof_load(&pr, test_write("dist.json", text), &err) == 0,
				      "%s.%s: %s", need[i], cls, err.msg);
			double q = prof_sample(pr, 0, 0, 0.5);
			ck_assert_msg(q >= 0 && q < 100, "%s.%s median %g", need[i], cls, q);
			prof_free(pr);
			free(text);
			json_decref(prof);
		}
	}
	const json_t *aux = json_object_get(m, "aux_jobs");
	ck_assert_int_eq(json_array_size(aux), 3);
	const char *where[] = {"first", "after_sinks", "last"};
	for (size_t i = 0; i < 3; i++) {
		const json_t *a = json_array_get(aux, i);
		ck_assert_str_eq(json_string_value(json_object_get(a, "where")), where[i]);
		ck_assert(json_is_object(json_object_get(a, "runtime")));
		ck_assert(wms_fit_class_from_name(json_string_value(json_object_get(a, "class"))) >= 0);
	}
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(aux, 1), "count")), 3);
	json_decref(exec);
	json_decref(m);
}
END_TEST

/* The shipped models load in the WMS loader and replay their systems'
 * traces through the run engine (hetsim replay; skipped while the binary
 * has no replay command): Makeflow and Nextflow, fitted on their one trace
 * each, within 5% of the recorded makespan. */
START_TEST(shipped_models_replay_their_traces)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "%s replay --help", test_bin());
	if (test_run(cmd, NULL, 0) != 0)
		return;
	static const struct {
		const char *sys, *trace;
		double tol_pct;
	} c[] = {{"pegasus", "helloworld-chain-5-chameleon.json", 100},
		 {"makeflow", "blast-chameleon-small-001.json", 5},
		 {"nextflow", "bacass-dirt02-001.json", 5}};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		char err[1024], out[600];
		snprintf(out, sizeof out, "%s/replay-%s", test_tmpdir(), c[i].sys);
		snprintf(cmd, sizeof cmd,
			 "%s replay " SHARED "workflows/wfformat/%s --wms profiles/data/wms_%s.json "
			 "--out %s --quiet", test_bin(), c[i].trace, c[i].sys, out);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s: %s", c[i].sys, err);
		snprintf(cmd, sizeof cmd, "%s/summary.json", out);
		json_error_t je;
		json_t *s = json_load_file(cmd, 0, &je);
		ck_assert_msg(s, "%s", je.text);
		double e = json_number_value(json_object_get(s, "error_pct"));
		ck_assert_msg(fabs(e) <= c[i].tol_pct, "%s: error %g%%", c[i].sys, e);
		json_decref(s);
	}
}
END_TEST

Suite *suite_wms_fit(void)
{
	Suite *s = suite_create("wms_fit");
	TCase *tc = tcase_create("wms_fit");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, phase_fit_recovers_a_shifted_exponential);
	tcase_add_test(tc, phase_fit_recovers_a_lognormal_and_holds_out_runs);
	tcase_add_test(tc, reader_leaves_out_slot_waits_and_a_differing_submit_host);
	tcase_add_test(tc, reader_leaves_out_one_run_on_request);
	tcase_add_test(tc, reader_errors_name_file_and_line);
	tcase_add_test(tc, cli_malformed_csv_is_a_located_error);
	tcase_add_test(tc, cli_bad_trace_is_a_located_error);
	tcase_add_test(tc, search_recovers_overhead_and_max_running);
	tcase_add_test(tc, leave_one_out_never_simulates_the_excluded_trace);
	tcase_add_test(tc, cli_leave_one_out_excludes_the_predicted_trace);
	tcase_add_test(tc, cli_fit_recovers_a_known_dispatch_time);
	tcase_add_test(tc, cli_fit_recovers_d_from_a_trace_the_simulator_made);
	tcase_add_test(tc, written_model_has_the_spec_shape_and_loadable_dists);
	tcase_add_test(tc, shipped_models_replay_their_traces);
	suite_add_tcase(s, tc);
	return s;
}
