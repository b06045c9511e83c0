/* tests/fuzz/fuzz_layergraph.c — a layer-graph file (workloads/layergraph.h)
 * loaded from a file; a graph that loads must be in topological order
 * (every input of a layer lower than it), with an output layer in range
 * and finite, non-negative costs. */
#include <math.h>
#include "tests/fuzz/fuzz.h"
#include "workloads/layergraph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_reset();
	lg_graph g;
	io_err err = {0};
	int rc = lg_load(&g, fz_write("graph.json", data, size), &err);
	if (rc) {
		fz_error(rc, &err, "lg_load");
		return 0;
	}
	if (g.n == 0 || g.output >= g.n)
		fz_fail("%u layers, output %u", g.n, g.output);
	for (uint32_t i = 0; i < g.n; i++) {
		const lg_layer *L = &g.layers[i];
		for (uint32_t k = 0; k < L->n_inputs; k++)
			if (L->inputs[k] >= i)
				fz_fail("layer %u reads layer %u", i, L->inputs[k]);
		if (!(L->flops >= 0 && isfinite(L->flops) && L->act_bytes >= 0 &&
		      isfinite(L->act_bytes) && L->param_bytes >= 0 &&
		      isfinite(L->param_bytes)))
			fz_fail("layer %u has a bad cost", i);
		if (lg_find(&g, L->name) != (int)i)
			fz_fail("layer %u's name finds another", i);
	}
	lg_free(&g);
	return 0;
}
