/* tests/test_dag.c — workflow DAGs (workloads/dag.h), the max-min network
 * (sim/net.h) and the DAG engine (sim/dag.h): hand-computed rates and
 * completion times, a brute-force max-min reference, the HEFT paper's
 * example schedule, chains and fork-joins by hand, determinism. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profiles/profile.h"
#include "sim/dag.h"
#include "sim/heap.h"
#include "sim/net.h"
#include "sim/base/rng.h"
#include "workloads/dag.h"
#include "tests/netref.h"
#include "tests/tests.h"

/* ---- DAG structure ------------------------------------------------------- */

static wl_dag *new_dag(void)
{
	wl_dag *d = wl_dag_new("t.dax");
	ck_assert_ptr_nonnull(d);
	return d;
}

static uint32_t add_job(wl_dag *d, const char *name, uint32_t type)
{
	io_err err = {0};
	uint32_t id;
	tck_assert_msg(wl_dag_add_job(d, name, type, &id, &err) == 0, "%s", err.msg);
	return id;
}

static uint32_t add_file(wl_dag *d, const char *name, double size)
{
	io_err err = {0};
	uint32_t id;
	tck_assert_msg(wl_dag_add_file(d, name, size, &id, &err) == 0, "%s",
		      err.msg);
	return id;
}

/* p writes a new file that c reads. */
static uint32_t link_file(wl_dag *d, uint32_t p, uint32_t c, double size)
{
	io_err err = {0};
	uint32_t f = add_file(d, NULL, size);
	ck_assert_int_eq(wl_dag_add_output(d, p, f, &err), 0);
	ck_assert_int_eq(wl_dag_add_input(d, c, f, &err), 0);
	return f;
}

static int has(const uint32_t *a, uint32_t lo, uint32_t hi, uint32_t v)
{
	for (uint32_t i = lo; i < hi; i++)
		if (a[i] == v)
			return 1;
	return 0;
}

/* topo is a permutation in which every parent comes before its child. */
static void assert_topological(const wl_dag *d)
{
	uint32_t *pos = malloc((size_t)d->n_jobs * sizeof *pos);
	for (uint32_t j = 0; j < d->n_jobs; j++)
		pos[j] = UINT32_MAX;
	for (uint32_t t = 0; t < d->n_jobs; t++) {
		tck_uint_eq(pos[d->topo[t]], UINT32_MAX);
		pos[d->topo[t]] = t;
	}
	for (uint32_t j = 0; j < d->n_jobs; j++)
		for (uint32_t k = d->par_off[j]; k < d->par_off[j + 1]; k++)
			tck_uint_lt(pos[d->par[k]], pos[j]);
	free(pos);
}

START_TEST(files_imply_edges_explicit_parents_merge_and_dedup)
{
	wl_dag *d = new_dag();
	io_err err = {0};
	uint32_t a = add_job(d, "a", 0), b = add_job(d, "b", 0),
		 c = add_job(d, "c", 1), x = add_job(d, "x", 0);
	uint32_t fab = link_file(d, a, b, 10);
	uint32_t fac = link_file(d, a, c, 20);
	link_file(d, b, c, 30);
	uint32_t in = add_file(d, "raw", 5); /* initial input */
	ck_assert_int_eq(wl_dag_add_input(d, a, in, &err), 0);
	ck_assert_int_eq(wl_dag_add_input(d, c, fac, &err), 0); /* twice */
	ck_assert_int_eq(wl_dag_add_parent(d, c, a, &err), 0);  /* also by file */
	ck_assert_int_eq(wl_dag_add_parent(d, x, c, &err), 0);  /* control only */
	ck_assert_int_eq(wl_dag_add_parent(d, x, c, &err), 0);
	ck_assert_msg(wl_dag_finalize(d, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(d->n_edges, 4); /* a->b, a->c, b->c, c->x */
	ck_assert_uint_eq(d->par_off[c + 1] - d->par_off[c], 2);
	ck_assert(has(d->par, d->par_off[c], d->par_off[c + 1], a));
	ck_assert(has(d->par, d->par_off[c], d->par_off[c + 1], b));
	ck_assert_uint_eq(d->par_off[x + 1] - d->par_off[x], 1);
	ck_assert_uint_eq(d->child_off[a + 1] - d->child_off[a], 2);
	ck_assert_uint_eq(d->in_off[c + 1] - d->in_off[c], 2); /* deduped */
	ck_assert_uint_eq(d->file_producer[fab], a);
	ck_assert_uint_eq(d->file_producer[in], WL_NONE);
	ck_assert_uint_eq(d->cons_off[fac + 1] - d->cons_off[fac], 1);
	ck_assert_uint_eq(d->cons[d->cons_off[fac]], c);
	ck_assert_int_eq(wl_dag_find_job(d, "c"), (int64_t)c);
	ck_assert_int_eq(wl_dag_find_job(d, "nope"), -1);
	ck_assert_int_eq(wl_dag_find_file(d, "raw"), (int64_t)in);
	ck_assert_str_eq(wl_dag_job_name(d, x), "x");
	ck_assert_double_eq(wl_dag_total_bytes(d), 65);
	assert_topological(d);
	ck_assert_uint_eq(d->topo[0], a);
	ck_assert_uint_eq(d->topo[3], x);
	/* finalized: no more building */
	ck_assert_int_ne(wl_dag_add_job(d, NULL, 0, NULL, &err), 0);
	wl_dag_free(d);
}
END_TEST

START_TEST(cycle_is_an_error_naming_its_jobs)
{
	wl_dag *d = new_dag();
	io_err err = {0};
	uint32_t s = add_job(d, "start", 0), a = add_job(d, "ID00002", 0),
		 b = add_job(d, "ID00003", 0), c = add_job(d, "ID00004", 0);
	link_file(d, s, a, 1);
	link_file(d, a, b, 1);
	link_file(d, b, c, 1);
	ck_assert_int_eq(wl_dag_add_parent(d, a, c, &err), 0); /* closes it */
	ck_assert_int_eq(wl_dag_finalize(d, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "t.dax: dependency cycle through job"),
		      "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "'ID00002' -> 'ID00003'") &&
			      strstr(err.msg, "'ID00003' -> 'ID00004'") &&
			      strstr(err.msg, "'ID00004' -> 'ID00002'"),
		      "%s", err.msg);
	ck_assert_ptr_null(strstr(err.msg, "'start'"));
	/* a failed DAG stays failed */
	io_err e2 = {0};
	ck_assert_int_ne(wl_dag_finalize(d, &e2), 0);
	wl_dag_free(d);

	d = new_dag();
	memset(&err, 0, sizeof err);
	uint32_t j = add_job(d, NULL, 0);
	uint32_t f = add_file(d, NULL, 1);
	ck_assert_int_eq(wl_dag_add_output(d, j, f, &err), 0);
	ck_assert_int_eq(wl_dag_add_input(d, j, f, &err), 0);
	ck_assert_int_eq(wl_dag_finalize(d, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "#0") && strstr(err.msg, "its own output"),
		      "%s", err.msg);
	wl_dag_free(d);
}
END_TEST

START_TEST(unknown_references_and_bad_values_are_errors)
{
	struct {
		int kind;
		const char *want;
	} cases[] = {{0, "reads unknown file #7"},
		     {1, "writes unknown file #9"},
		     {2, "has unknown parent #5"},
		     {3, "written by job 'p' and job 'q'"},
		     {4, "is its own parent"}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		wl_dag *d = new_dag();
		io_err err = {0};
		uint32_t p = add_job(d, "p", 0), q = add_job(d, "q", 0);
		uint32_t f = add_file(d, "f", 1);
		switch (cases[i].kind) {
		case 0: wl_dag_add_input(d, p, 7, &err); break;
		case 1: wl_dag_add_output(d, q, 9, &err); break;
		case 2: wl_dag_add_parent(d, q, 5, &err); break;
		case 3:
			wl_dag_add_output(d, p, f, &err);
			wl_dag_add_output(d, q, f, &err);
			break;
		case 4: wl_dag_add_parent(d, q, q, &err); break;
		}
		ck_assert_int_eq(wl_dag_finalize(d, &err), IO_EINPUT);
		ck_assert_msg(strstr(err.msg, cases[i].want), "%zu: %s", i, err.msg);
		wl_dag_free(d);
	}
	wl_dag *d = new_dag();
	io_err err = {0};
	uint32_t j = add_job(d, "j", 0);
	ck_assert_int_eq(wl_dag_add_job(d, "j", 0, NULL, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "'j' is defined twice"), "%s", err.msg);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(wl_dag_add_file(d, "f", -1, NULL, &err), IO_EINPUT);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(wl_dag_set_runtime(d, j, NAN, &err), IO_EINPUT);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(wl_dag_set_work(d, 3, 1, &err), IO_EINPUT);
	wl_dag_free(d);
}
END_TEST

START_TEST(names_survive_growth_and_lookup)
{
	wl_dag *d = new_dag();
	char name[32];
	io_err err = {0};
	add_job(d, NULL, 0); /* unnamed before the first name */
	ck_assert(isnan(wl_dag_runtime(d, 0)));
	ck_assert_double_eq(wl_dag_work(d, 0), 1);
	ck_assert_int_eq(wl_dag_set_runtime(d, 0, 2.5, &err), 0);
	ck_assert_int_eq(wl_dag_set_work(d, 0, 3, &err), 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "job%d", i);
		add_job(d, name, 0);
		snprintf(name, sizeof name, "file%d", i);
		add_file(d, name, i);
	}
	ck_assert_int_eq(wl_dag_finalize(d, &err), 0);
	ck_assert_ptr_null(wl_dag_job_name(d, 0));
	/* per-job values survive growth; later jobs have the defaults */
	ck_assert_double_eq(wl_dag_runtime(d, 0), 2.5);
	ck_assert_double_eq(wl_dag_work(d, 0), 3);
	ck_assert(isnan(wl_dag_runtime(d, 4999)));
	ck_assert_double_eq(wl_dag_work(d, 4999), 1);
	for (int i = 0; i < 5000; i += 7) {
		snprintf(name, sizeof name, "job%d", i);
		ck_assert_int_eq(wl_dag_find_job(d, name), i + 1);
		ck_assert_str_eq(wl_dag_job_name(d, (uint32_t)i + 1), name);
		snprintf(name, sizeof name, "file%d", i);
		ck_assert_int_eq(wl_dag_find_file(d, name), i);
	}
	char b[64];
	ck_assert_str_eq(wl_dag_job_label(d, 0, b, sizeof b), "#0");
	ck_assert_str_eq(wl_dag_job_label(d, 1, b, sizeof b), "'job0'");
	wl_dag_free(d);
}
END_TEST

static wl_dag *generate(const wl_dag_gen *g)
{
	wl_dag *d = NULL;
	io_err err = {0};
	ck_assert_msg(wl_dag_generate(&d, g, &err) == 0, "%s", err.msg);
	return d;
}

/* A layered DAG of two task types for the runs' tests: jobs in levels of
 * width, 1 to fan_max parents each, files of mean 50 B (cv 1), 20 B of
 * input from storage per job. */
static wl_dag *generate_small(uint32_t jobs, uint32_t width, uint32_t fan_max)
{
	wl_dag_gen g = WL_DAG_GEN_DEFAULT;
	g.jobs = jobs;
	g.width = width;
	g.fan_in_min = 1;
	g.fan_in_max = fan_max;
	g.n_types = 2;
	g.size_mean_bytes = 50;
	g.size_cv = 1;
	g.input_bytes = 20;
	return generate(&g);
}

START_TEST(layered_generator_respects_levels_and_fan_in_out)
{
	wl_dag_gen g = WL_DAG_GEN_DEFAULT;
	g.jobs = 10000;
	g.width = 50;
	g.fan_in_min = 2;
	g.fan_in_max = 4;
	g.fan_out_max = 6;
	g.span = 2;
	g.n_types = 3;
	g.size_mean_bytes = 1000;
	g.size_cv = 1;
	g.input_bytes = 100;
	wl_dag *d = generate(&g);
	ck_assert_uint_eq(d->n_jobs, 10000);
	assert_topological(d);
	uint64_t fan_in_sum = 0;
	for (uint32_t j = 0; j < d->n_jobs; j++) {
		uint32_t level = j / 50, np = d->par_off[j + 1] - d->par_off[j];
		tck_uint_lt(d->job_type[j], 3);
		tck_uint_le(d->child_off[j + 1] - d->child_off[j], 6);
		if (level == 0) {
			ck_assert_uint_eq(np, 0);
			ck_assert_uint_eq(d->in_off[j + 1] - d->in_off[j], 1);
			continue;
		}
		tck_uint_le(np, 4);
		fan_in_sum += np;
		for (uint32_t k = d->par_off[j]; k < d->par_off[j + 1]; k++) {
			uint32_t pl = d->par[k] / 50;
			tck_assert(pl < level && pl + 2 >= level);
		}
	}
	/* fan-out bound 6 and span 2 leave room: nearly every draw succeeds,
	 * so the mean fan-in is that of uniform 2..4 */
	double mean_in = (double)fan_in_sum / (10000 - 50);
	ck_assert_msg(fabs(mean_in - 3) < 0.05, "mean fan-in %g", mean_in);
	/* one file per job plus the entry inputs; sizes lognormal, mean 1000 */
	ck_assert_uint_eq(d->n_files, 10000 + 50);
	double s = 0;
	for (uint32_t f = 0; f < d->n_files; f++)
		if (d->file_producer[f] != WL_NONE)
			s += d->file_size[f];
	ck_assert_msg(fabs(s / 10000 - 1000) < 60, "mean size %g", s / 10000);
	/* same seed: same DAG; other seed: another */
	wl_dag *d2 = generate(&g);
	ck_assert_uint_eq(d2->n_edges, d->n_edges);
	ck_assert_mem_eq(d2->par, d->par, d->n_edges * sizeof *d->par);
	ck_assert_mem_eq(d2->file_size, d->file_size, d->n_files * sizeof(double));
	g.seed = 2;
	wl_dag *d3 = generate(&g);
	ck_assert(d3->n_edges != d->n_edges ||
		  memcmp(d3->par, d->par, d->n_edges * sizeof *d->par) != 0);
	wl_dag_free(d);
	wl_dag_free(d2);
	wl_dag_free(d3);
	/* a file per edge */
	g.file_per_edge = 1;
	g.input_bytes = 0;
	g.jobs = 500;
	d = generate(&g);
	ck_assert_uint_eq(d->n_files, d->n_edges);
	wl_dag_free(d);
}
END_TEST

START_TEST(classic_shapes_have_their_counts)
{
	wl_dag_gen g = WL_DAG_GEN_DEFAULT;
	g.shape = WL_DAG_CHAIN;
	g.jobs = 7;
	g.n_types = 2;
	wl_dag *d = generate(&g);
	ck_assert_uint_eq(d->n_jobs, 7);
	ck_assert_uint_eq(d->n_edges, 6);
	for (uint32_t j = 0; j < 7; j++)
		ck_assert_uint_eq(d->topo[j], j);
	ck_assert_uint_eq(d->job_type[3], 1);
	wl_dag_free(d);

	g.shape = WL_DAG_FORK_JOIN;
	g.width = 5;
	g.stages = 3;
	d = generate(&g);
	ck_assert_uint_eq(d->n_jobs, 1 + 3 * 6);
	ck_assert_uint_eq(d->n_edges, 3 * 10);
	ck_assert_uint_eq(d->child_off[1] - d->child_off[0], 5);
	wl_dag_free(d);

	g.shape = WL_DAG_MONTAGE;
	g.width = 9; /* a 3 x 3 grid: 12 neighbour pairs */
	g.n_types = 9;
	d = generate(&g);
	ck_assert_uint_eq(d->n_jobs, 9 + 12 + 2 + 9 + 4);
	assert_topological(d);
	uint32_t sinks = 0, sources = 0;
	for (uint32_t j = 0; j < d->n_jobs; j++) {
		sinks += d->child_off[j + 1] == d->child_off[j];
		sources += d->par_off[j + 1] == d->par_off[j];
	}
	ck_assert_uint_eq(sinks, 1);
	ck_assert_uint_eq(sources, 9);
	ck_assert_uint_eq(d->job_type[d->topo[d->n_jobs - 1]], 8);
	wl_dag_free(d);

	io_err err = {0};
	g.shape = WL_DAG_LAYERED;
	g.width = 0;
	ck_assert_int_eq(wl_dag_generate(&d, &g, &err), IO_EINPUT);
	ck_assert_int_eq(wl_dag_shape_from_name("montage"), WL_DAG_MONTAGE);
	ck_assert_int_eq(wl_dag_shape_from_name("nope"), -1);
}
END_TEST

/* ---- network ----------------------------------------------------------- */

enum { NET_BASE = TEST_NET_BASE };


/* Run transfers through sim_net; fills end times. */
static void run_net(const sim_nic *nics, uint32_t n_nodes, double latency,
		    int cf, xfer *x, uint32_t n, sim_net_stats *st)
{
	test_net_setup r = {.nics = nics, .n_nodes = n_nodes, .latency = latency, .cf = cf};
	test_net_run(&r, x, n, st);
}

#define NEAR(a, b) (fabs((double)(a) - (double)(b)) <= 1e-9 * (1 + fabs((double)(b))))

START_TEST(two_flows_sharing_an_uplink_get_half_each)
{
	sim_nic nics[3] = {{100, 100}, {100, 100}, {100, 100}};
	xfer x[2] = {{.src = 0, .dst = 1, .bytes = 100},
		     {.src = 0, .dst = 2, .bytes = 100}};
	sim_net_stats st;
	run_net(nics, 3, 0, 0, x, 2, &st);
	ck_assert(NEAR(x[0].end, 2.0) && NEAR(x[1].end, 2.0));
	ck_assert_uint_eq(st.completed, 2);
	ck_assert_double_eq(st.bytes_done, 200);
	/* the second one 100 bytes bigger: both at 50 B/s until t = 2, then
	 * the survivor alone at 100 B/s for its last 100 bytes */
	x[1].bytes = 200;
	run_net(nics, 3, 0, 0, x, 2, NULL);
	ck_assert(NEAR(x[0].end, 2.0) && NEAR(x[1].end, 3.0));
	/* contention-free: each gets min(up, down) */
	run_net(nics, 3, 0, 1, x, 2, NULL);
	ck_assert(NEAR(x[0].end, 1.0) && NEAR(x[1].end, 2.0));
}
END_TEST

START_TEST(flow_bottlenecked_elsewhere_frees_bandwidth_classic_max_min)
{
	/* f1 A->B, f2 A->C, f3 D->C; uplink A 10, downlink C 4, others 100.
	 * C's downlink is the tightest: f2 = f3 = 2; then A's uplink gives
	 * f1 the 8 f2 leaves (not the fair 5). */
	enum { A, B, C, D };
	sim_nic nics[4] = {{10, 100}, {100, 100}, {100, 4}, {100, 100}};
	sim_heap h;
	sim_heap_init(&h, 16);
	sim_net *net;
	io_err err = {0};
	ck_assert_int_eq(sim_net_new(&net, &h, NET_BASE, 4, nics, 0, 0, &err), 0);
	ck_assert_int_eq(sim_net_start(net, 0, A, B, 24, 1), 0);
	ck_assert_int_eq(sim_net_start(net, 0, A, C, 4, 2), 0);
	ck_assert_int_eq(sim_net_start(net, 0, D, C, 6, 3), 0);
	double t;
	uint32_t kind;
	void *data;
	const uint64_t *done;
	ck_assert(sim_heap_pop(&h, &t, &kind, &data)); /* the solve */
	ck_assert_int_eq(sim_net_event(net, t, kind, data, &done), 0);
	ck_assert(NEAR(sim_net_rate(net, A, B), 8));
	ck_assert(NEAR(sim_net_rate(net, A, C), 2));
	ck_assert(NEAR(sim_net_rate(net, D, C), 2));
	/* by hand: f2 ends at 4/2 = 2 (f1 has 8 left, f3 2); then f1 alone on
	 * A at 10 -> 2 + 8/10 = 2.8; f3 alone on C at 4 -> 2 + 2/4 = 2.5 */
	double end[4] = {0};
	while (sim_heap_pop(&h, &t, &kind, &data)) {
		int k = sim_net_event(net, t, kind, data, &done);
		for (int i = 0; i < k; i++)
			end[done[i]] = t;
		if (k && done[0] == 2) { /* solved as it ended */
			ck_assert(NEAR(sim_net_rate(net, A, B), 10));
			ck_assert(NEAR(sim_net_rate(net, D, C), 4));
			ck_assert(NEAR(sim_net_rate(net, A, C), 0));
		}
	}
	ck_assert(NEAR(end[2], 2.0));
	ck_assert(NEAR(end[3], 2.5));
	ck_assert(NEAR(end[1], 2.8));
	sim_net_free(net);
	sim_heap_free(&h);
}
END_TEST

START_TEST(latency_same_pair_and_independent_components)
{
	sim_nic nics[4] = {{50, 50}, {50, 50}, {10, 10}, {10, 10}};
	/* latency 0.5 then 100 bytes at 50 B/s */
	xfer one = {.src = 0, .dst = 1, .bytes = 100};
	run_net(nics, 4, 0.5, 0, &one, 1, NULL);
	ck_assert(NEAR(one.end, 2.5));
	/* same pair: 10 and 30 bytes at 10 B/s shared: 5 each until the small
	 * one ends at 2, then 20 left at 10 -> 4 (= 40 bytes / 10) */
	xfer same[2] = {{.src = 2, .dst = 3, .bytes = 10},
			{.src = 2, .dst = 3, .bytes = 30}};
	run_net(nics, 4, 0, 0, same, 2, NULL);
	ck_assert(NEAR(same[0].end, 2.0) && NEAR(same[1].end, 4.0));
	/* a flow joining an unrelated component changes nothing here; one
	 * joining the same pair halfway slows it down */
	xfer mix[3] = {{.src = 0, .dst = 1, .bytes = 100},
		       {.src = 2, .dst = 3, .start = 1, .bytes = 10},
		       {.src = 0, .dst = 1, .start = 1, .bytes = 25}};
	run_net(nics, 4, 0, 0, mix, 3, NULL);
	/* 0..1: 50 B/s (50 left); 1..2: 25 each, the new one ends at 2 having
	 * sent 25; then 25 left at 50 -> 2.5 */
	ck_assert(NEAR(mix[2].end, 2.0));
	ck_assert(NEAR(mix[0].end, 2.5));
	ck_assert(NEAR(mix[1].end, 2.0));
	/* zero bytes: latency only */
	xfer z = {.src = 1, .dst = 0, .bytes = 0, .start = 3};
	run_net(nics, 4, 0.25, 0, &z, 1, NULL);
	ck_assert(NEAR(z.end, 3.25));
}
END_TEST


START_TEST(random_flows_match_brute_force_max_min)
{
	enum { NN = 6, NF = 120 };
	gsl_rng *r = sim_rng_new(42, 0);
	for (int round = 0; round < 20; round++) {
		sim_nic nics[NN];
		for (int i = 0; i < NN; i++) {
			nics[i].up_bps = 10 + 90 * gsl_rng_uniform(r);
			nics[i].down_bps = 10 + 90 * gsl_rng_uniform(r);
		}
		double lat = round % 2 ? 0.05 : 0;
		xfer x[NF], y[NF];
		for (int i = 0; i < NF; i++) {
			x[i].src = (uint32_t)gsl_rng_uniform_int(r, NN);
			do
				x[i].dst = (uint32_t)gsl_rng_uniform_int(r, NN);
			while (x[i].dst == x[i].src);
			/* starts on a grid so that some coincide */
			x[i].start = round % 3 ? 20 * gsl_rng_uniform(r)
					       : (double)gsl_rng_uniform_int(r, 10);
			x[i].bytes = 1 + 200 * gsl_rng_uniform(r);
			y[i] = x[i];
		}
		sim_net_stats st;
		run_net(nics, NN, lat, 0, x, NF, &st);
		test_reference_max_min(nics, NN, lat, NULL, y, NF);
		for (int i = 0; i < NF; i++)
			tck_assert_msg(fabs(x[i].end - y[i].end) <= 1e-7 * (1 + y[i].end),
				      "round %d flow %d: %.12g vs reference %.12g",
				      round, i, x[i].end, y[i].end);
		ck_assert_uint_eq(st.completed, NF);
		ck_assert_uint_eq(st.active, 0);
	}
	gsl_rng_free(r);
}
END_TEST

START_TEST(network_rejects_bad_nics)
{
	sim_heap h;
	sim_heap_init(&h, 4);
	sim_net *net;
	io_err err = {0};
	sim_nic bad[2] = {{1, 1}, {0, 1}};
	ck_assert_int_eq(sim_net_new(&net, &h, 8, 2, bad, 0, 0, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "node 1"), "%s", err.msg);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(sim_net_new(&net, &h, 8, 1, bad, -1, 0, &err), IO_EINPUT);
	sim_heap_free(&h);
}
END_TEST

/* ---- engine -------------------------------------------------------------- */

static prof_profile *load_profile_text(const char *name, const char *text)
{
	prof_profile *p = NULL;
	io_err err = {0};
	ck_assert_msg(prof_load(&p, test_write(name, text), &err) == 0, "%s",
		      err.msg);
	return p;
}

typedef struct rows {
	sim_dag_job_row *r;
	uint32_t n;
} rows;

static void collect(void *ctx, const sim_dag_job_row *row)
{
	rows *rs = ctx;
	rs->r[row->job] = *row;
	rs->n++;
}

/* The example of Topcuoglu, Hariri & Wu (2002), Fig. 2 / Table 1, as in
 * ../shared/data/workflows/dax/HEFT_paper.xml: job i's cost on processor
 * Pk is W[i][k]; an edge's file is 125 x its communication cost in bytes,
 * so NICs of 125 B/s, latency 0 and no contention give the paper's costs
 * between distinct processors (0 on the same one). */
static const double heft_w[10][3] = {
	{14, 16, 9}, {13, 19, 18}, {11, 13, 19}, {13, 8, 17}, {12, 13, 10},
	{13, 16, 9}, {7, 15, 11},  {5, 11, 14},  {18, 12, 20}, {21, 7, 16}};
static const struct {
	int p, c;
	double cost;
} heft_e[15] = {{1, 2, 18}, {1, 3, 12}, {1, 4, 9},  {1, 5, 11}, {1, 6, 14},
		{2, 8, 19}, {2, 9, 16}, {3, 7, 23}, {4, 8, 27}, {4, 9, 23},
		{5, 9, 13}, {6, 8, 15}, {7, 10, 17}, {8, 10, 11}, {9, 10, 13}};

static prof_profile *heft_profile(void)
{
	char text[4096];
	size_t n = (size_t)snprintf(
		text, sizeof text,
		"{\"machine_types\": [{\"name\": \"P1\"}, {\"name\": \"P2\"}, "
		"{\"name\": \"P3\"}],\n \"task_types\": [");
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
				      "%s{\"name\": \"n%d\"}", i ? ", " : "", i + 1);
	n += (size_t)snprintf(text + n, sizeof text - n, "],\n \"exec\": [");
	for (int i = 0; i < 10; i++)
		for (int k = 0; k < 3; k++)
			n += (size_t)snprintf(text + n, sizeof text - n,
					      "%s{\"task\": \"n%d\", \"machine\": "
					      "\"P%d\", \"model\": \"constant\", "
					      "\"value\": %g}\n",
					      i || k ? ", " : "", i + 1, k + 1,
					      heft_w[i][k]);
	snprintf(text + n, sizeof text - n, "]}\n");
	return load_profile_text("heft.json", text);
}

/* The paper's DAG, its jobs numbered n1 first, or n10 first (reversed:
 * each child before its parents, so the job order is not topological). */
static wl_dag *heft_dag_numbered(int reversed)
{
	wl_dag *d = new_dag();
	char name[16];
	for (int k = 0; k < 10; k++) {
		int i = reversed ? 9 - k : k; /* job k is n(i + 1) */
		snprintf(name, sizeof name, "ID%05d", i + 1);
		add_job(d, name, (uint32_t)i);
	}
	for (int k = 0; k < 15; k++) {
		int p = heft_e[k].p - 1, c = heft_e[k].c - 1;
		link_file(d, (uint32_t)(reversed ? 9 - p : p),
			  (uint32_t)(reversed ? 9 - c : c), 125 * heft_e[k].cost);
	}
	io_err err = {0};
	ck_assert_msg(wl_dag_finalize(d, &err) == 0, "%s", err.msg);
	return d;
}

static wl_dag *heft_dag(void)
{
	return heft_dag_numbered(0);
}

/* A HEFT run of d on nm machines of one slot and NICs of bps B/s, machine
 * k of type k (typed) or 0. */
static sim_dag_config heft_run_config(const prof_profile *p, wl_dag *d,
				      sim_dag_machine *m, uint32_t nm,
				      int typed, double bps)
{
	for (uint32_t k = 0; k < nm; k++)
		m[k] = (sim_dag_machine){.type = typed ? k : 0, .slots = 1,
					 .up_bps = bps, .down_bps = bps};
	sim_dag_config c = SIM_DAG_CONFIG_DEFAULT;
	c.profile = p;
	c.dag = d;
	c.machines = m;
	c.n_machines = nm;
	c.policy = SIM_DAG_HEFT;
	return c;
}

/* A HEFT run of the paper: its three processors, NICs of 125 B/s (its
 * communication costs), no contention. */
static sim_dag_config heft_config(const prof_profile *p, wl_dag *d,
				  sim_dag_machine m[3])
{
	sim_dag_config c = heft_run_config(p, d, m, 3, 1, 125);
	c.contention_free = 1;
	return c;
}

static sim_dag_result run_dag(sim_dag_config *c, rows *rs)
{
	sim_dag_result r;
	io_err err = {0};
	c->on_job = rs ? collect : NULL;
	c->ctx = rs;
	if (rs) {
		rs->r = calloc(c->dag->n_jobs, sizeof *rs->r);
		rs->n = 0;
	}
	ck_assert_msg(sim_dag_run(c, &r, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(r.jobs_done, c->dag->n_jobs);
	return r;
}

START_TEST(heft_reproduces_the_papers_schedule_length_80)
{
	prof_profile *p = heft_profile();
	wl_dag *d = heft_dag();
	sim_dag_machine m[3];
	sim_dag_config c = heft_config(p, d, m);
	rows rs;
	sim_dag_result r = run_dag(&c, &rs);
	ck_assert_double_eq(r.makespan_s, 80);
	/* the paper's Fig. 4(a): processor, start, end of n1..n10 */
	static const double want[10][3] = {
		{2, 0, 9},   {0, 27, 40}, {2, 9, 28},  {1, 18, 26}, {2, 28, 38},
		{1, 26, 42}, {2, 38, 49}, {0, 57, 62}, {1, 56, 68}, {1, 73, 80}};
	for (int i = 0; i < 10; i++) {
		ck_assert_uint_eq(rs.r[i].machine, (uint32_t)want[i][0]);
		ck_assert_double_eq(rs.r[i].start_s, want[i][1]);
		ck_assert_double_eq(rs.r[i].end_s, want[i][2]);
	}
	/* every edge between distinct processors is one transfer */
	uint32_t remote = 0;
	double bytes = 0;
	for (int k = 0; k < 15; k++)
		if (rs.r[heft_e[k].p - 1].machine != rs.r[heft_e[k].c - 1].machine) {
			remote++;
			bytes += 125 * heft_e[k].cost;
		}
	ck_assert_uint_eq(r.transfers, remote);
	ck_assert_double_eq(r.bytes_transferred, bytes);
	ck_assert_uint_eq(r.local_reads, 15 - remote);
	ck_assert_double_eq(r.busy_s[0] + r.busy_s[1] + r.busy_s[2],
			    9 + 13 + 19 + 8 + 10 + 16 + 11 + 5 + 12 + 7);
	sim_dag_result_free(&r);
	free(rs.r);
	/* the same plan with the transfers sharing NICs max-min fairly can
	 * only end later; dynamic EFT is valid too */
	c.contention_free = 0;
	r = run_dag(&c, NULL);
	ck_assert(r.makespan_s >= 80);
	sim_dag_result_free(&r);
	c.policy = SIM_DAG_EFT;
	r = run_dag(&c, NULL);
	/* at least the critical path n1 n2 n9 n10 at its best costs */
	ck_assert(r.makespan_s >= 9 + 13 + 12 + 7);
	sim_dag_result_free(&r);
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

/* heft's upward ranks do not depend on how the jobs are numbered: with
 * each child numbered before its parents (the ranks then follow the DAG's
 * topological order, not the job order) every job gets the same machine
 * and times as in the paper's numbering. */
START_TEST(heft_ranks_jobs_numbered_children_first)
{
	prof_profile *p = heft_profile();
	wl_dag *d = heft_dag(), *r = heft_dag_numbered(1);
	sim_dag_machine m[3];
	sim_dag_config c = heft_config(p, d, m);
	rows a, b;
	sim_dag_result ra = run_dag(&c, &a);
	c.dag = r;
	sim_dag_result rb = run_dag(&c, &b);
	ck_assert_double_eq(ra.makespan_s, 80);
	ck_assert_double_eq(rb.makespan_s, ra.makespan_s);
	for (uint32_t i = 0; i < 10; i++) {
		ck_assert_uint_eq(b.r[9 - i].machine, a.r[i].machine);
		ck_assert_double_eq(b.r[9 - i].start_s, a.r[i].start_s);
		ck_assert_double_eq(b.r[9 - i].end_s, a.r[i].end_s);
	}
	sim_dag_result_free(&ra);
	sim_dag_result_free(&rb);
	free(a.r);
	free(b.r);
	wl_dag_free(d);
	wl_dag_free(r);
	prof_free(p);
}
END_TEST

/* Job j of the n ran on machine want[j][0] from want[j][1] to want[j][2]. */
static void assert_rows(const rows *rs, const double (*want)[3], int n)
{
	for (int j = 0; j < n; j++) {
		ck_assert_uint_eq(rs->r[j].machine, (uint32_t)want[j][0]);
		ck_assert_double_eq(rs->r[j].start_s, want[j][1]);
		ck_assert_double_eq(rs->r[j].end_s, want[j][2]);
	}
}

/* n independent jobs j0.. of task type 0 and works work[0..n). */
static wl_dag *works_dag(const double *work, uint32_t n)
{
	wl_dag *d = new_dag();
	io_err err = {0};
	for (uint32_t j = 0; j < n; j++) {
		char name[16];
		snprintf(name, sizeof name, "j%u", j);
		add_job(d, name, 0);
		ck_assert_int_eq(wl_dag_set_work(d, j, work[j], &err), 0);
	}
	ck_assert_int_eq(wl_dag_finalize(d, &err), 0);
	return d;
}

/* heft ranks and plans each job by its own expected time (work x its
 * type's mean), though jobs of one type and work share one computation,
 * on the slot of each machine that frees first: three independent jobs
 * of one type, works 1, 5, 2, on two like machines: 5 first (m0, tie:
 * lower index), then 2 (m1 [0,2]), then 1 (m1 [2,3]). */
START_TEST(heft_plans_jobs_of_one_type_by_their_work)
{
	prof_profile *p = load_profile_text(
		"w.json",
		"{\"machine_types\": [{\"name\": \"m\"}], \"task_types\": "
		"[{\"name\": \"t\"}], \"exec\": [{\"task\": \"t\", \"machine\": "
		"\"m\", \"model\": \"constant\", \"value\": 1}]}");
	static const double work[3] = {1, 5, 2};
	wl_dag *d = works_dag(work, 3);
	sim_dag_machine m[2];
	sim_dag_config c = heft_run_config(p, d, m, 2, 0, 100);
	rows rs;
	sim_dag_result r = run_dag(&c, &rs);
	static const double want[3][3] = {{1, 2, 3}, {0, 0, 5}, {1, 0, 2}};
	assert_rows(&rs, want, 3);
	ck_assert_double_eq(r.makespan_s, 5);
	sim_dag_result_free(&r);
	free(rs.r);
	/* m0 of two slots: 5 on m0 (tie), 2 on m0's other slot [0,2], 1 on
	 * m1 [0,1] (m0's first free slot frees at 2) */
	m[0].slots = 2;
	r = run_dag(&c, &rs);
	static const double want2[3][3] = {{1, 0, 1}, {0, 0, 5}, {0, 0, 2}};
	assert_rows(&rs, want2, 3);
	sim_dag_result_free(&r);
	free(rs.r);
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

/* heft's and eft's picks of the machine where a job finishes first pass
 * over the machines that cannot run it (no time for its type there:
 * infinite) wherever they stand, an odd number of them or more than 64 of
 * them (heft_pick and wf_eft_pick take two at a time and mark the least
 * in a 64-bit mask), and take the first of equal finishes: heft puts the
 * jobs of works 1, 5, 2 where heft_plans_jobs_of_one_type_by_their_work
 * does on two like machines, here the only two that can run them; eft
 * maps them in job order as they come, all at 0: 1 on the first of the
 * two (a tie), 5 on the second, 2 after 1 on the first. */
START_TEST(heft_and_eft_pass_over_machines_that_cannot_run_a_job)
{
	prof_profile *p = load_profile_text(
		"w.json",
		"{\"machine_types\": [{\"name\": \"m\"}, {\"name\": \"x\"}], "
		"\"task_types\": [{\"name\": \"t\"}], \"exec\": [{\"task\": "
		"\"t\", \"machine\": \"m\", \"model\": \"constant\", "
		"\"value\": 1}]}");
	static const double work[3] = {1, 5, 2};
	wl_dag *d = works_dag(work, 3);
	enum { MAX_M = 67 };
	sim_dag_machine m[MAX_M];
	/* the two that can run t: m1 and m3 of five, m65 and m66 of 67 */
	static const uint32_t nms[2] = {5, MAX_M}, can[2][2] = {{1, 3}, {65, 66}};
	for (int v = 0; v < 4; v++) {
		uint32_t nm = nms[v % 2];
		const uint32_t *two = can[v % 2];
		sim_dag_config c = heft_run_config(p, d, m, nm, 0, 100);
		c.policy = v < 2 ? SIM_DAG_HEFT : SIM_DAG_EFT;
		for (uint32_t k = 0; k < nm; k++)
			m[k].type = k == two[0] || k == two[1] ? 0 : 1;
		rows rs;
		sim_dag_result r = run_dag(&c, &rs);
		const double heft[3][3] = {{two[1], 2, 3}, {two[0], 0, 5},
					   {two[1], 0, 2}},
			     eft[3][3] = {{two[0], 0, 1}, {two[1], 0, 5},
					  {two[0], 1, 3}};
		assert_rows(&rs, v < 2 ? heft : eft, 3);
		ck_assert_double_eq(r.makespan_s, 5);
		sim_dag_result_free(&r);
		free(rs.r);
	}
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

/* heft sorts its ranks in two halves side by side where it may use two
 * processors (sim/base/thread.h, HETSIM_CPUS), merging them with the
 * first half's first on a tie: the plan is the one of a single sort.
 * 70,000 independent jobs (past the size it splits at) of works 1, 2 and
 * 3 in turn, one type of time 1, three like machines: ties everywhere,
 * across the halves. Each job's machine and times match; the first three
 * planned, the lowest-numbered jobs of work 3, start at 0 on m0, m1, m2. */
START_TEST(heft_plans_the_same_on_one_processor_and_two)
{
	prof_profile *p = load_profile_text(
		"w.json",
		"{\"machine_types\": [{\"name\": \"m\"}], \"task_types\": "
		"[{\"name\": \"t\"}], \"exec\": [{\"task\": \"t\", \"machine\": "
		"\"m\", \"model\": \"constant\", \"value\": 1}]}");
	enum { N = 70000 };
	double *work = malloc(N * sizeof *work);
	ck_assert_ptr_nonnull(work);
	for (uint32_t j = 0; j < N; j++)
		work[j] = 1 + (j * 7919u) % 3;
	wl_dag *d = works_dag(work, N);
	free(work);
	sim_dag_machine m[3];
	sim_dag_config c = heft_run_config(p, d, m, 3, 0, 100);
	rows one, two;
	setenv("HETSIM_CPUS", "1", 1);
	sim_dag_result r1 = run_dag(&c, &one);
	setenv("HETSIM_CPUS", "2", 1);
	sim_dag_result r2 = run_dag(&c, &two);
	unsetenv("HETSIM_CPUS");
	for (uint32_t j = 0; j < N; j++) {
		ck_assert_uint_eq(two.r[j].machine, one.r[j].machine);
		ck_assert_double_eq(two.r[j].start_s, one.r[j].start_s);
		ck_assert_double_eq(two.r[j].end_s, one.r[j].end_s);
	}
	ck_assert_double_eq(r2.makespan_s, r1.makespan_s);
	uint32_t first = 0; /* jobs 0, 1, 2 have works 1, 3, 2; 4: 3 */
	for (uint32_t j = 0; j < N && first < 3; j++)
		if (1 + (j * 7919u) % 3 == 3) {
			ck_assert_uint_eq(one.r[j].machine, first);
			ck_assert_double_eq(one.r[j].start_s, 0);
			first++;
		}
	sim_dag_result_free(&r1);
	sim_dag_result_free(&r2);
	free(one.r);
	free(two.r);
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

static const char lognormal_profile[] =
	"{\"machine_types\": [{\"name\": \"fast\", \"nic_gbps\": 8e-7},"
	" {\"name\": \"slow\", \"slots\": 2, \"nic_gbps\": 8e-7}],\n"
	" \"task_types\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n"
	" \"exec\": [\n"
	"  {\"task\": \"a\", \"machine\": \"fast\", \"model\": \"lognormal\", \"mu\": 0, \"sigma\": 0.5},\n"
	"  {\"task\": \"a\", \"machine\": \"slow\", \"model\": \"lognormal\", \"mu\": 0.5, \"sigma\": 0.5},\n"
	"  {\"task\": \"b\", \"machine\": \"fast\", \"model\": \"gamma\", \"shape\": 2, \"scale\": 0.5},\n"
	"  {\"task\": \"b\", \"machine\": \"slow\", \"model\": \"uniform\", \"min\": 1, \"max\": 3}]}\n";

START_TEST(chain_on_one_machine_takes_the_sum_of_its_times)
{
	prof_profile *p = load_profile_text("logn.json", lognormal_profile);
	wl_dag_gen g = WL_DAG_GEN_DEFAULT;
	g.shape = WL_DAG_CHAIN;
	g.jobs = 50;
	g.n_types = 2;
	wl_dag *d = generate(&g);
	sim_dag_machine m = {.type = 0, .slots = 1};
	sim_dag_config c = SIM_DAG_CONFIG_DEFAULT;
	c.profile = p;
	c.dag = d;
	c.machines = &m;
	c.n_machines = 1;
	c.seed = 99;
	double sum = 0;
	for (uint32_t j = 0; j < 50; j++)
		sum += prof_sample(p, j % 2, 0, sim_task_uniform(99, j));
	for (int pol = 0; pol < 2; pol++) {
		c.policy = pol ? SIM_DAG_HEFT : SIM_DAG_EFT;
		sim_dag_result r = run_dag(&c, NULL);
		ck_assert_double_eq(r.makespan_s, sum);
		ck_assert_double_eq(r.busy_s[0], sum);
		ck_assert_uint_eq(r.transfers, 0);
		ck_assert_uint_eq(r.local_reads, 49);
		/* one job at a time: one job's state at a time */
		ck_assert_uint_eq(r.peak_records, 1);
		sim_dag_result_free(&r);
	}
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

/* A DAG job's time is its work x its type's draw on its machine's type for
 * its uniform (the run's seed and the job), whether the run draws it at
 * the job's start or a second processor worked out its normal quantile
 * (and, for heft, the whole draw on the planned machine) ahead
 * (sim/engine.c, wf_z): 12,000 independent jobs (past the size from which
 * it does), works 1 to 2.5, types a (lognormal on both machine types) and
 * b (gamma and uniform: drawn at the start either way), on two fast
 * machines and a slow one of two slots; heft and eft, on one processor
 * and on two. */
/* n independent jobs of types b (every third) and a, works 1 to 2.5, but
 * job huge's (if < n): 1e30, too long to draw. */
static wl_dag *draws_dag(uint32_t n, uint32_t huge)
{
	wl_dag *d = new_dag();
	io_err err = {0};
	for (uint32_t j = 0; j < n; j++) {
		char name[16];
		snprintf(name, sizeof name, "j%u", j);
		add_job(d, name, j % 3 == 0);
		double work = j == huge ? 1e30 : 1 + 0.5 * (j % 4);
		ck_assert_int_eq(wl_dag_set_work(d, j, work, &err), 0);
	}
	ck_assert_int_eq(wl_dag_finalize(d, &err), 0);
	return d;
}

START_TEST(dag_jobs_take_their_draws_on_one_processor_and_two)
{
	prof_profile *p = load_profile_text("logn.json", lognormal_profile);
	enum { N = 12000 };
	wl_dag *d = draws_dag(N, UINT32_MAX);
	sim_dag_machine m[3];
	sim_dag_config c = heft_run_config(p, d, m, 3, 0, 1);
	m[2].type = 1;
	m[2].slots = 2;
	c.seed = 7;
	for (int v = 0; v < 4; v++) {
		c.policy = v < 2 ? SIM_DAG_HEFT : SIM_DAG_EFT;
		setenv("HETSIM_CPUS", v % 2 ? "2" : "1", 1);
		rows rs;
		sim_dag_result r = run_dag(&c, &rs);
		uint32_t on_slow = 0;
		for (uint32_t j = 0; j < N; j++) {
			uint32_t mt = m[rs.r[j].machine].type;
			double x = (1 + 0.5 * (j % 4)) *
				   prof_sample(p, j % 3 == 0, mt, sim_task_uniform(7, j));
			ck_assert_double_eq(rs.r[j].end_s, rs.r[j].start_s + x);
			on_slow += mt == 1;
		}
		ck_assert_uint_gt(on_slow, N / 10); /* both types of machine */
		sim_dag_result_free(&r);
		free(rs.r);
	}
	/* a draw beyond the limit, in the middle of the jobs drawn ahead:
	 * the run stops there with its error (and its second processor) */
	wl_dag_free(d);
	c.dag = d = draws_dag(N, 11000);
	c.on_job = NULL;
	for (int v = 0; v < 4; v++) {
		c.policy = v < 2 ? SIM_DAG_HEFT : SIM_DAG_EFT;
		setenv("HETSIM_CPUS", v % 2 ? "2" : "1", 1);
		sim_dag_result r;
		io_err err = {0};
		ck_assert_int_ne(sim_dag_run(&c, &r, &err), 0);
		ck_assert_msg(strstr(err.msg, "task 11000") &&
				      strstr(err.msg, "beyond the limit"),
			      "%s", err.msg);
	}
	unsetenv("HETSIM_CPUS");
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

START_TEST(fork_join_by_hand_with_transfers)
{
	/* two 1-slot machines, NICs 100 B/s, latency 0. F (1 s) writes 100
	 * bytes read by b1 and b2 (4 s each), which write 50 bytes each for J
	 * (1 s). EFT: F on m0 [0,1]; b1 on m0 [1,5] (local); b2: m0 would
	 * finish at 9, m1 at 1 + 100/100 + 4 = 6 -> m1 [2,6]; J: either
	 * machine gets 50 bytes at 6.5 -> tie -> m0 [6.5,7.5]. */
	prof_profile *p = load_profile_text(
		"fj.json",
		"{\"machine_types\": [{\"name\": \"m\"}], \"task_types\": "
		"[{\"name\": \"t\"}], \"exec\": [{\"task\": \"t\", \"machine\": "
		"\"m\", \"model\": \"constant\", \"value\": 1}]}");
	wl_dag *d = new_dag();
	uint32_t F = add_job(d, "F", 0), b1 = add_job(d, "b1", 0),
		 b2 = add_job(d, "b2", 0), J = add_job(d, "J", 0);
	io_err err = {0};
	uint32_t f = add_file(d, "f", 100);
	wl_dag_add_output(d, F, f, &err);
	wl_dag_add_input(d, b1, f, &err);
	wl_dag_add_input(d, b2, f, &err);
	link_file(d, b1, J, 50);
	link_file(d, b2, J, 50);
	wl_dag_set_work(d, b1, 4, &err);
	wl_dag_set_runtime(d, b2, 4, &err);
	ck_assert_int_eq(wl_dag_finalize(d, &err), 0);
	sim_dag_machine m[2] = {{.type = 0, .slots = 1, .up_bps = 100, .down_bps = 100},
				{.type = 0, .slots = 1, .up_bps = 100, .down_bps = 100}};
	sim_dag_config c = SIM_DAG_CONFIG_DEFAULT;
	c.profile = p;
	c.dag = d;
	c.machines = m;
	c.n_machines = 2;
	char csv[600];
	snprintf(csv, sizeof csv, "%s/fj_jobs.csv.gz", test_tmpdir());
	c.jobs_csv = csv;
	rows rs;
	sim_dag_result r = run_dag(&c, &rs);
	ck_assert_double_eq(r.makespan_s, 7.5);
	ck_assert_uint_eq(rs.r[F].machine, 0);
	ck_assert_uint_eq(rs.r[b1].machine, 0);
	ck_assert_uint_eq(rs.r[b2].machine, 1);
	ck_assert_uint_eq(rs.r[J].machine, 0);
	ck_assert_double_eq(rs.r[b2].ready_s, 1);
	ck_assert_double_eq(rs.r[b2].start_s, 2);
	ck_assert_double_eq(rs.r[J].ready_s, 6);
	ck_assert_double_eq(rs.r[J].start_s, 6.5);
	ck_assert_uint_eq(r.transfers, 2);
	ck_assert_double_eq(r.bytes_transferred, 150);
	ck_assert_double_eq(r.busy_s[0], 6);
	ck_assert_double_eq(r.busy_s[1], 4);
	ck_assert_uint_eq(r.jobs_on[0], 3);
	sim_dag_result_free(&r);
	free(rs.r);
	/* the CSV (jobs.csv.gz of wfspec.md) has a header and a row per job,
	 * in the order their post delays (here 0) end */
	io_lines *lr;
	ck_assert_int_eq(io_lines_open(&lr, csv, &err), 0);
	char *line;
	size_t len;
	int n = 0;
	const char *want[] = {
		"job,name,task_type,class,machine,machine_type,ready_s,submit_s,"
		"start_s,stage_in_start_s,stage_in_end_s,compute_start_s,"
		"compute_end_s,stage_out_start_s,stage_out_end_s,end_s,post_end_s",
		"0,F,t,compute,0,m,0.000000,0.000000,0.000000,,,0.000000,1.000000,,,"
		"1.000000,1.000000",
		"1,b1,t,compute,0,m,1.000000,1.000000,1.000000,,,1.000000,5.000000,,,"
		"5.000000,5.000000",
		/* b2 holds machine 1 from 1 while f arrives (stage-in) */
		"2,b2,t,compute,1,m,1.000000,1.000000,1.000000,1.000000,2.000000,"
		"2.000000,6.000000,,,6.000000,6.000000",
		"3,J,t,compute,0,m,6.000000,6.000000,6.000000,6.000000,6.500000,"
		"6.500000,7.500000,,,7.500000,7.500000"};
	while (io_lines_next(lr, &line, &len, &err) == 1) {
		ck_assert_int_lt(n, 5);
		ck_assert_str_eq(line, want[n]);
		n++;
	}
	ck_assert_int_eq(n, 5);
	io_lines_close(lr);
	/* stage-in: F's initial input of 100 bytes from a 50 B/s storage node
	 * with latency 0.25 arrives at 2.25; everything shifts by it (plus
	 * the latency of the later transfers) */
	uint32_t raw;
	wl_dag *d2 = new_dag();
	uint32_t only = add_job(d2, "only", 0);
	raw = add_file(d2, "raw", 100);
	wl_dag_add_input(d2, only, raw, &err);
	ck_assert_int_eq(wl_dag_finalize(d2, &err), 0);
	c.dag = d2;
	c.jobs_csv = NULL;
	c.storage_bps = 50;
	c.latency_s = 0.25;
	r = run_dag(&c, &rs);
	ck_assert_double_eq(rs.r[only].start_s, 2.25);
	ck_assert_double_eq(r.makespan_s, 3.25);
	ck_assert_double_eq(r.bytes_transferred, 100);
	sim_dag_result_free(&r);
	free(rs.r);
	wl_dag_free(d2);
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

/* A layered run with transfers: precedence, data arrival, slot limits. */
static void check_run(const wl_dag *d, const rows *rs, const sim_dag_machine *m,
		      double latency)
{
	for (uint32_t j = 0; j < d->n_jobs; j++) {
		const sim_dag_job_row *r = &rs->r[j];
		tck_assert(r->start_s >= r->ready_s && r->end_s >= r->start_s);
		for (uint32_t k = d->par_off[j]; k < d->par_off[j + 1]; k++) {
			const sim_dag_job_row *pr = &rs->r[d->par[k]];
			tck_assert(r->ready_s >= pr->end_s);
		}
		for (uint32_t i = d->in_off[j]; i < d->in_off[j + 1]; i++) {
			uint32_t f = d->in_file[i], p = d->file_producer[f];
			if (p == WL_NONE || rs->r[p].machine == r->machine)
				continue;
			double bw = m[rs->r[p].machine].up_bps;
			if (m[r->machine].down_bps < bw)
				bw = m[r->machine].down_bps;
			tck_assert(r->start_s >= rs->r[p].end_s + latency +
						       d->file_size[f] / bw * (1 - 1e-9));
		}
	}
	/* at no time more jobs on a machine than its slots: sweep the starts
	 * and ends of each machine */
	for (uint32_t mi = 0; mi < 4; mi++) {
		int running = 0;
		for (uint32_t j = 0; j < d->n_jobs; j++) {
			if (rs->r[j].machine != mi)
				continue;
			running = 0;
			for (uint32_t k = 0; k < d->n_jobs; k++)
				if (rs->r[k].machine == mi &&
				    rs->r[k].start_s <= rs->r[j].start_s &&
				    rs->r[k].end_s > rs->r[j].start_s)
					running++;
			ck_assert_int_le(running, (int)m[mi].slots);
		}
	}
}

START_TEST(layered_runs_are_valid_and_deterministic)
{
	prof_profile *p = load_profile_text("logn2.json", lognormal_profile);
	wl_dag *d = generate_small(1500, 30, 4);
	sim_dag_machine m[4] = {{.type = 0, .slots = 1}, {.type = 0, .slots = 2},
				{.type = 1}, {.type = 1, .slots = 3}};
	for (int k = 0; k < 4; k++)
		m[k].up_bps = m[k].down_bps = 100;
	m[2].up_bps = m[2].down_bps = 0; /* from nic_gbps: 100 B/s */
	sim_dag_config c = SIM_DAG_CONFIG_DEFAULT;
	c.profile = p;
	c.dag = d;
	c.machines = m;
	c.n_machines = 4;
	c.latency_s = 0.01;
	c.storage_bps = 200;
	c.seed = 5;
	for (int pol = 0; pol < 2; pol++) {
		c.policy = pol ? SIM_DAG_HEFT : SIM_DAG_EFT;
		rows rs, rs2;
		sim_dag_result r = run_dag(&c, &rs);
		sim_dag_machine used[4];
		memcpy(used, m, sizeof used);
		used[2].slots = 2; /* the type's, as its NIC */
		used[2].up_bps = used[2].down_bps = 100;
		check_run(d, &rs, used, c.latency_s);
		ck_assert(r.transfers > 100);
		ck_assert_uint_eq(r.transfers + r.local_reads, d->in_off[d->n_jobs]);
		/* a job's state lives while it is in flight: under eft (no
		 * WMS delays) from its mapping, at ready, to its end, as its
		 * task; heft opens it earlier, with the first file pushed to
		 * it. Either way a few levels of the DAG, not all of it */
		if (pol == 0)
			ck_assert_uint_eq(r.peak_records, r.peak_in_flight);
		else
			ck_assert_uint_ge(r.peak_records, r.peak_in_flight);
		ck_assert_uint_lt(r.peak_records, d->n_jobs / 4);
		double busy = 0;
		for (uint32_t j = 0; j < d->n_jobs; j++)
			busy += rs.r[j].end_s - rs.r[j].start_s;
		ck_assert(NEAR(busy, r.busy_s[0] + r.busy_s[1] + r.busy_s[2] +
					     r.busy_s[3]));
		/* same seed: same bytes; another seed: another run */
		sim_dag_result r2 = run_dag(&c, &rs2);
		ck_assert_mem_eq(&r2.makespan_s, &r.makespan_s, sizeof(double));
		ck_assert_mem_eq(rs2.r, rs.r, d->n_jobs * sizeof *rs.r);
		ck_assert_uint_eq(r2.events, r.events);
		sim_dag_result_free(&r2);
		c.seed = 6;
		r2 = run_dag(&c, NULL);
		ck_assert(r2.makespan_s != r.makespan_s);
		c.seed = 5;
		sim_dag_result_free(&r2);
		sim_dag_result_free(&r);
		free(rs.r);
		free(rs2.r);
	}
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

/* eft and heft time a job's inputs once per job when every machine's
 * downlink is as fast (the latest arrival, and the latest from another
 * source for the machine that source is), and machine by machine when
 * they differ. Downlinks far faster than every uplink never bind: the
 * transfers and the choices are the same either way, so one set of equal
 * downlinks and one of unequal ones must give the same rows, bit for
 * bit, with machines whose local inputs are the latest to arrive. */
START_TEST(equal_downlinks_choose_as_machine_by_machine)
{
	prof_profile *p = load_profile_text("logn3.json", lognormal_profile);
	wl_dag *d = generate_small(3000, 12, 6);
	static const double up[5] = {40, 100, 70, 150, 55};
	sim_dag_machine same[5], differ[5];
	for (uint32_t k = 0; k < 5; k++) {
		same[k] = (sim_dag_machine){.type = k % 2, .slots = 1 + k % 2,
					    .up_bps = up[k], .down_bps = 1e9};
		differ[k] = same[k];
		differ[k].down_bps = 1e9 + 1e3 * k;
	}
	sim_dag_config c = SIM_DAG_CONFIG_DEFAULT;
	c.profile = p;
	c.dag = d;
	c.n_machines = 5;
	c.latency_s = 0.01;
	c.storage_bps = 200;
	c.seed = 3;
	for (int k = 0; k < 4; k++) {
		c.policy = k % 2 ? SIM_DAG_HEFT : SIM_DAG_EFT;
		c.contention_free = k / 2;
		rows a, b;
		c.machines = same;
		sim_dag_result ra = run_dag(&c, &a);
		c.machines = differ;
		sim_dag_result rb = run_dag(&c, &b);
		ck_assert_msg(ra.transfers > 500, "case %d", k);
		ck_assert_msg(ra.makespan_s == rb.makespan_s, "case %d: %.17g vs %.17g",
			      k, ra.makespan_s, rb.makespan_s);
		ck_assert_mem_eq(a.r, b.r, d->n_jobs * sizeof *a.r);
		sim_dag_result_free(&ra);
		sim_dag_result_free(&rb);
		free(a.r);
		free(b.r);
	}
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

/* The phase times of jobs.csv.gz are kept apart from the ones the run
 * reads back (and only when the file is written): a run writing it makes
 * the same schedule, busy times and callback rows as one without, and
 * its rows' machine, ready_s, compute_start_s and end_s are the
 * callback's. */
START_TEST(jobs_csv_rows_agree_with_the_run_without_them)
{
	prof_profile *p = load_profile_text("logn2.json", lognormal_profile);
	wl_dag *d = generate_small(600, 20, 3);
	sim_dag_machine m[3] = {{.type = 0, .slots = 2}, {.type = 1, .slots = 1},
				{.type = 1, .slots = 2}};
	for (int k = 0; k < 3; k++)
		m[k].up_bps = m[k].down_bps = 100;
	sim_dag_config c = SIM_DAG_CONFIG_DEFAULT;
	c.profile = p;
	c.dag = d;
	c.machines = m;
	c.n_machines = 3;
	c.latency_s = 0.01;
	c.storage_bps = 200;
	c.seed = 3;
	char csv[600];
	snprintf(csv, sizeof csv, "%s/agree_jobs.csv.gz", test_tmpdir());
	for (int pol = 0; pol < 2; pol++) {
		c.policy = pol ? SIM_DAG_HEFT : SIM_DAG_EFT;
		rows with, without;
		c.jobs_csv = csv;
		sim_dag_result r = run_dag(&c, &with);
		c.jobs_csv = NULL;
		sim_dag_result r2 = run_dag(&c, &without);
		ck_assert_mem_eq(without.r, with.r, d->n_jobs * sizeof *with.r);
		ck_assert_mem_eq(&r2.makespan_s, &r.makespan_s, sizeof(double));
		ck_assert_mem_eq(r2.busy_s, r.busy_s, 3 * sizeof *r.busy_s);
		ck_assert_uint_eq(r2.events, r.events);
		io_lines *lr;
		io_err err = {0};
		ck_assert_int_eq(io_lines_open(&lr, csv, &err), 0);
		char *line;
		size_t len;
		uint32_t n = 0;
		while (io_lines_next(lr, &line, &len, &err) == 1) {
			if (n++ == 0)
				continue; /* the header */
			char *f[17];
			int nf = 0;
			/* strsep keeps the empty fields */
			for (char *q = line; nf < 17 && (f[nf] = strsep(&q, ",")); nf++)
				;
			tck_int_eq(nf, 17);
			uint32_t j = (uint32_t)strtoul(f[0], NULL, 10);
			tck_uint_lt(j, d->n_jobs);
			const sim_dag_job_row *w = &with.r[j];
			tck_uint_eq(strtoul(f[4], NULL, 10), w->machine);
			tck_assert(fabs(strtod(f[6], NULL) - w->ready_s) <= 1e-6);
			tck_assert(fabs(strtod(f[11], NULL) - w->start_s) <= 1e-6);
			tck_assert(fabs(strtod(f[15], NULL) - w->end_s) <= 1e-6);
		}
		ck_assert_uint_eq(n, d->n_jobs + 1);
		io_lines_close(lr);
		sim_dag_result_free(&r);
		sim_dag_result_free(&r2);
		free(with.r);
		free(without.r);
	}
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

START_TEST(engine_rejects_bad_configurations)
{
	prof_profile *p = load_profile_text(
		"bad.json",
		"{\"machine_types\": [{\"name\": \"cpu\"}, {\"name\": \"gpu\"}],"
		" \"task_types\": [{\"name\": \"t\"}, {\"name\": \"g\"}], \"exec\": ["
		"{\"task\": \"t\", \"machine\": \"cpu\", \"model\": \"constant\", \"value\": 1},"
		"{\"task\": \"g\", \"machine\": \"gpu\", \"model\": \"constant\", \"value\": 1}]}");
	wl_dag *d = new_dag();
	add_job(d, "gpu-only", 1);
	io_err err = {0};
	sim_dag_machine m = {.type = 0, .slots = 1, .up_bps = 1, .down_bps = 1};
	sim_dag_config c = SIM_DAG_CONFIG_DEFAULT;
	c.profile = p;
	c.dag = d;
	c.machines = &m;
	c.n_machines = 1;
	sim_dag_result r;
	ck_assert_int_eq(sim_dag_run(&c, &r, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "not finalized"), "%s", err.msg);
	ck_assert_int_eq(wl_dag_finalize(d, &err), 0);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(sim_dag_run(&c, &r, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "job 'gpu-only' (task type 'g') can run on none"),
		      "%s", err.msg);
	m.type = 1;
	m.up_bps = 0;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(sim_dag_run(&c, &r, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "no NIC bandwidth"), "%s", err.msg);
	m.up_bps = 1;
	m.type = 7;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(sim_dag_run(&c, &r, &err), IO_EINPUT);
	m.type = 1;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(sim_dag_run(&c, &r, &err), 0);
	ck_assert_double_eq(r.makespan_s, 1);
	sim_dag_result_free(&r);
	/* an empty workflow takes no time */
	wl_dag_gen g = WL_DAG_GEN_DEFAULT;
	g.shape = WL_DAG_CHAIN;
	g.jobs = 0;
	wl_dag *empty = generate(&g);
	ck_assert_uint_eq(empty->n_jobs, 0);
	c.dag = empty;
	for (int pol = 0; pol < 2; pol++) {
		c.policy = pol ? SIM_DAG_HEFT : SIM_DAG_EFT;
		ck_assert_int_eq(sim_dag_run(&c, &r, &err), 0);
		ck_assert_double_eq(r.makespan_s, 0);
		ck_assert_uint_eq(r.jobs_done, 0);
		sim_dag_result_free(&r);
	}
	wl_dag_free(empty);
	ck_assert_int_eq(sim_dag_policy_from_name("heft"), SIM_DAG_HEFT);
	ck_assert_str_eq(sim_dag_policy_name(SIM_DAG_EFT), "eft");
	wl_dag_free(d);
	prof_free(p);
}
END_TEST

Suite *suite_dag(void)
{
	Suite *s = suite_create("dag");
	TCase *tc = tcase_create("structure");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, files_imply_edges_explicit_parents_merge_and_dedup);
	tcase_add_test(tc, cycle_is_an_error_naming_its_jobs);
	tcase_add_test(tc, unknown_references_and_bad_values_are_errors);
	tcase_add_test(tc, names_survive_growth_and_lookup);
	tcase_add_test(tc, layered_generator_respects_levels_and_fan_in_out);
	tcase_add_test(tc, classic_shapes_have_their_counts);
	suite_add_tcase(s, tc);
	tc = tcase_create("network");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, two_flows_sharing_an_uplink_get_half_each);
	tcase_add_test(tc, flow_bottlenecked_elsewhere_frees_bandwidth_classic_max_min);
	tcase_add_test(tc, latency_same_pair_and_independent_components);
	tcase_add_test(tc, random_flows_match_brute_force_max_min);
	tcase_add_test(tc, network_rejects_bad_nics);
	suite_add_tcase(s, tc);
	tc = tcase_create("engine");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, heft_reproduces_the_papers_schedule_length_80);
	tcase_add_test(tc, heft_ranks_jobs_numbered_children_first);
	tcase_add_test(tc, heft_plans_jobs_of_one_type_by_their_work);
	tcase_add_test(tc, heft_and_eft_pass_over_machines_that_cannot_run_a_job);
	tcase_add_test(tc, heft_plans_the_same_on_one_processor_and_two);
	tcase_add_test(tc, dag_jobs_take_their_draws_on_one_processor_and_two);
	tcase_add_test(tc, chain_on_one_machine_takes_the_sum_of_its_times);
	tcase_add_test(tc, fork_join_by_hand_with_transfers);
	tcase_add_test(tc, layered_runs_are_valid_and_deterministic);
	tcase_add_test(tc, equal_downlinks_choose_as_machine_by_machine);
	tcase_add_test(tc, jobs_csv_rows_agree_with_the_run_without_them);
	tcase_add_test(tc, engine_rejects_bad_configurations);
	suite_add_tcase(s, tc);
	return s;
}
