/* tests/test_parallel.c — data vs model parallel inference (issue 17): the
 * layer-graph loader (workloads/layergraph.h), the planners
 * (policies/parallel.h) and the simulation (sim/parallel.h), against
 * formulas, brute force and byte counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "policies/parallel.h"
#include "sim/base/rng.h"
#include "sim/parallel.h"
#include "tests/tests.h"
#include "workloads/layergraph.h"

#define LANDCOVER "experiments/parallel/landcover.layers.json"

static const char *cwd(void)
{
	static char buf[4096];
	return getcwd(buf, sizeof buf) ? buf : ".";
}

/* A chain in -> a -> b: in's output in_bytes, a's a_bytes, b's b_bytes. */
static void chain3(lg_graph *g, double a_bytes, double b_bytes)
{
	char text[1024];
	snprintf(text, sizeof text,
		 "{\"model\": \"chain\", \"layers\": [\n"
		 " {\"name\": \"in\", \"type\": \"input\", \"inputs\": [], \"flops\": 0,"
		 "  \"param_bytes\": 0, \"act_bytes\": 1000},\n"
		 " {\"name\": \"a\", \"type\": \"conv\", \"inputs\": [\"in\"], \"flops\": 1,"
		 "  \"param_bytes\": 10, \"act_bytes\": %.17g},\n"
		 " {\"name\": \"b\", \"type\": \"linear\", \"inputs\": [1], \"flops\": 1,"
		 "  \"param_bytes\": 20, \"act_bytes\": %.17g}]}\n",
		 a_bytes, b_bytes);
	io_err err = {0};
	ck_assert_msg(lg_load(g, test_write("chain.json", text), &err) == 0, "%s",
		      err.msg);
}

/* A run config with local input, no PS, no overheads, latency 0. */
static sp_config plain_config(const lg_graph *g, const pp_plan *p, uint32_t W,
			      const double *t, const double *nic)
{
	sp_config c;
	memset(&c, 0, sizeof c);
	c.graph = g;
	c.plan = p;
	c.n_workers = W;
	c.time_s = t;
	c.nic_bps = nic;
	c.driver_bps = 1e6;
	c.executors = 1;
	c.window = 1;
	c.bin_s = 1;
	c.seed = 1;
	return c;
}

static pp_cluster plain_cluster(uint32_t W, const double *t, const double *nic,
				double batch)
{
	pp_cluster c;
	memset(&c, 0, sizeof c);
	c.n_workers = W;
	c.time_s = t;
	c.nic_bps = nic;
	c.batch = batch;
	c.replicas = 1;
	return c;
}

/* Stage 1 (in, a) on w0 computes t1 per batch, a's output crosses a link
 * in tx, stage 2 (b) on w1 computes t2: makespan t1 + tx + t2 + (n - 1)
 * max(t1, tx, t2) with every batch in flight; latency t1 + tx + t2 with
 * one at a time. (While tx <= t1: a link slower than the stage feeding
 * it carries several transfers at once, shared max-min fairly, which
 * finish together, so the next stage then queues; no formula is asked
 * of that case.) */
START_TEST(two_stage_pipeline_matches_formula)
{
	static const struct { double t1, tx, t2; } cases[] = {
		{1.0, 0.5, 0.8}, {1.0, 1.0, 0.5}, {0.2, 0.1, 0.9}};
	lg_graph g;
	chain3(&g, 1000, 0);
	const double B = 10, bw = 1e5;
	const int64_t n = 12;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		double t1 = cases[k].t1, tx = cases[k].tx, t2 = cases[k].t2;
		/* per sample: a on w0, b on w1; a's output bytes give tx */
		double t[6] = {0, t1 / B, 0, 0, 0, t2 / B}, nic[2] = {bw, bw};
		g.layers[1].act_bytes = tx * bw / B;
		pp_cluster pc = plain_cluster(2, t, nic, B);
		pp_plan p;
		io_err err = {0};
		ck_assert_int_eq(pp_plan_make(&p, &g, &pc, PP_MODEL, &err), 0);
		ck_assert_uint_eq(p.n_groups, 2);
		ck_assert_uint_eq(p.group_of[0], 0);
		ck_assert_uint_eq(p.group_of[1], 0);
		ck_assert_uint_eq(p.group_of[2], 1);
		/* the planner's stage costs, by hand: stage 1 computes t1 and
		 * sends tx; stage 2 receives tx and computes t2 */
		uint8_t s1[3] = {1, 1, 0}, s2[3] = {0, 0, 1};
		ck_assert(fabs(pp_stage_cost(&g, &pc, s1, 0) - (t1 + tx)) < 1e-12);
		ck_assert(fabs(pp_stage_cost(&g, &pc, s2, 1) - (tx + t2)) < 1e-12);
		pc.overlap = 1;
		ck_assert(fabs(pp_stage_cost(&g, &pc, s1, 0) - fmax(t1, tx)) < 1e-12);
		ck_assert(fabs(pp_stage_cost(&g, &pc, s2, 1) - fmax(tx, t2)) < 1e-12);
		sp_config c = plain_config(&g, &p, 2, t, nic);
		c.samples = n * (int64_t)B;
		c.batch = (int64_t)B;
		c.window = (uint32_t)n;
		sp_result r;
		ck_assert_msg(sp_run(&c, &r, &err) == 0, "%s", err.msg);
		double period = fmax(t1, fmax(tx, t2));
		double want = t1 + tx + t2 + (double)(n - 1) * period;
		ck_assert_msg(fabs(r.makespan_s - want) < 1e-9,
			      "case %zu: makespan %.12g, formula %.12g", k,
			      r.makespan_s, want);
		ck_assert_msg(fabs(r.throughput_per_s - (double)c.samples / want) < 1e-6,
			      "throughput %g", r.throughput_per_s);
		sp_result_free(&r);
		c.window = 1;
		ck_assert_msg(sp_run(&c, &r, &err) == 0, "%s", err.msg);
		ck_assert_msg(fabs(r.latency_mean_s - (t1 + tx + t2)) < 1e-9 &&
				      fabs(r.latency_max_s - (t1 + tx + t2)) < 1e-9,
			      "case %zu: latency %.12g, formula %.12g", k,
			      r.latency_mean_s, t1 + tx + t2);
		ck_assert(fabs(r.makespan_s - (double)n * (t1 + tx + t2)) < 1e-9);
		sp_result_free(&r);
		pp_plan_free(&p);
	}
	lg_free(&g);
}
END_TEST

/* k identical replicas with m batches each: m B t + the gather of the k
 * last results, which share the driver's NIC (k x B out / D); one worker
 * does k m batches then sends one result. */
START_TEST(data_parallel_is_one_kth_plus_gather)
{
	lg_graph g;
	chain3(&g, 1000, 4000);
	const double B = 20, D = 2e6, ta = 0.01, tb = 0.005;
	const int64_t m = 5;
	double t[4 * 3], nic[4];
	for (int w = 0; w < 4; w++) {
		t[w * 3] = 0, t[w * 3 + 1] = ta, t[w * 3 + 2] = tb;
		nic[w] = 1e9;
	}
	double gather1 = B * 4000 / D, T1 = 0;
	for (uint32_t k = 1; k <= 4; k *= 2) {
		pp_cluster pc = plain_cluster(k, t, nic, B);
		pp_plan p;
		io_err err = {0};
		ck_assert_int_eq(pp_plan_make(&p, &g, &pc, PP_DATA, &err), 0);
		ck_assert_uint_eq(p.replicas, k);
		sp_config c = plain_config(&g, &p, k, t, nic);
		c.driver_bps = D;
		c.batch = (int64_t)B;
		c.samples = 4 * m * (int64_t)B;
		c.window = 64;
		sp_result r;
		ck_assert_msg(sp_run(&c, &r, &err) == 0, "%s", err.msg);
		if (k == 1)
			T1 = r.makespan_s;
		double want = (T1 - gather1) / k + k * gather1;
		ck_assert_msg(fabs(r.makespan_s - want) < 1e-9,
			      "k %u: makespan %.12g, 1/k of one worker plus the "
			      "gather %.12g", k, r.makespan_s, want);
		sp_result_free(&r);
		pp_plan_free(&p);
	}
	ck_assert(fabs(T1 - (4 * m * B * (ta + tb) + gather1)) < 1e-9);
	lg_free(&g);
}
END_TEST

/* A random DAG of n layers (layer 0 and maybe one more are inputs). */
static void random_graph(lg_graph *g, uint32_t n, gsl_rng *rng)
{
	memset(g, 0, sizeof *g);
	g->model = strdup("random");
	g->n = n;
	g->output = n - 1;
	g->layers = calloc(n, sizeof *g->layers);
	for (uint32_t l = 0; l < n; l++) {
		lg_layer *L = &g->layers[l];
		char name[16];
		snprintf(name, sizeof name, "l%u", l);
		L->name = strdup(name);
		L->type = strdup("x");
		L->inputs = calloc(2, sizeof *L->inputs);
		int input = l == 0 || (l == 1 && gsl_rng_uniform(rng) < 0.5);
		if (!input) {
			L->inputs[L->n_inputs++] = (uint32_t)gsl_rng_uniform_int(rng, l);
			uint32_t second = (uint32_t)gsl_rng_uniform_int(rng, l);
			if (second != L->inputs[0] && gsl_rng_uniform(rng) < 0.4)
				L->inputs[L->n_inputs++] = second;
		}
		L->act_bytes = 100 + gsl_rng_uniform(rng) * 5000;
		L->param_bytes = gsl_rng_uniform(rng) * 20000;
	}
}

/* Does assignment a (layer -> worker) make a stage graph without a
 * cycle? (W <= 4: repeated relaxation of reachability.) */
static int acyclic(const lg_graph *g, const uint32_t *a, uint32_t W)
{
	int reach[4][4] = {{0}};
	for (uint32_t l = 0; l < g->n; l++)
		for (uint32_t k = 0; k < g->layers[l].n_inputs; k++) {
			uint32_t u = a[g->layers[l].inputs[k]], v = a[l];
			if (u != v)
				reach[u][v] = 1;
		}
	for (uint32_t m = 0; m < W; m++)
		for (uint32_t i = 0; i < W; i++)
			for (uint32_t j = 0; j < W; j++)
				if (reach[i][m] && reach[m][j])
					reach[i][j] = 1;
	for (uint32_t i = 0; i < W; i++)
		if (reach[i][i])
			return 0;
	return 1;
}

/* Every assignment of layers to workers whose stages form no cycle: the
 * least largest stage cost. */
static double brute_force(const lg_graph *g, const pp_cluster *c)
{
	uint32_t W = c->n_workers, n = g->n;
	uint32_t a[16] = {0};
	uint8_t in[16];
	double best = INFINITY;
	for (;;) {
		if (acyclic(g, a, W)) {
			double worst = 0;
			for (uint32_t w = 0; w < W; w++) {
				for (uint32_t l = 0; l < n; l++)
					in[l] = a[l] == w;
				worst = fmax(worst, pp_stage_cost(g, c, in, w));
			}
			best = fmin(best, worst);
		}
		uint32_t l = 0;
		while (l < n && ++a[l] == W)
			a[l++] = 0;
		if (l == n)
			break;
	}
	return best;
}

START_TEST(optimal_split_equals_brute_force)
{
	gsl_rng *rng = sim_rng_new(7, 0);
	for (int trial = 0; trial < 40; trial++) {
		uint32_t n = 4 + (uint32_t)gsl_rng_uniform_int(rng, 4); /* 4..7 */
		uint32_t W = 2 + (uint32_t)gsl_rng_uniform_int(rng, 2); /* 2..3 */
		lg_graph g;
		random_graph(&g, n, rng);
		double t[3 * 8], nic[3];
		for (uint32_t w = 0; w < W; w++) {
			double speed = 0.5 + gsl_rng_uniform(rng);
			for (uint32_t l = 0; l < n; l++)
				t[w * n + l] = (0.001 + 0.01 * gsl_rng_uniform(rng)) / speed;
			nic[w] = 1e5 * (1 + 4 * gsl_rng_uniform(rng));
		}
		pp_cluster c = plain_cluster(W, t, nic, 8);
		c.input_from_driver = trial % 2;
		c.ps_pull = trial % 3 == 0;
		c.overhead_s = trial % 4 == 0 ? 0.05 : 0;
		c.overlap = trial % 5 < 2;
		pp_plan p;
		io_err err = {0};
		ck_assert_msg(pp_plan_make(&p, &g, &c, PP_MODEL_OPT, &err) == 0, "%s",
			      err.msg);
		double bf = brute_force(&g, &c);
		ck_assert_msg(fabs(p.bottleneck_s - bf) <= 1e-12 * bf,
			      "trial %d (%u layers, %u workers): DP %.15g, brute "
			      "force %.15g", trial, n, W, p.bottleneck_s, bf);
		/* every layer in one group, and the groups' workers distinct */
		for (uint32_t l = 0; l < n; l++)
			ck_assert_uint_lt(p.group_of[l], p.n_groups);
		for (uint32_t i = 0; i < p.n_groups; i++)
			for (uint32_t j = i + 1; j < p.n_groups; j++)
				ck_assert_uint_ne(p.workers[i], p.workers[j]);
		pp_plan_free(&p);
		lg_free(&g);
	}
	gsl_rng_free(rng);
}
END_TEST

START_TEST(optimised_split_no_worse_than_baseline)
{
	lg_graph g;
	io_err err = {0};
	ck_assert_msg(lg_load(&g, LANDCOVER, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(g.n, 26);
	double t[3 * 26], nic[3];
	static const double gflops[] = {2, 10, 50}, mbps[] = {10, 117, 1000};
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 3; j++) {
			for (uint32_t w = 0; w < 3; w++) {
				for (uint32_t l = 0; l < 26; l++)
					t[w * 26 + l] = g.layers[l].flops / (gflops[i] * 1e9);
				nic[w] = mbps[j] * 1e6;
			}
			pp_cluster c = plain_cluster(3, t, nic, 50);
			c.input_from_driver = 1;
			c.ps_pull = (int)j % 2;
			pp_plan base, opt;
			ck_assert_int_eq(pp_plan_make(&base, &g, &c, PP_MODEL, &err), 0);
			ck_assert_int_eq(pp_plan_make(&opt, &g, &c, PP_MODEL_OPT, &err), 0);
			/* the baseline: the two branches and the merge part */
			ck_assert_uint_eq(base.n_groups, 3);
			ck_assert_uint_eq(base.group_of[lg_find(&g, "hsi.flat")], 0);
			ck_assert_uint_eq(base.group_of[lg_find(&g, "rgb.conv1")], 1);
			ck_assert_uint_eq(base.group_of[lg_find(&g, "fusion")], 2);
			ck_assert_msg(opt.bottleneck_s <= base.bottleneck_s * (1 + 1e-12),
				      "%g GFLOP/s %g MB/s: optimised %g > baseline %g",
				      gflops[i], mbps[j], opt.bottleneck_s,
				      base.bottleneck_s);
			pp_plan_free(&base);
			pp_plan_free(&opt);
		}
	lg_free(&g);
}
END_TEST

/* Model parallel on the land-cover CNN with a PS: every byte sent is
 * received, the traffic series sums to the totals, and the total is the
 * hand count: samples, parameters per batch, the two branches' outputs,
 * the results. */
START_TEST(bytes_are_conserved_and_counted)
{
	lg_graph g;
	io_err err = {0};
	ck_assert_msg(lg_load(&g, LANDCOVER, &err) == 0, "%s", err.msg);
	double t[3 * 26], nic[3] = {50e6, 80e6, 117e6};
	for (uint32_t w = 0; w < 3; w++)
		for (uint32_t l = 0; l < 26; l++)
			t[w * 26 + l] = g.layers[l].flops / 5e9;
	pp_cluster pc = plain_cluster(3, t, nic, 30);
	pc.input_from_driver = pc.ps_pull = 1;
	pp_plan p;
	ck_assert_int_eq(pp_plan_make(&p, &g, &pc, PP_MODEL, &err), 0);
	sp_config c = plain_config(&g, &p, 3, t, nic);
	c.has_ps = 1;
	c.ps_bps = 117e6;
	c.driver_bps = 117e6;
	c.latency_s = 1e-4;
	c.input_from_driver = c.ps_pull = 1;
	c.batch = 30;
	c.samples = 1000; /* 34 batches, the last of 10 */
	c.window = 5;
	c.bin_s = 0.25;
	sp_result r;
	ck_assert_msg(sp_run(&c, &r, &err) == 0, "%s", err.msg);
	double in = 0, out = 0, bin_in = 0, bin_out = 0;
	for (uint32_t v = 0; v < r.n_nodes; v++)
		in += r.bytes_in[v], out += r.bytes_out[v];
	for (size_t k = 0; k < (size_t)r.n_bins * r.n_nodes; k++)
		bin_in += r.bin_in[k], bin_out += r.bin_out[k];
	double params = 0;
	for (uint32_t l = 0; l < g.n; l++)
		params += g.layers[l].param_bytes;
	double N = 1000, want = N * (120000 + 7500) + 34 * params +
				N * (16384 + 13824) + N * 80;
	ck_assert_msg(fabs(out - in) < 1e-6 * in, "out %.17g in %.17g", out, in);
	ck_assert_msg(fabs(out - want) < 1e-6 * want, "sent %.17g, by hand %.17g",
		      out, want);
	ck_assert(fabs(bin_in - in) < 1e-6 * in && fabs(bin_out - out) < 1e-6 * out);
	/* the PS only sends, the driver sends samples and gets results */
	ck_assert(r.bytes_in[1] == 0 && fabs(r.bytes_out[1] - 34 * params) < 1);
	ck_assert(fabs(r.bytes_in[0] - N * 80) < 1e-6);
	sp_result_free(&r);
	pp_plan_free(&p);
	lg_free(&g);
}
END_TEST

/* An error message names the file and a line (":N:") and contains what. */
static void expect_located(const char *path, const io_err *err, const char *what)
{
	char want[512];
	snprintf(want, sizeof want, "%s:", path);
	ck_assert_msg(err->code == IO_EINPUT, "code %d: %s", err->code, err->msg);
	ck_assert_msg(strstr(err->msg, want) && strstr(err->msg, what),
		      "\"%s\" should name %s and say \"%s\"", err->msg, path, what);
	const char *p = err->msg + strlen(path) + 1;
	ck_assert_msg(*p >= '1' && *p <= '9', "no line in \"%s\"", err->msg);
}

START_TEST(bad_graph_and_config_give_located_errors)
{
	static const struct { const char *text, *what; } graphs[] = {
		{"{\"layers\": [{\"name\": \"a\", \"type\": \"input\", \"inputs\": [],"
		 " \"flops\": 0, \"param_bytes\": 0, \"act_bytes\": 4},\n"
		 " {\"name\": \"b\", \"type\": \"x\", \"inputs\": [\"zz\"],"
		 " \"flops\": 0, \"param_bytes\": 0, \"act_bytes\": 4}]}",
		 "input \"zz\" names no layer"},
		{"{\"layers\": [{\"name\": \"a\", \"type\": \"x\", \"inputs\": [1],"
		 " \"flops\": 0, \"param_bytes\": 0, \"act_bytes\": 4},\n"
		 " {\"name\": \"b\", \"type\": \"x\", \"inputs\": [\"a\"],"
		 " \"flops\": 0, \"param_bytes\": 0, \"act_bytes\": 4}]}",
		 "cycle"},
		{"{\"layers\": [\n{\"name\": \"a\", \"type\": \"x\", \"inputs\": [],"
		 " \"flops\": -5, \"param_bytes\": 0, \"act_bytes\": 4}]}",
		 "flops"},
		{"{\"layers\": [\n{\"name\": \"a\", \"type\": \"x\", \"inputs\": [],"
		 " \"flops\": 1, \"param_bytes\": 0}]}",
		 "act_bytes"},
		{"{\"layers\": [\n{\"name\": \"a\", \"type\": \"x\", \"inputs\": [],"
		 " \"flops\": 1, \"param_bytes\": 0, \"act_bytes\": 1, \"flopz\": 2}]}",
		 "flopz"},
		{"{\"layers\": [{\"name\": \"a\", \"type\": \"x\", \"inputs\": [],"
		 " \"flops\": 1, \"param_bytes\": 0, \"act_bytes\": 1},\n"
		 " {\"name\": \"a\", \"type\": \"x\", \"inputs\": [0],"
		 " \"flops\": 1, \"param_bytes\": 0, \"act_bytes\": 1}]}",
		 "used twice"},
		/* beyond uint32_t: found by make fuzz (a cast before the
		 * range check) */
		{"{\"output\": 22147483648,\n\"layers\": [{\"name\": \"a\","
		 " \"type\": \"input\", \"inputs\": [], \"flops\": 0,"
		 " \"param_bytes\": 0, \"act_bytes\": 4}]}",
		 "is not a layer index"},
	};
	for (size_t k = 0; k < sizeof graphs / sizeof graphs[0]; k++) {
		const char *path = test_write("bad.layers.json", graphs[k].text);
		lg_graph g;
		io_err err = {0};
		ck_assert_int_eq(lg_load(&g, path, &err), IO_EINPUT);
		expect_located(path, &err, graphs[k].what);
		lg_free(&g);
	}
	char graph_line[4400];
	snprintf(graph_line, sizeof graph_line, "{\"graph\": \"%s/%s\",\n",
		 cwd(), LANDCOVER);
	static const struct { const char *body, *what; } configs[] = {
		{" \"machine_types\": [{\"name\": \"a\", \"gflops\": 1}],\n"
		 " \"driver\": {\"nic_MBps\": 100},\n"
		 " \"workers\": [{\"type\": \"b\", \"nic_MBps\": 100}],\n"
		 " \"strategy\": \"data\", \"batch\": 10, \"samples\": 100}",
		 "no machine type \"b\""},
		{" \"machine_types\": [{\"name\": \"a\", \"gflops\": 1}],\n"
		 " \"driver\": {\"nic_MBps\": 100},\n"
		 " \"workers\": [{\"type\": \"a\", \"nic_MBps\": -3}],\n"
		 " \"strategy\": \"data\", \"batch\": 10, \"samples\": 100}",
		 "nic_MBps"},
		{" \"machine_types\": [{\"name\": \"a\", \"gflops\": 1}],\n"
		 " \"driver\": {\"nic_MBps\": 100}, \"batchsize\": 3,\n"
		 " \"workers\": [{\"type\": \"a\", \"nic_MBps\": 100}],\n"
		 " \"strategy\": \"data\", \"batch\": 10, \"samples\": 100}",
		 "batchsize"},
		{" \"machine_types\": [{\"name\": \"a\", \"gflops\": 1}],\n"
		 " \"driver\": {\"nic_MBps\": 100},\n"
		 " \"workers\": [{\"type\": \"a\", \"nic_MBps\": 100}],\n"
		 " \"strategy\": \"pipeline\", \"batch\": 10, \"samples\": 100}",
		 "unknown strategy"},
		{" \"machine_types\": [{\"name\": \"a\", \"gflops\": 1}],\n"
		 " \"driver\": {\"nic_MBps\": 100}, \"ps_pull\": true,\n"
		 " \"workers\": [{\"type\": \"a\", \"nic_MBps\": 100}],\n"
		 " \"strategy\": \"data\", \"batch\": 10, \"samples\": 100}",
		 "needs a \"ps\""},
	};
	for (size_t k = 0; k < sizeof configs / sizeof configs[0]; k++) {
		char text[8192];
		snprintf(text, sizeof text, "%s%s", graph_line, configs[k].body);
		const char *path = test_write("bad.parallel.json", text);
		sp_setup s;
		sp_overrides o = {0};
		io_err err = {0};
		ck_assert_int_eq(sp_setup_load(&s, path, &o, &err), IO_EINPUT);
		expect_located(path, &err, configs[k].what);
		sp_setup_free(&s);
	}
}
END_TEST

/* Load, plan and run the config at path (load and plan must succeed);
 * sp_run's status. */
static int load_plan_run(const char *path, sp_setup *s, sp_result *r,
			 io_err *err)
{
	sp_overrides o = {0};
	ck_assert_msg(sp_setup_load(s, path, &o, err) == 0, "%s", err->msg);
	ck_assert_msg(sp_setup_plan(s, err) == 0, "%s", err->msg);
	return sp_run(&s->run, r, err);
}

/* Replicas of unequal speed finish batches out of order: a batch released
 * then must take a free slot of the window, not the slot of batch k -
 * window, which may still be in flight (found by make fuzz: the run
 * stopped with 18 of 20 batches done). Every batch runs, and the slow
 * replica's share (batches 1, 3, ..., 19 at 5 GFLOP/s) bounds the
 * makespan from below. */
START_TEST(unequal_replicas_finish_out_of_order_and_run_every_batch)
{
	char text[16384];
	snprintf(text, sizeof text,
		 "{\"graph\": \"%s/%s\",\n"
		 " \"machine_types\": [{\"name\": \"fast\", \"gflops\": 20},"
		 " {\"name\": \"slow\", \"gflops\": 5}],\n"
		 " \"driver\": {\"nic_MBps\": 100},\n"
		 " \"workers\": [{\"type\": \"fast\", \"nic_MBps\": 100},"
		 " {\"type\": \"slow\", \"nic_MBps\": 100}],\n"
		 " \"strategy\": \"data\", \"batch\": 10, \"samples\": 200}\n",
		 cwd(), LANDCOVER);
	const char *path = test_write("unequal.parallel.json", text);
	sp_setup s;
	sp_result r;
	io_err err = {0};
	ck_assert_msg(load_plan_run(path, &s, &r, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(s.plan.replicas, 2);
	ck_assert_uint_eq(r.batches, 20);
	double flops = 0;
	for (uint32_t l = 0; l < s.graph.n; l++)
		flops += s.graph.layers[l].flops;
	double slow_share = 10 * 10 * flops / 5e9;
	ck_assert_msg(r.makespan_s >= slow_share, "makespan %.6g < %.6g",
		      r.makespan_s, slow_share);
	sp_result_free(&r);
	sp_setup_free(&s);
}
END_TEST

/* The traffic series is bounded by bins x nodes (10^7), not bins alone:
 * 1000 data-parallel replicas in 1 ms bins over a 26 s run would hold
 * 26 million cells (413 MB; traffic.csv of 1 GB). An error asking for
 * larger bins; larger bins run. */
START_TEST(traffic_series_is_bounded_by_bins_times_nodes)
{
	for (int big_bins = 0; big_bins < 2; big_bins++) {
		size_t cap = 200000, len = 0;
		char *text = malloc(cap);
		ck_assert_ptr_nonnull(text);
		len += (size_t)snprintf(text + len, cap - len,
			"{\"graph\": \"%s/%s\",\n"
			" \"machine_types\": [{\"name\": \"a\", \"gflops\": 0.05}],\n"
			" \"driver\": {\"nic_MBps\": 100}, \"bin_s\": %s,\n"
			" \"strategy\": \"data\", \"batch\": 10, \"samples\": 20,\n"
			" \"workers\": [", cwd(), LANDCOVER, big_bins ? "1" : "0.001");
		for (int w = 0; w < 1000; w++)
			len += (size_t)snprintf(text + len, cap - len,
						"%s{\"type\": \"a\", \"nic_MBps\": 100}",
						w ? ", " : "");
		snprintf(text + len, cap - len, "]}\n");
		const char *path = test_write("wide.parallel.json", text);
		free(text);
		sp_setup s;
		sp_result r;
		io_err err = {0};
		int rc = load_plan_run(path, &s, &r, &err);
		if (big_bins) {
			ck_assert_msg(rc == 0, "%s", err.msg);
			ck_assert_uint_le((uint64_t)r.n_bins * r.n_nodes, 10000000);
		} else {
			ck_assert_int_eq(rc, IO_EINPUT);
			ck_assert_msg(strstr(err.msg, "bins of 0.001 s for 1001 nodes"),
				      "%s", err.msg);
			/* the command names the config in that error */
			char cmd[1024], errbuf[1024], want[600];
			snprintf(cmd, sizeof cmd, "%s parallel %s -o %s/wide", test_bin(),
				 path, test_tmpdir());
			ck_assert_int_eq(test_run(cmd, errbuf, sizeof errbuf), 2);
			snprintf(want, sizeof want, "hetsim: %s:", path);
			ck_assert_msg(strncmp(errbuf, want, strlen(want)) == 0 &&
					      strstr(errbuf, "1001 nodes"),
				      "%s", errbuf);
		}
		sp_result_free(&r);
		sp_setup_free(&s);
	}
}
END_TEST

/* An absurd time in the config (startup_s 1e300) passes the reader (a
 * non-negative number) and cannot be binned: the error says when the run
 * got to, which points at the cause, not only at bin_s. */
START_TEST(absurd_start_time_is_named_by_the_time_reached)
{
	char text[4096 + 512];
	snprintf(text, sizeof text,
		 "{\"graph\": \"%s/%s\",\n"
		 " \"machine_types\": [{\"name\": \"a\", \"gflops\": 0.05}],\n"
		 " \"driver\": {\"nic_MBps\": 100}, \"startup_s\": 1e300,\n"
		 " \"strategy\": \"data\", \"batch\": 10, \"samples\": 20,\n"
		 " \"workers\": [{\"type\": \"a\", \"nic_MBps\": 100}]}\n",
		 cwd(), LANDCOVER);
	const char *path = test_write("late.parallel.json", text);
	sp_setup s;
	sp_result r;
	io_err err = {0};
	ck_assert_int_eq(load_plan_run(path, &s, &r, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "the run reached 1e+300 s"), "%s",
		      err.msg);
	sp_result_free(&r);
	sp_setup_free(&s);
}
END_TEST

/* model-opt's search is sized before it runs (PP_MAX_SEARCH): three
 * chains of 11 layers into a merge have 12^3 + 1 ideals and 78^3 nested
 * pairs; on 12 workers (4096 worker sets per pair) that is 2.5e10 steps,
 * an hour or so: an error at once, not a hang (the fuzz target found a
 * 26-layer graph of 1713 ideals taking seconds). The land-cover graph on
 * 12 workers is within the bound, and a cluster's own max_search
 * below its size refuses it. */
START_TEST(model_opt_search_is_sized_before_it_runs)
{
	char text[16384];
	size_t len = (size_t)snprintf(text, sizeof text, "{\"layers\": [\n");
	for (int k = 0; k < 3; k++)
		for (int m = 0; m <= 10; m++) {
			char in[32] = "";
			if (m)
				snprintf(in, sizeof in, "\"c%d_%d\"", k, m - 1);
			len += (size_t)snprintf(text + len, sizeof text - len,
				"{\"name\": \"c%d_%d\", \"type\": \"%s\", "
				"\"inputs\": [%s], \"flops\": 1e6, "
				"\"param_bytes\": 10, \"act_bytes\": 100},\n",
				k, m, m ? "conv" : "input", in);
		}
	snprintf(text + len, sizeof text - len,
		 "{\"name\": \"merge\", \"type\": \"concat\", \"inputs\": "
		 "[\"c0_10\", \"c1_10\", \"c2_10\"], \"flops\": 1e6, "
		 "\"param_bytes\": 10, \"act_bytes\": 100}]}\n");
	lg_graph g;
	io_err err = {0};
	ck_assert_msg(lg_load(&g, test_write("three_chains.json", text), &err) == 0,
		      "%s", err.msg);
	static double t[12 * 40], nic[12];
	for (uint32_t w = 0; w < 12; w++) {
		nic[w] = 1e8;
		for (uint32_t l = 0; l < g.n; l++)
			t[w * g.n + l] = 0.001 * (1 + w % 3);
	}
	pp_cluster c = plain_cluster(12, t, nic, 10);
	pp_plan p;
	ck_assert_int_eq(pp_plan_make(&p, &g, &c, PP_MODEL_OPT, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "the search over 1729 ideals"), "%s", err.msg);
	lg_free(&g);
	ck_assert_msg(lg_load(&g, LANDCOVER, &err) == 0, "%s", err.msg);
	ck_assert_msg(pp_plan_make(&p, &g, &c, PP_MODEL_OPT, &err) == 0, "%s",
		      err.msg);
	pp_plan_free(&p);
	c.max_search = 1e6;
	ck_assert_int_eq(pp_plan_make(&p, &g, &c, PP_MODEL_OPT, &err), IO_EINPUT);
	lg_free(&g);
}
END_TEST

/* Whole numbers of a config beyond their type or with a fraction: a
 * located error naming the key and its range, before any cast (a double
 * beyond the integer type is undefined behaviour: UBSan's
 * float-cast-overflow). Integral reals within range (50.0) load. */
START_TEST(config_whole_numbers_are_range_checked)
{
	static const struct { const char *type, *top, *what; } cases[] = {
		{"\"threads\": 1e300, \"batch\": 50", "",
		 "\"threads\" must be a whole number in 0..1024"},
		{"\"threads\": 4294967297, \"batch\": 50", "",
		 "\"threads\" must be a whole number in 0..1024"},
		{"\"threads\": 1, \"batch\": -1e300", "",
		 "\"batch\" must be a whole number in 0..1000000000"},
		{"\"threads\": 1, \"batch\": 2.5", "",
		 "\"batch\" must be a whole number in 0..1000000000"},
		{"\"threads\": 1, \"batch\": 50", ", \"seed\": 1e300",
		 "\"seed\" must be a whole number in 0..9223372036854775807"},
		{"\"threads\": 1, \"batch\": 50", ", \"seed\": 1.5",
		 "\"seed\" must be a whole number in 0..9223372036854775807"},
		{"\"threads\": 1, \"batch\": 50", ", \"window\": 1e20",
		 "\"window\" must be a whole number in 1..65536"},
		{"\"threads\": 1, \"batch\": 50", ", \"executors\": 0.5",
		 "\"executors\" must be a whole number in 1..1024"},
		{"\"threads\": 1, \"batch\": 50", ", \"replicas\": 1e19",
		 "\"replicas\" must be a whole number in 1..12"},
		{NULL, NULL, NULL}, /* valid: integral reals */
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char text[16384];
		snprintf(text, sizeof text,
			 "{\"graph\": \"%s/%s\",\n"
			 " \"machine_types\": [{\"name\": \"a\",\n"
			 " \"layer_times\": \"%s/experiments/parallel/calib/layers.json\",\n"
			 " %s}],\n"
			 " \"driver\": {\"nic_MBps\": 100},\n"
			 " \"workers\": [{\"type\": \"a\", \"nic_MBps\": 100}],\n"
			 " \"strategy\": \"data\", \"batch\": 50, \"samples\": 100\n"
			 " %s}\n",
			 cwd(), LANDCOVER, cwd(),
			 cases[k].type ? cases[k].type : "\"threads\": 1.0, \"batch\": 5e1",
			 cases[k].top ? cases[k].top : ", \"seed\": 7.0, \"window\": 8.0");
		const char *path = test_write("range.parallel.json", text);
		sp_setup s;
		sp_overrides o = {0};
		io_err err = {0};
		int rc = sp_setup_load(&s, path, &o, &err);
		if (cases[k].what) {
			ck_assert_int_eq(rc, IO_EINPUT);
			expect_located(path, &err, cases[k].what);
		} else {
			ck_assert_msg(rc == 0, "%s", err.msg);
			ck_assert_uint_eq(s.run.seed, 7);
			ck_assert_uint_eq(s.run.window, 8);
		}
		sp_setup_free(&s);
	}
}
END_TEST

/* The whole command twice on one seed (with jitter): byte-identical
 * files; another seed: another summary. */
START_TEST(same_seed_gives_identical_outputs)
{
	char cfg[8192], cmd[4096], errbuf[512];
	snprintf(cfg, sizeof cfg,
		 "{\"graph\": \"%s/%s\",\n"
		 " \"machine_types\": [{\"name\": \"a\", \"gflops\": 5}],\n"
		 " \"driver\": {\"nic_MBps\": 100}, \"ps\": {\"nic_MBps\": 100},\n"
		 " \"workers\": [{\"type\": \"a\", \"nic_MBps\": 100},"
		 " {\"type\": \"a\", \"nic_MBps\": 60}, {\"type\": \"a\", \"nic_MBps\": 100}],\n"
		 " \"strategy\": \"model-opt\", \"batch\": 20, \"samples\": 300,\n"
		 " \"ps_pull\": true, \"jitter_cv\": 0.3, \"bin_s\": 0.5,\n"
		 " \"network\": {\"latency_s\": 0.001, \"loss\": 0.0001}}\n",
		 cwd(), LANDCOVER);
	const char *path = test_write("seeded.json", cfg);
	const char *files[] = {"summary.json", "traffic.csv", "traffic.svg", "plan.json"};
	char *first[4];
	for (int run = 0; run < 3; run++) {
		snprintf(cmd, sizeof cmd, "%s parallel %s -o %s/p%d --seed %d >/dev/null",
			 test_bin(), path, test_tmpdir(), run, run == 2 ? 8 : 7);
		ck_assert_msg(test_run(cmd, errbuf, sizeof errbuf) == 0, "%s", errbuf);
		for (int f = 0; f < 4; f++) {
			char p[1024];
			snprintf(p, sizeof p, "%s/p%d/%s", test_tmpdir(), run, files[f]);
			size_t len;
			char *text = test_slurp(p, &len);
			ck_assert_msg(text && len > 0, "%s missing", p);
			if (run == 0) {
				first[f] = text;
				continue;
			}
			int same = strcmp(text, first[f]) == 0;
			if (run == 1)
				ck_assert_msg(same, "%s differs on the same seed", files[f]);
			else if (f == 1) /* (the summary names its seed) */
				ck_assert_msg(!same, "another seed, the same traffic");
			free(text);
		}
	}
	for (int f = 0; f < 4; f++)
		free(first[f]);
}
END_TEST

/* The plan file of each strategy: version 1, the driver and PS first,
 * every layer in "assign" once per replica of its stage (model
 * strategies) or every worker in "replicas" (data), the merge worker
 * holding the output layer. */
START_TEST(plan_file_assigns_every_layer)
{
	lg_graph g;
	io_err err = {0};
	ck_assert_msg(lg_load(&g, LANDCOVER, &err) == 0, "%s", err.msg);
	double t[4 * 26], nic[4] = {1e8, 1e8, 1e8, 1e8};
	for (size_t k = 0; k < 4 * 26; k++)
		t[k] = g.layers[k % 26].flops / 1e10;
	const char *names[] = {"w2", "w3", "w4", "w5"};
	for (int s = PP_DATA; s <= PP_HYBRID; s++) {
		pp_cluster c = plain_cluster(4, t, nic, 50);
		c.replicas = 2;
		pp_plan p;
		ck_assert_msg(pp_plan_make(&p, &g, &c, (pp_strategy)s, &err) == 0, "%s",
			      err.msg);
		json_t *j = pp_plan_json(&p, &g, names, 4, "master", "w1", 50, 1000);
		ck_assert_ptr_nonnull(j);
		ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 1);
		ck_assert_str_eq(json_string_value(json_object_get(j, "strategy")),
				 pp_strategy_name((pp_strategy)s));
		json_t *ws = json_object_get(j, "workers"),
		       *as = json_object_get(j, "assign"),
		       *rs = json_object_get(j, "replicas");
		ck_assert_uint_eq(json_array_size(ws), 6);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ws, 0), "role")), "driver");
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ws, 1), "role")), "ps");
		size_t per_layer = s == PP_DATA ? 0 : s == PP_HYBRID ? 2 : 1;
		ck_assert_uint_eq(json_array_size(as), 26 * per_layer);
		ck_assert_uint_eq(json_array_size(rs),
				  s == PP_DATA ? 4 : s == PP_HYBRID ? 2 * p.n_groups : 0);
		for (uint32_t l = 0; l < 26; l++) {
			size_t hits = 0;
			for (size_t k = 0; k < json_array_size(as); k++) {
				json_t *a = json_array_get(as, k);
				if (strcmp(json_string_value(json_object_get(a, "layer")),
					   g.layers[l].name))
					continue;
				hits++;
				/* the output layer's worker is the merge worker */
				const char *w = json_string_value(json_object_get(a, "worker"));
				for (size_t v = 2; l == g.output && p.n_groups > 1 &&
						   v < json_array_size(ws); v++) {
					json_t *o = json_array_get(ws, v);
					if (!strcmp(json_string_value(json_object_get(o, "name")), w))
						ck_assert_str_eq(json_string_value(json_object_get(o, "role")),
								 "merge");
				}
			}
			ck_assert_uint_eq(hits, per_layer);
		}
		json_decref(j);
		pp_plan_free(&p);
	}
	lg_free(&g);
}
END_TEST

Suite *suite_parallel(void)
{
	Suite *s = suite_create("parallel");
	TCase *tc = tcase_create("parallel");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, two_stage_pipeline_matches_formula);
	tcase_add_test(tc, data_parallel_is_one_kth_plus_gather);
	tcase_add_test(tc, optimal_split_equals_brute_force);
	tcase_add_test(tc, optimised_split_no_worse_than_baseline);
	tcase_add_test(tc, bytes_are_conserved_and_counted);
	tcase_add_test(tc, plan_file_assigns_every_layer);
	tcase_add_test(tc, bad_graph_and_config_give_located_errors);
	tcase_add_test(tc, same_seed_gives_identical_outputs);
	tcase_add_test(tc, config_whole_numbers_are_range_checked);
	tcase_add_test(tc, unequal_replicas_finish_out_of_order_and_run_every_batch);
	tcase_add_test(tc, traffic_series_is_bounded_by_bins_times_nodes);
	tcase_add_test(tc, absurd_start_time_is_named_by_the_time_reached);
	tcase_add_test(tc, model_opt_search_is_sized_before_it_runs);
	suite_add_tcase(s, tc);
	return s;
}
