/*
 * sim/cli/gantt.c — `hetsim gantt` (one run's chart, SVG or PNG) and
 * `hetsim gantt-dataset` (labelled PNG charts and a manifest); the charts
 * and the raster's definition are sim/gantt.h.
 *
 *   hetsim gantt JOBS.csv[.gz] -o run.svg|run.png [--size WxH]
 *        [--rows ready|node] [--horizon S] [--anomaly NODE:T0:T1] [--title T]
 *   hetsim gantt-dataset --out DIR [--per-class N] [--workflow EXP.json]
 *        [-j N] [--seed S] [--policy P] [--scope all|node] [--real DIR]
 *        [--balance label|coarse] [--size WxH]
 *        [--rows R] [--horizon S]
 *
 * Simulated half of gantt-dataset: N runs per seed-001 fine label
 * (GANTT_SIM_LABELS: normal, cpu_2, cpu_3, hdd_50 ... hdd_100, loss_0.1 ...
 * loss_5) of a workflow experiment (default
 * experiments/workflows/1000genome.json: 1000Genome on seed 001's 5 VMs)
 * under one policy (default fcfs: HTCondor hands idle jobs to free slots
 * in order). Run k of label l (0-based):
 *   seed      sim_seed_mix(splitmix64(S) + l, k)
 *   anomaly   (not for normal) by default (--scope all) on every machine
 *             for the whole run, as seed 001's campaign stressed every
 *             worker (manifest: node "*", window from 0, end empty);
 *             --scope node: on one machine, node = floor(u0 n) of the
 *             n machines, window [a, b) with a = u1 M / 2 and
 *             b = a + (1 / 4 + 3 u2 / 4) M, M the makespan of the normal
 *             run of seed S, u0..u2 = sim_task_uniform(seed, 0..2); the
 *             label's value is the anomaly's (cpu_K: K cores, hdd_X: X
 *             MB/s, loss_P: P percent; sim/sim.h "anomalies"); a single
 *             node over part of the run moves the makespan by 5% or less
 *             (experiments/anomaly/CALIBRATION.md), a harder task
 *   files     DIR/sim/<label>/<label>_<kkkkk>.png and .jobs.csv.gz beside
 *             it; the manifest row's split is gantt_split(k, n), n the
 *             label's run count.
 * --balance label (the default): n = N runs of every label. --balance
 * coarse: the same T = floor(14 N / 4) runs for each coarse class (normal,
 * cpu, hdd, loss; the 14 labels, 1 + 2 + 6 + 5, would otherwise give
 * normal 1/14 of the charts), shared among its labels: floor(T / L) each,
 * the first T mod L of its L labels one more (N = 25: normal 87; cpu_2,
 * cpu_3 44 and 43; hdd 15, 15, 15, 14, 14, 14; loss 18, 18, 17, 17, 17).
 * Run k of a label has the same seed and files either way.
 * The runs are shared among -j worker processes (run i to worker i mod
 * j); every file depends on its run only and the manifest is sorted, so
 * the data set is byte-identical for any -j. A progress bar goes to stderr
 * (when it is a terminal, else one line at the end) with runs per second.
 * --real DIR adds the real runs of DIR (gantt_real_convert) to the same
 * manifest.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <math.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sim/cli/cli.h"
#include "sim/gantt.h"
#include "sim/sim.h"
#include "sim/base/rng.h"
#include "sim/base/clock.h"

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
	"  gantt-dataset --out DIR [--per-class N] [--workflow EXP.json] [-j N]\n"
	"        [--seed S] [--policy P] [--scope all|node] [--real DIR]\n"
	"        [--size WxH]"
	" [--rows ready|node] [--horizon S] [--balance label|coarse]\n"
	"                        labelled PNG Gantt charts and DIR/manifest.csv:\n"
	"                        N seeded simulated runs per seed-001 label (normal,\n"
	"                        cpu_2/3, hdd_50..100, loss_0.1..5; the anomaly on\n"
	"                        every machine for the whole run as in seed 001, or\n"
	"                        --scope node: one random node and window) of a workflow experiment\n"
	"                        (default experiments/workflows/1000genome.json,\n"
	"                        policy fcfs, seed 1) on -j N processes; --real\n"
	"                        converts the real runs of DIR (as\n"
	"                        ../shared/data/anomaly_sample) to jobs.csv.gz and\n"
	"                        PNG into the same manifest; --balance coarse: the\n"
	"                        same 14 N / 4 runs for each coarse class (normal,\n"
	"                        cpu, hdd, loss), shared among its labels\n";

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

/* The seed-001 labels (its Table 1) and their anomalies. */
static const struct sim_label {
	const char *label, *kind, *key;
	double value;
} sim_labels[] = {
	{"normal", NULL, NULL, 0},	{"cpu_2", "cpu", "cores", 2},
	{"cpu_3", "cpu", "cores", 3},	{"hdd_50", "hdd", "mb_per_s", 50},
	{"hdd_60", "hdd", "mb_per_s", 60}, {"hdd_70", "hdd", "mb_per_s", 70},
	{"hdd_80", "hdd", "mb_per_s", 80}, {"hdd_90", "hdd", "mb_per_s", 90},
	{"hdd_100", "hdd", "mb_per_s", 100},
	{"loss_0.1", "loss", "percent", 0.1},
	{"loss_0.5", "loss", "percent", 0.5},
	{"loss_1", "loss", "percent", 1}, {"loss_3", "loss", "percent", 3},
	{"loss_5", "loss", "percent", 5}};
#define N_SIM_LABELS (sizeof sim_labels / sizeof sim_labels[0])

/* A simulated data set: what every run needs. */
typedef struct sim_set {
	const char *exp_path, *out, *policy;
	uint64_t seed;
	size_t per_class;
	int balance_coarse;		/* --balance coarse */
	size_t count[N_SIM_LABELS];	/* runs of each label */
	size_t total;			/* their sum */
	int scope_all; /* --scope all: every machine, the whole run */
	uint32_t n_machines;
	double ref_makespan_s;
	const gantt_png_opts *po;
} sim_set;

/* Each label's run count (--balance, the header) and their sum. */
static void plan_counts(sim_set *ss)
{
	size_t t = N_SIM_LABELS * ss->per_class / 4; /* runs per coarse class */
	ss->total = 0;
	for (size_t i = 0; i < N_SIM_LABELS; i++) {
		ss->count[i] = ss->per_class;
		if (ss->balance_coarse) {
			const char *c = gantt_coarse_class(sim_labels[i].label);
			size_t n = 0, rank = 0; /* labels of its class; i's place */
			for (size_t o = 0; o < N_SIM_LABELS; o++)
				if (!strcmp(gantt_coarse_class(sim_labels[o].label), c)) {
					rank += o < i;
					n++;
				}
			ss->count[i] = t / n + (rank < t % n);
		}
		ss->total += ss->count[i];
	}
}

/* Run r of the set (the runs of label 0, then of label 1, ...: index k
 * within its label): its manifest entry (file, node) and seed. */
typedef struct sim_plan {
	const struct sim_label *l;
	size_t k, n; /* its index within its label; the label's runs */
	uint64_t seed;
	uint32_t node;
	double t0, t1;
	char stem[64], file[72];
} sim_plan;

static void plan_run(const sim_set *ss, size_t r, sim_plan *p)
{
	size_t li = 0;
	while (li + 1 < N_SIM_LABELS && r >= ss->count[li])
		r -= ss->count[li++];
	p->l = &sim_labels[li];
	p->n = ss->count[li];
	p->k = r;
	p->seed = sim_seed_mix(sim_splitmix64(ss->seed) + li, (uint32_t)p->k);
	double u0 = sim_task_uniform(p->seed, 0), u1 = sim_task_uniform(p->seed, 1),
	       u2 = sim_task_uniform(p->seed, 2), m = ss->ref_makespan_s;
	p->node = (uint32_t)(u0 * ss->n_machines);
	if (p->node >= ss->n_machines)
		p->node = ss->n_machines - 1;
	p->t0 = u1 * m / 2;
	p->t1 = p->t0 + (0.25 + 0.75 * u2) * m;
	snprintf(p->stem, sizeof p->stem, "sim/%s/%s_%05zu", p->l->label,
		 p->l->label, p->k);
	snprintf(p->file, sizeof p->file, "%s.png", p->stem);
}

/* "0, 1, ..., n - 1" (machines of --scope all; static buffer). */
static const char *all_machines(const sim_set *ss)
{
	static char b[8192];
	size_t at = 0;
	b[0] = 0;
	for (uint32_t m = 0; m < ss->n_machines && at + 16 < sizeof b; m++)
		at += (size_t)snprintf(b + at, sizeof b - at, "%s%u", m ? ", " : "", m);
	return b;
}

/* Load the experiment with the run's anomaly (NULL plan: none) and the
 * set's policy. */
static int load_run(const sim_set *ss, const sim_plan *p, sim_experiment **x,
		    io_err *err)
{
	char anom[8448], pol[128];
	const char *sets[2];
	size_t n = 0;
	snprintf(pol, sizeof pol, "policies=[\"%s\"]", ss->policy);
	sets[n++] = pol;
	if (p && p->l->kind && ss->scope_all) {
		snprintf(anom, sizeof anom,
			 "anomalies=[{\"kind\": \"%s\", \"%s\": %.17g, "
			 "\"machines\": [%s]}]", p->l->kind, p->l->key,
			 p->l->value, all_machines(ss));
		sets[n++] = anom;
	} else if (p && p->l->kind) {
		snprintf(anom, sizeof anom,
			 "anomalies=[{\"kind\": \"%s\", \"%s\": %.17g, \"node\": "
			 "%u, \"start_s\": %.17g, \"end_s\": %.17g}]",
			 p->l->kind, p->l->key, p->l->value, p->node, p->t0, p->t1);
		sets[n++] = anom;
	}
	return sim_experiment_load_set(x, ss->exp_path, sets, n, err);
}

/* Simulate run r and draw its chart. */
static int sim_one(const sim_set *ss, size_t r, io_err *err)
{
	sim_plan p;
	plan_run(ss, r, &p);
	sim_experiment *x = NULL;
	int rc = load_run(ss, &p, &x, err);
	char *dir = sim_pathf("%s/%s.run", ss->out, p.stem);
	char *tmp = sim_pathf("%s/jobs.csv.gz", dir ? dir : "");
	char *sum = sim_pathf("%s/summary.json", dir ? dir : "");
	char *jobs = sim_pathf("%s/%s.jobs.csv.gz", ss->out, p.stem);
	if (!rc && (!dir || !tmp || !sum || !jobs))
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc) {
		sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
		o.run_dir = dir;
		o.has_seed = 1;
		o.seed = p.seed;
		o.tasks_csv = 1;
		o.quiet = 1;
		sim_result res;
		rc = sim_run_policy(x, 0, &o, &res, err);
	}
	if (!rc && rename(tmp, jobs))
		rc = io_errf(err, IO_EINPUT, jobs, 0, "cannot move the run's jobs.csv.gz here");
	if (!rc && (remove(sum) || remove(dir)))
		rc = io_errf(err, IO_EINPUT, dir, 0, "cannot remove the run's folder");
	gantt_manifest *scratch = rc ? NULL : gantt_manifest_new();
	if (!rc && !scratch)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc) {
		gantt_entry e = {.file = p.file, .coarse = "", .label = p.l->label,
				 .anomaly_t0 = NAN, .anomaly_t1 = NAN, .split = ""};
		rc = gantt_chart_add(ss->out, jobs, ss->po, &e, scratch, err);
	}
	gantt_manifest_free(scratch);
	sim_experiment_free(x);
	free(dir);
	free(tmp);
	free(sum);
	free(jobs);
	return rc;
}

static void progress(size_t done, size_t todo, double t0, int tty)
{
	if (!tty && done < todo)
		return;
	double s = sim_clock_s() - t0;
	int w = 30, fill = todo ? (int)((double)w * (double)done / (double)todo) : w;
	fprintf(stderr, "\rgantt-dataset: [%.*s%*s] %zu/%zu runs, %.1f runs/s%s",
		fill, "##############################", w - fill, "", done, todo,
		s > 0 ? (double)done / s : 0.0, done == todo ? "\n" : "");
}

/* Simulate every run on jobs worker processes; 0 or the first error. */
static int sim_all(const sim_set *ss, int jobs, double *runs_per_s,
		   io_err *err)
{
	size_t todo = ss->total;
	int fds[2];
	if (pipe(fds))
		return io_errf(err, IO_EINPUT, NULL, 0, "cannot make a pipe");
	fflush(NULL);
	double t0 = sim_clock_s();
	pid_t pids[256];
	int started = 0;
	for (; started < jobs; started++) {
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			close(fds[0]);
			io_err e = {0};
			for (size_t r = (size_t)started; r < todo; r += (size_t)jobs) {
				if (sim_one(ss, r, &e)) {
					fprintf(stderr, "\nhetsim: %s\n", e.msg);
					_exit(e.code == IO_EINPUT ? 2 : 1);
				}
				char b = 1;
				if (write(fds[1], &b, 1) != 1)
					_exit(1);
			}
			_exit(0);
		}
		pids[started] = pid;
	}
	close(fds[1]);
	int tty = isatty(2);
	size_t done = 0;
	char buf[256];
	ssize_t got;
	while ((got = read(fds[0], buf, sizeof buf)) > 0) {
		done += (size_t)got;
		progress(done, todo, t0, tty);
	}
	close(fds[0]);
	int failed_code = 0;
	for (int i = 0; i < started; i++) {
		int st;
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			failed_code = failed_code ? failed_code
				      : WIFEXITED(st) && WEXITSTATUS(st) == 2 ? 2 : 1;
	}
	double s = sim_clock_s() - t0;
	*runs_per_s = s > 0 ? (double)done / s : 0;
	if (started < jobs && !failed_code)
		return io_errf(err, IO_ENOMEM, NULL, 0, "cannot start %d worker "
			       "processes", jobs);
	if (failed_code || done != todo)
		return io_errf(err, failed_code == 2 ? IO_EINPUT : IO_ENOMEM, NULL, 0,
			       "a worker failed (its message is above); %zu of "
			       "%zu runs made", done, todo);
	return 0;
}

/* The manifest rows of the simulated runs. */
static int sim_manifest(const sim_set *ss, gantt_manifest *m, io_err *err)
{
	size_t todo = ss->total;
	for (size_t r = 0; r < todo; r++) {
		sim_plan p;
		plan_run(ss, r, &p);
		char node[16];
		snprintf(node, sizeof node, "%u", p.node);
		int an = p.l->kind != NULL;
		if (ss->scope_all) {
			snprintf(node, sizeof node, "*");
			p.t0 = 0;
			p.t1 = NAN; /* until the run's end */
		}
		gantt_entry e = {.file = p.file,
				 .coarse = gantt_coarse_class(p.l->label),
				 .label = p.l->label,
				 .has_seed = 1,
				 .seed = p.seed,
				 .anomaly_node = an ? node : NULL,
				 .anomaly_t0 = an ? p.t0 : NAN,
				 .anomaly_t1 = an ? p.t1 : NAN,
				 .split = gantt_split(p.k, p.n)};
		if (gantt_manifest_add(m, &e, err))
			return -1;
	}
	return 0;
}

/* The normal run of the set's seed: its makespan scales the windows. */
static int sim_reference(sim_set *ss, io_err *err)
{
	sim_experiment *x = NULL;
	int rc = load_run(ss, NULL, &x, err);
	if (!rc && !sim_experiment_is_workflow(x))
		rc = io_errf(err, IO_EINPUT, ss->exp_path, 0,
			     "not a workflow experiment (its workload needs "
			     "\"workflow\": the charts are of workflow jobs)");
	if (!rc) {
		sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
		o.out_dir = "";
		o.has_seed = 1;
		o.seed = ss->seed;
		o.quiet = 1;
		sim_result res;
		ss->n_machines = sim_experiment_machines(x);
		rc = sim_run_policy(x, 0, &o, &res, err);
		ss->ref_makespan_s = res.makespan_s;
	}
	sim_experiment_free(x);
	if (!rc && !(ss->ref_makespan_s > 0))
		rc = io_errf(err, IO_EINPUT, ss->exp_path, 0,
			     "the normal run has no makespan (no jobs?)");
	return rc;
}

int sim_cmd_gantt_dataset(int argc, char **argv)
{
	static const char cmd[] = "gantt-dataset";
	if (sim_cli_help(argc, argv, sim_cli_gantt_dataset_usage))
		return 0;
	const char *real = NULL, *out = NULL;
	sim_set ss = {.scope_all = 1,
		      .exp_path = "experiments/workflows/1000genome.json",
		      .policy = "fcfs", .seed = 1};
	int simulated = 0;
	long jobs = 1;
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
		char *end;
		if (!strcmp(a, "--real"))
			real = v;
		else if (!strcmp(a, "--out"))
			out = v;
		else if (!strcmp(a, "--workflow")) {
			ss.exp_path = v;
			simulated = 1;
		} else if (!strcmp(a, "--policy")) {
			if (strlen(v) > 64 || strpbrk(v, "\"\\"))
				return bad(cmd, "--policy takes a policy name, not %s", v);
			ss.policy = v;
		} else if (!strcmp(a, "--scope")) {
			if (strcmp(v, "node") && strcmp(v, "all"))
				return bad(cmd, "--scope takes node or all, not %s", v);
			ss.scope_all = !strcmp(v, "all");
		} else if (!strcmp(a, "--per-class")) {
			unsigned long long n = strtoull(v, &end, 10);
			if (*end || end == v || n < 1 || n > 99999 || v[0] == '-')
				return bad(cmd, "--per-class takes 1 to 99999, not %s", v);
			ss.per_class = (size_t)n;
			simulated = 1;
		} else if (!strcmp(a, "--balance")) {
			if (strcmp(v, "label") && strcmp(v, "coarse"))
				return bad(cmd, "--balance takes label or coarse, not %s", v);
			ss.balance_coarse = !strcmp(v, "coarse");
		} else if (!strcmp(a, "-j")) {
			jobs = strtol(v, &end, 10);
			if (*end || end == v || jobs < 1 || jobs > 256)
				return bad(cmd, "-j takes 1 to 256 processes, not %s", v);
		} else if (!strcmp(a, "--seed")) {
			unsigned long long n = strtoull(v, &end, 10);
			if (*end || end == v || v[0] == '-')
				return bad(cmd, "--seed takes a whole number >= 0, not %s", v);
			ss.seed = n;
		} else
			return bad(cmd, "unknown option %s", a);
	}
	if (!out)
		return bad(cmd, "needs --out DIR");
	if (simulated && !ss.per_class)
		ss.per_class = 10;
	if (!simulated && !real)
		return bad(cmd, "needs --per-class N (simulated runs) or --real DIR");
	ss.out = out;
	ss.po = &po;
	plan_counts(&ss);
	io_err err = {0};
	gantt_manifest *m = gantt_manifest_new();
	if (!m) {
		fprintf(stderr, "hetsim: out of memory\n");
		return 1;
	}
	double t0 = sim_clock_s(), rate = 0;
	gantt_real_stats st = {0};
	/* every real input is checked before the first file is written */
	int rc = real ? gantt_real_convert(real, out, &po, m, &st, &err) : 0;
	double real_s = sim_clock_s() - t0;
	if (!rc && simulated)
		rc = sim_reference(&ss, &err);
	if (!rc && simulated)
		rc = sim_mkdirs(out, &err);
	if (!rc && simulated)
		rc = sim_all(&ss, (int)jobs, &rate, &err);
	if (!rc && simulated)
		rc = sim_manifest(&ss, m, &err);
	char *manifest = rc ? NULL : sim_pathf("%s/manifest.csv", out);
	if (!rc && !manifest)
		rc = io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = sim_mkdirs(out, &err);
	if (!rc)
		rc = gantt_manifest_write(m, manifest, &err);
	if (!rc && real)
		fprintf(stderr,
			"gantt-dataset: %zu real runs (%zu jobs) in %.2f s, %.1f "
			"runs/s; %zu staging windows clamped into the execution, "
			"%zu placed from durations\n",
			st.runs, st.jobs, real_s,
			real_s > 0 ? (double)st.runs / real_s : 0.0, st.clamped,
			st.placed);
	if (!rc && simulated)
		fprintf(stderr,
			"gantt-dataset: %zu simulated runs (%zu labels%s %zu) on "
			"%ld processes, %.1f runs/s; windows scaled by the normal "
			"makespan %.6g s\n",
			ss.total, N_SIM_LABELS,
			ss.balance_coarse ? ", balanced by coarse class from" : " x",
			ss.per_class, jobs, rate, ss.ref_makespan_s);
	if (!rc)
		fprintf(stderr, "gantt-dataset: %s lists %zu charts\n", manifest,
			gantt_manifest_count(m));
	free(manifest);
	gantt_manifest_free(m);
	return rc ? failed(&err) : 0;
}
