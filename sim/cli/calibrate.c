/*
 * sim/cli/calibrate.c — `hetsim calibrate transcode` and `hetsim calibrate
 * inference`: their flags and defaults; the calibrations are real/calibrate.c
 * and real/infer.c (what they run and write).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "real/calibrate.h"
#include "real/infer.h"
#include "real/nn/zoo.h"
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
			char *end;
			errno = 0;
			unsigned long long s = strtoull(v, &end, 10);
			if (!*v || *v == '-' || errno || *end)
				return usage("--seed takes a non-negative integer, not %s", v);
			a->seed = s;
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
			char *end;
			errno = 0;
			unsigned long long s = strtoull(v, &end, 10);
			if (!*v || *v == '-' || errno || *end)
				return usage("--seed takes a non-negative integer, not %s", v);
			a->seed = s;
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
	"                        (layer_samples.csv, layers.csv, layers.json)\n";

int sim_cmd_calibrate(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_calibrate_usage))
		return 0;
	if (argc < 1)
		return usage("needs a workload: hetsim calibrate transcode|inference [options]");
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
	return usage("unknown workload %s (known: transcode, inference)", argv[0]);
}
