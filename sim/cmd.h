/* sim/cmd.h — subcommands of the hetsim binary other than run. Each
 * returns the process exit status (0, 1, or 2 for bad input). */
#ifndef HETSIM_SIM_CMD_H
#define HETSIM_SIM_CMD_H

int sim_cmd_fit(int argc, char **argv);
int sim_cmd_compare(int argc, char **argv);
int sim_cmd_plot(int argc, char **argv);
int sim_cmd_sweep(int argc, char **argv);
int sim_cmd_calibrate(int argc, char **argv);

#endif
