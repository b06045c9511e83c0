/* tests/test_detector.c — the Gantt-chart anomaly detector
 * (real/detector.h, `hetsim detector`): a small toy chart set drawn
 * through the gantt API (det_toy_dataset: hand-made runs whose classes
 * differ by where slow compute or slow staging sits) trains to well above
 * chance in a few seconds; same seed, same weights; save -> load gives
 * the predictions of the trained model; weights and model files of another
 * version or shape are refused by name; classify locates a malformed
 * jobs.csv; the confusion matrix and its metrics on hand-made predictions;
 * fine labels in seed-001 order, scored fine and coarse; the two networks'
 * parameter counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "real/detector.h"
#include "real/nn/zoo.h"
#include "tests/tests.h"

/* The toy set of the tests: 32 x 32 charts, 16 per class (normal 32):
 * 110 training, 9 validation and 9 test charts. */
#define SIDE	  32
#define PER_CLASS 16

static const char *tmp(const char *name)
{
	static char p[8][600];
	static int k;
	char *r = p[k++ % 8];
	snprintf(r, 600, "%s/%s", test_tmpdir(), name);
	return r;
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The toy set with this seed in dir (made once per test run). */
static const char *toy(const char *name, uint64_t seed)
{
	const char *dir = tmp(name);
	char man[700];
	snprintf(man, sizeof man, "%s/manifest.csv", dir);
	if (exists(man))
		return dir;
	det_toy_opts o = {.out_dir = dir,
			  .per_class = PER_CLASS,
			  .raster = {.width = SIDE, .height = SIDE},
			  .seed = seed};
	size_t n;
	io_err err = {0};
	ck_assert_msg(det_toy_dataset(&o, &n, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(n, 8 * PER_CLASS);
	return dir;
}

static det_train_opts train_opts(const char *data, const char *out,
				 uint64_t seed)
{
	det_train_opts o = {.data_dir = data,
			    .out_dir = out,
			    .arch = DET_SIMPLE,
			    .labels = DET_COARSE,
			    .epochs = 8,
			    .batch = 8,
			    .lr = 5e-4,
			    .seed = seed,
			    .threads = 1};
	return o;
}

/* The model the tests share, trained once per test run on toy set 1. */
static const char *trained(det_train_result *res)
{
	const char *data = toy("toy1", 1), *out = tmp("model1");
	char meta[700];
	snprintf(meta, sizeof meta, "%s/detector.json", out);
	det_train_result r;
	if (exists(meta) && !res)
		return out;
	det_train_opts o = train_opts(data, out, 1);
	io_err err = {0};
	ck_assert_msg(det_train(&o, &r, &err) == 0, "%s", err.msg);
	if (res)
		*res = r;
	return out;
}

/* Trained on toy set 1, scored on 110 fresh charts (toy set 2's training
 * split, never seen): coarse classes are balanced, so chance and a
 * constant classifier both score 0.25. Measured: 0.81-0.84 over training
 * seeds 1-4 (0.58-0.88 before the precise batch-norm statistics); the bar
 * is 0.65. */
START_TEST(toy_charts_train_well_above_chance)
{
	det_train_result r;
	const char *model = trained(&r);
	ck_assert_int_eq(r.n_train, 110);
	ck_assert_int_eq(r.n_val, 9);
	ck_assert_int_eq(r.classes, 4);
	ck_assert_int_eq(r.width, SIDE);
	ck_assert(r.best_epoch >= 1 && r.best_epoch <= r.epochs_run);
	det_eval_opts eo = {.model_dir = model,
			    .data_dir = toy("toy2", 2),
			    .split = "train",
			    .out_dir = tmp("eval_fresh"),
			    .threads = 1};
	det_eval_result er;
	io_err err = {0};
	ck_assert_msg(det_eval(&eo, &er, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(er.n, 110);
	ck_assert_msg(er.model.accuracy >= 0.65,
		      "accuracy %.3f on 110 fresh toy charts (bar 0.65, chance "
		      "0.25)",
		      er.model.accuracy);
	/* the history has one row per epoch run, the kept one marked */
	char hist[700];
	snprintf(hist, sizeof hist, "%s/history.csv", model);
	char *h = test_slurp(hist, NULL);
	ck_assert_ptr_nonnull(h);
	int lines = 0;
	for (char *p = h; *p; p++)
		lines += *p == '\n';
	ck_assert_int_eq(lines, 1 + r.epochs_run);
	char best[64];
	snprintf(best, sizeof best, "\n%d,", r.best_epoch);
	char *row = strstr(h, best);
	ck_assert_ptr_nonnull(row);
	ck_assert(strchr(row + 1, '\n')[-1] == '1');
	free(h);
}
END_TEST

/* threads = 1: the same seed gives the same weights byte for byte; another
 * seed other weights. */
START_TEST(same_seed_gives_byte_identical_weights)
{
	const char *data = toy("toy1", 1);
	const char *dirs[3] = {tmp("seed_a"), tmp("seed_b"), tmp("seed_c")};
	const uint64_t seeds[3] = {7, 7, 8};
	char *w[3];
	size_t len[3];
	for (int i = 0; i < 3; i++) {
		det_train_opts o = train_opts(data, dirs[i], seeds[i]);
		o.epochs = 2;
		o.patience =
			5; /* both epochs save: the last weights compared */
		det_train_result r;
		io_err err = {0};
		ck_assert_msg(det_train(&o, &r, &err) == 0, "%s", err.msg);
		char p[700];
		snprintf(p, sizeof p, "%s/weights.bin", dirs[i]);
		w[i] = test_slurp(p, &len[i]);
		ck_assert_ptr_nonnull(w[i]);
	}
	ck_assert(len[0] == len[1] && !memcmp(w[0], w[1], len[0]));
	ck_assert(len[0] == len[2] && memcmp(w[0], w[2], len[0]));
	for (int i = 0; i < 3; i++)
		free(w[i]);
}
END_TEST

/* Save -> load: the model read back scores the validation split exactly as
 * training did in memory (unfolded batch norm there, folded here), and
 * one-chart classification agrees with eval's batches. */
START_TEST(saved_model_predicts_as_the_trained_one)
{
	det_train_result r;
	const char *model = trained(&r);
	const char *data = toy("toy1", 1);
	det_eval_opts eo = {.model_dir = model,
			    .data_dir = data,
			    .split = "validation",
			    .out_dir = tmp("eval_val"),
			    .threads = 1};
	det_eval_result er;
	io_err err = {0};
	ck_assert_msg(det_eval(&eo, &er, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(er.n, r.n_val);
	ck_assert_msg(fabs(er.model.accuracy - r.best_val_acc) < 1e-12,
		      "reloaded %.4f, in training %.4f", er.model.accuracy,
		      r.best_val_acc);
	/* each chart through det_model_load + det_classify_run: the label and
	 * probability of eval's predictions.csv */
	det_model *d;
	ck_assert_msg(det_model_load(&d, model, NULL, 1, &err) == 0, "%s",
		      err.msg);
	ck_assert_int_eq(det_model_classes(d), 4);
	ck_assert_str_eq(det_model_class(d, 0), "normal");
	char pp[700];
	snprintf(pp, sizeof pp, "%s/predictions.csv", tmp("eval_val"));
	char *pred = test_slurp(pp, NULL);
	ck_assert_ptr_nonnull(pred);
	char *line = strchr(pred, '\n') + 1;
	int rows = 0;
	while (*line) {
		char file[300], truth[64], label[64];
		double prob;
		ck_assert_int_eq(sscanf(line, "%299[^,],%63[^,],%63[^,],%lf",
					file, truth, label, &prob),
				 4);
		char jobs[700];
		snprintf(jobs, sizeof jobs, "%s/%.*s.jobs.csv.gz", data,
			 (int)(strlen(file) - 4), file);
		gantt_run run;
		ck_assert_msg(gantt_load(&run, jobs, &err) == 0, "%s", err.msg);
		double p[4];
		ck_assert_msg(det_classify_run(d, &run, p, &err) == 0, "%s",
			      err.msg);
		gantt_free(&run);
		int a = 0;
		for (int k = 1; k < 4; k++)
			a = p[k] > p[a] ? k : a;
		ck_assert_str_eq(det_model_class(d, a), label);
		ck_assert_msg(fabs(p[a] - prob) < 2e-5, "%s: %.6f vs %.6f",
			      file, p[a], prob);
		rows++;
		line = strchr(line, '\n') + 1;
	}
	ck_assert_int_eq(rows, (int)r.n_val);
	free(pred);
	det_model_free(d);
}
END_TEST

static void copy_file(const char *from, const char *to)
{
	size_t n;
	char *b = test_slurp(from, &n);
	ck_assert_ptr_nonnull(b);
	FILE *f = fopen(to, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(b, 1, n, f), n);
	fclose(f);
	free(b);
}

/* A copy of the shared model in dir with detector.json's text edited:
 * from -> to (NULL: unchanged), and weights.bin's byte at offset set to
 * byte (offset < 0: unchanged). */
static void variant(const char *dir, const char *from, const char *to,
		    long offset, int byte)
{
	const char *model = trained(NULL);
	char a[700], b[700];
	mkdir(dir, 0777);
	snprintf(a, sizeof a, "%s/weights.bin", model);
	snprintf(b, sizeof b, "%s/weights.bin", dir);
	copy_file(a, b);
	if (offset >= 0) {
		FILE *f = fopen(b, "r+b");
		ck_assert_ptr_nonnull(f);
		fseek(f, offset, SEEK_SET);
		fputc(byte, f);
		fclose(f);
	}
	snprintf(a, sizeof a, "%s/detector.json", model);
	snprintf(b, sizeof b, "%s/detector.json", dir);
	char *text = test_slurp(a, NULL);
	ck_assert_ptr_nonnull(text);
	FILE *f = fopen(b, "w");
	ck_assert_ptr_nonnull(f);
	char *at = from ? strstr(text, from) : NULL;
	ck_assert(!from || at);
	if (at) {
		fwrite(text, 1, (size_t)(at - text), f);
		fputs(to, f);
		fputs(at + strlen(from), f);
	} else {
		fputs(text, f);
	}
	fclose(f);
	free(text);
}

static void refused(const char *dir, const char *what)
{
	det_model *d;
	io_err err = {0};
	ck_assert_int_eq(det_model_load(&d, dir, NULL, 1, &err), IO_EINPUT);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(err.msg, what), "[%s] lacks \"%s\"", err.msg,
		      what);
}

START_TEST(weights_of_another_version_or_shape_are_refused)
{
	/* the unchanged copy loads */
	variant(tmp("v_same"), NULL, NULL, -1, 0);
	det_model *d;
	io_err err = {0};
	ck_assert_msg(det_model_load(&d, tmp("v_same"), NULL, 1, &err) == 0,
		      "%s", err.msg);
	det_model_free(d);
	/* the engine's weights format version (bytes 8-11) */
	variant(tmp("v_wver"), NULL, NULL, 8, 2);
	refused(tmp("v_wver"), "weights format version 2");
	/* a raster of another size: fc1's weights no longer fit */
	variant(tmp("v_shape"), "\"width\": 32", "\"width\": 64", -1, 0);
	refused(tmp("v_shape"), "fc1.weight");
	/* five classes where the weights have four outputs */
	variant(tmp("v_classes"), "\"loss\"", "\"loss\", \"other\"", -1, 0);
	refused(tmp("v_classes"), "fc3");
	/* the detector file's own version and format */
	variant(tmp("v_dver"), "\"version\": 1", "\"version\": 2", -1, 0);
	refused(tmp("v_dver"), "detector version 2");
	variant(tmp("v_fmt"), "hetsim-detector", "other", -1, 0);
	refused(tmp("v_fmt"), "format \"other\"");
	variant(tmp("v_arch"), "\"simple\"", "\"deep\"", -1, 0);
	refused(tmp("v_arch"), "conv");
}
END_TEST

START_TEST(classify_names_the_line_of_a_malformed_jobs_csv)
{
	const char *model = trained(NULL);
	const char *bad =
		test_write("bad_jobs.csv", GANTT_JOBS_HEADER
			   "\n"
			   "0,a,t,compute,m1,vm,0,1,2,2,3,3,8,8,9,9,10\n"
			   "1,b,t,compute,m1,vm,0,1,2,2,3,3,8,8,9,9\n");
	char cmd[2048], err[1024];
	snprintf(cmd, sizeof cmd, "%s detector classify --model %s %s",
		 test_bin(), model, bad);
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
	char where[700];
	snprintf(where, sizeof where, "%s:3:", bad);
	ck_assert_msg(strstr(err, where), "[%s]", err);
	/* a good run prints three labels with probabilities */
	snprintf(cmd, sizeof cmd,
		 "(%s detector classify --model %s "
		 "%s/toy/cpu_3/cpu_3-0000.jobs.csv.gz > %s)",
		 test_bin(), model, toy("toy1", 1), tmp("classify.txt"));
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "[%s]", err);
	char *out = test_slurp(tmp("classify.txt"), NULL);
	ck_assert_ptr_nonnull(out);
	int lines = 0;
	double sum = 0;
	for (char *p = strchr(out, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
		char label[64];
		double prob;
		ck_assert_int_eq(sscanf(p + 1, "%63s %lf", label, &prob), 2);
		sum += prob;
		lines++;
	}
	ck_assert_int_eq(lines, 3);
	ck_assert(sum > 0.5 && sum <= 1 + 1e-4);
	free(out);
}
END_TEST

/* Ten hand-made predictions over three labels (rows true, columns
 * predicted):
 *           a  b  c
 *      a    3  1  0      a: precision 3/4, recall 3/4, F1 3/4
 *      b    1  2  0      b: precision 2/4, recall 2/3, F1 4/7
 *      c    0  1  2      c: precision 2/2, recall 2/3, F1 4/5
 * accuracy 7/10; a label met only as a prediction (d) is a column of 0
 * support that the averages leave out. */
START_TEST(confusion_matrix_of_hand_made_predictions)
{
	static const char *const pairs[][2] = {
		{"a", "a"}, {"a", "a"}, {"a", "a"}, {"a", "b"}, {"b", "a"},
		{"b", "b"}, {"b", "b"}, {"c", "b"}, {"c", "c"}, {"c", "c"}};
	char *labels[] = {"a", "b", "c", "d"};
	det_confusion c;
	io_err err = {0};
	ck_assert_int_eq(det_confusion_init(&c, labels, 4, &err), 0);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(
			det_confusion_add(&c, pairs[i][0], pairs[i][1], &err),
			0);
	ck_assert_int_eq(c.n, 4);
	static const long want[16] = {3, 1, 0, 0, 1, 2, 0, 0,
				      0, 1, 2, 0, 0, 0, 0, 0};
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(c.count[i], want[i]);
	det_class_metrics per[4];
	det_metrics all;
	det_confusion_metrics(&c, per, &all);
	ck_assert_int_eq(all.total, 10);
	ck_assert_int_eq(all.correct, 7);
	ck_assert_double_eq_tol(all.accuracy, 0.7, 1e-12);
	const double p[3] = {0.75, 0.5, 1}, r[3] = {0.75, 2 / 3.0, 2 / 3.0},
		     f[3] = {0.75, 4 / 7.0, 0.8};
	for (int k = 0; k < 3; k++) {
		ck_assert_double_eq_tol(per[k].precision, p[k], 1e-12);
		ck_assert_double_eq_tol(per[k].recall, r[k], 1e-12);
		ck_assert_double_eq_tol(per[k].f1, f[k], 1e-12);
	}
	ck_assert(isnan(per[3].recall) && isnan(per[3].precision));
	ck_assert_double_eq_tol(all.macro_precision, (0.75 + 0.5 + 1) / 3,
				1e-12);
	ck_assert_double_eq_tol(all.macro_f1, (0.75 + 4 / 7.0 + 0.8) / 3,
				1e-12);
	/* weighted recall is the accuracy */
	ck_assert_double_eq_tol(all.weighted_recall, 0.7, 1e-12);
	/* a true label the matrix did not have becomes a row (and column) */
	ck_assert_int_eq(det_confusion_add(&c, "e", "a", &err), 0);
	ck_assert_int_eq(c.n, 5);
	ck_assert_int_eq(c.count[4 * 5 + 0], 1);
	ck_assert_int_eq(c.count[0], 3);
	c.count[4 * 5 + 0] = 0; /* back to the ten */
	const char *csv = tmp("conf.csv"), *met = tmp("metrics.csv"),
		   *svg = tmp("conf.svg");
	ck_assert_msg(
		det_confusion_write(&c, csv, met, svg, "hand-made", &err) == 0,
		"%s", err.msg);
	char *text = test_slurp(csv, NULL);
	ck_assert_str_eq(text, "true\\predicted,a,b,c,d,e\n"
			       "a,3,1,0,0,0\nb,1,2,0,0,0\nc,0,1,2,0,0\n"
			       "d,0,0,0,0,0\ne,0,0,0,0,0\n");
	free(text);
	text = test_slurp(met, NULL);
	ck_assert_ptr_nonnull(
		strstr(text, "b,0.500000,0.666667,0.571429,3,4\n"));
	ck_assert_ptr_nonnull(strstr(text, "(accuracy),0.700000"));
	free(text);
	text = test_slurp(svg, NULL);
	int cells = 0;
	for (char *q = text; (q = strstr(q, "class=\"cell\"")); q++)
		cells++;
	ck_assert_int_eq(cells, 25);
	free(text);
	det_confusion_free(&c);
}
END_TEST

/* Fine labels: the classes in seed-001 order (hdd_50 before hdd_100), and
 * eval scores the fine predictions and their coarse classes. */
START_TEST(fine_labels_in_seed_order_scored_fine_and_coarse)
{
	const char *data = toy("toy1", 1), *out = tmp("model_fine");
	det_train_opts o = train_opts(data, out, 3);
	o.labels = DET_FINE;
	o.epochs = 1;
	det_train_result r;
	io_err err = {0};
	ck_assert_msg(det_train(&o, &r, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(r.classes, 7);
	det_model *d;
	ck_assert_msg(det_model_load(&d, out, NULL, 1, &err) == 0, "%s",
		      err.msg);
	static const char *const order[7] = {"normal", "cpu_2",	  "cpu_3",
					     "hdd_50", "hdd_100", "loss_1",
					     "loss_5"};
	for (int k = 0; k < 7; k++)
		ck_assert_str_eq(det_model_class(d, k), order[k]);
	ck_assert_int_eq(det_model_labels(d), DET_FINE);
	det_model_free(d);
	det_eval_opts eo = {.model_dir = out, .data_dir = data, .threads = 1};
	det_eval_result er;
	ck_assert_msg(det_eval(&eo, &er, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(er.n, 9);
	ck_assert(er.coarse.accuracy >= er.model.accuracy);
	char p[700];
	snprintf(p, sizeof p, "%s/eval_toy1_test/confusion_fine.csv", out);
	ck_assert(exists(p));
	snprintf(p, sizeof p, "%s/eval_toy1_test/confusion_coarse.svg", out);
	ck_assert(exists(p));
}
END_TEST

/* The two networks at the raster's default 256 x 256 and 4 classes, by
 * hand (3x3 convs: out x (9 in + 1); batch norm 2 per channel):
 *   simple: convs 448 + 4,640 + 18,496 + 73,856 + 295,168 = 392,608, norms
 *           992, linear 16,384 x 256 + 256, 256 x 128 + 128, 128 x 4 + 4
 *   deep:   convs 448 + 4,640 + 18,496 + 36,928 + 73,856 + 3 x 147,584 =
 *           577,120, norms 1,376 + 512, linear 8,192 x 256 + 256,
 *           256 x 4 + 4 */
START_TEST(gantt_cnns_have_their_parameter_counts)
{
	static const struct {
		const char *variant;
		int64_t params;
	} want[2] = {{"simple", 392608 + 992 + 4194560 + 32896 + 516},
		     {"vgg", 577120 + 1376 + 512 + 2097408 + 1028}};
	for (int i = 0; i < 2; i++) {
		nn_model *m;
		io_err err = {0};
		ck_assert_msg(nn_zoo_gantt(&m, want[i].variant, 256, 256, 4,
					   &err) == 0,
			      "%s", err.msg);
		double flops;
		int64_t params, act;
		nn_model_totals(m, &flops, &params, &act);
		ck_assert_msg(params == want[i].params, "%s: %lld, want %lld",
			      want[i].variant, (long long)params,
			      (long long)want[i].params);
		nn_model_free(m);
	}
	nn_model *m;
	io_err err = {0};
	ck_assert_int_eq(nn_zoo_gantt(&m, "simple", 16, 256, 4, &err),
			 IO_EINPUT);
	ck_assert_int_eq(nn_zoo_gantt(&m, "alexnet", 256, 256, 4, &err),
			 IO_EINPUT);
	/* the deep one trains and reloads; the raster's rows are recorded */
	det_train_opts o = train_opts(toy("toy1", 1), tmp("model_deep"), 2);
	o.arch = DET_DEEP;
	o.epochs = 1;
	o.rows = GANTT_ROWS_NODE;
	det_train_result r;
	memset(&err, 0, sizeof err);
	ck_assert_msg(det_train(&o, &r, &err) == 0, "%s", err.msg);
	det_model *d;
	ck_assert_msg(det_model_load(&d, tmp("model_deep"), NULL, 1, &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(det_model_raster(d).rows, GANTT_ROWS_NODE);
	ck_assert_int_eq(det_model_raster(d).width, SIDE);
	det_model_free(d);
}
END_TEST

START_TEST(training_needs_both_splits_and_one_chart_size)
{
	/* the real-run layout: every chart "test" */
	const char *dir = tmp("only_test");
	mkdir(dir, 0777);
	char man[700];
	snprintf(man, sizeof man, "%s/manifest.csv", dir);
	FILE *f = fopen(man, "w");
	ck_assert_ptr_nonnull(f);
	fputs(GANTT_MANIFEST_HEADER "\na.png,normal,normal,,,,,test\n"
				    "b.png,cpu,cpu_2,,,,,test\n",
	      f);
	fclose(f);
	det_train_opts o = train_opts(dir, tmp("no_model"), 1);
	det_train_result r;
	io_err err = {0};
	ck_assert_int_eq(det_train(&o, &r, &err), IO_EINPUT);
	ck_assert_msg(strstr(err.msg, "0 training and 0 validation"), "%s",
		      err.msg);
	/* a manifest row without a label is located */
	f = fopen(man, "w");
	fputs(GANTT_MANIFEST_HEADER "\na.png,normal,normal,,,,,train\n"
				    "b.png,cpu,,,,,,validation\n",
	      f);
	fclose(f);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(det_train(&o, &r, &err), IO_EINPUT);
	char where[800];
	snprintf(where, sizeof where, "%s:3: empty label", man);
	ck_assert_msg(strstr(err.msg, where), "%s", err.msg);
	/* a chart of another size than the first */
	const char *toydir = toy("toy1", 1);
	char png[700];
	snprintf(png, sizeof png, "%s/toy/hdd_50/hdd_50-0014.png", toydir);
	gantt_run run;
	char jobs[700];
	snprintf(jobs, sizeof jobs, "%s/toy/hdd_50/hdd_50-0014.jobs.csv.gz",
		 toydir);
	ck_assert_int_eq(gantt_load(&run, jobs, &err), 0);
	const char *big = tmp("toy_mixed");
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "rm -rf %s && cp -r %s %s", big, toydir, big);
	ck_assert_int_eq(test_run(cmd, NULL, 0), 0);
	snprintf(png, sizeof png, "%s/toy/hdd_50/hdd_50-0014.png", big);
	gantt_png_opts po = {.width = 64, .height = 32};
	ck_assert_int_eq(gantt_write_png(&run, &po, png, &err), 0);
	gantt_free(&run);
	o.data_dir = big;
	o.epochs = 1;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(det_train(&o, &r, &err), IO_EINPUT);
	ck_assert_msg(
		strstr(err.msg, "hdd_50-0014.png: chart of 64 x 32 pixels"),
		"%s", err.msg);
}
END_TEST

START_TEST(cli_refuses_bad_flags_with_a_reason)
{
	static const char *const cases[][2] = {
		{"detector", "needs train"},
		{"detector fly", "unknown subcommand fly"},
		{"detector train --data x", "needs --data DIR and --out"},
		{"detector train --data x --out y --model huge",
		 "simple or deep"},
		{"detector train --data x --out y --labels mid",
		 "coarse or fine"},
		{"detector train --data x --out y --lr 2", "(0, 1)"},
		{"detector train --data x --out y --epochs 0",
		 "--epochs takes"},
		{"detector train --data x --out y --seed -1", "--seed takes"},
		{"detector eval --model m", "needs --model"},
		{"detector classify --model m", "needs --model"},
		{"detector classify --model m a.csv --top 0", "--top takes"},
		{"detector toy-data --out d --size 16x16", "--size takes"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char cmd[600], err[1024];
		snprintf(cmd, sizeof cmd, "%s %s", test_bin(), cases[i][0]);
		ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
		ck_assert_msg(strstr(err, cases[i][1]), "%s: [%s]", cases[i][0],
			      err);
	}
}
END_TEST

Suite *suite_detector(void)
{
	Suite *s = suite_create("detector");
	TCase *tc = tcase_create("detector");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, toy_charts_train_well_above_chance);
	tcase_add_test(tc, same_seed_gives_byte_identical_weights);
	tcase_add_test(tc, saved_model_predicts_as_the_trained_one);
	tcase_add_test(tc, weights_of_another_version_or_shape_are_refused);
	tcase_add_test(tc, classify_names_the_line_of_a_malformed_jobs_csv);
	tcase_add_test(tc, confusion_matrix_of_hand_made_predictions);
	tcase_add_test(tc, fine_labels_in_seed_order_scored_fine_and_coarse);
	tcase_add_test(tc, gantt_cnns_have_their_parameter_counts);
	tcase_add_test(tc, training_needs_both_splits_and_one_chart_size);
	tcase_add_test(tc, cli_refuses_bad_flags_with_a_reason);
	suite_add_tcase(s, tc);
	return s;
}
