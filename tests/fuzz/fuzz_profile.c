/* tests/fuzz/fuzz_profile.c — profile JSON (profiles/profile.h): load, then
 * draw quantiles of every model, which must be finite and >= 0. */
#include <math.h>
#include "profiles/profile.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double us[] = {1e-12, 0.01, 0.5, 0.99, 1 - 1e-12};
	prof_profile *p = NULL;
	io_err err = {0};
	fz_reset();
	if (prof_load(&p, fz_write("profile.json", data, size), &err)) {
		if (!err.msg[0])
			fz_fail("prof_load failed without a message");
		fz_note("prof_load", err.msg);
		return 0;
	}
	for (uint32_t t = 0; t < p->n_tasks; t++)
		for (uint32_t m = 0; m < p->n_machines; m++) {
			if (!prof_can_run(p, t, m))
				continue;
			for (size_t k = 0; k < sizeof us / sizeof us[0]; k++) {
				double q = prof_sample(p, t, m, us[k]);
				if (!isfinite(q) || q < 0)
					fz_fail("%s on %s: quantile %g is %g",
						p->tasks[t].name, p->machines[m].name,
						us[k], q);
			}
		}
	prof_free(p);
	return 0;
}
