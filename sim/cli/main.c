/* sim/cli/main.c — the hetsim command line: one thin file per command in
 * sim/cli/ parses its flags and calls the layers below (README.md, map). Exit status: 0 ok, 2 bad input
 * (file, flag, value), 1 anything else (an output that cannot be written). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "policies/policy.h"
#include "sim/sim.h"

static const char usage_head[] =
	"usage: hetsim <command> [options]\n"
	"\n"
	"commands:\n";
static const char policies_usage[] =
	"  policies              list the mapping policies\n";
static const char version_usage[] =
	"  version               print the version\n";
static const char help_usage[] =
	"  help                  this text (hetsim COMMAND --help: one command's\n"
	"                        usage; man hetsim: the whole manual)\n";

static void usage(FILE *f)
{
	const char *const parts[] = {usage_head, sim_cli_run_usage, sim_cli_fit_usage,
				     sim_cli_plot_usage, sim_cli_compare_usage,
				     sim_cli_sweep_usage, sim_cli_calibrate_usage, sim_cli_nn_usage,
				     sim_cli_workflow_usage,
				     sim_cli_gantt_usage, sim_cli_gantt_dataset_usage,
				     sim_cli_merge_usage,
				     sim_cli_replay_usage,
				     sim_cli_agent_usage,
				     sim_cli_coordinator_usage,
				     sim_cli_detector_usage,
				     sim_cli_parallel_usage,
				     sim_cli_parallel_real_usage,
				     policies_usage, version_usage, help_usage};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		fputs(parts[i], f);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "hetsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see: hetsim help)\n");
	return 2;
}

static int cmd_policies(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, policies_usage))
		return 0;
	int w = 0; /* the names' column: as wide as the longest */
	for (const sim_policy *const *p = pol_all(); *p; p++)
		if ((int)strlen((*p)->name) > w)
			w = (int)strlen((*p)->name);
	for (const sim_policy *const *p = pol_all(); *p; p++)
		printf("%-*s %s\n", w, (*p)->name, (*p)->summary);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "run") == 0)
		return sim_cmd_run(argc - 2, argv + 2);
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
	if (strcmp(cmd, "nn") == 0)
		return sim_cmd_nn(argc - 2, argv + 2);
	if (strcmp(cmd, "workflow") == 0)
		return sim_cmd_workflow(argc - 2, argv + 2);
	if (strcmp(cmd, "merge") == 0)
		return sim_cmd_merge(argc - 2, argv + 2);
	if (strcmp(cmd, "gantt") == 0)
		return sim_cmd_gantt(argc - 2, argv + 2);
	if (strcmp(cmd, "gantt-dataset") == 0)
		return sim_cmd_gantt_dataset(argc - 2, argv + 2);
	if (strcmp(cmd, "replay") == 0)
		return sim_cmd_replay(argc - 2, argv + 2);
	if (strcmp(cmd, "agent") == 0)
		return sim_cmd_agent(argc - 2, argv + 2);
	if (strcmp(cmd, "coordinator") == 0)
		return sim_cmd_coordinator(argc - 2, argv + 2);
	if (strcmp(cmd, "detector") == 0)
		return sim_cmd_detector(argc - 2, argv + 2);
	if (strcmp(cmd, "parallel") == 0)
		return sim_cmd_parallel(argc - 2, argv + 2);
	if (strcmp(cmd, "parallel-real") == 0)
		return sim_cmd_parallel_real(argc - 2, argv + 2);
	if (strcmp(cmd, "policies") == 0)
		return cmd_policies(argc - 2, argv + 2);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		if (sim_cli_help(argc - 2, argv + 2, version_usage))
			return 0;
		printf("hetsim %s\n", HETSIM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	return bad_usage("unknown command \"%s\"", cmd);
}
