/* tests/fuzz/fuzz_dax.c — a Pegasus DAX file (workloads/dax.h) read by the
 * DAX loader (#0) or by the loader that tells the format by content (#1);
 * a workflow that loads is walked (critical path, totals). */
#include "tests/fuzz/fuzz.h"
#include "workloads/dax.h"
#include "workloads/workflow_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned v = fz_variant(&data, &size, 2);
	fz_reset();
	const char *path = fz_write("w.dax", data, size);
	io_err err = {0};
	wl_workflow *w = NULL;
	int rc = v == 0 ? wl_dax_load(&w, path, &err)
			: wl_workflow_load(&w, path, &err);
	if (rc) {
		fz_error(rc, &err, "wl_dax_load");
		if (w)
			fz_fail("a failed load returned a workflow");
		return 0;
	}
	double cp = wl_workflow_critical_path(w);
	double total = wl_workflow_total_runtime(w);
	if (!(cp <= total * (1 + 1e-9) + 1e-9))
		fz_fail("critical path %g longer than the total runtime %g", cp, total);
	wl_workflow_free(w);
	return 0;
}
