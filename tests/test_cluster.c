/* tests/test_cluster.c — `hetsim sweep` on clusters: under MPI (mpirun -np 3
 * --oversubscribe; only where mpirun is installed and hetsim was built
 * with MPI) and as Slurm slices (the generated sbatch script run by hand,
 * with a fake sbatch for its submission branch). Each must give the same
 * (case, policy) lines as a local run, each exactly once, and resume. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "tests/tests.h"

/* mpirun as root needs these; ASan builds: Open MPI's allocations at exit
 * are not ours to free. */
#define MPIRUN                                                                 \
	"OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "           \
	"ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" "      \
	"mpirun -np 3 --oversubscribe"

/* A sweep over the shipped assistive-ML experiment, kept tiny: 3 rates x
 * 2 replications = 6 cases of 2 policies; rates can hold a bad value. The
 * sweep file is tmpdir/name, its results files sit beside it. */
typedef struct cluster_paths {
	char sweep[600], local[700], results[700];
} cluster_paths;

static cluster_paths cluster_sweep(const char *name, const char *rates)
{
	cluster_paths p;
	char cwd[400], body[1200];
	ck_assert(getcwd(cwd, sizeof cwd) != NULL);
	snprintf(body, sizeof body,
		 "{\"base\": \"%s/experiments/assistive_ml.json\",\n"
		 " \"parameters\": {\"workload.rate_per_s\": %s,\n"
		 "                \"workload.tasks\": [300]},\n"
		 " \"policies\": [\"mct\", \"fcfs\"],\n"
		 " \"replications\": 2}\n",
		 cwd, rates);
	snprintf(p.sweep, sizeof p.sweep, "%s", test_write(name, body));
	snprintf(p.local, sizeof p.local, "%s.local.jsonl", p.sweep);
	snprintf(p.results, sizeof p.results, "%s.results.jsonl", p.sweep);
	return p;
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f && fputs(text, f) >= 0 && fclose(f) == 0,
		      "cannot write %s", path);
}

static int hetsim(char *err, size_t cap, const char *fmt, const char *a,
		  const char *b)
{
	char args[2000], cmd[2600];
	snprintf(args, sizeof args, fmt, a, b);
	snprintf(cmd, sizeof cmd, "%s sweep %s", test_bin(), args);
	return test_run(cmd, err, cap);
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The lines of a results file as {"case/policy": line}; every line parses
 * and no (case, policy) comes twice. */
static json_t *results_by_key(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "no %s", path);
	json_t *all = json_object();
	char line[8192];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		n++;
		json_t *v =
			strchr(line, '\n') ? json_loads(line, 0, NULL) : NULL;
		ck_assert_msg(v != NULL, "%s:%d does not parse", path, n);
		const char *c = json_string_value(json_object_get(v, "case"));
		const char *p = json_string_value(json_object_get(v, "policy"));
		ck_assert(c && p);
		char key[128];
		snprintf(key, sizeof key, "%s/%s", c, p);
		ck_assert_msg(!json_object_get(all, key), "%s: (%s, %s) twice",
			      path, c, p);
		json_object_set_new(all, key, v);
	}
	fclose(f);
	return all;
}

/* Same (case, policy) lines with equal parameters and metrics. */
static void assert_same_results(const char *want_path, const char *got_path,
				size_t want_lines)
{
	json_t *want = results_by_key(want_path),
	       *got = results_by_key(got_path);
	ck_assert_int_eq(json_object_size(want), want_lines);
	ck_assert_int_eq(json_object_size(got), want_lines);
	const char *key;
	json_t *w;
	json_object_foreach (want, key, w) {
		json_t *g = json_object_get(got, key);
		ck_assert_msg(g != NULL, "%s: no %s", got_path, key);
		ck_assert_msg(json_equal(json_object_get(w, "params"),
					 json_object_get(g, "params")),
			      "%s: params differ", key);
		ck_assert_msg(json_equal(json_object_get(w, "metrics"),
					 json_object_get(g, "metrics")),
			      "%s: metrics differ", key);
	}
	json_decref(want);
	json_decref(got);
}

/* A local -j 2 run of sweep into results. */
static void local_run(const char *sweep, const char *results)
{
	char err[4096];
	int st = hetsim(err, sizeof err, "'%s' -j 2 --results '%s'", sweep,
			results);
	ck_assert_msg(st == 0, "local run: status %d: %s", st, err);
}

/* ---- MPI -------------------------------------------------------------- */

static int mpi_run(const char *sweep, const char *results, char *err,
		   size_t cap)
{
	char cmd[2600];
	snprintf(cmd, sizeof cmd, MPIRUN " %s sweep '%s' --mpi --results '%s'",
		 test_bin(), sweep, results);
	return test_run(cmd, err, cap);
}

START_TEST(mpi_sweep_equals_local_sweep_case_by_case_and_resumes)
{
	cluster_paths p = cluster_sweep("mpi.json", "[60, 120, 180]");
	const char *s = p.sweep, *local = p.local, *mpi = p.results;
	static char err[16384];
	local_run(s, local);
	int st = mpi_run(s, mpi, err, sizeof err);
	ck_assert_msg(st == 0, "mpirun: status %d: %s", st, err);
	assert_same_results(local, mpi, 6 * 2);
	/* progress from rank 0 alone: one line per case */
	ck_assert_msg(count_of(err, " done (") == 6, "progress: [%s]", err);
	ck_assert_msg(strstr(err, "done (6/6)"), "progress: [%s]", err);

	/* a second run adds nothing */
	char *before = test_slurp(mpi, NULL);
	st = mpi_run(s, mpi, err, sizeof err);
	ck_assert_msg(st == 0, "rerun: status %d: %s", st, err);
	ck_assert_msg(strstr(err, "skipped 6 of 6"), "rerun: [%s]", err);
	char *after = test_slurp(mpi, NULL);
	ck_assert(before && after);
	ck_assert_str_eq(before, after);

	/* cut after two cases and torn: rank 0 repairs, runs the rest */
	char *cut = before;
	for (int k = 0; k < 4; k++)
		cut = strchr(cut, '\n') + 1;
	strcpy(cut, "{\"case\":\"c0005\",\"repl");
	put_file(mpi, before);
	st = mpi_run(s, mpi, err, sizeof err);
	ck_assert_msg(st == 0, "resume: status %d: %s", st, err);
	ck_assert_msg(strstr(err, "skipped 2 of 6") &&
			      strstr(err, "done (4/4)"),
		      "resume: [%s]", err);
	assert_same_results(local, mpi, 6 * 2);
	free(before);
	free(after);
}
END_TEST

START_TEST(mpi_bad_middle_case_stops_every_rank_before_any_case_runs)
{
	/* every case is checked when the file loads, on every rank: those of
	 * point 1 (c0002, c0003) are bad, so nothing runs and rank 0 alone
	 * reports it, once, at the value's line */
	cluster_paths p = cluster_sweep("mpi_bad.json", "[60, \"fast\", 120]");
	const char *s = p.sweep, *mpi = p.results;
	static char err[16384];
	int st = mpi_run(s, mpi, err, sizeof err);
	ck_assert_msg(st == 2, "status %d: %s", st, err);
	char want[800];
	snprintf(want, sizeof want,
		 "hetsim: %s:2: parameter \"workload.rate_per_s\" value \"fast\" "
		 "(case c0002): \"rate_per_s\" must be a number\n", s);
	ck_assert_msg(count_of(err, want) == 1 && count_of(err, "hetsim: ") == 1,
		      "[%s]", err);
	ck_assert_msg(access(mpi, F_OK) != 0, "results written");
}
END_TEST

/* An MPI sweep in which a worker stops itself (HETSIM_SWEEP_TEST_STOP=
 * stop), with a case time limit of 2 s; its ranks must end (not hang)
 * within 50 s and the run with a status other than 0. Open MPI 4.1's
 * mpirun itself can hang in its PMIx finalize after every rank has ended
 * (sim/sweep/mpi.c): that is not hetsim's to fix, so once no rank is left
 * mpirun gets 10 s, then is killed (status 137 too). */
static void mpi_run_stopping(const char *stop, const char *sweep,
			     const char *results, char *err, size_t cap)
{
	char cmd[4000];
	snprintf(cmd, sizeof cmd,
		 "(HETSIM_SWEEP_TEST_STOP=%s " MPIRUN
		 " -x HETSIM_SWEEP_TEST_STOP %s sweep '%s' --mpi --results '%s' "
		 "--case-timeout 2 & mp=$!; i=0; "
		 "ranks() { ps --ppid $mp -o stat= | grep -qv '^Z'; }; "
		 "while [ $i -lt 500 ] && kill -0 $mp 2>/dev/null && ranks; do "
		 "sleep 0.1; i=$((i+1)); done; "
		 "if kill -0 $mp 2>/dev/null && ranks; then "
		 "echo 'ranks still running' >&2; pkill -9 -P $mp; kill -9 $mp; "
		 "exit 99; fi; "
		 "j=0; while [ $j -lt 100 ] && kill -0 $mp 2>/dev/null; do "
		 "sleep 0.1; j=$((j+1)); done; "
		 "kill -9 $mp 2>/dev/null; wait $mp)",
		 stop, test_bin(), sweep, results);
	int st = test_run(cmd, err, cap); /* bounded: 50 s, then 10 s */
	ck_assert_msg(!strstr(err, "ranks still running"), "ranks hang: [%s]",
		      err);
	ck_assert_msg(st != 0, "status 0: [%s]", err);
}

START_TEST(mpi_stopped_rank_ends_the_sweep_naming_case_and_rank_and_resumes)
{
	/* the worker handed case 3 stops (SIGSTOP) as it starts it: without a
	 * time limit rank 0 would wait for it forever */
	cluster_paths p = cluster_sweep("mpi_stop.json", "[60, 120, 180]");
	const char *s = p.sweep, *mpi = p.results;
	static char err[16384];
	mpi_run_stopping("3", s, mpi, err, sizeof err);
	ck_assert_msg(strstr(err, "hetsim: case c0003: rank ") &&
			      strstr(err, " sent no result within the --case-timeout "
					  "of 2 s: it is stopped, dead or hung"),
		      "[%s]", err);
	ck_assert_msg(strstr(err, "1 of 6 cases failed"), "[%s]", err);
	json_t *r = results_by_key(mpi);
	ck_assert_int_eq(json_object_size(r), 5 * 2);
	json_decref(r);
	/* the rerun runs the missing case */
	int st = mpi_run(s, mpi, err, sizeof err);
	ck_assert_msg(st == 0, "rerun: status %d: %s", st, err);
	ck_assert_msg(strstr(err, "skipped 5 of 6") && strstr(err, "done (1/1)"),
		      "[%s]", err);
	r = results_by_key(mpi);
	ck_assert_int_eq(json_object_size(r), 6 * 2);
	json_decref(r);

	/* a rank that stops before its first message: the other does every
	 * case, and the run still ends, naming the silent rank */
	unlink(mpi);
	mpi_run_stopping("start", s, mpi, err, sizeof err);
	ck_assert_msg(strstr(err, "hetsim: sweep: rank 2 sent no result within "
				  "the --case-timeout of 2 s"), "[%s]", err);
	r = results_by_key(mpi);
	ck_assert_int_eq(json_object_size(r), 6 * 2);
	json_decref(r);
}
END_TEST

/* hetsim built without MPI says so; with it, --mpi is an option. */
static int hetsim_has_mpi(void)
{
	char err[1024];
	int st = hetsim(err, sizeof err, "--mpi", NULL, NULL);
	return st == 2 && !strstr(err, "built without MPI");
}

START_TEST(mpi_flag_is_an_option_or_a_clear_error)
{
	char err[1024];
	int st = hetsim(err, sizeof err, "--mpi", NULL, NULL);
	ck_assert_int_eq(st, 2);
	ck_assert_msg(
		strcmp(err, "hetsim: sweep: needs a sweep file (see: hetsim "
			    "help)\n") == 0 ||
			strcmp(err,
			       "hetsim: sweep: hetsim was built without MPI "
			       "(install libopenmpi-dev and rebuild)\n") == 0,
		"[%s]", err);
	st = hetsim(err, sizeof err, "x.json --mpi -j 2", NULL, NULL);
	ck_assert_msg(st == 2 && strstr(err, "hetsim: sweep: "), "%d [%s]", st,
		      err);
}
END_TEST

/* ---- Slurm ------------------------------------------------------------ */

START_TEST(slurm_script_slices_and_merge_equal_local_sweep)
{
	cluster_paths p = cluster_sweep("sl.json", "[60, 120, 180]");
	const char *s = p.sweep, *local = p.local, *res = p.results;
	static char err[16384];
	char script[800], part0[800], cmd[3000];
	snprintf(script, sizeof script, "%s.sbatch", res);
	snprintf(part0, sizeof part0, "%s.part-0", res);
	local_run(s, local);
	int st = hetsim(err, sizeof err,
			"'%s' --results '%s' --slurm --slurm-tasks 4 "
			"--slurm-opt --time=0:05:00",
			s, res);
	ck_assert_msg(st == 0, "--slurm: status %d: %s", st, err);
	char *text = test_slurp(script, NULL);
	ck_assert_msg(text != NULL, "no %s", script);
	ck_assert_msg(strstr(text, "#!/bin/sh\n") == text, "[%s]", text);
	ck_assert_msg(strstr(text, "\n#SBATCH --array=0-3\n"), "[%s]", text);
	ck_assert_msg(strstr(text, "\n#SBATCH --time=0:05:00\n"), "[%s]", text);
	ck_assert_msg(strstr(text, "--slice \"$SLURM_ARRAY_TASK_ID/4\""),
		      "[%s]", text);
	ck_assert_msg(strstr(text, "--dependency=afterok:"), "[%s]", text);
	free(text);

	/* the array's tasks, by hand */
	for (int i = 0; i < 4; i++) {
		snprintf(cmd, sizeof cmd, "SLURM_ARRAY_TASK_ID=%d sh '%s'", i,
			 script);
		st = test_run(cmd, err, sizeof err);
		ck_assert_msg(st == 0, "task %d: status %d: %s", i, st, err);
	}
	/* task 0 (cases 0, 4) killed in mid-write: c0004 lost its last line
	 * and a torn one follows; run again, it repairs and redoes c0004 */
	char *p0 = test_slurp(part0, NULL);
	ck_assert(p0 && count_of(p0, "\n") == 4);
	*strrchr(p0, '\n') = 0;
	char *line4 = strrchr(p0, '\n') + 1; /* longer than the torn text */
	strcpy(line4, "{\"case\":\"c0004\",\"replication\":0,\"par");
	put_file(part0, p0);
	free(p0);
	snprintf(cmd, sizeof cmd, "SLURM_ARRAY_TASK_ID=0 sh '%s'", script);
	st = test_run(cmd, err, sizeof err);
	ck_assert_msg(st == 0 && strstr(err, "skipped 1 of 2") &&
			      strstr(err, "c0004 done"),
		      "rerun of task 0: %d [%s]", st, err);
	json_t *r = results_by_key(part0);
	ck_assert_int_eq(json_object_size(r), 2 * 2);
	json_decref(r);

	/* submission: a fake sbatch records its arguments and the merge job's
	 * command, which then runs */
	char bin[700], sb[800];
	snprintf(bin, sizeof bin, "%s.bin", s);
	snprintf(sb, sizeof sb, "%s/sbatch", bin);
	mkdir(bin, 0700);
	char fake[4000];
	snprintf(fake, sizeof fake,
		 "#!/bin/sh\n"
		 "printf '%%s\\n' \"$@\" >> '%s/args'\n"
		 "for a; do case $a in --wrap=*) printf '%%s\\n' "
		 "\"${a#--wrap=}\" > '%s/wrap';; esac; done\n"
		 "echo '4242;cluster'\n",
		 bin, bin);
	put_file(sb, fake);
	chmod(sb, 0755);
	snprintf(cmd, sizeof cmd, "PATH='%s':\"$PATH\" sh '%s'", bin, script);
	st = test_run(cmd, err, sizeof err);
	ck_assert_msg(st == 0, "submission: status %d: %s", st, err);
	char args_path[800], wrap_path[800];
	snprintf(args_path, sizeof args_path, "%s/args", bin);
	snprintf(wrap_path, sizeof wrap_path, "%s/wrap", bin);
	char *args = test_slurp(args_path, NULL);
	ck_assert_msg(args && strstr(args, "--dependency=afterok:4242\n") &&
			      count_of(args, "--parsable\n") == 2,
		      "sbatch args: [%s]", args ? args : "");
	free(args);
	snprintf(cmd, sizeof cmd, "sh '%s'", wrap_path);
	st = test_run(cmd, err, sizeof err);
	ck_assert_msg(st == 0 &&
			      strstr(err, "merged 6 cases from 4 part files"),
		      "merge job: %d [%s]", st, err);
	ck_assert_msg(access(part0, F_OK) != 0,
		      "part files left after the merge");
	assert_same_results(local, res, 6 * 2);
}
END_TEST

START_TEST(slices_by_hand_merge_at_the_next_run_each_case_once)
{
	cluster_paths p = cluster_sweep("hand.json", "[60, 120, 180]");
	const char *s = p.sweep, *local = p.local, *res = p.results;
	static char err[16384];
	local_run(s, local);
	for (int i = 0; i < 3; i++) {
		char slice[16];
		snprintf(slice, sizeof slice, "%d/3", i);
		char cmd[2600];
		snprintf(cmd, sizeof cmd,
			 "%s sweep '%s' --results '%s' --slice %s", test_bin(),
			 s, res, slice);
		int st = test_run(cmd, err, sizeof err);
		ck_assert_msg(st == 0, "slice %s: status %d: %s", slice, st,
			      err);
	}
	ck_assert_msg(access(res, F_OK) != 0, "a slice wrote the results file");
	/* a copy of a part (as if a slice ran twice under another name): its
	 * cases must not come twice */
	char p1[800], p17[800], *text;
	snprintf(p1, sizeof p1, "%s.part-1", res);
	snprintf(p17, sizeof p17, "%s.part-17", res);
	ck_assert((text = test_slurp(p1, NULL)) != NULL);
	put_file(p17, text);
	free(text);
	/* summarising with the sweep file merges first */
	char csv[700];
	snprintf(csv, sizeof csv, "%s.csv", s);
	char args[2000];
	snprintf(args, sizeof args,
		 "'%s' --summarise '%s' --x workload.rate_per_s "
		 "--metric response_mean_s -o '%%s'",
		 s, res);
	int st = hetsim(err, sizeof err, args, csv, NULL);
	ck_assert_msg(st == 0 &&
			      strstr(err, "merged 6 cases from 4 part files"),
		      "summarise: %d [%s]", st, err);
	assert_same_results(local, res, 6 * 2);
	/* nothing left to run */
	st = hetsim(err, sizeof err, "'%s' --results '%s'", s, res);
	ck_assert_msg(st == 0 && strstr(err, "skipped 6 of 6") &&
			      !strstr(err, "merged"),
		      "rerun: %d [%s]", st, err);
}
END_TEST

START_TEST(bad_slice_and_slurm_values_exit_2_with_a_clear_message)
{
	cluster_paths p = cluster_sweep("badv.json", "[60, 120, 180]");
	const char *s = p.sweep, *res = p.results;
	static const struct {
		const char *args, *want;
	} cases[] = {
		{"--slice 3/3", "--slice: \"3/3\" is not I/N with 0 <= I < N"},
		{"--slice 0/0", "--slice: \"0/0\""},
		{"--slice -1/2", "--slice: \"-1/2\""},
		{"--slice 1", "--slice: \"1\""},
		{"--slice 1/2x", "--slice: \"1/2x\""},
		{"--slurm --slurm-tasks 0",
		 "--slurm-tasks: \"0\" is not a positive integer"},
		{"--slurm --slurm-tasks -4", "--slurm-tasks: \"-4\""},
		{"--slurm --slurm-tasks 7",
		 "--slurm-tasks: 7 is more than the sweep's 6 cases"},
		{"--slurm --slurm-opt time=1",
		 "--slurm-opt: \"time=1\" is not an sbatch option"},
		{"--slurm-tasks 2",
		 "--slurm-tasks and --slurm-opt go with --slurm"},
		{"--slice 0/2 --merge",
		 "--slice and --merge do not go together"},
		{"--slurm --mpi", "do not go together"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char err[2048], fmt[600], want[400];
		snprintf(fmt, sizeof fmt, "'%%s' --results '%%s' %s",
			 cases[k].args);
		int st = hetsim(err, sizeof err, fmt, s, res);
		ck_assert_msg(st == 2, "%s: status %d: %s", cases[k].args, st,
			      err);
		snprintf(want, sizeof want, "hetsim: sweep: %s", cases[k].want);
		ck_assert_msg(
			strncmp(err, want, strlen(want)) == 0 ||
				(strstr(err, cases[k].want) &&
				 strncmp(err, "hetsim: sweep: ", 15) == 0),
			"%s: want [%s], got [%s]", cases[k].args, want, err);
		char *nl = strchr(err, '\n');
		ck_assert_msg(nl && nl[1] == 0, "%s: not one line: [%s]",
			      cases[k].args, err);
	}
	char script[800];
	snprintf(script, sizeof script, "%s.sbatch", res);
	ck_assert_msg(access(script, F_OK) != 0 && access(res, F_OK) != 0,
		      "a bad command wrote a file");
}
END_TEST

Suite *suite_cluster(void)
{
	Suite *s = suite_create("cluster");
	TCase *t = tcase_create("cluster");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, mpi_flag_is_an_option_or_a_clear_error);
	if (system("command -v mpirun >/dev/null 2>&1") != 0)
		printf("cluster: mpirun not found: MPI sweep tests skipped\n");
	else if (!hetsim_has_mpi())
		printf("cluster: %s was built without MPI: MPI sweep tests "
		       "skipped\n",
		       test_bin());
	else {
		tcase_add_test(
			t,
			mpi_sweep_equals_local_sweep_case_by_case_and_resumes);
		tcase_add_test(
			t,
			mpi_bad_middle_case_stops_every_rank_before_any_case_runs);
		if (!TEST_SANITIZED)
			tcase_add_test(
				t,
				mpi_stopped_rank_ends_the_sweep_naming_case_and_rank_and_resumes);
	}
	tcase_add_test(t, slurm_script_slices_and_merge_equal_local_sweep);
	tcase_add_test(t, slices_by_hand_merge_at_the_next_run_each_case_once);
	tcase_add_test(t,
		       bad_slice_and_slurm_values_exit_2_with_a_clear_message);
	suite_add_tcase(s, t);
	return s;
}
