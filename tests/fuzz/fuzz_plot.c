/* tests/fuzz/fuzz_plot.c — the CSV table of `hetsim plot` (sim/cli/plot.c)
 * drawn into an SVG: series with interval whiskers (#0), one series picked
 * by --where and scaled (#1), two plain columns (#2). */
#include "sim/cli/cli.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const flags[][12] = {
		{"--x", "x", "--y", "mean", "--series", "policy", "--lo", "ci95_low",
		 "--hi", "ci95_high", "--title", "T"},
		{"--x", "x", "--y", "mean", "--where", "policy=mct", "--scale", "1000",
		 "--xlabel", "rate", "--ylabel", "ms"},
		{"--x", "x", "--y", "mean", NULL}};
	unsigned v = fz_variant(&data, &size, 3);
	fz_reset();
	const char *args[20] = {fz_write("table.csv", data, size), "-o",
				fz_path("out.svg")};
	size_t n = 3;
	for (size_t k = 0; k < 12 && flags[v][k]; k++)
		args[n++] = flags[v][k];
	args[n] = NULL;
	fz_cmd(sim_cmd_plot, args);
	return 0;
}
