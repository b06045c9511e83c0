/*
 * real/infer.c — `hetsim calibrate inference` (flags in
 * sim/cli/calibrate.c): forward inference of zoo models (real/nn/zoo.h) on
 * this machine, on the oneDNN backend, timed.
 *
 *   hetsim calibrate inference [--models LIST] [--batch B,..] [--threads
 *        T,..] [--runs N] [--warmup W] [--budget-s S] [--seed S]
 *        [--per-layer] [--out DIR] [--quiet]
 *
 * For each model x batch size x thread count (in that order): build the
 * model, draw its weights from the seed, fill the inputs with seeded
 * uniform values in [-1, 1), run W unrecorded forward passes (default 1:
 * oneDNN creates and caches its primitives on the first), then N timed
 * ones (default 10), wall clock (CLOCK_MONOTONIC) around nn_model_forward.
 * With --per-layer, N more passes follow with every layer's step timed
 * (nn_model_forward_timed): the per-layer times come from passes of their
 * own, so the end-to-end samples are those of an untimed pass. A time
 * budget (--budget-s, default none) stops starting new runs once spent;
 * configurations not reached are left out of the files (stderr says how
 * many). Defaults: the five small models, batch 1, 1 thread, --out
 * out/calibrate-inference, seed 1.
 *
 * Writes into DIR, each file atomically:
 *   samples.csv   model,batch,threads,run,wall_s,gflop (one row per timed
 *                 run; gflop: the forward FLOPs of the batch, nn.h)
 *   profile.json  machine type "local" (vcpu, mem_gib; CPU model in its
 *                 source); one task type per model x batch x threads
 *                 ("resnet50_b1_t2", kind "inference") with the family
 *                 fitted to its run times that is best by AIC
 *                 (profiles/fit.h), or the samples when none fits.
 * and with --per-layer:
 *   layer_samples.csv  model,batch,threads,run,layer,time_s: one row per
 *                 layer per per-layer pass (layer: its index in the graph)
 *   layers.csv    model,batch,threads, then the layer graph's columns
 *                 (real/nn/layers.h: layer,name,type,inputs,shape,flops,
 *                 macs,params,param_bytes,act_bytes, all per sample), then
 *                 fused_into (the layer whose operation computes this one:
 *                 a ReLU fused into its conv, a batch norm folded into it;
 *                 else itself), time_s (median over the passes, for the
 *                 batch) and gflop_per_s (batch x the FLOPs of the layer
 *                 and of those fused into it / time_s / 1e9; empty for a
 *                 layer computed by another or without FLOPs)
 *   layers.json   {"format": "hetsim-layer-times", "version": 1, "source":
 *                 .., "configs": [{"model", "batch", "threads", "runs",
 *                 "end_to_end_s" (median of the untimed passes),
 *                 "sum_layers_s" (sum of the per-layer medians), "ratio"
 *                 (the two's quotient), "flops_per_s" (per layer type, by
 *                 the type of the computing layer, and "all": batch x
 *                 FLOPs / seconds summed over the layers, for estimating
 *                 an unmeasured layer as FLOPs / throughput), "graph" (the
 *                 layer graph document of real/nn/layers.h, each layer with
 *                 fused_into, time_s and flops_per_s added)}]}
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "real/infer.h"
#include "profiles/fit.h"
#include "profiles/fit_table.h"
#include "real/nn/layers.h"
#include "real/nn/zoo.h"
#include "sim/base/out.h"
#include "sim/base/rng.h"
#include "sim/base/clock.h"

typedef struct config {
	const char *model;
	int64_t batch;
	int threads;
	double gflop;
	int done;      /* timed runs made */
	double *wall_s;
	/* --per-layer */
	int n_layers, layer_done; /* layers; per-layer passes made */
	double *layer_s;          /* [layer_done x n_layers] */
	json_t *layers;           /* layers.json's entry */
	sim_text layer_rows;      /* layers.csv's rows */
	double sum_layers_s, end_to_end_s;
} config;

/* The machine's facts for the profile's source notes. */
static void machine_facts(char *cpu, size_t cap, long *cores, double *mem_gib)
{
	snprintf(cpu, cap, "unknown CPU");
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "model name", 10)) {
			const char *v = strchr(line, ':');
			if (v) {
				v += 1 + strspn(v + 1, " \t");
				snprintf(cpu, cap, "%.*s", (int)strcspn(v, "\n"), v);
			}
			break;
		}
	if (f)
		fclose(f);
	*cores = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	*mem_gib = pages > 0 && page > 0 ? (double)pages * (double)page / 1073741824.0 : NAN;
}

static void progress(const real_inf_args *a, const config *c, int k, int n,
		     double el)
{
	if (a->quiet)
		return;
	int width = 30, fill = n ? k * width / n : width;
	fprintf(stderr, "\r[%.*s%*s] %d/%d %-12s b%-4lld t%-3d %6.1f s", fill,
		"##############################", width - fill, "", k, n, c->model,
		(long long)c->batch, c->threads, el);
	if (k == n)
		fputc('\n', stderr);
	fflush(stderr);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

/* The median of x[0], x[stride], ... (n values; n >= 1), in tmp[n]. */
static double median(const double *x, int n, int stride, double *tmp)
{
	for (int i = 0; i < n; i++)
		tmp[i] = x[(size_t)i * (size_t)stride];
	qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* Add value v (seconds or FLOPs) to the member key of o. */
static void json_add(json_t *o, const char *key, double v)
{
	json_t *old = json_object_get(o, key);
	json_object_set_new(o, key, json_real((old ? json_real_value(old) : 0) + v));
}

/* The per-layer results of c (m prepared, its passes in c->layer_s):
 * medians, the layer rows of layers.csv and the entry of layers.json. */
static int layer_results(config *c, nn_model *m, io_err *err)
{
	int L = c->n_layers, n = c->layer_done;
	double *med = calloc((size_t)L, sizeof *med);
	double *group = calloc((size_t)L, sizeof *group); /* FLOPs computed */
	double *tmp = malloc((size_t)(n > c->done ? n : c->done) * sizeof *tmp);
	json_t *graph = nn_layers_json(m), *entry = NULL;
	json_t *flops = json_object(), *secs = json_object();
	int rc = 0;
	if (!med || !group || !tmp || !graph || !flops || !secs) {
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	double b = (double)c->batch, sum = 0;
	for (int i = 0; i < L; i++) {
		med[i] = median(c->layer_s + i, n, L, tmp);
		sum += med[i];
		nn_layer_info li;
		nn_model_info(m, i, &li);
		group[li.fused_into] += b * li.flops;
	}
	c->sum_layers_s = sum;
	c->end_to_end_s = median(c->wall_s, c->done, 1, tmp);
	json_t *layers = json_object_get(graph, "layers");
	for (int i = 0; i < L; i++) {
		nn_layer_info li;
		nn_model_info(m, i, &li);
		int head = li.fused_into == i;
		double rate = head && med[i] > 0 && group[i] > 0 ? group[i] / med[i] : NAN;
		if (head) {
			json_add(flops, li.type, group[i]);
			json_add(secs, li.type, med[i]);
		}
		json_t *o = json_array_get(layers, (size_t)i);
		json_object_set_new(o, "fused_into", json_integer(li.fused_into));
		json_object_set_new(o, "time_s", json_real(med[i]));
		json_object_set_new(o, "flops_per_s", sim_json_num(rate));
		char row[600], gf[32] = "";
		nn_layer_csv(m, i, row, sizeof row);
		if (isfinite(rate))
			snprintf(gf, sizeof gf, "%.6f", rate / 1e9);
		sim_text_add(&c->layer_rows, "%s,%lld,%d,%s,%d,%.9f,%s\n", c->model,
			     (long long)c->batch, c->threads, row, li.fused_into, med[i], gf);
	}
	/* throughput per type: FLOPs / seconds over the layers that compute */
	json_t *rates = json_object();
	const char *key;
	json_t *v;
	double all_flops = 0;
	json_object_foreach(flops, key, v) {
		double f = json_real_value(v);
		double t = json_real_value(json_object_get(secs, key));
		all_flops += f;
		if (f > 0 && t > 0)
			json_object_set_new(rates, key, json_real(f / t));
	}
	json_object_set_new(rates, "all", sim_json_num(sum > 0 ? all_flops / sum : NAN));
	entry = json_pack("{s:s,s:I,s:i,s:i,s:o,s:o,s:o,s:o*,s:O}", "model", c->model,
			  "batch", (json_int_t)c->batch, "threads", c->threads, "runs", n,
			  "end_to_end_s", json_real(c->end_to_end_s), "sum_layers_s",
			  json_real(sum), "ratio", sim_json_num(sum / c->end_to_end_s),
			  "flops_per_s", rates, "graph", graph);
	if (!entry || c->layer_rows.failed)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	c->layers = entry;
done:
	json_decref(graph);
	json_decref(flops);
	json_decref(secs);
	free(med);
	free(group);
	free(tmp);
	return rc;
}

/* One configuration: build, warm up, time. */
static int run_config(const real_inf_args *a, config *c, double t0, int *stopped,
		      io_err *err)
{
	nn_model *m = NULL;
	nn_backend *be = NULL;
	int rc = nn_zoo_build(&m, c->model, 0, err);
	if (!rc)
		rc = nn_model_init(m, a->seed, err);
	if (!rc)
		rc = nn_backend_new(&be, "dnnl", c->threads, err);
	if (!rc)
		rc = nn_model_prepare(m, be, c->batch, 0, err);
	if (!rc) {
		double flops;
		int64_t params, act;
		nn_model_totals(m, &flops, &params, &act);
		c->gflop = flops * (double)c->batch / 1e9;
		for (int i = 0; i < nn_model_n_inputs(m); i++) {
			float *x = nn_model_input(m, i);
			int64_t n = nn_model_input_elems(m, i) * c->batch;
			for (int64_t j = 0; j < n; j++)
				x[j] = (float)(2 * sim_task_uniform(a->seed + (uint64_t)i, (uint64_t)j) - 1);
		}
		c->wall_s = malloc((size_t)a->runs * sizeof *c->wall_s);
		if (!c->wall_s)
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	for (int w = 0; !rc && w < a->warmup; w++)
		rc = nn_model_forward(m, 0, err);
	for (int r = 0; !rc && r < a->runs; r++) {
		if (a->budget_s > 0 && sim_clock_s() - t0 > a->budget_s) {
			*stopped = 1;
			break;
		}
		double s = sim_clock_s();
		rc = nn_model_forward(m, 0, err);
		c->wall_s[r] = sim_clock_s() - s;
		if (!rc)
			c->done++;
	}
	if (!rc && a->per_layer && c->done) {
		c->n_layers = nn_model_layers(m);
		c->layer_s = malloc((size_t)a->runs * (size_t)c->n_layers * sizeof *c->layer_s);
		if (!c->layer_s)
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	for (int r = 0; !rc && c->layer_s && r < a->runs; r++) {
		if (a->budget_s > 0 && sim_clock_s() - t0 > a->budget_s) {
			*stopped = 1;
			break;
		}
		rc = nn_model_forward_timed(m, 0, c->layer_s + (size_t)r * (size_t)c->n_layers,
					    err);
		if (!rc)
			c->layer_done++;
	}
	if (!rc && c->layer_done)
		rc = layer_results(c, m, err);
	nn_model_free(m);
	nn_backend_free(be);
	return rc;
}

static void task_name(const config *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s_b%lld_t%d", c->model, (long long)c->batch, c->threads);
}

/* The exec entry: the family best by AIC, or the samples. */
static json_t *exec_entry(const config *c)
{
	size_t n = (size_t)c->done;
	double *x = malloc(n * sizeof *x);
	if (!x)
		return NULL;
	memcpy(x, c->wall_s, n * sizeof *x);
	qsort(x, n, sizeof *x, cmp_double);
	char name[128], what[200], extra[64];
	task_name(c, name, sizeof name);
	snprintf(what, sizeof what,
		 "hetsim calibrate inference: n=%zu wall-time forward passes", n);
	snprintf(extra, sizeof extra, ", %.3f GFLOP per batch", c->gflop);
	json_t *e = prof_fit_exec_entry(name, "local", x, n, what, extra);
	free(x);
	return e;
}

/* layer_samples.csv, layers.csv and layers.json (source: the profile's) */
static int write_layer_files(const real_inf_args *a, const config *cf, int n_cfg,
			     const char *source, io_err *err)
{
	sim_text t = {0}, rows = {0};
	sim_text_add(&t, "model,batch,threads,run,layer,time_s\n");
	sim_text_add(&rows, "model,batch,threads,%s,fused_into,time_s,gflop_per_s\n",
		     NN_LAYERS_CSV_HEADER);
	json_t *configs = json_array();
	for (int i = 0; i < n_cfg; i++) {
		const config *c = &cf[i];
		for (int r = 0; r < c->layer_done; r++)
			for (int l = 0; l < c->n_layers; l++)
				sim_text_add(&t, "%s,%lld,%d,%d,%d,%.9f\n", c->model,
					     (long long)c->batch, c->threads, r + 1, l,
					     c->layer_s[(size_t)r * (size_t)c->n_layers +
							(size_t)l]);
		if (c->layer_rows.len)
			sim_text_add(&rows, "%s", c->layer_rows.buf);
		if (c->layers)
			json_array_append(configs, c->layers);
	}
	json_t *root = json_pack("{s:s,s:i,s:s,s:o*}", "format", "hetsim-layer-times",
				 "version", 1, "source", source, "configs", configs);
	char path[4096];
	int rc = 0;
	if (t.failed || rows.failed || !root)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	snprintf(path, sizeof path, "%s/layer_samples.csv", a->out);
	if (!rc)
		rc = sim_write_text(path, t.buf, t.len, err);
	snprintf(path, sizeof path, "%s/layers.csv", a->out);
	if (!rc)
		rc = sim_write_text(path, rows.buf, rows.len, err);
	snprintf(path, sizeof path, "%s/layers.json", a->out);
	if (!rc)
		rc = sim_write_json(path, root, err);
	json_decref(root);
	free(t.buf);
	free(rows.buf);
	return rc;
}

static int write_files(const real_inf_args *a, const config *cf, int n_cfg,
		       io_err *err)
{
	sim_text t = {0};
	sim_text_add(&t, "model,batch,threads,run,wall_s,gflop\n");
	for (int i = 0; i < n_cfg; i++)
		for (int r = 0; r < cf[i].done; r++)
			sim_text_add(&t, "%s,%lld,%d,%d,%.9f,%.6f\n", cf[i].model,
				     (long long)cf[i].batch, cf[i].threads, r + 1,
				     cf[i].wall_s[r], cf[i].gflop);
	char path[4096];
	snprintf(path, sizeof path, "%s/samples.csv", a->out);
	int rc = t.failed ? io_errf(err, IO_ENOMEM, NULL, 0, "out of memory")
			  : sim_write_text(path, t.buf ? t.buf : "", t.len, err);
	free(t.buf);
	if (rc)
		return rc;

	char cpu[256], what[1024], src[512];
	long cores;
	double mem_gib;
	machine_facts(cpu, sizeof cpu, &cores, &mem_gib);
	snprintf(what, sizeof what,
		 "hetsim calibrate inference on %s (%ld cores, %.1f GiB): %d timed "
		 "forward passes after %d warm-up per model x batch x threads, "
		 "oneDNN backend, random weights (seed %llu)",
		 cpu, cores, mem_gib, a->runs, a->warmup, (unsigned long long)a->seed);
	json_t *root = json_object(), *mts = json_array(), *tts = json_array(),
	       *exec = json_array();
	json_object_set_new(root, "source", json_string(what));
	json_t *mt = json_object();
	json_object_set_new(mt, "name", json_string("local"));
	if (cores > 0)
		json_object_set_new(mt, "vcpu", json_integer(cores));
	if (isfinite(mem_gib))
		json_object_set_new(mt, "mem_gib", sim_json_num(round(mem_gib * 10) / 10));
	snprintf(src, sizeof src, "this machine: %s, %ld cores, %.1f GiB memory", cpu,
		 cores, mem_gib);
	json_object_set_new(mt, "source", json_string(src));
	json_array_append_new(mts, mt);
	for (int i = 0; i < n_cfg; i++) {
		if (!cf[i].done)
			continue;
		json_t *e = exec_entry(&cf[i]);
		if (!e) {
			json_decref(root);
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		}
		char name[128];
		task_name(&cf[i], name, sizeof name);
		json_array_append_new(tts, json_pack("{s:s,s:s}", "name", name, "kind",
						     "inference"));
		json_array_append_new(exec, e);
	}
	json_object_set_new(root, "machine_types", mts);
	json_object_set_new(root, "task_types", tts);
	json_object_set_new(root, "exec", exec);
	snprintf(path, sizeof path, "%s/profile.json", a->out);
	rc = sim_write_json(path, root, err);
	json_decref(root);
	if (!rc && a->per_layer)
		rc = write_layer_files(a, cf, n_cfg, what, err);
	return rc;
}

int real_calibrate_inference(const real_inf_args *a)
{
	int n_cfg = a->n_models * a->n_batch * a->n_threads;
	config *cf = calloc((size_t)n_cfg, sizeof *cf);
	io_err err = {0};
	int rc = cf ? 0 : io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
	int k = 0;
	for (int i = 0; cf && i < a->n_models; i++)
		for (int j = 0; j < a->n_batch; j++)
			for (int t = 0; t < a->n_threads; t++, k++) {
				cf[k].model = a->models[i];
				cf[k].batch = a->batch[j];
				cf[k].threads = a->threads[t];
			}
	if (!rc)
		rc = sim_mkdirs(a->out, &err);
	double t0 = sim_clock_s();
	int stopped = 0, reached = 0;
	for (k = 0; !rc && !stopped && k < n_cfg; k++) {
		progress(a, &cf[k], k, n_cfg, sim_clock_s() - t0);
		rc = run_config(a, &cf[k], t0, &stopped, &err);
		if (!rc && cf[k].done)
			reached++;
	}
	if (!rc && !stopped && !a->quiet)
		progress(a, &cf[n_cfg - 1], n_cfg, n_cfg, sim_clock_s() - t0);
	if (!rc && stopped)
		fprintf(stderr, "hetsim: calibrate: budget of %g s spent: %d of %d "
				"configurations measured\n", a->budget_s, reached, n_cfg);
	if (!rc)
		rc = write_files(a, cf, n_cfg, &err);
	if (rc)
		fprintf(stderr, "hetsim: calibrate: %s\n", err.msg);
	for (k = 0; !rc && !a->quiet && k < n_cfg; k++)
		if (cf[k].layers)
			fprintf(stderr,
				"per layer: %s b%lld t%d: sum of layer medians %.4g ms, end to "
				"end %.4g ms, ratio %.3f\n",
				cf[k].model, (long long)cf[k].batch, cf[k].threads,
				cf[k].sum_layers_s * 1e3, cf[k].end_to_end_s * 1e3,
				cf[k].sum_layers_s / cf[k].end_to_end_s);
	for (k = 0; cf && k < n_cfg; k++) {
		free(cf[k].wall_s);
		free(cf[k].layer_s);
		free(cf[k].layer_rows.buf);
		json_decref(cf[k].layers);
	}
	free(cf);
	return rc == 0 ? 0 : rc == IO_EINPUT ? 2 : 1;
}
