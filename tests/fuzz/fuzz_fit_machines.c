/* tests/fuzz/fuzz_fit_machines.c — the machines.csv of `hetsim fit
 * --machines` (profiles/fit_table.c): machine facts looked up by the machine type
 * of fixed samples, by column (#0) or by --machine-name (#1). */
#include "sim/cli/cli.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const flags[][2] = {
		{"--group-by", "task,machine"},
		{"--machine-name", "g4dn.xlarge"}};
	unsigned v = fz_variant(&data, &size, 2);
	fz_reset();
	const char *args[] = {
		fz_write_text("samples.csv", "task,machine,time\n"
					     "x,t2.large,0.5\nx,t2.large,0.7\nx,t2.large,0.6\n"
					     "y,g4dn.xlarge,0.1\ny,g4dn.xlarge,0.2\n"),
		"--value", "time", "--family", "empirical", "--machines",
		fz_write("machines.csv", data, size), flags[v][0], flags[v][1],
		"-o", fz_path("profile.json"), "--quiet", NULL};
	fz_cmd(sim_cmd_fit, args);
	return 0;
}
