/* tests/test_ci.c — sim/ci.c: t intervals against hand-computed values,
 * exact zeros for identical inputs, 95% coverage of the true difference
 * over simulated experiments; and `hetsim compare`: single-run and
 * replicated summaries side by side, the paired difference and its "*",
 * the CSV read back, and bad input giving one line "hetsim: file:line:"
 * and exit status 2. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "sim/ci.h"
#include "tests/tests.h"

START_TEST(t975_matches_tables)
{
	/* Student t 0.975 quantiles from printed tables */
	ck_assert_double_eq_tol(sim_t975(1), 12.7062047362, 1e-8);
	ck_assert_double_eq_tol(sim_t975(4), 2.7764451052, 1e-8);
	ck_assert_double_eq_tol(sim_t975(9), 2.2621571628, 1e-8);
	ck_assert_double_eq_tol(sim_t975(29), 2.0452296421, 1e-8);
	ck_assert_double_eq_tol(sim_t975(1000000), 1.9599639845, 1e-5);
	ck_assert(isnan(sim_t975(0)));
}
END_TEST

START_TEST(mean_of_one_to_five_matches_hand_values)
{
	const double x[] = {1, 2, 3, 4, 5};
	sim_ci c = sim_ci_mean(x, 5);
	ck_assert_uint_eq(c.n, 5);
	ck_assert_double_eq_tol(c.mean, 3, 1e-15);
	ck_assert_double_eq_tol(c.sd, sqrt(2.5), 1e-14);
	ck_assert_double_eq_tol(c.half, 2.7764451052 * sqrt(2.5) / sqrt(5),
				1e-8);
}
END_TEST

START_TEST(one_value_has_no_interval_and_none_has_no_mean)
{
	const double x[] = {7.25};
	sim_ci c = sim_ci_mean(x, 1);
	ck_assert_double_eq(c.mean, 7.25);
	ck_assert(isnan(c.half));
	ck_assert(isnan(c.sd));
	ck_assert_uint_eq(c.n, 1);
	c = sim_ci_mean(NULL, 0);
	ck_assert(isnan(c.mean) && isnan(c.half));
	const double a[] = {1}, b[] = {3};
	c = sim_ci_paired(a, b, 1);
	ck_assert_double_eq(c.mean, 2);
	ck_assert(isnan(c.half));
}
END_TEST

START_TEST(constant_sample_has_its_value_as_mean_and_zero_width)
{
	/* 0.1 summed ten times and divided by 10 is not 0.1 */
	double x[10];
	for (int i = 0; i < 10; i++)
		x[i] = 0.1;
	sim_ci c = sim_ci_mean(x, 10);
	ck_assert(c.mean == 0.1);
	ck_assert(c.sd == 0 && c.half == 0);
}
END_TEST

static double *gaussians(gsl_rng *r, size_t n, double mu, double sd)
{
	double *x = malloc(n * sizeof *x);
	ck_assert_ptr_nonnull(x);
	for (size_t i = 0; i < n; i++)
		x[i] = mu + gsl_ran_gaussian(r, sd);
	return x;
}

START_TEST(paired_identical_inputs_give_exactly_zero)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 11);
	double *a = gaussians(r, 20, 3, 1.5);
	sim_ci c = sim_ci_paired(a, a, 20);
	ck_assert(c.mean == 0);
	ck_assert(c.half == 0);
	ck_assert(c.sd == 0);
	ck_assert_uint_eq(c.n, 20);
	free(a);
	gsl_rng_free(r);
}
END_TEST

START_TEST(paired_constant_effect_is_found_with_zero_width)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 12);
	double *a = gaussians(r, 15, 10, 4), b[15];
	for (int i = 0; i < 15; i++)
		b[i] = a[i] + 0.5;
	sim_ci c = sim_ci_paired(a, b, 15);
	ck_assert_double_eq_tol(c.mean, 0.5, 1e-14);
	ck_assert(c.half >= 0 && c.half < 1e-14);
	/* the unpaired intervals are wide: the noise of a is in both */
	ck_assert(sim_ci_mean(a, 15).half > 1);
	free(a);
	gsl_rng_free(r);
}
END_TEST

/* Experiments of n replications with common random numbers: replication
 * r of both policies shares a large effect common_r (the seed's workload),
 * plus each policy's own small noise; the true difference is delta. */
START_TEST(paired_interval_covers_the_true_difference_95_percent)
{
	enum { EXPERIMENTS = 2000, N = 8 };
	const double delta = 0.3;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 2026);
	int covered = 0, mean_covered = 0;
	double paired_half = 0, unpaired_half = 0;
	for (int e = 0; e < EXPERIMENTS; e++) {
		double a[N], b[N];
		for (int i = 0; i < N; i++) {
			double common = gsl_ran_gaussian(r, 5);
			a[i] = 10 + common + gsl_ran_gaussian(r, 0.4);
			b[i] = 10 + delta + common + gsl_ran_gaussian(r, 0.4);
		}
		sim_ci d = sim_ci_paired(a, b, N), m = sim_ci_mean(a, N);
		covered += fabs(d.mean - delta) <= d.half;
		mean_covered += fabs(m.mean - 10) <= m.half;
		paired_half += d.half;
		unpaired_half += m.half;
	}
	double cov = (double)covered / EXPERIMENTS;
	double mcov = (double)mean_covered / EXPERIMENTS;
	ck_assert_msg(cov >= 0.935 && cov <= 0.965, "paired coverage %g", cov);
	ck_assert_msg(mcov >= 0.935 && mcov <= 0.965, "mean coverage %g", mcov);
	ck_assert_msg(paired_half < 0.2 * unpaired_half,
		      "common random numbers should narrow the interval");
	gsl_rng_free(r);
}
END_TEST

/* ---- hetsim compare ---- */

/* Write text to test_tmpdir()/dir/summary.json; returns its path. */
static const char *write_summary(const char *dir, const char *text)
{
	static char paths[8][600];
	static int next;
	char d[560];
	snprintf(d, sizeof d, "%s/%s", test_tmpdir(), dir);
	mkdir(d, 0700);
	char name[600];
	snprintf(name, sizeof name, "%s/summary.json", dir);
	char *p = paths[next++ % 8];
	snprintf(p, 600, "%s", test_write(name, text));
	return p;
}

/* Run `hetsim compare ARGS`; returns the exit status, stdout in *out
 * (caller frees), stderr in err. */
static int run_compare(const char *args, char **out, char *err, size_t cap)
{
	char outpath[600], cmd[4096];
	snprintf(outpath, sizeof outpath, "%s/compare.out", test_tmpdir());
	snprintf(cmd, sizeof cmd, "(%s compare %s > '%s')", test_bin(), args,
		 outpath);
	int st = test_run(cmd, err, cap);
	*out = test_slurp(outpath, NULL);
	ck_assert_ptr_nonnull(*out);
	return st;
}

/* The line of text that starts with prefix (static copy, "" if none). */
static const char *line_of(const char *text, const char *prefix)
{
	static char line[1024];
	line[0] = 0;
	size_t n = strlen(prefix);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= n && strncmp(p, prefix, n) == 0 &&
		    (len == n || p[n] == ' ' || p[n] == ',')) {
			snprintf(line, sizeof line, "%.*s", (int)len, p);
			break;
		}
		p = nl ? nl + 1 : NULL;
	}
	return line;
}

/* JSON reads best laid out as written */
/* clang-format off */
static const char single_a[] =
	"{\"policy\": \"fcfs\", \"seed\": 1,\n"
	" \"tasks\": {\"arrived\": 100, \"completed\": 98, \"dropped\": 2,\n"
	"           \"deadline_missed\": 10, \"deadline_met_fraction\": 0.88},\n"
	" \"makespan_s\": 50.5,\n"
	" \"response_s\": {\"mean\": 0.25, \"p50\": 0.2, \"p95\": 0.75, \"p99\": 1.5},\n"
	" \"mean_in_system\": 2.5, \"throughput_per_s\": 1.96,\n"
	" \"utilization_mean\": 0.5, \"energy_j\": 1234.5, \"cost_usd\": 0.125}\n";

/* no "policy": labelled by its directory */
static const char single_b[] =
	"{\"seed\": 1,\n"
	" \"tasks\": {\"arrived\": 100, \"completed\": 100, \"dropped\": 0,\n"
	"           \"deadline_missed\": 4, \"deadline_met_fraction\": 0.96},\n"
	" \"makespan_s\": 49.75,\n"
	" \"response_s\": {\"mean\": 0.125, \"p50\": 0.1, \"p95\": 0.5, \"p99\": 1},\n"
	" \"mean_in_system\": 1.5, \"throughput_per_s\": 2.01,\n"
	" \"utilization_mean\": 0.375, \"energy_j\": 1000, \"cost_usd\": 0.125}\n";
/* clang-format on */

START_TEST(compare_single_runs_side_by_side)
{
	char args[1400], err[2048], *out;
	const char *a = write_summary("fcfs_run", single_a);
	const char *b = write_summary("mct_dir", single_b);
	snprintf(args, sizeof args, "'%s' '%s'", a, b);
	ck_assert_int_eq(run_compare(args, &out, err, sizeof err), 0);
	const char *hdr = line_of(out, "metric");
	ck_assert_msg(strstr(hdr, "fcfs") && strstr(hdr, "mct_dir") &&
			      strstr(hdr, "mct_dir - fcfs"),
		      "header [%s]", hdr);
	const char *l = line_of(out, "completed");
	ck_assert_msg(strstr(l, " 98 ") && strstr(l, " 100 ") &&
			      strstr(l, "+2"),
		      "[%s]", l);
	l = line_of(out, "response_mean_s");
	ck_assert_msg(strstr(l, "0.25") && strstr(l, "0.125") &&
			      strstr(l, "-0.125"),
		      "[%s]", l);
	l = line_of(out, "energy_j");
	ck_assert_msg(strstr(l, "1234.5") && strstr(l, "1000") &&
			      strstr(l, "-234.5"),
		      "[%s]", l);
	l = line_of(out, "deadline_met_fraction");
	ck_assert_msg(strstr(l, "+0.08"), "[%s]", l);
	/* no replications: no interval, no flag, and a footnote says so */
	ck_assert_ptr_null(strstr(out, "±"));
	ck_assert_ptr_null(strstr(out, "*"));
	l = line_of(out, "note:");
	ck_assert_msg(strstr(l, "unpaired") && strstr(l, "values absent"),
		      "[%s]", l);
	free(out);
}
END_TEST

START_TEST(compare_prefers_a_flat_metrics_object)
{
	char args[1400], err[2048], *out;
	const char *a = write_summary(
		"flat_a",
		"{\"policy\": \"x\", \"tasks\": {\"completed\": 5},\n"
		" \"metrics\": {\"completed\": 7, \"custom_score\": 1.5}}\n");
	const char *b = write_summary(
		"flat_b", "{\"policy\": \"y\", \"metrics\": {\"completed\": 9, "
			  "\"custom_score\": 2}}\n");
	snprintf(args, sizeof args, "'%s' '%s'", a, b);
	ck_assert_int_eq(run_compare(args, &out, err, sizeof err), 0);
	const char *l = line_of(out, "completed");
	ck_assert_msg(strstr(l, " 7 ") && strstr(l, " 9 ") && strstr(l, "+2"),
		      "[%s]", l);
	l = line_of(out, "custom_score");
	ck_assert_msg(strstr(l, "1.5") && strstr(l, "+0.5"), "[%s]", l);
	free(out);
}
END_TEST

/* Replicated summaries over seeds 1..5: b's response time is a's plus
 * 0.4, 0.5, 0.6, 0.5, 0.5 (mean 0.5, sd sqrt(0.005), half-width
 * t(4) sqrt(0.005) / sqrt(5) = 0.0877989); its energy equals a's. */
/* clang-format off */
static const char rep_a[] =
	"{\"policy\": \"mct\", \"replications\": 5, \"seeds\": [1, 2, 3, 4, 5],\n"
	" \"metrics\": {\n"
	"  \"response_mean_s\": {\"mean\": 1.05, \"ci95_low\": 0.95, \"ci95_high\": 1.15,\n"
	"                      \"values\": [1.0, 1.2, 0.9, 1.1, 1.05]},\n"
	"  \"energy_j\": {\"mean\": 30, \"ci95_low\": 20, \"ci95_high\": 40,\n"
	"               \"values\": [20, 25, 30, 35, 40]}}}\n";
static const char rep_b[] =
	"{\"policy\": \"kpb\", \"replications\": 5, \"seeds\": [1, 2, 3, 4, 5],\n"
	" \"metrics\": {\n"
	"  \"response_mean_s\": {\"mean\": 1.55, \"ci95_low\": 1.45, \"ci95_high\": 1.65,\n"
	"                      \"values\": [1.4, 1.7, 1.5, 1.6, 1.55]},\n"
	"  \"energy_j\": {\"mean\": 30, \"ci95_low\": 20, \"ci95_high\": 40,\n"
	"               \"values\": [20, 25, 30, 35, 40]}}}\n";
/* other seeds: only the difference of the means can be given */
static const char rep_c[] =
	"{\"policy\": \"olb\", \"replications\": 5, \"seeds\": [6, 7, 8, 9, 10],\n"
	" \"metrics\": {\n"
	"  \"response_mean_s\": {\"mean\": 2.05,\n"
	"                      \"values\": [2.0, 2.2, 1.9, 2.1, 2.05]},\n"
	"  \"energy_j\": {\"mean\": 31, \"ci95_low\": 21, \"ci95_high\": 41,\n"
	"               \"values\": [21, 26, 31, 36, 41]}}}\n";
/* clang-format on */

START_TEST(compare_replicated_shows_ci_and_flags_paired_difference)
{
	char args[2400], err[2048], *out;
	const char *a = write_summary("rep_a", rep_a);
	const char *b = write_summary("rep_b", rep_b);
	const char *c = write_summary("rep_c", rep_c);
	snprintf(args, sizeof args, "'%s' '%s' '%s'", a, b, c);
	ck_assert_int_eq(run_compare(args, &out, err, sizeof err), 0);
	const char *hdr = line_of(out, "metric");
	ck_assert_msg(strstr(hdr, "kpb - mct") && strstr(hdr, "olb - mct"),
		      "[%s]", hdr);
	const char *l = line_of(out, "response_mean_s");
	ck_assert_msg(strstr(l, "1.05 ± 0.10") && strstr(l, "1.55 ± 0.10"),
		      "[%s]", l);
	ck_assert_msg(strstr(l, "+0.500 ± 0.088 *"), "paired: [%s]", l);
	/* olb: mean and half-width computed from its values */
	sim_ci oc = sim_ci_mean((const double[]){2.0, 2.2, 1.9, 2.1, 2.05}, 5);
	char want[64];
	snprintf(want, sizeof want, "2.05 ± %.2f", oc.half);
	ck_assert_msg(strstr(l, want), "want [%s] in [%s]", want, l);
	ck_assert_msg(strstr(l, "+1 ") || l[strlen(l) - 1] == '1',
		      "unpaired olb - mct: [%s]", l);
	l = line_of(out, "energy_j");
	ck_assert_msg(strstr(l, "30 ± 10") && strstr(l, "+0 ± 0"), "[%s]", l);
	ck_assert_msg(!strchr(l, '*'), "identical values flagged: [%s]", l);
	ck_assert_msg(strstr(line_of(out, "*:"), "excludes 0"), "%s", out);
	l = line_of(out, "note:");
	ck_assert_msg(strstr(l, "olb - mct") && strstr(l, "seeds differ"),
		      "[%s]", l);
	ck_assert_ptr_null(strstr(out, "kpb - mct: unpaired"));
	free(out);
}
END_TEST

/* Split a CSV line (no quoting) into at most max fields, in place. */
static int csv_fields(char *line, char **f, int max)
{
	int n = 0;
	for (char *p = line;; p++) {
		f[n++] = p;
		p = strchr(p, ',');
		if (!p || n == max)
			return n;
		*p = 0;
	}
}

static int column(char **hdr, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(hdr[i], name) == 0)
			return i;
	ck_abort_msg("no column %s", name);
	return -1;
}

START_TEST(compare_csv_reads_back)
{
	char args[2400], err[2048], *out, csvpath[600];
	const char *a = write_summary("rep_a", rep_a);
	const char *b = write_summary("rep_b", rep_b);
	const char *c = write_summary("rep_c", rep_c);
	snprintf(csvpath, sizeof csvpath, "%s/cmp.csv", test_tmpdir());
	snprintf(args, sizeof args, "'%s' '%s' '%s' --csv '%s' --quiet", a, b,
		 c, csvpath);
	ck_assert_int_eq(run_compare(args, &out, err, sizeof err), 0);
	ck_assert_str_eq(out, ""); /* --quiet */
	free(out);
	char *csv = test_slurp(csvpath, NULL);
	ck_assert_ptr_nonnull(csv);
	char *lines[8];
	int n_lines = 0;
	for (char *p = strtok(csv, "\n"); p && n_lines < 8;
	     p = strtok(NULL, "\n"))
		lines[n_lines++] = p;
	ck_assert_int_eq(n_lines, 3); /* header, response_mean_s, energy_j */
	char *hdr[40], *row[40];
	int nh = csv_fields(lines[0], hdr, 40);
	ck_assert_int_eq(nh, 1 + 2 * 3 + 4 * 2);
	int nr = csv_fields(lines[1], row, 40);
	ck_assert_int_eq(nr, nh);
	ck_assert_str_eq(row[0], "response_mean_s");
	ck_assert_double_eq_tol(atof(row[column(hdr, nh, "mct")]), 1.05, 1e-12);
	ck_assert_double_eq_tol(atof(row[column(hdr, nh, "mct_ci95_half")]),
				0.1, 1e-12);
	ck_assert_double_eq_tol(atof(row[column(hdr, nh, "kpb-mct")]), 0.5,
				1e-9);
	ck_assert_double_eq_tol(atof(row[column(hdr, nh, "kpb-mct_ci95_half")]),
				2.7764451052 * sqrt(0.005) / sqrt(5), 1e-9);
	ck_assert_str_eq(row[column(hdr, nh, "kpb-mct_paired")], "1");
	ck_assert_str_eq(row[column(hdr, nh, "kpb-mct_excludes_0")], "1");
	ck_assert_double_eq_tol(atof(row[column(hdr, nh, "olb-mct")]), 1.0,
				1e-9);
	ck_assert_str_eq(row[column(hdr, nh, "olb-mct_ci95_half")], "");
	ck_assert_str_eq(row[column(hdr, nh, "olb-mct_paired")], "0");
	ck_assert_str_eq(row[column(hdr, nh, "olb-mct_excludes_0")], "");
	nr = csv_fields(lines[2], row, 40);
	ck_assert_str_eq(row[0], "energy_j");
	ck_assert_str_eq(row[column(hdr, nh, "kpb-mct")], "0");
	ck_assert_str_eq(row[column(hdr, nh, "kpb-mct_ci95_half")], "0");
	ck_assert_str_eq(row[column(hdr, nh, "kpb-mct_excludes_0")], "0");
	free(csv);
}
END_TEST

START_TEST(compare_metrics_flag_picks_rows)
{
	char args[1400], err[2048], *out;
	const char *a = write_summary("fcfs_run", single_a);
	const char *b = write_summary("mct_dir", single_b);
	snprintf(args, sizeof args, "'%s' '%s' --metrics energy_j,completed", a,
		 b);
	ck_assert_int_eq(run_compare(args, &out, err, sizeof err), 0);
	const char *e = strstr(out, "\nenergy_j"),
		   *c = strstr(out, "\ncompleted");
	ck_assert_msg(e && c && e < c, "rows in the order asked: %s", out);
	ck_assert_ptr_null(strstr(out, "makespan_s"));
	free(out);
}
END_TEST

/* Status 2 and exactly one stderr line starting "hetsim: <prefix>"
 * and containing want. */
static void expect_compare_error(const char *args, const char *prefix,
				 const char *want)
{
	char err[2048], *out;
	int st = run_compare(args, &out, err, sizeof err);
	free(out);
	ck_assert_msg(st == 2, "status %d for %s: %s", st, args, err);
	char *nl = strchr(err, '\n');
	ck_assert_msg(nl && nl[1] == 0, "not exactly one line: [%s]", err);
	char full[800];
	snprintf(full, sizeof full, "hetsim: %s", prefix);
	ck_assert_msg(strncmp(err, full, strlen(full)) == 0,
		      "want prefix [%s], got [%s]", full, err);
	ck_assert_msg(strstr(err, want), "want [%s] in [%s]", want, err);
}

/* Regression: a run killed after its first policy left new fcfs/ files
 * beside old mct/ ones and comparison.csv, and compare mixed them silently.
 * Now a run's set is listed in manifest.json; compare refuses a listed
 * file of the wrong size, a summary the manifest does not list, and a
 * run directory without manifest. */
START_TEST(compare_refuses_mixed_or_unlisted_run_files)
{
	char d[600], cmd[2400], args[1400], err[2048], *out;
	snprintf(d, sizeof d, "%s/cmpset", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s run tests/golden/mixed.json --out '%s' --quiet --set "
		 "'policies=[\"fcfs\",\"mct\"]'",
		 test_bin(), d);
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 0);
	snprintf(args, sizeof args, "'%s/fcfs/summary.json' '%s/mct/summary.json' --quiet",
		 d, d);
	ck_assert_msg(run_compare(args, &out, err, sizeof err) == 0, "%s", err);
	free(out);
	/* an extra policy dir from another run: not in the manifest */
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/rr' && cp '%s/fcfs/summary.json' '%s/rr/'",
		 d, d, d);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(args, sizeof args, "'%s/fcfs/summary.json' '%s/rr/summary.json' --quiet",
		 d, d);
	char prefix[700];
	snprintf(prefix, sizeof prefix, "%s/rr/summary.json: ", d);
	expect_compare_error(args, prefix, "manifest.json");
	/* a file of the set replaced by one of another size */
	snprintf(cmd, sizeof cmd, "echo ' ' >> '%s/mct/summary.json'", d);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(args, sizeof args, "'%s/fcfs/summary.json' '%s/mct/summary.json' --quiet",
		 d, d);
	expect_compare_error(args, "", "mixed");
	/* no manifest beside comparison.csv: an interrupted run */
	snprintf(cmd, sizeof cmd, "rm '%s/manifest.json'", d);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(prefix, sizeof prefix, "%s/fcfs/summary.json: ", d);
	expect_compare_error(args, prefix, "no manifest.json");
}
END_TEST

START_TEST(compare_bad_input_exits_2_naming_file_and_line)
{
	char args[1400], prefix[700];
	const char *good = write_summary("fcfs_run", single_a);

	snprintf(args, sizeof args, "'%s' /nonexistent/summary.json", good);
	expect_compare_error(args, "/nonexistent/summary.json: ", "");

	const char *p = write_summary("broken", "{\"policy\": \"a\",\n"
						"  \"metrics\": {\n"
						"  \"x\": 1,,\n}}\n");
	snprintf(args, sizeof args, "'%s' '%s'", good, p);
	snprintf(prefix, sizeof prefix, "%s:3: ", p);
	expect_compare_error(args, prefix, "");

	p = write_summary("nometrics", "{\"policy\": \"a\",\n \"seed\": 3}\n");
	snprintf(args, sizeof args, "'%s'", p);
	snprintf(prefix, sizeof prefix, "%s:1: ", p);
	expect_compare_error(args, prefix, "no recognisable metrics");

	p = write_summary("badtype",
			  "{\"policy\": \"a\",\n"
			  " \"metrics\": {\n"
			  "  \"energy_j\": {\"mean\": \"high\"}}}\n");
	snprintf(args, sizeof args, "'%s'", p);
	snprintf(prefix, sizeof prefix, "%s:3: ", p);
	expect_compare_error(args, prefix, "mean");

	p = write_summary("badvalues",
			  "{\"policy\": \"a\",\n"
			  " \"metrics\": {\"energy_j\": {\"values\":\n"
			  "   [1,\n"
			  "    \"two\"]}}}\n");
	snprintf(args, sizeof args, "'%s'", p);
	snprintf(prefix, sizeof prefix, "%s:4: ", p);
	expect_compare_error(args, prefix, "number");

	p = write_summary("notobject", "[1, 2]\n");
	snprintf(args, sizeof args, "'%s'", p);
	snprintf(prefix, sizeof prefix, "%s:1: ", p);
	expect_compare_error(args, prefix, "object");

	snprintf(args, sizeof args, "'%s' --metrics completed,latency", good);
	snprintf(prefix, sizeof prefix, "%s: ", good);
	expect_compare_error(args, prefix, "unknown metric \"latency\"");

	expect_compare_error("", "compare: ", "summary");
	snprintf(args, sizeof args, "'%s' --bogus", good);
	expect_compare_error(args, "compare: ", "--bogus");
	snprintf(args, sizeof args, "'%s' --metrics", good);
	expect_compare_error(args, "compare: ", "--metrics");
}
END_TEST

Suite *suite_ci(void)
{
	Suite *s = suite_create("ci");
	TCase *tc = tcase_create("ci");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t975_matches_tables);
	tcase_add_test(tc, mean_of_one_to_five_matches_hand_values);
	tcase_add_test(tc, one_value_has_no_interval_and_none_has_no_mean);
	tcase_add_test(tc,
		       constant_sample_has_its_value_as_mean_and_zero_width);
	tcase_add_test(tc, paired_identical_inputs_give_exactly_zero);
	tcase_add_test(tc, paired_constant_effect_is_found_with_zero_width);
	tcase_add_test(tc,
		       paired_interval_covers_the_true_difference_95_percent);
	suite_add_tcase(s, tc);
	TCase *cmp = tcase_create("compare");
	tcase_set_timeout(cmp, 60);
	tcase_add_test(cmp, compare_single_runs_side_by_side);
	tcase_add_test(cmp, compare_refuses_mixed_or_unlisted_run_files);
	tcase_add_test(cmp, compare_prefers_a_flat_metrics_object);
	tcase_add_test(cmp,
		       compare_replicated_shows_ci_and_flags_paired_difference);
	tcase_add_test(cmp, compare_csv_reads_back);
	tcase_add_test(cmp, compare_metrics_flag_picks_rows);
	tcase_add_test(cmp, compare_bad_input_exits_2_naming_file_and_line);
	suite_add_tcase(s, cmp);
	return s;
}
