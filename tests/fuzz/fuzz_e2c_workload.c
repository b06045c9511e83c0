/* tests/fuzz/fuzz_e2c_workload.c — an E2C-Sim workload CSV
 * (workloads/workload.h, "arrival": "e2c") on the EET matrix of
 * experiments/e2c: type names (#0), 0-based type indices and relative
 * deadlines (#1), 1-based indices and renamed columns (#2). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const workload[] = {
		"{\"arrival\": \"e2c\", \"file\": \"workload.csv\"}",
		"{\"arrival\": \"e2c\", \"file\": \"workload.csv\", \"type_ids\": \"index0\","
		" \"deadline\": \"relative\"}",
		"{\"arrival\": \"e2c\", \"file\": \"workload.csv\", \"type_ids\": \"index1\","
		" \"columns\": {\"arrival\": \"t\", \"task_type\": \"k\"}}"};
	unsigned v = fz_variant(&data, &size, 3);
	fz_reset();
	fz_write_text("eet.csv", ",CPU,GPU,FPGA,ASIC\nT1,4.2,1.1,2.5,inf\n"
				 "T2,2.8,0.9,1.2,0.6\nT3,6.0,1.8,inf,1.5\n"
				 "T4,3.1,2.4,1.9,inf\n");
	fz_write("workload.csv", data, size);
	fz_experiment(fz_write_experiment(
		"experiment.json", "{\"e2c_eet\": {\"file\": \"eet.csv\", \"noise\": 0.1}}",
		"[{\"type\": \"CPU\", \"count\": 2}, {\"type\": \"GPU\"},"
		" {\"type\": \"FPGA\"}, {\"type\": \"ASIC\"}]",
		workload[v],
		"\"policies\": [\"fcfs\", \"mct\", \"msd\"], \"queue\": {\"capacity\": 2},"
		" \"drop\": {\"in_queue\": true, \"while_running\": true}"));
	return 0;
}
