/* sim/cli/cli.h — the commands of the hetsim binary (sim/cli/main.c
 * dispatches; one file each: run.c, fit.c, plot.c, compare.c, sweep.c,
 * calibrate.c, nn.c, workflow.c, gantt.c, merge.c, replay.c, agent.c,
 * coordinator.c, detector.c, parallel.c, parallel_real.c). Each returns the process exit status (0, 1, or 2 for bad
 * input) and answers --help with its usage, below, on standard output. */
#ifndef HETSIM_SIM_CLI_CLI_H
#define HETSIM_SIM_CLI_CLI_H

#include <stdint.h>

int sim_cmd_run(int argc, char **argv);
int sim_cmd_fit(int argc, char **argv);
int sim_cmd_compare(int argc, char **argv);
int sim_cmd_plot(int argc, char **argv);
int sim_cmd_sweep(int argc, char **argv);
int sim_cmd_calibrate(int argc, char **argv);
int sim_cmd_nn(int argc, char **argv);
int sim_cmd_workflow(int argc, char **argv);
int sim_cmd_merge(int argc, char **argv);
int sim_cmd_gantt(int argc, char **argv);
int sim_cmd_gantt_dataset(int argc, char **argv);
int sim_cmd_replay(int argc, char **argv);
int sim_cmd_agent(int argc, char **argv);
int sim_cmd_coordinator(int argc, char **argv);
int sim_cmd_detector(int argc, char **argv);
int sim_cmd_parallel(int argc, char **argv);
int sim_cmd_parallel_real(int argc, char **argv);

/* Each command's part of `hetsim help`: "  NAME ARGS\n" and indented
 * lines. */
extern const char sim_cli_run_usage[], sim_cli_fit_usage[],
	sim_cli_plot_usage[], sim_cli_compare_usage[], sim_cli_sweep_usage[],
	sim_cli_calibrate_usage[], sim_cli_nn_usage[],
	sim_cli_workflow_usage[], sim_cli_gantt_usage[],
	sim_cli_gantt_dataset_usage[], sim_cli_merge_usage[],
	sim_cli_replay_usage[],
	sim_cli_agent_usage[], sim_cli_coordinator_usage[],
	sim_cli_detector_usage[], sim_cli_parallel_usage[],
	sim_cli_parallel_real_usage[];

/* If argv (a command's arguments) asks for help (--help anywhere, or -h
 * first), print "usage: hetsim " and usage (without its indent) on
 * standard output and return 1; else 0. */
int sim_cli_help(int argc, char **argv, const char *usage);

/* A decimal integer of digits only (no sign, no space) at most max into
 * *out: 0, or -1 when s is anything else (NULL, empty, too large). */
int sim_cli_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
