/*
 * real/detector.c — the Gantt-chart anomaly detector (real/detector.h):
 * the data set's manifest and PNGs, training with early stopping, the
 * model folder, classification and the confusion matrix.
 */
#include "real/detector.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_rng.h>
#include "real/nn/nn.h"
#include "real/nn/zoo.h"
#include "sim/base/out.h"
#include "sim/base/rng.h"
#include "sim/base/svg.h"
#include "sim/io/csv.h"
#include "sim/base/clock.h"

#define DET_META	   "detector.json"
#define DET_WEIGHTS	   "weights.bin"
#define DET_STREAM_SHUFFLE 0x64657431u /* "det1": the epochs' order */

static int nomem(io_err *err)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

/* ------------------------------------------------------------ labels */

static const char *const coarse_order[] = {"normal", "cpu", "hdd", "loss"};

/* Seed-001 order: coarse class, then the label's number; others last. */
static void label_key(const char *label, int *rank, double *num)
{
	const char *coarse = gantt_coarse_class(label);
	*rank = 4;
	*num = 0;
	for (int i = 0; coarse && i < 4; i++)
		if (!strcmp(coarse, coarse_order[i]))
			*rank = i;
	const char *u = strchr(label, '_');
	if (*rank < 4 && u)
		*num = strtod(u + 1, NULL);
}

static int label_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int rx, ry;
	double nx, ny;
	label_key(x, &rx, &nx);
	label_key(y, &ry, &ny);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (nx != ny)
		return nx < ny ? -1 : 1;
	return strcmp(x, y);
}

static int find_label(char *const *labels, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(labels[i], s))
			return i;
	return -1;
}

static void free_strs(char **s, int n)
{
	for (int i = 0; s && i < n; i++)
		free(s[i]);
	free(s);
}

/* ------------------------------------------------------------ manifest */

typedef struct det_row {
	char *file, *coarse, *label, *split;
	long line;
} det_row;

typedef struct det_data {
	char *dir, *manifest;
	det_row *row;
	size_t n;
} det_data;

static void data_free(det_data *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->row[i].file);
		free(d->row[i].coarse);
		free(d->row[i].label);
		free(d->row[i].split);
	}
	free(d->row);
	free(d->dir);
	free(d->manifest);
	memset(d, 0, sizeof *d);
}

static int data_load(det_data *d, const char *dir, io_err *err)
{
	memset(d, 0, sizeof *d);
	d->dir = strdup(dir);
	d->manifest = sim_pathf("%s/manifest.csv", dir);
	if (!d->dir || !d->manifest)
		return nomem(err);
	io_csv *r;
	int rc = io_csv_open(&r, d->manifest, err);
	if (rc)
		return rc;
	int col[4];
	static const char *const names[4] = {"file", "class", "label", "split"};
	rc = io_csv_read_header(r, err);
	for (int k = 0; !rc && k < 4; k++)
		rc = io_csv_need_col(r, names[k], &col[k], err);
	size_t cap = 0;
	int more;
	while (!rc && (more = io_csv_next(r, err)) > 0) {
		if ((rc = io_csv_check_width(r, err)))
			break;
		char *const *f = io_csv_fields(r);
		for (int k = 0; k < 4 && !rc; k++)
			if (!*f[col[k]])
				rc = io_csv_errf(r, err, "empty %s", names[k]);
		if (rc)
			break;
		if (d->n == cap) {
			cap = cap ? 2 * cap : 256;
			det_row *b = realloc(d->row, cap * sizeof *b);
			if (!b) {
				rc = nomem(err);
				break;
			}
			d->row = b;
		}
		det_row *x = &d->row[d->n];
		x->file = strdup(f[col[0]]);
		x->coarse = strdup(f[col[1]]);
		x->label = strdup(f[col[2]]);
		x->split = strdup(f[col[3]]);
		x->line = io_csv_line(r);
		d->n++;
		if (!x->file || !x->coarse || !x->label || !x->split)
			rc = nomem(err);
	}
	if (!rc && more < 0)
		rc = err->code ? err->code : IO_EINPUT;
	io_csv_close(r);
	if (!rc && d->n == 0)
		rc = io_errf(err, IO_EINPUT, d->manifest, 0,
			     "no charts listed");
	return rc;
}

static const char *row_label(const det_row *x, det_labels l)
{
	return l == DET_FINE ? x->label : x->coarse;
}

/* Every label of the data (all splits), in seed-001 order; coarse_of[k]
 * the coarse class of label k (for fine labels; first seen). */
static int data_labels(const det_data *d, det_labels l, char ***labels,
		       char ***coarse_of, int *n, io_err *err)
{
	*labels = NULL;
	*coarse_of = NULL;
	*n = 0;
	const char **u = calloc(DET_MAX_CLASSES, sizeof *u);
	const char **uc = calloc(DET_MAX_CLASSES, sizeof *uc);
	int k = 0, rc = u && uc ? 0 : nomem(err);
	for (size_t i = 0; !rc && i < d->n; i++) {
		const char *s = row_label(&d->row[i], l);
		int j = 0;
		while (j < k && strcmp(u[j], s))
			j++;
		if (j < k) {
			if (l == DET_FINE && strcmp(uc[j], d->row[i].coarse))
				rc = io_errf(
					err, IO_EINPUT, d->manifest,
					d->row[i].line,
					"label %s in class %s, earlier in %s",
					s, d->row[i].coarse, uc[j]);
			continue;
		}
		if (k == DET_MAX_CLASSES) {
			rc = io_errf(err, IO_EINPUT, d->manifest,
				     d->row[i].line, "more than %d labels",
				     DET_MAX_CLASSES);
			break;
		}
		u[k] = s;
		uc[k++] = d->row[i].coarse;
	}
	/* sort the pairs by label: order u and carry uc along */
	const char **sorted =
		rc ? NULL : malloc((size_t)(k ? k : 1) * sizeof *sorted);
	if (!rc && !sorted)
		rc = nomem(err);
	if (!rc) {
		memcpy(sorted, u, (size_t)k * sizeof *sorted);
		qsort(sorted, (size_t)k, sizeof *sorted, label_cmp);
		*labels = calloc((size_t)k + 1, sizeof **labels);
		*coarse_of = calloc((size_t)k + 1, sizeof **coarse_of);
		if (!*labels || !*coarse_of)
			rc = nomem(err);
		for (int i = 0; !rc && i < k; i++) {
			int j = 0;
			while (u[j] != sorted[i])
				j++;
			(*labels)[i] = strdup(sorted[i]);
			(*coarse_of)[i] = strdup(uc[j]);
			if (!(*labels)[i] || !(*coarse_of)[i])
				rc = nomem(err);
		}
	}
	free(sorted);
	free(u);
	free(uc);
	if (rc) {
		free_strs(*labels, k);
		free_strs(*coarse_of, k);
		*labels = *coarse_of = NULL;
		return rc;
	}
	*n = k;
	return 0;
}

/* ------------------------------------------------------------ charts */

/* Decode the PNG at path into rgb (w x h x 3); its size must be w x h. */
static int read_png(const char *path, int w, int h, uint8_t *rgb, io_err *err)
{
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path))
		return io_errf(err, IO_EINPUT, path, 0,
			       "not a readable PNG: %s", img.message);
	if ((int)img.width != w || (int)img.height != h) {
		png_image_free(&img);
		return io_errf(err, IO_EINPUT, path, 0,
			       "chart of %u x %u pixels, expected %d x %d "
			       "(the model's raster)",
			       img.width, img.height, w, h);
	}
	img.format = PNG_FORMAT_RGB;
	if (!png_image_finish_read(&img, NULL, rgb, 0, NULL))
		return io_errf(err, IO_EINPUT, path, 0, "PNG: %s", img.message);
	return 0;
}

static int png_size(const char *path, int *w, int *h, io_err *err)
{
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path))
		return io_errf(err, IO_EINPUT, path, 0,
			       "not a readable PNG: %s", img.message);
	*w = (int)img.width;
	*h = (int)img.height;
	png_image_free(&img);
	return 0;
}

/* One sample's input (C x H x W) from an RGB raster (H x W x 3). */
static void rgb_to_input(const uint8_t *rgb, int w, int h, float *x)
{
	size_t plane = (size_t)w * (size_t)h;
	for (size_t p = 0; p < plane; p++)
		for (int c = 0; c < 3; c++)
			x[(size_t)c * plane + p] =
				1.0f - (float)rgb[3 * p + (size_t)c] / 255.0f;
}

/* ------------------------------------------------------------ network */

static void softmax(const float *z, int k, double *p)
{
	double mx = z[0], s = 0;
	for (int i = 1; i < k; i++)
		mx = z[i] > mx ? z[i] : mx;
	for (int i = 0; i < k; i++)
		s += (p[i] = exp(z[i] - mx));
	for (int i = 0; i < k; i++)
		p[i] /= s;
}

static int argmax(const double *p, int k)
{
	int a = 0;
	for (int i = 1; i < k; i++)
		if (p[i] > p[a])
			a = i;
	return a;
}

static const char *arch_name(det_arch a)
{
	return a == DET_DEEP ? "deep" : "simple";
}

static int build_net(nn_model **m, det_arch a, int w, int h, int k, io_err *err)
{
	return nn_zoo_gantt(m, a == DET_DEEP ? "vgg" : "simple", h, w, k, err);
}

/* A set of rows run through the model in inference mode, batch by batch
 * (the last batch padded with blank charts, their outputs dropped). */
typedef struct det_pass {
	nn_model *m;
	int w, h, k;
	int64_t batch;
	uint8_t *rgb;
} det_pass;

/* probs (n x k) of rows idx[0..n) of d. */
static int infer_rows(det_pass *ps, const det_data *d, const size_t *idx,
		      size_t n, double *probs, io_err *err)
{
	float *x = nn_model_input(ps->m, 0);
	int64_t elems = nn_model_input_elems(ps->m, 0);
	for (size_t b0 = 0; b0 < n; b0 += (size_t)ps->batch) {
		size_t nb =
			n - b0 < (size_t)ps->batch ? n - b0 : (size_t)ps->batch;
		for (size_t j = 0; j < (size_t)ps->batch; j++) {
			float *xj = x + (int64_t)j * elems;
			if (j >= nb) {
				memset(xj, 0, (size_t)elems * sizeof *xj);
				continue;
			}
			char *path = sim_pathf("%s/%s", d->dir,
					       d->row[idx[b0 + j]].file);
			if (!path)
				return nomem(err);
			int rc = read_png(path, ps->w, ps->h, ps->rgb, err);
			free(path);
			if (rc)
				return rc;
			rgb_to_input(ps->rgb, ps->w, ps->h, xj);
		}
		int rc = nn_model_forward(ps->m, 0, err);
		if (rc)
			return rc;
		const float *y = nn_model_output(ps->m, NULL, NULL);
		for (size_t j = 0; j < nb; j++)
			softmax(y + (int64_t)j * ps->k, ps->k,
				probs + (b0 + j) * (size_t)ps->k);
	}
	return 0;
}

/* ------------------------------------------------------------ model folder */

typedef struct det_meta {
	det_arch arch;
	det_labels labels;
	int k;
	char **cls, **coarse_of;
	gantt_png_opts raster;
} det_meta;

static const char *rows_name(gantt_rows r)
{
	return r == GANTT_ROWS_NODE ? "node" : "ready";
}

static json_t *str_array(char *const *s, int n)
{
	json_t *a = json_array();
	for (int i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(s[i]));
	return a;
}

static int write_meta(const char *dir, const det_meta *mt,
		      const det_train_opts *o, const det_train_result *r,
		      io_err *err)
{
	json_t *j = json_object();
	if (!j)
		return nomem(err);
	json_object_set_new(j, "format", json_string(DET_FORMAT));
	json_object_set_new(j, "version", json_integer(DET_VERSION));
	json_object_set_new(j, "model", json_string(arch_name(mt->arch)));
	json_object_set_new(
		j, "labels",
		json_string(mt->labels == DET_FINE ? "fine" : "coarse"));
	json_object_set_new(j, "classes", str_array(mt->cls, mt->k));
	if (mt->labels == DET_FINE)
		json_object_set_new(j, "coarse_of",
				    str_array(mt->coarse_of, mt->k));
	json_t *ra = json_object();
	json_object_set_new(ra, "width", json_integer(mt->raster.width));
	json_object_set_new(ra, "height", json_integer(mt->raster.height));
	json_object_set_new(ra, "rows",
			    json_string(rows_name(mt->raster.rows)));
	json_object_set_new(ra, "horizon_s", json_real(mt->raster.horizon_s));
	json_object_set_new(j, "raster", ra);
	json_object_set_new(j, "input", json_string("1 - rgb/255"));
	json_object_set_new(j, "weights", json_string(DET_WEIGHTS));
	json_t *t = json_object();
	json_object_set_new(t, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(t, "batch", json_integer(o->batch));
	json_object_set_new(t, "lr", json_real(o->lr));
	json_object_set_new(t, "optimizer", json_string("adam"));
	json_object_set_new(t, "patience", json_integer(o->patience));
	json_object_set_new(t, "max_epochs", json_integer(o->epochs));
	json_object_set_new(t, "train_charts",
			    json_integer((json_int_t)r->n_train));
	json_object_set_new(t, "validation_charts",
			    json_integer((json_int_t)r->n_val));
	json_object_set_new(t, "best_epoch", json_integer(r->best_epoch));
	json_object_set_new(t, "validation_loss",
			    sim_json_num(r->best_val_loss));
	json_object_set_new(t, "validation_accuracy",
			    sim_json_num(r->best_val_acc));
	json_object_set_new(j, "training", t);
	char *path = sim_pathf("%s/%s", dir, DET_META);
	int rc = path ? sim_write_json(path, j, err) : nomem(err);
	free(path);
	json_decref(j);
	return rc;
}

static void meta_free(det_meta *mt)
{
	free_strs(mt->cls, mt->k);
	free_strs(mt->coarse_of, mt->k);
	memset(mt, 0, sizeof *mt);
}

static int read_str_array(const io_jdoc *doc, const json_t *root,
			  const char *key, int n, char ***out, io_err *err)
{
	json_t *a = json_object_get(root, key);
	if (!json_is_array(a) || (n >= 0 && (int)json_array_size(a) != n) ||
	    json_array_size(a) < 2 || json_array_size(a) > DET_MAX_CLASSES)
		return io_jerr(err, doc, a ? a : root,
			       "\"%s\": expected an array of 2 to %d names%s",
			       key, DET_MAX_CLASSES,
			       n >= 0 ? ", one per class" : "");
	size_t k = json_array_size(a);
	*out = calloc(k, sizeof **out);
	if (!*out)
		return nomem(err);
	for (size_t i = 0; i < k; i++) {
		json_t *s = json_array_get(a, i);
		if (!json_is_string(s))
			return io_jerr(err, doc, a,
				       "\"%s\": element %zu is not a "
				       "string",
				       key, i);
		if (!((*out)[i] = strdup(json_string_value(s))))
			return nomem(err);
	}
	return 0;
}

static int read_meta(const char *dir, det_meta *mt, io_err *err)
{
	memset(mt, 0, sizeof *mt);
	char *path = sim_pathf("%s/%s", dir, DET_META);
	if (!path)
		return nomem(err);
	io_jdoc doc;
	int rc = io_jdoc_load(&doc, path, err);
	free(path);
	if (rc)
		return rc;
	const json_t *root = doc.root;
	const char *fmt = NULL, *model = NULL, *labels = NULL, *rows = NULL;
	double version = 0, w = 0, h = 0;
	rc = io_jget_str(&doc, root, "format", 1, &fmt, err);
	if (!rc && strcmp(fmt, DET_FORMAT))
		rc = io_jerr(err, &doc, json_object_get(root, "format"),
			     "format \"%s\": expected \"%s\"", fmt, DET_FORMAT);
	if (!rc)
		rc = io_jget_num(&doc, root, "version", 1, &version, err);
	if (!rc && version != DET_VERSION)
		rc = io_jerr(
			err, &doc, json_object_get(root, "version"),
			"detector version %g; this hetsim reads version %d",
			version, DET_VERSION);
	if (!rc)
		rc = io_jget_str(&doc, root, "model", 1, &model, err);
	if (!rc && strcmp(model, "simple") && strcmp(model, "deep"))
		rc = io_jerr(err, &doc, json_object_get(root, "model"),
			     "model \"%s\": expected simple or deep", model);
	if (!rc)
		rc = io_jget_str(&doc, root, "labels", 1, &labels, err);
	if (!rc && strcmp(labels, "coarse") && strcmp(labels, "fine"))
		rc = io_jerr(err, &doc, json_object_get(root, "labels"),
			     "labels \"%s\": expected coarse or fine", labels);
	if (!rc) {
		mt->arch = strcmp(model, "deep") ? DET_SIMPLE : DET_DEEP;
		mt->labels = strcmp(labels, "fine") ? DET_COARSE : DET_FINE;
		rc = read_str_array(&doc, root, "classes", -1, &mt->cls, err);
		if (mt->cls)
			mt->k = (int)json_array_size(
				json_object_get(root, "classes"));
	}
	if (!rc && mt->labels == DET_FINE)
		rc = read_str_array(&doc, root, "coarse_of", mt->k,
				    &mt->coarse_of, err);
	const json_t *ra = json_object_get(root, "raster");
	if (!rc && !json_is_object(ra))
		rc = io_jerr(err, &doc, root, "no \"raster\" object");
	if (!rc)
		rc = io_jget_posnum(&doc, ra, "width", 1, &w, err);
	if (!rc)
		rc = io_jget_posnum(&doc, ra, "height", 1, &h, err);
	if (!rc && (w != floor(w) || h != floor(h) || w < 32 || h < 32 ||
		    w > GANTT_PNG_MAX_SIDE || h > GANTT_PNG_MAX_SIDE))
		rc = io_jerr(err, &doc, ra,
			     "raster of %g x %g: expected whole "
			     "sides of 32 to %d",
			     w, h, GANTT_PNG_MAX_SIDE);
	if (!rc)
		rc = io_jget_str(&doc, ra, "rows", 1, &rows, err);
	if (!rc && strcmp(rows, "ready") && strcmp(rows, "node"))
		rc = io_jerr(err, &doc, json_object_get(ra, "rows"),
			     "rows \"%s\": expected ready or node", rows);
	if (!rc)
		rc = io_jget_nonneg(&doc, ra, "horizon_s", 1,
				    &mt->raster.horizon_s, err);
	if (!rc) {
		mt->raster.width = (int)w;
		mt->raster.height = (int)h;
		mt->raster.rows = strcmp(rows, "node") ? GANTT_ROWS_READY
						       : GANTT_ROWS_NODE;
	}
	io_jdoc_free(&doc);
	if (rc)
		meta_free(mt);
	return rc;
}

struct det_model {
	det_meta mt;
	nn_model *m;
	nn_backend *be;
	uint8_t *rgb;
	float *logits;
};

void det_model_free(det_model *d)
{
	if (!d)
		return;
	nn_model_free(d->m);
	nn_backend_free(d->be);
	meta_free(&d->mt);
	free(d->rgb);
	free(d->logits);
	free(d);
}

int det_model_load(det_model **out, const char *dir, const char *backend,
		   int threads, io_err *err)
{
	*out = NULL;
	det_model *d = calloc(1, sizeof *d);
	if (!d)
		return nomem(err);
	int rc = read_meta(dir, &d->mt, err);
	char *wpath = rc ? NULL : sim_pathf("%s/%s", dir, DET_WEIGHTS);
	if (!rc && !wpath)
		rc = nomem(err);
	if (!rc)
		rc = build_net(&d->m, d->mt.arch, d->mt.raster.width,
			       d->mt.raster.height, d->mt.k, err);
	if (!rc)
		rc = nn_model_load_weights(d->m, wpath, err);
	if (!rc)
		rc = nn_backend_new(&d->be, backend ? backend : "dnnl", threads,
				    err);
	if (!rc)
		rc = nn_model_prepare(d->m, d->be, 1, 0, err);
	if (!rc) {
		d->rgb = malloc((size_t)d->mt.raster.width *
				(size_t)d->mt.raster.height * 3);
		if (!d->rgb)
			rc = nomem(err);
	}
	free(wpath);
	if (rc) {
		det_model_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

int det_model_classes(const det_model *d)
{
	return d->mt.k;
}

const char *det_model_class(const det_model *d, int k)
{
	return d->mt.cls[k];
}

det_labels det_model_labels(const det_model *d)
{
	return d->mt.labels;
}

gantt_png_opts det_model_raster(const det_model *d)
{
	return d->mt.raster;
}

int det_classify_rgb(det_model *d, const uint8_t *rgb, double *probs,
		     io_err *err)
{
	rgb_to_input(rgb, d->mt.raster.width, d->mt.raster.height,
		     nn_model_input(d->m, 0));
	int rc = nn_model_forward(d->m, 0, err);
	if (rc)
		return rc;
	softmax(nn_model_output(d->m, NULL, NULL), d->mt.k, probs);
	return 0;
}

int det_classify_run(det_model *d, const gantt_run *run, double *probs,
		     io_err *err)
{
	int rc = gantt_raster(run, &d->mt.raster, d->rgb, err);
	return rc ? rc : det_classify_rgb(d, d->rgb, probs, err);
}

/* ------------------------------------------------------------ training */

typedef struct det_hist {
	double train_loss, train_acc, val_loss, val_acc;
	int best;
} det_hist;

static int write_history(const char *dir, const det_hist *h, int n, io_err *err)
{
	sim_text t = {0};
	sim_text_add(&t, "epoch,train_loss,train_accuracy,validation_loss,"
			 "validation_accuracy,best\n");
	for (int e = 0; e < n; e++)
		sim_text_add(&t, "%d,%.6f,%.6f,%.6f,%.6f,%d\n", e + 1,
			     h[e].train_loss, h[e].train_acc, h[e].val_loss,
			     h[e].val_acc, h[e].best);
	char *path = sim_pathf("%s/history.csv", dir);
	int rc = path && !t.failed ? sim_write_text(path, t.buf, t.len, err)
				   : nomem(err);
	free(path);
	free(t.buf);
	if (rc)
		return rc;
	/* the learning curve: loss and accuracy panels */
	sim_svg *s = sim_svg_new(900, 380);
	double *xs = malloc((size_t)n * 5 * sizeof *xs);
	if (!s || !xs) {
		sim_svg_free(s);
		free(xs);
		return nomem(err);
	}
	double *ys[4] = {xs + n, xs + 2 * n, xs + 3 * n, xs + 4 * n};
	double ymax = 0;
	for (int e = 0; e < n; e++) {
		xs[e] = e + 1;
		ys[0][e] = h[e].train_loss;
		ys[1][e] = h[e].val_loss;
		ys[2][e] = h[e].train_acc;
		ys[3][e] = h[e].val_acc;
		ymax = fmax(ymax, fmax(ys[0][e], ys[1][e]));
	}
	for (int panel = 0; panel < 2; panel++) {
		sim_svg_panel p = sim_svg_axes(
			s, 70 + panel * 440, 40, 340, 280, 1, n > 1 ? n : 2, 0,
			panel ? 1 : (ymax > 0 ? ymax * 1.05 : 1),
			panel ? "accuracy" : "loss (cross-entropy)", "epoch",
			panel ? "accuracy" : "loss");
		for (int set = 0; set < 2; set++) {
			const char *col = sim_svg_color(set);
			sim_svg_line(s, &p, xs, ys[2 * panel + set], (size_t)n,
				     col, 2, 0);
			for (int e = 0; e < n; e++)
				sim_svg_marker(s, &p, xs[e],
					       ys[2 * panel + set][e], col);
			sim_svg_legend(s, &p, set, panel, col, 0,
				       set ? "validation" : "train");
		}
	}
	path = sim_pathf("%s/learning_curve.svg", dir);
	rc = path ? sim_svg_write(s, path, err) : nomem(err);
	free(path);
	free(xs);
	sim_svg_free(s);
	return rc;
}

static void shuffle(size_t *a, size_t n, gsl_rng *r)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)gsl_rng_uniform_int(r, i);
		size_t t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

typedef struct det_trainer {
	det_data d;
	det_meta mt;
	size_t *tr, *va; /* row indices */
	int *ytr, *yva;
	size_t ntr, nva;
	double *probs;
	det_hist *hist;
	nn_model *m;
	nn_backend *be;
	gsl_rng *rng;
	int32_t *labels;
	det_pass ps;
} det_trainer;

/* Load batch b of the epoch's order into the model's input and labels. */
static int fill_batch(det_trainer *t, det_labels lab, size_t b, io_err *err)
{
	float *x = nn_model_input(t->m, 0);
	int64_t elems = nn_model_input_elems(t->m, 0), batch = t->ps.batch;
	for (int64_t j = 0; j < batch; j++) {
		const det_row *row =
			&t->d.row[t->tr[b * (size_t)batch + (size_t)j]];
		t->labels[j] =
			find_label(t->mt.cls, t->mt.k, row_label(row, lab));
		char *path = sim_pathf("%s/%s", t->d.dir, row->file);
		int rc = path ? read_png(path, t->ps.w, t->ps.h, t->ps.rgb, err)
			      : nomem(err);
		free(path);
		if (rc)
			return rc;
		rgb_to_input(t->ps.rgb, t->ps.w, t->ps.h, x + j * elems);
	}
	return 0;
}

/* Batch norm's running statistics recomputed for the current weights
 * ("precise BN", Wu & Johnson 2021): the mean over up to DET_BN_BATCHES
 * training batches of each batch's statistics, instead of the moving
 * average of the epoch, which lags behind weights that moved a lot in the
 * epoch (few batches, a large lr). A training-mode pass moves a running
 * value r to (1 - m) r + m s (s the batch's statistic, m the documented
 * default momentum 0.1 of real/nn/nn.h, which the zoo's norms keep): from
 * r = 0, the pass leaves m s. */
#define DET_BN_BATCHES	20
#define DET_BN_MOMENTUM 0.1
static int precise_bn(det_trainer *t, det_labels lab, size_t batches,
		      io_err *err)
{
	int np = nn_model_n_params(t->m);
	size_t k = batches < DET_BN_BATCHES ? batches : DET_BN_BATCHES;
	int64_t total = 0;
	for (int i = 0; i < np; i++) {
		nn_param *p = nn_model_param(t->m, i);
		if (!p->trainable)
			total += p->n;
	}
	double *sum = calloc((size_t)(total ? total : 1), sizeof *sum);
	if (!sum)
		return nomem(err);
	int rc = 0;
	for (size_t b = 0; !rc && b < k; b++) {
		for (int i = 0; i < np; i++) {
			nn_param *p = nn_model_param(t->m, i);
			if (!p->trainable)
				memset(p->data, 0,
				       (size_t)p->n * sizeof *p->data);
		}
		rc = fill_batch(t, lab, b, err);
		if (!rc)
			rc = nn_model_forward(t->m, 1, err);
		for (int i = 0, off = 0; !rc && i < np; i++) {
			nn_param *p = nn_model_param(t->m, i);
			if (p->trainable)
				continue;
			for (int64_t j = 0; j < p->n; j++)
				sum[off + j] += p->data[j] / DET_BN_MOMENTUM;
			off += (int)p->n;
		}
	}
	for (int i = 0, off = 0; !rc && i < np; i++) {
		nn_param *p = nn_model_param(t->m, i);
		if (p->trainable)
			continue;
		for (int64_t j = 0; j < p->n; j++)
			p->data[j] = (float)(sum[off + j] / (double)k);
		p->version++;
		off += (int)p->n;
	}
	free(sum);
	return rc;
}

/* Validation loss and accuracy of the rows idx[0..n) with labels y. */
static int validate(det_pass *ps, const det_data *d, const size_t *idx,
		    const int *y, size_t n, double *probs, double *loss,
		    double *acc, io_err *err)
{
	int rc = infer_rows(ps, d, idx, n, probs, err);
	if (rc)
		return rc;
	double l = 0;
	size_t ok = 0;
	for (size_t i = 0; i < n; i++) {
		const double *p = probs + i * (size_t)ps->k;
		l -= log(fmax(p[y[i]], 1e-300));
		ok += argmax(p, ps->k) == y[i];
	}
	*loss = l / (double)n;
	*acc = (double)ok / (double)n;
	return 0;
}

static void trainer_free(det_trainer *t)
{
	data_free(&t->d);
	meta_free(&t->mt);
	free(t->tr);
	free(t->va);
	free(t->ytr);
	free(t->yva);
	free(t->probs);
	free(t->hist);
	free(t->labels);
	free(t->ps.rgb);
	nn_model_free(t->m);
	nn_backend_free(t->be);
	if (t->rng)
		gsl_rng_free(t->rng);
}

/* The data set's rows by split, their labels and the raster size. */
static int trainer_setup(det_trainer *t, const det_train_opts *o,
			 det_train_result *r, io_err *err)
{
	int rc = data_load(&t->d, o->data_dir, err);
	if (!rc)
		rc = data_labels(&t->d, o->labels, &t->mt.cls, &t->mt.coarse_of,
				 &t->mt.k, err);
	if (rc)
		return rc;
	if (t->mt.k < 2)
		return io_errf(err, IO_EINPUT, t->d.manifest, 0,
			       "one label (%s) only: nothing to tell apart",
			       t->mt.cls[0]);
	t->tr = malloc(t->d.n * sizeof *t->tr);
	t->va = malloc(t->d.n * sizeof *t->va);
	t->ytr = malloc(t->d.n * sizeof *t->ytr);
	t->yva = malloc(t->d.n * sizeof *t->yva);
	if (!t->tr || !t->va || !t->ytr || !t->yva)
		return nomem(err);
	for (size_t i = 0; i < t->d.n; i++) {
		const det_row *x = &t->d.row[i];
		int y = find_label(t->mt.cls, t->mt.k, row_label(x, o->labels));
		if (!strcmp(x->split, "train")) {
			t->ytr[t->ntr] = y;
			t->tr[t->ntr++] = i;
		} else if (!strcmp(x->split, "validation")) {
			t->yva[t->nva] = y;
			t->va[t->nva++] = i;
		}
	}
	if (!t->ntr || !t->nva)
		return io_errf(err, IO_EINPUT, t->d.manifest, 0,
			       "%zu training and %zu validation charts: "
			       "training needs both splits (a data set of real "
			       "runs only is all \"test\")",
			       t->ntr, t->nva);
	char *first = sim_pathf("%s/%s", t->d.dir, t->d.row[t->tr[0]].file);
	if (!first)
		return nomem(err);
	rc = png_size(first, &t->ps.w, &t->ps.h, err);
	free(first);
	if (!rc && (t->ps.w < 32 || t->ps.h < 32))
		rc = io_errf(err, IO_EINPUT, t->d.manifest, 0,
			     "charts of %d x %d pixels: the CNN needs at least "
			     "32 x 32 (five 2x2 pools)",
			     t->ps.w, t->ps.h);
	if (rc)
		return rc;
	t->mt.arch = o->arch;
	t->mt.labels = o->labels;
	t->mt.raster = (gantt_png_opts){.width = t->ps.w,
					.height = t->ps.h,
					.rows = o->rows,
					.horizon_s = o->horizon_s};
	r->n_train = t->ntr;
	r->n_val = t->nva;
	r->width = t->ps.w;
	r->height = t->ps.h;
	r->classes = t->mt.k;
	return 0;
}

int det_train(const det_train_opts *oin, det_train_result *r, io_err *err)
{
	det_train_opts o = *oin;
	o.epochs = o.epochs ? o.epochs : 30;
	o.batch = o.batch ? o.batch : 16;
	o.patience = o.patience ? o.patience : 4;
	o.lr = o.lr > 0 ? o.lr : 1e-4;
	memset(r, 0, sizeof *r);
	r->best_val_loss = INFINITY;
	if (o.epochs < 1 || o.batch < 1 || o.patience < 1 || !(o.lr < 1))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "epochs, batch and patience must be >= 1 and lr "
			       "in (0, 1)");
	det_trainer t;
	memset(&t, 0, sizeof t);
	int rc = trainer_setup(&t, &o, r, err);
	int64_t batch =
		(int64_t)o.batch < (int64_t)t.ntr ? o.batch : (int64_t)t.ntr;
	if (!rc)
		rc = build_net(&t.m, o.arch, t.ps.w, t.ps.h, t.mt.k, err);
	if (!rc)
		rc = nn_model_init(t.m, o.seed, err);
	if (!rc)
		rc = nn_backend_new(&t.be, o.backend ? o.backend : "dnnl",
				    o.threads, err);
	if (!rc)
		rc = nn_model_prepare(t.m, t.be, batch, NN_TRAIN, err);
	if (!rc)
		rc = sim_mkdirs(o.out_dir, err);
	if (!rc) {
		t.ps.m = t.m;
		t.ps.k = t.mt.k;
		t.ps.batch = batch;
		t.ps.rgb = malloc((size_t)t.ps.w * (size_t)t.ps.h * 3);
		t.probs = malloc(t.nva * (size_t)t.mt.k * sizeof *t.probs);
		t.hist = calloc((size_t)o.epochs, sizeof *t.hist);
		t.labels = malloc((size_t)batch * sizeof *t.labels);
		t.rng = sim_rng_new(o.seed, DET_STREAM_SHUFFLE);
		if (!t.ps.rgb || !t.probs || !t.hist || !t.labels || !t.rng)
			rc = nomem(err);
	}
	char *wpath = rc ? NULL : sim_pathf("%s/%s", o.out_dir, DET_WEIGHTS);
	if (!rc && !wpath)
		rc = nomem(err);
	nn_optim opt = {.kind = NN_ADAM, .lr = o.lr};
	size_t batches = t.ntr / (size_t)(batch > 0 ? batch : 1);
	int bad = 0;
	double train_s = 0;
	size_t images = 0;
	for (int e = 0; !rc && e < o.epochs && bad < o.patience; e++) {
		shuffle(t.tr, t.ntr, t.rng);
		double loss_sum = 0, t0 = sim_clock_s();
		int64_t ok = 0;
		for (size_t b = 0; !rc && b < batches; b++) {
			rc = fill_batch(&t, o.labels, b, err);
			double loss = 0;
			int64_t c = 0;
			if (!rc)
				rc = nn_model_forward(t.m, 1, err);
			if (!rc)
				rc = nn_model_xent(t.m, t.labels, &loss, &c,
						   err);
			if (!rc)
				rc = nn_model_backward(t.m, err);
			if (!rc)
				rc = nn_model_step(t.m, &opt, err);
			if (rc)
				break;
			loss_sum += loss;
			ok += c;
			if (o.progress) {
				double s = sim_clock_s() - t0;
				det_progress p = {
					.epoch = e + 1,
					.epochs = o.epochs,
					.batch = b + 1,
					.batches = batches,
					.train_loss =
						loss_sum / (double)(b + 1),
					.train_acc = (double)ok /
						     (double)((int64_t)(b + 1) *
							      batch),
					.images_per_s =
						s > 0 ? (double)(b + 1) *
								(double)batch /
								s
						      : 0};
				o.progress(o.ctx, &p);
			}
		}
		double s = sim_clock_s() - t0;
		train_s += s;
		images += batches * (size_t)batch;
		det_hist *h = &t.hist[e];
		h->train_loss = loss_sum / (double)batches;
		h->train_acc = (double)ok / (double)(batches * (size_t)batch);
		if (!rc)
			rc = precise_bn(&t, o.labels, batches, err);
		if (!rc)
			rc = validate(&t.ps, &t.d, t.va, t.yva, t.nva, t.probs,
				      &h->val_loss, &h->val_acc, err);
		if (rc)
			break;
		r->epochs_run = e + 1;
		if (h->val_loss < r->best_val_loss) {
			for (int k = 0; k < e; k++)
				t.hist[k].best = 0;
			h->best = 1;
			bad = 0;
			r->best_epoch = e + 1;
			r->best_val_loss = h->val_loss;
			r->best_val_acc = h->val_acc;
			rc = nn_model_save_weights(t.m, wpath, err);
			if (!rc)
				rc = write_meta(o.out_dir, &t.mt, &o, r, err);
		} else {
			bad++;
		}
		if (!rc)
			rc = write_history(o.out_dir, t.hist, e + 1, err);
		if (o.progress && !rc) {
			det_progress p = {
				.epoch = e + 1,
				.epochs = o.epochs,
				.batch = batches,
				.batches = batches,
				.epoch_done = 1,
				.train_loss = h->train_loss,
				.train_acc = h->train_acc,
				.val_loss = h->val_loss,
				.val_acc = h->val_acc,
				.improved = h->best,
				.images_per_s = s > 0 ? (double)batches *
								(double)batch /
								s
						      : 0};
			o.progress(o.ctx, &p);
		}
	}
	r->seconds = train_s;
	r->images_per_s = train_s > 0 ? (double)images / train_s : 0;
	free(wpath);
	trainer_free(&t);
	return rc;
}

/* ------------------------------------------------------------ confusion */

int det_confusion_init(det_confusion *c, char *const *labels, int n,
		       io_err *err)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < n; i++) {
		int rc = det_confusion_add(c, labels[i], NULL, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The index of label s, added (a new row and column) if new; -1 on no
 * memory. */
static int conf_index(det_confusion *c, const char *s)
{
	int i = find_label(c->label, c->n, s);
	if (i >= 0)
		return i;
	int n = c->n + 1;
	char **lab = realloc(c->label, (size_t)n * sizeof *lab);
	if (!lab)
		return -1;
	c->label = lab;
	long *cnt = calloc((size_t)n * (size_t)n, sizeof *cnt);
	char *dup = strdup(s);
	if (!cnt || !dup) {
		free(cnt);
		free(dup);
		return -1;
	}
	for (int t = 0; t < c->n; t++)
		for (int p = 0; p < c->n; p++)
			cnt[t * n + p] = c->count[t * c->n + p];
	free(c->count);
	c->count = cnt;
	c->label[c->n] = dup;
	c->n = n;
	return n - 1;
}

int det_confusion_add(det_confusion *c, const char *truth,
		      const char *predicted, io_err *err)
{
	int t = conf_index(c, truth);
	int p = predicted && t >= 0 ? conf_index(c, predicted) : t;
	if (t < 0 || p < 0)
		return nomem(err);
	if (predicted)
		c->count[t * c->n + p]++;
	return 0;
}

void det_confusion_free(det_confusion *c)
{
	free_strs(c->label, c->n);
	free(c->count);
	memset(c, 0, sizeof *c);
}

static double ratio(long a, long b)
{
	return b ? (double)a / (double)b : NAN;
}

void det_confusion_metrics(const det_confusion *c, det_class_metrics *per,
			   det_metrics *all)
{
	memset(all, 0, sizeof *all);
	int n = c->n, classes = 0;
	double mp = 0, mr = 0, mf = 0, wp = 0, wr = 0, wf = 0;
	for (int k = 0; k < n; k++) {
		long tp = c->count[k * n + k], row = 0, col = 0;
		for (int j = 0; j < n; j++) {
			row += c->count[k * n + j];
			col += c->count[j * n + k];
		}
		all->total += row;
		all->correct += tp;
		det_class_metrics *m = &per[k];
		m->support = row;
		m->predicted = col;
		m->precision = ratio(tp, col);
		m->recall = ratio(tp, row);
		m->f1 = ratio(2 * tp, row + col);
		if (!row)
			continue;
		/* a class never predicted has precision 0 in the averages */
		double pr = col ? m->precision : 0;
		classes++;
		mp += pr;
		mr += m->recall;
		mf += m->f1;
		wp += pr * (double)row;
		wr += m->recall * (double)row;
		wf += m->f1 * (double)row;
	}
	all->accuracy = ratio(all->correct, all->total);
	all->macro_precision = classes ? mp / classes : NAN;
	all->macro_recall = classes ? mr / classes : NAN;
	all->macro_f1 = classes ? mf / classes : NAN;
	double tot = (double)all->total;
	all->weighted_precision = tot > 0 ? wp / tot : NAN;
	all->weighted_recall = tot > 0 ? wr / tot : NAN;
	all->weighted_f1 = tot > 0 ? wf / tot : NAN;
}

void det_confusion_print(const det_confusion *c, const char *title, FILE *f)
{
	int n = c->n;
	det_class_metrics *per = calloc((size_t)(n ? n : 1), sizeof *per);
	if (!per)
		return;
	det_metrics all;
	det_confusion_metrics(c, per, &all);
	fprintf(f, "%s: %ld charts, accuracy %.4f (%ld correct)\n", title,
		all.total, all.accuracy, all.correct);
	fprintf(f, "confusion (rows true, columns predicted):\n%-10s", "");
	for (int p = 0; p < n; p++)
		fprintf(f, " %9.9s", c->label[p]);
	fputc('\n', f);
	for (int t = 0; t < n; t++) {
		fprintf(f, "%-10.10s", c->label[t]);
		for (int p = 0; p < n; p++)
			fprintf(f, " %9ld", c->count[t * n + p]);
		fputc('\n', f);
	}
	fprintf(f, "%-10s %9s %9s %9s %9s\n", "class", "precision", "recall",
		"f1", "support");
	for (int k = 0; k < n; k++)
		fprintf(f, "%-10.10s %9.4f %9.4f %9.4f %9ld\n", c->label[k],
			per[k].precision, per[k].recall, per[k].f1,
			per[k].support);
	fprintf(f, "%-10s %9.4f %9.4f %9.4f %9ld\n", "macro",
		all.macro_precision, all.macro_recall, all.macro_f1, all.total);
	fprintf(f, "%-10s %9.4f %9.4f %9.4f %9ld\n", "weighted",
		all.weighted_precision, all.weighted_recall, all.weighted_f1,
		all.total);
	free(per);
}

/* s as the last CSV field of a line (gantt_csv_field without its comma) */
static void csv_last(sim_text *t, const char *s)
{
	gantt_csv_field(t, s);
	if (!t->failed && t->len) {
		t->len--;
		t->buf[t->len] = 0;
	}
}

static void fmt_num(char *buf, size_t n, double x)
{
	if (isnan(x))
		snprintf(buf, n, "nan");
	else
		snprintf(buf, n, "%.6f", x);
}

/* The matrix as SVG: a cell per (true, predicted), shaded by its share of
 * the row, with its count. */
static int conf_svg(const det_confusion *c, const char *path, const char *title,
		    io_err *err)
{
	int n = c->n;
	double cell = n > 12 ? 40 : 56, x0 = 130, y0 = 70;
	sim_svg *s = sim_svg_new(x0 + cell * n + 40, y0 + cell * n + 70);
	if (!s)
		return nomem(err);
	sim_svg_text(s, x0, 24, "start", 14, title);
	sim_svg_text(s, x0 + cell * n / 2, y0 - 30, "middle", 12, "predicted");
	sim_svg_text(s, 16, y0 + cell * n / 2, "start", 12, "true");
	for (int t = 0; t < n; t++) {
		long row = 0;
		for (int p = 0; p < n; p++)
			row += c->count[t * n + p];
		sim_svg_text(s, x0 - 6, y0 + cell * (t + 0.6), "end", 11,
			     c->label[t]);
		sim_svg_text(s, x0 + cell * (t + 0.5), y0 - 8, "middle", 11,
			     c->label[t]);
		for (int p = 0; p < n; p++) {
			long k = c->count[t * n + p];
			double share = row ? (double)k / (double)row : 0;
			char tip[300], num[32];
			snprintf(tip, sizeof tip, "true %s, predicted %s: %ld",
				 c->label[t], c->label[p], k);
			sim_svg_rect(s, NULL, x0 + cell * p, y0 + cell * t,
				     x0 + cell * (p + 1), y0 + cell * (t + 1),
				     t == p ? "#2ca02c" : "#d62728",
				     0.08 + 0.92 * share, "cell", tip);
			snprintf(num, sizeof num, "%ld", k);
			sim_svg_text(s, x0 + cell * (p + 0.5),
				     y0 + cell * (t + 0.6), "middle", 12, num);
		}
	}
	int rc = sim_svg_write(s, path, err);
	sim_svg_free(s);
	return rc;
}

int det_confusion_write(const det_confusion *c, const char *csv_path,
			const char *metrics_path, const char *svg_path,
			const char *title, io_err *err)
{
	int n = c->n;
	det_class_metrics *per = calloc((size_t)(n ? n : 1), sizeof *per);
	sim_text t = {0}, mtx = {0};
	int rc = per ? 0 : nomem(err);
	if (!rc) {
		sim_text_add(&t, "true\\predicted");
		for (int p = 0; p < n; p++) {
			sim_text_add(&t, ",");
			csv_last(&t, c->label[p]);
		}
		sim_text_add(&t, "\n");
		for (int r = 0; r < n; r++) {
			csv_last(&t, c->label[r]);
			for (int p = 0; p < n; p++)
				sim_text_add(&t, ",%ld", c->count[r * n + p]);
			sim_text_add(&t, "\n");
		}
		det_metrics all;
		det_confusion_metrics(c, per, &all);
		sim_text_add(&mtx,
			     "class,precision,recall,f1,support,predicted\n");
		char a[32], b[32], d[32];
		for (int k = 0; k < n; k++) {
			gantt_csv_field(&mtx, c->label[k]);
			fmt_num(a, sizeof a, per[k].precision);
			fmt_num(b, sizeof b, per[k].recall);
			fmt_num(d, sizeof d, per[k].f1);
			sim_text_add(&mtx, "%s,%s,%s,%ld,%ld\n", a, b, d,
				     per[k].support, per[k].predicted);
		}
		fmt_num(a, sizeof a, all.macro_precision);
		fmt_num(b, sizeof b, all.macro_recall);
		fmt_num(d, sizeof d, all.macro_f1);
		sim_text_add(&mtx, "(macro),%s,%s,%s,%ld,%ld\n", a, b, d,
			     all.total, all.total);
		fmt_num(a, sizeof a, all.weighted_precision);
		fmt_num(b, sizeof b, all.weighted_recall);
		fmt_num(d, sizeof d, all.weighted_f1);
		sim_text_add(&mtx, "(weighted),%s,%s,%s,%ld,%ld\n", a, b, d,
			     all.total, all.total);
		fmt_num(a, sizeof a, all.accuracy);
		sim_text_add(&mtx, "(accuracy),%s,%s,%s,%ld,%ld\n", a, a, a,
			     all.total, all.correct);
		if (t.failed || mtx.failed)
			rc = nomem(err);
	}
	if (!rc)
		rc = sim_write_text(csv_path, t.buf, t.len, err);
	if (!rc)
		rc = sim_write_text(metrics_path, mtx.buf, mtx.len, err);
	if (!rc)
		rc = conf_svg(c, svg_path, title, err);
	free(t.buf);
	free(mtx.buf);
	free(per);
	return rc;
}

/* ------------------------------------------------------------ eval */

static int write_set(det_confusion *c, const char *dir, const char *set,
		     const char *title, FILE *report, io_err *err)
{
	char *csv = sim_pathf("%s/confusion_%s.csv", dir, set);
	char *met = sim_pathf("%s/metrics_%s.csv", dir, set);
	char *svg = sim_pathf("%s/confusion_%s.svg", dir, set);
	int rc = csv && met && svg
			 ? det_confusion_write(c, csv, met, svg, title, err)
			 : nomem(err);
	if (!rc && report) {
		det_confusion_print(c, title, report);
		fputc('\n', report);
	}
	free(csv);
	free(met);
	free(svg);
	return rc;
}

/* The last component of a folder's path ("data" for "x/data/"), at most
 * 100 bytes, in a static buffer. */
static const char *data_name(const char *dir)
{
	static char name[101];
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	size_t b = n;
	while (b > 0 && dir[b - 1] != '/')
		b--;
	size_t len = n - b < 100 ? n - b : 100;
	memcpy(name, dir + b, len);
	name[len] = 0;
	if (!len || !strcmp(name, ".") || !strcmp(name, ".."))
		snprintf(name, sizeof name, "data");
	return name;
}

int det_eval(const det_eval_opts *o, det_eval_result *r, io_err *err)
{
	memset(r, 0, sizeof *r);
	const char *split = o->split ? o->split : "test";
	det_meta mt;
	det_data d;
	memset(&d, 0, sizeof d);
	nn_model *m = NULL;
	nn_backend *be = NULL;
	det_confusion cm, cc;
	memset(&cm, 0, sizeof cm);
	memset(&cc, 0, sizeof cc);
	size_t *idx = NULL;
	double *probs = NULL;
	sim_text pred = {0};
	det_pass ps;
	memset(&ps, 0, sizeof ps);
	int rc = read_meta(o->model_dir, &mt, err);
	if (rc)
		return rc;
	char *outdir = o->out_dir ? strdup(o->out_dir)
				  : sim_pathf("%s/eval_%s_%s", o->model_dir,
					      data_name(o->data_dir), split);
	char *wpath = sim_pathf("%s/%s", o->model_dir, DET_WEIGHTS);
	if (!outdir || !wpath)
		rc = nomem(err);
	if (!rc)
		rc = data_load(&d, o->data_dir, err);
	if (!rc && !(idx = malloc(d.n * sizeof *idx)))
		rc = nomem(err);
	size_t n = 0;
	for (size_t i = 0; !rc && i < d.n; i++)
		if (!strcmp(d.row[i].split, split))
			idx[n++] = i;
	if (!rc && !n)
		rc = io_errf(err, IO_EINPUT, d.manifest, 0,
			     "no chart of split \"%s\"", split);
	int64_t batch = n < 16 ? (int64_t)n : 16;
	if (!rc)
		rc = build_net(&m, mt.arch, mt.raster.width, mt.raster.height,
			       mt.k, err);
	if (!rc)
		rc = nn_model_load_weights(m, wpath, err);
	if (!rc)
		rc = nn_backend_new(&be, o->backend ? o->backend : "dnnl",
				    o->threads, err);
	if (!rc)
		rc = nn_model_prepare(m, be, batch, 0, err);
	if (!rc) {
		ps = (det_pass){.m = m,
				.w = mt.raster.width,
				.h = mt.raster.height,
				.k = mt.k,
				.batch = batch,
				.rgb = malloc((size_t)mt.raster.width *
					      (size_t)mt.raster.height * 3)};
		probs = malloc(n * (size_t)mt.k * sizeof *probs);
		if (!ps.rgb || !probs)
			rc = nomem(err);
	}
	if (!rc)
		rc = infer_rows(&ps, &d, idx, n, probs, err);
	if (!rc)
		rc = det_confusion_init(&cm, mt.cls, mt.k, err);
	if (!rc && mt.labels == DET_FINE) {
		char *co[4];
		memcpy(co, coarse_order, sizeof co);
		rc = det_confusion_init(&cc, co, 4, err);
	}
	if (!rc)
		sim_text_add(&pred, "file,true,predicted,probability\n");
	for (size_t i = 0; !rc && i < n; i++) {
		const det_row *x = &d.row[idx[i]];
		const double *p = probs + i * (size_t)mt.k;
		int a = argmax(p, mt.k);
		const char *truth = row_label(x, mt.labels);
		rc = det_confusion_add(&cm, truth, mt.cls[a], err);
		if (!rc && mt.labels == DET_FINE)
			rc = det_confusion_add(&cc, x->coarse, mt.coarse_of[a],
					       err);
		gantt_csv_field(&pred, x->file);
		gantt_csv_field(&pred, truth);
		gantt_csv_field(&pred, mt.cls[a]);
		sim_text_add(&pred, "%.6f\n", p[a]);
	}
	if (!rc && pred.failed)
		rc = nomem(err);
	if (!rc)
		rc = sim_mkdirs(outdir, err);
	if (!rc) {
		char *pp = sim_pathf("%s/predictions.csv", outdir);
		rc = pp ? sim_write_text(pp, pred.buf, pred.len, err)
			: nomem(err);
		free(pp);
	}
	char title[200];
	snprintf(title, sizeof title, "%s labels, split %s",
		 mt.labels == DET_FINE ? "fine" : "coarse", split);
	if (!rc)
		rc = write_set(&cm, outdir,
			       mt.labels == DET_FINE ? "fine" : "coarse", title,
			       o->report, err);
	if (!rc && mt.labels == DET_FINE) {
		snprintf(title, sizeof title,
			 "coarse classes of the fine predictions, split %s",
			 split);
		rc = write_set(&cc, outdir, "coarse", title, o->report, err);
	}
	if (!rc) {
		det_class_metrics *per =
			calloc((size_t)cm.n + (size_t)cc.n + 1, sizeof *per);
		if (!per)
			rc = nomem(err);
		else {
			det_confusion_metrics(&cm, per, &r->model);
			if (mt.labels == DET_FINE)
				det_confusion_metrics(&cc, per, &r->coarse);
			else
				r->coarse = r->model;
			free(per);
		}
		r->n = n;
	}
	free(outdir);
	free(wpath);
	free(idx);
	free(probs);
	free(ps.rgb);
	free(pred.buf);
	det_confusion_free(&cm);
	det_confusion_free(&cc);
	nn_model_free(m);
	nn_backend_free(be);
	data_free(&d);
	meta_free(&mt);
	return rc;
}

/* ------------------------------------------------------------ toy data */

typedef struct toy_label {
	const char *label, *coarse;
	double cpu, io,
		net; /* factors: affected compute, affected I/O, all I/O */
	int copies;  /* charts per per_class */
} toy_label;

static const toy_label toy_labels[] = {
	{"normal", "normal", 1, 1, 1, 2}, {"cpu_2", "cpu", 1.8, 1, 1, 1},
	{"cpu_3", "cpu", 2.2, 1, 1, 1},	  {"hdd_50", "hdd", 1, 3, 1, 1},
	{"hdd_100", "hdd", 1, 5, 1, 1},	  {"loss_1", "loss", 1, 1, 2, 1},
	{"loss_5", "loss", 1, 1, 6, 1},
};
#define TOY_MACHINES 5

static double uni(gsl_rng *r, double a, double b)
{
	return a + (b - a) * gsl_rng_uniform(r);
}

/* One toy run of label l, drawn from r, into run (see det_toy_dataset). */
static int toy_run(const toy_label *l, gsl_rng *r, gantt_run *run, char *nodes,
		   size_t nodes_len, io_err *err)
{
	int hit[TOY_MACHINES] = {0};
	int a = (int)gsl_rng_uniform_int(r, TOY_MACHINES);
	int b = (a + 1 + (int)gsl_rng_uniform_int(r, TOY_MACHINES - 1)) %
		TOY_MACHINES;
	hit[a] = hit[b] = l->cpu > 1 || l->io > 1;
	nodes[0] = 0;
	for (int m = 0; m < TOY_MACHINES; m++)
		if (hit[m])
			snprintf(nodes + strlen(nodes),
				 nodes_len - strlen(nodes), "%sworker%d",
				 nodes[0] ? " " : "", m + 1);
	int width[3] = {10 + (int)gsl_rng_uniform_int(r, 7),
			2 + (int)gsl_rng_uniform_int(r, 3),
			8 + (int)gsl_rng_uniform_int(r, 7)};
	static const double compute[3][2] = {{60, 120}, {20, 40}, {40, 90}};
	static const char *const types[3] = {"individuals", "merge",
					     "mutation"};
	size_t n = (size_t)(width[0] + width[1] + width[2]);
	memset(run, 0, sizeof *run);
	run->jobs = calloc(n, sizeof *run->jobs);
	if (!run->jobs)
		return nomem(err);
	double ready0 = 0;
	int first = (int)gsl_rng_uniform_int(r, TOY_MACHINES);
	for (int lev = 0; lev < 3; lev++) {
		double level_end = ready0;
		for (int k = 0; k < width[lev]; k++) {
			gantt_job *j = &run->jobs[run->n];
			int m = (first + (int)run->n) % TOY_MACHINES;
			char name[64], mach[32];
			snprintf(name, sizeof name, "%s_%d", types[lev], k + 1);
			snprintf(mach, sizeof mach, "worker%d", m + 1);
			j->index = (long long)run->n;
			j->cls = GANTT_COMPUTE;
			j->name = strdup(name);
			j->task_type = strdup(types[lev]);
			j->machine = strdup(mach);
			j->machine_type = strdup("toy");
			run->n++;
			if (!j->name || !j->task_type || !j->machine ||
			    !j->machine_type)
				return nomem(err);
			double io = l->net * (hit[m] ? l->io : 1);
			double cpu = hit[m] ? l->cpu : 1;
			double *t = j->t;
			t[GANTT_READY] = ready0 + uni(r, 0, 2);
			t[GANTT_SUBMIT] = t[GANTT_READY] + uni(r, 1, 4);
			t[GANTT_START] = t[GANTT_SUBMIT] + uni(r, 2, 15);
			t[GANTT_STAGE_IN_START] =
				t[GANTT_START] + uni(r, 0.5, 2);
			t[GANTT_STAGE_IN_END] =
				t[GANTT_STAGE_IN_START] + io * uni(r, 4, 12);
			t[GANTT_COMPUTE_START] = t[GANTT_STAGE_IN_END];
			t[GANTT_COMPUTE_END] =
				t[GANTT_COMPUTE_START] +
				cpu * uni(r, compute[lev][0], compute[lev][1]);
			t[GANTT_STAGE_OUT_START] = t[GANTT_COMPUTE_END];
			t[GANTT_STAGE_OUT_END] =
				t[GANTT_STAGE_OUT_START] + io * uni(r, 2, 8);
			t[GANTT_END] = t[GANTT_STAGE_OUT_END];
			t[GANTT_POST_END] = t[GANTT_END] + uni(r, 1, 3);
			level_end = fmax(level_end, t[GANTT_POST_END]);
		}
		ready0 = level_end;
	}
	return gantt_finish(run, "toy run", err);
}

int det_toy_dataset(const det_toy_opts *o, size_t *charts, io_err *err)
{
	*charts = 0;
	if (o->per_class < 1 || o->per_class > 100000)
		return io_errf(
			err, IO_EINPUT, NULL, 0,
			"toy data: per class must be 1 to 100000, not %d",
			o->per_class);
	gantt_manifest *man = gantt_manifest_new();
	if (!man)
		return nomem(err);
	int rc = 0;
	uint64_t chart = 0;
	for (size_t li = 0; !rc && li < sizeof toy_labels / sizeof *toy_labels;
	     li++) {
		const toy_label *l = &toy_labels[li];
		size_t n = (size_t)o->per_class * (size_t)l->copies;
		char *dir = sim_pathf("%s/toy/%s", o->out_dir, l->label);
		rc = dir ? sim_mkdirs(dir, err) : nomem(err);
		for (size_t k = 0; !rc && k < n; k++, chart++) {
			uint64_t seed = sim_seed_mix(o->seed, (uint32_t)chart);
			gsl_rng *r = sim_rng_new(seed, 0);
			char *rel = sim_pathf("toy/%s/%s-%04zu.png", l->label,
					      l->label, k);
			char *png =
				sim_pathf("%s/%s", o->out_dir, rel ? rel : "");
			char *jobs = sim_pathf("%s/%s-%04zu.jobs.csv.gz", dir,
					       l->label, k);
			gantt_run run = {0};
			char nodes[64];
			rc = r && rel && png && jobs ? 0 : nomem(err);
			if (!rc)
				rc = toy_run(l, r, &run, nodes, sizeof nodes,
					     err);
			if (!rc)
				rc = gantt_write_jobs(&run, jobs, err);
			if (!rc)
				rc = gantt_write_png(&run, &o->raster, png,
						     err);
			if (!rc) {
				int normal = !strcmp(l->coarse, "normal");
				gantt_entry e = {
					.file = rel,
					.coarse = l->coarse,
					.label = l->label,
					.has_seed = 1,
					.seed = seed,
					.anomaly_node = normal	   ? NULL
							: nodes[0] ? nodes
								   : "*",
					.anomaly_t0 = normal ? NAN : 0,
					.anomaly_t1 =
						normal ? NAN : run.makespan_s,
					.split = gantt_split(k, n)};
				rc = gantt_manifest_add(man, &e, err);
			}
			gantt_free(&run);
			free(rel);
			free(png);
			free(jobs);
			if (r)
				gsl_rng_free(r);
		}
		free(dir);
	}
	char *mpath = rc ? NULL : sim_pathf("%s/manifest.csv", o->out_dir);
	if (!rc)
		rc = mpath ? gantt_manifest_write(man, mpath, err) : nomem(err);
	if (!rc)
		*charts = gantt_manifest_count(man);
	free(mpath);
	gantt_manifest_free(man);
	return rc;
}
