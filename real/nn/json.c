/* real/nn/json.c — reading a model file (the format is documented in
 * real/nn/nn.h). Each layer is checked by nn_model_add as it is read, so
 * a bad one stops the load with the file, the line and the layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "real/nn/nn.h"

/* Keys of every layer, then those of each type. */
static const char *const common_keys[] = {"name", "type", "input", "inputs"};

static const char *const *type_keys(nn_kind k)
{
	static const char *const none[] = {NULL};
	static const char *const input[] = {"shape", NULL};
	static const char *const conv[] = {"out",    "kernel", "stride",
					   "pad",    "dilation", "groups",
					   "bias",   "relu",   NULL};
	static const char *const deconv[] = {
		"out",  "kernel", "stride", "pad", "dilation", "groups",
		"bias", "relu",   "output_padding", NULL};
	static const char *const maxpool[] = {"kernel", "stride", "pad", NULL};
	static const char *const avgpool[] = {"kernel", "stride", "pad",
					      "count_pad", NULL};
	static const char *const bn[] = {"eps", "momentum", NULL};
	static const char *const ln[] = {"eps", NULL};
	static const char *const leaky[] = {"alpha", NULL};
	static const char *const linear[] = {"out", "bias", NULL};
	static const char *const matmul[] = {"transpose_b", NULL};
	static const char *const att[] = {"heads", NULL};
	static const char *const concat[] = {"axis", NULL};
	static const char *const up[] = {"scale", "mode", NULL};
	static const char *const drop[] = {"p", NULL};
	static const char *const reshape[] = {"shape", NULL};
	switch (k) {
	case NN_INPUT:
		return input;
	case NN_CONV:
		return conv;
	case NN_DECONV:
		return deconv;
	case NN_MAXPOOL:
		return maxpool;
	case NN_AVGPOOL:
		return avgpool;
	case NN_BATCHNORM:
		return bn;
	case NN_LAYERNORM:
		return ln;
	case NN_LEAKY_RELU:
		return leaky;
	case NN_LINEAR:
		return linear;
	case NN_MATMUL:
		return matmul;
	case NN_ATTENTION:
		return att;
	case NN_CONCAT:
		return concat;
	case NN_UPSAMPLE:
		return up;
	case NN_DROPOUT:
		return drop;
	case NN_RESHAPE:
		return reshape;
	default:
		return none;
	}
}

typedef struct reader {
	const io_jdoc *doc;
	nn_model *m;
	io_err *err;
} reader;

/* An integer member in [lo, hi]; *given says whether it was there. */
static int get_int(reader *r, const json_t *o, const char *key, int64_t lo,
		   int64_t hi, int64_t *out, int *given)
{
	json_t *v = json_object_get(o, key);
	*given = v != NULL;
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return io_jerr_at(r->err, r->doc, o, key, 0,
				  "%s must be an integer", key);
	json_int_t x = json_integer_value(v);
	if (x < lo || x > hi)
		return io_jerr_at(r->err, r->doc, o, key, 0,
				  "%s %lld out of range [%lld, %lld]", key,
				  (long long)x, (long long)lo, (long long)hi);
	*out = x;
	return 0;
}

static int get_bool(reader *r, const json_t *o, const char *key, int *out)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return io_jerr_at(r->err, r->doc, o, key, 0,
				  "%s must be true or false", key);
	*out = json_is_true(v);
	return 0;
}

/* A spatial size: one integer or a list of 1 to 3. */
static int get_ivec(reader *r, const json_t *o, const char *key, int64_t lo,
		    int64_t hi, nn_ivec *out)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (json_is_integer(v)) {
		int given;
		out->n = 1;
		return get_int(r, o, key, lo, hi, &out->v[0], &given);
	}
	if (!json_is_array(v) || json_array_size(v) < 1 ||
	    json_array_size(v) > 3)
		return io_jerr_at(r->err, r->doc, o, key, 0,
				  "%s must be an integer or a list of 1 to 3",
				  key);
	out->n = (int)json_array_size(v);
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *x = json_array_get(v, i);
		if (!json_is_integer(x) || json_integer_value(x) < lo ||
		    json_integer_value(x) > hi)
			return io_jerr_at(r->err, r->doc, v, NULL, i,
					  "%s: each value an integer in [%lld, "
					  "%lld]",
					  key, (long long)lo, (long long)hi);
		out->v[i] = json_integer_value(x);
	}
	return 0;
}

/* A number member in [lo, hi]. */
static int get_num(reader *r, const json_t *o, const char *key, double lo,
		   double hi, double *out)
{
	double x = *out;
	int rc = io_jget_num(r->doc, o, key, 0, &x, r->err);
	if (rc)
		return rc;
	if (json_object_get(o, key) && !(x >= lo && x <= hi))
		return io_jerr_at(r->err, r->doc, o, key, 0,
				  "%s %g out of range [%g, %g]", key, x, lo, hi);
	*out = x;
	return 0;
}

/* "shape": a list of 1 to NN_MAX_DIMS integers (-1 allowed when
 * allow_free: reshape). */
static int get_shape(reader *r, const json_t *o, int allow_free, nn_spec *s)
{
	json_t *v = json_object_get(o, "shape");
	if (!v)
		return io_jerr(r->err, r->doc, o, "shape is required");
	if (!json_is_array(v) || json_array_size(v) < 1 ||
	    json_array_size(v) > NN_MAX_DIMS)
		return io_jerr_at(r->err, r->doc, o, "shape", 0,
				  "shape must be a list of 1 to %d sizes",
				  NN_MAX_DIMS);
	s->ndim = (int)json_array_size(v);
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *x = json_array_get(v, i);
		json_int_t d = json_is_integer(x) ? json_integer_value(x) : 0;
		if (!json_is_integer(x) || d > NN_MAX_DIM ||
		    (d < 1 && !(allow_free && d == -1)))
			return io_jerr_at(r->err, r->doc, v, NULL, i,
					  "shape: sizes are integers in [1, %d]%s",
					  NN_MAX_DIM,
					  allow_free ? " (or one -1)" : "");
		s->shape[i] = d;
	}
	return 0;
}

/* One input reference: a layer name or the index of a layer above. */
static int get_ref(reader *r, const json_t *holder, const char *key,
		   size_t idx, const json_t *v, int here, int *out)
{
	if (json_is_string(v)) {
		int j = nn_model_find(r->m, json_string_value(v));
		if (j < 0)
			return io_jerr_at(r->err, r->doc, holder, key, idx,
					  "no layer \"%s\" above this one",
					  json_string_value(v));
		*out = j;
		return 0;
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) < here) {
		*out = (int)json_integer_value(v);
		return 0;
	}
	return io_jerr_at(r->err, r->doc, holder, key, idx,
			  "an input is a layer name or the index of a layer "
			  "above (0 to %d)",
			  here - 1);
}

static int get_inputs(reader *r, const json_t *o, int here, nn_spec *s)
{
	json_t *one = json_object_get(o, "input");
	json_t *many = json_object_get(o, "inputs");
	if (one && many)
		return io_jerr(r->err, r->doc, o,
			       "give \"input\" or \"inputs\", not both");
	if (one) {
		s->n_in = 1;
		return get_ref(r, o, "input", 0, one, here, &s->in[0]);
	}
	if (!many)
		return 0;
	if (!json_is_array(many) || json_array_size(many) < 1 ||
	    json_array_size(many) > NN_MAX_IN)
		return io_jerr_at(r->err, r->doc, o, "inputs", 0,
				  "inputs must be a list of 1 to %d layers",
				  NN_MAX_IN);
	s->n_in = (int)json_array_size(many);
	for (int i = 0; i < s->n_in; i++) {
		int rc = get_ref(r, many, NULL, (size_t)i,
				 json_array_get(many, (size_t)i), here,
				 &s->in[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_keys(reader *r, const json_t *o, nn_kind k)
{
	const char *allowed[24];
	size_t n = 0;
	for (size_t i = 0; i < sizeof common_keys / sizeof *common_keys; i++)
		allowed[n++] = common_keys[i];
	for (const char *const *t = type_keys(k); *t; t++)
		allowed[n++] = *t;
	allowed[n] = NULL;
	return io_jcheck_keys(r->doc, o, allowed, r->err);
}

static int read_layer(reader *r, const json_t *o, int here)
{
	if (!json_is_object(o))
		return io_jerr(r->err, r->doc, o, "layer %d must be an object",
			       here);
	nn_spec s;
	memset(&s, 0, sizeof s);
	const char *type = NULL;
	int rc, given, b;
	if ((rc = io_jget_str(r->doc, o, "type", 1, &type, r->err)) ||
	    (rc = io_jget_str(r->doc, o, "name", 0, &s.name, r->err)))
		return rc;
	int k = nn_kind_from_name(type);
	if (k < 0)
		return io_jerr_at(r->err, r->doc, o, "type", 0,
				  "unknown layer type \"%s\" (see "
				  "real/nn/nn.h)",
				  type);
	s.kind = (nn_kind)k;
	if (s.name && (!*s.name || strlen(s.name) >= NN_NAME_MAX))
		return io_jerr_at(r->err, r->doc, o, "name", 0,
				  "name must be 1 to %d bytes", NN_NAME_MAX - 1);
	if ((rc = check_keys(r, o, s.kind)) || (rc = get_inputs(r, o, here, &s)))
		return rc;
	if (s.kind == NN_INPUT && s.n_in)
		return io_jerr(r->err, r->doc, o, "an input layer has no input");
	int64_t axis = 0;
	b = 1;
	if ((rc = get_int(r, o, "out", 1, NN_MAX_DIM, &s.out, &given)) ||
	    (rc = get_int(r, o, "groups", 1, NN_MAX_DIM, &s.groups, &given)) ||
	    (rc = get_int(r, o, "heads", 1, NN_MAX_DIM, &s.heads, &given)) ||
	    (rc = get_int(r, o, "axis", 0, NN_MAX_DIMS - 1, &axis, &given)) ||
	    (rc = get_ivec(r, o, "kernel", 1, NN_MAX_KERNEL, &s.kernel)) ||
	    (rc = get_ivec(r, o, "stride", 1, NN_MAX_KERNEL, &s.stride)) ||
	    (rc = get_ivec(r, o, "pad", 0, NN_MAX_KERNEL, &s.pad)) ||
	    (rc = get_ivec(r, o, "dilation", 1, NN_MAX_KERNEL, &s.dilation)) ||
	    (rc = get_ivec(r, o, "output_padding", 0, NN_MAX_KERNEL,
			   &s.out_pad)) ||
	    (rc = get_ivec(r, o, "scale", 1, 64, &s.scale)) ||
	    (rc = get_bool(r, o, "bias", &b)) ||
	    (rc = get_bool(r, o, "relu", &s.relu)) ||
	    (rc = get_bool(r, o, "transpose_b", &s.trans_b)))
		return rc;
	s.no_bias = !b;
	s.axis = (int)axis;
	int count_pad = 1;
	if ((rc = get_bool(r, o, "count_pad", &count_pad)))
		return rc;
	s.exclude_pad = !count_pad;
	if ((rc = get_num(r, o, "alpha", 1e-9, 1e6, &s.alpha)) ||
	    (rc = get_num(r, o, "eps", 1e-12, 1, &s.eps)) ||
	    (rc = get_num(r, o, "momentum", 1e-9, 1, &s.momentum)) ||
	    (rc = get_num(r, o, "p", 1e-9, 0.999999, &s.p)))
		return rc;
	const char *mode = NULL;
	if ((rc = io_jget_str(r->doc, o, "mode", 0, &mode, r->err)))
		return rc;
	if (mode && strcmp(mode, "nearest") != 0 && strcmp(mode, "bilinear") != 0)
		return io_jerr_at(r->err, r->doc, o, "mode", 0,
				  "mode \"%s\": nearest or bilinear", mode);
	s.bilinear = mode && strcmp(mode, "bilinear") == 0;
	if (s.kind == NN_INPUT || s.kind == NN_RESHAPE)
		if ((rc = get_shape(r, o, s.kind == NN_RESHAPE, &s)))
			return rc;
	io_err local = {0};
	if ((rc = nn_model_add(r->m, &s, &local)) < 0)
		return io_jerr(r->err, r->doc, o, "%s", local.msg);
	return 0;
}

static int read_model(reader *r, const char *label)
{
	const io_jdoc *doc = r->doc;
	const json_t *root = doc->root;
	static const char *const keys[] = {"name", "version", "description",
					   "layers", "output", NULL};
	if (!json_is_object(root))
		return io_jerr(r->err, doc, root, "a model is a JSON object");
	int rc;
	const char *name = NULL, *out = NULL, *desc = NULL;
	uint64_t version = 1;
	if ((rc = io_jcheck_keys(doc, root, keys, r->err)) ||
	    (rc = io_jget_str(doc, root, "name", 0, &name, r->err)) ||
	    (rc = io_jget_str(doc, root, "description", 0, &desc, r->err)) ||
	    (rc = io_jget_str(doc, root, "output", 0, &out, r->err)) ||
	    (rc = io_jget_u64(doc, root, "version", 0, &version, r->err)))
		return rc;
	if (version != 1)
		return io_jerr_at(r->err, doc, root, "version", 0,
				  "model format version %llu; this hetsim "
				  "reads version 1",
				  (unsigned long long)version);
	json_t *layers = json_object_get(root, "layers");
	if (!json_is_array(layers) || json_array_size(layers) == 0)
		return io_jerr(r->err, doc, layers ? layers : root,
			       "\"layers\" must be a non-empty list");
	if (json_array_size(layers) > NN_MAX_LAYERS)
		return io_jerr(r->err, doc, layers, "more than %d layers",
			       NN_MAX_LAYERS);
	if (!name) {
		const char *base = strrchr(label, '/');
		name = base ? base + 1 : label;
	}
	if ((rc = nn_model_new(&r->m, name, r->err)))
		return rc;
	for (size_t i = 0; i < json_array_size(layers); i++)
		if ((rc = read_layer(r, json_array_get(layers, i), (int)i)))
			return rc;
	if (out) {
		int j = nn_model_find(r->m, out);
		if (j < 0)
			return io_jerr_at(r->err, doc, root, "output", 0,
					  "output: no layer \"%s\"", out);
		nn_model_set_output(r->m, j, r->err);
	}
	return 0;
}

static int finish(reader *r, io_jdoc *doc, int rc, nn_model **out)
{
	io_jdoc_free(doc);
	if (rc) {
		nn_model_free(r->m);
		return rc;
	}
	*out = r->m;
	return 0;
}

int nn_model_load(nn_model **out, const char *path, io_err *err)
{
	io_jdoc doc;
	*out = NULL;
	int rc = io_jdoc_load(&doc, path, err);
	if (rc)
		return rc;
	reader r = {&doc, NULL, err};
	return finish(&r, &doc, read_model(&r, path), out);
}

int nn_model_parse(nn_model **out, const char *label, const char *text,
		   size_t len, io_err *err)
{
	io_jdoc doc;
	*out = NULL;
	int rc = io_jdoc_parse(&doc, label, text, len, err);
	if (rc)
		return rc;
	reader r = {&doc, NULL, err};
	return finish(&r, &doc, read_model(&r, label), out);
}
