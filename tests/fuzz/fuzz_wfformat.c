/* tests/fuzz/fuzz_wfformat.c — a WfFormat JSON file (workloads/wfformat.h)
 * parsed from memory (#0) or loaded from a file by the loader that tells
 * the format by content (#1); a workflow that loads is walked (critical
 * path, totals, machines of its jobs). */
#include "tests/fuzz/fuzz.h"
#include "workloads/wfformat.h"
#include "workloads/workflow_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned v = fz_variant(&data, &size, 2);
	io_err err = {0};
	wl_workflow *w = NULL;
	int rc;
	if (v == 0)
		rc = wl_wfformat_parse(&w, "w.json", (const char *)data, size, &err);
	else {
		fz_reset();
		rc = wl_workflow_load(&w, fz_write("w.json", data, size), &err);
	}
	if (rc) {
		fz_error(rc, &err, "wl_wfformat_parse");
		if (w)
			fz_fail("a failed load returned a workflow");
		return 0;
	}
	double cp = wl_workflow_critical_path(w);
	double total = wl_workflow_total_runtime(w);
	if (!(cp <= total * (1 + 1e-9) + 1e-9))
		fz_fail("critical path %g longer than the total runtime %g", cp, total);
	for (uint32_t j = 0; w->job_machine && j < w->dag->n_jobs; j++)
		if (w->job_machine[j] != WL_NONE && w->job_machine[j] >= w->n_machines)
			fz_fail("job %u on machine %u of %u", j, w->job_machine[j],
				w->n_machines);
	wl_workflow_free(w);
	return 0;
}
