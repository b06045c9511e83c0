/* tests/test_fuzz.c — mutation fuzzing of every input parser, in process
 * (so that ASan/UBSan in CI see each case): experiments with inline
 * profiles and workloads, and trace CSVs. Each mutant must either load (and
 * then run a few tasks) or fail with IO_EINPUT and a message naming a
 * file; never crash, hang or leak. Deterministic: a fixed seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/base/rng.h"
#include "sim/sim.h"
#include "tests/tests.h"

static const char seed_experiment[] =
	"{\"name\": \"fz\",\n"
	" \"profile\": {\"machine_types\": [{\"name\": \"a\", \"slots\": 2, \"price_usd_h\": 0.1,\n"
	"   \"power_w\": {\"idle\": 1, \"busy\": 5}}, {\"name\": \"b\"}],\n"
	"  \"task_types\": [{\"name\": \"x\"}, {\"name\": \"y\"}],\n"
	"  \"exec\": [{\"task\": \"x\", \"machine\": \"a\", \"model\": \"gamma\", \"shape\": 2, \"scale\": 0.5},\n"
	"   {\"task\": \"x\", \"machine\": \"b\", \"model\": \"empirical\", \"samples\": [0.1, 0.5, 0.2]},\n"
	"   {\"task\": \"y\", \"machine\": \"a\", \"model\": \"weibull\", \"shape\": 1.5, \"scale\": 1, \"shift\": 0.1},\n"
	"   {\"task\": \"y\", \"machine\": \"b\", \"model\": \"normal\", \"mean\": 1, \"sd\": 0.3}]},\n"
	" \"machines\": [{\"type\": \"a\", \"count\": 2}, {\"type\": \"b\", \"queue_capacity\": 1}],\n"
	" \"queue\": {\"capacity\": 3, \"when_full\": \"reject\"},\n"
	" \"workload\": {\"arrival\": \"mmpp\", \"rates_per_s\": [1, 5], \"mean_sojourn_s\": [3, 1],\n"
	"   \"mix\": {\"x\": 1, \"y\": 2}, \"tasks\": 40},\n"
	" \"deadline\": {\"slack\": 3, \"reference\": \"mean\"},\n"
	" \"policies\": [\"mct\", {\"name\": \"kpb\", \"k_percent\": 50}, \"random\",\n"
	"   {\"name\": \"minmin\", \"drop_infeasible\": true}, \"sufferage\",\n"
	"   {\"name\": \"felare\", \"objective\": \"cost\"}],\n"
	" \"drop\": {\"at_mapping\": true, \"in_queue\": false, \"while_running\": true},\n"
	" \"pruning\": {\"threshold\": 0.3, \"action\": \"defer\"},\n"
	" \"replications\": 2, \"billing_granularity_s\": 60,\n"
	" \"seed\": 3, \"output\": {\"dir\": \"\"}}\n";

static const char seed_trace[] =
	"arrival_s,task_type,deadline_s,size\n0,x,1,5\n0.5,y,,\n0.5,x,2.5,1\n3,y,9,2\n";

static const char *const tokens[] = {
	"NaN", "-1", "1e999", "0", "\"", "{", "}", "[", "]", ",", ":", "null",
	"true", "\"a\"", "\"x\"", "1e-320", "18446744073709551616", "\\u0000",
	"\n", "\"model\": \"constant\"", "-0", "4294967296"};

static void mutate(const char *in, size_t n, char *out, size_t cap,
		   gsl_rng *r)
{
	size_t len = n < cap - 1 ? n : cap - 1;
	memcpy(out, in, len);
	int edits = 1 + (int)gsl_rng_uniform_int(r, 4);
	for (int e = 0; e < edits && len > 0; e++) {
		size_t at = gsl_rng_uniform_int(r, len);
		switch (gsl_rng_uniform_int(r, 4)) {
		case 0: /* flip a byte */
			out[at] = (char)(out[at] ^ (1 << gsl_rng_uniform_int(r, 7)));
			break;
		case 1: { /* delete a range */
			size_t k = 1 + gsl_rng_uniform_int(r, 8);
			if (at + k > len)
				k = len - at;
			memmove(out + at, out + at + k, len - at - k);
			len -= k;
			break;
		}
		case 2: { /* insert a token */
			const char *t = tokens[gsl_rng_uniform_int(
				r, sizeof tokens / sizeof tokens[0])];
			size_t k = strlen(t);
			if (len + k >= cap)
				break;
			memmove(out + at + k, out + at, len - at);
			memcpy(out + at, t, k);
			len += k;
			break;
		}
		default: /* truncate */
			len = at;
		}
	}
	out[len] = 0;
}

static void try_experiment(const char *path)
{
	io_err err = {0};
	sim_experiment *x = NULL;
	int rc = sim_experiment_load(&x, path, &err);
	if (rc) {
		tck_int_eq(rc, IO_EINPUT);
		tck_int_eq(err.code, IO_EINPUT);
		tck_assert_msg(err.msg[0] && !strchr(err.msg, '\n'), "[%s]", err.msg);
		return;
	}
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	o.out_dir = "";
	o.quiet = 1;
	o.tasks = 300; /* a mutated task count must not make a long run */
	rc = sim_run_experiment(x, &o, NULL, NULL, &err);
	ck_assert_msg(rc == 0 || rc == IO_EINPUT, "%d %s", rc, err.msg);
	sim_experiment_free(x);
}

START_TEST(fuzz_experiment_files)
{
	gsl_rng *r = sim_rng_new(2026, 0);
	static char buf[8192];
	for (int i = 0; i < 1500; i++) {
		mutate(seed_experiment, sizeof seed_experiment - 1, buf,
		       sizeof buf, r);
		try_experiment(test_write("fz.json", buf));
	}
	gsl_rng_free(r);
}
END_TEST

START_TEST(fuzz_trace_files)
{
	gsl_rng *r = sim_rng_new(2027, 0);
	const char *exp = test_write("fzt.json",
		"{\"profile\": {\"machine_types\": [{\"name\": \"a\"}],\n"
		" \"task_types\": [{\"name\": \"x\"}, {\"name\": \"y\"}],\n"
		" \"exec\": [{\"task\": \"x\", \"machine\": \"a\", \"model\": \"constant\", \"value\": 0.2},\n"
		"  {\"task\": \"y\", \"machine\": \"a\", \"model\": \"exponential\", \"mean\": 0.3}]},\n"
		" \"machines\": [{\"type\": \"a\", \"count\": 2}],\n"
		" \"workload\": {\"arrival\": \"trace\", \"file\": \"fz_trace.csv\"},\n"
		" \"policy\": \"fcfs\", \"output\": {\"dir\": \"\"}}\n");
	static char buf[4096];
	for (int i = 0; i < 1500; i++) {
		mutate(seed_trace, sizeof seed_trace - 1, buf, sizeof buf, r);
		test_write("fz_trace.csv", buf);
		try_experiment(exp);
	}
	gsl_rng_free(r);
}
END_TEST

/* E2C-Sim inputs: the EET matrix and the workload CSV, mutated in turn. */
static const char seed_eet[] = ",a,b\nx,0.2,inf\ny,0.5,0.1\n";
static const char seed_e2c_workload[] =
	"id,task_type,data_size,arrival_time,deadline\n0,x,3,0,1\n1,y,,0.5,\n"
	"2,x,1,0.5,2.5\n3,y,0,3,9\n";

START_TEST(fuzz_e2c_files)
{
	gsl_rng *r = sim_rng_new(2028, 0);
	const char *exp = test_write("fze.json",
		"{\"profile\": {\"e2c_eet\": {\"file\": \"fz_eet.csv\", \"noise\": 0.2}},\n"
		" \"machines\": [{\"type\": \"a\", \"count\": 2}, {\"type\": \"b\"}],\n"
		" \"workload\": {\"arrival\": \"e2c\", \"file\": \"fz_wl.csv\"},\n"
		" \"policies\": [\"mct\", \"msd\"], \"output\": {\"dir\": \"\"}}\n");
	static char buf[4096];
	for (int i = 0; i < 1000; i++) {
		int which = i % 2;
		mutate(which ? seed_eet : seed_e2c_workload,
		       which ? sizeof seed_eet - 1 : sizeof seed_e2c_workload - 1,
		       buf, sizeof buf, r);
		test_write("fz_eet.csv", which ? buf : seed_eet);
		test_write("fz_wl.csv", which ? seed_e2c_workload : buf);
		try_experiment(exp);
	}
	gsl_rng_free(r);
}
END_TEST

Suite *suite_fuzz(void)
{
	Suite *s = suite_create("fuzz");
	TCase *tc = tcase_create("parsers");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, fuzz_experiment_files);
	tcase_add_test(tc, fuzz_trace_files);
	tcase_add_test(tc, fuzz_e2c_files);
	suite_add_tcase(s, tc);
	return s;
}
