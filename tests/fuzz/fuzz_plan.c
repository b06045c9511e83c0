/* tests/fuzz/fuzz_plan.c — the plan file of `hetsim parallel-real`
 * (real/parallel/parallel.h, par_plan_load): a plan that loads names a zoo
 * model, has 1 to PAR_MAX_WORKERS workers with distinct names, at most one
 * driver, batch and samples >= 1, and replicas (data) or an owner for
 * every layer (the model strategies) among its workers that is not the
 * driver. Nothing is run (that forks processes). */
#include <string.h>
#include "real/parallel/parallel.h"
#include "tests/fuzz/fuzz.h"

static void check(const par_plan *p)
{
	if (p->n_workers < 1 || p->n_workers > PAR_MAX_WORKERS)
		fz_fail("%d workers", p->n_workers);
	if (p->batch < 1 || p->samples < 1)
		fz_fail("batch %lld, samples %lld", (long long)p->batch,
			(long long)p->samples);
	if (p->driver < -1 || p->driver >= p->n_workers)
		fz_fail("driver %d of %d workers", p->driver, p->n_workers);
	for (int a = 0; a < p->n_workers; a++) {
		if (!memchr(p->name[a], 0, PAR_NAME_MAX) || !p->name[a][0])
			fz_fail("worker %d has no name", a);
		for (int b = 0; b < a; b++)
			if (strcmp(p->name[a], p->name[b]) == 0)
				fz_fail("name \"%s\" twice", p->name[a]);
		if (p->role[a] == PAR_DRIVER && a != p->driver)
			fz_fail("worker %d is a driver, driver is %d", a, p->driver);
	}
	if (p->n_replicas < 0 || p->n_replicas > p->n_workers)
		fz_fail("%d replicas of %d workers", p->n_replicas, p->n_workers);
	for (int r = 0; r < p->n_replicas; r++)
		if (p->replica[r] < 0 || p->replica[r] >= p->n_workers ||
		    p->replica[r] == p->driver)
			fz_fail("replica %d is worker %d", r, p->replica[r]);
	if (p->strategy == PAR_DATA)
		return;
	if (p->n_layers < 1 || !p->owner)
		fz_fail("a model plan with %d layers", p->n_layers);
	for (int l = 0; l < p->n_layers; l++)
		if (p->owner[l] < 0 || p->owner[l] >= p->n_workers ||
		    p->owner[l] == p->driver)
			fz_fail("layer %d on worker %d", l, p->owner[l]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_reset();
	par_plan p;
	io_err err = {0};
	int rc = par_plan_load(&p, fz_write("plan.json", data, size), &err);
	if (rc) {
		fz_error(rc, &err, "par_plan_load");
		return 0;
	}
	check(&p);
	par_plan_free(&p);
	return 0;
}
