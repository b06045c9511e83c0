/* tests/fuzz/fuzz_serving_fit.c — the runs CSV of `hetsim fit --serving`
 * (profiles/serving_fit.h, serving_fit), with a base profile of the heet
 * machine and task type names and both outputs written: runs 1-3 (#0),
 * runs 1,2 of experiment E (#1), run 1 (#2). A rejected input must say
 * why; "out of memory" on an input this small is a finding (a NaN mix
 * factor once ended so). */
#include "profiles/serving_fit.h"
#include "tests/fuzz/fuzz.h"

static const char base_json[] =
	"{\"machine_types\": [{\"name\": \"t2.large\"}, {\"name\": \"c5.2xlarge\"},"
	" {\"name\": \"g4dn.xlarge\"}],\n"
	" \"task_types\": [{\"name\": \"image_classification\"},"
	" {\"name\": \"object_detection\"}, {\"name\": \"question_answering\"},"
	" {\"name\": \"speech_recognition\"}]}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct { const char *runs, *experiments; } variants[] = {
		{"1-3", NULL}, {"1,2", "E"}, {"1", NULL}};
	unsigned v = fz_variant(&data, &size, 3);
	fz_reset();
	serving_fit_args a = {.data = fz_write("runs.csv", data, size),
			      .runs = variants[v].runs,
			      .experiments = variants[v].experiments,
			      .base = fz_write_text("base.json", base_json),
			      .out_dir = fz_path("fit"),
			      .quiet = 1};
	io_err err = {0};
	int rc = serving_fit(&a, &err);
	if (rc == IO_ENOMEM)
		fz_fail("serving_fit: %s", err.msg);
	if (rc)
		fz_error(rc, &err, "serving_fit");
	return 0;
}
