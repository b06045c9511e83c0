/* tests/fuzz/fuzz_e2c_eet.c — an E2C-Sim EET matrix (profiles/e2c.h) as the
 * profile of an experiment on machine types CPU and GPU: with noise (#0),
 * machines as rows (#1), in ms with machine_types entries (#2). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const profile[] = {
		"{\"e2c_eet\": {\"file\": \"eet.csv\", \"noise\": 0.1}}",
		"{\"e2c_eet\": {\"file\": \"eet.csv\", \"orientation\": \"machines_as_rows\"}}",
		"{\"e2c_eet\": {\"file\": \"eet.csv\", \"unit\": \"ms\"},"
		" \"machine_types\": [{\"name\": \"GPU\", \"slots\": 2,"
		" \"power_w\": {\"idle\": 30, \"busy\": 150}}]}"};
	unsigned v = fz_variant(&data, &size, 3);
	fz_reset();
	fz_write("eet.csv", data, size);
	fz_experiment(fz_write_experiment(
		"experiment.json", profile[v],
		"[{\"type\": \"CPU\", \"count\": 2}, {\"type\": \"GPU\"}]",
		"{\"arrival\": \"poisson\", \"rate_per_s\": 10, \"tasks\": 40}",
		"\"policies\": [\"mct\", \"minmin\"], \"deadline\": {\"slack\": 3}"));
	return 0;
}
