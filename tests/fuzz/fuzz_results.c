/* tests/fuzz/fuzz_results.c — the results JSONL of `hetsim sweep`
 * (sim/sweep/sweep.c): the input is the results file, then (after lines
 * "%%") up to two part files of slices; --summarise it into a table and a
 * plot, alone (#0) or with the sweep file, which merges the parts first
 * (#1); then --merge, which repairs it (torn lines, incomplete cases). */
#include <stdio.h>
#include "sim/cli/cli.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_part parts[3];
	unsigned v = fz_variant(&data, &size, 2);
	size_t n = fz_split(data, size, parts, 3);
	fz_reset();
	fz_write_base();
	const char *sweep = fz_write_text(
		"sweep.json", "{\"base\": \"base.json\", \"replications\": 2,\n"
			      " \"parameters\": {\"workload.start_s\": [0, 1]},\n"
			      " \"policies\": [\"mct\", \"fcfs\"]}\n");
	const char *results = fz_write("results.jsonl", parts[0].data, parts[0].size);
	for (size_t k = 1; k < n; k++) {
		char name[64];
		snprintf(name, sizeof name, "results.jsonl.part-%zu", k - 1);
		fz_write(name, parts[k].data, parts[k].size);
	}
	const char *summarise[][12] = {
		{"--summarise", results, "--x", "workload.start_s", "--metric",
		 "response_mean_s", "-o", fz_path("table.csv"), "--plot",
		 fz_path("plot.svg"), NULL},
		{sweep, "--summarise", results, "--x", "workload.start_s",
		 "--metric", "completed", "--plot", fz_path("plot.svg"), NULL}};
	fz_cmd(sim_cmd_sweep, summarise[v]);
	const char *merge[] = {sweep, "--results", results, "--merge", NULL};
	fz_cmd(sim_cmd_sweep, merge);
	return 0;
}
