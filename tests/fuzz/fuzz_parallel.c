/* tests/fuzz/fuzz_parallel.c — the configuration file of `hetsim parallel`
 * (sim/parallel.h, sp_setup_load) with the files it names: the input is
 * up to three parts separated by "%%" lines (fuzz.h): the configuration,
 * written as parallel.json; a layer graph, graph.json (default: a small
 * chain, model "chain"); a layer-times file, times.json (default: times of
 * that chain). A configuration that loads is planned and run, its samples
 * capped at 8 batches and its search at 5e6 steps so that an input takes
 * milliseconds, and its plan JSON and (up to 10^4 bins x nodes) traffic
 * CSV and SVG are written. A run must account for every batch (a run
 * that stops early, or runs out of memory, is a finding) and give a
 * finite, non-negative makespan. */
#include <math.h>
#include <string.h>
#include "policies/parallel.h"
#include "sim/base/out.h"
#include "sim/parallel.h"
#include "tests/fuzz/fuzz.h"

static const char chain_graph[] =
	"{\"model\": \"chain\", \"output\": 2, \"layers\": [\n"
	"{\"name\": \"a\", \"type\": \"input\", \"inputs\": [], \"flops\": 0,"
	" \"param_bytes\": 0, \"act_bytes\": 16},\n"
	"{\"name\": \"b\", \"type\": \"conv\", \"inputs\": [\"a\"], \"flops\": 1e6,"
	" \"param_bytes\": 100, \"act_bytes\": 64},\n"
	"{\"name\": \"c\", \"type\": \"linear\", \"inputs\": [\"b\"], \"flops\": 10,"
	" \"param_bytes\": 40, \"act_bytes\": 8}]}\n";

static const char chain_times[] =
	"{\"format\": \"hetsim-layer-times\", \"version\": 1, \"configs\": [\n"
	"{\"model\": \"chain\", \"batch\": 10, \"threads\": 1, \"graph\":"
	" {\"layers\": [{\"name\": \"a\", \"time_s\": 0.001},"
	" {\"name\": \"b\", \"time_s\": 0.02}, {\"name\": \"c\", \"time_s\": 0.003}]}}]}\n";

static void run(sp_setup *s)
{
	io_err err = {0};
	/* the model-opt search within some 12 ms unsanitized (the
	 * land-cover graph on 3 workers: 3e6 steps), not the 5 s users get:
	 * the fuzzer's comparison tracing makes it some 40x slower */
	s->cluster.max_search = 5e6;
	int rc = sp_setup_plan(s, &err);
	if (rc) {
		fz_error(rc, &err, "sp_setup_plan");
		return;
	}
	sp_config *c = &s->run;
	if (c->samples > 8 * c->batch)
		c->samples = 8 * c->batch;
	sp_result r;
	if ((rc = sp_run(c, &r, &err))) {
		/* a loaded, planned run must not stall */
		if (strstr(err.msg, "the run stopped") || rc == IO_ENOMEM)
			fz_fail("sp_run: %s", err.msg);
		fz_error(rc, &err, "sp_run");
		sp_result_free(&r);
		return;
	}
	uint64_t batches = (uint64_t)((c->samples + c->batch - 1) / c->batch);
	if (r.batches != batches)
		fz_fail("%llu batches run of %llu", (unsigned long long)r.batches,
			(unsigned long long)batches);
	if (!(r.makespan_s >= 0 && isfinite(r.makespan_s)))
		fz_fail("makespan %g", r.makespan_s);
	uint32_t first = c->has_ps ? 2 : 1;
	json_t *jp = pp_plan_json(&s->plan, &s->graph,
				  (const char *const *)s->names + first,
				  s->cluster.n_workers, s->names[0],
				  c->has_ps ? s->names[1] : NULL, c->batch,
				  c->samples);
	if (!jp || sim_write_json(fz_path("plan.json"), jp, &err))
		fz_fail("plan.json: %s", jp ? err.msg : "no JSON");
	json_decref(jp);
	/* the writers' paths are the same for 10^4 cells as for 10^7 (a
	 * series of up to 10^7 cells takes seconds to print) */
	if ((uint64_t)r.n_bins * r.n_nodes <= 10000 &&
	    ((rc = sp_write_traffic_csv(&r, (const char *const *)s->names,
					s->roles, fz_path("traffic.csv"), &err)) ||
	     (rc = sp_write_traffic_svg(&r, (const char *const *)s->names,
					"fuzz", fz_path("traffic.svg"), &err))))
		fz_error(rc, &err, "traffic");
	sp_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_reset();
	fz_part part[3];
	size_t n = fz_split(data, size, part, 3);
	const char *path = fz_write("parallel.json", part[0].data, part[0].size);
	if (n > 1)
		fz_write("graph.json", part[1].data, part[1].size);
	else
		fz_write_text("graph.json", chain_graph);
	if (n > 2)
		fz_write("times.json", part[2].data, part[2].size);
	else
		fz_write_text("times.json", chain_times);
	sp_setup s;
	sp_overrides o = {0};
	io_err err = {0};
	int rc = sp_setup_load(&s, path, &o, &err);
	if (rc)
		fz_error(rc, &err, "sp_setup_load");
	else
		run(&s);
	sp_setup_free(&s);
	return 0;
}
