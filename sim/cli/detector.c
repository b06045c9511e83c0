/*
 * sim/cli/detector.c — `hetsim detector train|eval|classify`: the
 * Gantt-chart anomaly detector of seed 001 (real/detector.h has the data,
 * the model folder and the training rules).
 *
 *   hetsim detector train --data DIR --out MODEL_DIR [--model simple|deep]
 *        [--labels coarse|fine] [--epochs N] [--batch N] [--lr X]
 *        [--patience N] [--seed N] [--threads N] [--rows ready|node]
 *        [--horizon S]
 *   hetsim detector eval --model MODEL_DIR --data DIR [--split S]
 *        [--out DIR] [--threads N]
 *   hetsim detector classify --model MODEL_DIR JOBS.csv[.gz] [--top N]
 *        [--threads N]
 *   hetsim detector toy-data --out DIR [--per-class N] [--size WxH]
 *        [--seed N]
 *
 * train shows a progress bar on standard error (a TTY; else one line per
 * epoch) and ends with the training speed in images per second.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "real/detector.h"
#include "sim/cli/cli.h"

const char sim_cli_detector_usage[] =
	"  detector train --data DIR --out MODEL_DIR [--model simple|deep]\n"
	"        [--labels coarse|fine] [--epochs N] [--batch N] [--lr X]\n"
	"        [--patience N] [--seed N] [--threads N] [--rows ready|node]\n"
	"        [--horizon S]\n"
	"  detector eval --model MODEL_DIR --data DIR [--split test] [--out "
	"DIR]\n"
	"  detector classify --model MODEL_DIR JOBS.csv[.gz] [--top N]\n"
	"  detector toy-data --out DIR [--per-class N] [--size WxH] [--seed "
	"N]\n"
	"                        the Gantt-chart anomaly CNN of seed 001: "
	"train on\n"
	"                        a gantt-dataset folder (its train and "
	"validation\n"
	"                        splits; Adam, early stopping on validation "
	"loss;\n"
	"                        history.csv, learning_curve.svg, weights), "
	"score\n"
	"                        a split (accuracy, per-class "
	"precision/recall/F1,\n"
	"                        confusion matrix as text, CSV and SVG), or "
	"name\n"
	"                        the anomaly of one run's jobs.csv (top N "
	"labels);\n"
	"                        toy-data: hand-made charts (not simulated) to "
	"try\n"
	"                        the commands on (real/detector.h says how "
	"made)\n";

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hetsim: detector: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see: hetsim detector --help)\n");
	va_end(ap);
	return 2;
}

static int failed(const io_err *err)
{
	fprintf(stderr, "hetsim: %s\n", err->msg);
	return err->code == IO_EINPUT ? 2 : 1;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	if (!s || !*s || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* --threads N, 1 to 1024 (0: oneDNN's default) */
static int threads_flag(const char *v, int *threads)
{
	long long t;
	if (parse_int(v, 0, 1024, &t))
		return bad("--threads takes 0 to 1024, not %s", v);
	*threads = (int)t;
	return 0;
}

/* ---------------------------------------------------------------- train */

typedef struct bar {
	int tty;
} bar;

static void progress(void *ctx, const det_progress *p)
{
	const bar *b = ctx;
	if (p->epoch_done) {
		fprintf(stderr,
			"%sepoch %d/%d: train loss %.4f acc %.4f, validation "
			"loss "
			"%.4f acc %.4f%s, %.1f images/s\n",
			b->tty ? "\r\033[K" : "", p->epoch, p->epochs,
			p->train_loss, p->train_acc, p->val_loss, p->val_acc,
			p->improved ? " (best so far, saved)" : "",
			p->images_per_s);
		return;
	}
	if (!b->tty)
		return;
	int width = 30, done = (int)((double)width * (double)p->batch /
				     (double)(p->batches ? p->batches : 1));
	char line[64];
	for (int i = 0; i < width; i++)
		line[i] = i < done ? '#' : '.';
	line[width] = 0;
	fprintf(stderr,
		"\r\033[Kepoch %d/%d [%s] %zu/%zu batches, loss %.4f "
		"acc %.4f, %.1f images/s",
		p->epoch, p->epochs, line, p->batch, p->batches, p->train_loss,
		p->train_acc, p->images_per_s);
	fflush(stderr);
}

static int cmd_train(int argc, char **argv)
{
	det_train_opts o = {.arch = DET_SIMPLE, .labels = DET_COARSE};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-')
			return bad("train: unexpected argument %s", a);
		if (!v)
			return bad("train: %s needs a value", a);
		i++;
		long long n;
		if (!strcmp(a, "--data"))
			o.data_dir = v;
		else if (!strcmp(a, "--out"))
			o.out_dir = v;
		else if (!strcmp(a, "--model")) {
			if (!strcmp(v, "simple"))
				o.arch = DET_SIMPLE;
			else if (!strcmp(v, "deep"))
				o.arch = DET_DEEP;
			else
				return bad(
					"--model takes simple or deep, not %s",
					v);
		} else if (!strcmp(a, "--labels")) {
			if (!strcmp(v, "coarse"))
				o.labels = DET_COARSE;
			else if (!strcmp(v, "fine"))
				o.labels = DET_FINE;
			else
				return bad(
					"--labels takes coarse or fine, not %s",
					v);
		} else if (!strcmp(a, "--epochs")) {
			if (parse_int(v, 1, 100000, &n))
				return bad("--epochs takes 1 to 100000, not %s",
					   v);
			o.epochs = (int)n;
		} else if (!strcmp(a, "--batch")) {
			if (parse_int(v, 1, 4096, &n))
				return bad("--batch takes 1 to 4096, not %s",
					   v);
			o.batch = (int)n;
		} else if (!strcmp(a, "--patience")) {
			if (parse_int(v, 1, 100000, &n))
				return bad(
					"--patience takes 1 to 100000, not %s",
					v);
			o.patience = (int)n;
		} else if (!strcmp(a, "--lr")) {
			if (io_parse_double(v, &o.lr) || !(o.lr > 0) ||
			    !(o.lr < 1))
				return bad(
					"--lr takes a number in (0, 1), not %s",
					v);
		} else if (!strcmp(a, "--seed")) {
			if (sim_cli_parse_u64(v, INT64_MAX, &o.seed))
				return bad("--seed takes 0 to 2^63 - 1, not %s",
					   v);
		} else if (!strcmp(a, "--threads")) {
			if (threads_flag(v, &o.threads))
				return 2;
		} else if (!strcmp(a, "--rows")) {
			if (!strcmp(v, "ready"))
				o.rows = GANTT_ROWS_READY;
			else if (!strcmp(v, "node"))
				o.rows = GANTT_ROWS_NODE;
			else
				return bad("--rows takes ready or node, not %s",
					   v);
		} else if (!strcmp(a, "--horizon")) {
			if (io_parse_double(v, &o.horizon_s) ||
			    !(o.horizon_s > 0) ||
			    !(o.horizon_s < IO_MAX_TIME_S))
				return bad(
					"--horizon takes seconds > 0, not %s",
					v);
		} else
			return bad("train: unknown option %s", a);
	}
	if (!o.data_dir || !o.out_dir)
		return bad("train needs --data DIR and --out MODEL_DIR");
	bar b = {.tty = isatty(2)};
	o.progress = progress;
	o.ctx = &b;
	det_train_result r;
	io_err err = {0};
	int rc = det_train(&o, &r, &err);
	if (rc)
		return failed(&err);
	fprintf(stderr,
		"detector: %zu training and %zu validation charts of %d x %d, "
		"%d "
		"classes; %d epochs, best %d (validation loss %.4f, accuracy "
		"%.4f); training %.1f s, %.1f images/s; model in %s\n",
		r.n_train, r.n_val, r.width, r.height, r.classes, r.epochs_run,
		r.best_epoch, r.best_val_loss, r.best_val_acc, r.seconds,
		r.images_per_s, o.out_dir);
	return 0;
}

/* ---------------------------------------------------------------- eval */

static int cmd_eval(int argc, char **argv)
{
	det_eval_opts o = {.report = stdout};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-')
			return bad("eval: unexpected argument %s", a);
		if (!v)
			return bad("eval: %s needs a value", a);
		i++;
		if (!strcmp(a, "--model"))
			o.model_dir = v;
		else if (!strcmp(a, "--data"))
			o.data_dir = v;
		else if (!strcmp(a, "--split"))
			o.split = v;
		else if (!strcmp(a, "--out"))
			o.out_dir = v;
		else if (!strcmp(a, "--threads")) {
			if (threads_flag(v, &o.threads))
				return 2;
		} else
			return bad("eval: unknown option %s", a);
	}
	if (!o.model_dir || !o.data_dir)
		return bad("eval needs --model MODEL_DIR and --data DIR");
	det_eval_result r;
	io_err err = {0};
	int rc = det_eval(&o, &r, &err);
	return rc ? failed(&err) : 0;
}

/* ---------------------------------------------------------------- classify */

static int cmd_classify(int argc, char **argv)
{
	const char *model = NULL, *jobs = NULL;
	long long top = 3;
	int threads = 1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-') {
			if (jobs)
				return bad("classify: unexpected argument %s",
					   a);
			jobs = a;
			continue;
		}
		if (!v)
			return bad("classify: %s needs a value", a);
		i++;
		if (!strcmp(a, "--model"))
			model = v;
		else if (!strcmp(a, "--top")) {
			if (parse_int(v, 1, DET_MAX_CLASSES, &top))
				return bad("--top takes 1 to %d, not %s",
					   DET_MAX_CLASSES, v);
		} else if (!strcmp(a, "--threads")) {
			if (threads_flag(v, &threads))
				return 2;
		} else
			return bad("classify: unknown option %s", a);
	}
	if (!model || !jobs)
		return bad("classify needs --model MODEL_DIR and JOBS.csv");
	io_err err = {0};
	gantt_run run;
	if (gantt_load(&run, jobs, &err))
		return failed(&err);
	det_model *d;
	int rc = det_model_load(&d, model, NULL, threads, &err);
	double *p = NULL;
	if (!rc) {
		p = malloc((size_t)det_model_classes(d) * sizeof *p);
		rc = p ? det_classify_run(d, &run, p, &err)
		       : io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	if (!rc) {
		int k = det_model_classes(d);
		if (top > k)
			top = k;
		unsigned char *used = calloc((size_t)k, 1);
		printf("%s: %zu jobs\n", jobs, run.n);
		for (long long t = 0; used && t < top; t++) {
			int best = -1;
			for (int j = 0; j < k; j++)
				if (!used[j] && (best < 0 || p[j] > p[best]))
					best = j;
			used[best] = 1;
			printf("%-12s %.4f\n", det_model_class(d, best),
			       p[best]);
		}
		free(used);
	}
	free(p);
	det_model_free(d);
	gantt_free(&run);
	return rc ? failed(&err) : 0;
}

/* ---------------------------------------------------------------- toy data */

static int parse_size(const char *v, gantt_png_opts *o)
{
	long long w, h;
	const char *x = strchr(v, 'x');
	char buf[32];
	if (!x || (size_t)(x - v) >= sizeof buf)
		return -1;
	memcpy(buf, v, (size_t)(x - v));
	buf[x - v] = 0;
	if (parse_int(buf, 32, GANTT_PNG_MAX_SIDE, &w) ||
	    parse_int(x + 1, 32, GANTT_PNG_MAX_SIDE, &h))
		return -1;
	o->width = (int)w;
	o->height = (int)h;
	return 0;
}

static int cmd_toy(int argc, char **argv)
{
	det_toy_opts o = {.per_class = 100};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-')
			return bad("toy-data: unexpected argument %s", a);
		if (!v)
			return bad("toy-data: %s needs a value", a);
		i++;
		long long n;
		if (!strcmp(a, "--out"))
			o.out_dir = v;
		else if (!strcmp(a, "--per-class")) {
			if (parse_int(v, 1, 100000, &n))
				return bad(
					"--per-class takes 1 to 100000, not %s",
					v);
			o.per_class = (int)n;
		} else if (!strcmp(a, "--size")) {
			if (parse_size(v, &o.raster))
				return bad("--size takes WxH, 32 to %d each, "
					   "not %s",
					   GANTT_PNG_MAX_SIDE, v);
		} else if (!strcmp(a, "--seed")) {
			if (sim_cli_parse_u64(v, INT64_MAX, &o.seed))
				return bad("--seed takes 0 to 2^63 - 1, not %s",
					   v);
		} else
			return bad("toy-data: unknown option %s", a);
	}
	if (!o.out_dir)
		return bad("toy-data needs --out DIR");
	io_err err = {0};
	size_t n;
	if (det_toy_dataset(&o, &n, &err))
		return failed(&err);
	fprintf(stderr, "detector: %zu toy charts (not simulated) in %s\n", n,
		o.out_dir);
	return 0;
}

int sim_cmd_detector(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_detector_usage))
		return 0;
	if (argc < 1)
		return bad("needs train, eval, classify or toy-data");
	if (!strcmp(argv[0], "train"))
		return cmd_train(argc - 1, argv + 1);
	if (!strcmp(argv[0], "eval"))
		return cmd_eval(argc - 1, argv + 1);
	if (!strcmp(argv[0], "classify"))
		return cmd_classify(argc - 1, argv + 1);
	if (!strcmp(argv[0], "toy-data"))
		return cmd_toy(argc - 1, argv + 1);
	return bad("unknown subcommand %s (train, eval, classify or toy-data)",
		   argv[0]);
}
