/* tests/fuzz/fuzz_gantt.c — a jobs.csv (sim/gantt.h) drawn by `hetsim
 * gantt` (sim/cli/gantt.c): the SVG with an anomaly window on every
 * machine (#0), the default PNG raster (#1), a small raster in node lanes
 * with a fixed horizon (#2). */
#include "sim/cli/cli.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const flags[][6] = {
		{"out.svg", "--anomaly", "*:0.5:20", "--title", "T", NULL},
		{"out.png", NULL},
		{"out.png", "--size", "17x5", "--rows", "node", "--horizon"}};
	unsigned v = fz_variant(&data, &size, 3);
	fz_reset();
	const char *args[12] = {fz_write("jobs.csv", data, size), "-o",
				fz_path(flags[v][0])};
	size_t n = 3;
	for (size_t k = 1; k < 6 && flags[v][k]; k++)
		args[n++] = flags[v][k];
	if (v == 2)
		args[n++] = "50";
	args[n] = NULL;
	fz_cmd(sim_cmd_gantt, args);
	return 0;
}
