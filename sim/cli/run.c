/* sim/cli/run.c — `hetsim run`: simulate an experiment's policies (the
 * kernel: sim/sim.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "sim/sim.h"

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

const char sim_cli_run_usage[] =
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
	"                        outputs: see the README (staging dir, manifest.json)\n";

int sim_cmd_run(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_run_usage))
		return 0;
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
				if (sim_cli_parse_u64(val, UINT64_MAX, &o.seed))
					return bad_usage("--seed: \"%s\" is not an unsigned integer", val);
				o.has_seed = 1;
			} else if (sim_cli_parse_u64(val, UINT64_MAX, &o.tasks) || o.tasks == 0)
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

