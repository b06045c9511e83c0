/* tests/fuzz/fuzz_trace.c — a trace CSV (workloads/workload.h, "arrival":
 * "trace") run by an experiment: immediate policies with deadlines (#0),
 * clairvoyant batch policies with dropping and pruning (#1), merging on the
 * key column (#2). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const workload[] = {
		"{\"arrival\": \"trace\", \"file\": \"trace.csv\"}",
		"{\"arrival\": \"trace\", \"file\": \"trace.csv\", \"start_s\": 1}",
		"{\"arrival\": \"trace\", \"file\": \"trace.csv\", \"segments\": {\"count\": 4}}"};
	static const char *const rest[] = {
		"\"policies\": [\"mct\", \"fcfs\", {\"name\": \"kpb\", \"k_percent\": 50}],"
		" \"deadline\": {\"slack\": 2}",
		"\"policies\": [\"minmin\", \"msd\"], \"queue\": {\"capacity\": 1},"
		" \"drop\": {\"at_mapping\": true, \"in_queue\": true, \"while_running\": true},"
		" \"pruning\": {\"threshold\": 0.3, \"action\": \"defer\"},"
		" \"clairvoyant\": true",
		"\"policy\": \"mct\", \"merging\": {\"strategy\": \"adaptive\", \"max_degree\": 3}"};
	unsigned v = fz_variant(&data, &size, 3);
	fz_reset();
	fz_write("trace.csv", data, size);
	fz_experiment(fz_write_experiment(
		"experiment.json", fz_profile_json,
		"[{\"type\": \"a\", \"count\": 2}, {\"type\": \"b\"}]", workload[v],
		rest[v]));
	return 0;
}
