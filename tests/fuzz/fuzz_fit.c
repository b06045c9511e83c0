/* tests/fuzz/fuzz_fit.c — the samples CSV of `hetsim fit` (profiles/fit_table.c),
 * with a profile, plot and report written: the best family by AIC (#0),
 * the samples in ms for one task column and a --where (#1), PET bins
 * (#2), gamma ranked by KS (#3), replay with machine columns (#4). */
#include "sim/cli/cli.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const flags[][6] = {
		{"--group-by", "task,machine", NULL},
		{"--task-cols", "task", "--unit", "ms", "--where", "machine=a"},
		{"--group-by", "task,machine", "--pet-prob", "prob", NULL},
		{"--group-by", "task", "--family", "gamma", "--rank", "ks"},
		{"--task-cols", "task", "--machine-cols", "machine,run", "--family",
		 "replay"}};
	unsigned v = fz_variant(&data, &size, 5);
	fz_reset();
	const char *args[20] = {fz_write("samples.csv", data, size), "--value", "time",
				"-o", fz_path("profile.json"), "--plot",
				fz_path("fit.svg"), "--report", fz_path("fit.md"),
				"--label", "fuzz"};
	size_t n = 11;
	for (size_t k = 0; k < 6 && flags[v][k]; k++)
		args[n++] = flags[v][k];
	args[n] = NULL;
	fz_cmd(sim_cmd_fit, args);
	return 0;
}
