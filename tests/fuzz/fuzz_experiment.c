/* tests/fuzz/fuzz_experiment.c — experiment JSON (sim/sim.h), profile and
 * workload inline: load, then run with every output written (summary.json,
 * tasks.csv.gz, comparison.csv, replication summaries). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_reset();
	fz_experiment(fz_write("experiment.json", data, size));
	return 0;
}
