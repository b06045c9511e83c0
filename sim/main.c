/* sim/main.c — the hetsim command line. Exit status: 0 ok, 2 bad input
 * (file, flag, value), 1 anything else (an output that cannot be written). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/cmd.h"
#include "sim/policy.h"
#include "sim/sim.h"

static const char usage[] =
	"usage: hetsim <command> [options]\n"
	"\n"
	"commands:\n"
	"  run EXPERIMENT.json   simulate the experiment's policies and compare them\n"
	"      --policy NAME     run only this policy\n"
	"      --seed N          run seed (default: the experiment's)\n"
	"      --tasks N         number of tasks (overrides the workload's stop rule)\n"
	"      --out DIR         output directory (default: the experiment's)\n"
	"      --set PATH=VALUE  override a value of the file (e.g. workload.rate_per_s=200)\n"
	"      --no-tasks-csv    do not write tasks.csv.gz\n"
	"      --quiet           no table on standard output\n"
	"      --force           run even more than 10^10 tasks in all (a run of\n"
	"                        over 10^8 says how long it will take on stderr)\n"
	"                        outputs: see the README (staging dir, manifest.json)\n"
	"  fit SAMPLES.csv --value COL [options]\n"
	"                        fit execution-time families per group and write a\n"
	"                        profile (options: see the top of sim/cmd_fit.c)\n"
	"      --group-by TASKCOL[,MACHINECOL]  --task-cols C,C  --machine-cols C,C\n"
	"      --machine-name NAME  --where COL=TEXT  --unit s|ms|us\n"
	"      --family best|NAME|empirical|replay  --rank aic|ks\n"
	"      --machines machines.csv  --pet-prob COL  -o profile.json\n"
	"      --plot out.svg  --report out.md  --label TEXT  --cite TEXT  --quiet\n"
	"      --machine-types PROFILE.json (copy power, slots, ... of same-named types)\n"
	"  plot TABLE.csv --x COL --y COL [--series COL] [--lo COL --hi COL]\n"
	"       [--where COL=TEXT] [--title T] [--xlabel T] [--ylabel T] -o out.svg\n"
	"                        line chart of a CSV table (e.g. a study's results)\n"
	"  compare A/summary.json B/summary.json ... [--metrics M,M] [--csv out.csv]\n"
	"                        side-by-side metrics of runs, mean ± 95% CI of\n"
	"                        replicated ones, and differences against the first\n"
	"                        (paired over common seeds: * = interval excludes 0)\n"
	"      --quiet           no table on standard output\n"
	"  sweep SWEEP.json [-j N] [--results FILE.jsonl] [--list]\n"
	"                        run an experiment over a grid, random or Latin\n"
	"                        hypercube design of parameter values, one JSON\n"
	"                        line per (case, policy); resumes where it stopped\n"
	"                        (format: see the top of sim/cmd_sweep.c)\n"
	"      --list            print the cases, run nothing\n"
	"      --case-timeout SECONDS|none\n"
	"                        a case (worker, MPI rank) that gives no result in\n"
	"                        time is killed and reported; default 600 s until a\n"
	"                        case ends, then max(60 s, 10 x the longest case)\n"
	"      --force           run a sweep of more than 10^6 cases\n"
	"                        (every case is checked before any runs; a second\n"
	"                        sweep on the same results file is refused)\n"
	"      --slice I/N       run only the cases i with i % N == I, into\n"
	"                        RESULTS.part-I (for clusters; merged later)\n"
	"      --merge           fold the RESULTS.part-* files into RESULTS (a run\n"
	"                        that is not a --slice does this first too)\n"
	"      --slurm [--slurm-tasks N] [--slurm-opt --time=1:00:00]...\n"
	"                        write RESULTS.sbatch: a Slurm array of N slices\n"
	"                        (default one per case, at most 100); run it with\n"
	"                        sh to submit it and a merge job after it\n"
	"      --mpi             under mpirun -np K (Open MPI): rank 0 hands out the\n"
	"                        cases and alone writes RESULTS; as root, set\n"
	"                        OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1\n"
	"                        (or mpirun --allow-run-as-root)\n"
	"  sweep [SWEEP.json] --summarise RESULTS.jsonl --x PARAM --metric NAME\n"
	"       [-o table.csv] [--plot out.svg]\n"
	"                        mean and 95% CI per (PARAM value, policy); with\n"
	"                        SWEEP.json, its slices' part files are merged first\n"
	"  calibrate transcode [--segments N] [--seed S] [--repeats R] [--ops LIST]\n"
	"       [--max-merge K] [--groups vic,codec] [--multi M] [--threads T]\n"
	"       [--timeout S] [--metric cpu|wall] [--cache DIR] [--out DIR]\n"
	"       [--segment-size WxH] [--segment-duration S] [--ffmpeg PATH] [--quick] [--quiet]\n"
	"                        run real ffmpeg transcodings (single, merged) on this\n"
	"                        machine; write samples.csv, profile.json with the merge\n"
	"                        model, merge.md and saving plots (see the top of\n"
	"                        sim/cmd_calibrate.c)\n"
	"  policies              list the mapping policies\n"
	"  version               print the version\n"
	"  help                  this text\n";

static int fail(const io_err *err)
{
	fprintf(stderr, "hetsim: %s\n", err->msg);
	return err->code == IO_EINPUT ? 2 : 1;
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "hetsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see: hetsim help)\n");
	return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	const char *path = NULL;
	const char *sets[64];
	size_t n_sets = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--policy") == 0 || strcmp(a, "--out") == 0 ||
		    strcmp(a, "--seed") == 0 || strcmp(a, "--tasks") == 0) {
			if (!val)
				return bad_usage("%s needs a value", a);
			i++;
			if (a[2] == 'p')
				o.policy = val;
			else if (a[2] == 'o')
				o.out_dir = val;
			else if (a[2] == 's') {
				if (parse_u64(val, &o.seed))
					return bad_usage("--seed: \"%s\" is not an unsigned integer", val);
				o.has_seed = 1;
			} else if (parse_u64(val, &o.tasks) || o.tasks == 0)
				return bad_usage("--tasks: \"%s\" is not a positive integer", val);
		} else if (strcmp(a, "--set") == 0) {
			if (!val)
				return bad_usage("%s needs a value", a);
			if (n_sets == sizeof sets / sizeof sets[0])
				return bad_usage("%s", "too many --set");
			sets[n_sets++] = val;
			i++;
		} else if (strcmp(a, "--no-tasks-csv") == 0) {
			o.tasks_csv = 0;
		} else if (strcmp(a, "--quiet") == 0) {
			o.quiet = 1;
		} else if (strcmp(a, "--force") == 0) {
			o.force = 1;
		} else if (a[0] == '-' && a[1]) {
			return bad_usage("unknown option %s", a);
		} else if (!path) {
			path = a;
		} else {
			return bad_usage("unexpected argument %s", a);
		}
	}
	if (!path)
		return bad_usage("%s", "run needs an experiment file");
	io_err err = {0};
	sim_experiment *x = NULL;
	if (sim_experiment_load_set(&x, path, sets, n_sets, &err))
		return fail(&err);
	int rc = sim_run_experiment(x, &o, stdout, NULL, &err);
	sim_experiment_free(x);
	return rc ? fail(&err) : 0;
}

static int cmd_policies(void)
{
	for (const sim_policy *const *p = pol_all(); *p; p++)
		printf("%-10s %s\n", (*p)->name, (*p)->summary);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (strcmp(cmd, "fit") == 0)
		return sim_cmd_fit(argc - 2, argv + 2);
	if (strcmp(cmd, "compare") == 0)
		return sim_cmd_compare(argc - 2, argv + 2);
	if (strcmp(cmd, "plot") == 0)
		return sim_cmd_plot(argc - 2, argv + 2);
	if (strcmp(cmd, "sweep") == 0)
		return sim_cmd_sweep(argc - 2, argv + 2);
	if (strcmp(cmd, "calibrate") == 0)
		return sim_cmd_calibrate(argc - 2, argv + 2);
	if (strcmp(cmd, "policies") == 0)
		return cmd_policies();
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("hetsim %s\n", HETSIM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	return bad_usage("unknown command \"%s\"", cmd);
}
