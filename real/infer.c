/*
 * real/infer.c — `hetsim calibrate inference` (flags in
 * sim/cli/calibrate.c): forward inference of zoo models (real/nn/zoo.h) on
 * this machine, on the oneDNN backend, timed.
 *
 *   hetsim calibrate inference [--models LIST] [--batch B,..] [--threads
 *        T,..] [--runs N] [--warmup W] [--budget-s S] [--seed S]
 *        [--out DIR] [--quiet]
 *
 * For each model x batch size x thread count (in that order): build the
 * model, draw its weights from the seed, fill the inputs with seeded
 * uniform values in [-1, 1), run W unrecorded forward passes (default 1:
 * oneDNN creates and caches its primitives on the first), then N timed
 * ones (default 10), wall clock (CLOCK_MONOTONIC) around nn_model_forward.
 * A time budget (--budget-s, default none) stops starting new runs once
 * spent; configurations not reached are left out of the files (stderr
 * says how many). Defaults: the five small models, batch 1, 1 thread,
 * --out out/calibrate-inference, seed 1.
 *
 * Writes into DIR, each file atomically:
 *   samples.csv   model,batch,threads,run,wall_s,gflop (one row per timed
 *                 run; gflop: the forward FLOPs of the batch, nn.h)
 *   profile.json  machine type "local" (vcpu, mem_gib; CPU model in its
 *                 source); one task type per model x batch x threads
 *                 ("resnet50_b1_t2", kind "inference") with the family
 *                 fitted to its run times that is best by AIC
 *                 (profiles/fit.h), or the samples when none fits.
 *
 * End-to-end times only: the engine has no per-layer timer yet; per-layer
 * FLOPs and bytes are in `hetsim nn show`.
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
#include "real/nn/zoo.h"
#include "sim/base/out.h"
#include "sim/base/rng.h"

typedef struct config {
	const char *model;
	int64_t batch;
	int threads;
	double gflop;
	int done;      /* timed runs made */
	double *wall_s;
} config;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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
		if (a->budget_s > 0 && now_s() - t0 > a->budget_s) {
			*stopped = 1;
			break;
		}
		double s = now_s();
		rc = nn_model_forward(m, 0, err);
		c->wall_s[r] = now_s() - s;
		if (!rc)
			c->done++;
	}
	nn_model_free(m);
	nn_backend_free(be);
	return rc;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
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
	double t0 = now_s();
	int stopped = 0, reached = 0;
	for (k = 0; !rc && !stopped && k < n_cfg; k++) {
		progress(a, &cf[k], k, n_cfg, now_s() - t0);
		rc = run_config(a, &cf[k], t0, &stopped, &err);
		if (!rc && cf[k].done)
			reached++;
	}
	if (!rc && !stopped && !a->quiet)
		progress(a, &cf[n_cfg - 1], n_cfg, n_cfg, now_s() - t0);
	if (!rc && stopped)
		fprintf(stderr, "hetsim: calibrate: budget of %g s spent: %d of %d "
				"configurations measured\n", a->budget_s, reached, n_cfg);
	if (!rc)
		rc = write_files(a, cf, n_cfg, &err);
	if (rc)
		fprintf(stderr, "hetsim: calibrate: %s\n", err.msg);
	for (k = 0; cf && k < n_cfg; k++)
		free(cf[k].wall_s);
	free(cf);
	return rc == 0 ? 0 : rc == IO_EINPUT ? 2 : 1;
}
