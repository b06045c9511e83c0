/*
 * sim/cli/calibrate.c — `hetsim calibrate transcode` and `hetsim calibrate
 * inference`: their flags and defaults; the calibrations are real/calibrate.c
 * and real/infer.c (what they run and write). `hetsim calibrate workflow`:
 * a workflow system's overhead model (profiles/wms_fit.h) from per-phase
 * job data and recorded makespans, simulated here (section "workflow").
 * `hetsim calibrate agents`: a matrix run on remote agents
 * (real/agent/campaign.h), its flags here (section "agents").
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "real/calibrate.h"
#include "real/infer.h"
#include "real/agent/campaign.h"
#include "profiles/wms_fit.h"
#include "real/nn/zoo.h"
#include "sim/base/out.h"
#include "sim/dag.h"
#include "workloads/workflow_load.h"
#include "sim/cli/cli.h"

/* ------------------------------------------------------------ arguments */

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hetsim: calibrate: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see: hetsim help)\n");
	va_end(ap);
	return 2;
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_args(int argc, char **argv, real_cal_args *a)
{
	memset(a, 0, sizeof *a);
	a->segments = 5;
	a->repeats = 2;
	a->max_merge = 5;
	a->threads = 1;
	a->seed = 1;
	a->timeout_s = 300;
	a->seg_w = 1280;
	a->seg_h = 720;
	a->seg_duration_s = 2;
	a->group_on[REAL_GROUP_VIC] = a->group_on[REAL_GROUP_CODEC] = 1;
	a->ops_text = REAL_CAL_DEFAULT_OPS;
	a->out = "out/calibrate-transcode";
	a->metric = REAL_CAL_METRIC_CPU;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--quick") == 0) {
			a->segments = 2;
			a->repeats = 2;
			a->max_merge = 3;
			a->seg_w = 192;
			a->seg_h = 108;
			a->seg_duration_s = 0.5;
			a->ops_text = REAL_CAL_QUICK_OPS;
		}
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--quick") == 0)
			continue;
		if (strcmp(arg, "--quiet") == 0) {
			a->quiet = 1;
			continue;
		}
		if (arg[0] != '-')
			return usage("unexpected argument %s", arg);
		const char *v = i + 1 < argc ? argv[++i] : NULL;
		if (!v)
			return usage("%s needs a value", arg);
		if (!strcmp(arg, "--segments")) {
			if (parse_int(v, 1, 1000, &a->segments))
				return usage("--segments takes 1 to 1000, not %s", v);
		} else if (!strcmp(arg, "--repeats")) {
			if (parse_int(v, 1, 1000, &a->repeats))
				return usage("--repeats takes 1 to 1000, not %s", v);
		} else if (!strcmp(arg, "--max-merge")) {
			if (parse_int(v, 1, REAL_CAL_MAX_DEGREE, &a->max_merge))
				return usage("--max-merge takes 1 to %d, not %s", REAL_CAL_MAX_DEGREE, v);
		} else if (!strcmp(arg, "--multi")) {
			if (parse_int(v, 0, 100, &a->multi))
				return usage("--multi takes 0 to 100, not %s", v);
		} else if (!strcmp(arg, "--threads")) {
			if (parse_int(v, 1, 256, &a->threads))
				return usage("--threads takes 1 to 256, not %s", v);
		} else if (!strcmp(arg, "--seed")) {
			if (sim_cli_parse_u64(v, UINT64_MAX, &a->seed))
				return usage("--seed takes a non-negative integer, not %s", v);
		} else if (!strcmp(arg, "--timeout")) {
			if (io_parse_double(v, &a->timeout_s) || !(a->timeout_s > 0))
				return usage("--timeout takes seconds > 0, not %s", v);
		} else if (!strcmp(arg, "--segment-duration")) {
			if (io_parse_double(v, &a->seg_duration_s) ||
			    !(a->seg_duration_s > 0 && a->seg_duration_s <= 60))
				return usage("--segment-duration takes seconds in (0, 60], not %s", v);
		} else if (!strcmp(arg, "--segment-size")) {
			char x;
			int w, h, n = 0;
			if (sscanf(v, "%d%c%d%n", &w, &x, &h, &n) != 3 || v[n] || x != 'x' ||
			    w < 16 || h < 16 || w > 3840 || h > 2160 || w % 2 || h % 2)
				return usage("--segment-size takes an even WxH from 16x16 to "
					     "3840x2160, not %s", v);
			a->seg_w = w;
			a->seg_h = h;
		} else if (!strcmp(arg, "--metric")) {
			if (!strcmp(v, "cpu"))
				a->metric = REAL_CAL_METRIC_CPU;
			else if (!strcmp(v, "wall"))
				a->metric = REAL_CAL_METRIC_WALL;
			else
				return usage("--metric takes cpu or wall, not %s", v);
		} else if (!strcmp(arg, "--groups")) {
			a->group_on[0] = a->group_on[1] = 0;
			char buf[64];
			snprintf(buf, sizeof buf, "%s", v);
			char *save = NULL;
			for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				if (!strcmp(t, "vic"))
					a->group_on[REAL_GROUP_VIC] = 1;
				else if (!strcmp(t, "codec"))
					a->group_on[REAL_GROUP_CODEC] = 1;
				else
					return usage("--groups takes vic, codec or vic,codec, not %s", v);
			}
			if (!a->group_on[0] && !a->group_on[1])
				return usage("--groups takes vic, codec or vic,codec, not %s", v);
		} else if (!strcmp(arg, "--ops"))
			a->ops_text = v;
		else if (!strcmp(arg, "--cache"))
			a->cache = v;
		else if (!strcmp(arg, "--out"))
			a->out = v;
		else if (!strcmp(arg, "--ffmpeg"))
			a->ffmpeg = v;
		else
			return usage("unknown option %s", arg);
	}
	io_err err = {0};
	int n = real_ops_parse(a->ops_text, a->ops, REAL_CAL_MAX_OPS, &err);
	if (n < 0)
		return usage("--ops: %s", err.msg);
	a->n_ops = n;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (real_op_equal(&a->ops[i], &a->ops[j])) {
				char t[REAL_OP_TEXT];
				real_op_text(&a->ops[i], t, sizeof t);
				return usage("--ops: %s is listed twice", t);
			}
	return 0;
}

/* A comma-separated list of integers in [lo, hi], at most
 * REAL_INF_MAX_LIST; the count, or -1. */
static int parse_int_list(const char *s, long lo, long hi, int64_t *out)
{
	char buf[256];
	if (snprintf(buf, sizeof buf, "%s", s) >= (int)sizeof buf || !*s || *s == ',' ||
	    s[strlen(s) - 1] == ',' || strstr(s, ",,"))
		return -1;
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int v;
		if (n == REAL_INF_MAX_LIST || parse_int(t, lo, hi, &v))
			return -1;
		out[n++] = v;
	}
	return n;
}

static int parse_inference(int argc, char **argv, real_inf_args *a)
{
	memset(a, 0, sizeof *a);
	a->models_text = REAL_INF_DEFAULT_MODELS;
	a->batch[0] = 1;
	a->n_batch = 1;
	a->threads[0] = 1;
	a->n_threads = 1;
	a->runs = 10;
	a->warmup = 1;
	a->seed = 1;
	a->out = "out/calibrate-inference";
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--quiet") == 0) {
			a->quiet = 1;
			continue;
		}
		if (strcmp(arg, "--per-layer") == 0) {
			a->per_layer = 1;
			continue;
		}
		if (arg[0] != '-')
			return usage("unexpected argument %s", arg);
		const char *v = i + 1 < argc ? argv[++i] : NULL;
		if (!v)
			return usage("%s needs a value", arg);
		int64_t tmp[REAL_INF_MAX_LIST];
		int n;
		if (!strcmp(arg, "--models"))
			a->models_text = v;
		else if (!strcmp(arg, "--batch")) {
			if ((n = parse_int_list(v, 1, 4096, a->batch)) < 0)
				return usage("--batch takes up to %d sizes 1 to 4096, "
					     "comma-separated, not %s", REAL_INF_MAX_LIST, v);
			a->n_batch = n;
		} else if (!strcmp(arg, "--threads")) {
			if ((n = parse_int_list(v, 1, 256, tmp)) < 0)
				return usage("--threads takes up to %d counts 1 to 256, "
					     "comma-separated, not %s", REAL_INF_MAX_LIST, v);
			for (int k = 0; k < n; k++)
				a->threads[k] = (int)tmp[k];
			a->n_threads = n;
		} else if (!strcmp(arg, "--runs")) {
			if (parse_int(v, 1, 100000, &a->runs))
				return usage("--runs takes 1 to 100000, not %s", v);
		} else if (!strcmp(arg, "--warmup")) {
			if (parse_int(v, 0, 1000, &a->warmup))
				return usage("--warmup takes 0 to 1000, not %s", v);
		} else if (!strcmp(arg, "--budget-s")) {
			if (io_parse_double(v, &a->budget_s) || !(a->budget_s > 0) ||
			    !(a->budget_s < 1e7))
				return usage("--budget-s takes seconds > 0, not %s", v);
		} else if (!strcmp(arg, "--seed")) {
			if (sim_cli_parse_u64(v, UINT64_MAX, &a->seed))
				return usage("--seed takes a non-negative integer, not %s", v);
		} else if (!strcmp(arg, "--out"))
			a->out = v;
		else
			return usage("unknown option %s", arg);
	}
	if (snprintf(a->names_buf, sizeof a->names_buf, "%s", a->models_text) >=
		    (int)sizeof a->names_buf || !*a->models_text || *a->models_text == ',' ||
	    a->models_text[strlen(a->models_text) - 1] == ',' || strstr(a->models_text, ",,"))
		return usage("--models takes a comma-separated list of zoo models "
			     "(hetsim nn list), not %s", a->models_text);
	char *save = NULL;
	for (char *t = strtok_r(a->names_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!nn_zoo_find(t))
			return usage("--models: unknown model %s (see: hetsim nn list)", t);
		if (a->n_models == REAL_INF_MAX_LIST)
			return usage("--models takes at most %d models", REAL_INF_MAX_LIST);
		a->models[a->n_models++] = t;
	}
	return 0;
}

/* ------------------------------------------------------------ workflow */

/*
 * `hetsim calibrate workflow`: fits profiles/data/wms_<system>.json.
 *
 * Makespans are simulated with the kernel's DAG engine (sim/dag.h, EFT on
 * the trace's own machines, one slot per core, recorded runtimes, no file
 * transfers: the traces' staging is not in their runtimes and their
 * machines are one or two nodes). Until the engine runs the phases of the
 * WMS model itself (hetsim replay), a model enters the DAG as the means of
 * its phases: each job becomes {d} -> wms_delay -> [queue_delay + startup +
 * runtime] -> post_delay, where only the bracket holds a slot (the delays
 * run on a machine of unlimited slots) and {d}, the fitted dispatch time,
 * holds the one slot of a "submit" machine (the submit host serving one job
 * at a time, profiles/wms.h), its auxiliary jobs as jobs
 * (create_dir before the roots, stage_out after the sinks, cleanup last);
 * max_running k caps the slots (split over the machines by cores), which
 * counts, as the model defines it, the jobs between submit and end.
 * What is fitted: the dispatch time d alone (max_running 0, no start-up
 * h): one parameter per system explains the wide traces (n x d) and, with
 * Pegasus's measured latency phases, the chain.
 */

#define WF_MAX_TRACES 256
#define WF_MAX_DIRS 16

enum { WF_PEGASUS, WF_MAKEFLOW, WF_NEXTFLOW, WF_N_SYSTEMS };
static const char *const wf_system_names[WF_N_SYSTEMS] = {"pegasus", "makeflow", "nextflow"};
static const char *const wf_system_titles[WF_N_SYSTEMS] = {"Pegasus", "Makeflow", "Nextflow"};

typedef struct wf_trace {
	char *path;
	wl_workflow *w;
	int system; /* WF_*, -1 unknown */
} wf_trace;

typedef struct wf_args {
	const char *sample, *out, *system_name, *exclude_run;
	const char *dirs[WF_MAX_DIRS];
	int n_dirs;
	const char *exclude[WF_MAX_TRACES], *predict[WF_MAX_TRACES];
	int n_exclude, n_predict;
	int quiet;
} wf_args;

/* What a model adds to a job (the evaluator above). */
typedef struct wf_base {
	int measured; /* phase means from a sample */
	wms_fit_means m;
} wf_base;

typedef struct wf_ctx {
	wf_trace *t;
	const wf_base *base; /* NULL: nothing but h */
} wf_ctx;

static int wf_system_of(const char *name)
{
	if (!name)
		return -1;
	size_t n = strcspn(name, " \t");
	for (int s = 0; s < WF_N_SYSTEMS; s++)
		if (n == strlen(wf_system_names[s]) && !strncasecmp(name, wf_system_names[s], n))
			return s;
	return -1;
}

static double wf_add(double x)
{
	return isfinite(x) ? x : 0;
}

/* Mean of phase ph for class c (compute's when c has none; 0 if absent). */
static double wf_phase(const wf_base *b, int ph, int c)
{
	if (!b)
		return 0;
	double x = b->m.phase_s[ph][c];
	return wf_add(isfinite(x) ? x : b->m.phase_s[ph][WMS_FIT_COMPUTE]);
}

/* The simulated DAG: each job is a slot node (task type 0: queue delay +
 * startup + runtime, on the trace's machines) and, when the model has
 * phases, a wms-delay node before it and a post-delay node after it (task
 * type 1, on a machine of unlimited slots: they hold no slot), and, when
 * d > 0, a dispatch node first (task type 2, on the 1-slot submit
 * machine). */
typedef struct wf_dag {
	wl_dag *g;
	const wf_base *b;
	double d_s;
	io_err *err;
} wf_dag;

static int wf_node(wf_dag *w, uint32_t type, double runtime_s, uint32_t *id)
{
	int rc = wl_dag_add_job(w->g, NULL, type, id, w->err);
	return rc ? rc : wl_dag_set_runtime(w->g, *id, runtime_s, w->err);
}

/* A job of class c and runtime r: *in gets its first node, *out its last. */
static int wf_job(wf_dag *w, int c, double r, uint32_t *in, uint32_t *out)
{
	uint32_t slot, wms;
	int rc = wf_node(w, 0,
			 r + wf_phase(w->b, WMS_FIT_QUEUE_DELAY, c) +
				 wf_phase(w->b, WMS_FIT_STARTUP, c),
			 &slot);
	*in = *out = slot;
	if (!rc && w->b) {
		rc = wf_node(w, 1, wf_phase(w->b, WMS_FIT_WMS_DELAY, c), in);
		if (!rc)
			rc = wf_node(w, 1, wf_phase(w->b, WMS_FIT_POST_DELAY, c), out);
		if (!rc)
			rc = wl_dag_add_parent(w->g, slot, *in, w->err);
		if (!rc)
			rc = wl_dag_add_parent(w->g, *out, slot, w->err);
	}
	if (rc || !(w->d_s > 0))
		return rc;
	wms = *in;
	rc = wf_node(w, 2, w->d_s, in);
	return rc ? rc : wl_dag_add_parent(w->g, wms, *in, w->err);
}

/* The trace's DAG with the model b (NULL: dispatch only) and its aux jobs:
 * create_dir before the roots, stage_out after the sinks (split evenly),
 * cleanup after every sink left. */
static int wf_build_dag(const wf_trace *t, const wf_base *b, double d_s, wl_dag **out,
			io_err *err)
{
	const wl_dag *d = t->w->dag;
	uint32_t n = d->n_jobs, n_aux = 0;
	for (int a = 0; b && a < WMS_FIT_N_AUX; a++)
		if (isfinite(b->m.aux_runtime_s[a]))
			n_aux += a == WMS_FIT_AUX_STAGE_OUT ? (uint32_t)b->m.aux_count[a] : 1;
	wf_dag w = {.g = wl_dag_new(t->path), .b = b, .d_s = d_s, .err = err};
	uint32_t *in = malloc((n + n_aux + 1) * sizeof *in);
	uint32_t *ex = malloc((n + n_aux + 1) * sizeof *ex);
	uint8_t *sink = calloc(n + n_aux + 1, 1);
	int rc = w.g && in && ex && sink ? 0 : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t j = 0; !rc && j < n; j++) {
		rc = wf_job(&w, WMS_FIT_COMPUTE, wf_add(wl_dag_runtime(d, j)), &in[j], &ex[j]);
		sink[j] = d->child_off[j] == d->child_off[j + 1];
	}
	for (uint32_t j = 0; !rc && j < n; j++)
		for (uint32_t k = d->par_off[j]; !rc && k < d->par_off[j + 1]; k++)
			rc = wl_dag_add_parent(w.g, in[j], ex[d->par[k]], err);
	uint32_t nj = n;
	static const int cls[WMS_FIT_N_AUX] = {WMS_FIT_AUXILIARY, WMS_FIT_TRANSFER,
					       WMS_FIT_AUXILIARY};
	for (int a = 0; !rc && b && a < WMS_FIT_N_AUX; a++) {
		if (!isfinite(b->m.aux_runtime_s[a]))
			continue;
		uint32_t count = a == WMS_FIT_AUX_STAGE_OUT ? (uint32_t)b->m.aux_count[a] : 1;
		uint32_t first = nj, n_sinks = 0, seen = 0;
		for (uint32_t j = 0; j < first; j++)
			n_sinks += sink[j];
		for (uint32_t c = 0; !rc && c < count; c++, nj++)
			rc = wf_job(&w, cls[a], b->m.aux_runtime_s[a], &in[nj], &ex[nj]);
		for (uint32_t j = 0; !rc && j < first; j++) {
			if (a == WMS_FIT_AUX_CREATE_DIR) {
				if (j < n && d->par_off[j] == d->par_off[j + 1])
					rc = wl_dag_add_parent(w.g, in[j], ex[first], err);
			} else if (sink[j]) {
				uint32_t to = first + (uint32_t)((uint64_t)seen++ * count /
								  (n_sinks ? n_sinks : 1));
				rc = wl_dag_add_parent(w.g, in[to], ex[j], err);
				sink[j] = 0;
			}
		}
		for (uint32_t j = first; j < nj; j++)
			sink[j] = a != WMS_FIT_AUX_CREATE_DIR;
	}
	if (!rc)
		rc = wl_dag_finalize(w.g, err);
	if (rc) {
		wl_dag_free(w.g);
		w.g = NULL;
	}
	free(in);
	free(ex);
	free(sink);
	*out = w.g;
	return rc;
}

static int wf_makespan(void *ctx, size_t i, double d_s, int k, double *makespan_s, io_err *err)
{
	const wf_ctx *c = ctx;
	const wf_trace *t = &c->t[i];
	wl_dag *g = NULL;
	int rc = wf_build_dag(t, c->base, d_s, &g, err);
	if (rc)
		return rc;
	/* task type 0 runs on machine type 0 (the trace's), 1 on 1 (the
	 * delays'), 2 on 2 (the submit host's dispatch); runtimes are fixed,
	 * the models only say where */
	prof_model models[9];
	for (int m = 0; m < 9; m++)
		models[m] = m % 4 ? (prof_model){.kind = PROF_NONE, .mean = INFINITY}
				  : (prof_model){.kind = PROF_CONSTANT};
	prof_machine_type mt[3] = {{.name = "trace", .slots = 1, .nic_gbps = 10},
				   {.name = "delay", .slots = 1, .nic_gbps = 10},
				   {.name = "submit", .slots = 1, .nic_gbps = 10}};
	prof_task_type tt[3] = {{.name = "slot"}, {.name = "delay"}, {.name = "dispatch"}};
	prof_profile p = {.machines = mt, .n_machines = 3, .tasks = tt, .n_tasks = 3,
			  .models = models};
	uint32_t nm = t->w->n_machines ? t->w->n_machines : 1, cores = 0;
	sim_dag_machine *ms = calloc(nm + 2, sizeof *ms);
	if (!ms) {
		wl_dag_free(g);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	for (uint32_t m = 0; m < nm; m++) {
		uint32_t cm = t->w->n_machines && t->w->machines[m].cores ? t->w->machines[m].cores : 1;
		ms[m].slots = cm;
		cores += cm;
	}
	/* max_running k: k slots split over the machines by cores (>= 1 each) */
	if (k > 0 && (uint32_t)k < cores)
		for (uint32_t m = 0, left = (uint32_t)k; m < nm; m++) {
			uint32_t s = m + 1 == nm ? left
					       : (uint32_t)((uint64_t)k * ms[m].slots / cores);
			s = s < 1 ? 1 : s > left && left ? left : s;
			left = left > s ? left - s : 1;
			ms[m].slots = s;
		}
	ms[nm].type = 1;
	ms[nm].slots = g->n_jobs;
	ms[nm + 1].type = 2;
	ms[nm + 1].slots = 1;
	sim_dag_config cfg = SIM_DAG_CONFIG_DEFAULT;
	cfg.profile = &p;
	cfg.dag = g;
	cfg.machines = ms;
	cfg.n_machines = nm + 2;
	cfg.policy = SIM_DAG_EFT;
	sim_dag_result r;
	memset(&r, 0, sizeof r);
	rc = sim_dag_run(&cfg, &r, err);
	*makespan_s = r.makespan_s;
	sim_dag_result_free(&r);
	free(ms);
	wl_dag_free(g);
	return rc;
}

static int wf_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int wf_is_trace_name(const char *n)
{
	size_t l = strlen(n);
	return (l > 5 && !strcmp(n + l - 5, ".json")) || (l > 8 && !strcmp(n + l - 8, ".json.gz"));
}

/* Load the WfFormat traces (*.json, *.json.gz) of the dirs, in name order. */
static int wf_load_traces(const wf_args *a, wf_trace *t, size_t *n, io_err *err)
{
	*n = 0;
	for (int d = 0; d < a->n_dirs; d++) {
		DIR *dir = opendir(a->dirs[d]);
		if (!dir)
			return io_errf(err, IO_EINPUT, a->dirs[d], 0, "cannot open directory: %s",
				       strerror(errno));
		char *names[WF_MAX_TRACES] = {0};
		size_t nn = 0;
		struct dirent *e;
		int rc = 0;
		while (!rc && (e = readdir(dir)))
			if (wf_is_trace_name(e->d_name)) {
				if (nn == WF_MAX_TRACES || *n + nn >= WF_MAX_TRACES)
					rc = io_errf(err, IO_EINPUT, a->dirs[d], 0,
						     "more than %d traces", WF_MAX_TRACES);
				else if (!(names[nn++] = sim_pathf("%s/%s", a->dirs[d], e->d_name)))
					rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			}
		closedir(dir);
		qsort(names, nn, sizeof *names, wf_cmp_str);
		for (size_t i = 0; i < nn; i++) {
			if (!rc) {
				wf_trace *tr = &t[(*n)++];
				tr->path = names[i];
				names[i] = NULL;
				rc = wl_workflow_load(&tr->w, tr->path, err);
				if (!rc && !(isfinite(tr->w->makespan_s) && tr->w->makespan_s > 0))
					rc = io_errf(err, IO_EINPUT, tr->path, 0,
						     "no recorded makespan (workflow.execution."
						     "makespanInSeconds) to calibrate on");
				if (!rc)
					tr->system = wf_system_of(tr->w->wms_name);
			}
			free(names[i]);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static const char *wf_base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Is trace t named by one of list (same path or same file name)? */
static int wf_listed(const char *const *list, int n, const wf_trace *t)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i], t->path) ||
		    !strcmp(wf_base_name(list[i]), wf_base_name(t->path)))
			return 1;
	return 0;
}

static int wf_parse(int argc, char **argv, wf_args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--quiet")) {
			a->quiet = 1;
			continue;
		}
		if (arg[0] != '-')
			return usage("unexpected argument %s", arg);
		const char *v = i + 1 < argc ? argv[++i] : NULL;
		if (!v)
			return usage("%s needs a value", arg);
		if (!strcmp(arg, "--anomaly-sample"))
			a->sample = v;
		else if (!strcmp(arg, "--traces")) {
			if (a->n_dirs == WF_MAX_DIRS)
				return usage("--traces: at most %d directories", WF_MAX_DIRS);
			a->dirs[a->n_dirs++] = v;
		} else if (!strcmp(arg, "--system"))
			a->system_name = v;
		else if (!strcmp(arg, "--exclude")) {
			if (a->n_exclude == WF_MAX_TRACES)
				return usage("--exclude: at most %d traces", WF_MAX_TRACES);
			a->exclude[a->n_exclude++] = v;
		} else if (!strcmp(arg, "--predict")) {
			if (a->n_predict == WF_MAX_TRACES)
				return usage("--predict: at most %d traces", WF_MAX_TRACES);
			a->predict[a->n_predict++] = v;
		} else if (!strcmp(arg, "--exclude-run"))
			a->exclude_run = v;
		else if (!strcmp(arg, "--out"))
			a->out = v;
		else
			return usage("unknown option %s", arg);
	}
	if (!a->system_name || wf_system_of(a->system_name) < 0)
		return usage("workflow: --system takes pegasus, makeflow or nextflow%s%s",
			     a->system_name ? ", not " : "", a->system_name ? a->system_name : "");
	if (!a->out && !a->n_predict)
		return usage("workflow: --out FILE (or --predict TRACE) is required");
	if (!a->sample && !a->n_dirs)
		return usage("workflow: needs --anomaly-sample DIR and/or --traces DIR");
	return 0;
}

/* The jobs CSV of a sample: DIR/1000genome_jobs_sample.csv, or the file. */
static char *wf_sample_csv(const char *p)
{
	DIR *d = opendir(p);
	if (!d)
		return strdup(p);
	closedir(d);
	return sim_pathf("%s/1000genome_jobs_sample.csv", p);
}

static void wf_print_fit(const char *what, const wms_fit_result *r)
{
	printf("%s: dispatch d = %.3f s per job, max_running = %d (0: unlimited), median |ln(sim/rec)| "
	       "%.4f on %zu traces (%zu simulations)\n",
	       what, r->h_s, r->k, r->score, r->n_used, r->n_sims);
}

static int wf_run(const wf_args *a)
{
	io_err err = {0};
	int sys = wf_system_of(a->system_name), rc = 0;
	wf_trace *t = calloc(WF_MAX_TRACES, sizeof *t);
	size_t n = 0;
	wms_fit_sample sample;
	memset(&sample, 0, sizeof sample);
	wf_base base;
	memset(&base, 0, sizeof base);
	json_t *phases = NULL, *aux = NULL, *model = NULL;
	int use[WF_MAX_TRACES], use_other[WF_MAX_TRACES];
	char *src = NULL;
	if (!t)
		rc = io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = wf_load_traces(a, t, &n, &err);
	if (!rc && a->sample && sys == WF_PEGASUS) {
		char *csv = wf_sample_csv(a->sample);
		rc = csv ? wms_fit_sample_read_except(&sample, csv, a->exclude_run, &err)
			 : io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
		free(csv);
		if (!rc) {
			if (!a->quiet) {
				printf("%s: %zu jobs of %u runs; %zu queue delays left out (waited "
				       "for a slot)\n", sample.path, sample.n_rows, sample.n_runs,
				       sample.n_slot_wait);
				for (uint32_t r = 0; r < sample.n_runs; r++)
					printf("  run %-40s %-9s submit-host phases %s (KS p %.3g)\n",
					       sample.runs[r].id, sample.runs[r].label,
					       sample.runs[r].admitted ? "used" : "NOT used",
					       sample.runs[r].admit_p);
			}
			rc = wms_fit_from_sample(&sample, &phases, &aux, &base.m,
						 a->quiet ? NULL : stdout, &err);
			base.measured = 1;
		}
	}
	size_t n_sys = 0, n_other = 0;
	for (size_t i = 0; i < n; i++) {
		int ex = wf_listed(a->exclude, a->n_exclude, &t[i]);
		use[i] = !ex && t[i].system == sys;
		use_other[i] = !ex && t[i].system != sys;
		n_sys += use[i];
		n_other += use_other[i];
	}
	wms_fit_result prior = {.k = 0}, fit = {.k = 0};
	wf_ctx ctx = {.t = t, .base = NULL};
	double rec[WF_MAX_TRACES];
	for (size_t i = 0; i < n; i++)
		rec[i] = t[i].w ? t[i].w->makespan_s : NAN; /* NULL: it failed to load */
	wms_fit_search_args sa = {.n_traces = n, .recorded_s = rec, .exclude = -1,
				  .makespan = wf_makespan, .ctx = &ctx, .prior_k = -1};
	const char *how;
	if (!rc && base.measured) {
		/* Pegasus: phases measured; k from the Pegasus traces */
		ctx.base = &base;
		sa.use = use;
		sa.fit_h = 1;
		sa.k_unlimited = 1;
		if (n_sys) {
			rc = wms_fit_search(&sa, &fit, &err);
			how = "dispatch time fitted on the system's traces";
		} else
			how = "no trace of the system: no dispatch time";
	} else if (!rc) {
		/* a pooled prior d on the other systems' traces (no phases) */
		sa.fit_h = 1;
		sa.k_unlimited = 1;
		if (n_other) {
			sa.use = use_other;
			rc = wms_fit_search(&sa, &prior, &err);
			if (!rc && !a->quiet)
				wf_print_fit("pooled prior (other systems' traces)", &prior);
		}
		fit = prior;
		how = "pooled prior fitted on the other systems' traces (none of this system)";
		if (!rc && n_sys) {
			sa.use = use;
			sa.prior_k = n_other ? prior.k : -1;
			rc = wms_fit_search(&sa, &fit, &err);
			how = "dispatch time fitted on the system's traces";
		} else if (!rc && !n_other)
			rc = io_errf(&err, IO_EINPUT, NULL, 0,
				     "no trace to fit %s on",
				     wf_system_titles[sys]);
	}
	if (!rc && !a->quiet)
		wf_print_fit(wf_system_titles[sys], &fit);
	/* the model file */
	if (!rc && a->out) {
		model = json_object();
		char names[2048] = "";
		size_t len = 0;
		for (size_t i = 0; i < n; i++)
			if ((base.measured ? use[i] : use[i] || (!n_sys && use_other[i])) &&
			    len < sizeof names - 1)
				len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
						      len ? " " : "", wf_base_name(t[i].path));
		if (len >= sizeof names)
			len = sizeof names - 1;
		src = sim_pathf("hetsim calibrate workflow --system %s: %s%s%s; max_running %d and "
				"dispatch %.3f s per job on 1 submit slot (%s, median "
				"|ln(simulated/recorded)| %.4f on %zu traces: %s), makespans "
				"simulated with the DAG engine (sim_dag_run)",
				wf_system_names[sys], base.measured ? "phases fitted on " : "",
				base.measured ? sample.path : "",
				base.measured ? " (normal runs; submit-host phases also of the "
						"anomalous runs that match their campaign's "
						"normal run)" : "no per-phase data",
				fit.k, fit.h_s, how, fit.score, fit.n_used, names);
		if (!model || !src)
			rc = io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
		else {
			if (!phases)
				phases = json_object();
			if (!aux)
				aux = json_array();
			if (fit.h_s > 0) {
				json_t *d = json_object(), *ph = json_object();
				json_object_set_new(d, "model", json_string("constant"));
				json_object_set_new(d, "value", sim_json_num(fit.h_s));
				json_object_set_new(d, "source", json_string("submit-host time per "
									     "job, fitted to recorded "
									     "makespans"));
				json_object_set_new(ph, "*", d);
				json_object_set_new(phases, "dispatch", ph);
			}
			json_object_set_new(model, "wms", json_string(wf_system_titles[sys]));
			json_object_set_new(model, "source", json_string(src));
			json_object_set_new(model, "phases", phases);
			json_object_set_new(model, "staging", json_string("inside"));
			json_object_set_new(model, "max_running", json_integer(fit.k));
			json_object_set_new(model, "submit_slots", json_integer(1));
			json_object_set_new(model, "aux_jobs", aux);
			phases = aux = NULL;
			rc = sim_write_json(a->out, model, &err);
			if (!rc && !a->quiet)
				printf("wrote %s\n", a->out);
		}
	}
	/* predictions: recorded, zero overhead, with the model */
	for (int p = 0; !rc && p < a->n_predict; p++) {
		size_t i = 0;
		while (i < n && strcmp(t[i].path, a->predict[p]) &&
		       strcmp(wf_base_name(t[i].path), wf_base_name(a->predict[p])))
			i++;
		if (i == n) {
			rc = io_errf(&err, IO_EINPUT, a->predict[p], 0,
				     "--predict: not one of the traces of --traces");
			break;
		}
		double zero, sim;
		wf_ctx z = {.t = t, .base = NULL};
		wf_ctx m = {.t = t, .base = base.measured ? &base : NULL};
		rc = wf_makespan(&z, i, 0, 0, &zero, &err);
		if (!rc)
			rc = wf_makespan(&m, i, fit.h_s, fit.k, &sim, &err);
		if (!rc)
			printf("predict %s recorded %.3f zero_overhead %.3f simulated %.3f "
			       "excluded %d\n", wf_base_name(t[i].path), rec[i], zero, sim,
			       wf_listed(a->exclude, a->n_exclude, &t[i]));
	}
	if (rc)
		fprintf(stderr, "hetsim: calibrate workflow: %s\n", err.msg);
	for (size_t i = 0; i < n; i++) {
		free(t[i].path);
		wl_workflow_free(t[i].w);
	}
	free(t);
	free(src);
	json_decref(phases);
	json_decref(aux);
	json_decref(model);
	wms_fit_sample_free(&sample);
	return rc == IO_EINPUT ? 2 : rc ? 1 : 0;
}

/* --------------------------------------------------------------- agents */

static int agents_run(int argc, char **argv)
{
	real_campaign_opts o = {0};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--quiet") || !strcmp(a, "--serial")) {
			*(a[2] == 'q' ? &o.quiet : &o.serial) = 1;
			continue;
		}
		if (strcmp(a, "--agents") && strcmp(a, "--matrix") && strcmp(a, "--out") &&
		    strcmp(a, "--repeats"))
			return usage("calibrate agents: unknown option %s", a);
		if (!v)
			return usage("calibrate agents: %s needs a value", a);
		i++;
		if (!strcmp(a, "--agents"))
			o.agents = v;
		else if (!strcmp(a, "--matrix"))
			o.matrix = v;
		else if (!strcmp(a, "--out"))
			o.out_dir = v;
		else if (sim_cli_parse_u64(v, 100000, &o.repeats) || !o.repeats)
			return usage("calibrate agents: --repeats %s: need 1-100000", v);
	}
	if (!o.agents || !o.matrix || !o.out_dir)
		return usage("calibrate agents needs --agents FILE, --matrix FILE and --out DIR");
	io_err err = {0};
	int rc = real_campaign_run(&o, stdout, &err);
	if (rc < 0)
		fprintf(stderr, "hetsim: calibrate agents: %s\n", err.msg);
	return rc == IO_EINPUT ? 2 : rc ? 1 : 0;
}

const char sim_cli_calibrate_usage[] =
	"  calibrate transcode [--segments N] [--seed S] [--repeats R] [--ops LIST]\n"
	"       [--max-merge K] [--groups vic,codec] [--multi M] [--threads T]\n"
	"       [--timeout S] [--metric cpu|wall] [--cache DIR] [--out DIR]\n"
	"       [--segment-size WxH] [--segment-duration S] [--ffmpeg PATH] [--quick] [--quiet]\n"
	"                        run real ffmpeg transcodings (single, merged) on this\n"
	"                        machine; write samples.csv, profile.json with the merge\n"
	"                        model, merge.md and saving plots (more: man hetsim)\n"
	"  calibrate inference [--models LIST] [--batch B,..] [--threads T,..]\n"
	"       [--runs N] [--warmup W] [--budget-s S] [--seed S] [--per-layer]\n"
	"       [--out DIR] [--quiet]\n"
	"                        time forward inference of zoo models (hetsim nn list) on\n"
	"                        this machine (oneDNN); write samples.csv and profile.json;\n"
	"                        --per-layer: also every layer's time with the layer graph\n"
	"                        (layer_samples.csv, layers.csv, layers.json)\n"
	"  calibrate workflow --system pegasus|makeflow|nextflow [--anomaly-sample DIR]\n"
	"       [--traces DIR]... [--exclude TRACE]... [--exclude-run RUN_ID]\n"
	"       [--predict TRACE]... [--out FILE] [--quiet]\n"
	"                        fit a workflow system's overhead model (wms_<system>.json):\n"
	"                        phases from per-job data (Pegasus), the submit host's\n"
	"                        dispatch time per job from recorded makespans of WfFormat\n"
	"                        traces (other systems' traces pooled when it has none)\n"
	"  calibrate agents --agents AGENTS.json --matrix MATRIX.json --out DIR\n"
	"       [--repeats N] [--serial] [--quiet]\n"
	"                        run a task-type x machine-type matrix on remote hetsim\n"
	"                        agents, N interleaved repeats per cell, every agent busy\n"
	"                        up to its slots (--serial: one sample at a time); agents\n"
	"                        that fail are asked again with back-off and rejoin; write\n"
	"                        samples.csv (matrix order; samples.csv.part as they end),\n"
	"                        agents.csv, cells.csv and profile.json (fits per cell,\n"
	"                        machine facts from /health); exit 1 when samples are\n"
	"                        missing or failed\n";

int sim_cmd_calibrate(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_calibrate_usage))
		return 0;
	if (argc < 1)
		return usage("needs a workload: hetsim calibrate transcode|inference|workflow|agents "
			     "[options]");
	if (strcmp(argv[0], "transcode") == 0) {
		real_cal_args a;
		int st = parse_args(argc - 1, argv + 1, &a);
		return st ? st : real_calibrate_transcode(&a);
	}
	if (strcmp(argv[0], "inference") == 0) {
		real_inf_args a;
		int st = parse_inference(argc - 1, argv + 1, &a);
		return st ? st : real_calibrate_inference(&a);
	}
	if (strcmp(argv[0], "workflow") == 0) {
		wf_args a;
		int st = wf_parse(argc - 1, argv + 1, &a);
		return st ? st : wf_run(&a);
	}
	if (strcmp(argv[0], "agents") == 0)
		return agents_run(argc - 1, argv + 1);
	return usage("unknown workload %s (known: transcode, inference, workflow, agents)",
		     argv[0]);
}
