/* tests/fuzz/fuzz_serving_fit.c — the runs CSV of `hetsim fit --serving`
 * (profiles/serving_fit.h), with a base profile of the heet machine and
 * task type names and both outputs written: runs 1-3 (#0), runs 1,2 of
 * experiment E (#1), run 1 (#2). */
#include "sim/cli/cli.h"
#include "tests/fuzz/fuzz.h"

static const char base_json[] =
	"{\"machine_types\": [{\"name\": \"t2.large\"}, {\"name\": \"c5.2xlarge\"},"
	" {\"name\": \"g4dn.xlarge\"}],\n"
	" \"task_types\": [{\"name\": \"image_classification\"},"
	" {\"name\": \"object_detection\"}, {\"name\": \"question_answering\"},"
	" {\"name\": \"speech_recognition\"}]}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const flags[][4] = {
		{"--runs", "1-3", NULL},
		{"--runs", "1,2", "--experiments", "E"},
		{"--runs", "1", NULL}};
	unsigned v = fz_variant(&data, &size, 3);
	fz_reset();
	const char *args[16] = {"--serving", fz_write("runs.csv", data, size),
				"--base", fz_write_text("base.json", base_json),
				"-o", fz_path("fit"), "--quiet"};
	size_t n = 7;
	for (size_t k = 0; k < 4 && flags[v][k]; k++)
		args[n++] = flags[v][k];
	args[n] = NULL;
	fz_cmd(sim_cmd_fit, args);
	return 0;
}
