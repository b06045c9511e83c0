/* tests/fuzz/fuzz_compare.c — summary.json files of `hetsim compare`
 * (sim/compare.c): up to four, separated by lines "%%", each in its
 * own directory (which labels its column); the table goes to /dev/null
 * and a CSV is written; all metrics (#0) or a --metrics list (#1). */
#include <stdio.h>
#include "sim/cli/cli.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_part parts[4];
	unsigned v = fz_variant(&data, &size, 2);
	size_t n = fz_split(data, size, parts, 4);
	fz_reset();
	const char *args[12];
	size_t argc = 0;
	for (size_t k = 0; k < n; k++) {
		char name[32];
		snprintf(name, sizeof name, "run%zu/summary.json", k);
		args[argc++] = fz_write(name, parts[k].data, parts[k].size);
	}
	args[argc++] = "--csv";
	args[argc++] = fz_path("compare.csv");
	if (v == 1) {
		args[argc++] = "--metrics";
		args[argc++] = "completed,response_mean_s,energy_j,makespan_s";
	}
	args[argc] = NULL;
	fz_cmd(sim_cmd_compare, args);
	return 0;
}
