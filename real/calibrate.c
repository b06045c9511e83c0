/*
 * real/calibrate.c — calibration of transcoding (`hetsim calibrate transcode`,
 * flags in sim/cli/calibrate.c): run a matrix of real
 * ffmpeg transcodings on this machine and write what the simulator needs:
 * per-operation time distributions and the merge model (real/merge_fit.h).
 *
 *   hetsim calibrate transcode [--segments N] [--seed S] [--repeats R]
 *        [--ops LIST] [--max-merge K] [--groups vic,codec] [--multi M]
 *        [--threads T] [--timeout S] [--metric cpu|wall] [--cache DIR]
 *        [--out DIR] [--segment-size WxH] [--segment-duration S]
 *        [--ffmpeg PATH] [--quick] [--quiet]
 *
 * The matrix, on each of N synthetic segments (real/segments.h, seed S):
 *   single   every operation of LIST alone;
 *   merged   for each group (vic: bit rate, frame rate, resolution; codec)
 *            and each degree k = 2..K, one ffmpeg run with k outputs, the
 *            operations drawn from the group's operations in LIST (a seeded
 *            shuffle per segment, group and degree; a group with fewer than
 *            k operations repeats some: the codec group has only four);
 *   multi    (M > 0) M runs per segment of one output changing a frame
 *            rate, a resolution and a codec of LIST at once (seed 000 §4.4).
 * Defaults: 5 segments of 1280x720, 2 s; 2 repeats; the ten operations
 * bitrate=512k,1024k framerate=15,24 resolution=352x288,720x480
 * codec=h264,hevc,vp9,mpeg4; K = 5; both groups; no multi; 1 thread;
 * timeout 300 s; --out out/calibrate-transcode; CPU time; seed 1. That is
 * 180 ffmpeg runs: 7.5 minutes on an idle 2-core AMD EPYC VM (15 under
 * a load of 4).
 * Each run R times; all runs in an order shuffled from the seed, after one
 * unrecorded warm-up run. Segments smaller than 1280x720 (--segment-size)
 * get the same bits per pixel (4500 kb/s scaled by their area, >= 50k).
 * --quick: 2 tiny segments (192x108, 0.5 s), 2
 * repeats, 6 operations, K = 3 (a smoke test of the whole chain; later
 * flags override it).
 *
 * Writes into DIR (default out/calibrate-transcode), each file atomically:
 *   samples.csv   one row per run: segment,kind,group,degree,ops,repeat,
 *                 wall_s,cpu_s,out_bytes,status
 *   profile.json  machine type "local"; one task type per operation
 *                 (bitrate_768k, ...) and per multi-parameter combination,
 *                 each with the family fitted to its single-run times that
 *                 is best by AIC (profiles/fit.h); and "merge": the fitted
 *                 shared part, per-output parts, their errors
 *   merge.md      the model, its errors against the repeat-to-repeat noise,
 *                 measured vs predicted savings per group and degree
 *   savings.csv   the savings table (for hetsim plot)
 *   saving.svg   saving vs merged tasks, both groups, measured (95% CI over
 *                 segments) and predicted; saving_vic.svg, saving_codec.svg
 *                 each group alone; merge_fit.svg predicted vs measured
 *
 * The times modelled are CPU times (user + system of ffmpeg) by default:
 * with one thread per run they equal wall times on an idle machine, and
 * other work on a shared one inflates them far less than wall times (on
 * the 2-vCPU development VM a load of 4 raised CPU times by about 15-20%,
 * wall times by about 70%).
 * --metric wall models wall times instead; merge.md reports both.
 *
 * Exit status: 2 for a bad flag or value, 1 when ffmpeg or an encoder is
 * missing, an output cannot be written, or some runs failed (their rows
 * say why; the files are written all the same).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include "real/calibrate.h"
#include "profiles/fit.h"
#include "profiles/fit_table.h"
#include "real/merge_fit.h"
#include "real/segments.h"
#include "real/transcode.h"
#include "sim/ci.h"
#include "sim/base/out.h"
#include "sim/base/rng.h"
#include "sim/base/svg.h"
#include "sim/base/clock.h"

#define MAX_OPS REAL_CAL_MAX_OPS
#define MAX_DEGREE REAL_CAL_MAX_DEGREE

enum { STREAM_COMBOS = 100, STREAM_ORDER = 101 };
enum { METRIC_CPU = REAL_CAL_METRIC_CPU, METRIC_WALL = REAL_CAL_METRIC_WALL, METRICS };
static const char *const metric_names[METRICS] = {"cpu", "wall"};

typedef enum run_kind { KIND_SINGLE, KIND_MULTI, KIND_MERGED } run_kind;
static const char *const kind_names[] = {"single", "multi", "merged"};

typedef real_cal_args cal_args;

typedef struct config {
	int segment;
	run_kind kind;
	int group; /* real_group; -1 for multi */
	int n_out; /* outputs: the degree */
	int op[MAX_DEGREE]; /* single, merged: op index per output */
	real_op multi[REAL_OP_KINDS];
	int n_multi;
	int task; /* profile task index: op index, or n_ops + multi index */
	char text[320];
} config;

typedef struct sample {
	int config, repeat;
	real_tc_result res;
} sample;

typedef struct calib {
	cal_args a;
	real_tc *tc;
	char (*seg_path)[4096];
	const char **seg_family;
	config *cfg;
	size_t n_cfg;
	sample *runs;
	size_t n_runs;
	char **multi_names; /* task names of the multi combinations */
	int n_multi_names;
	char cpu_model[128];
	long cores;
	double mem_gib, took_s;
	size_t failed;
} calib;

/* ------------------------------------------------------------ the matrix */

static void config_text(const calib *c, config *cf)
{
	size_t len = 0;
	cf->text[0] = 0;
	int n = cf->kind == KIND_MULTI ? cf->n_multi : cf->n_out;
	for (int i = 0; i < n && len < sizeof cf->text; i++) {
		char t[REAL_OP_TEXT];
		real_op_text(cf->kind == KIND_MULTI ? &cf->multi[i] : &c->a.ops[cf->op[i]],
			     t, sizeof t);
		len += (size_t)snprintf(cf->text + len, sizeof cf->text - len, "%s%s",
					i ? ";" : "", t);
	}
}

static int cmp_int(const void *x, const void *y)
{
	return *(const int *)x - *(const int *)y;
}

static int add_config(calib *c, size_t *cap, const config *cf)
{
	if (c->n_cfg == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		config *n = realloc(c->cfg, *cap * sizeof *n);
		if (!n)
			return -1;
		c->cfg = n;
	}
	c->cfg[c->n_cfg] = *cf;
	config_text(c, &c->cfg[c->n_cfg]);
	c->n_cfg++;
	return 0;
}

/* Task index of a multi combination (its name added when new). */
static int multi_task(calib *c, const config *cf)
{
	char name[320];
	size_t len = 0;
	for (int i = 0; i < cf->n_multi; i++) {
		char t[REAL_OP_TEXT];
		real_op_name(&cf->multi[i], t, sizeof t);
		len += (size_t)snprintf(name + len, sizeof name - len, "%s%s", i ? "+" : "", t);
	}
	for (int i = 0; i < c->n_multi_names; i++)
		if (!strcmp(c->multi_names[i], name))
			return c->a.n_ops + i;
	char **n = realloc(c->multi_names, (size_t)(c->n_multi_names + 1) * sizeof *n);
	if (!n)
		return -1;
	c->multi_names = n;
	if (!(n[c->n_multi_names] = strdup(name)))
		return -1;
	return c->a.n_ops + c->n_multi_names++;
}

static int build_matrix(calib *c, io_err *err)
{
	const cal_args *a = &c->a;
	gsl_rng *rng = sim_rng_new(a->seed, STREAM_COMBOS);
	if (!rng)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	size_t cap = 0;
	int group_ops[2][MAX_OPS], n_group[2] = {0, 0};
	int by_kind[REAL_OP_KINDS][MAX_OPS], n_kind[REAL_OP_KINDS] = {0};
	for (int i = 0; i < a->n_ops; i++) {
		int g = (int)real_op_group(&a->ops[i]);
		group_ops[g][n_group[g]++] = i;
		by_kind[a->ops[i].kind][n_kind[a->ops[i].kind]++] = i;
	}
	for (int g = 0; g < 2; g++)
		if (a->group_on[g] && a->max_merge >= 2 && n_group[g] < 2)
			fprintf(stderr, "hetsim: calibrate: the %s group has %d operation%s in "
				"--ops: no merged runs for it\n", real_group_name((real_group)g),
				n_group[g], n_group[g] == 1 ? "" : "s");
	int multi_kinds = (n_kind[REAL_OP_FRAMERATE] > 0) + (n_kind[REAL_OP_RESOLUTION] > 0) +
			  (n_kind[REAL_OP_CODEC] > 0);
	if (a->multi && multi_kinds < 2)
		fprintf(stderr, "hetsim: calibrate: --multi needs operations of two of frame "
			"rate, resolution and codec in --ops: no multi-parameter runs\n");
	int rc = 0;
	for (int s = 0; s < a->segments && !rc; s++) {
		for (int i = 0; i < a->n_ops && !rc; i++) {
			config cf = {.segment = s, .kind = KIND_SINGLE, .n_out = 1, .task = i,
				     .group = (int)real_op_group(&a->ops[i])};
			cf.op[0] = i;
			rc = add_config(c, &cap, &cf);
		}
		for (int g = 0; g < 2 && !rc; g++) {
			if (!a->group_on[g] || n_group[g] < 2)
				continue;
			for (int k = 2; k <= a->max_merge && !rc; k++) {
				int shuffled[MAX_OPS];
				memcpy(shuffled, group_ops[g], (size_t)n_group[g] * sizeof(int));
				gsl_ran_shuffle(rng, shuffled, (size_t)n_group[g], sizeof(int));
				config cf = {.segment = s, .kind = KIND_MERGED, .group = g,
					     .n_out = k, .task = -1};
				for (int j = 0; j < k; j++)
					cf.op[j] = shuffled[j % n_group[g]];
				qsort(cf.op, (size_t)k, sizeof(int), cmp_int);
				rc = add_config(c, &cap, &cf);
			}
		}
		for (int m = 0; m < a->multi && multi_kinds >= 2 && !rc; m++) {
			config cf = {.segment = s, .kind = KIND_MULTI, .group = -1, .n_out = 1};
			static const real_op_kind kinds[] = {REAL_OP_FRAMERATE, REAL_OP_RESOLUTION,
							     REAL_OP_CODEC};
			for (int j = 0; j < 3; j++)
				if (n_kind[kinds[j]])
					cf.multi[cf.n_multi++] = a->ops[by_kind[kinds[j]][gsl_rng_uniform_int(
						rng, (unsigned long)n_kind[kinds[j]])]];
			if ((cf.task = multi_task(c, &cf)) < 0)
				rc = -1;
			else
				rc = add_config(c, &cap, &cf);
		}
	}
	gsl_rng_free(rng);
	if (rc)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	c->n_runs = c->n_cfg * (size_t)a->repeats;
	c->runs = calloc(c->n_runs, sizeof *c->runs);
	if (!c->runs)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < c->n_cfg; i++)
		for (int r = 0; r < a->repeats; r++) {
			sample *sm = &c->runs[i * (size_t)a->repeats + (size_t)r];
			sm->config = (int)i;
			sm->repeat = r;
			sm->res.status = REAL_RUN_FAILED;
			snprintf(sm->res.why, sizeof sm->res.why, "not run");
		}
	return 0;
}

/* ------------------------------------------------------------ running */

static void machine_facts(calib *c)
{
	snprintf(c->cpu_model, sizeof c->cpu_model, "unknown CPU");
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "model name", 10)) {
			const char *v = strchr(line, ':');
			if (v) {
				v += 1 + strspn(v + 1, " \t");
				snprintf(c->cpu_model, sizeof c->cpu_model, "%.*s",
					 (int)strcspn(v, "\n"), v);
			}
			break;
		}
	if (f)
		fclose(f);
	c->cores = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	c->mem_gib = pages > 0 && page > 0 ? (double)pages * (double)page / 1073741824.0 : NAN;
}

static int make_segments(calib *c, io_err *err)
{
	const cal_args *a = &c->a;
	c->seg_path = calloc((size_t)a->segments, sizeof *c->seg_path);
	c->seg_family = calloc((size_t)a->segments, sizeof *c->seg_family);
	if (!c->seg_path || !c->seg_family)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	char dir[2048];
	real_segment_cache_dir(a->cache, dir, sizeof dir);
	if (!a->quiet)
		fprintf(stderr, "segments: %d x %dx%d %g s 30 fps H.264, cache %s\n",
			a->segments, a->seg_w, a->seg_h, a->seg_duration_s, dir);
	for (int s = 0; s < a->segments; s++) {
		real_segment_spec spec;
		real_segment_default(&spec, a->seed, (uint32_t)s);
		spec.width = a->seg_w;
		spec.height = a->seg_h;
		spec.duration_s = a->seg_duration_s;
		if (a->seg_w * a->seg_h < 1280 * 720) /* keep bits per pixel */
			spec.bitrate_k = (int)fmax(50, 4500.0 * a->seg_w * a->seg_h / (1280 * 720));
		c->seg_family[s] = real_segment_family(&spec);
		int made = 0;
		int rc = real_segment_get(c->tc, &spec, a->cache, c->seg_path[s],
					  sizeof c->seg_path[s], &made, err);
		if (rc)
			return rc;
		if (!a->quiet)
			fprintf(stderr, "  segment %d: %-11s %s\n", s, c->seg_family[s],
				made ? "made" : "cached");
	}
	return 0;
}

static int run_one(calib *c, const config *cf, const char *work, size_t id,
		   real_tc_result *res, io_err *err)
{
	real_output outs[MAX_DEGREE];
	char paths[MAX_DEGREE][1200];
	for (int i = 0; i < cf->n_out; i++) {
		outs[i].ops = cf->kind == KIND_MULTI ? cf->multi : &c->a.ops[cf->op[i]];
		outs[i].n_ops = cf->kind == KIND_MULTI ? cf->n_multi : 1;
		snprintf(paths[i], sizeof paths[i], "%s/run%zu-%d.%s", work, id, i,
			 real_output_format(&outs[i]));
		outs[i].path = paths[i];
	}
	int rc = real_tc_run(c->tc, c->seg_path[cf->segment], outs, cf->n_out, res, err);
	for (int i = 0; i < cf->n_out; i++)
		unlink(paths[i]);
	return rc;
}

static void fmt_eta(double s, char *buf, size_t cap)
{
	if (!isfinite(s) || s < 0)
		s = 0;
	snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
}

static int run_matrix(calib *c, const char *work, io_err *err)
{
	const cal_args *a = &c->a;
	size_t *order = malloc(c->n_runs * sizeof *order);
	gsl_rng *rng = sim_rng_new(a->seed, STREAM_ORDER);
	int rc = 0;
	if (!order || !rng)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; !rc && i < c->n_runs; i++)
		order[i] = i;
	if (!rc)
		gsl_ran_shuffle(rng, order, c->n_runs, sizeof *order);
	/* warm-up: caches, page cache of the segment and the encoders */
	if (!rc && c->n_runs) {
		real_tc_result warm;
		rc = run_one(c, &c->cfg[0], work, c->n_runs, &warm, err);
	}
	double t0 = sim_clock_s();
	for (size_t k = 0; !rc && k < c->n_runs; k++) {
		sample *sm = &c->runs[order[k]];
		const config *cf = &c->cfg[sm->config];
		rc = run_one(c, cf, work, order[k], &sm->res, err);
		if (rc)
			break;
		if (sm->res.status != REAL_RUN_OK)
			c->failed++;
		if (!a->quiet || sm->res.status != REAL_RUN_OK) {
			double el = sim_clock_s() - t0;
			char eta[32];
			fmt_eta(el / (double)(k + 1) * (double)(c->n_runs - k - 1), eta, sizeof eta);
			fprintf(stderr, "[%*zu/%zu] seg %d %-6s %-5s x%d %-44s cpu %6.3f s  wall %6.3f s  %s%s%s\n",
				(int)snprintf(NULL, 0, "%zu", c->n_runs), k + 1, c->n_runs,
				cf->segment, kind_names[cf->kind],
				cf->group < 0 ? "-" : real_group_name((real_group)cf->group),
				cf->n_out, cf->text, sm->res.cpu_s, sm->res.wall_s,
				sm->res.status == REAL_RUN_OK ? "eta " : real_run_status_name(sm->res.status),
				sm->res.status == REAL_RUN_OK ? eta : ": ",
				sm->res.status == REAL_RUN_OK ? "" : sm->res.why);
		}
	}
	free(order);
	gsl_rng_free(rng);
	return rc;
}

/* ------------------------------------------------------------ analysis */

static double metric_of(const sample *sm, int metric)
{
	return metric == METRIC_WALL ? sm->res.wall_s : sm->res.cpu_s;
}

/* The merge-model rows of the ok single and merged runs passing keep. */
typedef struct rows {
	double *counts, *t;
	size_t n;
} rows;

typedef int (*keep_fn)(const calib *c, const sample *sm, int arg);

static int keep_all(const calib *c, const sample *sm, int arg)
{
	return 1;
}
static int keep_repeat_below(const calib *c, const sample *sm, int arg)
{
	return sm->repeat < arg;
}
static int keep_repeat_merged(const calib *c, const sample *sm, int arg)
{
	return sm->repeat == arg && c->cfg[sm->config].kind == KIND_MERGED;
}
static int keep_other_segments(const calib *c, const sample *sm, int arg)
{
	return c->cfg[sm->config].segment != arg;
}
static int keep_segment_merged(const calib *c, const sample *sm, int arg)
{
	return c->cfg[sm->config].segment == arg && c->cfg[sm->config].kind == KIND_MERGED;
}

static void config_counts(const calib *c, const config *cf, double *counts)
{
	memset(counts, 0, (size_t)c->a.n_ops * sizeof *counts);
	for (int i = 0; i < cf->n_out; i++)
		counts[cf->op[i]] += 1;
}

/* Rows of the model T = a + sum_o b_o n_o for the single and merged runs
 * keep() selects: n_o per operation, or with by_segment one column per
 * (segment, operation), the model T = a + sum_o b_{s,o} n_o whose
 * per-output parts may differ from segment to segment (a is then measured
 * within segments only). */
static int collect(const calib *c, int metric, keep_fn keep, int arg,
		   int by_segment, rows *r)
{
	size_t n_ops = (size_t)c->a.n_ops;
	size_t cols = n_ops * (by_segment ? (size_t)c->a.segments : 1);
	r->counts = calloc((c->n_runs + 1) * cols, sizeof *r->counts);
	r->t = malloc((c->n_runs + 1) * sizeof *r->t);
	r->n = 0;
	if (!r->counts || !r->t)
		return -1;
	for (size_t i = 0; i < c->n_runs; i++) {
		const sample *sm = &c->runs[i];
		const config *cf = &c->cfg[sm->config];
		if (sm->res.status != REAL_RUN_OK || cf->kind == KIND_MULTI || !keep(c, sm, arg))
			continue;
		double *row = r->counts + r->n * cols +
			      (by_segment ? (size_t)cf->segment * n_ops : 0);
		for (int j = 0; j < cf->n_out; j++)
			row[cf->op[j]] += 1;
		r->t[r->n++] = metric_of(sm, metric);
	}
	return 0;
}

static void rows_free(rows *r)
{
	free(r->counts);
	free(r->t);
}

typedef struct saving_cell {
	int group, degree;
	size_t n_cfg;
	sim_ci measured;  /* over the per-config means (clusters = segments) */
	double predicted; /* mean over the configs of the model's saving */
	double pred_sum;
	double *per_cfg;
	int repeats_op; /* some config repeats an operation */
} saving_cell;

typedef struct analysis {
	int metric, ok;
	char why[640];
	real_merge_model model;
	real_merge_error heldout, loso, heldout_all;
	real_merge_error heldout_rel; /* from the same segment's single runs */
	int seg_ok; /* the model with per-segment output parts */
	double seg_shared_s, seg_shared_se, seg_residual_sd, seg_r2;
	double noise_sd, noise_sd_merged;
	size_t noise_dof;
	saving_cell cells[2][MAX_DEGREE + 1];
} analysis;

/* Mean metric of the ok repeats below `below` of a config; NAN if none. */
static double config_mean_below(const calib *c, size_t cfg, int metric, int below)
{
	double sum = 0;
	int n = 0;
	if (cfg >= c->n_cfg)
		return NAN;
	for (int r = 0; r < below && r < c->a.repeats; r++) {
		const sample *sm = &c->runs[cfg * (size_t)c->a.repeats + (size_t)r];
		if (sm->res.status == REAL_RUN_OK) {
			sum += metric_of(sm, metric);
			n++;
		}
	}
	return n ? sum / n : NAN;
}

static double config_mean(const calib *c, size_t cfg, int metric)
{
	return config_mean_below(c, cfg, metric, c->a.repeats);
}


/* The single config of op on segment. */
static size_t single_config(const calib *c, int segment, int op)
{
	for (size_t i = 0; i < c->n_cfg; i++)
		if (c->cfg[i].segment == segment && c->cfg[i].kind == KIND_SINGLE &&
		    c->cfg[i].op[0] == op)
			return i;
	return (size_t)-1;
}

/* The merge model used the way a simulator with per-task times uses it:
 * a merged run of the last repeat predicted as the sum of the same
 * segment's single runs (earlier repeats) minus (k - 1) shared parts
 * (fitted on the earlier repeats). Segment content then enters through the
 * single times, and only the split into shared and per-output parts comes
 * from the model. */
static real_merge_error heldout_from_singles(const calib *c, int metric,
					     const real_merge_model *m)
{
	real_merge_error e = {0};
	double abs_sum = 0, rel_sum = 0, sum = 0, sq = 0;
	int last = c->a.repeats - 1;
	for (size_t i = 0; i < c->n_runs; i++) {
		const sample *sm = &c->runs[i];
		const config *cf = &c->cfg[sm->config];
		if (sm->repeat != last || cf->kind != KIND_MERGED ||
		    sm->res.status != REAL_RUN_OK)
			continue;
		double pred = -(cf->n_out - 1) * m->shared_s;
		for (int j = 0; j < cf->n_out; j++)
			pred += config_mean_below(c, single_config(c, cf->segment, cf->op[j]),
						  metric, last);
		if (!isfinite(pred))
			continue;
		double t = metric_of(sm, metric), d = pred - t;
		abs_sum += fabs(d);
		rel_sum += t > 0 ? fabs(d) / t : 0;
		sum += d;
		sq += d * d;
		e.n++;
	}
	e.mae_s = e.n ? abs_sum / (double)e.n : NAN;
	e.mre = e.n ? rel_sum / (double)e.n : NAN;
	e.bias_s = e.n ? sum / (double)e.n : NAN;
	e.rmse_s = e.n ? sqrt(sq / (double)e.n) : NAN;
	return e;
}

static void analyse(const calib *c, int metric, analysis *an)
{
	memset(an, 0, sizeof *an);
	an->metric = metric;
	an->heldout.mae_s = an->loso.mae_s = an->heldout_all.mae_s = NAN;
	an->heldout.mre = an->loso.mre = an->heldout_all.mre = NAN;
	const cal_args *a = &c->a;
	size_t n_ops = (size_t)a->n_ops;
	rows all = {0};
	io_err err = {0};
	if (collect(c, metric, keep_all, 0, 0, &all)) {
		snprintf(an->why, sizeof an->why, "out of memory");
		rows_free(&all);
		return;
	}
	if (real_merge_fit(all.counts, all.t, all.n, a->n_ops, &an->model, &err)) {
		snprintf(an->why, sizeof an->why, "%s", err.msg);
		rows_free(&all);
		return;
	}
	an->ok = 1;
	rows_free(&all);
	rows byseg = {0};
	real_merge_model ms;
	io_err e1 = {0};
	if (!collect(c, metric, keep_all, 0, 1, &byseg) &&
	    !real_merge_fit(byseg.counts, byseg.t, byseg.n, a->n_ops * a->segments, &ms,
			    &e1)) {
		an->seg_ok = 1;
		an->seg_shared_s = ms.shared_s;
		an->seg_shared_se = ms.shared_se;
		an->seg_residual_sd = ms.residual_sd;
		an->seg_r2 = ms.r2;
		real_merge_model_free(&ms);
	}
	rows_free(&byseg);
	/* held-back repeat: fit on repeats 0..R-2, predict repeat R-1 */
	if (a->repeats >= 2) {
		rows train = {0}, test = {0};
		real_merge_model m;
		io_err e2 = {0};
		if (!collect(c, metric, keep_repeat_below, a->repeats - 1, 0, &train) &&
		    !collect(c, metric, keep_repeat_merged, a->repeats - 1, 0, &test) &&
		    !real_merge_fit(train.counts, train.t, train.n, a->n_ops, &m, &e2)) {
			an->heldout = real_merge_evaluate(&m, test.counts, test.t, test.n);
			an->heldout_rel = heldout_from_singles(c, metric, &m);
			real_merge_model_free(&m);
		}
		rows_free(&train);
		rows_free(&test);
	}
	/* leave one segment out: content the model has not seen */
	if (a->segments >= 2) {
		double abs_sum = 0, rel_sum = 0;
		size_t n = 0;
		for (int s = 0; s < a->segments; s++) {
			rows train = {0}, test = {0};
			real_merge_model m;
			io_err e2 = {0};
			if (!collect(c, metric, keep_other_segments, s, 0, &train) &&
			    !collect(c, metric, keep_segment_merged, s, 0, &test) &&
			    !real_merge_fit(train.counts, train.t, train.n, a->n_ops, &m, &e2)) {
				real_merge_error e = real_merge_evaluate(&m, test.counts, test.t, test.n);
				if (e.n) {
					abs_sum += e.mae_s * (double)e.n;
					rel_sum += e.mre * (double)e.n;
					n += e.n;
				}
				real_merge_model_free(&m);
			}
			rows_free(&train);
			rows_free(&test);
		}
		an->loso.n = n;
		if (n) {
			an->loso.mae_s = abs_sum / (double)n;
			an->loso.mre = rel_sum / (double)n;
		}
	}
	/* noise: pooled SD of repeated identical runs */
	double *t = malloc(c->n_runs * sizeof *t);
	size_t *g = malloc(c->n_runs * sizeof *g), n = 0, nm = 0;
	double *tm = malloc(c->n_runs * sizeof *tm);
	size_t *gm = malloc(c->n_runs * sizeof *gm);
	if (t && g && tm && gm) {
		for (size_t i = 0; i < c->n_runs; i++) {
			const sample *sm = &c->runs[i];
			if (sm->res.status != REAL_RUN_OK)
				continue;
			t[n] = metric_of(sm, metric);
			g[n++] = (size_t)sm->config;
			if (c->cfg[sm->config].kind == KIND_MERGED) {
				tm[nm] = t[n - 1];
				gm[nm++] = (size_t)sm->config;
			}
		}
		an->noise_sd = real_pooled_sd(t, g, n, c->n_cfg, &an->noise_dof);
		an->noise_sd_merged = real_pooled_sd(tm, gm, nm, c->n_cfg, NULL);
	} else {
		an->noise_sd = an->noise_sd_merged = NAN;
	}
	free(t);
	free(g);
	free(tm);
	free(gm);
	/* savings per group and degree */
	double *counts = malloc(n_ops * sizeof *counts);
	for (int gi = 0; gi < 2 && counts; gi++)
		for (int k = 2; k <= a->max_merge; k++) {
			saving_cell *cell = &an->cells[gi][k];
			cell->group = gi;
			cell->degree = k;
			cell->per_cfg = malloc((size_t)a->segments * sizeof *cell->per_cfg);
			if (!cell->per_cfg)
				continue;
			for (size_t i = 0; i < c->n_cfg; i++) {
				const config *cf = &c->cfg[i];
				if (cf->kind != KIND_MERGED || cf->group != gi || cf->n_out != k)
					continue;
				double merged = config_mean(c, i, metric), separate = 0;
				for (int j = 0; j < k; j++) {
					separate += config_mean(c, single_config(c, cf->segment, cf->op[j]),
								metric);
					if (j && cf->op[j] == cf->op[j - 1])
						cell->repeats_op = 1;
				}
				if (!isfinite(merged) || !isfinite(separate) || separate <= 0)
					continue;
				config_counts(c, cf, counts);
				cell->per_cfg[cell->n_cfg++] = 1 - merged / separate;
				cell->pred_sum += real_merge_saving(&an->model, counts);
			}
			cell->measured = sim_ci_mean(cell->per_cfg, cell->n_cfg);
			cell->predicted = cell->n_cfg ? cell->pred_sum / (double)cell->n_cfg : NAN;
		}
	free(counts);
}

static void analysis_free(analysis *an)
{
	if (an->ok)
		real_merge_model_free(&an->model);
	for (int g = 0; g < 2; g++)
		for (int k = 0; k <= MAX_DEGREE; k++)
			free(an->cells[g][k].per_cfg);
}

/* ------------------------------------------------------------ outputs */

static int write_text(const char *dir, const char *name, sim_text *t, io_err *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int rc = t->failed ? io_errf(err, IO_ENOMEM, NULL, 0, "out of memory")
			   : sim_write_text(path, t->buf ? t->buf : "", t->len, err);
	free(t->buf);
	memset(t, 0, sizeof *t);
	return rc;
}

static int write_samples(const calib *c, io_err *err)
{
	sim_text t = {0};
	sim_text_add(&t, "segment,kind,group,degree,ops,repeat,wall_s,cpu_s,out_bytes,status\n");
	for (size_t i = 0; i < c->n_runs; i++) {
		const sample *sm = &c->runs[i];
		const config *cf = &c->cfg[sm->config];
		sim_text_add(&t, "%d,%s,%s,%d,%s,%d,%.6f,%.6f,%llu,%s\n", cf->segment,
			kind_names[cf->kind],
			cf->group < 0 ? "multi" : real_group_name((real_group)cf->group),
			cf->n_out, cf->text, sm->repeat + 1, sm->res.wall_s, sm->res.cpu_s,
			(unsigned long long)sm->res.total_bytes,
			real_run_status_name(sm->res.status));
	}
	return write_text(c->a.out, "samples.csv", &t, err);
}

static void task_name(const calib *c, int task, char *buf, size_t cap)
{
	if (task < c->a.n_ops)
		real_op_name(&c->a.ops[task], buf, cap);
	else
		snprintf(buf, cap, "%s", c->multi_names[task - c->a.n_ops]);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

/* The exec entry of a task: the family best by AIC (as `hetsim fit`
 * chooses), or the samples themselves when no family applies. */
static json_t *exec_entry(const calib *c, int task, int metric)
{
	char name[320];
	task_name(c, task, name, sizeof name);
	double *x = malloc(c->n_runs * sizeof *x);
	size_t n = 0;
	for (size_t i = 0; x && i < c->n_runs; i++) {
		const sample *sm = &c->runs[i];
		const config *cf = &c->cfg[sm->config];
		if (sm->res.status == REAL_RUN_OK && cf->task == task)
			x[n++] = metric_of(sm, metric);
	}
	if (!x || n == 0) {
		free(x);
		return NULL;
	}
	qsort(x, n, sizeof *x, cmp_double);
	char what[200];
	snprintf(what, sizeof what,
		 "hetsim calibrate transcode: n=%zu %s-time runs", n,
		 metric_names[metric]);
	json_t *e = prof_fit_exec_entry(name, "local", x, n, what, "");
	free(x);
	return e;
}

static void describe_run(const calib *c, char *buf, size_t cap)
{
	char degrees[48];
	if (c->a.max_merge >= 2)
		snprintf(degrees, sizeof degrees, "merged degrees 2-%d", c->a.max_merge);
	else
		snprintf(degrees, sizeof degrees, "no merged runs");
	snprintf(buf, cap,
		 "hetsim calibrate transcode on %s (%ld cores): %d synthetic %dx%d %g s "
		 "segments (seed %llu) x %d repeats, %d operations, %s, "
		 "%d ffmpeg thread%s per run, %s time",
		 c->cpu_model, c->cores, c->a.segments, c->a.seg_w, c->a.seg_h,
		 c->a.seg_duration_s, (unsigned long long)c->a.seed, c->a.repeats,
		 c->a.n_ops, degrees, c->a.threads, c->a.threads == 1 ? "" : "s",
		 metric_names[c->a.metric]);
}

static int write_profile(const calib *c, const analysis *an, io_err *err)
{
	char what[1024];
	describe_run(c, what, sizeof what);
	json_t *root = json_object(), *mts = json_array(), *tts = json_array(),
	       *exec = json_array();
	json_object_set_new(root, "source", json_string(what));
	json_t *mt = json_object();
	json_object_set_new(mt, "name", json_string("local"));
	if (c->cores > 0)
		json_object_set_new(mt, "vcpu", json_integer(c->cores));
	if (isfinite(c->mem_gib))
		json_object_set_new(mt, "mem_gib", sim_json_num(round(c->mem_gib * 10) / 10));
	char src[256];
	snprintf(src, sizeof src, "this machine: %s, %ld cores", c->cpu_model, c->cores);
	json_object_set_new(mt, "source", json_string(src));
	json_array_append_new(mts, mt);
	int n_tasks = c->a.n_ops + c->n_multi_names;
	for (int task = 0; task < n_tasks; task++) {
		json_t *e = exec_entry(c, task, c->a.metric);
		if (!e)
			continue; /* every run of it failed */
		char name[320];
		task_name(c, task, name, sizeof name);
		json_array_append_new(tts, json_pack("{s:s,s:s}", "name", name, "kind",
						     "transcode"));
		json_array_append_new(exec, e);
	}
	json_object_set_new(root, "machine_types", mts);
	json_object_set_new(root, "task_types", tts);
	json_object_set_new(root, "exec", exec);
	if (an->ok) {
		json_t *m = json_object(), *per = json_object();
		json_object_set_new(m, "machine", json_string("local"));
		json_object_set_new(m, "shared_s", sim_json_num(an->model.shared_s));
		json_object_set_new(m, "shared_se", sim_json_num(an->model.shared_se));
		for (int o = 0; o < c->a.n_ops; o++) {
			char name[REAL_OP_TEXT];
			real_op_name(&c->a.ops[o], name, sizeof name);
			json_object_set_new(per, name, sim_json_num(an->model.per_output_s[o]));
		}
		json_object_set_new(m, "per_output_s", per);
		json_object_set_new(m, "residual_sd", sim_json_num(an->model.residual_sd));
		json_object_set_new(m, "r2", sim_json_num(an->model.r2));
		json_object_set_new(m, "n", json_integer((json_int_t)an->model.n));
		json_object_set_new(m, "heldout_mae_s", sim_json_num(an->heldout.mae_s));
		json_object_set_new(m, "noise_sd_s", sim_json_num(an->noise_sd));
		json_object_set_new(m, "source", json_string(what));
		json_t *arr = json_array();
		json_array_append_new(arr, m);
		json_object_set_new(root, "merge", arr);
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/profile.json", c->a.out);
	int rc = sim_write_json(path, root, err);
	json_decref(root);
	return rc;
}

static void pct(sim_text *t, double x)
{
	if (isfinite(x))
		sim_text_add(t, "%.1f", 100 * x);
	else
		sim_text_add(t, "n/a");
}

static void report_model(sim_text *t, const calib *c, const analysis *an)
{
	const char *unit = metric_names[an->metric];
	if (!an->ok) {
		sim_text_add(t, "No merge model from %s times: %s\n\n", unit, an->why);
		return;
	}
	const real_merge_model *m = &an->model;
	sim_text_add(t, "T = a + sum_o b_o n_o, fitted by ordinary least squares to the %s "
		"times of %zu single and merged runs (n_o = outputs of operation o in "
		"the run):\n\n", unit, m->n);
	sim_text_add(t, "| term | estimate (s) | standard error (s) |\n|---|---:|---:|\n");
	sim_text_add(t, "| a: shared part (start-up, demux, decode) | %.4f | %.4f |\n",
		m->shared_s, m->shared_se);
	for (int o = 0; o < c->a.n_ops; o++) {
		char name[REAL_OP_TEXT];
		real_op_name(&c->a.ops[o], name, sizeof name);
		sim_text_add(t, "| b: %s | %.4f | %.4f |\n", name, m->per_output_s[o],
			m->per_output_se[o]);
	}
	sim_text_add(t, "\nResidual SD **%.4f s**, R² **%.4f**.", m->residual_sd, m->r2);
	if (an->seg_ok)
		sim_text_add(t, " With per-output parts of their own for each segment "
			"(T = a + sum_o b_{segment,o} n_o, %d unknowns), the shared part is "
			"%.4f s (SE %.4f), residual SD %.4f s, R² %.4f: %s",
			1 + c->a.n_ops * c->a.segments, an->seg_shared_s, an->seg_shared_se,
			an->seg_residual_sd, an->seg_r2,
			an->seg_residual_sd < 0.6 * m->residual_sd
				? "how much the segments differ in content explains most of "
				  "the residual above."
				: "the segments differ little; the residual is mostly "
				  "run-to-run noise.");
	sim_text_add(t, "\n\n");
	sim_text_add(t, "| check | runs | mean abs. error (s) | mean rel. error |\n|---|---:|---:|---:|\n");
	if (an->heldout.n) {
		char fitted[32];
		snprintf(fitted, sizeof fitted, c->a.repeats > 2 ? "repeats 1-%d" : "repeat %d",
			 c->a.repeats - 1);
		sim_text_add(t, "| held-back repeat: fit on %s, predict the merged runs "
			"of repeat %d | %zu | %.4f | %.1f%% |\n", fitted,
			c->a.repeats, an->heldout.n, an->heldout.mae_s, 100 * an->heldout.mre);
	}
	if (an->heldout_rel.n)
		sim_text_add(t, "| held-back repeat, predicted as the sum of the same segment's "
			"single runs minus (k - 1) shared parts | %zu | %.4f | %.1f%% |\n",
			an->heldout_rel.n, an->heldout_rel.mae_s, 100 * an->heldout_rel.mre);
	if (an->loso.n)
		sim_text_add(t, "| held-back segment: fit without one segment, predict its merged "
			"runs (each segment in turn) | %zu | %.4f | %.1f%% |\n", an->loso.n,
			an->loso.mae_s, 100 * an->loso.mre);
	sim_text_add(t, "\nNoise: the pooled SD of repeated identical runs is **%.4f s** "
		"(%zu degrees of freedom; merged runs alone: %.4f s). ",
		an->noise_sd, an->noise_dof, an->noise_sd_merged);
	if (an->heldout.n && isfinite(an->noise_sd)) {
		sim_text_add(t, "The model alone misses held-back merged runs by %.1fx the "
			"noise%s", an->heldout.mae_s / an->noise_sd,
			an->heldout.mae_s <= 2 * an->noise_sd
				? ": about as well as a repeat of the same run does. "
				: ": it has one time per operation for all segments, so its "
				  "error also holds how much the segments differ in "
				  "complexity, which repeat noise does not. ");
		if (an->heldout_rel.n)
			sim_text_add(t, "Predicted from the same segment's single runs (as a "
				"simulator that draws each task's time does: merged = sum of "
				"the tasks' times - (k - 1) shared parts) the error is %.1fx "
				"the noise of merged runs.", an->heldout_rel.mae_s /
				an->noise_sd_merged);
	}
	sim_text_add(t, "\n\n");
}

static void report_savings(sim_text *t, const calib *c, const analysis *an)
{
	sim_text_add(t, "| group | merged tasks | configurations | measured saving %% "
		"(mean) | 95%% CI | predicted saving %% |\n|---|---:|---:|---:|---|---:|\n");
	for (int g = 0; g < 2; g++)
		for (int k = 2; k <= c->a.max_merge; k++) {
			const saving_cell *cell = &an->cells[g][k];
			if (!cell->n_cfg)
				continue;
			sim_text_add(t, "| %s | %d%s | %zu | ", real_group_name((real_group)g), k,
				cell->repeats_op ? " *" : "", cell->n_cfg);
			pct(t, cell->measured.mean);
			sim_text_add(t, " | ");
			if (isfinite(cell->measured.half)) {
				pct(t, cell->measured.mean - cell->measured.half);
				sim_text_add(t, " to ");
				pct(t, cell->measured.mean + cell->measured.half);
			} else
				sim_text_add(t, "n/a");
			sim_text_add(t, " | ");
			pct(t, cell->predicted);
			sim_text_add(t, " |\n");
		}
	sim_text_add(t, "\nSaving = 1 - T(merged run) / sum of T(single run of each output's "
		"operation) on the same segment (means over repeats); the interval is "
		"over segments (one value per segment and degree).");
	int any_rep = 0;
	for (int k = 2; k <= c->a.max_merge; k++)
		any_rep |= an->cells[REAL_GROUP_CODEC][k].repeats_op |
			   an->cells[REAL_GROUP_VIC][k].repeats_op;
	if (any_rep)
		sim_text_add(t, " * The group has fewer distinct operations than merged tasks, "
			"so some operation has two outputs (the codec group has four codecs).");
	sim_text_add(t, "\n\n");
}

static int write_report(const calib *c, const analysis an[METRICS], io_err *err,
			int print)
{
	sim_text t = {0};
	char what[1024];
	describe_run(c, what, sizeof what);
	const analysis *main_an = &an[c->a.metric];
	sim_text_add(&t, "# Merging transcoding tasks on this machine\n\n%s.\n\n", what);
	size_t n_single = 0, n_merged = 0, n_multi = 0;
	for (size_t i = 0; i < c->n_runs; i++) {
		run_kind k = c->cfg[c->runs[i].config].kind;
		n_single += k == KIND_SINGLE;
		n_merged += k == KIND_MERGED;
		n_multi += k == KIND_MULTI;
	}
	sim_text_add(&t, "%zu runs (%zu single, %zu merged, %zu multi-parameter), %zu failed; "
		"the calibration took %.0f s.\n\n", c->n_runs, n_single, n_merged, n_multi,
		c->failed, c->took_s);
	sim_text_add(&t, "Segments (content families): ");
	for (int s = 0; s < c->a.segments; s++)
		sim_text_add(&t, "%s%d %s", s ? ", " : "", s, c->seg_family[s]);
	sim_text_add(&t, ".\n\n## Merge model (%s time)\n\n", metric_names[c->a.metric]);
	report_model(&t, c, main_an);
	sim_text_add(&t, "## Merge saving by number of merged tasks (%s time)\n\n",
		metric_names[c->a.metric]);
	report_savings(&t, c, main_an);
	int other = 1 - c->a.metric;
	sim_text_add(&t, "## The same from %s times\n\n", metric_names[other]);
	if (an[other].ok)
		sim_text_add(&t, "Shared part %.4f s (SE %.4f), residual SD %.4f s, R² %.4f; "
			"held-back-repeat error %.4f s against a noise SD of %.4f s.\n\n",
			an[other].model.shared_s, an[other].model.shared_se,
			an[other].model.residual_sd, an[other].model.r2, an[other].heldout.mae_s,
			an[other].noise_sd);
	report_savings(&t, c, &an[other]);
	sim_text_add(&t, "## Files\n\n`samples.csv` (one row per run), `profile.json` (per-"
		"operation time models and the merge model), `savings.csv`, "
		"`saving.svg` (both groups), `saving_vic.svg`, `saving_codec.svg`, "
		"`merge_fit.svg` (predicted vs measured run times).\n");
	if (print && t.buf)
		fwrite(t.buf, 1, t.len, stdout);
	return write_text(c->a.out, "merge.md", &t, err);
}

static int write_savings_csv(const calib *c, const analysis *an, io_err *err)
{
	sim_text t = {0};
	sim_text_add(&t, "group,degree,configs,measured,lo,hi,predicted\n");
	for (int g = 0; g < 2; g++)
		for (int k = 2; k <= c->a.max_merge; k++) {
			const saving_cell *cell = &an->cells[g][k];
			if (!cell->n_cfg)
				continue;
			double half = isfinite(cell->measured.half) ? cell->measured.half : 0;
			sim_text_add(&t, "%s,%d,%zu,%.6f,%.6f,%.6f,%.6f\n",
				real_group_name((real_group)g), k, cell->n_cfg, cell->measured.mean,
				cell->measured.mean - half, cell->measured.mean + half,
				cell->predicted);
		}
	return write_text(c->a.out, "savings.csv", &t, err);
}

/* Saving against the number of merged tasks for the groups in mask (bit
 * g = group g): measured means with their 95% intervals, solid; the
 * model's prediction, dashed. */
static int plot_savings(const calib *c, const analysis *an, int mask,
			const char *file, io_err *err)
{
	double lo = 0, hi = 0.1;
	int any = 0;
	for (int g = 0; g < 2; g++)
		for (int k = 2; k <= c->a.max_merge && (mask >> g & 1); k++) {
			const saving_cell *cell = &an->cells[g][k];
			if (!cell->n_cfg)
				continue;
			double h = isfinite(cell->measured.half) ? cell->measured.half : 0;
			lo = fmin(lo, fmin(cell->measured.mean - h, cell->predicted));
			hi = fmax(hi, fmax(cell->measured.mean + h, cell->predicted));
			any = 1;
		}
	if (!any)
		return 0;
	lo *= 100;
	hi *= 100;
	char title[200], path[4096];
	snprintf(title, sizeof title, "%s: merge saving vs merged tasks (%s time)",
		 mask == 1 ? "VIC group (bit rate, frame rate, resolution)"
		 : mask == 2 ? "codec group" : "VIC and codec groups",
		 metric_names[an->metric]);
	sim_svg *s = sim_svg_new(760, 500);
	if (!s)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	double pad = (hi - lo) * 0.08;
	sim_svg_panel p = sim_svg_axes(s, 80, 40, 620, 380, 1.5, c->a.max_merge + 0.5,
				       lo < 0 ? lo - pad : 0, hi + pad, title,
				       "merged tasks (outputs of one ffmpeg run)",
				       "saving vs separate runs (%)");
	int entry = 0;
	for (int g = 1; g >= 0; g--) {
		if (!(mask >> g & 1))
			continue;
		const char *color = sim_svg_color(g == REAL_GROUP_VIC ? 0 : 2);
		/* side by side when both are drawn, so the intervals do not hide */
		double dx = mask == 3 ? (g == REAL_GROUP_VIC ? -0.04 : 0.04) : 0;
		double xs[MAX_DEGREE + 1], ym[MAX_DEGREE + 1], yp[MAX_DEGREE + 1];
		size_t n = 0;
		for (int k = 2; k <= c->a.max_merge; k++) {
			const saving_cell *cell = &an->cells[g][k];
			if (!cell->n_cfg)
				continue;
			xs[n] = k + dx;
			ym[n] = 100 * cell->measured.mean;
			yp[n] = 100 * cell->predicted;
			sim_svg_marker(s, &p, xs[n], ym[n], color);
			if (isfinite(cell->measured.half)) {
				double wx[2] = {xs[n], xs[n]};
				double wy[2] = {ym[n] - 100 * cell->measured.half,
						ym[n] + 100 * cell->measured.half};
				sim_svg_line(s, &p, wx, wy, 2, color, 1.5, 0);
			}
			n++;
		}
		if (!n)
			continue;
		sim_svg_line(s, &p, xs, ym, n, color, 2, 0);
		sim_svg_line(s, &p, xs, yp, n, color, 2, 1);
		char label[64];
		const char *name = real_group_name((real_group)g);
		snprintf(label, sizeof label, "%s model", mask == 3 ? name : "merge");
		sim_svg_legend(s, &p, entry++, 1, color, 1, label);
		snprintf(label, sizeof label, "%s%smeasured, 95%% CI", mask == 3 ? name : "",
			 mask == 3 ? " " : "");
		sim_svg_legend(s, &p, entry++, 1, color, 0, label);
	}
	char note[300];
	snprintf(note, sizeof note, "%d segments x %d repeats on %s; CI over segments; "
		 "hetsim calibrate transcode", c->a.segments, c->a.repeats, c->cpu_model);
	sim_svg_text(s, 80, 490, "start", 11, note);
	snprintf(path, sizeof path, "%s/%s", c->a.out, file);
	int rc = sim_svg_write(s, path, err);
	sim_svg_free(s);
	return rc;
}

/* Measured against predicted time of every single and merged run. */
static int plot_fit(const calib *c, const analysis *an, io_err *err)
{
	if (!an->ok)
		return 0;
	double hi = 0;
	double *counts = malloc((size_t)c->a.n_ops * sizeof *counts);
	if (!counts)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < c->n_runs; i++)
		if (c->runs[i].res.status == REAL_RUN_OK)
			hi = fmax(hi, metric_of(&c->runs[i], an->metric));
	hi *= 1.05;
	sim_svg *s = sim_svg_new(620, 600);
	if (!s) {
		free(counts);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	char title[160];
	snprintf(title, sizeof title, "merge model: predicted vs measured %s time",
		 metric_names[an->metric]);
	sim_svg_panel p = sim_svg_axes(s, 80, 40, 500, 480, 0, hi, 0, hi, title,
				       "measured (s)", "predicted (s)");
	double d[2] = {0, hi};
	sim_svg_line(s, &p, d, d, 2, "#888", 1, 1);
	for (size_t i = 0; i < c->n_runs; i++) {
		const sample *sm = &c->runs[i];
		const config *cf = &c->cfg[sm->config];
		if (sm->res.status != REAL_RUN_OK || cf->kind == KIND_MULTI)
			continue;
		config_counts(c, cf, counts);
		int color = cf->kind == KIND_SINGLE ? 0 : 1 + cf->group;
		sim_svg_marker(s, &p, metric_of(sm, an->metric),
			       real_merge_predict(&an->model, counts), sim_svg_color(color));
	}
	sim_svg_legend(s, &p, 0, 1, sim_svg_color(0), 0, "single runs");
	sim_svg_legend(s, &p, 1, 1, sim_svg_color(1), 0, "merged, VIC group");
	sim_svg_legend(s, &p, 2, 1, sim_svg_color(2), 0, "merged, codec group");
	char path[4096];
	snprintf(path, sizeof path, "%s/merge_fit.svg", c->a.out);
	int rc = sim_svg_write(s, path, err);
	sim_svg_free(s);
	free(counts);
	return rc;
}

/* ------------------------------------------------------------ command */

static void calib_free(calib *c)
{
	real_tc_free(c->tc);
	free(c->seg_path);
	free(c->seg_family);
	free(c->cfg);
	free(c->runs);
	for (int i = 0; i < c->n_multi_names; i++)
		free(c->multi_names[i]);
	free(c->multi_names);
}

static int check_encoders(const calib *c, io_err *err)
{
	char missing[400] = "";
	size_t len = 0;
	int seen[REAL_CODECS] = {0};
	seen[REAL_CODEC_H264] = 1; /* checked below: the segments need it */
	if (!real_tc_has_encoder(c->tc, "libx264"))
		len += (size_t)snprintf(missing, sizeof missing, "libx264 (the segments and "
					"every H.264 output)");
	for (int i = 0; i < c->a.n_ops; i++) {
		if (c->a.ops[i].kind != REAL_OP_CODEC || seen[c->a.ops[i].value]++)
			continue;
		const char *enc = real_codec_encoder((real_codec)c->a.ops[i].value);
		if (!real_tc_has_encoder(c->tc, enc) && len < sizeof missing)
			len += (size_t)snprintf(missing + len, sizeof missing - len, "%s%s (codec=%s)",
						len ? ", " : "", enc,
						real_codec_name((real_codec)c->a.ops[i].value));
	}
	if (len)
		return io_errf(err, IO_EIO, NULL, 0,
				 "%s lacks the encoder%s %s; install an ffmpeg built with "
				 "them (Debian: apt-get install ffmpeg) or leave those "
				 "operations out of --ops", real_tc_ffmpeg(c->tc),
				 strchr(missing, ',') ? "s" : "", missing);
	return 0;
}

int real_calibrate_transcode(const real_cal_args *a)
{
	calib c;
	memset(&c, 0, sizeof c);
	c.a = *a;
	io_err err = {0};
	double t0 = sim_clock_s();
	real_tc_config cfg = {.ffmpeg = c.a.ffmpeg, .threads = c.a.threads,
			      .timeout_s = c.a.timeout_s};
	char work[4200] = "";
	analysis an[METRICS];
	memset(an, 0, sizeof an);
	int rc = real_tc_open(&c.tc, &cfg, &err);
	if (rc) /* a missing ffmpeg is not a bad flag: exit status 1 */
		rc = err.code = IO_EIO;
	if (!rc)
		rc = check_encoders(&c, &err);
	machine_facts(&c);
	if (!rc)
		rc = sim_mkdirs(c.a.out, &err);
	if (!rc)
		rc = make_segments(&c, &err);
	if (!rc)
		rc = build_matrix(&c, &err);
	if (!rc) {
		snprintf(work, sizeof work, "%s/work.%ld", c.a.out, (long)getpid());
		rc = sim_mkdirs(work, &err);
	}
	if (!rc && !c.a.quiet)
		fprintf(stderr, "matrix: %zu configurations x %d repeats = %zu ffmpeg runs, "
			"shuffled (seed %llu)\n", c.n_cfg, c.a.repeats, c.n_runs,
			(unsigned long long)c.a.seed);
	if (!rc)
		rc = run_matrix(&c, work, &err);
	if (work[0])
		rmdir(work);
	c.took_s = sim_clock_s() - t0;
	if (!rc) {
		for (int m = 0; m < METRICS; m++)
			analyse(&c, m, &an[m]);
		rc = write_samples(&c, &err);
	}
	if (!rc)
		rc = write_profile(&c, &an[c.a.metric], &err);
	if (!rc)
		rc = write_report(&c, an, &err, !c.a.quiet);
	if (!rc)
		rc = write_savings_csv(&c, &an[c.a.metric], &err);
	if (!rc)
		rc = plot_savings(&c, &an[c.a.metric], 1 << REAL_GROUP_VIC, "saving_vic.svg", &err);
	if (!rc)
		rc = plot_savings(&c, &an[c.a.metric], 1 << REAL_GROUP_CODEC, "saving_codec.svg",
				  &err);
	if (!rc)
		rc = plot_savings(&c, &an[c.a.metric], 3, "saving.svg", &err);
	if (!rc)
		rc = plot_fit(&c, &an[c.a.metric], &err);
	if (!rc && !an[c.a.metric].ok)
		fprintf(stderr, "hetsim: calibrate: no merge model: %s\n", an[c.a.metric].why);
	if (!rc && !c.a.quiet)
		fprintf(stderr, "wrote %s/{samples.csv,profile.json,merge.md,savings.csv,"
			"saving.svg,saving_vic.svg,saving_codec.svg,merge_fit.svg} in %.0f s\n",
			c.a.out, sim_clock_s() - t0);
	for (int m = 0; m < METRICS; m++)
		analysis_free(&an[m]);
	size_t failed = c.failed, n_runs = c.n_runs;
	calib_free(&c);
	if (rc) {
		fprintf(stderr, "hetsim: %s\n", err.msg);
		return err.code == IO_EINPUT ? 2 : 1;
	}
	if (failed) {
		fprintf(stderr, "hetsim: calibrate: %zu of %zu runs failed (see the status "
			"column of samples.csv)\n", failed, n_runs);
		return 1;
	}
	return 0;
}
