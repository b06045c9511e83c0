/* sim/cmd_calibrate.c — `hetsim calibrate`: placeholder until the real/
 * calibration harness lands. */
#include <stdio.h>
#include "sim/cmd.h"

int sim_cmd_calibrate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "hetsim: calibrate: not available in this build\n");
	return 2;
}
