/* tests/test_cli.c — the hetsim binary: subcommands, and bad input of every
 * kind giving exactly one line "hetsim: file:line: ..." and exit status 2. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "profiles/profile.h"
#include "sim/base/rng.h"
#include "tests/tests.h"

/* A valid experiment with one line replaced: lines are numbered in the
 * comments so that expected error lines are easy to check. */
static const char *const good_lines[] = {
	"{\n",                                                     /* 1 */
	"  \"profile\": {\n",                                      /* 2 */
	"    \"machine_types\": [{\"name\": \"m\"}],\n",           /* 3 */
	"    \"task_types\": [{\"name\": \"t\"}],\n",              /* 4 */
	"    \"exec\": [{\"task\": \"t\", \"machine\": \"m\",\n",  /* 5 */
	"              \"model\": \"lognormal\",\n",               /* 6 */
	"              \"mu\": -2, \"sigma\": 0.5}]},\n",          /* 7 */
	"  \"machines\": [{\"type\": \"m\", \"count\": 2}],\n",    /* 8 */
	"  \"workload\": {\"arrival\": \"poisson\",\n",            /* 9 */
	"               \"rate_per_s\": 10,\n",                    /* 10 */
	"               \"tasks\": 100},\n",                       /* 11 */
	"  \"policy\": \"mct\",\n",                                /* 12 */
	"  \"output\": {\"dir\": \"\"}\n",                         /* 13 */
	"}\n",                                                     /* 14 */
};
#define N_LINES (sizeof good_lines / sizeof good_lines[0])

static const char *experiment_with(int line, const char *replacement)
{
	static char text[4096];
	text[0] = 0;
	for (size_t i = 0; i < N_LINES; i++)
		strcat(text, (int)i + 1 == line ? replacement : good_lines[i]);
	return test_write("exp.json", text);
}

/* Run `hetsim run path`, expect status 2 and one stderr line that starts
 * with "hetsim: <file>:<line>: " and contains want. */
static void expect_bad(const char *path, const char *file_shown, int line,
		       const char *want)
{
	char cmd[1200], err[2048], prefix[700];
	snprintf(cmd, sizeof cmd, "%s run '%s'", test_bin(), path);
	int st = test_run(cmd, err, sizeof err);
	ck_assert_msg(st == 2, "status %d for %s: %s", st, path, err);
	char *nl = strchr(err, '\n');
	ck_assert_msg(nl && nl[1] == 0, "not exactly one line: [%s]", err);
	if (line > 0)
		snprintf(prefix, sizeof prefix, "hetsim: %s:%d: ", file_shown, line);
	else
		snprintf(prefix, sizeof prefix, "hetsim: %s: ", file_shown);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
		      "want prefix [%s], got [%s]", prefix, err);
	ck_assert_msg(strstr(err, want) != NULL, "want [%s] in [%s]", want, err);
}

START_TEST(good_experiment_runs)
{
	char cmd[1200], err[2048];
	snprintf(cmd, sizeof cmd, "%s run '%s'", test_bin(),
		 experiment_with(0, ""));
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 0);
}
END_TEST

START_TEST(malformed_json_names_its_line)
{
	const char *p = experiment_with(10, "               \"rate_per_s\": 10\n");
	expect_bad(p, p, 11, "");
}
END_TEST

START_TEST(unknown_policy_names_its_line)
{
	const char *p = experiment_with(12, "  \"policy\": \"fastest\",\n");
	expect_bad(p, p, 12, "unknown policy \"fastest\"");
}
END_TEST

START_TEST(unknown_model_names_its_line)
{
	const char *p = experiment_with(6, "              \"model\": \"zipf\",\n");
	expect_bad(p, p, 5, "zipf");
}
END_TEST

START_TEST(unknown_machine_type_names_its_line)
{
	const char *p = experiment_with(8, "  \"machines\": [{\"type\": \"gpu\", \"count\": 2}],\n");
	expect_bad(p, p, 8, "unknown machine type \"gpu\"");
}
END_TEST

START_TEST(negative_rate_names_its_line)
{
	const char *p = experiment_with(10, "               \"rate_per_s\": -3,\n");
	expect_bad(p, p, 10, "rate_per_s");
}
END_TEST

START_TEST(nan_is_rejected_with_its_line)
{
	const char *p = experiment_with(10, "               \"rate_per_s\": NaN,\n");
	expect_bad(p, p, 10, "");
}
END_TEST

START_TEST(negative_sigma_names_its_line)
{
	const char *p = experiment_with(7, "              \"mu\": -2, \"sigma\": -0.5}]},\n");
	expect_bad(p, p, 5, "sigma");
}
END_TEST

START_TEST(missing_profile_file_is_named)
{
	const char *p = test_write("noprof.json",
		"{\"profile\": \"no_such_profile.json\",\n"
		" \"machines\": [{\"type\": \"m\"}],\n"
		" \"workload\": {\"arrival\": \"poisson\", \"rate_per_s\": 1, \"tasks\": 1},\n"
		" \"policy\": \"mct\"}\n");
	char shown[600];
	snprintf(shown, sizeof shown, "%s/no_such_profile.json", test_tmpdir());
	expect_bad(p, shown, 0, "cannot open");
}
END_TEST

START_TEST(missing_experiment_file_is_named)
{
	expect_bad("/nonexistent/exp.json", "/nonexistent/exp.json", 0,
		   "cannot open");
}
END_TEST

START_TEST(bad_trace_row_names_trace_file_and_line)
{
	const char *trace = test_write("trace.csv",
				       "arrival_s,task_type\n0.5,t\n1.0,t\nNaN,t\n");
	static char text[2048];
	snprintf(text, sizeof text,
		 "{\"profile\": {\"machine_types\": [{\"name\": \"m\"}],\n"
		 " \"task_types\": [{\"name\": \"t\"}],\n"
		 " \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"constant\", \"value\": 1}]},\n"
		 " \"machines\": [{\"type\": \"m\"}],\n"
		 " \"workload\": {\"arrival\": \"trace\", \"file\": \"trace.csv\"},\n"
		 " \"policy\": \"fcfs\", \"output\": {\"dir\": \"\"}}\n");
	const char *q = test_write("trace_exp.json", text);
	expect_bad(q, trace, 4, "");
}
END_TEST

/* Regression: a rate of 1e-300 drew times of ~1e300 s that overflowed the
 * row buffer of tasks.csv.gz (a crash); now an input error at the entry. */
START_TEST(absurd_profile_rate_names_its_line)
{
	const char *p = experiment_with(
		7, "              \"mu\": 700, \"sigma\": 0.5}]},\n");
	expect_bad(p, p, 5, "beyond the limit");
}
END_TEST

/* Regression: a trace row at 1e200 s crashed the row formatter. Whoever
 * rejects it (the trace reader or the engine), it is one located input
 * error, exit 2, and the failed run leaves nothing in its output
 * directory. */
START_TEST(trace_time_beyond_limit_is_an_input_error)
{
	test_write("trace_big.csv", "arrival_s,task_type\n0.5,t\n1e200,t\n");
	char text[2048], cmd[2400], err[2048];
	snprintf(text, sizeof text,
		 "{\"profile\": {\"machine_types\": [{\"name\": \"m\"}],\n"
		 " \"task_types\": [{\"name\": \"t\"}],\n"
		 " \"exec\": [{\"task\": \"t\", \"machine\": \"m\", \"model\": \"constant\", \"value\": 1}]},\n"
		 " \"machines\": [{\"type\": \"m\"}],\n"
		 " \"workload\": {\"arrival\": \"trace\", \"file\": \"trace_big.csv\"},\n"
		 " \"policy\": \"fcfs\", \"output\": {\"dir\": \"%s/big\"}}\n",
		 test_tmpdir());
	const char *q = test_write("trace_big.json", text);
	snprintf(cmd, sizeof cmd, "%s run '%s' --quiet", test_bin(), q);
	int st = test_run(cmd, err, sizeof err);
	ck_assert_msg(st == 2, "status %d: %s", st, err);
	char *nl = strchr(err, '\n');
	ck_assert_msg(nl && nl[1] == 0, "not exactly one line: [%s]", err);
	ck_assert_msg(strstr(err, "trace_big") && strstr(err, ":"), "%s", err);
	snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s/big' 2>/dev/null)\"",
		 test_tmpdir());
	ck_assert_msg(system(cmd) == 0, "files left in the output directory");
}
END_TEST

/* Regression: "tasks": 10^12 started a run of days with no word. More
 * than 10^10 tasks in all is refused (located) without --force. */
START_TEST(absurd_task_count_is_refused_without_force)
{
	const char *p = experiment_with(11, "               \"tasks\": 1000000000000},\n");
	expect_bad(p, p, 11, "--force");
	char cmd[1400], err[2048];
	snprintf(cmd, sizeof cmd, "%s run '%s' --tasks 20000000000",
		 test_bin(), experiment_with(0, ""));
	int st = test_run(cmd, err, sizeof err);
	ck_assert_msg(st == 2 && strstr(err, "--force"), "%d: %s", st, err);
}
END_TEST

/* Above 10^8 tasks in all, one line on stderr says how long it will take
 * before anything runs (here the output directory then cannot be made). */
START_TEST(large_run_announces_its_size_first)
{
	char cmd[1400], err[2048];
	const char *blocker = test_write("blocker", "a file, not a directory\n");
	snprintf(cmd, sizeof cmd, "%s run '%s' --tasks 300000000 --out '%s/sub'",
		 test_bin(), experiment_with(0, ""), blocker);
	int st = test_run(cmd, err, sizeof err);
	ck_assert_msg(st == 1, "%d: %s", st, err);
	ck_assert_msg(strncmp(err, "hetsim: 300000000 tasks x 1 policies x 1 "
				   "replications", 52) == 0 &&
			      strstr(err, "at ~2 M tasks/s\n"),
		      "%s", err);
}
END_TEST

START_TEST(bad_flags_exit_2)
{
	char cmd[1200], err[2048];
	const char *p = experiment_with(0, "");
	const char *flags[] = {"--seed -1", "--seed abc", "--tasks 0",
			       "--bogus", "--policy nope"};
	for (size_t i = 0; i < 5; i++) {
		snprintf(cmd, sizeof cmd, "%s run '%s' %s", test_bin(), p, flags[i]);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 2, "%s", flags[i]);
		ck_assert_msg(strncmp(err, "hetsim: ", 8) == 0, "%s", err);
	}
	snprintf(cmd, sizeof cmd, "%s frobnicate", test_bin());
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
}
END_TEST

START_TEST(version_help_and_policies_work)
{
	char cmd[1200], err[256];
	const char *subs[] = {"version", "help", "policies"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(cmd, sizeof cmd, "%s %s", test_bin(), subs[i]);
		ck_assert_int_eq(test_run(cmd, err, sizeof err), 0);
	}
}
END_TEST

/* Every command answers --help (or -h first) on standard output with its
 * own usage, "usage: hetsim NAME ...", exit status 0 and nothing on
 * stderr, whatever else is on the line. */
START_TEST(every_command_answers_help_with_its_usage)
{
	const char *cmds[] = {"run", "fit", "plot", "compare", "sweep",
			      "calibrate", "workflow", "merge", "policies", "version"};
	const char *extra[] = {"--help", "-h", "x.json --help", "--help --bogus"};
	char cmd[1600], err[512], out[700], want[64];
	snprintf(out, sizeof out, "%s/help.out", test_tmpdir());
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++) {
			snprintf(cmd, sizeof cmd, "{ %s %s %s >%s; }", test_bin(),
				 cmds[i], extra[k], out);
			ck_assert_msg(test_run(cmd, err, sizeof err) == 0,
				      "%s %s: [%s]", cmds[i], extra[k], err);
			ck_assert_msg(err[0] == 0, "%s %s: stderr [%s]", cmds[i],
				      extra[k], err);
			char *text = test_slurp(out, NULL);
			ck_assert(text);
			snprintf(want, sizeof want, "usage: hetsim %s ", cmds[i]);
			ck_assert_msg(strncmp(text, want, strlen(want)) == 0,
				      "%s %s: [%s]", cmds[i], extra[k], text);
			free(text);
		}
	/* the whole list points to them */
	snprintf(cmd, sizeof cmd, "{ %s help >%s; }", test_bin(), out);
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 0);
	char *text = test_slurp(out, NULL);
	ck_assert(text && strstr(text, "hetsim COMMAND --help") &&
		  !strstr(text, "top of"));
	free(text);
}
END_TEST

/* The layer rule (tests/layers.sh, README.md's map) holds for the tree,
 * and the checker fails on an upward include and on an include cycle. */
START_TEST(layer_check_passes_the_tree_and_fails_on_a_bad_include)
{
	char err[2048], cmd[2000], dir[600];
	ck_assert_msg(test_run("sh tests/layers.sh .", err, sizeof err) == 0,
		      "[%s]", err);
	snprintf(dir, sizeof dir, "%s/layers", test_tmpdir());
	/* a clean tree: profiles (layer 2) includes sim/io (layer 0) */
	snprintf(cmd, sizeof cmd,
		 "rm -rf %s && mkdir -p %s && (cd %s && "
		 "mkdir -p sim/io sim/cli profiles && "
		 "printf '#include \"sim/io/io.h\"\\n' >profiles/fit.c && "
		 ": >sim/io/io.h && : >sim/cli/cli.h)",
		 dir, dir, dir);
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 0);
	snprintf(cmd, sizeof cmd, "sh tests/layers.sh %s ", dir);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "clean: [%s]", err);
	/* a lower layer (sim/io) includes a higher one (sim/cli) */
	snprintf(cmd, sizeof cmd,
		 "printf '#include \"sim/cli/cli.h\"\\n' >%s/sim/io/io.c && "
		 "sh tests/layers.sh %s", dir, dir);
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 1);
	ck_assert_msg(strstr(err, "sim/io/io.c: includes \"sim/cli/cli.h\""),
		      "[%s]", err);
	/* no upward include, but profiles/a and profiles/b include each other */
	snprintf(cmd, sizeof cmd,
		 "(cd %s && rm sim/io/io.c && : >profiles/a.h && "
		 "printf '#include \"profiles/b.h\"\\n' >profiles/a.c && "
		 "printf '#include \"profiles/a.h\"\\n' >profiles/b.h) && "
		 "sh tests/layers.sh %s", dir, dir);
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 1);
	ck_assert_msg(strstr(err, "include cycle") && strstr(err, "profiles/a") &&
			      strstr(err, "profiles/b"),
		      "[%s]", err);
}
END_TEST

START_TEST(garbage_bytes_never_crash)
{
	/* every prefix of a valid file, and a few byte flips: exit 2, no
	 * signal, one line */
	char text[4096] = "";
	for (size_t i = 0; i < N_LINES; i++)
		strcat(text, good_lines[i]);
	size_t n = strlen(text);
	char cmd[1200], err[2048];
	for (size_t cut = 0; cut < n; cut += 7) {
		char tmp[4096];
		memcpy(tmp, text, cut);
		tmp[cut] = 0;
		if (cut % 3 == 1 && cut > 0)
			tmp[cut / 2] ^= 0x5A;
		const char *p = test_write("fuzz.json", tmp);
		snprintf(cmd, sizeof cmd, "%s run '%s'", test_bin(), p);
		int st = test_run(cmd, err, sizeof err);
		ck_assert_msg(st == 2 || st == 0, "cut %zu: status %d %s", cut, st, err);
		if (st == 2) {
			char *nl = strchr(err, '\n');
			ck_assert_msg(nl && nl[1] == 0, "cut %zu: [%s]", cut, err);
		}
	}
}
END_TEST

/* ---------------------------------------------------------- hetsim fit */

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

/* Two groups drawn from known distributions, times written in ms. */
static const char *known_samples_csv(void)
{
	static char text[400000];
	gsl_rng *r = sim_rng_new(77, 0);
	size_t len = (size_t)sprintf(text, "task,machine,ms\n");
	for (int i = 0; i < 5000; i++)
		len += (size_t)sprintf(text + len, "a,m1,%.6f\n",
				       1000 * gsl_ran_lognormal(r, -1, 0.3));
	for (int i = 0; i < 5000; i++)
		len += (size_t)sprintf(text + len, "b,m2,%.6f\n",
				       1000 * gsl_ran_gamma(r, 3, 0.2));
	gsl_rng_free(r);
	return test_write("known.csv", text);
}

START_TEST(fit_recovers_known_distributions_end_to_end)
{
	const char *csv = known_samples_csv();
	char cmd[2400], err[2048], prof[600], report[600], plot[600];
	snprintf(prof, sizeof prof, "%s/fitted.json", test_tmpdir());
	snprintf(report, sizeof report, "%s/fits.md", test_tmpdir());
	snprintf(plot, sizeof plot, "%s/fit.svg", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s fit '%s' --value ms --unit ms --group-by task,machine -o '%s' "
		 "--report '%s' --plot '%s' --quiet",
		 test_bin(), csv, prof, report, plot);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
	prof_profile *p = NULL;
	io_err perr = {0};
	ck_assert_msg(prof_load(&p, prof, &perr) == 0, "%s", perr.msg);
	ck_assert_int_eq(p->n_tasks, 2);
	ck_assert_int_eq(p->n_machines, 2);
	int a = prof_task_index(p, "a"), b = prof_task_index(p, "b");
	int m1 = prof_machine_index(p, "m1"), m2 = prof_machine_index(p, "m2");
	ck_assert(a >= 0 && b >= 0 && m1 >= 0 && m2 >= 0);
	/* the chosen models have the true means (lognormal: e^(mu + s^2/2)) */
	double mean_a = exp(-1 + 0.045), mean_b = 0.6;
	ck_assert_msg(fabs(prof_mean(p, (uint32_t)a, (uint32_t)m1) - mean_a) / mean_a < 0.02,
		      "a: %g", prof_mean(p, (uint32_t)a, (uint32_t)m1));
	ck_assert_msg(fabs(prof_mean(p, (uint32_t)b, (uint32_t)m2) - mean_b) / mean_b < 0.02,
		      "b: %g", prof_mean(p, (uint32_t)b, (uint32_t)m2));
	/* the lognormal family wins for the lognormal data, gamma-like for b */
	prof_model_kind ka = prof_model_at(p, (uint32_t)a, (uint32_t)m1)->kind;
	ck_assert_msg(ka == PROF_LOGNORMAL, "a fitted as %s", prof_model_name(ka));
	ck_assert_ptr_null(prof_model_at(p, (uint32_t)a, (uint32_t)m2)->source);
	ck_assert_ptr_nonnull(strstr(prof_model_at(p, (uint32_t)a, (uint32_t)m1)->source, "KS D="));
	prof_free(p);
	char *text = read_all(report);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "Shapiro-Wilk"));
	ck_assert_ptr_nonnull(strstr(text, "| a | m1 | 5000 |"));
	snprintf(plot, sizeof plot, "%s/fit-a-m1.svg", test_tmpdir());
	text = read_all(plot);
	ck_assert_ptr_nonnull(text);
	ck_assert(strncmp(text, "<svg", 4) == 0 && strstr(text, "</svg>"));
	/* same input, same bytes */
	char again[600];
	snprintf(again, sizeof again, "%s/fitted2.json", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s fit '%s' --value ms --unit ms --group-by task,machine -o '%s' --quiet"
		 " && cmp '%s' '%s' >&2",
		 test_bin(), csv, again, prof, again);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
}
END_TEST

static int fit_text(const char *text, const char *extra, char *err, size_t cap,
		    const char **csv_out)
{
	const char *csv = test_write("fitin.csv", text);
	char cmd[1600];
	snprintf(cmd, sizeof cmd, "%s fit '%s' --value t --group-by k -o '%s/fitout.json' --quiet %s",
		 test_bin(), csv, test_tmpdir(), extra ? extra : "");
	if (csv_out)
		*csv_out = csv;
	return test_run(cmd, err, cap);
}

START_TEST(fit_bad_input_names_file_and_line)
{
	struct { const char *text; int line; const char *want; } cases[] = {
		{"", 1, "empty file"},
		{"k,t\na,1\na,abc\n", 3, "bad t \"abc\""},
		{"k,t\na,1\na,-2\n", 3, "bad t \"-2\""},
		{"k,t\na,1\na,nan\n", 3, "bad t"},
		{"k,t\na,1,5\n", 2, "3 fields"},
		{"k,x\na,1\n", 1, "no column \"t\""},
		{"k,t\n", 0, "no rows"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[2048], prefix[700];
		const char *csv;
		ck_assert_msg(fit_text(cases[i].text, NULL, err, sizeof err, &csv) == 2,
			      "case %zu: %s", i, err);
		if (cases[i].line)
			snprintf(prefix, sizeof prefix, "hetsim: %s:%d: ", csv, cases[i].line);
		else
			snprintf(prefix, sizeof prefix, "hetsim: %s: ", csv);
		ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "case %zu: %s", i, err);
		ck_assert_msg(strstr(err, cases[i].want) != NULL, "case %zu: %s", i, err);
	}
	char err[256];
	ck_assert_int_eq(fit_text("k,t\na,1\n", "--family zipf", err, sizeof err, NULL), 2);
	ck_assert_int_eq(fit_text("k,t\na,1\n", "--unit h", err, sizeof err, NULL), 2);
}
END_TEST

START_TEST(fit_degenerate_samples_give_usable_profiles_without_nan)
{
	const char *texts[] = {
		"k,t\na,0.5\n",                        /* one sample */
		"k,t\na,2\na,2\na,2\na,2\n",           /* constant */
		"k,t\na,0\na,0.1\na,0.3\na,0.2\na,0\n", /* zeros: no log families */
	};
	for (size_t i = 0; i < 3; i++) {
		char err[2048], path[600];
		ck_assert_msg(fit_text(texts[i], NULL, err, sizeof err, NULL) == 0,
			      "case %zu: %s", i, err);
		snprintf(path, sizeof path, "%s/fitout.json", test_tmpdir());
		char *out = read_all(path);
		ck_assert_ptr_nonnull(out);
		ck_assert_msg(!strstr(out, "nan") && !strstr(out, "NaN") &&
				      !strstr(out, "inf"),
			      "case %zu: %s", i, out);
		prof_profile *p = NULL;
		io_err perr = {0};
		ck_assert_msg(prof_load(&p, path, &perr) == 0, "case %zu: %s", i, perr.msg);
		double m = prof_mean(p, 0, 0);
		ck_assert(isfinite(m) && m >= 0);
		prof_free(p);
	}
}
END_TEST

Suite *suite_cli(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("bad input");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, good_experiment_runs);
	tcase_add_test(tc, malformed_json_names_its_line);
	tcase_add_test(tc, unknown_policy_names_its_line);
	tcase_add_test(tc, unknown_model_names_its_line);
	tcase_add_test(tc, unknown_machine_type_names_its_line);
	tcase_add_test(tc, negative_rate_names_its_line);
	tcase_add_test(tc, nan_is_rejected_with_its_line);
	tcase_add_test(tc, negative_sigma_names_its_line);
	tcase_add_test(tc, missing_profile_file_is_named);
	tcase_add_test(tc, missing_experiment_file_is_named);
	tcase_add_test(tc, bad_trace_row_names_trace_file_and_line);
	tcase_add_test(tc, absurd_profile_rate_names_its_line);
	tcase_add_test(tc, trace_time_beyond_limit_is_an_input_error);
	tcase_add_test(tc, absurd_task_count_is_refused_without_force);
	tcase_add_test(tc, large_run_announces_its_size_first);
	tcase_add_test(tc, bad_flags_exit_2);
	tcase_add_test(tc, version_help_and_policies_work);
	tcase_add_test(tc, every_command_answers_help_with_its_usage);
	tcase_add_test(tc, layer_check_passes_the_tree_and_fails_on_a_bad_include);
	tcase_add_test(tc, garbage_bytes_never_crash);
	tcase_add_test(tc, fit_recovers_known_distributions_end_to_end);
	tcase_add_test(tc, fit_bad_input_names_file_and_line);
	tcase_add_test(tc, fit_degenerate_samples_give_usable_profiles_without_nan);
	suite_add_tcase(s, tc);
	return s;
}
