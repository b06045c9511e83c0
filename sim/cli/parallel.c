/*
 * sim/cli/parallel.c — `hetsim parallel CONFIG.json [-o DIR] [--seed N]
 * [--strategy S] [--batch B] [--samples N] [--bin S]`: plan a model's
 * parallel inference (policies/parallel.h) on the cluster of CONFIG (its
 * format: sim/parallel.h) and simulate it (sim/parallel.h); writes into
 * DIR (default out/parallel/<CONFIG's name>) summary.json, traffic.csv,
 * traffic.svg and plan.json, and prints one line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/base/out.h"
#include "sim/cli/cli.h"
#include "sim/parallel.h"

const char sim_cli_parallel_usage[] =
	"  parallel CONFIG.json [-o DIR] [--seed N] [--strategy S] [--batch B]\n"
	"        [--samples N] [--bin S]\n"
	"                        data vs model parallel inference of a layer graph on\n"
	"                        a cluster (driver, PS, workers) over the max-min\n"
	"                        network: plan (S: data, model, model-opt, hybrid),\n"
	"                        simulate, write summary.json, traffic.csv (per node,\n"
	"                        bins of S seconds), traffic.svg and plan.json in DIR\n"
	"                        (default out/parallel/<CONFIG name>)\n";

static int usage(const char *msg, const char *arg)
{
	fprintf(stderr, "hetsim: parallel: ");
	fprintf(stderr, msg, arg);
	fprintf(stderr, " (see: hetsim parallel --help)\n");
	return 2;
}

static json_t *summary_json(const sp_setup *s, const sp_result *r,
			    const char *config)
{
	json_t *o = json_object(), *nodes = json_array(), *groups = json_array();
	if (!o || !nodes || !groups) {
		json_decref(o);
		json_decref(nodes);
		json_decref(groups);
		return NULL;
	}
	const sp_config *c = &s->run;
	json_object_set_new(o, "config", json_string(config));
	json_object_set_new(o, "model", json_string(s->graph.model));
	json_object_set_new(o, "strategy", json_string(pp_strategy_name(s->strategy)));
	json_object_set_new(o, "batch", json_integer(c->batch));
	json_object_set_new(o, "samples", json_integer(c->samples));
	json_object_set_new(o, "seed", json_integer((json_int_t)c->seed));
	json_object_set_new(o, "makespan_s", sim_json_num(r->makespan_s));
	json_object_set_new(o, "throughput_samples_per_s", sim_json_num(r->throughput_per_s));
	json_object_set_new(o, "batch_latency_mean_s", sim_json_num(r->latency_mean_s));
	json_object_set_new(o, "batch_latency_max_s", sim_json_num(r->latency_max_s));
	json_object_set_new(o, "batches", json_integer((json_int_t)r->batches));
	json_object_set_new(o, "transfers", json_integer((json_int_t)r->transfers));
	json_object_set_new(o, "planned_bottleneck_s", sim_json_num(s->plan.bottleneck_s));
	for (uint32_t v = 0; v < r->n_nodes; v++) {
		double peak_in = 0, peak_out = 0;
		for (uint32_t b = 0; b < r->n_bins; b++) {
			double i = r->bin_in[(size_t)b * r->n_nodes + v] / r->bin_s / 1e6;
			double u = r->bin_out[(size_t)b * r->n_nodes + v] / r->bin_s / 1e6;
			peak_in = i > peak_in ? i : peak_in;
			peak_out = u > peak_out ? u : peak_out;
		}
		double span = r->makespan_s > 0 ? r->makespan_s : 1;
		json_array_append_new(
			nodes,
			json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "name",
				  s->names[v], "role", s->roles[v], "busy_s",
				  sim_json_num(r->busy_s[v]), "utilization",
				  sim_json_num(r->busy_s[v] / span), "bytes_in",
				  sim_json_num(r->bytes_in[v]), "bytes_out",
				  sim_json_num(r->bytes_out[v]), "mean_in_MBps",
				  sim_json_num(r->bytes_in[v] / span / 1e6),
				  "mean_out_MBps", sim_json_num(r->bytes_out[v] / span / 1e6),
				  "peak_in_MBps", sim_json_num(peak_in), "peak_out_MBps",
				  sim_json_num(peak_out)));
	}
	json_object_set_new(o, "nodes", nodes);
	uint32_t first = c->has_ps ? 2 : 1;
	for (uint32_t g = 0; g < s->plan.n_groups; g++) {
		json_t *ws = json_array(), *ls = json_array();
		for (uint32_t k = 0; k < s->plan.replicas; k++)
			json_array_append_new(ws, json_string(s->names[first + s->plan.workers[g * s->plan.replicas + k]]));
		for (uint32_t l = 0; l < s->graph.n; l++)
			if (s->plan.group_of[l] == g)
				json_array_append_new(ls, json_string(s->graph.layers[l].name));
		json_array_append_new(groups, json_pack("{s:o,s:o}", "workers", ws, "layers", ls));
	}
	json_object_set_new(o, "groups", groups);
	return o;
}

static int write_all(const sp_setup *s, const sp_result *r, const char *dir,
		     const char *config, io_err *err)
{
	uint32_t first = s->run.has_ps ? 2 : 1;
	char *sum = sim_pathf("%s/summary.json", dir),
	     *csv = sim_pathf("%s/traffic.csv", dir),
	     *svg = sim_pathf("%s/traffic.svg", dir),
	     *plan = sim_pathf("%s/plan.json", dir);
	char title[256];
	snprintf(title, sizeof title, "%s, %s, batch %lld, %lld samples",
		 s->graph.model, pp_strategy_name(s->strategy),
		 (long long)s->run.batch, (long long)s->run.samples);
	json_t *js = summary_json(s, r, config);
	json_t *jp = pp_plan_json(&s->plan, &s->graph,
				  (const char *const *)s->names + first,
				  s->cluster.n_workers, s->names[0],
				  s->run.has_ps ? s->names[1] : NULL, s->run.batch,
				  s->run.samples);
	int rc = 0;
	if (!sum || !csv || !svg || !plan || !js || !jp)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = sim_mkdirs(dir, err);
	if (!rc)
		rc = sim_write_json(sum, js, err);
	if (!rc)
		rc = sim_write_json(plan, jp, err);
	if (!rc)
		rc = sp_write_traffic_csv(r, (const char *const *)s->names,
					  s->roles, csv, err);
	if (!rc)
		rc = sp_write_traffic_svg(r, (const char *const *)s->names, title,
					  svg, err);
	json_decref(js);
	json_decref(jp);
	free(sum);
	free(csv);
	free(svg);
	free(plan);
	return rc;
}

int sim_cmd_parallel(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_parallel_usage))
		return 0;
	const char *config = NULL, *dir = NULL;
	sp_overrides o = {0};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t u;
		if (strcmp(a, "-o") == 0 && v) {
			dir = v, i++;
		} else if (strcmp(a, "--seed") == 0 && v) {
			if (sim_cli_parse_u64(v, UINT64_MAX >> 1, &o.seed))
				return usage("bad --seed \"%s\"", v);
			o.has_seed = 1, i++;
		} else if (strcmp(a, "--strategy") == 0 && v) {
			o.strategy = v, i++;
		} else if (strcmp(a, "--batch") == 0 && v) {
			if (sim_cli_parse_u64(v, 1000000000, &u) || u == 0)
				return usage("bad --batch \"%s\"", v);
			o.batch = (int64_t)u, i++;
		} else if (strcmp(a, "--samples") == 0 && v) {
			if (sim_cli_parse_u64(v, 1000000000000ull, &u) || u == 0)
				return usage("bad --samples \"%s\"", v);
			o.samples = (int64_t)u, i++;
		} else if (strcmp(a, "--bin") == 0 && v) {
			double b;
			if (io_parse_double(v, &b) || !(b > 0) || b > 1e9)
				return usage("bad --bin \"%s\" (seconds > 0)", v);
			o.bin_s = b, i++;
		} else if (a[0] == '-' && a[1]) {
			return usage("unknown or incomplete option \"%s\"", a);
		} else if (!config) {
			config = a;
		} else {
			return usage("one CONFIG only (\"%s\")", a);
		}
	}
	if (!config)
		return usage("%s", "needs CONFIG.json");
	char *own_dir = NULL;
	if (!dir) {
		const char *base = strrchr(config, '/');
		base = base ? base + 1 : config;
		size_t n = strlen(base);
		if (n > 5 && strcmp(base + n - 5, ".json") == 0)
			n -= 5;
		own_dir = sim_pathf("out/parallel/%.*s", (int)n, base);
		if (!own_dir) {
			fprintf(stderr, "hetsim: out of memory\n");
			return 1;
		}
		dir = own_dir;
	}
	io_err err = {0};
	sp_setup s;
	sp_result r;
	memset(&r, 0, sizeof r);
	int rc = sp_setup_load(&s, config, &o, &err);
	if (!rc) {
		rc = sp_setup_plan(&s, &err);
		if (!rc)
			rc = sp_run(&s.run, &r, &err);
		if (rc == IO_EINPUT) {
			/* the planner's and the run's messages (a search too
			 * big, a traffic series too long) name no file */
			io_err located = {0};
			io_errf(&located, IO_EINPUT, config, 0, "%s", err.msg);
			err = located;
		}
	}
	if (!rc)
		rc = write_all(&s, &r, dir, config, &err);
	if (!rc)
		printf("parallel %s %s: batch %lld, %lld samples, makespan %.3f s, "
		       "%.2f samples/s, batch latency %.3f s, %u stage(s) x %u, "
		       "-> %s\n",
		       s.graph.model, pp_strategy_name(s.strategy),
		       (long long)s.run.batch, (long long)s.run.samples, r.makespan_s,
		       r.throughput_per_s, r.latency_mean_s, s.plan.n_groups,
		       s.plan.replicas, dir);
	else
		fprintf(stderr, "hetsim: %s\n", err.msg);
	sp_setup_free(&s);
	sp_result_free(&r);
	free(own_dir);
	return rc == 0 ? 0 : rc == IO_EINPUT ? 2 : 1;
}
