/*
 * sim/cli/gantt.c — `hetsim gantt` (one run's chart, SVG or PNG) and
 * `hetsim gantt-dataset` (labelled PNG charts and a manifest); the charts
 * and the raster's definition are sim/gantt.h.
 *
 *   hetsim gantt JOBS.csv[.gz] -o run.svg|run.png [--size WxH]
 *        [--rows ready|node] [--horizon S] [--anomaly NODE:T0:T1] [--title T]
 *   hetsim gantt-dataset --real DIR --out DIR [--size WxH] [--rows R]
 *        [--horizon S]
 *
 * The simulated half of gantt-dataset (--workflow, --per-class, -j, --seed:
 * N seeded runs per seed-001 label with injected anomalies, split by
 * gantt_split) needs the anomaly injection and the workflow engine of
 * issue 14; its flags are parsed here and refused until they exist. It is
 * to add its charts to the same gantt_manifest before the one write.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "sim/cli/cli.h"
#include "sim/gantt.h"

static int bad(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hetsim: %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see: hetsim %s --help)\n", cmd);
	va_end(ap);
	return 2;
}

static int failed(const io_err *err)
{
	fprintf(stderr, "hetsim: %s\n", err->msg);
	return err->code == IO_EINPUT ? 2 : 1;
}

const char sim_cli_gantt_usage[] =
	"  gantt JOBS.csv[.gz] -o run.svg|run.png [--size WxH] [--rows ready|node]\n"
	"        [--horizon S] [--anomaly NODE:T0:T1] [--title T]\n"
	"                        Gantt chart of a workflow run's jobs.csv: an SVG\n"
	"                        (node lanes, a colour per phase, --anomaly shades\n"
	"                        NODE's lane from T0 to T1 s; NODE may list several\n"
	"                        separated by spaces, * is every one) or the\n"
	"                        PNG raster for learning (default 256x256, rows by\n"
	"                        ready time, x to the makespan or --horizon S)\n";

const char sim_cli_gantt_dataset_usage[] =
	"  gantt-dataset --real DIR --out DIR [--size WxH] [--rows ready|node]\n"
	"        [--horizon S]\n"
	"                        labelled PNG Gantt charts and DIR/manifest.csv:\n"
	"                        --real converts the real runs of DIR (as\n"
	"                        ../shared/data/anomaly_sample) to jobs.csv.gz and\n"
	"                        PNG; simulated runs (--workflow FILE --per-class N\n"
	"                        -j N --seed S) need the anomaly injection (not yet)\n";

/* A side of the raster at *p: 1 to GANTT_PNG_MAX_SIDE, digits only;
 * *p moves past them. */
static int parse_side(const char **p, int *side)
{
	long v = 0;
	const char *s = *p;
	while (*s >= '0' && *s <= '9' && v <= GANTT_PNG_MAX_SIDE)
		v = v * 10 + (*s++ - '0');
	if (s == *p || v < 1 || v > GANTT_PNG_MAX_SIDE)
		return -1;
	*side = (int)v;
	*p = s;
	return 0;
}

/* The raster flags both commands take: 1 if a is one (value v used), 0 if
 * not, < 0 (after the message) on a bad value. */
static int raster_flag(const char *cmd, const char *a, const char *v,
		       gantt_png_opts *o)
{
	if (!strcmp(a, "--size")) {
		const char *p = v;
		if (parse_side(&p, &o->width) || *p++ != 'x' ||
		    parse_side(&p, &o->height) || *p)
			return -bad(cmd, "--size takes WxH, 1 to %d each, not %s",
				    GANTT_PNG_MAX_SIDE, v);
		return 1;
	}
	if (!strcmp(a, "--rows")) {
		if (!strcmp(v, "ready"))
			o->rows = GANTT_ROWS_READY;
		else if (!strcmp(v, "node"))
			o->rows = GANTT_ROWS_NODE;
		else
			return -bad(cmd, "--rows takes ready or node, not %s", v);
		return 1;
	}
	if (!strcmp(a, "--horizon")) {
		if (io_parse_double(v, &o->horizon_s) || !(o->horizon_s > 0) ||
		    !(o->horizon_s < IO_MAX_TIME_S))
			return -bad(cmd, "--horizon takes seconds > 0, not %s", v);
		return 1;
	}
	return 0;
}

/* NODE:T0:T1, split at the last two colons (a node label may hold some). */
static int parse_window(char *v, gantt_window *w)
{
	char *c1 = strrchr(v, ':');
	if (!c1)
		return -1;
	*c1 = 0;
	char *c0 = strrchr(v, ':');
	if (!c0)
		return -1;
	*c0 = 0;
	w->machine = v;
	if (io_parse_double(c0 + 1, &w->t0) || io_parse_double(c1 + 1, &w->t1) ||
	    !(w->t0 >= 0) || !(w->t1 > w->t0) || !(w->t1 < IO_MAX_TIME_S))
		return -1;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && strcasecmp(s + n - k, suffix) == 0;
}

int sim_cmd_gantt(int argc, char **argv)
{
	static const char cmd[] = "gantt";
	if (sim_cli_help(argc, argv, sim_cli_gantt_usage))
		return 0;
	const char *in = NULL, *out = NULL, *title = NULL;
	gantt_png_opts po = {0};
	gantt_window win;
	int has_window = 0, raster_flags = 0;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-') {
			if (in)
				return bad(cmd, "unexpected argument %s", a);
			in = a;
			continue;
		}
		if (!v)
			return bad(cmd, "%s needs a value", a);
		i++;
		int r = raster_flag(cmd, a, v, &po);
		if (r < 0)
			return -r;
		raster_flags += r;
		if (r)
			continue;
		if (!strcmp(a, "-o"))
			out = v;
		else if (!strcmp(a, "--title"))
			title = v;
		else if (!strcmp(a, "--anomaly")) {
			char given[200];
			snprintf(given, sizeof given, "%s", v);
			if (parse_window(v, &win))
				return bad(cmd,
					   "--anomaly takes NODE:T0:T1 with "
					   "0 <= T0 < T1 (seconds), not %s",
					   given);
			has_window = 1;
		} else
			return bad(cmd, "unknown option %s", a);
	}
	if (!in || !out)
		return bad(cmd, "needs JOBS.csv and -o run.svg|run.png");
	int png = ends_with(out, ".png");
	if (!png && !ends_with(out, ".svg"))
		return bad(cmd, "-o %s: the output must end in .svg or .png", out);
	if (png && (has_window || title))
		return bad(cmd, "--anomaly and --title are for SVG charts: the "
				"raster for learning never shows its label");
	if (!png && raster_flags)
		return bad(cmd, "--size, --rows and --horizon are for the PNG "
				"raster");
	io_err err = {0};
	gantt_run run;
	if (gantt_load(&run, in, &err))
		return failed(&err);
	int rc;
	if (png) {
		rc = gantt_write_png(&run, &po, out, &err);
	} else {
		char deftitle[300];
		snprintf(deftitle, sizeof deftitle,
			 "%.160s: %zu jobs, makespan %.6g s", in, run.n,
			 run.makespan_s);
		gantt_svg_opts so = {.title = title ? title : deftitle,
				     .anomaly = has_window ? &win : NULL};
		rc = gantt_write_svg(&run, &so, out, &err);
	}
	gantt_free(&run);
	return rc ? failed(&err) : 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int sim_cmd_gantt_dataset(int argc, char **argv)
{
	static const char cmd[] = "gantt-dataset";
	if (sim_cli_help(argc, argv, sim_cli_gantt_dataset_usage))
		return 0;
	const char *real = NULL, *out = NULL, *simulated = NULL;
	gantt_png_opts po = {0};
	for (int i = 0; i < argc; i++) {
		char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-')
			return bad(cmd, "unexpected argument %s", a);
		if (!v)
			return bad(cmd, "%s needs a value", a);
		i++;
		int r = raster_flag(cmd, a, v, &po);
		if (r < 0)
			return -r;
		if (r)
			continue;
		if (!strcmp(a, "--real"))
			real = v;
		else if (!strcmp(a, "--out"))
			out = v;
		else if (!strcmp(a, "--workflow") || !strcmp(a, "--per-class") ||
			 !strcmp(a, "-j") || !strcmp(a, "--seed"))
			simulated = a;
		else
			return bad(cmd, "unknown option %s", a);
	}
	if (simulated)
		return bad(cmd,
			   "%s: simulated charts need the anomaly injection and "
			   "the workflow engine (issue 14), not in this build; "
			   "--real converts real runs",
			   simulated);
	if (!real || !out)
		return bad(cmd, "needs --real DIR and --out DIR");
	io_err err = {0};
	gantt_manifest *m = gantt_manifest_new();
	if (!m) {
		fprintf(stderr, "hetsim: out of memory\n");
		return 1;
	}
	double t0 = now_s();
	gantt_real_stats st;
	/* every input is checked before the first file is written */
	int rc = gantt_real_convert(real, out, &po, m, &st, &err);
	char *manifest = rc ? NULL : sim_pathf("%s/manifest.csv", out);
	if (!rc && !manifest)
		rc = io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = sim_mkdirs(out, &err);
	if (!rc)
		rc = gantt_manifest_write(m, manifest, &err);
	if (!rc) {
		double s = now_s() - t0;
		fprintf(stderr,
			"gantt-dataset: %zu real runs (%zu jobs) in %.2f s, %.1f "
			"runs/s; %zu staging windows clamped into the execution, "
			"%zu placed from durations; %s lists %zu charts\n",
			st.runs, st.jobs, s, s > 0 ? (double)st.runs / s : 0.0,
			st.clamped, st.placed, manifest, gantt_manifest_count(m));
	}
	free(manifest);
	gantt_manifest_free(m);
	return rc ? failed(&err) : 0;
}
