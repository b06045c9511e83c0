/* tests/test_merge.c — task merging: the adaptive test on hand-computed
 * queues, hand-built runs where merging would break a deadline (adaptive
 * declines, always does not), duplicate outputs, the shared part, Zipf
 * segment popularity, and "no compatible request => same as never". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "policies/merge.h"
#include "profiles/profile.h"
#include "tests/tests.h"
#include "workloads/workload.h"

/* ---------------------------------------------------- the adaptive test */

/* One slot busy until 2; queue L (3 s, deadline 6) then B (2 s, deadline
 * 8). Without a merge L ends at 5 and B at 7. */
START_TEST(test_adaptive_by_hand)
{
	const double slot[1] = {2};
	const pol_queued q[2] = {{3, 6}, {2, 8}};
	double scratch[2 * 1 + 2 * 2];
	/* +1: L ends 6 (<= 6), B 8 (<= 8): no deadline lost */
	ck_assert_int_eq(pol_merge_adaptive_ok(slot, 1, q, 2, 0, 1.0,
					       INFINITY, scratch),
			 1);
	/* +1.5: L would end at 6.5 > 6 */
	ck_assert_int_eq(pol_merge_adaptive_ok(slot, 1, q, 2, 0, 1.5,
					       INFINITY, scratch),
			 0);
	/* +1 but the new request's own deadline 5.5 < 6 */
	ck_assert_int_eq(pol_merge_adaptive_ok(slot, 1, q, 2, 0, 1.0, 5.5,
					       scratch),
			 0);
	/* merging into B (the last) leaves L alone: B ends 7 + 1 = 8 */
	ck_assert_int_eq(pol_merge_adaptive_ok(slot, 1, q, 2, 1, 1.0,
					       INFINITY, scratch),
			 1);
	/* B already misses without the merge (deadline 6.5 < 7): not lost
	 * by it, so the merge may go ahead */
	const pol_queued late[2] = {{3, 6}, {2, 6.5}};
	ck_assert_int_eq(pol_merge_adaptive_ok(slot, 1, late, 2, 0, 1.0,
					       INFINITY, scratch),
			 1);
}
END_TEST

/* Two slots ending at 1 and 4; queue A 2 s (ends 3 on slot 0), L 2 s
 * (starts at 3 on slot 0, ends 5), C 1 s (starts at 4 on slot 1, ends 5,
 * deadline 5). L + 3: L ends 8, C unaffected (slot 1). */
START_TEST(test_adaptive_two_slots_replay)
{
	const double slot[2] = {1, 4};
	const pol_queued q[3] = {{2, 10}, {2, 10}, {1, 5}};
	double end[3], free_at[2] = {1, 4};
	pol_merge_replay(free_at, 2, q, 3, end);
	ck_assert_double_eq(end[0], 3);
	ck_assert_double_eq(end[1], 5);
	ck_assert_double_eq(end[2], 5);
	double scratch[2 * 2 + 2 * 3];
	ck_assert_int_eq(pol_merge_adaptive_ok(slot, 2, q, 3, 1, 3.0,
					       INFINITY, scratch),
			 1);
	/* merged into A instead: A ends 6, slot 1 frees at 4 first, so L
	 * runs 4-6 there and C 6-7 > 5: lost */
	ck_assert_int_eq(pol_merge_adaptive_ok(slot, 2, q, 3, 0, 3.0,
					       INFINITY, scratch),
			 0);
}
END_TEST

START_TEST(test_strategy_names)
{
	ck_assert_int_eq(pol_merge_from_name("never"), POL_MERGE_NEVER);
	ck_assert_int_eq(pol_merge_from_name("always"), POL_MERGE_ALWAYS);
	ck_assert_int_eq(pol_merge_from_name("adaptive"), POL_MERGE_ADAPTIVE);
	ck_assert_int_eq(pol_merge_from_name("sometimes"), -1);
	ck_assert_str_eq(pol_merge_name(POL_MERGE_ADAPTIVE), "adaptive");
}
END_TEST

/* ------------------------------------------------------ hand-built runs */

/* One machine, one slot; a and b take 2 s each; a merged run shares 0.5 s.
 * The trace's fifth column is the segment. */
static const char *write_experiment(const char *strategy, int degree,
				    const char *trace)
{
	test_write("merge_trace.csv", trace);
	char text[2048];
	snprintf(
		text, sizeof text,
		"{\"profile\": {\"machine_types\": [{\"name\": \"m\"}],\n"
		"  \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n"
		"  \"exec\": [{\"task\": \"a\", \"machine\": \"m\", \"model\": "
		"\"constant\", \"value\": 2},\n"
		"   {\"task\": \"b\", \"machine\": \"m\", \"model\": "
		"\"constant\", \"value\": 2}],\n"
		"  \"merge\": [{\"machine\": \"m\", \"shared_s\": 0.5}]},\n"
		" \"machines\": [{\"type\": \"m\", \"count\": 1}],\n"
		" \"workload\": {\"arrival\": \"trace\", \"file\": "
		"\"merge_trace.csv\", \"segments\": {\"count\": 10}},\n"
		" \"merging\": {\"strategy\": \"%s\", \"max_degree\": %d},\n"
		" \"policy\": \"mct\", \"seed\": 1}\n",
		strategy, degree);
	return test_write("merge_exp.json", text);
}

/* The experiment file at path with the first `from` replaced by `to`,
 * written back to the same name. */
static const char *edit_experiment(const char *path, const char *from,
				   const char *to)
{
	char text[4096], out[4200];
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = 0;
	char *at = strstr(text, from);
	ck_assert_msg(at != NULL, "\"%s\" not in the experiment", from);
	snprintf(out, sizeof out, "%.*s%s%s", (int)(at - text), text, to,
		 at + strlen(from));
	return test_write("merge_exp.json", out);
}

/* The same experiment with "drop": {"in_queue": true}. */
static const char *with_in_queue_drop(const char *path)
{
	return edit_experiment(path, " \"policy\"",
			       " \"drop\": {\"in_queue\": true},\n \"policy\"");
}

typedef struct run_out {
	long merged, missed, completed;
	double saved_s, makespan_s;
	char csv[4096];
} run_out;

static void run(const char *exp, run_out *o)
{
	char cmd[2048], err[2048], dir[600];
	snprintf(dir, sizeof dir, "%s/merge_out", test_tmpdir());
	snprintf(cmd, sizeof cmd, "rm -rf %s && %s run %s --quiet --out %s",
		 dir, test_bin(), exp, dir);
	int rc = test_run(cmd, err, sizeof err);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	char path[700];
	snprintf(path, sizeof path, "%s/mct/summary.json", dir);
	json_error_t je;
	json_t *s = json_load_file(path, 0, &je);
	ck_assert_msg(s != NULL, "%s: %s", path, je.text);
	const json_t *m = json_object_get(s, "metrics");
	o->merged = (long)json_number_value(
		json_object_get(m, "merged_requests"));
	o->saved_s = json_number_value(
		json_object_get(m, "machine_time_saved_s"));
	o->missed = (long)json_number_value(
		json_object_get(m, "deadline_missed"));
	o->completed = (long)json_number_value(
		json_object_get(m, "completed"));
	o->makespan_s = json_number_value(json_object_get(m, "makespan_s"));
	json_decref(s);
	snprintf(path, sizeof path, "%s/mct/tasks.csv.gz", dir);
	gzFile g = gzopen(path, "rb");
	ck_assert_ptr_nonnull(g);
	int n = gzread(g, o->csv, sizeof o->csv - 1);
	gzclose(g);
	ck_assert_int_ge(n, 0);
	o->csv[n] = 0;
}

/* a on segment 7 runs 0-2; L (a, segment 9) waits, expected 2-4; B (a,
 * segment 8, deadline 6.2) waits behind it, 4-6; then r (b, segment 9, no
 * deadline). Merging r into L adds 2 - 0.5 = 1.5 s: L's run ends at 5.5
 * and B at 7.5, past its deadline. */
static const char breaks_deadline[] = "0,a,,,7\n"
				      "0.1,a,,,9\n"
				      "0.15,a,6.2,,8\n"
				      "0.2,b,,,9\n";

START_TEST(test_adaptive_declines_a_merge_that_breaks_a_deadline)
{
	run_out o;
	run(write_experiment("adaptive", 5, breaks_deadline), &o);
	ck_assert_int_eq(o.merged, 0);
	ck_assert_int_eq(o.missed, 0);
	ck_assert_double_eq_tol(o.makespan_s, 8.0, 1e-9);
}
END_TEST

START_TEST(test_always_merges_and_the_deadline_is_lost)
{
	run_out o;
	run(write_experiment("always", 5, breaks_deadline), &o);
	ck_assert_int_eq(o.merged, 1);
	ck_assert_int_eq(o.completed, 4);
	ck_assert_int_eq(o.missed, 1);
	ck_assert_double_eq_tol(o.saved_s, 0.5, 1e-9); /* r's 2 s less 1.5 */
	ck_assert_double_eq_tol(o.makespan_s, 7.5, 1e-9);
	/* r ends with L's run, 2 to 5.5, on the same machine; its row
	 * carries no energy of its own */
	ck_assert_msg(strstr(o.csv, "3,b,0.200000,2.000000,5.500000,,0,m,completed,0.000000\n"), "%s",
		      o.csv);
	ck_assert_msg(strstr(o.csv, "1,a,0.100000,2.000000,5.500000,,0,m,completed,"), "%s",
		      o.csv);
}
END_TEST

START_TEST(test_adaptive_merges_when_every_deadline_holds)
{
	run_out o;
	/* B's deadline 9 >= 7.5 */
	run(write_experiment("adaptive", 5,
			     "0,a,,,7\n0.1,a,,,9\n0.15,a,9,,8\n0.2,b,,,9\n"),
	    &o);
	ck_assert_int_eq(o.merged, 1);
	ck_assert_int_eq(o.missed, 0);
	ck_assert_double_eq_tol(o.makespan_s, 7.5, 1e-9);
}
END_TEST

START_TEST(test_duplicate_request_adds_nothing_and_degree_bounds)
{
	run_out o;
	/* three more a's on segment 9 while L waits: the same output */
	const char *trace = "0,a,,,7\n0.1,a,,,9\n0.2,a,,,9\n0.3,a,,,9\n"
			    "0.4,a,,,9\n";
	run(write_experiment("always", 5, trace), &o);
	ck_assert_int_eq(o.merged, 3);
	ck_assert_double_eq_tol(o.saved_s, 6.0, 1e-9);
	ck_assert_double_eq_tol(o.makespan_s, 4.0, 1e-9);
	/* max_degree 2: one joins L, the next waits and leads a second run
	 * that the last one joins */
	run(write_experiment("always", 2, trace), &o);
	ck_assert_int_eq(o.merged, 2);
	ck_assert_double_eq_tol(o.makespan_s, 6.0, 1e-9);
}
END_TEST

START_TEST(test_dropped_leader_hands_its_run_on)
{
	/* L (deadline 1) expires in the queue; with drop.in_queue its
	 * member r (b, no deadline) must still run, alone: 2-4 */
	run_out o;
	run(with_in_queue_drop(write_experiment(
		    "always", 5, "0,a,,,7\n0.1,a,1,,9\n0.2,b,,,9\n")),
	    &o);
	ck_assert_int_eq(o.merged, 1);
	ck_assert_int_eq(o.completed, 2);
	ck_assert_msg(strstr(o.csv, "2,b,0.200000,2.000000,4.000000,,0,m,completed,"), "%s",
		      o.csv);
	ck_assert_msg(strstr(o.csv, "1,a,0.100000,,,1.000000,,,dropped,"), "%s", o.csv);
}
END_TEST

START_TEST(test_dropped_leader_without_members_is_no_merge_target)
{
	/* L (deadline 1) is dropped from the queue at 2; a request on the
	 * same segment at 3 must start a run of its own (its task record is
	 * L's, recycled: a stale merge target would be itself) */
	const char *trace = "0,a,,,7\n0.1,a,1,,9\n3,a,,,9\n";
	run_out o;
	run(with_in_queue_drop(write_experiment("always", 5, trace)), &o);
	ck_assert_int_eq(o.merged, 0);
	ck_assert_int_eq(o.completed, 2);
	ck_assert_msg(strstr(o.csv, "2,a,3.000000,3.000000,5.000000,,0,m,completed,"),
		      "%s", o.csv);
}
END_TEST

/* ------------------------------------------- generated workloads */

static const char *write_generated(const char *strategy, int degree,
				   int segments)
{
	char seg[128] = "";
	if (segments)
		snprintf(seg, sizeof seg,
			 ", \"segments\": {\"count\": %d, \"zipf_s\": 1.0}",
			 segments);
	char text[2048];
	snprintf(
		text, sizeof text,
		"{\"profile\": {\"machine_types\": [{\"name\": \"m\"}],\n"
		"  \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n"
		"  \"exec\": [{\"task\": \"a\", \"machine\": \"m\", \"model\": "
		"\"lognormal\", \"mu\": 0, \"sigma\": 0.3},\n"
		"   {\"task\": \"b\", \"machine\": \"m\", \"model\": "
		"\"uniform\", \"min\": 0.5, \"max\": 1.5}],\n"
		"  \"merge\": [{\"machine\": \"m\", \"shared_s\": 0.4}]},\n"
		" \"machines\": [{\"type\": \"m\", \"count\": 3}],\n"
		" \"workload\": {\"arrival\": \"poisson\", \"rate_per_s\": 3.5, "
		"\"tasks\": 3000%s},\n"
		" \"deadline\": {\"slack\": 4},\n"
		" \"merging\": {\"strategy\": \"%s\", \"max_degree\": %d},\n"
		" \"policy\": \"mct\", \"seed\": 5}\n",
		seg, strategy, degree);
	return test_write("merge_gen.json", text);
}

START_TEST(test_no_compatible_request_equals_never)
{
	run_out never, o;
	run(write_generated("never", 5, 0), &never);
	const char *const strategies[] = {"always", "adaptive"};
	for (int i = 0; i < 2; i++) {
		/* no segments: no request has a partner */
		run(write_generated(strategies[i], 5, 0), &o);
		ck_assert_int_eq(o.merged, 0);
		ck_assert_str_eq(o.csv, never.csv);
		/* max_degree 1: a run holds one request */
		run(write_generated(strategies[i], 1, 20), &o);
		ck_assert_int_eq(o.merged, 0);
		ck_assert_str_eq(o.csv, never.csv);
	}
}
END_TEST

START_TEST(test_merging_under_load_saves_time)
{
	run_out never, always, adaptive;
	run(write_generated("never", 5, 20), &never);
	run(write_generated("always", 5, 20), &always);
	run(write_generated("adaptive", 5, 20), &adaptive);
	ck_assert_int_gt(always.merged, 100);
	ck_assert_int_gt(adaptive.merged, 0);
	ck_assert_int_le(adaptive.merged, always.merged);
	ck_assert(always.saved_s > 0);
	/* at 3.5 req/s on 3 machines of ~1 s requests the queue grows
	 * without merging; merging keeps it shorter */
	ck_assert_int_lt(always.missed, never.missed);
	ck_assert_int_lt(adaptive.missed, never.missed);
}
END_TEST

START_TEST(test_zipf_segment_popularity_and_unchanged_arrivals)
{
	io_err err = {0};
	const char *prof_text =
		"{\"machine_types\": [{\"name\": \"m\"}], \"task_types\": "
		"[{\"name\": \"a\"}], \"exec\": [{\"task\": \"a\", \"machine\": "
		"\"m\", \"model\": \"constant\", \"value\": 1}]}";
	io_jdoc pdoc;
	ck_assert_int_eq(io_jdoc_parse(&pdoc, "p.json", prof_text,
					 strlen(prof_text), &err),
			 0);
	prof_profile *p;
	ck_assert_int_eq(prof_load_json(&p, &pdoc, pdoc.root, &err), 0);
	const char *with = "{\"w\": {\"arrival\": \"poisson\", \"rate_per_s\": 2,"
			   " \"tasks\": 100000, \"segments\": {\"count\": 5,"
			   " \"zipf_s\": 1}}}";
	const char *without = "{\"w\": {\"arrival\": \"poisson\", "
			      "\"rate_per_s\": 2, \"tasks\": 100000}}";
	io_jdoc d1, d2;
	ck_assert_int_eq(io_jdoc_parse(&d1, "a.json", with, strlen(with),
					 &err),
			 0);
	ck_assert_int_eq(io_jdoc_parse(&d2, "b.json", without,
					 strlen(without), &err),
			 0);
	wl_source *s1, *s2;
	ck_assert_int_eq(wl_source_from_json(&s1, &d1,
					     json_object_get(d1.root, "w"), p,
					     9, &err),
			 0);
	ck_assert_int_eq(wl_source_from_json(&s2, &d2,
					     json_object_get(d2.root, "w"), p,
					     9, &err),
			 0);
	ck_assert_uint_eq(wl_segments(s1), 5);
	ck_assert_uint_eq(wl_segments(s2), 0);
	double count[5] = {0};
	wl_task a, b;
	long n = 0;
	while (wl_next(s1, &a, &err) == 1) {
		tck_int_eq(wl_next(s2, &b, &err), 1);
		if (a.arrival_s != b.arrival_s || b.key != WL_NO_KEY ||
		    a.key >= 5)
			ck_abort_msg("task %ld: %g vs %g, key %u", n,
				     a.arrival_s, b.arrival_s, a.key);
		count[a.key]++;
		n++;
	}
	ck_assert_int_eq(n, 100000);
	double h = 1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0 + 1 / 5.0;
	for (int k = 0; k < 5; k++) {
		double expect = 1.0 / (k + 1) / h, got = count[k] / n;
		/* 4.5 standard errors */
		double se = sqrt(expect * (1 - expect) / n);
		ck_assert_msg(fabs(got - expect) < 4.5 * se, "k=%d %g vs %g", k,
			      got, expect);
	}
	wl_free(s1);
	wl_free(s2);
	io_jdoc_free(&d1);
	io_jdoc_free(&d2);
	prof_free(p);
	io_jdoc_free(&pdoc);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_bad_merging_input)
{
	static const struct {
		const char *from, *to, *says;
	} cases[] = {
		{"\"strategy\": \"always\"", "\"strategy\": \"often\"",
		 "unknown merging strategy \"often\""},
		{"\"max_degree\": 5", "\"max_degree\": 0", "1..64"},
		{"\"max_degree\": 5", "\"max_degree\": 5, \"x\": 1",
		 "unknown key \"x\""},
		{"\"shared_s\": 0.5", "\"shared_s\": -1", "shared_s"},
		{"{\"machine\": \"m\", \"shared_s\": 0.5}",
		 "{\"machine\": \"q\", \"shared_s\": 0.5}",
		 "unknown machine type \"q\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *exp = edit_experiment(
			write_experiment("always", 5, "0,a,,,7\n"), cases[i].from,
			cases[i].to);
		char cmd[1024], err[2048];
		snprintf(cmd, sizeof cmd, "%s run %s --quiet --out ''",
			 test_bin(), exp);
		int rc = test_run(cmd, err, sizeof err);
		ck_assert_msg(rc == 2, "case %zu: exit %d", i, rc);
		ck_assert_msg(strstr(err, "merge_exp.json:") &&
				      strstr(err, cases[i].says),
			      "case %zu: %s", i, err);
	}
	/* a trace key out of range names the trace line */
	const char *exp = write_experiment("always", 5, "0,a,,,7\n1,a,,,10\n");
	char cmd[1024], err[2048];
	snprintf(cmd, sizeof cmd, "%s run %s --quiet --out ''", test_bin(),
		 exp);
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "merge_trace.csv:2:") &&
			      strstr(err, "key \"10\" is not an integer from 0 "
					  "to 9"),
		      "%s", err);
}
END_TEST

Suite *suite_merge(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("adaptive");
	tcase_add_test(tc, test_adaptive_by_hand);
	tcase_add_test(tc, test_adaptive_two_slots_replay);
	tcase_add_test(tc, test_strategy_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("runs");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_adaptive_declines_a_merge_that_breaks_a_deadline);
	tcase_add_test(tc, test_always_merges_and_the_deadline_is_lost);
	tcase_add_test(tc, test_adaptive_merges_when_every_deadline_holds);
	tcase_add_test(tc, test_duplicate_request_adds_nothing_and_degree_bounds);
	tcase_add_test(tc, test_dropped_leader_hands_its_run_on);
	tcase_add_test(tc, test_dropped_leader_without_members_is_no_merge_target);
	tcase_add_test(tc, test_no_compatible_request_equals_never);
	tcase_add_test(tc, test_merging_under_load_saves_time);
	tcase_add_test(tc, test_zipf_segment_popularity_and_unchanged_arrivals);
	tcase_add_test(tc, test_bad_merging_input);
	suite_add_tcase(s, tc);
	return s;
}
