/* sim/serving.c — the "serving" object of an experiment (see serving.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/serving.h"

#define SERVING_MAX_S 1e6 /* longest delay, hold or sample accepted */

static int oom(io_err *err)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* A DIST (serving.h) at obj[key] into sorted samples; absent: n = 0. */
static int parse_dist(const io_jdoc *doc, const json_t *obj, const char *key,
		      double **out, uint32_t *n, io_err *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	free(*out);
	*out = NULL;
	*n = 0;
	if (json_is_number(v)) {
		double x = json_number_value(v);
		if (!(x >= 0 && x <= SERVING_MAX_S))
			return io_jerr(err, doc, v,
				       "serving: \"%s\" must be a time in "
				       "[0, %g] s", key, SERVING_MAX_S);
		if (!(*out = malloc(sizeof **out)))
			return oom(err);
		**out = x;
		*n = 1;
		return 0;
	}
	static const char *const keys[] = {"samples", "unit", "source", NULL};
	if (!json_is_object(v))
		return io_jerr(err, doc, v,
			       "serving: \"%s\" must be a number (seconds) or "
			       "{\"samples\": [...], \"unit\": ...}", key);
	if (io_jcheck_keys(doc, v, keys, err))
		return IO_EINPUT;
	const char *unit = "s";
	if (io_jget_str(doc, v, "unit", 0, &unit, err))
		return IO_EINPUT;
	double scale = !strcmp(unit, "s")    ? 1.0
		       : !strcmp(unit, "ms") ? 1e-3
		       : !strcmp(unit, "us") ? 1e-6
					     : NAN;
	if (isnan(scale))
		return io_jerr(err, doc, json_object_get(v, "unit"),
			       "serving: \"unit\" must be \"s\", \"ms\" or "
			       "\"us\"");
	const json_t *a = json_object_get(v, "samples");
	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > UINT32_MAX)
		return io_jerr(err, doc, a ? a : v,
			       "serving: \"%s\".\"samples\" must be a "
			       "non-empty array of times", key);
	size_t m = json_array_size(a);
	double *s = malloc(m * sizeof *s);
	if (!s)
		return oom(err);
	for (size_t i = 0; i < m; i++) {
		const json_t *e = json_array_get(a, i);
		double x = json_is_number(e) ? json_number_value(e) * scale
					     : NAN;
		if (!(x >= 0 && x <= SERVING_MAX_S)) {
			free(s);
			return io_jerr_at(err, doc, a, NULL, i,
					  "serving: \"%s\" sample %zu must be "
					  "a number, a time in [0, %g] s", key,
					  i, SERVING_MAX_S);
		}
		s[i] = x;
	}
	qsort(s, m, sizeof *s, cmp_double);
	*out = s;
	*n = (uint32_t)m;
	return 0;
}

static int parse_mix(sim_serving *s, const io_jdoc *doc, const json_t *obj,
		     const prof_profile *p, io_err *err)
{
	const json_t *a = json_object_get(obj, "mix");
	if (!a)
		return 0;
	if (!json_is_array(a))
		return io_jerr(err, doc, a, "serving: \"mix\" must be an array");
	size_t cells = (size_t)p->n_machines * (p->n_tasks + 1) * p->n_tasks;
	if (!s->mix) {
		if (!(s->mix = malloc(cells * sizeof *s->mix)))
			return oom(err);
	}
	for (size_t i = 0; i < cells; i++)
		s->mix[i] = 1.0;
	static const char *const keys[] = {"machine", "task", "after",
					   "factor", "n", NULL};
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);
		if (!json_is_object(e))
			return io_jerr_at(err, doc, a, NULL, i,
					  "serving: \"mix\" element %zu must "
					  "be an object", i);
		const char *mn = NULL, *tn = NULL;
		double f = 0;
		if (io_jcheck_keys(doc, e, keys, err) ||
		    io_jget_str(doc, e, "machine", 1, &mn, err) ||
		    io_jget_str(doc, e, "task", 1, &tn, err) ||
		    io_jget_posnum(doc, e, "factor", 1, &f, err))
			return IO_EINPUT;
		int mt = prof_machine_index(p, mn), tt = prof_task_index(p, tn);
		if (mt < 0)
			return io_jerr(err, doc, json_object_get(e, "machine"),
				       "serving: machine type \"%s\" is not "
				       "in the profile", mn);
		if (tt < 0)
			return io_jerr(err, doc, json_object_get(e, "task"),
				       "serving: task type \"%s\" is not in "
				       "the profile", tn);
		const json_t *af = json_object_get(e, "after");
		int prev;
		if (!af || json_is_null(af)) {
			if (!af)
				return io_jerr(err, doc, e,
					       "serving: \"mix\" element needs "
					       "\"after\" (a task type, or "
					       "null: the instance's first)");
			prev = (int)p->n_tasks;
		} else if (json_is_string(af)) {
			prev = prof_task_index(p, json_string_value(af));
			if (prev < 0)
				return io_jerr(err, doc, af,
					       "serving: task type \"%s\" is "
					       "not in the profile",
					       json_string_value(af));
		} else {
			return io_jerr_at(err, doc, e, "after", 0,
					  "serving: \"after\" must be a task "
					  "type or null");
		}
		if (!(f <= 1e3))
			return io_jerr(err, doc, json_object_get(e, "factor"),
				       "serving: \"factor\" must be in (0, "
				       "1000]");
		s->mix[((size_t)mt * (p->n_tasks + 1) + (size_t)prev) *
			       p->n_tasks + (size_t)tt] = f;
	}
	return 0;
}

/* "retry" (serving.h): a number at key of obj in [lo, SERVING_MAX_S]. */
static int retry_num(const io_jdoc *doc, const json_t *obj, const char *key,
		     double lo, double *out, io_err *err)
{
	const json_t *v = json_object_get(obj, key);
	double x = json_is_number(v) ? json_number_value(v) : NAN;
	if (!(x >= lo && x <= SERVING_MAX_S))
		return io_jerr(err, doc, v ? v : obj,
			       "serving: \"retry\" needs \"%s\", a number in "
			       "[%g, %g]", key, lo, SERVING_MAX_S);
	*out = x;
	return 0;
}

static int parse_retry(sim_serving *s, const io_jdoc *doc, const json_t *o,
		       io_err *err)
{
	const json_t *r = json_object_get(o, "retry");
	if (!r)
		return 0;
	static const char *const keys[] = {"poll_s", "hot_s", "backoff", "hold",
					   "growth", "cap_s", "source", NULL};
	if (!json_is_object(r))
		return io_jerr(err, doc, r,
			       "serving: \"retry\" must be an object");
	if (io_jcheck_keys(doc, r, keys, err) ||
	    retry_num(doc, r, "poll_s", 0, &s->poll_s, err) ||
	    retry_num(doc, r, "hold", 0, &s->retry_hold_s, err))
		return IO_EINPUT;
	/* one form or the other; a "retry" given next to "file" replaces
	 * the file's whole */
	s->hot_s = s->growth = s->cap_s = 0;
	s->backoff = 1;
	if (!json_object_get(r, "growth") && !json_object_get(r, "cap_s")) {
		if (retry_num(doc, r, "hot_s", 0, &s->hot_s, err) ||
		    retry_num(doc, r, "backoff", 1, &s->backoff, err))
			return IO_EINPUT;
	} else {
		const json_t *hb = json_object_get(r, "hot_s");
		if (!hb)
			hb = json_object_get(r, "backoff");
		if (hb)
			return io_jerr(err, doc, hb,
				       "serving: \"retry\" takes either "
				       "\"hot_s\" and \"backoff\" or "
				       "\"growth\" and \"cap_s\", not both");
		if (!(s->poll_s > 0))
			return io_jerr(err, doc, json_object_get(r, "poll_s"),
				       "serving: \"retry\" with \"growth\" "
				       "needs \"poll_s\" > 0");
		if (retry_num(doc, r, "growth", 1, &s->growth, err) ||
		    retry_num(doc, r, "cap_s", s->poll_s, &s->cap_s, err))
			return IO_EINPUT;
	}
	s->has_retry = 1;
	return 0;
}

static int parse_object(sim_serving *s, const io_jdoc *doc, const json_t *o,
			const prof_profile *p, int top, io_err *err)
{
	static const char *const top_keys[] = {"file", "client_delay", "hold",
					       "mix", "queue", "retry", NULL};
	static const char *const file_keys[] = {"client_delay", "hold", "mix",
						"queue", "queue_source", "retry",
						"source", "fit", NULL};
	if (!json_is_object(o))
		return io_jerr(err, doc, o, "\"serving\" must be an object");
	if (io_jcheck_keys(doc, o, top ? top_keys : file_keys, err))
		return IO_EINPUT;
	if (parse_dist(doc, o, "client_delay", &s->delay_s, &s->n_delay,
		       err) ||
	    parse_dist(doc, o, "hold", &s->hold_s, &s->n_hold, err))
		return IO_EINPUT;
	const char *q = NULL;
	if (io_jget_str(doc, o, "queue", 0, &q, err))
		return IO_EINPUT;
	if (q && strcmp(q, "fifo") && strcmp(q, "random"))
		return io_jerr(err, doc, json_object_get(o, "queue"),
			       "serving: \"queue\" must be \"fifo\" or "
			       "\"random\"");
	if (q)
		s->queue_random = !strcmp(q, "random");
	if (parse_retry(s, doc, o, err))
		return IO_EINPUT;
	return parse_mix(s, doc, o, p, err);
}

int sim_serving_load(sim_serving **out, const io_jdoc *doc,
		     const json_t *node, const prof_profile *p, io_err *err)
{
	*out = NULL;
	sim_serving *s = calloc(1, sizeof *s);
	if (!s)
		return oom(err);
	s->n_tasks = p->n_tasks;
	s->n_machine_types = p->n_machines;
	int rc = 0;
	const char *file = NULL;
	if (!json_is_object(node))
		rc = io_jerr(err, doc, node, "\"serving\" must be an object");
	if (!rc)
		rc = io_jget_str(doc, node, "file", 0, &file, err);
	if (!rc && file) {
		char *path = io_jdoc_resolve(doc, file);
		io_jdoc fd;
		memset(&fd, 0, sizeof fd);
		if (!path)
			rc = oom(err);
		else
			rc = io_jdoc_load(&fd, path, err);
		if (!rc)
			rc = parse_object(s, &fd, fd.root, p, 0, err);
		if (path)
			io_jdoc_free(&fd);
		free(path);
	}
	if (!rc)
		rc = parse_object(s, doc, node, p, 1, err);
	if (rc) {
		sim_serving_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void sim_serving_free(sim_serving *s)
{
	if (!s)
		return;
	free(s->delay_s);
	free(s->hold_s);
	free(s->mix);
	free(s);
}
