/*
 * real/detector.h — the Gantt-chart anomaly detector of seed 001: a CNN
 * (real/nn/, zoo's nn_zoo_gantt) trained on the PNG rasters of a
 * `hetsim gantt-dataset` folder (sim/gantt.h: raster, manifest), evaluated
 * on a split of one, and applied to any jobs.csv(.gz) drawn the same way.
 * `hetsim detector train|eval|classify` (sim/cli/detector.c).
 *
 * Data: DIR/manifest.csv (sim/gantt.h: file,class,label,...,split); every
 * PNG must be 8-bit RGB of one size W x H (the first training chart's).
 * Training reads the "train" rows, early-stops on the "validation" rows;
 * eval reads the rows of one split. Charts are decoded batch by batch
 * (memory: one batch, not the data set). A pixel v (0-255) of channel c
 * enters the network as 1 - v / 255: white background 0, like the convs'
 * zero padding.
 *
 * Labels: coarse (the manifest's class column) or fine (its label column).
 * The label set is every label of the manifest (all splits), ordered as
 * seed 001's table: normal, cpu, hdd, loss; a fine label by its coarse
 * class, then by its number (cpu_2 < cpu_3, loss_0.1 < loss_5); labels
 * that are not seed-001's after them, by name. A fine model also keeps
 * each label's coarse class, so its predictions are scored coarse too.
 *
 * Training (det_train): Adam (seed 001: lr 1e-4), softmax cross-entropy,
 * batches of B drawn from the training rows in an order shuffled per epoch
 * from the seed (the last n mod B rows of an epoch's order are left out of
 * that epoch: batch norm needs full batches); after each epoch the
 * validation loss and accuracy (inference mode); the weights of the
 * epoch with the lowest validation loss are kept, and training stops when
 * it has not improved for `patience` epochs (seed 001: 4). Same seed,
 * same data and one thread give byte-identical weights (more threads:
 * oneDNN's reductions may round differently).
 *
 * MODEL_DIR:
 *   detector.json   format "hetsim-detector" version 1: model (simple |
 *                   deep), labels (coarse | fine), classes (names, in
 *                   output order), coarse_of (fine: each class's coarse
 *                   class), raster {width, height, rows, horizon_s},
 *                   input ("1 - rgb/255"), weights (file name), training
 *                   settings and the best epoch with its validation
 *                   figures. No time or host in it: same seed, same file.
 *   weights.bin     the engine's versioned weights file (real/nn/nn.h)
 *   history.csv     epoch,train_loss,train_accuracy,validation_loss,
 *                   validation_accuracy,best (1 on the kept epoch so far)
 *   learning_curve.svg   loss and accuracy per epoch, train and validation
 * All written atomically; detector.json and weights.bin on each
 * improvement (a killed run leaves the best model so far).
 * Loading checks the format and version, the model and raster fields and
 * that the weights file fits the model (real/nn: version, names, shapes).
 *
 * Evaluation (det_eval): predictions.csv (file,true,predicted,probability),
 * and per label set (fine: fine and coarse) confusion_<set>.csv (rows
 * true, columns predicted; labels in the data but not in the model are
 * rows only), confusion_<set>.svg and metrics_<set>.csv (per class
 * precision, recall, F1 and support; accuracy, macro and support-weighted
 * averages).
 */
#ifndef HETSIM_REAL_DETECTOR_H
#define HETSIM_REAL_DETECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/gantt.h"
#include "sim/io/io.h"

#define DET_FORMAT	"hetsim-detector"
#define DET_VERSION	1
#define DET_MAX_CLASSES 256

typedef enum det_arch { DET_SIMPLE, DET_DEEP } det_arch;
typedef enum det_labels { DET_COARSE, DET_FINE } det_labels;

/* Where training stands, for a progress display: after each batch
 * (epoch_done 0) and after each epoch's validation (epoch_done 1). */
typedef struct det_progress {
	int epoch, epochs; /* 1-based */
	size_t batch, batches;
	int epoch_done;
	double train_loss, train_acc; /* so far in this epoch */
	double val_loss, val_acc;     /* epoch_done only */
	int improved;		      /* epoch_done: kept as the best */
	double images_per_s;	      /* training images, this epoch */
} det_progress;

typedef struct det_train_opts {
	const char *data_dir, *out_dir;
	det_arch arch;
	det_labels labels;
	int epochs;   /* 0: 30 */
	int batch;    /* 0: 16 (seed 001) */
	int patience; /* 0: 4 (seed 001) */
	double lr;    /* 0: 1e-4 (seed 001) */
	uint64_t seed;
	int threads;	     /* 0: oneDNN's default */
	const char *backend; /* NULL: "dnnl" */
	gantt_rows rows;     /* how the data set was drawn (recorded for */
	double horizon_s;    /* classify): gantt-dataset's --rows, --horizon */
	void (*progress)(void *ctx, const det_progress *p);
	void *ctx;
} det_train_opts;

typedef struct det_train_result {
	size_t n_train, n_val;
	int width, height, classes;
	int epochs_run, best_epoch;
	double best_val_loss, best_val_acc;
	double seconds, images_per_s; /* training passes only */
} det_train_result;

int det_train(const det_train_opts *o, det_train_result *r, io_err *err);

/* A trained detector (MODEL_DIR), ready to classify one chart at a time. */
typedef struct det_model det_model;
int det_model_load(det_model **out, const char *dir, const char *backend,
		   int threads, io_err *err);
void det_model_free(det_model *d);
int det_model_classes(const det_model *d);
const char *det_model_class(const det_model *d, int k);
det_labels det_model_labels(const det_model *d);
/* The raster options the model was trained on. */
gantt_png_opts det_model_raster(const det_model *d);
/* Class probabilities (softmax) of one chart: a run drawn as the data set
 * draws it, or an RGB raster of the model's size. probs has
 * det_model_classes entries. */
int det_classify_run(det_model *d, const gantt_run *run, double *probs,
		     io_err *err);
int det_classify_rgb(det_model *d, const uint8_t *rgb, double *probs,
		     io_err *err);

/* A confusion matrix over named labels: rows true, columns predicted. */
typedef struct det_confusion {
	int n;	      /* labels */
	char **label; /* n names */
	long *count;  /* n x n, count[t * n + p] */
} det_confusion;
/* Starts with the labels given (may be none); det_confusion_add adds a
 * label it meets. */
int det_confusion_init(det_confusion *c, char *const *labels, int n,
		       io_err *err);
int det_confusion_add(det_confusion *c, const char *truth,
		      const char *predicted, io_err *err);
void det_confusion_free(det_confusion *c);

typedef struct det_class_metrics {
	double precision, recall, f1; /* NAN when undefined (0 / 0) */
	long support;		      /* true samples */
	long predicted;
} det_class_metrics;
typedef struct det_metrics {
	long total, correct;
	double accuracy;
	double macro_precision, macro_recall, macro_f1; /* over classes with
							   support */
	double weighted_precision, weighted_recall, weighted_f1;
} det_metrics;
/* per has c->n entries. */
void det_confusion_metrics(const det_confusion *c, det_class_metrics *per,
			   det_metrics *all);
/* The matrix and the metrics as text (a table for people). */
void det_confusion_print(const det_confusion *c, const char *title, FILE *f);
int det_confusion_write(const det_confusion *c, const char *csv_path,
			const char *metrics_path, const char *svg_path,
			const char *title, io_err *err);

typedef struct det_eval_opts {
	const char *model_dir, *data_dir;
	const char *split;   /* NULL: "test" */
	const char *out_dir; /* NULL: MODEL_DIR/eval_<DATA's name>_<split> */
	const char *backend;
	int threads;
	FILE *report; /* the printed tables; NULL: none */
} det_eval_opts;

typedef struct det_eval_result {
	size_t n;
	det_metrics model;  /* in the model's labels */
	det_metrics coarse; /* fine models: scored by coarse class */
} det_eval_result;

int det_eval(const det_eval_opts *o, det_eval_result *r, io_err *err);

/* A toy data set, for the tests and for trying the commands before the
 * simulated data set exists: NOT a simulation (no workflow engine, no
 * calibrated anomaly model). Each chart is a hand-made three-level run
 * shaped like 1000Genome's (a wide level, a narrow one, a wide one; each
 * level ready when the one before has ended) on 5 workers, every phase
 * drawn uniformly from a fixed range, with one stated effect per label
 * on 2 random workers for the whole run: cpu_K multiplies their compute
 * phases by 1 + 0.4 K, hdd_X their stage-in and stage-out by 1 + X / 25;
 * loss_P multiplies every worker's stage-in and stage-out by 1 + P.
 * Labels normal (2 N charts), cpu_2, cpu_3, hdd_50, hdd_100, loss_1 and
 * loss_5 (N each: the coarse classes balanced). Written as gantt-dataset
 * writes: OUT/toy/<label>/<label>-NNNN.png and .jobs.csv.gz beside it,
 * OUT/manifest.csv, split per label by gantt_split. Chart i's seed is
 * sim_seed_mix(seed, i): the same seed gives the same bytes. */
typedef struct det_toy_opts {
	const char *out_dir;
	int per_class;
	gantt_png_opts raster;
	uint64_t seed;
} det_toy_opts;
int det_toy_dataset(const det_toy_opts *o, size_t *charts, io_err *err);

#endif
