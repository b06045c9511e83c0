/* tests/fuzz/fuzz_wms.c — a workflow-system overhead model file
 * (profiles/wms.h) loaded from a file; a model that loads is drawn at three
 * quantiles of every phase and class, which must be finite and >= 0. */
#include <math.h>
#include "profiles/wms.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_reset();
	wms_model m;
	io_err err = {0};
	int rc = wms_load(&m, fz_write("wms.json", data, size), &err);
	if (rc) {
		fz_error(rc, &err, "wms_load");
		return 0;
	}
	static const double u[] = {1e-9, 0.5, 1 - 1e-9};
	for (int ph = 0; ph < WMS_PHASES; ph++)
		for (int c = 0; c < WMS_CLASSES; c++)
			for (int k = 0; k < 3; k++) {
				double d = wms_draw(&m, (wms_phase)ph, (wms_class)c, u[k]);
				if (!(d >= 0) || !isfinite(d))
					fz_fail("phase %d class %d draws %g", ph, c, d);
			}
	if (m.submit_slots < 1)
		fz_fail("submit_slots %u", m.submit_slots);
	wms_free(&m);
	return 0;
}
