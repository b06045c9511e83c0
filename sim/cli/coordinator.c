/*
 * sim/cli/coordinator.c — `hetsim coordinator EXP.json --agents
 * AGENTS.json --out DIR`: run an experiment's workload on real agents with
 * the simulator's policy code, then simulate it and compare
 * (real/agent/coord.h has the files and the rules).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "real/agent/coord.h"

const char sim_cli_coordinator_usage[] =
	"  coordinator EXPERIMENT.json --agents AGENTS.json --out DIR\n"
	"                        run the experiment's workload in real time on hetsim\n"
	"                        agents (one agent = one machine) with the simulator's\n"
	"                        policy code, record tasks.csv.gz, attempts.csv and\n"
	"                        summary.json in DIR (rows flushed as tasks finish),\n"
	"                        then simulate the same workload (DIR/sim/) and print\n"
	"                        real vs simulated with a two-sample KS test\n"
	"      --policy NAME     the policy (default: the experiment's first)\n"
	"      --seed N          run seed (default: the experiment's)\n"
	"      --tasks N         number of tasks (overrides the workload's stop rule)\n"
	"      --quiet           no table, no agent up/down messages\n";

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "hetsim: coordinator: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see: hetsim coordinator --help)\n");
	return 2;
}

int sim_cmd_coordinator(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_coordinator_usage))
		return 0;
	real_coord_opts o = {0};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--agents") || !strcmp(a, "--out") || !strcmp(a, "--policy") ||
		    !strcmp(a, "--seed") || !strcmp(a, "--tasks")) {
			if (!val)
				return bad_usage("%s needs a value", a);
			i++;
			if (!strcmp(a, "--agents"))
				o.agents = val;
			else if (!strcmp(a, "--out"))
				o.out_dir = val;
			else if (!strcmp(a, "--policy"))
				o.policy = val;
			else if (!strcmp(a, "--seed")) {
				if (sim_cli_parse_u64(val, UINT64_MAX, &o.seed))
					return bad_usage("--seed: \"%s\" is not an unsigned integer", val);
				o.has_seed = 1;
			} else if (sim_cli_parse_u64(val, UINT64_MAX, &o.tasks) || o.tasks == 0) {
				return bad_usage("--tasks: \"%s\" is not a positive integer", val);
			}
		} else if (!strcmp(a, "--quiet")) {
			o.quiet = 1;
		} else if (a[0] == '-' && a[1]) {
			return bad_usage("unknown option %s", a);
		} else if (!o.experiment) {
			o.experiment = a;
		} else {
			return bad_usage("unexpected argument %s", a);
		}
	}
	if (!o.experiment)
		return bad_usage("%s", "an experiment file is required");
	if (!o.agents)
		return bad_usage("%s", "--agents AGENTS.json is required");
	if (!o.out_dir)
		return bad_usage("%s", "--out DIR is required");
	io_err err = {0};
	int rc = real_coord_run(&o, stdout, &err);
	if (rc) {
		fprintf(stderr, "hetsim: %s\n", err.msg);
		return rc == IO_EINPUT ? 2 : 1;
	}
	return 0;
}
