/* tests/test_e2c.c — E2C-Sim inputs: the EET matrix as a profile (both
 * orientations, noise, cannot-run cells, machine attributes), the workload
 * CSV by column names, the shipped example end to end, bad files
 * rejected with file:line, the E2C parity options ("tie_break",
 * "readiness", felare's "cancel_after_deferrals" and "evict") on
 * hand-worked runs, and E2C-Sim's config.json ("e2c_config"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profiles/profile.h"
#include "tests/tests.h"
#include "workloads/workload.h"

static io_err err;

/* Load a profile object (text) from a file in the test directory, so that
 * its "file" paths resolve there. Returns the code; err has the message. */
static int load(const char *profile_text, prof_profile **out)
{
	memset(&err, 0, sizeof err);
	const char *path = test_write("profile.json", profile_text);
	return prof_load(out, path, &err);
}

static prof_profile *must_load(const char *profile_text)
{
	prof_profile *p;
	int rc = load(profile_text, &p);
	ck_assert_msg(rc == IO_OK, "profile: %s", err.msg);
	return p;
}

static const char eet_rows[] = ",CPU,GPU,FPGA\n"
			       "T1,4,1,inf\n"
			       "T2,2.5,0.5,1\n"
			       "\n"
			       "T3,6,,1.5\n";

START_TEST(test_eet_tasks_as_rows_constant_without_noise)
{
	test_write("eet.csv", eet_rows);
	prof_profile *p = must_load("{\"e2c_eet\": {\"file\": \"eet.csv\"}}");
	ck_assert_uint_eq(p->n_machines, 3);
	ck_assert_uint_eq(p->n_tasks, 3);
	ck_assert_str_eq(p->machines[1].name, "GPU");
	ck_assert_str_eq(p->tasks[2].name, "T3");
	ck_assert_int_eq(prof_model_at(p, 0, 0)->kind, PROF_CONSTANT);
	ck_assert_double_eq(prof_mean(p, 0, 0), 4.0);
	ck_assert_double_eq(prof_mean(p, 1, 2), 1.0);
	ck_assert_double_eq(prof_sample(p, 2, 2, 0.999), 1.5);
	/* inf and an empty cell: cannot run */
	ck_assert(!prof_can_run(p, 0, 2));
	ck_assert(!prof_can_run(p, 2, 1));
	ck_assert(prof_can_run(p, 2, 0));
	ck_assert_uint_eq(p->machines[0].slots, 1);
	prof_free(p);
}
END_TEST

START_TEST(test_eet_noise_is_uniform_around_the_eet)
{
	test_write("eet.csv", eet_rows);
	prof_profile *p = must_load("{\"e2c_eet\": {\"file\": \"eet.csv\", "
				    "\"noise\": 0.2, \"unit\": \"ms\"}}");
	const prof_model *m = prof_model_at(p, 1, 0); /* T2 on CPU: 2.5 ms */
	ck_assert_int_eq(m->kind, PROF_UNIFORM);
	ck_assert_double_eq_tol(prof_mean(p, 1, 0), 2.5e-3, 1e-15);
	ck_assert_double_eq_tol(prof_sample(p, 1, 0, 1e-9), 2.0e-3, 1e-11);
	ck_assert_double_eq_tol(prof_sample(p, 1, 0, 1 - 1e-9), 3.0e-3, 1e-11);
	ck_assert_double_eq_tol(prof_sample(p, 1, 0, 0.25), 2.25e-3, 1e-12);
	prof_free(p);
}
END_TEST

START_TEST(test_eet_with_bom_crlf_and_quoted_names_reads_like_plain)
{
	test_write("eet.csv", "\xEF\xBB\xBF\"\",\"CPU\",\"GPU\",FPGA\r\n"
			      "\"T1\",4,1,inf\r\n"
			      "T2,\"2.5\",0.5,1\r\n"
			      "\r\n"
			      "T3,6,,1.5\r\n");
	prof_profile *p = must_load("{\"e2c_eet\": {\"file\": \"eet.csv\"}}");
	test_write("eet2.csv", eet_rows);
	prof_profile *q = must_load("{\"e2c_eet\": {\"file\": \"eet2.csv\"}}");
	ck_assert_uint_eq(p->n_machines, 3);
	ck_assert_uint_eq(p->n_tasks, 3);
	ck_assert_str_eq(p->machines[0].name, "CPU");
	ck_assert_str_eq(p->tasks[0].name, "T1");
	for (uint32_t t = 0; t < 3; t++)
		for (uint32_t m = 0; m < 3; m++) {
			ck_assert_int_eq(prof_can_run(p, t, m),
					 prof_can_run(q, t, m));
			if (prof_can_run(p, t, m))
				ck_assert_double_eq(prof_mean(p, t, m),
						    prof_mean(q, t, m));
		}
	prof_free(p);
	prof_free(q);
}
END_TEST

START_TEST(test_eet_machines_as_rows_is_the_transpose)
{
	test_write("eet.csv", ",T1,T2,T3\n"
			      "CPU,4,2.5,6\n"
			      "GPU,1,0.5,inf\n"
			      "FPGA,-,1,1.5\n");
	prof_profile *p = must_load("{\"e2c_eet\": {\"file\": \"eet.csv\", "
				    "\"orientation\": \"machines_as_rows\"}}");
	test_write("eet2.csv", eet_rows);
	prof_profile *q = must_load("{\"e2c_eet\": {\"file\": \"eet2.csv\"}}");
	ck_assert_uint_eq(p->n_machines, q->n_machines);
	ck_assert_uint_eq(p->n_tasks, q->n_tasks);
	for (uint32_t t = 0; t < p->n_tasks; t++) {
		ck_assert_str_eq(p->tasks[t].name, q->tasks[t].name);
		for (uint32_t m = 0; m < p->n_machines; m++) {
			ck_assert_int_eq(prof_can_run(p, t, m),
					 prof_can_run(q, t, m));
			if (prof_can_run(p, t, m))
				ck_assert_double_eq(prof_mean(p, t, m),
						    prof_mean(q, t, m));
		}
	}
	prof_free(p);
	prof_free(q);
}
END_TEST

START_TEST(test_eet_machine_attributes_are_merged_by_name)
{
	test_write("eet.csv", eet_rows);
	prof_profile *p = must_load(
		"{\"e2c_eet\": {\"file\": \"eet.csv\"},\n"
		" \"machine_types\": [{\"name\": \"GPU\", \"slots\": 2,\n"
		"   \"power_w\": {\"idle\": 30, \"busy\": 150}}]}");
	ck_assert_uint_eq(p->machines[1].slots, 2);
	ck_assert_double_eq(p->machines[1].busy_w, 150);
	ck_assert_double_eq(p->machines[0].busy_w, 0);
	prof_free(p);
}
END_TEST

/* Each bad EET case: matrix text, profile text, where the error must point
 * ("eet.csv:N:" or "profile.json:N:") and a part of the message. */
static const struct bad_eet {
	const char *csv, *profile, *where, *says;
} bad_eets[] = {
	{",A,B\nT1,1,2\nT2,1\n", NULL, "eet.csv:3:",
	 "the row has 2 fields, the header has 3"},
	{",A,B\nT1,1,2,3\n", NULL, "eet.csv:2:",
	 "the row has 4 fields, the header has 3"},
	{",A,B\nT1,1,1e200\n", NULL, "eet.csv:2:", "not a time from 0 to 1e+15"},
	{",A,B\nT1,1,0x10\n", NULL, "eet.csv:2:", "column 3 (\"B\")"},
	{",A,B\nT1,1,nan\n", NULL, "eet.csv:2:", "column 3 (\"B\")"},
	{";A;B\nT1;1;2\n", NULL, "eet.csv:1:",
	 "fields are separated by ';'; hetsim reads comma-separated CSV"},
	{",A,B\nT1,\"1\"2,3\n", NULL, "eet.csv:2:", "malformed CSV"},
	{",A,B\nT1,1,x\n", NULL, "eet.csv:2:", "column 3 (\"B\")"},
	{",A,B\nT1,1,-2\n", NULL, "eet.csv:2:", "not a time"},
	{",A,A\nT1,1,2\n", NULL, "eet.csv:1:", "both \"A\""},
	{",A,B\nT1,1,2\nT1,3,4\n", NULL, "eet.csv:3:", "row \"T1\" again"},
	{",A,B\nT1,inf,-\n", NULL, "eet.csv:2:", "cannot run on any"},
	{",A,\nT1,1,2\n", NULL, "eet.csv:1:", "column 3 has no name"},
	{",A,B\n", NULL, "eet.csv:1:", "no row after the header"},
	{"", NULL, "eet.csv:", "empty"},
	{",A,B\n,1,2\n", NULL, "eet.csv:2:", "no name"},
	{",A,B\nT1,1,2\n",
	 "{\"e2c_eet\": {\"file\": \"eet.csv\"},\n \"machine_types\": "
	 "[{\"name\": \"C\"}]}",
	 "profile.json:2:", "\"C\" is not in"},
	{",A,B\nT1,1,2\n",
	 "{\"e2c_eet\": {\"file\": \"eet.csv\"},\n \"exec\": []}",
	 "profile.json:2:", "cannot be given with"},
	{",A,B\nT1,1,2\n",
	 "{\"e2c_eet\": {\"file\": \"eet.csv\",\n \"noise\": 1.5}}",
	 "profile.json:2:", "below 1"},
	{",A,B\nT1,1,2\n",
	 "{\"e2c_eet\": {\"file\": \"eet.csv\",\n \"orientation\": \"up\"}}",
	 "profile.json:2:", "unknown orientation"},
	{",A,B\nT1,1,2\n",
	 "{\"e2c_eet\": {\"file\": \"eet.csv\",\n \"colour\": 1}}",
	 "profile.json:2:", "colour"},
	{",A,B\nT1,1,2\n", "{\"e2c_eet\": {\"file\": \"none.csv\"}}",
	 "none.csv", ""},
};

START_TEST(test_eet_bad_file_names_file_and_line)
{
	const struct bad_eet *b = &bad_eets[_i];
	test_write("eet.csv", b->csv);
	prof_profile *p = NULL;
	int rc = load(b->profile ? b->profile
				 : "{\"e2c_eet\": {\"file\": \"eet.csv\"}}",
		      &p);
	ck_assert_msg(rc == IO_EINPUT, "case %d: rc %d (%s)", _i, rc,
		      err.msg);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.msg, b->where) && strstr(err.msg, b->says),
		      "case %d: \"%s\" lacks %s / %s", _i, err.msg, b->where,
		      b->says);
}
END_TEST

/* ------------------------------------------------------------ workload */

static prof_profile *three_types(void)
{
	test_write("eet.csv", eet_rows);
	return must_load("{\"e2c_eet\": {\"file\": \"eet.csv\"}}");
}

/* Source for the workload object text of an experiment in the test dir. */
static int make_source(const prof_profile *p, const char *workload_text,
		       wl_source **out)
{
	char text[1024];
	snprintf(text, sizeof text, "{\"workload\": %s}", workload_text);
	char label[512];
	snprintf(label, sizeof label, "%s/exp.json", test_tmpdir());
	io_jdoc doc;
	memset(&err, 0, sizeof err);
	int rc = io_jdoc_parse(&doc, label, text, strlen(text), &err);
	ck_assert_msg(rc == IO_OK, "%s", err.msg);
	rc = wl_source_from_json(out, &doc,
				 json_object_get(doc.root, "workload"), p, 1,
				 &err);
	io_jdoc_free(&doc);
	return rc;
}

START_TEST(test_workload_columns_found_by_name_in_any_order)
{
	prof_profile *p = three_types();
	test_write("wl.csv", "id,Deadline,task_type,data_size,arrival_time\n"
			     "0,5.5,T2,12,0.25\n"
			     "1,,T3,3,1\n"
			     "2,9,T1,0,1\n");
	wl_source *s;
	int rc = make_source(p, "{\"arrival\": \"e2c\", \"file\": \"wl.csv\"}",
			     &s);
	ck_assert_msg(rc == IO_OK, "%s", err.msg);
	wl_task t;
	ck_assert_int_eq(wl_next(s, &t, &err), 1);
	ck_assert_uint_eq(t.type, 1);
	ck_assert_double_eq(t.arrival_s, 0.25);
	ck_assert_double_eq(t.deadline_s, 5.5);
	ck_assert_double_eq(t.data_size, 12);
	ck_assert_double_eq(t.size, 1); /* E2C-Sim's data size is not work */
	ck_assert_int_eq(wl_next(s, &t, &err), 1);
	ck_assert_uint_eq(t.type, 2);
	ck_assert(isnan(t.deadline_s));
	ck_assert_int_eq(wl_next(s, &t, &err), 1);
	ck_assert_uint_eq(t.id, 2);
	ck_assert_uint_eq(t.type, 0);
	ck_assert_int_eq(wl_next(s, &t, &err), 0);
	wl_free(s);
	prof_free(p);
}
END_TEST

START_TEST(test_workload_indexed_types_relative_deadlines_named_columns)
{
	prof_profile *p = three_types();
	test_write("wl.csv", "kind,when,slack\n"
			     "3,0.5,2\n"
			     "1,0.75,0\n");
	wl_source *s;
	int rc = make_source(
		p,
		"{\"arrival\": \"e2c\", \"file\": \"wl.csv\", \"type_ids\": "
		"\"index1\", \"deadline\": \"relative\", \"start_s\": 10, "
		"\"columns\": {\"task_type\": \"kind\", \"arrival\": \"when\", "
		"\"deadline\": \"slack\"}}",
		&s);
	ck_assert_msg(rc == IO_OK, "%s", err.msg);
	wl_task t;
	ck_assert_int_eq(wl_next(s, &t, &err), 1);
	ck_assert_uint_eq(t.type, 2);
	ck_assert_double_eq(t.arrival_s, 10.5);
	ck_assert_double_eq(t.deadline_s, 12.5);
	ck_assert_int_eq(wl_next(s, &t, &err), 1);
	ck_assert_uint_eq(t.type, 0);
	ck_assert_double_eq(t.deadline_s, 10.75);
	ck_assert_int_eq(wl_next(s, &t, &err), 0);
	wl_free(s);
	prof_free(p);
}
END_TEST

static const struct bad_workload {
	const char *csv, *options, *where, *says;
} bad_workloads[] = {
	{"task_type,arrival_time\nT1,1\nT2\n", "", "wl.csv:3:",
	 "the row has 1 field, the header has 2"},
	{"task_type,arrival_time\nT1,1,7\n", "", "wl.csv:2:",
	 "the row has 3 fields, the header has 2"},
	{"task_type,deadline\nT1,1\n", "", "wl.csv:1:",
	 "no arrival column"},
	{"arrival_time,deadline\n1,1\n", "", "wl.csv:1:",
	 "no task_type column"},
	{"type,task_type,arrival\nT1,T1,1\n", "", "wl.csv:1:",
	 "both look like the task_type column"},
	{"task_type,arrival_time\nT9,1\n", "", "wl.csv:2:",
	 "unknown task type \"T9\""},
	{"task_type,arrival_time\n3,1\n", ", \"type_ids\": \"index0\"",
	 "wl.csv:2:", "not an index from 0 to 2"},
	{"task_type,arrival_time\n0,1\n", ", \"type_ids\": \"index1\"",
	 "wl.csv:2:", "not an index from 1 to 3"},
	{"task_type,arrival_time\nT1,2\nT1,1\n", "", "wl.csv:3:",
	 "before the previous row"},
	{"task_type,arrival_time,deadline\nT1,2,1\n", "", "wl.csv:2:",
	 "deadline 1 is before arrival 2"},
	{"task_type,arrival_time,deadline\nT1,2,-1\n",
	 ", \"deadline\": \"relative\"", "wl.csv:2:", "negative"},
	{"task_type,arrival_time\nT1,soon\n", "", "wl.csv:2:",
	 "not a finite number"},
	{"a,b\nT1,1\n", ", \"columns\": {\"arrival\": \"b\"}", "wl.csv:1:",
	 "no task_type column"},
	{"a,b\nT1,1\n",
	 ", \"columns\": {\"arrival\": \"b\", \"task_type\": \"c\"}",
	 "wl.csv:1:", "expected \"c\""},
	{"", "", "wl.csv: ", "no tasks"},
	{"task_type,arrival_time\n", "", "wl.csv: ", "no tasks"},
	{"task_type,arrival_time\nT1,0x10\n", "", "wl.csv:2:",
	 "not a finite number"},
	{"task_type,arrival_time\nT1,1e200\n", "", "wl.csv:2:",
	 "larger than 1e+15"},
	{"task_type,arrival_time,deadline\nT1,1,1e200\n",
	 ", \"deadline\": \"relative\"", "wl.csv:2:", "larger than 1e+15"},
	{"task_type;arrival_time\nT1;1\n", "", "wl.csv:1:",
	 "fields are separated by ';'"},
};

START_TEST(test_workload_with_bom_quoted_header_and_crlf)
{
	prof_profile *p = three_types();
	test_write("wl.csv", "\xEF\xBB\xBF\"task_type\",\"arrival_time\",\"deadline\"\r\n"
			     "\"T2\",\"0.5\",\"3\"\r\n"
			     "T1,1,\r\n");
	wl_source *s;
	int rc = make_source(p, "{\"arrival\": \"e2c\", \"file\": \"wl.csv\"}",
			     &s);
	ck_assert_msg(rc == IO_OK, "%s", err.msg);
	wl_task t;
	ck_assert_msg(wl_next(s, &t, &err) == 1, "%s", err.msg);
	ck_assert_uint_eq(t.type, 1);
	ck_assert_double_eq(t.arrival_s, 0.5);
	ck_assert_double_eq(t.deadline_s, 3);
	ck_assert_int_eq(wl_next(s, &t, &err), 1);
	ck_assert_uint_eq(t.type, 0);
	ck_assert(isnan(t.deadline_s));
	ck_assert_int_eq(wl_next(s, &t, &err), 0);
	wl_free(s);
	prof_free(p);
}
END_TEST

START_TEST(test_workload_bad_file_names_file_and_line)
{
	const struct bad_workload *b = &bad_workloads[_i];
	prof_profile *p = three_types();
	test_write("wl.csv", b->csv);
	char obj[512];
	snprintf(obj, sizeof obj,
		 "{\"arrival\": \"e2c\", \"file\": \"wl.csv\"%s}", b->options);
	wl_source *s;
	int rc = make_source(p, obj, &s);
	ck_assert_msg(rc == IO_OK, "case %d: %s", _i, err.msg);
	wl_task t;
	while ((rc = wl_next(s, &t, &err)) == 1)
		;
	ck_assert_msg(rc == IO_EINPUT, "case %d: rc %d", _i, rc);
	ck_assert_msg(strstr(err.msg, b->where) && strstr(err.msg, b->says),
		      "case %d: \"%s\" lacks %s / %s", _i, err.msg, b->where,
		      b->says);
	wl_free(s);
	prof_free(p);
}
END_TEST

START_TEST(test_workload_bad_options_name_the_line)
{
	prof_profile *p = three_types();
	test_write("wl.csv", "task_type,arrival_time\nT1,1\n");
	wl_source *s;
	ck_assert_int_eq(make_source(p,
				     "{\"arrival\": \"e2c\", \"file\": "
				     "\"wl.csv\", \"type_ids\": \"roman\"}",
				     &s),
			 IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "unknown type_ids \"roman\""), "%s",
		      err.msg);
	ck_assert_int_eq(make_source(p,
				     "{\"arrival\": \"e2c\", \"file\": "
				     "\"wl.csv\", \"columns\": {\"when\": "
				     "\"t\"}}",
				     &s),
			 IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "when"), "%s", err.msg);
	prof_free(p);
}
END_TEST

/* --------------------------------------------------------- end to end */

START_TEST(test_shipped_example_runs_and_mct_beats_fcfs)
{
	char cmd[1024], errbuf[2048];
	snprintf(cmd, sizeof cmd,
		 "%s run experiments/e2c/experiment.json --quiet --out %s/e2c "
		 "--set replications=2",
		 test_bin(), test_tmpdir());
	int rc = test_run(cmd, errbuf, sizeof errbuf);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, errbuf);
	/* every task of the workload file was simulated under each policy */
	char path[600];
	snprintf(path, sizeof path, "%s/e2c/mct/rep-000/summary.json",
		 test_tmpdir());
	json_error_t je;
	json_t *s = json_load_file(path, 0, &je);
	ck_assert_msg(s != NULL, "%s: %s", path, je.text);
	const json_t *m = json_object_get(s, "metrics");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(s, "tasks"), "arrived")),
			 1500);
	double met_mct =
		json_number_value(json_object_get(m, "deadline_met_fraction"));
	json_decref(s);
	snprintf(path, sizeof path, "%s/e2c/fcfs/rep-000/summary.json",
		 test_tmpdir());
	s = json_load_file(path, 0, &je);
	ck_assert_msg(s != NULL, "%s: %s", path, je.text);
	double met_fcfs = json_number_value(json_object_get(
		json_object_get(s, "metrics"), "deadline_met_fraction"));
	json_decref(s);
	ck_assert_msg(met_mct > met_fcfs, "mct %g, fcfs %g", met_mct,
		      met_fcfs);
}
END_TEST

/* ---------------------------------------------- E2C-Sim parity options */

/* Run experiment text (written as e2c_opt.json next to eet.csv and
 * wl.csv) with one policy; returns its summary (caller frees) or NULL
 * with the error in errbuf. dir: the policy's output folder (its label). */
static json_t *run_summary_in(const char *experiment, const char *policy,
			      const char *dir, const char *out, char *errbuf,
			      size_t cap)
{
	const char *path = test_write("e2c_opt.json", experiment);
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "%s run %s --quiet --no-tasks-csv --policy %s --out %s/%s",
		 test_bin(), path, policy, test_tmpdir(), out);
	if (test_run(cmd, errbuf, cap) != 0)
		return NULL;
	char sum[700];
	snprintf(sum, sizeof sum, "%s/%s/%s/summary.json",
		 test_tmpdir(), out, dir);
	json_error_t je;
	json_t *s = json_load_file(sum, 0, &je);
	ck_assert_msg(s != NULL, "%s: %s", sum, je.text);
	return s;
}

static json_t *run_summary(const char *experiment, const char *policy,
			   const char *out, char *errbuf, size_t cap)
{
	return run_summary_in(experiment, policy, policy, out, errbuf, cap);
}

static json_int_t machine_completed(const json_t *summary, size_t m)
{
	return json_integer_value(json_object_get(
		json_array_get(json_object_get(summary, "per_machine"), m),
		"completed"));
}

static const char opt_experiment[] =
	"{\"profile\": {\"e2c_eet\": {\"file\": \"eet.csv\"}},\n"
	" \"machines\": [{\"type\": \"A\", \"count\": 1},"
	" {\"type\": \"B\", \"count\": 1}],\n"
	" \"workload\": {\"arrival\": \"e2c\", \"file\": \"wl.csv\"},\n"
	" \"drop\": {\"in_queue\": true, \"while_running\": true},\n"
	" \"policies\": [\"mct\", \"minmin\"], \"seed\": 3%s}\n";

/*
 * "readiness": "e2c". EET T1: A 2 s, B 3 s, no noise. Task 0 arrives at 0
 * with deadline 1 and goes to A (expected end 2 < 3). Task 1 arrives at
 * 0.5 with deadline 100. hetsim's readiness counts task 0 in full: A is
 * ready at 2 (completion 4), B at 0.5 (3.5): B, response 3. E2C drops a
 * task at its deadline, so its MECT and batch mappers count task 0 only
 * until 1: A completes task 1 at 1 + 2 = 3 < 3.5: A, response 2.5. Task 0
 * is dropped at 1 either way. (The rule as issue 19 states it of E2C's
 * MECT and batch schedulers; E2C's source is not in ../shared.)
 */
START_TEST(test_e2c_readiness_sends_work_behind_a_task_about_to_expire)
{
	test_write("eet.csv", "idx,A,B\nT1,2,3\n");
	test_write("wl.csv", "task_type,arrival_time,deadline\n"
			     "T1,0,1\nT1,0.5,100\n");
	const char *policies[] = {"mct", "minmin"};
	for (size_t k = 0; k < 2; k++) {
		char text[1024], errbuf[2048];
		for (int e2c = 0; e2c < 2; e2c++) {
			snprintf(text, sizeof text, opt_experiment,
				 e2c ? ", \"readiness\": \"e2c\"" : "");
			json_t *s = run_summary(text, policies[k],
						e2c ? "rd_e2c" : "rd_hetsim",
						errbuf, sizeof errbuf);
			ck_assert_msg(s != NULL, "%s", errbuf);
			ck_assert_int_eq(machine_completed(s, 0), e2c ? 1 : 0);
			ck_assert_int_eq(machine_completed(s, 1), e2c ? 0 : 1);
			ck_assert_double_eq_tol(
				json_number_value(json_object_get(
					json_object_get(s, "response_s"),
					"mean")),
				e2c ? 2.5 : 3.0, 1e-9);
			json_decref(s);
		}
	}
}
END_TEST

/*
 * "tie_break". Two machines of equal EET (1 s), 40 tasks 10 s apart: every
 * mapping finds both idle, a tie. "lowest" puts all 40 on the first;
 * "random" (seeded from the run's seed) about half on each (fewer than 6
 * on either has probability 2e-7), and the same seed gives the same
 * summary, byte for byte.
 */
START_TEST(test_e2c_tie_break_random_spreads_ties_and_repeats)
{
	test_write("eet.csv", "idx,A,B\nT1,1,1\n");
	char wl[4096] = "task_type,arrival_time,deadline\n";
	for (int i = 0; i < 40; i++)
		snprintf(wl + strlen(wl), sizeof wl - strlen(wl), "T1,%d,\n",
			 10 * i);
	test_write("wl.csv", wl);
	const char *policies[] = {"mct", "minmin"};
	for (size_t k = 0; k < 2; k++) {
		char text[1024], errbuf[2048];
		snprintf(text, sizeof text, opt_experiment, "");
		json_t *s = run_summary(text, policies[k], "tb_lowest", errbuf,
					sizeof errbuf);
		ck_assert_msg(s != NULL, "%s", errbuf);
		ck_assert_int_eq(machine_completed(s, 0), 40);
		json_decref(s);
		snprintf(text, sizeof text, opt_experiment,
			 ", \"tie_break\": \"random\"");
		char *dump[2];
		for (int rep = 0; rep < 2; rep++) {
			s = run_summary(text, policies[k],
					rep ? "tb_random2" : "tb_random1",
					errbuf, sizeof errbuf);
			ck_assert_msg(s != NULL, "%s", errbuf);
			json_int_t a = machine_completed(s, 0),
				   b = machine_completed(s, 1);
			ck_assert_int_eq(a + b, 40);
			ck_assert_msg(a >= 6 && b >= 6, "%s: %lld and %lld",
				      policies[k], (long long)a, (long long)b);
			dump[rep] = json_dumps(s, JSON_SORT_KEYS);
			json_decref(s);
		}
		ck_assert_str_eq(dump[0], dump[1]);
		free(dump[0]);
		free(dump[1]);
	}
}
END_TEST

START_TEST(test_e2c_option_bad_values_name_the_line)
{
	test_write("eet.csv", "idx,A,B\nT1,1,1\n");
	test_write("wl.csv", "task_type,arrival_time,deadline\nT1,0,\n");
	const char *bad[] = {",\n \"tie_break\": \"first\"",
			     ",\n \"readiness\": \"E2C\"",
			     ",\n \"tie_break\": 1"};
	for (size_t i = 0; i < 3; i++) {
		char text[1024], errbuf[2048];
		snprintf(text, sizeof text, opt_experiment, bad[i]);
		json_t *s = run_summary(text, "mct", "bad", errbuf,
					sizeof errbuf);
		ck_assert_ptr_null(s);
		ck_assert_msg(strstr(errbuf, "e2c_opt.json:6") &&
				      (strstr(errbuf, "tie_break") ||
				       strstr(errbuf, "readiness")),
			      "%s", errbuf);
	}
}
END_TEST

/* "e2c_config": E2C-Sim's config.json. Two machines of type A (100 W
 * busy, 10 W idle) and one B (300 W, 5 W); one task of EET 2 s on A goes
 * to A: makespan 2 s, energy 100 x 2 + 10 x 2 (the idle A) + 5 x 2 (B) =
 * 230 J. An experiment's own "machines" wins over the config's. */
static const char e2c_config[] =
	"{\n"
	"    \"parameters\": [{\"machine_queue_size\": 1,"
	" \"scheduling_method\": \"FCFS\"}],\n"
	"    \"machines\": [\n"
	"        {\"name\": \"A\", \"power\": 100, \"idle_power\": 10,"
	" \"replicas\": 2},\n"
	"        {\"name\": \"B\", \"power\": 300, \"idle_power\": 5,"
	" \"replicas\": %s}\n"
	"    ],\n"
	"    \"battery\": [{\"capacity\": 500.0}]\n"
	"}\n";

static const char config_experiment[] =
	"{\"profile\": {\"e2c_eet\": {\"file\": \"eet.csv\"}},\n"
	" \"e2c_config\": \"config.json\",\n"
	" \"workload\": {\"arrival\": \"e2c\", \"file\": \"wl.csv\"},\n"
	" \"policies\": [\"mct\"], \"seed\": 3%s}\n";

START_TEST(test_e2c_config_gives_machines_counts_and_power)
{
	test_write("eet.csv", "idx,A,B\nT1,2,3\n");
	test_write("wl.csv", "task_type,arrival_time,deadline\nT1,0,\n");
	char text[1024], errbuf[2048];
	snprintf(text, sizeof text, e2c_config, "1");
	test_write("config.json", text);
	snprintf(text, sizeof text, config_experiment, "");
	json_t *s = run_summary(text, "mct", "cfg", errbuf, sizeof errbuf);
	ck_assert_msg(s != NULL, "%s", errbuf);
	const json_t *pm = json_object_get(s, "per_machine");
	ck_assert_uint_eq(json_array_size(pm), 3);
	const char *types[] = {"A", "A", "B"};
	for (size_t m = 0; m < 3; m++)
		ck_assert_str_eq(json_string_value(json_object_get(
					 json_array_get(pm, m), "type")),
				 types[m]);
	ck_assert_int_eq(machine_completed(s, 0), 1);
	ck_assert_double_eq_tol(
		json_number_value(json_object_get(s, "energy_j")), 230, 1e-9);
	json_decref(s);
	snprintf(text, sizeof text, config_experiment,
		 ", \"machines\": [{\"type\": \"B\", \"count\": 1}]");
	s = run_summary(text, "mct", "cfg_own", errbuf, sizeof errbuf);
	ck_assert_msg(s != NULL, "%s", errbuf);
	ck_assert_uint_eq(json_array_size(json_object_get(s, "per_machine")),
			  1);
	ck_assert_double_eq_tol( /* 3 s busy on B */
		json_number_value(json_object_get(s, "energy_j")), 900, 1e-9);
	json_decref(s);
}
END_TEST

START_TEST(test_e2c_config_bad_file_names_its_line)
{
	test_write("eet.csv", "idx,A,B\nT1,2,3\n");
	test_write("wl.csv", "task_type,arrival_time,deadline\nT1,0,\n");
	const char *replicas[] = {"0", "\"two\"", "-1"};
	for (size_t i = 0; i < 3; i++) {
		char text[1024], errbuf[2048];
		snprintf(text, sizeof text, e2c_config, replicas[i]);
		test_write("config.json", text);
		snprintf(text, sizeof text, config_experiment, "");
		ck_assert_ptr_null(
			run_summary(text, "mct", "bad", errbuf, sizeof errbuf));
		ck_assert_msg(strstr(errbuf, "config.json:5") &&
				      strstr(errbuf, "replicas"),
			      "%s", errbuf);
	}
	char text[1024], errbuf[2048];
	snprintf(text, sizeof text, config_experiment, "");
	char *at = strstr(text, "config.json");
	memcpy(at, "nofile.json", 11);
	ck_assert_ptr_null(
		run_summary(text, "mct", "bad", errbuf, sizeof errbuf));
	ck_assert_msg(strstr(errbuf, "nofile.json"), "%s", errbuf);
}
END_TEST

/*
 * felare's "cancel_after_deferrals": 2, E2C-Sim's ELARE / FELARE rule (a
 * task deferred twice while no queue has room is cancelled, as issue 19
 * reads E2C's code). One machine, no local queue, EET 10 s, three tasks
 * at 0, 1 and 2 s (deadline 100). Task 0 runs 0-10. Task 1 finds no room
 * at its arrival (1st deferral) and at task 2's (2nd): cancelled at 2.
 * Task 2, deferred once, runs 10-20. Completed 2 (responses 10 and 18,
 * mean 14), 1 dropped by the policy. Without it all three run: 0-10,
 * 10-20, 20-30. The option applies to felare only.
 */
START_TEST(test_e2c_felare_cancels_a_task_deferred_twice_without_room)
{
	test_write("eet.csv", "idx,A\nT1,10\n");
	test_write("wl.csv", "task_type,arrival_time,deadline\n"
			     "T1,0,100\nT1,1,100\nT1,2,100\n");
	static const char fmt[] =
		"{\"profile\": {\"e2c_eet\": {\"file\": \"eet.csv\"}},\n"
		" \"machines\": [{\"type\": \"A\", \"count\": 1}],\n"
		" \"queue\": {\"capacity\": 0},\n"
		" \"workload\": {\"arrival\": \"e2c\", \"file\": \"wl.csv\"},\n"
		" \"policies\": [{\"name\": \"%s\",\n"
		"  \"cancel_after_deferrals\": %d}], \"seed\": 3}\n";
	char text[1024], errbuf[2048];
	for (int cancel = 0; cancel <= 2; cancel += 2) {
		snprintf(text, sizeof text, fmt, "felare", cancel);
		json_t *s = run_summary_in(text, "felare",
					   cancel ? "felare-cancel2" : "felare",
					   cancel ? "cancel2" : "cancel0",
					   errbuf, sizeof errbuf);
		ck_assert_msg(s != NULL, "%s", errbuf);
		const json_t *tasks = json_object_get(s, "tasks");
		ck_assert_int_eq(json_integer_value(json_object_get(
					 tasks, "completed")),
				 cancel ? 2 : 3);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 json_object_get(tasks, "dropped_by"),
					 "policy")),
				 cancel ? 1 : 0);
		ck_assert_double_eq_tol(
			json_number_value(json_object_get(
				json_object_get(s, "response_s"), "mean")),
			cancel ? 14.0 : 19.0, 1e-9);
		json_decref(s);
	}
	snprintf(text, sizeof text, fmt, "minmin", 2);
	ck_assert_ptr_null(
		run_summary(text, "minmin", "cancel_bad", errbuf, sizeof errbuf));
	ck_assert_msg(strstr(errbuf, "e2c_opt.json:6") &&
			      strstr(errbuf, "felare only"),
		      "%s", errbuf);
}
END_TEST

/*
 * felare's "evict" (E2C-Sim's FEE). Machines A and B, one slot and one
 * queue place each; EET T1: A 1 s, B 1 s; T2: A 1 s, B 0.5 s; no noise,
 * no power data (felare is MCT among the machines that meet the deadline,
 * ties to the lower index). T1 tasks (deadline 100): 0 at 0 runs on A
 * 0-1 (on time: T1's ratio > 0); 1 at 2 on A 2-3; 2 at 2.05 on B
 * 2.05-3.05; 3 at 2.1 queued on A (completion 4 < B's 4.05); 4 at 2.15
 * queued on B. Task 5 (T2, deadline 4.5) arrives at 2.2: no machine has
 * room. On-time ratios: T1 1/5, T2 0/1, mean 0.1; with fairness_factor 1
 * T2 starves (0 < 0.1), T1 does not. Its fastest machine is B (0.5 s);
 * B's tail, task 4 (T1), is queued; with it gone task 5 completes at
 * 3.05 + 0.5 = 3.55 <= 4.5: task 4 is evicted and task 5 runs on B
 * 3.05-3.55. (A, whose tail is task 3, would also do: the machine is
 * the fastest, not the first.) Without "evict" task 5 never finds a
 * machine that meets 4.5 (A 4 + 1 = 5, B 4.05 + 0.5 = 4.55 once their
 * queues empty) and ends unmapped. No eviction either when task 5 would
 * miss its deadline anyway (deadline 3.5 < 3.55), when nothing starves
 * (fairness_factor 0), when the tail is of a starving type (task 4 a T2),
 * or when there is no queued task, only running ones (queue capacity 0).
 */
static const char fee_fmt[] =
	"{\"profile\": {\"e2c_eet\": {\"file\": \"eet.csv\"}},\n"
	" \"machines\": [{\"type\": \"A\", \"count\": 1},"
	" {\"type\": \"B\", \"count\": 1}],\n"
	" \"queue\": {\"capacity\": %d},\n"
	" \"workload\": {\"arrival\": \"e2c\", \"file\": \"wl.csv\"},\n"
	" \"policies\": [{\"name\": \"felare\"%s}], \"seed\": 3}\n";

static void fee_workload(const char *task4_type, const char *deadline5)
{
	char wl[512];
	snprintf(wl, sizeof wl,
		 "task_type,arrival_time,deadline\n"
		 "T1,0,100\nT1,2,100\nT1,2.05,100\nT1,2.1,100\n"
		 "%s,2.15,100\nT2,2.2,%s\n",
		 task4_type, deadline5);
	test_write("wl.csv", wl);
}

/* Run felare with params (",\n \"evict\": ..." or "") and queue capacity
 * cap into OUT, the policy's tasks.csv.gz unpacked next to it (in
 * OUT/DIR); returns the summary (caller frees). */
static json_t *fee_run(const char *params, int cap, const char *out,
		       const char *dir)
{
	char text[1024], cmd[2048], errbuf[2048];
	snprintf(text, sizeof text, fee_fmt, cap, params);
	const char *path = test_write("e2c_fee.json", text);
	const char *d = test_tmpdir();
	snprintf(cmd, sizeof cmd,
		 "%s run %s --quiet --out %s/%s && "
		 "gzip -dkf %s/%s/%s/tasks.csv.gz",
		 test_bin(), path, d, out, d, out, dir);
	ck_assert_msg(test_run(cmd, errbuf, sizeof errbuf) == 0, "%s", errbuf);
	char sum[700];
	snprintf(sum, sizeof sum, "%s/%s/%s/summary.json", d, out, dir);
	json_error_t je;
	json_t *s = json_load_file(sum, 0, &je);
	ck_assert_msg(s != NULL, "%s: %s", sum, je.text);
	return s;
}

static json_int_t dropped_by(const json_t *summary, const char *why)
{
	return json_integer_value(json_object_get(
		json_object_get(json_object_get(summary, "tasks"),
				"dropped_by"),
		why));
}

/* The row of task id in OUT/DIR/tasks.csv (without its newline), or
 * "". */
static const char *fee_row(const char *out, const char *dir, int id)
{
	static char row[256];
	char path[512], prefix[16];
	snprintf(path, sizeof path, "%s/%s/%s/tasks.csv", test_tmpdir(), out,
		 dir);
	snprintf(prefix, sizeof prefix, "\n%d,", id);
	char *text = test_slurp(path, NULL);
	ck_assert_msg(text != NULL, "%s", path);
	const char *at = strstr(text, prefix);
	row[0] = 0;
	if (at) {
		size_t n = strcspn(at + 1, "\n");
		if (n >= sizeof row)
			n = sizeof row - 1;
		memcpy(row, at + 1, n);
		row[n] = 0;
	}
	free(text);
	return row;
}

START_TEST(test_e2c_felare_evicts_the_fastest_machines_tail_for_a_starving_type)
{
	test_write("eet.csv", "idx,A,B\nT1,1,1\nT2,1,0.5\n");
	fee_workload("T1", "4.5");
	static const char evict[] = ",\n  \"evict\": true, "
				    "\"fairness_factor\": 1.0";
	json_t *s = fee_run(evict, 1, "fee_on", "felare-evict1");
	const json_t *tasks = json_object_get(s, "tasks");
	ck_assert_int_eq(json_integer_value(json_object_get(tasks,
							    "completed")),
			 5);
	ck_assert_int_eq(dropped_by(s, "evicted"), 1);
	ck_assert_int_eq(dropped_by(s, "unmapped"), 0);
	ck_assert_int_eq(machine_completed(s, 1), 2); /* tasks 2 and 5 */
	json_decref(s);
	ck_assert_str_eq(fee_row("fee_on", "felare-evict1", 4),
			 "4,T1,2.150000,,,100.000000,,,evicted,");
	ck_assert_str_eq(fee_row("fee_on", "felare-evict1", 5), "5,T2,2.200000,3.050000,3.550000,"
			 "4.500000,1,B,completed,0.000000");
	ck_assert_str_eq(fee_row("fee_on", "felare-evict1", 3), "3,T1,2.100000,3.000000,4.000000,"
			 "100.000000,0,A,completed,0.000000");

	/* without it: task 5 unmapped, no "evicted" count at all */
	s = fee_run("", 1, "fee_off", "felare");
	ck_assert_int_eq(dropped_by(s, "unmapped"), 1);
	ck_assert_ptr_null(json_object_get(
		json_object_get(json_object_get(s, "tasks"), "dropped_by"),
		"evicted"));
	json_decref(s);
	ck_assert_str_eq(fee_row("fee_off", "felare", 4), "4,T1,2.150000,3.050000,4.050000,"
			 "100.000000,1,B,completed,0.000000");

	/* task 5 would miss 3.5 on B even with task 4 gone */
	fee_workload("T1", "3.5");
	s = fee_run(evict, 1, "fee_late", "felare-evict1");
	ck_assert_int_eq(dropped_by(s, "evicted"), 0);
	ck_assert_int_eq(dropped_by(s, "unmapped"), 1);
	json_decref(s);

	/* nothing starves under fairness_factor 0 */
	fee_workload("T1", "4.5");
	s = fee_run(",\n  \"evict\": true, \"fairness_factor\": 0", 1,
		    "fee_f0", "felare-evict0");
	ck_assert_int_eq(dropped_by(s, "evicted"), 0);
	ck_assert_int_eq(dropped_by(s, "unmapped"), 1);
	json_decref(s);

	/* B's tail (task 4) is a T2: of the starving type itself */
	fee_workload("T2", "4.5");
	s = fee_run(evict, 1, "fee_t2", "felare-evict1");
	ck_assert_int_eq(dropped_by(s, "evicted"), 0);
	json_decref(s);

	/* no local queues: the machines' tasks all run, none is evicted; the
	 * run is the one without "evict" */
	fee_workload("T1", "4.5");
	s = fee_run(evict, 0, "fee_q0", "felare-evict1");
	ck_assert_int_eq(dropped_by(s, "evicted"), 0);
	json_t *plain = fee_run("", 0, "fee_q0_off", "felare");
	json_object_del(s, "policy");
	json_object_del(plain, "policy");
	json_object_del(s, "wall_s");
	json_object_del(plain, "wall_s");
	char *a = json_dumps(s, JSON_SORT_KEYS),
	     *b = json_dumps(plain, JSON_SORT_KEYS);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	json_decref(s);
	json_decref(plain);
}
END_TEST

/* "e2c_config" passes E2C's fairness_factor to felare with "evict" (FEE):
 * the case above, whose eviction needs a factor above 0 (T2's on-time
 * ratio 0 < factor x mean 0.1). config.json's 0 turns it off, its 1 (the
 * value of E2C-Sim's bundled config.json) on; the policy's own factor
 * wins over the config's. */
START_TEST(test_e2c_config_passes_fairness_factor_to_fee)
{
	test_write("eet.csv", "idx,A,B\nT1,1,1\nT2,1,0.5\n");
	fee_workload("T1", "4.5");
	static const char cfg[] =
		"{\"parameters\": [{\"machine_queue_size\": 1,"
		" \"fairness_factor\": %s}],\n"
		" \"machines\": [{\"name\": \"A\"}, {\"name\": \"B\"}]}\n";
	static const char xp[] =
		"{\"profile\": {\"e2c_eet\": {\"file\": \"eet.csv\"}},\n"
		" \"e2c_config\": \"config.json\",\n"
		" \"workload\": {\"arrival\": \"e2c\", \"file\": \"wl.csv\"},\n"
		" \"policies\": [{\"name\": \"felare\", \"evict\": true%s}],"
		" \"seed\": 3}\n";
	static const struct {
		const char *config, *own, *dir;
		int evicted;
	} cases[] = {
		{"1.0", "", "felare-evict1", 1},
		{"0", "", "felare-evict0", 0},
		{"0", ", \"fairness_factor\": 1", "felare-evict1", 1},
		{"1.0", ", \"fairness_factor\": 0", "felare-evict0", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char text[1024], errbuf[2048];
		snprintf(text, sizeof text, cfg, cases[i].config);
		test_write("config.json", text);
		snprintf(text, sizeof text, xp, cases[i].own);
		json_t *sm = run_summary_in(text, "felare", cases[i].dir,
					    "cfg_fair", errbuf, sizeof errbuf);
		ck_assert_msg(sm != NULL, "case %zu: %s", i, errbuf);
		ck_assert_int_eq(dropped_by(sm, "evicted"), cases[i].evicted);
		ck_assert_int_eq(dropped_by(sm, "unmapped"),
				 1 - cases[i].evicted);
		json_decref(sm);
	}
	char text[256], errbuf[2048];
	snprintf(text, sizeof text, cfg, "-1");
	test_write("config.json", text);
	snprintf(text, sizeof text, xp, "");
	ck_assert_ptr_null(
		run_summary(text, "felare", "cfg_fair", errbuf, sizeof errbuf));
	ck_assert_msg(strstr(errbuf, "config.json:1") &&
			      strstr(errbuf, "fairness_factor"),
		      "%s", errbuf);
}
END_TEST

START_TEST(test_e2c_felare_evict_bad_parameters_name_the_line)
{
	test_write("eet.csv", "idx,A,B\nT1,1,1\nT2,1,0.5\n");
	fee_workload("T1", "4.5");
	static const struct {
		const char *policy, *params, *says;
	} bad[] = {
		{"felare", ",\n  \"evict\": 1", "evict must be true or false"},
		{"felare", ",\n  \"evict\": true, \"fairness_factor\": -1",
		 "fairness_factor"},
		{"felare", ",\n  \"evict\": true, \"fairness_factor\": \"1\"",
		 "fairness_factor"},
		{"felare", ",\n  \"fairness_factor\": 1", "needs \"evict\""},
		{"minmin", ",\n  \"evict\": true", "felare only"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[1024], errbuf[2048];
		snprintf(text, sizeof text,
			 "{\"profile\": {\"e2c_eet\": {\"file\": \"eet.csv\"}},\n"
			 " \"machines\": [{\"type\": \"A\", \"count\": 1}],\n"
			 " \"workload\": {\"arrival\": \"e2c\", \"file\": "
			 "\"wl.csv\"},\n"
			 " \"policies\": [{\"name\": \"%s\"%s}], \"seed\": 3}\n",
			 bad[i].policy, bad[i].params);
		json_t *s = run_summary(text, bad[i].policy, "fee_bad", errbuf,
					sizeof errbuf);
		ck_assert_ptr_null(s);
		ck_assert_msg(strstr(errbuf, "e2c_opt.json:5") &&
				      strstr(errbuf, bad[i].says),
			      "case %zu: %s", i, errbuf);
	}
}
END_TEST

Suite *suite_e2c(void)
{
	Suite *s = suite_create("e2c");
	TCase *tc = tcase_create("eet");
	tcase_add_test(tc, test_eet_tasks_as_rows_constant_without_noise);
	tcase_add_test(tc, test_eet_noise_is_uniform_around_the_eet);
	tcase_add_test(tc, test_eet_machines_as_rows_is_the_transpose);
	tcase_add_test(tc, test_eet_with_bom_crlf_and_quoted_names_reads_like_plain);
	tcase_add_test(tc, test_eet_machine_attributes_are_merged_by_name);
	tcase_add_loop_test(tc, test_eet_bad_file_names_file_and_line, 0,
			    (int)(sizeof bad_eets / sizeof bad_eets[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("workload");
	tcase_add_test(tc, test_workload_columns_found_by_name_in_any_order);
	tcase_add_test(tc, test_workload_with_bom_quoted_header_and_crlf);
	tcase_add_test(
		tc, test_workload_indexed_types_relative_deadlines_named_columns);
	tcase_add_loop_test(tc, test_workload_bad_file_names_file_and_line, 0,
			    (int)(sizeof bad_workloads /
				  sizeof bad_workloads[0]));
	tcase_add_test(tc, test_workload_bad_options_name_the_line);
	suite_add_tcase(s, tc);
	tc = tcase_create("example");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_shipped_example_runs_and_mct_beats_fcfs);
	suite_add_tcase(s, tc);
	tc = tcase_create("parity");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
		       test_e2c_readiness_sends_work_behind_a_task_about_to_expire);
	tcase_add_test(tc, test_e2c_tie_break_random_spreads_ties_and_repeats);
	tcase_add_test(tc, test_e2c_option_bad_values_name_the_line);
	tcase_add_test(tc, test_e2c_config_gives_machines_counts_and_power);
	tcase_add_test(tc, test_e2c_config_bad_file_names_its_line);
	tcase_add_test(tc, test_e2c_config_passes_fairness_factor_to_fee);
	tcase_add_test(tc,
		       test_e2c_felare_cancels_a_task_deferred_twice_without_room);
	tcase_add_test(
		tc,
		test_e2c_felare_evicts_the_fastest_machines_tail_for_a_starving_type);
	tcase_add_test(tc, test_e2c_felare_evict_bad_parameters_name_the_line);
	suite_add_tcase(s, tc);
	return s;
}
